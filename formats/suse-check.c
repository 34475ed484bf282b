// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An unpacked SUSE driver update checked the way linuxrc reads it
 * (openSUSE/linuxrc util.c add_driver_update, util_chk_driver_update,
 * util_do_driver_update; file.c file_read_file) and YaST runs it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "formats/suse.h"
#include "modmeta.h"
#include "util/dir.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/strv.h"

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* Entries of dir, sorted; empty when it cannot be read. */
static void list_dir(const char *dir, struct strv *ret)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			strv_push(ret, de->d_name);
	strv_sort(ret);
}

/* "linux/suse" and every "<N>/linux/suse" linuxrc scans, relative to root. */
static void update_roots(const char *root, struct strv *ret)
{
	_cleanup_strv_ struct strv top = STRV_INIT;
	_cleanup_free_ char *main_dir = xasprintf("%s/linux/suse", root);

	if (is_dir(main_dir))
		strv_push(ret, "linux/suse");
	list_dir(root, &top);
	for (size_t i = 0; i < top.n; i++) {
		_cleanup_free_ char *p = NULL;

		if (!all_digits(top.v[i]))
			continue;
		p = xasprintf("%s/%s/linux/suse", root, top.v[i]);
		if (is_dir(p))
			strv_pushf(ret, "%s/linux/suse", top.v[i]);
	}
}

bool suse_detect(const char *root)
{
	_cleanup_strv_ struct strv roots = STRV_INIT;

	update_roots(root, &roots);
	return roots.n > 0;
}

/*
 * dud.config as file_read_file splits it: the key ends at ':', '=', blank or
 * newline; separators after it are skipped; one pair of quotes is removed.
 */
static void check_config(const char *root, const char *rel, struct dud_report *rep)
{
	_cleanup_free_ char *path = xasprintf("%s/%s/dud.config", root, rel);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	bool has_id = false;
	unsigned lineno = 0;
	int r = read_file(path, &sb);

	if (r < 0) {
		dud_report_problem(rep, "%s/dud.config: %s (linuxrc tells updates apart by its UpdateID)",
				   rel, r == -ENOENT ? "missing" : strerror(-r));
		return;
	}
	for (const char *line = sb.buf; *line;) {
		size_t len = strcspn(line, "\n");
		_cleanup_free_ char *text = xstrndup(line, len);
		char *key = text, *value;

		lineno++;
		line += len + (line[len] == '\n');
		if (len + 1 > SUSE_CONFIG_LINE_MAX)
			dud_report_problem(rep, "%s/dud.config: line %u is %zu bytes, linuxrc reads at most %d",
					   rel, lineno, len + 1, SUSE_CONFIG_LINE_MAX);
		while (isspace((unsigned char)*key))
			key++;
		if (!*key || *key == '#')
			continue;
		value = key + strcspn(key, ":= \t");
		if (!*value) {
			dud_report_problem(rep, "%s/dud.config: line %u: '%s' has no value (Key: value)",
					   rel, lineno, key);
			continue;
		}
		*value++ = '\0';
		while (*value == ':' || *value == '=' || isspace((unsigned char)*value))
			value++;
		for (char *end = value + strlen(value); end > value && isspace((unsigned char)end[-1]);)
			*--end = '\0';
		if ((*value == '"' || *value == '\'') && strlen(value) > 1 &&
		    value[strlen(value) - 1] == *value) {
			value[strlen(value) - 1] = '\0';
			value++;
		}
		if (!strcasecmp(key, "UpdateID") && *value) {
			has_id = true;
		} else if (!strcasecmp(key, "UpdatePriority")) {
			char *end;

			strtol(value, &end, 0);
			if (!*value || *end)
				dud_report_problem(rep, "%s/dud.config: line %u: UpdatePriority '%s' is not a number",
						   rel, lineno, value);
		}
	}
	if (!has_id)
		dud_report_problem(rep, "%s/dud.config: no UpdateID (linuxrc tells updates apart by it)", rel);
}

/* modules/<name><ext> for the extensions linuxrc tries, relative to the update dir; or NULL. */
static char *find_module(const char *root, const char *rel, const char *name)
{
	static const char *const exts[] = { ".ko.xz", ".ko.gz", ".ko.zst", ".ko" };

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s/modules/%s%s", root, rel, name, exts[i]);

		if (is_file(p))
			return xasprintf("%s%s", name, exts[i]);
	}
	return NULL;
}

static void check_driver(const char *root, const char *rel, const char *file,
			 const struct dud_check_opts *o, struct dud_report *rep)
{
	_cleanup_free_ char *path = xasprintf("%s/%s/modules/%s", root, rel, file);
	_cleanup_free_ char *kernel = NULL;
	struct module_meta meta;
	int r = module_meta_read(path, &meta);

	if (r < 0) {
		dud_report_problem(rep, "%s/modules/%s: not a kernel module libkmod can read (%s)", rel,
				   file, strerror(-r));
		return;
	}
	kernel = module_meta_kernel(&meta);
	if (!o->kernelver || (kernel && streq(kernel, o->kernelver)))
		strv_pushf(&rep->drivers, "%s (%s/modules/%s)", meta.name, rel, file);
	else
		strv_pushf(&rep->notes, "%s/modules/%s: built for kernel %s, not %s", rel, file,
			   kernel ? kernel : "(no vermagic)", o->kernelver);
	module_meta_release(&meta);
}

/* module.order and the module files: what linuxrc links into /modules and loads. */
static void check_modules(const char *root, const char *rel, const struct dud_check_opts *o,
			  struct dud_report *rep)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s/modules", root, rel);
	_cleanup_free_ char *order_path = xasprintf("%s/module.order", dir);
	_cleanup_strv_ struct strv files = STRV_INIT, load = STRV_INIT;
	_cleanup_strbuf_ struct strbuf order = STRBUF_INIT;

	if (!is_dir(dir)) {
		strv_pushf(&rep->notes, "%s: no modules/ (no driver for the installation system)", rel);
		return;
	}
	list_dir(dir, &files);
	for (size_t i = 0; i < files.n; i++) {
		const char *f = files.v[i];

		if (streq(f, "module.order") || streq(f, "module.config") || streq(f, "hd.ids"))
			continue;
		if (!suse_module_ext_len(f))
			dud_report_problem(rep, "%s/modules/%s: not a module file linuxrc loads "
					   "(.ko, .ko.xz, .ko.gz, .ko.zst)", rel, f);
	}
	if (read_file(order_path, &order) < 0) {
		/* linuxrc writes module.order from the listing: every module, in no useful order */
		strv_pushf(&rep->notes, "%s/modules/module.order: missing, linuxrc loads the modules "
			   "in directory order", rel);
		for (size_t i = 0; i < files.n; i++)
			if (suse_module_ext_len(files.v[i]))
				strv_push(&load, files.v[i]);
	} else {
		_cleanup_strv_ struct strv lines = STRV_INIT;

		strv_split(&lines, order.buf, "\n");
		for (size_t i = 0; i < lines.n; i++) {
			_cleanup_free_ char *name = NULL, *file = NULL;
			const char *l = lines.v[i];
			size_t len;

			while (isspace((unsigned char)*l))
				l++;
			len = strcspn(l, " \t");
			if (!len)
				continue;
			name = xstrndup(l, len);
			name[len - suse_module_ext_len(name)] = '\0';
			file = find_module(root, rel, name);
			if (!file)
				dud_report_problem(rep, "%s/modules/module.order: %s is listed, but there is "
						   "no modules/%s.ko[.xz|.gz|.zst]", rel, name, name);
			else if (!strv_contains(&load, file))
				strv_push_take(&load, TAKE_PTR(file));
		}
	}
	for (size_t i = 0; i < load.n; i++)
		check_driver(root, rel, load.v[i], o, rep);
}

/* Module files below dir (relative paths, sorted), recursively. */
static void find_modules(const char *dir, const char *prefix, struct strv *ret)
{
	_cleanup_strv_ struct strv names = STRV_INIT;

	list_dir(dir, &names);
	for (size_t i = 0; i < names.n; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, names.v[i]);
		_cleanup_free_ char *rel = *prefix ? xasprintf("%s/%s", prefix, names.v[i]) : xstrdup(names.v[i]);

		if (is_symlink(p))
			continue;
		if (is_dir(p))
			find_modules(p, rel, ret);
		else if (suse_module_ext_len(names.v[i]))
			strv_push(ret, rel);
	}
}

/*
 * install/<kernel>/: the modules update.post copies into the installed
 * system. Each must be built for the kernel whose directory it is in.
 */
static void check_installed(const char *root, const char *rel, const struct dud_check_opts *o,
			    struct dud_report *rep)
{
	_cleanup_free_ char *base = xasprintf("%s/%s/install", root, rel);
	_cleanup_strv_ struct strv kernels = STRV_INIT;

	list_dir(base, &kernels);
	for (size_t i = 0; i < kernels.n; i++) {
		_cleanup_free_ char *kdir = xasprintf("%s/%s", base, kernels.v[i]);
		_cleanup_strv_ struct strv files = STRV_INIT;

		if (is_symlink(kdir) || !is_dir(kdir))
			continue;
		if (o->kernelver && !streq(o->kernelver, kernels.v[i]))
			continue;
		find_modules(kdir, "", &files);
		for (size_t j = 0; j < files.n; j++) {
			_cleanup_free_ char *path = xasprintf("%s/%s", kdir, files.v[j]);
			_cleanup_free_ char *kernel = NULL;
			struct module_meta meta;
			int r = module_meta_read(path, &meta);

			if (r < 0) {
				dud_report_problem(rep, "%s/install/%s/%s: not a kernel module libkmod can read (%s)",
						   rel, kernels.v[i], files.v[j], strerror(-r));
				continue;
			}
			kernel = module_meta_kernel(&meta);
			if (!kernel || !streq(kernel, kernels.v[i]))
				dud_report_problem(rep, "%s/install/%s/%s: built for kernel %s",
						   rel, kernels.v[i], files.v[j], kernel ? kernel : "(no vermagic)");
			else
				strv_pushf(&rep->drivers, "%s (%s/install/%s/%s, for the installed system)",
					   meta.name, rel, kernels.v[i], files.v[j]);
			module_meta_release(&meta);
		}
	}
}

/*
 * update.pre, update.post, update.post2: run by inst_setup and YaST with a
 * plain exec. linuxrc makes them executable when it copies them (a FAT
 * floppy has no mode bits), so a missing x bit is only a note.
 */
static void check_scripts(const char *root, const char *rel, struct dud_report *rep)
{
	static const char *const scripts[] = { "update.pre", "update.post", "update.post2" };

	for (size_t i = 0; i < ARRAY_SIZE(scripts); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s/install/%s", root, rel, scripts[i]);
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		struct stat st;

		if (lstat(p, &st) < 0)
			continue;
		if (!S_ISREG(st.st_mode)) {
			dud_report_problem(rep, "%s/install/%s: not a regular file", rel, scripts[i]);
			continue;
		}
		if (!(st.st_mode & S_IXUSR))
			strv_pushf(&rep->notes, "%s/install/%s: not executable (linuxrc makes it so)", rel,
				   scripts[i]);
		if (read_file(p, &sb) < 0 || strncmp(sb.buf, "#!", 2))
			dud_report_problem(rep, "%s/install/%s: does not start with #!", rel, scripts[i]);
	}
}

/* "<arch>-<dist>" split at the first '-' after a known arch; false when not of that form. */
static bool split_dir_name(const char *name, char **ret_arch, const char **ret_dist)
{
	const char *dash = strchr(name, '-');
	_cleanup_free_ char *arch = NULL;

	if (!dash)
		return false;
	arch = xstrndup(name, (size_t)(dash - name));
	if (!suse_arch_of(arch) || !streq(suse_arch_of(arch), arch) || !suse_dist_valid(dash + 1))
		return false;
	*ret_arch = TAKE_PTR(arch);
	*ret_dist = dash + 1;
	return true;
}

int suse_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep)
{
	const char *asked = o && o->arch ? o->arch : "x86_64";
	const char *want = suse_arch_of(asked) ? suse_arch_of(asked) : asked;
	struct dud_check_opts opts = { o ? o->kernelver : NULL, want };
	_cleanup_strv_ struct strv roots = STRV_INIT;
	size_t found = 0;

	update_roots(root, &roots);
	if (!roots.n) {
		dud_report_problem(rep, "linux/suse: missing (not a SUSE driver update)");
		return 0;
	}
	for (size_t i = 0; i < roots.n; i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", root, roots.v[i]);
		_cleanup_strv_ struct strv names = STRV_INIT;

		list_dir(dir, &names);
		for (size_t j = 0; j < names.n; j++) {
			_cleanup_free_ char *rel = xasprintf("%s/%s", roots.v[i], names.v[j]);
			_cleanup_free_ char *abs = xasprintf("%s/%s", root, rel);
			_cleanup_free_ char *arch = NULL;
			const char *dist;

			if (!is_dir(abs)) {
				if (is_symlink(abs))
					dud_report_problem(rep, "%s: a link to nothing", rel);
				continue;
			}
			if (!split_dir_name(names.v[j], &arch, &dist)) {
				const char *dash = strchr(names.v[j], '-');
				_cleanup_free_ char *note = NULL;
				_cleanup_free_ char *fixed = dash ? suse_dist_dir(dash + 1, &note) : NULL;

				if (fixed && !streq(fixed, dash + 1))
					dud_report_problem(rep, "%s: no installer reads this directory: the one for %s "
							   "is %.*s-%s", rel, dash + 1, (int)(dash - names.v[j]),
							   names.v[j], fixed);
				else
					dud_report_problem(rep, "%s: not an <arch>-<dist> directory linuxrc looks for "
							   "(e.g. x86_64-sles15)", rel);
				continue;
			}
			if (!streq(arch, want))
				continue;
			found++;
			check_config(root, rel, rep);
			check_modules(root, rel, &opts, rep);
			check_scripts(root, rel, rep);
			check_installed(root, rel, &opts, rep);
		}
	}
	if (!found)
		dud_report_problem(rep, "linux/suse: no <arch>-<dist> directory for %s", want);
	return 0;
}
