// SPDX-License-Identifier: GPL-2.0-or-later
/* Which dkms package an initramfs module comes from; writing the modules out (see list.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/decode.h"
#include "initrd/list.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/macro.h"

/* The kernel treats '-' and '_' in module names alike. */
static bool same_module_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && streq(s + n - m, suffix);
}

/* A module file's content with its compression (by name) undone. */
static int decoded_module(const char *name, const char *data, size_t len, struct strbuf *out)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	enum initrd_compression c;
	struct decoded d;

	if (has_suffix(name, ".xz"))
		c = INITRD_XZ;
	else if (has_suffix(name, ".gz"))
		c = INITRD_GZIP;
	else if (has_suffix(name, ".zst"))
		c = INITRD_ZSTD;
	else {
		strbuf_add(out, data, len);
		return 0;
	}
	return decode_member(c, data, len, initrd_max_decoded(), out, &d, &why);
}

static bool under_kernel_dir(const struct initrd_listing *l, const struct initrd_module *m)
{
	const char *p = strstr(l->files[m->file].path, "/modules/");

	p = p ? strchr(p + 9, '/') : NULL;
	return p && !strncmp(p, "/kernel/", 8);
}

/* Match the built module file dir/file of m/v against the image's modules for k. */
static void match_built(struct initrd_listing *l, const char *mv, const char *k, const char *dir,
			const char *file)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_strbuf_ struct strbuf raw = STRBUF_INIT, built = STRBUF_INIT;
	const char *dot = strstr(file, ".ko");
	_cleanup_free_ char *name = dot ? xstrndup(file, (size_t)(dot - file)) : NULL;

	if (!name)
		return;
	for (size_t i = 0; i < l->n_modules; i++) {
		struct initrd_module *m = &l->modules[i];
		const struct initrd_file *f = &l->files[m->file];
		_cleanup_strbuf_ struct strbuf have = STRBUF_INIT;
		bool exact;

		if (!streq(m->kernelver, k) || !same_module_name(m->name, name) || m->package_exact)
			continue;
		if (!built.len && (read_file(path, &raw) < 0 ||
				   decoded_module(file, raw.buf, raw.len, &built) < 0))
			return;
		exact = decoded_module(f->path, f->data, f->size, &have) == 0 &&
			have.len == built.len && !memcmp(have.buf, built.buf, built.len);
		/* a different in-tree module of the same name is the kernel's own */
		if (!exact && (m->package || under_kernel_dir(l, m)))
			continue;
		free(m->package);
		m->package = xstrdup(mv);
		m->package_exact = exact;
	}
}

static void match_build_dir(struct initrd_listing *l, const char *mv, const char *k,
			    const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".ko"))
			match_built(l, mv, k, dir, de->d_name);
	closedir(d);
}

void initrd_listing_find_packages(const struct dkms_ctx *ctx, struct initrd_listing *l)
{
	_cleanup_strv_ struct strv mvs = STRV_INIT, kernels = STRV_INIT;

	for (size_t i = 0; i < l->n_modules; i++)
		if (!strv_contains(&kernels, l->modules[i].kernelver))
			strv_push(&kernels, l->modules[i].kernelver);
	if (!kernels.n || !ctx->dkms_tree)
		return;
	tree_list_module_versions(ctx, NULL, NULL, &mvs);
	for (size_t i = 0; i < mvs.n; i++) {
		_cleanup_free_ char *m = xstrdup(mvs.v[i]);
		char *v = strchr(m, '/');

		*v++ = '\0';
		for (size_t j = 0; j < kernels.n; j++) {
			struct tree_builds tb;

			tree_list_builds(ctx, m, v, kernels.v[j], NULL, &tb);
			for (size_t b = 0; b < tb.n; b++) {
				_cleanup_free_ char *bd = tree_build_dir(ctx, m, v, tb.b[b].kernel,
									 tb.b[b].arch);
				_cleanup_free_ char *md = xasprintf("%s/module", bd);

				match_build_dir(l, mvs.v[i], kernels.v[j], md);
			}
			tree_builds_release(&tb);
		}
	}
}

static int write_plain(const char *path, const char *data, size_t len, mode_t mode)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *parent = xstrdup(path);
	int r;

	*strrchr(parent, '/') = '\0';
	r = mkdir_p(parent, 0755);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	r = close(fd);
	fd = -1;
	return r < 0 ? -errno : 0;
}

int initrd_listing_write_modules(const struct initrd_listing *l, const char *kernelver,
				 const char *dir)
{
	static const char *const extras[] = { "modules.builtin", "modules.builtin.modinfo",
					      "modules.order" };
	_cleanup_free_ char *moddir = xasprintf("%s/lib/modules/%s", dir, kernelver);
	int n = 0, r;

	r = mkdir_p(moddir, 0755);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l->n_modules; i++) {
		const struct initrd_module *m = &l->modules[i];
		const struct initrd_file *f = &l->files[m->file];
		const char *rel = strstr(f->path, "/modules/") + 9 + strlen(kernelver) + 1;
		_cleanup_free_ char *out = NULL;

		if (!streq(m->kernelver, kernelver))
			continue;
		out = xasprintf("%s/%s", moddir, rel);
		r = write_plain(out, f->data, f->size, 0644);
		if (r < 0)
			return r;
		n++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(extras); i++) {
		_cleanup_free_ char *in = xasprintf("lib/modules/%s/%s", kernelver, extras[i]);
		_cleanup_free_ char *out = xasprintf("%s/%s", moddir, extras[i]);
		const struct initrd_file *f = initrd_listing_find(l, in);

		if (!f || !S_ISREG(f->mode))
			continue;
		r = write_plain(out, f->data, f->size, 0644);
		if (r < 0)
			return r;
	}
	return n;
}

int initrd_unpack_modules(const char *image, const char *kernelver, const char *dir,
			  struct strbuf *err)
{
	_cleanup_initrd_listing_ struct initrd_listing l = { .image = INITRD_IMAGE_INIT };
	int r;

	r = initrd_list(image, &l, err);
	if (r < 0)
		return r;
	r = initrd_listing_write_modules(&l, kernelver, dir);
	if (r < 0)
		strbuf_addf(err, "cannot write its modules under %s: %s", dir, strerror(-r));
	return r;
}
