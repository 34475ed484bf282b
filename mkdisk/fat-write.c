// SPDX-License-Identifier: GPL-2.0-or-later
/* A payload as a FAT12/FAT16 image (see fat.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mkdisk/fat.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strbuf.h"

#define DIRENT 32
#define LFN_CHARS 13
#define ATTR_READ_ONLY 0x01
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_ARCHIVE 0x20
#define ATTR_LFN 0x0f
#define SYMLINK_MAX 40

/* ------------------------------------------------------------ the tree */

struct node {
	const struct payload_entry *e;       /* NULL for the root */
	const struct payload_entry *content; /* files: the entry holding the bytes */
	size_t parent, first_child, next_sibling; /* 0: none (the root is nobody's child) */
	const char *name;
	uint8_t short_name[11];
	uint16_t *lfn;      /* UTF-16, NULL when the 8.3 name says it all */
	size_t lfn_len;
	unsigned slots;     /* directory entries it takes in its parent */
	unsigned entries;   /* directories: entries inside */
	bool is_dir;
	uint64_t size;
	uint32_t first_cluster, clusters;
};

struct tree {
	const struct payload *p;
	struct payload sorted; /* a shallow, sorted copy */
	struct node *v;
	size_t n;
	uint8_t label[11];
	bool has_label;
};

static void tree_release(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].lfn);
	free(t->v);
	free(t->sorted.entries);
}

static bool short_name_taken(const struct tree *t, size_t parent, size_t self, const uint8_t sn[11])
{
	for (size_t c = t->v[parent].first_child; c; c = t->v[c].next_sibling)
		if (c != self && t->v[c].slots && !memcmp(t->v[c].short_name, sn, 11))
			return true;
	return false;
}

static int pick_short_name(struct tree *t, size_t i)
{
	struct node *nd = &t->v[i];
	uint8_t sn[11];
	size_t base_len;
	bool lossy;

	if (fat_plain_83(nd->name, sn) && !short_name_taken(t, nd->parent, i, sn)) {
		memcpy(nd->short_name, sn, 11);
		return 0;
	}
	fat_basis_83(nd->name, sn, &base_len, &lossy);
	if (!lossy && !short_name_taken(t, nd->parent, i, sn)) {
		memcpy(nd->short_name, sn, 11);
		return 0;
	}
	for (unsigned n = 1; n < 1000000; n++) {
		char tail[9];
		int len = snprintf(tail, sizeof(tail), "~%u", n);
		size_t keep = base_len < 8 - (size_t)len ? base_len : 8 - (size_t)len;

		memcpy(nd->short_name, sn, 11);
		memset(nd->short_name + keep, ' ', 8 - keep);
		memcpy(nd->short_name + keep, tail, (size_t)len);
		if (!short_name_taken(t, nd->parent, i, nd->short_name))
			return 0;
	}
	return -ENOSPC;
}

static bool same_name_but_case(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* The file a symlink of the payload leads to; FAT has no links, so it holds a copy. */
static const struct payload_entry *resolve_link(const struct payload *p,
						 const struct payload_entry *e)
{
	for (unsigned hops = 0; e && e->kind == PAYLOAD_SYMLINK && hops < SYMLINK_MAX; hops++) {
		_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
		const char *slash = strrchr(e->path, '/');
		const char *t = e->target;

		if (*t == '/')
			return NULL;
		if (slash)
			strbuf_add(&path, e->path, (size_t)(slash - e->path));
		while (*t) {
			size_t len = strcspn(t, "/");

			if (len == 2 && t[0] == '.' && t[1] == '.') {
				char *up = strrchr(path.buf, '/');

				if (!path.len)
					return NULL;
				strbuf_setlen(&path, up ? (size_t)(up - path.buf) : 0);
			} else if (len && !(len == 1 && t[0] == '.')) {
				if (path.len)
					strbuf_addch(&path, '/');
				strbuf_add(&path, t, len);
			}
			t += len;
			t += strspn(t, "/");
		}
		e = path.len ? payload_find(p, path.buf) : NULL;
	}
	return e && e->kind == PAYLOAD_FILE ? e : NULL;
}

static int set_label(struct tree *t, const char *label)
{
	size_t len = label ? strlen(label) : 0;

	memset(t->label, ' ', 11);
	t->has_label = len > 0;
	if (len > 11)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)label[i];

		if (c >= 'a' && c <= 'z')
			c -= 32;
		if (!fat_short_char(c) && c != ' ')
			return -EINVAL;
		t->label[i] = c;
	}
	return 0;
}

static int tree_build(struct tree *t, const struct payload *p, const char *label)
{
	size_t *stack, depth = 0;
	int r;

	*t = (struct tree){ .p = p };
	r = set_label(t, label);
	if (r < 0)
		return r;
	t->sorted = (struct payload){ .n = p->n, .alloc = p->n, .mtime = p->mtime };
	t->sorted.entries = xmalloc((p->n ?: 1) * sizeof(*p->entries));
	if (p->n)
		memcpy(t->sorted.entries, p->entries, p->n * sizeof(*p->entries));
	payload_sort(&t->sorted);
	t->v = xcalloc(p->n + 1, sizeof(*t->v));
	t->v[0].is_dir = true;
	t->n = 1;

	stack = xmalloc((p->n + 1) * sizeof(*stack));
	stack[0] = 0;
	for (size_t i = 0; i < t->sorted.n; i++) {
		const struct payload_entry *e = &t->sorted.entries[i];
		size_t idx = t->n++, last = 0;
		struct node *nd = &t->v[idx];
		uint8_t plain[11];

		/* sorted: a directory's contents follow it, so its parent is on the stack */
		while (depth) {
			const char *dir = t->v[stack[depth]].e->path;
			size_t len = strlen(dir);

			if (!strncmp(e->path, dir, len) && e->path[len] == '/')
				break;
			depth--;
		}
		nd->e = e;
		nd->parent = stack[depth];
		nd->name = strrchr(e->path, '/') ? strrchr(e->path, '/') + 1 : e->path;
		nd->is_dir = e->kind == PAYLOAD_DIR;
		if (!nd->is_dir) {
			nd->content = resolve_link(p, e);
			if (!nd->content) {
				r = -EOPNOTSUPP;
				break;
			}
			nd->size = nd->content->size;
			if (nd->size > UINT32_MAX) {
				r = -EFBIG;
				break;
			}
		}
		for (size_t c = t->v[nd->parent].first_child; c; c = t->v[c].next_sibling) {
			if (same_name_but_case(t->v[c].name, nd->name)) {
				r = -EEXIST; /* FAT names ignore case */
				break;
			}
			last = c;
		}
		if (r < 0)
			break;
		r = pick_short_name(t, idx);
		if (r < 0)
			break;
		/* a long name unless the 8.3 entry spells the name exactly */
		if (!fat_plain_83(nd->name, plain) || memcmp(plain, nd->short_name, 11)) {
			r = fat_long_name(nd->name, &nd->lfn, &nd->lfn_len);
			if (r < 0)
				break;
		}
		nd->slots = 1 + (unsigned)((nd->lfn_len + LFN_CHARS - 1) / LFN_CHARS);
		if (last)
			t->v[last].next_sibling = idx;
		else
			t->v[nd->parent].first_child = idx;
		t->v[nd->parent].entries += nd->slots;
		if (nd->is_dir) {
			nd->entries = 2; /* "." and ".." */
			stack[++depth] = idx;
		}
	}
	free(stack);
	if (t->has_label)
		t->v[0].entries++;
	return r;
}

/* ------------------------------------------------------------ layout */

/* Clusters for every node; -ENOSPC when the root directory or the data area overflows. */
static int tree_layout(struct tree *t, unsigned kib, struct fat_geometry *g)
{
	uint32_t next = 2;
	uint64_t cluster_bytes;
	int r = fat_geometry_for(kib, g);

	if (r < 0)
		return r;
	if (t->v[0].entries > g->root_entries)
		return -ENOSPC;
	cluster_bytes = (uint64_t)g->sectors_per_cluster * FAT_SECTOR;
	for (size_t i = 1; i < t->n; i++) {
		struct node *nd = &t->v[i];
		uint64_t bytes = nd->is_dir ? (uint64_t)nd->entries * DIRENT : nd->size;
		uint64_t clusters = (bytes + cluster_bytes - 1) / cluster_bytes;

		if (clusters > g->clusters - (next - 2))
			return -ENOSPC;
		nd->clusters = (uint32_t)clusters;
		nd->first_cluster = clusters ? next : 0;
		next += (uint32_t)clusters;
	}
	return 0;
}

int fat_needed_kib(const struct payload *p, const char *label, unsigned *ret_kib)
{
	struct tree t;
	struct fat_geometry g;
	uint64_t estimate = 0;
	int r = tree_build(&t, p, label);

	if (r < 0) {
		tree_release(&t);
		return r;
	}
	for (size_t i = 1; i < t.n; i++)
		estimate += t.v[i].is_dir ? FAT_SECTOR : (t.v[i].size + FAT_SECTOR - 1) / FAT_SECTOR * FAT_SECTOR;
	r = -EFBIG;
	/* the first size that fits, in steps of at most 0.4% */
	for (uint64_t kib = estimate / 1024 > FAT_MIN_KIB ? estimate / 1024 : FAT_MIN_KIB;
	     kib <= FAT_MAX_KIB; kib += kib / 256 ?: 1)
		if (tree_layout(&t, (unsigned)kib, &g) == 0) {
			*ret_kib = (unsigned)kib;
			r = 0;
			break;
		}
	tree_release(&t);
	return r;
}

/* ------------------------------------------------------------ writing */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

struct stamp {
	uint16_t time, date;
};

/* DOS time (2-second steps) of the payload's timestamp, in UTC, clamped to 1980..2107. */
static struct stamp dos_stamp(time_t t)
{
	struct tm tm;

	if (t < 315532800 || !gmtime_r(&t, &tm)) /* before 1980-01-01 */
		return (struct stamp){ 0, (0 << 9) | (1 << 5) | 1 };
	if (tm.tm_year > 207)
		return (struct stamp){ (23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31 };
	return (struct stamp){ (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2),
			       (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
					  tm.tm_mday) };
}

static void put_dirent(uint8_t *d, const uint8_t name[11], uint8_t attr, uint32_t cluster,
		       uint32_t size, struct stamp s)
{
	memset(d, 0, DIRENT);
	memcpy(d, name, 11);
	d[11] = attr;
	put16(d + 14, s.time); /* created */
	put16(d + 16, s.date);
	put16(d + 18, s.date); /* accessed */
	put16(d + 20, (uint16_t)(cluster >> 16));
	put16(d + 22, s.time); /* written */
	put16(d + 24, s.date);
	put16(d + 26, (uint16_t)cluster);
	put32(d + 28, size);
}

/* The long-name entries (last part first, flagged 0x40), then the 8.3 entry. */
static uint8_t *put_node(uint8_t *d, const struct node *nd, struct stamp s)
{
	static const uint8_t char_at[LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
	unsigned parts = nd->slots - 1;
	uint8_t sum = fat_lfn_checksum(nd->short_name);
	uint8_t attr = nd->is_dir ? ATTR_DIRECTORY : ATTR_ARCHIVE;

	for (unsigned k = parts; k >= 1; k--, d += DIRENT) {
		memset(d, 0, DIRENT);
		d[0] = (uint8_t)(k | (k == parts ? 0x40 : 0));
		d[11] = ATTR_LFN;
		d[13] = sum;
		for (size_t c = 0; c < LFN_CHARS; c++) {
			size_t at = (k - 1) * LFN_CHARS + c;
			uint16_t ch = at < nd->lfn_len ? nd->lfn[at] : at == nd->lfn_len ? 0 : 0xffff;

			put16(d + char_at[c], ch);
		}
	}
	if (!nd->is_dir && !(nd->content->perm & 0222))
		attr |= ATTR_READ_ONLY;
	put_dirent(d, nd->short_name, attr, nd->first_cluster, nd->is_dir ? 0 : (uint32_t)nd->size,
		   s);
	return d + DIRENT;
}

static void fat_set(uint8_t *fat, unsigned bits, uint32_t c, uint32_t v)
{
	if (bits == 16) {
		put16(fat + 2 * c, (uint16_t)v);
	} else if (c & 1) {
		uint8_t *p = fat + c * 3 / 2;

		p[0] = (uint8_t)((p[0] & 0x0f) | (v << 4 & 0xf0));
		p[1] = (uint8_t)(v >> 4);
	} else {
		uint8_t *p = fat + c * 3 / 2;

		p[0] = (uint8_t)v;
		p[1] = (uint8_t)((p[1] & 0xf0) | (v >> 8 & 0x0f));
	}
}

static void boot_sector(uint8_t *b, const struct fat_geometry *g, const struct tree *t)
{
	uint32_t serial = 2166136261u;

	/* a volume id from what the image holds: equal payloads, equal images */
	for (int i = 0; i < 11; i++)
		serial = (serial ^ t->label[i]) * 16777619u;
	serial ^= (uint32_t)t->p->mtime;

	memset(b, 0, FAT_SECTOR);
	memcpy(b, "\xeb\x3c\x90" "MSWIN4.1", 11);
	put16(b + 0x0b, FAT_SECTOR);
	b[0x0d] = g->sectors_per_cluster;
	put16(b + 0x0e, 1); /* reserved sectors: the boot sector */
	b[0x10] = 2;
	put16(b + 0x11, g->root_entries);
	if (g->total_sectors < 0x10000)
		put16(b + 0x13, (uint16_t)g->total_sectors);
	else
		put32(b + 0x20, g->total_sectors);
	b[0x15] = g->media;
	put16(b + 0x16, (uint16_t)g->fat_sectors);
	put16(b + 0x18, g->sectors_per_track);
	put16(b + 0x1a, g->heads);
	b[0x24] = g->media == 0xf8 ? 0x80 : 0x00; /* BIOS drive: hard disk or floppy */
	b[0x26] = 0x29;                            /* extended BPB: serial, label, type follow */
	put32(b + 0x27, serial);
	memcpy(b + 0x2b, t->has_label ? t->label : (const uint8_t *)"NO NAME    ", 11);
	memcpy(b + 0x36, g->fat_bits == 12 ? "FAT12   " : "FAT16   ", 8);
	/* not bootable: cli; hlt; jmp back */
	memcpy(b + 0x3e, "\xfa\xf4\xeb\xfd", 4);
	b[0x1fe] = 0x55;
	b[0x1ff] = 0xaa;
}

static int write_data(const struct tree *t, const struct fat_geometry *g, int fd)
{
	_cleanup_strbuf_ struct strbuf content = STRBUF_INIT;
	uint64_t cluster_bytes = (uint64_t)g->sectors_per_cluster * FAT_SECTOR;
	struct stamp s = dos_stamp(t->p->mtime);
	int r;

	for (size_t i = 1; i < t->n; i++) {
		const struct node *nd = &t->v[i];
		uint64_t off = ((uint64_t)g->data_start + (uint64_t)(nd->first_cluster - 2) *
								   g->sectors_per_cluster) *
			       FAT_SECTOR;

		if (!nd->clusters)
			continue;
		if (nd->is_dir) {
			_cleanup_free_ uint8_t *d = xcalloc(nd->clusters, cluster_bytes);
			uint8_t *at = d + 2 * DIRENT;

			put_dirent(d, (const uint8_t *)".          ", ATTR_DIRECTORY, nd->first_cluster, 0, s);
			put_dirent(d + DIRENT, (const uint8_t *)"..         ", ATTR_DIRECTORY,
				   t->v[nd->parent].first_cluster, 0, s);
			for (size_t c = nd->first_child; c; c = t->v[c].next_sibling)
				at = put_node(at, &t->v[c], s);
			r = pwrite_all(fd, d, nd->clusters * cluster_bytes, off);
		} else {
			r = payload_entry_read(nd->content, &content);
			if (r >= 0 && content.len != nd->size)
				r = -EIO; /* the source changed since it was added */
			if (r >= 0)
				r = pwrite_all(fd, content.buf, content.len, off);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int fat_write_image(const struct payload *p, const char *label, unsigned size_kib, int fd)
{
	_cleanup_free_ uint8_t *fat = NULL, *root = NULL;
	uint8_t boot[FAT_SECTOR];
	struct fat_geometry g;
	struct tree t;
	struct stamp s = dos_stamp(p->mtime);
	uint8_t *at;
	int r = tree_build(&t, p, label);

	if (r >= 0)
		r = tree_layout(&t, size_kib ?: FAT_DEFAULT_KIB, &g);
	if (r < 0)
		goto out;

	fat = xcalloc(g.fat_sectors, FAT_SECTOR);
	fat_set(fat, g.fat_bits, 0, (g.fat_bits == 12 ? 0xf00u : 0xff00u) | g.media);
	fat_set(fat, g.fat_bits, 1, g.fat_bits == 12 ? 0xfffu : 0xffffu);
	for (size_t i = 1; i < t.n; i++)
		for (uint32_t c = 0; c < t.v[i].clusters; c++) {
			uint32_t cl = t.v[i].first_cluster + c;

			fat_set(fat, g.fat_bits, cl,
				c + 1 < t.v[i].clusters ? cl + 1 : (g.fat_bits == 12 ? 0xfffu : 0xffffu));
		}

	root = xcalloc(g.root_entries, DIRENT);
	at = root;
	if (t.has_label) {
		/* first in the root: where blkid (LABEL) and Windows look */
		put_dirent(at, t.label, ATTR_VOLUME_ID, 0, 0, s);
		at += DIRENT;
	}
	for (size_t c = t.v[0].first_child; c; c = t.v[c].next_sibling)
		at = put_node(at, &t.v[c], s);

	boot_sector(boot, &g, &t);
	if (ftruncate(fd, (off_t)g.total_sectors * FAT_SECTOR) < 0) {
		r = -errno;
		goto out;
	}
	r = pwrite_all(fd, boot, sizeof(boot), 0);
	for (int copy = 0; r >= 0 && copy < 2; copy++)
		r = pwrite_all(fd, fat, g.fat_sectors * FAT_SECTOR,
			       (1 + (uint64_t)copy * g.fat_sectors) * FAT_SECTOR);
	if (r >= 0)
		r = pwrite_all(fd, root, g.root_entries * DIRENT,
			       (1 + 2 * (uint64_t)g.fat_sectors) * FAT_SECTOR);
	if (r >= 0)
		r = write_data(&t, &g, fd);
out:
	tree_release(&t);
	return r < 0 ? r : 0;
}
