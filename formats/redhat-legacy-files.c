// SPDX-License-Identifier: GPL-2.0-or-later
#include <strings.h>
#include <string.h>

#include "formats/redhat-legacy-files.h"
#include "util/strv.h"

enum { PCI_CLASS_STORAGE = 0x01, PCI_CLASS_NETWORK = 0x02 };

static bool depends_on(const struct module_meta *meta, const char *const *names, const char *prefix)
{
	for (size_t i = 0; i < meta->depends.n; i++) {
		if (prefix && !strncmp(meta->depends.v[i], prefix, strlen(prefix)))
			return true;
		for (size_t j = 0; names[j]; j++)
			if (streq(meta->depends.v[i], names[j]))
				return true;
	}
	return false;
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A whole word of the description ("SAS" yes, "Nasal" no), any case. */
static bool describes(const char *description, const char *const *words)
{
	for (size_t i = 0; description && words[i]; i++) {
		size_t n = strlen(words[i]);

		for (const char *p = description; (p = strcasestr(p, words[i])); p++)
			if ((p == description || !is_letter(p[-1])) && !is_letter(p[n]))
				return true;
	}
	return false;
}

static bool pci_class(const struct module_meta *meta, long base)
{
	for (size_t i = 0; i < meta->aliases.n; i++) {
		struct pci_match pm;

		if (module_alias_pci(meta->aliases.v[i], &pm) == 0 && pm.class_base == base)
			return true;
	}
	return false;
}

const char *legacy_module_type(const struct legacy_module *m)
{
	static const char *const scsi_deps[] = { "scsi_mod", "libsas", "libata", "raid_class", NULL };
	static const char *const net_deps[] = { "mii", "libphy", "ptp", NULL };
	static const char *const scsi_words[] = { "scsi", "sas", "raid", "sata", "fibre channel",
						  "host adapter", "hba", "storage", NULL };
	static const char *const net_words[] = { "ethernet", "network", "nic", "wireless", NULL };

	if (!strempty(m->alias_type))
		return m->alias_type;
	if (pci_class(m->meta, PCI_CLASS_STORAGE))
		return "scsi";
	if (pci_class(m->meta, PCI_CLASS_NETWORK))
		return "eth";
	if (depends_on(m->meta, scsi_deps, "scsi_transport_"))
		return "scsi";
	if (depends_on(m->meta, net_deps, NULL))
		return "eth";
	if (describes(m->meta->description, scsi_words))
		return "scsi";
	if (describes(m->meta->description, net_words))
		return "eth";
	return "other";
}

/* A description the readers take: one line, no '"' (kudzu ends the field there). */
static char *plain_description(const struct legacy_module *m)
{
	char *d = xstrdup(strempty(m->meta->description) ? m->name : m->meta->description);

	for (char *p = d; *p; p++)
		if (*p == '"')
			*p = '\'';
		else if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return d;
}

void legacy_modinfo(const struct legacy_module *mods, size_t n, struct strbuf *out)
{
	strbuf_addstr(out, "Version 0\n");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *d = plain_description(&mods[i]);

		strbuf_addf(out, "%s\n\t%s\n\t\"%s\"\n", mods[i].name, legacy_module_type(&mods[i]), d);
	}
}

void legacy_modules_alias(const struct legacy_module *mods, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct strv *a = &mods[i].meta->aliases;

		for (size_t j = 0; j < a->n; j++)
			/* kudzu matches "<bus>:<glob>"; names like char-major-* are for modprobe */
			if (strchr(a->v[j], ':') && !strpbrk(a->v[j], " \t\n"))
				strbuf_addf(out, "alias %s %s\n", a->v[j], mods[i].name);
	}
}

void legacy_modules_dep(const struct legacy_module *mods, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct strv *d = &mods[i].meta->depends;

		if (!d->n)
			continue;
		strbuf_addf(out, "%s:", mods[i].name);
		for (size_t j = 0; j < d->n; j++)
			strbuf_addf(out, " %s", d->v[j]);
		strbuf_addch(out, '\n');
	}
}

void legacy_pcitable(const struct legacy_module *mods, size_t n, struct strbuf *out)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *d = plain_description(&mods[i]);
		const struct strv *a = &mods[i].meta->aliases;

		for (size_t j = 0; j < a->n; j++) {
			_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
			struct pci_match pm;

			/* pcitable has no wildcard for vendor or device */
			if (module_alias_pci(a->v[j], &pm) < 0 || pm.vendor < 0 || pm.device < 0)
				continue;
			strbuf_addf(&line, "0x%04lx\t0x%04lx\t", pm.vendor, pm.device);
			/* sub ids come as a pair or not at all ("any") */
			if (pm.subvendor >= 0 && pm.subdevice >= 0)
				strbuf_addf(&line, "0x%04lx\t0x%04lx\t", pm.subvendor, pm.subdevice);
			strbuf_addf(&line, "\"%s\"\t\"%s\"\n", mods[i].name, d);
			if (!strv_contains(&lines, line.buf))
				strv_push(&lines, line.buf);
		}
	}
	for (size_t i = 0; i < lines.n; i++)
		strbuf_addstr(out, lines.v[i]);
}

static unsigned long wild(long v)
{
	return v < 0 ? 0xffffffffUL : (unsigned long)v;
}

void legacy_modules_pcimap(const struct legacy_module *mods, size_t n, struct strbuf *out)
{
	strbuf_addstr(out, "# pci module vendor device subvendor subdevice class class_mask\n");
	for (size_t i = 0; i < n; i++) {
		const struct strv *a = &mods[i].meta->aliases;

		for (size_t j = 0; j < a->n; j++) {
			unsigned long class = 0, mask = 0;
			struct pci_match pm;

			/* kudzu looks entries up by exact vendor and device */
			if (module_alias_pci(a->v[j], &pm) < 0 || pm.vendor < 0 || pm.device < 0)
				continue;
			if (pm.class_base >= 0)
				class |= (unsigned long)pm.class_base << 16, mask |= 0xff0000;
			if (pm.class_sub >= 0)
				class |= (unsigned long)pm.class_sub << 8, mask |= 0xff00;
			if (pm.interface >= 0)
				class |= (unsigned long)pm.interface, mask |= 0xff;
			strbuf_addf(out, "%s 0x%08lx 0x%08lx 0x%08lx 0x%08lx 0x%08lx 0x%08lx\n", mods[i].name,
				    wild(pm.vendor), wild(pm.device), wild(pm.subvendor), wild(pm.subdevice),
				    class, mask);
		}
	}
}
