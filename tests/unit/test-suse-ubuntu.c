// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The SUSE and Ubuntu driver-disk formats and the Debian package names:
 * make() on modules compiled here with cc (ELF objects with a .modinfo
 * section, as libkmod reads them from a real module), the payload written
 * out as a tree, then check() on it as linuxrc and debian-installer would
 * read it; broken trees must be rejected with one exact line per problem.
 * The Ubuntu packages are built with the real dpkg-deb.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "formats/deb.h"
#include "formats/format.h"
#include "formats/suse.h"
#include "mkdisk/medium.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "testlib.h"

#define K1 "6.1.0-56-amd64"
#define KD "5.14.21-150500.55.19-default"
#define KA "6.4.0-150600.23-default"

struct fixture {
	char *dir;
	struct dkms_ctx ctx;
	struct captured cap;
	struct dud_kernel kernels[3];
	struct strv paths; /* what Q() returned, freed at teardown */
};

static struct fixture F;

static char *P(const char *fmt, ...) _printf_(1, 2);
static char *P(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vpath_in(F.dir, fmt, ap);
	va_end(ap);
	return p;
}

/* Like P, for paths used once: the fixture owns them. */
static const char *Q(const char *fmt, ...) _printf_(1, 2);
static const char *Q(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_push_take(&F.paths, vpath_in(F.dir, fmt, ap));
	va_end(ap);
	return F.paths.v[F.paths.n - 1];
}

static const char *err_text(void)
{
	fflush(F.cap.output.err);
	return F.cap.err_text ? F.cap.err_text : "";
}

/* An ELF object named <name>.ko with the .modinfo of a module built for kernel. */
static char *fake_module(const char *name, const char *kernel, const char *depends)
{
	_cleanup_free_ char *src = P("%s-%s.c", name, kernel);
	_cleanup_free_ char *dir = P("built/%s", kernel);
	_cleanup_free_ char *text = NULL, *cmd = NULL;
	char *obj = P("built/%s/%s.ko", kernel, name);

	text = xasprintf("#define MI(x) __attribute__((section(\".modinfo\"), used, aligned(1))) "
			 "static const char _mi_##x[]\n"
			 "MI(a)=\"name=%s\";\n"
			 "MI(b)=\"depends=%s\";\n"
			 "MI(c)=\"vermagic=%s SMP preempt mod_unload modversions \";\n"
			 "MI(d)=\"license=GPL\";\n",
			 name, depends, kernel);
	assert_int_equal(write_file_str(src, text), 0);
	assert_int_equal(mkdir_p(dir, 0755), 0);
	cmd = xasprintf("cc -c -o '%s' '%s'", obj, src);
	assert_int_equal(system(cmd), 0);
	return obj;
}

/* Kernel i with the package's two modules, dkms.conf order: dep_b (needs dep_a), dep_a. */
static void fake_kernel(struct dud_kernel *k, const char *kernel, const char *arch, const char *dest_b)
{
	k->kernelver = xstrdup(kernel);
	k->arch = xstrdup(arch);
	k->n_modules = 2;
	k->modules = xcalloc(2, sizeof(*k->modules));
	k->modules[0].name = xstrdup("dep_b");
	k->modules[0].path = fake_module("dep_b", kernel, "dep_a,scsi_mod");
	k->modules[0].dest = xstrdup(dest_b);
	k->modules[1].name = xstrdup("dep_a");
	k->modules[1].path = fake_module("dep_a", kernel, "");
	k->modules[1].dest = xstrdup("/updates/dkms");
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-suse-ubuntu.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	F.dir = xstrdup(tmpl);
	dkms_ctx_init(&F.ctx);
	capture_reopen(&F.ctx, &F.cap);
	fake_kernel(&F.kernels[0], K1, "x86_64", "/extra");
	fake_kernel(&F.kernels[1], KD, "x86_64", "/updates/dkms");
	fake_kernel(&F.kernels[2], KA, "aarch64", "/updates/dkms");
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(F.kernels); i++)
		dud_kernel_release(&F.kernels[i]);
	capture_close(&F.ctx, &F.cap);
	strv_release(&F.paths);
	dkms_ctx_release(&F.ctx);
	rm_rf(F.dir);
	free(F.dir);
	return 0;
}

static struct dud_request request(const char *release, const char *workdir, enum dud_medium medium)
{
	struct dud_request req = {
		.ctx = &F.ctx, .module = "testpkg", .version = "1.0", .source_dir = NULL,
		.kernels = F.kernels, .n_kernels = ARRAY_SIZE(F.kernels), .release = release,
		.workdir = workdir, .medium = medium,
	};
	return req;
}

static char *slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(read_file(path, &sb), 0);
	return strbuf_detach(&sb);
}

static void test_names(void **state)
{
	static const char *const good[] = { "sles15", "sles16.0", "sled15", "sles16.1", "leap15.6",
					     "micro6.1", "tw", "slowroll", "caasp4.5", "opensuse-leap16.0",
					     "sl-micro6.1", "opensuse-tumbleweed" };
	/* a service pack up to SLE 15 has no directory; SLE 16's have a minor */
	static const char *const bad[] = { "", "sles", "SLES15", "sles15sp4", "leap15", "leap15.",
					   "tumbleweed", "sles15/x", "x86_64-sles15", "rhel9", "sles15.6",
					   "sled12.5", "sles16", "sles15.", "opensuse-leap" };
	static const char *const dirs[][2] = {
		{ "sles15.6", "sles15" }, { "sled12.5", "sled12" }, { "sles16", "sles16.0" },
		{ "sles16.1", "sles16.1" }, { "sles15", "sles15" }, { "leap15.6", "leap15.6" },
		{ "tw", "tw" }, { "sles15sp4", NULL }, { "leap15", NULL }, { "", NULL },
	};
	_cleanup_free_ char *n1 = deb_package_name("Megaraid_SAS-modules-6.1.0-56-amd64");
	_cleanup_free_ char *n2 = deb_package_name("_x");
	_cleanup_free_ char *v1 = deb_version("v1.2"), *v2 = deb_version("1.0_beta 2");
	_cleanup_free_ char *v3 = deb_version("2.1-"), *v4 = deb_version("07.719.03.00-rc1");
	_cleanup_free_ char *f = deb_file_name("a-dkms", "1:2.0", "all");

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(suse_dist_valid(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(suse_dist_valid(bad[i]));
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *note = NULL;
		_cleanup_free_ char *dir = suse_dist_dir(dirs[i][0], &note);

		if (!dirs[i][1]) {
			assert_null(dir);
			continue;
		}
		assert_non_null(dir);
		assert_string_equal(dir, dirs[i][1]);
		/* a note exactly when the name changed */
		assert_true(!note == streq(dirs[i][0], dirs[i][1]));
	}
	assert_string_equal(suse_arch_of("i686"), "i386");
	assert_string_equal(suse_arch_of("ppc64le"), "ppc64le");
	assert_null(suse_arch_of("armv7l"));
	assert_int_equal(suse_module_ext_len("a.ko.zst"), 7);
	assert_int_equal(suse_module_ext_len("a.ko"), 3);
	assert_int_equal(suse_module_ext_len("a.ko.bz2"), 0);
	assert_int_equal(suse_module_ext_len(".ko"), 0);
	assert_string_equal(n1, "megaraid-sas-modules-6.1.0-56-amd64");
	assert_string_equal(n2, "x-x");
	assert_string_equal(v1, "0~v1.2");
	assert_string_equal(v2, "1.0+beta+2");
	assert_string_equal(v3, "2.1");
	assert_string_equal(v4, "07.719.03.00-rc1");
	assert_string_equal(f, "a-dkms_2.0_all.deb");
	assert_string_equal(deb_arch_of("x86_64"), "amd64");
	assert_string_equal(deb_arch_of("i586"), "i386");
	assert_string_equal(deb_arch_of("aarch64"), "arm64");
	assert_string_equal(deb_arch_of("ppc64le"), "ppc64el");
	assert_null(deb_arch_of("pdp11"));
}

/* Make the SUSE disk for every fake kernel and write it to <dir>/<name>. */
static char *make_suse_tree(const char *name, const char *release, enum dud_medium medium)
{
	_cleanup_free_ char *work = P("work-%s", name);
	_cleanup_(payload_releasep) struct payload p = PAYLOAD_INIT;
	struct dud_request req = request(release, work, medium);
	char *root = P("%s", name);

	assert_int_equal(mkdir_p(work, 0755), 0);
	assert_int_equal(dud_format_suse.make(&req, &p), 0);
	payload_sort(&p);
	assert_int_equal(payload_write_tree(&p, root), 0);
	return root;
}

static void check_tree(const char *root, const char *kernel, const char *arch, struct dud_report *rep)
{
	struct dud_check_opts o = { kernel, arch };

	memset(rep, 0, sizeof(*rep));
	assert_int_equal(dud_format_suse.check(root, &o, rep), 0);
}

static void test_suse_layout(void **state)
{
	_cleanup_free_ char *root = make_suse_tree("suse", "sles15,sled15", DUD_MEDIUM_CPIO);
	_cleanup_free_ char *cfg = NULL, *order = NULL, *post = NULL, *link = NULL, *cmd = NULL;
	const char *base = "suse/linux/suse/x86_64-sles15";
	struct stat st;

	assert_true(dud_format_suse.detect(root));
	assert_false(dud_format_ubuntu.detect(root));
	cfg = slurp(Q("%s/dud.config", base));
	{
		/* the ID ends in 12 hex digits of the content: another arch's tree, another ID */
		static const char head[] = "# created by dkms 3.4.3\nUpdateID:\tdkms-testpkg-1.0-sles15-";
		static const char tail[] = "\nUpdatePriority:\t50\nUpdateName:\ttestpkg 1.0 (dkms)\n";
		_cleanup_free_ char *other = slurp(Q("suse/linux/suse/aarch64-sles15/dud.config"));
		_cleanup_free_ char *again_root = make_suse_tree("suse-again", "sles15", DUD_MEDIUM_CPIO);
		_cleanup_free_ char *again = slurp(Q("suse-again/linux/suse/x86_64-sles15/dud.config"));

		assert_int_equal(strncmp(cfg, head, sizeof(head) - 1), 0);
		assert_int_equal(strspn(cfg + sizeof(head) - 1, "0123456789abcdef"), 12);
		assert_string_equal(cfg + sizeof(head) - 1 + 12, tail);
		assert_int_equal(strncmp(other, head, sizeof(head) - 1), 0);
		assert_string_not_equal(other, cfg);
		assert_string_equal(again, cfg);
	}
	/* dependencies first, whatever dkms.conf's order */
	order = slurp(Q("%s/modules/module.order", base));
	assert_string_equal(order, "dep_a\ndep_b\n");
	/* the installer's modules are the -default kernel's, not the first -k's */
	assert_int_equal(files_equal(Q("%s/modules/dep_b.ko", base), F.kernels[1].modules[0].path), 1);
	/* every kernel's modules for the installed system, one flat directory per kernel */
	assert_int_equal(files_equal(Q("%s/install/" K1 "/dep_b.ko", base), F.kernels[0].modules[0].path), 1);
	assert_int_equal(files_equal(Q("%s/install/" K1 "/dep_a.ko", base), F.kernels[0].modules[1].path), 1);
	assert_true(is_file(Q("%s/install/" KD "/dep_a.ko", base)));
	assert_false(path_exists(Q("%s/install/lib", base)));
	/* aarch64 has its own directory */
	assert_false(path_exists(Q("%s/install/" KA, base)));
	assert_true(is_file(Q("suse/linux/suse/aarch64-sles15/install/" KA "/dep_b.ko")));
	link = read_link(Q("suse/linux/suse/x86_64-sled15"));
	assert_string_equal(link, "x86_64-sles15");
	assert_int_equal(stat(Q("%s/install/update.post", base), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	post = slurp(Q("%s/install/update.post", base));
	assert_non_null(strstr(post, "#!/bin/sh\n# created by dkms 3.4.3 for testpkg 1.0\n"));
	assert_non_null(strstr(post, "install_modules '" K1 "' \\\n\t'updates/dep_b.ko' \\\n\t'updates/dkms/dep_a.ko'\n"
				     "install_modules '" KD "' \\\n\t'updates/dkms/dep_b.ko' \\\n\t'updates/dkms/dep_a.ko'\n"
				     "exit $status\n"));
	cmd = xasprintf("sh -n '%s'", Q("%s/install/update.post", base));
	assert_int_equal(system(cmd), 0);
}

/* Two kernels per arch on an ISO: the tree stays within ISO 9660's 8 levels. */
static void test_suse_fits_an_iso(void **state)
{
	_cleanup_free_ char *work = P("work-iso");
	_cleanup_(payload_releasep) struct payload p = PAYLOAD_INIT;
	struct dud_request req = request("sles15,sled15", work, DUD_MEDIUM_ISO);
	_cleanup_free_ char *why = NULL;

	assert_int_equal(mkdir_p(work, 0755), 0);
	assert_int_equal(dud_format_suse.make(&req, &p), 0);
	assert_int_equal(medium_iso_check_tree(&p, &why), 0);
	assert_null(why);
	for (size_t i = 0; i < p.n; i++) {
		size_t levels = 1;

		for (const char *c = p.entries[i].path; *c; c++)
			levels += *c == '/';
		if (levels > 6)
			fail_msg("%s: %zu levels", p.entries[i].path, levels);
	}
}

static void test_suse_floppy_copies(void **state)
{
	_cleanup_free_ char *root = make_suse_tree("floppy", "leap15.6,tw", DUD_MEDIUM_FLOPPY);
	_cleanup_free_ char *p = xasprintf("%s/linux/suse/x86_64-tw", root);
	_cleanup_free_ char *q = xasprintf("%s/linux/suse/x86_64-tw/dud.config", root);

	assert_false(is_symlink(p));
	assert_true(is_file(q));
}

static void test_suse_check_good(void **state)
{
	_cleanup_free_ char *root = make_suse_tree("good", "sles15", DUD_MEDIUM_CPIO);
	struct dud_report rep;

	/* the installer's kernel: modules/ in load order, and install/ for the target */
	check_tree(root, KD, "x86_64", &rep);
	assert_int_equal(rep.problems.n, 0);
	assert_int_equal(rep.drivers.n, 4);
	assert_string_equal(rep.drivers.v[0], "dep_a (linux/suse/x86_64-sles15/modules/dep_a.ko)");
	assert_string_equal(rep.drivers.v[1], "dep_b (linux/suse/x86_64-sles15/modules/dep_b.ko)");
	assert_string_equal(rep.drivers.v[2], "dep_a (linux/suse/x86_64-sles15/install/" KD
					      "/dep_a.ko, for the installed system)");
	assert_string_equal(rep.drivers.v[3], "dep_b (linux/suse/x86_64-sles15/install/" KD
					      "/dep_b.ko, for the installed system)");
	dud_report_release(&rep);

	/* the first -k's modules are not on modules/: only update.post installs them */
	check_tree(root, K1, "x86_64", &rep);
	assert_int_equal(rep.problems.n, 0);
	assert_int_equal(rep.drivers.n, 2);
	assert_string_equal(rep.drivers.v[0], "dep_a (linux/suse/x86_64-sles15/install/" K1
					      "/dep_a.ko, for the installed system)");
	assert_string_equal(rep.drivers.v[1], "dep_b (linux/suse/x86_64-sles15/install/" K1
					      "/dep_b.ko, for the installed system)");
	assert_true(strv_contains(&rep.notes, "linux/suse/x86_64-sles15/modules/dep_a.ko: built for kernel "
					      KD ", not " K1));
	dud_report_release(&rep);

	check_tree(root, KA, "aarch64", &rep);
	assert_int_equal(rep.problems.n, 0);
	assert_int_equal(rep.drivers.n, 4);
	dud_report_release(&rep);

	/* any kernel: modules/ and every kernel of install/ */
	check_tree(root, NULL, "x86_64", &rep);
	assert_int_equal(rep.problems.n, 0);
	assert_int_equal(rep.drivers.n, 6);
	dud_report_release(&rep);

	check_tree(root, NULL, "ppc64le", &rep);
	assert_int_equal(rep.problems.n, 1);
	assert_string_equal(rep.problems.v[0], "linux/suse: no <arch>-<dist> directory for ppc64le");
	dud_report_release(&rep);
}

/* Run a shell command in the test dir. */
static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf cmd = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&cmd, "cd '%s' && ", F.dir);
	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd.buf), 0);
}

static void test_suse_check_broken(void **state)
{
	_cleanup_free_ char *root = make_suse_tree("broken", "sles15", DUD_MEDIUM_CPIO);
	struct dud_report rep;
	const char *d = "broken/linux/suse/x86_64-sles15";

	sh("sed -i '/^UpdateID/d; s/^UpdatePriority:.*/UpdatePriority:\\tsoon/' %s/dud.config", d);
	sh("printf 'UpdateName:\\t%%01100d\\n' 0 >>%s/dud.config", d);
	sh("echo 'Lonely' >>%s/dud.config", d);
	sh("echo missing_mod >>%s/modules/module.order", d);
	sh("echo hi >%s/modules/README.txt && cp %s/modules/dep_a.ko %s/modules/extra.ko.bz2", d, d, d);
	sh("chmod 0644 %s/install/update.post && echo 'echo' >%s/install/update.pre && chmod +x %s/install/update.pre", d, d, d);
	sh("mkdir broken/linux/suse/x86_64-sles15sp4 broken/linux/suse/armv7l-sles15");
	sh("cp %s %s/install/" KD "/wrong.ko", F.kernels[0].modules[1].path, d);
	check_tree(root, KD, "x86_64", &rep);
	assert_int_equal(rep.problems.n, 11);
	assert_string_equal(rep.problems.v[0], "linux/suse/armv7l-sles15: not an <arch>-<dist> directory linuxrc looks for (e.g. x86_64-sles15)");
	assert_string_equal(rep.problems.v[1], "linux/suse/x86_64-sles15/dud.config: line 2: UpdatePriority 'soon' is not a number");
	assert_string_equal(rep.problems.v[2], "linux/suse/x86_64-sles15/dud.config: line 4 is 1113 bytes, linuxrc reads at most 1023");
	assert_string_equal(rep.problems.v[3], "linux/suse/x86_64-sles15/dud.config: line 5: 'Lonely' has no value (Key: value)");
	assert_string_equal(rep.problems.v[4], "linux/suse/x86_64-sles15/dud.config: no UpdateID (linuxrc tells updates apart by it)");
	assert_string_equal(rep.problems.v[5], "linux/suse/x86_64-sles15/modules/README.txt: not a module file linuxrc loads (.ko, .ko.xz, .ko.gz, .ko.zst)");
	assert_string_equal(rep.problems.v[6], "linux/suse/x86_64-sles15/modules/extra.ko.bz2: not a module file linuxrc loads (.ko, .ko.xz, .ko.gz, .ko.zst)");
	assert_string_equal(rep.problems.v[7], "linux/suse/x86_64-sles15/modules/module.order: missing_mod is listed, but there is no modules/missing_mod.ko[.xz|.gz|.zst]");
	assert_string_equal(rep.problems.v[8], "linux/suse/x86_64-sles15/install/update.pre: does not start with #!");
	assert_string_equal(rep.problems.v[9], "linux/suse/x86_64-sles15/install/" KD "/wrong.ko: built for kernel " K1);
	assert_string_equal(rep.problems.v[10], "linux/suse/x86_64-sles15sp4: not an <arch>-<dist> directory linuxrc looks for (e.g. x86_64-sles15)");
	/* linuxrc chmods update.* itself: a FAT floppy has no x bits */
	assert_true(strv_contains(&rep.notes, "linux/suse/x86_64-sles15/install/update.post: not executable (linuxrc makes it so)"));
	/* what can still be loaded or installed is listed */
	assert_int_equal(rep.drivers.n, 4);
	dud_report_release(&rep);

	/* a tree for another arch only */
	sh("mv %s broken/linux/suse/aarch64-sles15 && rm -r broken/linux/suse/*86* broken/linux/suse/armv7l-sles15", d);
	check_tree(root, KD, "x86_64", &rep);
	assert_int_equal(rep.problems.n, 1);
	assert_string_equal(rep.problems.v[0], "linux/suse: no <arch>-<dist> directory for x86_64");
	dud_report_release(&rep);

	sh("rm -r broken/linux");
	check_tree(root, NULL, NULL, &rep);
	assert_int_equal(rep.problems.n, 1);
	assert_string_equal(rep.problems.v[0], "linux/suse: missing (not a SUSE driver update)");
	assert_false(dud_format_suse.detect(root));
	dud_report_release(&rep);
}

/*
 * update.post as YaST runs it (its install dir as $1), with /lib/modules
 * moved under the test dir and a depmod that logs its arguments: the
 * installed kernel gets its modules and a depmod, the missing one is skipped.
 */
static void test_suse_update_post_runs(void **state)
{
	_cleanup_free_ char *root = make_suse_tree("post", "sles15", DUD_MEDIUM_CPIO);
	const char *inst = "post/linux/suse/x86_64-sles15/install";

	sh("mkdir -p sys/lib/modules/" K1 " bin && printf '#!/bin/sh\\necho \"$*\" >>\"%s/depmod.log\"\\n' >bin/depmod"
	   " && chmod +x bin/depmod", F.dir);
	sh("sed 's|\"/lib/modules/|\"%s/sys/lib/modules/|g' %s/update.post >update.post.t", F.dir, inst);
	sh("PATH=\"%s/bin:$PATH\" sh update.post.t \"%s/%s\" 2>post.err", F.dir, F.dir, inst);
	assert_int_equal(files_equal(Q("sys/lib/modules/" K1 "/updates/dep_b.ko"), F.kernels[0].modules[0].path), 1);
	assert_int_equal(files_equal(Q("sys/lib/modules/" K1 "/updates/dkms/dep_a.ko"), F.kernels[0].modules[1].path), 1);
	assert_false(path_exists(Q("sys/lib/modules/" KD)));
	sh("test \"$(cat depmod.log)\" = '-a " K1 "'");
	sh("test \"$(cat post.err)\" = 'dkms: kernel " KD " is not installed, its modules are skipped'");
	/* a copy that fails is an exit status of 1, after the other kernels were done */
	sh("rm -r sys/lib/modules/" K1 "/updates && touch sys/lib/modules/" K1 "/updates && mkdir sys/lib/modules/" KD);
	sh("PATH=\"%s/bin:$PATH\" sh update.post.t \"%s/%s\" 2>/dev/null; test $? = 1", F.dir, F.dir, inst);
	assert_true(is_file(Q("sys/lib/modules/" KD "/updates/dkms/dep_b.ko")));
}

static void test_suse_bad_requests(void **state)
{
	_cleanup_free_ char *work = P("work-bad");
	_cleanup_(payload_releasep) struct payload p = PAYLOAD_INIT;
	struct dud_request req = request(NULL, work, DUD_MEDIUM_CPIO);

	assert_int_equal(dud_format_suse.make(&req, &p), -EINVAL);
	assert_non_null(strstr(err_text(), "The suse driver disk needs -r <dist>"));
	capture_reopen(&F.ctx, &F.cap);
	req.release = "sles15,sles15sp4";
	assert_int_equal(dud_format_suse.make(&req, &p), -EINVAL);
	assert_non_null(strstr(err_text(), "Invalid SUSE release 'sles15sp4'"));
	capture_reopen(&F.ctx, &F.cap);
	/* the same verdicts before anything is built */
	assert_int_equal(dud_format_suse.check_release(&F.ctx, "sles15,sled15,tw"), 0);
	assert_int_equal(dud_format_suse.check_release(&F.ctx, "leap15"), -EINVAL);
	assert_non_null(strstr(err_text(), "Invalid SUSE release 'leap15'"));
	assert_int_equal(dud_format_suse.check_release(&F.ctx, NULL), -EINVAL);
	capture_reopen(&F.ctx, &F.cap);
	req.release = "sles15";
	free(F.kernels[2].arch);
	F.kernels[2].arch = xstrdup("armv7l");
	assert_int_equal(dud_format_suse.make(&req, &p), -EINVAL);
	assert_non_null(strstr(err_text(), "SUSE installers know no architecture armv7l (kernel " KA ")"));
	free(F.kernels[2].arch);
	F.kernels[2].arch = xstrdup("aarch64");
	capture_reopen(&F.ctx, &F.cap);
}

/* ---- Ubuntu ---- */

static char *make_ubuntu_tree(const char *name, const char *release)
{
	_cleanup_free_ char *work = P("work-%s", name);
	_cleanup_(payload_releasep) struct payload p = PAYLOAD_INIT;
	struct dud_request req = request(release, work, DUD_MEDIUM_ISO);
	char *root = P("%s", name);

	assert_int_equal(mkdir_p(work, 0755), 0);
	assert_int_equal(dud_format_ubuntu.make(&req, &p), 0);
	payload_sort(&p);
	assert_int_equal(payload_write_tree(&p, root), 0);
	return root;
}

static void test_ubuntu(void **state)
{
	_cleanup_free_ char *root = make_ubuntu_tree("ubuntu", "jammy");
	_cleanup_free_ char *deb = xasprintf("%s/ubuntu-drivers/jammy/testpkg-modules-" K1 "_1.0_amd64.deb", root);
	_cleanup_free_ char *arm = xasprintf("%s/ubuntu-drivers/jammy/testpkg-modules-" KA "_1.0_arm64.deb", root);
	struct dud_check_opts o = { K1, "x86_64" };
	struct dud_report rep = { 0 };

	assert_true(is_file(deb));
	assert_true(is_file(arm));
	assert_true(dud_format_ubuntu.detect(root));
	assert_false(dud_format_suse.detect(root));
	assert_int_equal(dud_format_ubuntu.check(root, &o, &rep), 0);
	/* the arm64 package is one the amd64 installer skips */
	assert_int_equal(rep.problems.n, 1);
	assert_string_equal(rep.problems.v[0], "ubuntu-drivers/jammy/testpkg-modules-" KA "_1.0_arm64.deb: "
					       "Architecture arm64, the installer takes amd64 or all");
	assert_int_equal(rep.drivers.n, 2);
	/* Ubuntu's dkms destination for the module dkms.conf sends to /extra */
	assert_string_equal(rep.drivers.v[0], "dep_a (ubuntu-drivers/jammy/testpkg-modules-" K1
					      "_1.0_amd64.deb: lib/modules/" K1 "/updates/dkms/dep_a.ko)");
	assert_string_equal(rep.drivers.v[1], "dep_b (ubuntu-drivers/jammy/testpkg-modules-" K1
					      "_1.0_amd64.deb: lib/modules/" K1 "/updates/dkms/dep_b.ko)");
	dud_report_release(&rep);

	/* dpkg-deb's default xz control member: the installer cannot read it */
	sh("mkdir -p x/DEBIAN && printf 'Package: x\\nVersion: 1\\nArchitecture: amd64\\n"
	   "Maintainer: t <t@t>\\nDescription: x\\n' >x/DEBIAN/control && "
	   "dpkg-deb -Zxz --build x ubuntu/ubuntu-drivers/jammy/x_1_amd64.deb >/dev/null && "
	   "mkdir ubuntu/ubuntu-drivers/noble");
	o.kernelver = NULL;
	assert_int_equal(dud_format_ubuntu.check(root, &o, &rep), 0);
	assert_int_equal(rep.problems.n, 3);
	assert_string_equal(rep.problems.v[1], "ubuntu-drivers/jammy/x_1_amd64.deb: control member is "
					       "control.tar.xz, the installer reads only control.tar.gz");
	assert_string_equal(rep.problems.v[2], "ubuntu-drivers/noble: no .deb or .udeb");
	/* no kernel asked: the modules for every kernel */
	assert_int_equal(rep.drivers.n, 6);
	dud_report_release(&rep);
}

static void test_ubuntu_codename(void **state)
{
	_cleanup_free_ char *osr = P("os-release");
	_cleanup_free_ char *work = P("work-cn");
	_cleanup_(payload_releasep) struct payload p = PAYLOAD_INIT;
	struct dud_request req = request(NULL, work, DUD_MEDIUM_ISO);

	req.n_kernels = 1;
	assert_int_equal(mkdir_p(work, 0755), 0);
	assert_int_equal(write_file_str(osr, "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_CODENAME=noble\n"
					     "UBUNTU_CODENAME=noble\n"), 0);
	free(F.ctx.os_release);
	F.ctx.os_release = xstrdup(osr);
	assert_int_equal(dud_format_ubuntu.make(&req, &p), 0);
	assert_non_null(payload_find(&p, "ubuntu-drivers/noble/testpkg-modules-" K1 "_1.0_amd64.deb"));
	payload_release(&p);
	assert_int_equal(dud_format_ubuntu.check_release(&F.ctx, NULL), 0);

	assert_int_equal(write_file_str(osr, "ID=debian\nVERSION_CODENAME=bookworm\n"), 0);
	assert_int_equal(dud_format_ubuntu.make(&req, &p), -EINVAL);
	assert_non_null(strstr(err_text(), "The ubuntu driver disk needs -r <codename>"));
	assert_int_equal(dud_format_ubuntu.check_release(&F.ctx, NULL), -EINVAL);
	assert_int_equal(dud_format_ubuntu.check_release(&F.ctx, "jammy"), 0);
	capture_reopen(&F.ctx, &F.cap);
	req.release = "Jammy";
	assert_int_equal(dud_format_ubuntu.make(&req, &p), -EINVAL);
	assert_non_null(strstr(err_text(), "Invalid Ubuntu codename 'Jammy'"));
	capture_reopen(&F.ctx, &F.cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_suse_layout),
		cmocka_unit_test(test_suse_fits_an_iso),
		cmocka_unit_test(test_suse_floppy_copies),
		cmocka_unit_test(test_suse_check_good),
		cmocka_unit_test(test_suse_check_broken),
		cmocka_unit_test(test_suse_update_post_runs),
		cmocka_unit_test(test_suse_bad_requests),
		cmocka_unit_test(test_ubuntu),
		cmocka_unit_test(test_ubuntu_codename),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
