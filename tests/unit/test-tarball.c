// SPDX-License-Identifier: GPL-2.0-or-later
/* dkms tarballs: names, writing, checked extraction, inspection. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include "tarball.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "testlib.h"

#define K1 "6.1.0-56-amd64"
#define K2 "6.1.0-99-amd64"

struct fixture {
	char *dir;            /* temp dir of the test */
	struct dkms_ctx ctx;
	struct captured cap;  /* what ctx said, as dkms prints it */
};

static struct fixture F;

static void reopen_streams(void)
{
	capture_reopen(&F.ctx, &F.cap);
}

static const char *err_text(void)
{
	fflush(F.cap.output.err);
	return F.cap.err_text;
}

static const char *out_text(void)
{
	fflush(F.cap.output.out);
	return F.cap.out_text;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-tarball.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	F.dir = xstrdup(tmpl);
	dkms_ctx_init(&F.ctx);
	F.ctx.dkms_tree = xasprintf("%s/tree", F.dir);
	reopen_streams();
	return 0;
}

static int teardown(void **state)
{
	capture_close(&F.ctx, &F.cap);
	dkms_ctx_release(&F.ctx);
	rm_rf(F.dir);
	free(F.dir);
	return 0;
}

static char *P(const char *fmt, ...) _printf_(1, 2);
static char *P(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vpath_in(F.dir, fmt, ap);
	va_end(ap);
	return p;
}

static void put(const char *rel, const char *content, mode_t mode)
{
	_cleanup_free_ char *p = P("%s", rel);
	_cleanup_free_ char *d = xstrdup(p);

	*strrchr(d, '/') = '\0';
	assert_int_equal(mkdir_p(d, 0755), 0);
	assert_int_equal(write_file_str(p, content), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static char *slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(read_file(path, &sb), 0);
	return strbuf_detach(&sb);
}

/* A built tree for two kernels and a source tree, as dkms would have them. */
static void make_trees(void)
{
	_cleanup_free_ char *link = P("src/tinymod-1.0/link");

	put("tree/tinymod/1.0/" K1 "/x86_64/module/tinymod.ko", "ko-1", 0644);
	put("tree/tinymod/1.0/" K1 "/x86_64/module/Module.symvers", "symvers-1", 0644);
	put("tree/tinymod/1.0/" K1 "/x86_64/log/make.log", "log-1", 0644);
	put("tree/tinymod/1.0/" K2 "/x86_64/module/tinymod.ko.xz", "ko-2", 0644);
	put("tree/tinymod/1.0/" K2 "/x86_64/log/make.log", "log-2", 0644);
	put("src/tinymod-1.0/dkms.conf", "PACKAGE_NAME=tinymod\nPACKAGE_VERSION=1.0\n", 0644);
	put("src/tinymod-1.0/tinymod.c", "int x;\n", 0644);
	put("src/tinymod-1.0/Makefile", "obj-m := tinymod.o\n", 0644);
	put("src/tinymod-1.0/sub/dir/file", "deep\n", 0644);
	put("src/tinymod-1.0/script.sh", "#!/bin/sh\n", 0755);
	assert_int_equal(symlink("sub/dir/file", link), 0);
	_cleanup_free_ char *src = P("src/tinymod-1.0");
	_cleanup_free_ char *source = P("tree/tinymod/1.0/source");
	assert_int_equal(symlink(src, source), 0);
}

static struct dkms_tarball_kernel kernels[2];
static char *kdirs[2];

static struct dkms_tarball_spec make_spec(enum dkms_tarball_content content)
{
	static char *source, *conf;

	for (int i = 0; i < 2; i++) {
		free(kdirs[i]);
		kdirs[i] = P("tree/tinymod/1.0/%s/x86_64", i ? K2 : K1);
		kernels[i] = (struct dkms_tarball_kernel){ i ? K2 : K1, "x86_64", kdirs[i] };
	}
	free(source);
	free(conf);
	source = P("tree/tinymod/1.0/source");
	conf = P("tree/tinymod/1.0/source/dkms.conf");
	return (struct dkms_tarball_spec){
		.module = "tinymod", .version = "1.0", .content = content,
		.kernels = kernels, .n_kernels = 2, .source_dir = source, .conf = conf,
	};
}

/* "name" per entry, directories with "/", symlinks as "name -> target". */
static void list_archive(const char *path, struct strv *names, int *ret_filter)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (archive_entry_filetype(e) == AE_IFLNK)
			strv_pushf(names, "%s -> %s", archive_entry_pathname(e),
				   archive_entry_symlink(e));
		else
			strv_push(names, archive_entry_pathname(e));
	}
	if (ret_filter)
		*ret_filter = archive_filter_code(a, 0);
	assert_int_equal(archive_format(a) & ARCHIVE_FORMAT_BASE_MASK, ARCHIVE_FORMAT_TAR);
	archive_read_free(a);
}

static size_t count_entries(const char *dir)
{
	int n = dir_count_entries(dir);

	assert_true(n >= 0);
	return (size_t)n;
}

/* ------------------------------------------------------------------ names */

static void test_default_name(void **state)
{
	struct dkms_tarball_kernel k[] = { { K1, "x86_64", NULL }, { K2, "aarch64", NULL } };
	_cleanup_free_ char *one = dkms_tarball_default_name("m", "1.0", k, 1, false);
	_cleanup_free_ char *two = dkms_tarball_default_name("m", "1.0", k, 2, false);
	_cleanup_free_ char *so = dkms_tarball_default_name("m", "1.0", k, 2, true);

	assert_string_equal(one, "m-1.0-kernel" K1 "-x86_64.dkms.tar.gz");
	assert_string_equal(two, "m-1.0-kernel" K1 "-x86_64-kernel" K2 "-aarch64.dkms.tar.gz");
	assert_string_equal(so, "m-1.0-source-only.dkms.tar.gz");
}

/* `echo "$list" | wc -m` > 200: a list of 199 characters stays, 200 does not. */
static void test_default_name_manykernels(void **state)
{
	char kv[256];
	struct dkms_tarball_kernel k = { kv, "x", NULL };

	/* "kernel" + kv + "-x" = 8 + strlen(kv) characters */
	memset(kv, 'a', sizeof(kv));
	kv[191] = '\0';
	_cleanup_free_ char *n199 = dkms_tarball_default_name("m", "1", &k, 1, false);
	assert_string_not_equal(n199, "m-1-manykernels.dkms.tar.gz");
	assert_int_equal(strlen(n199), strlen("m-1-.dkms.tar.gz") + 199);
	kv[191] = 'a';
	kv[192] = '\0';
	_cleanup_free_ char *n200 = dkms_tarball_default_name("m", "1", &k, 1, false);
	assert_string_equal(n200, "m-1-manykernels.dkms.tar.gz");

	/* wc -m counts characters: 192 two-byte characters are 8 + 192 = 200 */
	struct strbuf u = STRBUF_INIT;
	for (int i = 0; i < 191; i++)
		strbuf_addstr(&u, "\xc3\xa9");
	k.kernel = u.buf;
	_cleanup_free_ char *u199 = dkms_tarball_default_name("m", "1", &k, 1, false);
	assert_string_not_equal(u199, "m-1-manykernels.dkms.tar.gz");
	strbuf_addstr(&u, "\xc3\xa9");
	k.kernel = u.buf;
	_cleanup_free_ char *u200 = dkms_tarball_default_name("m", "1", &k, 1, false);
	assert_string_equal(u200, "m-1-manykernels.dkms.tar.gz");
	strbuf_release(&u);

	/* many short kernels */
	struct dkms_tarball_kernel many[20];
	for (int i = 0; i < 20; i++)
		many[i] = (struct dkms_tarball_kernel){ K1, "x86_64", NULL };
	_cleanup_free_ char *m20 = dkms_tarball_default_name("m", "1", many, 20, false);
	assert_string_equal(m20, "m-1-manykernels.dkms.tar.gz");
}

static void test_location(void **state)
{
	_cleanup_free_ char *def = dkms_tarball_location(&F.ctx, "m", "1.0", "n.dkms.tar.gz", NULL);
	_cleanup_free_ char *dir = dkms_tarball_location(&F.ctx, "m", "1.0", "n", "/x/y/out.tar");
	_cleanup_free_ char *bare = dkms_tarball_location(&F.ctx, "m", "1.0", "n", "out.tar.xz");
	_cleanup_free_ char *want_def = P("tree/m/1.0/tarball//n.dkms.tar.gz");
	_cleanup_free_ char *want_bare = P("tree/m/1.0/tarball//out.tar.xz");

	assert_string_equal(def, want_def);
	assert_string_equal(dir, "/x/y/out.tar");
	assert_string_equal(bare, want_bare);
}

static void test_filter_for_name(void **state)
{
	static const struct {
		const char *name;
		int filter;
	} cases[] = {
		{ "a.tar.gz", ARCHIVE_FILTER_GZIP },  { "a.tgz", ARCHIVE_FILTER_GZIP },
		{ "a.taz", ARCHIVE_FILTER_GZIP },     { "a.tar.xz", ARCHIVE_FILTER_XZ },
		{ "a.txz", ARCHIVE_FILTER_XZ },       { "a.tar.zst", ARCHIVE_FILTER_ZSTD },
		{ "a.tzst", ARCHIVE_FILTER_ZSTD },    { "a.tar.bz2", ARCHIVE_FILTER_BZIP2 },
		{ "a.tbz2", ARCHIVE_FILTER_BZIP2 },   { "a.tbz", ARCHIVE_FILTER_BZIP2 },
		{ "a.tz2", ARCHIVE_FILTER_BZIP2 },    { "a.tar.lzma", ARCHIVE_FILTER_LZMA },
		{ "a.tlz", ARCHIVE_FILTER_LZMA },     { "a.tar.lz", ARCHIVE_FILTER_LZIP },
		{ "a.tar.lzo", ARCHIVE_FILTER_LZOP }, { "a.tar.Z", ARCHIVE_FILTER_COMPRESS },
		{ "a.tar", ARCHIVE_FILTER_NONE },     { "a.tar.GZ", ARCHIVE_FILTER_NONE },
		{ "a.tar.lz4", ARCHIVE_FILTER_NONE }, { "a", ARCHIVE_FILTER_NONE },
		{ "x.gz/a", ARCHIVE_FILTER_NONE },    { "gz", ARCHIVE_FILTER_NONE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (dkms_tarball_filter_for_name(cases[i].name) != cases[i].filter)
			fail_msg("%s", cases[i].name);
	}
}

/* ----------------------------------------------------------------- create */

static const char *const expect_main[] = {
	"./",
	"./dkms_main_tree/",
	"./dkms_main_tree/" K1 "/",
	"./dkms_main_tree/" K1 "/x86_64/",
	"./dkms_main_tree/" K1 "/x86_64/log/",
	"./dkms_main_tree/" K1 "/x86_64/log/make.log",
	"./dkms_main_tree/" K1 "/x86_64/module/",
	"./dkms_main_tree/" K1 "/x86_64/module/Module.symvers",
	"./dkms_main_tree/" K1 "/x86_64/module/tinymod.ko",
	"./dkms_main_tree/" K2 "/",
	"./dkms_main_tree/" K2 "/x86_64/",
	"./dkms_main_tree/" K2 "/x86_64/log/",
	"./dkms_main_tree/" K2 "/x86_64/log/make.log",
	"./dkms_main_tree/" K2 "/x86_64/module/",
	"./dkms_main_tree/" K2 "/x86_64/module/tinymod.ko.xz",
};

static const char *const expect_source[] = {
	"./dkms_source_tree/",
	"./dkms_source_tree/Makefile",
	"./dkms_source_tree/dkms.conf",
	"./dkms_source_tree/link -> sub/dir/file",
	"./dkms_source_tree/script.sh",
	"./dkms_source_tree/sub/",
	"./dkms_source_tree/sub/dir/",
	"./dkms_source_tree/sub/dir/file",
	"./dkms_source_tree/tinymod.c",
};

static void assert_entries(const struct strv *got, const char *const *a, size_t na,
			   const char *const *b, size_t nb)
{
	_cleanup_strv_ struct strv want = STRV_INIT;

	for (size_t i = 0; i < na; i++)
		strv_push(&want, a[i]);
	for (size_t i = 0; i < nb; i++)
		strv_push(&want, b[i]);
	_cleanup_free_ char *g = strv_join(got, "\n"), *w = strv_join(&want, "\n");
	assert_string_equal(g, w);
}

static void test_create_source(void **state)
{
	struct dkms_tarball_spec spec;
	_cleanup_strv_ struct strv names = STRV_INIT;
	_cleanup_free_ char *out = P("out/t.tar.gz");
	_cleanup_free_ char *outdir = P("out");
	_cleanup_free_ char *want = NULL;
	struct stat st;
	int filter;

	make_trees();
	spec = make_spec(DKMS_TARBALL_SOURCE);
	assert_int_equal(dkms_tarball_create(&F.ctx, &spec, out), 0);
	want = xasprintf("Marking modules for " K1 " (x86_64) for archiving...\n"
			 "Marking modules for " K2 " (x86_64) for archiving...\n"
			 "\n"
			 "Marking %s for archiving...\n"
			 "\n"
			 "Tarball location: %s\n",
			 spec.source_dir, out);
	assert_string_equal(out_text(), want);
	assert_int_equal(count_entries(outdir), 1); /* no temp file left */
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644 & ~(mode_t)022);

	list_archive(out, &names, &filter);
	assert_int_equal(filter, ARCHIVE_FILTER_GZIP);
	assert_entries(&names, expect_main, ARRAY_SIZE(expect_main), expect_source,
		       ARRAY_SIZE(expect_source));
}

static void test_create_binaries_only(void **state)
{
	struct dkms_tarball_spec spec;
	_cleanup_strv_ struct strv names = STRV_INIT;
	_cleanup_free_ char *out = P("b.tar");
	_cleanup_free_ char *dest = P("x");
	_cleanup_free_ char *pn = P("x/dkms_binaries_only/PACKAGE_NAME");
	_cleanup_free_ char *pv = P("x/dkms_binaries_only/PACKAGE_VERSION");
	static const char *const bin[] = {
		"./",
		"./dkms_binaries_only/",
		"./dkms_binaries_only/dkms.conf",
		"./dkms_binaries_only/PACKAGE_NAME",
		"./dkms_binaries_only/PACKAGE_VERSION",
	};
	int filter;

	make_trees();
	spec = make_spec(DKMS_TARBALL_BINARIES_ONLY);
	spec.conf = NULL; /* dkms: <source_dir>/dkms.conf */
	assert_int_equal(dkms_tarball_create(&F.ctx, &spec, out), 0);
	assert_non_null(strstr(out_text(),
			       "\nCreating tarball structure to specifically accommodate binaries.\n"));
	list_archive(out, &names, &filter);
	assert_int_equal(filter, ARCHIVE_FILTER_NONE);
	assert_entries(&names, bin, ARRAY_SIZE(bin), expect_main + 1, ARRAY_SIZE(expect_main) - 1);

	assert_int_equal(dkms_tarball_extract(&F.ctx, out, dest), 0);
	_cleanup_free_ char *n = slurp(pn), *v = slurp(pv);
	assert_string_equal(n, "tinymod\n");
	assert_string_equal(v, "1.0\n");

	struct dkms_tarball_info info;
	assert_int_equal(dkms_tarball_inspect(&F.ctx, dest, &info), 0);
	assert_true(info.has_main_tree);
	assert_null(info.source_tree_conf);
	assert_non_null(info.binaries_only_conf);
	assert_int_equal(info.kernel_dirs.n, 2);
	dkms_tarball_info_release(&info);
}

static void test_create_source_only(void **state)
{
	struct dkms_tarball_spec spec;
	_cleanup_strv_ struct strv names = STRV_INIT;
	_cleanup_free_ char *out = P("s.tar.zst");
	static const char *const top[] = { "./", "./dkms_main_tree/" };
	int filter;

	make_trees();
	spec = make_spec(DKMS_TARBALL_SOURCE_ONLY);
	spec.kernels = NULL;
	spec.n_kernels = 0;
	assert_int_equal(dkms_tarball_create(&F.ctx, &spec, out), 0);
	assert_null(strstr(out_text(), "Marking modules"));
	list_archive(out, &names, &filter);
	assert_int_equal(filter, ARCHIVE_FILTER_ZSTD);
	assert_entries(&names, top, ARRAY_SIZE(top), expect_source, ARRAY_SIZE(expect_source));
}

static void test_create_suffixes(void **state)
{
	static const struct {
		const char *name;
		int filter;
	} cases[] = {
		{ "a.tar.gz", ARCHIVE_FILTER_GZIP }, { "a.tgz", ARCHIVE_FILTER_GZIP },
		{ "a.tar.xz", ARCHIVE_FILTER_XZ },   { "a.tar.zst", ARCHIVE_FILTER_ZSTD },
		{ "a.tar.bz2", ARCHIVE_FILTER_BZIP2 }, { "a.tar", ARCHIVE_FILTER_NONE },
		{ "a.tar.lzma", ARCHIVE_FILTER_LZMA },
	};

	make_trees();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct dkms_tarball_spec spec = make_spec(DKMS_TARBALL_SOURCE);
		_cleanup_strv_ struct strv names = STRV_INIT;
		_cleanup_free_ char *out = P("out/%s", cases[i].name);
		int filter = -1;

		assert_int_equal(dkms_tarball_create(&F.ctx, &spec, out), 0);
		list_archive(out, &names, &filter);
		if (filter != cases[i].filter)
			fail_msg("%s: filter %d", cases[i].name, filter);
		assert_int_equal(names.n, ARRAY_SIZE(expect_main) + ARRAY_SIZE(expect_source));
	}
}

static void test_create_not_built(void **state)
{
	struct dkms_tarball_spec spec;
	_cleanup_free_ char *out = P("out/t.tar.gz");
	_cleanup_free_ char *outdir = P("out");

	make_trees();
	spec = make_spec(DKMS_TARBALL_SOURCE);
	kernels[1].built_dir = "/nonexistent";
	assert_int_equal(dkms_tarball_create(&F.ctx, &spec, out), -ENOENT);
	assert_string_equal(err_text(), "\nError! No modules built for " K2 " (x86_64).\n"
					"Modules must already be in the built state before using mktarball.\n");
	assert_false(path_exists(outdir));
}

static void test_create_no_write(void **state)
{
	struct dkms_tarball_spec spec;
	_cleanup_free_ char *out = P("file/sub/t.tar.gz");
	_cleanup_free_ char *want = P("file/sub");

	make_trees();
	put("file", "", 0644);
	spec = make_spec(DKMS_TARBALL_SOURCE);
	assert_int_equal(dkms_tarball_create(&F.ctx, &spec, out), -EACCES);
	_cleanup_free_ char *msg = xasprintf("\nError! Missing write permissions for %s.\n", want);
	assert_string_equal(err_text(), msg);
}

/* A failure while writing leaves nothing: an unreadable file in the source. */
static void test_create_failure_leaves_nothing(void **state)
{
	struct dkms_tarball_spec spec;
	_cleanup_free_ char *out = P("out/t.tar.gz");
	_cleanup_free_ char *outdir = P("out");

	make_trees();
	assert_int_equal(mkdir_p(outdir, 0755), 0);
	spec = make_spec(DKMS_TARBALL_SOURCE);
	spec.source_dir = "/nonexistent/source";
	assert_true(dkms_tarball_create(&F.ctx, &spec, out) < 0);
	assert_non_null(strstr(err_text(), "Error! Failed to make tarball.\n"));
	assert_int_equal(count_entries(outdir), 0);
}

/* A fifo in the source is left out with a warning; long names survive (pax). */
static void test_create_special_and_long(void **state)
{
	struct dkms_tarball_spec spec;
	_cleanup_strv_ struct strv names = STRV_INIT;
	_cleanup_free_ char *out = P("t.tar");
	_cleanup_free_ char *fifo = P("src/tinymod-1.0/fifo");
	_cleanup_free_ char *dest = P("x");
	char longname[201];

	make_trees();
	memset(longname, 'n', 200);
	longname[200] = '\0';
	_cleanup_free_ char *rel = xasprintf("src/tinymod-1.0/%s/%s", longname, longname);
	put(rel, "long\n", 0644);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	spec = make_spec(DKMS_TARBALL_SOURCE);
	assert_int_equal(dkms_tarball_create(&F.ctx, &spec, out), 0);
	_cleanup_free_ char *warn = xasprintf("Warning: %s/fifo is not a regular file, directory or "
					      "symlink; not archiving it.\n", spec.source_dir);
	assert_string_equal(err_text(), warn);
	list_archive(out, &names, NULL);
	_cleanup_free_ char *want = xasprintf("./dkms_source_tree/%s/%s", longname, longname);
	assert_true(strv_contains(&names, want));
	assert_false(strv_contains(&names, "./dkms_source_tree/fifo"));
	assert_int_equal(dkms_tarball_extract(&F.ctx, out, dest), 0);
	_cleanup_free_ char *got = P("x/dkms_source_tree/%s/%s", longname, longname);
	_cleanup_free_ char *content = slurp(got);
	assert_string_equal(content, "long\n");
}

/* ---------------------------------------------------------------- extract */

static void test_round_trip(void **state)
{
	struct dkms_tarball_spec spec;
	struct dkms_tarball_info info;
	_cleanup_free_ char *out = P("t.tar.xz");
	_cleanup_free_ char *dest = P("x/y");
	_cleanup_free_ char *ko = P("x/y/dkms_main_tree/" K1 "/x86_64/module/tinymod.ko");
	_cleanup_free_ char *deep = P("x/y/dkms_source_tree/sub/dir/file");
	_cleanup_free_ char *link = P("x/y/dkms_source_tree/link");
	_cleanup_free_ char *script = P("x/y/dkms_source_tree/script.sh");
	_cleanup_free_ char *xdir = P("x");
	struct stat st;

	make_trees();
	spec = make_spec(DKMS_TARBALL_SOURCE);
	assert_int_equal(dkms_tarball_create(&F.ctx, &spec, out), 0);
	assert_int_equal(mkdir(xdir, 0755), 0);
	assert_int_equal(dkms_tarball_extract(&F.ctx, out, dest), 0);
	assert_int_equal(count_entries(xdir), 1);

	_cleanup_free_ char *k = slurp(ko), *d = slurp(deep), *l = read_link(link);
	assert_string_equal(k, "ko-1");
	assert_string_equal(d, "deep\n");
	assert_string_equal(l, "sub/dir/file");
	assert_int_equal(stat(script, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);

	assert_int_equal(dkms_tarball_inspect(&F.ctx, dest, &info), 0);
	assert_true(info.has_main_tree);
	_cleanup_free_ char *conf = P("x/y/dkms_source_tree/dkms.conf");
	assert_string_equal(info.source_tree_conf, conf);
	assert_null(info.binaries_only_conf);
	assert_null(info.plain_conf);
	assert_int_equal(info.kernel_dirs.n, 2);
	assert_string_equal(info.kernel_dirs.v[0], K1 "/x86_64");
	assert_string_equal(info.kernel_dirs.v[1], K2 "/x86_64");
	dkms_tarball_info_release(&info);

	/* into an existing empty directory, and not into a non-empty one */
	_cleanup_free_ char *empty = P("empty");
	assert_int_equal(mkdir(empty, 0700), 0);
	assert_int_equal(dkms_tarball_extract(&F.ctx, out, empty), 0);
	assert_int_equal(dkms_tarball_extract(&F.ctx, out, empty), -EEXIST);
	assert_int_equal(count_entries(F.dir), 5); /* src tree t.tar.xz x empty, nothing else */
}

static void test_extract_missing(void **state)
{
	_cleanup_free_ char *out = P("missing.tar.gz");
	_cleanup_free_ char *dest = P("x");
	_cleanup_free_ char *want = xasprintf("\nError! %s does not exist.\n", out);

	assert_int_equal(dkms_tarball_extract(&F.ctx, out, dest), -ENOENT);
	assert_string_equal(err_text(), want);
}

static void test_extract_not_an_archive(void **state)
{
	_cleanup_free_ char *out = P("junk.tar.gz");
	_cleanup_free_ char *dest = P("x");

	put("junk.tar.gz", "this is not an archive, not at all, but it is long enough", 0644);
	assert_int_equal(dkms_tarball_extract(&F.ctx, out, dest), -EINVAL);
	assert_non_null(strstr(err_text(), "Unable to read"));
	assert_int_equal(count_entries(F.dir), 1);
}

/* Entries of a hand-made archive. type: 'f' file, 'd' dir, 'l' symlink, 'h' hardlink,
 * 'c' char device, 'b' block device, 'p' fifo */
struct ent {
	char type;
	const char *name;
	const char *target;
};

static void write_archive(const char *path, int format, const struct ent *ents, size_t n)
{
	struct archive *a = archive_write_new();

	assert_int_equal(archive_write_set_format(a, format), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		static const char data[] = "data\n";

		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1000000000, 0);
		archive_entry_set_size(e, 0);
		switch (ents[i].type) {
		case 'f':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, sizeof(data) - 1);
			break;
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, ents[i].target);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, ents[i].target);
			break;
		case 'c':
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_rdev(e, makedev(1, 3));
			break;
		case 'b':
			archive_entry_set_filetype(e, AE_IFBLK);
			archive_entry_set_rdev(e, makedev(8, 0));
			break;
		case 'p':
			archive_entry_set_filetype(e, AE_IFIFO);
			break;
		}
		if (archive_write_header(a, e) != ARCHIVE_OK)
			fail_msg("%s: %s", ents[i].name, archive_error_string(a));
		if (ents[i].type == 'f')
			assert_int_equal(archive_write_data(a, data, sizeof(data) - 1),
					 sizeof(data) - 1);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Extracting is refused with one line naming `entry`; nothing is written. */
static void expect_refused(const char *archive, const char *entry, const char *why)
{
	_cleanup_free_ char *dest = P("dest");
	size_t before = count_entries(F.dir);

	reopen_streams();
	if (dkms_tarball_extract(&F.ctx, archive, dest) != -EINVAL)
		fail_msg("%s: extraction not refused", entry);
	assert_false(path_exists(dest));
	assert_int_equal(count_entries(F.dir), before);
	_cleanup_free_ char *want = xasprintf("\nError! Refusing to extract %s: entry '%s' %s.\n",
					      archive, entry, why);
	assert_string_equal(err_text(), want);
}

static void test_hostile(void **state)
{
	static const struct {
		int format;
		struct ent ents[4];
		size_t n;
		const char *entry, *why;
	} cases[] = {
		{ ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, { { 'f', "/etc/evil", NULL } }, 1,
		  "/etc/evil", "has an absolute path" },
		{ ARCHIVE_FORMAT_TAR_GNUTAR, { { 'f', "../evil", NULL } }, 1,
		  "../evil", "has a '..' component" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'd', "dir/", NULL }, { 'f', "dir/../../evil", NULL } }, 2,
		  "dir/../../evil", "has a '..' component" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'f', "./a/./../x", NULL } }, 1,
		  "./a/./../x", "has a '..' component" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'd', "a/", NULL }, { 'l', "a/l", "../../etc" } }, 2,
		  "a/l", "is a symlink pointing outside the archive ('../../etc')" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'l', "l", "/etc/passwd" } }, 1,
		  "l", "is a symlink to an absolute path ('/etc/passwd')" },
		/* each link alone stays inside; together they leave: m = (.)/.. */
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'l', "l", "." }, { 'l', "m", "l/.." } }, 2,
		  "m", "is a symlink pointing outside the archive ('l/..')" },
		{ ARCHIVE_FORMAT_TAR_USTAR,
		  { { 'd', "d/", NULL }, { 'l', "d/up", ".." }, { 'l', "e", "d/up/d/up/.." } }, 3,
		  "e", "is a symlink pointing outside the archive ('d/up/d/up/..')" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'l', "a", "b" }, { 'l', "b", "a" } }, 2,
		  "a", "is a symlink that loops or is too deep ('b')" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'h', "h", "../etc/passwd" } }, 1,
		  "h", "is a hardlink to a path with a '..' component ('../etc/passwd')" },
		{ ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, { { 'h', "h", "/etc/passwd" } }, 1,
		  "h", "is a hardlink to an absolute path ('/etc/passwd')" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'h', "h", "nothere" } }, 1, "h",
		  "is a hardlink to 'nothere', which is not an earlier regular file of the archive" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'l', "l", "x" }, { 'h', "h", "l" } }, 2, "h",
		  "is a hardlink to 'l', which is not an earlier regular file of the archive" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'c', "null", NULL } }, 1, "null", "is a device node" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'b', "sda", NULL } }, 1, "sda", "is a device node" },
		{ ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, { { 'c', "dev/console", NULL } }, 1,
		  "dev/console", "is a device node" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'p', "fifo", NULL } }, 1, "fifo", "is a fifo" },
		/* writing through a link that itself stays inside */
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'd', "sub/", NULL }, { 'l', "l", "sub" }, { 'f', "l/x", NULL } }, 3,
		  "l/x", "lies beneath symlink 'l'" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'd', "a/", NULL }, { 'f', "a/x", NULL }, { 'l', "a", "." } }, 3,
		  "a", "appears twice with different types" },
		{ ARCHIVE_FORMAT_TAR_USTAR, { { 'f', "f", NULL }, { 'f', "f/x", NULL } }, 2,
		  "f/x", "lies beneath non-directory 'f'" },
	};
	_cleanup_free_ char *archive = P("hostile.tar");

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unlink(archive);
		write_archive(archive, cases[i].format, cases[i].ents, cases[i].n);
		expect_refused(archive, cases[i].entry, cases[i].why);
	}
}

/* Links that stay inside, "./" with odd modes, duplicates: all extracted. */
static void test_benign_links(void **state)
{
	static const struct ent ents[] = {
		{ 'd', "./", NULL },
		{ 'd', "./pkg/", NULL },
		{ 'd', "pkg/sub/", NULL },
		{ 'f', "./pkg/sub/file", NULL },
		{ 'l', "pkg/up", "../pkg/sub/file" },
		{ 'l', "pkg/dot", "." },
		{ 'l', "pkg/via", "dot/sub/../sub/file" },
		{ 'h', "pkg/hard", "pkg/sub/file" },
		{ 'd', "pkg//sub", NULL },
		{ 'f', "pkg/sub/file", NULL },
	};
	_cleanup_free_ char *archive = P("ok.tar");
	_cleanup_free_ char *dest = P("dest");
	_cleanup_free_ char *hard = P("dest/pkg/hard");
	_cleanup_free_ char *via = P("dest/pkg/via");

	write_archive(archive, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ents, ARRAY_SIZE(ents));
	assert_int_equal(dkms_tarball_extract(&F.ctx, archive, dest), 0);
	_cleanup_free_ char *h = slurp(hard), *v = slurp(via);
	assert_string_equal(h, "data\n");
	assert_string_equal(v, "data\n");

	/* the archive's times on files, links and directories (filled after theirs was set) */
	static const char *const timed[] = { "dest/pkg/sub/file", "dest/pkg/up", "dest/pkg/sub",
					     "dest/pkg" };
	for (size_t i = 0; i < ARRAY_SIZE(timed); i++) {
		_cleanup_free_ char *path = P("%s", timed[i]);
		struct stat st;

		assert_int_equal(lstat(path, &st), 0);
		if (st.st_mtime != 1000000000)
			fail_msg("%s: mtime %lld, want 1000000000", timed[i], (long long)st.st_mtime);
	}
}

/* Hand-made pax header: a file said to be 9 GiB, and no data behind it. */
static void test_too_big(void **state)
{
	unsigned char blocks[3 * 512] = { 0 };
	static const char rec[] = "19 size=9663676416\n";
	_cleanup_free_ char *archive = P("big.tar");
	_cleanup_close_ int fd = -1;

	for (int b = 0; b < 2; b++) {
		unsigned char *h = blocks + (b ? 1024 : 0);
		unsigned sum = 0;

		strcpy((char *)h, b ? "big" : "PaxHeader/big");
		memcpy(h + 100, "0000644", 8);
		memcpy(h + 108, "0000000", 8);
		memcpy(h + 116, "0000000", 8);
		snprintf((char *)h + 124, 12, "%011o", b ? 0 : (unsigned)strlen(rec));
		memcpy(h + 136, "00000000000", 12);
		h[156] = b ? '0' : 'x';
		memcpy(h + 257, "ustar", 6);
		memcpy(h + 263, "00", 2);
		memset(h + 148, ' ', 8);
		for (int i = 0; i < 512; i++)
			sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", sum);
	}
	memcpy(blocks + 512, rec, strlen(rec));
	fd = open(archive, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, blocks, sizeof(blocks)), sizeof(blocks));
	expect_refused(archive, "big", "(9663676416 bytes) makes the archive larger than 8 GiB");
}

/* ---------------------------------------------------------------- inspect */

static void test_inspect_plain(void **state)
{
	struct dkms_tarball_info info;
	_cleanup_free_ char *root = P("r");
	_cleanup_free_ char *want_conf = P("r/a/x/dkms.conf");
	_cleanup_free_ char *want_dir = P("r/a/x");

	put("r/b/dkms.conf", "PACKAGE_NAME=b\n", 0644);
	put("r/a/x/dkms.conf", "PACKAGE_NAME=a\n", 0644);
	put("r/a/x/y/dkms.conf", "PACKAGE_NAME=deeper\n", 0644);
	put("r/a/0/dkms.conf/not-a-file", "", 0644); /* a directory named dkms.conf */
	assert_int_equal(dkms_tarball_inspect(&F.ctx, root, &info), 0);
	assert_false(info.has_main_tree);
	assert_string_equal(info.plain_conf, want_conf);
	assert_string_equal(info.plain_source_dir, want_dir);
	assert_int_equal(info.kernel_dirs.n, 0);
	dkms_tarball_info_release(&info);

	put("r/dkms.conf", "PACKAGE_NAME=top\n", 0644);
	assert_int_equal(dkms_tarball_inspect(&F.ctx, root, &info), 0);
	assert_string_equal(info.plain_source_dir, root);
	dkms_tarball_info_release(&info);
}

static void test_inspect_no_conf(void **state)
{
	struct dkms_tarball_info info;
	_cleanup_free_ char *root = P("r");

	put("r/pkg/Makefile", "", 0644);
	assert_int_equal(dkms_tarball_inspect(&F.ctx, root, &info), 0);
	assert_false(info.has_main_tree);
	assert_null(info.plain_conf);
	assert_null(info.plain_source_dir);
	assert_string_equal(err_text(), "");
	dkms_tarball_info_release(&info);

	_cleanup_free_ char *missing = P("missing");
	assert_int_equal(dkms_tarball_inspect(&F.ctx, missing, &info), -ENOTDIR);
}

static void test_inspect_main_tree(void **state)
{
	struct dkms_tarball_info info;
	_cleanup_free_ char *root = P("r");
	_cleanup_free_ char *link = P("r/dkms_main_tree/k2/a-link");

	put("r/dkms_main_tree/k2/x86_64/module/m.ko", "", 0644);
	put("r/dkms_main_tree/k1/aarch64/log/make.log", "", 0644);
	put("r/dkms_main_tree/k1/.hidden/x", "", 0644);
	put("r/dkms_main_tree/k1/file", "", 0644);
	put("r/dkms_main_tree/.k0/x86_64/x", "", 0644);
	put("r/dkms_binaries_only/dkms.conf", "", 0644);
	assert_int_equal(symlink("x86_64", link), 0);
	assert_int_equal(dkms_tarball_inspect(&F.ctx, root, &info), 0);
	assert_true(info.has_main_tree);
	assert_null(info.source_tree_conf);
	assert_non_null(info.binaries_only_conf);
	assert_null(info.plain_conf);
	_cleanup_free_ char *dirs = strv_join(&info.kernel_dirs, " ");
	assert_string_equal(dirs, "k1/aarch64 k2/x86_64");
	dkms_tarball_info_release(&info);
}

/* ------------------------------------------------------------ tool mode */

/*
 * `test-tarball tool ...` drives the API from tests/integration/tarball-interop.sh
 * until cmd/ has mktarball/ldtarball:
 *   tool create OUT MODULE VERSION source|binaries|source-only SOURCE_DIR CONF [K ARCH DIR]...
 *   tool extract ARCHIVE DEST
 *   tool inspect ROOT
 *   tool name MODULE VERSION [--source-only] [K ARCH]...
 */
static int tool_main(int argc, char **argv)
{
	struct dkms_ctx ctx;
	/* the program's own writer: the tool prints what dkms would */
	struct cmd_output output = { .out = stdout, .err = stderr };
	int r = -EINVAL;

	dkms_ctx_init(&ctx);
	dkms_set_log_fn(&ctx, cmd_output_write, &output);
	if (argc >= 7 && streq(argv[0], "create") && (argc - 7) % 3 == 0) {
		size_t n = (size_t)(argc - 7) / 3;
		struct dkms_tarball_kernel *k = xcalloc(n ?: 1, sizeof(*k));
		struct dkms_tarball_spec spec = {
			.module = argv[2], .version = argv[3], .source_dir = argv[5],
			.conf = argv[6], .kernels = k, .n_kernels = n,
			.content = streq(argv[4], "binaries")    ? DKMS_TARBALL_BINARIES_ONLY :
				   streq(argv[4], "source-only") ? DKMS_TARBALL_SOURCE_ONLY :
								   DKMS_TARBALL_SOURCE,
		};

		for (size_t i = 0; i < n; i++)
			k[i] = (struct dkms_tarball_kernel){ argv[7 + 3 * i], argv[8 + 3 * i],
							     argv[9 + 3 * i] };
		r = dkms_tarball_create(&ctx, &spec, argv[1]);
		free(k);
	} else if (argc == 3 && streq(argv[0], "extract")) {
		r = dkms_tarball_extract(&ctx, argv[1], argv[2]);
	} else if (argc == 2 && streq(argv[0], "inspect")) {
		struct dkms_tarball_info info;

		r = dkms_tarball_inspect(&ctx, argv[1], &info);
		if (!r) {
			printf("main_tree %s\n", info.has_main_tree ? "yes" : "no");
			printf("source_tree_conf %s\n", info.source_tree_conf ?: "-");
			printf("binaries_only_conf %s\n", info.binaries_only_conf ?: "-");
			printf("plain_conf %s\n", info.plain_conf ?: "-");
			for (size_t i = 0; i < info.kernel_dirs.n; i++)
				printf("kernel %s\n", info.kernel_dirs.v[i]);
			dkms_tarball_info_release(&info);
		}
	} else if (argc >= 3 && streq(argv[0], "name")) {
		bool so = argc > 3 && streq(argv[3], "--source-only");
		int first = so ? 4 : 3;
		size_t n = (size_t)(argc - first) / 2;
		struct dkms_tarball_kernel *k = xcalloc(n ?: 1, sizeof(*k));

		for (size_t i = 0; i < n; i++)
			k[i] = (struct dkms_tarball_kernel){ argv[first + 2 * i],
							     argv[first + 2 * i + 1], NULL };
		char *name = dkms_tarball_default_name(argv[1], argv[2], k, n, so);
		printf("%s\n", name);
		free(name);
		free(k);
		r = 0;
	} else {
		fprintf(stderr, "usage: see tests/unit/test-tarball.c\n");
		return 2;
	}
	dkms_ctx_release(&ctx);
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_name_manykernels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_location, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_for_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_binaries_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_source_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_suffixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_not_built, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_no_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_failure_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_special_and_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract_not_an_archive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_benign_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_no_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_main_tree, setup, teardown),
	};

	if (argc > 1 && streq(argv[1], "tool"))
		return tool_main(argc - 2, argv + 2);
	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
