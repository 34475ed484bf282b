/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/*
 * Paths that must stay inside a tree (the DKMS tree, the source tree, the
 * install tree), however the tree's contents are linked. Every directory on
 * the way is opened beneath the tree's root with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS): a symlink inside the tree may point elsewhere
 * inside it, but one that leads out (absolute, or "..") fails with -EXDEV.
 * Where openat2 is missing (ENOSYS: kernels before 5.6) each component is
 * opened with O_NOFOLLOW instead, which refuses every symlink on the way
 * (-EXDEV too). DKMS_BENEATH_NO_OPENAT2=1 in the environment takes that
 * path on any kernel, for the tests.
 *
 * root is the tree's own path (followed if it is a symlink: the admin chose
 * it); path is an absolute path inside it (root + "/" + the rest), as the
 * callers build them. A path that is not under root gives -EXDEV.
 * The last component itself is never followed: it is made, removed or
 * checked as it is.
 */

/* Open the directory rel (relative, may be "") beneath root_fd; create: mkdir what is missing. */
int beneath_open_dir(int root_fd, const char *rel, bool create, mode_t mode);
/*
 * Open the directory path (under root) beneath root: its fd; create: mkdir -p
 * what is missing (root too). -EXDEV when it leads out.
 */
int beneath_open_path(const char *root, const char *path, bool create, mode_t mode);
/* mkdir -p path (every component beneath root); root is made too when missing. */
int beneath_mkdir_p(const char *root, const char *path, mode_t mode);
/* mkdir -p path and open it, by path: for a place the admin named (--archive). */
int open_dir_p(const char *path, mode_t mode);
/*
 * open(path, flags, mode) with its parent beneath root (made when flags has
 * O_CREAT) and the file itself never followed (O_NOFOLLOW): -EXDEV when
 * either leads out.
 */
int beneath_open_file(const char *root, const char *path, int flags, mode_t mode);
/* rm -rf path: its parent opened beneath root, nothing followed below it. 0 when missing. */
int beneath_rm_rf(const char *root, const char *path);
/* rm -f path (not a directory): 0 when missing. */
int beneath_unlink(const char *root, const char *path);
/*
 * 0 when path's parent directory resolves beneath root (path itself may be
 * missing); -ENOENT when the parent is missing; -EXDEV when it leads out.
 */
int beneath_check(const char *root, const char *path);

/*
 * Placing one file as name in a directory opened beneath its tree (dir_fd):
 * created and renamed relative to dir_fd, so a directory on the way swapped
 * for a symlink after it was opened cannot redirect the write, and a symlink
 * at name is replaced, not followed.
 */
/* "<name><suffix>XXXXXX" made new (O_EXCL, 0600) in dir_fd, as mkstemp would: its fd; the name in *ret. */
int mkstemp_at(int dir_fd, const char *name, const char *suffix, char **ret);
/* Copy src (a temp file <name>.tmpXXXXXX, as copy_file's) with mode, renamed over name. */
int copy_file_into(int dir_fd, const char *name, const char *src, mode_t mode);
/* Move src there: renameat, or a copy and unlink across file systems. */
int move_file_into(int dir_fd, const char *name, const char *src);
/* A symlink name -> target, through <name>.dkms-new renamed over name. */
int symlink_into(int dir_fd, const char *name, const char *target);
/* remove_stale_temps (fileio.h) in a directory opened beneath its tree. */
void remove_stale_temps_at(int dir_fd, const char *prefix);
