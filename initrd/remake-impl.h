/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the REMAKE_INITRD modes (remake.c, remake-fragment.c, remake-plan.c); not an interface. */

#include <stdbool.h>

#include "formats/format.h"
#include "initrd/fragment-inplace.h"
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
	struct strv relpaths; /* ... and (same index) path under lib/modules/<kernel>/ ("": elsewhere) */
	uint64_t *offsets;   /* ... and where the member that holds it starts */
	uint64_t size;       /* of the image */
	char *key;           /* the image's key (fragment-inplace.h) when probed */
	bool from_cache;     /* bytes and listing are empty: the summary was used (remake-cache.c) */
	/* the original below dkms's fragment (all of it when there is none), when known */
	bool have_original;
	uint64_t original_size;
	char original_sha256[SHA256_HEX_SIZE];
	size_t padding;      /* NULs a fragment on it starts with */
};

#define REMAKE_PROBE_INIT                                                                                  \
	{ .bytes = STRBUF_INIT, .listing = { .image = INITRD_IMAGE_INIT }, .made_by = -1, .names = STRV_INIT, \
	  .relpaths = STRV_INIT }

int remake_probe(const char *image, const char *kernel, struct remake_probe *ret, struct strbuf *why);
void remake_probe_release(struct remake_probe *p);
/*
 * remake_probe of an image with dkms's fragment record (state_path) known:
 * from the summary a probe of the same image left (remake-cache.c) when
 * the image's key is the summary's, else read (and the summary written).
 */
int remake_probe_image(const struct dkms_ctx *ctx, const char *image, const char *state_path, const char *kernel,
		       struct remake_probe *ret, struct strbuf *why);
/* The probe read from the image itself, for what only the bytes tell (a stage). */
int remake_probe_full(const char *image, const char *kernel, const struct remake_probe *p,
		      struct remake_probe *ret, struct strbuf *why);

/* remake-cache.c: the probe's summary, <dkms_tree>/.initrd-cache/<image>-<hash>. */
int remake_cache_load(const struct dkms_ctx *ctx, const char *image, const char *kernel, const char *key,
		      struct remake_probe *ret);
void remake_cache_store(const struct dkms_ctx *ctx, const char *image, const char *kernel,
			const struct remake_probe *p);
/*
 * The summary of p's image once its bytes from cut on were replaced (by a
 * fragment with the modules names/relpaths from frag_offset: none when
 * names is NULL) and its key is key.
 */
void remake_cache_update(const struct dkms_ctx *ctx, const char *image, const char *kernel,
			 const struct remake_probe *p, uint64_t cut, const struct strv *names,
			 const struct strv *relpaths, uint64_t frag_offset, uint64_t new_size, const char *key);

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
	struct fragment_record rec;
	struct strv keep;         /* relpaths of modules in dkms's fragment now */
	struct strv keep_names;
	struct strv base;         /* relpaths of the original's modules */
	struct dud_kernel k;      /* the new fragment's modules (none: the original comes back) */
	struct strv relpaths;     /* ... by path under the kernel's module dir */
	bool from_tree;           /* the index of the kernel's module dir fits (no staged depmod) */
};

#define FRAGMENT_PLAN_INIT { false, FRAGMENT_RECORD_INIT, STRV_INIT, STRV_INIT, STRV_INIT, { 0 }, STRV_INIT, false }

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
int fragment_apply(const struct dkms_ctx *ctx, const char *kernel, const char *image, const char *state_path,
		   const struct remake_probe *p, const struct fragment_plan *fp, const struct strbuf *frag,
		   const char *desc);
