// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "formats/rpmvercmp.h"

/* rpm compares with its own ASCII-only classes, whatever the locale. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_separator(char c)
{
	return c && !is_digit(c) && !is_alpha(c) && c != '~' && c != '^';
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Numeric segments: leading zeros do not count, then the longer is bigger. */
static int compare_numbers(const char *a, size_t na, const char *b, size_t nb)
{
	while (na && *a == '0')
		a++, na--;
	while (nb && *b == '0')
		b++, nb--;
	if (na != nb)
		return na > nb ? 1 : -1;
	return sign(memcmp(a, b, na));
}

static int compare_words(const char *a, size_t na, const char *b, size_t nb)
{
	int r = memcmp(a, b, na < nb ? na : nb);

	if (r)
		return sign(r);
	return na == nb ? 0 : na > nb ? 1 : -1;
}

int rpmvercmp(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return 0;
	while (*a || *b) {
		const char *sa, *sb;
		bool numeric;
		int r;

		while (is_separator(*a))
			a++;
		while (is_separator(*b))
			b++;
		/* '~' sorts before anything, the end of the string included */
		if (*a == '~' || *b == '~') {
			if (*a != '~')
				return 1;
			if (*b != '~')
				return -1;
			a++, b++;
			continue;
		}
		/* '^' sorts after the end of the string, before anything else */
		if (*a == '^' || *b == '^') {
			if (!*a)
				return -1;
			if (!*b)
				return 1;
			if (*a != '^')
				return 1;
			if (*b != '^')
				return -1;
			a++, b++;
			continue;
		}
		if (!*a || !*b)
			break;
		sa = a;
		sb = b;
		numeric = is_digit(*a);
		if (numeric) {
			while (is_digit(*a))
				a++;
			while (is_digit(*b))
				b++;
		} else {
			while (is_alpha(*a))
				a++;
			while (is_alpha(*b))
				b++;
		}
		/* a's segment is never empty; b's is when the kinds differ */
		if (b == sb)
			return numeric ? 1 : -1;
		r = numeric ? compare_numbers(sa, (size_t)(a - sa), sb, (size_t)(b - sb))
			    : compare_words(sa, (size_t)(a - sa), sb, (size_t)(b - sb));
		if (r)
			return r;
	}
	if (!*a && !*b)
		return 0;
	/* whichever still has segments left is newer */
	return *a ? 1 : -1;
}

bool rpm_sense_matches(const char *have, uint32_t flags, const char *version)
{
	int r;

	if (!version || !(flags & (RPMSENSE_LESS | RPMSENSE_GREATER | RPMSENSE_EQUAL)))
		return false;
	r = rpmvercmp(have, version);
	if (r < 0)
		return flags & RPMSENSE_LESS;
	if (r > 0)
		return flags & RPMSENSE_GREATER;
	return flags & RPMSENSE_EQUAL;
}

const char *rpm_sense_str(uint32_t flags)
{
	switch (flags & (RPMSENSE_LESS | RPMSENSE_GREATER | RPMSENSE_EQUAL)) {
	case RPMSENSE_LESS:
		return "<";
	case RPMSENSE_LESS | RPMSENSE_EQUAL:
		return "<=";
	case RPMSENSE_EQUAL:
		return "=";
	case RPMSENSE_GREATER | RPMSENSE_EQUAL:
		return ">=";
	case RPMSENSE_GREATER:
		return ">";
	default:
		return "";
	}
}
