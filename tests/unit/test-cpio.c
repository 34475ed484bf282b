// SPDX-License-Identifier: GPL-2.0-or-later
/* cpio_write_payload: every header byte, then GNU cpio reads the archive back; cpio_pack; the merged-/usr rule. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "codec/cpio.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

#define MTIME 1700000000

static char *tmpdir;

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-cpio.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	tmpdir = xstrdup(tmpl);
	return 0;
}

static int teardown(void **state)
{
	rm_rf(tmpdir);
	free(tmpdir);
	return 0;
}

static int run(struct strbuf *out, const char *dir, int in_fd, const char *arg0, ...)
{
	struct child c = CHILD_INIT;
	va_list ap;
	int rc;

	strv_push(&c.args, arg0);
	va_start(ap, arg0);
	for (const char *a; (a = va_arg(ap, const char *));)
		strv_push(&c.args, a);
	va_end(ap);
	c.capture = out;
	c.dir = dir;
	strv_push(&c.env_set, "TZ=UTC"); /* cpio -tv prints local time */
	c.in_fd = in_fd;
	c.err_fd = out ? -2 : -1;
	rc = child_run(&c);
	child_release(&c);
	return rc;
}

/* One parsed newc header. */
struct hdr {
	uint32_t f[13]; /* ino mode uid gid nlink mtime filesize devmaj devmin rdevmaj rdevmin namesize check */
	char name[256];
	const char *data;
};

enum { INO, MODE, UID, GID, NLINK, MTIME_F, FILESIZE, DEVMAJ, DEVMIN, RDEVMAJ, RDEVMIN, NAMESIZE, CHECK };

/* Parse the header at *off, check its magic and padding, advance past its data. */
static void parse(const struct strbuf *a, size_t *off, struct hdr *h)
{
	size_t o = *off, name_end, data_end;

	assert_int_equal(o % 4, 0);
	assert_true(o + 110 <= a->len);
	assert_memory_equal(a->buf + o, "070701", 6);
	for (int i = 0; i < 13; i++) {
		char field[9];

		memcpy(field, a->buf + o + 6 + 8 * i, 8);
		field[8] = '\0';
		/* upper-case hex digits only, as the kernel's parser expects */
		assert_int_equal(strspn(field, "0123456789ABCDEF"), 8);
		h->f[i] = (uint32_t)strtoul(field, NULL, 16);
	}
	assert_true(h->f[NAMESIZE] > 1 && h->f[NAMESIZE] < sizeof(h->name));
	name_end = o + 110 + h->f[NAMESIZE];
	assert_true(name_end <= a->len);
	memcpy(h->name, a->buf + o + 110, h->f[NAMESIZE]);
	assert_int_equal(h->name[h->f[NAMESIZE] - 1], '\0'); /* namesize counts the NUL */
	assert_int_equal(strlen(h->name), h->f[NAMESIZE] - 1);
	for (; name_end % 4; name_end++)
		assert_int_equal(a->buf[name_end], '\0');
	h->data = a->buf + name_end;
	data_end = name_end + h->f[FILESIZE];
	assert_true(data_end <= a->len);
	for (; data_end % 4; data_end++)
		assert_int_equal(a->buf[data_end], '\0');
	*off = data_end;
}

static void make_payload(struct payload *p)
{
	char big[5000];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	p->mtime = MTIME;
	/* added out of order: the writer sorts */
	assert_int_equal(payload_add_str(p, "z/deep/er/file.txt", 0644, "deep\n"), 0);
	assert_int_equal(payload_add_str(p, "rhdd3", 0644, "Driver Update Disk version 3"), 0);
	assert_int_equal(payload_add_data(p, "a/big.bin", 0600, big, sizeof(big)), 0);
	assert_int_equal(payload_add_data(p, "a/empty", 0644, "", 0), 0);
	assert_int_equal(payload_add_symlink(p, "a/link", "big.bin"), 0);
	assert_int_equal(payload_add_str(p, "a/run.sh", 0755, "#!/bin/sh\n"), 0);
	assert_int_equal(payload_add_dir(p, "a", 0700), 0);
	assert_int_equal(payload_add_str(p, "a-b", 0644, "x"), 0);
	assert_int_equal(payload_add_str(p, "z/deep/er/a", 0644, "ab"), 0);
}

static void test_headers(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT;
	static const struct {
		const char *name;
		uint32_t mode, nlink;
		const char *data; /* NULL: the big file, checked apart */
		uint32_t size;
	} want[] = {
		{ "a", 040700, 2, "", 0 },
		{ "a/big.bin", 0100600, 1, NULL, 5000 },
		{ "a/empty", 0100644, 1, "", 0 },
		{ "a/link", 0120777, 1, "big.bin", 7 },
		{ "a/run.sh", 0100755, 1, "#!/bin/sh\n", 10 },
		{ "a-b", 0100644, 1, "x", 1 },
		{ "rhdd3", 0100644, 1, "Driver Update Disk version 3", 28 },
		{ "z", 040755, 2, "", 0 },
		{ "z/deep", 040755, 2, "", 0 },
		{ "z/deep/er", 040755, 2, "", 0 },
		{ "z/deep/er/a", 0100644, 1, "ab", 2 },
		{ "z/deep/er/file.txt", 0100644, 1, "deep\n", 5 },
	};
	size_t off = 0;
	struct hdr h;

	make_payload(&p);
	assert_int_equal(cpio_write_payload(&p, &a), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		parse(&a, &off, &h);
		assert_string_equal(h.name, want[i].name);
		assert_int_equal(h.f[INO], i + 1);
		assert_int_equal(h.f[MODE], want[i].mode);
		assert_int_equal(h.f[UID], 0);
		assert_int_equal(h.f[GID], 0);
		assert_int_equal(h.f[NLINK], want[i].nlink);
		assert_int_equal(h.f[MTIME_F], MTIME);
		assert_int_equal(h.f[FILESIZE], want[i].size);
		for (int f = DEVMAJ; f <= RDEVMIN; f++)
			assert_int_equal(h.f[f], 0);
		assert_int_equal(h.f[NAMESIZE], strlen(want[i].name) + 1);
		assert_int_equal(h.f[CHECK], 0);
		if (want[i].data)
			assert_memory_equal(h.data, want[i].data, want[i].size);
		else
			for (uint32_t b = 0; b < 5000; b++)
				assert_int_equal((unsigned char)h.data[b], (unsigned char)(b * 7 + 3));
	}
	parse(&a, &off, &h);
	assert_string_equal(h.name, "TRAILER!!!");
	assert_int_equal(h.f[FILESIZE], 0);
	assert_int_equal(h.f[NAMESIZE], 11);
	assert_int_equal(h.f[MODE], 0);
	/* the archive ends right after the trailer: no 512-byte padding */
	assert_int_equal(off, a.len);
	assert_int_equal(a.len % 4, 0);
	/* the payload itself is not reordered */
	assert_string_equal(p.entries[0].path, "z");
}

/* Appending to a buffer that is not 4-aligned pads relative to the archive start. */
static void test_appends(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	make_payload(&p);
	assert_int_equal(cpio_write_payload(&p, &a), 0);
	strbuf_addstr(&b, "xyz");
	assert_int_equal(cpio_write_payload(&p, &b), 0);
	assert_int_equal(b.len, a.len + 3);
	assert_memory_equal(b.buf + 3, a.buf, a.len);
}

static void test_empty_payload(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT;
	size_t off = 0;
	struct hdr h;

	assert_int_equal(cpio_write_payload(&p, &a), 0);
	parse(&a, &off, &h);
	assert_string_equal(h.name, "TRAILER!!!");
	assert_int_equal(off, a.len);
	assert_int_equal(a.len, 124); /* 110 + 11 + 3 padding */
}

/* Content read from a file on disk when the archive is written; a vanished source fails. */
static void test_source_files(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT;
	_cleanup_free_ char *src = xasprintf("%s/src.ko", tmpdir);
	size_t off = 0;
	struct hdr h;

	assert_int_equal(write_file_str(src, "ELF module bytes"), 0);
	assert_int_equal(payload_add_file(&p, "m.ko", 0644, src), 0);
	assert_int_equal(cpio_write_payload(&p, &a), 0);
	parse(&a, &off, &h);
	assert_string_equal(h.name, "m.ko");
	assert_int_equal(h.f[FILESIZE], 16);
	assert_memory_equal(h.data, "ELF module bytes", 16);

	strbuf_reset(&a);
	strbuf_addstr(&a, "kept");
	assert_int_equal(unlink(src), 0);
	assert_int_equal(cpio_write_payload(&p, &a), -ENOENT);
	assert_int_equal(a.len, 4); /* nothing half-written is left */
	assert_string_equal(a.buf, "kept");
}

/* GNU cpio lists and unpacks the archive: names, modes, owners, times, bytes. */
static void test_gnu_cpio(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT, list = STRBUF_INIT, back = STRBUF_INIT;
	_cleanup_free_ char *img = xasprintf("%s/a.cpio", tmpdir);
	_cleanup_free_ char *out = xasprintf("%s/out", tmpdir);
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	make_payload(&p);
	assert_int_equal(cpio_write_payload(&p, &a), 0);
	assert_int_equal(write_file_atomic(img, a.buf, a.len, 0644), 0);
	fd = open(img, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(run(&list, NULL, fd, "cpio", "--quiet", "-t", "-v", "--numeric-uid-gid",
			     NULL),
			 0);
	/* GNU cpio -tv: mode, nlink, uid, gid, size, date, name */
	assert_non_null(strstr(list.buf, "drwx------   2 0        0               0 "));
	assert_non_null(strstr(list.buf, "-rw-------   1 0        0            5000 "));
	assert_non_null(strstr(list.buf, " a/link -> big.bin\n"));
	assert_non_null(strstr(list.buf, "-rwxr-xr-x   1 0        0              10 "));
	assert_non_null(strstr(list.buf, " Nov 14  2023 rhdd3\n"));
	assert_null(strstr(list.buf, "TRAILER"));
	{
		/* one line per entry, in the archive's order */
		static const char *const order[] = { " a\n", " a/big.bin\n", " a/empty\n",
						     " a/link -> big.bin\n", " a/run.sh\n",
						     " a-b\n", " rhdd3\n", " z\n", " z/deep\n",
						     " z/deep/er\n", " z/deep/er/a\n",
						     " z/deep/er/file.txt\n" };
		const char *at = list.buf;

		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			at = strstr(at, order[i]);
			assert_non_null(at);
		}
	}

	assert_int_equal(mkdir(out, 0755), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(run(NULL, out, fd, "cpio", "--quiet", "-i", "-d", "-m",
			     "--no-absolute-filenames", NULL),
			 0);
	path = xasprintf("%s/a/big.bin", out);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 5000);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_mtime, MTIME);
	assert_int_equal(read_file(path, &back), 0);
	for (uint32_t b = 0; b < 5000; b++)
		assert_int_equal((unsigned char)back.buf[b], (unsigned char)(b * 7 + 3));
	free(path);
	path = xasprintf("%s/z/deep/er/file.txt", out);
	strbuf_reset(&back);
	assert_int_equal(read_file(path, &back), 0);
	assert_string_equal(back.buf, "deep\n");
	free(path);
	path = xasprintf("%s/a/link", out);
	assert_true(is_symlink(path));
	{
		_cleanup_free_ char *target = read_link(path);

		assert_string_equal(target, "big.bin");
	}
	free(path);
	path = xasprintf("%s/a/run.sh", out);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	free(path);
	path = xasprintf("%s/a/empty", out);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

/*
 * cpio_pack: none is the archive as cpio_write_payload writes it; default is
 * gzip -9; zstd at level 3 (the fragment's) decodes with zstd to the same
 * archive; appended after what out held.
 */
static void test_pack(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf raw = STRBUF_INIT, none = STRBUF_INIT, gz = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf zst = STRBUF_INIT, back = STRBUF_INIT, back2 = STRBUF_INIT;
	_cleanup_free_ char *gz_path = xasprintf("%s/a.cpio.gz", tmpdir);
	_cleanup_free_ char *zst_path = xasprintf("%s/a.cpio.zst", tmpdir);
	_cleanup_close_ int gz_fd = -1, zst_fd = -1;

	make_payload(&p);
	assert_int_equal(cpio_write_payload(&p, &raw), 0);
	strbuf_addstr(&none, "head");
	assert_int_equal(cpio_pack(&p, COMPRESSION_NONE, COMPRESS_LEVEL_DEFAULT, &none), 0);
	assert_int_equal(none.len, 4 + raw.len);
	assert_memory_equal(none.buf + 4, raw.buf, raw.len);

	assert_int_equal(cpio_pack(&p, COMPRESSION_DEFAULT, COMPRESS_LEVEL_DEFAULT, &gz), 0);
	/* gzip, xfl 2: the best level */
	assert_memory_equal(gz.buf, "\x1f\x8b\x08", 3);
	assert_int_equal((unsigned char)gz.buf[8], 2);
	assert_int_equal(write_file_atomic(gz_path, gz.buf, gz.len, 0644), 0);
	gz_fd = open(gz_path, O_RDONLY | O_CLOEXEC);
	assert_true(gz_fd >= 0);
	assert_int_equal(run(&back, NULL, gz_fd, "gzip", "-dc", NULL), 0);
	assert_int_equal(back.len, raw.len);
	assert_memory_equal(back.buf, raw.buf, raw.len);

	assert_int_equal(cpio_pack(&p, COMPRESSION_ZSTD, 3, &zst), 0);
	assert_int_equal(write_file_atomic(zst_path, zst.buf, zst.len, 0644), 0);
	zst_fd = open(zst_path, O_RDONLY | O_CLOEXEC);
	assert_true(zst_fd >= 0);
	assert_int_equal(run(&back2, NULL, zst_fd, "zstd", "-dc", NULL), 0);
	assert_int_equal(back2.len, raw.len);
	assert_memory_equal(back2.buf, raw.buf, raw.len);

	assert_int_equal(cpio_pack(&p, COMPRESSION_ZSTD, 99, &zst), -EINVAL);
}

/* The merged-/usr names, and a fragment's payload without their directory entries. */
static void test_usr_links(void **state)
{
	static const char *const links[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		assert_true(cpio_replaces_usr_link(links[i]));
	assert_false(cpio_replaces_usr_link("etc"));
	assert_false(cpio_replaces_usr_link("usr"));
	assert_false(cpio_replaces_usr_link("lib/modules"));
	assert_false(cpio_replaces_usr_link("libexec"));

	assert_int_equal(payload_add_str(&p, "lib/modules/6.1/extra/a.ko", 0644, "ko"), 0);
	assert_int_equal(payload_add_str(&p, "bin/tool", 0755, "x"), 0);
	assert_int_equal(payload_add_str(&p, "etc/modprobe.d/a.conf", 0644, "alias a b\n"), 0);
	assert_int_equal(payload_add_symlink(&p, "lib64", "usr/lib64"), 0);
	cpio_drop_usr_link_dirs(&p);
	assert_null(payload_find(&p, "lib"));
	assert_null(payload_find(&p, "bin"));
	/* a symlink of such a name is no directory entry: it stays */
	assert_non_null(payload_find(&p, "lib64"));
	assert_non_null(payload_find(&p, "etc"));
	assert_non_null(payload_find(&p, "lib/modules"));
	assert_non_null(payload_find(&p, "lib/modules/6.1/extra/a.ko"));
	assert_non_null(payload_find(&p, "bin/tool"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_empty_payload),
		cmocka_unit_test_setup_teardown(test_source_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gnu_cpio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack, setup, teardown),
		cmocka_unit_test(test_usr_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
