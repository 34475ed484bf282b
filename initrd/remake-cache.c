// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a probe learnt about an image (remake-impl.h), kept so that the
 * next change of the same image neither reads nor decodes it (an image of
 * Debian's is ~130 MB of cpio once its zstd is decoded): which generator
 * made it, whether it loads modules by alias, the kernel's modules in it
 * with the offset of the member holding each, and the original's length,
 * SHA-256 and padding. One file per image in <dkms_tree>/.initrd-cache/,
 * named by the image's file name and a hash of its path.
 *
 * A summary is used only while the image's key (fragment-inplace.h: dev,
 * inode, size, mtime, ctime and a SHA-256 over its first and last 64 KiB)
 * is the one written with it: a generator that replaces the image, or any
 * other write to it, changes the key, and the image is read again. dkms's
 * own changes in place write the summary again with the new key. A summary
 * that does not read whole (it ends with its module count) is not used.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initrd/remake-impl.h"
#include "util/fileio.h"
#include "util/sha256.h"

#define SUMMARY_HEADER "# dkms initrd summary"

static char *summary_path(const struct dkms_ctx *ctx, const char *image)
{
	const char *base = strrchr(image, '/');
	_cleanup_free_ char *abs = canonical_path(image);
	char sha[SHA256_HEX_SIZE];

	if (!ctx->dkms_tree)
		return NULL;
	sha256_hex(abs ? abs : image, strlen(abs ? abs : image), sha);
	sha[16] = '\0';
	return xasprintf("%s/.initrd-cache/%s-%s", ctx->dkms_tree, base ? base + 1 : image, sha);
}

static void push_module(struct remake_probe *p, uint64_t offset, const char *name, const char *relpath, size_t *n)
{
	if (*n % 256 == 0)
		p->offsets = xrealloc(p->offsets, (*n + 256) * sizeof(*p->offsets));
	p->offsets[(*n)++] = offset;
	strv_push(&p->names, name);
	strv_push(&p->relpaths, relpath);
}

/* One "key=value" line of the summary; false when it is not that key. */
static const char *value_of(const char *line, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(line, key, n) && line[n] == '=' ? line + n + 1 : NULL;
}

int remake_cache_load(const struct dkms_ctx *ctx, const char *image, const char *kernel, const char *key,
		      struct remake_probe *ret)
{
	_cleanup_free_ char *path = summary_path(ctx, image);
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	bool key_ok = false, kernel_ok = false, counted = false;
	size_t n = 0;
	const char *v;

	if (!path || !key || read_file(path, &text) < 0 ||
	    strncmp(text.buf, SUMMARY_HEADER "\n", strlen(SUMMARY_HEADER) + 1))
		return -ENOENT;
	for (char *line = text.buf; *line;) {
		char *end = strchrnul(line, '\n'), *t1, *t2;
		bool last = !*end;

		*end = '\0';
		if ((v = value_of(line, "key"))) {
			key_ok = streq(v, key);
		} else if ((v = value_of(line, "kernel"))) {
			kernel_ok = streq(v, kernel);
		} else if ((v = value_of(line, "made_by"))) {
			ret->made_by = atoi(v);
		} else if ((v = value_of(line, "alias_loading"))) {
			ret->alias_loading = streq(v, "1");
		} else if ((v = value_of(line, "size"))) {
			ret->size = strtoull(v, NULL, 10);
		} else if ((v = value_of(line, "original_size"))) {
			ret->original_size = strtoull(v, NULL, 10);
			ret->have_original = true;
		} else if ((v = value_of(line, "original_sha256")) && strlen(v) == 64) {
			memcpy(ret->original_sha256, v, SHA256_HEX_SIZE);
		} else if ((v = value_of(line, "padding"))) {
			ret->padding = strtoul(v, NULL, 10);
		} else if ((v = value_of(line, "module")) && (t1 = strchr(v, '\t')) && (t2 = strchr(t1 + 1, '\t'))) {
			*t1 = *t2 = '\0';
			push_module(ret, strtoull(v, NULL, 10), t1 + 1, t2 + 1, &n);
		} else if ((v = value_of(line, "modules"))) {
			counted = strtoul(v, NULL, 10) == n;
		}
		line = last ? end : end + 1;
	}
	if (!key_ok || !kernel_ok || !counted || (ret->have_original && strlen(ret->original_sha256) != 64)) {
		remake_probe_release(ret);
		*ret = (struct remake_probe)REMAKE_PROBE_INIT;
		return -ENOENT;
	}
	ret->key = xstrdup(key);
	ret->from_cache = true;
	return 0;
}

/*
 * Renamed into place but not synced: a summary a crash cut short does not
 * end with its count and is not used, and the journal never depends on it.
 */
static void write_unsynced(const char *path, const struct strbuf *t)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmpXXXXXX", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);

	if (fd < 0)
		return;
	if (write_all(fd, t->buf, t->len) < 0 || fchmod(fd, 0644) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

void remake_cache_store(const struct dkms_ctx *ctx, const char *image, const char *kernel,
			const struct remake_probe *p)
{
	_cleanup_free_ char *path = summary_path(ctx, image);
	_cleanup_free_ char *dir = NULL;
	_cleanup_strbuf_ struct strbuf t = STRBUF_INIT;

	if (!path || !p->key)
		return;
	strbuf_addf(&t, SUMMARY_HEADER "\nimage=%s\nkernel=%s\nkey=%s\nmade_by=%d\nalias_loading=%d\nsize=%" PRIu64 "\n",
		    image, kernel, p->key, p->made_by, p->alias_loading ? 1 : 0, p->size);
	if (p->have_original)
		strbuf_addf(&t, "original_size=%" PRIu64 "\noriginal_sha256=%s\npadding=%zu\n", p->original_size,
			    p->original_sha256, p->padding);
	for (size_t i = 0; i < p->names.n; i++) {
		if (strpbrk(p->names.v[i], "\t\n") || strpbrk(p->relpaths.v[i], "\t\n"))
			return; /* not one a summary can hold: read the image next time */
		strbuf_addf(&t, "module=%" PRIu64 "\t%s\t%s\n", p->offsets[i], p->names.v[i], p->relpaths.v[i]);
	}
	strbuf_addf(&t, "modules=%zu\n", p->names.n);
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	/* a cache: when it cannot be written, the next change reads the image */
	if (mkdir_p(dir, 0755) == 0)
		write_unsynced(path, &t);
}

void remake_cache_update(const struct dkms_ctx *ctx, const char *image, const char *kernel,
			 const struct remake_probe *p, uint64_t cut, const struct strv *names,
			 const struct strv *relpaths, uint64_t frag_offset, uint64_t new_size, const char *key)
{
	struct remake_probe q = REMAKE_PROBE_INIT;
	size_t n = 0;

	if (!p->have_original || !key)
		return;
	q.made_by = p->made_by;
	q.alias_loading = p->alias_loading;
	q.size = new_size;
	q.key = xstrdup(key);
	q.have_original = true;
	q.original_size = p->original_size;
	memcpy(q.original_sha256, p->original_sha256, SHA256_HEX_SIZE);
	q.padding = p->padding;
	for (size_t i = 0; i < p->names.n; i++)
		if (p->offsets[i] < cut)
			push_module(&q, p->offsets[i], p->names.v[i], p->relpaths.v[i], &n);
	for (size_t i = 0; names && i < names->n; i++)
		push_module(&q, frag_offset, names->v[i], relpaths->v[i], &n);
	remake_cache_store(ctx, image, kernel, &q);
	remake_probe_release(&q);
}
