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
#include "tests/kernel/harness.h"
#include "tests/kernel/harness_pkt.h"
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
	{ "probe_read_kernel of 16 bytes of the ctx", 16, {
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_1),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -16),
		BPF_MOV64_IMM(BPF_REG_2, 16),
		BPF_EMIT_CALL(BPF_FUNC_probe_read_kernel),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -16),
		BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_10, -8),
		BPF_ALU64_IMM(BPF_MUL, BPF_REG_2, 3),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_1, BPF_REG_2),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() } },
	{ "probe_read_kernel_str of the ctx into 0xff bytes: the string, its length", 16, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, -1),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, -1),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_1),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, 3),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -16),
		BPF_MOV64_IMM(BPF_REG_2, 13),
		BPF_EMIT_CALL(BPF_FUNC_probe_read_kernel_str),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -16),
		BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_10, -8),
		BPF_ALU64_IMM(BPF_MUL, BPF_REG_2, 3),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_1, BPF_REG_2),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 56),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() } },
	{ "probe_read_kernel from the stack", 8, {
		BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -8),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -7),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 4),
		BPF_EMIT_CALL(BPF_FUNC_probe_read_kernel),
		BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_10, -24),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 32),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_1),
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
	char why[128];
	size_t i, variant;
	int fd;

	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
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

/*
 * Random flow dissectors: bounds-checked packet loads, ALU and ALU32 on four
 * scalar registers, loads and stores of every width anywhere in the flow
 * keys (nhoff and thoff included, which the kernel clamps after the run),
 * forward branches; return BPF_OK or BPF_DROP.  Each runs on generated
 * packets in the kernel and the interpreter: retval and flow keys (data out)
 * must agree.  INTERP_TYPES_FD programs (default 300), 8 packets each.
 */
#define FD_MAX 160

struct fd_gen {
	struct bpf_insn ins[FD_MAX];
	uint32_t n;
	uint64_t s;
};

static const uint8_t fd_regs[4] = { BPF_REG_0, BPF_REG_1, BPF_REG_4, BPF_REG_5 };

static uint32_t fd_op(struct fd_gen *g, struct bpf_insn *o)
{
	static const uint8_t alu[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_XOR,
				       BPF_LSH, BPF_RSH, BPF_ARSH, BPF_DIV, BPF_MOD };
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	static const uint32_t bytes[] = { 1, 2, 4, 8 };
	uint8_t d = fd_regs[rng(&g->s) % 4], sr = fd_regs[rng(&g->s) % 4];
	uint32_t k = (uint32_t)(rng(&g->s) % 4), off;

	switch (rng(&g->s) % 5) {
	case 0: /* a bounds-checked packet load */
		off = (uint32_t)(rng(&g->s) % 64);
		o[0] = BPF_MOV64_REG(BPF_REG_2, BPF_REG_7);
		o[1] = BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, off);
		o[2] = BPF_MOV64_REG(BPF_REG_3, BPF_REG_2);
		o[3] = BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, bytes[k]);
		o[4] = BPF_JMP_REG(BPF_JGT, BPF_REG_3, BPF_REG_8, 1);
		o[5] = BPF_LDX_MEM(sizes[k], d, BPF_REG_2, 0);
		return 6;
	case 1: { /* ALU */
		uint8_t op = alu[rng(&g->s) % sizeof(alu)];
		bool is64 = rng(&g->s) & 1, imm = rng(&g->s) & 1;
		int32_t v = (int32_t)rng(&g->s);

		if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
			v &= is64 ? 63 : 31;
		if (imm && (op == BPF_DIV || op == BPF_MOD) && !v)
			v = 3;
		o[0] = imm ? (is64 ? BPF_ALU64_IMM(op, d, v) : BPF_ALU32_IMM(op, d, v))
			   : (is64 ? BPF_ALU64_REG(op, d, sr) : BPF_ALU32_REG(op, d, sr));
		return 1;
	}
	case 2: /* a store into the flow keys */
		off = (uint32_t)(rng(&g->s) % (56 / bytes[k])) * bytes[k];
		o[0] = BPF_STX_MEM(sizes[k], BPF_REG_9, d, off);
		return 1;
	case 3: /* a load from them */
		off = (uint32_t)(rng(&g->s) % (56 / bytes[k])) * bytes[k];
		o[0] = BPF_LDX_MEM(sizes[k], d, BPF_REG_9, off);
		return 1;
	default: /* a constant */
		o[0] = BPF_MOV64_IMM(d, (int32_t)(rng(&g->s) % 2000));
		return 1;
	}
}

static void fd_generate(struct fd_gen *g)
{
	static const uint8_t jops[] = { BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JSGT, BPF_JSET };
	struct bpf_insn op[8];
	uint32_t i, nops = 4 + (uint32_t)(rng(&g->s) % 20);

	g->n = 0;
	g->ins[g->n++] = BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_1, offsetof(struct __sk_buff, data));
	g->ins[g->n++] = BPF_LDX_MEM(BPF_W, BPF_REG_8, BPF_REG_1,
				     offsetof(struct __sk_buff, data_end));
	g->ins[g->n++] = BPF_LDX_MEM(BPF_DW, BPF_REG_9, BPF_REG_1,
				     offsetof(struct __sk_buff, flow_keys));
	for (i = 0; i < 4; i++)
		g->ins[g->n++] = BPF_MOV64_IMM(fd_regs[i], (int32_t)(rng(&g->s) % 100));
	for (i = 0; i < nops && g->n + 10 < FD_MAX; i++) {
		uint32_t k = fd_op(g, op);

		if (rng(&g->s) % 4 == 0) /* skip it on a condition */
			g->ins[g->n++] = BPF_JMP_REG(jops[rng(&g->s) % sizeof(jops)],
						     fd_regs[rng(&g->s) % 4],
						     fd_regs[rng(&g->s) % 4], k);
		memcpy(g->ins + g->n, op, k * sizeof(op[0]));
		g->n += k;
	}
	g->ins[g->n++] = BPF_ALU64_IMM(BPF_AND, BPF_REG_0, BPF_DROP); /* BPF_OK or BPF_DROP */
	g->ins[g->n++] = BPF_EXIT_INSN();
}

static void test_random_flow_dissectors(void)
{
	const char *e = getenv("INTERP_TYPES_FD");
	uint64_t want = e && *e ? strtoull(e, NULL, 0) : 300, done = 0, runs = 0, rejected = 0;
	char why[128];
	struct interp_ctx *ic = interp_ctx__new(NULL, 0, NULL, 0);
	int fd;
	struct fd_gen g = { .s = 42 };
	struct pkt_gen pg;

	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		goto out;
	}
	pkt_gen_init(&pg, 5);
	while (done < want && rejected < want) {
		struct interp_prog *ip;
		int k;

		fd_generate(&g);
		fd = bpf_prog_load(BPF_PROG_TYPE_FLOW_DISSECTOR, NULL, "GPL", g.ins, g.n, NULL);
		if (fd < 0) {
			rejected++;
			continue;
		}
		done++;
		ip = interp_prog__new(g.ins, g.n, BPF_PROG_TYPE_FLOW_DISSECTOR, NULL, 0);
		for (k = 0; ip && k < 8; k++) {
			uint8_t pkt[PKT_GEN_MAX], out[256];
			uint32_t len = pkt_gen_next(&pg, pkt, NULL);
			LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = len,
				    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
			struct interp_input in = { .pkt = pkt, .pkt_len = len };
			struct interp_result res;
			int err = bpf_prog_test_run_opts(fd, &topts) ? -errno : 0;

			interp_run(ic, ip, &in, &res);
			runs++;
			if (!CHECK(!err && res.status == INTERP_OK && res.retval == topts.retval &&
					   res.pkt_len == topts.data_size_out &&
					   !memcmp(res.pkt, out, res.pkt_len),
				   "flow dissector %llu, packet of %u: kernel %d/%u, %u bytes; interp "
				   "%u, %u bytes (%s)", (unsigned long long)done, len, err,
				   topts.retval, topts.data_size_out, res.retval, res.pkt_len, res.msg))
				break;
		}
		CHECK(ip != NULL, "interp_prog__new");
		interp_prog__free(ip);
		close(fd);
	}
	printf("random flow dissectors: %llu programs (%llu rejected by the verifier), %llu runs "
	       "agree with the kernel\n", (unsigned long long)done,
	       (unsigned long long)rejected, (unsigned long long)runs);
	ASSERT_EQ(done, want, "programs run");
out:
	interp_ctx__free(ic);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	prctl(PR_SET_NAME, "types"); /* shorter than 15: padding to see */
	RUN_TEST(test_raw_tracepoints);
	RUN_TEST(test_random_flow_dissectors);
	return test_summary("test_interp_types");
}
