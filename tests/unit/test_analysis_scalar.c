// SPDX-License-Identifier: MIT
/*
 * Soundness of core/analysis' numeric domain (analysis_scalar.c), by brute
 * force: random small sets of concrete 64-bit values are abstracted (the
 * join of their constants, or a random tnum and bounds with members sampled
 * from it), every transfer function is applied to the
 * abstractions, and every concrete result -- computed with the kernel's
 * semantics (ALU32 truncation and zero extension, masked shift counts,
 * division by zero giving 0, modulo by zero the dividend) -- must be in the
 * abstract result.  Conditions: for every pair of values for which a
 * comparison holds (or fails), the refined abstractions must still contain
 * both, and the side must not be called impossible.
 *
 * No clang, no kernel: this runs in a fraction of a second and checks
 * millions of cases.  ANALYSIS_SCALAR_ROUNDS changes the number of rounds.
 */
#include "core/analysis_internal.h"
#include "tests/test.h"

#define MAXV 4

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Values near the edges where bounds and tnums go wrong. */
static uint64_t interesting(void)
{
	static const uint64_t edges[] = {0,
					 1,
					 2,
					 7,
					 0x7f,
					 0x80,
					 0xff,
					 0x7fff,
					 0xffff,
					 0x7fffffff,
					 0x80000000,
					 0xffffffff,
					 0x100000000ull,
					 0x7fffffffffffffffull,
					 0x8000000000000000ull,
					 ~0ull};
	uint64_t v = edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];

	switch (rnd() % 4) {
	case 0:
		return v;
	case 1:
		return v + (rnd() % 5) - 2;
	case 2:
		return rnd() % 64;
	default:
		return rnd() >> (rnd() % 64);
	}
}

static bool in(const struct analysis_scalar *a, uint64_t v);

struct set {
	uint64_t v[MAXV];
	unsigned int n;
	struct analysis_scalar a;
};

/*
 * Half the sets are abstractions of another shape: a random tnum cut by
 * random bounds, with members found by sampling it.
 */
static bool gen_shaped(struct set *s)
{
	struct analysis_scalar *a = &s->a;
	unsigned int tries;

	analysis_scalar_unknown(a);
	a->mask = rnd() >> (rnd() % 64);
	a->value = interesting() & ~a->mask;
	if (rnd() % 2) {
		uint64_t x = interesting(), y = interesting();

		a->umin = x < y ? x : y;
		a->umax = x < y ? y : x;
	}
	if (rnd() % 2) {
		int64_t x = (int64_t)interesting(), y = (int64_t)interesting();

		a->smin = x < y ? x : y;
		a->smax = x < y ? y : x;
	}
	if (!analysis_scalar_sync(a))
		return false;
	s->n = 0;
	for (tries = 0; tries < 64 && s->n < MAXV; tries++) {
		uint64_t v = tries == 0 ? a->umin : tries == 1 ? a->umax : rnd();

		v = tries < 2 ? v : (v & a->mask) | a->value;
		if (in(a, v))
			s->v[s->n++] = v;
	}
	return s->n > 0;
}

static void gen(struct set *s)
{
	unsigned int i;

	if (rnd() % 2 && gen_shaped(s))
		return;

	s->n = 1 + (unsigned int)(rnd() % MAXV);
	for (i = 0; i < s->n; i++) {
		struct analysis_scalar c;

		s->v[i] = interesting();
		analysis_scalar_const(&c, s->v[i]);
		if (i == 0)
			s->a = c;
		else
			analysis_scalar_join(&s->a, &c, false);
	}
}

static bool in(const struct analysis_scalar *a, uint64_t v)
{
	return (v & ~a->mask) == a->value && v >= a->umin && v <= a->umax &&
	       (int64_t)v >= a->smin && (int64_t)v <= a->smax;
}

static uint64_t alu(uint8_t op, uint64_t d, uint64_t s, bool w32)
{
	unsigned int sh = w32 ? 31 : 63;
	uint64_t r;

	if (w32) {
		d = (uint32_t)d;
		s = (uint32_t)s;
	}
	switch (op) {
	case BPF_ADD:
		r = d + s;
		break;
	case BPF_SUB:
		r = d - s;
		break;
	case BPF_MUL:
		r = d * s;
		break;
	case BPF_DIV:
		r = s ? d / s : 0;
		break;
	case BPF_MOD:
		r = s ? d % s : d;
		break;
	case BPF_OR:
		r = d | s;
		break;
	case BPF_AND:
		r = d & s;
		break;
	case BPF_XOR:
		r = d ^ s;
		break;
	case BPF_LSH:
		r = d << (s & sh);
		break;
	case BPF_RSH:
		r = d >> (s & sh);
		break;
	case BPF_ARSH:
		r = w32 ? (uint64_t)(uint32_t)((int32_t)d >> (s & sh))
			: (uint64_t)((int64_t)d >> (s & sh));
		break;
	case BPF_NEG:
		r = -d;
		break;
	default:
		r = s;
		break; /* MOV */
	}
	return w32 ? (uint32_t)r : r;
}

static bool cmp(uint8_t op, uint64_t a, uint64_t b, bool w32)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;

	if (w32) {
		a = (uint32_t)a;
		b = (uint32_t)b;
		sa = (int32_t)a;
		sb = (int32_t)b;
	}
	switch (op) {
	case BPF_JEQ:
		return a == b;
	case BPF_JNE:
		return a != b;
	case BPF_JGT:
		return a > b;
	case BPF_JGE:
		return a >= b;
	case BPF_JLT:
		return a < b;
	case BPF_JLE:
		return a <= b;
	case BPF_JSGT:
		return sa > sb;
	case BPF_JSGE:
		return sa >= sb;
	case BPF_JSLT:
		return sa < sb;
	case BPF_JSLE:
		return sa <= sb;
	default:
		return (a & b) != 0; /* JSET */
	}
}

static unsigned int fails;

static void fail(const char *what, uint64_t d, uint64_t s, uint64_t r,
		 const struct analysis_scalar *a)
{
	if (fails++ < 10)
		CHECK(false,
		      "%s: %#" PRIx64 ", %#" PRIx64 " -> %#" PRIx64 " not in (value %#" PRIx64
		      " mask %#" PRIx64 " s[%" PRId64 ", %" PRId64 "] u[%#" PRIx64 ", %#" PRIx64
		      "])",
		      what, d, s, r, a->value, a->mask, a->smin, a->smax, a->umin, a->umax);
}

static void test_alu(void)
{
	static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV,  BPF_MOD, BPF_OR, BPF_AND,
				      BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_NEG, BPF_MOV};
	const char *env = getenv("ANALYSIS_SCALAR_ROUNDS");
	unsigned int rounds = env ? (unsigned int)atoi(env) : 20000, k, o, i, j;
	uint64_t checked = 0;

	fails = 0;
	for (k = 0; k < rounds; k++) {
		struct set d, s;

		gen(&d);
		gen(&s);
		for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
			int w;

			for (w = 0; w < 2; w++) {
				struct analysis_scalar r = d.a;
				char what[32];

				analysis_scalar_alu(&r, &s.a, ops[o], 0, w);
				snprintf(what, sizeof(what), "%salu op %#x", w ? "w " : "", ops[o]);
				for (i = 0; i < d.n; i++)
					for (j = 0; j < s.n; j++, checked++) {
						uint64_t v = alu(ops[o], d.v[i], s.v[j], w);

						if (!in(&r, v))
							fail(what, d.v[i], s.v[j], v, &r);
					}
			}
		}
		/* byte swaps, sign and zero extension */
		for (o = 0; o < 6; o++) {
			unsigned int bits = o % 3 == 0 ? 16 : o % 3 == 1 ? 32 : 64;
			bool swap = o >= 3;
			struct analysis_scalar r = d.a;

			analysis_scalar_end(&r, bits, swap);
			for (i = 0; i < d.n; i++, checked++) {
				uint64_t x = d.v[i], v;

				if (swap)
					v = bits == 16	 ? __builtin_bswap16((uint16_t)x)
					    : bits == 32 ? __builtin_bswap32((uint32_t)x)
							 : __builtin_bswap64(x);
				else
					v = bits == 64 ? x : x & ((1ull << bits) - 1);
				if (!in(&r, v))
					fail(swap ? "bswap" : "to_le", x, bits, v, &r);
			}
		}
		for (o = 0; o < 4; o++) {
			unsigned int bits = (unsigned int[]){8, 16, 32, 64}[o];
			struct analysis_scalar r = d.a, z = d.a;

			/* sext works on the low @bits: truncate first, as movsx does */
			if (bits < 64) {
				struct analysis_scalar m;

				analysis_scalar_const(&m, (1ull << bits) - 1);
				analysis_scalar_alu(&r, &m, BPF_AND, 0, false);
			}
			analysis_scalar_sext(&r, bits);
			analysis_scalar_zext32(&z);
			for (i = 0; i < d.n; i++, checked += 2) {
				uint64_t x = d.v[i], v;

				v = bits == 8	 ? (uint64_t)(int8_t)x
				    : bits == 16 ? (uint64_t)(int16_t)x
				    : bits == 32 ? (uint64_t)(int32_t)x
						 : x;
				if (!in(&r, v))
					fail("sext", x, bits, v, &r);
				if (!in(&z, (uint32_t)x))
					fail("zext32", x, 0, (uint32_t)x, &z);
			}
		}
	}
	ASSERT_EQ(fails, 0, "unsound transfer results");
	ASSERT_GE(checked, 100000, "cases checked");
	if (test_env.verbose)
		fprintf(stderr, "  %" PRIu64 " ALU cases\n", checked);
}

static void test_cond(void)
{
	static const uint8_t ops[] = {BPF_JEQ,	BPF_JNE,  BPF_JGT,  BPF_JGE,  BPF_JLT, BPF_JLE,
				      BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};
	const char *env = getenv("ANALYSIS_SCALAR_ROUNDS");
	unsigned int rounds = env ? (unsigned int)atoi(env) : 20000, k, o, i, j;
	uint64_t checked = 0;

	fails = 0;
	for (k = 0; k < rounds; k++) {
		struct set d, s;

		gen(&d);
		gen(&s);
		for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
			int w, taken;

			for (w = 0; w < 2; w++) {
				for (taken = 0; taken < 2; taken++) {
					struct analysis_scalar a = d.a, b = s.a;
					bool possible =
						analysis_scalar_cond(&a, &b, ops[o], w, taken);
					char what[48];

					snprintf(what, sizeof(what), "%scond %#x %s", w ? "w " : "",
						 ops[o], taken ? "taken" : "not taken");
					for (i = 0; i < d.n; i++)
						for (j = 0; j < s.n; j++) {
							uint64_t x = d.v[i], y = s.v[j];

							if (cmp(ops[o], x, y, w) != (bool)taken)
								continue;
							checked++;
							if (!possible)
								fail(what, x, y, 0, &a);
							else if (!in(&a, x))
								fail(what, x, y, x, &a);
							else if (!in(&b, y))
								fail(what, x, y, y, &b);
						}
				}
			}
		}
	}
	ASSERT_EQ(fails, 0, "unsound refinements");
	ASSERT_GE(checked, 100000, "cases checked");
	if (test_env.verbose)
		fprintf(stderr, "  %" PRIu64 " condition cases\n", checked);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_alu);
	RUN_TEST(test_cond);
	return test_summary("test_analysis_scalar");
}
