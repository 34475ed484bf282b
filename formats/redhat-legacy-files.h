/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "modmeta.h"
#include "util/strbuf.h"

/*
 * The metadata files of a legacy Red Hat driver disk, generated from the
 * modules themselves in the syntax each RHEL 3-5 reader accepts
 * (dud-formats.md §1.1): the loader's modinfo and modules.dep parsers,
 * kudzu's pcitable, modules.pcimap and modules.alias readers.
 */
struct legacy_module {
	const char *name;       /* the module's file name without .ko */
	const char *alias_type; /* MODULES_CONF_ALIAS_TYPE for it, or NULL */
	const struct module_meta *meta;
};

/*
 * The modinfo type of a module: alias_type when set, else "scsi" for a
 * storage host adapter and "eth" for a network card (from the PCI class in
 * its aliases, its dependencies on the SCSI or network stack, or its
 * description), else "other".
 */
const char *legacy_module_type(const struct legacy_module *m);

/* "Version 0", then per module its name, TAB type, TAB "description". */
void legacy_modinfo(const struct legacy_module *mods, size_t n, struct strbuf *out);
/* "alias <bus>:<pattern> <module>" for each alias of that form. */
void legacy_modules_alias(const struct legacy_module *mods, size_t n, struct strbuf *out);
/* "module: dep1 dep2" for each module that depends on others. */
void legacy_modules_dep(const struct legacy_module *mods, size_t n, struct strbuf *out);
/* 0xVVVV TAB 0xDDDD [TAB 0xSSSS TAB 0xSSSS] TAB "module" TAB "description". */
void legacy_pcitable(const struct legacy_module *mods, size_t n, struct strbuf *out);
/* module vendor device subvendor subdevice class class_mask, space-separated, 0x%08x. */
void legacy_modules_pcimap(const struct legacy_module *mods, size_t n, struct strbuf *out);
