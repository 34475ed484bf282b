// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "lifecycle.h"
#include "status.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/failpoint.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "weak-modules.h"

/* find dir -type d -empty -delete, only when dir lies beneath root (no link out on the way). */
static void rmdir_empty_beneath(const char *root, const char *dir)
{
	if (beneath_check(root, dir) == 0)
		rmdir_empty_tree(dir);
}

/* Put back every <name>.*.origin-recorded module of one record. */
static void restore_originals(const struct dkms_ctx *ctx, const char *backup, const char *k,
			      const char *name)
{
	_cleanup_free_ char *prefix = xasprintf("%s.", name);
	_cleanup_free_ char *lib = xasprintf("%s/%s/", ctx->install_tree, k);
	_cleanup_strv_ struct strv origins = STRV_INIT, dirs = STRV_INIT;

	strv_push(&dirs, backup);
	/* collisions/<subdir>/ hold further archived copies */
	for (size_t d = 0; d < dirs.n; d++) {
		DIR *dir = opendir(dirs.v[d]);
		struct dirent *de;

		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			_cleanup_free_ char *p = NULL;
			size_t len = strlen(de->d_name);

			if (streq(de->d_name, ".") || streq(de->d_name, ".."))
				continue;
			p = xasprintf("%s/%s", dirs.v[d], de->d_name);
			if (is_dir(p) && !is_symlink(p))
				strv_push(&dirs, p);
			else if (!strncmp(de->d_name, prefix, strlen(prefix)) && len > 7 &&
				 streq(de->d_name + len - 7, ".origin"))
				strv_push(&origins, p);
		}
		closedir(dir);
	}
	for (size_t i = 0; i < origins.n; i++) {
		_cleanup_free_ char *module = xstrndup(origins.v[i], strlen(origins.v[i]) - 7);
		_cleanup_strbuf_ struct strbuf loc = STRBUF_INIT;
		char *nl;

		if (!is_file(module) || read_file(origins.v[i], &loc) < 0)
			continue;
		nl = strchr(loc.buf, '\n');
		if (nl)
			strbuf_setlen(&loc, (size_t)(nl - loc.buf));
		if (strncmp(loc.buf, lib, strlen(lib)) != 0) {
			dkms_warn(ctx, "Bad original location '%s' in %s", loc.buf, origins.v[i]);
			continue;
		}
		dkms_info(ctx, "Restoring archived original module %s", loc.buf);
		{
			_cleanup_free_ char *parent = xstrndup(loc.buf, (size_t)(strrchr(loc.buf, '/') - loc.buf));

			/* back beneath the install tree only, whatever the tree now links to */
			if (beneath_mkdir_p(ctx->install_tree, parent, 0755) < 0) {
				dkms_warn(ctx, "Bad original location '%s' in %s", loc.buf, origins.v[i]);
				continue;
			}
		}
		if (move_file(module, loc.buf) == 0)
			unlink(origins.v[i]);
		failpoint("uninstall:original-restored");
	}
}

static const char *const compressed_suffixes[] = { ".gz", ".xz", ".zst" };

int dkms_uninstall(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k)
{
	_cleanup_free_ char *backup = xasprintf("%s/%s/original_module/%s/%s", ctx->dkms_tree, m,
						k->version, k->arch);
	_cleanup_free_ char *link = tree_kernel_link(ctx, m, k->version, k->arch);
	_cleanup_free_ char *orig_k = NULL, *orig_root = NULL;
	struct dkms_conf conf;
	const char *suffix;
	bool was_active;
	int r;

	dkms_info(ctx, "Module %s/%s for kernel %s (%s):", m, v, k->version, k->arch);
	suffix = dkms_kernel_module_suffix(ctx, k->version);
	r = dkms_read_conf_or_die(ctx, m, v, k, NULL, false, &conf);
	if (r)
		return r;

	was_active = tree_link_is_active(ctx, m, v, k->version, k->arch);
	if (was_active) {
		dkms_info(ctx, "Before uninstall, this module version was ACTIVE on this kernel.");
		weak_modules_run(ctx, m, &conf, k, WEAK_MODULES_REMOVE);
		for (size_t i = 0; i < conf.n_modules; i++) {
			const struct dkms_conf_module *rec = &conf.modules[i];
			_cleanup_free_ char *loc = status_installed_location(ctx, m, &conf, i, k->version,
									    k->arch, suffix);
			_cleanup_free_ char *origmod = NULL;

			if (loc) {
				_cleanup_free_ char *dir = xasprintf("%s/%s%s", ctx->install_tree, k->version, loc);
				_cleanup_free_ char *plain = xasprintf("%s/%s.ko", dir, rec->dest_name);
				_cleanup_free_ char *stop = xasprintf("%s/%s", ctx->install_tree, k->version);

				dkms_info(ctx, "Deleting %s/%s%s/%s.ko%s", ctx->install_tree, k->version, loc,
					  rec->dest_name, suffix);
				/* rm -f name.ko*: whichever compression it was installed with,
				 * beneath the install tree (never through a symlink out of it) */
				beneath_unlink(ctx->install_tree, plain);
				for (size_t x = 0; x < ARRAY_SIZE(compressed_suffixes); x++) {
					_cleanup_free_ char *c = xasprintf("%s%s", plain, compressed_suffixes[x]);
					beneath_unlink(ctx->install_tree, c);
				}
				if (beneath_check(ctx->install_tree, dir) == 0)
					rmdir_parents(dir, stop);
				failpoint("uninstall:module-deleted");
			} else {
				dkms_info(ctx, "Module %s.ko%s was not found within %s/%s/", rec->dest_name, suffix,
					  ctx->install_tree, k->version);
			}
			if (is_dir(backup)) {
				_cleanup_free_ char *parent = xasprintf("%s/%s/original_module/%s", ctx->dkms_tree,
									m, k->version);
				restore_originals(ctx, backup, k->version, rec->dest_name);
				rmdir_empty_beneath(ctx->dkms_tree, parent);
			}
			origmod = tree_find_module_file(backup, rec->dest_name, suffix);
			if (origmod) {
				/* archived by older dkms without an .origin file */
				_cleanup_free_ char *dir = xasprintf("%s/%s%s/", ctx->install_tree, k->version,
								     rec->dest_location_raw);
				_cleanup_free_ char *to = xasprintf("%s%s", dir, strrchr(origmod, '/') + 1);

				dkms_info(ctx, "Restoring archived original module");
				if (beneath_mkdir_p(ctx->install_tree, dir, 0755) == 0)
					move_file(origmod, to);
			}
		}
		beneath_unlink(ctx->dkms_tree, link);
		failpoint("uninstall:unlinked");
	} else {
		dkms_info(ctx, "This module version was INACTIVE for this kernel.");
	}

	dkms_run_hook(ctx, m, v, "post_remove", conf.post_remove, NULL);

	if (!ctx->delayed_depmod) {
		dkms_depmod(ctx, k->version);
	} else {
		_cleanup_free_ char *pending = xasprintf("%s/depmod-pending-%s-%s", ctx->dkms_tree,
							 k->version, k->arch);
		write_file_str(pending, "");
	}

	orig_k = xasprintf("%s/%s/original_module/%s", ctx->dkms_tree, m, k->version);
	if (was_active && is_dir(backup)) {
		dkms_info(ctx, "Removing original module(s) from DKMS tree for kernel %s (%s)", k->version, k->arch);
		beneath_rm_rf(ctx->dkms_tree, backup);
		if (dir_count_entries(orig_k) <= 0)
			beneath_rm_rf(ctx->dkms_tree, orig_k);
	}
	orig_root = xasprintf("%s/%s/original_module", ctx->dkms_tree, m);
	if (dir_count_entries(orig_root) <= 0)
		beneath_rm_rf(ctx->dkms_tree, orig_root);
	dkms_conf_release(&conf);
	return 0;
}

static bool has_exclusive_records(const struct dkms_ctx *ctx, const char *m, const char *v,
				  const struct dkms_kernel *k)
{
	_cleanup_free_ char *path = xasprintf("%s/%s/%s/source/dkms.conf", ctx->dkms_tree, m, v);
	struct dkms_conf conf;
	bool any = false;

	if (!is_file(path))
		return false;
	/* conf is releasable whatever the result: an invalid one too */
	if (dkms_conf_read(ctx, m, v, k, path, CONF_QUIET, &conf) < 0) {
		dkms_conf_release(&conf);
		return false;
	}
	for (size_t i = 0; i < conf.n_modules && !any; i++) {
		const struct dkms_conf_module *rec = &conf.modules[i];

		any = rec->excl_kernel || rec->excl_kernel_min || rec->excl_kernel_max ||
		      rec->excl_arch || rec->excl_config;
	}
	dkms_conf_release(&conf);
	return any;
}

int dkms_maybe_uninstall(const struct dkms_ctx *ctx, const char *m, const char *v,
			 const struct dkms_kernel *k)
{
	if (!tree_is_installed(ctx, m, v, k->version, k->arch)) {
		if (!has_exclusive_records(ctx, m, v, k))
			dkms_info(ctx, "Module %s/%s is not installed for kernel %s (%s). Skipping...", m, v,
				  k->version, k->arch);
		return 0;
	}
	return dkms_uninstall(ctx, m, v, k);
}

int dkms_unbuild(const struct dkms_ctx *ctx, const char *m, const char *v, const char *k, const char *a)
{
	_cleanup_free_ char *dir = tree_build_dir(ctx, m, v, k, a);
	_cleanup_free_ char *kdir = xasprintf("%s/%s/%s/%s", ctx->dkms_tree, m, v, k);
	int r = beneath_rm_rf(ctx->dkms_tree, dir);

	/* the kernel dir goes once no arch dir is left (temp dirs do not count) */
	rmdir_empty_beneath(ctx->dkms_tree, kdir);
	return r < 0 ? r : 0;
}

int dkms_maybe_unbuild(const struct dkms_ctx *ctx, const char *m, const char *v,
		       const struct dkms_kernel *k)
{
	if (!tree_is_built(ctx, m, v, k->version, k->arch)) {
		dkms_info(ctx, "Module %s/%s is not built for kernel %s (%s). Skipping...", m, v,
			  k->version, k->arch);
		return 0;
	}
	return dkms_unbuild(ctx, m, v, k->version, k->arch);
}

/* Remove leftover .tmp_* staging dirs of interrupted builds. */
static void clean_stale_staging(const struct dkms_ctx *ctx, const char *m, const char *v)
{
	_cleanup_free_ char *mv = tree_mv_dir(ctx, m, v);
	DIR *d = opendir(mv);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *kdir = NULL;
		DIR *kd;
		struct dirent *ke;

		if (de->d_name[0] == '.')
			continue;
		kdir = xasprintf("%s/%s", mv, de->d_name);
		kd = is_symlink(kdir) ? NULL : opendir(kdir);
		if (!kd)
			continue;
		while ((ke = readdir(kd))) {
			if (!strncmp(ke->d_name, ".tmp_", 5)) {
				_cleanup_free_ char *t = xasprintf("%s/%s", kdir, ke->d_name);
				beneath_rm_rf(ctx->dkms_tree, t);
			}
		}
		closedir(kd);
		if (dir_count_entries(kdir) == 0 && beneath_check(ctx->dkms_tree, kdir) == 0)
			rmdir(kdir);
	}
	closedir(d);
}

static int plain_uninstall(const struct dkms_ctx *ctx, const char *m, const char *v,
			   const struct dkms_kernel *k, void *userdata)
{
	(void)userdata;
	return dkms_maybe_uninstall(ctx, m, v, k);
}

int dkms_remove(const struct dkms_ctx *ctx, const char *m, const char *v,
		struct dkms_kernel *kernels, size_t n_kernels)
{
	return dkms_remove_with(ctx, m, v, kernels, n_kernels, plain_uninstall, NULL);
}

int dkms_remove_with(const struct dkms_ctx *ctx, const char *m, const char *v,
		     struct dkms_kernel *kernels, size_t n_kernels, dkms_uninstall_fn uninstall,
		     void *userdata)
{
	_cleanup_free_ char *mv = tree_mv_dir(ctx, m, v);
	_cleanup_free_ char *mdir = xasprintf("%s/%s", ctx->dkms_tree, m);
	bool keep = false;
	DIR *d;
	struct dirent *de;

	clean_stale_staging(ctx, m, v);
	for (size_t i = 0; i < n_kernels; i++) {
		int r = uninstall(ctx, m, v, &kernels[i], userdata);

		if (r)
			return r;
		r = dkms_maybe_unbuild(ctx, m, v, &kernels[i]);
		if (r)
			return r;
		dkms_info(ctx, "%s", "");
	}

	/* m/v goes once only build, tarball, driver_disk, rpm, deb, source remain */
	d = opendir(mv);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		static const char *const keepers[] = { "build", "tarball", "driver_disk", "rpm", "deb", "source" };
		bool known = false;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", mv, de->d_name);
		if (!is_dir(p))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(keepers); i++) {
			size_t kl = strlen(keepers[i]), nl = strlen(de->d_name);
			known |= nl >= kl && streq(de->d_name + nl - kl, keepers[i]);
		}
		if (!known)
			keep = true;
	}
	if (d)
		closedir(d);
	if (!keep) {
		_cleanup_free_ char *orig = xasprintf("%s/original_module", mdir);

		dkms_info(ctx, "Deleting module %s/%s completely from the DKMS tree.", m, v);
		/* beneath the DKMS tree: m/v through a planted symlink is not followed out */
		beneath_rm_rf(ctx->dkms_tree, mv);
		/* empty leftovers of an uninstall that was killed half-way */
		rmdir_empty_beneath(ctx->dkms_tree, orig);
	}
	if (dir_count_entries(mdir) == 0)
		beneath_rm_rf(ctx->dkms_tree, mdir);
	return 0;
}
