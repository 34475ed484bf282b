/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/*
 * Test hooks for crash consistency (as SQLite and git test crashes). Not an
 * interface for users: unset, each costs one getenv().
 *
 *   DKMS_FAILPOINT=<name>      SIGKILL the program at the step so named
 *   DKMS_FAILPOINT=<N>         ... at the N-th step passed (1-based)
 *   DKMS_FAILPOINT_TRACE=<f>   append "<N> <name>" for each step passed to f,
 *                              so tests enumerate every step of a run, and
 *                              "write <N>" for each write_all()
 *   DKMS_FAILWRITE=<N>         the N-th write through write_all() (atomic
 *                              writes, copies, images) fails with ENOSPC
 *
 * Step names are "<area>:<what>", e.g. "journal:written", "install:placed".
 */
void failpoint(const char *name);

/* True when this write is the one DKMS_FAILWRITE names. */
bool failwrite_now(void);
