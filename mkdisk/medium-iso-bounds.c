// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Directory extents of an ISO 9660 image checked against the image before
 * libarchive reads it. libarchive's reader asks its read-ahead for a whole
 * directory at once and allocates that many bytes first: a 26 KB image whose
 * root claims a 4 GB directory made it malloc 4 GB (fuzz-iso). Every
 * directory reachable from a primary or supplementary descriptor must lie
 * inside the file and be of a size a driver disk can have.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkdisk/medium-impl.h"
#include "util/strbuf.h"

#define ISO_SECTOR 2048
#define ISO_VD_START 16
#define ISO_VD_MAX 64
#define ISO_DIR_MAX (16u << 20) /* bytes of records in one directory */
#define ISO_DIRS_MAX 65536u	/* directories in one image */

struct dir_extent {
	uint64_t offset;
	uint32_t size;
};

struct iso_walk {
	int fd;
	uint64_t image_size;
	uint32_t block_size;
	struct dir_extent *queue;
	size_t n, alloc;
	uint8_t *seen; /* one bit per block of the image: directories already queued */
	char *why;
};

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Queue the directory a record names, once; -EBADMSG with w->why when it cannot be. */
static int queue_dir(struct iso_walk *w, const uint8_t *rec, const char *what)
{
	uint32_t lba = le32(rec + 2), size = le32(rec + 10);
	uint64_t offset = (uint64_t)lba * w->block_size;

	if (size > ISO_DIR_MAX) {
		w->why = xasprintf("ISO 9660 %s at block %u claims a %u-byte directory "
				   "(a driver disk's are a few KB; refused above %u)",
				   what, lba, size, ISO_DIR_MAX);
		return -EBADMSG;
	}
	if (offset > w->image_size || size > w->image_size - offset) {
		w->why = xasprintf("ISO 9660 %s at block %u (%u bytes) lies beyond the "
				   "image's end (%llu bytes)",
				   what, lba, size, (unsigned long long)w->image_size);
		return -EBADMSG;
	}
	if (w->seen[lba / 8] & (1u << (lba % 8)))
		return 0;
	w->seen[lba / 8] |= (uint8_t)(1u << (lba % 8));
	if (w->n >= ISO_DIRS_MAX) {
		w->why = xasprintf("ISO 9660 image with more than %u directories", ISO_DIRS_MAX);
		return -EBADMSG;
	}
	if (w->n == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 64;
		w->queue = xrealloc(w->queue, w->alloc * sizeof(*w->queue));
	}
	w->queue[w->n++] = (struct dir_extent){ offset, size };
	return 0;
}

/* The subdirectories among one directory's records, queued. */
static int scan_dir(struct iso_walk *w, const struct dir_extent *d)
{
	_cleanup_free_ uint8_t *buf = NULL;
	uint32_t off = 0;
	ssize_t n;

	if (!d->size)
		return 0;
	buf = xmalloc(d->size);
	n = pread(w->fd, buf, d->size, (off_t)d->offset);
	if (n < 0)
		return -errno;
	if ((size_t)n != d->size) {
		w->why = xasprintf("ISO 9660 directory at byte %llu: short read",
				   (unsigned long long)d->offset);
		return -EBADMSG;
	}
	while (off < d->size) {
		const uint8_t *rec = buf + off;
		uint32_t len = rec[0];
		int r;

		/* records never cross a sector: a zero length pads to the next one */
		if (len == 0) {
			off = (off / ISO_SECTOR + 1) * ISO_SECTOR;
			continue;
		}
		if (len < 34 || off + len > d->size || 33u + rec[32] > len)
			break; /* damaged: libarchive reports it with its own words */
		/* "." and ".." (names 0x00 and 0x01) point at this directory and its parent */
		if ((rec[25] & 0x02) && !(rec[32] == 1 && rec[33] <= 1)) {
			r = queue_dir(w, rec, "directory");
			if (r < 0)
				return r;
		}
		off += len;
	}
	return 0;
}

int iso_check_bounds(int fd, uint64_t image_size, char **ret_why)
{
	struct iso_walk w = { .fd = fd, .image_size = image_size };
	uint8_t vd[ISO_SECTOR];
	int r = 0;

	*ret_why = NULL;
	for (uint32_t lba = ISO_VD_START; lba < ISO_VD_START + ISO_VD_MAX && r >= 0; lba++) {
		ssize_t n = pread(fd, vd, sizeof(vd), (off_t)lba * ISO_SECTOR);

		if (n != ISO_SECTOR || memcmp(vd + 1, "CD001", 5) || vd[0] == 255)
			break;
		if (vd[0] != 1 && vd[0] != 2)
			continue;
		if (!w.block_size) {
			w.block_size = le16(vd + 128);
			/* ISO 9660 allows 512, 1024 and 2048; libarchive reads only 2048 */
			if (w.block_size != 512 && w.block_size != 1024 && w.block_size != 2048) {
				w.why = xasprintf("ISO 9660 logical block size %u (512, 1024 or 2048)",
						  w.block_size);
				r = -EBADMSG;
				break;
			}
			w.seen = xcalloc(image_size / w.block_size / 8 + 1, 1);
		}
		r = queue_dir(&w, vd + 156, vd[0] == 1 ? "primary root" : "supplementary root");
	}
	for (size_t i = 0; i < w.n && r >= 0; i++) {
		struct dir_extent d = w.queue[i];

		r = scan_dir(&w, &d);
	}
	free(w.queue);
	free(w.seen);
	*ret_why = w.why;
	return r;
}
