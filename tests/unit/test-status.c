// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * status: status_format for every state and suffix combination, and
 * status_walk over fake trees built in a temp dir (a source link, module
 * files under <k>/<arch>/module, kernel-<k>-<arch> links, a dkms.conf):
 * every state, dkms's order, filters, compressed modules, BUILD_EXCLUSIVE,
 * per-kernel dkms.conf evaluated by bash, and no dkms.conf read where
 * none is needed. Also the batch evaluation the walk relies on: several
 * kernels' chains in one bash child, isolated from each other, resolving
 * exactly as dkms_conf_read.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "status.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "testlib.h"

#define A "x86_64"
#define K1 "6.1.0-40-amd64"
#define K2 "6.1.0-41-amd64"
#define K3 "6.1.0-42-amd64"

static const char built_missing[] = " (Built modules are missing in the kernel modules folder)";
static const char different[] = " (Differences between built and installed modules)";
static const char originals[] = " (Original modules exist)";

struct fixture {
	char *dir;
	struct dkms_ctx ctx;
	struct captured cap;
	struct strbuf lines; /* what the walk reported, one formatted line each */
};

static struct fixture F;

static char *path(const char *fmt, ...) _printf_(1, 2);
static char *path(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vpath_in(F.dir, fmt, ap);
	va_end(ap);
	return p;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-status.XXXXXX";

	memset(&F, 0, sizeof(F));
	assert_non_null(mkdtemp(tmpl));
	F.dir = xstrdup(tmpl);
	dkms_ctx_init(&F.ctx);
	F.ctx.dkms_tree = path("tree");
	F.ctx.source_tree = path("src");
	F.ctx.install_tree = path("inst");
	F.ctx.etc_dir = path("etc");
	F.ctx.parallel_jobs = xstrdup("2");
	assert_int_equal(mkdir_p(F.ctx.dkms_tree, 0755), 0);
	assert_int_equal(mkdir_p(F.ctx.etc_dir, 0755), 0);
	capture_reopen(&F.ctx, &F.cap);
	strbuf_init(&F.lines);
	*state = &F;
	return 0;
}

static int teardown(void **state)
{
	capture_close(&F.ctx, &F.cap);
	strbuf_release(&F.lines);
	rm_rf(F.dir);
	free(F.dir);
	dkms_ctx_release(&F.ctx);
	return 0;
}

static const char *err_text(void)
{
	fflush(F.cap.output.err);
	return F.cap.err_text;
}

/* ---- building a fake tree ---- */

static void put(const char *rel, const char *text)
{
	_cleanup_free_ char *p = path("%s", rel);
	_cleanup_free_ char *dir = xstrdup(p);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(write_file_str(p, text), 0);
}

static void link_to(const char *target, const char *rel)
{
	_cleanup_free_ char *p = path("%s", rel);
	_cleanup_free_ char *dir = xstrdup(p);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(symlink(target, p), 0);
}

static void mkdirs(const char *rel)
{
	_cleanup_free_ char *p = path("%s", rel);

	assert_int_equal(mkdir_p(p, 0755), 0);
}

/* m/v added: src/m-v/dkms.conf and the source link to it. */
static void add(const char *m, const char *v, const char *conf)
{
	_cleanup_free_ char *rel = xasprintf("src/%s-%s/dkms.conf", m, v);
	_cleanup_free_ char *target = path("src/%s-%s", m, v);
	_cleanup_free_ char *link = xasprintf("tree/%s/%s/source", m, v);

	put(rel, conf);
	link_to(target, link);
}

/* A plain dkms.conf with one record per name (DEST_MODULE_NAME = name). */
static char *plain_conf(const char *m, const char *v, const char *names)
{
	_cleanup_strv_ struct strv sv = STRV_INIT;
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "PACKAGE_NAME=\"%s\"\nPACKAGE_VERSION=\"%s\"\n", m, v);
	strv_split(&sv, names, " ");
	for (size_t i = 0; i < sv.n; i++)
		strbuf_addf(&sb, "BUILT_MODULE_NAME[%zu]=\"%s\"\nDEST_MODULE_LOCATION[%zu]=\"/updates\"\n",
			    i, sv.v[i], i);
	return strbuf_detach(&sb);
}

/* tree/m/v/k/A/module/<file> holding text */
static void built_file(const char *m, const char *v, const char *k, const char *file,
		       const char *text)
{
	_cleanup_free_ char *rel = xasprintf("tree/%s/%s/%s/" A "/module/%s", m, v, k, file);

	put(rel, text);
}

/* the kernel-k-A link that makes m/v installed for k */
static void activate(const char *m, const char *v, const char *k)
{
	_cleanup_free_ char *target = xasprintf("%s/%s/" A, v, k);
	_cleanup_free_ char *link = xasprintf("tree/%s/kernel-%s-" A, m, k);

	link_to(target, link);
}

/* ---- walking ---- */

static int collect(const struct status_entry *e, void *userdata)
{
	_cleanup_free_ char *line = status_format(e);

	strbuf_addstr(&F.lines, line);
	strbuf_addch(&F.lines, '\n');
	return 0;
}

/* The lines of one walk (reset before), as `dkms status` would print them. */
static const char *walk(const char *m, const char *v, const char *k, const char *a)
{
	strbuf_reset(&F.lines);
	assert_int_equal(status_walk(&F.ctx, m, v, k, a, true, collect, NULL), 0);
	return F.lines.buf;
}

/* ---- status_format ---- */

static void test_format_added_broken(void **state)
{
	struct status_entry e = { .module = "foo", .version = "1.0", .state = STATUS_ADDED };
	_cleanup_free_ char *added = status_format(&e);
	_cleanup_free_ char *broken = NULL;

	assert_string_equal(added, "foo/1.0: added");
	e.state = STATUS_BROKEN;
	/* flags never show on these */
	e.flags = STATUS_ORIGINALS_EXIST | STATUS_DIFFERENT;
	broken = status_format(&e);
	assert_string_equal(broken, "foo/1.0: broken");
}

static void test_format_every_suffix(void **state)
{
	/* suffixes by flags: originals first; missing hides different */
	static const char *const suffix[8] = {
		[0] = "",
		[STATUS_ORIGINALS_EXIST] = " (Original modules exist)",
		[STATUS_BUILT_MISSING] = " (Built modules are missing in the kernel modules folder)",
		[STATUS_ORIGINALS_EXIST | STATUS_BUILT_MISSING] =
			" (Original modules exist) (Built modules are missing in the kernel modules folder)",
		[STATUS_DIFFERENT] = " (Differences between built and installed modules)",
		[STATUS_ORIGINALS_EXIST | STATUS_DIFFERENT] =
			" (Original modules exist) (Differences between built and installed modules)",
		[STATUS_BUILT_MISSING | STATUS_DIFFERENT] =
			" (Built modules are missing in the kernel modules folder)",
		[STATUS_ORIGINALS_EXIST | STATUS_BUILT_MISSING | STATUS_DIFFERENT] =
			" (Original modules exist) (Built modules are missing in the kernel modules folder)",
	};
	static const enum status_state states[] = { STATUS_BUILT, STATUS_INSTALLED };

	for (size_t s = 0; s < ARRAY_SIZE(states); s++)
		for (unsigned f = 0; f < 8; f++) {
			struct status_entry e = {
				.module = "foo", .version = "1.0", .kernel = K1, .arch = A,
				.state = states[s], .flags = f,
			};
			_cleanup_free_ char *line = status_format(&e);
			_cleanup_free_ char *want = xasprintf("foo/1.0, " K1 ", " A ": %s%s",
							      status_state_name(states[s]), suffix[f]);

			assert_string_equal(line, want);
		}
}

static void test_state_names(void **state)
{
	assert_string_equal(status_state_name(STATUS_BROKEN), "broken");
	assert_string_equal(status_state_name(STATUS_ADDED), "added");
	assert_string_equal(status_state_name(STATUS_BUILT), "built");
	assert_string_equal(status_state_name(STATUS_INSTALLED), "installed");
}

/* ---- status_walk ---- */

static void test_walk_empty(void **state)
{
	assert_string_equal(walk(NULL, NULL, NULL, NULL), "");
	assert_string_equal(err_text(), "");
}

static void test_walk_every_state(void **state)
{
	_cleanup_free_ char *conf = plain_conf("foo", "1.0", "foo");
	_cleanup_free_ char *expected = NULL;

	add("foo", "1.0", conf);
	mkdirs("inst/" K1);
	mkdirs("inst/" K2);
	mkdirs("inst/" K3);
	/* K1: built only */
	built_file("foo", "1.0", K1, "foo.ko", "one");
	/* K2: installed, the installed copy the same */
	built_file("foo", "1.0", K2, "foo.ko", "two");
	put("inst/" K2 "/foo.ko", "two");
	activate("foo", "1.0", K2);
	/* K3: installed, the installed copy differs, originals kept */
	built_file("foo", "1.0", K3, "foo.ko", "three");
	put("inst/" K3 "/foo.ko", "other");
	activate("foo", "1.0", K3);
	mkdirs("tree/foo/original_module/" K3 "/" A);
	/* "incomplete": built dir without the module */
	mkdirs("tree/foo/1.0/6.1.0-43-amd64/" A "/module");
	/* added only */
	add("bar", "2.0", "PACKAGE_NAME=bar\n");
	/* broken: dangling source link */
	link_to("/nonexistent/dir", "tree/baz/1.0/source");
	/* broken: no link, but the source dir is there */
	mkdirs("tree/qux/3.0");
	mkdirs("src/qux-3.0");
	/* neither: an m/v dir without source is skipped */
	mkdirs("tree/zed/1.0");

	expected = xasprintf("bar/2.0: added\n"
			     "baz/1.0: broken\n"
			     "foo/1.0, " K1 ", " A ": built\n"
			     "foo/1.0, " K2 ", " A ": installed\n"
			     "foo/1.0, " K3 ", " A ": installed%s%s\n"
			     "foo/1.0, 6.1.0-43-amd64, " A ": built%s\n"
			     "qux/3.0: broken\n",
			     originals, different, built_missing);
	assert_string_equal(walk(NULL, NULL, NULL, NULL), expected);
	assert_string_equal(err_text(), "");
}

static void test_walk_filters(void **state)
{
	_cleanup_free_ char *foo = plain_conf("foo", "1.0", "foo");
	_cleanup_free_ char *foo2 = plain_conf("foo", "2.0", "foo");

	add("foo", "1.0", foo);
	add("foo", "2.0", foo2);
	built_file("foo", "1.0", K1, "foo.ko", "x");
	built_file("foo", "1.0", K2, "foo.ko", "x");
	built_file("foo", "2.0", K2, "foo.ko", "x");
	/* not a kernel dir: must look like <digits>.<anything> */
	mkdirs("tree/foo/1.0/build/" A "/module");
	put("inst/" K1 "/.keep", "");

	assert_string_equal(walk("foo", "2.0", NULL, NULL), "foo/2.0, " K2 ", " A ": built\n");
	assert_string_equal(walk(NULL, NULL, K1, NULL), "foo/1.0, " K1 ", " A ": built\n"
							"foo/2.0: added\n");
	assert_string_equal(walk(NULL, "1.0", K2, A), "foo/1.0, " K2 ", " A ": built\n");
	assert_string_equal(walk("foo", NULL, NULL, "aarch64"), "foo/1.0: added\n"
								 "foo/2.0: added\n");
	assert_string_equal(walk("nothing", NULL, NULL, NULL), "");
}

/* dkms's set_module_suffix: the kernel's own compressed modules decide */
static void test_walk_compressed(void **state)
{
	_cleanup_free_ char *conf = plain_conf("foo", "1.0", "foo");

	add("foo", "1.0", conf);
	put("inst/" K1 "/kernel/drivers/x/other.ko.xz", "");
	put("inst/" K1 "/kernel/drivers/y/another.ko.gz", "");
	put("inst/" K2 "/kernel/drivers/x/other.ko", "");
	built_file("foo", "1.0", K1, "foo.ko.xz", "xz");
	built_file("foo", "1.0", K2, "foo.ko.xz", "xz"); /* K2 modules are not compressed */
	put("inst/" K1 "/updates/dkms/foo.ko.xz", "xz");
	activate("foo", "1.0", K1);
	put("inst/" K1 "/foo.ko.xz", "xz");

	assert_string_equal(walk(NULL, NULL, NULL, NULL),
			    "foo/1.0, " K1 ", " A ": installed\n"
			    "foo/1.0, " K2 ", " A ": built (Built modules are missing in the kernel modules folder)\n");
}

/* records BUILD_EXCLUSIVE rules out are not looked for */
static void test_walk_exclusive(void **state)
{
	add("foo", "1.0",
	    "PACKAGE_NAME=foo\nPACKAGE_VERSION=1.0\n"
	    "BUILT_MODULE_NAME[0]=foo\nDEST_MODULE_LOCATION[0]=/updates\n"
	    "BUILT_MODULE_NAME[1]=foo_new\nDEST_MODULE_LOCATION[1]=/updates\n"
	    "BUILD_EXCLUSIVE_KERNEL_MIN[1]=6.1.0-41\n");
	built_file("foo", "1.0", K1, "foo.ko", "x");
	built_file("foo", "1.0", K2, "foo.ko", "x");
	built_file("foo", "1.0", K3, "foo.ko", "x");
	built_file("foo", "1.0", K3, "foo_new.ko", "x");

	assert_string_equal(walk(NULL, NULL, NULL, NULL),
			    "foo/1.0, " K1 ", " A ": built\n"
			    "foo/1.0, " K2 ", " A ": built (Built modules are missing in the kernel modules folder)\n"
			    "foo/1.0, " K3 ", " A ": built\n");
}

/*
 * A dkms.conf that needs bash and gives each kernel other records: the
 * batch evaluation must hand every line its own kernel's result.
 */
static void test_walk_bash_conf_per_kernel(void **state)
{
	add("foo", "1.0",
	    "PACKAGE_NAME=foo\nPACKAGE_VERSION=1.0\n"
	    "BUILT_MODULE_NAME[0]=foo\n"
	    /* expanded again in the job's context: seen= would leak to the next */
	    "DEST_MODULE_NAME[0]=\"foo_$(echo \"${kernelver%-amd64}\")\"'${seen+_leaked}${seen=}'\n"
	    "DEST_MODULE_LOCATION[0]=/updates\n"
	    "if [[ $kernelver == *-41-* ]]; then\n"
	    "\tBUILT_MODULE_NAME[1]=extra\n\tDEST_MODULE_LOCATION[1]=/updates\n"
	    "fi\n");
	built_file("foo", "1.0", K1, "foo_6.1.0-40.ko", "x");
	built_file("foo", "1.0", K2, "foo_6.1.0-41.ko", "x");
	/* K2 lacks record 1's module; K3 has only another kernel's name */
	built_file("foo", "1.0", K3, "foo_6.1.0-40.ko", "x");
	built_file("foo", "1.0", K3, "extra.ko", "x");

	assert_string_equal(walk(NULL, NULL, NULL, NULL),
			    "foo/1.0, " K1 ", " A ": built\n"
			    "foo/1.0, " K2 ", " A ": built (Built modules are missing in the kernel modules folder)\n"
			    "foo/1.0, " K3 ", " A ": built (Built modules are missing in the kernel modules folder)\n");
	assert_string_equal(err_text(), "");
}

/*
 * The line's dkms.conf is read for the line's module and version, with its
 * /etc/dkms overrides (dkms 3.4.3 uses the command line's: a kept divergence).
 */
static void test_walk_conf_of_the_line(void **state)
{
	add("foo", "1.0",
	    "PACKAGE_NAME=foo\nPACKAGE_VERSION=1.0\n"
	    "BUILT_MODULE_NAME[0]=foo\nDEST_MODULE_NAME[0]=\"x${module}y${module_version}\"\n"
	    "DEST_MODULE_LOCATION[0]=/updates\n");
	built_file("foo", "1.0", K1, "xfooy1.0.ko", "x");
	built_file("foo", "1.0", K2, "over.ko", "x");
	put("etc/foo--" K2 ".conf", "DEST_MODULE_NAME[0]=over\n");

	assert_string_equal(walk(NULL, NULL, NULL, NULL), "foo/1.0, " K1 ", " A ": built\n"
							  "foo/1.0, " K2 ", " A ": built\n");
	assert_string_equal(walk("foo", NULL, K2, NULL), "foo/1.0, " K2 ", " A ": built\n");
}

/* no dkms.conf: dkms's read_conf dies in the line's subshell, so no suffix */
static void test_walk_missing_conf(void **state)
{
	_cleanup_free_ char *conf = path("src/foo-1.0/dkms.conf");
	_cleanup_free_ char *want_err = NULL;

	add("foo", "1.0", "");
	assert_int_equal(unlink(conf), 0);
	built_file("foo", "1.0", K1, "foo.ko", "x");
	mkdirs("tree/foo/original_module/" K1 "/" A);

	assert_string_equal(walk(NULL, NULL, NULL, NULL), "foo/1.0, " K1 ", " A ": built\n");
	want_err = xasprintf("\nError! Could not locate dkms.conf file.\n"
			     "File: %s/foo/1.0/source/dkms.conf does not exist.\n", F.ctx.dkms_tree);
	assert_string_equal(err_text(), want_err);
}

/* an invalid dkms.conf: the errors, then what could be resolved is checked */
static void test_walk_invalid_conf(void **state)
{
	add("foo", "1.0",
	    "PACKAGE_NAME=foo\nPACKAGE_VERSION=1.0\n"
	    "BUILT_MODULE_NAME[0]=foo\nDEST_MODULE_LOCATION[0]=/updates\n"
	    "BUILT_MODULE_NAME[2]=bar\nDEST_MODULE_LOCATION[2]=/updates\n");
	built_file("foo", "1.0", K1, "foo.ko", "x");
	built_file("foo", "1.0", K1, "bar.ko", "x");
	mkdirs("tree/foo/original_module/" K1 "/" A);

	assert_string_equal(walk(NULL, NULL, NULL, NULL),
			    "foo/1.0, " K1 ", " A ": built (Original modules exist)"
			    " (Built modules are missing in the kernel modules folder)\n");
	assert_string_equal(err_text(),
			    "dkms.conf: Error! No 'BUILT_MODULE_NAME' directive specified for record #1.\n"
			    "dkms.conf: Error! No 'DEST_MODULE_LOCATION' directive specified for record #1.\n");
}

/* added and broken lines, and walks without extra, never read a dkms.conf */
static void test_walk_reads_no_conf_unless_needed(void **state)
{
	static const char conf[] = "PACKAGE_NAME=foo\nPACKAGE_VERSION=1.0\n"
				   ": >\"$dkms_tree/conf-was-read\"\n"
				   "BUILT_MODULE_NAME[0]=foo\nDEST_MODULE_LOCATION[0]=/updates\n";
	_cleanup_free_ char *marker = path("tree/conf-was-read");

	add("foo", "1.0", conf);
	add("foo", "2.0", conf);
	link_to("/nonexistent/dir", "tree/foo/3.0/source");
	built_file("foo", "2.0", K1, "foo.ko", "x");

	assert_string_equal(walk("foo", "1.0", NULL, NULL), "foo/1.0: added\n");
	assert_string_equal(walk("foo", "3.0", NULL, NULL), "foo/3.0: broken\n");
	assert_false(path_exists(marker));
	strbuf_reset(&F.lines);
	assert_int_equal(status_walk(&F.ctx, NULL, NULL, NULL, NULL, false, collect, NULL), 0);
	assert_string_equal(F.lines.buf, "foo/1.0: added\n"
					 "foo/2.0, " K1 ", " A ": built\n"
					 "foo/3.0: broken\n");
	assert_false(path_exists(marker));
	/* the built line with extra does */
	assert_string_equal(walk("foo", "2.0", NULL, NULL), "foo/2.0, " K1 ", " A ": built\n");
	assert_true(path_exists(marker));
}

static int stop_after_first(const struct status_entry *e, void *userdata)
{
	int *n = userdata;

	collect(e, NULL);
	return ++*n == 1 ? -ECANCELED : 0;
}

static void test_walk_stops(void **state)
{
	_cleanup_free_ char *conf = plain_conf("foo", "1.0", "foo");
	int n = 0;

	add("foo", "1.0", conf);
	built_file("foo", "1.0", K1, "foo.ko", "x");
	built_file("foo", "1.0", K2, "foo.ko", "x");
	add("goo", "1.0", "");

	assert_int_equal(status_walk(&F.ctx, NULL, NULL, NULL, NULL, true, stop_after_first, &n),
			 -ECANCELED);
	assert_int_equal(n, 1);
	assert_string_equal(F.lines.buf, "foo/1.0, " K1 ", " A ": built\n");
}

/* ---- the batch evaluation under the walk ---- */

static struct conf_scope scope_for(const char *kernelver)
{
	return (struct conf_scope){
		.module = "foo", .module_version = "1.0", .kernelver = kernelver, .arch = A,
		.dkms_tree = F.ctx.dkms_tree, .source_tree = F.ctx.source_tree,
		.install_tree = F.ctx.install_tree, .parallel_jobs = F.ctx.parallel_jobs,
	};
}

/* one child, one subshell per job: what one job leaves behind or dies of stays there */
static void test_bash_jobs_isolated(void **state)
{
	_cleanup_free_ char *good = path("good.conf"), *dies = path("dies.conf");
	_cleanup_free_ char *over = path("over.conf");
	const struct conf_scope scopes[] = { scope_for(K1), scope_for(K2), scope_for(K3) };
	const char *const good_files[] = { good, over };
	const char *const dies_files[] = { dies };
	struct conf_vars states[5] = { 0 };
	struct conf_job jobs[] = {
		{ .scope = &scopes[0], .files = good_files, .n_files = 2, .states = &states[0] },
		{ .scope = &scopes[1], .files = dies_files, .n_files = 1, .states = &states[2] },
		{ .scope = &scopes[2], .files = good_files, .n_files = 2, .states = &states[3] },
	};

	put("good.conf", "PACKAGE_NAME=\"p_$(echo $kernelver)\"\n"
			 /* expanded again in the job: seen= would reach the next job */
			 "BUILT_MODULE_NAME[0]='m${seen+_leaked}${seen=}'\n"
			 /* keys listed dkms's way: only the numeric one is taken */
			 "declare -A DEST_MODULE_NAME=([x]=no [0]=d [-e]=no)\n");
	put("over.conf", "BUILT_MODULE_NAME[1]=\"${PACKAGE_NAME}_over\"\n");
	/* the value closes dkms's quotes: exit runs in the job's context */
	put("dies.conf", "PACKAGE_NAME='x\"; exit 3; \"'\n");

	assert_int_equal(conf_eval_bash_jobs(jobs, ARRAY_SIZE(jobs)), 0);
	assert_int_equal(jobs[0].r, 0);
	assert_int_equal(jobs[1].r, -EPROTO);
	assert_int_equal(jobs[2].r, 0);
	assert_string_equal(conf_vars_value(&states[0], "PACKAGE_NAME", 0), "p_" K1);
	assert_string_equal(conf_vars_value(&states[0], "BUILT_MODULE_NAME", 0), "m");
	assert_null(conf_vars_value(&states[0], "BUILT_MODULE_NAME", 1));
	assert_string_equal(conf_vars_value(&states[0], "DEST_MODULE_NAME", 0), "d");
	assert_int_equal(conf_vars_count(&states[0], "DEST_MODULE_NAME"), 1);
	assert_string_equal(conf_vars_value(&states[1], "BUILT_MODULE_NAME", 1), "p_" K1 "_over");
	assert_int_equal(states[2].n, 0);
	assert_string_equal(conf_vars_value(&states[3], "PACKAGE_NAME", 0), "p_" K3);
	assert_string_equal(conf_vars_value(&states[3], "BUILT_MODULE_NAME", 0), "m");
	assert_string_equal(conf_vars_value(&states[4], "BUILT_MODULE_NAME", 1), "p_" K3 "_over");
	for (size_t i = 0; i < ARRAY_SIZE(states); i++)
		conf_vars_release(&states[i]);
}

static void assert_same_conf(const struct dkms_conf *a, const struct dkms_conf *b)
{
	assert_true(conf_vars_equal(&a->vars, &b->vars));
	assert_int_equal(a->native, b->native);
	assert_string_equal(a->make_command, b->make_command);
	assert_int_equal(a->n_modules, b->n_modules);
	for (size_t i = 0; i < a->n_modules; i++) {
		assert_string_equal(a->modules[i].dest_name, b->modules[i].dest_name);
		assert_int_equal(a->modules[i].excluded, b->modules[i].excluded);
	}
}

/* batch reads are dkms_conf_read: same result, same messages, each at its read */
static void check_batch_matches_read(const char *conf, bool native)
{
	static const char *const versions[] = { K1, K2, K3 };
	struct dkms_kernel kernels[ARRAY_SIZE(versions)];
	struct dkms_conf_batch batch;

	add("foo", "1.0", conf);
	put("etc/foo--" K2 ".conf", "BUILT_MODULE_NAME[1]=\"k2_$kernelver\"\n"
				    "DEST_MODULE_LOCATION[1]=/kernel\n");
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++)
		dkms_kernel_init(&kernels[i], &F.ctx, versions[i], A);
	dkms_conf_batch_eval(&batch, &F.ctx, "foo", "1.0", kernels, ARRAY_SIZE(kernels), NULL, 0);
	assert_string_equal(err_text(), "");
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		struct dkms_conf one, many;
		_cleanup_free_ char *err_one = NULL;
		int r_one, r_many;

		r_one = dkms_conf_read(&F.ctx, "foo", "1.0", &kernels[i], NULL, 0, &one);
		err_one = xstrdup(err_text());
		r_many = dkms_conf_batch_read(&batch, i, &many);
		assert_int_equal(r_many, r_one);
		assert_int_equal(many.native, native);
		assert_same_conf(&one, &many);
		/* the read printed the same again */
		assert_int_equal(strlen(err_text()), 2 * strlen(err_one));
		assert_string_equal(err_text() + strlen(err_one), err_one);
		capture_reopen(&F.ctx, &F.cap);
		dkms_conf_release(&one);
		dkms_conf_release(&many);
	}
	assert_string_equal(batch.kernels[1].version, K2);
	dkms_conf_batch_release(&batch);
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++)
		dkms_kernel_release(&kernels[i]);
}

static void test_batch_matches_read_bash(void **state)
{
	check_batch_matches_read("PACKAGE_NAME=foo\nPACKAGE_VERSION=1.0\n"
				 "BUILT_MODULE_NAME[0]=\"foo_$(echo $kernelver)\"\n"
				 "DEST_MODULE_LOCATION[0]=/updates\n"
				 "[[ $kernelver == *-42-* ]] && BUILT_MODULE_NAME[3]=bad.ko\n",
				 false);
}

static void test_batch_matches_read_plain(void **state)
{
	check_batch_matches_read("PACKAGE_NAME=foo\nPACKAGE_VERSION=1.0\n"
				 "BUILT_MODULE_NAME[0]=\"foo_$kernelver\"\n"
				 "DEST_MODULE_LOCATION[0]=/updates\n"
				 "BUILD_EXCLUSIVE_KERNEL=\"-4[01]-\"\n",
				 true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_added_broken),
		cmocka_unit_test(test_format_every_suffix),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test_setup_teardown(test_walk_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_every_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_bash_conf_per_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_conf_of_the_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_missing_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_invalid_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_reads_no_conf_unless_needed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bash_jobs_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_matches_read_bash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_matches_read_plain, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
