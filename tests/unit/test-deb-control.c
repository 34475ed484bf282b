// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Debian control fields from package values (issue 10): a newline or other
 * control character in a module, version or kernel never starts a field or
 * a stanza of its own. The field writers are checked by their bytes; a
 * module package built with a hostile module and version is read back with
 * the real dpkg-deb (--field), as apt and dpkg would read it. (The source
 * package carries both in its /usr/src path too, where dpkg-deb itself
 * refuses a newline.)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "formats/deb.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "testlib.h"

static void test_field(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	assert_int_equal(deb_control_field(&sb, "Depends", "linux-image-6.1.0-57-amd64"), 0);
	assert_string_equal(sb.buf, "Depends: linux-image-6.1.0-57-amd64\n");
	/* refused, and nothing of it written */
	assert_int_equal(deb_control_field(&sb, "Depends", "x\nEssential: yes"), -EINVAL);
	assert_int_equal(deb_control_field(&sb, "Depends", "x\n\nPackage: evil"), -EINVAL);
	assert_int_equal(deb_control_field(&sb, "Depends", "x\ry"), -EINVAL);
	assert_int_equal(deb_control_field(&sb, "Depends", "x\ty"), -EINVAL);
	assert_string_equal(sb.buf, "Depends: linux-image-6.1.0-57-amd64\n");
}

static void test_description(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	deb_control_description(&sb, "tiny 1.0 driver in DKMS format", "The source of tiny.\nSecond line.");
	assert_string_equal(sb.buf, "Description: tiny 1.0 driver in DKMS format\n"
				    " The source of tiny.\n"
				    " Second line.\n");
	strbuf_reset(&sb);
	/* a newline in the synopsis folds into it; the extended lines keep their space */
	deb_control_description(&sb, "x 1\nEssential: yes driver", "a\nEssential: yes\n\n\nPackage: evil\n \t\nend\r");
	assert_string_equal(sb.buf, "Description: x 1 Essential: yes driver\n"
				    " a\n"
				    " Essential: yes\n"
				    " .\n"
				    " .\n"
				    " Package: evil\n"
				    " .\n"
				    " end \n");
	strbuf_reset(&sb);
	deb_control_description(&sb, "only", "");
	assert_string_equal(sb.buf, "Description: only\n");
}

/* dpkg-deb --field deb [field]: its output. */
static char *dpkg_field(const char *deb, const char *field)
{
	struct strbuf out = STRBUF_INIT;
	struct child c = CHILD_INIT;
	int r;

	strv_push(&c.args, "dpkg-deb");
	strv_push(&c.args, "--field");
	strv_push(&c.args, deb);
	if (field)
		strv_push(&c.args, field);
	c.capture = &out;
	c.err_fd = -2;
	c.in_fd = -2;
	r = child_run(&c);
	child_release(&c);
	assert_int_equal(r, 0);
	return strbuf_detach(&out);
}

/* A binary-module package: module and version reach only its Description. */
static void test_modules_package(void **state)
{
	char tmpl[] = "/tmp/test-deb-control.XXXXXX";
	_cleanup_free_ char *prog = find_program("dpkg-deb");
	_cleanup_free_ char *work = NULL, *out = NULL, *path = NULL, *ko = NULL;
	_cleanup_free_ char *all = NULL, *pkgname = NULL, *desc = NULL;
	char name[] = "tiny", dest[] = "/updates/dkms", kver[] = "6.1.0-57-amd64", arch[] = "x86_64";
	char bad_kver[] = "6.1\nEssential: yes";
	struct dud_module mod = { 0 };
	struct dud_kernel k = { 0 };
	struct dkms_ctx ctx;
	struct captured cap = { 0 };

	if (!prog) {
		skip();
		return;
	}
	assert_non_null(mkdtemp(tmpl));
	work = xasprintf("%s/work", tmpl);
	out = xasprintf("%s/out", tmpl);
	ko = xasprintf("%s/tiny.ko", tmpl);
	assert_int_equal(mkdir_p(work, 0755), 0);
	assert_int_equal(write_file_str(ko, "not really a module\n"), 0);
	mod.name = name;
	mod.path = ko;
	mod.dest = dest;
	k.kernelver = kver;
	k.arch = arch;
	k.modules = &mod;
	k.n_modules = 1;
	dkms_ctx_init(&ctx);
	capture_reopen(&ctx, &cap);

	assert_int_equal(deb_build_modules(&ctx, "x\nEssential: yes", "1\n\nPackage: evil", &k, work, out, &path), 0);
	all = dpkg_field(path, NULL);
	pkgname = dpkg_field(path, "Package");
	desc = dpkg_field(path, "Description");
	assert_string_equal(pkgname, "x-essential--yes-modules-6.1.0-57-amd64\n");
	assert_null(strstr(all, "\nPackage: evil"));
	assert_null(strstr(all, "\nEssential:"));
	assert_string_equal(desc, "x Essential: yes 1  Package: evil kernel modules for Linux 6.1.0-57-amd64\n"
				  " Built by dkms from x\n"
				  " Essential: yes 1\n"
				  " .\n"
				  " Package: evil for the 6.1.0-57-amd64 kernel (x86_64): tiny.\n");

	/* a kernel with a newline: refused, nothing written */
	free(path);
	path = NULL;
	k.kernelver = bad_kver;
	assert_int_equal(deb_build_modules(&ctx, "x", "1", &k, work, out, &path), -EINVAL);
	assert_null(path);
	fflush(cap.output.err);
	assert_non_null(strstr(cap.err_text, "the Depends field \"linux-image-6.1\\nEssential: yes | "));
	assert_int_equal(dir_count_entries(out), 1);

	capture_close(&ctx, &cap);
	dkms_ctx_release(&ctx);
	rm_rf(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_description),
		cmocka_unit_test(test_modules_package),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
