// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * module_meta_read on a real ELF object with a .modinfo section, compiled
 * here with cc (and compressed with xz, as modules are on many systems),
 * and the PCI alias parser on the forms file2alias writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modmeta.h"
#include "util/fileio.h"

static const char modinfo_c[] =
	"#define MI(x) __attribute__((section(\".modinfo\"), used, aligned(1))) "
	"static const char _mi_##x[]\n"
	"MI(a)=\"alias=pci:v00001000d0000005Bsv*sd*bc*sc*i*\";\n"
	"MI(b)=\"alias=pci:v00001000d00000060sv00001028sd00001F0Abc01sc04i00\";\n"
	"MI(c)=\"depends=scsi_mod,scsi_transport_sas\";\n"
	"MI(d)=\"description=Test RAID driver\";\n"
	"MI(e)=\"version=07.719.03.00-rc1\";\n"
	"MI(f)=\"vermagic=6.1.0-56-amd64 SMP preempt mod_unload modversions \";\n"
	"MI(g)=\"name=fake_raid\";\n"
	"MI(h)=\"firmware=fake/fw.bin\";\n"
	"MI(i)=\"softdep=pre: crc32c\";\n"
	"MI(j)=\"license=GPL\";\n";

static char *build_object(const char *dir)
{
	_cleanup_free_ char *src = xasprintf("%s/fake_raid.c", dir);
	_cleanup_free_ char *cmd = NULL;
	char *obj = xasprintf("%s/fake_raid.ko", dir);

	assert_int_equal(write_file_str(src, modinfo_c), 0);
	cmd = xasprintf("cc -c -o %s %s", obj, src);
	assert_int_equal(system(cmd), 0);
	return obj;
}

static void check_meta(const char *path)
{
	struct module_meta m;
	_cleanup_free_ char *kernel = NULL;

	assert_int_equal(module_meta_read(path, &m), 0);
	assert_string_equal(m.name, "fake_raid");
	assert_string_equal(m.description, "Test RAID driver");
	assert_string_equal(m.version, "07.719.03.00-rc1");
	assert_string_equal(m.license, "GPL");
	assert_int_equal(m.aliases.n, 2);
	assert_int_equal(m.depends.n, 2);
	assert_string_equal(m.depends.v[0], "scsi_mod");
	assert_string_equal(m.depends.v[1], "scsi_transport_sas");
	assert_int_equal(m.firmware.n, 1);
	assert_string_equal(m.softdeps.v[0], "pre: crc32c");
	kernel = module_meta_kernel(&m);
	assert_string_equal(kernel, "6.1.0-56-amd64");
	/* both aliases survive whatever order the linker laid them out in */
	assert_true(strv_contains(&m.aliases, "pci:v00001000d0000005Bsv*sd*bc*sc*i*"));
	module_meta_release(&m);
}

static void test_read(void **state)
{
	char dir[] = "/tmp/test-modmeta.XXXXXX";
	_cleanup_free_ char *obj = NULL, *cmd = NULL, *xz = NULL;
	struct module_meta m;

	assert_non_null(mkdtemp(dir));
	obj = build_object(dir);
	check_meta(obj);
	cmd = xasprintf("xz -k --check=crc32 %s", obj);
	assert_int_equal(system(cmd), 0);
	xz = xasprintf("%s.xz", obj);
	check_meta(xz);
	assert_int_equal(module_meta_read("/nonexistent/x.ko", &m), -ENOENT);
	rm_rf(dir);
}

static void test_alias_pci(void **state)
{
	struct pci_match p;

	assert_int_equal(module_alias_pci("pci:v00001000d0000005Bsv*sd*bc*sc*i*", &p), 0);
	assert_int_equal(p.vendor, 0x1000);
	assert_int_equal(p.device, 0x5b);
	assert_int_equal(p.subvendor, -1);
	assert_int_equal(p.interface, -1);
	assert_int_equal(module_alias_pci("pci:v00001000d00000060sv00001028sd00001F0Abc01sc04i00", &p), 0);
	assert_int_equal(p.subvendor, 0x1028);
	assert_int_equal(p.subdevice, 0x1f0a);
	assert_int_equal(p.class_base, 1);
	assert_int_equal(p.class_sub, 4);
	assert_int_equal(p.interface, 0);
	assert_int_equal(module_alias_pci("pci:v00001077d00002532sv*sd*bc*sc*i**", &p), 0);
	assert_int_equal(module_alias_pci("usb:v0BDAp8179d*dc*dsc*dp*ic*isc*ip*in*", &p), -EINVAL);
	assert_int_equal(module_alias_pci("pci:v1000d0060sv*sd*bc*sc*i*", &p), -EINVAL);
	assert_int_equal(module_alias_pci("pci:v00001000d0000005Bsv*sd*bc*sc*", &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_alias_pci),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
