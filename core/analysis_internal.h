/* SPDX-License-Identifier: MIT */
/* core/analysis: what the parts of the analysis share, not for other parts. */
#ifndef BPFSYNTH_CORE_ANALYSIS_INTERNAL_H
#define BPFSYNTH_CORE_ANALYSIS_INTERNAL_H

#include "core/analysis.h"

/* The abstract state before one instruction of one frame. */
struct analysis_state {
	bool reached;
	struct analysis_reg regs[ANALYSIS_NREGS];
	struct analysis_slot slots[ANALYSIS_NSLOTS]; /* slot k: fp-8(k+1) .. fp-8k-1 */
};

/* Stack liveness: bit b of byte k is fp-(k*8+8-b)... simply: bit (off + 512). */
struct analysis_stack_bits {
	uint64_t w[ANALYSIS_STACK_SIZE / 64];
};

struct analysis {
	const struct prog *p;
	const struct analysis_env *env;
	struct analysis_state *states; /* per instruction slot, before it */
	uint16_t *live_in, *live_out;
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

/* analysis_live.c */
int analysis_liveness(struct analysis *a, char *msg, size_t msgsz);

/* analysis.c: the map an LD_IMM64 or a register names */
const struct analysis_map *analysis_map_of(const struct analysis *a, const struct analysis_reg *r);

#endif
