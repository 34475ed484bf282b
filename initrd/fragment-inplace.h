/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "initrd/fragment.h"
#include "util/strbuf.h"
#include "util/strv.h"

/*
 * dkms's fragment changed in place, with the record beside the image
 * (<image>.dkms-fragment, fragment.h) as the journal of the change: the
 * image is never copied. The record's original_size is the truncation
 * point: what is before it is the original and is never written.
 *
 * An append writes the record first with state=pending (the new
 * fragment's length, SHA-256 and modules; written to a temp file, synced,
 * renamed), reserves the blocks the new fragment needs from the truncation
 * point on (beyond the end, not counted in the length), writes the padding
 * and the fragment there over the old one, ends the file after it, syncs
 * it, and rewrites the record as state=done with the image's key (below).
 * A kill leaves a pending record: fragment_settle() finds the write done
 * (the bytes after the original are the recorded ones) or cuts the image
 * back to the original; the record then keeps the modules meant for the
 * fragment (added_size 0), and the interrupted transaction's recovery
 * (transaction.h) makes the change again. A write that fails (ENOSPC)
 * cuts the image back, puts the previous fragment back on and the
 * previous record back, byte for byte.
 *
 * The image's key, "<dev>:<ino>:<size>:<mtime>:<ctime>:<sha256>", names
 * its content without reading all of it: any write to the file moves its
 * ctime, which no program can set back, and the SHA-256 over its first
 * and last 64 KiB covers, in the last bytes, the trailing checksum of the
 * last compressed member (gzip's CRC-32, xz's check, zstd's) for the file
 * systems whose timestamps are coarse (vfat) or that reuse inode numbers.
 * A record whose key is the image's says the image is as dkms left it;
 * then nothing of it is read.
 */

/* The record with what the in-place change adds to it. */
struct fragment_record {
	struct fragment_state s;
	bool pending;         /* a change was under way */
	bool have_padding;
	size_t padding;       /* NULs between the original and the fragment */
	char *key;            /* the image's key after the change, or NULL */
	bool have_modules;    /* written by an in-place change (else: read the fragment) */
	struct strv names;    /* the fragment's modules (same index) ... */
	struct strv relpaths; /* ... by path under lib/modules/<kernel>/ */
};

#define FRAGMENT_RECORD_INIT { { 0 }, false, false, 0, NULL, false, STRV_INIT, STRV_INIT }

/* 0, -ENOENT, -EBADMSG for a record that is not ours, or -errno. */
int fragment_record_read(const char *path, struct fragment_record *ret);
void fragment_record_release(struct fragment_record *r);

/* The key of the file open at fd (allocated), or NULL with errno set. */
char *image_key_fd(int fd);
char *image_key(const char *path);

/*
 * Put padding NULs and fragment after the first original_size bytes of
 * image (whose SHA-256 is original_sha256: the caller knows them for the
 * image as it is now), in place of anything after them; names/relpaths
 * are the fragment's modules. On success *ret_key (may be NULL) is the
 * image's new key. 0, or -errno with the reason in err; the image and the
 * record are then as they were.
 */
int fragment_append_in_place(const char *image, const char *state_path, uint64_t original_size,
			     const char *original_sha256, size_t padding, const void *fragment, size_t len,
			     const struct strv *names, const struct strv *relpaths, char **ret_key,
			     struct strbuf *err);

/*
 * image is the recorded original followed by the recorded fragment, as
 * read now (all of it is read and hashed: for an image whose key is not
 * the record's).
 */
bool fragment_verify(const char *image, const struct fragment_record *rec);

/*
 * Cut image back to its first original_size bytes and remove the record.
 * The caller knows that the image is the original followed by dkms's
 * fragment (its key is the record's, or fragment_verify). 0 or -errno with err.
 */
int fragment_strip_in_place(const char *image, const char *state_path, uint64_t original_size,
			    char **ret_key, struct strbuf *err);

/*
 * What a killed in-place change left: a pending record. Done when the
 * bytes after the original are the recorded fragment; else the image is
 * cut back to the original (when its first bytes are the recorded ones:
 * else the record is stale and removed). 1 when it did something, 0 when
 * there was nothing to settle, -errno with err.
 */
int fragment_settle(const char *image, const char *state_path, struct strbuf *err);
