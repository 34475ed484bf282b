// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kabi.h: Module.symvers read (plain and gzip, bad lines refused naming file
 * and line), lookups, and the comparison kabi-check and the kmod RPMs' Requires
 * rest on. The __versions side is read by libkmod; the integration test
 * (tests/integration/kabi.sh) covers it with real modules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "kabi.h"
#include "testlib.h"
#include "util/fileio.h"

static const char symvers[] =
	"0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\t\n"
	"0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n"
	"\n"
	"0x0515d769\t__pci_register_driver\tvmlinux\tEXPORT_SYMBOL\t\n"
	"0x12345678\tscsi_add_host\tdrivers/scsi/scsi_mod\tEXPORT_SYMBOL\tSCSI\n"
	"0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n";

static char *tmp_path(const char *name)
{
	return xasprintf("%s/test-kabi-%d-%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
			 (int)getpid(), name);
}

static void test_load_plain_and_gzip(void **state)
{
	struct dkms_ctx ctx = { 0 };
	struct captured cap = { 0 };
	_cleanup_free_ char *plain = tmp_path("Module.symvers"), *gz = tmp_path("symvers.gz");
	struct kabi_symset a = { 0 }, b = { 0 };
	gzFile f;

	capture_reopen(&ctx, &cap);
	assert_int_equal(write_file_str(plain, symvers), 0);
	f = gzopen(gz, "wb");
	assert_non_null(f);
	assert_int_equal(gzputs(f, symvers), (int)strlen(symvers));
	gzclose(f);
	assert_int_equal(kabi_symvers_load(&ctx, plain, &a), 0);
	assert_int_equal(kabi_symvers_load(&ctx, gz, &b), 0);
	/* sorted, each once */
	assert_int_equal(a.n, 4);
	assert_string_equal(a.v[0].name, "__pci_register_driver");
	assert_string_equal(a.v[3].name, "scsi_add_host");
	assert_int_equal(b.n, a.n);
	for (size_t i = 0; i < a.n; i++) {
		assert_string_equal(a.v[i].name, b.v[i].name);
		assert_true(a.v[i].crc == b.v[i].crc);
	}
	assert_true(kabi_symset_find(&a, "_printk")->crc == 0x92997ed8);
	assert_null(kabi_symset_find(&a, "printk"));
	kabi_symset_release(&a);
	kabi_symset_release(&b);
	unlink(plain);
	unlink(gz);
	capture_close(&ctx, &cap);
}

static void test_bad_lines(void **state)
{
	static const char *const bad[] = {
		"0x1234\tevil$(id)\tvmlinux\tEXPORT_SYMBOL\n",
		"1234\tfoo\tvmlinux\tEXPORT_SYMBOL\n",
		"0xzz\tfoo\tvmlinux\tEXPORT_SYMBOL\n",
		"0x1234\n",
		"0x1234\tfoo bar\tvmlinux\tEXPORT_SYMBOL\n",
		"0x1234\tfoo\x01\tvmlinux\tEXPORT_SYMBOL\n",
	};
	struct dkms_ctx ctx = { 0 };
	struct captured cap = { 0 };
	_cleanup_free_ char *path = tmp_path("bad.symvers");

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		_cleanup_free_ char *text = xasprintf("0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\n%s", bad[i]);
		_cleanup_free_ char *want = xasprintf("%s:2: not a Module.symvers line", path);
		struct kabi_symset s = { 0 };

		capture_reopen(&ctx, &cap);
		assert_int_equal(write_file_str(path, text), 0);
		assert_int_equal(kabi_symvers_load(&ctx, path, &s), -EINVAL);
		assert_null(s.v);
		fflush(cap.output.err);
		assert_non_null(strstr(cap.err_text, want));
	}
	unlink(path);
	capture_close(&ctx, &cap);
}

static void test_compare(void **state)
{
	char n1[] = "_printk", n2[] = "gone", n3[] = "phys_base", n4[] = "scsi_add_host";
	struct kabi_sym imp[] = { { n1, 0x92997ed8 }, { n2, 0x1 }, { n3, 0x4c9d28b0 }, { n4, 0x12345678 } };
	struct kabi_sym ker[] = { { n1, 0x92997ed8 }, { n3, 0xdeadbeef }, { n4, 0x12345678 } };
	struct kabi_symset imports = { imp, 4 }, kernel = { ker, 3 }, same = { imp, 4 };
	struct kabi_mismatch *mm = NULL;

	assert_int_equal(kabi_compare(&imports, &kernel, &mm), 2);
	assert_string_equal(mm[0].name, "gone");
	assert_true(mm[0].missing);
	assert_string_equal(mm[1].name, "phys_base");
	assert_false(mm[1].missing);
	assert_true(mm[1].want == 0x4c9d28b0 && mm[1].have == 0xdeadbeef);
	free(mm);
	assert_int_equal(kabi_compare(&imports, &same, &mm), 0);
	free(mm);
}

static void test_symbol_names(void **state)
{
	assert_true(kabi_symbol_name_ok("__x86_indirect_thunk_rax"));
	assert_true(kabi_symbol_name_ok("foo.cold"));
	assert_false(kabi_symbol_name_ok(""));
	assert_false(kabi_symbol_name_ok("a b"));
	assert_false(kabi_symbol_name_ok("a)"));
	assert_false(kabi_symbol_name_ok("%{x}"));
	assert_false(kabi_symbol_name_ok("a\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_plain_and_gzip),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_symbol_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
