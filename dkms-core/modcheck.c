// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The last check before a module goes into the tree or the kernel's module
 * directory: built for the kernel it is filed under, never an x86-64
 * module in an arm64 tree (a MAKE that ignored the cross compiler, a
 * prebuilt binary, a tarball for another machine).
 */
#include <archive.h>
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch.h"
#include "exitcode.h"
#include "modcheck.h"
#include "modmeta.h"
#include "util/fileio.h"
#include "util/strbuf.h"

/* The first len bytes of path, decompressed when it is .gz/.xz/.zst. */
static int read_head(const char *path, unsigned char *buf, size_t len, size_t *ret_n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	la_ssize_t n;
	int r = 0;

	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, 16384) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		r = -EIO;
		goto out;
	}
	n = archive_read_data(a, buf, len);
	if (n < 0)
		r = -EIO;
	else
		*ret_n = (size_t)n;
out:
	archive_read_free(a);
	return r;
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_AARCH64: return "AArch64";
	case EM_ARM: return "ARM";
	case EM_PPC64: return "PowerPC64";
	case EM_PPC: return "PowerPC";
	case EM_S390: return "S/390";
	case EM_RISCV: return "RISC-V";
	default: return NULL;
	}
}

static char *describe(unsigned machine, unsigned char class, unsigned char data)
{
	const char *name = machine_name(machine);
	_cleanup_free_ char *num = xasprintf("%u", machine);

	return xasprintf("%s, %s-bit %s-endian", name ? name : num, class == ELFCLASS64 ? "64" : "32",
			 data == ELFDATA2MSB ? "big" : "little");
}

static int check_elf(const char *path, const struct machine *want, char **ret_why)
{
	unsigned char h[EI_NIDENT + 4];
	size_t n = 0;
	unsigned machine;
	int r = read_head(path, h, sizeof(h), &n);

	if (r == -ENOMEM)
		return r;
	if (r < 0 || n < sizeof(h) || memcmp(h, ELFMAG, SELFMAG) != 0)
		return 0; /* empty, unreadable here or not ELF: nothing to judge */
	/* e_machine follows e_type, right after e_ident, in the file's byte order */
	machine = h[EI_DATA] == ELFDATA2MSB ? (unsigned)(h[EI_NIDENT + 2] << 8 | h[EI_NIDENT + 3])
					     : (unsigned)(h[EI_NIDENT + 3] << 8 | h[EI_NIDENT + 2]);
	if (h[EI_CLASS] == want->elf_class && h[EI_DATA] == want->elf_data && machine == want->elf_machine)
		return 1;
	{
		_cleanup_free_ char *got = describe(machine, h[EI_CLASS], h[EI_DATA]);
		_cleanup_free_ char *exp = describe(want->elf_machine, want->elf_class, want->elf_data);

		*ret_why = xasprintf("it is an ELF module for %s, %s needs %s", got, want->name, exp);
	}
	return -EINVAL;
}

/* UTS_RELEASE of the headers at dir, or NULL. */
static char *headers_release(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/include/generated/utsrelease.h", dir);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *p, *end;

	if (read_file(path, &sb) < 0 || !(p = strstr(sb.buf, "UTS_RELEASE \"")))
		return NULL;
	p += strlen("UTS_RELEASE \"");
	end = strchr(p, '"');
	return end ? xstrndup(p, (size_t)(end - p)) : NULL;
}

static bool ends_with_word(const char *s, const char *word)
{
	size_t a, b = strlen(word);

	while (*s == ' ')
		s++;
	a = strlen(s);
	while (a && s[a - 1] == ' ')
		a--;
	return a >= b && !strncmp(s + a - b, word, b) && (a == b || s[a - b - 1] == ' ');
}

static int check_vermagic(const char *path, const struct dkms_kernel *k, const struct machine *want,
			  char **ret_why)
{
	_cleanup_(module_meta_release) struct module_meta meta = { 0 };
	_cleanup_free_ char *release = NULL, *headers = NULL;
	const struct machine *aarch64 = machine_lookup("aarch64");

	if (module_meta_read(path, &meta) < 0 || strempty(meta.vermagic))
		return 0; /* no .modinfo: not a module kbuild made, nothing to compare */
	release = module_meta_kernel(&meta);
	if (release && !streq(release, k->version)) {
		headers = headers_release(k->source_dir);
		if (!headers || !streq(release, headers)) {
			*ret_why = xasprintf("its vermagic names kernel %s, not %s", release, k->version);
			return -EINVAL;
		}
	}
	if (want && want->vermagic && !ends_with_word(meta.vermagic, want->vermagic)) {
		*ret_why = xasprintf("its vermagic \"%s\" lacks %s's \"%s\"", meta.vermagic, want->name,
				     want->vermagic);
		return -EINVAL;
	}
	/* an arm64 module in another arch's tree */
	if (want != aarch64 && ends_with_word(meta.vermagic, aarch64->vermagic)) {
		*ret_why = xasprintf("its vermagic \"%s\" is aarch64's, not %s's", meta.vermagic, k->arch);
		return -EINVAL;
	}
	return 0;
}

int module_check_target(const char *path, const struct dkms_kernel *k, char **ret_why)
{
	const struct machine *want = machine_lookup(k->arch);
	int r = 0;

	if (want) {
		r = check_elf(path, want, ret_why);
		if (r == 0)
			return 0; /* not ELF */
		if (r < 0)
			return r;
	}
	return check_vermagic(path, k, want, ret_why);
}

int dkms_module_fits_kernel(const struct dkms_ctx *ctx, const char *path, const struct dkms_kernel *k)
{
	_cleanup_free_ char *why = NULL;
	int r = module_check_target(path, k, &why);

	if (r == -EINVAL) {
		dkms_error(ctx, "%s is not for kernel %s (%s): %s.", path, k->version, k->arch, why);
		return DKMS_EXIT_ARCH;
	}
	if (r < 0) {
		dkms_error(ctx, "Could not read %s: %s", path, strerror(-r));
		return DKMS_EXIT_ARCH;
	}
	return 0;
}
