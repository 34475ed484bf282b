// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lock.h"

int dkms_lock_take(struct dkms_lock *lock, const char *tree)
{
	/* flock on the directory itself: no lock file appears in the tree */
	int fd = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int r = -errno;
			close(fd);
			return r;
		}
	}
	lock->fd = fd;
	return 0;
}

void dkms_lock_release(struct dkms_lock *lock)
{
	if (lock->fd >= 0) {
		close(lock->fd);
		lock->fd = -1;
	}
}
