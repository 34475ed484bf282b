/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/*
 * One binary RPM made by rpmbuild from files dkms already has (built
 * modules, a source tree): nothing is compiled. The caller stages the
 * package's files under <workdir>/root and writes the spec's preamble,
 * %description, scriptlets and %files; rpmbuild_run adds the %install that
 * copies the staged tree, and pins what must not vary with the build host's
 * rpm configuration: gzip payload (every rpm back to RHEL 4 reads it, dd_extract
 * too), no brp-strip (modules are stripped and signed already), no
 * build-id links, no dependency generators, no debuginfo.
 */
struct rpmbuild_job {
	const char *what;    /* the package, for messages: "kmod-m-6.1.0-56-amd64" */
	const char *spec;    /* preamble, %description, scriptlets, %files */
	const char *target;  /* --target: "x86_64", "noarch" ... */
	const char *workdir; /* private and empty but for root/ (the staged files) */
	const char *log;     /* rpmbuild's output goes here, and stays */
	const char *log_root; /* when set, the tree log is in: opened beneath it (util/beneath.h) */
	const char *outdir;  /* the RPM is moved here when complete (created) */
};

/* <workdir>/root, allocated: where the caller stages the files. */
char *rpmbuild_stage_dir(const char *workdir);

/*
 * Run rpmbuild. On success the RPM is in outdir (put there atomically) and
 * *ret_path names it. Reports failures itself on ctx: rpmbuild not installed
 * (-ENOENT), rpmbuild failing (-EIO, naming the log). Other -errno on I/O.
 */
int rpmbuild_run(const struct dkms_ctx *ctx, const struct rpmbuild_job *job, char **ret_path);

/*
 * Values for a spec: spec_escape doubles '%' (rpm expands macros
 * everywhere); spec_shell_quote also single-quotes for a scriptlet;
 * rpm_safe_name keeps what rpm allows in a Name (letters, digits, "-._+"),
 * rpm_safe_version what it allows in a Version ("._+~^", no '-'), turning
 * anything else into '_'. All allocated.
 */
char *spec_escape(const char *s);
char *spec_shell_quote(const char *s);
char *rpm_safe_name(const char *s);
char *rpm_safe_version(const char *s);
