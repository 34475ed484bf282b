// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The whitelisted dkms.conf directives and struct conf_vars: sorted arrays of
 * sparse string arrays, as bash holds them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util/strbuf.h"

/* dkms_conf_variables, in dkms's order (the bash evaluator dumps in it). */
static const char *const directive_names[] = {
	"PACKAGE_NAME", "PACKAGE_VERSION", "POST_ADD", "POST_BUILD", "POST_INSTALL",
	"POST_REMOVE", "PRE_BUILD", "PRE_INSTALL", "BUILD_DEPENDS", "BUILD_EXCLUSIVE_ARCH",
	"BUILD_EXCLUSIVE_CONFIG", "BUILD_EXCLUSIVE_KERNEL", "BUILD_EXCLUSIVE_KERNEL_MIN",
	"BUILD_EXCLUSIVE_KERNEL_MAX", "build_exclude", "MAKE", "MAKE_MATCH", "PATCH",
	"PATCH_MATCH", "patch_array", "BUILT_MODULE_NAME", "built_module_name",
	"BUILT_MODULE_LOCATION", "built_module_location", "DEST_MODULE_NAME",
	"dest_module_name", "DEST_MODULE_LOCATION", "dest_module_location", "STRIP", "strip",
	"AUTOINSTALL", "NO_WEAK_MODULES", "BUILD_DEPENDS_REBUILD", "OBSOLETE_BY", "CLEAN",
	"REMAKE_INITRD", "MODULES_CONF", "MODULES_CONF_OBSOLETES", "MODULES_CONF_ALIAS_TYPE",
	"MODULES_CONF_OBSOLETE_ONLY", "CROSS_COMPILE",
};

/* The same names in strcmp order, for bsearch. */
static const char *const sorted_names[] = {
	"AUTOINSTALL", "BUILD_DEPENDS", "BUILD_DEPENDS_REBUILD", "BUILD_EXCLUSIVE_ARCH",
	"BUILD_EXCLUSIVE_CONFIG", "BUILD_EXCLUSIVE_KERNEL", "BUILD_EXCLUSIVE_KERNEL_MAX",
	"BUILD_EXCLUSIVE_KERNEL_MIN", "BUILT_MODULE_LOCATION", "BUILT_MODULE_NAME", "CLEAN",
	"CROSS_COMPILE", "DEST_MODULE_LOCATION", "DEST_MODULE_NAME", "MAKE", "MAKE_MATCH", "MODULES_CONF",
	"MODULES_CONF_ALIAS_TYPE", "MODULES_CONF_OBSOLETES", "MODULES_CONF_OBSOLETE_ONLY",
	"NO_WEAK_MODULES", "OBSOLETE_BY", "PACKAGE_NAME", "PACKAGE_VERSION", "PATCH",
	"PATCH_MATCH", "POST_ADD", "POST_BUILD", "POST_INSTALL", "POST_REMOVE", "PRE_BUILD",
	"PRE_INSTALL", "REMAKE_INITRD", "STRIP", "build_exclude", "built_module_location",
	"built_module_name", "dest_module_location", "dest_module_name", "patch_array", "strip",
};

const char *const *conf_directives(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(directive_names);
	return directive_names;
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool conf_is_directive(const char *name)
{
	_Static_assert(ARRAY_SIZE(sorted_names) == ARRAY_SIZE(directive_names), "same names");
	return bsearch(name, sorted_names, ARRAY_SIZE(sorted_names), sizeof(sorted_names[0]),
		       cmp_name) != NULL;
}

static void var_release(struct conf_var *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->items[i].value);
	free(v->items);
	free(v->name);
}

void conf_vars_release(struct conf_vars *vars)
{
	for (size_t i = 0; i < vars->n; i++)
		var_release(&vars->vars[i]);
	free(vars->vars);
	vars->vars = NULL;
	vars->n = 0;
}

/* Index of name, or of where it would go (*found false). */
static size_t find_var(const struct conf_vars *vars, const char *name, bool *found)
{
	size_t lo = 0, hi = vars->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(vars->vars[mid].name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static size_t find_item(const struct conf_var *v, unsigned index, bool *found)
{
	size_t lo = 0, hi = v->n;

	/* appending in order is the common case */
	if (v->n && v->items[v->n - 1].index < index) {
		*found = false;
		return v->n;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->items[mid].index == index) {
			*found = true;
			return mid;
		}
		if (v->items[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct conf_var *conf_vars_get(const struct conf_vars *vars, const char *name)
{
	bool found;
	size_t i = find_var(vars, name, &found);

	return found ? &vars->vars[i] : NULL;
}

const char *conf_vars_value(const struct conf_vars *vars, const char *name, unsigned index)
{
	const struct conf_var *v = conf_vars_get(vars, name);
	bool found;
	size_t i;

	if (!v)
		return NULL;
	i = find_item(v, index, &found);
	return found ? v->items[i].value : NULL;
}

size_t conf_vars_count(const struct conf_vars *vars, const char *name)
{
	const struct conf_var *v = conf_vars_get(vars, name);

	return v ? v->n : 0;
}

static struct conf_var *get_or_add(struct conf_vars *vars, const char *name)
{
	bool found;
	size_t i = find_var(vars, name, &found);

	if (!found) {
		vars->vars = xrealloc(vars->vars, (vars->n + 1) * sizeof(*vars->vars));
		memmove(&vars->vars[i + 1], &vars->vars[i], (vars->n - i) * sizeof(*vars->vars));
		vars->vars[i] = (struct conf_var){ .name = xstrdup(name) };
		vars->n++;
	}
	return &vars->vars[i];
}

static void var_set(struct conf_var *v, unsigned index, const char *value)
{
	bool found;
	size_t i = find_item(v, index, &found);

	if (found) {
		char *old = v->items[i].value;

		v->items[i].value = xstrdup(value);
		free(old);
		return;
	}
	v->items = xrealloc(v->items, (v->n + 1) * sizeof(*v->items));
	memmove(&v->items[i + 1], &v->items[i], (v->n - i) * sizeof(*v->items));
	v->items[i] = (struct conf_item){ .index = index, .value = xstrdup(value) };
	v->n++;
}

void conf_vars_set(struct conf_vars *vars, const char *name, unsigned index, const char *value)
{
	var_set(get_or_add(vars, name), index, value);
}

void conf_vars_unset(struct conf_vars *vars, const char *name)
{
	bool found;
	size_t i = find_var(vars, name, &found);

	if (!found)
		return;
	var_release(&vars->vars[i]);
	memmove(&vars->vars[i], &vars->vars[i + 1], (vars->n - i - 1) * sizeof(*vars->vars));
	vars->n--;
}

void conf_vars_copy(struct conf_vars *dst, const struct conf_vars *src)
{
	conf_vars_release(dst);
	if (!src->n)
		return;
	dst->vars = xcalloc(src->n, sizeof(*dst->vars));
	for (size_t i = 0; i < src->n; i++) {
		const struct conf_var *s = &src->vars[i];
		struct conf_var *d = &dst->vars[i];

		d->name = xstrdup(s->name);
		d->items = xcalloc(s->n ? s->n : 1, sizeof(*d->items));
		for (size_t j = 0; j < s->n; j++)
			d->items[j] = (struct conf_item){ s->items[j].index, xstrdup(s->items[j].value) };
		d->n = s->n;
	}
	dst->n = src->n;
}

void conf_vars_merge(struct conf_vars *dst, const struct conf_vars *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct conf_var *s = &src->vars[i];
		struct conf_var *d = get_or_add(dst, s->name);

		for (size_t j = 0; j < s->n; j++)
			var_set(d, s->items[j].index, s->items[j].value);
	}
}

bool conf_vars_equal(const struct conf_vars *a, const struct conf_vars *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct conf_var *x = &a->vars[i], *y = &b->vars[i];

		if (!streq(x->name, y->name) || x->n != y->n)
			return false;
		for (size_t j = 0; j < x->n; j++)
			if (x->items[j].index != y->items[j].index ||
			    !streq(x->items[j].value, y->items[j].value))
				return false;
	}
	return true;
}

void conf_vars_dump(const struct conf_vars *vars, FILE *f)
{
	for (size_t i = 0; i < vars->n; i++) {
		const struct conf_var *v = &vars->vars[i];

		for (size_t j = 0; j < v->n; j++) {
			fprintf(f, "%s[%u]=<", v->name, v->items[j].index);
			for (const unsigned char *p = (const unsigned char *)v->items[j].value; *p; p++) {
				if (*p == '\n')
					fputs("\\n", f);
				else if (*p == '\r')
					fputs("\\r", f);
				else if (*p == '\\')
					fputs("\\\\", f);
				else if (*p < 0x20 || *p == 0x7f)
					fprintf(f, "\\x%02x", *p);
				else
					fputc(*p, f);
			}
			fputs(">\n", f);
		}
	}
}
