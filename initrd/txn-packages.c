// SPDX-License-Identifier: GPL-2.0-or-later
/* What the packages of a transaction put on a kernel (transaction.h), and running dkms-core quietly. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "initrd/transaction-impl.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

void txn_pkg_release(struct initrd_pkg *p)
{
	free(p->module);
	free(p->version);
	remake_modules_free(p->mods, p->n_mods);
	modules_conf_release(&p->mc);
	memset(p, 0, sizeof(*p));
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
void txn_list_installed(const struct dkms_ctx *ctx, const struct dkms_kernel *k, const char *module,
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

/*
 * The kernel's module suffix, looked up once and only when needed: it is a
 * walk of the kernel's whole module dir (~100 ms for Debian's), and a
 * plain .ko needs none.
 */
static const char *suffix_of(const struct dkms_ctx *ctx, const struct dkms_kernel *k, const char **suffix)
{
	if (!*suffix)
		*suffix = dkms_kernel_module_suffix(ctx, k->version);
	return *suffix;
}

/* The module file name (.ko, else .ko<suffix>) in dir, or NULL. */
static char *find_module_file(const struct dkms_ctx *ctx, const struct dkms_kernel *k, const char *dir,
			      const char *name, const char **suffix)
{
	char *plain = tree_find_module_file(dir, name, NULL);

	return plain ? plain : tree_find_module_file(dir, name, suffix_of(ctx, k, suffix));
}

/* Read m/v's dkms.conf for k and where its modules are on k. */
int txn_pkg_read(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k,
		    struct initrd_pkg *ret)
{
	struct dkms_conf conf;
	const char *suffix = NULL;
	struct initrd_pkg p = { xstrdup(m), xstrdup(v), false, NULL, 0, MODULES_CONF_INIT };
	int r = dkms_conf_read(ctx, m, v, k, NULL, CONF_QUIET | CONF_REPEAT, &conf);

	if (r < 0) {
		dkms_conf_release(&conf);
		txn_pkg_release(&p);
		return r;
	}
	p.remake = says_yes(conf.remake_initrd);
	p.mods = xcalloc(conf.n_modules ? conf.n_modules : 1, sizeof(*p.mods));
	for (size_t i = 0; i < conf.n_modules; i++) {
		const struct dkms_conf_module *rec = &conf.modules[i];
		_cleanup_free_ char *dir = xasprintf("%s/%s%s", ctx->install_tree, k->version, rec->dest_location);
		_cleanup_free_ char *file = find_module_file(ctx, k, dir, rec->dest_name, &suffix);
		const char *type = conf_vars_value(&conf.vars, "MODULES_CONF_ALIAS_TYPE", (unsigned)i);
		const char *loc = rec->dest_location;

		if (rec->excluded)
			continue;
		while (*loc == '/')
			loc++;
		p.mods[p.n_mods].name = xstrdup(rec->dest_name);
		p.mods[p.n_mods].relpath = file ? xasprintf("%s%s%s", loc, *loc ? "/" : "", strrchr(file, '/') + 1)
						: xasprintf("%s%s%s.ko%s", loc, *loc ? "/" : "", rec->dest_name,
							    suffix_of(ctx, k, &suffix));
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

/* A module placed by an install whose kernel link was never made: m/v's own bytes at its destination. */
bool txn_has_stray_copy(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k)
{
	_cleanup_free_ char *build = tree_build_dir(ctx, m, v, k->version, k->arch);
	_cleanup_free_ char *moddir = xasprintf("%s/module", build);
	const char *suffix = NULL;
	struct dkms_conf conf;
	bool stray = false;

	if (dkms_conf_read(ctx, m, v, k, NULL, CONF_QUIET | CONF_REPEAT, &conf) < 0) {
		dkms_conf_release(&conf);
		return false;
	}
	for (size_t i = 0; i < conf.n_modules && !stray; i++) {
		const struct dkms_conf_module *rec = &conf.modules[i];
		_cleanup_free_ char *built = find_module_file(ctx, k, moddir, rec->dest_name, &suffix);
		_cleanup_free_ char *dest = NULL;

		if (rec->excluded || !built)
			continue;
		dest = xasprintf("%s/%s%s/%s", ctx->install_tree, k->version, rec->dest_location,
				 strrchr(built, '/') + 1);
		stray = files_equal(dest, built) == 1;
	}
	dkms_conf_release(&conf);
	return stray;
}

/* Kernels any version of m is installed on (the generator configuration covers them). */
void txn_installed_kernels(const struct dkms_ctx *ctx, const char *m, struct strv *ret)
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

/* The line "Error! ..." that a console would show first, from an error or a text quoting one. */
static void quiet_log(void *data, enum dkms_log_kind kind, const char *text)
{
	struct quiet *q = data;
	const char *e = kind == DKMS_LOG_ERROR ? text : strstr(text, "Error! ");

	if (q->error || !e)
		return;
	if (kind == DKMS_LOG_ERROR)
		q->error = xasprintf("Error! %.*s", (int)strcspn(e, "\n"), e);
	else
		q->error = xstrndup(e, strcspn(e, "\n"));
}

const struct dkms_ctx *txn_quiet_ctx(const struct dkms_ctx *ctx, struct quiet *q)
{
	q->ctx = *ctx;
	q->error = NULL;
	dkms_set_log_fn(&q->ctx, quiet_log, q);
	q->ctx.progress = NULL;
	return &q->ctx;
}

void txn_quiet_done(struct quiet *q)
{
	free(q->error);
	q->error = NULL;
}

char *txn_quiet_error(struct quiet *q)
{
	return q->error ? xstrdup(q->error) : NULL;
}

int txn_install_quietly(const struct dkms_ctx *ctx, struct initrd_txn *t, const char *m, const char *v)
{
	struct quiet q;
	const struct dkms_ctx *qc = txn_quiet_ctx(ctx, &q);
	int r = dkms_install(qc, m, v, t->k);

	if (!r)
		r = txn_rebuild_dependents(qc, t);
	txn_quiet_done(&q);
	return r;
}
