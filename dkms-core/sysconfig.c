// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "sysconfig.h"
#include "util/fileio.h"
#include "util/strbuf.h"

static char *unquoted(const char *v)
{
	size_t len = strlen(v);

	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r'))
		len--;
	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
		return xstrndup(v + 1, len - 2);
	return xstrndup(v, len);
}

char *sysconfig_addon_modules_dir(const struct dkms_ctx *ctx, const char *path)
{
	static const char name[] = "ADDON_MODULES_DIR=";
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char *value = NULL;
	unsigned lineno = 0;

	if (read_file(path, &sb) < 0)
		return NULL;
	for (char *line = sb.buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line += strspn(line, " \t");
		if (!strncmp(line, "export", 6) && (line[6] == ' ' || line[6] == '\t'))
			line += 6 + strspn(line + 6, " \t");
		if (strncmp(line, name, sizeof(name) - 1))
			continue;
		line += sizeof(name) - 1;
		if (line[strcspn(line, "$`")] || (line[0] != '\'' && strchr(line, ' '))) {
			dkms_warn(ctx, "%s:%u: ADDON_MODULES_DIR=%s is not a plain value, ignored.", path,
				  lineno, line);
			continue;
		}
		free(value);
		value = unquoted(line);
	}
	return value;
}
