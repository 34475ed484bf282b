// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/deb.h"
#include "names.h"
#include "util/dir.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/spawn.h"
#include "util/strbuf.h"

char *deb_package_name(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s; s++) {
		char c = (char)tolower((unsigned char)*s);

		if (!(isdigit((unsigned char)c) || (c >= 'a' && c <= 'z') || c == '+' || c == '.' || c == '-'))
			c = '-';
		strbuf_addch(&sb, c);
	}
	/* policy: at least two characters, the first alphanumeric */
	if (!sb.len || !isalnum((unsigned char)sb.buf[0])) {
		struct strbuf fixed = STRBUF_INIT;

		strbuf_addf(&fixed, "x%s", sb.buf);
		strbuf_release(&sb);
		return strbuf_detach(&fixed);
	}
	return strbuf_detach(&sb);
}

char *deb_version(const char *v)
{
	struct strbuf sb = STRBUF_INIT;

	if (!isdigit((unsigned char)*v))
		strbuf_addstr(&sb, "0~");
	for (; *v; v++) {
		char c = *v;

		if (!(isalnum((unsigned char)c) || c == '.' || c == '+' || c == '~' || c == '-'))
			c = '+';
		strbuf_addch(&sb, c);
	}
	/* a trailing '-' would leave an empty Debian revision */
	while (sb.len && sb.buf[sb.len - 1] == '-')
		strbuf_setlen(&sb, sb.len - 1);
	return strbuf_detach(&sb);
}

const char *deb_arch_of(const char *machine)
{
	static const struct {
		const char *machine, *deb;
	} map[] = {
		{ "x86_64", "amd64" },     { "aarch64", "arm64" },     { "arm64", "arm64" },
		{ "ppc64le", "ppc64el" },  { "ppc64", "ppc64" },       { "s390x", "s390x" },
		{ "riscv64", "riscv64" },  { "loongarch64", "loong64" }, { "mips64", "mips64el" },
		{ "armv7l", "armhf" },     { "armv6l", "armel" },      { "alpha", "alpha" },
		{ "sparc64", "sparc64" },  { "m68k", "m68k" },         { "hppa", "hppa" },
		{ "ia64", "ia64" },
	};

	if (strempty(machine))
		return NULL;
	/* i386 … i686 and "x86" as some kernels name it */
	if ((machine[0] == 'i' && machine[1] && machine[2] == '8' && machine[3] == '6' && !machine[4]) ||
	    streq(machine, "x86"))
		return "i386";
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(map[i].machine, machine))
			return map[i].deb;
	return NULL;
}

char *deb_file_name(const char *package, const char *version, const char *arch)
{
	const char *colon = strchr(version, ':');

	/* dpkg drops the epoch from file names */
	return xasprintf("%s_%s_%s.deb", package, colon ? colon + 1 : version, arch);
}

/* s as one single-quoted shell word. */
static void add_sh_quoted(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

/* Installed-Size as dpkg-gencontrol counts it: KiB per file rounded up, 1 per other entry. */
static unsigned long long installed_kib(const char *dir, bool top)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	unsigned long long kib = 0;
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
		    (top && streq(de->d_name, "DEBIAN")))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			kib += 1 + installed_kib(p, false);
		else if (S_ISREG(st.st_mode))
			kib += ((unsigned long long)st.st_size + 1023) / 1024;
		else
			kib += 1;
	}
	return kib;
}

/* DEBFULLNAME/DEBEMAIL, as Debian's packaging tools take them, else a local address. */
static char *maintainer(void)
{
	const char *name = getenv("DEBFULLNAME"), *mail = getenv("DEBEMAIL");
	char *m;

	if (!strempty(mail) && strchr(mail, '<'))
		m = xstrdup(mail);
	else
		m = xasprintf("%s <%s>", strempty(name) ? "DKMS" : name,
			      strempty(mail) ? "root@localhost" : mail);
	/* one line in the control file, whatever the environment holds */
	for (char *s = m; *s; s++)
		if (iscntrl((unsigned char)*s))
			*s = ' ';
	return m;
}

int deb_control_field(struct strbuf *sb, const char *field, const char *value)
{
	for (const char *c = value; *c; c++)
		if (iscntrl((unsigned char)*c))
			return -EINVAL;
	strbuf_addf(sb, "%s: %s\n", field, value);
	return 0;
}

void deb_control_description(struct strbuf *sb, const char *synopsis, const char *extended)
{
	strbuf_addstr(sb, "Description: ");
	/* the synopsis is one line: what would end it early is a blank */
	for (const char *c = synopsis; *c; c++)
		strbuf_addch(sb, iscntrl((unsigned char)*c) ? ' ' : *c);
	strbuf_addch(sb, '\n');
	/* each extended line after a space, a blank one as " ." (Policy 5.6.13) */
	for (const char *line = extended; line && *line;) {
		const char *end = strchrnul(line, '\n');
		bool blank = true;

		for (const char *c = line; c < end; c++)
			if (!isspace((unsigned char)*c))
				blank = false;
		if (blank) {
			strbuf_addstr(sb, " .\n");
		} else {
			strbuf_addch(sb, ' ');
			for (const char *c = line; c < end; c++)
				strbuf_addch(sb, iscntrl((unsigned char)*c) ? ' ' : *c);
			strbuf_addch(sb, '\n');
		}
		line = *end ? end + 1 : end;
	}
}

/* The fields before Description, each checked: -EINVAL after a message naming the one that is not one line. */
static int control_fields(const struct dkms_ctx *ctx, struct strbuf *sb, const char *pkg,
			  const char *const *fields)
{
	for (size_t i = 0; fields[i]; i += 2) {
		if (deb_control_field(sb, fields[i], fields[i + 1]) < 0) {
			_cleanup_free_ char *e = name_escape(fields[i + 1]);

			dkms_error(ctx, "Cannot write the control file of %s: the %s field \"%s\" holds a "
				   "control character (a field is one line).", pkg, fields[i], e);
			return -EINVAL;
		}
	}
	return 0;
}

/* A fresh staging root in workdir: <root>/DEBIAN exists, both 0755. */
static int make_staging(const char *workdir, char **ret_root)
{
	_cleanup_free_ char *root = xasprintf("%s/deb.XXXXXX", workdir);
	_cleanup_free_ char *debian = NULL;

	if (!mkdtemp(root))
		return -errno;
	/* the data tar's "./" takes this mode, and dpkg applies it to / */
	if (chmod(root, 0755) < 0)
		return -errno;
	debian = xasprintf("%s/DEBIAN", root);
	if (mkdir(debian, 0755) < 0)
		return -errno;
	*ret_root = TAKE_PTR(root);
	return 0;
}

static int write_member(const char *root, const char *name, const char *text, mode_t mode)
{
	_cleanup_free_ char *p = xasprintf("%s/DEBIAN/%s", root, name);

	return write_file_atomic(p, text, strlen(text), mode);
}

/*
 * dpkg-deb's complaint in one line: from its first "error:" on (it may
 * continue on further lines, or quote a name holding a newline), else the
 * last line. Allocated.
 */
static char *error_line(const char *text)
{
	const char *from = strstr(text, "error:");
	_cleanup_strv_ struct strv words = STRV_INIT;

	if (from) {
		while (from > text && from[-1] != '\n')
			from--;
	} else {
		from = text + strlen(text);
		while (from > text && (from[-1] == '\n' || from[-1] == ' '))
			from--;
		while (from > text && from[-1] != '\n')
			from--;
	}
	strv_split(&words, from, " \t\n");
	return words.n ? strv_join(&words, " ") : xstrdup("(no output)");
}

/*
 * dpkg-deb --build root into outdir/<file>, through a temp file renamed into
 * place. dpkg-deb checks the control file and the scripts' modes itself.
 */
static int run_dpkg_deb(const struct dkms_ctx *ctx, const char *root, const char *outdir,
			const char *file, char **ret_path)
{
	_cleanup_free_ char *prog = find_program("dpkg-deb");
	_cleanup_free_ char *tmp = NULL, *path = NULL, *why = NULL;
	_cleanup_strbuf_ struct strbuf log = STRBUF_INIT;
	struct child c = CHILD_INIT;
	_cleanup_close_ int fd = -1;
	int r;

	if (!prog) {
		dkms_error(ctx, "dpkg-deb was not found in PATH: install dpkg to make .deb packages.");
		return -ENOENT;
	}
	r = mkdir_p(outdir, 0755);
	if (r < 0) {
		dkms_error(ctx, "Cannot create %s: %s", outdir, strerror(-r));
		return r;
	}
	path = xasprintf("%s/%s", outdir, file);
	tmp = xasprintf("%s/.%s.XXXXXX", outdir, file);
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		dkms_error(ctx, "Cannot write in %s: %s", outdir, strerror(-r));
		return r;
	}
	strv_push(&c.args, prog);
	strv_push(&c.args, "--root-owner-group");
	strv_push(&c.args, "-Zgzip");
	strv_push(&c.args, "--build");
	strv_push(&c.args, root);
	strv_push(&c.args, tmp);
	c.capture = &log;
	c.err_fd = -2;
	c.in_fd = -2;
	r = child_run(&c);
	child_release(&c);
	if (r != 0) {
		unlink(tmp);
		why = error_line(log.buf);
		if (r < 0)
			dkms_error(ctx, "Cannot run %s: %s", prog, strerror(-r));
		else
			dkms_error(ctx, "dpkg-deb failed to build %s: %s", file, why);
		return -EIO;
	}
	if (fchmod(fd, 0644) < 0 || rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		dkms_error(ctx, "Cannot write %s: %s", path, strerror(-r));
		return r;
	}
	*ret_path = TAKE_PTR(path);
	return 0;
}

/* Build from a filled staging root, then remove the root whatever happened. */
static int finish(const struct dkms_ctx *ctx, char *root, const char *outdir, const char *file,
		  char **ret_path)
{
	int r = run_dpkg_deb(ctx, root, outdir, file, ret_path);

	rm_rf(root);
	return r;
}

/* DEBIAN/control, postinst and one more script (postrm or prerm), then finish. */
static int write_control_and_finish(const struct dkms_ctx *ctx, char *root, const char *pkg,
				    const char *control, const char *postinst, const char *script_name,
				    const char *script, const char *outdir, const char *file,
				    char **ret_path)
{
	int r = write_member(root, "control", control, 0644);

	if (r >= 0)
		r = write_member(root, "postinst", postinst, 0755);
	if (r >= 0)
		r = write_member(root, script_name, script, 0755);
	if (r < 0) {
		dkms_error(ctx, "Cannot write the control files of %s: %s", pkg, strerror(-r));
		rm_rf(root);
		return r;
	}
	return finish(ctx, root, outdir, file, ret_path);
}

/*
 * Maintainer scripts are templates: @NAME@, @VERSION@ and @KERNEL@ become
 * single-quoted shell words.
 */
static char *expand(const char *tmpl, const char *name, const char *version, const char *kernel)
{
	static const char *const keys[] = { "@NAME@", "@VERSION@", "@KERNEL@" };
	const char *values[] = { name, version, kernel };
	struct strbuf sb = STRBUF_INIT;

	while (*tmpl) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (values[i] && !strncmp(tmpl, keys[i], strlen(keys[i])))
				break;
		if (i < ARRAY_SIZE(keys)) {
			add_sh_quoted(&sb, values[i]);
			tmpl += strlen(keys[i]);
		} else {
			strbuf_addch(&sb, *tmpl++);
		}
	}
	return strbuf_detach(&sb);
}

static const char modules_postinst[] =
	"#!/bin/sh\n"
	"# Made by dkms mkbmdeb: let the kernel find the modules this package added.\n"
	"set -e\n"
	"kernel=@KERNEL@\n"
	"if [ \"$1\" = configure ] && [ -d \"/lib/modules/$kernel/kernel\" ]; then\n"
	"\tdepmod -a \"$kernel\"\n"
	"fi\n"
	"exit 0\n";

static const char modules_postrm[] =
	"#!/bin/sh\n"
	"# Made by dkms mkbmdeb: forget the modules this package took away.\n"
	"set -e\n"
	"kernel=@KERNEL@\n"
	"if [ \"$1\" = remove ] && [ -d \"/lib/modules/$kernel/kernel\" ]; then\n"
	"\tdepmod -a \"$kernel\"\n"
	"fi\n"
	"exit 0\n";

static int stage_modules(const struct dud_kernel *k, const char *root, struct strv *names)
{
	for (size_t i = 0; i < k->n_modules; i++) {
		const struct dud_module *m = &k->modules[i];
		const char *base = strrchr(m->path, '/') ? strrchr(m->path, '/') + 1 : m->path;
		_cleanup_free_ char *dir = xasprintf("%s/lib/modules/%s/%s", root, k->kernelver,
						     m->dest + (m->dest[0] == '/'));
		_cleanup_free_ char *dst = xasprintf("%s/%s", dir, base);
		int r = mkdir_p(dir, 0755);

		if (r >= 0)
			r = copy_file(m->path, dst);
		if (r >= 0 && chmod(dst, 0644) < 0)
			r = -errno;
		if (r < 0)
			return r;
		strv_push(names, m->name);
	}
	return 0;
}

int deb_build_modules(const struct dkms_ctx *ctx, const char *module, const char *version,
		      const struct dud_kernel *k, const char *workdir, const char *outdir,
		      char **ret_path)
{
	const char *arch = deb_arch_of(k->arch);
	_cleanup_free_ char *base = deb_package_name(module);
	_cleanup_free_ char *pkg = NULL, *ver = deb_version(version), *file = NULL;
	_cleanup_free_ char *root = NULL, *maint = maintainer(), *list = NULL;
	_cleanup_free_ char *postinst = NULL, *postrm = NULL;
	_cleanup_strbuf_ struct strbuf cb = STRBUF_INIT;
	_cleanup_strv_ struct strv names = STRV_INIT;
	int r;

	if (!arch) {
		dkms_error(ctx, "No Debian architecture is known for %s (kernel %s).", k->arch,
			   k->kernelver);
		return -EINVAL;
	}
	{
		_cleanup_free_ char *raw = xasprintf("%s-modules-%s", base, k->kernelver);

		pkg = deb_package_name(raw);
	}
	file = deb_file_name(pkg, ver, arch);
	r = make_staging(workdir, &root);
	if (r < 0) {
		dkms_error(ctx, "Cannot make a staging directory in %s: %s", workdir, strerror(-r));
		return r;
	}
	r = stage_modules(k, root, &names);
	if (r < 0) {
		dkms_error(ctx, "Cannot copy the modules of %s/%s for %s: %s", module, version,
			   k->kernelver, strerror(-r));
		rm_rf(root);
		return r;
	}
	list = strv_join(&names, ", ");
	{
		_cleanup_free_ char *kib = xasprintf("%llu", installed_kib(root, true));
		_cleanup_free_ char *dep = xasprintf("linux-image-%s | linux-image-unsigned-%s", k->kernelver,
						     k->kernelver);
		_cleanup_free_ char *prov = xasprintf("%s-modules", base);
		_cleanup_free_ char *syn = xasprintf("%s %s kernel modules for Linux %s", module, version,
						     k->kernelver);
		_cleanup_free_ char *ext = xasprintf("Built by dkms from %s %s for the %s kernel (%s): %s.", module,
						     version, k->kernelver, k->arch, list);
		const char *const fields[] = {
			"Package", pkg, "Version", ver, "Architecture", arch, "Maintainer", maint,
			"Installed-Size", kib, "Depends", dep, "Provides", prov, "Section", "kernel",
			"Priority", "optional", NULL,
		};

		r = control_fields(ctx, &cb, pkg, fields);
		if (r < 0) {
			rm_rf(root);
			return r;
		}
		deb_control_description(&cb, syn, ext);
	}
	postinst = expand(modules_postinst, NULL, NULL, k->kernelver);
	postrm = expand(modules_postrm, NULL, NULL, k->kernelver);
	return write_control_and_finish(ctx, root, pkg, cb.buf, postinst, "postrm", postrm, outdir, file,
					ret_path);
}

/*
 * The source package's scripts: the package registers with dkms and is
 * built for the running kernel when its headers are there; dkms's own kernel
 * hooks (AUTOINSTALL) take care of later kernels.
 */
static const char source_postinst[] =
	"#!/bin/sh\n"
	"# Made by dkms mkdeb: add the source to dkms, build and install it for the running kernel.\n"
	"set -e\n"
	"name=@NAME@\n"
	"version=@VERSION@\n"
	"[ \"$1\" = configure ] || exit 0\n"
	"if [ -z \"$(dkms status -m \"$name\" -v \"$version\" 2>/dev/null)\" ]; then\n"
	"\tdkms add -m \"$name\" -v \"$version\"\n"
	"fi\n"
	"kernel=$(uname -r)\n"
	"if [ ! -e \"/lib/modules/$kernel/build/include\" ]; then\n"
	"\techo \"dkms: no headers for kernel $kernel: $name/$version is built when they are installed.\" >&2\n"
	"\texit 0\n"
	"fi\n"
	"rc=0\n"
	"dkms install -m \"$name\" -v \"$version\" -k \"$kernel\" || rc=$?\n"
	"# 77: BUILD_EXCLUSIVE rules this kernel out, which is not an error\n"
	"if [ \"$rc\" -ne 0 ] && [ \"$rc\" -ne 77 ]; then\n"
	"\techo \"dkms: building $name/$version for $kernel failed (exit $rc).\" >&2\n"
	"\texit \"$rc\"\n"
	"fi\n"
	"exit 0\n";

static const char source_prerm[] =
	"#!/bin/sh\n"
	"# Made by dkms mkdeb: take the source out of dkms, with its modules for every kernel.\n"
	"set -e\n"
	"name=@NAME@\n"
	"version=@VERSION@\n"
	"case \"$1\" in\n"
	"remove|upgrade|deconfigure)\n"
	"\tif [ -n \"$(dkms status -m \"$name\" -v \"$version\" 2>/dev/null)\" ]; then\n"
	"\t\tdkms remove -m \"$name\" -v \"$version\" --all\n"
	"\tfi\n"
	"\t;;\n"
	"esac\n"
	"exit 0\n";

int deb_build_source(const struct dkms_ctx *ctx, const char *module, const char *version,
		     const char *source_dir, const char *workdir, const char *outdir,
		     char **ret_path)
{
	_cleanup_free_ char *base = deb_package_name(module);
	_cleanup_free_ char *pkg = xasprintf("%s-dkms", base), *ver = deb_version(version);
	_cleanup_free_ char *file = deb_file_name(pkg, ver, "all");
	_cleanup_free_ char *root = NULL, *dst = NULL, *maint = maintainer();
	_cleanup_free_ char *postinst = NULL, *prerm = NULL;
	_cleanup_strbuf_ struct strbuf cb = STRBUF_INIT;
	int r;

	r = make_staging(workdir, &root);
	if (r < 0) {
		dkms_error(ctx, "Cannot make a staging directory in %s: %s", workdir, strerror(-r));
		return r;
	}
	dst = xasprintf("%s/usr/src/%s-%s", root, module, version);
	r = mkdir_p(dst, 0755);
	if (r >= 0)
		r = copy_tree(source_dir, dst);
	if (r >= 0 && chmod(dst, 0755) < 0)
		r = -errno;
	if (r < 0) {
		dkms_error(ctx, "Cannot copy the source %s: %s", source_dir, strerror(-r));
		rm_rf(root);
		return r;
	}
	{
		_cleanup_free_ char *kib = xasprintf("%llu", installed_kib(root, true));
		_cleanup_free_ char *prov = xasprintf("%s-modules (= %s)", base, ver);
		_cleanup_free_ char *syn = xasprintf("%s %s driver in DKMS format", module, version);
		_cleanup_free_ char *ext = xasprintf("The source of %s %s in /usr/src/%s-%s, built by dkms for each\n"
						     "kernel with headers installed.", module, version, module, version);
		const char *const fields[] = {
			"Package", pkg, "Version", ver, "Architecture", "all", "Maintainer", maint,
			"Installed-Size", kib, "Depends", "dkms", "Provides", prov, "Section", "kernel",
			"Priority", "optional", NULL,
		};

		r = control_fields(ctx, &cb, pkg, fields);
		if (r < 0) {
			rm_rf(root);
			return r;
		}
		deb_control_description(&cb, syn, ext);
	}
	postinst = expand(source_postinst, module, version, NULL);
	prerm = expand(source_prerm, module, version, NULL);
	return write_control_and_finish(ctx, root, pkg, cb.buf, postinst, "prerm", prerm, outdir, file,
					ret_path);
}
