// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/search: the windows of a program (boundaries exact),
 * their pre- and post-conditions, and the MCMC search on windows with a
 * known improvement (it must find it, and core/smt must prove the result
 * again here), windows where deleting looks cheaper but a helper reads the
 * bytes (it must not), windows that are already optimal (unchanged), and
 * determinism for a seed.
 *
 * Programs are assembly (clang -target bpf); encodings clang 14 cannot
 * assemble (map references, stores of immediates) use the `insn` macro.
 */
#include <errno.h>
#include <pthread.h>

#include "core/analysis.h"
#include "core/prog.h"
#include "core/search.h"
#include "core/search_internal.h"
#include "core/smt.h"
#include "tests/test.h"
#include "tests/unit/elf_text.h"

#define ASM_PRELUDE                                \
	"\t.macro insn code, dst, src, off, imm\n" \
	"\t.byte \\code, (\\src << 4) | \\dst\n"   \
	"\t.short \\off\n"                         \
	"\t.long \\imm\n"                          \
	"\t.endm\n"                                \
	"\t.text\n"

/* rX = map (LD_IMM64, BPF_PSEUDO_MAP_FD) with fd 7 (hash, 4-byte key) or 8 (perf array) */
#define LD_MAP7(reg) "insn 0x18, " #reg ", 1, 0, 7\ninsn 0, 0, 0, 0, 0\n"
#define LD_MAP8(reg) "insn 0x18, " #reg ", 1, 0, 8\ninsn 0, 0, 0, 0, 0\n"
#define LD_MAP9(reg) "insn 0x18, " #reg ", 1, 0, 9\ninsn 0, 0, 0, 0, 0\n"
/* fd 10: an array whose size its loader sets (max_entries 0 in an object) */
#define LD_MAP10(reg) "insn 0x18, " #reg ", 1, 0, 10\ninsn 0, 0, 0, 0, 0\n"
/* *(u32 *)(r10 + off) = imm, *(u64 *)(r10 + off) = imm: BPF_ST */
#define ST_W(off, imm) "insn 0x62, 10, 0, " #off ", " #imm "\n"

static const struct analysis_map amaps[] = {
	{.type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 16, .ref = 7},
	{.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	 .key_size = 4,
	 .value_size = 4,
	 .max_entries = 4,
	 .ref = 8},
	{.type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 8, .max_entries = 16, .ref = 9},
	{.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 0, .ref = 10},
};
static const struct interp_map_def imaps[] = {
	{.type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 16, .ref = 7},
	{.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	 .key_size = 4,
	 .value_size = 4,
	 .max_entries = 4,
	 .ref = 8},
	{.type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 8, .max_entries = 16, .ref = 9},
	{.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 0, .ref = 10},
};

/* One program, analysed. */
struct tprog {
	struct bpf_insn *insns;
	size_t len;
	struct prog *p;
	struct analysis *a;
	struct analysis_env aenv;
	struct smt_env senv;
};

static bool tprog_load(struct tprog *t, const char *text, enum bpf_prog_type type)
{
	char msg[PROG_MSG_SIZE] = "";

	memset(t, 0, sizeof(*t));
	if (test_assemble(ASM_PRELUDE, text, &t->insns, &t->len)) {
		CHECK(false, "assemble: %s", text);
		return false;
	}
	t->aenv = (struct analysis_env){.prog_type = type, .maps = amaps, .nmaps = 4};
	t->senv = (struct smt_env){.prog_type = type, .maps = imaps, .nmaps = 4};
	t->p = prog__new(t->insns, t->len, msg, sizeof(msg));
	if (!CHECK(t->p, "prog__new: %s", msg))
		return false;
	t->a = analysis__new(t->p, &t->aenv, msg, sizeof(msg));
	return CHECK(t->a, "analysis__new: %s", msg);
}

static void tprog_free(struct tprog *t)
{
	analysis__free(t->a);
	prog__free(t->p);
	free(t->insns);
}

static uint32_t nreal(const struct bpf_insn *w, uint32_t len)
{
	uint32_t i, n = 0;

	for (i = 0; i < len; i++)
		n += !search_insn_is_nop(&w[i]);
	return n;
}

/* ---- windows ---- */

static void test_windows(void)
{
	static const char *text = "r6 = r1\n"		     /* 0 */
				  "r2 = 0\n"		     /* 1 */
				  "*(u32 *)(r10 - 4) = r2\n" /* 2 */
				  "if r6 == 0 goto +2\n"     /* 3 */
				  "r0 = 1\n"		     /* 4 */
				  "r0 += 2\n"		     /* 5 */
				  "r0 = 3\n"		     /* 6: a jump target */
				  "call 5\n"		     /* 7: ktime_get_ns */
				  "r1 = 5 ll\n"		     /* 8-9 */
				  "r0 = 2\n"		     /* 10 */
				  "r0 += r1\n"		     /* 11 */
				  "exit\n";		     /* 12 */
	static const struct search_window want[] = {{0, 3}, {4, 2}, {6, 1}, {10, 2}};
	static const struct search_window want2[] = {{0, 2}, {1, 2}, {4, 2}, {6, 1}, {10, 2}};
	struct search_window w[16];
	struct tprog t;
	size_t n, i;

	if (!test_need_clang() || !tprog_load(&t, text, BPF_PROG_TYPE_XDP))
		goto out;
	n = search_windows(t.p, t.a, 8, w, 16);
	if (ASSERT_EQ(n, 4, "windows"))
		for (i = 0; i < n; i++) {
			ASSERT_EQ(w[i].start, want[i].start, "window start");
			ASSERT_EQ(w[i].len, want[i].len, "window len");
		}
	/* maxlen 2 cuts [0, 3) into two overlapping windows */
	n = search_windows(t.p, t.a, 2, w, 16);
	if (ASSERT_EQ(n, 5, "windows of at most 2"))
		for (i = 0; i < n; i++) {
			ASSERT_EQ(w[i].start, want2[i].start, "window start (maxlen 2)");
			ASSERT_EQ(w[i].len, want2[i].len, "window len (maxlen 2)");
		}
	/* more windows than room: the count, and only @max filled */
	ASSERT_EQ(search_windows(t.p, t.a, 8, w, 1), 4, "count beyond max");
	{
		struct smt_window_cond c;

		ASSERT_EQ(search_window_cond(t.p, t.a, 3, 2, &c), -EINVAL, "jump inside");
		ASSERT_EQ(search_window_cond(t.p, t.a, 0, 17, &c), -EINVAL, "too long");
		ASSERT_EQ(search_window_cond(t.p, t.a, 5, 2, &c), -EINVAL, "jump target inside");
		ASSERT_EQ(search_window_cond(t.p, t.a, 8, 1, &c), -EINVAL, "LD_IMM64");
		ASSERT_EQ(search_window_cond(t.p, t.a, 0, 3, &c), 0, "a window");
	}
	tprog_free(&t);
out:
	return;
}

/*
 * Windows stop at accesses no proof can take: a fill of a spilled pointer
 * (it reaches a window as a number; the next window starts with it typed)
 * and an access through a lookup's result before its NULL check.
 */
static void test_windows_unmodelled(void)
{
	static const struct search_window want[] = {{0, 3}, {4, 5}}; /* not [12, 13) */
	struct search_window w[8];
	struct tprog t;
	size_t n, i;

	if (!test_need_clang() || !tprog_load(&t,
					      "*(u64 *)(r10 - 8) = r1\n"  /* 0: spill ctx */
					      "r2 = 1\n"		  /* 1 */
					      "r3 = 2\n"		  /* 2 */
					      "r1 = *(u64 *)(r10 - 8)\n"  /* 3: fill: a barrier */
					      "r6 = *(u32 *)(r1 + 12)\n"  /* 4 */
					      "r6 += 1\n"		  /* 5 */
					      "*(u32 *)(r10 - 16) = r6\n" /* 6 */
					      "r2 = r10\n"		  /* 7 */
					      "r2 += -16\n" LD_MAP7(1)	  /* 8, 9-10 */
					      "call 1\n"		  /* 11 */
					      "r0 = *(u64 *)(r0 + 0)\n"   /* 12: not NULL-checked */
					      "exit\n",
					      BPF_PROG_TYPE_XDP))
		return;
	n = search_windows(t.p, t.a, 8, w, 8);
	if (ASSERT_EQ(n, 2, "windows"))
		for (i = 0; i < n; i++) {
			ASSERT_EQ(w[i].start, want[i].start, "window start");
			ASSERT_EQ(w[i].len, want[i].len, "window len");
		}
	tprog_free(&t);
}

/* A NOP (ja +0, as the search leaves them) belongs to a window; NOPs alone are none. */
static void test_windows_nops(void)
{
	struct search_window w[4];
	struct smt_window_cond c;
	struct tprog t;

	if (!test_need_clang() || !tprog_load(&t, "r0 = 1\n"
						"goto +0\n"
						"r0 += 1\n"
						"exit\n"
						"goto +0\n" /* unreachable */
						"exit\n",
					      BPF_PROG_TYPE_XDP))
		return;
	if (ASSERT_EQ(search_windows(t.p, t.a, 8, w, 4), 1, "one window across the NOP")) {
		ASSERT_EQ(w[0].start, 0, "start");
		ASSERT_EQ(w[0].len, 3, "len");
	}
	ASSERT_EQ(search_window_cond(t.p, t.a, 4, 1, &c), -ENOENT, "unreachable");
	tprog_free(&t);
	if (!tprog_load(&t, "goto +0\nr0 = 0\nexit\n", BPF_PROG_TYPE_XDP))
		return;
	if (ASSERT_EQ(search_windows(t.p, t.a, 1, w, 4), 1, "the NOP alone is no window"))
		ASSERT_EQ(w[0].start, 1, "start");
	tprog_free(&t);
}

/* ---- conditions ---- */

static void test_cond(void)
{
	static const char *text = "r6 = r1\n"		       /* 0 */
				  "r2 = *(u32 *)(r6 + 0)\n"    /* 1: data */
				  "r3 = *(u32 *)(r6 + 4)\n"    /* 2: data_end */
				  "r4 = r2\n"		       /* 3 */
				  "r4 += 14\n"		       /* 4 */
				  "if r4 > r3 goto +10\n"      /* 5 */
				  "r5 = *(u8 *)(r2 + 12)\n"    /* 6 */
				  "r5 &= 15\n"		       /* 7 */
				  "*(u32 *)(r10 - 4) = r5\n"   /* 8 */
				  "r7 = *(u32 *)(r6 + 12)\n"   /* 9: a scalar of 32 bits */
				  "r7 <<= 40\n"		       /* 10: 64 bits */
				  "r2 = r10\n"		       /* 11 */
				  "r2 += -4\n"		       /* 12 */
				  LD_MAP7(1)		       /* 13-14 */
				  "call 1\n"		       /* 15: map_lookup_elem */
				  "r0 = 0\n"		       /* 16 */
				  "exit\n";
	struct smt_window_cond c;
	struct tprog t;
	int off;

	if (!test_need_clang() || !tprog_load(&t, text, BPF_PROG_TYPE_XDP))
		return;
	if (ASSERT_EQ(search_window_cond(t.p, t.a, 6, 7, &c), 0, "cond of [6, 13)")) {
		ASSERT_EQ(c.regs[1].type, SMT_REG_CTX, "r1 ctx");
		ASSERT_EQ(c.regs[6].type, SMT_REG_CTX, "r6 ctx");
		ASSERT_EQ(c.regs[2].type, SMT_REG_PKT, "r2 pkt");
		ASSERT_EQ(c.regs[2].off, 0, "r2 off");
		ASSERT_EQ(c.regs[3].type, SMT_REG_PKT_END, "r3 pkt_end");
		ASSERT_EQ(c.regs[4].type, SMT_REG_PKT, "r4 pkt");
		ASSERT_EQ(c.regs[4].off, 14, "r4 off");
		ASSERT_EQ(c.regs[5].type, SMT_REG_NONE, "r5 not initialized");
		ASSERT_EQ(c.regs[0].type, SMT_REG_NONE, "r0 not initialized");
		ASSERT_EQ(c.regs[10].type, SMT_REG_STACK, "r10 stack");
		ASSERT_EQ(c.regs[10].off, 0, "r10 off");
		/* after r2 += -4: r2 is the key argument; r1 and r0 are overwritten */
		ASSERT_EQ(c.live_regs & 0x7ff, 1u << 2, "live registers");
		for (off = -512; off < 0; off++) {
			bool live = (c.live_stack[(off + 512) / 8] >> ((off + 512) % 8)) & 1;

			if (!CHECK(live == (off >= -4), "stack byte fp%d live %d", off, live))
				break;
		}
	}
	if (ASSERT_EQ(search_window_cond(t.p, t.a, 8, 1, &c), 0, "cond of [8, 9)")) {
		ASSERT_EQ(c.regs[5].type, SMT_REG_SCALAR32, "r5 &= 15: 32-bit scalar");
		ASSERT_EQ(c.live_regs & (1u << 5), 0, "r5 dead after the store");
	}
	if (ASSERT_EQ(search_window_cond(t.p, t.a, 11, 1, &c), 0, "cond of [11, 12)"))
		ASSERT_EQ(c.regs[7].type, SMT_REG_SCALAR, "r7 <<= 40: 64-bit scalar");
	tprog_free(&t);

	/* a pointer the solver does not model is an opaque 64-bit value */
	if (!tprog_load(&t,
			"r6 = r1\n"
			"*(u32 *)(r10 - 4) = r6\n"
			"r2 = r10\n"
			"r2 += -4\n" LD_MAP7(1) /* 4-5 */
			"call 1\n"		    /* 6: r0 = a value or NULL */
			"r7 = r0\n"		    /* 7 */
			"r0 = 0\n"
			"exit\n",
			BPF_PROG_TYPE_XDP))
		return;
	if (ASSERT_EQ(search_window_cond(t.p, t.a, 7, 1, &c), 0, "cond of [7, 8)")) {
		ASSERT_EQ(c.regs[0].type, SMT_REG_SCALAR, "r0 map value or NULL: opaque");
		ASSERT_EQ(c.regs[0].off, 0, "r0 off");
		/* what the call clobbered stays unreadable */
		ASSERT_EQ(c.regs[1].type, SMT_REG_NONE, "r1 clobbered by the call");
		ASSERT_EQ(c.regs[5].type, SMT_REG_NONE, "r5 clobbered by the call");
		ASSERT_EQ(c.regs[6].type, SMT_REG_CTX, "r6 ctx");
	}
	tprog_free(&t);

	/*
	 * Two registers into one map (a copy of a lookup's result made before
	 * its NULL check): the one the window reads stays a map value.
	 */
	if (!tprog_load(&t,
			"r1 = 0\n"
			"*(u32 *)(r10 - 4) = r1\n"
			"r2 = r10\n"
			"r2 += -4\n" LD_MAP7(1) /* 4-5 */
			"call 1\n"		    /* 6 */
			"r6 = r0\n"		    /* 7 */
			"if r6 == 0 goto +2\n"	    /* 8 */
			"r1 = *(u64 *)(r6 + 0)\n"  /* 9: the window reads r6 */
			"r0 = r1\n"		    /* 10 */
			"r0 = 0\n"
			"exit\n",
			BPF_PROG_TYPE_XDP))
		return;
	if (ASSERT_EQ(search_window_cond(t.p, t.a, 9, 2, &c), 0, "cond of [9, 11)")) {
		ASSERT_EQ(c.regs[6].type, SMT_REG_MAP_VALUE, "r6, read by the window: map value");
		ASSERT_EQ(c.regs[0].type, SMT_REG_SCALAR, "r0, the other: opaque");
	}
	tprog_free(&t);
}

/* ---- the search ---- */

struct scase {
	const char *descr;
	const char *text;
	uint32_t start, len;
	int expect_gain;      /* at least this many instructions fewer; 0: no change */
	int keep_store_off;   /* a store to r10 + this must remain (0: no such check) */
	uint32_t keep_store_size;
	bool opaque_live;     /* a live register the solver cannot read: search_recheck() only */
};

static const struct scase scases[] = {
	{"dead stack store deleted",
	 "r0 = 2\n"
	 "r2 = 7\n"
	 "*(u32 *)(r10 - 4) = r2\n"
	 "exit\n",
	 0, 3, 2, 0, 0, false},
	{"two 4-byte stores of immediates merged into one 8-byte store",
	 ST_W(-8, 1)
	 ST_W(-4, 0)
	 "r2 = r10\n"
	 "r2 += -8\n"
	 LD_MAP9(1)
	 "call 1\n"
	 "r0 = 0\n"
	 "exit\n",
	 0, 4, 1, -8, 8, false},
	{"r1 = 0; store of r1; r1 dead: one store of an immediate",
	 "r1 = 0\n"
	 "*(u32 *)(r10 - 4) = r1\n"
	 "r2 = r10\n"
	 "r2 += -4\n"
	 LD_MAP7(1)
	 "call 1\n"
	 "r0 = 0\n"
	 "exit\n",
	 0, 4, 1, -4, 4, false},
	{"redundant move",
	 "r6 = r1\n"
	 "r1 = r6\n"
	 "r0 = *(u32 *)(r1 + 12)\n"
	 "r2 = *(u32 *)(r6 + 16)\n"
	 "r0 += r2\n"
	 "exit\n",
	 0, 5, 1, 0, 0, false},
	{"a map key the helper reads stays",
	 "r6 = *(u32 *)(r1 + 12)\n"
	 "*(u32 *)(r10 - 4) = r6\n"
	 "r2 = r10\n"
	 "r2 += -4\n"
	 LD_MAP7(1)
	 "call 1\n"
	 "r0 = 0\n"
	 "exit\n",
	 0, 4, 0, -4, 4, false},
	{"the data perf_event_output reads stays",
	 "r6 = r1\n"
	 "r7 = *(u32 *)(r6 + 12)\n"
	 "*(u64 *)(r10 - 8) = r7\n"
	 "r1 = r6\n"
	 LD_MAP8(2)
	 "r3 = 0\n"
	 "r4 = r10\n"
	 "r4 += -8\n"
	 "r5 = 8\n"
	 "call 25\n"
	 "r0 = 0\n"
	 "exit\n",
	 0, 4, 1, -8, 8, false},
	{"a register the analysis knows is 0 at entry: the add goes",
	 "r2 = 0\n"
	 "r0 = *(u32 *)(r1 + 12)\n"
	 "if r0 == 5 goto +1\n"
	 "r0 += r2\n"
	 "exit\n",
	 3, 1, 1, 0, 0, false},
	{"known bits at entry: a mask that clears nothing goes",
	 "r3 = *(u8 *)(r1 + 12)\n"
	 "r0 = *(u32 *)(r1 + 16)\n"
	 "if r0 == 5 goto +2\n"
	 "r3 &= 255\n"
	 "r0 += r3\n"
	 "exit\n",
	 3, 2, 1, 0, 0, false},
	{"a live pointer the solver does not model, untouched: the dead store still goes",
	 ST_W(-4, 0)
	 "r2 = r10\n"
	 "r2 += -4\n"
	 LD_MAP7(1)
	 "call 1\n"		   /* 5: r0 = map value or NULL */
	 "r1 = 0\n"		   /* 6 */
	 "*(u32 *)(r10 - 8) = r1\n" /* 7: never read */
	 "r1 = 5\n"		   /* 8 */
	 "if r0 == 0 goto +1\n"
	 "r1 = 7\n"
	 "r0 = r1\n"
	 "exit\n",
	 6, 3, 2, 0, 0, true},
	{"a register known to hold the value already: writing it again goes",
	 "r7 = 0\n"
	 "r0 = *(u32 *)(r1 + 12)\n"
	 "if r0 == 5 goto +1\n"
	 "w7 = 0\n" /* 3: the window; r7 is 0 on both ways here */
	 "r0 += r7\n"
	 "exit\n",
	 3, 1, 1, 0, 0, false},
	{"a register that is 0 or 1 at entry: the add stays",
	 "r2 = 0\n"
	 "r0 = *(u32 *)(r1 + 12)\n"
	 "if r0 == 5 goto +1\n"
	 "r2 = 1\n"
	 "r0 += r2\n"
	 "exit\n",
	 4, 1, 0, 0, 0, false},
	/*
	 * As clang leaves CO-RE field reads: the offset in a register (what
	 * libbpf patches, outside the window), added to a copy of the packet
	 * pointer: the read rebases onto the packet pointer, the copy goes.
	 */
	{"a read through pointer + known offset rebases onto the pointer",
	 "r2 = *(u32 *)(r1 + 0)\n"
	 "r3 = *(u32 *)(r1 + 4)\n"
	 "r4 = r2\n"
	 "r4 += 14\n"
	 "if r4 > r3 goto +5\n"
	 "r5 = 12\n"
	 "r4 = r2\n" /* 6: the window */
	 "r4 += r5\n"
	 "r0 = *(u8 *)(r4 + 1)\n"
	 "exit\n"
	 "r0 = 0\n"
	 "exit\n",
	 6, 3, 2, 0, 0, false},
	/*
	 * A header after a variable-length one (IPv4 options): the pointer's
	 * variable part goes into a register the window cannot read, and the
	 * two byte loads through it merge.
	 */
	{"byte loads through a pointer at a variable packet offset merge",
	 "r2 = *(u32 *)(r1 + 0)\n"
	 "r3 = *(u32 *)(r1 + 4)\n"
	 "r4 = r2\n"
	 "r4 += 1\n"
	 "if r4 > r3 goto +12\n"
	 "r4 = *(u8 *)(r2 + 0)\n"
	 "r4 &= 15\n"
	 "r4 <<= 2\n"
	 "r2 += r4\n" /* 8: r2 = packet + 0..60, in steps of 4 */
	 "r5 = r2\n"
	 "r5 += 2\n"
	 "if r5 > r3 goto +5\n"
	 "r0 = *(u8 *)(r2 + 0)\n" /* 12: the window */
	 "r1 = *(u8 *)(r2 + 1)\n"
	 "r1 <<= 8\n"
	 "r0 |= r1\n"
	 "exit\n"
	 "r0 = 0\n"
	 "exit\n",
	 12, 4, 3, 0, 0, false},
	/*
	 * The same where the one register not initialized at the window's
	 * entry is live after it: the original writes it first, so it may
	 * hold the variable part in the proof (and a rewrite must write it).
	 */
	{"byte loads at a variable packet offset merge; the scratch is live after",
	 "r2 = *(u32 *)(r1 + 0)\n"
	 "r3 = *(u32 *)(r1 + 4)\n"
	 "r6 = 6\nr7 = 7\nr8 = 8\nr9 = 9\n"
	 "r4 = r2\n"
	 "r4 += 1\n"
	 "if r4 > r3 goto +16\n"
	 "r4 = *(u8 *)(r2 + 0)\n"
	 "r4 &= 15\n"
	 "r4 <<= 2\n"
	 "r2 += r4\n"
	 "r5 = r2\n"
	 "r5 += 2\n"
	 "if r5 > r3 goto +9\n"
	 "r0 = *(u8 *)(r2 + 0)\n" /* 16: the window; r0 the only register not initialized */
	 "r1 = *(u8 *)(r2 + 1)\n"
	 "r1 <<= 8\n"
	 "r0 |= r1\n"
	 "r0 += r6\nr0 += r7\nr0 += r8\nr0 += r9\n"
	 "exit\n"
	 "r0 = 0\n"
	 "exit\n",
	 16, 4, 3, 0, 0, false},
	/*
	 * A variable part the analysis cannot bound: tests draw offsets near
	 * 2^63, which the executor must fault on, not follow.
	 */
	{"a pointer at an unbounded packet offset: the executor faults, the search goes on",
	 "r6 = r1\n"
	 "call 5\n" /* r0 = ktime_get_ns(): any 64-bit value */
	 "r2 = *(u32 *)(r6 + 0)\n"
	 "r3 = *(u32 *)(r6 + 4)\n"
	 "r4 = r2\n"
	 "r4 += 1\n"
	 "if r4 > r3 goto +4\n"
	 "r2 += r0\n"
	 "r3 = *(u8 *)(r2 + 0)\n" /* 8: the window */
	 "r0 = r3\n"
	 "exit\n"
	 "r0 = 0\n"
	 "exit\n",
	 8, 2, 1, 0, 0, false},
	{"already optimal: unchanged",
	 "r0 = *(u32 *)(r1 + 12)\n"
	 "r0 += 1\n"
	 "exit\n",
	 0, 2, 0, 0, 0, false},
};

/* The rewrite still writes @size bytes at r10 + @off with one store. */
static bool keeps_store(const struct bpf_insn *w, uint32_t len, int off, uint32_t size)
{
	static const uint32_t sz[4] = {4, 2, 1, 8};
	uint32_t i;

	for (i = 0; i < len; i++) {
		uint8_t cls = BPF_CLASS(w[i].code);

		if ((cls == BPF_ST || cls == BPF_STX) && w[i].dst_reg == 10 && w[i].off == off &&
		    sz[BPF_SIZE(w[i].code) >> 3] == size)
			return true;
	}
	return false;
}

static void run_case(const struct scase *sc, struct smt_ctx *smt)
{
	struct search_params sp = {.seed = 42, .max_proposals = 6000};
	struct search_result res;
	struct smt_window_cond c;
	struct smt_result r;
	struct bpf_insn a[SEARCH_MAX_WINDOW], b[SEARCH_MAX_WINDOW];
	struct bpf_insn pa[SEARCH_PREFIX_MAX + SEARCH_MAX_WINDOW];
	struct bpf_insn pb[SEARCH_PREFIX_MAX + SEARCH_MAX_WINDOW];
	struct analysis_state as;
	uint32_t na = 0, nb = 0, i, np;
	struct tprog t;
	int err;

	if (!tprog_load(&t, sc->text, BPF_PROG_TYPE_XDP))
		return;
	err = search_window(t.p, t.a, &t.senv, smt, sc->start, sc->len, &sp, &res);
	if (!CHECK(err == 0, "%s: search_window returned %d", sc->descr, err))
		goto out;
	if (test_env.verbose)
		fprintf(stderr,
			"  %-62s %u -> %u, %llu proposals, %llu zero-error, %llu smt (%llu eq), "
			"%u tests, %.2fs\n",
			sc->descr, res.cost_before, res.cost_after,
			(unsigned long long)res.stats.proposals,
			(unsigned long long)res.stats.zero_error,
			(unsigned long long)res.stats.smt_queries,
			(unsigned long long)res.stats.smt_equivalent, res.stats.tests,
			res.stats.seconds);
	ASSERT_EQ(res.len, sc->len, sc->descr);
	CHECK(res.stats.proposals > 0, "%s: searched", sc->descr);
	if (sc->expect_gain) {
		CHECK(res.improved, "%s: improved", sc->descr);
		CHECK(nreal(res.insns, res.len) + sc->expect_gain <= nreal(t.insns + sc->start, sc->len),
		      "%s: %u instructions left of %u", sc->descr, nreal(res.insns, res.len),
		      nreal(t.insns + sc->start, sc->len));
		CHECK(res.cost_after < res.cost_before, "%s: cheaper", sc->descr);
	} else {
		CHECK(!res.improved, "%s: not improved", sc->descr);
		CHECK(!memcmp(res.insns, t.insns + sc->start, sc->len * sizeof(*res.insns)),
		      "%s: result is the original", sc->descr);
	}
	if (sc->keep_store_off)
		CHECK(keeps_store(res.insns, res.len, sc->keep_store_off, sc->keep_store_size),
		      "%s: store to fp%d of %u bytes kept", sc->descr, sc->keep_store_off,
		      sc->keep_store_size);
	if (!res.improved)
		goto out;
	/* prove it again: as a driver would, from the program */
	err = search_recheck(t.p, t.a, &t.senv, smt, sc->start, sc->len, res.insns, &r);
	CHECK(err == 0 && r.verdict == SMT_EQUIVALENT, "%s: search_recheck: %s (%s)", sc->descr,
	      smt_verdict_str(r.verdict), r.msg);
	if (sc->opaque_live)
		goto out;
	/* and by hand: the prefix of what the analysis knows, and the solver */
	for (i = 0; i < sc->len; i++) {
		if (!search_insn_is_nop(&t.insns[sc->start + i]))
			a[na++] = t.insns[sc->start + i];
		if (!search_insn_is_nop(&res.insns[i]))
			b[nb++] = res.insns[i];
	}
	if (!CHECK(search_window_cond(t.p, t.a, sc->start, sc->len, &c) == 0, "%s: cond",
		   sc->descr))
		goto out;
	/* what the analysis knows of every scalar at entry, as the search's proofs use it */
	if (!CHECK(analysis_state(t.a, sc->start, &as) == 0, "%s: state", sc->descr))
		goto out;
	np = search_window_prefix(&as, &c, 0x3ff, search_reads_first(a, na),
				  c.live_regs & ~search_writes(a, na), pa);
	memcpy(pb, pa, np * sizeof(*pa));
	memcpy(pa + np, a, na * sizeof(*a));
	memcpy(pb + np, b, nb * sizeof(*b));
	if (!np && !nb) {
		/* everything deleted: the solver takes a write of a dead register instead */
		for (i = 0; i < 10 && ((c.live_regs >> i) & 1); i++)
			;
		pb[nb++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = i};
	}
	err = smt_check_window(smt, pa, np + na, pb, np + nb, &t.senv, &c, &r);
	CHECK(err == 0 && r.verdict == SMT_EQUIVALENT, "%s: re-check: %s (%s)", sc->descr,
	      smt_verdict_str(r.verdict), r.msg);
out:
	tprog_free(&t);
}

static void test_search_cases(void)
{
	struct smt_ctx *smt;
	size_t i;

	if (!test_need_clang())
		return;
	smt = smt_ctx__new(2000);
	if (!CHECK(smt, "smt_ctx__new"))
		return;
	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++)
		run_case(&scases[i], smt);
	smt_ctx__free(smt);
}

/*
 * Soundness of what the solver is told about map value pointers.  Two
 * lookups in one map give pointers that may or may not be the same
 * element: a store through one must not be taken for what a load through
 * the other reads.  A map of no elements (an object's map its loader sizes)
 * has nothing to point at: no window through it may be "proven".
 */
static void test_map_pointers(void)
{
	static const char *two = ST_W(-4, 0)
		"r2 = r10\n"
		"r2 += -4\n" LD_MAP7(1)
		"call 1\n"
		"r7 = r0\n"
		"if r7 == 0 goto +9\n"
		"r2 = r10\n"
		"r2 += -4\n" LD_MAP7(1)
		"call 1\n"
		"if r0 == 0 goto +3\n"
		"r1 = 5\n" /* 14: the window */
		"*(u64 *)(r7 + 0) = r1\n"
		"r0 = *(u64 *)(r0 + 0)\n"
		"exit\n"
		"r0 = 0\n"
		"exit\n";
	static const char *unsized = ST_W(-4, 0)
		"r2 = r10\n"
		"r2 += -4\n" LD_MAP10(1)
		"call 1\n"
		"if r0 == 0 goto +4\n"
		"r1 = *(u64 *)(r0 + 0)\n" /* 7: the window */
		"r1 += 1\n"
		"*(u64 *)(r0 + 0) = r1\n"
		"r0 = 2\n"
		"exit\n";
	struct search_params sp = {.seed = 5, .max_proposals = 20000};
	struct search_result res;
	struct smt_window_cond c;
	struct smt_ctx *smt;
	struct tprog t;
	uint32_t i;
	bool loads;

	if (!test_need_clang())
		return;
	smt = smt_ctx__new(2000);
	if (!CHECK(smt, "smt_ctx__new"))
		return;
	if (tprog_load(&t, two, BPF_PROG_TYPE_XDP)) {
		if (ASSERT_EQ(search_window_cond(t.p, t.a, 14, 3, &c), 0, "cond of [14, 17)")) {
			ASSERT_EQ(c.regs[0].type, SMT_REG_MAP_VALUE, "r0 a map value");
			ASSERT_EQ(c.regs[7].type, SMT_REG_SCALAR, "r7, into the same map: opaque");
		}
		{
			/* what the store through r7 leaves is not what r0 points at */
			struct bpf_insn rw[3] = {t.insns[14], t.insns[15], t.insns[16]};
			struct analysis_state as;
			struct smt_result r;
			int err;

			rw[2] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 5};
			ASSERT_OK(analysis_state(t.a, 14, &as), "state");
			err = search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 14, rw, 3, &r);
			CHECK(err || r.verdict != SMT_EQUIVALENT,
			      "a load through r0 replaced by what was stored through r7: proven");
		}
		ASSERT_OK(search_window(t.p, t.a, &t.senv, smt, 14, 3, &sp, &res), "search");
		for (i = 0, loads = false; i < res.len; i++)
			loads |= BPF_CLASS(res.insns[i].code) == BPF_LDX && res.insns[i].dst_reg == 0;
		CHECK(loads, "r0 no longer loaded through its own pointer (improved: %d)",
		      res.improved);
		tprog_free(&t);
	}
	if (tprog_load(&t, unsized, BPF_PROG_TYPE_XDP)) {
		/* a 64-bit counter incremented as a byte: wrong, and must not be proven */
		struct bpf_insn rw[3] = {t.insns[7], t.insns[8], t.insns[9]};
		struct analysis_state as;
		struct smt_result r;
		int err;

		rw[0].code = BPF_LDX | BPF_MEM | BPF_B;
		rw[2].code = BPF_STX | BPF_MEM | BPF_B;
		ASSERT_OK(search_window_cond(t.p, t.a, 7, 3, &c), "cond of [7, 10)");
		ASSERT_OK(analysis_state(t.a, 7, &as), "state");
		err = search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 7, rw, 3, &r);
		CHECK(err || r.verdict != SMT_EQUIVALENT,
		      "a byte-wide increment of a u64 in a map of no elements proven equivalent");
		ASSERT_OK(search_window(t.p, t.a, &t.senv, smt, 7, 3, &sp, &res), "search");
		CHECK(!res.improved, "a window through a map of no elements was rewritten");
		tprog_free(&t);
	}
	smt_ctx__free(smt);
}

static void test_determinism(void)
{
	struct search_params sp = {.seed = 7, .max_proposals = 3000, .chains = 2};
	struct search_result r1, r2;
	struct smt_ctx *s1, *s2;
	struct tprog t;

	if (!test_need_clang() || !tprog_load(&t, scases[2].text, BPF_PROG_TYPE_XDP))
		return;
	s1 = smt_ctx__new(2000);
	s2 = smt_ctx__new(2000);
	if (CHECK(s1 && s2, "smt contexts") &&
	    ASSERT_EQ(search_window(t.p, t.a, &t.senv, s1, 0, 4, &sp, &r1), 0, "first run") &&
	    ASSERT_EQ(search_window(t.p, t.a, &t.senv, s2, 0, 4, &sp, &r2), 0, "second run")) {
		CHECK(!memcmp(r1.insns, r2.insns, sizeof(r1.insns)), "same rewrite");
		ASSERT_EQ(r1.stats.proposals, r2.stats.proposals, "same proposals");
		ASSERT_EQ(r1.stats.accepted, r2.stats.accepted, "same accepted");
		ASSERT_EQ(r1.stats.smt_queries, r2.stats.smt_queries, "same solver queries");
		ASSERT_EQ(r1.stats.tests, r2.stats.tests, "same tests");
	}
	smt_ctx__free(s1);
	smt_ctx__free(s2);
	tprog_free(&t);
}

struct worker {
	const struct tprog *t;
	const struct scase *sc;
	struct search_result res;
	int err;
};

static void *worker_run(void *arg)
{
	struct search_params sp = {.seed = 11, .max_proposals = 3000, .chains = 2};
	struct worker *w = arg;
	struct smt_ctx *smt = smt_ctx__new(2000);

	w->err = smt ? search_window(w->t->p, w->t->a, &w->t->senv, smt, w->sc->start,
				      w->sc->len, &sp, &w->res)
		     : -ENOMEM;
	smt_ctx__free(smt);
	return NULL;
}

/* Searches on several threads at once (one smt_ctx each) give what they give alone. */
static void test_threads(void)
{
	enum { N = 4 };
	struct tprog t[N];
	struct worker w[N], alone;
	pthread_t th[N];
	int i, started = 0;

	if (!test_need_clang())
		return;
	for (i = 0; i < N; i++) {
		w[i] = (struct worker){.t = &t[i], .sc = &scases[i]};
		if (!tprog_load(&t[i], scases[i].text, BPF_PROG_TYPE_XDP))
			goto out;
		started++;
	}
	for (i = 0; i < N; i++)
		if (!CHECK(pthread_create(&th[i], NULL, worker_run, &w[i]) == 0, "pthread_create"))
			w[i].err = -EAGAIN;
	for (i = 0; i < N; i++) {
		if (w[i].err == -EAGAIN)
			continue;
		pthread_join(th[i], NULL);
	}
	for (i = 0; i < N; i++) {
		alone = (struct worker){.t = &t[i], .sc = &scases[i]};
		worker_run(&alone);
		if (!CHECK(w[i].err == 0 && alone.err == 0, "%s: searched (%d, %d)",
			   scases[i].descr, w[i].err, alone.err))
			continue;
		CHECK(!memcmp(w[i].res.insns, alone.res.insns, sizeof(alone.res.insns)),
		      "%s: the same rewrite on a thread and alone", scases[i].descr);
		ASSERT_EQ(w[i].res.stats.proposals, alone.res.stats.proposals, scases[i].descr);
		ASSERT_EQ(w[i].res.improved, alone.res.improved, scases[i].descr);
	}
out:
	for (i = 0; i < started; i++)
		tprog_free(&t[i]);
}

/*
 * The executor's ALU against core/interp (held to the kernel by its own
 * tests): random ALU and ALU32 instructions of every op, sdiv/smod, movsx
 * and byte swaps, on operands that hit the edges (0, -1, INT_MIN, shifts of
 * 31 and 63 and beyond).
 */
static void test_exec_alu(void)
{
	static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV,  BPF_OR,  BPF_AND, BPF_LSH,
				      BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR,  BPF_MOV, BPF_ARSH, BPF_END};
	static const uint64_t edge[] = {0, 1, 2, 31, 32, 63, 64, 0xff, 0x80000000, 0xffffffff,
					0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL};
	struct smt_window_cond c = {0};
	struct sx_env e = {.prog_type = BPF_PROG_TYPE_XDP, .cond = &c};
	struct sx_state *st = calloc(1, sizeof(*st) + SX_STACK + SX_CTX_SIZE + 64);
	struct interp_ctx *ic = interp_ctx__new(NULL, 0, NULL, 0);
	uint8_t pkt[64] = {0};
	uint64_t rng = 1;
	int k, ran = 0, bad = 0;

	if (!CHECK(st && ic, "allocations"))
		goto out;
	for (k = 0; k < 20000 && bad < 5; k++) {
		uint64_t a = sx_below(&rng, 3) ? sx_rand(&rng) : edge[sx_below(&rng, 13)];
		uint64_t b = sx_below(&rng, 3) ? sx_rand(&rng) : edge[sx_below(&rng, 13)];
		uint8_t op = ops[sx_below(&rng, sizeof(ops))];
		struct bpf_insn p[7], in = {.dst_reg = 1, .src_reg = 2};
		struct interp_input inp = {.pkt = pkt, .pkt_len = sizeof(pkt)};
		struct interp_result res;
		struct interp_prog *ip;

		in.code = (sx_below(&rng, 2) ? BPF_ALU64 : BPF_ALU) | op |
			  (sx_below(&rng, 2) ? BPF_X : BPF_K);
		if (BPF_SRC(in.code) == BPF_K || op == BPF_NEG || op == BPF_END) {
			in.src_reg = 0;
			in.imm = (int32_t)b;
		}
		if (op == BPF_NEG) {
			in.code &= ~BPF_X;
			in.imm = 0;
		} else if (op == BPF_END) {
			static const int32_t w[] = {16, 32, 64};

			in.imm = w[sx_below(&rng, 3)];
			if (BPF_CLASS(in.code) == BPF_ALU64)
				in.code &= ~BPF_X; /* bswap */
		} else if ((op == BPF_DIV || op == BPF_MOD) && sx_below(&rng, 2)) {
			in.off = 1;
		} else if (op == BPF_MOV && BPF_SRC(in.code) == BPF_X && sx_below(&rng, 2)) {
			static const int16_t w[] = {8, 16, 32};

			in.off = w[sx_below(&rng, BPF_CLASS(in.code) == BPF_ALU64 ? 3 : 2)];
		}
		p[0] = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1,
					 .imm = (int32_t)a};
		p[1] = (struct bpf_insn){.imm = (int32_t)(a >> 32)};
		p[2] = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 2,
					 .imm = (int32_t)b};
		p[3] = (struct bpf_insn){.imm = (int32_t)(b >> 32)};
		p[4] = in;
		p[5] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = 1};
		p[6] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
		memset(st, 0, sizeof(*st));
		st->r[1] = (struct sx_reg){.v = a, .tag = SX_SCALAR};
		st->r[2] = (struct sx_reg){.v = b, .tag = SX_SCALAR};
		sx_run(&e, &in, 1, st);
		if (prog_validate(p, 7, NULL, 0)) {
			/* what the kernel refuses on sight (constant shifts out of range, ...) */
			if (!CHECK(st->status != SX_OK, "insn %02x off %d imm %d: invalid, "
				   "run by the executor", in.code, in.off, in.imm))
				bad++;
			continue;
		}
		ip = interp_prog__new(p, 7, BPF_PROG_TYPE_XDP, NULL, 0);
		if (!CHECK(ip, "interp_prog__new"))
			break;
		if (interp_run(ic, ip, &inp, &res) == 0 && res.status == INTERP_OK) {
			ran++;
			if (!CHECK(st->status == SX_OK && st->r[1].v == res.r0,
				   "insn %02x off %d imm %d on %#llx, %#llx: executor %#llx (status %d), "
				   "interp %#llx", in.code, in.off, in.imm, (unsigned long long)a,
				   (unsigned long long)b, (unsigned long long)st->r[1].v, st->status,
				   (unsigned long long)res.r0))
				bad++;
		}
		interp_prog__free(ip);
	}
	if (test_env.verbose)
		fprintf(stderr, "  %d instructions compared with core/interp\n", ran);
	ASSERT_GE(ran, 15000, "instructions compared");
out:
	interp_ctx__free(ic);
	free(st);
}


/* ---- windows with jumps inside (regions) ---- */

#define INS(CODE, DST, SRC, OFF, IMM) \
	((struct bpf_insn){.code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF), .imm = (IMM)})

/*
 * The executor takes forward jumps inside a window; the strip keeps them
 * aimed at the same instructions; reads before writes follow every path.
 */
static void test_region_exec(void)
{
	struct bpf_insn sel[] = {INS(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 1),
				 INS(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 1, 0),
				 INS(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0),
				 INS(BPF_ALU | BPF_LSH | BPF_K, 0, 0, 0, 1)};
	/* ja over the else arm; a NOP on each side of a target */
	struct bpf_insn ite[] = {INS(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 3, 7),
				 INS(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 10),
				 INS(BPF_JMP | BPF_JA, 0, 0, 3, 0),
				 INS(BPF_JMP | BPF_JA, 0, 0, 0, 0),
				 INS(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 20),
				 INS(BPF_JMP | BPF_JA, 0, 0, 0, 0),
				 INS(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1)};
	struct bpf_insn out_of[] = {INS(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 2, 0),
				    INS(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0)};
	struct bpf_insn path[] = {INS(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 1, 0),
				  INS(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0),
				  INS(BPF_ALU64 | BPF_MOV | BPF_X, 3, 1, 0, 0)};
	struct smt_window_cond c = {0};
	struct sx_env e = {.prog_type = BPF_PROG_TYPE_XDP, .cond = &c};
	struct sx_state *st = calloc(1, sizeof(*st) + SX_STACK + SX_CTX_SIZE + 64);
	struct bpf_insn b[8];
	uint32_t nb;

	if (!CHECK(st, "allocation"))
		return;
	st->r[2] = (struct sx_reg){.v = 0, .tag = SX_SCALAR};
	sx_run(&e, sel, 4, st);
	ASSERT_EQ(st->status, SX_OK, "select runs");
	ASSERT_EQ(st->r[0].v, 0, "r2 == 0: w0 = 0, << 1");
	ASSERT_EQ(st->taken, -1, "no tail");
	st->r[2].v = 5;
	sx_run(&e, sel, 4, st);
	ASSERT_EQ(st->r[0].v, 2, "r2 != 0: the jump skips w0 = 0");
	st->r[2].v = 7;
	sx_run(&e, ite, 7, st);
	ASSERT_EQ(st->r[0].v, 21, "r2 == 7: the else arm, then += 1");
	st->r[2].v = 8;
	sx_run(&e, ite, 7, st);
	ASSERT_EQ(st->r[0].v, 11, "r2 != 7: the then arm, ja over the else, += 1");
	st->r[0].v = 99;
	sx_run(&e, out_of, 2, st);
	ASSERT_EQ(st->status, SX_OK, "a jump past the window's end");
	ASSERT_EQ(st->exit, 1, "r2 != 0: out, one past the end (way 1)");
	ASSERT_EQ(st->r[0].v, 99, "w0 = 0 not run");
	st->r[2].v = 0;
	sx_run(&e, out_of, 2, st);
	ASSERT_EQ(st->exit, 0, "r2 == 0: through the end (way 0)");
	ASSERT_EQ(st->r[0].v, 0, "w0 = 0 run");
	out_of[0].off = -1;
	sx_run(&e, out_of, 2, st);
	ASSERT_EQ(st->status, SX_UNSUP, "a jump back");
	out_of[0].off = 2;
	free(st);
	{
		/* a NOP stripped before a jump past the end: the same way out */
		struct bpf_insn w[] = {INS(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 3, 0),
				       INS(BPF_JMP | BPF_JA, 0, 0, 0, 0),
				       INS(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0)};
		uint16_t ids[SMT_MAX_WEXITS];

		nb = search_strip(w, 3, b);
		if (ASSERT_EQ(nb, 2, "one NOP stripped"))
			ASSERT_EQ(b[0].off, 2, "way 1 past 2 insns: 0 + 1 + 2 = 2 + 1");
		ASSERT_EQ(search_exits(w, 3, ids), 2, "the end and one way out");
		ASSERT_EQ(ids[1], 1, "4 - 3");
		ASSERT_EQ(search_exits(out_of, 1, NULL), 0, "a tail is no way out");
	}

	nb = search_strip(ite, 7, b);
	if (ASSERT_EQ(nb, 5, "two NOPs stripped")) {
		ASSERT_EQ(b[0].off, 2, "the condition still lands on r0 = 20");
		ASSERT_EQ(b[2].off, 1, "ja still lands on r0 += 1");
	}
	ASSERT_EQ(search_reads_first(path, 3), (1u << 2) | (1u << 1),
		  "r1 is read unwritten on the taken path");
	ASSERT_EQ(search_reads_first(path + 1, 2), 0, "straight: r1 written first");
}

/* Whether the search improved the window; if not, a failure that says how far it got. */
static bool improved(const struct search_result *res)
{
	const struct search_stats *st = &res->stats;

	return CHECK(res->improved,
		     "region improved: %lu proposals, %lu zero-error, %lu queries (%lu eq, %lu "
		     "diff, %lu unknown), %u tests",
		     (unsigned long)st->proposals, (unsigned long)st->zero_error,
		     (unsigned long)st->smt_queries, (unsigned long)st->smt_equivalent,
		     (unsigned long)st->smt_different, (unsigned long)st->smt_unknown, st->tests);
}

/*
 * clang's select `w0 = 1; if r2 != 0 goto +1; w0 = 0; w0 <<= 1` is a window
 * with a jump inside; the search folds the shift into the arms.
 */
static void test_regions(void)
{
	static const char *text = "r2 = *(u32 *)(r1 + 12)\n" /* 0 */
				  "w0 = 1\n"		    /* 1 */
				  "if r2 != 0 goto +1\n"	    /* 2 */
				  "w0 = 0\n"		    /* 3 */
				  "w0 <<= 1\n"		    /* 4: a jump target */
				  "exit\n";		    /* 5 */
	static const struct search_window want[] = {{0, 3}, {3, 1}, {4, 1}};
	struct search_params sp = {.seed = 5, .max_proposals = 20000};
	struct search_window w[8];
	struct smt_window_cond c;
	struct search_result res;
	struct analysis_state as;
	struct smt_result r;
	struct smt_ctx *smt = NULL;
	struct bpf_insn rw[5];
	struct tprog t;
	size_t n, i;
	int jumps = 0;

	if (!test_need_clang() || !tprog_load(&t, text, BPF_PROG_TYPE_XDP))
		return;
	t.senv.nmaps = 3; /* counterexamples replay without the map of no elements */
	n = search_windows(t.p, t.a, 8, w, 8);
	if (ASSERT_EQ(n, 3, "windows: three blocks"))
		for (i = 0; i < n; i++) {
			ASSERT_EQ(w[i].start, want[i].start, "window start");
			ASSERT_EQ(w[i].len, want[i].len, "window len");
		}
	n = search_regions(t.p, t.a, 8, w, 8);
	if (ASSERT_EQ(n, 1, "one region"))
		CHECK(w[0].start == 0 && w[0].len == 5, "the region [0, 5): %u+%u", w[0].start,
		      w[0].len);
	n = search_regions(t.p, t.a, 3, w, 8);
	if (ASSERT_EQ(n, 1, "a region of 3"))
		CHECK(w[0].start == 1 && w[0].len == 3,
		      "what the jump jumps over first: [1, 4), not %u+%u", w[0].start, w[0].len);
	ASSERT_EQ(search_regions(t.p, t.a, 2, w, 8), 0, "no region in 2");
	ASSERT_EQ(search_window_cond(t.p, t.a, 1, 4, &c), 0, "[1, 5): a region");
	ASSERT_EQ(search_window_cond(t.p, t.a, 2, 2, &c), 0, "[2, 4): jump to the end");
	ASSERT_EQ(search_window_cond(t.p, t.a, 3, 2, &c), -EINVAL, "entered from outside");
	ASSERT_EQ(search_window_cond(t.p, t.a, 1, 2, &c), 0, "[1, 3): a tail window");
	ASSERT_EQ(search_window_cond(t.p, t.a, 2, 1, &c), -EINVAL, "a jump alone");
	ASSERT_EQ(search_window_cond(t.p, t.a, 1, 5, &c), -EINVAL, "an exit inside");
	smt = smt_ctx__new(5000);
	if (!CHECK(smt, "smt_ctx__new"))
		goto out;
	if (!CHECK(search_window_cond(t.p, t.a, 0, 5, &c) == 0 && analysis_state(t.a, 0, &as) == 0,
		   "cond of [0, 5)"))
		goto out;
	ASSERT_TRUE((c.live_regs >> 0) & 1, "r0 live after the region");
	/* by hand: w0 = 2 first, the shift gone */
	memcpy(rw, t.insns, sizeof(rw));
	rw[1].imm = 2;
	rw[4] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 5, &r), 0, "check");
	ASSERT_EQ(r.verdict, SMT_EQUIVALENT, "w0 = 2; if r2 != 0 goto end; w0 = 0");
	rw[2].code = BPF_JMP | BPF_JEQ | BPF_K;
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 5, &r), 0, "check");
	CHECK(r.verdict == SMT_DIFFERENT, "the condition inverted: %s (%s)",
	      smt_verdict_str(r.verdict), r.msg);
	rw[2].code = BPF_JMP | BPF_JNE | BPF_K;
	rw[2].off = 3;
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 5, &r), -EINVAL,
		  "a jump out of the window");
	/* the search finds it */
	ASSERT_EQ(search_window(t.p, t.a, &t.senv, smt, 0, 5, &sp, &res), 0, "search_window");
	if (improved(&res)) {
		/*
		 * Not `w0 = *(u32 *)(r1 + 12); w0 /= w0; w0 <<= w0` (x / 0 is
		 * 0), which it found before divisions were barred: a division
		 * costs more than the jump it saves.
		 */
		ASSERT_EQ(nreal(res.insns, 5), 4, "one instruction fewer");
		for (i = 0; i < 5; i++) {
			CHECK(BPF_OP(res.insns[i].code) != BPF_DIV ||
				      (BPF_CLASS(res.insns[i].code) != BPF_ALU &&
				       BPF_CLASS(res.insns[i].code) != BPF_ALU64),
			      "insn %zu: a division", i);
			jumps += search_is_inner_jump(&res.insns[i]);
		}
		ASSERT_EQ(jumps, 1, "the jump stays");
		ASSERT_EQ(search_recheck(t.p, t.a, &t.senv, smt, 0, 5, res.insns, &r), 0, "recheck");
		ASSERT_EQ(r.verdict, SMT_EQUIVALENT, "recheck");
	}
out:
	smt_ctx__free(smt);
	tprog_free(&t);
	/* a loop's jump goes back: never inside a window */
	if (!tprog_load(&t, "r0 = 0\n"
			    "r0 += 1\n"
			    "if r0 < 4 goto -2\n"
			    "r0 += 2\n"
			    "exit\n",
			BPF_PROG_TYPE_XDP))
		return;
	ASSERT_EQ(search_window_cond(t.p, t.a, 2, 2, &c), -EINVAL, "a backward jump inside");
	ASSERT_EQ(search_regions(t.p, t.a, 16, w, 8), 0, "no region around a backward jump");
	tprog_free(&t);
}

/*
 * A region with a way out: xdp-filter's `if (proto == ETH_P_8021Q || proto
 * == ETH_P_8021AD)` as clang leaves it, an or of two selects and a test of
 * the result, is two jumps, one of them to where the test went.
 */
static void test_ways_out(void)
{
	static const char *text = "r2 = *(u32 *)(r1 + 12)\n"  /* 0 */
				  "r1 = 1\n"		      /* 1 */
				  "w3 = 1\n"		      /* 2 */
				  "if w2 == 129 goto +1\n"    /* 3 */
				  "r3 = 0\n"		      /* 4 */
				  "if r2 == 43144 goto +1\n"  /* 5 */
				  "r1 = 0\n"		      /* 6 */
				  "r1 |= r3\n"		      /* 7 */
				  "if r1 != 1 goto +2\n"      /* 8: out, to 11 */
				  "r0 = 1\n"		      /* 9 */
				  "exit\n"		      /* 10 */
				  "r0 = r2\n"		      /* 11: reads r2 */
				  "exit\n";		      /* 12 */
	struct search_params sp = {.seed = 3, .max_proposals = 40000};
	struct search_window w[16];
	struct smt_window_cond c;
	struct search_result res;
	struct analysis_state as;
	struct smt_result r;
	struct smt_ctx *smt = NULL;
	struct bpf_insn rw[10];
	struct tprog t;
	size_t n, i;
	bool found = false;

	if (!test_need_clang() || !tprog_load(&t, text, BPF_PROG_TYPE_XDP))
		return;
	t.senv.nmaps = 3;
	n = search_regions(t.p, t.a, 16, w, 16);
	for (i = 0; i < n && i < 16; i++)
		found |= w[i].start == 0 && w[i].len == 10;
	CHECK(found, "the region [0, 10) with its way out among %zu", n);
	if (!CHECK(search_window_cond(t.p, t.a, 0, 10, &c) == 0 && analysis_state(t.a, 0, &as) == 0,
		   "cond of [0, 10)"))
		goto out;
	if (ASSERT_EQ(c.nexits, 2, "the end and a way out")) {
		ASSERT_EQ(c.exit_id[1], 1, "11 - 10");
		ASSERT_EQ(c.exit_live[0], 1u << 0, "r0 after the end");
		ASSERT_EQ(c.exit_live[1], 1u << 2, "r2 at 11");
		ASSERT_EQ(c.live_regs, (1u << 0) | (1u << 2), "live: the union");
	}
	ASSERT_EQ(search_window_cond(t.p, t.a, 0, 12, &c), -EINVAL, "an exit inside");
	smt = smt_ctx__new(5000);
	if (!CHECK(smt, "smt_ctx__new") || search_window_cond(t.p, t.a, 0, 10, &c))
		goto out;
	/* by hand: if w2 == 129 goto r0 = 1; if r2 != 43144 goto out; r0 = 1 */
	memcpy(rw, t.insns, sizeof(rw));
	for (i = 1; i < 9; i++)
		rw[i] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
	rw[3] = t.insns[3];
	rw[3].off = 5; /* to 9 */
	rw[5] = (struct bpf_insn){
		.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = 2, .off = 5, .imm = 43144};
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 10, &r), 0, "check");
	CHECK(r.verdict == SMT_EQUIVALENT, "two jumps and r0 = 1: %s (%s)",
	      smt_verdict_str(r.verdict), r.msg);
	/* r0 is dead on the way out: setting it first is the same */
	rw[1] = rw[9];
	rw[9] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 10, &r), 0, "check");
	CHECK(r.verdict == SMT_EQUIVALENT, "r0 = 1 first (dead on the way out): %s (%s)",
	      smt_verdict_str(r.verdict), r.msg);
	/* a pointer in r0 where it is dead, the way out: no type to merge with r0 = 1 */
	rw[1] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = 10};
	rw[9] = t.insns[9];
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 10, &r), 0, "check");
	CHECK(r.verdict == SMT_EQUIVALENT, "r0 = r10 first, r0 = 1 at the end: %s (%s)",
	      smt_verdict_str(r.verdict), r.msg);
	/* r2 is not: clobbering it on the way there is a difference */
	for (i = 1; i < 10; i++)
		rw[i] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
	rw[1] = t.insns[9];
	rw[2] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 4, .src_reg = 2};
	rw[3] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2, .imm = 7};
	rw[4] = t.insns[3];
	rw[4].dst_reg = 4;
	rw[4].off = 5; /* to the end */
	rw[5] = (struct bpf_insn){
		.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = 4, .off = 5, .imm = 43144};
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 10, &r), 0, "check");
	CHECK(r.verdict == SMT_DIFFERENT, "r2 clobbered, live on the way out: %s (%s)",
	      smt_verdict_str(r.verdict), r.msg);
	/* ... and dead through the end */
	rw[3] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
	rw[6] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2, .imm = 7};
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 10, &r), 0, "check");
	CHECK(r.verdict == SMT_EQUIVALENT, "r2 clobbered after the way out: %s (%s)",
	      smt_verdict_str(r.verdict), r.msg);
	{
		/* the same union of live registers, read at the other way: not the cached verdict */
		struct smt_window_cond c2 = c;

		c2.exit_live[0] |= 1u << 2;
		c2.exit_live[1] = 0;
		ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c2, t.insns, rw, 10, &r), 0,
			  "check");
		CHECK(r.verdict == SMT_DIFFERENT, "r2 live through the end: %s (%s)",
		      smt_verdict_str(r.verdict), r.msg);
	}
	/* the wrong way: the condition inverted */
	memcpy(rw, t.insns, sizeof(rw));
	rw[8].code = BPF_JMP | BPF_JEQ | BPF_K;
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 10, &r), 0, "check");
	CHECK(r.verdict == SMT_DIFFERENT, "out on r1 == 1: %s (%s)", smt_verdict_str(r.verdict),
	      r.msg);
	/* the jump out dropped: what either way reads is the same, the way is not */
	rw[8] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 10, &r), 0, "check");
	CHECK(r.verdict == SMT_DIFFERENT, "never out: %s (%s)", smt_verdict_str(r.verdict), r.msg);
	/* a way the original does not take */
	rw[8].code = BPF_JMP | BPF_JNE | BPF_K;
	rw[8].off = 3;
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns, rw, 10, &r), -EINVAL,
		  "a jump to 12");
	/* the search finds a shorter one, proven again */
	ASSERT_EQ(search_window(t.p, t.a, &t.senv, smt, 0, 10, &sp, &res), 0, "search_window");
	if (improved(&res)) {
		CHECK(nreal(res.insns, 10) <= 6, "at least three instructions fewer: %u",
		      nreal(res.insns, 10));
		ASSERT_EQ(search_recheck(t.p, t.a, &t.senv, smt, 0, 10, res.insns, &r), 0, "recheck");
		ASSERT_EQ(r.verdict, SMT_EQUIVALENT, "recheck");
	}
out:
	smt_ctx__free(smt);
	tprog_free(&t);
}

/* ---- windows that end in a conditional jump (tails) ---- */

/* The insns of @w[0..@len) that are not NOPs. */
static uint32_t strip(const struct bpf_insn *w, uint32_t len, struct bpf_insn *out)
{
	return search_strip(w, len, out);
}

/*
 * The straight-line decision code the proofs append (search_tail_decision())
 * against the kernel's jump semantics, both run in core/interp: every
 * condition, JMP and JMP32, register and immediate, on edge values.
 */
static void test_tail_decision(void)
{
	static const uint8_t ops[] = {BPF_JEQ, BPF_JNE,  BPF_JSET, BPF_JGT,  BPF_JGE, BPF_JLT,
				      BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE};
	static const uint64_t edge[] = {0, 1, 2, 63, 64, 0x7fffffff, 0x80000000, 0xffffffff,
					0x100000000ULL, 0x7fffffffffffffffULL,
					0x8000000000000000ULL, ~0ULL, ~1ULL};
	static const uint8_t scratch[3] = {3, 4, 5};
	struct interp_ctx *ic = interp_ctx__new(NULL, 0, NULL, 0);
	uint8_t pkt[64] = {0};
	uint64_t rng = 7;
	int k, ran = 0, bad = 0;

	if (!CHECK(ic, "interp_ctx__new"))
		return;
	for (k = 0; k < 6000 && bad < 5; k++) {
		uint64_t a = sx_below(&rng, 2) ? sx_rand(&rng) : edge[sx_below(&rng, 13)];
		uint64_t b = sx_below(&rng, 2) ? sx_rand(&rng) : edge[sx_below(&rng, 13)];
		struct bpf_insn j = {.dst_reg = 1, .src_reg = 2}, p[40], d[SEARCH_DECISION_MAX];
		struct interp_input in = {.pkt = pkt, .pkt_len = sizeof(pkt)};
		struct interp_result r1, r2;
		struct interp_prog *ip;
		uint32_t n = 0, nd, i;
		uint64_t taken;

		if (sx_below(&rng, 4) == 0)
			b = a + sx_below(&rng, 3) - 1; /* neighbours: the boundaries */
		j.code = (sx_below(&rng, 2) ? BPF_JMP : BPF_JMP32) | ops[sx_below(&rng, 11)] |
			 (sx_below(&rng, 2) ? BPF_X : BPF_K);
		if (BPF_SRC(j.code) == BPF_K) {
			j.src_reg = 0;
			j.imm = (int32_t)b;
		}
		p[n++] = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1,
					   .imm = (int32_t)a};
		p[n++] = (struct bpf_insn){.imm = (int32_t)(a >> 32)};
		p[n++] = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 2,
					   .imm = (int32_t)b};
		p[n++] = (struct bpf_insn){.imm = (int32_t)(b >> 32)};
		/* the jump itself: r0 = 1 where taken */
		p[n] = j;
		p[n++].off = 2;
		p[n++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0};
		p[n++] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
		p[n++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1};
		p[n++] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
		ip = interp_prog__new(p, n, BPF_PROG_TYPE_XDP, NULL, 0);
		if (!CHECK(ip, "interp_prog__new (jump)"))
			break;
		if (interp_run(ic, ip, &in, &r1) || r1.status != INTERP_OK) {
			interp_prog__free(ip);
			continue;
		}
		interp_prog__free(ip);
		/* the decision code: r0 = rS */
		n = 4;
		nd = search_tail_decision(&j, scratch, d);
		if (!CHECK(nd <= SEARCH_DECISION_MAX, "decision of %u insns", nd))
			break;
		for (i = 0; i < nd; i++)
			p[n++] = d[i];
		p[n++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0,
					   .src_reg = 3};
		p[n++] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
		ip = interp_prog__new(p, n, BPF_PROG_TYPE_XDP, NULL, 0);
		if (!CHECK(ip, "interp_prog__new (decision)"))
			break;
		if (!CHECK(interp_run(ic, ip, &in, &r2) == 0 && r2.status == INTERP_OK,
			   "decision code runs"))
			bad++;
		interp_prog__free(ip);
		taken = r1.r0;
		ran++;
		if (!CHECK(r2.r0 == taken, "jump %02x imm %d on %#llx, %#llx: taken %llu, decision %llu",
			   j.code, j.imm, (unsigned long long)a, (unsigned long long)b,
			   (unsigned long long)taken, (unsigned long long)r2.r0))
			bad++;
	}
	ASSERT_GE(ran, 5000, "jumps compared");
	interp_ctx__free(ic);
}

/* The search's executor decides jumps as core/interp does. */
static void test_tail_exec(void)
{
	static const uint8_t ops[] = {BPF_JEQ, BPF_JNE,  BPF_JSET, BPF_JGT,  BPF_JGE, BPF_JLT,
				      BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE};
	struct smt_window_cond c = {0};
	struct sx_env e = {.prog_type = BPF_PROG_TYPE_XDP, .cond = &c};
	struct sx_state *st = calloc(1, sizeof(*st) + SX_STACK + SX_CTX_SIZE + 64);
	struct sx_state *st2 = calloc(1, sizeof(*st2) + SX_STACK + SX_CTX_SIZE + 64);
	uint64_t rng = 9;
	int k, bad = 0;

	if (!CHECK(st && st2, "allocations"))
		goto out;
	for (k = 0; k < 20000 && bad < 5; k++) {
		uint64_t a = sx_rand(&rng), b = sx_below(&rng, 4) ? sx_rand(&rng) : a;
		struct bpf_insn j = {.dst_reg = 1, .src_reg = 2, .off = 3}, d[SEARCH_DECISION_MAX];
		static const uint8_t scratch[3] = {3, 4, 5};
		uint32_t nd;

		if (sx_below(&rng, 2))
			a = (uint32_t)a | (sx_below(&rng, 2) ? 0 : 0xffffffff00000000ULL);
		j.code = (sx_below(&rng, 2) ? BPF_JMP : BPF_JMP32) | ops[sx_below(&rng, 11)] |
			 (sx_below(&rng, 2) ? BPF_X : BPF_K);
		if (BPF_SRC(j.code) == BPF_K) {
			j.src_reg = 0;
			j.imm = (int32_t)b;
		}
		memset(st, 0, sizeof(*st));
		st->r[1] = (struct sx_reg){.v = a, .tag = SX_SCALAR};
		st->r[2] = (struct sx_reg){.v = b, .tag = SX_SCALAR};
		memcpy(st2, st, sizeof(*st));
		sx_run(&e, &j, 1, st);
		nd = search_tail_decision(&j, scratch, d);
		sx_run(&e, d, nd, st2);
		if (!CHECK(st->status == SX_OK && st2->status == SX_OK && st->taken >= 0 &&
			   (uint64_t)st->taken == st2->r[3].v,
			   "jump %02x imm %d on %#llx, %#llx: executor %d, decision %llu", j.code,
			   j.imm, (unsigned long long)a, (unsigned long long)b, st->taken,
			   (unsigned long long)st2->r[3].v))
			bad++;
	}
	/* a pointer operand: the executor refuses to decide */
	memset(st, 0, sizeof(*st));
	st->r[1] = (struct sx_reg){.v = 0, .tag = SX_STK};
	{
		struct bpf_insn j = {.code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = 1, .off = 1};

		sx_run(&e, &j, 1, st);
		ASSERT_EQ(st->status, SX_FAULT, "jump on a pointer");
	}
out:
	free(st);
	free(st2);
}

/*
 * A variable pointer's scratch live after the window: a rewrite that writes
 * it is proven, one that leaves it as the prefix made it is refused.
 */
static void test_var_scratch_live(void)
{
	const char *text = NULL;
	struct bpf_insn rw[4], nop = {.code = BPF_JMP | BPF_JA};
	struct smt_window_cond c;
	struct analysis_state as;
	struct smt_result r;
	struct smt_ctx *smt;
	struct tprog t;
	size_t i;

	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++)
		if (strstr(scases[i].descr, "the scratch is live after"))
			text = scases[i].text;
	if (!CHECK(text, "the case") || !test_need_clang() ||
	    !tprog_load(&t, text, BPF_PROG_TYPE_XDP))
		return;
	t.senv.nmaps = 3;
	smt = smt_ctx__new(5000);
	if (CHECK(smt, "smt_ctx__new") &&
	    CHECK(search_window_cond(t.p, t.a, 16, 4, &c) == 0 &&
		  analysis_state(t.a, 16, &as) == 0, "cond of [16, 20)")) {
		ASSERT_EQ(c.regs[2].type, SMT_REG_PKT, "r2: a packet pointer, variable part aside");
		ASSERT_EQ(c.regs[0].type, SMT_REG_SCALAR, "r0: its scratch");
		rw[0] = (struct bpf_insn){.code = BPF_LDX | BPF_MEM | BPF_H, .dst_reg = 0,
					  .src_reg = 2};
		rw[1] = rw[2] = rw[3] = nop;
		ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 16, rw, 4, &r), 0,
			  "check");
		CHECK(r.verdict == SMT_EQUIVALENT, "one 2-byte load into r0: %s (%s)",
		      smt_verdict_str(r.verdict), r.msg);
		rw[0].dst_reg = 1;
		ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 16, rw, 4, &r),
			  -EINVAL, "r0 not written");
	}
	smt_ctx__free(smt);
	tprog_free(&t);
}

/* data_end - data is the packet's length from there; data_end + 1 is refused. */
static void test_exec_pkt_len(void)
{
	struct smt_window_cond c = {0};
	struct sx_env e = {.prog_type = BPF_PROG_TYPE_XDP, .cond = &c};
	struct sx_state *st = calloc(1, sizeof(*st) + SX_STACK + SX_CTX_SIZE + 64);
	struct bpf_insn sub = {.code = BPF_ALU64 | BPF_SUB | BPF_X, .dst_reg = 1, .src_reg = 2};
	struct bpf_insn add = {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 1, .imm = 1};

	if (!CHECK(st, "allocation"))
		return;
	st->r[1] = (struct sx_reg){.tag = SX_PKT_END};
	st->r[2] = (struct sx_reg){.v = 14, .tag = SX_PKT};
	sx_set_pkt_len(st, 40);
	sx_run(&e, &sub, 1, st);
	ASSERT_EQ(st->status, SX_OK, "data_end - data runs");
	ASSERT_EQ(st->r[1].tag, SX_SCALAR, "a scalar");
	ASSERT_EQ(st->r[1].v, 26, "the length after data + 14");
	st->r[1] = (struct sx_reg){.v = 40, .tag = SX_PKT_END};
	sx_run(&e, &add, 1, st);
	ASSERT_EQ(st->status, SX_FAULT, "arithmetic on data_end");
	free(st);
}

/*
 * Windows with tails: listed where the jump compares scalars, not where it
 * checks packet bounds or NULL; the search folds a constant operand into
 * the jump and deletes what set it; the proof compares the decision and
 * what is live on both ways.
 */
static void test_tails(void)
{
	static const char *text = "r6 = r1\n"		    /* 0 */
				  "r1 = *(u32 *)(r6 + 12)\n" /* 1 */
				  "r2 = 64\n"		    /* 2 */
				  "if r2 > r1 goto +3\n"     /* 3: a tail (scalars) */
				  "r0 = *(u32 *)(r6 + 0)\n"  /* 4 */
				  "r3 = *(u32 *)(r6 + 4)\n"  /* 5 */
				  "if r0 > r3 goto +1\n"     /* 6: pointers: no tail */
				  "r0 = 1\n"		    /* 7 */
				  "r0 = 2\n"		    /* 8: a jump target */
				  "exit\n";		    /* 9 */
	struct search_params sp = {.seed = 3, .max_proposals = 8000};
	struct search_window w[8];
	struct smt_window_cond c;
	struct search_result res;
	struct analysis_state as;
	struct smt_result r;
	struct smt_ctx *smt;
	struct bpf_insn rw[4], b[4];
	struct tprog t;
	uint32_t nb;
	size_t n;

	if (!test_need_clang() || !tprog_load(&t, text, BPF_PROG_TYPE_XDP))
		return;
	n = search_windows(t.p, t.a, 8, w, 8);
	if (ASSERT_EQ(n, 4, "windows")) {
		ASSERT_EQ(w[0].start, 0, "first window");
		ASSERT_EQ(w[0].len, 4, "first window with its tail");
		ASSERT_EQ(w[1].start, 4, "second window");
		ASSERT_EQ(w[1].len, 2, "second window: no tail (a pointer comparison)");
		ASSERT_EQ(w[2].start, 7, "third window");
		ASSERT_EQ(w[3].start, 8, "fourth window: a jump target starts one");
	}
	/* a full last piece: one more window, ending in the jump */
	n = search_windows(t.p, t.a, 2, w, 8);
	if (ASSERT_EQ(n, 6, "windows of at most 2")) {
		ASSERT_EQ(w[2].start, 2, "the extra piece");
		ASSERT_EQ(w[2].len, 2, "the extra piece's length");
	}
	ASSERT_EQ(search_window_cond(t.p, t.a, 4, 3, &c), -EINVAL, "a pointer jump is no tail");
	ASSERT_EQ(search_window_cond(t.p, t.a, 3, 1, &c), -EINVAL, "a tail alone is no window");
	smt = smt_ctx__new(5000);
	if (!CHECK(smt, "smt_ctx__new"))
		goto out;
	t.senv.nmaps = 3; /* counterexamples replay without the map of no elements */
	if (!CHECK(search_window_cond(t.p, t.a, 1, 3, &c) == 0 &&
		   analysis_state(t.a, 1, &as) == 0, "cond of [1, 4)"))
		goto out;
	/* proofs by hand: r2 = 64; if r2 > r1  ==  if r1 < 64 */
	memcpy(rw, t.insns + 1, 3 * sizeof(*rw));
	rw[1] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
	rw[2] = (struct bpf_insn){.code = BPF_JMP | BPF_JLT | BPF_K, .dst_reg = 1, .off = 3,
				  .imm = 64};
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 1, rw, 3, &r), 0, "check");
	ASSERT_EQ(r.verdict, SMT_EQUIVALENT, "if r1 < 64");
	rw[2].code = BPF_JMP | BPF_JLE | BPF_K;
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 1, rw, 3, &r), 0, "check");
	CHECK(r.verdict == SMT_DIFFERENT, "if r1 <= 64: another branch at 64: %s (%s)",
	      smt_verdict_str(r.verdict), r.msg);
	/* r1 is a 32-bit load: JMP32 decides the same */
	rw[2].code = BPF_JMP32 | BPF_JLT | BPF_K;
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 1, rw, 3, &r), 0, "check");
	ASSERT_EQ(r.verdict, SMT_EQUIVALENT, "if w1 < 64 on a 32-bit value");
	rw[2].code = BPF_JMP | BPF_JLT | BPF_K;
	rw[2].off = 2;
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 1, rw, 3, &r), -EINVAL,
		  "another target");
	rw[2] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0};
	ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 1, rw, 3, &r), -EINVAL,
		  "the jump removed");
	/* the search finds the fold and the deletion */
	ASSERT_EQ(search_window(t.p, t.a, &t.senv, smt, 1, 3, &sp, &res), 0, "search_window");
	if (CHECK(res.improved, "tail window improved")) {
		nb = strip(res.insns, 3, b);
		ASSERT_EQ(nb, 2, "one instruction fewer");
		CHECK(search_is_tail(&res.insns[2]) && res.insns[2].off == 3,
		      "the jump stays last, to the same place");
		ASSERT_EQ(search_recheck(t.p, t.a, &t.senv, smt, 1, 3, res.insns, &r), 0, "recheck");
		ASSERT_EQ(r.verdict, SMT_EQUIVALENT, "recheck");
	}
	tprog_free(&t);

	/* the constant is read where the jump goes: it stays */
	if (!tprog_load(&t,
			"r2 = *(u32 *)(r1 + 16)\n" /* 0 */
			"r1 = *(u32 *)(r1 + 12)\n" /* 1 */
			"r2 = 64\n"		   /* 2 */
			"if r2 > r1 goto +2\n"	   /* 3 */
			"r0 = 1\n"
			"exit\n"
			"r0 = r2\n" /* 6: r2 live on the taken way */
			"exit\n",
			BPF_PROG_TYPE_XDP))
		goto out;
	t.senv.nmaps = 3; /* counterexamples replay without the map of no elements */
	if (CHECK(search_window_cond(t.p, t.a, 2, 2, &c) == 0 &&
		  analysis_state(t.a, 2, &as) == 0, "cond of [2, 4)")) {
		CHECK((c.live_regs >> 2) & 1, "r2 live after the jump (the taken way)");
		memcpy(rw, t.insns + 2, 2 * sizeof(*rw));
		rw[0] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
		rw[1] = (struct bpf_insn){.code = BPF_JMP | BPF_JLT | BPF_K, .dst_reg = 1,
					  .off = 2, .imm = 64};
		ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 2, rw, 2, &r), 0,
			  "check");
		CHECK(r.verdict == SMT_DIFFERENT, "r2 = 64 deleted but read on the taken way: %s (%s)",
		      smt_verdict_str(r.verdict), r.msg);
	}
	ASSERT_EQ(search_window(t.p, t.a, &t.senv, smt, 1, 3, &sp, &res), 0, "search_window");
	nb = strip(res.insns, 3, b);
	ASSERT_EQ(nb, 3, "nothing deleted");
	tprog_free(&t);

	/*
	 * Every register but the two the window names is live on: the
	 * decision goes into registers neither window touches (the same
	 * after both, so not compared).
	 */
	if (!tprog_load(&t,
			"r2 = *(u32 *)(r1 + 16)\n"
			"r6 = r2\n"
			"r1 = *(u32 *)(r1 + 12)\n"
			"r3 = 3\nr4 = 4\nr5 = 5\nr7 = 7\nr8 = 8\nr9 = 9\nr0 = 0\n"
			"r2 = 64\n"		/* 10: the window */
			"if r2 > r1 goto +1\n" /* 11 */
			"r0 += 1\n"
			"r0 += r3\nr0 += r4\nr0 += r5\nr0 += r6\nr0 += r7\nr0 += r8\n"
			"r0 += r9\n"
			"exit\n",
			BPF_PROG_TYPE_XDP))
		goto out;
	t.senv.nmaps = 3;
	if (CHECK(search_window_cond(t.p, t.a, 10, 2, &c) == 0 &&
		  analysis_state(t.a, 10, &as) == 0, "cond of [10, 12)")) {
		ASSERT_EQ(c.live_regs & 0x3ff, 0x3f9, "live: all but r1 and r2");
		rw[0] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
		rw[1] = (struct bpf_insn){.code = BPF_JMP | BPF_JLT | BPF_K, .dst_reg = 1,
					  .off = 1, .imm = 64};
		ASSERT_EQ(search_check_rewrite(smt, &t.senv, &as, &c, t.insns + 10, rw, 2, &r), 0,
			  "check with every other register live");
		CHECK(r.verdict == SMT_EQUIVALENT, "every other register live: %s (%s)",
		      smt_verdict_str(r.verdict), r.msg);
	}
out:
	smt_ctx__free(smt);
	tprog_free(&t);
}

static void test_bad_window(void)
{
	struct search_result res;
	struct smt_ctx *smt;
	struct tprog t;

	if (!test_need_clang() || !tprog_load(&t, "r0 = 1\nexit\n", BPF_PROG_TYPE_XDP))
		return;
	smt = smt_ctx__new(1000);
	if (CHECK(smt, "smt_ctx__new")) {
		ASSERT_EQ(search_window(t.p, t.a, &t.senv, smt, 0, 2, NULL, &res), -EINVAL,
			  "window with exit");
		ASSERT_EQ(search_window(t.p, t.a, &t.senv, smt, 1, 5, NULL, &res), -EINVAL,
			  "window beyond the end");
	}
	smt_ctx__free(smt);
	tprog_free(&t);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_windows);
	RUN_TEST(test_windows_nops);
	RUN_TEST(test_windows_unmodelled);
	RUN_TEST(test_cond);
	RUN_TEST(test_search_cases);
	RUN_TEST(test_map_pointers);
	RUN_TEST(test_determinism);
	RUN_TEST(test_threads);
	RUN_TEST(test_exec_alu);
	RUN_TEST(test_bad_window);
	RUN_TEST(test_tail_decision);
	RUN_TEST(test_tail_exec);
	RUN_TEST(test_tails);
	RUN_TEST(test_exec_pkt_len);
	RUN_TEST(test_var_scratch_live);
	RUN_TEST(test_region_exec);
	RUN_TEST(test_regions);
	RUN_TEST(test_ways_out);
	test_assemble_cleanup();
	return test_summary("test_search");
}
