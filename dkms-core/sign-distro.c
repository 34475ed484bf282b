// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sign-distro.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strbuf.h"

static bool distro_is(const struct dkms_ctx *ctx, const char *prefix)
{
	return ctx->distro && !strncmp(ctx->distro, prefix, strlen(prefix));
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return !strempty(v) ? v : fallback;
}

/* update-secureboot-policy OPTION; quiet drops its output. Its exit status. */
static int secureboot_policy(const char *program, const char *option, bool quiet)
{
	struct child c = CHILD_INIT;
	int r;

	strv_push(&c.args, program);
	strv_push(&c.args, option);
	if (quiet) {
		strv_push(&c.env_set, "SHIM_NOTRIGGER=y");
		c.out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		c.err_fd = -2;
	}
	r = child_run(&c);
	if (c.out_fd >= 0)
		close(c.out_fd);
	child_release(&c);
	return r;
}

static int ubuntu_mok(const struct dkms_ctx *ctx, char **key, char **cert)
{
	const char *dir = env_or("DKMS_SHIM_MOK_DIR", "/var/lib/shim-signed/mok");
	_cleanup_free_ char *program = NULL;

	free(*key);
	free(*cert);
	*key = xasprintf("%s/MOK.priv", dir);
	*cert = xasprintf("%s/MOK.der", dir);
	if (is_file(*key) && is_file(*cert))
		return 0;
	program = find_program("update-secureboot-policy");
	if (!program) {
		dkms_info(ctx, "Binary update-secureboot-policy not found, modules won't be signed");
		return -ENOENT;
	}
	/* it makes no new key while the certificate exists */
	if (is_file(*cert))
		unlink(*cert);
	dkms_info(ctx, "Certificate or key are missing, generating them using update-secureboot-policy...");
	/* as dkms: the result is judged by the files, below */
	secureboot_policy(program, "--new-key", true);
	secureboot_policy(program, "--enroll-key", false);
	return 0;
}

/* NAME=value of make.conf as dkms reads it: the first ^NAME= line, its second =-field, quotes removed. */
static char *make_conf_value(const char *path, const char *name)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(name);

	if (read_file(path, &sb) < 0)
		return NULL;
	for (char *line = sb.buf, *next; line && *line; line = next) {
		struct strbuf v = STRBUF_INIT;
		const char *p;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, name, len) || line[len] != '=')
			continue;
		for (p = line + len + 1; *p && *p != '='; p++)
			if (*p != '"')
				strbuf_addch(&v, *p);
		return strbuf_detach(&v);
	}
	return NULL;
}

/* readlink -f: every part but the last must exist; NULL when one does not. */
static char *canonical(const char *path)
{
	char *abs = realpath(path, NULL);
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = NULL, *dirabs = NULL;

	if (abs || !slash)
		return abs;
	dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	dirabs = realpath(dir, NULL);
	if (!dirabs || !slash[1])
		return NULL;
	return xasprintf("%s/%s", streq(dirabs, "/") ? "" : dirabs, slash + 1);
}

static void gentoo_mok(const struct dkms_ctx *ctx, const char *kernelver, char **key, char **cert)
{
	const char *make_conf = env_or("DKMS_PORTAGE_MAKE_CONF", "/etc/portage/make.conf");
	const char *k = getenv("MODULES_SIGN_KEY"), *c = getenv("MODULES_SIGN_CERT");

	if (!strempty(k))
		*key = xstrdup(k);
	if (!strempty(c))
		*cert = xstrdup(c);
	if (!*key && is_file(make_conf))
		*key = make_conf_value(make_conf, "MODULES_SIGN_KEY");
	if (!*cert && is_file(make_conf))
		*cert = make_conf_value(make_conf, "MODULES_SIGN_CERT");
	if (strempty(*key) && kernelver) {
		_cleanup_free_ char *src = !strempty(ctx->kernel_source_dir) ?
			xstrdup(ctx->kernel_source_dir) : xasprintf("%s/%s/build", ctx->install_tree, kernelver);
		_cleanup_free_ char *config = xasprintf("%s/.config", src);
		_cleanup_free_ char *rel = is_file(config) ? make_conf_value(config, "CONFIG_MODULE_SIG_KEY") : NULL;

		if (!strempty(rel)) {
			_cleanup_free_ char *joined = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", src, rel);

			free(*key);
			free(*cert);
			*key = canonical(joined);
			/* kbuild's signing key is one PEM file holding both */
			*cert = *key ? xstrdup(*key) : NULL;
		}
	}
	if (strempty(*key)) {
		free(*key);
		*key = NULL;
	}
	if (strempty(*cert)) {
		free(*cert);
		*cert = NULL;
	}
}

int sign_distro_mok(const struct dkms_ctx *ctx, const char *kernelver, char **key, char **cert)
{
	if (distro_is(ctx, "ubuntu"))
		return ubuntu_mok(ctx, key, cert);
	if (distro_is(ctx, "gentoo"))
		gentoo_mok(ctx, kernelver, key, cert);
	return 0;
}
