/* SPDX-License-Identifier: MIT */
/*
 * core/optimize: the driver.  A program and its context in; the best proven
 * program, the proof record and statistics out, within a time budget.
 *
 * The result always has the input's length: removed instructions become
 * `ja +0` (the verifier deletes them for privileged loads, fixing up BTF line
 * info), so jump offsets, BPF-to-BPF calls, func_info and line_info of the
 * input stay valid for the output.
 *
 * Algorithm: analyse the program, list its windows (search_windows()), search
 * them (search_window(), on @jobs threads, each with its own smt_ctx), then
 * commit the improvements one at a time in program order: each is re-checked
 * (search_recheck() under the conditions of the program as it is at that
 * point, re-analysed after every commit), the whole candidate must pass
 * core/safety (or, for an input the model already rejects, add no
 * rejection), and the judge, when there is one, must accept it and not
 * report it larger; if one of these refuses the best rewrite of a window,
 * the search's other proven rewrites are tried.  Proofs compose by
 * transitivity: every committed program is equivalent to the one before it.
 * Rounds repeat while the budget lasts, searching harder after a round that
 * committed nothing, up to a limit.  At the end a changed program is checked
 * whole against the input (smt_check_prog()): DIFFERENT returns the input
 * unchanged (the window proofs and the whole check disagree: a bug);
 * UNKNOWN (loops, BPF-to-BPF calls, helpers or maps the encoder does not
 * model, a timeout) leaves the result resting on the window proofs, and
 * says so in whole_msg.
 *
 * Never returns a program that costs more, is unproven, or is less safe by
 * the model than the input: the input itself is a valid answer.
 */
#ifndef BPFSYNTH_CORE_OPTIMIZE_H
#define BPFSYNTH_CORE_OPTIMIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "core/interp.h"
#include "core/search.h"
#include "core/smt.h"

/* The program's context. */
struct opt_env {
	uint32_t prog_type;			/* enum bpf_prog_type */
	uint32_t expected_attach_type;		/* enum bpf_attach_type the loader gives (0: none) */
	const struct interp_map_def *maps;	/* as LD_IMM64 names them (ref), with flags */
	uint32_t nmaps;
	/*
	 * NULL, or a byte per instruction: non-zero at the start of each
	 * subprogram known to be static (analysis_env.static_fn); calls to the
	 * others are analysed as calls the verifier cannot see through (an
	 * freplace program may replace a global function).
	 */
	const uint8_t *static_fn;
	uint32_t static_fn_len;
};

/*
 * Asked before each commit, with the whole candidate: 0 and what it costs
 * (e.g. the kernel's xlated instruction count) in *@cost, or < 0 if the
 * candidate must not be used (e.g. the kernel rejected it).  Called from the
 * thread that called opt_optimize(), never concurrently.
 */
typedef int (*opt_judge_fn)(void *arg, const struct bpf_insn *insns, size_t len,
			    uint64_t *cost);

struct opt_progress {
	double elapsed, budget;	  /* seconds */
	uint32_t insns_before;	  /* real instructions (no ja +0) */
	uint32_t insns_best;	  /* of the best committed program so far */
	uint32_t windows_done, windows_total; /* of the current round */
	uint32_t round;
};
typedef void (*opt_progress_fn)(void *arg, const struct opt_progress *p);

struct opt_params {
	double budget;		  /* seconds; 0: 10 */
	unsigned int jobs;	  /* threads; 0: 1 */
	uint64_t seed;
	uint32_t max_window;	  /* 0: a default; at most SEARCH_MAX_WINDOW */
	uint32_t smt_timeout_ms;  /* per query; 0: a default */
	uint32_t efforts;	  /* search effort levels to go through (x4 each); 0: 4 */
	opt_judge_fn judge;	  /* NULL: no judge */
	void *judge_arg;
	opt_progress_fn progress; /* NULL: none; called from the calling thread */
	void *progress_arg;
	/*
	 * NULL, or one byte per instruction: non-zero ones must stay as they are
	 * (instructions a loader patches, code shared with other programs); no
	 * window touches them.
	 */
	const uint8_t *frozen;
};

/* One committed rewrite, in commit order. */
struct opt_window_rec {
	uint32_t start, len;
	uint32_t insns_before, insns_after;	/* real instructions in the window */
	uint32_t cost_before, cost_after;	/* search_insn_cost() units */
	uint32_t round;
};

struct opt_result {
	struct bpf_insn *insns;		/* malloc'd; the input's length */
	uint32_t len;
	uint32_t insns_before, insns_after; /* real instructions (no ja +0) */
	uint32_t cost_before, cost_after;
	bool judged;			/* the judge ran on the input and the output */
	uint64_t judge_before, judge_after;
	struct opt_window_rec *windows; /* malloc'd */
	uint32_t nwindows;
	/*
	 * The whole-program check of the output against the input: EQUIVALENT,
	 * or UNKNOWN with the reason in @whole_msg when the program has loops or
	 * calls (the windows' proofs then stand alone) or nothing changed.
	 */
	enum smt_verdict whole;
	bool whole_checked;
	char whole_msg[SMT_MSG_SIZE];
	uint32_t rounds;
	uint32_t rejected_safety, rejected_judge, rejected_recheck;
	struct search_stats stats;	/* summed over every window searched */
	double seconds;
	char msg[256];			/* why the input came back unchanged, if it did */
};

/*
 * Optimize @insns[0..@len).  0 with the result in @res (possibly the input
 * unchanged, with the reason in res->msg), or -errno with the reason in
 * res->msg (-EINVAL: not a valid program).  opt_result__free() in both cases.
 */
int opt_optimize(const struct bpf_insn *insns, size_t len, const struct opt_env *env,
		 const struct opt_params *pp, struct opt_result *res);
void opt_result__free(struct opt_result *res);

/* Real instructions: all but ja +0 (LD_IMM64 counts 2, as the kernel does). */
uint32_t opt_count_insns(const struct bpf_insn *insns, size_t len);

#endif
