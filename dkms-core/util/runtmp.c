// SPDX-License-Identifier: GPL-2.0-or-later
/* The run's private temp dir, and removing those of killed runs (see runtmp.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir.h"
#include "fileio.h"
#include "runtmp.h"

#define PREFIX "dkms-run."

/* Field 22 of /proc/<pid>/stat, or 0 when the process does not exist. */
static unsigned long long start_time(const char *pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%s/stat", pid);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	unsigned long long v = 0;
	const char *p;

	if (read_file(path, &sb) < 0)
		return 0;
	/* the command name may hold spaces and parentheses: count from the last ')' */
	p = strrchr(sb.buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

static unsigned long long pid_namespace(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

char *runtmp_create(const char *base)
{
	char pid[32];
	unsigned long long start;
	char *dir;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	start = start_time(pid);
	if (!start) {
		errno = ENOENT;
		return NULL;
	}
	dir = xasprintf("%s/" PREFIX "%llu.%s.%llu", base, pid_namespace(), pid, start);
	if (mkdir(dir, 0700) < 0) {
		int e = errno;

		/* ours cannot exist yet: whatever is there, someone else put it */
		free(dir);
		errno = e;
		return NULL;
	}
	return dir;
}

/* "<ns>.<pid>.<start>": true with its parts when the name has that form. */
static bool parse_name(const char *name, unsigned long long *ns, char pid[32],
		       unsigned long long *start)
{
	const char *p = name + strlen(PREFIX);
	char *end;
	size_t n;

	if (strncmp(name, PREFIX, strlen(PREFIX)))
		return false;
	*ns = strtoull(p, &end, 10);
	if (end == p || *end != '.')
		return false;
	p = end + 1;
	n = strspn(p, "0123456789");
	if (!n || n >= 32 || p[n] != '.')
		return false;
	memcpy(pid, p, n);
	pid[n] = '\0';
	p += n + 1;
	*start = strtoull(p, &end, 10);
	return end != p && !*end;
}

void runtmp_sweep(const char *base)
{
	_cleanup_(closedirp) DIR *d = opendir(base);
	unsigned long long ours = pid_namespace();
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned long long ns, start;
		char pid[32];
		struct stat st;

		if (!parse_name(de->d_name, &ns, pid, &start) || ns != ours)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (start_time(pid) == start)
			continue; /* that run is still going */
		_cleanup_free_ char *path = xasprintf("%s/%s", base, de->d_name);
		rm_rf(path);
	}
}
