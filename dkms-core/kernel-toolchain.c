// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The toolchain a kernel's modules are built with, found once per kernel:
 * what dkms exports before make (CC, KERNEL_CC, LD, KERNEL_LD), kept as
 * environment entries for the children, and whether make gets LLVM=1.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "kernel.h"
#include "util/fileio.h"
#include "util/spawn.h"

static uint64_t elf_get(const unsigned char *p, size_t size, bool big)
{
	uint64_t v = 0;

	for (size_t i = 0; i < size; i++)
		v |= (uint64_t)p[big ? size - 1 - i : i] << (8 * i);
	return v;
}

static bool pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return off <= INT64_MAX && pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* readelf -p .comment vmlinux | grep -q clang */
static bool vmlinux_is_clang(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ unsigned char *strtab = NULL;
	_cleanup_free_ char *comment = NULL;
	unsigned char eh[64], sh[64];
	uint64_t shoff, shnum, shentsize, shstrndx, str_off, str_size;
	bool is64, big;

	if (fd < 0 || !pread_all(fd, eh, sizeof(eh), 0) || memcmp(eh, ELFMAG, SELFMAG) != 0)
		return false;
	is64 = eh[EI_CLASS] == ELFCLASS64;
	big = eh[EI_DATA] == ELFDATA2MSB;
	if (is64) {
		shoff = elf_get(eh + 0x28, 8, big);
		shentsize = elf_get(eh + 0x3a, 2, big);
		shnum = elf_get(eh + 0x3c, 2, big);
		shstrndx = elf_get(eh + 0x3e, 2, big);
	} else {
		shoff = elf_get(eh + 0x20, 4, big);
		shentsize = elf_get(eh + 0x2e, 2, big);
		shnum = elf_get(eh + 0x30, 2, big);
		shstrndx = elf_get(eh + 0x32, 2, big);
	}
	if (shentsize < (is64 ? 64u : 40u) || shentsize > sizeof(sh) || shstrndx >= shnum)
		return false;

#define SH_FIELD(off64, off32, size64, size32) \
	elf_get(sh + (is64 ? (off64) : (off32)), is64 ? (size64) : (size32), big)
	if (!pread_all(fd, sh, shentsize, shoff + shstrndx * shentsize))
		return false;
	str_off = SH_FIELD(0x18, 0x10, 8, 4);
	str_size = SH_FIELD(0x20, 0x14, 8, 4);
	if (str_size == 0 || str_size > (1u << 24))
		return false;
	strtab = xmalloc(str_size + 1);
	if (!pread_all(fd, strtab, str_size, str_off))
		return false;
	strtab[str_size] = '\0';

	for (uint64_t i = 0; i < shnum; i++) {
		uint64_t name, off, size;

		if (!pread_all(fd, sh, shentsize, shoff + i * shentsize))
			return false;
		name = elf_get(sh, 4, big);
		if (name >= str_size || strcmp((char *)strtab + name, ".comment") != 0)
			continue;
		off = SH_FIELD(0x18, 0x10, 8, 4);
		size = SH_FIELD(0x20, 0x14, 8, 4);
		if (size == 0 || size > (1u << 24))
			return false;
		comment = xmalloc(size);
		if (!pread_all(fd, comment, size, off))
			return false;
		return memmem(comment, size, "clang", 5) != NULL;
	}
#undef SH_FIELD
	return false;
}

/*
 * Set NAME=value (value NULL: unset NAME) in env, replacing an earlier
 * entry for NAME: the last setting wins, as with export.
 */
static void env_put(struct strv *env, const char *name, const char *value)
{
	size_t n = strlen(name);
	char *entry = value ? xasprintf("%s=%s", name, value) : xstrdup(name);

	for (size_t i = 0; i < env->n; i++) {
		if (!strncmp(env->v[i], name, n) && (env->v[i][n] == '=' || !env->v[i][n])) {
			free(env->v[i]);
			env->v[i] = entry;
			return;
		}
	}
	strv_push_take(env, entry);
}

/*
 * CC as the headers' .kernelvariables (Debian, Ubuntu) defines it, made by
 * make itself as dkms does; NULL when the headers carry none.
 */
static char *kernelvariables_cc(const struct dkms_kernel *k, const struct kernel_toolchain *tc)
{
	_cleanup_free_ char *path = xasprintf("%s/.kernelvariables", k->source_dir);
	_cleanup_free_ char *text = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	struct child c = CHILD_INIT;
	int fds[2];

	if (!is_file(path))
		return NULL;
	/* included from its own dir: a blank or '$' in the path means nothing to make */
	text = xstrdup("show-%:\n\t@echo $($*)\ninclude .kernelvariables\n");
	if (pipe2(fds, O_CLOEXEC) < 0)
		return xstrdup("");
	/* a few hundred bytes: the pipe holds them before make reads */
	if (write(fds[1], text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fds[0]);
		close(fds[1]);
		return xstrdup("");
	}
	close(fds[1]);
	strv_push(&c.args, "make");
	strv_push(&c.args, "-f");
	strv_push(&c.args, "-");
	strv_push(&c.args, "show-CC");
	/* an outer make's flags (-w, a jobserver) would change what this one prints */
	strv_push(&c.env_unset, "MAKEFLAGS");
	strv_push(&c.env_unset, "MFLAGS");
	strv_push(&c.env_unset, "MAKELEVEL");
	if (tc->cross_compile)
		strv_pushf(&c.env_set, "CROSS_COMPILE=%s", tc->cross_compile);
	c.dir = k->source_dir;
	c.in_fd = fds[0];
	c.capture = &out;
	child_run(&c);
	child_release(&c);
	close(fds[0]);
	strbuf_rtrim_newlines(&out);
	return strbuf_detach(&out);
}

static bool on_path(const char *prog)
{
	_cleanup_free_ char *found = find_program(prog);

	return found != NULL;
}

/* <prefix>gcc, or the compiler the kernel's config names with the prefix, on PATH */
static bool prefix_has_compiler(const char *prefix, const char *kernel_cc)
{
	_cleanup_free_ char *gcc = xasprintf("%sgcc", prefix);
	_cleanup_free_ char *named = kernel_cc ? xasprintf("%s%s", prefix, kernel_cc) : NULL;

	return on_path(gcc) || (named && on_path(named));
}

/* The cross prefix for a foreign target, or NULL with tc->missing set. */
static void find_cross(const struct dkms_ctx *ctx, const struct kernel_config *kc,
		       const char *kernel_cc, struct kernel_toolchain *tc)
{
	const char *env = getenv("CROSS_COMPILE");
	_cleanup_free_ char *from_config = kernel_config_get(kc, "CONFIG_CROSS_COMPILE");
	_cleanup_free_ char *triplet = xasprintf("%s-", tc->machine->triplet);

	if (!strempty(env)) {
		tc->cross_compile = xstrdup(env);
		tc->cross_explicit = true;
	} else if (!strempty(ctx->cross_compile)) {
		tc->cross_compile = xstrdup(ctx->cross_compile);
		tc->cross_explicit = true;
	} else if (!strempty(from_config)) {
		tc->cross_compile = TAKE_PTR(from_config);
	} else if (prefix_has_compiler(triplet, kernel_cc)) {
		tc->cross_compile = TAKE_PTR(triplet);
	} else {
		tc->missing = machine_cross_package(tc->machine);
	}
}

static void toolchain_find(const struct dkms_ctx *ctx, const struct dkms_kernel *k,
			   struct kernel_toolchain *tc)
{
	const struct kernel_config *kc = dkms_kernel_config(k);
	_cleanup_free_ char *kv_cc = NULL, *text = NULL, *first = NULL;
	const char *cc;

	text = kernel_config_get(kc, "CONFIG_CC_VERSION_TEXT");
	if (text && !strchr(text, '"') && strchr(text, ' '))
		first = xstrndup(text, strcspn(text, " "));

	tc->machine = machine_lookup(k->arch);
	tc->cross = machine_is_foreign(tc->machine);
	if (tc->cross) {
		find_cross(ctx, kc, first, tc);
		env_put(&tc->env, "ARCH", tc->machine->kbuild_arch);
		if (tc->cross_compile)
			env_put(&tc->env, "CROSS_COMPILE", tc->cross_compile);
	}

	/* dkms: CC from .kernelvariables, else unset */
	kv_cc = kernelvariables_cc(k, tc);
	env_put(&tc->env, "CC", kv_cc);

	if (first) {
		/* a cross build takes the prefixed form of the compiler the kernel names */
		_cleanup_free_ char *prefixed = NULL;
		const char *use = NULL;

		if (tc->cross_compile && strncmp(first, tc->cross_compile, strlen(tc->cross_compile))) {
			prefixed = xasprintf("%s%s", tc->cross_compile, first);
			if (on_path(prefixed))
				use = prefixed;
		} else if (!tc->missing && on_path(first)) {
			use = first;
		}
		if (use) {
			env_put(&tc->env, "CC", use);
			env_put(&tc->env, "KERNEL_CC", use);
		}
	}
	if (kernel_config_is_set(kc, "CONFIG_CC_IS_CLANG") && on_path("clang")) {
		env_put(&tc->env, "CC", "clang");
		env_put(&tc->env, "KERNEL_CC", "clang");
	}
	if (kernel_config_is_set(kc, "CONFIG_LD_IS_LLD") && on_path("ld.lld")) {
		env_put(&tc->env, "LD", "ld.lld");
		env_put(&tc->env, "KERNEL_LD", "ld.lld");
	}
	cc = NULL;
	for (size_t i = 0; i < tc->env.n; i++)
		if (!strncmp(tc->env.v[i], "CC=", 3))
			cc = tc->env.v[i] + 3;
	tc->clang = cc && streq(cc, "clang");
	if (tc->clang)
		tc->strip = "llvm-strip";
	else if (tc->cross_compile)
		tc->strip = tc->strip_buf = xasprintf("%sstrip", tc->cross_compile);
	else
		tc->strip = "strip";
}

/* dkms's LLVM=1 test: readelf -p .comment vmlinux | grep clang, else grep the config. */
bool dkms_kernel_llvm(const struct dkms_kernel *k)
{
	struct kernel_facts *f = k->facts;

	if (!(f->have & KERNEL_HAVE_LLVM)) {
		_cleanup_free_ char *vmlinux = xasprintf("%s/vmlinux", k->source_dir);
		const struct kernel_config *kc = dkms_kernel_config(k);

		if (path_exists(vmlinux))
			f->llvm = vmlinux_is_clang(vmlinux);
		else if (kc->exists)
			f->llvm = strstr(kc->text.buf, "CONFIG_CC_IS_CLANG=y") != NULL;
		f->have |= KERNEL_HAVE_LLVM;
	}
	return f->llvm;
}

const struct kernel_toolchain *dkms_kernel_toolchain(const struct dkms_ctx *ctx,
						     const struct dkms_kernel *k)
{
	struct kernel_facts *f = k->facts;

	if (!(f->have & KERNEL_HAVE_TOOLCHAIN)) {
		toolchain_find(ctx, k, &f->toolchain);
		f->have |= KERNEL_HAVE_TOOLCHAIN;
	}
	return &f->toolchain;
}

void kernel_toolchain_release(struct kernel_toolchain *tc)
{
	strv_release(&tc->env);
	free(tc->cross_compile);
	free(tc->missing);
	free(tc->strip_buf);
	memset(tc, 0, sizeof(*tc));
}
