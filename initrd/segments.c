// SPDX-License-Identifier: GPL-2.0-or-later
/* Splitting an initramfs image into its members (see segments.h). */
#include <errno.h>
#include <limits.h>
#include <sys/param.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/decode.h"
#include "codec/newc.h"
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
 * starts 4-byte aligned. Offsets in messages count from the content start.
 *
 * The content is walked as it arrives, in pieces of any size, so that it
 * need not be held whole: a header and its name are gathered (at most
 * NEWC_HEADER_SIZE + PATH_MAX + 3 bytes), the data of an entry is skipped
 * or, when the walker's user asks for it, gathered for that entry alone.
 */
enum walk_state {
	W_GAP,         /* between archives: NULs, or a header at a 4-byte boundary */
	W_HEADER,      /* gathering a header and its name */
	W_NAME_PAD,    /* after an entry's name, before its data */
	W_TRAILER_PAD, /* after the trailer's name: the archive is complete */
	W_DATA,        /* an entry's data */
	W_DATA_PAD,    /* after an entry's data */
};

struct walk {
	const struct content_walk_ops *ops;
	enum walk_state state;
	size_t pos;       /* offset in the content of the next byte */
	size_t start;     /* where the current header started */
	size_t need;      /* W_HEADER: bytes wanted in hdr; else bytes left in this state */
	struct strbuf hdr;
	struct newc_entry e;
	bool wanted;      /* the current entry's data is gathered in data */
	struct strbuf data; /* grown as the data comes: a header's filesize is only a claim */
	size_t entries;
	bool archives;
	struct strbuf *why;
};

static void walk_release(struct walk *w)
{
	strbuf_release(&w->hdr);
	strbuf_release(&w->data);
}

/* newc_header on what hdr holds, with offsets in the message counted from the content. */
static int walk_parse(struct walk *w, size_t *ret_data_at)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	int r = newc_header(w->hdr.buf, w->hdr.len, 0, &w->e, ret_data_at, &why);

	if (r < 0) {
		/* "offset 0: ..." of the header buffer: say where it is in the content */
		const char *rest = strchr(why.buf, ':');

		strbuf_addf(w->why, "offset %zu%s", w->start, rest ? rest : ": damaged cpio header");
	}
	w->e.offset = w->start;
	return r;
}

/* A header and name are complete in hdr: start on what follows. */
static int walk_header_done(struct walk *w)
{
	size_t data_at;
	int r = walk_parse(w, &data_at);

	if (r < 0)
		return r;
	if (r == 0) {
		w->state = W_TRAILER_PAD;
		w->need = data_at - w->hdr.len;
		w->archives = true;
		if (w->ops && w->ops->trailer)
			w->ops->trailer(w->ops->data);
		return 0;
	}
	w->entries++;
	w->wanted = false;
	if (w->ops && w->ops->want) {
		r = w->ops->want(w->ops->data, &w->e);
		if (r < 0)
			return r;
		w->wanted = r > 0;
	}
	w->state = W_NAME_PAD;
	w->need = data_at - w->hdr.len;
	return 0;
}

/* The entry's data is complete: hand it over. */
static int walk_entry_done(struct walk *w)
{
	char *data = NULL;
	int r = 0;

	if (w->wanted) {
		strbuf_grow(&w->data, 0); /* heap memory even when empty */
		data = strbuf_detach(&w->data);
	}

	w->e.data = data;
	if (w->ops && w->ops->entry)
		r = w->ops->entry(w->ops->data, &w->e, data);
	else
		free(data);
	w->e.data = NULL;
	w->state = W_DATA_PAD;
	w->need = (4 - (w->e.filesize & 3)) & 3;
	return r;
}

static int walk_feed(struct walk *w, const char *buf, size_t len)
{
	size_t i = 0, n;
	int r;

	while (i < len) {
		switch (w->state) {
		case W_GAP:
			while (i < len && buf[i] == '\0')
				i++, w->pos++;
			if (i == len)
				return 0;
			if (w->pos & 3) {
				strbuf_addf(w->why, "offset %zu: data after NUL padding is not 4-byte aligned",
					    w->pos);
				return -EBADMSG;
			}
			w->state = W_HEADER;
			w->start = w->pos;
			w->need = NEWC_HEADER_SIZE;
			strbuf_setlen(&w->hdr, 0);
			break;
		case W_HEADER:
			n = MIN(len - i, w->need - w->hdr.len);
			strbuf_add(&w->hdr, buf + i, n);
			i += n;
			w->pos += n;
			if (w->hdr.len < w->need)
				return 0;
			if (w->need == NEWC_HEADER_SIZE) {
				size_t namesize;

				/* a bad field or size: let newc_header say what is wrong */
				if (newc_name_size(w->hdr.buf, &namesize) < 0 || namesize == 0 ||
				    namesize > PATH_MAX || !newc_magic_at(w->hdr.buf, w->hdr.len, 0)) {
					size_t unused;

					r = walk_parse(w, &unused);
					return r < 0 ? r : -EBADMSG;
				}
				w->need = NEWC_HEADER_SIZE + namesize;
				break;
			}
			r = walk_header_done(w);
			if (r < 0)
				return r;
			break;
		case W_NAME_PAD:
		case W_TRAILER_PAD:
		case W_DATA_PAD:
			n = MIN(len - i, w->need);
			i += n;
			w->pos += n;
			w->need -= n;
			if (w->need)
				return 0;
			if (w->state == W_NAME_PAD) {
				w->state = W_DATA;
				w->need = w->e.filesize;
				if (!w->need) {
					r = walk_entry_done(w);
					if (r < 0)
						return r;
				}
				break;
			}
			/* the next header follows at once; NULs after a trailer are padding */
			w->state = w->state == W_TRAILER_PAD ? W_GAP : W_HEADER;
			if (w->state == W_HEADER) {
				w->start = w->pos;
				w->need = NEWC_HEADER_SIZE;
				strbuf_setlen(&w->hdr, 0);
			}
			break;
		case W_DATA:
			n = MIN(len - i, w->need);
			if (w->wanted)
				strbuf_add(&w->data, buf + i, n);
			i += n;
			w->pos += n;
			w->need -= n;
			if (w->need)
				return 0;
			r = walk_entry_done(w);
			if (r < 0)
				return r;
			break;
		}
	}
	return 0;
}

/* The content ended: was it whole? */
static int walk_finish(struct walk *w)
{
	size_t unused;

	switch (w->state) {
	case W_GAP:
	case W_TRAILER_PAD:
		if (w->archives)
			return 0;
		strbuf_addstr(w->why, "holds no cpio archive");
		return -EBADMSG;
	case W_HEADER:
		if (!w->hdr.len)
			break; /* the data of the last entry ended with the content */
		/* cut short: newc_header says where, as for a whole buffer */
		if (walk_parse(w, &unused) >= 0)
			strbuf_addf(w->why, "offset %zu: truncated cpio header", w->start);
		return -EBADMSG;
	case W_NAME_PAD:
	case W_DATA:
		strbuf_addf(w->why, "offset %zu: cpio entry data runs past the end of the data",
			    w->start);
		return -EBADMSG;
	case W_DATA_PAD:
		break;
	}
	strbuf_addf(w->why, "offset %zu: content ends without TRAILER!!! "
			    "(the kernel reports junk at the end of the archive)", w->pos);
	return -EBADMSG;
}

/* Content held whole: only checked and counted. */
static int walk_content(const char *d, size_t n, size_t *entries, struct strbuf *why)
{
	struct walk w = { .why = why, .hdr = STRBUF_INIT, .data = STRBUF_INIT };
	int r = walk_feed(&w, d, n);

	if (!r)
		r = walk_finish(&w);
	*entries = w.entries;
	walk_release(&w);
	return r;
}

static struct initrd_segment *new_segment(struct initrd_image *img)
{
	img->segments = xrealloc(img->segments, (img->n + 1) * sizeof(*img->segments));
	memset(&img->segments[img->n], 0, sizeof(*img->segments));
	return &img->segments[img->n++];
}

/* How an image is split: decoded whole (within cap), or streamed to ops. */
struct split {
	const char *buf;
	size_t len;
	size_t cap;     /* bytes all members may decode to together */
	size_t decoded; /* what they decoded to so far */
	const struct content_walk_ops *ops;
	struct initrd_image *img;
	struct strbuf *err;
};

static int too_big(struct split *sp, size_t start)
{
	strbuf_addf(sp->err, "offset %zu: decoded, the image holds more than %zu MiB, the limit "
			     "(initrd_max_decoded in framework.conf, or DKMS_INITRD_MAX_DECODED)",
		    start, sp->cap >> 20);
	return -EFBIG;
}

/*
 * The walk of what a member decodes to. Once the walk fails the rest is
 * still decoded (and dropped): damage the decoder finds is what is reported
 * then, as when the member is decoded whole before it is walked.
 */
struct stream {
	struct walk w;
	int r;
};

static int sink_write(void *data, const char *buf, size_t len)
{
	struct stream *st = data;

	if (!st->r)
		st->r = walk_feed(&st->w, buf, len);
	return 0;
}

/* Content walked as it is decoded: nothing of it is kept but what ops takes. */
static int stream_content(struct split *sp, size_t start, enum initrd_compression c,
			  struct initrd_segment *s, struct decoded *d)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT, walk_why = STRBUF_INIT;
	struct stream st = { .w = { .ops = sp->ops, .why = &walk_why, .hdr = STRBUF_INIT,
				      .data = STRBUF_INIT } };
	const struct decode_sink sink = { sink_write, &st };
	const char *name = initrd_compression_name(c);
	int r;

	if (sp->ops->member)
		sp->ops->member(sp->ops->data, sp->img->n - 1);
	if (c == INITRD_CPIO) {
		r = sink_write(&st, sp->buf + start, s->size);
		s->data_len = s->size;
	} else {
		r = decode_member_stream(c, sp->buf + start, sp->len - start, &sink, &s->data_len, d,
					 &why);
	}
	s->entries = st.w.entries;
	if (r == -EBADMSG) {
		strbuf_addf(sp->err, "offset %zu: %s (in the %s member at offset %zu)",
			    start + d->error_at, why.buf, name, start);
	} else if (r < 0) {
		strbuf_addf(sp->err, "offset %zu: %s", start, why.len ? why.buf : strerror(-r));
	} else {
		r = st.r ?: walk_finish(&st.w);
		s->entries = st.w.entries;
		if (r < 0 && walk_why.len)
			strbuf_addf(sp->err, "offset %zu: %s member: decoded content %s", start, name,
				    walk_why.buf);
	}
	walk_release(&st.w);
	return r;
}

static int split_raw(struct split *sp, size_t *pos)
{
	size_t start = *pos, entries = 0;
	struct initrd_segment *s;
	struct decoded d = { 0 };
	int r;

	r = walk_archive(sp->buf, sp->len, pos, &entries, sp->err);
	if (r < 0)
		return r;
	s = new_segment(sp->img);
	s->offset = start;
	s->size = *pos - start;
	s->compression = INITRD_CPIO;
	if (sp->ops)
		return stream_content(sp, start, INITRD_CPIO, s, &d);
	if (s->size > sp->cap - sp->decoded)
		return too_big(sp, start);
	sp->decoded += s->size;
	s->data = xmalloc(s->size + 1);
	memcpy(s->data, sp->buf + start, s->size);
	s->data_len = s->size;
	s->entries = entries;
	return 0;
}

static int split_compressed(struct split *sp, size_t *pos, enum initrd_compression c)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	const char *name = initrd_compression_name(c);
	size_t start = *pos, entries = 0;
	struct initrd_segment *s;
	struct decoded d = { 0 };
	int r;

	if (sp->ops) {
		s = new_segment(sp->img);
		s->offset = start;
		s->compression = c;
		r = stream_content(sp, start, c, s, &d);
		if (r < 0)
			return r;
		s->size = d.consumed;
	} else {
		r = decode_member(c, sp->buf + start, sp->len - start, sp->cap - sp->decoded, &out,
				  &d, &why);
		if (r == -EFBIG)
			return too_big(sp, start);
		if (r < 0) {
			if (r == -EBADMSG)
				strbuf_addf(sp->err, "offset %zu: %s (in the %s member at offset %zu)",
					    start + d.error_at, why.buf, name, start);
			else
				strbuf_addf(sp->err, "offset %zu: %s", start, why.buf);
			return r;
		}
		r = walk_content(out.buf, out.len, &entries, &why);
		if (r < 0) {
			strbuf_addf(sp->err, "offset %zu: %s member: decoded content %s", start, name,
				    why.buf);
			return r;
		}
		sp->decoded += out.len;
		s = new_segment(sp->img);
		s->offset = start;
		s->size = d.consumed;
		s->compression = c;
		s->data_len = out.len;
		s->data = strbuf_detach(&out);
		s->entries = entries;
	}
	if (d.problem)
		strv_pushf(&sp->img->problems, "offset %zu: %s", start, d.problem);
	*pos = start + d.consumed;
	return 0;
}

static int split(struct split *sp, struct initrd_image *ret)
{
	_cleanup_initrd_image_ struct initrd_image img = INITRD_IMAGE_INIT;
	const char *buf = sp->buf;
	size_t pos = 0, len = sp->len;
	bool after_raw = false;
	int r;

	sp->img = &img;
	img.size = len;
	while (pos < len) {
		enum initrd_compression c;

		if (buf[pos] == '\0') {
			pos++;
			continue;
		}
		/* init/initramfs.c: what follows the padding of a raw archive is aligned */
		if (after_raw && (pos & 3)) {
			strbuf_addf(sp->err, "offset %zu: broken padding after the cpio archive at offset %zu "
					     "(the next member must start on a 4-byte boundary)",
				    pos, img.segments[img.n - 1].offset);
			return -EBADMSG;
		}
		after_raw = false;
		/* a raw archive only at a 4-byte boundary */
		if (buf[pos] == '0' && !(pos & 3)) {
			after_raw = true;
			r = split_raw(sp, &pos);
		} else if (compression_of((const unsigned char *)buf + pos, len - pos, &c)) {
			r = split_compressed(sp, &pos, c);
		} else {
			strbuf_addf(sp->err, "offset %zu: %s", pos,
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

int initrd_parse_size(const char *s, size_t *ret)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;

	if (strempty(s) || !(s[0] >= '0' && s[0] <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end && (u = strchr(units, *end & ~0x20)) && (!end[1] || ((end[1] | 0x20) == 'i' &&
							  (end[2] | 0x20) == 'b' && !end[3]))) {
		for (const char *p = units; p <= u; p++) {
			if (v > SIZE_MAX / 1024)
				return -ERANGE;
			v *= 1024;
		}
	} else if (*end) {
		return -EINVAL;
	}
	*ret = (size_t)v;
	return 0;
}

size_t initrd_max_decoded(void)
{
	size_t v;

	if (initrd_parse_size(getenv("DKMS_INITRD_MAX_DECODED"), &v) == 0 && v > 0)
		return v;
	return INITRD_MAX_DECODED_DEFAULT;
}

int initrd_split(const void *buf, size_t len, struct initrd_image *ret, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf scratch = STRBUF_INIT;
	struct split sp = { .buf = buf, .len = len, .cap = initrd_max_decoded(),
			    .err = err ?: &scratch };

	return split(&sp, ret);
}

int initrd_split_stream(const void *buf, size_t len, const struct content_walk_ops *ops,
			struct initrd_image *ret, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf scratch = STRBUF_INIT;
	struct split sp = { .buf = buf, .len = len, .cap = SIZE_MAX, .ops = ops,
			    .err = err ?: &scratch };

	return split(&sp, ret);
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
