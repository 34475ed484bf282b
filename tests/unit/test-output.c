// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The output contract (DESIGN.md): the core hands each message to
 * ctx->log_fn as (kind, text) and writes nothing to the descriptors 1 and 2
 * itself; cmd/output.c turns the kinds into dkms's console bytes.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "invoke.h"
#include "testlib.h"

/* What a log function was handed: "<kind>:<text>" per message, '|' between. */
static void record(void *data, enum dkms_log_kind kind, const char *text)
{
	static const char *const names[] = {
		[DKMS_LOG_INFO] = "info", [DKMS_LOG_ERROR] = "error", [DKMS_LOG_WARNING] = "warning",
		[DKMS_LOG_DEPRECATED] = "deprecated", [DKMS_LOG_NOTE] = "note", [DKMS_LOG_STEP] = "step",
		[DKMS_LOG_STEP_DONE] = "done", [DKMS_LOG_STEP_FAILED] = "failed",
	};
	struct strbuf *sb = data;

	strbuf_addf(sb, "%s%s:%s", sb->len ? "|" : "", names[kind], text);
}

/* Everything the core says and runs, with no log function set. */
static void say_everything(const struct dkms_ctx *ctx)
{
	dkms_info(ctx, "a line");
	dkms_error(ctx, "an error");
	dkms_warn(ctx, "a warning");
	dkms_deprecated(ctx, "OLD");
	dkms_errtext(ctx, "a note");
	invoke_command(ctx, "true", "Succeeding", NULL, NULL);
	invoke_command(ctx, "exit 3", "Failing", NULL, NULL);
	invoke_command(ctx, "no-such-command-here", "Missing", NULL, NULL);
}

static void test_core_writes_nothing_itself(void **state)
{
	char path[] = "/tmp/test-output.XXXXXX";
	int fd = mkstemp(path), saved_out = dup(1), saved_err = dup(2);
	struct dkms_ctx ctx;
	struct stat st;

	assert_true(fd >= 0 && saved_out >= 0 && saved_err >= 0);
	dkms_ctx_init(&ctx);
	assert_null(ctx.log_fn);
	fflush(NULL);
	dup2(fd, 1);
	dup2(fd, 2);
	say_everything(&ctx);
	fflush(NULL);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(path);
	assert_int_equal(st.st_size, 0);
	dkms_ctx_release(&ctx);
}

static void test_kinds_handed_over(void **state)
{
	_cleanup_strbuf_ struct strbuf said = STRBUF_INIT;
	struct dkms_ctx ctx;

	dkms_ctx_init(&ctx);
	dkms_set_log_fn(&ctx, record, &said);
	say_everything(&ctx);
	assert_string_equal(said.buf,
			    "info:a line|error:an error|warning:a warning|deprecated:OLD|note:a note"
			    "|step:Succeeding|done:"
			    "|step:Failing|failed:3|info:Failed command:\nexit 3"
			    "|step:Missing|failed:127|info:Failed command:\nno-such-command-here"
			    "|info:No command ran: no-such-command-here was not found in PATH.");
	dkms_ctx_release(&ctx);
}

/* The bytes dkms prints for each kind, plain and coloured. */
static void test_writer_bytes(void **state)
{
	struct captured cap = { 0 };
	struct dkms_ctx ctx;

	dkms_ctx_init(&ctx);
	capture_reopen(&ctx, &cap);
	say_everything(&ctx);
	fflush(cap.output.out);
	fflush(cap.output.err);
	assert_string_equal(cap.out_text,
			    "a line\n"
			    "Succeeding... done.\n"
			    "Failing...(bad exit status: 3)\nFailed command:\nexit 3\n"
			    "Missing...(bad exit status: 127)\nFailed command:\nno-such-command-here\n"
			    "No command ran: no-such-command-here was not found in PATH.\n");
	assert_string_equal(cap.err_text, "\nError! an error\nWarning: a warning\nDeprecated feature: OLD\na note\n");

	capture_reopen(&ctx, &cap);
	cap.output.color_out = cap.output.color_err = true;
	dkms_error(&ctx, "red");
	dkms_warn(&ctx, "yellow");
	invoke_command(&ctx, "true", "Green", NULL, NULL);
	invoke_command(&ctx, "exit 1", "Red", NULL, NULL);
	fflush(cap.output.out);
	fflush(cap.output.err);
	assert_string_equal(cap.err_text, "\n\033[31mError!\033[0m red\n\033[33mWarning:\033[0m yellow\n");
	assert_string_equal(cap.out_text, "Green... \033[32mdone.\033[0m\n"
					  "Red...\033[31m(bad exit status: 1)\033[0m\nFailed command:\nexit 1\n");
	capture_close(&ctx, &cap);
	dkms_ctx_release(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_writes_nothing_itself),
		cmocka_unit_test(test_kinds_handed_over),
		cmocka_unit_test(test_writer_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
