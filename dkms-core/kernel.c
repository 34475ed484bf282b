// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel.h"
#include "util/fileio.h"
#include "util/strbuf.h"

void dkms_kernel_init(struct dkms_kernel *k, const struct dkms_ctx *ctx,
		      const char *version, const char *arch)
{
	memset(k, 0, sizeof(*k));
	k->facts = xcalloc(1, sizeof(*k->facts));
	k->version = xstrdup(version);
	k->arch = xstrdup(arch ? arch : "");
	if (ctx->kernel_source_dir)
		k->source_dir = xstrdup(ctx->kernel_source_dir);
	else
		k->source_dir = xasprintf("%s/%s/build", ctx->install_tree, version);
	if (ctx->kernel_config) {
		k->config = xstrdup(ctx->kernel_config);
	} else {
		k->config = xasprintf("%s/include/config/auto.conf", k->source_dir);
		if (!path_exists(k->config)) {
			free(k->config);
			k->config = xasprintf("%s/.config", k->source_dir);
		}
	}
}

static void sign_plan_clear(struct sign_plan *plan)
{
	free(plan->sign_file);
	free(plan->hash);
	free(plan->key);
	free(plan->cert);
	memset(plan, 0, sizeof(*plan));
}

void dkms_kernel_release(struct dkms_kernel *k)
{
	free(k->version);
	free(k->arch);
	free(k->source_dir);
	free(k->config);
	if (k->facts) {
		kernel_config_release(&k->facts->config);
		kernel_toolchain_release(&k->facts->toolchain);
		sign_plan_clear(&k->facts->sign);
		free(k->facts);
	}
	memset(k, 0, sizeof(*k));
}

bool dkms_kernel_has_headers(const struct dkms_kernel *k)
{
	_cleanup_free_ char *inc = xasprintf("%s/include", k->source_dir);

	return path_exists(inc);
}

/* ---- the config ---- */

bool kernel_config_load(struct kernel_config *kc, const char *path)
{
	kernel_config_release(kc);
	kc->exists = path && path_exists(path);
	if (kc->exists && read_file(path, &kc->text) < 0)
		strbuf_reset(&kc->text); /* as grep on an unreadable file: nothing matches */
	return kc->exists;
}

void kernel_config_release(struct kernel_config *kc)
{
	strbuf_release(&kc->text);
	kc->exists = false;
}

/* The line "<name>=..." at a line start: its value, or NULL. */
static const char *config_line(const struct kernel_config *kc, const char *name, size_t *ret_len)
{
	size_t nlen = strlen(name);

	if (!kc->text.len)
		return NULL;
	for (const char *p = kc->text.buf; (p = strstr(p, name)); p += nlen) {
		if ((p == kc->text.buf || p[-1] == '\n') && p[nlen] == '=') {
			const char *v = p + nlen + 1;

			*ret_len = strcspn(v, "\n");
			return v;
		}
	}
	return NULL;
}

char *kernel_config_get(const struct kernel_config *kc, const char *name)
{
	size_t len;
	const char *v = config_line(kc, name, &len);

	if (!v)
		return NULL;
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"')
		return xstrndup(v + 1, len - 2);
	return xstrndup(v, len);
}

bool kernel_config_is_set(const struct kernel_config *kc, const char *name)
{
	size_t len;
	const char *v = config_line(kc, name, &len);

	return v && len == 1 && (v[0] == 'y' || v[0] == 'm');
}

bool kernel_config_reads_zstd(const struct kernel_config *kc)
{
	return kernel_config_is_set(kc, "CONFIG_RD_ZSTD");
}

const struct kernel_config *dkms_kernel_config(const struct dkms_kernel *k)
{
	struct kernel_facts *f = k->facts;

	if (!(f->have & KERNEL_HAVE_CONFIG)) {
		kernel_config_load(&f->config, k->config);
		f->have |= KERNEL_HAVE_CONFIG;
	}
	return &f->config;
}

char *dkms_kernel_config_value(const struct dkms_kernel *k, const char *name)
{
	return kernel_config_get(dkms_kernel_config(k), name);
}

bool dkms_kernel_config_enabled(const struct dkms_kernel *k, const char *name)
{
	return kernel_config_is_set(dkms_kernel_config(k), name);
}

struct sign_plan *dkms_kernel_sign_plan(const struct dkms_kernel *k)
{
	return &k->facts->sign;
}

/* ---- the module suffix ---- */

/* Bit 0: .gz seen, bit 1: .xz, bit 2: .zst. Stops early once zst is seen. */
static unsigned scan_suffixes(const char *dir, unsigned found, int depth)
{
	DIR *d;
	struct dirent *de;

	if (depth > 16 || (found & 4))
		return found;
	d = opendir(dir);
	if (!d)
		return found;
	while ((de = readdir(d)) && !(found & 4)) {
		const char *n = de->d_name;
		size_t len = strlen(n);

		if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
			continue;
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
			_cleanup_free_ char *sub = xasprintf("%s/%s", dir, n);
			struct stat st;

			/* find(1) does not follow the build/source links */
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
				found = scan_suffixes(sub, found, depth + 1);
				continue;
			}
		}
		if (len > 6 && streq(n + len - 6, ".ko.gz"))
			found |= 1;
		else if (len > 6 && streq(n + len - 6, ".ko.xz"))
			found |= 2;
		else if (len > 7 && streq(n + len - 7, ".ko.zst"))
			found |= 4;
	}
	closedir(d);
	return found;
}

const char *dkms_kernel_module_suffix(const struct dkms_ctx *ctx, const char *version)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", ctx->install_tree, version);
	unsigned found = scan_suffixes(dir, 0, 0);

	if (found & 4)
		return ".zst";
	if (found & 2)
		return ".xz";
	if (found & 1)
		return ".gz";
	return "";
}

const char *dkms_kernel_suffix(const struct dkms_ctx *ctx, const struct dkms_kernel *k)
{
	struct kernel_facts *f = k->facts;

	if (!(f->have & KERNEL_HAVE_SUFFIX)) {
		f->module_suffix = dkms_kernel_module_suffix(ctx, k->version);
		f->have |= KERNEL_HAVE_SUFFIX;
	}
	return f->module_suffix;
}

const char *kernel_suffixes_get(struct kernel_suffixes *cache, const struct dkms_ctx *ctx,
				const char *version)
{
	size_t lo = 0, hi = cache->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(version, cache->v[mid].version);

		if (c == 0)
			return cache->v[mid].suffix;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (cache->n == cache->alloc) {
		cache->alloc = cache->alloc ? 2 * cache->alloc : 16;
		cache->v = xrealloc(cache->v, cache->alloc * sizeof(*cache->v));
	}
	memmove(&cache->v[lo + 1], &cache->v[lo], (cache->n - lo) * sizeof(*cache->v));
	cache->v[lo] = (struct kernel_suffix){
		.version = xstrdup(version),
		.suffix = dkms_kernel_module_suffix(ctx, version),
	};
	cache->n++;
	return cache->v[lo].suffix;
}

void kernel_suffixes_release(struct kernel_suffixes *cache)
{
	for (size_t i = 0; i < cache->n; i++)
		free(cache->v[i].version);
	free(cache->v);
	*cache = (struct kernel_suffixes)KERNEL_SUFFIXES_INIT;
}

char *dkms_expand_kernelver(const char *s, const char *kernelver)
{
	struct strbuf sb = STRBUF_INIT;
	size_t mlen = strlen(DKMS_KERNELVER_MARK);

	while (*s) {
		if (!strncmp(s, DKMS_KERNELVER_MARK, mlen)) {
			strbuf_addstr(&sb, kernelver ? kernelver : "");
			s += mlen;
		} else {
			strbuf_addch(&sb, *s++);
		}
	}
	return strbuf_detach(&sb);
}
