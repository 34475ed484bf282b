// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cmd.h"
#include "exitcode.h"
#include "invoke.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/fileio.h"
#include "util/strbuf.h"

int cmd_need_module_args(struct cmd *c)
{
	const char *a = c->action;

	if (!strempty(c->module) && !strempty(c->version))
		return 0;
	dkms_error(&c->ctx, "Arguments <module> and <module-version> are not specified.\n"
		   "Usage: %s <module>/<module-version> or\n"
		   "       %s -m <module>/<module-version> or\n"
		   "       %s -m <module> -v <module-version>", a, a, a);
	return DKMS_EXIT_USAGE;
}

static int refuse_broken(struct cmd *c)
{
	if (!c->module || !c->version || !tree_is_broken(&c->ctx, c->module, c->version))
		return 0;
	dkms_error(&c->ctx, "%s/%s is broken!\nMissing the source directory or the symbolic link pointing to it.\n"
		   "Manual intervention is required!", c->module, c->version);
	return DKMS_EXIT_CONF_MISSING;
}

static int need_added(struct cmd *c)
{
	if (tree_is_added(&c->ctx, c->module, c->version))
		return 0;
	dkms_error(&c->ctx, "The module/version combo: %s/%s is not located in the DKMS tree.",
		   c->module ? c->module : "", c->version ? c->version : "");
	return DKMS_EXIT_STATE;
}

static int need_root(struct cmd *c)
{
	if (geteuid() == 0)
		return 0;
	dkms_error(&c->ctx, "You must be root to use this command.");
	return DKMS_EXIT_USAGE;
}

static int need_root_to_force(struct cmd *c)
{
	if (geteuid() == 0 || !c->ctx.force)
		return 0;
	dkms_error(&c->ctx, "You must be root to use this command with the --force option.");
	return DKMS_EXIT_USAGE;
}

static int need_writable_tree(struct cmd *c)
{
	if (access(c->ctx.dkms_tree, W_OK) == 0)
		return 0;
	dkms_error(&c->ctx, "No write access to DKMS tree at %s", c->ctx.dkms_tree);
	return DKMS_EXIT_USAGE;
}

static int no_all(struct cmd *c)
{
	if (!c->all)
		return 0;
	dkms_error(&c->ctx, "The action %s does not support the --all parameter.", c->action);
	return DKMS_EXIT_PATCH_PATH;
}

static int one_kernel(struct cmd *c)
{
	int r = no_all(c);

	if (r)
		return r;
	if (c->kernelver.n == 1)
		return 0;
	if (!strncmp(c->action, "kernel_", 7))
		dkms_error(&c->ctx, "The action %s requires exactly one kernel version parameter on the command line.",
			   c->action);
	else
		dkms_error(&c->ctx, "The action %s does not support multiple kernel version parameters on the command line.",
			   c->action);
	return DKMS_EXIT_CONF_MISSING;
}

int cmd_check(struct cmd *c, enum cmd_need need)
{
	static int (*const check[])(struct cmd *c) = {
		[NEED_MODULE_VERSION] = cmd_need_module_args,
		[NEED_NOT_BROKEN] = refuse_broken,
		[NEED_ADDED] = need_added,
		[NEED_ROOT] = need_root,
		[NEED_ROOT_TO_FORCE] = need_root_to_force,
		[NEED_WRITABLE_TREE] = need_writable_tree,
		[NEED_NO_ALL] = no_all,
		[NEED_ONE_KERNEL] = one_kernel,
	};

	return need < ARRAY_SIZE(check) && check[need] ? check[need](c) : 0;
}

static int cmp_version_sort(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

int cmd_setup_kernels(struct cmd *c)
{
	/* status and checkdisk take their kernels from the tree or the disk: no uname default */
	bool status = streq(c->action, "status") || streq(c->action, "checkdisk");
	struct utsname u;

	uname(&u);
	if (c->all && !status && c->module && c->version) {
		struct tree_builds tb;
		struct strv lines = STRV_INIT;

		tree_list_builds(&c->ctx, c->module, c->version, NULL, NULL, &tb);
		for (size_t i = 0; i < tb.n; i++)
			strv_pushf(&lines, "%s/%s", tb.b[i].kernel, tb.b[i].arch);
		tree_builds_release(&tb);
		if (lines.n > 1)
			qsort(lines.v, lines.n, sizeof(*lines.v), cmp_version_sort);
		for (size_t i = 0; i < lines.n; i++) {
			char *slash = strrchr(lines.v[i], '/');

			strv_push_take(&c->kernelver, xstrndup(lines.v[i], (size_t)(slash - lines.v[i])));
			strv_push(&c->arch, slash + 1);
		}
		strv_release(&lines);
	}
	if (!status) {
		if (!c->kernelver.n && !c->all)
			strv_push(&c->kernelver, u.release);
		if (!c->arch.n)
			strv_push(&c->arch, u.machine);
	}
	/* one arch for many kernels applies to all of them */
	if (c->arch.n == 1)
		while (c->arch.n < c->kernelver.n)
			strv_push(&c->arch, c->arch.v[0]);

	if (!status) {
		for (size_t i = 0; i < c->kernelver.n; i++) {
			if (strempty(c->kernelver.v[i])) {
				dkms_error(&c->ctx, "Empty kernelver[%zu]", i);
				return DKMS_EXIT_EMPTY_KERNEL;
			}
		}
		for (size_t i = 0; i < c->arch.n; i++) {
			if (strempty(c->arch.v[i])) {
				dkms_error(&c->ctx, "Empty arch[%zu]", i);
				return DKMS_EXIT_EMPTY_KERNEL;
			}
		}
	}
	c->n_kernels = c->kernelver.n;
	c->kernels = xcalloc(c->n_kernels ? c->n_kernels : 1, sizeof(*c->kernels));
	for (size_t i = 0; i < c->n_kernels; i++)
		dkms_kernel_init(&c->kernels[i], &c->ctx, c->kernelver.v[i], strv_get(&c->arch, i));
	return 0;
}

void cmd_post_transaction(struct cmd *c)
{
	_cleanup_free_ char *log = NULL, *cmd = NULL;

	if (strempty(c->ctx.post_transaction))
		return;
	/* the command is eval'd by dkms where $kernelver and $arch are set */
	if (c->n_kernels) {
		setenv("kernelver", c->kernels[0].version, 1);
		setenv("arch", c->kernels[0].arch, 1);
	}
	log = xasprintf("%s/post_transaction.log", c->ctx.dkms_tree);
	write_file_str(log, "");
	cmd = dkms_expand_kernelver(c->ctx.post_transaction, c->n_kernels ? c->kernels[0].version : "");
	invoke_command(&c->ctx, cmd, "Executing post-transaction command", NULL, log);
}

const struct dkms_kernel *cmd_first_kernel(struct cmd *c)
{
	static const struct dkms_kernel none = { (char *)"", (char *)"", (char *)"", (char *)"", NULL };

	return c->n_kernels ? &c->kernels[0] : &none;
}

int cmd_open_output_dir(struct cmd *c, const char *outdir)
{
	int fd = strempty(c->archive) ? beneath_open_path(c->ctx.dkms_tree, outdir, true, 0755)
				      : open_dir_p(outdir, 0755);

	if (fd < 0)
		dkms_error(&c->ctx, "Cannot create %s: %s", outdir,
			   fd == -EXDEV ? "it leads outside the DKMS tree" : strerror(-fd));
	return fd;
}
