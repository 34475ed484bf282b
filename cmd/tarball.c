// SPDX-License-Identifier: GPL-2.0-or-later
/* mktarball, ldtarball and the loader `add <archive>` shares. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "exitcode.h"
#include "journal.h"
#include "lifecycle.h"
#include "sign.h"
#include "tarball.h"
#include "tree.h"
#include "util/beneath.h"
#include "util/failpoint.h"
#include "util/fileio.h"
#include "util/strbuf.h"

int cmd_mktarball(struct cmd *c)
{
	struct dkms_tarball_kernel *tk = NULL;
	_cleanup_free_ char *src = NULL, *name = NULL, *out = NULL, *mvdir = NULL;
	struct dkms_tarball_spec spec = { 0 };
	struct strv dirs = STRV_INIT;
	struct dkms_conf conf;
	int r = dkms_read_conf_or_die(&c->ctx, c->module, c->version, cmd_first_kernel(c), NULL, false, &conf);

	if (r)
		return r;
	dkms_conf_release(&conf);

	tk = xcalloc(c->n_kernels ? c->n_kernels : 1, sizeof(*tk));
	for (size_t i = 0; i < c->n_kernels; i++) {
		strv_push_take(&dirs, tree_build_dir(&c->ctx, c->module, c->version,
						     c->kernels[i].version, c->kernels[i].arch));
		tk[i].kernel = c->kernels[i].version;
		tk[i].arch = c->kernels[i].arch;
		tk[i].built_dir = dirs.v[i];
	}
	mvdir = tree_mv_dir(&c->ctx, c->module, c->version);
	src = xasprintf("%s/source", mvdir);
	spec.module = c->module;
	spec.version = c->version;
	spec.content = c->ctx.source_only ? DKMS_TARBALL_SOURCE_ONLY
		       : c->ctx.binaries_only ? DKMS_TARBALL_BINARIES_ONLY
					      : DKMS_TARBALL_SOURCE;
	spec.kernels = tk;
	spec.n_kernels = c->ctx.source_only ? 0 : c->n_kernels;
	spec.source_dir = src;
	spec.conf = c->ctx.conf_file;
	name = dkms_tarball_default_name(c->module, c->version, tk, spec.n_kernels, c->ctx.source_only);
	out = dkms_tarball_location(&c->ctx, c->module, c->version, name, c->archive);
	/* the default <m>/<v>/tarball/ (no --archive, or a bare name) is written beneath the DKMS tree */
	if (strempty(c->archive) || !strchr(c->archive, '/'))
		spec.output_root = c->ctx.dkms_tree;
	r = dkms_tarball_create(&c->ctx, &spec, out);
	free(tk);
	strv_release(&dirs);
	if (r == -EACCES || r == -EXDEV)
		return DKMS_EXIT_SOURCE_TREE;
	return r ? DKMS_EXIT_INSTALL : 0;
}

/* Copy dkms_main_tree/<k>/<arch> into the tree, as built modules. */
static int load_prebuilt(struct cmd *c, const char *root, const struct strv *kdirs)
{
	for (size_t i = 0; i < kdirs->n; i++) {
		_cleanup_free_ char *from = xasprintf("%s/dkms_main_tree/%s", root, kdirs->v[i]);
		_cleanup_free_ char *to = xasprintf("%s/%s/%s/%s", c->ctx.dkms_tree, c->module,
						    c->version, kdirs->v[i]);
		int r;

		if (is_dir(to) && !c->ctx.force) {
			dkms_warn(&c->ctx, "%s already exists. Skipping...", to);
			continue;
		}
		dkms_info(&c->ctx, "Loading %s...", to);
		/* beneath the DKMS tree: --force must not delete through a planted symlink */
		if (beneath_rm_rf(c->ctx.dkms_tree, to) < 0 || beneath_mkdir_p(c->ctx.dkms_tree, to, 0755) < 0) {
			dkms_warn(&c->ctx, "%s leads outside the DKMS tree. Skipping...", to);
			continue;
		}
		failpoint("ldtarball:kernel-dir-made");
		r = copy_tree(from, to);
		if (r < 0) {
			/* a half-copied build would be taken for a whole one */
			dkms_error(&c->ctx, "Could not load %s: %s", to, strerror(-r));
			return r;
		}
		failpoint("ldtarball:kernel-loaded");
	}
	return 0;
}

static int journal_intent(struct cmd *c, struct journal *j, const char *step)
{
	int r = journal_write(&c->ctx, j, step);

	if (r < 0 && r != -ENOENT) {
		dkms_error(&c->ctx, "Cannot write the journal in %s/.journal: %s; nothing was loaded.",
			   c->ctx.dkms_tree, strerror(-r));
		return DKMS_EXIT_USAGE;
	}
	return 0;
}

static void record_created(struct journal *j, char *path)
{
	if (!path_exists(path) && !is_symlink(path))
		journal_add(j, "created", path);
	free(path);
}

/*
 * The intent before the first change: every dir the load makes (a forced
 * reload's kernel dirs too), so recovery can take a half-loaded package
 * away again and a rerun loads it whole.
 */
static int journal_load_intent(struct cmd *c, const struct strv *kdirs, struct journal *j)
{
	journal_set(j, "module", c->module);
	journal_set(j, "version", c->version);
	record_created(j, xasprintf("%s/%s-%s", c->ctx.source_tree, c->module, c->version));
	record_created(j, xasprintf("%s/%s", c->ctx.dkms_tree, c->module));
	record_created(j, xasprintf("%s/%s/%s", c->ctx.dkms_tree, c->module, c->version));
	for (size_t i = 0; i < kdirs->n; i++) {
		_cleanup_free_ char *to = xasprintf("%s/%s/%s/%s", c->ctx.dkms_tree, c->module, c->version,
						    kdirs->v[i]);

		if (!is_dir(to) || c->ctx.force)
			journal_add(j, "created", to);
	}
	return journal_intent(c, j, "ldtarball:intent-written");
}

/* A binaries-only tarball still gets a source dir (with its dkms.conf) so the
 * package is "added" and shows in status; dkms 3.4.3 left it invisible. */
static int stub_source(struct cmd *c, const char *conf)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s-%s", c->ctx.source_tree, c->module, c->version);
	_cleanup_free_ char *to = xasprintf("%s/dkms.conf", dir);
	int r;

	if (is_dir(dir))
		return 0;
	dkms_info(&c->ctx, "Creating %s", dir);
	r = beneath_mkdir_p(c->ctx.source_tree, dir, 0755);
	dkms_info(&c->ctx, "Copying dkms.conf to %s ...", dir);
	if (!r)
		r = copy_file(conf, to);
	return r;
}

/* mkdtemp's name for a template ending in XXXXXX, without making the dir. */
static void temp_name(char *tmpl)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6] = { 0 };
	char *x = tmpl + strlen(tmpl) - 6;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)((ts.tv_nsec >> (i * 5)) ^ getpid());
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		x[i] = chars[rnd[i] % (sizeof(chars) - 1)];
}

int cmd_load_tarball(struct cmd *c, struct journal *j)
{
	_cleanup_free_ char *tmpl = xasprintf("%s/dkms.XXXXXX", c->ctx.tmp_location);
	_cleanup_free_ char *root = NULL;
	struct dkms_tarball_info info = { 0 };
	const char *loc_conf = NULL;
	bool binaries = false;
	int r;

	if (!path_exists(c->archive)) {
		dkms_error(&c->ctx, "%s does not exist.", c->archive);
		return DKMS_EXIT_NO_SOURCE;
	}
	/*
	 * The extraction dir is the first thing a killed load would leave
	 * behind: it is named and on record before it is made (mkdir fails on
	 * anything already there, as mkdtemp's would).
	 */
	temp_name(tmpl);
	journal_add(j, "op", "ldtarball");
	journal_add(j, "created", tmpl);
	r = journal_intent(c, j, "journal:written");
	if (r)
		return r;
	if (mkdir(tmpl, 0700) < 0) {
		dkms_error(&c->ctx, "Unable to make temporary directory.");
		return DKMS_EXIT_USAGE;
	}
	root = xasprintf("%s/x", tmpl);
	r = dkms_tarball_extract(&c->ctx, c->archive, root);
	if (r) {
		rm_rf(tmpl);
		return r == -ENOENT ? DKMS_EXIT_NO_SOURCE : DKMS_EXIT_STATE;
	}
	r = dkms_tarball_inspect(&c->ctx, root, &info);
	if (r == -EINVAL) {
		/* a <kernel>/<arch> directory that is not a valid name (said) */
		dkms_errtext(&c->ctx, "%s is not a valid DKMS tarball.", c->archive);
		r = DKMS_EXIT_KO_MISSING;
		goto out;
	}
	if (r < 0)
		goto out;

	if (!info.has_main_tree) {
		if (!info.plain_conf) {
			dkms_error(&c->ctx, "Tarball does not appear to be a correctly formed DKMS archive. No dkms.conf found within it.");
			r = DKMS_EXIT_STATE;
			goto out;
		}
		r = dkms_add_source_tree(&c->ctx, info.plain_source_dir, cmd_first_kernel(c), &c->module, &c->version);
		goto out;
	}

	for (int pass = 0; pass < 2 && !loc_conf; pass++) {
		const char *conf = pass ? info.binaries_only_conf : info.source_tree_conf;
		struct dkms_conf dc;

		if (!conf)
			continue;
		if (dkms_conf_read(&c->ctx, NULL, NULL, cmd_first_kernel(c), conf, 0, &dc) < 0 ||
		    strempty(dc.package_name) || strempty(dc.package_version)) {
			dkms_conf_release(&dc);
			dkms_errtext(&c->ctx, "\nMalformed dkms.conf, refusing to load.");
			continue;
		}
		if (tree_is_added(&c->ctx, dc.package_name, dc.package_version) && !c->ctx.force) {
			dkms_error(&c->ctx, "%s/%s is already added!\nAborting.", dc.package_name, dc.package_version);
			dkms_conf_release(&dc);
			r = DKMS_EXIT_BAD_CONF;
			goto out;
		}
		free(c->module);
		free(c->version);
		c->module = xstrdup(dc.package_name);
		c->version = xstrdup(dc.package_version);
		dkms_conf_release(&dc);
		loc_conf = conf;
		binaries = pass == 1;
	}
	if (!loc_conf) {
		dkms_error(&c->ctx, "No valid dkms.conf in dkms_source_tree or dkms_binaries_only.\n"
			   "%s is not a valid DKMS tarball.", c->archive);
		r = DKMS_EXIT_KO_MISSING;
		goto out;
	}
	r = journal_load_intent(c, &info.kernel_dirs, j);
	if (r)
		goto out;
	dkms_info(&c->ctx, "%s", "");
	dkms_info(&c->ctx, "Loading tarball for %s/%s", c->module, c->version);
	if (binaries) {
		r = stub_source(c, loc_conf);
	} else {
		_cleanup_free_ char *srcroot = xasprintf("%s/dkms_source_tree", root);
		_cleanup_free_ char *m = NULL, *v = NULL;

		r = dkms_add_source_tree(&c->ctx, srcroot, cmd_first_kernel(c), &m, &v);
	}
	if (!r) {
		failpoint("ldtarball:source-added");
		r = load_prebuilt(c, root, &info.kernel_dirs);
	}
out:
	dkms_tarball_info_release(&info);
	rm_rf(tmpl);
	return r < 0 ? 1 : r;
}

void cmd_load_tarball_end(struct cmd *c, struct journal *j, int r)
{
	_cleanup_strv_ struct strv created = STRV_INIT;

	/* failed half-way: what the load made goes again (nothing of it is half there) */
	journal_get_all(j, "created", &created);
	for (size_t i = created.n; r && j->path && i-- > 0;)
		rm_rf(created.v[i]);
	journal_end(&c->ctx, j);
	journal_release(j);
}

int cmd_ldtarball(struct cmd *c)
{
	struct journal j = JOURNAL_INIT;
	int r;

	if (!c->archive) {
		dkms_error(&c->ctx, "%s does not exist.", "");
		return DKMS_EXIT_NO_SOURCE;
	}
	free(c->module);
	free(c->version);
	c->module = c->version = NULL;
	r = cmd_load_tarball(c, &j);
	/*
	 * dkms 3.4.3 runs load_tarball && add_module: a --force reload of an
	 * added package is loaded (and stays), then the add fails with 3
	 * ("already contains"), which is what scripts see.
	 */
	if (!r && tree_is_added(&c->ctx, c->module, c->version)) {
		cmd_load_tarball_end(c, &j, 0);
		return cmd_status_of(dkms_add(&c->ctx, c->module, c->version, cmd_first_kernel(c)));
	}
	if (!r)
		r = cmd_status_of(dkms_add(&c->ctx, c->module, c->version, cmd_first_kernel(c)));
	cmd_load_tarball_end(c, &j, r);
	return r;
}

int cmd_generate_mok(struct cmd *c)
{
	_cleanup_free_ char *key = NULL, *cert = NULL;

	return sign_prepare_mok(&c->ctx, NULL, &key, &cert) ? 1 : 0;
}
