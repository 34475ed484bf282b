// SPDX-License-Identifier: GPL-2.0-or-later
/* dkms tarballs: checked extraction and inspection (see tarball.h). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/extract.h"
#include "names.h"
#include "tarball.h"
#include "util/dir.h"
#include "util/fileio.h"
#include "util/strbuf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)

#define SYMLINK_FOLLOW_MAX 40         /* the kernel's limit */
#define RESOLVE_BUDGET (64u << 20)    /* path components walked over all symlinks */
#define HARDLINK AE_IFSOCK            /* stands for "hardlink" in entry.type */

struct entry {
	char *path; /* normalized: no "./", "//" or trailing "/"; "" is the root */
	char *link; /* symlink target as stored, or normalized hardlink target */
	unsigned type; /* AE_IFREG, AE_IFDIR, AE_IFLNK or HARDLINK */
	int64_t size;
};

struct scan {
	const struct dkms_ctx *ctx;
	const char *archive;
	struct entry *v;
	size_t n, alloc;
	/* open addressing: path -> 1 + index of its first entry, 0 = empty */
	size_t *slots;
	size_t nslots;
	int64_t total;
	size_t budget;
};

/* ------------------------------------------------------------ path table */

static size_t hash_str(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct entry *lookup(const struct scan *s, const char *path)
{
	if (!s->nslots)
		return NULL;
	for (size_t i = hash_str(path) & (s->nslots - 1);; i = (i + 1) & (s->nslots - 1)) {
		if (!s->slots[i])
			return NULL;
		if (streq(s->v[s->slots[i] - 1].path, path))
			return &s->v[s->slots[i] - 1];
	}
}

static void table_insert(struct scan *s, size_t idx)
{
	if (2 * (s->n + 1) > s->nslots) {
		size_t old = s->nslots, *slots = s->slots;

		s->nslots = old ? 2 * old : 64;
		s->slots = xcalloc(s->nslots, sizeof(*s->slots));
		for (size_t i = 0; i < old; i++) {
			if (!slots[i])
				continue;
			size_t j = hash_str(s->v[slots[i] - 1].path) & (s->nslots - 1);
			while (s->slots[j])
				j = (j + 1) & (s->nslots - 1);
			s->slots[j] = slots[i];
		}
		free(slots);
	}
	size_t j = hash_str(s->v[idx].path) & (s->nslots - 1);
	while (s->slots[j])
		j = (j + 1) & (s->nslots - 1);
	s->slots[j] = idx + 1;
}

static void scan_release(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].link);
	}
	free(s->v);
	free(s->slots);
}

/* ---------------------------------------------------------------- checks */

/* One line naming the archive and the entry (control bytes shown as '?'). */
_printf_(3, 4) static int refuse(const struct scan *s, const char *name, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT, shown = STRBUF_INIT;
	va_list ap;

	for (const char *p = name ?: ""; *p; p++)
		strbuf_addch(&shown, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
	va_start(ap, fmt);
	strbuf_vaddf(&why, fmt, ap);
	va_end(ap);
	dkms_error(s->ctx, "Refusing to extract %s: entry '%s' %s.", s->archive, shown.buf,
		   why.buf);
	return -EINVAL;
}

/* The name by codec/extract.h's rule; dkms writes names relative, so a leading "/" is refused too. */
static int check_name(const struct scan *s, const char *shown, const char *name, char **ret,
		      bool hardlink)
{
	unsigned found = extract_name(name, ret);

	if (!found)
		return 0;
	free(TAKE_PTR(*ret));
	if (found & EXTRACT_NAME_ABSOLUTE)
		return hardlink ? refuse(s, shown, "is a hardlink to an absolute path ('%s')", name)
				: refuse(s, shown, "has an absolute path");
	if (found & EXTRACT_NAME_DOTDOT)
		return hardlink ? refuse(s, shown, "is a hardlink to a path with a '..' component ('%s')",
					 name)
				: refuse(s, shown, "has a '..' component");
	return refuse(s, shown, "%s longer than %d bytes",
		      hardlink ? "is a hardlink to a name" : "has a name", PATH_MAX - 1);
}

static const char *entry_name(struct archive_entry *ae)
{
	return archive_entry_pathname(ae) ?: archive_entry_pathname_utf8(ae);
}

/* Read one header into *ret (path, link, type, size) after the per-entry checks. */
static int check_entry(struct scan *s, struct archive_entry *ae, struct entry *ret)
{
	const char *name = entry_name(ae), *hard = archive_entry_hardlink(ae);
	struct entry e = { .size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0 };
	int r;

	if (!name || !*name)
		return refuse(s, name, "has no readable name");
	r = check_name(s, name, name, &e.path, false);
	if (r)
		return r;

	if (hard) {
		r = check_name(s, name, hard, &e.link, true);
		if (r)
			goto fail;
		e.type = HARDLINK;
	} else {
		e.type = archive_entry_filetype(ae);
		switch (e.type) {
		case AE_IFREG:
		case AE_IFDIR:
			break;
		case AE_IFLNK: {
			const char *t = archive_entry_symlink(ae) ?: archive_entry_symlink_utf8(ae);

			/* EXTRACT_LINK_CLIMBS is left to check_tree, which resolves through the archive */
			switch (t ? extract_link_check(e.path, t) : EXTRACT_LINK_EMPTY) {
			case EXTRACT_LINK_EMPTY:
				r = refuse(s, name, "is a symlink without a target");
				break;
			case EXTRACT_LINK_ABSOLUTE:
				r = refuse(s, name, "is a symlink to an absolute path ('%s')", t);
				break;
			case EXTRACT_LINK_TOO_LONG:
				r = refuse(s, name, "is a symlink with a target too long");
				break;
			default:
				e.link = xstrdup(t);
			}
			break;
		}
		case AE_IFCHR:
		case AE_IFBLK:
			r = refuse(s, name, "is a device node");
			break;
		case AE_IFIFO:
			r = refuse(s, name, "is a fifo");
			break;
		case AE_IFSOCK:
			r = refuse(s, name, "is a socket");
			break;
		default:
			r = refuse(s, name, "has an unsupported file type");
		}
		if (r)
			goto fail;
	}
	if (e.size < 0) {
		r = refuse(s, name, "has a negative size");
		goto fail;
	}
	if (!*e.path && e.type != AE_IFDIR) {
		r = refuse(s, name, "names the extraction root but is not a directory");
		goto fail;
	}
	*ret = e;
	return 0;
fail:
	free(e.path);
	free(e.link);
	return r;
}

/* Checks that need the entries before this one; then keep it. */
static int add_entry(struct scan *s, struct entry *e, const char *name)
{
	struct entry *old = lookup(s, e->path);
	unsigned type = e->type == HARDLINK ? AE_IFREG : e->type;

	if (s->n >= DKMS_TARBALL_MAX_ENTRIES)
		return refuse(s, name, "is one more than the %d entries allowed",
			      DKMS_TARBALL_MAX_ENTRIES);
	if (e->type == HARDLINK) {
		struct entry *t = lookup(s, e->link);

		if (!t || (t->type != AE_IFREG && t->type != HARDLINK) || streq(e->link, e->path))
			return refuse(s, name,
				      "is a hardlink to '%s', which is not an earlier regular file of the archive",
				      e->link);
	}
	if (old) {
		unsigned otype = old->type == HARDLINK ? AE_IFREG : old->type;

		if (otype != type)
			return refuse(s, name, "appears twice with different types");
		if (type == AE_IFLNK && !streq(old->link, e->link))
			return refuse(s, name, "appears twice as symlinks to different targets");
	}
	if (type == AE_IFREG && e->type != HARDLINK) {
		s->total += e->size;
		if (s->total > DKMS_TARBALL_MAX_TOTAL_SIZE)
			return refuse(s, name, "(%lld bytes) makes the archive larger than %lld GiB",
				      (long long)e->size, (long long)(DKMS_TARBALL_MAX_TOTAL_SIZE >> 30));
	}
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 64;
		s->v = xrealloc(s->v, s->alloc * sizeof(*s->v));
	}
	s->v[s->n] = *e;
	if (!old)
		table_insert(s, s->n);
	s->n++;
	return 0;
}

/*
 * Resolve symlink `e` as the kernel would in the tree the archive makes.
 * 0: stays inside (or fails harmlessly), 1: leaves the root, 2: loops/too costly.
 */
static int resolve_symlink(struct scan *s, const struct entry *e)
{
	_cleanup_strbuf_ struct strbuf cur = STRBUF_INIT, rest = STRBUF_INIT;
	const char *slash = strrchr(e->path, '/');
	unsigned follows = 0;

	if (slash)
		strbuf_add(&cur, e->path, (size_t)(slash - e->path));
	strbuf_addstr(&rest, e->link);

	while (rest.len) {
		size_t len = strcspn(rest.buf, "/"), skip = len + strspn(rest.buf + len, "/");
		_cleanup_free_ char *comp = xstrndup(rest.buf, len);
		struct entry *t;

		memmove(rest.buf, rest.buf + skip, rest.len - skip + 1);
		strbuf_setlen(&rest, rest.len - skip);
		if (s->budget-- == 0)
			return 2;
		if (!len || streq(comp, "."))
			continue;
		if (streq(comp, "..")) {
			if (!cur.len)
				return 1;
			char *p = strrchr(cur.buf, '/');
			strbuf_setlen(&cur, p ? (size_t)(p - cur.buf) : 0);
			continue;
		}
		size_t before = cur.len;
		if (cur.len)
			strbuf_addch(&cur, '/');
		strbuf_addstr(&cur, comp);
		t = lookup(s, cur.buf);
		if (!t || t->type != AE_IFLNK)
			continue;
		if (++follows > SYMLINK_FOLLOW_MAX)
			return 2;
		/* replace the link by its target, relative to the link's directory */
		_cleanup_free_ char *next = xasprintf("%s/%s", t->link, rest.buf);
		strbuf_setlen(&cur, before);
		strbuf_reset(&rest);
		strbuf_addstr(&rest, next);
		if (rest.buf[0] == '/')
			return 1;
	}
	return 0;
}

/* Checks on the whole tree the archive makes. */
static int check_tree(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct entry *e = &s->v[i];
		_cleanup_free_ char *prefix = xstrdup(e->path);

		for (char *p = strchr(prefix, '/'); p; p = strchr(p + 1, '/')) {
			struct entry *t;

			*p = '\0';
			t = lookup(s, prefix);
			if (t && t->type == AE_IFLNK)
				return refuse(s, e->path, "lies beneath symlink '%s'", prefix);
			if (t && t->type != AE_IFDIR)
				return refuse(s, e->path, "lies beneath non-directory '%s'", prefix);
			*p = '/';
		}
		if (e->type != AE_IFLNK)
			continue;
		switch (resolve_symlink(s, e)) {
		case 1:
			return refuse(s, e->path, "is a symlink pointing outside the archive ('%s')",
				      e->link);
		case 2:
			return refuse(s, e->path, "is a symlink that loops or is too deep ('%s')",
				      e->link);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- reading */

static struct archive *reader_new(int fd)
{
	struct archive *a = archive_read_new();

	if (!a)
		abort();
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	/* an error here shows again at the first read */
	if (lseek(fd, 0, SEEK_SET) == 0)
		archive_read_open_fd(a, fd, 65536);
	return a;
}

static int read_fail(const struct scan *s, struct archive *a)
{
	int e = archive_errno(a);

	dkms_error(s->ctx, "Unable to read %s: %s", s->archive,
		   archive_error_string(a) ?: "unknown error");
	/* damage and unknown formats are -EINVAL; real I/O trouble keeps its errno */
	return e == EIO || e == ENOMEM || e == EISDIR || e == EACCES ? -e : -EINVAL;
}

/* Pass 1: read every header, check each entry and the tree. Writes nothing. */
static int scan_archive(struct scan *s, int fd)
{
	_cleanup_(archive_read_freep) struct archive *a = reader_new(fd);
	struct archive_entry *ae;
	int r;

	s->budget = RESOLVE_BUDGET;
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		struct entry e;

		r = check_entry(s, ae, &e);
		if (!r) {
			r = add_entry(s, &e, entry_name(ae));
			if (r) {
				free(e.path);
				free(e.link);
			}
		}
		if (r)
			return r;
	}
	if (r != ARCHIVE_EOF)
		return read_fail(s, a);
	return check_tree(s);
}

static int write_fail(const struct scan *s, const char *name, int r)
{
	if (r == -EFBIG)
		dkms_error(s->ctx, "Refusing to extract %s: it holds more than %lld GiB.", s->archive,
			   (long long)(DKMS_TARBALL_MAX_TOTAL_SIZE >> 30));
	else
		dkms_error(s->ctx, "Unable to extract %s: %s: %s", s->archive, name, strerror(-r));
	return r;
}

/* An entry's content, block by block at the offsets the archive gives (holes stay holes). */
static int copy_entry_data(const struct scan *s, struct archive *in, struct extract *x, int fd,
			   const struct entry *e)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN) {
		if (off < 0)
			return read_fail(s, in);
		r = extract_write_at(x, fd, buf, len, (uint64_t)off);
		if (r < 0)
			return write_fail(s, e->path, r);
	}
	if (r != ARCHIVE_EOF)
		return read_fail(s, in);
	/* a trailing hole is no block at all: the size says where the file ends */
	return ftruncate(fd, e->size) < 0 ? write_fail(s, e->path, -errno) : 0;
}

/* The archive's modification time on what was made at path (never through a link). */
static void set_mtime(int root_fd, const char *path, struct archive_entry *ae)
{
	struct timespec t[2];

	if (!archive_entry_mtime_is_set(ae))
		return;
	t[0].tv_sec = t[1].tv_sec = archive_entry_mtime(ae);
	t[0].tv_nsec = t[1].tv_nsec = archive_entry_mtime_nsec(ae);
	/* a failure loses a timestamp, never content: make uses them, nothing checks them */
	(void)utimensat(root_fd, path, t, AT_SYMLINK_NOFOLLOW);
}

/* One checked entry, written through codec/extract.c (openat, never through a symlink). */
static int write_entry(struct scan *s, struct archive *a, struct archive_entry *ae,
		       const struct entry *e, struct extract *x)
{
	_cleanup_close_ int fd = -1;
	/* no set-id, sticky or group/world write bits from a tarball; umask honoured */
	mode_t perm = sane_mode(e->type == AE_IFDIR ? S_IFDIR : archive_entry_perm(ae));
	int r;

	switch (e->type) {
	case AE_IFDIR:
		r = extract_dir(x, e->path, perm | 0700);
		break;
	case AE_IFLNK:
		r = extract_symlink(x, e->path, e->link);
		break;
	case HARDLINK:
		/* pax may carry the content on the link: then it is written through it */
		r = extract_hardlink(x, e->path, e->link, e->size > 0 ? &fd : NULL);
		break;
	default:
		r = extract_file(x, e->path, perm | 0400, &fd);
	}
	if (r >= 0 && x->problems->n) {
		/* the scan refused what the writer would skip: an archive changed under us */
		dkms_error(s->ctx, "Refusing to extract %s: %s", s->archive, x->problems->v[0]);
		return -EINVAL;
	}
	if (r < 0)
		return write_fail(s, e->path, r);
	if (fd >= 0) {
		r = copy_entry_data(s, a, x, fd, e);
		if (r < 0)
			return r;
	}
	if (e->type != AE_IFDIR)
		set_mtime(x->root_fd, e->path, ae);
	return 0;
}

/* Directories' times last, deepest first: filling a directory moves its own. */
static void set_dir_mtimes(const struct scan *s, int root_fd, const int64_t *mtimes)
{
	for (size_t i = s->n; i-- > 0;) {
		const struct entry *e = &s->v[i];
		struct timespec t[2];

		if (e->type != AE_IFDIR || !*e->path || mtimes[2 * i] < 0)
			continue;
		t[0].tv_sec = t[1].tv_sec = mtimes[2 * i];
		t[0].tv_nsec = t[1].tv_nsec = mtimes[2 * i + 1];
		(void)utimensat(root_fd, e->path, t, AT_SYMLINK_NOFOLLOW);
	}
}

/* Pass 2: extract into `dir` (absolute, without symlinks), entry by entry as checked. */
static int extract_archive(struct scan *s, int fd, const char *dir)
{
	_cleanup_(archive_read_freep) struct archive *a = reader_new(fd);
	_cleanup_strv_ struct strv problems = STRV_INIT;
	_cleanup_free_ int64_t *mtimes = xcalloc(2 * (s->n ? s->n : 1), sizeof(*mtimes));
	struct archive_entry *ae;
	struct extract x;
	size_t i = 0;
	int r;

	r = extract_open(&x, dir, s->archive, &problems);
	if (r < 0) {
		extract_close(&x);
		return write_fail(s, ".", r);
	}
	x.max_total = (uint64_t)DKMS_TARBALL_MAX_TOTAL_SIZE;
	x.links_resolved = true; /* check_tree resolved every symlink through the archive */
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		struct entry e;
		const struct entry *want = i < s->n ? &s->v[i] : NULL;
		bool same;

		if (check_entry(s, ae, &e)) {
			r = -EINVAL;
			goto out;
		}
		same = want && streq(e.path, want->path) && e.type == want->type &&
		       streq(e.link ?: "", want->link ?: "") && e.size == want->size;
		free(e.path);
		free(e.link);
		if (!same) {
			dkms_error(s->ctx, "Refusing to extract %s: it changed while being read.",
				   s->archive);
			r = -EINVAL;
			goto out;
		}
		mtimes[2 * i] = archive_entry_mtime_is_set(ae) ? archive_entry_mtime(ae) : -1;
		mtimes[2 * i + 1] = archive_entry_mtime_nsec(ae);
		i++;
		if (!*want->path)
			continue; /* "./": the root is ours */
		r = write_entry(s, a, ae, want, &x);
		if (r < 0)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		r = read_fail(s, a);
		goto out;
	}
	if (i != s->n) {
		dkms_error(s->ctx, "Refusing to extract %s: it changed while being read.",
			   s->archive);
		r = -EINVAL;
		goto out;
	}
	set_dir_mtimes(s, x.root_fd, mtimes);
	r = 0;
out:
	extract_close(&x);
	return r;
}

static void rm_rf_freep(char **path)
{
	if (*path) {
		rm_rf(*path);
		free(*path);
	}
}

int dkms_tarball_extract(const struct dkms_ctx *ctx, const char *archive, const char *dest)
{
	_cleanup_(rm_rf_freep) char *tmp = NULL;
	_cleanup_free_ char *d = xstrdup(dest), *parent = NULL, *real = NULL, *final = NULL;
	_cleanup_close_ int fd = -1;
	struct scan s = { .ctx = ctx, .archive = archive };
	struct stat st;
	char *base;
	int r;

	/* dest: without trailing slashes, split into parent and name */
	for (size_t l = strlen(d); l > 1 && d[l - 1] == '/'; l--)
		d[l - 1] = '\0';
	base = strrchr(d, '/');
	parent = base ? xstrndup(d, (size_t)(base - d) ?: 1) : xstrdup(".");
	base = base ? base + 1 : d;
	if (!*base || streq(base, ".") || streq(base, "..")) {
		dkms_error(ctx, "Cannot extract %s into %s.", archive, dest);
		return -EINVAL;
	}
	if (lstat(dest, &st) == 0 && (!S_ISDIR(st.st_mode) || dir_count_entries(dest) != 0)) {
		dkms_error(ctx, "Cannot extract %s: %s already exists.", archive, dest);
		return -EEXIST;
	}

	fd = open(archive, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			dkms_error(ctx, "%s does not exist.", archive);
		else
			dkms_error(ctx, "Unable to read %s: %s", archive, strerror(-r));
		return r;
	}

	r = scan_archive(&s, fd);
	if (r)
		goto out;

	real = canonical_path(parent);
	if (!real) {
		r = -errno;
		dkms_error(ctx, "Cannot extract %s into %s: %s", archive, dest, strerror(-r));
		goto out;
	}
	tmp = xasprintf("%s/.%s.XXXXXX", streq(real, "/") ? "" : real, base);
	if (!mkdtemp(tmp)) {
		r = -errno;
		free(TAKE_PTR(tmp));
		dkms_error(ctx, "Cannot extract %s into %s: %s", archive, dest, strerror(-r));
		goto out;
	}
	r = extract_archive(&s, fd, tmp);
	if (r)
		goto out;
	final = xasprintf("%s/%s", streq(real, "/") ? "" : real, base);
	if (rename(tmp, final) < 0) {
		r = errno == ENOTEMPTY ? -EEXIST : -errno;
		dkms_error(ctx, "Cannot extract %s into %s: %s", archive, dest, strerror(errno));
		goto out;
	}
	free(TAKE_PTR(tmp));
out:
	scan_release(&s);
	return r;
}

/* ---------------------------------------------------------------- inspect */

static bool is_regular_at(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir_at(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Sorted names of a directory's entries, without "." and ".."; hidden: keep ".x". */
static int list_dir(int dfd, const char *name, bool hidden, struct strv *ret, int *ret_fd)
{
	int fd = openat(dfd, name,
			O_RDONLY | O_DIRECTORY | O_CLOEXEC | (dfd == AT_FDCWD ? 0 : O_NOFOLLOW));
	int dup_fd;
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;

	if (fd < 0)
		return -errno;
	dup_fd = dup(fd);
	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		int r = -errno;

		if (dup_fd >= 0)
			close(dup_fd);
		close(fd);
		return r;
	}
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
		    (hidden || de->d_name[0] != '.'))
			strv_push(ret, de->d_name);
	strv_sort(ret);
	*ret_fd = fd;
	return 0;
}

/* Depth-first: a dkms.conf here, else each subdirectory in byte order. */
static int find_conf(int dfd, const char *name, struct strbuf *path, unsigned depth)
{
	_cleanup_strv_ struct strv names = STRV_INIT;
	_cleanup_close_ int fd = -1;
	int r;

	if (depth > PATH_MAX / 2)
		return 0;
	r = list_dir(dfd, name, true, &names, &fd);
	if (r)
		return depth ? 0 : r;
	if (strv_contains(&names, "dkms.conf") && is_regular_at(fd, "dkms.conf"))
		return 1;
	for (size_t i = 0; i < names.n; i++) {
		size_t len = path->len;

		if (!is_dir_at(fd, names.v[i]))
			continue;
		strbuf_addf(path, "/%s", names.v[i]);
		r = find_conf(fd, names.v[i], path, depth + 1);
		if (r)
			return r;
		strbuf_setlen(path, len);
	}
	return 0;
}

static char *conf_if_regular(const char *root, const char *sub)
{
	_cleanup_free_ char *p = xasprintf("%s/%s/dkms.conf", root, sub);
	struct stat st;

	if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	return TAKE_PTR(p);
}

void dkms_tarball_info_release(struct dkms_tarball_info *info)
{
	free(info->source_tree_conf);
	free(info->binaries_only_conf);
	free(info->plain_conf);
	free(info->plain_source_dir);
	strv_release(&info->kernel_dirs);
	*info = (struct dkms_tarball_info){ 0 };
}

int dkms_tarball_inspect(const struct dkms_ctx *ctx, const char *root,
			 struct dkms_tarball_info *ret)
{
	struct dkms_tarball_info info = { 0 };
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	_cleanup_strv_ struct strv kernels = STRV_INIT;
	_cleanup_close_ int main_fd = -1;
	int r;

	if (!is_dir(root))
		return -ENOTDIR;
	strbuf_addf(&path, "%s/dkms_main_tree", root);
	info.has_main_tree = is_dir_at(AT_FDCWD, path.buf);
	strbuf_reset(&path);

	if (!info.has_main_tree) {
		strbuf_addstr(&path, root);
		r = find_conf(AT_FDCWD, root, &path, 0);
		if (r < 0)
			return r;
		if (r == 0) {
			*ret = info; /* no dkms.conf: the caller says so (dkms's exit 3) */
			return 0;
		}
		info.plain_source_dir = xstrdup(path.buf);
		info.plain_conf = xasprintf("%s/dkms.conf", path.buf);
		*ret = info;
		return 0;
	}

	info.source_tree_conf = conf_if_regular(root, "dkms_source_tree");
	info.binaries_only_conf = conf_if_regular(root, "dkms_binaries_only");

	strbuf_addf(&path, "%s/dkms_main_tree", root);
	r = list_dir(AT_FDCWD, path.buf, false, &kernels, &main_fd);
	if (r) {
		dkms_tarball_info_release(&info);
		return r;
	}
	for (size_t i = 0; i < kernels.n; i++) {
		_cleanup_strv_ struct strv arches = STRV_INIT;
		_cleanup_close_ int kfd = -1;

		if (!is_dir_at(main_fd, kernels.v[i]) ||
		    list_dir(main_fd, kernels.v[i], false, &arches, &kfd) < 0)
			continue;
		for (size_t j = 0; j < arches.n; j++) {
			char reason[NAME_REASON_MAX];
			const char *bad = NULL, *what = NULL, *value = NULL;

			if (!is_dir_at(kfd, arches.v[j]))
				continue;
			/* the two become directories of the DKMS tree: names.h's rule */
			if ((bad = name_check(NAME_WORD, kernels.v[i], reason))) {
				what = "kernel version";
				value = kernels.v[i];
			} else if ((bad = name_check(NAME_WORD, arches.v[j], reason))) {
				what = "arch";
				value = arches.v[j];
			}
			if (bad) {
				_cleanup_free_ char *shown = name_escape(value);

				dkms_error(ctx, "dkms_main_tree: %s \"%s\" is not a valid name: %s.", what,
					   shown, bad);
				dkms_tarball_info_release(&info);
				return -EINVAL;
			}
			strv_pushf(&info.kernel_dirs, "%s/%s", kernels.v[i], arches.v[j]);
		}
	}
	*ret = info;
	return 0;
}
