// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "util/failpoint.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define JOURNAL_DIR ".journal"
#define RECORD_HEADER "# dkms journal 1"

static char *journal_dir(const struct dkms_ctx *ctx)
{
	return xasprintf("%s/" JOURNAL_DIR, ctx->dkms_tree);
}

static int fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

static size_t find(const struct journal *j, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < j->lines.n; i++)
		if (!strncmp(j->lines.v[i], key, len) && j->lines.v[i][len] == '=')
			return i;
	return j->lines.n;
}

void journal_add(struct journal *j, const char *key, const char *value)
{
	strv_pushf(&j->lines, "%s=%s", key, value ? value : "");
}

void journal_set(struct journal *j, const char *key, const char *value)
{
	size_t i = find(j, key);

	if (i == j->lines.n) {
		journal_add(j, key, value);
		return;
	}
	free(j->lines.v[i]);
	j->lines.v[i] = xasprintf("%s=%s", key, value ? value : "");
}

const char *journal_get(const struct journal *j, const char *key)
{
	size_t i = find(j, key);

	return i < j->lines.n ? j->lines.v[i] + strlen(key) + 1 : NULL;
}

void journal_get_all(const struct journal *j, const char *key, struct strv *ret)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < j->lines.n; i++)
		if (!strncmp(j->lines.v[i], key, len) && j->lines.v[i][len] == '=')
			strv_push(ret, j->lines.v[i] + len + 1);
}

/* A newline or backslash in a value (a path may hold one) is written escaped. */
static void add_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			strbuf_addstr(sb, "\\n");
		else if (*s == '\\')
			strbuf_addstr(sb, "\\\\");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\n');
}

static char *unescape(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			i++;
			*o++ = s[i] == 'n' ? '\n' : s[i];
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static char *new_record_path(const char *dir)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* fixed width: names sort in the order the records were made */
	return xasprintf("%s/%020llu-%09ld-%d", dir, (unsigned long long)ts.tv_sec, ts.tv_nsec, (int)getpid());
}

int journal_write(const struct dkms_ctx *ctx, struct journal *j, const char *step)
{
	_cleanup_free_ char *dir = journal_dir(ctx), *tmp = NULL;
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	int r;

	if (!is_dir(ctx->dkms_tree))
		return -ENOENT;
	if (mkdir(dir, 0755) == 0)
		fsync_dir(ctx->dkms_tree);
	else if (errno != EEXIST)
		return -errno;
	if (!j->path)
		j->path = new_record_path(dir);
	strbuf_addstr(&text, RECORD_HEADER "\n");
	for (size_t i = 0; i < j->lines.n; i++)
		add_escaped(&text, j->lines.v[i]);
	tmp = xasprintf("%s/.tmp-XXXXXX", dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write_all(fd, text.buf, text.len);
	/* readable: status without write access must see what is pending */
	if (!r && fchmod(fd, 0644) < 0)
		r = -errno;
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (!r)
		failpoint("journal:temp-written");
	if (!r && rename(tmp, j->path) < 0)
		r = -errno;
	if (r) {
		unlink(tmp);
		return r;
	}
	r = fsync_dir(dir);
	if (r < 0)
		return r;
	failpoint(step);
	return 0;
}

int journal_end(const struct dkms_ctx *ctx, struct journal *j)
{
	_cleanup_free_ char *dir = journal_dir(ctx);
	int r = 0;

	if (!j->path)
		return 0;
	if (unlink(j->path) < 0 && errno != ENOENT)
		r = -errno;
	fsync_dir(dir);
	failpoint("journal:removed");
	/* no directory left behind when nothing is pending */
	if (rmdir(dir) == 0)
		fsync_dir(ctx->dkms_tree);
	free(j->path);
	j->path = NULL;
	return r;
}

void journal_release(struct journal *j)
{
	free(j->path);
	strv_release(&j->lines);
	j->path = NULL;
}

int journal_list(const struct dkms_ctx *ctx, struct strv *ret)
{
	_cleanup_free_ char *dir = journal_dir(ctx);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.') {
			/* a temp file of a write that never got renamed: no intent was recorded */
			if (!strncmp(de->d_name, ".tmp-", 5) && !access(dir, W_OK)) {
				p = xasprintf("%s/%s", dir, de->d_name);
				unlink(p);
			}
			continue;
		}
		strv_pushf(ret, "%s/%s", dir, de->d_name);
	}
	closedir(d);
	strv_sort(ret);
	if (!ret->n && rmdir(dir) == 0)
		fsync_dir(ctx->dkms_tree);
	return 0;
}

int journal_load(const char *path, struct journal *j)
{
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	const char *p;
	int r = read_file(path, &text);

	if (r < 0)
		return r;
	if (strncmp(text.buf, RECORD_HEADER "\n", strlen(RECORD_HEADER) + 1))
		return -EBADMSG;
	free(j->path);
	j->path = xstrdup(path);
	p = text.buf + strlen(RECORD_HEADER) + 1;
	while (*p) {
		const char *nl = strchrnul(p, '\n');

		if (nl > p)
			strv_push_take(&j->lines, unescape(p, (size_t)(nl - p)));
		p = *nl ? nl + 1 : nl;
	}
	return 0;
}

bool journal_pending(const struct dkms_ctx *ctx)
{
	_cleanup_free_ char *dir = journal_dir(ctx);
	DIR *d = opendir(dir);
	struct dirent *de;
	bool any = false;

	/* a temp file of a killed write counts: the next locked run removes it */
	while (d && !any && (de = readdir(d)))
		any = !streq(de->d_name, ".") && !streq(de->d_name, "..");
	if (d)
		closedir(d);
	return any;
}
