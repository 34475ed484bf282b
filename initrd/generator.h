/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "util/strv.h"

/*
 * The program that makes a kernel's initrd on this system: dracut,
 * initramfs-tools (mkinitramfs, which update-initramfs runs) or mkinitcpio,
 * or a command given in framework.conf (initrd_generator=). It always
 * writes one image for one kernel to a path we choose, so the image in
 * /boot is replaced only once the new one has been checked.
 *
 * A command template is split into words like a shell would (blanks
 * separate words; '…' and "…" quote, \ escapes outside '…'), but no shell
 * runs it. These placeholders are replaced anywhere, quoted or not:
 *   {image}      the file to write (a temp file beside the final image)
 *   {kernel}     the kernel release, e.g. 6.1.0-56-amd64
 *   {bootdir}    where the images are (--bootdir, bootdir=; /boot)
 *   {moduledir}  the kernel's module tree, <install_tree>/<kernel>
 *   {sysconfdir} where generator configuration lives (initrd_sysconfdir=; /etc)
 *   {{ and }}    a literal { or }
 * Any other {name} is an error.
 */
enum initrd_generator_kind {
	INITRD_GENERATOR_CUSTOM,          /* initrd_generator= in framework.conf */
	INITRD_GENERATOR_INITRAMFS_TOOLS, /* Debian, Ubuntu */
	INITRD_GENERATOR_DRACUT,          /* Fedora, RHEL, SUSE, Debian with dracut */
	INITRD_GENERATOR_MKINITCPIO,      /* Arch */
};

struct initrd_generator {
	enum initrd_generator_kind kind;
	char *name;     /* for messages: "mkinitramfs", "dracut", … or the custom program */
	char *template; /* the command template */
};

void initrd_generator_release(struct initrd_generator *g);

/*
 * The default template for a kind ("" for CUSTOM). dracut's names
 * --conf {sysconfdir}/dracut.conf and --confdir {sysconfdir}/dracut.conf.d;
 * the one initrd_generator_pick makes leaves out those that do not exist.
 */
const char *initrd_generator_default_template(enum initrd_generator_kind kind);
/* "initramfs-tools", "dracut", "mkinitcpio", "custom" */
const char *initrd_generator_kind_name(enum initrd_generator_kind kind);

/*
 * Pick the generator: the configured template when set; else the one that
 * made the existing image (made_by, from its contents; -1 when unknown);
 * else the one installed here (mkinitramfs with /etc/initramfs-tools, then
 * dracut, then mkinitcpio). -ENOENT when there is none.
 */
int initrd_generator_pick(const char *configured, int made_by, const char *sysconfdir,
			  struct initrd_generator *ret);

/* Values for the placeholders. */
struct initrd_generator_vars {
	const char *image;
	const char *kernel;
	const char *bootdir;
	const char *moduledir;
	const char *sysconfdir;
};

/*
 * Expand a template into argv words. -EINVAL for an unbalanced quote, an
 * unknown placeholder or no words at all; *ret_bad then names the culprit
 * (allocated) when not NULL.
 */
int initrd_generator_expand(const char *template, const struct initrd_generator_vars *vars,
			    struct strv *ret_argv, char **ret_bad);

/*
 * Run the generator for one kernel with stdout and stderr appended to
 * log_fd (or discarded when -1), its process group killed after timeout_ms
 * (0: no limit). Returns the exit status (0..255, 128+signal), -ETIME on
 * timeout, -ENOENT when the program is missing, -EINVAL as expand.
 */
int initrd_generator_run(const struct initrd_generator *g, const struct initrd_generator_vars *vars,
			 int log_fd, int timeout_ms, char **ret_bad);
