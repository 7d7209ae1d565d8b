// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/analysis: the forward abstract interpretation and the
 * backward liveness.
 *
 * A case is a program in assembly (assembled with `clang -target bpf -c` at
 * test time, like test_prog.c), a program type, the maps, and a list of
 * checks at instruction indices.  A check names what it looks at and the
 * text expected, in the printer's verifier-log style:
 *
 *   "R2"        register r2 before the instruction      "pkt(off=14,r=14)"
 *   "T:R2"      only its type name                      "scalar"
 *   "fp-8"      the stack slot fp-8 .. fp-1             "mmmm????", "ctx()"
 *   "state"     the whole state                         "R1=ctx() R10=fp0"
 *   "in", "out" live registers before / after, as hex   "0x6"
 *   "hin", "hout" registers whose high halves are live  "0x1"
 *   "sin-8"     is stack byte fp-8 live before (1/0); "sout-8": after
 *   "reach"     is the instruction reachable (1/0)
 *
 * Encodings clang 14 cannot assemble (map references, BPF-to-BPF calls by
 * offset) use the `insn code, dst, src, off, imm` macro, with a comment.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/analysis.h"
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

/* r1 = map with fd 7 (LD_IMM64, src BPF_PSEUDO_MAP_FD): two slots */
#define LD_MAP7(reg) "insn 0x18, " #reg ", 1, 0, 7\ninsn 0, 0, 0, 0, 0\n"

/* Assemble @text with clang (tests/unit/elf_text.h); 0 and a malloc'ed program, or -errno. */
static int assemble(const char *text, struct bpf_insn **insns, size_t *len)
{
	return test_assemble(ASM_PRELUDE, text, insns, len);
}

struct check {
	uint32_t insn;
	const char *what;
	const char *expect;
};

#define MAX_CHECKS 16

struct acase {
	const char *descr;
	const char *text;
	enum bpf_prog_type type;
	struct check checks[MAX_CHECKS];
};

static const struct analysis_map maps7[] = {
	{.type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 16, .ref = 7},
};

#define U32 "scalar(smin=0,smax=0xffffffff,umax=0xffffffff,var_off=(0x0; 0xffffffff))"

static const struct acase cases[] = {
	{"constants through ALU64 and ALU32",
	 "r0 = 5\n"		/* 0 */
	 "r0 += 3\n"		/* 1 */
	 "r0 <<= 4\n"		/* 2 */
	 "w1 = -1\n"		/* 3 */
	 "r1 += 1\n"		/* 4 */
	 "r2 = r1\n"		/* 5 */
	 "w2 += 0\n"		/* 6: zero-extends: the high half goes */
	 "r0 = -r0\n"		/* 7 */
	 "r3 = 7\n"		/* 8 */
	 "r3 s>>= 1\n"		/* 9 */
	 "r3 *= r0\n"		/* 10 */
	 "exit",		/* 11 */
	 BPF_PROG_TYPE_XDP,
	 {{2, "R0", "8"},
	  {3, "R0", "128"},
	  {4, "R1", "0xffffffff"},
	  {5, "R1", "0x100000000"},
	  {7, "R2", "0"},
	  {8, "R0", "-128"},
	  {10, "R3", "3"},
	  {11, "R3", "-384"},
	  {11, "in", "0x1"},
	  {0, "in", "0x0"}}},
	{"LD_IMM64, subregisters, byte swaps",
	 "r1 = 0x100000005 ll\n" /* 0-1 */
	 "w2 = w1\n"		/* 2 */
	 "r3 = r1\n"		/* 3 */
	 "r3 >>= 32\n"		/* 4 */
	 "r4 = r1\n"		/* 5 */
	 "r4 = be16 r4\n"	/* 6 */
	 "w5 = w1\n"		/* 7 */
	 "w5 -= 6\n"		/* 8 */
	 "r0 = 0\n"		/* 9 */
	 "exit",		/* 10 */
	 BPF_PROG_TYPE_XDP,
	 {{1, "reach", "0"},
	  {2, "R1", "0x100000005"},
	  {3, "R2", "5"},
	  {5, "R3", "1"},
	  {7, "R4", "0x500"},
	  {9, "R5", "0xffffffff"}}},
	{"masks, shifts and bounds of a 32-bit ctx field",
	 "r2 = *(u32 *)(r1 + 12)\n" /* 0: ingress_ifindex */
	 "r2 &= 0xff\n"		/* 1 */
	 "r3 = r2\n"		/* 2 */
	 "r3 <<= 2\n"		/* 3 */
	 "r3 |= 1\n"		/* 4 */
	 "r4 = r2\n"		/* 5 */
	 "r4 >>= 4\n"		/* 6 */
	 "if w2 > 10 goto +1\n" /* 7 */
	 "r0 = r2\n"		/* 8 */
	 "r0 = 0\n"		/* 9 */
	 "exit",		/* 10 */
	 BPF_PROG_TYPE_XDP,
	 {{1, "R2", U32},
	  {2, "R2", "scalar(smin=0,smax=255,umax=255,var_off=(0x0; 0xff))"},
	  {5, "R3", "scalar(smin=1,smax=1021,umin=1,umax=1021,var_off=(0x1; 0x3fc))"},
	  {7, "R4", "scalar(smin=0,smax=15,umax=15,var_off=(0x0; 0xf))"},
	  {8, "R2", "scalar(smin=0,smax=10,umax=10,var_off=(0x0; 0xf))"},
	  {9, "R2", "scalar(smin=0,smax=255,umax=255,var_off=(0x0; 0xff))"}}},
	{"XDP bounds check gives the packet range on the safe side only",
	 "r2 = *(u32 *)(r1 + 0)\n" /* 0: data */
	 "r3 = *(u32 *)(r1 + 4)\n" /* 1: data_end */
	 "r4 = r2\n"		  /* 2 */
	 "r4 += 14\n"		  /* 3 */
	 "if r4 > r3 goto +3\n"	  /* 4 */
	 "r0 = *(u8 *)(r2 + 12)\n" /* 5 */
	 "r0 = 2\n"		  /* 6 */
	 "exit\n"		  /* 7 */
	 "r0 = 1\n"		  /* 8 */
	 "exit",		  /* 9 */
	 BPF_PROG_TYPE_XDP,
	 {{4, "R4", "pkt(off=14,r=0)"},
	  {4, "R3", "pkt_end()"},
	  {5, "state", "R1=ctx() R2=pkt(r=14) R3=pkt_end() R4=pkt(off=14,r=14) R10=fp0"},
	  {6, "R0", "scalar(smin=0,smax=255,umax=255,var_off=(0x0; 0xff))"},
	  {8, "R2", "pkt(r=0)"},
	  {8, "R4", "pkt(off=14,r=0)"}}},
	{"data_end on the left, strict comparison, tc context",
	 "r2 = *(u32 *)(r1 + 76)\n" /* 0: skb->data */
	 "r3 = *(u32 *)(r1 + 80)\n" /* 1: skb->data_end */
	 "r4 = r2\n"		   /* 2 */
	 "r4 += 34\n"		   /* 3 */
	 "if r3 < r4 goto +4\n"	   /* 4: end >= pkt+34 on fall-through */
	 "r5 = r2\n"		   /* 5 */
	 "r5 += 40\n"		   /* 6 */
	 "if r5 < r3 goto +1\n"	   /* 7: pkt+40 < end when taken */
	 "r0 = 0\n"		   /* 8 */
	 "exit",		   /* 9 */
	 BPF_PROG_TYPE_SCHED_CLS,
	 {{5, "R2", "pkt(r=34)"},
	  {8, "R2", "pkt(r=34)"},
	  {9, "R2", "pkt(r=0)"},
	  {4, "R3", "pkt_end()"}}},
	{"packet pointer plus a variable gets its own id and range",
	 "r2 = *(u32 *)(r1 + 0)\n" /* 0 */
	 "r3 = *(u32 *)(r1 + 4)\n" /* 1 */
	 "r4 = *(u8 *)(r2 + 0)\n"  /* 2 */
	 "r4 &= 0xf\n"		  /* 3 */
	 "r2 += r4\n"		  /* 4 */
	 "r5 = r2\n"		  /* 5 */
	 "r5 += 8\n"		  /* 6 */
	 "if r5 > r3 goto +1\n"	  /* 7 */
	 "r0 = *(u8 *)(r2 + 7)\n"  /* 8 */
	 "r0 = 0\n"		  /* 9 */
	 "exit",		  /* 10 */
	 BPF_PROG_TYPE_XDP,
	 {{8, "R2", "pkt(id=0x10000004,r=8,smin=0,smax=15,umax=15,var_off=(0x0; 0xf))"},
	  {8, "R5", "pkt(id=0x10000004,off=8,r=8,smin=0,smax=15,umax=15,var_off=(0x0; 0xf))"},
	  {9, "R2", "pkt(id=0x10000004,r=0,smin=0,smax=15,umax=15,var_off=(0x0; 0xf))"}}},
	{"map lookup: NULL check refines both sides",
	 "r6 = r1\n"		  /* 0 */
	 "r1 = 0\n"		  /* 1 */
	 "*(u32 *)(r10 - 4) = r1\n" /* 2 */
	 "r2 = r10\n"		  /* 3 */
	 "r2 += -4\n"		  /* 4 */
	 LD_MAP7(1)		  /* 5-6 */
	 "call 1\n"		  /* 7: map_lookup_elem */
	 "if r0 == 0 goto +3\n"	  /* 8 */
	 "r1 = *(u64 *)(r0 + 0)\n" /* 9 */
	 "r0 = 1\n"		  /* 10 */
	 "exit\n"		  /* 11 */
	 "r0 = 0\n"		  /* 12 */
	 "exit",		  /* 13 */
	 BPF_PROG_TYPE_XDP,
	 {{5, "R2", "fp-4"},
	  {7, "R1", "map_ptr(map=7,ks=4,vs=8)"},
	  {7, "fp-8", "mmmm????"},
	  {8, "R0", "map_value_or_null(id=0x8,map=7,ks=4,vs=8)"},
	  {8, "T:R1", "?"},
	  {9, "R0", "map_value(map=7,ks=4,vs=8)"},
	  {12, "R0", "0"},
	  {7, "in", "0x6"},
	  {7, "sin-4", "1"},
	  {7, "sin-1", "1"},
	  {7, "sin-5", "0"},
	  {0, "out", "0x400"}}},
	{"NULL check through a copy refines the original",
	 "r1 = 0\n"		  /* 0 */
	 "*(u32 *)(r10 - 4) = r1\n" /* 1 */
	 "r2 = r10\n"		  /* 2 */
	 "r2 += -4\n"		  /* 3 */
	 LD_MAP7(1)		  /* 4-5 */
	 "call 1\n"		  /* 6 */
	 "r6 = r0\n"		  /* 7 */
	 "if r6 != 0 goto +2\n"	  /* 8 */
	 "r0 = 0\n"		  /* 9 */
	 "exit\n"		  /* 10 */
	 "r0 = *(u32 *)(r0 + 0)\n" /* 11 */
	 "exit",		  /* 12 */
	 BPF_PROG_TYPE_SCHED_CLS,
	 {{9, "R6", "0"},
	  {9, "R0", "0"},
	  {11, "R0", "map_value(map=7,ks=4,vs=8)"},
	  {11, "R6", "map_value(map=7,ks=4,vs=8)"},
	  {12, "R0", U32}}},
	/* the verifier marks the result unknown in 64 bits, without zero-extension */
	{"ALU32 on a packet pointer: an unknown 64-bit scalar",
	 "r2 = *(u32 *)(r1 + 0)\n" /* 0 */
	 "r3 = *(u32 *)(r1 + 4)\n" /* 1 */
	 "w2 -= w3\n"		  /* 2 */
	 "w4 = w2\n"		  /* 3 */
	 "r0 = 0\n"		  /* 4 */
	 "exit",		  /* 5 */
	 BPF_PROG_TYPE_XDP,
	 {{3, "R2", "scalar()"},
	  {4, "R4", U32}}},
	{"spills and fills keep pointer types; partial ones do not",
	 "r2 = *(u32 *)(r1 + 0)\n"  /* 0 */
	 "*(u64 *)(r10 - 8) = r1\n"  /* 1 */
	 "*(u64 *)(r10 - 16) = r2\n" /* 2 */
	 "*(u32 *)(r10 - 24) = r2\n" /* 3 */
	 "r3 = *(u64 *)(r10 - 8)\n"  /* 4 */
	 "r4 = *(u64 *)(r10 - 16)\n" /* 5 */
	 "r5 = *(u32 *)(r10 - 16)\n" /* 6 */
	 "r6 = *(u64 *)(r10 - 24)\n" /* 7 */
	 "r0 = 0\n"		    /* 8 */
	 "exit",		    /* 9 */
	 BPF_PROG_TYPE_XDP,
	 {{6, "R3", "ctx()"},
	  {6, "R4", "pkt(r=0)"},
	  {6, "fp-8", "ctx()"},
	  {6, "fp-16", "pkt(r=0)"},
	  {6, "fp-24", "????mmmm"},
	  {7, "R5", U32},
	  {8, "R6", "scalar()"},
	  {3, "sout-24", "1"},
	  {3, "sout-20", "1"},
	  {3, "sout-25", "0"},
	  {9, "sin-8", "0"}}},
	{"dead stack stores",
	 "r1 = 1\n"		  /* 0 */
	 "*(u64 *)(r10 - 8) = r1\n" /* 1: overwritten before any read */
	 "r1 = 2\n"		  /* 2 */
	 "*(u64 *)(r10 - 8) = r1\n" /* 3 */
	 "r0 = *(u64 *)(r10 - 8)\n" /* 4 */
	 "*(u64 *)(r10 - 16) = r0\n" /* 5: never read */
	 "exit",		  /* 6 */
	 BPF_PROG_TYPE_XDP,
	 {{1, "sout-8", "0"},
	  {3, "sout-8", "1"},
	  {3, "sout-1", "1"},
	  {5, "sout-16", "0"},
	  {5, "R0", "2"},
	  {1, "in", "0x402"},
	  {0, "in", "0x400"},
	  {2, "in", "0x400"},
	  {4, "fp-8", "2"}}},
	{"joins at merges",
	 "r2 = *(u32 *)(r1 + 12)\n" /* 0 */
	 "r0 = 1\n"		   /* 1 */
	 "r3 = r10\n"		   /* 2 */
	 "if r2 > 10 goto +3\n"	   /* 3 */
	 "r0 = 3\n"		   /* 4 */
	 "r3 = r1\n"		   /* 5 */
	 "goto +2\n"		   /* 6 */
	 "r0 = 7\n"		   /* 7 */
	 "r4 = 1\n"		   /* 8 */
	 "r5 = r0\n"		   /* 9 */
	 "exit",		   /* 10 */
	 BPF_PROG_TYPE_XDP,
	 {{9, "R0", "scalar(smin=3,smax=7,umin=3,umax=7,var_off=(0x3; 0x4))"},
	  {9, "R3", "unknown()"},
	  {9, "T:R4", "?"},
	  {8, "R4", "?()"},
	  {7, "R2", "scalar(smin=11,smax=0xffffffff,umin=11,umax=0xffffffff,"
		    "var_off=(0x0; 0xffffffff))"},
	  {9, "R2", U32},
	  {9, "R1", "ctx()"}}},
	{"a loop reaches a fixpoint; narrowing takes back the exit test's bound",
	 "r0 = 0\n"		   /* 0 */
	 "r1 = 0\n"		   /* 1 */
	 "r0 += r1\n"		   /* 2: loop head */
	 "r1 += 1\n"		   /* 3 */
	 "if r1 < 100 goto -3\n"   /* 4 */
	 "exit",		   /* 5 */
	 BPF_PROG_TYPE_XDP,
	 {{5, "reach", "1"},
	  {2, "T:R1", "scalar"},
	  {2, "T:R0", "scalar"},
	  {5, "R1", "100"},
	  {3, "R1", "scalar(smin=0,smax=99,umax=99,var_off=(0x0; 0x7f))"},
	  {4, "in", "0x3"},
	  {5, "in", "0x1"}}},
	{"a loop over the packet keeps pointers and drops the range",
	 "r2 = *(u32 *)(r1 + 0)\n" /* 0 */
	 "r3 = *(u32 *)(r1 + 4)\n" /* 1 */
	 "r4 = r2\n"		  /* 2: loop head */
	 "r4 += 1\n"		  /* 3 */
	 "if r4 > r3 goto +2\n"	  /* 4 */
	 "r2 = r4\n"		  /* 5 */
	 "goto -5\n"		  /* 6 */
	 "r0 = 0\n"		  /* 7 */
	 "exit",		  /* 8 */
	 BPF_PROG_TYPE_XDP,
	 {{2, "T:R2", "pkt"}, {5, "T:R4", "pkt"}, {7, "T:R2", "pkt"}, {8, "reach", "1"}}},
	{"helpers: arguments live, clobbered registers, packet pointers invalidated",
	 "r6 = r1\n"		  /* 0 */
	 "r1 = 0\n"		  /* 1: dead */
	 "r2 = 5\n"		  /* 2 */
	 "r3 = 7\n"		  /* 3: dead, adjust_head takes two */
	 "r7 = *(u32 *)(r6 + 0)\n" /* 4 */
	 "r1 = r6\n"		  /* 5 */
	 "call 44\n"		  /* 6: xdp_adjust_head */
	 "r0 = 2\n"		  /* 7 */
	 "exit",		  /* 8 */
	 BPF_PROG_TYPE_XDP,
	 {{6, "in", "0x6"},
	  {3, "out", "0x44"},
	  {1, "out", "0x40"},
	  {2, "out", "0x44"},
	  {6, "R7", "pkt(r=0)"},
	  {7, "R7", "scalar()"},
	  {7, "T:R1", "?"},
	  {7, "R0", "scalar()"},
	  {7, "R6", "ctx()"}}},
	{"bytes a helper reads through a pointer stay live",
	 "r6 = r1\n"		   /* 0 */
	 "r1 = 0\n"		   /* 1 */
	 "*(u64 *)(r10 - 8) = r1\n"  /* 2: not read by the helper */
	 "*(u64 *)(r10 - 16) = r1\n" /* 3: read by the helper */
	 "r4 = r10\n"		   /* 4 */
	 "r4 += -16\n"		   /* 5 */
	 "r1 = r6\n"		   /* 6 */
	 LD_MAP7(2)		   /* 7-8 */
	 "r3 = 0\n"		   /* 9 */
	 "r5 = 8\n"		   /* 10 */
	 "call 25\n"		   /* 11: perf_event_output(ctx, map, flags, data, 8) */
	 "r0 = 2\n"		   /* 12 */
	 "exit",		   /* 13 */
	 BPF_PROG_TYPE_XDP,
	 {{2, "sout-8", "0"},
	  {3, "sout-16", "1"},
	  {3, "sout-9", "1"},
	  {11, "in", "0x3e"},
	  {11, "sin-16", "1"},
	  {12, "fp-16", "mmmmmmmm"}}},
	{"a helper's own buffer of a known length is written (the verifier's raw mode)",
	 "r6 = r1\n"		 /* 0 */
	 "r3 = r10\n"		 /* 1 */
	 "r3 += -16\n"		 /* 2 */
	 "r1 = r6\n"		 /* 3 */
	 "r2 = 0\n"		 /* 4 */
	 "r4 = 4\n"		 /* 5 */
	 "call 26\n"		 /* 6: skb_load_bytes(skb, 0, fp-16, 4) */
	 "r3 = r10\n"		 /* 7 */
	 "r3 += -8\n"		 /* 8 */
	 "r1 = r6\n"		 /* 9 */
	 "r2 = 0\n"		 /* 10 */
	 "r4 = r0\n"		 /* 11: a length not known */
	 "call 26\n"		 /* 12 */
	 "r0 = 0\n"		 /* 13 */
	 "exit",		 /* 14 */
	 BPF_PROG_TYPE_SCHED_CLS,
	 {{6, "fp-16", "????????"},
	  {7, "fp-16", "????mmmm"},
	  {13, "fp-16", "????mmmm"},
	  {13, "fp-8", "????????"}}},
	{"skb_load_bytes never reads its buffer and always writes it: a store there is dead",
	 "r6 = r1\n"		    /* 0 */
	 "r1 = 0\n"		    /* 1 */
	 "*(u64 *)(r10 - 16) = r1\n" /* 2: 4 bytes the helper fills, 4 it does not */
	 "r3 = r10\n"		    /* 3 */
	 "r3 += -16\n"		    /* 4 */
	 "r1 = r6\n"		    /* 5 */
	 "r2 = 0\n"		    /* 6 */
	 "r4 = 4\n"		    /* 7 */
	 "call 26\n"		    /* 8: skb_load_bytes(skb, 0, fp-16, 4) */
	 "r0 = *(u64 *)(r10 - 16)\n" /* 9 */
	 "exit",		    /* 10 */
	 BPF_PROG_TYPE_SCHED_CLS,
	 {{2, "sout-16", "0"},
	  {2, "sout-13", "0"},
	  {2, "sout-12", "1"},
	  {2, "sout-9", "1"},
	  {8, "sout-16", "1"}}},
	{"xdp_load_bytes fills its buffer only when it returns 0",
	 "r6 = r1\n"		    /* 0 */
	 "r1 = 0\n"		    /* 1 */
	 "*(u64 *)(r10 - 8) = r1\n"  /* 2 */
	 "*(u64 *)(r10 - 16) = r1\n" /* 3 */
	 "*(u64 *)(r10 - 24) = r1\n" /* 4 */
	 "r3 = r10\n"		    /* 5 */
	 "r3 += -24\n"		    /* 6 */
	 "r1 = r6\n"		    /* 7 */
	 "r2 = 0\n"		    /* 8 */
	 "r4 = 24\n"		    /* 9 */
	 "call 189\n"		    /* 10: xdp_load_bytes(xdp, 0, fp-24, 24) */
	 "if r0 != 0 goto +2\n"	    /* 11: failure jumps */
	 "r0 = *(u64 *)(r10 - 24)\n" /* 12: success: the helper's bytes */
	 "exit\n"		    /* 13 */
	 "r0 = *(u32 *)(r10 - 8)\n"  /* 14: failure: what was there before */
	 "exit",		    /* 15 */
	 BPF_PROG_TYPE_XDP,
	 {{2, "sout-8", "1"},
	  {2, "sout-5", "1"},
	  {2, "sout-4", "0"},
	  {3, "sout-16", "0"},
	  {4, "sout-24", "0"},
	  {11, "sout-24", "1"},
	  {11, "sout-8", "1"}}},
	{"xdp_load_bytes' result tested through a copy (xdp2); a 32-bit copy does not tell",
	 "r6 = r1\n"		    /* 0 */
	 "r1 = 0\n"		    /* 1 */
	 "*(u64 *)(r10 - 8) = r1\n"  /* 2 */
	 "r3 = r10\n"		    /* 3 */
	 "r3 += -8\n"		    /* 4 */
	 "r1 = r6\n"		    /* 5 */
	 "r2 = 0\n"		    /* 6 */
	 "r4 = 8\n"		    /* 7 */
	 "call 189\n"		    /* 8 */
	 "r1 = r0\n"		    /* 9 */
	 "r0 = 1\n"		    /* 10 */
	 "if r1 != 0 goto +2\n"	    /* 11 */
	 "r0 = *(u64 *)(r10 - 8)\n"  /* 12 */
	 "exit\n"		    /* 13 */
	 "*(u64 *)(r10 - 8) = r0\n"  /* 14 */
	 "r3 = r10\n"		    /* 15 */
	 "r3 += -8\n"		    /* 16 */
	 "r1 = r6\n"		    /* 17 */
	 "r2 = 0\n"		    /* 18 */
	 "r4 = 8\n"		    /* 19 */
	 "call 189\n"		    /* 20 */
	 "w1 = w0\n"		    /* 21 */
	 "if r1 s< 0 goto +2\n"	    /* 22: never taken: w1 is zero-extended */
	 "r0 = *(u64 *)(r10 - 8)\n"  /* 23 */
	 "exit\n"		    /* 24 */
	 "r0 = 2\n"		    /* 25 */
	 "exit",		    /* 26 */
	 BPF_PROG_TYPE_XDP,
	 {{2, "sout-8", "0"}, {14, "sout-8", "1"}}},
	{"xdp_load_bytes without a test of its result: the buffer may keep its bytes",
	 "r6 = r1\n"		    /* 0 */
	 "r1 = 0\n"		    /* 1 */
	 "*(u64 *)(r10 - 8) = r1\n"  /* 2 */
	 "r3 = r10\n"		    /* 3 */
	 "r3 += -8\n"		    /* 4 */
	 "r1 = r6\n"		    /* 5 */
	 "r2 = 0\n"		    /* 6 */
	 "r4 = 8\n"		    /* 7 */
	 "call 189\n"		    /* 8 */
	 "r0 = *(u64 *)(r10 - 8)\n"  /* 9 */
	 "exit",		    /* 10 */
	 BPF_PROG_TYPE_XDP,
	 {{2, "sout-8", "1"}, {8, "sin-8", "1"}}},
	{"the _str readers may stop at the NUL: the bytes after it stay live",
	 "r1 = 0\n"		   /* 0 */
	 "*(u64 *)(r10 - 8) = r1\n" /* 1 */
	 "r1 = r10\n"		   /* 2 */
	 "r1 += -8\n"		   /* 3 */
	 "r2 = 8\n"		   /* 4 */
	 "r3 = 0\n"		   /* 5 */
	 "call 115\n"		   /* 6: probe_read_kernel_str(fp-8, 8, NULL) */
	 "r0 = *(u64 *)(r10 - 8)\n" /* 7 */
	 "exit",		   /* 8 */
	 BPF_PROG_TYPE_TRACING,
	 {{1, "sout-8", "1"}}},
	{"an unknown helper with a stack pointer reads the whole frame above it",
	 "r1 = 0\n"		   /* 0 */
	 "*(u64 *)(r10 - 8) = r1\n"  /* 1 */
	 "*(u64 *)(r10 - 24) = r1\n" /* 2: below the pointer */
	 "r1 = r10\n"		   /* 3 */
	 "r1 += -16\n"		   /* 4 */
	 "call 70\n"		   /* 5 */
	 "exit",		   /* 6 */
	 BPF_PROG_TYPE_XDP,
	 {{1, "sout-8", "1"}, {2, "sout-24", "0"}, {5, "in", "0x3e"}}},
	{"halves: ALU32 reads low halves, an XDP exit only the low half of r0",
	 "r2 = 1\n"	     /* 0 */
	 "r3 = 2\n"	     /* 1 */
	 "w2 += w3\n"	     /* 2 */
	 "r0 = r2\n"	     /* 3 */
	 "*(u32 *)(r10 - 4) = r3\n" /* 4 */
	 "exit",	     /* 5 */
	 BPF_PROG_TYPE_XDP,
	 {{2, "in", "0x40c"},
	  {2, "hin", "0x400"},
	  {3, "in", "0x40c"},
	  {3, "hin", "0x400"},
	  {5, "in", "0x1"},
	  {5, "hin", "0x0"},
	  {4, "hin", "0x400"},
	  {4, "in", "0x409"}}},
	{"halves: a tracing program's exit reads all of r0",
	 "r2 = 1\n"	     /* 0 */
	 "w2 += 1\n"	     /* 1 */
	 "r0 = r2\n"	     /* 2 */
	 "exit",	     /* 3 */
	 BPF_PROG_TYPE_TRACING,
	 {{3, "hin", "0x1"}, {2, "hin", "0x4"}, {1, "hin", "0x0"}, {1, "in", "0x4"}}},
	{"a store through a variable stack offset may hit a spill",
	 "r2 = *(u32 *)(r1 + 0)\n"  /* 0 */
	 "*(u64 *)(r10 - 8) = r2\n"  /* 1: spill a packet pointer */
	 "r3 = *(u32 *)(r1 + 12)\n" /* 2 */
	 "r3 &= 8\n"		     /* 3 */
	 "r4 = r10\n"		     /* 4 */
	 "r4 += -16\n"		     /* 5 */
	 "r4 += r3\n"		     /* 6: fp-16 or fp-8 */
	 "r5 = 0\n"		     /* 7 */
	 "*(u64 *)(r4 + 0) = r5\n"   /* 8 */
	 "r6 = *(u64 *)(r10 - 8)\n"  /* 9 */
	 "r0 = 0\n"		     /* 10 */
	 "exit",		     /* 11 */
	 BPF_PROG_TYPE_XDP,
	 {{8, "R4", "fp(off=-16,smin=0,smax=8,umax=8,var_off=(0x0; 0x8))"},
	  {8, "fp-8", "pkt(r=0)"},
	  {9, "fp-8", "unknown()"},
	  {10, "R6", "unknown()"},
	  {8, "sout-8", "1"}}},
	{"a partial overwrite of a spilled pointer leaves data",
	 "*(u64 *)(r10 - 8) = r1\n" /* 0 */
	 "r2 = 0\n"		    /* 1 */
	 "*(u32 *)(r10 - 8) = r2\n" /* 2 */
	 "r3 = *(u64 *)(r10 - 8)\n" /* 3 */
	 "r0 = 0\n"		    /* 4 */
	 "exit",		    /* 5 */
	 BPF_PROG_TYPE_XDP,
	 {{2, "fp-8", "ctx()"}, {3, "fp-8", "mmmmmmmm"}, {4, "R3", "scalar()"}}},
	{"atomics on the stack: the slot is read, and no longer a known spill",
	 "r1 = 5\n"			/* 0 */
	 "*(u64 *)(r10 - 8) = r1\n"	/* 1 */
	 "r2 = 1\n"			/* 2 */
	 "lock *(u64 *)(r10 - 8) += r2\n" /* 3 */
	 "r0 = *(u64 *)(r10 - 8)\n"	/* 4 */
	 "exit",			/* 5 */
	 BPF_PROG_TYPE_XDP,
	 {{3, "fp-8", "5"},
	  {4, "fp-8", "mmmmmmmm"},
	  {5, "R0", "scalar()"},
	  {1, "sout-8", "1"},
	  {3, "in", "0x404"}}},
	{"ST immediate stores: constants, spilled or as bytes",
	 "insn 0x7a, 10, 0, -8, 7\n"  /* 0: *(u64 *)(r10 - 8) = 7 */
	 "insn 0x62, 10, 0, -16, 3\n" /* 1: *(u32 *)(r10 - 16) = 3 */
	 "r0 = *(u64 *)(r10 - 8)\n"   /* 2 */
	 "r1 = *(u32 *)(r10 - 16)\n"  /* 3 */
	 "exit",		      /* 4 */
	 BPF_PROG_TYPE_XDP,
	 {{2, "fp-8", "7"},
	  {2, "fp-16", "????mmmm"},
	  {3, "R0", "7"},
	  {4, "R1", "3"},
	  {0, "sout-8", "1"},
	  {1, "sout-16", "1"},
	  {1, "sout-12", "0"}}},
	{"constant bytes on the stack: a key built by two 32-bit stores",
	 "r1 = 0x11\n"		    /* 0 */
	 "*(u32 *)(r10 - 8) = r1\n" /* 1 */
	 "r1 = 0x22\n"		    /* 2 */
	 "*(u32 *)(r10 - 4) = r1\n" /* 3 */
	 "r0 = *(u64 *)(r10 - 8)\n" /* 4 */
	 "r2 = *(u16 *)(r10 - 6)\n" /* 5 */
	 "r3 = *(u8 *)(r10 - 4)\n"  /* 6 */
	 "exit",		    /* 7 */
	 BPF_PROG_TYPE_XDP,
	 {{5, "R0", "0x2200000011"}, {6, "R2", "0"}, {7, "R3", "34"}, {4, "fp-8", "mmmmmmmm"}}},
	{"LD_ABS: r0 gets the bytes, r1-r5 are clobbered, r6 is read",
	 "r6 = r1\n"		 /* 0 */
	 "r2 = 7\n"		 /* 1: dead, LD_ABS clobbers it */
	 "insn 0x28, 0, 0, 0, 12\n" /* 2: r0 = *(u16 *)skb[12] */
	 "r3 = r0\n"		 /* 3 */
	 "exit",		 /* 4 */
	 BPF_PROG_TYPE_SOCKET_FILTER,
	 {{3, "R0", "scalar(smin=0,smax=0xffff,umax=0xffff,var_off=(0x0; 0xffff))"},
	  {3, "T:R2", "?"},
	  {3, "R6", "ctx()"},
	  {2, "in", "0x40"},
	  {1, "out", "0x40"}}},
	{"JSET refines the tested bit; movsx sign-extends",
	 "r2 = *(u32 *)(r1 + 12)\n"	/* 0 */
	 "r0 = 0\n"			/* 1 */
	 "insn 0x45, 2, 0, 3, 4\n"	/* 2: if r2 & 4 goto +3 */
	 "r3 = 0x80\n"			/* 3 */
	 "insn 0xbf, 4, 3, 8, 0\n"	/* 4: r4 = (s8)r3 */
	 "r5 = r4\n"			/* 5 */
	 "exit",			/* 6 */
	 BPF_PROG_TYPE_XDP,
	 {{3, "R2", "scalar(smin=0,smax=0xfffffffb,umax=0xfffffffb,var_off=(0x0; 0xfffffffb))"},
	  {5, "R4", "-128"},
	  {6, "T:R2", "scalar"}}},
	{"copies of a scalar learn from each other's comparisons, until one is written",
	 "r2 = *(u32 *)(r1 + 12)\n" /* 0 */
	 "r3 = r2\n"		    /* 1: linked */
	 "r5 = r2\n"		    /* 2: linked */
	 "r5 += 1\n"		    /* 3: not any more */
	 "if r3 > 10 goto +2\n"	    /* 4 */
	 "r4 = r2\n"		    /* 5 */
	 "r0 = r5\n"		    /* 6 */
	 "exit",		    /* 7 */
	 BPF_PROG_TYPE_XDP,
	 {{5, "R2", "scalar(smin=0,smax=10,umax=10,var_off=(0x0; 0xf))"},
	  {5, "R5", "scalar(smin=1,smax=0x100000000,umin=1,umax=0x100000000,"
		    "var_off=(0x0; 0x1ffffffff))"},
	  {7, "R2", U32}}},
	{"impossible branch sides are unreachable",
	 "r1 = 3\n"		/* 0 */
	 "if r1 > 5 goto +1\n"	/* 1 */
	 "r0 = 0\n"		/* 2 */
	 "exit",		/* 3 */
	 BPF_PROG_TYPE_XDP,
	 /* r0 is live into the jump: liveness does not prune impossible edges (sound) */
	 {{2, "reach", "1"}, {3, "R0", "0"}, {1, "in", "0x3"}}},
};

static const char *type_name(const struct analysis_reg *r)
{
	static const char *const names[] = {"?",   "scalar",  "ctx",	   "fp",
					    "pkt", "pkt_end", "pkt_meta", "map_ptr",
					    "map_value", "map_value_or_null", "unknown"};

	return r->type < sizeof(names) / sizeof(names[0]) ? names[r->type] : "bad";
}

static void run_check(const struct analysis *a, const struct check *c, char *got, size_t gotsz)
{
	struct analysis_reg r;
	struct analysis_slot sl;
	unsigned int regno;
	int off;

	got[0] = 0;
	if (!strcmp(c->what, "reach")) {
		snprintf(got, gotsz, "%d", analysis_reachable(a, c->insn));
	} else if (!strcmp(c->what, "state")) {
		analysis_state_str(a, c->insn, got, gotsz);
	} else if (!strcmp(c->what, "in") || !strcmp(c->what, "out")) {
		snprintf(got, gotsz, "%#x",
			 c->what[0] == 'i' ? analysis_live_in(a, c->insn)
					   : analysis_live_out(a, c->insn));
		if (!strcmp(got, "0"))
			snprintf(got, gotsz, "0x0");
	} else if (!strcmp(c->what, "hin") || !strcmp(c->what, "hout")) {
		snprintf(got, gotsz, "%#x",
			 c->what[1] == 'i' ? analysis_live_in_high(a, c->insn)
					   : analysis_live_out_high(a, c->insn));
		if (!strcmp(got, "0"))
			snprintf(got, gotsz, "0x0");
	} else if (sscanf(c->what, "sin%d", &off) == 1) {
		snprintf(got, gotsz, "%d", analysis_stack_live_in(a, c->insn, off));
	} else if (sscanf(c->what, "sout%d", &off) == 1) {
		snprintf(got, gotsz, "%d", analysis_stack_live_out(a, c->insn, off));
	} else if (sscanf(c->what, "fp%d", &off) == 1) {
		if (analysis_slot(a, c->insn, (unsigned int)(-off / 8 - 1), &sl)) {
			snprintf(got, gotsz, "(unreachable)");
		} else if (sl.spilled) {
			analysis_reg_str(a, &sl.reg, got, gotsz);
		} else {
			int j;

			for (j = 0; j < 8; j++)
				got[j] = sl.init >> (7 - j) & 1 ? 'm' : '?';
			got[8] = 0;
		}
	} else if (sscanf(c->what, "T:R%u", &regno) == 1) {
		if (analysis_reg(a, c->insn, regno, &r))
			snprintf(got, gotsz, "(unreachable)");
		else
			snprintf(got, gotsz, "%s", type_name(&r));
	} else if (sscanf(c->what, "R%u", &regno) == 1) {
		if (analysis_reg(a, c->insn, regno, &r))
			snprintf(got, gotsz, "(unreachable)");
		else
			analysis_reg_str(a, &r, got, gotsz);
	} else {
		snprintf(got, gotsz, "(bad check '%s')", c->what);
	}
}

static void test_cases(void)
{
	char msg[PROG_MSG_SIZE], got[ANALYSIS_STATE_STR_SIZE], what[256];
	size_t n;

	if (!test_need_clang())
		return;
	for (n = 0; n < sizeof(cases) / sizeof(cases[0]); n++) {
		const struct acase *c = &cases[n];
		struct analysis_env env = {.prog_type = c->type, .maps = maps7, .nmaps = 1};
		struct bpf_insn *insns = NULL;
		struct analysis *a = NULL;
		struct prog *p = NULL;
		size_t len = 0;
		unsigned int k;

		if (!ASSERT_OK(assemble(c->text, &insns, &len), c->descr))
			continue;
		p = prog__new(insns, len, msg, sizeof(msg));
		if (!CHECK(p != NULL, "%s: prog__new: %s", c->descr, msg))
			goto next;
		a = analysis__new(p, &env, msg, sizeof(msg));
		if (!CHECK(a != NULL, "%s: analysis__new: %s", c->descr, msg))
			goto next;
		for (k = 0; k < MAX_CHECKS && c->checks[k].what; k++) {
			run_check(a, &c->checks[k], got, sizeof(got));
			snprintf(what, sizeof(what), "%s: insn %u %s", c->descr, c->checks[k].insn,
				 c->checks[k].what);
			ASSERT_STREQ(got, c->checks[k].expect, what);
		}
next:
		analysis__free(a);
		prog__free(p);
		free(insns);
	}
}

/*
 * BPF-to-BPF calls: a static callee is followed (r0 from its exits); one
 * that may be global is not trusted past the call -- an freplace program may
 * replace it at run time -- while its own code is still analysed from the
 * caller's arguments.
 */
static void test_calls(void)
{
	static const struct check fixed[] = {
		{3, "R6", "9"}, {3, "R0", "5"},	 {3, "T:R1", "?"},  {5, "R1", "5"},
		{5, "T:R6", "?"}, {5, "R10", "fp0"}, {2, "in", "0x7e"}, {6, "in", "0x1"},
	};
	static const struct check replaceable[] = {
		{3, "R6", "9"}, {3, "R0", "unknown()"}, {5, "R1", "5"}, {6, "R0", "5"},
	};
	char msg[PROG_MSG_SIZE], got[ANALYSIS_STATE_STR_SIZE], what[256];
	struct bpf_insn *insns = NULL;
	struct prog *p = NULL;
	uint8_t fns[7] = {0};
	size_t len = 0, k;
	int pass;

	if (!test_need_clang())
		return;
	if (!ASSERT_OK(assemble("r6 = 9\n"		   /* 0 */
				"r1 = 5\n"		   /* 1 */
				"insn 0x85, 0, 1, 0, 2\n" /* 2: call pc+2 (insn 5) */
				"r0 += r6\n"		   /* 3 */
				"exit\n"		   /* 4 */
				"r0 = r1\n"		   /* 5: the callee */
				"exit",		   /* 6 */
				&insns, &len),
		       "assemble") ||
	    !ASSERT_EQ(len, 7, "length"))
		goto out;
	p = prog__new(insns, len, msg, sizeof(msg));
	if (!CHECK(p != NULL, "prog__new: %s", msg))
		goto out;
	fns[5] = 1;
	for (pass = 0; pass < 2; pass++) {
		struct analysis_env env = {.prog_type = BPF_PROG_TYPE_XDP};
		const struct check *c = pass ? replaceable : fixed;
		size_t n = pass ? sizeof(replaceable) / sizeof(*c) : sizeof(fixed) / sizeof(*c);
		struct analysis *a;

		if (!pass) {
			env.static_fn = fns;
			env.static_fn_len = sizeof(fns);
		}
		a = analysis__new(p, &env, msg, sizeof(msg));
		if (!CHECK(a != NULL, "analysis__new: %s", msg))
			continue;
		for (k = 0; k < n; k++) {
			run_check(a, &c[k], got, sizeof(got));
			snprintf(what, sizeof(what), "%s callee: insn %u %s",
				 pass ? "replaceable" : "static", c[k].insn, c[k].what);
			ASSERT_STREQ(got, c[k].expect, what);
		}
		analysis__free(a);
	}
out:
	prog__free(p);
	free(insns);
}

/*
 * The scalar domain on its own would need the internal header; instead, check
 * soundness end to end: for random constant pairs, every ALU op on registers
 * known only by a join of two constants must contain the exact results.
 */
static void test_alu_soundness(void)
{
	static const char *const ops[] = {"+=", "-=", "*=", "&=", "|=", "^=", "<<=", ">>=",
					  "s>>=", "/="};
	static const uint64_t vals[] = {0, 1, 3, 7, 0xff, 0x8000, 0xffffffff, 0x100000000ull,
					0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 60};
	char msg[PROG_MSG_SIZE], text[1024];
	unsigned int o, i, j, fails = 0, checked = 0;

	if (!test_need_clang())
		return;
	for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
		for (i = 0; i + 1 < sizeof(vals) / sizeof(vals[0]); i += 3) {
			for (j = 0; j + 1 < sizeof(vals) / sizeof(vals[0]); j += 2) {
				uint64_t a0 = vals[i], a1 = vals[i + 1], b0 = vals[j] & 63,
					 b1 = vals[j + 1] & 63;
				bool w32 = (i + j) % 2;
				struct analysis_env env = {.prog_type = BPF_PROG_TYPE_XDP};
				struct bpf_insn *insns = NULL;
				struct analysis_reg rv, *r = NULL;
				struct analysis *an = NULL;
				struct prog *p = NULL;
				size_t len, x, y;
				const char *rg = w32 ? "w" : "r";

				if (o < 6 || o == 9) {
					b0 = vals[j];
					b1 = vals[j + 1];
				}
				/* r2 in {a0, a1}, r3 in {b0, b1} by a branch on ctx data */
				snprintf(text, sizeof(text),
					 "r4 = *(u32 *)(r1 + 12)\n"
					 "r2 = %#llx ll\nr3 = %#llx ll\n"
					 "if r4 > 5 goto +4\n"
					 "r2 = %#llx ll\nr3 = %#llx ll\n"
					 "%s2 %s %s3\nr0 = r2\nexit",
					 (unsigned long long)a0, (unsigned long long)b0,
					 (unsigned long long)a1, (unsigned long long)b1, rg, ops[o], rg);
				if (assemble(text, &insns, &len))
					continue;
				p = prog__new(insns, len, msg, sizeof(msg));
				an = p ? analysis__new(p, &env, msg, sizeof(msg)) : NULL;
				if (an && !analysis_reg(an, (uint32_t)len - 2, 2, &rv))
					r = &rv;
				for (x = 0; r && x < 2; x++) {
					for (y = 0; y < 2; y++) {
						uint64_t d = x ? a1 : a0, s = y ? b1 : b0, v;
						unsigned int sh = w32 ? 31 : 63;

						if (w32) {
							d = (uint32_t)d;
							s = (uint32_t)s;
						}
						switch (o) {
						case 0: v = d + s; break;
						case 1: v = d - s; break;
						case 2: v = d * s; break;
						case 3: v = d & s; break;
						case 4: v = d | s; break;
						case 5: v = d ^ s; break;
						case 6: v = d << (s & sh); break;
						case 7: v = d >> (s & sh); break;
						case 8:
							v = w32 ? (uint64_t)((int32_t)d >> (s & sh))
								: (uint64_t)((int64_t)d >> (s & sh));
							break;
						default: v = s ? d / s : 0; break;
						}
						if (w32)
							v = (uint32_t)v;
						checked++;
						if ((v & ~r->s.mask) != r->s.value || v < r->s.umin ||
						    v > r->s.umax || (int64_t)v < r->s.smin ||
						    (int64_t)v > r->s.smax) {
							char buf[256];

							analysis_reg_str(an, r, buf, sizeof(buf));
							fails++;
							CHECK(false, "%s%s: %#llx op %#llx = %#llx not in %s",
							      w32 ? "alu32 " : "", ops[o],
							      (unsigned long long)d,
							      (unsigned long long)s,
							      (unsigned long long)v, buf);
						}
					}
				}
				CHECK(r != NULL, "analysis of %s failed", ops[o]);
				analysis__free(an);
				prog__free(p);
				free(insns);
			}
		}
	}
	ASSERT_EQ(fails, 0, "unsound ALU results");
	ASSERT_GE(checked, 400, "ALU results checked");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_cases);
	RUN_TEST(test_calls);
	RUN_TEST(test_alu_soundness);
	test_assemble_cleanup();
	return test_summary("test_analysis");
}
