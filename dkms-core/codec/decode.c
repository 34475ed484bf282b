// SPDX-License-Identifier: GPL-2.0-or-later
/* One compressed initramfs member, decoded (see decode.h). */
#include <bzlib.h>
#include <errno.h>
#include <libdeflate.h>
#include <limits.h>
#include <stdbool.h>
#include <lz4.h>
#include <lzma.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "codec/compress.h"
#include "codec/decode.h"
#include "util/macro.h"

#define CHUNK ((size_t)256 << 10)
/*
 * liblzma's memory limit: xz -9 needs 65 MiB to decode; a header asking
 * for a multi-GiB dictionary is damage (or hostile), not an initrd.
 */
#define LZMA_MEMLIMIT ((uint64_t)256 << 20)
/* the kernel's legacy lz4 reader: magic, then blocks of at most 8 MiB decoded */
#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_LEGACY_BLOCK ((size_t)8 << 20)

/*
 * Room for n more bytes of output, backed by huge pages where the kernel
 * gives them on request: a decoded image is 100 MB and more, and faulting
 * it in 4 KiB pages costs as much as decoding it.
 */
static void grow_huge(struct strbuf *out, size_t n)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t start, end;

	strbuf_grow(out, n);
	start = ((uintptr_t)out->buf + out->len + huge - 1) & ~(huge - 1);
	end = ((uintptr_t)out->buf + out->len + n) & ~(huge - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
}

/*
 * Where decoded bytes go: appended to sb, which holds them all (at most cap
 * bytes), or, with a sink, handed over in pieces of about FLUSH bytes, so
 * that only one piece is held at a time.
 */
struct out {
	struct strbuf *sb;
	const struct decode_sink *sink;
	size_t cap;
	size_t flushed; /* bytes handed to the sink so far */
};

#define FLUSH ((size_t)1 << 20)

static int flush(struct out *o)
{
	int r;

	if (!o->sink || !o->sb->len)
		return 0;
	r = o->sink->write(o->sink->data, o->sb->buf, o->sb->len);
	o->flushed += o->sb->len;
	strbuf_setlen(o->sb, 0);
	return r;
}

/* Make room for n more bytes of output, unless that passes the limit. */
static int room(struct out *o, size_t n, struct strbuf *why)
{
	struct strbuf *out = o->sb;

	if (o->sink && out->len >= FLUSH) {
		int r = flush(o);

		if (r < 0)
			return r;
	}
	if (!o->sink && out->len + n > o->cap) {
		strbuf_addf(why, "decoded content larger than %zu MiB", o->cap >> 20);
		return -EFBIG;
	}
	strbuf_grow(out, n);
	return 0;
}

static int truncated(struct decoded *ret, size_t len, struct strbuf *why, const char *what)
{
	ret->error_at = len;
	strbuf_addf(why, "%s data ends before the end of its stream (truncated)", what);
	return -EBADMSG;
}

static int damaged(struct decoded *ret, size_t at, struct strbuf *why, const char *what,
		   const char *detail)
{
	ret->error_at = at;
	strbuf_addf(why, "%s data is damaged (%s)", what, detail);
	return -EBADMSG;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * libdeflate decodes a gzip member whole, two to three times as fast as
 * zlib's stream, into a buffer large enough for it: the size the image's
 * last trailer states (ISIZE, right when this member is the last one), or a
 * bound on the ratio (address space only: pages are taken as written). False
 * when that does not do (damaged data, a larger member): zlib then decodes
 * it and says why and where.
 */
static bool decode_gzip_whole(const uint8_t *in, size_t len, struct strbuf *out, size_t cap,
			      struct decoded *ret)
{
	size_t limit = cap - out->len, avail, in_used = 0, out_used = 0;
	struct libdeflate_decompressor *d;
	enum libdeflate_result lr;

	if (len < 18)
		return false;
	avail = MAX((size_t)le32(in + len - 4), MIN(len, limit / 16) * 16);
	/* deflate expands at most 1032:1: a larger ISIZE is a lie, not a reason to map GiBs */
	avail = MIN(avail, MIN(limit, len > (SIZE_MAX - 64) / 1032 ? limit : len * 1032 + 64));
	d = libdeflate_alloc_decompressor();
	if (!d)
		return false;
	grow_huge(out, avail);
	lr = libdeflate_gzip_decompress_ex(d, in, len, out->buf + out->len, avail, &in_used, &out_used);
	libdeflate_free_decompressor(d);
	if (lr != LIBDEFLATE_SUCCESS)
		return false;
	strbuf_setlen(out, out->len + out_used);
	ret->consumed = in_used;
	return true;
}

static int decode_gzip(const uint8_t *in, size_t len, struct out *o, struct decoded *ret,
		       struct strbuf *why)
{
	struct strbuf *out = o->sb;
	z_stream z = { 0 };
	int zr, r = 0;

	if (!o->sink && decode_gzip_whole(in, len, out, o->cap, ret))
		return 0;

	/* 16 + MAX_WBITS: a gzip header and trailer, one member */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)MIN(len, (size_t)UINT_MAX);
	for (;;) {
		r = room(o, CHUNK, why);
		if (r < 0)
			break;
		z.next_out = (Bytef *)out->buf + out->len;
		z.avail_out = (uInt)CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		strbuf_setlen(out, out->len + (CHUNK - z.avail_out));
		if (zr == Z_STREAM_END) {
			ret->consumed = z.total_in;
			break;
		}
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && z.avail_in == 0)
			r = truncated(ret, len, why, "gzip");
		else
			r = damaged(ret, z.total_in, why, "gzip", z.msg ?: "inflate failed");
		break;
	}
	inflateEnd(&z);
	return r;
}

static int decode_bzip2(const uint8_t *in, size_t len, struct out *o, struct decoded *ret,
			struct strbuf *why)
{
	struct strbuf *out = o->sb;
	bz_stream b = { 0 };
	int br, r = 0;

	if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK)
		return -ENOMEM;
	b.next_in = (char *)in;
	b.avail_in = (unsigned)MIN(len, (size_t)UINT_MAX);
	for (;;) {
		r = room(o, CHUNK, why);
		if (r < 0)
			break;
		b.next_out = out->buf + out->len;
		b.avail_out = (unsigned)CHUNK;
		br = BZ2_bzDecompress(&b);
		strbuf_setlen(out, out->len + (CHUNK - b.avail_out));
		if (br == BZ_STREAM_END) {
			ret->consumed = (size_t)b.total_in_hi32 << 32 | b.total_in_lo32;
			break;
		}
		if (br == BZ_OK && b.avail_in == 0 && b.avail_out > 0) {
			r = truncated(ret, len, why, "bzip2");
			break;
		}
		if (br != BZ_OK) {
			r = damaged(ret, b.total_in_lo32, why, "bzip2", "bad block or header");
			break;
		}
	}
	BZ2_bzDecompressEnd(&b);
	return r;
}

/* xz (one stream) and lzma_alone share liblzma's loop. */
static int decode_lzma(bool xz, const uint8_t *in, size_t len, struct out *o,
		       struct decoded *ret, struct strbuf *why)
{
	struct strbuf *out = o->sb;
	lzma_stream s = LZMA_STREAM_INIT;
	const char *what = xz ? "xz" : "lzma";
	lzma_ret lr;
	int r = 0;

	lr = xz ? lzma_stream_decoder(&s, LZMA_MEMLIMIT, LZMA_TELL_ANY_CHECK)
		: lzma_alone_decoder(&s, LZMA_MEMLIMIT);
	if (lr != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = len;
	for (;;) {
		r = room(o, CHUNK, why);
		if (r < 0)
			break;
		s.next_out = (uint8_t *)out->buf + out->len;
		s.avail_out = CHUNK;
		lr = lzma_code(&s, LZMA_RUN);
		strbuf_setlen(out, out->len + (CHUNK - s.avail_out));
		if (lr == LZMA_STREAM_END) {
			ret->consumed = s.total_in;
			break;
		}
		if (lr == LZMA_GET_CHECK) {
			lzma_check c = lzma_get_check(&s);

			if (!xz_check_kernel_reads(c))
				ret->problem = c == LZMA_CHECK_CRC64
						       ? "xz stream uses a CRC64 check; the kernel reads only CRC32 or none (xz --check=crc32)"
						       : "xz stream uses a check the kernel cannot read (use xz --check=crc32)";
			continue;
		}
		if (lr == LZMA_OK)
			continue;
		if (lr == LZMA_BUF_ERROR && s.avail_in == 0)
			r = truncated(ret, len, why, what);
		else
			r = damaged(ret, s.total_in, why, what,
				    lr == LZMA_FORMAT_ERROR	 ? "not in the format its magic says"
				    : lr == LZMA_OPTIONS_ERROR ? "unsupported options"
				    : lr == LZMA_MEMLIMIT_ERROR ? "needs too much memory"
								: "corrupt data");
		break;
	}
	lzma_end(&s);
	return r;
}

/*
 * A whole frame that states its content size, decoded in one call straight
 * into an output buffer of that size: no window copies, no regrowth (zstd
 * checks the size). False when that cannot be done or the frame does not
 * decode; the streaming loop then says why and where.
 */
static bool decode_zstd_sized(ZSTD_DCtx *d, const uint8_t *in, size_t len, struct strbuf *out,
			      size_t cap, struct decoded *ret)
{
	unsigned long long size = ZSTD_getFrameContentSize(in, len);
	size_t frame = ZSTD_findFrameCompressedSize(in, len), n;

	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR || size == 0 ||
	    size > cap - out->len || ZSTD_isError(frame))
		return false;
	/*
	 * A frame's bytes bound what it decodes to: at best a 3-byte RLE block
	 * header gives a 128 KiB block. A larger stated size is a lie; the
	 * streaming loop then finds out, without the buffer the lie asks for.
	 */
	if (size / ZSTD_BLOCKSIZE_MAX > frame / 3 + 1)
		return false;
	grow_huge(out, (size_t)size);
	n = ZSTD_decompressDCtx(d, out->buf + out->len, (size_t)size, in, frame);
	if (ZSTD_isError(n) || n != size)
		return false;
	strbuf_setlen(out, out->len + n);
	ret->consumed = frame;
	return true;
}

static int decode_zstd(const uint8_t *in, size_t len, struct out *o, struct decoded *ret,
		       struct strbuf *why)
{
	struct strbuf *out = o->sb;
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, len, 0 };
	int r = 0;

	if (!d)
		return -ENOMEM;
	if (!o->sink && decode_zstd_sized(d, in, len, out, o->cap, ret)) {
		ZSTD_freeDCtx(d);
		return 0;
	}
	ZSTD_DCtx_reset(d, ZSTD_reset_session_and_parameters);
	for (;;) {
		ZSTD_outBuffer ob;
		size_t zr;

		r = room(o, CHUNK, why);
		if (r < 0)
			break;
		ob = (ZSTD_outBuffer){ out->buf + out->len, CHUNK, 0 };
		zr = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(zr)) {
			r = damaged(ret, ib.pos, why, "zstd", ZSTD_getErrorName(zr));
			break;
		}
		strbuf_setlen(out, out->len + ob.pos);
		if (zr == 0) { /* the frame is complete and flushed */
			ret->consumed = ib.pos;
			break;
		}
		if (ib.pos == ib.size && ob.pos < ob.size) {
			r = truncated(ret, len, why, "zstd");
			break;
		}
	}
	ZSTD_freeDCtx(d);
	return r;
}

/*
 * Legacy lz4 has no end mark: like the kernel's unlz4, blocks follow until
 * the input ends, fewer than 4 bytes remain, or a zero word (NUL padding)
 * comes where a block size should; a repeated magic starts another frame.
 */
static int decode_lz4(const uint8_t *in, size_t len, struct out *o, struct decoded *ret,
		      struct strbuf *why)
{
	struct strbuf *out = o->sb;
	size_t pos = 4;
	int r;

	if (len < 4 || le32(in) != LZ4_LEGACY_MAGIC)
		return damaged(ret, 0, why, "lz4", "not the legacy lz4 format (lz4 -l) the kernel reads");
	while (len - pos >= 4) {
		uint32_t chunk = le32(in + pos);
		int n;

		if (chunk == LZ4_LEGACY_MAGIC) {
			pos += 4;
			continue;
		}
		if (chunk == 0)
			break;
		pos += 4;
		if (chunk > len - pos || chunk > (uint32_t)LZ4_compressBound((int)LZ4_LEGACY_BLOCK))
			return chunk > len - pos ? truncated(ret, len, why, "lz4")
						 : damaged(ret, pos - 4, why, "lz4", "block size out of range");
		r = room(o, LZ4_LEGACY_BLOCK, why);
		if (r < 0)
			return r;
		n = LZ4_decompress_safe((const char *)in + pos, out->buf + out->len, (int)chunk,
					(int)LZ4_LEGACY_BLOCK);
		if (n < 0)
			return damaged(ret, pos, why, "lz4", "block does not decode");
		strbuf_setlen(out, out->len + (size_t)n);
		pos += chunk;
	}
	ret->consumed = pos;
	return 0;
}

static int decode(enum initrd_compression c, const void *in, size_t len, struct out *o,
		  struct decoded *ret, struct strbuf *why)
{
	*ret = (struct decoded){ 0 };
	switch (c) {
	case INITRD_GZIP:
		return decode_gzip(in, len, o, ret, why);
	case INITRD_BZIP2:
		return decode_bzip2(in, len, o, ret, why);
	case INITRD_LZMA:
		return decode_lzma(false, in, len, o, ret, why);
	case INITRD_XZ:
		return decode_lzma(true, in, len, o, ret, why);
	case INITRD_LZ4:
		return decode_lz4(in, len, o, ret, why);
	case INITRD_ZSTD:
		return decode_zstd(in, len, o, ret, why);
	case INITRD_LZO:
		strbuf_addstr(why, "lzo-compressed member: reading lzo is not supported");
		return -EOPNOTSUPP;
	case INITRD_CPIO:
		break;
	}
	return -EINVAL;
}

int decode_member(enum initrd_compression c, const void *in, size_t len, size_t cap,
		  struct strbuf *out, struct decoded *ret, struct strbuf *why)
{
	struct out o = { .sb = out, .cap = cap };

	return decode(c, in, len, &o, ret, why);
}

int decode_member_stream(enum initrd_compression c, const void *in, size_t len,
			 const struct decode_sink *sink, size_t *ret_size, struct decoded *ret,
			 struct strbuf *why)
{
	_cleanup_strbuf_ struct strbuf buf = STRBUF_INIT;
	struct out o = { .sb = &buf, .sink = sink, .cap = SIZE_MAX };
	int r = decode(c, in, len, &o, ret, why);

	if (r >= 0)
		r = flush(&o);
	*ret_size = o.flushed;
	return r;
}
