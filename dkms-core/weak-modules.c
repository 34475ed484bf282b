// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "kernel.h"
#include "status.h"
#include "tree.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "weak-modules.h"

enum family {
	FAMILY_NONE,
	FAMILY_RHEL,
	FAMILY_SUSE,
};

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* dkms's `case "$running_distribution" in rhel*) … sles* | suse* | opensuse*)`. */
static enum family distro_family(const struct dkms_ctx *ctx)
{
	const char *d = ctx->distro ? ctx->distro : "";

	if (starts_with(d, "rhel"))
		return FAMILY_RHEL;
	if (starts_with(d, "sles") || starts_with(d, "suse") || starts_with(d, "opensuse"))
		return FAMILY_SUSE;
	return FAMILY_NONE;
}

bool weak_modules_argv(const struct dkms_ctx *ctx, enum weak_modules_op op, const char *kver,
		       struct strv *ret)
{
	enum family f = distro_family(ctx);
	const char *script = getenv("DKMS_WEAK_MODULES");
	bool add = op == WEAK_MODULES_ADD;

	if (f == FAMILY_NONE)
		return false;
	if (strempty(script))
		script = f == FAMILY_RHEL ? "/usr/sbin/weak-modules"
					  : "/usr/lib/module-init-tools/weak-modules2";
	strv_push(ret, script);
	if (f == FAMILY_RHEL) {
		/* the initrd is this program's business (REMAKE_INITRD), not the script's */
		strv_push(ret, "--no-initramfs");
		strv_push(ret, add ? "--add-modules" : "--remove-modules");
	} else {
		/*
		 * dkms 3.4.3 passes the literal word ${kernelver} here (its
		 * single-quoted command is split, never expanded); weak-modules2
		 * wants the kernel release.
		 */
		strv_push(ret, add ? "--add-kernel-modules" : "--remove-kernel-modules");
		strv_push(ret, kver);
	}
	return true;
}

/* list_each_installed_module: the installed path of each record, one a line. */
static void installed_list(const struct dkms_ctx *ctx, const char *m, const struct dkms_conf *conf,
			   const struct dkms_kernel *k, struct strbuf *out)
{
	const char *suffix = dkms_kernel_module_suffix(ctx, k->version);

	for (size_t i = 0; i < conf->n_modules; i++) {
		_cleanup_free_ char *loc = NULL, *dir = NULL, *path = NULL;

		if (conf->modules[i].excluded)
			continue;
		loc = status_installed_location(ctx, m, conf, i, k->version, k->arch, suffix);
		if (!loc)
			continue;
		dir = xasprintf("%s/%s%s", ctx->install_tree, k->version, loc);
		path = tree_find_module_file(dir, conf->modules[i].dest_name, suffix);
		if (path)
			strbuf_addf(out, "%s\n", path);
	}
}

int weak_modules_run(const struct dkms_ctx *ctx, const char *m, const struct dkms_conf *conf,
		     const struct dkms_kernel *k, enum weak_modules_op op)
{
	_cleanup_strbuf_ struct strbuf list = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	struct child c = CHILD_INIT;
	int r;

	if (conf->no_weak_modules || !weak_modules_argv(ctx, op, k->version, &c.args)) {
		child_release(&c);
		return 0;
	}
	/* a distribution without the script installed: nothing to track */
	if (!is_executable(c.args.v[0])) {
		child_release(&c);
		return 0;
	}
	dkms_info(ctx, op == WEAK_MODULES_ADD ? "Adding linked weak modules..."
					      : "Removing linked weak modules...");
	installed_list(ctx, m, conf, k, &list);
	/* the list on stdin from memory: no temp file, no pipe to keep fed */
	fd = memfd_create("dkms-weak-modules", MFD_CLOEXEC);
	if (fd < 0 || write_all(fd, list.buf, list.len) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		r = -errno;
		child_release(&c);
		return r;
	}
	c.in_fd = fd;
	fflush(NULL); /* what cmd/ wrote comes before the script's own lines */
	r = child_run(&c);
	child_release(&c);
	return r < 0 ? r : 0;
}
