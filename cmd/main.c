// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dkms: option parsing and dispatch. The command line is dkms 3.x's: one
 * action, -m/-v/-k/-a selections, --opt=value or --opt value, and a bare
 * argument that is an action, a dkms.conf, a source dir, an archive or m/v.
 */
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "exitcode.h"
#include "framework.h"
#include "initrd/transaction.h"
#include "journal.h"
#include "names.h"
#include "progress.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/runtmp.h"
#include "util/strbuf.h"

enum action_flags {
	TAKES_LOCK = 1 << 0,     /* changes the tree: serialise with other runs */
	ONE_KERNEL_ARG = 1 << 1, /* exactly one -k, checked on the command line before anything else */
};

/* needs: what must hold before fn runs, checked in this order (cmd.h). */
struct action {
	const char *name;
	int (*fn)(struct cmd *c);
	unsigned flags;
	enum cmd_need needs[4];
	const char *usage;
};

#define MODULE_IN_TREE NEED_MODULE_VERSION, NEED_NOT_BROKEN, NEED_ADDED

static const struct action actions[] = {
	{ "add", cmd_add, TAKES_LOCK, { NEED_NO_ALL, NEED_WRITABLE_TREE },
	  "add <module>/<version> | <dir> | <dkms.conf> | <archive> [-c dkms.conf]" },
	{ "build", cmd_build, TAKES_LOCK, { NEED_NO_ALL, NEED_NOT_BROKEN, NEED_WRITABLE_TREE },
	  "build <module>/<version> [-k <kernel>[/<arch>]]... [--force] [-j N]" },
	{ "install", cmd_install, TAKES_LOCK, { NEED_NO_ALL, NEED_NOT_BROKEN, NEED_ROOT },
	  "install <module>/<version> [-k <kernel>[/<arch>]]... [--force] [--no-depmod]" },
	{ "uninstall", cmd_uninstall, TAKES_LOCK, { MODULE_IN_TREE, NEED_ROOT },
	  "uninstall <module>/<version> [-k <kernel>[/<arch>]]... | --all" },
	{ "unbuild", cmd_unbuild, TAKES_LOCK, { MODULE_IN_TREE, NEED_WRITABLE_TREE },
	  "unbuild <module>/<version> [-k <kernel>[/<arch>]]... | --all" },
	{ "remove", cmd_remove, TAKES_LOCK, { MODULE_IN_TREE, NEED_WRITABLE_TREE },
	  "remove <module>/<version> [-k <kernel>[/<arch>]]... | --all" },
	{ "status", cmd_status, 0, { NEED_END },
	  "status [<module>[/<version>]] [-k <kernel>[/<arch>]]" },
	{ "match", cmd_match, TAKES_LOCK, { NEED_ROOT, NEED_ONE_KERNEL },
	  "match --templatekernel=<kernel> -k <kernel> [<module>]" },
	{ "autoinstall", cmd_autoinstall, TAKES_LOCK, { NEED_ONE_KERNEL, NEED_ROOT },
	  "autoinstall [-k <kernel>[/<arch>]]" },
	{ "mktarball", cmd_mktarball, TAKES_LOCK, { MODULE_IN_TREE },
	  "mktarball <module>/<version> [-k <kernel>]... [--archive=<file>] [--binaries-only|--source-only]" },
	{ "ldtarball", cmd_ldtarball, TAKES_LOCK, { NEED_ROOT_TO_FORCE },
	  "ldtarball <archive> [--force]" },
	{ "generate_mok", cmd_generate_mok, 0, { NEED_END },
	  "generate_mok" },
	{ "mkdriverdisk", cmd_mkdriverdisk, TAKES_LOCK, { NEED_NO_ALL, MODULE_IN_TREE },
	  "mkdriverdisk <module>/<version> -d <distro> [-r <release>] -k <kernel>[/<arch>]... [--media iso|floppy|tar|cpio|squashfs] [--size KiB] [--compress gzip|xz|zstd|none] [--archive <file> | <dir>/] [--initrd <base>]" },
	{ "checkdisk", cmd_checkdisk, 0, { NEED_END },
	  "checkdisk <image> [-k <kernel>[/<arch>]]... [-a <arch>]" },
	{ "mkrpm", cmd_mkrpm, TAKES_LOCK, { NEED_NO_ALL, MODULE_IN_TREE },
	  "mkrpm <module>/<version> -k <kernel>[/<arch>]... [--source] [--kabi-range] [--archive <dir>]" },
	{ "kabi-check", cmd_kabi_check, 0, { NEED_NO_ALL, MODULE_IN_TREE },
	  "kabi-check <module>/<version> -k <built-kernel>[/<arch>] [-k <kernel>]... [<Module.symvers>]..." },
	{ "mkbmdeb", cmd_mkbmdeb, TAKES_LOCK, { MODULE_IN_TREE },
	  "mkbmdeb <module>/<version> -k <kernel>[/<arch>]... [--archive <dir>]" },
	{ "mkdeb", cmd_mkdeb, TAKES_LOCK, { MODULE_IN_TREE },
	  "mkdeb <module>/<version> [--archive <dir>]" },
	{ "lsinitrd", cmd_lsinitrd, 0, { NEED_END },
	  "lsinitrd [-k <kernel> | <image>]" },
	/* the kernel hooks' one -k is checked first; postinst is autoinstall */
	{ "kernel_preinst", cmd_kernel_preinst, TAKES_LOCK | ONE_KERNEL_ARG, { NEED_ROOT },
	  "kernel_preinst -k <kernel>[/<arch>]" },
	{ "kernel_postinst", cmd_kernel_postinst, TAKES_LOCK | ONE_KERNEL_ARG, { NEED_ROOT },
	  "kernel_postinst -k <kernel>[/<arch>]" },
	{ "kernel_prerm", cmd_kernel_prerm, TAKES_LOCK | ONE_KERNEL_ARG, { NEED_ROOT },
	  "kernel_prerm -k <kernel>[/<arch>]" },
};

static const struct action *find_action(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (streq(actions[i].name, name))
			return &actions[i];
	return NULL;
}

static void show_usage(const char *argv0)
{
	printf("Usage: %s [action] [options]\n"
	       "  [action]  = { add | remove | build | unbuild | install | uninstall | match |\n"
	       "               autoinstall | mktarball | ldtarball | status | generate_mok |\n"
	       "               kernel_preinst | kernel_postinst | kernel_prerm }\n"
	       "  [options] = [-m module] [-v module-version] [-k kernel-version] [-a arch]\n"
	       "              [-c dkms.conf-location] [-q] [--force] [--force-version-override] [--all]\n"
	       "              [--templatekernel=kernel] [--directive='cli-directive=cli-value']\n"
	       "              [--config=kernel-include/config/auto.conf-location] [--archive=tarball-location]\n"
	       "              [--kernelsourcedir=source-location] [--rpm_safe_upgrade]\n"
	       "              [--dkmstree path] [--sourcetree path] [--installtree path]\n"
	       "              [--binaries-only] [--source-only] [--verbose]\n"
	       "              [--no-depmod] [--modprobe-on-install] [-j number] [--version] [--help]\n",
	       argv0);
}

static void show_action_help(const char *argv0, const struct action *a)
{
	printf("Usage: %s %s\n", argv0, a->usage);
	printf("Common options: [-q] [--verbose] [--dkmstree path] [--sourcetree path] [--installtree path]\n"
	       "                [--kernelsourcedir dir] [--config file] [--directive NAME=VALUE] [-c dkms.conf]\n"
	       "See dkms(8) for the full description.\n");
}

/* -m m/v or a bare m/v: split at the first slash. */
static void parse_module_version(struct cmd *c, const char *s)
{
	const char *slash = strchr(s, '/');

	free(c->module);
	if (slash) {
		c->module = xstrndup(s, (size_t)(slash - s));
		free(c->version);
		c->version = xstrdup(slash + 1);
	} else {
		c->module = xstrdup(s);
	}
}

static void parse_kernel_arch(struct cmd *c, const char *s)
{
	const char *slash = strchr(s, '/');

	if (slash) {
		strv_push_take(&c->kernelver, xstrndup(s, (size_t)(slash - s)));
		strv_push(&c->arch, slash + 1);
	} else {
		strv_push(&c->kernelver, s);
	}
}

/* read_arg: "--opt=value" carries its value, else the next argument does. */
static const char *option_value(int argc, char **argv, int *i)
{
	const char *eq = strchr(argv[*i], '=');

	if (eq)
		return eq + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	return "";
}

/* dkms matches "--module*" etc. as prefixes of the whole argument. */
static bool opt_prefix(const char *arg, const char *name)
{
	return !strncmp(arg, name, strlen(name));
}

static void set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static void quiet_output(struct dkms_ctx *ctx)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	/* exec >/dev/null 2>&1: hooks and make go quiet too */
	if (fd >= 0) {
		fflush(NULL);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	ctx->quiet = true;
}

static int parse_args(struct cmd *c, int argc, char **argv)
{
	struct dkms_ctx *ctx = &c->ctx;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opt_prefix(a, "--module") || streq(a, "-m")) {
			parse_module_version(c, option_value(argc, argv, &i));
		} else if (streq(a, "-v")) {
			set(&c->version, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--kernelver") || streq(a, "-k")) {
			parse_kernel_arch(c, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--templatekernel")) {
			set(&c->template_kernel, option_value(argc, argv, &i));
		} else if (streq(a, "-c")) {
			set(&ctx->conf_file, option_value(argc, argv, &i));
		} else if (streq(a, "--quiet") || streq(a, "-q")) {
			quiet_output(ctx);
		} else if (streq(a, "--version") || streq(a, "-V")) {
			puts(DKMS_VERSION_STRING);
			return -1;
		} else if (streq(a, "--no-initrd") || streq(a, "--no-clean-kernel") ||
			   streq(a, "--no-prepare-kernel")) {
			dkms_deprecated(ctx, "%s", a);
		} else if (streq(a, "--binaries-only")) {
			ctx->binaries_only = true;
		} else if (streq(a, "--source-only")) {
			ctx->source_only = true;
		} else if (streq(a, "--force")) {
			ctx->force = true;
		} else if (streq(a, "--force-version-override")) {
			ctx->force_version_override = true;
		} else if (streq(a, "--all")) {
			c->all = true;
		} else if (streq(a, "--verbose")) {
			ctx->verbose = true;
		} else if (streq(a, "--rpm_safe_upgrade")) {
			ctx->rpm_safe_upgrade = true;
		} else if (opt_prefix(a, "--dkmstree")) {
			set(&ctx->dkms_tree, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--sourcetree")) {
			set(&ctx->source_tree, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--installtree")) {
			set(&ctx->install_tree, option_value(argc, argv, &i));
		} else if (streq(a, "--symlink-modules")) {
			ctx->symlink_modules = true;
		} else if (opt_prefix(a, "--config")) {
			set(&ctx->kernel_config, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--archive")) {
			set(&c->archive, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--arch") || streq(a, "-a")) {
			strv_push(&c->arch, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--kernelsourcedir")) {
			set(&ctx->kernel_source_dir, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--directive")) {
			strv_push(&ctx->directives, option_value(argc, argv, &i));
		} else if (streq(a, "--no-depmod")) {
			ctx->no_depmod = true;
		} else if (streq(a, "--modprobe-on-install")) {
			ctx->modprobe_on_install = true;
		} else if (streq(a, "--strict-conf")) {
			ctx->strict_conf = true;
		} else if (streq(a, "--debug")) {
			/* what it runs, on stderr (dkms-core/util/trace.h); children inherit it */
			setenv("DKMS_DEBUG", "1", 1);
		} else if (opt_prefix(a, "--distro") || streq(a, "-d")) {
			set(&c->distro, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--release") || streq(a, "-r")) {
			set(&c->release, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--media")) {
			set(&c->media, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--size")) {
			set(&c->size, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--compress")) {
			set(&c->compress, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--initrd-mode")) { /* before --initrd: prefixes match */
			set(&ctx->initrd_mode, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--bootdir")) {
			set(&ctx->bootdir, option_value(argc, argv, &i));
		} else if (opt_prefix(a, "--initrd")) {
			set(&c->initrd, option_value(argc, argv, &i));
		} else if (streq(a, "--source")) {
			c->source_rpm = true;
		} else if (streq(a, "--kabi-range")) {
			c->kabi_range = true;
		} else if (streq(a, "--json")) {
			c->json = true;
		} else if (streq(a, "-j")) {
			set(&ctx->parallel_jobs, option_value(argc, argv, &i));
		} else if (streq(a, "--help") || streq(a, "-h")) {
			c->help = true;
		} else if (a[0] == '-') {
			dkms_error(ctx, "Unknown option: %s", a);
			show_usage(argv[0]);
			return DKMS_EXIT_NO_SOURCE;
		} else if (find_action(a)) {
			if (c->action) {
				dkms_error(ctx, "Cannot specify more than one action.");
				return DKMS_EXIT_CONF_MISSING;
			}
			c->action = find_action(a)->name;
		} else {
			size_t len = strlen(a);

			if (is_file(a) && len >= 9 && streq(a + len - 9, "dkms.conf")) {
				free(c->try_source_tree);
				c->try_source_tree = xasprintf("%.*s./", (int)(len - 9), a);
			} else if (is_dir(a) && ({
					   _cleanup_free_ char *p = xasprintf("%s/dkms.conf", a);
					   is_file(p);
				   })) {
				set(&c->try_source_tree, a);
			} else if (is_file(a)) {
				set(&c->archive, a);
				strv_push(&c->args, a);
			} else if (!c->module) {
				parse_module_version(c, a);
			} else {
				dkms_warn(ctx, "I do not know how to handle %s.", a);
			}
		}
	}
	return 0;
}

/*
 * names.h's rule for the names given on the command line: they become
 * directories of the trees. Empty ones are left to the checks that name
 * them, and so is a version without a module (dkms: "Arguments … are not
 * specified"). status only reads the tree and escapes what it prints: any
 * name that stays one directory (no '/', not "." or "..") may be looked up.
 */
static const char *status_name_problem(const char *s, char reason[NAME_REASON_MAX])
{
	if (strchr(s, '/'))
		return strcpy(reason, "'/' is not allowed");
	if (streq(s, ".") || streq(s, ".."))
		return strcpy(reason, "'.' and '..' are not allowed");
	return NULL;
}

static int check_arg_names(struct cmd *c)
{
	const struct {
		const char *what;
		const char *value;
	} one[] = {
		{ "Module", c->module }, { "Module version", c->version },
		{ "Template kernel", c->template_kernel },
	};
	char reason[NAME_REASON_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(one) + c->kernelver.n + c->arch.n; i++) {
		const char *what, *value, *bad;
		_cleanup_free_ char *shown = NULL;

		if (i < ARRAY_SIZE(one)) {
			what = one[i].what;
			value = one[i].value;
		} else if (i < ARRAY_SIZE(one) + c->kernelver.n) {
			what = "Kernel version";
			value = c->kernelver.v[i - ARRAY_SIZE(one)];
		} else {
			what = "Arch";
			value = c->arch.v[i - ARRAY_SIZE(one) - c->kernelver.n];
		}
		if (strempty(value) || (i == 1 && strempty(c->module)))
			continue;
		bad = c->action && streq(c->action, "status") ? status_name_problem(value, reason)
							       : name_check(NAME_WORD, value, reason);
		if (!bad)
			continue;
		shown = name_escape(value);
		dkms_error(&c->ctx, "%s \"%s\" is not a valid name: %s.", what, shown, bad);
		return DKMS_EXIT_USAGE;
	}
	return 0;
}

static char *nproc_string(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return xasprintf("%ld", n > 0 ? n : 1);
}

static void cmd_release(struct cmd *c)
{
	dkms_ctx_release(&c->ctx);
	free(c->module);
	free(c->version);
	strv_release(&c->kernelver);
	strv_release(&c->arch);
	for (size_t i = 0; i < c->n_kernels; i++)
		dkms_kernel_release(&c->kernels[i]);
	free(c->kernels);
	free(c->template_kernel);
	free(c->archive);
	free(c->try_source_tree);
	free(c->distro);
	free(c->release);
	free(c->media);
	free(c->size);
	free(c->compress);
	free(c->initrd);
	strv_release(&c->args);
}

/* As git's run_builtin: the action's preconditions, then the action. */
static int run_action(struct cmd *c, const struct action *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(a->needs) && a->needs[i] != NEED_END; i++) {
		int r = cmd_check(c, a->needs[i]);

		if (r)
			return r;
	}
	return a->fn(c);
}

/* The run's private temp dir (runtmp.h), removed when the program ends. */
static char *run_tmp;

static void run_tmp_remove(void)
{
	if (run_tmp)
		rm_rf(run_tmp);
}

/*
 * Remove what killed runs left in TMPDIR, then give this run its own dir
 * there: every temp file of ours (ctx->tmp_location) and of the programs we
 * start (TMPDIR) goes beneath it.
 */
static void run_tmp_start(struct dkms_ctx *ctx)
{
	runtmp_sweep(ctx->tmp_location);
	run_tmp = runtmp_create(ctx->tmp_location);
	if (!run_tmp)
		return;
	atexit(run_tmp_remove);
	free(ctx->tmp_location);
	ctx->tmp_location = xstrdup(run_tmp);
	setenv("TMPDIR", run_tmp, 1);
}

int main(int argc, char **argv)
{
	struct cmd c = { 0 };
	const struct action *act;
	_cleanup_(dkms_lock_releasep) struct dkms_lock lock = DKMS_LOCK_INIT;
	int r;

	setlocale(LC_ALL, "");
	/* dkms sets 022; a stricter umask of the caller's is kept on top of it */
	umask(umask(0) | 022);
	/* the kernel's build picks its own compiler and flags */
	unsetenv("CC");
	unsetenv("CXX");
	unsetenv("CFLAGS");
	unsetenv("CXXFLAGS");
	unsetenv("LDFLAGS");

	dkms_ctx_init(&c.ctx);
	c.output = (struct cmd_output){ .out = stdout, .err = stderr };
	dkms_set_log_fn(&c.ctx, cmd_output_write, &c.output);
	terminal_setup(&c.ctx, &c.output);
	r = dkms_framework_load(&c.ctx);
	if (r)
		goto out;
	r = parse_args(&c, argc, argv);
	terminal_setup(&c.ctx, &c.output); /* -q sent the output to /dev/null */
	if (r) {
		r = r < 0 ? 0 : r;
		goto out;
	}
	if (c.help) {
		act = c.action ? find_action(c.action) : NULL;
		if (act)
			show_action_help(argv[0], act);
		else
			show_usage(argv[0]);
		r = 0;
		goto out;
	}

	r = check_arg_names(&c);
	if (r)
		goto out;
	run_tmp_start(&c.ctx);

	if (c.ctx.binaries_only && c.ctx.source_only) {
		dkms_error(&c.ctx, "You have specified both --binaries-only and --source-only.\nYou cannot do this.");
		r = DKMS_EXIT_BAD_CONF;
		goto out;
	}
	if (c.kernelver.n != c.arch.n && c.arch.n > 1) {
		dkms_error(&c.ctx, "If more than one arch is specified on the command line, then there\n"
			   "must be an equal number of kernel versions also specified (1:1 relationship).");
		r = DKMS_EXIT_USAGE;
		goto out;
	}
	if (c.kernelver.n && c.all) {
		dkms_error(&c.ctx, "You cannot specify a kernel version and also specify\n--all on the command line.");
		r = DKMS_EXIT_NO_SOURCE;
		goto out;
	}
	if (c.arch.n && c.all) {
		dkms_error(&c.ctx, "You cannot specify an arch and also specify\n--all on the command line.");
		r = DKMS_EXIT_STATE;
		goto out;
	}
	if (!c.ctx.parallel_jobs)
		c.ctx.parallel_jobs = nproc_string();
	if (streq(c.ctx.parallel_jobs, "0"))
		set(&c.ctx.parallel_jobs, "");

	act = c.action ? find_action(c.action) : NULL;
	if (!act) {
		dkms_error(&c.ctx, "Unknown action specified: \"%s\"", c.action ? c.action : "");
		show_usage(argv[0]);
		r = 0;
		goto out;
	}
	if (act->flags & ONE_KERNEL_ARG) {
		r = cmd_check(&c, NEED_ONE_KERNEL);
		if (r)
			goto out;
	}
	/* lock before reading the tree: --all lists builds that a running
	 * dkms may still be making. status takes it only to finish what a
	 * crash left (and only where it may write) */
	if (((act->flags & TAKES_LOCK) ||
	     (act->fn == cmd_status && journal_pending(&c.ctx) && access(c.ctx.dkms_tree, W_OK) == 0)) &&
	    is_dir(c.ctx.dkms_tree)) {
		_cleanup_free_ char *tree = canonical_path(c.ctx.dkms_tree);
		const char *held = getenv("DKMS_TREE_LOCKED");

		/* a hook or make run by a dkms holding the lock may call dkms again:
		 * it is serialised by its parent already and must not wait for it */
		if (tree && !(held && streq(held, tree))) {
			r = dkms_lock_take(&lock, tree);
			if (r < 0) {
				dkms_error(&c.ctx, "Could not lock the DKMS tree %s: %s", tree, strerror(-r));
				r = DKMS_EXIT_USAGE;
				goto out;
			}
			setenv("DKMS_TREE_LOCKED", tree, 1);
			/* before its own work, every run finishes what a crashed one left */
			initrd_txn_recover(&c.ctx);
		}
	}
	r = cmd_setup_kernels(&c);
	if (r)
		goto out;
	r = run_action(&c, act);
out:
	cmd_release(&c);
	if (fflush(stdout) != 0 && !r)
		r = 1;
	return r;
}
