// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "framework.h"
#include "kernel.h"
#include "sysconfig.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

static void set_str(char **field, const char *value)
{
	free(*field);
	*field = value ? xstrdup(value) : NULL;
}

/* Shell words in os-release and framework.conf: strip one level of quotes. */
static char *unquote(const char *v)
{
	size_t len = strlen(v);

	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
		return xstrndup(v + 1, len - 2);
	return xstrdup(v);
}

char *dkms_os_release_distro(const char *path)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *id = NULL, *id_like = NULL;
	char *line, *save = NULL;

	if (read_file(path, &sb) < 0)
		return NULL;
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "ID=", 3)) {
			free(id);
			id = unquote(line + 3);
		} else if (!strncmp(line, "ID_LIKE=", 8)) {
			free(id_like);
			id_like = unquote(line + 8);
		}
	}
	/* Ubuntu says ID_LIKE=debian but keeps its own destination rules */
	if (id && streq(id, "ubuntu"))
		return TAKE_PTR(id);
	if (id_like)
		return TAKE_PTR(id_like);
	return id ? TAKE_PTR(id) : xstrdup("");
}

struct setting {
	const char *name;
	size_t offset;
	bool is_bool;
};

#define S(n) { #n, offsetof(struct dkms_ctx, n), false }
#define B(n) { #n, offsetof(struct dkms_ctx, n), true }
static const struct setting settings[] = {
	S(source_tree), S(dkms_tree), S(install_tree), S(tmp_location),
	B(verbose), B(symlink_modules), B(autoinstall_all_kernels),
	B(modprobe_on_install), S(parallel_jobs), S(compress_gzip_opts),
	S(compress_xz_opts), S(compress_zstd_opts), S(build_environment),
	S(post_transaction), S(sign_file), S(mok_signing_key),
	S(mok_certificate), S(try_sign_modules),
	/* the compiler prefix for `-k kernel/arch` of a foreign arch ($CROSS_COMPILE wins) */
	S(cross_compile),
	/* initrd handling (REMAKE_INITRD); --initrd-mode and --bootdir override the first two */
	S(initrd_mode), S(bootdir), S(initrd_generator), S(initrd_sysconfdir),
};
#undef S
#undef B

/*
 * Settings for layers that take no context, handed over through the
 * environment: the file's value unless the variable is already set, so the
 * environment overrides the file for one run.
 */
static const struct {
	const char *name, *env;
} env_backed[] = {
	/* total decoded size of an initrd held whole (initrd/segments.h) */
	{ "initrd_max_decoded", "DKMS_INITRD_MAX_DECODED" },
	{ "weak_modules", "DKMS_WEAK_MODULES" }, /* weak-modules.h */
};

static void apply_setting(struct dkms_ctx *ctx, const char *name, const char *value)
{
	for (size_t i = 0; i < ARRAY_SIZE(env_backed); i++)
		if (streq(env_backed[i].name, name)) {
			if (!strempty(value))
				setenv(env_backed[i].env, value, 0);
			return;
		}
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
		if (!streq(settings[i].name, name))
			continue;
		if (settings[i].is_bool)
			*(bool *)((char *)ctx + settings[i].offset) = !strempty(value);
		else
			set_str((char **)((char *)ctx + settings[i].offset), value);
		return;
	}
}

/*
 * framework.conf is sourced by dkms, so it may hold any shell. Let bash
 * evaluate it and print only the settings we take, NUL-separated.
 */
static int load_framework_file(struct dkms_ctx *ctx, const char *path)
{
	struct child c = CHILD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	struct strbuf script = STRBUF_INIT;
	int r;

	/*
	 * dkms reads these lazily, once $kernelver is known. Leave a marker
	 * where the file expands it; dkms_expand_kernelver fills it in later.
	 */
	strbuf_addstr(&script, "kernelver=$'" DKMS_KERNELVER_MARK_SH "'; . \"$1\" >/dev/null 2>&1; for _v in");
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		strbuf_addf(&script, " %s", settings[i].name);
	for (size_t i = 0; i < ARRAY_SIZE(env_backed); i++)
		strbuf_addf(&script, " %s", env_backed[i].name);
	strbuf_addstr(&script, "; do [[ -v $_v ]] && printf '%s\\0%s\\0' \"$_v\" \"${!_v}\"; done; exit 0");

	strv_push(&c.args, "bash");
	strv_push(&c.args, "-c");
	strv_push_take(&c.args, strbuf_detach(&script));
	strv_push(&c.args, "framework.conf");
	strv_push(&c.args, path);
	/* report what this file sets, not what the environment already holds */
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		strv_push(&c.env_unset, settings[i].name);
	for (size_t i = 0; i < ARRAY_SIZE(env_backed); i++)
		strv_push(&c.env_unset, env_backed[i].name);
	c.capture = &out;
	c.err_fd = -1;
	r = child_run(&c);
	child_release(&c);
	if (r < 0)
		return r;
	for (size_t pos = 0; pos < out.len;) {
		const char *name = out.buf + pos;
		size_t nlen = strlen(name);
		const char *value;

		if (pos + nlen + 1 >= out.len)
			break;
		value = name + nlen + 1;
		apply_setting(ctx, name, value);
		pos += nlen + 1 + strlen(value) + 1;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcoll(*(char *const *)a, *(char *const *)b);
}

static void load_framework(struct dkms_ctx *ctx)
{
	_cleanup_free_ char *main_conf = xasprintf("%s/framework.conf", ctx->etc_dir);
	_cleanup_free_ char *dropins = xasprintf("%s/framework.conf.d", ctx->etc_dir);
	_cleanup_strv_ struct strv files = STRV_INIT;
	DIR *d;
	struct dirent *de;

	if (path_exists(main_conf))
		strv_push(&files, main_conf);
	d = opendir(dropins);
	if (d) {
		struct strv names = STRV_INIT;

		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);

			if (len > 5 && streq(de->d_name + len - 5, ".conf"))
				strv_push(&names, de->d_name);
		}
		closedir(d);
		if (names.n > 1)
			qsort(names.v, names.n, sizeof(*names.v), cmp_names);
		for (size_t i = 0; i < names.n; i++)
			strv_pushf(&files, "%s/%s", dropins, names.v[i]);
		strv_release(&names);
	}
	for (size_t i = 0; i < files.n; i++)
		load_framework_file(ctx, files.v[i]);
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v ? v : fallback;
}

int dkms_framework_load(struct dkms_ctx *ctx)
{
	static const char *const env_settings[] = {
		"parallel_jobs", "mok_signing_key", "mok_certificate", "sign_file",
		"post_transaction", "try_sign_modules",
	};
	const char *osr;

	set_str(&ctx->etc_dir, env_or("DKMS_ETC_DIR", "/etc/dkms"));
	set_str(&ctx->dkms_tree, "/var/lib/dkms");
	set_str(&ctx->source_tree, "/usr/src");
	set_str(&ctx->install_tree, "/lib/modules");
	set_str(&ctx->tmp_location, env_or("TMPDIR", "/tmp"));
	set_str(&ctx->compress_gzip_opts, "");
	set_str(&ctx->compress_xz_opts, "--check=crc32 --lzma2=dict=1MiB");
	set_str(&ctx->compress_zstd_opts, "-q --rm -T0");
	set_str(&ctx->addon_modules_dir, getenv("ADDON_MODULES_DIR"));
	if (strempty(ctx->addon_modules_dir)) {
		free(ctx->addon_modules_dir);
		ctx->addon_modules_dir = sysconfig_addon_modules_dir(ctx,
			env_or("DKMS_MODULE_INIT_TOOLS", "/etc/sysconfig/module-init-tools"));
	}

	/* these are not reset at startup, so the environment may set them */
	for (size_t i = 0; i < ARRAY_SIZE(env_settings); i++) {
		const char *v = getenv(env_settings[i]);

		if (v)
			apply_setting(ctx, env_settings[i], v);
	}

	osr = getenv("DKMS_OS_RELEASE");
	if (osr) {
		if (path_exists(osr))
			set_str(&ctx->os_release, osr);
	} else if (path_exists("/etc/os-release")) {
		set_str(&ctx->os_release, "/etc/os-release");
	} else if (path_exists("/usr/lib/os-release")) {
		set_str(&ctx->os_release, "/usr/lib/os-release");
	}
	if (!ctx->os_release) {
		dkms_error(ctx, "System is missing os-release file.");
		return DKMS_EXIT_CONF_MISSING;
	}
	ctx->distro = dkms_os_release_distro(ctx->os_release);

	load_framework(ctx);
	return 0;
}
