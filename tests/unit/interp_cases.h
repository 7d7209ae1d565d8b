/* SPDX-License-Identifier: MIT */
/*
 * Table of interpreter cases for the semantics that are easy to get wrong.
 *
 * tests/unit/test_interp.c runs each case in core/interp and checks all 64
 * bits of r0 (and the status); tests/kernel/test_interp_diff.c runs the same
 * table in the kernel (BPF_PROG_TEST_RUN) and checks that it agrees with the
 * expected values written here -- so every number below is the kernel's, not
 * our guess.  Cases marked .no_kernel are about our own behaviour (faults,
 * values a helper takes from the input) and are not sent to the kernel.
 *
 * Every case runs on case_pkt (64 bytes: Ethernet, IPv4, UDP, a counting
 * payload) and, when .maps is set, with the maps of case_maps (LD_IMM64
 * names them by CASE_ARRAY / CASE_HASH; the kernel test swaps in real fds).
 */
#ifndef BPFSYNTH_TESTS_INTERP_CASES_H
#define BPFSYNTH_TESTS_INTERP_CASES_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "core/interp.h"
#include "tests/unit/insn_macros.h"

#define CASE_MAX_INSNS 48
#define CASE_ARRAY 100 /* array: key 4, value 8, 4 entries */
#define CASE_HASH 101  /* hash: key 4, value 8, 2 entries */
#define CASE_PROGS 102 /* prog array, 4 entries, all empty */
#define CASE_PERF 103  /* perf event array, 256 entries, no events open */

static const struct interp_map_def case_maps[] = {
	{ .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
	  .ref = CASE_ARRAY },
	{ .type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 2,
	  .ref = CASE_HASH },
	{ .type = BPF_MAP_TYPE_PROG_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 4,
	  .ref = CASE_PROGS },
	{ .type = BPF_MAP_TYPE_PERF_EVENT_ARRAY, .key_size = 4, .value_size = 4,
	  .max_entries = 256, .ref = CASE_PERF },
};

#define CASE_NMAPS (sizeof(case_maps) / sizeof(case_maps[0]))

static const uint8_t case_pkt[64] = {
	/* Ethernet */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	/* IPv4 */
	0x45, 0x00, 0x00, 0x32, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	/* UDP, payload */
	0x30, 0x39, 0x00, 0x35, 0x00, 0x1e, 0x00, 0x00,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
};

struct interp_case {
	const char *descr;
	uint32_t type; /* 0: BPF_PROG_TYPE_SOCKET_FILTER */
	struct bpf_insn insns[CASE_MAX_INSNS];
	uint64_t r0;
	enum interp_status status;
	bool maps;
	bool no_kernel;
	int32_t pkt_len; /* expected data_out length; 0: not checked here */
};

/* Cases are positional; fields left out are zero. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define SOCK BPF_PROG_TYPE_SOCKET_FILTER
#define XDP BPF_PROG_TYPE_XDP
#define TC BPF_PROG_TYPE_SCHED_CLS

/* r0 = *(u64 *)(fp - 8), exit */
#define RET_STACK8 BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8), BPF_EXIT_INSN()

static const struct interp_case interp_cases[] = {
	/* ---- ALU ---- */
	{ "add64 wraps", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -1),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 2),
		BPF_EXIT_INSN() }, 1 },
	{ "alu32 result is zero-extended", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -1),
		BPF_ALU32_IMM(BPF_ADD, BPF_REG_0, 0),
		BPF_EXIT_INSN() }, 0xffffffffULL },
	{ "mov32 imm -1 is zero-extended", SOCK, {
		BPF_MOV32_IMM(BPF_REG_0, -1),
		BPF_EXIT_INSN() }, 0xffffffffULL },
	{ "mov64 imm is sign-extended", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -2),
		BPF_EXIT_INSN() }, 0xfffffffffffffffeULL },
	{ "alu64 imm operand is sign-extended", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0xffffffff00000000ULL),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, -1),
		BPF_EXIT_INSN() }, 0xffffffff00000000ULL },
	{ "mul32 truncates", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0x10000),
		BPF_ALU32_IMM(BPF_MUL, BPF_REG_0, 0x10001),
		BPF_EXIT_INSN() }, 0x10000 },
	{ "lsh64 by reg 65 is << 1", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_MOV64_IMM(BPF_REG_1, 65),
		BPF_ALU64_REG(BPF_LSH, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 2 },
	{ "lsh32 by reg 33 is << 1", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_MOV64_IMM(BPF_REG_1, 33),
		BPF_ALU32_REG(BPF_LSH, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 2 },
	{ "lsh32 drops bits above 32", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0x40000001),
		BPF_ALU32_IMM(BPF_LSH, BPF_REG_0, 2),
		BPF_EXIT_INSN() }, 4 },
	{ "rsh64 by reg 64 is >> 0", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0x123),
		BPF_MOV64_IMM(BPF_REG_1, 64),
		BPF_ALU64_REG(BPF_RSH, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0x123 },
	{ "rsh32 uses the low half only", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x180000000ULL),
		BPF_ALU32_IMM(BPF_RSH, BPF_REG_0, 4),
		BPF_EXIT_INSN() }, 0x08000000 },
	{ "arsh64", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -16),
		BPF_ALU64_IMM(BPF_ARSH, BPF_REG_0, 2),
		BPF_EXIT_INSN() }, (uint64_t)-4 },
	{ "arsh32 sign is bit 31, result zero-extended", SOCK, {
		BPF_MOV32_IMM(BPF_REG_0, (int32_t)0x80000000),
		BPF_ALU32_IMM(BPF_ARSH, BPF_REG_0, 4),
		BPF_EXIT_INSN() }, 0xf8000000ULL },
	{ "arsh32 by reg 36 is s>> 4", SOCK, {
		BPF_MOV32_IMM(BPF_REG_0, (int32_t)0x80000000),
		BPF_MOV64_IMM(BPF_REG_1, 36),
		BPF_ALU32_REG(BPF_ARSH, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0xf8000000ULL },
	{ "arsh64 by reg 127 is s>> 63", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x8000000000000000ULL),
		BPF_MOV64_IMM(BPF_REG_1, 127),
		BPF_ALU64_REG(BPF_ARSH, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, (uint64_t)-1 },
	{ "div64 by zero reg is 0", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 10),
		BPF_MOV64_IMM(BPF_REG_1, 0),
		BPF_ALU64_REG(BPF_DIV, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0 },
	{ "div32 by zero reg is 0", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 10),
		BPF_LD_IMM64(BPF_REG_1, 0x100000000ULL),
		BPF_ALU32_REG(BPF_DIV, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0 },
	{ "mod64 by zero keeps the dividend", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x100000005ULL),
		BPF_MOV64_IMM(BPF_REG_1, 0),
		BPF_ALU64_REG(BPF_MOD, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0x100000005ULL },
	{ "mod32 by zero truncates the dividend", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x100000005ULL),
		BPF_MOV64_IMM(BPF_REG_1, 0),
		BPF_ALU32_REG(BPF_MOD, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 5 },
	{ "div32 uses the low halves", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x100000010ULL),
		BPF_LD_IMM64(BPF_REG_1, 0x100000004ULL),
		BPF_ALU32_REG(BPF_DIV, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 4 },
	{ "div64 is unsigned", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -1),
		BPF_MOV64_IMM(BPF_REG_1, 16),
		BPF_ALU64_REG(BPF_DIV, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0x0fffffffffffffffULL },
	{ "sdiv64 truncates toward zero", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -7),
		BPF_MOV64_IMM(BPF_REG_1, 2),
		BPF_ALU64_REG_OFF(BPF_DIV, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, (uint64_t)-3 },
	{ "smod64 takes the dividend's sign", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -7),
		BPF_MOV64_IMM(BPF_REG_1, 2),
		BPF_ALU64_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, (uint64_t)-1 },
	{ "sdiv64 INT64_MIN / -1 is INT64_MIN", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x8000000000000000ULL),
		BPF_MOV64_IMM(BPF_REG_1, -1),
		BPF_ALU64_REG_OFF(BPF_DIV, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, 0x8000000000000000ULL },
	{ "smod64 INT64_MIN % -1 is 0", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x8000000000000000ULL),
		BPF_MOV64_IMM(BPF_REG_1, -1),
		BPF_ALU64_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, 0 },
	{ "sdiv64 by imm -1 negates", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 5),
		BPF_ALU64_IMM_OFF(BPF_DIV, BPF_REG_0, -1, 1),
		BPF_EXIT_INSN() }, (uint64_t)-5 },
	{ "sdiv64 by zero is 0", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -5),
		BPF_MOV64_IMM(BPF_REG_1, 0),
		BPF_ALU64_REG_OFF(BPF_DIV, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, 0 },
	{ "smod64 by zero keeps the dividend", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -5),
		BPF_MOV64_IMM(BPF_REG_1, 0),
		BPF_ALU64_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, (uint64_t)-5 },
	{ "sdiv32 INT_MIN / -1 is INT_MIN, zero-extended", SOCK, {
		BPF_MOV32_IMM(BPF_REG_0, (int32_t)0x80000000),
		BPF_MOV64_IMM(BPF_REG_1, -1),
		BPF_ALU32_REG_OFF(BPF_DIV, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, 0x80000000ULL },
	{ "smod32 by -1 is 0", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -7),
		BPF_MOV64_IMM(BPF_REG_1, -1),
		BPF_ALU32_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, 0 },
	{ "smod32 by zero truncates the dividend", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, -7),
		BPF_MOV64_IMM(BPF_REG_1, 0),
		BPF_ALU32_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, 0xfffffff9ULL },
	{ "sdiv32 -41 / 2 is -20", SOCK, {
		BPF_MOV32_IMM(BPF_REG_0, -41),
		BPF_ALU32_IMM_OFF(BPF_DIV, BPF_REG_0, 2, 1),
		BPF_EXIT_INSN() }, 0xffffffecULL },
	{ "smod32 -41 % 2 is -1", SOCK, {
		BPF_MOV32_IMM(BPF_REG_0, -41),
		BPF_ALU32_IMM_OFF(BPF_MOD, BPF_REG_0, 2, 1),
		BPF_EXIT_INSN() }, 0xffffffffULL },
	{ "sdiv32 ignores the upper half", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x7ffffffffffffff8ULL), /* low half -8 */
		BPF_MOV64_IMM(BPF_REG_1, 2),
		BPF_ALU32_REG_OFF(BPF_DIV, BPF_REG_0, BPF_REG_1, 1),
		BPF_EXIT_INSN() }, 0xfffffffcULL },
	{ "movsx64 s8", SOCK, {
		BPF_MOV64_IMM(BPF_REG_1, 0x180),
		BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_1, 8),
		BPF_EXIT_INSN() }, (uint64_t)-128 },
	{ "movsx64 s32", SOCK, {
		BPF_MOV32_IMM(BPF_REG_1, (int32_t)0x80000000),
		BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_1, 32),
		BPF_EXIT_INSN() }, 0xffffffff80000000ULL },
	{ "movsx32 s16 is zero-extended", SOCK, {
		BPF_MOV64_IMM(BPF_REG_1, 0x8000),
		BPF_MOVSX32_REG(BPF_REG_0, BPF_REG_1, 16),
		BPF_EXIT_INSN() }, 0xffff8000ULL },
	{ "neg64", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 5),
		BPF_NEG64(BPF_REG_0),
		BPF_EXIT_INSN() }, (uint64_t)-5 },
	{ "neg32 is zero-extended", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x100000005ULL),
		BPF_NEG32(BPF_REG_0),
		BPF_EXIT_INSN() }, 0xfffffffbULL },
	{ "le16 truncates", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788ULL),
		BPF_ENDIAN(BPF_TO_LE, BPF_REG_0, 16),
		BPF_EXIT_INSN() }, 0x7788 },
	{ "le32 truncates", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788ULL),
		BPF_ENDIAN(BPF_TO_LE, BPF_REG_0, 32),
		BPF_EXIT_INSN() }, 0x55667788 },
	{ "le64 is a no-op", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788ULL),
		BPF_ENDIAN(BPF_TO_LE, BPF_REG_0, 64),
		BPF_EXIT_INSN() }, 0x1122334455667788ULL },
	{ "be16 swaps and zero-extends", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788ULL),
		BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 16),
		BPF_EXIT_INSN() }, 0x8877 },
	{ "be32 swaps", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788ULL),
		BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 32),
		BPF_EXIT_INSN() }, 0x88776655 },
	{ "be64 swaps", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788ULL),
		BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 64),
		BPF_EXIT_INSN() }, 0x8877665544332211ULL },
	{ "bswap16 (alu64)", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788ULL),
		BPF_BSWAP(BPF_REG_0, 16),
		BPF_EXIT_INSN() }, 0x8877 },
	{ "bswap32 (alu64)", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788ULL),
		BPF_BSWAP(BPF_REG_0, 32),
		BPF_EXIT_INSN() }, 0x88776655 },
	{ "bswap64 (alu64)", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788ULL),
		BPF_BSWAP(BPF_REG_0, 64),
		BPF_EXIT_INSN() }, 0x8877665544332211ULL },
	{ "ld_imm64", SOCK, {
		BPF_LD_IMM64(BPF_REG_0, 0x123456789abcdef0ULL),
		BPF_EXIT_INSN() }, 0x123456789abcdef0ULL },

	/* ---- jumps ---- */
	{ "jmp32 jne compares the low halves", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_LD_IMM64(BPF_REG_1, 0x100000000ULL),
		BPF_JMP32_IMM(BPF_JNE, BPF_REG_1, 0, 1),
		BPF_MOV64_IMM(BPF_REG_0, 2),
		BPF_EXIT_INSN() }, 2 },
	{ "jmp jne compares all 64 bits", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_LD_IMM64(BPF_REG_1, 0x100000000ULL),
		BPF_JMP_IMM(BPF_JNE, BPF_REG_1, 0, 1),
		BPF_MOV64_IMM(BPF_REG_0, 2),
		BPF_EXIT_INSN() }, 1 },
	{ "jgt is unsigned, jsgt signed", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_MOV64_IMM(BPF_REG_1, -1),
		BPF_JMP_IMM(BPF_JGT, BPF_REG_1, 5, 1),
		BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 1),
		BPF_JMP_IMM(BPF_JSGT, BPF_REG_1, 5, 1),
		BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 2),
		BPF_EXIT_INSN() }, 2 },
	{ "jmp32 jslt on bit 31", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_MOV32_IMM(BPF_REG_1, -1), /* r1 = 0xffffffff */
		BPF_JMP32_IMM(BPF_JSLT, BPF_REG_1, 0, 1),
		BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 1),
		BPF_JMP_IMM(BPF_JSLT, BPF_REG_1, 0, 1),
		BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 2),
		BPF_EXIT_INSN() }, 2 },
	{ "jmp imm is sign-extended", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_MOV64_IMM(BPF_REG_1, -1),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, -1, 1),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_EXIT_INSN() }, 0 },
	{ "jset, jle, jsge, jlt by register", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_MOV64_IMM(BPF_REG_1, 6),
		BPF_MOV64_IMM(BPF_REG_2, 4),
		BPF_JMP_REG(BPF_JSET, BPF_REG_1, BPF_REG_2, 1),
		BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 1),
		BPF_JMP_REG(BPF_JLE, BPF_REG_1, BPF_REG_2, 1),
		BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 2),
		BPF_JMP_REG(BPF_JSGE, BPF_REG_2, BPF_REG_1, 1),
		BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 4),
		BPF_JMP32_REG(BPF_JLT, BPF_REG_2, BPF_REG_1, 1),
		BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 8),
		BPF_EXIT_INSN() }, 6 },
	{ "gotol", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 2, 1),
		BPF_JMP32_A(1),
		BPF_MOV64_IMM(BPF_REG_0, 2),
		BPF_EXIT_INSN() }, 1 },
	{ "bounded loop", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_MOV64_IMM(BPF_REG_1, 10),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_ALU64_IMM(BPF_SUB, BPF_REG_1, 1),
		BPF_JMP_IMM(BPF_JNE, BPF_REG_1, 0, -3),
		BPF_EXIT_INSN() }, 55 },

	/* ---- memory ---- */
	{ "st dw imm is sign-extended into the upper half", SOCK, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, -1),
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_10, -4),
		BPF_EXIT_INSN() }, 0xffffffffULL },
	{ "byte store into a u64 slot", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x1122334455667788ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_ST_MEM(BPF_B, BPF_REG_10, -8, 0xff),
		RET_STACK8 }, 0x11223344556677ffULL },
	{ "ldsx b/h/w", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x8000000080008080ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_LDX_MEMSX(BPF_B, BPF_REG_2, BPF_REG_10, -8),  /* -128 */
		BPF_LDX_MEMSX(BPF_H, BPF_REG_3, BPF_REG_10, -6),  /* -32768 */
		BPF_LDX_MEMSX(BPF_W, BPF_REG_4, BPF_REG_10, -4),  /* INT_MIN */
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_2),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_4),
		BPF_EXIT_INSN() }, (uint64_t)(-128 - 32768 + (int64_t)INT32_MIN) },
	{ "ldsx h of 0x8080", SOCK, {
		BPF_ST_MEM(BPF_H, BPF_REG_10, -2, 0x8080),
		BPF_LDX_MEMSX(BPF_H, BPF_REG_0, BPF_REG_10, -2),
		BPF_EXIT_INSN() }, (uint64_t)(int16_t)0x8080 },

	/* ---- atomics ---- */
	{ "atomic add32 fetch: old value zero-extended", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x1ffffffffULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_IMM(BPF_REG_2, 1),
		BPF_ATOMIC_OP(BPF_W, BPF_ADD | BPF_FETCH, BPF_REG_10, BPF_REG_2, -8),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_2),
		BPF_EXIT_INSN() }, 0xffffffffULL },
	{ "atomic add32 wraps within the word", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x1ffffffffULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_IMM(BPF_REG_2, 1),
		BPF_ATOMIC_OP(BPF_W, BPF_ADD, BPF_REG_10, BPF_REG_2, -8),
		RET_STACK8 }, 0x100000000ULL },
	{ "atomic add without fetch leaves src", SOCK, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 5),
		BPF_MOV64_IMM(BPF_REG_0, 7),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_10, BPF_REG_0, -8),
		BPF_EXIT_INSN() }, 7 },
	{ "atomic or/and/xor fetch 64", SOCK, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 0x0f),
		BPF_MOV64_IMM(BPF_REG_1, 0xf0),
		BPF_ATOMIC_OP(BPF_DW, BPF_OR | BPF_FETCH, BPF_REG_10, BPF_REG_1, -8), /* r1=0x0f */
		BPF_MOV64_IMM(BPF_REG_2, 0x3c),
		BPF_ATOMIC_OP(BPF_DW, BPF_AND | BPF_FETCH, BPF_REG_10, BPF_REG_2, -8), /* r2=0xff */
		BPF_MOV64_IMM(BPF_REG_3, 0x101),
		BPF_ATOMIC_OP(BPF_DW, BPF_XOR | BPF_FETCH, BPF_REG_10, BPF_REG_3, -8), /* r3=0x3c */
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),			       /* 0x13d */
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
		BPF_EXIT_INSN() }, 0x13d0fff3cULL },
	{ "atomic xchg64", SOCK, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 3),
		BPF_MOV64_IMM(BPF_REG_1, 9),
		BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, BPF_REG_10, BPF_REG_1, -8),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
		BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 16),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0x93 },
	{ "atomic xchg32 fetch zero-extended", SOCK, {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -8, -1),
		BPF_MOV64_IMM(BPF_REG_0, -2),
		BPF_ATOMIC_OP(BPF_W, BPF_XCHG, BPF_REG_10, BPF_REG_0, -8),
		BPF_EXIT_INSN() }, 0xffffffffULL },
	{ "cmpxchg64 success", SOCK, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 3),
		BPF_MOV64_IMM(BPF_REG_0, 3),
		BPF_MOV64_IMM(BPF_REG_1, 9),
		BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, BPF_REG_10, BPF_REG_1, -8),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0x903 },
	{ "cmpxchg64 failure", SOCK, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 3),
		BPF_MOV64_IMM(BPF_REG_0, 4),
		BPF_MOV64_IMM(BPF_REG_1, 9),
		BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, BPF_REG_10, BPF_REG_1, -8),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0x303 },
	{ "cmpxchg32 compares w0, r0 gets the old value zero-extended", SOCK, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 1),
		BPF_LD_IMM64(BPF_REG_0, 0x700000001ULL),
		BPF_MOV64_IMM(BPF_REG_1, 9),
		BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, BPF_REG_10, BPF_REG_1, -8),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN() }, 0x901 },

	/* ---- BPF-to-BPF calls ---- */
	{ "call: args in r1-r5, r6-r9 preserved", SOCK, {
		BPF_MOV64_IMM(BPF_REG_6, 7),
		BPF_MOV64_IMM(BPF_REG_1, 3),
		BPF_CALL_REL(2),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_6, 100),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
		BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 2),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() }, 113 },
	{ "call: each frame has its own stack", SOCK, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 1),
		BPF_CALL_REL(3),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN(),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 20),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
		BPF_EXIT_INSN() }, 21 },
	{ "call: callee writes the caller's stack", SOCK, {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 1),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -8),
		BPF_CALL_REL(2),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
		BPF_EXIT_INSN(),
		BPF_ST_MEM(BPF_DW, BPF_REG_1, 0, 42),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN() }, 42 },
	{ "call: 64-bit return value", SOCK, {
		BPF_CALL_REL(2),
		BPF_ALU64_IMM(BPF_RSH, BPF_REG_0, 32),
		BPF_EXIT_INSN(),
		BPF_LD_IMM64(BPF_REG_0, 0x1234500000000ULL),
		BPF_EXIT_INSN() }, 0x12345 },

	/* ---- LD_ABS / LD_IND (socket filter: skb->data is the IP header) ---- */
	{ "ld_abs b/h/w read in network order", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_LD_ABS(BPF_B, 0),		      /* 0x45 */
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_LD_ABS(BPF_H, 2),		      /* 0x0032 */
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 16),
		BPF_ALU64_REG(BPF_OR, BPF_REG_7, BPF_REG_0),
		BPF_LD_ABS(BPF_W, 12),		      /* 0x0a000001 */
		BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 0x0a000001 ^ 0x450032 },
	{ "ld_abs past the end exits with 0", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_0, 5),
		BPF_LD_ABS(BPF_W, 47),
		BPF_MOV64_IMM(BPF_REG_0, 7),
		BPF_EXIT_INSN() }, 0 },
	{ "ld_abs of the last bytes", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_LD_ABS(BPF_W, 46),
		BPF_EXIT_INSN() }, 0x12131415 },
	{ "ld_ind adds the register", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_7, 20),
		BPF_LD_IND(BPF_H, BPF_REG_7, 2), /* udp dport */
		BPF_EXIT_INSN() }, 0x35 },
	{ "ld_ind with a negative sum exits with 0", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_7, -20),
		BPF_LD_IND(BPF_B, BPF_REG_7, 2),
		BPF_MOV64_IMM(BPF_REG_0, 7),
		BPF_EXIT_INSN() }, 0 },
	{ "ld_abs SKF_NET_OFF and SKF_LL_OFF", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_LD_ABS(BPF_B, -0x100000 + 9),  /* ip proto 0x11 */
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_LD_ABS(BPF_H, -0x200000 + 12), /* ethertype */
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 16),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 0x110800 },
	{ "ld_abs in a subprog failing exits the subprog only", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_CALL_REL(2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 100),
		BPF_EXIT_INSN(),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_LD_ABS(BPF_B, 1000),
		BPF_MOV64_IMM(BPF_REG_0, 2),
		BPF_EXIT_INSN() }, 100 },

	{ "ld_ind offset is the low 32 bits of src + imm", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_LD_IMM64(BPF_REG_7, 0x100000014ULL),
		BPF_LD_IND(BPF_H, BPF_REG_7, 2),
		BPF_EXIT_INSN() }, 0x35 },
	{ "ld_abs leaves r6-r9 alone", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_7, 3),
		BPF_MOV64_IMM(BPF_REG_8, 4),
		BPF_MOV64_IMM(BPF_REG_9, 5),
		BPF_LD_ABS(BPF_B, 9),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_7),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_9),
		BPF_EXIT_INSN() }, 0x11 + 12 },

	/* ---- contexts ---- */
	{ "skb len, protocol, pkt_type, ifindex (socket filter)", SOCK, {
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, offsetof(struct __sk_buff, len)),
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct __sk_buff, protocol)),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_2),
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct __sk_buff, pkt_type)),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 24),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_2),
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct __sk_buff, ifindex)),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 28),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_2),
		BPF_EXIT_INSN() }, 50 | 0x0008 << 8 | 1ULL << 28 },
	{ "skb narrow load of protocol", SOCK, {
		BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, offsetof(struct __sk_buff, protocol)),
		BPF_EXIT_INSN() }, 0x08 },
	{ "skb cb write then read", SOCK, {
		BPF_MOV64_IMM(BPF_REG_2, 77),
		BPF_STX_MEM(BPF_W, BPF_REG_1, BPF_REG_2, offsetof(struct __sk_buff, cb[2])),
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, offsetof(struct __sk_buff, cb[2])),
		BPF_EXIT_INSN() }, 77 },
	{ "tc: len counts the Ethernet header, data_end - data", TC, {
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct __sk_buff, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct __sk_buff, data_end)),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_3),
		BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_2),
		BPF_LDX_MEM(BPF_W, BPF_REG_4, BPF_REG_1, offsetof(struct __sk_buff, len)),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_4, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_4),
		BPF_EXIT_INSN() }, 64 | 64 << 8 },
	{ "tc: mark write then read, packet write", TC, {
		BPF_MOV64_IMM(BPF_REG_2, 0x55),
		BPF_STX_MEM(BPF_W, BPF_REG_1, BPF_REG_2, offsetof(struct __sk_buff, mark)),
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, offsetof(struct __sk_buff, mark)),
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct __sk_buff, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct __sk_buff, data_end)),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 14),
		BPF_JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3, 1),
		BPF_ST_MEM(BPF_H, BPF_REG_2, 12, 0x0608),
		BPF_EXIT_INSN() }, 0x55, .pkt_len = 64 },
	{ "xdp: data_end - data, ingress_ifindex, rx_queue_index", XDP, {
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct xdp_md, data_end)),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_3),
		BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_2),
		BPF_LDX_MEM(BPF_W, BPF_REG_4, BPF_REG_1, offsetof(struct xdp_md, ingress_ifindex)),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_4, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_4),
		BPF_LDX_MEM(BPF_W, BPF_REG_4, BPF_REG_1, offsetof(struct xdp_md, rx_queue_index)),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_4, 16),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_4),
		BPF_EXIT_INSN() }, 64 | 1 << 8 },
	{ "xdp: ldsx from the packet", XDP, {
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct xdp_md, data_end)),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 64),
		BPF_JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3, 4),
		BPF_ST_MEM(BPF_B, BPF_REG_2, 16, 0xf0),
		BPF_LDX_MEMSX(BPF_W, BPF_REG_0, BPF_REG_2, 26), /* 0a 00 00 01 */
		BPF_LDX_MEMSX(BPF_B, BPF_REG_5, BPF_REG_2, 16), /* -16 */
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_5),
		BPF_EXIT_INSN() }, 0x0100000a - 16, .pkt_len = 64 },
	{ "xdp: data_meta == data at start", XDP, {
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct xdp_md, data_meta)),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_2),
		BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_3),
		BPF_EXIT_INSN() }, 0 },
	{ "xdp: bounds-checked packet write shows in data_out", XDP, {
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct xdp_md, data_end)),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 14),
		BPF_JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3, 3),
		BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_2, 12),
		BPF_ST_MEM(BPF_W, BPF_REG_2, 0, 0x11223344),
		BPF_ST_MEM(BPF_B, BPF_REG_2, 13, 0xdd),
		BPF_EXIT_INSN() }, 0x0008, .pkt_len = 64 },
	{ "xdp: adjust_head +14 shrinks the packet", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_2, 14),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_head),
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct xdp_md, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_6, offsetof(struct xdp_md, data_end)),
		BPF_ALU64_REG(BPF_SUB, BPF_REG_3, BPF_REG_2),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_3, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_3),
		BPF_EXIT_INSN() }, 50 << 8, .pkt_len = 50 },
	{ "xdp: adjust_head to the xdp_frame floor", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_2, -(INTERP_XDP_HEADROOM - INTERP_XDP_FRAME_HDR)),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_head),
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_MOV64_IMM(BPF_REG_2, -1),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_head),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, (uint64_t)-EINVAL << 8,
		.pkt_len = 64 + INTERP_XDP_HEADROOM - INTERP_XDP_FRAME_HDR },
	{ "xdp: adjust_head leaving less than ETH_HLEN fails", XDP, {
		BPF_MOV64_IMM(BPF_REG_2, 51),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_head),
		BPF_EXIT_INSN() }, (uint64_t)-EINVAL, .pkt_len = 64 },
	{ "xdp: adjust_tail to the frame end", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_2, INTERP_XDP_FRAME_SIZE - INTERP_XDP_SHINFO_SIZE -
				 INTERP_XDP_HEADROOM - 64 + 1),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_tail),
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_MOV64_IMM(BPF_REG_2, INTERP_XDP_FRAME_SIZE - INTERP_XDP_SHINFO_SIZE -
				 INTERP_XDP_HEADROOM - 64),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_tail),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, (uint64_t)-EINVAL << 8,
		.pkt_len = INTERP_XDP_FRAME_SIZE - INTERP_XDP_SHINFO_SIZE - INTERP_XDP_HEADROOM },
	{ "xdp: adjust_tail shrink", XDP, {
		BPF_MOV64_IMM(BPF_REG_2, -50),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_tail),
		BPF_EXIT_INSN() }, 0, .pkt_len = 14 },
	{ "xdp: adjust_tail below ETH_HLEN fails", XDP, {
		BPF_MOV64_IMM(BPF_REG_2, -51),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_tail),
		BPF_EXIT_INSN() }, (uint64_t)-EINVAL, .pkt_len = 64 },
	{ "xdp: adjust_meta -32, a meta store, -184 more, then below the floor", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_2, -32),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_meta),
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct xdp_md, data_meta)),
		BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_6, offsetof(struct xdp_md, data)),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 32),
		BPF_JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3, 1),
		BPF_ST_MEM(BPF_DW, BPF_REG_2, 24, 0x1234),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_MOV64_IMM(BPF_REG_2, -184), /* metadata up to the xdp_frame floor */
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_meta),
		BPF_MOV64_REG(BPF_REG_8, BPF_REG_0),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_MOV64_IMM(BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_meta),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_8, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_8),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_7, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, (-EINVAL & 0xff) << 16,
		.pkt_len = 64 + INTERP_XDP_HEADROOM - INTERP_XDP_FRAME_HDR },
	{ "xdp: adjust_meta by 2 is not a multiple of 4", XDP, {
		BPF_MOV64_IMM(BPF_REG_2, -2),
		BPF_EMIT_CALL(BPF_FUNC_xdp_adjust_meta),
		BPF_EXIT_INSN() }, (uint64_t)-EACCES, .pkt_len = 64 },

	/* ---- more helpers ---- */
	{ "skb_load_bytes into the stack, and past the end: -EFAULT, zeroed", SOCK, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, -1),
		BPF_MOV64_IMM(BPF_REG_2, 12),	/* ip saddr */
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -8),
		BPF_MOV64_IMM(BPF_REG_4, 6),
		BPF_EMIT_CALL(BPF_FUNC_skb_load_bytes),
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_LDX_MEM(BPF_DW, BPF_REG_8, BPF_REG_10, -8),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, -1),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_MOV64_IMM(BPF_REG_2, 46),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
		BPF_MOV64_IMM(BPF_REG_4, 5),
		BPF_EMIT_CALL(BPF_FUNC_skb_load_bytes),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -16),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_8, BPF_REG_1),	/* upper bytes 0xff.. stay */
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_7),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_8),
		BPF_EXIT_INSN() },
		((uint64_t)-EFAULT << 8) ^ 0xffff000a0100000aULL ^ 0xffffff0000000000ULL },
	{ "tc redirect: TC_ACT_REDIRECT, and TC_ACT_SHOT for bad flags", TC, {
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_EMIT_CALL(BPF_FUNC_redirect),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_MOV64_IMM(BPF_REG_2, 2),
		BPF_EMIT_CALL(BPF_FUNC_redirect),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() }, 2 << 8 | 7, .pkt_len = 64 },
	{ "xdp redirect: XDP_REDIRECT, and XDP_ABORTED for any flag", XDP, {
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_MOV64_IMM(BPF_REG_2, 1),
		BPF_EMIT_CALL(BPF_FUNC_redirect),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_EMIT_CALL(BPF_FUNC_redirect),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_6, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() }, XDP_REDIRECT, .pkt_len = 64 },

	{ "xdp_get_buff_len, xdp_load_bytes of the ethertype", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_EMIT_CALL(BPF_FUNC_xdp_get_buff_len),
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_MOV64_IMM(BPF_REG_2, 12),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -8),
		BPF_MOV64_IMM(BPF_REG_4, 2),
		BPF_EMIT_CALL(BPF_FUNC_xdp_load_bytes),
		BPF_MOV64_REG(BPF_REG_8, BPF_REG_0),
		BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_10, -8),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 16),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_8, 0xff),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_8, 32),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_8),
		BPF_EXIT_INSN() }, 0x400008, .pkt_len = 64 },
	{ "xdp_load_bytes: -EINVAL past the end, -EFAULT past 0xffff", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_2, 63),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -8),
		BPF_MOV64_IMM(BPF_REG_4, 2),
		BPF_EMIT_CALL(BPF_FUNC_xdp_load_bytes),
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_MOV64_IMM(BPF_REG_2, 0x10000),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -8),
		BPF_MOV64_IMM(BPF_REG_4, 1),
		BPF_EMIT_CALL(BPF_FUNC_xdp_load_bytes),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_7, 0xff),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, ((-EINVAL & 0xff) << 8) | (-EFAULT & 0xff), .pkt_len = 64 },
	{ "xdp_store_bytes writes the packet, -EINVAL past the end", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -8, 0x11223344),
		BPF_MOV64_IMM(BPF_REG_2, 2),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -8),
		BPF_MOV64_IMM(BPF_REG_4, 4),
		BPF_EMIT_CALL(BPF_FUNC_xdp_store_bytes),
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_MOV64_IMM(BPF_REG_2, 62),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -8),
		BPF_MOV64_IMM(BPF_REG_4, 4),
		BPF_EMIT_CALL(BPF_FUNC_xdp_store_bytes),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, (-EINVAL & 0xff) << 8, .pkt_len = 64 },

	/* check_mtu: (*mtu_len << 8) | (ret & 0xff); the test run's device is lo (mtu 65536) */
	{ "xdp check_mtu: ctx device, the packet's length", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		BPF_MOV64_IMM(BPF_REG_5, 0),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 65536 << 8, .pkt_len = 64 },
	{ "xdp check_mtu: *mtu_len as the L3 length, too big", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 65537),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		BPF_MOV64_IMM(BPF_REG_5, 0),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 65536 << 8 | BPF_MTU_CHK_RET_FRAG_NEEDED, .pkt_len = 64 },
	{ "xdp check_mtu: len_diff to one past the MTU", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_MOV64_IMM(BPF_REG_2, 1),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 65487),
		BPF_MOV64_IMM(BPF_REG_5, 0),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 65536 << 8 | BPF_MTU_CHK_RET_FRAG_NEEDED, .pkt_len = 64 },
	{ "xdp check_mtu: len_diff to the MTU exactly", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_MOV64_IMM(BPF_REG_2, 1),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 65486),
		BPF_MOV64_IMM(BPF_REG_5, 0),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 65536 << 8, .pkt_len = 64 },
	{ "xdp check_mtu: no such device, mtu_len 0", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 1500),
		BPF_MOV64_IMM(BPF_REG_2, 65535),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		BPF_MOV64_IMM(BPF_REG_5, 0),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 1500 << 8 | (-ENODEV & 0xff), .pkt_len = 64 },
	{ "xdp check_mtu: any flag is -EINVAL", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 1500),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		BPF_MOV64_IMM(BPF_REG_5, 1),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 1500 << 8 | (-EINVAL & 0xff), .pkt_len = 64 },
	{ "tc check_mtu: lo by ifindex", TC, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_MOV64_IMM(BPF_REG_2, 1),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		BPF_MOV64_IMM(BPF_REG_5, 0),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 65536 << 8, .pkt_len = 64 },
	{ "tc check_mtu: *mtu_len too big, not GSO", TC, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 65537),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		BPF_MOV64_IMM(BPF_REG_5, 0),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 65536 << 8 | BPF_MTU_CHK_RET_FRAG_NEEDED, .pkt_len = 64 },
	{ "tc check_mtu: negative len_diff", TC, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, -100),
		BPF_MOV64_IMM(BPF_REG_5, 0),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 65536 << 8, .pkt_len = 64 },
	{ "tc check_mtu: SEGS with a len_diff is -EINVAL", TC, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 1500),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 1),
		BPF_MOV64_IMM(BPF_REG_5, BPF_MTU_CHK_SEGS),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 1500 << 8 | (-EINVAL & 0xff), .pkt_len = 64 },
	{ "tc check_mtu: SEGS alone", TC, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		BPF_MOV64_IMM(BPF_REG_5, BPF_MTU_CHK_SEGS),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 65536 << 8, .pkt_len = 64 },
	{ "tc check_mtu: unknown flag", TC, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 1500),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		BPF_MOV64_IMM(BPF_REG_5, 2),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 1500 << 8 | (-EINVAL & 0xff), .pkt_len = 64 },
	{ "tc check_mtu: no such device", TC, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 1500),
		BPF_MOV64_IMM(BPF_REG_2, 32767),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		BPF_MOV64_IMM(BPF_REG_5, 0),
		BPF_EMIT_CALL(BPF_FUNC_check_mtu),
		BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_10, -4),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, 1500 << 8 | (-ENODEV & 0xff), .pkt_len = 64 },

	/* trace_printk returns the length of what it printed (bstr_printf), or -EINVAL */
	{ "trace_printk: %d %x", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x253d792064253d78ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000a78ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_LD_IMM64(BPF_REG_3, -5),
		BPF_LD_IMM64(BPF_REG_4, 255),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, 10 },
	{ "trace_printk: flags and widths", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x342d257c64353025ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x000000642b257c75ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_LD_IMM64(BPF_REG_3, 42),
		BPF_LD_IMM64(BPF_REG_4, 7),
		BPF_LD_IMM64(BPF_REG_5, 3),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, 13 },
	{ "trace_printk: %lld %llx %c", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x6c6c2520646c6c25ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000063252078ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_LD_IMM64(BPF_REG_3, -1),
		BPF_LD_IMM64(BPF_REG_4, 0xdeadbeefcafeULL),
		BPF_LD_IMM64(BPF_REG_5, 'A'),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, 17 },
	{ "trace_printk: %d takes the low 32 bits", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000006425ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_LD_IMM64(BPF_REG_3, 0x1ffffffffULL),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, 2 },
	{ "trace_printk: %%", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x0000002525303031ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, 4 },
	{ "trace_printk: four conversions", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x6425206425206425ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000642520ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_LD_IMM64(BPF_REG_3, 1),
		BPF_LD_IMM64(BPF_REG_4, 2),
		BPF_LD_IMM64(BPF_REG_5, 3),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, (uint64_t)-EINVAL },
	{ "trace_printk: precision", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x0000000064322e25ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_LD_IMM64(BPF_REG_3, 1),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, (uint64_t)-EINVAL },
	{ "trace_printk: no NUL inside fmt_size", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x6867666564636261ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 8),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, (uint64_t)-EINVAL },
	{ "trace_printk: control character", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000620161ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, (uint64_t)-EINVAL },
	{ "trace_printk: %lu of a 64-bit value, width 21", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x00002e756c313225ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_LD_IMM64(BPF_REG_3, 0xffffffffffffffffULL),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, 22 },
	{ "trace_printk: %X and %i", SOCK, {
		BPF_LD_IMM64(BPF_REG_1, 0x0000000069255825ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
		BPF_LD_IMM64(BPF_REG_1, 0x0000000000000000ULL),
		BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		BPF_MOV64_IMM(BPF_REG_2, 24),
		BPF_LD_IMM64(BPF_REG_3, 0xabc),
		BPF_LD_IMM64(BPF_REG_4, -77),
		BPF_EMIT_CALL(BPF_FUNC_trace_printk),
		BPF_EXIT_INSN() }, 6 },

	{ "tail call into an empty slot goes on, r6-r9 kept", SOCK, {
		BPF_MOV64_IMM(BPF_REG_6, 9),
		BPF_LD_MAP_FD(BPF_REG_2, CASE_PROGS),
		BPF_MOV64_IMM(BPF_REG_3, 1),
		BPF_EMIT_CALL(BPF_FUNC_tail_call),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() }, 9, .maps = true },
	{ "perf_event_output: -ENOENT with no event open, -EINVAL for bad flags", XDP, {
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 1),
		BPF_LD_MAP_FD(BPF_REG_2, CASE_PERF),
		BPF_LD_IMM64(BPF_REG_3, BPF_F_CURRENT_CPU),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, -8),
		BPF_MOV64_IMM(BPF_REG_5, 8),
		BPF_EMIT_CALL(BPF_FUNC_perf_event_output),
		BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
		BPF_LD_MAP_FD(BPF_REG_2, CASE_PERF),
		BPF_LD_IMM64(BPF_REG_3, 1ULL << 60),
		BPF_MOV64_REG(BPF_REG_4, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, -8),
		BPF_MOV64_IMM(BPF_REG_5, 8),
		BPF_EMIT_CALL(BPF_FUNC_perf_event_output),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_7, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7),
		BPF_EXIT_INSN() }, ((uint64_t)-EINVAL << 8) | (-ENOENT & 0xff), .maps = true,
		.pkt_len = 64 },

	/* ---- maps ---- */
	{ "array lookup in range and out of range", SOCK, {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 3),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_ARRAY),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_MOV64_IMM(BPF_REG_6, 0),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
		BPF_MOV64_IMM(BPF_REG_6, 1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 4),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_ARRAY),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
		BPF_ALU64_IMM(BPF_OR, BPF_REG_6, 2),
		BPF_MOV64_REG(BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() }, 1, .maps = true },
	{ "array value write through the pointer, read back", SOCK, {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 1),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_ARRAY),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 4),
		BPF_ST_MEM(BPF_DW, BPF_REG_0, 0, 41),
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
		BPF_EXIT_INSN() }, 42, .maps = true },
	{ "atomic fetch_add32 on a map value: old value zero-extended", SOCK, {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_ARRAY),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 6),
		BPF_ST_MEM(BPF_DW, BPF_REG_0, 0, -1),
		BPF_MOV64_IMM(BPF_REG_1, 2),
		BPF_ATOMIC_OP(BPF_W, BPF_ADD | BPF_FETCH, BPF_REG_0, BPF_REG_1, 0),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
		BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_1),
		BPF_EXIT_INSN(),
		BPF_EXIT_INSN() }, 0xffffffff00000001ULL ^ 0xffffffffULL, .maps = true },
	{ "array update NOEXIST is -EEXIST, delete is -EINVAL", SOCK, {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, 5),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_ARRAY),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
		BPF_MOV64_IMM(BPF_REG_4, BPF_NOEXIST),
		BPF_EMIT_CALL(BPF_FUNC_map_update_elem),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_ARRAY),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_delete_elem),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_6, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() }, ((uint64_t)-EINVAL << 8) | (-EEXIST & 0xff), .maps = true },
	{ "hash: update, lookup, NOEXIST, delete twice, full", SOCK, {
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 7),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, 99),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_HASH),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
		BPF_MOV64_IMM(BPF_REG_4, BPF_NOEXIST),
		BPF_EMIT_CALL(BPF_FUNC_map_update_elem),      /* 0 */
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_HASH),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
		BPF_MOV64_IMM(BPF_REG_4, BPF_NOEXIST),
		BPF_EMIT_CALL(BPF_FUNC_map_update_elem),      /* -EEXIST */
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8),
		BPF_ALU64_REG(BPF_OR, BPF_REG_6, BPF_REG_0),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_HASH),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 3),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0), /* 99 */
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 16),
		BPF_ALU64_REG(BPF_OR, BPF_REG_6, BPF_REG_0),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_HASH),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_delete_elem),      /* 0 */
		BPF_LD_MAP_FD(BPF_REG_1, CASE_HASH),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_delete_elem),      /* -ENOENT */
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 24),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() },
		((uint64_t)(-ENOENT & 0xff) << 24) | (99 << 16) | ((-EEXIST & 0xff) << 8),
		.maps = true },
	{ "hash: a third key in a 2-entry map is -E2BIG", SOCK, {
		BPF_MOV64_IMM(BPF_REG_6, 0),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, 1),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_6, 1),
		BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_6, -4),
		BPF_LD_MAP_FD(BPF_REG_1, CASE_HASH),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
		BPF_MOV64_IMM(BPF_REG_4, BPF_ANY),
		BPF_EMIT_CALL(BPF_FUNC_map_update_elem),
		BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 1),
		BPF_JMP_IMM(BPF_JLT, BPF_REG_6, 5, -12),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_6, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() }, (3 << 8) | (-E2BIG & 0xff), .maps = true },

	/* ---- our own behaviour: faults and inputs (not sent to the kernel) ---- */
	{ "fault: packet read past data_end", XDP, {
		BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_2, 62),
		BPF_EXIT_INSN() }, 0, INTERP_FAULT, .no_kernel = true },
	{ "fault: read through a scalar", SOCK, {
		BPF_MOV64_IMM(BPF_REG_1, 16),
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, 0),
		BPF_EXIT_INSN() }, 0, INTERP_FAULT, .no_kernel = true },
	{ "fault: stack below fp-512", SOCK, {
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -520),
		BPF_EXIT_INSN() }, 0, INTERP_FAULT, .no_kernel = true },
	{ "fault: write to xdp_md", XDP, {
		BPF_ST_MEM(BPF_W, BPF_REG_1, 0, 0),
		BPF_EXIT_INSN() }, 0, INTERP_FAULT, .no_kernel = true },
	{ "fault: socket filter may not write mark", SOCK, {
		BPF_ST_MEM(BPF_W, BPF_REG_1, offsetof(struct __sk_buff, mark), 1),
		BPF_EXIT_INSN() }, 0, INTERP_FAULT, .no_kernel = true },
	{ "infinite loop exhausts the budget", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_JMP_A(-1),
		BPF_EXIT_INSN() }, 0, INTERP_BUDGET, .no_kernel = true },
	{ "unsupported helper", SOCK, {
		BPF_EMIT_CALL(9999),
		BPF_EXIT_INSN() }, 0, INTERP_UNSUPPORTED, .no_kernel = true },
	{ "call depth 8 exceeded", SOCK, {
		BPF_CALL_REL(-1),
		BPF_EXIT_INSN() }, 0, INTERP_FAULT, .no_kernel = true },
	{ "may_goto stops a loop after BPF_MAX_LOOPS", SOCK, {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_RAW_INSN(BPF_JMP | BPF_JCOND, 0, 0, 2, 0),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
		BPF_JMP_A(-3),
		BPF_EXIT_INSN() }, 8 * 1024 * 1024, .no_kernel = true },
};

#pragma GCC diagnostic pop

#undef SOCK
#undef XDP
#undef TC

#define INTERP_NCASES (sizeof(interp_cases) / sizeof(interp_cases[0]))

/* Length of a case's program: up to the last non-zero slot (as test_verifier does). */
static inline uint32_t interp_case_len(const struct interp_case *tc)
{
	uint32_t n = CASE_MAX_INSNS;

	while (n > 0) {
		const struct bpf_insn *in = &tc->insns[n - 1];

		if (in->code || in->dst_reg || in->src_reg || in->off || in->imm)
			break;
		n--;
	}
	return n;
}

#endif
