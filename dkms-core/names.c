// SPDX-License-Identifier: GPL-2.0-or-later
/* The rule for names and paths from packages and the command line (names.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "util/strbuf.h"

static const char *why(char reason[NAME_REASON_MAX], const char *fmt, ...) _printf_(2, 3);
static const char *why(char reason[NAME_REASON_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, NAME_REASON_MAX, fmt, ap);
	va_end(ap);
	return reason;
}

static const char *bad_char(unsigned char c, char reason[NAME_REASON_MAX])
{
	if (c == '/')
		return why(reason, "'/' is not allowed");
	if (c < 0x20 || c == 0x7f)
		return why(reason, "control character 0x%02x is not allowed", c);
	if (c == ' ')
		return why(reason, "a space is not allowed");
	if (c >= 0x80)
		return why(reason, "byte 0x%02x (not ASCII) is not allowed", c);
	return why(reason, "'%c' is not allowed", c);
}

/* One component [s, s+len) of a name or location. */
static const char *check_component(const char *s, size_t len, bool dot_ok,
				   char reason[NAME_REASON_MAX])
{
	size_t ok = strspn(s, NAME_CHARS);

	if (ok < len)
		return bad_char((unsigned char)s[ok], reason);
	if (len > NAME_MAX_LEN)
		return why(reason, "longer than 255 bytes");
	if (len == 2 && s[0] == '.' && s[1] == '.')
		return why(reason, "a '..' component is not allowed");
	if (len == 1 && s[0] == '.' && !dot_ok)
		return why(reason, "'.' is not allowed");
	if (s[0] == '-')
		return why(reason, "it starts with '-'");
	if (s[0] == '~')
		return why(reason, "it starts with '~'");
	return NULL;
}

const char *name_check(enum name_kind kind, const char *s, char reason[NAME_REASON_MAX])
{
	const char *p;
	size_t len;

	if (!s || !*s)
		return why(reason, "it is empty");
	len = strlen(s);
	if (kind == NAME_WORD) {
		/* the first byte not allowed, '/' included, is the reason */
		return check_component(s, len, false, reason);
	}
	if (len > NAME_PATH_MAX)
		return why(reason, "longer than 4095 bytes");
	p = s;
	if (kind == NAME_DEST) {
		if (*p != '/')
			return why(reason, "it does not start with '/'");
		p++;
	} else if (*p == '/') {
		return why(reason, "an absolute path is not allowed");
	}
	while (*p) {
		size_t n = strcspn(p, "/");
		const char *r;

		if (n == 0)
			return why(reason, "an empty component ('//') is not allowed");
		r = check_component(p, n, true, reason);
		if (r)
			return r;
		p += n;
		if (*p == '/')
			p++; /* a trailing '/' ends the loop here */
	}
	if (kind == NAME_DEST && p == s + 1)
		return why(reason, "it is only '/'");
	return NULL;
}

bool name_valid(enum name_kind kind, const char *s)
{
	char reason[NAME_REASON_MAX];

	return name_check(kind, s, reason) == NULL;
}

char *name_escape(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '\n')
			strbuf_addstr(&sb, "\\n");
		else if (*p == '\t')
			strbuf_addstr(&sb, "\\t");
		else if (*p == '"' || *p == '\\')
			strbuf_addf(&sb, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			strbuf_addf(&sb, "\\x%02x", *p);
		else
			strbuf_addch(&sb, (char)*p);
	}
	return strbuf_detach(&sb);
}
