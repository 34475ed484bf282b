// SPDX-License-Identifier: GPL-2.0-or-later
/* Opening paths beneath a tree's root (beneath.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "beneath.h"
#include "fileio.h"
#include "strbuf.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC)

static bool use_openat2(void)
{
	const char *no = getenv("DKMS_BENEATH_NO_OPENAT2");

	return !(no && streq(no, "1"));
}

/* rel beneath root_fd: openat2, or -ENOSYS. */
static int open_openat2(int root_fd, const char *rel)
{
	struct open_how how = {
		.flags = DIR_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!use_openat2())
		return -ENOSYS;
	do
		fd = syscall(SYS_openat2, root_fd, *rel ? rel : ".", &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : (int)fd;
}

/* One component with O_NOFOLLOW: a symlink on the way is refused. */
static int open_component(int dir_fd, const char *name)
{
	int fd;

	if (streq(name, ".."))
		return -EXDEV;
	fd = openat(dir_fd, name, DIR_FLAGS | O_NOFOLLOW);
	if (fd >= 0)
		return fd;
	if (errno == ELOOP)
		return -EXDEV;
	if (errno == ENOTDIR) {
		struct stat st;

		/* a symlink to a directory gives ENOTDIR with O_DIRECTORY|O_NOFOLLOW */
		if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			return -EXDEV;
		return -ENOTDIR;
	}
	return -errno;
}

int beneath_open_dir(int root_fd, const char *rel, bool create, mode_t mode)
{
	_cleanup_free_ char *copy = xstrdup(rel);
	_cleanup_strbuf_ struct strbuf prefix = STRBUF_INIT;
	int fd, r;
	char *save = NULL;

	/* the whole path at once when nothing needs making */
	fd = open_openat2(root_fd, rel);
	if (fd >= 0 || (fd != -ENOSYS && (fd != -ENOENT || !create)))
		return fd == -ELOOP ? -EXDEV : fd;

	fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;

		if (streq(c, "."))
			continue;
		strbuf_addf(&prefix, "%s%s", prefix.len ? "/" : "", c);
		next = open_openat2(root_fd, prefix.buf);
		if (next == -ENOSYS)
			next = open_component(fd, c);
		if (next == -ENOENT && create) {
			/* fd was opened beneath root: what is made in it is too */
			if (mkdirat(fd, c, mode) < 0 && errno != EEXIST) {
				r = -errno;
				close(fd);
				return r;
			}
			next = open_openat2(root_fd, prefix.buf);
			if (next == -ENOSYS)
				next = open_component(fd, c);
		}
		close(fd);
		if (next < 0)
			return next == -ELOOP ? -EXDEV : next;
		fd = next;
	}
	return fd;
}

/* path relative to root, or NULL when it is not under root. */
static const char *rel_of(const char *root, const char *path)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	path += n;
	while (*path == '/')
		path++;
	return path;
}

/* Open path's parent beneath root; *ret_name: the last component (in buf). */
static int open_parent(const char *root, const char *path, bool create, char **buf,
		       const char **ret_name)
{
	const char *rel = rel_of(root, path);
	_cleanup_close_ int root_fd = -1;
	char *slash;
	size_t len;

	if (!rel || !*rel)
		return -EXDEV;
	*buf = xstrdup(rel);
	len = strlen(*buf);
	while (len > 0 && (*buf)[len - 1] == '/')
		(*buf)[--len] = '\0';
	slash = strrchr(*buf, '/');
	if (slash) {
		*slash = '\0';
		*ret_name = slash + 1;
	} else {
		*ret_name = *buf;
	}
	if (streq(*ret_name, "..") || streq(*ret_name, "."))
		return -EXDEV;
	root_fd = open(root, DIR_FLAGS);
	if (root_fd < 0)
		return -errno;
	return beneath_open_dir(root_fd, slash ? *buf : "", create, 0755);
}

int beneath_open_path(const char *root, const char *path, bool create, mode_t mode)
{
	const char *rel = rel_of(root, path);
	_cleanup_close_ int root_fd = -1;
	int r;

	if (!rel)
		return -EXDEV;
	if (create && !is_dir(root)) {
		r = mkdir_p(root, mode);
		if (r < 0)
			return r;
	}
	root_fd = open(root, DIR_FLAGS);
	if (root_fd < 0)
		return -errno;
	return beneath_open_dir(root_fd, rel, create, mode);
}

int beneath_mkdir_p(const char *root, const char *path, mode_t mode)
{
	int fd = beneath_open_path(root, path, true, mode);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int open_dir_p(const char *path, mode_t mode)
{
	int r = mkdir_p(path, mode);

	if (r < 0)
		return r;
	r = open(path, DIR_FLAGS);
	return r < 0 ? -errno : r;
}

int beneath_open_file(const char *root, const char *path, int flags, mode_t mode)
{
	_cleanup_free_ char *buf = NULL;
	const char *name = NULL;
	_cleanup_close_ int dir_fd = open_parent(root, path, flags & O_CREAT, &buf, &name);
	int fd;

	if (dir_fd < 0)
		return dir_fd;
	fd = openat(dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == ELOOP ? -EXDEV : -errno;
	return fd;
}

int mkstemp_at(int dir_fd, const char *name, const char *suffix, char **ret)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

	for (int tries = 0; tries < 100; tries++) {
		unsigned char rnd[6];
		char *tmp;
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -errno;
		tmp = xasprintf("%s%s%c%c%c%c%c%c", name, suffix, chars[rnd[0] % 62], chars[rnd[1] % 62],
				chars[rnd[2] % 62], chars[rnd[3] % 62], chars[rnd[4] % 62], chars[rnd[5] % 62]);
		fd = openat(dir_fd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			*ret = tmp;
			return fd;
		}
		free(tmp);
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int copy_file_into(int dir_fd, const char *name, const char *src, mode_t mode)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
	_cleanup_free_ char *tmp = NULL;
	char buf[65536];
	ssize_t n;
	int r = 0;

	if (in < 0)
		return -errno;
	/* copy_file's temp name: remove_stale_temps finds what a killed run left */
	out = mkstemp_at(dir_fd, name, ".tmp", &tmp);
	if (out < 0)
		return out;
	while (!r && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0)
			r = errno == EINTR ? 0 : -errno;
		else
			r = write_all(out, buf, (size_t)n);
	}
	if (!r && fchmod(out, mode & 07777) < 0)
		r = -errno;
	if (!r) {
		int cr = close(out);

		out = -1;
		if (cr < 0)
			r = -errno;
	}
	/* renamed within dir_fd: the name it lands on is never followed */
	if (!r && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = -errno;
	if (r)
		unlinkat(dir_fd, tmp, 0);
	return r;
}

int move_file_into(int dir_fd, const char *name, const char *src)
{
	struct stat st;
	int r;

	if (renameat(AT_FDCWD, src, dir_fd, name) == 0)
		return 0;
	if (errno != EXDEV)
		return -errno;
	if (stat(src, &st) < 0)
		return -errno;
	r = copy_file_into(dir_fd, name, src, st.st_mode);
	if (r < 0)
		return r;
	if (unlink(src) < 0) {
		r = -errno;
		unlinkat(dir_fd, name, 0); /* one copy, where it was */
		return r;
	}
	return 0;
}

int symlink_into(int dir_fd, const char *name, const char *target)
{
	_cleanup_free_ char *tmp = xasprintf("%s.dkms-new", name);

	unlinkat(dir_fd, tmp, 0);
	if (symlinkat(target, dir_fd, tmp) < 0)
		return -errno;
	if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
		int r = -errno;

		unlinkat(dir_fd, tmp, 0);
		return r;
	}
	return 0;
}

/* fn on path's last component, in its parent opened beneath root; a missing parent is nothing to do. */
static int at_parent(const char *root, const char *path, int (*fn)(int dir_fd, const char *name))
{
	_cleanup_free_ char *buf = NULL;
	const char *name = NULL;
	_cleanup_close_ int fd = open_parent(root, path, false, &buf, &name);

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	return fn(fd, name);
}

static int unlink_at(int dir_fd, const char *name)
{
	return unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
}

int beneath_rm_rf(const char *root, const char *path)
{
	return at_parent(root, path, rm_rf_at);
}

int beneath_unlink(const char *root, const char *path)
{
	return at_parent(root, path, unlink_at);
}

int beneath_check(const char *root, const char *path)
{
	_cleanup_free_ char *buf = NULL;
	const char *name = NULL;
	_cleanup_close_ int fd = open_parent(root, path, false, &buf, &name);

	return fd < 0 ? fd : 0;
}

void remove_stale_temps_at(int dir_fd, const char *prefix)
{
	int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		/* mkstemp's and mkdtemp's six characters after the prefix */
		if (strncmp(de->d_name, prefix, plen) != 0 || strlen(de->d_name) != plen + 6)
			continue;
		rm_rf_at(dir_fd, de->d_name);
	}
	closedir(d);
}
