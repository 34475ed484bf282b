// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Initramfs images as the kernel reads them: splitting into members (raw
 * cpio, gzip, bzip2, lzma, xz, legacy lz4, zstd), where each ends, the NUL
 * padding between them, the damage the kernel refuses (with offsets), and
 * the listing: later members replace files, names resolve through a
 * lib -> usr/lib link, hard links share data, modules are found.
 */
#include <bzlib.h>
#include <errno.h>
#include <lz4.h>
#include <lzma.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "codec/compress.h"
#include "codec/cpio.h"
#include "codec/payload.h"
#include "initrd/list.h"
#include "initrd/segments.h"
#include "util/strbuf.h"

#define K "6.1.0-56-amd64"

/* A small initramfs main archive: a merged-/usr layout with one module. */
static void main_cpio(struct strbuf *out)
{
	struct payload p = PAYLOAD_INIT;

	assert_int_equal(payload_add_symlink(&p, "lib", "usr/lib"), 0);
	assert_int_equal(payload_add_str(&p, "usr/lib/modules/" K "/kernel/drivers/scsi/sd_mod.ko",
					 0644, "\177ELF sd_mod"),
			 0);
	assert_int_equal(payload_add_str(&p, "usr/lib/modules/" K "/modules.dep", 0644,
					 "kernel/drivers/scsi/sd_mod.ko:\n"),
			 0);
	assert_int_equal(payload_add_str(&p, "init", 0755, "#!/bin/sh\n"), 0);
	assert_int_equal(cpio_write_payload(&p, out), 0);
	payload_release(&p);
}

/* An early cpio as dracut writes it: microcode, uncompressed, padded to 512. */
static void early_cpio(struct strbuf *out)
{
	struct payload p = PAYLOAD_INIT;
	static const char zeros[512];

	assert_int_equal(payload_add_str(&p, "kernel/x86/microcode/GenuineIntel.bin", 0644, "ucode"), 0);
	assert_int_equal(cpio_write_payload(&p, out), 0);
	strbuf_add(out, zeros, (512 - out->len % 512) % 512);
	payload_release(&p);
}

static void bzip2_of(const struct strbuf *in, struct strbuf *out)
{
	unsigned int len = (unsigned int)(in->len + in->len / 100 + 600);

	strbuf_grow(out, len);
	assert_int_equal(BZ2_bzBuffToBuffCompress(out->buf + out->len, &len, in->buf,
						  (unsigned int)in->len, 9, 0, 0),
			 BZ_OK);
	strbuf_setlen(out, out->len + len);
}

static void lzma_alone_of(const struct strbuf *in, struct strbuf *out)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma o;

	lzma_lzma_preset(&o, 6);
	assert_int_equal(lzma_alone_encoder(&s, &o), LZMA_OK);
	strbuf_grow(out, in->len + 4096);
	s.next_in = (const uint8_t *)in->buf;
	s.avail_in = in->len;
	s.next_out = (uint8_t *)out->buf + out->len;
	s.avail_out = in->len + 4096;
	assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
	strbuf_setlen(out, out->len + s.total_out);
	lzma_end(&s);
}

static void xz_of(const struct strbuf *in, lzma_check check, struct strbuf *out)
{
	size_t pos = 0;

	strbuf_grow(out, in->len + 4096);
	assert_int_equal(lzma_easy_buffer_encode(6, check, NULL, (const uint8_t *)in->buf, in->len,
						 (uint8_t *)out->buf + out->len, &pos, in->len + 4096),
			 LZMA_OK);
	strbuf_setlen(out, out->len + pos);
}

/* Legacy lz4 (lz4 -l): magic, then <le32 size><block> per 8 MiB of input. */
static void lz4_legacy_of(const struct strbuf *in, struct strbuf *out)
{
	static const unsigned char magic[] = { 0x02, 0x21, 0x4c, 0x18 };
	int bound = LZ4_compressBound((int)in->len);
	int n;

	strbuf_add(out, magic, 4);
	strbuf_grow(out, (size_t)bound + 4);
	n = LZ4_compress_default(in->buf, out->buf + out->len + 4, (int)in->len, bound);
	assert_true(n > 0);
	for (int i = 0; i < 4; i++)
		out->buf[out->len + (size_t)i] = (char)((unsigned)n >> (8 * i));
	strbuf_setlen(out, out->len + 4 + (size_t)n);
}

enum method { M_GZIP, M_XZ, M_ZSTD, M_BZIP2, M_LZMA, M_LZ4 };
static const char *const method_names[] = { "gzip", "xz", "zstd", "bzip2", "lzma", "lz4" };

static void compressed(enum method m, const struct strbuf *in, struct strbuf *out)
{
	switch (m) {
	case M_GZIP:
		assert_int_equal(compress_buffer(COMPRESSION_GZIP, COMPRESS_LEVEL_DEFAULT, in->buf, in->len, out), 0);
		break;
	case M_XZ:
		assert_int_equal(compress_buffer(COMPRESSION_XZ, COMPRESS_LEVEL_DEFAULT, in->buf, in->len, out), 0);
		break;
	case M_ZSTD:
		assert_int_equal(compress_buffer(COMPRESSION_ZSTD, COMPRESS_LEVEL_DEFAULT, in->buf, in->len, out), 0);
		break;
	case M_BZIP2:
		bzip2_of(in, out);
		break;
	case M_LZMA:
		lzma_alone_of(in, out);
		break;
	case M_LZ4:
		lz4_legacy_of(in, out);
		break;
	}
}

static void test_raw_only(void **state)
{
	struct strbuf img = STRBUF_INIT, err = STRBUF_INIT;
	struct initrd_image im = INITRD_IMAGE_INIT;

	main_cpio(&img);
	assert_int_equal(initrd_split(img.buf, img.len, &im, &err), 0);
	assert_int_equal(im.n, 1);
	assert_int_equal(im.segments[0].offset, 0);
	assert_int_equal(im.segments[0].size, img.len);
	assert_int_equal(im.segments[0].compression, INITRD_CPIO);
	/* lib, usr, usr/lib, usr/lib/modules, K, kernel, drivers, scsi, sd_mod.ko, modules.dep, init */
	assert_int_equal(im.segments[0].entries, 11);
	assert_int_equal(im.end, img.len);
	initrd_image_release(&im);
	strbuf_release(&img);
	strbuf_release(&err);
}

/* early cpio + each compression: two members, the second where the padding ends. */
static void test_each_compression(void **state)
{
	static const enum initrd_compression want[] = {
		[M_GZIP] = INITRD_GZIP, [M_XZ] = INITRD_XZ,	[M_ZSTD] = INITRD_ZSTD,
		[M_BZIP2] = INITRD_BZIP2, [M_LZMA] = INITRD_LZMA, [M_LZ4] = INITRD_LZ4,
	};

	for (enum method m = M_GZIP; m <= M_LZ4; m++) {
		struct strbuf img = STRBUF_INIT, cpio = STRBUF_INIT, err = STRBUF_INIT;
		struct initrd_image im = INITRD_IMAGE_INIT;
		size_t early;

		early_cpio(&img);
		early = img.len;
		main_cpio(&cpio);
		compressed(m, &cpio, &img);
		assert_int_equal(initrd_split(img.buf, img.len, &im, &err), 0);
		assert_string_equal(err.buf, "");
		assert_int_equal(im.n, 2);
		assert_int_equal(im.segments[0].compression, INITRD_CPIO);
		assert_int_equal(im.segments[0].offset, 0);
		assert_true(im.segments[0].size < early); /* the NULs after the trailer are not in it */
		assert_int_equal(im.segments[0].entries, 4);
		assert_int_equal(im.segments[1].compression, want[m]);
		assert_string_equal(initrd_compression_name(im.segments[1].compression),
				    method_names[m]);
		assert_int_equal(im.segments[1].offset, early);
		assert_int_equal(im.segments[1].size, img.len - early);
		assert_int_equal(im.segments[1].data_len, cpio.len);
		assert_memory_equal(im.segments[1].data, cpio.buf, cpio.len);
		assert_int_equal(im.problems.n, 0);
		initrd_image_release(&im);
		strbuf_release(&img);
		strbuf_release(&cpio);
		strbuf_release(&err);
	}
}

/* Two compressed members back to back and one after NUL padding: each ends where its stream does. */
static void test_member_ends(void **state)
{
	for (enum method m = M_GZIP; m <= M_LZ4; m++) {
		struct strbuf img = STRBUF_INIT, cpio = STRBUF_INIT, err = STRBUF_INIT;
		struct initrd_image im = INITRD_IMAGE_INIT;
		size_t first, second;

		main_cpio(&cpio);
		compressed(m, &cpio, &img);
		first = img.len;
		/* legacy lz4 ends only at a zero word: the kernel reads on otherwise */
		if (m == M_LZ4)
			strbuf_add(&img, "\0\0\0\0", 4);
		second = img.len;
		compressed(M_GZIP, &cpio, &img);
		strbuf_add(&img, "\0\0\0\0\0\0\0", 7);
		assert_int_equal(initrd_split(img.buf, img.len, &im, &err), 0);
		assert_int_equal(im.n, 2);
		assert_int_equal(im.segments[0].size, first);
		assert_int_equal(im.segments[1].offset, second);
		assert_int_equal(im.end, img.len - 7);
		initrd_image_release(&im);
		strbuf_release(&img);
		strbuf_release(&cpio);
		strbuf_release(&err);
	}
}

static void expect_error(const struct strbuf *img, int want, const char *text)
{
	struct strbuf err = STRBUF_INIT;
	struct initrd_image im = INITRD_IMAGE_INIT;

	assert_int_equal(initrd_split(img->buf, img->len, &im, &err), want);
	if (!strstr(err.buf, text))
		fail_msg("error \"%s\" lacks \"%s\"", err.buf, text);
	assert_int_equal(im.n, 0);
	strbuf_release(&err);
}

static void test_truncated(void **state)
{
	for (enum method m = M_GZIP; m <= M_LZ4; m++) {
		struct strbuf img = STRBUF_INIT, cpio = STRBUF_INIT, msg = STRBUF_INIT;
		size_t early;

		early_cpio(&img);
		early = img.len;
		main_cpio(&cpio);
		compressed(m, &cpio, &img);
		strbuf_setlen(&img, img.len - 20);
		strbuf_addf(&msg, "(in the %s member at offset %zu)",
			    method_names[m], early);
		expect_error(&img, -EBADMSG, msg.buf);
		strbuf_release(&img);
		strbuf_release(&cpio);
		strbuf_release(&msg);
	}
}

static void test_junk(void **state)
{
	struct strbuf img = STRBUF_INIT, cpio = STRBUF_INIT;

	main_cpio(&cpio);
	compressed(M_GZIP, &cpio, &img);
	strbuf_addstr(&img, "JUNK");
	expect_error(&img, -EBADMSG, "junk: neither a cpio archive nor a known compression");
	strbuf_setlen(&img, img.len - 4);
	strbuf_add(&img, "\0\0\0\0JUNK", 8);
	{
		struct strbuf want = STRBUF_INIT;

		strbuf_addf(&want, "offset %zu: junk", img.len - 4);
		expect_error(&img, -EBADMSG, want.buf);
		strbuf_release(&want);
	}
	strbuf_release(&img);
	strbuf_release(&cpio);
}

/* Damage inside a member's data is reported with the member's offset. */
static void test_damaged_inside(void **state)
{
	struct strbuf img = STRBUF_INIT, cpio = STRBUF_INIT;

	early_cpio(&img);
	main_cpio(&cpio);
	compressed(M_XZ, &cpio, &img);
	memset(img.buf + img.len - 60, 'X', 20);
	expect_error(&img, -EBADMSG, "xz data is damaged");
	strbuf_release(&img);
	strbuf_release(&cpio);
}

static void test_kernel_rules(void **state)
{
	struct strbuf img = STRBUF_INIT, cpio = STRBUF_INIT, body = STRBUF_INIT;

	/* a raw archive must start 4-byte aligned, as must what follows its padding */
	main_cpio(&cpio);
	strbuf_add(&img, cpio.buf, cpio.len);
	strbuf_add(&img, "\0\0", 2);
	strbuf_add(&img, cpio.buf, cpio.len);
	expect_error(&img, -EBADMSG, "broken padding");

	/* a compressed member's content must end with a trailer */
	strbuf_reset(&img);
	strbuf_add(&body, cpio.buf, cpio.len - 124); /* the trailer entry is 124 bytes */
	compressed(M_GZIP, &body, &img);
	expect_error(&img, -EBADMSG, "content ends without TRAILER!!!");

	/* old odc cpio is not newc */
	strbuf_reset(&body);
	strbuf_addstr(&body, "070707");
	strbuf_add(&body, cpio.buf + 6, cpio.len - 6);
	strbuf_reset(&img);
	strbuf_add(&img, body.buf, body.len);
	expect_error(&img, -EBADMSG, "odc");

	/* lzo is recognised but not read here */
	strbuf_reset(&img);
	strbuf_add(&img, "\x89\x4c\x5a\x4f\0", 5);
	expect_error(&img, -EOPNOTSUPP, "lzo");
	strbuf_release(&img);
	strbuf_release(&cpio);
	strbuf_release(&body);
}

/* An lzma header asking for a 4 GiB dictionary is refused, not allocated. */
static void test_lzma_huge_dictionary(void **state)
{
	static const unsigned char hdr[] = { 0x5d, 0x00, 0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0xff, 0xff, 0xff, 0x00, 0x11, 0x22, 0x33 };
	struct strbuf img = STRBUF_INIT;

	strbuf_add(&img, hdr, sizeof(hdr));
	expect_error(&img, -EBADMSG, "lzma data is damaged (needs too much memory)");
	strbuf_release(&img);
}

static void test_xz_check(void **state)
{
	struct strbuf img = STRBUF_INIT, cpio = STRBUF_INIT, err = STRBUF_INIT;
	struct initrd_image im = INITRD_IMAGE_INIT;

	main_cpio(&cpio);
	xz_of(&cpio, LZMA_CHECK_CRC64, &img);
	assert_int_equal(initrd_split(img.buf, img.len, &im, &err), 0);
	assert_int_equal(im.problems.n, 1);
	assert_non_null(strstr(im.problems.v[0], "offset 0: xz stream uses a CRC64 check"));
	initrd_image_release(&im);
	strbuf_reset(&img);
	xz_of(&cpio, LZMA_CHECK_CRC32, &img);
	assert_int_equal(initrd_split(img.buf, img.len, &im, &err), 0);
	assert_int_equal(im.problems.n, 0);
	initrd_image_release(&im);
	strbuf_release(&img);
	strbuf_release(&cpio);
	strbuf_release(&err);
}

static void test_empty(void **state)
{
	struct initrd_image im = INITRD_IMAGE_INIT;

	assert_int_equal(initrd_split("", 0, &im, NULL), 0);
	assert_int_equal(im.n, 0);
	assert_int_equal(initrd_split("\0\0\0\0\0\0\0\0", 8, &im, NULL), 0);
	assert_int_equal(im.n, 0);
	initrd_image_release(&im);
}

/* As formats/initramfs.c leaves "lib" out of a fragment. */
static void drop_entry(struct payload *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->entries[i].path, path))
			continue;
		free(p->entries[i].path);
		free(p->entries[i].data);
		free(p->entries[i].source);
		free(p->entries[i].target);
		memmove(&p->entries[i], &p->entries[i + 1], (p->n - i - 1) * sizeof(*p->entries));
		p->n--;
		return;
	}
	fail_msg("no entry %s", path);
}

/*
 * A "lib" directory entry appended to a merged-/usr image replaces the
 * lib -> usr/lib link (the kernel removes an entry of another type first):
 * what follows lands in a new lib/, and usr/lib keeps the old files.
 */
static void test_listing_lib_dir_replaces_link(void **state)
{
	struct strbuf img = STRBUF_INIT, cpio = STRBUF_INIT;
	struct payload frag = PAYLOAD_INIT;
	struct initrd_image im = INITRD_IMAGE_INIT;
	struct initrd_listing l = { .image = INITRD_IMAGE_INIT };
	const struct initrd_file *f;

	main_cpio(&cpio);
	compressed(M_GZIP, &cpio, &img);
	strbuf_reset(&cpio);
	assert_int_equal(payload_add_str(&frag, "lib/modules/" K "/modules.dep", 0644, "new index\n"), 0);
	assert_int_equal(cpio_write_payload(&frag, &cpio), 0);
	compressed(M_GZIP, &cpio, &img);
	assert_int_equal(initrd_split(img.buf, img.len, &im, NULL), 0);
	assert_int_equal(initrd_list_image(&im, &l), 0);
	f = initrd_listing_find(&l, "lib");
	assert_true(S_ISDIR(f->mode));
	f = initrd_listing_find(&l, "usr/lib/modules/" K "/modules.dep");
	assert_int_equal(f->size, strlen("kernel/drivers/scsi/sd_mod.ko:\n"));
	f = initrd_listing_find(&l, "lib/modules/" K "/modules.dep");
	assert_int_equal(f->size, strlen("new index\n"));
	initrd_listing_release(&l);
	payload_release(&frag);
	strbuf_release(&img);
	strbuf_release(&cpio);
}

/* A fragment appended with "lib/modules/..." entries lands in usr/lib and replaces files. */
static void test_listing_overrides(void **state)
{
	struct strbuf img = STRBUF_INIT, cpio = STRBUF_INIT, err = STRBUF_INIT;
	struct payload frag = PAYLOAD_INIT;
	struct initrd_listing l = { .image = INITRD_IMAGE_INIT };
	const struct initrd_file *f;

	early_cpio(&img);
	main_cpio(&cpio);
	compressed(M_ZSTD, &cpio, &img);
	strbuf_reset(&cpio);
	assert_int_equal(payload_add_str(&frag, "lib/modules/" K "/updates/dkms/megaraid_sas.ko", 0644,
					 "\177ELF megaraid"),
			 0);
	assert_int_equal(payload_add_str(&frag, "lib/modules/" K "/modules.dep", 0644, "new index\n"), 0);
	assert_int_equal(payload_add_str(&frag, "lib/modules/" K "/kernel/drivers/scsi/sd_mod.ko", 0644,
					 "\177ELF sd_mod v2"),
			 0);
	drop_entry(&frag, "lib");
	assert_int_equal(cpio_write_payload(&frag, &cpio), 0);
	compressed(M_GZIP, &cpio, &img);
	{
		struct initrd_image im = INITRD_IMAGE_INIT;

		assert_int_equal(initrd_split(img.buf, img.len, &im, &err), 0);
		assert_int_equal(im.n, 3);
		assert_int_equal(initrd_list_image(&im, &l), 0);
	}
	/* the fragment's modules.dep replaced the base's, through lib -> usr/lib */
	f = initrd_listing_find(&l, "usr/lib/modules/" K "/modules.dep");
	assert_non_null(f);
	assert_int_equal(f->size, 10);
	assert_memory_equal(f->data, "new index\n", 10);
	assert_int_equal(f->segment, 2);
	assert_ptr_equal(initrd_listing_find(&l, "lib/modules/" K "/modules.dep"), f);
	assert_ptr_equal(initrd_listing_find(&l, "./lib/modules/" K "/modules.dep"), f);
	/* no file is listed under lib/ itself: lib stays a link */
	f = initrd_listing_find(&l, "lib");
	assert_non_null(f);
	assert_true(S_ISLNK(f->mode));
	for (size_t i = 0; i < l.n_files; i++)
		assert_true(strncmp(l.files[i].path, "lib/", 4));
	/* modules: megaraid_sas (new) and sd_mod (replaced), sorted by name */
	assert_int_equal(l.n_modules, 2);
	assert_string_equal(l.modules[0].name, "megaraid_sas");
	assert_string_equal(l.modules[0].kernelver, K);
	assert_string_equal(l.files[l.modules[0].file].path,
			    "usr/lib/modules/" K "/updates/dkms/megaraid_sas.ko");
	assert_string_equal(l.modules[1].name, "sd_mod");
	assert_int_equal(l.files[l.modules[1].file].size, strlen("\177ELF sd_mod v2"));
	assert_null(l.modules[0].package);
	initrd_listing_release(&l);
	payload_release(&frag);
	strbuf_release(&img);
	strbuf_release(&cpio);
	strbuf_release(&err);
}

static void newc_header(struct strbuf *sb, uint32_t ino, uint32_t mode, uint32_t nlink,
			uint32_t size, const char *name)
{
	strbuf_addf(sb, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X", ino, mode, 0,
		    0, nlink, 0, size, 0, 0, 0, 0, strlen(name) + 1, 0);
	strbuf_add(sb, name, strlen(name) + 1);
	while (sb->len % 4)
		strbuf_addch(sb, '\0');
}

/* newc keeps a hard-linked file's data with its last name; both names have it. */
static void test_listing_hardlinks(void **state)
{
	struct strbuf img = STRBUF_INIT;
	struct initrd_image im = INITRD_IMAGE_INIT;
	struct initrd_listing l = { .image = INITRD_IMAGE_INIT };
	const struct initrd_file *a, *b;

	newc_header(&img, 7, S_IFREG | 0644, 2, 0, "a");
	newc_header(&img, 7, S_IFREG | 0644, 2, 4, "b");
	strbuf_add(&img, "data", 4);
	newc_header(&img, 0, 0, 1, 0, "TRAILER!!!");
	assert_int_equal(initrd_split(img.buf, img.len, &im, NULL), 0);
	assert_int_equal(initrd_list_image(&im, &l), 0);
	a = initrd_listing_find(&l, "a");
	b = initrd_listing_find(&l, "b");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->size, 4);
	assert_memory_equal(a->data, "data", 4);
	assert_int_equal(b->size, 4);
	initrd_listing_release(&l);
	strbuf_release(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_only),
		cmocka_unit_test(test_each_compression),
		cmocka_unit_test(test_member_ends),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_damaged_inside),
		cmocka_unit_test(test_kernel_rules),
		cmocka_unit_test(test_xz_check),
		cmocka_unit_test(test_lzma_huge_dictionary),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_listing_lib_dir_replaces_link),
		cmocka_unit_test(test_listing_overrides),
		cmocka_unit_test(test_listing_hardlinks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
