// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "formats/rpmbuild.h"
#include "util/beneath.h"
#include "util/dir.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

char *rpmbuild_stage_dir(const char *workdir)
{
	return xasprintf("%s/root", workdir);
}

char *spec_escape(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s; s++) {
		if (*s == '%')
			strbuf_addch(&sb, '%');
		strbuf_addch(&sb, *s);
	}
	return strbuf_detach(&sb);
}

char *spec_shell_quote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(&sb, "'\\''");
		else if (*s == '%')
			strbuf_addstr(&sb, "%%");
		else
			strbuf_addch(&sb, *s);
	}
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb);
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char *keep_only(const char *s, const char *extra)
{
	char *r = xstrdup(s);

	for (char *p = r; *p; p++)
		if (!is_alnum(*p) && !strchr(extra, *p))
			*p = '_';
	return r;
}

char *rpm_safe_name(const char *s)
{
	return keep_only(s, "-._+");
}

char *rpm_safe_version(const char *s)
{
	return keep_only(s, "._+~^");
}

/* The one .rpm rpmbuild wrote into dir. */
static char *find_rpm(const char *dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	char *found = NULL;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 4 && streq(de->d_name + n - 4, ".rpm")) {
			free(found);
			found = xstrdup(de->d_name);
		}
	}
	return found;
}

static void push_define(struct child *c, const char *fmt, ...) _printf_(2, 3);
static void push_define(struct child *c, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strv_push(&c->args, "--define");
	strv_push_take(&c->args, strbuf_detach(&sb));
}

int rpmbuild_run(const struct dkms_ctx *ctx, const struct rpmbuild_job *job, char **ret_path)
{
	_cleanup_free_ char *rpmbuild = find_program("rpmbuild");
	_cleanup_free_ char *stage = rpmbuild_stage_dir(job->workdir);
	_cleanup_free_ char *spec_path = xasprintf("%s/package.spec", job->workdir);
	_cleanup_free_ char *rpmdir = xasprintf("%s/rpms", job->workdir);
	_cleanup_free_ char *topdir = xasprintf("%s/rpmbuild", job->workdir);
	_cleanup_free_ char *quoted_stage = spec_shell_quote(stage);
	_cleanup_free_ char *name = NULL, *built = NULL, *out = NULL;
	_cleanup_strbuf_ struct strbuf spec = STRBUF_INIT;
	_cleanup_close_ int log_fd = -1;
	struct child c = CHILD_INIT;
	int r;

	if (!rpmbuild) {
		dkms_error(ctx, "rpmbuild is not installed; it is needed to make RPMs "
			   "(Debian and Ubuntu: package rpm; Fedora and RHEL: rpm-build).");
		return -ENOENT;
	}
	strbuf_addstr(&spec, job->spec);
	strbuf_addf(&spec, "\n%%install\nmkdir -p \"%%{buildroot}\"\ncp -a %s/. \"%%{buildroot}/\"\n",
		    quoted_stage);
	r = mkdir_p(stage, 0755);
	if (r >= 0)
		r = write_file_atomic(spec_path, spec.buf, spec.len, 0644);
	if (r >= 0)
		r = mkdir_p(rpmdir, 0755);
	if (r < 0)
		return r;
	/* in its tree: neither a directory nor the log itself linked out is followed */
	if (job->log_root)
		log_fd = beneath_open_file(job->log_root, job->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	else
		log_fd = open(job->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		r = job->log_root ? log_fd : -errno;
		dkms_error(ctx, "Cannot write the rpmbuild log %s: %s", job->log,
			   r == -EXDEV ? "it leads outside the DKMS tree" : strerror(-r));
		return r;
	}

	strv_push(&c.args, rpmbuild);
	strv_push(&c.args, "-bb");
	strv_push(&c.args, "--nodeps");
	strv_push(&c.args, "--target");
	strv_push(&c.args, job->target);
	push_define(&c, "_topdir %s", topdir);
	push_define(&c, "_tmppath %s", topdir);
	push_define(&c, "_rpmdir %s", rpmdir);
	push_define(&c, "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm");
	push_define(&c, "_binary_payload w9.gzdio");
	push_define(&c, "__os_install_post %%{nil}");
	push_define(&c, "_build_id_links none");
	push_define(&c, "debug_package %%{nil}");
	strv_push(&c.args, spec_path);
	c.dir = job->workdir;
	c.out_fd = log_fd;
	c.err_fd = -2;
	c.in_fd = -2;
	r = child_run(&c);
	child_release(&c);
	if (r < 0) {
		dkms_error(ctx, "Cannot run %s: %s", rpmbuild, strerror(-r));
		return r;
	}
	name = find_rpm(rpmdir);
	if (r || !name) {
		dkms_error(ctx, "rpmbuild failed making %s (exit status %d).\nConsult %s for more information.",
			   job->what, r, job->log);
		return -EIO;
	}
	built = xasprintf("%s/%s", rpmdir, name);
	out = xasprintf("%s/%s", job->outdir, name);
	r = mkdir_p(job->outdir, 0755);
	if (r >= 0)
		r = copy_file(built, out); /* a temp file renamed into place: never half an RPM */
	if (r < 0) {
		dkms_error(ctx, "Cannot write %s: %s", out, strerror(-r));
		return r;
	}
	*ret_path = TAKE_PTR(out);
	return 0;
}
