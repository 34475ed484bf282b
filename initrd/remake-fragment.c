// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REMAKE_INITRD's fragment mode. dkms keeps at most one fragment on an
 * image: the original bytes, then one compressed cpio with every module
 * dkms put there for the kernel, a module index over the original's
 * modules plus those, and dkms's modprobe.d files. The index is the one
 * dkms's depmod just wrote for the kernel's module dir when that fits the
 * image (tree_index_fits), else depmod's over a stage of the image's
 * modules. The image is read and decoded once, by the probe; the append
 * writes from those bytes. A change makes the plan first (remake-plan.c:
 * which modules go in), then the new fragment (here: staged, packed), then
 * takes the old one off and appends the new one (remake-apply.c, fragment.h;
 * the record <image>.dkms-fragment holds the original length and SHA-256).
 * When the last module goes, the image is back to its original bytes and
 * the record is gone.
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

/* Files of the kernel's module dir that depmod reads but does not make. */
static const char *const kernel_lists[] = { "modules.builtin", "modules.builtin.modinfo", "modules.order" };

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
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	struct remake_probe full = REMAKE_PROBE_INIT;
	int r;

	/* the stage takes modules from the image's bytes: read them when the summary was used */
	if (p->from_cache) {
		r = remake_probe_full(image, ch->kernel, p, &full, &why);
		if (r < 0) {
			dkms_error(ctx, "Cannot read %s: %s; it is unchanged.", image, why.buf);
			remake_probe_release(&full);
			return r;
		}
		p = &full;
	}
	if (!mkdtemp(tmpdir)) {
		r = -errno;
		dkms_error(ctx, "Cannot update %s: cannot create a temporary directory like %s: %s", image, tmpdir,
			   strerror(-r));
		remake_probe_release(&full);
		return r;
	}
	r = make_fragment_staged(ctx, ch, p, fp, k, tmpdir, out);
	rm_rf(tmpdir);
	remake_probe_release(&full);
	return r;
}

int remake_fragment(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image,
		    const struct remake_probe *p)
{
	_cleanup_free_ char *state_path = xasprintf("%s" STATE_SUFFIX, image);
	_cleanup_free_ char *desc = NULL;
	_cleanup_strbuf_ struct strbuf frag = STRBUF_INIT, names = STRBUF_INIT;
	struct fragment_plan fp = FRAGMENT_PLAN_INIT;
	struct dud_kernel *k = &fp.k;
	int r = fragment_record_read(state_path, &fp.rec);

	if (r == 0 && p->size != fp.rec.s.original_size + fp.rec.s.added_size) {
		/* the image was made anew since (a kernel update's regeneration): the record is stale */
		unlink(state_path);
		r = -ESTALE;
	}
	fp.have_state = r == 0;
	r = fragment_plan_make(ctx, ch, image, p, &fp);
	if (r)
		goto out;
	if (!k->n_modules && !fp.have_state)
		goto out; /* nothing of dkms's on the image, and nothing to add */
	for (size_t i = 0; i < k->n_modules; i++)
		strbuf_addf(&names, "%s%s", i ? " " : "", k->modules[i].name);
	if (k->n_modules) {
		r = fp.from_tree ? make_fragment_from_tree(ctx, ch, k, &frag)
				 : make_fragment(ctx, ch, image, p, &fp, k, &frag);
		if (r < 0)
			goto out;
		desc = xasprintf("Appending %s to %s", names.buf, image);
	} else {
		desc = xasprintf("Restoring the original %s", image);
	}
	r = fragment_apply(ctx, ch->kernel, image, state_path, p, &fp, &frag, desc);
out:
	fragment_plan_release(&fp);
	return r;
}
