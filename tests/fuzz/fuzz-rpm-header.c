// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the two parsers `dkms checkdisk` runs on what a
 * driver disk holds: RPM headers (formats/rpm-header.c) and legacy
 * modules.cgz archives (formats/cgz.c). Any input must give a result or an
 * error, never a crash, a read out of bounds or a leak. Build:
 * `make build/fuzz/fuzz-rpm-header`; run: build/fuzz/fuzz-rpm-header -max_len=65536
 *   tests/fuzz/corpus/rpm-header
 * With -DFUZZ_REPLAY instead of -fsanitize=fuzzer, it replays the files named
 * on the command line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz-util.h"
#include "formats/cgz.h"
#include "formats/rpm-header.h"
#include "util/fileio.h"
#include "util/strbuf.h"

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
