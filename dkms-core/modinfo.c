// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libkmod.h>
#include <string.h>

#include "modinfo.h"
#include "util/strbuf.h"
#include "version.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_module *, kmod_module_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_list *, kmod_module_info_free_list)

int modinfo_read(const char *path, struct modinfo *ret)
{
	/* a dirname that does not exist keeps libkmod from loading indexes */
	_cleanup_(kmod_unrefp) struct kmod_ctx *kctx = kmod_new("/nonexistent", NULL);
	_cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
	_cleanup_(kmod_module_info_free_listp) struct kmod_list *info = NULL;
	struct modinfo mi = { NULL, NULL };
	const char *checksum = NULL;
	struct kmod_list *l;
	int r;

	if (!kctx)
		return -ENOMEM;
	kmod_set_log_priority(kctx, 0);
	r = kmod_module_new_from_path(kctx, path, &mod);
	if (r < 0)
		return r;
	r = kmod_module_get_info(mod, &info);
	if (r < 0)
		return r;
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);
		const char *value = kmod_module_info_get_value(l);

		if (!value)
			continue;
		if (streq(key, "version") && !mi.version) {
			/* modinfo prints "version: V [checksum]"; dkms splits on blanks */
			size_t n = strcspn(value, " \t");

			mi.version = xstrndup(value, n);
			if (value[n])
				checksum = value + n + strspn(value + n, " \t");
		} else if (streq(key, "srcversion") && !mi.srcversion) {
			mi.srcversion = xstrdup(value);
		}
	}
	if (!mi.srcversion && checksum && *checksum)
		mi.srcversion = xstrndup(checksum, strcspn(checksum, " \t"));
	*ret = mi;
	return 0;
}

void modinfo_release(struct modinfo *mi)
{
	free(mi->version);
	free(mi->srcversion);
	mi->version = mi->srcversion = NULL;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

enum modver_cmp modinfo_compare(const char *a, const char *b)
{
	struct modinfo x = { NULL, NULL }, y = { NULL, NULL };
	enum modver_cmp r;
	int ra = modinfo_read(a, &x), rb = modinfo_read(b, &y);

	/* an unreadable module compares like one without version info */
	(void)ra;
	(void)rb;
	if (streq(nz(x.version), nz(y.version)))
		r = streq(nz(x.srcversion), nz(y.srcversion)) ? MODVER_SAME : MODVER_SAME_VERSION;
	else
		r = ver_compare(nz(x.version), nz(y.version)) > 0 ? MODVER_NEWER : MODVER_OLDER;
	modinfo_release(&x);
	modinfo_release(&y);
	return r;
}
