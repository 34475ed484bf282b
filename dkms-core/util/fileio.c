// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "failpoint.h"
#include "fileio.h"
#include "strv.h"

int read_file(const char *path, struct strbuf *out)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		strbuf_add(out, buf, (size_t)n);
	}
	if (!out->alloc)
		strbuf_grow(out, 0); /* so that buf is heap memory */
	return 0;
}

/* write(2), or pwrite(2) at off when off >= 0, until all of data is written. */
static int write_loop(int fd, const char *p, size_t len, int64_t off)
{
	if (len && failwrite_now())
		return -ENOSPC; /* a test hook: failpoint.h */
	if (off > INT64_MAX - (int64_t)len)
		return -EFBIG;
	while (len) {
		ssize_t n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		if (off >= 0)
			off += n;
	}
	return 0;
}

int write_all(int fd, const void *data, size_t len)
{
	return write_loop(fd, data, len, -1);
}

int pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
	if (off > (uint64_t)INT64_MAX)
		return -EFBIG;
	return write_loop(fd, data, len, (int64_t)off);
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmpXXXXXX", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (!r && fchmod(fd, mode) < 0)
		r = -errno;
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

int write_file_str(const char *path, const char *s)
{
	return write_file_atomic(path, s, strlen(s), 0644);
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0) {
		if (errno != EEXIST)
			return -errno;
		if (!is_dir(p))
			return -ENOTDIR;
	}
	return 0;
}

int rm_rf_at(int parent, const char *name)
{
	struct stat st;
	int fd, r = 0;
	DIR *d;
	struct dirent *de;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -errno : 0;

	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		int q = rm_rf_at(dirfd(d), de->d_name);
		if (q < 0 && !r)
			r = q;
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT && !r)
		r = -errno;
	return r;
}

int rm_rf(const char *path)
{
	return rm_rf_at(AT_FDCWD, path);
}

static int copy_range(int in, int out, off_t from, off_t to)
{
	char buf[65536];

	while (to < 0 || from < to) {
		size_t want = to < 0 || to - from > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)(to - from);
		ssize_t n = pread(in, buf, want, from);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = pwrite(out, buf + done, (size_t)(n - done), from + done);

			if (w < 0 && errno != EINTR)
				return -errno;
			if (w > 0)
				done += w;
		}
		from += n;
	}
	return 0;
}

/*
 * Copy in to out (both at offset 0). A file with holes (fewer blocks than
 * its size needs) is copied region by region (SEEK_DATA/SEEK_HOLE), so the
 * holes stay holes: a sparse 7 GiB file costs its data, not 7 GiB.
 */
static int copy_fd(int in, int out)
{
	struct stat st;
	off_t data, hole = 0;
	int r;

	if (fstat(in, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (off_t)st.st_blocks * 512 >= st.st_size)
		return copy_range(in, out, 0, -1);
	while (hole < st.st_size) {
		data = lseek(in, hole, SEEK_DATA);
		if (data < 0) {
			if (errno == ENXIO)
				break; /* only a hole is left */
			return copy_range(in, out, 0, -1); /* no SEEK_DATA here */
		}
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		r = copy_range(in, out, data, hole);
		if (r)
			return r;
	}
	return ftruncate(out, st.st_size) < 0 ? -errno : 0;
}

static int copy_file_mode(const char *src, const char *dst, mode_t mode, const struct stat *times)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int out = -1;
	int r;

	if (in < 0)
		return -errno;
	tmp = xasprintf("%s.tmpXXXXXX", dst);
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0)
		return -errno;
	r = copy_fd(in, out);
	if (!r && fchmod(out, mode & 07777) < 0)
		r = -errno;
	if (!r && times) {
		struct timespec ts[2] = { times->st_atim, times->st_mtim };
		futimens(out, ts);
	}
	if (!r && rename(tmp, dst) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

void remove_stale_temps(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t plen = strlen(prefix);

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		/* mkstemp's and mkdtemp's six characters after the prefix */
		if (strncmp(de->d_name, prefix, plen) != 0 || strlen(de->d_name) != plen + 6)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		rm_rf(p);
	}
	closedir(d);
}

mode_t current_umask(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return mask;
}

mode_t sane_mode(mode_t mode)
{
	mode_t perm = S_ISDIR(mode) || (mode & 0111) ? 0755 : 0644;

	return perm & ~current_umask();
}

int copy_file_perm(const char *src, const char *dst, mode_t perm)
{
	return copy_file_mode(src, dst, perm & 0777 & ~current_umask(), NULL);
}

int copy_file(const char *src, const char *dst)
{
	struct stat st;

	if (stat(src, &st) < 0)
		return -errno;
	return copy_file_mode(src, dst, st.st_mode, NULL);
}

int move_file(const char *src, const char *dst)
{
	int r;

	if (rename(src, dst) == 0)
		return 0;
	if (errno != EXDEV)
		return -errno;
	/* /var and /lib/modules often sit on different file systems */
	r = copy_file(src, dst);
	if (r < 0)
		return r;
	if (unlink(src) < 0) {
		r = -errno;
		unlink(dst); /* one copy, where it was */
		return r;
	}
	return 0;
}

int copy_tree(const char *src, const char *dst)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (stat(src, &st) < 0)
		return -errno;
	if (mkdir(dst, 0700) < 0 && errno != EEXIST)
		return -errno;
	d = opendir(src);
	if (!d)
		return -errno;
	while (!r && (de = readdir(d))) {
		_cleanup_free_ char *s = NULL, *t = NULL;
		struct stat est;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		s = xasprintf("%s/%s", src, de->d_name);
		t = xasprintf("%s/%s", dst, de->d_name);
		if (lstat(s, &est) < 0) {
			r = -errno;
			break;
		}
		if (S_ISDIR(est.st_mode)) {
			r = copy_tree(s, t);
		} else if (S_ISLNK(est.st_mode)) {
			_cleanup_free_ char *target = read_link(s);

			if (!target) {
				r = -errno;
				break;
			}
			unlink(t);
			if (symlink(target, t) < 0)
				r = -errno;
		} else if (S_ISREG(est.st_mode)) {
			r = copy_file_mode(s, t, sane_mode(est.st_mode), &est);
		}
		/* device nodes, fifos and sockets have no place in module source */
	}
	closedir(d);
	if (!r)
		chmod(dst, sane_mode(st.st_mode));
	return r;
}

void rmdir_parents(const char *path, const char *stop)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t stoplen = stop ? strlen(stop) : 0;

	for (;;) {
		char *slash;

		if (stop && (strlen(p) <= stoplen || strncmp(p, stop, stoplen) != 0))
			return;
		if (rmdir(p) < 0)
			return;
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			return;
		*slash = '\0';
	}
}

/* find <dir> -type d -empty -delete; true when dir itself went */
bool rmdir_empty_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (is_dir(p) && !is_symlink(p) && rmdir_empty_tree(p))
			continue;
		empty = false;
	}
	closedir(d);
	return empty && rmdir(dir) == 0;
}

int files_equal(const char *a, const char *b)
{
	_cleanup_strbuf_ struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	int r;

	r = read_file(a, &x);
	if (r < 0)
		return r;
	r = read_file(b, &y);
	if (r < 0)
		return r;
	return x.len == y.len && memcmp(x.buf, y.buf, x.len) == 0;
}

int dir_count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool is_symlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool is_executable(const char *path)
{
	return is_file(path) && access(path, X_OK) == 0;
}

char *canonical_path(const char *path)
{
	return realpath(path, NULL);
}

char *read_link(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	size_t size = 256;

	for (;;) {
		ssize_t n;

		strbuf_grow(&sb, size);
		n = readlink(path, sb.buf, sb.alloc - 1);
		if (n < 0) {
			strbuf_release(&sb);
			return NULL;
		}
		if ((size_t)n < sb.alloc - 1) {
			strbuf_setlen(&sb, (size_t)n);
			return strbuf_detach(&sb);
		}
		size *= 2;
	}
}

char *find_program(const char *name)
{
	const char *path = getenv("PATH");
	struct strv dirs = STRV_INIT;
	char *found = NULL;

	if (strchr(name, '/'))
		return is_executable(name) ? xstrdup(name) : NULL;
	strv_split(&dirs, path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", ":");
	for (size_t i = 0; i < dirs.n && !found; i++) {
		char *p = xasprintf("%s/%s", dirs.v[i], name);

		if (is_executable(p))
			found = p;
		else
			free(p);
	}
	strv_release(&dirs);
	return found;
}
