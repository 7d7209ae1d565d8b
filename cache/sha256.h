/* SPDX-License-Identifier: MIT */
/*
 * cache/sha256: FIPS 180-4 SHA-256, small and dependency-free.
 *
 * The cache key and the integrity checks of cache entries are SHA-256 digests.
 * None of the libraries we link (libelf, zlib, jansson, libbpf) offers one, and
 * the preload must not pull a crypto library into someone else's process, so
 * this is ours; tests/unit/test_cache.c checks it against the FIPS vectors.
 */
#ifndef BPFSYNTH_CACHE_SHA256_H
#define BPFSYNTH_CACHE_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* One-shot digest of @data. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* Lower-case hex of a digest; @hex gets SHA256_HEX_LEN characters and a NUL. */
void sha256_hex(const uint8_t dig[SHA256_LEN], char hex[SHA256_HEX_LEN + 1]);

/*
 * Tests: force the portable C block function (true), or go back to choosing
 * the fastest one the CPU has (false).
 */
void sha256_use_generic(bool on);

#endif
