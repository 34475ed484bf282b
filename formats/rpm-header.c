// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RPM file layout: a 96-byte lead, the signature header padded to 8 bytes,
 * then the package header. Each header is an 8-byte magic+reserved, the
 * index length and data length (big endian), the index (16 bytes per entry:
 * tag, type, offset, count) and the data store the offsets point into.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/rpm-header.h"
#include "util/macro.h"
#include "util/strbuf.h"

#define LEAD_SIZE 96
#define HEADER_INTRO 16
#define ENTRY_SIZE 16
/* rpm's own sanity limits for a header (hdrchkTags, hdrchkData) */
#define MAX_ENTRIES 0xffff
#define MAX_DATA 0x0fffffff

enum {
	TYPE_INT32 = 4,
	TYPE_STRING = 6,
	TYPE_STRING_ARRAY = 8,
	TYPE_I18NSTRING = 9,
};

enum {
	TAG_NAME = 1000,
	TAG_VERSION = 1001,
	TAG_RELEASE = 1002,
	TAG_SUMMARY = 1004,
	TAG_DESCRIPTION = 1005,
	TAG_ARCH = 1022,
	TAG_OLDFILENAMES = 1027,
	TAG_PROVIDENAME = 1047,
	TAG_PROVIDEFLAGS = 1112,
	TAG_PROVIDEVERSION = 1113,
	TAG_DIRINDEXES = 1116,
	TAG_BASENAMES = 1117,
	TAG_DIRNAMES = 1118,
	TAG_PAYLOADCOMPRESSOR = 1125,
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One parsed header: its index and data store, inside the file's buffer. */
struct header {
	const unsigned char *index;
	uint32_t n_entries;
	const unsigned char *data;
	uint32_t data_len;
};

/* The header at off; *ret_end is where it ends. */
static int header_at(const unsigned char *buf, size_t len, size_t off, struct header *h,
		     size_t *ret_end)
{
	static const unsigned char magic[3] = { 0x8e, 0xad, 0xe8 };
	size_t index_len;

	if (len < off || len - off < HEADER_INTRO || memcmp(buf + off, magic, sizeof(magic)))
		return -EBADMSG;
	h->n_entries = be32(buf + off + 8);
	h->data_len = be32(buf + off + 12);
	if (h->n_entries > MAX_ENTRIES || h->data_len > MAX_DATA)
		return -EBADMSG;
	index_len = (size_t)h->n_entries * ENTRY_SIZE;
	off += HEADER_INTRO;
	if (len - off < index_len || len - off - index_len < h->data_len)
		return -EBADMSG;
	h->index = buf + off;
	h->data = buf + off + index_len;
	*ret_end = off + index_len + h->data_len;
	return 0;
}

/* Where a tag's value is: type, count and its offset in the data store. */
struct entry {
	uint32_t type, count, offset;
};

static bool find_tag(const struct header *h, uint32_t tag, struct entry *e)
{
	for (uint32_t i = 0; i < h->n_entries; i++) {
		const unsigned char *p = h->index + (size_t)i * ENTRY_SIZE;

		if (be32(p) != tag)
			continue;
		e->type = be32(p + 4);
		e->offset = be32(p + 8);
		e->count = be32(p + 12);
		return e->offset < h->data_len;
	}
	return false;
}

/* count consecutive NUL-terminated strings at the entry's offset */
static int get_strings(const struct header *h, uint32_t tag, struct strv *ret)
{
	struct entry e;
	size_t off;

	if (!find_tag(h, tag, &e))
		return -ENOENT;
	if (e.type != TYPE_STRING && e.type != TYPE_STRING_ARRAY && e.type != TYPE_I18NSTRING)
		return -EBADMSG;
	if (e.type == TYPE_STRING)
		e.count = 1;
	off = e.offset;
	for (uint32_t i = 0; i < e.count; i++) {
		const char *s = (const char *)h->data + off;
		const char *nul = memchr(s, '\0', h->data_len - off);

		if (!nul)
			return -EBADMSG;
		strv_push(ret, s);
		off += (size_t)(nul - s) + 1;
		if (i + 1 < e.count && off >= h->data_len)
			return -EBADMSG;
	}
	return 0;
}

/* The first string of a tag (the C locale's for an I18N string), or NULL. */
static char *get_string(const struct header *h, uint32_t tag)
{
	_cleanup_strv_ struct strv sv = STRV_INIT;

	if (get_strings(h, tag, &sv) < 0 || !sv.n)
		return NULL;
	return xstrdup(sv.v[0]);
}

static int get_int32s(const struct header *h, uint32_t tag, uint32_t **ret, size_t *ret_n)
{
	struct entry e;
	uint32_t *v;

	if (!find_tag(h, tag, &e))
		return -ENOENT;
	if (e.type != TYPE_INT32 || (e.offset & 3) || (h->data_len - e.offset) / 4 < e.count)
		return -EBADMSG;
	v = xcalloc(e.count ? e.count : 1, sizeof(*v));
	for (uint32_t i = 0; i < e.count; i++)
		v[i] = be32(h->data + e.offset + (size_t)i * 4);
	*ret = v;
	*ret_n = e.count;
	return 0;
}

static int read_provides(const struct header *h, struct rpm_header *out)
{
	_cleanup_strv_ struct strv names = STRV_INIT, versions = STRV_INIT;
	_cleanup_free_ uint32_t *flags = NULL;
	size_t n_flags = 0;
	int r = get_strings(h, TAG_PROVIDENAME, &names);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = get_strings(h, TAG_PROVIDEVERSION, &versions);
	if (r < 0 && r != -ENOENT)
		return r;
	r = get_int32s(h, TAG_PROVIDEFLAGS, &flags, &n_flags);
	if (r < 0 && r != -ENOENT)
		return r;
	out->provides = xcalloc(names.n ? names.n : 1, sizeof(*out->provides));
	for (size_t i = 0; i < names.n; i++) {
		struct rpm_dep *d = &out->provides[out->n_provides++];

		d->name = xstrdup(names.v[i]);
		d->version = xstrdup(i < versions.n ? versions.v[i] : "");
		d->flags = i < n_flags ? flags[i] : 0;
	}
	return 0;
}

static int read_files(const struct header *h, struct rpm_header *out)
{
	_cleanup_strv_ struct strv dirs = STRV_INIT, bases = STRV_INIT;
	_cleanup_free_ uint32_t *index = NULL;
	size_t n_index = 0;
	int r = get_strings(h, TAG_BASENAMES, &bases);

	if (r == -ENOENT) /* packages from before rpm 4.0 list whole paths */
		return get_strings(h, TAG_OLDFILENAMES, &out->files) == -EBADMSG ? -EBADMSG : 0;
	if (r < 0)
		return r;
	r = get_strings(h, TAG_DIRNAMES, &dirs);
	if (r >= 0)
		r = get_int32s(h, TAG_DIRINDEXES, &index, &n_index);
	if (r < 0)
		return -EBADMSG;
	if (n_index != bases.n)
		return -EBADMSG;
	for (size_t i = 0; i < bases.n; i++) {
		if (index[i] >= dirs.n)
			return -EBADMSG;
		strv_pushf(&out->files, "%s%s", dirs.v[index[i]], bases.v[i]);
	}
	return 0;
}

int rpm_header_parse(const void *data, size_t len, struct rpm_header *ret)
{
	static const unsigned char lead_magic[4] = { 0xed, 0xab, 0xee, 0xdb };
	const unsigned char *buf = data;
	struct rpm_header out = { 0 };
	struct header sig, h;
	size_t end;
	int r;

	if (len < LEAD_SIZE || memcmp(buf, lead_magic, sizeof(lead_magic)) || buf[4] < 3)
		return -EMEDIUMTYPE;
	r = header_at(buf, len, LEAD_SIZE, &sig, &end);
	if (r < 0)
		return r;
	/* the signature header is padded to a multiple of 8 */
	r = header_at(buf, len, (end + 7) & ~(size_t)7, &h, &end);
	if (r < 0)
		return r;
	out.name = get_string(&h, TAG_NAME);
	out.version = get_string(&h, TAG_VERSION);
	out.release = get_string(&h, TAG_RELEASE);
	out.arch = get_string(&h, TAG_ARCH);
	out.summary = get_string(&h, TAG_SUMMARY);
	out.description = get_string(&h, TAG_DESCRIPTION);
	out.payload_compressor = get_string(&h, TAG_PAYLOADCOMPRESSOR);
	r = read_provides(&h, &out);
	if (r >= 0)
		r = read_files(&h, &out);
	if (r >= 0 && (!out.name || !out.version || !out.release))
		r = -EBADMSG;
	if (r < 0) {
		rpm_header_release(&out);
		return r;
	}
	*ret = out;
	return 0;
}

/* Read exactly n more bytes of fd into sb. */
static int read_more(int fd, struct strbuf *sb, size_t n)
{
	strbuf_grow(sb, n);
	while (n) {
		ssize_t k = read(fd, sb->buf + sb->len, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EBADMSG;
		strbuf_setlen(sb, sb->len + (size_t)k);
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Read one header (intro, index, data) that starts at off into sb, never
 * more than the file holds: a corrupt length must not make us allocate it.
 */
static int read_header(int fd, size_t file_size, struct strbuf *sb, size_t off)
{
	static const unsigned char magic[3] = { 0x8e, 0xad, 0xe8 };
	size_t rest;
	int r;

	if (off > file_size || file_size - off < HEADER_INTRO)
		return -EBADMSG;
	r = read_more(fd, sb, off + HEADER_INTRO - sb->len);
	if (r < 0)
		return r;
	if (memcmp(sb->buf + off, magic, sizeof(magic)))
		return -EBADMSG;
	rest = (size_t)be32((unsigned char *)sb->buf + off + 8) * ENTRY_SIZE +
	       be32((unsigned char *)sb->buf + off + 12);
	if (rest > file_size - off - HEADER_INTRO)
		return -EBADMSG;
	return read_more(fd, sb, rest);
}

int rpm_header_read(const char *path, struct rpm_header *ret)
{
	static const unsigned char lead_magic[4] = { 0xed, 0xab, 0xee, 0xdb };
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EMEDIUMTYPE;
	/* only as much of the file as the lead and the two headers take */
	if ((size_t)st.st_size < LEAD_SIZE)
		return -EMEDIUMTYPE;
	r = read_more(fd, &sb, LEAD_SIZE);
	if (r < 0)
		return r;
	if (memcmp(sb.buf, lead_magic, sizeof(lead_magic)))
		return -EMEDIUMTYPE;
	r = read_header(fd, (size_t)st.st_size, &sb, LEAD_SIZE);
	if (r >= 0)
		r = read_header(fd, (size_t)st.st_size, &sb, (sb.len + 7) & ~(size_t)7);
	if (r < 0)
		return r;
	return rpm_header_parse(sb.buf, sb.len, ret);
}

void rpm_header_release(struct rpm_header *h)
{
	free(h->name);
	free(h->version);
	free(h->release);
	free(h->arch);
	free(h->summary);
	free(h->description);
	free(h->payload_compressor);
	for (size_t i = 0; i < h->n_provides; i++) {
		free(h->provides[i].name);
		free(h->provides[i].version);
	}
	free(h->provides);
	strv_release(&h->files);
	memset(h, 0, sizeof(*h));
}
