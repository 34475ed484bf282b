/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "context.h"
#include "util/strbuf.h"
#include "util/strv.h"

/*
 * What a package asks of the initrd generators, written where each one
 * reads it, so that every later regeneration (ours, or the distribution's
 * on a kernel update) keeps the driver. Under <sysconfdir> (/etc):
 *
 *   modules that must be in the initrd (REMAKE_INITRD=yes):
 *     dracut.conf.d/dkms-<pkg>.conf        add_drivers+=" m "   (per kernel)
 *     initramfs-tools/hooks/dkms-<pkg>     manual_add_modules m (per kernel)
 *     mkinitcpio.conf.d/dkms-<pkg>.conf    MODULES+=(m)
 *   modules forced in and loaded there (MODULES_CONF_ALIAS_TYPE[#]):
 *     dracut.conf.d/dkms-<pkg>.conf        force_drivers+=" m " (per kernel)
 *     initramfs-tools/modules              m, in a "# BEGIN dkms <pkg>" block
 *     mkinitcpio.conf.d/dkms-<pkg>.conf    MODULES+=(m)
 *     modprobe.d/dkms-<pkg>.conf           alias <type> m
 *   MODULES_CONF[#] lines, as written:
 *     modprobe.d/dkms-<pkg>.conf
 *
 * "Per kernel" entries apply only to the kernels the package is installed
 * on, so a generator run for another kernel does not fail on a missing
 * module. A generator's part is written only where its directory exists
 * (modprobe.d is always written). Everything is taken away again when the
 * package leaves its last kernel; the modules file gets back its bytes.
 */
struct modules_conf {
	const char *package; /* file names: dkms-<package>… */
	const char *version;
	struct strv kernels;  /* installed on; empty: remove every entry */
	struct strv include;  /* module names */
	struct strv force;    /* module names */
	struct strv aliases;  /* "<type> <module>" */
	struct strv lines;    /* MODULES_CONF lines */
};

#define MODULES_CONF_INIT { NULL, NULL, STRV_INIT, STRV_INIT, STRV_INIT, STRV_INIT, STRV_INIT }

void modules_conf_release(struct modules_conf *mc);
bool modules_conf_is_empty(const struct modules_conf *mc);

/* The previous state of every file apply touched, to put back. */
struct modules_conf_saved_file {
	char *path;
	bool existed;
	mode_t mode;
	struct strbuf content;
};

struct modules_conf_saved {
	struct modules_conf_saved_file *files;
	size_t n;
};

#define MODULES_CONF_SAVED_INIT { NULL, 0 }

/*
 * Bring the files under sysconfdir in line with mc: write, rewrite or
 * remove each. A file whose content would not change is not touched.
 * When saved is not NULL, the previous state of each file changed is
 * recorded there. Prints "Error! …" naming the file and returns -errno on
 * failure, after putting back the files it had changed.
 */
int modules_conf_apply(const struct dkms_ctx *ctx, const char *sysconfdir, const struct modules_conf *mc,
		       struct modules_conf_saved *saved);
/* Put the saved files back as they were (best effort), then release. */
void modules_conf_restore(struct modules_conf_saved *saved);
void modules_conf_saved_release(struct modules_conf_saved *saved);
