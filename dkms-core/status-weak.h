/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"
#include "status.h"
#include "util/strbuf.h"

/*
 * installed-weak: m/v built and installed for kernel k is linked, every one
 * of its modules, into another kernel K's weak-updates/ (by weak-modules or
 * weak-modules2). One line per (m, v, K, a), in dkms's format:
 *   "<m>, <v>, <K>, <a>: installed-weak from <k>"
 * Filters (NULL for all) as dkms's module_status_weak takes them: kernel
 * is K, the kernel linked into. The lines are appended to out (cmd/ prints). The links are read natively; a link counts
 * when its target has the same bytes as the module the build holds.
 */
void status_weak_lines(const struct dkms_ctx *ctx, const char *m, const char *v,
		       const char *kernel, const char *arch, struct strbuf *out);
