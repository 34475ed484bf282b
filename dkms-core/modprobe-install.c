// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "modprobe-install.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

void dkms_modprobe_on_install(const struct dkms_ctx *ctx, const char *kernelver)
{
	static const char *const restart[] = { "systemctl", "restart", "systemd-modules-load.service", NULL };
	_cleanup_strbuf_ struct strbuf rel = STRBUF_INIT;

	if (!ctx->modprobe_on_install || read_file("/proc/sys/kernel/osrelease", &rel) < 0)
		return;
	strbuf_rtrim_newlines(&rel);
	/* only the running kernel can load what was just installed */
	if (!streq(rel.buf, kernelver))
		return;
	run_shell("find /sys/devices -name modalias -print0 | xargs -0 cat | sort -u | xargs modprobe -a -b -q",
		  NULL, -1);
	if (is_file("/lib/systemd/system/systemd-modules-load.service"))
		run_argv(restart);
}
