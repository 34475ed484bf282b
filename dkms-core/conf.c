// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dkms_conf_read: dkms's read_conf and read_conf_strict. Evaluate the
 * dkms.conf and its /etc/dkms overrides (natively when every file is plain,
 * else with bash), apply --directive, then resolve and validate the records
 * for one kernel, printing the same "dkms.conf: Error! ..." lines as dkms.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "conf-read.h"
#include "names.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "util/words.h"
#include "version.h"

/* dkms loops over every index up to the highest; refuse absurd ones. */
#define MAX_MODULES 4096

static void say(const struct dkms_ctx *ctx, unsigned flags, const char *fmt, ...) _printf_(3, 4);
static void say(const struct dkms_ctx *ctx, unsigned flags, const char *fmt, ...)
{
	va_list ap;

	if (flags & CONF_QUIET)
		return;
	va_start(ap, fmt);
	dkms_vlog(ctx, DKMS_LOG_NOTE, fmt, ap);
	va_end(ap);
}

/*
 * names.h's rule for one directive's value: "dkms.conf: Error! NAME[i] "v"
 * is not a valid name: why." index < 0: a scalar; note: said after the value.
 */
static bool valid_name(const struct dkms_ctx *ctx, unsigned flags, enum name_kind kind,
		       const char *directive, long index, const char *note, const char *value)
{
	char reason[NAME_REASON_MAX];
	const char *bad = name_check(kind, value, reason);
	_cleanup_free_ char *shown = NULL;

	if (!bad)
		return true;
	shown = name_escape(value);
	if (index < 0)
		say(ctx, flags, "dkms.conf: Error! %s \"%s\"%s is not a valid %s: %s.", directive, shown,
		    note, kind == NAME_WORD ? "name" : "location", bad);
	else
		say(ctx, flags, "dkms.conf: Error! %s[%ld] \"%s\"%s is not a valid %s: %s.", directive,
		    index, shown, note, kind == NAME_WORD ? "name" : "location", bad);
	return false;
}

static const char *val(const struct conf_vars *vars, const char *name, size_t index)
{
	const char *v = index <= UINT32_MAX ? conf_vars_value(vars, name, (unsigned)index) : NULL;

	return v ? v : "";
}

static char *dup_or_null(const char *s)
{
	return strempty(s) ? NULL : xstrdup(s);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && streq(s + a - b, suffix);
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void push_all(struct strv *sv, const struct conf_vars *vars, const char *name)
{
	const struct conf_var *v = conf_vars_get(vars, name);

	for (size_t i = 0; v && i < v->n; i++)
		strv_push(sv, v->items[i].value);
}

/* Highest index + 1 (0 when unset). */
static size_t var_extent(const struct conf_vars *vars, const char *name)
{
	const struct conf_var *v = conf_vars_get(vars, name);

	return v && v->n ? (size_t)v->items[v->n - 1].index + 1 : 0;
}

/* ---- evaluation ---- */

static void warn_deprecated(const struct dkms_ctx *ctx, unsigned flags,
			    const struct conf_vars *state, const char *file)
{
	static const char *const inert[] = {
		"REMAKE_INITRD", "MODULES_CONF", "MODULES_CONF_OBSOLETES",
		"MODULES_CONF_ALIAS_TYPE", "MODULES_CONF_OBSOLETE_ONLY",
	};

	if (conf_vars_count(state, "CLEAN")) {
		const char *c = val(state, "CLEAN", 0);

		if (!streq(c, "true") && !streq(c, "/bin/true") && !streq(c, "/usr/bin/true"))
			say(ctx, flags, "Deprecated feature: CLEAN (%s)", file);
	}
	for (size_t i = 0; i < ARRAY_SIZE(inert); i++)
		if (conf_vars_count(state, inert[i]))
			say(ctx, flags, "Deprecated feature: %s (%s)", inert[i], file);
	if (conf_vars_count(state, "OBSOLETE_BY"))
		say(ctx, flags, "Deprecated feature: OBSOLETE_BY (%s): use BUILD_EXCLUSIVE_KERNEL_MAX instead",
		    file);
}

void conf_states_release(struct conf_vars *states, size_t n)
{
	for (size_t i = 0; i < n; i++)
		conf_vars_release(&states[i]);
}

/* Fill states[i] with the directives after file i. */
static int evaluate(const struct dkms_ctx *ctx, const struct conf_scope *scope,
		    const char *const *files, size_t n, unsigned flags,
		    struct conf_vars *states, bool *ret_native)
{
	struct conf_vars cur = { 0 };
	int r = 0;

	if (!(flags & CONF_NO_NATIVE)) {
		for (size_t i = 0; i < n && r == 0; i++) {
			r = conf_parse_native(scope, files[i], &cur);
			if (r == 0)
				conf_vars_copy(&states[i], &cur);
			else if (ctx->strict_conf)
				say(ctx, flags,
				    r == -ENOTSUP ?
				    "dkms.conf: Error! %s is not plain assignments; strict mode refuses to run it with a shell." :
				    "dkms.conf: Error! Could not read %s.", files[i]);
		}
		conf_vars_release(&cur);
		if (r == 0) {
			*ret_native = true;
			return 0;
		}
		conf_states_release(states, n);
		if (ctx->strict_conf)
			return -EINVAL;
	} else if (ctx->strict_conf) {
		say(ctx, flags,
		    "dkms.conf: Error! strict mode refuses to run %s with a shell.", files[0]);
		return -EINVAL;
	}

	*ret_native = false;
	r = conf_eval_bash_states(scope, files, n, states);
	if (r < 0) {
		say(ctx, flags, "dkms.conf: Error! Could not evaluate %s with bash: %s",
		    files[0], strerror(-r));
		return -EIO;
	}
	return 0;
}

static void apply_directives(const struct dkms_ctx *ctx, unsigned flags, struct dkms_conf *conf)
{
	for (size_t i = 0; i < ctx->directives.n; i++) {
		const char *d = ctx->directives.v[i];
		const char *eq = strchr(d, '=');
		_cleanup_free_ char *name = eq ? xstrndup(d, (size_t)(eq - d)) : xstrdup(d);
		const char *value = eq ? eq + 1 : d;
		bool ident = !strempty(name) && !(name[0] >= '0' && name[0] <= '9') &&
			     name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")] == '\0';

		/* dkms: export "$name"="$value"; echo "DIRECTIVE: $name=\"$value\"" */
		if (ident) {
			if (conf_is_directive(name))
				conf_vars_set(&conf->vars, name, 0, value);
			strv_pushf(&conf->directive_env, "%s=%s", name, value);
		}
		if (!(flags & CONF_REPEAT))
			dkms_info(ctx, "DIRECTIVE: %s=\"%s\"", name, value);
	}
}

/* ---- resolution (read_conf after sourcing) ---- */

static const char *override_location(const struct dkms_ctx *ctx, const char *orig, char **buf)
{
	static const struct {
		const char *prefix, *dest;
	} distros[] = {
		{ "fedora", "/extra" },   { "centos", "/extra" },  { "rhel", "/extra" },
		{ "sles", "/updates" },   { "suse", "/updates" },  { "opensuse", "/updates" },
		{ "debian", "/updates/dkms" }, { "ubuntu", "/updates/dkms" },
		{ "arch", "/updates/dkms" },
	};

	if (!strempty(ctx->addon_modules_dir)) {
		*buf = xasprintf("/%s", ctx->addon_modules_dir);
		return *buf;
	}
	for (size_t i = 0; ctx->distro && i < ARRAY_SIZE(distros); i++)
		if (starts_with(ctx->distro, distros[i].prefix))
			return distros[i].dest;
	return orig;
}

static bool yes_no(const struct dkms_ctx *ctx, unsigned flags, const struct conf_vars *vars,
		   const char *name, bool *ret, bool *ok)
{
	const char *v = val(vars, name, 0);

	*ret = false;
	if (!*v)
		return true;
	if (!strcasecmp(v, "yes")) {
		*ret = true;
		return true;
	}
	if (!strcasecmp(v, "no"))
		return true;
	say(ctx, flags, "dkms.conf: Error! Unsupported %s value '%s'", name, v);
	*ok = false;
	return false;
}

/* case " $names " in *" $m "*): duplicate; names="$names $m" */
static bool seen_before(struct strbuf *names, const char *m)
{
	_cleanup_free_ char *hay = xasprintf(" %s ", names->buf);
	_cleanup_free_ char *needle = xasprintf(" %s ", m);
	bool dup = strstr(hay, needle) != NULL;

	strbuf_addch(names, ' ');
	strbuf_addstr(names, m);
	return dup;
}

static bool strict_checks(const struct dkms_ctx *ctx, unsigned flags, const struct dkms_conf *conf)
{
	_cleanup_strbuf_ struct strbuf built = STRBUF_INIT, dest = STRBUF_INIT;
	bool ok = true;

	if (conf->n_modules == 0)
		say(ctx, flags, "dkms.conf: Warning! Zero modules specified.");
	for (size_t i = 0; i < conf->n_modules; i++) {
		const struct dkms_conf_module *m = &conf->modules[i];
		_cleanup_free_ char *name = xasprintf("%s%s", m->built_location, m->built_name);

		if (seen_before(&built, name)) {
			say(ctx, flags, "dkms.conf: Error! Duplicate module '%s' in 'BUILT_MODULE_NAME[%zu]'.",
			    name, i);
			ok = false;
		}
	}
	for (size_t i = 0; i < conf->n_modules; i++) {
		const char *name = conf->modules[i].dest_name;

		if (seen_before(&dest, name)) {
			say(ctx, flags, "dkms.conf: Error! Duplicate module '%s' in 'DEST_MODULE_NAME[%zu]'.",
			    name, i);
			ok = false;
		}
	}
	return ok;
}

/* --strict-conf: a command must split into words without a shell (words.h). */
static bool strict_words(const struct dkms_ctx *ctx, unsigned flags, const char *directive,
			 const char *cmd)
{
	_cleanup_strv_ struct strv words = STRV_INIT;
	_cleanup_free_ char *bad = NULL, *shown = NULL;

	if (words_split(cmd, &words_no_shell, &words, &bad) == 0)
		return true;
	shown = name_escape(cmd);
	say(ctx, flags, "dkms.conf: Error! %s \"%s\" needs a shell (%s); strict mode runs none.",
	    directive, shown, bad);
	return false;
}

/*
 * A hook names a script of the package (run from its source or build dir):
 * a relative location. In strict mode MODULES_CONF may not carry commands
 * (modprobe runs install/remove lines with a shell, as root, in the initrd).
 */
static bool check_hooks_and_lines(const struct dkms_ctx *ctx, unsigned flags,
				  const struct dkms_conf *conf)
{
	const struct {
		const char *name, *value;
	} hooks[] = {
		{ "PRE_BUILD", conf->pre_build },     { "POST_BUILD", conf->post_build },
		{ "POST_ADD", conf->post_add },       { "PRE_INSTALL", conf->pre_install },
		{ "POST_INSTALL", conf->post_install }, { "POST_REMOVE", conf->post_remove },
	};
	bool ok = true;

	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		_cleanup_free_ char *prog = NULL;

		if (!hooks[i].value)
			continue;
		prog = xstrndup(hooks[i].value, strcspn(hooks[i].value, " "));
		if (!valid_name(ctx, flags, NAME_LOCATION, hooks[i].name, -1, "", prog))
			ok = false;
		else if (ctx->strict_conf && !strict_words(ctx, flags, hooks[i].name, hooks[i].value))
			ok = false;
	}
	/* BUILD_DEPENDS name packages of the tree: <dkms_tree>/<name> */
	for (size_t i = 0; i < conf->build_depends.n; i++)
		if (!valid_name(ctx, flags, NAME_WORD, "BUILD_DEPENDS", (long)i, "", conf->build_depends.v[i]))
			ok = false;
	/* an alias type becomes a word of modprobe.d's "alias <type> <module>" */
	for (size_t i = 0; i < conf->n_modules; i++) {
		const char *type = conf_vars_value(&conf->vars, "MODULES_CONF_ALIAS_TYPE", (unsigned)i);

		if (!strempty(type) &&
		    !valid_name(ctx, flags, NAME_WORD, "MODULES_CONF_ALIAS_TYPE", (long)i, "", type))
			ok = false;
	}
	for (size_t i = 0; ctx->strict_conf && i < conf->modules_conf.n; i++) {
		const char *line = conf->modules_conf.v[i];
		size_t n = strcspn(line, " \t");

		if ((n == 7 && !strncmp(line, "install", 7)) || (n == 6 && !strncmp(line, "remove", 6))) {
			_cleanup_free_ char *shown = name_escape(line);

			say(ctx, flags,
			    "dkms.conf: Error! MODULES_CONF[%zu] \"%s\": strict mode takes no '%.*s' commands.",
			    i, shown, (int)n, line);
			ok = false;
		}
	}
	return ok;
}

static bool resolve_records(const struct dkms_ctx *ctx, unsigned flags, struct dkms_conf *conf)
{
	static const char *const arrays[] = {
		"BUILT_MODULE_NAME", "BUILT_MODULE_LOCATION", "DEST_MODULE_NAME", "DEST_MODULE_LOCATION",
	};
	static const char *const lower[] = {
		"built_module_name", "built_module_location", "dest_module_name", "dest_module_location",
	};
	const struct conf_vars *vars = &conf->vars;
	const char *package_name = val(vars, "PACKAGE_NAME", 0);
	const char *strip0 = NULL; /* ${strip[0]} once record 0 is done */
	size_t n = 0;
	bool ok = true;

	for (size_t i = 0; i < ARRAY_SIZE(arrays); i++) {
		size_t e = var_extent(vars, arrays[i]);

		if (e > n)
			n = e;
	}
	if (n > MAX_MODULES) {
		say(ctx, flags, "dkms.conf: Error! Too many module records (%zu).", n);
		return false;
	}
	conf->n_modules = n;
	conf->modules = n ? xcalloc(n, sizeof(*conf->modules)) : NULL;

	for (size_t i = 0; i < n; i++) {
		struct dkms_conf_module *m = &conf->modules[i];
		const char *built = val(vars, "BUILT_MODULE_NAME", i);
		const char *loc = val(vars, "BUILT_MODULE_LOCATION", i);
		const char *dest = val(vars, "DEST_MODULE_NAME", i);
		const char *raw = val(vars, "DEST_MODULE_LOCATION", i);
		const char *s = val(vars, "STRIP", i);
		const char *strip = conf_vars_value(vars, "strip", (unsigned)i);
		_cleanup_free_ char *override_buf = NULL;
		bool dest_prefix_ok = true;

		/* case ${STRIP[i]}: [nN]*) no; [yY]*) yes; '') ${strip[0]:-yes}; *) unchanged */
		if (*s == 'n' || *s == 'N')
			strip = "no";
		else if (*s == 'y' || *s == 'Y')
			strip = "yes";
		else if (!*s)
			strip = i == 0 ? (strempty(strip) ? "yes" : strip) : (strempty(strip0) ? "yes" : strip0);
		if (i == 0)
			strip0 = strip;
		m->strip = !strip || !streq(strip, "no");

		if (!*built && n == 1)
			built = package_name;
		if (!*dest)
			dest = built;
		m->built_name = xstrdup(built);
		m->dest_name = xstrdup(dest);
		m->built_location = *loc && !ends_with(loc, "/") ? xasprintf("%s/", loc) : xstrdup(loc);
		m->dest_location_raw = xstrdup(raw);
		m->dest_location = xstrdup(override_location(ctx, raw, &override_buf));

		if (!*built) {
			say(ctx, flags, "dkms.conf: Error! No 'BUILT_MODULE_NAME' directive specified for record #%zu.", i);
			ok = false;
		}
		if (ends_with(built, ".o") || ends_with(built, ".ko")) {
			say(ctx, flags, "dkms.conf: Error! 'BUILT_MODULE_NAME' directive ends in '.o' or '.ko' in record #%zu.", i);
			ok = false;
		}
		if (ends_with(dest, ".o") || ends_with(dest, ".ko")) {
			say(ctx, flags, "dkms.conf: Error! 'DEST_MODULE_NAME' directive ends in '.o' or '.ko' in record #%zu.", i);
			ok = false;
		}
		if (!*raw) {
			say(ctx, flags, "dkms.conf: Error! No 'DEST_MODULE_LOCATION' directive specified for record #%zu.", i);
			ok = false;
			dest_prefix_ok = false;
		} else if (!starts_with(raw, "/kernel") && !starts_with(raw, "/updates") &&
			   !starts_with(raw, "/extra")) {
			dest_prefix_ok = false;
			say(ctx, flags, "dkms.conf: Error! Directive 'DEST_MODULE_LOCATION' does not begin with");
			say(ctx, flags, "'/kernel', '/updates', or '/extra' in record #%zu.", i);
			ok = false;
		}

		/* names.h: the names become paths and words; checked once the dkms checks pass */
		/* (a defaulted name is the checked PACKAGE_NAME or BUILT_MODULE_NAME) */
		if (*val(vars, "BUILT_MODULE_NAME", i) &&
		    !valid_name(ctx, flags, NAME_WORD, "BUILT_MODULE_NAME", (long)i, "", built))
			ok = false;
		if (*loc && !valid_name(ctx, flags, NAME_LOCATION, "BUILT_MODULE_LOCATION", (long)i, "", loc))
			ok = false;
		if (*val(vars, "DEST_MODULE_NAME", i) &&
		    !valid_name(ctx, flags, NAME_WORD, "DEST_MODULE_NAME", (long)i, "", dest))
			ok = false;
		if (dest_prefix_ok && !valid_name(ctx, flags, NAME_DEST, "DEST_MODULE_LOCATION", (long)i, "", raw))
			ok = false;
		else if (dest_prefix_ok && !streq(raw, m->dest_location) &&
			 !valid_name(ctx, flags, NAME_DEST, "DEST_MODULE_LOCATION", (long)i,
				     " (after the distribution's override)", m->dest_location))
			ok = false;

		m->excl_kernel = dup_or_null(val(vars, "BUILD_EXCLUSIVE_KERNEL", i));
		m->excl_kernel_min = dup_or_null(val(vars, "BUILD_EXCLUSIVE_KERNEL_MIN", i));
		m->excl_kernel_max = dup_or_null(val(vars, "BUILD_EXCLUSIVE_KERNEL_MAX", i));
		m->excl_arch = dup_or_null(val(vars, "BUILD_EXCLUSIVE_ARCH", i));
		m->excl_config = dup_or_null(val(vars, "BUILD_EXCLUSIVE_CONFIG", i));
	}

	/* ${#built_module_name[@]} etc. also count elements a conf set itself */
	for (size_t a = 0; a < ARRAY_SIZE(lower); a++) {
		const struct conf_var *v = conf_vars_get(vars, lower[a]);
		size_t extra = 0;

		for (size_t j = 0; v && j < v->n; j++)
			if (v->items[j].index >= n)
				extra++;
		if (extra) {
			say(ctx, flags, "dkms.conf: Error! Module name/location array length mismatch.");
			ok = false;
		}
	}
	return ok;
}

char *dkms_conf_default_make(const char *kernel_source_dir, const char *build_dir, bool llvm)
{
	_cleanup_free_ char *qsrc = shell_quote(kernel_source_dir ? kernel_source_dir : "");
	_cleanup_free_ char *qbuild = shell_quote(build_dir);

	return xasprintf("make -C %s M=%s%s", qsrc, qbuild, llvm ? " LLVM=1" : "");
}

static void resolve_make(const struct dkms_ctx *ctx, const char *module, const char *version,
			 const struct dkms_kernel *k, struct dkms_conf *conf)
{
	const struct conf_vars *vars = &conf->vars;
	const char *kver = k->version ? k->version : "";
	const char *make = NULL;
	size_t count = conf_vars_count(vars, "MAKE");

	if (!*val(vars, "MAKE_MATCH", 0))
		make = val(vars, "MAKE", 0);
	/* ${#MAKE[@]} elements, walked by index from 0 */
	for (size_t i = 0; i < count; i++) {
		const char *mk = val(vars, "MAKE", i), *match = val(vars, "MAKE_MATCH", i);

		if (*mk && *match && regex_match(match, kver))
			make = mk;
	}
	if (strempty(make)) {
		_cleanup_free_ char *build = xasprintf("%s/%s/%s/build", ctx->dkms_tree ? ctx->dkms_tree : "",
						       module, version);

		conf->make_command = dkms_conf_default_make(k->source_dir, build, false);
		conf->make_default = true;
	} else
		conf->make_command = xstrdup(make);

	if (k->source_dir)
		conf->llvm = dkms_kernel_llvm(k);
	if (conf->llvm) {
		char *c = xasprintf("%s LLVM=1", conf->make_command);

		free(conf->make_command);
		conf->make_command = c;
	}
}

static void resolve_patches(const struct dkms_kernel *k, struct dkms_conf *conf)
{
	const struct conf_vars *vars = &conf->vars;
	const char *kver = k->version ? k->version : "";
	size_t count = conf_vars_count(vars, "PATCH");
	const struct conf_var *extra = conf_vars_get(vars, "patch_array");

	for (size_t i = 0; i < count; i++) {
		const char *p = val(vars, "PATCH", i), *match = val(vars, "PATCH_MATCH", i);

		if (*p && (!*match || regex_match(match, kver)))
			strv_push(&conf->patches, p);
	}
	/* patch_array set by the conf itself survives beyond the selected ones */
	for (size_t i = 0, n = conf->patches.n; extra && i < extra->n; i++)
		if (extra->items[i].index >= n)
			strv_push(&conf->patches, extra->items[i].value);
}

/* ---- read_conf ---- */

char *conf_main_path(const struct dkms_ctx *ctx, const char *m, const char *v,
			    const char *conf_path)
{
	return conf_path ? xstrdup(conf_path)
			 : xasprintf("%s/%s/%s/source/dkms.conf", ctx->dkms_tree ? ctx->dkms_tree : "", m, v);
}

/* The files read_conf sources: the main one, then the /etc overrides that exist. */
void conf_chain(const struct dkms_ctx *ctx, const char *m, const char *v,
		       const struct dkms_kernel *k, const char *main_path, struct strv *files)
{
	const char *etc = ctx->etc_dir ? ctx->etc_dir : "/etc/dkms";
	_cleanup_strv_ struct strv chain = STRV_INIT;

	strv_push(&chain, main_path);
	strv_pushf(&chain, "%s/%s.conf", etc, m);
	strv_pushf(&chain, "%s/%s-%s.conf", etc, m, v);
	strv_pushf(&chain, "%s/%s-%s-%s.conf", etc, m, v, k->version);
	strv_pushf(&chain, "%s/%s-%s-%s-%s.conf", etc, m, v, k->version, k->arch);
	strv_pushf(&chain, "%s/%s--%s.conf", etc, m, k->version);
	strv_pushf(&chain, "%s/%s--%s-%s.conf", etc, m, k->version, k->arch);
	for (size_t i = 0; i < chain.n; i++)
		if (i == 0 || path_exists(chain.v[i]))
			strv_push(files, chain.v[i]);
}

struct conf_scope conf_scope_of(const struct dkms_ctx *ctx, const char *m, const char *v,
				       const struct dkms_kernel *k)
{
	return (struct conf_scope){
		.module = m,
		.module_version = v,
		.kernelver = k->version,
		.arch = k->arch,
		.kernel_source_dir = k->source_dir,
		.kernel_config = k->config,
		.dkms_tree = ctx->dkms_tree,
		.source_tree = ctx->source_tree,
		.install_tree = ctx->install_tree,
		.parallel_jobs = ctx->parallel_jobs,
	};
}

int conf_read_evaluated(const struct dkms_ctx *ctx, const char *module, const char *module_version,
		     const struct dkms_kernel *k, const char *conf_path, unsigned flags,
		     struct conf_batch_entry *pre, struct dkms_conf *out)
{
	const char *m = module ? module : "", *v = module_version ? module_version : "";
	struct dkms_kernel nokernel = { 0 };
	struct conf_batch_entry eval = { 0 };
	bool ok = true;
	const struct conf_vars *vars;
	int r;

	memset(out, 0, sizeof(*out));
	if (!k) {
		dkms_kernel_init(&nokernel, ctx, "", "");
		k = &nokernel;
	}
	out->path = conf_main_path(ctx, m, v, conf_path);
	out->package_name = xstrdup("");
	out->package_version = xstrdup("");
	if (access(out->path, R_OK) != 0) {
		r = -ENOENT;
		goto finish;
	}

	if (pre && pre->states) {
		eval = *pre;
		memset(pre, 0, sizeof(*pre));
	} else {
		struct conf_scope scope = conf_scope_of(ctx, m, v, k);

		conf_chain(ctx, m, v, k, out->path, &eval.files);
		eval.states = xcalloc(eval.files.n, sizeof(*eval.states));
		r = evaluate(ctx, &scope, (const char *const *)eval.files.v, eval.files.n, flags,
			     eval.states, &eval.native);
		if (r < 0)
			goto finish;
	}
	out->native = eval.native;
	if ((flags & CONF_STRICT) && !(flags & CONF_REPEAT))
		for (size_t i = 0; i < eval.files.n; i++)
			warn_deprecated(ctx, flags, &eval.states[i], eval.files.v[i]);
	out->vars = eval.states[eval.files.n - 1];
	eval.states[eval.files.n - 1] = (struct conf_vars){ 0 };

	apply_directives(ctx, flags, out);
	vars = &out->vars;

	free(out->package_name);
	free(out->package_version);
	out->package_name = xstrdup(val(vars, "PACKAGE_NAME", 0));
	out->package_version = xstrdup(val(vars, "PACKAGE_VERSION", 0));
	out->post_add = dup_or_null(val(vars, "POST_ADD", 0));
	out->post_build = dup_or_null(val(vars, "POST_BUILD", 0));
	out->post_install = dup_or_null(val(vars, "POST_INSTALL", 0));
	out->post_remove = dup_or_null(val(vars, "POST_REMOVE", 0));
	out->pre_build = dup_or_null(val(vars, "PRE_BUILD", 0));
	out->pre_install = dup_or_null(val(vars, "PRE_INSTALL", 0));
	out->obsolete_by = dup_or_null(val(vars, "OBSOLETE_BY", 0));
	out->remake_initrd = dup_or_null(val(vars, "REMAKE_INITRD", 0));
	out->clean = dup_or_null(val(vars, "CLEAN", 0));
	out->cross_compile = dup_or_null(val(vars, "CROSS_COMPILE", 0));
	/* make runs "$(CROSS_COMPILE)gcc" through a shell: a prefix, no shell word */
	if (out->cross_compile &&
	    out->cross_compile[strspn(out->cross_compile, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-/")]) {
		_cleanup_free_ char *shown = name_escape(out->cross_compile);

		say(ctx, flags, "dkms.conf: Error! CROSS_COMPILE \"%s\" is not a compiler prefix.", shown);
		ok = false;
	}
	push_all(&out->build_depends, vars, "BUILD_DEPENDS");
	push_all(&out->modules_conf, vars, "MODULES_CONF");
	push_all(&out->modules_conf_alias_type, vars, "MODULES_CONF_ALIAS_TYPE");
	push_all(&out->modules_conf_obsoletes, vars, "MODULES_CONF_OBSOLETES");
	push_all(&out->modules_conf_obsolete_only, vars, "MODULES_CONF_OBSOLETE_ONLY");

	if (!*out->package_name) {
		say(ctx, flags, "dkms.conf: Error! No 'PACKAGE_NAME' directive specified.");
		ok = false;
	}
	if (!*out->package_version) {
		say(ctx, flags, "dkms.conf: Error! No 'PACKAGE_VERSION' directive specified.");
		ok = false;
	}
	if (*out->package_name &&
	    !valid_name(ctx, flags, NAME_WORD, "PACKAGE_NAME", -1, "", out->package_name))
		ok = false;
	if (*out->package_version &&
	    !valid_name(ctx, flags, NAME_WORD, "PACKAGE_VERSION", -1, "", out->package_version))
		ok = false;
	if (!resolve_records(ctx, flags, out))
		ok = false;
	if (!check_hooks_and_lines(ctx, flags, out))
		ok = false;
	resolve_make(ctx, m, v, k, out);
	if (ctx->strict_conf && !strict_words(ctx, flags, "MAKE", out->make_command))
		ok = false;
	resolve_patches(k, out);
	conf_resolve_exclusive(k, out);
	yes_no(ctx, flags, vars, "AUTOINSTALL", &out->autoinstall, &ok);
	yes_no(ctx, flags, vars, "BUILD_DEPENDS_REBUILD", &out->build_depends_rebuild, &ok);
	yes_no(ctx, flags, vars, "NO_WEAK_MODULES", &out->no_weak_modules, &ok);

	if (ok && (flags & CONF_STRICT))
		ok = strict_checks(ctx, flags, out);
	r = ok ? 0 : -EINVAL;

finish:
	conf_batch_entry_release(&eval);
	dkms_kernel_release(&nokernel);
	return r;
}

int dkms_conf_read(const struct dkms_ctx *ctx, const char *module, const char *module_version,
		   const struct dkms_kernel *k, const char *conf_path, unsigned flags,
		   struct dkms_conf *out)
{
	return conf_read_evaluated(ctx, module, module_version, k, conf_path, flags, NULL, out);
}

void dkms_conf_release(struct dkms_conf *conf)
{
	char **strings[] = {
		&conf->path, &conf->package_name, &conf->package_version, &conf->pre_build,
		&conf->post_build, &conf->post_add, &conf->pre_install, &conf->post_install,
		&conf->post_remove, &conf->make_command, &conf->excl_kernel, &conf->excl_kernel_min,
		&conf->excl_kernel_max, &conf->excl_arch, &conf->excl_config, &conf->obsolete_by,
		&conf->remake_initrd, &conf->clean, &conf->cross_compile,
	};

	for (size_t i = 0; i < ARRAY_SIZE(strings); i++)
		free(*strings[i]);
	for (size_t i = 0; i < conf->n_modules; i++) {
		struct dkms_conf_module *m = &conf->modules[i];

		free(m->built_name);
		free(m->built_location);
		free(m->dest_name);
		free(m->dest_location);
		free(m->dest_location_raw);
		free(m->excl_kernel);
		free(m->excl_kernel_min);
		free(m->excl_kernel_max);
		free(m->excl_arch);
		free(m->excl_config);
	}
	free(conf->modules);
	strv_release(&conf->patches);
	strv_release(&conf->build_depends);
	strv_release(&conf->modules_conf);
	strv_release(&conf->modules_conf_alias_type);
	strv_release(&conf->modules_conf_obsoletes);
	strv_release(&conf->modules_conf_obsolete_only);
	strv_release(&conf->directive_env);
	conf_vars_release(&conf->vars);
	memset(conf, 0, sizeof(*conf));
}
