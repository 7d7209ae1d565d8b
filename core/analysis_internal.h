/* SPDX-License-Identifier: MIT */
/* core/analysis: what the parts of the analysis share, not for other parts. */
#ifndef BPFSYNTH_CORE_ANALYSIS_INTERNAL_H
#define BPFSYNTH_CORE_ANALYSIS_INTERNAL_H

#include <string.h>

#include "core/analysis.h"

/* Stack liveness: bit b of byte k is fp-(k*8+8-b)... simply: bit (off + 512). */
struct analysis_stack_bits {
	uint64_t w[ANALYSIS_STACK_SIZE / 64];
};

struct analysis {
	const struct prog *p;
	const struct analysis_env *env;
	struct analysis_state *entry;	  /* per block: the fixpoint at its entry */
	struct analysis_reg *ret_assumed; /* per subprogram: r0 after a call to it */
	int8_t *changes_pkt;		  /* per subprogram: may change packet data */
	uint32_t *live_in, *live_out;	  /* bit n: low half of rn; n + 16: high half */
	struct analysis_stack_bits *slive_in, *slive_out;
};

/* analysis_scalar.c: the numeric domain */
void analysis_scalar_const(struct analysis_scalar *s, uint64_t v);
void analysis_scalar_unknown(struct analysis_scalar *s);
/* Unknown value in [0, 2^bits - 1]. */
void analysis_scalar_width(struct analysis_scalar *s, unsigned int bits);
bool analysis_scalar_is_const(const struct analysis_scalar *s);
bool analysis_scalar_eq(const struct analysis_scalar *a, const struct analysis_scalar *b);
/* Tighten bounds and tnum against each other; false if the set is empty. */
bool analysis_scalar_sync(struct analysis_scalar *s);
void analysis_scalar_join(struct analysis_scalar *d, const struct analysis_scalar *s, bool widen);
/* The low 32 bits, zero-extended; and the low 32 bits, sign-extended. */
void analysis_scalar_zext32(struct analysis_scalar *s);
void analysis_scalar_sext(struct analysis_scalar *s, unsigned int bits);
/*
 * d = d OP s for a BPF_ALU/ALU64 op code (BPF_ADD, ..., BPF_END excluded),
 * 64-bit wrap-around semantics; @off is the instruction's off (signed div/mod).
 * @alu32: operate on the low halves and zero-extend, as ALU32 does.
 */
void analysis_scalar_alu(struct analysis_scalar *d, const struct analysis_scalar *s, uint8_t op,
			 int16_t off, bool alu32);
/* BPF_END / bswap of @bits with @to_be (to_le only truncates on little-endian). */
void analysis_scalar_end(struct analysis_scalar *d, unsigned int bits, bool swap);
/*
 * Refine @a and @b with "a OP b" being @taken for a BPF_JMP/JMP32 op code.
 * Returns false if the branch is impossible.
 */
bool analysis_scalar_cond(struct analysis_scalar *a, struct analysis_scalar *b, uint8_t op,
			  bool jmp32, bool taken);

/* Ids (struct analysis_reg.id) the transfer functions make. */
#define ANALYSIS_ID_NONE 0xffffffffu	/* shared with nothing */
#define ANALYSIS_ID_PKT_VAR 0x10000000u /* + insn: packet pointer + unknown scalar */
#define ANALYSIS_ID_SCALAR 0x40000000u	/* + insn: scalars linked by a move */

/* The forward analysis in progress (analysis.c drives, analysis_insn.c steps). */
struct analysis_fwd {
	struct analysis *a;
	struct analysis_state *entry;	     /* per block */
	uint32_t *visits;		     /* per block */
	struct analysis_state *callee_entry; /* per subprogram; NULL: only replaying */
	int8_t *changes_pkt;		     /* per subprogram: -1 unknown, 0, 1 */
	struct analysis_reg *ret_assumed;    /* per subprogram: r0 its callers see */
	struct analysis_reg *ret_seen;	     /* per subprogram: r0 at its exits */
	bool *ret_reached;		     /* per subprogram: some exit reached */
	struct analysis_state *next;	     /* narrowing: new entries of a subprogram */
	uint32_t next_first;		     /* ... from this block on */
	char *msg;
	size_t msgsz;
};

static inline void analysis_mark_not_init(struct analysis_reg *r)
{
	memset(r, 0, sizeof(*r));
	r->map = -1;
	analysis_scalar_unknown(&r->s);
}

static inline void analysis_mark_scalar(struct analysis_reg *r)
{
	analysis_mark_not_init(r);
	r->type = ANALYSIS_SCALAR;
}

static inline void analysis_mark_const(struct analysis_reg *r, uint64_t v)
{
	analysis_mark_not_init(r);
	r->type = ANALYSIS_SCALAR;
	analysis_scalar_const(&r->s, v);
}

static inline void analysis_mark_width(struct analysis_reg *r, unsigned int bits)
{
	analysis_mark_scalar(r);
	analysis_scalar_width(&r->s, bits);
}

/* A pointer of type @t at offset 0, no variable part. */
static inline void analysis_mark_type(struct analysis_reg *r, enum analysis_type t)
{
	analysis_mark_not_init(r);
	r->type = t;
	analysis_scalar_const(&r->s, 0);
}

static inline bool analysis_is_ptr(const struct analysis_reg *r)
{
	return r->type > ANALYSIS_SCALAR && r->type < ANALYSIS_UNKNOWN;
}

static inline bool analysis_is_const_zero(const struct analysis_reg *r)
{
	uint64_t v;

	return analysis_reg_is_const(r, &v) && v == 0;
}

/* A spill of something that is not a scalar: its 8-byte fill is no number. */
static inline bool analysis_slot_may_hold_ptr(const struct analysis_slot *sl)
{
	return sl->spilled && sl->reg.type != ANALYSIS_SCALAR;
}

/* Every register and every spilled register of @st, as @r (k: a counter). */
#define analysis_for_each_reg(st, r, k)                                                           \
	for ((k) = 0; (k) < ANALYSIS_NREGS + ANALYSIS_NSLOTS; (k)++)                              \
		if (((r) = (k) < ANALYSIS_NREGS ? &(st)->regs[(k)]                                \
						: ((st)->slots[(k)-ANALYSIS_NREGS].spilled        \
							   ? &(st)->slots[(k)-ANALYSIS_NREGS].reg \
							   : NULL)))

/* analysis.c: states */
void analysis_state_init(struct analysis_state *st);
/* d |= s (@widen: drop bounds that moved); whether d changed. */
bool analysis_state_join(struct analysis_state *d, const struct analysis_state *s, bool widen,
			 uint32_t block);

/* analysis_insn.c: transfer functions */
/* The state after instruction @i, which is not a jump or exit. */
void analysis_step(struct analysis_fwd *f, struct analysis_state *st, uint32_t i);
/* Refine @st for the conditional jump @in being @taken; false if impossible. */
bool analysis_branch(struct analysis_state *st, const struct bpf_insn *in, bool taken);
uint32_t analysis_subprog_of(const struct prog *p, uint32_t insn);
/* Stack pointer with a known offset: the frame offset (+ @insn_off) in *off. */
bool analysis_stack_const(const struct analysis_reg *r, int64_t insn_off, int64_t *off);
/* Packet pointers invalidated: scalars, or (@maybe) UNKNOWN. */
void analysis_clobber_pkt(struct analysis_state *st, bool maybe);
/* Stack bytes [lo, hi) may have been written (@may_ptr: maybe with a pointer). */
void analysis_clobber_stack(struct analysis_state *st, int64_t lo, int64_t hi, bool init,
			    bool may_ptr);

/* analysis_call.c: calls and what is known about helpers */
/* A helper that fills a buffer of its own (ARG_PTR_TO_UNINIT_MEM): see analysis_call.c. */
enum analysis_fill_kind { FILL_SOME, FILL_ALWAYS, FILL_ON_SUCCESS };
struct analysis_fill {
	int32_t id;
	uint8_t arg; /* the buffer's argument register; its size is in the next */
	uint8_t kind;
};
const struct analysis_fill *analysis_helper_fill(int32_t id);
void analysis_call(struct analysis_fwd *f, struct analysis_state *st, const struct bpf_insn *in,
		   uint32_t i);
/* The index into env->maps of the map LD_IMM64 names by @ref, or -1. */
int32_t analysis_map_index(const struct analysis *a, int32_t ref);
/* Fill f->changes_pkt for every subprogram. */
void analysis_find_pkt_changes(struct analysis_fwd *f);

/* analysis_live.c */
int analysis_liveness(struct analysis *a, char *msg, size_t msgsz);

/* analysis.c: the map an LD_IMM64 or a register names */
const struct analysis_map *analysis_map_of(const struct analysis *a, const struct analysis_reg *r);

#endif
