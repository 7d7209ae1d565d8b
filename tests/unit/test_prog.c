// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/prog: structural validation and the CFG.
 *
 * Programs are written in the assembly LLVM's BPF assembler reads and are
 * assembled at test time with `clang -target bpf -c`; the tests read the .text
 * section back with libelf.  Encodings clang 14 cannot assemble (cpu v4,
 * atomics with fetch, ST immediate, mod, jset, pseudo LD_IMM64, invalid
 * encodings) are written with the `insn code, dst, src, off, imm` macro
 * defined in ASM_PRELUDE, each with a comment saying what it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/prog.h"
#include "tests/test.h"
#include "tests/unit/elf_text.h"

#define ASM_PRELUDE                                \
	"\t.macro insn code, dst, src, off, imm\n" \
	"\t.byte \\code, (\\src << 4) | \\dst\n"   \
	"\t.short \\off\n"                         \
	"\t.long \\imm\n"                          \
	"\t.endm\n"                                \
	"\t.text\n"

/* Assemble @text with clang (tests/unit/elf_text.h); 0 and a malloc'ed program, or -errno. */
static int assemble(const char *text, struct bpf_insn **insns, size_t *len)
{
	return test_assemble(ASM_PRELUDE, text, insns, len);
}

/* ---- valid programs ---------------------------------------------------- */

struct valid_case {
	const char *descr;
	const char *text;
	int nsubprogs; /* expected from prog__new */
};

static const struct valid_case valid_cases[] = {
	{"minimal", "r0 = 0\nexit", 1},
	{"alu64 K and X",
	 "r0 = 1\nr1 = -5\nr0 += 1\nr0 -= r1\nr0 *= 3\nr0 /= 7\nr0 |= r1\nr0 &= 0xff\n"
	 "r0 <<= 63\nr0 >>= r1\nr0 ^= -1\nr0 s>>= 3\nr0 = -r0\nr0 = r1\nr1 = r10\n"
	 "insn 0x97, 0, 0, 0, 10 // r0 %= 10\n"
	 "insn 0x9f, 0, 1, 0, 0 // r0 %= r1\n"
	 "exit",
	 1},
	{"alu32 K and X",
	 "w0 = 1\nw1 = w0\nw0 += w1\nw0 -= 2\nw0 *= w1\nw0 /= 3\nw0 |= 4\nw0 &= w1\n"
	 "w0 <<= 31\nw0 >>= w1\nw0 ^= 5\nw0 s>>= 1\nw0 = -w0\n"
	 "insn 0x94, 0, 0, 0, 3 // w0 %= 3\n"
	 "insn 0x9c, 0, 1, 0, 0 // w0 %= w1\n"
	 "exit",
	 1},
	{"endianness and bswap",
	 "r0 = 1\nr0 = be16 r0\nr0 = be32 r0\nr0 = be64 r0\nr0 = le16 r0\nr0 = le32 r0\n"
	 "r0 = le64 r0\n"
	 "insn 0xd7, 0, 0, 0, 16 // r0 = bswap16 r0\n"
	 "insn 0xd7, 0, 0, 0, 32 // r0 = bswap32 r0\n"
	 "insn 0xd7, 0, 0, 0, 64 // r0 = bswap64 r0\n"
	 "exit",
	 1},
	{"cpu v4 sdiv, smod, movsx",
	 "r0 = 1\nr1 = 2\n"
	 "insn 0x3f, 0, 1, 1, 0 // r0 s/= r1\n"
	 "insn 0x9f, 0, 1, 1, 0 // r0 s%= r1\n"
	 "insn 0x37, 0, 0, 1, -3 // r0 s/= -3\n"
	 "insn 0x3c, 0, 1, 1, 0 // w0 s/= w1\n"
	 "insn 0x94, 0, 0, 1, 7 // w0 s%= 7\n"
	 "insn 0xbf, 0, 1, 8, 0 // r0 = (s8)r1\n"
	 "insn 0xbf, 0, 1, 16, 0 // r0 = (s16)r1\n"
	 "insn 0xbf, 0, 1, 32, 0 // r0 = (s32)r1\n"
	 "insn 0xbc, 0, 1, 8, 0 // w0 = (s8)w1\n"
	 "insn 0xbc, 0, 1, 16, 0 // w0 = (s16)w1\n"
	 "exit",
	 1},
	{"arena addr_space_cast",
	 "insn 0xbf, 1, 2, 1, 1 // r1 = addr_space_cast(r2, 0, 1)\n"
	 "insn 0xbf, 1, 1, 1, 0x10000 // r1 = addr_space_cast(r1, 1, 0)\n"
	 "r0 = 0\nexit",
	 1},
	{"jmp all conditions",
	 "r0 = 0\nif r1 == r2 goto +12\nif r1 != 3 goto +11\nif r1 > r2 goto +10\n"
	 "if r1 >= -1 goto +9\nif r1 < r2 goto +8\nif r1 <= 4 goto +7\nif r1 s> r2 goto +6\n"
	 "if r1 s>= 5 goto +5\nif r1 s< r10 goto +4\nif r1 s<= 6 goto +3\n"
	 "insn 0x45, 1, 0, 2, 8 // if r1 & 8 goto +2\n"
	 "insn 0x4d, 1, 2, 1, 0 // if r1 & r2 goto +1\n"
	 "r0 = 1\nexit",
	 1},
	{"jmp32 all conditions",
	 "r0 = 0\nif w1 == w2 goto +12\nif w1 != 3 goto +11\nif w1 > w2 goto +10\n"
	 "if w1 >= -1 goto +9\nif w1 < w2 goto +8\nif w1 <= 4 goto +7\nif w1 s> w2 goto +6\n"
	 "if w1 s>= 5 goto +5\nif w1 s< w2 goto +4\nif w1 s<= 6 goto +3\n"
	 "insn 0x46, 1, 0, 2, 8 // if w1 & 8 goto +2\n"
	 "insn 0x4e, 1, 2, 1, 0 // if w1 & w2 goto +1\n"
	 "r0 = 1\nexit",
	 1},
	{"loads and stores",
	 "r2 = *(u8 *)(r1 + 0)\nr2 = *(u16 *)(r1 + 2)\nr2 = *(u32 *)(r1 - 4)\n"
	 "r2 = *(u64 *)(r1 + 32767)\n*(u8 *)(r10 - 1) = r2\n*(u16 *)(r10 - 4) = r2\n"
	 "*(u32 *)(r10 - 8) = r2\n*(u64 *)(r10 - 32768) = r2\n"
	 "insn 0x72, 10, 0, -1, 1 // *(u8 *)(r10 - 1) = 1\n"
	 "insn 0x6a, 10, 0, -2, 2 // *(u16 *)(r10 - 2) = 2\n"
	 "insn 0x62, 10, 0, -8, -3 // *(u32 *)(r10 - 8) = -3\n"
	 "insn 0x7a, 10, 0, -16, 4 // *(u64 *)(r10 - 16) = 4\n"
	 "insn 0x91, 2, 1, 0, 0 // r2 = *(s8 *)(r1 + 0)\n"
	 "insn 0x89, 2, 1, 2, 0 // r2 = *(s16 *)(r1 + 2)\n"
	 "insn 0x81, 2, 1, 4, 0 // r2 = *(s32 *)(r1 + 4)\n"
	 "r0 = 0\nexit",
	 1},
	{"atomics",
	 "r2 = 1\nlock *(u64 *)(r10 - 8) += r2\nlock *(u32 *)(r10 - 8) += w2\n"
	 "insn 0xdb, 10, 2, -8, 0x40 // lock *(u64 *)(r10 - 8) |= r2\n"
	 "insn 0xdb, 10, 2, -8, 0x50 // lock *(u64 *)(r10 - 8) &= r2\n"
	 "insn 0xdb, 10, 2, -8, 0xa0 // lock *(u64 *)(r10 - 8) ^= r2\n"
	 "insn 0xdb, 10, 2, -8, 0x01 // r2 = atomic_fetch_add((u64 *)(r10 - 8), r2)\n"
	 "insn 0xdb, 10, 2, -8, 0x41 // r2 = atomic_fetch_or((u64 *)(r10 - 8), r2)\n"
	 "insn 0xdb, 10, 2, -8, 0x51 // r2 = atomic_fetch_and((u64 *)(r10 - 8), r2)\n"
	 "insn 0xdb, 10, 2, -8, 0xa1 // r2 = atomic_fetch_xor((u64 *)(r10 - 8), r2)\n"
	 "insn 0xdb, 10, 2, -8, 0xe1 // r2 = xchg_64(r10 - 8, r2)\n"
	 "insn 0xdb, 10, 2, -8, 0xf1 // r0 = cmpxchg_64(r10 - 8, r0, r2)\n"
	 "insn 0xc3, 10, 2, -8, 0x41 // w2 = atomic_fetch_or((u32 *)(r10 - 8), w2)\n"
	 "insn 0xc3, 10, 2, -8, 0xe1 // w2 = xchg32_32(r10 - 8, w2)\n"
	 "insn 0xc3, 10, 2, -8, 0xf1 // w0 = cmpxchg32_32(r10 - 8, w0, w2)\n"
	 "insn 0xdb, 0, 10, -8, 0x100 // r0 = load_acquire((u64 *)(r10 - 8))\n"
	 "insn 0xd3, 0, 10, -8, 0x100 // w0 = load_acquire((u8 *)(r10 - 8))\n"
	 "insn 0xcb, 10, 2, -8, 0x110 // store_release((u16 *)(r10 - 8), w2)\n"
	 "r0 = 0\nexit",
	 1},
	{"ld_imm64 plain and pseudo forms",
	 "r1 = -1 ll\nr2 = 0x123456789 ll\n"
	 "insn 0x18, 1, 1, 0, 3\ninsn 0, 0, 0, 0, 0 // r1 = map_fd(3)\n"
	 "insn 0x18, 1, 2, 0, 3\ninsn 0, 0, 0, 0, 16 // r1 = map_value(3) + 16\n"
	 "insn 0x18, 1, 3, 0, 77\ninsn 0, 0, 0, 0, 5 // r1 = btf_id(77), module fd 5\n"
	 "insn 0x18, 1, 5, 0, 0\ninsn 0, 0, 0, 0, 0 // r1 = map_idx(0)\n"
	 "insn 0x18, 1, 6, 0, 1\ninsn 0, 0, 0, 0, 8 // r1 = map_idx_value(1) + 8\n"
	 "r0 = 0\nexit",
	 1},
	{"legacy packet loads",
	 "r6 = r1\nr0 = *(u8 *)skb[23]\nr0 = *(u16 *)skb[12]\nr0 = *(u32 *)skb[0]\n"
	 "r0 = *(u8 *)skb[r3]\nr0 = *(u16 *)skb[r3]\nr0 = *(u32 *)skb[r3]\n"
	 "insn 0x50, 0, 3, 0, 14 // r0 = *(u8 *)skb[r3 + 14]\n"
	 "exit",
	 1},
	{"bpf-to-bpf call",
	 "r1 = 1\ncall f\ncall f\nexit\n"
	 "f:\nr0 = r1\nexit",
	 2},
	{"helper and kfunc calls",
	 "call 1\ncall 0x7fffffff\n"
	 "insn 0x85, 0, 2, 0, 1234 // call kfunc btf_id 1234\n"
	 "insn 0x85, 0, 2, 3, 1234 // call kfunc btf_id 1234 in module btf fd_array[3]\n"
	 "exit",
	 1},
	{"ld_imm64 func reference makes a subprogram",
	 "insn 0x18, 2, 4, 0, 4\ninsn 0, 0, 0, 0, 0 // r2 = &cb (insn 5)\n"
	 "call 181\nr0 = 0\nexit\n"
	 "cb:\nr0 = 1\nexit",
	 2},
	{"gotol and may_goto",
	 "r0 = 0\ninsn 0xe5, 0, 0, 1, 0 // may_goto +1\n"
	 "insn 0x06, 0, 0, 0, 1 // gotol +1\n"
	 "r0 = 1\nexit",
	 1},
	{"backward loop", "r0 = 10\nL:\nr0 += -1\nif r0 != 0 goto L\ngoto E\nE:\nexit", 1},
	{"subprogram ending in goto back",
	 "call f\nexit\nf:\nr0 = 0\ngoto B\nA:\nexit\nB:\nr0 += 1\ngoto A", 2},
	{"exit with off set (kernel ignores it)", "r0 = 0\ninsn 0x95, 0, 0, 7, 0 // exit", 1},
	{"nop ja +0", "goto +0\nr0 = 0\ngoto +0\nexit", 1},
};

static void test_valid_programs(void)
{
	char msg[PROG_MSG_SIZE], what[160];
	struct bpf_insn *insns;
	struct prog *p;
	size_t i, len;

	if (!test_need_clang())
		return;
	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];

		insns = NULL;
		snprintf(what, sizeof(what), "assemble \"%s\"", c->descr);
		if (!ASSERT_OK(assemble(c->text, &insns, &len), what))
			continue;
		msg[0] = 0;
		if (!ASSERT_OK(prog_validate(insns, len, msg, sizeof(msg)), c->descr))
			fprintf(stderr, "    message: %s\n", msg);
		p = prog__new(insns, len, msg, sizeof(msg));
		snprintf(what, sizeof(what), "prog__new \"%s\"", c->descr);
		if (ASSERT_OK_PTR(p, what)) {
			snprintf(what, sizeof(what), "nsubprogs of \"%s\"", c->descr);
			ASSERT_EQ(p->nsubprogs, c->nsubprogs, what);
			ASSERT_EQ(p->len, len, "len copied");
		}
		prog__free(p);
		free(insns);
	}
}

/* ---- invalid programs -------------------------------------------------- */

struct invalid_case {
	const char *descr;
	const char *text;
	const char *msg; /* expected substring of the message */
};

static const struct invalid_case invalid_cases[] = {
	/* opcodes */
	{"opcode 0xff", "insn 0xff, 0, 0, 0, 0\nexit", "insn 0: invalid opcode 0xff"},
	{"opcode 0x00", "r0 = 0\ninsn 0, 0, 0, 0, 0\nexit", "insn 1: invalid opcode 0x00"},
	{"neg X", "insn 0x8f, 0, 0, 0, 0 // r0 = -r0 with BPF_X\nexit",
	 "insn 0: invalid opcode 0x8f"},
	{"alu64 end to_be", "insn 0xdf, 0, 0, 0, 16\nexit", "invalid opcode 0xdf"},
	{"alu op 0xe0", "insn 0xe7, 0, 0, 0, 1\nexit", "invalid opcode 0xe7"},
	{"callx", "insn 0x8d, 0, 0, 0, 1 // callx r1\nexit", "invalid opcode 0x8d"},
	{"jmp32 call", "insn 0x86, 0, 0, 0, 1\nexit", "invalid opcode 0x86"},
	{"jmp32 exit", "r0 = 0\ninsn 0x96, 0, 0, 0, 0\nexit", "insn 1: invalid opcode 0x96"},
	{"jmp32 may_goto", "insn 0xe6, 0, 0, 0, 0\nexit", "invalid opcode 0xe6"},
	{"ldsx dw", "insn 0x99, 1, 2, 0, 0\nexit", "invalid opcode 0x99"},
	{"ld_abs dw", "insn 0x38, 0, 0, 0, 0\nexit", "invalid opcode 0x38"},
	{"ld mode mem", "insn 0x60, 0, 0, 0, 0\nexit", "invalid opcode 0x60"},
	{"st mode atomic", "insn 0xc2, 10, 0, -8, 0\nexit", "invalid opcode 0xc2"},
	/* reserved fields */
	{"alu X with imm", "insn 0x0f, 1, 2, 0, 5 // r1 += r2, imm 5\nexit",
	 "insn 0: reserved field imm set in alu insn"},
	{"alu K with src_reg", "insn 0x07, 1, 2, 0, 5 // r1 += 5, src r2\nexit",
	 "reserved field src_reg set in alu insn"},
	{"alu with off", "r0 = 0\nr1 = 0\ninsn 0x0f, 1, 2, 1, 0 // r1 += r2, off 1\nexit",
	 "insn 2: reserved field off set in alu insn"},
	{"mul with off 1 (only div/mod are signed)", "insn 0x2f, 1, 2, 1, 0\nexit",
	 "reserved field off set in alu insn"},
	{"mov K with off", "insn 0xb7, 1, 0, 8, 1\nexit", "reserved field off set in mov insn"},
	{"mov X with imm", "insn 0xbf, 1, 2, 0, 1\nexit", "reserved field imm set in mov insn"},
	{"alu32 movsx 32", "insn 0xbc, 1, 2, 32, 0 // w1 = (s32)w2\nexit",
	 "invalid movsx width (off 32) in alu32 mov insn"},
	{"movsx width 7", "insn 0xbf, 1, 2, 7, 0\nexit", "invalid movsx width (off 7)"},
	{"addr_space_cast imm", "insn 0xbf, 1, 2, 1, 2\nexit", "invalid addr_space_cast imm 2"},
	{"end width 8", "insn 0xd4, 1, 0, 0, 8\nexit", "invalid byte swap width 8"},
	{"end with src_reg", "insn 0xdc, 1, 2, 0, 16\nexit", "reserved field src_reg set in end"},
	{"neg with imm", "insn 0x87, 1, 0, 0, 1\nexit", "reserved field imm set in neg insn"},
	{"jmp X with imm", "insn 0x1d, 1, 2, 0, 1\nexit", "reserved field imm set in jmp insn"},
	{"jmp K with src_reg", "insn 0x15, 1, 2, 0, 1\nexit",
	 "reserved field src_reg set in jmp insn"},
	{"ja with imm", "insn 0x05, 0, 0, 0, 1\nexit", "reserved field imm set in ja insn"},
	{"ja with dst_reg", "insn 0x05, 1, 0, 0, 0\nexit", "reserved field dst_reg set in ja"},
	{"gotol with off", "insn 0x06, 0, 0, 1, 0\nexit", "reserved field off set in gotol insn"},
	{"may_goto src_reg", "insn 0xe5, 0, 1, 0, 0\nexit", "invalid src_reg 1 for may_goto"},
	{"may_goto imm", "insn 0xe5, 0, 0, 0, 1\nexit", "reserved field imm set in may_goto"},
	{"call src_reg 3", "insn 0x85, 0, 3, 0, 1\nexit", "insn 0: invalid src_reg 3 for call"},
	{"helper call with off", "insn 0x85, 0, 0, 1, 1\nexit",
	 "reserved field off set in call insn"},
	{"call with dst_reg", "insn 0x85, 1, 0, 0, 1\nexit",
	 "reserved field dst_reg set in call insn"},
	{"exit with imm", "r0 = 0\ninsn 0x95, 0, 0, 0, 1", "reserved field imm set in exit insn"},
	{"exit with src_reg", "r0 = 0\ninsn 0x95, 0, 1, 0, 0",
	 "reserved field src_reg set in exit"},
	{"ldx with imm", "insn 0x79, 0, 1, 0, 1\nexit", "reserved field imm set in ldx insn"},
	{"st with src_reg", "insn 0x62, 10, 1, -8, 1\nr0 = 0\nexit",
	 "reserved field src_reg set in st insn"},
	{"stx with imm", "insn 0x7b, 10, 1, -8, 1\nr0 = 0\nexit",
	 "reserved field imm set in stx insn"},
	{"atomic op 0x02", "insn 0xdb, 10, 1, -8, 2\nr0 = 0\nexit", "invalid atomic op 0x2"},
	{"atomic fetch of xchg bits", "insn 0xdb, 10, 1, -8, 0xe0\nr0 = 0\nexit",
	 "invalid atomic op 0xe0"},
	{"atomic add on u8", "insn 0xd3, 10, 1, -8, 0\nr0 = 0\nexit",
	 "invalid atomic operand size"},
	{"ld_abs with dst_reg", "insn 0x30, 1, 0, 0, 4\nexit",
	 "reserved field dst_reg set in ld_abs insn"},
	{"ld_abs with src_reg", "insn 0x30, 0, 1, 0, 4\nexit",
	 "reserved field src_reg set in ld_abs insn"},
	{"ld_ind with off", "insn 0x50, 0, 1, 2, 4\nexit", "reserved field off set in ld_ind insn"},
	/* registers */
	{"dst r11", "insn 0xbf, 11, 1, 0, 0 // r11 = r1\nexit", "insn 0: invalid register r11"},
	{"src r12", "r0 = 0\ninsn 0x0f, 0, 12, 0, 0 // r0 += r12\nexit",
	 "insn 1: invalid register r12"},
	{"jmp src r15", "insn 0x1d, 1, 15, 0, 0\nexit", "invalid register r15"},
	{"ldx src r11", "insn 0x79, 0, 11, 0, 0\nexit", "invalid register r11"},
	{"mov to r10", "r0 = 0\nr10 = 1\nexit", "insn 1: r10 is read-only (dst of alu insn)"},
	{"add to w10", "w10 += 1\nexit", "r10 is read-only (dst of alu insn)"},
	{"load into r10", "r10 = *(u64 *)(r1 + 0)\nexit", "r10 is read-only (dst of ldx insn)"},
	{"ld_imm64 into r10", "r10 = 1 ll\nexit", "r10 is read-only (dst of ld_imm64 insn)"},
	{"load_acquire into r10", "insn 0xdb, 10, 1, 0, 0x100\nexit",
	 "r10 is read-only (dst of load_acquire)"},
	{"atomic with r10 src", "lock *(u64 *)(r1 + 0) += r10\nexit",
	 "r10 cannot be the src of an atomic op"},
	{"div by zero", "r1 = 1\nr1 /= 0\nexit", "insn 1: division by constant zero"},
	{"mod by zero", "insn 0x94, 1, 0, 0, 0 // w1 %= 0\nexit", "division by constant zero"},
	{"shift 64", "r1 <<= 64\nexit", "invalid shift 64"},
	{"shift w 32", "w1 s>>= 32\nexit", "invalid shift 32"},
	{"shift -1", "r1 >>= -1\nexit", "invalid shift -1"},
	/* ld_imm64 pairs */
	{"ld_imm64 at end", "r0 = 0\nexit\ninsn 0x18, 1, 0, 0, 0",
	 "insn 2: ld_imm64 missing second half"},
	{"ld_imm64 second half code", "insn 0x18, 1, 0, 0, 0\nr0 = 0\nexit",
	 "insn 0: invalid ld_imm64 second half (code 0xb7"},
	{"ld_imm64 second half off", "insn 0x18, 1, 0, 0, 0\ninsn 0, 0, 0, 1, 0\nexit",
	 "invalid ld_imm64 second half"},
	{"ld_imm64 second half regs", "insn 0x18, 1, 0, 0, 0\ninsn 0, 1, 0, 0, 0\nexit",
	 "invalid ld_imm64 second half"},
	{"ld_imm64 src_reg 7",
	 "r0 = 0\nr1 = 0\nr2 = 0\nr3 = 0\n"
	 "insn 0x18, 1, 7, 0, 0\ninsn 0, 0, 0, 0, 0\nexit",
	 "insn 4: invalid src_reg 7 for ld_imm64"},
	{"ld_imm64 off", "insn 0x18, 1, 0, 1, 0\ninsn 0, 0, 0, 0, 0\nexit",
	 "reserved field off set in ld_imm64 insn"},
	{"ld_imm64 map_fd with offset", "insn 0x18, 1, 1, 0, 3\ninsn 0, 0, 0, 0, 8\nexit",
	 "ld_imm64 map reference with nonzero second imm 8"},
	{"ld_imm64 map_idx with offset", "insn 0x18, 1, 5, 0, 0\ninsn 0, 0, 0, 0, 8\nexit",
	 "ld_imm64 map reference with nonzero second imm 8"},
	/* control flow */
	{"jump past the end", "r0 = 0\ngoto +40\nexit",
	 "insn 1: jump out of range (target 42, len 3)"},
	{"jump before the start", "goto -2\nexit", "insn 0: jump out of range (target -1, len 2)"},
	{"cond jump past the end", "if r1 > 0 goto +1\nexit", "jump out of range (target 2"},
	{"gotol past the end", "insn 0x06, 0, 0, 0, 5 // gotol +5\nexit",
	 "insn 0: jump out of range (target 6, len 2)"},
	{"jump into ld_imm64", "r0 = 0\nr1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\ngoto +1\nr1 = 0 ll\nexit",
	 "insn 5: jump into the middle of ld_imm64 at insn 6"},
	{"backward jump into ld_imm64", "r1 = 0 ll\ngoto -2\nexit",
	 "insn 2: jump into the middle of ld_imm64 at insn 0"},
	{"pseudo call past the end", "insn 0x85, 0, 1, 0, 10 // call +10\nexit",
	 "insn 0: call out of range (target 11, len 2)"},
	{"pseudo call into ld_imm64", "insn 0x85, 0, 1, 0, 2 // call +2\nexit\nr1 = 0 ll\nexit",
	 "insn 0: call into the middle of ld_imm64 at insn 2"},
	{"func reference past the end", "insn 0x18, 1, 4, 0, 9\ninsn 0, 0, 0, 0, 0\nexit",
	 "insn 0: ld_imm64 func reference out of range (target 10, len 3)"},
	{"fall off the end", "r0 = 0\nr0 += 1", "insn 1: last insn is not exit or jump"},
	{"ends in a conditional jump", "r0 = 0\nif r0 == 0 goto -2",
	 "insn 1: last insn is not exit or jump"},
	{"ends in a call", "r0 = 0\ncall 1", "insn 1: last insn is not exit or jump"},
	{"ends in ld_imm64", "r0 = 0\nexit\nr1 = 0 ll", "insn 3: last insn is not exit or jump"},
	{"subprogram falls into the next", "call f\nr0 = 0\nf:\nr0 = 1\nexit",
	 "insn 1: last insn is not exit or jump (falls into next subprogram)"},
	{"jump into another subprogram", "call f\nif r0 == 0 goto g\nexit\nf:\ng:\nr0 = 1\nexit",
	 "insn 1: jump to 3 leaves subprogram [0, 3)"},
	{"jump out of a subprogram", "call f\nexit\nf:\nif r1 == 0 goto -3\nexit",
	 "insn 2: jump to 0 leaves subprogram [2, 4)"},
};

static void test_invalid_programs(void)
{
	char msg[PROG_MSG_SIZE], what[160];
	struct bpf_insn *insns;
	struct prog *p;
	size_t i, len;
	int err;

	if (!test_need_clang())
		return;
	for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		const struct invalid_case *c = &invalid_cases[i];

		insns = NULL;
		snprintf(what, sizeof(what), "assemble \"%s\"", c->descr);
		if (!ASSERT_OK(assemble(c->text, &insns, &len), what))
			continue;
		strcpy(msg, "(no message)");
		err = prog_validate(insns, len, msg, sizeof(msg));
		snprintf(what, sizeof(what), "validate \"%s\"", c->descr);
		ASSERT_EQ(err, -EINVAL, what);
		CHECK(strstr(msg, c->msg) != NULL, "\"%s\": message \"%s\" lacks \"%s\"", c->descr,
		      msg, c->msg);

		/* prog__new agrees, word for word */
		errno = 0;
		p = prog__new(insns, len, msg, sizeof(msg));
		snprintf(what, sizeof(what), "prog__new rejects \"%s\"", c->descr);
		ASSERT_TRUE(p == NULL && errno == EINVAL, what);
		CHECK(strstr(msg, c->msg) != NULL, "\"%s\": prog__new message \"%s\" lacks \"%s\"",
		      c->descr, msg, c->msg);
		prog__free(p);
		free(insns);
	}
}

static void test_empty_and_too_long(void)
{
	struct bpf_insn exit_insn = {.code = BPF_JMP | BPF_EXIT}, *big;
	char msg[PROG_MSG_SIZE];
	size_t i;

	ASSERT_EQ(prog_validate(&exit_insn, 0, msg, sizeof(msg)), -EINVAL, "empty");
	ASSERT_TRUE(strstr(msg, "empty program") != NULL, "empty message");
	ASSERT_EQ(prog_validate(NULL, 0, NULL, 0), -EINVAL, "NULL, no msg buffer");
	ASSERT_OK(prog_validate(&exit_insn, 1, NULL, 0), "lone exit, no msg buffer");

	big = calloc(PROG_MAX_INSNS + 1, sizeof(*big));
	if (!ASSERT_OK_PTR(big, "alloc"))
		return;
	for (i = 0; i <= PROG_MAX_INSNS; i++)
		big[i] = exit_insn;
	ASSERT_OK(prog_validate(big, PROG_MAX_INSNS, msg, sizeof(msg)), "exactly the limit");
	ASSERT_EQ(prog_validate(big, PROG_MAX_INSNS + 1, msg, sizeof(msg)), -EINVAL, "limit + 1");
	ASSERT_TRUE(strstr(msg, "program too long (1048577 insns, max 1048576)") != NULL,
		    "too long message");
	free(big);
}

/* ---- CFG ---------------------------------------------------------------- */

static struct prog *build(const char *text)
{
	char msg[PROG_MSG_SIZE] = "";
	struct bpf_insn *insns;
	struct prog *p;
	size_t len;

	if (!test_need_clang() || !ASSERT_OK(assemble(text, &insns, &len), "assemble"))
		return NULL;
	p = prog__new(insns, len, msg, sizeof(msg));
	CHECK(p != NULL, "prog__new: %s", msg);
	free(insns);
	return p;
}

#define ASSERT_BLOCK(p, b, f, l, s0, s1, sp)                                   \
	do {                                                                   \
		ASSERT_EQ((p)->blocks[b].first, f, "block " #b " first");      \
		ASSERT_EQ((p)->blocks[b].last, l, "block " #b " last");        \
		ASSERT_EQ((p)->blocks[b].succ[0], s0, "block " #b " succ[0]"); \
		ASSERT_EQ((p)->blocks[b].succ[1], s1, "block " #b " succ[1]"); \
		ASSERT_EQ((p)->blocks[b].subprog, sp, "block " #b " subprog"); \
	} while (0)

static void test_cfg_straight_line(void)
{
	struct prog *p = build("r0 = 1\ncall 5\nr0 += 2\nexit");

	if (!p)
		return;
	ASSERT_EQ(p->nblocks, 1, "a call does not end a block");
	ASSERT_BLOCK(p, 0, 0, 3, -1, -1, 0);
	ASSERT_EQ(p->nsubprogs, 1, "nsubprogs");
	ASSERT_EQ(p->subprogs[0].start, 0, "subprog start");
	ASSERT_EQ(p->subprogs[0].end, 4, "subprog end");
	ASSERT_EQ(p->subprogs[0].nblocks, 1, "subprog nblocks");
	prog__free(p);
}

static void test_cfg_diamond(void)
{
	struct prog *p = build("if r1 > r2 goto +2\n" /* 0 */
			       "r0 = 1\n"	      /* 1 */
			       "goto +1\n"	      /* 2 */
			       "r0 = 2\n"	      /* 3 */
			       "exit");		      /* 4 */
	static const int want_block[] = {0, 1, 1, 2, 3};
	uint32_t i;

	if (!p)
		return;
	if (!ASSERT_EQ(p->nblocks, 4, "nblocks"))
		goto out;
	ASSERT_BLOCK(p, 0, 0, 0, 1, 2, 0);
	ASSERT_BLOCK(p, 1, 1, 2, 3, -1, 0);
	ASSERT_BLOCK(p, 2, 3, 3, 3, -1, 0);
	ASSERT_BLOCK(p, 3, 4, 4, -1, -1, 0);
	for (i = 0; i < p->len; i++)
		ASSERT_EQ(p->insn_block[i], want_block[i], "insn_block");
out:
	prog__free(p);
}

static void test_cfg_ldimm64_in_the_middle(void)
{
	struct prog *p = build("r0 = 0\n"	       /* 0 */
			       "r1 = 0x100000000 ll\n" /* 1, 2 */
			       "if r1 == 0 goto +1\n"  /* 3 */
			       "r0 = 1\n"	       /* 4 */
			       "exit");		       /* 5 */

	if (!p)
		return;
	if (!ASSERT_EQ(p->nblocks, 3, "nblocks"))
		goto out;
	ASSERT_BLOCK(p, 0, 0, 3, 1, 2, 0);
	ASSERT_BLOCK(p, 1, 4, 4, 2, -1, 0);
	ASSERT_BLOCK(p, 2, 5, 5, -1, -1, 0);
	ASSERT_EQ(p->insn_block[1], 0, "ld_imm64 first slot");
	ASSERT_EQ(p->insn_block[2], -1, "ld_imm64 second slot");
	ASSERT_EQ(p->insn_block[3], 0, "jump after ld_imm64");
	prog__free(p);

	/* a block that ends with LD_IMM64 records its first slot as last */
	p = build("if r1 == 0 goto +2\n" /* 0 */
		  "r1 = 7 ll\n"		 /* 1, 2 */
		  "exit");		 /* 3 */
	if (!p)
		return;
	if (!ASSERT_EQ(p->nblocks, 3, "nblocks"))
		goto out;
	ASSERT_BLOCK(p, 1, 1, 1, 2, -1, 0);
	ASSERT_EQ(p->blocks[0].succ[1], 2, "jump over ld_imm64");
out:
	prog__free(p);
}

static void test_cfg_bpf_to_bpf(void)
{
	struct prog *p = build("r1 = 1\n"	     /* 0 */
			       "call f\n"	     /* 1 */
			       "r0 = 0\n"	     /* 2 */
			       "exit\n"		     /* 3 */
			       "f:\n"		     /* */
			       "if r1 > 0 goto +1\n" /* 4 */
			       "r0 = 1\n"	     /* 5 */
			       "exit\n"		     /* 6 */
			       "g:\n"		     /* */
			       "call f\n"	     /* 7 */
			       "exit");		     /* 8 */

	if (!p)
		return;
	/* g is not called: it is part of f as far as the kernel can tell */
	if (!ASSERT_EQ(p->nsubprogs, 2, "nsubprogs") || !ASSERT_EQ(p->nblocks, 5, "nblocks"))
		goto out;
	ASSERT_EQ(p->subprogs[1].start, 4, "f start");
	ASSERT_EQ(p->subprogs[1].end, 9, "f end");
	ASSERT_EQ(p->subprogs[1].first_block, 1, "f first block");
	ASSERT_EQ(p->subprogs[1].nblocks, 4, "f nblocks");
	ASSERT_BLOCK(p, 0, 0, 3, -1, -1, 0);
	ASSERT_BLOCK(p, 1, 4, 4, 2, 3, 1);
	ASSERT_BLOCK(p, 2, 5, 5, 3, -1, 1);
	ASSERT_BLOCK(p, 3, 6, 6, -1, -1, 1);
	ASSERT_BLOCK(p, 4, 7, 8, -1, -1, 1);

	ASSERT_TRUE(prog_insn_is_pseudo_call(&p->insns[1]), "call f is a pseudo call");
	ASSERT_TRUE(prog_insn_is_call(&p->insns[1]), "call f is a call");
	ASSERT_FALSE(prog_insn_is_jump(&p->insns[1]), "call f is not a jump");
	ASSERT_EQ(p->insns[1].imm, 2, "call f imm");
out:
	prog__free(p);
}

static void test_cfg_jump_to_next(void)
{
	struct prog *p = build("if r1 > 0 goto +0\nexit");

	if (!p)
		return;
	if (ASSERT_EQ(p->nblocks, 2, "nblocks"))
		ASSERT_BLOCK(p, 0, 0, 0, 1, -1, 0); /* one distinct successor, in succ[0] */
	prog__free(p);
}

static void test_cfg_loop_and_func_ref(void)
{
	struct prog *p = build("r0 = 10\n"		      /* 0 */
			       "L:\nr0 += -1\n"		      /* 1 */
			       "if r0 != 0 goto L\n"	      /* 2 */
			       "insn 0x18, 2, 4, 0, 2\n"      /* 3: r2 = &cb (insn 6) */
			       "insn 0, 0, 0, 0, 0\n"	      /* 4 */
			       "exit\n"			      /* 5 */
			       "cb:\ninsn 0x06, 0, 0, 0, 0\n" /* 6: gotol +0 */
			       "r0 = 0\nexit");		      /* 7, 8 */

	if (!p)
		return;
	if (!ASSERT_EQ(p->nsubprogs, 2, "nsubprogs") || !ASSERT_EQ(p->nblocks, 5, "nblocks"))
		goto out;
	ASSERT_BLOCK(p, 0, 0, 0, 1, -1, 0);
	ASSERT_BLOCK(p, 1, 1, 2, 2, 1, 0); /* back edge */
	ASSERT_BLOCK(p, 2, 3, 5, -1, -1, 0);
	ASSERT_BLOCK(p, 3, 6, 6, 4, -1, 1); /* gotol +0 */
	ASSERT_BLOCK(p, 4, 7, 8, -1, -1, 1);
	ASSERT_EQ(p->subprogs[1].start, 6, "callback start");
out:
	prog__free(p);
}

static void test_classify(void)
{
	struct bpf_insn insns[] = {
		{.code = BPF_JMP32 | BPF_JA, .imm = -1},	/* gotol -1 */
		{.code = BPF_JMP | BPF_JA, .off = 3},		/* goto +3 */
		{.code = BPF_JMP | BPF_JNE | BPF_K, .off = -3}, /* if r0 != 0 goto -3 */
		{.code = BPF_LD | BPF_IMM | BPF_DW},		/* r0 = 0 ll */
		{0},
		{.code = BPF_JMP | BPF_EXIT},
		{.code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL},
		{.code = BPF_JMP | BPF_JCOND, .off = 1}, /* may_goto +1 */
	};

	ASSERT_EQ(prog_jump_target(insns, 0), 0, "gotol uses imm");
	ASSERT_EQ(prog_jump_target(insns, 1), 5, "goto uses off");
	ASSERT_EQ(prog_jump_target(insns, 2), 0, "cond jump backwards");
	ASSERT_TRUE(prog_insn_is_jump(&insns[0]), "gotol is a jump");
	ASSERT_TRUE(prog_insn_is_jump(&insns[2]), "cond is a jump");
	ASSERT_TRUE(prog_insn_is_jump(&insns[7]), "may_goto is a jump");
	ASSERT_FALSE(prog_insn_is_jump(&insns[5]), "exit is not a jump");
	ASSERT_FALSE(prog_insn_is_jump(&insns[6]), "call is not a jump");
	ASSERT_TRUE(prog_insn_is_ldimm64(&insns[3]), "ld_imm64");
	ASSERT_FALSE(prog_insn_is_ldimm64(&insns[4]), "second slot");
	ASSERT_TRUE(prog_insn_is_exit(&insns[5]), "exit");
	ASSERT_FALSE(prog_insn_is_exit(&insns[1]), "goto is not exit");
	ASSERT_TRUE(prog_insn_is_call(&insns[6]), "kfunc call is a call");
	ASSERT_FALSE(prog_insn_is_pseudo_call(&insns[6]), "kfunc call is not bpf-to-bpf");
}

static void test_prog_new_copies(void)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 1},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct prog *p = prog__new(insns, 2, NULL, 0);

	if (!ASSERT_OK_PTR(p, "prog__new without msg buffer"))
		return;
	insns[0].imm = 2;
	ASSERT_EQ(p->insns[0].imm, 1, "prog owns a copy");
	ASSERT_TRUE(p->insns != insns, "different buffer");
	prog__free(p);
	prog__free(NULL);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_valid_programs);
	RUN_TEST(test_invalid_programs);
	RUN_TEST(test_empty_and_too_long);
	RUN_TEST(test_cfg_straight_line);
	RUN_TEST(test_cfg_diamond);
	RUN_TEST(test_cfg_ldimm64_in_the_middle);
	RUN_TEST(test_cfg_bpf_to_bpf);
	RUN_TEST(test_cfg_jump_to_next);
	RUN_TEST(test_cfg_loop_and_func_ref);
	RUN_TEST(test_classify);
	RUN_TEST(test_prog_new_copies);
	test_assemble_cleanup();
	return test_summary("test_prog");
}
