// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A legacy Red Hat driver disk as the RHEL 4/5 loader reads it (anaconda
 * rhel4-branch and rhel5-branch loader2/: driverdisk.c, moduleinfo.c,
 * moduledeps.c, isys/uncpio.c) and as kudzu reads its PCI tables.
 */
#include <string.h>
#include <sys/stat.h>

#include "formats/cgz.h"
#include "formats/redhat-legacy.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define DEFAULT_ARCH "x86_64"

bool legacy_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && streq(s + n - m, suffix);
}

/* root/name's content, or NULL with a problem line when it is missing. */
static char *required_file(const char *root, const char *name, const char *who,
			   struct dud_report *rep, size_t *ret_len)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, name);
	struct strbuf text = STRBUF_INIT;

	if (!is_file(path) || read_file(path, &text) < 0) {
		strbuf_release(&text);
		dud_report_problem(rep, "%s: missing (%s)", name, who);
		return NULL;
	}
	*ret_len = text.len;
	return strbuf_detach(&text);
}

static void check_marker(const char *root, const struct legacy_layout *l, struct dud_report *rep)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, l->marker);
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		dud_report_problem(rep, "%s: not a regular file", l->marker);
	else if (st.st_size == 0)
		dud_report_problem(rep, "%s: empty (the loader refuses a disk whose %s is empty)",
				   l->marker, l->marker);
}

static bool ends_with_newline(const char *text, size_t len)
{
	return len && text[len - 1] == '\n';
}

/* The loader's modinfo reader (loader2/moduleinfo.c); names go to described. */
static void check_modinfo(const char *root, struct dud_report *rep, struct strv *described)
{
	size_t len = 0, lineno = 1;
	_cleanup_free_ char *text = required_file(root, "modinfo", "both loaders read it", rep, &len);
	int indented = -1; /* indented lines since the last module name; -1: no name yet */

	if (!text)
		return;
	if (strncmp(text, "Version 0\n", 10)) {
		dud_report_problem(rep, "modinfo: the first line must be \"Version 0\" "
				   "(the loader ignores the file otherwise)");
		return;
	}
	if (!ends_with_newline(text, len))
		dud_report_problem(rep, "modinfo: the last line has no newline (the RHEL 5 loader "
				   "crashes on it)");
	for (char *line = text + 10, *next; *line; line = next) {
		char *end = strchrnul(line, '\n');
		char *s = line + strspn(line, " \t");
		size_t n;

		next = *end ? end + 1 : end;
		/* the loader trims each line's trailing white space */
		while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			end--;
		*end = '\0';
		n = (size_t)(end - s);
		lineno++;
		if (!n || *s == '#')
			continue;
		/* a name, then indented: the type, the quoted description, arguments */
		if (s == line) {
			strv_push(described, line);
			indented = 0;
		} else if (indented < 0) {
			dud_report_problem(rep, "modinfo: line %zu is indented but no module name comes "
					   "before it", lineno);
		} else if (++indented == 2 && (n < 2 || *s != '"' || s[n - 1] != '"')) {
			dud_report_problem(rep, "modinfo: line %zu: the description must be in double "
					   "quotes", lineno);
		}
	}
}

static void check_modules_dep(const char *root, struct dud_report *rep)
{
	size_t len = 0;
	_cleanup_free_ char *text = required_file(root, "modules.dep", "both loaders read it", rep, &len);

	if (text && len && !ends_with_newline(text, len))
		dud_report_problem(rep, "modules.dep: the last line has no newline (the loader reads "
				   "past the end of the file)");
}

/* kudzu matches exactly "alias <bus>:<pattern> <module>". */
static bool alias_line_ok(const char *line)
{
	const char *pattern, *module;

	if (strncmp(line, "alias ", 6))
		return false;
	pattern = line + 6;
	module = strchr(pattern, ' ');
	if (!module || module == pattern || !memchr(pattern, ':', (size_t)(module - pattern)))
		return false;
	module++;
	return *module && !strpbrk(module, " \t") && !strchr(pattern, '\t');
}

static void check_modules_alias(const char *root, struct dud_report *rep)
{
	size_t len = 0;
	_cleanup_free_ char *text = required_file(root, "modules.alias", "the RHEL 5 loader requires it",
						  rep, &len);
	_cleanup_strv_ struct strv lines = STRV_INIT;

	if (!text)
		return;
	strv_split(&lines, text, "\n");
	for (size_t i = 0; i < lines.n; i++)
		if (lines.v[i][0] != '#' && !alias_line_ok(lines.v[i]))
			dud_report_problem(rep, "modules.alias: \"%s\" is not \"alias <bus>:<pattern> "
					   "<module>\"", lines.v[i]);
}

/* kudzu pciReadDrivers: hex vendor, hex device, [sub ids,] "module". */
static void check_pcitable(const char *root, struct dud_report *rep)
{
	size_t len = 0;
	_cleanup_free_ char *text = required_file(root, "pcitable", "the RHEL 4 loader requires it",
						  rep, &len);
	_cleanup_strv_ struct strv lines = STRV_INIT;

	if (!text)
		return;
	strv_split(&lines, text, "\n");
	for (size_t i = 0; i < lines.n; i++) {
		const char *s = lines.v[i] + strspn(lines.v[i], " \t");
		const char *q;

		if (!*s || *s == '#')
			continue;
		q = strchr(s, '"');
		if (strncmp(s, "0x", 2) || !q || !strchr(q + 1, '"'))
			dud_report_problem(rep, "pcitable: \"%s\" is not \"0xVVVV 0xDDDD \\\"module\\\"\"",
					   lines.v[i]);
	}
}

/* Optional; kudzu splits its fields at spaces only. */
static void check_pcimap(const char *root, struct dud_report *rep)
{
	_cleanup_free_ char *path = xasprintf("%s/modules.pcimap", root);
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	_cleanup_strv_ struct strv lines = STRV_INIT;

	if (read_file(path, &text) < 0)
		return;
	strv_split(&lines, text.buf, "\n");
	for (size_t i = 0; i < lines.n; i++) {
		_cleanup_strv_ struct strv fields = STRV_INIT;

		if (lines.v[i][0] == '#')
			continue;
		strv_split(&fields, lines.v[i], " ");
		if (strchr(lines.v[i], '\t') || fields.n < 7)
			dud_report_problem(rep, "modules.pcimap: \"%s\" is not seven space-separated fields",
					   lines.v[i]);
	}
}

/* A member's path components, checked against the layout; the module name or NULL. */
static char *member_module(const struct legacy_layout *l, const char *name, struct dud_report *rep)
{
	_cleanup_strv_ struct strv parts = STRV_INIT;
	const char *base;

	if (name[0] == '/' || !strncmp(name, "./", 2)) {
		dud_report_problem(rep, "modules.cgz: %s: the loader looks members up without a leading "
				   "\"/\" or \"./\"", name);
		return NULL;
	}
	strv_split(&parts, name, "/");
	if (parts.n != (l->arch_dirs ? 3u : 2u)) {
		dud_report_problem(rep, "modules.cgz: %s: a %s disk holds %s", name, l->marker,
				   l->arch_dirs ? "<kernel>/<arch>/<module>.ko" : "<kernel>/<module>.ko");
		return NULL;
	}
	base = parts.v[parts.n - 1];
	if (!legacy_has_suffix(base, ".ko")) {
		if (strstr(base, ".ko."))
			dud_report_problem(rep, "modules.cgz: %s: the loader loads only uncompressed "
					   ".ko files", name);
		return NULL;
	}
	return xstrndup(base, strlen(base) - 3);
}

static void check_cgz(const char *root, const struct legacy_layout *l, const struct dud_check_opts *o,
		      const struct strv *described, struct dud_report *rep)
{
	size_t len = 0;
	_cleanup_free_ char *data = required_file(root, "modules.cgz", "it holds the modules", rep, &len);
	_cleanup_free_ char *why = NULL, *prefix = NULL;
	const char *arch = o && o->arch ? o->arch : DEFAULT_ARCH;
	const char *kernelver = o ? o->kernelver : NULL;
	struct cgz_listing cgz;
	size_t found = 0;

	if (!data)
		return;
	if (cgz_list(data, len, &cgz, &why) < 0) {
		dud_report_problem(rep, "modules.cgz: %s", why);
		return;
	}
	if (!cgz.trailer)
		dud_report_problem(rep, "modules.cgz: the cpio archive does not end with TRAILER!!!");
	if (kernelver)
		prefix = l->arch_dirs ? xasprintf("%s/%s/", kernelver, arch) : xasprintf("%s/", kernelver);
	for (size_t i = 0; i < cgz.files.n; i++) {
		const char *name = cgz.files.v[i];
		_cleanup_free_ char *module = member_module(l, name, rep);

		if (!module || (prefix && strncmp(name, prefix, strlen(prefix))))
			continue;
		found++;
		strv_pushf(&rep->drivers, "%s (modules.cgz: %s)", module, name);
		if (!strv_contains(described, module))
			strv_pushf(&rep->notes, "modinfo does not describe %s", module);
	}
	if (kernelver && !found)
		dud_report_problem(rep, "modules.cgz: nothing for kernel %s (%s): the loader looks for "
				   "%s<module>.ko", kernelver, arch, prefix);
	cgz_listing_release(&cgz);
}

int legacy_check(const struct legacy_layout *l, const char *root, const struct dud_check_opts *o,
			struct dud_report *rep)
{
	_cleanup_strv_ struct strv described = STRV_INIT;

	free(rep->format);
	rep->format = xstrdup(l->format);
	check_marker(root, l, rep);
	check_modinfo(root, rep, &described);
	check_modules_dep(root, rep);
	check_modules_alias(root, rep);
	check_pcitable(root, rep);
	check_pcimap(root, rep);
	check_cgz(root, l, o, &described, rep);
	return 0;
}

