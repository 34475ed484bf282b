// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

char *tree_mv_dir(const struct dkms_ctx *ctx, const char *m, const char *v)
{
	return xasprintf("%s/%s/%s", ctx->dkms_tree, m, v);
}

char *tree_build_dir(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k,
		     const char *a)
{
	return xasprintf("%s/%s/%s/%s/%s", ctx->dkms_tree, m, v, k, a);
}

char *tree_kernel_link(const struct dkms_ctx *ctx, const char *m, const char *k, const char *a)
{
	return xasprintf("%s/%s/kernel-%s-%s", ctx->dkms_tree, m, k, a);
}

bool tree_is_broken(const struct dkms_ctx *ctx, const char *m, const char *v)
{
	_cleanup_free_ char *mv = NULL, *src = NULL, *usr = NULL;

	if (strempty(m) || strempty(v))
		return false;
	mv = tree_mv_dir(ctx, m, v);
	if (!is_dir(mv))
		return false;
	src = xasprintf("%s/source", mv);
	if (is_symlink(src))
		return !is_dir(src);
	usr = xasprintf("%s/%s-%s", ctx->source_tree, m, v);
	return is_dir(usr);
}

bool tree_is_added(const struct dkms_ctx *ctx, const char *m, const char *v)
{
	_cleanup_free_ char *src = NULL;

	if (strempty(m) || strempty(v))
		return false;
	src = xasprintf("%s/%s/%s/source", ctx->dkms_tree, m, v);
	return is_symlink(src) && is_dir(src);
}

bool tree_is_built(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k,
		   const char *a)
{
	_cleanup_free_ char *d = NULL;

	if (strempty(m) || strempty(v) || strempty(k) || strempty(a))
		return false;
	d = xasprintf("%s/%s/%s/%s/%s/module", ctx->dkms_tree, m, v, k, a);
	return is_dir(d);
}

bool tree_link_is_active(const struct dkms_ctx *ctx, const char *m, const char *v,
			 const char *k, const char *a)
{
	_cleanup_free_ char *link = tree_kernel_link(ctx, m, k, a);
	_cleanup_free_ char *dir = NULL, *target = NULL, *canon_dir = NULL;

	if (!is_symlink(link))
		return false;
	target = canonical_path(link);
	if (!target)
		return false;
	dir = tree_build_dir(ctx, m, v, k, a);
	canon_dir = canonical_path(dir);
	return canon_dir && streq(target, canon_dir);
}

bool tree_is_installed(const struct dkms_ctx *ctx, const char *m, const char *v,
		       const char *k, const char *a)
{
	return tree_is_built(ctx, m, v, k, a) && tree_link_is_active(ctx, m, v, k, a);
}

int tree_name_cmp(const char *a, const char *b)
{
	return strcoll(a, b);
}

static int cmp_entries(const void *a, const void *b)
{
	return tree_name_cmp(*(char *const *)a, *(char *const *)b);
}

/* Entries of dir (no dot files, as a bash glob), sorted. */
static void list_dir(const char *dir, struct strv *ret)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(ret, de->d_name);
	closedir(d);
	if (ret->n > 1)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_entries);
}

void tree_list_module_versions(const struct dkms_ctx *ctx, const char *m, const char *v,
			       struct strv *ret)
{
	_cleanup_strv_ struct strv mods = STRV_INIT;

	if (m)
		strv_push(&mods, m);
	else
		list_dir(ctx->dkms_tree, &mods);
	for (size_t i = 0; i < mods.n; i++) {
		_cleanup_free_ char *mdir = xasprintf("%s/%s", ctx->dkms_tree, mods.v[i]);
		_cleanup_strv_ struct strv vers = STRV_INIT;

		if (v)
			strv_push(&vers, v);
		else
			list_dir(mdir, &vers);
		for (size_t j = 0; j < vers.n; j++) {
			_cleanup_free_ char *vdir = xasprintf("%s/%s", mdir, vers.v[j]);

			if (!is_dir(vdir))
				continue;
			/* kernel-<k>-<a> links point at version dirs; skip them */
			if (!strncmp(vers.v[j], "kernel-", 7) && strchr(vers.v[j] + 7, '-') &&
			    is_symlink(vdir))
				continue;
			strv_pushf(ret, "%s/%s", mods.v[i], vers.v[j]);
		}
	}
}

/* The glob +([0-9]).* : one or more digits, then a dot. */
static bool looks_like_kernel(const char *k)
{
	const char *p = k;

	while (isdigit((unsigned char)*p))
		p++;
	return p > k && *p == '.';
}

void tree_list_builds(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k,
		      const char *a, struct tree_builds *ret)
{
	_cleanup_free_ char *mv = tree_mv_dir(ctx, m, v);
	_cleanup_strv_ struct strv kernels = STRV_INIT;

	memset(ret, 0, sizeof(*ret));
	if (k)
		strv_push(&kernels, k);
	else
		list_dir(mv, &kernels);
	for (size_t i = 0; i < kernels.n; i++) {
		_cleanup_free_ char *kdir = NULL;
		_cleanup_strv_ struct strv arches = STRV_INIT;

		if (!k && !looks_like_kernel(kernels.v[i]))
			continue;
		kdir = xasprintf("%s/%s", mv, kernels.v[i]);
		if (a)
			strv_push(&arches, a);
		else
			list_dir(kdir, &arches);
		for (size_t j = 0; j < arches.n; j++) {
			struct tree_build *b;

			if (!tree_is_built(ctx, m, v, kernels.v[i], arches.v[j]))
				continue;
			ret->b = xrealloc(ret->b, (ret->n + 1) * sizeof(*ret->b));
			b = &ret->b[ret->n++];
			b->kernel = xstrdup(kernels.v[i]);
			b->arch = xstrdup(arches.v[j]);
			b->installed = tree_link_is_active(ctx, m, v, b->kernel, b->arch);
		}
	}
}

void tree_builds_release(struct tree_builds *tb)
{
	for (size_t i = 0; i < tb->n; i++) {
		free(tb->b[i].kernel);
		free(tb->b[i].arch);
	}
	free(tb->b);
	memset(tb, 0, sizeof(*tb));
}

char *tree_find_module_file(const char *dir, const char *name, const char *suffix)
{
	char *p = xasprintf("%s/%s.ko", dir, name);

	if (path_exists(p))
		return p;
	free(p);
	if (strempty(suffix))
		return NULL;
	p = xasprintf("%s/%s.ko%s", dir, name, suffix);
	if (path_exists(p))
		return p;
	free(p);
	return NULL;
}
