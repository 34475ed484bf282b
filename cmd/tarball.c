// SPDX-License-Identifier: GPL-2.0-or-later
/* mktarball, ldtarball and the loader `add <archive>` shares. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "exitcode.h"
#include "lifecycle.h"
#include "sign.h"
#include "tarball.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/fileio.h"
#include "util/strbuf.h"

int cmd_mktarball(struct cmd *c)
{
	struct dkms_tarball_kernel *tk = NULL;
	_cleanup_free_ char *src = NULL, *name = NULL, *out = NULL, *mvdir = NULL;
	struct dkms_tarball_spec spec = { 0 };
	struct strv dirs = STRV_INIT;
	struct dkms_conf conf;
	int r = cmd_need_module_args(c);

	if (!r)
		r = cmd_refuse_broken(c);
	if (!r)
		r = cmd_need_added(c);
	if (!r)
		r = dkms_read_conf_or_die(&c->ctx, c->module, c->version, cmd_first_kernel(c), NULL, false, &conf);
	if (r)
		return r;
	dkms_conf_release(&conf);

	tk = xcalloc(c->n_kernels ? c->n_kernels : 1, sizeof(*tk));
	for (size_t i = 0; i < c->n_kernels; i++) {
		strv_push_take(&dirs, tree_build_dir(&c->ctx, c->module, c->version,
						     c->kernels[i].version, c->kernels[i].arch));
		tk[i].kernel = c->kernels[i].version;
		tk[i].arch = c->kernels[i].arch;
		tk[i].built_dir = dirs.v[i];
	}
	mvdir = tree_mv_dir(&c->ctx, c->module, c->version);
	src = xasprintf("%s/source", mvdir);
	spec.module = c->module;
	spec.version = c->version;
	spec.content = c->ctx.source_only ? DKMS_TARBALL_SOURCE_ONLY
		       : c->ctx.binaries_only ? DKMS_TARBALL_BINARIES_ONLY
					      : DKMS_TARBALL_SOURCE;
	spec.kernels = tk;
	spec.n_kernels = c->ctx.source_only ? 0 : c->n_kernels;
	spec.source_dir = src;
	spec.conf = c->ctx.conf_file;
	name = dkms_tarball_default_name(c->module, c->version, tk, spec.n_kernels, c->ctx.source_only);
	out = dkms_tarball_location(&c->ctx, c->module, c->version, name, c->archive);
	/* the default <m>/<v>/tarball/ (no --archive, or a bare name) is written beneath the DKMS tree */
	if (strempty(c->archive) || !strchr(c->archive, '/'))
		spec.output_root = c->ctx.dkms_tree;
	r = dkms_tarball_create(&c->ctx, &spec, out);
	free(tk);
	strv_release(&dirs);
	if (r == -EACCES || r == -EXDEV)
		return DKMS_EXIT_SOURCE_TREE;
	return r ? DKMS_EXIT_INSTALL : 0;
}

/* Copy dkms_main_tree/<k>/<arch> into the tree, as built modules. */
static void load_prebuilt(struct cmd *c, const char *root, const struct strv *kdirs)
{
	for (size_t i = 0; i < kdirs->n; i++) {
		_cleanup_free_ char *from = xasprintf("%s/dkms_main_tree/%s", root, kdirs->v[i]);
		_cleanup_free_ char *to = xasprintf("%s/%s/%s/%s", c->ctx.dkms_tree, c->module,
						    c->version, kdirs->v[i]);

		if (is_dir(to) && !c->ctx.force) {
			dkms_warn(&c->ctx, "%s already exists. Skipping...", to);
			continue;
		}
		dkms_info(&c->ctx, "Loading %s...", to);
		/* beneath the DKMS tree: --force must not delete through a planted symlink */
		if (beneath_rm_rf(c->ctx.dkms_tree, to) < 0 || beneath_mkdir_p(c->ctx.dkms_tree, to, 0755) < 0) {
			dkms_warn(&c->ctx, "%s leads outside the DKMS tree. Skipping...", to);
			continue;
		}
		copy_tree(from, to);
	}
}

/* A binaries-only tarball still gets a source dir (with its dkms.conf) so the
 * package is "added" and shows in status; dkms 3.4.3 left it invisible. */
static int stub_source(struct cmd *c, const char *conf)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s-%s", c->ctx.source_tree, c->module, c->version);
	_cleanup_free_ char *to = xasprintf("%s/dkms.conf", dir);
	int r;

	if (is_dir(dir))
		return 0;
	dkms_info(&c->ctx, "Creating %s", dir);
	r = beneath_mkdir_p(c->ctx.source_tree, dir, 0755);
	dkms_info(&c->ctx, "Copying dkms.conf to %s ...", dir);
	if (!r)
		r = copy_file(conf, to);
	return r;
}

int cmd_load_tarball(struct cmd *c)
{
	_cleanup_free_ char *tmpl = xasprintf("%s/dkms.XXXXXX", c->ctx.tmp_location);
	_cleanup_free_ char *root = NULL;
	struct dkms_tarball_info info = { 0 };
	const char *loc_conf = NULL;
	bool binaries = false;
	int r;

	if (!path_exists(c->archive)) {
		dkms_error(&c->ctx, "%s does not exist.", c->archive);
		return DKMS_EXIT_NO_SOURCE;
	}
	if (!mkdtemp(tmpl)) {
		dkms_error(&c->ctx, "Unable to make temporary directory.");
		return DKMS_EXIT_USAGE;
	}
	root = xasprintf("%s/x", tmpl);
	r = dkms_tarball_extract(&c->ctx, c->archive, root);
	if (r) {
		rm_rf(tmpl);
		return r == -ENOENT ? DKMS_EXIT_NO_SOURCE : DKMS_EXIT_STATE;
	}
	r = dkms_tarball_inspect(&c->ctx, root, &info);
	if (r == -EINVAL) {
		/* a <kernel>/<arch> directory that is not a valid name (said) */
		dkms_errtext(&c->ctx, "%s is not a valid DKMS tarball.", c->archive);
		r = DKMS_EXIT_KO_MISSING;
		goto out;
	}
	if (r < 0)
		goto out;

	if (!info.has_main_tree) {
		if (!info.plain_conf) {
			dkms_error(&c->ctx, "Tarball does not appear to be a correctly formed DKMS archive. No dkms.conf found within it.");
			r = DKMS_EXIT_STATE;
			goto out;
		}
		r = dkms_add_source_tree(&c->ctx, info.plain_source_dir, cmd_first_kernel(c), &c->module, &c->version);
		goto out;
	}

	for (int pass = 0; pass < 2 && !loc_conf; pass++) {
		const char *conf = pass ? info.binaries_only_conf : info.source_tree_conf;
		struct dkms_conf dc;

		if (!conf)
			continue;
		if (dkms_conf_read(&c->ctx, NULL, NULL, cmd_first_kernel(c), conf, 0, &dc) < 0 ||
		    strempty(dc.package_name) || strempty(dc.package_version)) {
			dkms_conf_release(&dc);
			dkms_errtext(&c->ctx, "\nMalformed dkms.conf, refusing to load.");
			continue;
		}
		if (tree_is_added(&c->ctx, dc.package_name, dc.package_version) && !c->ctx.force) {
			dkms_error(&c->ctx, "%s/%s is already added!\nAborting.", dc.package_name, dc.package_version);
			dkms_conf_release(&dc);
			r = DKMS_EXIT_BAD_CONF;
			goto out;
		}
		free(c->module);
		free(c->version);
		c->module = xstrdup(dc.package_name);
		c->version = xstrdup(dc.package_version);
		dkms_conf_release(&dc);
		loc_conf = conf;
		binaries = pass == 1;
	}
	if (!loc_conf) {
		dkms_error(&c->ctx, "No valid dkms.conf in dkms_source_tree or dkms_binaries_only.\n"
			   "%s is not a valid DKMS tarball.", c->archive);
		r = DKMS_EXIT_KO_MISSING;
		goto out;
	}
	dkms_info(&c->ctx, "%s", "");
	dkms_info(&c->ctx, "Loading tarball for %s/%s", c->module, c->version);
	if (binaries) {
		r = stub_source(c, loc_conf);
	} else {
		_cleanup_free_ char *srcroot = xasprintf("%s/dkms_source_tree", root);
		_cleanup_free_ char *m = NULL, *v = NULL;

		r = dkms_add_source_tree(&c->ctx, srcroot, cmd_first_kernel(c), &m, &v);
	}
	if (!r)
		load_prebuilt(c, root, &info.kernel_dirs);
out:
	dkms_tarball_info_release(&info);
	rm_rf(tmpl);
	return r < 0 ? 1 : r;
}

int cmd_ldtarball(struct cmd *c)
{
	int r;

	if (geteuid() != 0 && c->ctx.force) {
		dkms_error(&c->ctx, "You must be root to use this command with the --force option.");
		return DKMS_EXIT_USAGE;
	}
	if (!c->archive) {
		dkms_error(&c->ctx, "%s does not exist.", "");
		return DKMS_EXIT_NO_SOURCE;
	}
	free(c->module);
	free(c->version);
	c->module = c->version = NULL;
	r = cmd_load_tarball(c);
	if (r)
		return r;
	if (tree_is_added(&c->ctx, c->module, c->version))
		return 0; /* --force reload of an added package */
	return cmd_status_of(dkms_add(&c->ctx, c->module, c->version, cmd_first_kernel(c)));
}

int cmd_generate_mok(struct cmd *c)
{
	_cleanup_free_ char *key = NULL, *cert = NULL;

	return sign_prepare_mok(&c->ctx, NULL, &key, &cert) ? 1 : 0;
}
