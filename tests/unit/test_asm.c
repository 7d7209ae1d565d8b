// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/asm: asm_format_insn() against llvm-objdump.
 *
 * One table of encodings and the text we print for each, covering every
 * opcode family.  Each row also says what llvm-objdump 14 prints for it: the
 * same text (OBJDUMP), or something else (NEWER: a form LLVM 14 does not know
 * or mangles, printed as newer LLVM prints it; the row then records objdump
 * 14's text).  The NEWER rows are exactly the divergences listed at the top of
 * core/asm.c.  When clang and llvm-objdump are installed the test checks both
 * claims against the real tools, and also feeds our text for every row LLVM 14
 * can parse back to `clang -target bpf -c`, expecting the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/asm.h"
#include "core/prog.h"
#include "tests/test.h"
#include "tests/unit/elf_text.h"

#define I(c, d, s, o, i)                                                            \
	{                                                                           \
		.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) \
	}

enum origin {
	OBJDUMP,    /* llvm-objdump 14 prints exactly our text; clang 14 reads it back */
	OBJDUMP_RO, /* llvm-objdump 14 prints exactly our text; clang 14 cannot parse it */
	NEWER,	    /* llvm-objdump 14 prints .objdump instead; see core/asm.c */
};

struct fmt_case {
	struct bpf_insn insn[2];
	const char *text;
	enum origin origin;
	const char *objdump; /* NEWER: what llvm-objdump 14 prints */
};

#define UNK "<unknown>"

static const struct fmt_case fmt_cases[] = {
	/* ALU64, immediate */
	{{I(0x07, 1, 0, 0, -5)}, "r1 += -5", OBJDUMP, NULL},
	{{I(0x17, 1, 0, 0, 7)}, "r1 -= 7", OBJDUMP, NULL},
	{{I(0x27, 1, 0, 0, 3)}, "r1 *= 3", OBJDUMP, NULL},
	{{I(0x37, 1, 0, 0, 10)}, "r1 /= 10", OBJDUMP, NULL},
	{{I(0x47, 1, 0, 0, 0xff)}, "r1 |= 255", OBJDUMP, NULL},
	{{I(0x57, 1, 0, 0, -1)}, "r1 &= -1", OBJDUMP, NULL},
	{{I(0x67, 1, 0, 0, 63)}, "r1 <<= 63", OBJDUMP, NULL},
	{{I(0x77, 1, 0, 0, 1)}, "r1 >>= 1", OBJDUMP, NULL},
	{{I(0x87, 1, 0, 0, 0)}, "r1 = -r1", OBJDUMP, NULL},
	{{I(0x97, 1, 0, 0, 10)}, "r1 %= 10", NEWER, UNK},
	{{I(0xa7, 1, 0, 0, 5)}, "r1 ^= 5", OBJDUMP, NULL},
	{{I(0xb7, 1, 0, 0, -2147483647 - 1)}, "r1 = -2147483648", OBJDUMP, NULL},
	{{I(0xc7, 0, 0, 0, 3)}, "r0 s>>= 3", OBJDUMP, NULL},
	/* ALU64, register */
	{{I(0x0f, 0, 1, 0, 0)}, "r0 += r1", OBJDUMP, NULL},
	{{I(0x1f, 0, 10, 0, 0)}, "r0 -= r10", OBJDUMP, NULL},
	{{I(0x2f, 9, 8, 0, 0)}, "r9 *= r8", OBJDUMP, NULL},
	{{I(0x3f, 1, 2, 0, 0)}, "r1 /= r2", OBJDUMP, NULL},
	{{I(0x4f, 1, 2, 0, 0)}, "r1 |= r2", OBJDUMP, NULL},
	{{I(0x5f, 1, 2, 0, 0)}, "r1 &= r2", OBJDUMP, NULL},
	{{I(0x6f, 1, 2, 0, 0)}, "r1 <<= r2", OBJDUMP, NULL},
	{{I(0x7f, 1, 2, 0, 0)}, "r1 >>= r2", OBJDUMP, NULL},
	{{I(0x9f, 1, 2, 0, 0)}, "r1 %= r2", NEWER, UNK},
	{{I(0xaf, 1, 2, 0, 0)}, "r1 ^= r2", OBJDUMP, NULL},
	{{I(0xbf, 1, 10, 0, 0)}, "r1 = r10", OBJDUMP, NULL},
	{{I(0xcf, 1, 2, 0, 0)}, "r1 s>>= r2", OBJDUMP, NULL},
	/* ALU32 */
	{{I(0x04, 1, 0, 0, -5)}, "w1 += -5", OBJDUMP, NULL},
	{{I(0x14, 1, 0, 0, 7)}, "w1 -= 7", OBJDUMP, NULL},
	{{I(0x24, 1, 0, 0, 3)}, "w1 *= 3", OBJDUMP, NULL},
	{{I(0x34, 1, 0, 0, 3)}, "w1 /= 3", OBJDUMP, NULL},
	{{I(0x44, 1, 0, 0, 3)}, "w1 |= 3", OBJDUMP, NULL},
	{{I(0x54, 1, 0, 0, 3)}, "w1 &= 3", OBJDUMP, NULL},
	{{I(0x64, 1, 0, 0, 31)}, "w1 <<= 31", OBJDUMP, NULL},
	{{I(0x74, 1, 0, 0, 3)}, "w1 >>= 3", OBJDUMP, NULL},
	{{I(0x84, 1, 0, 0, 0)}, "w1 = -w1", OBJDUMP, NULL},
	{{I(0x94, 0, 0, 0, 3)}, "w0 %= 3", NEWER, UNK},
	{{I(0xa4, 1, 0, 0, 3)}, "w1 ^= 3", OBJDUMP, NULL},
	{{I(0xb4, 0, 0, 0, 2)}, "w0 = 2", OBJDUMP, NULL},
	{{I(0xc4, 1, 0, 0, 3)}, "w1 s>>= 3", OBJDUMP, NULL},
	{{I(0x0c, 1, 2, 0, 0)}, "w1 += w2", OBJDUMP, NULL},
	{{I(0x1c, 1, 2, 0, 0)}, "w1 -= w2", OBJDUMP, NULL},
	{{I(0x2c, 1, 2, 0, 0)}, "w1 *= w2", OBJDUMP, NULL},
	{{I(0x3c, 1, 2, 0, 0)}, "w1 /= w2", OBJDUMP, NULL},
	{{I(0x4c, 1, 2, 0, 0)}, "w1 |= w2", OBJDUMP, NULL},
	{{I(0x5c, 1, 2, 0, 0)}, "w1 &= w2", OBJDUMP, NULL},
	{{I(0x6c, 1, 2, 0, 0)}, "w1 <<= w2", OBJDUMP, NULL},
	{{I(0x7c, 1, 2, 0, 0)}, "w1 >>= w2", OBJDUMP, NULL},
	{{I(0x9c, 0, 1, 0, 0)}, "w0 %= w1", NEWER, UNK},
	{{I(0xac, 1, 2, 0, 0)}, "w1 ^= w2", OBJDUMP, NULL},
	{{I(0xbc, 1, 2, 0, 0)}, "w1 = w2", OBJDUMP, NULL},
	{{I(0xcc, 1, 2, 0, 0)}, "w1 s>>= w2", OBJDUMP, NULL},
	/* byte swaps */
	{{I(0xd4, 0, 0, 0, 16)}, "r0 = le16 r0", OBJDUMP, NULL},
	{{I(0xd4, 0, 0, 0, 32)}, "r0 = le32 r0", OBJDUMP, NULL},
	{{I(0xd4, 0, 0, 0, 64)}, "r0 = le64 r0", OBJDUMP, NULL},
	{{I(0xdc, 0, 0, 0, 16)}, "r0 = be16 r0", OBJDUMP, NULL},
	{{I(0xdc, 0, 0, 0, 32)}, "r0 = be32 r0", OBJDUMP, NULL},
	{{I(0xdc, 3, 0, 0, 64)}, "r3 = be64 r3", OBJDUMP, NULL},
	{{I(0xd7, 0, 0, 0, 16)}, "r0 = bswap16 r0", NEWER, UNK},
	{{I(0xd7, 0, 0, 0, 64)}, "r0 = bswap64 r0", NEWER, UNK},
	/* cpu v4 signed division and sign-extending moves */
	{{I(0x3f, 0, 1, 1, 0)}, "r0 s/= r1", NEWER, "r0 /= r1"},
	{{I(0x9f, 0, 1, 1, 0)}, "r0 s%= r1", NEWER, UNK},
	{{I(0x37, 0, 0, 1, -3)}, "r0 s/= -3", NEWER, "r0 /= -3"},
	{{I(0x3c, 0, 1, 1, 0)}, "w0 s/= w1", NEWER, "w0 /= w1"},
	{{I(0x94, 0, 0, 1, 7)}, "w0 s%= 7", NEWER, UNK},
	{{I(0xbf, 0, 1, 8, 0)}, "r0 = (s8)r1", NEWER, "r0 = r1"},
	{{I(0xbf, 0, 1, 16, 0)}, "r0 = (s16)r1", NEWER, "r0 = r1"},
	{{I(0xbf, 0, 1, 32, 0)}, "r0 = (s32)r1", NEWER, "r0 = r1"},
	{{I(0xbc, 0, 1, 8, 0)}, "w0 = (s8)w1", NEWER, "w0 = w1"},
	{{I(0xbc, 0, 1, 16, 0)}, "w0 = (s16)w1", NEWER, "w0 = w1"},
	{{I(0xbf, 1, 2, 1, 1)}, "r1 = addr_space_cast(r2, 0, 1)", NEWER, "r1 = r2"},
	{{I(0xbf, 1, 1, 1, 0x10000)}, "r1 = addr_space_cast(r1, 1, 0)", NEWER, "r1 = r1"},
	/* JMP */
	{{I(0x05, 0, 0, 1, 0)}, "goto +1", OBJDUMP, NULL},
	{{I(0x05, 0, 0, -1, 0)}, "goto -1", OBJDUMP, NULL},
	{{I(0x05, 0, 0, 0, 0)}, "goto +0", OBJDUMP, NULL},
	{{I(0x15, 1, 0, 3, -5)}, "if r1 == -5 goto +3", OBJDUMP, NULL},
	{{I(0x1d, 1, 2, -3, 0)}, "if r1 == r2 goto -3", OBJDUMP, NULL},
	{{I(0x25, 1, 0, 1, 0)}, "if r1 > 0 goto +1", OBJDUMP, NULL},
	{{I(0x2d, 3, 2, 3, 0)}, "if r3 > r2 goto +3", OBJDUMP, NULL},
	{{I(0x35, 1, 0, 1, 7)}, "if r1 >= 7 goto +1", OBJDUMP, NULL},
	{{I(0x3d, 1, 2, 1, 0)}, "if r1 >= r2 goto +1", OBJDUMP, NULL},
	{{I(0x45, 1, 0, 1, 8)}, "if r1 & 8 goto +1", NEWER, UNK},
	{{I(0x4d, 1, 2, 1, 0)}, "if r1 & r2 goto +1", NEWER, UNK},
	{{I(0x55, 1, 0, 1, 0)}, "if r1 != 0 goto +1", OBJDUMP, NULL},
	{{I(0x5d, 1, 2, 1, 0)}, "if r1 != r2 goto +1", OBJDUMP, NULL},
	{{I(0x65, 1, 0, 1, 0)}, "if r1 s> 0 goto +1", OBJDUMP, NULL},
	{{I(0x6d, 1, 2, 1, 0)}, "if r1 s> r2 goto +1", OBJDUMP, NULL},
	{{I(0x75, 1, 0, 1, 0)}, "if r1 s>= 0 goto +1", OBJDUMP, NULL},
	{{I(0x7d, 1, 2, 1, 0)}, "if r1 s>= r2 goto +1", OBJDUMP, NULL},
	{{I(0xa5, 1, 0, 1, 0)}, "if r1 < 0 goto +1", OBJDUMP, NULL},
	{{I(0xad, 1, 2, 1, 0)}, "if r1 < r2 goto +1", OBJDUMP, NULL},
	{{I(0xb5, 1, 0, 1, 0)}, "if r1 <= 0 goto +1", OBJDUMP, NULL},
	{{I(0xbd, 1, 2, 1, 0)}, "if r1 <= r2 goto +1", OBJDUMP, NULL},
	{{I(0xc5, 1, 0, 1, 0)}, "if r1 s< 0 goto +1", OBJDUMP, NULL},
	{{I(0xcd, 1, 2, 1, 0)}, "if r1 s< r2 goto +1", OBJDUMP, NULL},
	{{I(0xd5, 1, 0, 1, 0)}, "if r1 s<= 0 goto +1", OBJDUMP, NULL},
	{{I(0xdd, 1, 2, 1, 0)}, "if r1 s<= r2 goto +1", OBJDUMP, NULL},
	{{I(0x85, 0, 0, 0, 1)}, "call 1", OBJDUMP, NULL},
	{{I(0x85, 0, 1, 0, -1)}, "call -1", OBJDUMP_RO, NULL}, /* clang: src_reg 0 */
	{{I(0x85, 0, 2, 0, 1234)}, "call 1234", OBJDUMP_RO, NULL},
	{{I(0x95, 0, 0, 0, 0)}, "exit", OBJDUMP, NULL},
	{{I(0x06, 0, 0, 0, 5)}, "gotol +5", NEWER, UNK},
	{{I(0x06, 0, 0, 0, -70000)}, "gotol -70000", NEWER, UNK},
	{{I(0xe5, 0, 0, 3, 0)}, "may_goto +3", NEWER, UNK},
	/* JMP32 */
	{{I(0x16, 1, 0, -2, 5)}, "if w1 == 5 goto -2", OBJDUMP, NULL},
	{{I(0x1e, 1, 2, 1, 0)}, "if w1 == w2 goto +1", OBJDUMP, NULL},
	{{I(0x26, 1, 0, 1, 0)}, "if w1 > 0 goto +1", OBJDUMP, NULL},
	{{I(0x2e, 1, 2, 1, 0)}, "if w1 > w2 goto +1", OBJDUMP, NULL},
	{{I(0x36, 1, 0, 1, 0)}, "if w1 >= 0 goto +1", OBJDUMP, NULL},
	{{I(0x3e, 1, 2, 1, 0)}, "if w1 >= w2 goto +1", OBJDUMP, NULL},
	{{I(0x46, 1, 0, 1, 1)}, "if w1 & 1 goto +1", NEWER, UNK},
	{{I(0x4e, 1, 2, 1, 0)}, "if w1 & w2 goto +1", NEWER, UNK},
	{{I(0x56, 1, 0, 1, 0)}, "if w1 != 0 goto +1", OBJDUMP, NULL},
	{{I(0x5e, 1, 2, 1, 0)}, "if w1 != w2 goto +1", OBJDUMP, NULL},
	{{I(0x66, 1, 0, 1, 0)}, "if w1 s> 0 goto +1", OBJDUMP, NULL},
	{{I(0x6e, 1, 2, 1, 0)}, "if w1 s> w2 goto +1", OBJDUMP, NULL},
	{{I(0x76, 1, 0, 1, 0)}, "if w1 s>= 0 goto +1", OBJDUMP, NULL},
	{{I(0x7e, 1, 2, 1, 0)}, "if w1 s>= w2 goto +1", OBJDUMP, NULL},
	{{I(0xa6, 1, 0, 1, 0)}, "if w1 < 0 goto +1", OBJDUMP, NULL},
	{{I(0xae, 1, 2, 1, 0)}, "if w1 < w2 goto +1", OBJDUMP, NULL},
	{{I(0xb6, 1, 0, 1, 0)}, "if w1 <= 0 goto +1", OBJDUMP, NULL},
	{{I(0xbe, 1, 2, 1, 0)}, "if w1 <= w2 goto +1", OBJDUMP, NULL},
	{{I(0xc6, 1, 0, -2, 5)}, "if w1 s< 5 goto -2", OBJDUMP, NULL},
	{{I(0xce, 1, 2, 1, 0)}, "if w1 s< w2 goto +1", OBJDUMP, NULL},
	{{I(0xd6, 1, 0, 1, 0)}, "if w1 s<= 0 goto +1", OBJDUMP, NULL},
	{{I(0xde, 1, 2, 1, 0)}, "if w1 s<= w2 goto +1", OBJDUMP, NULL},
	/* LDX, ST, STX */
	{{I(0x71, 0, 1, 0, 0)}, "r0 = *(u8 *)(r1 + 0)", OBJDUMP, NULL},
	{{I(0x69, 0, 1, 2, 0)}, "r0 = *(u16 *)(r1 + 2)", OBJDUMP, NULL},
	{{I(0x61, 0, 1, 4, 0)}, "r0 = *(u32 *)(r1 + 4)", OBJDUMP, NULL},
	{{I(0x79, 1, 10, -32768, 0)}, "r1 = *(u64 *)(r10 - 32768)", OBJDUMP, NULL},
	{{I(0x91, 0, 1, 0, 0)}, "r0 = *(s8 *)(r1 + 0)", NEWER, UNK},
	{{I(0x89, 0, 1, -2, 0)}, "r0 = *(s16 *)(r1 - 2)", NEWER, UNK},
	{{I(0x81, 0, 1, 32767, 0)}, "r0 = *(s32 *)(r1 + 32767)", NEWER, UNK},
	{{I(0x73, 10, 1, -1, 0)}, "*(u8 *)(r10 - 1) = r1", OBJDUMP, NULL},
	{{I(0x6b, 10, 1, -2, 0)}, "*(u16 *)(r10 - 2) = r1", OBJDUMP, NULL},
	{{I(0x63, 10, 1, -4, 0)}, "*(u32 *)(r10 - 4) = r1", OBJDUMP, NULL},
	{{I(0x7b, 10, 1, -8, 0)}, "*(u64 *)(r10 - 8) = r1", OBJDUMP, NULL},
	{{I(0x72, 10, 0, -1, 1)}, "*(u8 *)(r10 - 1) = 1", NEWER, UNK},
	{{I(0x6a, 10, 0, -2, -2)}, "*(u16 *)(r10 - 2) = -2", NEWER, UNK},
	{{I(0x62, 10, 0, -8, 5)}, "*(u32 *)(r10 - 8) = 5", NEWER, UNK},
	{{I(0x7a, 1, 0, 16, 0)}, "*(u64 *)(r1 + 16) = 0", NEWER, UNK},
	/* atomics */
	{{I(0xdb, 10, 0, -16, 0x00)}, "lock *(u64 *)(r10 - 16) += r0", OBJDUMP, NULL},
	{{I(0xdb, 1, 2, 0, 0x40)}, "lock *(u64 *)(r1 + 0) |= r2", OBJDUMP_RO, NULL},
	{{I(0xdb, 1, 2, 0, 0x50)}, "lock *(u64 *)(r1 + 0) &= r2", OBJDUMP_RO, NULL},
	{{I(0xdb, 1, 2, 0, 0xa0)}, "lock *(u64 *)(r1 + 0) ^= r2", OBJDUMP_RO, NULL},
	{{I(0xdb, 1, 0, 0, 0x01)}, "r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)", OBJDUMP_RO, NULL},
	{{I(0xdb, 1, 2, 8, 0x41)}, "r2 = atomic_fetch_or((u64 *)(r1 + 8), r2)", OBJDUMP_RO, NULL},
	{{I(0xdb, 1, 2, 8, 0x51)}, "r2 = atomic_fetch_and((u64 *)(r1 + 8), r2)", OBJDUMP_RO, NULL},
	{{I(0xdb, 1, 2, -8, 0xa1)}, "r2 = atomic_fetch_xor((u64 *)(r1 - 8), r2)", OBJDUMP_RO, NULL},
	{{I(0xdb, 1, 0, 0, 0xe1)}, "r0 = xchg_64(r1 + 0, r0)", OBJDUMP_RO, NULL},
	{{I(0xdb, 1, 2, 0, 0xf1)}, "r0 = cmpxchg_64(r1 + 0, r0, r2)", OBJDUMP_RO, NULL},
	{{I(0xc3, 10, 0, -16, 0x00)}, "lock *(u32 *)(r10 - 16) += r0", OBJDUMP, NULL},
	{{I(0xc3, 1, 2, 0, 0x40)}, "lock *(u32 *)(r1 + 0) |= w2", NEWER, UNK},
	{{I(0xc3, 1, 2, 0, 0x50)}, "lock *(u32 *)(r1 + 0) &= w2", NEWER, UNK},
	{{I(0xc3, 1, 2, 0, 0xa0)}, "lock *(u32 *)(r1 + 0) ^= w2", NEWER, UNK},
	/* objdump 14 decodes only the low byte of imm for the 32-bit add */
	{{I(0xc3, 1, 0, 0, 0x01)},
	 "w0 = atomic_fetch_add((u32 *)(r1 + 0), w0)",
	 NEWER,
	 "lock *(u32 *)(r1 + 0) += r0"},
	{{I(0xc3, 1, 2, 0, 0x41)}, "w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)", NEWER, UNK},
	{{I(0xc3, 1, 2, 0, 0x51)}, "w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)", NEWER, UNK},
	{{I(0xc3, 1, 2, 0, 0xa1)}, "w2 = atomic_fetch_xor((u32 *)(r1 + 0), w2)", NEWER, UNK},
	{{I(0xc3, 1, 0, 0, 0xe1)}, "w0 = xchg32_32(r1 + 0, w0)", NEWER, UNK},
	{{I(0xc3, 1, 2, 0, 0xf1)}, "w0 = cmpxchg32_32(r1 + 0, w0, w2)", NEWER, UNK},
	/* objdump 14 mistakes load_acquire (imm 0x100) for a plain atomic add */
	{{I(0xdb, 0, 1, 0, 0x100)},
	 "r0 = load_acquire((u64 *)(r1 + 0))",
	 NEWER,
	 "lock *(u64 *)(r0 + 0) += r1"},
	{{I(0xc3, 0, 1, 4, 0x100)},
	 "w0 = load_acquire((u32 *)(r1 + 4))",
	 NEWER,
	 "lock *(u32 *)(r0 + 4) += r1"},
	{{I(0xcb, 0, 1, 0, 0x100)}, "w0 = load_acquire((u16 *)(r1 + 0))", NEWER, UNK},
	{{I(0xd3, 0, 1, 0, 0x100)}, "w0 = load_acquire((u8 *)(r1 + 0))", NEWER, UNK},
	{{I(0xdb, 1, 2, 0, 0x110)}, "store_release((u64 *)(r1 + 0), r2)", NEWER, UNK},
	{{I(0xd3, 1, 2, -1, 0x110)}, "store_release((u8 *)(r1 - 1), w2)", NEWER, UNK},
	/* legacy packet loads */
	{{I(0x30, 0, 0, 0, 23)}, "r0 = *(u8 *)skb[23]", OBJDUMP, NULL},
	{{I(0x28, 0, 0, 0, 12)}, "r0 = *(u16 *)skb[12]", OBJDUMP, NULL},
	{{I(0x20, 0, 0, 0, -1048576)}, "r0 = *(u32 *)skb[-1048576]", OBJDUMP, NULL},
	{{I(0x50, 0, 3, 0, 0)}, "r0 = *(u8 *)skb[r3]", OBJDUMP, NULL},
	{{I(0x48, 0, 3, 0, 0)}, "r0 = *(u16 *)skb[r3]", OBJDUMP, NULL},
	{{I(0x40, 0, 3, 0, 0)}, "r0 = *(u32 *)skb[r3]", OBJDUMP, NULL},
	{{I(0x48, 0, 3, 0, 4)}, "r0 = *(u16 *)skb[r3 + 4]", NEWER, "r0 = *(u16 *)skb[r3]"},
	{{I(0x48, 0, 3, 0, -4)}, "r0 = *(u16 *)skb[r3 - 4]", NEWER, "r0 = *(u16 *)skb[r3]"},
	/* LD_IMM64 */
	{{I(0x18, 1, 0, 0, 0), I(0, 0, 0, 0, 0)}, "r1 = 0 ll", OBJDUMP, NULL},
	{{I(0x18, 1, 0, 0, -1), I(0, 0, 0, 0, -1)}, "r1 = -1 ll", OBJDUMP, NULL},
	{{I(0x18, 2, 0, 0, -1), I(0, 0, 0, 0, 0)}, "r2 = 4294967295 ll", OBJDUMP, NULL},
	{{I(0x18, 1, 0, 0, -1), I(0, 0, 0, 0, 0x12345678)},
	 "r1 = 1311768469162688511 ll",
	 OBJDUMP,
	 NULL},
	{{I(0x18, 1, 0, 0, 0), I(0, 0, 0, 0, -2147483647 - 1)},
	 "r1 = -9223372036854775808 ll",
	 OBJDUMP,
	 NULL},
	{{I(0x18, 1, 1, 0, 3), I(0, 0, 0, 0, 0)}, "ld_pseudo\tr1, 1, 3", OBJDUMP_RO, NULL},
	{{I(0x18, 1, 2, 0, 3), I(0, 0, 0, 0, 0)}, "ld_pseudo\tr1, 2, 3", OBJDUMP_RO, NULL},
	{{I(0x18, 1, 2, 0, 3), I(0, 0, 0, 0, 16)},
	 "ld_pseudo\tr1, 2, 3, 16",
	 NEWER,
	 "ld_pseudo\tr1, 2, 3"},
	{{I(0x18, 1, 3, 0, -1), I(0, 0, 0, 0, 0)},
	 "ld_pseudo\tr1, 3, 4294967295",
	 OBJDUMP_RO,
	 NULL},
	{{I(0x18, 1, 4, 0, 7), I(0, 0, 0, 0, 0)}, "ld_pseudo\tr1, 4, 7", OBJDUMP_RO, NULL},
	{{I(0x18, 1, 5, 0, 0), I(0, 0, 0, 0, 0)}, "ld_pseudo\tr1, 5, 0", OBJDUMP_RO, NULL},
	{{I(0x18, 9, 6, 0, 1), I(0, 0, 0, 0, 0)}, "ld_pseudo\tr9, 6, 1", OBJDUMP_RO, NULL},
};

#define NCASES (sizeof(fmt_cases) / sizeof(fmt_cases[0]))

static size_t case_slots(const struct fmt_case *c)
{
	return c->insn[0].code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;
}

static void test_format_table(void)
{
	char buf[ASM_LINE_SIZE], what[160];
	size_t i;
	int n;

	for (i = 0; i < NCASES; i++) {
		const struct fmt_case *c = &fmt_cases[i];

		n = asm_format_insn(c->insn, case_slots(c), 0, buf, sizeof(buf));
		snprintf(what, sizeof(what), "slots of \"%s\"", c->text);
		ASSERT_EQ(n, case_slots(c), what);
		snprintf(what, sizeof(what), "row %zu (code 0x%02x)", i, c->insn[0].code);
		ASSERT_STREQ(buf, c->text, what);
	}
}

/* The divergences from llvm-objdump 14, as documented in core/asm.c. */
static void test_divergences_listed(void)
{
	size_t i, n = 0;

	for (i = 0; i < NCASES; i++) {
		if (fmt_cases[i].origin != NEWER)
			continue;
		n++;
		if (test_env.verbose)
			fprintf(stderr, "  diverges: %-45s objdump 14: %s\n", fmt_cases[i].text,
				fmt_cases[i].objdump);
		ASSERT_TRUE(fmt_cases[i].objdump != NULL, fmt_cases[i].text);
	}
	ASSERT_GE(n, 20, "divergent rows");
}

/* ---- against the real tools --------------------------------------------- */

static char tmpdir[] = "/tmp/test_asm.XXXXXX";
static bool have_tmpdir;

static bool have_tools(void)
{
	if (system("command -v clang >/dev/null 2>&1 && command -v llvm-objdump >/dev/null 2>&1"))
		return false;
	if (!have_tmpdir && mkdtemp(tmpdir))
		have_tmpdir = true;
	return have_tmpdir;
}

static void tmp_path(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "%s/%s", tmpdir, name);
}

/*
 * Drop the " <.text+0x30>" objdump appends to branch targets; "<unknown>"
 * alone and the "<" of "if w1 < 5" stay.
 */
static void strip_symbol(char *p)
{
	size_t n = strlen(p);
	char *lt;

	if (!n || p[n - 1] != '>')
		return;
	lt = strrchr(p, '<');
	if (lt && lt > p && lt[-1] == ' ' && !strchr(lt, ' '))
		lt[-1] = 0;
}

/* Assemble a file of .byte lines, one row per case, and disassemble it with llvm-objdump. */
static char **objdump_rows(void)
{
	char src[128], obj[128], dis[128], cmd[1024], line[512];
	char **rows;
	size_t i, j, k = 0;
	FILE *f;

	tmp_path(src, sizeof(src), "rows.s");
	tmp_path(obj, sizeof(obj), "rows.o");
	tmp_path(dis, sizeof(dis), "rows.txt");
	f = fopen(src, "w");
	if (!f)
		return NULL;
	fprintf(f, "\t.text\n");
	for (i = 0; i < NCASES; i++) {
		const unsigned char *b = (const unsigned char *)fmt_cases[i].insn;

		fprintf(f, "\t.byte ");
		for (j = 0; j < case_slots(&fmt_cases[i]) * 8; j++)
			fprintf(f, "%s%u", j ? ", " : "", b[j]);
		fprintf(f, "\n");
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "clang -target bpf -c %s -o %s && llvm-objdump -d --no-show-raw-insn %s > %s", src,
		 obj, obj, dis);
	if (system(cmd))
		return NULL;
	rows = calloc(NCASES, sizeof(*rows));
	f = fopen(dis, "r");
	if (!rows || !f) {
		free(rows);
		if (f)
			fclose(f);
		return NULL;
	}
	/* "      12:\tr1 = 0 ll" or "       3:\tgoto +1 <.text+0x30>" */
	while (k < NCASES && fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			continue;
		p = strchr(p, ':');
		if (!p || p[1] != '\t')
			continue;
		p += 2;
		end = p + strcspn(p, "\n");
		*end = 0;
		strip_symbol(p);
		rows[k++] = strdup(p);
	}
	fclose(f);
	return rows;
}

static void test_against_llvm_objdump(void)
{
	char what[160];
	char **rows;
	size_t i;

	if (!have_tools()) {
		test_skip("clang or llvm-objdump not installed");
		return;
	}
	rows = objdump_rows();
	if (!ASSERT_OK_PTR(rows, "assemble and disassemble the table"))
		return;
	for (i = 0; i < NCASES; i++) {
		const struct fmt_case *c = &fmt_cases[i];
		const char *want = c->origin == NEWER ? c->objdump : c->text;

		snprintf(what, sizeof(what), "llvm-objdump on row %zu (we print \"%s\")", i,
			 c->text);
		ASSERT_STREQ(rows[i], want, what);
		free(rows[i]);
	}
	free(rows);
}

/* Our text for every row LLVM 14 can parse, assembled back, gives the same bytes. */
static void test_reassemble(void)
{
	char src[128], obj[128], cmd[1024], buf[ASM_LINE_SIZE];
	struct bpf_insn *got = NULL, want[2 * NCASES];
	size_t i, n = 0, len = 0;
	FILE *f;

	if (!have_tools()) {
		test_skip("clang not installed");
		return;
	}
	tmp_path(src, sizeof(src), "text.s");
	tmp_path(obj, sizeof(obj), "text.o");
	f = fopen(src, "w");
	if (!ASSERT_OK_PTR(f, "create text.s"))
		return;
	fprintf(f, "\t.text\n");
	for (i = 0; i < NCASES; i++) {
		const struct fmt_case *c = &fmt_cases[i];

		if (c->origin != OBJDUMP)
			continue;
		asm_format_insn(c->insn, case_slots(c), 0, buf, sizeof(buf));
		fprintf(f, "\t%s\n", buf);
		memcpy(&want[n], c->insn, case_slots(c) * sizeof(struct bpf_insn));
		n += case_slots(c);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target bpf -mcpu=v3 -c %s -o %s", src, obj);
	if (!ASSERT_OK(system(cmd), "clang accepts our text"))
		return;
	if (!ASSERT_OK(elf_read_text(obj, &got, &len), "read .text"))
		return;
	if (ASSERT_EQ(len, n, "slots assembled"))
		for (i = 0; i < n; i++)
			CHECK(!memcmp(&got[i], &want[i], sizeof(want[i])),
			      "slot %zu: clang encodes our text differently", i);
	free(got);
}

/* A whole program compiled from C: every line objdump prints, we print the same. */
static void test_compiled_program(void)
{
	static const char csrc[] =
		"struct ctx { unsigned int len, mark; unsigned long long a[4]; };\n"
		"static __attribute__((noinline)) int sum(struct ctx *c, int n)\n"
		"{ int s = 0; for (int i = 0; i < n && i < 4; i++) s += c->a[i] >> i; return s; }\n"
		"int prog(struct ctx *c)\n"
		"{\n"
		"	unsigned long long big = 0x123456789abcdefULL;\n"
		"	if (c->len > 100) return sum(c, 3) + (c->mark & 0xff);\n"
		"	if ((int)c->mark < -5) c->a[1] = big;\n"
		"	__sync_fetch_and_add(&c->a[2], 1);\n"
		"	return (short)c->mark * 3;\n"
		"}\n";
	char src[128], obj[128], dis[128], cmd[1024], line[512], buf[ASM_LINE_SIZE];
	struct bpf_insn *insns = NULL;
	size_t len = 0, i = 0, lines = 0;
	struct prog *prog;
	FILE *f;
	int n;

	if (!have_tools()) {
		test_skip("clang or llvm-objdump not installed");
		return;
	}
	tmp_path(src, sizeof(src), "prog.c");
	tmp_path(obj, sizeof(obj), "prog.o");
	tmp_path(dis, sizeof(dis), "prog.txt");
	f = fopen(src, "w");
	if (!ASSERT_OK_PTR(f, "create prog.c"))
		return;
	fputs(csrc, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "clang -target bpf -O2 -mcpu=v3 -c %s -o %s && "
		 "llvm-objdump -d --no-show-raw-insn %s > %s",
		 src, obj, obj, dis);
	if (!ASSERT_OK(system(cmd), "compile and disassemble"))
		return;
	if (!ASSERT_OK(elf_read_text(obj, &insns, &len), "read .text"))
		return;
	f = fopen(dis, "r");
	if (!ASSERT_OK_PTR(f, "open disassembly"))
		goto out;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		unsigned long idx;

		while (*p == ' ')
			p++;
		if (!(*p >= '0' && *p <= '9') || !strchr(p, ':'))
			continue;
		idx = strtoul(p, &end, 10);
		if (*end != ':' || end[1] != '\t')
			continue;
		p = end + 2;
		end = p + strcspn(p, "\n");
		*end = 0;
		strip_symbol(p);
		if (!ASSERT_EQ(idx, i, "objdump line index") || idx >= len)
			break;
		n = asm_format_insn(insns, len, i, buf, sizeof(buf));
		ASSERT_GE(n, 1, "formats");
		CHECK(!strcmp(buf, p), "insn %zu: we print \"%s\", llvm-objdump \"%s\"", i, buf, p);
		i += n > 0 ? n : 1;
		lines++;
	}
	fclose(f);
	ASSERT_EQ(i, len, "every slot covered");
	ASSERT_GE(lines, 15, "a program of some size");

	/* core/prog sees what clang built: main and the noinline callee */
	prog = prog__new(insns, len, NULL, 0);
	if (ASSERT_OK_PTR(prog, "prog__new on clang output")) {
		ASSERT_EQ(prog->nsubprogs, 2, "subprograms of clang output");
		ASSERT_EQ(prog->subprogs[1].end, len, "callee ends the program");
	}
	prog__free(prog);
out:
	free(insns);
}

/* ---- what cannot be printed ----------------------------------------------- */

static void test_invalid_encodings(void)
{
	static const struct {
		struct bpf_insn insn[2];
		size_t len;
		const char *text;
	} cases[] = {
		{{I(0, 0, 0, 0, 5)}, 1, "<invalid 0x00>"}, /* LD_IMM64 second slot alone */
		{{I(0xff, 0, 0, 0, 0)}, 1, "<invalid 0xff>"},
		{{I(0x18, 1, 0, 0, 1)}, 1, "<invalid 0x18>"}, /* no second slot */
		{{I(0x18, 1, 0, 0, 1), I(0xb7, 0, 0, 0, 0)}, 2, "<invalid 0x18>"},
		{{I(0x18, 1, 7, 0, 1), I(0, 0, 0, 0, 0)}, 2, "<invalid 0x18>"},
		{{I(0x8d, 0, 0, 0, 1)}, 1, "<invalid 0x8d>"}, /* callx: objdump prints it */
		{{I(0xbf, 1, 2, 0, 1)}, 1, "<invalid 0xbf>"}, /* imm would be lost */
		{{I(0x0f, 11, 2, 0, 0)}, 1, "<invalid 0x0f>"},
		{{I(0xd4, 1, 0, 0, 8)}, 1, "<invalid 0xd4>"},
		{{I(0xdb, 1, 2, 0, 0x02)}, 1, "<invalid 0xdb>"},
		{{I(0x96, 0, 0, 0, 0)}, 1, "<invalid 0x96>"},
	};
	char buf[ASM_LINE_SIZE], what[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "invalid case %zu", i);
		ASSERT_EQ(asm_format_insn(cases[i].insn, cases[i].len, 0, buf, sizeof(buf)),
			  -EINVAL, what);
		ASSERT_STREQ(buf, cases[i].text, what);
	}
	ASSERT_EQ(asm_format_insn(cases[0].insn, 1, 1, buf, sizeof(buf)), -EINVAL, "i >= len");
	ASSERT_EQ(asm_format_insn(cases[0].insn, 1, 0, NULL, 0), -EINVAL, "no buffer");
}

static void test_second_slot_walk(void)
{
	/* Walking a program by the returned slot count never lands on a second slot. */
	struct bpf_insn prog[] = {I(0xb7, 0, 0, 0, 0), I(0x18, 1, 0, 0, 5), I(0, 0, 0, 0, 0),
				  I(0x95, 0, 0, 0, 0)};
	static const char *const want[] = {"r0 = 0", "r1 = 5 ll", "exit"};
	char buf[ASM_LINE_SIZE];
	size_t i = 0, k = 0;
	int n;

	while (i < 4 && k < 3) {
		n = asm_format_insn(prog, 4, i, buf, sizeof(buf));
		if (!ASSERT_GE(n, 1, "slots"))
			return;
		ASSERT_STREQ(buf, want[k], "walk");
		i += n;
		k++;
	}
	ASSERT_EQ(i, 4, "walk ends at len");
	ASSERT_EQ(asm_format_insn(prog, 4, 2, buf, sizeof(buf)), -EINVAL, "second slot alone");
	ASSERT_STREQ(buf, "<invalid 0x00>", "second slot text");

	/* a short buffer truncates but never overflows */
	ASSERT_EQ(asm_format_insn(prog, 4, 1, buf, 5), 2, "short buffer");
	ASSERT_STREQ(buf, "r1 =", "truncated");
}

static void cleanup(void)
{
	static const char *const files[] = {"rows.s", "rows.o", "rows.txt", "text.s",
					    "text.o", "prog.c", "prog.o",   "prog.txt"};
	char path[160];
	size_t i;

	if (!have_tmpdir)
		return;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		tmp_path(path, sizeof(path), files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_format_table);
	RUN_TEST(test_divergences_listed);
	RUN_TEST(test_against_llvm_objdump);
	RUN_TEST(test_reassemble);
	RUN_TEST(test_compiled_program);
	RUN_TEST(test_invalid_encodings);
	RUN_TEST(test_second_slot_walk);
	cleanup();
	return test_summary("test_asm");
}
