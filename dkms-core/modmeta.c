// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libkmod.h>
#include <stdlib.h>
#include <string.h>

#include "modmeta.h"
#include "util/strbuf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_module *, kmod_module_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_list *, kmod_module_info_free_list)

static void set_once(char **field, const char *value)
{
	if (!*field)
		*field = xstrdup(value);
}

int module_meta_read(const char *path, struct module_meta *ret)
{
	/* a dirname that does not exist keeps libkmod from loading indexes */
	_cleanup_(kmod_unrefp) struct kmod_ctx *kctx = kmod_new("/nonexistent", NULL);
	_cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
	_cleanup_(kmod_module_info_free_listp) struct kmod_list *info = NULL;
	struct module_meta m = { 0 };
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
		if (streq(key, "name"))
			set_once(&m.name, value);
		else if (streq(key, "description"))
			set_once(&m.description, value);
		else if (streq(key, "version"))
			set_once(&m.version, value);
		else if (streq(key, "srcversion"))
			set_once(&m.srcversion, value);
		else if (streq(key, "vermagic"))
			set_once(&m.vermagic, value);
		else if (streq(key, "license"))
			set_once(&m.license, value);
		else if (streq(key, "alias"))
			strv_push(&m.aliases, value);
		else if (streq(key, "depends"))
			strv_split(&m.depends, value, ",");
		else if (streq(key, "softdep"))
			strv_push(&m.softdeps, value);
		else if (streq(key, "firmware"))
			strv_push(&m.firmware, value);
	}
	/* a module built without modpost's name field: libkmod names it from the path */
	if (!m.name)
		m.name = xstrdup(kmod_module_get_name(mod));
	*ret = m;
	return 0;
}

void module_meta_release(struct module_meta *m)
{
	free(m->name);
	free(m->description);
	free(m->version);
	free(m->srcversion);
	free(m->vermagic);
	free(m->license);
	strv_release(&m->aliases);
	strv_release(&m->depends);
	strv_release(&m->softdeps);
	strv_release(&m->firmware);
	memset(m, 0, sizeof(*m));
}

char *module_meta_kernel(const struct module_meta *m)
{
	size_t n;

	if (strempty(m->vermagic))
		return NULL;
	n = strcspn(m->vermagic, " \t");
	return n ? xstrndup(m->vermagic, n) : NULL;
}

/* One "<tag><hex or *>" field; advances *s past it. */
static int pci_field(const char **s, const char *tag, size_t width, long *ret)
{
	size_t len = strlen(tag);
	char *end;

	if (strncmp(*s, tag, len))
		return -EINVAL;
	*s += len;
	if (**s == '*') {
		*ret = -1;
		(*s)++;
		return 0;
	}
	/* exactly width digits: the next tag's letters ("bc") are hex digits too */
	char digits[9];

	if (width >= sizeof(digits) || strspn(*s, "0123456789abcdefABCDEF") < width)
		return -EINVAL;
	memcpy(digits, *s, width);
	digits[width] = '\0';
	*ret = strtol(digits, &end, 16);
	*s += width;
	return 0;
}

int module_alias_pci(const char *alias, struct pci_match *ret)
{
	static const struct {
		const char *tag;
		size_t width;
	} fields[] = {
		{ "pci:v", 8 }, { "d", 8 }, { "sv", 8 }, { "sd", 8 },
		{ "bc", 2 },    { "sc", 2 }, { "i", 2 },
	};
	long v[ARRAY_SIZE(fields)];
	const char *s = alias;

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (pci_field(&s, fields[i].tag, fields[i].width, &v[i]) < 0)
			return -EINVAL;
	/* file2alias may end the alias with '*' after the interface field */
	if (*s && !streq(s, "*"))
		return -EINVAL;
	*ret = (struct pci_match){ v[0], v[1], v[2], v[3], v[4], v[5], v[6] };
	return 0;
}
