/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "initrd/segments.h"
#include "util/strbuf.h"

/*
 * What an initramfs holds once the kernel has unpacked every member in
 * order: later entries replace earlier ones with the same path, and names
 * are resolved through the directory symlinks earlier entries made (an
 * entry "lib/modules/..." lands in usr/lib/modules/... when lib is a link
 * to usr/lib, as in Debian's and dracut's merged-/usr images).
 */
struct initrd_file {
	char *path;       /* where it lands, no "./" or "/" in front: "usr/lib/modules/..." */
	uint32_t mode;    /* type and permissions */
	const char *data; /* content (symlinks: the target), inside its segment's data */
	size_t size;
	size_t segment;   /* the member that wrote it last */
};

/* A kernel module file found under [usr/]lib/modules/<kernelver>/. */
struct initrd_module {
	char *name;      /* file name without .ko and compression suffix */
	char *kernelver;
	size_t file;     /* index in files */
	char *package;   /* "m/v" when a dkms build of the module has that name, else NULL */
	bool package_exact; /* ... and its content is the built module's */
};

struct initrd_listing {
	struct initrd_image image;
	struct initrd_file *files; /* sorted by path */
	size_t n_files;
	struct initrd_module *modules; /* sorted by kernel, then name */
	size_t n_modules;
	void **owned; /* data blocks files point into (initrd_list), freed with the listing */
	size_t n_owned;
};

/*
 * Read and unpack an image as it is decoded, without holding it whole: only
 * the data of symlinks and of the files under [usr/]lib/modules/ is kept
 * (other files have data NULL and their real size), and the segments have
 * no data. Errors as initrd_read(); -EFBIG when the kept data passes
 * initrd_max_decoded().
 */
int initrd_list(const char *path, struct initrd_listing *ret, struct strbuf *err);
/* The same for an image already split; takes over img. */
int initrd_list_image(struct initrd_image *img, struct initrd_listing *ret);
void initrd_listing_release(struct initrd_listing *l);

static inline void initrd_listing_releasep(struct initrd_listing *l)
{
	initrd_listing_release(l);
}
#define _cleanup_initrd_listing_ _cleanup_(initrd_listing_releasep)

/* The file at path (resolved as the kernel would), or NULL. */
const struct initrd_file *initrd_listing_find(const struct initrd_listing *l, const char *path);

/*
 * Name the dkms package of each module: a module whose name matches a module
 * that <dkms_tree>/m/v/<kernelver>/<arch>/module/ holds belongs to m/v;
 * package_exact tells whether the content is the same (compared decoded, so
 * a module built as .ko.xz matches the plain .ko initramfs-tools copies in).
 * A same-named in-tree module (under kernel/) that differs is not a match.
 */
void initrd_listing_find_packages(const struct dkms_ctx *ctx, struct initrd_listing *l);

/*
 * Write the image's modules for kernelver, with modules.builtin,
 * modules.builtin.modinfo and modules.order if it has them, under
 * dir/lib/modules/<kernelver>/ at their paths relative to the image's module
 * dir. Returns the number of modules written, or -errno.
 */
int initrd_listing_write_modules(const struct initrd_listing *l, const char *kernelver,
				 const char *dir);

/*
 * initrd_list + initrd_listing_write_modules for one image: what cmd unpacks
 * for --initrd BASE (dud_request.initrd_base_dir). The reason for a failure
 * goes to err.
 */
int initrd_unpack_modules(const char *image, const char *kernelver, const char *dir,
			  struct strbuf *err);
