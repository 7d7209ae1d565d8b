// SPDX-License-Identifier: MIT
/*
 * core/smt_insn: one instruction's semantics on a symbolic state (the
 * encoder's walk over the program is in smt_enc.c, which explains states,
 * tags and faults): ALU and ALU32 with the kernel's corner cases, jumps,
 * loads and stores (through smt_mem.c), LD_IMM64, calls (smt_call()) and
 * LD_ABS/LD_IND (smt_helpers.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prog.h"
#include "core/smt_internal.h"

/* ---- ALU ---- */

static Z3_ast bswap(struct smt_ctx *s, Z3_ast v, unsigned bits)
{
	Z3_ast r = NULL;
	unsigned j;

	for (j = 0; j < bits / 8; j++) {
		Z3_ast b = smt_ext(s, 8 * j + 7, 8 * j, v);

		r = r ? T(Z3_mk_concat(s->z, r, b)) : b;
	}
	return r;
}

/* dst op= src on @w bits (32 or 64); @off is the signed flag of div/mod. */
static Z3_ast alu_op(struct smt_ctx *s, uint8_t op, int16_t off, Z3_ast a, Z3_ast b, unsigned w)
{
	Z3_context z = s->z;
	Z3_ast zero = smt_bv(s, 0, w), bz = smt_eq(s, b, zero);

	switch (op) {
	case BPF_ADD:
		return T(Z3_mk_bvadd(z, a, b));
	case BPF_SUB:
		return T(Z3_mk_bvsub(z, a, b));
	case BPF_MUL:
		return T(Z3_mk_bvmul(z, a, b));
	case BPF_OR:
		return T(Z3_mk_bvor(z, a, b));
	case BPF_AND:
		return T(Z3_mk_bvand(z, a, b));
	case BPF_XOR:
		return T(Z3_mk_bvxor(z, a, b));
	case BPF_LSH:
		return T(Z3_mk_bvshl(z, a, T(Z3_mk_bvand(z, b, smt_bv(s, w - 1, w)))));
	case BPF_RSH:
		return T(Z3_mk_bvlshr(z, a, T(Z3_mk_bvand(z, b, smt_bv(s, w - 1, w)))));
	case BPF_ARSH:
		return T(Z3_mk_bvashr(z, a, T(Z3_mk_bvand(z, b, smt_bv(s, w - 1, w)))));
	case BPF_MOV:
		return b;
	case BPF_NEG:
		return T(Z3_mk_bvneg(z, a));
	case BPF_DIV:
		/* x / 0 = 0; signed INT_MIN / -1 = INT_MIN, as bvsdiv gives it */
		return smt_ite(s, bz, zero,
			       off ? T(Z3_mk_bvsdiv(z, a, b)) : T(Z3_mk_bvudiv(z, a, b)));
	case BPF_MOD:
		/* x % 0 = x; signed: the sign of the dividend (C's %), INT_MIN % -1 = 0 */
		return smt_ite(s, bz, a, off ? T(Z3_mk_bvsrem(z, a, b)) : T(Z3_mk_bvurem(z, a, b)));
	}
	return NULL;
}

/* ---- one instruction ---- */

static Z3_ast cmp(struct smt_ctx *s, uint8_t op, Z3_ast a, Z3_ast b)
{
	Z3_context z = s->z;

	switch (op) {
	case BPF_JEQ:
		return smt_eq(s, a, b);
	case BPF_JNE:
		return smt_not(s, smt_eq(s, a, b));
	case BPF_JGT:
		return T(Z3_mk_bvugt(z, a, b));
	case BPF_JGE:
		return T(Z3_mk_bvuge(z, a, b));
	case BPF_JLT:
		return T(Z3_mk_bvult(z, a, b));
	case BPF_JLE:
		return T(Z3_mk_bvule(z, a, b));
	case BPF_JSGT:
		return T(Z3_mk_bvsgt(z, a, b));
	case BPF_JSGE:
		return T(Z3_mk_bvsge(z, a, b));
	case BPF_JSLT:
		return T(Z3_mk_bvslt(z, a, b));
	case BPF_JSLE:
		return T(Z3_mk_bvsle(z, a, b));
	case BPF_JSET: {
		unsigned w = Z3_get_bv_sort_size(z, Z3_get_sort(z, a));

		return smt_not(s, smt_eq(s, T(Z3_mk_bvand(z, a, b)), smt_bv(s, 0, w)));
	}
	}
	return NULL;
}

/* The encodings the kernel accepts (windows do not go through prog_validate). */
static bool alu_valid(const struct bpf_insn *in)
{
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;

	switch (BPF_OP(in->code)) {
	case BPF_ADD:
	case BPF_SUB:
	case BPF_MUL:
	case BPF_OR:
	case BPF_AND:
	case BPF_LSH:
	case BPF_RSH:
	case BPF_XOR:
	case BPF_ARSH:
		return in->off == 0;
	case BPF_NEG:
		return in->off == 0 && BPF_SRC(in->code) == BPF_K;
	case BPF_DIV:
	case BPF_MOD:
		return in->off == 0 || in->off == 1;
	case BPF_MOV:
		if (BPF_SRC(in->code) == BPF_K)
			return in->off == 0;
		return in->off == 0 || in->off == 8 || in->off == 16 || (is64 && in->off == 32);
	case BPF_END:
		if (is64 && BPF_SRC(in->code) != BPF_TO_LE)
			return false;
		return in->off == 0 && (in->imm == 16 || in->imm == 32 || in->imm == 64);
	}
	return false;
}

static int do_alu(struct insn_env *ie, struct sstate *st, const struct bpf_insn *in)
{
	struct smt_ctx *s = ie->s;
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;
	uint8_t op = BPF_OP(in->code);
	struct sval *d = &st->r[in->dst_reg], src;
	Z3_ast a, b, r;

	if (!alu_valid(in)) {
		smt_unsup(s, ie->i, "%s", "invalid ALU encoding");
		return -1;
	}
	if (BPF_SRC(in->code) == BPF_X && op != BPF_END) {
		src = st->r[in->src_reg];
		if (!smt_read_ok(ie, src, "source register"))
			return -1;
	} else {
		src.v = smt_bvk(s, in->imm);
		src.tag = T_SCALAR;
	}
	if (op != BPF_MOV && !smt_read_ok(ie, *d, "destination register"))
		return -1;

	if (op == BPF_MOV && in->off == 0 && is64) {
		*d = src;
		return 0;
	}
	/* pointer arithmetic: what the verifier allows, on 64 bits */
	if ((op != BPF_MOV && smt_is_ptr(d->tag)) || (op != BPF_END && smt_is_ptr(src.tag))) {
		if (!is64 || in->off) {
			smt_unsup(s, ie->i, "%s",
				  "32-bit or sign-extending operation on a pointer");
			return -1;
		}
		if (op == BPF_ADD && smt_is_ptr(d->tag) != smt_is_ptr(src.tag) &&
		    d->tag != T_PKT_END && src.tag != T_PKT_END && d->tag < T_MAPOBJ &&
		    src.tag < T_MAPOBJ) {
			uint16_t tag = smt_is_ptr(d->tag) ? d->tag : src.tag;

			d->v = smt_add(s, d->v, src.v);
			d->tag = tag;
			return 0;
		}
		if (op == BPF_SUB && smt_is_ptr(d->tag) && src.tag == T_SCALAR &&
		    d->tag != T_PKT_END && d->tag < T_MAPOBJ) {
			d->v = T(Z3_mk_bvsub(s->z, d->v, src.v));
			return 0;
		}
		if (op == BPF_SUB && smt_is_ptr(d->tag) && smt_is_ptr(src.tag) &&
		    smt_region_base(d->tag) == smt_region_base(src.tag) && d->tag < T_MAPOBJ) {
			d->v = T(Z3_mk_bvsub(s->z, d->v, src.v));
			d->tag = T_SCALAR;
			return 0;
		}
		smt_unsup(s, ie->i, "%s", "pointer arithmetic the verifier does not allow");
		return -1;
	}

	if (op == BPF_END) {
		unsigned bits = (unsigned)in->imm;
		Z3_ast lo = smt_ext(s, bits - 1, 0, d->v);

		if (bits != 16 && bits != 32 && bits != 64)
			return -1;
		/* to_le on a little-endian host truncates; to_be and bswap swap */
		if (is64 || BPF_SRC(in->code) == BPF_TO_BE)
			lo = bswap(s, lo, bits);
		d->v = smt_zext(s, 64 - bits, lo);
		d->tag = T_SCALAR;
		return 0;
	}
	if (op == BPF_MOV) {
		/* movsx (off 8/16/32) and 32-bit moves */
		b = src.v;
		if (in->off)
			b = smt_sext(s, 64 - in->off, smt_ext(s, in->off - 1, 0, b));
		r = is64 ? b : smt_zext(s, 32, smt_ext(s, 31, 0, b));
		d->v = r;
		d->tag = T_SCALAR;
		return 0;
	}
	if (is64) {
		a = d->v;
		b = src.v;
		r = alu_op(s, op, in->off, a, b, 64);
	} else {
		a = smt_ext(s, 31, 0, d->v);
		b = smt_ext(s, 31, 0, src.v);
		r = smt_zext(s, 32, alu_op(s, op, in->off, a, b, 32));
	}
	if (!r) {
		smt_unsup(s, ie->i, "%s", "ALU opcode");
		return -1;
	}
	d->v = r;
	d->tag = T_SCALAR;
	return 0;
}

static int do_mem(struct insn_env *ie, struct sstate *st, const struct bpf_insn *in)
{
	struct smt_ctx *s = ie->s;
	static const uint8_t size_bytes[4] = {4, 2, 1, 8};
	uint32_t size = size_bytes[BPF_SIZE(in->code) >> 3];
	uint8_t cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
	struct sval *d = &st->r[in->dst_reg];
	Z3_ast v = NULL;
	int tag;

	if ((cls == BPF_LDX && mode != BPF_MEM && !(mode == BPF_MEMSX && size < 8)) ||
	    (cls == BPF_ST && mode != BPF_MEM) ||
	    (cls == BPF_STX && mode != BPF_MEM && mode != BPF_ATOMIC) ||
	    (mode == BPF_ATOMIC && size < 4) || in->dst_reg > 10 || in->src_reg > 10 ||
	    (cls != BPF_STX && in->src_reg && cls != BPF_LDX) ||
	    (cls != BPF_ST && in->imm && mode != BPF_ATOMIC)) {
		smt_unsup(s, ie->i, "%s", "invalid memory instruction encoding");
		return -1;
	}
	if (cls == BPF_LDX) {
		struct sval p = st->r[in->src_reg];

		if (!smt_read_ok(ie, p, "base register"))
			return -1;
		tag = smt_mem_access(ie, st, p, in->off, size, false, &v, T_SCALAR);
		if (tag < 0)
			return -1;
		if (tag != T_SCALAR) {
			d->v = v;
			d->tag = (uint16_t)tag;
			return 0;
		}
		if (size < 8)
			v = mode == BPF_MEMSX ? smt_sext(s, 64 - 8 * size, v)
					      : smt_zext(s, 64 - 8 * size, v);
		d->v = v;
		d->tag = T_SCALAR;
		return 0;
	}
	if (!smt_read_ok(ie, *d, "base register"))
		return -1;
	if (cls == BPF_ST) {
		v = size < 8 ? smt_ext(s, 8 * size - 1, 0, smt_bvk(s, in->imm))
			     : smt_bvk(s, in->imm);
		return smt_mem_access(ie, st, *d, in->off, size, true, &v, T_SCALAR) < 0 ? -1 : 0;
	}
	/* STX */
	{
		struct sval sv = st->r[in->src_reg];
		uint16_t vtag = T_SCALAR;

		if (!smt_read_ok(ie, sv, "source register"))
			return -1;
		if (smt_is_ptr(sv.tag) || sv.tag >= T_MAPOBJ) {
			if (size != 8 || mode != BPF_MEM) {
				smt_unsup(s, ie->i, "%s", "partial or atomic store of a pointer");
				return -1;
			}
			vtag = sv.tag;
		}
		if (mode == BPF_MEM) {
			v = size < 8 ? smt_ext(s, 8 * size - 1, 0, sv.v) : sv.v;
			return smt_mem_access(ie, st, *d, in->off, size, true, &v, vtag) < 0 ? -1
											     : 0;
		}
		if (mode != BPF_ATOMIC) {
			smt_unsup(s, ie->i, "%s", "store mode");
			return -1;
		}
		if (in->imm == BPF_LOAD_ACQ || in->imm == BPF_STORE_REL) {
			smt_unsup(s, ie->i, "%s", "load-acquire / store-release");
			return -1;
		}
		if (d->tag != T_STACK && (d->tag < T_MAPVAL || d->tag >= T_MAPOBJ)) {
			smt_unsup(s, ie->i, "%s", "atomic operation outside stack and map values");
			return -1;
		}
		{
			Z3_ast old = NULL, nv, src = size < 8 ? smt_ext(s, 31, 0, sv.v) : sv.v;
			int op = in->imm & ~BPF_FETCH;
			unsigned w = 8 * size;

			if (smt_mem_access(ie, st, *d, in->off, size, false, &old, T_SCALAR) < 0)
				return -1;
			if (in->imm == BPF_CMPXCHG) {
				Z3_ast r0;

				if (!smt_read_ok(ie, st->r[0], "r0"))
					return -1;
				r0 = size < 8 ? smt_ext(s, 31, 0, st->r[0].v) : st->r[0].v;
				nv = smt_ite(s, smt_eq(s, old, r0), src, old);
				if (smt_mem_access(ie, st, *d, in->off, size, true, &nv, T_SCALAR) <
				    0)
					return -1;
				st->r[0].v = smt_zext(s, 64 - w, old);
				st->r[0].tag = T_SCALAR;
				return 0;
			}
			if (in->imm == BPF_XCHG)
				nv = src;
			else if (op == BPF_ADD || op == BPF_OR || op == BPF_AND || op == BPF_XOR)
				nv = alu_op(s, (uint8_t)op, 0, old, src, w);
			else
				return -1;
			if (smt_mem_access(ie, st, *d, in->off, size, true, &nv, T_SCALAR) < 0)
				return -1;
			if (in->imm & BPF_FETCH) {
				st->r[in->src_reg].v = smt_zext(s, 64 - w, old);
				st->r[in->src_reg].tag = T_SCALAR;
			}
			return 0;
		}
	}
}

static int do_ldimm64(struct insn_env *ie, struct sstate *st, const struct bpf_insn *in)
{
	struct smt_ctx *s = ie->s;
	const struct smt_env *env = s->env;
	struct sval *d = &st->r[in->dst_reg];
	uint64_t v = (uint32_t)in[0].imm | ((uint64_t)(uint32_t)in[1].imm << 32);
	uint32_t m;

	switch (in->src_reg) {
	case 0:
		d->v = smt_bvk(s, (int64_t)v);
		d->tag = T_SCALAR;
		return 0;
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_IDX:
	case BPF_PSEUDO_MAP_VALUE:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		for (m = 0; m < env->nmaps && m < SMT_MAX_MAPS; m++)
			if (env->maps[m].ref == in->imm)
				break;
		if (m == env->nmaps || m == SMT_MAX_MAPS) {
			smt_unsup(s, ie->i, "%s", "reference to a map the environment lacks");
			return -1;
		}
		/*
		 * An object's map its loader sizes (max_entries 0 in the ELF):
		 * with no elements every lookup would "fail" and the code past it
		 * be vacuously equal.  Perf event arrays and ring buffers, which
		 * libbpf sizes and no lookup reads, are fine; so are arrays, whose
		 * size is then a free term (smt_map_size()), and device and CPU
		 * maps, which programs only read (smt_map_elems()).
		 */
		if (!env->maps[m].max_entries &&
		    env->maps[m].type != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
		    env->maps[m].type != BPF_MAP_TYPE_RINGBUF && !smt_map_is_array(&env->maps[m]) &&
		    !smt_map_is_redirect(&env->maps[m])) {
			smt_unsup(s, ie->i, "%s",
				  "a map of max_entries 0: its loader sets the size");
			return -1;
		}
		if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_IDX) {
			d->v = smt_bvk(s, (int64_t)smt_region_base(T_MAPOBJ + m));
			d->tag = T_MAPOBJ + m;
			return 0;
		}
		if (env->maps[m].type != BPF_MAP_TYPE_ARRAY) {
			smt_unsup(s, ie->i, "%s", "direct value of a non-array map");
			return -1;
		}
		d->v = smt_bvk(s, (int64_t)(smt_region_base(T_MAPVAL + m) + (uint32_t)in[1].imm));
		d->tag = T_MAPVAL + m;
		return 0;
	}
	smt_unsup(s, ie->i, "%s", "LD_IMM64 of a BTF object or function");
	return -1;
}

/*
 * Execute insn @i on @st.  Returns 0 (fall through), 1 (conditional jump:
 * *@taken is the taken copy), 2 (unconditional jump), 3 (exit), 4 (fall
 * through, and *@taken exits: LD_ABS out of the packet), -1 UNKNOWN.
 */
int smt_enc_step(struct insn_env *ie, struct sstate *st, const struct bpf_insn *insns, size_t i,
		 struct sstate **taken)
{
	struct smt_ctx *s = ie->s;
	const struct bpf_insn *in = &insns[i];
	uint8_t cls = BPF_CLASS(in->code);

	ie->i = i;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		return do_alu(ie, st, in);
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		return do_mem(ie, st, in);
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
			return do_ldimm64(ie, st, in);
		if (BPF_MODE(in->code) == BPF_ABS || BPF_MODE(in->code) == BPF_IND) {
			if (s->window) {
				smt_unsup(s, i, "%s", "LD_ABS/LD_IND inside a window");
				return -1;
			}
			return smt_ld_abs(ie, st, in, taken) < 0 ? -1 : 4;
		}
		smt_unsup(s, i, "%s", "LD opcode");
		return -1;
	}
	/* JMP, JMP32 */
	switch (BPF_OP(in->code)) {
	case BPF_EXIT:
		return 3;
	case BPF_CALL:
		if (in->src_reg != 0) {
			smt_unsup(s, i, "%s", "BPF-to-BPF or kfunc call");
			return -1;
		}
		if (in->imm == BPF_FUNC_tail_call && !s->window)
			return smt_tail_call(ie, st, taken) < 0 ? -1 : 4;
		return smt_call(ie, st, in->imm) < 0 ? -1 : 0;
	case BPF_JA:
		return 2;
	case BPF_JCOND:
		smt_unsup(s, i, "%s", "may_goto");
		return -1;
	}
	{
		bool is32 = cls == BPF_JMP32;
		struct sval a = st->r[in->dst_reg], b;
		Z3_ast c, x, y;

		if (BPF_SRC(in->code) == BPF_X) {
			b = st->r[in->src_reg];
		} else {
			b.v = smt_bvk(s, in->imm);
			b.tag = T_SCALAR;
		}
		if (!smt_read_ok(ie, a, "compared register") ||
		    !smt_read_ok(ie, b, "compared register"))
			return -1;
		if (smt_is_ptr(a.tag) || smt_is_ptr(b.tag)) {
			/*
			 * NULL checks, packet pointers against each other, and
			 * stack pointers against each other (root may: xdp1's
			 * bounds checks on a copy of the packet on the stack).
			 * Two pointers into one region compare as their offsets
			 * do: the verifier keeps a stack pointer's offset within
			 * +-2^29 (BPF_MAX_VAR_OFF), and the model's bases sit
			 * 2^31 from any wrap, as the kernel's frame does.
			 */
			bool null_chk =
				BPF_SRC(in->code) == BPF_K && in->imm == 0 &&
				(BPF_OP(in->code) == BPF_JEQ || BPF_OP(in->code) == BPF_JNE);
			bool pkt = smt_region_base(a.tag) == smt_region_base(T_PKT) &&
				   smt_region_base(b.tag) == smt_region_base(T_PKT) &&
				   smt_is_ptr(a.tag) && smt_is_ptr(b.tag);
			bool stk = a.tag == T_STACK && b.tag == T_STACK;

			if (is32 || !(null_chk || pkt || stk)) {
				smt_unsup(s, i, "%s",
					  "pointer comparison the verifier does not allow");
				return -1;
			}
		}
		x = is32 ? smt_ext(s, 31, 0, a.v) : a.v;
		y = is32 ? smt_ext(s, 31, 0, b.v) : b.v;
		c = cmp(s, BPF_OP(in->code), x, y);
		if (!c) {
			smt_unsup(s, i, "%s", "jump opcode");
			return -1;
		}
		/*
		 * A decision the values make constant (`r1 = -129; if r1 s<= K`):
		 * the other way is no path at all, and is not encoded -- the
		 * verifier does not look there either, so it may read registers
		 * never written (the optimizer drops their writes).
		 */
		switch (Z3_get_bool_value(s->z, T(Z3_simplify(s->z, c)))) {
		case Z3_L_TRUE:
			return 2;
		case Z3_L_FALSE:
			return 0;
		default:
			break;
		}
		*taken = smt_state_dup(st);
		if (!*taken)
			return -1;
		(*taken)->pc = smt_and2(s, st->pc, c);
		st->pc = smt_and2(s, st->pc, smt_not(s, c));
		return 1;
	}
}
