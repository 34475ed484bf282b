// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --rpm_safe_upgrade: during an RPM upgrade the new package's %post adds
 * m/v before the old package's %preun removes it. add leaves a note naming
 * m-v and the rpm transaction (our parent's parent); a remove from the same
 * transaction finds the note and does nothing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
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

void cmd_rpm_safe_mark(struct cmd *c)
{
	_cleanup_free_ char *start = NULL, *tmpl = NULL, *text = NULL;
	pid_t pid;
	int fd;

	if (!c->ctx.rpm_safe_upgrade || !transaction_id(&pid, &start))
		return;
	tmpl = xasprintf("%s/dkms_rpm_safe_upgrade_lock.%d.XXXXXX", c->ctx.tmp_location, (int)pid);
	fd = mkstemp(tmpl);
	if (fd < 0)
		return;
	text = xasprintf("%s-%s\n%s\n", c->module, c->version, start);
	if (write(fd, text, strlen(text)) < 0)
		unlink(tmpl);
	close(fd);
}

bool cmd_rpm_safe_cancel(struct cmd *c)
{
	_cleanup_free_ char *start = NULL, *prefix = NULL, *want = NULL;
	bool cancel = false;
	struct dirent *de;
	pid_t pid;
	DIR *d;

	if (!c->ctx.rpm_safe_upgrade || !transaction_id(&pid, &start))
		return false;
	prefix = xasprintf("dkms_rpm_safe_upgrade_lock.%d.", (int)pid);
	want = xasprintf("%s-%s\n%s\n", c->module, c->version, start);
	d = opendir(c->ctx.tmp_location);
	while (d && !cancel && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		path = xasprintf("%s/%s", c->ctx.tmp_location, de->d_name);
		if (read_file(path, &sb) == 0 && streq(sb.buf, want)) {
			unlink(path);
			cancel = true;
		}
	}
	if (d)
		closedir(d);
	if (cancel)
		dkms_warn(&c->ctx, "Remove cancelled because --rpm_safe_upgrade scenario detected.");
	return cancel;
}
