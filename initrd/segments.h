/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"
#include "util/strv.h"

/*
 * An initramfs image as the kernel reads it (init/initramfs.c): a sequence
 * of members separated by runs of NUL bytes. A member is an uncompressed
 * newc cpio (it must start 4-byte aligned and ends at its TRAILER!!!) or one
 * compressed stream (gzip, bzip2, lzma, xz, lzo, legacy lz4, zstd; found by
 * its magic, as the kernel does) whose content is one or more cpio archives.
 * Splitting decodes every member, so it knows where each one ends.
 */
enum initrd_compression {
	INITRD_CPIO, /* uncompressed */
	INITRD_GZIP,
	INITRD_BZIP2,
	INITRD_LZMA,
	INITRD_XZ,
	INITRD_LZO,
	INITRD_LZ4, /* the legacy format (lz4 -l), the only one the kernel reads */
	INITRD_ZSTD,
};

const char *initrd_compression_name(enum initrd_compression c);

struct initrd_segment {
	size_t offset; /* first byte of the member in the image */
	size_t size;   /* its bytes in the image, padding not included */
	enum initrd_compression compression;
	char *data;    /* the cpio content: decoded, or a copy of the raw member */
	size_t data_len;
	size_t entries; /* cpio entries, trailers not counted */
};

struct initrd_image {
	struct initrd_segment *segments;
	size_t n;
	size_t size;          /* bytes in the image */
	size_t end;           /* end of the last member; only NULs follow */
	struct strv problems; /* readable here, refused by the kernel: "offset N: why" */
};

#define INITRD_IMAGE_INIT { NULL, 0, 0, 0, STRV_INIT }

/* Members larger than this when decoded are refused (-EFBIG): no image is that big. */
#define INITRD_MAX_UNPACKED ((size_t)2 << 30)

/*
 * Split and decode an image held in memory. On failure returns -EBADMSG
 * (damaged or truncated member, junk between members), -EOPNOTSUPP (lzo) or
 * -EFBIG, and says why in err as "offset N: ..." (N counts from the start of
 * the image). An empty image, or one of NULs only, has no segments.
 */
int initrd_split(const void *buf, size_t len, struct initrd_image *ret, struct strbuf *err);
/* The same for a file; err also says when the file cannot be read. */
int initrd_read(const char *path, struct initrd_image *ret, struct strbuf *err);
void initrd_image_release(struct initrd_image *img);

static inline void initrd_image_releasep(struct initrd_image *img)
{
	initrd_image_release(img);
}
#define _cleanup_initrd_image_ _cleanup_(initrd_image_releasep)
