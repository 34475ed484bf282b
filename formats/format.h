/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "codec/payload.h"
#include "context.h"
#include "util/strv.h"

/*
 * Driver-disk formats. Each turns the built modules of one dkms package for
 * one or more kernels into a payload (the files of the disk), and each knows
 * how to check an unpacked disk of its own kind the way its installer does.
 * cmd/ builds what is missing, fills a dud_request, asks the format for the
 * payload and hands it to a medium writer (mkdisk/).
 */

/* One built module, as it would be installed. */
struct dud_module {
	char *name;     /* DEST_MODULE_NAME, e.g. "megaraid_sas" */
	char *path;     /* the built file: <dkms_tree>/M/V/K/arch/module/<name>.ko[.xz|.gz|.zst] */
	char *dest;     /* DEST_MODULE_LOCATION after the distro override, e.g. "/updates/dkms" */
};

/* One target kernel of a disk. */
struct dud_kernel {
	char *kernelver; /* uname -r, e.g. "6.1.0-56-amd64" */
	char *arch;      /* uname -m, e.g. "x86_64" */
	struct dud_module *modules;
	size_t n_modules;
	char *install_dir; /* <install_tree>/<kernelver> (modules.* of the kernel), may not exist */
};

/* Media a format may be written to (a bit mask of 1 << enum medium, see mkdisk/medium.h). */
enum dud_medium {
	DUD_MEDIUM_ISO,
	DUD_MEDIUM_FLOPPY,
	DUD_MEDIUM_TAR,
	DUD_MEDIUM_CPIO,
	DUD_MEDIUM_SQUASHFS,
	_DUD_MEDIUM_MAX,
};

struct dud_request {
	const struct dkms_ctx *ctx;
	const char *module;       /* PACKAGE_NAME */
	const char *version;      /* PACKAGE_VERSION */
	const char *source_dir;   /* <dkms_tree>/M/V/source (dkms.conf, sources) */
	const struct dud_kernel *kernels;
	size_t n_kernels;
	const char *release;      /* -r, NULL when not given */
	bool kabi_range;          /* --kabi-range: kmod RPMs for this kernel and later (kmod-rpm.h) */
	const char *workdir;      /* a private temp dir the format may fill (initrd_base_dir is in it) */
	const char *initrd_base;  /* --initrd BASE, or NULL */
	enum dud_medium medium;   /* what the payload will be written to */
	/*
	 * With initrd_base, for a format that takes_initrd_base: the base
	 * image's modules for each kernel, with its modules.builtin,
	 * modules.builtin.modinfo and modules.order, under
	 * <initrd_base_dir>/lib/modules/<kernelver>/. initrd/ reads images and
	 * sits left of formats, so cmd unpacks them (initrd_unpack_modules).
	 */
	const char *initrd_base_dir;
};

/* What checkdisk found: one line per problem, the drivers the installer would load. */
struct dud_report {
	char *format;          /* name of the format recognised, or NULL */
	struct strv problems;  /* "path: what is wrong" */
	struct strv drivers;   /* "<module> (<file>)" the installer would load for the kernel */
	struct strv notes;     /* informational lines */
};

struct dud_check_opts {
	const char *kernelver; /* the installer's uname -r; NULL: any kernel the disk serves */
	const char *arch;      /* uname -m; NULL: x86_64 */
};

struct dud_format {
	const char *name;          /* -d value */
	const char *description;
	unsigned media;            /* 1 << enum dud_medium for each medium supported */
	enum dud_medium default_medium;
	bool needs_release;        /* -r is required */
	bool takes_initrd_base;    /* --initrd BASE: the payload is for that image (initrd_base_dir) */
	/*
	 * --media cpio: cmd writes the payload as an ISO (label OEMDRV) and
	 * puts that at this path in the cpio (anaconda boots it appended to
	 * its initrd with inst.dd=/dd.iso); NULL: the payload's files as they are.
	 */
	const char *cpio_wrap_iso;
	int (*make)(const struct dud_request *req, struct payload *out);
	/* True when the unpacked tree at root looks like this format. */
	bool (*detect)(const char *root);
	/* Check the unpacked tree; problems and drivers go to rep. 0 or -errno (I/O). */
	int (*check)(const char *root, const struct dud_check_opts *o, struct dud_report *rep);
	/*
	 * Optional (NULL: any -r will do): check the release (-r, or NULL when
	 * not given) before anything is built, as make() will read it. 0, or
	 * -EINVAL after printing why.
	 */
	int (*check_release)(const struct dkms_ctx *ctx, const char *release);
};

/* The formats, each defined in its own file (formats/<name>.c). */
extern const struct dud_format dud_format_redhat;  /* DDv3: rhdd3, kmod RPMs, repodata */
extern const struct dud_format dud_format_redhat1; /* legacy rhdd-6.1 ("version 0") */
extern const struct dud_format dud_format_redhat2; /* legacy rhdd ("version 1") */
extern const struct dud_format dud_format_initramfs; /* a cpio fragment appended to an initrd */
extern const struct dud_format dud_format_suse;    /* linux/suse/<arch>-<dist>/: dud.config, modules/, install/ */
extern const struct dud_format dud_format_ubuntu;  /* ubuntu-drivers/<codename>/<pkg>.deb (d-i, OEMDRV) */

/* The table of formats (formats/registry.c); NULL-terminated. */
extern const struct dud_format *const dud_formats[];
const struct dud_format *dud_format_find(const char *name);

void dud_report_release(struct dud_report *rep);
void dud_report_problem(struct dud_report *rep, const char *fmt, ...) _printf_(2, 3);

/* Helpers for format writers. */
void dud_kernel_release(struct dud_kernel *k);
