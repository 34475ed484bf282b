// SPDX-License-Identifier: GPL-2.0-or-later
/* The files and modules of an initramfs, as unpacked by the kernel (see list.h). */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/newc.h"
#include "initrd/list.h"
#include "util/macro.h"
#include "util/strv.h"

/* symlinks followed while resolving one name, as the kernel's MAXSYMLINKS */
#define MAX_LINKS 40

typedef const struct initrd_file *(*lookup_fn)(void *data, const char *path);

/* Split name into components, dropping "", "." and resolving "..". */
static void push_components(struct strv *comps, const char *name)
{
	_cleanup_strv_ struct strv parts = STRV_INIT;

	strv_split(&parts, name, "/");
	for (size_t i = 0; i < parts.n; i++) {
		if (streq(parts.v[i], "."))
			continue;
		if (streq(parts.v[i], "..")) {
			if (comps->n) {
				free(comps->v[--comps->n]);
				comps->v[comps->n] = NULL;
			}
			continue;
		}
		strv_push(comps, parts.v[i]);
	}
}

static char *join_first(const struct strv *comps, size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(&sb, '/');
		strbuf_addstr(&sb, comps->v[i]);
	}
	return strbuf_detach(&sb);
}

/*
 * Where an entry named name lands: every parent component that is a
 * symlink is replaced by its target (relative to the link's directory, or
 * from the root), as path lookup does; the last component is not followed.
 * Returns "" for the root itself.
 */
static char *resolve(const char *name, lookup_fn lookup, void *data)
{
	_cleanup_strv_ struct strv comps = STRV_INIT;
	int links = 0;

	push_components(&comps, name);
restart:
	for (size_t i = 0; i + 1 < comps.n; i++) {
		_cleanup_free_ char *prefix = join_first(&comps, i + 1);
		const struct initrd_file *f = lookup(data, prefix);
		_cleanup_strv_ struct strv next = STRV_INIT;
		_cleanup_free_ char *target = NULL;

		if (!f || !S_ISLNK(f->mode) || ++links > MAX_LINKS)
			continue;
		target = xstrndup(f->data, f->size);
		if (target[0] != '/')
			for (size_t j = 0; j < i; j++)
				strv_push(&next, comps.v[j]);
		push_components(&next, target);
		for (size_t j = i + 1; j < comps.n; j++)
			strv_push(&next, comps.v[j]);
		strv_release(&comps);
		comps = next;
		next = (struct strv)STRV_INIT;
		goto restart;
	}
	return join_first(&comps, comps.n);
}

/* Unpacking state: the files so far and a hash of their paths. */
struct unpack {
	struct initrd_file *files;
	size_t n, alloc;
	struct hsearch_data index;
	/* hard links of the current archive: (ino, dev) of each file entry */
	struct link {
		uint32_t ino, devmajor, devminor;
		size_t file;
	} *links;
	size_t n_links;
};

static const struct initrd_file *unpack_lookup(void *data, const char *path)
{
	struct unpack *u = data;
	ENTRY want = { .key = (char *)path }, *found = NULL;

	if (!hsearch_r(want, FIND, &found, &u->index))
		return NULL;
	return &u->files[(size_t)found->data - 1];
}

/* Newc keeps a hard-linked file's data with its last name; all names share it. */
static void share_link_data(struct unpack *u, const struct newc_entry *e, size_t file)
{
	struct initrd_file *f = &u->files[file];

	if (e->nlink < 2 || !S_ISREG(e->mode))
		return;
	for (size_t i = 0; i < u->n_links; i++) {
		struct link *l = &u->links[i];

		if (l->ino != e->ino || l->devmajor != e->devmajor || l->devminor != e->devminor)
			continue;
		if (f->size) {
			u->files[l->file].data = f->data;
			u->files[l->file].size = f->size;
		} else {
			f->data = u->files[l->file].data;
			f->size = u->files[l->file].size;
		}
	}
	u->links = xrealloc(u->links, (u->n_links + 1) * sizeof(*u->links));
	u->links[u->n_links++] = (struct link){ e->ino, e->devmajor, e->devminor, file };
}

/* Record entry e, which lands at path (resolve()); takes path. */
static int unpack_entry_at(struct unpack *u, char *path_in, const struct newc_entry *e,
			   size_t segment)
{
	_cleanup_free_ char *path = path_in;
	ENTRY want = { .key = path }, *found = NULL;
	struct initrd_file *f;
	size_t idx;

	if (!*path)
		return 0; /* "." */
	if (hsearch_r(want, FIND, &found, &u->index)) {
		idx = (size_t)found->data - 1;
	} else {
		if (u->n == u->alloc) {
			u->alloc = u->alloc ? 2 * u->alloc : 256;
			u->files = xrealloc(u->files, u->alloc * sizeof(*u->files));
		}
		idx = u->n++;
		u->files[idx] = (struct initrd_file){ .path = TAKE_PTR(path) };
		want = (ENTRY){ .key = u->files[idx].path, .data = (void *)(idx + 1) };
		if (!hsearch_r(want, ENTER, &found, &u->index))
			return -ENOMEM;
	}
	f = &u->files[idx];
	f->mode = e->mode;
	f->data = e->data;
	f->size = e->filesize;
	f->segment = segment;
	share_link_data(u, e, idx);
	return 0;
}

static int unpack_entry(struct unpack *u, const struct newc_entry *e, size_t segment)
{
	return unpack_entry_at(u, resolve(e->name, unpack_lookup, u), e, segment);
}

static int unpack_segment(struct unpack *u, const struct initrd_segment *s, size_t segment)
{
	size_t pos = 0;
	struct newc_entry e;
	int r;

	while (pos < s->data_len) {
		if (s->data[pos] == '\0') {
			pos++;
			continue;
		}
		r = newc_next(s->data, s->data_len, &pos, &e, NULL);
		if (r < 0)
			return r; /* initrd_split checked the archive already */
		if (r == 0) {
			u->n_links = 0; /* a trailer ends the hard-link table */
			continue;
		}
		r = unpack_entry(u, &e, segment);
		if (r < 0)
			return r;
	}
	u->n_links = 0;
	return 0;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct initrd_file *)a)->path, ((const struct initrd_file *)b)->path);
}

static const struct initrd_file *sorted_lookup(void *data, const char *path)
{
	const struct initrd_listing *l = data;
	struct initrd_file key = { .path = (char *)path };

	return l->n_files ? bsearch(&key, l->files, l->n_files, sizeof(key), file_cmp) : NULL;
}

const struct initrd_file *initrd_listing_find(const struct initrd_listing *l, const char *path)
{
	_cleanup_free_ char *resolved = resolve(path, sorted_lookup, (void *)l);

	return sorted_lookup((void *)l, resolved);
}

/* "<name>.ko", ".ko.xz", ".ko.gz", ".ko.zst": the module name, allocated, or NULL. */
static char *module_name_of(const char *file)
{
	static const char *const suffixes[] = { ".ko", ".ko.xz", ".ko.gz", ".ko.zst" };
	size_t len = strlen(file);

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);

		if (len > sl && streq(file + len - sl, suffixes[i]))
			return xstrndup(file, len - sl);
	}
	return NULL;
}

/* A module under [usr/]lib/modules/<k>/: its kernel and name, or false. */
static bool module_path(const char *path, char **ret_kernel, char **ret_name)
{
	const char *p = path, *slash, *base;
	char *name;

	if (!strncmp(p, "usr/", 4))
		p += 4;
	if (strncmp(p, "lib/modules/", 12))
		return false;
	p += 12;
	slash = strchr(p, '/');
	if (!slash || slash == p)
		return false;
	base = strrchr(slash, '/') + 1;
	name = module_name_of(base);
	if (!name)
		return false;
	*ret_kernel = xstrndup(p, (size_t)(slash - p));
	*ret_name = name;
	return true;
}

static int module_cmp(const void *a, const void *b)
{
	const struct initrd_module *x = a, *y = b;
	int c = strcmp(x->kernelver, y->kernelver);

	return c ? c : strcmp(x->name, y->name);
}

static void find_modules(struct initrd_listing *l)
{
	size_t alloc = 0;

	for (size_t i = 0; i < l->n_files; i++) {
		char *kernel, *name;

		if (!S_ISREG(l->files[i].mode) || !module_path(l->files[i].path, &kernel, &name))
			continue;
		if (l->n_modules == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			l->modules = xrealloc(l->modules, alloc * sizeof(*l->modules));
		}
		l->modules[l->n_modules++] = (struct initrd_module){ .name = name, .kernelver = kernel,
								     .file = i };
	}
	if (l->n_modules > 1)
		qsort(l->modules, l->n_modules, sizeof(*l->modules), module_cmp);
}

int initrd_list_image(struct initrd_image *img, struct initrd_listing *ret)
{
	struct unpack u = { 0 };
	size_t total = 0;
	int r = 0;

	*ret = (struct initrd_listing){ .image = *img };
	*img = (struct initrd_image)INITRD_IMAGE_INIT;
	for (size_t i = 0; i < ret->image.n; i++)
		total += ret->image.segments[i].entries;
	if (!hcreate_r(2 * total + 64, &u.index))
		return -ENOMEM;
	for (size_t i = 0; i < ret->image.n && r >= 0; i++)
		r = unpack_segment(&u, &ret->image.segments[i], i);
	hdestroy_r(&u.index);
	free(u.links);
	ret->files = u.files;
	ret->n_files = u.n;
	if (r < 0) {
		initrd_listing_release(ret);
		return r;
	}
	if (ret->n_files > 1)
		qsort(ret->files, ret->n_files, sizeof(*ret->files), file_cmp);
	find_modules(ret);
	return 0;
}

/*
 * Listing as the image is decoded: entries are recorded as they come, and
 * of their data only what a listing reads is kept (symlink targets, and the
 * files under [usr/]lib/modules/: modules, modules.builtin...), up to the
 * cap on decoded bytes. A 1.75 GB file of zeros elsewhere costs nothing.
 */
struct stream_unpack {
	struct unpack u;
	struct initrd_listing *l;
	size_t segment;
	char *path; /* where the entry between want and entry lands */
	size_t kept, cap;
	struct strbuf *err;
};

static bool under_module_dir(const char *path)
{
	if (!strncmp(path, "usr/", 4))
		path += 4;
	return !strncmp(path, "lib/modules/", 12);
}

static void stream_member(void *data, size_t index)
{
	struct stream_unpack *su = data;

	su->segment = index;
	su->u.n_links = 0;
}

static int stream_want(void *data, const struct newc_entry *e)
{
	struct stream_unpack *su = data;

	free(su->path);
	su->path = resolve(e->name, unpack_lookup, &su->u);
	if (!S_ISLNK(e->mode) && !(S_ISREG(e->mode) && under_module_dir(su->path)))
		return 0;
	if (e->filesize > su->cap - su->kept) {
		strbuf_addf(su->err, "offset %zu of member %zu: decoded, the files under lib/modules "
				     "hold more than %zu MiB, the limit (initrd_max_decoded in "
				     "framework.conf, or DKMS_INITRD_MAX_DECODED)",
			    e->offset, su->segment, su->cap >> 20);
		return -EFBIG;
	}
	su->kept += e->filesize;
	return 1;
}

static int stream_entry(void *data, const struct newc_entry *e, char *owned)
{
	struct stream_unpack *su = data;
	struct newc_entry copy = *e;

	if (owned) {
		struct initrd_listing *l = su->l;

		l->owned = xrealloc(l->owned, (l->n_owned + 1) * sizeof(*l->owned));
		l->owned[l->n_owned++] = owned;
	}
	copy.data = owned;
	return unpack_entry_at(&su->u, TAKE_PTR(su->path), &copy, su->segment);
}

static void stream_trailer(void *data)
{
	struct stream_unpack *su = data;

	su->u.n_links = 0; /* a trailer ends the hard-link table */
}

int initrd_list(const char *path, struct initrd_listing *ret, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf scratch = STRBUF_INIT;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stream_unpack su = { .l = ret, .cap = initrd_max_decoded(), .err = err ?: &scratch };
	const struct content_walk_ops ops = { stream_member, stream_want, stream_entry,
					      stream_trailer, &su };
	struct stat st;
	void *map = NULL;
	int r;

	*ret = (struct initrd_listing){ .image = INITRD_IMAGE_INIT };
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		strbuf_addf(su.err, "cannot read: %s", strerror(-r));
		return r;
	}
	/* the image is read in place: only its decoded pieces pass through memory */
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			r = -errno;
			strbuf_addf(su.err, "cannot read: %s", strerror(-r));
			return r;
		}
		(void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	}
	if (!hcreate_r(4096, &su.u.index)) {
		r = -ENOMEM;
		goto out;
	}
	r = initrd_split_stream(map ?: "", (size_t)st.st_size, &ops, &ret->image, su.err);
	hdestroy_r(&su.u.index);
	free(su.u.links);
	free(su.path);
	ret->files = su.u.files;
	ret->n_files = su.u.n;
	if (r < 0) {
		initrd_listing_release(ret);
		goto out;
	}
	if (ret->n_files > 1)
		qsort(ret->files, ret->n_files, sizeof(*ret->files), file_cmp);
	find_modules(ret);
out:
	if (map)
		munmap(map, (size_t)st.st_size);
	return r;
}

void initrd_listing_release(struct initrd_listing *l)
{
	for (size_t i = 0; i < l->n_files; i++)
		free(l->files[i].path);
	free(l->files);
	for (size_t i = 0; i < l->n_modules; i++) {
		free(l->modules[i].name);
		free(l->modules[i].kernelver);
		free(l->modules[i].package);
	}
	free(l->modules);
	for (size_t i = 0; i < l->n_owned; i++)
		free(l->owned[i]);
	free(l->owned);
	initrd_image_release(&l->image);
	*l = (struct initrd_listing){ .image = INITRD_IMAGE_INIT };
}
