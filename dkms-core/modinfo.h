/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What dkms reads with modinfo(8) from a module file, through libkmod. */
struct modinfo {
	char *version;    /* MODULE_VERSION, or NULL */
	char *srcversion; /* srcversion, or the old checksum, or NULL */
};

/* Read a .ko (possibly compressed). Returns 0 or -errno. */
int modinfo_read(const char *path, struct modinfo *ret);
void modinfo_release(struct modinfo *mi);

enum modver_cmp {
	MODVER_SAME,         /* "==": same version and srcversion */
	MODVER_SAME_VERSION, /* "=": same version, other srcversion */
	MODVER_NEWER,        /* ">": first is newer */
	MODVER_OLDER,        /* "<" */
	MODVER_UNKNOWN,      /* "?" */
};

/* dkms's compare_module_version(a, b). */
enum modver_cmp modinfo_compare(const char *a, const char *b);
