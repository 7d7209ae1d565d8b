/* SPDX-License-Identifier: MIT */
/*
 * core/asm: the text form of programs.
 *
 * The syntax is the one llvm-objdump -d and the kernel's verifier log print
 * ("r0 = *(u32 *)(r1 + 4)", "if r3 > r2 goto +3", "w0 = 2", "r1 = 0 ll",
 * "lock *(u64 *)(r10 - 16) += r0", "call 1", "exit"), so that text we print can
 * be fed back to LLVM's BPF assembler (clang -target bpf -c x.s).
 */
#ifndef BPFSYNTH_CORE_ASM_H
#define BPFSYNTH_CORE_ASM_H

#include <stddef.h>
#include <linux/bpf.h>

#define ASM_LINE_SIZE 128 /* always enough for one instruction */

/*
 * Format the instruction at @insns[@i] (and, for LD_IMM64, @insns[@i + 1]) into
 * @buf, without index, raw bytes or newline.  Returns the number of slots the
 * instruction occupies (1 or 2), or -EINVAL for an encoding that cannot be
 * printed (the text then still says what is there, e.g. "<invalid 0xff>").
 */
int asm_format_insn(const struct bpf_insn *insns, size_t len, size_t i, char *buf, size_t bufsz);

#endif
