/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers of the media unit tests (test-fat.c, test-media.c): tools, payloads, trees. */
#pragma once

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/payload.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

#define MT_MTIME 1700000000 /* 2023-11-14 22:13:20 UTC */
#define MT_BIG_SIZE (1u << 20)

static char *mt_dir; /* the test's temp dir */

static inline int mt_setup(void **state)
{
	char tmpl[] = "/tmp/test-media.XXXXXX";

	if (!mkdtemp(tmpl))
		return -1;
	mt_dir = xstrdup(tmpl);
	return 0;
}

static inline int mt_teardown(void **state)
{
	rm_rf(mt_dir);
	free(mt_dir);
	mt_dir = NULL;
	return 0;
}

/* "<test dir>/<name>", allocated. */
static inline char *mt_path(const char *fmt, ...) _printf_(1, 2);
static inline char *mt_path(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "%s/", mt_dir);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb);
}

/*
 * Run a program (NULL-terminated arguments) with stdin from in_path (or
 * /dev/null); stdout and stderr go to out when given. Returns the exit code.
 */
static inline int mt_run(struct strbuf *out, const char *in_path, const char *arg0, ...)
{
	struct child c = CHILD_INIT;
	va_list ap;
	int rc, in = -2;

	strv_push(&c.args, arg0);
	va_start(ap, arg0);
	for (const char *a; (a = va_arg(ap, const char *));)
		strv_push(&c.args, a);
	va_end(ap);
	if (in_path) {
		in = open(in_path, O_RDONLY | O_CLOEXEC);
		if (in < 0)
			return -errno;
	}
	c.in_fd = in;
	c.capture = out;
	strv_push(&c.env_set, "TZ=UTC"); /* tools print times in local time */
	if (out)
		c.err_fd = -2;
	rc = child_run(&c);
	child_release(&c);
	if (in >= 0)
		close(in);
	return rc;
}

/* 1 MiB that does not compress: xorshift. */
static inline void mt_big(struct strbuf *sb)
{
	uint32_t x = 2463534242u;

	strbuf_reset(sb);
	strbuf_grow(sb, MT_BIG_SIZE);
	for (size_t i = 0; i < MT_BIG_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		strbuf_addch(sb, (char)x);
	}
}

/*
 * A driver disk's kind of content: nested directories, names FAT must write
 * as long names, an empty file, an empty directory, a 1 MiB file, a symlink.
 */
static inline void mt_payload(struct payload *p)
{
	_cleanup_strbuf_ struct strbuf big = STRBUF_INIT;

	mt_big(&big);
	p->mtime = MT_MTIME;
	payload_add_str(p, "rhdd3", 0644, "Driver Update Disk version 3");
	payload_add_str(p, "modules.alias", 0644, "alias pci:v00001000d0000005Dsv*sd*bc*sc*i* megaraid_sas\n");
	payload_add_str(p, "README.TXT", 0644, "plain 8.3\n");
	payload_add_str(p, "rpms/x86_64/kmod-megaraid_sas-07.719.03.00-1.x86_64.rpm", 0644,
			"not really an rpm\n");
	payload_add_str(p, "rpms/x86_64/kmod-megaraid_sas-07.719.03.00-2.x86_64.rpm", 0644,
			"another one\n");
	payload_add_str(p, "rpms/x86_64/repodata/repomd.xml", 0644, "<repomd/>\n");
	payload_add_str(p, "bin/update.pre", 0755, "#!/bin/sh\nexit 0\n");
	payload_add_data(p, "empty", 0644, "", 0);
	payload_add_dir(p, "emptydir", 0755);
	payload_add_data(p, "big.bin", 0644, big.buf, big.len);
	payload_add_symlink(p, "rpms/latest.rpm", "x86_64/kmod-megaraid_sas-07.719.03.00-2.x86_64.rpm");
}

enum mt_check {
	MT_SYMLINKS = 1 << 0, /* symlinks stay symlinks (else: copies of their target) */
	MT_PERMS = 1 << 1,    /* file permissions are kept */
};

/* The tree under dir holds exactly the payload's entries, with their bytes. */
static inline void mt_check_tree(const struct payload *p, const char *dir, unsigned flags)
{
	struct payload found = PAYLOAD_INIT;
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;

	assert_int_equal(payload_add_tree(&found, "", dir), 0);
	assert_int_equal(found.n, p->n);
	for (size_t i = 0; i < p->n; i++) {
		const struct payload_entry *e = &p->entries[i];
		const struct payload_entry *f = payload_find(&found, e->path);

		if (!f)
			fail_msg("%s is missing", e->path);
		if (e->kind == PAYLOAD_SYMLINK && (flags & MT_SYMLINKS)) {
			assert_int_equal(f->kind, PAYLOAD_SYMLINK);
			assert_string_equal(f->target, e->target);
			continue;
		}
		if (e->kind == PAYLOAD_SYMLINK) {
			_cleanup_free_ char *dirpart = xstrndup(e->path, (size_t)(strrchr(e->path, '/') - e->path));
			_cleanup_free_ char *target = xasprintf("%s/%s", dirpart, e->target);

			e = payload_find(p, target);
			assert_non_null(e);
		}
		assert_int_equal(f->kind, e->kind);
		if (e->kind != PAYLOAD_FILE)
			continue;
		assert_int_equal(payload_entry_read(e, &want), 0);
		assert_int_equal(payload_entry_read(f, &got), 0);
		if (got.len != want.len || memcmp(got.buf, want.buf, want.len))
			fail_msg("%s: content differs (%zu bytes, want %zu)", e->path, got.len, want.len);
		if (flags & MT_PERMS)
			assert_int_equal(f->perm & 0777, e->perm & 0777);
	}
	payload_release(&found);
	strbuf_release(&want);
	strbuf_release(&got);
}
