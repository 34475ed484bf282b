// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the FAT12/16/32 reader of `dkms checkdisk`
 * (mkdisk/fat-read.c, unpacking through dkms-core/codec/extract.c). The input is the
 * start of an image: it is zero-extended to at least 64 KiB (images our
 * writer makes are sparse, so seeds are kept small by cutting trailing
 * zeros). Each input is unpacked into a fresh scratch directory; the result
 * is 0, or -EBADMSG with a problem line, or an I/O errno; the tree holds
 * only directories, regular files and symlinks that resolve beneath it.
 * Build: `make build/fuzz/fuzz-fat`; run: build/fuzz/fuzz-fat -max_len=131072
 * tests/fuzz/corpus/fat. With -DFUZZ_REPLAY (gcc, no libFuzzer) it replays
 * the files named on the command line.
 */
#include <sys/mman.h>

#include "fuzz-util.h"
#include "mkdisk/fat.h"

#define MIN_IMAGE (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *scratch = fuzz_scratch("fat");
	struct strv problems = STRV_INIT;
	struct extract x;
	int fd = memfd_create("fat", MFD_CLOEXEC), r;

	fuzz_limit_files();
	if (fd < 0 || write_all(fd, data, size) < 0 ||
	    (size < MIN_IMAGE && ftruncate(fd, MIN_IMAGE) < 0))
		abort();
	if (extract_open(&x, scratch, "fat.img", &problems) < 0)
		abort();
	r = fat_read_image(fd, &x);
	extract_close(&x);
	if (r == -EBADMSG && !problems.n)
		abort(); /* damage is always explained */
	if (r > 0)
		abort();
	fuzz_check_tree(scratch);
	strv_release(&problems);
	close(fd);
	fuzz_rm(scratch);
	return 0;
}
