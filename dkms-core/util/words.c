// SPDX-License-Identifier: GPL-2.0-or-later
/* Shell words split and quoted without a shell (words.h). */
#include <errno.h>
#include <string.h>

#include "words.h"

const struct words_opts words_no_shell = {
	.refuse = WORDS_SHELL_ONLY,
	.refuse_dq = WORDS_SHELL_ONLY_DQ,
	.refuse_start = WORDS_SHELL_ONLY_START,
};

static int refused(char ch, char **ret_bad)
{
	if (ret_bad)
		*ret_bad = ch == '\n' ? xstrdup("unquoted newline") : xasprintf("unquoted '%c'", ch);
	return -EINVAL;
}

static bool in_set(const char *set, char ch)
{
	return set && ch && strchr(set, ch);
}

int words_split(const char *s, const struct words_opts *opts, struct strv *ret, char **ret_bad)
{
	static const struct words_opts none = { 0 };
	_cleanup_strbuf_ struct strbuf word = STRBUF_INIT;
	_cleanup_strv_ struct strv argv = STRV_INIT;
	const struct words_opts *o = opts ? opts : &none;
	const char *p = s;
	bool in_word = false;
	char quote = 0;
	int r;

	while (*p) {
		char ch = *p;

		if (!quote && in_set(o->refuse, ch))
			return refused(ch, ret_bad);
		if (quote == '"' && in_set(o->refuse_dq, ch))
			return refused(ch, ret_bad);
		if (!quote && !in_word && in_set(o->refuse_start, ch))
			return refused(ch, ret_bad);
		if (!quote && (ch == ' ' || ch == '\t' || ch == '\n')) {
			if (in_word)
				strv_push_take(&argv, strbuf_detach(&word));
			in_word = false;
			p++;
			continue;
		}
		in_word = true;
		if (in_set(o->special, ch) && o->hook) {
			r = o->hook(&p, o->data, &word, ret_bad);
			if (r < 0)
				return r;
		} else if (quote == '\'' && ch != '\'') {
			strbuf_addch(&word, ch);
			p++;
		} else if (ch == '\'' || ch == '"') {
			if (!quote)
				quote = ch;
			else if (quote == ch)
				quote = 0;
			else
				strbuf_addch(&word, ch);
			p++;
		} else if (ch == '\\' && p[1] && quote != '\'') {
			strbuf_addch(&word, p[1]);
			p += 2;
		} else {
			strbuf_addch(&word, ch);
			p++;
		}
	}
	if (quote) {
		if (ret_bad)
			*ret_bad = xasprintf("unbalanced %c", quote);
		return -EINVAL;
	}
	if (in_word)
		strv_push_take(&argv, strbuf_detach(&word));
	if (!argv.n) {
		if (ret_bad)
			*ret_bad = xstrdup("empty command");
		return -EINVAL;
	}
	strv_release(ret);
	*ret = argv;
	argv = (struct strv)STRV_INIT;
	return 0;
}

char *shell_quote(const char *s)
{
	static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._+-:@=,%";
	struct strbuf sb = STRBUF_INIT;

	if (*s && s[strspn(s, plain)] == '\0')
		return xstrdup(s);
	strbuf_addch(&sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(&sb, "'\\''");
		else
			strbuf_addch(&sb, *s);
	}
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb);
}
