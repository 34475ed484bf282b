// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rebuild dkms does after an install (check_and_rebuild_dependent_modules):
 * each package built against an older version of what was installed is
 * rebuilt and installed again, inside the install's transaction, so the
 * initrd follows it as it follows the package named (transaction.h).
 */
#include <string.h>

#include "autoinstall.h"
#include "exitcode.h"
#include "initrd/transaction-impl.h"
#include "initrd/transaction.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/strbuf.h"

/*
 * Before mv changes: it is part of t, and the record says so (with what it
 * has on k now, for the image to lose it), so a crash in its rebuild is
 * finished by the next run. 0, or 6 when the record cannot be written.
 */
static int txn_add_rebuilt(const struct dkms_ctx *ctx, struct initrd_txn *t, const char *mv)
{
	_cleanup_free_ char *m = xstrdup(mv);
	char *v = strchr(m, '/');
	int r;

	*v++ = '\0';
	if (strv_contains(&t->rebuilt, mv))
		return 0;
	strv_push(&t->rebuilt, mv);
	journal_add(&t->j, "rebuild", mv);
	if (tree_is_installed(ctx, m, v, t->k->version, t->k->arch)) {
		if (!strv_contains(&t->before, mv)) {
			strv_push(&t->before, mv);
			journal_add(&t->j, "before", mv);
		}
		/* a rollback's rebuild (the image never changed) reads nothing more for the image */
		if (t->enabled && !t->syncing && !txn_captured(t, mv)) {
			struct initrd_pkg *p;

			t->pkgs = xrealloc(t->pkgs, (t->n_pkgs + 1) * sizeof(*t->pkgs));
			p = &t->pkgs[t->n_pkgs];
			if (txn_pkg_read(ctx, m, v, t->k, p) == 0) {
				t->n_pkgs++;
				for (size_t i = 0; i < p->n_mods; i++) {
					_cleanup_free_ char *line = xasprintf("%s %s %s", mv, p->mods[i].name,
									      p->mods[i].relpath);

					journal_add(&t->j, "module_file", line);
				}
			}
		}
	}
	if (!t->j.path)
		return 0; /* begin found no tree to record in: nothing was recorded, nothing to add to */
	r = journal_write(ctx, &t->j, "journal:rebuild-written");
	if (r < 0) {
		dkms_error(ctx, "Cannot write the journal in %s/.journal: %s; %s is not rebuilt.", ctx->dkms_tree,
			   strerror(-r), mv);
		return DKMS_EXIT_INSTALL;
	}
	return 0;
}

int txn_rebuild_dependents(const struct dkms_ctx *ctx, struct initrd_txn *t)
{
	_cleanup_strv_ struct strv done = STRV_INIT;

	/* the first stale one in status order, then look again: what dkms's recursion rebuilds, each once */
	for (;;) {
		_cleanup_strv_ struct strv stale = STRV_INIT;
		_cleanup_free_ char *m = NULL;
		char *v;
		int r;

		dkms_stale_dependents(ctx, t->k, &stale);
		for (size_t i = 0; i < stale.n && !m; i++)
			if (!strv_contains(&done, stale.v[i]))
				m = xstrdup(stale.v[i]);
		if (!m)
			return 0;
		strv_push(&done, m);
		r = txn_add_rebuilt(ctx, t, m);
		if (r)
			return r;
		v = strchr(m, '/');
		*v++ = '\0';
		/* as dkms, whose rebuild dies with the install: its failure is the install's */
		r = dkms_rebuild_dependent(ctx, m, v, t->k);
		if (r)
			return r;
	}
}

void txn_finish_rebuilds(const struct dkms_ctx *ctx, struct initrd_txn *t)
{
	for (size_t i = 0; i < t->rebuilt.n; i++) {
		_cleanup_free_ char *m = xstrdup(t->rebuilt.v[i]);
		char *v = strchr(m, '/');

		*v++ = '\0';
		if (!tree_is_added(ctx, m, v) || tree_is_installed(ctx, m, v, t->k->version, t->k->arch))
			continue;
		if (tree_is_built(ctx, m, v, t->k->version, t->k->arch) || dkms_build(ctx, m, v, t->k) == 0)
			dkms_install(ctx, m, v, t->k);
	}
	if (!t->force)
		txn_rebuild_dependents(ctx, t);
}

int initrd_txn_run_install(const struct dkms_ctx *ctx, struct initrd_txn *t, const char *m, const char *v)
{
	/* maybe_install's skip installs nothing: nothing to rebuild after it either */
	bool skip = tree_is_installed(ctx, m, v, t->k->version, t->k->arch) && !ctx->force;
	int r = dkms_maybe_install(ctx, m, v, t->k);

	if (r || skip)
		return r;
	return txn_rebuild_dependents(ctx, t);
}
