// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "hooks.h"
#include "invoke.h"
#include "lifecycle.h"
#include "modcheck.h"
#include "modinfo.h"
#include "modprobe-install.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/dir.h"
#include "util/failpoint.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "version.h"
#include "weak-modules.h"

/* find_module: every <name>.ko or <name>.ko<suffix> file under dir. */
static void find_modules(const char *dir, const char *name, const char *suffix, struct strv *ret,
			 int depth)
{
	_cleanup_free_ char *plain = xasprintf("%s.ko", name);
	_cleanup_free_ char *comp = xasprintf("%s.ko%s", name, suffix);
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;

	if (!d || depth > 32)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (is_symlink(p))
			continue;
		if (is_dir(p))
			find_modules(p, name, suffix, ret, depth + 1);
		else if ((streq(de->d_name, plain) || streq(de->d_name, comp)) && is_file(p))
			strv_push(ret, p);
	}
}

/* modules_to_force_install lists packages that skip the version check. */
static int forced_by_list(const char *m)
{
	const char *dir = "/usr/share/dkms/modules_to_force_install";
	_cleanup_strv_ struct strv words = STRV_INIT;
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	_cleanup_free_ char *vo = xasprintf("%s_version-override", m);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (read_file(p, &sb) == 0)
			strv_split(&words, sb.buf, " \t\n");
	}
	for (size_t i = 0; i < words.n; i++) {
		if (streq(words.v[i], m))
			return 1;
		if (streq(words.v[i], vo))
			return 2;
	}
	return 0;
}

/* check_version_sanity for one record; true when it may be installed. */
static bool version_sane(const struct dkms_ctx *ctx, const char *m, const char *v,
			 const struct dkms_kernel *k, const struct dkms_conf *conf, const char *dest,
			 const char *suffix, bool force, bool force_override)
{
	_cleanup_free_ char *lib_tree = xasprintf("%s/%s", ctx->install_tree, k->version);
	_cleanup_free_ char *moddir = NULL, *ours = NULL;
	_cleanup_strv_ struct strv found = STRV_INIT;
	struct modinfo a = { 0 }, b = { 0 };
	enum modver_cmp c;
	bool ok = true;

	if (!strempty(conf->obsolete_by) && !force) {
		/* "6.1.0-56" vs obsolete "6.1.0-50": compare release, then ABI */
		_cleanup_free_ char *obs = xstrdup(conf->obsolete_by), *my = xstrdup(k->version);
		char *obs_abi = strchr(obs, '-'), *my_abi = strchr(my, '-');
		bool obsolete = false;

		if (obs_abi)
			*obs_abi++ = '\0';
		if (my_abi)
			*my_abi++ = '\0';
		if (ver_compare(obs, my) == 0)
			obsolete = !obs_abi || ver_compare(my_abi ? my_abi : "", obs_abi) >= 0;
		else if (ver_compare(my, obs) > 0)
			obsolete = true;
		if (obsolete) {
			dkms_errtext(ctx, "\nModule has been obsoleted due to being included in kernel %s.\n"
				     "We will avoid installing for future kernels above %s.\n"
				     "You may override by specifying --force.", conf->obsolete_by, conf->obsolete_by);
			return false;
		}
	}
	find_modules(lib_tree, dest, suffix, &found, 0);
	if (!found.n || force_override)
		return true;
	if (found.n > 1) {
		dkms_warn(ctx, "Cannot do version sanity checking because multiple %s.ko%s modules were found in kernel %s.",
			  dest, suffix, k->version);
		return true;
	}
	moddir = xasprintf("%s/%s/%s/%s/%s/module", ctx->dkms_tree, m, v, k->version, k->arch);
	ours = tree_find_module_file(moddir, dest, suffix);
	if (!ours)
		return true;
	c = modinfo_compare(found.v[0], ours);
	modinfo_read(ours, &a);
	modinfo_read(found.v[0], &b);
	if (c == MODVER_NEWER && !force) {
		dkms_error(ctx, "Module version %s for %s.ko%s\nis not newer than what is already found in kernel %s (%s).\n"
			   "You may override by specifying --force.", a.version ? a.version : "", dest, suffix,
			   k->version, b.version ? b.version : "");
		ok = false;
	} else if (c == MODVER_SAME && !force) {
		bool has_info = !strempty(a.version) || !strempty(a.srcversion);

		if (has_info || files_equal(found.v[0], ours) == 1) {
			if (!strempty(a.version))
				dkms_errtext(ctx, "Module %s already installed at version %s, override by specifying --force",
					     found.v[0], a.version);
			else
				dkms_errtext(ctx, "Module %s already installed (unversioned module), override by specifying --force",
					     found.v[0]);
			ok = false;
		}
	}
	modinfo_release(&a);
	modinfo_release(&b);
	return ok;
}

/*
 * What one install changed in the kernel's tree, so a failure half-way can
 * give the tree back as it was: the modules placed, and the originals moved
 * aside (with their .origin notes).
 */
struct install_undo {
	struct strv placed;
	struct strv moved_to;   /* where an original went (in the dkms tree) */
	struct strv moved_from; /* where it was */
};

static void install_undo_record_move(struct install_undo *u, const char *from, const char *to)
{
	strv_push(&u->moved_from, from);
	strv_push(&u->moved_to, to);
}

static void install_undo_run(struct install_undo *u, const char *lib_tree, const char *originals)
{
	for (size_t i = 0; i < u->placed.n; i++) {
		_cleanup_free_ char *dir = xstrndup(u->placed.v[i], strrchr(u->placed.v[i], '/') - u->placed.v[i]);

		/* beneath the kernel's tree: what a link now leads to elsewhere is not ours */
		beneath_unlink(lib_tree, u->placed.v[i]);
		if (beneath_check(lib_tree, dir) == 0)
			rmdir_parents(dir, lib_tree);
	}
	for (size_t i = u->moved_to.n; i-- > 0;) {
		_cleanup_free_ char *origin = xasprintf("%s.origin", u->moved_to.v[i]);

		if (move_file(u->moved_to.v[i], u->moved_from.v[i]) == 0)
			unlink(origin);
	}
	rmdir_empty_tree(originals);
}

static void install_undo_release(struct install_undo *u)
{
	strv_release(&u->placed);
	strv_release(&u->moved_to);
	strv_release(&u->moved_from);
}

/* Move an existing module aside so uninstall can put it back. */
static int archive_original(const struct dkms_ctx *ctx, const char *path, const char *backup_dir,
			    struct install_undo *undo)
{
	const char *base = strrchr(path, '/') + 1;
	_cleanup_free_ char *to = xasprintf("%s/%s", backup_dir, base);
	_cleanup_free_ char *origin = xasprintf("%s/%s.origin", backup_dir, base);
	_cleanup_free_ char *text = xasprintf("%s\n", path);

	int r;

	dkms_info(ctx, "Found pre-existing %s, archiving for uninstallation", path);
	r = mkdir_p(backup_dir, 0755);
	/* the .origin record first: a kill in between leaves a restorable note */
	if (!r)
		r = write_file_str(origin, text);
	if (!r)
		r = move_file(path, to);
	if (r < 0) {
		unlink(origin);
		dkms_error(ctx, "Could not archive %s: %s", path, strerror(-r));
		return r;
	}
	install_undo_record_move(undo, path, to);
	failpoint("install:original-moved");
	return 0;
}

static int archive_collisions(const struct dkms_ctx *ctx, const char *lib_tree,
			      const struct strv *found, const char *backup_dir,
			      struct install_undo *undo)
{
	for (size_t i = 0; i < found->n; i++) {
		const char *p = found->v[i];
		const char *rel = p + strlen(lib_tree);
		const char *base = strrchr(p, '/') + 1;
		_cleanup_free_ char *sub = xstrndup(rel, (size_t)(base - rel));
		_cleanup_free_ char *dir = xasprintf("%s/collisions/%s", backup_dir, sub);
		_cleanup_free_ char *to = xasprintf("%s/%s", dir, base);
		_cleanup_free_ char *origin = xasprintf("%s/%s.origin", dir, base);
		_cleanup_free_ char *text = xasprintf("%s\n", p);

		int r = mkdir_p(dir, 0755);

		if (!r)
			r = write_file_str(origin, text);
		if (!r)
			r = move_file(p, to);
		if (r < 0) {
			unlink(origin);
			dkms_error(ctx, "Could not archive %s: %s", p, strerror(-r));
			return r;
		}
		install_undo_record_move(undo, p, to);
	}
	return 0;
}

/* <tmp>/dkms-depmod.XXXXXX/lib/modules -> install_tree, for depmod -b. */
static int depmod_private_base(const struct dkms_ctx *ctx, char **ret)
{
	_cleanup_free_ char *base = xasprintf("%s/dkms-depmod.XXXXXX", ctx->tmp_location);
	_cleanup_free_ char *lib = NULL, *link = NULL, *target = NULL;

	if (!mkdtemp(base))
		return -errno;
	lib = xasprintf("%s/lib", base);
	link = xasprintf("%s/modules", lib);
	target = canonical_path(ctx->install_tree);
	if (!target || mkdir(lib, 0755) < 0 || symlink(target, link) < 0) {
		int r = -errno;

		rm_rf(base);
		return r;
	}
	*ret = TAKE_PTR(base);
	return 0;
}

int dkms_depmod(const struct dkms_ctx *ctx, const char *kernelver)
{
	_cleanup_free_ char *dep = xasprintf("%s/%s/modules.dep", ctx->install_tree, kernelver);
	_cleanup_free_ char *cmd = xasprintf("do_depmod %s", kernelver);
	int r = 0;

	invoke_announce(ctx, cmd, "Running depmod");
	if (ctx->no_depmod || !is_file(dep)) {
		/* dkms prints the skip notice inside a silenced step */
		invoke_report(ctx, 0, cmd);
		return 0;
	}
	{
		struct child c = CHILD_INIT;
		_cleanup_free_ char *sysmap = xasprintf("/boot/System.map-%s", kernelver);
		_cleanup_free_ char *base = NULL;
		size_t len = strlen(ctx->install_tree);
		const char *tail = "/lib/modules";
		size_t tl = strlen(tail);

		strv_push(&c.args, "depmod");
		/*
		 * depmod wants a base dir holding lib/modules. A private tree
		 * under <base>/lib/modules gets -b<base>; any other private tree
		 * gets a temp base whose lib/modules links to it. dkms runs a
		 * bare depmod there, which rewrites the host's index instead.
		 */
		if (!streq(ctx->install_tree, "/lib/modules") && len > tl &&
		    streq(ctx->install_tree + len - tl, tail)) {
			strv_pushf(&c.args, "-b%.*s", (int)(len - tl), ctx->install_tree);
		} else if (!streq(ctx->install_tree, "/lib/modules")) {
			r = depmod_private_base(ctx, &base);
			if (r < 0) {
				child_release(&c);
				invoke_report(ctx, 1, cmd);
				return 1;
			}
			strv_pushf(&c.args, "-b%s", base);
		}
		strv_push(&c.args, "-a");
		strv_push(&c.args, kernelver);
		if (is_file(sysmap)) {
			strv_push(&c.args, "-F");
			strv_push(&c.args, sysmap);
		}
		c.out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		c.err_fd = -2;
		r = child_run(&c);
		close(c.out_fd);
		child_release(&c);
		if (base)
			rm_rf(base);
	}
	invoke_report(ctx, r, cmd);
	failpoint("depmod:done");
	return r;
}

/* One install of m/v on k: what its steps share. */
struct install {
	struct dkms_ctx ctx; /* force flags may change for this package */
	const char *m, *v;
	const struct dkms_kernel *k;
	struct dkms_conf conf;
	const char *suffix;
	char *lib_tree;  /* <install_tree>/<k> */
	char *backup;    /* where originals go: <dkms_tree>/m/original_module/<k>/<arch> */
	char *link;      /* <dkms_tree>/m/kernel-<k>-<arch> */
	char *moddir;    /* the build's module dir */
	struct install_undo undo;
	bool any_installed;
};

static void install_release(struct install *in)
{
	free(in->lib_tree);
	free(in->backup);
	free(in->link);
	free(in->moddir);
	install_undo_release(&in->undo);
	dkms_conf_release(&in->conf);
}

/* A step failed after the kernel's tree changed: nothing half-installed, it goes back as it was. */
static int install_roll_back(struct install *in)
{
	_cleanup_free_ char *originals = xasprintf("%s/%s/original_module", in->ctx.dkms_tree, in->m);

	install_undo_run(&in->undo, in->lib_tree, originals);
	return DKMS_EXIT_INSTALL;
}

/* The kernel, the build (made when missing), the paths, the force list and dkms.conf. */
static int install_prepare(struct install *in)
{
	const struct dkms_ctx *ctx = &in->ctx;
	const char *m = in->m, *v = in->v;
	const struct dkms_kernel *k = in->k;
	bool built_now = false;
	int forced, r;

	if (strempty(k->version) || strempty(k->arch)) {
		dkms_error(ctx, "do_install: Empty $kernelver or $arch");
		return DKMS_EXIT_EMPTY_KERNEL;
	}
	dkms_recover_previous_build(ctx, m, v, k);
	if (!tree_is_built(ctx, m, v, k->version, k->arch)) {
		r = dkms_build(ctx, m, v, k);
		if (r)
			return r;
		built_now = true;
	}
	in->lib_tree = xasprintf("%s/%s", ctx->install_tree, k->version);
	in->backup = xasprintf("%s/%s/original_module/%s/%s", ctx->dkms_tree, m, k->version, k->arch);
	in->link = tree_kernel_link(ctx, m, k->version, k->arch);
	{
		_cleanup_free_ char *base_dir = tree_build_dir(ctx, m, v, k->version, k->arch);

		in->moddir = xasprintf("%s/module", base_dir);
	}

	forced = forced_by_list(m);
	if (forced == 1) {
		in->ctx.force = true;
		dkms_info(ctx, "Forcing installation of %s", m);
	} else if (forced == 2) {
		in->ctx.force_version_override = true;
		dkms_info(ctx, "Forcing version override of %s", m);
	}

	if (!path_exists(in->lib_tree)) {
		dkms_error(ctx, "The directory %s doesn't exist.\nYou cannot install a module onto a non-existent kernel.",
			   in->lib_tree);
		return DKMS_EXIT_INSTALL;
	}
	/* the kernel link and the originals go in the DKMS tree: never through a link out of it */
	if (beneath_check(ctx->dkms_tree, in->link) == -EXDEV || beneath_check(ctx->dkms_tree, in->backup) == -EXDEV) {
		dkms_error(ctx, "%s/%s leads outside the DKMS tree %s.", ctx->dkms_tree, m, ctx->dkms_tree);
		return DKMS_EXIT_INSTALL;
	}
	in->suffix = dkms_kernel_module_suffix(ctx, k->version);
	/* dkms reads a conf once per m/v/k/a: no second round of its warnings */
	if (!built_now || dkms_conf_read(ctx, m, v, k, ctx->conf_file, CONF_STRICT | CONF_REPEAT, &in->conf) < 0) {
		dkms_conf_release(&in->conf); /* what a failed read resolved (releasable, or still zero) */
		return dkms_read_conf_or_die(ctx, m, v, k, NULL, true, &in->conf);
	}
	return 0;
}

/* Every module the package names is in the build, and m/v is not installed on k yet. */
static int install_check_build(struct install *in)
{
	const struct dkms_ctx *ctx = &in->ctx;

	for (size_t i = 0; i < in->conf.n_modules; i++) {
		_cleanup_free_ char *f = NULL;

		if (in->conf.modules[i].excluded)
			continue;
		f = tree_find_module_file(in->moddir, in->conf.modules[i].dest_name, in->suffix);
		if (!f || !is_file(f)) {
			dkms_error(ctx, "Missing module %s in %s", in->conf.modules[i].dest_name, in->moddir);
			return DKMS_EXIT_INSTALL;
		}
		int r = dkms_module_fits_kernel(ctx, f, in->k);

		if (r)
			return r;
	}
	if (tree_is_installed(ctx, in->m, in->v, in->k->version, in->k->arch)) {
		dkms_error(ctx, "This module/version combo is already installed for kernel %s (%s).",
			   in->k->version, in->k->arch);
		return DKMS_EXIT_PATCH_PATH;
	}
	return 0;
}

static int install_run_pre_install(struct install *in)
{
	const struct dkms_ctx *ctx = &in->ctx;
	int r;

	if (ctx->rpm_safe_upgrade)
		in->ctx.force = true;
	r = dkms_run_kernel_hook(ctx, in->m, in->v, in->k, "pre_install", in->conf.pre_install);
	if (r && !ctx->force) {
		dkms_error(ctx, "pre_install failed, aborting install.\nYou may override by specifying --force.");
		return DKMS_EXIT_PRE_INSTALL;
	}
	return 0;
}

/*
 * The module the kernel has under this name (in /extra, /updates, the
 * destination, or the one copy found anywhere) goes aside for uninstall to
 * put back; several copies are all kept in collisions/. -errno on failure.
 */
static int install_archive_originals(struct install *in, const struct dkms_conf_module *rec)
{
	const struct dkms_ctx *ctx = &in->ctx;
	_cleanup_strv_ struct strv found = STRV_INIT;
	_cleanup_free_ char *orig_copy = NULL;
	bool linked = is_symlink(in->link);

	find_modules(in->lib_tree, rec->dest_name, in->suffix, &found, 0);
	orig_copy = tree_find_module_file(in->backup, rec->dest_name, in->suffix);
	if (linked && orig_copy) {
		dkms_info(ctx, "An original module was already stored during a previous install");
	} else if (!linked) {
		const char *prefs[] = { "/extra", "/updates", rec->dest_location };
		bool archived = false;

		for (size_t p = 0; p < ARRAY_SIZE(prefs) && !archived; p++) {
			_cleanup_free_ char *dir = xasprintf("%s%s", in->lib_tree, prefs[p]);
			_cleanup_free_ char *cand = tree_find_module_file(dir, rec->dest_name, in->suffix);

			if (cand && is_file(cand) && beneath_check(ctx->install_tree, cand) == 0) {
				if (archive_original(ctx, cand, in->backup, &in->undo) < 0)
					return -EIO;
				archived = true;
			}
		}
		if (!archived && found.n == 1 && is_file(found.v[0]) &&
		    beneath_check(ctx->install_tree, found.v[0]) == 0) {
			if (archive_original(ctx, found.v[0], in->backup, &in->undo) < 0)
				return -EIO;
			archived = true;
		}
		if (!archived && found.n > 1) {
			dkms_info(ctx, "Multiple original modules exist, so none will be put back in place during a later uninstall");
			dkms_info(ctx, "All instances will be stored for reference purposes in %s/collisions/", in->backup);
		}
	}
	if (found.n > 1) {
		dkms_info(ctx, "Multiple same named modules! %zu named %s.ko%s in %s/", found.n, rec->dest_name,
			  in->suffix, in->lib_tree);
		/* find again: archiving may have moved one */
		strv_release(&found);
		find_modules(in->lib_tree, rec->dest_name, in->suffix, &found, 0);
		if (archive_collisions(ctx, in->lib_tree, &found, in->backup, &in->undo) < 0)
			return -EIO;
	}
	return 0;
}

/*
 * Copy (or link) toinstall to dest_dir/name beneath the install tree: a
 * symlink planted in it must not lead the copy out, and the file is made
 * and renamed relative to the directory opened there, so one swapped for a
 * symlink after the check cannot redirect it either. 0 or -errno (printed).
 */
static int install_place_file(struct install *in, const char *toinstall, const char *dest_dir, const char *name)
{
	const struct dkms_ctx *ctx = &in->ctx;
	_cleanup_close_ int dest_fd = beneath_open_path(ctx->install_tree, dest_dir, true, 0755);
	int r = dest_fd < 0 ? dest_fd : 0;

	if (!r) {
		/* copy_file's temp file, left by an install that was killed */
		_cleanup_free_ char *stale = xasprintf("%s.tmp", name);

		remove_stale_temps_at(dest_fd, stale);
	}
	if (!r && ctx->symlink_modules) {
		r = symlink_into(dest_fd, name, toinstall);
	} else if (!r) {
		/* 0644 less the umask, whatever the build left (a 0777 source file) */
		r = copy_file_into(dest_fd, name, toinstall, 0644 & ~current_umask());
	}
	if (r < 0) {
		dkms_error(ctx, "Copying '%s' failed: %s", toinstall,
			   r == -EXDEV ? "the destination leads outside the install tree" : strerror(-r));
		if (beneath_check(ctx->install_tree, dest_dir) == 0)
			rmdir_parents(dest_dir, in->lib_tree);
	}
	return r;
}

/* Each module that passes the version check goes to <k>/<DEST_MODULE_LOCATION>. */
static int install_place_modules(struct install *in)
{
	const struct dkms_ctx *ctx = &in->ctx;

	for (size_t i = 0; i < in->conf.n_modules; i++) {
		const struct dkms_conf_module *rec = &in->conf.modules[i];
		_cleanup_free_ char *toinstall = NULL, *dest_dir = NULL, *dest = NULL;
		const char *name;

		if (rec->excluded)
			continue;
		toinstall = tree_find_module_file(in->moddir, rec->dest_name, in->suffix);
		name = strrchr(toinstall, '/') + 1;
		dest_dir = xasprintf("%s%s", in->lib_tree, rec->dest_location);
		dest = xasprintf("%s/%s", dest_dir, name);
		/*
		 * Our own copy without the kernel link: an install killed before
		 * it finished. Take it over instead of archiving it as an original.
		 */
		if (!is_symlink(in->link) && files_equal(dest, toinstall) == 1) {
			dkms_info(ctx, "Installing %s", dest);
			in->any_installed = true;
			continue;
		}
		if (!version_sane(ctx, in->m, in->v, in->k, &in->conf, rec->dest_name, in->suffix, ctx->force,
				  ctx->force_version_override))
			continue;
		if (install_archive_originals(in, rec) < 0)
			return install_roll_back(in);
		dkms_info(ctx, "Installing %s", dest);
		if (install_place_file(in, toinstall, dest_dir, name) < 0)
			return install_roll_back(in);
		strv_push(&in->undo.placed, dest);
		failpoint("install:module-placed");
		in->any_installed = true;
	}
	if (in->conf.n_modules > 0 && !in->any_installed) {
		dkms_error(ctx, "Installation aborted.");
		return DKMS_EXIT_INSTALL;
	}
	return 0;
}

/* The kernel-<k>-<arch> link makes m/v the installed version on k. */
static int install_link(struct install *in)
{
	_cleanup_free_ char *target = xasprintf("%s/%s/%s", in->v, in->k->version, in->k->arch);

	unlink(in->link);
	if (symlink(target, in->link) < 0) {
		dkms_error(&in->ctx, "Could not create %s: %s", in->link, strerror(errno));
		return install_roll_back(in);
	}
	failpoint("install:linked");
	return 0;
}

/* depmod (rolled back to built when it fails), then modprobe_on_install. */
static int install_finish(struct install *in)
{
	const struct dkms_ctx *ctx = &in->ctx;
	const struct dkms_kernel *k = in->k;

	if (dkms_depmod(ctx, k->version) != 0) {
		dkms_uninstall(ctx, in->m, in->v, k);
		dkms_error(ctx, "Problems with depmod detected. Automatically uninstalling this module.\n"
			   "Install Failed (depmod problems). Module rolled back to built state.");
		return DKMS_EXIT_INSTALL;
	}
	dkms_modprobe_on_install(ctx, k->version);
	return 0;
}

int dkms_install(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k)
{
	struct install in = { .ctx = *ctx, .m = m, .v = v, .k = k };
	int r = install_prepare(&in);

	if (!r)
		r = install_check_build(&in);
	if (!r)
		r = install_run_pre_install(&in);
	if (!r)
		r = install_place_modules(&in);
	if (!r)
		r = install_link(&in);
	if (!r) {
		weak_modules_run(&in.ctx, m, &in.conf, k, WEAK_MODULES_ADD);
		dkms_run_kernel_hook(&in.ctx, m, v, k, "post_install", in.conf.post_install);
		r = install_finish(&in);
	}
	install_release(&in);
	return r;
}

int dkms_maybe_install(const struct dkms_ctx *ctx, const char *m, const char *v,
		       const struct dkms_kernel *k)
{
	if (tree_is_installed(ctx, m, v, k->version, k->arch)) {
		if (!ctx->force) {
			dkms_info(ctx, "Module %s/%s already installed on kernel %s (%s), skip. "
				  "You may override by specifying --force.", m, v, k->version, k->arch);
			return 0;
		}
		dkms_uninstall(ctx, m, v, k);
		dkms_info(ctx, "%s", "");
	}
	return dkms_install(ctx, m, v, k);
}
