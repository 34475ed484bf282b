// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "autoinstall.h"
#include "conf.h"
#include "exitcode.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "version.h"

struct candidate {
	char *module;
	char *version;
	struct strv depends; /* still unresolved BUILD_DEPENDS */
};

static void candidates_release(struct candidate *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].module);
		free(c[i].version);
		strv_release(&c[i].depends);
	}
	free(c);
}

/* Newest version of each known module, in status order of first sight. */
static void latest_versions(const struct dkms_ctx *ctx, struct strv *mods, struct strv *vers)
{
	_cleanup_strv_ struct strv mvs = STRV_INIT;

	tree_list_module_versions(ctx, NULL, NULL, &mvs);
	for (size_t i = 0; i < mvs.n; i++) {
		char *slash = strchr(mvs.v[i], '/');
		const char *m = mvs.v[i], *v = slash + 1;
		size_t j;

		*slash = '\0';
		if (tree_is_broken(ctx, m, v)) {
			dkms_error(ctx, "%s/%s is broken! Missing the source directory or the symbolic link pointing to it.\n"
				   "Manual intervention is required!", m, v);
			continue;
		}
		if (!tree_is_added(ctx, m, v))
			continue;
		for (j = 0; j < mods->n && !streq(mods->v[j], m); j++)
			;
		if (j == mods->n) {
			strv_push(mods, m);
			strv_push(vers, v);
		} else if (ver_compare(v, vers->v[j]) > 0) {
			free(vers->v[j]);
			vers->v[j] = xstrdup(v);
		}
	}
}

static int maybe_install_cb(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k,
			    void *userdata)
{
	(void)userdata;
	return dkms_maybe_install(ctx, m, v, k);
}

int dkms_autoinstall(const struct dkms_ctx *ctx, const struct dkms_kernel *k, dkms_install_fn install,
		     void *userdata, int *ret_installed)
{
	_cleanup_free_ char *noauto = xasprintf("%s/no-autoinstall", ctx->etc_dir);
	_cleanup_strv_ struct strv mods = STRV_INIT, vers = STRV_INIT;
	_cleanup_strv_ struct strv installed = STRV_INIT, skipped = STRV_INIT, failed = STRV_INIT;
	_cleanup_strv_ struct strv unresolved = STRV_INIT, deferred = STRV_INIT;
	struct candidate *todo = NULL;
	size_t n_todo = 0;
	int r = 0, n_new = 0;

	if (ret_installed)
		*ret_installed = 0;
	if (path_exists(noauto)) {
		dkms_info(ctx, "Automatic installation of modules has been disabled.");
		return 0;
	}
	latest_versions(ctx, &mods, &vers);
	for (size_t i = 0; i < mods.n; i++) {
		struct dkms_conf conf;
		_cleanup_free_ char *path = xasprintf("%s/%s/%s/source/dkms.conf", ctx->dkms_tree,
						      mods.v[i], vers.v[i]);

		if (tree_is_installed(ctx, mods.v[i], vers.v[i], k->version, k->arch)) {
			strv_push(&installed, mods.v[i]);
			continue;
		}
		r = dkms_read_conf_or_die(ctx, mods.v[i], vers.v[i], k, path, false, &conf);
		if (r)
			goto out;
		if (conf.autoinstall) {
			todo = xrealloc(todo, (n_todo + 1) * sizeof(*todo));
			todo[n_todo].module = xstrdup(mods.v[i]);
			todo[n_todo].version = xstrdup(vers.v[i]);
			memset(&todo[n_todo].depends, 0, sizeof(todo[n_todo].depends));
			for (size_t d = 0; d < conf.build_depends.n; d++)
				strv_push(&todo[n_todo].depends, conf.build_depends.v[d]);
			n_todo++;
		}
		dkms_conf_release(&conf);
	}
	if (!n_todo)
		goto out;

	for (bool progress = true; progress;) {
		progress = false;
		/* drop dependencies that are installed or were skipped */
		for (size_t i = 0; i < n_todo; i++) {
			struct strv left = STRV_INIT;

			for (size_t d = 0; d < todo[i].depends.n; d++)
				if (!strv_contains(&installed, todo[i].depends.v[d]) &&
				    !strv_contains(&skipped, todo[i].depends.v[d]))
					strv_push(&left, todo[i].depends.v[d]);
			strv_release(&todo[i].depends);
			todo[i].depends = left;
		}
		for (size_t i = 0; i < n_todo;) {
			struct candidate c = todo[i];
			int s;

			if (c.depends.n) {
				i++;
				continue;
			}
			if (!tree_is_built(ctx, c.module, c.version, k->version, k->arch)) {
				r = dkms_prepare_kernel(ctx, k);
				if (r) {
					candidates_release(todo, n_todo);
					return r;
				}
			}
			dkms_info(ctx, "Autoinstall of module %s/%s for kernel %s (%s)", c.module, c.version,
				  k->version, k->arch);
			s = (install ? install : maybe_install_cb)(ctx, c.module, c.version, k, userdata);
			if (s == 0) {
				strv_push(&installed, c.module);
				n_new++;
				progress = true;
			} else if (s == DKMS_EXIT_EXCLUDED) {
				strv_push(&skipped, c.module);
				progress = true;
			} else {
				strv_pushf(&failed, "%s(%d)", c.module, s < 0 ? 1 : s);
			}
			dkms_info(ctx, "%s", "");
			free(c.module);
			free(c.version);
			strv_release(&c.depends);
			memmove(&todo[i], &todo[i + 1], (n_todo - i - 1) * sizeof(*todo));
			n_todo--;
		}
	}

	if (installed.n) {
		_cleanup_free_ char *s = strv_join(&installed, " ");
		dkms_info(ctx, "Autoinstall on %s succeeded for module(s) %s.", k->version, s);
	}
	if (skipped.n) {
		_cleanup_free_ char *s = strv_join(&skipped, " ");
		dkms_info(ctx, "Autoinstall on %s was skipped for module(s) %s.", k->version, s);
	}
	if (failed.n) {
		_cleanup_free_ char *s = strv_join(&failed, " ");
		dkms_info(ctx, "Autoinstall on %s failed for module(s) %s.", k->version, s);
	}
	for (size_t i = 0; i < n_todo; i++) {
		_cleanup_strbuf_ struct strbuf real = STRBUF_INIT, later = STRBUF_INIT;

		for (size_t d = 0; d < todo[i].depends.n; d++) {
			const char *dep = todo[i].depends.v[d];

			strbuf_addf(strv_contains(&mods, dep) ? &real : &later, " %s", dep);
		}
		if (real.len) {
			dkms_info(ctx, "%s/%s autoinstall failed due to missing dependencies:%s.",
				  todo[i].module, todo[i].version, real.buf);
			strv_pushf(&unresolved, "%s/%s", todo[i].module, todo[i].version);
		} else {
			dkms_info(ctx, "%s/%s autoinstall deferred: BUILD_DEPENDS not registered with DKMS:%s.",
				  todo[i].module, todo[i].version, later.buf);
			strv_pushf(&deferred, "%s/%s", todo[i].module, todo[i].version);
		}
	}
	if (deferred.n) {
		_cleanup_free_ char *s = strv_join(&deferred, " ");
		dkms_info(ctx, "Autoinstall on %s deferred module(s) %s due to BUILD_DEPENDS not yet registered with DKMS.",
			  k->version, s);
		dkms_info(ctx, "These may be provided externally or by a package not yet configured; autoinstall will retry on the next trigger.");
	}
	if (failed.n || unresolved.n) {
		dkms_error(ctx, "One or more modules failed to install during autoinstall.\n"
			   "Refer to previous errors for more information.");
		r = DKMS_EXIT_AUTOINSTALL;
	}
out:
	candidates_release(todo, n_todo);
	if (ret_installed)
		*ret_installed = n_new;
	return r;
}

int dkms_kernel_unbuild_all(const struct dkms_ctx *ctx_in, const struct dkms_kernel *k,
			    const char *action, bool autoinstall_only)
{
	struct dkms_ctx ctx_copy = *ctx_in;
	const struct dkms_ctx *ctx = &ctx_copy;
	_cleanup_strv_ struct strv mvs = STRV_INIT;
	_cleanup_strbuf_ struct strbuf failed = STRBUF_INIT;
	_cleanup_free_ char *pending = xasprintf("%s/depmod-pending-%s-%s", ctx->dkms_tree, k->version, k->arch);

	ctx_copy.delayed_depmod = true; /* one depmod at the end */
	tree_list_module_versions(ctx, NULL, NULL, &mvs);
	for (size_t i = 0; i < mvs.n; i++) {
		char *slash = strchr(mvs.v[i], '/');
		const char *m = mvs.v[i], *v = slash + 1;
		int r;

		*slash = '\0';
		if (!tree_is_built(ctx, m, v, k->version, k->arch))
			continue;
		if (autoinstall_only) {
			struct dkms_conf conf;
			_cleanup_free_ char *path = xasprintf("%s/%s/%s/source/dkms.conf", ctx->dkms_tree, m, v);
			bool want;

			r = dkms_read_conf_or_die(ctx, m, v, k, path, false, &conf);
			if (r)
				return r;
			want = conf.autoinstall;
			dkms_conf_release(&conf);
			if (!want)
				continue;
		}
		dkms_errtext(ctx, "dkms: removing module %s/%s for kernel %s (%s)", m, v, k->version, k->arch);
		r = dkms_maybe_uninstall(ctx, m, v, k);
		if (!r)
			r = dkms_maybe_unbuild(ctx, m, v, k);
		if (r)
			strbuf_addf(&failed, " %s/%s(%d)", m, v, r < 0 ? 1 : r);
		if (!autoinstall_only)
			dkms_info(ctx, "%s", "");
	}
	if (path_exists(pending)) {
		unlink(pending);
		ctx_copy.delayed_depmod = false;
		dkms_depmod(ctx, k->version);
	}
	{
		_cleanup_free_ char *lib = xasprintf("%s/%s", ctx->install_tree, k->version);

		if (is_dir(lib))
			rmdir_empty_tree(lib);
	}
	if (failed.len) {
		dkms_error(ctx, "dkms %s for kernel %s (%s) failed for module(s)%s.", action, k->version,
			   k->arch, failed.buf);
		return DKMS_EXIT_KERNEL_HOOK;
	}
	return 0;
}

/* The newest version of dep installed on k, or NULL. */
static const char *newest_installed(const struct dkms_ctx *ctx, const char *dep, const struct dkms_kernel *k,
				    const struct strv *versions)
{
	const char *newest = NULL;

	for (size_t x = 0; x < versions->n; x++) {
		const char *ver = strchr(versions->v[x], '/') + 1;

		if (tree_is_installed(ctx, dep, ver, k->version, k->arch) && (!newest || strverscmp(ver, newest) > 0))
			newest = ver;
	}
	return newest;
}

/* check_dependencies_updated: a dependency installed now at another version than .dep_<dep> says. */
static bool built_against_other(const struct dkms_ctx *ctx, const char *m, const char *v,
				const struct dkms_kernel *k, const struct dkms_conf *conf)
{
	for (size_t d = 0; d < conf->build_depends.n; d++) {
		const char *dep = conf->build_depends.v[d];
		_cleanup_free_ char *file = xasprintf("%s/%s/%s/%s/%s/.dep_%s", ctx->dkms_tree, m, v, k->version,
						      k->arch, dep);
		_cleanup_strbuf_ struct strbuf old = STRBUF_INIT;
		_cleanup_strv_ struct strv dv = STRV_INIT;
		const char *newest;

		tree_list_module_versions(ctx, dep, NULL, &dv);
		newest = newest_installed(ctx, dep, k, &dv);
		if (!newest)
			continue;
		if (read_file(file, &old) < 0)
			return true;
		strbuf_rtrim_newlines(&old);
		if (!streq(old.buf, newest))
			return true;
	}
	return false;
}

void dkms_stale_dependents(const struct dkms_ctx *ctx, const struct dkms_kernel *k, struct strv *ret)
{
	_cleanup_strv_ struct strv mvs = STRV_INIT;

	if (ctx->force)
		return;
	tree_list_module_versions(ctx, NULL, NULL, &mvs);
	for (size_t i = 0; i < mvs.n; i++) {
		char *slash = strchr(mvs.v[i], '/');
		const char *m = mvs.v[i], *v = slash + 1;
		struct dkms_conf conf;
		bool stale;

		*slash = '\0';
		if (!tree_is_built(ctx, m, v, k->version, k->arch) || !tree_is_added(ctx, m, v))
			continue;
		if (dkms_conf_read(ctx, m, v, k, NULL, CONF_QUIET, &conf) < 0) {
			dkms_conf_release(&conf);
			continue;
		}
		stale = conf.build_depends_rebuild && built_against_other(ctx, m, v, k, &conf);
		dkms_conf_release(&conf);
		if (stale)
			strv_pushf(ret, "%s/%s", m, v);
	}
}

int dkms_rebuild_dependent(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k)
{
	int r;

	dkms_info(ctx, "%s", "");
	dkms_info(ctx, "Rebuilding module %s/%s due to updated dependencies", m, v);
	dkms_info(ctx, "%s", "");
	dkms_uninstall(ctx, m, v, k);
	dkms_unbuild(ctx, m, v, k->version, k->arch);
	r = dkms_build(ctx, m, v, k);
	return r ? r : dkms_install(ctx, m, v, k);
}
