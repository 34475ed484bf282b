/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * rpm's version comparison, as rpm 4.x defines it, for the checks the Red
 * Hat installer makes against the kmod RPMs of a driver disk (anaconda's
 * dd_list compares `uname -r` with each `Provides: kernel-modules` version).
 */

/*
 * rpmvercmp: compare two version strings segment by segment. Segments are
 * runs of digits (compared as numbers) or of ASCII letters (compared as
 * strings); any other character separates them, except '~' (sorts before
 * everything, even the end of the string) and '^' (sorts after the end of the
 * string but before anything else). A numeric segment is newer than an
 * alphabetic one. Returns -1, 0 or 1.
 */
int rpmvercmp(const char *a, const char *b);

/* Dependency sense flags, as in RPMTAG_PROVIDEFLAGS (RPMSENSE_*). */
enum rpmsense {
	RPMSENSE_LESS = 1 << 1,
	RPMSENSE_GREATER = 1 << 2,
	RPMSENSE_EQUAL = 1 << 3,
};

/*
 * Whether `have` fits "<name> <flags> <version>" the way anaconda's dd_list
 * tests a Provide: r = rpmvercmp(have, version), and r < 0 needs LESS, r == 0
 * EQUAL, r > 0 GREATER. An unversioned Provide (no sense bits, version "")
 * never fits.
 */
bool rpm_sense_matches(const char *have, uint32_t flags, const char *version);

/* "<", "<=", "=", ">=", ">" or "" for the sense bits of flags. */
const char *rpm_sense_str(uint32_t flags);
