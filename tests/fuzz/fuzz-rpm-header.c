// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the two parsers `dkms checkdisk` runs on what a
 * driver disk holds: RPM headers (formats/rpm-header.c) and legacy
 * modules.cgz archives (formats/cgz.c). Any input must give a result or an
 * error, never a crash, a read out of bounds or a leak. Build:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. -Idkms-core \
 *     tests/fuzz/fuzz-rpm-header.c formats/rpm-header.c formats/cgz.c \
 *     dkms-core/util/strbuf.c dkms-core/util/strv.c -lz -o fuzz-rpm-header
 *   ./fuzz-rpm-header -max_len=65536 <dir with some .rpm and .cgz files>
 * With -DFUZZ_REPLAY instead of -fsanitize=fuzzer, it replays the files named
 * on the command line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "formats/cgz.h"
#include "formats/rpm-header.h"
#include "util/fileio.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpm_header h;
	struct cgz_listing l;
	char *why = NULL;

	if (rpm_header_parse(data, size, &h) == 0)
		rpm_header_release(&h);
	if (cgz_list(data, size, &l, &why) == 0)
		cgz_listing_release(&l);
	free(why);
	return 0;
}

#ifdef FUZZ_REPLAY
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (read_file(argv[i], &sb) < 0) {
			perror(argv[i]);
			return 1;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)sb.buf, sb.len);
		strbuf_release(&sb);
	}
	return 0;
}
#endif
