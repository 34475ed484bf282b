// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes seed images with the program's own writers: FAT floppies
 * (mkdisk/fat-write.c), ISOs (medium_write), newc archives (dkms-core/codec/cpio.c)
 * and initramfs fragments (initrd/fragment.c), each small payload as a
 * driver disk or a REMAKE_INITRD fragment would hold. Usage: gen-seeds DIR;
 * make-seeds.sh trims the images and files them under corpus/ by hash.
 * Build: cc -D_GNU_SOURCE -I. -Idkms-core tests/fuzz/gen-seeds.c build/libdkms.a <libs>
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "codec/cpio.h"
#include "initrd/fragment.h"
#include "mkdisk/fat.h"
#include "mkdisk/medium.h"
#include "util/fileio.h"
#include "util/strbuf.h"

static void payload_small(struct payload *p)
{
	payload_add_dir(p, "lib", 0755);
	payload_add_dir(p, "lib/modules", 0755);
	payload_add_str(p, "lib/modules/hello.ko", 0644, "\177ELF module bytes\n");
	payload_add_str(p, "rhdd3", 0644, "Driver Update Disk version 3\n");
}

static void payload_rich(struct payload *p)
{
	payload_add_dir(p, "rpms", 0755);
	payload_add_dir(p, "rpms/x86_64", 0755);
	payload_add_str(p, "rpms/x86_64/kmod-Hello_World-1.0-1.el9.x86_64.rpm", 0644, "not an rpm");
	payload_add_str(p, "UPPER.TXT", 0600, "plain 8.3 name\n");
	payload_add_str(p, "a long file name with spaces.txt", 0644, "long name\n");
	payload_add_str(p, "Mixed.Case", 0755, "");
	payload_add_symlink(p, "link-to-upper", "UPPER.TXT");
	payload_add_dir(p, "d1", 0755);
	payload_add_dir(p, "d1/d2", 0700);
	payload_add_str(p, "d1/d2/deep", 0644, "deep\n");
	p->mtime = 1700000000;
}

static void write_out(const char *dir, const char *name, const void *data, size_t len)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);

	if (write_file_atomic(path, data, len, 0644) < 0)
		abort();
}

static void fat(const char *dir, const char *name, const struct payload *p, unsigned kib)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || fat_write_image(p, "OEMDRV", kib, fd) < 0 || close(fd) < 0)
		abort();
}

static void iso(const char *dir, const char *name, const struct payload *p)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	struct medium_opts o = { .medium = DUD_MEDIUM_ISO, .label = "OEMDRV" };

	if (medium_write(p, &o, path) < 0)
		abort();
}

int main(int argc, char **argv)
{
	struct payload small = PAYLOAD_INIT, rich = PAYLOAD_INIT;
	enum compression comp[] = { COMPRESSION_NONE, COMPRESSION_GZIP, COMPRESSION_XZ,
				    COMPRESSION_ZSTD };
	struct strbuf sb = STRBUF_INIT;

	if (argc != 2)
		return 2;
	payload_small(&small);
	payload_rich(&rich);
	fat(argv[1], "fat-small-32k", &small, 32);
	fat(argv[1], "fat-rich-32k", &rich, 32);
	fat(argv[1], "fat-rich-1440k", &rich, 1440);
	fat(argv[1], "fat-small-8m", &small, 8192);
	iso(argv[1], "iso-small", &small);
	iso(argv[1], "iso-rich", &rich);
	if (cpio_write_payload(&rich, &sb) < 0)
		abort();
	write_out(argv[1], "newc-rich", sb.buf, sb.len);
	for (size_t i = 0; i < ARRAY_SIZE(comp); i++) {
		_cleanup_free_ char *name = xasprintf("fragment-%zu", i);

		strbuf_reset(&sb);
		if (cpio_pack(&small, comp[i], COMPRESS_LEVEL_DEFAULT, &sb) < 0)
			abort();
		write_out(argv[1], name, sb.buf, sb.len);
	}
	strbuf_release(&sb);
	payload_release(&small);
	payload_release(&rich);
	return 0;
}
