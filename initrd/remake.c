// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "initrd/fragment-inplace.h"
#include "initrd/generator.h"
#include "initrd/list.h"
#include "initrd/remake-impl.h"
#include "initrd/remake.h"
#include "invoke.h"
#include "util/failpoint.h"
#include "util/fileio.h"
#include "util/strbuf.h"

/* A generator that has not finished after this long is taken down. */
#define GENERATOR_TIMEOUT_MS (30 * 60 * 1000)

static const char *const mode_names[] = {
	[INITRD_MODE_AUTO] = "auto",
	[INITRD_MODE_REGENERATE] = "regenerate",
	[INITRD_MODE_FRAGMENT] = "fragment",
	[INITRD_MODE_NONE] = "none",
};

int initrd_mode_from_name(const char *name, enum initrd_mode *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++) {
		if (name && streq(name, mode_names[i])) {
			*ret = (enum initrd_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *initrd_mode_name(enum initrd_mode mode)
{
	return mode_names[mode];
}

char *initrd_find_image(const char *bootdir, const char *kernel)
{
	static const struct {
		const char *prefix, *suffix;
	} names[] = {
		{ "initrd.img-", "" },   /* Debian, Ubuntu */
		{ "initramfs-", ".img" }, /* Fedora, RHEL, Arch with dracut */
		{ "initrd-", ".img" },
		{ "initrd-", "" },       /* SUSE */
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = xasprintf("%s/%s%s%s", bootdir, names[i].prefix, kernel, names[i].suffix);

		if (is_file(p))
			return p;
		free(p);
	}
	return NULL;
}

void remake_modules_free(struct remake_module *mods, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(mods[i].name);
		free(mods[i].relpath);
	}
	free(mods);
}

static bool has_any(const struct initrd_listing *l, const char *const *paths)
{
	for (; *paths; paths++)
		if (initrd_listing_find(l, *paths))
			return true;
	return false;
}

void remake_probe_release(struct remake_probe *p)
{
	strbuf_release(&p->bytes);
	initrd_listing_release(&p->listing);
	strv_release(&p->names);
	strv_release(&p->relpaths);
	free(p->offsets);
	p->offsets = NULL;
	free(p->key);
	p->key = NULL;
}

int remake_probe(const char *image, const char *kernel, struct remake_probe *ret, struct strbuf *why)
{
	static const char *const modprobe[] = { "usr/sbin/modprobe", "sbin/modprobe", "usr/bin/kmod", "bin/kmod", NULL };
	static const char *const udevd[] = { "usr/lib/systemd/systemd-udevd", "lib/systemd/systemd-udevd",
					     "usr/sbin/udevd", "sbin/udevd", NULL };
	static const char *const itools[] = { "conf/initramfs.conf", NULL };
	static const char *const dracut[] = { "usr/lib/dracut-lib.sh", "lib/dracut-lib.sh",
					      "usr/lib/dracut/build-parameter.txt", NULL };
	static const char *const mkinitcpio[] = { "buildconfig", NULL };
	_cleanup_free_ char *alias = xasprintf("usr/lib/modules/%s/modules.alias", kernel);
	_cleanup_free_ char *alias_bin = xasprintf("usr/lib/modules/%s/modules.alias.bin", kernel);
	_cleanup_free_ char *dir = xasprintf("lib/modules/%s/", kernel);
	const char *const aliases[] = { alias, alias_bin, alias + 4, alias_bin + 4, NULL };
	struct initrd_listing *l = &ret->listing;
	struct initrd_image img = INITRD_IMAGE_INIT;
	int r = read_file(image, &ret->bytes);

	if (r < 0) {
		strbuf_addf(why, "cannot read: %s", strerror(-r));
		return r;
	}
	r = initrd_split(ret->bytes.buf, ret->bytes.len, &img, why);
	if (r >= 0)
		r = initrd_list_image(&img, l);
	if (r < 0)
		return r;
	ret->made_by = has_any(l, itools) ? INITRD_GENERATOR_INITRAMFS_TOOLS :
		       has_any(l, dracut) ? INITRD_GENERATOR_DRACUT :
		       has_any(l, mkinitcpio) ? INITRD_GENERATOR_MKINITCPIO : -1;
	ret->alias_loading = has_any(l, modprobe) && has_any(l, udevd) && has_any(l, aliases);
	ret->size = ret->bytes.len;
	ret->offsets = xcalloc(l->n_modules + 1, sizeof(*ret->offsets));
	for (size_t i = 0; i < l->n_modules; i++) {
		const struct initrd_module *m = &l->modules[i];
		const struct initrd_file *f = &l->files[m->file];
		const char *rel = strstr(f->path, dir);

		if (!streq(m->kernelver, kernel))
			continue;
		ret->offsets[ret->names.n] = l->image.segments[f->segment].offset;
		strv_push(&ret->names, m->name);
		strv_push(&ret->relpaths, rel ? rel + strlen(dir) : "");
	}
	return 0;
}

/*
 * The original below dkms's fragment in p's bytes: all of them without a
 * record; with one, when the bytes are the recorded original and fragment.
 */
static void find_original(struct remake_probe *p, const char *state_path)
{
	struct fragment_record rec = FRAGMENT_RECORD_INIT;
	const struct initrd_image *img = &p->listing.image;
	struct initrd_image orig = *img;
	char sha[SHA256_HEX_SIZE];
	int r = fragment_record_read(state_path, &rec);

	if (r == 0 && !rec.pending && rec.s.original_size + rec.s.added_size == p->bytes.len) {
		sha256_hex(p->bytes.buf, (size_t)rec.s.original_size, sha);
		p->have_original = streq(sha, rec.s.original_sha256);
		sha256_hex(p->bytes.buf + rec.s.original_size, (size_t)rec.s.added_size, sha);
		p->have_original &= streq(sha, rec.s.added_sha256);
		p->original_size = rec.s.original_size;
		memcpy(p->original_sha256, rec.s.original_sha256, SHA256_HEX_SIZE);
		orig.n = 0;
		while (orig.n < img->n && img->segments[orig.n].offset < p->original_size)
			orig.n++;
		orig.size = (size_t)p->original_size;
		orig.end = orig.n ? img->segments[orig.n - 1].offset + img->segments[orig.n - 1].size : 0;
	} else if (r == -ENOENT) {
		p->have_original = true;
		p->original_size = p->bytes.len;
		sha256_hex(p->bytes.buf, p->bytes.len, p->original_sha256);
	}
	if (p->have_original)
		p->padding = initrd_fragment_padding(&orig);
	fragment_record_release(&rec);
}

int remake_probe_image(const struct dkms_ctx *ctx, const char *image, const char *state_path, const char *kernel,
		       struct remake_probe *ret, struct strbuf *why)
{
	_cleanup_free_ char *key = image_key(image);
	int r;

	if (remake_cache_load(ctx, image, kernel, key, ret) == 0)
		return 0;
	r = remake_probe(image, kernel, ret, why);
	if (r < 0)
		return r;
	/* the key read before the bytes: a change in between makes the summary a miss */
	ret->key = TAKE_PTR(key);
	find_original(ret, state_path);
	remake_cache_store(ctx, image, kernel, ret);
	return 0;
}

int remake_probe_full(const char *image, const char *kernel, const struct remake_probe *p,
		      struct remake_probe *ret, struct strbuf *why)
{
	_cleanup_free_ char *key = NULL;
	int r = remake_probe(image, kernel, ret, why);

	if (r < 0 || !p->from_cache)
		return r;
	key = image_key(image);
	if (!key || !streq(key, p->key)) {
		strbuf_addstr(why, "it changed while it was read");
		return -ESTALE;
	}
	return 0;
}

static bool change_touches(const struct initrd_change *ch, const struct remake_probe *p)
{
	for (size_t i = 0; i < ch->n_added; i++)
		if (strv_contains(&p->names, ch->added[i].name))
			return true;
	for (size_t i = 0; i < ch->n_removed; i++)
		if (strv_contains(&p->names, ch->removed[i].name))
			return true;
	return false;
}

/* Empty when the new image has every added module and none of the removed ones. */
static void check_modules(const struct initrd_change *ch, const struct remake_probe *p, struct strbuf *why)
{
	for (size_t i = 0; i < ch->n_added; i++)
		if (!strv_contains(&p->relpaths, ch->added[i].relpath))
			strbuf_addf(why, "%sit lacks %s", why->len ? "; " : "", ch->added[i].relpath);
	for (size_t i = 0; i < ch->n_removed; i++) {
		bool readded = false;

		for (size_t j = 0; j < ch->n_added && !readded; j++)
			readded = streq(ch->added[j].relpath, ch->removed[i].relpath);
		if (!readded && strv_contains(&p->relpaths, ch->removed[i].relpath))
			strbuf_addf(why, "%sit still holds %s", why->len ? "; " : "", ch->removed[i].relpath);
	}
}

/*
 * Remove what a killed run left, under the bootdir lock: our temp dirs
 * (TEMP_PREFIX*), the temp files the fragment writer makes beside an image
 * (<image>.dkms-XXXXXX) and those of its record (write_file_atomic's
 * <image>.dkms-fragment.tmpXXXXXX).
 */
#define RECORD_TEMP ".dkms-fragment.tmp"

static void remove_stale(const char *bootdir)
{
	DIR *d = opendir(bootdir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = xasprintf("%s/%s", bootdir, de->d_name);
		const char *tail = strstr(de->d_name, ".dkms-");

		if (!strncmp(de->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX))) {
			rm_rf(p);
		} else if (tail && !strncmp(tail, RECORD_TEMP, strlen(RECORD_TEMP)) &&
			   strlen(tail) == strlen(RECORD_TEMP) + 6 && !is_symlink(p)) {
			unlink(p);
		} else if (tail && strlen(tail) == strlen(".dkms-") + 6 && !is_symlink(p)) {
			_cleanup_free_ char *image = xstrndup(p, strlen(p) - strlen(tail));

			if (is_file(image))
				unlink(p);
		}
	}
	if (d)
		closedir(d);
}

static int fsync_path(const char *path, int flags)
{
	_cleanup_close_ int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
}

/*
 * <image>.old-dkms becomes the current image, without copying: a hard link
 * made in tmpdir and renamed over the old backup (a copy where links are
 * not possible, e.g. vfat).
 */
static int keep_backup(const char *image, const char *tmpdir)
{
	_cleanup_free_ char *backup = xasprintf("%s.old-dkms", image);
	_cleanup_free_ char *link_tmp = xasprintf("%s/old", tmpdir);

	if (link(image, link_tmp) == 0)
		return rename(link_tmp, backup) < 0 ? -errno : 0;
	return copy_file(image, backup);
}

/* Put tmp in place of image, keeping the old one as .old-dkms. */
static int swap_in(const char *image, const char *tmp, const char *tmpdir, struct strbuf *why)
{
	_cleanup_free_ char *dir = dir_of(image);
	struct stat st;
	int r;

	if (stat(image, &st) == 0) {
		/* the new image gets the old one's permissions (dracut makes 0600 files) */
		if (chmod(tmp, st.st_mode & 07777) < 0 || (chown(tmp, st.st_uid, st.st_gid) < 0 && errno != EPERM)) {
			strbuf_addf(why, "cannot set the mode of %s: %s", tmp, strerror(errno));
			return -errno;
		}
	}
	r = fsync_path(tmp, O_RDONLY);
	if (r < 0) {
		strbuf_addf(why, "cannot write %s: %s", tmp, strerror(-r));
		return r;
	}
	failpoint("initrd:image-temp-written");
	r = keep_backup(image, tmpdir);
	if (r < 0) {
		strbuf_addf(why, "cannot keep %s.old-dkms: %s", image, strerror(-r));
		return r;
	}
	if (rename(tmp, image) < 0) {
		r = -errno;
		strbuf_addf(why, "cannot rename %s to %s: %s", tmp, image, strerror(-r));
		return r;
	}
	fsync_path(dir, O_RDONLY | O_DIRECTORY);
	failpoint("initrd:image-renamed");
	return 0;
}

static int open_log(const char *log, const char *command)
{
	int fd;
	time_t now = time(NULL);
	char date[64];

	if (!log)
		return -1;
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", localtime(&now));
	dprintf(fd, "# %s: %s\n", date, command);
	return fd;
}

static int regenerate(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image,
		      int made_by)
{
	struct initrd_generator gen = { INITRD_GENERATOR_CUSTOM, NULL, NULL };
	_cleanup_free_ char *dir = dir_of(image), *tmpdir = NULL, *tmp = NULL, *bad = NULL;
	_cleanup_free_ char *desc = NULL, *command = NULL;
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	_cleanup_strv_ struct strv argv = STRV_INIT;
	_cleanup_close_ int log_fd = -1;
	struct remake_probe p = REMAKE_PROBE_INIT;
	struct initrd_generator_vars vars = {
		.kernel = ch->kernel, .bootdir = ch->bootdir, .moduledir = ch->moduledir,
		.sysconfdir = ch->sysconfdir,
	};
	int r;

	r = initrd_generator_pick(ch->generator, made_by, ch->sysconfdir, &gen);
	if (r == -ENOENT) {
		dkms_error(ctx, "Cannot update %s: no initrd generator found (dracut, mkinitramfs, mkinitcpio);\n"
			   "set initrd_generator in framework.conf.", image);
		return r;
	}
	tmpdir = xasprintf("%s/" TEMP_PREFIX "XXXXXX", dir);
	if (!mkdtemp(tmpdir)) {
		r = -errno;
		dkms_error(ctx, "Cannot update %s: cannot create a temporary directory in %s: %s", image, dir,
			   strerror(-r));
		goto out;
	}
	tmp = xasprintf("%s/%s", tmpdir, strrchr(image, '/') + 1);
	vars.image = tmp;
	r = initrd_generator_expand(gen.template, &vars, &argv, &bad);
	if (r < 0) {
		dkms_error(ctx, "Invalid initrd_generator '%s': %s", gen.template, bad);
		goto out;
	}
	command = strv_join(&argv, " ");
	desc = xasprintf("Regenerating %s with %s", image, gen.name);
	log_fd = open_log(ch->log, command);
	invoke_announce(ctx, command, desc);
	r = initrd_generator_run(&gen, &vars, log_fd, GENERATOR_TIMEOUT_MS, NULL);
	invoke_report(ctx, r, command);
	if (r != 0) {
		const char *where = ch->log ? ch->log : "";

		if (r == -ENOENT)
			dkms_error(ctx, "%s: command not found; %s is unchanged.", argv.v[0], image);
		else if (r == -ETIME)
			dkms_error(ctx, "%s did not finish for kernel %s within %d minutes; %s is unchanged.",
				   gen.name, ch->kernel, GENERATOR_TIMEOUT_MS / 60000, image);
		else
			dkms_error(ctx, "%s failed for kernel %s (exit status %d); %s is unchanged.%s%s",
				   gen.name, ch->kernel, r < 0 ? 127 : r, image,
				   *where ? "\nIts output is in " : "", where);
		r = r < 0 ? r : -EIO;
		goto out;
	}
	if (!is_file(tmp)) {
		dkms_error(ctx, "%s wrote no image for kernel %s; %s is unchanged.", gen.name, ch->kernel, image);
		r = -ENOENT;
		goto out;
	}
	r = remake_probe(tmp, ch->kernel, &p, &why);
	if (r < 0) {
		dkms_error(ctx, "The image %s made for kernel %s is unreadable: %s; %s is unchanged.", gen.name,
			   ch->kernel, why.buf, image);
		goto out;
	}
	check_modules(ch, &p, &why);
	if (why.len) {
		dkms_error(ctx, "The image %s made for kernel %s is not right: %s; %s is unchanged.\n"
			   "Use MODULES_CONF_ALIAS_TYPE in dkms.conf or the generator's configuration to include it.",
			   gen.name, ch->kernel, why.buf, image);
		r = -ENOMSG;
		goto out;
	}
	r = swap_in(image, tmp, tmpdir, &why);
	if (r < 0) {
		dkms_error(ctx, "Cannot update %s: %s; it is unchanged.", image, why.buf);
		goto out;
	}
	dkms_info(ctx, "The previous initrd is kept as %s.old-dkms", image);
out:
	if (tmpdir)
		rm_rf(tmpdir);
	remake_probe_release(&p);
	initrd_generator_release(&gen);
	return r;
}

static int lock_bootdir(const struct dkms_ctx *ctx, const char *bootdir)
{
	int fd = open(bootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		int r = -errno;

		dkms_error(ctx, "Cannot use %s: %s", bootdir, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

int initrd_cleanup(const struct dkms_ctx *ctx, const char *bootdir)
{
	int lock;

	if (!is_dir(bootdir))
		return 0;
	lock = lock_bootdir(ctx, bootdir);
	if (lock < 0)
		return lock;
	remove_stale(bootdir);
	close(lock);
	return 0;
}

int initrd_update(const struct dkms_ctx *ctx, const struct initrd_change *ch, bool *ret_updated)
{
	_cleanup_free_ char *image = NULL, *state_path = NULL;
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	_cleanup_close_ int lock = -1;
	struct remake_probe p = REMAKE_PROBE_INIT;
	enum initrd_mode mode = ch->mode;
	int r;

	if (ret_updated)
		*ret_updated = false;
	if ((!ch->n_added && !ch->n_removed) || ch->mode == INITRD_MODE_NONE || !is_dir(ch->bootdir))
		return 0;
	lock = lock_bootdir(ctx, ch->bootdir);
	if (lock < 0)
		return lock;
	remove_stale(ch->bootdir);
	image = initrd_find_image(ch->bootdir, ch->kernel);
	if (!image)
		return 0; /* made later by the kernel's own hooks, from the modules as installed now */

	state_path = xasprintf("%s" STATE_SUFFIX, image);
	/* what a killed change in place left, before anything reads the image */
	r = fragment_settle(image, state_path, &why);
	if (r < 0) {
		dkms_error(ctx, "Cannot finish the interrupted change of %s: %s", image, why.buf);
		goto out;
	}
	strbuf_reset(&why);
	if (mode == INITRD_MODE_FRAGMENT || mode == INITRD_MODE_AUTO) {
		/* a fragment of dkms's on the image, all of it taken off: no probe needed */
		r = remake_fragment_restore(ctx, ch, image);
		if (r <= 0)
			goto done;
	}
	r = remake_probe_image(ctx, image, state_path, ch->kernel, &p, &why);
	if (r < 0) {
		/* regeneration does not need the old image; the other modes do */
		if (ch->remake && mode == INITRD_MODE_REGENERATE) {
			dkms_warn(ctx, "Cannot read %s: %s; making a new one.", image, why.buf);
		} else if (ch->remake) {
			dkms_error(ctx, "Cannot read %s: %s; it is unchanged.", image, why.buf);
			goto out;
		} else {
			dkms_warn(ctx, "Cannot read %s: %s; not checked for the modules, unchanged.", image,
				  why.buf);
			r = 0;
			goto out;
		}
	} else if (!ch->remake && !change_touches(ch, &p)) {
		r = 0;
		goto out;
	}
	if (mode == INITRD_MODE_AUTO)
		mode = p.alias_loading ? INITRD_MODE_FRAGMENT : INITRD_MODE_REGENERATE;
	if (mode == INITRD_MODE_FRAGMENT) {
		r = remake_fragment(ctx, ch, image, &p);
		if (r <= 0)
			goto done;
	}
	r = regenerate(ctx, ch, image, p.made_by);
done:
	if (r == 0 && ret_updated)
		*ret_updated = true;
out:
	remake_probe_release(&p);
	return r;
}
