// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * codec/extract: the rules for one entry (names, link targets) as a table,
 * then the image unpacker on a real directory: what it makes, what it skips
 * and the problem line it gives, and nothing written through a symlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "codec/extract.h"
#include "util/fileio.h"
#include "util/strbuf.h"

static void test_names(void **state)
{
	static const struct {
		const char *name, *norm;
		unsigned found;
	} cases[] = {
		{ "a/b", "a/b", 0 },
		{ "./a//b/", "a/b", 0 },
		{ "a/./b/.", "a/b", 0 },
		{ "./", "", 0 },
		{ ".", "", 0 },
		{ "", "", 0 },
		{ "/a/b", "a/b", EXTRACT_NAME_ABSOLUTE },
		{ "//a", "a", EXTRACT_NAME_ABSOLUTE },
		{ "/", "", EXTRACT_NAME_ABSOLUTE },
		{ "a/../b", "a/../b", EXTRACT_NAME_DOTDOT },
		{ "..", "..", EXTRACT_NAME_DOTDOT },
		{ "/../etc", "../etc", EXTRACT_NAME_ABSOLUTE | EXTRACT_NAME_DOTDOT },
		{ "a/..b/c..", "a/..b/c..", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *norm = NULL;

		assert_int_equal(extract_name(cases[i].name, &norm), cases[i].found);
		assert_string_equal(norm, cases[i].norm);
	}
	{
		_cleanup_strbuf_ struct strbuf big = STRBUF_INIT;
		_cleanup_free_ char *norm = NULL;

		/* PATH_MAX bytes once the trailing "/" is folded away */
		while (big.len <= PATH_MAX)
			strbuf_addstr(&big, "abcdefg/");
		assert_int_equal(extract_name(big.buf, &norm), EXTRACT_NAME_TOO_LONG);
	}
}

static void test_links(void **state)
{
	static const struct {
		const char *norm, *target;
		enum extract_link want;
	} cases[] = {
		{ "a/link", "file", EXTRACT_LINK_OK },
		{ "a/link", "../b/file", EXTRACT_LINK_OK },
		{ "a/b/link", "../../c", EXTRACT_LINK_OK },
		{ "a/b/link", "./.././x", EXTRACT_LINK_OK },
		{ "link", "../x", EXTRACT_LINK_CLIMBS },
		{ "a/link", "../../x", EXTRACT_LINK_CLIMBS },
		{ "a/link", "b/../../x", EXTRACT_LINK_CLIMBS }, /* a ".." after a name */
		{ "a/link", "", EXTRACT_LINK_EMPTY },
		{ "a/link", "/etc/passwd", EXTRACT_LINK_ABSOLUTE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(extract_link_check(cases[i].norm, cases[i].target), cases[i].want);
	{
		_cleanup_strbuf_ struct strbuf big = STRBUF_INIT;

		while (big.len < PATH_MAX)
			strbuf_addstr(&big, "abcdefg/");
		assert_int_equal(extract_link_check("a/link", big.buf), EXTRACT_LINK_TOO_LONG);
	}
}

static bool has_line(const struct strv *v, const char *line)
{
	for (size_t i = 0; i < v->n; i++)
		if (streq(v->v[i], line))
			return true;
	return false;
}

static void test_unpack(void **state)
{
	char tmpl[] = "/tmp/test-extract.XXXXXX";
	_cleanup_strv_ struct strv problems = STRV_INIT;
	_cleanup_free_ char *root = NULL, *outside = NULL, *planted = NULL, *p = NULL;
	struct extract x;
	struct stat st;
	int fd = -1;

	assert_non_null(mkdtemp(tmpl));
	root = xasprintf("%s/root", tmpl);
	outside = xasprintf("%s/outside", tmpl);
	assert_int_equal(mkdir(outside, 0755), 0);
	assert_int_equal(extract_open(&x, root, "d.img", &problems), 0);

	assert_int_equal(extract_dir(&x, "/a", 0700), 0);
	assert_int_equal(extract_file(&x, "a//f", 04755, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(extract_write(&x, fd, "hi", 2), 0);
	close(fd);
	assert_int_equal(extract_symlink(&x, "a/up", "../a/f"), 0);
	assert_int_equal(extract_symlink(&x, "a/out", "../../outside"), 0);
	assert_int_equal(extract_symlink(&x, "a/abs", "/etc"), 0);
	assert_int_equal(extract_file(&x, "a/../f", 0644, &fd), 0);
	assert_int_equal(fd, -1);
	/* a link to outside planted by hand: nothing goes through it */
	planted = xasprintf("%s/a/planted", root);
	assert_int_equal(symlink(outside, planted), 0);
	assert_int_equal(extract_file(&x, "a/planted/evil", 0644, &fd), 0);
	assert_int_equal(fd, -1);
	extract_close(&x);

	p = xasprintf("%s/a/f", root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755); /* no set-id bits from an image */
	free(p);
	p = xasprintf("%s/a/up", root);
	assert_true(is_symlink(p));
	free(p);
	p = xasprintf("%s/a/out", root);
	assert_int_equal(lstat(p, &st), -1);
	free(p);
	p = xasprintf("%s/evil", outside);
	assert_int_equal(lstat(p, &st), -1);

	assert_true(has_line(&problems, "d.img: a/out: symlink to '../../outside' points outside the disk; not unpacked"));
	assert_true(has_line(&problems, "d.img: a/abs: symlink to '/etc' points outside the disk; not unpacked"));
	assert_true(has_line(&problems, "d.img: a/../f: a '..' component; not unpacked"));
	assert_true(has_line(&problems, "d.img: a/planted/evil: lies beneath a symlink or a file; not unpacked"));
	assert_int_equal(problems.n, 4);
	rm_rf(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_unpack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
