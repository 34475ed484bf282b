// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "util/strbuf.h"

void dkms_ctx_init(struct dkms_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
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

void dkms_set_log_fn(struct dkms_ctx *ctx, dkms_log_fn fn, void *data)
{
	ctx->log_fn = fn;
	ctx->log_data = data;
}

void dkms_vlog(const struct dkms_ctx *ctx, enum dkms_log_kind kind, const char *fmt, va_list ap)
{
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;

	if (!ctx->log_fn)
		return;
	strbuf_vaddf(&text, fmt, ap);
	ctx->log_fn(ctx->log_data, kind, text.buf);
}

void dkms_log(const struct dkms_ctx *ctx, enum dkms_log_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dkms_vlog(ctx, kind, fmt, ap);
	va_end(ap);
}

#define DEFINE_LOG_KIND(fn, kind)                                   \
	void fn(const struct dkms_ctx *ctx, const char *fmt, ...)   \
	{                                                           \
		va_list ap;                                         \
                                                                    \
		va_start(ap, fmt);                                  \
		dkms_vlog(ctx, kind, fmt, ap);                      \
		va_end(ap);                                         \
	}

DEFINE_LOG_KIND(dkms_info, DKMS_LOG_INFO)
DEFINE_LOG_KIND(dkms_error, DKMS_LOG_ERROR)
DEFINE_LOG_KIND(dkms_warn, DKMS_LOG_WARNING)
DEFINE_LOG_KIND(dkms_deprecated, DKMS_LOG_DEPRECATED)
DEFINE_LOG_KIND(dkms_errtext, DKMS_LOG_NOTE)
