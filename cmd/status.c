// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "status.h"
#include "util/strbuf.h"

static int print_entry(const struct status_entry *e, void *userdata)
{
	struct cmd *c = userdata;
	_cleanup_free_ char *line = NULL;

	if (e->flags & STATUS_HEAD) {
		line = status_format(e);
		fputs(line, c->ctx.out);
		fflush(c->ctx.out);
		return 0;
	}
	/* built and installed lines came with a head first: only the rest now */
	if (e->state == STATUS_BUILT || e->state == STATUS_INSTALLED)
		line = status_format_suffix(e);
	else
		line = status_format(e);
	fputs(line, c->ctx.out);
	fputc('\n', c->ctx.out);
	if (e->state == STATUS_BROKEN) {
		fflush(c->ctx.out);
		dkms_error(&c->ctx, "%s/%s: Missing the module source directory or the symbolic link pointing to it.\n"
			   "Manual intervention is required!", e->module, e->version);
	}
	return 0;
}

static const char *nonempty(const char *s)
{
	return strempty(s) ? NULL : s;
}

int cmd_status(struct cmd *c)
{
	const char *m = nonempty(c->module), *v = nonempty(c->version);
	const unsigned walk = STATUS_WALK_SUFFIXES | STATUS_WALK_HEADS;

	if (!c->n_kernels)
		return cmd_status_of(status_walk(&c->ctx, m, v, NULL, NULL, walk, print_entry, c));
	for (size_t i = 0; i < c->n_kernels; i++) {
		int r = status_walk(&c->ctx, m, v, nonempty(c->kernels[i].version),
				    nonempty(c->kernels[i].arch), walk, print_entry, c);
		if (r < 0)
			return 1;
	}
	return 0;
}
