// SPDX-License-Identifier: GPL-2.0-or-later
/* ISO 9660 with Rock Ridge and Joliet: libarchive writes it, we read its descriptors. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkdisk/medium-impl.h"
#include "util/strbuf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_write_free)

#define ISO_SECTOR 2048
#define ISO_VD_START 16
#define ISO_VD_MAX 64 /* descriptors read before giving up on a terminator */
/*
 * ISO 9660 has 8 directory levels, the root being the first: a directory
 * of 8 path components is moved into /rr_moved by Rock Ridge; one of 14
 * lies in a moved tree deep enough to be moved again.
 */
#define ISO_MOVED_COMPONENTS 8
#define ISO_MOVED_TWICE_COMPONENTS 14
#define RR_MOVED "rr_moved"

static int set_option(struct archive *a, const char *key, const char *value)
{
	if (!value)
		return 0;
	return archive_write_set_format_option(a, "iso9660", key, value) < ARCHIVE_WARN ? -EINVAL
											  : 0;
}

static size_t count_components(const char *path)
{
	size_t n = 1;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

static const char *last_component(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Every directory of the payload, its own entries and the parents it implies; sorted, unique. */
static void collect_dirs(const struct payload *p, struct strv *ret)
{
	_cleanup_strv_ struct strv all = STRV_INIT;

	for (size_t i = 0; i < p->n; i++) {
		const char *path = p->entries[i].path;

		for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/'))
			strv_push_take(&all, xstrndup(path, (size_t)(s - path)));
		if (p->entries[i].kind == PAYLOAD_DIR)
			strv_push(&all, path);
	}
	strv_sort(&all);
	for (size_t i = 0; i < all.n; i++)
		if (!ret->n || !streq(ret->v[ret->n - 1], all.v[i]))
			strv_push(ret, all.v[i]);
}

/* The names directly in a top-level rr_moved of the payload, sorted, unique. */
static void collect_rr_moved_names(const struct payload *p, struct strv *ret)
{
	_cleanup_strv_ struct strv all = STRV_INIT;

	for (size_t i = 0; i < p->n; i++) {
		const char *path = p->entries[i].path;

		if (!strncmp(path, RR_MOVED "/", strlen(RR_MOVED) + 1)) {
			const char *name = path + strlen(RR_MOVED) + 1;

			strv_push_take(&all, xstrndup(name, strcspn(name, "/")));
		}
	}
	strv_sort(&all);
	for (size_t i = 0; i < all.n; i++)
		if (!ret->n || !streq(ret->v[ret->n - 1], all.v[i]))
			strv_push(ret, all.v[i]);
}

static int compare_last_component(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int c = strcmp(last_component(*x), last_component(*y));

	return c ? c : strcmp(*x, *y);
}

/*
 * Rock Ridge moves a directory deeper than ISO 9660's 8 levels into
 * /rr_moved and leaves links (CL, PL, RE) that the kernel's isofs and
 * libarchive's reader follow, so installers see the tree as written.
 * libarchive's writer (3.6 here; libarchive issues #1517 and #780) crashes
 * doing so when two moved directories have the same name (both become
 * entries of rr_moved), when one is named like an entry already in a
 * top-level rr_moved, and when a directory has to be moved twice. Those
 * trees are refused before libarchive sees them.
 */
int medium_iso_check_tree(const struct payload *p, char **ret_why)
{
	_cleanup_strv_ struct strv dirs = STRV_INIT, moved = STRV_INIT, taken = STRV_INIT;
	char *why = NULL;

	collect_dirs(p, &dirs);
	for (size_t i = 0; i < dirs.n && !why; i++) {
		size_t n = count_components(dirs.v[i]);

		if (n >= ISO_MOVED_TWICE_COMPONENTS)
			why = xasprintf("%s: a directory %zu levels deep (ISO 9660 holds 8; "
					"libarchive relocates a deeper one by Rock Ridge only once, "
					"up to %d levels)", dirs.v[i], n + 1, ISO_MOVED_TWICE_COMPONENTS);
		else if (n == ISO_MOVED_COMPONENTS)
			strv_push(&moved, dirs.v[i]);
	}
	if (!why && moved.n) {
		collect_rr_moved_names(p, &taken);
		qsort(moved.v, moved.n, sizeof(*moved.v), compare_last_component);
	}
	for (size_t i = 0; !why && i < moved.n; i++) {
		const char *name = last_component(moved.v[i]);

		if (i + 1 < moved.n && streq(name, last_component(moved.v[i + 1])))
			why = xasprintf("%s and %s: two directories named %s 9 levels deep (ISO 9660 "
					"holds 8; libarchive cannot relocate both into /" RR_MOVED ")",
					moved.v[i], moved.v[i + 1], name);
		else if (strv_contains(&taken, name))
			why = xasprintf("%s: a directory 9 levels deep named like " RR_MOVED "/%s "
					"(ISO 9660 holds 8; libarchive relocates it into /" RR_MOVED ")",
					moved.v[i], name);
	}
	if (ret_why)
		*ret_why = why;
	else
		free(why);
	return why ? -ENAMETOOLONG : 0;
}

int iso_write(const struct payload *p, const struct medium_opts *o, int fd)
{
	_cleanup_(archive_write_freep) struct archive *a = archive_write_new();
	int r;

	if (!a)
		return -ENOMEM;
	r = medium_iso_check_tree(p, NULL);
	if (r < 0)
		return r;
	if (archive_write_set_format_iso9660(a) != ARCHIVE_OK)
		return -EINVAL;
	/* the same volume id goes to the primary and the Joliet descriptor */
	r = set_option(a, "volume-id", o->label);
	if (r >= 0)
		r = set_option(a, "publisher", o->publisher);
	if (r >= 0)
		r = set_option(a, "application-id", o->publisher);
	if (r >= 0)
		r = set_option(a, "rockridge", "1");
	if (r >= 0)
		r = set_option(a, "joliet", "1");
	/* level 3 keeps 31-character names in the primary tree and allows large files */
	if (r >= 0)
		r = set_option(a, "iso-level", "3");
	if (r < 0)
		return r;
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
		return archive_errno_of(a);
	r = archive_add_payload(a, p);
	if (r < 0)
		return r;
	/* the image is laid out and written here */
	if (archive_write_close(a) != ARCHIVE_OK)
		return archive_errno_of(a);
	return 0;
}

static int read_sector(int fd, uint32_t lba, uint8_t *buf)
{
	ssize_t n = pread(fd, buf, ISO_SECTOR, (off_t)lba * ISO_SECTOR);

	if (n < 0)
		return -errno;
	return n == ISO_SECTOR ? 0 : -EBADMSG;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * SUSP entries in the system-use area of the root's "." record: Rock Ridge
 * announces itself there with "SP" (check bytes BE EF) and carries PX/NM/RR.
 */
static bool root_has_rock_ridge(int fd, const uint8_t *root_record)
{
	uint8_t sector[ISO_SECTOR];
	unsigned len, name_len, off;

	if (read_sector(fd, le32(root_record + 2), sector) < 0)
		return false;
	len = sector[0];
	name_len = sector[32];
	if (len < 34 || 33 + name_len > len)
		return false;
	off = 33 + name_len + (name_len % 2 == 0); /* the name is padded to an even length */
	while (off + 4 <= len) {
		const uint8_t *e = sector + off;

		if (e[2] < 4 || off + e[2] > len)
			break;
		if ((!memcmp(e, "SP", 2) && e[2] >= 7 && e[4] == 0xbe && e[5] == 0xef) ||
		    !memcmp(e, "RR", 2) || !memcmp(e, "PX", 2) || !memcmp(e, "NM", 2))
			return true;
		off += e[2];
	}
	return false;
}

int iso_probe(int fd, bool *ret_rock_ridge, bool *ret_joliet)
{
	uint8_t vd[ISO_SECTOR], root_record[34];
	bool have_primary = false, joliet = false;
	int r;

	for (uint32_t lba = ISO_VD_START; lba < ISO_VD_START + ISO_VD_MAX; lba++) {
		r = read_sector(fd, lba, vd);
		if (r < 0)
			return r;
		if (memcmp(vd + 1, "CD001", 5))
			return -EBADMSG;
		if (vd[0] == 255)
			break; /* the set terminator */
		if (vd[0] == 1 && !have_primary) {
			memcpy(root_record, vd + 156, sizeof(root_record));
			have_primary = true;
		}
		/* Joliet: a supplementary descriptor with a UCS-2 escape sequence */
		if (vd[0] == 2 && vd[88] == '%' && vd[89] == '/' &&
		    (vd[90] == '@' || vd[90] == 'C' || vd[90] == 'E'))
			joliet = true;
	}
	if (!have_primary)
		return -EBADMSG;
	*ret_rock_ridge = root_has_rock_ridge(fd, root_record);
	*ret_joliet = joliet;
	return 0;
}
