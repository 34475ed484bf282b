/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/strv.h"

/*
 * The header of an RPM package file, read natively: what a driver-disk
 * check needs to know without rpm installed (anaconda's dd_list reads the
 * same tags with librpm, digests and signatures unchecked). Only the
 * package's own header is parsed; the payload is not read.
 */
struct rpm_dep {
	char *name;
	uint32_t flags;  /* RPMSENSE_* (formats/rpmvercmp.h) and others */
	char *version;   /* "" when unversioned */
};

struct rpm_header {
	char *name, *version, *release, *arch;
	char *summary, *description;
	char *payload_compressor; /* "gzip", "xz", "zstd" ..., or NULL (gzip) */
	struct rpm_dep *provides;
	size_t n_provides;
	struct strv files; /* absolute paths, as `rpm -qlp` lists them */
};

/*
 * Read path's lead, signature header and header. 0, -ENOENT and other
 * open/read errors, -EMEDIUMTYPE when it is not an RPM (no lead magic, or
 * a format older than 3), -EBADMSG when a header is truncated or malformed.
 */
int rpm_header_read(const char *path, struct rpm_header *ret);
/* The same on a whole file held in memory. */
int rpm_header_parse(const void *data, size_t len, struct rpm_header *ret);
void rpm_header_release(struct rpm_header *h);
