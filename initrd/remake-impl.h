/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the REMAKE_INITRD modes (remake.c, remake-fragment.c, remake-plan.c); not an interface. */

#include <stdbool.h>

#include "formats/format.h"
#include "initrd/fragment.h"
#include "initrd/list.h"
#include "initrd/remake.h"
#include "util/strbuf.h"
#include "util/strv.h"

/* The record of dkms's fragment on an image: <image>.dkms-fragment (fragment.h). */
#define STATE_SUFFIX ".dkms-fragment"

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

/*
 * What a fragment change puts on an image (remake-plan.c), before anything
 * is written: the image's modules split into the original's (base) and
 * those of dkms's fragment (keep), and the modules the new fragment carries.
 */
struct fragment_plan {
	bool have_state;          /* a record that matches the image */
	struct fragment_state state;
	struct strv keep;         /* relpaths of modules in dkms's fragment now */
	struct strv keep_names;
	struct strv base;         /* relpaths of the original's modules */
	struct dud_kernel k;      /* the new fragment's modules (none: the original comes back) */
	struct strv relpaths;     /* ... by path under the kernel's module dir */
	bool from_tree;           /* the index of the kernel's module dir fits (no staged depmod) */
};

#define FRAGMENT_PLAN_INIT { false, { 0 }, STRV_INIT, STRV_INIT, STRV_INIT, { 0 }, STRV_INIT, false }

/*
 * Fill in fp (have_state and state set by the caller) for change ch on
 * image, whose probe is p. 0, or 1 after saying why when only a
 * regeneration can make the change (a module to take out that the
 * original holds).
 */
int fragment_plan_make(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image,
		       const struct remake_probe *p, struct fragment_plan *fp);
void fragment_plan_release(struct fragment_plan *fp);

/* path's part under lib/modules/<kernel>/, or NULL. */
const char *fragment_relpath(const char *path, const char *kernel);
/* ch takes out the module at relpath. */
bool change_removes(const struct initrd_change *ch, const char *relpath);

/*
 * Put fp's fragment (frag, packed; empty: none) on image in place of the
 * one there (remake-apply.c), announcing desc. 0, or -errno after saying
 * why; the image and its record are then as they were.
 */
int fragment_apply(const struct dkms_ctx *ctx, const char *image, const char *state_path,
		   const struct remake_probe *p, const struct fragment_plan *fp, const struct strbuf *frag,
		   const char *desc);
