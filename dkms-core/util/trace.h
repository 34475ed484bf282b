/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "spawn.h"

/*
 * --debug: dkms 3.4.3 runs its script under bash's set -x; this program has
 * no script lines to trace, so it traces what it runs. When DKMS_DEBUG is
 * set and not empty (main sets it for --debug, and children inherit it),
 * every child process is shown on stderr before it starts, as a shell
 * would run it: "+ [cd DIR &&] [NAME=value ...] argv..." with each word
 * shell-quoted (MAKE, hooks and dkms.conf evaluation show as bash -c '...').
 */
void trace_child(const struct child *c);
