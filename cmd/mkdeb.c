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
#include "dud.h"
#include "formats/deb.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/fileio.h"
#include "util/strbuf.h"

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
	_cleanup_close_ int dir_fd = cmd_open_output_dir(c, outdir);
	int r;

	if (dir_fd < 0)
		return dir_fd;
	for (size_t i = 0; i < made->n; i++) {
		const char *name = strrchr(made->v[i], '/') + 1;
		_cleanup_free_ char *dst = xasprintf("%s/%s", outdir, name);

		r = move_file_into(dir_fd, name, made->v[i]);
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
	int r = 0;

	for (size_t i = 0; !r && i < c->n_kernels; i++)
		r = dkms_maybe_build(&c->ctx, c->module, c->version, &c->kernels[i]);
	if (!r)
		r = dud_collect_kernels(c, &kernels, &n);
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
	if (kernels)
		dud_kernels_free(kernels, n);
	return cmd_status_of(r);
}

int cmd_mkdeb(struct cmd *c)
{
	_cleanup_free_ char *work = NULL, *staged = NULL, *outdir = NULL, *mv = NULL, *source = NULL;
	_cleanup_strv_ struct strv made = STRV_INIT;
	char *path = NULL;
	int r;

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
