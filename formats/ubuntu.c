// SPDX-License-Identifier: GPL-2.0-or-later
/* Ubuntu driver-injection disk (d-i): ubuntu-drivers/<codename>/<pkg>.deb on OEMDRV. */
#include <errno.h>

#include "formats/format.h"

static int ubuntu_make(const struct dud_request *req, struct payload *out)
{
	dkms_error(req->ctx, "The ubuntu driver disk format is not implemented yet.");
	return -EOPNOTSUPP;
}

static bool ubuntu_detect(const char *root)
{
	return false;
}

static int ubuntu_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep)
{
	return -EOPNOTSUPP;
}

const struct dud_format dud_format_ubuntu = {
	.name = "ubuntu",
	.description = "Ubuntu driver-injection disk (debian-installer, OEMDRV)",
	.media = 1u << DUD_MEDIUM_ISO | 1u << DUD_MEDIUM_FLOPPY,
	.default_medium = DUD_MEDIUM_ISO,
	.needs_release = false,
	.make = ubuntu_make,
	.detect = ubuntu_detect,
	.check = ubuntu_check,
};
