/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * SHA-256 (FIPS 180-4), small and dependency-free: enough to tell whether a
 * file's bytes are still the ones recorded (initrd fragments).
 */
struct sha256 {
	uint32_t h[8];
	uint64_t len;       /* bytes hashed so far */
	uint8_t block[64];
	size_t used;        /* bytes waiting in block */
	bool sha_ni;        /* the CPU's SHA instructions do the work */
};

#define SHA256_HEX_SIZE 65 /* 64 hex digits and a NUL */

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t digest[32]);
/* The digest of data as lower-case hex. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE]);
void sha256_digest_hex(const uint8_t digest[32], char out[SHA256_HEX_SIZE]);
