// SPDX-License-Identifier: GPL-2.0-or-later
/* tar: POSIX (pax restricted, plain ustar when it can be), never GNU. */
#include <archive.h>
#include <errno.h>

#include "mkdisk/medium-impl.h"
#include "util/fileio.h"
#include "util/strbuf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_write_free)

static la_ssize_t append(struct archive *a, void *client, const void *buf, size_t len)
{
	strbuf_add(client, buf, len);
	return (la_ssize_t)len;
}

int tar_write(const struct payload *p, const struct medium_opts *o, int fd)
{
	_cleanup_(archive_write_freep) struct archive *a = archive_write_new();
	_cleanup_strbuf_ struct strbuf raw = STRBUF_INIT, packed = STRBUF_INIT;
	int r;

	if (!a)
		return -ENOMEM;
	/* pax restricted: plain ustar unless a name or size needs more; linuxrc needs "ustar\0" */
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
		return -EINVAL;
	/* in memory: xz must be ours (CRC32), libarchive's xz writes CRC64 */
	if (archive_write_open2(a, &raw, NULL, append, NULL, NULL) != ARCHIVE_OK)
		return archive_errno_of(a);
	r = archive_add_payload(a, p);
	if (r < 0)
		return r;
	if (archive_write_close(a) != ARCHIVE_OK)
		return archive_errno_of(a);
	if (o->compress == COMPRESSION_NONE || o->compress == COMPRESSION_DEFAULT)
		return write_all(fd, raw.buf, raw.len);
	r = compress_buffer(o->compress, COMPRESS_LEVEL_DEFAULT, raw.buf, raw.len, &packed);
	return r < 0 ? r : write_all(fd, packed.buf, packed.len);
}
