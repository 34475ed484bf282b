/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "context.h"

/*
 * The one writer of the core's messages (dkms_log_fn): dkms's console text
 * for each kind, on out (lines, steps) or err (errors, warnings, notes),
 * with "Error!", "Warning:" and "done." coloured where the flags say.
 * Streams left NULL drop what would go there.
 */
struct cmd_output {
	FILE *out;
	FILE *err;
	bool color_out;
	bool color_err;
};

void cmd_output_write(void *data, enum dkms_log_kind kind, const char *text);
