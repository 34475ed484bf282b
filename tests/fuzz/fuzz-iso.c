// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for what `dkms checkdisk` does with an ISO 9660 image
 * (mkdisk/medium-read.c: libblkid, then libarchive's reader, our Rock
 * Ridge/Joliet probe in medium-iso.c and the unpacking of
 * mkdisk/medium-libarchive.c and extract.c). The input is the image from
 * sector 16 (the volume descriptors) on: the 32 KiB system area before it
 * is zeros, and the image is zero-extended by 256 KiB, so seeds made by
 * our writer stay small with their trailing zeros cut. Each input is
 * unpacked into a fresh scratch directory; the tree holds only
 * directories, regular files and symlinks that resolve beneath it.
 * Build: `make build/fuzz/fuzz-iso`; run: build/fuzz/fuzz-iso -max_len=131072
 * tests/fuzz/corpus/iso. With -DFUZZ_REPLAY (gcc, no libFuzzer) it
 * replays the files named on the command line.
 */
#include "fuzz-util.h"
#include "mkdisk/medium.h"

#define SYSTEM_AREA (32u << 10)
#define TAIL (256u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *scratch = fuzz_scratch("iso"), *image, *dir;
	struct strv problems = STRV_INIT;
	struct medium_info info;
	int fd, r;

	fuzz_limit_files();
	if (asprintf(&image, "%s/in.iso", scratch) < 0 || asprintf(&dir, "%s/out", scratch) < 0)
		abort();
	fd = open(image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || pwrite(fd, data, size, SYSTEM_AREA) != (ssize_t)size ||
	    ftruncate(fd, SYSTEM_AREA + ((size + 2047) & ~(size_t)2047) + TAIL) < 0 || close(fd) < 0)
		abort();
	r = medium_read(image, dir, &info, &problems);
	if (r == 0)
		medium_info_release(&info);
	else if (r == -EBADMSG && !problems.n)
		abort(); /* damage is always explained */
	if (r > 0)
		abort();
	if (access(dir, F_OK) == 0)
		fuzz_check_tree(dir);
	strv_release(&problems);
	free(image);
	free(dir);
	fuzz_rm(scratch);
	return 0;
}
