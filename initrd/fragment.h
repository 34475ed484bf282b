/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "initrd/segments.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "util/strv.h"

/*
 * Appending a fragment (a compressed cpio) to an initrd, and taking it off
 * again byte for byte. The image is never changed in place: the new bytes
 * are written to a temp file beside it, synced and renamed over it, so a
 * kill or a full disk leaves the old image whole. A state file records the
 * image's length and SHA-256 before the append and the bytes added; removal
 * checks both and truncates back to exactly the original bytes. The
 * fragment itself is codec/cpio.h's cpio_pack of a payload.
 */

/* What an append recorded. */
struct fragment_state {
	uint64_t original_size;
	char original_sha256[SHA256_HEX_SIZE];
	uint64_t added_size; /* NUL padding + the fragment */
	char added_sha256[SHA256_HEX_SIZE];
};

/*
 * Append fragment to image and record the state in state_path (replaced).
 * The image must read as the kernel reads it (every member decodes); it is
 * padded with NULs to a 4-byte boundary first (more after a legacy lz4
 * member, which only a zero word ends). The fragment must itself be one
 * the kernel can unpack. Returns 0, or -errno with the reason in err:
 * -EBADMSG (the image or the fragment is damaged), -ENOSPC, -EACCES, ...
 */
int initrd_fragment_append(const char *image, const void *fragment, size_t len,
			   const char *state_path, struct strbuf *err);

/*
 * The same for an image the caller has read and split already: bytes are
 * the image file's content (what is written back before the fragment) and
 * img is initrd_split() of exactly those bytes, so nothing is read or
 * decoded again.
 */
int initrd_fragment_append_read(const char *image, const void *bytes, size_t bytes_len,
				const struct initrd_image *img, const void *fragment, size_t len,
				const char *state_path, struct strbuf *err);

/*
 * Take the recorded fragment off image and remove state_path. Refuses
 * (-ESTALE, image untouched) when the image's first original_size bytes are
 * not the recorded ones, or when anything but the recorded fragment follows
 * them. An image already back at its original bytes is fine (0): the state
 * file is removed. -ENOENT when there is no state file.
 */
int initrd_fragment_remove(const char *image, const char *state_path, struct strbuf *err);

/*
 * The kernel's rules for a fragment held in memory, each broken one as a
 * line in problems ("offset N: ..." or "<path>: ..."): every member
 * decodes (xz with a CRC32 check or none), newc 070701 only (070702 is
 * refused by older kernels), each archive ends with TRAILER!!!, and every
 * entry's parent directory comes before it in the fragment (the kernel
 * creates no parents) unless the parent is a top-level one every initrd
 * has, and there is no directory entry for lib, bin, sbin, lib64 ... (it
 * would replace a merged-/usr initrd's lib -> usr/lib link). Returns 0
 * (problems or not) or -errno.
 */
int initrd_fragment_check(const void *fragment, size_t len, struct strv *problems);

/* NULs before a fragment on img: to a 4-byte boundary, and a zero word after legacy lz4. */
size_t initrd_fragment_padding(const struct initrd_image *img);

/* Read a state file. 0, -ENOENT, or -EBADMSG for one that is not ours. */
int fragment_state_read(const char *path, struct fragment_state *ret);
