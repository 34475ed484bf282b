// SPDX-License-Identifier: GPL-2.0-or-later
/* The in-memory file list every driver disk and fragment is made of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "codec/payload.h"
#include "util/fileio.h"

static void test_paths(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	const struct payload_entry *e;

	assert_int_equal(payload_add_str(&p, "/./rpms//x86_64/a.rpm", 0644, "A"), 0);
	/* parents come by themselves, as directories */
	e = payload_find(&p, "rpms");
	assert_non_null(e);
	assert_int_equal(e->kind, PAYLOAD_DIR);
	assert_int_equal(e->perm, 0755);
	assert_non_null(payload_find(&p, "rpms/x86_64"));
	e = payload_find(&p, "rpms/x86_64/a.rpm");
	assert_non_null(e);
	assert_string_equal(e->path, "rpms/x86_64/a.rpm");
	assert_int_equal(e->size, 1);
	assert_int_equal(p.n, 3);
	/* the same path again replaces, never duplicates */
	assert_int_equal(payload_add_str(&p, "rpms/x86_64/a.rpm", 0600, "BB"), 0);
	assert_int_equal(p.n, 3);
	e = payload_find(&p, "rpms/x86_64/a.rpm");
	assert_int_equal(e->size, 2);
	assert_int_equal(e->perm, 0600);
	assert_int_equal(payload_add_str(&p, "../etc/passwd", 0644, "x"), -EINVAL);
	assert_int_equal(payload_add_str(&p, "a/../../b", 0644, "x"), -EINVAL);
	assert_int_equal(payload_add_str(&p, "/", 0644, "x"), -EINVAL);
	assert_int_equal(payload_add_symlink(&p, "l", ""), -EINVAL);
	assert_int_equal(p.n, 3);
	/* removing a directory entry leaves what lies below it */
	assert_int_equal(payload_remove(&p, "/rpms"), 0);
	assert_null(payload_find(&p, "rpms"));
	assert_non_null(payload_find(&p, "rpms/x86_64/a.rpm"));
	assert_int_equal(p.n, 2);
	assert_int_equal(payload_remove(&p, "rpms"), -ENOENT);
}

static void test_sort(void **state)
{
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	static const char *const want[] = { "a", "a/b", "a/b/c", "a-z", "a.b", "b" };

	assert_int_equal(payload_add_str(&p, "b", 0644, ""), 0);
	assert_int_equal(payload_add_str(&p, "a.b", 0644, ""), 0);
	assert_int_equal(payload_add_str(&p, "a-z", 0644, ""), 0);
	assert_int_equal(payload_add_str(&p, "a/b/c", 0644, ""), 0);
	payload_sort(&p);
	assert_int_equal(p.n, ARRAY_SIZE(want));
	/* a directory's contents follow it at once, before "a-z" ('-' < '/') */
	for (size_t i = 0; i < p.n; i++)
		assert_string_equal(p.entries[i].path, want[i]);
}

static void test_tree_round_trip(void **state)
{
	char dir[] = "/tmp/test-payload.XXXXXX";
	_cleanup_payload_ struct payload p = PAYLOAD_INIT, q = PAYLOAD_INIT, r = PAYLOAD_INIT;
	_cleanup_free_ char *out = NULL, *again = NULL, *link = NULL;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const struct payload_entry *e;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	out = xasprintf("%s/out", dir);
	assert_int_equal(payload_add_str(&p, "linux/suse/x86_64-sles15/dud.config", 0644, "UpdateID:\tx\n"), 0);
	assert_int_equal(payload_add_str(&p, "linux/suse/x86_64-sles15/install/update.post", 0755, "#!/bin/sh\n"), 0);
	assert_int_equal(payload_add_symlink(&p, "linux/suse/x86_64-sles15sp1", "x86_64-sles15"), 0);
	assert_int_equal(payload_add_dir(&p, "ro", 0555), 0);
	assert_int_equal(payload_write_tree(&p, out), 0);

	link = xasprintf("%s/linux/suse/x86_64-sles15sp1", out);
	assert_true(is_symlink(link));
	again = xasprintf("%s/linux/suse/x86_64-sles15/install/update.post", out);
	assert_int_equal(stat(again, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);

	/* and back: the tree read from disk has the same entries */
	assert_int_equal(payload_add_tree(&q, "", out), 0);
	assert_int_equal(q.n, p.n);
	e = payload_find(&q, "linux/suse/x86_64-sles15/dud.config");
	assert_non_null(e);
	assert_non_null(e->source);
	assert_int_equal(payload_entry_read(e, &sb), 0);
	assert_string_equal(sb.buf, "UpdateID:\tx\n");
	e = payload_find(&q, "ro");
	assert_int_equal(e->perm, 0555);
	e = payload_find(&q, "linux/suse/x86_64-sles15sp1");
	assert_int_equal(e->kind, PAYLOAD_SYMLINK);
	assert_string_equal(e->target, "x86_64-sles15");

	/* merge under a prefix */
	assert_int_equal(payload_merge(&r, "01", &q), 0);
	assert_non_null(payload_find(&r, "01/linux/suse/x86_64-sles15/dud.config"));
	assert_int_equal(r.n, q.n + 1);
	assert_int_equal(payload_content_size(&p), strlen("UpdateID:\tx\n") + strlen("#!/bin/sh\n") +
							 strlen("x86_64-sles15"));
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_tree_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
