// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the reader of the state dump that the bash evaluator
 * of dkms.conf writes (parse_dump in dkms-core/conf-bash.c, static: the
 * file is included here). The dump comes from a child bash that sourced a
 * package's file, so it is as untrusted as the file. The first input byte
 * picks 1-4 jobs of 1-4 files each; the rest is the dump. Every state must
 * hold whitelisted directives only, sorted by name, items sorted by index
 * and unique; a job is valid only with its "/" record; what the caller
 * releases is all there is (no leak). Build: `make build/fuzz/fuzz-conf-dump`;
 * run: build/fuzz/fuzz-conf-dump tests/fuzz/corpus/conf-dump. With -DFUZZ_REPLAY
 * (gcc, no libFuzzer) it replays the files named on the command line.
 */
#include "fuzz-util.h"
#include "../../dkms-core/conf-bash.c"

static void check_vars(const struct conf_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		const struct conf_var *var = &v->vars[i];

		if (!conf_is_directive(var->name) || !var->n)
			abort();
		if (i && strcmp(v->vars[i - 1].name, var->name) >= 0)
			abort();
		for (size_t j = 1; j < var->n; j++)
			if (var->items[j - 1].index >= var->items[j].index)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct conf_scope scope = { .module = "m" };
	struct conf_vars states[4][4] = { 0 };
	struct conf_job jobs[4];
	struct strbuf dump = STRBUF_INIT;
	size_t n_jobs;

	if (!size)
		return 0;
	n_jobs = 1 + (data[0] & 3);
	for (size_t j = 0; j < n_jobs; j++)
		jobs[j] = (struct conf_job){ .scope = &scope, .n_files = 1 + ((data[0] >> (2 + j)) & 3),
					     .states = states[j] };
	strbuf_add(&dump, data + 1, size - 1);
	parse_dump(&dump, jobs, n_jobs);
	for (size_t j = 0; j < n_jobs; j++) {
		if (jobs[j].r != 0 && jobs[j].r != -EPROTO)
			abort();
		for (size_t i = 0; i < 4; i++) {
			check_vars(&states[j][i]);
			conf_vars_release(&states[j][i]);
		}
	}
	strbuf_release(&dump);
	return 0;
}
