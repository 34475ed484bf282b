/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the cmocka unit tests (header only: each test is one binary). */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "context.h"
#include "util/strbuf.h"

/* What a test's ctx printed: ctx->out and ctx->err go to memory. */
struct captured {
	char *out_text, *err_text;
	size_t out_len, err_len;
};

/* (Re)start capturing: close and free what was captured so far. */
static inline void capture_reopen(struct dkms_ctx *ctx, struct captured *c)
{
	if (ctx->out)
		fclose(ctx->out);
	if (ctx->err)
		fclose(ctx->err);
	free(c->out_text);
	free(c->err_text);
	c->out_text = c->err_text = NULL;
	ctx->out = open_memstream(&c->out_text, &c->out_len);
	ctx->err = open_memstream(&c->err_text, &c->err_len);
}

/* Stop capturing and free everything. */
static inline void capture_close(struct dkms_ctx *ctx, struct captured *c)
{
	if (ctx->out)
		fclose(ctx->out);
	if (ctx->err)
		fclose(ctx->err);
	ctx->out = ctx->err = NULL;
	free(c->out_text);
	free(c->err_text);
	c->out_text = c->err_text = NULL;
}

/* "<dir>/<fmt…>", allocated. */
static inline char *vpath_in(const char *dir, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/", dir);
	strbuf_vaddf(&sb, fmt, ap);
	return strbuf_detach(&sb);
}
