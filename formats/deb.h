/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"
#include "formats/format.h"
#include "util/strbuf.h"

/*
 * Debian packages of a dkms package, made with dpkg-deb:
 *  - binary modules for one kernel (mkbmdeb, and the Ubuntu driver disk):
 *    <module>-modules-<kernel>, the built modules under lib/modules/<k><dest>/,
 *    depmod in postinst and postrm;
 *  - the source as a dkms package (mkdeb): <module>-dkms, Architecture all,
 *    /usr/src/<module>-<version>/, dkms add/install in postinst, remove in prerm.
 * Both are built with -Zgzip, so the control member is control.tar.gz: the
 * driver-injection-disk reader in debian-installer extracts it with ar+gzip.
 * A package is written to a temp file in outdir and renamed into place; on
 * failure nothing is left there. Errors are printed (dkms_error) once.
 */

/* A Debian package name from s: lower case; '_' and anything not [a-z0-9+.-] become '-'. */
char *deb_package_name(const char *s);
/*
 * A valid Debian version for a dkms PACKAGE_VERSION: characters outside
 * [A-Za-z0-9.+~-] become '+', and "0~" is put before one that does not start
 * with a digit (so "v1.2" sorts below any numbered release, and "v1.2" < "v1.3").
 */
char *deb_version(const char *v);
/* The dpkg architecture of a kernel's uname -m (x86_64 → amd64, …), or NULL. */
const char *deb_arch_of(const char *machine);
/*
 * Control file fields whose values come from a package. A newline or other
 * control character must not start a new field or stanza: a simple field
 * (Package, Depends, ...) holding one is refused (-EINVAL, nothing added);
 * the Description is folded as Debian Policy 5.6.13 says: the synopsis
 * one line (control characters become blanks), every extended line after a
 * space, a blank line as " .".
 */
int deb_control_field(struct strbuf *sb, const char *field, const char *value);
void deb_control_description(struct strbuf *sb, const char *synopsis, const char *extended);
/* "<package>_<version>_<arch>.deb", the name dpkg-name would give. */
char *deb_file_name(const char *package, const char *version, const char *arch);

/*
 * The binary-module package for kernel k: every k->modules[i] at
 * lib/modules/<kernelver><dest>/<file name of path>. workdir is scratch
 * space (a staging tree is made and removed in it). 0, or -errno after an
 * error message (-ENOENT: dpkg-deb missing, -EINVAL: an arch dpkg has no name
 * for, -EIO: dpkg-deb failed). *ret_path: the .deb written (allocated).
 */
int deb_build_modules(const struct dkms_ctx *ctx, const char *module, const char *version,
		      const struct dud_kernel *k, const char *workdir, const char *outdir,
		      char **ret_path);

/* The source package: source_dir (dkms.conf and sources) at usr/src/<module>-<version>/. */
int deb_build_source(const struct dkms_ctx *ctx, const char *module, const char *version,
		     const char *source_dir, const char *workdir, const char *outdir,
		     char **ret_path);
