// SPDX-License-Identifier: MIT
/*
 * Unit tests of core/interp: the case table of tests/unit/interp_cases.h
 * (whose expected values tests/kernel/test_interp_diff.c confirms against the
 * kernel), then what the table cannot say -- fault messages, output packets,
 * map contents and the helper trace, reuse of one machine across runs,
 * decoding errors -- and the speed of the run loop.
 */
#include <errno.h>
#include <time.h>

#include "tests/test.h"
#include "tests/unit/interp_cases.h"
#include "core/interp.h"

#define NMAPS CASE_NMAPS

static struct interp_prog *load(const struct bpf_insn *insns, size_t len, uint32_t type)
{
	char msg[256] = "";
	struct interp_prog *p = interp_prog__new(insns, len, type, msg, sizeof(msg));

	if (!p)
		fprintf(stderr, "  interp_prog__new: %s\n", msg);
	return p;
}

static void run_simple(const struct bpf_insn *insns, size_t len, uint32_t type,
		       struct interp_input *in, struct interp_result *res, struct interp_ctx **cp)
{
	struct interp_prog *p = load(insns, len, type);
	struct interp_ctx *c = interp_ctx__new(case_maps, NMAPS, NULL, 0);

	memset(res, 0, sizeof(*res));
	res->status = -1;
	if (!ASSERT_OK_PTR(p, "prog") || !ASSERT_OK_PTR(c, "ctx"))
		goto out;
	ASSERT_OK(interp_run(c, p, in, res), "interp_run");
out:
	interp_prog__free(p);
	if (cp)
		*cp = c;
	else
		interp_ctx__free(c);
}

static void test_case_table(void)
{
	struct interp_ctx *c = interp_ctx__new(case_maps, NMAPS, NULL, 0);
	size_t i;

	if (!ASSERT_OK_PTR(c, "ctx"))
		return;
	for (i = 0; i < INTERP_NCASES; i++) {
		const struct interp_case *tc = &interp_cases[i];
		struct interp_input in = { .pkt = case_pkt, .pkt_len = sizeof(case_pkt),
					   .budget = 50000000 };
		struct interp_result res;
		struct interp_prog *p = load(tc->insns, interp_case_len(tc),
					     tc->type ? tc->type : BPF_PROG_TYPE_SOCKET_FILTER);

		if (!CHECK(p != NULL, "%s: does not decode", tc->descr))
			continue;
		if (!CHECK(interp_run(c, p, &in, &res) == 0, "%s: run: %s", tc->descr, res.msg))
			goto next;
		if (!CHECK(res.status == tc->status, "%s: status %d (%s), expected %d", tc->descr,
			   res.status, res.msg, tc->status))
			goto next;
		if (tc->status != INTERP_OK) {
			CHECK(strncmp(res.msg, "insn ", 5) == 0, "%s: message \"%s\"", tc->descr,
			      res.msg);
			goto next;
		}
		CHECK(res.r0 == tc->r0, "%s: r0 0x%llx, expected 0x%llx", tc->descr,
		      (unsigned long long)res.r0, (unsigned long long)tc->r0);
		CHECK(res.retval == (uint32_t)tc->r0, "%s: retval", tc->descr);
		if (tc->pkt_len)
			CHECK(res.pkt_len == (uint32_t)tc->pkt_len,
			      "%s: data_out len %u, expected %d", tc->descr, res.pkt_len,
			      tc->pkt_len);
next:
		interp_prog__free(p);
	}
	interp_ctx__free(c);
}

static void test_fault_messages(void)
{
	const struct bpf_insn prog[] = {
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_2, 62),
		BPF_EXIT_INSN(),
	};
	const struct bpf_insn scalar[] = {
		BPF_MOV64_IMM(BPF_REG_1, 0x1c),
		BPF_STX_MEM(BPF_DW, BPF_REG_1, BPF_REG_1, 0),
		BPF_EXIT_INSN(),
	};
	const struct bpf_insn stack[] = {
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -520),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 60 };
	struct interp_result res;

	run_simple(prog, 4, BPF_PROG_TYPE_XDP, &in, &res, NULL);
	ASSERT_EQ(res.status, INTERP_FAULT, "status");
	ASSERT_EQ(res.fault_insn, 2, "fault insn");
	ASSERT_STREQ(res.msg, "insn 2: read of 4 bytes at packet+62 outside packet [0, 60)", "msg");
	ASSERT_EQ(res.insns, 3, "insns executed");

	run_simple(scalar, 3, BPF_PROG_TYPE_SOCKET_FILTER, &in, &res, NULL);
	ASSERT_STREQ(res.msg, "insn 1: write of 8 bytes at 0x1c: not a pointer", "scalar msg");

	run_simple(stack, 2, BPF_PROG_TYPE_SOCKET_FILTER, &in, &res, NULL);
	ASSERT_STREQ(res.msg, "insn 0: read of 8 bytes at fp-520 outside stack [-512, 0)",
		     "stack msg");
}

static void test_unsupported_helper(void)
{
	const struct bpf_insn prog[] = {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EMIT_CALL(BPF_FUNC_get_current_pid_tgid),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_result res;

	run_simple(prog, 3, BPF_PROG_TYPE_XDP, &in, &res, NULL);
	ASSERT_EQ(res.status, INTERP_UNSUPPORTED, "status");
	ASSERT_STREQ(res.msg, "insn 1: unsupported helper 14", "msg");
}

/*
 * Which helpers the interpreter models: each id is called (r1 the ctx, the
 * other arguments 0) from an XDP, a tc, a cgroup_skb, a flow dissector and a
 * raw tracepoint program; a helper is modelled if one of them does not stop
 * with "unsupported helper N" (faults on the zero arguments count as
 * modelled).  The list is printed, and must hold the helpers below, which
 * the corpus programs use and the kernel tests check.
 */
static void test_helper_list(void)
{
	static const int32_t must[] = {
		1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 13, 18, 19, 20, 21, 23, 25, 26, 28, 29, 30,
		32, 33, 39, 43, 44, 50, 51, 54, 65, 66, 68, 69, 79, 83, 84, 85, 87, 88, 89, 95,
		96, 98, 99, 107, 108, 113, 115, 125, 155, 160, 163, 164, 181, 189, 190, 208,
	};
	static const uint32_t types[] = {
		BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_CGROUP_SKB,
		BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_PROG_TYPE_RAW_TRACEPOINT,
	};
	char list[2048] = "", want[32];
	bool modelled[256] = { false };
	int32_t id;
	uint32_t t, i, n = 0;
	size_t len = 0;

	for (id = 1; id < 256; id++) {
		struct bpf_insn prog[] = {
			BPF_MOV64_IMM(BPF_REG_2, 0),
			BPF_MOV64_IMM(BPF_REG_3, 0),
			BPF_MOV64_IMM(BPF_REG_4, 0),
			BPF_MOV64_IMM(BPF_REG_5, 0),
			BPF_EMIT_CALL(id),
			BPF_EXIT_INSN(),
		};

		snprintf(want, sizeof(want), "insn 4: unsupported helper %d", id);
		for (t = 0; t < sizeof(types) / sizeof(types[0]) && !modelled[id]; t++) {
			struct interp_input in = { .pkt = case_pkt, .pkt_len = sizeof(case_pkt) };
			struct interp_result res;

			run_simple(prog, 6, types[t], &in, &res, NULL);
			modelled[id] = strcmp(res.msg, want) != 0;
		}
		if (modelled[id]) {
			n++;
			len += snprintf(list + len, sizeof(list) - len, " %d", id);
		}
	}
	printf("helpers modelled (%u):%s\n", n, list);
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		CHECK(modelled[must[i]], "helper %d is not modelled", must[i]);
	/* without the input's task */
	CHECK(!modelled[BPF_FUNC_get_current_pid_tgid], "helper 14 should not be modelled");
}

/*
 * Maps of maps: the outer map's values are indices into the machine's map
 * table; a lookup gives the inner map, which the helpers then take.  (The
 * kernel agrees: tests/kernel/test_interp_maps.c.)
 */
static void test_map_in_map(void)
{
	const struct interp_map_def defs[] = {
		{ .type = BPF_MAP_TYPE_HASH_OF_MAPS, .key_size = 4, .value_size = 4,
		  .max_entries = 4, .ref = 1 },
		{ .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
		  .ref = 2 },
		{ .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
		  .ref = 3 },
	};
	/* r0 = outer[key at fp-4] ? inner[3] : 99 */
	const struct bpf_insn prog[] = {
		BPF_LD_MAP_FD(BPF_REG_1, 1),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 7),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_0),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 3),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 99),
		BPF_EXIT_INSN(),
	};
	uint32_t k7 = 7, k3 = 3, inner2 = 2, inner1 = 1, bad = 3;
	uint64_t v1 = 11, v2 = 22;
	struct interp_map_elem elems[] = {
		{ .map = 0, .key = &k7, .value = &inner2 },
		{ .map = 1, .key = &k3, .value = &v1 },
		{ .map = 2, .key = &k3, .value = &v2 },
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64, .elems = elems, .nelems = 3 };
	struct interp_ctx *c = interp_ctx__new(defs, 3, NULL, 0);
	struct interp_prog *p = load(prog, sizeof(prog) / sizeof(prog[0]), BPF_PROG_TYPE_XDP);
	struct interp_result res;

	if (!ASSERT_OK_PTR(c, "ctx") || !ASSERT_OK_PTR(p, "prog"))
		goto out;
	ASSERT_OK(interp_run(c, p, &in, &res), "run");
	ASSERT_EQ(res.r0, 22, "outer[7] is map 2, whose [3] is 22");
	elems[0].value = &inner1;
	ASSERT_OK(interp_run(c, p, &in, &res), "run");
	ASSERT_EQ(res.r0, 11, "outer[7] is map 1 now");
	in.nelems = 1;
	ASSERT_OK(interp_run(c, p, &in, &res), "run");
	ASSERT_EQ(res.r0, 0, "map 1's [3] is zero without its element");
	elems[0].key = &k3;
	ASSERT_OK(interp_run(c, p, &in, &res), "run");
	ASSERT_EQ(res.r0, 99, "outer[7] empty");
	elems[0].value = &bad;
	ASSERT_EQ(interp_run(c, p, &in, &res), -EINVAL, "an index past the map table");
	ASSERT_EQ(res.status, INTERP_BAD_INPUT, "bad input");
out:
	interp_prog__free(p);
	interp_ctx__free(c);
}

static void test_budget(void)
{
	const struct bpf_insn prog[] = {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
		BPF_JMP_A(-2),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64, .budget = 1001 };
	struct interp_result res;

	run_simple(prog, 4, BPF_PROG_TYPE_XDP, &in, &res, NULL);
	ASSERT_EQ(res.status, INTERP_BUDGET, "status");
	ASSERT_EQ(res.insns, 1001, "insns");
	ASSERT_STREQ(res.msg, "insn 1: instruction budget exhausted", "msg");
}

static void test_xdp_packet_out(void)
{
	const struct bpf_insn prog[] = {
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct xdp_md, data_end)),
		BPF_MOV64_IMM(BPF_REG_0, XDP_DROP),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 14),
		BPF_JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3, 3),
		BPF_ST_MEM(BPF_W, BPF_REG_2, 0, 0x11223344),
		BPF_ST_MEM(BPF_B, BPF_REG_2, 13, 0xdd),
		BPF_MOV64_IMM(BPF_REG_0, XDP_TX),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_result res;

	run_simple(prog, 10, BPF_PROG_TYPE_XDP, &in, &res, NULL);
	ASSERT_EQ(res.status, INTERP_OK, "status");
	ASSERT_EQ(res.retval, XDP_TX, "retval");
	ASSERT_EQ(res.pkt_len, 64, "len");
	if (res.pkt_len == 64) {
		ASSERT_EQ(res.pkt[0], 0x44, "byte 0");
		ASSERT_EQ(res.pkt[3], 0x11, "byte 3");
		ASSERT_EQ(res.pkt[13], 0xdd, "byte 13");
		ASSERT_EQ(memcmp(res.pkt + 14, case_pkt + 14, 50), 0, "rest unchanged");
	}
}

static void test_adjust_head_packet(void)
{
	const struct bpf_insn prog[] = {
		BPF_MOV64_IMM(BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_head),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_result res;

	run_simple(prog, 3, BPF_PROG_TYPE_XDP, &in, &res, NULL);
	ASSERT_EQ(res.r0, 0, "adjust_head");
	ASSERT_EQ(res.pkt_len, 68, "len");
	ASSERT_EQ(res.head_delta, -4, "head delta");
	if (res.pkt_len == 68) {
		ASSERT_EQ(res.pkt[0] | res.pkt[1] | res.pkt[2] | res.pkt[3], 0, "new head zeroed");
		ASSERT_EQ(memcmp(res.pkt + 4, case_pkt, 64), 0, "packet moved");
	}
}

static void test_socket_filter_data_out(void)
{
	const struct bpf_insn prog[] = {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_result res;
	static const uint8_t zero[14];

	run_simple(prog, 2, BPF_PROG_TYPE_SOCKET_FILTER, &in, &res, NULL);
	ASSERT_EQ(res.pkt_len, 64, "len");
	if (res.pkt_len == 64) {
		ASSERT_EQ(memcmp(res.pkt, zero, 14), 0, "eth header zeroed, as the kernel does");
		ASSERT_EQ(memcmp(res.pkt + 14, case_pkt + 14, 50), 0, "rest");
	}
	ASSERT_OK_PTR(res.skb, "skb out");
	if (res.skb)
		ASSERT_EQ(res.skb->len, 50, "skb len");
}

static void test_tc_mark_out(void)
{
	const struct bpf_insn prog[] = {
		BPF_MOV64_IMM(BPF_REG_2, 0x1234),
		BPF_STX_MEM(BPF_W, BPF_REG_1, BPF_REG_2, offsetof(struct __sk_buff, mark)),
		BPF_MOV64_IMM(BPF_REG_2, 7),
		BPF_STX_MEM(BPF_W, BPF_REG_1, BPF_REG_2, offsetof(struct __sk_buff, cb[4])),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_result res;

	run_simple(prog, 6, BPF_PROG_TYPE_SCHED_CLS, &in, &res, NULL);
	ASSERT_EQ(res.status, INTERP_OK, "status");
	if (ASSERT_OK_PTR(res.skb, "skb out")) {
		ASSERT_EQ(res.skb->mark, 0x1234, "mark");
		ASSERT_EQ(res.skb->cb[4], 7, "cb[4]");
	}
}

/* Count in map values; the machine is reused and must start afresh each run. */
static void test_maps_and_reuse(void)
{
	const struct bpf_insn prog[] = {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 2),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_ARRAY),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 3),
		BPF_MOV64_IMM(BPF_REG_1, 5),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	uint32_t key = 2, k7 = 7, it = 0;
	uint64_t init = 100, v = 0, hv = 0xabc;
	struct interp_map_elem elems[] = {
		{ .map = 0, .key = &key, .value = &init },
		{ .map = 1, .key = &k7, .value = &hv },
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_ctx *c = NULL;
	struct interp_result res;
	struct interp_prog *p = load(prog, 11, BPF_PROG_TYPE_XDP);
	const void *kp, *vp;
	int n = 0;

	c = interp_ctx__new(case_maps, NMAPS, NULL, 0);
	if (!ASSERT_OK_PTR(p, "prog") || !ASSERT_OK_PTR(c, "ctx"))
		goto out;
	ASSERT_OK(interp_run(c, p, &in, &res), "run 1");
	ASSERT_EQ(res.r0, 5, "run 1 r0");
	ASSERT_OK(interp_map_lookup(c, 0, &key, &v), "lookup");
	ASSERT_EQ(v, 5, "value after run 1");
	ASSERT_OK(interp_run(c, p, &in, &res), "run 2");
	ASSERT_EQ(res.r0, 5, "run 2 starts from zero again");
	ASSERT_EQ(res.ncalls, 1, "one helper call");
	ASSERT_EQ(res.calls[0].helper, BPF_FUNC_map_lookup_elem, "traced helper");
	ASSERT_EQ(res.calls[0].insn, 5, "traced insn");

	in.elems = elems;
	in.nelems = 2;
	ASSERT_OK(interp_run(c, p, &in, &res), "run 3");
	ASSERT_EQ(res.r0, 105, "run 3 with an initial value");
	ASSERT_OK(interp_map_lookup(c, 1, &k7, &v), "hash lookup");
	ASSERT_EQ(v, 0xabc, "hash element from the input");
	while (interp_map_next(c, 1, &it, &kp, &vp) == 0)
		n++;
	ASSERT_EQ(n, 1, "hash has one element");
	in.nelems = 0;
	ASSERT_OK(interp_run(c, p, &in, &res), "run 4");
	ASSERT_EQ(interp_map_lookup(c, 1, &k7, &v), -ENOENT, "hash emptied between runs");
out:
	interp_prog__free(p);
	interp_ctx__free(c);
}

/*
 * A program the verifier would reject walks from element 0 of an array to
 * element 1 by pointer arithmetic and writes it; the next run must still
 * start from a zero element 1.
 */
static void test_array_write_by_arithmetic_is_reset(void)
{
	const struct bpf_insn prog[] = {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_ARRAY),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 3),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_0, 8),	/* element 1 */
		BPF_ST_MEM(BPF_DW, BPF_REG_0, 8, 77),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_prog *p = load(prog, 11, BPF_PROG_TYPE_XDP);
	struct interp_ctx *c = interp_ctx__new(case_maps, NMAPS, NULL, 0);
	struct interp_result res;
	uint32_t key = 1;
	uint64_t v = 0;

	if (!ASSERT_OK_PTR(p, "prog") || !ASSERT_OK_PTR(c, "ctx"))
		goto out;
	ASSERT_OK(interp_run(c, p, &in, &res), "run 1");
	ASSERT_EQ(res.r0, 0, "run 1 reads a zero element 1");
	ASSERT_OK(interp_map_lookup(c, 0, &key, &v), "lookup");
	ASSERT_EQ(v, 77, "run 1 wrote element 1");
	ASSERT_OK(interp_run(c, p, &in, &res), "run 2");
	ASSERT_EQ(res.r0, 0, "run 2 reads a zero element 1 again");
out:
	interp_prog__free(p);
	interp_ctx__free(c);
}

/* A callee's stack is gone once it returns, even to a pointer that kept it. */
static void test_callee_stack_gone(void)
{
	const struct bpf_insn prog[] = {
		BPF_CALL_REL(3),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_0, 0),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 5),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, -8),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_result res;

	run_simple(prog, 8, BPF_PROG_TYPE_XDP, &in, &res, NULL);
	ASSERT_EQ(res.status, INTERP_FAULT, "status");
	ASSERT_STREQ(res.msg, "insn 1: read of 8 bytes at the stack of call depth 1, not active",
		     "msg");
}

static void test_input_helpers(void)
{
	const struct bpf_insn prog[] = {
		BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns),
		BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_6),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_6, BPF_REG_0),
		BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_6, BPF_REG_0),
		BPF_EMIT_CALL(BPF_FUNC_get_smp_processor_id),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN(),
	};
	uint32_t rnd[] = { 1000, 20000 };
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64, .ktime_ns = 5000000,
				   .ktime_step = 7, .prandom = rnd, .nprandom = 2, .cpu = 3 };
	struct interp_result res;

	run_simple(prog, 12, BPF_PROG_TYPE_XDP, &in, &res, NULL);
	ASSERT_EQ(res.r0, 7 + 21000 + 3, "r0");
	ASSERT_EQ(res.ncalls, 5, "calls");
	ASSERT_EQ(res.calls[1].ret, 5000007, "second ktime");
}

/* Stack bytes read before this run (this call) wrote them flag the result. */
static void test_uninit_stack(void)
{
	const struct bpf_insn never[] = {
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
		BPF_EXIT_INSN(),
	};
	const struct bpf_insn partly[] = {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -8, 1),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
		BPF_EXIT_INSN(),
	};
	const struct bpf_insn whole[] = {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -8, 1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 2),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
		BPF_EXIT_INSN(),
	};
	/* a helper reading the key: 2 of its 4 bytes were written */
	const struct bpf_insn key[] = {
		BPF_ST_MEM(BPF_H, BPF_REG_10, -4, 1),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_HASH),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	/* the callee's frame is garbage again at each call, whatever the last wrote */
	const struct bpf_insn callee[] = {
		BPF_CALL_REL(2),
		BPF_CALL_REL(3),
		BPF_EXIT_INSN(),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 5),
		BPF_EXIT_INSN(),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_ctx *c = interp_ctx__new(case_maps, NMAPS, NULL, 0);
	struct interp_prog *p;
	struct interp_result res;
	const struct {
		const char *what;
		const struct bpf_insn *insns;
		size_t len;
		bool flagged;
	} t[] = {
		{ "never written", never, 2, true },
		{ "half written", partly, 3, true },
		{ "written whole", whole, 4, false },
		{ "helper reads a half-written key", key, 8, true },
		{ "written whole, after flagged runs", whole, 4, false },
		{ "a callee reads what an earlier call wrote", callee, 7, true },
	};
	size_t i;

	if (!ASSERT_OK_PTR(c, "ctx"))
		return;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = load(t[i].insns, t[i].len, BPF_PROG_TYPE_SOCKET_FILTER);
		if (!ASSERT_OK_PTR(p, t[i].what))
			continue;
		ASSERT_OK(interp_run(c, p, &in, &res), "interp_run");
		CHECK(res.status == INTERP_OK && res.uninit_stack == t[i].flagged,
		      "%s: status %d, uninit_stack %d (%s)", t[i].what, res.status,
		      res.uninit_stack, res.msg);
		interp_prog__free(p);
	}
	interp_ctx__free(c);
}

/* The trace holds the bytes a helper read: a lookup's key, an update's key and value. */
/*
 * Kernel memory the interpreter does not hold: bpf_get_current_task() gives
 * the input's address, and bpf_probe_read_kernel(_str) of it one of the
 * kernel's outcomes, picked by interp_input.kmem_seed -- 0 and some bytes
 * (_str: a NUL-terminated string, its length with the NUL), or -EFAULT or
 * -ERANGE and a zeroed buffer -- the same for the same seed.  Without the
 * inputs, neither is modelled.
 */
static void run_kmem(int32_t read_id, bool want_buf, struct interp_input *in,
		     struct interp_result *res)
{
	const struct bpf_insn prog[] = {
		BPF_EMIT_CALL(BPF_FUNC_get_current_task),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_0),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, 0x9c0),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -8),
		BPF_MOV64_IMM(BPF_REG_2, 8),
		BPF_EMIT_CALL(read_id),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_6, 0, 1),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
		BPF_EXIT_INSN(),
	};
	struct bpf_insn p2[11];

	/* r6: whether to return the buffer (r0) or the helper's result */
	p2[0] = (struct bpf_insn)BPF_MOV64_IMM(BPF_REG_6, want_buf);
	memcpy(p2 + 1, prog, sizeof(prog));
	run_simple(p2, 11, BPF_PROG_TYPE_SCHED_CLS, in, res, NULL);
}

static void test_unknown_kernel_memory(void)
{
	const uint64_t task = 0xffff888012345600ULL;
	struct interp_input in = { .pkt = case_pkt, .pkt_len = sizeof(case_pkt) };
	struct interp_result res, res2;
	uint32_t seed, ok = 0, fault = 0, range = 0, str_ok = 0;

	run_kmem(BPF_FUNC_probe_read_kernel, false, &in, &res);
	ASSERT_STREQ(res.msg, "insn 1: unsupported helper 35", "no task: not modelled");
	in.current_task = task;
	run_kmem(BPF_FUNC_probe_read_kernel, false, &in, &res);
	ASSERT_EQ(res.status, INTERP_UNSUPPORTED, "no kmem_seed: the read is not modelled");
	ASSERT_EQ(res.calls[0].ret, task, "bpf_get_current_task() is the input's");
	for (seed = 1; seed <= 64; seed++) {
		uint64_t buf;

		in.kmem_seed = seed;
		run_kmem(BPF_FUNC_probe_read_kernel, false, &in, &res);
		if (!ASSERT_EQ(res.status, INTERP_OK, "read modelled"))
			return;
		CHECK(res.kmem_read, "seed %u: kmem_read says so", seed);
		run_kmem(BPF_FUNC_probe_read_kernel, true, &in, &res2);
		buf = res2.r0;
		if (res.r0 == 0) {
			ok++;
		} else {
			CHECK(res.r0 == (uint64_t)-EFAULT || res.r0 == (uint64_t)-ERANGE,
			      "seed %u: ret %lld", seed, (long long)res.r0);
			CHECK(buf == 0, "seed %u: a failed read zeroes the buffer", seed);
			fault += res.r0 == (uint64_t)-EFAULT;
			range += res.r0 == (uint64_t)-ERANGE;
		}
		run_kmem(BPF_FUNC_probe_read_kernel, false, &in, &res2);
		CHECK(res2.r0 == res.r0, "seed %u: the same outcome again", seed);

		run_kmem(BPF_FUNC_probe_read_kernel_str, false, &in, &res);
		run_kmem(BPF_FUNC_probe_read_kernel_str, true, &in, &res2);
		buf = res2.r0;
		if ((int64_t)res.r0 > 0) {
			uint8_t b[8];
			uint32_t i;

			memcpy(b, &buf, 8);
			str_ok++;
			CHECK(res.r0 <= 8 && b[res.r0 - 1] == 0, "seed %u: %lld bytes with the NUL",
			      seed, (long long)res.r0);
			for (i = 0; i + 1 < res.r0 && i < 8; i++)
				CHECK(b[i] != 0, "seed %u: NUL at %u before the end", seed, i);
		} else {
			CHECK(buf == 0, "seed %u: str: a failed read zeroes the buffer", seed);
		}
	}
	CHECK(ok && fault && range && str_ok, "64 seeds: %u copied, %u -EFAULT, %u -ERANGE, "
	      "%u strings", ok, fault, range, str_ok);
}

/*
 * xdp_md.egress_ifindex: a devmap entry program's run names the device
 * (interp_input.xdp->egress_ifindex non-zero) and the field reads it; in
 * any other XDP run the access faults, as the verifier rejects it there.
 */
static void test_xdp_egress_ifindex(void)
{
	const struct bpf_insn prog[] = {
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, offsetof(struct xdp_md, egress_ifindex)),
		BPF_EXIT_INSN(),
	};
	struct xdp_md xmd = { .ingress_ifindex = 1 };
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64, .xdp = &xmd };
	struct interp_result res;

	run_simple(prog, 2, BPF_PROG_TYPE_XDP, &in, &res, NULL);
	ASSERT_EQ(res.status, INTERP_FAULT, "plain XDP: egress_ifindex faults");
	ASSERT_STREQ(res.msg, "insn 0: read of 4 bytes at xdp_md+20: invalid ctx access", "msg");
	xmd.egress_ifindex = 7;
	run_simple(prog, 2, BPF_PROG_TYPE_XDP, &in, &res, NULL);
	ASSERT_EQ(res.status, INTERP_OK, "devmap entry run");
	ASSERT_EQ(res.r0, 7, "egress_ifindex is the input's");
}

static void test_trace_memory(void)
{
	const struct bpf_insn prog[] = {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0x11223344),
		BPF_LD_IMM64(BPF_REG_1, 0x0102030405060708ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_HASH),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
		BPF_MOV64_IMM(BPF_REG_4, BPF_ANY),
		BPF_EMIT_CALL(BPF_FUNC_map_update_elem),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 7), /* the trace keeps the bytes at the call */
		BPF_LD_MAP_FD(BPF_REG_1, CASE_HASH),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	const uint8_t upd[] = { 0x44, 0x33, 0x22, 0x11, 8, 7, 6, 5, 4, 3, 2, 1 };
	const uint8_t look[] = { 7, 0, 0, 0 };
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_result res;

	run_simple(prog, sizeof(prog) / sizeof(prog[0]), BPF_PROG_TYPE_SOCKET_FILTER, &in, &res,
		   NULL);
	if (!ASSERT_EQ(res.ncalls, 2, "calls"))
		return;
	CHECK(res.calls[0].mem_len == sizeof(upd) && !memcmp(res.calls[0].mem, upd, sizeof(upd)),
	      "update: %u bytes of key and value", res.calls[0].mem_len);
	CHECK(res.calls[1].mem_len == 4 && !memcmp(res.calls[1].mem, look, 4),
	      "lookup: %u bytes of key", res.calls[1].mem_len);
}

static void test_decode_errors(void)
{
	const struct bpf_insn out_of_range[] = { BPF_JMP_A(5), BPF_EXIT_INSN() };
	const struct bpf_insn truncated[] = { BPF_EXIT_INSN(), BPF_LD_IMM64(BPF_REG_0, 1) };
	const struct bpf_insn into_ldimm[] = {
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 1), BPF_LD_IMM64(BPF_REG_0, 1), BPF_EXIT_INSN()
	};
	const struct bpf_insn bad_op[] = { BPF_RAW_INSN(0xff, 0, 0, 0, 0), BPF_EXIT_INSN() };
	char msg[128];

	ASSERT_TRUE(!interp_prog__new(out_of_range, 2, BPF_PROG_TYPE_XDP, msg, sizeof(msg)),
		    "jump out of range");
	ASSERT_STREQ(msg, "insn 0: jump out of range", "msg");
	ASSERT_TRUE(!interp_prog__new(truncated, 2, BPF_PROG_TYPE_XDP, msg, sizeof(msg)),
		    "truncated ld_imm64");
	ASSERT_STREQ(msg, "insn 1: truncated LD_IMM64", "msg");
	ASSERT_TRUE(!interp_prog__new(into_ldimm, 4, BPF_PROG_TYPE_XDP, msg, sizeof(msg)),
		    "jump into ld_imm64");
	ASSERT_STREQ(msg, "insn 0: jump into the middle of LD_IMM64", "msg");
	ASSERT_TRUE(!interp_prog__new(bad_op, 2, BPF_PROG_TYPE_XDP, msg, sizeof(msg)), "bad op");
	ASSERT_TRUE(!interp_prog__new(into_ldimm + 1, 3, BPF_PROG_TYPE_LSM, msg, sizeof(msg)),
		    "type not supported");
	ASSERT_STREQ(msg, "program type 29 not supported", "msg");
}

/*
 * Speed of the run loop: a packet parser-like mix (ctx loads, bounds check,
 * packet loads, ALU, branches, stack) in a loop.  The search needs >= 20M/s.
 */
static void test_speed(void)
{
	const struct bpf_insn prog[] = {
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct xdp_md, data_end)),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 34),
		BPF_JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3, 14),
		BPF_MOV64_IMM(BPF_REG_5, 100),
		BPF_LDX_MEM(BPF_H, BPF_REG_6, BPF_REG_2, 12),
		BPF_ENDIAN(BPF_TO_BE, BPF_REG_6, 16),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_2, 26),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		BPF_ALU32_REG(BPF_XOR, BPF_REG_0, BPF_REG_7),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, -8),
		BPF_LDX_MEM(BPF_DW, BPF_REG_8, BPF_REG_10, -8),
		BPF_ALU64_IMM(BPF_RSH, BPF_REG_8, 3),
		BPF_JMP_IMM(BPF_JSET, BPF_REG_8, 1, 1),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
		BPF_ALU64_IMM(BPF_SUB, BPF_REG_5, 1),
		BPF_JMP_IMM(BPF_JNE, BPF_REG_5, 0, -11),
		BPF_ALU32_IMM(BPF_AND, BPF_REG_0, 3),
		BPF_EXIT_INSN(),
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = 64 };
	struct interp_prog *p = load(prog, sizeof(prog) / sizeof(prog[0]), BPF_PROG_TYPE_XDP);
	struct interp_ctx *c = interp_ctx__new(NULL, 0, NULL, 0);
	struct interp_result res;
	struct timespec t0, t1;
	uint64_t total = 0;
	double secs, rate;
	int i;

	if (!ASSERT_OK_PTR(p, "prog") || !ASSERT_OK_PTR(c, "ctx"))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 20000; i++) {
		interp_run(c, p, &in, &res);
		total += res.insns;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_EQ(res.status, INTERP_OK, "status");
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	rate = total / secs;
	printf("interp speed: %.1f M insns/s (%llu insns, %d runs of %llu, %.3f s)\n", rate / 1e6,
	       (unsigned long long)total, i, (unsigned long long)res.insns, secs);
	ASSERT_GE((int64_t)rate, 20000000, "instructions per second");
out:
	interp_prog__free(p);
	interp_ctx__free(c);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_case_table);
	RUN_TEST(test_fault_messages);
	RUN_TEST(test_unsupported_helper);
	RUN_TEST(test_helper_list);
	RUN_TEST(test_map_in_map);
	RUN_TEST(test_budget);
	RUN_TEST(test_xdp_packet_out);
	RUN_TEST(test_adjust_head_packet);
	RUN_TEST(test_socket_filter_data_out);
	RUN_TEST(test_tc_mark_out);
	RUN_TEST(test_maps_and_reuse);
	RUN_TEST(test_array_write_by_arithmetic_is_reset);
	RUN_TEST(test_callee_stack_gone);
	RUN_TEST(test_input_helpers);
	RUN_TEST(test_uninit_stack);
	RUN_TEST(test_trace_memory);
	RUN_TEST(test_unknown_kernel_memory);
	RUN_TEST(test_xdp_egress_ifindex);
	RUN_TEST(test_decode_errors);
	RUN_TEST(test_speed);
	return test_summary("test_interp");
}
