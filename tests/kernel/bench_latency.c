// SPDX-License-Identifier: MIT
/*
 * bench_latency: what one instruction of each kind costs on this kernel's
 * JIT, in nanoseconds, measured the way K2 builds its latency model.
 *
 * For every case an XDP program is generated: a common prologue (ctx in r6,
 * a packet pointer checked for 64 bytes in r7, an array map's value in r8 by
 * direct value access, an unknown scalar that is 1 at run time in r9, r0..r3
 * unknown scalars, stack slots fp-8 and fp-16 written), the case's
 * instruction repeated N times, and "r0 = XDP_PASS; exit".  The baseline is
 * the same program with no repeated instruction.  Each round runs the
 * baseline and the case back to back with BPF_PROG_TEST_RUN (REPEAT times,
 * the kernel reports the mean ns per run); (case - baseline) / N is that
 * round's figure and the median round is printed.  The process is pinned to
 * the CPU it starts on.
 *
 * ALU cases chain through r0 (each instruction reads the previous result), so
 * they measure latency; loads, stores and jumps repeat on the same operands,
 * so they measure what the CPU makes of a stream of them (throughput, or
 * store-to-load forwarding).  The table also says how many instructions the
 * kernel made of each one (xlated: the verifier's rewrites, e.g. the zero
 * check around a division by a register, inlined helpers) and how many bytes
 * the JIT emitted for it.  The figures feed core/search_cost.c.
 *
 *   bench_latency [FILTER]     (only cases whose name contains FILTER)
 *
 * Environment: BENCH_LATENCY_N (instructions per program, default 1000),
 * BENCH_LATENCY_REPEAT (default 10000), BENCH_LATENCY_ROUNDS (default 7).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests/kernel/harness.h"
#include "tests/unit/insn_macros.h"

#define MAX_BODY 3 /* slots per repetition */
#define MAX_ROUNDS 63
#define REF_CASE 1 /* alu64 add reg: the unit of the model */

#ifndef BPF_FUNC_get_smp_processor_id
#define BPF_FUNC_get_smp_processor_id 8
#endif

struct lat_case {
	const char *name;
	struct bpf_insn body[MAX_BODY];
	int len;   /* slots of body[] per repetition */
	int count; /* instructions measured per repetition */
};

#define ONE(NAME, INSN) { NAME, { INSN }, 1, 1 }
#define TWO(NAME, A, B) { NAME, { A, B }, 2, 2 }
/* two slots counted as one instruction: LD_IMM64, or a pair reported as one figure */
#define PAIR(NAME, A, B) { NAME, { A, B }, 2, 1 }
#define ALU_BOTH(NAME, OP)                                                                         \
	ONE("alu64 " NAME " reg", BPF_ALU64_REG(OP, BPF_REG_0, BPF_REG_1)),                        \
	ONE("alu64 " NAME " imm", BPF_ALU64_IMM(OP, BPF_REG_0, 1)),                                \
	ONE("alu32 " NAME " reg", BPF_ALU32_REG(OP, BPF_REG_0, BPF_REG_1)),                        \
	ONE("alu32 " NAME " imm", BPF_ALU32_IMM(OP, BPF_REG_0, 1))

/*
 * At run time r1 = 1 (divisor, shift count), r2 = 0x7ffffff1 > r0 (modulus),
 * so a chain of r0 /= r1, r0 %= r2, r0 *= r1 keeps r0 unchanged and non-zero.
 */
static const struct lat_case cases[] = {
	ONE("nop (ja +0)", BPF_JMP_A(0)),
	ALU_BOTH("add", BPF_ADD),
	ALU_BOTH("sub", BPF_SUB),
	ALU_BOTH("and", BPF_AND),
	ALU_BOTH("or", BPF_OR),
	ALU_BOTH("xor", BPF_XOR),
	ALU_BOTH("lsh", BPF_LSH),
	ALU_BOTH("rsh", BPF_RSH),
	ALU_BOTH("arsh", BPF_ARSH),
	ALU_BOTH("mul", BPF_MUL),
	ALU_BOTH("div", BPF_DIV),
	ONE("alu64 mod reg", BPF_ALU64_REG(BPF_MOD, BPF_REG_0, BPF_REG_2)),
	ONE("alu64 mod imm", BPF_ALU64_IMM(BPF_MOD, BPF_REG_0, 0x7ffffff1)),
	ONE("alu32 mod reg", BPF_ALU32_REG(BPF_MOD, BPF_REG_0, BPF_REG_2)),
	ONE("alu32 mod imm", BPF_ALU32_IMM(BPF_MOD, BPF_REG_0, 0x7ffffff1)),
	ONE("alu64 sdiv reg", BPF_ALU64_REG_OFF(BPF_DIV, BPF_REG_0, BPF_REG_1, 1)),
	ONE("alu64 sdiv imm", BPF_ALU64_IMM_OFF(BPF_DIV, BPF_REG_0, 1, 1)),
	ONE("alu32 sdiv reg", BPF_ALU32_REG_OFF(BPF_DIV, BPF_REG_0, BPF_REG_1, 1)),
	ONE("alu64 smod reg", BPF_ALU64_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_2, 1)),
	ONE("alu32 smod reg", BPF_ALU32_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_2, 1)),
	ONE("alu64 neg", BPF_NEG64(BPF_REG_0)),
	ONE("alu32 neg", BPF_NEG32(BPF_REG_0)),
	ONE("be16", BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 16)),
	ONE("be32", BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 32)),
	ONE("be64", BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 64)),
	ONE("le16", BPF_ENDIAN(BPF_TO_LE, BPF_REG_0, 16)),
	ONE("le32", BPF_ENDIAN(BPF_TO_LE, BPF_REG_0, 32)),
	ONE("le64", BPF_ENDIAN(BPF_TO_LE, BPF_REG_0, 64)),
	ONE("bswap16", BPF_BSWAP(BPF_REG_0, 16)),
	ONE("bswap32", BPF_BSWAP(BPF_REG_0, 32)),
	ONE("bswap64", BPF_BSWAP(BPF_REG_0, 64)),
	/* A chain of moves: r3 = r0; r0 = r3; ... */
	TWO("mov64 reg", BPF_MOV64_REG(BPF_REG_3, BPF_REG_0), BPF_MOV64_REG(BPF_REG_0, BPF_REG_3)),
	TWO("mov32 reg", BPF_MOV32_REG(BPF_REG_3, BPF_REG_0), BPF_MOV32_REG(BPF_REG_0, BPF_REG_3)),
	TWO("movsx64 reg s8", BPF_MOVSX64_REG(BPF_REG_3, BPF_REG_0, 8),
	    BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_3, 8)),
	TWO("movsx32 reg s16", BPF_MOVSX32_REG(BPF_REG_3, BPF_REG_0, 16),
	    BPF_MOVSX32_REG(BPF_REG_0, BPF_REG_3, 16)),
	ONE("mov64 imm", BPF_MOV64_IMM(BPF_REG_0, 0x1234)),
	ONE("mov32 imm", BPF_MOV32_IMM(BPF_REG_0, 0x1234)),
	{ "ld_imm64", { BPF_LD_IMM64(BPF_REG_0, 0x123456789abcdefull) }, 2, 1 },
	/* memory */
	ONE("ldx stack u8", BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_10, -8)),
	ONE("ldx stack u16", BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_10, -8)),
	ONE("ldx stack u32", BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_10, -8)),
	ONE("ldx stack u64", BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8)),
	ONE("ldsx stack s8", BPF_LDX_MEMSX(BPF_B, BPF_REG_0, BPF_REG_10, -8)),
	ONE("ldsx stack s32", BPF_LDX_MEMSX(BPF_W, BPF_REG_0, BPF_REG_10, -8)),
	ONE("stx stack u8", BPF_STX_MEM(BPF_B, BPF_REG_10, BPF_REG_0, -8)),
	ONE("stx stack u16", BPF_STX_MEM(BPF_H, BPF_REG_10, BPF_REG_0, -8)),
	ONE("stx stack u32", BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, -8)),
	ONE("stx stack u64", BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, -8)),
	ONE("st stack u8", BPF_ST_MEM(BPF_B, BPF_REG_10, -8, 7)),
	ONE("st stack u16", BPF_ST_MEM(BPF_H, BPF_REG_10, -8, 7)),
	ONE("st stack u32", BPF_ST_MEM(BPF_W, BPF_REG_10, -8, 7)),
	ONE("st stack u64", BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 7)),
	/* stack round trip: store then load the same slot (store forwarding) */
	PAIR("stx+ldx stack u64 pair", BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, -16),
	    BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -16)),
	ONE("ldx pkt u8", BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_7, 20)),
	ONE("ldx pkt u16", BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_7, 20)),
	ONE("ldx pkt u32", BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_7, 20)),
	ONE("ldx pkt u64", BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_7, 16)),
	ONE("stx pkt u8", BPF_STX_MEM(BPF_B, BPF_REG_7, BPF_REG_0, 40)),
	ONE("stx pkt u32", BPF_STX_MEM(BPF_W, BPF_REG_7, BPF_REG_0, 40)),
	ONE("stx pkt u64", BPF_STX_MEM(BPF_DW, BPF_REG_7, BPF_REG_0, 40)),
	ONE("st pkt u32", BPF_ST_MEM(BPF_W, BPF_REG_7, 40, 7)),
	ONE("ldx ctx data", BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, 0)),
	ONE("ldx ctx ingress_ifindex", BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, 12)),
	ONE("ldx ctx rx_queue_index", BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, 16)),
	ONE("ldx map u8", BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_8, 8)),
	ONE("ldx map u32", BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_8, 8)),
	ONE("ldx map u64", BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_8, 8)),
	ONE("stx map u8", BPF_STX_MEM(BPF_B, BPF_REG_8, BPF_REG_0, 16)),
	ONE("stx map u32", BPF_STX_MEM(BPF_W, BPF_REG_8, BPF_REG_0, 16)),
	ONE("stx map u64", BPF_STX_MEM(BPF_DW, BPF_REG_8, BPF_REG_0, 16)),
	ONE("st map u64", BPF_ST_MEM(BPF_DW, BPF_REG_8, 16, 7)),
	/* atomics on a map value */
	ONE("atomic add64", BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_8, BPF_REG_1, 24)),
	ONE("atomic add32", BPF_ATOMIC_OP(BPF_W, BPF_ADD, BPF_REG_8, BPF_REG_1, 24)),
	ONE("atomic or64", BPF_ATOMIC_OP(BPF_DW, BPF_OR, BPF_REG_8, BPF_REG_1, 24)),
	ONE("atomic fetch_add64",
	    BPF_ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, BPF_REG_8, BPF_REG_3, 24)),
	ONE("atomic fetch_or64",
	    BPF_ATOMIC_OP(BPF_DW, BPF_OR | BPF_FETCH, BPF_REG_8, BPF_REG_3, 24)),
	ONE("atomic xchg64", BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, BPF_REG_8, BPF_REG_3, 24)),
	ONE("atomic cmpxchg64", BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, BPF_REG_8, BPF_REG_3, 24)),
	ONE("atomic add64 stack", BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_10, BPF_REG_1, -8)),
	/* jumps: r9 is 1 at run time and unknown to the verifier */
	ONE("jeq imm not taken", BPF_JMP_IMM(BPF_JEQ, BPF_REG_9, 0x7ffffff, 0)),
	ONE("jne imm taken", BPF_JMP_IMM(BPF_JNE, BPF_REG_9, 0x7ffffff, 0)),
	ONE("jgt reg not taken", BPF_JMP_REG(BPF_JGT, BPF_REG_9, BPF_REG_2, 0)),
	ONE("jlt reg taken", BPF_JMP_REG(BPF_JLT, BPF_REG_9, BPF_REG_2, 0)),
	ONE("jset imm not taken", BPF_JMP_IMM(BPF_JSET, BPF_REG_9, 0x40000000, 0)),
	ONE("jmp32 jeq not taken", BPF_JMP32_IMM(BPF_JEQ, BPF_REG_9, 0x7ffffff, 0)),
	ONE("jmp32 jne taken", BPF_JMP32_IMM(BPF_JNE, BPF_REG_9, 0x7ffffff, 0)),
	/*
	 * A taken "ja +1", behind a "jeq" that is never taken at run time but
	 * makes the instruction skipped reachable for the verifier: the figure
	 * is both; subtract "jeq imm not taken" for the ja alone.
	 */
	{ "jeq not taken + ja +1",
	  { BPF_JMP_IMM(BPF_JEQ, BPF_REG_9, 0x7ffffff, 1), BPF_JMP_A(1),
	    BPF_MOV64_REG(BPF_REG_3, BPF_REG_0) },
	  3, 1 },
	/* helper calls */
	ONE("call get_smp_processor_id", BPF_EMIT_CALL(BPF_FUNC_get_smp_processor_id)),
	ONE("call get_prandom_u32", BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32)),
	ONE("call ktime_get_ns", BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns)),
};

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* Everything but the repeated body.  Returns the number of slots written. */
static int prologue(struct bpf_insn *p, int map_fd)
{
	struct bpf_insn pro[] = {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_6, 0), /* data */
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, 4), /* data_end */
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_7),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, 64),
		/* too short: skip the body (jump offset patched by the caller) */
		BPF_JMP_REG(BPF_JGT, BPF_REG_3, BPF_REG_2, 0x7fff),
		BPF_LD_MAP_VALUE(BPF_REG_8, map_fd, 0),
		BPF_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_6, 12), /* ingress_ifindex: 1 (lo) */
		BPF_JMP_IMM(BPF_JNE, BPF_REG_9, 1, 0x7fff),   /* not lo: skip, as above */
		BPF_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_6, 12), /* forget that it is 1 */
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_9),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_9),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, 0x7ffffff0),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_9),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 0x12345),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_0),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 0x5a),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, 0x5a),
	};

	memcpy(p, pro, sizeof(pro));
	return (int)(sizeof(pro) / sizeof(pro[0]));
}

/* The program for @c with @n repetitions (@c NULL: the baseline). */
static int build(const struct lat_case *c, int n, int map_fd, struct bpf_insn *out)
{
	int len = prologue(out, map_fd), i, k;

	for (i = 0; c && i < n; i++)
		for (k = 0; k < c->len; k++)
			out[len++] = c->body[k];
	out[len++] = BPF_MOV64_IMM(BPF_REG_0, XDP_PASS);
	out[len++] = BPF_EXIT_INSN();
	/* the two "skip" jumps go to the epilogue, which returns XDP_PASS too */
	for (i = 0; i < len - 2; i++)
		if (out[i].code == (BPF_JMP | BPF_JGT | BPF_X) ||
		    out[i].code == (BPF_JMP | BPF_JNE | BPF_K))
			if (out[i].off == 0x7fff)
				out[i].off = (int16_t)(len - 2 - i - 1);
	return len;
}

static int load(const struct bpf_insn *insns, int len, char *log, size_t logsz)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = (uint32_t)logsz,
		    .log_level = 0);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "lat", "GPL", insns, (size_t)len, &o);
	if (fd < 0 && log) {
		/* ask again with the verifier's log to say why */
		o.log_level = 1;
		bpf_prog_load(BPF_PROG_TYPE_XDP, "lat", "GPL", insns, (size_t)len, &o);
	}
	return fd < 0 ? -errno : fd;
}

static int time_run(int fd, uint32_t repeat, uint32_t *ns, char *msg, size_t msgsz)
{
	unsigned char pkt[128] = { 0 };
	struct kh_run run = { .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = repeat };
	int err;

	err = kh_test_run(fd, &run, msg, msgsz);
	if (err)
		return err;
	if (run.retval != XDP_PASS) {
		snprintf(msg, msgsz, "returned %u, not XDP_PASS", run.retval);
		return -EINVAL;
	}
	*ns = run.duration;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct bench {
	int n, rounds, map_fd, base_fd;
	uint32_t repeat, base_xl, base_jit;
	struct bpf_insn *insns;
	char log[KH_LOG_SIZE];
	char msg[256];
};

/*
 * Median over the rounds of (case - baseline) / instructions, in ns, with
 * the kernel's xlated instructions and JITed bytes per instruction.  0, or
 * -errno with b->msg saying why.
 */
static int measure(struct bench *b, const struct lat_case *c, double *ns, double *xlated,
		   double *jited)
{
	double d[MAX_ROUNDS], per = (double)b->n * c->count;
	uint32_t xl, jit, tb, tc;
	int fd, r, err;

	fd = load(b->insns, build(c, b->n, b->map_fd, b->insns), b->log, sizeof(b->log));
	if (fd < 0) {
		char why[200];

		kh_log_reason(b->log, why, sizeof(why));
		snprintf(b->msg, sizeof(b->msg), "not loaded: %s (%s)", strerror(-fd), why);
		return fd;
	}
	err = kh_prog_info(fd, &xl, &jit);
	if (err)
		snprintf(b->msg, sizeof(b->msg), "no info: %s", strerror(-err));
	for (r = 0; !err && r < b->rounds; r++) {
		err = time_run(b->base_fd, b->repeat, &tb, b->msg, sizeof(b->msg));
		if (!err)
			err = time_run(fd, b->repeat, &tc, b->msg, sizeof(b->msg));
		d[r] = ((double)tc - (double)tb) / per;
	}
	close(fd);
	if (err)
		return err;
	qsort(d, (size_t)b->rounds, sizeof(d[0]), cmp_double);
	*ns = d[b->rounds / 2];
	*xlated = (double)(xl - b->base_xl) / sizeof(struct bpf_insn) / per;
	*jited = (double)(jit - b->base_jit) / per;
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	const char *filter = argc > 1 ? argv[1] : NULL;
	double ref, xl, jit;
	uint32_t base_ns;
	char why[256];
	int cpu, err;
	struct utsname u;
	cpu_set_t set;
	size_t i;

	b.n = (int)env_ul("BENCH_LATENCY_N", 1000);
	b.repeat = (uint32_t)env_ul("BENCH_LATENCY_REPEAT", 10000);
	b.rounds = (int)env_ul("BENCH_LATENCY_ROUNDS", 7);
	if (!kh_bpf_permitted(why, sizeof(why))) {
		printf("bench_latency: skipped: %s\n", why);
		return 0;
	}
	if (b.n < 1 || b.n > 4000 || b.rounds < 1 || b.rounds > MAX_ROUNDS) {
		fprintf(stderr, "bench_latency: N must be 1..4000, ROUNDS 1..%d\n", MAX_ROUNDS);
		return 2;
	}
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);

	b.insns = calloc((size_t)b.n * MAX_BODY + 64, sizeof(*b.insns));
	b.map_fd = kh_map_create(BPF_MAP_TYPE_ARRAY, 4, 64, 1);
	if (!b.insns || b.map_fd < 0) {
		fprintf(stderr, "bench_latency: setup failed: %s\n",
			strerror(b.map_fd < 0 ? -b.map_fd : ENOMEM));
		return 1;
	}
	b.base_fd = load(b.insns, build(NULL, 0, b.map_fd, b.insns), b.log, sizeof(b.log));
	if (b.base_fd < 0 || kh_prog_info(b.base_fd, &b.base_xl, &b.base_jit) ||
	    time_run(b.base_fd, b.repeat, &base_ns, b.msg, sizeof(b.msg))) {
		fprintf(stderr, "bench_latency: baseline: %s %s\n%s\n", strerror(-b.base_fd),
			b.msg, b.log);
		return 1;
	}
	/* the unit: half a dependent 64-bit add, so that such an add is 2 */
	err = measure(&b, &cases[REF_CASE], &ref, &xl, &jit);
	if (err || ref <= 0) {
		fprintf(stderr, "bench_latency: %s: %s\n", cases[REF_CASE].name,
			err ? b.msg : "no time");
		return 1;
	}
	uname(&u);
	printf("kernel %s; N=%d per program, repeat %u, median of %d rounds, cpu %d; "
	       "baseline %u ns\n",
	       u.release, b.n, b.repeat, b.rounds, cpu, base_ns);
	printf("units: latency in halves of a dependent 64-bit add (%.3f ns), capped at 63, "
	       "as core/search_cost.c encodes them\n",
	       ref);
	printf("%-28s %9s %6s %7s %9s\n", "instruction", "ns/insn", "units", "xlated",
	       "jit bytes");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct lat_case *c = &cases[i];
		double ns, units;

		if (filter && !strstr(c->name, filter))
			continue;
		if (measure(&b, c, &ns, &xl, &jit)) {
			printf("%-28s  %s\n", c->name, b.msg);
			continue;
		}
		units = 2 * ns / ref + 0.5;
		printf("%-28s %9.3f %6d %7.2f %9.2f\n", c->name, ns,
		       units < 0 ? 0 : units > 63 ? 63 : (int)units, xl, jit);
	}
	close(b.base_fd);
	close(b.map_fd);
	free(b.insns);
	return 0;
}
