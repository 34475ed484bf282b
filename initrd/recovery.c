// SPDX-License-Identifier: GPL-2.0-or-later
/* Finishing or rolling back the transactions a crash interrupted (transaction.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "initrd/transaction-impl.h"
#include "initrd/transaction.h"
#include "journal.h"
#include "lifecycle.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/strbuf.h"

static const char *nonempty(const char *s)
{
	return strempty(s) ? NULL : s;
}

/* Only what ldtarball makes is taken away: a path under one of the trees. */
static bool inside(const char *path, const char *tree)
{
	size_t n = strlen(tree);

	return !strncmp(path, tree, n) && path[n] == '/' && !strstr(path + n, "/../") &&
	       !strstr(path + n, "/./") && strcmp(path + strlen(path) - 3, "/..") != 0;
}

/* ldtarball: take away what it had made, so that a rerun loads it whole. */
static void roll_back_load(const struct dkms_ctx *ctx, struct journal *j, struct strbuf *what)
{
	_cleanup_strv_ struct strv created = STRV_INIT;

	journal_get_all(j, "created", &created);
	for (size_t i = created.n; i-- > 0;)
		if (inside(created.v[i], ctx->dkms_tree) || inside(created.v[i], ctx->source_tree) ||
		    inside(created.v[i], ctx->tmp_location))
			rm_rf(created.v[i]);
	journal_end(ctx, j);
	strbuf_addstr(what, "rolled back: what it had loaded is removed");
}

/* remove: roll forward, each kernel's uninstall a transaction of its own. */
static void finish_remove(const struct dkms_ctx *ctx, struct journal *j, struct strbuf *what)
{
	_cleanup_strv_ struct strv ka = STRV_INIT;
	const char *m = journal_get(j, "module"), *v = journal_get(j, "version");
	_cleanup_free_ char *mv = tree_mv_dir(ctx, m, v);
	_cleanup_free_ char *why = NULL;
	struct dkms_kernel *kernels;
	int r = 0;

	journal_get_all(j, "kernels", &ka);
	kernels = xcalloc(ka.n ? ka.n : 1, sizeof(*kernels));
	for (size_t i = 0; i < ka.n; i++) {
		char *slash = strrchr(ka.v[i], '/');

		*slash = '\0';
		dkms_kernel_init(&kernels[i], ctx, ka.v[i], slash + 1);
	}
	if (is_dir(mv)) {
		struct quiet q;

		r = dkms_remove_with(txn_quiet_ctx(ctx, &q), m, v, kernels, ka.n, txn_uninstall_cb, NULL);
		why = txn_quiet_error(&q);
		txn_quiet_done(&q);
	}
	for (size_t i = 0; i < ka.n; i++)
		dkms_kernel_release(&kernels[i]);
	free(kernels);
	if (r) {
		strbuf_addf(what, "could not finish (exit status %d%s%s); it stays on record for the next run", r,
			    why ? ": " : "", why ? why : "");
		return;
	}
	journal_end(ctx, j);
	strbuf_addstr(what, "completed: removed");
}

/* Install what an install-like run had placed without the kernel link. */
static void adopt_strays(const struct dkms_ctx *ctx, struct initrd_txn *t)
{
	const struct dkms_kernel *k = t->k;
	_cleanup_strv_ struct strv mvs = STRV_INIT;

	tree_list_module_versions(ctx, NULL, NULL, &mvs);
	for (size_t i = 0; i < mvs.n; i++) {
		_cleanup_free_ char *m = xstrdup(mvs.v[i]);
		char *v = strchr(m, '/');

		*v++ = '\0';
		if (tree_is_built(ctx, m, v, k->version, k->arch) &&
		    !tree_is_installed(ctx, m, v, k->version, k->arch) && txn_has_stray_copy(ctx, m, v, k))
			txn_install_quietly(ctx, t, m, v);
	}
}

static void finish_change(const struct dkms_ctx *ctx, struct journal *j, struct strbuf *what)
{
	const char *op = journal_get(j, "op");
	const char *m = nonempty(journal_get(j, "module")), *v = nonempty(journal_get(j, "version"));
	struct dkms_kernel k;
	struct initrd_txn t;
	struct quiet q;
	const struct dkms_ctx *qc;
	bool install = !streq(op, "uninstall");
	_cleanup_free_ char *why = NULL;
	bool was;

	dkms_kernel_init(&k, ctx, journal_get(j, "kernel"), journal_get(j, "arch"));
	memset(&t, 0, sizeof(t));
	if (txn_setup(ctx, op, &k, m, v, &t)) {
		strbuf_addstr(what, "left on record: the initrd mode is not valid");
		goto out;
	}
	t.force = streq(journal_get(j, "force") ? journal_get(j, "force") : "0", "1");
	journal_get_all(j, "before", &t.before);
	journal_get_all(j, "rebuild", &t.rebuilt);
	t.j = *j; /* the transaction ends with this record */
	*j = (struct journal)JOURNAL_INIT;
	qc = txn_quiet_ctx(ctx, &q);
	txn_capture(qc, &t);
	txn_use_recorded_files(&t);

	was = m && v && tree_is_installed(ctx, m, v, k.version, k.arch);
	if (install && m && v && !was && tree_is_built(ctx, m, v, k.version, k.arch))
		dkms_install(qc, m, v, &k);
	else if (install && !m)
		adopt_strays(qc, &t);
	else if (!install && was)
		dkms_uninstall(qc, m, v, &k);
	if (install)
		txn_finish_rebuilds(qc, &t);
	initrd_txn_commit(qc, &t, 0);
	why = txn_quiet_error(&q);
	txn_quiet_done(&q);

	if (t.j.path && path_exists(t.j.path))
		strbuf_addf(what, "could not finish%s%s; it stays on record for the next run", why ? ": " : "",
			    why ? why : "");
	else if (!m || !v)
		strbuf_addstr(what, "completed; the initrd is in line with the tree");
	else if (tree_is_installed(ctx, m, v, k.version, k.arch))
		strbuf_addstr(what, install ? "completed: installed, the initrd is in line"
					    : "rolled back: it stays installed, the initrd could not be updated");
	else if (install && !tree_is_built(ctx, m, v, k.version, k.arch))
		strbuf_addstr(what, "nothing to finish: it was not built yet");
	else if (install)
		strbuf_addf(what, "rolled back to built%s%s", why ? ": " : "", why ? why : "");
	else
		strbuf_addstr(what, "completed: uninstalled, the initrd is in line");
out:
	initrd_txn_release(&t);
	dkms_kernel_release(&k);
}

/* 1 when the record stays (not finished), else 0. */
static int recover_one(const struct dkms_ctx *ctx, const char *path)
{
	_cleanup_strbuf_ struct strbuf what = STRBUF_INIT;
	struct journal j = JOURNAL_INIT;
	const char *op, *m, *v, *kernel, *arch;
	int r = journal_load(path, &j);

	if (r < 0) {
		dkms_errtext(ctx, "dkms: cannot read the journal record %s: %s; left alone.", path,
			     r == -EBADMSG ? "not a dkms journal record" : strerror(-r));
		journal_release(&j);
		return 1;
	}
	op = journal_get(&j, "op");
	m = journal_get(&j, "module");
	v = journal_get(&j, "version");
	kernel = journal_get(&j, "kernel");
	arch = journal_get(&j, "arch");
	{
		/* the line names the record's fields: copy them before the record goes */
		_cleanup_free_ char *subject = !strempty(m) ? xasprintf("%s/%s", m, v ? v : "")
							    : xstrdup("the packages");
		_cleanup_free_ char *on = kernel ? xasprintf(" for kernel %s (%s)", kernel, arch ? arch : "")
						 : xstrdup("");
		_cleanup_free_ char *opname = xstrdup(op ? op : "?");

		if (!op || (!streq(op, "ldtarball") && !streq(op, "remove") && (!kernel || !arch))) {
			dkms_errtext(ctx, "dkms: the journal record %s is incomplete; left alone.", path);
			journal_release(&j);
			return 1;
		}
		if (streq(op, "ldtarball"))
			roll_back_load(ctx, &j, &what);
		else if (streq(op, "remove"))
			finish_remove(ctx, &j, &what);
		else
			finish_change(ctx, &j, &what);
		dkms_errtext(ctx, "dkms: recovered an interrupted %s of %s%s: %s.", opname, subject, on, what.buf);
	}
	r = path_exists(path);
	journal_release(&j);
	return r;
}

int initrd_txn_recover(const struct dkms_ctx *ctx)
{
	_cleanup_strv_ struct strv records = STRV_INIT;
	int left = 0;

	if (!journal_pending(ctx) || journal_list(ctx, &records) < 0)
		return 0;
	/* newest first: a record made inside another (remove's uninstalls) is finished before it */
	for (size_t i = records.n; i-- > 0;)
		left += recover_one(ctx, records.v[i]);
	return left;
}

void initrd_txn_pending(const struct dkms_ctx *ctx, struct strv *ret)
{
	_cleanup_strv_ struct strv records = STRV_INIT;

	if (!journal_pending(ctx) || journal_list(ctx, &records) < 0)
		return;
	for (size_t i = 0; i < records.n; i++) {
		struct journal j = JOURNAL_INIT;

		if (journal_load(records.v[i], &j) == 0) {
			const char *m = journal_get(&j, "module");
			_cleanup_strv_ struct strv ka = STRV_INIT;

			journal_get_all(&j, "kernels", &ka);
			if (journal_get(&j, "kernel"))
				strv_pushf(ret, "%s/%s/%s", journal_get(&j, "kernel"),
					   journal_get(&j, "arch") ? journal_get(&j, "arch") : "", m ? m : "");
			for (size_t k = 0; k < ka.n; k++)
				strv_pushf(ret, "%s/%s", ka.v[k], m ? m : "");
		} else {
			strv_push(ret, "*"); /* a record that does not read may be about anything */
		}
		journal_release(&j);
	}
}
