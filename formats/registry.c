// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "formats/format.h"
#include "util/macro.h"

/* Each format's file defines its struct dud_format; list it here. */
const struct dud_format *const dud_formats[] = {
	&dud_format_redhat,
	&dud_format_redhat1,
	&dud_format_redhat2,
	&dud_format_suse,
	&dud_format_ubuntu,
	&dud_format_initramfs,
	NULL,
};

const struct dud_format *dud_format_find(const char *name)
{
	for (size_t i = 0; dud_formats[i]; i++)
		if (streq(dud_formats[i]->name, name))
			return dud_formats[i];
	return NULL;
}

void dud_report_release(struct dud_report *rep)
{
	free(rep->format);
	rep->format = NULL;
	strv_release(&rep->problems);
	strv_release(&rep->drivers);
	strv_release(&rep->notes);
}

void dud_report_problem(struct dud_report *rep, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strv_push(&rep->problems, sb.buf);
	strbuf_release(&sb);
}

void dud_kernel_release(struct dud_kernel *k)
{
	for (size_t i = 0; i < k->n_modules; i++) {
		free(k->modules[i].name);
		free(k->modules[i].path);
		free(k->modules[i].dest);
	}
	free(k->modules);
	free(k->kernelver);
	free(k->arch);
	free(k->install_dir);
	memset(k, 0, sizeof(*k));
}
