// SPDX-License-Identifier: MIT
/*
 * core/smt: the equivalence checks.
 *
 * A check encodes both programs over the same symbolic inputs (smt_enc.c:
 * the packet and its length, the ctx bytes, the initial map values, the
 * results of the k-th helper call, and for windows the entry registers and
 * stack) and asks Z3 for an input on which some observable differs:
 *
 *   whole programs -- for every pair (exit state of A, exit state of B)
 *   whose path conditions can hold together: one faults and the other does
 *   not; or neither faults and r0 differs (its low 32 bits for types run
 *   through bpf_prog_run, all 64 otherwise), or a packet byte below the
 *   length, a ctx byte or a map value byte differs (each at an existential
 *   index, so no quantifiers), or the helper calls differ in number, id or
 *   arguments;
 *
 *   windows -- the same for memory and faults, plus the live-out registers
 *   and the live stack bytes the caller names.
 *
 * UNSAT is a proof: EQUIVALENT.  SAT gives a model; it becomes a concrete
 * input (struct smt_cex) -- first asking for a short packet so that it fits
 * the interpreter -- and both programs are run on it in core/interp.  Only
 * if the runs differ is the answer DIFFERENT; a model the interpreter does
 * not confirm means the encoding and the interpreter disagree (or the
 * model's input is one the interpreter cannot be given) and the answer is
 * UNKNOWN, with a message a test can catch (smt_replay.c).  A timeout, a
 * Z3 error, or a construct the encoder does not model is UNKNOWN too.
 *
 * One Z3 context and two solvers per struct smt_ctx (for QF_ABV, and
 * QF_AUFBV when a hash map lookup brings uninterpreted functions), reused
 * by every check.  A check asserts its query into the empty solver and
 * resets it afterwards
 * rather than wrapping it in push/pop: after a push, Z3's solver switches
 * to its incremental core, which on these bit-vector queries is up to 200
 * times slower than the bit-blasting tactic it uses otherwise (signed
 * division by -1: 5.8 s against 0.03 s).  push/pop is used inside a check,
 * to ask for a replayable model on top of a satisfiable query.  Every term
 * made during a check is reference-counted in an arena and released at its
 * end (Z3_mk_context_rc).  Z3 errors go to a no-op handler and are
 * read back with Z3_get_error_code, as in Z3's examples/c/test_capi.c.
 * Window verdicts are cached by the full bytes of the query.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/prog.h"
#include "core/smt_internal.h"

#define CACHE_BUCKETS 4096
#define CACHE_MAX 65536

struct smt_cache_ent {
	struct smt_cache_ent *next;
	uint64_t hash;
	size_t keylen;
	uint8_t *key;
	struct smt_result res;
};

static void on_z3_error(Z3_context c, Z3_error_code e)
{
	(void)c;
	(void)e; /* read back with Z3_get_error_code */
}

const char *smt_verdict_str(enum smt_verdict v)
{
	switch (v) {
	case SMT_EQUIVALENT:
		return "equivalent";
	case SMT_DIFFERENT:
		return "different";
	default:
		return "unknown";
	}
}

bool smt_ret_is_32bit(uint32_t t)
{
	switch (t) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_PERF_EVENT:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_SOCK_OPS:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_CGROUP_DEVICE:
	case BPF_PROG_TYPE_SK_MSG:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_SK_REUSEPORT:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
	case BPF_PROG_TYPE_SK_LOOKUP:
		return true;
	}
	/* tracing, LSM, struct_ops, ext, syscall, unknown: all 64 bits count */
	return false;
}

struct smt_ctx *smt_ctx__new(uint32_t timeout_ms)
{
	struct smt_ctx *s = calloc(1, sizeof(*s));
	Z3_config cfg;

	if (!s)
		return NULL;
	cfg = Z3_mk_config();
	if (!cfg)
		goto err;
	Z3_set_param_value(cfg, "model", "true");
	s->z = Z3_mk_context_rc(cfg);
	Z3_del_config(cfg);
	if (!s->z)
		goto err;
	Z3_set_error_handler(s->z, on_z3_error);
	s->bv8 = Z3_mk_bv_sort(s->z, 8);
	Z3_inc_ref(s->z, Z3_sort_to_ast(s->z, s->bv8));
	s->bv32 = Z3_mk_bv_sort(s->z, 32);
	Z3_inc_ref(s->z, Z3_sort_to_ast(s->z, s->bv32));
	s->bv64 = Z3_mk_bv_sort(s->z, 64);
	Z3_inc_ref(s->z, Z3_sort_to_ast(s->z, s->bv64));
	s->mem_sort = Z3_mk_array_sort(s->z, s->bv64, s->bv8);
	Z3_inc_ref(s->z, Z3_sort_to_ast(s->z, s->mem_sort));
	s->dummy = Z3_mk_true(s->z);
	Z3_inc_ref(s->z, s->dummy);
	/*
	 * Solvers for the logic of the query: QF_ABV's tactic is many times
	 * faster than the general solver on these queries (a 3-instruction
	 * window: 0.6 ms against 5 ms); UF only when a hash map was looked up.
	 */
	s->solvers[0] = Z3_mk_solver_for_logic(s->z, Z3_mk_string_symbol(s->z, "QF_ABV"));
	if (!s->solvers[0])
		goto err;
	Z3_solver_inc_ref(s->z, s->solvers[0]);
	s->solvers[1] = Z3_mk_solver_for_logic(s->z, Z3_mk_string_symbol(s->z, "QF_AUFBV"));
	if (!s->solvers[1])
		goto err;
	Z3_solver_inc_ref(s->z, s->solvers[1]);
	s->cache = calloc(CACHE_BUCKETS, sizeof(*s->cache));
	if (!s->cache)
		goto err;
	smt_ctx__set_timeout(s, timeout_ms);
	return s;
err:
	smt_ctx__free(s);
	errno = ENOMEM;
	return NULL;
}

static void cache_clear(struct smt_ctx *s)
{
	uint32_t i;

	for (i = 0; s->cache && i < CACHE_BUCKETS; i++) {
		while (s->cache[i]) {
			struct smt_cache_ent *e = s->cache[i];

			s->cache[i] = e->next;
			free(e->key);
			free(e);
		}
	}
	s->ncache = 0;
}

void smt_ctx__free(struct smt_ctx *s)
{
	if (!s)
		return;
	if (s->z) {
		smt_release(s);
		if (s->solvers[0])
			Z3_solver_dec_ref(s->z, s->solvers[0]);
		if (s->solvers[1])
			Z3_solver_dec_ref(s->z, s->solvers[1]);
		Z3_del_context(s->z);
	}
	cache_clear(s);
	free(s->cache);
	free(s->arena);
	free(s);
}

uint32_t smt_ctx__timeout(const struct smt_ctx *s)
{
	return s->timeout_ms;
}

void smt_ctx__set_timeout(struct smt_ctx *s, uint32_t timeout_ms)
{
	Z3_params p = Z3_mk_params(s->z);

	s->timeout_ms = timeout_ms;
	Z3_params_inc_ref(s->z, p);
	Z3_params_set_uint(s->z, p, Z3_mk_string_symbol(s->z, "timeout"),
			   timeout_ms ? timeout_ms : UINT32_MAX);
	Z3_solver_set_params(s->z, s->solvers[0], p);
	Z3_solver_set_params(s->z, s->solvers[1], p);
	Z3_params_dec_ref(s->z, p);
}

void smt_ctx__stats(const struct smt_ctx *s, struct smt_stats *st)
{
	*st = s->stats;
}

/* ---- solving ---- */

/*
 * What makes an input easy to replay: a packet of 64 to 256 bytes (the test
 * run wants at least an Ethernet header) that is not IP (the skb test run
 * insists on complete IP headers).  Only a preference: without it the model
 * may still replay.
 */
static Z3_ast replayable(struct smt_ctx *s)
{
	Z3_ast len = smt_and2(s, smt_t(s, Z3_mk_bvule(s->z, s->plen, smt_bv(s, 256, 64))),
			      smt_t(s, Z3_mk_bvuge(s->z, s->plen, smt_bv(s, 64, 64))));
	Z3_ast eth = smt_eq(s, smt_init_byte(s, T_PKT, 12), smt_bv(s, 0x88, 8));

	return smt_and2(s, len, eth);
}

/* The replay hints of both encodings, as one term. */
static Z3_ast hint_conj(struct smt_ctx *s, const struct senc *ea, const struct senc *eb)
{
	Z3_ast h = smt_t(s, Z3_mk_true(s->z));
	uint32_t i;

	for (i = 0; i < ea->nhints; i++)
		h = smt_and2(s, h, ea->hints[i]);
	for (i = 0; i < eb->nhints; i++)
		h = smt_and2(s, h, eb->hints[i]);
	return h;
}

/* Solve "some observable differs"; fills @res->verdict (DIFFERENT unconfirmed). */
static void solve(struct smt_ctx *s, const struct smt_diff *d, const struct senc *ea,
		  const struct senc *eb, const struct smt_window_cond *wc, struct smt_result *res)
{
	Z3_ast *conds, any;
	Z3_solver sv = s->solvers[s->used_uf];
	Z3_lbool r;
	uint32_t i;

	conds = malloc((d->n ? d->n : 1) * sizeof(*conds));
	if (!conds) {
		res->verdict = SMT_UNKNOWN;
		snprintf(res->msg, sizeof(res->msg), "out of memory");
		return;
	}
	for (i = 0; i < d->n; i++)
		conds[i] = d->c[i].cond;
	any = d->n ? smt_t(s, Z3_mk_or(s->z, d->n, conds)) : smt_t(s, Z3_mk_false(s->z));
	free(conds);
	if (s->nhkeys || s->nhnew) /* what real hash maps guarantee */
		any = smt_and2(s, smt_map_axioms(s), any);
	if (s->zerr) {
		res->verdict = SMT_UNKNOWN;
		snprintf(res->msg, sizeof(res->msg), "Z3 error while encoding");
		return;
	}
	s->stats.queries++;
	Z3_solver_assert(s->z, sv, any);
	r = Z3_solver_check(s->z, sv);
	if (r == Z3_L_FALSE) {
		s->stats.unsat++;
		res->verdict = SMT_EQUIVALENT;
		snprintf(res->msg, sizeof(res->msg), "proven equivalent");
	} else if (r == Z3_L_UNDEF) {
		s->stats.unknown++;
		res->verdict = SMT_UNKNOWN;
		snprintf(res->msg, sizeof(res->msg), "solver: %s",
			 Z3_solver_get_reason_unknown(s->z, sv));
	} else {
		Z3_model m;

		s->stats.sat++;
		/*
		 * ask for an input the interpreter can take: a short packet, and
		 * helper results as the interpreter computes them; then the
		 * results alone; then anything
		 */
		Z3_ast hints = hint_conj(s, ea, eb);

		Z3_solver_push(s->z, sv);
		Z3_solver_assert(s->z, sv, smt_and2(s, replayable(s), hints));
		r = Z3_solver_check(s->z, sv);
		if (r != Z3_L_TRUE && (ea->nhints || eb->nhints)) {
			Z3_solver_pop(s->z, sv, 1);
			Z3_solver_push(s->z, sv);
			Z3_solver_assert(s->z, sv, hints);
			r = Z3_solver_check(s->z, sv);
		}
		if (r != Z3_L_TRUE) {
			Z3_solver_pop(s->z, sv, 1);
			r = Z3_solver_check(s->z, sv);
		}
		m = r == Z3_L_TRUE ? Z3_solver_get_model(s->z, sv) : NULL;
		if (m) {
			Z3_model_inc_ref(s->z, m);
			smt_fill_cex(s, m, d, ea, eb, wc, &res->cex);
			Z3_model_dec_ref(s->z, m);
			res->verdict = SMT_DIFFERENT;
		} else {
			res->verdict = SMT_UNKNOWN;
			snprintf(res->msg, sizeof(res->msg), "solver gave no model");
		}
	}
	/* a reset solver forgets its parameters */
	Z3_solver_reset(s->z, sv);
	smt_ctx__set_timeout(s, s->timeout_ms);
	if (Z3_get_error_code(s->z) != Z3_OK) {
		res->verdict = SMT_UNKNOWN;
		snprintf(res->msg, sizeof(res->msg), "Z3 error: %s",
			 Z3_get_error_msg(s->z, Z3_get_error_code(s->z)));
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int check_inputs(const struct bpf_insn *insns, size_t len, const struct smt_env *env,
			const char *which, struct smt_result *res)
{
	char msg[PROG_MSG_SIZE];

	if (!insns || !len || prog_validate(insns, len, msg, sizeof(msg))) {
		snprintf(res->msg, sizeof(res->msg), "program %s: %.200s", which,
			 insns && len ? msg : "empty");
		return -EINVAL;
	}
	if (env->nmaps > SMT_MAX_MAPS) {
		snprintf(res->msg, sizeof(res->msg), "more than %d maps", SMT_MAX_MAPS);
		return -E2BIG;
	}
	return 0;
}

/*
 * @fa, @fb: whole programs with BPF-to-BPF calls, flattened (smt_calls.c):
 * encoded instead of @a and @b, which a counterexample is replayed on.
 */
static int check(struct smt_ctx *s, const struct bpf_insn *a, size_t alen, const struct bpf_insn *b,
		 size_t blen, const struct smt_env *env, const struct smt_window_cond *wc,
		 const struct smt_flat *fa, const struct smt_flat *fb, struct smt_result *res)
{
	struct senc ea, eb;
	struct smt_diff *d;
	double t0 = now();
	uint32_t i, j;
	int err = 0;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	smt_enc_begin(s, env, wc != NULL);
	if ((err = fa ? smt_enc_prog(s, fa->insns, fa->len, fa->ops, wc, &ea)
		      : smt_enc_prog(s, a, alen, NULL, wc, &ea)))
		goto out_d;
	if ((err = fb ? smt_enc_prog(s, fb->insns, fb->len, fb->ops, wc, &eb)
		      : smt_enc_prog(s, b, blen, NULL, wc, &eb)))
		goto out_a;
	if (!s->unsup[0] && !s->zerr) {
		if (wc) {
			smt_window_diffs(s, d, ea.end, eb.end, wc);
		} else {
			for (i = 0; i < ea.nexits; i++)
				for (j = 0; j < eb.nexits; j++)
					smt_exit_diffs(s, d, ea.exits[i], eb.exits[j]);
		}
	}
	if (s->unsup[0] || s->zerr) {
		res->verdict = SMT_UNKNOWN;
		snprintf(res->msg, sizeof(res->msg), "not modelled: %s",
			 s->unsup[0] ? s->unsup : "Z3 error");
	} else {
		solve(s, d, &ea, &eb, wc, res);
		if (res->verdict == SMT_EQUIVALENT && s->refused[0]) {
			/* equal where compared; what could not be compared stays unknown */
			res->verdict = SMT_UNKNOWN;
			snprintf(res->msg, sizeof(res->msg), "not modelled: %s", s->refused);
		}
		if (res->verdict == SMT_DIFFERENT) {
			bool ok = wc ? smt_replay_window(a, alen, b, blen, env, wc, res)
				     : smt_replay_prog(a, alen, b, blen, env, res);

			res->replayed = ok;
			res->sat = true;
			if (!ok) {
				s->stats.replay_failed++;
				res->verdict = SMT_UNKNOWN;
			}
		}
	}
	smt_enc_free(&eb);
out_a:
	smt_enc_free(&ea);
out_d:
	free(d);
	smt_release(s);
	Z3_get_error_code(s->z);
	res->seconds = now() - t0;
	return err;
}

int smt_check_prog(struct smt_ctx *s, const struct bpf_insn *a, size_t alen,
		   const struct bpf_insn *b, size_t blen, const struct smt_env *env,
		   struct smt_result *res)
{
	struct smt_flat fa = {0}, fb = {0};
	char msg[PROG_MSG_SIZE];
	struct prog *pa, *pb;
	bool calls;
	int err;

	memset(res, 0, sizeof(*res));
	res->verdict = SMT_UNKNOWN;
	if ((err = check_inputs(a, alen, env, "A", res)) ||
	    (err = check_inputs(b, blen, env, "B", res)))
		return err;
	pa = prog__new(a, alen, NULL, 0);
	pb = prog__new(b, blen, NULL, 0);
	calls = (pa && pa->nsubprogs > 1) || (pb && pb->nsubprogs > 1);
	prog__free(pa);
	prog__free(pb);
	if (!calls)
		return check(s, a, alen, b, blen, env, NULL, NULL, NULL, res);
	/* BPF-to-BPF calls: each program flattened, a copy of a callee per call */
	if (smt_flatten(a, alen, &fa, msg, sizeof(msg)) ||
	    smt_flatten(b, blen, &fb, msg, sizeof(msg))) {
		snprintf(res->msg, sizeof(res->msg), "not modelled: %.200s", msg);
		smt_flat_free(&fa);
		return 0;
	}
	err = check(s, a, alen, b, blen, env, NULL, &fa, &fb, res);
	smt_flat_free(&fa);
	smt_flat_free(&fb);
	return err;
}

/* ---- windows and the cache ---- */

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static uint8_t *cache_key(const struct bpf_insn *a, size_t alen, const struct bpf_insn *b,
			  size_t blen, const struct smt_env *env, const struct smt_window_cond *c,
			  size_t *n)
{
	size_t sz = 4 * sizeof(uint64_t) + env->nmaps * sizeof(*env->maps) + sizeof(*c) +
		    (alen + blen) * sizeof(*a);
	uint8_t *k = calloc(1, sz), *p = k;
	uint64_t hdr[4] = {env->prog_type, env->plain, alen, blen};

	if (!k)
		return NULL;
	memcpy(p, hdr, sizeof(hdr));
	p += sizeof(hdr);
	if (env->nmaps) {
		memcpy(p, env->maps, env->nmaps * sizeof(*env->maps));
		p += env->nmaps * sizeof(*env->maps);
	}
	memcpy(p, c, sizeof(*c));
	p += sizeof(*c);
	memcpy(p, a, alen * sizeof(*a));
	p += alen * sizeof(*a);
	memcpy(p, b, blen * sizeof(*b));
	*n = sz;
	return k;
}

/* A window is a piece of a program: no exit needed, but whole instructions. */
static int check_window_insns(const struct bpf_insn *insns, size_t len, const char *which,
			      struct smt_result *res)
{
	size_t i;

	if (!insns || !len) {
		snprintf(res->msg, sizeof(res->msg), "window %s: empty", which);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (insns[i].dst_reg > 10 || insns[i].src_reg > 10) {
			snprintf(res->msg, sizeof(res->msg),
				 "window %s: insn %zu: invalid register", which, i);
			return -EINVAL;
		}
		if (prog_insn_is_ldimm64(&insns[i]) && ++i >= len) {
			snprintf(res->msg, sizeof(res->msg), "window %s: truncated LD_IMM64",
				 which);
			return -EINVAL;
		}
	}
	return 0;
}

int smt_check_window(struct smt_ctx *s, const struct bpf_insn *a, size_t alen,
		     const struct bpf_insn *b, size_t blen, const struct smt_env *env,
		     const struct smt_window_cond *cond, struct smt_result *res)
{
	struct smt_cache_ent *e;
	struct smt_window_cond c;
	uint8_t *key;
	uint64_t h;
	size_t n;
	int err;

	memset(res, 0, sizeof(*res));
	res->verdict = SMT_UNKNOWN;
	if ((err = check_window_insns(a, alen, "A", res)) ||
	    (err = check_window_insns(b, blen, "B", res)))
		return err;
	if (env->nmaps > SMT_MAX_MAPS) {
		snprintf(res->msg, sizeof(res->msg), "more than %d maps", SMT_MAX_MAPS);
		return -E2BIG;
	}
	for (n = 0; n < 11; n++) {
		const struct smt_reg_desc *r = &cond->regs[n];
		size_t k;

		if (r->type != SMT_REG_MAP_VALUE)
			continue;
		/*
		 * The model puts a map's value pointers at one element: an
		 * empty map makes that pre-condition false (everything would be
		 * "equivalent"), two pointers would alias where the kernel's
		 * need not.
		 */
		if (r->map >= env->nmaps || !env->maps[r->map].max_entries) {
			snprintf(res->msg, sizeof(res->msg),
				 "not modelled: r%zu points into a map of no elements", n);
			return 0;
		}
		for (k = 0; k < n; k++)
			if (cond->regs[k].type == SMT_REG_MAP_VALUE && cond->regs[k].map == r->map) {
				snprintf(res->msg, sizeof(res->msg),
					 "not modelled: r%zu and r%zu point into the same map", k, n);
				return 0;
			}
	}
	/* a copy without the caller's padding bytes, for the key */
	memset(&c, 0, sizeof(c));
	for (n = 0; n < 11; n++) {
		c.regs[n].type = cond->regs[n].type;
		c.regs[n].map = cond->regs[n].map;
		c.regs[n].off = cond->regs[n].off;
		c.regs[n].known = cond->regs[n].known;
		c.regs[n].value = cond->regs[n].known ? cond->regs[n].value : 0;
	}
	c.live_regs = cond->live_regs;
	memcpy(c.live_stack, cond->live_stack, sizeof(c.live_stack));
	c.nexits = cond->nexits;
	if (c.nexits) {
		c.exit_reg = cond->exit_reg;
		c.ways_len = cond->ways_len;
		memcpy(c.exit_id, cond->exit_id, sizeof(c.exit_id));
		memcpy(c.exit_live, cond->exit_live, sizeof(c.exit_live));
	}
	key = cache_key(a, alen, b, blen, env, &c, &n);
	if (!key)
		return -ENOMEM;
	h = fnv(key, n);
	for (e = s->cache[h % CACHE_BUCKETS]; e; e = e->next)
		if (e->hash == h && e->keylen == n && !memcmp(e->key, key, n)) {
			*res = e->res;
			res->cached = true;
			s->stats.cache_hits++;
			free(key);
			return 0;
		}
	err = check(s, a, alen, b, blen, env, cond, NULL, NULL, res);
	if (err || (res->verdict == SMT_UNKNOWN && strstr(res->msg, "solver:"))) {
		free(key); /* errors and timeouts may go differently next time */
		return err;
	}
	if (s->ncache >= CACHE_MAX)
		cache_clear(s);
	e = malloc(sizeof(*e));
	if (!e) {
		free(key);
		return 0;
	}
	e->hash = h;
	e->key = key;
	e->keylen = n;
	e->res = *res;
	e->next = s->cache[h % CACHE_BUCKETS];
	s->cache[h % CACHE_BUCKETS] = e;
	s->ncache++;
	return 0;
}
