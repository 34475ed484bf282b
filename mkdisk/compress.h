/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

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

int compression_from_name(const char *name, enum compression *ret);
const char *compression_name(enum compression c);
/* ".gz", ".xz", ".zst" or "" */
const char *compression_suffix(enum compression c);
/* Append the compressed form of data to out. 0 or -errno. */
int compress_buffer(enum compression c, const void *data, size_t len, struct strbuf *out);
