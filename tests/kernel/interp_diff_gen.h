/* SPDX-License-Identifier: MIT */
/*
 * tests/kernel/test_interp_diff.c's generator of random verifier-acceptable
 * programs (generate(): XDP, tc, socket filter; see that file's comment for
 * what they contain), random packets and initial map contents, and the
 * maps' state put into the kernel and compared with the interpreter's.
 * Included by that test alone, after interp_diff_run.h (static functions,
 * as interp_kmaps.h).
 */
#ifndef BPFSYNTH_TESTS_KERNEL_INTERP_DIFF_GEN_H
#define BPFSYNTH_TESTS_KERNEL_INTERP_DIFF_GEN_H

#include "tests/kernel/interp_diff_run.h"


struct gen {
	uint64_t s;
	bool xdp;
	bool tc;     /* sched_cls: direct packet access through __sk_buff, ctx writes */
	int res; /* reserved register: packet pointer (XDP, tc) or ctx for LD_ABS */
	int map_fd[2]; /* array (key 4, value 8, 4 entries), hash (key 4, value 8, 8 entries) */
	struct bpf_insn ins[MAX_SLOTS];
	int n;
	int calls[64]; /* slots of BPF-to-BPF calls, resolved to the subprog at the end */
	int ncalls;
};

#define GEN_ARRAY_N 4
#define GEN_HASH_N 8
#define GEN_HASH_KEYS 16 /* keys are 0..15: lookups miss, inserts fill the map */

static uint64_t rnd(struct gen *g)
{
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 0x2545F4914F6CDD1DULL;
}

static uint32_t rn(struct gen *g, uint32_t n)
{
	return (uint32_t)(rnd(g) % n);
}

static int work_reg(struct gen *g)
{
	int r;

	do
		r = rn(g, 10);
	while (r == g->res);
	return r;
}

static int32_t rand_imm(struct gen *g)
{
	static const int32_t special[] = { 0, 1, -1, 2, 3, 7, 8, 16, 31, 32, 33, 63, 64, 255,
					   0x7fff, 0x8000, 0xffff, 0x7fffffff, INT32_MIN, -2 };

	switch (rn(g, 3)) {
	case 0: return special[rn(g, sizeof(special) / sizeof(special[0]))];
	case 1: return (int32_t)rn(g, 256) - 128;
	default: return (int32_t)rnd(g);
	}
}

static void emit(struct gen *g, struct bpf_insn in)
{
	if (g->n < MAX_SLOTS)
		g->ins[g->n++] = in;
}

static void emit_ldimm64(struct gen *g, int dst, uint64_t v)
{
	struct bpf_insn two[2] = { BPF_LD_IMM64(dst, v) };

	emit(g, two[0]);
	emit(g, two[1]);
}

/* A packet value into @dst: XDP direct load, socket filter LD_ABS (clobbers r1-r5). */
static void emit_pkt_load(struct gen *g, int dst, bool ind)
{
	static const int sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };

	if (g->res == BPF_REG_9) { /* direct packet access */
		int sz = sizes[rn(g, 4)], bytes = sz == BPF_DW ? 8 : sz == BPF_W ? 4 :
						  sz == BPF_H ? 2 : 1;

		if (sz != BPF_DW && rn(g, 4) == 0)
			emit(g, BPF_LDX_MEMSX(sz, dst, g->res, rn(g, 64 - bytes + 1)));
		else
			emit(g, BPF_LDX_MEM(sz, dst, g->res, rn(g, 64 - bytes + 1)));
		return;
	}
	int sz = sizes[rn(g, 3)], bytes = sz == BPF_W ? 4 : sz == BPF_H ? 2 : 1;

	if (ind && rn(g, 3) == 0) { /* LD_IND through a masked r7..r9: may fall off the end */
		int idx = 7 + rn(g, 3);

		emit(g, BPF_ALU64_IMM(BPF_AND, idx, rn(g, 2) ? 63 : 127));
		emit(g, BPF_LD_IND(sz, idx, (int32_t)rn(g, 8) - 2));
	} else {
		emit(g, BPF_LD_ABS(sz, rn(g, 50 - bytes + 1)));
	}
	if (dst != BPF_REG_0)
		emit(g, BPF_MOV64_REG(dst, BPF_REG_0));
}

static void emit_alu(struct gen *g)
{
	static const int ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_OR, BPF_AND,
				   BPF_LSH, BPF_RSH, BPF_XOR, BPF_MOV, BPF_ARSH };
	int op = ops[rn(g, sizeof(ops) / sizeof(ops[0]))];
	bool is64 = rn(g, 2), reg = rn(g, 2);
	int dst = work_reg(g), src = work_reg(g);
	int cls = is64 ? BPF_ALU64 : BPF_ALU, off = 0;
	int32_t imm = rand_imm(g);

	if ((op == BPF_DIV || op == BPF_MOD) && rn(g, 3) == 0)
		off = 1; /* sdiv / smod */
	if (reg) {
		emit(g, BPF_RAW_INSN(cls | op | BPF_X, dst, src, off, 0));
		return;
	}
	if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
		imm = rn(g, is64 ? 64 : 32);
	if ((op == BPF_DIV || op == BPF_MOD) && imm == 0)
		imm = 3;
	emit(g, BPF_RAW_INSN(cls | op | BPF_K, dst, 0, off, imm));
}

static void emit_misc_alu(struct gen *g)
{
	static const int lens[] = { 16, 32, 64 };
	static const int sx[] = { 8, 16, 32 };
	int dst = work_reg(g);

	switch (rn(g, 6)) {
	case 0: emit(g, BPF_ENDIAN(BPF_TO_LE, dst, lens[rn(g, 3)])); break;
	case 1: emit(g, BPF_ENDIAN(BPF_TO_BE, dst, lens[rn(g, 3)])); break;
	case 2: emit(g, BPF_BSWAP(dst, lens[rn(g, 3)])); break;
	case 3: emit(g, rn(g, 2) ? BPF_NEG64(dst) : BPF_NEG32(dst)); break;
	case 4: emit(g, BPF_MOVSX64_REG(dst, work_reg(g), sx[rn(g, 3)])); break;
	default: emit(g, BPF_MOVSX32_REG(dst, work_reg(g), sx[rn(g, 2)])); break;
	}
}

static bool stack_fetch; /* INTERP_DIFF_STACK_FETCH: see emit_stack() */

static void emit_stack(struct gen *g)
{
	static const int sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	int sz = sizes[rn(g, 4)];
	int bytes = sz == BPF_DW ? 8 : sz == BPF_W ? 4 : sz == BPF_H ? 2 : 1;
	int off = -64 + (int)rn(g, 64 / bytes) * bytes;
	int r = work_reg(g);

	switch (rn(g, 5)) {
	case 0: emit(g, BPF_ST_MEM(sz, BPF_REG_10, off, rand_imm(g))); break;
	case 1: emit(g, BPF_STX_MEM(sz, BPF_REG_10, r, off)); break;
	case 2:
		if (sz != BPF_DW && rn(g, 2)) {
			emit(g, BPF_LDX_MEMSX(sz, r, BPF_REG_10, off));
			break;
		}
		emit(g, BPF_LDX_MEM(sz, r, BPF_REG_10, off));
		break;
	case 3: emit(g, BPF_LDX_MEM(sz, r, BPF_REG_10, off)); break;
	default: {
		/*
		 * Atomics without fetch on the stack, unless stack_fetch: with a
		 * fetching atomic on a stack slot that two paths fill with
		 * different constants, the 6.18 verifier sometimes hard-wires a
		 * later branch on the fetched value as if only one path existed;
		 * the xlated program then lacks the path the program takes, and
		 * the kernel returns what the program does not compute.  Found
		 * about once in 50,000 programs (e.g. INTERP_DIFF_STACK_FETCH=1
		 * INTERP_DIFF_SEED=7); a small reproducer is still to be made.
		 * Fetching atomics run on map values, which the verifier does not
		 * know.
		 */
		static const int aops[] = { BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH,
					    BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH,
					    BPF_XOR | BPF_FETCH, BPF_XCHG };
		int w = rn(g, 2) ? BPF_DW : BPF_W;

		off = -64 + (int)rn(g, w == BPF_DW ? 8 : 16) * (w == BPF_DW ? 8 : 4);
		emit(g, BPF_ATOMIC_OP(w, aops[rn(g, stack_fetch ? 9 : 4)], BPF_REG_10, r, off));
	}
	}
}

static void emit_pkt_store(struct gen *g)
{
	static const int sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	int sz = sizes[rn(g, 4)];
	int bytes = sz == BPF_DW ? 8 : sz == BPF_W ? 4 : sz == BPF_H ? 2 : 1;
	int off = rn(g, 64 - bytes + 1);

	if (rn(g, 2))
		emit(g, BPF_ST_MEM(sz, g->res, off, rand_imm(g)));
	else
		emit(g, BPF_STX_MEM(sz, g->res, work_reg(g), off));
}

/* A context field into @dst (socket filter: r6 is the ctx; XDP: the ctx spilled at fp-88). */
static void emit_ctx_load(struct gen *g, int dst)
{
	static const int16_t skb_off[] = {
		offsetof(struct __sk_buff, len), offsetof(struct __sk_buff, pkt_type),
		offsetof(struct __sk_buff, mark), offsetof(struct __sk_buff, queue_mapping),
		offsetof(struct __sk_buff, protocol), offsetof(struct __sk_buff, vlan_present),
		offsetof(struct __sk_buff, vlan_tci), offsetof(struct __sk_buff, vlan_proto),
		offsetof(struct __sk_buff, priority), offsetof(struct __sk_buff, ingress_ifindex),
		offsetof(struct __sk_buff, ifindex), offsetof(struct __sk_buff, tc_index),
		offsetof(struct __sk_buff, cb[0]), offsetof(struct __sk_buff, cb[4]),
		offsetof(struct __sk_buff, hash), offsetof(struct __sk_buff, napi_id),
	};

	int off = skb_off[rn(g, sizeof(skb_off) / sizeof(skb_off[0]))], base = BPF_REG_6;

	if (g->xdp) {
		emit(g, BPF_LDX_MEM(BPF_DW, dst, BPF_REG_10, -88));
		off = rn(g, 2) ? offsetof(struct xdp_md, ingress_ifindex)
			       : offsetof(struct xdp_md, rx_queue_index);
		emit(g, BPF_LDX_MEM(BPF_W, dst, dst, off));
		return;
	}
	if (g->tc) {
		emit(g, BPF_LDX_MEM(BPF_DW, dst, BPF_REG_10, -88));
		base = dst;
	}

	switch (rn(g, 4)) { /* narrow loads read the low bytes */
	case 0: emit(g, BPF_LDX_MEM(BPF_B, dst, base, off)); break;
	case 1: emit(g, BPF_LDX_MEM(BPF_H, dst, base, off)); break;
	default: emit(g, BPF_LDX_MEM(BPF_W, dst, base, off)); break;
	}
}

/* A write of a writable ctx field: tc mark, priority, tc_index, cb[]; socket filter cb[]. */
static void emit_ctx_store(struct gen *g)
{
	static const int16_t tc_off[] = {
		offsetof(struct __sk_buff, mark), offsetof(struct __sk_buff, priority),
		offsetof(struct __sk_buff, tc_index), offsetof(struct __sk_buff, cb[0]),
		offsetof(struct __sk_buff, cb[3]),
	};
	int src = work_reg(g), off;

	if (g->tc) {
		while (src == BPF_REG_1)
			src = work_reg(g);
		off = tc_off[rn(g, 5)];
		emit(g, BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -88));
		emit(g, BPF_STX_MEM(BPF_W, BPF_REG_1, src, off));
		emit(g, BPF_MOV64_IMM(BPF_REG_1, rand_imm(g)));
		return;
	}
	off = offsetof(struct __sk_buff, cb[0]) + 4 * (int)rn(g, 5);
	emit(g, BPF_STX_MEM(BPF_W, BPF_REG_6, src, off));
}

static void reinit_args(struct gen *g)
{
	int r;

	/* a call leaves r1-r5 unreadable */
	for (r = 1; r <= 5; r++)
		emit(g, BPF_MOV64_IMM(r, rand_imm(g)));
}

/* skb types: bpf_skb_load_bytes() into the stack scratch area; r0 = result */
static void emit_skb_load_bytes(struct gen *g)
{
	int len = 1 + rn(g, 8);

	if (g->tc)
		emit(g, BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -88));
	else
		emit(g, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit(g, BPF_MOV64_IMM(BPF_REG_2, rn(g, 3) ? (int32_t)rn(g, 64) : rand_imm(g)));
	emit(g, BPF_MOV64_REG(BPF_REG_3, BPF_REG_10));
	emit(g, BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -64 + (int)rn(g, 64 - len + 1)));
	emit(g, BPF_MOV64_IMM(BPF_REG_4, len));
	emit(g, BPF_EMIT_CALL(BPF_FUNC_skb_load_bytes));
	reinit_args(g);
}

/*
 * After a lookup: an atomic on the value, if there is one, through r1; @src
 * (r6-r9) takes the old value for the fetching ones, r0 for cmpxchg.
 */
static void emit_value_atomic(struct gen *g, int src)
{
	static const int aops[] = { BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH,
				    BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH,
				    BPF_XCHG, BPF_CMPXCHG };
	int op = aops[rn(g, 10)], w = rn(g, 2) ? BPF_DW : BPF_W;
	int off = w == BPF_DW ? 0 : 4 * (int)rn(g, 2);

	emit(g, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	emit(g, BPF_MOV64_IMM(BPF_REG_0, 0));
	emit(g, BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, op == BPF_CMPXCHG && w == BPF_W ? 3 : 2));
	if (op == BPF_CMPXCHG) {
		int cmp;

		do
			cmp = work_reg(g);
		while (cmp <= 5);
		emit(g, BPF_MOV64_REG(BPF_REG_0, cmp));
	} else {
		emit(g, BPF_MOV64_IMM(BPF_REG_0, 1));
	}
	emit(g, BPF_ATOMIC_OP(w, op, BPF_REG_1, src, off));
	/*
	 * cmpxchg32: r0's upper half by hand.  The x86 JIT leaves it unchanged
	 * when the compare succeeds, and the zero-extension the verifier adds
	 * after it (opt_subreg_zext_lo32_rnd_hi32) depends on liveness marks
	 * that in 6.18 can miss a 64-bit read behind a pruned state (seed 3,
	 * program 60027 of the first generator).  The interpreter keeps the
	 * ISA's zero-extension.
	 */
	if (op == BPF_CMPXCHG && w == BPF_W)
		emit(g, BPF_MOV32_REG(BPF_REG_0, BPF_REG_0));
}

/* lookup (and use the value), update or delete on one of the two maps; r0 = result */
static void emit_map_op(struct gen *g)
{
	int m = rn(g, 2), src = work_reg(g), dst;
	struct bpf_insn ld[2] = { BPF_LD_MAP_FD(BPF_REG_1, g->map_fd[m]) };

	emit(g, BPF_STX_MEM(BPF_DW, BPF_REG_10, src, -80));
	emit(g, BPF_MOV64_REG(BPF_REG_1, work_reg(g)));
	emit(g, BPF_ALU64_IMM(BPF_AND, BPF_REG_1, m ? GEN_HASH_KEYS - 1 : 7));
	emit(g, BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, -72));
	emit(g, ld[0]);
	emit(g, ld[1]);
	emit(g, BPF_MOV64_REG(BPF_REG_2, BPF_REG_10));
	emit(g, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -72));
	switch (rn(g, 4)) {
	case 0:
	case 1:
		emit(g, BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem));
		do
			dst = work_reg(g);
		while (dst <= 5);
		if (rn(g, 2)) {
			emit_value_atomic(g, dst);
			break;
		}
		emit(g, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2));
		switch (rn(g, 4)) {
		case 0: emit(g, BPF_LDX_MEM(BPF_DW, dst, BPF_REG_0, 0)); break;
		case 1: emit(g, BPF_STX_MEM(BPF_DW, BPF_REG_0, dst, 0)); break;
		case 2: emit(g, BPF_LDX_MEMSX(BPF_W, dst, BPF_REG_0, 4 * (int)rn(g, 2))); break;
		default: emit(g, BPF_ST_MEM(BPF_W, BPF_REG_0, 4 * (int)rn(g, 2), rand_imm(g)));
		}
		emit(g, BPF_MOV64_IMM(BPF_REG_0, 1)); /* hit: 1; miss: the verifier's 0 */
		break;
	case 2:
		emit(g, BPF_MOV64_REG(BPF_REG_3, BPF_REG_10));
		emit(g, BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -80));
		emit(g, BPF_MOV64_IMM(BPF_REG_4, rn(g, 3))); /* BPF_ANY, NOEXIST, EXIST */
		emit(g, BPF_EMIT_CALL(BPF_FUNC_map_update_elem));
		break;
	default:
		emit(g, BPF_EMIT_CALL(BPF_FUNC_map_delete_elem));
	}
	reinit_args(g);
}

/* The subprogram every BPF-to-BPF call of a program calls: ALU on r0-r5, its own stack. */
static void emit_subprog(struct gen *g)
{
	int i, n = 2 + rn(g, 10);

	emit(g, BPF_MOV64_REG(BPF_REG_0, BPF_REG_1));
	emit(g, BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -8));
	for (i = 0; i < n; i++) {
		struct bpf_insn in;

		do { /* an ALU insn on r0-r5: the callee's r6-r9 are not initialized */
			emit_alu(g);
			in = g->ins[--g->n];
		} while (in.dst_reg > 5 || (BPF_SRC(in.code) == BPF_X && in.src_reg > 5));
		emit(g, in);
	}
	emit(g, BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_10, -8 + 4 * (int)rn(g, 2)));
	emit(g, BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_3));
	emit(g, BPF_EXIT_INSN());
}

/*
 * One program: prologue (bounds check or ctx in r6, stack slots, registers),
 * a body of units with forward branches between them, the fold, exit, and
 * the early-exit block the bounds check jumps to.
 */
static int generate(struct gen *g)
{
	int unit_start[128], jump_unit[128], jump_slot[128];
	int njumps = 0, nunits, u, r, fail_jmp = -1;

	g->n = 0;
	g->ncalls = 0;
	if (g->xdp || g->tc) {
		g->res = BPF_REG_9;
		emit(g, BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -88)); /* ctx, for later */
		emit(g, BPF_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_1,
				    g->tc ? offsetof(struct __sk_buff, data)
					  : offsetof(struct xdp_md, data)));
		emit(g, BPF_LDX_MEM(BPF_W, BPF_REG_8, BPF_REG_1,
				    g->tc ? offsetof(struct __sk_buff, data_end)
					  : offsetof(struct xdp_md, data_end)));
		emit(g, BPF_MOV64_REG(BPF_REG_7, BPF_REG_9));
		emit(g, BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, 64));
		fail_jmp = g->n;
		emit(g, BPF_JMP_REG(BPF_JGT, BPF_REG_7, BPF_REG_8, 0));
	} else {
		g->res = BPF_REG_6;
		emit(g, BPF_MOV64_REG(BPF_REG_6, BPF_REG_1));
	}
	for (r = 0; r < 10; r++) /* scratch -64..-1, map key -72, map value -80 */
		emit(g, BPF_ST_MEM(BPF_DW, BPF_REG_10, -8 * (r + 1), rand_imm(g)));
	/* socket filter: LD_ABS clobbers r1-r5, so r0 and r7-r9 first */
	for (r = 0; r < 10; r++) {
		int dst = g->res == BPF_REG_9 ? r : (r < 4 ? (r == 3 ? 0 : 7 + r) : r - 3);

		if (dst == g->res)
			continue;
		switch (rn(g, 6)) {
		case 5:
			emit_ctx_load(g, dst);
			break;
		case 0: emit(g, BPF_MOV64_IMM(dst, rand_imm(g))); break;
		case 1: emit(g, BPF_MOV32_IMM(dst, rand_imm(g))); break;
		case 2: emit_ldimm64(g, dst, rnd(g)); break;
		default:
			if (g->res == BPF_REG_9 || dst == 0 || dst >= 7)
				emit_pkt_load(g, dst, false);
			else if (rn(g, 2))
				emit(g, BPF_MOV64_REG(dst, 7 + rn(g, 3)));
			else
				emit(g, BPF_MOV64_IMM(dst, rand_imm(g)));
		}
	}

	nunits = 5 + rn(g, 60);
	for (u = 0; u < nunits; u++) {
		uint32_t k = rn(g, 100);

		unit_start[u] = g->n;
		if (k < 38) {
			emit_alu(g);
		} else if (k < 53) {
			static const int jops[] = { BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT,
						    BPF_JLE, BPF_JSET, BPF_JSGT, BPF_JSGE,
						    BPF_JSLT, BPF_JSLE };
			int cls = rn(g, 2) ? BPF_JMP : BPF_JMP32, op = jops[rn(g, 11)];

			jump_unit[njumps] = u + 1 + rn(g, 8); /* forward, resolved below */
			jump_slot[njumps++] = g->n;
			if (rn(g, 2))
				emit(g, BPF_RAW_INSN(cls | op | BPF_X, work_reg(g), work_reg(g), 0,
						     0));
			else
				emit(g, BPF_RAW_INSN(cls | op | BPF_K, work_reg(g), 0, 0,
						     rand_imm(g)));
			if (njumps == 128)
				njumps--;
		} else if (k < 70) {
			emit_stack(g);
		} else if (k < 78 && !g->xdp && rn(g, 3) == 0) {
			emit_skb_load_bytes(g);
		} else if (k < 78) {
			emit_pkt_load(g, work_reg(g), true);
			if (g->res != BPF_REG_9)
				for (r = 1; r <= 5; r++)
					emit(g, BPF_MOV64_IMM(r, rand_imm(g)));
		} else if (k < 82 && g->res == BPF_REG_9) {
			emit_pkt_store(g);
		} else if (k < 84 && !g->xdp) {
			emit_ctx_store(g);
		} else if (k < 88) {
			emit_misc_alu(g);
		} else if (k < 90) { /* if/else diamond: a JA or gotol over the else arm */
			emit(g, BPF_JMP_IMM(BPF_JSGT, work_reg(g), rand_imm(g), 2));
			emit_alu(g);
			emit(g, rn(g, 2) ? BPF_JMP_A(1) : BPF_JMP32_A(1));
			emit_alu(g);
		} else if (k < 94) {
			emit_map_op(g);
		} else if (k < 97 && g->ncalls < 64) {
			g->calls[g->ncalls++] = g->n;
			emit(g, BPF_CALL_REL(0));
			reinit_args(g);
		} else {
			emit_ldimm64(g, work_reg(g), rnd(g));
		}
	}
	unit_start[nunits] = g->n;
	for (u = 0; u < njumps; u++) {
		int t = jump_unit[u] > nunits ? nunits : jump_unit[u];

		g->ins[jump_slot[u]].off = (int16_t)(unit_start[t] - jump_slot[u] - 1);
	}

	/* XDP: move the packet's boundaries (no packet access follows) */
	if (g->xdp && rn(g, 3) == 0) {
		static const int fns[] = { BPF_FUNC_xdp_adjust_head, BPF_FUNC_xdp_adjust_tail,
					   BPF_FUNC_xdp_adjust_meta };
		static const int deltas[] = { 0, 1, -1, 4, -4, 14, -14, 32, -32, 40, -40, 64, -64,
					      200, -200, -216, -217, -252, -256, 3456, 4000 };

		emit(g, BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -88));
		emit(g, BPF_MOV64_IMM(BPF_REG_2, rn(g, 2) ? deltas[rn(g, 21)]
							  : (int32_t)rn(g, 600) - 300));
		emit(g, BPF_EMIT_CALL(fns[rn(g, 3)]));
		reinit_args(g);
	}

	/* fold every register into r0, then the upper half into the lower */
	for (r = 1; r < 10; r++) {
		if (r == g->res)
			continue;
		emit(g, BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 0x9e3779b1));
		emit(g, BPF_ALU64_REG(rn(g, 2) ? BPF_ADD : BPF_XOR, BPF_REG_0, r));
	}
	r = g->res == BPF_REG_1 ? BPF_REG_2 : BPF_REG_1;
	emit(g, BPF_MOV64_REG(r, BPF_REG_0));
	emit(g, BPF_ALU64_IMM(BPF_RSH, r, 32));
	emit(g, BPF_ALU64_REG(BPF_XOR, BPF_REG_0, r));
	emit(g, BPF_EXIT_INSN());
	if (fail_jmp >= 0) {
		g->ins[fail_jmp].off = (int16_t)(g->n - fail_jmp - 1);
		emit(g, BPF_MOV64_IMM(BPF_REG_0, rand_imm(g)));
		emit(g, BPF_EXIT_INSN());
	}
	if (g->ncalls) {
		int start = g->n;

		emit_subprog(g);
		for (u = 0; u < g->ncalls; u++)
			g->ins[g->calls[u]].imm = start - g->calls[u] - 1;
	}
	return g->n < MAX_SLOTS ? 0 : -E2BIG;
}

static void random_packet(struct gen *g, uint8_t *pkt, uint32_t *len)
{
	uint32_t i, n;

	if (rn(g, 10) == 0)
		n = 14 + rn(g, 64);		 /* often too short for the program */
	else
		n = 78 + rn(g, PKT_MAX - 78 + 1);
	for (i = 0; i < n; i++)
		pkt[i] = rn(g, 4) ? (uint8_t)rnd(g) : (uint8_t)(rn(g, 2) ? 0xff : 0);
	*len = n;
}

/* Initial map contents for one run: every array element, some hash keys. */
struct map_init {
	uint32_t keys[GEN_ARRAY_N + GEN_HASH_N];
	uint64_t vals[GEN_ARRAY_N + GEN_HASH_N];
	struct interp_map_elem elems[GEN_ARRAY_N + GEN_HASH_N];
	uint32_t n;
};

static void random_maps(struct gen *g, struct map_init *mi)
{
	uint32_t i, nh = rn(g, GEN_HASH_N + 1), used = 0;

	mi->n = 0;
	for (i = 0; i < GEN_ARRAY_N + nh; i++) {
		uint32_t k = i < GEN_ARRAY_N ? i : rn(g, GEN_HASH_KEYS);

		if (i >= GEN_ARRAY_N && (used & (1u << k)))
			continue;
		if (i >= GEN_ARRAY_N)
			used |= 1u << k;
		mi->keys[mi->n] = k;
		mi->vals[mi->n] = rn(g, 2) ? rnd(g) : rn(g, 4);
		mi->elems[mi->n] = (struct interp_map_elem){ .map = i >= GEN_ARRAY_N,
							      .key = &mi->keys[mi->n],
							      .value = &mi->vals[mi->n] };
		mi->n++;
	}
}

/* Put the kernel's maps into the state @mi describes. */
static int kernel_maps_set(const int *fd, const struct map_init *mi)
{
	uint32_t k, next;
	uint32_t i;

	while (bpf_map_get_next_key(fd[1], NULL, &next) == 0)
		if (bpf_map_delete_elem(fd[1], &next))
			return -errno;
	for (i = 0; i < mi->n; i++) {
		k = mi->keys[i];
		if (bpf_map_update_elem(fd[mi->elems[i].map], &k, &mi->vals[i], BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Compare the kernel's maps with the interpreter's; 0 when equal, else print and -1. */
static int maps_compare(const int *fd, const struct interp_ctx *c)
{
	uint32_t k;
	int bad = 0;

	for (k = 0; k < GEN_HASH_KEYS; k++) {
		uint64_t kv = 0, iv = 0;
		int m, ke, ie;

		for (m = 0; m < 2; m++) {
			if (m == 0 && k >= GEN_ARRAY_N)
				continue;
			ke = bpf_map_lookup_elem(fd[m], &k, &kv) ? -ENOENT : 0;
			ie = interp_map_lookup(c, m, &k, &iv);
			if (ke != ie || kv != iv) {
				fprintf(stderr,
					"  map %d key %u: kernel %s 0x%llx, interp %s 0x%llx\n",
					m, k, ke ? "absent" : "", (unsigned long long)kv,
					ie ? "absent" : "", (unsigned long long)iv);
				bad = -1;
			}
		}
	}
	return bad;
}

static const char *type_name(const struct gen *g)
{
	return g->xdp ? "xdp" : g->tc ? "tc" : "socket filter";
}

#endif
