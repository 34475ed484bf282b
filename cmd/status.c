// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "initrd/transaction.h"
#include "json.h"
#include "status.h"
#include "status-weak.h"
#include "util/strbuf.h"

/*
 * A reader that cannot recover (no write access) must not call installed
 * what an unfinished transaction may still undo: such lines say built.
 */
static struct strv pending = STRV_INIT;

static bool is_pending(const struct status_entry *e)
{
	for (size_t i = 0; e->state == STATUS_INSTALLED && i < pending.n; i++) {
		_cleanup_free_ char *ka = xasprintf("%s/%s/", e->kernel, e->arch);
		const char *p = pending.v[i];

		if (streq(p, "*"))
			return true;
		if (!strncmp(p, ka, strlen(ka)) && (!p[strlen(ka)] || streq(p + strlen(ka), e->module)))
			return true;
	}
	return false;
}

static int print_entry(const struct status_entry *e_in, void *userdata)
{
	struct cmd *c = userdata;
	_cleanup_free_ char *line = NULL;
	struct status_entry shown = *e_in;
	const struct status_entry *e = &shown;

	if (is_pending(e_in))
		shown.state = STATUS_BUILT;

	if (e->flags & STATUS_HEAD) {
		line = status_format(e);
		fputs(line, c->output.out);
		fflush(c->output.out);
		return 0;
	}
	/* built and installed lines came with a head first: only the rest now */
	if (e->state == STATUS_BUILT || e->state == STATUS_INSTALLED)
		line = status_format_suffix(e);
	else
		line = status_format(e);
	fputs(line, c->output.out);
	fputc('\n', c->output.out);
	if (e->state == STATUS_BROKEN) {
		fflush(c->output.out);
		dkms_error(&c->ctx, "%s/%s: Missing the module source directory or the symbolic link pointing to it.\n"
			   "Manual intervention is required!", e->module, e->version);
	}
	return 0;
}

static const char *nonempty(const char *s)
{
	return strempty(s) ? NULL : s;
}

/* status --json: the array being written. */
struct json_status {
	struct cmd *c;
	FILE *out;
	size_t n;
};

/* The text form's suffixes, as names a script can test. */
static const struct {
	unsigned flag;
	const char *name;
} json_flags[] = {
	{ STATUS_ORIGINALS_EXIST, "original_modules_exist" },
	{ STATUS_BUILT_MISSING, "built_modules_missing" },
	{ STATUS_DIFFERENT, "built_and_installed_differ" },
};

static void json_member(FILE *f, const char *name, const char *value)
{
	json_put_string(f, name);
	fputs(": ", f);
	json_put_string(f, value);
	fputs(", ", f);
}

static int print_json_entry(const struct status_entry *e, void *userdata)
{
	struct json_status *js = userdata;
	FILE *f = js->out;
	bool first = true;

	fputs(js->n++ ? ",\n  {" : "\n  {", f);
	json_member(f, "module", e->module);
	json_member(f, "version", e->version);
	json_member(f, "kernel", e->kernel);
	json_member(f, "arch", e->arch);
	json_member(f, "state", status_state_name(is_pending(e) ? STATUS_BUILT : e->state));
	fputs("\"flags\": [", f);
	for (size_t i = 0; i < ARRAY_SIZE(json_flags); i++) {
		/* the text form shows "missing" instead of "differ", never both */
		if (json_flags[i].flag == STATUS_DIFFERENT && (e->flags & STATUS_BUILT_MISSING))
			continue;
		if (!(e->flags & json_flags[i].flag))
			continue;
		if (!first)
			fputs(", ", f);
		json_put_string(f, json_flags[i].name);
		first = false;
	}
	fputs("]}", f);
	if (e->state == STATUS_BROKEN)
		dkms_error(&js->c->ctx, "%s/%s: Missing the module source directory or the symbolic link pointing to it.\n"
			   "Manual intervention is required!", e->module, e->version);
	return 0;
}

/*
 * One array on stdout: an object per line of the text form. Anything the
 * walk has to say (dkms.conf messages, DIRECTIVE: lines) goes to stderr so
 * stdout stays JSON.
 */
static int status_json(struct cmd *c, const char *m, const char *v)
{
	struct json_status js = { .c = c, .out = c->output.out };
	int r = 0;

	c->output.out = c->output.err;
	fputc('[', js.out);
	if (!c->n_kernels)
		r = status_walk(&c->ctx, m, v, NULL, NULL, STATUS_WALK_SUFFIXES, print_json_entry, &js);
	for (size_t i = 0; i < c->n_kernels && r >= 0; i++)
		r = status_walk(&c->ctx, m, v, nonempty(c->kernels[i].version),
				nonempty(c->kernels[i].arch), STATUS_WALK_SUFFIXES, print_json_entry, &js);
	fputs(js.n ? "\n]\n" : "]\n", js.out);
	c->output.out = js.out;
	return r < 0 ? 1 : 0;
}

/* status_walk, then the installed-weak lines of the same filter (text status only). */
static int walk_and_weak(struct cmd *c, const char *m, const char *v, const char *k,
			 const char *a, unsigned walk)
{
	_cleanup_strbuf_ struct strbuf weak = STRBUF_INIT;
	int r = status_walk(&c->ctx, m, v, k, a, walk, print_entry, c);

	if (r >= 0) {
		status_weak_lines(&c->ctx, m, v, k, a, &weak);
		fputs(weak.buf ? weak.buf : "", c->output.out);
	}
	return r;
}

int cmd_status(struct cmd *c)
{
	const char *m = nonempty(c->module), *v = nonempty(c->version);
	const unsigned walk = STATUS_WALK_SUFFIXES | STATUS_WALK_HEADS;

	strv_release(&pending);
	initrd_txn_pending(&c->ctx, &pending);
	if (c->json)
		return status_json(c, m, v);

	if (!c->n_kernels)
		return cmd_status_of(walk_and_weak(c, m, v, NULL, NULL, walk));
	for (size_t i = 0; i < c->n_kernels; i++) {
		int r = walk_and_weak(c, m, v, nonempty(c->kernels[i].version),
				      nonempty(c->kernels[i].arch), walk);
		if (r < 0)
			return 1;
	}
	return 0;
}
