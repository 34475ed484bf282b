/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "strbuf.h"
#include "strv.h"

/*
 * A child process described by an argv vector; no shell is involved unless
 * argv names one. Descriptor fields: -1 inherit, >=0 use this fd.
 */
struct child {
	struct strv args;
	/*
	 * "NAME=value" added to the environment, the last one for a name
	 * winning; a bare "NAME" removes it (as git's child_process env).
	 */
	struct strv env_set;
	struct strv env_unset; /* names removed from the environment */
	const char *dir;       /* working directory, or NULL */
	int out_fd;            /* stdout target */
	int err_fd;            /* stderr target; -2: same as stdout */
	int in_fd;             /* stdin; -1 inherit, -2 /dev/null */
	struct strbuf *capture; /* when set, stdout is collected here */
	/*
	 * Every child runs in its own process group under a small keeper
	 * process, and the whole group is killed when this process dies (even
	 * by SIGKILL). When > 0, the group is also killed if it has not
	 * finished after this many ms (child_run then returns -ETIME).
	 */
	int timeout_ms;
	/*
	 * When set (and capture is not), stdout is handed over here as it
	 * arrives, for a caller that shows or filters it while the child runs.
	 * With tick_ms > 0 it is also called with buf NULL whenever that many
	 * ms pass without output, so a clock on screen can move on.
	 */
	void (*on_output)(void *data, const char *buf, size_t len);
	void *on_output_data;
	int tick_ms;
};

#define CHILD_INIT { STRV_INIT, STRV_INIT, STRV_INIT, NULL, -1, -1, -2, NULL, 0, NULL, NULL, 0 }

void child_release(struct child *c);
/*
 * Run to completion. Returns the exit code (0..255), 128+signal when killed,
 * or a negative errno when the program could not be started.
 */
int child_run(struct child *c);

/* Convenience: run argv (NULL-terminated), inheriting stdio. */
int run_argv(const char *const *argv);
/* Run `bash -c cmd` in dir with stdout+stderr appended to fd (or inherited if -1). */
int run_shell(const char *cmd, const char *dir, int out_fd);
