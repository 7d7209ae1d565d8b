/* SPDX-License-Identifier: MIT */
/*
 * core/analysis: what is known about every register and stack slot at every
 * instruction, and what is still needed afterwards.
 *
 * analysis__new() runs two analyses over a struct prog:
 *
 *   a forward abstract interpretation in the spirit of the kernel verifier:
 *   for each instruction, the abstract state before it -- each register's
 *   and each 8-byte stack slot's type (scalar, ctx, stack+offset, packet +
 *   offset with the range proven by comparisons with data_end, packet end,
 *   packet meta, map pointer, map value of which map, map value or NULL), and
 *   for scalars known bits (a tnum) and signed/unsigned 64-bit bounds;
 *
 *   a backward liveness of registers and stack bytes.
 *
 * Unlike the verifier, which walks paths, the analysis joins states where
 * paths meet, so every fact holds on every path that reaches the instruction
 * (sound for pre-conditions), and it terminates on loops by widening.
 * Instructions no path reaches have no state (analysis_reachable() is false).
 *
 * Nothing here touches files, fds or the kernel: the caller describes the
 * program type and the maps.
 */
#ifndef BPFSYNTH_CORE_ANALYSIS_H
#define BPFSYNTH_CORE_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "core/prog.h"

#define ANALYSIS_NREGS 11	/* r0..r10 */
#define ANALYSIS_STACK_SIZE 512 /* MAX_BPF_STACK, per frame */
#define ANALYSIS_NSLOTS (ANALYSIS_STACK_SIZE / 8)
#define ANALYSIS_STATE_STR_SIZE 20480 /* always enough for analysis_state_str() */

/* One map of the environment; @ref is the imm by which LD_IMM64 names it. */
struct analysis_map {
	uint32_t type; /* enum bpf_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	int32_t ref; /* fd (BPF_PSEUDO_MAP_FD/VALUE) or index (BPF_PSEUDO_MAP_IDX*) */
};

struct analysis_env {
	enum bpf_prog_type prog_type;
	const struct analysis_map *maps;
	uint32_t nmaps;
	/*
	 * NULL, or a byte per instruction of the program: non-zero at the first
	 * instruction of each subprogram that is static (BTF_FUNC_STATIC, an ELF
	 * STB_LOCAL symbol).  A call to any other subprogram is followed as the
	 * verifier follows a global function: an freplace program may replace
	 * it at run time (libxdp's dispatcher is built for that), so the caller
	 * assumes nothing of it -- r0 any value (UNKNOWN), packet pointers gone,
	 * stack behind pointer arguments written -- while the callee's own code
	 * is still analysed from its callers' arguments (what runs when it is
	 * not replaced).
	 */
	const uint8_t *static_fn;
	uint32_t static_fn_len;
};

enum analysis_type {
	ANALYSIS_NOT_INIT = 0,	    /* never written on some path: reading it is an error */
	ANALYSIS_SCALAR,	    /* a number; see the scalar fields */
	ANALYSIS_CTX,		    /* the context, + off */
	ANALYSIS_STACK,		    /* this frame's r10 + off (off < 0 inside the frame) */
	ANALYSIS_PKT,		    /* packet data + off + var, range bytes proven readable */
	ANALYSIS_PKT_END,	    /* packet data_end */
	ANALYSIS_PKT_META,	    /* packet data_meta + off + var */
	ANALYSIS_MAP_PTR,	    /* the map @map itself */
	ANALYSIS_MAP_VALUE,	    /* a value of map @map, + off + var */
	ANALYSIS_MAP_VALUE_OR_NULL, /* what map_lookup_elem returned, before the NULL check */
	ANALYSIS_UNKNOWN,	    /* initialized, but of a type the analysis does not follow */
};

/*
 * A scalar, or the variable part of a pointer's offset: the value is one of
 * the numbers x with (x & ~mask) == value, smin <= (s64)x <= smax and
 * umin <= x <= umax (a tnum and the verifier's 64-bit bounds).
 */
struct analysis_scalar {
	uint64_t value, mask;
	int64_t smin, smax;
	uint64_t umin, umax;
};

struct analysis_reg {
	uint8_t type;		  /* enum analysis_type */
	int32_t off;		  /* pointers: fixed offset */
	int32_t map;		  /* MAP_*: index into env->maps, or -1 if not described */
	uint32_t id;		  /* PKT*: a base; OR_NULL: a lookup; SCALAR: copies */
	uint32_t range;		  /* PKT: bytes from base proven readable */
	struct analysis_scalar s; /* SCALAR: the value; pointers: variable offset */
};

/*
 * An 8-byte stack slot: a spilled register, or bytes of data, some of which
 * may be known constants (stores of constants of any width, as map keys are
 * often built).
 */
struct analysis_slot {
	uint8_t init;  /* bit i: byte (slot start + i) written on every path */
	uint8_t known; /* bit i: that byte is @val[i] on every path */
	uint8_t val[8];
	bool spilled; /* all 8 bytes hold @reg, written by one 8-byte store */
	struct analysis_reg reg;
};

/* What is known before one instruction (of the frame of its subprogram). */
struct analysis_state {
	bool reached; /* some path gets here; nothing else is meaningful if not */
	struct analysis_reg regs[ANALYSIS_NREGS];
	struct analysis_slot slots[ANALYSIS_NSLOTS]; /* slot k: fp-8(k+1) .. fp-8k-1 */
};

struct analysis;

/*
 * Analyse @p under @env (both must stay valid while the result is used).
 * NULL and errno on error: ENOMEM, or EINVAL with the reason in @msg (an
 * empty program; no fixpoint, which would be a bug).  Programs the verifier
 * would reject are analysed all the same: the analysis says what holds, not
 * whether it is allowed.
 *
 * The result keeps the state at the entry of each basic block; the state
 * before an instruction is recomputed from its block's entry when asked for
 * (cheap: blocks are short), which keeps memory proportional to the number of
 * blocks.  A const struct analysis may be queried from several threads.
 */
struct analysis *analysis__new(const struct prog *p, const struct analysis_env *env, char *msg,
			       size_t msgsz);
void analysis__free(struct analysis *a);

/* Whether some path reaches instruction @i (false for LD_IMM64's second slot). */
bool analysis_reachable(const struct analysis *a, uint32_t i);
/* The state before instruction @i into @out: 0, or -ENOENT if @i is not reachable. */
int analysis_state(const struct analysis *a, uint32_t i, struct analysis_state *out);
/*
 * Advance @st, the state before instruction @i, to the state after it (for a
 * window: analysis_state() at its start, then one step per instruction).
 * -EINVAL for jumps and exit, whose successors are not one state.
 */
int analysis_state_step(const struct analysis *a, uint32_t i, struct analysis_state *st);
/* Register @regno / stack slot @slot (fp-8(@slot+1)) before @i: 0 or -ENOENT/-EINVAL. */
int analysis_reg(const struct analysis *a, uint32_t i, unsigned int regno,
		 struct analysis_reg *out);
int analysis_slot(const struct analysis *a, uint32_t i, unsigned int slot,
		  struct analysis_slot *out);

/* Registers live (either half) before / after instruction @i: bit n for rn. */
uint16_t analysis_live_in(const struct analysis *a, uint32_t i);
uint16_t analysis_live_out(const struct analysis *a, uint32_t i);
/*
 * Registers whose high 32 bits are live before / after @i.  A register live
 * but not here matters only by its low half: e.g. r0 before the main exit of
 * an XDP program (the kernel takes a u32), or a source of ALU32 and JMP32.
 */
uint16_t analysis_live_in_high(const struct analysis *a, uint32_t i);
uint16_t analysis_live_out_high(const struct analysis *a, uint32_t i);
/* Whether stack byte fp@off (-512 <= off < 0) is live before / after @i. */
bool analysis_stack_live_in(const struct analysis *a, uint32_t i, int off);
bool analysis_stack_live_out(const struct analysis *a, uint32_t i, int off);

/* Convenience: the register is a known constant (scalar with mask 0). */
bool analysis_reg_is_const(const struct analysis_reg *r, uint64_t *val);

/*
 * The state before @i in the verifier log's style, registers and slots that
 * are initialized only: "R1=ctx() R2=pkt(off=14,r=34) R10=fp0 fp-8=mmmmmmmm".
 * Returns the length written (truncated to @bufsz), or -ENOENT if unreachable.
 */
int analysis_state_str(const struct analysis *a, uint32_t i, char *buf, size_t bufsz);
/* The same for a state the caller holds. */
int analysis_state_fmt(const struct analysis *a, const struct analysis_state *st, char *buf,
		       size_t bufsz);
/* One register in the same style ("pkt(off=14,r=34)", "42", "scalar(umax=255,...)"). */
int analysis_reg_str(const struct analysis *a, const struct analysis_reg *r, char *buf,
		     size_t bufsz);

#endif
