// SPDX-License-Identifier: GPL-2.0-or-later
/* The journal's records: fields kept exactly (newlines too), order, removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "journal.h"
#include "util/fileio.h"
#include "util/strbuf.h"

struct fixture {
	struct dkms_ctx ctx;
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/dkms-journal-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	dkms_ctx_init(&f->ctx);
	free(f->ctx.dkms_tree);
	f->ctx.dkms_tree = xstrdup(f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_rf(f->dir);
	dkms_ctx_release(&f->ctx);
	free(f);
	return 0;
}

static void test_fields_round_trip(void **state)
{
	struct fixture *f = *state;
	struct journal j = JOURNAL_INIT, back = JOURNAL_INIT;
	struct strv all = STRV_INIT, list = STRV_INIT;

	journal_add(&j, "op", "install");
	journal_add(&j, "before", "a/1");
	journal_add(&j, "before", "b/2");
	journal_add(&j, "image", "/boot/odd\nname\\with=signs");
	journal_set(&j, "op", "uninstall");
	assert_int_equal(journal_write(&f->ctx, &j, "test:written"), 0);
	assert_true(journal_pending(&f->ctx));
	assert_int_equal(journal_list(&f->ctx, &list), 0);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.v[0], j.path);
	assert_int_equal(journal_load(list.v[0], &back), 0);
	assert_string_equal(journal_get(&back, "op"), "uninstall");
	assert_string_equal(journal_get(&back, "image"), "/boot/odd\nname\\with=signs");
	assert_null(journal_get(&back, "kernel"));
	journal_get_all(&back, "before", &all);
	assert_int_equal(all.n, 2);
	assert_string_equal(all.v[1], "b/2");
	assert_int_equal(journal_end(&f->ctx, &j), 0);
	assert_false(journal_pending(&f->ctx));
	{
		/* the directory goes with the last record */
		_cleanup_free_ char *dir = xasprintf("%s/.journal", f->dir);

		assert_false(path_exists(dir));
	}
	strv_release(&all);
	strv_release(&list);
	journal_release(&j);
	journal_release(&back);
}

static void test_order_and_temps(void **state)
{
	struct fixture *f = *state;
	struct journal a = JOURNAL_INIT, b = JOURNAL_INIT, bad = JOURNAL_INIT;
	struct strv list = STRV_INIT;
	_cleanup_free_ char *tmp = xasprintf("%s/.journal/.tmp-abcdef", f->dir);

	journal_add(&a, "op", "remove");
	journal_add(&b, "op", "uninstall");
	assert_int_equal(journal_write(&f->ctx, &a, "test:a"), 0);
	assert_int_equal(journal_write(&f->ctx, &b, "test:b"), 0);
	/* what a write killed before its rename leaves is not a record */
	assert_int_equal(write_file_str(tmp, "partial"), 0);
	assert_int_equal(journal_list(&f->ctx, &list), 0);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.v[0], a.path); /* oldest first */
	assert_string_equal(list.v[1], b.path);
	assert_false(path_exists(tmp));
	/* a file that is not a record is refused */
	assert_int_equal(write_file_str(a.path, "garbage\n"), 0);
	assert_int_equal(journal_load(a.path, &bad), -EBADMSG);
	journal_end(&f->ctx, &a);
	journal_end(&f->ctx, &b);
	assert_false(journal_pending(&f->ctx));
	strv_release(&list);
	journal_release(&a);
	journal_release(&b);
	journal_release(&bad);
}

static void test_no_tree(void **state)
{
	struct fixture *f = *state;
	struct journal j = JOURNAL_INIT;
	_cleanup_free_ char *gone = xasprintf("%s/missing", f->dir);

	free(f->ctx.dkms_tree);
	f->ctx.dkms_tree = xstrdup(gone);
	journal_add(&j, "op", "install");
	assert_int_equal(journal_write(&f->ctx, &j, "test:none"), -ENOENT);
	assert_false(journal_pending(&f->ctx));
	journal_release(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_and_temps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tree, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
