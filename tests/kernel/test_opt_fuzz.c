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
 * array map lookup whose value is read and written, early exits that read
 * one or two scalars (a region's ways out, with registers live on one way
 * only), and a return value folded from every scalar register.  Programs
 * the kernel does not load are made again.
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
 * (program 46 of seed 1, that run).  With a region's ways out taken as
 * reading no register (a scratch build), ten whole-program checks of seed
 * 1's hundred programs refuted their results and two programs returned
 * other values in the kernel.  With the register that tells which way a
 * region left by not compared, seed 3 had three refuted and seed 4 one and
 * a program that returned another value, seeds 1 and 2 nothing: the
 * search's tests take the same ways as the original, so only a wrong way
 * on an input no test had can get through.  What it cannot: a decision
 * negated on one side only (no `invert`) makes only a negated jump
 * provable, which every test state of the search refutes before the solver
 * sees it.
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
#include "tests/kernel/opt_fuzz_gen.h"
#include "tests/test.h"
#include "tests/unit/insn_macros.h"

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
	uint32_t programs, rejected, changed, windows, tails, tail_progs, regions, ways_out, runs, diffs;
	uint32_t judge_calls, judge_refused, whole_eq, whole_unknown, whole_diff;
	double opt_seconds;
};

static bool tail_changed(const struct bpf_insn *a, const struct bpf_insn *b)
{
	return search_is_tail(a) && memcmp(a, b, sizeof(*a));
}

/* Rewritten windows that held a jump before their last instruction (regions). */
static uint32_t regions_rewritten(const struct bpf_insn *orig, const struct opt_result *res)
{
	uint32_t k, i, n = 0;

	for (k = 0; k < res->nwindows; k++) {
		const struct opt_window_rec *w = &res->windows[k];

		for (i = w->start; i + 1 < w->start + w->len; i++)
			if (prog_insn_is_jump(&orig[i]) && !search_insn_is_nop(&orig[i]))
				break;
		n += i + 1 < w->start + w->len;
	}
	return n;
}

/* Rewritten windows with a jump past their end before their last instruction (ways out). */
static uint32_t ways_out_rewritten(const struct bpf_insn *orig, const struct opt_result *res)
{
	uint32_t k, i, n = 0;

	for (k = 0; k < res->nwindows; k++) {
		const struct opt_window_rec *w = &res->windows[k];

		for (i = w->start; i + 1 < w->start + w->len; i++)
			if (prog_insn_is_jump(&orig[i]) && !search_insn_is_nop(&orig[i]) &&
			    !prog_insn_is_call(&orig[i]) && !prog_insn_is_exit(&orig[i]) &&
			    prog_jump_target(orig, i) > (int64_t)(w->start + w->len))
				break;
		n += i + 1 < w->start + w->len;
	}
	return n;
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
			st.regions += regions_rewritten(g->insns, &res);
			st.ways_out += ways_out_rewritten(g->insns, &res);
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
		"%u changed by the optimizer, %u windows rewritten (%u with jumps inside, %u of them "
		"with jumps past their end), %u tail "
		"jumps changed in %u programs, whole-program proof %u equivalent / %u not made / %u refuting; %u "
		"runs, %u differences; judge: %u loads, %u refused; %.1f s (%.1f s optimizing, "
		"budget "
		"%.2f s)\n",
		(unsigned long long)seed, st.programs, st.rejected, st.changed, st.windows,
		st.regions, st.ways_out, st.tails, st.tail_progs, st.whole_eq, st.whole_unknown, st.whole_diff, st.runs,
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
	CHECK(st.programs < 20 || st.regions > 0, "no window with jumps inside rewritten in %u programs",
	      st.programs);
	CHECK(st.programs < 20 || st.ways_out > 0,
	      "no window with jumps past its end rewritten in %u programs", st.programs);
	close(g->map_fd);
	free(g);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_opt_fuzz);
	return test_summary("test_opt_fuzz");
}
