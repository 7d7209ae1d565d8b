/* SPDX-License-Identifier: MIT */
/*
 * cache/crc32c: CRC-32C (Castagnoli), the integrity check of an entry file's
 * binary part (cache.c, format 2).
 *
 * The load path reads an entry on every hit; its SHA-256 digests cost as much
 * as the key itself (about 0.6 ms per MB even on the CPU's SHA extensions).
 * What the check guards against is damage (a torn or flipped file), not an
 * adversary: only the effective user may write a cache it trusts, and such a
 * user could as well rewrite a digest.  CRC-32C detects every burst error up
 * to 32 bits, and SSE 4.2 computes it at several GB/s; the portable table
 * version is used elsewhere.
 */
#ifndef BPFSYNTH_CACHE_CRC32C_H
#define BPFSYNTH_CACHE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC-32C: start with crc32c(0, ...), feed the result back. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/* Tests: the portable version whatever the CPU has. */
uint32_t crc32c_generic(uint32_t crc, const void *data, size_t len);

#endif
