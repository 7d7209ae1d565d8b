// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/safety: a table of programs in assembly, each with the
 * verdict the model must give and a substring of its message, rejected
 * programs next to the accepted variant they differ from.
 *
 * The same table is the first half of tests/kernel/test_safety_kernel.c,
 * which loads every row into the kernel and compares verdicts: it includes
 * this file with SAFETY_CASES_ONLY defined.  A row whose @kernel differs from
 * its @verdict is one where the model is stricter than the verifier on
 * purpose (say why in @descr); the kernel test holds the kernel to @kernel.
 *
 * Maps are referred to by fd 7 (LD_MAP7); the kernel test puts a real map
 * of the same shape there.  Encodings clang 14 cannot assemble use the
 * `insn code, dst, src, off, imm` macro, with a comment.
 */
#include <errno.h>
#include <string.h>

#include "core/analysis.h"
#include "core/prog.h"
#include "core/safety.h"
#include "tests/test.h"
#include "tests/unit/elf_text.h"

#define ASM_PRELUDE                                \
	"\t.macro insn code, dst, src, off, imm\n" \
	"\t.byte \\code, (\\src << 4) | \\dst\n"   \
	"\t.short \\off\n"                         \
	"\t.long \\imm\n"                          \
	"\t.endm\n"                                \
	"\t.text\n"

/* rN = map with fd 7 (LD_IMM64, src BPF_PSEUDO_MAP_FD): two slots */
#define LD_MAP7(reg) "insn 0x18, " #reg ", 1, 0, 7\ninsn 0, 0, 0, 0, 0\n"
#define LD_MAP(reg, fd) "insn 0x18, " #reg ", 1, 0, " #fd "\ninsn 0, 0, 0, 0, 0\n"

/*
 * The maps rows may name, by fd (the kernel test creates each, with its
 * flags, and puts its real fd there): a hash, a queue, a read-only array
 * (as libbpf makes .rodata), a devmap, a cpumap, a write-only array.
 */
#define SAFETY_MAP_FD 7
static const struct analysis_map safety_maps[] = {
	{.type = BPF_MAP_TYPE_HASH,
	 .key_size = 4,
	 .value_size = 8,
	 .max_entries = 16,
	 .ref = SAFETY_MAP_FD},
	{.type = BPF_MAP_TYPE_QUEUE, .key_size = 0, .value_size = 8, .max_entries = 16, .ref = 8},
	{.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4, .ref = 9},
	{.type = BPF_MAP_TYPE_DEVMAP, .key_size = 4, .value_size = 4, .max_entries = 4, .ref = 10},
	{.type = BPF_MAP_TYPE_CPUMAP, .key_size = 4, .value_size = 4, .max_entries = 1, .ref = 11},
	{.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4, .ref = 12},
};
static const uint32_t safety_map_flags[] = {0, 0, BPF_F_RDONLY_PROG, 0, 0, BPF_F_WRONLY_PROG};
#define NSMAPS (sizeof(safety_maps) / sizeof(safety_maps[0]))

#define OK 0
#define NO (-EACCES)
#define XDP BPF_PROG_TYPE_XDP
#define TC BPF_PROG_TYPE_SCHED_CLS
#define SOCK BPF_PROG_TYPE_SOCKET_FILTER

struct scase {
	const char *descr;
	enum bpf_prog_type type;
	const char *text;
	int verdict;	 /* the model's: OK or NO */
	const char *msg; /* substring of the model's message when NO */
	int kernel;	 /* the verifier's (privileged), when it differs on purpose */
	bool kernel_differs;
	enum bpf_attach_type eat; /* the load's expected_attach_type */
};

/* data in r2, data_end in r3, r4 = data + 14 checked against data_end */
#define XDP_PKT14                 \
	"r2 = *(u32 *)(r1 + 0)\n" \
	"r3 = *(u32 *)(r1 + 4)\n" \
	"r4 = r2\n"               \
	"r4 += 14\n"              \
	"if r4 > r3 goto +2\n"
#define TC_PKT14                   \
	"r2 = *(u32 *)(r1 + 76)\n" \
	"r3 = *(u32 *)(r1 + 80)\n" \
	"r4 = r2\n"                \
	"r4 += 14\n"               \
	"if r4 > r3 goto +2\n"
/* key 0 at fp-4, r2 = fp-4, r1 = the map, lookup */
#define LOOKUP                     \
	"r1 = 0\n"                 \
	"*(u32 *)(r10 - 4) = r1\n" \
	"r2 = r10\n"               \
	"r2 += -4\n" LD_MAP7(1) "call 1\n"
/* the same in the map with fd @fd; the ctx kept in r6 */
#define LOOKUP_FD(fd)              \
	"r6 = r1\n"                \
	"r1 = 0\n"                 \
	"*(u32 *)(r10 - 4) = r1\n" \
	"r2 = r10\n"               \
	"r2 += -4\n" LD_MAP(1, fd) "call 1\n"
/* r6 = data, checked for 14 bytes against data_end; else to `out` (OUT) */
#define XDP_PKT14_R6              \
	"r6 = *(u32 *)(r1 + 0)\n" \
	"r3 = *(u32 *)(r1 + 4)\n" \
	"r4 = r6\n"               \
	"r4 += 14\n"              \
	"if r4 > r3 goto out\n"
#define TC_PKT14_R6                \
	"r6 = *(u32 *)(r1 + 76)\n" \
	"r3 = *(u32 *)(r1 + 80)\n" \
	"r4 = r6\n"                \
	"r4 += 14\n"               \
	"if r4 > r3 goto out\n"
#define OUT "out:\nr0 = 2\nexit\n"
/* r3 = fp-4 holding 0 (check_mtu's mtu_len), r2 = ifindex 0, r4 = r5 = 0 */
#define MTU_ARGS                   \
	"r2 = 0\n"                 \
	"*(u32 *)(r10 - 4) = r2\n" \
	"r3 = r10\n"               \
	"r3 += -4\n"               \
	"r4 = 0\n"                 \
	"r5 = 0\n"

/* accepted; rejected with a message; rejected by the model only (stricter on purpose) */
#define A(d, t, x)                              \
	{                                       \
		d, t, x, OK, NULL, OK, false, 0 \
	}
#define R(d, t, x, m)                        \
	{                                    \
		d, t, x, NO, m, NO, false, 0 \
	}
#define S(d, t, x, m)                       \
	{                                   \
		d, t, x, NO, m, OK, true, 0 \
	}

static const struct scase scases[] = {
	/* registers */
	A("return a constant", XDP, "r0 = 2\nexit\n"),
	R("r0 not written before exit", XDP, "exit\n", "R0 !read_ok"),
	R("read of an unwritten register", XDP, "r0 = r2\nexit\n", "R2 !read_ok"),
	R("ALU on an unwritten register", XDP, "r0 = 1\nr0 += r5\nexit\n", "R5 !read_ok"),
	/* r10 = 0 (mov64 imm): clang refuses to write r10 */
	R("write to r10", XDP, "insn 0xb7, 10, 0, 0, 0\nr0 = 0\nexit\n", "r10 is read-only"),
	A("store through r10 is fine", XDP, "r0 = 0\n*(u64 *)(r10 - 8) = r0\nexit\n"),
	/* shifts and division by constants */
	A("shift by 63", XDP, "r0 = 1\nr0 <<= 63\nexit\n"),
	/* r0 <<= 64 */
	R("shift by 64", XDP, "r0 = 1\ninsn 0x67, 0, 0, 0, 64\nexit\n", "invalid shift 64"),
	A("32-bit shift by 31", XDP, "w0 = 1\nw0 <<= 31\nexit\n"),
	/* w0 <<= 32 */
	R("32-bit shift by 32", XDP, "w0 = 1\ninsn 0x64, 0, 0, 0, 32\nexit\n", "invalid shift 32"),
	A("division by 2", XDP, "r0 = 7\nr0 /= 2\nexit\n"),
	/* r0 /= 0; and w0 %= 0 */
	R("division by a zero immediate", XDP, "r0 = 7\ninsn 0x37, 0, 0, 0, 0\nexit\n",
	  "division by constant zero"),
	R("modulo by a zero immediate", XDP, "w0 = 7\ninsn 0x94, 0, 0, 0, 0\nexit\n",
	  "division by constant zero"),
	/* the verifier does not track division: neither in a later block */
	R("packet pointer + a quotient", XDP,
	  "r2 = *(u32 *)(r1 + 12)\nr2 &= 255\nr2 /= 3\nr3 = *(u32 *)(r1 + 0)\nr3 += r2\n"
	  "r0 = 2\nexit\n",
	  "unbounded"),
	R("packet pointer + a quotient, in the next block", XDP,
	  "r2 = *(u32 *)(r1 + 12)\nr2 &= 255\nr2 /= 3\ngoto next\nnext:\n"
	  "r3 = *(u32 *)(r1 + 0)\nr3 += r2\nr0 = 2\nexit\n",
	  "unbounded"),
	/* r3 %= 14 (0x97: clang 14 has no `%=`) */
	R("packet pointer + a remainder computed last in its block", XDP,
	  "r2 = *(u32 *)(r1 + 12)\nr3 = 14\nif r2 == 0 goto next\ninsn 0x97, 3, 0, 0, 14\nnext:\n"
	  "r4 = *(u32 *)(r1 + 0)\nr4 += r3\nr0 = 2\nexit\n",
	  "unbounded"),
	R("packet pointer + a quotient spilled and filled in the next block", XDP,
	  "r2 = *(u32 *)(r1 + 12)\nr2 &= 255\nr2 /= 3\n*(u64 *)(r10 - 8) = r2\ngoto next\n"
	  "next:\nr4 = *(u64 *)(r10 - 8)\nr3 = *(u32 *)(r1 + 0)\nr3 += r4\nr0 = 2\nexit\n",
	  "unbounded"),
	R("packet pointer + a copy of a quotient shifted in the next block", XDP,
	  "r2 = *(u32 *)(r1 + 12)\nr2 &= 255\nr2 /= 3\nr5 = r2\ngoto next\n"
	  "next:\nr5 <<= 1\nr3 = *(u32 *)(r1 + 0)\nr3 += r5\nr0 = 2\nexit\n",
	  "unbounded"),
	A("packet pointer + a quotient masked again (the verifier knows the mask)", XDP,
	  "r2 = *(u32 *)(r1 + 12)\nr2 /= 3\ngoto next\nnext:\nr2 &= 255\n"
	  "r3 = *(u32 *)(r1 + 0)\nr3 += r2\nr0 = 2\nexit\n"),
	/* the packet */
	A("packet read inside the checked range", XDP,
	  XDP_PKT14 "r0 = *(u8 *)(r2 + 13)\nexit\n"
		    "r0 = 2\nexit\n"),
	R("packet read one byte past the checked range", XDP,
	  XDP_PKT14 "r0 = *(u8 *)(r2 + 14)\nexit\nr0 = 2\nexit\n", "invalid access to packet"),
	R("packet read without a check", XDP, "r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit\n",
	  "invalid access to packet"),
	/* two pointers that met with different ids on two paths: a check of one says nothing of the
	   other */
	R("packet read through a pointer that met another's check only at a join", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u32 *)(r1 + 12)\nr4 &= 7\n"
	  "r6 = r2\nr7 = r2\nif r4 == 0 goto join\nr6 += r4\nr7 += r4\njoin:\nr7 += 20\n"
	  "if r7 > r3 goto out\nr0 = *(u8 *)(r6 + 0)\nexit\n" OUT,
	  "invalid access to packet"),
	A("packet read through a joined pointer after a check of its copy", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u32 *)(r1 + 12)\nr6 = r2\n"
	  "r6 += 14\nif r4 == 0 goto join\nr6 += 4\njoin:\nr7 = r6\nr7 += 4\n"
	  "if r7 > r3 goto out\nr0 = *(u16 *)(r6 + 2)\nexit\n" OUT),
	R("packet read past a joined pointer's check of its copy", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u32 *)(r1 + 12)\nr6 = r2\n"
	  "r6 += 14\nif r4 == 0 goto join\nr6 += 4\njoin:\nr7 = r6\nr7 += 4\n"
	  "if r7 > r3 goto out\nr0 = *(u16 *)(r6 + 3)\nexit\n" OUT,
	  "invalid access to packet"),
	S("32-bit comparison of a packet pointer (privileged loaders may; the verifier takes "
	  "`w2 == 0` as never true and drops code it did not walk)",
	  XDP, "r2 = *(u32 *)(r1 + 0)\nr0 = 2\nif w2 == 0 goto out\nexit\n" OUT,
	  "pointer comparison in 32 bits"),
	/* mark_pkt_end(): the pointer found past data_end has no range, whatever it had */
	R("packet read through a pointer on the side where it is past data_end", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 40\n"
	  "if r4 > r3 goto out\nr5 = r2\nr5 += 10\nif r5 > r3 goto past\nr0 = 1\nexit\n"
	  "past:\nr0 = *(u8 *)(r5 + 0)\nexit\n" OUT,
	  "invalid access to packet"),
	A("packet read through another pointer on the side where one is past data_end", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 40\n"
	  "if r4 > r3 goto out\nr5 = r2\nr5 += 10\nif r5 > r3 goto past\nr0 = 1\nexit\n"
	  "past:\nr0 = *(u8 *)(r2 + 0)\nexit\n" OUT),
	R("packet read at a negative fixed offset from a variable pointer", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u32 *)(r1 + 12)\nr4 &= 7\n"
	  "r4 += 10\nr2 += r4\nr2 += -5\nr5 = r2\nr5 += 30\nif r5 > r3 goto out\n"
	  "r0 = *(u8 *)(r2 + 0)\nexit\n" OUT,
	  "invalid access to packet"),
	A("packet read at a fixed offset from a variable pointer checked with it", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u32 *)(r1 + 12)\nr4 &= 7\n"
	  "r2 += r4\nr5 = r2\nr5 += 30\nif r5 > r3 goto out\nr0 = *(u16 *)(r2 + 28)\nexit\n" OUT),
	R("packet read past a variable pointer's checked range", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u32 *)(r1 + 12)\nr4 &= 7\n"
	  "r2 += r4\nr5 = r2\nr5 += 30\nif r5 > r3 goto out\nr0 = *(u16 *)(r2 + 29)\nexit\n" OUT,
	  "invalid access to packet"),
	R("packet read through data after a check of data + variable", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u32 *)(r1 + 12)\nr4 &= 7\n"
	  "r5 = r2\nr5 += r4\nr5 += 30\nif r5 > r3 goto out\nr0 = *(u8 *)(r2 + 0)\nexit\n" OUT,
	  "invalid access to packet"),
	A("metadata read after a check against data", XDP,
	  "r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 0)\nr4 = r2\nr4 += 4\n"
	  "if r4 > r3 goto out\nr0 = *(u32 *)(r2 + 0)\nexit\n" OUT),
	A("metadata read after a check against data (data on the left)", TC,
	  "r2 = *(u32 *)(r1 + 140)\nr3 = *(u32 *)(r1 + 76)\nr4 = r2\nr4 += 4\n"
	  "if r3 < r4 goto out\nr0 = *(u32 *)(r2 + 0)\nexit\n" OUT),
	R("metadata read one byte past the check against data", XDP,
	  "r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 0)\nr4 = r2\nr4 += 4\n"
	  "if r4 > r3 goto out\nr0 = *(u32 *)(r2 + 1)\nexit\n" OUT,
	  "invalid access to packet"),
	R("metadata checked against data + 1 (not data itself)", XDP,
	  "r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 0)\nr3 += 1\nr4 = r2\nr4 += 4\n"
	  "if r4 > r3 goto out\nr0 = *(u32 *)(r2 + 0)\nexit\n" OUT,
	  "invalid access to packet"),
	R("data checked against metadata (no bound)", XDP,
	  "r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 0)\nr4 = r3\nr4 += 4\n"
	  "if r4 > r2 goto out\nr0 = *(u32 *)(r3 + 0)\nexit\n" OUT,
	  "invalid access to packet"),
	A("packet write in XDP", XDP,
	  "r0 = 2\n" XDP_PKT14 "insn 0x72, 2, 0, 0, 1\nexit\nr0 = 2\nexit\n"),
	A("packet read in tc", TC, TC_PKT14 "r0 = *(u16 *)(r2 + 12)\nexit\nr0 = 2\nexit\n"),
	A("packet pointer - packet pointer", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr3 -= r2\nr0 = r3\nexit\n"),
	/* pointer arithmetic */
	R("32-bit arithmetic on a packet pointer", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nw2 += 1\nr0 = 2\nexit\n", "32-bit pointer arithmetic"),
	A("packet pointer - packet pointer in 32 bits", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nw3 -= w2\nr0 = r3\nexit\n"),
	R("pointer * pointer", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr2 *= r3\nr0 = 2\nexit\n",
	  "pointer op pointer prohibited"),
	R("pointer * scalar", XDP, "r2 = *(u32 *)(r1 + 0)\nr2 *= 2\nr0 = 2\nexit\n",
	  "pointer arithmetic with op"),
	R("pointer + pointer", XDP,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr2 += r3\nr0 = 2\nexit\n",
	  "pointer += pointer"),
	R("scalar - pointer", XDP, "r2 = *(u32 *)(r1 + 0)\nr0 = 0\nr0 -= r2\nexit\n",
	  "subtract pointer from scalar"),
	R("arithmetic on data_end", XDP, "r3 = *(u32 *)(r1 + 4)\nr3 += 1\nr0 = 2\nexit\n",
	  "pointer arithmetic on pkt_end"),
	R("load through a modified ctx pointer", XDP, "r1 += 4\nr0 = *(u32 *)(r1 + 0)\nexit\n",
	  "modified ctx"),
	S("32-bit copy of a pointer (privileged loaders may)", XDP, "w0 = w1\nexit\n",
	  "partial copy of pointer"),
	/* the context */
	A("xdp_md.ingress_ifindex", XDP, "r0 = *(u32 *)(r1 + 12)\nexit\n"),
	R("xdp_md.egress_ifindex outside a devmap", XDP, "r0 = *(u32 *)(r1 + 20)\nexit\n",
	  "invalid bpf_context access"),
	{"xdp_md.egress_ifindex in a devmap program", XDP, "r0 = *(u32 *)(r1 + 20)\nexit\n", OK,
	 NULL, OK, false, BPF_XDP_DEVMAP},
	{"xdp_md.egress_ifindex by 2 bytes in a devmap program", XDP,
	 "r0 = *(u16 *)(r1 + 20)\nexit\n", NO, "invalid bpf_context access", NO, false,
	 BPF_XDP_DEVMAP},
	R("xdp_md past its end", XDP, "r0 = *(u32 *)(r1 + 24)\nexit\n",
	  "invalid bpf_context access"),
	R("xdp_md.data by 2 bytes", XDP, "r0 = *(u16 *)(r1 + 0)\nexit\n",
	  "invalid bpf_context access"),
	R("write to xdp_md", XDP, "r0 = 0\n*(u32 *)(r1 + 12) = r0\nexit\n",
	  "invalid bpf_context access"),
	A("tc reads skb->mark", TC, "r0 = *(u32 *)(r1 + 8)\nexit\n"),
	A("tc reads skb->mark narrowly", TC, "r0 = *(u8 *)(r1 + 8)\nexit\n"),
	R("tc reads skb->mark by 8 bytes", TC, "r0 = *(u64 *)(r1 + 8)\nexit\n",
	  "invalid bpf_context access"),
	A("tc writes skb->mark", TC, "r0 = 0\n*(u32 *)(r1 + 8) = r0\nexit\n"),
	R("tc writes skb->len", TC, "r0 = 0\n*(u32 *)(r1 + 0) = r0\nexit\n",
	  "invalid bpf_context access"),
	R("tc reads skb->family", TC, "r0 = *(u32 *)(r1 + 88)\nexit\n",
	  "invalid bpf_context access"),
	A("socket filter reads skb->len", SOCK, "r0 = *(u32 *)(r1 + 0)\nexit\n"),
	R("socket filter reads skb->data", SOCK, "r0 = *(u32 *)(r1 + 76)\nexit\n",
	  "invalid bpf_context access"),
	A("socket filter writes cb[0]", SOCK, "r0 = 0\n*(u32 *)(r1 + 48) = r0\nexit\n"),
	R("socket filter writes skb->mark", SOCK, "r0 = 0\n*(u32 *)(r1 + 8) = r0\nexit\n",
	  "invalid bpf_context access"),
	/* r0 = *(u8 *)skb[12] (LD_ABS) */
	A("LD_ABS with r6 = ctx", SOCK, "r6 = r1\ninsn 0x30, 0, 0, 0, 12\nexit\n"),
	R("LD_ABS without r6 = ctx", SOCK, "r6 = 0\ninsn 0x30, 0, 0, 0, 12\nexit\n",
	  "R6 != pointer to skb"),
	/* the stack */
	A("read of a written stack slot", XDP,
	  "r1 = 5\n*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit\n"),
	S("read of unwritten stack (privileged loaders may)", XDP, "r0 = *(u64 *)(r10 - 8)\nexit\n",
	  "invalid read from stack"),
	R("misaligned stack store", XDP, "r0 = 0\n*(u32 *)(r10 - 6) = r0\nexit\n",
	  "misaligned stack access"),
	R("store above the frame", XDP, "r0 = 0\n*(u64 *)(r10 + 0) = r0\nexit\n",
	  "invalid write to stack"),
	R("store below the frame", XDP, "r0 = 0\n*(u64 *)(r10 - 520) = r0\nexit\n",
	  "invalid write to stack"),
	/* r3 = fp-16 + {0, 2, 4, 6} (ingress_ifindex & 6) */
	A("variable-offset stack read of written bytes", XDP,
	  "r2 = 0\n*(u64 *)(r10 - 16) = r2\nr4 = *(u32 *)(r1 + 12)\nr4 &= 6\nr3 = r10\n"
	  "r3 += -16\nr3 += r4\nr0 = *(u16 *)(r3 + 0)\nexit\n"),
	S("variable-offset stack read of unwritten bytes (privileged loaders may)", XDP,
	  "r4 = *(u32 *)(r1 + 12)\nr4 &= 6\nr3 = r10\nr3 += -16\nr3 += r4\n"
	  "r0 = *(u16 *)(r3 + 0)\nexit\n",
	  "invalid read from stack"),
	R("variable-offset stack read past the frame", XDP,
	  "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr4 = *(u32 *)(r1 + 12)\nr4 &= 6\nr3 = r10\n"
	  "r3 += -4\nr3 += r4\nr0 = *(u16 *)(r3 + 0)\nexit\n",
	  "invalid variable-offset read from stack"),
	R("variable-offset stack read, misaligned", XDP,
	  "r2 = 0\n*(u64 *)(r10 - 16) = r2\n*(u64 *)(r10 - 8) = r2\nr4 = *(u32 *)(r1 + 12)\n"
	  "r4 &= 7\nr3 = r10\nr3 += -16\nr3 += r4\nr0 = *(u16 *)(r3 + 0)\nexit\n",
	  "misaligned"),
	A("packet pointer + a byte read at a variable stack offset (zero-extended)", XDP,
	  "r2 = 257\n*(u64 *)(r10 - 16) = r2\nr4 = *(u32 *)(r1 + 12)\nr4 &= 6\nr3 = r10\n"
	  "r3 += -16\nr3 += r4\nr0 = *(u8 *)(r3 + 0)\nr5 = *(u32 *)(r1 + 0)\nr5 += r0\n"
	  "r0 = 2\nexit\n"),
	R("packet pointer + 8 bytes read at a variable stack offset (unknown)", XDP,
	  "r2 = 257\n*(u64 *)(r10 - 16) = r2\n*(u64 *)(r10 - 8) = r2\n"
	  "r4 = *(u32 *)(r1 + 12)\nr4 &= 8\nr3 = r10\nr3 += -16\nr3 += r4\n"
	  "r0 = *(u64 *)(r3 + 0)\nr5 = *(u32 *)(r1 + 0)\nr5 += r0\nr0 = 2\nexit\n",
	  "prohibited"),
	S("variable-offset stack write (privileged loaders may)", XDP,
	  "r2 = 0\nr4 = *(u32 *)(r1 + 12)\nr4 &= 6\nr3 = r10\nr3 += -16\nr3 += r4\n"
	  "*(u16 *)(r3 + 0) = r2\nr0 = 2\nexit\n",
	  "variable stack access"),
	R("subtraction of a constant from a stack pointer", XDP,
	  "r2 = r10\nr2 -= 8\nr0 = 0\n*(u64 *)(r2 + 0) = r0\nexit\n",
	  "subtraction from stack pointer"),
	A("addition of a negative constant to a stack pointer", XDP,
	  "r2 = r10\nr2 += -8\nr0 = 0\n*(u64 *)(r2 + 0) = r0\nexit\n"),
	A("spill and fill of ctx", XDP,
	  "*(u64 *)(r10 - 8) = r1\nr1 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r1 + 12)\nexit\n"),
	R("partial fill of a spilled pointer", XDP,
	  "*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit\n",
	  "invalid size of register fill"),
	R("partial spill of a pointer", XDP, "*(u32 *)(r10 - 8) = r1\nr0 = 0\nexit\n",
	  "invalid size of register spill"),
	A("atomic add on the stack", XDP,
	  "r1 = 1\n*(u64 *)(r10 - 8) = r1\nlock *(u64 *)(r10 - 8) += r1\nr0 = 0\nexit\n"),
	/* maps and helpers */
	A("lookup, NULL check, read", XDP,
	  LOOKUP "if r0 == 0 goto +1\nr1 = *(u64 *)(r0 + 0)\nr0 = 2\nexit\n"),
	R("lookup, read without the NULL check", XDP,
	  LOOKUP "r1 = *(u64 *)(r0 + 0)\nr0 = 2\nexit\n", "map_value_or_null"),
	R("lookup, read past value_size", XDP,
	  LOOKUP "if r0 == 0 goto +1\nr1 = *(u64 *)(r0 + 4)\nr0 = 2\nexit\n",
	  "invalid access to map value"),
	A("lookup, write inside the value", XDP,
	  LOOKUP "if r0 == 0 goto +2\nr1 = 3\n*(u32 *)(r0 + 4) = r1\nr0 = 2\nexit\n"),
	A("atomic add into a map value", XDP,
	  LOOKUP "if r0 == 0 goto out\nw1 = 1\nlock *(u32 *)(r0 + 4) += w1\n" OUT),
	R("atomic add at a misaligned map value offset (strict for atomics)", XDP,
	  LOOKUP "if r0 == 0 goto out\nw1 = 1\nlock *(u32 *)(r0 + 2) += w1\n" OUT,
	  "misaligned value access"),
	A("misaligned load from a map value (not atomic)", XDP,
	  LOOKUP "if r0 == 0 goto out\nr1 = *(u32 *)(r0 + 2)\n" OUT),
	/* r6 and r7 swap two lookups on two paths: a NULL check of one says nothing of the other */
	R("read through a lookup that met another's NULL check only at a join", XDP,
	  LOOKUP "r8 = r0\nr2 = r10\nr2 += -4\n" LD_MAP7(
		  1) "call 1\nr9 = r0\ncall 7\n"
		     "r6 = r8\nr7 = r9\nif r0 == 0 goto join\n"
		     "r6 = r9\nr7 = r8\njoin:\n"
		     "if r7 == 0 goto out\nr0 = *(u64 *)(r6 + 0)\n" OUT,
	  "map_value_or_null"),
	A("read through a copy of a lookup after a NULL check of the other copy", XDP,
	  LOOKUP "r6 = r0\nif r0 == 0 goto out\nr0 = *(u64 *)(r6 + 0)\n" OUT),
	R("lookup with a scalar for the map", XDP,
	  "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\ncall 1\nr0 = 2\nexit\n",
	  "R1 type=scalar expected=map_ptr"),
	R("lookup with a scalar for the key", XDP, "r2 = 0\n" LD_MAP7(1) "call 1\nr0 = 2\nexit\n",
	  "R2 type=scalar"),
	S("lookup with an unwritten key (privileged loaders may)", XDP,
	  "r2 = r10\nr2 += -4\n" LD_MAP7(1) "call 1\nr0 = 2\nexit\n", "invalid read from stack"),
	/* helpers, as 6.1 declares them (net/core/filter.c, kernel/bpf/helpers.c) */
	A("check_mtu, mtu_len on the stack", XDP, MTU_ARGS "call 163\nr0 = 2\nexit\n"),
	A("check_mtu in tc, mtu_len read back", TC,
	  MTU_ARGS "call 163\nr0 = *(u32 *)(r10 - 4)\nexit\n"),
	S("check_mtu, mtu_len not written (privileged loaders may)", XDP,
	  "r2 = 0\nr3 = r10\nr3 += -4\nr4 = 0\nr5 = 0\ncall 163\nr0 = 2\nexit\n",
	  "invalid read from stack"),
	R("check_mtu, mtu_len misaligned on the stack", XDP,
	  "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr3 = r10\nr3 += -6\nr4 = 0\nr5 = 0\ncall 163\n"
	  "r0 = 2\nexit\n",
	  "misaligned stack access"),
	R("check_mtu, mtu_len in the packet (no pkt_access)", XDP,
	  XDP_PKT14_R6 "r2 = 0\nr3 = r6\nr4 = 0\nr5 = 0\ncall 163\n" OUT,
	  "helper access to the packet"),
	A("check_mtu, mtu_len in a map value", XDP,
	  LOOKUP_FD(7) "if r0 == 0 goto out\nr1 = r6\nr2 = 0\nr3 = r0\nr4 = 0\nr5 = 0\n"
		       "call 163\n" OUT),
	R("check_mtu, mtu_len misaligned in a map value", XDP,
	  LOOKUP_FD(7) "if r0 == 0 goto out\nr1 = r6\nr2 = 0\nr3 = r0\nr3 += 2\nr4 = 0\n"
		       "r5 = 0\ncall 163\n" OUT,
	  "misaligned access"),
	R("check_mtu, mtu_len in a read-only map value", XDP,
	  LOOKUP_FD(9) "if r0 == 0 goto out\nr1 = r6\nr2 = 0\nr3 = r0\nr4 = 0\nr5 = 0\n"
		       "call 163\n" OUT,
	  "read-only map"),
	R("check_mtu in a socket filter", SOCK, MTU_ARGS "call 163\nr0 = 0\nexit\n",
	  "not modelled"),
	A("skb_adjust_room in tc", TC, "r2 = 0\nr3 = 0\nr4 = 0\ncall 50\nr0 = 0\nexit\n"),
	R("skb_adjust_room in XDP", XDP, "r2 = 0\nr3 = 0\nr4 = 0\ncall 50\nr0 = 0\nexit\n",
	  "not modelled"),
	R("packet read through a pointer from before skb_adjust_room", TC,
	  TC_PKT14_R6 "r2 = 0\nr3 = 0\nr4 = 0\ncall 50\nr0 = *(u8 *)(r6 + 0)\nexit\n" OUT,
	  "invalid mem access 'scalar'"),
	R("packet read through a pointer from before clone_redirect", TC,
	  TC_PKT14_R6 "r2 = 1\nr3 = 0\ncall 13\nr0 = *(u8 *)(r6 + 0)\nexit\n" OUT,
	  "invalid mem access 'scalar'"),
	A("packet read through a pointer from before skb_change_type (kept)", TC,
	  TC_PKT14_R6 "r2 = 0\ncall 32\nr0 = *(u8 *)(r6 + 0)\nexit\n" OUT),
	A("packet read through a pointer from before xdp_store_bytes (kept)", XDP,
	  "r7 = 0\n*(u64 *)(r10 - 8) = r7\n" XDP_PKT14_R6
	  "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 190\nr0 = *(u8 *)(r6 + 0)\nexit\n" OUT),
	R("packet pointer * 2 after xdp_store_bytes (still a pointer)", XDP,
	  "r7 = 0\n*(u64 *)(r10 - 8) = r7\n" XDP_PKT14_R6
	  "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 190\nr6 *= 2\n" OUT,
	  "pointer arithmetic with op"),
	R("xdp_store_bytes from the packet (no pkt_access)", XDP,
	  XDP_PKT14_R6 "r2 = 0\nr3 = r6\nr4 = 8\ncall 190\n" OUT, "helper access to the packet"),
	A("skb_set_tunnel_opt from the stack", TC,
	  "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr2 = r10\nr2 += -8\nr3 = 8\ncall 30\nr0 = 0\nexit\n"),
	R("skb_set_tunnel_opt of zero bytes", TC,
	  "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr2 = r10\nr2 += -8\nr3 = 0\ncall 30\nr0 = 0\nexit\n",
	  "invalid zero-sized read"),
	R("skb_set_tunnel_opt from the packet (no pkt_access)", TC,
	  TC_PKT14_R6 "r2 = r6\nr3 = 8\ncall 30\n" OUT, "helper access to the packet"),
	A("skb_get_tunnel_opt into the stack, read back", TC,
	  "r2 = r10\nr2 += -8\nr3 = 8\ncall 29\nr0 = *(u64 *)(r10 - 8)\nexit\n"),
	A("skb_get_tunnel_key into the stack, read back", TC,
	  "r2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 20\nr0 = *(u32 *)(r10 - 8)\nexit\n"),
	R("skb_get_tunnel_opt into a read-only map value", TC,
	  LOOKUP_FD(9) "if r0 == 0 goto out\nr1 = r6\nr2 = r0\nr3 = 8\ncall 29\n" OUT,
	  "read-only map"),
	A("skb_get_xfrm_state into the stack", TC,
	  "r2 = 0\nr3 = r10\nr3 += -24\nr4 = 24\nr5 = 0\ncall 66\nr0 = 0\nexit\n"),
	A("redirect_neigh without parameters", TC,
	  "r1 = 1\nr2 = 0\nr3 = 0\nr4 = 0\ncall 152\nexit\n"),
	R("redirect_neigh, NULL parameters of size 4", TC,
	  "r1 = 1\nr2 = 0\nr3 = 4\nr4 = 0\ncall 152\nexit\n", "expected=mem"),
	A("redirect_neigh with parameters on the stack", TC,
	  "r1 = 0\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r1\n*(u64 *)(r10 - 24) = r1\n"
	  "r1 = 1\nr2 = r10\nr2 += -24\nr3 = 20\nr4 = 0\ncall 152\nexit\n"),
	R("redirect_neigh in XDP", XDP, "r1 = 1\nr2 = 0\nr3 = 0\nr4 = 0\ncall 152\nexit\n",
	  "not modelled"),
	A("push onto a queue", XDP,
	  "r1 = 5\n*(u64 *)(r10 - 8) = r1\n" LD_MAP(1, 8) "r2 = r10\nr2 += -8\nr3 = 0\ncall 87\n"
							  "r0 = 2\nexit\n"),
	A("pop from a queue, the value read back", XDP,
	  "r2 = r10\nr2 += -8\n" LD_MAP(1, 8) "call 88\nr0 = *(u64 *)(r10 - 8)\nexit\n"),
	A("peek into a map value", XDP,
	  LOOKUP_FD(7) "if r0 == 0 goto out\nr2 = r0\n" LD_MAP(1, 8) "call 89\n" OUT),
	R("pop from a hash map", XDP, "r2 = r10\nr2 += -8\n" LD_MAP7(1) "call 88\nr0 = 2\nexit\n",
	  "incompatible"),
	R("lookup in a queue (the kernel stops at its zero-sized key)", XDP,
	  "r2 = r10\nr2 += -8\n" LD_MAP(1, 8) "call 1\nr0 = 2\nexit\n", "incompatible"),
	R("pop into the packet (no pkt_access)", XDP,
	  XDP_PKT14_R6 "r2 = r6\n" LD_MAP(1, 8) "call 88\n" OUT, "helper access to the packet"),
	R("pop into a read-only map value", XDP,
	  LOOKUP_FD(9) "if r0 == 0 goto out\nr2 = r0\n" LD_MAP(1, 8) "call 88\n" OUT,
	  "read-only map"),
	A("lookup with the key in the packet (pkt_access)", XDP,
	  XDP_PKT14_R6 "r2 = r6\n" LD_MAP7(1) "call 1\n" OUT),
	A("lookup in a devmap, compared with NULL", XDP,
	  LOOKUP_FD(10) "if r0 == 0 goto out\nr0 = 1\nexit\n" OUT),
	S("read of a devmap value (the analysis does not follow it)", XDP,
	  LOOKUP_FD(10) "if r0 == 0 goto out\nr0 = *(u32 *)(r0 + 0)\nexit\n" OUT,
	  "invalid mem access 'unknown'"),
	R("lookup in a cpumap", XDP, LOOKUP_FD(11) "r0 = 2\nexit\n", "incompatible"),
	R("read of a write-only map's value", XDP,
	  LOOKUP_FD(12) "if r0 == 0 goto out\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT, "write-only map"),
	A("write into a write-only map's value", XDP,
	  LOOKUP_FD(12) "if r0 == 0 goto out\nr1 = 1\n*(u64 *)(r0 + 0) = r1\n" OUT),
	R("store into a read-only map's value", XDP,
	  LOOKUP_FD(9) "if r0 == 0 goto out\nr1 = 1\n*(u64 *)(r0 + 0) = r1\n" OUT, "read-only map"),
	R("trace_printk of packet bytes (no pkt_access)", XDP,
	  XDP_PKT14_R6 "r1 = r6\nr2 = 8\ncall 6\n" OUT, "helper access to the packet"),
	A("csum_diff of packet bytes (pkt_access)", XDP,
	  XDP_PKT14_R6 "r1 = r6\nr2 = 8\nr3 = 0\nr4 = 0\nr5 = 0\ncall 28\n" OUT),
	A("trace_vprintk of a format on the stack", SOCK,
	  "r1 = 0x0a7825\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\n"
	  "r4 = 0\ncall 177\nr0 = 0\nexit\n"),
	A("get_current_task, probe_read_kernel from it", TC,
	  "call 35\nr3 = r0\nr1 = r10\nr1 += -8\nr2 = 8\ncall 113\n"
	  "r0 = *(u64 *)(r10 - 8)\nexit\n"),
	A("ktime_get_tai_ns", SOCK, "call 208\nexit\n"),
	A("skb_vlan_push", TC, "r2 = 0x81\nr3 = 1\ncall 18\nr0 = 0\nexit\n"),
	A("skb_vlan_pop", TC, "call 19\nr0 = 0\nexit\n"),
	A("skb_ancestor_cgroup_id", TC, "r2 = 0\ncall 83\nexit\n"),
	A("get_hash_recalc", TC, "call 34\nexit\n"),
	R("get_hash_recalc in XDP", XDP, "call 34\nexit\n", "not modelled"),
	A("skb_change_proto, skb_change_tail, skb_pull_data", TC,
	  "r6 = r1\nr2 = 8\nr3 = 0\ncall 31\nr1 = r6\nr2 = 64\nr3 = 0\ncall 38\nr1 = r6\n"
	  "r2 = 0\ncall 39\nr0 = 0\nexit\n"),
	A("set_hash, set_hash_invalid, get_cgroup_classid, skb_cgroup_id", TC,
	  "r6 = r1\nr2 = 1\ncall 48\nr1 = r6\ncall 41\nr1 = r6\ncall 17\nr1 = r6\ncall 79\n"
	  "r0 = 0\nexit\n"),
	A("csum_update, csum_level", TC,
	  "r6 = r1\nr2 = 0\ncall 40\nr1 = r6\nr2 = 0\ncall 135\nr0 = 0\nexit\n"),
	A("get_socket_cookie, get_socket_uid, skb_load_bytes_relative", SOCK,
	  "r6 = r1\ncall 46\nr1 = r6\ncall 47\nr1 = r6\nr2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\n"
	  "r5 = 0\ncall 68\nr0 = *(u64 *)(r10 - 8)\nexit\n"),
	A("xdp_get_buff_len", XDP, "call 188\nr0 = 2\nexit\n"),
	R("xdp_get_buff_len with a scalar for the ctx", XDP, "r1 = 0\ncall 188\nr0 = 2\nexit\n",
	  "expected=ctx"),
	/* the control-flow graph */
	R("unreachable code", XDP, "r0 = 0\nexit\nr0 = 1\nexit\n", "unreachable insn"),
	R("jump into LD_IMM64", XDP, "r0 = 0\nif r0 == 0 goto +1\n" LD_MAP7(1) "exit\n",
	  "middle of ld_imm64"),

};

#define NSCASES (sizeof(scases) / sizeof(scases[0]))

/*
 * The model's verdict on @insns: safety_check(), or prog__new()'s
 * rejection (structural errors such as a jump into LD_IMM64) as -EACCES.
 */
static int model_verdict_eat(const struct bpf_insn *insns, size_t len, enum bpf_prog_type type,
			     enum bpf_attach_type eat, const struct analysis_map *maps,
			     const uint32_t *map_flags, uint32_t nmaps, char *msg, size_t msgsz)
{
	struct analysis_env aenv = {.prog_type = type, .maps = maps, .nmaps = nmaps};
	struct safety_env senv = {.prog_type = type,
				  .expected_attach_type = eat,
				  .maps = maps,
				  .nmaps = nmaps,
				  .map_flags = map_flags};
	struct analysis *a;
	struct prog *p;
	int err;

	p = prog__new(insns, len, msg, msgsz);
	if (!p)
		return -EACCES;
	a = analysis__new(p, &aenv, msg, msgsz);
	if (!a) {
		err = -errno;
		prog__free(p);
		return err;
	}
	err = safety_check(p, a, &senv, msg, msgsz);
	analysis__free(a);
	prog__free(p);
	return err;
}

static int assemble(const char *text, struct bpf_insn **insns, size_t *len)
{
	return test_assemble(ASM_PRELUDE, text, insns, len);
}

#ifndef SAFETY_CASES_ONLY

/* The same for a load without an expected_attach_type. */
static int model_verdict(const struct bpf_insn *insns, size_t len, enum bpf_prog_type type,
			 const struct analysis_map *maps, const uint32_t *map_flags, uint32_t nmaps,
			 char *msg, size_t msgsz)
{
	return model_verdict_eat(insns, len, type, 0, maps, map_flags, nmaps, msg, msgsz);
}

static void test_table(void)
{
	unsigned int i, rules_ok = 0, rules_no = 0;

	for (i = 0; i < NSCASES; i++) {
		const struct scase *c = &scases[i];
		char msg[PROG_MSG_SIZE] = "";
		struct bpf_insn *insns = NULL;
		size_t len = 0;
		int err;

		err = assemble(c->text, &insns, &len);
		if (!CHECK(err == 0, "%s: assembly failed (%d)", c->descr, err))
			continue;
		err = model_verdict_eat(insns, len, c->type, c->eat, safety_maps, safety_map_flags,
					NSMAPS, msg, sizeof(msg));
		CHECK(err == c->verdict, "%s: verdict %d, expected %d (%s)", c->descr, err,
		      c->verdict, msg);
		if (c->verdict && c->msg)
			CHECK(strstr(msg, c->msg) != NULL, "%s: message \"%s\" lacks \"%s\"",
			      c->descr, msg, c->msg);
		if (c->verdict)
			CHECK(!strncmp(msg, "insn ", 5), "%s: message \"%s\" names no insn",
			      c->descr, msg);
		if (c->verdict)
			rules_no++;
		else
			rules_ok++;
		free(insns);
	}
	ASSERT_GE(NSCASES, 30, "table rows");
	fprintf(stderr, "  %u rows: %u accepted, %u rejected\n", (unsigned int)NSCASES, rules_ok,
		rules_no);
}

/* An undescribed map and bad arguments are rejections / errors, never acceptances. */
static void test_edges(void)
{
	char msg[PROG_MSG_SIZE];
	struct bpf_insn *insns = NULL;
	size_t len = 0;
	int err;

	err = assemble(LOOKUP "if r0 == 0 goto +1\nr1 = *(u64 *)(r0 + 0)\nr0 = 2\nexit\n", &insns,
		       &len);
	if (!ASSERT_EQ(err, 0, "assemble"))
		return;
	err = model_verdict(insns, len, XDP, NULL, NULL, 0, msg, sizeof(msg));
	ASSERT_EQ(err, -EACCES, "lookup of an undescribed map");
	ASSERT_TRUE(strstr(msg, "not described") != NULL, msg);
	ASSERT_EQ(safety_check(NULL, NULL, NULL, msg, sizeof(msg)), -EINVAL, "NULL arguments");
	/* a program type whose ctx is not modelled: ctx loads are rejected */
	/* helpers are known per program type: a kprobe's are not modelled */
	err = model_verdict(insns, len, BPF_PROG_TYPE_KPROBE, safety_maps, NULL, 1, msg,
			    sizeof(msg));
	ASSERT_EQ(err, -EACCES, "kprobe helper");
	ASSERT_TRUE(strstr(msg, "not modelled") != NULL, msg);
	free(insns);
	/* a store into a value of a read-only map (.rodata) */
	err = assemble(LOOKUP "if r0 == 0 goto +2\nr1 = 3\n*(u32 *)(r0 + 4) = r1\nr0 = 2\nexit\n",
		       &insns, &len);
	if (!ASSERT_EQ(err, 0, "assemble"))
		return;
	{
		const uint32_t rw = 0, ro = BPF_F_RDONLY_PROG;

		err = model_verdict(insns, len, XDP, safety_maps, &rw, 1, msg, sizeof(msg));
		ASSERT_EQ(err, 0, "store into a writable map");
		err = model_verdict(insns, len, XDP, safety_maps, &ro, 1, msg, sizeof(msg));
		ASSERT_EQ(err, -EACCES, "store into a read-only map");
		ASSERT_TRUE(strstr(msg, "read-only map") != NULL, msg);
	}
	free(insns);
	err = assemble("r0 = *(u64 *)(r1 + 0)\nexit\n", &insns, &len);
	if (!ASSERT_EQ(err, 0, "assemble"))
		return;
	err = model_verdict(insns, len, BPF_PROG_TYPE_KPROBE, NULL, NULL, 0, msg, sizeof(msg));
	ASSERT_EQ(err, -EACCES, "kprobe ctx load is not modelled");
	free(insns);
}

/* @text assembled, built and analysed as a socket filter: 0, or a failed check. */
static int build(const char *text, struct bpf_insn **insns, struct prog **p, struct analysis **a)
{
	struct analysis_env aenv = {.prog_type = SOCK, .maps = safety_maps, .nmaps = 1};
	char msg[PROG_MSG_SIZE] = "";
	size_t len = 0;

	*insns = NULL;
	*p = NULL;
	*a = NULL;
	if (!CHECK(assemble(text, insns, &len) == 0, "assembly of \"%s\"", text))
		return -EINVAL;
	*p = prog__new(*insns, len, msg, sizeof(msg));
	if (!CHECK(*p != NULL, "prog__new: %s", msg))
		return -EINVAL;
	*a = analysis__new(*p, &aenv, msg, sizeof(msg));
	if (!CHECK(*a != NULL, "analysis__new: %s", msg))
		return -EINVAL;
	return 0;
}

static void unbuild(struct bpf_insn *insns, struct prog *p, struct analysis *a)
{
	analysis__free(a);
	prog__free(p);
	free(insns);
}

/*
 * safety_base_check() of a rewrite of @base at [@start, @start + @wlen):
 * its verdict, and a substring of its message when it refuses.
 */
static void base_case(const char *descr, const struct safety_base *base, const char *cand,
		      uint32_t start, uint32_t wlen, int verdict, const char *want)
{
	struct safety_env senv = {.prog_type = SOCK, .maps = safety_maps, .nmaps = 1};
	char msg[SAFETY_MSG_SIZE + 64] = "";
	struct bpf_insn *insns;
	struct analysis *a;
	struct prog *p;
	int err;

	if (!build(cand, &insns, &p, &a)) {
		err = safety_base_check(base, p, a, &senv, start, wlen, msg, sizeof(msg));
		CHECK(err == verdict, "%s: verdict %d, expected %d (%s)", descr, err, verdict, msg);
		if (want)
			CHECK(strstr(msg, want) != NULL, "%s: message \"%s\" lacks \"%s\"", descr,
			      msg, want);
	}
	unbuild(insns, p, a);
}

/*
 * "No new rejection" (core/safety_base.c): a program the model rejects in
 * one block (insn 4 reads r4, which only one path writes) may be rewritten
 * elsewhere when every block keeps its verdict, but not so that a block
 * gains a rejection, nor so that the input's rejection goes away, nor at the
 * rejected instruction itself.
 */
#define BASE_HEAD "r2 = *(u32 *)(r1 + 0)\nr0 = 0\n"
#define BASE_TAIL "if r2 > 3 goto +1\nr0 = r4\nexit\n"
static void test_base(void)
{
	struct safety_env senv = {.prog_type = SOCK, .maps = safety_maps, .nmaps = 1};
	struct safety_base base, ok;
	struct bpf_insn *insns;
	struct analysis *a;
	struct prog *p;
	char msg[SAFETY_MSG_SIZE];

	if (build(BASE_HEAD "r5 = 0\n" BASE_TAIL, &insns, &p, &a))
		goto out;
	ASSERT_EQ(safety_check(p, a, &senv, msg, sizeof(msg)), -EACCES, "the base is rejected");
	ASSERT_TRUE(strstr(msg, "insn 4:") && strstr(msg, "R4 !read_ok"), msg);
	if (!ASSERT_EQ(safety_base_init(&base, p, a, &senv), 0, "safety_base_init"))
		goto out;
	ASSERT_TRUE(base.rejected, "the base records the rejection");

	base_case("a rewrite that keeps the block's rejection", &base,
		  BASE_HEAD "r5 = 1\n" BASE_TAIL, 2, 1, 0, NULL);
	/* a removed instruction becomes `ja +0`, which ends a block: compared by message */
	base_case("a nop that splits a block, keeping the rejection", &base,
		  BASE_HEAD "goto +0\n" BASE_TAIL, 2, 1, 0, NULL);
	base_case("a rewrite that adds a rejection", &base,
		  "r2 = *(u32 *)(r1 + 0)\nr0 = r6\nr5 = 0\n" BASE_TAIL, 1, 1, -EACCES,
		  "new rejection: insn 1:");
	base_case("a rewrite that removes the rejection", &base, BASE_HEAD "r4 = 0\n" BASE_TAIL, 2,
		  1, -EACCES, "a rejection of the input's model went away");
	base_case("a rewrite at the rejected instruction", &base,
		  BASE_HEAD "r5 = 0\nif r2 > 3 goto +1\nr0 = 1\nexit\n", 4, 1, -EACCES,
		  "the model rejects insn 4, which the rewrite reaches");
	safety_base_free(&base);
	ASSERT_TRUE(!base.blocks && !base.rejected, "safety_base_free clears the base");
	unbuild(insns, p, a);

	/* where the model accepts the input, a rewrite must be accepted outright */
	if (build(BASE_HEAD "r4 = 0\n" BASE_TAIL, &insns, &p, &a))
		goto out;
	if (!ASSERT_EQ(safety_base_init(&ok, p, a, &senv), 0, "safety_base_init (accepted)"))
		goto out;
	ASSERT_TRUE(!ok.rejected && !ok.blocks, "nothing recorded for an accepted base");
	base_case("an accepted base, rewrite accepted", &ok, BASE_HEAD "r4 = 1\n" BASE_TAIL, 2, 1,
		  0, NULL);
	base_case("an accepted base, rewrite adds a rejection", &ok, BASE_HEAD "r5 = 0\n" BASE_TAIL,
		  2, 1, -EACCES, "R4 !read_ok");
	safety_base_free(&ok);
out:
	unbuild(insns, p, a);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_table);
	RUN_TEST(test_edges);
	RUN_TEST(test_base);
	return test_summary("test_safety");
}

#endif
