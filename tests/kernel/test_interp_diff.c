// SPDX-License-Identifier: MIT
/*
 * core/interp against the kernel: BPF_PROG_TEST_RUN is the oracle.
 *
 * 1. The case table of tests/unit/interp_cases.h: every case not marked
 *    no_kernel is loaded and run in the kernel, and the kernel's retval must
 *    be the low 32 bits of the r0 the table expects (the unit test holds the
 *    interpreter to all 64).  Where the program has a single exit at its end,
 *    a variant with "r0 >>= 32" before it checks the upper half too.  The
 *    output packet must match the interpreter's byte for byte.
 *
 * 2. Random programs: a seeded generator of verifier-acceptable XDP, tc
 *    (sched_cls) and socket filter programs (registers initialized from
 *    constants, context fields and the packet after a bounds check --
 *    LD_ABS/LD_IND for socket filters --, writes of writable ctx fields,
 *    then random ALU/ALU32 including every shift with register counts,
 *    div/mod/sdiv/smod by registers that may be zero, byte swaps, neg, movsx;
 *    forward JMP/JMP32 branches; stack stores, loads, sign-extending loads
 *    and atomics on pre-initialized slots; packet loads and (XDP, tc) stores;
 *    map lookups (using the value), updates and deletes on an array and a
 *    hash map; BPF-to-BPF calls; for XDP, a final adjust_head/tail/meta; and
 *    a fold of every register into r0, upper halves included, so most
 *    results reach the retval).  Each program runs in the kernel and in the
 *    interpreter on random packets and random initial map contents; retval,
 *    output packet, the maps afterwards and (skb types) the mark, priority
 *    and cb[] of ctx_out must agree.
 *    A disagreement prints the program and the packet and fails; inputs the
 *    kernel refuses (EINVAL: short IP packets for skb types) must be refused
 *    by the interpreter too.
 *
 * INTERP_DIFF_N (default 10000) programs, INTERP_DIFF_SEED (default 1);
 * INTERP_DIFF_SHOW=N prints the first N programs with both results;
 * INTERP_DIFF_STACK_FETCH=1 lets fetching atomics touch the stack, which shows
 * a 6.18 verifier divergence (see emit_stack()).
 * Programs the verifier rejects are regenerated and counted separately.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "tests/test.h"
#include "tests/unit/interp_cases.h"
#include "core/asm.h"
#include "core/interp.h"
#include "tests/kernel/interp_diff_run.h"
#include "tests/kernel/interp_diff_gen.h"

/* ---- 1. the case table ---- */

static void test_cases_in_kernel(void)
{
	char why[128];
	size_t i, nrun = 0;

	if (!bpf_ok(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	for (i = 0; i < INTERP_NCASES; i++) {
		const struct interp_case *tc = &interp_cases[i];
		uint32_t type = tc->type ? tc->type : BPF_PROG_TYPE_SOCKET_FILTER;
		uint32_t len = interp_case_len(tc), nexit = 0, j, variant;
		struct bpf_insn insns[CASE_MAX_INSNS + 1];
		int mfd[CASE_NMAPS];
		struct interp_ctx *c = NULL;
		struct interp_prog *p = NULL;
		struct interp_input in = { .pkt = case_pkt, .pkt_len = sizeof(case_pkt) };
		struct interp_result res;
		struct kout ko;
		int fd;

		if (tc->no_kernel)
			continue;
		for (j = 0; j < CASE_NMAPS; j++)
			mfd[j] = -1;
		for (j = 0; j < len; j++)
			nexit += tc->insns[j].code == (BPF_JMP | BPF_EXIT);
		for (variant = 0; variant < 2; variant++) {
			if (variant == 1 && (nexit != 1 || tc->insns[len - 1].code !=
							   (BPF_JMP | BPF_EXIT)))
				break;
			memcpy(insns, tc->insns, len * sizeof(insns[0]));
			if (variant == 1) {
				insns[len - 1] = BPF_ALU64_IMM(BPF_RSH, BPF_REG_0, 32);
				insns[len] = BPF_EXIT_INSN();
			}
			if (tc->maps) {
				for (j = 0; j < CASE_NMAPS; j++) {
					const struct interp_map_def *d = &case_maps[j];

					LIBBPF_OPTS(bpf_map_create_opts, mopts,
						    .map_flags = d->flags);

					mfd[j] = bpf_map_create(d->type, NULL, d->key_size,
								d->value_size, d->max_entries,
								&mopts);
					if (!CHECK(mfd[j] >= 0, "%s: map create: %s", tc->descr,
						   strerror(errno)))
						goto next;
				}
				for (j = 0; j < len; j++)
					if (insns[j].code == (BPF_LD | BPF_IMM | BPF_DW) &&
					    insns[j].src_reg == BPF_PSEUDO_MAP_FD)
						insns[j].imm = mfd[insns[j].imm - CASE_ARRAY];
			}
			fd = load(type, insns, len + variant, false);
			if (!CHECK(fd >= 0, "%s: kernel rejects it: %s\n%s", tc->descr,
				   strerror(-fd), vlog))
				goto next;
			if (CHECK(krun(fd, case_pkt, sizeof(case_pkt), &ko) == 0,
				  "%s: test run: %s", tc->descr, strerror(errno))) {
				uint32_t want = variant ? (uint32_t)(tc->r0 >> 32)
							: (uint32_t)tc->r0;

				CHECK(ko.retval == want, "%s%s: kernel says 0x%x, table says 0x%x",
				      tc->descr, variant ? " (upper half)" : "", ko.retval, want);
				nrun++;
			}
			close(fd);

			/* the interpreter's output packet must be the kernel's */
			if (variant == 0) {
				c = interp_ctx__new(case_maps, CASE_NMAPS, NULL, 0);
				p = interp_prog__new(tc->insns, len, type, NULL, 0);
				if (CHECK(c && p, "%s: interp setup", tc->descr) &&
				    CHECK(interp_run(c, p, &in, &res) == 0 &&
						  res.status == INTERP_OK,
					  "%s: interp: %s", tc->descr, res.msg)) {
					CHECK(res.pkt_len == ko.len &&
						      !memcmp(res.pkt, ko.data, ko.len),
					      "%s: data_out differs: interp %u bytes, kernel %u",
					      tc->descr, res.pkt_len, ko.len);
				}
				interp_prog__free(p);
				interp_ctx__free(c);
				p = NULL;
				c = NULL;
			}
next:
			for (j = 0; j < CASE_NMAPS; j++) {
				if (mfd[j] >= 0)
					close(mfd[j]);
				mfd[j] = -1;
			}
		}
	}
	printf("interp cases confirmed by the kernel: %zu runs\n", nrun);
}

/*
 * Tail calls: a program that counts its runs in an array and tail-calls the
 * slot @slot of a prog array holding itself in slot 0: the kernel stops the
 * chain after 33 tail calls, an empty slot falls through.
 */
static void tail_chain(uint32_t slot)
{
	struct bpf_insn insns[] = {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_LD_MAP_FD(BPF_REG_1, 0),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_LD_MAP_FD(BPF_REG_2, 0),
		BPF_MOV64_IMM(BPF_REG_3, slot),
		BPF_EMIT_CALL(BPF_FUNC_tail_call),
		BPF_LD_MAP_FD(BPF_REG_1, 0),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	size_t n = sizeof(insns) / sizeof(insns[0]);
	int afd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 8, 1, NULL);
	int pfd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, NULL, 4, 4, 4, NULL);
	struct interp_map_def defs[2] = {
		{ .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1,
		  .ref = afd },
		{ .type = BPF_MAP_TYPE_PROG_ARRAY, .key_size = 4, .value_size = 4,
		  .max_entries = 4, .ref = pfd },
	};
	struct interp_input in = { .pkt = case_pkt, .pkt_len = sizeof(case_pkt) };
	struct interp_ctx *c = NULL;
	struct interp_prog *p = NULL;
	struct interp_result res;
	uint64_t kcount = 0, icount = 0;
	uint32_t zero = 0;
	struct kout ko;
	int fd = -1;

	if (!ASSERT_TRUE(afd >= 0 && pfd >= 0, "maps"))
		goto out;
	insns[2].imm = insns[15].imm = afd;
	insns[11].imm = pfd;
	fd = load(BPF_PROG_TYPE_SOCKET_FILTER, insns, n, false);
	if (!CHECK(fd >= 0, "load: %s\n%s", strerror(-fd), vlog))
		goto out;
	if (!ASSERT_OK(bpf_map_update_elem(pfd, &zero, &fd, BPF_ANY), "prog array slot 0") ||
	    !ASSERT_OK(krun(fd, case_pkt, sizeof(case_pkt), &ko), "test run"))
		goto out;
	bpf_map_lookup_elem(afd, &zero, &kcount);

	c = interp_ctx__new(defs, 2, NULL, 0);
	p = interp_prog__new(insns, n, BPF_PROG_TYPE_SOCKET_FILTER, NULL, 0);
	if (!ASSERT_OK_PTR(c, "ctx") || !ASSERT_OK_PTR(p, "prog") ||
	    !ASSERT_OK(interp_ctx__set_prog(c, 1, 0, p), "set prog"))
		goto out;
	ASSERT_OK(interp_run(c, p, &in, &res), "interp");
	interp_map_lookup(c, 0, &zero, &icount);
	CHECK(res.status == INTERP_OK && res.retval == ko.retval && icount == kcount,
	      "slot %u: kernel retval %u count %llu, interp retval %u count %llu (%s)", slot,
	      ko.retval, (unsigned long long)kcount, res.retval, (unsigned long long)icount,
	      res.msg);
	ASSERT_EQ(ko.retval, slot == 0 ? 34 : 1, "runs of the program");
out:
	interp_prog__free(p);
	interp_ctx__free(c);
	if (fd >= 0) {
		if (pfd >= 0)
			bpf_map_delete_elem(pfd, &zero); /* the slot holds the program */
		close(fd);
	}
	if (afd >= 0)
		close(afd);
	if (pfd >= 0)
		close(pfd);
}

static void test_tail_calls(void)
{
	char why[128];

	if (!bpf_ok(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	tail_chain(0);
	tail_chain(1);
}
/* ---- 2. random programs (interp_diff_gen.h) ---- */

static void test_random_programs(void)
{
	uint64_t want = env_u64("INTERP_DIFF_N", 10000), seed = env_u64("INTERP_DIFF_SEED", 1);
	uint64_t done = 0, rejected = 0, runs = 0, disagree = 0, attempts = 0, refused = 0;
	uint64_t show = env_u64("INTERP_DIFF_SHOW", 0); /* print the first N programs */

	stack_fetch = env_u64("INTERP_DIFF_STACK_FETCH", 0);
	struct interp_map_def defs[2] = {
		{ .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8,
		  .max_entries = GEN_ARRAY_N },
		{ .type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8,
		  .max_entries = GEN_HASH_N },
	};
	struct gen g = { .s = seed * 0x9e3779b97f4a7c15ULL + 1 };
	struct interp_ctx *c = NULL;
	struct map_init mi;
	struct timespec t0, t1;
	char why[128];
	int shown_rejects = 0;

	if (!bpf_ok(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	g.map_fd[0] = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 8, GEN_ARRAY_N, NULL);
	g.map_fd[1] = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, 8, GEN_HASH_N, NULL);
	if (!ASSERT_TRUE(g.map_fd[0] >= 0 && g.map_fd[1] >= 0, "map create"))
		goto out;
	defs[0].ref = g.map_fd[0];
	defs[1].ref = g.map_fd[1];
	c = interp_ctx__new(defs, 2, NULL, 0);
	if (!ASSERT_OK_PTR(c, "ctx"))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < want && attempts < want * 4) {
		uint32_t type, k;
		char msg[256];
		struct interp_prog *p;
		int fd;

		attempts++;
		k = rn(&g, 3);
		g.xdp = k == 0;
		g.tc = k == 2;
		type = g.xdp ? BPF_PROG_TYPE_XDP : g.tc ? BPF_PROG_TYPE_SCHED_CLS
						 : BPF_PROG_TYPE_SOCKET_FILTER;
		if (generate(&g))
			continue;
		fd = load(type, g.ins, g.n, false);
		if (fd < 0) {
			rejected++;
			if (shown_rejects++ < 3 || test_env.verbose) {
				size_t l = strlen(vlog);

				fprintf(stderr, "  rejected by the verifier (%s), log tail:\n%s\n",
					strerror(-fd), vlog + (l > 600 ? l - 600 : 0));
			}
			continue;
		}
		p = interp_prog__new(g.ins, g.n, type, msg, sizeof(msg));
		if (!CHECK(p != NULL, "interp rejects a program the kernel loaded: %s", msg)) {
			print_prog(g.ins, g.n);
			close(fd);
			disagree++;
			break;
		}
		for (k = 0; k < 2; k++) {
			uint8_t pkt[PKT_MAX];
			struct interp_input in = { 0 };
			struct interp_result res;
			static struct kout ko;
			bool same;
			int err;

			random_packet(&g, pkt, &in.pkt_len);
			in.pkt = pkt;
			random_maps(&g, &mi);
			in.elems = mi.elems;
			in.nelems = mi.n;
			if (!CHECK(kernel_maps_set(g.map_fd, &mi) == 0, "map setup: %s",
				   strerror(errno)))
				break;
			err = krun_ctx(fd, pkt, in.pkt_len, &ko, !g.xdp);
			interp_run(c, p, &in, &res);
			runs++;
			if (err) { /* the input itself refused: both must refuse it */
				if (CHECK(err == -EINVAL && res.status == INTERP_BAD_INPUT,
					  "test run (%s, %u bytes): kernel %s, interp status %d %s",
					  type_name(&g), in.pkt_len,
					  strerror(-err), res.status, res.msg)) {
					refused++;
					continue;
				}
				kh_print_bytes("input packet", pkt, in.pkt_len);
				disagree++;
				continue;
			}
			if (done < show) {
				fprintf(stderr, "program %llu (%s), packet %u bytes: kernel 0x%x, "
					"interp 0x%x, %llu insns\n", (unsigned long long)done,
					type_name(&g), in.pkt_len, ko.retval,
					res.retval, (unsigned long long)res.insns);
				if (k == 0)
					print_prog(g.ins, g.n);
			}
			same = res.status == INTERP_OK && res.retval == ko.retval &&
			       res.pkt_len == ko.len && !memcmp(res.pkt, ko.data, ko.len);
			if (same && !g.xdp) /* the writable fields ctx_out reports */
				same = res.skb && res.skb->mark == ko.skb.mark &&
				       res.skb->priority == ko.skb.priority &&
				       !memcmp(res.skb->cb, ko.skb.cb, sizeof(ko.skb.cb));
			if (same && maps_compare(g.map_fd, c) == 0)
				continue;
			disagree++;
			if (disagree <= 3) {
				fprintf(stderr, "DISAGREEMENT (program %llu, %s, seed %llu):\n",
					(unsigned long long)done,
					type_name(&g), (unsigned long long)seed);
				fprintf(stderr, "  kernel: retval 0x%x, data_out %u bytes\n",
					ko.retval, ko.len);
				fprintf(stderr, "  interp: status %d %s retval 0x%x (r0 0x%llx), "
					"data_out %u bytes\n", res.status, res.msg, res.retval,
					(unsigned long long)res.r0, res.pkt_len);
				print_prog(g.ins, g.n);
				kh_print_bytes("input packet", pkt, in.pkt_len);
				if (res.pkt_len != ko.len || memcmp(res.pkt, ko.data, ko.len)) {
					kh_print_bytes("kernel data_out", ko.data, ko.len);
					kh_print_bytes("interp data_out", res.pkt, res.pkt_len);
				}
			}
		}
		interp_prog__free(p);
		close(fd);
		done++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("interp vs kernel: %llu random programs (%llu runs, %llu inputs refused by both), "
	       "%llu disagreements, %llu rejected by the verifier (%.1f%%), seed %llu, %.1f s\n",
	       (unsigned long long)done, (unsigned long long)runs, (unsigned long long)refused,
	       (unsigned long long)disagree,
	       (unsigned long long)rejected, attempts ? 100.0 * rejected / attempts : 0.0,
	       (unsigned long long)seed,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	ASSERT_EQ(disagree, 0, "disagreements");
	ASSERT_EQ(done, want, "programs run");
	ASSERT_TRUE(rejected * 20 <= attempts, "at most 5% rejected by the verifier");
out:
	interp_ctx__free(c);
	if (g.map_fd[0] >= 0)
		close(g.map_fd[0]);
	if (g.map_fd[1] >= 0)
		close(g.map_fd[1]);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_cases_in_kernel);
	RUN_TEST(test_tail_calls);
	RUN_TEST(test_random_programs);
	return test_summary("test_interp_diff");
}
