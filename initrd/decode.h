/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "initrd/segments.h"
#include "util/strbuf.h"

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
 * where); -EOPNOTSUPP for a method not available here; -EFBIG when the
 * content grows past INITRD_MAX_UNPACKED.
 */
int decode_member(enum initrd_compression c, const void *in, size_t len, struct strbuf *out,
		  struct decoded *ret, struct strbuf *why);
