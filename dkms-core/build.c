// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "conf.h"
#include "hooks.h"
#include "invoke.h"
#include "lifecycle.h"
#include "modcheck.h"
#include "sign.h"
#include "names.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "util/words.h"

/* Everything one build needs, released in one place. */
struct build_job {
	const struct dkms_ctx *ctx;
	const char *m, *v;
	const struct dkms_kernel *k;
	struct dkms_conf conf;
	char *source_dir, *build_dir, *kernel_dir, *base_dir, *log;
	char *link_dir; /* spaceless_link's dir, removed with the job */
	const char *suffix;
	/* what make and the build's hooks get: kernelver, arch, the kernel's toolchain */
	struct strv env;
	const struct kernel_toolchain *toolchain;
	bool replace;    /* --force: a previous build is swapped out at the end */
};

static void build_job_release(struct build_job *j)
{
	dkms_conf_release(&j->conf);
	free(j->source_dir);
	free(j->build_dir);
	free(j->kernel_dir);
	free(j->base_dir);
	free(j->log);
	if (j->link_dir) {
		_cleanup_free_ char *link = xasprintf("%s/build", j->link_dir);

		unlink(link);
		rmdir(j->link_dir);
		free(j->link_dir);
	}
	strv_release(&j->env);
}

/* report_build_problem: print, keep build/ (it holds make.log), give the status. */
static int build_problem(struct build_job *j, int status, const char *msg)
{
	dkms_error(j->ctx, "%s", msg);
	return status;
}

/* A version of m installed for k/arch, as module_status would report it. */
static bool dependency_installed(const struct dkms_ctx *ctx, const char *dep,
				 const struct dkms_kernel *k, char **ret_version)
{
	_cleanup_strv_ struct strv mvs = STRV_INIT;
	_cleanup_free_ char *best = NULL;

	tree_list_module_versions(ctx, dep, NULL, &mvs);
	for (size_t i = 0; i < mvs.n; i++) {
		const char *v = strchr(mvs.v[i], '/') + 1;

		if (!tree_is_added(ctx, dep, v) || !tree_is_installed(ctx, dep, v, k->version, k->arch))
			continue;
		/* sort -V | tail -n1 */
		if (!best || strverscmp(v, best) > 0) {
			free(best);
			best = xstrdup(v);
		}
	}
	if (!best)
		return false;
	if (ret_version)
		*ret_version = TAKE_PTR(best);
	return true;
}

/*
 * The environment of make and the build's hooks: the target kernel (hooks
 * of a build see it, as under dkms) and the compiler dkms would export for
 * it. Each job has its own; this process's environment never changes, so a
 * run over several kernels gives each build its own toolchain.
 */
static int job_environment(struct build_job *j)
{
	const struct kernel_toolchain *tc = dkms_kernel_toolchain(j->ctx, j->k);
	bool conf_cross = tc->cross && !tc->cross_explicit && !strempty(j->conf.cross_compile);

	j->toolchain = tc;
	if (tc->missing && !conf_cross) {
		dkms_error(j->ctx, "Building for %s (kernel %s) needs a cross compiler: no %s-gcc on PATH. Install %s, or set CROSS_COMPILE.",
			   j->k->arch, j->k->version, tc->machine->triplet, tc->missing);
		return DKMS_EXIT_ARCH;
	}
	strv_pushf(&j->env, "kernelver=%s", j->k->version);
	strv_pushf(&j->env, "arch=%s", j->k->arch);
	for (size_t i = 0; i < tc->env.n; i++)
		strv_push(&j->env, tc->env.v[i]);
	if (conf_cross) {
		/* the package's own prefix; kbuild makes CC from it */
		strv_pushf(&j->env, "CROSS_COMPILE=%s", j->conf.cross_compile);
		strv_push(&j->env, "CC");
		strv_push(&j->env, "KERNEL_CC");
	}
	return 0;
}

/* Prefix a shell command with the admin's build_environment, sourced and exported. */
static char *with_build_environment(const struct build_job *j, const char *cmd)
{
	struct strbuf sb = STRBUF_INIT;

	if (!strempty(j->ctx->build_environment) && is_file(j->ctx->build_environment))
		strbuf_addf(&sb, "set -a; . '%s' >/dev/null 2>&1; set +a; ", j->ctx->build_environment);
	strbuf_addstr(&sb, cmd);
	return strbuf_detach(&sb);
}

/*
 * --strict-conf: the command split into words here and run directly, no
 * shell reading it (dkms_conf_read has refused what would need one). Leading
 * NAME=value words go to the environment, as a shell would put them. The
 * admin's build_environment file is still sourced, by a shell that only
 * reads that file and then execs the words as they are.
 */
static int run_strict(const struct build_job *j, const char *cmd, const char *desc,
		      const char *subject)
{
	_cleanup_strv_ struct strv words = STRV_INIT, argv = STRV_INIT, env = STRV_INIT;
	_cleanup_free_ char *bad = NULL;
	size_t i = 0;

	/* the job's environment first: the command's own NAME=value words win */
	for (size_t e = 0; e < j->env.n; e++)
		strv_push(&env, j->env.v[e]);
	if (words_split(cmd, &words_no_shell, &words, &bad) < 0) {
		dkms_error(j->ctx, "\"%s\" needs a shell (%s); strict mode runs none.", cmd, bad);
		return DKMS_EXIT_BAD_CONF;
	}
	for (; i < words.n; i++) {
		const char *w = words.v[i], *eq = strchr(w, '=');

		if (!eq || eq == w || w[strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")] != '=' ||
		    (w[0] >= '0' && w[0] <= '9'))
			break;
		strv_push(&env, w);
	}
	if (i == words.n) {
		dkms_error(j->ctx, "\"%s\" names no program; strict mode runs none.", cmd);
		return DKMS_EXIT_BAD_CONF;
	}
	if (!strempty(j->ctx->build_environment) && is_file(j->ctx->build_environment)) {
		strv_push(&argv, "bash");
		strv_push(&argv, "-c");
		strv_push(&argv, "set -a; . \"$0\" >/dev/null 2>&1; set +a; exec \"$@\"");
		strv_push(&argv, j->ctx->build_environment);
	}
	for (; i < words.n; i++)
		strv_push(&argv, words.v[i]);
	return invoke_argv_watched(j->ctx, &argv, &env, cmd, desc, j->build_dir, j->log, subject);
}

/* A root-only dir in TMPDIR holding "build" -> the build dir; the default MAKE's M= is that link. */
static int spaceless_link(struct build_job *j)
{
	_cleanup_free_ char *dir = xasprintf("%s/dkms-build.XXXXXX", j->ctx->tmp_location);
	_cleanup_free_ char *link = NULL;

	if (!mkdtemp(dir)) {
		dkms_error(j->ctx, "Unable to make temporary directory.");
		return DKMS_EXIT_USAGE;
	}
	link = xasprintf("%s/build", dir);
	if (symlink(j->build_dir, link) < 0) {
		dkms_error(j->ctx, "Could not create %s: %s", link, strerror(errno));
		rmdir(dir);
		return DKMS_EXIT_USAGE;
	}
	free(j->conf.make_command);
	j->conf.make_command = dkms_conf_default_make(j->k->source_dir, link, j->conf.llvm);
	j->link_dir = TAKE_PTR(dir);
	return 0;
}

/* the_make_command: a leading "make" gains -j and KERNELRELEASE. */
static char *make_command(const struct build_job *j)
{
	const char *mc = j->conf.make_command;

	if (!strncmp(mc, "make", 4))
		return xasprintf("make -j%s KERNELRELEASE=%s%s", j->ctx->parallel_jobs ? j->ctx->parallel_jobs : "",
				 j->k->version, mc + 4);
	return xstrdup(mc);
}

static int compress_module(const struct build_job *j, const char *path)
{
	const char *tool = NULL, *opts = NULL;
	_cleanup_free_ char *cmd = NULL;

	if (streq(j->suffix, ".gz")) {
		tool = "gzip";
		opts = j->ctx->compress_gzip_opts;
	} else if (streq(j->suffix, ".xz")) {
		tool = "xz";
		opts = j->ctx->compress_xz_opts;
	} else if (streq(j->suffix, ".zst")) {
		tool = "zstd";
		opts = j->ctx->compress_zstd_opts;
	}
	if (!tool)
		return 0;
	/* options are a word list in framework.conf, split as dkms does */
	cmd = xasprintf("%s %s -f '%s'", tool, opts ? opts : "", path);
	return run_shell(cmd, NULL, -1) == 0 ? 0 : -EIO;
}

/*
 * A forced rebuild swaps the new build in with two renames, the previous one
 * going to <k>/.old_<arch> on the way: a failed or killed rebuild of an
 * installed module must not orphan what is installed (dkms deletes it first).
 */
static char *previous_build_dir(const struct dkms_ctx *ctx, const char *m, const char *v,
				const struct dkms_kernel *k)
{
	return xasprintf("%s/%s/%s/%s/.old_%s", ctx->dkms_tree, m, v, k->version, k->arch);
}

/* A rebuild killed half-way left the previous build aside: put it back. */
void dkms_recover_previous_build(const struct dkms_ctx *ctx, const char *m, const char *v,
				   const struct dkms_kernel *k)
{
	_cleanup_free_ char *old = previous_build_dir(ctx, m, v, k);
	_cleanup_free_ char *dir = NULL;

	if (!is_dir(old))
		return;
	dir = tree_build_dir(ctx, m, v, k->version, k->arch);
	if (is_dir(dir))
		rm_rf(old);
	else
		rename(old, dir);
}

/* strip → sign → compress each record into tmp/module/, then rename into place. */
static int stage_modules(struct build_job *j)
{
	const struct dkms_ctx *ctx = j->ctx;
	_cleanup_free_ char *tmpl = xasprintf("%s/.tmp_%s_XXXXXX", j->kernel_dir, j->k->arch);
	_cleanup_free_ char *stale = xasprintf(".tmp_%s_", j->k->arch);
	_cleanup_free_ char *symvers = NULL, *moddir = NULL, *logdir = NULL;
	int r;

	r = beneath_mkdir_p(ctx->dkms_tree, j->kernel_dir, 0755);
	/* a build killed while staging left its temp dir; we hold the lock */
	remove_stale_temps(j->kernel_dir, stale);
	if (r < 0 || !mkdtemp(tmpl)) {
		dkms_error(ctx, "Unable to make temporary directory.");
		return DKMS_EXIT_USAGE;
	}
	moddir = xasprintf("%s/module", tmpl);
	logdir = xasprintf("%s/log", tmpl);
	mkdir_p(logdir, 0755);
	mkdir_p(moddir, 0755);
	symvers = xasprintf("%s/Module.symvers", j->build_dir);
	if (is_file(symvers)) {
		_cleanup_free_ char *to = xasprintf("%s/Module.symvers", moddir);
		copy_file_perm(symvers, to, 0644);
	}

	for (size_t i = 0; i < j->conf.n_modules; i++) {
		const struct dkms_conf_module *rec = &j->conf.modules[i];
		_cleanup_free_ char *built = NULL, *compressed = NULL, *dest = NULL;
		bool use_compressed;

		if (rec->excluded)
			continue;
		built = xasprintf("%s/%s%s.ko", j->build_dir, rec->built_location, rec->built_name);
		if (!is_file(built)) {
			dkms_warn(ctx, "%s has disappeared", built);
			continue;
		}
		if (rec->strip) {
			const char *argv[] = { j->toolchain->strip, "-g", built, NULL };
			run_argv(argv);
		}
		if (dkms_kernel_sign_plan(j->k)->enabled)
			sign_module(ctx, dkms_kernel_sign_plan(j->k), built);
		use_compressed = !strempty(j->suffix) && compress_module(j, built) == 0;
		if (use_compressed) {
			compressed = xasprintf("%s%s", built, j->suffix);
			dest = xasprintf("%s/%s.ko%s", moddir, rec->dest_name, j->suffix);
			r = copy_file_perm(compressed, dest, 0644);
		} else {
			dest = xasprintf("%s/%s.ko", moddir, rec->dest_name);
			r = copy_file_perm(built, dest, 0644);
		}
		if (r < 0) {
			rm_rf(tmpl);
			dkms_error(ctx, "Could not copy %s: %s", built, strerror(-r));
			return DKMS_EXIT_KO_MISSING;
		}
	}

	for (size_t i = 0; i < j->conf.n_modules; i++) {
		_cleanup_free_ char *f = NULL;

		if (j->conf.modules[i].excluded)
			continue;
		f = tree_find_module_file(moddir, j->conf.modules[i].dest_name, j->suffix);
		if (!f || !is_file(f)) {
			dkms_error(ctx, "Missing module '%s' in %s", j->conf.modules[i].dest_name, moddir);
			rm_rf(tmpl);
			return DKMS_EXIT_KO_MISSING;
		}
	}

	chmod(tmpl, sane_mode(S_IFDIR));
	if (j->replace && is_dir(j->base_dir)) {
		/* two renames: the previous build stays whole until the new one is in */
		_cleanup_free_ char *old = previous_build_dir(ctx, j->m, j->v, j->k);

		beneath_rm_rf(ctx->dkms_tree, old);
		if (rename(j->base_dir, old) < 0) {
			r = errno;
			rm_rf(tmpl);
			dkms_error(ctx, "do_build: final mv failed (%d)", r);
			return DKMS_EXIT_KO_MISSING;
		}
	}
	if (rename(tmpl, j->base_dir) < 0) {
		r = errno;
		rm_rf(tmpl);
		dkms_error(ctx, "do_build: final mv failed (%d)", r);
		return DKMS_EXIT_KO_MISSING;
	}
	return 0;
}

static void save_dependency_versions(struct build_job *j)
{
	for (size_t i = 0; i < j->conf.build_depends.n; i++) {
		const char *dep = j->conf.build_depends.v[i];
		_cleanup_free_ char *ver = NULL, *file = NULL, *text = NULL;

		if (!dependency_installed(j->ctx, dep, j->k, &ver))
			continue;
		file = xasprintf("%s/.dep_%s", j->base_dir, dep);
		text = xasprintf("%s\n", ver);
		write_file_str(file, text);
	}
}

static int source_has_files(const char *dir)
{
	return dir_count_entries(dir) >= 2;
}

int dkms_prepare_kernel(const struct dkms_ctx *ctx, const struct dkms_kernel *k)
{
	if (!dkms_kernel_has_headers(k)) {
		dkms_error(ctx, "Your kernel headers for kernel %s cannot be found at %s/%s/build or %s/%s/source.\n"
			   "Please install your distribution's kernel headers package matching %s, or use the --kernelsourcedir option to tell DKMS where it's located.",
			   k->version, ctx->install_tree, k->version, ctx->install_tree, k->version, k->version);
		return DKMS_EXIT_NO_HEADERS;
	}
	if (dkms_kernel_sign_plan(k)->prepared)
		return 0;
	sign_prepare(ctx, k, dkms_kernel_sign_plan(k));
	dkms_info(ctx, "%s", "");
	return 0;
}

/* The checks before anything is copied: state, dkms.conf, BUILD_EXCLUSIVE, source, headers. */
static int check_buildable(struct build_job *j)
{
	const struct dkms_ctx *ctx = j->ctx;
	int r;

	if (is_dir(j->base_dir) && !j->replace) {
		dkms_error(ctx, "This module/version has already been built on: %s\n"
			   "Directory %s already exists. Use the dkms remove function before trying to build again.",
			   j->k->version, j->base_dir);
		return DKMS_EXIT_STATE;
	}

	j->suffix = dkms_kernel_suffix(ctx, j->k);
	r = dkms_read_conf_or_die(ctx, j->m, j->v, j->k, NULL, true, &j->conf);
	if (r)
		return r;

	if (j->conf.build_exclude) {
		dkms_warn(ctx, "The %s/dkms.conf\nfor module %s/%s includes BUILD_EXCLUSIVE directives\n"
			  "which do not match this kernel/arch/config for any modules.\n"
			  "This indicates that it should not be built.", j->base_dir, j->m, j->v);
		return DKMS_EXIT_EXCLUDED;
	}

	if (!source_has_files(j->source_dir)) {
		dkms_error(ctx, "The directory %s does not appear to have module source located within it.\n"
			   "Build halted.", j->source_dir);
		return DKMS_EXIT_BAD_CONF;
	}
	return dkms_prepare_kernel(ctx, j->k);
}

/* BUILD_DEPENDS installed for this kernel, or --force to go on without. */
static int check_dependencies(struct build_job *j)
{
	const struct dkms_ctx *ctx = j->ctx;
	const struct dkms_kernel *k = j->k;
	_cleanup_strbuf_ struct strbuf missing = STRBUF_INIT;

	for (size_t i = 0; i < j->conf.build_depends.n; i++)
		if (!dependency_installed(ctx, j->conf.build_depends.v[i], k, NULL))
			strbuf_addf(&missing, " %s", j->conf.build_depends.v[i]);
	if (!missing.len)
		return 0;
	if (ctx->force) {
		dkms_warn(ctx, "Trying to build module %s/%s for kernel %s (%s) despite of missing BUILD_DEPENDS:%s.",
			  j->m, j->v, k->version, k->arch, missing.buf);
		return 0;
	}
	dkms_error(ctx, "Aborting build of module %s/%s for kernel %s (%s) due to missing BUILD_DEPENDS:%s.\n"
		   "You may override by specifying --force.", j->m, j->v, k->version, k->arch, missing.buf);
	return DKMS_EXIT_BUILD_DEPENDS;
}

/* A fresh copy of the source (and /etc/dkms/<m>/patches) in build/, and make.log begun. */
static int prepare_build_dir(struct build_job *j)
{
	const struct dkms_ctx *ctx = j->ctx;
	_cleanup_free_ char *etc_patches = xasprintf("%s/%s/patches", ctx->etc_dir, j->m);
	int r;

	/* beneath the DKMS tree: a link planted there leads nowhere else */
	r = beneath_rm_rf(ctx->dkms_tree, j->build_dir);
	if (!r)
		r = beneath_mkdir_p(ctx->dkms_tree, j->build_dir, 0755);
	if (!r)
		r = copy_tree(j->source_dir, j->build_dir);
	if (!r && is_dir(etc_patches)) {
		_cleanup_free_ char *to = xasprintf("%s/patches", j->build_dir);
		r = copy_tree(etc_patches, to);
	}
	if (r < 0) {
		dkms_error(ctx, "Could not copy %s to %s: %s", j->source_dir, j->build_dir, strerror(-r));
		return DKMS_EXIT_BUILD;
	}
	makelog_start(j->log, j->m, j->v, j->k->version, j->k->arch);
	return 0;
}

/* PATCH[] in order, each checked to stay in build/patches/. */
static int apply_patches(struct build_job *j)
{
	const struct dkms_ctx *ctx = j->ctx;

	for (size_t i = 0; i < j->conf.patches.n; i++) {
		const char *p = j->conf.patches.v[i];
		_cleanup_free_ char *rel = xasprintf("patches/%s", p);
		_cleanup_free_ char *abs = xasprintf("%s/patches/%s", j->build_dir, p);
		_cleanup_free_ char *pcmd = NULL, *desc = NULL, *msg = NULL;
		char reason[NAME_REASON_MAX];
		const char *bad = name_check(NAME_LOCATION, p, reason);
		int r;

		if (strstr(rel, "/../") || (bad && strstr(bad, "'..'"))) {
			msg = xasprintf("Patch %s as specified in dkms.conf contains '..' path component.", p);
			return build_problem(j, DKMS_EXIT_PATCH_PATH, msg);
		}
		if (bad) {
			_cleanup_free_ char *shown = name_escape(p);

			msg = xasprintf("PATCH \"%s\" as specified in dkms.conf is not a valid location: %s.",
					shown, bad);
			return build_problem(j, DKMS_EXIT_PATCH_PATH, msg);
		}
		if (!path_exists(abs)) {
			msg = xasprintf("Patch %s as specified in dkms.conf cannot be\nfound in %s/patches/.",
					p, j->build_dir);
			return build_problem(j, DKMS_EXIT_PATCH_PATH, msg);
		}
		pcmd = xasprintf("patch -p1 < ./patches/%s", p);
		desc = xasprintf("Applying patch %s", p);
		if (ctx->strict_conf) {
			/* the same patch run, without a shell to read the redirection */
			_cleanup_strv_ struct strv argv = STRV_INIT;

			strv_push(&argv, "patch");
			strv_push(&argv, "-p1");
			strv_pushf(&argv, "--input=./patches/%s", p);
			r = invoke_argv_watched(ctx, &argv, NULL, pcmd, desc, j->build_dir, j->log, NULL);
		} else {
			r = invoke_command(ctx, pcmd, desc, j->build_dir, j->log);
		}
		if (r != 0) {
			msg = xasprintf("Application of patch %s failed.\nConsult %s for more information.",
					p, j->log);
			return build_problem(j, DKMS_EXIT_INSTALL, msg);
		}
	}
	return 0;
}

/* MAKE (through a blank-free link when needed), in the job's environment. */
static int run_make(struct build_job *j)
{
	const struct dkms_ctx *ctx = j->ctx;
	_cleanup_free_ char *make = NULL, *cmd = NULL, *subject = NULL, *msg = NULL;
	int r;

	if (j->conf.make_default && j->build_dir[strcspn(j->build_dir, " \t\n")]) {
		/* kbuild takes no blank in M= (6.1: "building multiple external
		 * modules"): make builds through a link without one */
		r = spaceless_link(j);
		if (r)
			return r;
	}
	make = make_command(j);
	subject = xasprintf("Building %s/%s for %s", j->m, j->v, j->k->version);
	if (ctx->strict_conf) {
		r = run_strict(j, make, "Building module(s)", subject);
		if (r == DKMS_EXIT_BAD_CONF)
			return r;
	} else {
		cmd = with_build_environment(j, make);
		r = invoke_command_env(ctx, cmd, &j->env, "Building module(s)", j->build_dir, j->log,
				       subject);
	}
	if (r == 0)
		return 0;
	msg = xasprintf("Bad return status for module build on kernel: %s (%s)\nConsult %s for more information.",
			j->k->version, j->k->arch, j->log);
	return build_problem(j, DKMS_EXIT_BUILD, msg);
}

/* Every record not excluded made its .ko where dkms.conf says. */
static int check_built(struct build_job *j)
{
	for (size_t i = 0; i < j->conf.n_modules; i++) {
		const struct dkms_conf_module *rec = &j->conf.modules[i];
		_cleanup_free_ char *ko = NULL, *msg = NULL;

		if (rec->excluded)
			continue;
		ko = xasprintf("%s/%s%s.ko", j->build_dir, rec->built_location, rec->built_name);
		if (path_exists(ko)) {
			/* the MAKE may have built for another machine or kernel than k */
			int r = dkms_module_fits_kernel(j->ctx, ko, j->k);

			if (r)
				return r;
			continue;
		}
		msg = xasprintf("Build of %s%s.ko failed for: %s (%s)\n"
				"Make sure the name and location of the generated module are correct,\n"
				"or consult %s for more information.",
				rec->built_location, rec->built_name, j->k->version, j->k->arch, j->log);
		return build_problem(j, DKMS_EXIT_KO_MISSING, msg);
	}
	return 0;
}

/* The modules into <kernel>/<arch>/, POST_BUILD, make.log kept, build/ gone. */
static int commit_build(struct build_job *j)
{
	const struct dkms_ctx *ctx = j->ctx;
	_cleanup_free_ char *final_log = NULL;
	int r;

	r = stage_modules(j);
	if (r)
		return r;
	if (j->replace) {
		_cleanup_free_ char *old = previous_build_dir(ctx, j->m, j->v, j->k);
		beneath_rm_rf(ctx->dkms_tree, old);
	}

	r = dkms_run_hook_env(ctx, j->m, j->v, "post_build", j->conf.post_build, j->log, &j->env);
	if (r)
		return r;

	final_log = xasprintf("%s/log/make.log", j->base_dir);
	rename(j->log, final_log);
	beneath_rm_rf(ctx->dkms_tree, j->build_dir);

	if (j->conf.build_depends_rebuild && !ctx->force)
		save_dependency_versions(j);
	return 0;
}

/* dkms's do_build for one module/version/kernel, step by step. */
static int build_module(const struct dkms_ctx *ctx, const char *m, const char *v,
			const struct dkms_kernel *k, bool replace)
{
	struct build_job j = { .ctx = ctx, .m = m, .v = v, .k = k, .replace = replace };
	int r;

	if (strempty(k->version) || strempty(k->arch)) {
		dkms_error(ctx, "do_build: Empty $kernelver or $arch");
		return DKMS_EXIT_EMPTY_KERNEL;
	}
	if (!tree_is_added(ctx, m, v)) {
		r = dkms_add(ctx, m, v, k);
		if (r)
			return r;
		dkms_info(ctx, "%s", "");
	}

	j.source_dir = xasprintf("%s/%s/%s/source", ctx->dkms_tree, m, v);
	j.build_dir = xasprintf("%s/%s/%s/build", ctx->dkms_tree, m, v);
	j.kernel_dir = xasprintf("%s/%s/%s/%s", ctx->dkms_tree, m, v, k->version);
	j.base_dir = xasprintf("%s/%s", j.kernel_dir, k->arch);
	j.log = xasprintf("%s/make.log", j.build_dir);

	r = check_buildable(&j);
	if (!r)
		r = job_environment(&j);
	if (!r)
		r = check_dependencies(&j);
	if (!r)
		r = prepare_build_dir(&j);
	if (!r)
		r = apply_patches(&j);
	if (!r)
		r = dkms_run_hook_env(ctx, m, v, "pre_build", j.conf.pre_build, j.log, &j.env);
	if (!r)
		r = run_make(&j);
	if (!r)
		r = check_built(&j);
	if (!r)
		r = commit_build(&j);

	/* a failed build leaves no empty <kernel> dir behind */
	if (r)
		rmdir(j.kernel_dir);
	build_job_release(&j);
	return r;
}

int dkms_build(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k)
{
	return build_module(ctx, m, v, k, false);
}

int dkms_maybe_build(const struct dkms_ctx *ctx, const char *m, const char *v,
		     const struct dkms_kernel *k)
{
	dkms_recover_previous_build(ctx, m, v, k);
	if (!tree_is_built(ctx, m, v, k->version, k->arch))
		return build_module(ctx, m, v, k, false);
	if (!ctx->force) {
		dkms_info(ctx, "Module %s/%s already built for kernel %s (%s), skip. "
			  "You may override by specifying --force.", m, v, k->version, k->arch);
		return 0;
	}
	/* unlike dkms, the previous build stays until the new one replaces it */
	return build_module(ctx, m, v, k, true);
}
