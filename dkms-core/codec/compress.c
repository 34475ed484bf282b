// SPDX-License-Identifier: GPL-2.0-or-later
/* gzip, xz (CRC32) and zstd into memory, as kernels and installers read them (see compress.h). */
#include <errno.h>
#include <limits.h>
#include <lzma.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "codec/compress.h"
#include "util/macro.h"

#define XZ_DICT_SIZE (1u << 20) /* what dracut gives the kernel: --lzma2=dict=1MiB */
/* COMPRESS_LEVEL_DEFAULT: the smallest output at a bearable cost, as gzip -9, xz -6, zstd -19 */
#define GZIP_LEVEL 9
#define XZ_LEVEL 6
#define ZSTD_LEVEL 19

static const struct {
	const char *name;
	const char *suffix;
} compressions[] = {
	[COMPRESSION_DEFAULT] = { "default", "" },
	[COMPRESSION_NONE] = { "none", "" },
	[COMPRESSION_GZIP] = { "gzip", ".gz" },
	[COMPRESSION_XZ] = { "xz", ".xz" },
	[COMPRESSION_ZSTD] = { "zstd", ".zst" },
};

int compression_from_name(const char *name, enum compression *ret)
{
	static const struct {
		const char *alias;
		enum compression c;
	} aliases[] = { { "gz", COMPRESSION_GZIP }, { "zst", COMPRESSION_ZSTD } };

	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(compressions); i++)
		if (streq(name, compressions[i].name)) {
			*ret = (enum compression)i;
			return 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (streq(name, aliases[i].alias)) {
			*ret = aliases[i].c;
			return 0;
		}
	return -EINVAL;
}

const char *compression_name(enum compression c)
{
	return (size_t)c < ARRAY_SIZE(compressions) ? compressions[c].name : NULL;
}

const char *compression_suffix(enum compression c)
{
	return (size_t)c < ARRAY_SIZE(compressions) ? compressions[c].suffix : "";
}

bool xz_check_kernel_reads(unsigned check)
{
	return check == LZMA_CHECK_NONE || check == LZMA_CHECK_CRC32;
}

const char *xz_check_name(unsigned check)
{
	switch (check) {
	case LZMA_CHECK_NONE:
		return "none";
	case LZMA_CHECK_CRC32:
		return "CRC32";
	case LZMA_CHECK_CRC64:
		return "CRC64";
	case LZMA_CHECK_SHA256:
		return "SHA-256";
	default:
		return "unknown";
	}
}

int compression_max_level(enum compression c)
{
	switch (c) {
	case COMPRESSION_GZIP:
		return 9;
	case COMPRESSION_XZ:
		return 9;
	case COMPRESSION_ZSTD:
		return ZSTD_maxCLevel();
	default:
		return 0;
	}
}

static int gzip_buffer(int level, const void *data, size_t len, struct strbuf *out)
{
	z_stream z = { 0 };
	size_t start = out->len;
	int r;

	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
	if (deflateInit2(&z, level ?: GZIP_LEVEL, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)data;
	do {
		size_t chunk = len > UINT_MAX ? UINT_MAX : len;
		int flush = chunk == len ? Z_FINISH : Z_NO_FLUSH;

		z.avail_in = (uInt)chunk;
		len -= chunk;
		do {
			size_t room = deflateBound(&z, z.avail_in) + 64;

			strbuf_grow(out, room);
			z.next_out = (Bytef *)out->buf + out->len;
			z.avail_out = (uInt)(room > UINT_MAX ? UINT_MAX : room);
			r = deflate(&z, flush);
			strbuf_setlen(out, (size_t)((char *)z.next_out - out->buf));
			if (r == Z_STREAM_ERROR) {
				deflateEnd(&z);
				strbuf_setlen(out, start);
				return -EIO;
			}
		} while (z.avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
	} while (len);
	deflateEnd(&z);
	return 0;
}

static int xz_buffer(int level, const void *data, size_t len, struct strbuf *out)
{
	lzma_options_lzma lz;
	lzma_filter filters[] = {
		{ .id = LZMA_FILTER_LZMA2, .options = &lz },
		{ .id = LZMA_VLI_UNKNOWN, .options = NULL },
	};
	size_t bound, pos = out->len;
	lzma_ret r;

	if (lzma_lzma_preset(&lz, (uint32_t)(level ?: XZ_LEVEL)))
		return -EINVAL;
	lz.dict_size = XZ_DICT_SIZE;
	bound = lzma_stream_buffer_bound(len);
	if (!bound)
		return -EFBIG;
	strbuf_grow(out, bound);
	/* xz_check_kernel_reads: CRC32, which the kernel's XZ Embedded verifies */
	r = lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, NULL, data, len,
				      (uint8_t *)out->buf, &pos, out->len + bound);
	if (r != LZMA_OK)
		return r == LZMA_MEM_ERROR ? -ENOMEM : -EIO;
	strbuf_setlen(out, pos);
	return 0;
}

static int zstd_buffer(int level, const void *data, size_t len, struct strbuf *out)
{
	size_t bound = ZSTD_compressBound(len), n;
	ZSTD_CCtx *cctx;

	if (ZSTD_isError(bound))
		return -EFBIG;
	cctx = ZSTD_createCCtx();
	if (!cctx)
		return -ENOMEM;
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level ?: ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	strbuf_grow(out, bound);
	n = ZSTD_compress2(cctx, out->buf + out->len, bound, data, len);
	ZSTD_freeCCtx(cctx);
	if (ZSTD_isError(n))
		return -EIO;
	strbuf_setlen(out, out->len + n);
	return 0;
}

int compress_buffer(enum compression c, int level, const void *data, size_t len,
		    struct strbuf *out)
{
	if (level < 0 || level > compression_max_level(c))
		return -EINVAL;
	switch (c) {
	case COMPRESSION_DEFAULT:
	case COMPRESSION_NONE:
		strbuf_add(out, data, len);
		return 0;
	case COMPRESSION_GZIP:
		return gzip_buffer(level, data, len, out);
	case COMPRESSION_XZ:
		return xz_buffer(level, data, len, out);
	case COMPRESSION_ZSTD:
		return zstd_buffer(level, data, len, out);
	}
	return -EINVAL;
}
