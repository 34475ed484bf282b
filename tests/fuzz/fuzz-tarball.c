// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the checked tarball extraction of `dkms ldtarball`
 * (dkms-core/tarball-extract.c) and the look at the result that follows.
 * Each input is written to a fresh scratch directory S as S/in and
 * extracted to S/out. Either it is refused, with a message, and S holds
 * only S/in; or S holds S/in and S/out and nothing else (the temp directory
 * beside out is gone), and under out there are only directories, regular
 * files and symlinks that resolve beneath out (openat2 RESOLVE_BENEATH),
 * none setuid, setgid or sticky. Independently, the harness lists the input
 * with libarchive itself: an archive with an absolute or ".." name (entry or
 * hardlink target), a symlink to an absolute path, or a device, fifo or
 * socket must be refused. Files are capped at 16 MiB (RLIMIT_FSIZE)
 * so that a bomb cannot fill the disk. Build: `make build/fuzz/fuzz-tarball`;
 * run: build/fuzz/fuzz-tarball -max_len=65536 tests/fuzz/corpus/tarball.
 * With -DFUZZ_REPLAY (gcc, no libFuzzer) it replays the files named on the
 * command line.
 */
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "fuzz-util.h"
#include "tarball.h"

static bool bad_path(const char *p)
{
	if (!p)
		return false;
	if (p[0] == '/')
		return true;
	for (const char *c = p; (c = strstr(c, "..")); c += 2)
		if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
			return true;
	return false;
}

/* What the extraction must refuse, seen by a reader of our own. */
static bool must_refuse(const uint8_t *data, size_t size)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	bool bad = false;
	int r;

	if (!a)
		abort();
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_memory(a, data, size) != ARCHIVE_OK) {
		archive_read_free(a);
		return false;
	}
	while (!bad && ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
		const char *name = archive_entry_pathname(ae) ?: archive_entry_pathname_utf8(ae);
		const char *hard = archive_entry_hardlink(ae);
		unsigned type = archive_entry_filetype(ae);

		bad = bad_path(name) || bad_path(hard);
		if (!hard && type == AE_IFLNK) {
			const char *t = archive_entry_symlink(ae) ?: archive_entry_symlink_utf8(ae);

			bad = bad || (t && t[0] == '/');
		}
		if (!hard && (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO ||
			      type == AE_IFSOCK))
			bad = true;
	}
	archive_read_free(a);
	return bad;
}

/* How much went to the user beside the errors: a refusal must say why. */
static void count_said(void *data, enum dkms_log_kind kind, const char *text)
{
	if (kind != DKMS_LOG_INFO && kind != DKMS_LOG_STEP && kind != DKMS_LOG_STEP_DONE)
		*(size_t *)data += strlen(text) + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *scratch = fuzz_scratch("tarball"), *in, *out;
	struct dkms_ctx ctx;
	size_t msg_len = 0;
	int r;

	fuzz_limit_files();
	dkms_ctx_init(&ctx);
	dkms_set_log_fn(&ctx, count_said, &msg_len);
	if (asprintf(&in, "%s/in", scratch) < 0 ||
	    asprintf(&out, "%s/out", scratch) < 0)
		abort();
	fuzz_write_file(in, data, size);

	r = dkms_tarball_extract(&ctx, in, out);
	if (r < 0) {
		if (!msg_len || fuzz_count(scratch) != 1)
			abort(); /* a refusal says why and leaves nothing behind */
	} else {
		struct dkms_tarball_info info = { 0 };

		if (r != 0 || fuzz_count(scratch) != 2 || must_refuse(data, size))
			abort();
		fuzz_check_tree(out);
		if (dkms_tarball_inspect(&ctx, out, &info) == 0)
			dkms_tarball_info_release(&info);
	}
	free(in);
	free(out);
	fuzz_rm(scratch);
	return 0;
}
