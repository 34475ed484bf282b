// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "conf.h"
#include "kernel.h"
#include "modinfo.h"
#include "status.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

const char *status_state_name(enum status_state s)
{
	switch (s) {
	case STATUS_BROKEN:
		return "broken";
	case STATUS_ADDED:
		return "added";
	case STATUS_BUILT:
		return "built";
	case STATUS_INSTALLED:
		return "installed";
	}
	return "?";
}

char *status_format(const struct status_entry *e)
{
	struct strbuf sb = STRBUF_INIT;

	if (e->state == STATUS_BROKEN || e->state == STATUS_ADDED) {
		strbuf_addf(&sb, "%s/%s: %s", e->module, e->version, status_state_name(e->state));
		return strbuf_detach(&sb);
	}
	strbuf_addf(&sb, "%s/%s, %s, %s: %s", e->module, e->version, e->kernel, e->arch,
		    status_state_name(e->state));
	if (!(e->flags & STATUS_HEAD)) {
		_cleanup_free_ char *suffix = status_format_suffix(e);

		strbuf_addstr(&sb, suffix);
	}
	return strbuf_detach(&sb);
}

char *status_format_suffix(const struct status_entry *e)
{
	struct strbuf sb = STRBUF_INIT;

	if (e->flags & STATUS_ORIGINALS_EXIST)
		strbuf_addstr(&sb, " (Original modules exist)");
	if (e->flags & STATUS_BUILT_MISSING)
		strbuf_addstr(&sb, " (Built modules are missing in the kernel modules folder)");
	else if (e->flags & STATUS_DIFFERENT)
		strbuf_addstr(&sb, " (Differences between built and installed modules)");
	return strbuf_detach(&sb);
}

char *status_installed_location(const struct dkms_ctx *ctx, const char *m,
				const struct dkms_conf *conf, size_t i, const char *k,
				const char *a, const char *suffix)
{
	const struct dkms_conf_module *rec = &conf->modules[i];
	_cleanup_free_ char *owned_dir = xasprintf("%s/%s/kernel-%s-%s/module", ctx->dkms_tree,
						   m, k, a);
	_cleanup_free_ char *owned = tree_find_module_file(owned_dir, rec->dest_name, suffix);
	const char *locations[2] = { rec->dest_location, NULL };

	if (!streq(rec->dest_location_raw, rec->dest_location))
		locations[1] = rec->dest_location_raw;
	for (size_t j = 0; j < ARRAY_SIZE(locations) && locations[j]; j++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s%s", ctx->install_tree, k, locations[j]);
		_cleanup_free_ char *installed = tree_find_module_file(dir, rec->dest_name, suffix);
		enum modver_cmp c;

		if (!installed)
			continue;
		/* dkms compares modinfo of the two: a same version means "ours" */
		c = owned ? modinfo_compare(owned, installed) : MODVER_UNKNOWN;
		if (c == MODVER_SAME || c == MODVER_SAME_VERSION)
			return xstrdup(locations[j]);
	}
	return NULL;
}

/* What one walk keeps across its lines. */
struct walk {
	const struct dkms_ctx *ctx;
	bool extra;
	bool heads;
	status_fn fn;
	void *userdata;
	struct kernel_suffixes suffixes;
};

/* module_status_built_extra's suffixes for build j of the batch. */
static unsigned built_extra(struct walk *w, const struct status_entry *e,
			    struct dkms_conf_batch *batch, size_t j)
{
	const struct dkms_ctx *ctx = w->ctx;
	const char *m = e->module, *v = e->version, *k = e->kernel, *a = e->arch;
	_cleanup_free_ char *orig = xasprintf("%s/%s/original_module/%s/%s", ctx->dkms_tree, m, k, a);
	_cleanup_free_ char *moddir = xasprintf("%s/%s/%s/%s/%s/module", ctx->dkms_tree, m, v, k, a);
	struct dkms_conf conf;
	const char *suffix;
	unsigned flags = 0;

	/* dkms's read_conf dies in the line's subshell: no suffix at all */
	if (dkms_conf_batch_read(batch, j, &conf) == -ENOENT) {
		dkms_error(ctx, "Could not locate dkms.conf file.\nFile: %s does not exist.", conf.path);
		dkms_conf_release(&conf);
		return 0;
	}
	/* an invalid dkms.conf goes on with what read_conf could resolve */
	if (is_dir(orig))
		flags |= STATUS_ORIGINALS_EXIST;
	suffix = kernel_suffixes_get(&w->suffixes, ctx, k);
	for (size_t i = 0; i < conf.n_modules; i++) {
		_cleanup_free_ char *tree_mod = NULL, *loc = NULL, *dir = NULL, *real = NULL;

		if (conf.modules[i].excluded)
			continue;
		tree_mod = tree_find_module_file(moddir, conf.modules[i].dest_name, suffix);
		if (!tree_mod) {
			flags |= STATUS_BUILT_MISSING;
			break;
		}
		if (e->state != STATUS_INSTALLED)
			continue;
		loc = status_installed_location(ctx, m, &conf, i, k, a, suffix);
		dir = xasprintf("%s/%s%s", ctx->install_tree, k, loc ? loc : "");
		real = tree_find_module_file(dir, conf.modules[i].dest_name, suffix);
		if (!real || files_equal(tree_mod, real) != 1) {
			flags |= STATUS_DIFFERENT;
			break;
		}
	}
	dkms_conf_release(&conf);
	return flags;
}

/*
 * The built/installed lines of one m/v. With extra, the dkms.conf of every
 * line is evaluated up front in one batch (at most one bash child for all
 * of them) and resolved line by line, so its messages keep their place.
 * Each is read for the line's module and version with their /etc/dkms
 * overrides (dkms 3.4.3 reads them for the command line's, usually empty,
 * module name: a bug the CLI suite keeps as a divergence).
 */
static int walk_builds(struct walk *w, struct status_entry *e, const struct tree_builds *builds)
{
	struct dkms_kernel *kernels = NULL;
	struct dkms_conf_batch batch;
	int r = 0;

	if (w->extra) {
		kernels = xcalloc(builds->n, sizeof(*kernels));
		for (size_t j = 0; j < builds->n; j++)
			dkms_kernel_init(&kernels[j], w->ctx, builds->b[j].kernel, builds->b[j].arch);
		dkms_conf_batch_eval(&batch, w->ctx, e->module, e->version, kernels, builds->n,
				     NULL, 0);
	}
	for (size_t j = 0; j < builds->n && r >= 0; j++) {
		e->kernel = builds->b[j].kernel;
		e->arch = builds->b[j].arch;
		e->state = builds->b[j].installed ? STATUS_INSTALLED : STATUS_BUILT;
		if (w->extra && w->heads) {
			e->flags = STATUS_HEAD;
			r = w->fn(e, w->userdata);
			if (r < 0)
				break;
		}
		e->flags = w->extra ? built_extra(w, e, &batch, j) : 0;
		r = w->fn(e, w->userdata);
	}
	if (w->extra) {
		dkms_conf_batch_release(&batch);
		for (size_t j = 0; j < builds->n; j++)
			dkms_kernel_release(&kernels[j]);
		free(kernels);
	}
	return r;
}

int status_walk(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k,
		const char *a, unsigned walk_flags, status_fn fn, void *userdata)
{
	_cleanup_strv_ struct strv mvs = STRV_INIT;
	struct walk w = {
		.ctx = ctx, .extra = walk_flags & STATUS_WALK_SUFFIXES,
		.heads = walk_flags & STATUS_WALK_HEADS, .fn = fn, .userdata = userdata,
		.suffixes = KERNEL_SUFFIXES_INIT,
	};
	int r = 0;

	tree_list_module_versions(ctx, m, v, &mvs);
	for (size_t i = 0; i < mvs.n && r >= 0; i++) {
		char *slash = strchr(mvs.v[i], '/');
		struct status_entry e = { 0 };
		struct tree_builds builds;

		*slash = '\0';
		e.module = mvs.v[i];
		e.version = slash + 1;
		if (tree_is_broken(ctx, e.module, e.version)) {
			e.state = STATUS_BROKEN;
			r = fn(&e, userdata);
			continue;
		}
		if (!tree_is_added(ctx, e.module, e.version))
			continue;
		tree_list_builds(ctx, e.module, e.version, k, a, &builds);
		if (builds.n) {
			r = walk_builds(&w, &e, &builds);
		} else {
			e.state = STATUS_ADDED;
			r = fn(&e, userdata);
		}
		tree_builds_release(&builds);
	}
	kernel_suffixes_release(&w.suffixes);
	return r < 0 ? r : 0;
}
