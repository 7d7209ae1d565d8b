// SPDX-License-Identifier: MIT
/*
 * core/interp against the kernel on the program types whose context is not
 * a packet's metadata: raw tracepoints, the one tracing type
 * BPF_PROG_TEST_RUN runs (ctx_in: the u64 arguments; the retval is the low
 * 32 bits of r0).  Each program reads its arguments at several offsets and
 * widths and mixes them; it runs on random argument bytes, in the kernel and
 * in the interpreter, and the return values must agree -- the low and (by a
 * variant that shifts r0 right by 32 before exit) the high half.  The task
 * helpers (pid_tgid, uid_gid, comm) are given the test's own task.
 * (Kprobes and tracepoints cannot be test-run; flow dissectors are compared
 * in test_interp_corpus and test_interp_diff's case table.)
 *
 * INTERP_TYPES_N inputs per program (default 200).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/interp.h"
#include "tests/test.h"
#include "tests/unit/insn_macros.h"

#define MAX_INSNS 24
#define RAW_TP_ARGS 12

struct tp_prog {
	const char *descr;
	uint32_t ctx_size; /* bytes of ctx_in: at least what it reads */
	struct bpf_insn insns[MAX_INSNS];
};

static const struct tp_prog progs[] = {
	{ "args[0] * 3 + (args[1] >> 8)", 16, {
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 0),
		BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 3),
		BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 8),
		BPF_ALU64_IMM(BPF_RSH, BPF_REG_2, 8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
		BPF_EXIT_INSN() } },
	{ "narrow loads: u32 at 4, u16 at 10, u8 at 95", 96, {
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, 4),
		BPF_LDX_MEM(BPF_H, BPF_REG_2, BPF_REG_1, 10),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 40),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_2),
		BPF_LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_1, 95),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 24),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
		BPF_EXIT_INSN() } },
	{ "the last argument, sign-extending load of a u32", 96, {
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 88),
		BPF_RAW_INSN(BPF_LDX | BPF_MEMSX | BPF_W, BPF_REG_2, BPF_REG_1, 48, 0),
		BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_2),
		BPF_EXIT_INSN() } },
	{ "branches on arguments", 24, {
		BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0),
		BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_1, 8),
		BPF_LDX_MEM(BPF_W, BPF_REG_4, BPF_REG_1, 16),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_JMP_REG(BPF_JSGT, BPF_REG_2, BPF_REG_3, 2),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_4),
		BPF_EXIT_INSN(),
		BPF_JMP32_REG(BPF_JLT, BPF_REG_2, BPF_REG_4, 2),
		BPF_ALU64_REG(BPF_MOV, BPF_REG_0, BPF_REG_3),
		BPF_EXIT_INSN(),
		BPF_ALU64_IMM(BPF_DIV, BPF_REG_3, 7),
		BPF_ALU64_REG(BPF_MOV, BPF_REG_0, BPF_REG_3),
		BPF_EXIT_INSN() } },
	{ "the task: pid_tgid ^ uid_gid", 8, {
		BPF_EMIT_CALL(BPF_FUNC_get_current_pid_tgid),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_EMIT_CALL(BPF_FUNC_get_current_uid_gid),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() } },
	{ "the task's comm into 16 bytes of 0xff: the name, padded", 8, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, -1),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, -1),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -16),
		BPF_MOV64_IMM(BPF_REG_2, 16),
		BPF_EMIT_CALL(BPF_FUNC_get_current_comm),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -16),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
		BPF_ALU64_IMM(BPF_MUL, BPF_REG_1, 3),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_1),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() } },
	{ "the task's comm into 3 bytes: cut, NUL-terminated", 8, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, -1),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -8),
		BPF_MOV64_IMM(BPF_REG_2, 3),
		BPF_EMIT_CALL(BPF_FUNC_get_current_comm),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() } },
	{ "arguments through the stack and a map-less helper (get_smp_processor_id)", 32, {
		BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 24),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -8),
		BPF_LDX_MEM(BPF_W, BPF_REG_6, BPF_REG_10, -4),
		BPF_EMIT_CALL(BPF_FUNC_get_smp_processor_id),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() } },
};

#define NPROGS (sizeof(progs) / sizeof(progs[0]))

static size_t prog_len(const struct tp_prog *tp)
{
	size_t n = MAX_INSNS;

	while (n > 0 && !tp->insns[n - 1].code && !tp->insns[n - 1].imm)
		n--;
	return n;
}

static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void test_raw_tracepoints(void)
{
	const char *e = getenv("INTERP_TYPES_N");
	uint64_t n = e && *e ? strtoull(e, NULL, 0) : 200, seed = 1, runs = 0;
	const struct bpf_insn ok[] = { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() };
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", ok, 2, NULL);
	size_t i, variant;

	if (fd < 0) {
		test_skip("bpf() not permitted: %s", strerror(errno));
		return;
	}
	close(fd);
	for (i = 0; i < NPROGS; i++) {
		const struct tp_prog *tp = &progs[i];

		for (variant = 0; variant < 2; variant++) {
			struct bpf_insn insns[MAX_INSNS + 1];
			size_t len = prog_len(tp);
			struct interp_prog *ip;
			struct interp_ctx *ic;
			char msg[256];
			uint64_t k;

			memcpy(insns, tp->insns, len * sizeof(insns[0]));
			if (variant) { /* the upper half of r0 */
				insns[len - 1] = BPF_ALU64_IMM(BPF_RSH, BPF_REG_0, 32);
				insns[len++] = BPF_EXIT_INSN();
			}
			fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, "GPL", insns, len,
					   NULL);
			if (!CHECK(fd >= 0, "%s: kernel rejects it: %s", tp->descr,
				   strerror(errno)))
				continue;
			ip = interp_prog__new(insns, len, BPF_PROG_TYPE_RAW_TRACEPOINT, msg,
					      sizeof(msg));
			ic = interp_ctx__new(NULL, 0, msg, sizeof(msg));
			if (!CHECK(ip && ic, "%s: interp setup: %s", tp->descr, msg))
				k = n;
			else
				k = 0;
			for (; k < n; k++) {
				uint64_t args[RAW_TP_ARGS];
				LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = args,
					    .ctx_size_in = tp->ctx_size);
				struct interp_input in = { .ctx = args, .ctx_len = tp->ctx_size };
				struct interp_result res;
				uint32_t a;

				for (a = 0; a < RAW_TP_ARGS; a++) /* small, huge, negative */
					args[a] = rng(&seed) >> (rng(&seed) % 64);
				if (k & 1)
					args[k % RAW_TP_ARGS] = -args[k % RAW_TP_ARGS];
				/* the test run runs on the caller's CPU: the interpreter's */
				in.cpu = (uint32_t)sched_getcpu();
				/* and in the caller's task */
				in.task_known = true;
				in.pid_tgid = (uint64_t)getpid() << 32 | (uint32_t)gettid();
				in.uid_gid = (uint64_t)getgid() << 32 | getuid();
				prctl(PR_GET_NAME, in.comm);
				if (!CHECK(bpf_prog_test_run_opts(fd, &topts) == 0,
					   "%s: test run: %s", tp->descr, strerror(errno)))
					break;
				if (in.cpu != (uint32_t)sched_getcpu())
					continue; /* migrated meanwhile: not comparable */
				interp_run(ic, ip, &in, &res);
				runs++;
				if (!CHECK(res.status == INTERP_OK && res.retval == topts.retval,
					   "%s%s, args %llx %llx ...: kernel %u, interp %u (%s)",
					   tp->descr, variant ? " (upper half)" : "",
					   (unsigned long long)args[0], (unsigned long long)args[1],
					   topts.retval, res.retval, res.msg))
					break;
			}
			interp_prog__free(ip);
			interp_ctx__free(ic);
			close(fd);
		}
	}
	printf("raw tracepoints: %zu programs x 2 halves, %llu runs agree with the kernel\n",
	       NPROGS, (unsigned long long)runs);
	ASSERT_TRUE(runs >= NPROGS * n, "most runs compared");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	prctl(PR_SET_NAME, "types"); /* shorter than 15: padding to see */
	RUN_TEST(test_raw_tracepoints);
	return test_summary("test_interp_types");
}
