// SPDX-License-Identifier: GPL-2.0-or-later
/* Red Hat driver update disk v3 (RHEL 6 loader, anaconda-dracut): rhdd3, rpms/<arch>/. */
#include <errno.h>

#include "formats/format.h"

static int ddv3_make(const struct dud_request *req, struct payload *out)
{
	dkms_error(req->ctx, "The redhat driver disk format is not implemented yet.");
	return -EOPNOTSUPP;
}

static bool ddv3_detect(const char *root)
{
	return false;
}

static int ddv3_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep)
{
	return -EOPNOTSUPP;
}

const struct dud_format dud_format_redhat = {
	.name = "redhat",
	.description = "Red Hat driver update disk v3 (RHEL 6 and later, Fedora): kmod RPMs and repodata",
	.media = 1u << DUD_MEDIUM_ISO | 1u << DUD_MEDIUM_FLOPPY | 1u << DUD_MEDIUM_TAR |
		 1u << DUD_MEDIUM_CPIO | 1u << DUD_MEDIUM_SQUASHFS,
	.default_medium = DUD_MEDIUM_ISO,
	.cpio_wrap_iso = "dd.iso",
	.make = ddv3_make,
	.detect = ddv3_detect,
	.check = ddv3_check,
};
