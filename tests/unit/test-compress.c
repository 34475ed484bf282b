// SPDX-License-Identifier: GPL-2.0-or-later
/* compress_buffer: every output decodes with the real tool to the same bytes. */
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

/* Compress, check with `tool -t`, decode with `tool -dc` and compare. */
static char *roundtrip(enum compression c, const char *tool, const char *name,
		       const struct strbuf *in)
{
	_cleanup_strbuf_ struct strbuf z = STRBUF_INIT, back = STRBUF_INIT;
	char *path;

	strbuf_addstr(&z, "prefix"); /* appends: what was there stays */
	assert_int_equal(compress_buffer(c, COMPRESS_LEVEL_DEFAULT, in->buf, in->len, &z), 0);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
