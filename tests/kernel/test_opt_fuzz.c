// SPDX-License-Identifier: MIT
/*
 * The optimizer against the kernel, on programs made to be rewritten.
 *
 * A seeded generator makes loop-free XDP programs of what core/search
 * rewrites, tails included: scalars from packet bytes (after one bounds
 * check) and from ingress_ifindex / rx_queue_index, ALU and ALU32 ops,
 * zero and sign extensions by shift pairs, constants and copies put in a
 * register and then compared, JMP and JMP32 jumps of every condition (JSET
 * too) forward over a few instructions, redundant writes of known
 * constants, stack stores and loads of written bytes, packet stores, an
 * array map lookup whose value is read and written, and a return value
 * folded from every scalar register.  Programs the kernel does not load are
 * made again.
 *
 * Each program goes through opt_optimize() (a small budget, one job, the
 * kernel as judge: a candidate must load, and its cost is the kernel's
 * xlated count, then JITed bytes); then the original and the result run
 * side by side with BPF_PROG_TEST_RUN on packets of random bytes, where
 * the bytes the program compares with constants are often set next to
 * those constants so both ways of the branches are taken.  The map's four
 * values are set to the same random bytes before each run.  Retval, output
 * packet and map contents must be the same; a difference prints both
 * programs, the packet and the map's bytes, and fails.  So does a result
 * the driver's own whole-program check refutes.
 *
 * What it catches: a proof wrong at the edge of a comparison.  With the
 * tail decision of JGE made JGT's (a scratch build), `w0 = K; if r5 > r0`
 * became `if r5 >= K`, and a packet holding K at r5's bytes told them apart
 * (program 46 of seed 1, that run).  What it cannot: a decision negated on
 * one side only (no `invert`) makes only a negated jump provable, which
 * every test state of the search refutes before the solver sees it.
 *
 * Environment: OPT_FUZZ_N programs (default 100), OPT_FUZZ_SEED (1),
 * OPT_FUZZ_BUDGET seconds per program (0.5), OPT_FUZZ_PKTS per program
 * (64), OPT_FUZZ_JUDGE=0 for no kernel judge.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "core/asm.h"
#include "core/optimize.h"
#include "core/prog.h"
#include "core/search.h"
#include "tests/kernel/harness.h"
#include "tests/test.h"
#include "tests/unit/insn_macros.h"

#define FZ_MAX_INSNS 512
#define FZ_NPKT 24 /* bytes the bounds check covers */
#define FZ_PKT_MAX 128
#define FZ_MAP_N 4 /* array elements; key 4 misses */
#define FZ_MAP_VSZ 16
#define FZ_KEY_OFF (-72) /* the lookup's key; the stack the body uses is fp-64..fp-1 */
#define FZ_MAX_HINTS 64

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

	switch (rn(g, depth ? 14 : 17)) {
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
	case 12:
	case 13:
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
	return g->n <= FZ_MAX_INSNS - 2 ? 0 : -E2BIG;
}

/* ---- the kernel side ---- */

static char vlog[1 << 16];

/* Load; the fd, or -errno (with the verifier's log in vlog when @want_log). */
static int fz_load(const struct bpf_insn *insns, size_t len, bool want_log)
{
	return kh_load_insns(BPF_PROG_TYPE_XDP, insns, len, NULL, want_log ? vlog : NULL,
			     sizeof(vlog));
}

/* The judge of opt_optimize(): the candidate must load; cost: xlated, then JITed bytes. */
struct fz_judge {
	uint32_t calls, refused;
};

static int judge_fn(void *arg, const struct bpf_insn *insns, size_t len, uint64_t *cost)
{
	struct fz_judge *j = arg;
	uint32_t xl = 0, jl = 0;
	int fd, err;

	j->calls++;
	fd = fz_load(insns, len, false);
	if (fd < 0) {
		j->refused++;
		return fd;
	}
	err = kh_prog_info(fd, &xl, &jl);
	close(fd);
	if (err)
		return err;
	*cost = (uint64_t)xl << 32 | jl;
	return 0;
}

static void print_prog(const char *what, const struct bpf_insn *insns, size_t len,
		       const struct bpf_insn *other)
{
	char buf[ASM_LINE_SIZE];
	size_t i;

	fprintf(stderr, "  %s:\n", what);
	for (i = 0; i < len; i++) {
		buf[0] = 0;
		if (asm_format_insn(insns, len, i, buf, sizeof(buf)) < 0 && !buf[0])
			snprintf(buf, sizeof(buf), "?");
		fprintf(stderr, "  %c%4zu: %s\n",
			other && memcmp(&insns[i], &other[i], sizeof(*insns)) ? '*' : ' ', i, buf);
		if (prog_insn_is_ldimm64(&insns[i]))
			i++;
	}
}

/* A packet: random bytes, some 0 or 0xff, and the hinted ones near their constants. */
static uint32_t make_packet(struct fz *g, uint8_t *pkt)
{
	uint32_t len = rn(g, 8) ? FZ_NPKT + rn(g, FZ_PKT_MAX - FZ_NPKT + 1) : 14 + rn(g, 10);
	uint32_t i;

	for (i = 0; i < len; i++) {
		switch (rn(g, 8)) {
		case 0:
			pkt[i] = 0;
			break;
		case 1:
			pkt[i] = 0xff;
			break;
		case 2:
			pkt[i] = (uint8_t)rn(g, 4);
			break;
		default:
			pkt[i] = (uint8_t)fz_rand(g);
		}
	}
	for (i = 0; i < g->nhints; i++) {
		const struct hint *h = &g->hints[i];
		uint64_t v = h->val + (uint64_t)((int64_t)rn(g, 3) - 1);

		if (rn(g, 4) == 0 || h->off + h->size > len)
			continue;
		if (rn(g, 4) == 0) /* the sign bit of the loaded width, either way */
			v ^= 1ULL << (8 * h->size - 1);
		memcpy(pkt + h->off, &v, h->size); /* little-endian, as loads read it */
	}
	return len;
}

struct fz_stats {
	uint32_t programs, rejected, changed, windows, tails, tail_progs, runs, diffs;
	uint32_t judge_calls, judge_refused, whole_eq, whole_unknown, whole_diff;
	double opt_seconds;
};

static bool tail_changed(const struct bpf_insn *a, const struct bpf_insn *b)
{
	return search_is_tail(a) && memcmp(a, b, sizeof(*a));
}

/*
 * Reset the map to @vals, run @fd on @pkt; the retval, packet out and map
 * bytes into the last three.  0 or -errno.
 */
static int run_one(int fd, int map_fd, const uint8_t *vals, const uint8_t *pkt, uint32_t len,
		   uint32_t *retval, uint8_t *out, uint32_t *outlen, uint8_t *mapout)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = len, .data_out = out,
		    .data_size_out = FZ_PKT_MAX + 64, .repeat = 1);
	uint32_t k;

	for (k = 0; k < FZ_MAP_N; k++)
		if (bpf_map_update_elem(map_fd, &k, vals + k * FZ_MAP_VSZ, BPF_ANY))
			return -errno;
	if (bpf_prog_test_run_opts(fd, &t))
		return -errno;
	*retval = t.retval;
	*outlen = t.data_size_out;
	for (k = 0; k < FZ_MAP_N; k++)
		if (bpf_map_lookup_elem(map_fd, &k, mapout + k * FZ_MAP_VSZ))
			return -errno;
	return 0;
}

/* Run both on @npkts packets; false (after printing a reproducer) at the first difference. */
static bool compare_runs(struct fz *g, const struct bpf_insn *a, const struct bpf_insn *b,
			 size_t len, int fa, int fb, uint32_t npkts, struct fz_stats *st)
{
	uint8_t pkt[FZ_PKT_MAX], oa[FZ_PKT_MAX + 64], ob[FZ_PKT_MAX + 64];
	uint8_t vals[FZ_MAP_N * FZ_MAP_VSZ], ma[sizeof(vals)], mb[sizeof(vals)];
	uint32_t i, k, plen, ra, rb, la, lb;
	int ea, eb;

	for (i = 0; i < npkts; i++) {
		plen = make_packet(g, pkt);
		for (k = 0; k < sizeof(vals); k++)
			vals[k] = (uint8_t)fz_rand(g);
		ea = run_one(fa, g->map_fd, vals, pkt, plen, &ra, oa, &la, ma);
		eb = run_one(fb, g->map_fd, vals, pkt, plen, &rb, ob, &lb, mb);
		st->runs++;
		if (!CHECK(!ea && !eb, "test run: %s / %s", strerror(-ea), strerror(-eb)))
			return false;
		if (ra == rb && la == lb && !memcmp(oa, ob, la) && !memcmp(ma, mb, sizeof(ma)))
			continue;
		st->diffs++;
		CHECK(false,
		      "program %u, packet %u: the optimized program behaves differently: "
		      "retval %u vs %u, packet out %s, map %s",
		      st->programs - 1, i, ra, rb,
		      la == lb && !memcmp(oa, ob, la) ? "same" : "differs",
		      memcmp(ma, mb, sizeof(ma)) ? "differs" : "same");
		print_prog("original", a, len, NULL);
		print_prog("optimized (* changed)", b, len, a);
		kh_print_bytes("packet", pkt, plen);
		kh_print_bytes("map values before (4 x 16)", vals, sizeof(vals));
		kh_print_bytes("packet out, original", oa, la);
		kh_print_bytes("packet out, optimized", ob, lb);
		kh_print_bytes("map after, original", ma, sizeof(ma));
		kh_print_bytes("map after, optimized", mb, sizeof(mb));
		return false;
	}
	return true;
}

static double env_double(const char *name, double def)
{
	const char *v = getenv(name);

	return v && *v ? strtod(v, NULL) : def;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_opt_fuzz(void)
{
	uint32_t nprogs = (uint32_t)env_double("OPT_FUZZ_N", 100);
	uint32_t npkts = (uint32_t)env_double("OPT_FUZZ_PKTS", 64);
	uint64_t seed = (uint64_t)env_double("OPT_FUZZ_SEED", 1);
	double budget = env_double("OPT_FUZZ_BUDGET", 0.5), t0 = now(), t1;
	bool use_judge = env_double("OPT_FUZZ_JUDGE", 1) != 0;
	struct interp_map_def md = {.type = BPF_MAP_TYPE_ARRAY,
				    .key_size = 4,
				    .value_size = FZ_MAP_VSZ,
				    .max_entries = FZ_MAP_N};
	struct opt_env env = {.prog_type = BPF_PROG_TYPE_XDP, .maps = &md, .nmaps = 1};
	struct fz_stats st = {0};
	struct fz_judge j = {0};
	char why[256];
	struct fz *g;
	uint32_t p, i, attempts = 0;

	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	g = calloc(1, sizeof(*g));
	if (!ASSERT_OK_PTR(g, "generator"))
		return;
	g->s = seed;
	g->map_fd = kh_map_create(BPF_MAP_TYPE_ARRAY, 4, FZ_MAP_VSZ, FZ_MAP_N);
	if (!CHECK(g->map_fd >= 0, "array map: %s", strerror(-g->map_fd))) {
		free(g);
		return;
	}
	md.ref = g->map_fd;
	for (p = 0; p < nprogs; p++) {
		struct opt_params pp = {.budget = budget, .jobs = 1, .seed = seed * 1000003 + p};
		struct opt_result res;
		bool changed, tail = false;
		int fa = -1, fb = -1;
		uint64_t gs;

		if (use_judge) {
			pp.judge = judge_fn;
			pp.judge_arg = &j;
		}
		/* a program the kernel loads */
		for (;;) {
			if (!CHECK(++attempts < 20 * nprogs + 100,
				   "the kernel rejects too many generated programs (%u of %u); "
				   "last: %s",
				   st.rejected, attempts, vlog))
				goto out;
			if (generate(g))
				continue;
			fa = fz_load(g->insns, g->n, true);
			if (fa >= 0)
				break;
			st.rejected++;
			if (test_env.verbose) {
				print_prog("rejected", g->insns, g->n, NULL);
				fprintf(stderr, "%s\n", vlog);
			}
		}
		st.programs++;
		if (opt_optimize(g->insns, g->n, &env, &pp, &res)) {
			CHECK(false, "program %u: opt_optimize: %s", p, res.msg);
			opt_result__free(&res);
			close(fa);
			continue;
		}
		st.opt_seconds += res.seconds;
		/* the driver's own alarm: window proofs the whole-program check refutes */
		if (res.whole == SMT_DIFFERENT) {
			st.whole_diff++;
			CHECK(false, "program %u: %s", p, res.msg);
			print_prog("original", g->insns, g->n, NULL);
		}
		changed = memcmp(res.insns, g->insns, g->n * sizeof(*g->insns)) != 0;
		if (changed) {
			st.changed++;
			st.windows += res.nwindows;
			for (i = 0; i < g->n; i++)
				if (tail_changed(&g->insns[i], &res.insns[i])) {
					st.tails++;
					tail = true;
				}
			st.tail_progs += tail;
			if (res.whole == SMT_EQUIVALENT)
				st.whole_eq++;
			else
				st.whole_unknown++;
		}
		if (test_env.verbose && changed) {
			print_prog("original", g->insns, g->n, NULL);
			print_prog("optimized (* changed)", res.insns, g->n, g->insns);
		}
		fb = changed ? fz_load(res.insns, g->n, true) : fa;
		/*
		 * Packets come from their own sequence: what the optimizer did
		 * (timing-dependent) must not change the programs that follow.
		 */
		gs = g->s;
		g->s = seed ^ (0x5851f42d4c957f2dULL * (p + 1));
		if (!CHECK(fb >= 0, "program %u: the optimized program does not load: %s", p,
			   vlog)) {
			print_prog("original", g->insns, g->n, NULL);
			print_prog("optimized (* changed)", res.insns, g->n, g->insns);
		} else if (changed &&
			   !compare_runs(g, g->insns, res.insns, g->n, fa, fb, npkts, &st)) {
			fprintf(stderr,
				"  (program %u of seed %llu: OPT_FUZZ_SEED=%llu "
				"OPT_FUZZ_N=%u makes it again)\n",
				p, (unsigned long long)seed, (unsigned long long)seed, p + 1);
		}
		g->s = gs;
		if (fb >= 0 && fb != fa)
			close(fb);
		close(fa);
		opt_result__free(&res);
	}
out:
	t1 = now();
	st.judge_calls = j.calls;
	st.judge_refused = j.refused;
	fprintf(stderr,
		"  opt_fuzz: seed %llu, %u programs (%u rejected by the kernel and made again), "
		"%u changed by the optimizer, %u windows rewritten, %u tail jumps changed in %u "
		"programs, whole-program proof %u equivalent / %u not made / %u refuting; %u "
		"runs, %u differences; judge: %u loads, %u refused; %.1f s (%.1f s optimizing, "
		"budget "
		"%.2f s)\n",
		(unsigned long long)seed, st.programs, st.rejected, st.changed, st.windows,
		st.tails, st.tail_progs, st.whole_eq, st.whole_unknown, st.whole_diff, st.runs,
		st.diffs, st.judge_calls, st.judge_refused, t1 - t0, st.opt_seconds, budget);
	ASSERT_EQ(st.diffs, 0, "differences between original and optimized programs");
	/*
	 * The comparisons mean something only if the optimizer changed
	 * programs, tails too (at 0.5 s about nine in ten change on a quiet
	 * machine; a tenth leaves room for a loaded one).
	 */
	CHECK(st.programs < 20 || st.changed >= st.programs / 10, "only %u of %u programs changed",
	      st.changed, st.programs);
	CHECK(st.programs < 20 || st.tails > 0, "no tail jump changed in %u programs", st.programs);
	close(g->map_fd);
	free(g);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_opt_fuzz);
	return test_summary("test_opt_fuzz");
}
