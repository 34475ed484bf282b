// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dkms_conf_batch: one module/version's dkms.conf for several kernels, as
 * status reads it. Every chain is evaluated up front (natively where it can,
 * the others in one bash child); each read then resolves as dkms_conf_read.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conf-read.h"
#include "util/fileio.h"

void conf_batch_entry_release(struct conf_batch_entry *e)
{
	if (e->states)
		conf_states_release(e->states, e->files.n);
	free(e->states);
	strv_release(&e->files);
	memset(e, 0, sizeof(*e));
}

void dkms_conf_batch_eval(struct dkms_conf_batch *b, const struct dkms_ctx *ctx,
			  const char *module, const char *module_version,
			  const struct dkms_kernel *kernels, size_t n, const char *conf_path,
			  unsigned flags)
{
	const char *m = module ? module : "", *v = module_version ? module_version : "";
	_cleanup_free_ char *main_path = conf_main_path(ctx, m, v, conf_path);
	_cleanup_free_ struct conf_scope *scopes = NULL;
	_cleanup_free_ struct conf_job *jobs = NULL;
	_cleanup_free_ size_t *job_entry = NULL; /* job j evaluates entries[job_entry[j]] */
	size_t n_jobs = 0;

	*b = (struct dkms_conf_batch){
		.ctx = ctx,
		.module = xstrdup(m),
		.module_version = xstrdup(v),
		.conf_path = conf_path ? xstrdup(conf_path) : NULL,
		.flags = flags,
		.kernels = kernels,
		.n = n,
		.entries = n ? xcalloc(n, sizeof(*b->entries)) : NULL,
	};
	/* what the reads would refuse or fail on, they evaluate (and report) themselves */
	if (!n || ctx->strict_conf || access(main_path, R_OK) != 0)
		return;

	scopes = xcalloc(n, sizeof(*scopes));
	jobs = xcalloc(n, sizeof(*jobs));
	job_entry = xcalloc(n, sizeof(*job_entry));
	for (size_t i = 0; i < n; i++) {
		struct conf_batch_entry *e = &b->entries[i];
		struct conf_vars cur = { 0 };
		int r = -ENOTSUP;

		scopes[i] = conf_scope_of(ctx, m, v, &kernels[i]);
		conf_chain(ctx, m, v, &kernels[i], main_path, &e->files);
		e->states = xcalloc(e->files.n, sizeof(*e->states));
		if (!(flags & CONF_NO_NATIVE)) {
			r = 0;
			for (size_t f = 0; f < e->files.n && r == 0; f++) {
				r = conf_parse_native(&scopes[i], e->files.v[f], &cur);
				if (r == 0)
					conf_vars_copy(&e->states[f], &cur);
			}
			conf_vars_release(&cur);
		}
		if (r == 0) {
			e->native = true;
			continue;
		}
		conf_states_release(e->states, e->files.n);
		job_entry[n_jobs] = i;
		jobs[n_jobs++] = (struct conf_job){
			.scope = &scopes[i],
			.files = (const char *const *)e->files.v,
			.n_files = e->files.n,
			.states = e->states,
		};
	}
	conf_eval_bash_jobs(jobs, n_jobs);
	/* a chain that failed here is evaluated again, and reported, by its read */
	for (size_t j = 0; j < n_jobs; j++)
		if (jobs[j].r < 0) {
			struct conf_batch_entry *e = &b->entries[job_entry[j]];

			free(e->states);
			e->states = NULL;
		}
}

int dkms_conf_batch_read(struct dkms_conf_batch *b, size_t i, struct dkms_conf *out)
{
	return conf_read_evaluated(b->ctx, b->module, b->module_version, &b->kernels[i], b->conf_path,
			 b->flags, &b->entries[i], out);
}

void dkms_conf_batch_release(struct dkms_conf_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		conf_batch_entry_release(&b->entries[i]);
	free(b->entries);
	free(b->module);
	free(b->module_version);
	free(b->conf_path);
	memset(b, 0, sizeof(*b));
}
