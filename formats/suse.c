// SPDX-License-Identifier: GPL-2.0-or-later
/* SUSE driver update (linuxrc/YaST, Agama): linux/suse/<arch>-<dist>/. */
#include <errno.h>

#include "formats/format.h"

static int suse_make(const struct dud_request *req, struct payload *out)
{
	dkms_error(req->ctx, "The suse driver disk format is not implemented yet.");
	return -EOPNOTSUPP;
}

static bool suse_detect(const char *root)
{
	return false;
}

static int suse_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep)
{
	return -EOPNOTSUPP;
}

const struct dud_format dud_format_suse = {
	.name = "suse",
	.description = "SUSE driver update (linuxrc, YaST, Agama)",
	.media = 1u << DUD_MEDIUM_CPIO | 1u << DUD_MEDIUM_TAR | 1u << DUD_MEDIUM_ISO |
		 1u << DUD_MEDIUM_FLOPPY | 1u << DUD_MEDIUM_SQUASHFS,
	.default_medium = DUD_MEDIUM_CPIO,
	.needs_release = true,
	.make = suse_make,
	.detect = suse_detect,
	.check = suse_check,
};
