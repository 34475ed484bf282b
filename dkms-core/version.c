// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <regex.h>
#include <string.h>

#include "util/strbuf.h"
#include "version.h"

/*
 * VER() inserts a space at every digit/non-digit boundary, pads digit runs
 * of one or two characters to three, then deletes all spaces. Longer runs
 * stay as they are; non-digit runs (including separators) are kept.
 */
char *ver_key(const char *v)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = v;

	while (*p) {
		size_t len;
		bool digits = isdigit((unsigned char)*p);

		for (len = 0; p[len] && !!isdigit((unsigned char)p[len]) == digits; len++)
			;
		if (digits && len < 3)
			strbuf_add(&sb, "00", 3 - len);
		for (size_t i = 0; i < len; i++)
			if (p[i] != ' ')
				strbuf_addch(&sb, p[i]);
		p += len;
	}
	return strbuf_detach(&sb);
}

int ver_compare(const char *a, const char *b)
{
	char *ka = ver_key(a), *kb = ver_key(b);
	/* bash [[ < ]] compares with the locale's collation; dkms runs in C/UTF-8
	 * where these keys (digits, dots, letters) order bytewise. */
	int r = strcmp(ka, kb);

	free(ka);
	free(kb);
	return r;
}

bool regex_match(const char *re, const char *s)
{
	regex_t rx;
	bool m;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	m = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return m;
}
