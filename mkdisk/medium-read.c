// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading any image back: what it is, what a consumer would trip over, its files. */
#include <archive.h>
#include <archive_entry.h>
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkdisk/fat.h"
#include "mkdisk/medium-impl.h"
#include "util/strbuf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(blkid_probe, blkid_free_probe)

#define HEAD 512 /* enough for a cpio magic and a tar header */

/* Compressed streams by their magic, as linuxrc and the kernel tell them apart. */
static const struct {
	const char *magic;
	size_t len;
	enum medium_compressor compressor;
} compressed[] = {
	{ "\x1f\x8b", 2, MEDIUM_GZIP },
	{ "\xfd" "7zXZ\0", 6, MEDIUM_XZ },
	{ "\x28\xb5\x2f\xfd", 4, MEDIUM_ZSTD },
	{ "BZh", 3, MEDIUM_BZIP2 },
	{ "\x5d\0\0", 3, MEDIUM_LZMA },
	{ "\x02\x21\x4c\x18", 4, MEDIUM_LZ4_LEGACY },
	{ "\x04\x22\x4d\x18", 4, MEDIUM_LZ4_FRAME },
	{ "\x89LZO", 4, MEDIUM_LZOP },
};

static const char *const compressor_names[] = {
	[MEDIUM_UNCOMPRESSED] = "uncompressed",
	[MEDIUM_GZIP] = "gzip",
	[MEDIUM_XZ] = "xz",
	[MEDIUM_ZSTD] = "zstd",
	[MEDIUM_BZIP2] = "bzip2",
	[MEDIUM_LZMA] = "lzma",
	[MEDIUM_LZ4_LEGACY] = "lz4 (legacy)",
	[MEDIUM_LZ4_FRAME] = "lz4 (frame format)",
	[MEDIUM_LZOP] = "lzop",
	[MEDIUM_OTHER_COMPRESSION] = "another compression",
};

const char *medium_compressor_name(enum medium_compressor c)
{
	return (size_t)c < ARRAY_SIZE(compressor_names) ? compressor_names[c] : NULL;
}

static enum medium_compressor compressor_of_magic(const uint8_t *head, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(compressed); i++)
		if (len >= compressed[i].len && !memcmp(head, compressed[i].magic, compressed[i].len))
			return compressed[i].compressor;
	return MEDIUM_UNCOMPRESSED;
}

static bool is_compressed(const uint8_t *head, size_t len)
{
	return compressor_of_magic(head, len) != MEDIUM_UNCOMPRESSED;
}

static bool is_cpio(const uint8_t *head, size_t len)
{
	return (len >= 6 && !memcmp(head, "07070", 5) && strchr("127", head[5])) ||
	       (len >= 2 && ((head[0] == 0xc7 && head[1] == 0x71) || (head[0] == 0x71 && head[1] == 0xc7)));
}

static bool is_tar(const uint8_t *head, size_t len)
{
	return len >= 263 && !memcmp(head + 257, "ustar", 5);
}

/*
 * The first bytes after decompression, and the compression: libarchive's
 * raw format hands over the stream as one entry.
 */
static int decompressed_head(int fd, uint8_t *head, size_t *ret_len, int *ret_filter)
{
	_cleanup_(archive_read_freep) struct archive *a = archive_read_new();
	struct archive_entry *ae;
	la_ssize_t n;
	size_t got = 0;

	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ae) != ARCHIVE_OK)
		return -EBADMSG;
	while (got < HEAD && (n = archive_read_data(a, head + got, HEAD - got)) > 0)
		got += (size_t)n;
	*ret_len = got;
	*ret_filter = archive_filter_code(a, 0);
	return 0;
}

/* mkdisk's own names for what it also writes; anything else is NONE here, named by compressor. */
static enum compression compression_of(enum medium_compressor c)
{
	switch (c) {
	case MEDIUM_GZIP:
		return COMPRESSION_GZIP;
	case MEDIUM_XZ:
		return COMPRESSION_XZ;
	case MEDIUM_ZSTD:
		return COMPRESSION_ZSTD;
	default:
		return COMPRESSION_NONE;
	}
}

/* The integrity check an xz stream declares in its header (stream flags, the 8th byte); -1 unread. */
static int xz_check(int fd)
{
	uint8_t h[8];

	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -1;
	return h[7] & 0x0f;
}

/*
 * cpio or tar, any compression: info (the compression by its magic, which
 * tells lz4's two formats apart) and the problems every reader would have.
 */
static int read_archive(int fd, const uint8_t *raw, size_t raw_len, struct medium_info *mi,
			struct extract *x)
{
	uint8_t head[HEAD];
	size_t len = 0;
	int filter = ARCHIVE_FILTER_NONE, r = decompressed_head(fd, head, &len, &filter);
	bool pax = false;

	if (r < 0)
		return -EMEDIUMTYPE;
	if (filter != ARCHIVE_FILTER_NONE) {
		mi->compressor = compressor_of_magic(raw, raw_len);
		if (mi->compressor == MEDIUM_UNCOMPRESSED)
			mi->compressor = MEDIUM_OTHER_COMPRESSION;
	}
	mi->compress = compression_of(mi->compressor);
	if (mi->compressor == MEDIUM_XZ) {
		int check = xz_check(fd);

		mi->xz_check = check < 0 ? "unknown" : xz_check_name((unsigned)check);
		mi->xz_kernel_reads = check >= 0 && xz_check_kernel_reads((unsigned)check);
	}
	if (is_cpio(head, len)) {
		mi->medium = DUD_MEDIUM_CPIO;
		mi->fstype = xstrdup("cpio");
		mi->cpio_magic = head[0] == '0' ? xstrndup((const char *)head, 6) : xstrdup("binary");
		if (streq(mi->cpio_magic, "070702"))
			extract_problem(x, "cpio magic 070702: linuxrc and older kernels accept only 070701");
		else if (streq(mi->cpio_magic, "070707"))
			extract_problem(x, "cpio magic 070707 (odc): the kernel and linuxrc accept only 070701");
		else if (streq(mi->cpio_magic, "binary"))
			extract_problem(x, "binary cpio: the kernel accepts only 070701");
	} else if (is_tar(head, len)) {
		mi->medium = DUD_MEDIUM_TAR;
		mi->fstype = xstrdup("tar");
		if (!memcmp(head + 257, "ustar  \0", 8)) {
			mi->tar_format = xstrdup("gnu");
			extract_problem(x, "GNU tar format: linuxrc detects only POSIX (ustar or pax) tar");
		}
	} else {
		return -EMEDIUMTYPE;
	}
	r = archive_unpack(fd, x, &pax);
	if (r >= 0 && mi->medium == DUD_MEDIUM_TAR && !mi->tar_format)
		mi->tar_format = xstrdup(pax ? "pax" : "ustar");
	return r;
}

static char *probe_value(blkid_probe pr, const char *name)
{
	const char *v = NULL;

	return blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v ? xstrdup(v) : NULL;
}

/* A file system image blkid knows: iso9660, vfat, squashfs. */
static int read_filesystem(const char *image, int fd, uint64_t image_size, struct medium_info *mi,
			   struct extract *x)
{
	_cleanup_(blkid_free_probep) blkid_probe pr = blkid_new_probe();
	_cleanup_free_ char *why = NULL;
	int r;

	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, fd, 0, 0) < 0)
		return -EMEDIUMTYPE;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL);
	if (blkid_do_safeprobe(pr) != 0)
		return -EMEDIUMTYPE; /* nothing, or ambiguous */
	mi->fstype = probe_value(pr, "TYPE");
	mi->label = probe_value(pr, "LABEL");
	mi->boot_label = probe_value(pr, "LABEL_FATBOOT");
	if (!mi->fstype)
		return -EMEDIUMTYPE;
	if (streq(mi->fstype, "iso9660")) {
		mi->medium = DUD_MEDIUM_ISO;
		r = iso_probe(fd, &mi->rock_ridge, &mi->joliet);
		if (r < 0) {
			extract_problem(x, "damaged ISO 9660 volume descriptors");
			return r;
		}
		if (!mi->rock_ridge)
			extract_problem(x, "ISO 9660 without Rock Ridge: installers see %s names",
					mi->joliet ? "Joliet (no modes, no symlinks)" : "upper-case 8.3");
		r = iso_check_bounds(fd, image_size, &why);
		if (r < 0) {
			if (why)
				extract_problem(x, "%s", why);
			return r;
		}
		return archive_unpack(fd, x, NULL);
	}
	if (streq(mi->fstype, "vfat")) {
		mi->medium = DUD_MEDIUM_FLOPPY;
		return fat_read_image(fd, x);
	}
	if (streq(mi->fstype, "squashfs")) {
		mi->medium = DUD_MEDIUM_SQUASHFS;
		return squashfs_unpack(image, x);
	}
	return -EMEDIUMTYPE;
}

int medium_read(const char *image, const char *dir, struct medium_info *info,
		struct strv *problems)
{
	_cleanup_close_ int fd = open(image, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct medium_info mi = { .compress = COMPRESSION_NONE };
	const char *name = strrchr(image, '/') ? strrchr(image, '/') + 1 : image;
	_cleanup_strv_ struct strv found = STRV_INIT;
	struct extract x;
	uint8_t head[HEAD];
	struct stat st;
	ssize_t n;
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return -errno;
	r = extract_open(&x, dir, name, &found);
	if (r < 0)
		return r;
	/* archives by magic first: blkid knows neither cpio nor tar */
	if (is_compressed(head, (size_t)n) || is_cpio(head, (size_t)n) || is_tar(head, (size_t)n))
		r = read_archive(fd, head, (size_t)n, &mi, &x);
	else
		r = read_filesystem(image, fd, (uint64_t)st.st_size, &mi, &x);
	extract_close(&x);
	for (size_t i = 0; problems && i < found.n; i++)
		strv_push(problems, found.v[i]);
	if (r < 0) {
		medium_info_release(&mi);
		return r;
	}
	if (info)
		*info = mi;
	else
		medium_info_release(&mi);
	return 0;
}
