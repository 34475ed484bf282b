// SPDX-License-Identifier: GPL-2.0-or-later
/* names.h's rule, util/words (split, quote) and util/beneath (paths kept inside a tree). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "names.h"
#include "util/beneath.h"
#include "util/fileio.h"
#include "util/words.h"

static void test_words_accepted(void **state)
{
	static const char *const ok[] = {
		"1.2.3-4+deb12u1", "0.9~rc1", "2.0_beta:1", "nvidia-current", "r8168", "v4l2loopback",
		"6.1.0-57-amd64", "5.14.0-362.el9.x86_64", "6.8.0-1+rpt1", "x86_64", "a..b", ".hidden",
		"user@host",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
		assert_true(name_valid(NAME_WORD, ok[i]));
}

static void test_words_refused(void **state)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "", "it is empty" },
		{ ".", "'.' is not allowed" },
		{ "..", "a '..' component is not allowed" },
		{ "a/b", "'/' is not allowed" },
		{ "-rf", "it starts with '-'" },
		{ "~root", "it starts with '~'" },
		{ "x;id", "';' is not allowed" },
		{ "$(id)", "'$' is not allowed" },
		{ "a b", "a space is not allowed" },
		{ "a\nb", "control character 0x0a is not allowed" },
		{ "a\x7f", "control character 0x7f is not allowed" },
		{ "caf\xc3\xa9", "byte 0xc3 (not ASCII) is not allowed" },
		{ "50%", "'%' is not allowed" },
		{ "a=b", "'=' is not allowed" },
	};
	char reason[NAME_REASON_MAX];
	char longname[300];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_string_equal(name_check(NAME_WORD, bad[i].s, reason), bad[i].why);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_non_null(name_check(NAME_WORD, longname, reason));
}

static void test_locations(void **state)
{
	char reason[NAME_REASON_MAX];

	assert_true(name_valid(NAME_LOCATION, "src/"));
	assert_true(name_valid(NAME_LOCATION, "./"));
	assert_true(name_valid(NAME_LOCATION, "drivers/net/"));
	assert_true(name_valid(NAME_LOCATION, "debian/fix.patch"));
	assert_string_equal(name_check(NAME_LOCATION, "/abs", reason), "an absolute path is not allowed");
	assert_string_equal(name_check(NAME_LOCATION, "a/../../b", reason), "a '..' component is not allowed");
	assert_string_equal(name_check(NAME_LOCATION, "a//b", reason), "an empty component ('//') is not allowed");
	assert_string_equal(name_check(NAME_LOCATION, "a/-x", reason), "it starts with '-'");

	assert_true(name_valid(NAME_DEST, "/kernel/drivers/net/wireless"));
	assert_true(name_valid(NAME_DEST, "/updates/dkms"));
	assert_true(name_valid(NAME_DEST, "/extra/"));
	assert_string_equal(name_check(NAME_DEST, "extra", reason), "it does not start with '/'");
	assert_string_equal(name_check(NAME_DEST, "/", reason), "it is only '/'");
	assert_string_equal(name_check(NAME_DEST, "/kernel/../../x", reason), "a '..' component is not allowed");
	assert_string_equal(name_check(NAME_DEST, "/extra/a;b", reason), "';' is not allowed");
}

static void test_escape(void **state)
{
	char *e = name_escape("a\"b\\c\nd\x01\xff");

	assert_string_equal(e, "a\\\"b\\\\c\\nd\\x01\\xff");
	free(e);
}

static void test_split_and_quote(void **state)
{
	static const struct words_opts strict = {
		.refuse = WORDS_SHELL_ONLY,
		.refuse_dq = WORDS_SHELL_ONLY_DQ,
		.refuse_start = WORDS_SHELL_ONLY_START,
	};
	struct strv argv = STRV_INIT;
	char *bad = NULL, *q;

	assert_int_equal(words_split("make -C '/a b' M=\"/c d\" x\\ y 0.9~rc1", &strict, &argv, &bad), 0);
	assert_int_equal(argv.n, 6);
	assert_string_equal(argv.v[2], "/a b");
	assert_string_equal(argv.v[3], "M=/c d");
	assert_string_equal(argv.v[4], "x y");
	assert_string_equal(argv.v[5], "0.9~rc1");
	/* quoted, what a shell would act on is a plain character */
	assert_int_equal(words_split("echo ';' \"a|b\"", &strict, &argv, &bad), 0);
	assert_string_equal(argv.v[1], ";");
	assert_string_equal(argv.v[2], "a|b");
	strv_release(&argv);

	static const char *const refused[] = {
		"make; id", "make && id", "make | id", "make >x", "make $(id)", "make `id`",
		"make \"$HOME\"", "make *.c", "make\nid", "make #x", "make ~/x", "(make)",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		assert_int_equal(words_split(refused[i], &strict, &argv, &bad), -EINVAL);
		assert_non_null(bad);
		free(bad);
		bad = NULL;
	}
	assert_int_equal(words_split("a 'b", NULL, &argv, &bad), -EINVAL);
	assert_string_equal(bad, "unbalanced '");
	free(bad);

	q = shell_quote("/var/lib/dkms/m/1.0/build");
	assert_string_equal(q, "/var/lib/dkms/m/1.0/build");
	free(q);
	q = shell_quote("/t/a b/it's");
	assert_string_equal(q, "'/t/a b/it'\\''s'");
	free(q);
	q = shell_quote("");
	assert_string_equal(q, "''");
	free(q);
}

/* The tree: root/{in/, link-out -> outside, link-in -> in}; outside/victim. */
static void tree_setup(char *top, char **root, char **outside)
{
	char *p;

	assert_non_null(mkdtemp(top));
	*root = xasprintf("%s/root", top);
	*outside = xasprintf("%s/outside", top);
	assert_int_equal(mkdir_p(*root, 0755), 0);
	assert_int_equal(mkdir_p(*outside, 0755), 0);
	p = xasprintf("%s/in", *root);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/victim", *outside);
	assert_int_equal(write_file_str(p, "keep"), 0);
	free(p);
	p = xasprintf("%s/link-out", *root);
	assert_int_equal(symlink(*outside, p), 0);
	free(p);
	p = xasprintf("%s/link-in", *root);
	assert_int_equal(symlink("in", p), 0);
	free(p);
}

static void beneath_cases(void)
{
	char top[] = "/tmp/test-names.XXXXXX";
	char *root, *outside, *p, *v;

	tree_setup(top, &root, &outside);
	v = xasprintf("%s/victim", outside);

	p = xasprintf("%s/link-out/new", root);
	assert_int_equal(beneath_mkdir_p(root, p, 0755), -EXDEV);
	free(p);
	p = xasprintf("%s/link-out/victim", root);
	assert_int_equal(beneath_unlink(root, p), -EXDEV);
	assert_int_equal(beneath_rm_rf(root, p), -EXDEV);
	assert_int_equal(beneath_check(root, p), -EXDEV);
	assert_true(is_file(v));
	free(p);
	/* the link itself is removed, not followed */
	p = xasprintf("%s/link-out", root);
	assert_int_equal(beneath_rm_rf(root, p), 0);
	assert_false(is_symlink(p));
	assert_true(is_file(v));
	free(p);
	/* a path that is not under root at all */
	assert_int_equal(beneath_rm_rf(root, v), -EXDEV);
	p = xasprintf("%s/in/a/b", root);
	assert_int_equal(beneath_mkdir_p(root, p, 0755), 0);
	assert_true(is_dir(p));
	free(p);
	p = xasprintf("%s/in/a", root);
	assert_int_equal(beneath_rm_rf(root, p), 0);
	assert_false(is_dir(p));
	free(p);

	free(v);
	rm_rf(top);
	free(root);
	free(outside);
}

static void test_beneath(void **state)
{
	beneath_cases();
}

static void test_beneath_without_openat2(void **state)
{
	char top[] = "/tmp/test-names.XXXXXX";
	char *root, *outside, *p;

	setenv("DKMS_BENEATH_NO_OPENAT2", "1", 1);
	beneath_cases();
	/* the walk refuses every symlink, even one that stays inside */
	tree_setup(top, &root, &outside);
	p = xasprintf("%s/link-in/x", root);
	assert_int_equal(beneath_mkdir_p(root, p, 0755), -EXDEV);
	unsetenv("DKMS_BENEATH_NO_OPENAT2");
	/* openat2 follows a link that stays beneath root */
	assert_int_equal(beneath_mkdir_p(root, p, 0755), 0);
	free(p);
	rm_rf(top);
	free(root);
	free(outside);
}

/*
 * Placing a file through a directory fd opened beneath root: the directory
 * swapped for a link out after it was opened does not redirect the write,
 * and a link at the file's name is replaced, not followed.
 */
static void test_placement(void **state)
{
	char top[] = "/tmp/test-names.XXXXXX";
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	char *root, *outside, *p, *q, *src, *v;
	int fd, f;

	tree_setup(top, &root, &outside);
	v = xasprintf("%s/victim", outside);
	src = xasprintf("%s/src.ko", top);
	assert_int_equal(write_file_str(src, "module"), 0);
	p = xasprintf("%s/in/dest", root);
	fd = beneath_open_path(root, p, true, 0755);
	assert_true(fd >= 0);
	/* swapped after the check */
	q = xasprintf("%s/in/moved", root);
	assert_int_equal(rename(p, q), 0);
	assert_int_equal(symlink(outside, p), 0);
	free(q);
	q = xasprintf("%s/in/moved/victim", root);
	assert_int_equal(symlink(v, q), 0);
	assert_int_equal(copy_file_into(fd, "m.ko", src, 0644), 0);
	assert_int_equal(copy_file_into(fd, "victim", src, 0644), 0);
	assert_int_equal(symlink_into(fd, "l.ko", src), 0);
	free(q);
	q = xasprintf("%s/in/moved/m.ko", root);
	assert_true(is_file(q));
	free(q);
	q = xasprintf("%s/in/moved/l.ko", root);
	assert_true(is_symlink(q));
	free(q);
	q = xasprintf("%s/in/moved/victim", root);
	assert_false(is_symlink(q));
	free(q);
	q = xasprintf("%s/m.ko", outside);
	assert_false(path_exists(q));
	free(q);
	assert_int_equal(read_file(v, &text), 0);
	assert_string_equal(text.buf, "keep");
	/* moved in: the source goes */
	assert_int_equal(move_file_into(fd, "n.ko", src), 0);
	assert_false(path_exists(src));
	/* what a killed copy left: <name>.tmpXXXXXX only */
	assert_int_equal(mkdirat(fd, "m.ko.tmpAbC123", 0755), 0);
	f = openat(fd, "m.ko.tmpx", O_CREAT | O_WRONLY, 0644);
	assert_true(f >= 0);
	close(f);
	remove_stale_temps_at(fd, "m.ko.tmp");
	assert_int_equal(faccessat(fd, "m.ko.tmpAbC123", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(faccessat(fd, "m.ko.tmpx", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	close(fd);

	/* a file opened beneath root: neither its directory nor itself a link out */
	q = xasprintf("%s/link-out/new.log", root);
	assert_int_equal(beneath_open_file(root, q, O_WRONLY | O_CREAT | O_TRUNC, 0644), -EXDEV);
	free(q);
	q = xasprintf("%s/in/moved/v.log", root);
	assert_int_equal(symlink(v, q), 0);
	assert_int_equal(beneath_open_file(root, q, O_WRONLY | O_CREAT | O_TRUNC, 0644), -EXDEV);
	strbuf_reset(&text);
	assert_int_equal(read_file(v, &text), 0);
	assert_string_equal(text.buf, "keep");
	free(q);
	q = xasprintf("%s/in/new/dir/x.log", root);
	f = beneath_open_file(root, q, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(f >= 0);
	close(f);
	assert_true(is_file(q));

	free(q);
	free(p);
	free(v);
	free(src);
	rm_rf(top);
	free(root);
	free(outside);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_accepted),
		cmocka_unit_test(test_words_refused),
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_split_and_quote),
		cmocka_unit_test(test_beneath),
		cmocka_unit_test(test_beneath_without_openat2),
		cmocka_unit_test(test_placement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
