/* SPDX-License-Identifier: MIT */
/*
 * core/prog internals shared with core/asm: the single-instruction decoder.
 */
#ifndef BPFSYNTH_CORE_PROG_INTERNAL_H
#define BPFSYNTH_CORE_PROG_INTERNAL_H

#include <stddef.h>
#include "core/prog.h"

#define PROG_MAX_REG 10 /* r10 is the read-only frame pointer */

/*
 * Check one instruction's encoding in isolation: the opcode is one the kernel
 * knows (bpf_opcode_in_insntable()), every register it uses is r0..r10 and
 * every field it does not use is zero, exactly as the verifier's per-class
 * checks (check_alu_op, check_cond_jmp_op, check_atomic, check_ld_imm, ...)
 * demand.  For LD_IMM64 the second slot at @insns[@i + 1] is checked too.
 *
 * Deliberately left out, because they are not about the encoding and a
 * printer wants to show them anyway: r10 as a destination, division by a
 * constant zero and out-of-range constant shifts.  prog_validate() adds those.
 *
 * Returns 0 or -EINVAL with a message (without the "insn N: " prefix).
 */
int prog_check_encoding(const struct bpf_insn *insns, size_t len, size_t i, char *msg,
			size_t msgsz);

#endif
