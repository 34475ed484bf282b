// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libkmod.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "kabi.h"
#include "util/fileio.h"
#include "util/strbuf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_module *, kmod_module_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_list *, kmod_module_versions_free_list)

void kabi_symset_release(struct kabi_symset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int sym_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kabi_sym *)a)->name, ((const struct kabi_sym *)b)->name);
}

const struct kabi_sym *kabi_symset_find(const struct kabi_symset *s, const char *name)
{
	struct kabi_sym key = { .name = (char *)name };

	return s->n ? bsearch(&key, s->v, s->n, sizeof(*s->v), sym_cmp) : NULL;
}

static void symset_add(struct kabi_symset *s, size_t *alloc, const char *name, uint64_t crc)
{
	if (s->n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 256;
		s->v = xrealloc(s->v, *alloc * sizeof(*s->v));
	}
	s->v[s->n++] = (struct kabi_sym){ xstrdup(name), crc };
}

/* Sort and keep the first of each name. */
static void symset_finish(struct kabi_symset *s)
{
	size_t out = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), sym_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if (out && streq(s->v[out - 1].name, s->v[i].name)) {
			free(s->v[i].name);
			continue;
		}
		s->v[out++] = s->v[i];
	}
	s->n = out;
}

bool kabi_symbol_name_ok(const char *s)
{
	if (!*s || strlen(s) > 512)
		return false;
	/* C identifiers, and the '.' of compiler-made names (foo.cold, __pfx_…) */
	for (; *s; s++)
		if (!(*s == '_' || *s == '.' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static bool parse_crc(const char *s, uint64_t *ret)
{
	char *end;

	if (strncmp(s, "0x", 2) || !s[2])
		return false;
	errno = 0;
	*ret = strtoull(s + 2, &end, 16);
	return !errno && !*end;
}

int kabi_symvers_load(const struct dkms_ctx *ctx, const char *path, struct kabi_symset *ret)
{
	struct kabi_symset s = { 0 };
	size_t alloc = 0, lineno = 0;
	char line[4096];
	gzFile f = gzopen(path, "rb"); /* reads a plain file as it is */
	int r = 0;

	if (!f) {
		r = errno ? -errno : -ENOMEM;
		dkms_error(ctx, "Cannot read %s: %s", path, strerror(-r));
		return r;
	}
	while (gzgets(f, line, sizeof(line))) {
		char *crc, *name, *save = NULL;
		uint64_t v;
		size_t len = strlen(line);

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!gzeof(f)) {
			dkms_error(ctx, "%s:%zu: line too long", path, lineno);
			r = -EINVAL;
			break;
		}
		if (!len)
			continue;
		crc = strtok_r(line, "\t", &save);
		name = strtok_r(NULL, "\t", &save);
		if (!crc || !name || !parse_crc(crc, &v) || !kabi_symbol_name_ok(name)) {
			dkms_error(ctx, "%s:%zu: not a Module.symvers line (0x<crc> <symbol> <module> <export>)",
				   path, lineno);
			r = -EINVAL;
			break;
		}
		symset_add(&s, &alloc, name, v);
	}
	gzclose(f);
	if (r < 0) {
		kabi_symset_release(&s);
		return r;
	}
	symset_finish(&s);
	*ret = s;
	return 0;
}

char *kabi_symvers_path(const struct dkms_ctx *ctx, const char *kernelver)
{
	char *cand[] = {
		xasprintf("%s/%s/build/Module.symvers", ctx->install_tree, kernelver),
		xasprintf("%s/%s/symvers.gz", ctx->install_tree, kernelver),
		xasprintf("/boot/symvers-%s.gz", kernelver),
		xasprintf("/usr/src/kernels/%s/Module.symvers", kernelver),
		xasprintf("/usr/src/linux-headers-%s/Module.symvers", kernelver),
	};
	char *found = NULL;

	/* a kernel name is a single path component */
	for (size_t i = 0; i < ARRAY_SIZE(cand); i++) {
		if (!found && !strchr(kernelver, '/') && is_file(cand[i]))
			found = cand[i];
		else
			free(cand[i]);
	}
	return found;
}

int kabi_module_imports(const struct dkms_ctx *ctx, const struct strv *modules,
			const struct kabi_symset *kernel, struct kabi_symset *ret)
{
	/* a dirname that does not exist keeps libkmod from loading indexes */
	_cleanup_(kmod_unrefp) struct kmod_ctx *kctx = kmod_new("/nonexistent", NULL);
	struct kabi_symset s = { 0 };
	size_t alloc = 0;

	if (!kctx)
		return -ENOMEM;
	kmod_set_log_priority(kctx, 0);
	for (size_t i = 0; i < modules->n; i++) {
		_cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
		_cleanup_(kmod_module_versions_free_listp) struct kmod_list *versions = NULL;
		struct kmod_list *l;
		int r = kmod_module_new_from_path(kctx, modules->v[i], &mod);

		if (r >= 0)
			r = kmod_module_get_versions(mod, &versions);
		if (r < 0) {
			dkms_error(ctx, "Cannot read the symbol versions of %s: %s", modules->v[i],
				   strerror(-r));
			kabi_symset_release(&s);
			return r;
		}
		kmod_list_foreach(l, versions) {
			const char *name = kmod_module_version_get_symbol(l);

			/* only what the kernel exports: a name it has is safe to pass on */
			if (name && kabi_symset_find(kernel, name))
				symset_add(&s, &alloc, name, kmod_module_version_get_crc(l));
		}
	}
	symset_finish(&s);
	*ret = s;
	return 0;
}

size_t kabi_compare(const struct kabi_symset *imports, const struct kabi_symset *kernel,
		    struct kabi_mismatch **ret_v)
{
	struct kabi_mismatch *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < imports->n; i++) {
		const struct kabi_sym *have = kabi_symset_find(kernel, imports->v[i].name);

		if (have && have->crc == imports->v[i].crc)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = (struct kabi_mismatch){
			.name = imports->v[i].name,
			.want = imports->v[i].crc,
			.have = have ? have->crc : 0,
			.missing = !have,
		};
	}
	*ret_v = v;
	return n;
}
