/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * A machine as `uname -m` names it (the arch of `-k kernel/arch`), with what
 * a cross build and a module check need to know about it.
 */
struct machine {
	const char *name;        /* "aarch64": uname -m, and dkms's tree dir */
	const char *kbuild_arch; /* "arm64": kbuild's ARCH= */
	const char *triplet;     /* "aarch64-linux-gnu": Debian's GNU type, the compiler prefix */
	uint16_t elf_machine;    /* EM_AARCH64 */
	unsigned char elf_class; /* ELFCLASS64 */
	unsigned char elf_data;  /* ELFDATA2LSB */
	const char *vermagic;    /* the word vermagic ends with on this arch, or NULL */
};

/* The machine named name (also kbuild's and Debian's names: arm64, amd64, i386…), or NULL. */
const struct machine *machine_lookup(const char *name);
/* The machine this program runs on, or NULL when unknown. */
const struct machine *machine_host(void);
/* Building for m here needs a cross compiler: m is known and not the host's family. */
bool machine_is_foreign(const struct machine *m);
/* Debian's package of the cross compiler for m ("gcc-aarch64-linux-gnu"). Allocated. */
char *machine_cross_package(const struct machine *m);
