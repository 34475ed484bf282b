/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/strv.h"

/*
 * Unpacking an archive's or an image's entries under a directory without
 * ever leaving it. The rules for one entry are here, once, for every
 * unpacker (dkms tarballs, which refuse the whole archive for one bad entry;
 * driver-disk images, which skip it with a problem line):
 *   - a name is taken with "./", "//", "." and a trailing "/" folded away;
 *     a ".." component is never unpacked (it would climb out of the root);
 *     a leading "/" is a name from the root of the archive, never of the
 *     machine: images drop it, tarballs (which dkms writes relative) refuse it;
 *   - a symlink's target is never absolute, never empty, and climbs no
 *     further than the link's own depth: every ".." comes first (each
 *     parent is a real directory made here), so following any link made
 *     here cannot leave the tree. An unpacker that has seen the whole tree
 *     (tarballs read in two passes) may instead resolve the target through
 *     the archive's own links, as the kernel would.
 *
 * The one writer, for images and tarballs alike: every parent is opened
 * with O_NOFOLLOW from the root's descriptor, so nothing is written through
 * a symlink, and links failing the rule are not made. Entries that cannot
 * be unpacked safely are skipped with a line in problems ("<image>: <path>:
 * why"); the image readers (archives, FAT, squashfs) go on, the tarball
 * extractor, which checked every entry first, treats one as a refusal.
 */

/* What extract_name found, as bits; the name is normalised whatever they say. */
enum {
	EXTRACT_NAME_ABSOLUTE = 1 << 0, /* a leading "/" (dropped) */
	EXTRACT_NAME_DOTDOT = 1 << 1,   /* a ".." component */
	EXTRACT_NAME_TOO_LONG = 1 << 2, /* PATH_MAX bytes or more once normalised */
};

/*
 * name normalised into *ret (allocated; "" for the root itself): "./a//b/"
 * and "/a/./b" give "a/b". Returns 0 or EXTRACT_NAME_* bits.
 */
unsigned extract_name(const char *name, char **ret);

/* Why a symlink target breaks the rule above, or EXTRACT_LINK_OK. */
enum extract_link {
	EXTRACT_LINK_OK,
	EXTRACT_LINK_EMPTY,
	EXTRACT_LINK_ABSOLUTE,
	EXTRACT_LINK_TOO_LONG, /* PATH_MAX bytes or more */
	EXTRACT_LINK_CLIMBS,   /* a ".." after a name, or more of them than norm's parents */
};

/* The rule for a link at norm (extract_name's form) pointing at target. */
enum extract_link extract_link_check(const char *norm, const char *target);
struct extract {
	int root_fd;
	const char *image;       /* the image's name, for problem lines */
	struct strv *problems;
	uint64_t total;          /* bytes written so far, against max_total */
	uint64_t max_total;      /* EXTRACT_MAX_TOTAL unless the unpacker sets its own */
	/*
	 * The caller has resolved every symlink through the archive's own tree
	 * (tarballs, read twice): extract_symlink then leaves out the climbing
	 * rule, still refusing empty, absolute and too long targets.
	 */
	bool links_resolved;
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
/* The same at offset off: what lies between blocks written so stays a hole (sparse files). */
int extract_write_at(struct extract *x, int fd, const void *data, size_t len, uint64_t off);
/* Record a problem "<image>: <fmt…>". */
void extract_problem(struct extract *x, const char *fmt, ...) _printf_(2, 3);
