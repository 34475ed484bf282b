// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the native dkms.conf parser. Every input must either
 * be refused (-ENOTSUP) or give directives whose values dkms's read-back
 * would not change. Build: `make build/fuzz/fuzz-conf-native`; run:
 *   build/fuzz/fuzz-conf-native -max_len=4096 tests/fuzz/corpus/conf-native
 * With -DFUZZ_REPLAY instead of -fsanitize=fuzzer, it replays the files named
 * on the command line. With -DFUZZ_DIFF (`make build/fuzz/fuzz-conf-diff`) every
 * accepted input is also evaluated by bash and both results must be equal:
 * slow (one bash per input), but it is the property the native parser
 * exists for.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-util.h"
#include "conf.h"
#include "util/fileio.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct conf_scope scope = {
		.module = "m", .module_version = "1.0", .kernelver = "6.1.0-56-amd64",
		.arch = "x86_64", .kernel_source_dir = "/lib/modules/6.1.0-56-amd64/build",
		.kernel_config = "/lib/modules/6.1.0-56-amd64/build/.config",
		.dkms_tree = "/var/lib/dkms", .source_tree = "/usr/src",
		.install_tree = "/lib/modules", .parallel_jobs = "2",
	};
	struct conf_vars vars = { 0 };
	int r = conf_parse_native_buf(&scope, (const char *)data, size, &vars);

	if (r != 0 && r != -ENOTSUP)
		abort();
	if (r == -ENOTSUP && vars.n)
		abort(); /* refused input must leave vars alone */
	for (size_t i = 0; i < vars.n; i++) {
		if (!conf_is_directive(vars.vars[i].name))
			abort();
		for (size_t j = 0; j < vars.vars[i].n; j++) {
			const char *v = vars.vars[i].items[j].value;

			/* after dkms's dump: no tab, newline, run of blanks, quote or backtick */
			if (strpbrk(v, "\t\n\"`") || strstr(v, "  "))
				abort();
		}
	}
#ifdef FUZZ_DIFF
	if (r == 0) {
		char *scratch = fuzz_scratch("conf"), *path;
		struct conf_vars bash = { 0 };

		if (asprintf(&path, "%s/dkms.conf", scratch) < 0)
			abort();
		fuzz_write_file(path, data, size);
		if (conf_eval_bash(&scope, (const char *const *)&path, 1, &bash) != 0 ||
		    !conf_vars_equal(&bash, &vars)) {
			conf_vars_dump(&bash, stderr);
			fputs("----\n", stderr);
			conf_vars_dump(&vars, stderr);
			abort();
		}
		free(path);
		fuzz_rm(scratch);
		conf_vars_release(&bash);
	}
#endif
	conf_vars_release(&vars);
	return 0;
}
