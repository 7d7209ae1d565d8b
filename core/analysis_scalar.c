// SPDX-License-Identifier: MIT
/*
 * core/analysis: the numeric domain -- what is known about a 64-bit number.
 *
 * A scalar is described twice, as the kernel verifier does it:
 *
 *   a tnum (value, mask): bits clear in mask are known and equal those of
 *   value; bits set in mask may be anything.  Masks, shifts and zero
 *   extension are exact here, and arithmetic carries unknown bits upward
 *   (the add/sub/mul of kernel/bpf/tnum.c);
 *
 *   signed and unsigned 64-bit bounds, which say what a tnum cannot ("less
 *   than the packet length" after a comparison).
 *
 * The two are kept consistent by analysis_scalar_sync(), the verifier's
 * reg_bounds_sync(): bounds are cut by the tnum's extreme values, signed and
 * unsigned bounds tighten each other when the range does not cross a sign
 * boundary, and the tnum learns the high bits the unsigned range fixes.
 * Every transfer function computes a superset of the concrete results
 * (64-bit wrap-around arithmetic); when a bound could overflow, the bound is
 * dropped, never wrapped.  ALU32 operates on the low halves and
 * zero-extends, which for add/sub/mul/and/or/xor/lsh/rsh is the 64-bit
 * operation followed by truncation -- the tnum operations are exact modulo
 * 2^64 and so modulo 2^32 -- and for arsh/sdiv/smod needs the sign of bit 31.
 *
 * Joins take the union of the sets (tnum: bits on which the two differ
 * become unknown; bounds: the hull), and widening drops any bound that moved,
 * so that a loop counter becomes "unknown above its start" after a few rounds
 * instead of counting to 2^64.
 */
#include <limits.h>
#include <string.h>

#include "core/analysis_internal.h"

struct tn {
	uint64_t v, m;
};

static struct tn tn_of(const struct analysis_scalar *s)
{
	return (struct tn){s->value, s->mask};
}

static struct tn tn_add(struct tn a, struct tn b)
{
	uint64_t sm = a.m + b.m, sv = a.v + b.v, sigma = sm + sv, chi = sigma ^ sv;
	uint64_t mu = chi | a.m | b.m;

	return (struct tn){sv & ~mu, mu};
}

static struct tn tn_sub(struct tn a, struct tn b)
{
	uint64_t dv = a.v - b.v, alpha = dv + a.m, beta = dv - b.m, chi = alpha ^ beta;
	uint64_t mu = chi | a.m | b.m;

	return (struct tn){dv & ~mu, mu};
}

static struct tn tn_and(struct tn a, struct tn b)
{
	uint64_t alpha = a.v | a.m, beta = b.v | b.m, v = a.v & b.v;

	return (struct tn){v, alpha & beta & ~v};
}

static struct tn tn_or(struct tn a, struct tn b)
{
	uint64_t v = a.v | b.v, mu = a.m | b.m;

	return (struct tn){v, mu & ~v};
}

static struct tn tn_xor(struct tn a, struct tn b)
{
	uint64_t v = a.v ^ b.v, mu = a.m | b.m;

	return (struct tn){v & ~mu, mu};
}

static struct tn tn_mul(struct tn a, struct tn b)
{
	uint64_t acc_v = a.v * b.v;
	struct tn acc_m = {0, 0};

	while (a.v || a.m) {
		if (a.v & 1)
			acc_m = tn_add(acc_m, (struct tn){0, b.m});
		else if (a.m & 1)
			acc_m = tn_add(acc_m, (struct tn){0, b.v | b.m});
		a.v >>= 1;
		a.m >>= 1;
		b.v <<= 1;
		b.m <<= 1;
	}
	return tn_add((struct tn){acc_v, 0}, acc_m);
}

/* The smallest tnum containing [min, max]. */
static struct tn tn_range(uint64_t min, uint64_t max)
{
	uint64_t chi = min ^ max, delta;
	int bits = chi ? 64 - __builtin_clzll(chi) : 0;

	if (bits > 63)
		return (struct tn){0, ~0ull};
	delta = (1ull << bits) - 1;
	return (struct tn){min & ~delta, delta};
}

static void set_tn(struct analysis_scalar *s, struct tn t)
{
	s->value = t.v & ~t.m;
	s->mask = t.m;
}

static void unbound(struct analysis_scalar *s)
{
	s->smin = INT64_MIN;
	s->smax = INT64_MAX;
	s->umin = 0;
	s->umax = UINT64_MAX;
}

void analysis_scalar_const(struct analysis_scalar *s, uint64_t v)
{
	s->value = v;
	s->mask = 0;
	s->smin = s->smax = (int64_t)v;
	s->umin = s->umax = v;
}

void analysis_scalar_unknown(struct analysis_scalar *s)
{
	s->value = 0;
	s->mask = ~0ull;
	unbound(s);
}

void analysis_scalar_width(struct analysis_scalar *s, unsigned int bits)
{
	analysis_scalar_unknown(s);
	if (bits >= 64)
		return;
	s->mask = (1ull << bits) - 1;
	analysis_scalar_sync(s);
}

bool analysis_scalar_is_const(const struct analysis_scalar *s)
{
	return s->mask == 0;
}

bool analysis_scalar_eq(const struct analysis_scalar *a, const struct analysis_scalar *b)
{
	return a->value == b->value && a->mask == b->mask && a->smin == b->smin &&
	       a->smax == b->smax && a->umin == b->umin && a->umax == b->umax;
}

static void update_bounds(struct analysis_scalar *s)
{
	int64_t tsmin = (int64_t)(s->value | (s->mask & (1ull << 63)));
	int64_t tsmax = (int64_t)(s->value | (s->mask & ~(1ull << 63)));

	if (tsmin > s->smin)
		s->smin = tsmin;
	if (tsmax < s->smax)
		s->smax = tsmax;
	if (s->value > s->umin)
		s->umin = s->value;
	if ((s->value | s->mask) < s->umax)
		s->umax = s->value | s->mask;
}

static void deduce_bounds(struct analysis_scalar *s)
{
	/* Unsigned range on one side of the sign boundary: it is the signed range too. */
	if ((int64_t)s->umin <= (int64_t)s->umax) {
		if ((int64_t)s->umin > s->smin)
			s->smin = (int64_t)s->umin;
		if ((int64_t)s->umax < s->smax)
			s->smax = (int64_t)s->umax;
	}
	if ((uint64_t)s->smin <= (uint64_t)s->smax) {
		if ((uint64_t)s->smin > s->umin)
			s->umin = (uint64_t)s->smin;
		if ((uint64_t)s->smax < s->umax)
			s->umax = (uint64_t)s->smax;
	}
}

bool analysis_scalar_sync(struct analysis_scalar *s)
{
	struct tn r;
	uint64_t v, m;

	update_bounds(s);
	deduce_bounds(s);
	if (s->umin > s->umax || s->smin > s->smax)
		return false;
	r = tn_range(s->umin, s->umax);
	/* intersect; conflicting known bits mean no value fits */
	if ((s->value ^ r.v) & ~(s->mask | r.m))
		return false;
	v = s->value | r.v;
	m = s->mask & r.m;
	s->value = v & ~m;
	s->mask = m;
	update_bounds(s);
	deduce_bounds(s);
	return s->umin <= s->umax && s->smin <= s->smax;
}

void analysis_scalar_join(struct analysis_scalar *d, const struct analysis_scalar *s, bool widen)
{
	uint64_t m = d->mask | s->mask | (d->value ^ s->value);

	d->value &= ~m;
	d->mask = m;
	if (s->smin < d->smin)
		d->smin = widen ? INT64_MIN : s->smin;
	if (s->smax > d->smax)
		d->smax = widen ? INT64_MAX : s->smax;
	if (s->umin < d->umin)
		d->umin = widen ? 0 : s->umin;
	if (s->umax > d->umax)
		d->umax = widen ? UINT64_MAX : s->umax;
	analysis_scalar_sync(d);
}

void analysis_scalar_zext32(struct analysis_scalar *s)
{
	if (s->umax <= UINT32_MAX)
		return;
	if ((s->umin >> 32) == (s->umax >> 32)) {
		/* one 4 GiB window: the low halves keep their order */
		uint64_t lo = s->umin & UINT32_MAX, hi = s->umax & UINT32_MAX;

		s->value &= UINT32_MAX;
		s->mask &= UINT32_MAX;
		unbound(s);
		s->umin = lo;
		s->umax = hi;
	} else {
		s->value &= UINT32_MAX;
		s->mask &= UINT32_MAX;
		unbound(s);
	}
	analysis_scalar_sync(s);
}

void analysis_scalar_sext(struct analysis_scalar *s, unsigned int bits)
{
	uint64_t low = bits >= 64 ? ~0ull : (1ull << bits) - 1, sign;

	if (bits >= 64)
		return;
	sign = 1ull << (bits - 1);
	if (s->umax < sign)
		return; /* non-negative in @bits: unchanged */
	s->value &= low;
	s->mask &= low;
	if (s->mask & sign)
		s->mask |= ~low;
	else if (s->value & sign)
		s->value |= ~low;
	unbound(s);
	s->smin = -(int64_t)sign;
	s->smax = (int64_t)(sign - 1);
	analysis_scalar_sync(s);
}

static void alu_add(struct analysis_scalar *d, const struct analysis_scalar *s)
{
	int64_t smin, smax;
	uint64_t umin, umax;
	bool sov, uov;

	sov = __builtin_add_overflow(d->smin, s->smin, &smin) |
	      __builtin_add_overflow(d->smax, s->smax, &smax);
	uov = __builtin_add_overflow(d->umin, s->umin, &umin) |
	      __builtin_add_overflow(d->umax, s->umax, &umax);
	set_tn(d, tn_add(tn_of(d), tn_of(s)));
	unbound(d);
	if (!sov) {
		d->smin = smin;
		d->smax = smax;
	}
	if (!uov) {
		d->umin = umin;
		d->umax = umax;
	}
}

static void alu_sub(struct analysis_scalar *d, const struct analysis_scalar *s)
{
	int64_t smin, smax;
	bool sov;
	bool uov = d->umin < s->umax;
	uint64_t umin = d->umin - s->umax, umax = d->umax - s->umin;

	sov = __builtin_sub_overflow(d->smin, s->smax, &smin) |
	      __builtin_sub_overflow(d->smax, s->smin, &smax);
	set_tn(d, tn_sub(tn_of(d), tn_of(s)));
	unbound(d);
	if (!sov) {
		d->smin = smin;
		d->smax = smax;
	}
	if (!uov) {
		d->umin = umin;
		d->umax = umax;
	}
}

static void alu_mul(struct analysis_scalar *d, const struct analysis_scalar *s)
{
	bool small = d->umax <= UINT32_MAX && s->umax <= UINT32_MAX;
	uint64_t umin = d->umin * s->umin, umax = d->umax * s->umax;

	set_tn(d, tn_mul(tn_of(d), tn_of(s)));
	unbound(d);
	if (small) {
		d->umin = umin;
		d->umax = umax;
	}
}

static void alu_div(struct analysis_scalar *d, const struct analysis_scalar *s)
{
	uint64_t umax = d->umax, umin = d->umin;

	if (analysis_scalar_is_const(s) && s->value == 0) {
		analysis_scalar_const(d, 0); /* division by zero gives 0 */
		return;
	}
	analysis_scalar_unknown(d);
	if (s->umin > 0) {
		d->umin = umin / s->umax;
		d->umax = umax / s->umin;
	} else {
		d->umax = umax; /* x / y <= x, and x / 0 = 0 */
	}
}

static void alu_mod(struct analysis_scalar *d, const struct analysis_scalar *s)
{
	uint64_t umax = d->umax;

	if (analysis_scalar_is_const(s) && s->value == 0)
		return; /* modulo by zero leaves the dividend */
	if (analysis_scalar_is_const(d) && analysis_scalar_is_const(s)) {
		analysis_scalar_const(d, d->value % s->value);
		return;
	}
	analysis_scalar_unknown(d);
	d->umax = umax; /* x % y <= x (and x % 0 = x) */
	if (s->umin > 0 && s->umax - 1 < umax)
		d->umax = s->umax - 1;
}

static void alu_shift(struct analysis_scalar *d, const struct analysis_scalar *s, uint8_t op,
		      unsigned int width)
{
	uint64_t k;

	if (!analysis_scalar_is_const(s)) {
		int64_t smin = d->smin, smax = d->smax;
		uint64_t umax = d->umax;

		analysis_scalar_unknown(d);
		if (op == BPF_RSH) {
			d->umax = umax; /* x >> n <= x */
		} else if (op == BPF_ARSH) {
			d->smin = smin < 0 ? smin : 0;
			d->smax = smax < 0 ? -1 : smax;
		}
		return;
	}
	k = s->value & (width - 1);
	if (k == 0)
		return;
	switch (op) {
	case BPF_LSH: {
		bool fits = (d->umax >> (64 - k)) == 0;
		uint64_t umin = d->umin << k, umax = d->umax << k;

		set_tn(d, (struct tn){d->value << k, d->mask << k});
		unbound(d);
		if (fits) {
			d->umin = umin;
			d->umax = umax;
		}
		break;
	}
	case BPF_RSH: {
		uint64_t umin = d->umin >> k, umax = d->umax >> k;

		set_tn(d, (struct tn){d->value >> k, d->mask >> k});
		unbound(d);
		d->umin = umin;
		d->umax = umax;
		break;
	}
	case BPF_ARSH: {
		int64_t smin = d->smin >> k, smax = d->smax >> k;

		set_tn(d, (struct tn){(uint64_t)((int64_t)d->value >> k),
				      (uint64_t)((int64_t)d->mask >> k)});
		unbound(d);
		d->smin = smin;
		d->smax = smax;
		break;
	}
	}
}

void analysis_scalar_alu(struct analysis_scalar *d, const struct analysis_scalar *src, uint8_t op,
			 int16_t off, bool alu32)
{
	struct analysis_scalar s = *src;

	if (alu32) {
		if (op == BPF_ARSH || (off == 1 && (op == BPF_DIV || op == BPF_MOD))) {
			analysis_scalar_zext32(d);
			analysis_scalar_sext(d, 32);
		} else {
			analysis_scalar_zext32(d);
		}
		analysis_scalar_zext32(&s);
	}
	if (analysis_scalar_is_const(d) && analysis_scalar_is_const(&s) && off == 0) {
		/* exact, so that constants stay constants through any op */
		uint64_t a = d->value, b = s.value, r;
		unsigned int w = alu32 ? 32 : 64;

		switch (op) {
		case BPF_ADD:
			r = a + b;
			break;
		case BPF_SUB:
			r = a - b;
			break;
		case BPF_MUL:
			r = a * b;
			break;
		case BPF_DIV:
			r = b ? a / b : 0;
			break;
		case BPF_MOD:
			r = b ? a % b : a;
			break;
		case BPF_OR:
			r = a | b;
			break;
		case BPF_AND:
			r = a & b;
			break;
		case BPF_XOR:
			r = a ^ b;
			break;
		case BPF_LSH:
			r = a << (b & (w - 1));
			break;
		case BPF_RSH:
			r = a >> (b & (w - 1));
			break;
		case BPF_ARSH:
			r = (uint64_t)((int64_t)a >> (b & (w - 1)));
			break;
		case BPF_NEG:
			r = -a;
			break;
		case BPF_MOV:
			r = b;
			break;
		default:
			goto general;
		}
		analysis_scalar_const(d, r);
		goto out;
	}
general:
	switch (op) {
	case BPF_ADD:
		alu_add(d, &s);
		break;
	case BPF_SUB:
		alu_sub(d, &s);
		break;
	case BPF_MUL:
		alu_mul(d, &s);
		break;
	case BPF_DIV:
		if (off)
			analysis_scalar_unknown(d);
		else
			alu_div(d, &s);
		break;
	case BPF_MOD:
		if (off)
			analysis_scalar_unknown(d);
		else
			alu_mod(d, &s);
		break;
	case BPF_OR: {
		uint64_t umin = d->umin > s.umin ? d->umin : s.umin;

		set_tn(d, tn_or(tn_of(d), tn_of(&s)));
		unbound(d);
		d->umin = umin;
		break;
	}
	case BPF_AND: {
		uint64_t umax = d->umax < s.umax ? d->umax : s.umax;

		set_tn(d, tn_and(tn_of(d), tn_of(&s)));
		unbound(d);
		d->umax = umax;
		break;
	}
	case BPF_XOR:
		set_tn(d, tn_xor(tn_of(d), tn_of(&s)));
		unbound(d);
		break;
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		alu_shift(d, &s, op, alu32 ? 32 : 64);
		break;
	case BPF_NEG: {
		struct analysis_scalar z;

		analysis_scalar_const(&z, 0);
		alu_sub(&z, d);
		*d = z;
		break;
	}
	case BPF_MOV:
		*d = s;
		break;
	default:
		analysis_scalar_unknown(d);
		break;
	}
out:
	if (!analysis_scalar_sync(d))
		analysis_scalar_unknown(d); /* cannot happen on sound inputs; stay sound */
	if (alu32)
		analysis_scalar_zext32(d);
}

static uint64_t bswap(uint64_t v, unsigned int bits)
{
	switch (bits) {
	case 16:
		return __builtin_bswap16((uint16_t)v);
	case 32:
		return __builtin_bswap32((uint32_t)v);
	default:
		return __builtin_bswap64(v);
	}
}

void analysis_scalar_end(struct analysis_scalar *d, unsigned int bits, bool swap)
{
	uint64_t low = bits >= 64 ? ~0ull : (1ull << bits) - 1;

	if (analysis_scalar_is_const(d)) {
		analysis_scalar_const(d, swap ? bswap(d->value, bits) : d->value & low);
		return;
	}
	if (swap) {
		/* known bytes move with the swap: exact on the tnum */
		struct tn t = {bswap(d->value, bits), bswap(d->mask, bits)};

		unbound(d);
		set_tn(d, t);
	} else if (bits < 64) {
		d->value &= low;
		d->mask &= low;
		unbound(d);
	}
	if (!analysis_scalar_sync(d))
		analysis_scalar_unknown(d);
}

/* ---- conditions -------------------------------------------------------- */

static uint8_t negate(uint8_t op)
{
	switch (op) {
	case BPF_JEQ:
		return BPF_JNE;
	case BPF_JNE:
		return BPF_JEQ;
	case BPF_JGT:
		return BPF_JLE;
	case BPF_JLE:
		return BPF_JGT;
	case BPF_JGE:
		return BPF_JLT;
	case BPF_JLT:
		return BPF_JGE;
	case BPF_JSGT:
		return BPF_JSLE;
	case BPF_JSLE:
		return BPF_JSGT;
	case BPF_JSGE:
		return BPF_JSLT;
	case BPF_JSLT:
		return BPF_JSGE;
	default:
		return 0xff; /* "JSET not taken" */
	}
}

static bool refine(struct analysis_scalar *a, struct analysis_scalar *b, uint8_t op)
{
	switch (op) {
	case BPF_JEQ: {
		uint64_t v, m;

		if ((a->value ^ b->value) & ~(a->mask | b->mask))
			return false;
		v = a->value | b->value;
		m = a->mask & b->mask;
		a->value = v & ~m;
		a->mask = m;
		if (b->smin > a->smin)
			a->smin = b->smin;
		if (b->smax < a->smax)
			a->smax = b->smax;
		if (b->umin > a->umin)
			a->umin = b->umin;
		if (b->umax < a->umax)
			a->umax = b->umax;
		if (!analysis_scalar_sync(a))
			return false;
		*b = *a;
		return true;
	}
	case BPF_JNE:
		if (analysis_scalar_is_const(a) && analysis_scalar_is_const(b))
			return a->value != b->value;
		if (analysis_scalar_is_const(b)) {
			if (a->umin == b->value)
				a->umin++;
			else if (a->umax == b->value)
				a->umax--;
			if (a->smin == (int64_t)b->value)
				a->smin++;
			else if (a->smax == (int64_t)b->value)
				a->smax--;
		} else if (analysis_scalar_is_const(a)) {
			return refine(b, a, BPF_JNE);
		}
		return true;
	case BPF_JGT:
		if (a->umax == 0 || b->umin == UINT64_MAX)
			return false;
		if (b->umin + 1 > a->umin)
			a->umin = b->umin + 1;
		if (a->umax - 1 < b->umax)
			b->umax = a->umax - 1;
		return true;
	case BPF_JGE:
		if (b->umin > a->umin)
			a->umin = b->umin;
		if (a->umax < b->umax)
			b->umax = a->umax;
		return true;
	case BPF_JLT:
		return refine(b, a, BPF_JGT);
	case BPF_JLE:
		return refine(b, a, BPF_JGE);
	case BPF_JSGT:
		if (a->smax == INT64_MIN || b->smin == INT64_MAX)
			return false;
		if (b->smin + 1 > a->smin)
			a->smin = b->smin + 1;
		if (a->smax - 1 < b->smax)
			b->smax = a->smax - 1;
		return true;
	case BPF_JSGE:
		if (b->smin > a->smin)
			a->smin = b->smin;
		if (a->smax < b->smax)
			b->smax = a->smax;
		return true;
	case BPF_JSLT:
		return refine(b, a, BPF_JSGT);
	case BPF_JSLE:
		return refine(b, a, BPF_JSGE);
	case BPF_JSET:
		if (analysis_scalar_is_const(b)) {
			if (((a->value | a->mask) & b->value) == 0)
				return false;
			if (__builtin_popcountll(b->value) == 1) {
				a->value |= b->value;
				a->mask &= ~b->value;
			}
		}
		return true;
	case 0xff: /* a & b == 0 */
		if (analysis_scalar_is_const(b)) {
			if (a->value & b->value)
				return false;
			a->mask &= ~b->value;
		}
		return true;
	}
	return true;
}

bool analysis_scalar_cond(struct analysis_scalar *a, struct analysis_scalar *b, uint8_t op,
			  bool jmp32, bool taken)
{
	if (!taken)
		op = negate(op);
	if (jmp32) {
		/* The low halves compare like the whole values only if the high halves are 0. */
		bool sgn = op == BPF_JSGT || op == BPF_JSGE || op == BPF_JSLT || op == BPF_JSLE;
		uint64_t lim = sgn ? (uint64_t)INT32_MAX : UINT32_MAX;

		if (a->umax > lim || b->umax > lim)
			return true;
	}
	if (!refine(a, b, op))
		return false;
	return analysis_scalar_sync(a) && analysis_scalar_sync(b);
}
