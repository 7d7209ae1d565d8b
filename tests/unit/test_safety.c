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

#define SAFETY_MAP_FD 7
static const struct analysis_map safety_maps[] = {
	{.type = BPF_MAP_TYPE_HASH,
	 .key_size = 4,
	 .value_size = 8,
	 .max_entries = 16,
	 .ref = SAFETY_MAP_FD},
};

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

/* accepted; rejected with a message; rejected by the model only (stricter on purpose) */
#define A(d, t, x)                           \
	{                                    \
		d, t, x, OK, NULL, OK, false \
	}
#define R(d, t, x, m)                     \
	{                                 \
		d, t, x, NO, m, NO, false \
	}
#define S(d, t, x, m)                    \
	{                                \
		d, t, x, NO, m, OK, true \
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
	/* the packet */
	A("packet read inside the checked range", XDP,
	  XDP_PKT14 "r0 = *(u8 *)(r2 + 13)\nexit\n"
		    "r0 = 2\nexit\n"),
	R("packet read one byte past the checked range", XDP,
	  XDP_PKT14 "r0 = *(u8 *)(r2 + 14)\nexit\nr0 = 2\nexit\n", "invalid access to packet"),
	R("packet read without a check", XDP, "r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit\n",
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
	R("lookup with a scalar for the map", XDP,
	  "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\ncall 1\nr0 = 2\nexit\n",
	  "R1 type=scalar expected=map_ptr"),
	R("lookup with a scalar for the key", XDP, "r2 = 0\n" LD_MAP7(1) "call 1\nr0 = 2\nexit\n",
	  "R2 type=scalar"),
	S("lookup with an unwritten key (privileged loaders may)", XDP,
	  "r2 = r10\nr2 += -4\n" LD_MAP7(1) "call 1\nr0 = 2\nexit\n", "invalid read from stack"),
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
static int model_verdict(const struct bpf_insn *insns, size_t len, enum bpf_prog_type type,
			 const struct analysis_map *maps, const uint32_t *map_flags, uint32_t nmaps,
			 char *msg, size_t msgsz)
{
	struct analysis_env aenv = {.prog_type = type, .maps = maps, .nmaps = nmaps};
	struct safety_env senv = {
		.prog_type = type, .maps = maps, .nmaps = nmaps, .map_flags = map_flags};
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
		err = model_verdict(insns, len, c->type, safety_maps, NULL, 1, msg, sizeof(msg));
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
static int build(const char *text, struct bpf_insn **insns, struct prog **p,
		 struct analysis **a)
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
		CHECK(err == verdict, "%s: verdict %d, expected %d (%s)", descr, err, verdict,
		      msg);
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
	base_case("a rewrite that removes the rejection", &base,
		  BASE_HEAD "r4 = 0\n" BASE_TAIL, 2, 1, -EACCES,
		  "a rejection of the input's model went away");
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
	base_case("an accepted base, rewrite accepted", &ok, BASE_HEAD "r4 = 1\n" BASE_TAIL, 2,
		  1, 0, NULL);
	base_case("an accepted base, rewrite adds a rejection", &ok,
		  BASE_HEAD "r5 = 0\n" BASE_TAIL, 2, 1, -EACCES, "R4 !read_ok");
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
