// SPDX-License-Identifier: MIT
/*
 * core/search: K2-style MCMC over rewrites of one window (the algorithm is
 * in core/search.h; windows and proofs in search_window.c, the executor in
 * search_exec.c, the moves in search_moves.c).
 *
 * The chain scores a candidate by running it on the test states with the
 * executor of search_exec.c, stopping as soon as the error alone makes the
 * Metropolis test fail (the uniform draw is made first, as STOKE does), so a
 * bad proposal costs one or two runs, not all of them.  Candidates with zero
 * error that are cheaper than the best proven go to core/smt; a
 * counterexample becomes a test, so the chain cannot propose the same
 * mistake for long; hashes of refuted candidates are remembered so that the
 * solver is asked once per candidate.
 *
 * Everything a search needs lives in one struct search on the caller's
 * stack and heap: search_window() may run on several threads at once, each
 * with its own smt_ctx.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/search_internal.h"

#define DEFAULT_PROPOSALS 20000
#define DEFAULT_CHAINS 4
#define DEFAULT_TESTS 24
#define MAX_CEX_TESTS 64
#define REJECTED_SLOTS 4096
#define MAX_UNKNOWN 24
#define MAX_TIMEOUTS 2

/* ---- the search ---- */

struct search {
	const struct smt_env *env;
	struct smt_ctx *smt;
	const struct search_params *sp;
	struct search_result *res;
	uint32_t len;
	struct smt_window_cond cond;
	struct analysis_state as;
	struct sx_env e;
	struct sx_pool pool;
	struct bpf_insn orig[SEARCH_MAX_WINDOW];
	struct bpf_insn orig_s[SEARCH_MAX_WINDOW]; /* without NOPs, for the solver */
	uint32_t orig_n;
	struct sx_state **tin, **tout;
	uint32_t ntests, cap;
	struct sx_state *scratch;
	uint64_t rng;
	uint64_t *rejected;
	uint32_t nrejected;
	struct bpf_insn best[SEARCH_MAX_WINDOW];
	uint32_t best_perf;
	double unit; /* search_insn_cost() of an average instruction of the window */
	bool stopped;
	double chain_deadline; /* 0: none */
	uint32_t timeouts;
	uint32_t unknowns; /* UNKNOWN answers that taught the tests nothing */
	uint32_t tail; /* 1: the window ends in a conditional jump (search_is_tail()) */
	bool inner;    /* the window has jumps before its end */
	uint32_t slow; /* slow_ops() of the window: a rewrite may hold no more */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool should_stop(struct search *s)
{
	if (s->stopped)
		return true;
	if ((s->sp->stop && *s->sp->stop) || (s->sp->deadline > 0 && now() >= s->sp->deadline))
		s->stopped = true;
	return s->stopped;
}

static uint64_t hash_insns(const struct bpf_insn *w, uint32_t n)
{
	const uint8_t *b = (const uint8_t *)w;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n * sizeof(*w); i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h | 1; /* 0 marks a free slot */
}

static bool rejected_has(struct search *s, uint64_t h)
{
	uint32_t i = (uint32_t)(h % REJECTED_SLOTS);

	for (; s->rejected[i]; i = (i + 1) % REJECTED_SLOTS)
		if (s->rejected[i] == h)
			return true;
	return false;
}

static void rejected_add(struct search *s, uint64_t h)
{
	uint32_t i = (uint32_t)(h % REJECTED_SLOTS);

	if (s->nrejected >= REJECTED_SLOTS / 2) {
		memset(s->rejected, 0, REJECTED_SLOTS * sizeof(*s->rejected));
		s->nrejected = 0;
	}
	for (; s->rejected[i]; i = (i + 1) % REJECTED_SLOTS)
		if (s->rejected[i] == h)
			return;
	s->rejected[i] = h;
	s->nrejected++;
}

static struct sx_state *state_new(struct search *s)
{
	return calloc(1, s->e.state_size);
}

/* Run the original on @in (kept if it does not fault there) as a new test. */
static bool add_test(struct search *s, struct sx_state *in)
{
	struct sx_state *out;

	if (s->ntests >= s->cap)
		return false;
	out = state_new(s);
	if (!out)
		return false;
	sx_copy(&s->e, out, in);
	s->e.record = true;
	sx_run(&s->e, s->orig, s->len, out);
	s->e.record = false;
	if (out->status != SX_OK) {
		free(out);
		return false;
	}
	s->tin[s->ntests] = in;
	s->tout[s->ntests] = out;
	s->ntests++;
	return true;
}

static void add_cex_test(struct search *s, const struct smt_cex *cx)
{
	struct sx_state *t = state_new(s);

	if (!t)
		return;
	sx_cex_state(&s->e, &s->as, &s->cond, cx, &s->rng, t);
	if (!add_test(s, t))
		free(t);
}

/*
 * A region's random tests, as many on each path through it as can be: of
 * 8 * @want random states the original runs without a fault, round robin
 * over the paths they take (in the order first seen).  Random states take
 * one way at a jump like `if r2 == 0x88a8` nearly always, and a rewrite
 * wrong only the other way was cheap for the chains: clang's select `w0 =
 * 1; if r2 != 0 goto +1; w0 = 0; w0 <<= 1` drifted to `w0 = 2` alone.  0 or
 * -ENOMEM.
 */
static int balanced_tests(struct search *s, uint32_t want)
{
	uint32_t ncand = 8 * want, n = 0, nsig = 0, i, k;
	struct sx_state **c = calloc(ncand, sizeof(*c));
	uint16_t *sig = calloc(ncand, sizeof(*sig)), sigs[64];
	bool more = true;

	if (!c || !sig) {
		free(c);
		free(sig);
		return -ENOMEM;
	}
	for (i = 0; i < ncand; i++) {
		struct sx_state *t = state_new(s);

		if (!t)
			break;
		sx_random_state(&s->e, &s->as, &s->cond, &s->rng, t);
		sx_copy(&s->e, s->scratch, t);
		s->e.record = true; /* as add_test(): the original's ctx accesses */
		sx_run(&s->e, s->orig, s->len, s->scratch);
		s->e.record = false;
		if (s->scratch->status != SX_OK) {
			free(t);
			continue;
		}
		for (k = 0; k < nsig && sigs[k] != s->scratch->path; k++)
			;
		if (k == nsig && nsig < sizeof(sigs) / sizeof(sigs[0]))
			sigs[nsig++] = s->scratch->path;
		c[n] = t;
		sig[n++] = s->scratch->path;
	}
	while (more && s->ntests < want) {
		more = false;
		for (k = 0; k < nsig && s->ntests < want; k++)
			for (i = 0; i < n; i++) {
				if (!c[i] || sig[i] != sigs[k])
					continue;
				if (!add_test(s, c[i]))
					free(c[i]);
				c[i] = NULL;
				more = true;
				break;
			}
	}
	for (i = 0; i < n; i++)
		free(c[i]);
	free(c);
	free(sig);
	return 0;
}

/*
 * Tests on both sides of a region's jumps past its end.  Random states take
 * one side of `if r1 != 1 goto out` nearly always (r1 an or of `r2 == 0x81`
 * and `r2 == 0x88a8`), and then every candidate that leaves the other
 * side's code alone passes: the solver's verdict on it is UNKNOWN more
 * often than not (a live register not written, a store it cannot place),
 * and teaches nothing.  The solver finds an input for the missing side: the
 * original against itself with that jump always taken (or never), on which
 * the two differ only by the way out (nothing else compared) -- exactly
 * where the original takes the other side.
 */
static void way_out_tests(struct search *s)
{
	struct smt_window_cond c = s->cond;
	struct bpf_insn m[SEARCH_MAX_WINDOW];
	struct smt_result r;
	uint32_t i, t, taken;

	if (!s->cond.nexits || !s->smt)
		return;
	c.live_regs = 0;
	memset(c.live_stack, 0, sizeof(c.live_stack));
	for (i = 0; i + 1 < s->len && !should_stop(s); i++) {
		const struct bpf_insn *j = &s->orig[i];

		if (search_insn_is_nop(j) || !search_is_tail(j) || i + 1 + (int64_t)j->off <= s->len)
			continue;
		for (t = taken = 0; t < s->ntests; t++)
			taken += (s->tout[t]->path >> (i & 15)) & 1;
		if (taken && taken < s->ntests)
			continue;
		memcpy(m, s->orig, s->len * sizeof(*m));
		m[i] = (struct bpf_insn){.code = BPF_JMP | BPF_JA, .off = taken ? j->off : 0};
		if (!search_check_rewrite(s->smt, s->env, &s->as, &c, s->orig, m, s->len, &r) &&
		    r.verdict == SMT_DIFFERENT)
			add_cex_test(s, &r.cex);
	}
}

/*
 * Tests with the shortest packet the original takes without a fault: the
 * ones that catch a candidate reading a byte further.  (The solver would
 * too, but a test costs microseconds and a query milliseconds.)
 */
static void add_short_tests(struct search *s, uint32_t n)
{
	uint32_t len, k;

	for (k = 0; k < n; k++) {
		struct sx_state *t = state_new(s);

		if (!t)
			return;
		sx_random_state(&s->e, &s->as, &s->cond, &s->rng, t);
		for (len = 0; len <= SX_PKT_MAX; len++) {
			sx_set_pkt_len(t, len);
			sx_copy(&s->e, s->scratch, t);
			sx_run(&s->e, s->orig, s->len, s->scratch);
			if (s->scratch->status == SX_OK)
				break;
		}
		if (len > SX_PKT_MAX || !len || !add_test(s, t)) {
			free(t);
			return; /* no packet needed, or none long enough */
		}
	}
}

/* The error of @w over all tests, or some value > @limit once it exceeds it. */
static uint32_t eval(struct search *s, const struct bpf_insn *w, uint64_t limit)
{
	uint64_t err = 0;
	uint32_t t;

	for (t = 0; t < s->ntests; t++) {
		sx_copy(&s->e, s->scratch, s->tin[t]);
		sx_run(&s->e, w, s->len, s->scratch);
		err += sx_error(&s->e, s->tout[t], s->scratch,
				(uint32_t)(limit - err < UINT32_MAX ? limit - err : UINT32_MAX));
		if (err > limit)
			break;
	}
	return err > UINT32_MAX ? UINT32_MAX : (uint32_t)err;
}

/* The error of @w on test @t alone. */
static uint32_t eval_one(struct search *s, const struct bpf_insn *w, uint32_t t)
{
	sx_copy(&s->e, s->scratch, s->tin[t]);
	sx_run(&s->e, w, s->len, s->scratch);
	return sx_error(&s->e, s->tout[t], s->scratch, UINT32_MAX);
}

/*
 * Ask the solver about @w (zero error, cheaper than the best).  Refuted and
 * unprovable candidates are remembered by hash, so that each is asked once.
 */
static void prove(struct search *s, const struct bpf_insn *w, uint32_t perf)
{
	struct search_stats *stats = &s->res->stats;
	struct bpf_insn b[SEARCH_MAX_WINDOW];
	struct smt_result r;
	uint32_t ms, ms0;
	uint64_t h;
	int err;

	h = hash_insns(b, search_strip(w, s->len, b));
	if (rejected_has(s, h))
		return;
	/* a query may not outlast the search's deadline */
	ms = ms0 = smt_ctx__timeout(s->smt);
	if (s->sp->deadline > 0) {
		double left = s->sp->deadline - now();

		if (left <= 0) {
			s->stopped = true;
			return;
		}
		if (!ms || left * 1000 < ms)
			ms = (uint32_t)(left * 1000) + 1;
	}
	stats->smt_queries++;
	if (ms != ms0)
		smt_ctx__set_timeout(s->smt, ms);
	err = search_check_rewrite(s->smt, s->env, &s->as, &s->cond, s->orig, w, s->len, &r);
	if (ms != ms0)
		smt_ctx__set_timeout(s->smt, ms0);
	if (err) {
		stats->smt_unknown++;
		rejected_add(s, h);
		return;
	}
	switch (r.verdict) {
	case SMT_EQUIVALENT:
		stats->smt_equivalent++;
		/*
		 * The best so far, if it improves on the window, becomes the
		 * first alternative (a judge may refuse the new best).
		 */
		if (s->best_perf < s->res->cost_before) {
			struct search_result *res = s->res;
			uint32_t k = res->nalts < SEARCH_MAX_ALTS ? res->nalts : SEARCH_MAX_ALTS - 1;

			memmove(res->alts[1], res->alts[0], k * sizeof(res->alts[0]));
			memcpy(res->alts[0], s->best, s->len * sizeof(*w));
			res->nalts = k + 1;
		}
		memcpy(s->best, w, s->len * sizeof(*w));
		s->best_perf = perf;
		break;
	case SMT_DIFFERENT:
		stats->smt_different++;
		rejected_add(s, h);
		add_cex_test(s, &r.cex);
		break;
	default: {
		uint32_t nt = s->ntests;

		stats->smt_unknown++;
		rejected_add(s, h);
		/* the solver's timeouts are the dearest: a window with two is hard for it */
		if (strstr(r.msg, "solver:") && ++s->timeouts >= MAX_TIMEOUTS)
			s->stopped = true;
		/*
		 * A model the interpreter cannot replay (a map value at entry, a
		 * packet shorter than an Ethernet header: the solver does not know
		 * the range the program proved) is still an input the executor
		 * can run.
		 */
		if (r.cex.what[0])
			add_cex_test(s, &r.cex);
		/*
		 * Unknowns teach the tests nothing when the model cannot be run:
		 * past a few, the window is not worth the solver's time.  One
		 * whose model became a test the candidate fails taught something.
		 */
		if (s->ntests > nt && eval_one(s, w, s->ntests - 1))
			break;
		if (++s->unknowns >= MAX_UNKNOWN)
			s->stopped = true;
	}
	}
}

static const struct {
	double beta; /* 1 / temperature, per instruction's worth of cost */
	double w;    /* cost of one wrong bit, in instructions */
	uint32_t mix;
} chain_params[] = {
	{3.0, 0.5, 0},
	{1.0, 0.1, 1},
	{5.0, 1.0, 2},
	{1.5, 0.2, 3},
};

/*
 * ln(x) for 0 < x <= 1, to a few 1e-7: the Metropolis test needs no more,
 * and the library does not link libm.
 */
static double ln(double x)
{
	uint64_t b;
	double m, t, t2, sum;
	int e;

	memcpy(&b, &x, sizeof(b));
	e = (int)((b >> 52) & 0x7ff) - 1023;
	b = (b & ((1ULL << 52) - 1)) | (1023ULL << 52);
	memcpy(&m, &b, sizeof(m)); /* x = m * 2^e, 1 <= m < 2 */
	t = (m - 1) / (m + 1);
	t2 = t * t;
	/*
	 * atanh(t) = t + t^3/3 + ... + t^15/15 by Horner, with the reciprocals
	 * as constants: one division a call (this runs for every proposal)
	 */
	sum = 1.0 / 15;
	sum = sum * t2 + 1.0 / 13;
	sum = sum * t2 + 1.0 / 11;
	sum = sum * t2 + 1.0 / 9;
	sum = sum * t2 + 1.0 / 7;
	sum = sum * t2 + 1.0 / 5;
	sum = sum * t2 + 1.0 / 3;
	sum = sum * t2 + 1.0;
	return e * 0.6931471805599453 + 2 * t * sum;
}

static double cost_of(const struct search *s, double w, uint32_t err, uint32_t perf)
{
	return w * err + perf / s->unit;
}

/*
 * A targeted move that needs a test state: rebase a memory access onto
 * another register pointing into the same region, the difference of the two
 * (on the first test) folded into the offset.  clang computes `rY = rX;
 * rY += K` for a field it then reads through rY (CO-RE offsets always: K is
 * what libbpf patches, so it is a frozen instruction outside the window);
 * once the access goes through rX the deletes take the arithmetic away.
 * Wrong on other tests (the two registers not a fixed distance apart), the
 * candidate's error says so.
 */
static bool rebase(struct search *s, struct bpf_insn *w)
{
	uint32_t mem[SEARCH_MAX_WINDOW], nmem = 0, i, k, n = 0;
	uint8_t regs[11], base;
	const struct sx_reg *b;
	int64_t offs[11];

	if (!s->ntests)
		return false;
	for (i = 0; i < s->len; i++) {
		uint8_t cls = BPF_CLASS(w[i].code);

		if ((cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX) &&
		    BPF_MODE(w[i].code) == BPF_MEM)
			mem[nmem++] = i;
	}
	if (!nmem)
		return false;
	i = mem[sx_below(&s->rng, nmem)];
	sx_copy(&s->e, s->scratch, s->tin[0]);
	sx_run(&s->e, w, i, s->scratch);
	if (s->scratch->status != SX_OK)
		return false;
	base = BPF_CLASS(w[i].code) == BPF_LDX ? w[i].src_reg : w[i].dst_reg;
	b = &s->scratch->r[base];
	if (b->tag == SX_NONE || b->tag == SX_SCALAR || b->tag == SX_PKT_END)
		return false;
	for (k = 0; k <= 10; k++) {
		const struct sx_reg *r = &s->scratch->r[k];
		int64_t off = w[i].off + (int64_t)(b->v - r->v);

		if (k == base || r->tag != b->tag || (b->tag == SX_MAPVAL && r->map != b->map) ||
		    off < INT16_MIN || off > INT16_MAX)
			continue;
		regs[n] = (uint8_t)k;
		offs[n++] = off;
	}
	if (!n)
		return false;
	k = sx_below(&s->rng, n);
	if (BPF_CLASS(w[i].code) == BPF_LDX)
		w[i].src_reg = regs[k];
	else
		w[i].dst_reg = regs[k];
	w[i].off = (int16_t)offs[k];
	return true;
}

/*
 * A targeted move for a tail `if a op b` on two registers: one that holds
 * the same value on every test becomes the immediate (the operands swapped
 * first when it is a), so that whatever set it may go -- clang puts a
 * constant in a register when it is the left operand.  Wrong where the
 * register is not a constant, the candidate's error (or the solver) says so.
 */
static bool tail_fold(struct search *s, struct bpf_insn *w)
{
	struct bpf_insn *j = &w[s->len - 1];
	bool is32 = BPF_CLASS(j->code) == BPF_JMP32, same[2] = {true, true};
	uint8_t regs[2] = {j->dst_reg, j->src_reg}, op = BPF_OP(j->code);
	uint64_t v[2] = {0, 0};
	uint32_t t, k;

	if (BPF_SRC(j->code) != BPF_X || !s->ntests)
		return false;
	for (t = 0; t < s->ntests && (same[0] || same[1]); t++) {
		sx_copy(&s->e, s->scratch, s->tin[t]);
		sx_run(&s->e, w, s->len - 1, s->scratch);
		if (s->scratch->status != SX_OK)
			return false;
		for (k = 0; k < 2; k++) {
			const struct sx_reg *r = &s->scratch->r[regs[k]];
			uint64_t x = is32 ? (uint32_t)r->v : r->v;

			if (r->tag != SX_SCALAR || (t && v[k] != x))
				same[k] = false;
			v[k] = x;
		}
	}
	k = same[1] ? 1 : 0;
	if (!same[k] || (!is32 && (int64_t)v[k] != (int64_t)(int32_t)v[k]))
		return false;
	if (k == 0) {
		j->dst_reg = j->src_reg;
		op = sx_mirror_op(op);
	}
	j->code = (uint8_t)(BPF_CLASS(j->code) | op | BPF_K);
	j->src_reg = 0;
	j->imm = (int32_t)(uint32_t)v[k];
	return true;
}

/*
 * A move for a jump inside the window: aim it at another instruction after
 * it (or the end), or change its condition or operands.
 */
static bool inner_move(struct search *s, struct bpf_insn *w)
{
	uint32_t js[SEARCH_MAX_WINDOW], n = 0, i, room;
	struct bpf_insn *j;
	int16_t off;

	for (i = 0; i + 1 < s->len; i++)
		if (search_is_inner_jump(&w[i]))
			js[n++] = i;
	if (!n)
		return false;
	i = js[sx_below(&s->rng, n)];
	j = &w[i];
	room = s->len - s->tail - 1 - i; /* off = room: to the end (or the tail) */
	if (!room)
		return false;
	if (search_is_tail(j) && sx_below(&s->rng, 2))
		return sx_tail_move(&s->pool, &s->rng, j);
	if (s->cond.nexits > 1 && sx_below(&s->rng, 3) == 0)
		/* one of the original's ways out */
		off = (int16_t)(s->len + s->cond.exit_id[1 + sx_below(&s->rng, s->cond.nexits - 1)] -
				i - 1);
	else
		off = (int16_t)(1 + sx_below(&s->rng, room));
	if (off == j->off)
		return false;
	j->off = off;
	return true;
}

/*
 * Divisions and modulos in @w[0..@len): 4-5 ns each on this machine (the
 * zero check included), as much as some thirty simple instructions, so a
 * rewrite may not add one to save an instruction or two -- as clang's select
 * `w0 = 1; if r2 != 0 goto +1; w0 = 0; w0 <<= 1` as `w0 = w2; w0 /= w0; w0 <<=
 * w0` would (search_insn_cost() counts instructions first).
 */
static uint32_t slow_ops(const struct bpf_insn *w, uint32_t len)
{
	uint32_t i, n = 0;

	for (i = 0; i < len; i++) {
		uint8_t cls = BPF_CLASS(w[i].code), op = BPF_OP(w[i].code);

		n += (cls == BPF_ALU || cls == BPF_ALU64) && (op == BPF_DIV || op == BPF_MOD);
	}
	return n;
}

/*
 * Put one of the window's own instructions back where it was.  No other
 * move makes a jump, so a region's chain that deleted one could not get it
 * back (until a restart): clang's select `w0 = 1; if r2 != 0 goto +1; w0 =
 * 0; w0 <<= 1` drifted to `w0 = 2` alone, wrong only on the few tests with
 * r2 == 0 and cheaper than anything right.
 */
static bool restore(struct search *s, struct bpf_insn *w)
{
	uint32_t i = sx_below(&s->rng, s->len);

	if (!memcmp(&w[i], &s->orig[i], sizeof(w[i])))
		return false;
	w[i] = s->orig[i];
	return true;
}

/*
 * A targeted move for a region: an `rX op= K` after a join, folded into the
 * `rX = C` of every arm before it (each becomes `rX = C op K`) and deleted.
 * clang's select `w0 = 1; if r2 != 0 goto +1; w0 = 0; w0 <<= 1` becomes
 * `w0 = 2; if r2 != 0 goto +1; w0 = 0`: two moves at once, which the chains
 * rarely make one after the other (each alone is wrong on every other test,
 * and cheap wrong rewrites -- `w0 = 0` alone -- lie close by).  Wrong where a
 * path reaches the op without such a move: the error or the solver says so.
 */
static bool fold_join(struct search *s, struct bpf_insn *w)
{
	uint32_t k = sx_below(&s->rng, s->len - s->tail), i, n = 0;
	struct bpf_insn *op = &w[k], movs[SEARCH_MAX_WINDOW];
	uint8_t cls = BPF_CLASS(op->code);

	if ((cls != BPF_ALU && cls != BPF_ALU64) || BPF_SRC(op->code) != BPF_K ||
	    BPF_OP(op->code) == BPF_MOV || op->off)
		return false;
	memcpy(movs, w, s->len * sizeof(*w));
	for (i = 0; i < k; i++) {
		struct bpf_insn *m = &movs[i];
		uint8_t mc = BPF_CLASS(m->code);
		struct sx_state st = {.status = SX_OK}; /* registers only: no memory */
		uint64_t v;

		if (search_insn_is_nop(m) || m->dst_reg != op->dst_reg)
			continue;
		if (prog_insn_is_jump(m) || mc == BPF_ST || mc == BPF_STX)
			continue; /* reads it, or not a write of it */
		if (m->code != (mc | BPF_MOV | BPF_K) || (mc != BPF_ALU && mc != BPF_ALU64))
			return false;
		/* C op K as the executor computes it (the widths, the shifts) */
		sx_alu(m, &st);
		sx_alu(op, &st);
		v = st.r[op->dst_reg].v;
		if (st.status != SX_OK || (cls == BPF_ALU64 && (int64_t)v != (int64_t)(int32_t)v))
			return false;
		*m = (struct bpf_insn){.code = cls | BPF_MOV | BPF_K, .dst_reg = op->dst_reg,
				       .imm = (int32_t)v};
		n++;
	}
	if (n < 2)
		return false; /* one arm or none: the plain moves do that */
	movs[k] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
	memcpy(w, movs, s->len * sizeof(*w));
	return true;
}

/* One random move on @w; false if it did nothing. */
static bool propose(struct search *s, struct bpf_insn *w, uint32_t mix)
{
	if (s->inner && sx_below(&s->rng, 8) == 0) {
		switch (sx_below(&s->rng, 3)) {
		case 0:
			return inner_move(s, w);
		case 1:
			return restore(s, w);
		default:
			return fold_join(s, w);
		}
	}
	if (s->tail && sx_below(&s->rng, 8) == 0)
		return sx_below(&s->rng, 2) ? tail_fold(s, w)
					    : sx_tail_move(&s->pool, &s->rng, &w[s->len - 1]);
	if (sx_below(&s->rng, 32))
		return sx_propose(&s->pool, &s->rng, w, s->len - s->tail, mix);
	return rebase(s, w);
}

static void chain(struct search *s, uint32_t c, uint64_t max_prop)
{
	struct search_stats *stats = &s->res->stats;
	double beta = chain_params[c % 4].beta, w = chain_params[c % 4].w;
	uint32_t mix = chain_params[c % 4].mix + c / 4;
	struct bpf_insn cur[SEARCH_MAX_WINDOW], cand[SEARCH_MAX_WINDOW];
	uint64_t it, last_gain = 0, restart_after = max_prop / 8 > 500 ? max_prop / 8 : 500;
	uint32_t cur_perf, restarts = 0, ntests = s->ntests;
	double cur_cost, chain_best;

	memcpy(cur, s->orig, sizeof(cur));
	cur_perf = search_cost(cur, s->len);
	cur_cost = chain_best = cost_of(s, w, 0, cur_perf);
	for (it = 0; it < max_prop; it++) {
		double u, thresh, lim;
		uint32_t perf, err;
		uint64_t limit;

		if ((it & 127) == 0 &&
		    (should_stop(s) || (s->chain_deadline > 0 && now() >= s->chain_deadline)))
			break;
		if (s->ntests != ntests) {
			/* a counterexample joined the tests: the current cost may have grown */
			ntests = s->ntests;
			cur_cost = cost_of(s, w, eval(s, cur, UINT32_MAX), cur_perf);
		}
		if (it - last_gain > restart_after) {
			/* stuck: start again from the best proven, or from the original */
			memcpy(cur, restarts++ % 2 ? s->orig : s->best, sizeof(cur));
			cur_perf = search_cost(cur, s->len);
			cur_cost = cost_of(s, w, eval(s, cur, UINT32_MAX), cur_perf);
			last_gain = it;
		}
		stats->proposals++;
		memcpy(cand, cur, sizeof(cand));
		if (!propose(s, cand, mix) || slow_ops(cand, s->len) > s->slow)
			continue;
		perf = search_cost(cand, s->len);
		u = (double)((sx_rand(&s->rng) >> 11) + 1) / 9007199254740993.0;
		thresh = cur_cost - ln(u) / beta;
		lim = (thresh - perf / s->unit) / w;
		if (lim < 0 && perf >= s->best_perf)
			continue; /* rejected whatever its error */
		limit = lim < 0 ? 0 : lim > 1e9 ? 1000000000ULL : (uint64_t)lim;
		err = eval(s, cand, limit);
		if (!err) {
			stats->zero_error++;
			if (perf < s->best_perf) {
				prove(s, cand, perf);
				if (should_stop(s))
					break;
			}
		}
		if (err > limit || cost_of(s, w, err, perf) > thresh)
			continue;
		stats->accepted++;
		memcpy(cur, cand, sizeof(cur));
		cur_perf = perf;
		cur_cost = cost_of(s, w, err, perf);
		if (cur_cost < chain_best - 1e-9) {
			chain_best = cur_cost;
			last_gain = it;
		}
	}
}

static void pool_add_imm(struct sx_pool *pl, int32_t v)
{
	uint32_t i;

	for (i = 0; i < pl->nimms; i++)
		if (pl->imms[i] == v)
			return;
	if (pl->nimms < sizeof(pl->imms) / sizeof(pl->imms[0]))
		pl->imms[pl->nimms++] = v;
}

static void pool_add_reg(uint8_t *set, uint32_t *n, uint8_t r)
{
	uint32_t i;

	for (i = 0; i < *n; i++)
		if (set[i] == r)
			return;
	set[(*n)++] = r;
}

static void build_pool(struct search *s, const struct prog *p)
{
	static const int32_t small[] = {0, 1, -1, 2, 4, 8, 16, 32, 0xff, 0xffff};
	struct sx_pool *pl = &s->pool;
	uint32_t i, j;

	memset(pl, 0, sizeof(*pl));
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++)
		pool_add_imm(pl, small[i]);
	for (i = 0; i < s->len; i++)
		pool_add_imm(pl, s->orig[i].imm);
	for (i = 0; i < p->len; i++) {
		if (prog_insn_is_ldimm64(&p->insns[i])) {
			i++;
			continue;
		}
		if (!prog_insn_is_jump(&p->insns[i]) && !prog_insn_is_call(&p->insns[i]))
			pool_add_imm(pl, p->insns[i].imm);
	}
	for (i = 0; i < 10; i++)
		if (s->cond.regs[i].type != SMT_REG_NONE || ((s->cond.live_regs >> i) & 1))
			pool_add_reg(pl->regs, &pl->nregs, (uint8_t)i);
	pool_add_reg(pl->bases, &pl->nbases, 10);
	for (i = 0; i < 10; i++)
		if (s->cond.regs[i].type >= SMT_REG_CTX && s->cond.regs[i].type != SMT_REG_PKT_END)
			pool_add_reg(pl->bases, &pl->nbases, (uint8_t)i);
	for (i = 0; i < s->len; i++) {
		const struct bpf_insn *in = &s->orig[i];
		uint8_t cls = BPF_CLASS(in->code);

		if (search_insn_is_nop(in))
			continue;
		if (in->dst_reg < 10)
			pool_add_reg(pl->regs, &pl->nregs, in->dst_reg);
		if (cls == BPF_LDX)
			pool_add_reg(pl->bases, &pl->nbases, in->src_reg);
		if (cls == BPF_ST || cls == BPF_STX)
			pool_add_reg(pl->bases, &pl->nbases, in->dst_reg);
		if (cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX) {
			for (j = 0; j < pl->noffs && pl->offs[j] != in->off; j++)
				;
			if (j == pl->noffs && pl->noffs < sizeof(pl->offs) / sizeof(pl->offs[0]))
				pl->offs[pl->noffs++] = in->off;
		}
	}
}

/* Lay out the memory of the states: stack, ctx, the values entry registers point into, packet. */
static int build_env(struct search *s)
{
	struct sx_env *e = &s->e;
	uint32_t off = SX_STACK + SX_CTX_SIZE, i;

	memset(e, 0, sizeof(*e));
	e->prog_type = s->env->prog_type;
	e->maps = s->env->maps;
	e->nmaps = s->env->nmaps < SMT_MAX_MAPS ? s->env->nmaps : SMT_MAX_MAPS;
	e->ctx_off = SX_STACK;
	e->cond = &s->cond;
	for (i = 0; i < SX_STACK / 8; i++) {
		uint8_t live = s->cond.live_stack[i], bytes[8];
		uint32_t j;

		if (!live)
			continue;
		for (j = 0; j < 8; j++)
			bytes[j] = (live >> j) & 1 ? 0xff : 0;
		memcpy(&e->live_slot_mask[i], bytes, 8);
		e->live_slots |= 1ULL << i;
	}
	e->var_want = search_reads_first(s->orig_s, s->orig_n);
	e->scratch_live = s->cond.live_regs & ~search_writes(s->orig_s, s->orig_n);
	for (i = 0; i < 11; i++) {
		const struct smt_reg_desc *d = &s->cond.regs[i];
		uint32_t m = d->map;

		if (d->type != SMT_REG_MAP_VALUE)
			continue;
		if (m >= e->nmaps || e->maps[m].value_size > SX_MAP_VALUE_MAX)
			return -E2BIG;
		if (!e->mv_off[m]) {
			e->mv_off[m] = off;
			off += (e->maps[m].value_size + 7) & ~7u;
		}
	}
	e->pkt_off = off;
	e->state_size = sizeof(struct sx_state) + off + SX_PKT_MAX;
	return 0;
}

static void search_free(struct search *s)
{
	uint32_t i;

	for (i = 0; i < s->ntests; i++) {
		free(s->tin[i]);
		free(s->tout[i]);
	}
	free(s->tin);
	free(s->tout);
	free(s->scratch);
	free(s->rejected);
}

int search_window(const struct prog *p, const struct analysis *a, const struct smt_env *env,
		  struct smt_ctx *smt, uint32_t start, uint32_t len,
		  const struct search_params *sp, struct search_result *res)
{
	struct search_params defaults = {0};
	struct search *s;
	uint32_t i, nreal = 0, want, chains;
	uint64_t max_prop;
	double t0 = now();
	int err;

	memset(res, 0, sizeof(*res));
	if (!sp)
		sp = &defaults;
	if (!len || len > SEARCH_MAX_WINDOW || start >= p->len || len > p->len - start)
		return -EINVAL;
	memcpy(res->insns, p->insns + start, len * sizeof(*res->insns));
	res->len = len;
	res->cost_before = res->cost_after = search_cost(res->insns, len);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = search_window_cond(p, a, start, len, &s->cond);
	if (err)
		goto out;
	err = analysis_state(a, start, &s->as);
	if (err)
		goto out;
	s->env = env;
	s->smt = smt;
	s->sp = sp;
	s->res = res;
	s->len = len;
	memcpy(s->orig, res->insns, len * sizeof(*res->insns));
	s->tail = search_is_tail(&s->orig[len - 1]);
	memcpy(s->best, s->orig, sizeof(s->best));
	s->best_perf = res->cost_before;
	s->orig_n = search_strip(s->orig, len, s->orig_s);
	for (i = 0; i + 1 < len; i++)
		s->inner |= search_is_inner_jump(&s->orig[i]);
	s->slow = slow_ops(s->orig, len);
	if (!s->orig_n || build_env(s))
		goto out; /* nothing to search, or values too large to model: no rewrite */
	for (i = 0; i < len; i++)
		if (!search_insn_is_nop(&s->orig[i]))
			nreal++;
	s->unit = (double)res->cost_before / nreal;
	if (s->unit <= 0)
		s->unit = 1;
	s->rng = sp->seed ^ ((uint64_t)start << 32) ^ 0x5eedULL;
	want = sp->ntests ? sp->ntests : DEFAULT_TESTS;
	s->cap = want + MAX_CEX_TESTS;
	s->tin = calloc(s->cap, sizeof(*s->tin));
	s->tout = calloc(s->cap, sizeof(*s->tout));
	s->scratch = state_new(s);
	s->rejected = calloc(REJECTED_SLOTS, sizeof(*s->rejected));
	if (!s->tin || !s->tout || !s->scratch || !s->rejected) {
		err = -ENOMEM;
		goto out;
	}
	/* random tests the original runs without a fault (the verifier saw to that) */
	if (s->inner && (err = balanced_tests(s, want)))
		goto out;
	for (i = 0; i < 4 * want && s->ntests < want; i++) {
		struct sx_state *t = state_new(s);

		if (!t) {
			err = -ENOMEM;
			goto out;
		}
		sx_random_state(&s->e, &s->as, &s->cond, &s->rng, t);
		if (!add_test(s, t))
			free(t);
	}
	if (!s->ntests)
		goto out; /* the executor cannot run this window (atomics, ...) */
	add_short_tests(s, want / 4);
	way_out_tests(s);
	build_pool(s, p);
	chains = sp->chains ? sp->chains : DEFAULT_CHAINS;
	max_prop = sp->max_proposals ? sp->max_proposals : DEFAULT_PROPOSALS;
	for (i = 0; i < chains && !should_stop(s); i++) {
		/* each chain its share of the time left, so that every chain runs */
		if (sp->deadline > 0)
			s->chain_deadline = now() + (sp->deadline - now()) / (chains - i);
		chain(s, i, max_prop);
	}
	if (s->best_perf < res->cost_before) {
		memcpy(res->insns, s->best, len * sizeof(*res->insns));
		res->cost_after = s->best_perf;
		res->improved = true;
	}
out:
	res->stats.tests = s->ntests;
	res->stats.seconds = now() - t0;
	search_free(s);
	free(s);
	return err;
}
