// SPDX-License-Identifier: GPL-2.0-or-later
/* modules.cgz read back: the codec's gunzip and newc reader (see cgz.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/decode.h"
#include "codec/newc.h"
#include "formats/cgz.h"
#include "util/strbuf.h"

/* a floppy's worth of modules is small; refuse a gzip bomb */
#define MAX_UNPACKED (256u << 20)

static int walk(const char *buf, size_t len, struct cgz_listing *l, char **why)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	size_t pos = 0;

	while (pos < len) {
		struct newc_entry e;
		int r = newc_next(buf, len, &pos, &e, &err);

		if (r < 0) {
			*why = strbuf_detach(&err);
			return r;
		}
		if (!l->magic[0])
			memcpy(l->magic, e.checksummed ? NEWC_MAGIC_CRC : NEWC_MAGIC, 6);
		if (r == 0) {
			l->trailer = true;
			return 0;
		}
		if (S_ISREG(e.mode))
			strv_push(&l->files, e.name);
	}
	return 0;
}

int cgz_list(const void *data, size_t len, struct cgz_listing *ret, char **why)
{
	_cleanup_strbuf_ struct strbuf cpio = STRBUF_INIT, err = STRBUF_INIT;
	struct cgz_listing l = { 0 };
	struct decoded d;
	char *reason = NULL;
	int r;

	if (len < 2 || memcmp(data, "\x1f\x8b", 2)) {
		if (why)
			*why = xstrdup("not gzip-compressed");
		return -EMEDIUMTYPE;
	}
	/* one gzip member, as the loader's gunzip reads it */
	r = decode_member(INITRD_GZIP, data, len, MAX_UNPACKED, &cpio, &d, &err);
	if (r < 0) {
		reason = err.len ? strbuf_detach(&err) : xstrdup("damaged or truncated gzip data");
		r = -EBADMSG;
	} else {
		r = walk(cpio.buf, cpio.len, &l, &reason);
	}
	if (r < 0) {
		cgz_listing_release(&l);
		if (why)
			*why = reason;
		else
			free(reason);
		return r;
	}
	*ret = l;
	return 0;
}

void cgz_listing_release(struct cgz_listing *l)
{
	strv_release(&l->files);
	memset(l, 0, sizeof(*l));
}
