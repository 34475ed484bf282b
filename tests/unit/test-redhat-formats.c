// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Red Hat formats end to end below the command line: make() with real
 * rpmbuild and createrepo_c on a module object (an ELF with a .modinfo
 * section, compiled here), payload_write_tree(), then the format's own
 * check() as the installer would judge the tree, read back with real
 * `rpm -qp`. Then broken trees the check must reject.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "codec/compress.h"
#include "codec/cpio.h"
#include "formats/format.h"
#include "formats/kmod-rpm.h"
#include "formats/rpm-header.h"
#include "formats/rpmbuild.h"
#include "testlib.h"
#include "util/fileio.h"
#include "util/spawn.h"

#define KVER "6.1.0-56-amd64"
#define KPROVIDE "6.1.0-56.amd64"
#define RPM_FILE "kmod-fake_raid-" KVER "-2.5-1.x86_64.rpm"
#define RPM_REL "rpms/x86_64/" RPM_FILE

static const char modinfo_c[] =
	"#define MI(x) __attribute__((section(\".modinfo\"), used, aligned(1))) "
	"static const char _mi_##x[]\n"
	"MI(a)=\"alias=pci:v00001000d0000005Bsv*sd*bc*sc*i*\";\n"
	"MI(b)=\"alias=pci:v00001000d00000060sv00001028sd00001F0Abc01sc04i00\";\n"
	"MI(c)=\"alias=pci:v*d*sv*sd*bc01sc04i*\";\n"
	"MI(d)=\"depends=scsi_mod,scsi_transport_sas\";\n"
	"MI(e)=\"description=Fake RAID SAS driver\";\n"
	"MI(f)=\"license=GPL\";\n"
	"MI(g)=\"vermagic=" KVER " SMP preempt mod_unload modversions \";\n"
	"MI(h)=\"name=fake_raid\";\n";

struct fixture {
	char *dir;
	struct dkms_ctx ctx;
	struct captured cap;
	struct dud_module module;
	struct dud_kernel kernel;
	struct dud_request req;
	bool have_tools;
};

static struct fixture fx;

static bool have(const char *prog)
{
	_cleanup_free_ char *p = find_program(prog);

	return p != NULL;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-redhat-formats.XXXXXX";
	_cleanup_free_ char *src = NULL, *cmd = NULL, *moddir = NULL;

	assert_non_null(mkdtemp(tmpl));
	fx.dir = xstrdup(tmpl);
	dkms_ctx_init(&fx.ctx);
	fx.ctx.dkms_tree = xasprintf("%s/tree", fx.dir);
	fx.ctx.tmp_location = xstrdup(fx.dir);
	capture_reopen(&fx.ctx, &fx.cap);
	fx.have_tools = have("rpmbuild") && have("createrepo_c") && have("rpm") && have("cc");
	if (!fx.have_tools)
		return 0;

	/* where dkms keeps a built module: <tree>/m/v/k/arch/module/ */
	moddir = xasprintf("%s/fake_raid/2.5/" KVER "/x86_64/module", fx.ctx.dkms_tree);
	assert_int_equal(mkdir_p(moddir, 0755), 0);
	src = xasprintf("%s/fake_raid.c", fx.dir);
	assert_int_equal(write_file_str(src, modinfo_c), 0);
	fx.module.name = xstrdup("fake_raid");
	fx.module.path = xasprintf("%s/fake_raid.ko", moddir);
	fx.module.dest = xstrdup("/extra");
	cmd = xasprintf("cc -c -o %s %s", fx.module.path, src);
	assert_int_equal(system(cmd), 0);
	fx.kernel.kernelver = xstrdup(KVER);
	fx.kernel.arch = xstrdup("x86_64");
	fx.kernel.modules = &fx.module;
	fx.kernel.n_modules = 1;
	fx.req.ctx = &fx.ctx;
	fx.req.module = "fake_raid";
	fx.req.version = "2.5";
	fx.req.source_dir = fx.dir;
	fx.req.kernels = &fx.kernel;
	fx.req.n_kernels = 1;
	return 0;
}

static int teardown(void **state)
{
	rm_rf(fx.dir);
	free(fx.dir);
	free(fx.module.name);
	free(fx.module.path);
	free(fx.module.dest);
	free(fx.kernel.kernelver);
	free(fx.kernel.arch);
	capture_close(&fx.ctx, &fx.cap);
	dkms_ctx_release(&fx.ctx);
	return 0;
}

/* A fresh work dir and output tree for one make(). */
static char *fresh(const char *name)
{
	_cleanup_free_ char *work = xasprintf("%s/%s.work", fx.dir, name);

	rm_rf(work);
	assert_int_equal(mkdir_p(work, 0700), 0);
	fx.req.workdir = work;
	(void)TAKE_PTR(work);
	return xasprintf("%s/%s.tree", fx.dir, name);
}

/* Make the format's payload and write it out at a new tree. */
static char *make_tree(const char *format, const char *name)
{
	const struct dud_format *f = dud_format_find(format);
	_cleanup_payload_ struct payload p = PAYLOAD_INIT;
	char *tree = fresh(name);
	int r;

	assert_non_null(f);
	capture_reopen(&fx.ctx, &fx.cap);
	r = f->make(&fx.req, &p);
	if (r < 0)
		fail_msg("%s make: %s\n%s", format, strerror(-r), fx.cap.err_text ? fx.cap.err_text : "");
	assert_int_equal(payload_write_tree(&p, tree), 0);
	free((char *)fx.req.workdir);
	fx.req.workdir = NULL;
	return tree;
}

/* check() for kernelver/arch: problems and drivers joined by "\n". */
static void check_tree(const char *format, const char *tree, const char *kernelver,
		       const char *arch, char **ret_problems, char **ret_drivers)
{
	const struct dud_format *f = dud_format_find(format);
	struct dud_check_opts o = { .kernelver = kernelver, .arch = arch };
	struct dud_report rep = { 0 };

	assert_true(f->detect(tree));
	assert_int_equal(f->check(tree, &o, &rep), 0);
	*ret_problems = strv_join(&rep.problems, "\n");
	*ret_drivers = strv_join(&rep.drivers, "\n");
	dud_report_release(&rep);
}

static char *run_capture(const char *const *argv)
{
	struct strbuf out = STRBUF_INIT;
	struct child c = CHILD_INIT;

	for (size_t i = 0; argv[i]; i++)
		strv_push(&c.args, argv[i]);
	c.capture = &out;
	assert_int_equal(child_run(&c), 0);
	child_release(&c);
	return strbuf_detach(&out);
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack ? haystack : "", needle))
		fail_msg("\"%s\" not in:\n%s", needle, haystack ? haystack : "(null)");
}

static void test_kernel_provide(void **state)
{
	_cleanup_free_ char *deb = kmod_rpm_kernel_provide("6.1.0-56-amd64");
	_cleanup_free_ char *rh = kmod_rpm_kernel_provide("5.14.0-362.el9.x86_64");
	_cleanup_free_ char *plain = kmod_rpm_kernel_provide("6.18.0+");
	_cleanup_free_ char *name = kmod_rpm_name("a/b%c", "6.1.0-56-amd64");

	assert_string_equal(deb, "6.1.0-56.amd64");
	assert_string_equal(rh, "5.14.0-362.el9.x86_64");
	assert_string_equal(plain, "6.18.0+");
	assert_string_equal(name, "kmod-a_b_c-6.1.0-56-amd64");
}

static void test_ddv3(void **state)
{
	_cleanup_free_ char *tree = NULL, *problems = NULL, *drivers = NULL, *rpm_path = NULL;
	_cleanup_free_ char *rhdd3 = NULL, *repomd = NULL, *qp = NULL;
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	struct rpm_header h;

	if (!fx.have_tools) {
		skip();
		return;
	}
	tree = make_tree("redhat", "ddv3");
	rhdd3 = xasprintf("%s/rhdd3", tree);
	assert_int_equal(read_file(rhdd3, &text), 0);
	assert_string_equal(text.buf, "fake_raid-2.5 driver disk\n");
	repomd = xasprintf("%s/rpms/x86_64/repodata/repomd.xml", tree);
	assert_true(is_file(repomd));
	rpm_path = xasprintf("%s/" RPM_REL, tree);
	assert_true(is_file(rpm_path));

	/* what real rpm reads, and our reader agrees */
	{
		const char *argv[] = { "rpm", "-qp", "--nosignature", "--nodigest",
				       "--qf", "%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\\n",
				       "--provides", "--list", rpm_path, NULL };

		qp = run_capture(argv);
	}
	assert_string_equal(qp, "kmod-fake_raid-" KVER " 2.5-1 x86_64\n"
				"kernel-modules = " KPROVIDE "\n"
				"kmod-fake_raid = 2.5-1\n"
				"kmod-fake_raid-" KVER " = 2.5-1\n"
				"kmod-fake_raid-" KVER "(x86-64) = 2.5-1\n"
				"/etc/depmod.d/fake_raid.conf\n"
				"/lib/modules/" KVER "/extra/fake_raid\n"
				"/lib/modules/" KVER "/extra/fake_raid/fake_raid.ko\n");
	assert_int_equal(rpm_header_read(rpm_path, &h), 0);
	assert_string_equal(h.name, "kmod-fake_raid-" KVER);
	assert_string_equal(h.payload_compressor, "gzip");
	assert_string_equal(h.provides[0].name, "kernel-modules");
	assert_string_equal(h.provides[0].version, KPROVIDE);
	assert_int_equal(h.provides[0].flags & 0xe, 8);
	assert_int_equal(h.files.n, 3); /* the depmod.d override, the dir, the module */
	assert_string_equal(h.files.v[2], "/lib/modules/" KVER "/extra/fake_raid/fake_raid.ko");
	assert_contains(h.description, "fake_raid: Fake RAID SAS driver");
	rpm_header_release(&h);

	check_tree("redhat", tree, KVER, "x86_64", &problems, &drivers);
	assert_string_equal(problems, "");
	assert_string_equal(drivers, "fake_raid (" RPM_REL ")");
	free(problems), free(drivers);

	/* any kernel: the drivers the disk serves */
	check_tree("redhat", tree, NULL, NULL, &problems, &drivers);
	assert_string_equal(problems, "");
	assert_string_equal(drivers, "fake_raid (" RPM_REL ")");
	free(problems), free(drivers);

	/* a kernel the disk does not serve: one Provide equals one uname -r */
	check_tree("redhat", tree, "6.1.0-57-amd64", "x86_64", &problems, &drivers);
	assert_string_equal(problems, "rpms/x86_64: no RPM provides kernel-modules for 6.1.0-57-amd64, "
				      "so the installer loads nothing from this disk (it serves: = " KPROVIDE ")");
	assert_string_equal(drivers, "");
	free(problems), free(drivers);

	/* another architecture's installer */
	check_tree("redhat", tree, KVER, "aarch64", &problems, &drivers);
	assert_string_equal(problems, "rpms/aarch64: missing (the installer reads rpms/<uname -m>/; "
				      "this disk has other architectures only)");
	assert_string_equal(drivers, "");
}

static void test_ddv3_broken(void **state)
{
	_cleanup_free_ char *tree = NULL, *problems = NULL, *drivers = NULL, *path = NULL;
	_cleanup_free_ char *sub = NULL, *moved = NULL;

	if (!fx.have_tools) {
		skip();
		return;
	}
	tree = make_tree("redhat", "broken");
	path = xasprintf("%s/rhdd3", tree);

	/* an empty rhdd3: the RHEL 6 loader refuses it */
	assert_int_equal(write_file_str(path, ""), 0);
	check_tree("redhat", tree, KVER, NULL, &problems, &drivers);
	assert_string_equal(problems, "rhdd3: empty (the RHEL 6 loader refuses an empty rhdd3)");
	free(problems), free(drivers);

	/* no rhdd3 at all: dracut does not see a repository */
	assert_int_equal(unlink(path), 0);
	check_tree("redhat", tree, KVER, NULL, &problems, &drivers);
	assert_string_equal(problems, "rhdd3: missing (anaconda takes a directory for a driver repository "
				      "only when a file rhdd3 is beside rpms/)");
	free(problems), free(drivers);
	assert_int_equal(write_file_str(path, "x\n"), 0);

	/* the RPM one directory down: dd_list never sees it */
	sub = xasprintf("%s/rpms/x86_64/extra", tree);
	assert_int_equal(mkdir_p(sub, 0755), 0);
	free(path);
	path = xasprintf("%s/" RPM_REL, tree);
	moved = xasprintf("%s/" RPM_FILE, sub);
	assert_int_equal(rename(path, moved), 0);
	check_tree("redhat", tree, KVER, NULL, &problems, &drivers);
	assert_string_equal(problems, "rpms/x86_64/extra/" RPM_FILE ": not directly in rpms/x86_64/ "
				      "(dd_list does not look in subdirectories)\n"
				      "rpms/x86_64: holds no RPM\n"
				      "rpms/x86_64: no RPM provides kernel-modules for " KVER ", so the installer "
				      "loads nothing from this disk (it serves: no kernel)");
	assert_string_equal(drivers, "");
}

/*
 * checkdisk reads RPMs from disks it did not make: every truncation of a
 * real header is an error, and damaged bytes give a result or an error,
 * never a read out of bounds (run it under ASan: make DEVELOPER=1).
 */
static void test_rpm_header_damaged(void **state)
{
	_cleanup_free_ char *tree = NULL, *path = NULL;
	_cleanup_strbuf_ struct strbuf rpm = STRBUF_INIT;
	unsigned seed = 7;
	size_t header_end = 0;
	struct rpm_header h;

	if (!fx.have_tools) {
		skip();
		return;
	}
	tree = make_tree("redhat", "damaged");
	path = xasprintf("%s/" RPM_REL, tree);
	assert_int_equal(read_file(path, &rpm), 0);
	assert_int_equal(rpm_header_parse(rpm.buf, rpm.len, &h), 0);
	rpm_header_release(&h);
	/* the shortest prefix that parses is where the header ends */
	for (size_t len = 0; len <= rpm.len; len++) {
		int r = rpm_header_parse(rpm.buf, len, &h);

		if (r == 0) {
			rpm_header_release(&h);
			header_end = len;
			break;
		}
		assert_true(r == -EMEDIUMTYPE || r == -EBADMSG);
	}
	assert_true(header_end > 96 && header_end < rpm.len);
	for (int i = 0; i < 20000; i++) {
		_cleanup_free_ char *copy = xmalloc(header_end);
		size_t at = (size_t)rand_r(&seed) % header_end;

		memcpy(copy, rpm.buf, header_end);
		copy[at] ^= (char)(1 + rand_r(&seed) % 255);
		if (rpm_header_parse(copy, header_end, &h) == 0)
			rpm_header_release(&h);
	}
}

/* An RPM with an unversioned `Provides: kernel-modules`, made by rpmbuild. */
static void test_ddv3_unversioned(void **state)
{
	_cleanup_free_ char *tree = NULL, *problems = NULL, *drivers = NULL, *work = NULL;
	_cleanup_free_ char *stage = NULL, *ko = NULL, *log = NULL, *outdir = NULL, *built = NULL;
	_cleanup_free_ char *old = NULL, *repo = NULL;
	struct rpmbuild_job job = { 0 };

	if (!fx.have_tools) {
		skip();
		return;
	}
	tree = make_tree("redhat", "unversioned");
	work = xasprintf("%s/unversioned.rpmwork", fx.dir);
	stage = rpmbuild_stage_dir(work);
	ko = xasprintf("%s/lib/modules/" KVER "/extra/fake_raid/fake_raid.ko", stage);
	assert_int_equal(mkdir_p(ko, 0755), 0);
	assert_int_equal(rmdir(ko), 0);
	assert_int_equal(copy_file(fx.module.path, ko), 0);
	log = xasprintf("%s/rpmbuild.log", fx.dir);
	outdir = xasprintf("%s/rpms/x86_64", tree);
	job.what = "kmod-fake_raid";
	job.spec = "Name: kmod-fake_raid\nVersion: 2.5\nRelease: 1\nSummary: s\nLicense: GPL\n"
		   "AutoReqProv: no\nProvides: kernel-modules\n\n%description\nd\n\n"
		   "%files\n/lib/modules/" KVER "/extra/fake_raid\n";
	job.target = "x86_64";
	job.workdir = work;
	job.log = log;
	job.outdir = outdir;
	assert_int_equal(rpmbuild_run(&fx.ctx, &job, &built), 0);
	old = xasprintf("%s/" RPM_REL, tree);
	assert_int_equal(unlink(old), 0);
	repo = xasprintf("createrepo_c --quiet --update %s", outdir);
	assert_int_equal(system(repo), 0);
	check_tree("redhat", tree, KVER, NULL, &problems, &drivers);
	assert_string_equal(problems, "rpms/x86_64/kmod-fake_raid-2.5-1.x86_64.rpm: Provides kernel-modules "
				      "without a version: dd_list never matches it to any kernel\n"
				      "rpms/x86_64: no RPM provides kernel-modules for " KVER ", so the installer "
				      "loads nothing from this disk (it serves: no kernel)");
	assert_string_equal(drivers, "");
	free(problems), free(drivers);
	/* asked for no kernel in particular: it serves none either */
	check_tree("redhat", tree, NULL, NULL, &problems, &drivers);
	assert_string_equal(problems, "rpms/x86_64/kmod-fake_raid-2.5-1.x86_64.rpm: Provides kernel-modules "
				      "without a version: dd_list never matches it to any kernel");
	assert_string_equal(drivers, "");
}

/* Two RPMs selected for one kernel carrying one module: anaconda copies both to one file. */
static void test_ddv3_duplicate(void **state)
{
	_cleanup_free_ char *tree = NULL, *problems = NULL, *drivers = NULL, *rpm = NULL, *copy = NULL;

	if (!fx.have_tools) {
		skip();
		return;
	}
	tree = make_tree("redhat", "duplicate");
	rpm = xasprintf("%s/" RPM_REL, tree);
	copy = xasprintf("%s/rpms/x86_64/zz-copy.rpm", tree);
	assert_int_equal(copy_file(rpm, copy), 0);
	check_tree("redhat", tree, KVER, NULL, &problems, &drivers);
	assert_string_equal(problems, "rpms/x86_64/zz-copy.rpm: fake_raid also comes from another selected "
				      "RPM; the installer copies both to the same place");
	assert_string_equal(drivers, "fake_raid (" RPM_REL ")\nfake_raid (rpms/x86_64/zz-copy.rpm)");
}

/* path's lines, sorted, joined by "\n" (the module's alias order is the linker's). */
static char *sorted_lines(const char *path)
{
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	_cleanup_strv_ struct strv lines = STRV_INIT;

	assert_int_equal(read_file(path, &text), 0);
	strv_split(&lines, text.buf, "\n");
	strv_sort(&lines);
	return strv_join(&lines, "\n");
}

static char *file_text(const char *tree, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", tree, name);
	struct strbuf text = STRBUF_INIT;

	assert_int_equal(read_file(path, &text), 0);
	return strbuf_detach(&text);
}

static void assert_file(const char *tree, const char *name, const char *want)
{
	_cleanup_free_ char *text = file_text(tree, name);

	assert_string_equal(text, want);
}

static void assert_sorted_file(const char *tree, const char *name, const char *want)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", tree, name);
	_cleanup_free_ char *text = sorted_lines(path);

	assert_string_equal(text, want);
}

/* GNU cpio's listing of a modules.cgz. */
static char *cgz_members(const char *tree)
{
	_cleanup_free_ char *cmd = xasprintf("gzip -dc %s/modules.cgz | cpio -it --quiet", tree);
	const char *argv[] = { "sh", "-c", cmd, NULL };

	return run_capture(argv);
}

static void test_legacy_v1(void **state)
{
	_cleanup_free_ char *tree = NULL, *problems = NULL, *drivers = NULL, *members = NULL;

	if (!fx.have_tools) {
		skip();
		return;
	}
	tree = make_tree("redhat2", "rhdd");
	assert_file(tree, "rhdd", "fake_raid-2.5 driver disk\n");
	assert_file(tree, "modinfo", "Version 0\nfake_raid\n\tscsi\n\t\"Fake RAID SAS driver\"\n");
	assert_file(tree, "modules.dep", "fake_raid: scsi_mod scsi_transport_sas\n");
	assert_sorted_file(tree, "modules.alias",
			   "alias pci:v*d*sv*sd*bc01sc04i* fake_raid\n"
			   "alias pci:v00001000d0000005Bsv*sd*bc*sc*i* fake_raid\n"
			   "alias pci:v00001000d00000060sv00001028sd00001F0Abc01sc04i00 fake_raid");
	/* sub ids only where the alias has both; no line for the class-only alias */
	assert_sorted_file(tree, "pcitable",
			   "0x1000\t0x005b\t\"fake_raid\"\t\"Fake RAID SAS driver\"\n"
			   "0x1000\t0x0060\t0x1028\t0x1f0a\t\"fake_raid\"\t\"Fake RAID SAS driver\"");
	assert_sorted_file(tree, "modules.pcimap",
			   "# pci module vendor device subvendor subdevice class class_mask\n"
			   "fake_raid 0x00001000 0x0000005b 0xffffffff 0xffffffff 0x00000000 0x00000000\n"
			   "fake_raid 0x00001000 0x00000060 0x00001028 0x00001f0a 0x00010400 0x00ffffff");
	members = cgz_members(tree);
	assert_string_equal(members, KVER "\n" KVER "/x86_64\n" KVER "/x86_64/fake_raid.ko\n");

	check_tree("redhat2", tree, KVER, "x86_64", &problems, &drivers);
	assert_string_equal(problems, "");
	assert_string_equal(drivers, "fake_raid (modules.cgz: " KVER "/x86_64/fake_raid.ko)");
	free(problems), free(drivers);

	check_tree("redhat2", tree, "2.6.18-8.el5", "i386", &problems, &drivers);
	assert_string_equal(problems, "modules.cgz: nothing for kernel 2.6.18-8.el5 (i386): the loader "
				      "looks for 2.6.18-8.el5/i386/<module>.ko");
	assert_string_equal(drivers, "");
}

static void test_legacy_v0(void **state)
{
	_cleanup_free_ char *tree = NULL, *problems = NULL, *drivers = NULL, *members = NULL;
	_cleanup_free_ char *pkg = xasprintf("%s/redhat_driver_disk", fx.dir);
	_cleanup_free_ char *ids = xasprintf("%s/pci.ids", pkg);

	if (!fx.have_tools) {
		skip();
		return;
	}
	/* a package's own files go on the disk unchanged */
	assert_int_equal(mkdir_p(pkg, 0755), 0);
	assert_int_equal(write_file_str(ids, "1000  LSI Logic\n"), 0);
	tree = make_tree("redhat1", "rhdd61");
	rm_rf(pkg);
	assert_file(tree, "rhdd-6.1", "fake_raid-2.5 driver disk\n");
	assert_file(tree, "pci.ids", "1000  LSI Logic\n");
	members = cgz_members(tree);
	assert_string_equal(members, KVER "\n" KVER "/fake_raid.ko\n");
	check_tree("redhat1", tree, KVER, NULL, &problems, &drivers);
	assert_string_equal(problems, "");
	assert_string_equal(drivers, "fake_raid (modules.cgz: " KVER "/fake_raid.ko)");
}

static void test_legacy_broken(void **state)
{
	_cleanup_free_ char *tree = NULL, *problems = NULL, *drivers = NULL;
	_cleanup_free_ char *modinfo = NULL, *dep = NULL, *alias = NULL, *rhdd = NULL, *rhdd61 = NULL;

	if (!fx.have_tools) {
		skip();
		return;
	}
	tree = make_tree("redhat2", "legacy-broken");
	modinfo = xasprintf("%s/modinfo", tree);
	dep = xasprintf("%s/modules.dep", tree);
	alias = xasprintf("%s/modules.alias", tree);
	assert_int_equal(write_file_str(modinfo, "Version 1\nfake_raid\n"), 0);
	assert_int_equal(write_file_str(dep, "fake_raid: scsi_mod"), 0);
	assert_int_equal(write_file_str(alias, "alias pci:v*d* fake_raid \nalias  x:y fake_raid\n"), 0);
	check_tree("redhat2", tree, KVER, NULL, &problems, &drivers);
	assert_string_equal(problems,
			    "modinfo: the first line must be \"Version 0\" (the loader ignores the file otherwise)\n"
			    "modules.dep: the last line has no newline (the loader reads past the end of the file)\n"
			    "modules.alias: \"alias pci:v*d* fake_raid \" is not \"alias <bus>:<pattern> <module>\"\n"
			    "modules.alias: \"alias  x:y fake_raid\" is not \"alias <bus>:<pattern> <module>\"");
	free(problems), free(drivers);

	assert_int_equal(write_file_str(modinfo, "Version 0\nfake_raid\n\tscsi\n\tno quotes"), 0);
	assert_int_equal(write_file_str(dep, ""), 0);
	assert_int_equal(unlink(alias), 0);
	/* an rhdd disk relabelled rhdd-6.1: its members have an arch directory too many */
	rhdd = xasprintf("%s/rhdd", tree);
	rhdd61 = xasprintf("%s/rhdd-6.1", tree);
	assert_int_equal(rename(rhdd, rhdd61), 0);
	check_tree("redhat1", tree, KVER, NULL, &problems, &drivers);
	assert_string_equal(problems,
			    "modinfo: the last line has no newline (the RHEL 5 loader crashes on it)\n"
			    "modinfo: line 4: the description must be in double quotes\n"
			    "modules.alias: missing (the RHEL 5 loader requires it)\n"
			    "modules.cgz: " KVER "/x86_64/fake_raid.ko: a rhdd-6.1 disk holds <kernel>/<module>.ko\n"
			    "modules.cgz: nothing for kernel " KVER " (x86_64): the loader looks for "
			    KVER "/<module>.ko");
	assert_string_equal(drivers, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_provide),
		cmocka_unit_test(test_ddv3),
		cmocka_unit_test(test_ddv3_broken),
		cmocka_unit_test(test_ddv3_unversioned),
		cmocka_unit_test(test_rpm_header_damaged),
		cmocka_unit_test(test_ddv3_duplicate),
		cmocka_unit_test(test_legacy_v1),
		cmocka_unit_test(test_legacy_v0),
		cmocka_unit_test(test_legacy_broken),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
