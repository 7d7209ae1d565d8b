/* SPDX-License-Identifier: MIT */
/*
 * The pair table of tests/unit/test_smt.c: two programs in LLVM's BPF
 * assembly and what the checker must say about them.
 *
 * "@name" is a label local to the program (the test makes it unique).
 * Encodings clang 14 cannot assemble use the raw macros of the prelude:
 *   insn code, dst, src, off, imm     one instruction
 *   ldmap dst, ref                    dst = map (BPF_PSEUDO_MAP_FD ref)
 * with a comment saying what they are.  The environment has six maps:
 * ref 1 an array (key 4, value 8, 4 entries), ref 2 a hash (key 4, value 8,
 * 16 entries), ref 3 a per-CPU array (as ref 1), ref 4 an LRU hash and ref 6
 * a per-CPU hash (as ref 2), ref 5 a perf event array (4 entries), ref 7 a
 * device map (value: the ifindex), ref 8 a prog array (4 slots).
 *
 * Inputs come from where the interpreter can reproduce them when it replays
 * a counterexample: S64 puts two arbitrary 64-bit values in r6 and r7 (two
 * bpf_ktime_get_ns() calls: the first value and the step), U32 a u32 in r6
 * (xdp_md->ingress_ifindex).
 */
#ifndef BPFSYNTH_TESTS_SMT_PAIRS_H
#define BPFSYNTH_TESTS_SMT_PAIRS_H

#define S64 "call 5\nr6 = r0\ncall 5\nr7 = r0\n"
#define U32 "r6 = *(u32 *)(r1 + 12)\n"
/* r0 = &array[0] or NULL; jumps to @out when NULL */
#define LOOKUP0                                                                    \
	"r1 = 0\n*(u32 *)(r10 - 4) = r1\nldmap 1, 1\nr2 = r10\nr2 += -4\ncall 1\n" \
	"if r0 == 0 goto @out\n"
/* r2 = data, r3 = data_end, and two bytes of packet, else @out */
#define PKT2                                                               \
	"r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 2\n" \
	"if r4 > r3 goto @out\n"
#define OUT "@out:\nr0 = 2\nexit\n"
/* r0 = lookup of key 0 in the map @ref (r1-r5 clobbered) */
#define LOOKUP_IN(ref) "r1 = 0\n*(u32 *)(r10 - 4) = r1\nldmap 1, " #ref "\nr2 = r10\nr2 += -4\ncall 1\n"
/* r0 = map_update_elem(array, &key, &(u64)val, flags) */
#define UPDATE(key, val, flags)                                                          \
	"r1 = " #key "\n*(u32 *)(r10 - 4) = r1\nr1 = " #val "\n*(u64 *)(r10 - 16) = r1\n" \
	"ldmap 1, 1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = " #flags "\ncall 2\n"
/* r0 = map_update_elem(map @ref, &key, &(u64)val, flags) */
#define UPDATE_IN(ref, key, val, flags)                                                  \
	"r1 = " #key "\n*(u32 *)(r10 - 4) = r1\nr1 = " #val "\n*(u64 *)(r10 - 16) = r1\n" \
	"ldmap 1, " #ref "\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = " #flags      \
	"\ncall 2\n"
/* r0 = map_delete_elem(map @ref, &key) */
#define DELETE_IN(ref, key) \
	"r1 = " #key "\n*(u32 *)(r10 - 4) = r1\nldmap 1, " #ref "\nr2 = r10\nr2 += -4\ncall 3\n"
/* fib_lookup(ctx in r9, 64 bytes of params at fp-@at, all zero but byte @b = 1, 64, flags 0) */
#define FIB(at, b)                                                                           \
	"r1 = 0\n*(u64 *)(r10 - " #at ") = r1\n*(u64 *)(r10 - " #at " + 8) = r1\n"                 \
	"*(u64 *)(r10 - " #at " + 16) = r1\n*(u64 *)(r10 - " #at " + 24) = r1\n"                   \
	"*(u64 *)(r10 - " #at " + 32) = r1\n*(u64 *)(r10 - " #at " + 40) = r1\n"                   \
	"*(u64 *)(r10 - " #at " + 48) = r1\n*(u64 *)(r10 - " #at " + 56) = r1\nr1 = 1\n"         \
	"*(u8 *)(r10 - " #at " + " #b ") = r1\nr1 = r9\nr2 = r10\nr2 += -" #at "\nr3 = 64\n" \
	"r4 = 0\ncall 69\n"
/*
 * perf_event_output(ctx in r9, perf map, the whole packet (a computed ctxlen)
 * on the current CPU, 8 zero bytes at fp-@slot)
 */
#define PERF_PKT(slot)                                                                      \
	"r1 = 0\n*(u64 *)(r10 - " #slot ") = r1\nr2 = *(u32 *)(r9 + 0)\nr3 = *(u32 *)(r9 + 4)\n" \
	"r3 -= r2\nr3 <<= 32\nr2 = 0xffffffff ll\nr3 |= r2\nr1 = r9\nldmap 2, 5\nr4 = r10\n"  \
	"r4 += -" #slot "\nr5 = 8\ncall 25\n"
/* perf_event_output(ctx in r9, perf map, flags 0, fp @slot, 8) of the u64 r6 */
#define PERF_OUT(slot)                                                              \
	"*(u64 *)(r10 - " #slot ") = r6\nr1 = r9\nldmap 2, 5\nr3 = 0\nr4 = r10\nr4 += -" \
	#slot "\nr5 = 8\ncall 25\n"
#define S64C "r9 = r1\n" S64
/* LD_ABS and LD_IND (socket filters): r0 = packet byte / half / word, r6 = ctx */
#define LDB(k) "insn 0x30, 0, 0, 0, " #k " // r0 = *(u8 *)skb[k]\n"
#define LDH(k) "insn 0x28, 0, 0, 0, " #k " // r0 = *(u16 *)skb[k]\n"
#define LDIB(src, k) "insn 0x50, 0, " #src ", 0, " #k " // r0 = *(u8 *)skb[src + k]\n"
#define SK BPF_PROG_TYPE_SOCKET_FILTER

/* skb_set_tunnel_key(ctx in r6, 8 bytes (the tunnel id @id, remote 0) at fp-@at, 8, 0) */
#define SETKEY(at, id)                                                             \
	"r1 = " #id "\n*(u64 *)(r10 - " #at ") = r1\nr1 = r6\nr2 = r10\nr2 += -" #at \
	"\nr3 = 8\nr4 = 0\ncall 21\n"
/* skb_get_tunnel_key(ctx in r6, 44 bytes at fp-@at, 44, @flags) */
#define GETKEY(at, flags) \
	"r1 = r6\nr2 = r10\nr2 += -" #at "\nr3 = 44\nr4 = " #flags "\ncall 20\n"
/* check_mtu(ctx in r6, ifindex 0, &mtu_len at fp-@at (0), len_diff @d, 0) */
#define MTU(at, d)                                                                   \
	"r1 = 0\n*(u32 *)(r10 - " #at ") = r1\nr1 = r6\nr2 = 0\nr3 = r10\nr3 += -" #at \
	"\nr4 = " #d "\nr5 = 0\ncall 163\n"

enum { EQ = SMT_EQUIVALENT, DIFF = SMT_DIFFERENT, UNK = SMT_UNKNOWN };

#define XDP BPF_PROG_TYPE_XDP
#define TRACING BPF_PROG_TYPE_TRACING
#define TC BPF_PROG_TYPE_SCHED_CLS

struct smt_pair {
	const char *descr;
	uint32_t type;
	const char *a, *b;
	int expect;
};

static const struct smt_pair smt_pairs[] = {
	/* ---- jumps whose decision is a constant: the other way is no path ---- */
	{"a write read only on a dead path", XDP,
	 U32 "w7 = 5\nr1 = -129\nif r1 s<= 100 goto @l\nr0 = r7\nexit\n@l:\nr0 = r6\nexit",
	 U32 "r1 = -129\nif r1 s<= 100 goto @l\nr0 = r7\nexit\n@l:\nr0 = r6\nexit", EQ},
	{"a write read on a path that may be taken", XDP,
	 U32 "w7 = 5\nif r6 s<= 100 goto @l\nr0 = r7\nexit\n@l:\nr0 = r6\nexit",
	 U32 "if r6 s<= 100 goto @l\nr0 = r7\nexit\n@l:\nr0 = r6\nexit", UNK},
	{"a constant decision taken", XDP,
	 U32 "r1 = 7\nif w1 == 7 goto @l\nr0 = 1\nexit\n@l:\nr0 = 2\nexit", U32 "r0 = 1\nexit",
	 DIFF},
	{"a constant decision not taken", XDP,
	 U32 "r1 = 7\nif r1 > 7 goto @l\nr0 = 1\nexit\n@l:\nr0 = 2\nexit", U32 "r0 = 2\nexit",
	 DIFF},
	/* ---- equivalent: strength reductions and algebra ---- */
	{"mul 2 = lsh 1", XDP, S64 "r6 *= 2\nr0 = r6\nexit", S64 "r6 <<= 1\nr0 = r6\nexit", EQ},
	{"add self = lsh 1", TRACING, S64 "r6 += r6\nr0 = r6\nexit", S64 "r6 <<= 1\nr0 = r6\nexit",
	 EQ},
	{"mul 8 = lsh 3", TRACING, S64 "r6 *= 8\nr0 = r6\nexit", S64 "r6 <<= 3\nr0 = r6\nexit", EQ},
	{"udiv 4 = rsh 2", TRACING, S64 "r6 /= 4\nr0 = r6\nexit", S64 "r6 >>= 2\nr0 = r6\nexit",
	 EQ},
	{"umod 8 = and 7", TRACING, S64 "insn 0x97, 6, 0, 0, 8 // r6 %= 8\nr0 = r6\nexit",
	 S64 "r6 &= 7\nr0 = r6\nexit", EQ},
	{"xor self = 0", TRACING, S64 "r6 ^= r6\nr0 = r6\nexit", S64 "r0 = 0\nexit", EQ},
	{"sub self = 0", TRACING, S64 "r6 -= r6\nr0 = r6\nexit", S64 "r0 = 0\nexit", EQ},
	{"double neg", TRACING, S64 "r6 = -r6\nr6 = -r6\nr0 = r6\nexit", S64 "r0 = r6\nexit", EQ},
	{"div by 1", TRACING, S64 "r6 /= 1\nr0 = r6\nexit", S64 "r0 = r6\nexit", EQ},
	{"mod by zero keeps the dividend", TRACING,
	 S64 "r7 = 0\nr0 = r6\ninsn 0x9f, 0, 7, 0, 0 // r0 %= r7\nexit", S64 "r0 = r6\nexit", EQ},
	{"div by zero is zero", TRACING, S64 "r7 = 0\nr6 /= r7\nr0 = r6\nexit", S64 "r0 = 0\nexit",
	 EQ},
	{"arsh 63 & 1 = rsh 63", TRACING, S64 "r6 s>>= 63\nr6 &= 1\nr0 = r6\nexit",
	 S64 "r6 >>= 63\nr0 = r6\nexit", EQ},
	{"sdiv -1 = neg", TRACING, S64 "insn 0x37, 6, 0, 1, -1 // r6 s/= -1\nr0 = r6\nexit",
	 S64 "r6 = -r6\nr0 = r6\nexit", EQ},
	{"smod 1 = 0", TRACING, S64 "insn 0x97, 6, 0, 1, 1 // r6 s%= 1\nr0 = r6\nexit",
	 S64 "r0 = 0\nexit", EQ},
	{"xor swap", TRACING, S64 "r6 ^= r7\nr7 ^= r6\nr6 ^= r7\nr0 = r6\nr0 -= r7\nexit",
	 S64 "r0 = r7\nr0 -= r6\nexit", EQ},
	{"le64 is a no-op", TRACING, S64 "r6 = le64 r6\nr0 = r6\nexit", S64 "r0 = r6\nexit", EQ},
	{"be16 twice = and 0xffff", TRACING, S64 "r6 = be16 r6\nr6 = be16 r6\nr0 = r6\nexit",
	 S64 "r6 &= 0xffff\nr0 = r6\nexit", EQ},
	{"bswap64 twice", TRACING,
	 S64 "insn 0xd7, 6, 0, 0, 64 // r6 = bswap64 r6\ninsn 0xd7, 6, 0, 0, 64\nr0 = r6\nexit",
	 S64 "r0 = r6\nexit", EQ},
	{"sign test: s< 0 = rsh 63", TRACING,
	 S64 "r0 = 0\nif r6 s< 0 goto @l\nexit\n@l:\nr0 = 1\nexit", S64 "r0 = r6\nr0 >>= 63\nexit",
	 EQ},
	{"movsx 32 = lsh/arsh", TRACING, S64 "insn 0xbf, 0, 6, 32, 0 // r0 = (s32)r6\nexit",
	 S64 "r0 = r6\nr0 <<= 32\nr0 s>>= 32\nexit", EQ},
	/* ---- equivalent: moves, widths, r0 ---- */
	{"w move when the upper half is zero", TRACING, U32 "r0 = r6\nexit", U32 "w0 = w6\nexit",
	 EQ},
	{"zero-extension of a u32 is a no-op", TRACING, U32 "w6 = w6\nr0 = r6\nexit",
	 U32 "r0 = r6\nexit", EQ},
	{"JMP32 = JMP when the upper half is zero", TRACING,
	 U32 "r0 = 0\nif w6 > 5 goto @l\nexit\n@l:\nr0 = 1\nexit",
	 U32 "r0 = 0\nif r6 > 5 goto @l\nexit\n@l:\nr0 = 1\nexit", EQ},
	{"XDP: only r0's low half counts", XDP, S64 "r0 = r6\nexit", S64 "w0 = w6\nexit", EQ},
	{"XDP: r0 = 1 << 32 is r0 = 0", XDP, "r0 = 0x100000000 ll\nexit", "r0 = 0\nexit", EQ},
	{"prandom's upper half is zero", TRACING, "call 7\nexit", "call 7\nw0 = w0\nexit", EQ},
	{"both branches equal", TRACING, S64 "if r6 > 5 goto @l\nr0 = 1\nexit\n@l:\nr0 = 1\nexit",
	 S64 "r0 = 1\nexit", EQ},
	/* ---- equivalent: stack ---- */
	{"merged narrow stack stores", TRACING,
	 "insn 0x72, 10, 0, -4, 1 // *(u8 *)(r10 - 4) = 1\n"
	 "insn 0x72, 10, 0, -3, 2 // *(u8 *)(r10 - 3) = 2\n"
	 "insn 0x6a, 10, 0, -2, 0x0403 // *(u16 *)(r10 - 2) = 0x403\n"
	 "r0 = *(u32 *)(r10 - 4)\nexit",
	 "insn 0x62, 10, 0, -4, 0x04030201 // *(u32 *)(r10 - 4) = 0x4030201\n"
	 "r0 = *(u32 *)(r10 - 4)\nexit",
	 EQ},
	{"dead stack store removed", XDP, S64 "*(u64 *)(r10 - 8) = r6\nr0 = 0\nexit",
	 S64 "r0 = 0\nexit", EQ},
	{"store-to-load forwarding", TRACING,
	 S64 "*(u64 *)(r10 - 8) = r6\nr0 = *(u64 *)(r10 - 8)\nexit", S64 "r0 = r6\nexit", EQ},
	{"spill and fill of a pointer", XDP,
	 PKT2 "*(u64 *)(r10 - 16) = r2\nr2 = 0\nr2 = *(u64 *)(r10 - 16)\nr0 = *(u8 *)(r2 + 1)\n"
	      "exit\n" OUT,
	 PKT2 "r0 = *(u8 *)(r2 + 1)\nexit\n" OUT, EQ},
	{"reordered independent instructions", TRACING,
	 S64 "r0 = r6\nr0 += 1\nr2 = r7\nr2 += 2\nr0 += r2\nexit",
	 S64 "r2 = r7\nr0 = r6\nr2 += 2\nr0 += 1\nr0 += r2\nexit", EQ},
	{"atomic add on the stack = add", TRACING,
	 S64 "*(u64 *)(r10 - 8) = r6\nlock *(u64 *)(r10 - 8) += r7\nr0 = *(u64 *)(r10 - 8)\nexit",
	 S64 "r0 = r6\nr0 += r7\nexit", EQ},
	{"ldsx = ldx + movsx", TRACING,
	 S64 "*(u64 *)(r10 - 8) = r6\ninsn 0x89, 0, 10, -8, 0 // r0 = *(s16 *)(r10 - 8)\nexit",
	 S64 "*(u64 *)(r10 - 8) = r6\nr0 = *(u16 *)(r10 - 8)\n"
	     "insn 0xbf, 0, 0, 16, 0 // r0 = (s16)r0\nexit",
	 EQ},
	/* ---- equivalent: packet, maps, helpers ---- */
	{"merged packet stores", XDP,
	 PKT2 "r5 = 1\n*(u8 *)(r2 + 0) = r5\nr5 = 2\n*(u8 *)(r2 + 1) = r5\nr0 = 2\nexit\n" OUT,
	 PKT2 "r5 = 0x201\n*(u16 *)(r2 + 0) = r5\nr0 = 2\nexit\n" OUT, EQ},
	{"packet load twice = once", XDP,
	 PKT2 "r0 = *(u8 *)(r2 + 1)\nr5 = *(u8 *)(r2 + 1)\nr0 += r5\nexit\n" OUT,
	 PKT2 "r0 = *(u8 *)(r2 + 1)\nr0 <<= 1\nexit\n" OUT, EQ},
	{"dead array lookup removed", XDP, LOOKUP0 OUT, "r0 = 2\nexit", EQ},
	{"dead hash lookup removed", XDP,
	 "r1 = 0\n*(u32 *)(r10 - 4) = r1\nldmap 1, 2\nr2 = r10\nr2 += -4\ncall 1\nr0 = 1\nexit",
	 "r0 = 1\nexit", EQ},
	{"map value write through an offset pointer", XDP,
	 LOOKUP0 "r1 = 7\n*(u32 *)(r0 + 4) = r1\n" OUT,
	 LOOKUP0 "r0 += 4\nr1 = 7\n*(u32 *)(r0 + 0) = r1\n" OUT, EQ},
	{"lookup of a constant key twice", XDP,
	 LOOKUP0 "r6 = r0\n" LOOKUP0 "r1 = *(u64 *)(r6 + 0)\nr0 = r1\nexit\n" OUT,
	 LOOKUP0 "r1 = *(u64 *)(r0 + 0)\nr0 = r1\nexit\n" OUT, EQ},
	{"same helper calls", XDP, "call 7\nr6 = r0\ncall 7\nr0 += r6\nexit",
	 "call 7\nr6 = r0\ncall 7\nr6 += r0\nr0 = r6\nexit", EQ},
	{"hash lookup: found flag", XDP,
	 "r1 = 3\n*(u32 *)(r10 - 4) = r1\nldmap 1, 2\nr2 = r10\nr2 += -4\ncall 1\n"
	 "if r0 != 0 goto @l\nr0 = 0\nexit\n@l:\nr0 = 1\nexit",
	 "r1 = 3\n*(u32 *)(r10 - 4) = r1\nldmap 1, 2\nr2 = r10\nr2 += -4\ncall 1\n"
	 "r1 = 1\nif r0 != 0 goto @l\nr1 = 0\n@l:\nr0 = r1\nexit",
	 EQ},

	/* ---- equivalent: per-CPU and LRU maps, map updates ---- */
	{"dead per-CPU array lookup removed", XDP, LOOKUP_IN(3) "r0 = 2\nexit", "r0 = 2\nexit", EQ},
	{"dead per-CPU hash lookup removed", XDP, LOOKUP_IN(6) "r0 = 2\nexit", "r0 = 2\nexit", EQ},
	{"per-CPU array lookup of a constant key twice", XDP,
	 LOOKUP_IN(3) "if r0 == 0 goto @out\nr6 = r0\n" LOOKUP_IN(3)
		 "if r0 == 0 goto @out\nr0 = *(u64 *)(r6 + 0)\nexit\n" OUT,
	 LOOKUP_IN(3) "if r0 == 0 goto @out\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT, EQ},
	{"device map lookup: the ifindex read twice", XDP,
	 LOOKUP_IN(7) "if r0 == 0 goto @out\nr1 = *(u32 *)(r0 + 0)\nr2 = *(u32 *)(r0 + 0)\n"
	 "r1 -= r2\nr0 = r1\nexit\n" OUT,
	 LOOKUP_IN(7) "if r0 == 0 goto @out\nr0 = 0\nexit\n" OUT, EQ},
	{"LRU lookup: found flag", XDP,
	 LOOKUP_IN(4) "if r0 != 0 goto @l\nr0 = 0\nexit\n@l:\nr0 = 1\nexit",
	 LOOKUP_IN(4) "r1 = 1\nif r0 != 0 goto @l\nr1 = 0\n@l:\nr0 = r1\nexit", EQ},
	{"redundant array update removed", XDP, UPDATE(0, 7, 0) UPDATE(0, 7, 0) "r0 = 2\nexit",
	 UPDATE(0, 7, 0) "r0 = 2\nexit", EQ},
	{"array update overwritten by another", XDP, UPDATE(1, 7, 0) UPDATE(1, 9, 0) "r0 = 2\nexit",
	 UPDATE(1, 9, 0) "r0 = 2\nexit", EQ},
	{"array update, then a lookup reads the value", XDP,
	 UPDATE(0, 7, 0) LOOKUP_IN(1) "if r0 == 0 goto @out\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT,
	 UPDATE(0, 7, 0) "r0 = 7\nexit", EQ},
	{"array update returns 0 in range", XDP, UPDATE(3, 7, 0) "exit",
	 UPDATE(3, 7, 0) "r0 = 0\nexit", EQ},
	{"array update past the end: -E2BIG, no change", XDP, UPDATE(4, 7, 0) "exit",
	 "r0 = -7\nexit", EQ},
	{"array update with BPF_NOEXIST: -EEXIST, no change", XDP, UPDATE(2, 7, 1) "exit",
	 "r0 = -17\nexit", EQ},
	{"array delete: -EINVAL, no change", XDP,
	 "r1 = 0\n*(u32 *)(r10 - 4) = r1\nldmap 1, 1\nr2 = r10\nr2 += -4\ncall 3\nexit",
	 "r0 = -22\nexit", EQ},
	{"redundant hash update removed", XDP,
	 UPDATE_IN(2, 5, 7, 0) UPDATE_IN(2, 5, 7, 0) "r0 = 2\nexit", UPDATE_IN(2, 5, 7, 0)
	 "r0 = 2\nexit", EQ},
	{"redundant per-CPU hash update removed", XDP,
	 UPDATE_IN(6, 5, 7, 0) UPDATE_IN(6, 5, 7, 0) "r0 = 2\nexit", UPDATE_IN(6, 5, 7, 0)
	 "r0 = 2\nexit", EQ},
	{"hash update, then a lookup reads the value", XDP,
	 UPDATE_IN(2, 5, 7, 0) "if r0 != 0 goto @out\n"
	 "r1 = 5\n*(u32 *)(r10 - 4) = r1\nldmap 1, 2\nr2 = r10\nr2 += -4\ncall 1\n"
	 "if r0 == 0 goto @out\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT,
	 UPDATE_IN(2, 5, 7, 0) "if r0 != 0 goto @out\nr0 = 7\nexit\n" OUT, EQ},
	{"hash update with BPF_NOEXIST after an update: -EEXIST", XDP,
	 UPDATE_IN(2, 5, 7, 0) "if r0 != 0 goto @out\n" UPDATE_IN(2, 5, 8, 1) "exit\n" OUT,
	 UPDATE_IN(2, 5, 7, 0) "if r0 != 0 goto @out\nr0 = -17\nexit\n" OUT, EQ},
	{"hash insert then delete = delete", XDP,
	 UPDATE_IN(2, 5, 7, 0) DELETE_IN(2, 5) "r0 = 2\nexit", DELETE_IN(2, 5) "r0 = 2\nexit",
	 EQ},
	{"hash delete twice = once", XDP, DELETE_IN(2, 5) DELETE_IN(2, 5) "r0 = 2\nexit",
	 DELETE_IN(2, 5) "r0 = 2\nexit", EQ},
	/* ---- equivalent: helpers with pointer arguments, LD_ABS ---- */
	{"perf_event_output: same bytes from another stack slot", XDP,
	 S64C PERF_OUT(8) "r0 = 2\nexit", S64C PERF_OUT(24) "r0 = 2\nexit", EQ},
	{"perf_event_output: the unread result dropped", XDP,
	 S64C PERF_OUT(8) "r6 = r0\nr6 += 1\nr0 = 2\nexit", S64C PERF_OUT(8) "r0 = 2\nexit", EQ},
	{"perf_event_output of the packet: data from another stack slot", XDP,
	 "r9 = r1\n" PERF_PKT(8) "r0 = 2\nexit", "r9 = r1\n" PERF_PKT(16) "r0 = 2\nexit", EQ},
	{"dead xdp_load_bytes removed", XDP,
	 "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 4\ncall 189\nr0 = 2\nexit", "r0 = 2\nexit", EQ},
	{"xdp_load_bytes into another stack slot", XDP,
	 "r2 = 3\nr3 = r10\nr3 += -8\nr4 = 2\ncall 189\nif r0 != 0 goto @out\n"
	 "r0 = *(u16 *)(r10 - 8)\nexit\n" OUT,
	 "r2 = 3\nr3 = r10\nr3 += -16\nr4 = 2\ncall 189\nif r0 != 0 goto @out\n"
	 "r0 = *(u16 *)(r10 - 16)\nexit\n" OUT, EQ},
	{"tc: skb_load_bytes reads what LD_ABS reads", TC,
	 "r6 = r1\nr2 = 12\nr3 = r10\nr3 += -8\nr4 = 1\ncall 26\nif r0 != 0 goto @l\n"
	 "r0 = *(u8 *)(r10 - 8)\nexit\n@l:\nr0 = 0\nexit",
	 "r6 = r1\n" LDB(12) "exit", EQ},
	{"trace_printk: same format from another stack slot", XDP,
	 "r1 = 0x0a6968\n*(u32 *)(r10 - 4) = r1\nr1 = r10\nr1 += -4\nr2 = 4\ncall 6\n"
	 "r0 = 2\nexit",
	 "r1 = 0x0a6968\n*(u32 *)(r10 - 12) = r1\nr1 = r10\nr1 += -12\nr2 = 4\ncall 6\n"
	 "r0 = 2\nexit", EQ},
	{"probe_read_kernel into another stack slot", TRACING,
	 "r3 = *(u64 *)(r1 + 0)\nr1 = r10\nr1 += -8\nr2 = 8\ncall 113\nr0 = *(u64 *)(r10 - 8)\n"
	 "exit",
	 "r3 = *(u64 *)(r1 + 0)\nr1 = r10\nr1 += -24\nr2 = 8\ncall 113\n"
	 "r0 = *(u64 *)(r10 - 24)\nexit", EQ},
	{"probe_read_str: bytes past the string stay", TRACING,
	 "r3 = *(u64 *)(r1 + 0)\nr1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\nr2 = 8\n"
	 "call 115\nr0 = *(u64 *)(r10 - 8)\nexit",
	 "r3 = *(u64 *)(r1 + 0)\nr1 = r10\nr1 += -8\nr2 = 8\ncall 115\n"
	 "r0 = *(u64 *)(r10 - 8)\nexit", UNK},
	/* a BPF-to-BPF call of the instruction n + 1 ahead (BPF_PSEUDO_CALL) */
#define CALLS(n) "insn 0x85, 0, 1, 0, " #n "\n"
/* tail_call(ctx saved in r6, the prog array, index) */
#define TAIL(idx) "r1 = r6\nldmap 2, 8\nr3 = " #idx "\ncall 12\n"
	/*
	 * A tail call that succeeds is an exit: the program it enters sees the
	 * packet, ctx and maps as they are then, never the stack.
	 */
	{"tail call: a dead stack store before it", XDP,
	 "r6 = r1\nr1 = 5\n*(u64 *)(r10 - 8) = r1\n" TAIL(1) "r0 = 2\nexit",
	 "r6 = r1\n" TAIL(1) "r0 = 2\nexit", EQ},
	{"tail call: the index's high bits are not looked at", XDP,
	 "r6 = r1\n" TAIL(1) "r0 = 2\nexit",
	 "r6 = r1\nr1 = r6\nldmap 2, 8\nr3 = 1 ll\nr4 = 1\nr4 <<= 32\nr3 |= r4\ncall 12\n"
	 "r0 = 2\nexit", EQ},
	{"tail call: another index", XDP, "r6 = r1\n" TAIL(1) "r0 = 2\nexit",
	 "r6 = r1\n" TAIL(2) "r0 = 2\nexit", UNK},
	{"tail call: a packet write before it or after it", XDP,
	 "r6 = r1\n" PKT2 "r4 = 1\n*(u8 *)(r2 + 0) = r4\n" TAIL(1) "r0 = 2\nexit\n" OUT,
	 "r6 = r1\n" PKT2 TAIL(1) "r2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\nr4 = r2\n"
	 "r4 += 2\nif r4 > r3 goto @out\nr4 = 1\n*(u8 *)(r2 + 0) = r4\nr0 = 2\nexit\n" OUT,
	 UNK},
	{"tail call: what comes after runs only when it fails", XDP,
	 "r6 = r1\n" TAIL(1) "r0 = 1\nexit", "r6 = r1\n" TAIL(1) "r0 = 2\nexit", DIFF},
	/*
	 * A stack offset chosen by the paths that merged (xdp1's copy of the
	 * packet): read at each choice; one that would leave what was
	 * written must be on no path.
	 */
	{"stack read at an offset two paths chose", XDP,
	 U32 "r1 = 0x0102030405060708 ll\n*(u64 *)(r10 - 8) = r1\nr2 = 2\nif r6 > 5 goto @b\n"
	 "r2 = 4\n@b:\nr3 = r10\nr3 += -8\nr3 += r2\nr0 = *(u8 *)(r3 + 0)\nexit",
	 U32 "r0 = 6\nif r6 > 5 goto @b\nr0 = 4\n@b:\nexit", EQ},
	{"stack read at an offset two paths chose: the other way round", XDP,
	 U32 "r1 = 0x0102030405060708 ll\n*(u64 *)(r10 - 8) = r1\nr2 = 2\nif r6 > 5 goto @b\n"
	 "r2 = 4\n@b:\nr3 = r10\nr3 += -8\nr3 += r2\nr0 = *(u8 *)(r3 + 0)\nexit",
	 U32 "r0 = 4\nif r6 > 5 goto @b\nr0 = 6\n@b:\nexit", DIFF},
	{"stack read at a chosen offset: a choice outside the stack on no path", XDP,
	 U32 "r1 = 0x0102030405060708 ll\n*(u64 *)(r10 - 8) = r1\nr2 = 2\nif r6 > 5 goto @b\n"
	 "r2 = 100\n@b:\nr0 = 0\nif r2 == 100 goto @c\nr3 = r10\nr3 += -8\nr3 += r2\n"
	 "r0 = *(u8 *)(r3 + 0)\n@c:\nexit",
	 U32 "r0 = 6\nif r6 > 5 goto @b\nr0 = 0\n@b:\nexit", EQ},
	{"stack read at a chosen offset: a choice outside the stack on a path", XDP,
	 U32 "r1 = 0x0102030405060708 ll\n*(u64 *)(r10 - 8) = r1\nr2 = 2\nif r6 > 5 goto @b\n"
	 "r2 = 12\n@b:\nr3 = r10\nr3 += -8\nr3 += r2\nr0 = *(u8 *)(r3 + 0)\nexit",
	 U32 "r0 = 6\nif r6 > 5 goto @b\nr0 = 0\n@b:\nexit", UNK},
	/* xdp_store_bytes(ctx in r6, off, buf, len) */
	{"xdp_store_bytes: the bytes from another stack slot", XDP,
	 "r6 = r1\nr1 = 0x0a0b\n*(u16 *)(r10 - 2) = r1\nr1 = r6\nr2 = 1\nr3 = r10\n"
	 "r3 += -2\nr4 = 2\ncall 190\nexit",
	 "r6 = r1\nr1 = 0x0a0b\n*(u16 *)(r10 - 18) = r1\nr1 = r6\nr2 = 1\nr3 = r10\n"
	 "r3 += -18\nr4 = 2\ncall 190\nexit", EQ},
	{"xdp_store_bytes: other bytes", XDP,
	 "r6 = r1\nr1 = 0x0a0b\n*(u16 *)(r10 - 2) = r1\nr1 = r6\nr2 = 1\nr3 = r10\n"
	 "r3 += -2\nr4 = 2\ncall 190\nexit",
	 "r6 = r1\nr1 = 0x0a0c\n*(u16 *)(r10 - 2) = r1\nr1 = r6\nr2 = 1\nr3 = r10\n"
	 "r3 += -2\nr4 = 2\ncall 190\nexit", DIFF},
	/* a byte past the linear part is in the fragments: compared too */
	{"xdp_store_bytes: other bytes into the fragments", XDP,
	 "r6 = r1\nr1 = 1\n*(u8 *)(r10 - 1) = r1\nr2 = *(u32 *)(r6 + 4)\n"
	 "r1 = *(u32 *)(r6 + 0)\nr2 -= r1\nr1 = r6\nr3 = r10\nr3 += -1\nr4 = 1\n"
	 "call 190\nr0 = 2\nexit",
	 "r6 = r1\nr1 = 2\n*(u8 *)(r10 - 1) = r1\nr2 = *(u32 *)(r6 + 4)\n"
	 "r1 = *(u32 *)(r6 + 0)\nr2 -= r1\nr1 = r6\nr3 = r10\nr3 += -1\nr4 = 1\n"
	 "call 190\nr0 = 2\nexit", UNK},
	/*
	 * BPF-to-BPF calls (CALLS(n): call the instruction n + 1 ahead): a frame
	 * each, r6-r9 kept across, the caller's stack reachable by pointer.
	 */
	{"call: to a label", XDP, "call @f\nexit\n@f:\nr0 = 1\nexit", "r0 = 1\nexit", EQ},
	{"call: a subprogram's result", XDP,
	 "r1 = 5\n" CALLS(1) "exit\nr0 = r1\nr0 += 1\nexit", "r0 = 6\nexit", EQ},
	{"call: a subprogram's result, another", XDP,
	 "r1 = 5\n" CALLS(1) "exit\nr0 = r1\nr0 += 1\nexit", "r0 = 7\nexit", DIFF},
	{"call: r6 is the caller's again after the call", XDP,
	 "r6 = 3\n" CALLS(2) "r0 = r6\nexit\nr6 = 9\nr0 = 0\nexit", "r0 = 3\nexit", EQ},
	{"call: the callee reads the caller's stack through a pointer", XDP,
	 "r1 = 7\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\n" CALLS(1)
	 "exit\nr0 = *(u64 *)(r1 + 0)\nexit",
	 "r0 = 7\nexit", EQ},
	{"call: the callee's stack is its own", XDP,
	 "r1 = 1\n*(u64 *)(r10 - 8) = r1\n" CALLS(2) "r0 = *(u64 *)(r10 - 8)\nexit\n"
	 "r1 = 5\n*(u64 *)(r10 - 8) = r1\nr0 = 0\nexit",
	 "r0 = 1\nexit", EQ},
	{"call: a store across the top of the callee's frame", XDP,
	 CALLS(1) "exit\nr1 = 1\n*(u64 *)(r10 - 4) = r1\nr0 = 0\nexit", "r0 = 0\nexit", UNK},
	{"call: a function of type void", XDP, "r6 = 4\n" CALLS(2) "r0 = r6\nexit\nr1 = 1\nexit",
	 "r0 = 4\nexit", EQ},
	{"call: the result of a function of type void", XDP,
	 CALLS(1) "exit\nr1 = 1\nexit", "r0 = 4\nexit", UNK},
	{"call: a callee reads what an earlier callee left on the stack", XDP,
	 CALLS(2) CALLS(5) "exit\n"
	 "r1 = 5\n*(u64 *)(r10 - 8) = r1\nr0 = 0\nexit\n"
	 "r0 = *(u64 *)(r10 - 8)\nexit",
	 "r0 = 5\nexit", UNK},
	/* a jump backwards that closes no loop: visited in the flow's order */
	{"a tail laid out after the code that jumps back from it", XDP,
	 U32 "r0 = 1\nif r6 > 5 goto @t\n@b:\nexit\n@t:\nr0 += 1\ngoto @b",
	 U32 "r0 = 1\nif r6 <= 5 goto @e\nr0 = 2\n@e:\nexit", EQ},
	{"a tail laid out after the code that jumps back from it, another result", XDP,
	 U32 "r0 = 1\nif r6 > 5 goto @t\n@b:\nexit\n@t:\nr0 += 2\ngoto @b",
	 U32 "r0 = 1\nif r6 <= 5 goto @e\nr0 = 2\n@e:\nexit", DIFF},
	/* stack pointers compared (root may): as their offsets */
	{"stack pointers compared: as their offsets", XDP,
	 U32 "r6 &= 63\nr4 = r10\nr4 += -64\nr4 += r6\nr5 = r10\nr5 += -5\n"
	 "if r4 > r5 goto @a\nr0 = 1\nexit\n@a:\nr0 = 2\nexit",
	 U32 "r6 &= 63\nif r6 > 59 goto @a\nr0 = 1\nexit\n@a:\nr0 = 2\nexit", EQ},
	{"stack pointers compared: off by one", XDP,
	 U32 "r6 &= 63\nr4 = r10\nr4 += -64\nr4 += r6\nr5 = r10\nr5 += -5\n"
	 "if r4 > r5 goto @a\nr0 = 1\nexit\n@a:\nr0 = 2\nexit",
	 U32 "r6 &= 63\nif r6 > 58 goto @a\nr0 = 1\nexit\n@a:\nr0 = 2\nexit", DIFF},
	/* 6.1's bpf_get_current_comm() is strscpy(): no padding after the NUL */
	{"get_current_comm: bytes past the name may stay", TRACING,
	 "r1 = 0\n*(u64 *)(r10 - 16) = r1\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -16\n"
	 "r2 = 16\ncall 16\nr0 = *(u64 *)(r10 - 8)\nexit",
	 "r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = *(u64 *)(r10 - 8)\nexit", UNK},
	{"get_current_comm: a dead store after the name", TRACING,
	 "r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr1 = 7\n*(u64 *)(r10 - 24) = r1\n"
	 "r0 = *(u64 *)(r10 - 8)\nexit",
	 "r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = *(u64 *)(r10 - 8)\nexit", EQ},
	{"redirect: a register the helper does not take", XDP,
	 "r1 = 1\nr2 = 0\nr3 = 5\ncall 23\nexit", "r1 = 1\nr2 = 0\nr3 = 6\ncall 23\nexit", EQ},
	{"fib_lookup: params from another stack slot", XDP,
	 "r9 = r1\n" FIB(64, 0) "if r0 != 0 goto @out\nr0 = *(u8 *)(r10 - 60)\nexit\n" OUT,
	 "r9 = r1\n" FIB(128, 0) "if r0 != 0 goto @out\nr0 = *(u8 *)(r10 - 124)\nexit\n" OUT,
	 EQ},
	{"csum_diff: same bytes from another stack slot", XDP,
	 S64 "*(u64 *)(r10 - 8) = r6\nr1 = 0\nr2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\nr5 = 0\n"
	     "call 28\nexit",
	 S64 "*(u64 *)(r10 - 32) = r6\nr1 = 0\nr2 = 0\nr3 = r10\nr3 += -32\nr4 = 8\nr5 = 0\n"
	     "call 28\nexit", EQ},
	{"tc: skb_set_tunnel_key: the key from another stack slot", TC,
	 "r6 = r1\n" SETKEY(8, 5) "exit", "r6 = r1\n" SETKEY(24, 5) "exit", EQ},
	{"tc: skb_get_tunnel_key: the key read into another stack slot", TC,
	 "r6 = r1\n" GETKEY(48, 0) "r0 = *(u32 *)(r10 - 44)\nexit",
	 "r6 = r1\n" GETKEY(96, 0) "r0 = *(u32 *)(r10 - 92)\nexit", EQ},
	/* the helper writes all `size` bytes on every path: a store before it is dead */
	{"tc: skb_get_tunnel_key overwrites the key", TC,
	 "r6 = r1\nr1 = 7\n*(u32 *)(r10 - 44) = r1\n" GETKEY(48, 0)
	 "r0 = *(u32 *)(r10 - 44)\nexit",
	 "r6 = r1\n" GETKEY(48, 0) "r0 = *(u32 *)(r10 - 44)\nexit", EQ},
	{"tc: skb_get_tunnel_opt overwrites the options", TC,
	 "r6 = r1\nr1 = 7\n*(u64 *)(r10 - 8) = r1\nr1 = r6\nr2 = r10\nr2 += -8\nr3 = 8\n"
	 "call 29\nr0 = *(u64 *)(r10 - 8)\nexit",
	 "r6 = r1\nr1 = r6\nr2 = r10\nr2 += -8\nr3 = 8\ncall 29\nr0 = *(u64 *)(r10 - 8)\n"
	 "exit", EQ},
	{"check_mtu: mtu_len from another stack slot", XDP,
	 "r6 = r1\n" MTU(4, 0) "r0 = *(u32 *)(r10 - 4)\nexit",
	 "r6 = r1\n" MTU(12, 0) "r0 = *(u32 *)(r10 - 12)\nexit", EQ},
	{"tc: redirect_neigh: params from another stack slot", TC,
	 "r1 = 0\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r1\n*(u32 *)(r10 - 20) = r1\n"
	 "r1 = 3\nr2 = r10\nr2 += -20\nr3 = 20\nr4 = 0\ncall 152\nexit",
	 "r1 = 0\n*(u64 *)(r10 - 32) = r1\n*(u64 *)(r10 - 40) = r1\n*(u32 *)(r10 - 44) = r1\n"
	 "r1 = 3\nr2 = r10\nr2 += -44\nr3 = 20\nr4 = 0\ncall 152\nexit", EQ},
	{"tc: skb_cgroup_id: its value used twice", TC,
	 "call 79\nr1 = r0\nr0 += r1\nexit", "call 79\nr0 <<= 1\nexit", EQ},
	{"two identical LD_ABS merged", SK, "r6 = r1\n" LDB(12) "r7 = r0\n" LDB(12) "r0 += r7\nexit",
	 "r6 = r1\n" LDB(12) "r0 <<= 1\nexit", EQ},
	{"LD_ABS half = two bytes", SK, "r6 = r1\n" LDH(12) "exit",
	 "r6 = r1\n" LDB(12) "r7 = r0\nr7 <<= 8\n" LDB(13) "r0 |= r7\nexit", EQ},
	{"LD_IND of a constant = LD_ABS", SK, "r6 = r1\nr7 = 10\n" LDIB(7, 4) "exit",
	 "r6 = r1\n" LDB(14) "exit", EQ},

	/* ---- near-misses: different ---- */
	{"stack offset off by one", XDP, S64 "*(u64 *)(r10 - 8) = r6\nr0 = *(u32 *)(r10 - 8)\nexit",
	 S64 "*(u64 *)(r10 - 8) = r6\nr0 = *(u32 *)(r10 - 7)\nexit", DIFF},
	{"packet offset off by one", XDP, PKT2 "r0 = *(u8 *)(r2 + 0)\nexit\n" OUT,
	 PKT2 "r0 = *(u8 *)(r2 + 1)\nexit\n" OUT, DIFF},
	{"32 vs 64-bit shift", XDP, S64 "r6 >>= 1\nr0 = r6\nexit", S64 "w6 >>= 1\nr0 = r6\nexit",
	 DIFF},
	{"32 vs 64-bit add (tracing)", TRACING, S64 "r6 += r7\nr0 = r6\nexit",
	 S64 "w6 += w7\nr0 = r6\nexit", DIFF},
	{"arithmetic vs logical shift", XDP, S64 "r6 s>>= 40\nr0 = r6\nexit",
	 S64 "r6 >>= 40\nr0 = r6\nexit", DIFF},
	{"missing zero-extension", TRACING, S64 "w0 = w6\nexit", S64 "r0 = r6\nexit", DIFF},
	{"div by zero is 0, not the dividend", XDP, S64 "r0 = r6\nr0 /= r7\nexit",
	 S64 "r0 = r6\nif r7 == 0 goto @l\nr0 /= r7\n@l:\nexit", DIFF},
	{"32-bit mod by zero truncates", TRACING,
	 S64 "insn 0x9c, 6, 7, 0, 0 // w6 %= w7\nr0 = r6\nexit",
	 S64 "insn 0x9f, 6, 7, 0, 0 // r6 %= r7\nr0 = r6\nexit", DIFF},
	{"signed vs unsigned comparison", XDP,
	 S64 "r0 = 0\nif r6 s> 5 goto @l\nexit\n@l:\nr0 = 1\nexit",
	 S64 "r0 = 0\nif r6 > 5 goto @l\nexit\n@l:\nr0 = 1\nexit", DIFF},
	{"JMP vs JMP32", XDP, S64 "r0 = 0\nif r6 > 5 goto @l\nexit\n@l:\nr0 = 1\nexit",
	 S64 "r0 = 0\nif w6 > 5 goto @l\nexit\n@l:\nr0 = 1\nexit", DIFF},
	{"dropped helper call", XDP, "call 7\nr0 = 0\nexit", "r0 = 0\nexit", DIFF},
	{"changed map value write", XDP, LOOKUP0 "r1 = 7\n*(u32 *)(r0 + 4) = r1\n" OUT,
	 LOOKUP0 "r1 = 8\n*(u32 *)(r0 + 4) = r1\n" OUT, DIFF},
	{"map value write off by one", XDP, LOOKUP0 "r1 = 7\n*(u8 *)(r0 + 4) = r1\n" OUT,
	 LOOKUP0 "r1 = 7\n*(u8 *)(r0 + 5) = r1\n" OUT, DIFF},
	{"r0 upper half counts for tracing", TRACING, "r0 = 0x100000000 ll\nexit", "r0 = 0\nexit",
	 DIFF},
	{"r0 low half for XDP", XDP, "r0 = 1\nexit", "r0 = 2\nexit", DIFF},
	{"packet write of another value", XDP,
	 PKT2 "r5 = 1\n*(u8 *)(r2 + 1) = r5\nr0 = 2\nexit\n" OUT,
	 PKT2 "r5 = 3\n*(u8 *)(r2 + 1) = r5\nr0 = 2\nexit\n" OUT, DIFF},
	{"packet bounds check off by one", XDP,
	 "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 20\nif r4 > r3 goto @out\n"
	 "r0 = *(u8 *)(r2 + 19)\nexit\n" OUT,
	 "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 19\nif r4 > r3 goto @out\n"
	 "r0 = *(u8 *)(r2 + 19)\nexit\n" OUT,
	 DIFF},
	{"lookup key 0 vs 1", XDP, LOOKUP0 "r0 = *(u64 *)(r0 + 0)\nexit\n" OUT,
	 "r1 = 1\n*(u32 *)(r10 - 4) = r1\nldmap 1, 1\nr2 = r10\nr2 += -4\ncall 1\n"
	 "if r0 == 0 goto @out\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT,
	 DIFF},
	{"fetch-add returns the old value", TRACING,
	 S64 "*(u64 *)(r10 - 8) = r6\ninsn 0xdb, 10, 7, -8, 0x01 // r7 = atomic_fetch_add(r10-8)\n"
	     "r0 = r7\nexit",
	 S64 "*(u64 *)(r10 - 8) = r6\nlock *(u64 *)(r10 - 8) += r7\nr0 = *(u64 *)(r10 - 8)\nexit",
	 DIFF},
	{"movsx 8 vs 16", TRACING, S64 "insn 0xbf, 0, 6, 8, 0 // r0 = (s8)r6\nexit",
	 S64 "insn 0xbf, 0, 6, 16, 0 // r0 = (s16)r6\nexit", DIFF},
	{"be16 vs le16", XDP, S64 "r6 = be16 r6\nr0 = r6\nexit", S64 "r6 = le16 r6\nr0 = r6\nexit",
	 DIFF},
	{"u32 load vs sign-extending load", TRACING,
	 S64 "*(u64 *)(r10 - 8) = r6\nr0 = *(u32 *)(r10 - 8)\nexit",
	 S64 "*(u64 *)(r10 - 8) = r6\ninsn 0x81, 0, 10, -8, 0 // r0 = *(s32 *)(r10 - 8)\nexit",
	 DIFF},
	{"jset vs jne", XDP,
	 S64 "r0 = 0\ninsn 0x45, 6, 0, 1, 3 // if r6 & 3 goto +1\nexit\nr0 = 1\nexit",
	 S64 "r0 = 0\nif r6 != 3 goto @l\nexit\n@l:\nr0 = 1\nexit", DIFF},
	{"unsigned vs signed division", XDP, S64 "r6 /= r7\nr0 = r6\nexit",
	 S64 "insn 0x3f, 6, 7, 1, 0 // r6 s/= r7\nr0 = r6\nexit", DIFF},
	/*
	 * 32 bits: Z3 takes from 2 s to over a minute on the 64-bit remainders,
	 * depending on the terms made before (64-bit division is the pair above)
	 */
	{"unsigned vs signed modulo", XDP, S64 "insn 0x9c, 6, 7, 0, 0 // w6 %= w7\nr0 = r6\nexit",
	 S64 "insn 0x9c, 6, 7, 1, 0 // w6 s%= w7\nr0 = r6\nexit", DIFF},
	{"hash lookup may miss", XDP,
	 "r1 = 3\n*(u32 *)(r10 - 4) = r1\nldmap 1, 2\nr2 = r10\nr2 += -4\ncall 1\n"
	 "if r0 != 0 goto @l\nr0 = 0\nexit\n@l:\nr0 = 1\nexit",
	 "r0 = 1\nexit", DIFF},
	{"neg 32 vs 64 (tracing)", TRACING, S64 "w6 = -w6\nr0 = r6\nexit",
	 S64 "r6 = -r6\nr0 = r6\nexit", DIFF},
	{"mul vs wrong shift", XDP, S64 "r6 *= 4\nr0 = r6\nexit", S64 "r6 <<= 3\nr0 = r6\nexit",
	 DIFF},
	{"helper result used twice vs two calls", XDP, "call 7\nr6 = r0\nr0 += r6\nexit",
	 "call 7\nr6 = r0\ncall 7\nr0 += r6\nexit", DIFF},
	{"dead store to a live stack slot read later", XDP,
	 S64 "*(u64 *)(r10 - 8) = r6\n*(u64 *)(r10 - 8) = r7\nr0 = *(u64 *)(r10 - 8)\nexit",
	 S64 "*(u64 *)(r10 - 8) = r7\n*(u64 *)(r10 - 8) = r6\nr0 = *(u64 *)(r10 - 8)\nexit", DIFF},
	{"u32 ctx field compared as 64 bits after sign extension", XDP,
	 U32 "r0 = 0\nif r6 s> 5 goto @l\nexit\n@l:\nr0 = 1\nexit",
	 U32 "r0 = 0\nif w6 s> 5 goto @l\nexit\n@l:\nr0 = 1\nexit", DIFF},

	{"u64 read of a u32 ctx field faults", XDP, U32 "w0 = w6\nexit",
	 "r6 = *(u64 *)(r1 + 12)\nw0 = w6\nexit", DIFF},
	{"tc: cb[0] write of another value", TC, "r2 = 1\n*(u32 *)(r1 + 48) = r2\nr0 = 0\nexit",
	 "r2 = 2\n*(u32 *)(r1 + 48) = r2\nr0 = 0\nexit", DIFF},
	{"tc: cb[0] written twice = once", TC,
	 "r2 = 1\n*(u32 *)(r1 + 48) = r2\nr2 = 2\n*(u32 *)(r1 + 48) = r2\nr0 = 0\nexit",
	 "r2 = 2\n*(u32 *)(r1 + 48) = r2\nr0 = 0\nexit", EQ},
	{"tc: a field read twice", TC,
	 "r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 8)\nr0 = r2\nr0 -= r3\nexit", "r0 = 0\nexit",
	 EQ},

	{"LRU lookup is not dead (it marks the element used)", XDP, LOOKUP_IN(4) "r0 = 2\nexit",
	 "r0 = 2\nexit", DIFF},
	{"per-CPU array lookup key 0 vs 1", XDP,
	 LOOKUP_IN(3) "if r0 == 0 goto @out\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT,
	 "r1 = 1\n*(u32 *)(r10 - 4) = r1\nldmap 1, 3\nr2 = r10\nr2 += -4\ncall 1\n"
	 "if r0 == 0 goto @out\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT, DIFF},
	{"dropped array update", XDP, UPDATE(0, 7, 0) "r0 = 2\nexit", "r0 = 2\nexit", DIFF},
	{"array update of another key", XDP, UPDATE(0, 7, 0) "r0 = 2\nexit",
	 UPDATE(1, 7, 0) "r0 = 2\nexit", DIFF},
	{"array update of another value", XDP, UPDATE(0, 7, 0) "r0 = 2\nexit",
	 UPDATE(0, 8, 0) "r0 = 2\nexit", DIFF},
	{"array update: BPF_NOEXIST vs BPF_ANY", XDP, UPDATE(0, 7, 1) "exit", UPDATE(0, 7, 0) "exit",
	 DIFF},
	{"dropped hash update", XDP, UPDATE_IN(2, 5, 7, 0) "r0 = 2\nexit", "r0 = 2\nexit", DIFF},
	{"hash update of another key", XDP, UPDATE_IN(2, 5, 7, 0) "r0 = 2\nexit",
	 UPDATE_IN(2, 6, 7, 0) "r0 = 2\nexit", DIFF},
	{"hash update of another value", XDP, UPDATE_IN(2, 5, 7, 0) "r0 = 2\nexit",
	 UPDATE_IN(2, 5, 8, 0) "r0 = 2\nexit", DIFF},
	{"hash update: BPF_EXIST vs BPF_ANY", XDP, UPDATE_IN(2, 5, 7, 2) "exit",
	 UPDATE_IN(2, 5, 7, 0) "exit", DIFF},
	{"dropped hash delete", XDP, DELETE_IN(2, 5) "r0 = 2\nexit", "r0 = 2\nexit", DIFF},
	{"hash delete of another key", XDP, DELETE_IN(2, 5) "r0 = 2\nexit",
	 DELETE_IN(2, 6) "r0 = 2\nexit", DIFF},
	{"per-CPU hash: the update through a lookup pointer stays", XDP,
	 UPDATE_IN(6, 5, 7, 0)
	 "r1 = 5\n*(u32 *)(r10 - 4) = r1\nldmap 1, 6\nr2 = r10\nr2 += -4\ncall 1\n"
	 "if r0 == 0 goto @out\nr1 = 9\n*(u64 *)(r0 + 0) = r1\nr0 = 2\nexit\n" OUT,
	 UPDATE_IN(6, 5, 7, 0) "r0 = 2\nexit", DIFF},
	{"perf_event_output: a changed byte behind the data pointer", XDP,
	 S64C PERF_OUT(8) "r0 = 2\nexit", S64C "r6 += 1\n" PERF_OUT(8) "r0 = 2\nexit", DIFF},
	{"perf_event_output: another size", XDP, S64C PERF_OUT(8) "r0 = 2\nexit",
	 S64C "*(u64 *)(r10 - 8) = r6\nr1 = r9\nldmap 2, 5\nr3 = 0\nr4 = r10\nr4 += -8\nr5 = 4\n"
	     "call 25\nr0 = 2\nexit", DIFF},
	{"perf_event_output: another flags argument", XDP, S64C PERF_OUT(8) "r0 = 2\nexit",
	 S64C "*(u64 *)(r10 - 8) = r6\nr1 = r9\nldmap 2, 5\nr3 = 1\nr4 = r10\nr4 += -8\nr5 = 8\n"
	     "call 25\nr0 = 2\nexit", DIFF},
	{"xdp_load_bytes at offset 3 vs 4", XDP,
	 "r2 = 3\nr3 = r10\nr3 += -8\nr4 = 1\ncall 189\nr0 = *(u8 *)(r10 - 8)\nexit",
	 "r2 = 4\nr3 = r10\nr3 += -8\nr4 = 1\ncall 189\nr0 = *(u8 *)(r10 - 8)\nexit", DIFF},
	{"tc: skb_load_bytes of 1 vs 2 bytes", TC,
	 "r2 = 12\nr3 = r10\nr3 += -8\nr4 = 1\ncall 26\nr0 = *(u8 *)(r10 - 8)\nexit",
	 "r2 = 12\nr3 = r10\nr3 += -8\nr4 = 2\ncall 26\nr0 = *(u8 *)(r10 - 7)\nexit", DIFF},
	{"trace_printk: another format byte", XDP,
	 "r1 = 0x0a6968\n*(u32 *)(r10 - 4) = r1\nr1 = r10\nr1 += -4\nr2 = 4\ncall 6\n"
	 "r0 = 2\nexit",
	 "r1 = 0x0a6969\n*(u32 *)(r10 - 4) = r1\nr1 = r10\nr1 += -4\nr2 = 4\ncall 6\n"
	 "r0 = 2\nexit", DIFF},
	{"fib_lookup: a changed byte of the params", XDP, "r9 = r1\n" FIB(64, 0) "r0 = 2\nexit",
	 "r9 = r1\n" FIB(64, 1) "r0 = 2\nexit", DIFF},
	{"redirect: another flags argument", XDP, "r1 = 1\nr2 = 0\ncall 23\nexit",
	 "r1 = 1\nr2 = 1\ncall 23\nexit", DIFF},
	{"csum_diff: a changed byte", XDP,
	 S64 "*(u64 *)(r10 - 8) = r6\nr1 = 0\nr2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\nr5 = 0\n"
	     "call 28\nr0 = 2\nexit",
	 S64 "r6 ^= 1\n*(u64 *)(r10 - 8) = r6\nr1 = 0\nr2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\n"
	     "r5 = 0\ncall 28\nr0 = 2\nexit", DIFF},
	{"tc: skb_set_tunnel_key: another tunnel id", TC, "r6 = r1\n" SETKEY(8, 5) "exit",
	 "r6 = r1\n" SETKEY(8, 6) "exit", DIFF},
	{"tc: skb_get_tunnel_key: another flags argument", TC,
	 "r6 = r1\n" GETKEY(48, 0) "r0 = 0\nexit", "r6 = r1\n" GETKEY(48, 1) "r0 = 0\nexit",
	 DIFF},
	{"check_mtu: another len_diff", XDP, "r6 = r1\n" MTU(4, 0) "r0 = 2\nexit",
	 "r6 = r1\n" MTU(4, 1) "r0 = 2\nexit", DIFF},
	{"LD_ABS vs a constant", SK, "r6 = r1\n" LDB(0) "exit", "r0 = 0\nexit", DIFF},
	{"LD_ABS of a neighbouring offset", SK, "r6 = r1\n" LDB(12) "exit",
	 "r6 = r1\n" LDB(13) "exit", DIFF},
	{"LD_ABS half vs byte", SK, "r6 = r1\n" LDH(12) "exit", "r6 = r1\n" LDB(13) "exit", DIFF},
	{"LD_IND: the register counts", SK, "r6 = r1\nr7 = 10\n" LDIB(7, 4) "exit",
	 "r6 = r1\nr7 = 11\n" LDIB(7, 4) "exit", DIFF},

	/* ---- unknown by design ---- */
	/*
	 * They differ only on a packet of 1 byte, which the model allows but the
	 * XDP test run refuses (less than an Ethernet header): the counterexample
	 * does not replay, so the answer must be UNKNOWN, not DIFFERENT.
	 */
	{"counterexample the interpreter cannot take", XDP, PKT2 "r0 = *(u8 *)(r2 + 1)\nexit\n" OUT,
	 "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 1\nif r4 > r3 goto @out\n"
	 "r0 = *(u8 *)(r2 + 1)\nexit\n" OUT,
	 UNK},
	/* never assume away a long packet: not EQUIVALENT (the input does not replay) */
	{"packet longer than 64 KiB", XDP,
	 "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr3 -= r2\nr0 = 0\n"
	 "if r3 > 0xffff goto @l\nexit\n@l:\nr0 = 1\nexit",
	 "r0 = 0\nexit", UNK},
	{"loop", XDP, "r0 = 0\n@l:\nr0 += 1\nif r0 < 4 goto @l\nexit", "r0 = 4\nexit", UNK},
	/* different, but core/interp does not run probe_read: the answer is not replayed */
	{"probe_read_kernel of another address", TRACING,
	 "r3 = *(u64 *)(r1 + 0)\nr1 = r10\nr1 += -8\nr2 = 8\ncall 113\nr0 = *(u64 *)(r10 - 8)\n"
	 "exit",
	 "r3 = *(u64 *)(r1 + 8)\nr1 = r10\nr1 += -8\nr2 = 8\ncall 113\nr0 = *(u64 *)(r10 - 8)\n"
	 "exit", UNK},
	{"probe_read of the program's own stack (not modelled)", TRACING,
	 "r3 = r10\nr3 += -16\nr1 = r10\nr1 += -8\nr2 = 8\ncall 113\nr0 = 0\nexit",
	 "r0 = 0\nexit", UNK},
	/*
	 * Inserts of two keys in either order differ when the map has room for
	 * one: the interpreter's maps are never that full, so not replayed.
	 */
	{"hash inserts of two keys in either order", XDP,
	 UPDATE_IN(2, 5, 7, 0) UPDATE_IN(2, 6, 8, 0) "r0 = 2\nexit",
	 UPDATE_IN(2, 6, 8, 0) UPDATE_IN(2, 5, 7, 0) "r0 = 2\nexit", UNK},
	/*
	 * The packet perf_event_output sends differs in its first byte (changed
	 * for the call, then put back): the interpreter's trace does not hold
	 * the packet bytes the helper sends, so not replayed -- but not EQUIVALENT.
	 */
	{"perf_event_output sends a changed packet byte", XDP,
	 "r9 = r1\n" PKT2 "r7 = r2\nr8 = *(u8 *)(r2 + 0)\nr1 = 1\n*(u8 *)(r2 + 0) = r1\n"
	 PERF_PKT(8) "*(u8 *)(r7 + 0) = r8\nr0 = 2\nexit\n" OUT,
	 "r9 = r1\n" PKT2 PERF_PKT(8) "r0 = 2\nexit\n" OUT, UNK},
	/* device map values are read-only to programs */
	{"device map value write (refused)", XDP,
	 LOOKUP_IN(7) "if r0 == 0 goto @out\nr1 = 1\n*(u32 *)(r0 + 0) = r1\n" OUT, "r0 = 2\nexit",
	 UNK},
	/* an insert into a full LRU map evicts, in an order the model does not follow */
	{"LRU hash update (not modelled)", XDP, UPDATE_IN(4, 5, 7, 0) "r0 = 2\nexit",
	 "r0 = 2\nexit", UNK},
	/*
	 * The interpreter runs neither redirect_neigh nor (on inputs naming no
	 * cgroup) skb_cgroup_id, so the difference the solver finds cannot be
	 * replayed: UNKNOWN, where an argument left out of
	 * the comparison would make it EQUIVALENT.
	 */
	{"tc: skb_cgroup_id: its value, and one more", TC, "call 79\nexit",
	 "call 79\nr0 += 1\nexit", UNK},
	{"tc: redirect_neigh: a changed byte of the params", TC,
	 "r1 = 0\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r1\n*(u32 *)(r10 - 20) = r1\n"
	 "r1 = 3\nr2 = r10\nr2 += -20\nr3 = 20\nr4 = 0\ncall 152\nexit",
	 "r1 = 0\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r1\nr1 = 1\n"
	 "*(u32 *)(r10 - 20) = r1\nr1 = 3\nr2 = r10\nr2 += -20\nr3 = 20\nr4 = 0\ncall 152\nexit",
	 UNK},
	{"xdp_adjust_head (not modelled)", XDP, "r2 = 4\ncall 44\nr0 = 2\nexit", "r0 = 2\nexit",
	 UNK},
	{"helper not modelled (tail call)", XDP, "r2 = 0\nr3 = 0\ncall 12\nr0 = 0\nexit",
	 "r0 = 0\nexit", UNK},
	{"BPF-to-BPF call, recursive", XDP, "call @f\nexit\n@f:\ncall @f\nr0 = 1\nexit",
	 "r0 = 1\nexit", UNK},
	{"uninitialized register", XDP, "r0 = r5\nexit", "r0 = 0\nexit", UNK},
};

#endif
