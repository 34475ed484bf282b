// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A fragment plan applied to its image (remake-impl.h): the old fragment
 * taken off, the new one appended, the record beside the image
 * (<image>.dkms-fragment, fragment.h) kept in line; and the uninstall that
 * only gives back the original bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initrd/fragment.h"
#include "initrd/remake-impl.h"
#include "invoke.h"
#include "util/fileio.h"

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

int fragment_apply(const struct dkms_ctx *ctx, const char *image, const char *state_path,
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
		const char *rel = fragment_relpath(l.files[l.modules[i].file].path, kernel);

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
		if (!change_removes(ch, ours.v[i]))
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

