// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkbmdeb: one binary-module .deb per -k kernel (built first when needed);
 * mkdeb: the source as a <module>-dkms .deb. Packages are made in a temp
 * dir and moved to --archive DIR or <dkms_tree>/M/V/{bmdeb,deb}/ only when
 * every one of them was built, so a failure leaves the output dir as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "exitcode.h"
#include "formats/deb.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

static void conf_releasep(struct dkms_conf *conf)
{
	dkms_conf_release(conf);
}

/* The built modules of m/v for k as the package installs them. */
static int collect(struct cmd *c, const struct dkms_kernel *k, struct dud_kernel *out)
{
	_cleanup_(conf_releasep) struct dkms_conf conf = { 0 };
	_cleanup_free_ char *build = tree_build_dir(&c->ctx, c->module, c->version, k->version, k->arch);
	_cleanup_free_ char *moddir = xasprintf("%s/module", build);
	const char *suffix = dkms_kernel_module_suffix(&c->ctx, k->version);
	int r = dkms_read_conf_or_die(&c->ctx, c->module, c->version, k, NULL, false, &conf);

	if (r)
		return r;
	out->kernelver = xstrdup(k->version);
	out->arch = xstrdup(k->arch);
	out->install_dir = xasprintf("%s/%s", c->ctx.install_tree, k->version);
	out->modules = xcalloc(conf.n_modules + 1, sizeof(*out->modules));
	for (size_t i = 0; i < conf.n_modules; i++) {
		const struct dkms_conf_module *rec = &conf.modules[i];
		struct dud_module *dm;
		char *file;

		if (rec->excluded)
			continue;
		file = tree_find_module_file(moddir, rec->dest_name, suffix);
		if (!file) {
			dkms_error(&c->ctx, "The built module %s.ko for kernel %s (%s) is missing from %s.",
				   rec->dest_name, k->version, k->arch, moddir);
			return DKMS_EXIT_KO_MISSING;
		}
		dm = &out->modules[out->n_modules++];
		dm->name = xstrdup(rec->dest_name);
		dm->path = file;
		dm->dest = xstrdup(rec->dest_location ? rec->dest_location : "/updates/dkms");
	}
	if (!out->n_modules) {
		dkms_error(&c->ctx, "%s/%s has no module for kernel %s (%s): nothing to package.",
			   c->module, c->version, k->version, k->arch);
		return DKMS_EXIT_EXCLUDED;
	}
	return 0;
}

static int checks(struct cmd *c)
{
	int r = cmd_need_module_args(c);

	if (!r)
		r = cmd_refuse_broken(c);
	if (!r)
		r = cmd_need_added(c);
	return r;
}

static char *make_workdir(struct cmd *c)
{
	char *dir = xasprintf("%s/dkms-%s.XXXXXX", c->ctx.tmp_location, c->action);

	if (!mkdtemp(dir)) {
		dkms_error(&c->ctx, "Cannot create a temporary directory in %s: %s", c->ctx.tmp_location,
			   strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* Move the packages made into the output dir and say where they are. */
static int publish(struct cmd *c, const struct strv *made, const char *outdir)
{
	int r = mkdir_p(outdir, 0755);

	if (r < 0) {
		dkms_error(&c->ctx, "Cannot create %s: %s", outdir, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < made->n; i++) {
		_cleanup_free_ char *dst = xasprintf("%s/%s", outdir, strrchr(made->v[i], '/') + 1);

		r = move_file(made->v[i], dst);
		if (r < 0) {
			dkms_error(&c->ctx, "Cannot move the package to %s: %s", dst, strerror(-r));
			return r;
		}
		dkms_info(&c->ctx, "Package location: %s", dst);
	}
	return 0;
}

static char *output_dir(struct cmd *c, const char *kind)
{
	_cleanup_free_ char *mv = NULL;

	if (!strempty(c->archive))
		return xstrdup(c->archive);
	mv = tree_mv_dir(&c->ctx, c->module, c->version);
	return xasprintf("%s/%s", mv, kind);
}

int cmd_mkbmdeb(struct cmd *c)
{
	_cleanup_free_ char *work = NULL, *staged = NULL, *outdir = NULL;
	_cleanup_strv_ struct strv made = STRV_INIT;
	struct dud_kernel *kernels = NULL;
	size_t n = 0;
	int r = checks(c);

	for (size_t i = 0; !r && i < c->n_kernels; i++)
		r = dkms_maybe_build(&c->ctx, c->module, c->version, &c->kernels[i]);
	if (r)
		return cmd_status_of(r);
	kernels = xcalloc(c->n_kernels + 1, sizeof(*kernels));
	for (; !r && n < c->n_kernels; n++)
		r = collect(c, &c->kernels[n], &kernels[n]);
	if (!r) {
		work = make_workdir(c);
		r = work ? 0 : -EIO;
	}
	if (!r) {
		staged = xasprintf("%s/out", work);
		for (size_t i = 0; !r && i < n; i++) {
			char *path = NULL;

			r = deb_build_modules(&c->ctx, c->module, c->version, &kernels[i], work, staged, &path);
			if (!r)
				strv_push_take(&made, path);
		}
	}
	if (!r) {
		outdir = output_dir(c, "bmdeb");
		r = publish(c, &made, outdir);
	}
	if (work)
		rm_rf(work);
	for (size_t i = 0; i < n; i++)
		dud_kernel_release(&kernels[i]);
	free(kernels);
	return cmd_status_of(r);
}

int cmd_mkdeb(struct cmd *c)
{
	_cleanup_free_ char *work = NULL, *staged = NULL, *outdir = NULL, *mv = NULL, *source = NULL;
	_cleanup_strv_ struct strv made = STRV_INIT;
	char *path = NULL;
	int r = checks(c);

	if (r)
		return cmd_status_of(r);
	mv = tree_mv_dir(&c->ctx, c->module, c->version);
	source = xasprintf("%s/source", mv);
	work = make_workdir(c);
	if (!work)
		return 1;
	staged = xasprintf("%s/out", work);
	r = deb_build_source(&c->ctx, c->module, c->version, source, work, staged, &path);
	if (!r) {
		strv_push_take(&made, path);
		outdir = output_dir(c, "deb");
		r = publish(c, &made, outdir);
	}
	rm_rf(work);
	return cmd_status_of(r);
}
