// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel.h"
#include "sign.h"
#include "util/fileio.h"
#include "util/strbuf.h"

void dkms_kernel_init(struct dkms_kernel *k, const struct dkms_ctx *ctx,
		      const char *version, const char *arch)
{
	memset(k, 0, sizeof(*k));
	k->sign = xcalloc(1, sizeof(*k->sign));
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

void dkms_kernel_release(struct dkms_kernel *k)
{
	free(k->version);
	free(k->arch);
	free(k->source_dir);
	free(k->config);
	if (k->sign) {
		sign_plan_release(k->sign);
		free(k->sign);
	}
	memset(k, 0, sizeof(*k));
}

bool dkms_kernel_has_headers(const struct dkms_kernel *k)
{
	_cleanup_free_ char *inc = xasprintf("%s/include", k->source_dir);

	return path_exists(inc);
}

char *dkms_kernel_config_value(const struct dkms_kernel *k, const char *name)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	size_t nlen = strlen(name);
	char *line, *save = NULL;

	if (read_file(k->config, &sb) < 0)
		return NULL;
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v;
		size_t vlen;

		if (strncmp(line, name, nlen) != 0 || line[nlen] != '=')
			continue;
		v = line + nlen + 1;
		vlen = strlen(v);
		if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"')
			return xstrndup(v + 1, vlen - 2);
		return xstrdup(v);
	}
	return NULL;
}

bool dkms_kernel_config_enabled(const struct dkms_kernel *k, const char *name)
{
	_cleanup_free_ char *v = dkms_kernel_config_value(k, name);

	return v && (streq(v, "y") || streq(v, "m"));
}

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
