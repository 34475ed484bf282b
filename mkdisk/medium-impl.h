/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "codec/extract.h"
#include "mkdisk/medium.h"

/*
 * Between medium.c (dispatch, atomic output, identification) and the file
 * of each medium. Writers get a fresh temp file (fd and path); readers an
 * open image and the extraction root.
 */
int iso_write(const struct payload *p, const struct medium_opts *o, int fd);
/* Rock Ridge in the root directory's system-use area, a Joliet supplementary descriptor. */
int iso_probe(int fd, bool *ret_rock_ridge, bool *ret_joliet);
/* -EBADMSG, *ret_why set, when a directory extent lies outside the image or is too big. */
int iso_check_bounds(int fd, uint64_t image_size, char **ret_why);

int tar_write(const struct payload *p, const struct medium_opts *o, int fd);
int cpio_medium_write(const struct payload *p, const struct medium_opts *o, int fd);
int squashfs_write(const struct payload *p, const struct medium_opts *o, const char *path);

/* cpio, tar (any compression) or iso9660 through libarchive, into x. */
int archive_unpack(int fd, struct extract *x, bool *ret_saw_pax);
int squashfs_unpack(const char *image, struct extract *x);

struct archive;
/* One libarchive entry per payload entry (sorted), uid/gid 0, the payload's mtime. */
int archive_add_payload(struct archive *a, const struct payload *p);
/* libarchive's error as a -errno (-EIO when it has none). */
int archive_errno_of(struct archive *a);

/* write(2) until done; 0 or -errno (ENOSPC, EFBIG ...). */
