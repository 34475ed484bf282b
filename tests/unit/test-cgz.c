// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * formats/cgz: modules.cgz read back with the codec's gunzip and newc
 * reader, on what cpio_pack writes and on damaged copies of it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "codec/cpio.h"
#include "formats/cgz.h"
#include "util/strbuf.h"

static void pack(struct strbuf *out, enum compression c)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;

	p.mtime = 1700000000;
	assert_int_equal(payload_add_str(&p, "2.6.18-8.el5/i686/a.ko", 0644, "ko a"), 0);
	assert_int_equal(payload_add_str(&p, "2.6.18-8.el5/i686/b.ko", 0644, "ko b"), 0);
	assert_int_equal(payload_add_symlink(&p, "2.6.18-8.el5/i686/c.ko", "a.ko"), 0);
	assert_int_equal(cpio_pack(&p, c, COMPRESS_LEVEL_DEFAULT, out), 0);
}

static void test_list(void **state)
{
	_cleanup_strbuf_ struct strbuf gz = STRBUF_INIT;
	struct cgz_listing l;
	char *why = NULL;

	pack(&gz, COMPRESSION_GZIP);
	assert_int_equal(cgz_list(gz.buf, gz.len, &l, &why), 0);
	assert_null(why);
	assert_string_equal(l.magic, "070701");
	assert_true(l.trailer);
	/* regular files only, in the archive's order */
	assert_int_equal(l.files.n, 2);
	assert_string_equal(l.files.v[0], "2.6.18-8.el5/i686/a.ko");
	assert_string_equal(l.files.v[1], "2.6.18-8.el5/i686/b.ko");
	cgz_listing_release(&l);
}

static void expect_refused(const struct strbuf *data, int err, const char *why_prefix)
{
	struct cgz_listing l;
	char *why = NULL;

	assert_int_equal(cgz_list(data->buf, data->len, &l, &why), err);
	assert_non_null(why);
	if (strncmp(why, why_prefix, strlen(why_prefix)))
		fail_msg("why: '%s', want it to start with '%s'", why, why_prefix);
	free(why);
}

static void test_refused(void **state)
{
	_cleanup_strbuf_ struct strbuf gz = STRBUF_INIT, xz = STRBUF_INIT, cut = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf odc = STRBUF_INIT, raw = STRBUF_INIT;

	pack(&xz, COMPRESSION_XZ);
	expect_refused(&xz, -EMEDIUMTYPE, "not gzip-compressed");

	pack(&gz, COMPRESSION_GZIP);
	strbuf_add(&cut, gz.buf, gz.len / 2);
	expect_refused(&cut, -EBADMSG, "gzip data ends before the end of its stream");

	/* an odc archive, gzipped: the loader reads newc and crc only */
	pack(&raw, COMPRESSION_NONE);
	memcpy(raw.buf, "070707", 6);
	assert_int_equal(compress_buffer(COMPRESSION_GZIP, COMPRESS_LEVEL_DEFAULT, raw.buf, raw.len,
					 &odc),
			 0);
	expect_refused(&odc, -EBADMSG, "offset 0: old-style (odc) cpio header");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
