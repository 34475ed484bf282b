// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/payload.h"
#include "util/dir.h"
#include "util/fileio.h"
#include "util/macro.h"

static void entry_release(struct payload_entry *e)
{
	free(e->path);
	free(e->data);
	free(e->source);
	free(e->target);
	memset(e, 0, sizeof(*e));
}

void payload_release(struct payload *p)
{
	for (size_t i = 0; i < p->n; i++)
		entry_release(&p->entries[i]);
	free(p->entries);
	p->entries = NULL;
	p->n = p->alloc = 0;
}

/* "/./a//b/" -> "a/b"; NULL for "", "." or any ".." component. */
static char *normalise(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = path;

	while (*s) {
		const char *end;
		size_t len;

		while (*s == '/')
			s++;
		end = strchrnul(s, '/');
		len = (size_t)(end - s);
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			strbuf_release(&sb);
			return NULL;
		}
		if (len && !(len == 1 && s[0] == '.')) {
			if (sb.len)
				strbuf_addch(&sb, '/');
			strbuf_add(&sb, s, len);
		}
		s = end;
	}
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

static struct payload_entry *find_entry(struct payload *p, const char *path)
{
	for (size_t i = p->n; i-- > 0;)
		if (streq(p->entries[i].path, path))
			return &p->entries[i];
	return NULL;
}

const struct payload_entry *payload_find(const struct payload *p, const char *path)
{
	_cleanup_free_ char *norm = normalise(path);

	return norm ? find_entry((struct payload *)p, norm) : NULL;
}

static int add_parents(struct payload *p, const char *path);

/* Takes ownership of norm. */
static struct payload_entry *new_entry(struct payload *p, char *norm, enum payload_kind kind,
				       mode_t perm)
{
	struct payload_entry *e = find_entry(p, norm);

	if (e) {
		free(norm);
		norm = e->path;
		e->path = NULL;
		entry_release(e);
	} else {
		if (p->n == p->alloc) {
			p->alloc = p->alloc ? 2 * p->alloc : 16;
			p->entries = xrealloc(p->entries, p->alloc * sizeof(*p->entries));
		}
		e = &p->entries[p->n++];
		memset(e, 0, sizeof(*e));
	}
	e->path = norm;
	e->kind = kind;
	e->perm = perm & 07777;
	return e;
}

static int add_parents(struct payload *p, const char *path)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (!slash)
		return 0;
	*slash = '\0';
	if (find_entry(p, dir))
		return 0;
	return payload_add_dir(p, dir, 0755);
}

int payload_add_dir(struct payload *p, const char *path, mode_t perm)
{
	char *norm = normalise(path);
	struct payload_entry *e;
	int r;

	if (!norm)
		return -EINVAL;
	e = find_entry(p, norm);
	if (e && e->kind == PAYLOAD_DIR) {
		e->perm = perm & 07777;
		free(norm);
		return 0;
	}
	r = add_parents(p, norm);
	if (r < 0) {
		free(norm);
		return r;
	}
	new_entry(p, norm, PAYLOAD_DIR, perm);
	return 0;
}

int payload_add_data(struct payload *p, const char *path, mode_t perm, const void *data,
		     size_t size)
{
	char *norm = normalise(path);
	struct payload_entry *e;
	int r;

	if (!norm)
		return -EINVAL;
	r = add_parents(p, norm);
	if (r < 0) {
		free(norm);
		return r;
	}
	e = new_entry(p, norm, PAYLOAD_FILE, perm);
	e->data = xmalloc(size + 1);
	if (size)
		memcpy(e->data, data, size);
	e->data[size] = '\0';
	e->size = size;
	return 0;
}

int payload_add_str(struct payload *p, const char *path, mode_t perm, const char *s)
{
	return payload_add_data(p, path, perm, s, strlen(s));
}

int payload_add_file(struct payload *p, const char *path, mode_t perm, const char *source)
{
	char *norm = normalise(path);
	struct payload_entry *e;
	struct stat st;
	int r;

	if (!norm)
		return -EINVAL;
	if (stat(source, &st) < 0) {
		r = -errno;
		free(norm);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		free(norm);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	r = add_parents(p, norm);
	if (r < 0) {
		free(norm);
		return r;
	}
	e = new_entry(p, norm, PAYLOAD_FILE, perm);
	e->source = xstrdup(source);
	e->size = (size_t)st.st_size;
	return 0;
}

int payload_add_symlink(struct payload *p, const char *path, const char *target)
{
	char *norm = normalise(path);
	struct payload_entry *e;
	int r;

	if (!norm || strempty(target)) {
		free(norm);
		return -EINVAL;
	}
	r = add_parents(p, norm);
	if (r < 0) {
		free(norm);
		return r;
	}
	e = new_entry(p, norm, PAYLOAD_SYMLINK, 0777);
	e->target = xstrdup(target);
	e->size = strlen(target);
	return 0;
}

int payload_add_tree(struct payload *p, const char *prefix, const char *dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	int r;

	if (!d)
		return -errno;
	if (!strempty(prefix)) {
		r = payload_add_dir(p, prefix, 0755);
		if (r < 0)
			return r;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *src = NULL, *dst = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		src = xasprintf("%s/%s", dir, de->d_name);
		dst = strempty(prefix) ? xstrdup(de->d_name) : xasprintf("%s/%s", prefix, de->d_name);
		if (lstat(src, &st) < 0)
			return -errno;
		if (S_ISDIR(st.st_mode)) {
			r = payload_add_tree(p, dst, src);
			if (r >= 0)
				r = payload_add_dir(p, dst, st.st_mode);
		} else if (S_ISLNK(st.st_mode)) {
			_cleanup_free_ char *target = read_link(src);

			r = target ? payload_add_symlink(p, dst, target) : -errno;
		} else if (S_ISREG(st.st_mode)) {
			r = payload_add_file(p, dst, st.st_mode, src);
		} else {
			r = -EOPNOTSUPP; /* devices and fifos have no place on a driver disk */
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int payload_remove(struct payload *p, const char *path)
{
	_cleanup_free_ char *norm = normalise(path);
	struct payload_entry *e = norm ? find_entry(p, norm) : NULL;
	size_t i;

	if (!e)
		return -ENOENT;
	i = (size_t)(e - p->entries);
	entry_release(e);
	memmove(e, e + 1, (p->n - i - 1) * sizeof(*e));
	p->n--;
	return 0;
}

int payload_merge(struct payload *p, const char *prefix, const struct payload *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct payload_entry *e = &src->entries[i];
		_cleanup_free_ char *path = strempty(prefix) ? xstrdup(e->path)
							     : xasprintf("%s/%s", prefix, e->path);
		int r;

		switch (e->kind) {
		case PAYLOAD_DIR:
			r = payload_add_dir(p, path, e->perm);
			break;
		case PAYLOAD_SYMLINK:
			r = payload_add_symlink(p, path, e->target);
			break;
		default:
			r = e->source ? payload_add_file(p, path, e->perm, e->source)
				      : payload_add_data(p, path, e->perm, e->data, e->size);
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Compare path by path component, so "a/b" sorts right after "a". */
static int entry_cmp(const void *a, const void *b)
{
	const char *x = ((const struct payload_entry *)a)->path;
	const char *y = ((const struct payload_entry *)b)->path;

	for (; *x && *x == *y; x++, y++)
		;
	if (*x == *y)
		return 0;
	if (!*x)
		return -1;
	if (!*y)
		return 1;
	if (*x == '/')
		return -1;
	if (*y == '/')
		return 1;
	return (unsigned char)*x - (unsigned char)*y;
}

void payload_sort(struct payload *p)
{
	if (p->n > 1)
		qsort(p->entries, p->n, sizeof(*p->entries), entry_cmp);
}

int payload_entry_read(const struct payload_entry *e, struct strbuf *out)
{
	strbuf_reset(out);
	if (e->kind != PAYLOAD_FILE)
		return -EINVAL;
	if (!e->source) {
		strbuf_add(out, e->data, e->size);
		return 0;
	}
	return read_file(e->source, out);
}

size_t payload_content_size(const struct payload *p)
{
	size_t total = 0;

	for (size_t i = 0; i < p->n; i++)
		total += p->entries[i].size;
	return total;
}

static int add_parent_dirs_on_disk(const char *path)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (!slash)
		return 0;
	*slash = '\0';
	return mkdir_p(dir, 0755);
}

int payload_write_tree(const struct payload *p, const char *dir)
{
	int r = mkdir_p(dir, 0755);

	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n; i++) {
		const struct payload_entry *e = &p->entries[i];
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, e->path);

		switch (e->kind) {
		case PAYLOAD_DIR:
			r = mkdir_p(path, 0755); /* its mode is set below, once it is filled */
			break;
		case PAYLOAD_SYMLINK:
			r = add_parent_dirs_on_disk(path);
			if (r >= 0 && symlink(e->target, path) < 0)
				r = -errno;
			break;
		default:
			r = add_parent_dirs_on_disk(path);
			if (r >= 0)
				r = e->source ? copy_file(e->source, path)
					      : write_file_atomic(path, e->data, e->size, e->perm);
			if (r >= 0 && chmod(path, e->perm) < 0)
				r = -errno;
			break;
		}
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct payload_entry *e = &p->entries[i];
		_cleanup_free_ char *path = NULL;

		if (e->kind != PAYLOAD_DIR)
			continue;
		path = xasprintf("%s/%s", dir, e->path);
		if (chmod(path, e->perm) < 0)
			return -errno;
	}
	return 0;
}
