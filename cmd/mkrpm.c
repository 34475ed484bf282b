// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkrpm: a binary kmod RPM per -k kernel (built first when needed), the
 * same packages a Red Hat driver disk carries; with --source, the
 * <module>-dkms noarch RPM of the source, which dkms builds on the target
 * (as dkms 2.x's mkrpm). RPMs are made in a temp dir and moved to
 * --archive DIR or <dkms_tree>/M/V/rpm/ only when every one was made, so a
 * failure leaves the output dir as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dud.h"
#include "formats/kmod-rpm.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/fileio.h"
#include "util/strbuf.h"

static char *make_workdir(struct cmd *c)
{
	char *dir = xasprintf("%s/dkms-mkrpm.XXXXXX", c->ctx.tmp_location);

	if (!mkdtemp(dir)) {
		dkms_error(&c->ctx, "Cannot create a temporary directory in %s: %s", c->ctx.tmp_location,
			   strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

static char *output_dir(struct cmd *c)
{
	_cleanup_free_ char *mv = NULL;

	if (!strempty(c->archive))
		return xstrdup(c->archive);
	mv = tree_mv_dir(&c->ctx, c->module, c->version);
	return xasprintf("%s/rpm", mv);
}

/* Move every RPM made into outdir, or none: what was moved goes again on failure. */
static int publish(struct cmd *c, const struct strv *made)
{
	_cleanup_free_ char *outdir = output_dir(c);
	_cleanup_strv_ struct strv moved = STRV_INIT;
	_cleanup_close_ int dir_fd = cmd_open_output_dir(c, outdir);
	int r;

	if (dir_fd < 0)
		return dir_fd;
	for (size_t i = 0; i < made->n; i++) {
		const char *name = strrchr(made->v[i], '/') + 1;
		char *dst = xasprintf("%s/%s", outdir, name);

		r = move_file_into(dir_fd, name, made->v[i]);
		if (r < 0) {
			dkms_error(&c->ctx, "Cannot move the RPM to %s: %s", dst, strerror(-r));
			free(dst);
			for (size_t j = 0; j < moved.n; j++)
				unlinkat(dir_fd, strrchr(moved.v[j], '/') + 1, 0);
			return r;
		}
		strv_push_take(&moved, dst);
	}
	for (size_t i = 0; i < moved.n; i++)
		dkms_info(&c->ctx, "Package location: %s", moved.v[i]);
	return 0;
}

/* -k K -k K makes one RPM, not the same one twice. */
static bool seen_before(struct dud_kernel *kernels, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (streq(kernels[j].kernelver, kernels[i].kernelver) && streq(kernels[j].arch, kernels[i].arch))
			return true;
	return false;
}

static int make_kmod_rpms(struct cmd *c, const char *work, const char *staged, struct strv *made)
{
	struct dud_kernel *kernels = NULL;
	size_t n = 0;
	int r = 0;

	/* build what is missing, quietly skipping what is built */
	for (size_t i = 0; !r && i < c->n_kernels; i++)
		if (!tree_is_built(&c->ctx, c->module, c->version, c->kernels[i].version, c->kernels[i].arch))
			r = dkms_maybe_build(&c->ctx, c->module, c->version, &c->kernels[i]);
	if (!r)
		r = dud_collect_kernels(c, &kernels, &n);
	for (size_t i = 0; !r && i < n; i++) {
		_cleanup_free_ char *sub = xasprintf("%s/kmod-%zu", work, i);
		char *path = NULL;

		if (seen_before(kernels, i))
			continue;
		r = mkdir_p(sub, 0700);
		if (r < 0) {
			dkms_error(&c->ctx, "Cannot create %s: %s", sub, strerror(-r));
			break;
		}
		r = kmod_rpm_build(&c->ctx, c->module, c->version, &kernels[i],
				   c->kabi_range ? KMOD_RPM_KABI_RANGE : 0, sub, staged, &path);
		if (!r)
			strv_push_take(made, path);
	}
	if (kernels)
		dud_kernels_free(kernels, n);
	return r;
}

static int make_source_rpm(struct cmd *c, const char *work, const char *staged, struct strv *made)
{
	_cleanup_free_ char *mv = tree_mv_dir(&c->ctx, c->module, c->version);
	_cleanup_free_ char *source = xasprintf("%s/source", mv);
	_cleanup_free_ char *sub = xasprintf("%s/source-rpm", work);
	char *path = NULL;
	int r = mkdir_p(sub, 0700);

	if (r < 0) {
		dkms_error(&c->ctx, "Cannot create %s: %s", sub, strerror(-r));
		return r;
	}
	r = dkms_rpm_build(&c->ctx, c->module, c->version, source, sub, staged, &path);
	if (!r)
		strv_push_take(made, path);
	return r;
}

int cmd_mkrpm(struct cmd *c)
{
	_cleanup_free_ char *work = NULL, *staged = NULL;
	_cleanup_strv_ struct strv made = STRV_INIT;
	int r;

	work = make_workdir(c);
	if (!work)
		return 1;
	staged = xasprintf("%s/out", work);
	r = c->source_rpm ? make_source_rpm(c, work, staged, &made) : make_kmod_rpms(c, work, staged, &made);
	if (!r)
		r = publish(c, &made);
	rm_rf(work);
	return cmd_status_of(r);
}
