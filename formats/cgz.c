// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "formats/cgz.h"
#include "util/strbuf.h"

#define HEADER_SIZE 110
/* a floppy's worth of modules is small; refuse a gzip bomb */
#define MAX_UNPACKED (256u << 20)

static int gunzip(const void *data, size_t len, struct strbuf *out)
{
	z_stream z = { 0 };
	int r;

	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	do {
		strbuf_grow(out, 64 << 10);
		z.next_out = (Bytef *)out->buf + out->len;
		z.avail_out = 64 << 10;
		r = inflate(&z, Z_NO_FLUSH);
		strbuf_setlen(out, out->len + (64 << 10) - z.avail_out);
		if (out->len > MAX_UNPACKED)
			r = Z_DATA_ERROR;
	} while (r == Z_OK);
	inflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -EBADMSG;
}

/* One 8-digit hex field of a header; false when it is not hex. */
static bool hex_field(const char *p, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16;
		if (d == 16)
			return false;
		v = v << 4 | d;
	}
	*ret = v;
	return true;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int walk(const char *buf, size_t len, struct cgz_listing *l, char **why)
{
	size_t pos = 0;

	while (pos < len) {
		uint32_t mode, filesize, namesize;
		const char *name;

		if (len - pos < HEADER_SIZE) {
			*why = xasprintf("truncated cpio header at offset %zu", pos);
			return -EBADMSG;
		}
		if (memcmp(buf + pos, "070701", 6) && memcmp(buf + pos, "070702", 6)) {
			*why = xasprintf("cpio magic \"%.6s\" at offset %zu (the loader reads only "
					 "070701 and 070702)", buf + pos, pos);
			return -EBADMSG;
		}
		if (!l->magic[0])
			memcpy(l->magic, buf + pos, 6);
		/* fields: ino mode uid gid nlink mtime filesize devmaj devmin rdevmaj rdevmin namesize check */
		if (!hex_field(buf + pos + 14, &mode) || !hex_field(buf + pos + 54, &filesize) ||
		    !hex_field(buf + pos + 94, &namesize) || namesize == 0 ||
		    namesize > len - pos - HEADER_SIZE) {
			*why = xasprintf("damaged cpio header at offset %zu", pos);
			return -EBADMSG;
		}
		name = buf + pos + HEADER_SIZE;
		if (name[namesize - 1] != '\0') {
			*why = xasprintf("cpio name without its NUL at offset %zu", pos);
			return -EBADMSG;
		}
		pos = pad4(pos + HEADER_SIZE + namesize);
		if (streq(name, "TRAILER!!!")) {
			l->trailer = true;
			return 0;
		}
		if (pos > len || filesize > len - pos) {
			*why = xasprintf("cpio entry %s runs past the end", name);
			return -EBADMSG;
		}
		if (S_ISREG(mode))
			strv_push(&l->files, name);
		pos = pad4(pos + filesize);
	}
	return 0;
}

int cgz_list(const void *data, size_t len, struct cgz_listing *ret, char **why)
{
	_cleanup_strbuf_ struct strbuf cpio = STRBUF_INIT;
	struct cgz_listing l = { 0 };
	char *reason = NULL;
	int r;

	if (len < 2 || memcmp(data, "\x1f\x8b", 2)) {
		if (why)
			*why = xstrdup("not gzip-compressed");
		return -EMEDIUMTYPE;
	}
	r = gunzip(data, len, &cpio);
	if (r < 0)
		reason = xstrdup("damaged or truncated gzip data");
	else
		r = walk(cpio.buf, cpio.len, &l, &reason);
	if (r < 0) {
		cgz_listing_release(&l);
		if (why)
			*why = reason;
		else
			free(reason);
		return r;
	}
	*ret = l;
	return 0;
}

void cgz_listing_release(struct cgz_listing *l)
{
	strv_release(&l->files);
	memset(l, 0, sizeof(*l));
}
