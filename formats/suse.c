// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SUSE driver update (linuxrc and YaST up to SLE 15 / Leap 15, Agama from
 * SLE 16): one directory per architecture,
 *
 *   linux/suse/<arch>-<dist>/dud.config       UpdateID, UpdatePriority, UpdateName
 *   linux/suse/<arch>-<dist>/modules/         the installer kernel's modules, module.order
 *   linux/suse/<arch>-<dist>/install/         update.post and <k>/<m>.ko
 *
 * modules/ is what linuxrc (and Agama) load in the installation system; it
 * takes the modules of one kernel per arch: the first -k ending in
 * "-default" (the flavour SUSE installers boot), else the first -k of that
 * arch. install/ carries the modules of every -k of the arch for the
 * installed system: YaST copies /update/<N>/install into the target and runs
 * update.post there (chrooted, its directory as $1), which copies them to
 * /lib/modules/<k>/<dest>/ and runs depmod. install/<k>/ is flat (a
 * package's module names are unique per kernel; update.post knows each
 * dest) so that the tree stays within ISO 9660's 8 directory levels:
 * deeper, every kernel's directories of the same name would need Rock
 * Ridge relocation into one /rr_moved, which libarchive cannot do. Plain files rather than dkms 2.x's
 * update.tar.gz: YaST unpacks update.tar.gz into the install directory, not
 * into /, so the script has to copy either way, and plain files can be
 * checked without unpacking. Agama runs no update scripts: there the driver
 * reaches the installation system only.
 *
 * Several dists (-r sles15,sled15) share one tree: the first is a directory,
 * the others symlinks to it, as mkdud does (copies on a floppy, which has
 * no symlinks).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats/suse.h"
#include "modmeta.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* mkdud's list of architectures. */
static const char *const suse_archs[] = {
	"x86_64", "aarch64", "i386", "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64",
};

const char *suse_arch_of(const char *machine)
{
	if (strempty(machine))
		return NULL;
	if (machine[0] == 'i' && machine[1] && streq(machine + 2, "86"))
		return "i386";
	for (size_t i = 0; i < ARRAY_SIZE(suse_archs); i++)
		if (streq(suse_archs[i], machine))
			return suse_archs[i];
	return NULL;
}

/* <digits>[.<digits>] (the minor required when must_minor, refused when !allow_minor); its major in *major. */
static bool version_form(const char *s, bool allow_minor, bool must_minor, unsigned long *major)
{
	size_t n = strspn(s, "0123456789");

	if (!n || n > 6)
		return false;
	*major = strtoul(s, NULL, 10);
	s += n;
	if (!*s)
		return !must_minor;
	if (*s != '.' || !allow_minor)
		return false;
	s++;
	n = strspn(s, "0123456789");
	return n && n <= 6 && !s[n];
}

/*
 * The SLE dists: up to SLE 15 linuxrc's UpdateDir is sles<N> for every
 * service pack (installation-images strips the ".<SP>" of VERSION_ID), so
 * a sles15.6 directory is never read; from SLE 16 on mkdud names the
 * directory sles<N>.<M> (Agama reads any dist of the arch).
 */
#define SLE_FIRST_MINOR_DIST 16

static bool sle_form(const char *dist, bool *ret_minor, unsigned long *ret_major)
{
	if (strncmp(dist, "sles", 4) && strncmp(dist, "sled", 4))
		return false;
	if (!version_form(dist + 4, true, false, ret_major))
		return false;
	*ret_minor = strchr(dist, '.') != NULL;
	return true;
}

bool suse_dist_valid(const char *dist)
{
	static const char *const minor_forms[] = {
		"leap", "micro", "caasp", "opensuse-leap", "sl-micro", "suse-microos",
	};
	static const char *const plain[] = {
		"tw", "slowroll", "opensuse-tumbleweed", "opensuse-slowroll",
	};
	unsigned long major;
	bool minor;

	if (strempty(dist))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		if (streq(dist, plain[i]))
			return true;
	if (sle_form(dist, &minor, &major))
		return minor == (major >= SLE_FIRST_MINOR_DIST);
	for (size_t i = 0; i < ARRAY_SIZE(minor_forms); i++) {
		size_t len = strlen(minor_forms[i]);

		if (!strncmp(dist, minor_forms[i], len) && (dist[len] >= '0' && dist[len] <= '9'))
			return version_form(dist + len, true, true, &major);
	}
	return false;
}

char *suse_dist_dir(const char *given, char **ret_note)
{
	unsigned long major;
	bool minor;

	*ret_note = NULL;
	if (strempty(given))
		return NULL;
	if (sle_form(given, &minor, &major)) {
		if (minor && major < SLE_FIRST_MINOR_DIST) {
			char *dir = xstrndup(given, strcspn(given, "."));

			*ret_note = xasprintf("SLE service packs have no driver update directory of their own: "
					      "-r %s makes <arch>-%s, which linuxrc reads on every service pack of SLE %lu.",
					      given, dir, major);
			return dir;
		}
		if (!minor && major >= SLE_FIRST_MINOR_DIST) {
			*ret_note = xasprintf("SLE %lu names its driver update directory %s.0, as mkdud does: "
					      "-r %s makes <arch>-%s.0.", major, given, given, given);
			return xasprintf("%s.0", given);
		}
	}
	return suse_dist_valid(given) ? xstrdup(given) : NULL;
}

size_t suse_module_ext_len(const char *name)
{
	static const char *const exts[] = { ".ko.xz", ".ko.gz", ".ko.zst", ".ko" };
	size_t len = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t e = strlen(exts[i]);

		if (len > e && streq(name + len - e, exts[i]))
			return e;
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The module name linuxrc takes from a file name: the name without its extension. */
static char *order_name(const char *path)
{
	const char *base = base_name(path);

	return xstrndup(base, strlen(base) - suse_module_ext_len(base));
}

/* dkms's destination on SUSE is /updates; keep a DEST_MODULE_LOCATION below it. */
static const char *suse_dest(const struct dud_module *m)
{
	if (m->dest && !strncmp(m->dest, "/updates", 8) && (!m->dest[8] || m->dest[8] == '/'))
		return m->dest;
	return "/updates";
}

static void normalise_name(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

/*
 * The modules of k in load order: a module after those of the package it
 * depends on (modinfo depends=), otherwise in dkms.conf order. A cycle,
 * which modprobe could not load either, keeps dkms.conf order.
 */
static int module_order(const struct dkms_ctx *ctx, const struct dud_kernel *k, struct strv *ret)
{
	size_t n = k->n_modules;
	struct module_meta *meta = xcalloc(n + 1, sizeof(*meta));
	_cleanup_free_ bool *done = xcalloc(n + 1, sizeof(bool));
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		r = module_meta_read(k->modules[i].path, &meta[i]);
		if (r < 0) {
			dkms_error(ctx, "Cannot read the module %s: %s", k->modules[i].path, strerror(-r));
			n = i;
			goto out;
		}
		normalise_name(meta[i].name);
		for (size_t d = 0; d < meta[i].depends.n; d++)
			normalise_name(meta[i].depends.v[d]);
	}
	for (size_t placed = 0; placed < n; placed++) {
		size_t pick = n;

		for (size_t i = 0; i < n && pick == n; i++) {
			bool ready = !done[i];

			for (size_t j = 0; ready && j < n; j++)
				if (!done[j] && j != i && strv_contains(&meta[i].depends, meta[j].name))
					ready = false;
			if (ready)
				pick = i;
		}
		for (size_t i = 0; i < n && pick == n; i++) /* a cycle */
			if (!done[i])
				pick = i;
		done[pick] = true;
		strv_push_take(ret, order_name(k->modules[pick].path));
	}
out:
	for (size_t i = 0; i < n; i++)
		module_meta_release(&meta[i]);
	free(meta);
	return r;
}

/* The kernel whose modules go to modules/: the first "-default" one, else the first. */
static const struct dud_kernel *installer_kernel(const struct dud_kernel *const *ks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(ks[i]->kernelver);

		if (len > 8 && streq(ks[i]->kernelver + len - 8, "-default"))
			return ks[i];
	}
	return ks[0];
}

static char *dkms_version(void)
{
	const char *v = DKMS_VERSION_STRING;

	return xstrdup(!strncmp(v, "dkms-", 5) ? v + 5 : v);
}

static void add_sh_word(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

static const char update_post_head[] =
	"#\n"
	"# YaST runs this after the packages are installed, inside the installed\n"
	"# system (chroot), from /tmp/update/<N>/install with that directory as $1.\n"
	"# For each kernel below it copies the modules dkms built, from <kernel>/\n"
	"# here, to the paths listed below /lib/modules/<kernel>/ and runs depmod;\n"
	"# a kernel the system does not have is skipped. Exit status 1 when a\n"
	"# copy or depmod failed.\n"
	"dir=${1:-$(dirname \"$0\")}\n"
	"status=0\n"
	"\n"
	"install_modules() {\n"
	"\tkernel=$1\n"
	"\tshift\n"
	"\tif [ ! -d \"/lib/modules/$kernel\" ]; then\n"
	"\t\techo \"dkms: kernel $kernel is not installed, its modules are skipped\" >&2\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tfor f in \"$@\"; do\n"
	"\t\tmkdir -p \"/lib/modules/$kernel/${f%/*}\" &&\n"
	"\t\t\tcp -f \"$dir/$kernel/${f##*/}\" \"/lib/modules/$kernel/$f\" || status=1\n"
	"\tdone\n"
	"\tdepmod -a \"$kernel\" || status=1\n"
	"}\n"
	"\n";

static int add_file(const struct dud_request *req, struct payload *p, const char *path,
		    const char *source)
{
	int r = payload_add_file(p, path, 0644, source);

	if (r < 0)
		dkms_error(req->ctx, "Cannot add %s to the driver update as %s: %s", source, path,
			   strerror(-r));
	return r;
}

/* update.post and install/<kernel>/<module> for the kernels of one arch. */
static int add_install(struct payload *p, const struct dud_request *req,
		       const struct dud_kernel *const *ks, size_t n)
{
	_cleanup_strbuf_ struct strbuf sh = STRBUF_INIT;
	_cleanup_free_ char *ver = dkms_version();
	int r;

	strbuf_addf(&sh, "#!/bin/sh\n# created by dkms %s for %s %s\n", ver, req->module, req->version);
	strbuf_addstr(&sh, update_post_head);
	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_ struct strv names = STRV_INIT;

		strbuf_addstr(&sh, "install_modules ");
		add_sh_word(&sh, ks[i]->kernelver);
		for (size_t j = 0; j < ks[i]->n_modules; j++) {
			const struct dud_module *m = &ks[i]->modules[j];
			_cleanup_free_ char *rel = xasprintf("%s/%s", suse_dest(m) + 1, base_name(m->path));
			_cleanup_free_ char *path = xasprintf("install/%s/%s", ks[i]->kernelver, base_name(m->path));

			/* one kernel loads one module of a name: two files of it are a mistake */
			if (strv_contains(&names, base_name(m->path))) {
				dkms_error(req->ctx, "Two modules named %s for kernel %s: a SUSE driver update "
					   "installs one.", base_name(m->path), ks[i]->kernelver);
				return -EEXIST;
			}
			strv_push(&names, base_name(m->path));
			r = add_file(req, p, path, m->path);
			if (r < 0)
				return r;
			strbuf_addstr(&sh, " \\\n\t");
			add_sh_word(&sh, rel);
		}
		strbuf_addch(&sh, '\n');
	}
	strbuf_addstr(&sh, "exit $status\n");
	return payload_add_str(p, "install/update.post", 0755, sh.buf);
}

static int add_modules(struct payload *p, const struct dud_request *req, const struct dud_kernel *k)
{
	_cleanup_strv_ struct strv order = STRV_INIT;
	_cleanup_free_ char *text = NULL;
	int r;

	for (size_t i = 0; i < k->n_modules; i++) {
		_cleanup_free_ char *path = xasprintf("modules/%s", base_name(k->modules[i].path));

		r = add_file(req, p, path, k->modules[i].path);
		if (r < 0)
			return r;
	}
	r = module_order(req->ctx, k, &order);
	if (r < 0)
		return r;
	text = strv_join(&order, "\n");
	{
		_cleanup_free_ char *file = xasprintf("%s\n", text);

		return payload_add_str(p, "modules/module.order", 0644, file);
	}
}

/*
 * What tells this disk's tree from another's: the arch, each kernel and the
 * bytes of each module, hashed. linuxrc applies one update of an UpdateID
 * and skips the next of the same ID, so two disks of one module for
 * different kernels need IDs of their own; the same build gives the same ID.
 */
static int content_id(const struct dud_request *req, const char *arch,
		      const struct dud_kernel *const *ks, size_t n, char ret[13])
{
	struct sha256 h;
	uint8_t digest[32];
	char hex[SHA256_HEX_SIZE];

	sha256_init(&h);
	sha256_update(&h, arch, strlen(arch) + 1);
	for (size_t i = 0; i < n; i++) {
		sha256_update(&h, ks[i]->kernelver, strlen(ks[i]->kernelver) + 1);
		for (size_t j = 0; j < ks[i]->n_modules; j++) {
			const struct dud_module *m = &ks[i]->modules[j];
			_cleanup_strbuf_ struct strbuf bytes = STRBUF_INIT;
			int r = read_file(m->path, &bytes);

			if (r < 0) {
				dkms_error(req->ctx, "Cannot read the module %s: %s", m->path, strerror(-r));
				return r;
			}
			sha256_update(&h, base_name(m->path), strlen(base_name(m->path)) + 1);
			sha256_update(&h, suse_dest(m), strlen(suse_dest(m)) + 1);
			sha256_update(&h, bytes.buf, bytes.len);
		}
	}
	sha256_final(&h, digest);
	sha256_digest_hex(digest, hex);
	memcpy(ret, hex, 12);
	ret[12] = '\0';
	return 0;
}

static int add_config(struct payload *p, const struct dud_request *req, const char *dist, const char *id)
{
	_cleanup_free_ char *ver = dkms_version();
	_cleanup_free_ char *text = xasprintf("# created by dkms %s\n"
					      "UpdateID:\tdkms-%s-%s-%s-%s\n"
					      "UpdatePriority:\t50\n"
					      "UpdateName:\t%s %s (dkms)\n",
					      ver, req->module, req->version, dist, id,
					      req->module, req->version);

	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n") + 1;

		if (len > SUSE_CONFIG_LINE_MAX) {
			dkms_error(req->ctx, "%s/%s makes a dud.config line longer than the %d bytes "
				   "linuxrc reads.", req->module, req->version, SUSE_CONFIG_LINE_MAX);
			return -EINVAL;
		}
		line += len;
	}
	return payload_add_str(p, "dud.config", 0644, text);
}

/*
 * -r: one dist or several, comma-separated, each of a form SUSE's
 * installers read, as the directory names they look for (a service pack
 * of SLE 15 and older names its SLE's directory; notes say so when say).
 */
static int parse_release(const struct dkms_ctx *ctx, const char *release, bool say, struct strv *dists)
{
	_cleanup_strv_ struct strv given = STRV_INIT;

	if (strempty(release)) {
		dkms_error(ctx, "The suse driver disk needs -r <dist> (sles15, sles16.0, leap15.6, tw ...).");
		return -EINVAL;
	}
	strv_split(&given, release, ",");
	for (size_t i = 0; i < given.n; i++) {
		_cleanup_free_ char *note = NULL;
		_cleanup_free_ char *dir = suse_dist_dir(given.v[i], &note);

		if (!dir) {
			dkms_error(ctx, "Invalid SUSE release '%s': use sles<N>, sled<N> (SLE 15 and older, "
				   "every service pack), sles<N>.<M> (SLE 16 and later), leap<X.Y>, micro<X.Y>, "
				   "caasp<X.Y>, tw or slowroll (several: sles15,sled15).", given.v[i]);
			return -EINVAL;
		}
		if (note && say)
			dkms_info(ctx, "%s", note);
		if (!strv_contains(dists, dir))
			strv_push(dists, dir);
	}
	if (!dists->n) {
		dkms_error(ctx, "Invalid SUSE release '%s'.", release);
		return -EINVAL;
	}
	return 0;
}

static int suse_check_release(const struct dkms_ctx *ctx, const char *release)
{
	_cleanup_strv_ struct strv dists = STRV_INIT;

	return parse_release(ctx, release, true, &dists);
}

/* The tree of one arch, relative to linux/suse/<arch>-<dist>/. */
static int make_arch(const struct dud_request *req, const char *arch, const char *dist,
		     const struct dud_kernel *const *ks, size_t n, struct payload *tree)
{
	char id[13];
	int r = content_id(req, arch, ks, n, id);

	if (r >= 0)
		r = add_config(tree, req, dist, id);

	if (r >= 0)
		r = add_modules(tree, req, installer_kernel(ks, n));
	if (r >= 0)
		r = add_install(tree, req, ks, n);
	return r;
}

static int suse_make(const struct dud_request *req, struct payload *out)
{
	_cleanup_strv_ struct strv dists = STRV_INIT, arches = STRV_INIT;
	_cleanup_free_ const struct dud_kernel **ks = xcalloc(req->n_kernels + 1, sizeof(*ks));
	int r = parse_release(req->ctx, req->release, false, &dists);

	if (r < 0)
		return r;
	for (size_t i = 0; i < req->n_kernels; i++) {
		const char *arch = suse_arch_of(req->kernels[i].arch);

		if (!arch) {
			dkms_error(req->ctx, "SUSE installers know no architecture %s (kernel %s).",
				   req->kernels[i].arch, req->kernels[i].kernelver);
			return -EINVAL;
		}
		if (!strv_contains(&arches, arch))
			strv_push(&arches, arch);
	}
	for (size_t a = 0; a < arches.n; a++) {
		_cleanup_(payload_releasep) struct payload tree = PAYLOAD_INIT;
		_cleanup_free_ char *first = xasprintf("linux/suse/%s-%s", arches.v[a], dists.v[0]);
		size_t n = 0;

		for (size_t i = 0; i < req->n_kernels; i++)
			if (streq(suse_arch_of(req->kernels[i].arch), arches.v[a]))
				ks[n++] = &req->kernels[i];
		r = make_arch(req, arches.v[a], dists.v[0], ks, n, &tree);
		if (r < 0)
			return r;
		r = payload_merge(out, first, &tree);
		for (size_t d = 1; r >= 0 && d < dists.n; d++) {
			_cleanup_free_ char *other = xasprintf("linux/suse/%s-%s", arches.v[a], dists.v[d]);
			_cleanup_free_ char *target = xasprintf("%s-%s", arches.v[a], dists.v[0]);

			if (req->medium == DUD_MEDIUM_FLOPPY)
				r = payload_merge(out, other, &tree);
			else
				r = payload_add_symlink(out, other, target);
		}
		if (r < 0) {
			dkms_error(req->ctx, "Cannot assemble the SUSE driver update: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}

const struct dud_format dud_format_suse = {
	.name = "suse",
	.description = "SUSE driver update: linux/suse/<arch>-<dist>/ (linuxrc, YaST, Agama)",
	.media = 1u << DUD_MEDIUM_CPIO | 1u << DUD_MEDIUM_TAR | 1u << DUD_MEDIUM_ISO |
		 1u << DUD_MEDIUM_FLOPPY | 1u << DUD_MEDIUM_SQUASHFS,
	.default_medium = DUD_MEDIUM_CPIO,
	.needs_release = true,
	.make = suse_make,
	.detect = suse_detect,
	.check = suse_check,
	.check_release = suse_check_release,
};
