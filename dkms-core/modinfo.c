// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "modinfo.h"
#include "modmeta.h"
#include "util/strbuf.h"
#include "version.h"

int modinfo_read(const char *path, struct modinfo *ret)
{
	struct module_meta meta;
	struct modinfo mi = { NULL, NULL };
	const char *checksum = NULL;
	int r = module_meta_read(path, &meta);

	if (r < 0)
		return r;
	if (meta.version) {
		/* modinfo prints "version: V [checksum]"; dkms splits on blanks */
		size_t n = strcspn(meta.version, " \t");

		mi.version = xstrndup(meta.version, n);
		if (meta.version[n])
			checksum = meta.version + n + strspn(meta.version + n, " \t");
	}
	if (meta.srcversion)
		mi.srcversion = xstrdup(meta.srcversion);
	else if (checksum && *checksum)
		mi.srcversion = xstrndup(checksum, strcspn(checksum, " \t"));
	module_meta_release(&meta);
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
