/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "formats/payload.h"
#include "util/strbuf.h"

/*
 * cpio "newc" (magic 070701, check 0), as the kernel's initramfs unpacker,
 * linuxrc and dracut read it: entries sorted so that directories precede
 * their contents, uid/gid 0, the payload's mtime, and a closing TRAILER!!!.
 * Headers and data are padded to 4 bytes; the archive is not padded to 512.
 * Appends to out. 0 or -errno.
 */
int cpio_write_payload(const struct payload *p, struct strbuf *out);
