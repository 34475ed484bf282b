// SPDX-License-Identifier: GPL-2.0-or-later
/* The FAT writer byte by byte, and its images read back by us, mtools, fsck and blkid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mkdisk/fat.h"
#include "mediatest.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

/* Write p as a FAT image of kib KiB; the image's bytes go to img (when given). */
static int write_image(const struct payload *p, const char *label, unsigned kib, const char *path,
		       struct strbuf *img)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	assert_true(fd >= 0);
	r = fat_write_image(p, label, kib, fd);
	close(fd);
	if (r == 0 && img) {
		strbuf_reset(img);
		assert_int_equal(read_file(path, img), 0);
	}
	return r;
}

/* The checksum as the VFAT specification writes it: rotate right, add. */
static uint8_t reference_checksum(const uint8_t *name)
{
	uint8_t sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum >> 1) | (sum << 7)) + name[i]);
	return sum;
}

/* Cluster n's FAT12 entry. */
static uint32_t fat12(const uint8_t *fat, uint32_t n)
{
	uint16_t v = le16(fat + n + n / 2);

	return n & 1 ? v >> 4 : v & 0xfff;
}

/* The long name spelled by the LFN entries before the 8.3 entry at d (ASCII only). */
static void long_name(const uint8_t *d, unsigned parts, char *out)
{
	static const uint8_t at[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
	size_t n = 0;

	for (unsigned k = 1; k <= parts; k++) {
		const uint8_t *e = d - 32 * k; /* part k sits k entries above */

		assert_int_equal(e[0] & 0x1f, k);
		assert_int_equal(!!(e[0] & 0x40), k == parts);
		assert_int_equal(e[11], 0x0f);
		assert_int_equal(e[12], 0);
		assert_int_equal(le16(e + 26), 0);
		assert_int_equal(e[13], reference_checksum(d));
		for (int c = 0; c < 13; c++) {
			uint16_t ch = le16(e + at[c]);

			if (ch == 0 || ch == 0xffff)
				continue;
			out[n++] = (char)ch;
		}
	}
	out[n] = '\0';
}

static void test_boot_sector_1440(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf img = STRBUF_INIT;
	_cleanup_free_ char *path = mt_path("f.img");
	const uint8_t *b;

	mt_payload(&p);
	assert_int_equal(write_image(&p, "OEMDRV", 0, path, &img), 0);
	assert_int_equal(img.len, 1440 * 1024);
	b = (const uint8_t *)img.buf;
	assert_memory_equal(b, "\xeb\x3c\x90", 3);
	assert_int_equal(le16(b + 0x0b), 512);
	assert_int_equal(b[0x0d], 1);    /* sectors per cluster */
	assert_int_equal(le16(b + 0x0e), 1);
	assert_int_equal(b[0x10], 2);    /* FATs */
	assert_int_equal(le16(b + 0x11), 224);
	assert_int_equal(le16(b + 0x13), 2880);
	assert_int_equal(b[0x15], 0xf0);
	assert_int_equal(le16(b + 0x16), 9);
	assert_int_equal(le16(b + 0x18), 18);
	assert_int_equal(le16(b + 0x1a), 2);
	assert_int_equal(le32(b + 0x20), 0);
	assert_int_equal(b[0x24], 0x00); /* floppy drive */
	assert_int_equal(b[0x26], 0x29);
	assert_memory_equal(b + 0x2b, "OEMDRV     ", 11);
	assert_memory_equal(b + 0x36, "FAT12   ", 8);
	assert_int_equal(b[0x1fe], 0x55);
	assert_int_equal(b[0x1ff], 0xaa);
}

static void test_fat16_geometry(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf img = STRBUF_INIT, out = STRBUF_INIT;
	_cleanup_free_ char *path = mt_path("big.img");
	struct fat_geometry g;
	const uint8_t *b;

	mt_payload(&p);
	assert_int_equal(write_image(&p, "OEMDRV", 40000, path, &img), 0);
	b = (const uint8_t *)img.buf;
	assert_int_equal(le16(b + 0x13), 0);
	assert_int_equal(le32(b + 0x20), 80000);
	assert_int_equal(b[0x15], 0xf8);
	assert_int_equal(b[0x24], 0x80);
	assert_memory_equal(b + 0x36, "FAT16   ", 8);
	assert_int_equal(fat_geometry_for(40000, &g), 0);
	assert_int_equal(g.fat_bits, 16);
	assert_true(g.clusters >= 4085 && g.clusters <= 65524);
	/* FAT16 entries 0 and 1: media and end-of-chain */
	assert_int_equal(le16(b + 512), 0xfff8);
	assert_int_equal(le16(b + 514), 0xffff);
	assert_int_equal(mt_run(&out, NULL, "fsck.vfat", "-n", path, NULL), 0);
	strbuf_reset(&out);
	assert_int_equal(mt_run(&out, NULL, "blkid", "-p", "-s", "VERSION", "-o", "value", path, NULL), 0);
	assert_string_equal(out.buf, "FAT16\n");

	/* the other floppy formats get their standard layouts */
	assert_int_equal(fat_geometry_for(720, &g), 0);
	assert_int_equal(g.sectors_per_cluster, 2);
	assert_int_equal(g.root_entries, 112);
	assert_int_equal(g.fat_sectors, 3);
	assert_int_equal(g.media, 0xf9);
	assert_int_equal(fat_geometry_for(2880, &g), 0);
	assert_int_equal(g.fat_sectors, 9);
	assert_int_equal(g.sectors_per_track, 36);
	assert_int_equal(fat_geometry_for(FAT_MIN_KIB - 1, &g), -EINVAL);
	assert_int_equal(fat_geometry_for(FAT_MAX_KIB + 1, &g), -EINVAL);
	assert_int_equal(fat_geometry_for(FAT_MAX_KIB, &g), 0);
	assert_int_equal(g.sectors_per_cluster, 64);
}

/* Root: the label first, then each entry with its long name; FAT chains; subdirectories. */
static void test_directories_and_chains(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf img = STRBUF_INIT;
	_cleanup_free_ char *path = mt_path("f.img");
	const uint8_t *b, *fat, *fat2, *root, *d;
	char name[300];
	bool seen_readme = false, seen_alias = false, seen_big = false, seen_empty = false;
	uint32_t rpms_cluster = 0;

	mt_payload(&p);
	assert_int_equal(write_image(&p, "OEMDRV", 1440, path, &img), 0);
	b = (const uint8_t *)img.buf;
	fat = b + 512;
	fat2 = fat + 9 * 512;
	root = fat2 + 9 * 512;
	assert_memory_equal(fat, fat2, 9 * 512);
	assert_int_equal(fat12(fat, 0), 0xff0);
	assert_int_equal(fat12(fat, 1), 0xfff);

	/* the volume label: first, attribute 0x08 only, no cluster, no size */
	assert_memory_equal(root, "OEMDRV     ", 11);
	assert_int_equal(root[11], 0x08);
	assert_int_equal(le16(root + 26), 0);
	assert_int_equal(le32(root + 28), 0);

	for (d = root + 32; d[0]; d += 32) {
		unsigned parts = 0;

		if (d[11] == 0x0f)
			continue;
		/* count the long-name entries right above this 8.3 entry */
		while (d - 32 * (parts + 1) > root && d[-32 * (int)(parts + 1) + 11] == 0x0f)
			parts++;
		if (parts)
			long_name(d, parts, name);
		else
			snprintf(name, sizeof(name), "%.11s", (const char *)d);
		/* the timestamp: 2023-11-14 22:13:20 */
		assert_int_equal(le16(d + 24), (43 << 9) | (11 << 5) | 14);
		assert_int_equal(le16(d + 22), (22 << 11) | (13 << 5) | 10);
		if (!strcmp(name, "README  TXT")) {
			seen_readme = true; /* a plain 8.3 name needs no long name */
			assert_int_equal(d[11], 0x20);
		} else if (!strcmp(name, "modules.alias")) {
			seen_alias = true;
			assert_memory_equal(d, "MODULE~1ALI", 11);
			assert_int_equal(parts, 1);
		} else if (!strcmp(name, "big.bin")) {
			uint32_t c = le16(d + 26), n = 1;

			seen_big = true;
			assert_int_equal(le32(d + 28), MT_BIG_SIZE);
			/* 2048 clusters of 512 bytes, chained one after the other */
			for (; fat12(fat, c) != 0xfff; c = fat12(fat, c), n++)
				assert_int_equal(fat12(fat, c), c + 1);
			assert_int_equal(n, MT_BIG_SIZE / 512);
		} else if (!strcmp(name, "empty")) {
			seen_empty = true;
			assert_int_equal(le16(d + 26), 0);
			assert_int_equal(le32(d + 28), 0);
		} else if (!strcmp(name, "rpms")) {
			assert_int_equal(d[11], 0x10);
			rpms_cluster = le16(d + 26);
		}
	}
	assert_true(seen_readme && seen_alias && seen_big && seen_empty);
	assert_true(rpms_cluster >= 2);
	assert_int_equal(fat12(fat, rpms_cluster), 0xfff);

	/* rpms/: ".", "..", then x86_64 and latest.rpm (a copy of its target) */
	d = b + (1 + 18 + 14 + (rpms_cluster - 2)) * 512;
	assert_memory_equal(d, ".          ", 11);
	assert_int_equal(d[11], 0x10);
	assert_int_equal(le16(d + 26), rpms_cluster);
	assert_memory_equal(d + 32, "..         ", 11);
	assert_int_equal(le16(d + 32 + 26), 0); /* the parent is the root */
	{
		bool seen_x86 = false, seen_latest = false;

		for (d += 64; d[0]; d += 32) {
			unsigned parts = 0;

			if (d[11] == 0x0f)
				continue;
			while (d[-32 * (int)(parts + 1) + 11] == 0x0f)
				parts++;
			long_name(d, parts, name);
			if (!strcmp(name, "x86_64")) {
				seen_x86 = true;
				assert_memory_equal(d, "X86_64     ", 11);
			}
			if (!strcmp(name, "latest.rpm")) {
				seen_latest = true;
				assert_int_equal(le32(d + 28), strlen("another one\n"));
				assert_memory_equal(d, "LATEST  RPM", 11);
			}
		}
		assert_true(seen_x86 && seen_latest);
	}
}

static void test_lfn_checksum_and_short_names(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf img = STRBUF_INIT;
	_cleanup_free_ char *path = mt_path("f.img");
	const uint8_t *root;
	const char *want[] = { "KMOD-M~1RPM", "KMOD-M~2RPM", "KMOD-M~3RPM", "RHDD-6  1  ", "A       B  " };
	size_t found = 0;

	assert_int_equal(fat_lfn_checksum((const uint8_t *)"MODULE~1ALI"),
			 reference_checksum((const uint8_t *)"MODULE~1ALI"));
	assert_int_equal(fat_lfn_checksum((const uint8_t *)"           "),
			 reference_checksum((const uint8_t *)"           "));
	p.mtime = MT_MTIME;
	payload_add_str(&p, "kmod-megaraid_sas-1.rpm", 0644, "1");
	payload_add_str(&p, "kmod-megaraid_sas-2.rpm", 0644, "2");
	payload_add_str(&p, "kmod-megaraid_sas-3.rpm", 0644, "3");
	payload_add_str(&p, "rhdd-6.1", 0644, "t\n");
	payload_add_str(&p, "a.b", 0644, "lower case only: NT keeps no case, so a long name\n");
	assert_int_equal(write_image(&p, NULL, 1440, path, &img), 0);
	root = (const uint8_t *)img.buf + (1 + 18) * 512;
	/* no label given: no label entry and "NO NAME" in the boot sector */
	assert_memory_equal(img.buf + 0x2b, "NO NAME    ", 11);
	for (const uint8_t *d = root; d[0]; d += 32) {
		assert_int_not_equal(d[11], 0x08);
		if (d[11] == 0x0f)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(want); i++)
			if (!memcmp(d, want[i], 11)) {
				found++;
				assert_int_equal(d[-32 + 11], 0x0f); /* each with its long name */
				assert_int_equal(d[-32 + 13], reference_checksum(d));
			}
	}
	assert_int_equal(found, ARRAY_SIZE(want));
}

/* Our reader, mtools and fsck.vfat agree on what the image holds. */
static void test_read_back(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	_cleanup_free_ char *path = mt_path("f.img"), *dir = mt_path("out");
	_cleanup_strv_ struct strv problems = STRV_INIT;
	struct extract x;
	int fd;

	mt_payload(&p);
	assert_int_equal(write_image(&p, "OEMDRV", 1440, path, NULL), 0);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_int_equal(extract_open(&x, dir, "f.img", &problems), 0);
	assert_int_equal(fat_read_image(fd, &x), 0);
	extract_close(&x);
	close(fd);
	assert_int_equal(problems.n, 0);
	mt_check_tree(&p, dir, 0);

	assert_int_equal(mt_run(&out, NULL, "fsck.vfat", "-n", path, NULL), 0);
	assert_null(strstr(out.buf, "differ"));
	strbuf_reset(&out);
	assert_int_equal(mt_run(&out, NULL, "mdir", "-/", "-i", path, "::", NULL), 0);
	assert_non_null(strstr(out.buf, "Volume in drive : is OEMDRV"));
	assert_non_null(strstr(out.buf, " modules.alias\n"));
	assert_non_null(strstr(out.buf, " kmod-megaraid_sas-07.719.03.00-1.x86_64.rpm\n"));
	assert_non_null(strstr(out.buf, "README   TXT        10 2023-11-14  22:13 \n"));
	for (size_t i = 0; i < p.n; i++) {
		const struct payload_entry *e = &p.entries[i];
		_cleanup_free_ char *src = xasprintf("::%s", e->path);

		if (e->kind != PAYLOAD_FILE)
			continue;
		strbuf_reset(&out);
		assert_int_equal(payload_entry_read(e, &want), 0);
		assert_int_equal(mt_run(&out, NULL, "mcopy", "-n", "-i", path, src, "-", NULL), 0);
		if (out.len != want.len || memcmp(out.buf, want.buf, want.len))
			fail_msg("mcopy %s: %zu bytes, want %zu", e->path, out.len, want.len);
	}
	strbuf_reset(&out);
	assert_int_equal(mt_run(&out, NULL, "blkid", "-p", "-o", "export", path, NULL), 0);
	assert_non_null(strstr(out.buf, "\nTYPE=vfat\n"));
	assert_non_null(strstr(out.buf, "\nLABEL=OEMDRV\n"));
	assert_non_null(strstr(out.buf, "\nLABEL_FATBOOT=OEMDRV\n"));
	assert_non_null(strstr(out.buf, "\nVERSION=FAT12\n"));
}

/* The reader on images other tools made: mkfs.vfat + mcopy, FAT12 and FAT32. */
static void test_read_foreign(void **state)
{
	static const char *const kinds[][3] = { { "1440", "12", "a.img" }, { "40000", "32", "b.img" } };
	_cleanup_free_ char *src = mt_path("src");
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;

	mt_payload(&p);
	/* the symlink as a file: mcopy copies what it points to */
	assert_int_equal(payload_write_tree(&p, src), 0);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		_cleanup_free_ char *img = mt_path("%s", kinds[k][2]), *dir = mt_path("out%zu", k);
		_cleanup_free_ char *all = NULL;
		_cleanup_strv_ struct strv problems = STRV_INIT;
		_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
		struct extract x;
		int fd;

		assert_int_equal(mt_run(&out, NULL, "mkfs.vfat", "-C", "-F", kinds[k][1], "-n", "OEMDRV", img,
					kinds[k][0], NULL),
				 0);
		for (size_t i = 0; i < p.n; i++) {
			const struct payload_entry *e = &p.entries[i];
			_cleanup_free_ char *from = xasprintf("%s/%s", src, e->path);
			_cleanup_free_ char *to = xasprintf("::%s", e->path);

			strbuf_reset(&out);
			if (e->kind == PAYLOAD_DIR)
				assert_int_equal(mt_run(&out, NULL, "mmd", "-i", img, to, NULL), 0);
			else
				assert_int_equal(mt_run(&out, NULL, "mcopy", "-i", img, from, to, NULL), 0);
		}
		fd = open(img, O_RDONLY | O_CLOEXEC);
		assert_int_equal(extract_open(&x, dir, kinds[k][2], &problems), 0);
		assert_int_equal(fat_read_image(fd, &x), 0);
		extract_close(&x);
		close(fd);
		all = strv_join(&problems, "\n");
		assert_string_equal(all ?: "", "");
		mt_check_tree(&p, dir, 0);
	}
}

static void test_reproducible(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	_cleanup_free_ char *pa = mt_path("a.img"), *pb = mt_path("b.img");

	mt_payload(&p);
	assert_int_equal(write_image(&p, "OEMDRV", 1440, pa, &a), 0);
	assert_int_equal(write_image(&p, "OEMDRV", 1440, pb, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
}

static void test_refused(void **state)
{
	_cleanup_free_ char *path = mt_path("f.img");
	struct {
		const char *what;
		int want;
	} cases[] = {
		{ "case", -EEXIST }, { "colon", -EINVAL }, { "dirlink", -EOPNOTSUPP },
		{ "dangling", -EOPNOTSUPP }, { "label", -EINVAL }, { "dot", -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_payload_ struct payload p = PAYLOAD_INIT;
		const char *label = "OEMDRV";

		payload_add_str(&p, "Makefile", 0644, "x");
		if (!strcmp(cases[i].what, "case"))
			payload_add_str(&p, "makefile", 0644, "y");
		else if (!strcmp(cases[i].what, "colon"))
			payload_add_str(&p, "a:b", 0644, "y");
		else if (!strcmp(cases[i].what, "dirlink"))
			payload_add_symlink(&p, "d/link", "..");
		else if (!strcmp(cases[i].what, "dangling"))
			payload_add_symlink(&p, "link", "nowhere");
		else if (!strcmp(cases[i].what, "label"))
			label = "MUCH TOO LONG";
		else if (!strcmp(cases[i].what, "dot"))
			payload_add_str(&p, "trailing.", 0644, "y");
		if (write_image(&p, label, 1440, path, NULL) != cases[i].want)
			fail_msg("%s: not %d", cases[i].what, cases[i].want);
	}
}

/* Too small: -ENOSPC; fat_needed_kib finds a size that fits. */
static void test_needed_size(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	_cleanup_free_ char *path = mt_path("f.img");
	unsigned kib = 0;

	mt_payload(&p);
	assert_int_equal(write_image(&p, "OEMDRV", 720, path, NULL), -ENOSPC);
	assert_int_equal(fat_needed_kib(&p, "OEMDRV", &kib), 0);
	assert_true(kib > 1024 && kib < 1440);
	assert_int_equal(write_image(&p, "OEMDRV", kib, path, NULL), 0);
	assert_int_equal(mt_run(&out, NULL, "fsck.vfat", "-n", path, NULL), 0);
	assert_int_equal(write_image(&p, "OEMDRV", kib - kib / 100, path, NULL), -ENOSPC);

	/* 225 entries do not fit the 224 of a 1440 KiB root directory */
	payload_release(&p);
	for (int i = 0; i < 225; i++) {
		char name[24];

		snprintf(name, sizeof(name), "F%03d.TXT", i);
		payload_add_str(&p, name, 0644, "x");
	}
	assert_int_equal(write_image(&p, NULL, 1440, path, NULL), -ENOSPC);
	assert_int_equal(write_image(&p, NULL, 1441, path, NULL), 0); /* 512 entries */
}

/* Damaged images: any result but a crash, and nothing written outside the tree. */
static void test_corrupted(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf img = STRBUF_INIT, bad = STRBUF_INIT;
	_cleanup_free_ char *path = mt_path("f.img"), *mutated = mt_path("m.img"), *dir = mt_path("c");
	uint32_t x = 12345;
	unsigned ok = 0, damaged = 0;

	p.mtime = MT_MTIME;
	for (int i = 0; i < 12; i++) {
		char name[64];

		snprintf(name, sizeof(name), "dir%d/sub/a rather long file name %d.ko", i % 3, i);
		payload_add_str(&p, name, 0644, "content of a module\n");
	}
	assert_int_equal(write_image(&p, "OEMDRV", 1440, path, &img), 0);
	for (int round = 0; round < 300; round++) {
		_cleanup_strv_ struct strv problems = STRV_INIT;
		struct extract ex;
		int fd, r;

		strbuf_reset(&bad);
		strbuf_add(&bad, img.buf, img.len);
		/* a few bytes anywhere in the boot sector, FATs, root and first directories */
		for (int k = 0; k < 1 + round % 8; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			bad.buf[x % (60 * 512)] = (char)(x >> 24);
		}
		assert_int_equal(write_file_atomic(mutated, bad.buf, bad.len, 0644), 0);
		rm_rf(dir);
		fd = open(mutated, O_RDONLY | O_CLOEXEC);
		assert_int_equal(extract_open(&ex, dir, "m.img", &problems), 0);
		r = fat_read_image(fd, &ex);
		extract_close(&ex);
		close(fd);
		assert_true(r == 0 || r == -EBADMSG);
		if (r == -EBADMSG)
			assert_true(problems.n > 0);
		r == 0 ? ok++ : damaged++;
		assert_int_equal(dir_count_entries(mt_dir), 3); /* f.img, m.img, c */
	}
	assert_true(ok > 0 && damaged > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot_sector_1440, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_fat16_geometry, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_directories_and_chains, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_lfn_checksum_and_short_names, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_read_back, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_read_foreign, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_reproducible, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_refused, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_needed_size, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_corrupted, mt_setup, mt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
