/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/strv.h"

/*
 * modules.cgz of a legacy Red Hat driver disk, read the way the RHEL 4/5
 * loader reads it (isys/uncpio.c): gzip, then cpio entries with the newc
 * (070701) or crc (070702) magic up to TRAILER!!!.
 */
struct cgz_listing {
	char magic[7];      /* of the first entry: "070701", "070702" */
	bool trailer;       /* a TRAILER!!! entry ends the archive */
	struct strv files;  /* regular files' names, as stored */
};

/*
 * 0; -EMEDIUMTYPE when data is not gzip; -EBADMSG when the gzip stream or a
 * cpio header is damaged, or an entry has another magic (why says which,
 * when why is not NULL: one line, allocated).
 */
int cgz_list(const void *data, size_t len, struct cgz_listing *ret, char **why);
void cgz_listing_release(struct cgz_listing *l);
