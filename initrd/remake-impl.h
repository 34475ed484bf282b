/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the REMAKE_INITRD modes (remake.c, remake-fragment.c); not an interface. */

#include <stdbool.h>

#include "initrd/list.h"
#include "initrd/remake.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* Temp dirs in bootdir: a new image or fragment is made in one. */
#define TEMP_PREFIX ".dkms-initrd."

/* What an image tells about itself, read once and used by every step. */
struct remake_probe {
	struct strbuf bytes;  /* the image file as read, which listing was made from */
	struct initrd_listing listing;
	int made_by;         /* enum initrd_generator_kind, or -1 */
	bool alias_loading;  /* modprobe, a udev daemon and the kernel's modules.alias */
	struct strv names;   /* the kernel's modules in it, by name ... */
	struct strv relpaths; /* ... and (same index) path under lib/modules/<kernel>/ */
};

#define REMAKE_PROBE_INIT { STRBUF_INIT, { INITRD_IMAGE_INIT, NULL, 0, NULL, 0, NULL, 0 }, -1, false, STRV_INIT, STRV_INIT }

int remake_probe(const char *image, const char *kernel, struct remake_probe *ret, struct strbuf *why);
void remake_probe_release(struct remake_probe *p);

/*
 * Fragment mode for image, whose probe is p. Returns 0 when done, 1 when
 * the change cannot be made by a fragment (a module to take out that is
 * not in dkms's fragment, or the fragment record no longer matches the
 * image): the caller regenerates instead. -errno after printing why; the
 * image is then as it was.
 */
int remake_fragment(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image,
		    const struct remake_probe *p);

/*
 * An uninstall that takes every module of dkms's fragment off image and
 * adds none gives back the original bytes; that needs only the fragment
 * read, not the whole image decoded. Returns 1 when the change is not that
 * one (or the record does not match the image): the caller probes the
 * image and goes the usual way. 0 when done; -errno after printing why.
 */
int remake_fragment_restore(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image);
