// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "invoke.h"
#include "lifecycle.h"
#include "modinfo.h"
#include "modprobe-install.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/failpoint.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "version.h"

/* find_module: every <name>.ko or <name>.ko<suffix> file under dir. */
static void find_modules(const char *dir, const char *name, const char *suffix, struct strv *ret,
			 int depth)
{
	_cleanup_free_ char *plain = xasprintf("%s.ko", name);
	_cleanup_free_ char *comp = xasprintf("%s.ko%s", name, suffix);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d || depth > 32) {
		if (d)
			closedir(d);
		return;
	}
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
	closedir(d);
}

/* modules_to_force_install lists packages that skip the version check. */
static int forced_by_list(const char *m)
{
	const char *dir = "/usr/share/dkms/modules_to_force_install";
	_cleanup_strv_ struct strv words = STRV_INIT;
	DIR *d = opendir(dir);
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
	closedir(d);
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

int dkms_install(const struct dkms_ctx *ctx_in, const char *m, const char *v, const struct dkms_kernel *k)
{
	struct dkms_ctx ctx_copy = *ctx_in; /* force flags may change for this package */
	const struct dkms_ctx *ctx = &ctx_copy;
	_cleanup_free_ char *base_dir = NULL, *lib_tree = NULL, *backup = NULL, *link = NULL;
	_cleanup_free_ char *moddir = NULL, *target = NULL;
	struct dkms_conf conf = { 0 };
	const char *suffix;
	bool any_installed = false;
	struct install_undo undo = { STRV_INIT, STRV_INIT, STRV_INIT };
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
	base_dir = tree_build_dir(ctx, m, v, k->version, k->arch);
	lib_tree = xasprintf("%s/%s", ctx->install_tree, k->version);
	backup = xasprintf("%s/%s/original_module/%s/%s", ctx->dkms_tree, m, k->version, k->arch);
	link = tree_kernel_link(ctx, m, k->version, k->arch);
	moddir = xasprintf("%s/module", base_dir);

	forced = forced_by_list(m);
	if (forced == 1) {
		ctx_copy.force = true;
		dkms_info(ctx, "Forcing installation of %s", m);
	} else if (forced == 2) {
		ctx_copy.force_version_override = true;
		dkms_info(ctx, "Forcing version override of %s", m);
	}

	if (!path_exists(lib_tree)) {
		dkms_error(ctx, "The directory %s doesn't exist.\nYou cannot install a module onto a non-existent kernel.",
			   lib_tree);
		return DKMS_EXIT_INSTALL;
	}
	/* the kernel link and the originals go in the DKMS tree: never through a link out of it */
	if (beneath_check(ctx->dkms_tree, link) == -EXDEV || beneath_check(ctx->dkms_tree, backup) == -EXDEV) {
		dkms_error(ctx, "%s/%s leads outside the DKMS tree %s.", ctx->dkms_tree, m, ctx->dkms_tree);
		return DKMS_EXIT_INSTALL;
	}
	suffix = dkms_kernel_module_suffix(ctx, k->version);
	/* dkms reads a conf once per m/v/k/a: no second round of its warnings */
	if (!built_now || dkms_conf_read(ctx, m, v, k, ctx->conf_file, CONF_STRICT | CONF_REPEAT, &conf) < 0) {
		dkms_conf_release(&conf); /* what a failed read resolved (releasable, or still zero) */
		r = dkms_read_conf_or_die(ctx, m, v, k, NULL, true, &conf);
		if (r)
			return r;
	}

	for (size_t i = 0; i < conf.n_modules; i++) {
		_cleanup_free_ char *f = NULL;

		if (conf.modules[i].excluded)
			continue;
		f = tree_find_module_file(moddir, conf.modules[i].dest_name, suffix);
		if (!f || !is_file(f)) {
			dkms_error(ctx, "Missing module %s in %s", conf.modules[i].dest_name, moddir);
			r = DKMS_EXIT_INSTALL;
			goto out;
		}
	}
	if (tree_is_installed(ctx, m, v, k->version, k->arch)) {
		dkms_error(ctx, "This module/version combo is already installed for kernel %s (%s).",
			   k->version, k->arch);
		r = DKMS_EXIT_PATCH_PATH;
		goto out;
	}
	if (ctx->rpm_safe_upgrade)
		ctx_copy.force = true;

	setenv("kernelver", k->version, 1);
	setenv("arch", k->arch, 1);
	r = dkms_run_hook(ctx, m, v, "pre_install", conf.pre_install, NULL);
	if (r && !ctx->force) {
		dkms_error(ctx, "pre_install failed, aborting install.\nYou may override by specifying --force.");
		r = DKMS_EXIT_PRE_INSTALL;
		goto out;
	}

	for (size_t i = 0; i < conf.n_modules; i++) {
		const struct dkms_conf_module *rec = &conf.modules[i];
		_cleanup_strv_ struct strv found = STRV_INIT;
		_cleanup_free_ char *orig_copy = NULL, *toinstall = NULL, *dest_dir = NULL, *dest = NULL;
		_cleanup_close_ int dest_fd = -1;
		const char *name;

		if (rec->excluded)
			continue;
		toinstall = tree_find_module_file(moddir, rec->dest_name, suffix);
		name = strrchr(toinstall, '/') + 1;
		dest_dir = xasprintf("%s%s", lib_tree, rec->dest_location);
		dest = xasprintf("%s/%s", dest_dir, name);
		/*
		 * Our own copy without the kernel link: an install killed before
		 * it finished. Take it over instead of archiving it as an original.
		 */
		if (!is_symlink(link) && files_equal(dest, toinstall) == 1) {
			dkms_info(ctx, "Installing %s", dest);
			any_installed = true;
			continue;
		}
		if (!version_sane(ctx, m, v, k, &conf, rec->dest_name, suffix, ctx->force,
				  ctx->force_version_override))
			continue;
		find_modules(lib_tree, rec->dest_name, suffix, &found, 0);
		orig_copy = tree_find_module_file(backup, rec->dest_name, suffix);
		if (is_symlink(link) && orig_copy) {
			dkms_info(ctx, "An original module was already stored during a previous install");
		} else if (!is_symlink(link)) {
			const char *prefs[] = { "/extra", "/updates", rec->dest_location };
			bool archived = false;

			for (size_t p = 0; p < ARRAY_SIZE(prefs) && !archived; p++) {
				_cleanup_free_ char *dir = xasprintf("%s%s", lib_tree, prefs[p]);
				_cleanup_free_ char *cand = tree_find_module_file(dir, rec->dest_name, suffix);

				if (cand && is_file(cand) && beneath_check(ctx->install_tree, cand) == 0) {
					if (archive_original(ctx, cand, backup, &undo) < 0)
						goto failed;
					archived = true;
				}
			}
			if (!archived && found.n == 1 && is_file(found.v[0]) &&
			    beneath_check(ctx->install_tree, found.v[0]) == 0) {
				if (archive_original(ctx, found.v[0], backup, &undo) < 0)
					goto failed;
				archived = true;
			}
			if (!archived && found.n > 1) {
				dkms_info(ctx, "Multiple original modules exist, so none will be put back in place during a later uninstall");
				dkms_info(ctx, "All instances will be stored for reference purposes in %s/collisions/", backup);
			}
		}
		if (found.n > 1) {
			dkms_info(ctx, "Multiple same named modules! %zu named %s.ko%s in %s/", found.n,
				  rec->dest_name, suffix, lib_tree);
			/* find again: archiving may have moved one */
			strv_release(&found);
			find_modules(lib_tree, rec->dest_name, suffix, &found, 0);
			if (archive_collisions(ctx, lib_tree, &found, backup, &undo) < 0)
				goto failed;
		}

		dkms_info(ctx, "Installing %s", dest);
		/*
		 * Beneath the install tree: a symlink planted in it must not lead the
		 * copy out, and the file is made and renamed relative to the directory
		 * opened there, so one swapped for a symlink after the check cannot
		 * redirect it either.
		 */
		dest_fd = beneath_open_path(ctx->install_tree, dest_dir, true, 0755);
		r = dest_fd < 0 ? dest_fd : 0;
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
				rmdir_parents(dest_dir, lib_tree);
			goto failed;
		}
		strv_push(&undo.placed, dest);
		failpoint("install:module-placed");
		any_installed = true;
	}

	if (conf.n_modules > 0 && !any_installed) {
		dkms_error(ctx, "Installation aborted.");
		r = DKMS_EXIT_INSTALL;
		goto out;
	}

	unlink(link);
	target = xasprintf("%s/%s/%s", v, k->version, k->arch);
	if (symlink(target, link) < 0) {
		dkms_error(ctx, "Could not create %s: %s", link, strerror(errno));
		goto failed;
	}

	failpoint("install:linked");
	dkms_run_hook(ctx, m, v, "post_install", conf.post_install, NULL);

	if (dkms_depmod(ctx, k->version) != 0) {
		dkms_uninstall(ctx, m, v, k);
		dkms_error(ctx, "Problems with depmod detected. Automatically uninstalling this module.\n"
			   "Install Failed (depmod problems). Module rolled back to built state.");
		r = DKMS_EXIT_INSTALL;
		goto out;
	}

	dkms_modprobe_on_install(ctx, k->version);
	r = 0;
	dkms_rebuild_dependents(ctx, k);
	goto out;
failed:
	/* nothing half-installed: the kernel's tree goes back as it was */
	{
		_cleanup_free_ char *originals = xasprintf("%s/%s/original_module", ctx->dkms_tree, m);

		install_undo_run(&undo, lib_tree, originals);
	}
	r = DKMS_EXIT_INSTALL;
out:
	install_undo_release(&undo);
	dkms_conf_release(&conf);
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
