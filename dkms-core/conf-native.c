// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Native dkms.conf reader for files that are nothing but assignments:
 *
 *   # comment
 *   NAME=word  NAME[3]=word  NAME=(word word ...)
 *
 * where a word is made of unquoted characters, '...' and "..." parts and
 * $name / ${name} / ${name[N]} expansions of the scope variables, the
 * directives and variables assigned earlier in the same file. Everything
 * else (commands, $(...), backslashes, globs in arrays, ~, unknown
 * variables, ...) is -ENOTSUP and the caller asks bash.
 *
 * One file is one safe_source step: it starts from the directives known so
 * far, and at its end every element goes through dkms's dump (see
 * dump_value) and is taken over per element. Values the dump's second
 * expansion would change ($ ` \ ") or whose globbing depends on the files
 * around are -ENOTSUP too, so bash evaluates them, and both paths agree.
 */
#include <errno.h>
#include <string.h>

#include "conf.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define MAX_INDEX 9999

struct native {
	const char *p, *end;
	struct conf_vars *work;  /* the directives, as this file's subshell sees them */
	struct conf_vars locals; /* everything else: scope and the file's own variables */
};

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool strpbrk_n(const char *s, size_t n, const char *accept)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(accept, s[i]))
			return true;
	return false;
}

static size_t strspn_n(const char *s, size_t n, const char *accept)
{
	size_t i = 0;

	while (i < n && strchr(accept, s[i]))
		i++;
	return i;
}

static size_t strcspn_n(const char *s, size_t n, const char *reject)
{
	size_t i = 0;

	while (i < n && !strchr(reject, s[i]))
		i++;
	return i;
}

/*
 * After '$', does c start an expansion (or $'' / $"" quoting)? A backslash
 * might be a line continuation hiding one: say yes, parse_expansion refuses.
 */
static bool starts_expansion(char c)
{
	return is_name_char(c) || (c && strchr("{([@*#?$!-'\"\\", c));
}

static bool at_continuation(const struct native *n)
{
	return n->p + 1 < n->end && n->p[0] == '\\' && n->p[1] == '\n';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Variables bash treats specially: assigning them is not plain. */
static bool is_special_var(const char *name)
{
	static const char *const specials[] = {
		"RANDOM", "SRANDOM", "SECONDS", "LINENO", "FUNCNAME", "GROUPS", "HISTCMD",
		"DIRSTACK", "PPID", "UID", "EUID", "SHELLOPTS", "POSIXLY_CORRECT", "OPTIND",
		"OPTARG", "OPTERR", "IFS", "PWD", "OLDPWD", "HOSTNAME", "HOSTTYPE", "SHLVL",
	};

	if (!strncmp(name, "BASH", 4) || !strncmp(name, "COMP_", 5) || !strncmp(name, "EPOCH", 5) ||
	    !strncmp(name, "LC_", 3) || !strncmp(name, "__dkms", 6))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(specials); i++)
		if (streq(specials[i], name))
			return true;
	return false;
}

/* Digits of an array index: "0" or no leading zero (bash reads 010 as octal). */
static int parse_index(struct native *n, unsigned *ret)
{
	unsigned v = 0;
	const char *start = n->p;

	while (n->p < n->end && *n->p >= '0' && *n->p <= '9') {
		v = v * 10 + (unsigned)(*n->p - '0');
		if (v > MAX_INDEX)
			return -ENOTSUP;
		n->p++;
	}
	if (n->p == start || (*start == '0' && n->p - start > 1))
		return -ENOTSUP;
	*ret = v;
	return 0;
}

static int lookup(struct native *n, const char *name, unsigned index, struct strbuf *out)
{
	const char *v;

	if (conf_is_directive(name)) {
		v = conf_vars_value(n->work, name, index);
	} else if (conf_vars_get(&n->locals, name)) {
		v = conf_vars_value(&n->locals, name, index);
	} else {
		return -ENOTSUP; /* environment or something bash knows better */
	}
	if (v)
		strbuf_addstr(out, v);
	return 0;
}

/* At '$': $name, ${name} or ${name[N]}. */
static int parse_expansion(struct native *n, struct strbuf *out)
{
	char name[128];
	size_t len = 0;
	unsigned index = 0;
	bool braced;

	n->p++;
	braced = n->p < n->end && *n->p == '{';
	if (braced)
		n->p++;
	if (n->p >= n->end || !is_name_start(*n->p))
		return -ENOTSUP;
	while (n->p < n->end && is_name_char(*n->p)) {
		if (len + 1 >= sizeof(name))
			return -ENOTSUP;
		name[len++] = *n->p++;
	}
	name[len] = '\0';
	if (at_continuation(n))
		return -ENOTSUP; /* the name goes on on the next line */
	if (braced) {
		if (n->p < n->end && *n->p == '[') {
			n->p++;
			if (parse_index(n, &index) < 0 || n->p >= n->end || *n->p != ']')
				return -ENOTSUP;
			n->p++;
		}
		if (n->p >= n->end || *n->p != '}')
			return -ENOTSUP;
		n->p++;
	}
	return lookup(n, name, index, out);
}

static bool is_plain_char(char c, bool array)
{
	if (is_name_char(c) || (unsigned char)c >= 0x80)
		return true;
	if (strchr("./:,+=@%^-!#\r", c))
		return true;
	/* no pathname or brace expansion in a scalar assignment */
	return !array && strchr("*?[]{}", c);
}

/*
 * One word, up to (not including) a blank, newline, end, or in an array ')'.
 * In an array, unquoted expansions would be split and globbed: -ENOTSUP.
 */
static int parse_word(struct native *n, bool array, struct strbuf *out)
{
	while (n->p < n->end) {
		char c = *n->p;

		if (c == '\\' && n->p + 1 < n->end && n->p[1] == '\n') {
			n->p += 2; /* line continuation */
			continue;
		}
		if (is_blank(c) || c == '\n' || (array && c == ')'))
			return 0;
		if (c == '\'') {
			const char *q = memchr(n->p + 1, '\'', (size_t)(n->end - n->p - 1));

			if (!q)
				return -ENOTSUP;
			strbuf_add(out, n->p + 1, (size_t)(q - n->p - 1));
			n->p = q + 1;
		} else if (c == '"') {
			n->p++;
			for (;;) {
				if (n->p >= n->end)
					return -ENOTSUP;
				c = *n->p;
				if (c == '"') {
					n->p++;
					break;
				}
				if (c == '`')
					return -ENOTSUP;
				/* \x keeps its backslash unless x is one of $ ` " \ newline */
				if (c == '\\' && n->p + 1 < n->end && n->p[1] == '\n') {
					n->p += 2; /* line continuation */
					continue;
				}
				if (c == '\\') {
					if (n->p + 1 >= n->end || strchr("$`\"\\", n->p[1]))
						return -ENOTSUP;
					strbuf_addch(out, c);
					n->p++;
					continue;
				}
				if (c == '$' && (n->p + 1 >= n->end || n->p[1] == '"' ||
						 !starts_expansion(n->p[1]))) {
					strbuf_addch(out, c); /* a lone $ is itself */
					n->p++;
					continue;
				}
				if (c == '$') {
					int r = parse_expansion(n, out);

					if (r < 0)
						return r;
					continue;
				}
				strbuf_addch(out, c);
				n->p++;
			}
		} else if (c == '$' && (n->p + 1 >= n->end || !starts_expansion(n->p[1]))) {
			strbuf_addch(out, c); /* a lone $ is itself */
			n->p++;
		} else if (c == '$') {
			int r;

			if (array)
				return -ENOTSUP;
			r = parse_expansion(n, out);
			if (r < 0)
				return r;
		} else if (is_plain_char(c, array)) {
			strbuf_addch(out, c);
			n->p++;
		} else {
			return -ENOTSUP;
		}
	}
	return 0;
}

/* The variable set an assignment goes to, or NULL when it is not plain. */
static struct conf_vars *target(struct native *n, const char *name)
{
	if (conf_is_directive(name))
		return n->work;
	if (is_special_var(name))
		return NULL;
	return &n->locals;
}

/* Blanks (and newlines when asked); a backslash-newline is no character at all. */
static void skip_blanks(struct native *n, bool newlines)
{
	while (n->p < n->end) {
		if (is_blank(*n->p) || (newlines && *n->p == '\n'))
			n->p++;
		else if (*n->p == '\\' && n->p + 1 < n->end && n->p[1] == '\n')
			n->p += 2;
		else
			break;
	}
}

static bool at_word_end(const struct native *n)
{
	return n->p >= n->end || is_blank(*n->p) || *n->p == '\n';
}

static int parse_array(struct native *n, struct conf_vars *vars, const char *name)
{
	_cleanup_strbuf_ struct strbuf word = STRBUF_INIT;
	unsigned index = 0;

	conf_vars_unset(vars, name);
	/* NAME=() is an empty array: declared, no elements */
	for (;;) {
		skip_blanks(n, true);
		if (n->p >= n->end)
			return -ENOTSUP;
		if (*n->p == ')') {
			n->p++;
			return at_word_end(n) ? 0 : -ENOTSUP;
		}
		if (*n->p == '#') {
			while (n->p < n->end && *n->p != '\n')
				n->p++;
			continue;
		}
		strbuf_reset(&word);
		if (parse_word(n, true, &word) < 0)
			return -ENOTSUP;
		if (index > MAX_INDEX)
			return -ENOTSUP;
		conf_vars_set(vars, name, index++, word.buf);
	}
}

/* At the start of a word in command position: only NAME[N]=... is plain. */
static int parse_assignment(struct native *n)
{
	_cleanup_strbuf_ struct strbuf value = STRBUF_INIT;
	char name[128];
	size_t len = 0;
	unsigned index = 0;
	bool subscript = false;
	struct conf_vars *vars;

	if (!is_name_start(*n->p))
		return -ENOTSUP;
	while (n->p < n->end && is_name_char(*n->p)) {
		if (len + 1 >= sizeof(name))
			return -ENOTSUP;
		name[len++] = *n->p++;
	}
	name[len] = '\0';
	if (n->p < n->end && *n->p == '[') {
		n->p++;
		if (parse_index(n, &index) < 0 || n->p >= n->end || *n->p != ']')
			return -ENOTSUP;
		n->p++;
		subscript = true;
	}
	if (n->p >= n->end || *n->p != '=')
		return -ENOTSUP;
	n->p++;
	vars = target(n, name);
	if (!vars)
		return -ENOTSUP;

	if (n->p < n->end && *n->p == '(') {
		if (subscript)
			return -ENOTSUP;
		n->p++;
		return parse_array(n, vars, name);
	}
	if (parse_word(n, false, &value) < 0)
		return -ENOTSUP;
	conf_vars_set(vars, name, index, value.buf);
	return 0;
}

static void scope_set(struct conf_vars *locals, const char *name, const char *value)
{
	conf_vars_set(locals, name, 0, value ? value : "");
}

/* Reading s back inside double quotes gives s. */
static bool reread_is_identity(const char *s)
{
	for (; *s; s++) {
		if (*s == '`' || *s == '"')
			return false;
		/* the value is followed by '"' when read back: a final $ stays */
		if (*s == '$' && s[1] && starts_expansion(s[1]))
			return false;
		if (*s == '\\' && (!s[1] || strchr("$`\"\\\n", s[1])))
			return false;
	}
	return true;
}

/*
 * What dkms's dump does to a value, or -ENOTSUP when bash could do more.
 * It strips one CR, then `eval echo $N[$i]=\"${N[$i]%$CR}\"` splits the
 * word N[i]="<value>" on blanks and newlines, globs each field and echo
 * joins the fields with one space: every run of blanks in the value becomes
 * one space (at its ends too, the quotes being part of the word). Fields
 * that touch a quote cannot match a file; a token with blanks on both sides
 * can, so one with a pattern character is left to bash. Then `. "$tmpfile"`
 * reads N[i]="<joined>" back inside double quotes.
 */
static int dump_value(struct conf_item *item)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = item->value;
	size_t len = strlen(p);

	if (len && p[len - 1] == '\r')
		len--;
	for (size_t i = 0; i < len;) {
		size_t blanks = strspn_n(p + i, len - i, " \t\n"), tok;

		if (blanks) {
			strbuf_addch(&sb, ' ');
			i += blanks;
			continue;
		}
		tok = strcspn_n(p + i, len - i, " \t\n");
		if (i > 0 && i + tok < len && strpbrk_n(p + i, tok, "*?[(\\")) {
			strbuf_release(&sb);
			return -ENOTSUP;
		}
		strbuf_add(&sb, p + i, tok);
		i += tok;
	}
	if (!reread_is_identity(sb.buf)) {
		strbuf_release(&sb);
		return -ENOTSUP;
	}
	free(item->value);
	item->value = strbuf_detach(&sb);
	return 0;
}

/* End of the file's subshell: every element goes through dkms's dump. */
static int finish(struct conf_vars *work)
{
	for (size_t i = 0; i < work->n; i++) {
		struct conf_var *v = &work->vars[i];

		for (size_t j = 0; j < v->n; j++) {
			int r = dump_value(&v->items[j]);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

int conf_parse_native_buf(const struct conf_scope *scope, const char *buf, size_t len,
			  struct conf_vars *vars)
{
	struct conf_vars work = { 0 };
	struct native n = { .p = buf, .end = buf + len, .work = &work };
	int r = 0;

	/* control characters: bash's own quoting bytes (\001, \177) misbehave */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return -ENOTSUP;
	}
	conf_vars_copy(&work, vars);
	scope_set(&n.locals, "kernelver", scope->kernelver);
	scope_set(&n.locals, "arch", scope->arch);
	scope_set(&n.locals, "kernel_source_dir", scope->kernel_source_dir);
	scope_set(&n.locals, "kernel_config", scope->kernel_config);
	scope_set(&n.locals, "dkms_tree", scope->dkms_tree);
	scope_set(&n.locals, "source_tree", scope->source_tree);
	scope_set(&n.locals, "install_tree", scope->install_tree);
	scope_set(&n.locals, "module", scope->module);
	scope_set(&n.locals, "module_version", scope->module_version);
	scope_set(&n.locals, "parallel_jobs", scope->parallel_jobs);

	while (r == 0) {
		skip_blanks(&n, false);
		if (n.p >= n.end)
			break;
		if (*n.p == '\n') {
			n.p++;
		} else if (*n.p == '#') {
			while (n.p < n.end && *n.p != '\n')
				n.p++;
		} else {
			r = parse_assignment(&n);
		}
	}
	if (r == 0)
		r = finish(&work);
	if (r == 0)
		conf_vars_merge(vars, &work);
	conf_vars_release(&work);
	conf_vars_release(&n.locals);
	return r;
}

int conf_parse_native(const struct conf_scope *scope, const char *file, struct conf_vars *vars)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	int r = read_file(file, &sb);

	if (r < 0)
		return r;
	return conf_parse_native_buf(scope, sb.buf, sb.len, vars);
}
