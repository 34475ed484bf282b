// SPDX-License-Identifier: GPL-2.0-or-later
/* FAT names: 8.3 names, their generated forms, long names (see fat.h). */
#include <errno.h>
#include <string.h>

#include "mkdisk/fat.h"
#include "util/strbuf.h"

#define LFN_MAX 255

uint8_t fat_lfn_checksum(const uint8_t short_name[11])
{
	uint8_t sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + short_name[i]);
	return sum;
}

bool fat_short_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c && strchr("!#$%&'()-@^_`{}~", c));
}

/* A name that is its own 8.3 name: upper case, base 1-8, extension 0-3, one dot at most. */
bool fat_plain_83(const char *name, uint8_t out[11])
{
	const char *dot = strchr(name, '.');
	size_t base = dot ? (size_t)(dot - name) : strlen(name), ext = dot ? strlen(dot + 1) : 0;

	if (base < 1 || base > 8 || ext > 3 || (dot && (!ext || strchr(dot + 1, '.'))))
		return false;
	for (const char *c = name; *c; c++)
		if (c != dot && !fat_short_char((unsigned char)*c))
			return false;
	memset(out, ' ', 11);
	memcpy(out, name, base);
	if (ext)
		memcpy(out + 8, dot + 1, ext);
	return true;
}

/*
 * The basis of a generated 8.3 name: upper case, invalid characters as '_',
 * spaces and extra dots dropped, base cut to 8 and extension to 3. *lossy
 * when more than case was lost (then a "~N" tail is required).
 */
void fat_basis_83(const char *name, uint8_t out[11], size_t *ret_base_len, bool *lossy)
{
	const char *start = name + strspn(name, "."), *dot = strrchr(start, '.');
	size_t b = 0, e = 0;

	*lossy = start != name;
	memset(out, ' ', 11);
	for (const char *c = start; *c; c++) {
		unsigned char ch = (unsigned char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		bool in_ext = dot && c > dot;

		if (c == dot)
			continue;
		if (ch == ' ' || ch == '.') {
			*lossy = true;
			continue;
		}
		if (!fat_short_char(ch)) {
			ch = '_';
			*lossy = true;
		}
		if (in_ext ? e >= 3 : b >= 8) {
			*lossy = true;
			continue;
		}
		out[in_ext ? 8 + e++ : b++] = ch;
	}
	if (!b) {
		out[0] = '_';
		b = 1;
		*lossy = true;
	}
	*ret_base_len = b;
}

/* UTF-8 to UTF-16, refusing what a long name cannot hold. */
int fat_long_name(const char *name, uint16_t **ret, size_t *ret_len)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = strlen(name), n = 0;
	uint16_t *out = xmalloc((len + 1) * sizeof(*out));

	while (*s) {
		uint32_t cp;
		int more;

		if (*s < 0x80) {
			cp = *s;
			more = 0;
		} else if ((*s & 0xe0) == 0xc0) {
			cp = *s & 0x1f;
			more = 1;
		} else if ((*s & 0xf0) == 0xe0) {
			cp = *s & 0x0f;
			more = 2;
		} else if ((*s & 0xf8) == 0xf0) {
			cp = *s & 0x07;
			more = 3;
		} else {
			goto invalid;
		}
		s++;
		for (int k = 0; k < more; k++, s++) {
			if ((*s & 0xc0) != 0x80)
				goto invalid;
			cp = cp << 6 | (*s & 0x3f);
		}
		if (cp < 0x20 || cp == 0x7f || (cp < 0x80 && strchr("\"*/:<>?\\|", (int)cp)) ||
		    (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff ||
		    (more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000))
			goto invalid;
		if (cp >= 0x10000) {
			out[n++] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
			out[n++] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
		} else {
			out[n++] = (uint16_t)cp;
		}
	}
	/* Windows and the vfat driver drop trailing dots and spaces: the name would change */
	if (!n || n > LFN_MAX || out[n - 1] == '.' || out[n - 1] == ' ')
		goto invalid;
	*ret = out;
	*ret_len = n;
	return 0;
invalid:
	free(out);
	return -EINVAL;
}
