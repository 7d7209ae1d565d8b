// SPDX-License-Identifier: MIT
/*
 * core/search_moves: K2's proposal distribution over rewrites of a window.
 *
 * A rewrite keeps the window's length; a deleted instruction is `ja +0`.
 * Operands are drawn from pools made from the window and the program (the
 * registers the window can use, the pointers it can dereference, the
 * immediates and offsets the program uses, small constants), because that is
 * where the improvements are: clang leaves narrow stores of immediates,
 * `rX = 0` followed by stores of rX, redundant moves and dead stack stores.
 * Besides the generic moves there are two targeted ones: a store of a
 * register that the window set from an immediate becomes a store of the
 * immediate, two adjacent narrow stores of immediates become one wider
 * store when the combined value is representable, and a narrow load widens
 * to take in its neighbour (the shifts and ors that combined the two then
 * go by deletion).
 */
#include <string.h>

#include "core/search_internal.h"

static const uint8_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND, BPF_LSH,
				  BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
static const uint8_t size_codes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
static const struct bpf_insn nop = {.code = BPF_JMP | BPF_JA};

static uint8_t pick_reg(const struct sx_pool *p, uint64_t *rng)
{
	return p->nregs ? p->regs[sx_below(rng, p->nregs)] : 0;
}

static uint8_t pick_src(const struct sx_pool *p, uint64_t *rng)
{
	if (p->nbases && sx_below(rng, 4) == 0)
		return p->bases[sx_below(rng, p->nbases)];
	return pick_reg(p, rng);
}

static uint8_t pick_base(const struct sx_pool *p, uint64_t *rng)
{
	return p->nbases ? p->bases[sx_below(rng, p->nbases)] : 10;
}

static int32_t pick_imm(const struct sx_pool *p, uint64_t *rng)
{
	uint32_t k = sx_below(rng, 10);

	if (k < 6 && p->nimms)
		return p->imms[sx_below(rng, p->nimms)];
	if (k < 8)
		return (int32_t)sx_below(rng, 33) - 16;
	if (k < 9)
		return (int32_t)(1u << sx_below(rng, 32));
	return (int32_t)sx_rand(rng);
}

static int16_t pick_off(const struct sx_pool *p, uint64_t *rng)
{
	static const int16_t d[] = {-8, -4, -2, -1, 1, 2, 4, 8};
	int16_t o = p->noffs ? p->offs[sx_below(rng, p->noffs)] : 0;

	if (sx_below(rng, 4) == 0)
		o = (int16_t)(o + d[sx_below(rng, 8)]);
	return o;
}

static uint8_t pick_size(uint64_t *rng)
{
	return size_codes[sx_below(rng, 4)];
}

static void random_insn(const struct sx_pool *p, uint64_t *rng, struct bpf_insn *in)
{
	uint32_t k = sx_below(rng, 10);

	memset(in, 0, sizeof(*in));
	if (k < 5) {
		uint8_t op = alu_ops[sx_below(rng, sizeof(alu_ops))];
		uint8_t cls = sx_below(rng, 10) < 7 ? BPF_ALU64 : BPF_ALU;

		in->dst_reg = pick_reg(p, rng);
		if (op != BPF_NEG && sx_below(rng, 2)) {
			in->code = cls | op | BPF_X;
			in->src_reg = pick_src(p, rng);
		} else {
			in->code = cls | op | BPF_K;
			in->imm = op == BPF_NEG ? 0 : pick_imm(p, rng);
		}
	} else if (k < 7) {
		in->code = BPF_LDX | BPF_MEM | pick_size(rng);
		in->dst_reg = pick_reg(p, rng);
		in->src_reg = pick_base(p, rng);
		in->off = pick_off(p, rng);
	} else if (k < 8) {
		in->code = BPF_ST | BPF_MEM | pick_size(rng);
		in->dst_reg = pick_base(p, rng);
		in->off = pick_off(p, rng);
		in->imm = pick_imm(p, rng);
	} else if (k < 9) {
		in->code = BPF_STX | BPF_MEM | pick_size(rng);
		in->dst_reg = pick_base(p, rng);
		in->src_reg = pick_src(p, rng);
		in->off = pick_off(p, rng);
	} else {
		*in = nop;
	}
}

/* Change one operand (or the opcode's op, width or source kind) of @in. */
static void change_operand(const struct sx_pool *p, uint64_t *rng, struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code);
	uint32_t k = sx_below(rng, 4);

	if (cls == BPF_ALU || cls == BPF_ALU64) {
		uint8_t op = BPF_OP(in->code);

		if (op == BPF_END)
			return;
		switch (k) {
		case 0:
			in->dst_reg = pick_reg(p, rng);
			break;
		case 1:
			if (BPF_SRC(in->code) == BPF_X)
				in->src_reg = pick_src(p, rng);
			else if (op != BPF_NEG)
				in->imm = pick_imm(p, rng);
			break;
		case 2:
			if (in->off) /* sdiv/smod/movsx keep their op */
				return;
			op = alu_ops[sx_below(rng, sizeof(alu_ops))];
			if (op == BPF_NEG) {
				in->code = cls | BPF_NEG | BPF_K;
				in->src_reg = 0;
				in->imm = 0;
			} else {
				in->code = cls | op | BPF_SRC(in->code);
			}
			break;
		default:
			if (sx_below(rng, 2) || op == BPF_NEG || in->off) {
				in->code ^= BPF_ALU64 ^ BPF_ALU;
			} else if (BPF_SRC(in->code) == BPF_X) {
				in->code = cls | op | BPF_K;
				in->src_reg = 0;
				in->imm = pick_imm(p, rng);
			} else {
				in->code = cls | op | BPF_X;
				in->imm = 0;
				in->src_reg = pick_src(p, rng);
			}
		}
		return;
	}
	switch (k) {
	case 0:
		if (cls == BPF_LDX)
			in->dst_reg = pick_reg(p, rng);
		else
			in->dst_reg = pick_base(p, rng);
		break;
	case 1:
		if (cls == BPF_LDX)
			in->src_reg = pick_base(p, rng);
		else if (cls == BPF_STX)
			in->src_reg = pick_src(p, rng);
		else
			in->imm = pick_imm(p, rng);
		break;
	case 2:
		in->off = pick_off(p, rng);
		break;
	default:
		in->code = (uint8_t)((in->code & ~0x18) | pick_size(rng));
	}
}

/* A store of a register the window set from an immediate: store the immediate. */
static bool stx_to_st(uint64_t *rng, struct bpf_insn *w, uint32_t len)
{
	uint32_t start = sx_below(rng, len), n, i;

	for (n = 0; n < len; n++) {
		uint32_t k = (start + n) % len;
		struct bpf_insn *st = &w[k];
		int64_t val;

		if (BPF_CLASS(st->code) != BPF_STX || BPF_MODE(st->code) != BPF_MEM)
			continue;
		for (i = k; i-- > 0;) {
			const struct bpf_insn *d = &w[i];
			uint8_t cls = BPF_CLASS(d->code);

			if (search_insn_is_nop(d) || cls == BPF_ST || cls == BPF_STX)
				continue;
			if (d->dst_reg != st->src_reg)
				continue;
			/* the last writer of the stored register */
			if ((cls != BPF_ALU64 && cls != BPF_ALU) ||
			    d->code != (cls | BPF_MOV | BPF_K) || d->off)
				break;
			val = cls == BPF_ALU64 ? (int64_t)d->imm : (int64_t)(uint32_t)d->imm;
			if (BPF_SIZE(st->code) == BPF_DW && val != (int64_t)(int32_t)val)
				break;
			st->code = BPF_ST | BPF_MEM | BPF_SIZE(st->code);
			st->imm = (int32_t)val;
			st->src_reg = 0;
			return true;
		}
	}
	return false;
}


bool sx_merge_stores(uint64_t *rng, struct bpf_insn *w, uint32_t len)
{
	uint32_t start = sx_below(rng, len), n;

	for (n = 0; n < len; n++) {
		uint32_t i = (start + n) % len, j, sz;
		struct bpf_insn *a = &w[i], *b, *lo, *hi;
		uint64_t mask, v;

		if (BPF_CLASS(a->code) != BPF_ST || BPF_MODE(a->code) != BPF_MEM)
			continue;
		for (j = i + 1; j < len && search_insn_is_nop(&w[j]); j++)
			;
		if (j >= len)
			continue;
		b = &w[j];
		sz = prog_insn_size(a->code);
		if (b->code != a->code || b->dst_reg != a->dst_reg || sz == 8)
			continue;
		if (b->off == a->off + (int)sz) {
			lo = a;
			hi = b;
		} else if (a->off == b->off + (int)sz) {
			lo = b;
			hi = a;
		} else {
			continue;
		}
		mask = (1ULL << (8 * sz)) - 1;
		v = ((uint64_t)(uint32_t)lo->imm & mask) | (((uint64_t)(uint32_t)hi->imm & mask)
							    << (8 * sz));
		if (sz == 4 && (int64_t)v != (int64_t)(int32_t)v)
			continue; /* ST DW takes a sign-extended imm32 */
		a->code = BPF_ST | BPF_MEM | (sz == 1 ? BPF_H : sz == 2 ? BPF_W : BPF_DW);
		a->off = lo->off;
		a->imm = (int32_t)v;
		*b = nop;
		return true;
	}
	return false;
}

static uint32_t pick_real(uint64_t *rng, const struct bpf_insn *w, uint32_t len)
{
	uint32_t start = sx_below(rng, len), n;

	for (n = 0; n < len; n++)
		if (!search_insn_is_nop(&w[(start + n) % len]))
			return (start + n) % len;
	return start;
}

/*
 * Move weights per mix (out of 100): operand, replace one, replace two,
 * delete, width, stx->st, merge.
 */
static const uint8_t mixes[][7] = {
	{40, 15, 5, 20, 5, 8, 7},
	{25, 25, 10, 25, 5, 5, 5},
	{50, 10, 5, 15, 10, 5, 5},
	{20, 20, 5, 35, 5, 8, 7},
};

bool sx_propose(const struct sx_pool *pool, uint64_t *rng, struct bpf_insn *w, uint32_t len,
		uint32_t mix)
{
	const uint8_t *m = mixes[mix % (sizeof(mixes) / sizeof(mixes[0]))];
	uint32_t r = sx_below(rng, 100), k, i;
	struct bpf_insn old[2];

	for (k = 0; k < 6 && r >= m[k]; k++)
		r -= m[k];
	i = pick_real(rng, w, len);
	switch (k) {
	case 0:
		if (search_insn_is_nop(&w[i]))
			return false;
		if (prog_insn_is_jump(&w[i]))
			return search_is_tail(&w[i]) && sx_tail_move(pool, rng, &w[i]);
		old[0] = w[i];
		change_operand(pool, rng, &w[i]);
		return memcmp(&old[0], &w[i], sizeof(old[0])) != 0;
	case 1:
		random_insn(pool, rng, &w[sx_below(rng, len)]);
		return true;
	case 2:
		i = sx_below(rng, len);
		random_insn(pool, rng, &w[i]);
		if (i + 1 < len)
			random_insn(pool, rng, &w[i + 1]);
		return true;
	case 3:
		if (search_insn_is_nop(&w[i]))
			return false;
		w[i] = nop;
		return true;
	case 4: {
		uint8_t cls = BPF_CLASS(w[i].code);

		if (cls != BPF_LDX && cls != BPF_ST && cls != BPF_STX)
			return false;
		old[0] = w[i];
		if (cls == BPF_LDX && BPF_SIZE(w[i].code) != BPF_DW && sx_below(rng, 2)) {
			/*
			 * Widen a load to take in its neighbour above or below:
			 * clang assembles wide fields from byte loads, shifts and ors.
			 */
			uint32_t sz = prog_insn_size(w[i].code);

			w[i].code = (uint8_t)((w[i].code & ~0x18) |
					      (sz == 1 ? BPF_H : sz == 2 ? BPF_W : BPF_DW));
			if (sx_below(rng, 2))
				w[i].off = (int16_t)(w[i].off - sz);
			return true;
		}
		w[i].code = (uint8_t)((w[i].code & ~0x18) | pick_size(rng));
		return old[0].code != w[i].code;
	}
	case 5:
		return stx_to_st(rng, w, len);
	default:
		return sx_merge_stores(rng, w, len);
	}
}

static const uint8_t cond_ops[] = {BPF_JEQ, BPF_JNE,  BPF_JSET, BPF_JGT,  BPF_JGE, BPF_JLT,
				   BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE};

uint8_t sx_mirror_op(uint8_t op)
{
	switch (op) {
	case BPF_JGT: return BPF_JLT;
	case BPF_JLT: return BPF_JGT;
	case BPF_JGE: return BPF_JLE;
	case BPF_JLE: return BPF_JGE;
	case BPF_JSGT: return BPF_JSLT;
	case BPF_JSLT: return BPF_JSGT;
	case BPF_JSGE: return BPF_JSLE;
	case BPF_JSLE: return BPF_JSGE;
	}
	return op; /* JEQ, JNE, JSET: symmetric */
}

bool sx_tail_move(const struct sx_pool *pool, uint64_t *rng, struct bpf_insn *j)
{
	struct bpf_insn old = *j;
	uint8_t cls = BPF_CLASS(j->code), op = BPF_OP(j->code), src = BPF_SRC(j->code);

	switch (sx_below(rng, 6)) {
	case 0:
		op = cond_ops[sx_below(rng, sizeof(cond_ops))];
		break;
	case 1:
		cls = cls == BPF_JMP ? BPF_JMP32 : BPF_JMP;
		break;
	case 2:
		j->dst_reg = pick_reg(pool, rng);
		break;
	case 3:
		if (src == BPF_X) {
			/* if a op b  ->  if b op' a */
			uint8_t d = j->dst_reg;

			j->dst_reg = j->src_reg;
			j->src_reg = d;
			op = sx_mirror_op(op);
		} else {
			j->imm = pick_imm(pool, rng);
		}
		break;
	case 4:
		if (src == BPF_X) {
			j->src_reg = pick_reg(pool, rng);
		} else {
			src = BPF_X;
			j->src_reg = pick_reg(pool, rng);
			j->imm = 0;
		}
		break;
	default:
		if (src == BPF_K)
			j->imm = pick_imm(pool, rng);
		else
			j->src_reg = pick_reg(pool, rng);
	}
	j->code = (uint8_t)(cls | op | src);
	return memcmp(&old, j, sizeof(old)) != 0;
}
