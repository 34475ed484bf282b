/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the cmocka unit tests (header only: each test is one binary). */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/output.h"
#include "context.h"
#include "util/strbuf.h"

/*
 * What a test's ctx said, as the dkms program prints it: the core's messages
 * go through cmd/'s writer (cmd/output.c) to two memory streams.
 */
struct captured {
	char *out_text, *err_text;
	size_t out_len, err_len;
	struct cmd_output output;
};

static inline void capture_end(struct captured *c)
{
	if (c->output.out)
		fclose(c->output.out);
	if (c->output.err)
		fclose(c->output.err);
	c->output.out = c->output.err = NULL;
	free(c->out_text);
	free(c->err_text);
	c->out_text = c->err_text = NULL;
}

/* (Re)start capturing: close and free what was captured so far. */
static inline void capture_reopen(struct dkms_ctx *ctx, struct captured *c)
{
	capture_end(c);
	c->output.out = open_memstream(&c->out_text, &c->out_len);
	c->output.err = open_memstream(&c->err_text, &c->err_len);
	dkms_set_log_fn(ctx, cmd_output_write, &c->output);
}

/* Stop capturing and free everything. */
static inline void capture_close(struct dkms_ctx *ctx, struct captured *c)
{
	capture_end(c);
	dkms_set_log_fn(ctx, NULL, NULL);
}

/* "<dir>/<fmt…>", allocated. */
static inline char *vpath_in(const char *dir, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/", dir);
	strbuf_vaddf(&sb, fmt, ap);
	return strbuf_detach(&sb);
}
