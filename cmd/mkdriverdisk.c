// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkdriverdisk: build what is not built yet, have the format lay the disk
 * out (formats/), write it to its medium (mkdisk/), then read the image
 * back and check it as the installer would; an image that fails its own
 * check is removed. The options are all checked before anything is built.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "codec/compress.h"
#include "dud.h"
#include "exitcode.h"
#include "initrd/list.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define OEMDRV "OEMDRV"
/* FAT12/16 as mkdisk writes it: 1440 KiB by default, 32 KiB to 2 GiB less its FATs */
#define FLOPPY_KIB_DEFAULT 1440u
#define FLOPPY_KIB_MIN 32u
#define FLOPPY_KIB_MAX ((2u << 20) - 1024)

/* What the command line asks for, checked. */
struct disk_plan {
	const struct dud_format *format;
	struct medium_opts mo;
	char *output;   /* the image's final path */
	char *made_dir; /* <dkms_tree>/m/v/driver_disk when this run created it */
};

static void disk_plan_release(struct disk_plan *p)
{
	free(p->output);
	free(p->made_dir);
}

static char *list_formats(void)
{
	_cleanup_strv_ struct strv names = STRV_INIT;

	for (size_t i = 0; dud_formats[i]; i++)
		strv_push(&names, dud_formats[i]->name);
	return strv_join(&names, ", ");
}

static char *list_media(unsigned mask)
{
	_cleanup_strv_ struct strv names = STRV_INIT;

	for (int m = 0; m < _DUD_MEDIUM_MAX; m++)
		if (mask & (1u << m))
			strv_push(&names, medium_name((enum dud_medium)m));
	return strv_join(&names, ", ");
}

static int pick_format(struct cmd *c, struct disk_plan *p)
{
	_cleanup_free_ char *known = list_formats();
	_cleanup_free_ char *lower = NULL;

	if (strempty(c->distro)) {
		dkms_error(&c->ctx, "mkdriverdisk needs a distro: -d <distro> (known: %s).", known);
		return DKMS_EXIT_USAGE;
	}
	lower = xstrdup(c->distro);
	for (char *s = lower; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	p->format = dud_format_find(lower);
	if (!p->format) {
		dkms_error(&c->ctx, "Unknown driver disk distro: %s (known: %s)", c->distro, known);
		return DKMS_EXIT_USAGE;
	}
	if (p->format->needs_release && strempty(c->release)) {
		dkms_error(&c->ctx, "The %s driver disk needs the release it is for: -r <release> (e.g. -r sles15).",
			   p->format->name);
		return DKMS_EXIT_USAGE;
	}
	if (p->format->check_release && p->format->check_release(&c->ctx, c->release) < 0)
		return DKMS_EXIT_USAGE;
	if (c->release && (strchr(c->release, '/') || !*c->release || streq(c->release, "..") ||
			   streq(c->release, "."))) {
		dkms_error(&c->ctx, "Invalid release: \"%s\" (it becomes part of a file name).", c->release);
		return DKMS_EXIT_USAGE;
	}
	return 0;
}

static int pick_medium(struct cmd *c, struct disk_plan *p)
{
	const struct dud_format *f = p->format;
	enum dud_medium m = f->default_medium;

	if (c->media && medium_from_name(c->media, &m) < 0) {
		_cleanup_free_ char *all = list_media((1u << _DUD_MEDIUM_MAX) - 1);

		dkms_error(&c->ctx, "Unknown driver disk medium: %s (known: %s)", c->media, all);
		return DKMS_EXIT_USAGE;
	}
	if (!(f->media & (1u << m))) {
		_cleanup_free_ char *ok = list_media(f->media);

		dkms_error(&c->ctx, "The %s driver disk cannot be written as %s (it can: %s).", f->name,
			   medium_name(m), ok);
		return DKMS_EXIT_USAGE;
	}
	p->mo.medium = m;
	p->mo.label = OEMDRV;
	return 0;
}

static int pick_compression(struct cmd *c, struct disk_plan *p)
{
	enum dud_medium m = p->mo.medium;

	p->mo.compress = COMPRESSION_DEFAULT;
	if (!c->compress)
		return 0;
	if (compression_from_name(c->compress, &p->mo.compress) < 0) {
		dkms_error(&c->ctx, "Unknown compression: %s (known: gzip, xz, zstd, none)", c->compress);
		return DKMS_EXIT_USAGE;
	}
	if (m != DUD_MEDIUM_CPIO && m != DUD_MEDIUM_TAR) {
		dkms_error(&c->ctx, "--compress applies to cpio and tar images, not to %s.", medium_name(m));
		return DKMS_EXIT_USAGE;
	}
	return 0;
}

static int pick_size(struct cmd *c, struct disk_plan *p)
{
	unsigned long kib;
	char *end;

	if (!c->size)
		return 0;
	if (p->mo.medium != DUD_MEDIUM_FLOPPY) {
		dkms_error(&c->ctx, "--size applies to floppy images only, not to %s.", medium_name(p->mo.medium));
		return DKMS_EXIT_USAGE;
	}
	errno = 0;
	kib = strtoul(c->size, &end, 10);
	if (!isdigit((unsigned char)c->size[0]) || *end || errno || kib < FLOPPY_KIB_MIN || kib > FLOPPY_KIB_MAX) {
		dkms_error(&c->ctx, "Invalid --size: \"%s\" (a FAT floppy image is %u to %u KiB).", c->size,
			   FLOPPY_KIB_MIN, FLOPPY_KIB_MAX);
		return DKMS_EXIT_USAGE;
	}
	p->mo.size_kib = (unsigned)kib;
	return 0;
}

/* --archive FILE, --archive DIR/ (the default name in it), or the tree's driver_disk/. */
static int pick_output(struct cmd *c, struct disk_plan *p)
{
	_cleanup_free_ char *name = NULL, *dir = NULL;
	const struct dud_format *f = p->format;
	_cleanup_close_ int fd = -1;

	name = xasprintf("%s-%s-%s%s%s-dd.%s", c->module, c->version, f->name, c->release ? "-" : "",
			 c->release ? c->release : "", medium_extension(p->mo.medium, p->mo.compress));
	if (strempty(c->archive)) {
		_cleanup_free_ char *mv = tree_mv_dir(&c->ctx, c->module, c->version);

		dir = xasprintf("%s/driver_disk", mv);
		/* beneath the DKMS tree: a driver_disk planted as a symlink must not lead the image out */
		fd = beneath_open_path(c->ctx.dkms_tree, dir, false, 0);
		if (fd == -ENOENT) {
			fd = beneath_open_path(c->ctx.dkms_tree, dir, true, 0755);
			if (fd >= 0)
				p->made_dir = xstrdup(dir);
		}
		if (fd < 0) {
			dkms_error(&c->ctx, "Could not create %s: %s", dir,
				   fd == -EXDEV ? "it leads outside the DKMS tree" : strerror(-fd));
			return DKMS_EXIT_INSTALL;
		}
		p->output = xasprintf("%s/%s", dir, name);
		return 0;
	}
	if (is_dir(c->archive)) {
		size_t len = strlen(c->archive);

		while (len > 1 && c->archive[len - 1] == '/')
			len--;
		p->output = xasprintf("%.*s/%s", (int)len, c->archive, name);
		return 0;
	}
	dir = xstrdup(c->archive);
	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	else
		strcpy(dir, ".");
	if (!*dir)
		strcpy(dir, "/");
	if (!is_dir(dir)) {
		dkms_error(&c->ctx, "The directory %s for the driver disk %s does not exist.", dir, c->archive);
		return DKMS_EXIT_USAGE;
	}
	p->output = xstrdup(c->archive);
	return 0;
}

static int make_plan(struct cmd *c, struct disk_plan *p)
{
	int r = pick_format(c, p);

	if (!r)
		r = pick_medium(c, p);
	if (!r)
		r = pick_compression(c, p);
	if (!r)
		r = pick_size(c, p);
	return r;
}

/* Every kernel without a build must have headers: say so before building any. */
static int build_missing(struct cmd *c)
{
	int r;

	for (size_t i = 0; i < c->n_kernels; i++) {
		const struct dkms_kernel *k = &c->kernels[i];

		if (!tree_is_built(&c->ctx, c->module, c->version, k->version, k->arch) &&
		    !dkms_kernel_has_headers(k))
			return dkms_prepare_kernel(&c->ctx, k);
	}
	for (size_t i = 0; i < c->n_kernels; i++) {
		const struct dkms_kernel *k = &c->kernels[i];

		if (tree_is_built(&c->ctx, c->module, c->version, k->version, k->arch))
			continue;
		r = dkms_maybe_build(&c->ctx, c->module, c->version, k);
		if (r)
			return r;
	}
	return 0;
}

/* The same kernel/arch twice would put the same files on the disk twice. */
static void drop_duplicate_kernels(struct cmd *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_kernels; i++) {
		bool dup = false;

		for (size_t j = 0; j < n && !dup; j++)
			dup = streq(c->kernels[j].version, c->kernels[i].version) &&
			      streq(c->kernels[j].arch, c->kernels[i].arch);
		if (dup)
			dkms_kernel_release(&c->kernels[i]);
		else
			c->kernels[n++] = c->kernels[i];
	}
	c->n_kernels = n;
}

static time_t disk_mtime(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long t;

	if (!strempty(sde)) {
		t = strtoll(sde, &end, 10);
		if (!*end && t >= 0)
			return (time_t)t;
	}
	return time(NULL);
}

/* Why medium_write failed, for the error line: an ISO says which directories it cannot hold. */
static char *write_error(const struct payload *disk, enum dud_medium m, int r)
{
	_cleanup_free_ char *why = NULL;

	if (r == -ENAMETOOLONG && m == DUD_MEDIUM_ISO && medium_iso_check_tree(disk, &why) < 0)
		return TAKE_PTR(why);
	return xstrdup(strerror(-r));
}

/*
 * A format read from inside the installer's initrd only as an image file
 * (DDv3: inst.dd=/dd.iso) has its cpio medium hold the disk as an ISO.
 */
static int wrap_as_iso(const struct dkms_ctx *ctx, const struct disk_plan *p, const char *workdir,
		       struct payload *disk)
{
	const char *inner = p->format->cpio_wrap_iso;
	struct medium_opts iso = { .medium = DUD_MEDIUM_ISO, .label = OEMDRV, .publisher = p->mo.publisher };
	_cleanup_free_ char *path = xasprintf("%s/wrapped.iso", workdir);
	struct payload outer = PAYLOAD_INIT;
	int r;

	r = medium_write(disk, &iso, path);
	if (r < 0) {
		_cleanup_free_ char *why = write_error(disk, DUD_MEDIUM_ISO, r);

		dkms_error(ctx, "Could not write %s for the cpio image: %s", inner, why);
		return r;
	}
	outer.mtime = disk->mtime;
	r = payload_add_file(&outer, inner, 0644, path);
	if (r < 0) {
		payload_release(&outer);
		return r;
	}
	payload_release(disk);
	*disk = outer;
	return 0;
}

/* --initrd BASE: each kernel's modules of the base image under req->initrd_base_dir. */
static int unpack_initrd_base(struct cmd *c, const struct dud_request *req)
{
	for (size_t i = 0; i < req->n_kernels; i++) {
		const char *k = req->kernels[i].kernelver;
		_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
		int r = initrd_unpack_modules(req->initrd_base, k, req->initrd_base_dir, &why);

		if (r < 0) {
			dkms_error(&c->ctx, "Cannot read the base initrd %s: %s", req->initrd_base, why.buf);
			return r;
		}
		if (r == 0) {
			dkms_error(&c->ctx, "The base initrd %s holds no modules for kernel %s "
					    "(nothing under lib/modules/%s/).",
				   req->initrd_base, k, k);
			return -ENOENT;
		}
	}
	return 0;
}

static int write_image(struct cmd *c, struct disk_plan *p, const struct dud_request *req,
		       const char *workdir)
{
	_cleanup_payload_ struct payload disk = PAYLOAD_INIT;
	unsigned need;
	int r;

	if (req->initrd_base_dir && unpack_initrd_base(c, req) < 0)
		return DKMS_EXIT_INSTALL;
	/* a format says why it failed (it knows the context) */
	r = p->format->make(req, &disk);
	if (r)
		return r < 0 ? DKMS_EXIT_INSTALL : r;
	if (!disk.mtime)
		disk.mtime = disk_mtime();
	if (p->mo.medium == DUD_MEDIUM_CPIO && p->format->cpio_wrap_iso) {
		r = wrap_as_iso(&c->ctx, p, workdir, &disk);
		if (r < 0)
			return DKMS_EXIT_INSTALL;
	}
	/* checked again: the build ran since pick_output; the write itself still goes by path */
	if (strempty(c->archive) && beneath_check(c->ctx.dkms_tree, p->output) < 0) {
		dkms_error(&c->ctx, "Could not write the driver disk %s: it leads outside the DKMS tree", p->output);
		return DKMS_EXIT_INSTALL;
	}
	r = medium_write(&disk, &p->mo, p->output);
	if (r == -ENOSPC && p->mo.medium == DUD_MEDIUM_FLOPPY &&
	    medium_floppy_needed_kib(&disk, &p->mo, &need) == 0 &&
	    need > (p->mo.size_kib ? p->mo.size_kib : FLOPPY_KIB_DEFAULT)) {
		dkms_error(&c->ctx, "The driver disk does not fit in a %u KiB floppy image: it needs --size %u or more.",
			   p->mo.size_kib ? p->mo.size_kib : FLOPPY_KIB_DEFAULT, need);
		return DKMS_EXIT_INSTALL;
	}
	if (r < 0) {
		_cleanup_free_ char *why = write_error(&disk, p->mo.medium, r);

		dkms_error(&c->ctx, "Could not write the driver disk %s: %s", p->output, why);
		return DKMS_EXIT_INSTALL;
	}
	return 0;
}

/* Read the image back and check it as its installer would, for every kernel. */
static int verify_image(struct cmd *c, const struct disk_plan *p)
{
	_cleanup_(disk_check_release) struct disk_check dc = DISK_CHECK_INIT;
	_cleanup_free_ const char **kv = xcalloc(c->n_kernels + 1, sizeof(*kv));
	_cleanup_free_ const char **av = xcalloc(c->n_kernels + 1, sizeof(*av));
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	int r;

	for (size_t i = 0; i < c->n_kernels; i++) {
		kv[i] = c->kernels[i].version;
		av[i] = c->kernels[i].arch;
	}
	r = disk_check_image(&c->ctx, p->output, kv, av, c->n_kernels, &dc);
	if (r < 0)
		return DKMS_EXIT_INSTALL;
	if (dc.format != p->format)
		strv_pushf(&dc.problems, "read back, it is %s, not a %s driver disk",
			   dc.format ? dc.format->name : "no known format", p->format->name);
	if (dc.problems.n) {
		for (size_t i = 0; i < dc.problems.n; i++)
			strbuf_addf(&why, "\n  %s", dc.problems.v[i]);
		dkms_error(&c->ctx, "The %s driver disk fails its installer's checks, so it was not kept:%s",
			   p->format->name, why.buf);
		return DKMS_EXIT_INSTALL;
	}
	for (size_t i = 0; i < dc.notes.n; i++)
		dkms_info(&c->ctx, "Note: %s", dc.notes.v[i]);
	return 0;
}

/* How an installer is booted with this disk (dud-formats.md §1.2, §2.2, §3, §5). */
static char *boot_hint(const struct cmd *c, const struct disk_plan *p)
{
	const char *name = strrchr(p->output, '/') ? strrchr(p->output, '/') + 1 : p->output;
	const char *f = p->format->name;
	enum dud_medium m = p->mo.medium;

	if (streq(f, "redhat")) {
		if (m == DUD_MEDIUM_CPIO)
			return xasprintf("Boot: append it to the installer's initrd (cat initrd.img %s > initrd-dd.img) "
					 "and add inst.dd=/dd.iso to the kernel command line.", name);
		if (m == DUD_MEDIUM_ISO)
			return xasprintf("Boot: anaconda loads a disk labelled OEMDRV by itself; "
					 "or inst.dd=http://<server>/%s.", name);
		if (m == DUD_MEDIUM_FLOPPY)
			return xstrdup("Boot: write it to a USB stick or floppy: anaconda loads a disk labelled OEMDRV by itself "
				       "(or inst.dd=hd:LABEL=OEMDRV).");
		if (m == DUD_MEDIUM_TAR)
			return xstrdup("Boot: anaconda does not read a tar: unpack it onto a disk labelled OEMDRV, "
				       "which anaconda loads by itself (or name the disk with inst.dd=hd:<device>).");
		return xstrdup("Boot: write it to a disk and name it with inst.dd=hd:<device>.");
	}
	if ((streq(f, "redhat1") || streq(f, "redhat2")) && m == DUD_MEDIUM_TAR)
		return xstrdup("Boot: the RHEL 4/5 loader does not read a tar: unpack it onto a floppy, USB stick or CD, "
			       "then add dd to the kernel command line.");
	if (streq(f, "redhat1") || streq(f, "redhat2"))
		return xasprintf("Boot: add dd to the kernel command line; the RHEL 4/5 loader asks for the disk "
				 "(or dd=http://<server>/%s).", name);
	if (streq(f, "suse")) {
		/* the kernel unpacks only cpio archives appended to an initrd; linuxrc fetches a tar */
		if (m == DUD_MEDIUM_TAR)
			return xasprintf("Boot: dud=http://<server>/%s (linuxrc unpacks it), or unpack it onto "
					 "a disk labelled OEMDRV.", name);
		if (m == DUD_MEDIUM_CPIO)
			return xasprintf("Boot: append it to the installer's initrd (linuxrc applies it by itself), "
					 "or dud=http://<server>/%s.", name);
		if (m == DUD_MEDIUM_SQUASHFS)
			return xasprintf("Boot: dud=http://<server>/%s (linuxrc mounts it; a squashfs carries no label).",
					 name);
		return xasprintf("Boot: dud=http://<server>/%s, or attach it (linuxrc loads a disk labelled OEMDRV by itself).",
				 name);
	}
	if (streq(f, "ubuntu"))
		return xstrdup("Boot: write it to a USB stick labelled OEMDRV; the installer offers to load its drivers.");
	if (streq(f, "initramfs") && c->initrd)
		return xasprintf("Boot: append it to the initrd it was made for (cat %s %s > initrd-new.img) and boot with that.",
				 c->initrd, name);
	if (streq(f, "initramfs"))
		return xasprintf("Boot: append it to an initrd (cat initrd.img %s > initrd-new.img) and boot with that.",
				 name);
	return xasprintf("Boot: see the %s installer's documentation for driver disks.", f);
}

static void remove_made_dir(const struct disk_plan *p)
{
	if (p->made_dir)
		rmdir(p->made_dir);
}

static int make_disk(struct cmd *c, struct disk_plan *p)
{
	_cleanup_free_ char *workdir = xasprintf("%s/dkms-mkdriverdisk.XXXXXX", c->ctx.tmp_location);
	_cleanup_free_ char *src = NULL, *mv = NULL, *hint = NULL, *publisher = NULL, *base = NULL;
	struct dud_kernel *kernels = NULL;
	size_t n_kernels = 0;
	struct dud_request req = { 0 };
	int r;

	r = dud_collect_kernels(c, &kernels, &n_kernels);
	if (r)
		return r;
	if (!mkdtemp(workdir)) {
		r = -errno;
		dkms_error(&c->ctx, "Could not make a temporary directory in %s: %s", c->ctx.tmp_location,
			   strerror(-r));
		dud_kernels_free(kernels, n_kernels);
		return DKMS_EXIT_INSTALL;
	}
	mv = tree_mv_dir(&c->ctx, c->module, c->version);
	src = xasprintf("%s/source", mv);
	publisher = xasprintf("%s-%s driver disk (%s)", c->module, c->version, DKMS_VERSION_STRING);
	p->mo.publisher = publisher;
	req = (struct dud_request){
		.ctx = &c->ctx,
		.module = c->module,
		.version = c->version,
		.source_dir = src,
		.kernels = kernels,
		.n_kernels = n_kernels,
		.release = c->release,
		.kabi_range = c->kabi_range,
		.workdir = workdir,
		.initrd_base = c->initrd,
		.initrd_base_dir = c->initrd && p->format->takes_initrd_base
					   ? (base = xasprintf("%s/initrd-base", workdir))
					   : NULL,
		.medium = p->mo.medium,
	};
	dkms_info(&c->ctx, "Making the %s %s (%s) for %s/%s...", p->format->name,
		  streq(p->format->name, "initramfs") ? "fragment" : "driver disk", medium_name(p->mo.medium),
		  c->module, c->version);
	r = write_image(c, p, &req, workdir);
	if (!r) {
		r = verify_image(c, p);
		if (r)
			unlink(p->output);
	}
	rm_rf(workdir);
	dud_kernels_free(kernels, n_kernels);
	if (r)
		return r;
	dkms_info(&c->ctx, "Disk image location: %s", p->output);
	hint = boot_hint(c, p);
	dkms_info(&c->ctx, "%s", hint);
	return 0;
}

int cmd_mkdriverdisk(struct cmd *c)
{
	struct disk_plan plan = { 0 };
	int r = make_plan(c, &plan);

	if (!r)
		r = pick_output(c, &plan);
	if (!r) {
		drop_duplicate_kernels(c);
		r = build_missing(c);
	}
	if (!r)
		r = make_disk(c, &plan);
	if (r)
		remove_made_dir(&plan);
	disk_plan_release(&plan);
	return cmd_status_of(r);
}
