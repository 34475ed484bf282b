// SPDX-License-Identifier: GPL-2.0-or-later
/* squashfs through squashfs-tools: mksquashfs writes it, unsquashfs reads it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mkdisk/medium-impl.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

static void rm_rf_freep(char **path)
{
	if (*path) {
		rm_rf(*path);
		free(*path);
	}
}

static char *make_temp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/dkms-squashfs.XXXXXX", strempty(tmp) ? "/tmp" : tmp);

	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Run a squashfs tool; its output (both streams) goes to out. Exit code or -errno. */
static int run_tool(struct child *c, struct strbuf *out)
{
	int r;

	c->capture = out;
	c->err_fd = -2;
	c->in_fd = -2;
	r = child_run(c);
	/* a missing tool is not a missing file of the caller's */
	return r == -ENOENT ? -ENOPKG : r;
}

/* The last line a tool printed, for a problem line. */
static const char *last_line(struct strbuf *sb)
{
	char *nl;

	strbuf_rtrim_newlines(sb);
	nl = strrchr(sb->buf, '\n');
	return nl ? nl + 1 : sb->buf;
}

int squashfs_write(const struct payload *p, const struct medium_opts *o, const char *path)
{
	_cleanup_(rm_rf_freep) char *tmp = make_temp_dir();
	_cleanup_free_ char *tree = NULL, *stamp = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	struct child c = CHILD_INIT;
	int r;

	if (!tmp)
		return -errno;
	tree = xasprintf("%s/root", tmp);
	r = payload_write_tree(p, tree);
	if (r >= 0 && chmod(tree, 0755) < 0)
		r = -errno;
	if (r < 0)
		return r;
	stamp = xasprintf("%lld", (long long)(p->mtime > 0 ? p->mtime : 0));
	strv_push(&c.args, "mksquashfs");
	strv_push(&c.args, tree);
	strv_push(&c.args, path);
	/* a new image over the temp file; owners and times the same on every run */
	for (const char *const *a = (const char *const[]){ "-noappend", "-all-root", "-no-xattrs",
							  "-quiet", "-no-progress", NULL };
	     *a; a++)
		strv_push(&c.args, *a);
	strv_push(&c.args, "-all-time");
	strv_push(&c.args, stamp);
	strv_push(&c.args, "-mkfs-time");
	strv_push(&c.args, stamp);
	/* mksquashfs refuses SOURCE_DATE_EPOCH beside -all-time; the payload's mtime already carries it */
	strv_push(&c.env_unset, "SOURCE_DATE_EPOCH");
	r = run_tool(&c, &out);
	child_release(&c);
	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}

/* A tree unsquashfs made, replayed through the checks of extract.c. */
static int replay_tree(const char *root, struct extract *x)
{
	_cleanup_payload_ struct payload tree = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf data = STRBUF_INIT;
	int r = payload_add_tree(&tree, "", root);

	if (r == -EOPNOTSUPP) {
		extract_problem(x, "holds a device, fifo or socket");
		return -EBADMSG;
	}
	if (r < 0)
		return r;
	payload_sort(&tree);
	for (size_t i = 0; i < tree.n && r >= 0; i++) {
		const struct payload_entry *e = &tree.entries[i];
		_cleanup_close_ int fd = -1;

		switch (e->kind) {
		case PAYLOAD_DIR:
			r = extract_dir(x, e->path, e->perm);
			break;
		case PAYLOAD_SYMLINK:
			r = extract_symlink(x, e->path, e->target);
			break;
		default:
			r = extract_file(x, e->path, e->perm, &fd);
			if (r >= 0 && fd >= 0)
				r = payload_entry_read(e, &data);
			if (r >= 0 && fd >= 0)
				r = extract_write(x, fd, data.buf, data.len);
			break;
		}
	}
	return r;
}

int squashfs_unpack(const char *image, struct extract *x)
{
	_cleanup_(rm_rf_freep) char *tmp = make_temp_dir();
	_cleanup_free_ char *tree = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	struct child c = CHILD_INIT;
	int r;

	if (!tmp)
		return -errno;
	tree = xasprintf("%s/root", tmp);
	for (const char *const *a = (const char *const[]){ "unsquashfs", "-no-progress", "-quiet",
							  "-no-xattrs", "-d", tree, image, NULL };
	     *a; a++)
		strv_push(&c.args, *a);
	r = run_tool(&c, &out);
	child_release(&c);
	if (r < 0)
		return r;
	if (r != 0) {
		extract_problem(x, "unsquashfs: %s", last_line(&out));
		return -EBADMSG;
	}
	return replay_tree(tree, x);
}
