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

static int set_option(struct archive *a, const char *key, const char *value)
{
	if (!value)
		return 0;
	return archive_write_set_format_option(a, "iso9660", key, value) < ARCHIVE_WARN ? -EINVAL
											  : 0;
}

int iso_write(const struct payload *p, const struct medium_opts *o, int fd)
{
	_cleanup_(archive_write_freep) struct archive *a = archive_write_new();
	int r;

	if (!a)
		return -ENOMEM;
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
