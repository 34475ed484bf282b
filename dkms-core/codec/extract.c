// SPDX-License-Identifier: GPL-2.0-or-later
/* The rules for one entry, and unpacking entries under a directory, never through a symlink (see extract.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/extract.h"
#include "util/fileio.h"
#include "util/strbuf.h"

int extract_open(struct extract *x, const char *dir, const char *image, struct strv *problems)
{
	int r = mkdir_p(dir, 0755);

	*x = (struct extract){ .root_fd = -1, .image = image, .problems = problems,
			       .max_total = EXTRACT_MAX_TOTAL };
	if (r < 0)
		return r;
	x->root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return x->root_fd < 0 ? -errno : 0;
}

void extract_close(struct extract *x)
{
	if (x->root_fd >= 0)
		close(x->root_fd);
	x->root_fd = -1;
}

void extract_problem(struct extract *x, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "%s: ", x->image);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	/* names come from the image: show control bytes as '?' */
	for (char *p = sb.buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (x->problems)
		strv_push(x->problems, sb.buf);
}

unsigned extract_name(const char *name, char **ret)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	unsigned found = name[0] == '/' ? EXTRACT_NAME_ABSOLUTE : 0;

	for (const char *p = name; *p;) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			found |= EXTRACT_NAME_DOTDOT;
		if (len && !(len == 1 && p[0] == '.')) {
			if (sb.len)
				strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, len);
		}
		p += len;
		p += strspn(p, "/");
	}
	if (sb.len >= PATH_MAX)
		found |= EXTRACT_NAME_TOO_LONG;
	*ret = strbuf_detach(&sb);
	return found;
}

enum extract_link extract_link_check(const char *norm, const char *target)
{
	size_t depth = 0, up = 0;
	bool descended = false;

	if (!*target)
		return EXTRACT_LINK_EMPTY;
	if (target[0] == '/')
		return EXTRACT_LINK_ABSOLUTE;
	if (strlen(target) >= PATH_MAX)
		return EXTRACT_LINK_TOO_LONG;
	for (const char *p = norm; (p = strchr(p, '/')); p++)
		depth++;
	for (const char *p = target; *p;) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (descended || ++up > depth)
				return EXTRACT_LINK_CLIMBS;
		} else if (len && !(len == 1 && p[0] == '.')) {
			descended = true;
		}
		p += len;
		p += strspn(p, "/");
	}
	return EXTRACT_LINK_OK;
}

/* The image unpacker's name: NULL (skipped) for the root itself or a ".." component. */
static char *normalise(const char *path)
{
	char *norm;

	if (extract_name(path, &norm) & EXTRACT_NAME_DOTDOT || !*norm) {
		free(norm);
		return NULL;
	}
	return norm;
}

/*
 * Open the directory that will hold path (creating missing ones) and point
 * *ret_base at the last component of *ret_norm. 1: skipped with a problem.
 */
static int open_parent(struct extract *x, const char *path, char **ret_norm, int *ret_fd,
		       const char **ret_base)
{
	_cleanup_free_ char *norm = normalise(path);
	int fd;

	if (!norm) {
		if (path[strspn(path, "/.")]) /* not just the root: a ".." */
			extract_problem(x, "%s: a '..' component; not unpacked", path);
		return 1;
	}
	fd = dup(x->root_fd);
	if (fd < 0)
		return -errno;
	for (char *comp = norm, *slash; (slash = strchr(comp, '/')); comp = slash + 1) {
		int next;

		*slash = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int r = -errno;

				close(fd);
				return r;
			}
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		*slash = '/';
		if (next < 0) {
			int r = -errno;

			close(fd);
			if (r == -ELOOP || r == -ENOTDIR) {
				extract_problem(x, "%s: lies beneath a symlink or a file; not unpacked",
						norm);
				return 1;
			}
			return r;
		}
		close(fd);
		fd = next;
	}
	*ret_fd = fd;
	*ret_base = strrchr(norm, '/') ? strrchr(norm, '/') + 1 : norm;
	*ret_norm = TAKE_PTR(norm);
	return 0;
}

/*
 * Make room for a new non-directory entry: a later entry replaces an earlier
 * file or link (as cpio and the kernel do), never a directory. 1: skipped.
 */
static int clear_place(struct extract *x, int dfd, const char *base, const char *norm)
{
	struct stat st;

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		extract_problem(x, "%s: a directory of the same name is in the way; not unpacked",
				norm);
		return 1;
	}
	return unlinkat(dfd, base, 0) < 0 ? -errno : 0;
}

int extract_dir(struct extract *x, const char *path, mode_t perm)
{
	_cleanup_free_ char *norm = NULL;
	_cleanup_close_ int dfd = -1;
	const char *base;
	struct stat st;
	int r = open_parent(x, path, &norm, &dfd, &base);

	if (r)
		return r < 0 ? r : 0;
	perm = (perm & 0777) | 0700; /* we must be able to fill it */
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			return fchmodat(dfd, base, perm, 0) < 0 ? -errno : 0;
		r = clear_place(x, dfd, base, norm);
		if (r)
			return r < 0 ? r : 0;
	}
	return mkdirat(dfd, base, perm) < 0 ? -errno : 0;
}

int extract_file(struct extract *x, const char *path, mode_t perm, int *ret_fd)
{
	_cleanup_free_ char *norm = NULL;
	_cleanup_close_ int dfd = -1;
	const char *base;
	int r = open_parent(x, path, &norm, &dfd, &base), fd;

	*ret_fd = -1;
	if (!r)
		r = clear_place(x, dfd, base, norm);
	if (r)
		return r < 0 ? r : 0;
	/* no set-id bits from an image; we must be able to read what we unpack */
	fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    (perm & 0777) | 0400);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int extract_symlink(struct extract *x, const char *path, const char *target)
{
	_cleanup_free_ char *norm = NULL;
	_cleanup_close_ int dfd = -1;
	const char *base;
	int r = open_parent(x, path, &norm, &dfd, &base);

	if (r)
		return r < 0 ? r : 0;
	switch (extract_link_check(norm, target)) {
	case EXTRACT_LINK_OK:
		break;
	case EXTRACT_LINK_CLIMBS:
		if (x->links_resolved)
			break;
		extract_problem(x, "%s: symlink to '%s' points outside the disk; not unpacked", norm,
				target);
		return 0;
	case EXTRACT_LINK_TOO_LONG:
		extract_problem(x, "%s: symlink target longer than %d bytes; not unpacked", norm,
				PATH_MAX - 1);
		return 0;
	default:
		extract_problem(x, "%s: symlink to '%s' points outside the disk; not unpacked", norm,
				target);
		return 0;
	}
	r = clear_place(x, dfd, base, norm);
	if (r)
		return r < 0 ? r : 0;
	return symlinkat(target, dfd, base) < 0 ? -errno : 0;
}

int extract_hardlink(struct extract *x, const char *path, const char *target, int *ret_fd)
{
	_cleanup_free_ char *norm = NULL, *tnorm = NULL;
	_cleanup_close_ int dfd = -1, tfd = -1;
	const char *base, *tbase;
	struct stat st;
	int r = open_parent(x, path, &norm, &dfd, &base);

	if (ret_fd)
		*ret_fd = -1;
	if (r)
		return r < 0 ? r : 0;
	r = open_parent(x, target, &tnorm, &tfd, &tbase);
	if (r)
		return r < 0 ? r : 0;
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
		extract_problem(x, "%s: hard link to '%s', which is not an earlier file; not unpacked",
				norm, tnorm);
		return 0;
	}
	if (!streq(norm, tnorm)) {
		r = clear_place(x, dfd, base, norm);
		if (r)
			return r < 0 ? r : 0;
		if (linkat(tfd, tbase, dfd, base, 0) < 0)
			return -errno;
	}
	if (ret_fd) {
		*ret_fd = openat(dfd, base, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
		if (*ret_fd < 0)
			return -errno;
	}
	return 0;
}

int extract_write(struct extract *x, int fd, const void *data, size_t len)
{
	x->total += len;
	if (x->total > x->max_total)
		return -EFBIG;
	return write_all(fd, data, len);
}

int extract_write_at(struct extract *x, int fd, const void *data, size_t len, uint64_t off)
{
	x->total += len;
	if (x->total > x->max_total)
		return -EFBIG;
	return pwrite_all(fd, data, len, off);
}
