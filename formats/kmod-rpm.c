// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libgen.h>
#include <string.h>

#include "formats/kmod-rpm.h"
#include "formats/rpmbuild.h"
#include "formats/rpmvercmp.h"
#include "kabi.h"
#include "modmeta.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define RPM_RELEASE "1"

char *kmod_rpm_name(const char *module, const char *kernelver)
{
	_cleanup_free_ char *name = xasprintf("kmod-%s-%s", module, kernelver);

	return rpm_safe_name(name);
}

char *kmod_rpm_kernel_provide(const char *kernelver)
{
	char *v = rpm_safe_version(kernelver);
	const char *first = strchr(kernelver, '-');

	/* rpm_safe_version made every '-' '_'; the first one may stay a '-' */
	if (first)
		v[first - kernelver] = '-';
	for (char *p = v; *p; p++)
		if (*p == '_' && kernelver[p - v] == '-')
			*p = '.';
	return v;
}

/* Module descriptions and the license, from the modules themselves. */
struct modules_info {
	struct strbuf description; /* "<name>: <description>" lines */
	char *license;
};

static void modules_info_read(const struct dud_kernel *k, struct modules_info *mi)
{
	for (size_t i = 0; i < k->n_modules; i++) {
		struct module_meta meta = { 0 };

		if (module_meta_read(k->modules[i].path, &meta) < 0)
			continue;
		if (meta.description)
			strbuf_addf(&mi->description, "%s: %s\n", k->modules[i].name, meta.description);
		if (meta.license && !mi->license)
			mi->license = xstrdup(meta.license);
		module_meta_release(&meta);
	}
}

static int stage_modules(const struct dud_kernel *k, const char *stage, const char *dir)
{
	_cleanup_free_ char *to_dir = xasprintf("%s%s", stage, dir);
	int r = mkdir_p(to_dir, 0755);

	for (size_t i = 0; r >= 0 && i < k->n_modules; i++) {
		_cleanup_free_ char *copy = xstrdup(k->modules[i].path);
		_cleanup_free_ char *to = xasprintf("%s/%s", to_dir, basename(copy));

		r = copy_file(k->modules[i].path, to);
	}
	return r;
}

/*
 * Requires: kernel(<symbol>) = 0x<crc> for each symbol the modules import
 * from the kernel, CRCs as the kernel's Module.symvers has them (as Red
 * Hat's find-requires.ksyms writes them, and RHEL kernels provide them).
 * rpm then installs the package only beside a kernel of the same kABI.
 */
static int kabi_requires(const struct dkms_ctx *ctx, const struct dud_kernel *k, struct strbuf *out)
{
	_cleanup_free_ char *symvers = kabi_symvers_path(ctx, k->kernelver);
	_cleanup_strv_ struct strv paths = STRV_INIT;
	struct kabi_symset kernel = { 0 }, imports = { 0 };
	int r;

	if (!symvers) {
		dkms_warn(ctx, "No Module.symvers for kernel %s: the kmod RPM carries no kernel(symbol) Requires.",
			  k->kernelver);
		return 0;
	}
	r = kabi_symvers_load(ctx, symvers, &kernel);
	if (r < 0)
		return r;
	for (size_t i = 0; i < k->n_modules; i++)
		strv_push(&paths, k->modules[i].path);
	r = kabi_module_imports(ctx, &paths, &kernel, &imports);
	kabi_symset_release(&kernel);
	if (r < 0)
		return r;
	/* names are the kernel's own (kabi_module_imports keeps only those): spec-safe */
	for (size_t i = 0; i < imports.n; i++)
		strbuf_addf(out, "Requires: kernel(%s) = 0x%08llx\n", imports.v[i].name,
			    (unsigned long long)imports.v[i].crc);
	kabi_symset_release(&imports);
	return 0;
}

/* The module files' paths on the target, shell-quoted for a scriptlet. */
static void quoted_module_paths(const struct dud_kernel *k, const char *dir, struct strbuf *out)
{
	for (size_t i = 0; i < k->n_modules; i++) {
		_cleanup_free_ char *copy = xstrdup(k->modules[i].path);
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, basename(copy));
		_cleanup_free_ char *q = spec_shell_quote(path);

		strbuf_addf(out, " %s", q);
	}
}

/*
 * %post and %postun: depmod for the kernel, then RHEL's weak-modules with
 * the module paths on stdin, which links them into every other installed
 * kernel of the same kABI (--add-modules) and takes the links of removed
 * files away (--remove-modules, after rpm deleted them, as it expects).
 */
static void kmod_scriptlets(const struct dud_kernel *k, const char *dir, struct strbuf *s)
{
	_cleanup_free_ char *kver_q = spec_shell_quote(k->kernelver);
	_cleanup_strbuf_ struct strbuf paths = STRBUF_INIT;

	quoted_module_paths(k, dir, &paths);
	for (int i = 0; i < 2; i++) {
		strbuf_addf(s, "\n%%%s\nif [ -e /lib/modules/%s/modules.dep ]; then depmod -a %s || :; fi\n",
			    i ? "postun" : "post", kver_q, kver_q);
		strbuf_addf(s, "if [ -x /usr/sbin/weak-modules ]; then printf '%%%%s\\n'%s | "
			    "/usr/sbin/weak-modules --%s-modules || :; fi\n",
			    paths.buf, i ? "remove" : "add");
	}
}

/* /etc/depmod.d/<module>.conf: the weak-updates copy wins over the kernel's own module. */
static char *depmod_override(const struct dud_kernel *k, const char *module)
{
	struct strbuf s = STRBUF_INIT;

	for (size_t i = 0; i < k->n_modules; i++)
		strbuf_addf(&s, "override %s * weak-updates/%s\n", k->modules[i].name, module);
	return strbuf_detach(&s);
}

static char *kmod_spec(const char *module, const char *version, const struct dud_kernel *k,
		       const char *name, const char *dir, const struct modules_info *mi,
		       const char *requires, unsigned flags)
{
	_cleanup_free_ char *v = rpm_safe_version(version);
	_cleanup_free_ char *provide = kmod_rpm_kernel_provide(k->kernelver);
	_cleanup_free_ char *kmod = rpm_safe_name(module);
	_cleanup_free_ char *lic = spec_escape(mi->license ? mi->license : "Unknown");
	_cleanup_free_ char *mod_e = spec_escape(module), *ver_e = spec_escape(version);
	_cleanup_free_ char *kver_e = spec_escape(k->kernelver), *dir_e = spec_escape(dir);
	_cleanup_free_ char *descr = spec_escape(mi->description.buf);
	struct strbuf s = STRBUF_INIT;

	strbuf_addf(&s, "Name: %s\nVersion: %s\nRelease: " RPM_RELEASE "\n", name, v);
	strbuf_addf(&s, "Summary: %s %s kernel modules for Linux %s\n", mod_e, ver_e, kver_e);
	strbuf_addf(&s, "License: %s\nGroup: System/Kernel\nAutoReqProv: no\n", lic);
	strbuf_addf(&s, "Provides: kernel-modules %s %s\n", flags & KMOD_RPM_KABI_RANGE ? ">=" : "=",
		    provide);
	strbuf_addf(&s, "Provides: kmod-%s = %s-" RPM_RELEASE "\n", kmod, v);
	strbuf_addstr(&s, requires);
	strbuf_addf(&s, "\n%%description\n%s %s kernel modules for Linux %s (%s), packaged by dkms.\n",
		    mod_e, ver_e, kver_e, k->arch);
	if (mi->description.len) {
		/* the module's text: a line of it must not open a spec section (%post …) */
		strbuf_addch(&s, '\n');
		for (const char *line = descr; *line;) {
			size_t n = strcspn(line, "\n");

			if (line[strspn(line, " \t")] == '%')
				strbuf_addch(&s, ' ');
			strbuf_add(&s, line, n);
			line += n;
			if (*line)
				strbuf_addch(&s, *line++);
		}
	}
	/* the new modules count once depmod has seen them, if that kernel is here */
	kmod_scriptlets(k, dir, &s);
	strbuf_addf(&s, "\n%%files\n%%defattr(-,root,root,-)\n\"%s\"\n", dir_e);
	strbuf_addf(&s, "%%config \"/etc/depmod.d/%s.conf\"\n", mod_e);
	return strbuf_detach(&s);
}

int kmod_rpm_build(const struct dkms_ctx *ctx, const char *module, const char *version,
		   const struct dud_kernel *k, unsigned flags, const char *workdir,
		   const char *outdir, char **ret_path)
{
	_cleanup_free_ char *name = kmod_rpm_name(module, k->kernelver);
	_cleanup_free_ char *provide = kmod_rpm_kernel_provide(k->kernelver);
	_cleanup_free_ char *dir = xasprintf("/lib/modules/%s/extra/%s", k->kernelver, module);
	_cleanup_free_ char *stage = rpmbuild_stage_dir(workdir);
	_cleanup_free_ char *build = tree_build_dir(ctx, module, version, k->kernelver, k->arch);
	_cleanup_free_ char *logdir = xasprintf("%s/log", build);
	_cleanup_free_ char *log = xasprintf("%s/rpmbuild.log", logdir);
	_cleanup_free_ char *spec = NULL, *override = NULL, *override_path = NULL;
	_cleanup_strbuf_ struct strbuf requires = STRBUF_INIT;
	struct modules_info mi = { STRBUF_INIT, NULL };
	struct rpmbuild_job job = { 0 };
	int r;

	/* what the installer will compare: it must be this kernel exactly */
	if (rpmvercmp(k->kernelver, provide) != 0) {
		dkms_error(ctx, "Kernel release %s cannot be written as an RPM version that rpm "
			   "compares equal to it; no kmod RPM can target it.", k->kernelver);
		return -EINVAL;
	}
	r = stage_modules(k, stage, dir);
	if (r < 0) {
		dkms_error(ctx, "Cannot stage the modules for %s in %s: %s", name, stage, strerror(-r));
		return r;
	}
	override_path = xasprintf("%s/etc/depmod.d", stage);
	override = depmod_override(k, module);
	r = mkdir_p(override_path, 0755);
	if (r >= 0) {
		free(override_path);
		override_path = xasprintf("%s/etc/depmod.d/%s.conf", stage, module);
		r = write_file_str(override_path, override);
	}
	if (r < 0) {
		dkms_error(ctx, "Cannot write %s: %s", override_path, strerror(-r));
		return r;
	}
	r = kabi_requires(ctx, k, &requires);
	if (r < 0)
		return r;
	modules_info_read(k, &mi);
	spec = kmod_spec(module, version, k, name, dir, &mi, requires.buf, flags);
	strbuf_release(&mi.description);
	free(mi.license);
	r = beneath_mkdir_p(ctx->dkms_tree, logdir, 0755);
	if (r < 0) {
		dkms_error(ctx, "Cannot create %s: %s", logdir,
			   r == -EXDEV ? "it leads outside the DKMS tree" : strerror(-r));
		return r;
	}
	job.what = name;
	job.spec = spec;
	job.target = k->arch;
	job.workdir = workdir;
	job.log = log;
	job.log_root = ctx->dkms_tree;
	job.outdir = outdir;
	return rpmbuild_run(ctx, &job, ret_path);
}

static char *dkms_spec(const char *module, const char *version)
{
	_cleanup_free_ char *mod_e = spec_escape(module), *ver_e = spec_escape(version);
	_cleanup_free_ char *m_q = spec_shell_quote(module), *v_q = spec_shell_quote(version);
	_cleanup_free_ char *name = xasprintf("%s-dkms", module);
	_cleanup_free_ char *safe = rpm_safe_name(name), *v = rpm_safe_version(version);
	struct strbuf s = STRBUF_INIT;

	strbuf_addf(&s, "Name: %s\nVersion: %s\nRelease: " RPM_RELEASE "\n", safe, v);
	strbuf_addf(&s, "Summary: %s %s kernel module source, built by dkms\n", mod_e, ver_e);
	strbuf_addstr(&s, "License: Unknown\nGroup: System/Kernel\nBuildArch: noarch\n"
		      "AutoReqProv: no\nRequires: dkms\n");
	strbuf_addf(&s, "\n%%description\nThe source of %s %s, as dkms builds it for each kernel.\n",
		    mod_e, ver_e);
	/* a kernel without headers must not fail the package's installation */
	strbuf_addf(&s, "\n%%post\ndkms add -m %s -v %s --rpm_safe_upgrade || :\n", m_q, v_q);
	strbuf_addf(&s, "dkms build -m %s -v %s && dkms install -m %s -v %s || :\n", m_q, v_q, m_q, v_q);
	strbuf_addf(&s, "\n%%preun\ndkms remove -m %s -v %s --all --rpm_safe_upgrade || :\n", m_q, v_q);
	strbuf_addf(&s, "\n%%files\n%%defattr(-,root,root,-)\n\"/usr/src/%s-%s\"\n", mod_e, ver_e);
	return strbuf_detach(&s);
}

int dkms_rpm_build(const struct dkms_ctx *ctx, const char *module, const char *version,
		   const char *source_dir, const char *workdir, const char *outdir, char **ret_path)
{
	_cleanup_free_ char *stage = rpmbuild_stage_dir(workdir);
	_cleanup_free_ char *to = xasprintf("%s/usr/src/%s-%s", stage, module, version);
	_cleanup_free_ char *mvdir = tree_mv_dir(ctx, module, version);
	_cleanup_free_ char *logdir = xasprintf("%s/log", mvdir);
	_cleanup_free_ char *log = xasprintf("%s/rpmbuild.log", logdir);
	_cleanup_free_ char *name = xasprintf("%s-dkms", module);
	_cleanup_free_ char *spec = dkms_spec(module, version);
	struct rpmbuild_job job = { 0 };
	int r = mkdir_p(to, 0755);

	if (r >= 0)
		r = copy_tree(source_dir, to);
	if (r < 0) {
		dkms_error(ctx, "Cannot copy %s to %s: %s", source_dir, to, strerror(-r));
		return r;
	}
	r = beneath_mkdir_p(ctx->dkms_tree, logdir, 0755);
	if (r < 0) {
		dkms_error(ctx, "Cannot create %s: %s", logdir,
			   r == -EXDEV ? "it leads outside the DKMS tree" : strerror(-r));
		return r;
	}
	job.what = name;
	job.spec = spec;
	job.target = "noarch";
	job.workdir = workdir;
	job.log = log;
	job.log_root = ctx->dkms_tree;
	job.outdir = outdir;
	return rpmbuild_run(ctx, &job, ret_path);
}
