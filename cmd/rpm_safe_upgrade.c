// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --rpm_safe_upgrade: during an RPM upgrade the new package's %post adds
 * m/v before the old package's %preun removes it. add leaves a note naming
 * m-v and the rpm transaction (our parent's parent); a remove from the same
 * transaction finds the note and does nothing.
 *
 * dkms keeps the note in TMPDIR, where any user can plant one and cancel
 * root's remove. Ours live in <dkms_tree>/.rpm_safe_upgrade/, a directory
 * only we write: it, the tree above it and each note must be ours and not
 * writable by group or others, or they are not used.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "util/dir.h"
#include "util/fileio.h"
#include "util/strbuf.h"

/* The grandparent's pid and start time (field 22 of /proc/<pid>/stat). */
static bool transaction_id(pid_t *ret_pid, char **ret_start)
{
	_cleanup_free_ char *status = xasprintf("/proc/%d/status", (int)getppid());
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT, st = STRBUF_INIT;
	_cleanup_free_ char *statp = NULL;
	const char *p, *close_paren;
	int pppid = 0;

	if (read_file(status, &sb) < 0 || !(p = strstr(sb.buf, "\nPPid:")))
		return false;
	pppid = atoi(p + 6);
	statp = xasprintf("/proc/%d/stat", pppid);
	if (read_file(statp, &st) < 0 || !(close_paren = strrchr(st.buf, ')')))
		return false;
	/* fields after the command name start at field 3 */
	p = close_paren + 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return false;
	*ret_pid = pppid;
	*ret_start = xstrndup(p, strcspn(p, " "));
	return true;
}

#define NOTES_DIR ".rpm_safe_upgrade"

static bool owned_safely(const struct stat *st)
{
	return (st->st_uid == geteuid() || st->st_uid == 0) && !(st->st_mode & 022);
}

/* The notes directory, opened (created when create is set), or -errno. */
static int open_notes(const struct dkms_ctx *ctx, bool create)
{
	_cleanup_close_ int tree = open(ctx->dkms_tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int fd;

	if (tree < 0 && errno == ENOENT && create && mkdir_p(ctx->dkms_tree, 0755) == 0)
		tree = open(ctx->dkms_tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tree < 0)
		return -errno;
	if (fstat(tree, &st) < 0 || !owned_safely(&st))
		return -EPERM;
	if (create && mkdirat(tree, NOTES_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(tree, NOTES_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

void cmd_rpm_safe_mark(struct cmd *c)
{
	_cleanup_free_ char *start = NULL, *name = NULL, *text = NULL;
	_cleanup_close_ int dir = -1, fd = -1;
	pid_t pid;

	if (!c->ctx.rpm_safe_upgrade || !transaction_id(&pid, &start))
		return;
	dir = open_notes(&c->ctx, true);
	if (dir < 0)
		return;
	/* one note per add: pid and start time of the transaction, then m-v */
	name = xasprintf("%d.%s.%s-%s", (int)pid, start, c->module, c->version);
	if (strchr(name, '/'))
		return;
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	text = xasprintf("%s-%s\n%s\n", c->module, c->version, start);
	if (write_all(fd, text, strlen(text)) < 0)
		unlinkat(dir, name, 0);
}

bool cmd_rpm_safe_cancel(struct cmd *c)
{
	_cleanup_free_ char *start = NULL, *name = NULL, *want = NULL;
	_cleanup_close_ int dir = -1, fd = -1;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct stat st;
	bool cancel;
	pid_t pid;

	if (!c->ctx.rpm_safe_upgrade || !transaction_id(&pid, &start))
		return false;
	dir = open_notes(&c->ctx, false);
	if (dir < 0)
		return false;
	name = xasprintf("%d.%s.%s-%s", (int)pid, start, c->module, c->version);
	want = xasprintf("%s-%s\n%s\n", c->module, c->version, start);
	if (strchr(name, '/'))
		return false;
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return false;
	{
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0)
			strbuf_add(&sb, buf, (size_t)n);
	}
	cancel = sb.len && streq(sb.buf, want);
	unlinkat(dir, name, 0);
	if (cancel)
		dkms_warn(&c->ctx, "Remove cancelled because --rpm_safe_upgrade scenario detected.");
	return cancel;
}
