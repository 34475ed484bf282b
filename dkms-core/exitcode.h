/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Lifecycle operations return 0 on success, a negative errno for a system
 * failure nobody planned for, or one of these positive statuses after the
 * user has been told why. The values are dkms's exit codes, so cmd/ can pass
 * them straight through and scripts written for dkms keep working.
 */
enum dkms_exit {
	DKMS_OK = 0,
	DKMS_EXIT_USAGE = 1,         /* root, arguments */
	DKMS_EXIT_NO_SOURCE = 2,     /* no source dir; option conflict */
	DKMS_EXIT_STATE = 3,         /* already added/built; not in tree */
	DKMS_EXIT_CONF_MISSING = 4,  /* no dkms.conf; broken; os-release */
	DKMS_EXIT_PATCH_PATH = 5,    /* patch path, --all, already installed */
	DKMS_EXIT_INSTALL = 6,       /* install or patch failed */
	DKMS_EXIT_KO_MISSING = 7,    /* built module missing */
	DKMS_EXIT_BAD_CONF = 8,      /* invalid dkms.conf */
	DKMS_EXIT_SOURCE_TREE = 9,
	DKMS_EXIT_BUILD = 10,        /* make failed; malformed source tree */
	DKMS_EXIT_AUTOINSTALL = 11,
	DKMS_EXIT_ARCH = 12,
	DKMS_EXIT_BUILD_DEPENDS = 13,
	DKMS_EXIT_KERNEL_HOOK = 14,
	DKMS_EXIT_CD = 15,
	DKMS_EXIT_EMPTY_KERNEL = 16,
	DKMS_EXIT_NO_HEADERS = 21,
	DKMS_EXIT_EXCLUDED = 77,     /* BUILD_EXCLUSIVE: skipped */
	DKMS_EXIT_PRE_INSTALL = 101,
};
