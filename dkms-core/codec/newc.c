// SPDX-License-Identifier: GPL-2.0-or-later
/* newc cpio archives in memory: the one reader and the one writer of headers (see newc.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "codec/newc.h"
#include "util/macro.h"

#define ALIGN4(x) (((x) + 3) & ~(size_t)3)

bool newc_magic_at(const char *buf, size_t len, size_t pos)
{
	return pos <= len && len - pos >= 6 &&
	       (!memcmp(buf + pos, NEWC_MAGIC, 6) || !memcmp(buf + pos, NEWC_MAGIC_CRC, 6));
}

void newc_pad4(struct strbuf *out, size_t start)
{
	static const char zeros[4];

	strbuf_add(out, zeros, (4 - (out->len - start) % 4) % 4);
}

void newc_add_header(struct strbuf *out, size_t start, uint32_t ino, uint32_t mode,
		     uint32_t nlink, uint32_t mtime, uint32_t filesize, const char *name)
{
	size_t namesize = strlen(name) + 1;

	/* fields: ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check */
	strbuf_addf(out, NEWC_MAGIC "%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X", ino,
		    mode, 0u, 0u, nlink, mtime, filesize, 0u, 0u, 0u, 0u, namesize, 0u);
	strbuf_add(out, name, namesize);
	newc_pad4(out, start);
}

void newc_add_trailer(struct strbuf *out, size_t start)
{
	newc_add_header(out, start, 0, 0, 1, 0, 0, NEWC_TRAILER);
}

static int hex8(const char *s, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = s[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EBADMSG;
		v = v << 4 | (uint32_t)d;
	}
	*ret = v;
	return 0;
}

int newc_name_size(const char *header, size_t *ret)
{
	uint32_t v;

	/* namesize is the 12th of the 8-digit fields after the 6-byte magic */
	if (hex8(header + 6 + 8 * 11, &v) < 0)
		return -EBADMSG;
	*ret = v;
	return 0;
}

static int bad(struct strbuf *err, size_t offset, const char *what)
{
	if (err)
		strbuf_addf(err, "offset %zu: %s", offset, what);
	return -EBADMSG;
}

int newc_header(const char *buf, size_t len, size_t start, struct newc_entry *ret,
		size_t *ret_data_at, struct strbuf *err)
{
	uint32_t *fields[] = { &ret->ino,      &ret->mode,      &ret->uid,       &ret->gid,
			       &ret->nlink,    &ret->mtime,     &ret->filesize,  &ret->devmajor,
			       &ret->devminor, &ret->rdevmajor, &ret->rdevminor, NULL,
			       &ret->check };
	size_t name_end;
	uint32_t namesize;

	if (start > len || len - start < NEWC_HEADER_SIZE)
		return bad(err, start, "truncated cpio header");
	if (!newc_magic_at(buf, len, start)) {
		if (!memcmp(buf + start, "070707", 6))
			return bad(err, start, "old-style (odc) cpio header; the kernel reads newc only");
		return bad(err, start, "no cpio magic (070701) where a header should start");
	}
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		uint32_t *f = fields[i] ?: &namesize;

		if (hex8(buf + start + 6 + 8 * i, f) < 0)
			return bad(err, start, "cpio header field is not hexadecimal");
	}
	/* the kernel refuses names longer than PATH_MAX and empty ones */
	if (namesize == 0 || namesize > PATH_MAX)
		return bad(err, start, "cpio entry name size out of range");
	name_end = start + NEWC_HEADER_SIZE + namesize;
	if (name_end > len)
		return bad(err, start, "cpio entry name runs past the end of the data");
	if (buf[name_end - 1] != '\0' || memchr(buf + start + NEWC_HEADER_SIZE, '\0', namesize - 1))
		return bad(err, start, "cpio entry name is not NUL-terminated");

	ret->name = buf + start + NEWC_HEADER_SIZE;
	ret->offset = start;
	ret->checksummed = buf[start + 5] == '2';
	ret->data = NULL;
	*ret_data_at = ALIGN4(name_end);
	return strcmp(ret->name, NEWC_TRAILER) != 0;
}

int newc_next(const char *buf, size_t len, size_t *pos, struct newc_entry *ret,
	      struct strbuf *err)
{
	size_t data_at, data_end;
	int r = newc_header(buf, len, *pos, ret, &data_at, err);

	if (r <= 0) {
		if (r == 0)
			*pos = data_at <= len ? data_at : len;
		return r;
	}
	data_end = data_at + ret->filesize;
	if (data_at > len || data_end > len)
		return bad(err, *pos, "cpio entry data runs past the end of the data");
	ret->data = buf + data_at;
	*pos = ALIGN4(data_end) <= len ? ALIGN4(data_end) : len;
	return 1;
}
