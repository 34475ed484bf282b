// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"

void dkms_ctx_init(struct dkms_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->out = stdout;
	ctx->err = stderr;
}

void dkms_ctx_release(struct dkms_ctx *ctx)
{
	char **strings[] = {
		&ctx->dkms_tree, &ctx->source_tree, &ctx->install_tree,
		&ctx->tmp_location, &ctx->etc_dir, &ctx->os_release, &ctx->distro,
		&ctx->addon_modules_dir, &ctx->conf_file, &ctx->kernel_source_dir, &ctx->kernel_config,
		&ctx->parallel_jobs, &ctx->compress_gzip_opts, &ctx->compress_xz_opts,
		&ctx->compress_zstd_opts, &ctx->build_environment, &ctx->post_transaction,
		&ctx->sign_file, &ctx->mok_signing_key, &ctx->mok_certificate,
		&ctx->try_sign_modules, &ctx->initrd_mode, &ctx->bootdir, &ctx->initrd_generator,
		&ctx->initrd_sysconfdir, &ctx->cross_compile,
	};

	for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
	strv_release(&ctx->directives);
}

/* SGR sequences for the few words dkms's output is scanned for. */
#define SGR_RED "\033[31m"
#define SGR_YELLOW "\033[33m"
#define SGR_RESET "\033[0m"

/* prefix is "<lead><word><tail>": only word is coloured, when sgr is set. */
static void vprint(FILE *f, const char *lead, const char *word, const char *tail,
		   const char *sgr, const char *fmt, va_list ap)
{
	if (!f)
		return;
	fflush(stdout);
	if (lead)
		fputs(lead, f);
	if (word)
		fprintf(f, "%s%s%s", sgr ? sgr : "", word, sgr ? SGR_RESET : "");
	if (tail)
		fputs(tail, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void dkms_info(const struct dkms_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(ctx->out, NULL, NULL, NULL, NULL, fmt, ap);
	va_end(ap);
}

void dkms_error(const struct dkms_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(ctx->err, "\n", "Error!", " ", ctx->color_err ? SGR_RED : NULL, fmt, ap);
	va_end(ap);
}

void dkms_warn(const struct dkms_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(ctx->err, NULL, "Warning:", " ", ctx->color_err ? SGR_YELLOW : NULL, fmt, ap);
	va_end(ap);
}

void dkms_deprecated(const struct dkms_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(ctx->err, NULL, NULL, "Deprecated feature: ", NULL, fmt, ap);
	va_end(ap);
}

void dkms_errtext(const struct dkms_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(ctx->err, NULL, NULL, NULL, NULL, fmt, ap);
	va_end(ap);
}
