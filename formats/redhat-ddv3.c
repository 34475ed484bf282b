// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Red Hat driver update disk v3 (the RHEL 6 loader, anaconda's dracut
 * module in RHEL 7 and later, Fedora):
 *
 *   rhdd3                  "<module>-<version> driver disk\n"
 *   rpms/<arch>/<kmod>.rpm one kmod RPM per kernel (formats/kmod-rpm.h says why)
 *   rpms/<arch>/repodata/  createrepo_c's metadata
 *
 * The check applies what each consumer checks (dud-formats.md §1.2): the
 * loader's rhdd3 and repodata, dracut's repository search, dd_list's
 * Provides test against the installer's kernel and dd_extract's paths.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/format.h"
#include "formats/kmod-rpm.h"
#include "formats/rpm-header.h"
#include "formats/rpmvercmp.h"
#include "util/dir.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

#define DEFAULT_ARCH "x86_64"

static int run_createrepo(const struct dkms_ctx *ctx, const char *dir)
{
	_cleanup_free_ char *prog = find_program("createrepo_c");
	_cleanup_strbuf_ struct strbuf output = STRBUF_INIT;
	struct child c = CHILD_INIT;
	int r;

	if (!prog) {
		dkms_error(ctx, "createrepo_c is not installed; it is needed for the repodata of a "
			   "Red Hat driver disk (package createrepo-c on Debian and Ubuntu, "
			   "createrepo_c on Fedora and RHEL).");
		return -ENOENT;
	}
	/* plain names (no checksum prefix) and no sqlite: dnf reads the XML, yum makes its own */
	strv_push(&c.args, prog);
	strv_push(&c.args, "--quiet");
	strv_push(&c.args, "--no-database");
	strv_push(&c.args, "--simple-md-filenames");
	strv_push(&c.args, dir);
	c.capture = &output;
	c.err_fd = -2;
	c.in_fd = -2;
	r = child_run(&c);
	child_release(&c);
	if (r) {
		strbuf_rtrim_newlines(&output);
		dkms_error(ctx, "createrepo_c %s failed (%s %d)%s%s", dir, r < 0 ? "error" : "exit status",
			   r, output.len ? ":\n" : ".", output.buf);
		return r < 0 ? r : -EIO;
	}
	return 0;
}

static int ddv3_make(const struct dud_request *req, struct payload *out)
{
	_cleanup_free_ char *rpms = xasprintf("%s/disk/rpms", req->workdir);
	_cleanup_free_ char *rhdd3 = xasprintf("%s-%s driver disk\n", req->module, req->version);
	_cleanup_strv_ struct strv arches = STRV_INIT;
	int r;

	for (size_t i = 0; i < req->n_kernels; i++) {
		const struct dud_kernel *k = &req->kernels[i];
		_cleanup_free_ char *work = xasprintf("%s/kmod-%zu", req->workdir, i);
		_cleanup_free_ char *dir = xasprintf("%s/%s", rpms, k->arch);
		_cleanup_free_ char *path = NULL;

		r = mkdir_p(work, 0700);
		if (r < 0) {
			dkms_error(req->ctx, "Cannot create %s: %s", work, strerror(-r));
			return r;
		}
		r = kmod_rpm_build(req->ctx, req->module, req->version, k,
				   req->kabi_range ? KMOD_RPM_KABI_RANGE : 0, work, dir, &path);
		if (r < 0)
			return r;
		if (!strv_contains(&arches, k->arch))
			strv_push(&arches, k->arch);
	}
	for (size_t i = 0; i < arches.n; i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", rpms, arches.v[i]);

		r = run_createrepo(req->ctx, dir);
		if (r < 0)
			return r;
	}
	r = payload_add_str(out, "rhdd3", 0644, rhdd3);
	if (r >= 0)
		r = payload_add_tree(out, "rpms", rpms);
	return r;
}

static bool ddv3_detect(const char *root)
{
	_cleanup_free_ char *rhdd3 = xasprintf("%s/rhdd3", root);
	_cleanup_free_ char *rpms = xasprintf("%s/rpms", root);

	/* dracut looks for the name rhdd3 beside rpms/; either marks the intent */
	return path_exists(rhdd3) || is_dir(rpms);
}

static void check_rhdd3(const char *root, struct dud_report *rep)
{
	_cleanup_free_ char *path = xasprintf("%s/rhdd3", root);
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	struct stat st;

	if (lstat(path, &st) < 0) {
		dud_report_problem(rep, "rhdd3: missing (anaconda takes a directory for a driver "
				   "repository only when a file rhdd3 is beside rpms/)");
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		dud_report_problem(rep, "rhdd3: not a regular file");
		return;
	}
	if (read_file(path, &text) < 0) {
		dud_report_problem(rep, "rhdd3: unreadable");
		return;
	}
	if (!text.len)
		dud_report_problem(rep, "rhdd3: empty (the RHEL 6 loader refuses an empty rhdd3)");
	else if (memchr(text.buf, '\0', text.len))
		dud_report_problem(rep, "rhdd3: holds a NUL byte (the loader shows it as the disk's title)");
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && streq(s + n - m, suffix);
}

/* What dd_extract takes for a module: any name ending so. */
static bool is_module_file(const char *path)
{
	static const char *const ext[] = { ".ko", ".ko.gz", ".ko.xz", ".ko.bz2", ".ko.zst" };

	for (size_t i = 0; i < ARRAY_SIZE(ext); i++)
		if (has_suffix(path, ext[i]))
			return true;
	return false;
}

static bool is_kernel_modules(const struct rpm_dep *d)
{
	return streq(d->name, "kernel-modules");
}

static bool is_versioned(const struct rpm_dep *d)
{
	return !strempty(d->version) &&
	       (d->flags & (RPMSENSE_LESS | RPMSENSE_GREATER | RPMSENSE_EQUAL));
}

/* dd_list: does any kernel-modules Provide fit this kernel? (RHEL 6.0/6.1 exception included) */
static bool serves_kernel(const struct rpm_header *h, const char *kernelver)
{
	for (size_t i = 0; i < h->n_provides; i++) {
		const struct rpm_dep *d = &h->provides[i];

		if (!is_kernel_modules(d))
			continue;
		if (!strncmp(d->version, "2.6.32-131", 10) || !strncmp(d->version, "2.6.32-71", 9))
			return true;
		if (rpm_sense_matches(kernelver, d->flags, d->version))
			return true;
	}
	return false;
}

/*
 * What the RPM claims: Provides and file paths, as dd_list and dd_extract
 * read them. note_kernels: say which kernels it serves (when no kernel was asked).
 */
static void check_rpm_content(const char *rel, const struct rpm_header *h, bool note_kernels,
			      struct dud_report *rep)
{
	bool any = false, enhancement = false;

	for (size_t i = 0; i < h->n_provides; i++) {
		const struct rpm_dep *d = &h->provides[i];

		if (streq(d->name, "installer-enhancement"))
			enhancement = true;
		if (!is_kernel_modules(d))
			continue;
		any = true;
		if (!is_versioned(d))
			dud_report_problem(rep, "%s: Provides kernel-modules without a version: "
					   "dd_list never matches it to any kernel", rel);
		else if (note_kernels)
			strv_pushf(&rep->notes, "%s: Provides kernel-modules %s %s", rel,
				   rpm_sense_str(d->flags), d->version);
	}
	if (!any && !enhancement)
		dud_report_problem(rep, "%s: provides neither kernel-modules nor installer-enhancement: "
				   "dd_list skips it", rel);
	for (size_t i = 0; i < h->files.n; i++) {
		const char *f = h->files.v[i];

		if (is_module_file(f) && strncmp(f, "/lib/modules/", 13))
			dud_report_problem(rep, "%s: %s is outside /lib/modules/: extracted but never loaded",
					   rel, f);
		else if (!strncmp(f, "/usr/lib/firmware/", 18))
			dud_report_problem(rep, "%s: %s: dd_extract takes firmware only from /lib/firmware/",
					   rel, f);
	}
}

/*
 * The modules the installer would copy and load from one selected RPM;
 * seen: the names selected for this kernel so far (NULL: no kernel asked).
 */
static void list_drivers(const char *rel, const struct rpm_header *h, struct strv *seen,
			 struct dud_report *rep)
{
	for (size_t i = 0; i < h->files.n; i++) {
		const char *f = h->files.v[i];
		const char *base = strrchr(f, '/');
		_cleanup_free_ char *name = NULL;

		if (!is_module_file(f) || strncmp(f, "/lib/modules/", 13))
			continue;
		base = base ? base + 1 : f;
		name = xstrndup(base, (size_t)(strstr(base, ".ko") - base));
		/* anaconda drops the kernel directory: two copies land on one file */
		if (seen && strv_contains(seen, name))
			dud_report_problem(rep, "%s: %s also comes from another selected RPM; "
					   "the installer copies both to the same place", rel, name);
		if (seen)
			strv_push(seen, name);
		strv_pushf(&rep->drivers, "%s (%s)", name, rel);
	}
}

struct arch_scan {
	const char *root;
	const char *arch;      /* the one being listed */
	const char *kernelver; /* or NULL: every kernel the RPMs serve */
	bool selected;         /* some RPM of arch serves kernelver */
	struct strv serves;    /* "<rpm>: kernel-modules <op> <ver>" of arch's RPMs */
	struct strv seen;      /* module names selected so far */
};

static void check_rpm(struct arch_scan *s, const char *dir_rel, const char *file, bool listed,
		      struct dud_report *rep)
{
	_cleanup_free_ char *rel = xasprintf("%s/%s", dir_rel, file);
	_cleanup_free_ char *path = xasprintf("%s/%s", s->root, rel);
	struct rpm_header h;
	int r = rpm_header_read(path, &h);

	if (r < 0) {
		dud_report_problem(rep, "%s: not an RPM dd_list can read (%s)", rel, strerror(-r));
		return;
	}
	check_rpm_content(rel, &h, !s->kernelver, rep);
	if (listed) {
		bool versioned = false, serves;

		for (size_t i = 0; i < h.n_provides; i++)
			if (is_kernel_modules(&h.provides[i]) && is_versioned(&h.provides[i])) {
				versioned = true;
				strv_pushf(&s->serves, "%s %s", rpm_sense_str(h.provides[i].flags),
					   h.provides[i].version);
			}
		/* no kernel asked: what the disk serves to any kernel */
		serves = s->kernelver ? serves_kernel(&h, s->kernelver) : versioned;
		if (serves) {
			s->selected = true;
			list_drivers(rel, &h, s->kernelver ? &s->seen : NULL, rep);
		}
	}
	rpm_header_release(&h);
}

/* RPMs below repo/<sub>/: dd_list globs only the .rpm files directly in the repository. */
static void check_nested(const char *root, const char *repo, const char *rel, struct dud_report *rep)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
	_cleanup_(closedirp) DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL, *full = NULL;

		if (de->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", rel, de->d_name);
		full = xasprintf("%s/%s", root, sub);
		if (is_dir(full))
			check_nested(root, repo, sub, rep);
		else if (has_suffix(de->d_name, ".rpm"))
			dud_report_problem(rep, "%s: not directly in %s/ (dd_list does not look in "
					   "subdirectories)", sub, repo);
	}
}

static void check_arch_dir(struct arch_scan *s, const char *arch, struct dud_report *rep)
{
	_cleanup_free_ char *rel = xasprintf("rpms/%s", arch);
	_cleanup_free_ char *dir = xasprintf("%s/%s", s->root, rel);
	_cleanup_free_ char *repomd = xasprintf("%s/repodata/repomd.xml", dir);
	_cleanup_(closedirp) DIR *d = opendir(dir);
	_cleanup_strv_ struct strv rpms = STRV_INIT;
	bool listed = streq(arch, s->arch);
	struct dirent *de;

	if (!d)
		return;
	if (!is_file(repomd))
		dud_report_problem(rep, "%s/repodata/repomd.xml: missing (the RHEL 6 loader needs "
				   "repodata; anaconda would have to run createrepo_c)", rel);
	while ((de = readdir(d))) {
		_cleanup_free_ char *full = xasprintf("%s/%s", dir, de->d_name);

		if (de->d_name[0] == '.' || streq(de->d_name, "repodata"))
			continue;
		if (is_dir(full)) {
			_cleanup_free_ char *sub = xasprintf("%s/%s", rel, de->d_name);

			check_nested(s->root, rel, sub, rep);
		} else if (has_suffix(de->d_name, ".rpm")) {
			strv_push(&rpms, de->d_name);
		}
	}
	strv_sort(&rpms);
	for (size_t i = 0; i < rpms.n; i++)
		check_rpm(s, rel, rpms.v[i], listed, rep);
	if (listed && !rpms.n)
		dud_report_problem(rep, "%s: holds no RPM", rel);
}

static int ddv3_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep)
{
	_cleanup_free_ char *rpms = xasprintf("%s/rpms", root);
	_cleanup_free_ char *mine = NULL;
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_strv_ struct strv arches = STRV_INIT;
	struct arch_scan s = { .root = root, .arch = o && o->arch ? o->arch : DEFAULT_ARCH,
			       .kernelver = o ? o->kernelver : NULL };
	struct dirent *de;

	free(rep->format);
	rep->format = xstrdup("redhat");
	check_rhdd3(root, rep);
	d = opendir(rpms);
	if (!d) {
		dud_report_problem(rep, "rpms: missing (the packages go in rpms/<uname -m>/)");
		return 0;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *full = xasprintf("%s/%s", rpms, de->d_name);

		if (de->d_name[0] != '.' && is_dir(full))
			strv_push(&arches, de->d_name);
	}
	strv_sort(&arches);
	mine = xasprintf("%s/%s", rpms, s.arch);
	if (!is_dir(mine))
		dud_report_problem(rep, "rpms/%s: missing (the installer reads rpms/<uname -m>/; "
				   "this disk has %s)", s.arch, arches.n ? "other architectures only" : "none");
	for (size_t i = 0; i < arches.n; i++)
		check_arch_dir(&s, arches.v[i], rep);
	if (s.kernelver && is_dir(mine) && !s.selected) {
		_cleanup_free_ char *serves = strv_join(&s.serves, ", ");

		dud_report_problem(rep, "rpms/%s: no RPM provides kernel-modules for %s, so the "
				   "installer loads nothing from this disk (it serves: %s)", s.arch,
				   s.kernelver, s.serves.n ? serves : "no kernel");
	}
	strv_release(&s.serves);
	strv_release(&s.seen);
	return 0;
}

const struct dud_format dud_format_redhat = {
	.name = "redhat",
	.description = "Red Hat driver update disk v3 (RHEL 6 and later, Fedora): kmod RPMs and repodata",
	.media = 1u << DUD_MEDIUM_ISO | 1u << DUD_MEDIUM_FLOPPY | 1u << DUD_MEDIUM_TAR |
		 1u << DUD_MEDIUM_CPIO | 1u << DUD_MEDIUM_SQUASHFS,
	.default_medium = DUD_MEDIUM_ISO,
	.cpio_wrap_iso = "dd.iso",
	.make = ddv3_make,
	.detect = ddv3_detect,
	.check = ddv3_check,
};
