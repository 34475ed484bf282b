// SPDX-License-Identifier: GPL-2.0-or-later
/* Appending a fragment to an initrd and removing it exactly (see fragment.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/cpio.h"
#include "codec/newc.h"
#include "initrd/fragment.h"
#include "initrd/segments.h"
#include "util/failpoint.h"
#include "util/fileio.h"
#include "util/macro.h"

#define STATE_HEADER "# dkms initrd fragment"

/* Directories of one fragment in the order they come, for the parents-first rule. */
static bool seen_dir(const struct strv *dirs, const char *path, size_t len)
{
	for (size_t i = 0; i < dirs->n; i++)
		if (strlen(dirs->v[i]) == len && !strncmp(dirs->v[i], path, len))
			return true;
	return false;
}

static void check_entries(const struct initrd_segment *s, struct strv *problems)
{
	_cleanup_strv_ struct strv dirs = STRV_INIT;
	size_t pos = 0;
	bool checksummed = false;

	while (pos < s->data_len) {
		struct newc_entry e;
		const char *name, *slash;
		int r;

		if (s->data[pos] == '\0') {
			pos++;
			continue;
		}
		r = newc_next(s->data, s->data_len, &pos, &e, NULL);
		if (r <= 0)
			continue; /* trailers; damage was reported by initrd_split */
		checksummed |= e.checksummed;
		name = e.name;
		while (!strncmp(name, "./", 2))
			name += 2;
		name += strspn(name, "/");
		if (S_ISDIR(e.mode) && cpio_replaces_usr_link(name))
			strv_pushf(problems, "%s: a directory entry replaces a merged-/usr initrd's %s -> usr/%s "
					     "link (the kernel unlinks it), hiding what is below it",
				   name, name, name);
		slash = strrchr(name, '/');
		if (slash && strchr(name, '/') != slash && !seen_dir(&dirs, name, (size_t)(slash - name)))
			strv_pushf(problems, "%s: its directory %.*s does not come before it "
					     "(the kernel creates no parent directories)",
				   name, (int)(slash - name), name);
		if (S_ISDIR(e.mode))
			strv_push(&dirs, name);
	}
	if (checksummed)
		strv_push(problems, "cpio magic 070702: kernels before 5.x refuse it; write 070701");
}

int initrd_fragment_check(const void *fragment, size_t len, struct strv *problems)
{
	_cleanup_initrd_image_ struct initrd_image img = INITRD_IMAGE_INIT;
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	int r;

	r = initrd_split(fragment, len, &img, &why);
	if (r == -EBADMSG || r == -EOPNOTSUPP || r == -EFBIG) {
		strv_push(problems, why.buf);
		return 0;
	}
	if (r < 0)
		return r;
	if (img.n == 0)
		strv_push(problems, "holds no archive");
	for (size_t i = 0; i < img.problems.n; i++)
		strv_push(problems, img.problems.v[i]);
	for (size_t i = 0; i < img.n; i++)
		check_entries(&img.segments[i], problems);
	return 0;
}

static void sync_dir_of(const char *path)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	_cleanup_close_ int fd = -1;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
}

/*
 * Replace path by the concatenation of parts, through a temp file beside it
 * (same mode and owner), synced before the rename. On failure nothing but
 * the temp file was touched, and it is gone.
 */
static int replace_file(const char *path, const struct stat *st, const void *const *parts,
			const size_t *lens, size_t n, struct strbuf *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.dkms-XXXXXX", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	int r = 0;

	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot create a temporary file beside it: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n && r >= 0; i++)
		r = write_all(fd, parts[i], lens[i]);
	if (r >= 0 && fchmod(fd, st->st_mode & 07777) < 0)
		r = -errno;
	if (r >= 0 && fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM)
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0 && close(fd) < 0)
		r = -errno;
	fd = -1;
	if (r >= 0)
		failpoint("initrd:image-temp-written");
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		strbuf_addf(err, "cannot write %s: %s", tmp, strerror(-r));
		unlink(tmp);
		return r;
	}
	sync_dir_of(path);
	failpoint("initrd:image-renamed");
	return 0;
}

static int write_state(const char *path, const char *image, const struct fragment_state *s)
{
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;

	strbuf_addf(&text,
		    STATE_HEADER "\nimage=%s\noriginal_size=%" PRIu64 "\noriginal_sha256=%s\n"
				 "added_size=%" PRIu64 "\nadded_sha256=%s\n",
		    image, s->original_size, s->original_sha256, s->added_size, s->added_sha256);
	return write_file_atomic(path, text.buf, text.len, 0644);
}

static bool read_field(const char *text, const char *key, char *out, size_t size)
{
	_cleanup_free_ char *want = xasprintf("\n%s=", key);
	const char *p = strstr(text, want), *end;

	if (!p)
		return false;
	p += strlen(want);
	end = strchrnul(p, '\n');
	if ((size_t)(end - p) >= size)
		return false;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return true;
}

static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	errno = 0;
	*ret = strtoull(s, &end, 10);
	return *s && !*end && errno == 0;
}

int fragment_state_read(const char *path, struct fragment_state *ret)
{
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	char num[32];
	int r;

	r = read_file(path, &text);
	if (r < 0)
		return r;
	if (strncmp(text.buf, STATE_HEADER "\n", strlen(STATE_HEADER) + 1))
		return -EBADMSG;
	/* fields start after a newline; the header line supplies the first one */
	if (!read_field(text.buf, "original_size", num, sizeof(num)) ||
	    !parse_u64(num, &ret->original_size) ||
	    !read_field(text.buf, "added_size", num, sizeof(num)) ||
	    !parse_u64(num, &ret->added_size) ||
	    !read_field(text.buf, "original_sha256", ret->original_sha256, SHA256_HEX_SIZE) ||
	    !read_field(text.buf, "added_sha256", ret->added_sha256, SHA256_HEX_SIZE) ||
	    strlen(ret->original_sha256) != 64 || strlen(ret->added_sha256) != 64)
		return -EBADMSG;
	return 0;
}

size_t initrd_fragment_padding(const struct initrd_image *img)
{
	size_t pad = (4 - img->size % 4) % 4;

	if (img->n && img->segments[img->n - 1].compression == INITRD_LZ4 &&
	    img->size - img->end + pad < 4)
		pad += 4;
	return pad;
}

int initrd_fragment_append_read(const char *image, const void *bytes, size_t bytes_len,
				const struct initrd_image *img, const void *fragment, size_t len,
				const char *state_path, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT, added = STRBUF_INIT;
	struct fragment_state s = { 0 };
	static const char zeros[8];
	struct stat st;
	int r;

	if (stat(image, &st) < 0) {
		r = -errno;
		strbuf_addf(err, "%s: cannot read: %s", image, strerror(-r));
		return r;
	}
	{
		_cleanup_strv_ struct strv problems = STRV_INIT;

		r = initrd_fragment_check(fragment, len, &problems);
		if (r >= 0 && problems.n) {
			strbuf_addf(err, "the fragment for %s: %s (the image was not changed)", image,
				    problems.v[0]);
			return -EBADMSG;
		}
		if (r < 0) {
			strbuf_addf(err, "the fragment for %s: %s", image, strerror(-r));
			return r;
		}
	}

	strbuf_add(&added, zeros, initrd_fragment_padding(img));
	strbuf_add(&added, fragment, len);
	s.original_size = bytes_len;
	sha256_hex(bytes, bytes_len, s.original_sha256);
	s.added_size = added.len;
	sha256_hex(added.buf, added.len, s.added_sha256);
	/* the record first: a kill before the rename leaves a record of a
	 * fragment that is not there, which removal takes as removed */
	r = write_state(state_path, image, &s);
	if (r >= 0)
		failpoint("initrd:fragment-record-written");
	if (r < 0) {
		strbuf_addf(err, "%s: cannot write: %s", state_path, strerror(-r));
		return r;
	}
	{
		const void *parts[] = { bytes, added.buf };
		size_t lens[] = { bytes_len, added.len };

		r = replace_file(image, &st, parts, lens, 2, &why);
	}
	if (r < 0) {
		unlink(state_path);
		strbuf_addf(err, "%s: %s (the image was not changed)", image, why.buf);
		return r;
	}
	return 0;
}

int initrd_fragment_append(const char *image, const void *fragment, size_t len,
			   const char *state_path, struct strbuf *err)
{
	_cleanup_initrd_image_ struct initrd_image img = INITRD_IMAGE_INIT;
	_cleanup_strbuf_ struct strbuf data = STRBUF_INIT, why = STRBUF_INIT;
	int r;

	r = read_file(image, &data);
	if (r < 0) {
		strbuf_addf(err, "%s: cannot read: %s", image, strerror(-r));
		return r;
	}
	r = initrd_split(data.buf, data.len, &img, &why);
	if (r < 0) {
		strbuf_addf(err, "%s: %s (the image was not changed)", image, why.buf);
		return r;
	}
	return initrd_fragment_append_read(image, data.buf, data.len, &img, fragment, len, state_path, err);
}

int initrd_fragment_remove(const char *image, const char *state_path, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf data = STRBUF_INIT, why = STRBUF_INIT;
	struct fragment_state s;
	char sha[SHA256_HEX_SIZE];
	struct stat st;
	int r;

	r = fragment_state_read(state_path, &s);
	if (r < 0) {
		strbuf_addf(err, "%s: %s", state_path,
			    r == -ENOENT    ? "no record of a fragment appended to the image"
			    : r == -EBADMSG ? "not a dkms initrd fragment record"
					    : strerror(-r));
		return r;
	}
	r = stat(image, &st) < 0 ? -errno : read_file(image, &data);
	if (r < 0) {
		strbuf_addf(err, "%s: cannot read: %s", image, strerror(-r));
		return r;
	}
	if (data.len >= s.original_size)
		sha256_hex(data.buf, s.original_size, sha);
	if (data.len < s.original_size || strcmp(sha, s.original_sha256)) {
		strbuf_addf(err, "%s: changed since the fragment was appended (its first %" PRIu64
				 " bytes are not the recorded ones); not touched, %s kept",
			    image, s.original_size, state_path);
		return -ESTALE;
	}
	if (data.len > s.original_size) {
		sha256_hex(data.buf + s.original_size, data.len - s.original_size, sha);
		if (data.len - s.original_size != s.added_size || strcmp(sha, s.added_sha256)) {
			strbuf_addf(err, "%s: more than the recorded fragment follows the original %" PRIu64
					 " bytes (%zu bytes, %" PRIu64 " recorded); not touched, %s kept",
				    image, s.original_size, data.len - (size_t)s.original_size,
				    s.added_size, state_path);
			return -ESTALE;
		}
		{
			const void *parts[] = { data.buf };
			size_t lens[] = { (size_t)s.original_size };

			r = replace_file(image, &st, parts, lens, 1, &why);
		}
		if (r < 0) {
			strbuf_addf(err, "%s: %s (the image was not changed)", image, why.buf);
			return r;
		}
	}
	if (unlink(state_path) < 0 && errno != ENOENT) {
		r = -errno;
		strbuf_addf(err, "%s: cannot remove: %s", state_path, strerror(-r));
		return r;
	}
	return 0;
}
