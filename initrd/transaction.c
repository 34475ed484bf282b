// SPDX-License-Identifier: GPL-2.0-or-later
/* install, uninstall, remove, autoinstall and match as transactions that keep the initrd in line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "autoinstall.h"
#include "exitcode.h"
#include "initrd/modules-conf.h"
#include "initrd/remake.h"
#include "initrd/transaction-impl.h"
#include "initrd/transaction.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/failpoint.h"
#include "util/fileio.h"
#include "util/sha256.h"
#include "util/strbuf.h"

static bool is_system_tree(const struct dkms_ctx *ctx)
{
	_cleanup_free_ char *tree = canonical_path(ctx->install_tree);
	_cleanup_free_ char *sys = canonical_path("/lib/modules");

	return tree && sys && streq(tree, sys);
}

static const char *sysconfdir(const struct dkms_ctx *ctx)
{
	return ctx->initrd_sysconfdir ? ctx->initrd_sysconfdir : "/etc";
}

static const char *bootdir(const struct dkms_ctx *ctx)
{
	return ctx->bootdir ? ctx->bootdir : "/boot";
}

static void image_state(const char *image, struct initrd_txn *t)
{
	_cleanup_close_ int fd = open(image, O_RDONLY | O_CLOEXEC);
	struct sha256 s;
	uint8_t digest[32], buf[65536];
	char hex[SHA256_HEX_SIZE];
	unsigned long long size = 0;
	ssize_t n;

	if (fd < 0)
		return;
	sha256_init(&s);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		sha256_update(&s, buf, (size_t)n);
		size += (unsigned long long)n;
	}
	if (n < 0)
		return;
	sha256_final(&s, digest);
	sha256_digest_hex(digest, hex);
	journal_set(&t->j, "image", image);
	{
		_cleanup_free_ char *sz = xasprintf("%llu", size);

		journal_set(&t->j, "image_size", sz);
	}
	journal_set(&t->j, "image_sha256", hex);
}

static int parse_mode(const struct dkms_ctx *ctx, enum initrd_mode *mode)
{
	*mode = INITRD_MODE_AUTO;
	if (ctx->initrd_mode && initrd_mode_from_name(ctx->initrd_mode, mode) < 0) {
		dkms_error(ctx, "Invalid initrd mode '%s' (--initrd-mode, initrd_mode in framework.conf): "
			   "use regenerate, fragment, auto or none.", ctx->initrd_mode);
		return DKMS_EXIT_USAGE;
	}
	return 0;
}

/* The part of begin that recovery repeats from a record: what is on k, and the packages read. */
int txn_setup(const struct dkms_ctx *ctx, const char *op, const struct dkms_kernel *k, const char *module,
		     const char *version, struct initrd_txn *t)
{
	enum initrd_mode mode;
	int r = parse_mode(ctx, &mode);

	t->op = op;
	t->k = k;
	if (r)
		return r;
	t->enabled = (ctx->bootdir || is_system_tree(ctx)) && !(ctx->initrd_mode && mode == INITRD_MODE_NONE);
	t->module = module ? xstrdup(module) : NULL;
	t->version = version ? xstrdup(version) : NULL;
	return 0;
}

/* a package on its way out (the one named, or a dependent rebuilt): read what it has on k while it is there */
void txn_capture(const struct dkms_ctx *ctx, struct initrd_txn *t)
{
	for (size_t i = 0; t->enabled && i < t->before.n; i++) {
		_cleanup_free_ char *m = xstrdup(t->before.v[i]);
		char *v = strchr(m, '/');

		*v++ = '\0';
		/* nothing goes away in an autoinstall but what it rebuilds */
		if (!(t->module && streq(m, t->module)) && !strv_contains(&t->rebuilt, t->before.v[i]))
			continue;
		t->pkgs = xrealloc(t->pkgs, (t->n_pkgs + 1) * sizeof(*t->pkgs));
		if (txn_pkg_read(ctx, m, v, t->k, &t->pkgs[t->n_pkgs]) == 0)
			t->n_pkgs++;
	}
}

int initrd_txn_begin(const struct dkms_ctx *ctx, const char *op, const struct dkms_kernel *k,
		     const char *module, const char *version, struct initrd_txn *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	r = txn_setup(ctx, op, k, module, version, t);
	if (r)
		return r;
	t->force = ctx->force && module;
	if (t->enabled)
		initrd_cleanup(ctx, bootdir(ctx));
	txn_list_installed(ctx, k, module, &t->before);
	txn_capture(ctx, t);

	journal_add(&t->j, "op", op);
	journal_add(&t->j, "module", module);
	journal_add(&t->j, "version", version);
	journal_add(&t->j, "kernel", k->version);
	journal_add(&t->j, "arch", k->arch);
	journal_add(&t->j, "force", t->force ? "1" : "0");
	journal_add(&t->j, "initrd_mode", ctx->initrd_mode ? ctx->initrd_mode : "auto");
	for (size_t i = 0; i < t->before.n; i++)
		journal_add(&t->j, "before", t->before.v[i]);
	for (size_t i = 0; i < t->n_pkgs; i++)
		for (size_t j = 0; j < t->pkgs[i].n_mods; j++) {
			_cleanup_free_ char *mod = xasprintf("%s/%s %s %s", t->pkgs[i].module, t->pkgs[i].version,
							     t->pkgs[i].mods[j].name, t->pkgs[i].mods[j].relpath);

			journal_add(&t->j, "module_file", mod);
		}
	if (t->enabled) {
		_cleanup_free_ char *image = initrd_find_image(bootdir(ctx), k->version);

		if (image)
			image_state(image, t);
	}
	r = journal_write(ctx, &t->j, "journal:written");
	if (r == -ENOENT)
		return 0; /* no tree yet: nothing to change, nothing to record */
	if (r < 0) {
		dkms_error(ctx, "Cannot write the journal in %s/.journal: %s; nothing was changed.", ctx->dkms_tree,
			   strerror(-r));
		return DKMS_EXIT_INSTALL;
	}
	return 0;
}

void initrd_txn_release(struct initrd_txn *t)
{
	for (size_t i = 0; i < t->n_pkgs; i++)
		txn_pkg_release(&t->pkgs[i]);
	free(t->pkgs);
	free(t->module);
	free(t->version);
	strv_release(&t->before);
	strv_release(&t->rebuilt);
	journal_release(&t->j);
	memset(t, 0, sizeof(*t));
}

void txn_use_recorded_files(struct initrd_txn *t)
{
	_cleanup_strv_ struct strv files = STRV_INIT;

	journal_get_all(&t->j, "module_file", &files);
	for (size_t i = 0; i < t->n_pkgs; i++)
		for (size_t j = 0; j < t->pkgs[i].n_mods; j++) {
			struct remake_module *mod = &t->pkgs[i].mods[j];
			_cleanup_free_ char *key = xasprintf("%s/%s %s ", t->pkgs[i].module, t->pkgs[i].version,
							     mod->name);

			for (size_t f = 0; f < files.n; f++)
				if (!strncmp(files.v[f], key, strlen(key))) {
					free(mod->relpath);
					mod->relpath = xstrdup(files.v[f] + strlen(key));
				}
		}
}

const struct initrd_pkg *txn_captured(const struct initrd_txn *t, const char *mv)
{
	for (size_t i = 0; i < t->n_pkgs; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", t->pkgs[i].module, t->pkgs[i].version);

		if (streq(p, mv))
			return &t->pkgs[i];
	}
	return NULL;
}

static void append_mods(struct remake_module **v, size_t *n, const struct initrd_pkg *p)
{
	*v = xrealloc(*v, (*n + p->n_mods) * sizeof(**v));
	for (size_t i = 0; i < p->n_mods; i++) {
		(*v)[*n].name = p->mods[i].name;
		(*v)[*n].relpath = p->mods[i].relpath;
		(*n)++;
	}
}

struct changes {
	struct initrd_pkg *added; /* read now */
	size_t n_added;
	const struct initrd_pkg **removed; /* captured at begin */
	size_t n_removed;
};

static void changes_release(struct changes *ch)
{
	for (size_t i = 0; i < ch->n_added; i++)
		txn_pkg_release(&ch->added[i]);
	free(ch->added);
	free(ch->removed);
}

/* --force reinstalls the same version, a dependent is rebuilt at its version: changes too */
static bool changed_in_place(const struct initrd_txn *t, const char *mv)
{
	return t->force || strv_contains(&t->rebuilt, mv);
}

/* "m/v" installed on k now of the packages t is about: the one named and those it rebuilt, or all. */
static void list_after(const struct dkms_ctx *ctx, const struct initrd_txn *t, struct strv *ret)
{
	txn_list_installed(ctx, t->k, t->module, ret);
	for (size_t i = 0; t->module && i < t->rebuilt.n; i++) {
		_cleanup_free_ char *m = xstrndup(t->rebuilt.v[i], strcspn(t->rebuilt.v[i], "/"));
		_cleanup_strv_ struct strv now = STRV_INIT;

		txn_list_installed(ctx, t->k, m, &now);
		for (size_t j = 0; j < now.n; j++)
			if (!strv_contains(ret, now.v[j]))
				strv_push(ret, now.v[j]);
	}
}

static void find_changes(const struct dkms_ctx *ctx, const struct initrd_txn *t, struct changes *ret)
{
	_cleanup_strv_ struct strv after = STRV_INIT;

	list_after(ctx, t, &after);
	for (size_t i = 0; i < after.n; i++) {
		if (strv_contains(&t->before, after.v[i]) && !changed_in_place(t, after.v[i]))
			continue;
		ret->added = xrealloc(ret->added, (ret->n_added + 1) * sizeof(*ret->added));
		{
			_cleanup_free_ char *m = xstrdup(after.v[i]);
			char *v = strchr(m, '/');

			*v++ = '\0';
			if (txn_pkg_read(ctx, m, v, t->k, &ret->added[ret->n_added]) == 0)
				ret->n_added++;
		}
	}
	for (size_t i = 0; i < t->before.n; i++) {
		const struct initrd_pkg *p = txn_captured(t, t->before.v[i]);

		if ((strv_contains(&after, t->before.v[i]) && !changed_in_place(t, t->before.v[i])) || !p)
			continue;
		ret->removed = xrealloc(ret->removed, (ret->n_removed + 1) * sizeof(*ret->removed));
		ret->removed[ret->n_removed++] = p;
	}
}

/* Write the generator configuration of one package for the kernels it is on now. */
static int apply_conf(const struct dkms_ctx *ctx, const struct initrd_pkg *p, struct modules_conf_saved *saved)
{
	struct modules_conf mc = MODULES_CONF_INIT;
	int r;

	mc.package = p->module;
	mc.version = p->version;
	txn_installed_kernels(ctx, p->module, &mc.kernels);
	mc.include = p->mc.include;
	mc.force = p->mc.force;
	mc.aliases = p->mc.aliases;
	mc.lines = p->mc.lines;
	r = modules_conf_apply(ctx, sysconfdir(ctx), &mc, saved);
	strv_release(&mc.kernels);
	if (r == 0)
		failpoint("initrd:config-written");
	return r;
}

/* Back to built state: what dkms 2.x did when mkinitrd failed after an install. */
static void roll_back_installs(const struct dkms_ctx *ctx, struct initrd_txn *t, const struct changes *ch)
{
	for (size_t i = 0; i < ch->n_added; i++) {
		struct quiet q;

		dkms_uninstall(txn_quiet_ctx(ctx, &q), ch->added[i].module, ch->added[i].version, t->k);
		txn_quiet_done(&q);
	}
	/*
	 * the version an install replaced is what the image still holds: put it
	 * back (its dependents rebuilt against it again, as it is installed)
	 */
	for (size_t i = 0; i < ch->n_removed; i++) {
		const struct initrd_pkg *p = ch->removed[i];

		if (tree_is_built(ctx, p->module, p->version, t->k->version, t->k->arch) &&
		    !tree_is_installed(ctx, p->module, p->version, t->k->version, t->k->arch))
			txn_install_quietly(ctx, t, p->module, p->version);
	}
	dkms_error(ctx, "Problems with the initrd detected. Automatically uninstalling this module.\n"
		   "Install Failed (initrd problems). Module rolled back to built state.");
}

/* The image still holds what was uninstalled: install it again, so the two agree. */
static bool keep_installed(const struct dkms_ctx *ctx, struct initrd_txn *t, const struct changes *ch)
{
	bool all = true;

	for (size_t i = 0; i < ch->n_removed; i++) {
		const struct initrd_pkg *p = ch->removed[i];

		if (!tree_is_built(ctx, p->module, p->version, t->k->version, t->k->arch) ||
		    txn_install_quietly(ctx, t, p->module, p->version) != 0) {
			all = false;
			continue;
		}
		dkms_error(ctx, "Problems with the initrd detected: %s/%s stays installed for kernel %s (%s);\n"
			   "the initrd still holds it. Free space in %s and uninstall again.", p->module, p->version,
			   t->k->version, t->k->arch, bootdir(ctx));
	}
	return all;
}

/* 0, or -errno/exit status of the initrd step (already rolled back when it could be). */
static int sync_initrd(const struct dkms_ctx *ctx, struct initrd_txn *t, bool *ret_kept)
{
	struct changes ch = { NULL, 0, NULL, 0 };
	struct modules_conf_saved saved = MODULES_CONF_SAVED_INIT;
	struct remake_module *added = NULL, *removed = NULL;
	size_t n_added = 0, n_removed = 0;
	bool write_conf = ctx->initrd_sysconfdir || is_system_tree(ctx);
	_cleanup_free_ char *moduledir = NULL, *log = NULL;
	struct initrd_change change;
	enum initrd_mode mode = INITRD_MODE_AUTO;
	bool remake = false;
	int q = 0;

	*ret_kept = true;
	t->syncing = true; /* ch points into t->pkgs */
	find_changes(ctx, t, &ch);
	if (!ch.n_added && !ch.n_removed)
		goto out;
	/* configuration first: a regeneration must see it (and not a module that is gone) */
	for (size_t i = 0; i < ch.n_removed && write_conf && q == 0; i++)
		q = apply_conf(ctx, ch.removed[i], &saved);
	for (size_t i = 0; i < ch.n_added && write_conf && q == 0; i++)
		q = apply_conf(ctx, &ch.added[i], &saved);
	for (size_t i = 0; i < ch.n_removed; i++) {
		remake |= ch.removed[i]->remake || ch.removed[i]->mc.force.n;
		append_mods(&removed, &n_removed, ch.removed[i]);
	}
	for (size_t i = 0; i < ch.n_added; i++) {
		remake |= ch.added[i].remake || ch.added[i].mc.force.n;
		append_mods(&added, &n_added, &ch.added[i]);
	}
	if (ctx->initrd_mode)
		initrd_mode_from_name(ctx->initrd_mode, &mode);
	moduledir = xasprintf("%s/%s", ctx->install_tree, t->k->version);
	log = xasprintf("%s/initrd-%s.log", ctx->dkms_tree, t->k->version);
	change = (struct initrd_change){
		.kernel = t->k->version,
		.moduledir = moduledir,
		.bootdir = bootdir(ctx),
		.sysconfdir = sysconfdir(ctx),
		.generator = ctx->initrd_generator,
		.log = log,
		.mode = mode,
		.remake = remake,
		.added = added,
		.n_added = n_added,
		.removed = removed,
		.n_removed = n_removed,
	};
	if (q == 0)
		q = initrd_update(ctx, &change, NULL);
	if (q != 0 && ch.n_added) {
		roll_back_installs(ctx, t, &ch);
		/* the configuration follows the tree again: as it was before the install */
		for (size_t i = 0; i < ch.n_added && write_conf; i++)
			apply_conf(ctx, &ch.added[i], NULL);
		for (size_t i = 0; i < ch.n_removed && write_conf; i++)
			apply_conf(ctx, ch.removed[i], NULL);
	} else if (q != 0) {
		*ret_kept = keep_installed(ctx, t, &ch);
		for (size_t i = 0; i < ch.n_removed && write_conf; i++)
			apply_conf(ctx, ch.removed[i], NULL);
	}
	if (q != 0)
		q = DKMS_EXIT_INSTALL;
out:
	modules_conf_saved_release(&saved);
	free(added);
	free(removed);
	changes_release(&ch);
	return q;
}

int initrd_txn_commit(const struct dkms_ctx *ctx, struct initrd_txn *t, int r)
{
	bool kept = true;
	int q = 0;

	failpoint("txn:tree-changed");
	if (t->enabled)
		q = sync_initrd(ctx, t, &kept);
	/* a removal that could neither reach the image nor be undone stays on record: the next run retries */
	if (kept)
		journal_end(ctx, &t->j);
	return r ? r : q;
}

int initrd_txn_install(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k)
{
	struct initrd_txn t;
	int r = initrd_txn_begin(ctx, "install", k, m, v, &t);

	if (!r)
		r = initrd_txn_commit(ctx, &t, initrd_txn_run_install(ctx, &t, m, v));
	initrd_txn_release(&t);
	return r;
}

int initrd_txn_uninstall(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k)
{
	struct initrd_txn t;
	int r = initrd_txn_begin(ctx, "uninstall", k, m, v, &t);

	if (!r)
		r = initrd_txn_commit(ctx, &t, dkms_maybe_uninstall(ctx, m, v, k));
	initrd_txn_release(&t);
	return r;
}

int txn_uninstall_cb(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k,
			void *userdata)
{
	(void)userdata;
	return initrd_txn_uninstall(ctx, m, v, k);
}

static void record_kernels(struct journal *j, const struct dkms_kernel *kernels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *ka = xasprintf("%s/%s", kernels[i].version, kernels[i].arch);

		journal_add(j, "kernels", ka);
	}
}

int initrd_txn_remove(const struct dkms_ctx *ctx, const char *m, const char *v, struct dkms_kernel *kernels,
		      size_t n_kernels)
{
	struct journal j = JOURNAL_INIT;
	int r;

	/* one record for the whole removal, one per kernel inside it for each uninstall */
	journal_add(&j, "op", "remove");
	journal_add(&j, "module", m);
	journal_add(&j, "version", v);
	record_kernels(&j, kernels, n_kernels);
	r = journal_write(ctx, &j, "journal:written");
	if (r < 0 && r != -ENOENT) {
		dkms_error(ctx, "Cannot write the journal in %s/.journal: %s; nothing was changed.", ctx->dkms_tree,
			   strerror(-r));
		journal_release(&j);
		return DKMS_EXIT_INSTALL;
	}
	r = dkms_remove_with(ctx, m, v, kernels, n_kernels, txn_uninstall_cb, NULL);
	failpoint("remove:done");
	journal_end(ctx, &j);
	journal_release(&j);
	return r;
}

static int run_install_cb(const struct dkms_ctx *ctx, const char *m, const char *v, const struct dkms_kernel *k,
			  void *userdata)
{
	(void)k; /* the transaction's */
	return initrd_txn_run_install(ctx, userdata, m, v);
}

int initrd_txn_autoinstall(const struct dkms_ctx *ctx, const struct dkms_kernel *k, int *ret_installed)
{
	struct initrd_txn t;
	int r = initrd_txn_begin(ctx, "autoinstall", k, NULL, NULL, &t);

	if (ret_installed)
		*ret_installed = 0;
	if (!r)
		r = initrd_txn_commit(ctx, &t, dkms_autoinstall(ctx, k, run_install_cb, &t, ret_installed));
	initrd_txn_release(&t);
	return r;
}
