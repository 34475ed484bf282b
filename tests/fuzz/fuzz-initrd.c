// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the initramfs reader (initrd/segments.c, newc.c,
 * decode.c, list.c) and the fragment rules. Every input is either refused
 * with a reason or split into members that lie in order inside the image
 * with only NULs between and after them; the listing of an accepted image
 * finds every file it lists. Build: `make build/fuzz/fuzz-initrd`; run:
 *   build/fuzz/fuzz-initrd -max_len=65536 tests/fuzz/corpus/initrd
 * With -DFUZZ_REPLAY instead of -fsanitize=fuzzer, it replays the files named
 * on the command line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "initrd/fragment.h"
#include "initrd/list.h"
#include "initrd/segments.h"
#include "util/fileio.h"
#include "util/strbuf.h"

static void check_layout(const uint8_t *data, size_t size, const struct initrd_image *img)
{
	size_t pos = 0;

	for (size_t i = 0; i < img->n; i++) {
		const struct initrd_segment *s = &img->segments[i];

		if (s->offset < pos || s->size == 0 || s->offset + s->size > size)
			abort();
		for (size_t j = pos; j < s->offset; j++)
			if (data[j])
				abort();
		pos = s->offset + s->size;
	}
	if (img->end != pos && img->n)
		abort();
	for (size_t j = pos; j < size; j++)
		if (data[j])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct initrd_image img = INITRD_IMAGE_INIT;
	struct initrd_listing l = { .image = INITRD_IMAGE_INIT };
	struct strbuf err = STRBUF_INIT;
	struct strv problems = STRV_INIT;

	if (initrd_split(data, size, &img, &err) == 0) {
		if (err.len)
			abort(); /* a reason only with a refusal */
		check_layout(data, size, &img);
		if (initrd_list_image(&img, &l) == 0) {
			for (size_t i = 0; i < l.n_files; i++)
				if (initrd_listing_find(&l, l.files[i].path) == NULL &&
				    !strchr(l.files[i].path, '/'))
					abort();
			initrd_listing_release(&l);
		}
	} else if (!err.len) {
		abort(); /* a refusal always says why */
	}
	initrd_image_release(&img);
	(void)initrd_fragment_check(data, size, &problems);
	strv_release(&problems);
	strbuf_release(&err);
	return 0;
}
