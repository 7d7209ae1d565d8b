/* SPDX-License-Identifier: MIT */
/*
 * core/search internals: the concrete executor that scores candidates on
 * test states (search_exec.c), the moves (search_moves.c), and the PRNG.
 */
#ifndef BPFSYNTH_CORE_SEARCH_INTERNAL_H
#define BPFSYNTH_CORE_SEARCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "core/analysis.h"
#include "core/search.h"
#include "core/smt.h"

/* ---- PRNG: splitmix64, one per search (no shared state) ---- */

static inline uint64_t sx_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0); the bias of the modulo does not matter here. */
static inline uint32_t sx_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(sx_rand(s) % n);
}

/* ---- the executor ---- */

#define SX_STACK 512
#define SX_CTX_SIZE 256		    /* ctx bytes a window may touch (as smt_cex.ctx) */
#define SX_PKT_MAX SMT_CEX_PKT_MAX  /* packet bytes a test carries */
#define SX_MAP_VALUE_MAX 4096	    /* larger values are not searched */
#define SX_CTX_ACCESSES 16

/* Register and spill-slot tags. */
enum sx_tag {
	SX_NONE = 0, /* not readable */
	SX_SCALAR,
	SX_CTX,
	SX_STK,
	SX_PKT,
	SX_PKT_END,
	SX_MAPVAL, /* + map index in sx_reg.map */
};

/* A value: a scalar, or a pointer as its region and the offset into it. */
struct sx_reg {
	uint64_t v;
	uint8_t tag;
	uint8_t map;
};

/*
 * A machine state.  mem holds, in order: the stack (fp-512 .. fp-1), the ctx,
 * the value of each map a register points into at entry, and the packet
 * (pkt_len bytes); only the first sx_env.pkt_off + pkt_len bytes are used.
 */
struct sx_state {
	struct sx_reg r[11];
	uint8_t stag[SX_STACK / 8]; /* per slot: 0, or the tag of a spilled pointer */
	uint8_t smap[SX_STACK / 8];
	uint64_t sinit[SX_STACK / 64]; /* bit per stack byte: written */
	uint64_t sdirty; /* bit per stack slot: stored to by the run (what may differ) */
	bool mdirty;	 /* the run stored to ctx, packet or a map value */
	uint32_t pkt_len;
	int status; /* SX_OK, SX_FAULT, SX_UNSUP after a run */
	int taken;  /* a window's final conditional jump: 1 taken, 0 not; -1 none */
	uint16_t path; /* bit i: the jump at window index i was taken (its path) */
	uint16_t exit; /* the way out taken: 0 the end, else a jump's t - len (search_exits()) */
	uint8_t mem[];
};

enum { SX_OK = 0, SX_FAULT = 1, SX_UNSUP = 2 };

struct sx_ctx_access {
	int32_t off;
	uint8_t size;
	bool write;
};

/* What stays the same for every run of one window. */
struct sx_env {
	uint32_t prog_type;
	const struct interp_map_def *maps;
	uint32_t nmaps;
	uint32_t ctx_off, pkt_off;
	uint32_t mv_off[SMT_MAX_MAPS];
	size_t state_size; /* sizeof(struct sx_state) + pkt_off + SX_PKT_MAX */
	/*
	 * ctx accesses the original window makes: a candidate may make only these
	 * (which fields a program type may touch, at which sizes, is the
	 * verifier's business; the original passed it).
	 */
	struct sx_ctx_access ctx_acc[SX_CTX_ACCESSES];
	uint32_t nctx_acc;
	bool pkt_write; /* the original writes the packet: a candidate may */
	bool record; /* running the original: record ctx accesses, allow uninit stack reads */
	uint16_t var_want; /* search_var_ptrs()'s @want: what the original window reads */
	uint16_t scratch_live; /* and its @live: live after, and not written by the original */
	const struct smt_window_cond *cond;
	/*
	 * For sx_error: bit i set when stack slot i has a live byte
	 * (cond->live_stack), and per slot a mask of its live bytes as the slot's
	 * 8 bytes read as a u64.
	 */
	uint64_t live_slots;
	uint64_t live_slot_mask[SX_STACK / 8];
};

/*
 * Run @insns[0..@len) on @st in place; st->status says how it ended.  The
 * last instruction may be a conditional jump on scalars (a window's tail,
 * search_is_tail()): st->taken is its decision.
 */
void sx_run(struct sx_env *e, const struct bpf_insn *insns, uint32_t len, struct sx_state *st);
/* One ALU instruction on @st's registers (st->status says whether it faulted). */
void sx_alu(const struct bpf_insn *in, struct sx_state *st);
/* Copy a state (only the used part of mem). */
void sx_copy(const struct sx_env *e, struct sx_state *dst, const struct sx_state *src);
/*
 * How much @b (a candidate's final state) differs from @a (the original's):
 * bits of live-out registers, live stack bytes and all non-stack memory;
 * SX_FAULT_ERR for a fault, another decision of the final jump, a live
 * register of another type, a live slot that holds another spilled pointer.  Stops counting above @limit.
 */
#define SX_FAULT_ERR 256
uint32_t sx_error(const struct sx_env *e, const struct sx_state *a, const struct sx_state *b,
		  uint32_t limit);

/* Fill @st with a random state within what @as (the analysis at entry) and @c say. */
void sx_random_state(const struct sx_env *e, const struct analysis_state *as,
		     const struct smt_window_cond *c, uint64_t *rng, struct sx_state *st);
/* Resize the packet of @st (its bytes stay; data_end registers follow). */
void sx_set_pkt_len(struct sx_state *st, uint32_t len);
/* A state from a counterexample of core/smt (random where it says nothing). */
void sx_cex_state(const struct sx_env *e, const struct analysis_state *as,
		  const struct smt_window_cond *c, const struct smt_cex *cx, uint64_t *rng,
		  struct sx_state *st);

/* ---- the solver's view (search_window.c) ---- */

/*
 * @w[0..@len) without its NOPs into @out, jumps inside re-aimed at the same
 * instructions; returns how many are left.
 */
uint32_t search_strip(const struct bpf_insn *w, uint32_t len, struct bpf_insn *out);
/*
 * A jump a window may hold before its end: `ja` (not +0) or a conditional
 * one, going forward to an instruction of the window or to its end.
 */
bool search_is_inner_jump(const struct bpf_insn *in);
/*
 * A window's ways out: a jump (other than a tail) to t > @len leaves it,
 * way t - @len; the end is way 0.  The ways as @ids[0] = 0, @ids[1..n)
 * (@ids may be NULL); returns n, or 0 with no jump past the end, -1 with
 * more than SMT_MAX_WEXITS - 1 places past it.
 */
int search_exits(const struct bpf_insn *w, uint32_t len, uint16_t ids[SMT_MAX_WEXITS]);

#define SEARCH_PREFIX_MAX 40 /* two slots for each of r0..r9, three per variable pointer */

/*
 * Pointers at a variable offset the solver can take: packet and map value
 * pointers whose variable part's known bits fit an immediate, up to
 * SEARCH_VAR_MAX of them.  Each gets a scratch register, one that is not
 * initialized at the window's entry and not in @live (the registers live
 * after the window that the original does not write): the original window
 * does not read it before writing it (the verifier saw to that), a rewrite
 * that does is refused, and what it holds after the window does not matter
 * -- or, live after, is what the original writes there, which a rewrite
 * must write too (search_check_rewrite() refuses one that does not).  The window's
 * conditions describe the pointer at its fixed offset and the scratch as a
 * scalar, and the prefix makes the scratch the variable part (`rS &= mask;
 * rS |= value`) and adds it (`rP += rS`) -- every variable part the
 * analysis allows, each pointer its own (an over-approximation where two
 * share one).  Only pointers in @want (the registers the original window
 * reads before writing them: the conditions, the prefix and the tests must
 * all use the same).  Sets @scratch[P] = S for each such P; returns the mask
 * of P.
 */
#define SEARCH_VAR_MAX 3
uint16_t search_var_ptrs(const struct analysis_state *as, uint16_t want, uint16_t live,
			 uint8_t scratch[11]);
/* The registers the window @w[0..@n) reads before writing them (NOPs skipped). */
uint16_t search_reads_first(const struct bpf_insn *w, uint32_t n);

/*
 * The solver's pre-conditions are register types; what core/analysis knows
 * of the scalars' values at the window's entry @as (constants, known bits)
 * becomes a prefix of instructions that changes no value the registers can
 * hold there: `rX = K` for a constant, `rX &= mask; rX |= value` for known
 * bits.  Checking prefix + A against prefix + B under @c is then checking
 * A against B on the states that can occur.  Only registers in @regs (those
 * the windows read before writing, and those live after them); the
 * variable parts of the pointers in
 * @var_want (search_var_ptrs()).  Writes up to SEARCH_PREFIX_MAX insns
 * to @out; returns how many.  A caller that re-checks a search result must
 * use the same prefix.
 */
uint32_t search_window_prefix(const struct analysis_state *as, const struct smt_window_cond *c,
			      uint16_t regs, uint16_t var_want, uint16_t scratch_live,
			      struct bpf_insn *out);
/* The registers @w[0..@n) writes (NOPs skipped). */
uint16_t search_writes(const struct bpf_insn *w, uint32_t n);

/*
 * Check the rewrite @rw of the window @orig (both @len instructions, NOPs as
 * ja +0) exactly as the search proves its candidates: NOPs stripped, the
 * verifier's structural checks on @rw, the prefix above, registers the
 * solver cannot read at entry and neither window writes not compared, and
 * a rewrite that deletes everything checked as a write of a dead register.
 * @as and @cond: the analysis state and search_window_cond() at the
 * window's start.  0 with the verdict in @res, or -errno.
 */
int search_check_rewrite(struct smt_ctx *smt, const struct smt_env *env,
			 const struct analysis_state *as, const struct smt_window_cond *cond,
			 const struct bpf_insn *orig, const struct bpf_insn *rw, uint32_t len,
			 struct smt_result *res);
/* The same from the program: what a driver that re-checks a search result calls. */
int search_recheck(const struct prog *p, const struct analysis *an, const struct smt_env *env,
		   struct smt_ctx *smt, uint32_t start, uint32_t len, const struct bpf_insn *rw,
		   struct smt_result *res);

/*
 * Straight-line code that leaves in rS (@scratch[0]) whether the conditional
 * jump @j is taken, 1 or 0, using rT and rU (@scratch[1], [2]) as well; it
 * reads only @j's operands.  At most SEARCH_DECISION_MAX instructions to
 * @out; returns how many.
 */
#define SEARCH_DECISION_MAX 16
uint32_t search_tail_decision(const struct bpf_insn *j, const uint8_t scratch[3],
			      struct bpf_insn *out);

/* ---- moves ---- */

struct sx_pool {
	int32_t imms[64];
	uint32_t nimms;
	int16_t offs[32];
	uint32_t noffs;
	uint8_t regs[11]; /* registers worth using */
	uint32_t nregs;
	uint8_t bases[11]; /* registers that hold pointers at entry (and r10) */
	uint32_t nbases;
};

/* Whether the window can be searched at all (no atomics, ...). */
bool sx_insn_searchable(const struct bpf_insn *in);
/* Change @w[0..@len) by one random move; false if the move did nothing. */
bool sx_propose(const struct sx_pool *pool, uint64_t *rng, struct bpf_insn *w, uint32_t len,
		uint32_t mix);
/* The op of `if b OP' a` that is `if a OP b` (JGT <-> JLT, ...). */
uint8_t sx_mirror_op(uint8_t op);
/*
 * Change a window's final conditional jump (its op, width, operands; never
 * its offset) by one random move; false if the move did nothing.
 */
bool sx_tail_move(const struct sx_pool *pool, uint64_t *rng, struct bpf_insn *j);
/* Try to merge two stores of immediates into one wider store; false if none. */
bool sx_merge_stores(uint64_t *rng, struct bpf_insn *w, uint32_t len);

#endif
