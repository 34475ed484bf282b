// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "invoke.h"
#include "util/spawn.h"
#include "util/strbuf.h"

static int append_text(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int makelog_start(const char *log, const char *m, const char *v, const char *k, const char *a)
{
	_cleanup_close_ int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	char date[128];
	time_t now = time(NULL);
	struct tm tm;
	_cleanup_free_ char *head = NULL;

	if (fd < 0)
		return -errno;
	localtime_r(&now, &tm);
	/* date(1)'s default format */
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Z %Y", &tm);
	head = xasprintf("DKMS (%s) make.log for %s/%s for kernel %s (%s)\n%s\n",
			 DKMS_VERSION_STRING, m, v, k, a, date);
	return append_text(fd, head);
}

int invoke_command(const struct dkms_ctx *ctx, const char *cmd, const char *desc,
		   const char *dir, const char *log)
{
	_cleanup_close_ int fd = -1;
	struct timespec t0, t1;
	int r;

	invoke_announce(ctx, cmd, desc);

	if (log) {
		_cleanup_free_ char *head = xasprintf("\n%s\n# command: %s\n", desc, cmd);

		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		append_text(fd, head);
	} else if (!ctx->verbose) {
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = run_shell(cmd, dir, fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (log) {
		long secs = (long)(t1.tv_sec - t0.tv_sec);
		_cleanup_free_ char *tail = xasprintf(
			"\n# exit code: %d\n# elapsed time: %02ld:%02ld:%02ld\n"
			"----------------------------------------------------------------\n",
			r < 0 ? 127 : r, secs / 3600, secs / 60 % 60, secs % 60);

		append_text(fd, tail);
	}

	invoke_report(ctx, r, cmd);
	return r;
}

void invoke_announce(const struct dkms_ctx *ctx, const char *cmd, const char *desc)
{
	if (ctx->verbose)
		dkms_info(ctx, "%s", cmd);
	else if (ctx->out) {
		fprintf(ctx->out, "%s...", desc);
		fflush(ctx->out);
	}
}

void invoke_report(const struct dkms_ctx *ctx, int r, const char *cmd)
{
	if (ctx->out) {
		if (r != 0) {
			fprintf(ctx->out, "(bad exit status: %d)", r < 0 ? 127 : r);
			if (!ctx->verbose)
				fprintf(ctx->out, "\nFailed command:\n%s\n", cmd);
			else
				fputc('\n', ctx->out); /* keep the next message off this line */
		} else {
			fputs(" done.\n", ctx->out);
		}
		fflush(ctx->out);
	}
}
