// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dkms.conf: bash and native evaluation agree on every fixture; read_conf
 * resolution (records, make command, patches, destinations, exclusivity,
 * yes/no values, duplicates) and dkms's exact messages.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "testlib.h"

#define K "6.1.0-56-amd64"

struct fixture {
	char *dir;
	char *fixtures; /* tests/fixtures/conf */
	struct dkms_ctx ctx;
	struct captured cap;
};

static struct fixture F;

static void reopen_streams(void)
{
	capture_reopen(&F.ctx, &F.cap);
}

static const char *err_text(void)
{
	fflush(F.cap.output.err);
	return F.cap.err_text;
}

static const char *out_text(void)
{
	fflush(F.cap.output.out);
	return F.cap.out_text;
}

static char *path(const char *fmt, ...) _printf_(1, 2);
static char *path(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vpath_in(F.dir, fmt, ap);
	va_end(ap);
	return p;
}

static char *fixture(const char *name)
{
	return xasprintf("%s/%s.conf", F.fixtures, name);
}

static void write_config(const char *text)
{
	_cleanup_free_ char *p = path("kernel/.config");

	assert_int_equal(write_file_str(p, text), 0);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-conf.XXXXXX";
	const char *top = getenv("TOP");
	_cleanup_free_ char *kdir = NULL, *inc = NULL, *etc = NULL;

	memset(&F, 0, sizeof(F));
	assert_non_null(mkdtemp(tmpl));
	F.dir = xstrdup(tmpl);
	if (top) {
		F.fixtures = xasprintf("%s/tests/fixtures/conf", top);
	} else {
		/* <top>/<build dir>/tests/test-conf */
		_cleanup_free_ char *exe = read_link("/proc/self/exe");

		assert_non_null(exe);
		for (int i = 0; i < 3; i++) {
			char *slash = strrchr(exe, '/');

			assert_non_null(slash);
			*slash = '\0';
		}
		F.fixtures = xasprintf("%s/tests/fixtures/conf", exe);
	}
	dkms_ctx_init(&F.ctx);
	F.ctx.dkms_tree = path("tree");
	F.ctx.source_tree = path("src");
	F.ctx.install_tree = path("inst");
	F.ctx.etc_dir = path("etc");
	F.ctx.parallel_jobs = xstrdup("2");
	kdir = path("kernel");
	inc = path("kernel/include");
	etc = path("etc");
	F.ctx.kernel_source_dir = xstrdup(kdir);
	assert_int_equal(mkdir_p(inc, 0755), 0);
	assert_int_equal(mkdir_p(etc, 0755), 0);
	write_config("CONFIG_MODULES=y\nCONFIG_X86_64=y\nCONFIG_FOO=m\n");
	reopen_streams();
	*state = &F;
	return 0;
}

static int teardown(void **state)
{
	capture_close(&F.ctx, &F.cap);
	rm_rf(F.dir);
	free(F.dir);
	free(F.fixtures);
	dkms_ctx_release(&F.ctx);
	return 0;
}

static void kernel(struct dkms_kernel *k, const char *version, const char *arch)
{
	dkms_kernel_init(k, &F.ctx, version, arch);
}

static void scope_of(struct conf_scope *s, const struct dkms_kernel *k)
{
	*s = (struct conf_scope){
		.module = "m", .module_version = "1.0", .kernelver = k->version, .arch = k->arch,
		.kernel_source_dir = k->source_dir, .kernel_config = k->config,
		.dkms_tree = F.ctx.dkms_tree, .source_tree = F.ctx.source_tree,
		.install_tree = F.ctx.install_tree, .parallel_jobs = F.ctx.parallel_jobs,
	};
}

/* Read fixture `name` (a path when it contains '/') for kernel version/arch. */
static int read_conf(const char *name, const char *version, const char *arch, unsigned flags,
		     struct dkms_conf *conf)
{
	_cleanup_free_ char *file = strchr(name, '/') ? xstrdup(name) : fixture(name);
	struct dkms_kernel k;
	int r;

	kernel(&k, version, arch);
	r = dkms_conf_read(&F.ctx, "m", "1.0", &k, file, flags, conf);
	dkms_kernel_release(&k);
	return r;
}

static void assert_err(const char *expected)
{
	assert_string_equal(err_text(), expected);
}

/* ---- evaluation ---- */

static void print_vars(const char *what, const struct conf_vars *v)
{
	fprintf(stderr, "# %s:\n", what);
	conf_vars_dump(v, stderr);
}

static void test_agreement(void **state)
{
	DIR *d = opendir(F.fixtures);
	struct dirent *de;
	struct dkms_kernel k;
	struct conf_scope scope;
	size_t n_plain = 0, n_shell = 0;

	assert_non_null(d);
	kernel(&k, K, "x86_64");
	scope_of(&scope, &k);
	while ((de = readdir(d))) {
		_cleanup_free_ char *file = NULL;
		struct conf_vars bash = { 0 }, native = { 0 };
		const char *files[1];
		bool plain = !strncmp(de->d_name, "plain-", 6);
		int r;

		if (!strstr(de->d_name, ".conf"))
			continue;
		file = xasprintf("%s/%s", F.fixtures, de->d_name);
		files[0] = file;
		assert_int_equal(conf_eval_bash(&scope, files, 1, &bash), 0);
		r = conf_parse_native(&scope, file, &native);
		if (plain) {
			if (r != 0 || !conf_vars_equal(&bash, &native)) {
				fprintf(stderr, "# %s: native %d\n", de->d_name, r);
				print_vars("bash", &bash);
				print_vars("native", &native);
			}
			assert_int_equal(r, 0);
			assert_true(conf_vars_equal(&bash, &native));
			n_plain++;
		} else {
			if (r != -ENOTSUP)
				fprintf(stderr, "# %s: native %d, expected -ENOTSUP\n", de->d_name, r);
			assert_int_equal(r, -ENOTSUP);
			/* a refused file leaves vars alone */
			assert_int_equal(native.n, 0);
			n_shell++;
		}
		conf_vars_release(&bash);
		conf_vars_release(&native);
	}
	closedir(d);
	dkms_kernel_release(&k);
	assert_true(n_plain >= 15);
	assert_true(n_shell >= 8);
}

/* Two files: later ones override per element, like safe_source one by one. */
static void test_agreement_chain(void **state)
{
	_cleanup_free_ char *main_conf = fixture("plain-multi-module");
	_cleanup_free_ char *o1 = path("o1.conf"), *o2 = path("o2.conf"), *missing = path("none.conf");
	const char *files[] = { main_conf, o1, missing, o2 };
	struct conf_vars bash = { 0 }, native = { 0 };
	struct conf_vars states[4] = { { 0 } };
	struct dkms_kernel k;
	struct conf_scope scope;

	write_file_str(o1, "MAKE[1]=\"make KVER=$kernelver V=1\"\nBUILT_MODULE_NAME=(x)\n"
			   "STRIP[1]=$PACKAGE_NAME\r\n");
	write_file_str(o2, "PACKAGE_VERSION=\"$PACKAGE_VERSION-local\"\nCLEAN=\n");
	kernel(&k, K, "x86_64");
	scope_of(&scope, &k);

	assert_int_equal(conf_eval_bash(&scope, files, 4, &bash), 0);
	for (size_t i = 0; i < 4; i++)
		if (i != 2)
			assert_int_equal(conf_parse_native(&scope, files[i], &native), 0);
	assert_true(conf_vars_equal(&bash, &native));
	assert_string_equal(conf_vars_value(&bash, "PACKAGE_VERSION", 0), "0.4.2-local");
	/* BUILT_MODULE_NAME=(x) only replaces element 0 */
	assert_string_equal(conf_vars_value(&bash, "BUILT_MODULE_NAME", 0), "x");
	assert_string_equal(conf_vars_value(&bash, "BUILT_MODULE_NAME", 1), "ddcci-backlight");
	assert_string_equal(conf_vars_value(&bash, "STRIP", 1), "ddcci");
	assert_string_equal(conf_vars_value(&bash, "MAKE", 1), "make KVER=" K " V=1");
	assert_string_equal(conf_vars_value(&bash, "CLEAN", 0), "");

	/* the state after each file; a missing one changes nothing */
	assert_int_equal(conf_eval_bash_states(&scope, files, 4, states), 0);
	assert_null(conf_vars_value(&states[0], "MAKE", 1));
	assert_non_null(conf_vars_value(&states[1], "MAKE", 1));
	assert_true(conf_vars_equal(&states[1], &states[2]));
	assert_true(conf_vars_equal(&states[3], &bash));
	for (size_t i = 0; i < 4; i++)
		conf_vars_release(&states[i]);
	conf_vars_release(&bash);
	conf_vars_release(&native);
	dkms_kernel_release(&k);
}

static void test_native_values(void **state)
{
	struct conf_scope scope = { .kernelver = K, .arch = "x86_64", .module = "m" };
	struct conf_vars v = { 0 };
	static const char text[] =
		"PACKAGE_NAME='a b'\"c $module\"d # comment\n"
		"MAKE[2]=x=y#z\n"
		"PATCH=( one 'two three' # inline\n \"four\" )\n"
		"PRE_BUILD=\"multi\nline\"\n"
		"POST_ADD='^6\\.1$'\n";

	assert_int_equal(conf_parse_native_buf(&scope, text, strlen(text), &v), 0);
	assert_string_equal(conf_vars_value(&v, "PACKAGE_NAME", 0), "a bc md");
	assert_string_equal(conf_vars_value(&v, "MAKE", 2), "x=y#z");
	assert_int_equal(conf_vars_count(&v, "PATCH"), 3);
	assert_string_equal(conf_vars_value(&v, "PATCH", 1), "two three");
	assert_string_equal(conf_vars_value(&v, "PATCH", 2), "four");
	assert_string_equal(conf_vars_value(&v, "PRE_BUILD", 0), "multi line");
	assert_string_equal(conf_vars_value(&v, "POST_ADD", 0), "^6\\.1$");
	conf_vars_release(&v);
}

static void test_native_refuses(void **state)
{
	static const char *const texts[] = {
		"A=$(nproc)\n", "A=`x`\n", "if true; then A=1; fi\n", "A=1; B=2\n", "A=1 && B=2\n",
		"f() { :; }\n", ". /etc/os-release\n", "source x\n", "A=(*.c)\n", "A=~/x\n",
		"A=a\\ b\n", "A=\"a\\\"b\"\n", "export A=1\n", "A=1 cmd\n", "A=$HOME\n", "A=$1\n",
		"A=${B:-x}\n", "A+=x\n", "A=(a)x\n", "A=(a\n", "A=\"a\n", "A='a\n", "A=$'x'\n",
		"PACKAGE_NAME='$kernelver'\n", "MAKE=\"a \\\\$x\"\n", "\r\n", "A=x >/dev/null\n",
		"RANDOM=1\n", "A[010]=x\n", "A[x]=1\n", "A=(${B})\n", "A=({a,b})\n",
		"PATCH='a *.c b'\n", "STRIP=(\"\001\")\n", "STRIP=\"\177\"\n", "A=\"\033[0m\"\n",
	};
	struct conf_scope scope = { .kernelver = K };

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct conf_vars v = { 0 };
		int r = conf_parse_native_buf(&scope, texts[i], strlen(texts[i]), &v);

		if (r != -ENOTSUP)
			fprintf(stderr, "# accepted: %s", texts[i]);
		assert_int_equal(r, -ENOTSUP);
		assert_int_equal(v.n, 0);
	}
}

static void test_bash_hijack(void **state)
{
	_cleanup_free_ char *file = fixture("shell-functions");
	const char *files[] = { file };
	struct conf_vars v = { 0 };
	struct conf_scope scope = { .kernelver = K };

	assert_int_equal(conf_eval_bash(&scope, files, 1, &v), 0);
	assert_string_equal(conf_vars_value(&v, "PACKAGE_NAME", 0), "fn_test");
	assert_string_equal(conf_vars_value(&v, "DEST_MODULE_LOCATION", 0), "/extra");
	conf_vars_release(&v);
}

static void test_bash_double_eval(void **state)
{
	_cleanup_free_ char *file = fixture("shell-double-eval");
	struct dkms_conf c;

	/* dkms reads values back inside double quotes: '$x' expands there */
	assert_int_equal(read_conf(file, K, "x86_64", 0, &c), 0);
	assert_false(c.native);
	assert_string_equal(c.package_name, "dbl_m");
	assert_string_equal(c.pre_build, "pre.sh x86_64");
	{
		_cleanup_free_ char *want = xasprintf("make -C %s KVER=%s", F.ctx.kernel_source_dir, K);

		assert_string_equal(c.make_command, want);
	}
	/* POST_BUILD='post "quoted"' is read back as "post "quoted"": quotes go */
	assert_string_equal(c.post_build, "post quoted");
	dkms_conf_release(&c);
}

/* ---- resolution ---- */

static void test_simple_default_make(void **state)
{
	struct dkms_conf c;
	_cleanup_free_ char *want = xasprintf("make -C %s M=%s/m/1.0/build",
					      F.ctx.kernel_source_dir, F.ctx.dkms_tree);

	assert_int_equal(read_conf("plain-simple", K, "x86_64", CONF_STRICT, &c), 0);
	assert_true(c.native);
	assert_string_equal(c.package_name, "dkms_test");
	assert_string_equal(c.package_version, "1.0");
	assert_int_equal(c.n_modules, 1);
	assert_string_equal(c.modules[0].built_name, "dkms_test");
	assert_string_equal(c.modules[0].dest_name, "dkms_test");
	assert_string_equal(c.modules[0].built_location, "");
	assert_string_equal(c.modules[0].dest_location, "/kernel/extra");
	assert_true(c.modules[0].strip);
	assert_false(c.modules[0].excluded);
	assert_true(c.autoinstall);
	assert_false(c.build_exclude);
	assert_string_equal(c.make_command, want);
	assert_false(c.llvm);
	assert_int_equal(c.patches.n, 0);
	assert_null(c.pre_build);
	assert_null(c.remake_initrd);
	assert_err("");
	assert_string_equal(out_text(), "");
	dkms_conf_release(&c);
}

static void test_multi_module(void **state)
{
	struct dkms_conf c;

	assert_int_equal(read_conf("plain-multi-module", K, "x86_64", CONF_STRICT, &c), 0);
	assert_int_equal(c.n_modules, 2);
	assert_string_equal(c.modules[0].built_location, "ddcci/");
	assert_string_equal(c.modules[1].built_location, "ddcci-backlight/");
	assert_string_equal(c.modules[1].built_name, "ddcci-backlight");
	assert_string_equal(c.modules[1].dest_name, "ddcci_backlight");
	assert_string_equal(c.modules[0].dest_name, "ddcci");
	/* STRIP[0]=no is the default for the others */
	assert_false(c.modules[0].strip);
	assert_false(c.modules[1].strip);
	assert_string_equal(c.make_command, "make KVER=" K);
	assert_string_equal(c.clean, "make clean");
	{
		_cleanup_free_ char *f = fixture("plain-multi-module");
		_cleanup_free_ char *want = xasprintf("Deprecated feature: CLEAN (%s)\n", f);

		assert_err(want);
	}
	dkms_conf_release(&c);
}

static void test_make_match_per_kernel(void **state)
{
	struct dkms_conf c;
	_cleanup_free_ char *want = xasprintf("make -C /lib/modules/%s/build M=%s/m/1.0/build", K,
					      F.ctx.dkms_tree);

	assert_int_equal(read_conf("plain-make-kernelver", K, "x86_64", 0, &c), 0);
	assert_string_equal(c.make_command, want);
	dkms_conf_release(&c);

	assert_int_equal(read_conf("plain-make-kernelver", "5.10.0-30-amd64", "x86_64", 0, &c), 0);
	{
		_cleanup_free_ char *want0 = xasprintf("make KERNEL_DIR=%s KVER=5.10.0-30-amd64 all",
						       F.ctx.kernel_source_dir);

		assert_string_equal(c.make_command, want0);
	}
	dkms_conf_release(&c);
}

static void test_llvm(void **state)
{
	struct dkms_conf c;

	write_config("CONFIG_MODULES=y\nCONFIG_CC_IS_CLANG=y\n");
	assert_int_equal(read_conf("plain-multi-module", K, "x86_64", 0, &c), 0);
	assert_true(c.llvm);
	assert_string_equal(c.make_command, "make KVER=" K " LLVM=1");
	dkms_conf_release(&c);
}

static void test_patches(void **state)
{
	struct dkms_conf c;

	assert_int_equal(read_conf("plain-patches", K, "x86_64", 0, &c), 0);
	assert_int_equal(c.patches.n, 3);
	assert_string_equal(c.patches.v[0], "01-always.patch");
	assert_string_equal(c.patches.v[1], "03-linux-6.patch");
	assert_string_equal(c.patches.v[2], "04-x86_64.patch");
	dkms_conf_release(&c);

	assert_int_equal(read_conf("plain-patches", "4.19.0-1-686", "i686", 0, &c), 0);
	assert_int_equal(c.patches.n, 2);
	assert_string_equal(c.patches.v[0], "01-always.patch");
	assert_string_equal(c.patches.v[1], "02-linux-4.patch");
	dkms_conf_release(&c);
}

static void test_distro_override(void **state)
{
	static const struct {
		const char *distro, *addon, *dest;
	} cases[] = {
		{ NULL, NULL, "/kernel/extra" },      { "debian", NULL, "/updates/dkms" },
		{ "ubuntu", NULL, "/updates/dkms" },  { "arch", NULL, "/updates/dkms" },
		{ "fedora", NULL, "/extra" },         { "rhel", NULL, "/extra" },
		{ "centos", NULL, "/extra" },         { "opensuse-leap", NULL, "/updates" },
		{ "sles", NULL, "/updates" },         { "gentoo", NULL, "/kernel/extra" },
		{ "debian", "addon/dir", "/addon/dir" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct dkms_conf c;

		free(F.ctx.distro);
		free(F.ctx.addon_modules_dir);
		F.ctx.distro = cases[i].distro ? xstrdup(cases[i].distro) : NULL;
		F.ctx.addon_modules_dir = cases[i].addon ? xstrdup(cases[i].addon) : NULL;
		assert_int_equal(read_conf("plain-simple", K, "x86_64", 0, &c), 0);
		assert_string_equal(c.modules[0].dest_location, cases[i].dest);
		assert_string_equal(c.modules[0].dest_location_raw, "/kernel/extra");
		dkms_conf_release(&c);
	}
}

static void test_exclusive(void **state)
{
	struct dkms_conf c;

	/* global MIN 5.0 and ARCH x86_64; [1] needs CONFIG_MODULES; [2] MAX 3.99 */
	assert_int_equal(read_conf("plain-exclusive", K, "x86_64", CONF_STRICT, &c), 0);
	assert_int_equal(c.n_modules, 3);
	assert_string_equal(c.excl_kernel_min, "5.0");
	assert_string_equal(c.excl_arch, "x86_64");
	assert_null(c.modules[1].excl_kernel_min);
	assert_string_equal(c.modules[1].excl_config, "CONFIG_MODULES !CONFIG_NONEXISTENT");
	assert_false(c.modules[0].excluded);
	assert_false(c.modules[1].excluded);
	assert_true(c.modules[2].excluded);
	assert_false(c.build_exclude);
	dkms_conf_release(&c);

	write_config("CONFIG_NONEXISTENT=y\n");
	assert_int_equal(read_conf("plain-exclusive", K, "x86_64", 0, &c), 0);
	assert_false(c.modules[0].excluded);
	assert_true(c.modules[1].excluded);
	assert_false(c.build_exclude);
	dkms_conf_release(&c);

	/* no record fits: the whole build is excluded */
	assert_int_equal(read_conf("plain-exclusive", K, "aarch64", 0, &c), 0);
	for (size_t i = 0; i < 3; i++)
		assert_true(c.modules[i].excluded);
	assert_true(c.build_exclude);
	dkms_conf_release(&c);

	assert_int_equal(read_conf("plain-exclusive", "4.19.0-1-amd64", "x86_64", 0, &c), 0);
	assert_true(c.build_exclude);
	dkms_conf_release(&c);
}

static void test_exclusive_no_config_file(void **state)
{
	_cleanup_free_ char *cfg = path("kernel/.config");
	struct dkms_conf c;

	/* dkms skips the CONFIG checks when the kernel config is missing */
	assert_int_equal(unlink(cfg), 0);
	assert_int_equal(read_conf("plain-exclusive", K, "x86_64", 0, &c), 0);
	assert_false(c.modules[1].excluded);
	dkms_conf_release(&c);
}

static void test_exclusive_zero_records(void **state)
{
	_cleanup_free_ char *file = path("zero.conf");
	struct dkms_conf c;

	/* no record: the BUILD_EXCLUSIVE rules never run, nothing is excluded */
	write_file_str(file, "PACKAGE_NAME=z\nPACKAGE_VERSION=1\nBUILD_EXCLUSIVE_ARCH=none\n");
	assert_int_equal(read_conf(file, K, "x86_64", 0, &c), 0);
	assert_int_equal(c.n_modules, 0);
	assert_false(c.build_exclude);
	dkms_conf_release(&c);
}

static void test_obsolete_by(void **state)
{
	struct dkms_conf c;
	_cleanup_free_ char *want = NULL;

	assert_int_equal(read_conf("plain-deprecated", K, "x86_64", CONF_STRICT, &c), 0);
	assert_string_equal(c.obsolete_by, "99.0");
	assert_string_equal(c.excl_kernel_max, "99.0");
	assert_false(c.build_exclude);
	assert_string_equal(c.remake_initrd, "yes");
	assert_string_equal(c.clean, "true");
	want = xasprintf("Deprecated feature: REMAKE_INITRD (%s/plain-deprecated.conf)\n"
			 "Deprecated feature: OBSOLETE_BY (%s/plain-deprecated.conf): use BUILD_EXCLUSIVE_KERNEL_MAX instead\n",
			 F.fixtures, F.fixtures);
	assert_err(want);
	dkms_conf_release(&c);

	/* a repeated read in the same run prints nothing */
	reopen_streams();
	assert_int_equal(read_conf("plain-deprecated", K, "x86_64", CONF_STRICT | CONF_REPEAT, &c), 0);
	assert_err("");
	dkms_conf_release(&c);

	reopen_streams();
	assert_int_equal(read_conf("plain-deprecated", "100.1.0", "x86_64", 0, &c), 0);
	assert_true(c.modules[0].excluded);
	assert_true(c.build_exclude);
	/* warnings only in strict mode */
	assert_err("");
	dkms_conf_release(&c);
}

static void test_initrd_directives_kept(void **state)
{
	struct dkms_conf c;
	_cleanup_free_ char *f = fixture("plain-initrd");
	_cleanup_free_ char *want = NULL;

	assert_int_equal(read_conf("plain-initrd", K, "x86_64", CONF_STRICT, &c), 0);
	assert_string_equal(c.remake_initrd, "yes");
	assert_int_equal(c.modules_conf.n, 2);
	assert_string_equal(c.modules_conf.v[1], "options megaraid_sas resetwaittime=180");
	assert_string_equal(c.modules_conf_alias_type.v[0], "scsi_hostadapter");
	assert_string_equal(c.modules_conf_obsoletes.v[0], "megaraid_mbox,megaraid_mm");
	assert_string_equal(c.modules_conf_obsolete_only.v[0], "yes");
	want = xasprintf("Deprecated feature: REMAKE_INITRD (%s)\n"
			 "Deprecated feature: MODULES_CONF (%s)\n"
			 "Deprecated feature: MODULES_CONF_OBSOLETES (%s)\n"
			 "Deprecated feature: MODULES_CONF_ALIAS_TYPE (%s)\n"
			 "Deprecated feature: MODULES_CONF_OBSOLETE_ONLY (%s)\n", f, f, f, f, f);
	assert_err(want);
	dkms_conf_release(&c);
}

static void test_invalid(void **state)
{
	struct dkms_conf c;

	assert_int_equal(read_conf("plain-invalid", K, "x86_64", CONF_STRICT, &c), -EINVAL);
	assert_err("dkms.conf: Error! No 'BUILT_MODULE_NAME' directive specified for record #0.\n"
		   "dkms.conf: Error! 'DEST_MODULE_NAME' directive ends in '.o' or '.ko' in record #0.\n"
		   "dkms.conf: Error! Directive 'DEST_MODULE_LOCATION' does not begin with\n"
		   "'/kernel', '/updates', or '/extra' in record #0.\n"
		   "dkms.conf: Error! 'BUILT_MODULE_NAME' directive ends in '.o' or '.ko' in record #1.\n"
		   "dkms.conf: Error! No 'DEST_MODULE_LOCATION' directive specified for record #1.\n"
		   "dkms.conf: Error! Unsupported AUTOINSTALL value 'maybe'\n");
	/* what could be resolved is there, as dkms leaves it */
	assert_int_equal(c.n_modules, 2);
	assert_string_equal(c.modules[1].dest_name, "foo");
	dkms_conf_release(&c);

	reopen_streams();
	assert_int_equal(read_conf("plain-invalid", K, "x86_64", CONF_QUIET, &c), -EINVAL);
	assert_err("");
	dkms_conf_release(&c);
}

static void test_sparse(void **state)
{
	struct dkms_conf c;

	assert_int_equal(read_conf("plain-sparse", K, "x86_64", CONF_STRICT, &c), -EINVAL);
	assert_int_equal(c.n_modules, 5);
	assert_err("dkms.conf: Error! No 'BUILT_MODULE_NAME' directive specified for record #0.\n"
		   "dkms.conf: Error! No 'DEST_MODULE_LOCATION' directive specified for record #0.\n"
		   "dkms.conf: Error! No 'BUILT_MODULE_NAME' directive specified for record #2.\n"
		   "dkms.conf: Error! No 'DEST_MODULE_LOCATION' directive specified for record #2.\n"
		   "dkms.conf: Error! No 'BUILT_MODULE_NAME' directive specified for record #4.\n"
		   "dkms.conf: Error! Directive 'DEST_MODULE_LOCATION' does not begin with\n"
		   "'/kernel', '/updates', or '/extra' in record #4.\n");
	dkms_conf_release(&c);
}

static void test_sparse_complete(void **state)
{
	_cleanup_free_ char *file = path("sparse-ok.conf");
	struct dkms_conf c;

	write_file_str(file, "PACKAGE_NAME=s\nPACKAGE_VERSION=1\n"
			     "BUILT_MODULE_NAME[0]=a\nDEST_MODULE_LOCATION[0]=/extra\n"
			     "BUILT_MODULE_NAME[2]=c\nDEST_MODULE_LOCATION[2]=/extra\n"
			     "BUILT_MODULE_NAME[1]=b\nDEST_MODULE_LOCATION[1]=/extra\nSTRIP[2]=no\n");
	assert_int_equal(read_conf(file, K, "x86_64", CONF_STRICT, &c), 0);
	assert_int_equal(c.n_modules, 3);
	assert_string_equal(c.modules[2].built_name, "c");
	assert_true(c.modules[1].strip);
	assert_false(c.modules[2].strip);
	dkms_conf_release(&c);
}

static void test_defaulted_name(void **state)
{
	struct dkms_conf c;

	assert_int_equal(read_conf("plain-defaulted-name", K, "x86_64", CONF_STRICT, &c), 0);
	assert_int_equal(c.n_modules, 1);
	assert_string_equal(c.modules[0].built_name, "dkms_conf_test");
	assert_string_equal(c.modules[0].dest_name, "dkms_conf_test");
	assert_err("");
	dkms_conf_release(&c);
}

static void test_zero_modules(void **state)
{
	struct dkms_conf c;

	assert_int_equal(read_conf("plain-zero-modules", K, "x86_64", CONF_STRICT, &c), 0);
	assert_int_equal(c.n_modules, 0);
	assert_err("dkms.conf: Warning! Zero modules specified.\n");
	dkms_conf_release(&c);

	reopen_streams();
	assert_int_equal(read_conf("plain-zero-modules", K, "x86_64", 0, &c), 0);
	assert_err("");
	dkms_conf_release(&c);
}

static void test_empty(void **state)
{
	struct dkms_conf c;

	assert_int_equal(read_conf("plain-empty", K, "x86_64", CONF_STRICT, &c), -EINVAL);
	assert_err("dkms.conf: Error! No 'PACKAGE_NAME' directive specified.\n"
		   "dkms.conf: Error! No 'PACKAGE_VERSION' directive specified.\n");
	assert_string_equal(c.package_name, "");
	dkms_conf_release(&c);
}

static void test_duplicates(void **state)
{
	struct dkms_conf c;

	assert_int_equal(read_conf("plain-duplicates", K, "x86_64", CONF_STRICT, &c), -EINVAL);
	assert_err("dkms.conf: Error! Duplicate module 'dup' in 'BUILT_MODULE_NAME[1]'.\n"
		   "dkms.conf: Error! Duplicate module 'dup' in 'DEST_MODULE_NAME[1]'.\n"
		   "dkms.conf: Error! Duplicate module 'dup' in 'DEST_MODULE_NAME[2]'.\n");
	dkms_conf_release(&c);

	/* the strict checks print again on a repeated read */
	reopen_streams();
	assert_int_equal(read_conf("plain-duplicates", K, "x86_64", CONF_STRICT | CONF_REPEAT, &c), -EINVAL);
	assert_non_null(strstr(err_text(), "Duplicate module 'dup' in 'BUILT_MODULE_NAME[1]'"));
	dkms_conf_release(&c);

	/* read_conf (not strict) accepts it */
	reopen_streams();
	assert_int_equal(read_conf("plain-duplicates", K, "x86_64", 0, &c), 0);
	assert_string_equal(c.modules[2].built_location, "sub/");
	assert_err("");
	dkms_conf_release(&c);
}

static void test_yes_no(void **state)
{
	static const struct {
		const char *text;
		int r;
		bool autoinstall, no_weak, rebuild;
		const char *err;
	} cases[] = {
		{ "AUTOINSTALL=YES\nNO_WEAK_MODULES=yEs\nBUILD_DEPENDS_REBUILD=No\n", 0, true, true, false, "" },
		{ "AUTOINSTALL=no\nNO_WEAK_MODULES=\n", 0, false, false, false, "" },
		{ "AUTOINSTALL=y\n", -EINVAL, false, false, false,
		  "dkms.conf: Error! Unsupported AUTOINSTALL value 'y'\n" },
		{ "NO_WEAK_MODULES=true\nBUILD_DEPENDS_REBUILD=1\n", -EINVAL, false, false, false,
		  "dkms.conf: Error! Unsupported BUILD_DEPENDS_REBUILD value '1'\n"
		  "dkms.conf: Error! Unsupported NO_WEAK_MODULES value 'true'\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *file = path("yn%zu.conf", i);
		_cleanup_free_ char *text = xasprintf("PACKAGE_NAME=y\nPACKAGE_VERSION=1\n"
						      "BUILT_MODULE_NAME=y\nDEST_MODULE_LOCATION=/extra\n%s",
						      cases[i].text);
		struct dkms_conf c;

		reopen_streams();
		write_file_str(file, text);
		assert_int_equal(read_conf(file, K, "x86_64", CONF_STRICT, &c), cases[i].r);
		assert_err(cases[i].err);
		if (cases[i].r == 0) {
			assert_int_equal(c.autoinstall, cases[i].autoinstall);
			assert_int_equal(c.no_weak_modules, cases[i].no_weak);
			assert_int_equal(c.build_depends_rebuild, cases[i].rebuild);
		}
		dkms_conf_release(&c);
	}
}

static void test_length_mismatch(void **state)
{
	_cleanup_free_ char *file = path("lower.conf");
	struct dkms_conf c;

	/* lower-case arrays are dkms's own; a conf that sets them past the records breaks it */
	write_file_str(file, "PACKAGE_NAME=l\nPACKAGE_VERSION=1\nBUILT_MODULE_NAME=l\n"
			     "DEST_MODULE_LOCATION=/extra\ndest_module_name[3]=x\n");
	assert_int_equal(read_conf(file, K, "x86_64", 0, &c), -EINVAL);
	assert_err("dkms.conf: Error! Module name/location array length mismatch.\n");
	dkms_conf_release(&c);
}

static void test_directives(void **state)
{
	struct dkms_conf c;

	strv_push(&F.ctx.directives, "PACKAGE_VERSION=9.9");
	strv_push(&F.ctx.directives, "CC=clang");
	strv_push(&F.ctx.directives, "MAKE=make V=1 X=\"y\"");
	assert_int_equal(read_conf("plain-simple", K, "x86_64", 0, &c), 0);
	assert_string_equal(out_text(), "DIRECTIVE: PACKAGE_VERSION=\"9.9\"\n"
					"DIRECTIVE: CC=\"clang\"\n"
					"DIRECTIVE: MAKE=\"make V=1 X=\"y\"\"\n");
	assert_string_equal(c.package_version, "9.9");
	assert_string_equal(c.make_command, "make V=1 X=\"y\"");
	assert_null(conf_vars_get(&c.vars, "CC"));
	assert_int_equal(c.directive_env.n, 3);
	assert_string_equal(c.directive_env.v[1], "CC=clang");
	dkms_conf_release(&c);

	reopen_streams();
	assert_int_equal(read_conf("plain-simple", K, "x86_64", CONF_REPEAT, &c), 0);
	assert_string_equal(out_text(), "");
	assert_string_equal(c.package_version, "9.9");
	dkms_conf_release(&c);
	strv_release(&F.ctx.directives);
}

static void test_override_chain(void **state)
{
	_cleanup_free_ char *o1 = path("etc/m.conf"), *o2 = path("etc/m--" K "-x86_64.conf");
	_cleanup_free_ char *o3 = path("etc/m-1.0-" K ".conf");
	char *want;
	struct dkms_conf c;

	write_file_str(o1, "MAKE[0]='make one'\nREMAKE_INITRD=no\n");
	write_file_str(o3, "STRIP[0]=no\n");
	write_file_str(o2, "MAKE[0]=\"make two $arch\"\n");
	for (int pass = 0; pass < 2; pass++) {
		reopen_streams();
		assert_int_equal(read_conf("plain-simple", K, "x86_64", CONF_STRICT | (pass ? CONF_NO_NATIVE : 0), &c), 0);
		assert_int_equal(c.native, pass == 0);
		assert_string_equal(c.make_command, "make two x86_64");
		assert_false(c.modules[0].strip);
		/* the warning names each file read after REMAKE_INITRD was set */
		want = xasprintf("Deprecated feature: REMAKE_INITRD (%s)\n"
				 "Deprecated feature: REMAKE_INITRD (%s)\n"
				 "Deprecated feature: REMAKE_INITRD (%s)\n", o1, o3, o2);
		assert_err(want);
		free(want);
		dkms_conf_release(&c);
	}
	/* another kernel does not see the kernel-specific ones */
	assert_int_equal(read_conf("plain-simple", "6.2.0", "x86_64", 0, &c), 0);
	assert_string_equal(c.make_command, "make one");
	dkms_conf_release(&c);
	unlink(o1);
	unlink(o2);
	unlink(o3);
}

static void test_missing(void **state)
{
	_cleanup_free_ char *file = path("nope/dkms.conf");
	struct dkms_conf c;

	assert_int_equal(read_conf(file, K, "x86_64", CONF_STRICT, &c), -ENOENT);
	assert_err("");
	dkms_conf_release(&c);

	/* the default place: <dkms_tree>/m/v/source/dkms.conf */
	{
		struct dkms_kernel k;
		_cleanup_free_ char *src = path("tree/m/1.0/source");
		_cleanup_free_ char *conf = path("tree/m/1.0/source/dkms.conf");
		_cleanup_free_ char *simple = fixture("plain-simple");

		kernel(&k, K, "x86_64");
		assert_int_equal(dkms_conf_read(&F.ctx, "m", "1.0", &k, NULL, 0, &c), -ENOENT);
		dkms_conf_release(&c);
		assert_int_equal(mkdir_p(src, 0755), 0);
		assert_int_equal(copy_file(simple, conf), 0);
		assert_int_equal(dkms_conf_read(&F.ctx, "m", "1.0", &k, NULL, 0, &c), 0);
		assert_string_equal(c.path, conf);
		dkms_conf_release(&c);
		dkms_kernel_release(&k);
	}
}

static void test_strict_conf_refuses_shell(void **state)
{
	struct dkms_conf c;
	_cleanup_free_ char *f = fixture("shell-if-block");
	_cleanup_free_ char *want = xasprintf(
		"dkms.conf: Error! %s is not plain assignments; strict mode refuses to run it with a shell.\n", f);

	F.ctx.strict_conf = true;
	assert_int_equal(read_conf("shell-if-block", K, "x86_64", 0, &c), -EINVAL);
	assert_err(want);
	dkms_conf_release(&c);
	reopen_streams();
	assert_int_equal(read_conf("plain-simple", K, "x86_64", 0, &c), 0);
	dkms_conf_release(&c);
	F.ctx.strict_conf = false;
}

static void test_shell_fixtures_resolve(void **state)
{
	struct dkms_conf c;

	assert_int_equal(read_conf("shell-if-block", K, "x86_64", CONF_STRICT, &c), 0);
	assert_false(c.native);
	assert_non_null(strstr(c.make_command, " NEW=1"));
	assert_string_equal(c.excl_arch, "x86_64|i.86");
	assert_false(c.build_exclude);
	dkms_conf_release(&c);

	assert_int_equal(read_conf("shell-if-block", "5.10.0", "ppc64", 0, &c), 0);
	assert_null(strstr(c.make_command, " NEW=1"));
	assert_true(c.build_exclude);
	dkms_conf_release(&c);

	assert_int_equal(read_conf("shell-kernel-config", K, "x86_64", 0, &c), 0);
	assert_int_equal(c.n_modules, 2);
	dkms_conf_release(&c);

	assert_int_equal(read_conf("shell-nproc", K, "x86_64", 0, &c), 0);
	assert_string_equal(c.package_version, "550_1");
	assert_non_null(strstr(c.make_command, "-j2 modules KERNEL_UNAME=" K));
	dkms_conf_release(&c);

	reopen_streams();
	assert_int_equal(read_conf("shell-exit", K, "x86_64", 0, &c), -EINVAL);
	/* exit in the conf ends its subshell: nothing is taken over */
	assert_string_equal(c.package_name, "");
	dkms_conf_release(&c);
}

/* Native and bash give the same resolved conf on every plain fixture. */
static void test_native_equals_bash_resolved(void **state)
{
	DIR *d = opendir(F.fixtures);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		_cleanup_free_ char *name = NULL, *e1 = NULL, *e2 = NULL;
		struct dkms_conf a, b;
		int ra, rb;

		if (strncmp(de->d_name, "plain-", 6) || !strstr(de->d_name, ".conf"))
			continue;
		name = xstrndup(de->d_name, strlen(de->d_name) - 5);
		reopen_streams();
		ra = read_conf(name, K, "x86_64", CONF_STRICT, &a);
		e1 = xstrdup(err_text());
		reopen_streams();
		rb = read_conf(name, K, "x86_64", CONF_STRICT | CONF_NO_NATIVE, &b);
		e2 = xstrdup(err_text());
		assert_int_equal(ra, rb);
		assert_true(a.native);
		assert_false(b.native);
		assert_string_equal(e1, e2);
		assert_true(conf_vars_equal(&a.vars, &b.vars));
		assert_string_equal(a.make_command, b.make_command);
		assert_int_equal(a.n_modules, b.n_modules);
		dkms_conf_release(&a);
		dkms_conf_release(&b);
	}
	closedir(d);
}

static void test_no_kernel(void **state)
{
	_cleanup_free_ char *file = fixture("plain-simple");
	struct dkms_conf c;

	assert_int_equal(dkms_conf_read(&F.ctx, NULL, NULL, NULL, file, CONF_STRICT, &c), 0);
	assert_string_equal(c.package_name, "dkms_test");
	dkms_conf_release(&c);
}

static void test_vars_api(void **state)
{
	struct conf_vars a = { 0 }, b = { 0 };

	conf_vars_set(&a, "MAKE", 5, "five");
	conf_vars_set(&a, "MAKE", 0, "zero");
	conf_vars_set(&a, "AUTOINSTALL", 0, "yes");
	conf_vars_set(&a, "MAKE", 5, "FIVE");
	assert_int_equal(conf_vars_count(&a, "MAKE"), 2);
	assert_string_equal(conf_vars_value(&a, "MAKE", 5), "FIVE");
	assert_null(conf_vars_value(&a, "MAKE", 1));
	assert_null(conf_vars_get(&a, "PATCH"));
	assert_string_equal(a.vars[0].name, "AUTOINSTALL");
	conf_vars_copy(&b, &a);
	assert_true(conf_vars_equal(&a, &b));
	conf_vars_set(&b, "MAKE", 1, "one");
	assert_false(conf_vars_equal(&a, &b));
	conf_vars_merge(&a, &b);
	assert_true(conf_vars_equal(&a, &b));
	conf_vars_unset(&a, "MAKE");
	assert_int_equal(conf_vars_count(&a, "MAKE"), 0);
	assert_true(conf_is_directive("MODULES_CONF_OBSOLETE_ONLY"));
	assert_true(conf_is_directive("patch_array"));
	assert_false(conf_is_directive("FOO"));
	conf_vars_release(&a);
	conf_vars_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vars_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agreement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agreement_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bash_hijack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bash_double_eval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_simple_default_make, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_make_match_per_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_llvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_distro_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclusive_no_config_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclusive_zero_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_obsolete_by, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_directives_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaulted_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yes_no, setup, teardown),
		cmocka_unit_test_setup_teardown(test_length_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_conf_refuses_shell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shell_fixtures_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_equals_bash_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_kernel, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
