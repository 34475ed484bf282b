// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "invoke.h"
#include "lifecycle.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

/*
 * PRE_BUILD and POST_BUILD run in build/ with output in make.log; the others
 * run in source/ on the console. /etc/dkms/<m>/<script> wins when executable.
 * A build-dir hook that fails stops the whole run with its status, as dkms
 * exits there.
 */
int dkms_run_hook(const struct dkms_ctx *ctx, const char *m, const char *v, const char *type,
		  const char *script, const char *log)
{
	bool in_build = streq(type, "pre_build") || streq(type, "post_build");
	_cleanup_free_ char *prog = NULL, *etc_prog = NULL, *run_dir = NULL, *run = NULL;
	int r;

	if (strempty(script))
		return 0;
	prog = xstrndup(script, strcspn(script, " "));
	etc_prog = xasprintf("%s/%s/%s", ctx->etc_dir, m, prog);
	if (is_executable(etc_prog))
		run_dir = xasprintf("%s/%s", ctx->etc_dir, m);
	else
		run_dir = xasprintf("%s/%s/%s/%s", ctx->dkms_tree, m, v, in_build ? "build" : "source");
	run = xasprintf("%s/%s", run_dir, script);

	free(prog);
	prog = xstrndup(run, strcspn(run, " "));
	if (!is_executable(prog)) {
		dkms_info(ctx, "%s", "");
		dkms_warn(ctx, "The %s script is not executable.", type);
		return 0;
	}

	if (log) {
		_cleanup_free_ char *cmd = xasprintf("cd %s/ && %s", run_dir, run);
		_cleanup_free_ char *desc = xasprintf("Running the %s script", type);

		r = invoke_command(ctx, cmd, desc, NULL, log);
		if (r != 0) {
			dkms_info(ctx, "Consult %s for more information.", log);
			return r < 0 ? 1 : r;
		}
		return 0;
	}

	dkms_info(ctx, "Running the %s script:", type);
	{
		/* `exec $run`: split on blanks, no other shell processing */
		struct child c = CHILD_INIT;

		strv_split(&c.args, run, " \t\n");
		c.dir = run_dir;
		/* the hook sees the logical path (through the source link) as dkms's cd gives */
		strv_pushf(&c.env_set, "PWD=%s", run_dir);
		c.in_fd = -1;
		if (ctx->out && ctx->out != stdout)
			c.out_fd = fileno(ctx->out);
		if (ctx->err && ctx->err != stderr)
			c.err_fd = fileno(ctx->err);
		fflush(NULL);
		r = child_run(&c);
		child_release(&c);
	}
	return r < 0 ? 126 : r;
}
