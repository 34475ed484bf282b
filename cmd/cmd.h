/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "kernel.h"
#include "output.h"
#include "util/strv.h"

/* The parsed command line, beside the run-time context it configures. */
struct cmd {
	struct dkms_ctx ctx;
	struct cmd_output output; /* where ctx's messages go (ctx.log_fn) */
	const char *action;
	char *module;
	char *version;
	struct strv kernelver; /* -k, possibly filled by --all or defaults */
	struct strv arch;      /* -a, 1:1 with kernelver once set up */
	struct dkms_kernel *kernels; /* kernelver/arch resolved */
	size_t n_kernels;
	char *template_kernel;
	char *archive;
	char *try_source_tree;
	bool all;
	bool help;
	/* driver disks and packages (mkdriverdisk, checkdisk, mkrpm, mkbmdeb, mkdeb) */
	char *distro;      /* -d */
	char *release;     /* -r */
	char *media;       /* --media */
	char *size;        /* --size (KiB) */
	char *compress;    /* --compress */
	char *initrd;      /* --initrd BASE (mkdriverdisk -d initramfs); IMAGE for lsinitrd */
	bool source_rpm;   /* mkrpm --source */
	bool kabi_range;   /* mkrpm, mkdriverdisk -d redhat: --kabi-range */
	bool json;         /* status --json */
	struct strv args;  /* positional arguments not otherwise taken (checkdisk IMAGE ...) */
};

/* setup_kernels_arches: defaults (uname), --all, 1:1 arch fill, empty checks. */
int cmd_setup_kernels(struct cmd *c);
/*
 * What an action needs before its handler runs: cmd/main.c's table lists
 * them per action, in the order dkms 3.4.3 checks them. Each failed one is
 * said in dkms's words and gives dkms's exit code.
 */
enum cmd_need {
	NEED_END = 0,        /* ends an action's list */
	NEED_MODULE_VERSION, /* check_module_args: a module and a version given */
	NEED_NOT_BROKEN,     /* module_is_broken_and_die, when both are given */
	NEED_ADDED,          /* module_is_added_or_die */
	NEED_ROOT,           /* check_root */
	NEED_ROOT_TO_FORCE,  /* root when --force is given (ldtarball) */
	NEED_WRITABLE_TREE,  /* write access to the DKMS tree */
	NEED_NO_ALL,         /* check_all_is_banned */
	NEED_ONE_KERNEL,     /* have_one_kernel: no --all, exactly one kernel */
};
/* 0 when c meets need, else the exit status after saying why. */
int cmd_check(struct cmd *c, enum cmd_need need);
/* NEED_MODULE_VERSION, for add once an archive or a source dir named the package. */
int cmd_need_module_args(struct cmd *c);
/*
 * The output dir of mkrpm/mkbmdeb/mkdeb opened (made when missing): the
 * default one beneath the DKMS tree, an --archive dir where the admin said.
 * A dir fd, or -errno after saying why.
 */
int cmd_open_output_dir(struct cmd *c, const char *outdir);
/* The kernel dkms.conf is read for by add and tarballs: the first -k (or uname). */
const struct dkms_kernel *cmd_first_kernel(struct cmd *c);
/* --rpm_safe_upgrade: add leaves a note; remove in the same rpm transaction is cancelled. */
void cmd_rpm_safe_mark(struct cmd *c);
bool cmd_rpm_safe_cancel(struct cmd *c);
/* Run post_transaction, logging to <dkms_tree>/post_transaction.log. */
void cmd_post_transaction(struct cmd *c);

/* One function per action; each returns the process exit status. */
int cmd_add(struct cmd *c);
int cmd_build(struct cmd *c);
int cmd_install(struct cmd *c);
int cmd_uninstall(struct cmd *c);
int cmd_unbuild(struct cmd *c);
int cmd_remove(struct cmd *c);
int cmd_status(struct cmd *c);
int cmd_match(struct cmd *c);
int cmd_autoinstall(struct cmd *c);
int cmd_kernel_preinst(struct cmd *c);
int cmd_kernel_postinst(struct cmd *c);
int cmd_kernel_prerm(struct cmd *c);
int cmd_mktarball(struct cmd *c);
int cmd_ldtarball(struct cmd *c);
int cmd_generate_mok(struct cmd *c);
int cmd_mkdriverdisk(struct cmd *c); /* cmd/mkdriverdisk.c */
int cmd_checkdisk(struct cmd *c);    /* cmd/checkdisk.c */
int cmd_mkrpm(struct cmd *c);        /* cmd/mkrpm.c */
int cmd_kabi_check(struct cmd *c);   /* cmd/kabi-check.c */
int cmd_mkbmdeb(struct cmd *c);      /* cmd/mkdeb.c */
int cmd_mkdeb(struct cmd *c);        /* cmd/mkdeb.c */
int cmd_lsinitrd(struct cmd *c);     /* cmd/lsinitrd.c */

/* ldtarball's loader, shared with `add <archive>`: j records what it makes
 * (journal.h); the caller ends it once the package is added. */
struct journal;
int cmd_load_tarball(struct cmd *c, struct journal *j);
/* r: the load's and add's result; a failure takes away what the load made. */
void cmd_load_tarball_end(struct cmd *c, struct journal *j, int r);

/* Exit status for a core return value (negative errno -> 1). */
static inline int cmd_status_of(int r)
{
	return r < 0 ? 1 : r;
}
