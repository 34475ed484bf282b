// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dkms lsinitrd [-k K | IMAGE] [--verbose]: the members of an initramfs
 * image, the kernel modules it holds and the dkms package of each; with
 * --verbose every file, as the kernel would unpack them.
 */
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "exitcode.h"
#include "initrd/list.h"
#include "util/fileio.h"

/* The image named on the command line, or the initrd of the kernel. */
static char *image_path(struct cmd *c)
{
	const char *boot = c->ctx.bootdir ?: "/boot";
	const char *k = strv_get(&c->kernelver, 0);
	char *p;

	if (c->args.n)
		return xstrdup(c->args.v[0]);
	if (c->initrd)
		return xstrdup(c->initrd);
	/* a positional name that is no file was taken for module/version */
	if (c->module)
		return c->version ? xasprintf("%s/%s", c->module, c->version) : xstrdup(c->module);
	/* initramfs-tools names it initrd.img-K, dracut initramfs-K.img */
	p = xasprintf("%s/initrd.img-%s", boot, k);
	if (path_exists(p))
		return p;
	free(p);
	p = xasprintf("%s/initramfs-%s.img", boot, k);
	if (path_exists(p))
		return p;
	free(p);
	dkms_error(&c->ctx, "No initrd for kernel %s: neither %s/initrd.img-%s nor %s/initramfs-%s.img exists.",
		   k, boot, k, boot, k);
	return NULL;
}

static void mode_string(uint32_t mode, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";

	out[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : S_ISCHR(mode) ? 'c'
		 : S_ISBLK(mode) ? 'b' : S_ISFIFO(mode) ? 'p' : S_ISSOCK(mode) ? 's' : '-';
	for (int i = 0; i < 9; i++)
		out[1 + i] = mode & (1u << (8 - i)) ? rwx[i] : '-';
	out[10] = '\0';
}

static void print_segments(FILE *out, const char *path, const struct initrd_image *img)
{
	fprintf(out, "Image %s: %zu bytes, %zu segment%s\n", path, img->size, img->n,
		img->n == 1 ? "" : "s");
	fprintf(out, "%3s %10s %10s  %-11s %7s\n", "#", "offset", "size", "compression", "entries");
	for (size_t i = 0; i < img->n; i++) {
		const struct initrd_segment *s = &img->segments[i];

		fprintf(out, "%3zu %10zu %10zu  %-11s %7zu\n", i, s->offset, s->size,
			initrd_compression_name(s->compression), s->entries);
	}
}

static void print_modules(FILE *out, const struct initrd_listing *l)
{
	const char *k = NULL;

	for (size_t i = 0; i < l->n_modules; i++) {
		const struct initrd_module *m = &l->modules[i];

		if (!k || !streq(k, m->kernelver)) {
			size_t n = 0;

			k = m->kernelver;
			for (size_t j = i; j < l->n_modules && streq(l->modules[j].kernelver, k); j++)
				n++;
			fprintf(out, "Modules for %s: %zu\n", k, n);
		}
		if (!m->package)
			fprintf(out, "  %s\n", m->name);
		else
			fprintf(out, "  %s (dkms: %s%s)\n", m->name, m->package,
				m->package_exact ? "" : ", differs from the built module");
	}
	if (!l->n_modules)
		fprintf(out, "Modules: none\n");
}

static void print_files(FILE *out, const struct initrd_listing *l)
{
	fprintf(out, "Files: %zu\n", l->n_files);
	for (size_t i = 0; i < l->n_files; i++) {
		const struct initrd_file *f = &l->files[i];
		char mode[11];

		mode_string(f->mode, mode);
		if (S_ISLNK(f->mode))
			fprintf(out, "  %s %10zu %s -> %.*s\n", mode, f->size, f->path, (int)f->size,
				f->data);
		else
			fprintf(out, "  %s %10zu %s\n", mode, f->size, f->path);
	}
}

int cmd_lsinitrd(struct cmd *c)
{
	_cleanup_initrd_listing_ struct initrd_listing l = { .image = INITRD_IMAGE_INIT };
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	_cleanup_free_ char *path = image_path(c);
	FILE *out = c->output.out ?: stdout;
	int r;

	if (!path)
		return DKMS_EXIT_NO_SOURCE;
	if (!is_file(path)) {
		dkms_error(&c->ctx, "%s: %s", path,
			   path_exists(path) ? "not a regular file" : "no such file");
		return DKMS_EXIT_NO_SOURCE;
	}
	r = initrd_list(path, &l, &err);
	if (r < 0) {
		dkms_error(&c->ctx, "%s: %s", path, err.buf);
		return 1;
	}
	initrd_listing_find_packages(&c->ctx, &l);
	print_segments(out, path, &l.image);
	print_modules(out, &l);
	if (c->ctx.verbose)
		print_files(out, &l);
	if (l.image.problems.n) {
		_cleanup_free_ char *all = strv_join(&l.image.problems, "\n");

		dkms_error(&c->ctx, "%s: the kernel cannot unpack this image:\n%s", path, all);
		return 1;
	}
	return 0;
}
