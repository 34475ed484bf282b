/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/*
 * "newc" cpio archives (magic 070701, or 070702 with a checksum) the way the
 * kernel's initramfs unpacker walks them: a 110-byte header, the NUL
 * terminated name padded to 4 bytes, the data padded to 4 bytes, until
 * "TRAILER!!!". Offsets count from the start of the buffer, which is where
 * the kernel counts alignment from.
 *
 * Written always with 070701 and check 0: the kernel reads 070702 too, but
 * linuxrc and older kernels take only 070701, and the checksum buys nothing
 * over the compression's own check.
 */
#define NEWC_HEADER_SIZE 110
#define NEWC_TRAILER "TRAILER!!!"
#define NEWC_MAGIC "070701"
#define NEWC_MAGIC_CRC "070702"

struct newc_entry {
	const char *name;  /* NUL-terminated, inside the buffer */
	uint32_t ino, mode, uid, gid, nlink, mtime, filesize;
	uint32_t devmajor, devminor, rdevmajor, rdevminor, check;
	const char *data;  /* filesize bytes inside the buffer (symlinks: the target) */
	size_t offset;     /* where the header starts */
	bool checksummed;  /* magic 070702 */
};

/* True if buf holds a newc magic ("070701" or "070702") at pos. */
bool newc_magic_at(const char *buf, size_t len, size_t pos);

/*
 * Parse the entry whose header starts at *pos and advance *pos past its
 * padded data. Returns 1 for an entry, 0 when it was the trailer (*pos then
 * points past it), -EBADMSG for a damaged or truncated header, a name
 * without its NUL, or data running past the end; the reason goes to err
 * (may be NULL) as "offset N: ...".
 */
int newc_next(const char *buf, size_t len, size_t *pos, struct newc_entry *ret,
	      struct strbuf *err);

/*
 * The header and name of the entry at start, without looking at its data
 * (which may not be in buf yet): 1 for an entry, 0 for the trailer, errors
 * as newc_next. ret->data is NULL; *ret_data_at is where the data (or, for
 * the trailer, what follows it) starts, 4-byte aligned counting from buf.
 */
int newc_header(const char *buf, size_t len, size_t start, struct newc_entry *ret,
		size_t *ret_data_at, struct strbuf *err);

/* The name size a header of NEWC_HEADER_SIZE bytes states, or -EBADMSG. */
int newc_name_size(const char *header, size_t *ret);

/*
 * Writing: one header (070701, uid/gid 0, check 0) and name, padded; the
 * caller adds filesize bytes of data and newc_pad4. start is where the
 * archive starts in out: padding counts from there.
 */
void newc_add_header(struct strbuf *out, size_t start, uint32_t ino, uint32_t mode,
		     uint32_t nlink, uint32_t mtime, uint32_t filesize, const char *name);
/* NULs up to the next 4-byte boundary counting from start. */
void newc_pad4(struct strbuf *out, size_t start);
/* The closing TRAILER!!! entry. */
void newc_add_trailer(struct strbuf *out, size_t start);
