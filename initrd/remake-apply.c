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

	if (p->from_cache)
		return false;
	if (fp->have_state) {
		char sha[SHA256_HEX_SIZE];

		size = (size_t)fp->rec.s.original_size;
		if (size > p->bytes.len)
			return false;
		sha256_hex(p->bytes.buf, size, sha);
		if (!streq(sha, fp->rec.s.original_sha256))
			return false;
	}
	while (n < img->n && img->segments[n].offset < size)
		n++;
	*ret = (struct initrd_image){ .segments = img->segments, .n = n, .size = size };
	ret->end = n ? img->segments[n - 1].offset + img->segments[n - 1].size : 0;
	return true;
}

/*
 * The probe knows the original below dkms's fragment, the same one the
 * record names: the image can be changed in place.
 */
static bool in_place_ok(const struct remake_probe *p, const struct fragment_plan *fp)
{
	if (!p->have_original || p->original_size > p->size)
		return false;
	if (fp->have_state)
		return fp->rec.s.original_size == p->original_size &&
		       streq(fp->rec.s.original_sha256, p->original_sha256);
	return p->original_size == p->size;
}

static int apply_in_place(const struct dkms_ctx *ctx, const char *kernel, const char *image,
			  const char *state_path, const struct remake_probe *p, const struct fragment_plan *fp,
			  const struct strbuf *frag, struct strbuf *err)
{
	_cleanup_strv_ struct strv names = STRV_INIT, problems = STRV_INIT;
	_cleanup_free_ char *key = NULL;
	uint64_t at = p->original_size + p->padding;
	int r;

	if (!frag->len) {
		r = fragment_strip_in_place(image, state_path, p->original_size, &key, err);
		if (r >= 0)
			remake_cache_update(ctx, image, kernel, p, p->original_size, NULL, NULL, 0, p->original_size,
					    key);
		return r;
	}
	r = initrd_fragment_check(frag->buf, frag->len, &problems);
	if (r >= 0 && problems.n) {
		strbuf_addf(err, "the fragment for %s: %s (the image was not changed)", image, problems.v[0]);
		return -EBADMSG;
	}
	for (size_t i = 0; i < fp->k.n_modules; i++)
		strv_push(&names, fp->k.modules[i].name);
	r = fragment_append_in_place(image, state_path, p->original_size, p->original_sha256, p->padding, frag->buf,
				     frag->len, &names, &fp->relpaths, &key, err);
	if (r >= 0)
		remake_cache_update(ctx, image, kernel, p, p->original_size, &names, &fp->relpaths, at,
				    at + frag->len, key);
	return r;
}

int fragment_apply(const struct dkms_ctx *ctx, const char *kernel, const char *image, const char *state_path,
		   const struct remake_probe *p, const struct fragment_plan *fp, const struct strbuf *frag,
		   const char *desc)
{
	_cleanup_strbuf_ struct strbuf old = STRBUF_INIT, err = STRBUF_INIT;
	int r;

	invoke_announce(ctx, desc, desc);
	if (in_place_ok(p, fp)) {
		r = apply_in_place(ctx, kernel, image, state_path, p, fp, frag, &err);
		invoke_report(ctx, r, desc);
		if (r < 0)
			dkms_error(ctx, "Cannot %s %s: %s", frag->len ? "append the initrd fragment to" :
					"take the dkms fragment off", image, err.buf);
		return r;
	}
	if (fp->have_state) {
		r = read_tail(image, fp->rec.s.original_size, &old);
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

/* The summary of image after the fragment came off in place (its key was old_key). */
static void cache_after_strip(const struct dkms_ctx *ctx, const char *image, const char *kernel,
			      const char *old_key, uint64_t size, const char *key)
{
	struct remake_probe p = REMAKE_PROBE_INIT;

	if (remake_cache_load(ctx, image, kernel, old_key, &p) == 0 && p.have_original && p.original_size == size)
		remake_cache_update(ctx, image, kernel, &p, size, NULL, NULL, 0, size, key);
	remake_probe_release(&p);
}

int remake_fragment_restore(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image)
{
	_cleanup_free_ char *state_path = xasprintf("%s" STATE_SUFFIX, image);
	_cleanup_free_ char *desc = NULL, *key = NULL, *new_key = NULL;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	_cleanup_strv_ struct strv read_back = STRV_INIT;
	struct fragment_record rec = FRAGMENT_RECORD_INIT;
	const struct strv *ours = &read_back;
	bool in_place;
	struct stat st;
	int r = 1;

	if (ch->n_added || fragment_record_read(state_path, &rec) < 0 || rec.pending || stat(image, &st) < 0 ||
	    (uint64_t)st.st_size != rec.s.original_size + rec.s.added_size)
		goto out;
	/* the image as dkms left it: the record's list of the fragment's modules holds */
	key = image_key(image);
	in_place = key && rec.key && streq(key, rec.key) && rec.have_modules;
	if (in_place)
		ours = &rec.relpaths;
	else if (fragment_modules(image, &rec.s, ch->kernel, &read_back) < 0)
		goto out;
	/* not as dkms left it (a copy, a restore from backup): cut in place once its bytes check out */
	if (!in_place)
		in_place = fragment_verify(image, &rec);
	if (!ours->n)
		goto out;
	/* every module of the fragment goes, and nothing else: the original comes back */
	for (size_t i = 0; i < ours->n; i++)
		if (!change_removes(ch, ours->v[i]))
			goto out;
	for (size_t i = 0; i < ch->n_removed; i++)
		if (!strv_contains(ours, ch->removed[i].relpath))
			goto out;
	desc = xasprintf("Restoring the original %s", image);
	invoke_announce(ctx, desc, desc);
	r = in_place ? fragment_strip_in_place(image, state_path, rec.s.original_size, &new_key, &err)
		     : initrd_fragment_remove(image, state_path, &err);
	invoke_report(ctx, r, desc);
	if (r < 0) {
		dkms_error(ctx, "Cannot take the dkms fragment off %s: %s", image, err.buf);
		goto out;
	}
	if (in_place)
		cache_after_strip(ctx, image, ch->kernel, key, rec.s.original_size, new_key);
out:
	fragment_record_release(&rec);
	return r;
}
