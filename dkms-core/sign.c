// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sign.h"
#include "sign-distro.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

bool running_in_chroot(void)
{
	const char *fc = getenv("FAKECHROOT");
	const char *pre = getenv("LD_PRELOAD");
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct stat s1, s2;

	if (fc && streq(fc, "true") && getenv("FAKECHROOT_BASE") && pre &&
	    strstr(pre, "libfakechroot.so"))
		return true;
	if (read_file("/proc/1/mountinfo", &a) == 0 && read_file("/proc/self/mountinfo", &b) == 0 &&
	    (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0))
		return true;
	if (geteuid() == 0 && stat("/proc/1/root", &s1) == 0 && stat("/", &s2) == 0 &&
	    (s1.st_dev != s2.st_dev || s1.st_ino != s2.st_ino))
		return true;
	return false;
}

static bool distro_is(const struct dkms_ctx *ctx, const char *prefix)
{
	return ctx->distro && !strncmp(ctx->distro, prefix, strlen(prefix));
}

int sign_prepare_mok(const struct dkms_ctx *ctx, const char *kernelver, char **ret_key,
		     char **ret_cert)
{
	_cleanup_free_ char *key = NULL, *cert = NULL;

	if (!strempty(ctx->mok_signing_key))
		key = dkms_expand_kernelver(ctx->mok_signing_key, kernelver);
	if (!strempty(ctx->mok_certificate))
		cert = dkms_expand_kernelver(ctx->mok_certificate, kernelver);
	if (!key && sign_distro_mok(ctx, kernelver, &key, &cert) < 0)
		return -ENOENT;
	if (!key)
		key = xstrdup("/var/lib/dkms/mok.key");
	dkms_info(ctx, "Signing key: %s", key);
	if (!cert)
		cert = xstrdup("/var/lib/dkms/mok.pub");
	dkms_info(ctx, "Public certificate (MOK): %s", cert);

	if (strncmp(key, "pkcs11:", 7) != 0 && (!is_file(key) || !is_file(cert))) {
		struct child c = CHILD_INIT;
		_cleanup_free_ char *openssl = find_program("openssl");

		dkms_info(ctx, "Certificate or key are missing, generating self signed certificate for MOK...");
		if (!openssl) {
			dkms_info(ctx, "openssl not found, can't generate key and certificate.");
			return -ENOENT;
		}
		strv_push(&c.args, "openssl");
		strv_push(&c.args, "req");
		strv_push(&c.args, "-new");
		strv_push(&c.args, "-x509");
		strv_push(&c.args, "-nodes");
		strv_push(&c.args, "-days");
		strv_push(&c.args, "36500");
		strv_push(&c.args, "-subj");
		strv_push(&c.args, "/CN=DKMS module signing key");
		strv_push(&c.args, "-newkey");
		strv_push(&c.args, "rsa:2048");
		strv_push(&c.args, "-keyout");
		strv_push(&c.args, key);
		strv_push(&c.args, "-addext");
		strv_push(&c.args, "extendedKeyUsage=codeSigning");
		strv_push(&c.args, "-outform");
		strv_push(&c.args, "DER");
		strv_push(&c.args, "-out");
		strv_push(&c.args, cert);
		c.out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		c.err_fd = -2;
		child_run(&c);
		close(c.out_fd);
		child_release(&c);
		if (!is_file(key)) {
			dkms_info(ctx, "Key file %s not found and can't be generated, modules won't be signed", key);
			return -ENOENT;
		}
	}
	if (!is_file(cert)) {
		dkms_info(ctx, "Certificate file %s not found and can't be generated, modules won't be signed", cert);
		return -ENOENT;
	}
	*ret_key = TAKE_PTR(key);
	*ret_cert = TAKE_PTR(cert);
	return 0;
}

static char *default_sign_file(const struct dkms_ctx *ctx, const char *kernelver)
{
	char *p = NULL;

	if (distro_is(ctx, "debian")) {
		/* ${kernelver%.*}: drop the last dot-separated part */
		_cleanup_free_ char *series = xstrdup(kernelver);
		char *dot = strrchr(series, '.');

		if (dot)
			*dot = '\0';
		p = xasprintf("/usr/lib/linux-kbuild-%s/scripts/sign-file", series);
	} else if (distro_is(ctx, "ubuntu")) {
		p = find_program("kmodsign");
		if (!p)
			p = xasprintf("/usr/src/linux-headers-%s/scripts/sign-file", kernelver);
	} else if (distro_is(ctx, "gentoo")) {
		p = xasprintf("/usr/src/linux-%s/scripts/sign-file", kernelver);
	}
	if (!p || !is_file(p)) {
		free(p);
		p = xasprintf("%s/%s/build/scripts/sign-file", ctx->install_tree, kernelver);
	}
	return p;
}

void sign_prepare(const struct dkms_ctx *ctx, const struct dkms_kernel *k, struct sign_plan *ret)
{
	const char *policy = ctx->try_sign_modules;

	ret->prepared = true;
	if (policy && streq(policy, "false")) {
		dkms_info(ctx, "Module signing is disabled by policy, modules won't be signed");
		return;
	}
	if (!(policy && streq(policy, "true")) && running_in_chroot()) {
		dkms_info(ctx, "Running in chroot, modules won't be signed");
		return;
	}
	if (!is_file(k->config)) {
		dkms_info(ctx, "Kernel config %s not found, modules won't be signed", k->config);
		return;
	}
	ret->hash = dkms_kernel_config_value(k, "CONFIG_MODULE_SIG_HASH");
	if (!ret->hash) {
		dkms_info(ctx, "The kernel is built without module signing facility, modules won't be signed");
		return;
	}
	if (!strempty(ctx->sign_file))
		ret->sign_file = dkms_expand_kernelver(ctx->sign_file, k->version);
	else
		ret->sign_file = default_sign_file(ctx, k->version);
	dkms_info(ctx, "Sign command: %s", ret->sign_file);
	if (!is_executable(ret->sign_file)) {
		dkms_info(ctx, "Binary %s not found, modules won't be signed", ret->sign_file);
		return;
	}
	if (sign_prepare_mok(ctx, k->version, &ret->key, &ret->cert) == 0)
		ret->enabled = true;
}

void sign_module(const struct dkms_ctx *ctx, const struct sign_plan *plan, const char *path)
{
	struct child c = CHILD_INIT;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	int r;

	dkms_info(ctx, "Signing module %s", path);
	strv_push(&c.args, plan->sign_file);
	strv_push(&c.args, plan->hash);
	strv_push(&c.args, plan->key);
	strv_push(&c.args, plan->cert);
	strv_push(&c.args, path);
	c.capture = &out;
	c.err_fd = -2;
	r = child_run(&c);
	child_release(&c);
	if (r != 0) {
		strbuf_rtrim_newlines(&out);
		dkms_warn(ctx, "Failed to sign module '%s'!\n%s", path, out.buf);
	}
}
