// SPDX-License-Identifier: MIT
/*
 * core/analysis: the transfer functions -- what one instruction does to an
 * abstract state (analysis.c runs them to a fixpoint).
 *
 * They follow the kernel verifier's rules, so that our states describe what
 * the verifier will believe:
 *
 *   - ALU: scalars through analysis_scalar.c; pointer +/- scalar stays a
 *     pointer of the same kind, constants moving the fixed offset and
 *     anything else the variable part (a packet pointer then gets a new id
 *     and range 0, as in adjust_ptr_min_max_vals()); ALU32 on a pointer,
 *     pointer - pointer and other arithmetic give scalars or UNKNOWN;
 *   - loads: from the ctx by the program type's layout (XDP data, data_end,
 *     data_meta at 0, 4, 8; __sk_buff data, data_end at 76, 80 and data_meta
 *     at 140 for tc; sk_msg/sk_reuseport at 0, 8), from the stack by the slot
 *     (an aligned 8-byte fill returns the spilled register, a narrower one of
 *     a spilled constant its low bytes, else unknown bits of the width);
 *     through anything that may be a pointer to a pointer, UNKNOWN;
 *     bytes all known (stores of constants, any width) read as a constant;
 *   - stores to the stack with a known offset spill (8 bytes, aligned) or
 *     write bytes; with an unknown offset, they may have hit any slot;
 *   - a 64-bit move of a scalar links the copies (one id), so that what a
 *     comparison learns about one holds for all (find_equal_scalars());
 *   - calls: analysis_call.c;
 *   - conditional jumps: NULL checks, data_end comparisons (the verifier's
 *     find_good_pkt_pointers(), taking the lower of its readings for strict
 *     comparisons), and scalar comparisons refine each side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/analysis_internal.h"

/*
 * A helper that may change packet data was called: the verifier turns every
 * packet pointer into an unknown scalar.  @maybe: only some paths (through a
 * callee) call it, so a pointer may also have survived: UNKNOWN.
 */
void analysis_clobber_pkt(struct analysis_state *st, bool maybe)
{
	struct analysis_reg *r;
	unsigned int k;

	analysis_for_each_reg(st, r, k)
	{
		if (r->type != ANALYSIS_PKT && r->type != ANALYSIS_PKT_END &&
		    r->type != ANALYSIS_PKT_META)
			continue;
		if (maybe)
			analysis_mark_type(r, ANALYSIS_UNKNOWN);
		else
			analysis_mark_scalar(r);
	}
}

/*
 * Something may have written stack bytes [lo, hi) (frame offsets): spilled
 * scalars there are gone.  A spilled pointer may or may not have been
 * overwritten, and if @may_ptr a pointer may have been written: such slots
 * hold "a spill of something", whose 8-byte fill is UNKNOWN, not a scalar.
 * @init: the bytes were certainly written (a store, not a maybe).
 */
void analysis_clobber_stack(struct analysis_state *st, int64_t lo, int64_t hi, bool init,
			    bool may_ptr)
{
	int64_t b;

	if (lo < -ANALYSIS_STACK_SIZE)
		lo = -ANALYSIS_STACK_SIZE;
	if (hi > 0)
		hi = 0;
	for (b = lo; b < hi; b++) {
		unsigned int k = (unsigned int)((-b - 1) / 8);
		struct analysis_slot *sl = &st->slots[k];

		if (may_ptr || analysis_slot_may_hold_ptr(sl)) {
			sl->spilled = true;
			analysis_mark_type(&sl->reg, ANALYSIS_UNKNOWN);
		} else if (sl->spilled) {
			sl->spilled = false;
			analysis_mark_not_init(&sl->reg);
		}
		sl->known &= (uint8_t) ~(1u << ((b + ANALYSIS_STACK_SIZE) % 8));
		if (init)
			sl->init |= 1u << ((b + ANALYSIS_STACK_SIZE) % 8);
	}
}

/* ---- instructions -------------------------------------------------------- */

static bool prog_type_has_skb_ctx(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		return true;
	default:
		return false;
	}
}

/* What a load of @size bytes at ctx + @off gives. */
static void ctx_load(const struct analysis *a, struct analysis_reg *dst, int64_t off,
		     unsigned int size, bool sx)
{
	enum bpf_prog_type t = a->env ? a->env->prog_type : BPF_PROG_TYPE_UNSPEC;

	if (t == BPF_PROG_TYPE_XDP && size == 4) {
		if (off == 0)
			return analysis_mark_type(dst, ANALYSIS_PKT);
		if (off == 4)
			return analysis_mark_type(dst, ANALYSIS_PKT_END);
		if (off == 8)
			return analysis_mark_type(dst, ANALYSIS_PKT_META);
	} else if (prog_type_has_skb_ctx(t) && size == 4) {
		if (off == 76)
			return analysis_mark_type(dst, ANALYSIS_PKT);
		if (off == 80)
			return analysis_mark_type(dst, ANALYSIS_PKT_END);
		if (off == 140 && (t == BPF_PROG_TYPE_SCHED_CLS || t == BPF_PROG_TYPE_SCHED_ACT))
			return analysis_mark_type(dst, ANALYSIS_PKT_META);
	} else if ((t == BPF_PROG_TYPE_SK_MSG || t == BPF_PROG_TYPE_SK_REUSEPORT) && size == 8) {
		if (off == 0)
			return analysis_mark_type(dst, ANALYSIS_PKT);
		if (off == 8)
			return analysis_mark_type(dst, ANALYSIS_PKT_END);
	}
	if (size == 8) {
		/* pointer fields are 8 bytes wide; scalars where the layout says so */
		bool scalar = t == BPF_PROG_TYPE_XDP || t == BPF_PROG_TYPE_KPROBE ||
			      t == BPF_PROG_TYPE_TRACEPOINT || t == BPF_PROG_TYPE_PERF_EVENT ||
			      t == BPF_PROG_TYPE_RAW_TRACEPOINT ||
			      (prog_type_has_skb_ctx(t) && off != 144 && off != 168) ||
			      t == BPF_PROG_TYPE_SOCKET_FILTER;

		if (scalar)
			analysis_mark_scalar(dst);
		else
			analysis_mark_type(dst, ANALYSIS_UNKNOWN);
		return;
	}
	analysis_mark_width(dst, size * 8);
	if (sx)
		analysis_scalar_sext(&dst->s, size * 8);
}

/* Stack pointer with a known offset: the frame offset in *off. */
bool analysis_stack_const(const struct analysis_reg *r, int64_t insn_off, int64_t *off)
{
	if (r->type != ANALYSIS_STACK || !analysis_scalar_is_const(&r->s))
		return false;
	*off = r->off + (int64_t)r->s.value + insn_off;
	return true;
}

/* All of [off, off + size) holds known bytes: their value (little-endian). */
static bool stack_known(const struct analysis_state *st, int64_t off, unsigned int size,
			uint64_t *v)
{
	unsigned int j;

	*v = 0;
	for (j = 0; j < size; j++) {
		int64_t b = off + j;
		unsigned int bit = (unsigned int)((b + ANALYSIS_STACK_SIZE) % 8);
		const struct analysis_slot *sl = &st->slots[(-b - 1) / 8];

		if (!(sl->known >> bit & 1))
			return false;
		*v |= (uint64_t)sl->val[bit] << (8 * j);
	}
	return true;
}

static void stack_load(struct analysis_state *st, struct analysis_reg *dst, int64_t off,
		       unsigned int size, bool sx)
{
	struct analysis_slot *sl;
	int64_t end = off + size;
	uint64_t v;

	if (off < -ANALYSIS_STACK_SIZE || end > 0) {
		analysis_mark_scalar(dst);
		return;
	}
	sl = &st->slots[(-off - 1) / 8];
	if (sl->spilled && (off % 8) == 0 && size == 8) {
		*dst = sl->reg;
		return;
	}
	if (stack_known(st, off, size, &v)) {
		analysis_mark_const(dst, v);
		if (sx)
			analysis_scalar_sext(&dst->s, size * 8);
		return;
	}
	if (sl->spilled && (off % 8) == 0) {
		if (analysis_reg_is_const(&sl->reg, NULL)) {
			uint64_t v = sl->reg.s.value & ((1ull << (size * 8)) - 1);

			analysis_mark_const(dst, v);
			if (sx)
				analysis_scalar_sext(&dst->s, size * 8);
			return;
		}
	}
	/* 8 bytes across two slots: a piece of a spilled pointer is not a number */
	if (size == 8 && (analysis_slot_may_hold_ptr(sl) ||
			  analysis_slot_may_hold_ptr(&st->slots[(-(end - 1) - 1) / 8])))
		analysis_mark_type(dst, ANALYSIS_UNKNOWN);
	else
		analysis_mark_width(dst, size * 8);
	if (sx && dst->type == ANALYSIS_SCALAR)
		analysis_scalar_sext(&dst->s, size * 8);
}

static void stack_store(struct analysis_state *st, const struct analysis_reg *val, int64_t off,
			unsigned int size)
{
	struct analysis_slot *sl;

	if (off < -ANALYSIS_STACK_SIZE || off + size > 0)
		return; /* the verifier rejects it; nothing of ours is touched */
	if (size != 8 || (off % 8) != 0) {
		/* a partial overwrite of a spill leaves bytes of data, as the verifier sees it */
		int64_t b;

		for (b = off; b < off + size; b++) {
			struct analysis_slot *sl = &st->slots[(-b - 1) / 8];

			sl->spilled = false;
			analysis_mark_not_init(&sl->reg);
		}
	}
	analysis_clobber_stack(st, off, off + size, true, false);
	if (size == 8 && (off % 8) == 0 && val) {
		sl = &st->slots[(-off - 1) / 8];
		sl->spilled = true;
		sl->reg = *val;
	}
	if (val && analysis_reg_is_const(val, NULL)) {
		/* constant bytes, little-endian, whatever the width and alignment */
		unsigned int j;

		for (j = 0; j < size; j++) {
			int64_t b = off + j;
			unsigned int bit = (unsigned int)((b + ANALYSIS_STACK_SIZE) % 8);

			sl = &st->slots[(-b - 1) / 8];
			sl->known |= (uint8_t)(1u << bit);
			sl->val[bit] = (uint8_t)(val->s.value >> (8 * j));
		}
	}
}

/* A store or atomic through @base may have hit our stack: where? */
static void store_effect(struct analysis_state *st, const struct analysis_reg *base,
			 int16_t insn_off, unsigned int size, const struct analysis_reg *val)
{
	int64_t off;

	if (analysis_stack_const(base, insn_off, &off)) {
		stack_store(st, val, off, size);
	} else if (base->type == ANALYSIS_STACK || base->type == ANALYSIS_UNKNOWN) {
		analysis_clobber_stack(st, -ANALYSIS_STACK_SIZE, 0, false,
				       size == 8 && (!val || val->type != ANALYSIS_SCALAR));
	}
}

/* pointer @d += scalar @s (negated first if @sub), at instruction @i */
static void ptr_add(struct analysis_state *st, struct analysis_reg *d,
		    const struct analysis_scalar *s, bool sub, uint32_t i)
{
	struct analysis_scalar v = *s;

	if (d->type == ANALYSIS_PKT_END || d->type == ANALYSIS_MAP_PTR ||
	    d->type == ANALYSIS_MAP_VALUE_OR_NULL) {
		analysis_mark_type(d, ANALYSIS_UNKNOWN); /* the verifier forbids it */
		return;
	}
	if (sub) {
		struct analysis_scalar z;

		analysis_scalar_const(&z, 0);
		analysis_scalar_alu(&z, &v, BPF_SUB, 0, false);
		v = z;
	}
	if (analysis_scalar_is_const(&v) && (int64_t)v.value >= -(1 << 29) &&
	    (int64_t)v.value <= (1 << 29) && d->off + (int64_t)v.value >= -(1 << 29) &&
	    d->off + (int64_t)v.value <= (1 << 29)) {
		d->off += (int32_t)(int64_t)v.value;
		return;
	}
	analysis_scalar_alu(&d->s, &v, BPF_ADD, 0, false);
	if (d->type == ANALYSIS_PKT || d->type == ANALYSIS_PKT_META) {
		struct analysis_reg *r;
		uint32_t id = ANALYSIS_ID_PKT_VAR + i;
		unsigned int k;

		analysis_for_each_reg(
			st, r, k) if ((r->type == ANALYSIS_PKT || r->type == ANALYSIS_PKT_META) &&
				      r->id == id && r != d) r->id = ANALYSIS_ID_NONE;
		d->id = id;
		d->range = 0;
	}
}

static void do_alu(struct analysis_state *st, const struct bpf_insn *in, uint32_t i)
{
	bool alu32 = BPF_CLASS(in->code) == BPF_ALU;
	uint8_t op = BPF_OP(in->code);
	struct analysis_reg *d = &st->regs[in->dst_reg];
	struct analysis_reg src;
	bool ptr_operand;

	if (BPF_SRC(in->code) == BPF_X) {
		src = st->regs[in->src_reg];
	} else {
		analysis_mark_const(&src, alu32 ? (uint64_t)(uint32_t)in->imm
						: (uint64_t)(int64_t)in->imm);
	}
	if (op == BPF_END) {
		if (d->type != ANALYSIS_SCALAR)
			analysis_mark_scalar(d);
		analysis_scalar_end(&d->s, (unsigned int)in->imm,
				    !alu32 || BPF_SRC(in->code) == BPF_TO_BE);
		return;
	}
	if (op == BPF_MOV) {
		if (BPF_SRC(in->code) == BPF_X && in->off) {
			/* movsx */
			if (src.type != ANALYSIS_SCALAR)
				analysis_mark_scalar(&src);
			analysis_scalar_zext32(&src.s); /* keep the low part only ... */
			if (in->off < 32) {
				src.s.value &= (1ull << in->off) - 1;
				src.s.mask &= (1ull << in->off) - 1;
				src.s.smin = INT64_MIN;
				src.s.smax = INT64_MAX;
				src.s.umin = 0;
				src.s.umax = UINT64_MAX;
				analysis_scalar_sync(&src.s);
			}
			if (!alu32 || in->off < 32)
				analysis_scalar_sext(&src.s, (unsigned int)in->off);
			if (alu32)
				analysis_scalar_zext32(&src.s);
			*d = src;
			return;
		}
		if (alu32) {
			if (src.type != ANALYSIS_SCALAR)
				analysis_mark_width(&src, 32);
			analysis_scalar_zext32(&src.s);
		}
		*d = src;
		return;
	}
	if (op == BPF_NEG) {
		if (d->type != ANALYSIS_SCALAR)
			analysis_mark_scalar(d);
		analysis_scalar_alu(&d->s, &d->s, BPF_NEG, 0, alu32);
		return;
	}
	if (d->type == ANALYSIS_SCALAR && src.type == ANALYSIS_SCALAR) {
		analysis_scalar_alu(&d->s, &src.s, op, in->off, alu32);
		return;
	}
	if (!alu32 && (op == BPF_ADD || op == BPF_SUB)) {
		if (analysis_is_ptr(d) && src.type == ANALYSIS_SCALAR) {
			ptr_add(st, d, &src.s, op == BPF_SUB, i);
			return;
		}
		if (op == BPF_ADD && d->type == ANALYSIS_SCALAR && analysis_is_ptr(&src)) {
			struct analysis_scalar s = d->s;

			*d = src;
			ptr_add(st, d, &s, false, i);
			return;
		}
		if (op == BPF_SUB && analysis_is_ptr(d) && analysis_is_ptr(&src)) {
			analysis_mark_scalar(d);
			return;
		}
		analysis_mark_type(d, ANALYSIS_UNKNOWN);
		return;
	}
	/*
	 * ALU32 with a pointer operand: the verifier (privileged) marks the
	 * result unknown in all 64 bits and does not zero-extend it
	 * (adjust_ptr_min_max_vals() returns before zext), although the CPU
	 * does: believing the upper half zero would let a rewrite rely on what
	 * the verifier cannot see.
	 */
	ptr_operand = analysis_is_ptr(d) || analysis_is_ptr(&src) || d->type == ANALYSIS_UNKNOWN ||
		      src.type == ANALYSIS_UNKNOWN;
	analysis_mark_scalar(d);
	if (alu32 && !ptr_operand)
		analysis_scalar_width(&d->s, 32);
}

/*
 * Ids that one instruction gave (a lookup: its call + 1; a packet pointer
 * plus an unknown scalar: ANALYSIS_ID_PKT_VAR + insn; 0: data plus
 * constants).  analysis.c's join gives every register that met with
 * different ids at a block one id of that block (above these ranges): on
 * any one path those registers may hold different lookups or pointers, so
 * what a check proves of one is not proven of another, and it stays with
 * the register checked.
 */
static bool lookup_id_shared(uint32_t id)
{
	return id && id < ANALYSIS_ID_PKT_VAR;
}

static bool pkt_id_shared(uint32_t id)
{
	return id == 0 || (id >= ANALYSIS_ID_PKT_VAR && id - ANALYSIS_ID_PKT_VAR < 0x10000000u);
}

/*
 * The verifier's linked scalars: "r3 = r2" gives both an id, so that what a
 * later comparison learns about one holds for the other (find_equal_scalars()).
 * Any other write to a register ends its membership.  An id is made by its
 * instruction; when that runs again (a loop), the holders of the old id are
 * let go first, so that two different values never share it.
 */
static void do_alu_linked(struct analysis_state *st, const struct bpf_insn *in, uint32_t i)
{
	struct analysis_reg *src = &st->regs[in->src_reg], *d = &st->regs[in->dst_reg], *r;
	unsigned int k;

	if (BPF_CLASS(in->code) == BPF_ALU64 && BPF_OP(in->code) == BPF_MOV &&
	    BPF_SRC(in->code) == BPF_X && !in->off &&
	    (src->type == ANALYSIS_PKT || src->type == ANALYSIS_PKT_META) &&
	    !pkt_id_shared(src->id)) {
		/*
		 * A copy of a packet pointer whose id is a join's (shared with
		 * nothing for certain): the copy and the original are the same
		 * pointer on every path, so they get an id of their own, made by
		 * this instruction, and a bounds check of one holds for both.
		 */
		uint32_t id = ANALYSIS_ID_PKT_VAR + i;

		analysis_for_each_reg(
			st, r, k) if ((r->type == ANALYSIS_PKT || r->type == ANALYSIS_PKT_META) &&
				      r->id == id) r->id = ANALYSIS_ID_NONE;
		src->id = id;
		*d = *src;
		return;
	}
	if (BPF_CLASS(in->code) == BPF_ALU64 && BPF_OP(in->code) == BPF_MOV &&
	    BPF_SRC(in->code) == BPF_X && !in->off && src->type == ANALYSIS_SCALAR &&
	    !analysis_scalar_is_const(&src->s)) {
		if (!src->id) {
			uint32_t id = ANALYSIS_ID_SCALAR + i;

			analysis_for_each_reg(st, r, k) if (r->type == ANALYSIS_SCALAR &&
							    r->id == id) r->id = 0;
			src->id = id;
		}
		*d = *src;
		return;
	}
	do_alu(st, in, i);
	if (d->type == ANALYSIS_SCALAR)
		d->id = 0;
}

/* A comparison refined @r: so is every register linked to it. */
static void refine_linked(struct analysis_state *st, const struct analysis_reg *from)
{
	struct analysis_reg *r;
	unsigned int k;

	if (from->type != ANALYSIS_SCALAR || !from->id)
		return;
	analysis_for_each_reg(st, r, k) if (r != from && r->type == ANALYSIS_SCALAR &&
					    r->id == from->id) r->s = from->s;
}

static void do_ldx(struct analysis_fwd *f, struct analysis_state *st, const struct bpf_insn *in)
{
	const struct analysis_reg *base = &st->regs[in->src_reg];
	struct analysis_reg *d = &st->regs[in->dst_reg];
	unsigned int size = prog_insn_size(in->code);
	bool sx = BPF_MODE(in->code) == BPF_MEMSX;
	struct analysis_reg v;
	int64_t off;

	if (analysis_stack_const(base, in->off, &off)) {
		stack_load(st, &v, off, size, sx);
	} else if (base->type == ANALYSIS_CTX && analysis_scalar_is_const(&base->s)) {
		ctx_load(f->a, &v, base->off + (int64_t)base->s.value + in->off, size, sx);
	} else if ((size == 8 && (base->type == ANALYSIS_STACK || base->type == ANALYSIS_CTX)) ||
		   (size >= 4 && base->type == ANALYSIS_UNKNOWN)) {
		/* a spilled pointer, or (4 bytes) a ctx field that is one */
		analysis_mark_type(&v, ANALYSIS_UNKNOWN);
	} else {
		analysis_mark_width(&v, size * 8);
		if (sx)
			analysis_scalar_sext(&v.s, size * 8);
	}
	*d = v;
}

/* The state after instruction @i, which is not a jump or exit. */
void analysis_step(struct analysis_fwd *f, struct analysis_state *st, uint32_t i)
{
	const struct prog *p = f->a->p;
	const struct bpf_insn *in = &p->insns[i];
	unsigned int r;

	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		do_alu_linked(st, in, i);
		break;
	case BPF_LD:
		if (prog_insn_is_ldimm64(in)) {
			struct analysis_reg *d = &st->regs[in->dst_reg];

			switch (in->src_reg) {
			case 0:
				analysis_mark_const(d,
						    (uint64_t)(uint32_t)in->imm |
							    ((uint64_t)(uint32_t)in[1].imm << 32));
				break;
			case BPF_PSEUDO_MAP_FD:
			case BPF_PSEUDO_MAP_IDX:
				analysis_mark_type(d, ANALYSIS_MAP_PTR);
				d->map = analysis_map_index(f->a, in->imm);
				break;
			case BPF_PSEUDO_MAP_VALUE:
			case BPF_PSEUDO_MAP_IDX_VALUE:
				analysis_mark_type(d, ANALYSIS_MAP_VALUE);
				d->map = analysis_map_index(f->a, in->imm);
				d->off = in[1].imm;
				break;
			default:
				analysis_mark_type(d, ANALYSIS_UNKNOWN);
			}
			break;
		}
		/* LD_ABS / LD_IND: r0 = packet bytes, caller-saved registers clobbered */
		for (r = 1; r <= 5; r++)
			analysis_mark_not_init(&st->regs[r]);
		analysis_mark_width(&st->regs[0], prog_insn_size(in->code) * 8);
		break;
	case BPF_LDX:
		do_ldx(f, st, in);
		break;
	case BPF_ST:
	case BPF_STX: {
		const struct analysis_reg *base = &st->regs[in->dst_reg];
		unsigned int size = prog_insn_size(in->code);
		struct analysis_reg v;

		if (BPF_MODE(in->code) == BPF_ATOMIC) {
			struct analysis_reg b = *base;

			store_effect(st, &b, in->off, size, NULL);
			if (in->imm == BPF_CMPXCHG)
				analysis_mark_width(&st->regs[0], size * 8);
			else if ((in->imm & BPF_FETCH) || in->imm == BPF_LOAD_ACQ)
				analysis_mark_width(
					&st->regs[in->imm == BPF_LOAD_ACQ ? in->dst_reg
									  : in->src_reg],
					size * 8);
			break;
		}
		if (BPF_CLASS(in->code) == BPF_ST)
			analysis_mark_const(&v, (uint64_t)(int64_t)in->imm);
		else
			v = st->regs[in->src_reg];
		{
			struct analysis_reg b = *base;

			store_effect(st, &b, in->off, size, &v);
		}
		break;
	}
	case BPF_JMP:
	case BPF_JMP32:
		if (prog_insn_is_call(in))
			analysis_call(f, st, in, i);
		break;
	}
}

/* ---- branches ------------------------------------------------------------ */

/* Every copy of the lookup in @d becomes NULL (scalar 0) or a map value. */
static void mark_null(struct analysis_state *st, struct analysis_reg *d, bool is_null)
{
	struct analysis_reg *r;
	uint32_t id = d->id;
	unsigned int k;

	analysis_for_each_reg(st, r, k)
	{
		if (r->type != ANALYSIS_MAP_VALUE_OR_NULL || r->id != id ||
		    (r != d && !lookup_id_shared(id)))
			continue;
		if (is_null) {
			analysis_mark_const(r, 0);
		} else {
			r->type = ANALYSIS_MAP_VALUE;
			r->id = 0;
		}
	}
}

/* find_good_pkt_pointers(): @pkt (register @regno) <= data_end on this side. */
static void pkt_good(struct analysis_state *st, unsigned int regno, bool right_open)
{
	struct analysis_reg *dst = &st->regs[regno], *r;
	int64_t range = dst->off;
	unsigned int k;
	uint32_t id = dst->id;

	if (dst->off < 0 || (dst->off == 0 && right_open))
		return;
	if (dst->s.umax > 0xffff || dst->s.umax + dst->off > 0xffff)
		return;
	if (right_open)
		range--; /* the conservative reading: never above the verifier's */
	analysis_for_each_reg(st, r, k) if (r->type == dst->type &&
					    (r == dst || (pkt_id_shared(id) && r->id == id)) &&
					    r->range < range) r->range = (uint32_t)range;
}

/*
 * mark_pkt_end(): on the side where packet pointer @regno is at or past
 * data_end, that register (not its copies) has no range left, whatever a
 * check before gave it (the verifier's AT/BEYOND_PKT_END; a pkt_meta
 * pointer keeps its range there).
 */
static void pkt_past_end(struct analysis_state *st, unsigned int regno)
{
	if (st->regs[regno].type == ANALYSIS_PKT)
		st->regs[regno].range = 0;
}

/*
 * reg_is_init_pkt_pointer(): data itself (no offset), the bound a
 * pkt_meta pointer is checked against as data pointers are against data_end.
 */
static bool is_data(const struct analysis_reg *r)
{
	return r->type == ANALYSIS_PKT && !r->off && !r->s.mask && !r->s.value;
}

/*
 * Refine @st for the conditional jump @in being @taken.  False if that side
 * cannot happen.
 */
bool analysis_branch(struct analysis_state *st, const struct bpf_insn *in, bool taken)
{
	bool jmp32 = BPF_CLASS(in->code) == BPF_JMP32;
	uint8_t op = BPF_OP(in->code);
	struct analysis_reg *d = &st->regs[in->dst_reg], *s = NULL, imm;

	if (op == BPF_JCOND)
		return true;
	if (BPF_SRC(in->code) == BPF_X) {
		s = &st->regs[in->src_reg];
	} else {
		analysis_mark_const(&imm, jmp32 ? (uint64_t)(uint32_t)in->imm
						: (uint64_t)(int64_t)in->imm);
		s = &imm;
	}
	if (!jmp32 && (op == BPF_JEQ || op == BPF_JNE)) {
		bool eq = (op == BPF_JEQ) == taken;

		if (d->type == ANALYSIS_MAP_VALUE_OR_NULL && analysis_is_const_zero(s)) {
			mark_null(st, d, eq);
			return true;
		}
		if (s->type == ANALYSIS_MAP_VALUE_OR_NULL && analysis_is_const_zero(d)) {
			mark_null(st, s, eq);
			return true;
		}
	}
	if (!jmp32 && BPF_SRC(in->code) == BPF_X) {
		/*
		 * try_match_pkt_pointers(): pkt' against data_end, and pkt_meta'
		 * against data itself, which bounds the metadata the same way.
		 */
		bool dp = d->type == ANALYSIS_PKT, sp = s->type == ANALYSIS_PKT;
		bool de = d->type == ANALYSIS_PKT_END, se = s->type == ANALYSIS_PKT_END;

		if (d->type == ANALYSIS_PKT_META && is_data(s)) {
			dp = se = true;
			sp = de = false;
		} else if (is_data(d) && s->type == ANALYSIS_PKT_META) {
			sp = de = true;
			dp = se = false;
		}

		if ((dp && se) || (de && sp)) {
			unsigned int pr = dp ? in->dst_reg : in->src_reg;
			/* normalise to "pkt OP end" */
			uint8_t o = op;

			if (de) {
				switch (op) {
				case BPF_JGT:
					o = BPF_JLT;
					break;
				case BPF_JLT:
					o = BPF_JGT;
					break;
				case BPF_JGE:
					o = BPF_JLE;
					break;
				case BPF_JLE:
					o = BPF_JGE;
					break;
				}
			}
			switch (o) {
			case BPF_JGT: /* pkt > end; not taken: pkt <= end */
				if (!taken)
					pkt_good(st, pr, false);
				else
					pkt_past_end(st, pr);
				break;
			case BPF_JLT: /* pkt < end */
				if (taken)
					pkt_good(st, pr, true);
				else
					pkt_past_end(st, pr);
				break;
			case BPF_JGE: /* not taken: pkt < end */
				if (!taken)
					pkt_good(st, pr, true);
				else
					pkt_past_end(st, pr);
				break;
			case BPF_JLE:
				if (taken)
					pkt_good(st, pr, false);
				else
					pkt_past_end(st, pr);
				break;
			}
			return true;
		}
	}
	if (d->type == ANALYSIS_SCALAR && s->type == ANALYSIS_SCALAR) {
		if (!analysis_scalar_cond(&d->s, &s->s, op, jmp32, taken))
			return false;
		refine_linked(st, d);
		if (BPF_SRC(in->code) == BPF_X)
			refine_linked(st, s);
		return true;
	}
	return true;
}
