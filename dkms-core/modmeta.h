/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "util/strv.h"

/*
 * Everything driver disks and initrd listings need to know about a module
 * file, read through libkmod from its .modinfo section (compressed modules
 * too): the name the kernel knows it by, its aliases (PCI ids), the modules
 * it depends on, its description, vermagic and firmware.
 */
struct module_meta {
	char *name;        /* "name" field (dashes as in the file name: kernel's own) */
	char *description; /* or NULL */
	char *version;     /* MODULE_VERSION as stored (maybe "V checksum"), or NULL */
	char *srcversion;  /* or NULL */
	char *vermagic;    /* "6.1.0-56-amd64 SMP preempt mod_unload modversions", or NULL */
	char *license;     /* or NULL */
	struct strv aliases;  /* "pci:v00001000d00000060sv*sd*bc*sc*i*", ... in file order */
	struct strv depends;  /* module names from "depends=", in file order */
	struct strv softdeps; /* "pre: a b", "post: c" */
	struct strv firmware; /* firmware file names */
};

/* Read path (.ko, .ko.xz, .ko.gz, .ko.zst). 0 or -errno. */
int module_meta_read(const char *path, struct module_meta *ret);
void module_meta_release(struct module_meta *m);

/* The kernel release in vermagic (its first word), allocated, or NULL. */
char *module_meta_kernel(const struct module_meta *m);

/*
 * PCI ids from a "pci:v0000VVVVd0000DDDDsvSSSSSSSSsdDDDDDDDDbcXXscXXiXX" alias:
 * each field is the hex value, or -1 for '*'. 0, or -EINVAL when the alias is
 * not a PCI alias of that form.
 */
struct pci_match {
	long vendor, device, subvendor, subdevice, class_base, class_sub, interface;
};
int module_alias_pci(const char *alias, struct pci_match *ret);
