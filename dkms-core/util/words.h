/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "strbuf.h"
#include "strv.h"

/*
 * Shell words without a shell: splitting a command line into an argv the
 * way a shell's quoting does (blanks separate; '…' is literal; "…" and a
 * backslash outside single quotes escape the next character), and quoting
 * a string so that a shell reads it back as one word.
 */
struct words_opts {
	/*
	 * Characters handed to hook wherever they are (also inside quotes):
	 * hook appends what they stand for to word and moves *p past them, or
	 * returns -EINVAL with *ret_bad saying why (the generator's
	 * {placeholders}).
	 */
	const char *special;
	int (*hook)(const char **p, void *data, struct strbuf *word, char **ret_bad);
	void *data;
	/*
	 * For a command that must not need a shell: these characters outside
	 * quotes, refuse_dq inside double quotes, and refuse_start at the start
	 * of a word make the split fail (-EINVAL, *ret_bad "unquoted ';'").
	 */
	const char *refuse;
	const char *refuse_dq;
	const char *refuse_start;
};

/*
 * What a shell would do more with than split into words: operators,
 * expansions, globs, comments, a newline (a second command).
 */
#define WORDS_SHELL_ONLY ";&|<>()$`*?[]{}!\n"
#define WORDS_SHELL_ONLY_DQ "$`"
#define WORDS_SHELL_ONLY_START "#~"

/* The options for a command that must not need a shell (--strict-conf). */
extern const struct words_opts words_no_shell;

/*
 * Split s into *ret (replaced on success). -EINVAL with *ret_bad (allocated)
 * for an unbalanced quote ("unbalanced '"), an empty command ("empty
 * command"), a refused character, or what hook refused.
 */
int words_split(const char *s, const struct words_opts *opts, struct strv *ret, char **ret_bad);

/*
 * s as one shell word: unchanged when it holds only characters no shell
 * treats specially (letters, digits, / . _ + - : @ = , %), else in single
 * quotes (' written as '\''). Allocated.
 */
char *shell_quote(const char *s);
