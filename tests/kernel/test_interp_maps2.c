// SPDX-License-Identifier: MIT
/*
 * core/interp's maps of maps and socket storage against the kernel (the
 * other map types: test_interp_maps.c).  A map of maps holds an inner array
 * in the kernel and, in the interpreter, the inner map's index in the map
 * table; a socket storage map holds the value of the test run's socket, which
 * the run may create and which goes with the socket.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tests/test.h"
#include "tests/unit/interp_cases.h"
#include "core/interp.h"
#include "tests/kernel/harness.h"

#define MAP 77 /* the LD_IMM64 placeholder for the case's map */

/* *(u32 *)(fp - 4) = K; r2 = fp - 4 */
#define KEY_ON_STACK(K)                                                                            \
	BPF_ST_MEM(BPF_W, BPF_REG_10, -4, K), BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),                \
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
/*
 * Maps of maps: an ARRAY_OF_MAPS / HASH_OF_MAPS whose slot 1 holds an inner
 * array (4 u64 values, [2] = 55); the program looks up the outer map at
 * @outer_key and, if that gives a map, the inner map at 2.  The interpreter's
 * outer value is the inner map's index in its table (1).
 */
static void run_map_in_map(uint32_t outer_type, uint32_t outer_key)
{
	struct bpf_insn insns[] = {
		BPF_LD_MAP_FD(BPF_REG_1, MAP), KEY_ON_STACK(outer_key),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 10),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_0), KEY_ON_STACK(2),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 98),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 99),
		BPF_EXIT_INSN(),
	};
	const struct interp_map_def defs[2] = {
		{ .type = outer_type, .key_size = 4, .value_size = 4, .max_entries = 4, .ref = MAP },
		{ .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
		  .ref = MAP + 1 },
	};
	uint32_t one = 1, two = 2, inner_idx = 1;
	uint64_t v55 = 55;
	const struct interp_map_elem elems[] = {
		{ .map = 0, .key = &one, .value = &inner_idx },
		{ .map = 1, .key = &two, .value = &v55 },
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = sizeof(case_pkt), .elems = elems,
				   .nelems = 2 };
	size_t len = sizeof(insns) / sizeof(insns[0]), i;
	struct interp_ctx *c = interp_ctx__new(defs, 2, NULL, 0);
	struct interp_prog *p = interp_prog__new(insns, len, BPF_PROG_TYPE_XDP, NULL, 0);
	int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 8, 4, NULL), outer = -1, pfd = -1;
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .inner_map_fd = inner);
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = case_pkt,
		    .data_size_in = sizeof(case_pkt), .repeat = 1);
	struct interp_result res;

	if (!CHECK(c && p && inner >= 0, "map in map %u: setup", outer_type))
		goto out;
	outer = bpf_map_create(outer_type, NULL, 4, 4, 4, &mopts);
	if (!CHECK(outer >= 0 && !bpf_map_update_elem(inner, &two, &v55, 0) &&
			   !bpf_map_update_elem(outer, &one, &inner, 0),
		   "map in map %u: kernel maps: %s", outer_type, strerror(errno)))
		goto out;
	for (i = 0; i < len; i++)
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && insns[i].imm == MAP)
			insns[i].imm = outer;
	{
		static char log[1 << 16];

		pfd = kh_load_insns(BPF_PROG_TYPE_XDP, insns, len, NULL, log, sizeof(log));
		if (!CHECK(pfd >= 0, "map in map %u: kernel rejects it: %s\n%s", outer_type,
			   strerror(-pfd), log))
			goto out;
	}
	if (!CHECK(!bpf_prog_test_run_opts(pfd, &topts), "map in map %u: test run: %s",
		   outer_type, strerror(errno)))
		goto out;
	/* the interpreter runs the original instructions (refs, not fds) */
	CHECK(interp_run(c, p, &in, &res) == 0 && res.status == INTERP_OK &&
		      res.retval == topts.retval && res.retval == (outer_key == 1 ? 55 : 99),
	      "map in map %u, outer key %u: kernel %u, interp %u (%s)", outer_type, outer_key,
	      topts.retval, res.retval, res.msg);
out:
	if (pfd >= 0)
		close(pfd);
	if (outer >= 0)
		close(outer);
	if (inner >= 0)
		close(inner);
	interp_prog__free(p);
	interp_ctx__free(c);
}

static void test_map_in_map(void)
{
	char why[128];

	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	run_map_in_map(BPF_MAP_TYPE_ARRAY_OF_MAPS, 1); /* 55 */
	run_map_in_map(BPF_MAP_TYPE_ARRAY_OF_MAPS, 0); /* empty slot: 99 */
	run_map_in_map(BPF_MAP_TYPE_ARRAY_OF_MAPS, 9); /* past the end: 99 */
	run_map_in_map(BPF_MAP_TYPE_HASH_OF_MAPS, 1);
	run_map_in_map(BPF_MAP_TYPE_HASH_OF_MAPS, 3);
}

/*
 * SK_STORAGE on the test run's socket: what bpf_sk_storage_get/_delete give
 * in one run (a fresh socket each run, so twice).  Each program returns a
 * number that says what it saw; the interpreter's must be the kernel's.
 */
#define SK_R2_SK_OR_EXIT                                                                           \
	BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),                                                       \
	BPF_LDX_MEM(BPF_DW, BPF_REG_7, BPF_REG_1, offsetof(struct __sk_buff, sk)),                 \
	BPF_MOV64_IMM(BPF_REG_0, 99), BPF_JMP_IMM(BPF_JNE, BPF_REG_7, 0, 1), BPF_EXIT_INSN()
/* r0 = sk_storage_get(map, r7, VAL ? fp - 8 : NULL, FLAGS) */
#define SK_GET(VAL, FLAGS)                                                                         \
	BPF_LD_MAP_FD(BPF_REG_1, MAP), BPF_MOV64_REG(BPF_REG_2, BPF_REG_7),                        \
	BPF_MOV64_IMM(BPF_REG_3, 0),                                                               \
	BPF_JMP_IMM(BPF_JEQ, BPF_REG_3, (VAL) ? 1 : 0, 2), /* VAL: r3 = fp - 8 */                  \
	BPF_MOV64_REG(BPF_REG_3, BPF_REG_10), BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -8),               \
	BPF_MOV64_IMM(BPF_REG_4, FLAGS), BPF_EMIT_CALL(BPF_FUNC_sk_storage_get)

static const struct {
	const char *descr;
	struct bpf_insn insns[56];
} sk_cases[] = {
	{ "sk storage: get without F_CREATE on a fresh socket: NULL", {
		SK_R2_SK_OR_EXIT, SK_GET(0, 0),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
		BPF_MOV64_IMM(BPF_REG_0, 2),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_EXIT_INSN() } },
	{ "sk storage: create (zeroed), write, find it again, delete, gone", {
		SK_R2_SK_OR_EXIT, SK_GET(0, BPF_SK_STORAGE_GET_F_CREATE),
		BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 2),
		BPF_MOV64_IMM(BPF_REG_0, 98),
		BPF_EXIT_INSN(),
		BPF_LDX_MEM(BPF_DW, BPF_REG_8, BPF_REG_0, 0),	/* 0 */
		BPF_ST_MEM(BPF_DW, BPF_REG_0, 0, 40),
		SK_GET(0, 0),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 19),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),	/* 40 */
		BPF_ALU64_REG(BPF_ADD, BPF_REG_8, BPF_REG_0),
		BPF_LD_MAP_FD(BPF_REG_1, MAP),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_7),
		BPF_EMIT_CALL(BPF_FUNC_sk_storage_delete),	/* 0 */
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_8, BPF_REG_0),
		SK_GET(0, 0),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),		/* NULL: +0 */
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_8, 1000),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_8),
		BPF_EXIT_INSN() } },
	{ "sk storage: create from a value on the stack", {
		SK_R2_SK_OR_EXIT,
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 0x77),
		SK_GET(1, BPF_SK_STORAGE_GET_F_CREATE),
		BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 2),
		BPF_MOV64_IMM(BPF_REG_0, 98),
		BPF_EXIT_INSN(),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
		BPF_EXIT_INSN() } },
	{ "sk storage: delete on a fresh socket: -ENOENT; flags 2: NULL", {
		SK_R2_SK_OR_EXIT,
		BPF_LD_MAP_FD(BPF_REG_1, MAP),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_7),
		BPF_EMIT_CALL(BPF_FUNC_sk_storage_delete),
		BPF_MOV64_REG(BPF_REG_8, BPF_REG_0),
		SK_GET(0, 2),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_8, 1000),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_8),
		BPF_EXIT_INSN() } },
};

static void test_sk_storage(void)
{
	char why[128];
	struct btf *btf;
	int btf_fd, int_id, long_id;
	size_t i;

	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	/* sk storage maps want BTF for their key (int) and value */
	btf = btf__new_empty();
	if (!ASSERT_OK_PTR(btf, "btf"))
		return;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	long_id = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	btf_fd = btf__load_into_kernel(btf) ? -1 : btf__fd(btf);
	for (i = 0; btf_fd >= 0 && i < sizeof(sk_cases) / sizeof(sk_cases[0]); i++) {
		const struct interp_map_def def = { .type = BPF_MAP_TYPE_SK_STORAGE, .key_size = 4,
						    .value_size = 8, .flags = BPF_F_NO_PREALLOC,
						    .ref = MAP };
		LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_NO_PREALLOC,
			    .btf_fd = btf_fd, .btf_key_type_id = int_id,
			    .btf_value_type_id = long_id);
		struct bpf_insn insns[56];
		size_t len = 56, j;
		struct interp_ctx *c = interp_ctx__new(&def, 1, NULL, 0);
		struct interp_prog *p;
		int mfd = bpf_map_create(BPF_MAP_TYPE_SK_STORAGE, NULL, 4, 8, 0, &mopts), pfd = -1;
		int run;

		while (len > 0 && !sk_cases[i].insns[len - 1].code)
			len--;
		p = interp_prog__new(sk_cases[i].insns, len, BPF_PROG_TYPE_SCHED_CLS, NULL, 0);
		memcpy(insns, sk_cases[i].insns, len * sizeof(insns[0]));
		for (j = 0; j < len; j++)
			if (insns[j].code == (BPF_LD | BPF_IMM | BPF_DW) && insns[j].imm == MAP)
				insns[j].imm = mfd;
		if (CHECK(c && p && mfd >= 0, "%s: setup: %s", sk_cases[i].descr, strerror(errno)))
			pfd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, NULL, "GPL", insns, len, NULL);
		for (run = 0; pfd >= 0 && run < 2; run++) {
			LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = case_pkt,
				    .data_size_in = sizeof(case_pkt), .repeat = 1);
			struct interp_input in = { .pkt = case_pkt, .pkt_len = sizeof(case_pkt) };
			struct interp_result res;

			if (!CHECK(!bpf_prog_test_run_opts(pfd, &topts), "%s: test run: %s",
				   sk_cases[i].descr, strerror(errno)))
				break;
			interp_run(c, p, &in, &res);
			CHECK(res.status == INTERP_OK && res.retval == topts.retval,
			      "%s, run %d: kernel %u, interp %u (%s)", sk_cases[i].descr, run,
			      topts.retval, res.retval, res.msg);
		}
		CHECK(pfd >= 0, "%s: kernel rejects it: %s", sk_cases[i].descr, strerror(errno));
		if (pfd >= 0)
			close(pfd);
		if (mfd >= 0)
			close(mfd);
		interp_prog__free(p);
		interp_ctx__free(c);
	}
	CHECK(btf_fd >= 0, "btf load: %s", strerror(errno));
	btf__free(btf);
}

#pragma GCC diagnostic pop

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_map_in_map);
	RUN_TEST(test_sk_storage);
	return test_summary("test_interp_maps2");
}
