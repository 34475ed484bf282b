// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ubuntu driver-injection disk, as debian-installer's
 * driver-injection-disk-detect (source hw-detect) reads it: a partition
 * labelled OEMDRV (the medium sets the label) holding
 *
 *   <distro>-drivers/<codename>/<package>_<version>_<arch>.deb
 *
 * with distro and codename from the installer's lsb-release, lower case
 * ("ubuntu", "jammy"). Every .deb there is udpkg --unpack'ed into the
 * installer and cached for the target; the architecture is read from
 * control.tar.gz with ar and gzip, so the control member must be gzip and
 * Architecture the installer's own or "all". The packages are mkbmdeb's
 * binary-module packages (formats/deb.c), one per kernel.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats/deb.h"
#include "formats/format.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/strv.h"

#define UBUNTU_DISTRO "ubuntu"

/* A codename as lsb-release gives it, lowercased by the installer. */
static bool codename_valid(const char *s)
{
	if (strempty(s))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s)))
			return false;
	return true;
}

/* KEY=value from an os-release file, unquoted, allocated; NULL when absent. */
static char *os_release_value(const char *path, const char *key)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_strv_ struct strv lines = STRV_INIT;
	size_t klen = strlen(key);
	char *value = NULL;

	if (!path || read_file(path, &sb) < 0)
		return NULL;
	strv_split(&lines, sb.buf, "\n");
	for (size_t i = 0; i < lines.n; i++) {
		const char *l = lines.v[i];
		size_t len;

		if (strncmp(l, key, klen) || l[klen] != '=')
			continue;
		l += klen + 1;
		len = strlen(l);
		if (len >= 2 && (l[0] == '"' || l[0] == '\'') && l[len - 1] == l[0]) {
			l++;
			len -= 2;
		}
		free(value);
		value = xstrndup(l, len);
	}
	return value;
}

/* -r, else the codename of the Ubuntu release dkms runs on (DKMS_OS_RELEASE). */
static char *codename_of(const struct dkms_ctx *ctx, const char *release)
{
	_cleanup_free_ char *id = NULL, *name = NULL;

	if (!strempty(release)) {
		if (codename_valid(release))
			return xstrdup(release);
		dkms_error(ctx, "Invalid Ubuntu codename '%s': use the lower-case release "
			   "codename (jammy, noble ...).", release);
		return NULL;
	}
	id = os_release_value(ctx->os_release, "ID");
	if (id && streq(id, UBUNTU_DISTRO)) {
		name = os_release_value(ctx->os_release, "UBUNTU_CODENAME");
		if (strempty(name)) {
			free(name);
			name = os_release_value(ctx->os_release, "VERSION_CODENAME");
		}
	}
	if (!codename_valid(name)) {
		dkms_error(ctx, "The ubuntu driver disk needs -r <codename> (jammy, noble ...): "
			   "%s is not an Ubuntu os-release with a codename.",
			   ctx->os_release ? ctx->os_release : "the os-release");
		return NULL;
	}
	return TAKE_PTR(name);
}

static int ubuntu_check_release(const struct dkms_ctx *ctx, const char *release)
{
	_cleanup_free_ char *codename = codename_of(ctx, release);

	return codename ? 0 : -EINVAL;
}

/* Ubuntu's dkms puts modules in /updates/dkms; keep a DEST_MODULE_LOCATION below /updates. */
static const char *ubuntu_dest(const char *dest)
{
	if (dest && !strncmp(dest, "/updates", 8) && (!dest[8] || dest[8] == '/'))
		return dest;
	return "/updates/dkms";
}

static int ubuntu_make(const struct dud_request *req, struct payload *out)
{
	_cleanup_free_ char *codename = codename_of(req->ctx, req->release);
	_cleanup_free_ char *outdir = NULL, *scratch = NULL;
	int r;

	if (!codename)
		return -EINVAL;
	outdir = xasprintf("%s/debs", req->workdir);
	scratch = xasprintf("%s/staging", req->workdir);
	r = mkdir_p(scratch, 0755);
	if (r < 0) {
		dkms_error(req->ctx, "Cannot create %s: %s", scratch, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < req->n_kernels; i++) {
		/* a shallow copy of the kernel with Ubuntu's destinations */
		struct dud_kernel k = req->kernels[i];
		_cleanup_free_ struct dud_module *mods = xcalloc(k.n_modules + 1, sizeof(*mods));
		_cleanup_free_ char *deb = NULL, *path = NULL;
		_cleanup_strv_ struct strv dests = STRV_INIT;

		for (size_t j = 0; j < k.n_modules; j++) {
			strv_push(&dests, ubuntu_dest(k.modules[j].dest));
			mods[j] = k.modules[j];
			mods[j].dest = dests.v[j];
		}
		k.modules = mods;
		r = deb_build_modules(req->ctx, req->module, req->version, &k, scratch, outdir, &deb);
		if (r < 0)
			return r;
		path = xasprintf("%s-drivers/%s/%s", UBUNTU_DISTRO, codename, strrchr(deb, '/') + 1);
		r = payload_add_file(out, path, 0644, deb);
		if (r < 0) {
			dkms_error(req->ctx, "Cannot add %s to the driver disk: %s", deb, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* ---- check ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && streq(s + a - b, suffix);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)

static struct archive *reader(bool raw_ok)
{
	struct archive *a = archive_read_new();

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_ar(a);
	if (raw_ok)
		archive_read_support_format_raw(a);
	return a;
}

static int read_member(struct archive *a, struct strbuf *out)
{
	char buf[16384];
	la_ssize_t n;

	strbuf_reset(out);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		strbuf_add(out, buf, (size_t)n);
	return n < 0 ? -EIO : 0;
}

/* The value of a field in a control file, allocated, or NULL. */
static char *control_field(const char *control, const char *field)
{
	size_t flen = strlen(field);

	for (const char *l = control; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncasecmp(l, field, flen) && l[flen] == ':') {
			const char *v = l + flen + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			return xstrndup(v, strcspn(v, "\n"));
		}
	}
	return NULL;
}

/* The "control" file inside a control.tar.gz held in memory. */
static int control_of(const struct strbuf *tar, struct strbuf *out)
{
	_cleanup_(archive_read_freep) struct archive *a = reader(false);
	struct archive_entry *e;

	if (archive_read_open_memory(a, tar->buf, tar->len) != ARCHIVE_OK)
		return -EBADMSG;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (!strncmp(name, "./", 2))
			name += 2;
		if (streq(name, "control"))
			return read_member(a, out);
	}
	return -ENOENT;
}

/* lib/modules/<kernel>/...ko* files of a data.tar.* held in memory. */
static int list_modules(const struct strbuf *tar, const char *rel, const char *kernel,
			struct dud_report *rep)
{
	_cleanup_(archive_read_freep) struct archive *a = reader(false);
	struct archive_entry *e;
	int n = 0;

	if (archive_read_open_memory(a, tar->buf, tar->len) != ARCHIVE_OK)
		return -EBADMSG;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		const char *k, *base;
		size_t klen;

		name += !strncmp(name, "./", 2) ? 2 : (name[0] == '/');
		if (strncmp(name, "lib/modules/", 12) && strncmp(name, "usr/lib/modules/", 16))
			continue;
		k = strstr(name, "modules/") + 8;
		klen = strcspn(k, "/");
		base = strrchr(name, '/') + 1;
		if (archive_entry_filetype(e) != AE_IFREG || !strstr(base, ".ko"))
			continue;
		if (kernel && (strlen(kernel) != klen || strncmp(k, kernel, klen)))
			continue;
		strv_pushf(&rep->drivers, "%.*s (%s: %s)", (int)strcspn(base, "."), base, rel, name);
		n++;
	}
	return n;
}

static void check_deb(const char *path, const char *rel, const char *want_arch,
		      const struct dud_check_opts *o, struct dud_report *rep)
{
	_cleanup_(archive_read_freep) struct archive *a = archive_read_new();
	_cleanup_strbuf_ struct strbuf member = STRBUF_INIT, control = STRBUF_INIT;
	_cleanup_free_ char *arch = NULL, *package = NULL;
	struct archive_entry *e;
	bool first = true, has_control = false;

	archive_read_support_format_ar(a);
	if (archive_read_open_filename(a, path, 16384) != ARCHIVE_OK) {
		dud_report_problem(rep, "%s: not an ar archive (%s)", rel, archive_error_string(a));
		return;
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (read_member(a, &member) < 0) {
			dud_report_problem(rep, "%s: member %s is truncated", rel, name);
			return;
		}
		if (first && (!streq(name, "debian-binary") || strncmp(member.buf, "2.", 2)))
			dud_report_problem(rep, "%s: does not start with debian-binary 2.x", rel);
		first = false;
		if (!strncmp(name, "control.tar", 11)) {
			if (!streq(name, "control.tar.gz")) {
				dud_report_problem(rep, "%s: control member is %s, the installer reads only "
						   "control.tar.gz", rel, name);
				continue;
			}
			if (control_of(&member, &control) < 0) {
				dud_report_problem(rep, "%s: control.tar.gz holds no readable control file", rel);
				continue;
			}
			has_control = true;
			arch = control_field(control.buf, "Architecture");
			package = control_field(control.buf, "Package");
		} else if (!strncmp(name, "data.tar", 8)) {
			int n = list_modules(&member, rel, o ? o->kernelver : NULL, rep);

			if (n < 0)
				dud_report_problem(rep, "%s: %s cannot be read", rel, name);
			else if (n == 0 && o && o->kernelver)
				strv_pushf(&rep->notes, "%s: no module for kernel %s", rel, o->kernelver);
		}
	}
	if (first)
		dud_report_problem(rep, "%s: empty archive", rel);
	if (!has_control)
		return;
	if (!package)
		dud_report_problem(rep, "%s: control file has no Package", rel);
	if (!arch || (!streq(arch, "all") && !streq(arch, want_arch)))
		dud_report_problem(rep, "%s: Architecture %s, the installer takes %s or all", rel,
				   arch ? arch : "(none)", want_arch);
}

/* The <distro>-drivers directories at the top of the disk. */
static void drivers_dirs(const char *root, struct strv *ret)
{
	struct dirent **names = NULL;
	int n = scandir(root, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", root, names[i]->d_name);

		if (ends_with(names[i]->d_name, "-drivers") && is_dir(p))
			strv_push(ret, names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static bool ubuntu_detect(const char *root)
{
	_cleanup_strv_ struct strv dirs = STRV_INIT;

	drivers_dirs(root, &dirs);
	return dirs.n > 0;
}

static int ubuntu_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep)
{
	const char *want = deb_arch_of(o && o->arch ? o->arch : "x86_64");
	_cleanup_strv_ struct strv dirs = STRV_INIT;

	if (!want)
		want = o->arch;
	drivers_dirs(root, &dirs);
	if (!dirs.n) {
		dud_report_problem(rep, "%s-drivers: missing (no <distro>-drivers/<codename>/ directory)",
				   UBUNTU_DISTRO);
		return 0;
	}
	for (size_t i = 0; i < dirs.n; i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", root, dirs.v[i]);
		struct dirent **names = NULL;
		int n = scandir(dir, &names, NULL, alphasort);
		size_t codenames = 0;

		for (const char *c = dirs.v[i]; *c; c++)
			if (isupper((unsigned char)*c)) {
				dud_report_problem(rep, "%s: the installer looks for a lower-case name", dirs.v[i]);
				break;
			}
		for (int j = 0; j < n; j++) {
			const char *cn = names[j]->d_name;
			_cleanup_free_ char *rel = xasprintf("%s/%s", dirs.v[i], cn);
			_cleanup_free_ char *abs = xasprintf("%s/%s", root, rel);
			struct dirent **debs = NULL;
			int m, found = 0;

			if (cn[0] == '.' || !is_dir(abs)) {
				free(names[j]);
				continue;
			}
			codenames++;
			if (!codename_valid(cn))
				dud_report_problem(rep, "%s: not a lower-case release codename", rel);
			m = scandir(abs, &debs, NULL, alphasort);
			for (int d = 0; d < m; d++) {
				const char *f = debs[d]->d_name;

				if (ends_with(f, ".deb") || ends_with(f, ".udeb")) {
					_cleanup_free_ char *frel = xasprintf("%s/%s", rel, f);
					_cleanup_free_ char *fabs = xasprintf("%s/%s", root, frel);

					found++;
					check_deb(fabs, frel, want, o, rep);
				}
				free(debs[d]);
			}
			free(debs);
			if (!found)
				dud_report_problem(rep, "%s: no .deb or .udeb", rel);
			free(names[j]);
		}
		free(names);
		if (!codenames)
			dud_report_problem(rep, "%s: no <codename>/ directory", dirs.v[i]);
	}
	return 0;
}

const struct dud_format dud_format_ubuntu = {
	.name = "ubuntu",
	.description = "Ubuntu driver-injection disk: ubuntu-drivers/<codename>/*.deb (debian-installer)",
	.media = 1u << DUD_MEDIUM_ISO | 1u << DUD_MEDIUM_FLOPPY,
	.default_medium = DUD_MEDIUM_ISO,
	.needs_release = false,
	.make = ubuntu_make,
	.detect = ubuntu_detect,
	.check = ubuntu_check,
	.check_release = ubuntu_check_release,
};
