// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rpmvercmp against rpm itself: a table whose expected values came from
 * python3-rpm (rpm 4.18, rpm.labelCompare with equal epochs and releases),
 * then thousands of generated pairs compared with python3-rpm at run time.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "formats/rpmvercmp.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

#define PYTHON_RPM "/usr/bin/python3"

struct pair {
	const char *a, *b;
	int want;
};

/* Each row printed by python3-rpm: labelCompare(("0", a, "1"), ("0", b, "1")). */
static const struct pair table[] = {
	{ "1.0", "1.0", 0 },
	{ "1.0", "2.0", -1 },
	{ "2.0", "1.0", 1 },
	{ "2.0.1", "2.0.1", 0 },
	{ "2.0", "2.0.1", -1 },
	{ "2.0.1a", "2.0.1a", 0 },
	{ "2.0.1a", "2.0.1", 1 },
	{ "5.5p1", "5.5p1", 0 },
	{ "5.5p1", "5.5p2", -1 },
	{ "5.5p10", "5.5p10", 0 },
	{ "5.5p1", "5.5p10", -1 },
	{ "10xyz", "10.1xyz", -1 },
	{ "xyz10", "xyz10", 0 },
	{ "xyz10", "xyz10.1", -1 },
	{ "xyz.4", "xyz.4", 0 },
	{ "xyz.4", "8", -1 },
	{ "xyz.4", "2", -1 },
	{ "5.5p2", "5.6p1", -1 },
	{ "5.6p1", "6.5p1", -1 },
	{ "6.0.rc1", "6.0", 1 },
	{ "10b2", "10a1", 1 },
	{ "10a2", "10b2", -1 },
	{ "1.0aa", "1.0aa", 0 },
	{ "1.0a", "1.0aa", -1 },
	{ "10.0001", "10.0001", 0 },
	{ "10.0001", "10.1", 0 },
	{ "10.0001", "10.0039", -1 },
	{ "4.999.9", "5.0", -1 },
	{ "20101121", "20101121", 0 },
	{ "20101121", "20101122", -1 },
	{ "2_0", "2_0", 0 },
	{ "2.0", "2_0", 0 },
	{ "a", "a", 0 },
	{ "a+", "a+", 0 },
	{ "a+", "a_", 0 },
	{ "+a", "+a", 0 },
	{ "+a", "_a", 0 },
	{ "+_", "_+", 0 },
	{ "1.0~rc1", "1.0~rc1", 0 },
	{ "1.0~rc1", "1.0", -1 },
	{ "1.0~rc1", "1.0~rc2", -1 },
	{ "1.0~rc1~git123", "1.0~rc1", -1 },
	{ "1.0^", "1.0^", 0 },
	{ "1.0^", "1.0", 1 },
	{ "1.0^git1", "1.0", 1 },
	{ "1.0^git1", "1.01", -1 },
	{ "1.0^20160101", "1.0.1", -1 },
	{ "1.0^20160101^git1", "1.0^20160101", 1 },
	{ "1.0~rc1^git1", "1.0~rc1", 1 },
	{ "1.0^git1~pre", "1.0^git1", -1 },
	/* what driver disks depend on: a Debian uname -r against its Provide */
	{ "6.1.0-56-amd64", "6.1.0-56", 1 },
	{ "6.1.0-56-amd64", "6.1.0-56.amd64", 0 },
	{ "6.1.0-57-amd64", "6.1.0-56.amd64", 1 },
	{ "6.1.0-9-amd64", "6.1.0-56.amd64", -1 },
	{ "5.14.0-362.el9.x86_64", "5.14.0-362.el9.x86_64", 0 },
	{ "5.14.0-427.el9.x86_64", "5.14.0-362.el9.x86_64", 1 },
	{ "5.14.0-362.8.1.el9_3.x86_64", "5.14.0-362.el9.x86_64", 1 },
	{ "6.18.0+", "6.18.0", 0 },
	{ "a1", "1a", -1 },
	{ "1", "a", 1 },
	{ "Z", "a", -1 },
	{ "0001", "1", 0 },
	{ "1.", "1", 0 },
	{ "..1", "1", 0 },
};

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int r = rpmvercmp(table[i].a, table[i].b);

		if (r != table[i].want)
			fail_msg("rpmvercmp(\"%s\", \"%s\") = %d, rpm says %d", table[i].a, table[i].b, r,
				 table[i].want);
		/* antisymmetric */
		assert_int_equal(rpmvercmp(table[i].b, table[i].a), -table[i].want);
	}
}

/* dd_list's test: "uname -r" against each Provide's sense and version. */
static void test_sense(void **state)
{
	const uint32_t ge = RPMSENSE_GREATER | RPMSENSE_EQUAL;

	assert_true(rpm_sense_matches("6.1.0-56-amd64", ge, "6.1.0-56"));
	assert_true(rpm_sense_matches("6.1.0-56-amd64", RPMSENSE_EQUAL, "6.1.0-56.amd64"));
	assert_false(rpm_sense_matches("6.1.0-57-amd64", RPMSENSE_EQUAL, "6.1.0-56.amd64"));
	assert_false(rpm_sense_matches("6.1.0-56-amd64", RPMSENSE_EQUAL, "6.1.0-56"));
	assert_true(rpm_sense_matches("5.14.0-362.el9.x86_64", RPMSENSE_EQUAL, "5.14.0-362.el9.x86_64"));
	assert_true(rpm_sense_matches("5.14.0-427.el9.x86_64", ge, "5.14.0-362.el9.x86_64"));
	assert_false(rpm_sense_matches("5.14.0-284.el9.x86_64", ge, "5.14.0-362.el9.x86_64"));
	assert_true(rpm_sense_matches("5.14.0-284.el9.x86_64", RPMSENSE_LESS, "5.14.0-362.el9.x86_64"));
	/* an unversioned Provide never matches */
	assert_false(rpm_sense_matches("6.1.0-56-amd64", 0, ""));
	assert_false(rpm_sense_matches("6.1.0-56-amd64", RPMSENSE_EQUAL, NULL));
	assert_string_equal(rpm_sense_str(ge), ">=");
	assert_string_equal(rpm_sense_str(RPMSENSE_EQUAL), "=");
	assert_string_equal(rpm_sense_str(RPMSENSE_LESS), "<");
	assert_string_equal(rpm_sense_str(0), "");
}

/* A version string made of the characters rpm treats differently. */
static void random_version(struct strbuf *sb, unsigned *seed)
{
	static const char alphabet[] = "0000111223459aabzZ..._-+~^";
	size_t len = 1 + (size_t)(rand_r(seed) % 9);

	strbuf_reset(sb);
	for (size_t i = 0; i < len; i++)
		strbuf_addch(sb, alphabet[rand_r(seed) % (sizeof(alphabet) - 1)]);
}

static bool have_python_rpm(void)
{
	const char *argv[] = { PYTHON_RPM, "-c", "import rpm", NULL };
	struct child c = CHILD_INIT;
	int r;

	if (!is_executable(PYTHON_RPM))
		return false;
	for (size_t i = 0; argv[i]; i++)
		strv_push(&c.args, argv[i]);
	c.out_fd = c.err_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	r = child_run(&c);
	close(c.out_fd);
	child_release(&c);
	return r == 0;
}

static void test_against_rpm(void **state)
{
	static const char script[] =
		"import rpm, sys\n"
		"for line in sys.stdin:\n"
		"    a, b = line.rstrip('\\n').split('\\t')\n"
		"    print(rpm.labelCompare(('0', a, '1'), ('0', b, '1')))\n";
	char tmpl[] = "/tmp/test-rpmvercmp.XXXXXX";
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	struct child c = CHILD_INIT;
	struct strv ours = STRV_INIT, theirs = STRV_INIT;
	unsigned seed = 20240601;
	const size_t n = 5000;
	int fd;

	if (!have_python_rpm()) {
		skip();
		return;
	}
	for (size_t i = 0; i < n; i++) {
		random_version(&a, &seed);
		/* half the pairs share a prefix, where the interesting cases are */
		if (i % 2) {
			strbuf_reset(&b);
			strbuf_add(&b, a.buf, (size_t)(rand_r(&seed) % (int)(a.len + 1)));
			strbuf_addch(&b, "1a.~^"[rand_r(&seed) % 5]);
		} else {
			random_version(&b, &seed);
		}
		strbuf_addf(&in, "%s\t%s\n", a.buf, b.buf);
		strv_pushf(&ours, "%d", rpmvercmp(a.buf, b.buf));
	}
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, in.buf, in.len), (ssize_t)in.len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	strv_push(&c.args, PYTHON_RPM);
	strv_push(&c.args, "-c");
	strv_push(&c.args, script);
	c.in_fd = fd;
	c.capture = &out;
	assert_int_equal(child_run(&c), 0);
	close(fd);
	unlink(tmpl);
	strv_split(&theirs, out.buf, "\n");
	assert_int_equal(theirs.n, n);
	for (size_t i = 0; i < n; i++) {
		if (!streq(ours.v[i], theirs.v[i])) {
			const char *line = in.buf;

			for (size_t j = 0; j < i; j++)
				line = strchr(line, '\n') + 1;
			fail_msg("pair %zu \"%.*s\": ours %s, rpm %s", i, (int)(strchr(line, '\n') - line),
				 line, ours.v[i], theirs.v[i]);
		}
	}
	child_release(&c);
	strv_release(&ours);
	strv_release(&theirs);
	strbuf_release(&in);
	strbuf_release(&out);
	strbuf_release(&a);
	strbuf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_sense),
		cmocka_unit_test(test_against_rpm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
