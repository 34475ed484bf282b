/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "util/strv.h"

/*
 * Unpacking an image's entries under a directory without ever leaving it:
 * paths are checked (no ".." component, a leading "/" dropped), every parent
 * is opened with O_NOFOLLOW from the root's descriptor, so nothing is written
 * through a symlink, and symlinks that would point outside the tree are not
 * made. Entries that cannot be unpacked safely are skipped with a line in
 * problems ("<image>: <path>: why"); the readers (archives, FAT) share it.
 */
struct extract {
	int root_fd;
	const char *image;       /* the image's name, for problem lines */
	struct strv *problems;
	uint64_t total;          /* bytes written so far, against EXTRACT_MAX_TOTAL */
};

#define EXTRACT_MAX_TOTAL (4ULL << 30) /* a driver disk is never this large */

/* Create dir if need be and open it as the root. 0 or -errno. */
int extract_open(struct extract *x, const char *dir, const char *image, struct strv *problems);
void extract_close(struct extract *x);

/*
 * Each returns 0 when the entry was made or skipped (with a problem), or a
 * -errno for a failure that ends the unpacking (I/O, no space, too large).
 */
int extract_dir(struct extract *x, const char *path, mode_t perm);
/* A regular file; *ret_fd receives a descriptor to write its content to (-1 if skipped). */
int extract_file(struct extract *x, const char *path, mode_t perm, int *ret_fd);
int extract_symlink(struct extract *x, const char *path, const char *target);
/*
 * A hard link to an earlier file. When ret_fd is given it receives a
 * descriptor to the (shared) content, truncated, for archives that carry the
 * data on a later link (newc puts it on the last one).
 */
int extract_hardlink(struct extract *x, const char *path, const char *target, int *ret_fd);
/* Write content to a descriptor from extract_file, counting it against the limit. */
int extract_write(struct extract *x, int fd, const void *data, size_t len);
/* Record a problem "<image>: <fmt…>". */
void extract_problem(struct extract *x, const char *fmt, ...) _printf_(2, 3);
