// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A driver disk checked as its installer reads it: the medium (mkdisk/
 * unpacks it and reports container problems), the format (each format's own
 * checklist, formats/), and the rules that sit between the two, kept here:
 * which label, extensions and compression the installer needs to find and
 * open the disk by itself (reference: dud-formats.md §1.2, §2.2, §3, §4).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dud.h"
#include "initrd/fragment.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define OEMDRV "OEMDRV"

void disk_check_release(struct disk_check *dc)
{
	medium_info_release(&dc->info);
	medium_info_release(&dc->inner_info);
	free(dc->inner);
	strv_release(&dc->problems);
	strv_release(&dc->notes);
	for (size_t i = 0; i < dc->n_kernels; i++) {
		free(dc->kernels[i].kernelver);
		free(dc->kernels[i].arch);
		strv_release(&dc->kernels[i].drivers);
	}
	free(dc->kernels);
	memset(dc, 0, sizeof(*dc));
}

static void add_once(struct strv *sv, const char *line)
{
	if (!strv_contains(sv, line))
		strv_push(sv, line);
}

static void problem(struct disk_check *dc, const char *fmt, ...) _printf_(2, 3);
static void problem(struct disk_check *dc, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	add_once(&dc->problems, sb.buf);
}

static void note(struct disk_check *dc, const char *fmt, ...) _printf_(2, 3);
static void note(struct disk_check *dc, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	add_once(&dc->notes, sb.buf);
}

static bool is_format(const struct dud_format *f, const char *name)
{
	return f && streq(f->name, name);
}

static const char *installer_of(const struct dud_format *f)
{
	if (is_format(f, "redhat"))
		return "anaconda";
	if (is_format(f, "redhat1") || is_format(f, "redhat2"))
		return "the RHEL 4/5 loader";
	if (is_format(f, "suse"))
		return "linuxrc";
	if (is_format(f, "ubuntu"))
		return "the Ubuntu installer";
	return "the kernel";
}

/* Installers that find a disk by itself only when it is labelled OEMDRV. */
static const char *oemdrv_installer(const struct dud_format *f)
{
	if (is_format(f, "redhat"))
		return "anaconda";
	if (is_format(f, "ubuntu"))
		return "the Ubuntu installer (driver-injection-disk-detect)";
	return NULL;
}

/* Rules for a filesystem image: the label (both places on vfat). Rock Ridge is mkdisk's. */
static void filesystem_rules(const struct dud_format *f, const struct medium_info *mi,
			     struct disk_check *dc)
{
	const char *label = mi->label ? mi->label : "";
	const char *who = oemdrv_installer(f);

	if (who && !streq(label, OEMDRV))
		problem(dc, "label is \"%s\": %s only finds a driver disk by itself when it is labelled " OEMDRV,
			label, who);
	else if (is_format(f, "suse") && !streq(label, OEMDRV))
		note(dc, "label is \"%s\": linuxrc finds an OEMDRV-labelled disk (or a USB disk) by itself; "
		     "otherwise boot with dud=<url of this disk>", label);
	if (mi->medium == DUD_MEDIUM_FLOPPY && !streq(mi->boot_label ? mi->boot_label : "", label))
		note(dc, "boot-sector label is \"%s\" but the root-directory label is \"%s\": "
		     "blkid and udev read only the root-directory one",
		     mi->boot_label ? mi->boot_label : "", label);
}

/*
 * The compression of an archive, judged by who unpacks it (dud-formats.md
 * §2.2, §5). linuxrc reads only gzip and xz, whether it fetches the archive
 * (dud=) or finds the tree the kernel unpacked from the initrd. A cpio is
 * appended to an initrd: the kernel unpacks it (anaconda's dd.iso cpio and
 * an initramfs fragment too), with gzip, bzip2, lzma, xz (XZ Embedded:
 * CRC32 or no check), lzo, lz4 in its legacy format, and zstd from 5.9 on.
 */
static void compression_rules(const struct dud_format *f, const struct medium_info *mi,
			      const char *image, struct disk_check *dc)
{
	const char *name = strrchr(image, '/') ? strrchr(image, '/') + 1 : image;
	const char *what = medium_compressor_name(mi->compressor);

	if (is_format(f, "suse")) {
		if (mi->compressor != MEDIUM_UNCOMPRESSED && mi->compressor != MEDIUM_GZIP &&
		    mi->compressor != MEDIUM_XZ)
			problem(dc, "compressed with %s: linuxrc reads only gzip and xz", what);
	} else if (mi->medium == DUD_MEDIUM_CPIO) {
		if (mi->compressor == MEDIUM_ZSTD)
			note(dc, "compressed with zstd: appended to an initrd, it needs a kernel with "
			     "CONFIG_RD_ZSTD (5.9 or later); gzip is read by every kernel");
		else if (mi->compressor == MEDIUM_LZ4_FRAME)
			problem(dc, "compressed with lz4 in the frame format: the kernel reads only legacy lz4 (lz4 -l)");
		else if (mi->compressor == MEDIUM_OTHER_COMPRESSION)
			problem(dc, "compressed with %s: the kernel reads gzip, bzip2, lzma, xz, lzo, legacy lz4 "
				"and zstd", what);
	}
	if (mi->medium == DUD_MEDIUM_CPIO && mi->compressor == MEDIUM_XZ && mi->xz_check &&
	    !mi->xz_kernel_reads)
		problem(dc, "%s: xz check %s: the kernel's XZ Embedded accepts only CRC32 or none", name,
			mi->xz_check);
}

/* Rules for an archive appended to the initrd or fetched by the installer. */
static void archive_rules(const struct dud_format *f, const struct medium_info *mi,
			  const char *image, struct disk_check *dc)
{
	bool kernel_reads = mi->medium == DUD_MEDIUM_CPIO;

	compression_rules(f, mi, image, dc);
	/* a tar is a way to carry the files: they must be unpacked onto a disk */
	if (mi->medium == DUD_MEDIUM_TAR && !is_format(f, "suse"))
		note(dc, "%s does not read a tar: unpack it onto a disk labelled " OEMDRV " (or make an iso)",
		     installer_of(f));
	if ((is_format(f, "redhat") || is_format(f, "ubuntu")) && kernel_reads && !dc->inner)
		problem(dc, "a %s driver disk as a plain cpio: %s does not read the tree from an archive "
			"(anaconda reads a cpio holding dd.iso)", f->name, installer_of(f));
	if ((is_format(f, "redhat1") || is_format(f, "redhat2")) && kernel_reads)
		problem(dc, "a legacy Red Hat driver disk in a cpio archive: the RHEL 4/5 loader "
			"reads it only from a vfat, ext2 or iso9660 filesystem");
}

/*
 * A fragment is appended to an initrd as it is: the kernel's own rules for
 * the bytes (member framing, 070701, TRAILER!!!, parents first, no lib
 * entry), which the unpacked tree no longer shows.
 */
static void fragment_rules(const char *image, struct disk_check *dc)
{
	_cleanup_strbuf_ struct strbuf bytes = STRBUF_INIT;
	_cleanup_strv_ struct strv problems = STRV_INIT;
	int r = read_file(image, &bytes);

	if (r >= 0)
		r = initrd_fragment_check(bytes.buf, bytes.len, &problems);
	if (r < 0) {
		problem(dc, "could not check the fragment's bytes: %s", strerror(-r));
		return;
	}
	for (size_t i = 0; i < problems.n; i++)
		problem(dc, "%s", problems.v[i]);
}

static void medium_rules(const struct dud_format *f, const struct medium_info *mi,
			 const char *image, struct disk_check *dc)
{
	switch (mi->medium) {
	case DUD_MEDIUM_ISO:
	case DUD_MEDIUM_FLOPPY:
		filesystem_rules(f, mi, dc);
		break;
	case DUD_MEDIUM_CPIO:
		if (is_format(f, "initramfs"))
			fragment_rules(image, dc);
		archive_rules(f, mi, image, dc);
		break;
	case DUD_MEDIUM_TAR:
		archive_rules(f, mi, image, dc);
		break;
	case DUD_MEDIUM_SQUASHFS:
		if (oemdrv_installer(f))
			note(dc, "squashfs carries no label: %s will not find it by itself; "
			     "name it in a boot option (inst.dd=...)", oemdrv_installer(f));
		break;
	case _DUD_MEDIUM_MAX:
		break;
	}
}

static const struct dud_format *detect_format(const char *root)
{
	for (size_t i = 0; dud_formats[i]; i++)
		if (dud_formats[i]->detect && dud_formats[i]->detect(root))
			return dud_formats[i];
	return NULL;
}

static char *known_formats(void)
{
	_cleanup_strv_ struct strv names = STRV_INIT;

	for (size_t i = 0; dud_formats[i]; i++)
		strv_push(&names, dud_formats[i]->name);
	return strv_join(&names, ", ");
}

static bool has_iso_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcasecmp(name + n - 4, ".iso");
}

/*
 * anaconda processes the *.iso files at the top of a disk when the disk
 * itself holds no repository (driver_updates.py): the dd.iso that a cpio
 * appended to the initrd carries. Unpack the first one that is a disk.
 */
static const struct dud_format *detect_inner_iso(const char *root, const char *dir,
						 struct disk_check *dc)
{
	_cleanup_strv_ struct strv isos = STRV_INIT;
	DIR *d = opendir(root);
	struct dirent *de;

	if (!d)
		return NULL;
	while ((de = readdir(d)))
		if (has_iso_suffix(de->d_name))
			strv_push(&isos, de->d_name);
	closedir(d);
	strv_sort(&isos);
	for (size_t i = 0; i < isos.n; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", root, isos.v[i]);
		_cleanup_strv_ struct strv problems = STRV_INIT;
		const struct dud_format *f;

		if (!is_file(path))
			continue;
		rm_rf(dir);
		if (mkdir(dir, 0700) < 0)
			return NULL;
		medium_info_release(&dc->inner_info);
		if (medium_read(path, dir, &dc->inner_info, &problems) < 0)
			continue;
		f = detect_format(dir);
		if (!f)
			continue;
		dc->inner = xstrdup(isos.v[i]);
		for (size_t j = 0; j < problems.n; j++)
			add_once(&dc->problems, problems.v[j]);
		return f;
	}
	return NULL;
}

static void check_kernel(const char *root, struct disk_check_kernel *k, struct disk_check *dc)
{
	struct dud_check_opts o = { .kernelver = k->kernelver, .arch = k->arch };
	struct dud_report rep = { 0 };
	int r;

	r = dc->format->check(root, &o, &rep);
	if (r < 0)
		problem(dc, "the %s check could not read the disk: %s", dc->format->name, strerror(-r));
	for (size_t i = 0; i < rep.problems.n; i++)
		add_once(&dc->problems, rep.problems.v[i]);
	for (size_t i = 0; i < rep.notes.n; i++)
		add_once(&dc->notes, rep.notes.v[i]);
	for (size_t i = 0; i < rep.drivers.n; i++)
		add_once(&k->drivers, rep.drivers.v[i]);
	/* the format may have said why already; say it only when it did not */
	if (!k->drivers.n && r >= 0 && !rep.problems.n) {
		if (k->kernelver)
			problem(dc, "the installer would load no driver for kernel %s (%s)", k->kernelver,
				k->arch ? k->arch : "x86_64");
		else
			problem(dc, "the installer would load no driver from this disk");
	}
	dud_report_release(&rep);
}

/* TMPDIR as the user knows it: the dir that holds this run's own (runtmp.h). */
static char *temp_space(const struct dkms_ctx *ctx)
{
	const char *base = ctx->tmp_location, *sl = strrchr(base, '/');

	if (sl && sl > base && !strncmp(sl, "/dkms-run.", 10))
		return xstrndup(base, (size_t)(sl - base));
	return xstrdup(base);
}

int disk_check_image(const struct dkms_ctx *ctx, const char *image,
		     const char *const *kernelvers, const char *const *arches, size_t n,
		     struct disk_check *dc)
{
	_cleanup_free_ char *tmp = xasprintf("%s/dkms-checkdisk.XXXXXX", ctx->tmp_location);
	_cleanup_free_ char *root = NULL, *inner = NULL, *known = NULL;
	_cleanup_strv_ struct strv medium_problems = STRV_INIT;
	const char *tree;
	int r;

	if (!mkdtemp(tmp)) {
		r = -errno;
		dkms_error(ctx, "Could not make a temporary directory in %s: %s", ctx->tmp_location,
			   strerror(-r));
		return r;
	}
	root = xasprintf("%s/disk", tmp);
	inner = xasprintf("%s/inner", tmp);
	tree = root;
	if (mkdir(root, 0700) < 0) {
		r = -errno;
		goto out;
	}
	r = medium_read(image, root, &dc->info, &medium_problems);
	if (r < 0) {
		if (r == -EMEDIUMTYPE)
			dkms_error(ctx, "%s is not an image of any known kind (iso9660, vfat, squashfs, cpio, tar).",
				   image);
		else if (r == -ENOSPC || r == -EDQUOT) {
			/* the image is fine: the space it is unpacked into for the check is not */
			_cleanup_free_ char *space = temp_space(ctx);

			dkms_error(ctx, "Could not read %s: the temporary space %s is full (%s) while unpacking it for the check.",
				   image, space, strerror(-r));
		} else if (r == -EBADMSG && medium_problems.n)
			/* the reader says what is damaged: the last problem is why it stopped */
			dkms_error(ctx, "Could not read %s: %s", image,
				   medium_problems.v[medium_problems.n - 1]);
		else
			dkms_error(ctx, "Could not read %s: %s", image, strerror(-r));
		goto out;
	}
	dc->format = detect_format(root);
	if (!dc->format) {
		dc->format = detect_inner_iso(root, inner, dc);
		if (dc->format)
			tree = inner;
	}
	for (size_t i = 0; i < medium_problems.n; i++)
		add_once(&dc->problems, medium_problems.v[i]);
	if (!dc->format) {
		known = known_formats();
		problem(dc, "not a driver disk of any known format (%s)", known);
		r = 0;
		goto out;
	}
	/* an inner dd.iso is named by inst.dd=/dd.iso: its label does not matter */
	medium_rules(dc->format, &dc->info, image, dc);

	dc->n_kernels = n ? n : 1;
	dc->kernels = xcalloc(dc->n_kernels, sizeof(*dc->kernels));
	for (size_t i = 0; i < n; i++) {
		dc->kernels[i].kernelver = kernelvers[i] ? xstrdup(kernelvers[i]) : NULL;
		dc->kernels[i].arch = arches && arches[i] ? xstrdup(arches[i]) : NULL;
	}
	for (size_t i = 0; i < dc->n_kernels; i++)
		check_kernel(tree, &dc->kernels[i], dc);
	r = 0;
out:
	rm_rf(tmp);
	return r;
}
