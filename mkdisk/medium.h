/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "codec/compress.h"
#include "codec/payload.h"
#include "formats/format.h"
#include "util/strv.h"

/*
 * Media: a payload written as an image (iso9660, vfat floppy, tar, cpio,
 * squashfs), and any such image read back. Writers create the output
 * atomically: a temp file beside it, renamed into place only when complete;
 * on any failure nothing is left at the output path.
 */
struct medium_opts {
	enum dud_medium medium;
	enum compression compress; /* cpio, tar; COMPRESSION_DEFAULT: gzip for cpio, none for tar */
	const char *label;         /* volume label (iso, floppy), e.g. "OEMDRV" */
	unsigned size_kib;         /* floppy: image size, 0 for 1440 */
	const char *publisher;     /* iso: publisher/application id, or NULL */
};

/*
 * 0 or -errno: -ENOENT/-ENOTDIR when the output's directory is missing,
 * -EISDIR when the output is a directory, -ENOSPC when the payload does not
 * fit a floppy of o->size_kib (or the disk is full), -EINVAL for a label or
 * a name the medium cannot hold, -EEXIST for two names a FAT floppy cannot
 * tell apart (they differ only in case), -EOPNOTSUPP for a symlink a floppy
 * cannot hold (FAT has none: links to files are stored as copies), -EIO
 * when mksquashfs fails, -ENOPKG when it is missing, -ENAMETOOLONG for
 * a directory tree an ISO cannot hold (medium_iso_check_tree).
 */
int medium_write(const struct payload *p, const struct medium_opts *o, const char *output);
/*
 * Whether an ISO can hold the payload's directories: 0, or -ENAMETOOLONG
 * with *ret_why (allocated, when ret_why is given) naming them and saying
 * why. ISO 9660 has 8 directory levels; Rock Ridge relocates deeper
 * directories, which libarchive manages once per directory and only for
 * directories of different names.
 */
int medium_iso_check_tree(const struct payload *p, char **ret_why);
/* The smallest floppy (--size, in KiB) that holds the payload; -EFBIG: more than FAT16's 2 GiB. */
int medium_floppy_needed_kib(const struct payload *p, const struct medium_opts *o,
			     unsigned *ret_kib);

const char *medium_name(enum dud_medium m);
int medium_from_name(const char *name, enum dud_medium *ret);
/* File name extension for an image: "iso", "img", "tar", "cpio.gz", "squashfs" ... */
const char *medium_extension(enum dud_medium m, enum compression c);

/* What an archive read back is compressed with: every kind a kernel or an installer might meet. */
enum medium_compressor {
	MEDIUM_UNCOMPRESSED,
	MEDIUM_GZIP,
	MEDIUM_XZ,
	MEDIUM_ZSTD,
	MEDIUM_BZIP2,
	MEDIUM_LZMA,
	MEDIUM_LZ4_LEGACY, /* lz4 -l: what the kernel reads */
	MEDIUM_LZ4_FRAME,  /* lz4's default frame format */
	MEDIUM_LZOP,
	MEDIUM_OTHER_COMPRESSION, /* one libarchive reads (lzip, compress ...) */
};

/* "uncompressed", "gzip", "xz", "zstd", "bzip2", "lzma", "lz4 (legacy)", "lz4 (frame format)", "lzop", "another compression" */
const char *medium_compressor_name(enum medium_compressor c);

/* What an image turned out to be when read back: facts, judged by the checkers of each installer. */
struct medium_info {
	enum dud_medium medium;
	enum compression compress; /* cpio, tar: gzip, xz, zstd, else NONE (compressor tells) */
	enum medium_compressor compressor; /* cpio, tar */
	const char *xz_check; /* xz: the check its header declares: "CRC32", "CRC64", "SHA-256", "none", "unknown" (static) */
	bool xz_kernel_reads; /* xz: ... and the kernel verifies it (xz_check_kernel_reads) */
	char *fstype;      /* blkid TYPE: iso9660, vfat, squashfs; "cpio", "tar" otherwise */
	char *label;       /* blkid LABEL (iso: PVD merged with Joliet; vfat: root dir entry) */
	char *boot_label;  /* vfat: LABEL_FATBOOT */
	bool rock_ridge;   /* iso */
	bool joliet;       /* iso */
	char *cpio_magic;  /* cpio: "070701", "070702", "070707" or "binary" */
	char *tar_format;  /* tar: "ustar", "pax", "gnu" */
};

void medium_info_release(struct medium_info *mi);

/*
 * Identify an image (magic for cpio, tar and compressed streams, then
 * libblkid) and unpack its files into dir (created if missing; what is there
 * stays). Unpacking never leaves dir: entries with a ".." component, under a
 * symlink, or symlinks pointing outside are skipped, each with a problem.
 * Problems are lines "<image name>: what is wrong": container-level ones
 * every consumer would trip over (a GNU tar, a 070702 cpio, an ISO without
 * Rock Ridge) and entries not unpacked. Whether the compression suits the
 * reader (linuxrc, the kernel) is the checker's to say, from info. Returns 0 (info filled) or -errno:
 * -EMEDIUMTYPE for a file that is no image of a known kind, -EBADMSG for a
 * damaged or truncated one (the reason is in problems), -ENOPKG when
 * unsquashfs is missing.
 */
int medium_read(const char *image, const char *dir, struct medium_info *info,
		struct strv *problems);
