// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/optimize: a table of programs in assembly, each with
 * what the driver must achieve (at most so many real instructions after, or
 * no change at all), and for every result the invariants the driver
 * promises: the input's length, no higher cost, every removed instruction a
 * `ja +0`, and -- checked here again, independently of the driver -- proven
 * equivalent to the input by core/smt where the program is loop-free.  Then
 * the judge, the progress callback and bad input.
 *
 * Maps are referred to by fd 7 (LD_MAP7), an 8-byte-key hash map, and fd 8,
 * a 4-byte-key array.
 */
#include <errno.h>
#include <string.h>

#include "core/optimize.h"
#include "core/prog.h"
#include "core/smt.h"
#include "tests/test.h"
#include "tests/unit/elf_text.h"

#define ASM_PRELUDE                                \
	"\t.macro insn code, dst, src, off, imm\n" \
	"\t.byte \\code, (\\src << 4) | \\dst\n"   \
	"\t.short \\off\n"                         \
	"\t.long \\imm\n"                          \
	"\t.endm\n"                                \
	"\t.text\n"

/* rN = map with fd 7 / 8 (LD_IMM64, src BPF_PSEUDO_MAP_FD): two slots */
#define LD_MAP7(reg) "insn 0x18, " #reg ", 1, 0, 7\ninsn 0, 0, 0, 0, 0\n"
#define LD_MAP8(reg) "insn 0x18, " #reg ", 1, 0, 8\ninsn 0, 0, 0, 0, 0\n"

static const struct interp_map_def maps[] = {
	{.type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 8, .max_entries = 16, .ref = 7},
	{.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4, .ref = 8},
};

#define XDP BPF_PROG_TYPE_XDP
#define SOCK BPF_PROG_TYPE_SOCKET_FILTER
#define SAME (-1) /* the result must be the input */

struct ocase {
	const char *descr;
	uint32_t type;
	const char *text;
	int max_after; /* real instructions after, at most; SAME: unchanged */
	bool loops;    /* no whole-program check possible */
};

static const struct ocase cases[] = {
	{"dead stack store", XDP,
	 "r0 = 2\n"
	 "*(u64 *)(r10 - 8) = r0\n"
	 "exit\n",
	 2, false},
	{"dead register moves", XDP,
	 "r2 = 7\n"
	 "r3 = r2\n"
	 "r0 = 1\n"
	 "exit\n",
	 2, false},
	{"zeroed 8-byte key built from two 4-byte stores", XDP,
	 "r1 = 0\n"
	 "*(u32 *)(r10 - 4) = r1\n"
	 "*(u32 *)(r10 - 8) = r1\n"
	 "r2 = r10\n"
	 "r2 += -8\n" LD_MAP7(1) "call 1\n"
	 "r0 = 2\n"
	 "exit\n",
	 8, false},
	/*
	 * The key bytes are read by the helper: they stay written (as an
	 * immediate store; the whole-program check compares the bytes the
	 * helper reads), and the pointer setup stays.
	 */
	{"map key read by the helper", XDP,
	 "r1 = 5\n"
	 "*(u64 *)(r10 - 8) = r1\n"
	 "r2 = r10\n"
	 "r2 += -8\n" LD_MAP7(1) "call 1\n"
	 "r0 = 2\n"
	 "exit\n",
	 8, false},
	{"map key read by the helper, nothing to gain", XDP,
	 "insn 0x7a, 10, 0, -8, 5\n" /* *(u64 *)(r10 - 8) = 5 */
	 "r2 = r10\n"
	 "r2 += -8\n" LD_MAP7(1) "call 1\n"
	 "r0 = 2\n"
	 "exit\n",
	 SAME, false},
	{"nothing to gain", XDP,
	 "r0 = 2\n"
	 "exit\n",
	 SAME, false},
	{"array value update through the pointer", XDP,
	 "r1 = 0\n"
	 "*(u32 *)(r10 - 4) = r1\n"
	 "r2 = r10\n"
	 "r2 += -4\n" LD_MAP8(1) "call 1\n"
	 "if r0 == 0 goto +3\n"
	 "r1 = *(u64 *)(r0 + 0)\n"
	 "r1 += 1\n"
	 "*(u64 *)(r0 + 0) = r1\n"
	 "r0 = 2\n"
	 "exit\n",
	 12, false},
	/*
	 * xdp_load_bytes never reads its buffer and fills all of it when it
	 * returns 0: zeroing it first is dead unless the failure way reads it.
	 */
	{"zeroed buffer xdp_load_bytes fills, not read on failure", XDP,
	 "insn 0x7a, 10, 0, -8, 0\n" /* *(u64 *)(r10 - 8) = 0 */
	 "insn 0x7a, 10, 0, -16, 0\n"
	 "r3 = r10\n"
	 "r3 += -16\n"
	 "r2 = 0\n"
	 "r4 = 16\n"
	 "call 189\n"
	 "if r0 != 0 goto +2\n"
	 "r0 = *(u32 *)(r10 - 12)\n"
	 "exit\n"
	 "r0 = 2\n"
	 "exit\n",
	 10, false},
	{"zeroed buffer xdp_load_bytes fills, read on failure", XDP,
	 "insn 0x7a, 10, 0, -8, 0\n"
	 "insn 0x7a, 10, 0, -16, 0\n"
	 "r3 = r10\n"
	 "r3 += -16\n"
	 "r2 = 0\n"
	 "r4 = 16\n"
	 "call 189\n"
	 "if r0 != 0 goto +2\n"
	 "r0 = *(u32 *)(r10 - 12)\n"
	 "exit\n"
	 "r0 = *(u64 *)(r10 - 8)\n"
	 "r1 = *(u64 *)(r10 - 16)\n"
	 "r0 += r1\n"
	 "exit\n",
	 SAME, false},
	/* core/safety rejects loops; the rewrite must stay out of the loop's way */
	{"dead store before a bounded loop", SOCK,
	 "r0 = 0\n"
	 "*(u64 *)(r10 - 8) = r0\n"
	 "r1 = 10\n"
	 "r0 += 1\n"
	 "r1 += -1\n"
	 "if r1 != 0 goto -3\n"
	 "exit\n",
	 6, true},
};

static bool same(const struct bpf_insn *a, const struct bpf_insn *b, size_t n)
{
	return !memcmp(a, b, n * sizeof(*a));
}

/* The promises of opt_optimize(), whatever it found. */
static void check_invariants(const char *descr, const struct bpf_insn *in, size_t len,
			     const struct opt_env *env, const struct opt_result *res, bool loops)
{
	struct smt_result *r;
	struct smt_ctx *s;

	ASSERT_EQ(res->len, len, descr);
	CHECK(res->insns_after <= res->insns_before, "%s: %u -> %u insns", descr,
	      res->insns_before, res->insns_after);
	CHECK(res->cost_after <= res->cost_before, "%s: cost %u -> %u", descr, res->cost_before,
	      res->cost_after);
	ASSERT_EQ(res->insns_after, opt_count_insns(res->insns, len), descr);
	if (same(res->insns, in, len)) {
		ASSERT_EQ(res->nwindows, 0, descr);
		return;
	}
	CHECK(res->nwindows > 0, "%s: changed without a window in the proof record", descr);
	if (loops)
		return;
	/* independently of the driver: the output is proven equivalent to the input */
	s = smt_ctx__new(30000);
	r = calloc(1, sizeof(*r));
	if (!s || !r) {
		CHECK(false, "%s: out of memory", descr);
		goto out;
	}
	struct smt_env senv = {.prog_type = env->prog_type, .maps = env->maps, .nmaps = env->nmaps};

	ASSERT_OK(smt_check_prog(s, in, len, res->insns, len, &senv, r), descr);
	CHECK(r->verdict == SMT_EQUIVALENT, "%s: output not proven equivalent: %s %s", descr,
	      smt_verdict_str(r->verdict), r->msg);
	ASSERT_EQ(res->whole, SMT_EQUIVALENT, descr);
out:
	free(r);
	smt_ctx__free(s);
}

static void test_table(void)
{
	size_t k;

	if (!test_need_clang())
		return;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct ocase *c = &cases[k];
		struct opt_env env = {.prog_type = c->type, .maps = maps, .nmaps = 2};
		struct opt_params pp = {.budget = 4, .jobs = 2, .seed = 1};
		struct opt_result res;
		struct bpf_insn *in;
		size_t len;

		if (test_assemble(ASM_PRELUDE, c->text, &in, &len)) {
			CHECK(false, "%s: does not assemble", c->descr);
			continue;
		}
		if (opt_optimize(in, len, &env, &pp, &res)) {
			CHECK(false, "%s: opt_optimize failed: %s", c->descr, res.msg);
			opt_result__free(&res);
			free(in);
			continue;
		}
		if (c->max_after == SAME)
			CHECK(same(res.insns, in, len), "%s: changed (%u -> %u insns)", c->descr,
			      res.insns_before, res.insns_after);
		else
			CHECK(res.insns_after <= (uint32_t)c->max_after,
			      "%s: %u -> %u insns, want at most %d (%s)", c->descr, res.insns_before,
			      res.insns_after, c->max_after, res.msg);
		CHECK(!strstr(res.msg, "input kept"), "%s: %s", c->descr, res.msg);
		check_invariants(c->descr, in, len, &env, &res, c->loops);
		opt_result__free(&res);
		free(in);
	}
}

/* A judge that counts real instructions, or refuses anything but @arg. */
struct judge {
	const struct bpf_insn *input;
	size_t len;
	bool only_input;
	bool reject_input;
	unsigned int calls;
};

static int judge(void *arg, const struct bpf_insn *insns, size_t len, uint64_t *cost)
{
	struct judge *j = arg;

	j->calls++;
	if (len != j->len)
		return -EINVAL;
	if (same(insns, j->input, len))
		return j->reject_input ? -EACCES : (*cost = opt_count_insns(insns, len), 0);
	if (j->only_input)
		return -EACCES;
	*cost = opt_count_insns(insns, len);
	return 0;
}

static void run_judged(struct judge *j, struct opt_result *res)
{
	struct opt_env env = {.prog_type = XDP, .maps = maps, .nmaps = 2};
	struct opt_params pp = {.budget = 3, .seed = 1, .judge = judge, .judge_arg = j};

	ASSERT_OK(opt_optimize(j->input, j->len, &env, &pp, res), "opt_optimize");
}

static void test_judge(void)
{
	struct bpf_insn *in;
	struct opt_result res;
	struct judge j = {0};
	size_t len;

	if (!test_need_clang())
		return;
	if (test_assemble(ASM_PRELUDE, cases[0].text, &in, &len)) {
		CHECK(false, "does not assemble");
		return;
	}
	j.input = in;
	j.len = len;

	/* a judge that accepts and measures: commits, and it says by how much */
	run_judged(&j, &res);
	ASSERT_TRUE(res.judged, "judged");
	CHECK(res.judge_after < res.judge_before, "judge %llu -> %llu",
	      (unsigned long long)res.judge_before, (unsigned long long)res.judge_after);
	ASSERT_GE(j.calls, 2, "judge calls (input and a candidate)");
	opt_result__free(&res);

	/* a judge that refuses every candidate: the input comes back */
	j.only_input = true;
	j.calls = 0;
	run_judged(&j, &res);
	CHECK(same(res.insns, in, len), "changed against the judge");
	ASSERT_GE(res.rejected_judge, 1, "rejections by the judge");
	ASSERT_EQ(res.judge_after, res.judge_before, "judged size");
	opt_result__free(&res);

	/* a judge that refuses the input: nothing is tried */
	j.only_input = false;
	j.reject_input = true;
	j.calls = 0;
	run_judged(&j, &res);
	CHECK(same(res.insns, in, len), "changed though the judge rejects the input");
	ASSERT_EQ(j.calls, 1, "judge calls");
	CHECK(strstr(res.msg, "judge") != NULL, "message: %s", res.msg);
	opt_result__free(&res);
	free(in);
}

/*
 * A judge like the kernel on syscall_tp: a 64-bit store of an immediate
 * (two 32-bit key stores merged) costs it more than it saves.
 */
static int judge_no_dw_store(void *arg, const struct bpf_insn *insns, size_t len, uint64_t *cost)
{
	size_t i;

	(void)arg;
	*cost = opt_count_insns(insns, len);
	for (i = 0; i < len; i++)
		if (insns[i].code == (BPF_ST | BPF_MEM | BPF_DW))
			*cost += 100;
	return 0;
}

/* When the judge refuses a window's best rewrite, a dearer proven one is used. */
static void test_judge_alternatives(void)
{
	static const char text[] = "r1 = 0\n"
				   "*(u32 *)(r10 - 4) = r1\n"
				   "r1 = 1\n"
				   "*(u32 *)(r10 - 8) = r1\n"
				   "r2 = r10\n"
				   "r2 += -8\n" LD_MAP7(1) "call 1\n"
				   "r0 = 2\n"
				   "exit\n";
	struct opt_env env = {.prog_type = XDP, .maps = maps, .nmaps = 2};
	struct opt_params pp = {.budget = 5, .seed = 1};
	struct opt_result res;
	struct bpf_insn *in;
	size_t len, i;
	bool dw = false;

	if (!test_need_clang())
		return;
	if (test_assemble(ASM_PRELUDE, text, &in, &len)) {
		CHECK(false, "does not assemble");
		return;
	}
	/* without a judge: the two key stores become one 64-bit store */
	ASSERT_OK(opt_optimize(in, len, &env, &pp, &res), "opt_optimize");
	for (i = 0; i < len; i++)
		dw |= res.insns[i].code == (BPF_ST | BPF_MEM | BPF_DW);
	CHECK(dw && res.insns_after == 8, "unjudged: %u insns, 64-bit store %d", res.insns_after, dw);
	opt_result__free(&res);

	pp.judge = judge_no_dw_store;
	ASSERT_OK(opt_optimize(in, len, &env, &pp, &res), "opt_optimize judged");
	dw = false;
	for (i = 0; i < len; i++)
		dw |= res.insns[i].code == (BPF_ST | BPF_MEM | BPF_DW);
	CHECK(!dw, "the judge's refusal ignored");
	CHECK(res.insns_after < res.insns_before, "no alternative used: %u -> %u (%s)",
	      res.insns_before, res.insns_after, res.msg);
	ASSERT_GE(res.rejected_judge, 1, "refusals by the judge");
	check_invariants("judged alternatives", in, len, &env, &res, false);
	opt_result__free(&res);
	free(in);
}

static void progress(void *arg, const struct opt_progress *p)
{
	struct opt_progress *last = arg;

	*last = *p;
	last->round++; /* mark: called (round may be 1) */
}

static void test_progress_and_bad_input(void)
{
	/* jump out of range */
	const struct bpf_insn bad[] = {
		{.code = BPF_JMP | BPF_JA, .off = 5},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct opt_env env = {.prog_type = XDP, .maps = maps, .nmaps = 2};
	struct opt_progress last = {0};
	struct opt_params pp = {.budget = 2, .seed = 1, .progress = progress, .progress_arg = &last};
	struct opt_result res;
	struct bpf_insn *in;
	size_t len;

	ASSERT_EQ(opt_optimize(bad, 2, &env, &pp, &res), -EINVAL, "invalid program");
	CHECK(strstr(res.msg, "insn 0") != NULL, "message names the insn: %s", res.msg);
	opt_result__free(&res);

	if (!test_need_clang())
		return;
	if (test_assemble(ASM_PRELUDE, cases[2].text, &in, &len)) {
		CHECK(false, "does not assemble");
		return;
	}
	ASSERT_OK(opt_optimize(in, len, &env, &pp, &res), "opt_optimize");
	CHECK(last.round > 0, "progress never called");
	ASSERT_EQ(last.insns_before, opt_count_insns(in, len), "progress: insns before");
	CHECK(last.elapsed <= pp.budget + 1, "progress: elapsed %.1f", last.elapsed);
	CHECK(res.seconds <= pp.budget + 1, "took %.1f s for a budget of %.0f", res.seconds,
	      pp.budget);
	opt_result__free(&res);
	free(in);
}

/*
 * Frozen instructions (what a loader patches: a CO-RE offset, say) stay as
 * they are, even when dead, and the code on both sides of one is still
 * searched: windows are cut around them, not dropped.
 */
static void test_frozen(void)
{
	struct opt_env env = {.prog_type = XDP, .maps = maps, .nmaps = 2};
	uint8_t frozen[8] = {0};
	struct opt_params pp = {.budget = 4, .jobs = 2, .seed = 1, .frozen = frozen};
	struct opt_result res;
	struct bpf_insn *in;
	size_t len;
	uint32_t i;

	if (!test_need_clang())
		return;
	if (test_assemble(ASM_PRELUDE,
			  "r2 = 7\n"
			  "r3 = r2\n" /* dead, like r2 */
			  "r4 = 12\n" /* frozen, and dead after the next two */
			  "r5 = r4\n"
			  "r0 = r5\n" /* r0 = 12 */
			  "exit\n",
			  &in, &len)) {
		CHECK(false, "does not assemble");
		return;
	}
	ASSERT_EQ(len, 6, "length");
	frozen[2] = 1;
	ASSERT_OK(opt_optimize(in, len, &env, &pp, &res), "opt_optimize");
	CHECK(same(&res.insns[2], &in[2], 1), "the frozen instruction changed");
	CHECK(res.insns_after <= 3, "6 -> %u insns, want at most 3 (r4 = 12; r0 = 12; exit)",
	      res.insns_after);
	for (i = 0; i < res.nwindows; i++)
		CHECK(res.windows[i].start > 2 || res.windows[i].start + res.windows[i].len <= 2,
		      "window [%u, +%u) covers the frozen instruction", res.windows[i].start,
		      res.windows[i].len);
	check_invariants("frozen", in, len, &env, &res, false);
	opt_result__free(&res);
	free(in);
}

/*
 * Same seed, same result: searches end by their proposal limits here, far
 * from the budget (two effort levels).
 */
static void test_deterministic(void)
{
	struct opt_env env = {.prog_type = XDP, .maps = maps, .nmaps = 2};
	struct opt_params pp = {.budget = 120, .jobs = 2, .seed = 42, .efforts = 2};
	struct opt_result r1, r2;
	struct bpf_insn *in;
	size_t len;

	if (!test_need_clang())
		return;
	if (test_assemble(ASM_PRELUDE, cases[6].text, &in, &len)) {
		CHECK(false, "does not assemble");
		return;
	}
	ASSERT_OK(opt_optimize(in, len, &env, &pp, &r1), "first");
	ASSERT_OK(opt_optimize(in, len, &env, &pp, &r2), "second");
	CHECK(r1.len == r2.len && same(r1.insns, r2.insns, r1.len), "two runs differ");
	opt_result__free(&r1);
	opt_result__free(&r2);
	free(in);
}

/*
 * An object's map its loader sizes (max_entries 0): windows through its
 * values are proven as for a map of one element (never vacuously: a u64
 * counter stays 64 bits wide).  The whole-program check is made for every
 * size of an array (its size a free term), and for a device map with more
 * elements than the check asks about; a hash map's size decides whether an
 * insert fits, so there it is not made.
 */
static void test_unsized_map(void)
{
	static const struct {
		enum bpf_map_type type;
		uint32_t value_size;
		const char *body; /* after the lookup of key 0 */
		enum smt_verdict whole;
	} cases[] = {
		{BPF_MAP_TYPE_ARRAY, 8,
		 "if r0 == 0 goto +5\nr1 = *(u64 *)(r0 + 0)\nr1 += 1\n*(u64 *)(r0 + 0) = r1\n",
		 SMT_EQUIVALENT},
		{BPF_MAP_TYPE_HASH, 8,
		 "if r0 == 0 goto +5\nr1 = *(u64 *)(r0 + 0)\nr1 += 1\n*(u64 *)(r0 + 0) = r1\n",
		 SMT_UNKNOWN},
		/* a device map's value (the ifindex) is read-only: read it into r0 */
		{BPF_MAP_TYPE_DEVMAP, 4,
		 "if r0 == 0 goto +5\nr1 = *(u32 *)(r0 + 0)\nr1 += 1\n*(u32 *)(r10 - 8) = r1\n",
		 SMT_EQUIVALENT},
	};
	struct opt_params pp = {.budget = 4, .jobs = 2, .seed = 1};
	struct opt_result res;
	struct bpf_insn *in;
	size_t len, k;
	char src[512];

	if (!test_need_clang())
		return;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct interp_map_def m0 = {.type = cases[k].type, .key_size = 4,
					    .value_size = cases[k].value_size, .ref = 8};
		struct opt_env env = {.prog_type = XDP, .maps = &m0, .nmaps = 1};
		uint32_t i, wide = 0;

		snprintf(src, sizeof(src),
			 "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\n" LD_MAP8(1)
			 "call 1\n%s"
			 "r2 = 7\n"
			 "r3 = r2\n" /* dead */
			 "r0 = 2\n"
			 "exit\n",
			 cases[k].body);
		if (test_assemble(ASM_PRELUDE, src, &in, &len)) {
			CHECK(false, "does not assemble");
			return;
		}
		ASSERT_OK(opt_optimize(in, len, &env, &pp, &res), "opt_optimize");
		CHECK(res.insns_after < res.insns_before, "map type %d: %u -> %u insns: the dead "
		      "moves stay", cases[k].type, res.insns_before, res.insns_after);
		if (cases[k].value_size == 8) {
			for (i = 0; i < len; i++)
				wide += (res.insns[i].code == (BPF_LDX | BPF_MEM | BPF_DW) ||
					 res.insns[i].code == (BPF_STX | BPF_MEM | BPF_DW)) &&
					(res.insns[i].src_reg == 0 || res.insns[i].dst_reg == 0);
			ASSERT_EQ(wide, 2, "the counter's 64-bit load and store through r0");
		}
		CHECK(res.whole == cases[k].whole, "map type %d: whole-program check %s (%s)",
		      cases[k].type, smt_verdict_str(res.whole), res.whole_msg);
		if (cases[k].whole == SMT_UNKNOWN)
			CHECK(strstr(res.whole_msg, "max_entries 0") != NULL, "whole_msg: %s",
			      res.whole_msg);
		opt_result__free(&res);
		free(in);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_table);
	RUN_TEST(test_judge);
	RUN_TEST(test_judge_alternatives);
	RUN_TEST(test_progress_and_bad_input);
	RUN_TEST(test_deterministic);
	RUN_TEST(test_frozen);
	RUN_TEST(test_unsized_map);
	test_assemble_cleanup();
	return test_summary("test_optimize");
}
