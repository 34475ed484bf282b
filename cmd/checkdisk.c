// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * checkdisk IMAGE [-k KERNEL[/ARCH]]... [-a ARCH]: open a driver disk of any
 * medium, recognise its format, check it the way its installer does, and
 * list the drivers the installer would load. The report goes to stdout, one
 * "Problem: ..." line per problem to stderr. Exit 0: no problem; 1: the
 * installer would reject or ignore (part of) the disk; 2: the image could
 * not be read at all (missing, unreadable, no known medium).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dud.h"
#include "util/fileio.h"
#include "util/strbuf.h"

enum {
	CHECKDISK_CLEAN = 0,
	CHECKDISK_PROBLEMS = 1,
	CHECKDISK_UNREADABLE = 2,
};

static void describe_medium(struct strbuf *sb, const struct medium_info *mi)
{
	strbuf_addstr(sb, mi->fstype ? mi->fstype : medium_name(mi->medium));
	switch (mi->medium) {
	case DUD_MEDIUM_ISO:
	case DUD_MEDIUM_FLOPPY:
		strbuf_addf(sb, ", label \"%s\"", mi->label ? mi->label : "");
		if (mi->medium == DUD_MEDIUM_FLOPPY && mi->boot_label)
			strbuf_addf(sb, " (boot sector \"%s\")", mi->boot_label);
		if (mi->rock_ridge)
			strbuf_addstr(sb, ", Rock Ridge");
		if (mi->joliet)
			strbuf_addstr(sb, ", Joliet");
		break;
	case DUD_MEDIUM_CPIO:
		if (mi->cpio_magic)
			strbuf_addf(sb, " %s", mi->cpio_magic);
		strbuf_addf(sb, ", %s", medium_compressor_name(mi->compressor));
		break;
	case DUD_MEDIUM_TAR:
		if (mi->tar_format)
			strbuf_addf(sb, " (%s)", mi->tar_format);
		strbuf_addf(sb, ", %s", medium_compressor_name(mi->compressor));
		break;
	case DUD_MEDIUM_SQUASHFS:
	case _DUD_MEDIUM_MAX:
		break;
	}
}

static void print_report(const struct cmd *c, const char *image, const struct disk_check *dc)
{
	_cleanup_strbuf_ struct strbuf medium = STRBUF_INIT;

	describe_medium(&medium, &dc->info);
	if (dc->inner) {
		strbuf_addf(&medium, "; holding %s: ", dc->inner);
		describe_medium(&medium, &dc->inner_info);
	}
	dkms_info(&c->ctx, "Image: %s", image);
	dkms_info(&c->ctx, "Medium: %s", medium.buf);
	if (dc->format)
		dkms_info(&c->ctx, "Format: %s (%s)", dc->format->name, dc->format->description);
	else
		dkms_info(&c->ctx, "Format: none recognised");
	for (size_t i = 0; i < dc->n_kernels; i++) {
		const struct disk_check_kernel *k = &dc->kernels[i];

		if (k->kernelver)
			dkms_info(&c->ctx, "Drivers for kernel %s (%s):", k->kernelver, k->arch ? k->arch : "x86_64");
		else if (k->arch)
			dkms_info(&c->ctx, "Drivers for any kernel (%s):", k->arch);
		else
			dkms_info(&c->ctx, "Drivers:");
		for (size_t j = 0; j < k->drivers.n; j++)
			dkms_info(&c->ctx, "  %s", k->drivers.v[j]);
		if (!k->drivers.n)
			dkms_info(&c->ctx, "  (none)");
	}
	for (size_t i = 0; i < dc->notes.n; i++)
		dkms_info(&c->ctx, "Note: %s", dc->notes.v[i]);
	for (size_t i = 0; i < dc->problems.n; i++)
		dkms_errtext(&c->ctx, "Problem: %s", dc->problems.v[i]);
	if (dc->problems.n)
		dkms_info(&c->ctx, "Result: %zu problem%s: the installer would reject or ignore this disk%s.",
			  dc->problems.n, dc->problems.n == 1 ? "" : "s", dc->problems.n == 1 ? "" : " or part of it");
	else
		dkms_info(&c->ctx, "Result: OK");
}

/* The image: the bare argument (kept even when it does not exist as m/v). */
static char *image_argument(const struct cmd *c)
{
	if (c->args.n)
		return xstrdup(c->args.v[0]);
	if (c->module && c->version)
		return xasprintf("%s/%s", c->module, c->version);
	if (c->module)
		return xstrdup(c->module);
	return NULL;
}

int cmd_checkdisk(struct cmd *c)
{
	_cleanup_(disk_check_release) struct disk_check dc = DISK_CHECK_INIT;
	_cleanup_free_ char *image = image_argument(c);
	_cleanup_free_ const char **kv = NULL, **av = NULL;
	size_t n = c->kernelver.n;
	int r;

	if (!image) {
		dkms_error(&c->ctx, "checkdisk needs an image: dkms checkdisk <image> [-k <kernel>[/<arch>]] [-a <arch>]");
		return CHECKDISK_UNREADABLE;
	}
	if (!is_file(image)) {
		dkms_error(&c->ctx, "Driver disk image %s does not exist or is not a file.", image);
		return CHECKDISK_UNREADABLE;
	}
	if (c->args.n > 1)
		dkms_warn(&c->ctx, "checkdisk checks one image; ignoring %s and the rest.", c->args.v[1]);
	/* -a alone: any kernel of that arch; -a with -k: 1:1, or one for all */
	if (!n && c->arch.n)
		n = 1;
	kv = xcalloc(n + 1, sizeof(*kv));
	av = xcalloc(n + 1, sizeof(*av));
	for (size_t i = 0; i < n; i++) {
		kv[i] = strv_get(&c->kernelver, i);
		av[i] = strv_get(&c->arch, c->arch.n == 1 ? 0 : i);
	}
	r = disk_check_image(&c->ctx, image, kv, av, n, &dc);
	if (r < 0)
		return CHECKDISK_UNREADABLE;
	print_report(c, image, &dc);
	return dc.problems.n ? CHECKDISK_PROBLEMS : CHECKDISK_CLEAN;
}
