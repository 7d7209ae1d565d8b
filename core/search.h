/* SPDX-License-Identifier: MIT */
/*
 * core/search: stochastic search for a cheaper, equivalent window.
 *
 * A window is a stretch [start, start + len) of a program entered only at
 * start, with no calls, exits, LD_IMM64 or LD_ABS/LD_IND inside.  Either it
 * is straight-line code of one basic block, whose last instruction may be the
 * conditional jump that ends the block (the tail), when it compares scalars;
 * or it is a region: forward jumps inside (`ja`, or conditional ones on
 * scalars) each landing on a later instruction of the window or at its end,
 * which every path reaches -- clang's selects and if/else arms.  A rewrite
 * keeps a tail's jump offset and may change its condition and operands; it
 * must take the same branch as the original on every input, with the
 * registers and stack bytes live on either way the same.  A rewrite of a
 * region may change, re-aim (inside the window) or remove its jumps; it must
 * end in the same state on every input.
 * search_window() runs K2-style Markov-chain Monte Carlo over rewrites of it
 * of the same length (instructions the rewrite removes become `ja +0`, which
 * the verifier deletes, so jump offsets and BTF line info stay valid):
 *
 *   moves     change an operand (of a jump too: its condition, or in a
 *             region where inside the window it lands); replace one
 *             instruction; replace two
 *             consecutive ones; delete one (make it `ja +0`); change a memory
 *             access's width, or merge two adjacent narrow stores or loads
 *             into one wide one; rebase a memory access onto another
 *             register into the same region (the distance, on a test
 *             state, folded into the offset);
 *   cost      error on test cases + performance.  A test case is a concrete
 *             state at the window's entry (registers, stack, and the bytes
 *             of the packet, ctx and map values the window can reach), made
 *             at random within what core/analysis proves, plus every
 *             counterexample core/smt returns; error counts the bits of the
 *             live-out registers, live stack bytes and all non-stack memory
 *             that differ from the original window's, and a fault where the
 *             original has none.  Performance is search_insn_cost() summed;
 *   accept    Metropolis: always when the cost does not grow, else with
 *             probability exp(-beta * increase);
 *   chains    several, one after another, with different beta and move
 *             mixes, each restarted from the original when stuck.
 *
 * A candidate with zero error that is cheaper than the best so far goes to
 * smt_check_window() under the window's pre- and post-conditions
 * (search_window_cond()).  Only EQUIVALENT is kept; DIFFERENT adds the
 * counterexample to the tests; UNKNOWN drops the candidate.  Everything is
 * deterministic given the seed (and no deadline).
 *
 * Nothing here touches files, fds or the kernel.
 */
#ifndef BPFSYNTH_CORE_SEARCH_H
#define BPFSYNTH_CORE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "core/analysis.h"
#include "core/prog.h"
#include "core/smt.h"

#define SEARCH_MAX_WINDOW 16
#define SEARCH_MAX_ALTS 4

struct search_window {
	uint32_t start;
	uint32_t len;
};

struct search_params {
	uint64_t seed;
	uint64_t max_proposals;	  /* per chain; 0: a default */
	uint32_t chains;	  /* 0: a default */
	uint32_t ntests;	  /* random test states; 0: a default */
	double deadline;	  /* CLOCK_MONOTONIC seconds to stop at; 0: none */
	const volatile int *stop; /* stop early when it becomes non-zero; may be NULL */
};

struct search_stats {
	uint64_t proposals, accepted;
	uint64_t zero_error;	/* candidates that passed every test */
	uint64_t smt_queries, smt_equivalent, smt_different, smt_unknown;
	uint32_t tests;		/* test states at the end (random + counterexamples) */
	double seconds;
};

struct search_result {
	/* The best proven rewrite (the original window if none): @len insns, NOPs as ja +0. */
	struct bpf_insn insns[SEARCH_MAX_WINDOW];
	uint32_t len;
	uint32_t cost_before, cost_after; /* search_insn_cost() summed */
	bool improved;			  /* proven EQUIVALENT and cheaper */
	/*
	 * Other proven rewrites, dearer than @insns but cheaper than the
	 * window, cheapest first (the bests the search found before its
	 * last): what the driver tries when a judge refuses @insns -- the
	 * kernel's verifier may make a rewrite with fewer instructions
	 * larger, e.g. when a merged store hides a constant map key.
	 */
	struct bpf_insn alts[SEARCH_MAX_ALTS][SEARCH_MAX_WINDOW];
	uint32_t nalts;
	struct search_stats stats;
};

/* The no-op a removed instruction becomes: ja +0. */
bool search_insn_is_nop(const struct bpf_insn *in);
/* A conditional jump (JMP or JMP32, an op that compares): what a tail may be. */
bool search_is_tail(const struct bpf_insn *in);
/*
 * What one instruction costs: its latency on this kernel's JIT by the model
 * in search_cost.c, in the model's units (0 for a NOP).  Never 0 otherwise,
 * so fewer instructions is always cheaper when latencies tie.
 */
uint32_t search_insn_cost(const struct bpf_insn *in);
/* Sum over @insns[0..@len) (LD_IMM64 counted once). */
uint32_t search_cost(const struct bpf_insn *insns, size_t len);

/*
 * The pre-conditions (register types and offsets at @start, from @a's state
 * there) and post-conditions (registers and stack bytes live after
 * @start + @len - 1) of a window of the program @a analysed.  0, or -ENOENT
 * if @start is unreachable, -EINVAL if the window is not one.
 */
int search_window_cond(const struct prog *p, const struct analysis *a, uint32_t start,
		       uint32_t len, struct smt_window_cond *c);

/*
 * The windows of @p worth searching, in program order: maximal stretches of
 * reachable straight-line instructions of at most @maxlen (longer stretches
 * are cut into overlapping pieces), the last piece of a stretch with the
 * conditional jump after it as its tail where that jump compares scalars
 * (one piece more when the last is full).  Fills @out[0..@max); returns how
 * many there are (may exceed @max).
 */
size_t search_windows(const struct prog *p, const struct analysis *a, uint32_t maxlen,
		      struct search_window *out, size_t max);

/*
 * The regions of @p, in program order (by start): around each forward jump
 * that can be in one, up to three instructions before it, what it jumps
 * over, and what follows while the region fits in @maxlen (at least 3).
 * Fills and returns like search_windows().
 */
size_t search_regions(const struct prog *p, const struct analysis *a, uint32_t maxlen,
		      struct search_window *out, size_t max);

/*
 * Search for a cheaper rewrite of @p's window [@start, @start + @len), @a
 * being @p analysed under the program type and maps of @env.  @smt is the
 * calling thread's checker.  0 with the result in @res (res->improved says
 * whether anything was found), or -errno (-EINVAL: not a window).
 */
int search_window(const struct prog *p, const struct analysis *a, const struct smt_env *env,
		  struct smt_ctx *smt, uint32_t start, uint32_t len,
		  const struct search_params *sp, struct search_result *res);

/*
 * Prove the rewrite @rw of @p's window [@start, @start + @len) exactly as the
 * search proves its candidates (the same pre-conditions, prefix of known
 * scalar values, handling of NOPs and of a rewrite that deletes
 * everything): what a driver calls to re-check a search result against the
 * program as it is now.  0 with the verdict in @res, or -errno.
 */
int search_recheck(const struct prog *p, const struct analysis *an, const struct smt_env *env,
		   struct smt_ctx *smt, uint32_t start, uint32_t len, const struct bpf_insn *rw,
		   struct smt_result *res);

#endif
