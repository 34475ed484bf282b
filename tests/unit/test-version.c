// SPDX-License-Identifier: GPL-2.0-or-later
/* dkms's VER() ordering and bash =~ matching (MAKE_MATCH, PATCH_MATCH, BUILD_EXCLUSIVE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "version.h"

static void test_ver_key(void **state)
{
	/* the example in dkms's own comment */
	char *k = ver_key("2.6.9-1cvs200409091247");

	assert_string_equal(k, "002.006.009-001cvs200409091247");
	free(k);
	k = ver_key("6.1.0-56-amd64");
	assert_string_equal(k, "006.001.000-056-amd064");
	free(k);
	k = ver_key("");
	assert_string_equal(k, "");
	free(k);
}

static void test_ver_compare(void **state)
{
	assert_true(ver_compare("6.1.0-56-amd64", "6.1.0-9-amd64") > 0);
	assert_true(ver_compare("6.10", "6.9") > 0);
	assert_true(ver_compare("5.4", "5.4.0") < 0);
	assert_true(ver_compare("1.0", "1.0") == 0);
	assert_true(ver_compare("2.0", "10.0") < 0);
	/* runs of three digits or more are not padded: 1000 < 999 as strings */
	assert_true(ver_compare("1000", "999") < 0);
	assert_true(ver_compare("3.0.0", "3.0") > 0);
	assert_true(ver_compare("1.0-rc1", "1.0") > 0);
}

static void test_regex_match(void **state)
{
	/* unanchored, extended */
	assert_true(regex_match("^6\\.1", "6.1.0-56-amd64"));
	assert_true(regex_match("amd64", "6.1.0-56-amd64"));
	assert_false(regex_match("^5\\.", "6.1.0-56-amd64"));
	assert_true(regex_match("^(6\\.[0-9]+|7)\\.", "6.12.3"));
	assert_true(regex_match("x86_64|aarch64", "x86_64"));
	assert_false(regex_match("none", "x86_64"));
	/* an invalid regex matches nothing, as [[ =~ ]] returns 2 */
	assert_false(regex_match("(", "("));
	assert_true(regex_match("", "anything"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ver_key),
		cmocka_unit_test(test_ver_compare),
		cmocka_unit_test(test_regex_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
