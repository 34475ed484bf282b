// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The initramfs fragment: a cpio that, appended to any initrd of kernel K,
 * adds the package's modules under lib/modules/K/<dest>/ and replaces the
 * module index (modules.dep, modules.alias, modules.symbols, modules.softdep,
 * the builtin lists and their .bin forms), so modprobe in that initrd finds
 * the new driver by its PCI alias and loads its dependencies from the base
 * image. The index is made by depmod over a staging tree holding every
 * module of K (<installtree>/K, or exactly the base image's with --initrd)
 * plus the new ones.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/cpio.h"
#include "formats/format.h"
#include "formats/initramfs.h"
#include "modmeta.h"
#include "util/fileio.h"
#include "util/spawn.h"

/* Files of K's module dir that depmod reads but does not write. */
static const char *const kernel_lists[] = { "modules.builtin", "modules.builtin.modinfo",
					    "modules.order" };

static bool is_kernel_list(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kernel_lists); i++)
		if (streq(name, kernel_lists[i]))
			return true;
	return false;
}

static bool is_module_file(const char *name)
{
	const char *ko = strstr(name, ".ko");

	return ko && (streq(ko, ".ko") || streq(ko, ".ko.xz") || streq(ko, ".ko.gz") ||
		      streq(ko, ".ko.zst"));
}

/*
 * Mirror the modules under src into dst as symlinks (depmod follows them),
 * so the stage costs no copies; top: K's own dir, where only the kernel's
 * lists are taken (the index is made anew) and build/source are skipped.
 */
static int mirror_modules(const char *src, const char *dst, bool top)
{
	DIR *d = opendir(src);
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	r = mkdir_p(dst, 0755);
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *from = NULL, *to = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (top && (streq(de->d_name, "build") || streq(de->d_name, "source")))
			continue;
		from = xasprintf("%s/%s", src, de->d_name);
		to = xasprintf("%s/%s", dst, de->d_name);
		if (stat(from, &st) < 0)
			continue; /* a dangling link is no module */
		if (S_ISDIR(st.st_mode))
			r = mirror_modules(from, to, false);
		else if (top && is_kernel_list(de->d_name))
			r = copy_file(from, to);
		else if (S_ISREG(st.st_mode) && is_module_file(de->d_name)) {
			_cleanup_free_ char *abs = canonical_path(from);

			r = abs && symlink(abs, to) == 0 ? 0 : -errno;
		}
	}
	closedir(d);
	return r;
}

/* Remove same-named modules outside kernel/ from the stage: the new one replaces them. */
static void drop_other_copies(const char *dir, const char *name, const char *keep, bool top)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		const char *ko = strstr(de->d_name, ".ko");
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
		    (top && streq(de->d_name, "kernel")))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			drop_other_copies(p, name, keep, false);
		else if (ko && is_module_file(de->d_name) && strlen(name) == (size_t)(ko - de->d_name) &&
			 !strncmp(de->d_name, name, strlen(name)) && !streq(p, keep))
			unlink(p);
	}
	closedir(d);
}

static char *module_file_name(const struct dud_module *m)
{
	const char *base = strrchr(m->path, '/');

	return xstrdup(base ? base + 1 : m->path);
}

/* "lib/modules/K/<dest>/<file>" with dest's slashes normalised. */
static char *module_dest(const char *kernelver, const struct dud_module *m)
{
	_cleanup_free_ char *file = module_file_name(m);
	const char *dest = m->dest ?: "/updates/dkms";

	while (*dest == '/')
		dest++;
	return *dest ? xasprintf("lib/modules/%s/%s/%s", kernelver, dest, file)
		     : xasprintf("lib/modules/%s/%s", kernelver, file);
}

static int run_depmod(const struct dkms_ctx *ctx, const char *stage, const struct dud_kernel *k)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	struct child c = CHILD_INIT;
	int r;

	strv_push(&c.args, "depmod");
	strv_pushf(&c.args, "-b%s", stage);
	strv_push(&c.args, "-a");
	strv_push(&c.args, k->kernelver);
	c.capture = &out;
	c.err_fd = -2;
	c.in_fd = -2;
	r = child_run(&c);
	child_release(&c);
	if (r != 0) {
		strbuf_rtrim_newlines(&out);
		dkms_error(ctx, "depmod for the initramfs fragment of kernel %s failed (%s):\n%s",
			   k->kernelver, r < 0 ? strerror(-r) : "non-zero exit", out.buf);
		return r < 0 ? r : -EIO;
	}
	return 0;
}

/*
 * A base initrd made by hand (a PXE image) may lack the kernel's lists.
 * depmod makes modules.builtin.bin only from modules.builtin, and modprobe
 * reads it to tell a built-in module from a missing one: take the kernel's
 * own lists from its installed module dir, and where there is none, an
 * empty modules.builtin, which tells modprobe what the base alone did
 * (nothing is built in).
 */
static int complete_kernel_lists(const struct dkms_ctx *ctx, const struct dud_kernel *k, const char *moddir)
{
	for (size_t i = 0; i < ARRAY_SIZE(kernel_lists); i++) {
		_cleanup_free_ char *have = xasprintf("%s/%s", moddir, kernel_lists[i]);
		_cleanup_free_ char *from = xasprintf("%s/%s", k->install_dir, kernel_lists[i]);
		int r = 0;

		if (is_file(have))
			continue;
		if (is_file(from))
			r = copy_file(from, have);
		else if (streq(kernel_lists[i], "modules.builtin"))
			r = write_file_str(have, "");
		if (r < 0) {
			dkms_error(ctx, "Cannot stage %s: %s", have, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* The staging tree's module dir for k, filled with the base's modules and the new ones. */
static int stage_kernel(const struct dud_request *req, const struct dud_kernel *k,
			const char *stage)
{
	const struct dkms_ctx *ctx = req->ctx;
	_cleanup_free_ char *moddir = xasprintf("%s/lib/modules/%s", stage, k->kernelver);
	_cleanup_free_ char *usr = xasprintf("%s/usr", stage);
	_cleanup_free_ char *usrlib = xasprintf("%s/usr/lib", stage);
	int r;

	/* a depmod built with its module dir in /usr/lib/modules finds the same tree */
	r = mkdir_p(usr, 0755);
	if (r >= 0 && symlink("../lib", usrlib) < 0)
		r = -errno;
	if (r < 0)
		return r;
	if (req->initrd_base_dir) {
		_cleanup_free_ char *base = xasprintf("%s/lib/modules/%s", req->initrd_base_dir,
						      k->kernelver);

		/* exactly the base image's modules, as cmd unpacked them */
		r = mirror_modules(base, moddir, true);
		if (r < 0) {
			dkms_error(ctx, "Cannot stage the modules of %s: %s", base, strerror(-r));
			return r;
		}
		r = complete_kernel_lists(ctx, k, moddir);
		if (r < 0)
			return r;
	} else {
		_cleanup_free_ char *kdir = xasprintf("%s/kernel", k->install_dir);

		/* without the kernel's modules the index could not resolve a dependency */
		if (!is_dir(kdir)) {
			dkms_error(ctx, "The modules of kernel %s are not installed (no %s): the fragment's index "
					"must cover them. Install the kernel's modules, or name the initrd the "
					"fragment is for with --initrd.",
				   k->kernelver, kdir);
			return -ENOENT;
		}
		r = mirror_modules(k->install_dir, moddir, true);
		if (r < 0) {
			dkms_error(ctx, "Cannot stage the modules of %s: %s", k->install_dir, strerror(-r));
			return r;
		}
	}
	for (size_t i = 0; i < k->n_modules; i++) {
		const struct dud_module *m = &k->modules[i];
		_cleanup_free_ char *dest = module_dest(k->kernelver, m);
		_cleanup_free_ char *path = xasprintf("%s/%s", stage, dest);
		_cleanup_free_ char *parent = xstrdup(path);

		*strrchr(parent, '/') = '\0';
		drop_other_copies(moddir, m->name, path, true);
		unlink(path);
		r = mkdir_p(parent, 0755);
		if (r >= 0 && symlink(m->path, path) < 0)
			r = -errno;
		if (r < 0) {
			dkms_error(ctx, "Cannot stage %s: %s", m->path, strerror(-r));
			return r;
		}
	}
	return run_depmod(ctx, stage, k);
}

/* The index files depmod wrote and the kernel's lists, into the payload. */
static int add_index(struct payload *out, const char *moddir, const char *kernelver)
{
	DIR *d = opendir(moddir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *src = NULL, *dst = NULL;
		size_t len = strlen(de->d_name);

		/* the old modules.*map files are not used (initramfs-tools drops them too) */
		if (strncmp(de->d_name, "modules.", 8) || (len > 3 && streq(de->d_name + len - 3, "map")))
			continue;
		src = xasprintf("%s/%s", moddir, de->d_name);
		if (!is_file(src) || is_symlink(src))
			continue;
		dst = xasprintf("lib/modules/%s/%s", kernelver, de->d_name);
		r = payload_add_file(out, dst, 0644, src);
	}
	closedir(d);
	return r;
}

int initramfs_fragment_payload(const struct dud_kernel *k, const char *index_dir, struct payload *out)
{
	int r;

	for (size_t j = 0; j < k->n_modules; j++) {
		_cleanup_free_ char *dest = module_dest(k->kernelver, &k->modules[j]);

		r = payload_add_file(out, dest, 0644, k->modules[j].path);
		if (r < 0)
			return r;
	}
	r = add_index(out, index_dir, k->kernelver);
	if (r < 0)
		return r;
	cpio_drop_usr_link_dirs(out);
	return 0;
}

static int initramfs_make(const struct dud_request *req, struct payload *out)
{
	int r;

	for (size_t i = 0; i < req->n_kernels; i++) {
		const struct dud_kernel *k = &req->kernels[i];
		_cleanup_free_ char *stage = xasprintf("%s/initramfs-%s", req->workdir, k->kernelver);
		_cleanup_free_ char *moddir = xasprintf("%s/lib/modules/%s", stage, k->kernelver);

		r = stage_kernel(req, k, stage);
		if (r < 0)
			return r;
		r = initramfs_fragment_payload(k, moddir, out);
		if (r < 0) {
			dkms_error(req->ctx, "Cannot add the modules of %s and their index to the fragment: %s",
				   k->kernelver, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* The module dirs of an unpacked fragment: [usr/]lib/modules/<K>. */
static void module_dirs(const char *root, struct strv *ret)
{
	static const char *const bases[] = { "lib/modules", "usr/lib/modules" };

	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", root, bases[i]);
		DIR *d = opendir(dir);
		struct dirent *de;

		if (!d)
			continue;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				strv_pushf(ret, "%s/%s", bases[i], de->d_name);
		closedir(d);
	}
	strv_sort(ret);
}

static bool initramfs_detect(const char *root)
{
	_cleanup_strv_ struct strv dirs = STRV_INIT;

	module_dirs(root, &dirs);
	for (size_t i = 0; i < dirs.n; i++) {
		_cleanup_free_ char *dep = xasprintf("%s/%s/modules.dep", root, dirs.v[i]);
		_cleanup_free_ char *bin = xasprintf("%s/%s/modules.dep.bin", root, dirs.v[i]);

		if (is_file(dep) || is_file(bin))
			return true;
	}
	return false;
}

/* Every *.ko* below dir, as paths relative to base. */
static void find_modules(const char *base, const char *rel, struct strv *ret)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", base, rel);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL, *full = NULL;

		if (de->d_name[0] == '.')
			continue;
		sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		full = xasprintf("%s/%s", base, sub);
		if (is_dir(full))
			find_modules(base, sub, ret);
		else if (is_module_file(de->d_name))
			strv_push(ret, sub);
	}
	closedir(d);
}

/* True when text has a line that starts with prefix. */
static bool has_line_prefix(const struct strbuf *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text->buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return true;
	return false;
}

static void check_kernel_dir(const char *root, const char *dir, const struct dud_check_opts *o,
			     struct dud_report *rep)
{
	static const char *const index[] = { "modules.dep",	    "modules.dep.bin",
					     "modules.alias",	    "modules.alias.bin",
					     "modules.symbols",	    "modules.symbols.bin",
					     "modules.softdep",	    "modules.builtin",
					     "modules.builtin.bin" };
	const char *kernelver = strrchr(dir, '/') + 1;
	_cleanup_free_ char *base = xasprintf("%s/%s", root, dir);
	_cleanup_free_ char *dep_path = xasprintf("%s/modules.dep", base);
	_cleanup_free_ char *alias_path = xasprintf("%s/modules.alias", base);
	_cleanup_strbuf_ struct strbuf dep = STRBUF_INIT, alias = STRBUF_INIT;
	_cleanup_strv_ struct strv mods = STRV_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(index); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", base, index[i]);

		if (!is_file(p))
			dud_report_problem(rep, "%s/%s: missing (modprobe reads the module index)", dir,
					   index[i]);
	}
	(void)read_file(dep_path, &dep);
	(void)read_file(alias_path, &alias);
	find_modules(base, "", &mods);
	strv_sort(&mods);
	if (!mods.n)
		dud_report_problem(rep, "%s: no kernel modules", dir);
	for (size_t i = 0; i < mods.n; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", base, mods.v[i]);
		_cleanup_free_ char *line = xasprintf("%s:", mods.v[i]);
		_cleanup_free_ char *built_for = NULL;
		struct module_meta meta = { 0 };
		int r = module_meta_read(path, &meta);

		if (r < 0) {
			dud_report_problem(rep, "%s/%s: not a kernel module (%s)", dir, mods.v[i],
					   strerror(-r));
			continue;
		}
		built_for = module_meta_kernel(&meta);
		if (!built_for || !streq(built_for, kernelver))
			dud_report_problem(rep, "%s/%s: built for kernel %s, not %s", dir, mods.v[i],
					   built_for ?: "(no vermagic)", kernelver);
		if (dep.len && !has_line_prefix(&dep, line))
			dud_report_problem(rep, "%s/modules.dep: does not list %s", dir, mods.v[i]);
		for (size_t j = 0; alias.len && j < meta.aliases.n; j++) {
			_cleanup_free_ char *want = xasprintf("alias %s %s", meta.aliases.v[j], meta.name);

			if (!has_line_prefix(&alias, want)) {
				dud_report_problem(rep, "%s/modules.alias: lacks %s's alias %s", dir,
						   meta.name, meta.aliases.v[j]);
				break;
			}
		}
		if (!o->kernelver || streq(o->kernelver, kernelver))
			strv_pushf(&rep->drivers, "%s (%s/%s)", meta.name, dir, mods.v[i]);
		module_meta_release(&meta);
	}
}

static int initramfs_check(const char *root, const struct dud_check_opts *o,
			   struct dud_report *rep)
{
	_cleanup_strv_ struct strv dirs = STRV_INIT;
	bool any = false;

	free(rep->format);
	rep->format = xstrdup("initramfs");
	module_dirs(root, &dirs);
	for (size_t i = 0; i < dirs.n; i++) {
		const char *k = strrchr(dirs.v[i], '/') + 1;

		if (o->kernelver && !streq(o->kernelver, k))
			continue;
		check_kernel_dir(root, dirs.v[i], o, rep);
		any = true;
	}
	if (!any)
		dud_report_problem(rep, "lib/modules/%s: missing: the fragment holds no modules for that kernel",
				   o->kernelver ?: "<kernel>");
	return 0;
}

const struct dud_format dud_format_initramfs = {
	.name = "initramfs",
	.description = "initramfs fragment: modules and a module index, appended to an initrd of the kernel",
	.media = 1u << DUD_MEDIUM_CPIO,
	.default_medium = DUD_MEDIUM_CPIO,
	.needs_release = false,
	.takes_initrd_base = true,
	.make = initramfs_make,
	.detect = initramfs_detect,
	.check = initramfs_check,
};
