/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * An exclusive lock on a DKMS tree (flock on the tree's directory). A second
 * run on the same tree waits; the kernel drops the lock when a process dies,
 * so a kill -9 never leaves the tree locked.
 */
struct dkms_lock {
	int fd;
};

#define DKMS_LOCK_INIT { -1 }

int dkms_lock_take(struct dkms_lock *lock, const char *tree);
void dkms_lock_release(struct dkms_lock *lock);

static inline void dkms_lock_releasep(struct dkms_lock *lock)
{
	dkms_lock_release(lock);
}
