/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"
#include "formats/format.h"

/*
 * The RPMs dkms makes of a package: a binary kmod RPM per kernel (what a
 * Red Hat driver disk carries, and `dkms mkrpm`), and the noarch
 * <module>-dkms RPM of the source that dkms builds on the target
 * (`dkms mkrpm --source`, as dkms 2.x's mkrpm did).
 *
 * One kmod RPM per kernel, never one for several: anaconda extracts every
 * .ko of each RPM whose Provides match its kernel and drops the kernel
 * directory from the path (driver_updates.py dest_strip), so modules for two
 * kernels in one RPM would land on the same file. Hence also a name per
 * kernel (kmod-<module>-<kernel>, as Fedora's per-kernel kmods): anaconda
 * installs the selected RPM into the target by its Name.
 */

/* kmod-<module>-<kernelver>, with what rpm refuses in a Name made '_'. Allocated. */
char *kmod_rpm_name(const char *module, const char *kernelver);

/*
 * The version of the RPM's `Provides: kernel-modules = …`: kernelver with
 * each '-' after the first made '.' (rpmbuild refuses a second '-'; rpmvercmp
 * separates segments at either, so the Provide equals that kernel's
 * `uname -r` and no other): 6.1.0-56-amd64 → 6.1.0-56.amd64,
 * 5.14.0-362.el9.x86_64 unchanged. Allocated.
 */
char *kmod_rpm_kernel_provide(const char *kernelver);

/*
 * kmod-<module>-<kernel>-<version>-1.<arch>.rpm into outdir: k's modules in
 * /lib/modules/<kernel>/extra/<module>/ (the paths dd_extract takes and
 * anaconda loads from), Provides kernel-modules = <kernel provide> and
 * kmod-<module> = <version>-1, Requires kernel(<symbol>) = <crc> for each
 * kernel symbol the modules import (from the kernel's Module.symvers),
 * /etc/depmod.d/<module>.conf preferring weak-updates/<module>/, depmod
 * and weak-modules (when present) in %post/%postun. workdir: private,
 * empty. rpmbuild's log is <dkms_tree>/<module>/<version>/<kernel>/<arch>/log/rpmbuild.log.
 * 0 with *ret_path, or -errno (reported on ctx).
 */
enum kmod_rpm_flags {
	/*
	 * Provides: kernel-modules >= <kernel> instead of =: the installer takes
	 * the RPM for every later kernel too, and rpm installs it only where
	 * the Requires: kernel(<symbol>) = <crc> are met (a kABI range).
	 */
	KMOD_RPM_KABI_RANGE = 1 << 0,
};

int kmod_rpm_build(const struct dkms_ctx *ctx, const char *module, const char *version,
		   const struct dud_kernel *k, unsigned flags, const char *workdir,
		   const char *outdir, char **ret_path);

/*
 * <module>-dkms-<version>-1.noarch.rpm into outdir: source_dir as
 * /usr/src/<module>-<version>; %post runs dkms add, build and install,
 * %preun dkms remove --all (with --rpm_safe_upgrade, so an upgrade does
 * not remove what the new package adds). rpmbuild's log is
 * <dkms_tree>/<module>/<version>/log/rpmbuild.log.
 */
int dkms_rpm_build(const struct dkms_ctx *ctx, const char *module, const char *version,
		   const char *source_dir, const char *workdir, const char *outdir, char **ret_path);
