// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "spawn.h"
#include "trace.h"

extern char **environ;

void child_release(struct child *c)
{
	strv_release(&c->args);
	strv_release(&c->env_set);
	strv_release(&c->env_unset);
}

static bool env_name_matches(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* entry ("NAME=value" or "NAME") names the same variable as other */
static bool env_same_name(const char *entry, const char *other)
{
	size_t n = strcspn(entry, "=");

	return strncmp(entry, other, n) == 0 && (other[n] == '=' || !other[n]);
}

/* env_set[i] is overridden by a later entry for the same name */
static bool env_overridden(const struct child *c, size_t i)
{
	for (size_t j = i + 1; j < c->env_set.n; j++)
		if (env_same_name(c->env_set.v[i], c->env_set.v[j]))
			return true;
	return false;
}

static void build_env(const struct child *c, struct strv *env)
{
	for (char **e = environ; e && *e; e++) {
		bool drop = false;

		for (size_t i = 0; i < c->env_unset.n && !drop; i++)
			drop = env_name_matches(*e, c->env_unset.v[i]);
		for (size_t i = 0; i < c->env_set.n && !drop; i++)
			drop = env_same_name(c->env_set.v[i], *e);
		if (!drop)
			strv_push(env, *e);
	}
	for (size_t i = 0; i < c->env_set.n; i++)
		if (strchr(c->env_set.v[i], '=') && !env_overridden(c, i))
			strv_push(env, c->env_set.v[i]);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_child(pid_t pid, long long deadline)
{
	int status;

	for (;;) {
		pid_t w = waitpid(pid, &status, deadline ? WNOHANG : 0);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (w == 0) {
			if (now_ms() >= deadline) {
				kill(-pid, SIGKILL);
				while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
					;
				return -ETIME;
			}
			usleep(10000);
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -ECHILD;
}

static void keeper_signal(int sig)
{
	(void)sig;
	kill(0, SIGKILL);
}

/*
 * Start prog under a keeper: a fork of ours that leads a new process group,
 * starts prog in it, and passes on its exit status. When we die (even by
 * SIGKILL) the kernel sends the keeper SIGTERM, and it kills the whole
 * group: the program and everything it started (make's compilers, a hook's
 * subshells), which PR_SET_PDEATHSIG on the program alone would not reach.
 * A timeout kills the group from here. Returns 0 or a positive errno, as
 * posix_spawn: the keeper reports a failed start through a pipe.
 */
static int spawn_kept(pid_t *ret_pid, const char *prog, const posix_spawn_file_actions_t *fa,
		      char *const *argv, char *const *envp, int close_fd)
{
	pid_t parent = getpid(), pid;
	int report[2], err = 0;
	ssize_t n;

	if (pipe2(report, O_CLOEXEC) < 0)
		return errno;
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(report[0]);
		close(report[1]);
		return err;
	}
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = keeper_signal };
		pid_t child;
		int status;

		close(report[0]);
		setpgid(0, 0);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(128 + SIGTERM);
		if (close_fd >= 0)
			close(close_fd);
		err = posix_spawn(&child, prog, fa, NULL, argv, envp);
		if (err) {
			(void)!write(report[1], &err, sizeof(err));
			_exit(127);
		}
		close(report[1]);
		while (waitpid(child, &status, 0) < 0)
			if (errno != EINTR)
				_exit(127);
		if (WIFSIGNALED(status))
			_exit(128 + WTERMSIG(status));
		_exit(WEXITSTATUS(status));
	}
	setpgid(pid, pid); /* also from here, so a timeout right away finds the group */
	close(report[1]);
	while ((n = read(report[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (n == sizeof(err) && err) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return err;
	}
	*ret_pid = pid;
	return 0;
}

/* Pass what the child writes to the caller until it closes its end. */
static void read_output(const struct child *c, int fd, long long deadline)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		if (deadline || c->tick_ms > 0) {
			struct pollfd pfd = { fd, POLLIN, 0 };
			long long left = deadline ? deadline - now_ms() : -1;
			int wait = c->tick_ms > 0 && (left < 0 || left > c->tick_ms) ? c->tick_ms : (int)left;
			int p;

			if (deadline && left <= 0)
				break; /* wait_child kills it */
			p = poll(&pfd, 1, wait);
			if (p < 0 && errno == EINTR)
				continue;
			if (p == 0) {
				if (deadline && now_ms() >= deadline)
					break;
				if (c->on_output && !c->capture)
					c->on_output(c->on_output_data, NULL, 0);
				continue;
			}
		}
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (c->capture)
			strbuf_add(c->capture, buf, (size_t)n);
		else
			c->on_output(c->on_output_data, buf, (size_t)n);
	}
}

int child_run(struct child *c)
{
	_cleanup_strv_ struct strv env = STRV_INIT;
	_cleanup_free_ char *prog = NULL;
	posix_spawn_file_actions_t fa;
	long long deadline = c->timeout_ms > 0 ? now_ms() + c->timeout_ms : 0;
	bool piped = c->capture || c->on_output;
	int pipefd[2] = { -1, -1 };
	pid_t pid = -1;
	int r;

	if (!c->args.n)
		return -EINVAL;
	prog = find_program(c->args.v[0]);
	if (!prog)
		return -ENOENT;
	trace_child(c);
	build_env(c, &env);

	if (piped && pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;

	posix_spawn_file_actions_init(&fa);
	if (c->in_fd == -2)
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	else if (c->in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, c->in_fd, 0);
	if (piped)
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	else if (c->out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, c->out_fd, 1);
	if (c->err_fd == -2)
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	else if (c->err_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, c->err_fd, 2);
	if (c->dir)
		posix_spawn_file_actions_addchdir_np(&fa, c->dir);

	/* always kept: no child outlives us, whatever kills us */
	r = spawn_kept(&pid, prog, &fa, c->args.v, env.v, pipefd[0]);
	posix_spawn_file_actions_destroy(&fa);
	if (piped)
		close(pipefd[1]);
	if (r) {
		if (piped)
			close(pipefd[0]);
		return -r;
	}
	if (piped) {
		read_output(c, pipefd[0], deadline);
		close(pipefd[0]);
	}
	return wait_child(pid, deadline);
}

int run_argv(const char *const *argv)
{
	struct child c = CHILD_INIT;
	int r;

	for (; *argv; argv++)
		strv_push(&c.args, *argv);
	r = child_run(&c);
	child_release(&c);
	return r;
}

int run_shell(const char *cmd, const char *dir, int out_fd)
{
	struct child c = CHILD_INIT;
	int r;

	strv_push(&c.args, "bash");
	strv_push(&c.args, "-c");
	strv_push(&c.args, cmd);
	c.dir = dir;
	c.out_fd = out_fd;
	c.err_fd = out_fd >= 0 ? -2 : -1;
	r = child_run(&c);
	child_release(&c);
	return r;
}
