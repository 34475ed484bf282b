// SPDX-License-Identifier: GPL-2.0-or-later
/* names.h's rule, util/words (split, quote) and util/beneath (paths kept inside a tree). */
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
