// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "hooks.h"
#include "invoke.h"
#include "exitcode.h"
#include "lifecycle.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "util/words.h"

/*
 * PRE_BUILD and POST_BUILD run in build/ with output in make.log; the others
 * run in source/ on the console. /etc/dkms/<m>/<script> wins when executable.
 * A build-dir hook that fails stops the whole run with its status, as dkms
 * exits there.
 */
int dkms_run_hook(const struct dkms_ctx *ctx, const char *m, const char *v, const char *type,
		  const char *script, const char *log)
{
	return dkms_run_hook_env(ctx, m, v, type, script, log, NULL);
}

int dkms_run_kernel_hook(const struct dkms_ctx *ctx, const char *m, const char *v,
			 const struct dkms_kernel *k, const char *type, const char *script)
{
	_cleanup_strv_ struct strv env = STRV_INIT;

	strv_pushf(&env, "kernelver=%s", k->version);
	strv_pushf(&env, "arch=%s", k->arch);
	return dkms_run_hook_env(ctx, m, v, type, script, NULL, &env);
}

int dkms_run_hook_env(const struct dkms_ctx *ctx, const char *m, const char *v, const char *type,
		      const char *script, const char *log, const struct strv *env)
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

	/* the script's path: run_dir may hold blanks, the script's name does not */
	{
		char *full = xasprintf("%s/%s", run_dir, prog);

		free(prog);
		prog = full;
	}
	if (!is_executable(prog)) {
		dkms_info(ctx, "%s", "");
		dkms_warn(ctx, "The %s script is not executable.", type);
		return 0;
	}

	if (log) {
		/* the paths quoted where they need it; the arguments are dkms.conf's shell */
		_cleanup_free_ char *qdir = shell_quote(run_dir), *qprog = shell_quote(prog);
		_cleanup_free_ char *cmd = xasprintf("cd %s/ && %s%s", qdir, qprog, run + strlen(prog));
		_cleanup_free_ char *desc = xasprintf("Running the %s script", type);

		if (ctx->strict_conf) {
			/* strict: split here (dkms_conf_read refused what needs a shell), run directly */
			_cleanup_strv_ struct strv argv = STRV_INIT, args = STRV_INIT;
			_cleanup_free_ char *bad = NULL;
			const char *rest = run + strlen(prog);

			if (rest[strspn(rest, " \t\n")] && words_split(rest, &words_no_shell, &args, &bad) < 0) {
				dkms_error(ctx, "The %s script \"%s\" needs a shell (%s); strict mode runs none.",
					   type, script, bad);
				return DKMS_EXIT_BAD_CONF;
			}
			strv_push(&argv, prog);
			for (size_t i = 0; i < args.n; i++)
				strv_push(&argv, args.v[i]);
			r = invoke_argv_watched(ctx, &argv, env, cmd, desc, run_dir, log, NULL);
		} else {
			r = invoke_command_env(ctx, cmd, env, desc, NULL, log, NULL);
		}
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

		strv_push(&c.args, prog);
		strv_split(&c.args, run + strlen(prog), " \t\n");
		c.dir = run_dir;
		for (size_t i = 0; env && i < env->n; i++)
			strv_push(&c.env_set, env->v[i]);
		/* the hook sees the logical path (through the source link) as dkms's cd gives */
		strv_pushf(&c.env_set, "PWD=%s", run_dir);
		c.in_fd = -1;
		fflush(NULL);
		r = child_run(&c);
		child_release(&c);
	}
	return r < 0 ? 126 : r;
}
