/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/*
 * The MOK key pair a distribution's own tooling provides when framework.conf
 * names no mok_signing_key (dkms 3.4.3's prepare_mok):
 *
 *  - Ubuntu: shim-signed's /var/lib/shim-signed/mok/MOK.priv and MOK.der
 *    (the directory: DKMS_SHIM_MOK_DIR). When either is missing,
 *    update-secureboot-policy makes them (--new-key, with SHIM_NOTRIGGER=y
 *    and its output dropped, after removing a lone certificate, which would
 *    stop it) and queues the certificate for enrolment (--enroll-key, which
 *    talks to the admin). Without update-secureboot-policy modules are not
 *    signed: -ENOENT, said once.
 *  - Gentoo: MODULES_SIGN_KEY / MODULES_SIGN_CERT from the environment, else
 *    from /etc/portage/make.conf (DKMS_PORTAGE_MAKE_CONF), else the kernel's
 *    CONFIG_MODULE_SIG_KEY (relative to its source dir <install tree>/<k>/build,
 *    one PEM file holding key and certificate).
 *
 * *key and *cert are set (allocated) where the distro decides, else left
 * NULL for the caller's defaults. Returns 0 or -ENOENT.
 */
int sign_distro_mok(const struct dkms_ctx *ctx, const char *kernelver, char **key, char **cert);
