// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dkms.conf evaluated by bash, as dkms's safe_source does it: each file is
 * sourced in a subshell (stdout to /dev/null) with the scope variables set;
 * the subshell prints `NAME[i]="value"` for every element of every
 * whitelisted directive with dkms's own `eval echo` line (one trailing CR
 * stripped, the value word-split and globbed, fields joined by one space)
 * and the parent reads that back with eval, so values are expanded a second
 * time exactly as dkms's `. "$tmpfile"` does. After each file the parent
 * writes its whole state to stdout as NUL-separated name, index, value
 * records, closed by an empty name. dkms lists each directive's keys with
 * `$(eval echo ${!NAME[@]})`; for scalars and indexed arrays, whose keys
 * are digits, ${!NAME[*]} gives the same words without a fork, so only
 * associative arrays take dkms's own (forking) route.
 *
 * One child evaluates any number of jobs (a scope and its chain of files):
 * each job runs in its own subshell, so what one job's files leave behind
 * never reaches the next, as in dkms where every status line reads its
 * dkms.conf in a subshell of its own. After each job the top level writes a
 * "/" record with the job's number. The script is constant; scope values,
 * file counts and file paths are positional arguments.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util/spawn.h"
#include "util/strbuf.h"

/*
 * __dkms_sane restores what foreign code may have changed before we print:
 * POSIX mode makes special builtins (unset, eval, set) win over functions,
 * our functions are readonly, and the aliases a conf may define are gone
 * before our eval parses anything.
 */
static const char script_head[] =
	"shopt -s extglob\n"
	"readonly __dkms_cr=$'\\r' __dkms_v='";

/* Positional arguments per job: the scope values, the file count, the files. */
#define JOB_SCOPE_ARGS 10

static const char script_body[] =
	"'\n"
	"unset -v $__dkms_v\n"
	"__dkms_sane() {\n"
	"\tPOSIXLY_CORRECT=y\n"
	"\tunset -f builtin command enable echo printf shopt unalias\n"
	"\tbuiltin enable echo printf shopt unalias\n"
	"\tbuiltin unalias -a\n"
	"\tbuiltin shopt -s extglob\n"
	"\tbuiltin shopt -u xpg_echo expand_aliases nullglob failglob nocaseglob dotglob globstar\n"
	"\tset +e +u +v +x +f +o pipefail\n"
	"\tIFS=$' \\t\\n'\n"
	"}\n"
	"__dkms_assign() {\n"
	"\t__dkms_sane\n"
	"\tfor __dkms_n in $__dkms_v; do\n"
	"\t\tif [[ ${!__dkms_n@a} == *A* ]]; then\n"
	"\t\t\t__dkms_k=$(eval echo \\${!\"$__dkms_n\"[@]})\n"
	"\t\telse\n"
	"\t\t\teval \"__dkms_k=\\${!$__dkms_n[*]}\"\n"
	"\t\tfi\n"
	"\t\tfor __dkms_i in $__dkms_k; do\n"
	"\t\t\t[[ $__dkms_i =~ ^[0-9]+$ ]] || continue\n"
	"\t\t\teval echo '$__dkms_n[$__dkms_i]=\\\"${'\"$__dkms_n\"'[$__dkms_i]%$__dkms_cr}\\\"'\n"
	"\t\tdone\n"
	"\tdone\n"
	"}\n"
	"__dkms_state() {\n"
	"\t__dkms_sane\n"
	"\tfor __dkms_n in $__dkms_v; do\n"
	"\t\teval \"__dkms_ix=(\\\"\\${!$__dkms_n[@]}\\\")\"\n"
	"\t\tfor __dkms_i in \"${__dkms_ix[@]}\"; do\n"
	"\t\t\t__dkms_r=\"$__dkms_n[$__dkms_i]\"\n"
	"\t\t\tprintf '%s\\0%s\\0%s\\0' \"$__dkms_n\" \"$__dkms_i\" \"${!__dkms_r}\"\n"
	"\t\tdone\n"
	"\tdone\n"
	"\tprintf '\\0'\n"
	"\tunset POSIXLY_CORRECT\n"
	"}\n"
	"__dkms_source() {\n"
	"\t. \"$__dkms_f\" >/dev/null\n"
	"\t__dkms_assign\n"
	"}\n"
	"readonly -f __dkms_sane __dkms_assign __dkms_state __dkms_source\n"
	"__dkms_job=0\n"
	"while (($# > 10)); do\n"
	"\t__dkms_nf=${11}\n"
	"\t(\n"
	"\t\tkernelver=$1 arch=$2 kernel_source_dir=$3 kernel_config=$4 dkms_tree=$5\n"
	"\t\tsource_tree=$6 install_tree=$7 module=$8 module_version=$9 parallel_jobs=${10}\n"
	"\t\tshift 11\n"
	"\t\tfor __dkms_f in \"${@:1:__dkms_nf}\"; do\n"
	"\t\t\tif [[ -e $__dkms_f ]]; then\n"
	"\t\t\t\t__dkms_t=$(__dkms_source)\n"
	"\t\t\t\teval \"$__dkms_t\"\n"
	"\t\t\tfi\n"
	"\t\t\t__dkms_state\n"
	"\t\tdone\n"
	"\t)\n"
	"\tprintf '/\\0%s\\0' \"$__dkms_job\"\n"
	"\tshift $((11 + __dkms_nf))\n"
	"\t__dkms_job=$((__dkms_job + 1))\n"
	"done\n";

static void build_script(struct strbuf *sb)
{
	size_t n;
	const char *const *names = conf_directives(&n);

	strbuf_addstr(sb, script_head);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(sb, ' ');
		strbuf_addstr(sb, names[i]);
	}
	strbuf_addstr(sb, script_body);
}

static bool parse_index(const char *s, unsigned *ret)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xffffffffUL)
		return false;
	*ret = (unsigned)v;
	return true;
}

static const char *next_field(const char **p, const char *end)
{
	const char *f = *p;
	const char *nul;

	if (f >= end)
		return NULL;
	nul = memchr(f, '\0', (size_t)(end - f));
	if (!nul)
		return NULL;
	*p = nul + 1;
	return f;
}

/*
 * Parse the dump into the jobs' states. A job is valid (r = 0) when its "/"
 * record comes in order after exactly n_files states; anything else leaves
 * it, and every job after a break in the stream, at -EPROTO.
 */
static void parse_dump(const struct strbuf *sb, struct conf_job *jobs, size_t n_jobs)
{
	const char *p = sb->buf, *end = sb->buf + sb->len;
	size_t job = 0, k = 0;

	for (size_t i = 0; i < n_jobs; i++)
		jobs[i].r = -EPROTO;
	while (job < n_jobs) {
		const char *name = next_field(&p, end), *idx, *value;
		unsigned i;

		if (!name)
			break;
		if (!*name) {
			k++;
			continue;
		}
		idx = next_field(&p, end);
		if (!idx)
			break;
		if (streq(name, "/")) {
			if (!parse_index(idx, &i) || i != job)
				break;
			if (k == jobs[job].n_files)
				jobs[job].r = 0;
			job++;
			k = 0;
			continue;
		}
		value = next_field(&p, end);
		if (!value)
			break;
		if (k < jobs[job].n_files && conf_is_directive(name) && parse_index(idx, &i))
			conf_vars_set(&jobs[job].states[k], name, i, value);
	}
}

/* DKMS_CONF_TIMEOUT seconds (default 120; 0 disables). */
static int conf_eval_timeout_ms(void)
{
	const char *t = getenv("DKMS_CONF_TIMEOUT");
	char *end;
	long secs;

	if (!t || !*t)
		return 120 * 1000;
	secs = strtol(t, &end, 10);
	if (*end || secs < 0 || secs > 86400)
		return 120 * 1000;
	return (int)(secs * 1000);
}

int conf_eval_bash_jobs(struct conf_job *jobs, size_t n_jobs)
{
	_cleanup_strbuf_ struct strbuf script = STRBUF_INIT, dump = STRBUF_INIT;
	struct child c = CHILD_INIT;
	int r;

	for (size_t j = 0; j < n_jobs; j++) {
		for (size_t i = 0; i < jobs[j].n_files; i++)
			conf_vars_release(&jobs[j].states[i]);
		jobs[j].r = 0;
	}
	if (!n_jobs)
		return 0;

	build_script(&script);
	strv_push(&c.args, "bash");
	strv_push(&c.args, "-c");
	strv_push(&c.args, script.buf);
	strv_push(&c.args, "dkms");
	for (size_t j = 0; j < n_jobs; j++) {
		const struct conf_scope *scope = jobs[j].scope;
		const char *scope_values[JOB_SCOPE_ARGS] = {
			scope->kernelver, scope->arch, scope->kernel_source_dir,
			scope->kernel_config, scope->dkms_tree, scope->source_tree,
			scope->install_tree, scope->module, scope->module_version,
			scope->parallel_jobs,
		};

		for (size_t i = 0; i < ARRAY_SIZE(scope_values); i++)
			strv_push(&c.args, scope_values[i] ? scope_values[i] : "");
		strv_pushf(&c.args, "%zu", jobs[j].n_files);
		for (size_t i = 0; i < jobs[j].n_files; i++)
			strv_push(&c.args, jobs[j].files[i]);
	}
	/* a non-interactive bash would source these first */
	strv_push(&c.env_unset, "BASH_ENV");
	strv_push(&c.env_unset, "ENV");
	c.capture = &dump;
	/* a dkms.conf that never returns must not hang a kernel's postinst */
	c.timeout_ms = conf_eval_timeout_ms();

	r = child_run(&c);
	child_release(&c);
	if (r >= 0) {
		parse_dump(&dump, jobs, n_jobs);
		r = 0;
	}
	for (size_t j = 0; j < n_jobs; j++) {
		if (r < 0)
			jobs[j].r = r;
		if (jobs[j].r < 0)
			for (size_t i = 0; i < jobs[j].n_files; i++)
				conf_vars_release(&jobs[j].states[i]);
	}
	return r;
}

int conf_eval_bash_states(const struct conf_scope *scope, const char *const *files,
			  size_t n_files, struct conf_vars *states)
{
	struct conf_job job = {
		.scope = scope, .files = files, .n_files = n_files, .states = states,
	};
	int r;

	if (!n_files)
		return 0;
	r = conf_eval_bash_jobs(&job, 1);
	return r < 0 ? r : job.r;
}

int conf_eval_bash(const struct conf_scope *scope, const char *const *files, size_t n_files,
		   struct conf_vars *out)
{
	struct conf_vars *states;
	int r;

	conf_vars_release(out);
	if (!n_files)
		return 0;
	states = xcalloc(n_files, sizeof(*states));
	r = conf_eval_bash_states(scope, files, n_files, states);
	if (r == 0) {
		*out = states[n_files - 1];
		states[n_files - 1] = (struct conf_vars){ 0 };
	}
	for (size_t i = 0; i < n_files; i++)
		conf_vars_release(&states[i]);
	free(states);
	return r;
}
