/* SPDX-License-Identifier: MIT */
/*
 * core/smt: Z3 proofs that two BPF programs (or two windows of one) behave
 * the same, and concrete counterexamples when they do not.
 *
 * One struct smt_ctx per thread: it owns a Z3 context and one solver that
 * every check reuses with push/pop, and a cache of window verdicts.  A check
 * answers SMT_EQUIVALENT only with a proof; SMT_DIFFERENT only with a
 * counterexample that core/interp, run on both programs, confirms; anything
 * else (timeout, a construct the encoding does not model, a counterexample
 * the interpreter does not confirm) is SMT_UNKNOWN with the reason in the
 * result's message.
 */
#ifndef BPFSYNTH_CORE_SMT_H
#define BPFSYNTH_CORE_SMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "core/interp.h"

#define SMT_MAX_MAPS 16
#define SMT_MAX_EVENTS 16    /* helper calls per path */
#define SMT_MAX_WEXITS 5     /* a window's ways out: its end and 4 jump targets past it */
#define SMT_CEX_PKT_MAX 1536 /* packet bytes a counterexample carries */
#define SMT_CEX_MAX_ELEMS 8
#define SMT_MSG_SIZE 256

enum smt_verdict {
	SMT_EQUIVALENT = 0,
	SMT_DIFFERENT = 1,
	SMT_UNKNOWN = 2,
};

/* The environment both programs run in. */
struct smt_env {
	uint32_t prog_type; /* enum bpf_prog_type: the width of r0 and the ctx layout */
	const struct interp_map_def *maps; /* LD_IMM64 map references name these by ref */
	uint32_t nmaps;
	/*
	 * false: K2's region encoding -- each memory region its own array, stack
	 * bytes at constant offsets as plain terms.  true: one flat array for
	 * all memory, addressed by full 64-bit pointer values (for comparison).
	 */
	bool plain;
};

/* Register types at a window's entry (what core/analysis will provide). */
enum smt_reg_type {
	SMT_REG_NONE = 0,  /* not readable */
	SMT_REG_SCALAR,	   /* any 64-bit value */
	SMT_REG_SCALAR32,  /* a scalar whose upper 32 bits are zero */
	SMT_REG_CTX,	   /* the ctx pointer (+ off) */
	SMT_REG_STACK,	   /* frame pointer + off */
	SMT_REG_PKT,	   /* packet data + off */
	SMT_REG_PKT_END,   /* data_end */
	SMT_REG_MAP_VALUE, /* a non-NULL pointer to a value of map @map, + off */
};

struct smt_reg_desc {
	uint8_t type;  /* enum smt_reg_type */
	uint8_t map;
	uint8_t known; /* SCALAR, SCALAR32: the value is @value (core/analysis proves it) */
	int32_t off;
	uint64_t value;
};

/* Pre- and post-conditions of a window. */
struct smt_window_cond {
	struct smt_reg_desc regs[11]; /* at entry; r10 should be SMT_REG_STACK, off 0 */
	uint16_t live_regs;	      /* bit i: ri is read after the window */
	uint8_t live_stack[64];	      /* bit i of byte j: stack byte fp-512+8j+i is live */
	/*
	 * A window with ways out other than its end (jumps past it): after
	 * both windows r@exit_reg holds the way each took, exit_id[k] (0 for
	 * the end), and register i is compared only where the way taken has
	 * bit i in exit_live[k].  live_regs is their union, with exit_reg.
	 * nexits 0: one way out, live_regs throughout.  The windows end in
	 * the same @ways_len instructions that set r@exit_reg (`rX = id`, one
	 * per way, jumps to them from where a way leaves): there `rX = id`
	 * also leaves the registers way id does not read unreadable, so that
	 * what a path that leaves by it did to them does not count.
	 */
	uint8_t nexits;
	uint8_t exit_reg;
	uint8_t ways_len;
	uint16_t exit_id[SMT_MAX_WEXITS];
	uint16_t exit_live[SMT_MAX_WEXITS];
};

/* A counterexample: one concrete input on which the programs differ. */
struct smt_cex {
	uint64_t regs[11];  /* window checks: register values at entry */
	uint8_t stack[512]; /* window checks: stack at entry (fp-512 .. fp-1) */
	uint8_t pkt[SMT_CEX_PKT_MAX];
	uint32_t pkt_len;
	bool pkt_truncated; /* the model's packet is longer than SMT_CEX_PKT_MAX */
	uint8_t ctx[256];   /* ctx bytes the programs may read (non-pointer fields) */
	uint32_t ctx_size;
	uint64_t helper_ret[SMT_MAX_EVENTS]; /* result of the k-th helper call */
	int32_t helper_id[SMT_MAX_EVENTS];   /* -1: no k-th call */
	uint32_t nelems;
	struct {
		uint32_t map;
		uint8_t key[64];
		uint8_t value[256];
	} elems[SMT_CEX_MAX_ELEMS];
	char what[96];	       /* which observable differs ("r0", "packet byte 14", ...) */
	uint64_t a_val, b_val; /* its value in each program, per the model */
};

struct smt_result {
	enum smt_verdict verdict;
	struct smt_cex cex;	/* SMT_DIFFERENT */
	bool replayed;		/* core/interp confirmed the counterexample */
	bool sat;		/* the solver found one, replayed or not */
	char msg[SMT_MSG_SIZE]; /* UNKNOWN: why; DIFFERENT: what differs */
	double seconds;
	bool cached;
};

struct smt_ctx;

/* A checker with a per-query solver timeout (0: none).  NULL and errno. */
struct smt_ctx *smt_ctx__new(uint32_t timeout_ms);
void smt_ctx__free(struct smt_ctx *s);
void smt_ctx__set_timeout(struct smt_ctx *s, uint32_t timeout_ms);
uint32_t smt_ctx__timeout(const struct smt_ctx *s);

/*
 * Whole programs: loop-free (UNKNOWN otherwise); BPF-to-BPF calls are
 * followed into a copy of the callee per call (smt_calls.c).
 * Returns 0 with the verdict in @res, or -errno when the inputs are not
 * programs (@res->msg says why).
 */
int smt_check_prog(struct smt_ctx *s, const struct bpf_insn *a, size_t alen,
		   const struct bpf_insn *b, size_t blen, const struct smt_env *env,
		   struct smt_result *res);

/*
 * Windows: code without exits or calls, @a[0..alen) against @b[0..blen),
 * both entered in the state @cond describes.  Jumps must go forward, to an
 * instruction of the window or to its end (alen, blen), where every path
 * arrives and the states are compared.  Verdicts are cached per identical
 * query.
 */
int smt_check_window(struct smt_ctx *s, const struct bpf_insn *a, size_t alen,
		     const struct bpf_insn *b, size_t blen, const struct smt_env *env,
		     const struct smt_window_cond *cond, struct smt_result *res);

/* Counters, for benchmarks. */
struct smt_stats {
	uint64_t queries, cache_hits, sat, unsat, unknown, replay_failed;
};
void smt_ctx__stats(const struct smt_ctx *s, struct smt_stats *st);

/* Human-readable form of a verdict. */
const char *smt_verdict_str(enum smt_verdict v);

/* Program types whose return value the kernel reads as u32 (bpf_prog_run). */
bool smt_ret_is_32bit(uint32_t prog_type);

/*
 * Map kinds as the checker models them: arrays (and per-CPU arrays), whose
 * size may be left to the loader (max_entries 0: checked for every size);
 * device and CPU maps, read-only to programs, likewise.
 */
bool smt_map_is_array(const struct interp_map_def *d);
bool smt_map_is_redirect(const struct interp_map_def *d);

#endif
