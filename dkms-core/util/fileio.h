/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "strbuf.h"

/* Whole-file and tree helpers. All return 0 or a negative errno. */
int read_file(const char *path, struct strbuf *out);
/* write(2) until all of data is written (EINTR retried). */
int write_all(int fd, const void *data, size_t len);
/* pwrite(2) of all of data at off, the file offset left alone. */
int pwrite_all(int fd, const void *data, size_t len, uint64_t off);
/* Write via a temp file in the same directory, fsync, then rename. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
int write_file_str(const char *path, const char *s);
int mkdir_p(const char *path, mode_t mode);
int rm_rf(const char *path);
/* rm -rf of name in directory parent, never following a symlink. */
int rm_rf_at(int parent, const char *name);
/*
 * Remove what a killed run left of its temp files: entries of dir named
 * <prefix>XXXXXX (mkstemp/mkdtemp). Only call it holding the tree's lock.
 */
void remove_stale_temps(const char *dir, const char *prefix);
/* Copy a file, keeping its mode; the target is replaced atomically. */
int copy_file(const char *src, const char *dst);
/* The same with mode perm, less the umask (installed modules: 0644). */
int copy_file_perm(const char *src, const char *dst, mode_t perm);
/* The process's umask, read without changing it. */
mode_t current_umask(void);
/*
 * The mode a file or directory of package content gets whatever its source
 * said: 0755 for directories and anything executable, else 0644, less the
 * umask. No set-id, sticky or group/world write bits survive.
 */
mode_t sane_mode(mode_t mode);
/* mv of one file: rename, or copy and unlink across file systems. */
int move_file(const char *src, const char *dst);
/*
 * cp -a of a directory's contents into dst (created if needed), except that
 * modes are made sane (sane_mode): package source never brings world-writable
 * or set-id files along.
 */
int copy_tree(const char *src, const char *dst);
/* rmdir the directory and then each empty parent up to (not including) stop. */
void rmdir_parents(const char *path, const char *stop);
/* find <dir> -type d -empty -delete: true when dir itself was removed. */
bool rmdir_empty_tree(const char *dir);
/* 1 if both files hold the same bytes, 0 if not, <0 on error. */
int files_equal(const char *a, const char *b);
/* Number of entries in a directory other than . and .., or <0. */
int dir_count_entries(const char *path);

bool is_dir(const char *path);     /* follows symlinks */
bool is_file(const char *path);    /* regular file, follows symlinks */
bool is_symlink(const char *path); /* the path itself is a link */
bool path_exists(const char *path);
bool is_executable(const char *path);

/* Canonical absolute path (realpath), or NULL with errno set. */
char *canonical_path(const char *path);
/* Target of a symlink, or NULL. */
char *read_link(const char *path);

/* Look a program up in PATH; returns an allocated path or NULL. */
char *find_program(const char *name);
