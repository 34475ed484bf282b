/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

/*
 * Compression the way kernels and installers can read it: gzip (-9), xz with
 * a CRC32 check and a 1 MiB dictionary (the kernel's XZ Embedded refuses
 * CRC64), zstd. Kernel-side lz4 must be legacy lz4; it is read, not written.
 */
enum compression {
	COMPRESSION_DEFAULT,
	COMPRESSION_NONE,
	COMPRESSION_GZIP,
	COMPRESSION_XZ,
	COMPRESSION_ZSTD,
};

/*
 * The integrity check of an xz stream (its header's check ID, liblzma's
 * lzma_check: 0 none, 1 CRC32, 4 CRC64, 10 SHA-256). The kernel's XZ
 * Embedded verifies CRC32 or nothing and refuses the rest, CRC64 (xz's and
 * libarchive's default) too: xz for the kernel is written with CRC32.
 */
bool xz_check_kernel_reads(unsigned check);
/* "none", "CRC32", "CRC64", "SHA-256" or "unknown" (static). */
const char *xz_check_name(unsigned check);

int compression_from_name(const char *name, enum compression *ret);
const char *compression_name(enum compression c);
/* ".gz", ".xz", ".zst" or "" */
const char *compression_suffix(enum compression c);
/*
 * Levels as the tools count them (gzip and xz 1-9, zstd 1-19 and beyond);
 * COMPRESS_LEVEL_DEFAULT is -9 for gzip, -6 for xz, -19 for zstd: what a
 * disk or an image written once should get. A fragment made on every
 * install wants a fast level instead (zstd 3).
 */
#define COMPRESS_LEVEL_DEFAULT 0
/* The highest level c takes; 0 for none and default, which take only COMPRESS_LEVEL_DEFAULT. */
int compression_max_level(enum compression c);
/*
 * Append the compressed form of data to out (COMPRESSION_DEFAULT and
 * COMPRESSION_NONE: the bytes as they are). 0, -EINVAL for a level out of
 * range, or -errno.
 */
int compress_buffer(enum compression c, int level, const void *data, size_t len,
		    struct strbuf *out);
