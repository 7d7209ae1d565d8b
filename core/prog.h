/* SPDX-License-Identifier: MIT */
/*
 * core/prog: the program model.
 *
 * A program is an array of struct bpf_insn exactly as the kernel receives it in
 * BPF_PROG_LOAD (LD_IMM64 occupies two slots).  prog_validate() accepts what the
 * kernel's verifier accepts structurally (opcodes, reserved fields, jump targets,
 * LD_IMM64 pairs, subprogram boundaries) and rejects anything else with a
 * message that names the instruction index and the reason.  prog__new() builds
 * on a valid program: subprograms, basic blocks and the control-flow graph.
 *
 * Nothing here touches files, fds or the kernel.
 */
#ifndef BPFSYNTH_CORE_PROG_H
#define BPFSYNTH_CORE_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

/*
 * Encodings newer than the uapi header of Debian bookworm (6.1).  The running
 * kernel may accept them, so the model knows them.
 */
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80 /* LDX sign-extending load (cpu v4) */
#endif
#ifndef BPF_JCOND
#define BPF_JCOND 0xe0 /* JMP may_goto */
#endif
#ifndef BPF_MAY_GOTO
#define BPF_MAY_GOTO 0
#endif
#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ 0x100 /* atomic load-acquire */
#endif
#ifndef BPF_STORE_REL
#define BPF_STORE_REL 0x110 /* atomic store-release */
#endif
#ifndef BPF_PSEUDO_MAP_IDX
#define BPF_PSEUDO_MAP_IDX 5
#endif
#ifndef BPF_PSEUDO_MAP_IDX_VALUE
#define BPF_PSEUDO_MAP_IDX_VALUE 6
#endif
#ifndef BPF_PSEUDO_KFUNC_CALL
#define BPF_PSEUDO_KFUNC_CALL 2
#endif
#ifndef BPF_PSEUDO_FUNC
#define BPF_PSEUDO_FUNC 4
#endif
#ifndef BPF_PSEUDO_BTF_ID
#define BPF_PSEUDO_BTF_ID 3
#endif

#define PROG_MAX_INSNS (1u << 20) /* BPF_COMPLEXITY_LIMIT_INSNS */
#define PROG_MSG_SIZE 256	  /* a sensible size for msg buffers */

/* A straight-line run of instructions: entered only at first, left only after last. */
struct prog_block {
	uint32_t first;	  /* index of the first instruction */
	uint32_t last;	  /* index of the last instruction (first slot if LD_IMM64) */
	int32_t succ[2];  /* successor blocks: [0] fall-through / ja target, [1] taken branch; -1 none */
	uint32_t subprog; /* subprogram that contains the block */
};

/* A function: the main program (index 0) or a BPF-to-BPF callee / callback. */
struct prog_subprog {
	uint32_t start;	      /* first instruction */
	uint32_t end;	      /* one past the last instruction */
	uint32_t first_block; /* blocks of a subprogram are contiguous */
	uint32_t nblocks;
};

struct prog {
	struct bpf_insn *insns; /* owned copy */
	uint32_t len;		/* in slots (LD_IMM64 counts 2) */
	struct prog_subprog *subprogs;
	uint32_t nsubprogs;
	struct prog_block *blocks;
	uint32_t nblocks;
	int32_t *insn_block; /* per slot: its block; -1 for LD_IMM64's second slot */
};

/*
 * Check that @insns[0..@len) is a structurally valid program.  Returns 0, or
 * -EINVAL with a message such as "insn 17: jump out of range (target 40, len 30)"
 * written to @msg (if not NULL).
 */
int prog_validate(const struct bpf_insn *insns, size_t len, char *msg, size_t msgsz);

/* Validate, copy, and build subprograms, blocks and CFG.  NULL and errno on error. */
struct prog *prog__new(const struct bpf_insn *insns, size_t len, char *msg, size_t msgsz);
void prog__free(struct prog *p);

/* Classification of single instructions, for everyone who walks a program. */
bool prog_insn_is_ldimm64(const struct bpf_insn *insn);
bool prog_insn_is_exit(const struct bpf_insn *insn);
bool prog_insn_is_call(const struct bpf_insn *insn);	    /* helper, kfunc or BPF-to-BPF */
bool prog_insn_is_pseudo_call(const struct bpf_insn *insn); /* BPF-to-BPF */
/* Conditional or unconditional jump (JA, gotol, conditional), not call/exit. */
bool prog_insn_is_jump(const struct bpf_insn *insn);
/* Jump target of jump insn at index @i (handles gotol's imm). */
int64_t prog_jump_target(const struct bpf_insn *insns, size_t i);

/* The bytes a load or store of opcode @code moves: BPF_B 1, H 2, W 4, DW 8. */
static inline unsigned int prog_insn_size(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

#endif
