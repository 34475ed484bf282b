// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * BUILD_EXCLUSIVE_{KERNEL,KERNEL_MIN,KERNEL_MAX,ARCH,CONFIG}, global and per
 * record, as dkms's check_build_exclusive evaluates them for one kernel.
 */
#include <regex.h>
#include <string.h>

#include "conf-read.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "version.h"

static const char *first_value(const struct conf_vars *vars, const char *name)
{
	const char *v = conf_vars_value(vars, name, 0);

	return strempty(v) ? NULL : v;
}

static char *dup_first(const struct conf_vars *vars, const char *name)
{
	const char *v = first_value(vars, name);

	return v ? xstrdup(v) : NULL;
}

/* grep -q "^${kconf}=[ym]" config (a basic regular expression, as grep). */
static bool config_has(const struct strbuf *config, const char *kconf)
{
	_cleanup_free_ char *re = NULL;
	size_t len = strlen(kconf);
	regex_t rx;
	bool m;

	if (!strpbrk(kconf, ".[]*^$\\")) {
		/* a plain name: find it at a line start followed by =y or =m */
		for (const char *p = config->buf; (p = strstr(p, kconf)); p++)
			if ((p == config->buf || p[-1] == '\n') && p[len] == '=' &&
			    (p[len + 1] == 'y' || p[len + 1] == 'm'))
				return true;
		return false;
	}
	re = xasprintf("^%s=[ym]", kconf);
	if (regcomp(&rx, re, REG_NOSUB | REG_NEWLINE) != 0)
		return false;
	m = regexec(&rx, config->buf, 0, NULL, 0) == 0;
	regfree(&rx);
	return m;
}

static bool config_ok(const char *spec, const struct dkms_kernel *k)
{
	_cleanup_strv_ struct strv words = STRV_INIT;
	const struct kernel_config *kc;

	if (strempty(spec))
		return true;
	kc = dkms_kernel_config(k); /* read only when some rule needs it */
	if (!kc->exists)
		return true;
	strv_split(&words, spec, " \t\n");
	for (size_t i = 0; i < words.n; i++) {
		const char *w = words.v[i];

		if (w[0] == '!') {
			if (config_has(&kc->text, w + 1))
				return false;
		} else if (!config_has(&kc->text, w)) {
			return false;
		}
	}
	return true;
}

struct excl {
	const char *kernel, *kernel_min, *kernel_max, *arch, *config;
};

static bool excl_any(const struct excl *e)
{
	return e->kernel || e->kernel_min || e->kernel_max || e->arch || e->config;
}

static bool excl_version_ok(const struct excl *e, const char *kver, const char *arch)
{
	if (e->kernel && !regex_match(e->kernel, kver))
		return false;
	if (e->kernel_min && ver_compare(kver, e->kernel_min) < 0)
		return false;
	if (e->kernel_max && ver_compare(kver, e->kernel_max) > 0)
		return false;
	if (e->arch && !regex_match(e->arch, arch))
		return false;
	return true;
}

static bool buildable(const struct dkms_conf *conf, size_t i, const struct dkms_kernel *k)
{
	const struct dkms_conf_module *m = i < conf->n_modules ? &conf->modules[i] : NULL;
	const struct excl g = { conf->excl_kernel, conf->excl_kernel_min, conf->excl_kernel_max,
				conf->excl_arch, conf->excl_config };
	const struct excl r = m ? (struct excl){ m->excl_kernel, m->excl_kernel_min,
						 m->excl_kernel_max, m->excl_arch, m->excl_config }
				: (struct excl){ 0 };
	const char *kver = k->version ? k->version : "", *arch = k->arch ? k->arch : "";

	return excl_version_ok(&g, kver, arch) && excl_version_ok(&r, kver, arch) &&
	       config_ok(g.config, k) && config_ok(r.config, k);
}

bool dkms_conf_module_buildable(const struct dkms_conf *conf, size_t i, const struct dkms_kernel *k)
{
	return buildable(conf, i, k);
}

void conf_resolve_exclusive(const struct dkms_kernel *k, struct dkms_conf *conf)
{
	const struct conf_vars *vars = &conf->vars;
	struct excl g;
	size_t n_buildable = 0;
	bool any = false;

	conf->excl_kernel = dup_first(vars, "BUILD_EXCLUSIVE_KERNEL");
	conf->excl_kernel_min = dup_first(vars, "BUILD_EXCLUSIVE_KERNEL_MIN");
	conf->excl_kernel_max = dup_first(vars, "BUILD_EXCLUSIVE_KERNEL_MAX");
	conf->excl_arch = dup_first(vars, "BUILD_EXCLUSIVE_ARCH");
	conf->excl_config = dup_first(vars, "BUILD_EXCLUSIVE_CONFIG");

	/* OBSOLETE_BY acts as the global KERNEL_MAX unless a per-module one exists */
	if (conf->obsolete_by && !conf->excl_kernel_max) {
		bool per_module = false;

		for (size_t i = 0; i < conf->n_modules && !per_module; i++)
			per_module = !strempty(conf->modules[i].excl_kernel_max);
		if (!per_module) {
			conf->excl_kernel_max = xstrdup(conf->obsolete_by);
			if (conf->n_modules) {
				free(conf->modules[0].excl_kernel_max);
				conf->modules[0].excl_kernel_max = xstrdup(conf->obsolete_by);
			}
		}
	}

	g = (struct excl){ conf->excl_kernel, conf->excl_kernel_min, conf->excl_kernel_max,
			   conf->excl_arch, conf->excl_config };
	for (size_t i = 0; i < conf->n_modules; i++) {
		const struct dkms_conf_module *m = &conf->modules[i];
		const struct excl r = { m->excl_kernel, m->excl_kernel_min, m->excl_kernel_max,
					m->excl_arch, m->excl_config };

		if (excl_any(&g) || excl_any(&r))
			any = true;
		conf->modules[i].excluded = !buildable(conf, i, k);
		if (!conf->modules[i].excluded)
			n_buildable++;
	}
	conf->build_exclude = n_buildable == 0 && any;
}
