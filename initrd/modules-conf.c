// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initrd/modules-conf.h"
#include "names.h"
#include "util/fileio.h"

void modules_conf_release(struct modules_conf *mc)
{
	strv_release(&mc->kernels);
	strv_release(&mc->include);
	strv_release(&mc->force);
	strv_release(&mc->aliases);
	strv_release(&mc->lines);
}

bool modules_conf_is_empty(const struct modules_conf *mc)
{
	return !mc->include.n && !mc->force.n && !mc->aliases.n && !mc->lines.n;
}

static bool active(const struct modules_conf *mc)
{
	return mc->kernels.n && !modules_conf_is_empty(mc);
}

static void add_header(struct strbuf *sb, const struct modules_conf *mc)
{
	strbuf_addf(sb, "# Written by dkms for %s/%s (%s%s%s%s%s).\n", mc->package, mc->version,
		    mc->include.n ? "REMAKE_INITRD" : "", mc->include.n && mc->force.n ? ", " : "",
		    mc->force.n ? "MODULES_CONF_ALIAS_TYPE" : "",
		    mc->lines.n && (mc->include.n || mc->force.n) ? ", " : "", mc->lines.n ? "MODULES_CONF" : "");
	strbuf_addstr(sb, "# dkms removes it when the package is uninstalled from its last kernel.\n");
}

/* " a b " (leading and trailing blank, as dracut wants for +=) */
static void add_word_list(struct strbuf *sb, const struct strv *words)
{
	strbuf_addch(sb, ' ');
	for (size_t i = 0; i < words->n; i++)
		strbuf_addf(sb, "%s ", words->v[i]);
}

/* dracut.conf.d is sourced by dracut's bash after $kernel is set from its arguments. */
static bool render_dracut(const struct modules_conf *mc, struct strbuf *sb)
{
	if (!active(mc) || (!mc->include.n && !mc->force.n))
		return false;
	add_header(sb, mc);
	strbuf_addstr(sb, "if [[ \"");
	add_word_list(sb, &mc->kernels);
	strbuf_addstr(sb, "\" == *\" ${kernel:-$(uname -r)} \"* ]]; then\n");
	if (mc->include.n) {
		strbuf_addstr(sb, "\tadd_drivers+=\"");
		add_word_list(sb, &mc->include);
		strbuf_addstr(sb, "\"\n");
	}
	if (mc->force.n) {
		strbuf_addstr(sb, "\tforce_drivers+=\"");
		add_word_list(sb, &mc->force);
		strbuf_addstr(sb, "\"\n");
	}
	strbuf_addstr(sb, "fi\n");
	return true;
}

/* An initramfs-tools hook: puts modules in without loading them ($version is mkinitramfs's). */
static bool render_itools_hook(const struct modules_conf *mc, struct strbuf *sb)
{
	if (!active(mc) || !mc->include.n)
		return false;
	strbuf_addstr(sb, "#!/bin/sh\n");
	add_header(sb, mc);
	strbuf_addstr(sb, "[ \"$1\" = prereqs ] && exit 0\n"
			  ". /usr/share/initramfs-tools/hook-functions\n"
			  "case \"");
	add_word_list(sb, &mc->kernels);
	strbuf_addstr(sb, "\" in\n*\" ${version} \"*)\n\tmanual_add_modules");
	for (size_t i = 0; i < mc->include.n; i++)
		strbuf_addf(sb, " %s", mc->include.v[i]);
	strbuf_addstr(sb, "\n\t;;\nesac\n");
	return true;
}

static bool render_mkinitcpio(const struct modules_conf *mc, struct strbuf *sb)
{
	if (!active(mc) || (!mc->include.n && !mc->force.n))
		return false;
	add_header(sb, mc);
	strbuf_addstr(sb, "MODULES+=(");
	for (size_t i = 0; i < mc->include.n; i++)
		strbuf_addf(sb, "%s%s", i ? " " : "", mc->include.v[i]);
	for (size_t i = 0; i < mc->force.n; i++)
		strbuf_addf(sb, "%s%s", i || mc->include.n ? " " : "", mc->force.v[i]);
	strbuf_addstr(sb, ")\n");
	return true;
}

static bool render_modprobe(const struct modules_conf *mc, struct strbuf *sb)
{
	if (!active(mc) || (!mc->aliases.n && !mc->lines.n))
		return false;
	add_header(sb, mc);
	for (size_t i = 0; i < mc->aliases.n; i++)
		strbuf_addf(sb, "alias %s\n", mc->aliases.v[i]);
	for (size_t i = 0; i < mc->lines.n; i++)
		strbuf_addf(sb, "%s\n", mc->lines.v[i]);
	return true;
}

/*
 * The initramfs-tools modules file is the admin's: dkms owns one block per
 * package. The BEGIN line says whether dkms added a newline the file
 * lacked, so that taking the block out gives back the exact bytes.
 */
#define BLOCK_BEGIN "# BEGIN dkms "
#define BLOCK_END "# END dkms "
#define BLOCK_NEWLINE " (newline added)"

static const char *find_line(const char *buf, const char *prefix, const char *pkg, const char **ret_eol)
{
	size_t pl = strlen(prefix), kl = strlen(pkg);

	for (const char *line = buf; *line;) {
		const char *eol = strchrnul(line, '\n');

		if (!strncmp(line, prefix, pl) && !strncmp(line + pl, pkg, kl) &&
		    (line[pl + kl] == '\n' || line[pl + kl] == ' ' || line[pl + kl] == '\0')) {
			*ret_eol = eol;
			return line;
		}
		line = *eol ? eol + 1 : eol;
	}
	return NULL;
}

/* Take out pkg's block; 0, or -EBADMSG when its END line is missing. */
static int remove_block(struct strbuf *file, const char *pkg)
{
	const char *begin_eol, *end_eol;
	const char *begin = find_line(file->buf, BLOCK_BEGIN, pkg, &begin_eol);
	const char *end;
	size_t from, to;
	bool added_nl;

	if (!begin)
		return 0;
	end = find_line(begin_eol, BLOCK_END, pkg, &end_eol);
	if (!end)
		return -EBADMSG;
	added_nl = (size_t)(begin_eol - begin) >= strlen(BLOCK_NEWLINE) &&
		   !strncmp(begin_eol - strlen(BLOCK_NEWLINE), BLOCK_NEWLINE, strlen(BLOCK_NEWLINE));
	from = (size_t)(begin - file->buf);
	to = (size_t)(end_eol - file->buf) + (*end_eol ? 1 : 0);
	if (added_nl && to == file->len && from > 0 && file->buf[from - 1] == '\n')
		from--;
	memmove(file->buf + from, file->buf + to, file->len - to + 1);
	file->len -= to - from;
	/* the newline we added stays while another dkms block follows: that block owns it now */
	if (added_nl && from < file->len && !strncmp(file->buf + from, BLOCK_BEGIN, strlen(BLOCK_BEGIN))) {
		const char *eol = strchrnul(file->buf + from, '\n');
		size_t at = (size_t)(eol - file->buf), nl = strlen(BLOCK_NEWLINE);

		if (at - from < nl || strncmp(eol - nl, BLOCK_NEWLINE, nl)) {
			_cleanup_free_ char *tail = xstrdup(file->buf + at);

			strbuf_setlen(file, at);
			strbuf_addstr(file, BLOCK_NEWLINE);
			strbuf_addstr(file, tail);
		}
	}
	return 0;
}

static void add_block(struct strbuf *file, const struct modules_conf *mc)
{
	bool need_nl = file->len && file->buf[file->len - 1] != '\n';

	if (need_nl)
		strbuf_addch(file, '\n');
	strbuf_addf(file, BLOCK_BEGIN "%s%s\n", mc->package, need_nl ? BLOCK_NEWLINE : "");
	strbuf_addf(file, "# added by dkms for %s/%s (MODULES_CONF_ALIAS_TYPE); removed on uninstall\n",
		    mc->package, mc->version);
	for (size_t i = 0; i < mc->force.n; i++)
		strbuf_addf(file, "%s\n", mc->force.v[i]);
	strbuf_addf(file, BLOCK_END "%s\n", mc->package);
}

static struct modules_conf_saved_file *save_slot(struct modules_conf_saved *saved)
{
	saved->files = xrealloc(saved->files, (saved->n + 1) * sizeof(*saved->files));
	memset(&saved->files[saved->n], 0, sizeof(*saved->files));
	strbuf_init(&saved->files[saved->n].content);
	return &saved->files[saved->n++];
}

/* Make path hold want (or not exist when want is NULL). */
static int put_file(const char *path, const struct strbuf *want, mode_t mode, struct modules_conf_saved *saved)
{
	_cleanup_strbuf_ struct strbuf old = STRBUF_INIT;
	struct stat st;
	bool existed = lstat(path, &st) == 0;
	struct modules_conf_saved_file *f;
	int r;

	if (existed) {
		r = read_file(path, &old);
		if (r < 0)
			return r;
		if (want && old.len == want->len && !memcmp(old.buf, want->buf, old.len) &&
		    (st.st_mode & 07777) == mode)
			return 0;
	} else if (!want) {
		return 0;
	}
	if (want) {
		_cleanup_free_ char *dir = xstrdup(path);

		*strrchr(dir, '/') = '\0';
		r = mkdir_p(dir, 0755);
		if (r >= 0)
			r = write_file_atomic(path, want->buf, want->len, mode);
	} else {
		r = unlink(path) < 0 ? -errno : 0;
	}
	if (r < 0)
		return r;
	f = save_slot(saved);
	f->path = xstrdup(path);
	f->existed = existed;
	f->mode = existed ? st.st_mode & 07777 : 0;
	strbuf_add(&f->content, old.buf, old.len);
	return 0;
}

void modules_conf_saved_release(struct modules_conf_saved *saved)
{
	for (size_t i = 0; i < saved->n; i++) {
		free(saved->files[i].path);
		strbuf_release(&saved->files[i].content);
	}
	free(saved->files);
	saved->files = NULL;
	saved->n = 0;
}

void modules_conf_restore(struct modules_conf_saved *saved)
{
	for (size_t i = saved->n; i-- > 0;) {
		const struct modules_conf_saved_file *f = &saved->files[i];

		if (f->existed)
			write_file_atomic(f->path, f->content.buf, f->content.len, f->mode);
		else
			unlink(f->path);
	}
	modules_conf_saved_release(saved);
}

static int apply_modules_file(const char *path, const struct modules_conf *mc, struct modules_conf_saved *saved)
{
	_cleanup_strbuf_ struct strbuf file = STRBUF_INIT;
	struct stat st;
	mode_t mode = 0644;
	int r;

	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
		r = read_file(path, &file);
		if (r < 0)
			return r;
	} else if (errno != ENOENT) {
		return -errno;
	}
	r = remove_block(&file, mc->package);
	if (r < 0)
		return r;
	if (active(mc) && mc->force.n)
		add_block(&file, mc);
	return put_file(path, &file, mode, saved);
}

/*
 * A MODULES_CONF line goes into modprobe.d as one line: a known directive,
 * no control character (a newline would start a second directive), and
 * its module name (the second word) a valid name. NULL or why not.
 */
static const char *modprobe_line_problem(const char *line, char reason[NAME_REASON_MAX])
{
	static const char *const directives[] = {
		"alias", "options", "install", "remove", "softdep", "weakdep", "blacklist",
	};
	size_t n = strcspn(line, " ");
	_cleanup_free_ char *first = xstrndup(line, n);
	_cleanup_free_ char *second = NULL;
	const char *p = line + n;
	bool known = false;

	for (const unsigned char *c = (const unsigned char *)line; *c; c++)
		if (*c < 0x20 || *c == 0x7f) {
			snprintf(reason, NAME_REASON_MAX, "control character 0x%02x is not allowed", *c);
			return reason;
		}
	for (size_t i = 0; i < ARRAY_SIZE(directives); i++)
		known |= streq(first, directives[i]);
	if (!known) {
		snprintf(reason, NAME_REASON_MAX, "it does not start with a modprobe.d directive");
		return reason;
	}
	p += strspn(p, " ");
	second = xstrndup(p, strcspn(p, " "));
	/* alias takes a wildcard pattern first; the others a module name */
	if (!streq(first, "alias"))
		return name_check(NAME_WORD, second, reason);
	if (strempty(second)) {
		snprintf(reason, NAME_REASON_MAX, "it has no alias");
		return reason;
	}
	return NULL;
}

/* Everything that goes into a file a shell or modprobe reads: names, or one modprobe.d line. */
static int check_values(const struct dkms_ctx *ctx, const struct modules_conf *mc)
{
	const struct {
		const char *what;
		const struct strv *v;
	} lists[] = {
		{ "kernel", &mc->kernels }, { "module", &mc->include }, { "module", &mc->force },
	};
	char reason[NAME_REASON_MAX];
	const char *bad;

	if ((bad = name_check(NAME_WORD, mc->package, reason)) ||
	    (!strempty(mc->version) && (bad = name_check(NAME_WORD, mc->version, reason)))) {
		_cleanup_free_ char *shown = xasprintf("%s/%s", mc->package ? mc->package : "",
						       mc->version ? mc->version : "");
		_cleanup_free_ char *esc = name_escape(shown);

		dkms_error(ctx, "Package \"%s\" is not a valid name for the initrd configuration: %s.", esc, bad);
		return -EINVAL;
	}
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l].v->n; i++)
			if ((bad = name_check(NAME_WORD, lists[l].v->v[i], reason))) {
				_cleanup_free_ char *esc = name_escape(lists[l].v->v[i]);

				dkms_error(ctx, "%s/%s: %s \"%s\" is not a valid name: %s.", mc->package,
					   mc->version, lists[l].what, esc, bad);
				return -EINVAL;
			}
	for (size_t i = 0; i < mc->aliases.n; i++) {
		_cleanup_free_ char *type = xstrndup(mc->aliases.v[i], strcspn(mc->aliases.v[i], " "));

		if ((bad = name_check(NAME_WORD, type, reason))) {
			_cleanup_free_ char *esc = name_escape(type);

			dkms_error(ctx, "%s/%s: MODULES_CONF_ALIAS_TYPE \"%s\" is not a valid name: %s.",
				   mc->package, mc->version, esc, bad);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < mc->lines.n; i++)
		if ((bad = modprobe_line_problem(mc->lines.v[i], reason))) {
			_cleanup_free_ char *esc = name_escape(mc->lines.v[i]);

			dkms_error(ctx, "%s/%s: MODULES_CONF[%zu] \"%s\" is not one modprobe.d line: %s.",
				   mc->package, mc->version, i, esc, bad);
			return -EINVAL;
		}
	return 0;
}

int modules_conf_apply(const struct dkms_ctx *ctx, const char *sysconfdir, const struct modules_conf *mc,
		       struct modules_conf_saved *saved)
{
	struct modules_conf_saved local = MODULES_CONF_SAVED_INIT;
	struct {
		const char *dir;  /* written only where this exists */
		const char *prefix, *suffix; /* under dir: <prefix><package><suffix> */
		bool (*render)(const struct modules_conf *, struct strbuf *);
		mode_t mode;
	} parts[] = {
		{ "dracut.conf.d", "dkms-", ".conf", render_dracut, 0644 },
		{ "initramfs-tools", "hooks/dkms-", "", render_itools_hook, 0755 },
		{ "mkinitcpio.conf.d", "dkms-", ".conf", render_mkinitcpio, 0644 },
		{ NULL, "modprobe.d/dkms-", ".conf", render_modprobe, 0644 },
	};
	_cleanup_free_ char *failed = NULL;
	int r = check_values(ctx, mc);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(parts) && r >= 0; i++) {
		_cleanup_free_ char *name = xasprintf("%s%s%s", parts[i].prefix, mc->package, parts[i].suffix);
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		bool want;

		free(failed);
		if (parts[i].dir) {
			_cleanup_free_ char *dir = xasprintf("%s/%s", sysconfdir, parts[i].dir);

			failed = xasprintf("%s/%s", dir, name);
			if (!is_dir(dir))
				continue;
		} else {
			failed = xasprintf("%s/%s", sysconfdir, name);
		}
		want = parts[i].render(mc, &sb);
		r = put_file(failed, want ? &sb : NULL, parts[i].mode, &local);
	}
	if (r >= 0) {
		_cleanup_free_ char *dir = xasprintf("%s/initramfs-tools", sysconfdir);

		free(failed);
		failed = xasprintf("%s/modules", dir);
		if (is_dir(dir))
			r = apply_modules_file(failed, mc, &local);
	}
	if (r < 0) {
		dkms_error(ctx, "Could not update %s: %s", failed,
			   r == -EBADMSG ? "the dkms block has no END line" : strerror(-r));
		modules_conf_restore(&local);
		return r;
	}
	if (saved && local.n) {
		saved->files = xrealloc(saved->files, (saved->n + local.n) * sizeof(*saved->files));
		memcpy(saved->files + saved->n, local.files, local.n * sizeof(*local.files));
		saved->n += local.n;
		free(local.files);
	} else {
		modules_conf_saved_release(&local);
	}
	return 0;
}
