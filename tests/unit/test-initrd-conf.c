// SPDX-License-Identifier: GPL-2.0-or-later
/* initrd generator templates (generator.h) and the generator configuration files (modules-conf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "initrd/generator.h"
#include "initrd/modules-conf.h"
#include "initrd/remake.h"
#include "testlib.h"
#include "util/fileio.h"

static const struct initrd_generator_vars vars = {
	.image = "/boot/.dkms-initrd.x/initrd.img-6.1.0-56-amd64",
	.kernel = "6.1.0-56-amd64",
	.bootdir = "/boot",
	.moduledir = "/lib/modules/6.1.0-56-amd64",
	.sysconfdir = "/etc",
};

static char *joined(const char *template)
{
	struct strv argv = STRV_INIT;
	char *s;

	assert_int_equal(initrd_generator_expand(template, &vars, &argv, NULL), 0);
	s = strv_join(&argv, "|");
	strv_release(&argv);
	return s;
}

static void expect_bad(const char *template, const char *culprit)
{
	struct strv argv = STRV_INIT;
	char *bad = NULL;

	assert_int_equal(initrd_generator_expand(template, &vars, &argv, &bad), -EINVAL);
	assert_string_equal(bad, culprit);
	assert_int_equal(argv.n, 0);
	free(bad);
}

static void test_expand(void **state)
{
	char *s;

	s = joined(initrd_generator_default_template(INITRD_GENERATOR_INITRAMFS_TOOLS));
	assert_string_equal(s, "mkinitramfs|-d|/etc/initramfs-tools|-o|/boot/.dkms-initrd.x/initrd.img-6.1.0-56-amd64|6.1.0-56-amd64");
	free(s);
	/* quotes group words, braces expand inside a word, {{ }} are literal */
	s = joined("  sh -c 'echo \"$1\" {kernel} \\' x{kernel}y \"a b\" {{not}} \\{ ");
	assert_string_equal(s, "sh|-c|echo \"$1\" 6.1.0-56-amd64 \\|x6.1.0-56-amd64y|a b|{not}|{");
	free(s);
	s = joined("gen --out={image}");
	assert_string_equal(s, "gen|--out=/boot/.dkms-initrd.x/initrd.img-6.1.0-56-amd64");
	free(s);
	s = joined("gen \"{bootdir}/x {moduledir}\" ''");
	assert_string_equal(s, "gen|/boot/x /lib/modules/6.1.0-56-amd64|");
	free(s);
	expect_bad("gen {kernal}", "{kernal}");
	expect_bad("gen {image", "{image");
	expect_bad("gen }", "}");
	expect_bad("gen 'open", "unbalanced '");
	expect_bad("   ", "empty command");
}

static void test_pick(void **state)
{
	struct initrd_generator g = { INITRD_GENERATOR_CUSTOM, NULL, NULL };

	assert_int_equal(initrd_generator_pick("  /usr/local/bin/my-gen -o {image}", -1, "/etc", &g), 0);
	assert_int_equal(g.kind, INITRD_GENERATOR_CUSTOM);
	assert_string_equal(g.name, "my-gen");
	assert_string_equal(g.template, "  /usr/local/bin/my-gen -o {image}");
	initrd_generator_release(&g);
}

static void test_pick_dracut(void **state)
{
	char root[] = "/tmp/dkms-unit-gen.XXXXXX";
	struct initrd_generator g = { INITRD_GENERATOR_CUSTOM, NULL, NULL };
	char *conf;

	assert_non_null(mkdtemp(root));
	/* made by dracut: dracut, when it is installed here */
	if (initrd_generator_pick(NULL, INITRD_GENERATOR_DRACUT, root, &g) == 0 && g.kind == INITRD_GENERATOR_DRACUT) {
		assert_string_equal(g.name, "dracut");
		assert_string_equal(g.template, "dracut --force --quiet --kmoddir {moduledir} {image} {kernel}");
		initrd_generator_release(&g);
		conf = xasprintf("%s/dracut.conf", root);
		assert_int_equal(write_file_str(conf, ""), 0);
		free(conf);
		assert_int_equal(initrd_generator_pick(NULL, INITRD_GENERATOR_DRACUT, root, &g), 0);
		assert_string_equal(g.template, "dracut --force --quiet --conf {sysconfdir}/dracut.conf "
						"--kmoddir {moduledir} {image} {kernel}");
	}
	initrd_generator_release(&g);
	rm_rf(root);
}

static void test_mode_names(void **state)
{
	enum initrd_mode m;

	assert_int_equal(initrd_mode_from_name("fragment", &m), 0);
	assert_int_equal(m, INITRD_MODE_FRAGMENT);
	assert_string_equal(initrd_mode_name(INITRD_MODE_REGENERATE), "regenerate");
	assert_int_equal(initrd_mode_from_name("none", &m), 0);
	assert_int_equal(m, INITRD_MODE_NONE);
	assert_int_equal(initrd_mode_from_name("Fragment", &m), -EINVAL);
	assert_int_equal(initrd_mode_from_name(NULL, &m), -EINVAL);
}

static char *read_all(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (read_file(path, &sb) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

static void test_modules_file_round_trip(void **state)
{
	char root[] = "/tmp/dkms-unit-mc.XXXXXX";
	struct dkms_ctx ctx;
	struct captured cap = { 0 };
	struct modules_conf a = MODULES_CONF_INIT, b = MODULES_CONF_INIT;
	struct modules_conf_saved saved = MODULES_CONF_SAVED_INIT;
	char *modules, *dir, *text;
	/* no final newline: dkms must add one and take it away again */
	static const char original[] = "# modules\nraid1";

	assert_non_null(mkdtemp(root));
	dkms_ctx_init(&ctx);
	capture_reopen(&ctx, &cap);
	dir = xasprintf("%s/initramfs-tools", root);
	mkdir(dir, 0755);
	modules = xasprintf("%s/modules", dir);
	assert_int_equal(write_file_atomic(modules, original, strlen(original), 0600), 0);

	a.package = "pkg_a";
	a.version = "1.0";
	strv_push(&a.kernels, "6.1.0-56-amd64");
	strv_push(&a.force, "mod_a");
	b.package = "pkg_b";
	b.version = "2.0";
	strv_push(&b.kernels, "6.1.0-56-amd64");
	strv_push(&b.force, "mod_b1");
	strv_push(&b.force, "mod_b2");

	assert_int_equal(modules_conf_apply(&ctx, root, &a, &saved), 0);
	assert_int_equal(modules_conf_apply(&ctx, root, &b, NULL), 0);
	text = read_all(modules);
	assert_string_equal(text,
			    "# modules\nraid1\n"
			    "# BEGIN dkms pkg_a (newline added)\n"
			    "# added by dkms for pkg_a/1.0 (MODULES_CONF_ALIAS_TYPE); removed on uninstall\n"
			    "mod_a\n"
			    "# END dkms pkg_a\n"
			    "# BEGIN dkms pkg_b\n"
			    "# added by dkms for pkg_b/2.0 (MODULES_CONF_ALIAS_TYPE); removed on uninstall\n"
			    "mod_b1\nmod_b2\n"
			    "# END dkms pkg_b\n");
	free(text);
	/* the admin's mode is kept */
	{
		struct stat st;

		assert_int_equal(stat(modules, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
	/* a second apply of the same request changes nothing */
	assert_int_equal(modules_conf_apply(&ctx, root, &b, &saved), 0);
	assert_int_equal(saved.n, 1); /* only pkg_a's first write was recorded */

	/* pkg_a goes first: pkg_b's block stays and takes over the added newline */
	strv_release(&a.kernels);
	assert_int_equal(modules_conf_apply(&ctx, root, &a, NULL), 0);
	text = read_all(modules);
	assert_string_equal(text,
			    "# modules\nraid1\n"
			    "# BEGIN dkms pkg_b (newline added)\n"
			    "# added by dkms for pkg_b/2.0 (MODULES_CONF_ALIAS_TYPE); removed on uninstall\n"
			    "mod_b1\nmod_b2\n"
			    "# END dkms pkg_b\n");
	free(text);
	strv_release(&b.kernels);
	assert_int_equal(modules_conf_apply(&ctx, root, &b, NULL), 0);
	text = read_all(modules);
	assert_string_equal(text, original);
	free(text);

	/* restore gives back what was there before the recorded write */
	write_file_str(modules, "changed\n");
	modules_conf_restore(&saved);
	text = read_all(modules);
	assert_string_equal(text, original);
	free(text);

	/* a block whose END line was edited away is refused, the file untouched */
	assert_int_equal(write_file_str(modules, "x\n# BEGIN dkms pkg_a\nmod_a\n"), 0);
	assert_int_equal(modules_conf_apply(&ctx, root, &a, NULL), -EBADMSG);
	fflush(cap.output.err);
	assert_non_null(strstr(cap.err_text, "the dkms block has no END line"));
	text = read_all(modules);
	assert_string_equal(text, "x\n# BEGIN dkms pkg_a\nmod_a\n");
	free(text);

	modules_conf_release(&a);
	modules_conf_release(&b);
	capture_close(&ctx, &cap);
	rm_rf(root);
	free(modules);
	free(dir);
}

static void test_files_per_generator(void **state)
{
	char root[] = "/tmp/dkms-unit-mc.XXXXXX";
	struct dkms_ctx ctx;
	struct captured cap = { 0 };
	struct modules_conf mc = MODULES_CONF_INIT;
	char *p, *text;

	assert_non_null(mkdtemp(root));
	dkms_ctx_init(&ctx);
	capture_reopen(&ctx, &cap);
	p = xasprintf("%s/mkinitcpio.conf.d", root);
	mkdir(p, 0755);
	free(p);
	mc.package = "megaraid_sas";
	mc.version = "07.719.03.00-rc1";
	strv_push(&mc.kernels, "6.1.0-56-amd64");
	strv_push(&mc.include, "megaraid_sas");
	strv_push(&mc.lines, "options megaraid_sas msix_disable=1");
	assert_int_equal(modules_conf_apply(&ctx, root, &mc, NULL), 0);

	/* no dracut.conf.d, no initramfs-tools dir: nothing for them */
	p = xasprintf("%s/dracut.conf.d", root);
	assert_false(path_exists(p));
	free(p);
	p = xasprintf("%s/mkinitcpio.conf.d/dkms-megaraid_sas.conf", root);
	text = read_all(p);
	assert_string_equal(text, "# Written by dkms for megaraid_sas/07.719.03.00-rc1 (REMAKE_INITRD, MODULES_CONF).\n"
				  "# dkms removes it when the package is uninstalled from its last kernel.\n"
				  "MODULES+=(megaraid_sas)\n");
	free(text);
	free(p);
	p = xasprintf("%s/modprobe.d/dkms-megaraid_sas.conf", root);
	text = read_all(p);
	assert_string_equal(text, "# Written by dkms for megaraid_sas/07.719.03.00-rc1 (REMAKE_INITRD, MODULES_CONF).\n"
				  "# dkms removes it when the package is uninstalled from its last kernel.\n"
				  "options megaraid_sas msix_disable=1\n");
	free(text);
	strv_release(&mc.kernels);
	assert_int_equal(modules_conf_apply(&ctx, root, &mc, NULL), 0);
	assert_false(path_exists(p));
	free(p);

	modules_conf_release(&mc);
	capture_close(&ctx, &cap);
	rm_rf(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_pick_dracut),
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_modules_file_round_trip),
		cmocka_unit_test(test_files_per_generator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
