/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/extract.h"
#include "codec/payload.h"

/*
 * FAT images: a FAT12/FAT16 writer for floppy and small USB images (libarchive
 * cannot write FAT) and a FAT12/16/32 reader. Written images carry what
 * blkid, the Linux vfat driver, mtools and linuxrc look for: an extended BPB
 * (0x29) with the label and "FAT12   "/"FAT16   ", 0x55AA, two FATs, the
 * volume-label entry first in the root directory (blkid's LABEL), VFAT long
 * names for anything that is not a plain upper-case 8.3 name, and one
 * timestamp (the payload's) everywhere, so equal payloads give equal images.
 */

#define FAT_SECTOR 512
#define FAT_DEFAULT_KIB 1440
#define FAT_MIN_KIB 32
#define FAT_MAX_KIB ((2u << 20) - 1024) /* FAT16 with 32 KiB clusters: 2 GiB, less its FATs */

/* The layout a size gets (a standard floppy geometry for 720, 1200, 1440, 2880). */
struct fat_geometry {
	uint32_t total_sectors;
	uint32_t clusters;       /* data clusters; the FAT type follows from the count */
	uint32_t fat_sectors;    /* per FAT */
	uint32_t data_start;     /* first sector of cluster 2 */
	uint16_t root_entries;
	uint16_t sectors_per_track, heads;
	uint8_t sectors_per_cluster;
	uint8_t media;
	uint8_t fat_bits;        /* 12 or 16 */
};

/* 0, or -EINVAL for a size outside FAT_MIN_KIB..FAT_MAX_KIB. */
int fat_geometry_for(unsigned kib, struct fat_geometry *ret);

/*
 * Write the payload as a FAT image of size_kib KiB to fd (made sparse: only
 * metadata and content are written). label: up to 11 characters, or NULL.
 * -ENOSPC when it does not fit (fat_needed_kib says what would), -EINVAL for
 * a name FAT cannot hold, -EEXIST for names equal but for case,
 * -EOPNOTSUPP for a symlink that is not to a file of the payload.
 */
int fat_write_image(const struct payload *p, const char *label, unsigned size_kib, int fd);

/* The smallest size in KiB that holds the payload, or -errno (-EFBIG: over 2 GiB). */
int fat_needed_kib(const struct payload *p, const char *label, unsigned *ret_kib);

/* Names (fat-names.c). The checksum of an 8.3 name that each of its long-name entries carries. */
uint8_t fat_lfn_checksum(const uint8_t short_name[11]);
/* A character allowed in 8.3 names (upper case, digits, a few symbols). */
bool fat_short_char(unsigned char c);
/* True when name is its own 8.3 name (upper case, base 1-8, extension 0-3); out: the 11 bytes. */
bool fat_plain_83(const char *name, uint8_t out[11]);
/*
 * The basis of a generated 8.3 name: upper case, invalid characters as '_',
 * spaces and extra dots dropped, base cut to 8 and extension to 3. *lossy
 * when more than case was lost (then a "~N" tail is required).
 */
void fat_basis_83(const char *name, uint8_t out[11], size_t *ret_base_len, bool *lossy);
/* UTF-8 to the UTF-16 of long-name entries; -EINVAL for what a long name cannot hold. */
int fat_long_name(const char *name, uint16_t **ret, size_t *ret_len);

/*
 * Unpack a FAT12/16/32 image into x. A damaged image (chains out of range
 * or looping, a truncated file system): -EBADMSG with the reason in x's problems.
 */
int fat_read_image(int fd, struct extract *x);
