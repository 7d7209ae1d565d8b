// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/search_cost: the performance half of the search's cost.
 *
 * What the search relies on: `ja +0` and nothing else is a NOP and costs 0;
 * every other encoding prog_validate() accepts costs more than 0; within a
 * window (at most SEARCH_MAX_WINDOW instructions) one instruction fewer is
 * always cheaper, whatever the instructions; LD_IMM64 counts once; and the
 * latencies rank instructions as bench_latency measured them.  Programs are
 * written in assembly (clang reads it; tests/unit/elf_text.h); the sweep over
 * every encoding builds instructions field by field, since that is its point.
 */
#include <errno.h>

#include "core/prog.h"
#include "core/search.h"
#include "tests/test.h"
#include "tests/unit/elf_text.h"
#include "tests/unit/insn_macros.h"

#define ASM_PRELUDE                                \
	"\t.macro insn code, dst, src, off, imm\n" \
	"\t.byte \\code, (\\src << 4) | \\dst\n"   \
	"\t.short \\off\n"                         \
	"\t.long \\imm\n"                          \
	"\t.endm\n"                                \
	"\t.text\n"

static uint32_t cost_of(struct bpf_insn in)
{
	return search_insn_cost(&in);
}

static void test_nop(void)
{
	struct bpf_insn nop = BPF_JMP_A(0);
	/* near misses: each differs from ja +0 in one field */
	struct bpf_insn not_nop[] = {
		BPF_JMP_A(1),
		BPF_JMP32_A(0), /* gotol +0 */
		BPF_RAW_INSN(BPF_JMP | BPF_JA, 1, 0, 0, 0),
		BPF_RAW_INSN(BPF_JMP | BPF_JA, 0, 1, 0, 0),
		BPF_RAW_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 1),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_0),
		BPF_RAW_INSN(0, 0, 0, 0, 0),
	};
	size_t i;

	ASSERT_TRUE(search_insn_is_nop(&nop), "ja +0 is the NOP");
	ASSERT_EQ(search_insn_cost(&nop), 0, "ja +0 costs nothing");
	for (i = 0; i < sizeof(not_nop) / sizeof(not_nop[0]); i++) {
		ASSERT_FALSE(search_insn_is_nop(&not_nop[i]), "near miss is not the NOP");
		CHECK(search_insn_cost(&not_nop[i]) > 0, "near miss %zu (code 0x%02x) costs > 0", i,
		      not_nop[i].code);
	}
}

struct sweep {
	uint32_t min, max, n;
};

/* One encoding: if prog_validate() takes it, its cost goes into @sw; whether it did. */
static bool sweep_one(uint8_t code, uint8_t src, int16_t off, int32_t imm, struct sweep *sw)
{
	struct bpf_insn p[3] = { BPF_RAW_INSN(code, 0, src, off, imm), BPF_EXIT_INSN(),
				 BPF_EXIT_INSN() };
	char msg[PROG_MSG_SIZE];
	size_t len = 2;
	uint32_t c;

	if (prog_insn_is_ldimm64(&p[0])) {
		p[1] = BPF_RAW_INSN(0, 0, 0, 0, 0);
		len = 3;
	}
	if (prog_validate(p, len, msg, sizeof(msg)))
		return false;
	sw->n++;
	c = search_insn_cost(&p[0]);
	if (search_insn_is_nop(&p[0])) {
		ASSERT_EQ(c, 0, "the NOP costs 0");
		return true;
	}
	if (CHECK(c > 0, "code 0x%02x src %d off %d imm %d costs 0", code, src, off, imm)) {
		sw->min = c < sw->min ? c : sw->min;
		sw->max = c > sw->max ? c : sw->max;
	}
	return true;
}

/*
 * Every encoding of one instruction (followed by exit; LD_IMM64 with its
 * second slot) that prog_validate() accepts, over every code and a spread of
 * the other fields: non-NOPs cost > 0, and the spread between the cheapest
 * and the dearest is small enough that a window of n - 1 instructions always
 * costs less than one of n.
 */
static void test_every_valid_opcode(void)
{
	/* widths, shift counts, helper ids (5: ktime_get_ns, the dearest), atomic ops */
	static const int32_t imms[] = {
		0, 1, 2, 5, 7, 8, 16, 32, 64, BPF_ADD, BPF_OR, BPF_AND, BPF_XOR,
		BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH,
		BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL,
	};
	static const int16_t offs[] = { 0, 1, 8, 16 };
	struct sweep sw = { .min = UINT32_MAX };
	uint32_t codes = 0;
	size_t o, k;
	int code, src;

	for (code = 0; code < 256; code++) {
		bool seen = false;

		for (src = 0; src <= 2; src++)
			for (o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
				for (k = 0; k < sizeof(imms) / sizeof(imms[0]); k++)
					seen |= sweep_one((uint8_t)code, (uint8_t)src, offs[o],
							  imms[k], &sw);
		codes += seen;
	}
	/* ALU/ALU64 (~50 codes), JMP/JMP32 (~45), LD/LDX/ST/STX (~25) */
	CHECK(codes >= 100, "only %u opcodes validated: the sweep tests nothing", codes);
	CHECK(sw.n >= 1000, "only %u encodings validated", sw.n);
	CHECK((uint64_t)sw.max * (SEARCH_MAX_WINDOW - 1) < (uint64_t)sw.min * SEARCH_MAX_WINDOW,
	      "%d of the dearest (%u) cost no less than %d of the cheapest (%u)",
	      SEARCH_MAX_WINDOW - 1, sw.max, SEARCH_MAX_WINDOW, sw.min);
}

static int assemble(const char *text, struct bpf_insn **insns, size_t *len)
{
	return test_assemble(ASM_PRELUDE, text, insns, len);
}

static void test_ldimm64_counted_once(void)
{
	struct bpf_insn *p = NULL;
	size_t len = 0;
	int err;

	err = assemble("\tr1 = 0x123456789abcdef ll\n"
		       "\tr0 = 0 ll\n"
		       "\tr0 += r1\n"
		       "\texit\n",
		       &p, &len);
	if (!ASSERT_OK(err, "assemble"))
		return;
	if (ASSERT_EQ(len, 6, "two LD_IMM64 take four slots")) {
		ASSERT_EQ(search_cost(p, len),
			  search_insn_cost(&p[0]) + search_insn_cost(&p[2]) +
				  search_insn_cost(&p[4]) + search_insn_cost(&p[5]),
			  "second slots not counted");
		/* the second slot alone would be a (costly) LD of code 0 */
		CHECK(search_insn_cost(&p[1]) > 0, "a lone second slot costs something");
		ASSERT_EQ(search_cost(p, 2), search_insn_cost(&p[0]), "one LD_IMM64 is one cost");
	}
	ASSERT_EQ(search_cost(p, 0), 0, "empty");
	free(p);
}

/* A window with one instruction fewer (the same length, one made ja +0) is cheaper. */
static void test_one_fewer_is_cheaper(void)
{
	/* 16 moves: the cheapest instructions there are */
	static const char *cheap =
		"\tr0 = r1\n\tr2 = r1\n\tr3 = r1\n\tr4 = r1\n\tr5 = r1\n\tr0 = 1\n\tr2 = 2\n"
		"\tr3 = 3\n\tr4 = 4\n\tr5 = 5\n\tr0 = r2\n\tr2 = r3\n\tr3 = r4\n\tr4 = r5\n"
		"\tr5 = r0\n\tr0 = r5\n";
	/* 15 divisions, among the dearest ALU ops, and a ja +0 */
	static const char *dear =
		"\tr0 /= r1\n\tr2 /= r1\n\tr3 /= r1\n\tr4 /= r1\n\tr5 /= r1\n\tr0 /= r2\n"
		"\tr2 /= r3\n\tr3 /= r4\n\tr4 /= r5\n\tr5 /= r0\n\tr0 /= r5\n\tr2 /= r5\n"
		"\tr3 /= r5\n\tr4 /= r5\n\tr5 /= r4\n\tgoto +0\n";
	struct bpf_insn *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	uint32_t before, removed;

	if (!ASSERT_OK(assemble(cheap, &a, &alen), "assemble cheap") ||
	    !ASSERT_OK(assemble(dear, &b, &blen), "assemble dear"))
		goto out;
	ASSERT_EQ(alen, SEARCH_MAX_WINDOW, "cheap window length");
	ASSERT_EQ(blen, SEARCH_MAX_WINDOW, "dear window length");
	ASSERT_TRUE(search_insn_is_nop(&b[blen - 1]), "goto +0 assembles to the NOP");
	CHECK(search_cost(b, blen) < search_cost(a, alen),
	      "15 divisions + a NOP (%u) cost less than 16 moves (%u)", search_cost(b, blen),
	      search_cost(a, alen));
	/* and making one of the moves a NOP takes exactly its cost off */
	before = search_cost(a, alen);
	removed = search_insn_cost(&a[3]);
	a[3] = BPF_JMP_A(0);
	CHECK(search_cost(a, alen) < before, "one NOP more is cheaper");
	ASSERT_EQ(search_cost(a, alen), before - removed, "the NOP adds nothing to the sum");
out:
	free(a);
	free(b);
}

/* Equal-length windows rank by latency, as bench_latency measured. */
static void test_latency_order(void)
{
	struct bpf_insn *p = NULL;
	size_t len = 0;

	ASSERT_EQ(cost_of(BPF_MOV64_REG(0, 1)), cost_of(BPF_MOV64_IMM(0, 1)), "mov reg = mov imm");
	CHECK(cost_of(BPF_MOV64_REG(0, 1)) < cost_of(BPF_ALU64_REG(BPF_ADD, 0, 1)),
	      "mov < add reg");
	CHECK(cost_of(BPF_ALU64_REG(BPF_ADD, 0, 1)) < cost_of(BPF_ALU64_REG(BPF_MUL, 0, 1)),
	      "add < mul");
	CHECK(cost_of(BPF_ALU64_REG(BPF_MUL, 0, 1)) < cost_of(BPF_ALU64_REG(BPF_DIV, 0, 1)),
	      "mul < div");
	CHECK(cost_of(BPF_ALU64_REG(BPF_DIV, 0, 1)) < cost_of(BPF_ALU64_REG(BPF_MOD, 0, 1)),
	      "div < mod");
	CHECK(cost_of(BPF_ALU32_REG(BPF_DIV, 0, 1)) < cost_of(BPF_ALU64_REG(BPF_DIV, 0, 1)),
	      "div32 < div64");
	CHECK(cost_of(BPF_ALU64_IMM(BPF_LSH, 0, 1)) <= cost_of(BPF_ALU64_REG(BPF_MUL, 0, 1)),
	      "shift <= mul (strength reduction pays)");
	CHECK(cost_of(BPF_ENDIAN(BPF_TO_LE, 0, 64)) < cost_of(BPF_ENDIAN(BPF_TO_BE, 0, 64)),
	      "le64 (no code) < be64");
	CHECK(cost_of(BPF_LDX_MEM(BPF_W, 0, 10, -8)) < cost_of(BPF_ALU64_REG(BPF_ADD, 0, 1)),
	      "a stream of loads is cheaper than a chain of adds");
	CHECK(cost_of(BPF_ALU64_REG(BPF_MUL, 0, 1)) <
		      cost_of(BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 10, 1, -8)),
	      "mul < locked add");
	CHECK(cost_of(BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 10, 1, -8)) <
		      cost_of(BPF_ATOMIC_OP(BPF_DW, BPF_OR | BPF_FETCH, 10, 1, -8)),
	      "locked add < fetch_or (a cmpxchg loop)");
	CHECK(cost_of(BPF_EMIT_CALL(BPF_FUNC_get_smp_processor_id)) <
		      cost_of(BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32)),
	      "inlined helper < called helper");
	CHECK(cost_of(BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32)) <
		      cost_of(BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns)),
	      "prandom < ktime_get_ns");

	/* the same in a program: r0 = r1 * 8 two ways, equal length */
	if (ASSERT_OK(assemble("\tr0 = r1\n\tr0 *= 8\n\tr0 = r1\n\tr0 <<= 3\n", &p, &len),
		      "assemble") &&
	    ASSERT_EQ(len, 4, "length"))
		CHECK(search_cost(p + 2, 2) < search_cost(p, 2), "shift version is cheaper");
	free(p);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_nop);
	RUN_TEST(test_every_valid_opcode);
	RUN_TEST(test_ldimm64_counted_once);
	RUN_TEST(test_one_fewer_is_cheaper);
	RUN_TEST(test_latency_order);
	test_assemble_cleanup();
	return test_summary("test_search_cost");
}
