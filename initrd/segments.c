// SPDX-License-Identifier: GPL-2.0-or-later
/* Splitting an initramfs image into its members (see segments.h). */
#include <errno.h>
#include <string.h>

#include "initrd/decode.h"
#include "initrd/newc.h"
#include "initrd/segments.h"
#include "util/fileio.h"
#include "util/macro.h"

const char *initrd_compression_name(enum initrd_compression c)
{
	static const char *const names[] = {
		[INITRD_CPIO] = "none", [INITRD_GZIP] = "gzip", [INITRD_BZIP2] = "bzip2",
		[INITRD_LZMA] = "lzma", [INITRD_XZ] = "xz",     [INITRD_LZO] = "lzo",
		[INITRD_LZ4] = "lz4",   [INITRD_ZSTD] = "zstd",
	};

	return (size_t)c < ARRAY_SIZE(names) ? names[c] : "?";
}

/* The kernel's decompress_method(): two magic bytes pick the method. */
static bool compression_of(const unsigned char *p, size_t len, enum initrd_compression *ret)
{
	static const struct {
		unsigned char magic[2];
		enum initrd_compression c;
	} table[] = {
		{ { 0x1f, 0x8b }, INITRD_GZIP }, { { 0x1f, 0x9e }, INITRD_GZIP },
		{ { 0x42, 0x5a }, INITRD_BZIP2 }, { { 0x5d, 0x00 }, INITRD_LZMA },
		{ { 0xfd, 0x37 }, INITRD_XZ },   { { 0x89, 0x4c }, INITRD_LZO },
		{ { 0x02, 0x21 }, INITRD_LZ4 },  { { 0x28, 0xb5 }, INITRD_ZSTD },
	};

	if (len < 2)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (p[0] == table[i].magic[0] && p[1] == table[i].magic[1]) {
			*ret = table[i].c;
			return true;
		}
	}
	return false;
}

/*
 * Walk one cpio archive from *pos to its trailer. Returns 1 if it ended with
 * a trailer, 0 if the data ended first, -EBADMSG with the reason in err.
 */
static int walk_archive(const char *buf, size_t len, size_t *pos, size_t *entries,
			struct strbuf *err)
{
	struct newc_entry e;
	int r;

	while (*pos < len) {
		r = newc_next(buf, len, pos, &e, err);
		if (r < 0)
			return r;
		if (r == 0)
			return 1;
		(*entries)++;
	}
	return 0;
}

/*
 * The decoded content of a compressed member, as flush_buffer() takes it:
 * cpio archives, each ending with a trailer, separated by NULs; an archive
 * starts 4-byte aligned. Offsets in the message count from the content start.
 */
static int walk_content(const char *d, size_t n, size_t *entries, struct strbuf *why)
{
	size_t pos = 0;
	bool archives = false;
	int r;

	while (pos < n) {
		if (d[pos] == '\0') {
			pos++;
			continue;
		}
		if (pos & 3) {
			strbuf_addf(why, "offset %zu: data after NUL padding is not 4-byte aligned", pos);
			return -EBADMSG;
		}
		r = walk_archive(d, n, &pos, entries, why);
		if (r < 0)
			return r;
		if (r == 0) {
			strbuf_addf(why, "offset %zu: content ends without TRAILER!!! "
					 "(the kernel reports junk at the end of the archive)", n);
			return -EBADMSG;
		}
		archives = true;
	}
	if (!archives) {
		strbuf_addstr(why, "holds no cpio archive");
		return -EBADMSG;
	}
	return 0;
}

static struct initrd_segment *new_segment(struct initrd_image *img)
{
	img->segments = xrealloc(img->segments, (img->n + 1) * sizeof(*img->segments));
	memset(&img->segments[img->n], 0, sizeof(*img->segments));
	return &img->segments[img->n++];
}

static int split_raw(const char *buf, size_t len, size_t *pos, struct initrd_image *img,
		     struct strbuf *err)
{
	size_t start = *pos, entries = 0;
	struct initrd_segment *s;
	int r;

	r = walk_archive(buf, len, pos, &entries, err);
	if (r < 0)
		return r;
	s = new_segment(img);
	s->offset = start;
	s->size = *pos - start;
	s->compression = INITRD_CPIO;
	s->data = xmalloc(s->size + 1);
	memcpy(s->data, buf + start, s->size);
	s->data_len = s->size;
	s->entries = entries;
	return 0;
}

static int split_compressed(const char *buf, size_t len, size_t *pos, enum initrd_compression c,
			    struct initrd_image *img, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	const char *name = initrd_compression_name(c);
	size_t start = *pos, entries = 0;
	struct initrd_segment *s;
	struct decoded d;
	int r;

	r = decode_member(c, buf + start, len - start, &out, &d, &why);
	if (r < 0) {
		if (r == -EBADMSG)
			strbuf_addf(err, "offset %zu: %s (in the %s member at offset %zu)",
				    start + d.error_at, why.buf, name, start);
		else
			strbuf_addf(err, "offset %zu: %s", start, why.buf);
		return r;
	}
	r = walk_content(out.buf, out.len, &entries, &why);
	if (r < 0) {
		strbuf_addf(err, "offset %zu: %s member: decoded content %s", start, name, why.buf);
		return r;
	}
	if (d.problem)
		strv_pushf(&img->problems, "offset %zu: %s", start, d.problem);
	s = new_segment(img);
	s->offset = start;
	s->size = d.consumed;
	s->compression = c;
	s->data_len = out.len;
	s->data = strbuf_detach(&out);
	s->entries = entries;
	*pos = start + d.consumed;
	return 0;
}

int initrd_split(const void *vbuf, size_t len, struct initrd_image *ret, struct strbuf *err)
{
	_cleanup_initrd_image_ struct initrd_image img = INITRD_IMAGE_INIT;
	_cleanup_strbuf_ struct strbuf scratch = STRBUF_INIT;
	const char *buf = vbuf;
	size_t pos = 0;
	bool after_raw = false;
	int r;

	if (!err)
		err = &scratch;
	img.size = len;
	while (pos < len) {
		enum initrd_compression c;

		if (buf[pos] == '\0') {
			pos++;
			continue;
		}
		/* init/initramfs.c: what follows the padding of a raw archive is aligned */
		if (after_raw && (pos & 3)) {
			strbuf_addf(err, "offset %zu: broken padding after the cpio archive at offset %zu "
					 "(the next member must start on a 4-byte boundary)",
				    pos, img.segments[img.n - 1].offset);
			return -EBADMSG;
		}
		after_raw = false;
		/* a raw archive only at a 4-byte boundary */
		if (buf[pos] == '0' && !(pos & 3)) {
			after_raw = true;
			r = split_raw(buf, len, &pos, &img, err);
		} else if (compression_of((const unsigned char *)buf + pos, len - pos, &c)) {
			r = split_compressed(buf, len, &pos, c, &img, err);
		} else {
			strbuf_addf(err, "offset %zu: %s", pos,
				    buf[pos] == '0' ? "cpio archive not on a 4-byte boundary"
						    : "junk: neither a cpio archive nor a known compression");
			r = -EBADMSG;
		}
		if (r < 0)
			return r;
		img.end = pos;
	}
	*ret = img;
	img = (struct initrd_image)INITRD_IMAGE_INIT;
	return 0;
}

int initrd_read(const char *path, struct initrd_image *ret, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf data = STRBUF_INIT;
	int r;

	r = read_file(path, &data);
	if (r < 0) {
		if (err)
			strbuf_addf(err, "cannot read: %s", strerror(-r));
		return r;
	}
	return initrd_split(data.buf, data.len, ret, err);
}

void initrd_image_release(struct initrd_image *img)
{
	for (size_t i = 0; i < img->n; i++)
		free(img->segments[i].data);
	free(img->segments);
	strv_release(&img->problems);
	*img = (struct initrd_image)INITRD_IMAGE_INIT;
}
