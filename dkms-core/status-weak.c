// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "status-weak.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

/* A symlink below <install_tree>/<kernel>/weak-updates/. */
struct weak_link {
	char *kernel;
	char *name;   /* its file name: what the module's file is called */
	char *target; /* resolved, or NULL when it dangles */
};

struct weak_links {
	struct weak_link *v;
	size_t n;
};

static void weak_links_release(struct weak_links *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].kernel);
		free(l->v[i].name);
		free(l->v[i].target);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void collect_links(const char *kernel, const char *dir, int depth, struct weak_links *ret)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	/* deep enough for any subpath a weak-modules script makes; no loops */
	if (depth > 16) {
		closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			collect_links(kernel, p, depth + 1, ret);
		} else if (S_ISLNK(st.st_mode)) {
			ret->v = xrealloc(ret->v, (ret->n + 1) * sizeof(*ret->v));
			ret->v[ret->n++] = (struct weak_link){
				.kernel = xstrdup(kernel),
				.name = xstrdup(de->d_name),
				.target = canonical_path(p),
			};
		}
	}
	closedir(d);
}

/* Every kernel's weak-updates links (only kernel, when given), kernels sorted. */
static void list_weak_links(const struct dkms_ctx *ctx, const char *kernel, struct weak_links *ret)
{
	_cleanup_strv_ struct strv kernels = STRV_INIT;
	DIR *d;
	struct dirent *de;

	if (kernel) {
		strv_push(&kernels, kernel);
	} else if ((d = opendir(ctx->install_tree))) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				strv_push(&kernels, de->d_name);
		closedir(d);
		strv_sort(&kernels);
	}
	for (size_t i = 0; i < kernels.n; i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s/weak-updates", ctx->install_tree,
						     kernels.v[i]);

		collect_links(kernels.v[i], dir, 0, ret);
	}
}

/* The module files a build holds (<name>.ko, .ko.gz …), names only. */
static void build_modules(const char *moddir, struct strv *ret)
{
	DIR *d = opendir(moddir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (!strstr(de->d_name, ".ko"))
			continue;
		p = xasprintf("%s/%s", moddir, de->d_name);
		if (is_file(p) && !is_symlink(p))
			strv_push(ret, de->d_name);
	}
	closedir(d);
	strv_sort(ret);
}

/* Is every module of the build linked into kernel? */
static bool all_linked(const struct weak_links *links, const char *kernel, const char *moddir,
		       const struct strv *files)
{
	for (size_t f = 0; f < files->n; f++) {
		_cleanup_free_ char *built = xasprintf("%s/%s", moddir, files->v[f]);
		bool found = false;

		for (size_t i = 0; i < links->n && !found; i++) {
			const struct weak_link *l = &links->v[i];

			found = streq(l->kernel, kernel) && streq(l->name, files->v[f]) && l->target &&
				files_equal(l->target, built) == 1;
		}
		if (!found)
			return false;
	}
	return files->n > 0;
}

static void print_mv(const struct dkms_ctx *ctx, const char *m, const char *v, const char *arch,
		     const struct weak_links *links, const struct strv *kernels, struct strbuf *out)
{
	struct tree_builds builds;

	tree_list_builds(ctx, m, v, NULL, arch, &builds);
	for (size_t k = 0; k < kernels->n; k++) {
		for (size_t b = 0; b < builds.n; b++) {
			const struct tree_build *tb = &builds.b[b];
			_cleanup_free_ char *moddir = NULL;
			_cleanup_strv_ struct strv files = STRV_INIT;

			/* linked into the kernel it was built for is no weak install */
			if (!tb->installed || streq(tb->kernel, kernels->v[k]))
				continue;
			moddir = xasprintf("%s/%s/%s/%s/%s/module", ctx->dkms_tree, m, v, tb->kernel,
					   tb->arch);
			build_modules(moddir, &files);
			if (all_linked(links, kernels->v[k], moddir, &files))
				strbuf_addf(out, "%s, %s, %s, %s: installed-weak from %s\n", m, v,
					    kernels->v[k], tb->arch, tb->kernel);
		}
	}
	tree_builds_release(&builds);
}

void status_weak_lines(const struct dkms_ctx *ctx, const char *m, const char *v,
		       const char *kernel, const char *arch, struct strbuf *out)
{
	struct weak_links links = { 0 };
	_cleanup_strv_ struct strv mvs = STRV_INIT, kernels = STRV_INIT;

	list_weak_links(ctx, kernel, &links);
	if (!links.n)
		return;
	for (size_t i = 0; i < links.n; i++)
		if (!kernels.n || !streq(kernels.v[kernels.n - 1], links.v[i].kernel))
			strv_push(&kernels, links.v[i].kernel);
	tree_list_module_versions(ctx, m, v, &mvs);
	for (size_t i = 0; i < mvs.n; i++) {
		char *slash = strchr(mvs.v[i], '/');

		*slash = '\0';
		if (tree_is_added(ctx, mvs.v[i], slash + 1))
			print_mv(ctx, mvs.v[i], slash + 1, arch, &links, &kernels, out);
	}
	weak_links_release(&links);
}
