// SPDX-License-Identifier: GPL-2.0-or-later
/* A payload as a newc cpio archive (see cpio.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "mkdisk/cpio.h"
#include "util/macro.h"

#define CPIO_NEWC_MAGIC "070701"
#define CPIO_TRAILER "TRAILER!!!"

static void pad4(struct strbuf *out, size_t start)
{
	static const char zeros[4];

	strbuf_add(out, zeros, (4 - (out->len - start) % 4) % 4);
}

/*
 * One header and name. Fields are 8 hex digits: ino, mode, uid, gid, nlink,
 * mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check.
 * The header starts 4-byte aligned relative to start, so padding counts from there.
 */
static void add_header(struct strbuf *out, size_t start, uint32_t ino, uint32_t mode,
		       uint32_t nlink, uint32_t mtime, uint32_t filesize, const char *name)
{
	size_t namesize = strlen(name) + 1;

	strbuf_addf(out, CPIO_NEWC_MAGIC "%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
		    ino, mode, 0u, 0u, nlink, mtime, filesize, 0u, 0u, 0u, 0u, namesize, 0u);
	strbuf_add(out, name, namesize);
	pad4(out, start);
}

static uint32_t entry_mode(const struct payload_entry *e)
{
	switch (e->kind) {
	case PAYLOAD_DIR:
		return S_IFDIR | (e->perm & 07777);
	case PAYLOAD_SYMLINK:
		return S_IFLNK | 0777;
	default:
		return S_IFREG | (e->perm & 07777);
	}
}

int cpio_write_payload(const struct payload *p, struct strbuf *out)
{
	_cleanup_strbuf_ struct strbuf data = STRBUF_INIT;
	struct payload sorted = { .n = p->n, .alloc = p->n, .mtime = p->mtime };
	size_t start = out->len;
	uint32_t mtime = (uint32_t)(p->mtime > 0 ? p->mtime : 0);
	int r = 0;

	/* sort a shallow copy: the caller's payload stays as it is */
	sorted.entries = xmalloc((p->n ?: 1) * sizeof(*p->entries));
	if (p->n)
		memcpy(sorted.entries, p->entries, p->n * sizeof(*p->entries));
	payload_sort(&sorted);

	for (size_t i = 0; i < sorted.n; i++) {
		const struct payload_entry *e = &sorted.entries[i];
		const void *content = NULL;
		size_t size = 0;

		if (e->kind == PAYLOAD_FILE) {
			r = payload_entry_read(e, &data);
			if (r < 0)
				break;
			content = data.buf;
			size = data.len;
		} else if (e->kind == PAYLOAD_SYMLINK) {
			content = e->target;
			size = strlen(e->target);
		}
		if (size > UINT32_MAX) {
			r = -EFBIG; /* newc sizes are 8 hex digits */
			break;
		}
		add_header(out, start, (uint32_t)(i + 1), entry_mode(e),
			   e->kind == PAYLOAD_DIR ? 2 : 1, mtime, (uint32_t)size, e->path);
		if (size)
			strbuf_add(out, content, size);
		pad4(out, start);
	}
	free(sorted.entries);
	if (r < 0) {
		strbuf_setlen(out, start);
		return r;
	}
	add_header(out, start, 0, 0, 1, 0, 0, CPIO_TRAILER);
	return 0;
}
