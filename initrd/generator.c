// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "initrd/generator.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "util/words.h"

struct kind_info {
	const char *kind_name;
	const char *program;
	const char *template;
};

/*
 * mkinitramfs is what update-initramfs runs, minus the bookkeeping that
 * would write to /boot directly. Each default reads its configuration from
 * {sysconfdir}, so the files dkms writes there (modules-conf.h) are seen.
 */
static const struct kind_info kinds[] = {
	[INITRD_GENERATOR_CUSTOM] = { "custom", NULL, "" },
	[INITRD_GENERATOR_INITRAMFS_TOOLS] = { "initramfs-tools", "mkinitramfs",
		"mkinitramfs -d {sysconfdir}/initramfs-tools -o {image} {kernel}" },
	[INITRD_GENERATOR_DRACUT] = { "dracut", "dracut",
		"dracut --force --quiet --conf {sysconfdir}/dracut.conf --confdir {sysconfdir}/dracut.conf.d "
		"--kmoddir {moduledir} {image} {kernel}" },
	[INITRD_GENERATOR_MKINITCPIO] = { "mkinitcpio", "mkinitcpio", "mkinitcpio -k {kernel} -g {image}" },
};

void initrd_generator_release(struct initrd_generator *g)
{
	free(g->name);
	free(g->template);
	g->name = g->template = NULL;
}

const char *initrd_generator_default_template(enum initrd_generator_kind kind)
{
	return kinds[kind].template;
}

const char *initrd_generator_kind_name(enum initrd_generator_kind kind)
{
	return kinds[kind].kind_name;
}

static bool installed(enum initrd_generator_kind kind, const char *sysconfdir)
{
	_cleanup_free_ char *path = find_program(kinds[kind].program);

	if (!path)
		return false;
	/* dracut-core installs beside initramfs-tools; the latter's config says it is in use */
	if (kind == INITRD_GENERATOR_INITRAMFS_TOOLS) {
		_cleanup_free_ char *conf = xasprintf("%s/initramfs-tools/initramfs.conf", sysconfdir);

		return is_file(conf);
	}
	return true;
}

/* dracut refuses a --conf or --confdir that does not exist: name only those that do. */
static char *dracut_template(const char *sysconfdir)
{
	_cleanup_free_ char *conf = xasprintf("%s/dracut.conf", sysconfdir);
	_cleanup_free_ char *confdir = xasprintf("%s/dracut.conf.d", sysconfdir);

	return xasprintf("dracut --force --quiet%s%s --kmoddir {moduledir} {image} {kernel}",
			 is_file(conf) ? " --conf {sysconfdir}/dracut.conf" : "",
			 is_dir(confdir) ? " --confdir {sysconfdir}/dracut.conf.d" : "");
}

static void set_kind(struct initrd_generator *g, enum initrd_generator_kind kind, const char *sysconfdir)
{
	g->kind = kind;
	g->name = xstrdup(kinds[kind].program);
	g->template = kind == INITRD_GENERATOR_DRACUT ? dracut_template(sysconfdir) : xstrdup(kinds[kind].template);
}

int initrd_generator_pick(const char *configured, int made_by, const char *sysconfdir,
			  struct initrd_generator *ret)
{
	static const enum initrd_generator_kind order[] = {
		INITRD_GENERATOR_INITRAMFS_TOOLS, INITRD_GENERATOR_DRACUT, INITRD_GENERATOR_MKINITCPIO,
	};
	struct initrd_generator g = { INITRD_GENERATOR_CUSTOM, NULL, NULL };

	if (configured) {
		/* the name for messages; initrd_generator_expand checks the whole template */
		size_t start = strspn(configured, " \t\n"), len = strcspn(configured + start, " \t\n");
		_cleanup_free_ char *first = xstrndup(configured + start, len);
		const char *slash = strrchr(first, '/');

		g.name = xstrdup(slash ? slash + 1 : first);
		g.template = xstrdup(configured);
		*ret = g;
		return 0;
	}
	if (made_by > INITRD_GENERATOR_CUSTOM && made_by < (int)ARRAY_SIZE(kinds) &&
	    installed((enum initrd_generator_kind)made_by, sysconfdir)) {
		set_kind(&g, (enum initrd_generator_kind)made_by, sysconfdir);
		*ret = g;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (installed(order[i], sysconfdir)) {
			set_kind(&g, order[i], sysconfdir);
			*ret = g;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *var_value(const struct initrd_generator_vars *vars, const char *name, size_t len)
{
	const struct {
		const char *name;
		const char *value;
	} table[] = {
		{ "image", vars->image },         { "kernel", vars->kernel },
		{ "bootdir", vars->bootdir },     { "moduledir", vars->moduledir },
		{ "sysconfdir", vars->sysconfdir },
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strlen(table[i].name) == len && !strncmp(table[i].name, name, len))
			return table[i].value ? table[i].value : "";
	return NULL;
}

/* One {placeholder} (or {{, }}) at *p into word; advances *p. */
static int expand_brace(const char **p, void *data, struct strbuf *word, char **ret_bad)
{
	const struct initrd_generator_vars *vars = data;
	const char *s = *p, *end;
	const char *value;

	if (s[0] == s[1]) { /* {{ or }} */
		strbuf_addch(word, s[0]);
		*p = s + 2;
		return 0;
	}
	end = s[0] == '{' ? strchr(s, '}') : NULL;
	value = end ? var_value(vars, s + 1, (size_t)(end - s - 1)) : NULL;
	if (!value) {
		if (ret_bad)
			*ret_bad = end ? xstrndup(s, (size_t)(end - s + 1)) : xstrdup(s);
		return -EINVAL;
	}
	strbuf_addstr(word, value);
	*p = end + 1;
	return 0;
}

int initrd_generator_expand(const char *template, const struct initrd_generator_vars *vars,
			    struct strv *ret_argv, char **ret_bad)
{
	/* the shell's quoting, and {placeholders} wherever they are (no shell runs) */
	const struct words_opts opts = {
		.special = "{}",
		.hook = expand_brace,
		.data = (void *)vars,
	};

	return words_split(template, &opts, ret_argv, ret_bad);
}

int initrd_generator_run(const struct initrd_generator *g, const struct initrd_generator_vars *vars,
			 int log_fd, int timeout_ms, char **ret_bad)
{
	struct child c = CHILD_INIT;
	_cleanup_close_ int devnull = -1;
	int r;

	r = initrd_generator_expand(g->template, vars, &c.args, ret_bad);
	if (r < 0)
		return r;
	if (log_fd < 0) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		log_fd = devnull;
	}
	c.in_fd = -2;
	c.out_fd = log_fd;
	c.err_fd = -2;
	c.timeout_ms = timeout_ms;
	r = child_run(&c);
	child_release(&c);
	return r;
}
