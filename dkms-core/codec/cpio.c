// SPDX-License-Identifier: GPL-2.0-or-later
/* A payload as a newc cpio archive, compressed or not (see cpio.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/cpio.h"
#include "codec/newc.h"
#include "util/macro.h"

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
		newc_add_header(out, start, (uint32_t)(i + 1), entry_mode(e),
				e->kind == PAYLOAD_DIR ? 2 : 1, mtime, (uint32_t)size, e->path);
		if (size)
			strbuf_add(out, content, size);
		newc_pad4(out, start);
	}
	free(sorted.entries);
	if (r < 0) {
		strbuf_setlen(out, start);
		return r;
	}
	newc_add_trailer(out, start);
	return 0;
}

bool cpio_replaces_usr_link(const char *path)
{
	static const char *const links[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (streq(path, links[i]))
			return true;
	return false;
}

void cpio_drop_usr_link_dirs(struct payload *p)
{
	for (size_t i = 0; i < p->n;) {
		if (p->entries[i].kind == PAYLOAD_DIR && cpio_replaces_usr_link(p->entries[i].path))
			(void)payload_remove(p, p->entries[i].path);
		else
			i++;
	}
}

int cpio_pack(const struct payload *p, enum compression c, int level, struct strbuf *out)
{
	_cleanup_strbuf_ struct strbuf cpio = STRBUF_INIT;
	int r;

	if (c == COMPRESSION_NONE)
		return cpio_write_payload(p, out);
	r = cpio_write_payload(p, &cpio);
	if (r < 0)
		return r;
	return compress_buffer(c == COMPRESSION_DEFAULT ? COMPRESSION_GZIP : c, level, cpio.buf,
			       cpio.len, out);
}
