// SPDX-License-Identifier: MIT
/*
 * cache/sha256: see sha256.h.  Straight from FIPS 180-4, section 6.2; on x86
 * CPUs with the SHA extensions the block function uses them (the preload
 * hashes every program it serves, so a 90 KB program costs 0.3 ms in C and
 * well under 0.1 ms with them).  The unit test checks both against the vectors
 * and against each other.
 */
#include <stdbool.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "cache/sha256.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block_c(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

#if defined(__x86_64__)
/*
 * Four rounds per step with sha256rnds2 (two rounds each), the message
 * schedule four words at a time with sha256msg1/msg2, as in Intel's white
 * paper "Intel SHA Extensions" (2013); the state lives as ABEF/CDGH.
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void sha256_blocks_ni(struct sha256 *s,
									 const uint8_t *p, size_t n)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bull, 0x0405060700010203ull);
	__m128i st0, st1, tmp, msg, m[4], abef, cdgh;
	int g;

	tmp = _mm_loadu_si128((const __m128i *)&s->h[0]);
	st1 = _mm_loadu_si128((const __m128i *)&s->h[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);    /* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1B);    /* EFGH */
	st0 = _mm_alignr_epi8(tmp, st1, 8);    /* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0); /* CDGH */
next:
	abef = st0, cdgh = st1;
	/* Unrolled, the m[] indexes are constants and m[] stays in registers. */
#pragma GCC unroll 16
	for (g = 0; g < 16; g++) {
		if (g < 4)
			m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)),
						mask);
		msg = _mm_add_epi32(m[g & 3], _mm_loadu_si128((const __m128i *)&K[4 * g]));
		st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
		if (g >= 3 && g <= 14) {
			tmp = _mm_alignr_epi8(m[g & 3], m[(g - 1) & 3], 4);
			m[(g + 1) & 3] = _mm_add_epi32(m[(g + 1) & 3], tmp);
			m[(g + 1) & 3] = _mm_sha256msg2_epu32(m[(g + 1) & 3], m[g & 3]);
		}
		msg = _mm_shuffle_epi32(msg, 0x0E);
		st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
		if (g >= 1 && g <= 12)
			m[(g - 1) & 3] = _mm_sha256msg1_epu32(m[(g - 1) & 3], m[g & 3]);
	}
	st0 = _mm_add_epi32(st0, abef);
	st1 = _mm_add_epi32(st1, cdgh);
	p += 64;
	if (--n)
		goto next;
	tmp = _mm_shuffle_epi32(st0, 0x1B);    /* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);    /* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0); /* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);    /* HGFE */
	_mm_storeu_si128((__m128i *)&s->h[0], st0);
	_mm_storeu_si128((__m128i *)&s->h[4], st1);
}

static bool sha256_have_ni(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return false;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}
#endif

/* 0: not decided yet, 1: C, 2: SHA extensions.  Races only ever store the same value. */
static int sha256_impl;

void sha256_use_generic(bool on)
{
	__atomic_store_n(&sha256_impl, on ? 1 : 0, __ATOMIC_RELAXED);
}

/* @n >= 1 consecutive blocks. */
static void sha256_blocks(struct sha256 *s, const uint8_t *p, size_t n)
{
	int impl = __atomic_load_n(&sha256_impl, __ATOMIC_RELAXED);

	if (!impl) {
#if defined(__x86_64__)
		impl = sha256_have_ni() ? 2 : 1;
#else
		impl = 1;
#endif
		__atomic_store_n(&sha256_impl, impl, __ATOMIC_RELAXED);
	}
#if defined(__x86_64__)
	if (impl == 2) {
		sha256_blocks_ni(s, p, n);
		return;
	}
#endif
	for (; n; n--, p += 64)
		sha256_block_c(s, p);
}

void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->nbuf = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->nbuf) {
		size_t n = 64 - s->nbuf < len ? 64 - s->nbuf : len;

		memcpy(s->buf + s->nbuf, p, n);
		s->nbuf += n, p += n, len -= n;
		if (s->nbuf < 64)
			return;
		sha256_blocks(s, s->buf, 1);
		s->nbuf = 0;
	}
	if (len >= 64) {
		sha256_blocks(s, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	memcpy(s->buf, p, len);
	s->nbuf = len;
}

void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN])
{
	uint64_t bits = s->len * 8;
	int i;

	s->buf[s->nbuf++] = 0x80;
	if (s->nbuf > 56) {
		memset(s->buf + s->nbuf, 0, 64 - s->nbuf);
		sha256_blocks(s, s->buf, 1);
		s->nbuf = 0;
	}
	memset(s->buf + s->nbuf, 0, 56 - s->nbuf);
	for (i = 0; i < 8; i++)
		s->buf[56 + i] = bits >> (56 - 8 * i);
	sha256_blocks(s, s->buf, 1);
	for (i = 0; i < 8; i++) {
		out[4 * i] = s->h[i] >> 24;
		out[4 * i + 1] = s->h[i] >> 16;
		out[4 * i + 2] = s->h[i] >> 8;
		out[4 * i + 3] = s->h[i];
	}
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
}

void sha256_hex(const uint8_t dig[SHA256_LEN], char hex[SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SHA256_LEN; i++) {
		hex[2 * i] = digits[dig[i] >> 4];
		hex[2 * i + 1] = digits[dig[i] & 15];
	}
	hex[SHA256_HEX_LEN] = '\0';
}
