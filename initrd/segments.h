/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "codec/decode.h"
#include "util/strbuf.h"
#include "util/strv.h"

/*
 * An initramfs image as the kernel reads it (init/initramfs.c): a sequence
 * of members separated by runs of NUL bytes. A member is an uncompressed
 * newc cpio (it must start 4-byte aligned and ends at its TRAILER!!!) or one
 * compressed stream (gzip, bzip2, lzma, xz, lzo, legacy lz4, zstd; found by
 * its magic, as the kernel does) whose content is one or more cpio archives.
 * Splitting decodes every member, so it knows where each one ends.
 */
const char *initrd_compression_name(enum initrd_compression c);

struct initrd_segment {
	size_t offset; /* first byte of the member in the image */
	size_t size;   /* its bytes in the image, padding not included */
	enum initrd_compression compression;
	char *data;    /* the cpio content: decoded, or a copy of the raw member */
	size_t data_len;
	size_t entries; /* cpio entries, trailers not counted */
};

struct initrd_image {
	struct initrd_segment *segments;
	size_t n;
	size_t size;          /* bytes in the image */
	size_t end;           /* end of the last member; only NULs follow */
	struct strv problems; /* readable here, refused by the kernel: "offset N: why" */
};

#define INITRD_IMAGE_INIT { NULL, 0, 0, 0, STRV_INIT }

/*
 * Where an image is held decoded whole (initrd_split, initrd_read: the
 * fragment mode's probe, appending and removing a fragment), all its members
 * together may decode to this many bytes, or the image is refused (-EFBIG):
 * a setting, DKMS_INITRD_MAX_DECODED in the environment (framework.conf's
 * initrd_max_decoded sets it), in bytes or with K, M, G, T (KiB ... TiB).
 * Listing streams (initrd_split_stream) and needs no cap.
 */
#define INITRD_MAX_DECODED_DEFAULT ((size_t)4 << 30)
size_t initrd_max_decoded(void);
/* "4G", "512M", "1048576", "2GiB": bytes; -EINVAL or -ERANGE if it is no size. */
int initrd_parse_size(const char *s, size_t *ret);

/*
 * Split and decode an image held in memory. On failure returns -EBADMSG
 * (damaged or truncated member, junk between members), -EOPNOTSUPP (lzo) or
 * -EFBIG, and says why in err as "offset N: ..." (N counts from the start of
 * the image). An empty image, or one of NULs only, has no segments.
 */
int initrd_split(const void *buf, size_t len, struct initrd_image *ret, struct strbuf *err);
/*
 * Walking decoded content as it arrives (initrd_split_stream). want: an
 * entry's header was read (e->data NULL): 1 to be handed its data, 0 not,
 * <0 to stop with that error. entry: the entry, with its data when it was
 * wanted (owned: malloc'd, the callee frees it), else NULL; filesize is
 * always the size in the archive. trailer: an archive ended. member: the
 * content of segment index starts.
 */
struct newc_entry;
struct content_walk_ops {
	void (*member)(void *data, size_t index);
	int (*want)(void *data, const struct newc_entry *e);
	int (*entry)(void *data, const struct newc_entry *e, char *owned);
	void (*trailer)(void *data);
	void *data;
};

/*
 * Split as initrd_split, with the same checks and messages, but each
 * member's content goes through ops as it is decoded and is not kept:
 * segments have data NULL (data_len is still the decoded size). Memory is
 * bounded by what ops keeps, not by the image.
 */
int initrd_split_stream(const void *buf, size_t len, const struct content_walk_ops *ops,
			struct initrd_image *ret, struct strbuf *err);
/* The same for a file; err also says when the file cannot be read. */
int initrd_read(const char *path, struct initrd_image *ret, struct strbuf *err);
void initrd_image_release(struct initrd_image *img);

static inline void initrd_image_releasep(struct initrd_image *img)
{
	initrd_image_release(img);
}
#define _cleanup_initrd_image_ _cleanup_(initrd_image_releasep)
