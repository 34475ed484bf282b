// SPDX-License-Identifier: GPL-2.0-or-later
/* Legacy Red Hat driver disks (RHEL 3-5 loader): rhdd-6.1 ("version 0") and rhdd ("version 1"). */
#include <errno.h>

#include "formats/format.h"

static int legacy_make(const struct dud_request *req, struct payload *out)
{
	dkms_error(req->ctx, "The legacy redhat driver disk formats are not implemented yet.");
	return -EOPNOTSUPP;
}

static bool legacy_detect(const char *root)
{
	return false;
}

static int legacy_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep)
{
	return -EOPNOTSUPP;
}

const struct dud_format dud_format_redhat1 = {
	.name = "redhat1",
	.description = "legacy Red Hat driver disk, rhdd-6.1 (\"version 0\", RHEL 3-5): modules.cgz <kernel>/<module>.ko",
	.media = 1u << DUD_MEDIUM_FLOPPY | 1u << DUD_MEDIUM_ISO | 1u << DUD_MEDIUM_TAR,
	.default_medium = DUD_MEDIUM_FLOPPY,
	.make = legacy_make,
	.detect = legacy_detect,
	.check = legacy_check,
};

const struct dud_format dud_format_redhat2 = {
	.name = "redhat2",
	.description = "legacy Red Hat driver disk, rhdd (\"version 1\", RHEL 4-5): modules.cgz <kernel>/<arch>/<module>.ko",
	.media = 1u << DUD_MEDIUM_FLOPPY | 1u << DUD_MEDIUM_ISO | 1u << DUD_MEDIUM_TAR,
	.default_medium = DUD_MEDIUM_FLOPPY,
	.make = legacy_make,
	.detect = legacy_detect,
	.check = legacy_check,
};
