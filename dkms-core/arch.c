// SPDX-License-Identifier: GPL-2.0-or-later
#include <elf.h>
#include <string.h>
#include <sys/utsname.h>

#include "arch.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

/* One row per target; the aliases below map other spellings onto these names. */
static const struct machine machines[] = {
	{ "x86_64", "x86_64", "x86_64-linux-gnu", EM_X86_64, ELFCLASS64, ELFDATA2LSB, NULL },
	{ "i686", "i386", "i686-linux-gnu", EM_386, ELFCLASS32, ELFDATA2LSB, NULL },
	{ "aarch64", "arm64", "aarch64-linux-gnu", EM_AARCH64, ELFCLASS64, ELFDATA2LSB, "aarch64" },
	{ "armv7l", "arm", "arm-linux-gnueabihf", EM_ARM, ELFCLASS32, ELFDATA2LSB, NULL },
	{ "ppc64le", "powerpc", "powerpc64le-linux-gnu", EM_PPC64, ELFCLASS64, ELFDATA2LSB, NULL },
	{ "ppc64", "powerpc", "powerpc64-linux-gnu", EM_PPC64, ELFCLASS64, ELFDATA2MSB, NULL },
	{ "s390x", "s390", "s390x-linux-gnu", EM_S390, ELFCLASS64, ELFDATA2MSB, NULL },
	{ "riscv64", "riscv", "riscv64-linux-gnu", EM_RISCV, ELFCLASS64, ELFDATA2LSB, NULL },
	{ "loongarch64", "loongarch", "loongarch64-linux-gnu", EM_LOONGARCH, ELFCLASS64, ELFDATA2LSB, NULL },
};

static const struct {
	const char *alias, *name;
} aliases[] = {
	{ "amd64", "x86_64" }, { "i386", "i686" }, { "i486", "i686" }, { "i586", "i686" },
	{ "arm64", "aarch64" }, { "armhf", "armv7l" }, { "armv6l", "armv7l" }, { "arm", "armv7l" },
	{ "ppc64el", "ppc64le" }, { "powerpc64le", "ppc64le" }, { "s390", "s390x" },
	{ "riscv", "riscv64" }, { "loong64", "loongarch64" },
};

const struct machine *machine_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (streq(name, aliases[i].alias))
			name = aliases[i].name;
	for (size_t i = 0; i < ARRAY_SIZE(machines); i++)
		if (streq(name, machines[i].name))
			return &machines[i];
	return NULL;
}

const struct machine *machine_host(void)
{
	struct utsname u;

	return uname(&u) == 0 ? machine_lookup(u.machine) : NULL;
}

bool machine_is_foreign(const struct machine *m)
{
	const struct machine *host = machine_host();

	/* an i686 kernel on x86_64 still builds with the host's compiler (-m32) */
	return m && host && !streq(m->kbuild_arch, host->kbuild_arch) &&
	       !(streq(host->kbuild_arch, "x86_64") && streq(m->kbuild_arch, "i386"));
}

char *machine_cross_package(const struct machine *m)
{
	char *p = xasprintf("gcc-%s", m->triplet);

	for (char *c = p; *c; c++)
		if (*c == '_')
			*c = '-'; /* gcc-x86-64-linux-gnu */
	return p;
}
