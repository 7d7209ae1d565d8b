// SPDX-License-Identifier: MIT
/*
 * core/search_exec: the small concrete executor that scores candidates.
 *
 * The search runs every candidate on a few dozen test states per proposal,
 * tens of thousands of proposals per window, so this is not core/interp
 * (which runs whole programs with helpers and kernel-exact ctx layouts) but
 * a straight-line executor over one flat state: registers as region + offset
 * for pointers, the stack, the ctx bytes, the values of the maps the entry
 * registers point into, and the packet.  ALU semantics are the kernel's
 * (DESIGN.md "Kernel semantics that are easy to get wrong").
 *
 * It is stricter than the kernel where the verifier would be: pointer
 * arithmetic other than adding/subtracting scalars, ALU32 on pointers,
 * misaligned or partial stack accesses to spilled pointers, pointer stores
 * outside the stack, ctx accesses the original window does not make, and (in
 * a candidate) reads of stack bytes nobody wrote are faults.  A candidate
 * that faults where the original does not costs SX_FAULT_ERR, so the search
 * stays among programs the verifier can accept.  It is only a filter: every
 * candidate kept is proven by core/smt.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/prog.h"
#include "core/search_internal.h"

/* The access or operation the verifier (or the executor) refuses: stop here. */
#define FAULT(st)                                                                                  \
	do {                                                                                       \
		(st)->status = SX_FAULT;                                                           \
		return;                                                                            \
	} while (0)

static uint64_t bswap(uint64_t x, int bits)
{
	switch (bits) {
	case 16:
		return __builtin_bswap16((uint16_t)x);
	case 32:
		return __builtin_bswap32((uint32_t)x);
	default:
		return __builtin_bswap64(x);
	}
}

static uint64_t sext(uint64_t x, int bits)
{
	return (uint64_t)((int64_t)(x << (64 - bits)) >> (64 - bits));
}

/* The scalar part of ALU: dst op src in 64 or 32 bits. */
static uint64_t alu(uint8_t op, bool is64, uint64_t d, uint64_t s, int16_t off)
{
	uint32_t d32 = (uint32_t)d, s32 = (uint32_t)s;

	if (is64) {
		switch (op) {
		case BPF_ADD: return d + s;
		case BPF_SUB: return d - s;
		case BPF_MUL: return d * s;
		case BPF_DIV:
			if (!s)
				return 0;
			if (off == 1) {
				if ((int64_t)s == -1)
					return -d; /* INT64_MIN / -1 wraps */
				return (uint64_t)((int64_t)d / (int64_t)s);
			}
			return d / s;
		case BPF_MOD:
			if (!s)
				return d;
			if (off == 1) {
				if ((int64_t)s == -1)
					return 0;
				return (uint64_t)((int64_t)d % (int64_t)s);
			}
			return d % s;
		case BPF_OR: return d | s;
		case BPF_AND: return d & s;
		case BPF_XOR: return d ^ s;
		case BPF_LSH: return d << (s & 63);
		case BPF_RSH: return d >> (s & 63);
		case BPF_ARSH: return (uint64_t)((int64_t)d >> (s & 63));
		case BPF_NEG: return -d;
		case BPF_MOV: return off ? sext(s, off) : s;
		}
		return 0;
	}
	switch (op) {
	case BPF_ADD: return (uint32_t)(d32 + s32);
	case BPF_SUB: return (uint32_t)(d32 - s32);
	case BPF_MUL: return (uint32_t)(d32 * s32);
	case BPF_DIV:
		if (!s32)
			return 0;
		if (off == 1) {
			if ((int32_t)s32 == -1)
				return (uint32_t)-d32;
			return (uint32_t)((int32_t)d32 / (int32_t)s32);
		}
		return d32 / s32;
	case BPF_MOD:
		if (!s32)
			return d32;
		if (off == 1) {
			if ((int32_t)s32 == -1)
				return 0;
			return (uint32_t)((int32_t)d32 % (int32_t)s32);
		}
		return d32 % s32;
	case BPF_OR: return d32 | s32;
	case BPF_AND: return d32 & s32;
	case BPF_XOR: return d32 ^ s32;
	case BPF_LSH: return (uint32_t)(d32 << (s32 & 31));
	case BPF_RSH: return d32 >> (s32 & 31);
	case BPF_ARSH: return (uint32_t)((int32_t)d32 >> (s32 & 31));
	case BPF_NEG: return (uint32_t)-d32;
	case BPF_MOV: return off ? (uint32_t)sext(s32, off) : s32;
	}
	return 0;
}

static bool ptr_arith_ok(uint8_t tag)
{
	return tag == SX_STK || tag == SX_PKT || tag == SX_MAPVAL;
}

static void exec_alu(const struct bpf_insn *in, struct sx_state *st)
{
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;
	uint8_t op = BPF_OP(in->code);
	struct sx_reg *d = &st->r[in->dst_reg], s;

	if (in->dst_reg > 9 || (BPF_SRC(in->code) == BPF_X && in->src_reg > 10))
		FAULT(st);
	if (op == BPF_END) {
		int bits = in->imm;

		if ((bits != 16 && bits != 32 && bits != 64) || d->tag != SX_SCALAR)
			FAULT(st);
		if (is64 || BPF_SRC(in->code) == BPF_TO_BE)
			d->v = bswap(d->v, bits);
		else if (bits < 64)
			d->v &= (1ULL << bits) - 1;
		return;
	}
	if (op > BPF_END || (op == BPF_NEG && BPF_SRC(in->code) == BPF_X))
		FAULT(st);
	/* what the verifier rejects on sight: constant shifts out of range, division by 0 */
	if (BPF_SRC(in->code) == BPF_K &&
	    (((op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) &&
	      (in->imm < 0 || in->imm >= (is64 ? 64 : 32))) ||
	     ((op == BPF_DIV || op == BPF_MOD) && !in->imm)))
		FAULT(st);
	if (BPF_SRC(in->code) == BPF_X && op != BPF_NEG) {
		s = st->r[in->src_reg];
		if (s.tag == SX_NONE)
			FAULT(st);
	} else {
		s = (struct sx_reg){.v = (uint64_t)(int64_t)in->imm, .tag = SX_SCALAR};
	}
	if ((op == BPF_DIV || op == BPF_MOD) ? in->off > 1 || in->off < 0
	    : op == BPF_MOV			 ? in->off != 0 && !(in->off == 8 || in->off == 16 ||
							     (is64 && in->off == 32))
						 : in->off != 0)
		FAULT(st);
	if (op == BPF_MOV) {
		if (s.tag != SX_SCALAR && (!is64 || in->off))
			FAULT(st);
		if (s.tag != SX_SCALAR) {
			*d = s;
			return;
		}
		d->v = alu(op, is64, 0, s.v, in->off);
		d->tag = SX_SCALAR;
		return;
	}
	if (d->tag == SX_NONE)
		FAULT(st);
	if (d->tag == SX_SCALAR && s.tag == SX_SCALAR) {
		d->v = alu(op, is64, d->v, s.v, in->off);
		return;
	}
	/* pointers: only 64-bit +/- scalar, and pointer - pointer of one region */
	if (!is64)
		FAULT(st);
	if (op == BPF_ADD && d->tag == SX_SCALAR && ptr_arith_ok(s.tag)) {
		uint64_t v = d->v;

		*d = s;
		d->v += v;
		return;
	}
	if ((op == BPF_ADD || op == BPF_SUB) && ptr_arith_ok(d->tag) && s.tag == SX_SCALAR) {
		d->v = op == BPF_ADD ? d->v + s.v : d->v - s.v;
		return;
	}
	if (op == BPF_SUB && d->tag == s.tag && d->map == s.map && ptr_arith_ok(d->tag)) {
		d->v -= s.v;
		d->tag = SX_SCALAR;
		return;
	}
	/*
	 * data_end - data: the packet's length from there (a scalar the
	 * verifier knows nothing of; privileged programs only).  A pointer's
	 * value here is its offset in the packet, data_end's the length.
	 */
	if (op == BPF_SUB && ((d->tag == SX_PKT_END && s.tag == SX_PKT) ||
			      (d->tag == SX_PKT && s.tag == SX_PKT_END))) {
		d->v -= s.v;
		d->tag = SX_SCALAR;
		return;
	}
	FAULT(st);
}

static const uint8_t sizes[4] = {4, 2, 1, 8}; /* BPF_W, BPF_H, BPF_B, BPF_DW >> 3 */

/*
 * Which packet pointer a ctx field is: 1 data, 2 data_end, -1 overlaps a
 * pointer field otherwise (data_meta, partial reads), 0 plain data.
 */
static int ctx_ptr_field(uint32_t type, int64_t off, uint32_t size)
{
	int64_t d, de, dm;

	if (type == BPF_PROG_TYPE_XDP) {
		d = offsetof(struct xdp_md, data);
		de = offsetof(struct xdp_md, data_end);
		dm = offsetof(struct xdp_md, data_meta);
	} else if (type == BPF_PROG_TYPE_SOCKET_FILTER || type == BPF_PROG_TYPE_SCHED_CLS ||
		   type == BPF_PROG_TYPE_SCHED_ACT || type == BPF_PROG_TYPE_CGROUP_SKB ||
		   type == BPF_PROG_TYPE_LWT_IN || type == BPF_PROG_TYPE_LWT_OUT ||
		   type == BPF_PROG_TYPE_LWT_XMIT || type == BPF_PROG_TYPE_SK_SKB) {
		d = offsetof(struct __sk_buff, data);
		de = offsetof(struct __sk_buff, data_end);
		dm = offsetof(struct __sk_buff, data_meta);
	} else {
		return 0;
	}
	if (off == d && size == 4)
		return 1;
	if (off == de && size == 4)
		return 2;
	if ((off < d + 4 && off + size > d) || (off < de + 4 && off + size > de) ||
	    (off < dm + 4 && off + size > dm))
		return -1;
	return 0;
}

static bool ctx_allowed(struct sx_env *e, int32_t off, uint8_t size, bool write)
{
	uint32_t i;

	for (i = 0; i < e->nctx_acc; i++)
		if (e->ctx_acc[i].off == off && e->ctx_acc[i].size == size &&
		    e->ctx_acc[i].write == write)
			return true;
	if (!e->record || e->nctx_acc == SX_CTX_ACCESSES)
		return false;
	e->ctx_acc[e->nctx_acc++] = (struct sx_ctx_access){off, size, write};
	return true;
}

static uint64_t load_le(const uint8_t *p, uint32_t size)
{
	uint64_t v = 0;

	memcpy(&v, p, size); /* x86-64: little-endian, as the kernel we run on */
	return v;
}

static bool stack_init(const struct sx_state *st, int32_t k, uint32_t size)
{
	uint32_t j;

	for (j = 0; j < size; j++)
		if (!((st->sinit[(k + j) / 64] >> ((k + j) % 64)) & 1))
			return false;
	return true;
}

/*
 * Resolve an access of @size at @base + @off: a pointer into st->mem, or NULL
 * for a fault.  *slot is the stack slot for stack accesses, else -1.
 */
static uint8_t *resolve(struct sx_env *e, struct sx_state *st, const struct sx_reg *base,
			int16_t off, uint32_t size, bool write, int *slot, int *ctxf)
{
	/*
	 * Offsets may be anything a test's variable part makes them: bounds are
	 * compared without adding to @o, which could overflow.
	 */
	int64_t o = (int64_t)(base->v + (uint64_t)(int64_t)off);

	*slot = -1;
	*ctxf = 0;
	switch (base->tag) {
	case SX_STK:
		/* the verifier insists on aligned stack accesses (its spill tracking needs them) */
		if (o < -SX_STACK || o > -(int64_t)size || o % size)
			return NULL;
		*slot = (int)((o + SX_STACK) / 8);
		return st->mem + (o + SX_STACK);
	case SX_CTX:
		if (base->v || o < 0 || o > (int64_t)SX_CTX_SIZE - (int64_t)size ||
		    !ctx_allowed(e, (int32_t)o, (uint8_t)size, write))
			return NULL;
		*ctxf = ctx_ptr_field(e->prog_type, o, size);
		if (*ctxf && (write || *ctxf < 0))
			return NULL;
		return st->mem + e->ctx_off + o;
	case SX_PKT:
		if (o < 0 || o > (int64_t)st->pkt_len - (int64_t)size)
			return NULL;
		/* some program types may not write the packet: only if the original does */
		if (write && !e->pkt_write) {
			if (!e->record)
				return NULL;
			e->pkt_write = true;
		}
		return st->mem + e->pkt_off + o;
	case SX_MAPVAL:
		if (base->map >= e->nmaps || o < 0 ||
		    o > (int64_t)e->maps[base->map].value_size - (int64_t)size ||
		    (write && (e->maps[base->map].flags & BPF_F_RDONLY_PROG)))
			return NULL;
		return st->mem + e->mv_off[base->map] + o;
	}
	return NULL;
}

static void exec_mem(struct sx_env *e, const struct bpf_insn *in, struct sx_state *st)
{
	uint8_t cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
	uint32_t size = sizes[BPF_SIZE(in->code) >> 3];
	const struct sx_reg *base;
	struct sx_reg val;
	int slot, ctxf;
	uint8_t *p;

	if (in->dst_reg > 10 || in->src_reg > 10)
		FAULT(st);
	if (cls == BPF_LDX) {
		bool sx = mode == BPF_MEMSX;

		if ((mode != BPF_MEM && !sx) || (sx && size == 8) || in->dst_reg > 9)
			FAULT(st);
		base = &st->r[in->src_reg];
		p = resolve(e, st, base, in->off, size, false, &slot, &ctxf);
		if (!p)
			FAULT(st);
		if (slot >= 0) {
			int32_t k = (int32_t)(p - st->mem);

			if (!e->record && !stack_init(st, k, size))
				FAULT(st);
			if (st->stag[slot]) {
				if (size != 8 || sx)
					FAULT(st);
				st->r[in->dst_reg] = (struct sx_reg){
					.v = load_le(p, 8), .tag = st->stag[slot], .map = st->smap[slot]};
				return;
			}
		}
		if (ctxf) {
			if (sx)
				FAULT(st);
			st->r[in->dst_reg] =
				ctxf == 1 ? (struct sx_reg){.v = 0, .tag = SX_PKT}
					  : (struct sx_reg){.v = st->pkt_len, .tag = SX_PKT_END};
			return;
		}
		val.v = load_le(p, size);
		if (sx)
			val.v = sext(val.v, (int)size * 8);
		val.tag = SX_SCALAR;
		val.map = 0;
		st->r[in->dst_reg] = val;
		return;
	}
	if (mode != BPF_MEM) /* atomics: not searched */ {
		st->status = SX_UNSUP;
		return;
	}
	if (cls == BPF_STX) {
		val = st->r[in->src_reg];
		if (val.tag == SX_NONE)
			FAULT(st);
	} else {
		val = (struct sx_reg){.v = (uint64_t)(int64_t)in->imm, .tag = SX_SCALAR};
	}
	base = &st->r[in->dst_reg];
	p = resolve(e, st, base, in->off, size, true, &slot, &ctxf);
	if (!p)
		FAULT(st);
	if (val.tag != SX_SCALAR && (slot < 0 || size != 8))
		FAULT(st); /* pointers spill whole, to the stack only */
	memcpy(p, &val.v, size);
	if (slot < 0)
		st->mdirty = true;
	if (slot >= 0) {
		int32_t k = (int32_t)(p - st->mem);
		uint32_t j;

		st->sdirty |= 1ULL << slot;
		st->stag[slot] = val.tag == SX_SCALAR ? 0 : val.tag;
		st->smap[slot] = val.tag == SX_SCALAR ? 0 : val.map;
		for (j = 0; j < size; j++)
			st->sinit[(k + j) / 64] |= 1ULL << ((k + j) % 64);
	}
}

bool sx_insn_searchable(const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code);

	if (search_insn_is_nop(in))
		return true;
	if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX || cls == BPF_ST)
		return true;
	return cls == BPF_STX && BPF_MODE(in->code) == BPF_MEM;
}

/* A conditional jump's decision, on scalars only: 1 taken, 0 not, -1 a fault (set). */
static int exec_cond(const struct bpf_insn *in, struct sx_state *st)
{
	bool is32 = BPF_CLASS(in->code) == BPF_JMP32;
	const struct sx_reg *d = &st->r[in->dst_reg], *s = &st->r[in->src_reg];
	uint64_t a = d->v, b = BPF_SRC(in->code) == BPF_X ? s->v : (uint64_t)(int64_t)in->imm;
	int64_t sa, sb;
	bool t;

	if (d->tag != SX_SCALAR || (BPF_SRC(in->code) == BPF_X && s->tag != SX_SCALAR)) {
		st->status = SX_FAULT;
		return -1;
	}
	if (is32) {
		a = (uint32_t)a;
		b = (uint32_t)b;
		sa = (int32_t)a;
		sb = (int32_t)b;
	} else {
		sa = (int64_t)a;
		sb = (int64_t)b;
	}
	switch (BPF_OP(in->code)) {
	case BPF_JEQ: t = a == b; break;
	case BPF_JNE: t = a != b; break;
	case BPF_JSET: t = (a & b) != 0; break;
	case BPF_JGT: t = a > b; break;
	case BPF_JGE: t = a >= b; break;
	case BPF_JLT: t = a < b; break;
	case BPF_JLE: t = a <= b; break;
	case BPF_JSGT: t = sa > sb; break;
	case BPF_JSGE: t = sa >= sb; break;
	case BPF_JSLT: t = sa < sb; break;
	case BPF_JSLE: t = sa <= sb; break;
	default:
		st->status = SX_UNSUP;
		return -1;
	}
	return t;
}

void sx_alu(const struct bpf_insn *in, struct sx_state *st)
{
	exec_alu(in, st);
}

void sx_run(struct sx_env *e, const struct bpf_insn *insns, uint32_t len, struct sx_state *st)
{
	uint32_t i;

	st->status = SX_OK;
	st->taken = -1;
	st->path = 0;
	st->exit = 0;
	for (i = 0; i < len && st->status == SX_OK; i++) {
		const struct bpf_insn *in = &insns[i];

		switch (BPF_CLASS(in->code)) {
		case BPF_ALU:
		case BPF_ALU64:
			exec_alu(in, st);
			break;
		case BPF_LDX:
		case BPF_ST:
		case BPF_STX:
			exec_mem(e, in, st);
			break;
		case BPF_JMP:
		case BPF_JMP32: {
			int t;

			if (i + 1 == len && search_is_tail(in)) {
				/* a window's final jump: its decision is an outcome */
				t = exec_cond(in, st);
				if (t >= 0)
					st->taken = t;
				break;
			}
			if (search_is_inner_jump(in)) {
				bool tail = search_is_tail(&insns[len - 1]);
				uint32_t to = i + 1 + (uint32_t)in->off;

				/*
				 * forward, to the window's end at most, or (no
				 * tail) past it: a way out (search_exits())
				 */
				if (in->off < 0 || (tail && to > len - 1)) {
					st->status = SX_UNSUP;
					break;
				}
				t = in->code == (BPF_JMP | BPF_JA) ? 1 : exec_cond(in, st);
				if (t > 0) {
					st->path |= (uint16_t)(1u << (i & 15));
					if (to > len) {
						st->exit = (uint16_t)(to - len);
						return;
					}
					i += (uint32_t)in->off;
				}
				break;
			}
		}
			/* fall through */
		default:
			if (!search_insn_is_nop(in))
				st->status = SX_UNSUP;
		}
	}
}

void sx_copy(const struct sx_env *e, struct sx_state *dst, const struct sx_state *src)
{
	memcpy(dst, src, sizeof(*src) + e->pkt_off + src->pkt_len);
}

/*
 * Bits set in @x.  Not __builtin_popcountll: without -mpopcnt (a baseline
 * x86-64 build) that is a call into libgcc per use, and sx_error runs for
 * every test of every proposal.
 */
static inline uint32_t popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (uint32_t)((x * 0x0101010101010101ULL) >> 56);
}

uint32_t sx_error(const struct sx_env *e, const struct sx_state *a, const struct sx_state *b,
		  uint32_t limit)
{
	uint32_t err = 0, i, n;
	uint16_t regs = e->cond->live_regs & 0x7ff;
	uint64_t slots;

	if (b->status != SX_OK || a->taken != b->taken || a->exit != b->exit)
		return SX_FAULT_ERR;
	if (e->cond->nexits) {
		/* the registers the way out taken reads */
		for (i = 0; i < e->cond->nexits && e->cond->exit_id[i] != a->exit; i++)
			;
		regs = i < e->cond->nexits ? e->cond->exit_live[i] & 0x7ff : regs;
	}
	for (; regs; regs &= regs - 1) {
		i = (uint32_t)__builtin_ctz(regs);
		if (a->r[i].tag != b->r[i].tag || a->r[i].map != b->r[i].map)
			err += 64;
		else
			err += popcount64(a->r[i].v ^ b->r[i].v);
	}
	/*
	 * Both runs start from the same state, so only slots one of them stored
	 * to can differ: those of them that are live.
	 */
	for (slots = (a->sdirty | b->sdirty) & e->live_slots; slots && err <= limit;
	     slots &= slots - 1) {
		uint64_t x, y;

		i = (uint32_t)__builtin_ctzll(slots);
		if (a->stag[i] != b->stag[i] || a->smap[i] != b->smap[i])
			err += 64;
		memcpy(&x, a->mem + 8 * i, 8);
		memcpy(&y, b->mem + 8 * i, 8);
		err += popcount64((x ^ y) & e->live_slot_mask[i]);
	}
	n = e->pkt_off + a->pkt_len;
	/* the rest of memory, where a run stored to it (both start alike) */
	if (err <= limit && (a->mdirty || b->mdirty) &&
	    memcmp(a->mem + SX_STACK, b->mem + SX_STACK, n - SX_STACK)) {
		for (i = SX_STACK; i + 8 <= n; i += 8) {
			uint64_t x, y;

			memcpy(&x, a->mem + i, 8);
			memcpy(&y, b->mem + i, 8);
			err += popcount64(x ^ y);
		}
		for (; i < n; i++)
			err += popcount64((uint64_t)(a->mem[i] ^ b->mem[i]));
	}
	return err;
}

/* ---- test states ---- */

static uint64_t rand_scalar_raw(uint64_t *rng)
{
	uint64_t r = sx_rand(rng);

	switch (r & 7) {
	case 0:
		return (r >> 8) & 0xff;
	case 1:
		return (uint64_t) - (int64_t)((r >> 8) & 0xff);
	case 2:
		return 1ULL << ((r >> 8) & 63);
	case 3:
		return (r >> 8) & 0xffffffff;
	case 4:
		return (r >> 8) & 0xffff;
	default:
		return sx_rand(rng);
	}
}

static bool scalar_fits(const struct analysis_scalar *s, uint64_t x)
{
	return (x & ~s->mask) == s->value && x >= s->umin && x <= s->umax &&
	       (int64_t)x >= s->smin && (int64_t)x <= s->smax;
}

/* A value of the scalar @s: in the tnum and, where a few tries find one, the bounds. */
static uint64_t rand_scalar(const struct analysis_scalar *s, bool is32, uint64_t *rng)
{
	uint64_t x = 0, cands[4] = {s->umin, s->umax, (uint64_t)s->smin, (uint64_t)s->smax};
	int k;

	for (k = 0; k < 8; k++) {
		x = s->value | (rand_scalar_raw(rng) & s->mask);
		if (is32)
			x &= 0xffffffff;
		if (scalar_fits(s, x))
			return x;
	}
	for (k = 0; k < 4; k++)
		if (scalar_fits(s, cands[k]))
			return cands[k];
	return x;
}

static void state_base(const struct sx_env *e, const struct analysis_state *as,
		       const struct smt_window_cond *c, uint64_t *rng, struct sx_state *st)
{
	uint32_t i, n = e->pkt_off;
	uint8_t scratch[11];
	uint16_t vars;

	memset(st, 0, sizeof(*st));
	/* words of memory like scalars: zeroes and small numbers as often as noise */
	for (i = 0; i < n; i += 8) {
		uint64_t r = rand_scalar_raw(rng);

		memcpy(st->mem + i, &r, n - i < 8 ? n - i : 8);
	}
	for (i = 0; i < SX_STACK / 8; i++) {
		/* slot k of the analysis is fp-8(k+1): our slot 63 - k */
		const struct analysis_slot *sl = &as->slots[SX_STACK / 8 - 1 - i];
		uint32_t j;

		for (j = 0; j < 8; j++) {
			if ((sl->init >> j) & 1)
				st->sinit[(8 * i + j) / 64] |= 1ULL << ((8 * i + j) % 64);
			if ((sl->known >> j) & 1)
				st->mem[8 * i + j] = sl->val[j];
		}
	}
	for (i = 0; i < 11; i++) {
		const struct smt_reg_desc *d = &c->regs[i];
		struct sx_reg *r = &st->r[i];

		r->map = 0;
		switch (d->type) {
		case SMT_REG_SCALAR:
		case SMT_REG_SCALAR32:
			r->tag = SX_SCALAR;
			r->v = rand_scalar(&as->regs[i].s, d->type == SMT_REG_SCALAR32, rng);
			break;
		case SMT_REG_CTX:
			r->tag = SX_CTX;
			r->v = (uint64_t)(int64_t)d->off;
			break;
		case SMT_REG_STACK:
			r->tag = SX_STK;
			r->v = (uint64_t)(int64_t)d->off;
			break;
		case SMT_REG_PKT:
			r->tag = SX_PKT;
			r->v = (uint64_t)(int64_t)d->off;
			break;
		case SMT_REG_PKT_END:
			r->tag = SX_PKT_END;
			break;
		case SMT_REG_MAP_VALUE:
			if (d->map >= e->nmaps || d->map >= SMT_MAX_MAPS) {
				r->tag = SX_NONE;
				break;
			}
			r->tag = SX_MAPVAL;
			r->map = d->map;
			r->v = (uint64_t)(int64_t)d->off;
			break;
		default:
			r->tag = SX_NONE;
		}
	}
	vars = search_var_ptrs(as, e->var_want, e->scratch_live, scratch);
	for (i = 0; i < 11; i++) {
		if (!((vars >> i) & 1) || st->r[i].tag == SX_NONE)
			continue;
		/* as the solver's prefix makes it: the scratch holds the variable part */
		st->r[scratch[i]].tag = SX_SCALAR;
		st->r[scratch[i]].v = rand_scalar(&as->regs[i].s, false, rng);
		st->r[i].v += st->r[scratch[i]].v;
	}
}

/* A counterexample's scratch values, as the prefix makes them variable parts. */
static void cex_vars(const struct sx_env *e, const struct analysis_state *as,
		     const struct smt_window_cond *c, struct sx_state *st)
{
	uint8_t scratch[11];
	uint16_t vars = search_var_ptrs(as, e->var_want, e->scratch_live, scratch);
	uint32_t i;

	for (i = 0; i < 11; i++) {
		const struct analysis_scalar *x = &as->regs[i].s;
		struct sx_reg *sr;

		if (!((vars >> i) & 1) || st->r[i].tag == SX_NONE)
			continue;
		sr = &st->r[scratch[i]];
		sr->v = (sr->v & x->mask) | x->value;
		st->r[i].v = (uint64_t)(int64_t)c->regs[i].off + sr->v;
	}
}

void sx_set_pkt_len(struct sx_state *st, uint32_t len)
{
	uint32_t i;

	if (len > SX_PKT_MAX)
		len = SX_PKT_MAX;
	st->pkt_len = len;
	for (i = 0; i < 11; i++)
		if (st->r[i].tag == SX_PKT_END)
			st->r[i].v = len;
}

void sx_random_state(const struct sx_env *e, const struct analysis_state *as,
		     const struct smt_window_cond *c, uint64_t *rng, struct sx_state *st)
{
	uint32_t need = 0, i, len;

	state_base(e, as, c, rng, st);
	/* long enough for what the analysis proved readable; sometimes shorter */
	for (i = 0; i < 11; i++) {
		/* the range counts from the pointer's variable part (the verifier's reg->range) */
		uint64_t var = st->r[i].tag == SX_PKT ? st->r[i].v - (uint64_t)(int64_t)c->regs[i].off
						      : 0;

		if (as->regs[i].type == ANALYSIS_PKT && var < SX_PKT_MAX &&
		    as->regs[i].range + var > need)
			need = (uint32_t)(as->regs[i].range + var);
	}
	/*
	 * Mostly long enough for what the analysis proved readable, often
	 * shorter: a candidate that reads further than the original must fault
	 * on some test (the caller adds tests of the shortest length the
	 * original takes).
	 */
	len = need + sx_below(rng, 64);
	if (sx_below(rng, 4) == 0)
		len = sx_below(rng, need + 64);
	if (len > 256 && need <= 256)
		len = 256;
	sx_set_pkt_len(st, len);
	for (i = 0; i < SX_PKT_MAX; i += 8) {
		uint64_t r = sx_below(rng, 2) ? sx_rand(rng) : rand_scalar_raw(rng);

		memcpy(st->mem + e->pkt_off + i, &r, 8);
	}
}

void sx_cex_state(const struct sx_env *e, const struct analysis_state *as,
		  const struct smt_window_cond *c, const struct smt_cex *cx, uint64_t *rng,
		  struct sx_state *st)
{
	uint32_t i;

	state_base(e, as, c, rng, st);
	for (i = 0; i < 11; i++)
		if (st->r[i].tag == SX_SCALAR)
			st->r[i].v = cx->regs[i];
	cex_vars(e, as, c, st);
	memcpy(st->mem, cx->stack, SX_STACK);
	memcpy(st->mem + e->ctx_off, cx->ctx,
	       cx->ctx_size < SX_CTX_SIZE ? cx->ctx_size : SX_CTX_SIZE);
	sx_set_pkt_len(st, cx->pkt_len);
	memcpy(st->mem + e->pkt_off, cx->pkt, st->pkt_len);
	for (i = 0; i < cx->nelems && i < SMT_CEX_MAX_ELEMS; i++) {
		uint32_t m = cx->elems[i].map, n;

		if (m >= e->nmaps || !e->mv_off[m])
			continue;
		n = e->maps[m].value_size;
		memcpy(st->mem + e->mv_off[m], cx->elems[i].value,
		       n < sizeof(cx->elems[i].value) ? n : sizeof(cx->elems[i].value));
	}
}
