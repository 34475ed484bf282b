// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kabi-check: can the module built for one kernel be loaded unchanged
 * (weak-updates, a kABI-tracking kmod) into others? Its imported symbol
 * CRCs (__versions) against each other kernel's Module.symvers:
 *
 *   dkms kabi-check <m>/<v> -k <built kernel>[/<arch>] [-k <kernel>]... [<Module.symvers>]...
 *
 * Without other kernels or files, every other kernel of the install tree
 * whose symbol list is found. Exit 0 when all are compatible, 1 otherwise.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "exitcode.h"
#include "kabi.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

/* Every module file of the build (<name>.ko, .ko.xz …), sorted. */
static void build_modules(const char *moddir, struct strv *ret)
{
	DIR *d = opendir(moddir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = xasprintf("%s/%s", moddir, de->d_name);

		if (strstr(de->d_name, ".ko") && is_file(p) && !is_symlink(p))
			strv_push(ret, p);
	}
	closedir(d);
	strv_sort(ret);
}

/* Other kernels of the install tree that have a symbol list. */
static void other_kernels(struct cmd *c, const char *built, struct strv *ret)
{
	DIR *d = opendir(c->ctx.install_tree);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.' || streq(de->d_name, built))
			continue;
		p = kabi_symvers_path(&c->ctx, de->d_name);
		if (p)
			strv_push(ret, de->d_name);
	}
	closedir(d);
	strv_sort(ret);
}

/* One target: its verdict line and the symbols that differ. 1 when incompatible. */
static int check_one(struct cmd *c, const struct kabi_symset *imports, const char *label,
		     const char *symvers)
{
	struct kabi_symset target = { 0 };
	_cleanup_free_ struct kabi_mismatch *mm = NULL;
	size_t n;

	if (!symvers) {
		dkms_info(&c->ctx, "%s: unknown: no Module.symvers or symvers.gz found", label);
		return 1;
	}
	if (kabi_symvers_load(&c->ctx, symvers, &target) < 0)
		return 1;
	n = kabi_compare(imports, &target, &mm);
	if (!n) {
		dkms_info(&c->ctx, "%s: compatible", label);
	} else {
		dkms_info(&c->ctx, "%s: incompatible: %zu of %zu symbols differ", label, n, imports->n);
		for (size_t i = 0; i < n; i++) {
			if (mm[i].missing)
				dkms_info(&c->ctx, "  %s: 0x%08llx here, not exported there", mm[i].name,
					  (unsigned long long)mm[i].want);
			else
				dkms_info(&c->ctx, "  %s: 0x%08llx here, 0x%08llx there", mm[i].name,
					  (unsigned long long)mm[i].want, (unsigned long long)mm[i].have);
		}
	}
	kabi_symset_release(&target);
	return n ? 1 : 0;
}

int cmd_kabi_check(struct cmd *c)
{
	_cleanup_free_ char *build = NULL, *moddir = NULL, *symvers = NULL;
	_cleanup_strv_ struct strv modules = STRV_INIT, targets = STRV_INIT;
	struct kabi_symset built = { 0 }, imports = { 0 };
	const struct dkms_kernel *k;
	int r;

	/* no --all, m/v given, not broken, added: the action table checked them */
	k = &c->kernels[0];
	if (!tree_is_built(&c->ctx, c->module, c->version, k->version, k->arch)) {
		dkms_error(&c->ctx, "%s/%s is not built for kernel %s (%s): build it first.", c->module,
			   c->version, k->version, k->arch);
		return DKMS_EXIT_STATE;
	}
	build = tree_build_dir(&c->ctx, c->module, c->version, k->version, k->arch);
	moddir = xasprintf("%s/module", build);
	build_modules(moddir, &modules);
	symvers = kabi_symvers_path(&c->ctx, k->version);
	if (!symvers) {
		dkms_error(&c->ctx, "No Module.symvers of kernel %s: its headers (%s/%s/build) are needed.",
			   k->version, c->ctx.install_tree, k->version);
		return DKMS_EXIT_NO_HEADERS;
	}
	if (kabi_symvers_load(&c->ctx, symvers, &built) < 0)
		return 1;
	r = kabi_module_imports(&c->ctx, &modules, &built, &imports);
	kabi_symset_release(&built);
	if (r < 0)
		return 1;
	if (!imports.n) {
		dkms_error(&c->ctx, "The modules of %s/%s for %s carry no symbol CRCs (a kernel without "
			   "CONFIG_MODVERSIONS): nothing to compare.", c->module, c->version, k->version);
		return 1;
	}
	dkms_info(&c->ctx, "%s/%s for %s (%s): %zu module(s), %zu kernel symbols", c->module, c->version,
		  k->version, k->arch, modules.n, imports.n);

	for (size_t i = 1; i < c->n_kernels; i++)
		strv_push(&targets, c->kernels[i].version);
	if (!targets.n && !c->args.n)
		other_kernels(c, k->version, &targets);
	if (!targets.n && !c->args.n) {
		dkms_error(&c->ctx, "No other kernel to compare with: give -k <kernel> or a Module.symvers.");
		kabi_symset_release(&imports);
		return 1;
	}
	r = 0;
	for (size_t i = 0; i < targets.n; i++) {
		_cleanup_free_ char *p = kabi_symvers_path(&c->ctx, targets.v[i]);

		r |= check_one(c, &imports, targets.v[i], p);
	}
	for (size_t i = 0; i < c->args.n; i++)
		r |= check_one(c, &imports, c->args.v[i], c->args.v[i]);
	kabi_symset_release(&imports);
	return r;
}
