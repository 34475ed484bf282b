// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "failpoint.h"
#include "macro.h"

/*
 * The step counters are per process by nature (a test counts the steps of
 * one run); they are the only state below cmd/ and only move while a hook
 * is set.
 */
static unsigned long steps_passed, writes_done;

void failpoint(const char *name)
{
	const char *want = getenv("DKMS_FAILPOINT"), *trace = getenv("DKMS_FAILPOINT_TRACE");
	char *end;
	unsigned long n;

	if (!want && !trace)
		return;
	steps_passed++;
	if (trace) {
		int fd = open(trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dprintf(fd, "%lu %s\n", steps_passed, name);
			close(fd);
		}
	}
	if (!want || !*want)
		return;
	n = strtoul(want, &end, 10);
	if ((*end == '\0' && n == steps_passed) || streq(want, name)) {
		fflush(NULL);
		kill(getpid(), SIGKILL);
	}
}

bool failwrite_now(void)
{
	const char *want = getenv("DKMS_FAILWRITE"), *trace = getenv("DKMS_FAILPOINT_TRACE");

	if (!want && !trace)
		return false;
	writes_done++;
	if (trace) {
		int fd = open(trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dprintf(fd, "write %lu\n", writes_done);
			close(fd);
		}
	}
	return want && writes_done == strtoul(want, NULL, 10);
}
