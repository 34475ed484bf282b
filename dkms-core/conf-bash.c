// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dkms.conf evaluated by bash, as dkms's safe_source does it: each file is
 * sourced in a subshell (stdout to /dev/null) with the scope variables set;
 * the subshell prints `NAME[i]="value"` for every element of every
 * whitelisted directive with dkms's own `eval echo` line (one trailing CR
 * stripped, the value word-split and globbed, fields joined by one space)
 * and the parent reads that back with eval, so values are expanded a second
 * time exactly as dkms's `. "$tmpfile"` does. After each file the parent writes its whole state to
 * stdout as NUL-separated name, index, value records, closed by an empty
 * name. The script is constant; scope values and file paths are positional
 * arguments.
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
	"kernelver=$1 arch=$2 kernel_source_dir=$3 kernel_config=$4 dkms_tree=$5\n"
	"source_tree=$6 install_tree=$7 module=$8 module_version=$9 parallel_jobs=${10}\n"
	"shift 10\n"
	"readonly __dkms_cr=$'\\r' __dkms_v='";

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
	"\t\tfor __dkms_i in $(eval echo \\${!\"$__dkms_n\"[@]}); do\n"
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
	"for __dkms_f in \"$@\"; do\n"
	"\tif [[ -e $__dkms_f ]]; then\n"
	"\t\t__dkms_t=$(__dkms_source)\n"
	"\t\teval \"$__dkms_t\"\n"
	"\tfi\n"
	"\t__dkms_state\n"
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

/* Parse the NUL-separated dump into states[0..n-1]; -EPROTO when short. */
static int parse_dump(const struct strbuf *sb, struct conf_vars *states, size_t n)
{
	const char *p = sb->buf, *end = sb->buf + sb->len;
	size_t k = 0;

	while (p < end && k < n) {
		const char *name = p, *idx, *value;

		p += strlen(p) + 1;
		if (!*name) {
			k++;
			continue;
		}
		if (p >= end)
			return -EPROTO;
		idx = p;
		p += strlen(p) + 1;
		if (p >= end)
			return -EPROTO;
		value = p;
		p += strlen(p) + 1;
		if (p > end)
			return -EPROTO;

		unsigned i;
		if (conf_is_directive(name) && parse_index(idx, &i))
			conf_vars_set(&states[k], name, i, value);
	}
	return k == n ? 0 : -EPROTO;
}

int conf_eval_bash_states(const struct conf_scope *scope, const char *const *files,
			  size_t n_files, struct conf_vars *states)
{
	_cleanup_strbuf_ struct strbuf script = STRBUF_INIT, dump = STRBUF_INIT;
	struct child c = CHILD_INIT;
	const char *scope_values[] = {
		scope->kernelver, scope->arch, scope->kernel_source_dir, scope->kernel_config,
		scope->dkms_tree, scope->source_tree, scope->install_tree, scope->module,
		scope->module_version, scope->parallel_jobs,
	};
	int r;

	for (size_t i = 0; i < n_files; i++)
		conf_vars_release(&states[i]);
	if (!n_files)
		return 0;

	build_script(&script);
	strv_push(&c.args, "bash");
	strv_push(&c.args, "-c");
	strv_push(&c.args, script.buf);
	strv_push(&c.args, "dkms");
	for (size_t i = 0; i < ARRAY_SIZE(scope_values); i++)
		strv_push(&c.args, scope_values[i] ? scope_values[i] : "");
	for (size_t i = 0; i < n_files; i++)
		strv_push(&c.args, files[i]);
	/* a non-interactive bash would source these first */
	strv_push(&c.env_unset, "BASH_ENV");
	strv_push(&c.env_unset, "ENV");
	c.capture = &dump;

	r = child_run(&c);
	child_release(&c);
	if (r < 0)
		return r;
	r = parse_dump(&dump, states, n_files);
	if (r < 0)
		for (size_t i = 0; i < n_files; i++)
			conf_vars_release(&states[i]);
	return r;
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
