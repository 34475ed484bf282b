// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The progress line of a build on a terminal:
 *   Building megaraid_sas/07.719 for 6.1.0-56-amd64  [0:42]  CC [M] megaraid_sas_fusion.o
 * redrawn in place (carriage return, erase to end of line) as make prints,
 * and replaced by dkms's own "Building module(s)..." when make is done, so
 * the screen ends up with the same text as a log of the run would.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util/strbuf.h"

#define REDRAW_MS 100 /* at most ten redraws a second: make can print thousands of lines */

struct progress_line {
	FILE *out;
	char *desc;     /* what was on the line before: put back at the end */
	char *subject;  /* "Building m/v for k" */
	char *last;     /* the last line of output, made fit for one screen line */
	long long start_ms;
	long long drawn_ms;
	bool drawn;
	bool dirty; /* last changed since it was drawn */
};

/* cmd/ may keep state in globals: one build runs at a time */
static struct progress_line progress_state;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned columns(FILE *f)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (env && atoi(env) > 0)
		return (unsigned)atoi(env);
	return 80;
}

/*
 * One line of make output as the screen should show it: no control
 * characters (they could move the cursor), single spaces, and paths cut to
 * their last component ("CC [M]  /var/lib/dkms/m/v/build/x.o" -> "CC [M] x.o").
 */
static char *screen_text(const char *line)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = line;

	while (*p) {
		const char *start, *end, *slash = NULL;
		size_t quotes = 0;

		while (*p && (unsigned char)*p <= ' ')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && (unsigned char)*p > ' ') {
			if (*p == '/')
				slash = p;
			p++;
		}
		end = p;
		while (start + quotes < end && strchr("'\"`", start[quotes]))
			quotes++;
		if (sb.len)
			strbuf_addch(&sb, ' ');
		strbuf_add(&sb, start, quotes);
		if (slash && slash + 1 < end)
			start = slash + 1;
		else
			start += quotes;
		for (const char *c = start; c < end; c++)
			if ((unsigned char)*c != 0x7f)
				strbuf_addch(&sb, *c);
	}
	return strbuf_detach(&sb);
}

/* Append s, stopping before the screen column max (UTF-8 aware). */
static void add_fitting(struct strbuf *sb, const char *s, size_t *col, size_t max)
{
	for (; *s; s++) {
		bool continuation = ((unsigned char)*s & 0xc0) == 0x80;

		if (!continuation) {
			if (*col >= max)
				return;
			(*col)++;
		}
		strbuf_addch(sb, *s);
	}
}

static void draw(struct progress_line *pl, long long now)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	long long secs = (now - pl->start_ms) / 1000;
	/* the last column stays free: writing it wraps on some terminals */
	size_t max = columns(pl->out) - 1, col = 0;
	char clock[32];

	if (secs >= 3600)
		snprintf(clock, sizeof(clock), "  [%lld:%02lld:%02lld]", secs / 3600, secs / 60 % 60,
			 secs % 60);
	else
		snprintf(clock, sizeof(clock), "  [%lld:%02lld]", secs / 60, secs % 60);
	strbuf_addch(&sb, '\r');
	add_fitting(&sb, pl->subject, &col, max);
	add_fitting(&sb, clock, &col, max);
	if (pl->last && *pl->last) {
		add_fitting(&sb, "  ", &col, max);
		add_fitting(&sb, pl->last, &col, max);
	}
	strbuf_addstr(&sb, "\033[K");
	fputs(sb.buf, pl->out);
	fflush(pl->out);
	pl->drawn = true;
	pl->dirty = false;
	pl->drawn_ms = now;
}

static void progress_begin(void *data, const char *desc, const char *subject)
{
	struct progress_line *pl = data;

	pl->desc = xstrdup(desc);
	pl->subject = xstrdup(subject);
	pl->start_ms = now_ms();
	draw(pl, pl->start_ms);
}

static void progress_output(void *data, const char *line)
{
	struct progress_line *pl = data;
	long long now = now_ms();

	if (line) {
		_cleanup_free_ char *text = screen_text(line);

		/* keep the last line that says something */
		if (*text) {
			free(pl->last);
			pl->last = TAKE_PTR(text);
			pl->dirty = true;
		}
		if (now - pl->drawn_ms < REDRAW_MS)
			return;
	} else if (!pl->dirty && (now - pl->start_ms) / 1000 == (pl->drawn_ms - pl->start_ms) / 1000) {
		return; /* a tick: redraw only when the clock shows another second */
	}
	draw(pl, now);
}

static void progress_end(void *data)
{
	struct progress_line *pl = data;

	if (pl->drawn) {
		fprintf(pl->out, "\r\033[K%s...", pl->desc);
		fflush(pl->out);
	}
	free(pl->desc);
	free(pl->subject);
	free(pl->last);
	*pl = (struct progress_line){ .out = pl->out };
}

static const struct dkms_progress progress_ops = {
	.begin = progress_begin,
	.line = progress_output,
	.end = progress_end,
	.data = &progress_state,
};

static bool is_terminal(FILE *f)
{
	return f && isatty(fileno(f));
}

void terminal_setup(struct dkms_ctx *ctx, struct cmd_output *o)
{
	const char *term = getenv("TERM");
	const char *no_color = getenv("NO_COLOR");
	bool capable = !strempty(term) && !streq(term, "dumb");
	bool color = capable && strempty(no_color);

	o->color_out = color && is_terminal(o->out);
	o->color_err = color && is_terminal(o->err);
	ctx->progress = NULL;
	if (capable && !ctx->quiet && is_terminal(o->out)) {
		progress_state.out = o->out;
		ctx->progress = &progress_ops;
	}
}
