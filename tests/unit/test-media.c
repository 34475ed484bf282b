// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every medium written, read back by medium_read and by the standard tool;
 * broken and hostile images; atomic output.
 */
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "mkdisk/medium.h"
#include "mediatest.h"

/* Write the test payload as medium m into <dir>/out/<name>; the only file there after. */
static char *write_medium(const struct payload *p, enum dud_medium m, enum compression c,
			  const char *name)
{
	_cleanup_free_ char *dir = mt_path("out");
	char *img = mt_path("out/%s", name);
	struct medium_opts o = { .medium = m, .compress = c, .label = "OEMDRV",
				 .publisher = "dkms media test" };

	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(medium_write(p, &o, img), 0);
	assert_true(is_file(img));
	/* no temp file left beside it */
	assert_int_equal(dir_count_entries(dir), 1);
	return img;
}

/* medium_read into <dir>/back; returns the problems joined by newlines ("" when none). */
static char *read_medium(const char *img, struct medium_info *mi, int want)
{
	_cleanup_free_ char *back = mt_path("back");
	_cleanup_strv_ struct strv problems = STRV_INIT;
	char *all;

	rm_rf(back);
	assert_int_equal(medium_read(img, back, mi, &problems), want);
	all = strv_join(&problems, "\n");
	return all ?: xstrdup("");
}

static void check_back(const struct payload *p, unsigned flags)
{
	_cleanup_free_ char *back = mt_path("back");

	mt_check_tree(p, back, flags);
}

static void test_names(void **state)
{
	enum dud_medium m = DUD_MEDIUM_TAR;
	static const char *const names[] = { "iso", "floppy", "tar", "cpio", "squashfs" };

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		assert_int_equal(medium_from_name(names[i], &m), 0);
		assert_int_equal(m, i);
		assert_string_equal(medium_name(m), names[i]);
	}
	assert_int_equal(medium_from_name("usb", &m), -EINVAL);
	assert_int_equal(medium_from_name(NULL, &m), -EINVAL);
	assert_null(medium_name(_DUD_MEDIUM_MAX));
	assert_string_equal(medium_extension(DUD_MEDIUM_ISO, COMPRESSION_DEFAULT), "iso");
	assert_string_equal(medium_extension(DUD_MEDIUM_FLOPPY, COMPRESSION_DEFAULT), "img");
	assert_string_equal(medium_extension(DUD_MEDIUM_TAR, COMPRESSION_DEFAULT), "tar");
	assert_string_equal(medium_extension(DUD_MEDIUM_TAR, COMPRESSION_XZ), "tar.xz");
	assert_string_equal(medium_extension(DUD_MEDIUM_CPIO, COMPRESSION_DEFAULT), "cpio.gz");
	assert_string_equal(medium_extension(DUD_MEDIUM_CPIO, COMPRESSION_NONE), "cpio");
	assert_string_equal(medium_extension(DUD_MEDIUM_CPIO, COMPRESSION_ZSTD), "cpio.zst");
	assert_string_equal(medium_extension(DUD_MEDIUM_SQUASHFS, COMPRESSION_DEFAULT), "squashfs");
}

static void test_iso(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT, want = STRBUF_INIT, vd = STRBUF_INIT;
	_cleanup_free_ char *img = NULL, *problems = NULL;
	struct medium_info mi = { 0 };

	mt_payload(&p);
	img = write_medium(&p, DUD_MEDIUM_ISO, COMPRESSION_DEFAULT, "dd.iso");
	problems = read_medium(img, &mi, 0);
	assert_string_equal(problems, "");
	assert_int_equal(mi.medium, DUD_MEDIUM_ISO);
	assert_string_equal(mi.fstype, "iso9660");
	assert_string_equal(mi.label, "OEMDRV");
	assert_true(mi.rock_ridge);
	assert_true(mi.joliet);
	medium_info_release(&mi);
	check_back(&p, MT_SYMLINKS);

	assert_int_equal(mt_run(&out, NULL, "blkid", "-p", "-o", "export", img, NULL), 0);
	assert_non_null(strstr(out.buf, "\nTYPE=iso9660\n"));
	assert_non_null(strstr(out.buf, "\nLABEL=OEMDRV\n"));
	strbuf_reset(&out);
	assert_int_equal(mt_run(&out, NULL, "isoinfo", "-d", "-i", img, NULL), 0);
	assert_non_null(strstr(out.buf, "Volume id: OEMDRV\n"));
	assert_non_null(strstr(out.buf, "Joliet with UCS level 3 found"));
	assert_non_null(strstr(out.buf, "Rock Ridge signatures version 1 found"));
	assert_non_null(strstr(out.buf, "Publisher id: DKMS MEDIA TEST"));
	/* the Joliet descriptor carries the label too (UCS-2 big endian at 40) */
	assert_int_equal(read_file(img, &vd), 0);
	assert_int_equal(vd.buf[17 * 2048], 2);
	assert_memory_equal(vd.buf + 17 * 2048 + 40, "\0O\0E\0M\0D\0R\0V\0 ", 14);
	strbuf_reset(&out);
	assert_int_equal(mt_run(&out, NULL, "xorriso", "-indev", img, "-find", "/", "-exec", "lsdl", NULL), 0);
	assert_non_null(strstr(out.buf, "'/rpms/latest.rpm' -> 'x86_64/kmod-megaraid_sas-07.719.03.00-2.x86_64.rpm'"));
	assert_non_null(strstr(out.buf, "'/rpms/x86_64/kmod-megaraid_sas-07.719.03.00-1.x86_64.rpm'"));
	assert_non_null(strstr(out.buf, "dr-xr-xr-x    1 0        0               0 Nov 14  2023 '/emptydir'"));
	for (size_t i = 0; i < p.n; i++) {
		const struct payload_entry *e = &p.entries[i];
		_cleanup_free_ char *iso_path = xasprintf("/%s", e->path);

		if (e->kind != PAYLOAD_FILE)
			continue;
		strbuf_reset(&out);
		assert_int_equal(payload_entry_read(e, &want), 0);
		assert_int_equal(mt_run(&out, NULL, "isoinfo", "-R", "-i", img, "-x", iso_path, NULL), 0);
		if (out.len != want.len || memcmp(out.buf, want.buf, want.len))
			fail_msg("isoinfo -x %s: %zu bytes, want %zu", iso_path, out.len, want.len);
	}
}

static void test_floppy(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	_cleanup_free_ char *img = NULL, *problems = NULL;
	struct medium_info mi = { 0 };
	struct stat st;

	mt_payload(&p);
	img = write_medium(&p, DUD_MEDIUM_FLOPPY, COMPRESSION_DEFAULT, "dd.img");
	assert_int_equal(stat(img, &st), 0);
	assert_int_equal(st.st_size, 1440 * 1024);
	assert_int_equal(st.st_mode & 0777, 0644);
	problems = read_medium(img, &mi, 0);
	assert_string_equal(problems, "");
	assert_int_equal(mi.medium, DUD_MEDIUM_FLOPPY);
	assert_string_equal(mi.fstype, "vfat");
	assert_string_equal(mi.label, "OEMDRV");
	assert_string_equal(mi.boot_label, "OEMDRV");
	medium_info_release(&mi);
	check_back(&p, 0); /* FAT has no symlinks: the link is a copy */
	assert_int_equal(mt_run(&out, NULL, "fsck.vfat", "-n", img, NULL), 0);
	strbuf_reset(&out);
	assert_int_equal(mt_run(&out, NULL, "blkid", "-p", "-o", "export", img, NULL), 0);
	assert_non_null(strstr(out.buf, "\nTYPE=vfat\n"));
	assert_non_null(strstr(out.buf, "\nLABEL=OEMDRV\n"));
	assert_non_null(strstr(out.buf, "\nLABEL_FATBOOT=OEMDRV\n"));
}

static void test_tar(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT, bytes = STRBUF_INIT;
	_cleanup_free_ char *img = NULL, *problems = NULL, *x = mt_path("x");
	struct medium_info mi = { 0 };

	mt_payload(&p);
	img = write_medium(&p, DUD_MEDIUM_TAR, COMPRESSION_DEFAULT, "dd.tar");
	assert_int_equal(read_file(img, &bytes), 0);
	/* POSIX ustar magic and version: what linuxrc and dracut look for */
	assert_memory_equal(bytes.buf + 257, "ustar\0" "00", 8);
	assert_int_equal(bytes.len % 512, 0);
	problems = read_medium(img, &mi, 0);
	assert_string_equal(problems, "");
	assert_int_equal(mi.medium, DUD_MEDIUM_TAR);
	assert_int_equal(mi.compress, COMPRESSION_NONE);
	assert_string_equal(mi.fstype, "tar");
	assert_string_equal(mi.tar_format, "ustar");
	assert_null(mi.label);
	medium_info_release(&mi);
	check_back(&p, MT_SYMLINKS | MT_PERMS);

	assert_int_equal(mkdir_p(x, 0755), 0);
	assert_int_equal(mt_run(&out, NULL, "tar", "-xf", img, "-C", x, NULL), 0);
	mt_check_tree(&p, x, MT_SYMLINKS | MT_PERMS);
	strbuf_reset(&out);
	assert_int_equal(mt_run(&out, NULL, "tar", "-tvf", img, NULL), 0);
	assert_non_null(strstr(out.buf, "-rwxr-xr-x root/root        17 2023-11-14 22:13 bin/update.pre\n"));
}

static void test_tar_xz(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	_cleanup_free_ char *img = NULL, *problems = NULL;
	struct medium_info mi = { 0 };

	mt_payload(&p);
	img = write_medium(&p, DUD_MEDIUM_TAR, COMPRESSION_XZ, "dd.tar.xz");
	assert_int_equal(mt_run(&out, NULL, "xz", "--robot", "--list", img, NULL), 0);
	assert_non_null(strstr(out.buf, "\tCRC32\t"));
	problems = read_medium(img, &mi, 0);
	assert_string_equal(problems, "");
	assert_int_equal(mi.compress, COMPRESSION_XZ);
	assert_int_equal(mi.compressor, MEDIUM_XZ);
	assert_string_equal(mi.xz_check, "CRC32");
	assert_string_equal(mi.tar_format, "ustar");
	medium_info_release(&mi);
	check_back(&p, MT_SYMLINKS | MT_PERMS);
}

static void test_cpio(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT, raw = STRBUF_INIT;
	_cleanup_free_ char *img = NULL, *problems = NULL, *x = mt_path("x"), *plain = mt_path("raw.cpio");
	struct medium_info mi = { 0 };

	mt_payload(&p);
	img = write_medium(&p, DUD_MEDIUM_CPIO, COMPRESSION_DEFAULT, "dd.cpio.gz");
	assert_int_equal(mt_run(NULL, NULL, "gzip", "-t", img, NULL), 0);
	problems = read_medium(img, &mi, 0);
	assert_string_equal(problems, "");
	assert_int_equal(mi.medium, DUD_MEDIUM_CPIO);
	assert_int_equal(mi.compress, COMPRESSION_GZIP);
	assert_int_equal(mi.compressor, MEDIUM_GZIP);
	assert_null(mi.xz_check);
	assert_string_equal(mi.fstype, "cpio");
	assert_string_equal(mi.cpio_magic, "070701");
	medium_info_release(&mi);
	check_back(&p, MT_SYMLINKS | MT_PERMS);

	/* GNU cpio unpacks the decompressed archive to the same tree */
	assert_int_equal(mt_run(&raw, NULL, "gzip", "-dc", img, NULL), 0);
	assert_int_equal(write_file_atomic(plain, raw.buf, raw.len, 0644), 0);
	assert_int_equal(mkdir_p(x, 0755), 0);
	assert_int_equal(mt_run(&out, plain, "cpio", "--quiet", "-i", "-d", "-m", "-D", x, NULL), 0);
	mt_check_tree(&p, x, MT_SYMLINKS | MT_PERMS);
}

static void test_squashfs(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	_cleanup_free_ char *img = NULL, *problems = NULL, *x = mt_path("x");
	struct medium_info mi = { 0 };

	mt_payload(&p);
	img = write_medium(&p, DUD_MEDIUM_SQUASHFS, COMPRESSION_DEFAULT, "dd.squashfs");
	problems = read_medium(img, &mi, 0);
	assert_string_equal(problems, "");
	assert_int_equal(mi.medium, DUD_MEDIUM_SQUASHFS);
	assert_string_equal(mi.fstype, "squashfs");
	medium_info_release(&mi);
	check_back(&p, MT_SYMLINKS | MT_PERMS);

	assert_int_equal(mt_run(&out, NULL, "unsquashfs", "-l", img, NULL), 0);
	assert_non_null(strstr(out.buf, "\nsquashfs-root/rpms/latest.rpm\n"));
	assert_non_null(strstr(out.buf, "\nsquashfs-root/emptydir\n"));
	assert_int_equal(mt_run(&out, NULL, "unsquashfs", "-n", "-d", x, img, NULL), 0);
	mt_check_tree(&p, x, MT_SYMLINKS | MT_PERMS);
	strbuf_reset(&out);
	assert_int_equal(mt_run(&out, NULL, "unsquashfs", "-lln", img, "big.bin", NULL), 0);
	assert_non_null(strstr(out.buf, "-rw-r--r-- 0/0"));
}

/*
 * SOURCE_DATE_EPOCH in the environment (reproducible builds set it): the
 * image is still written, with the payload's time, which mkdriverdisk takes
 * from it. mksquashfs refuses it beside -all-time, so it is not passed on.
 */
static void test_squashfs_source_date_epoch(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT, bytes = STRBUF_INIT;
	_cleanup_free_ char *img = NULL;
	const uint8_t *sb;

	mt_payload(&p);
	assert_int_equal(setenv("SOURCE_DATE_EPOCH", "1600000000", 1), 0);
	img = write_medium(&p, DUD_MEDIUM_SQUASHFS, COMPRESSION_DEFAULT, "sde.squashfs");
	assert_int_equal(unsetenv("SOURCE_DATE_EPOCH"), 0);
	/* the superblock's mkfs_time (le32 at 8) and every entry carry the payload's time */
	assert_int_equal(read_file(img, &bytes), 0);
	sb = (const uint8_t *)bytes.buf;
	assert_memory_equal(sb, "hsqs", 4);
	assert_int_equal(sb[8] | sb[9] << 8 | sb[10] << 16 | (uint32_t)sb[11] << 24, MT_MTIME);
	assert_int_equal(setenv("TZ", "UTC", 1), 0);
	assert_int_equal(mt_run(&out, NULL, "unsquashfs", "-lln", img, "bin/update.pre", NULL), 0);
	assert_non_null(strstr(out.buf, " 2023-11-14 22:13 squashfs-root/bin/update.pre\n"));
}

/* Failures leave nothing at the output, and an older file there untouched. */
static void test_atomic_failures(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_free_ char *dir = mt_path("out"), *img = mt_path("out/dd.img");
	_cleanup_free_ char *missing = mt_path("nodir/dd.img");
	_cleanup_strbuf_ struct strbuf old = STRBUF_INIT;
	struct medium_opts o = { .medium = DUD_MEDIUM_FLOPPY, .label = "OEMDRV", .size_kib = 720 };
	unsigned kib = 0;

	mt_payload(&p);
	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(medium_write(&p, &o, img), -ENOSPC);
	assert_int_equal(dir_count_entries(dir), 0);
	assert_int_equal(medium_floppy_needed_kib(&p, &o, &kib), 0);
	assert_true(kib > 720);
	o.size_kib = kib;
	assert_int_equal(medium_write(&p, &o, img), 0);

	/* a failed rewrite keeps the old image */
	assert_int_equal(read_file(img, &old), 0);
	o.size_kib = 720;
	assert_int_equal(medium_write(&p, &o, img), -ENOSPC);
	assert_int_equal(dir_count_entries(dir), 1);
	{
		_cleanup_strbuf_ struct strbuf now = STRBUF_INIT;

		assert_int_equal(read_file(img, &now), 0);
		assert_int_equal(now.len, old.len);
		assert_memory_equal(now.buf, old.buf, old.len);
	}

	o.size_kib = 0;
	assert_int_equal(medium_write(&p, &o, missing), -ENOENT);
	assert_int_equal(medium_write(&p, &o, dir), -EISDIR);
	o.medium = _DUD_MEDIUM_MAX;
	assert_int_equal(medium_write(&p, &o, img), -EINVAL);
}

/* A write that fails half-way (file size limit: EFBIG, as a full disk gives ENOSPC). */
static void test_write_error(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_free_ char *dir = mt_path("out");
	static const enum dud_medium media[] = { DUD_MEDIUM_FLOPPY, DUD_MEDIUM_TAR, DUD_MEDIUM_CPIO };

	mt_payload(&p);
	assert_int_equal(mkdir_p(dir, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(media); i++) {
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			struct rlimit rl = { 256 * 1024, 256 * 1024 };
			struct medium_opts o = { .medium = media[i], .label = "OEMDRV",
						 .compress = COMPRESSION_NONE };
			_cleanup_free_ char *img = mt_path("out/dd");
			int r;

			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
			r = medium_write(&p, &o, img);
			_exit(r == -EFBIG ? 0 : 100 + (r < 0 ? -r : 0));
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		assert_int_equal(dir_count_entries(dir), 0);
	}
}

/*
 * medium_write(ISO) of paths in a child: 0 when written, -errno when
 * refused, or 1000 + signal when the writer crashed.
 */
static int iso_write_in_child(const char *const *paths, size_t n, const char *img)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct payload p = PAYLOAD_INIT;
		struct medium_opts o = { .medium = DUD_MEDIUM_ISO, .label = "OEMDRV" };
		int r = 0;

		/* cmocka's handlers would carry on with the tests in this child */
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		p.mtime = MT_MTIME;
		for (size_t i = 0; i < n && r >= 0; i++) {
			size_t len = strlen(paths[i]);

			if (paths[i][len - 1] == '/') {
				_cleanup_free_ char *dir = xstrndup(paths[i], len - 1);

				r = payload_add_dir(&p, dir, 0755);
			} else {
				r = payload_add_str(&p, paths[i], 0644, paths[i]);
			}
		}
		if (r >= 0)
			r = medium_write(&p, &o, img);
		payload_release(&p);
		_exit(r < 0 ? -r : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return -WEXITSTATUS(status);
}

/*
 * ISO 9660 holds 8 directory levels; Rock Ridge relocates deeper ones into
 * /rr_moved. libarchive 3.6 crashes (SIGSEGV) relocating two directories of
 * the same name (they meet in rr_moved), one named like an entry of a
 * top-level rr_moved, or a directory deeper than 13 levels (moved twice).
 * Those trees are refused; one relocation is written and reads back whole.
 */
static void test_iso_deep_directories(void **state)
{
	static const struct {
		const char *what;
		const char *paths[4];
		int want;
	} cases[] = {
		{ "two directories named h at depth 8",
		  { "a/b/c/d/e/f/g/h/x", "b/b/c/d/e/f/g/h/x" }, -ENAMETOOLONG },
		{ "the same, as empty directories",
		  { "a/b/c/d/e/f/g/h/", "a/b/c/d/e/f/G/h/" }, -ENAMETOOLONG },
		{ "two SUSE kernels with install/lib/modules/<k>/updates",
		  { "linux/suse/x86_64-sles15/install/lib/modules/6.1.0-1-default/updates/m.ko",
		    "linux/suse/x86_64-sles15/install/lib/modules/6.1.0-2-default/updates/m.ko" },
		  -ENAMETOOLONG },
		{ "a depth-8 directory named like an entry of rr_moved",
		  { "a/b/c/d/e/f/g/h/x", "rr_moved/h" }, -ENAMETOOLONG },
		{ "a directory 14 levels deep", { "a/b/c/d/e/f/g/h/i/j/k/l/m/n/x" }, -ENAMETOOLONG },
		{ "directories 8 levels deep, names differing", { "a/b/c/d/e/f/g/h/x", "a/b/c/d/e/f/g/i/x",
		  "a/b/c/d/e/f/G/H/x" }, 0 },
		{ "the same name in different case", { "a/b/c/d/e/f/g/h/", "a/b/c/d/e/f/G/H/" }, 0 },
		{ "a directory 13 levels deep", { "a/b/c/d/e/f/g/h/i/j/k/l/m/x" }, 0 },
		{ "the same names below the moved ones", { "a/b/c/d/e/f/g/h/i/x", "a/b/c/d/e/f/g/j/i/x" }, 0 },
		{ "a top-level rr_moved, nothing to move", { "rr_moved/h", "a/b/c/d/e/f/g/x" }, 0 },
	};
	_cleanup_free_ char *dir = mt_path("out"), *img = mt_path("out/deep.iso");

	assert_int_equal(mkdir_p(dir, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = 0;
		int r;

		while (n < ARRAY_SIZE(cases[i].paths) && cases[i].paths[n])
			n++;
		r = iso_write_in_child(cases[i].paths, n, img);
		if (r != cases[i].want)
			fail_msg("%s: %d, want %d", cases[i].what, r, cases[i].want);
		assert_int_equal(dir_count_entries(dir), r == 0 ? 1 : 0);
		if (r == 0) {
			_cleanup_(payload_releasep) struct payload p = PAYLOAD_INIT;
			_cleanup_free_ char *problems = NULL;
			struct medium_info mi = { 0 };

			/* libarchive's reader follows the relocation back: the tree as written */
			for (size_t j = 0; j < n; j++) {
				size_t len = strlen(cases[i].paths[j]);
				_cleanup_free_ char *d = xstrndup(cases[i].paths[j], len - 1);

				if (cases[i].paths[j][len - 1] == '/')
					assert_int_equal(payload_add_dir(&p, d, 0755), 0);
				else
					assert_int_equal(payload_add_str(&p, cases[i].paths[j], 0644, cases[i].paths[j]), 0);
			}
			problems = read_medium(img, &mi, 0);
			assert_string_equal(problems, "");
			assert_true(mi.rock_ridge);
			medium_info_release(&mi);
			check_back(&p, 0);
			assert_int_equal(unlink(img), 0);
		}
	}
}

/*
 * Random deep trees over a few names (and rr_moved): each is written or
 * refused with -ENAMETOOLONG, never a crash. Deterministic (fixed seed).
 */
static void test_iso_deep_random(void **state)
{
	static const char *const names[] = { "a", "b", "rr_moved" };
	_cleanup_free_ char *dir = mt_path("out"), *img = mt_path("out/rnd.iso");
	unsigned seed = 12345, written = 0, refused = 0;

	assert_int_equal(mkdir_p(dir, 0755), 0);
	for (unsigned round = 0; round < 300; round++) {
		char paths[4][200];
		const char *pv[4];
		size_t n = 1 + rand_r(&seed) % 4;
		int r;

		for (size_t i = 0; i < n; i++) {
			size_t depth = 6 + rand_r(&seed) % 10, len = 0;

			for (size_t d = 0; d < depth; d++) {
				const char *nm = names[rand_r(&seed) % 3];

				len += (size_t)snprintf(paths[i] + len, sizeof(paths[i]) - len, "%s/", nm);
			}
			if (rand_r(&seed) % 2)
				snprintf(paths[i] + len, sizeof(paths[i]) - len, "f");
			pv[i] = paths[i];
		}
		r = iso_write_in_child(pv, n, img);
		if (r != 0 && r != -ENAMETOOLONG && r != -EEXIST && r != -ENOTDIR)
			fail_msg("round %u: %d (%s %s ...)", round, r, pv[0], n > 1 ? pv[1] : "");
		written += r == 0;
		refused += r == -ENAMETOOLONG;
		unlink(img);
	}
	/* both kinds were met */
	assert_true(written > 20);
	assert_true(refused > 20);
}

/* A tree made by the real tools: the archives consumers build themselves. */
static char *make_src(struct payload *p)
{
	char *src = mt_path("src");

	mt_payload(p);
	assert_int_equal(payload_write_tree(p, src), 0);
	return src;
}

/* `sh -c` with the test dir as cwd: only for piping the standard tools together. */
static int sh(const char *script)
{
	struct child c = CHILD_INIT;
	int rc;

	strv_push(&c.args, "sh");
	strv_push(&c.args, "-c");
	strv_push(&c.args, script);
	c.dir = mt_dir;
	rc = child_run(&c);
	child_release(&c);
	return rc;
}

static void test_foreign_archives(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_free_ char *src = make_src(&p);
	static const struct {
		const char *make, *image, *problem, *magic_or_format;
		enum compression compress;
		enum medium_compressor compressor;
		const char *xz_check;
	} cases[] = {
		{ "tar --format=gnu -cf gnu.tar -C src .", "gnu.tar",
		  "gnu.tar: GNU tar format: linuxrc detects only POSIX (ustar or pax) tar", "gnu",
		  COMPRESSION_NONE, MEDIUM_UNCOMPRESSED, NULL },
		{ "tar --format=pax -czf pax.tar.gz -C src .", "pax.tar.gz", "", "pax", COMPRESSION_GZIP,
		  MEDIUM_GZIP, NULL },
		{ "cd src && find . | cpio --quiet -o -H crc > ../crc.cpio", "crc.cpio",
		  "crc.cpio: cpio magic 070702: linuxrc and older kernels accept only 070701", "070702",
		  COMPRESSION_NONE, MEDIUM_UNCOMPRESSED, NULL },
		{ "cd src && find . | cpio --quiet -o -H odc > ../odc.cpio", "odc.cpio",
		  "odc.cpio: cpio magic 070707 (odc): the kernel and linuxrc accept only 070701", "070707",
		  COMPRESSION_NONE, MEDIUM_UNCOMPRESSED, NULL },
		/* compressions are facts: which reader takes which is the checkers' rule */
		{ "cd src && find . | cpio --quiet -o -H newc | xz --check=crc64 > ../dd.cpio.xz",
		  "dd.cpio.xz", "", "070701", COMPRESSION_XZ, MEDIUM_XZ, "CRC64" },
		{ "cd src && find . | cpio --quiet -o -H newc | xz --check=crc32 > ../ok.cpio.xz",
		  "ok.cpio.xz", "", "070701", COMPRESSION_XZ, MEDIUM_XZ, "CRC32" },
		{ "cd src && find . | cpio --quiet -o -H newc | xz --check=none > ../none.cpio.xz",
		  "none.cpio.xz", "", "070701", COMPRESSION_XZ, MEDIUM_XZ, "none" },
		{ "cd src && find . | cpio --quiet -o -H newc | zstd -q > ../dd.cpio.zst", "dd.cpio.zst",
		  "", "070701", COMPRESSION_ZSTD, MEDIUM_ZSTD, NULL },
		{ "cd src && find . | cpio --quiet -o -H newc | bzip2 > ../dd.cpio.bz2", "dd.cpio.bz2",
		  "", "070701", COMPRESSION_NONE, MEDIUM_BZIP2, NULL },
		{ "cd src && find . | cpio --quiet -o -H newc | lzma > ../dd.cpio.lzma", "dd.cpio.lzma",
		  "", "070701", COMPRESSION_NONE, MEDIUM_LZMA, NULL },
		{ "cd src && find . | cpio --quiet -o -H newc | lz4 -l -q > ../legacy.cpio.lz4", "legacy.cpio.lz4",
		  "", "070701", COMPRESSION_NONE, MEDIUM_LZ4_LEGACY, NULL },
		{ "cd src && find . | cpio --quiet -o -H newc | lz4 -q > ../frame.cpio.lz4", "frame.cpio.lz4",
		  "", "070701", COMPRESSION_NONE, MEDIUM_LZ4_FRAME, NULL },
		{ "tar --format=pax -cf - -C src . | bzip2 > pax.tar.bz2", "pax.tar.bz2", "", "pax",
		  COMPRESSION_NONE, MEDIUM_BZIP2, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *img = mt_path("%s", cases[i].image), *problems = NULL;
		struct medium_info mi = { 0 };

		assert_int_equal(sh(cases[i].make), 0);
		problems = read_medium(img, &mi, 0);
		if (strcmp(problems, cases[i].problem))
			fail_msg("%s: problems '%s', want '%s'", cases[i].image, problems, cases[i].problem);
		assert_int_equal(mi.compress, cases[i].compress);
		if (mi.compressor != cases[i].compressor)
			fail_msg("%s: compressor %s, want %s", cases[i].image, medium_compressor_name(mi.compressor),
				 medium_compressor_name(cases[i].compressor));
		if (cases[i].xz_check)
			assert_string_equal(mi.xz_check, cases[i].xz_check);
		else
			assert_null(mi.xz_check);
		if (mi.medium == DUD_MEDIUM_TAR)
			assert_string_equal(mi.tar_format, cases[i].magic_or_format);
		else
			assert_string_equal(mi.cpio_magic, cases[i].magic_or_format);
		medium_info_release(&mi);
		check_back(&p, MT_SYMLINKS | MT_PERMS);
	}
	assert_string_equal(medium_compressor_name(MEDIUM_UNCOMPRESSED), "uncompressed");
	assert_string_equal(medium_compressor_name(MEDIUM_LZ4_LEGACY), "lz4 (legacy)");
	assert_string_equal(medium_compressor_name(MEDIUM_OTHER_COMPRESSION), "another compression");
	assert_null(medium_compressor_name(MEDIUM_OTHER_COMPRESSION + 1));
}

/* ISO images other tools write: Rock Ridge and Joliet seen, or missed, as they are. */
static void test_foreign_isos(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_free_ char *src = make_src(&p);
	_cleanup_free_ char *plain = NULL, *rj = NULL, *problems = NULL;
	struct medium_info mi = { 0 };

	assert_int_equal(sh("genisoimage -quiet -R -J -V OEMDRV -o rj.iso src"), 0);
	rj = mt_path("rj.iso");
	problems = read_medium(rj, &mi, 0);
	assert_string_equal(problems, "");
	assert_true(mi.rock_ridge);
	assert_true(mi.joliet);
	assert_string_equal(mi.label, "OEMDRV");
	medium_info_release(&mi);
	check_back(&p, MT_SYMLINKS | MT_PERMS);
	free(problems);

	assert_int_equal(sh("genisoimage -quiet -V OEMDRV -o plain.iso src 2>/dev/null"), 0);
	plain = mt_path("plain.iso");
	problems = read_medium(plain, &mi, 0);
	assert_string_equal(problems,
			    "plain.iso: ISO 9660 without Rock Ridge: installers see upper-case 8.3 names");
	assert_false(mi.rock_ridge);
	assert_false(mi.joliet);
	assert_string_equal(mi.label, "OEMDRV");
	medium_info_release(&mi);
	free(problems);

	assert_int_equal(sh("genisoimage -quiet -J -V OEMDRV -o joliet.iso src 2>/dev/null"), 0);
	free(plain);
	plain = mt_path("joliet.iso");
	problems = read_medium(plain, &mi, 0);
	assert_string_equal(problems, "joliet.iso: ISO 9660 without Rock Ridge: installers see "
				      "Joliet (no modes, no symlinks) names");
	assert_false(mi.rock_ridge);
	assert_true(mi.joliet);
	medium_info_release(&mi);
}

static void test_broken_images(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	static const struct {
		enum dud_medium m;
		const char *name;
		size_t keep;
	} truncated[] = {
		{ DUD_MEDIUM_ISO, "t.iso", 100000 },
		{ DUD_MEDIUM_FLOPPY, "t.img", 600000 },
		{ DUD_MEDIUM_TAR, "t.tar", 600000 },
		{ DUD_MEDIUM_CPIO, "t.cpio.gz", 300000 },
		{ DUD_MEDIUM_SQUASHFS, "t.squashfs", 3000 },
	};
	_cleanup_free_ char *rnd = mt_path("random.bin"), *empty = mt_path("empty.bin");
	_cleanup_free_ char *none = mt_path("missing.iso"), *problems = NULL;
	_cleanup_strbuf_ struct strbuf noise = STRBUF_INIT;
	struct medium_info mi = { 0 };

	mt_payload(&p);
	for (size_t i = 0; i < ARRAY_SIZE(truncated); i++) {
		_cleanup_free_ char *img = write_medium(&p, truncated[i].m, COMPRESSION_DEFAULT,
						      truncated[i].name);
		_cleanup_free_ char *out = mt_path("out");
		_cleanup_free_ char *why = NULL;

		assert_int_equal(truncate(img, (off_t)truncated[i].keep), 0);
		why = read_medium(img, &mi, -EBADMSG);
		/* one line naming the image */
		if (strncmp(why, truncated[i].name, strlen(truncated[i].name)) || strlen(why) < 20)
			fail_msg("%s: problems '%s'", truncated[i].name, why);
		rm_rf(out);
	}
	mt_big(&noise);
	strbuf_setlen(&noise, 100000);
	assert_int_equal(write_file_atomic(rnd, noise.buf, noise.len, 0644), 0);
	problems = read_medium(rnd, &mi, -EMEDIUMTYPE);
	assert_string_equal(problems, "");
	free(problems);
	assert_int_equal(write_file_atomic(empty, "", 0, 0644), 0);
	problems = read_medium(empty, &mi, -EMEDIUMTYPE);
	free(problems);
	problems = read_medium(none, &mi, -ENOENT);
	free(problems);
	problems = read_medium(mt_dir, &mi, -EISDIR);
}

static void add_entry(struct archive *a, const char *name, unsigned type, const char *link,
		      const char *data)
{
	struct archive_entry *ae = archive_entry_new();

	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, type);
	archive_entry_set_perm(ae, type == AE_IFDIR ? 0755 : 0644);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(ae, link);
	if (type == AE_IFREG && link)
		archive_entry_set_hardlink(ae, link);
	archive_entry_set_size(ae, data ? (la_int64_t)strlen(data) : 0);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	if (data)
		assert_int_equal(archive_write_data(a, data, strlen(data)), (la_ssize_t)strlen(data));
	archive_entry_free(ae);
}

/* Hostile entries are not unpacked, each with a line; nothing lands outside the tree. */
static void test_hostile_tar(void **state)
{
	_cleanup_free_ char *img = mt_path("evil.tar"), *problems = NULL;
	_cleanup_free_ char *outside = mt_path("escaped"), *abs_in = mt_path("back/abs/file");
	_cleanup_free_ char *via = mt_path("back/sub/x"), *in_link = mt_path("back/in");
	struct archive *a = archive_write_new();
	struct medium_info mi = { 0 };

	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, img), ARCHIVE_OK);
	add_entry(a, "../escaped", AE_IFREG, NULL, "no\n");
	add_entry(a, "/abs/file", AE_IFREG, NULL, "leading slash dropped\n");
	add_entry(a, "up", AE_IFLNK, "../../etc", NULL);
	add_entry(a, "rooted", AE_IFLNK, "/etc", NULL);
	add_entry(a, "sneaky", AE_IFLNK, "sub/../../x", NULL);
	add_entry(a, "sub", AE_IFDIR, NULL, NULL);
	add_entry(a, "in", AE_IFLNK, "sub", NULL);
	add_entry(a, "in/x", AE_IFREG, NULL, "through a link\n");
	add_entry(a, "sub/ok", AE_IFLNK, "../abs/file", NULL);
	add_entry(a, "hard", AE_IFREG, "abs/file", NULL);
	archive_write_free(a);

	problems = read_medium(img, &mi, 0);
	assert_string_equal(problems,
			    "evil.tar: ../escaped: a '..' component; not unpacked\n"
			    "evil.tar: up: symlink to '../../etc' points outside the disk; not unpacked\n"
			    "evil.tar: rooted: symlink to '/etc' points outside the disk; not unpacked\n"
			    "evil.tar: sneaky: symlink to 'sub/../../x' points outside the disk; not unpacked\n"
			    "evil.tar: in/x: lies beneath a symlink or a file; not unpacked");
	medium_info_release(&mi);
	assert_false(path_exists(outside));
	assert_true(is_file(abs_in));
	assert_false(path_exists(via));
	assert_true(is_symlink(in_link));
	{
		_cleanup_free_ char *hard = mt_path("back/hard");
		struct stat a_st, b_st;

		assert_int_equal(stat(hard, &a_st), 0);
		assert_int_equal(stat(abs_in, &b_st), 0);
		assert_int_equal(a_st.st_ino, b_st.st_ino);
	}
}

/* newc hard links carry the data on the last link: every name gets it. */
static void test_cpio_hardlinks(void **state)
{
	_cleanup_free_ char *problems = NULL, *img = mt_path("links.cpio");
	_cleanup_free_ char *a = mt_path("back/a"), *b = mt_path("back/sub/b");
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	struct medium_info mi = { 0 };

	assert_int_equal(sh("mkdir -p h/sub && echo shared > h/a && ln h/a h/sub/b && "
			    "cd h && find . | cpio --quiet -o -H newc > ../links.cpio"),
			 0);
	problems = read_medium(img, &mi, 0);
	assert_string_equal(problems, "");
	medium_info_release(&mi);
	assert_int_equal(read_file(a, &got), 0);
	assert_string_equal(got.buf, "shared\n");
	strbuf_reset(&got);
	assert_int_equal(read_file(b, &got), 0);
	assert_string_equal(got.buf, "shared\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_iso, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_floppy, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_tar, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_tar_xz, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_cpio, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_squashfs, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_squashfs_source_date_epoch, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_failures, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_write_error, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_iso_deep_directories, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_iso_deep_random, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_archives, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_isos, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_broken_images, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_tar, mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_cpio_hardlinks, mt_setup, mt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
