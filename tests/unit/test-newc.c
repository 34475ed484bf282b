// SPDX-License-Identifier: GPL-2.0-or-later
/* codec/newc: the header writer byte for byte, the reader on its output, and every damage it names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "codec/newc.h"
#include "util/strbuf.h"

/* A header is 110 bytes of fixed fields; the name follows and pads to 4. */
static void test_header_bytes(void **state)
{
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT;

	newc_add_header(&a, 0, 1, S_IFREG | 0644, 1, 0x655385c0, 3, "ab");
	assert_int_equal(a.len, 116); /* 110 + "ab\0", padded to 4 */
	assert_memory_equal(a.buf,
			    "070701"
			    "00000001" "000081A4" "00000000" "00000000" "00000001" "655385C0"
			    "00000003" "00000000" "00000000" "00000000" "00000000" "00000003"
			    "00000000" "ab\0\0\0\0",
			    116);
	/* padding counts from start: after 4 bytes of something else the name pads differently */
	strbuf_reset(&a);
	strbuf_addstr(&a, "xyz");
	newc_add_header(&a, 3, 0, 0, 1, 0, 0, NEWC_TRAILER);
	assert_int_equal((a.len - 3) % 4, 0);
	assert_int_equal(a.len - 3, 124); /* 110 + 11 = 121, padded */
	assert_memory_equal(a.buf + 3 + 110, "TRAILER!!!\0\0\0", 14);
}

/* Write two entries and a trailer; read them back as the kernel walks them. */
static void test_roundtrip(void **state)
{
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT, err = STRBUF_INIT;
	struct newc_entry e;
	size_t pos = 0;

	newc_add_header(&a, 0, 1, S_IFDIR | 0755, 2, 7, 0, "d");
	newc_add_header(&a, 0, 2, S_IFREG | 0600, 1, 7, 5, "d/f");
	strbuf_add(&a, "hello", 5);
	newc_pad4(&a, 0);
	newc_add_trailer(&a, 0);
	assert_int_equal(a.len % 4, 0);

	assert_true(newc_magic_at(a.buf, a.len, 0));
	assert_int_equal(newc_next(a.buf, a.len, &pos, &e, &err), 1);
	assert_string_equal(e.name, "d");
	assert_int_equal(e.mode, S_IFDIR | 0755);
	assert_int_equal(e.nlink, 2);
	assert_int_equal(e.mtime, 7);
	assert_false(e.checksummed);
	assert_int_equal(pos % 4, 0);
	assert_int_equal(newc_next(a.buf, a.len, &pos, &e, &err), 1);
	assert_string_equal(e.name, "d/f");
	assert_int_equal(e.filesize, 5);
	assert_memory_equal(e.data, "hello", 5);
	assert_int_equal(e.ino, 2);
	assert_int_equal(newc_next(a.buf, a.len, &pos, &e, &err), 0);
	assert_int_equal(pos, a.len);
	assert_int_equal(err.len, 0);
}

static void expect_damage(const char *buf, size_t len, const char *why)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct newc_entry e;
	size_t pos = 0;

	assert_int_equal(newc_next(buf, len, &pos, &e, &err), -EBADMSG);
	assert_string_equal(err.buf, why);
	assert_int_equal(pos, 0);
}

static void test_damage(void **state)
{
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT;

	newc_add_header(&a, 0, 1, S_IFREG | 0644, 1, 0, 4, "file");
	strbuf_add(&a, "data", 4);

	expect_damage(a.buf, 100, "offset 0: truncated cpio header");
	/* the data runs past the end */
	expect_damage(a.buf, a.len - 1, "offset 0: cpio entry data runs past the end of the data");
	/* the name's NUL is cut off */
	expect_damage(a.buf, 114, "offset 0: cpio entry name runs past the end of the data");
	{
		_cleanup_strbuf_ struct strbuf b = STRBUF_INIT;

		strbuf_add(&b, a.buf, a.len);
		memcpy(b.buf, "070707", 6);
		expect_damage(b.buf, b.len, "offset 0: old-style (odc) cpio header; the kernel reads newc only");
		memcpy(b.buf, "123456", 6);
		expect_damage(b.buf, b.len, "offset 0: no cpio magic (070701) where a header should start");
		memcpy(b.buf, "070701", 6);
		b.buf[6 + 8 * 6] = 'g'; /* filesize */
		expect_damage(b.buf, b.len, "offset 0: cpio header field is not hexadecimal");
		b.buf[6 + 8 * 6] = '0';
		memcpy(b.buf + 6 + 8 * 11, "00000000", 8); /* namesize 0 */
		expect_damage(b.buf, b.len, "offset 0: cpio entry name size out of range");
		memcpy(b.buf + 6 + 8 * 11, "00000003", 8); /* "fi" + 'l' where the NUL should be */
		expect_damage(b.buf, b.len, "offset 0: cpio entry name is not NUL-terminated");
	}
	{
		/* 070702 is read (the kernel does), and says so */
		_cleanup_strbuf_ struct strbuf b = STRBUF_INIT, err = STRBUF_INIT;
		struct newc_entry e;
		size_t pos = 0, namesize = 0;

		strbuf_add(&b, a.buf, a.len);
		memcpy(b.buf, NEWC_MAGIC_CRC, 6);
		assert_true(newc_magic_at(b.buf, b.len, 0));
		assert_int_equal(newc_next(b.buf, b.len, &pos, &e, &err), 1);
		assert_true(e.checksummed);
		assert_int_equal(newc_name_size(b.buf, &namesize), 0);
		assert_int_equal(namesize, 5);
	}
	assert_false(newc_magic_at(a.buf, a.len, a.len - 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
