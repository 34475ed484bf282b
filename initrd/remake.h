/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "context.h"

/*
 * REMAKE_INITRD: bring a kernel's initrd in line with the modules dkms just
 * installed or uninstalled for that kernel.
 *
 *   regenerate  run the system's generator (generator.h) for the kernel
 *               alone, into a temp file beside the image; check the new
 *               image (readable, holds every added module, no longer holds
 *               the removed ones); keep the old image as <image>.old-dkms
 *               and rename the new one into place. A failure at any point
 *               leaves the image as it was.
 *   fragment    append a cpio fragment with the modules and a module index
 *               to the image (fragment.h); the original length and checksum
 *               are recorded, so taking the modules out again gives back
 *               the original bytes.
 *   auto        fragment when the image loads modules by alias through
 *               modprobe: it holds a modprobe (sbin/modprobe or bin/kmod),
 *               a udev daemon (systemd-udevd or udevd) and the kernel's
 *               modules.alias; otherwise regenerate.
 *   none        leave initrds and the generators' configuration alone (as
 *               dkms 3.x, or where the distribution's hooks take care of it).
 *
 * The image is <bootdir>/initrd.img-<k>, initramfs-<k>.img, initrd-<k>.img
 * or initrd-<k>, the first that exists. When there is none (a kernel whose
 * package has not made one yet) there is nothing to update.
 */
enum initrd_mode {
	INITRD_MODE_AUTO,
	INITRD_MODE_REGENERATE,
	INITRD_MODE_FRAGMENT,
	INITRD_MODE_NONE,
};

/* 0, or -EINVAL for a name that is not regenerate, fragment, auto or none. */
int initrd_mode_from_name(const char *name, enum initrd_mode *ret);
const char *initrd_mode_name(enum initrd_mode mode);

/* The image of kernel in bootdir, or NULL when there is none. */
char *initrd_find_image(const char *bootdir, const char *kernel);

/* A module dkms put in, or took out of, <moduledir>. */
struct remake_module {
	char *name;    /* "megaraid_sas" */
	char *relpath; /* under the kernel's module dir: "updates/dkms/megaraid_sas.ko" */
};

void remake_modules_free(struct remake_module *mods, size_t n);

struct initrd_change {
	const char *kernel;
	const char *moduledir;  /* <install_tree>/<kernel> */
	const char *bootdir;
	const char *sysconfdir; /* generator configuration; "/etc" */
	const char *generator;  /* initrd_generator= template, or NULL: detected */
	const char *log;        /* the generator's output (file replaced); NULL: discarded */
	enum initrd_mode mode;
	bool remake;            /* a package said REMAKE_INITRD=yes */
	const struct remake_module *added;    /* installed now */
	size_t n_added;
	const struct remake_module *removed; /* uninstalled now */
	size_t n_removed;
};

/*
 * Update the image when ch->remake is set or one of the modules (by name)
 * is in it; otherwise do nothing. Prints what it does; on failure prints
 * one "Error! …" naming the image or the generator and why, and returns
 * -errno (the image is then as it was). Also clears what a killed earlier
 * run left in bootdir. Returns 0 when done or when there is nothing to do;
 * *ret_updated (may be NULL) says whether the image changed.
 */
int initrd_update(const struct dkms_ctx *ctx, const struct initrd_change *ch, bool *ret_updated);

/*
 * Remove what a run killed half-way left in bootdir (its temp dirs); the
 * images themselves are never left half-written. 0 or -errno (printed).
 */
int initrd_cleanup(const struct dkms_ctx *ctx, const char *bootdir);
