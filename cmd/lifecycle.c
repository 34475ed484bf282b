// SPDX-License-Identifier: GPL-2.0-or-later
/* add, build, install, uninstall, unbuild, remove. */
#include <string.h>

#include "cmd.h"
#include "initrd/transaction.h"
#include "journal.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/strbuf.h"

/* add_module: from an archive, a source dir, or <source_tree>/m-v. */
static int add_module(struct cmd *c)
{
	const char *saved = c->action;
	int r;

	if (c->archive && !c->module && !c->version) {
		struct journal j = JOURNAL_INIT;

		r = cmd_load_tarball(c, &j);
		c->action = "add";
		if (!r)
			r = cmd_need_module_args(c);
		c->action = saved;
		if (!r) {
			cmd_rpm_safe_mark(c);
			r = dkms_add(&c->ctx, c->module, c->version, cmd_first_kernel(c));
		}
		cmd_load_tarball_end(c, &j, r);
		return r;
	} else if (c->try_source_tree && !c->module && !c->version) {
		r = dkms_add_source_tree(&c->ctx, c->try_source_tree, cmd_first_kernel(c), &c->module, &c->version);
		if (r)
			return r;
	}
	c->action = "add";
	r = cmd_need_module_args(c);
	c->action = saved;
	if (r)
		return r;
	cmd_rpm_safe_mark(c);
	return dkms_add(&c->ctx, c->module, c->version, cmd_first_kernel(c));
}

int cmd_add(struct cmd *c)
{
	return cmd_status_of(add_module(c));
}

/* build and install add first when the package is not in the tree yet. */
static int ensure_added(struct cmd *c)
{
	int r;

	if (!strempty(c->module) && !strempty(c->version) && tree_is_added(&c->ctx, c->module, c->version))
		return 0;
	r = add_module(c);
	if (!r)
		dkms_info(&c->ctx, "%s", "");
	return r;
}

int cmd_build(struct cmd *c)
{
	int r = ensure_added(c);

	for (size_t i = 0; !r && i < c->n_kernels; i++)
		r = dkms_maybe_build(&c->ctx, c->module, c->version, &c->kernels[i]);
	return cmd_status_of(r);
}

int cmd_install(struct cmd *c)
{
	int r = ensure_added(c);

	for (size_t i = 0; !r && i < c->n_kernels; i++)
		r = initrd_txn_install(&c->ctx, c->module, c->version, &c->kernels[i]);
	if (!r)
		cmd_post_transaction(c);
	return cmd_status_of(r);
}

int cmd_uninstall(struct cmd *c)
{
	int r = 0;

	for (size_t i = 0; !r && i < c->n_kernels; i++) {
		if (i)
			dkms_info(&c->ctx, "%s", "");
		r = initrd_txn_uninstall(&c->ctx, c->module, c->version, &c->kernels[i]);
	}
	if (!r)
		cmd_post_transaction(c);
	return cmd_status_of(r);
}

int cmd_unbuild(struct cmd *c)
{
	int r = 0;

	for (size_t i = 0; !r && i < c->n_kernels; i++) {
		if (i)
			dkms_info(&c->ctx, "%s", "");
		r = initrd_txn_uninstall(&c->ctx, c->module, c->version, &c->kernels[i]);
		if (!r)
			r = dkms_maybe_unbuild(&c->ctx, c->module, c->version, &c->kernels[i]);
	}
	if (!r)
		cmd_post_transaction(c);
	return cmd_status_of(r);
}

int cmd_remove(struct cmd *c)
{
	int r;

	if (cmd_rpm_safe_cancel(c))
		return 0;
	r = initrd_txn_remove(&c->ctx, c->module, c->version, c->kernels, c->n_kernels);
	if (!r)
		cmd_post_transaction(c);
	return cmd_status_of(r);
}
