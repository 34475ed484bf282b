// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernels and built modules a driver disk is made of. */
#include <string.h>

#include "conf.h"
#include "dud.h"
#include "exitcode.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

void dud_kernels_free(struct dud_kernel *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dud_kernel_release(&k[i]);
	free(k);
}

static void conf_releasep(struct dkms_conf *conf)
{
	dkms_conf_release(conf);
}

/* The modules of m/v as built for k, as they would be installed. */
static int collect_modules(struct cmd *c, const struct dkms_kernel *k, struct dud_kernel *out)
{
	_cleanup_(conf_releasep) struct dkms_conf conf = { 0 };
	_cleanup_free_ char *build = tree_build_dir(&c->ctx, c->module, c->version, k->version, k->arch);
	_cleanup_free_ char *moddir = xasprintf("%s/module", build);
	const char *suffix = dkms_kernel_module_suffix(&c->ctx, k->version);
	int r;

	r = dkms_read_conf_or_die(&c->ctx, c->module, c->version, k, NULL, false, &conf);
	if (r)
		return r;
	out->modules = xcalloc(conf.n_modules ? conf.n_modules : 1, sizeof(*out->modules));
	for (size_t i = 0; i < conf.n_modules; i++) {
		const struct dkms_conf_module *rec = &conf.modules[i];
		struct dud_module *dm;
		char *file;

		if (rec->excluded)
			continue;
		file = tree_find_module_file(moddir, rec->dest_name, suffix);
		if (!file) {
			dkms_error(&c->ctx, "The built module %s.ko for kernel %s (%s) is missing from %s.\n"
				   "Rebuild it: dkms build %s/%s -k %s/%s --force",
				   rec->dest_name, k->version, k->arch, moddir, c->module, c->version,
				   k->version, k->arch);
			return DKMS_EXIT_KO_MISSING;
		}
		dm = &out->modules[out->n_modules++];
		dm->name = xstrdup(rec->dest_name);
		dm->path = file;
		dm->dest = xstrdup(rec->dest_location ? rec->dest_location : "");
	}
	if (!out->n_modules) {
		dkms_error(&c->ctx, "%s/%s has no module for kernel %s (%s): nothing to put on a driver disk.",
			   c->module, c->version, k->version, k->arch);
		return DKMS_EXIT_EXCLUDED;
	}
	return 0;
}

int dud_collect_kernels(struct cmd *c, struct dud_kernel **ret, size_t *ret_n)
{
	struct dud_kernel *kernels = xcalloc(c->n_kernels ? c->n_kernels : 1, sizeof(*kernels));
	int r = 0;

	for (size_t i = 0; i < c->n_kernels; i++) {
		const struct dkms_kernel *k = &c->kernels[i];

		kernels[i].kernelver = xstrdup(k->version);
		kernels[i].arch = xstrdup(k->arch);
		kernels[i].install_dir = xasprintf("%s/%s", c->ctx.install_tree, k->version);
		r = collect_modules(c, k, &kernels[i]);
		if (r)
			break;
	}
	if (r) {
		dud_kernels_free(kernels, c->n_kernels);
		return r;
	}
	*ret = kernels;
	*ret_n = c->n_kernels;
	return 0;
}
