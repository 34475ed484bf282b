/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One private temp dir per run: <base>/dkms-run.<pidns>.<pid>.<start>, mode
 * 0700, where start is the process's start time (field 22 of
 * /proc/<pid>/stat) and pidns the inode of its pid namespace, so that a
 * reused pid, or a run in another container sharing the same /tmp, is never
 * taken for this one. Every temp file of the run lives beneath it; the run
 * removes it when it ends, and the next run removes those of runs that were
 * killed.
 */

/*
 * Create the run's dir under base. Returns the allocated path, or NULL with
 * errno set (base not writable: the caller keeps using base itself).
 */
char *runtmp_create(const char *base);

/*
 * Remove the dirs under base of runs whose process is gone: only entries
 * named as above, real directories (never through a symlink) owned by this
 * uid, whose pid is not running or runs with another start time.
 */
void runtmp_sweep(const char *base);
