// SPDX-License-Identifier: MIT
/*
 * Unit tests for core/smt: the pair table of tests/unit/smt_pairs.h (whole
 * programs: each pair proven EQUIVALENT, found DIFFERENT with a
 * counterexample core/interp confirms, or UNKNOWN by design), window checks
 * under pre- and post-conditions, the query cache, and both memory
 * encodings.
 *
 * All programs are assembled in one clang run: each program is a section of
 * its own ("p<i>a", "p<i>b") and is read back with libelf.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include "core/smt.h"
#include "tests/test.h"
#include "tests/unit/smt_pairs.h"

#define ASM_PRELUDE                                \
	"\t.macro insn code, dst, src, off, imm\n" \
	"\t.byte \\code, (\\src << 4) | \\dst\n"   \
	"\t.short \\off\n"                         \
	"\t.long \\imm\n"                          \
	"\t.endm\n"                                \
	"\t.macro ldmap dst, ref\n"                \
	"\tinsn 0x18, \\dst, 1, 0, \\ref\n"        \
	"\tinsn 0, 0, 0, 0, 0\n"                   \
	"\t.endm\n"

#define NPAIRS (sizeof(smt_pairs) / sizeof(smt_pairs[0]))

struct sec {
	char name[32];
	struct bpf_insn *insns;
	size_t len;
};

static struct sec *secs;
static size_t nsecs;
static bool assembled, have_clang;

static const struct interp_map_def maps[] = {
	{.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4, .ref = 1},
	{.type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 16, .ref = 2},
	{.type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
	 .ref = 3},
	{.type = BPF_MAP_TYPE_LRU_HASH, .key_size = 4, .value_size = 8, .max_entries = 16,
	 .ref = 4},
	{.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 4,
	 .ref = 5},
	{.type = BPF_MAP_TYPE_PERCPU_HASH, .key_size = 4, .value_size = 8, .max_entries = 16,
	 .ref = 6},
	{.type = BPF_MAP_TYPE_DEVMAP, .key_size = 4, .value_size = 4, .max_entries = 4, .ref = 7},
	{.type = BPF_MAP_TYPE_PROG_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 4,
	 .ref = 8},
};
#define NMAPS (sizeof(maps) / sizeof(maps[0]))

/* Write @text with "@label" made unique as ".L<prefix>_label". */
static void put_prog(FILE *f, const char *prefix, const char *text)
{
	fprintf(f, "\t.section %s,\"ax\",@progbits\n", prefix);
	for (; *text; text++) {
		if (*text == '@')
			fprintf(f, ".L%s_", prefix);
		else
			fputc(*text, f);
	}
	fputc('\n', f);
}

static int read_secs(const char *path)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd, err = 0;
	Elf *e;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_getshdrstrndx(e, &shstrndx)) {
		err = -EINVAL;
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name;
		struct sec *s;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || name[0] != 'p' || !(d = elf_getdata(scn, NULL)))
			continue;
		secs = realloc(secs, (nsecs + 1) * sizeof(*secs));
		s = &secs[nsecs++];
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->len = d->d_size / sizeof(struct bpf_insn);
		s->insns = malloc(d->d_size + 1);
		memcpy(s->insns, d->d_buf, d->d_size);
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return err;
}

/* Assemble every program of the tables once. */
static bool assemble_all(void)
{
	char dir[] = "/tmp/test_smt.XXXXXX", src[64], obj[64], cmd[256], name[32];
	size_t i;
	FILE *f;

	if (assembled)
		return have_clang;
	assembled = true;
	if (system("command -v clang >/dev/null 2>&1") != 0 || !mkdtemp(dir))
		return false;
	snprintf(src, sizeof(src), "%s/p.s", dir);
	snprintf(obj, sizeof(obj), "%s/p.o", dir);
	f = fopen(src, "w");
	if (!f)
		return false;
	fputs(ASM_PRELUDE, f);
	for (i = 0; i < NPAIRS; i++) {
		snprintf(name, sizeof(name), "p%zua", i);
		put_prog(f, name, smt_pairs[i].a);
		snprintf(name, sizeof(name), "p%zub", i);
		put_prog(f, name, smt_pairs[i].b);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target bpf -mcpu=v3 -c %s -o %s", src, obj);
	have_clang = system(cmd) == 0 && read_secs(obj) == 0;
	unlink(src);
	unlink(obj);
	rmdir(dir);
	return have_clang;
}

static const struct sec *find_sec(const char *name)
{
	size_t i;

	for (i = 0; i < nsecs; i++)
		if (!strcmp(secs[i].name, name))
			return &secs[i];
	return NULL;
}

static struct smt_ctx *sctx;

static void run_pairs(bool plain, int *counts)
{
	size_t i;

	for (i = 0; i < NPAIRS; i++) {
		const struct smt_pair *p = &smt_pairs[i];
		struct smt_env env = {
			.prog_type = p->type, .maps = maps, .nmaps = NMAPS, .plain = plain};
		struct smt_result res;
		const struct sec *a, *b;
		char name[32];
		int err;

		snprintf(name, sizeof(name), "p%zua", i);
		a = find_sec(name);
		snprintf(name, sizeof(name), "p%zub", i);
		b = find_sec(name);
		if (!CHECK(a && b, "%s: assembled", p->descr))
			continue;
		err = smt_check_prog(sctx, a->insns, a->len, b->insns, b->len, &env, &res);
		if (!CHECK(err == 0, "%s: check returned %d (%s)", p->descr, err, res.msg))
			continue;
		if (plain && strstr(res.msg, "plain encoding")) /* only the region encoding */
			continue;
		CHECK(res.verdict == (enum smt_verdict)p->expect, "%s%s: %s, expected %s (%s)",
		      p->descr, plain ? " [plain]" : "", smt_verdict_str(res.verdict),
		      smt_verdict_str(p->expect), res.msg);
		if (res.verdict == SMT_DIFFERENT)
			CHECK(res.replayed, "%s: counterexample replayed", p->descr);
		if (p->expect == UNK)
			CHECK(strstr(res.msg, "not modelled") || strstr(res.msg, "replay"),
			      "%s: UNKNOWN says why (%s)", p->descr, res.msg);
		counts[res.verdict]++;
		if (test_env.verbose)
			fprintf(stderr, "  %-50s %-10s %.3fs %s\n", p->descr,
				smt_verdict_str(res.verdict), res.seconds, res.msg);
	}
}

static void test_pairs(void)
{
	int counts[3] = {0, 0, 0};

	if (!assemble_all()) {
		test_skip("clang not installed or the pair table does not assemble");
		return;
	}
	ASSERT_GE(NPAIRS, 60, "pairs in the table");
	run_pairs(false, counts);
	fprintf(stderr, "  pairs: %zu (%d equivalent, %d different, %d unknown)\n", NPAIRS,
		counts[0], counts[1], counts[2]);
}

static void test_pairs_plain(void)
{
	int counts[3] = {0, 0, 0};

	if (!assemble_all()) {
		test_skip("clang not installed or the pair table does not assemble");
		return;
	}
	run_pairs(true, counts);
}

/* ---- windows ---- */

#define I(CODE, DST, SRC, OFF, IMM) \
	((struct bpf_insn){         \
		.code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF), .imm = (IMM)})

static void cond_init(struct smt_window_cond *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->regs[1].type = SMT_REG_CTX;
	c->regs[10].type = SMT_REG_STACK;
	for (i = 2; i < 10; i++)
		c->regs[i].type = SMT_REG_SCALAR;
}

static void test_window(void)
{
	struct smt_env env = {.prog_type = BPF_PROG_TYPE_XDP, .maps = maps, .nmaps = NMAPS};
	struct smt_window_cond c;
	struct smt_result res;
	struct smt_stats st;
	/* r2 *= 2  vs  r2 <<= 1 */
	struct bpf_insn mul[] = {I(BPF_ALU64 | BPF_MUL | BPF_K, 2, 0, 0, 2)};
	struct bpf_insn lsh[] = {I(BPF_ALU64 | BPF_LSH | BPF_K, 2, 0, 0, 1)};
	struct bpf_insn lsh2[] = {I(BPF_ALU64 | BPF_LSH | BPF_K, 2, 0, 0, 2)};
	/* r0 = r3  vs  w0 = w3 */
	struct bpf_insn mov64[] = {I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 3, 0, 0)};
	struct bpf_insn mov32[] = {I(BPF_ALU | BPF_MOV | BPF_X, 0, 3, 0, 0)};
	/* *(u64 *)(r10 - 8) = r2; r0 = r3  vs  r0 = r3 */
	struct bpf_insn st_mov[] = {I(BPF_STX | BPF_DW | BPF_MEM, 10, 2, -8, 0),
				    I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 3, 0, 0)};
	/* *(u32 *)(r10 - 8) = r2  vs  *(u32 *)(r10 - 7) = r2 */
	struct bpf_insn st8[] = {I(BPF_STX | BPF_W | BPF_MEM, 10, 2, -8, 0)};
	struct bpf_insn st7[] = {I(BPF_STX | BPF_W | BPF_MEM, 10, 2, -7, 0)};
	struct bpf_insn jmp[] = {I(BPF_JMP | BPF_JA, 0, 0, 1, 0)};

	if (!sctx)
		return;
	cond_init(&c);
	c.live_regs = 1 << 2;
	ASSERT_OK(smt_check_window(sctx, mul, 1, lsh, 1, &env, &c, &res), "mul/lsh window");
	ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "r2 *= 2 vs r2 <<= 1");
	ASSERT_FALSE(res.cached, "first query not cached");
	ASSERT_OK(smt_check_window(sctx, mul, 1, lsh, 1, &env, &c, &res), "again");
	ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "r2 *= 2 vs r2 <<= 1, again");
	ASSERT_TRUE(res.cached, "second query from the cache");
	ASSERT_OK(smt_check_window(sctx, mul, 1, lsh2, 1, &env, &c, &res), "mul/lsh2");
	ASSERT_EQ(res.verdict, SMT_DIFFERENT, "r2 *= 2 vs r2 <<= 2");
	ASSERT_TRUE(res.replayed, "window counterexample replayed");
	c.live_regs = 0;
	ASSERT_OK(smt_check_window(sctx, mul, 1, lsh2, 1, &env, &c, &res), "mul/lsh2 dead");
	ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "r2 *= 2 vs r2 <<= 2 with r2 dead");

	c.live_regs = 1 << 0;
	c.regs[3].type = SMT_REG_SCALAR32;
	ASSERT_OK(smt_check_window(sctx, mov64, 1, mov32, 1, &env, &c, &res), "mov32");
	ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "r0 = r3 vs w0 = w3, r3 upper half zero");
	c.regs[3].type = SMT_REG_SCALAR;
	ASSERT_OK(smt_check_window(sctx, mov64, 1, mov32, 1, &env, &c, &res), "mov32 any");
	ASSERT_EQ(res.verdict, SMT_DIFFERENT, "r0 = r3 vs w0 = w3, r3 any");
	ASSERT_TRUE(res.replayed, "window counterexample replayed");

	ASSERT_OK(smt_check_window(sctx, st_mov, 2, mov64, 1, &env, &c, &res), "dead store");
	ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "dead stack store removed");
	c.live_stack[(512 - 8) / 8] = 0xff;
	ASSERT_OK(smt_check_window(sctx, st_mov, 2, mov64, 1, &env, &c, &res), "live store");
	ASSERT_EQ(res.verdict, SMT_DIFFERENT, "store to a live stack slot removed");
	ASSERT_TRUE(res.replayed, "window counterexample replayed");

	c.live_regs = 0;
	ASSERT_OK(smt_check_window(sctx, st8, 1, st7, 1, &env, &c, &res), "st off by one");
	ASSERT_EQ(res.verdict, SMT_DIFFERENT, "stack store off by one");
	ASSERT_TRUE(res.replayed, "window counterexample replayed");
	memset(c.live_stack, 0, sizeof(c.live_stack));
	ASSERT_OK(smt_check_window(sctx, st8, 1, st7, 1, &env, &c, &res), "dead off by one");
	ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "stack store off by one, slot dead");

	ASSERT_OK(smt_check_window(sctx, jmp, 1, jmp, 1, &env, &c, &res), "jump");
	ASSERT_EQ(res.verdict, SMT_UNKNOWN, "a jump out of a window");
	ASSERT_TRUE(strstr(res.msg, "jump out") != NULL, "a jump out of a window: why");

	/*
	 * Forward jumps inside a window (to its end at most): clang's select
	 * `w0 = 1; if r2 != 0 goto +1; w0 = 0; w0 <<= 1` is
	 * `w0 = 2; if r2 != 0 goto +1; w0 = 0`.
	 */
	{
		struct bpf_insn sel[] = {I(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 1),
					 I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 1, 0),
					 I(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0),
					 I(BPF_ALU | BPF_LSH | BPF_K, 0, 0, 0, 1)};
		struct bpf_insn sel2[] = {I(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 2),
					  I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 1, 0),
					  I(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0)};
		/* the jump the other way round */
		struct bpf_insn inv[] = {I(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 2),
					 I(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 1, 0),
					 I(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0)};
		/* to the end directly, over two instructions */
		struct bpf_insn far[] = {I(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 2),
					 I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 2, 0),
					 I(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0),
					 I(BPF_ALU | BPF_MOV | BPF_K, 5, 0, 0, 0)};
		/* r4 written on one path only, from a register the solver cannot read */
		struct bpf_insn half[] = {I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 1, 0),
					  I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 1)};
		struct bpf_insn ex[] = {I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 1, 0),
					I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};

		c.live_regs = 1 << 0;
		ASSERT_OK(smt_check_window(sctx, sel, 4, sel2, 3, &env, &c, &res), "select");
		ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "select folded into its arms");
		ASSERT_OK(smt_check_window(sctx, sel, 4, inv, 3, &env, &c, &res), "inverted");
		ASSERT_EQ(res.verdict, SMT_DIFFERENT, "select with the condition inverted");
		ASSERT_TRUE(res.replayed, "window counterexample replayed (jumps)");
		ASSERT_OK(smt_check_window(sctx, sel, 4, far, 4, &env, &c, &res), "far");
		ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "r5 dead, a jump to the end");
		c.live_regs |= 1 << 5;
		ASSERT_OK(smt_check_window(sctx, sel, 4, far, 4, &env, &c, &res), "far r5");
		ASSERT_EQ(res.verdict, SMT_DIFFERENT, "r5 live: written on one path only");
		ASSERT_TRUE(res.replayed, "window counterexample replayed (r5)");
		c.regs[4].type = SMT_REG_NONE;
		c.live_regs = 1 << 4;
		ASSERT_OK(smt_check_window(sctx, half, 2, half, 2, &env, &c, &res), "half");
		ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "live r4 written on the same path in both");
		ASSERT_OK(smt_check_window(sctx, half, 2, half + 1, 1, &env, &c, &res), "half/all");
		ASSERT_TRUE(res.verdict != SMT_EQUIVALENT, "live r4 written on one path vs on all");
		ASSERT_TRUE(!strcmp(res.cex.what, "r4"), "the model shows r4 differing");
		ASSERT_TRUE(res.cex.regs[2] != 0, "on the path that does not write it (r2 != 0)");
		c.live_regs = 0;
		ASSERT_OK(smt_check_window(sctx, half, 2, half, 2, &env, &c, &res), "half dead");
		ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "r4 dead: the paths merge");
		c.regs[4].type = SMT_REG_SCALAR;
		ASSERT_OK(smt_check_window(sctx, ex, 2, ex, 2, &env, &c, &res), "exit");
		ASSERT_EQ(res.verdict, SMT_UNKNOWN, "an exit inside a window");
	}

	/*
	 * A map value at entry: the interpreter cannot replay the model, but
	 * the model carries the element's bytes, for the search's executor.
	 */
	{
		struct bpf_insn ld0[] = {I(BPF_LDX | BPF_W | BPF_MEM, 0, 6, 0, 0)};
		struct bpf_insn ld4[] = {I(BPF_LDX | BPF_W | BPF_MEM, 0, 6, 4, 0)};
		uint32_t x, y;

		cond_init(&c);
		c.regs[6].type = SMT_REG_MAP_VALUE;
		c.regs[6].map = 0;
		c.live_regs = 1 << 0;
		ASSERT_OK(smt_check_window(sctx, ld0, 1, ld4, 1, &env, &c, &res), "map value");
		ASSERT_TRUE(res.verdict != SMT_EQUIVALENT, "bytes 0-3 vs 4-7 of a map value");
		if (ASSERT_EQ(res.cex.nelems, 1, "the entry element in the model")) {
			ASSERT_EQ(res.cex.elems[0].map, 0, "of map 0");
			memcpy(&x, res.cex.elems[0].value, 4);
			memcpy(&y, res.cex.elems[0].value + 4, 4);
			ASSERT_TRUE(x != y, "its two halves differ");
			ASSERT_EQ(x, res.cex.a_val, "r0 of the first window: bytes 0-3");
			ASSERT_EQ(y, res.cex.b_val, "r0 of the second window: bytes 4-7");
		}
		cond_init(&c);
	}

	/* r2 = 0 again, when r2 is known to be 0 already: redundant */
	{
		struct bpf_insn zero2[] = {I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0)};
		struct bpf_insn zero4[] = {I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0)};

		c.live_regs = 1 << 2;
		c.regs[2].known = 1;
		c.regs[2].value = 0;
		ASSERT_OK(smt_check_window(sctx, zero2, 1, zero4, 1, &env, &c, &res), "known");
		ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "r2 = 0 when r2 is known 0");
		c.regs[2].value = 1;
		ASSERT_OK(smt_check_window(sctx, zero2, 1, zero4, 1, &env, &c, &res), "known 1");
		ASSERT_EQ(res.verdict, SMT_DIFFERENT, "r2 = 0 when r2 is known 1");
		ASSERT_TRUE(res.replayed, "window counterexample replayed");
		ASSERT_EQ(res.cex.regs[2], 1, "the counterexample has the known value");
		c.regs[2].known = 0;
		ASSERT_OK(smt_check_window(sctx, zero2, 1, zero4, 1, &env, &c, &res), "unknown");
		ASSERT_EQ(res.verdict, SMT_DIFFERENT, "r2 = 0 when r2 is any value");
		c.regs[2].type = SMT_REG_SCALAR32;
		c.regs[2].known = 1;
		c.regs[2].value = 0x100000000ULL; /* only the low half counts for SCALAR32 */
		ASSERT_OK(smt_check_window(sctx, zero2, 1, zero4, 1, &env, &c, &res), "known32");
		ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "r2 = 0 when w2 is known 0");
		c.regs[2].type = SMT_REG_SCALAR;
		c.regs[2].known = 0;
	}

	smt_ctx__stats(sctx, &st);
	ASSERT_GE(st.cache_hits, 1, "cache hits counted");
}

/*
 * Map value pointers the model could only describe falsely: into a map of no
 * elements (an object's map its loader sizes: the pre-condition "an element
 * of it" is false, everything would be equivalent), or two into the same
 * map (the model's one element would alias them).  None of them may be called
 * equivalent.  A whole program that looks up such an array is checked for
 * every size the loader may give it.
 */
static void test_unsized_and_aliased(void)
{
	static const struct interp_map_def m[] = {
		{.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 0,
		 .ref = 1},
		{.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
		 .ref = 2},
	};
	struct smt_env env = {.prog_type = BPF_PROG_TYPE_XDP, .maps = m, .nmaps = 2};
	/* a u64 counter incremented: as 64 bits, as a byte */
	struct bpf_insn inc64[] = {I(BPF_LDX | BPF_DW | BPF_MEM, 1, 0, 0, 0),
				   I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1),
				   I(BPF_STX | BPF_DW | BPF_MEM, 0, 1, 0, 0)};
	struct bpf_insn inc8[] = {I(BPF_LDX | BPF_B | BPF_MEM, 1, 0, 0, 0),
				  I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1),
				  I(BPF_STX | BPF_B | BPF_MEM, 0, 1, 0, 0)};
	/* *(u64 *)(r6 + 0) = 5; r0 = *(u64 *)(r7 + 0)  vs  ...; r0 = 5 */
	struct bpf_insn fwd_a[] = {I(BPF_ST | BPF_DW | BPF_MEM, 6, 0, 0, 5),
				   I(BPF_LDX | BPF_DW | BPF_MEM, 0, 7, 0, 0)};
	struct bpf_insn fwd_b[] = {I(BPF_ST | BPF_DW | BPF_MEM, 6, 0, 0, 5),
				   I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 5)};
	/* the whole programs: lookup(key 0), then the counter */
	struct bpf_insn prog_a[] = {I(BPF_ST | BPF_W | BPF_MEM, 10, 0, -4, 0),
				    I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
				    I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
				    I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, 1),
				    I(0, 0, 0, 0, 0),
				    I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
				    I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3, 0),
				    inc64[0], inc64[1], inc64[2],
				    I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 2),
				    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
	struct bpf_insn prog_b[sizeof(prog_a) / sizeof(prog_a[0])];
	struct smt_window_cond c;
	struct smt_result res;

	if (!sctx)
		return;
	cond_init(&c);
	c.regs[0].type = SMT_REG_MAP_VALUE;
	c.regs[0].map = 0;
	ASSERT_OK(smt_check_window(sctx, inc64, 3, inc8, 3, &env, &c, &res), "unsized");
	ASSERT_EQ(res.verdict, SMT_UNKNOWN, "a value of a map of no elements");
	c.regs[0].map = 1;
	ASSERT_OK(smt_check_window(sctx, inc64, 3, inc8, 3, &env, &c, &res), "sized");
	/* refuted (its counterexample, a map value at entry, may not replay) */
	CHECK(res.verdict != SMT_EQUIVALENT && strstr(res.msg, "no elements") == NULL,
	      "a u64 counter incremented as a byte: %s", res.msg);

	cond_init(&c);
	c.live_regs = 1 << 0;
	c.regs[6].type = c.regs[7].type = SMT_REG_MAP_VALUE;
	c.regs[6].map = c.regs[7].map = 1;
	ASSERT_OK(smt_check_window(sctx, fwd_a, 2, fwd_b, 2, &env, &c, &res), "aliased");
	ASSERT_EQ(res.verdict, SMT_UNKNOWN, "two pointers into one map");

	memcpy(prog_b, prog_a, sizeof(prog_a));
	prog_b[7].code = BPF_LDX | BPF_B | BPF_MEM;
	prog_b[9].code = BPF_STX | BPF_B | BPF_MEM;
	ASSERT_OK(smt_check_prog(sctx, prog_a, sizeof(prog_a) / sizeof(prog_a[0]), prog_b,
				 sizeof(prog_b) / sizeof(prog_b[0]), &env, &res),
		  "whole, unsized");
	/*
	 * An array its loader sizes has a size the solver may choose (the
	 * interpreter has no such map: the difference does not replay).
	 */
	CHECK(res.verdict != SMT_EQUIVALENT && strstr(res.msg, "its loader sets") == NULL,
	      "the byte-wide counter in an array of any size: %s", res.msg);
	/* the same counter through r3: equal whatever the size */
	memcpy(prog_b, prog_a, sizeof(prog_a));
	prog_b[7].dst_reg = prog_b[8].dst_reg = prog_b[9].src_reg = 3;
	ASSERT_OK(smt_check_prog(sctx, prog_a, sizeof(prog_a) / sizeof(prog_a[0]), prog_b,
				 sizeof(prog_b) / sizeof(prog_b[0]), &env, &res),
		  "whole, unsized, r3");
	ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "the counter through r3 in an array of any size");
	/*
	 * Keys 5 and 6: both past the end of the array of 4, so equal there;
	 * an array of 6 holds one and not the other.
	 */
	memcpy(prog_b, prog_a, sizeof(prog_a));
	prog_a[0].imm = 5;
	prog_b[0].imm = 6;
	prog_a[3].imm = prog_b[3].imm = 2;
	ASSERT_OK(smt_check_prog(sctx, prog_a, sizeof(prog_a) / sizeof(prog_a[0]), prog_b,
				 sizeof(prog_b) / sizeof(prog_b[0]), &env, &res),
		  "keys 5 and 6, sized");
	ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "keys 5 and 6 in an array of 4");
	prog_a[3].imm = prog_b[3].imm = 1;
	ASSERT_OK(smt_check_prog(sctx, prog_a, sizeof(prog_a) / sizeof(prog_a[0]), prog_b,
				 sizeof(prog_b) / sizeof(prog_b[0]), &env, &res),
		  "keys 5 and 6, unsized");
	CHECK(res.verdict != SMT_EQUIVALENT, "keys 5 and 6 in an array of any size: %s", res.msg);
	prog_a[0].imm = 0;
	memcpy(prog_b, prog_a, sizeof(prog_a));
	prog_b[7].code = BPF_LDX | BPF_B | BPF_MEM;
	prog_b[9].code = BPF_STX | BPF_B | BPF_MEM;
	prog_a[3].imm = prog_b[3].imm = 2;
	ASSERT_OK(smt_check_prog(sctx, prog_a, sizeof(prog_a) / sizeof(prog_a[0]), prog_b,
				 sizeof(prog_b) / sizeof(prog_b[0]), &env, &res),
		  "whole, sized");
	/* the solver ran and refuted it (the replay needs every map: it may not replay) */
	CHECK(res.verdict != SMT_EQUIVALENT && strstr(res.msg, "its loader sets") == NULL,
	      "the byte-wide counter in a map of 4: %s", res.msg);
}

/* Counterexample replay catches an encoder that disagrees with the interpreter. */
static void test_errors(void)
{
	struct smt_env env = {.prog_type = BPF_PROG_TYPE_XDP};
	struct bpf_insn bad[] = {I(BPF_JMP | BPF_JA, 0, 0, 5, 0)};
	struct bpf_insn ok[] = {I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
				I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
	struct smt_result res;

	if (!sctx)
		return;
	ASSERT_EQ(smt_check_prog(sctx, bad, 1, ok, 2, &env, &res), -EINVAL, "invalid program A");
	ASSERT_TRUE(strstr(res.msg, "program A") != NULL, "message names the program");
	ASSERT_EQ(smt_check_prog(sctx, ok, 2, ok, 0, &env, &res), -EINVAL, "empty program B");
	ASSERT_OK(smt_check_prog(sctx, ok, 2, ok, 2, &env, &res), "identical");
	ASSERT_EQ(res.verdict, SMT_EQUIVALENT, "a program is equivalent to itself");
}

/*
 * Counterexamples of the types core/interp runs besides the packet types --
 * the flow dissector (ctx: __sk_buff's data, data_end; the packet from the
 * Ethernet header) and the tracing types (ctx: opaque bytes) -- replay as
 * those types, so a real difference is DIFFERENT, not UNKNOWN (as XDP, the
 * ctx loads below fault).  Equivalent pairs stay EQUIVALENT.
 */
static void check_type(uint32_t type, const struct bpf_insn *a, size_t alen,
		       const struct bpf_insn *b, size_t blen, enum smt_verdict want,
		       const char *descr)
{
	struct smt_env env = {.prog_type = type, .maps = maps, .nmaps = NMAPS};
	struct smt_result res;

	if (!CHECK(smt_check_prog(sctx, a, alen, b, blen, &env, &res) == 0, "%s: check (%s)",
		   descr, res.msg))
		return;
	CHECK(res.verdict == want, "%s: %s, expected %s (%s)", descr,
	      smt_verdict_str(res.verdict), smt_verdict_str(want), res.msg);
	if (want == SMT_DIFFERENT)
		CHECK(res.replayed && strstr(res.msg, "interpreter: r0"),
		      "%s: replayed as its type, r0 differs (%s)", descr, res.msg);
}

#define LDX(SZ, DST, SRC, OFF) I(BPF_LDX | (SZ) | BPF_MEM, DST, SRC, OFF, 0)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define N(arr) (sizeof(arr) / sizeof((arr)[0]))

static void test_replay_types(void)
{
	/* r2 = data, r3 = data_end, r4 = data + 14 (to compare with data_end) */
#define FD_PKT14                                                                  \
	LDX(BPF_W, 2, 1, 76), LDX(BPF_W, 3, 1, 80), I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0), \
		I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 14)
#define MOV0 I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0)
	/* r0 = packet byte 12 or 13 (after a bounds check of 14 bytes), else 0 */
	struct bpf_insn fd12[] = {FD_PKT14, I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 2, 0),
				  LDX(BPF_B, 0, 2, 12), EXIT, MOV0, EXIT};
	struct bpf_insn fd13[] = {FD_PKT14, I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 2, 0),
				  LDX(BPF_B, 0, 2, 13), EXIT, MOV0, EXIT};
	/* byte 12, masked to the byte it already is */
	struct bpf_insn fd12m[] = {FD_PKT14,
				   I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 3, 0),
				   LDX(BPF_B, 0, 2, 12),
				   I(BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 0xff),
				   EXIT,
				   MOV0,
				   EXIT};
#undef FD_PKT14
#undef MOV0
	/* r0 = the ctx's u64 at 0, or at 8 */
	struct bpf_insn c0[] = {LDX(BPF_DW, 0, 1, 0), EXIT}, c8[] = {LDX(BPF_DW, 0, 1, 8), EXIT};
	struct bpf_insn c16[] = {LDX(BPF_DW, 0, 1, 16), EXIT};
	/* r0 = the high half of the u64 at 8: its u32 at 12 (little-endian) */
	struct bpf_insn hi64[] = {LDX(BPF_DW, 0, 1, 8), I(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 32),
				  EXIT};
	struct bpf_insn hi32[] = {LDX(BPF_W, 0, 1, 12), EXIT};

	if (!sctx)
		return;
	check_type(BPF_PROG_TYPE_FLOW_DISSECTOR, fd12, N(fd12), fd13, N(fd13),
		   SMT_DIFFERENT, "flow dissector: byte 12 vs 13");
	check_type(BPF_PROG_TYPE_FLOW_DISSECTOR, fd12, N(fd12), fd12m,
		   N(fd12m), SMT_EQUIVALENT, "flow dissector: byte 12, masked");
	check_type(BPF_PROG_TYPE_KPROBE, c0, N(c0), c8, N(c8), SMT_DIFFERENT,
		   "kprobe: regs at 0 vs 8");
	check_type(BPF_PROG_TYPE_TRACEPOINT, c8, N(c8), c16, N(c16),
		   SMT_DIFFERENT, "tracepoint: field at 8 vs 16");
	check_type(BPF_PROG_TYPE_RAW_TRACEPOINT, c0, N(c0), c8, N(c8),
		   SMT_DIFFERENT, "raw tracepoint: argument 0 vs 1");
	check_type(BPF_PROG_TYPE_RAW_TRACEPOINT, hi64, N(hi64), hi32, N(hi32),
		   SMT_EQUIVALENT, "raw tracepoint: high half of argument 1");

	/* windows: a flow dissector's packet pointers, a kprobe's ctx */
	{
		struct smt_env env = {.prog_type = BPF_PROG_TYPE_FLOW_DISSECTOR};
		struct bpf_insn w12[] = {LDX(BPF_B, 0, 2, 12)}, w13[] = {LDX(BPF_B, 0, 2, 13)};
		struct smt_window_cond c;
		struct smt_result res;

		cond_init(&c);
		c.regs[2].type = SMT_REG_PKT;
		c.regs[3].type = SMT_REG_PKT_END;
		c.live_regs = 1 << 0;
		ASSERT_OK(smt_check_window(sctx, w12, 1, w13, 1, &env, &c, &res), "fd window");
		ASSERT_EQ(res.verdict, SMT_DIFFERENT, "flow dissector window: byte 12 vs 13");
		ASSERT_TRUE(res.replayed, res.msg);
		env.prog_type = BPF_PROG_TYPE_KPROBE;
		ASSERT_OK(smt_check_window(sctx, c0, 1, c8, 1, &env, &c, &res), "kprobe window");
		ASSERT_EQ(res.verdict, SMT_DIFFERENT, "kprobe window: regs at 0 vs 8");
		ASSERT_TRUE(res.replayed, res.msg);
	}
}

int main(int argc, char **argv)
{
	size_t i;

	test_init(argc, argv);
	/* generous: the 64-bit division pairs take seconds, more on a busy machine */
	sctx = smt_ctx__new(60000);
	if (!sctx) {
		fprintf(stderr, "smt_ctx__new: %s\n", strerror(errno));
		return 1;
	}
	RUN_TEST(test_pairs);
	RUN_TEST(test_pairs_plain);
	RUN_TEST(test_window);
	RUN_TEST(test_unsized_and_aliased);
	RUN_TEST(test_errors);
	RUN_TEST(test_replay_types);
	smt_ctx__free(sctx);
	for (i = 0; i < nsecs; i++)
		free(secs[i].insns);
	free(secs);
	return test_summary("test_smt");
}
