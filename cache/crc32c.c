// SPDX-License-Identifier: MIT
/* cache/crc32c: see crc32c.h.  Reflected polynomial 0x82f63b78, as iSCSI and ext4. */
#include <stdbool.h>
#include <string.h>

#include "cache/crc32c.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

static uint32_t crc_table[256];
static int crc_table_ready; /* races only ever store the same table */

static void crc_table_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? c >> 1 ^ 0x82f63b78 : c >> 1;
		crc_table[i] = c;
	}
	__atomic_store_n(&crc_table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t crc32c_generic(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!__atomic_load_n(&crc_table_ready, __ATOMIC_ACQUIRE))
		crc_table_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ crc >> 8;
	return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data,
							       size_t len)
{
	const uint8_t *p = data;
	uint64_t c = ~crc, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
	}
	for (; len; p++, len--)
		c = _mm_crc32_u8((uint32_t)c, *p);
	return ~(uint32_t)c;
}

static bool crc32c_have_sse42(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
}
#endif

/* 0: not decided yet, 1: table, 2: SSE 4.2. */
static int crc_impl;

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	int impl = __atomic_load_n(&crc_impl, __ATOMIC_RELAXED);

	if (!impl) {
#if defined(__x86_64__)
		impl = crc32c_have_sse42() ? 2 : 1;
#else
		impl = 1;
#endif
		__atomic_store_n(&crc_impl, impl, __ATOMIC_RELAXED);
	}
#if defined(__x86_64__)
	if (impl == 2)
		return crc32c_sse42(crc, data, len);
#endif
	return crc32c_generic(crc, data, len);
}
