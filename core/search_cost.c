// SPDX-License-Identifier: MIT
/*
 * core/search_cost: the performance half of the search's cost, a latency
 * model per opcode measured on the target as K2 does.
 *
 * An instruction costs SEARCH_COST_INSN plus a latency term in [0,
 * SEARCH_COST_LAT_MAX].  The count term dominates: a window holds at most
 * SEARCH_MAX_WINDOW (16) instructions and 16 * 63 < 1024, so among windows of
 * up to 16 instructions one with fewer instructions always costs less,
 * whatever they are; the latency term only ranks programs of equal length.
 * That is what both K2's performance cost and the kernel's xlated size count
 * first.  `ja +0` (which the verifier deletes) costs 0.  A program of the
 * kernel's maximum 1M instructions costs under 2^31, so sums fit in 32 bits.
 *
 * The latency term is in halves of a dependent 64-bit register add (one
 * cycle), rounded and capped at 63: relative, so the model does not move with
 * the clock.  Measured by tests/kernel/bench_latency on 2026-11-24 (three
 * runs agreeing within one unit), kernel 6.18.44-fc-v669, x86-64 JIT,
 * "Intel(R) Xeon(R) Processor" (a 2-CPU VM; the add is 0.25 ns), N=1000,
 * repeat 10000, median of 7 rounds.  ALU ops form a dependent chain
 * (latency); memory ops and jumps repeat on the same operands (what a stream
 * of them costs).  ns per instruction -> units:
 *
 *   add/sub reg, and/or/xor/shifts/neg, alu32 add/sub imm   0.25  -> 2
 *   alu64 add/sub imm   0.045 -> 0  (the CPU's renamer folds these chains)
 *   mov reg/imm 0.05 -> 0   movsx 0.27 -> 2   mul 0.76 -> 6
 *   div64 4.1 -> 32   div32 3.2 -> 25   sdiv64 4.0 -> 31   sdiv32 3.3 -> 26
 *   mod64 4.8 -> 38   mod32 4.0 -> 32   smod64 5.2 -> 41   smod32 4.4 -> 34
 *     (division by a register includes the zero check the verifier adds)
 *   be16/bswap16, be64/bswap64 0.53 -> 4   be32, le16, le32 0.25 -> 2
 *   le64 0 (no code) -> 0   ld_imm64 0.08 -> 1
 *   ldx/ldsx/stx/st on stack, packet, map value, ctx 0.13 -> 1 (a ctx field
 *     the verifier rewrites into 2-3 loads: 0.2-0.3; not told apart here)
 *   atomic add/or/and/xor 5.0 -> 39   fetch_add 5.0 -> 39   xchg 4.8 -> 38
 *   cmpxchg 5.5 -> 43   fetch_or/and/xor 8.7 -> 63 (a cmpxchg loop)
 *   jcc not taken 0.14 -> 1, taken 0.6 -> 5 (reg: 1.0 -> 8)   ja 0.4 -> 3
 *   call get_smp_processor_id 0.2 -> 2 (inlined)  get_prandom_u32 4.2 -> 33
 *   call ktime_get_ns 25 -> 63
 *
 * Not measured (no XDP program can hold them, or not worth a row): exit
 * (taken as a ja), LD_ABS/LD_IND (socket filters; a call on the slow path:
 * taken as a helper call), kfunc and BPF-to-BPF calls and other helpers
 * (taken as get_prandom_u32, a plain call).  A jump's direction is unknown
 * here: conditional jumps cost the taken figure.
 *
 * To regenerate: make BUILD=build tests && build/tests/kernel/bench_latency
 * prints the units column; copy it into the enum below and update this note.
 */
#include "core/search.h"

#define SEARCH_COST_INSN 1024
#define SEARCH_COST_LAT_MAX 63

#ifndef BPF_JCOND
#define BPF_JCOND 0xe0
#endif

/* Latency terms in units (see the table above). */
enum {
	LAT_MOV = 0,
	LAT_ADD_IMM64 = 0,
	LAT_ALU = 2,
	LAT_MUL = 6,
	LAT_DIV64 = 32,
	LAT_DIV32 = 25,
	LAT_SDIV64 = 31,
	LAT_SDIV32 = 26,
	LAT_MOD64 = 38,
	LAT_MOD32 = 32,
	LAT_SMOD64 = 41,
	LAT_SMOD32 = 34,
	LAT_SWAP16 = 4,
	LAT_SWAP64 = 4,
	LAT_LD_IMM64 = 1,
	LAT_MEM = 1,
	LAT_ATOMIC = 39,
	LAT_ATOMIC_FETCH_ADD = 39,
	LAT_XCHG = 38,
	LAT_CMPXCHG = 43,
	LAT_ATOMIC_FETCH_LOOP = 63, /* fetch_or/and/xor: a cmpxchg loop in the JIT */
	LAT_JCC = 5,
	LAT_JA = 3,
	LAT_CALL_INLINED = 2,
	LAT_CALL = 33,
	LAT_CALL_KTIME = 63,
};

#define HELPER_KTIME_GET_NS 5
#define HELPER_GET_SMP_PROCESSOR_ID 8

bool search_insn_is_nop(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_JA) && !in->dst_reg && !in->src_reg && !in->off &&
	       !in->imm;
}

static uint32_t alu_lat(const struct bpf_insn *in)
{
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;
	bool sgn = in->off == 1; /* sdiv/smod (cpu v4) */

	switch (BPF_OP(in->code)) {
	case BPF_ADD:
	case BPF_SUB:
		/* the renamer folds 64-bit add/sub of an immediate, not 32-bit ones */
		return is64 && BPF_SRC(in->code) == BPF_K ? LAT_ADD_IMM64 : LAT_ALU;
	case BPF_MUL:
		return LAT_MUL;
	case BPF_DIV:
		if (sgn)
			return is64 ? LAT_SDIV64 : LAT_SDIV32;
		return is64 ? LAT_DIV64 : LAT_DIV32;
	case BPF_MOD:
		if (sgn)
			return is64 ? LAT_SMOD64 : LAT_SMOD32;
		return is64 ? LAT_MOD64 : LAT_MOD32;
	case BPF_MOV:
		/* movsx (off 8/16/32) is a real sign extension, a plain mov is renamed */
		return BPF_SRC(in->code) == BPF_X && in->off ? LAT_ALU : LAT_MOV;
	case BPF_END:
		/* ALU64 END is bswap; ALU END to_le on little-endian only truncates */
		if (!is64 && BPF_SRC(in->code) == BPF_TO_LE)
			return in->imm == 64 ? 0 : LAT_ALU;
		if (in->imm == 16)
			return LAT_SWAP16;
		return in->imm == 64 ? LAT_SWAP64 : LAT_ALU;
	default: /* and, or, xor, shifts, neg */
		return LAT_ALU;
	}
}

static uint32_t atomic_lat(const struct bpf_insn *in)
{
	switch (in->imm) {
	case BPF_ADD | BPF_FETCH:
		return LAT_ATOMIC_FETCH_ADD;
	case BPF_XCHG:
		return LAT_XCHG;
	case BPF_LOAD_ACQ:
	case BPF_STORE_REL:
		return LAT_MEM; /* a plain load or store on x86-64 (TSO) */
	case BPF_CMPXCHG:
		return LAT_CMPXCHG;
	case BPF_AND | BPF_FETCH:
	case BPF_OR | BPF_FETCH:
	case BPF_XOR | BPF_FETCH:
		return LAT_ATOMIC_FETCH_LOOP;
	default: /* add, and, or, xor without fetch: one locked instruction */
		return LAT_ATOMIC;
	}
}

static uint32_t jmp_lat(const struct bpf_insn *in)
{
	switch (BPF_OP(in->code)) {
	case BPF_JA:
	case BPF_EXIT:
		return LAT_JA;
	case BPF_CALL:
		if (in->src_reg)
			return LAT_CALL; /* BPF-to-BPF call or kfunc */
		if (in->imm == HELPER_GET_SMP_PROCESSOR_ID)
			return LAT_CALL_INLINED;
		return in->imm == HELPER_KTIME_GET_NS ? LAT_CALL_KTIME : LAT_CALL;
	case BPF_JCOND: /* may_goto: a counter decrement and a jump */
	default:
		return LAT_JCC;
	}
}

static uint32_t insn_lat(const struct bpf_insn *in)
{
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return alu_lat(in);
	case BPF_LD:
		if (BPF_MODE(in->code) == BPF_IMM)
			return LAT_LD_IMM64;
		return LAT_CALL; /* LD_ABS/LD_IND */
	case BPF_LDX:
	case BPF_ST:
		return LAT_MEM;
	case BPF_STX:
		return BPF_MODE(in->code) == BPF_ATOMIC ? atomic_lat(in) : LAT_MEM;
	case BPF_JMP:
	case BPF_JMP32:
		return jmp_lat(in);
	}
	return LAT_ALU;
}

uint32_t search_insn_cost(const struct bpf_insn *in)
{
	uint32_t lat;

	if (search_insn_is_nop(in))
		return 0;
	lat = insn_lat(in);
	return SEARCH_COST_INSN + (lat < SEARCH_COST_LAT_MAX ? lat : SEARCH_COST_LAT_MAX);
}

uint32_t search_cost(const struct bpf_insn *insns, size_t len)
{
	uint32_t c = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		c += search_insn_cost(&insns[i]);
		if (prog_insn_is_ldimm64(&insns[i]))
			i++; /* the second slot is part of the same instruction */
	}
	return c;
}
