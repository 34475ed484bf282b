// SPDX-License-Identifier: GPL-2.0-or-later
/* compress_buffer: every output, at every level, decodes with the real tool to the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "codec/compress.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

static char *tmpdir;

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-compress.XXXXXX";

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

/* Run argv; its stdout goes to out (when given). Returns the exit code. */
static int run(struct strbuf *out, const char *arg0, ...)
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
	c.in_fd = -2;
	if (out)
		c.err_fd = -2; /* zstd -lv prints its banner on stderr */
	rc = child_run(&c);
	child_release(&c);
	return rc;
}

/* 600 KiB of lines: compressible, not trivial. */
static void sample(struct strbuf *sb)
{
	for (unsigned i = 0; sb->len < 600 * 1024; i++)
		strbuf_addf(sb, "line %u of a sample: %08x\n", i, i * 2654435761u);
}

static char *write_tmp(const char *name, const struct strbuf *data)
{
	char *path = xasprintf("%s/%s", tmpdir, name);

	assert_int_equal(write_file_atomic(path, data->buf, data->len, 0644), 0);
	return path;
}

/* Compress at level, check with `tool -t`, decode with `tool -dc` and compare. */
static char *roundtrip_at(enum compression c, int level, const char *tool, const char *name,
			  const struct strbuf *in)
{
	_cleanup_strbuf_ struct strbuf z = STRBUF_INIT, back = STRBUF_INIT;
	char *path;

	strbuf_addstr(&z, "prefix"); /* appends: what was there stays */
	assert_int_equal(compress_buffer(c, level, in->buf, in->len, &z), 0);
	assert_memory_equal(z.buf, "prefix", 6);
	memmove(z.buf, z.buf + 6, z.len - 6);
	strbuf_setlen(&z, z.len - 6);
	assert_true(z.len < in->len / 2);
	path = write_tmp(name, &z);
	assert_int_equal(run(NULL, tool, "-q", "-t", path, NULL), 0);
	assert_int_equal(run(&back, tool, "-d", "-c", path, NULL), 0);
	assert_int_equal(back.len, in->len);
	assert_memory_equal(back.buf, in->buf, in->len);
	return path;
}

static char *roundtrip(enum compression c, const char *tool, const char *name,
		       const struct strbuf *in)
{
	return roundtrip_at(c, COMPRESS_LEVEL_DEFAULT, tool, name, in);
}

/*
 * Levels: a fast one and the highest decode with the real tool; the default
 * is gzip -9, xz -6, zstd -19: the same bytes as that level named; a fast
 * level gives other bytes, larger ones for gzip and zstd (zstd 3, the
 * fragment's; xz keeps the kernel's 1 MiB dictionary at every level, and
 * its -1 can come out smaller); out of range is refused and appends nothing.
 */
static void test_levels(void **state)
{
	static const struct {
		enum compression c;
		const char *tool, *ext;
		int fast, deflt, max;
		bool fast_larger;
	} cases[] = { { COMPRESSION_GZIP, "gzip", "gz", 1, 9, 9, true },
		      { COMPRESSION_XZ, "xz", "xz", 1, 6, 9, false },
		      { COMPRESSION_ZSTD, "zstd", "zst", 3, 19, 22, true } };
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;

	sample(&in);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_strbuf_ struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, z = STRBUF_INIT;
		_cleanup_strbuf_ struct strbuf f = STRBUF_INIT, t = STRBUF_INIT;
		_cleanup_free_ char *fast = xasprintf("fast.%s", cases[i].ext);
		_cleanup_free_ char *top = xasprintf("max.%s", cases[i].ext);
		_cleanup_free_ char *fast_path = NULL, *top_path = NULL;

		assert_int_equal(compression_max_level(cases[i].c), cases[i].max);
		fast_path = roundtrip_at(cases[i].c, cases[i].fast, cases[i].tool, fast, &in);
		top_path = roundtrip_at(cases[i].c, cases[i].max, cases[i].tool, top, &in);
		assert_int_equal(read_file(fast_path, &f), 0);
		assert_int_equal(read_file(top_path, &t), 0);
		assert_true(f.len != t.len || memcmp(f.buf, t.buf, f.len));
		if (cases[i].fast_larger)
			assert_true(f.len > t.len);
		assert_int_equal(compress_buffer(cases[i].c, COMPRESS_LEVEL_DEFAULT, in.buf, in.len, &a), 0);
		assert_int_equal(compress_buffer(cases[i].c, cases[i].deflt, in.buf, in.len, &b), 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.buf, b.buf, a.len);
		assert_int_equal(compress_buffer(cases[i].c, cases[i].max + 1, "x", 1, &z), -EINVAL);
		assert_int_equal(compress_buffer(cases[i].c, -1, "x", 1, &z), -EINVAL);
		assert_int_equal(z.len, 0);
	}
	/* gzip -1 says so in its header: xfl 4 = fastest */
	{
		_cleanup_strbuf_ struct strbuf z = STRBUF_INIT;

		assert_int_equal(compress_buffer(COMPRESSION_GZIP, 1, in.buf, in.len, &z), 0);
		assert_int_equal((unsigned char)z.buf[8], 4);
	}
	assert_int_equal(compression_max_level(COMPRESSION_NONE), 0);
	{
		_cleanup_strbuf_ struct strbuf z = STRBUF_INIT;

		assert_int_equal(compress_buffer(COMPRESSION_NONE, 1, "x", 1, &z), -EINVAL);
	}
}

/* The kernel's XZ Embedded verifies CRC32 or nothing: the rule and its names. */
static void test_xz_checks(void **state)
{
	assert_true(xz_check_kernel_reads(0));
	assert_true(xz_check_kernel_reads(1));
	assert_false(xz_check_kernel_reads(4));
	assert_false(xz_check_kernel_reads(10));
	assert_false(xz_check_kernel_reads(7));
	assert_string_equal(xz_check_name(0), "none");
	assert_string_equal(xz_check_name(1), "CRC32");
	assert_string_equal(xz_check_name(4), "CRC64");
	assert_string_equal(xz_check_name(10), "SHA-256");
	assert_string_equal(xz_check_name(7), "unknown");
}

static void test_gzip(void **state)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT, z = STRBUF_INIT;
	_cleanup_free_ char *path = NULL;

	sample(&in);
	path = roundtrip(COMPRESSION_GZIP, "gzip", "a.gz", &in);
	assert_int_equal(read_file(path, &z), 0);
	/* magic, deflate, no flags, mtime 0 (reproducible), xfl 2 = best, os 3 = unix */
	assert_memory_equal(z.buf, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03", 10);
}

static void test_xz_crc32_1mib(void **state)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT, list = STRBUF_INIT, z = STRBUF_INIT;
	_cleanup_free_ char *path = NULL;

	sample(&in);
	path = roundtrip(COMPRESSION_XZ, "xz", "a.xz", &in);
	assert_int_equal(read_file(path, &z), 0);
	/* stream header: magic, flags 00 01 = CRC32 */
	assert_memory_equal(z.buf, "\xfd" "7zXZ\0\0\x01", 8);
	assert_int_equal(run(&list, "xz", "--robot", "--list", "-vv", path, NULL), 0);
	assert_non_null(strstr(list.buf, "\nfile\t1\t1\t"));
	assert_non_null(strstr(list.buf, "\tCRC32\t"));
	assert_null(strstr(list.buf, "CRC64"));
	assert_non_null(strstr(list.buf, "--lzma2=dict=1MiB\n"));
}

static void test_zstd(void **state)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT, list = STRBUF_INIT;
	_cleanup_free_ char *path = NULL;
	char size_line[64];

	sample(&in);
	path = roundtrip(COMPRESSION_ZSTD, "zstd", "a.zst", &in);
	assert_int_equal(run(&list, "zstd", "-lv", path, NULL), 0);
	/* the content size is in the frame header */
	snprintf(size_line, sizeof(size_line), "(%zu B)\nRatio", in.len);
	assert_non_null(strstr(list.buf, size_line));
}

static void test_none_and_default_copy(void **state)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;

	assert_int_equal(compress_buffer(COMPRESSION_NONE, COMPRESS_LEVEL_DEFAULT, "abc", 3, &out), 0);
	assert_int_equal(compress_buffer(COMPRESSION_DEFAULT, COMPRESS_LEVEL_DEFAULT, "de", 2, &out), 0);
	assert_int_equal(out.len, 5);
	assert_string_equal(out.buf, "abcde");
	assert_int_equal(compress_buffer((enum compression)99, COMPRESS_LEVEL_DEFAULT, "x", 1, &out), -EINVAL);
}

/* An empty input is a valid empty stream for every tool. */
static void test_empty(void **state)
{
	static const struct {
		enum compression c;
		const char *tool, *name;
	} cases[] = { { COMPRESSION_GZIP, "gzip", "e.gz" },
		      { COMPRESSION_XZ, "xz", "e.xz" },
		      { COMPRESSION_ZSTD, "zstd", "e.zst" } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_strbuf_ struct strbuf z = STRBUF_INIT, back = STRBUF_INIT;
		_cleanup_free_ char *path = NULL;

		assert_int_equal(compress_buffer(cases[i].c, COMPRESS_LEVEL_DEFAULT, "", 0, &z), 0);
		assert_true(z.len > 0);
		path = write_tmp(cases[i].name, &z);
		assert_int_equal(run(&back, cases[i].tool, "-d", "-c", path, NULL), 0);
		assert_int_equal(back.len, 0);
	}
}

static void test_names(void **state)
{
	enum compression c = COMPRESSION_NONE;

	assert_int_equal(compression_from_name("gzip", &c), 0);
	assert_int_equal(c, COMPRESSION_GZIP);
	assert_int_equal(compression_from_name("gz", &c), 0);
	assert_int_equal(c, COMPRESSION_GZIP);
	assert_int_equal(compression_from_name("xz", &c), 0);
	assert_int_equal(c, COMPRESSION_XZ);
	assert_int_equal(compression_from_name("zstd", &c), 0);
	assert_int_equal(c, COMPRESSION_ZSTD);
	assert_int_equal(compression_from_name("zst", &c), 0);
	assert_int_equal(c, COMPRESSION_ZSTD);
	assert_int_equal(compression_from_name("none", &c), 0);
	assert_int_equal(c, COMPRESSION_NONE);
	assert_int_equal(compression_from_name("lz4", &c), -EINVAL);
	assert_int_equal(compression_from_name("", &c), -EINVAL);
	assert_int_equal(c, COMPRESSION_NONE); /* untouched on failure */
	assert_string_equal(compression_name(COMPRESSION_XZ), "xz");
	assert_string_equal(compression_name(COMPRESSION_ZSTD), "zstd");
	assert_string_equal(compression_suffix(COMPRESSION_GZIP), ".gz");
	assert_string_equal(compression_suffix(COMPRESSION_XZ), ".xz");
	assert_string_equal(compression_suffix(COMPRESSION_ZSTD), ".zst");
	assert_string_equal(compression_suffix(COMPRESSION_NONE), "");
	assert_string_equal(compression_suffix(COMPRESSION_DEFAULT), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xz_crc32_1mib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zstd, setup, teardown),
		cmocka_unit_test(test_none_and_default_copy),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test(test_xz_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
