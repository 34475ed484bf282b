// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Appending a fragment to an initrd and removing it: the original bytes come
 * back exactly; padding to 4 bytes (and a zero word after legacy lz4); the
 * state file; refusals that leave the image untouched (damaged image or
 * fragment, changed image, something appended after); SHA-256 vectors.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <lzma.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "codec/compress.h"
#include "codec/cpio.h"
#include "initrd/fragment.h"
#include "initrd/list.h"
#include "util/fileio.h"
#include "util/sha256.h"
#include "util/strbuf.h"

#define K "6.1.0-56-amd64"

struct fixture {
	char *dir, *image, *state;
	struct strbuf original; /* the image's bytes as written */
	struct strbuf frag;     /* a gzip'd fragment */
};

static struct fixture F;

static void payload_cpio(const char *path, const char *content, struct strbuf *out)
{
	struct payload p = PAYLOAD_INIT;

	assert_int_equal(payload_add_str(&p, path, 0644, content), 0);
	assert_int_equal(cpio_write_payload(&p, out), 0);
	payload_release(&p);
}

static void write_image(const struct strbuf *data, mode_t mode)
{
	assert_int_equal(write_file_atomic(F.image, data->buf, data->len, mode), 0);
}

static void read_image(struct strbuf *out)
{
	strbuf_reset(out);
	assert_int_equal(read_file(F.image, out), 0);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-fragment.XXXXXX";
	struct strbuf cpio = STRBUF_INIT;
	struct payload p = PAYLOAD_INIT;

	assert_non_null(mkdtemp(tmpl));
	F.dir = xstrdup(tmpl);
	F.image = xasprintf("%s/initrd.img-" K, F.dir);
	F.state = xasprintf("%s/fragment.state", F.dir);
	strbuf_init(&F.original);
	strbuf_init(&F.frag);
	/* a gzip'd main archive of odd length: the append must pad */
	payload_cpio("init", "#!/bin/sh\n", &cpio);
	assert_int_equal(compress_buffer(COMPRESSION_GZIP, COMPRESS_LEVEL_DEFAULT, cpio.buf, cpio.len, &F.original), 0);
	if (F.original.len % 4 == 0)
		strbuf_addch(&F.original, '\0');
	write_image(&F.original, 0600);
	assert_int_equal(payload_add_str(&p, "usr/lib/modules/" K "/updates/dkms/x.ko", 0644, "\177ELF"), 0);
	assert_int_equal(cpio_pack(&p, COMPRESSION_DEFAULT, COMPRESS_LEVEL_DEFAULT, &F.frag), 0);
	payload_release(&p);
	strbuf_release(&cpio);
	return 0;
}

static int teardown(void **state)
{
	rm_rf(F.dir);
	free(F.dir);
	free(F.image);
	free(F.state);
	strbuf_release(&F.original);
	strbuf_release(&F.frag);
	return 0;
}

static void test_sha256_vectors(void **state)
{
	char hex[SHA256_HEX_SIZE];
	struct sha256 s;
	uint8_t d[32];
	char *million = xmalloc(1000000);

	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* fed in uneven pieces */
	memset(million, 'a', 1000000);
	sha256_init(&s);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 3 % 1001 + 1)
		sha256_update(&s, million + off, off + step > 1000000 ? 1000000 - off : step);
	sha256_final(&s, d);
	sha256_digest_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* the portable code too, where the CPU's SHA instructions would do it */
	sha256_init(&s);
	s.sha_ni = false;
	sha256_update(&s, million, 1000000);
	sha256_final(&s, d);
	sha256_digest_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void test_append_remove_exact(void **state)
{
	struct strbuf err = STRBUF_INIT, now = STRBUF_INIT;
	struct initrd_listing l = { .image = INITRD_IMAGE_INIT };
	struct fragment_state s;
	size_t pad = (4 - F.original.len % 4) % 4;
	struct stat st;

	assert_int_equal(initrd_fragment_append(F.image, F.frag.buf, F.frag.len, F.state, &err), 0);
	assert_string_equal(err.buf, "");
	read_image(&now);
	/* original, NULs to a 4-byte boundary, the fragment */
	assert_int_equal(now.len, F.original.len + pad + F.frag.len);
	assert_memory_equal(now.buf, F.original.buf, F.original.len);
	for (size_t i = 0; i < pad; i++)
		assert_int_equal(now.buf[F.original.len + i], 0);
	assert_memory_equal(now.buf + F.original.len + pad, F.frag.buf, F.frag.len);
	assert_int_equal(stat(F.image, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* the kernel's view: both members, the fragment's module in it */
	assert_int_equal(initrd_list(F.image, &l, &err), 0);
	assert_int_equal(l.image.n, 2);
	assert_int_equal(l.image.segments[1].offset, F.original.len + pad);
	assert_int_equal(l.n_modules, 1);
	assert_string_equal(l.modules[0].name, "x");
	initrd_listing_release(&l);
	/* the record */
	assert_int_equal(fragment_state_read(F.state, &s), 0);
	assert_int_equal(s.original_size, F.original.len);
	assert_int_equal(s.added_size, pad + F.frag.len);
	{
		char hex[SHA256_HEX_SIZE];

		sha256_hex(F.original.buf, F.original.len, hex);
		assert_string_equal(s.original_sha256, hex);
	}
	/* and back */
	assert_int_equal(initrd_fragment_remove(F.image, F.state, &err), 0);
	read_image(&now);
	assert_int_equal(now.len, F.original.len);
	assert_memory_equal(now.buf, F.original.buf, F.original.len);
	assert_false(path_exists(F.state));
	assert_int_equal(stat(F.image, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* nothing recorded any more */
	assert_int_equal(initrd_fragment_remove(F.image, F.state, &err), -ENOENT);
	assert_non_null(strstr(err.buf, "no record of a fragment"));
	strbuf_release(&err);
	strbuf_release(&now);
}

static void test_no_temp_left(void **state)
{
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(initrd_fragment_append(F.image, F.frag.buf, F.frag.len, F.state, &err), 0);
	assert_int_equal(initrd_fragment_remove(F.image, F.state, &err), 0);
	/* only the image is left in the directory */
	assert_int_equal(dir_count_entries(F.dir), 1);
	strbuf_release(&err);
}

static void test_refuse_changed(void **state)
{
	struct strbuf err = STRBUF_INIT, now = STRBUF_INIT, changed = STRBUF_INIT;

	assert_int_equal(initrd_fragment_append(F.image, F.frag.buf, F.frag.len, F.state, &err), 0);
	/* the image was regenerated meanwhile: first bytes differ */
	read_image(&now);
	strbuf_add(&changed, now.buf, now.len);
	changed.buf[20] ^= 0x55;
	write_image(&changed, 0600);
	assert_int_equal(initrd_fragment_remove(F.image, F.state, &err), -ESTALE);
	assert_non_null(strstr(err.buf, "changed since the fragment was appended"));
	assert_non_null(strstr(err.buf, F.image));
	read_image(&now);
	assert_memory_equal(now.buf, changed.buf, changed.len);
	assert_true(path_exists(F.state));

	/* something was appended after the fragment */
	strbuf_reset(&err);
	changed.buf[20] ^= 0x55;
	strbuf_add(&changed, F.frag.buf, F.frag.len);
	write_image(&changed, 0600);
	assert_int_equal(initrd_fragment_remove(F.image, F.state, &err), -ESTALE);
	assert_non_null(strstr(err.buf, "more than the recorded fragment follows"));
	read_image(&now);
	assert_int_equal(now.len, changed.len);
	assert_true(path_exists(F.state));

	/* back at the original bytes (a kill before the append's rename): fine */
	write_image(&F.original, 0600);
	assert_int_equal(initrd_fragment_remove(F.image, F.state, &err), 0);
	read_image(&now);
	assert_int_equal(now.len, F.original.len);
	assert_false(path_exists(F.state));
	strbuf_release(&err);
	strbuf_release(&now);
	strbuf_release(&changed);
}

static void test_refuse_damaged(void **state)
{
	struct strbuf err = STRBUF_INIT, now = STRBUF_INIT, bad = STRBUF_INIT;

	/* a truncated image: not touched, the reason names the image and an offset */
	strbuf_add(&bad, F.original.buf, F.original.len - 10);
	write_image(&bad, 0644);
	assert_int_equal(initrd_fragment_append(F.image, F.frag.buf, F.frag.len, F.state, &err), -EBADMSG);
	assert_non_null(strstr(err.buf, F.image));
	assert_non_null(strstr(err.buf, "offset"));
	assert_non_null(strstr(err.buf, "was not changed"));
	read_image(&now);
	assert_int_equal(now.len, bad.len);
	assert_false(path_exists(F.state));

	/* a fragment that is no initramfs member */
	write_image(&F.original, 0644);
	strbuf_reset(&err);
	assert_int_equal(initrd_fragment_append(F.image, "garbage!", 8, F.state, &err), -EBADMSG);
	assert_non_null(strstr(err.buf, "the fragment"));
	read_image(&now);
	assert_int_equal(now.len, F.original.len);

	/* a missing image */
	strbuf_reset(&err);
	unlink(F.image);
	assert_int_equal(initrd_fragment_append(F.image, F.frag.buf, F.frag.len, F.state, &err), -ENOENT);
	assert_non_null(strstr(err.buf, "cannot read"));
	assert_false(path_exists(F.image));
	strbuf_release(&err);
	strbuf_release(&now);
	strbuf_release(&bad);
}

/* Legacy lz4 ends only at a zero word: an aligned lz4 image gets 4 NULs before the fragment. */
static void test_after_lz4(void **state)
{
	static const unsigned char magic[] = { 0x02, 0x21, 0x4c, 0x18 };
	struct strbuf err = STRBUF_INIT, cpio = STRBUF_INIT, img = STRBUF_INIT, now = STRBUF_INIT;
	struct initrd_listing l = { .image = INITRD_IMAGE_INIT };
	int n, bound;

	payload_cpio("init", "#!/bin/sh\n", &cpio);
	/* pad the content so the image comes out 4-byte aligned */
	for (;;) {
		strbuf_reset(&img);
		strbuf_add(&img, magic, 4);
		bound = LZ4_compressBound((int)cpio.len);
		strbuf_grow(&img, (size_t)bound + 4);
		n = LZ4_compress_default(cpio.buf, img.buf + 8, (int)cpio.len, bound);
		for (int i = 0; i < 4; i++)
			img.buf[4 + i] = (char)((unsigned)n >> (8 * i));
		strbuf_setlen(&img, 8 + (size_t)n);
		if (img.len % 4 == 0)
			break;
		strbuf_add(&cpio, "\0\0\0\0", 4);
	}
	write_image(&img, 0644);
	assert_int_equal(initrd_fragment_append(F.image, F.frag.buf, F.frag.len, F.state, &err), 0);
	read_image(&now);
	assert_int_equal(now.len, img.len + 4 + F.frag.len);
	assert_memory_equal(now.buf + img.len, "\0\0\0\0", 4);
	assert_int_equal(initrd_list(F.image, &l, &err), 0);
	assert_int_equal(l.image.n, 2);
	assert_int_equal(l.image.segments[0].compression, INITRD_LZ4);
	initrd_listing_release(&l);
	assert_int_equal(initrd_fragment_remove(F.image, F.state, &err), 0);
	read_image(&now);
	assert_int_equal(now.len, img.len);
	assert_memory_equal(now.buf, img.buf, img.len);
	strbuf_release(&err);
	strbuf_release(&cpio);
	strbuf_release(&img);
	strbuf_release(&now);
}

/* cmocka's asserts must not run in a forked child: they would unwind into its copy of the runner */
#define CHILD_CHECK(cond)                                                         \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
			_exit(1);                                                 \
		}                                                                 \
	} while (0)

/*
 * An image in a directory that cannot be written: a read-only mount in a
 * private mount namespace (root), or a mode-0555 directory (others). The
 * append fails, the reason says so, nothing changes.
 */
static void test_unwritable_dir(void **state)
{
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		_cleanup_free_ char *ro = xasprintf("%s/ro", F.dir);
		_cleanup_free_ char *img = xasprintf("%s/ro/initrd.img", F.dir);
		struct strbuf err = STRBUF_INIT, now = STRBUF_INIT;
		int r, want = geteuid() == 0 ? -EROFS : -EACCES;

		CHILD_CHECK(mkdir(ro, 0755) == 0);
		if (geteuid() == 0 && (unshare(CLONE_NEWNS) < 0 ||
				       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
				       mount("tmpfs", ro, "tmpfs", 0, "size=1m") < 0))
			_exit(77);
		CHILD_CHECK(write_file_atomic(img, F.original.buf, F.original.len, 0644) == 0);
		if (geteuid() == 0)
			CHILD_CHECK(mount(NULL, ro, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0);
		else
			CHILD_CHECK(chmod(ro, 0555) == 0);
		r = initrd_fragment_append(img, F.frag.buf, F.frag.len, F.state, &err);
		CHILD_CHECK(r == want);
		CHILD_CHECK(strstr(err.buf, "cannot create a temporary file beside it"));
		CHILD_CHECK(strstr(err.buf, "was not changed"));
		CHILD_CHECK(read_file(img, &now) == 0);
		CHILD_CHECK(now.len == F.original.len && !memcmp(now.buf, F.original.buf, now.len));
		CHILD_CHECK(!path_exists(F.state));
		if (geteuid() != 0)
			chmod(ro, 0755);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		skip(); /* no mount namespace here */
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A full disk: in a private mount namespace (root only), the image sits on
 * a 128 KiB tmpfs that cannot take the fragment too. The append fails with
 * ENOSPC, the image is whole, no temp file or record is left.
 */
static void test_full_disk(void **state)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		_cleanup_free_ char *small = xasprintf("%s/small", F.dir);
		_cleanup_free_ char *img = xasprintf("%s/small/initrd.img", F.dir);
		struct strbuf err = STRBUF_INIT, now = STRBUF_INIT, noise = STRBUF_INIT;
		struct strbuf big = STRBUF_INIT, frag = STRBUF_INIT;
		struct payload p = PAYLOAD_INIT;
		uint32_t x = 12345;
		int r;

		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mkdir(small, 0755) < 0 || mount("tmpfs", small, "tmpfs", 0, "size=128k") < 0)
			_exit(77);
		/* 80 KiB that gzip cannot shrink, twice: the image and the fragment */
		for (int i = 0; i < 80 * 1024; i++) {
			x = x * 1103515245 + 12345;
			strbuf_addch(&noise, (char)(x >> 16));
		}
		CHILD_CHECK(payload_add_data(&p, "noise", 0644, noise.buf, noise.len) == 0);
		CHILD_CHECK(cpio_pack(&p, COMPRESSION_GZIP, COMPRESS_LEVEL_DEFAULT, &big) == 0);
		CHILD_CHECK(write_file_atomic(img, big.buf, big.len, 0644) == 0);
		CHILD_CHECK(cpio_pack(&p, COMPRESSION_GZIP, COMPRESS_LEVEL_DEFAULT, &frag) == 0);
		r = initrd_fragment_append(img, frag.buf, frag.len, F.state, &err);
		CHILD_CHECK(r == -ENOSPC);
		CHILD_CHECK(strstr(err.buf, "No space left on device"));
		CHILD_CHECK(read_file(img, &now) == 0);
		CHILD_CHECK(now.len == big.len && !memcmp(now.buf, big.buf, big.len));
		CHILD_CHECK(dir_count_entries(small) == 1);
		CHILD_CHECK(!path_exists(F.state));
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		skip(); /* no mount namespace here */
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void newc_entry(struct strbuf *sb, const char *magic, uint32_t mode, const char *name,
		       const char *data)
{
	size_t len = data ? strlen(data) : 0;

	strbuf_addf(sb, "%s%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", magic, 1, mode, 0, 0,
		    1, 0, len, 0, 0, 0, 0, strlen(name) + 1, 0);
	strbuf_add(sb, name, strlen(name) + 1);
	while (sb->len % 4)
		strbuf_addch(sb, '\0');
	strbuf_add(sb, data ?: "", len);
	while (sb->len % 4)
		strbuf_addch(sb, '\0');
}

/* fragment_check LINE... NULL: the problems found in cpio (gzip'd first when gz). */
static void expect_problems(const struct strbuf *cpio, bool gz, ...)
{
	struct strbuf frag = STRBUF_INIT;
	struct strv problems = STRV_INIT;
	const char *want;
	size_t n = 0;
	va_list ap;

	if (gz)
		assert_int_equal(compress_buffer(COMPRESSION_GZIP, COMPRESS_LEVEL_DEFAULT, cpio->buf, cpio->len, &frag), 0);
	else
		strbuf_add(&frag, cpio->buf, cpio->len);
	assert_int_equal(initrd_fragment_check(frag.buf, frag.len, &problems), 0);
	va_start(ap, gz);
	while ((want = va_arg(ap, const char *))) {
		if (n >= problems.n || !strstr(problems.v[n], want))
			fail_msg("problem %zu: want \"%s\", got \"%s\"", n, want,
				 n < problems.n ? problems.v[n] : "(none)");
		n++;
	}
	va_end(ap);
	if (n != problems.n)
		fail_msg("unexpected problem: %s", problems.v[n]);
	strv_release(&problems);
	strbuf_release(&frag);
}

static void test_fragment_rules(void **state)
{
	struct strbuf cpio = STRBUF_INIT;
	struct payload p = PAYLOAD_INIT;

	/* what formats/initramfs.c makes: parents first, no "lib" entry */
	newc_entry(&cpio, "070701", S_IFDIR | 0755, "lib/modules", NULL);
	newc_entry(&cpio, "070701", S_IFDIR | 0755, "lib/modules/" K, NULL);
	newc_entry(&cpio, "070701", S_IFREG | 0644, "lib/modules/" K "/modules.dep", "x.ko:\n");
	newc_entry(&cpio, "070701", 0, "TRAILER!!!", NULL);
	expect_problems(&cpio, true, NULL);
	expect_problems(&cpio, false, NULL);

	/* a file before its directory */
	strbuf_reset(&cpio);
	newc_entry(&cpio, "070701", S_IFREG | 0644, "lib/modules/" K "/modules.dep", "x.ko:\n");
	newc_entry(&cpio, "070701", 0, "TRAILER!!!", NULL);
	expect_problems(&cpio, true, "lib/modules/" K "/modules.dep: its directory lib/modules/" K " does not come before it", NULL);

	/* a lib directory entry, 070702 */
	strbuf_reset(&cpio);
	newc_entry(&cpio, "070702", S_IFDIR | 0755, "./lib", NULL);
	newc_entry(&cpio, "070702", 0, "TRAILER!!!", NULL);
	expect_problems(&cpio, true, "lib: a directory entry replaces a merged-/usr initrd's lib -> usr/lib link",
			"cpio magic 070702", NULL);

	/* no trailer; not an archive at all */
	strbuf_reset(&cpio);
	newc_entry(&cpio, "070701", S_IFDIR | 0755, "etc", NULL);
	expect_problems(&cpio, true, "content ends without TRAILER!!!", NULL);
	strbuf_reset(&cpio);
	strbuf_addstr(&cpio, "no archive");
	expect_problems(&cpio, false, "offset 0: junk", NULL);

	/* xz with CRC64 */
	strbuf_reset(&cpio);
	assert_int_equal(payload_add_str(&p, "etc/x", 0644, "x"), 0);
	assert_int_equal(cpio_write_payload(&p, &cpio), 0);
	{
		struct strbuf xz = STRBUF_INIT;
		struct strv problems = STRV_INIT;
		size_t pos = 0;

		strbuf_grow(&xz, cpio.len + 4096);
		assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, (const uint8_t *)cpio.buf,
							 cpio.len, (uint8_t *)xz.buf, &pos, cpio.len + 4096),
				 LZMA_OK);
		strbuf_setlen(&xz, pos);
		assert_int_equal(initrd_fragment_check(xz.buf, xz.len, &problems), 0);
		assert_int_equal(problems.n, 1);
		assert_non_null(strstr(problems.v[0], "CRC64"));
		/* and append refuses it */
		{
			struct strbuf err = STRBUF_INIT;

			assert_int_equal(initrd_fragment_append(F.image, xz.buf, xz.len, F.state, &err), -EBADMSG);
			assert_non_null(strstr(err.buf, "CRC64"));
			assert_false(path_exists(F.state));
			strbuf_release(&err);
		}
		strv_release(&problems);
		strbuf_release(&xz);
	}
	payload_release(&p);
	strbuf_release(&cpio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test_setup_teardown(test_append_remove_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_temp_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_after_lz4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragment_rules, setup, teardown),
	};

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
