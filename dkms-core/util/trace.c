// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>

#include "strbuf.h"
#include "trace.h"
#include "words.h"

static void add_word(struct strbuf *sb, const char *w)
{
	_cleanup_free_ char *q = shell_quote(w);

	if (sb->len)
		strbuf_addch(sb, ' ');
	strbuf_addstr(sb, q);
}

void trace_child(const struct child *c)
{
	const char *on = getenv("DKMS_DEBUG");
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	if (!on || !*on)
		return;
	if (c->dir) {
		add_word(&sb, "cd");
		add_word(&sb, c->dir);
		strbuf_addstr(&sb, " &&");
	}
	for (size_t i = 0; i < c->env_set.n; i++)
		add_word(&sb, c->env_set.v[i]);
	for (size_t i = 0; i < c->args.n; i++)
		add_word(&sb, c->args.v[i]);
	fprintf(stderr, "+ %s\n", sb.buf);
	fflush(stderr);
}
