// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dkms's words around the core's messages: "\nError! ", "Warning: ",
 * "Deprecated feature: ", "<step>... done." and "(bad exit status: N)".
 */
#include "output.h"

/* SGR sequences for the few words dkms's output is scanned for. */
#define SGR_RED "\033[31m"
#define SGR_GREEN "\033[32m"
#define SGR_YELLOW "\033[33m"
#define SGR_RESET "\033[0m"

/* "<lead><word><tail><text><end>": only word is coloured, when sgr is set. */
static void put(FILE *f, FILE *before, const char *lead, const char *word, const char *sgr,
		const char *tail, const char *text, const char *end)
{
	if (!f)
		return;
	/* what went to the other stream first stays first on a shared terminal */
	if (before)
		fflush(before);
	fputs(lead, f);
	if (*word)
		fprintf(f, "%s%s%s", sgr ? sgr : "", word, sgr ? SGR_RESET : "");
	fputs(tail, f);
	fputs(text, f);
	fputs(end, f);
	fflush(f);
}

void cmd_output_write(void *data, enum dkms_log_kind kind, const char *text)
{
	const struct cmd_output *o = data;
	const char *red = o->color_err ? SGR_RED : NULL;

	switch (kind) {
	case DKMS_LOG_INFO:
		put(o->out, NULL, "", "", NULL, "", text, "\n");
		break;
	case DKMS_LOG_ERROR:
		put(o->err, o->out, "\n", "Error!", red, " ", text, "\n");
		break;
	case DKMS_LOG_WARNING:
		put(o->err, o->out, "", "Warning:", o->color_err ? SGR_YELLOW : NULL, " ", text, "\n");
		break;
	case DKMS_LOG_DEPRECATED:
		put(o->err, o->out, "", "", NULL, "Deprecated feature: ", text, "\n");
		break;
	case DKMS_LOG_NOTE:
		put(o->err, o->out, "", "", NULL, "", text, "\n");
		break;
	case DKMS_LOG_STEP:
		put(o->out, NULL, "", "", NULL, "", text, "...");
		break;
	case DKMS_LOG_STEP_DONE:
		put(o->out, NULL, " ", "done.", o->color_out ? SGR_GREEN : NULL, "", text, "\n");
		break;
	case DKMS_LOG_STEP_FAILED:
		if (!o->out)
			break;
		fprintf(o->out, "%s(bad exit status: %s)%s\n", o->color_out ? SGR_RED : "", text,
			o->color_out ? SGR_RESET : "");
		fflush(o->out);
		break;
	}
}
