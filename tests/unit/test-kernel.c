// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel facts found once (config, toolchain), a child's own environment
 * vector (util/spawn: the last entry for a name wins, a bare name unsets),
 * and the machine table cross-building uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "arch.h"
#include "kernel.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

static char *tmpdir;
static struct dkms_ctx ctx;

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-kernel.XXXXXX";

	tmpdir = xstrdup(mkdtemp(tmpl));
	dkms_ctx_init(&ctx);
	free(ctx.install_tree);
	ctx.install_tree = xstrdup(tmpdir);
	return 0;
}

static int teardown(void **state)
{
	rm_rf(tmpdir);
	free(tmpdir);
	dkms_ctx_release(&ctx);
	return 0;
}

/* <tmp>/<version>/build with a config (auto.conf) and optionally a .kernelvariables. */
static void headers(const char *version, const char *config, const char *kernelvariables)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s/build/include/config", tmpdir, version);
	_cleanup_free_ char *conf = xasprintf("%s/auto.conf", dir);

	mkdir_p(dir, 0755);
	write_file_str(conf, config);
	if (kernelvariables) {
		_cleanup_free_ char *kv = xasprintf("%s/%s/build/.kernelvariables", tmpdir, version);
		write_file_str(kv, kernelvariables);
	}
}

static void test_config_values(void **state)
{
	struct kernel_config kc = KERNEL_CONFIG_INIT;
	_cleanup_free_ char *path = xasprintf("%s/config", tmpdir);
	char *v;

	write_file_str(path, "CONFIG_A=y\nXCONFIG_B=y\nCONFIG_B=m\nCONFIG_TEXT=\"gcc-12 (Debian) 12\"\n"
			     "CONFIG_AB=y\nCONFIG_N=n\nCONFIG_RD_ZSTD=y");
	assert_true(kernel_config_load(&kc, path));
	assert_true(kernel_config_is_set(&kc, "CONFIG_A"));
	assert_true(kernel_config_is_set(&kc, "CONFIG_B"));   /* not fooled by XCONFIG_B */
	assert_false(kernel_config_is_set(&kc, "CONFIG_N"));
	assert_false(kernel_config_is_set(&kc, "CONFIG_C"));
	v = kernel_config_get(&kc, "CONFIG_TEXT");
	assert_string_equal(v, "gcc-12 (Debian) 12");
	free(v);
	assert_null(kernel_config_get(&kc, "CONFIG_"));
	assert_true(kernel_config_reads_zstd(&kc)); /* the last line, no newline after it */
	kernel_config_release(&kc);
	assert_false(kernel_config_load(&kc, "/nonexistent/config"));
	assert_false(kernel_config_is_set(&kc, "CONFIG_A"));
	kernel_config_release(&kc);
}

static void test_config_read_once(void **state)
{
	struct dkms_kernel k;
	_cleanup_free_ char *conf = NULL;
	char *v;

	headers("6.1.0-1-test", "CONFIG_X=\"first\"\n", NULL);
	dkms_kernel_init(&k, &ctx, "6.1.0-1-test", "x86_64");
	v = dkms_kernel_config_value(&k, "CONFIG_X");
	assert_string_equal(v, "first");
	free(v);
	/* the facts are the kernel's for the run: a changed file is not read again */
	conf = xasprintf("%s/6.1.0-1-test/build/include/config/auto.conf", tmpdir);
	write_file_str(conf, "CONFIG_X=\"second\"\n");
	v = dkms_kernel_config_value(&k, "CONFIG_X");
	assert_string_equal(v, "first");
	free(v);
	dkms_kernel_release(&k);
}

static bool has(const struct strv *env, const char *entry)
{
	return strv_contains(env, entry);
}

static void test_toolchain(void **state)
{
	struct dkms_kernel a, b;
	const struct kernel_toolchain *ta, *tb;
	_cleanup_free_ char *clang = find_program("clang"), *lld = find_program("ld.lld");

	/* a: its .kernelvariables names the compiler; the config names clang and lld */
	headers("6.1.0-2-test", "CONFIG_CC_IS_CLANG=y\nCONFIG_LD_IS_LLD=y\n",
		"CCACHE = ccache\nCC = $(if $(DEBIAN_KERNEL_USE_CCACHE),$(CCACHE)) $(CROSS_COMPILE)mycc-12\n");
	/* b: no .kernelvariables, a gcc config */
	headers("6.1.0-3-test", "CONFIG_CC_IS_GCC=y\n", NULL);
	dkms_kernel_init(&a, &ctx, "6.1.0-2-test", "x86_64");
	dkms_kernel_init(&b, &ctx, "6.1.0-3-test", "x86_64");
	ta = dkms_kernel_toolchain(&ctx, &a);
	tb = dkms_kernel_toolchain(&ctx, &b);
	if (clang && lld) {
		assert_true(has(&ta->env, "CC=clang"));
		assert_true(has(&ta->env, "KERNEL_CC=clang"));
		assert_true(has(&ta->env, "LD=ld.lld"));
		assert_true(ta->clang);
		assert_string_equal(ta->strip, "llvm-strip");
	} else {
		assert_true(has(&ta->env, "CC=mycc-12"));
	}
	assert_true(dkms_kernel_llvm(&a));
	/* b: CC unset (a bare name), nothing of a's */
	assert_true(has(&tb->env, "CC"));
	assert_false(has(&tb->env, "LD=ld.lld"));
	assert_false(tb->clang);
	assert_false(tb->cross);
	assert_string_equal(tb->strip, "strip");
	assert_false(dkms_kernel_llvm(&b));
	/* asked again: the same facts */
	assert_ptr_equal(dkms_kernel_toolchain(&ctx, &a), ta);
	dkms_kernel_release(&a);
	dkms_kernel_release(&b);
}

static void test_child_env(void **state)
{
	struct child c = CHILD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;

	setenv("TEST_KERNEL_DROP", "from-parent", 1);
	setenv("TEST_KERNEL_KEEP", "kept", 1);
	strv_push(&c.args, "sh");
	strv_push(&c.args, "-c");
	strv_push(&c.args, "echo \"${TEST_KERNEL_DROP-unset} $TEST_KERNEL_KEEP $TEST_KERNEL_SET\"");
	strv_push(&c.env_set, "TEST_KERNEL_SET=first");
	strv_push(&c.env_set, "TEST_KERNEL_DROP=x");
	strv_push(&c.env_set, "TEST_KERNEL_SET=last");
	strv_push(&c.env_set, "TEST_KERNEL_DROP");
	c.capture = &out;
	assert_int_equal(child_run(&c), 0);
	child_release(&c);
	assert_string_equal(out.buf, "unset kept last\n");
	/* our own environment is as it was */
	assert_string_equal(getenv("TEST_KERNEL_DROP"), "from-parent");
	assert_null(getenv("TEST_KERNEL_SET"));
}

static void test_machines(void **state)
{
	const struct machine *m = machine_lookup("arm64");
	char *pkg;

	assert_non_null(m);
	assert_string_equal(m->name, "aarch64");
	assert_string_equal(m->kbuild_arch, "arm64");
	assert_string_equal(m->triplet, "aarch64-linux-gnu");
	assert_string_equal(machine_lookup("ppc64le")->kbuild_arch, "powerpc");
	assert_string_equal(machine_lookup("s390x")->kbuild_arch, "s390");
	assert_string_equal(machine_lookup("i686")->kbuild_arch, "i386");
	assert_string_equal(machine_lookup("armv7l")->triplet, "arm-linux-gnueabihf");
	assert_ptr_equal(machine_lookup("amd64"), machine_lookup("x86_64"));
	assert_null(machine_lookup("pdp11"));
	assert_null(machine_lookup(NULL));
	pkg = machine_cross_package(machine_lookup("x86_64"));
	assert_string_equal(pkg, "gcc-x86-64-linux-gnu");
	free(pkg);
	pkg = machine_cross_package(m);
	assert_string_equal(pkg, "gcc-aarch64-linux-gnu");
	free(pkg);
	/* the host's own family is never foreign; an unknown arch neither */
	assert_false(machine_is_foreign(machine_host()));
	assert_false(machine_is_foreign(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_values),
		cmocka_unit_test(test_config_read_once),
		cmocka_unit_test(test_toolchain),
		cmocka_unit_test(test_child_env),
		cmocka_unit_test(test_machines),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
