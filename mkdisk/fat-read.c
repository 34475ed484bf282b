// SPDX-License-Identifier: GPL-2.0-or-later
/* Unpacking a FAT12/16/32 image, long names included (see fat.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "mkdisk/fat.h"
#include "util/macro.h"
#include "util/strbuf.h"

#define DIRENT 32
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_READ_ONLY 0x01
#define ATTR_LFN 0x0f
#define MAX_DEPTH 64
#define MAX_FAT_BYTES (64u << 20)
#define MAX_DIR_BYTES (65536u * DIRENT)

struct fat {
	int fd;
	struct extract *x;
	unsigned bits;
	uint32_t bytes_per_sector, cluster_bytes;
	uint32_t clusters;     /* data clusters: valid numbers are 2..clusters+1 */
	uint64_t data_off;     /* byte offset of cluster 2 */
	uint64_t root_off;     /* FAT12/16: the fixed root directory */
	uint32_t root_entries;
	uint32_t root_cluster; /* FAT32 */
	uint8_t *table;
	size_t table_len;
	uint8_t *dir_seen;     /* a bit per cluster: directories already read */
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

static int damaged(struct fat *f, const char *what)
{
	extract_problem(f->x, "damaged FAT file system: %s", what);
	return -EBADMSG;
}

static int pread_all(struct fat *f, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(f->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return damaged(f, "the image is truncated");
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* The entry of cluster c in the FAT; 0 when it is out of the table. */
static uint32_t fat_next(const struct fat *f, uint32_t c)
{
	if (f->bits == 12) {
		size_t off = c + c / 2;
		uint16_t v;

		if (off + 1 >= f->table_len)
			return 0;
		v = le16(f->table + off);
		return c & 1 ? v >> 4 : v & 0xfff;
	}
	if (f->bits == 16)
		return 2 * (size_t)c + 1 < f->table_len ? le16(f->table + 2 * c) : 0;
	return 4 * (size_t)c + 3 < f->table_len ? le32(f->table + 4 * c) & 0x0fffffff : 0;
}

static bool end_of_chain(const struct fat *f, uint32_t v)
{
	return v >= (f->bits == 12 ? 0xff8u : f->bits == 16 ? 0xfff8u : 0x0ffffff8u);
}

/*
 * Follow a cluster chain: a file's size bytes of it into fd (streamed, so a
 * crafted image cannot make us hold gigabytes), or a whole directory into
 * out (fd < 0; at most the 65536 entries FAT allows).
 */
static int read_chain(struct fat *f, uint32_t first, uint64_t size, int fd, struct strbuf *out)
{
	_cleanup_free_ char *buf = xmalloc(f->cluster_bytes);
	uint32_t c = first, steps = 0;
	uint64_t done = 0;
	int r;

	strbuf_reset(out);
	while (fd < 0 || done < size) {
		size_t take = f->cluster_bytes;

		if (c < 2 || c >= f->clusters + 2)
			return damaged(f, "a cluster chain leaves the data area");
		if (++steps > f->clusters)
			return damaged(f, "a cluster chain loops");
		if (fd >= 0 && size - done < take)
			take = (size_t)(size - done);
		if (fd < 0 && done + take > MAX_DIR_BYTES)
			return damaged(f, "a directory is larger than FAT allows");
		r = pread_all(f, buf, take, f->data_off + (uint64_t)(c - 2) * f->cluster_bytes);
		if (r < 0)
			return r;
		if (fd >= 0)
			r = extract_write(f->x, fd, buf, take);
		else
			strbuf_add(out, buf, take);
		if (r < 0)
			return r;
		done += take;
		c = fat_next(f, c);
		if (end_of_chain(f, c))
			break;
	}
	if (fd >= 0 && done < size)
		return damaged(f, "a file is longer than its clusters");
	return 0;
}

/* UTF-16 (as stored in long-name entries) to UTF-8. */
static void utf16_to_utf8(const uint16_t *s, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = s[i];

		if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < n && s[i + 1] >= 0xdc00 && s[i + 1] < 0xe000)
			cp = 0x10000 + ((cp - 0xd800) << 10) + (s[++i] - 0xdc00);
		if (cp < 0x80) {
			strbuf_addch(out, (char)cp);
		} else if (cp < 0x800) {
			strbuf_addch(out, (char)(0xc0 | cp >> 6));
			strbuf_addch(out, (char)(0x80 | (cp & 0x3f)));
		} else if (cp < 0x10000) {
			strbuf_addch(out, (char)(0xe0 | cp >> 12));
			strbuf_addch(out, (char)(0x80 | (cp >> 6 & 0x3f)));
			strbuf_addch(out, (char)(0x80 | (cp & 0x3f)));
		} else {
			strbuf_addch(out, (char)(0xf0 | cp >> 18));
			strbuf_addch(out, (char)(0x80 | (cp >> 12 & 0x3f)));
			strbuf_addch(out, (char)(0x80 | (cp >> 6 & 0x3f)));
			strbuf_addch(out, (char)(0x80 | (cp & 0x3f)));
		}
	}
}

/* A long name being collected from its entries (stored last part first). */
struct lfn {
	uint16_t chars[20 * 13];
	unsigned parts, expect; /* expect: the sequence number of the next entry */
	uint8_t sum;
	bool valid;
};

static void lfn_entry(struct lfn *l, const uint8_t *d)
{
	static const uint8_t char_at[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
	unsigned seq = d[0] & 0x1f;

	if (d[0] & 0x40) {
		*l = (struct lfn){ .parts = seq, .expect = seq, .sum = d[13], .valid = seq >= 1 && seq <= 20 };
		for (size_t i = 0; i < ARRAY_SIZE(l->chars); i++)
			l->chars[i] = 0xffff;
	}
	/* seq 0 after a complete name would index chars[-13] */
	if (!l->valid || seq == 0 || seq != l->expect || d[13] != l->sum) {
		l->valid = false;
		return;
	}
	for (int c = 0; c < 13; c++)
		l->chars[(seq - 1) * 13 + c] = le16(d + char_at[c]);
	l->expect--;
}

/* The name of an 8.3 entry: its long name if one precedes it intact, else the 8.3 name. */
static void entry_name(const uint8_t *d, struct lfn *l, struct strbuf *name)
{
	strbuf_reset(name);
	if (l->valid && l->expect == 0 && fat_lfn_checksum(d) == l->sum) {
		size_t n = 0;

		while (n < l->parts * 13 && l->chars[n] != 0)
			n++;
		utf16_to_utf8(l->chars, n, name);
	} else {
		/* NT keeps the case of all-lower-case 8.3 names in byte 12 */
		bool lower_base = d[12] & 0x08, lower_ext = d[12] & 0x10;

		for (int i = 0; i < 8 && d[i] != ' '; i++) {
			char c = (char)(i == 0 && d[0] == 0x05 ? 0xe5 : d[i]);

			strbuf_addch(name, lower_base && c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
		}
		if (d[8] != ' ')
			strbuf_addch(name, '.');
		for (int i = 8; i < 11 && d[i] != ' '; i++)
			strbuf_addch(name, lower_ext && d[i] >= 'A' && d[i] <= 'Z' ? (char)(d[i] + 32)
										    : (char)d[i]);
	}
	l->valid = false;
}

static int read_dir(struct fat *f, const char *prefix, const struct strbuf *entries,
		    unsigned depth);

static int read_entry(struct fat *f, const char *prefix, const uint8_t *d, const char *name,
		      unsigned depth)
{
	_cleanup_strbuf_ struct strbuf content = STRBUF_INIT;
	_cleanup_free_ char *path = NULL;
	uint32_t cluster = le16(d + 26) | (f->bits == 32 ? (uint32_t)le16(d + 20) << 16 : 0);
	int r;

	if (!*name || strchr(name, '/') || streq(name, ".") || streq(name, "..")) {
		extract_problem(f->x, "%s/%s: not a valid file name; not unpacked", prefix, name);
		return 0;
	}
	path = *prefix ? xasprintf("%s/%s", prefix, name) : xstrdup(name);
	if (d[11] & ATTR_DIRECTORY) {
		if (depth >= MAX_DEPTH)
			return damaged(f, "directories nest too deep");
		/* two entries for one directory would make the walk explode */
		if (cluster >= 2 && cluster < f->clusters + 2) {
			if (f->dir_seen[cluster / 8] & (1u << cluster % 8))
				return damaged(f, "directories are cross-linked");
			f->dir_seen[cluster / 8] |= (uint8_t)(1u << cluster % 8);
		}
		r = extract_dir(f->x, path, 0755);
		if (r >= 0)
			r = read_chain(f, cluster, 0, -1, &content);
		return r < 0 ? r : read_dir(f, path, &content, depth + 1);
	}
	{
		_cleanup_close_ int fd = -1;
		uint32_t size = le32(d + 28);

		r = extract_file(f->x, path, d[11] & ATTR_READ_ONLY ? 0444 : 0644, &fd);
		if (r < 0 || fd < 0)
			return r;
		return size ? read_chain(f, cluster, size, fd, &content) : 0;
	}
}

static int read_dir(struct fat *f, const char *prefix, const struct strbuf *entries,
		    unsigned depth)
{
	_cleanup_strbuf_ struct strbuf name = STRBUF_INIT;
	struct lfn l = { .valid = false };

	for (size_t off = 0; off + DIRENT <= entries->len; off += DIRENT) {
		const uint8_t *d = (const uint8_t *)entries->buf + off;
		int r;

		if (d[0] == 0x00)
			break; /* the end of the directory */
		if (d[0] == 0xe5) {
			l.valid = false; /* deleted */
			continue;
		}
		if ((d[11] & 0x3f) == ATTR_LFN) {
			lfn_entry(&l, d);
			continue;
		}
		if (d[11] & ATTR_VOLUME_ID || d[0] == '.') {
			l.valid = false; /* the label, ".", ".." */
			continue;
		}
		entry_name(d, &l, &name);
		r = read_entry(f, prefix, d, name.buf, depth);
		if (r < 0)
			return r;
	}
	return 0;
}

int fat_read_image(int fd, struct extract *x)
{
	_cleanup_strbuf_ struct strbuf root = STRBUF_INIT;
	uint8_t b[512];
	struct fat f = { .fd = fd, .x = x };
	uint32_t spc, reserved, nfats, total, fat_sectors, root_sectors, data_sectors;
	int r = pread_all(&f, b, sizeof(b), 0);

	if (r < 0)
		return r;
	f.bytes_per_sector = le16(b + 0x0b);
	spc = b[0x0d];
	reserved = le16(b + 0x0e);
	nfats = b[0x10];
	f.root_entries = le16(b + 0x11);
	total = le16(b + 0x13) ?: le32(b + 0x20);
	fat_sectors = le16(b + 0x16) ?: le32(b + 0x24);
	if (f.bytes_per_sector < 512 || f.bytes_per_sector > 4096 ||
	    (f.bytes_per_sector & (f.bytes_per_sector - 1)) || !spc || (spc & (spc - 1)) ||
	    !reserved || !nfats || !fat_sectors)
		return damaged(&f, "the boot sector's parameters are invalid");
	root_sectors = (f.root_entries * DIRENT + f.bytes_per_sector - 1) / f.bytes_per_sector;
	if ((uint64_t)reserved + (uint64_t)nfats * fat_sectors + root_sectors >= total)
		return damaged(&f, "the boot sector's sizes do not add up");
	data_sectors = total - reserved - nfats * fat_sectors - root_sectors;
	f.clusters = data_sectors / spc;
	/* the FAT type is a matter of the cluster count alone */
	f.bits = f.clusters < 4085 ? 12 : f.clusters < 65525 ? 16 : 32;
	f.cluster_bytes = spc * f.bytes_per_sector;
	f.root_off = (uint64_t)(reserved + nfats * fat_sectors) * f.bytes_per_sector;
	f.data_off = f.root_off + (uint64_t)root_sectors * f.bytes_per_sector;
	f.table_len = (size_t)fat_sectors * f.bytes_per_sector;
	if (f.table_len > MAX_FAT_BYTES)
		return damaged(&f, "the FAT is too large");
	if (((uint64_t)f.clusters + 2) * f.bits / 8 > f.table_len)
		return damaged(&f, "the FAT does not cover the data area");
	f.table = xmalloc(f.table_len);
	f.dir_seen = xcalloc((f.clusters + 2) / 8 + 1, 1);
	r = pread_all(&f, f.table, f.table_len, (uint64_t)reserved * f.bytes_per_sector);
	if (r < 0)
		goto out;
	if (f.bits == 32) {
		r = read_chain(&f, le32(b + 0x2c), 0, -1, &root);
	} else {
		strbuf_grow(&root, f.root_entries * DIRENT);
		r = pread_all(&f, root.buf, f.root_entries * DIRENT, f.root_off);
		if (r >= 0)
			strbuf_setlen(&root, f.root_entries * DIRENT);
	}
	if (r >= 0)
		r = read_dir(&f, "", &root, 0);
out:
	free(f.table);
	free(f.dir_seen);
	return r;
}
