// SPDX-License-Identifier: MIT
/*
 * core/interp: the checksum helpers and the packet write that may update a
 * checksum -- bpf_csum_diff, bpf_l3_csum_replace, bpf_l4_csum_replace,
 * bpf_skb_store_bytes -- with the arithmetic the kernel does on x86-64.
 *
 * Ones' complement sums have two zeroes (0 and all-ones), and which one a
 * routine produces depends on how it adds: the kernel's csum_partial()
 * (arch/x86/lib/csum-partial_64.c) adds 64-bit words in chains of adc, one
 * chain per block of 40, 32, 16, 8 bytes and the trailing bytes, with two
 * accumulators in its 64-byte loop, then folds to 32 bits by adding the
 * word to its rotation.  csum_fold() is x86's addl/adcl $0xffff.  We do the
 * same additions in the same order, so the zero a result holds is the
 * kernel's; tests/kernel/test_interp_csum.c checks it on random and
 * all-ones/all-zeroes buffers.
 *
 * bpf_csum_diff (6.12 and later) folds its result to 16 bits
 * (csum_from32to16), the seed alone too when both sizes are 0, computes
 * to - from as csum_sub() of two sums, and takes any sizes: neither a size
 * that is not a multiple of 4 nor more than 512 bytes in all is refused any
 * more (the kernel's answers, tests/kernel/test_interp_csum.c).
 * The replace helpers run on a test run's skb, whose ip_summed is
 * CHECKSUM_NONE: only the field in the packet changes, never skb->csum, so
 * BPF_F_PSEUDO_HDR changes nothing visible.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/interp_internal.h"

/* add with the carry in and out, as adcq */
static uint64_t adc(uint64_t a, uint64_t b, unsigned int *carry)
{
	unsigned __int128 s = (unsigned __int128)a + b + *carry;

	*carry = (unsigned int)(s >> 64);
	return (uint64_t)s;
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* "addq w0; adcq w1..; adcq $0" over @n words */
static uint64_t chain(uint64_t acc, const uint8_t *p, unsigned int n)
{
	unsigned int cf = 0, i;

	for (i = 0; i < n; i++)
		acc = adc(acc, ld64(p + 8 * i), &cf);
	return adc(acc, 0, &cf);
}

uint32_t interp_csum_partial(const uint8_t *buf, int len, uint32_t sum)
{
	uint64_t t = sum;

	if (len == 40)
		goto finalize_40;
	if (len >= 64) {
		uint64_t accum = 0;
		uint32_t carries = 0;
		unsigned int cf;

		len -= 64;
		do {
			cf = 0;
			t = adc(t, ld64(buf), &cf);
			t = adc(t, ld64(buf + 8), &cf);
			t = adc(t, ld64(buf + 16), &cf);
			t = adc(t, ld64(buf + 24), &cf);
			carries += cf; /* adcl $0 on 32 bits: cannot overflow here */
			cf = 0;
			accum = adc(accum, ld64(buf + 32), &cf);
			accum = adc(accum, ld64(buf + 40), &cf);
			accum = adc(accum, ld64(buf + 48), &cf);
			accum = adc(accum, ld64(buf + 56), &cf);
			carries += cf;
			buf += 64;
			len -= 64;
		} while (len >= 0);
		cf = 0;
		t = adc(t, accum, &cf);
		t = adc(t, carries, &cf);
		t = adc(t, 0, &cf);
	}
	if (len & 32) {
		t = chain(t, buf, 4);
		buf += 32;
	}
	if (len & 16) {
		t = chain(t, buf, 2);
		buf += 16;
	}
	if (len & 8) {
		t = chain(t, buf, 1);
		buf += 8;
	}
	if (len & 7) {
		uint64_t trail = 0;
		unsigned int cf = 0;

		memcpy(&trail, buf, len & 7);
		t = adc(t, trail, &cf);
		t = adc(t, 0, &cf);
	}
	goto finalize;
finalize_40:
	t = chain(t, buf, 5);
finalize:
	return (uint32_t)((t + (t >> 32 | t << 32)) >> 32);
}

static uint32_t csum_add(uint32_t csum, uint32_t addend)
{
	uint32_t res = csum + addend;

	return res + (res < addend);
}

static uint32_t csum_sub(uint32_t csum, uint32_t addend)
{
	return csum_add(csum, ~addend);
}

/* x86: addl (sum << 16), (sum & 0xffff0000); adcl $0xffff; ~ >> 16 */
static uint16_t csum_fold(uint32_t sum)
{
	uint32_t a = sum & 0xffff0000u, b = sum << 16, t = a + b;

	t = t + 0xffff + (t < b);
	return (uint16_t)(~t >> 16);
}

static uint16_t csum_from32to16(uint32_t sum)
{
	sum += sum >> 16 | sum << 16;
	return (uint16_t)(sum >> 16);
}

int64_t interp_csum_diff(const uint8_t *from, uint32_t from_size, const uint8_t *to,
			 uint32_t to_size, uint32_t seed)
{
	if (from_size && to_size)
		return csum_from32to16(csum_sub(interp_csum_partial(to, (int)to_size, seed),
						interp_csum_partial(from, (int)from_size, 0)));
	if (to_size)
		return csum_from32to16(interp_csum_partial(to, (int)to_size, seed));
	if (from_size)
		return csum_from32to16(~interp_csum_partial(from, (int)from_size, ~seed));
	return csum_from32to16(seed);
}

/* inet_proto_csum_replace4() and csum_replace4() on a CHECKSUM_NONE skb */
static uint16_t replace4(uint16_t sum, uint32_t from, uint32_t to, bool l4)
{
	uint8_t diff[8];
	uint32_t nf = ~from;

	if (!l4)
		return csum_fold(csum_add(csum_sub(~(uint32_t)sum, from), to));
	memcpy(diff, &nf, 4);
	memcpy(diff + 4, &to, 4);
	return csum_fold(interp_csum_partial(diff, 8, ~(uint32_t)sum));
}

static uint16_t csum16_add(uint16_t csum, uint16_t addend)
{
	uint16_t res = (uint16_t)(csum + addend);

	return (uint16_t)(res + (res < addend));
}

/*
 * bpf_l3_csum_replace / bpf_l4_csum_replace(skb, offset, from, to, flags):
 * the field at skb->data + offset (a test run's skb is linear and
 * unshared, so bpf_try_make_writable() fails only past its end).
 */
int64_t interp_csum_replace(struct interp_ctx *c, bool l4, uint32_t offset, uint64_t from,
			    uint64_t to, uint64_t flags)
{
	uint64_t allowed = BPF_F_HDR_FIELD_MASK;
	bool mmzero = flags & BPF_F_MARK_MANGLED_0;
	uint8_t *p;
	uint16_t sum;

	if (l4)
		allowed |= BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR |
			   BPF_F_IPV6;
	if (flags & ~allowed)
		return -EINVAL;
	if (offset > 0xffff || (offset & 1))
		return -EFAULT;
	if ((int64_t)offset + 2 > c->data_end - c->data)
		return -EFAULT;
	p = c->pkt + c->data + offset;
	memcpy(&sum, p, 2);
	if (l4 && mmzero && !(flags & BPF_F_MARK_ENFORCE) && !sum)
		return 0;
	switch (flags & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (from)
			return -EINVAL;
		sum = csum_fold(csum_add((uint32_t)to, ~(uint32_t)sum));
		break;
	case 2:
		if (l4)
			sum = replace4(sum, (uint16_t)from, (uint16_t)to, true);
		else
			sum = (uint16_t)~csum16_add(csum16_add((uint16_t)~sum,
							       (uint16_t)~(uint16_t)from),
						    (uint16_t)to);
		break;
	case 4:
		sum = replace4(sum, (uint32_t)from, (uint32_t)to, l4);
		break;
	default:
		return -EINVAL;
	}
	if (l4 && mmzero && !sum)
		sum = 0xffff; /* CSUM_MANGLED_0 */
	memcpy(p, &sum, 2);
	return 0;
}
