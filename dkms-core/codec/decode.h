/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "util/strbuf.h"

/*
 * The compressions of an initramfs member, each found by its magic as the
 * kernel's unpacker (init/initramfs.c, lib/decompress.c) finds it.
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

/*
 * Decoding one compressed initramfs member: exactly one stream (one gzip
 * member, one xz stream, one zstd frame, one bzip2 stream, one lzma_alone
 * stream, or legacy lz4 blocks up to a zero word or the end), stopping where
 * the kernel's decompressor stops, so the caller knows where the next member
 * may start.
 */
struct decoded {
	size_t consumed;     /* bytes of input the stream took */
	size_t error_at;     /* on failure: offset in the input near the damage */
	const char *problem; /* decoded, but the kernel would refuse it (static text), or NULL */
};

/*
 * Append the decoded bytes of the stream at the start of in to out. Returns
 * 0; -EBADMSG for damaged or truncated data (why says what, ret->error_at
 * where); -EOPNOTSUPP for a method not available here; -EFBIG when out
 * would grow past cap bytes.
 */
int decode_member(enum initrd_compression c, const void *in, size_t len, size_t cap,
		  struct strbuf *out, struct decoded *ret, struct strbuf *why);

/* Where decode_member_stream hands the decoded bytes, a piece at a time. */
struct decode_sink {
	int (*write)(void *data, const char *buf, size_t len); /* <0: stop with that */
	void *data;
};

/*
 * The same, but the decoded bytes go to sink in pieces of about 1 MiB as
 * they come, and only one piece is held: no cap is needed. *ret_size: the
 * bytes handed over. A negative return of the sink is returned as it is.
 */
int decode_member_stream(enum initrd_compression c, const void *in, size_t len,
			 const struct decode_sink *sink, size_t *ret_size, struct decoded *ret,
			 struct strbuf *why);
