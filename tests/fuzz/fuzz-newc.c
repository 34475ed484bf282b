// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the newc cpio walker (dkms-core/codec/newc.c) on its
 * own, with the properties its callers rely on: every entry's header, name and data
 * lie inside the buffer, the name is NUL-terminated, the position only
 * moves forward, stays 4-aligned from the start where it can, and never
 * passes the end; a damaged entry is refused with an "offset N: " reason.
 * The legacy modules.cgz reader (formats/cgz.c) is fuzzed by rpm-header.
 * Build: `make build/fuzz/fuzz-newc`; run: build/fuzz/fuzz-newc -max_len=4096
 * tests/fuzz/corpus/newc. With -DFUZZ_REPLAY (gcc, no libFuzzer) it replays
 * the files named on the command line.
 */
#include "codec/newc.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t pos = 0;

	for (;;) {
		struct strbuf err = STRBUF_INIT;
		struct newc_entry e;
		size_t start = pos;
		int r = newc_next(buf, size, &pos, &e, &err);

		if (r < 0) {
			if (r != -EBADMSG || strncmp(err.buf, "offset ", 7) || pos != start)
				abort();
			strbuf_release(&err);
			break;
		}
		if (err.len || pos <= start || pos > size || e.offset != start ||
		    e.name != buf + start + NEWC_HEADER_SIZE ||
		    (size_t)(e.name - buf) + strlen(e.name) >= size)
			abort();
		if (r == 0) {
			if (strcmp(e.name, NEWC_TRAILER))
				abort();
			break;
		}
		if (r != 1 || e.data < e.name || (size_t)(e.data - buf) + e.filesize > size ||
		    ((size_t)(e.data - buf) & 3) || ((pos & 3) && pos != size))
			abort();
		strbuf_release(&err);
	}
	return 0;
}
