/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/*
 * dkms's invoke_command: print "<desc>..." (or the command with --verbose),
 * run `cmd` with bash in `dir`, and print " done." or "(bad exit status: N)"
 * followed by the failing command. With `log`, the step is appended to that
 * make.log in dkms's format (description, "# command:", output, exit code,
 * elapsed time, a rule); without it the output is discarded, as dkms does
 * for background steps. Returns the command's exit status or -errno.
 */
int invoke_command(const struct dkms_ctx *ctx, const char *cmd, const char *desc,
		   const char *dir, const char *log);

/*
 * invoke_command for a long step (make): when ctx->progress is set, the
 * command's output also goes there line by line as it comes, with subject
 * ("Building megaraid_sas/07.719 for 6.1.0-56-amd64") saying what is done.
 * The console text and make.log are the same as invoke_command's.
 */
int invoke_command_watched(const struct dkms_ctx *ctx, const char *cmd, const char *desc,
			   const char *dir, const char *log, const char *subject);

/*
 * invoke_command_watched without a shell: argv run directly, env
 * ("NAME=value") added to its environment; shown is the command as printed
 * and logged. For what strict mode (--strict-conf) runs from a dkms.conf.
 */
struct strv;
int invoke_argv_watched(const struct dkms_ctx *ctx, const struct strv *argv, const struct strv *env,
			const char *shown, const char *desc, const char *dir, const char *log,
			const char *subject);

/*
 * invoke_command_watched with env entries for the command's environment
 * ("NAME=value", or "NAME" to unset; util/spawn's env_set).
 */
int invoke_command_env(const struct dkms_ctx *ctx, const char *cmd, const struct strv *env,
		       const char *desc, const char *dir, const char *log, const char *subject);

/* The two halves of invoke_command, for steps done in-process (depmod). */
void invoke_announce(const struct dkms_ctx *ctx, const char *cmd, const char *desc);
void invoke_report(const struct dkms_ctx *ctx, int status, const char *cmd);

/* Start a make.log: "DKMS (dkms-X) make.log for m/v for kernel K (arch)" + date. */
int makelog_start(const char *log, const char *m, const char *v, const char *k, const char *a);
