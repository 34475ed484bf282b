// SPDX-License-Identifier: GPL-2.0-or-later
/* Media: names, and writing a payload to an image atomically (see medium.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/cpio.h"
#include "mkdisk/fat.h"
#include "mkdisk/medium-impl.h"
#include "util/fileio.h"
#include "util/strbuf.h"

static const char *const medium_names[_DUD_MEDIUM_MAX] = {
	[DUD_MEDIUM_ISO] = "iso",
	[DUD_MEDIUM_FLOPPY] = "floppy",
	[DUD_MEDIUM_TAR] = "tar",
	[DUD_MEDIUM_CPIO] = "cpio",
	[DUD_MEDIUM_SQUASHFS] = "squashfs",
};

const char *medium_name(enum dud_medium m)
{
	return (unsigned)m < _DUD_MEDIUM_MAX ? medium_names[m] : NULL;
}

int medium_from_name(const char *name, enum dud_medium *ret)
{
	for (unsigned m = 0; name && m < _DUD_MEDIUM_MAX; m++)
		if (streq(name, medium_names[m])) {
			*ret = (enum dud_medium)m;
			return 0;
		}
	return -EINVAL;
}

/* What a medium's writer does with COMPRESSION_DEFAULT. */
static enum compression effective_compression(enum dud_medium m, enum compression c)
{
	if (c != COMPRESSION_DEFAULT)
		return c;
	return m == DUD_MEDIUM_CPIO ? COMPRESSION_GZIP : COMPRESSION_NONE;
}

const char *medium_extension(enum dud_medium m, enum compression c)
{
	static const char *const tar[] = { [COMPRESSION_GZIP] = "tar.gz",
					   [COMPRESSION_XZ] = "tar.xz",
					   [COMPRESSION_ZSTD] = "tar.zst" };
	static const char *const cpio[] = { [COMPRESSION_GZIP] = "cpio.gz",
					    [COMPRESSION_XZ] = "cpio.xz",
					    [COMPRESSION_ZSTD] = "cpio.zst" };

	c = effective_compression(m, c);
	switch (m) {
	case DUD_MEDIUM_ISO:
		return "iso";
	case DUD_MEDIUM_FLOPPY:
		return "img";
	case DUD_MEDIUM_TAR:
		return (size_t)c < ARRAY_SIZE(tar) && tar[c] ? tar[c] : "tar";
	case DUD_MEDIUM_CPIO:
		return (size_t)c < ARRAY_SIZE(cpio) && cpio[c] ? cpio[c] : "cpio";
	case DUD_MEDIUM_SQUASHFS:
		return "squashfs";
	default:
		return NULL;
	}
}

int cpio_medium_write(const struct payload *p, const struct medium_opts *o, int fd)
{
	_cleanup_strbuf_ struct strbuf packed = STRBUF_INIT;
	int r = cpio_pack(p, effective_compression(DUD_MEDIUM_CPIO, o->compress),
			  COMPRESS_LEVEL_DEFAULT, &packed);

	return r < 0 ? r : write_all(fd, packed.buf, packed.len);
}

int medium_floppy_needed_kib(const struct payload *p, const struct medium_opts *o,
			     unsigned *ret_kib)
{
	return fat_needed_kib(p, o->label, ret_kib);
}

static int write_to(const struct payload *p, const struct medium_opts *o, int fd,
		    const char *path)
{
	struct medium_opts opts = *o;

	opts.compress = effective_compression(o->medium, o->compress);
	switch (o->medium) {
	case DUD_MEDIUM_ISO:
		return iso_write(p, &opts, fd);
	case DUD_MEDIUM_FLOPPY:
		return fat_write_image(p, o->label, o->size_kib, fd);
	case DUD_MEDIUM_TAR:
		return tar_write(p, &opts, fd);
	case DUD_MEDIUM_CPIO:
		return cpio_medium_write(p, &opts, fd);
	case DUD_MEDIUM_SQUASHFS:
		return squashfs_write(p, &opts, path);
	default:
		return -EINVAL;
	}
}

int medium_write(const struct payload *p, const struct medium_opts *o, const char *output)
{
	_cleanup_free_ char *dir = NULL, *tmp = NULL;
	const char *base = strrchr(output, '/');
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if ((unsigned)o->medium >= _DUD_MEDIUM_MAX)
		return -EINVAL;
	dir = base ? xstrndup(output, (size_t)(base - output) ?: 1) : xstrdup(".");
	base = base ? base + 1 : output;
	if (!*base)
		return -EISDIR;
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (stat(output, &st) == 0 && S_ISDIR(st.st_mode))
		return -EISDIR;

	/* beside the output, so the final rename is atomic; hidden while incomplete */
	tmp = xasprintf("%s/.%s.XXXXXX", dir, base);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write_to(p, o, fd, tmp);
	if (r >= 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno; /* a delayed ENOSPC shows here */
	if (r >= 0) {
		int cr = close(fd);

		fd = -1;
		if (cr < 0)
			r = -errno;
	}
	if (r >= 0 && rename(tmp, output) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

void medium_info_release(struct medium_info *mi)
{
	free(mi->fstype);
	free(mi->label);
	free(mi->boot_label);
	free(mi->cpio_magic);
	free(mi->tar_format);
	*mi = (struct medium_info){ 0 };
}
