/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"
#include "output.h"

/*
 * What a terminal gets beyond dkms's plain lines: colour for "Error!",
 * "Warning:" and "done." on the streams that are terminals, unless NO_COLOR
 * is set to anything (https://no-color.org) or TERM is unset or "dumb"; and
 * one updating line during a build, when stdout is a terminal and -q is not
 * given. Anything else (a pipe, a file, -q) gets dkms's output unchanged.
 * Idempotent: call it again once -q may have redirected the output.
 */
void terminal_setup(struct dkms_ctx *ctx, struct cmd_output *o);
