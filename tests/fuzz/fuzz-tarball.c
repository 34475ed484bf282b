// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the checked tarball extraction of `dkms ldtarball`
 * (dkms-core/tarball-extract.c) and the look at the result that follows.
 * Each input is written to a fresh scratch directory S as S/in and
 * extracted to S/out. Either it is refused, with a message, and S holds
 * only S/in; or S holds S/in and S/out and nothing else (the temp directory
 * beside out is gone), and under out there are only directories, regular
 * files and symlinks that resolve beneath out (openat2 RESOLVE_BENEATH),
 * none setuid, setgid or sticky. Files are capped at 16 MiB (RLIMIT_FSIZE)
 * so that a bomb cannot fill the disk. Build: `make build/fuzz/fuzz-tarball`;
 * run: build/fuzz/fuzz-tarball -max_len=65536 tests/fuzz/corpus/tarball.
 * With -DFUZZ_REPLAY (gcc, no libFuzzer) it replays the files named on the
 * command line.
 */
#include "fuzz-util.h"
#include "tarball.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *scratch = fuzz_scratch("tarball"), *in, *out, *msg = NULL;
	struct dkms_ctx ctx;
	size_t msg_len = 0;
	int r;

	fuzz_limit_files();
	dkms_ctx_init(&ctx);
	ctx.out = fopen("/dev/null", "w");
	ctx.err = open_memstream(&msg, &msg_len);
	if (!ctx.out || !ctx.err || asprintf(&in, "%s/in", scratch) < 0 ||
	    asprintf(&out, "%s/out", scratch) < 0)
		abort();
	fuzz_write_file(in, data, size);

	r = dkms_tarball_extract(&ctx, in, out);
	fflush(ctx.err);
	if (r < 0) {
		if (!msg_len || fuzz_count(scratch) != 1)
			abort(); /* a refusal says why and leaves nothing behind */
	} else {
		struct dkms_tarball_info info = { 0 };

		if (r != 0 || fuzz_count(scratch) != 2)
			abort();
		fuzz_check_tree(out);
		if (dkms_tarball_inspect(&ctx, out, &info) == 0)
			dkms_tarball_info_release(&info);
	}
	fclose(ctx.out);
	fclose(ctx.err);
	free(msg);
	free(in);
	free(out);
	fuzz_rm(scratch);
	return 0;
}
