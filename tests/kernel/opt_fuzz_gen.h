/* SPDX-License-Identifier: MIT */
/*
 * tests/kernel/test_opt_fuzz.c's generator of loop-free XDP programs made to
 * be rewritten (generate(); see that file's comment for what they contain).
 * Included by that test alone (static functions, as interp_diff_gen.h).
 */
#ifndef BPFSYNTH_TESTS_KERNEL_OPT_FUZZ_GEN_H
#define BPFSYNTH_TESTS_KERNEL_OPT_FUZZ_GEN_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/bpf.h>

#include "tests/unit/insn_macros.h"

#define FZ_MAX_INSNS 512
#define FZ_NPKT 24 /* bytes the bounds check covers */
#define FZ_PKT_MAX 128
#define FZ_MAP_N 4 /* array elements; key 4 misses */
#define FZ_MAP_VSZ 16
#define FZ_KEY_OFF (-72) /* the lookup's key; the stack the body uses is fp-64..fp-1 */
#define FZ_MAX_HINTS 64
#define FZ_MAX_EXITS 3	/* early exits: blocks after the main exit */
#define FZ_MAX_EARLY 16 /* jumps to them */

/* The scalar registers; r0 is the scratch of compares, r6 the ctx, r9 the packet. */
static const uint8_t sregs[] = {1, 2, 3, 4, 5, 7, 8};
#define NSREGS (sizeof(sregs) / sizeof(sregs[0]))

static const uint8_t jops[] = {BPF_JEQ,	 BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
			       BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};

/* A packet value worth setting: the bytes at @off (@size wide) near @val. */
struct hint {
	uint8_t off, size;
	uint64_t val;
};

struct fz {
	uint64_t s;
	struct bpf_insn insns[FZ_MAX_INSNS];
	uint32_t n;
	int map_fd;
	struct hint hints[FZ_MAX_HINTS];
	uint32_t nhints;
	/* per register: the packet bytes it holds unchanged (size 0: none), or a ctx field */
	int8_t poff[11];
	uint8_t psize[11];
	bool pctx[11];
	uint64_t stack_init; /* bit k: fp-64+k written on every path so far */
	bool map_done;
	/* early exits: each returns a fold of one or two scalars (reads those alone) */
	uint32_t nexits;
	uint8_t exit_reads[FZ_MAX_EXITS][2];
	uint32_t early_at[FZ_MAX_EARLY], nearly;
	uint8_t early_to[FZ_MAX_EARLY];
};

static uint64_t fz_rand(struct fz *g)
{
	/* splitmix64: the same programs for the same seed everywhere */
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rn(struct fz *g, uint32_t n)
{
	return (uint32_t)(fz_rand(g) % n);
}

static uint8_t sreg(struct fz *g)
{
	return sregs[rn(g, NSREGS)];
}

static void emit(struct fz *g, struct bpf_insn in)
{
	if (g->n < FZ_MAX_INSNS - 2)
		g->insns[g->n] = in;
	g->n++; /* an overflow is seen by the caller and the program made again */
}

static void forget(struct fz *g, uint8_t r)
{
	g->psize[r] = 0;
	g->pctx[r] = false;
}

static int32_t interesting_imm(struct fz *g)
{
	static const int32_t k[] = {0,	       1,   2,	 3,	 5,	 7,	 8,
				    15,	       16,  31,	 32,	 63,	 64,	 127,
				    128,       255, 256, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
				    INT32_MIN, -1,  -2,	 -128,	 -129};

	if (rn(g, 4) == 0)
		return (int32_t)fz_rand(g);
	return k[rn(g, sizeof(k) / sizeof(k[0]))];
}

static void add_hint(struct fz *g, uint8_t r, uint64_t v)
{
	if (!g->psize[r] || g->nhints >= FZ_MAX_HINTS)
		return;
	g->hints[g->nhints++] =
		(struct hint){.off = (uint8_t)g->poff[r], .size = g->psize[r], .val = v};
}

/* A constant to compare @r with: near what it may hold when we know where it came from. */
static int32_t cmp_imm(struct fz *g, uint8_t r)
{
	int32_t k;

	if (g->pctx[r]) /* lo's ifindex 1, queue 0 in a test run */
		return (int32_t)rn(g, 4) - 1;
	if (g->psize[r]) {
		uint64_t mask = g->psize[r] == 8 ? ~0ULL : (1ULL << (8 * g->psize[r])) - 1;

		k = (int32_t)(fz_rand(g) & mask & (rn(g, 2) ? 0xff : 0x7fffffff));
		add_hint(g, r, (uint64_t)(int64_t)k);
		return k;
	}
	return interesting_imm(g);
}

static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
static const uint8_t size_bytes[] = {1, 2, 4, 8};

static void load_pkt(struct fz *g, uint8_t r)
{
	uint32_t si = rn(g, 4), off = rn(g, FZ_NPKT - size_bytes[si] + 1);

	emit(g, BPF_LDX_MEM(sizes[si], r, BPF_REG_9, (int16_t)off));
	g->poff[r] = (int8_t)off;
	g->psize[r] = size_bytes[si];
	g->pctx[r] = false;
}

static void load_ctx(struct fz *g, uint8_t r)
{
	emit(g, BPF_LDX_MEM(BPF_W, r, BPF_REG_6,
			    rn(g, 2) ? offsetof(struct xdp_md, ingress_ifindex)
				     : offsetof(struct xdp_md, rx_queue_index)));
	forget(g, r);
	g->pctx[r] = true;
}

static void init_reg(struct fz *g, uint8_t r)
{
	switch (rn(g, 5)) {
	case 0:
	case 1:
		load_pkt(g, r);
		break;
	case 2:
		load_ctx(g, r);
		break;
	case 3:
		emit(g, BPF_MOV64_IMM(r, interesting_imm(g)));
		forget(g, r);
		break;
	default:
		emit(g, BPF_MOV32_IMM(r, interesting_imm(g)));
		forget(g, r);
	}
}

static void emit_alu(struct fz *g)
{
	static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND, BPF_LSH,
				      BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
	uint8_t op = ops[rn(g, sizeof(ops) / sizeof(ops[0]))], d = sreg(g);
	uint8_t cls = rn(g, 2) ? BPF_ALU64 : BPF_ALU;
	uint32_t bits = cls == BPF_ALU64 ? 64 : 32;
	int32_t k;

	if (op == BPF_NEG) {
		emit(g, BPF_RAW_INSN(cls | BPF_NEG | BPF_K, d, 0, 0, 0));
	} else if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) {
		if (rn(g, 8) == 0) /* a register count: the kernel masks it */
			emit(g, BPF_RAW_INSN(cls | op | BPF_X, d, sreg(g), 0, 0));
		else
			emit(g, BPF_RAW_INSN(cls | op | BPF_K, d, 0, 0, (int32_t)rn(g, bits)));
	} else if (rn(g, 2)) {
		emit(g, BPF_RAW_INSN(cls | op | BPF_X, d, sreg(g), 0, 0));
	} else {
		k = interesting_imm(g);
		if ((op == BPF_DIV || op == BPF_MOD) && k == 0)
			k = 3;
		emit(g, BPF_RAW_INSN(cls | op | BPF_K, d, 0, 0, k));
	}
	forget(g, d);
}

/* rX <<= 32; rX >>= 32 (or s>>=), or the same by 56 / 48: a zero or sign extension. */
static void emit_ext(struct fz *g, uint8_t r)
{
	static const int32_t sh[] = {32, 32, 48, 56};
	int32_t k = sh[rn(g, 4)];

	emit(g, BPF_ALU64_IMM(BPF_LSH, r, k));
	emit(g, BPF_ALU64_IMM(rn(g, 2) ? BPF_RSH : BPF_ARSH, r, k));
	forget(g, r);
}

static void gen_segment(struct fz *g, int depth);

/*
 * A conditional jump over 1-3 segments, its operands in one of the shapes a
 * tail rewrite removes: a constant or a copy in r0 first, an extension of a
 * copy, a constant in a live register, or plain.
 */
static void emit_branch(struct fz *g, int depth)
{
	uint8_t a = sreg(g), b = sreg(g), op = jops[rn(g, sizeof(jops) / sizeof(jops[0]))];
	uint8_t cls = rn(g, 3) == 0 ? BPF_JMP32 : BPF_JMP;
	uint32_t at, n, i;
	int32_t k = cmp_imm(g, a);

	switch (rn(g, 7)) {
	case 0: /* r0 = K; if rA op r0 */
		emit(g, rn(g, 2) ? BPF_MOV64_IMM(BPF_REG_0, k) : BPF_MOV32_IMM(BPF_REG_0, k));
		emit(g, BPF_RAW_INSN(cls | op | BPF_X, a, BPF_REG_0, 0, 0));
		break;
	case 1: /* r0 = K; if r0 op rA */
		emit(g, BPF_MOV64_IMM(BPF_REG_0, k));
		emit(g, BPF_RAW_INSN(cls | op | BPF_X, BPF_REG_0, a, 0, 0));
		break;
	case 2: /* r0 = rA; if r0 op K */
		emit(g, rn(g, 3) ? BPF_MOV64_REG(BPF_REG_0, a) : BPF_MOV32_REG(BPF_REG_0, a));
		emit(g, BPF_RAW_INSN(cls | op | BPF_K, BPF_REG_0, 0, 0, k));
		break;
	case 3: /* r0 = rA; r0 <<= 32; r0 >>= 32; if r0 op K: a 32-bit compare */
		emit(g, BPF_MOV64_REG(BPF_REG_0, a));
		emit_ext(g, BPF_REG_0);
		emit(g, BPF_RAW_INSN(cls | op | BPF_K, BPF_REG_0, 0, 0, k));
		break;
	case 4: /* rB = K (live); if rA op rB */
		if (b == a)
			b = a == 8 ? 7 : 8;
		emit(g, BPF_MOV64_IMM(b, k));
		forget(g, b);
		emit(g, BPF_RAW_INSN(cls | op | BPF_X, a, b, 0, 0));
		break;
	case 5:
		emit(g, BPF_RAW_INSN(cls | op | BPF_X, a, b, 0, 0));
		break;
	default:
		emit(g, BPF_RAW_INSN(cls | op | BPF_K, a, 0, 0, k));
	}
	at = g->n - 1;
	n = 1 + rn(g, 3);
	for (i = 0; i < n; i++)
		gen_segment(g, depth + 1);
	if (at < FZ_MAX_INSNS)
		g->insns[at].off = (int16_t)(g->n - at - 1);
}

/*
 * A jump to an early exit, which reads one or two scalars only: the other
 * registers are dead that way and live on the other (what a region's ways
 * out have per-way liveness for).  Sometimes one the exit reads is changed
 * just before the jump and written again after it: live only where the way
 * out is taken, so a rewrite that thought it dead there would drop the
 * change and return something else.
 */
static void emit_early_exit(struct fz *g)
{
	uint32_t x, k;
	uint8_t a, r, cls, op = jops[rn(g, sizeof(jops) / sizeof(jops[0]))];

	if (!g->nexits || g->nearly >= FZ_MAX_EARLY) {
		emit_alu(g);
		return;
	}
	x = rn(g, g->nexits);
	r = g->exit_reads[x][rn(g, 2)];
	if (rn(g, 2)) {
		emit(g, BPF_ALU64_IMM(rn(g, 2) ? BPF_ADD : BPF_XOR, r, interesting_imm(g)));
		forget(g, r);
	}
	/* a register from the packet or ctx if one is: a constant would leave the rest dead */
	for (k = 0, a = sreg(g); k < 8 && !g->psize[a] && !g->pctx[a]; k++)
		a = sreg(g);
	cls = rn(g, 3) ? BPF_JMP : BPF_JMP32;
	if (rn(g, 3) == 0) { /* r0 = K; if rA op r0: the constant goes into the jump */
		emit(g, BPF_MOV64_IMM(BPF_REG_0, cmp_imm(g, a)));
		emit(g, BPF_RAW_INSN(cls | op | BPF_X, a, BPF_REG_0, 0, 0));
	} else {
		emit(g, BPF_RAW_INSN(cls | op | BPF_K, a, 0, 0, cmp_imm(g, a)));
	}
	g->early_at[g->nearly] = g->n - 1;
	g->early_to[g->nearly++] = (uint8_t)x;
	if (rn(g, 2)) {
		emit(g, rn(g, 2) ? BPF_MOV64_IMM(r, interesting_imm(g)) : BPF_MOV32_IMM(r, interesting_imm(g)));
		forget(g, r);
	}
}

/* The early exits' blocks, after the main exit, and the jumps to them aimed. */
static void emit_exits(struct fz *g)
{
	uint32_t x, k, at[FZ_MAX_EXITS];

	for (x = 0; x < g->nexits; x++) {
		for (k = 0; k < g->nearly && g->early_to[k] != x; k++)
			;
		if (k == g->nearly)
			continue; /* no jump to it: the kernel would refuse dead code */
		at[x] = g->n;
		emit(g, BPF_MOV64_REG(BPF_REG_0, g->exit_reads[x][0]));
		emit(g, BPF_ALU64_REG(rn(g, 2) ? BPF_XOR : BPF_ADD, BPF_REG_0, g->exit_reads[x][1]));
		emit(g, BPF_EXIT_INSN());
	}
	for (k = 0; k < g->nearly; k++)
		if (g->early_at[k] < FZ_MAX_INSNS)
			g->insns[g->early_at[k]].off =
				(int16_t)(at[g->early_to[k]] - g->early_at[k] - 1);
}

/* A stack store; bytes written on every path may be read later. */
static void emit_stack_store(struct fz *g, int depth)
{
	uint32_t si = rn(g, 4), sz = size_bytes[si];
	int32_t off = -(int32_t)(sz * (1 + rn(g, 64 / sz)));

	if (rn(g, 4) == 0)
		emit(g, BPF_ST_MEM(sizes[si], BPF_REG_10, (int16_t)off, interesting_imm(g)));
	else
		emit(g, BPF_STX_MEM(sizes[si], BPF_REG_10, sreg(g), (int16_t)off));
	if (!depth)
		g->stack_init |= ((1ULL << sz) - 1) << (64 + off);
}

static void emit_stack_load(struct fz *g)
{
	uint32_t tries, si, sz;
	int32_t off;
	uint64_t m;
	uint8_t r;

	for (tries = 0; tries < 8; tries++) {
		si = rn(g, 4);
		sz = size_bytes[si];
		off = -(int32_t)(sz * (1 + rn(g, 64 / sz)));
		m = ((1ULL << sz) - 1) << (64 + off);
		if ((g->stack_init & m) == m) {
			r = sreg(g);
			emit(g, BPF_LDX_MEM(sizes[si], r, BPF_REG_10, (int16_t)off));
			forget(g, r);
			return;
		}
	}
}

static void emit_pkt_store(struct fz *g)
{
	uint32_t si = rn(g, 3), off = rn(g, FZ_NPKT - size_bytes[si] + 1);

	if (rn(g, 3) == 0)
		emit(g, BPF_ST_MEM(sizes[si], BPF_REG_9, (int16_t)off, interesting_imm(g)));
	else
		emit(g, BPF_STX_MEM(sizes[si], BPF_REG_9, sreg(g), (int16_t)off));
}

/*
 * The array map: a key (a constant 0..4 or a scalar's low bits), a lookup,
 * and on a hit a read-modify-write of the value from r7 and r8 (which the
 * call keeps).  r1-r5 are made again afterwards: the call clobbers them.
 */
static void emit_map(struct fz *g)
{
	uint32_t at, i;

	if (rn(g, 2)) {
		emit(g, BPF_ST_MEM(BPF_W, BPF_REG_10, FZ_KEY_OFF, (int32_t)rn(g, FZ_MAP_N + 1)));
	} else {
		emit(g, BPF_MOV32_REG(BPF_REG_0, sreg(g)));
		emit(g, BPF_ALU32_IMM(BPF_AND, BPF_REG_0, 7));
		emit(g, BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, FZ_KEY_OFF));
	}
	emit(g, BPF_MOV64_REG(BPF_REG_2, BPF_REG_10));
	emit(g, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, FZ_KEY_OFF));
	emit(g,
	     BPF_RAW_INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, g->map_fd));
	emit(g, BPF_RAW_INSN(0, 0, 0, 0, 0));
	emit(g, BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem));
	emit(g, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0));
	at = g->n - 1;
	emit(g, BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_0, 0));
	emit(g, BPF_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_7));
	emit(g, BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
	emit(g, BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_0, 12));
	emit(g, BPF_ALU32_REG(BPF_XOR, BPF_REG_2, BPF_REG_8));
	emit(g, BPF_STX_MEM(BPF_W, BPF_REG_0, BPF_REG_2, 8));
	if (rn(g, 2)) {
		emit(g, BPF_MOV32_IMM(BPF_REG_3, 0));
		emit(g, BPF_STX_MEM(BPF_H, BPF_REG_0, BPF_REG_3, 14));
	}
	if (at < FZ_MAX_INSNS)
		g->insns[at].off = (int16_t)(g->n - at - 1);
	for (i = 0; i < 5; i++)
		init_reg(g, (uint8_t)(i + 1));
	g->map_done = true;
}

static void gen_segment(struct fz *g, int depth)
{
	uint8_t r;
	int32_t k;

	switch (rn(g, depth ? 15 : 18)) {
	case 0:
	case 1:
	case 2:
		emit_alu(g);
		break;
	case 3:
		emit_ext(g, sreg(g));
		break;
	case 4:
		load_pkt(g, sreg(g));
		break;
	case 5:
		load_ctx(g, sreg(g));
		break;
	case 6: /* a known constant written again */
		r = sreg(g);
		k = interesting_imm(g);
		emit(g, BPF_MOV32_IMM(r, k));
		if (rn(g, 2))
			emit_alu(g);
		emit(g, rn(g, 2) ? BPF_MOV32_IMM(r, k) : BPF_MOV64_IMM(r, (int32_t)(uint32_t)k));
		forget(g, r);
		break;
	case 7: /* a copy */
		r = sreg(g);
		emit(g, rn(g, 2) ? BPF_MOV64_REG(r, sreg(g)) : BPF_MOV32_REG(r, sreg(g)));
		forget(g, r);
		break;
	case 8:
		emit_stack_store(g, depth);
		break;
	case 9:
		emit_stack_load(g);
		break;
	case 10:
		emit_pkt_store(g);
		break;
	case 11:
		emit_early_exit(g);
		break;
	case 12:
	case 13:
	case 14:
		if (depth < 3)
			emit_branch(g, depth);
		else
			emit_alu(g);
		break;
	default: /* depth 0 only */
		if (!g->map_done && rn(g, 3) == 0)
			emit_map(g);
		else
			emit_branch(g, depth);
	}
}

/* A program; 0, or -E2BIG when it came out too long. */
static int generate(struct fz *g)
{
	uint32_t i, nseg = 8 + rn(g, 18);

	g->n = 0;
	g->nhints = 0;
	g->stack_init = 0;
	g->map_done = false;
	g->nearly = 0;
	g->nexits = rn(g, FZ_MAX_EXITS + 1);
	for (i = 0; i < g->nexits; i++) {
		g->exit_reads[i][0] = sreg(g);
		g->exit_reads[i][1] = sreg(g);
	}
	memset(g->psize, 0, sizeof(g->psize));
	memset(g->pctx, 0, sizeof(g->pctx));
	emit(g, BPF_MOV64_REG(BPF_REG_6, BPF_REG_1));
	emit(g, BPF_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_6, offsetof(struct xdp_md, data)));
	emit(g, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, offsetof(struct xdp_md, data_end)));
	emit(g, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	emit(g, BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, FZ_NPKT));
	emit(g, BPF_JMP_REG(BPF_JLE, BPF_REG_1, BPF_REG_0, 2));
	emit(g, BPF_MOV32_IMM(BPF_REG_0, XDP_PASS));
	emit(g, BPF_EXIT_INSN());
	for (i = 0; i < NSREGS; i++)
		init_reg(g, sregs[i]);
	for (i = 0; i < nseg; i++)
		gen_segment(g, 0);
	/* every scalar reaches the retval */
	emit(g, BPF_MOV64_REG(BPF_REG_0, sregs[0]));
	for (i = 1; i < NSREGS; i++) {
		static const uint8_t fold[] = {BPF_XOR, BPF_ADD, BPF_SUB, BPF_MUL};
		uint8_t op = fold[rn(g, 4)];

		if (op == BPF_MUL) /* odd multipliers lose nothing */
			emit(g, BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 2 * (int32_t)rn(g, 1000) + 1));
		emit(g, BPF_ALU64_REG(op == BPF_MUL ? BPF_XOR : op, BPF_REG_0, sregs[i]));
	}
	if (rn(g, 2)) { /* upper halves too, into the low 32 bits the kernel returns */
		emit(g, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
		emit(g, BPF_ALU64_IMM(BPF_RSH, BPF_REG_1, 32));
		emit(g, BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_1));
	}
	emit(g, BPF_EXIT_INSN());
	emit_exits(g);
	return g->n <= FZ_MAX_INSNS - 2 ? 0 : -E2BIG;
}

#endif
