/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "codec/compress.h"
#include "codec/payload.h"
#include "util/strbuf.h"

/*
 * A payload as a cpio "newc" archive (newc.h), as the kernel's initramfs
 * unpacker, linuxrc, the Red Hat loader and dracut read it: entries sorted
 * so that directories precede their contents, uid/gid 0, the payload's
 * mtime, and a closing TRAILER!!!. Headers and data are padded to 4 bytes;
 * the archive is not padded to 512. Appends to out. 0 or -errno.
 */
int cpio_write_payload(const struct payload *p, struct strbuf *out);

/*
 * The archive compressed with c at level (compress.h), appended to out:
 * what an initramfs fragment, a cpio medium and modules.cgz are.
 * COMPRESSION_DEFAULT is gzip, which every kernel and installer reads;
 * COMPRESSION_NONE the archive as it is. 0 or -errno.
 */
int cpio_pack(const struct payload *p, enum compression c, int level, struct strbuf *out);

/*
 * Merged-/usr initrds (Debian's, dracut's) have bin, sbin, lib, lib32,
 * lib64 and libx32 as links into usr/. The kernel's unpacker removes an
 * existing entry of another type before it makes one, so a directory entry
 * of such a name in an archive appended to the initrd replaces the link and
 * hides everything below it. True for those names (a normalised path).
 */
bool cpio_replaces_usr_link(const char *path);
/*
 * Leave such directory entries out of a payload meant to be appended to an
 * initrd: every initrd has those directories, and the entries below them
 * resolve through the links.
 */
void cpio_drop_usr_link_dirs(struct payload *p);
