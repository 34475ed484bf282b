/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "util/strbuf.h"

/*
 * A payload: the files of a driver disk or initramfs fragment, in memory,
 * before any medium is chosen. Formats (formats/) produce payloads; media
 * writers (mkdisk/) turn them into images. Paths are relative ("a/b.ko",
 * never "/a" or "./a"); a file's content is either held in memory or read
 * from a file on disk when the medium is written.
 */
enum payload_kind {
	PAYLOAD_DIR,
	PAYLOAD_FILE,
	PAYLOAD_SYMLINK,
};

struct payload_entry {
	char *path;
	enum payload_kind kind;
	mode_t perm;    /* permission bits only (07777) */
	char *data;     /* PAYLOAD_FILE: content in memory, or NULL ... */
	size_t size;    /* ... its length (also set for source files) */
	char *source;   /* ... or the file on disk that holds it */
	char *target;   /* PAYLOAD_SYMLINK: link target */
};

struct payload {
	struct payload_entry *entries;
	size_t n;
	size_t alloc;
	time_t mtime; /* one timestamp for every entry (reproducible images) */
};

#define PAYLOAD_INIT { NULL, 0, 0, 0 }

void payload_release(struct payload *p);
static inline void payload_releasep(struct payload *p)
{
	payload_release(p);
}
#define _cleanup_payload_ _cleanup_(payload_releasep)

/*
 * Adding an entry replaces an earlier one with the same path. Missing
 * parent directories are added (mode 0755). Paths are normalised: leading
 * "/" and "./" and repeated "/" are dropped; ".." components are refused
 * (-EINVAL), as is an empty path.
 */
int payload_add_data(struct payload *p, const char *path, mode_t perm, const void *data,
		     size_t size);
int payload_add_str(struct payload *p, const char *path, mode_t perm, const char *s);
/* Content read from `source` when the image is written; size is taken now (stat). */
int payload_add_file(struct payload *p, const char *path, mode_t perm, const char *source);
int payload_add_dir(struct payload *p, const char *path, mode_t perm);
int payload_add_symlink(struct payload *p, const char *path, const char *target);
/* Every file, directory and symlink below dir, under prefix ("" for the root). */
int payload_add_tree(struct payload *p, const char *prefix, const char *dir);
/*
 * Drop the entry at path, only that one (what lies below a directory stays).
 * -ENOENT when there is none.
 */
int payload_remove(struct payload *p, const char *path);
/* Add all entries of src under prefix. */
int payload_merge(struct payload *p, const char *prefix, const struct payload *src);

/* The entry with this (normalised) path, or NULL. */
const struct payload_entry *payload_find(const struct payload *p, const char *path);
/*
 * Sort so that every directory comes before its contents and names are in
 * byte order within a directory; writers call it, and may rely on it.
 */
void payload_sort(struct payload *p);
/* The content of a file entry (read from its source if need be). */
int payload_entry_read(const struct payload_entry *e, struct strbuf *out);
/* Total size of file contents, for space checks and the FAT writer. */
size_t payload_content_size(const struct payload *p);
/* Write the payload out as a directory tree under dir (created). */
int payload_write_tree(const struct payload *p, const char *dir);
