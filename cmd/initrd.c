// SPDX-License-Identifier: GPL-2.0-or-later
/* The initrd side of install, uninstall, remove and autoinstall. */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "conf.h"
#include "exitcode.h"
#include "initrd.h"
#include "initrd/modules-conf.h"
#include "initrd/remake.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

/* What one installed package puts on a kernel, as the initrd sees it. */
struct initrd_pkg {
	char *module, *version;
	bool remake; /* REMAKE_INITRD=yes (any value starting with y or Y, as dkms 2.x) */
	struct remake_module *mods;
	size_t n_mods;
	struct modules_conf mc; /* kernels filled in at sync */
};

static void pkg_release(struct initrd_pkg *p)
{
	free(p->module);
	free(p->version);
	remake_modules_free(p->mods, p->n_mods);
	modules_conf_release(&p->mc);
	memset(p, 0, sizeof(*p));
}

static bool is_system_tree(const struct dkms_ctx *ctx)
{
	_cleanup_free_ char *tree = canonical_path(ctx->install_tree);
	_cleanup_free_ char *sys = canonical_path("/lib/modules");

	return tree && sys && streq(tree, sys);
}

static const char *sysconfdir(const struct dkms_ctx *ctx)
{
	return ctx->initrd_sysconfdir ? ctx->initrd_sysconfdir : "/etc";
}

/* The version of m installed on k (its kernel-<k>-<arch> link), or NULL. */
static char *installed_version(const struct dkms_ctx *ctx, const char *m, const struct dkms_kernel *k)
{
	_cleanup_free_ char *link = tree_kernel_link(ctx, m, k->version, k->arch);
	_cleanup_free_ char *target = read_link(link);
	char *slash = target ? strchr(target, '/') : NULL;

	if (!slash)
		return NULL;
	*slash = '\0';
	return tree_is_installed(ctx, m, target, k->version, k->arch) ? TAKE_PTR(target) : NULL;
}

/* "m/v" of every package (or just module) installed on k. */
static void list_installed(const struct dkms_ctx *ctx, const struct dkms_kernel *k, const char *module,
			   struct strv *ret)
{
	DIR *d;
	struct dirent *de;

	if (module) {
		_cleanup_free_ char *v = installed_version(ctx, module, k);

		if (v)
			strv_pushf(ret, "%s/%s", module, v);
		return;
	}
	d = opendir(ctx->dkms_tree);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *v = NULL;

		if (de->d_name[0] == '.')
			continue;
		v = installed_version(ctx, de->d_name, k);
		if (v)
			strv_pushf(ret, "%s/%s", de->d_name, v);
	}
	if (d)
		closedir(d);
	strv_sort(ret);
}

static bool says_yes(const char *s)
{
	return s && (s[0] == 'y' || s[0] == 'Y');
}

/* Read m/v's dkms.conf for k and where its modules are on k. */
static int pkg_read(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k,
		    struct initrd_pkg *ret)
{
	struct dkms_conf conf;
	const char *suffix = dkms_kernel_module_suffix(ctx, k->version);
	struct initrd_pkg p = { xstrdup(m), xstrdup(v), false, NULL, 0, MODULES_CONF_INIT };
	int r = dkms_conf_read(ctx, m, v, k, NULL, CONF_QUIET | CONF_REPEAT, &conf);

	if (r < 0) {
		dkms_conf_release(&conf);
		pkg_release(&p);
		return r;
	}
	p.remake = says_yes(conf.remake_initrd);
	p.mods = xcalloc(conf.n_modules ? conf.n_modules : 1, sizeof(*p.mods));
	for (size_t i = 0; i < conf.n_modules; i++) {
		const struct dkms_conf_module *rec = &conf.modules[i];
		_cleanup_free_ char *dir = xasprintf("%s/%s%s", ctx->install_tree, k->version, rec->dest_location);
		_cleanup_free_ char *file = tree_find_module_file(dir, rec->dest_name, suffix);
		const char *type = conf_vars_value(&conf.vars, "MODULES_CONF_ALIAS_TYPE", (unsigned)i);
		const char *loc = rec->dest_location;

		if (rec->excluded)
			continue;
		while (*loc == '/')
			loc++;
		p.mods[p.n_mods].name = xstrdup(rec->dest_name);
		p.mods[p.n_mods].relpath = file ? xasprintf("%s%s%s", loc, *loc ? "/" : "", strrchr(file, '/') + 1)
						: xasprintf("%s%s%s.ko%s", loc, *loc ? "/" : "", rec->dest_name, suffix);
		p.n_mods++;
		if (p.remake)
			strv_push(&p.mc.include, rec->dest_name);
		if (!strempty(type)) {
			strv_push(&p.mc.force, rec->dest_name);
			strv_pushf(&p.mc.aliases, "%s %s", type, rec->dest_name);
		}
	}
	for (size_t i = 0; i < conf.modules_conf.n; i++)
		strv_push(&p.mc.lines, conf.modules_conf.v[i]);
	dkms_conf_release(&conf);
	*ret = p;
	return 0;
}

int cmd_initrd_watch(struct cmd *c, const struct dkms_kernel *k, const char *module, struct initrd_watch *w)
{
	const struct dkms_ctx *ctx = &c->ctx;
	enum initrd_mode mode = INITRD_MODE_AUTO;

	memset(w, 0, sizeof(*w));
	w->k = k;
	if (ctx->initrd_mode && initrd_mode_from_name(ctx->initrd_mode, &mode) < 0) {
		dkms_error(ctx, "Invalid initrd mode '%s' (--initrd-mode, initrd_mode in framework.conf): "
			   "use regenerate, fragment, auto or none.", ctx->initrd_mode);
		return DKMS_EXIT_USAGE;
	}
	w->enabled = (ctx->bootdir || is_system_tree(ctx)) && !(ctx->initrd_mode && mode == INITRD_MODE_NONE);
	if (!w->enabled)
		return 0;
	initrd_cleanup(ctx, ctx->bootdir ? ctx->bootdir : "/boot");
	w->module = module ? xstrdup(module) : NULL;
	list_installed(ctx, k, module, &w->before);
	/* a package on its way out: read what it has on k while it is there */
	if (module && w->before.n) {
		const char *v = strchr(w->before.v[0], '/') + 1;

		w->pkgs = xcalloc(1, sizeof(*w->pkgs));
		if (pkg_read(ctx, module, v, k, &w->pkgs[0]) == 0)
			w->n_pkgs = 1;
	}
	return 0;
}

void cmd_initrd_watch_release(struct initrd_watch *w)
{
	for (size_t i = 0; i < w->n_pkgs; i++)
		pkg_release(&w->pkgs[i]);
	free(w->pkgs);
	free(w->module);
	strv_release(&w->before);
	memset(w, 0, sizeof(*w));
}

static const struct initrd_pkg *captured(const struct initrd_watch *w, const char *mv)
{
	for (size_t i = 0; i < w->n_pkgs; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", w->pkgs[i].module, w->pkgs[i].version);

		if (streq(p, mv))
			return &w->pkgs[i];
	}
	return NULL;
}

/* Kernels any version of m is installed on (the generator configuration covers them). */
static void installed_kernels(const struct dkms_ctx *ctx, const char *m, struct strv *ret)
{
	_cleanup_strv_ struct strv versions = STRV_INIT;

	tree_list_module_versions(ctx, m, NULL, &versions);
	for (size_t j = 0; j < versions.n; j++) {
		struct tree_builds tb = { NULL, 0 };

		tree_list_builds(ctx, m, strchr(versions.v[j], '/') + 1, NULL, NULL, &tb);
		for (size_t i = 0; i < tb.n; i++)
			if (tb.b[i].installed && !strv_contains(ret, tb.b[i].kernel))
				strv_push(ret, tb.b[i].kernel);
		tree_builds_release(&tb);
	}
	strv_sort(ret);
}

static void append_mods(struct remake_module **v, size_t *n, const struct initrd_pkg *p)
{
	*v = xrealloc(*v, (*n + p->n_mods) * sizeof(**v));
	for (size_t i = 0; i < p->n_mods; i++) {
		(*v)[*n].name = p->mods[i].name;
		(*v)[*n].relpath = p->mods[i].relpath;
		(*n)++;
	}
}

struct changes {
	struct initrd_pkg *added; /* read now */
	size_t n_added;
	const struct initrd_pkg **removed; /* captured by the watch */
	size_t n_removed;
};

static void changes_release(struct changes *ch)
{
	for (size_t i = 0; i < ch->n_added; i++)
		pkg_release(&ch->added[i]);
	free(ch->added);
	free(ch->removed);
}

static void find_changes(struct cmd *c, const struct initrd_watch *w, struct changes *ret)
{
	_cleanup_strv_ struct strv after = STRV_INIT;

	list_installed(&c->ctx, w->k, w->module, &after);
	for (size_t i = 0; i < after.n; i++) {
		/* --force reinstalls the same version: that is a change too */
		if (strv_contains(&w->before, after.v[i]) && !(c->ctx.force && w->module))
			continue;
		ret->added = xrealloc(ret->added, (ret->n_added + 1) * sizeof(*ret->added));
		{
			_cleanup_free_ char *m = xstrdup(after.v[i]);
			char *v = strchr(m, '/');

			*v++ = '\0';
			if (pkg_read(&c->ctx, m, v, w->k, &ret->added[ret->n_added]) == 0)
				ret->n_added++;
		}
	}
	for (size_t i = 0; i < w->before.n; i++) {
		const struct initrd_pkg *p = captured(w, w->before.v[i]);

		if ((strv_contains(&after, w->before.v[i]) && !(c->ctx.force && w->module)) || !p)
			continue;
		ret->removed = xrealloc(ret->removed, (ret->n_removed + 1) * sizeof(*ret->removed));
		ret->removed[ret->n_removed++] = p;
	}
}

/* Write the generator configuration of one package for the kernels it is on now. */
static int apply_conf(const struct dkms_ctx *ctx, const struct initrd_pkg *p, struct modules_conf_saved *saved)
{
	struct modules_conf mc = MODULES_CONF_INIT;
	int r;

	mc.package = p->module;
	mc.version = p->version;
	installed_kernels(ctx, p->module, &mc.kernels);
	mc.include = p->mc.include;
	mc.force = p->mc.force;
	mc.aliases = p->mc.aliases;
	mc.lines = p->mc.lines;
	r = modules_conf_apply(ctx, sysconfdir(ctx), &mc, saved);
	strv_release(&mc.kernels);
	return r;
}

/* Back to built state: what dkms 2.x did when mkinitrd failed after an install. */
static void roll_back_installs(struct cmd *c, const struct initrd_watch *w, const struct changes *ch)
{
	for (size_t i = 0; i < ch->n_added; i++)
		dkms_uninstall(&c->ctx, ch->added[i].module, ch->added[i].version, w->k);
	dkms_error(&c->ctx, "Problems with the initrd detected. Automatically uninstalling this module.\n"
		   "Install Failed (initrd problems). Module rolled back to built state.");
}

int cmd_initrd_sync(struct cmd *c, struct initrd_watch *w, int r)
{
	const struct dkms_ctx *ctx = &c->ctx;
	struct changes ch = { NULL, 0, NULL, 0 };
	struct modules_conf_saved saved = MODULES_CONF_SAVED_INIT;
	struct remake_module *added = NULL, *removed = NULL;
	size_t n_added = 0, n_removed = 0;
	bool write_conf = ctx->initrd_sysconfdir || is_system_tree(ctx);
	_cleanup_free_ char *moduledir = NULL, *log = NULL;
	struct initrd_change change;
	enum initrd_mode mode = INITRD_MODE_AUTO;
	bool remake = false;
	int q = 0;

	if (!w->enabled)
		return r;
	find_changes(c, w, &ch);
	if (!ch.n_added && !ch.n_removed)
		goto out;
	/* configuration first: a regeneration must see it (and not a module that is gone) */
	for (size_t i = 0; i < ch.n_removed && write_conf && q == 0; i++)
		q = apply_conf(ctx, ch.removed[i], &saved);
	for (size_t i = 0; i < ch.n_added && write_conf && q == 0; i++)
		q = apply_conf(ctx, &ch.added[i], &saved);
	for (size_t i = 0; i < ch.n_removed; i++) {
		remake |= ch.removed[i]->remake || ch.removed[i]->mc.force.n;
		append_mods(&removed, &n_removed, ch.removed[i]);
	}
	for (size_t i = 0; i < ch.n_added; i++) {
		remake |= ch.added[i].remake || ch.added[i].mc.force.n;
		append_mods(&added, &n_added, &ch.added[i]);
	}
	if (ctx->initrd_mode)
		initrd_mode_from_name(ctx->initrd_mode, &mode);
	moduledir = xasprintf("%s/%s", ctx->install_tree, w->k->version);
	log = xasprintf("%s/initrd-%s.log", ctx->dkms_tree, w->k->version);
	change = (struct initrd_change){
		.kernel = w->k->version,
		.moduledir = moduledir,
		.bootdir = ctx->bootdir ? ctx->bootdir : "/boot",
		.sysconfdir = sysconfdir(ctx),
		.generator = ctx->initrd_generator,
		.log = log,
		.mode = mode,
		.remake = remake,
		.added = added,
		.n_added = n_added,
		.removed = removed,
		.n_removed = n_removed,
	};
	if (q == 0)
		q = initrd_update(ctx, &change, NULL);
	if (q != 0 && ch.n_added) {
		roll_back_installs(c, w, &ch);
		/* the configuration follows the tree again: as it was before the install */
		for (size_t i = 0; i < ch.n_added && write_conf; i++)
			apply_conf(ctx, &ch.added[i], NULL);
	}
	if (q != 0)
		q = DKMS_EXIT_INSTALL;
out:
	modules_conf_saved_release(&saved);
	free(added);
	free(removed);
	changes_release(&ch);
	return r ? r : q;
}
