// SPDX-License-Identifier: MIT
/*
 * core/asm: the disassembler.
 *
 * We print what `llvm-objdump -d --no-show-raw-insn` (LLVM 14, default
 * features, i.e. without --mattr=+alu32) prints for each instruction, minus
 * the "<.text+0x30>" symbolization objdump appends to jumps, so that our text
 * can be compared token by token with objdump's and fed back to
 * `clang -target bpf -c`.  Every form below was checked against the
 * llvm-objdump 14 of Debian bookworm by encoding it with .byte.
 *
 * LLVM 14 does not know every encoding the kernel accepts.  Where objdump 14
 * prints <unknown>, drops a field, or decodes wrongly, we print what newer LLVM
 * prints (version in brackets), or keep the field in the nearest syntax.
 * tests/unit/test_asm.c holds one NEWER row per case below and checks, against
 * the installed llvm-objdump, that objdump 14 really prints what this table says.
 *
 *   encoding                      objdump 14 prints      we print
 *   --------------------------    --------------------   ---------------------------------------
 *   ALU/ALU64 MOD 0x94 0x9c ..    <unknown>              w0 %= w1, r0 %= 3                  [17]
 *   JMP/JMP32 JSET 0x45 0x4e ..   <unknown>              if r1 & r2 goto +1                 [17]
 *   ST imm 0x62 0x6a 0x72 0x7a    <unknown>              *(u32 *)(r10 - 8) = 5              [17]
 *   MOV X, off 8/16/32 (movsx)    r1 = r2 (off lost)     r1 = (s8)r2, w1 = (s16)w2          [17]
 *   DIV/MOD, off 1 (sdiv/smod)    r1 /= r2, <unknown>    r1 s/= r2, w1 s%= 3                [17]
 *   ALU64 END 0xd7 (bswap)        <unknown>              r1 = bswap16 r1                    [17]
 *   LDX MEMSX 0x81 0x89 0x91      <unknown>              r1 = *(s8 *)(r2 + 0)               [17]
 *   JMP32 JA 0x06 (gotol)         <unknown>              gotol +5                           [17]
 *   JMP JCOND 0xe5 (may_goto)     <unknown>              may_goto +3                        [19]
 *   ALU64 MOV X off 1 (arena)     r1 = r2 (off lost)     r1 = addr_space_cast(r2, 0, 1)     [18]
 *   ATOMIC LOAD_ACQ               <unknown>, or for      r0 = load_acquire((u64 *)(r1 + 0)) [20]
 *                                 W/DW "lock .. += r1"
 *   ATOMIC STORE_REL              <unknown>              store_release((u8 *)(r1 + 0), w2)  [20]
 *   ATOMIC W or/and/xor           <unknown>              lock *(u32 *)(r1 + 0) |= w2         [a]
 *   ATOMIC W fetch ops            <unknown>, or for      w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)
 *                                 add "lock .. += r2"                                        [a]
 *   ATOMIC W xchg                 <unknown>              w2 = xchg32_32(r1 + 0, w2)          [a]
 *   ATOMIC W cmpxchg              <unknown>              w0 = cmpxchg32_32(r1 + 0, w0, w2)   [a]
 *   LD_IND, imm != 0              skb[r3] (imm lost)     r0 = *(u8 *)skb[r3 + 4]            [us]
 *   LD_IMM64 pseudo, 2nd imm      ld_pseudo r1, 2, 3     ld_pseudo r1, 2, 3, 8              [us]
 *
 *   [17] .. [20]: LLVM 17 .. 20; [a]: llvm-objdump 14 --mattr=+alu32; [us]: our own
 *   extension of objdump's form, so that no field is lost.
 *
 * (objdump 14 reads only the low byte of an atomic's imm, so imm 0x100 and
 * 32-bit imm 0x01 both come out as a plain add: our text is right, its is not.)
 *
 * Objdump 14 forms that may surprise, kept as objdump prints them: the 32-bit
 * plain atomic add is "lock *(u32 *)(r1 + 0) += r2" (an r register); BPF_END
 * in the 32-bit class prints r registers ("r1 = be16 r1"); LD_IND prints
 * "skb[r3]" without "+ 0"; cmpxchg names r0 twice ("r0 = cmpxchg_64(r1 + 0, r0,
 * r2)"); LD_IMM64 with a pseudo src_reg prints "ld_pseudo<TAB>r1, 1, 3", the
 * first imm unsigned; immediates are signed decimal, LD_IMM64 values signed
 * 64-bit ("r1 = -1 ll"); a zero offset prints as "+ 0".
 *
 * We refuse (-EINVAL, "<invalid 0xNN>") every encoding the kernel's
 * instruction decoder rejects (prog_check_encoding()), even where objdump
 * prints something: "callx r0" (0x8d), or "r1 = r2" for a MOV whose imm is
 * set, would silently drop what makes the encoding invalid.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/asm.h"
#include "core/prog.h"
#include "core/prog_internal.h"

static const char *const size_name[] = {[BPF_W >> 3] = "u32",
					[BPF_H >> 3] = "u16",
					[BPF_B >> 3] = "u8",
					[BPF_DW >> 3] = "u64"};

static const char *const ssize_name[] = {[BPF_W >> 3] = "s32",
					 [BPF_H >> 3] = "s16",
					 [BPF_B >> 3] = "s8",
					 [BPF_DW >> 3] = "s64"};

static const char *const alu_op[16] = {
	[BPF_ADD >> 4] = "+=",	[BPF_SUB >> 4] = "-=",	[BPF_MUL >> 4] = "*=",
	[BPF_DIV >> 4] = "/=",	[BPF_OR >> 4] = "|=",	[BPF_AND >> 4] = "&=",
	[BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=", [BPF_MOD >> 4] = "%=",
	[BPF_XOR >> 4] = "^=",	[BPF_MOV >> 4] = "=",	[BPF_ARSH >> 4] = "s>>=",
};

static const char *const jmp_op[16] = {
	[BPF_JEQ >> 4] = "==",	 [BPF_JGT >> 4] = ">",	  [BPF_JGE >> 4] = ">=",
	[BPF_JSET >> 4] = "&",	 [BPF_JNE >> 4] = "!=",	  [BPF_JSGT >> 4] = "s>",
	[BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<",	  [BPF_JLE >> 4] = "<=",
	[BPF_JSLT >> 4] = "s<",	 [BPF_JSLE >> 4] = "s<=",
};

/* Atomic read-modify-write ops by imm without BPF_FETCH: lock form and fetch name. */
static const char *atomic_lock_op(int op)
{
	switch (op) {
	case BPF_ADD:
		return "+=";
	case BPF_OR:
		return "|=";
	case BPF_AND:
		return "&=";
	default: /* BPF_XOR */
		return "^=";
	}
}

static const char *atomic_fetch_name(int op)
{
	switch (op) {
	case BPF_ADD:
		return "add";
	case BPF_OR:
		return "or";
	case BPF_AND:
		return "and";
	default: /* BPF_XOR */
		return "xor";
	}
}

/* "r2 - 8" / "r2 + 0": objdump spells the sign as an operator with spaces. */
static void fmt_addr(char *buf, size_t bufsz, unsigned int reg, int off)
{
	if (off < 0)
		snprintf(buf, bufsz, "r%u - %d", reg, -off);
	else
		snprintf(buf, bufsz, "r%u + %d", reg, off);
}

static void fmt_alu(const struct bpf_insn *insn, char *buf, size_t bufsz)
{
	bool alu64 = BPF_CLASS(insn->code) == BPF_ALU64;
	bool x = BPF_SRC(insn->code) == BPF_X;
	unsigned int op = BPF_OP(insn->code);
	char r = alu64 ? 'r' : 'w';

	switch (op) {
	case BPF_NEG:
		snprintf(buf, bufsz, "%c%u = -%c%u", r, insn->dst_reg, r, insn->dst_reg);
		return;
	case BPF_END:
		/* objdump 14 prints r registers for the 32-bit class too */
		snprintf(buf, bufsz, "r%u = %s%d r%u", insn->dst_reg,
			 alu64 ? "bswap" : (x ? "be" : "le"), insn->imm, insn->dst_reg);
		return;
	case BPF_MOV:
		if (x && alu64 && insn->off == 1) {
			snprintf(buf, bufsz, "r%u = addr_space_cast(r%u, %u, %u)", insn->dst_reg,
				 insn->src_reg, (uint32_t)insn->imm >> 16,
				 (uint32_t)insn->imm & 0xffff);
			return;
		}
		if (x && insn->off) {
			snprintf(buf, bufsz, "%c%u = (s%d)%c%u", r, insn->dst_reg, insn->off, r,
				 insn->src_reg);
			return;
		}
		break;
	case BPF_DIV:
	case BPF_MOD:
		if (insn->off == 1) {
			if (x)
				snprintf(buf, bufsz, "%c%u s%s %c%u", r, insn->dst_reg,
					 alu_op[op >> 4], r, insn->src_reg);
			else
				snprintf(buf, bufsz, "%c%u s%s %d", r, insn->dst_reg,
					 alu_op[op >> 4], insn->imm);
			return;
		}
		break;
	}
	if (x)
		snprintf(buf, bufsz, "%c%u %s %c%u", r, insn->dst_reg, alu_op[op >> 4], r,
			 insn->src_reg);
	else
		snprintf(buf, bufsz, "%c%u %s %d", r, insn->dst_reg, alu_op[op >> 4], insn->imm);
}

static void fmt_jmp(const struct bpf_insn *insn, char *buf, size_t bufsz)
{
	bool jmp32 = BPF_CLASS(insn->code) == BPF_JMP32;
	unsigned int op = BPF_OP(insn->code);
	char r = jmp32 ? 'w' : 'r';

	switch (op) {
	case BPF_CALL:
		/* helper id, kfunc BTF id or pseudo-call offset alike: objdump prints imm */
		snprintf(buf, bufsz, "call %d", insn->imm);
		return;
	case BPF_EXIT:
		snprintf(buf, bufsz, "exit");
		return;
	case BPF_JA:
		if (jmp32)
			snprintf(buf, bufsz, "gotol %+d", insn->imm);
		else
			snprintf(buf, bufsz, "goto %+d", insn->off);
		return;
	case BPF_JCOND:
		snprintf(buf, bufsz, "may_goto %+d", insn->off);
		return;
	}
	if (BPF_SRC(insn->code) == BPF_X)
		snprintf(buf, bufsz, "if %c%u %s %c%u goto %+d", r, insn->dst_reg, jmp_op[op >> 4],
			 r, insn->src_reg, insn->off);
	else
		snprintf(buf, bufsz, "if %c%u %s %d goto %+d", r, insn->dst_reg, jmp_op[op >> 4],
			 insn->imm, insn->off);
}

static void fmt_atomic(const struct bpf_insn *insn, char *buf, size_t bufsz)
{
	bool dw = BPF_SIZE(insn->code) == BPF_DW;
	const char *sz = size_name[BPF_SIZE(insn->code) >> 3];
	char r = dw ? 'r' : 'w', addr[32];
	int op = insn->imm & ~BPF_FETCH;

	fmt_addr(addr, sizeof(addr), insn->dst_reg, insn->off);
	switch (insn->imm) {
	case BPF_LOAD_ACQ: /* dst_reg is the destination, src_reg the address */
		fmt_addr(addr, sizeof(addr), insn->src_reg, insn->off);
		snprintf(buf, bufsz, "%c%u = load_acquire((%s *)(%s))", r, insn->dst_reg, sz, addr);
		return;
	case BPF_STORE_REL:
		snprintf(buf, bufsz, "store_release((%s *)(%s), %c%u)", sz, addr, r, insn->src_reg);
		return;
	case BPF_XCHG:
		snprintf(buf, bufsz, "%c%u = xchg%s(%s, %c%u)", r, insn->src_reg,
			 dw ? "_64" : "32_32", addr, r, insn->src_reg);
		return;
	case BPF_CMPXCHG:
		snprintf(buf, bufsz, "%c0 = cmpxchg%s(%s, %c0, %c%u)", r, dw ? "_64" : "32_32",
			 addr, r, r, insn->src_reg);
		return;
	}
	if (insn->imm & BPF_FETCH) {
		snprintf(buf, bufsz, "%c%u = atomic_fetch_%s((%s *)(%s), %c%u)", r, insn->src_reg,
			 atomic_fetch_name(op), sz, addr, r, insn->src_reg);
		return;
	}
	/* objdump 14 (default features) prints the 32-bit plain add with an r register */
	if (!dw && op == BPF_ADD)
		r = 'r';
	snprintf(buf, bufsz, "lock *(%s *)(%s) %s %c%u", sz, addr, atomic_lock_op(op), r,
		 insn->src_reg);
}

static void fmt_mem(const struct bpf_insn *insn, char *buf, size_t bufsz)
{
	const char *sz = size_name[BPF_SIZE(insn->code) >> 3];
	char addr[32];

	switch (BPF_CLASS(insn->code)) {
	case BPF_LDX:
		fmt_addr(addr, sizeof(addr), insn->src_reg, insn->off);
		if (BPF_MODE(insn->code) == BPF_MEMSX)
			sz = ssize_name[BPF_SIZE(insn->code) >> 3];
		snprintf(buf, bufsz, "r%u = *(%s *)(%s)", insn->dst_reg, sz, addr);
		return;
	case BPF_ST:
		fmt_addr(addr, sizeof(addr), insn->dst_reg, insn->off);
		snprintf(buf, bufsz, "*(%s *)(%s) = %d", sz, addr, insn->imm);
		return;
	default: /* BPF_STX */
		if (BPF_MODE(insn->code) == BPF_ATOMIC) {
			fmt_atomic(insn, buf, bufsz);
			return;
		}
		fmt_addr(addr, sizeof(addr), insn->dst_reg, insn->off);
		snprintf(buf, bufsz, "*(%s *)(%s) = r%u", sz, addr, insn->src_reg);
	}
}

static void fmt_ld(const struct bpf_insn *insn, char *buf, size_t bufsz)
{
	const char *sz = size_name[BPF_SIZE(insn->code) >> 3];
	uint64_t v;

	switch (BPF_MODE(insn->code)) {
	case BPF_ABS:
		snprintf(buf, bufsz, "r0 = *(%s *)skb[%d]", sz, insn->imm);
		return;
	case BPF_IND:
		if (insn->imm)
			snprintf(buf, bufsz, "r0 = *(%s *)skb[r%u %c %" PRId64 "]", sz,
				 insn->src_reg, insn->imm < 0 ? '-' : '+',
				 insn->imm < 0 ? -(int64_t)insn->imm : (int64_t)insn->imm);
		else
			snprintf(buf, bufsz, "r0 = *(%s *)skb[r%u]", sz, insn->src_reg);
		return;
	default: /* LD_IMM64, both slots checked by the caller */
		if (insn->src_reg == 0) {
			v = (uint32_t)insn[0].imm | (uint64_t)(uint32_t)insn[1].imm << 32;
			snprintf(buf, bufsz, "r%u = %" PRId64 " ll", insn->dst_reg, (int64_t)v);
		} else if (insn[1].imm) {
			snprintf(buf, bufsz, "ld_pseudo\tr%u, %u, %u, %d", insn->dst_reg,
				 insn->src_reg, (uint32_t)insn->imm, insn[1].imm);
		} else {
			snprintf(buf, bufsz, "ld_pseudo\tr%u, %u, %u", insn->dst_reg, insn->src_reg,
				 (uint32_t)insn->imm);
		}
	}
}

int asm_format_insn(const struct bpf_insn *insns, size_t len, size_t i, char *buf, size_t bufsz)
{
	const struct bpf_insn *insn;

	if (!buf || !bufsz)
		return -EINVAL;
	if (!insns || i >= len) {
		snprintf(buf, bufsz, "<invalid>");
		return -EINVAL;
	}
	insn = &insns[i];
	if (prog_check_encoding(insns, len, i, NULL, 0)) {
		snprintf(buf, bufsz, "<invalid 0x%02x>", insn->code);
		return -EINVAL;
	}
	switch (BPF_CLASS(insn->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		fmt_alu(insn, buf, bufsz);
		return 1;
	case BPF_JMP:
	case BPF_JMP32:
		fmt_jmp(insn, buf, bufsz);
		return 1;
	case BPF_LD:
		fmt_ld(insn, buf, bufsz);
		return prog_insn_is_ldimm64(insn) ? 2 : 1;
	default:
		fmt_mem(insn, buf, bufsz);
		return 1;
	}
}
