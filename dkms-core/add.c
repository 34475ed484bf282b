// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/fileio.h"
#include "util/strbuf.h"

int dkms_read_conf_or_die(const struct dkms_ctx *ctx, const char *m, const char *v,
			  const struct dkms_kernel *k, const char *path, bool strict,
			  struct dkms_conf *conf)
{
	_cleanup_free_ char *def = NULL;
	const char *file = path ? path : ctx->conf_file;
	int r;

	r = dkms_conf_read(ctx, m, v, k, file, strict ? CONF_STRICT : 0, conf);
	if (r == 0)
		return 0;
	/* callers stop here: nothing of a refused dkms.conf is kept (releasing twice is harmless) */
	dkms_conf_release(conf);
	if (r == -ENOENT) {
		if (!file)
			def = xasprintf("%s/%s/%s/source/dkms.conf", ctx->dkms_tree, m, v);
		dkms_error(ctx, "Could not locate dkms.conf file.\nFile: %s does not exist.",
			   file ? file : def);
		return DKMS_EXIT_CONF_MISSING;
	}
	dkms_error(ctx, "Bad conf file.\nFile: %s does not represent a valid dkms.conf file.",
		   file ? file : "");
	return DKMS_EXIT_BAD_CONF;
}

int dkms_add(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k)
{
	_cleanup_free_ char *srcdir = NULL, *conf_path = NULL, *mvdir = NULL, *link = NULL;
	_cleanup_free_ char *builddir = NULL;
	struct dkms_conf conf;
	int r;

	if (tree_is_added(ctx, m, v)) {
		dkms_error(ctx, "DKMS tree already contains: %s/%s\n"
			   "You cannot add the same module/version combo more than once.", m, v);
		return DKMS_EXIT_STATE;
	}
	srcdir = xasprintf("%s/%s-%s", ctx->source_tree, m, v);
	conf_path = ctx->conf_file ? xstrdup(ctx->conf_file) : xasprintf("%s/dkms.conf", srcdir);
	if (!is_dir(srcdir)) {
		dkms_error(ctx, "Could not find module source directory.\nDirectory: %s does not exist.",
			   srcdir);
		return DKMS_EXIT_NO_SOURCE;
	}
	r = dkms_read_conf_or_die(ctx, m, v, k, conf_path, true, &conf);
	if (r)
		return r;

	mvdir = tree_mv_dir(ctx, m, v);
	link = xasprintf("%s/source", mvdir);
	builddir = xasprintf("%s/build", mvdir);
	dkms_info(ctx, "Creating symlink %s -> %s", link, srcdir);
	r = beneath_mkdir_p(ctx->dkms_tree, builddir, 0755);
	if (r == 0) {
		/* a dangling link (broken state) is replaced */
		if (is_symlink(link))
			unlink(link);
		if (symlink(srcdir, link) < 0)
			r = -errno;
	}
	if (r < 0) {
		dkms_error(ctx, "Could not create %s: %s", link,
			   r == -EXDEV ? "it leads outside the DKMS tree" : strerror(-r));
		dkms_conf_release(&conf);
		return DKMS_EXIT_USAGE;
	}
	r = dkms_run_hook(ctx, m, v, "post_add", conf.post_add, NULL);
	dkms_conf_release(&conf);
	(void)r; /* dkms ignores POST_ADD's status */
	return 0;
}

int dkms_add_source_tree(const struct dkms_ctx *ctx, const char *dir, const struct dkms_kernel *k,
			 char **ret_m, char **ret_v)
{
	_cleanup_free_ char *from = canonical_path(dir);
	_cleanup_free_ char *conf_path = NULL, *dest = NULL, *in_tree_src = NULL, *in_tree_build = NULL;
	struct dkms_conf conf;
	int r;

	if (from)
		conf_path = xasprintf("%s/dkms.conf", from);
	if (!from || !is_file(conf_path)) {
		dkms_error(ctx, "%s must contain a dkms.conf file!", dir);
		return DKMS_EXIT_SOURCE_TREE;
	}
	if (geteuid() != 0) {
		dkms_error(ctx, "You must be root to use this command.");
		return DKMS_EXIT_USAGE;
	}
	r = dkms_read_conf_or_die(ctx, NULL, NULL, k, conf_path, false, &conf);
	if (r)
		return r;
	if (strempty(conf.package_name) || strempty(conf.package_version)) {
		dkms_conf_release(&conf);
		dkms_error(ctx, "Malformed dkms.conf file. Cannot load source tree.");
		return DKMS_EXIT_BUILD;
	}
	*ret_m = xstrdup(conf.package_name);
	*ret_v = xstrdup(conf.package_version);
	dkms_conf_release(&conf);

	dest = xasprintf("%s/%s-%s", ctx->source_tree, *ret_m, *ret_v);
	if (ctx->force && is_dir(dest)) {
		dkms_errtext(ctx, "%s", "");
		dkms_info(ctx, "Forcing install of %s/%s", *ret_m, *ret_v);
		beneath_rm_rf(ctx->source_tree, dest);
	}
	in_tree_src = xasprintf("%s/%s/%s/source", ctx->dkms_tree, *ret_m, *ret_v);
	in_tree_build = xasprintf("%s/%s/%s/build", ctx->dkms_tree, *ret_m, *ret_v);
	if (streq(from, dest) || streq(from, in_tree_src) || streq(from, in_tree_build))
		return 0;
	/* the copy goes beneath the source tree, whatever links it holds */
	r = beneath_mkdir_p(ctx->source_tree, dest, 0755);
	if (!r)
		r = copy_tree(from, dest);
	if (r < 0) {
		dkms_error(ctx, "Could not copy %s to %s: %s", from, dest,
			   r == -EXDEV ? "it leads outside the source tree" : strerror(-r));
		if (r != -EXDEV)
			beneath_rm_rf(ctx->source_tree, dest);
		return DKMS_EXIT_SOURCE_TREE;
	}
	return 0;
}
