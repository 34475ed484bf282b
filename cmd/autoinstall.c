// SPDX-License-Identifier: GPL-2.0-or-later
/* autoinstall, the kernel hooks' actions, and match. */
#include <string.h>

#include "autoinstall.h"
#include "cmd.h"
#include "exitcode.h"
#include "initrd/transaction.h"
#include "lifecycle.h"
#include "status.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

int cmd_autoinstall(struct cmd *c)
{
	int installed = 0, r = initrd_txn_autoinstall(&c->ctx, &c->kernels[0], &installed);

	/* unlike dkms 3.4.3, post_transaction does follow an autoinstall */
	if (!r && installed)
		cmd_post_transaction(c);
	return cmd_status_of(r);
}

int cmd_kernel_postinst(struct cmd *c)
{
	return cmd_autoinstall(c);
}

int cmd_kernel_preinst(struct cmd *c)
{
	return cmd_status_of(dkms_kernel_unbuild_all(&c->ctx, &c->kernels[0], "kernel_preinst", true));
}

int cmd_kernel_prerm(struct cmd *c)
{
	return cmd_status_of(dkms_kernel_unbuild_all(&c->ctx, &c->kernels[0], "kernel_prerm", false));
}

struct match_list {
	struct strv mv;
};

static int collect_installed(const struct status_entry *e, void *userdata)
{
	struct match_list *ml = userdata;

	if (e->state == STATUS_INSTALLED)
		strv_pushf(&ml->mv, "%s/%s", e->module, e->version);
	return 0;
}

int cmd_match(struct cmd *c)
{
	struct match_list ml = { STRV_INIT };
	struct initrd_txn t = { 0 };
	const struct dkms_kernel *k = &c->kernels[0];
	int r;

	if (strempty(c->template_kernel)) {
		dkms_error(&c->ctx, "Invalid number of parameters passed.\n"
			   "Usage: match --templatekernel=<kernel-version> -k <kernel-version>\n"
			   "   or: match --templatekernel=<kernel-version> -k <kernel-version> <module>");
		return DKMS_EXIT_USAGE;
	}
	if (streq(c->template_kernel, k->version)) {
		dkms_error(&c->ctx, "The templatekernel and the specified kernel version are the same.");
		return DKMS_EXIT_NO_SOURCE;
	}
	if (c->module) {
		_cleanup_free_ char *mdir = xasprintf("%s/%s", c->ctx.dkms_tree, c->module);

		if (!is_dir(mdir)) {
			dkms_error(&c->ctx, "The module: %s is not located in the DKMS tree.", c->module);
			return DKMS_EXIT_STATE;
		}
	}
	status_walk(&c->ctx, c->module, NULL, c->template_kernel, k->arch, false, collect_installed, &ml);

	dkms_info(&c->ctx, "%s", "");
	dkms_info(&c->ctx, "Matching modules in kernel: %s (%s)", k->version, k->arch);
	dkms_info(&c->ctx, "to the configuration of kernel: %s (%s)", c->template_kernel, k->arch);
	if (!ml.mv.n) {
		dkms_info(&c->ctx, "%s", "");
		dkms_info(&c->ctx, "There is nothing to be done for this match.");
		return 0;
	}
	if (!dkms_kernel_has_headers(k)) {
		dkms_error(&c->ctx, "Your kernel headers for kernel %s cannot be found at %s/%s/build or %s/%s/source.\n"
			   "Please install your distribution's kernel headers package matching %s, or use the --kernelsourcedir option to tell DKMS where it's located.",
			   k->version, c->ctx.install_tree, k->version, c->ctx.install_tree, k->version, k->version);
		strv_release(&ml.mv);
		return DKMS_EXIT_NO_HEADERS;
	}
	r = initrd_txn_begin(&c->ctx, "match", k, NULL, NULL, &t);
	for (size_t i = 0; !r && i < ml.mv.n; i++) {
		char *slash = strchr(ml.mv.v[i], '/');
		const char *m = ml.mv.v[i], *v = slash + 1;

		*slash = '\0';
		dkms_info(&c->ctx, "Module:  %s", m);
		dkms_info(&c->ctx, "Version: %s", v);
		if (tree_is_broken(&c->ctx, m, v)) {
			dkms_error(&c->ctx, "%s/%s is broken!\nMissing the source directory or the symbolic link pointing to it.\n"
				   "Manual intervention is required!", m, v);
			continue;
		}
		if (dkms_maybe_build(&c->ctx, m, v, k) == 0)
			initrd_txn_run_install(&c->ctx, &t, m, v);
	}
	r = initrd_txn_commit(&c->ctx, &t, r);
	initrd_txn_release(&t);
	strv_release(&ml.mv);
	return r;
}
