// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REMAKE_INITRD's fragment mode. dkms keeps at most one fragment on an
 * image: the original bytes, then one compressed cpio with every module
 * dkms put there for the kernel, a module index over the original's
 * modules plus those, and dkms's modprobe.d files. The index is the one
 * dkms's depmod just wrote for the kernel's module dir when that fits the
 * image (tree_index_fits), else depmod's over a stage of the image's
 * modules. The image is read and decoded once, by the probe; the append
 * writes from those bytes. A change makes the new fragment first, then takes
 * the old one off and appends the new one (fragment.h: temp file, fsync,
 * rename; the record <image>.dkms-fragment holds the original length and
 * SHA-256). When the last module goes, the image is back to its original
 * bytes and the record is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/cpio.h"
#include "formats/format.h"
#include "formats/initramfs.h"
#include "initrd/fragment.h"
#include "initrd/remake-impl.h"
#include "invoke.h"
#include "kernel.h"
#include "util/fileio.h"

#define STATE_SUFFIX ".dkms-fragment"

/* Files of the kernel's module dir that depmod reads but does not make. */
static const char *const kernel_lists[] = { "modules.builtin", "modules.builtin.modinfo", "modules.order" };

struct fragment_plan {
	bool have_state;          /* a record that matches the image */
	struct fragment_state state;
	struct strv keep;         /* relpaths of modules in dkms's fragment now */
	struct strv keep_names;
	struct strv base;         /* relpaths of the original's modules */
};

static void plan_release(struct fragment_plan *fp)
{
	strv_release(&fp->keep);
	strv_release(&fp->keep_names);
	strv_release(&fp->base);
}

static const char *relpath_of(const char *path, const char *kernel)
{
	_cleanup_free_ char *dir = xasprintf("lib/modules/%s/", kernel);
	const char *rel = strstr(path, dir);

	return rel ? rel + strlen(dir) : NULL;
}

/* Split the image's modules into the original's and those of dkms's fragment. */
static void make_plan(const struct remake_probe *p, const char *kernel, struct fragment_plan *fp)
{
	const struct initrd_listing *l = &p->listing;

	for (size_t i = 0; i < l->n_modules; i++) {
		const struct initrd_module *m = &l->modules[i];
		const struct initrd_file *f = &l->files[m->file];
		const char *rel = relpath_of(f->path, kernel);
		bool ours = fp->have_state && l->image.segments[f->segment].offset >= fp->state.original_size;

		if (!streq(m->kernelver, kernel) || !rel)
			continue;
		if (ours) {
			strv_push(&fp->keep, rel);
			strv_push(&fp->keep_names, m->name);
		} else {
			strv_push(&fp->base, rel);
		}
	}
}

/* A file of the stage (a temp dir: no need to sync). */
static int write_data(const char *path, const void *data, size_t len)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int fd = -1;
	const char *p = data;

	*strrchr(dir, '/') = '\0';
	if (mkdir_p(dir, 0755) < 0)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The original's modules under stage/lib/modules/<kernel>/: links to the
 * same files in the kernel's module dir (depmod reads them there, nothing
 * is copied), or their bytes from the image where the tree lacks one.
 */
static int stage_base(const struct initrd_change *ch, const struct remake_probe *p,
		      const struct fragment_plan *fp, const char *moddir)
{
	const struct initrd_listing *l = &p->listing;
	_cleanup_free_ char *kdir = xasprintf("%s/kernel", moddir);
	_cleanup_free_ char *tree = canonical_path(ch->moduledir);
	int r = mkdir_p(kdir, 0755);

	for (size_t i = 0; i < fp->base.n && r >= 0; i++) {
		_cleanup_free_ char *src = xasprintf("%s/%s", ch->moduledir, fp->base.v[i]);
		_cleanup_free_ char *dst = xasprintf("%s/%s", moddir, fp->base.v[i]);
		_cleanup_free_ char *dir = xstrdup(dst);

		*strrchr(dir, '/') = '\0';
		r = mkdir_p(dir, 0755);
		if (r < 0)
			break;
		if (tree && is_file(src)) {
			_cleanup_free_ char *abs = xasprintf("%s/%s", tree, fp->base.v[i]);

			r = symlink(abs, dst) == 0 ? 0 : -errno;
		} else {
			_cleanup_free_ char *in = xasprintf("lib/modules/%s/%s", ch->kernel, fp->base.v[i]);
			const struct initrd_file *f = initrd_listing_find(l, in);

			r = f ? write_data(dst, f->data, f->size) : -ENOENT;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(kernel_lists) && r >= 0; i++) {
		_cleanup_free_ char *in = xasprintf("lib/modules/%s/%s", ch->kernel, kernel_lists[i]);
		_cleanup_free_ char *dst = xasprintf("%s/%s", moddir, kernel_lists[i]);
		_cleanup_free_ char *src = xasprintf("%s/%s", ch->moduledir, kernel_lists[i]);
		const struct initrd_file *f = initrd_listing_find(l, in);

		if (f && S_ISREG(f->mode))
			r = write_data(dst, f->data, f->size);
		else if (is_file(src))
			r = copy_file(src, dst);
	}
	return r;
}

static void add_module(struct dud_kernel *k, const char *name, const char *moduledir, const char *relpath)
{
	struct dud_module *m;
	const char *slash = strrchr(relpath, '/');

	k->modules = xrealloc(k->modules, (k->n_modules + 1) * sizeof(*k->modules));
	m = &k->modules[k->n_modules++];
	m->name = xstrdup(name);
	m->path = xasprintf("%s/%s", moduledir, relpath);
	m->dest = slash ? xasprintf("/%.*s", (int)(slash - relpath), relpath) : xstrdup("/");
}

static bool removed(const struct initrd_change *ch, const char *relpath)
{
	for (size_t i = 0; i < ch->n_removed; i++)
		if (streq(ch->removed[i].relpath, relpath))
			return true;
	return false;
}

static bool added(const struct initrd_change *ch, const char *relpath)
{
	for (size_t i = 0; i < ch->n_added; i++)
		if (streq(ch->added[i].relpath, relpath))
			return true;
	return false;
}

/* CONFIG_RD_ZSTD=y in the kernel's config (<bootdir>/config-<k>, else <moduledir>/build/.config). */
static bool kernel_reads_zstd(const struct initrd_change *ch)
{
	_cleanup_free_ char *boot = xasprintf("%s/config-%s", ch->bootdir, ch->kernel);
	_cleanup_free_ char *build = xasprintf("%s/build/.config", ch->moduledir);
	_cleanup_(kernel_config_release) struct kernel_config kc = KERNEL_CONFIG_INIT;

	if (!kernel_config_load(&kc, boot) && !kernel_config_load(&kc, build))
		return false;
	return kernel_config_reads_zstd(&kc);
}

/*
 * dkms's modprobe.d files (MODULES_CONF_ALIAS_TYPE aliases, MODULES_CONF
 * lines: modules-conf.h) go into the fragment too, so that modprobe in the
 * initrd applies them when it loads the modules by alias.
 */
static int add_modprobe_files(const char *sysconfdir, struct payload *p)
{
	_cleanup_free_ char *dir = xasprintf("%s/modprobe.d", sysconfdir);
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *src = NULL, *dst = NULL;
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "dkms-", 5) || len < 5 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		src = xasprintf("%s/%s", dir, de->d_name);
		dst = xasprintf("etc/modprobe.d/%s", de->d_name);
		if (is_file(src))
			r = payload_add_file(p, dst, 0644, src);
	}
	closedir(d);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* v sorted (strv_sort) holds s. */
static bool sorted_has(const struct strv *v, const char *s)
{
	return v->n && bsearch(&s, v->v, v->n, sizeof(*v->v), cmp_str);
}

/* The module name of a path under the module dir: "a/b/megaraid_sas.ko.xz" -> "megaraid_sas". */
static char *name_of(const char *relpath)
{
	const char *base = strrchr(relpath, '/'), *ko;

	base = base ? base + 1 : relpath;
	ko = strstr(base, ".ko");
	return xstrndup(base, ko ? (size_t)(ko - base) : strlen(base));
}

/* The module paths modules.dep in moduledir lists, sorted. */
static int index_keys(const char *moduledir, struct strv *ret)
{
	_cleanup_free_ char *path = xasprintf("%s/modules.dep", moduledir);
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	int r = read_file(path, &text);

	if (r < 0)
		return r;
	for (char *line = text.buf; *line;) {
		char *end = strchrnul(line, '\n'), *colon = memchr(line, ':', (size_t)(end - line));

		if (colon)
			strv_push_take(ret, xstrndup(line, (size_t)(colon - line)));
		line = *end ? end + 1 : end;
	}
	strv_sort(ret);
	return 0;
}

/*
 * Whether the index dkms's depmod wrote in the kernel's module dir (install
 * and uninstall run it before the initrd step) is right for the image with
 * the fragment: it lists every module of the original and of the fragment
 * at the path it has there, and for each of their names no other file (a
 * module elsewhere in the tree that would be chosen over the image's copy,
 * or one dkms took out of the tree). The modules of the tree that the image
 * lacks only make aliases resolve to files modprobe does not find, as it
 * would for a module left out of the image. Then the fragment carries that
 * index, and no depmod over a staged copy of the image's modules is needed.
 */
static bool tree_index_fits(const struct initrd_change *ch, const struct fragment_plan *fp,
			    const struct strv *frag_relpaths)
{
	_cleanup_strv_ struct strv keys = STRV_INIT, have = STRV_INIT, names = STRV_INIT, frag_names = STRV_INIT;
	_cleanup_free_ char *bin = xasprintf("%s/modules.dep.bin", ch->moduledir);

	if (!is_file(bin) || index_keys(ch->moduledir, &keys) < 0)
		return false;
	for (size_t i = 0; i < frag_relpaths->n; i++) {
		if (!sorted_has(&keys, frag_relpaths->v[i]))
			return false;
		strv_push(&have, frag_relpaths->v[i]);
		strv_push_take(&frag_names, name_of(frag_relpaths->v[i]));
	}
	strv_sort(&frag_names);
	for (size_t i = 0; i < fp->base.n; i++) {
		_cleanup_free_ char *name = name_of(fp->base.v[i]);

		if (removed(ch, fp->base.v[i]) && !added(ch, fp->base.v[i]))
			continue;
		/* the fragment's module of that name is the one indexed */
		if (sorted_has(&frag_names, name))
			continue;
		if (!sorted_has(&keys, fp->base.v[i]))
			return false;
		strv_push(&have, fp->base.v[i]);
		strv_push_take(&names, TAKE_PTR(name));
	}
	for (size_t i = 0; i < frag_names.n; i++)
		strv_push(&names, frag_names.v[i]);
	strv_sort(&have);
	strv_sort(&names);
	for (size_t i = 0; i < keys.n; i++) {
		_cleanup_free_ char *name = name_of(keys.v[i]);

		if (sorted_has(&names, name) && !sorted_has(&have, keys.v[i]))
			return false;
	}
	for (size_t i = 0; i < ch->n_removed; i++)
		if (!added(ch, ch->removed[i].relpath) && sorted_has(&keys, ch->removed[i].relpath))
			return false;
	return true;
}

/* The modprobe.d lines dkms wrote for the kernel added, and the payload packed. */
static int finish_fragment(const struct dkms_ctx *ctx, const struct initrd_change *ch,
			   struct payload *payload, struct strbuf *out)
{
	int r = add_modprobe_files(ch->sysconfdir, payload);

	if (r < 0) {
		dkms_error(ctx, "Cannot add %s/modprobe.d/dkms-*.conf to the initrd fragment: %s", ch->sysconfdir,
			   strerror(-r));
		return r;
	}
	/*
	 * zstd at a fast level where the kernel reads zstd (the fragment is
	 * made on every change, and gzip -9 or zstd -19 would take most of the
	 * time), else gzip.
	 */
	if (kernel_reads_zstd(ch))
		r = cpio_pack(payload, COMPRESSION_ZSTD, 3, out);
	else
		r = cpio_pack(payload, COMPRESSION_GZIP, COMPRESS_LEVEL_DEFAULT, out);
	if (r < 0)
		dkms_error(ctx, "Cannot pack the initrd fragment for %s: %s", ch->kernel, strerror(-r));
	return r;
}
/* The fragment with the index of the kernel's module dir (tree_index_fits), packed. */
static int make_fragment_from_tree(const struct dkms_ctx *ctx, const struct initrd_change *ch,
				   const struct dud_kernel *k, struct strbuf *out)
{
	_cleanup_payload_ struct payload payload = PAYLOAD_INIT;
	int r = initramfs_fragment_payload(k, ch->moduledir, &payload);

	if (r < 0) {
		dkms_error(ctx, "Cannot add the modules of %s and the index of %s to the initrd fragment: %s",
			   ch->kernel, ch->moduledir, strerror(-r));
		return r;
	}
	return finish_fragment(ctx, ch, &payload, out);
}

/*
 * The fragment for the modules to be in it (k->modules), packed, with an
 * index depmod makes over a stage of the original's modules and k's.
 */
static int make_fragment_staged(const struct dkms_ctx *ctx, const struct initrd_change *ch,
				const struct remake_probe *p, const struct fragment_plan *fp,
				struct dud_kernel *k, const char *tmpdir, struct strbuf *out)
{
	_cleanup_free_ char *stage = xasprintf("%s/base/lib/modules/%s", tmpdir, ch->kernel);
	_cleanup_free_ char *work = xasprintf("%s/work", tmpdir);
	_cleanup_payload_ struct payload payload = PAYLOAD_INIT;
	struct dud_request req = {
		.ctx = ctx,
		.module = "dkms",
		.version = "",
		.kernels = k,
		.n_kernels = 1,
		.workdir = work,
		.medium = DUD_MEDIUM_CPIO,
	};
	int r;

	r = stage_base(ch, p, fp, stage);
	if (r >= 0)
		r = mkdir_p(work, 0700);
	if (r < 0) {
		dkms_error(ctx, "Cannot stage the modules of %s in %s: %s", ch->kernel, tmpdir, strerror(-r));
		return r;
	}
	k->install_dir = xstrdup(stage);
	r = dud_format_initramfs.make(&req, &payload); /* prints why */
	if (r < 0)
		return r;
	return finish_fragment(ctx, ch, &payload, out);
}

static int make_fragment(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image,
			 const struct remake_probe *p, const struct fragment_plan *fp, struct dud_kernel *k,
			 struct strbuf *out)
{
	/* the stage need not be on the boot file system, and should not fill it */
	_cleanup_free_ char *tmpdir = xasprintf("%s/dkms-initrd.XXXXXX", ctx->tmp_location ? ctx->tmp_location : "/tmp");
	int r;

	if (!mkdtemp(tmpdir)) {
		r = -errno;
		dkms_error(ctx, "Cannot update %s: cannot create a temporary directory like %s: %s", image, tmpdir,
			   strerror(-r));
		return r;
	}
	r = make_fragment_staged(ctx, ch, p, fp, k, tmpdir, out);
	rm_rf(tmpdir);
	return r;
}

/* The bytes after the original: what to put back if the new fragment cannot go on. */
static int read_tail(const char *image, uint64_t from, struct strbuf *out)
{
	_cleanup_close_ int fd = open(image, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	if (fd < 0 || lseek(fd, (off_t)from, SEEK_SET) < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(out, buf, (size_t)n);
	if (n < 0)
		return -errno;
	/* initrd_fragment_append pads again: keep the fragment alone */
	{
		size_t lead = 0;

		while (lead < out->len && out->buf[lead] == '\0')
			lead++;
		memmove(out->buf, out->buf + lead, out->len - lead);
		strbuf_setlen(out, out->len - lead);
	}
	return 0;
}

/*
 * The original image as the probe read and split it, without dkms's
 * fragment (a view into p: not to be released), so that the append
 * neither reads nor decodes it again. False when the probe's bytes are
 * not the recorded original's (the image changed since).
 */
static bool original_of(const struct remake_probe *p, const struct fragment_plan *fp, struct initrd_image *ret)
{
	const struct initrd_image *img = &p->listing.image;
	size_t n = 0, size = p->bytes.len;

	if (fp->have_state) {
		char sha[SHA256_HEX_SIZE];

		size = (size_t)fp->state.original_size;
		if (size > p->bytes.len)
			return false;
		sha256_hex(p->bytes.buf, size, sha);
		if (!streq(sha, fp->state.original_sha256))
			return false;
	}
	while (n < img->n && img->segments[n].offset < size)
		n++;
	*ret = (struct initrd_image){ .segments = img->segments, .n = n, .size = size };
	ret->end = n ? img->segments[n - 1].offset + img->segments[n - 1].size : 0;
	return true;
}

static int apply(const struct dkms_ctx *ctx, const char *image, const char *state_path,
		 const struct remake_probe *p, const struct fragment_plan *fp, const struct strbuf *frag,
		 const char *desc)
{
	_cleanup_strbuf_ struct strbuf old = STRBUF_INIT, err = STRBUF_INIT;
	int r;

	invoke_announce(ctx, desc, desc);
	if (fp->have_state) {
		r = read_tail(image, fp->state.original_size, &old);
		if (r >= 0)
			r = initrd_fragment_remove(image, state_path, &err);
		else
			strbuf_addf(&err, "%s: cannot read: %s", image, strerror(-r));
		if (r < 0) {
			invoke_report(ctx, r, desc);
			dkms_error(ctx, "Cannot take the dkms fragment off %s: %s", image, err.buf);
			return r;
		}
	}
	if (frag->len) {
		struct initrd_image orig;

		r = original_of(p, fp, &orig) ? initrd_fragment_append_read(image, p->bytes.buf, orig.size, &orig,
									   frag->buf, frag->len, state_path, &err)
					      : initrd_fragment_append(image, frag->buf, frag->len, state_path, &err);
		if (r < 0) {
			_cleanup_strbuf_ struct strbuf err2 = STRBUF_INIT;

			/* the image is the original now: put the previous fragment back on */
			if (old.len && initrd_fragment_append(image, old.buf, old.len, state_path, &err2) < 0)
				strbuf_addf(&err, "; the previous fragment could not be put back: %s", err2.buf);
			invoke_report(ctx, r, desc);
			dkms_error(ctx, "Cannot append the initrd fragment to %s: %s", image, err.buf);
			return r;
		}
	}
	invoke_report(ctx, 0, desc);
	return 0;
}

/*
 * The modules for kernel that the bytes of image after its original (as
 * state records) hold, by path under lib/modules/<kernel>/: dkms's fragment
 * alone is read and decoded. 0, or -errno when it does not read.
 */
static int fragment_modules(const char *image, const struct fragment_state *state, const char *kernel,
			    struct strv *ret)
{
	_cleanup_strbuf_ struct strbuf tail = STRBUF_INIT;
	_cleanup_initrd_listing_ struct initrd_listing l = { .image = INITRD_IMAGE_INIT };
	struct initrd_image img = INITRD_IMAGE_INIT;
	int r = read_tail(image, state->original_size, &tail); /* without the padding */

	if (r < 0)
		return r;
	r = initrd_split(tail.buf, tail.len, &img, NULL);
	if (r >= 0)
		r = initrd_list_image(&img, &l);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n_modules; i++) {
		const char *rel = relpath_of(l.files[l.modules[i].file].path, kernel);

		if (streq(l.modules[i].kernelver, kernel) && rel)
			strv_push(ret, rel);
	}
	return 0;
}

int remake_fragment_restore(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image)
{
	_cleanup_free_ char *state_path = xasprintf("%s" STATE_SUFFIX, image);
	_cleanup_free_ char *desc = NULL;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	_cleanup_strv_ struct strv ours = STRV_INIT;
	struct fragment_state state;
	struct stat st;
	int r;

	if (ch->n_added || fragment_state_read(state_path, &state) < 0 || stat(image, &st) < 0 ||
	    (uint64_t)st.st_size != state.original_size + state.added_size)
		return 1;
	if (fragment_modules(image, &state, ch->kernel, &ours) < 0 || !ours.n)
		return 1;
	/* every module of the fragment goes, and nothing else: the original comes back */
	for (size_t i = 0; i < ours.n; i++)
		if (!removed(ch, ours.v[i]))
			return 1;
	for (size_t i = 0; i < ch->n_removed; i++)
		if (!strv_contains(&ours, ch->removed[i].relpath))
			return 1;
	desc = xasprintf("Restoring the original %s", image);
	invoke_announce(ctx, desc, desc);
	r = initrd_fragment_remove(image, state_path, &err);
	invoke_report(ctx, r, desc);
	if (r < 0) {
		dkms_error(ctx, "Cannot take the dkms fragment off %s: %s", image, err.buf);
		return r;
	}
	return 0;
}

int remake_fragment(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image,
		    const struct remake_probe *p)
{
	_cleanup_free_ char *state_path = xasprintf("%s" STATE_SUFFIX, image);
	_cleanup_free_ char *desc = NULL;
	_cleanup_strbuf_ struct strbuf frag = STRBUF_INIT, names = STRBUF_INIT;
	_cleanup_strv_ struct strv relpaths = STRV_INIT; /* of k's modules */
	struct fragment_plan fp = { false, { 0 }, STRV_INIT, STRV_INIT, STRV_INIT };
	struct dud_kernel k = { .kernelver = xstrdup(ch->kernel), .arch = xstrdup("") };
	int r = fragment_state_read(state_path, &fp.state);

	if (r == 0 && p->listing.image.size != fp.state.original_size + fp.state.added_size) {
		/* the image was made anew since (a kernel update's regeneration): the record is stale */
		unlink(state_path);
		r = -ESTALE;
	}
	fp.have_state = r == 0;
	make_plan(p, ch->kernel, &fp);

	/* a module to take out that the original holds: only a regeneration can */
	for (size_t i = 0; i < ch->n_removed; i++) {
		if (strv_contains(&fp.base, ch->removed[i].relpath) && !strv_contains(&fp.keep, ch->removed[i].relpath) &&
		    !added(ch, ch->removed[i].relpath)) {
			dkms_info(ctx, "%s holds %s outside a dkms fragment: regenerating it instead.", image,
				  ch->removed[i].relpath);
			r = 1;
			goto out;
		}
	}
	for (size_t i = 0; i < fp.keep.n; i++) {
		if (!removed(ch, fp.keep.v[i]) && !added(ch, fp.keep.v[i])) {
			add_module(&k, fp.keep_names.v[i], ch->moduledir, fp.keep.v[i]);
			strv_push(&relpaths, fp.keep.v[i]);
		}
	}
	for (size_t i = 0; i < ch->n_added; i++) {
		add_module(&k, ch->added[i].name, ch->moduledir, ch->added[i].relpath);
		strv_push(&relpaths, ch->added[i].relpath);
	}
	if (!k.n_modules && !fp.have_state) {
		r = 0; /* nothing of dkms's on the image, and nothing to add */
		goto out;
	}
	for (size_t i = 0; i < k.n_modules; i++)
		strbuf_addf(&names, "%s%s", i ? " " : "", k.modules[i].name);
	if (k.n_modules) {
		r = tree_index_fits(ch, &fp, &relpaths) ? make_fragment_from_tree(ctx, ch, &k, &frag)
							: make_fragment(ctx, ch, image, p, &fp, &k, &frag);
		if (r < 0)
			goto out;
		desc = xasprintf("Appending %s to %s", names.buf, image);
	} else {
		desc = xasprintf("Restoring the original %s", image);
	}
	r = apply(ctx, image, state_path, p, &fp, &frag, desc);
out:
	dud_kernel_release(&k);
	plan_release(&fp);
	return r;
}
