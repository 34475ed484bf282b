// SPDX-License-Identifier: GPL-2.0-or-later
/* dkms tarballs: names and writing (see tarball.h). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tarball.h"
#include "util/beneath.h"
#include "util/dir.h"
#include "util/fileio.h"
#include "util/strbuf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_write_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive_entry *, archive_entry_free)

/* ----------------------------------------------------------------- names */

/* Characters as `wc -m` counts them in a UTF-8 locale. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

char *dkms_tarball_default_name(const char *module, const char *version,
				const struct dkms_tarball_kernel *kernels, size_t n_kernels,
				bool source_only)
{
	_cleanup_strbuf_ struct strbuf list = STRBUF_INIT;

	if (source_only) {
		strbuf_addstr(&list, "source-only");
	} else {
		for (size_t i = 0; i < n_kernels; i++)
			strbuf_addf(&list, "%skernel%s-%s", i ? "-" : "", kernels[i].kernel,
				    kernels[i].arch);
		/* (( $(echo "$list" | wc -m) > 200 )): echo adds the newline */
		if (utf8_chars(list.buf) + 1 > 200) {
			strbuf_reset(&list);
			strbuf_addstr(&list, "manykernels");
		}
	}
	return xasprintf("%s-%s-%s.dkms.tar.gz", module, version, list.buf);
}

char *dkms_tarball_location(const struct dkms_ctx *ctx, const char *module,
			    const char *version, const char *default_name,
			    const char *archive_location)
{
	_cleanup_free_ char *dest = xasprintf("%s/%s/%s/tarball/", ctx->dkms_tree, module,
					       version);
	const char *name = default_name, *slash;

	if (!strempty(archive_location)) {
		slash = strrchr(archive_location, '/');
		name = slash ? slash + 1 : archive_location;
		if (slash) {
			free(dest);
			dest = xstrndup(archive_location, (size_t)(slash - archive_location));
		}
	}
	return xasprintf("%s/%s", dest, name);
}

int dkms_tarball_filter_for_name(const char *name)
{
	static const struct {
		const char *suffix;
		int filter;
	} table[] = {
		{ "gz", ARCHIVE_FILTER_GZIP },     { "tgz", ARCHIVE_FILTER_GZIP },
		{ "taz", ARCHIVE_FILTER_GZIP },    { "Z", ARCHIVE_FILTER_COMPRESS },
		{ "taZ", ARCHIVE_FILTER_COMPRESS }, { "bz2", ARCHIVE_FILTER_BZIP2 },
		{ "tbz", ARCHIVE_FILTER_BZIP2 },   { "tbz2", ARCHIVE_FILTER_BZIP2 },
		{ "tz2", ARCHIVE_FILTER_BZIP2 },   { "lz", ARCHIVE_FILTER_LZIP },
		{ "lzma", ARCHIVE_FILTER_LZMA },   { "tlz", ARCHIVE_FILTER_LZMA },
		{ "lzo", ARCHIVE_FILTER_LZOP },    { "xz", ARCHIVE_FILTER_XZ },
		{ "txz", ARCHIVE_FILTER_XZ },      { "zst", ARCHIVE_FILTER_ZSTD },
		{ "tzst", ARCHIVE_FILTER_ZSTD },
	};
	const char *base = strrchr(name, '/'), *dot;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	if (!dot)
		return ARCHIVE_FILTER_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (streq(dot + 1, table[i].suffix))
			return table[i].filter;
	return ARCHIVE_FILTER_NONE;
}

/* ---------------------------------------------------------------- writer */

struct writer {
	const struct dkms_ctx *ctx;
	struct archive *a;
	uid_t uid; /* owner of the entries dkms's cp/mkdir would create */
	gid_t gid;
	time_t now;
	/* one-entry caches for uid/gid -> name */
	uid_t name_uid;
	gid_t name_gid;
	char *uname;
	char *gname;
	/* why the write failed, for the error message */
	struct strbuf why;
};

static const char *lookup_uname(struct writer *w, uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (w->uname && w->name_uid == uid)
		return w->uname;
	free(w->uname);
	w->uname = NULL;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		w->uname = xstrdup(res->pw_name);
	else
		w->uname = xstrdup("");
	w->name_uid = uid;
	return w->uname;
}

static const char *lookup_gname(struct writer *w, gid_t gid)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (w->gname && w->name_gid == gid)
		return w->gname;
	free(w->gname);
	w->gname = NULL;
	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res)
		w->gname = xstrdup(res->gr_name);
	else
		w->gname = xstrdup("");
	w->name_gid = gid;
	return w->gname;
}

static int archive_fail(struct writer *w, const char *what)
{
	int e = archive_errno(w->a);

	strbuf_reset(&w->why);
	strbuf_addf(&w->why, "%s: %s", what, archive_error_string(w->a) ?: "unknown error");
	/* libarchive says "Write error"; the errno says why (a full disk) */
	if (e > 0 && !strstr(w->why.buf, strerror(e)))
		strbuf_addf(&w->why, ": %s", strerror(e));
	return e > 0 ? -e : -EIO;
}

static int sys_fail(struct writer *w, const char *what, int r)
{
	strbuf_reset(&w->why);
	strbuf_addf(&w->why, "%s: %s", what, strerror(-r));
	return r;
}

static struct archive_entry *new_entry(struct writer *w, const char *path, mode_t type,
				       mode_t perm, uid_t uid, gid_t gid, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		abort();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm & 0777);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	archive_entry_copy_uname(e, lookup_uname(w, uid));
	archive_entry_copy_gname(e, lookup_gname(w, gid));
	archive_entry_set_mtime(e, mtime, 0);
	return e;
}

static int write_header(struct writer *w, struct archive_entry *e)
{
	if (archive_write_header(w->a, e) < ARCHIVE_OK)
		return archive_fail(w, archive_entry_pathname(e));
	return 0;
}

/* A directory that dkms makes with mkdir -p. */
static int add_made_dir(struct writer *w, const char *path)
{
	_cleanup_(archive_entry_freep) struct archive_entry *e =
		new_entry(w, path, AE_IFDIR, 0755, w->uid, w->gid, w->now);

	return write_header(w, e);
}

/* A small file that dkms writes itself (echo > file, or a copied dkms.conf). */
static int add_made_file(struct writer *w, const char *path, const char *data, size_t len)
{
	_cleanup_(archive_entry_freep) struct archive_entry *e =
		new_entry(w, path, AE_IFREG, 0644, w->uid, w->gid, w->now);
	int r;

	archive_entry_set_size(e, (la_int64_t)len);
	r = write_header(w, e);
	if (r)
		return r;
	if (len && archive_write_data(w->a, data, len) != (la_ssize_t)len)
		return archive_fail(w, path);
	return 0;
}

static int copy_data(struct writer *w, int fd, const struct stat *st, const char *fspath)
{
	char buf[65536];
	off_t left = st->st_size;

	while (left > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sys_fail(w, fspath, -errno);
		if (n == 0)
			return sys_fail(w, fspath, -EIO); /* shrank while archived */
		if (n > left)
			n = (ssize_t)left; /* grew: keep what the header says */
		if (archive_write_data(w->a, buf, (size_t)n) != n)
			return archive_fail(w, fspath);
		left -= n;
	}
	return 0;
}

/*
 * Add `name` of directory `dfd` (fspath says where it is, for messages) as
 * `arcpath`, recursing into directories. keep_owner: cp -p (source tree) or not.
 */
static int add_tree_at(struct writer *w, int dfd, const char *name, struct strbuf *arcpath,
		       struct strbuf *fspath, bool keep_owner, bool follow);

static int add_dir_children(struct writer *w, int fd, struct strbuf *arcpath,
			    struct strbuf *fspath, bool keep_owner)
{
	_cleanup_strv_ struct strv names = STRV_INIT;
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int dfd = dup(fd);

	if (dfd < 0)
		return sys_fail(w, fspath->buf, -errno);
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return sys_fail(w, fspath->buf, -errno);
	}
	while ((errno = 0, de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			strv_push(&names, de->d_name);
	if (errno)
		return sys_fail(w, fspath->buf, -errno);
	strv_sort(&names);

	for (size_t i = 0; i < names.n; i++) {
		size_t alen = arcpath->len, flen = fspath->len;
		int r;

		strbuf_addf(arcpath, "/%s", names.v[i]);
		strbuf_addf(fspath, "/%s", names.v[i]);
		r = add_tree_at(w, fd, names.v[i], arcpath, fspath, keep_owner, false);
		strbuf_setlen(arcpath, alen);
		strbuf_setlen(fspath, flen);
		if (r)
			return r;
	}
	return 0;
}

static int add_tree_at(struct writer *w, int dfd, const char *name, struct strbuf *arcpath,
		       struct strbuf *fspath, bool keep_owner, bool follow)
{
	_cleanup_(archive_entry_freep) struct archive_entry *e = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (fstatat(dfd, name, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
		return sys_fail(w, fspath->buf, -errno);

	if (S_ISLNK(st.st_mode)) {
		_cleanup_free_ char *target = xmalloc((size_t)st.st_size + 1);
		ssize_t n = readlinkat(dfd, name, target, (size_t)st.st_size + 1);

		if (n < 0)
			return sys_fail(w, fspath->buf, -errno);
		if (n > st.st_size)
			return sys_fail(w, fspath->buf, -EAGAIN); /* changed under us */
		target[n] = '\0';
		e = new_entry(w, arcpath->buf, AE_IFLNK, 0777, keep_owner ? st.st_uid : w->uid,
			      keep_owner ? st.st_gid : w->gid, st.st_mtime);
		archive_entry_set_symlink(e, target);
		return write_header(w, e);
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		dkms_warn(w->ctx, "%s is not a regular file, directory or symlink; not archiving it.",
			  fspath->buf);
		return 0;
	}

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | (follow ? 0 : O_NOFOLLOW) |
				       (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
	if (fd < 0)
		return sys_fail(w, fspath->buf, -errno);
	if (fstat(fd, &st) < 0)
		return sys_fail(w, fspath->buf, -errno);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return sys_fail(w, fspath->buf, -EAGAIN);

	e = new_entry(w, arcpath->buf, st.st_mode & S_IFMT, st.st_mode,
		      keep_owner ? st.st_uid : w->uid, keep_owner ? st.st_gid : w->gid,
		      st.st_mtime);
	if (S_ISREG(st.st_mode))
		archive_entry_set_size(e, st.st_size);
	r = write_header(w, e);
	if (r)
		return r;
	if (S_ISREG(st.st_mode))
		return copy_data(w, fd, &st, fspath->buf);
	return add_dir_children(w, fd, arcpath, fspath, keep_owner);
}

/* Archive directory `dir` (followed if a symlink) as `arcpath`. */
static int add_tree(struct writer *w, const char *dir, const char *arcpath, bool keep_owner)
{
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT, f = STRBUF_INIT;

	strbuf_addstr(&a, arcpath);
	strbuf_addstr(&f, dir);
	return add_tree_at(w, AT_FDCWD, dir, &a, &f, keep_owner, true);
}

static int cmp_kernel(const void *a, const void *b)
{
	const struct dkms_tarball_kernel *x = *(const struct dkms_tarball_kernel *const *)a;
	const struct dkms_tarball_kernel *y = *(const struct dkms_tarball_kernel *const *)b;
	int c = strcmp(x->kernel, y->kernel);

	return c ? c : strcmp(x->arch, y->arch);
}

static int add_main_tree(struct writer *w, const struct dkms_tarball_spec *spec)
{
	_cleanup_free_ const struct dkms_tarball_kernel **k = NULL;
	size_t n = 0;
	int r;

	r = add_made_dir(w, "./dkms_main_tree");
	if (r || spec->content == DKMS_TARBALL_SOURCE_ONLY)
		return r;

	k = xcalloc(spec->n_kernels ?: 1, sizeof(*k));
	for (size_t i = 0; i < spec->n_kernels; i++)
		k[n++] = &spec->kernels[i];
	qsort(k, n, sizeof(*k), cmp_kernel);

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *kdir = xasprintf("./dkms_main_tree/%s", k[i]->kernel);
		_cleanup_free_ char *adir = xasprintf("%s/%s", kdir, k[i]->arch);

		/* the same kernel twice: cp -rf merges into the same place */
		if (i > 0 && !cmp_kernel(&k[i - 1], &k[i]))
			continue;
		if (i == 0 || !streq(k[i - 1]->kernel, k[i]->kernel)) {
			r = add_made_dir(w, kdir);
			if (r)
				return r;
		}
		r = add_tree(w, k[i]->built_dir, adir, false);
		if (r)
			return r;
	}
	return 0;
}

static int add_binaries_only(struct writer *w, const struct dkms_tarball_spec *spec)
{
	_cleanup_free_ char *name = xasprintf("%s\n", spec->module);
	_cleanup_free_ char *version = xasprintf("%s\n", spec->version);
	_cleanup_strbuf_ struct strbuf conf = STRBUF_INIT;
	int r;

	r = add_made_dir(w, "./dkms_binaries_only");
	if (r)
		return r;
	_cleanup_free_ char *def = spec->conf || !spec->source_dir ? NULL :
				   xasprintf("%s/dkms.conf", spec->source_dir);
	const char *path = spec->conf ?: def;

	/* CP -f "$conf" ... 2>/dev/null: a missing dkms.conf is left out */
	if (path && read_file(path, &conf) == 0) {
		r = add_made_file(w, "./dkms_binaries_only/dkms.conf", conf.buf, conf.len);
		if (r)
			return r;
	}
	r = add_made_file(w, "./dkms_binaries_only/PACKAGE_NAME", name, strlen(name));
	if (r)
		return r;
	return add_made_file(w, "./dkms_binaries_only/PACKAGE_VERSION", version,
			     strlen(version));
}

static int write_archive(struct writer *w, const struct dkms_tarball_spec *spec, int fd,
			 int filter)
{
	_cleanup_(archive_write_freep) struct archive *a = archive_write_new();
	int r;

	if (!a)
		abort();
	w->a = a;
	if (archive_write_set_format_pax_restricted(a) < ARCHIVE_OK)
		return archive_fail(w, "pax format");
	if (filter != ARCHIVE_FILTER_NONE && archive_write_add_filter(a, filter) < ARCHIVE_OK)
		return archive_fail(w, "compression");
	if (archive_write_open_fd(a, fd) < ARCHIVE_OK)
		return archive_fail(w, "open");

	/* tar -C tmp . walks: ./ then the three top directories */
	r = add_made_dir(w, ".");
	if (!r && spec->content == DKMS_TARBALL_BINARIES_ONLY)
		r = add_binaries_only(w, spec);
	if (!r)
		r = add_main_tree(w, spec);
	if (!r && spec->content != DKMS_TARBALL_BINARIES_ONLY)
		r = add_tree(w, spec->source_dir, "./dkms_source_tree", true);
	if (r)
		return r;
	if (archive_write_close(a) < ARCHIVE_OK)
		return archive_fail(w, "close");
	w->a = NULL;
	return 0;
}

/* The temp file in its directory: removed at cleanup unless taken. */
struct tmp_at {
	int dir_fd;
	char *name;
};

static void tmp_at_release(struct tmp_at *t)
{
	if (t->name) {
		unlinkat(t->dir_fd, t->name, 0);
		free(t->name);
	}
	if (t->dir_fd >= 0)
		close(t->dir_fd);
}

static int close_take(int *fd)
{
	int r = close(*fd);

	*fd = -1;
	return r;
}

static void writer_release(struct writer *w)
{
	free(w->uname);
	free(w->gname);
	strbuf_release(&w->why);
}

int dkms_tarball_create(const struct dkms_ctx *ctx, const struct dkms_tarball_spec *spec,
			const char *output)
{
	_cleanup_(tmp_at_release) struct tmp_at t = { -1, NULL };
	_cleanup_free_ char *dir = NULL, *hidden = NULL;
	_cleanup_close_ int fd = -1;
	struct writer w = {
		.ctx = ctx, .uid = geteuid(), .gid = getegid(), .now = time(NULL),
		.why = STRBUF_INIT,
	};
	const char *slash, *base;
	mode_t mask;
	int r;

	if (spec->content != DKMS_TARBALL_BINARIES_ONLY && !spec->source_dir)
		return -EINVAL;
	if (spec->content != DKMS_TARBALL_SOURCE_ONLY) {
		for (size_t i = 0; i < spec->n_kernels; i++) {
			const struct dkms_tarball_kernel *k = &spec->kernels[i];

			if (!is_dir(k->built_dir)) {
				dkms_error(ctx, "No modules built for %s (%s).\n"
					   "Modules must already be in the built state before using mktarball.",
					   k->kernel, k->arch);
				return -ENOENT;
			}
			dkms_info(ctx, "Marking modules for %s (%s) for archiving...", k->kernel,
				  k->arch);
		}
	}
	dkms_info(ctx, "%s", "");
	if (spec->content == DKMS_TARBALL_BINARIES_ONLY)
		dkms_info(ctx, "Creating tarball structure to specifically accommodate binaries.");
	else
		dkms_info(ctx, "Marking %s for archiving...", spec->source_dir);

	dkms_info(ctx, "%s", "");
	dkms_info(ctx, "Tarball location: %s", output);

	slash = strrchr(output, '/');
	dir = slash ? xstrndup(output, (size_t)(slash - output)) : xstrdup(".");
	base = slash ? slash + 1 : output;
	if (strempty(base)) {
		dkms_error(ctx, "Failed to make tarball.\n%s: no file name", output);
		return -EINVAL;
	}
	if (strempty(dir)) {
		free(dir);
		dir = xstrdup("/");
	}
	if (spec->output_root) {
		t.dir_fd = beneath_open_path(spec->output_root, dir, true, 0755);
		if (t.dir_fd == -EXDEV) {
			dkms_error(ctx, "Could not create %s: it leads outside the DKMS tree", dir);
			return -EXDEV;
		}
	} else {
		t.dir_fd = open_dir_p(dir, 0755);
	}
	if (t.dir_fd < 0 || faccessat(t.dir_fd, ".", W_OK, 0) < 0) {
		dkms_error(ctx, "Missing write permissions for %s.", dir);
		return -EACCES;
	}

	/* beside the output (one rename), hidden while incomplete */
	hidden = xasprintf(".%s.", base);
	fd = mkstemp_at(t.dir_fd, hidden, "", &t.name);
	if (fd < 0) {
		r = fd;
		dkms_error(ctx, "Failed to make tarball.\n%s: %s", output, strerror(-r));
		return r;
	}

	r = write_archive(&w, spec, fd, dkms_tarball_filter_for_name(base));
	if (r) {
		dkms_error(ctx, "Failed to make tarball.\n%s: %s", output, w.why.buf);
		writer_release(&w);
		return r;
	}
	writer_release(&w);

	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || fsync(fd) < 0 || close_take(&fd) < 0 ||
	    renameat(t.dir_fd, t.name, t.dir_fd, base) < 0) {
		r = -errno;
		dkms_error(ctx, "Failed to make tarball.\n%s: %s", output, strerror(-r));
		return r;
	}
	free(TAKE_PTR(t.name));
	return 0;
}
