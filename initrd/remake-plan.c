// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plan of a REMAKE_INITRD fragment (remake-impl.h): which of the image's
 * modules are the original's and which dkms's fragment holds, which modules
 * the new fragment carries, and whether the index dkms's depmod wrote for
 * the kernel's module dir fits the image with it. Nothing here writes.
 */
#include <stdlib.h>
#include <string.h>

#include "initrd/remake-impl.h"
#include "util/fileio.h"

void fragment_plan_release(struct fragment_plan *fp)
{
	dud_kernel_release(&fp->k);
	strv_release(&fp->relpaths);
	strv_release(&fp->keep);
	strv_release(&fp->keep_names);
	strv_release(&fp->base);
	fragment_record_release(&fp->rec);
}

const char *fragment_relpath(const char *path, const char *kernel)
{
	_cleanup_free_ char *dir = xasprintf("lib/modules/%s/", kernel);
	const char *rel = strstr(path, dir);

	return rel ? rel + strlen(dir) : NULL;
}

/*
 * Split the image's modules into the original's and those of dkms's
 * fragment: the record's list of these when it has one (it also names
 * them when a killed change cut the image back to the original).
 */
static void make_plan(const struct remake_probe *p, struct fragment_plan *fp)
{
	bool listed = fp->have_state && fp->rec.have_modules;

	for (size_t i = 0; i < p->names.n; i++) {
		bool ours = fp->have_state && p->offsets[i] >= fp->rec.s.original_size;

		if (!*p->relpaths.v[i] || (ours && listed))
			continue;
		if (ours) {
			strv_push(&fp->keep, p->relpaths.v[i]);
			strv_push(&fp->keep_names, p->names.v[i]);
		} else {
			strv_push(&fp->base, p->relpaths.v[i]);
		}
	}
	for (size_t i = 0; listed && i < fp->rec.names.n; i++) {
		strv_push(&fp->keep, fp->rec.relpaths.v[i]);
		strv_push(&fp->keep_names, fp->rec.names.v[i]);
	}
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

bool change_removes(const struct initrd_change *ch, const char *relpath)
{
	for (size_t i = 0; i < ch->n_removed; i++)
		if (streq(ch->removed[i].relpath, relpath))
			return true;
	return false;
}

static bool change_adds(const struct initrd_change *ch, const char *relpath)
{
	for (size_t i = 0; i < ch->n_added; i++)
		if (streq(ch->added[i].relpath, relpath))
			return true;
	return false;
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
static bool tree_index_fits(const struct initrd_change *ch, const struct fragment_plan *fp)
{
	_cleanup_strv_ struct strv keys = STRV_INIT, have = STRV_INIT, names = STRV_INIT, frag_names = STRV_INIT;
	_cleanup_free_ char *bin = xasprintf("%s/modules.dep.bin", ch->moduledir);

	if (!is_file(bin) || index_keys(ch->moduledir, &keys) < 0)
		return false;
	for (size_t i = 0; i < fp->relpaths.n; i++) {
		if (!sorted_has(&keys, fp->relpaths.v[i]))
			return false;
		strv_push(&have, fp->relpaths.v[i]);
		strv_push_take(&frag_names, name_of(fp->relpaths.v[i]));
	}
	strv_sort(&frag_names);
	for (size_t i = 0; i < fp->base.n; i++) {
		_cleanup_free_ char *name = name_of(fp->base.v[i]);

		if (change_removes(ch, fp->base.v[i]) && !change_adds(ch, fp->base.v[i]))
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
		if (!change_adds(ch, ch->removed[i].relpath) && sorted_has(&keys, ch->removed[i].relpath))
			return false;
	return true;
}


int fragment_plan_make(const struct dkms_ctx *ctx, const struct initrd_change *ch, const char *image,
		       const struct remake_probe *p, struct fragment_plan *fp)
{
	make_plan(p, fp);

	/* a module to take out that the original holds: only a regeneration can */
	for (size_t i = 0; i < ch->n_removed; i++) {
		if (strv_contains(&fp->base, ch->removed[i].relpath) && !strv_contains(&fp->keep, ch->removed[i].relpath) &&
		    !change_adds(ch, ch->removed[i].relpath)) {
			dkms_info(ctx, "%s holds %s outside a dkms fragment: regenerating it instead.", image,
				  ch->removed[i].relpath);
			return 1;
		}
	}
	fp->k.kernelver = xstrdup(ch->kernel);
	fp->k.arch = xstrdup("");
	for (size_t i = 0; i < fp->keep.n; i++) {
		if (!change_removes(ch, fp->keep.v[i]) && !change_adds(ch, fp->keep.v[i])) {
			add_module(&fp->k, fp->keep_names.v[i], ch->moduledir, fp->keep.v[i]);
			strv_push(&fp->relpaths, fp->keep.v[i]);
		}
	}
	for (size_t i = 0; i < ch->n_added; i++) {
		add_module(&fp->k, ch->added[i].name, ch->moduledir, ch->added[i].relpath);
		strv_push(&fp->relpaths, ch->added[i].relpath);
	}
	fp->from_tree = fp->k.n_modules && tree_index_fits(ch, fp);
	return 0;
}
