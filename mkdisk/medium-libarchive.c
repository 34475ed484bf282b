// SPDX-License-Identifier: GPL-2.0-or-later
/* libarchive both ways: payload entries into a writer, any archive out into a tree. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkdisk/medium-impl.h"
#include "util/strbuf.h"

/* entries of one image read back: a driver disk holds hundreds */
#define MEDIUM_MAX_ENTRIES 100000u

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive_entry *, archive_entry_free)

int archive_errno_of(struct archive *a)
{
	int e = archive_errno(a);

	return e > 0 ? -e : -EIO;
}

/* Entries for libarchive's writers (the ISO's and the tar's): one per payload entry. */
int archive_add_payload(struct archive *a, const struct payload *p)
{
	_cleanup_(archive_entry_freep) struct archive_entry *ae = archive_entry_new();
	_cleanup_strbuf_ struct strbuf data = STRBUF_INIT;
	struct payload sorted = { .n = p->n, .alloc = p->n, .mtime = p->mtime };
	int r = 0;

	if (!ae)
		return -ENOMEM;
	sorted.entries = xmalloc((p->n ?: 1) * sizeof(*p->entries));
	if (p->n)
		memcpy(sorted.entries, p->entries, p->n * sizeof(*p->entries));
	payload_sort(&sorted);
	for (size_t i = 0; i < sorted.n && r >= 0; i++) {
		const struct payload_entry *e = &sorted.entries[i];

		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, e->path);
		archive_entry_set_mtime(ae, p->mtime, 0);
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		archive_entry_set_uname(ae, "root");
		archive_entry_set_gname(ae, "root");
		strbuf_reset(&data);
		switch (e->kind) {
		case PAYLOAD_DIR:
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, e->perm);
			break;
		case PAYLOAD_SYMLINK:
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_perm(ae, 0777);
			archive_entry_set_symlink(ae, e->target);
			break;
		default:
			r = payload_entry_read(e, &data);
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, e->perm);
			archive_entry_set_size(ae, (la_int64_t)data.len);
			break;
		}
		if (r < 0)
			break;
		if (archive_write_header(a, ae) < ARCHIVE_WARN) {
			r = archive_errno_of(a);
			break;
		}
		if (data.len && archive_write_data(a, data.buf, data.len) != (la_ssize_t)data.len)
			r = archive_errno_of(a);
	}
	free(sorted.entries);
	return r;
}


/* An entry's data into fd, holes (sparse tar) kept as holes. */
static int copy_data(struct archive *a, struct extract *x, int fd, la_int64_t size)
{
	const void *buf;
	size_t len;
	la_int64_t off, pos = 0;
	int r;

	while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN) {
		if (off != pos && lseek(fd, (off_t)off, SEEK_SET) < 0)
			return -errno;
		r = extract_write(x, fd, buf, len);
		if (r < 0)
			return r;
		pos = off + (la_int64_t)len;
	}
	if (r != ARCHIVE_EOF)
		return -EBADMSG;
	if (pos < size && ftruncate(fd, (off_t)size) < 0)
		return -errno;
	return 0;
}

static int unpack_entry(struct archive *a, struct archive_entry *ae, struct extract *x)
{
	const char *name = archive_entry_pathname(ae) ?: archive_entry_pathname_utf8(ae);
	const char *hard = archive_entry_hardlink(ae);
	la_int64_t size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;
	_cleanup_close_ int fd = -1;
	int r;

	if (!name)
		return 0;
	if (hard) {
		r = extract_hardlink(x, name, hard, size > 0 ? &fd : NULL);
		return r < 0 || fd < 0 ? r : copy_data(a, x, fd, size);
	}
	switch (archive_entry_filetype(ae)) {
	case AE_IFDIR:
		return extract_dir(x, name, archive_entry_perm(ae));
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(ae) ?: archive_entry_symlink_utf8(ae);

		return extract_symlink(x, name, target ?: "");
	}
	case AE_IFREG:
		r = extract_file(x, name, archive_entry_perm(ae), &fd);
		return r < 0 || fd < 0 ? r : copy_data(a, x, fd, size);
	default:
		extract_problem(x, "%s: a device, fifo or socket; not unpacked", name);
		return 0;
	}
}

int archive_unpack(int fd, struct extract *x, bool *ret_saw_pax)
{
	_cleanup_(archive_read_freep) struct archive *a = archive_read_new();
	struct archive_entry *ae;
	bool pax = false;
	unsigned entries = 0;
	int r;

	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_iso9660(a);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		extract_problem(x, "%s", archive_error_string(a) ?: "not an archive");
		return -EBADMSG;
	}
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		/*
		 * libarchive keeps every ISO entry it has read (about 750 bytes
		 * each), and directories that share extents make millions of
		 * entries from a few KiB: stop at what no driver disk comes near.
		 */
		if (++entries > MEDIUM_MAX_ENTRIES) {
			extract_problem(x, "more than %u entries; not unpacked further",
					MEDIUM_MAX_ENTRIES);
			return -EBADMSG;
		}
		if (archive_format(a) == ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE)
			pax = true;
		r = unpack_entry(a, ae, x);
		if (r == -EBADMSG) {
			extract_problem(x, "%s", archive_error_string(a) ?: "damaged archive");
			return r;
		}
		if (r < 0)
			return r;
	}
	if (r != ARCHIVE_EOF) {
		extract_problem(x, "%s", archive_error_string(a) ?: "damaged archive");
		return -EBADMSG;
	}
	if (ret_saw_pax)
		*ret_saw_pax = pax;
	return 0;
}
