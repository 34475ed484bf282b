/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the fuzz targets: the replay main (-DFUZZ_REPLAY: gcc, no
 * libFuzzer, the files named on the command line are run in turn, so the
 * committed corpus stays meaningful under `make check`), a scratch
 * directory per input, and the check that an unpacked tree stays inside
 * its root.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Once per process: a file may not grow past 16 MiB (a sparse or
 * compressed bomb then fails with EFBIG instead of filling the disk of
 * the machine the fuzzer runs on).
 */
static inline void fuzz_limit_files(void)
{
	static bool done;
	struct rlimit rl = { 16 << 20, 16 << 20 };

	if (done)
		return;
	done = true;
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		abort();
}

/* A fresh directory under $TMPDIR for one input; free and fuzz_rm it after. */
static inline char *fuzz_scratch(const char *what)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (asprintf(&dir, "%s/fuzz-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", what) < 0)
		abort();
	if (!mkdtemp(dir))
		abort();
	return dir;
}

static inline void fuzz_rm(char *dir)
{
	/* entries may have lost u+w: rm_rf copes, else the next run would see leftovers */
	if (rm_rf(dir) < 0)
		abort();
	free(dir);
}

static inline void fuzz_write_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 || write_all(fd, data, size) < 0 || close(fd) < 0)
		abort();
}

/* Entries of dir other than . and .. */
static inline int fuzz_count(const char *dir)
{
	int n = dir_count_entries(dir);

	if (n < 0)
		abort();
	return n;
}

/*
 * Everything under root_fd/rel is a directory, a regular file or a symlink
 * that resolves beneath root (the kernel's RESOLVE_BENEATH says so, not a
 * string check); nothing is setuid, setgid or sticky. Aborts otherwise.
 */
static inline void fuzz_check_tree_at(int root_fd, const char *rel, unsigned depth)
{
	int dfd = openat(root_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (dfd < 0 || depth > 4096)
		abort();
	d = fdopendir(dfd);
	if (!d)
		abort();
	while ((de = readdir(d))) {
		struct stat st;
		char *path;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			abort();
		if (st.st_mode & (S_ISUID | S_ISGID | S_ISVTX))
			abort();
		if (asprintf(&path, "%s/%s", rel, de->d_name) < 0)
			abort();
		if (S_ISDIR(st.st_mode)) {
			fuzz_check_tree_at(root_fd, path, depth + 1);
		} else if (S_ISLNK(st.st_mode)) {
			struct open_how how = { .flags = O_PATH | O_CLOEXEC,
						.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
			long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));

			if (fd >= 0)
				close((int)fd);
			else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
				abort(); /* EXDEV: it leads out of the tree */
		} else if (!S_ISREG(st.st_mode)) {
			abort();
		}
		free(path);
	}
	closedir(d);
}

static inline void fuzz_check_tree(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		abort();
	fuzz_check_tree_at(fd, ".", 0);
	close(fd);
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
