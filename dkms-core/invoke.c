// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "invoke.h"
#include "util/fileio.h"
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

/* The output of a watched command: all of it to the log, lines to the progress. */
struct watch {
	int log_fd;
	const struct dkms_progress *progress;
	struct strbuf partial; /* the line not finished yet */
};

static void watch_output(void *data, const char *buf, size_t len)
{
	struct watch *w = data;
	const char *end = buf + len;

	if (!buf) {
		w->progress->line(w->progress->data, NULL);
		return;
	}
	for (size_t done = 0; done < len;) {
		ssize_t n = write(w->log_fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	while (buf < end) {
		const char *nl = memchr(buf, '\n', (size_t)(end - buf));

		if (!nl) {
			strbuf_add(&w->partial, buf, (size_t)(end - buf));
			break;
		}
		strbuf_add(&w->partial, buf, (size_t)(nl - buf));
		w->progress->line(w->progress->data, w->partial.buf);
		strbuf_reset(&w->partial);
		buf = nl + 1;
	}
}

/* argv (bash -c cmd when argv is NULL) in dir, its output through a watch when watched. */
static int run(const struct dkms_ctx *ctx, const char *cmd, const struct strv *argv,
	       const struct strv *env, const char *dir, int log_fd, bool watched, const char *desc,
	       const char *subject)
{
	struct watch w = { .log_fd = log_fd, .progress = ctx->progress, .partial = STRBUF_INIT };
	struct child c = CHILD_INIT;
	int r;

	if (argv) {
		for (size_t i = 0; i < argv->n; i++)
			strv_push(&c.args, argv->v[i]);
	} else {
		strv_push(&c.args, "bash");
		strv_push(&c.args, "-c");
		strv_push(&c.args, cmd);
	}
	for (size_t i = 0; env && i < env->n; i++)
		strv_push(&c.env_set, env->v[i]);
	c.dir = dir;
	if (!watched) {
		c.out_fd = log_fd;
		c.err_fd = log_fd >= 0 ? -2 : -1;
		r = child_run(&c);
		child_release(&c);
		return r;
	}
	c.err_fd = -2;
	c.on_output = watch_output;
	c.on_output_data = &w;
	c.tick_ms = 250; /* the clock on the line moves on while make is silent */
	w.progress->begin(w.progress->data, desc, subject);
	r = child_run(&c);
	w.progress->end(w.progress->data);
	child_release(&c);
	strbuf_release(&w.partial);
	return r;
}

int invoke_command(const struct dkms_ctx *ctx, const char *cmd, const char *desc,
		   const char *dir, const char *log)
{
	return invoke_command_watched(ctx, cmd, desc, dir, log, NULL);
}

static int invoke(const struct dkms_ctx *ctx, const char *cmd, const struct strv *argv,
		  const struct strv *env, const char *desc, const char *dir, const char *log,
		  const char *subject);

int invoke_command_watched(const struct dkms_ctx *ctx, const char *cmd, const char *desc,
			   const char *dir, const char *log, const char *subject)
{
	return invoke(ctx, cmd, NULL, NULL, desc, dir, log, subject);
}

int invoke_argv_watched(const struct dkms_ctx *ctx, const struct strv *argv, const struct strv *env,
			const char *shown, const char *desc, const char *dir, const char *log,
			const char *subject)
{
	return invoke(ctx, shown, argv, env, desc, dir, log, subject);
}

int invoke_command_env(const struct dkms_ctx *ctx, const char *cmd, const struct strv *env,
		       const char *desc, const char *dir, const char *log, const char *subject)
{
	return invoke(ctx, cmd, NULL, env, desc, dir, log, subject);
}

static int invoke(const struct dkms_ctx *ctx, const char *cmd, const struct strv *argv,
		  const struct strv *env, const char *desc, const char *dir, const char *log,
		  const char *subject)
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
	/* with --verbose the command is on the line: no progress over it */
	r = run(ctx, cmd, argv, env, dir, fd,
		subject && log && fd >= 0 && ctx->progress && !ctx->verbose, desc, subject);
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
	if (r < 0)
		dkms_info(ctx, "No command ran: the shell could not be started%s%s: %s.",
			  dir ? " in " : "", dir ? dir : "", strerror(-r));
	return r;
}

void invoke_announce(const struct dkms_ctx *ctx, const char *cmd, const char *desc)
{
	if (ctx->verbose)
		dkms_info(ctx, "%s", cmd);
	else
		dkms_log(ctx, DKMS_LOG_STEP, "%s", desc);
}

/*
 * Exit status 127 (126) is the shell's: no command ran because one was not
 * found (or not executable). Say so, naming the command when it is the
 * first word.
 */
static void explain_no_command(const struct dkms_ctx *ctx, int r, const char *cmd)
{
	_cleanup_free_ char *word = NULL, *found = NULL;
	size_t n;

	cmd += strspn(cmd, " \t\n");
	n = strcspn(cmd, " \t\n;&|<>()'\"`$\\=");
	if (n && strchr(" \t\n;&|<>()", cmd[n] ?: ' '))
		word = xstrndup(cmd, n);
	found = word ? find_program(word) : NULL;
	if (r == 127 && word && !found)
		dkms_info(ctx, "No command ran: %s was not found%s.", word, strchr(word, '/') ? "" : " in PATH");
	else if (r == 126 && word && found)
		dkms_info(ctx, "No command ran: %s could not be executed.", found);
	else if (r == 127)
		dkms_info(ctx, "No command ran: the shell did not find a command it was given "
			       "(see its message in the log).");
}

void invoke_report(const struct dkms_ctx *ctx, int r, const char *cmd)
{
	if (r == 0) {
		dkms_log(ctx, DKMS_LOG_STEP_DONE, "%s", "");
		return;
	}
	dkms_log(ctx, DKMS_LOG_STEP_FAILED, "%d", r < 0 ? 127 : r);
	if (!ctx->verbose)
		dkms_info(ctx, "Failed command:\n%s", cmd);
	if (r == 126 || r == 127)
		explain_no_command(ctx, r, cmd);
}
