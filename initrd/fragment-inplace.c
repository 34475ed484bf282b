// SPDX-License-Identifier: GPL-2.0-or-later
/* dkms's fragment changed in place, journalled by its record (fragment-inplace.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initrd/fragment-inplace.h"
#include "util/failpoint.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"

/* The first line of a record, as fragment.c writes and reads it. */
#define RECORD_HEADER "# dkms initrd fragment"
/* How much of each end of the image its key hashes. */
#define KEY_SPAN 65536

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void fragment_record_release(struct fragment_record *r)
{
	free(r->key);
	r->key = NULL;
	strv_release(&r->names);
	strv_release(&r->relpaths);
}

int fragment_record_read(const char *path, struct fragment_record *ret)
{
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	unsigned long count = (unsigned long)-1;
	int r = fragment_state_read(path, &ret->s);

	if (r < 0)
		return r;
	r = read_file(path, &text);
	if (r < 0)
		return r;
	for (char *line = text.buf; *line;) {
		char *end = strchrnul(line, '\n'), *tab;
		bool last = !*end;

		*end = '\0';
		if (!strncmp(line, "state=", 6)) {
			ret->pending = streq(line + 6, "pending");
		} else if (!strncmp(line, "padding=", 8)) {
			ret->padding = strtoul(line + 8, NULL, 10);
			ret->have_padding = ret->padding < 8;
		} else if (!strncmp(line, "image_key=", 10)) {
			free(ret->key);
			ret->key = xstrdup(line + 10);
		} else if (!strncmp(line, "modules=", 8)) {
			count = strtoul(line + 8, NULL, 10);
			ret->have_modules = true;
		} else if (!strncmp(line, "module=", 7) && (tab = strchr(line + 7, '\t'))) {
			strv_push_take(&ret->names, xstrndup(line + 7, (size_t)(tab - line - 7)));
			strv_push(&ret->relpaths, tab + 1);
		}
		line = last ? end : end + 1;
	}
	/* the count last: a list without it, or another one, is not to be trusted */
	if (count != ret->names.n)
		ret->have_modules = false;
	return 0;
}

/* The record's text: fragment.c's fields, then ours. */
static char *record_text(const char *image, const struct fragment_record *r)
{
	struct strbuf t = STRBUF_INIT;

	strbuf_addf(&t,
		    RECORD_HEADER "\nimage=%s\noriginal_size=%" PRIu64 "\noriginal_sha256=%s\n"
				  "added_size=%" PRIu64 "\nadded_sha256=%s\n",
		    image, r->s.original_size, r->s.original_sha256, r->s.added_size, r->s.added_sha256);
	strbuf_addf(&t, "state=%s\npadding=%zu\n", r->pending ? "pending" : "done", r->padding);
	if (r->key)
		strbuf_addf(&t, "image_key=%s\n", r->key);
	for (size_t i = 0; i < r->names.n; i++)
		strbuf_addf(&t, "module=%s\t%s\n", r->names.v[i], r->relpaths.v[i]);
	strbuf_addf(&t, "modules=%zu\n", r->names.n);
	return strbuf_detach(&t);
}

static int record_write(const char *path, const char *image, const struct fragment_record *r)
{
	_cleanup_free_ char *text = record_text(image, r);

	return write_file_atomic(path, text, strlen(text), 0644);
}

static int pread_all(int fd, void *buf, size_t len, off_t at)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* shorter than fstat said: changing under us */
		p += n;
		at += n;
		len -= (size_t)n;
	}
	return 0;
}

char *image_key_fd(int fd)
{
	_cleanup_free_ char *buf = xmalloc(KEY_SPAN);
	struct sha256 h;
	uint8_t digest[32];
	char hex[SHA256_HEX_SIZE];
	struct stat st;
	size_t head, tail;

	if (fstat(fd, &st) < 0)
		return NULL;
	head = (size_t)min_u64((uint64_t)st.st_size, KEY_SPAN);
	tail = (size_t)min_u64((uint64_t)st.st_size - head, KEY_SPAN);
	sha256_init(&h);
	if (pread_all(fd, buf, head, 0) < 0)
		return NULL;
	sha256_update(&h, buf, head);
	if (pread_all(fd, buf, tail, st.st_size - (off_t)tail) < 0)
		return NULL;
	sha256_update(&h, buf, tail);
	sha256_final(&h, digest);
	sha256_digest_hex(digest, hex);
	return xasprintf("%ju:%ju:%jd:%jd.%09ld:%jd.%09ld:%s", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
			 (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			 (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec, hex);
}

char *image_key(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? NULL : image_key_fd(fd);
}

/* The SHA-256 of [from, from + len) of the file at fd. */
static int hash_range(int fd, uint64_t from, uint64_t len, char out[SHA256_HEX_SIZE])
{
	_cleanup_free_ char *buf = xmalloc(1 << 20);
	struct sha256 h;
	uint8_t digest[32];
	int r;

	sha256_init(&h);
	while (len) {
		size_t n = (size_t)min_u64(len, 1 << 20);

		r = pread_all(fd, buf, n, (off_t)from);
		if (r < 0)
			return r;
		sha256_update(&h, buf, n);
		from += n;
		len -= n;
	}
	sha256_final(&h, digest);
	sha256_digest_hex(digest, out);
	return 0;
}

/*
 * Write data at offset at and end the file there, synced. The blocks are
 * the old fragment's and those reserved beyond it, so this needs no space.
 */
static int write_at(int fd, uint64_t at, const void *data, size_t len)
{
	int r;

	if (lseek(fd, (off_t)at, SEEK_SET) < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r < 0)
		return r;
	if (ftruncate(fd, (off_t)(at + len)) < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

int fragment_append_in_place(const char *image, const char *state_path, uint64_t original_size,
			     const char *original_sha256, size_t padding, const void *fragment, size_t len,
			     const struct strv *names, const struct strv *relpaths, char **ret_key,
			     struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf old_record = STRBUF_INIT, old_tail = STRBUF_INIT, added = STRBUF_INIT;
	_cleanup_close_ int fd = open(image, O_RDWR | O_CLOEXEC);
	struct fragment_record rec = FRAGMENT_RECORD_INIT;
	static const char zeros[8];
	bool had_record;
	struct stat st;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0 || (uint64_t)st.st_size < original_size) {
		r = fd < 0 || errno ? -errno : -ESTALE;
		strbuf_addf(err, "%s: cannot write: %s", image, strerror(r == -ESTALE ? ESTALE : -r));
		return r;
	}
	had_record = read_file(state_path, &old_record) == 0;
	/* what to put back if the new fragment cannot go on (small: a fragment) */
	strbuf_grow(&old_tail, (size_t)((uint64_t)st.st_size - original_size));
	r = pread_all(fd, old_tail.buf, (size_t)((uint64_t)st.st_size - original_size), (off_t)original_size);
	if (r < 0) {
		strbuf_addf(err, "%s: cannot read: %s", image, strerror(-r));
		return r;
	}
	strbuf_setlen(&old_tail, (size_t)((uint64_t)st.st_size - original_size));

	strbuf_add(&added, zeros, (size_t)min_u64(padding, sizeof(zeros)));
	strbuf_add(&added, fragment, len);
	rec.s.original_size = original_size;
	memcpy(rec.s.original_sha256, original_sha256, SHA256_HEX_SIZE);
	rec.s.added_size = added.len;
	sha256_hex(added.buf, added.len, rec.s.added_sha256);
	rec.pending = true;
	rec.padding = (size_t)min_u64(padding, sizeof(zeros));
	for (size_t i = 0; i < names->n; i++) {
		if (strpbrk(names->v[i], "\t\n") || strpbrk(relpaths->v[i], "\t\n")) {
			strbuf_addf(err, "%s: a module path with a tab or newline; the image was not changed",
				    relpaths->v[i]);
			r = -EINVAL;
			goto out;
		}
		strv_push(&rec.names, names->v[i]);
		strv_push(&rec.relpaths, relpaths->v[i]);
	}
	r = record_write(state_path, image, &rec);
	if (r < 0) {
		strbuf_addf(err, "%s: cannot write: %s (the image was not changed)", state_path, strerror(-r));
		goto out;
	}
	failpoint("initrd:fragment-record-written");
	/* the space first, beyond the end and not counted in it: a full disk then changes nothing */
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)original_size, (off_t)added.len) < 0 &&
	    errno != EOPNOTSUPP && errno != ENOSYS) {
		r = -errno;
		strbuf_addf(err, "%s: cannot write: %s", image, strerror(-r));
		goto undo_record;
	}
	failpoint("initrd:image-reserved");
	/* from here to the sync a kill leaves part of the new fragment: the record is pending */
	r = write_at(fd, original_size, added.buf, added.len);
	if (r < 0) {
		strbuf_addf(err, "%s: cannot write: %s", image, strerror(-r));
		/* the previous fragment back where it was, in blocks it had */
		if (write_at(fd, original_size, old_tail.buf, old_tail.len) < 0) {
			strbuf_addf(err, "; the previous fragment could not be put back, %s is pending", state_path);
			goto out;
		}
		goto undo_record;
	}
	failpoint("initrd:image-appended");
	rec.pending = false;
	rec.key = image_key_fd(fd);
	/* a done record lost to a crash is settled from the pending one */
	if (record_write(state_path, image, &rec) < 0)
		goto out;
	failpoint("initrd:fragment-record-done");
	if (ret_key)
		*ret_key = TAKE_PTR(rec.key);
	r = 0;
	goto out;
undo_record:
	if (had_record ? write_file_atomic(state_path, old_record.buf, old_record.len, 0644) < 0
		       : unlink(state_path) < 0)
		strbuf_addf(err, "; %s could not be put back", state_path);
	else
		strbuf_addstr(err, " (the image was not changed)");
out:
	fragment_record_release(&rec);
	return r;
}

bool fragment_verify(const char *image, const struct fragment_record *rec)
{
	_cleanup_close_ int fd = open(image, O_RDONLY | O_CLOEXEC);
	char sha[SHA256_HEX_SIZE];
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_size == rec->s.original_size + rec->s.added_size &&
	       hash_range(fd, 0, rec->s.original_size, sha) == 0 && streq(sha, rec->s.original_sha256) &&
	       hash_range(fd, rec->s.original_size, rec->s.added_size, sha) == 0 && streq(sha, rec->s.added_sha256);
}

int fragment_strip_in_place(const char *image, const char *state_path, uint64_t original_size,
			    char **ret_key, struct strbuf *err)
{
	_cleanup_close_ int fd = open(image, O_RDWR | O_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)original_size) < 0 || fsync(fd) < 0) {
		int r = -errno;

		strbuf_addf(err, "%s: cannot write: %s (the image was not changed)", image, strerror(-r));
		return r;
	}
	failpoint("initrd:image-cut");
	/* a kill here leaves a record of a fragment that is not there: taken as removed */
	if (unlink(state_path) < 0 && errno != ENOENT) {
		int r = -errno;

		strbuf_addf(err, "%s: cannot remove: %s", state_path, strerror(-r));
		return r;
	}
	if (ret_key)
		*ret_key = image_key_fd(fd);
	return 0;
}

int fragment_settle(const char *image, const char *state_path, struct strbuf *err)
{
	struct fragment_record rec = FRAGMENT_RECORD_INIT;
	_cleanup_close_ int fd = -1;
	char sha[SHA256_HEX_SIZE];
	struct stat st;
	int r = fragment_record_read(state_path, &rec);

	if (r < 0 || !rec.pending) {
		fragment_record_release(&rec);
		return 0;
	}
	fd = open(image, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		strbuf_addf(err, "%s: cannot read: %s", image, strerror(-r));
		goto out;
	}
	rec.pending = false;
	if ((uint64_t)st.st_size == rec.s.original_size + rec.s.added_size &&
	    hash_range(fd, rec.s.original_size, rec.s.added_size, sha) == 0 && streq(sha, rec.s.added_sha256)) {
		/* the fragment went on whole; only the record's last write is missing */
		rec.key = image_key_fd(fd);
	} else if ((uint64_t)st.st_size >= rec.s.original_size &&
		   hash_range(fd, 0, rec.s.original_size, sha) == 0 && streq(sha, rec.s.original_sha256)) {
		/* back to the original; the record keeps the modules meant for the fragment */
		if (ftruncate(fd, (off_t)rec.s.original_size) < 0 || fsync(fd) < 0) {
			r = -errno;
			strbuf_addf(err, "%s: cannot write: %s", image, strerror(-r));
			goto out;
		}
		rec.s.added_size = 0;
		sha256_hex("", 0, rec.s.added_sha256);
		rec.key = image_key_fd(fd);
	} else {
		/* made anew since (a generator): nothing of dkms's on it */
		r = unlink(state_path) < 0 ? -errno : 1;
		if (r < 0)
			strbuf_addf(err, "%s: cannot remove: %s", state_path, strerror(-r));
		goto out;
	}
	r = record_write(state_path, image, &rec);
	if (r < 0)
		strbuf_addf(err, "%s: cannot write: %s", state_path, strerror(-r));
	else
		r = 1;
out:
	fragment_record_release(&rec);
	return r;
}
