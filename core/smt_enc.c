// SPDX-License-Identifier: MIT
/*
 * core/smt: BPF semantics as bit-vector formulas.
 *
 * The encoder is a symbolic executor over a loop-free program.  It visits
 * instructions in index order -- with no back edges that is a topological
 * order of the CFG -- and keeps, per instruction, the list of states that
 * reach it.  A state (struct sstate) is a path condition, the eleven
 * registers as bv64 terms, memory, a fault condition and the helper calls
 * made so far.  States arriving at one instruction are merged into one
 * (every field becomes smt_ite(pc1, x1, x2)) when they agree on everything the
 * encoder knows statically: the number of helper calls so far and the tag
 * of every register and spilled stack slot.  Otherwise they stay apart, so
 * that the k-th helper call of a state is always the same syntactic event
 * and tags are never "one thing or another".
 *
 * Tags.  The verifier types every register (scalar, ctx, stack, packet,
 * map value, ...), and so does the encoder.  Pointers are bv64 values
 * base(region) + offset with bases 4 GiB apart, but the encoder only lets
 * a program do with a pointer what the verifier lets it do (add or subtract
 * a scalar, subtract a pointer to the same region, compare with NULL or a
 * pointer to the same packet, spill and fill it whole); anything else would
 * make the result depend on where we put the regions, and is UNKNOWN.
 *
 * Memory (K2's "memory type concretization"): each region its own array,
 * the stack as byte terms at constant offsets, or one flat array with
 * env->plain -- in smt_mem.c, with the helper calls.
 *
 * Faults.  Every access adds "path condition and not in bounds" to the
 * state's fault condition: a packet access outside [0, plen), a map value
 * access outside its element or through NULL.  The checker treats a fault
 * as an observable outcome of its own: a program the verifier accepted
 * never faults on a real input, and two programs that both fault are not
 * told apart, but one that faults where the other does not is.
 *
 * Helpers.  map_lookup_elem is modelled exactly for arrays (the key
 * selects element key, or NULL past max_entries) and by uninterpreted
 * functions present(key) and slot(key) for hash maps, so a lookup is a
 * pure function of the key bytes and an unused one can be proven dead.
 * Helpers in smt_mem.c's table are ordered events: the k-th call of each
 * program is compared (helper id and arguments) and returns the shared
 * fresh value hret[k].  A tail call is an event too, and an exit where it
 * succeeds (smt_helpers.c).  BPF-to-BPF calls: the program flattened, a
 * frame pushed and popped around each copy of a callee (smt_calls.c).
 * Other helpers and kfuncs are UNKNOWN in this version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/prog.h"
#include "core/smt_internal.h"

#define PKT_MAX SMT_PKT_MAX

/* ---- shared inputs ---- */

void smt_enc_begin(struct smt_ctx *s, const struct smt_env *env, bool window)
{
	Z3_sort dom[1];
	char name[32];
	uint32_t m;

	s->env = env;
	s->window = window;
	s->unsup[0] = '\0';
	s->refused[0] = '\0';
	s->zerr = false;
	s->used_uf = false;
	s->pkt0 = smt_var(s, "pkt", s->mem_sort);
	s->plen = smt_var(s, "plen", s->bv64);
	s->slen = NULL;
	s->ctx0 = smt_var(s, "ctx", s->mem_sort);
	s->stk0 = smt_var(s, "stack", s->mem_sort);
	s->mem0 = smt_var(s, "mem", s->mem_sort);
	for (m = 0; m < env->nmaps && m < SMT_MAX_MAPS; m++) {
		const struct interp_map_def *d = &env->maps[m];

		snprintf(name, sizeof(name), "map%u", m);
		s->mv0[m] = smt_var(s, name, s->mem_sort);
		snprintf(name, sizeof(name), "elem%u", m);
		s->welem[m] = smt_var(s, name, s->bv32);
		s->pres0[m] = s->slot0[m] = NULL;
		s->full[m] = NULL;
		if (d->key_size == 0 || d->key_size > 64)
			continue; /* lookups in it are not modelled */
		dom[0] = Z3_mk_bv_sort(s->z, 8 * d->key_size);
		smt_t(s, Z3_sort_to_ast(s->z, dom[0]));
		snprintf(name, sizeof(name), "present%u", m);
		s->pres0[m] = smt_var(s, name, Z3_mk_array_sort(s->z, dom[0], Z3_mk_bool_sort(s->z)));
		snprintf(name, sizeof(name), "slot%u", m);
		s->slot0[m] = smt_var(s, name, Z3_mk_array_sort(s->z, dom[0], s->bv32));
		/*
		 * Declarations are reference-counted too, and a fresh one lives only
		 * until the next API call: the arena takes it at once.
		 */
		dom[0] = Z3_get_sort(s->z, s->pres0[m]);
		snprintf(name, sizeof(name), "full%u", m);
		s->full[m] = Z3_mk_func_decl(s->z, Z3_mk_string_symbol(s->z, name), 1, dom,
					     Z3_mk_bool_sort(s->z));
		smt_t(s, Z3_func_decl_to_ast(s->z, s->full[m]));
	}
	s->nhkeys = s->nhnew = s->nfresh = 0;
	for (m = 0; m < SMT_MAX_EVENTS; m++) {
		snprintf(name, sizeof(name), "helper_ret%u", m);
		s->hret[m] = smt_var(s, name, s->bv64);
	}
	for (m = 0; m < 11; m++) {
		snprintf(name, sizeof(name), "r%u", m);
		s->wreg[m] = smt_var(s, name, s->bv64);
	}
}

/* ---- states ---- */

static struct sstate *state_new(struct smt_ctx *s)
{
	struct sstate *st = calloc(1, sizeof(*st));
	uint32_t m;

	if (!st)
		return NULL;
	st->pc = T(Z3_mk_true(s->z));
	st->fault = T(Z3_mk_false(s->z));
	st->ctx = s->ctx0;
	st->pkt = s->pkt0;
	st->mem = s->mem0;
	for (m = 0; m < s->env->nmaps && m < SMT_MAX_MAPS; m++) {
		st->mv[m] = s->mv0[m];
		st->hpres[m] = s->pres0[m];
		st->hslot[m] = s->slot0[m];
	}
	for (m = 0; m < SMT_STACK / 8; m++)
		st->stag[m] = T_SCALAR;
	return st;
}

struct sstate *smt_state_dup(const struct sstate *st)
{
	struct sstate *n = malloc(sizeof(*n));

	if (n)
		memcpy(n, st, sizeof(*n));
	return n;
}

static bool mergeable(const struct sstate *a, const struct sstate *b)
{
	int i, j;

	if (a->nev != b->nev)
		return false;
	for (i = 0; i < (int)a->nev; i++)
		if (a->ev[i].mem_len != b->ev[i].mem_len || !a->ev[i].pkt != !b->ev[i].pkt)
			return false;
	for (i = 0; i < 11; i++)
		if (a->r[i].tag != b->r[i].tag)
			return false;
	if (a->depth != b->depth)
		return false;
	for (i = 0; i < (int)a->depth; i++)
		for (j = 0; j < 5; j++)
			if (a->saved[i][j].tag != b->saved[i][j].tag)
				return false;
	for (i = 0; i < SMT_STACK / 8; i++)
		if (a->stag[i] != b->stag[i])
			return false;
	return true;
}

/* a := a on a->pc, b on b->pc (the paths are disjoint). */
static void merge_into(struct smt_ctx *s, struct sstate *a, const struct sstate *b)
{
	Z3_ast c = a->pc;
	uint32_t i, j;

	for (i = 0; i < 11; i++)
		if (a->r[i].tag != T_UNINIT)
			a->r[i].v = smt_ite(s, c, a->r[i].v, b->r[i].v);
	for (i = 0; i < a->depth; i++)
		for (j = 0; j < 5; j++)
			if (a->saved[i][j].tag != T_UNINIT)
				a->saved[i][j].v =
					smt_ite(s, c, a->saved[i][j].v, b->saved[i][j].v);
	for (i = 0; i < SMT_STACK; i++) {
		if (a->stk[i] != b->stk[i]) {
			Z3_ast x = a->stk[i], y = b->stk[i];
			Z3_ast init =
				T(Z3_mk_select(s->z, s->stk0, smt_bvk(s, (int64_t)i - SMT_STACK)));

			a->stk[i] = smt_ite(s, c, x ? x : init, y ? y : init);
		}
		a->sinit[i] &= b->sinit[i];
	}
	a->ctx = smt_ite(s, c, a->ctx, b->ctx);
	a->pkt = smt_ite(s, c, a->pkt, b->pkt);
	a->mem = smt_ite(s, c, a->mem, b->mem);
	for (i = 0; i < SMT_MAX_MAPS; i++) {
		if (a->mv[i])
			a->mv[i] = smt_ite(s, c, a->mv[i], b->mv[i]);
		if (a->hpres[i]) {
			a->hpres[i] = smt_ite(s, c, a->hpres[i], b->hpres[i]);
			a->hslot[i] = smt_ite(s, c, a->hslot[i], b->hslot[i]);
		}
	}
	for (i = 0; i < a->nev; i++) {
		a->ev[i].id = smt_ite(s, c, a->ev[i].id, b->ev[i].id);
		for (j = 0; j < 5; j++)
			a->ev[i].args[j] = smt_ite(s, c, a->ev[i].args[j], b->ev[i].args[j]);
		if (a->ev[i].mem)
			a->ev[i].mem = smt_ite(s, c, a->ev[i].mem, b->ev[i].mem);
		if (a->ev[i].pkt) {
			a->ev[i].pkt = smt_ite(s, c, a->ev[i].pkt, b->ev[i].pkt);
			a->ev[i].pktlen = smt_ite(s, c, a->ev[i].pktlen, b->ev[i].pktlen);
		}
	}
	a->fault = smt_ite(s, c, a->fault, b->fault);
	a->pc = smt_or2(s, a->pc, b->pc);
}

/* ---- whole programs and windows ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct slist {
	struct sstate **v;
	uint32_t n, cap;
};

static int slist_add(struct smt_ctx *s, struct slist *l, struct sstate *st)
{
	uint32_t k;

	for (k = 0; k < l->n; k++)
		if (mergeable(l->v[k], st)) {
			merge_into(s, l->v[k], st);
			free(st);
			return 0;
		}
	if (l->n == l->cap) {
		uint32_t n = l->cap ? 2 * l->cap : 2;
		void *p = realloc(l->v, n * sizeof(*l->v));

		if (!p) {
			free(st);
			return -ENOMEM;
		}
		l->v = p;
		l->cap = n;
	}
	l->v[l->n++] = st;
	return 0;
}

static void window_init(struct smt_ctx *s, struct sstate *st, const struct smt_window_cond *c)
{
	uint32_t i;

	memset(st->sinit, 1, sizeof(st->sinit));
	for (i = 0; i < 11; i++) {
		const struct smt_reg_desc *r = &c->regs[i];
		uint16_t tag = T_UNINIT;
		Z3_ast v = s->wreg[i];

		switch (r->type) {
		case SMT_REG_SCALAR:
			tag = T_SCALAR;
			if (r->known)
				v = smt_bv(s, r->value, 64);
			break;
		case SMT_REG_SCALAR32:
			tag = T_SCALAR;
			v = r->known ? smt_bv(s, r->value & 0xffffffffu, 64)
				     : smt_zext(s, 32, smt_ext(s, 31, 0, v));
			break;
		case SMT_REG_CTX:
			tag = T_CTX;
			break;
		case SMT_REG_STACK:
			tag = T_STACK;
			break;
		case SMT_REG_PKT:
			tag = T_PKT;
			break;
		case SMT_REG_PKT_END:
			tag = T_PKT_END;
			break;
		case SMT_REG_MAP_VALUE:
			if (r->map >= s->env->nmaps || r->map >= SMT_MAX_MAPS) {
				tag = T_UNINIT;
				break;
			}
			tag = T_MAPVAL + r->map;
			break;
		}
		if (tag == T_CTX || tag == T_STACK || tag == T_PKT)
			v = smt_bvk(s, (int64_t)smt_region_base(tag) + r->off);
		else if (tag == T_PKT_END)
			v = smt_add(s, smt_bvk(s, (int64_t)smt_region_base(tag)), s->plen);
		else if (tag >= T_MAPVAL && tag < T_MAPOBJ)
			v = smt_add(
				s, smt_bvk(s, (int64_t)smt_region_base(tag) + r->off),
				T(Z3_mk_bvshl(s->z, smt_zext(s, 32, s->welem[r->map]),
					      smt_bvk(s, smt_map_shift(&s->env->maps[r->map])))));
		st->r[i].v = v;
		st->r[i].tag = tag;
	}
	/* the window's inputs are an element of the map, and a possible packet */
	for (i = 0; i < 11; i++) {
		const struct smt_reg_desc *r = &c->regs[i];

		if (st->r[i].tag >= T_MAPVAL && st->r[i].tag < T_MAPOBJ)
			st->pc = smt_and2(
				s, st->pc,
				T(Z3_mk_bvult(s->z, s->welem[r->map],
					      smt_bv(s, s->env->maps[r->map].max_entries, 32))));
	}
	st->pc = smt_and2(s, st->pc, T(Z3_mk_bvule(s->z, s->plen, smt_bvk(s, PKT_MAX))));
}

/*
 * Exits with the same number of helper calls merge: after exit only r0,
 * memory, the calls and the fault condition are observable.
 */
static int add_exit(struct smt_ctx *s, struct senc *out, struct sstate *x)
{
	uint32_t k;

	for (k = 1; k < 11; k++)
		x->r[k].tag = T_UNINIT;
	for (k = 0; k < SMT_STACK / 8; k++)
		x->stag[k] = T_SCALAR;
	for (k = 0; k < out->nexits; k++)
		if (mergeable(out->exits[k], x)) {
			merge_into(s, out->exits[k], x);
			free(x);
			return 0;
		}
	if (out->nexits == SMT_MAX_EXITS) {
		free(x);
		return -1;
	}
	out->exits[out->nexits++] = x;
	return 0;
}

void smt_enc_free(struct senc *e)
{
	uint32_t i;

	for (i = 0; i < e->nexits; i++)
		free(e->exits[i]);
	free(e->end);
	memset(e, 0, sizeof(*e));
}

/* Where @st leaves r@i unreadable, as a condition on its own path. */
static Z3_ast undef_of(struct smt_ctx *s, const struct sstate *st, uint32_t i)
{
	if (st->r[i].tag == T_UNINIT)
		return T(Z3_mk_true(s->z));
	return st->undef[i] ? st->undef[i] : T(Z3_mk_false(s->z));
}

/*
 * A window's paths meet at its end: their states become one.  A register
 * written on some paths only keeps its type, with the condition of the
 * paths that did not write it in undef[] (the diffs compare that too: a
 * counterexample then shows the path); registers of different types on two
 * paths become unreadable (a live-out one is refused by the diffs); other
 * differences are UNKNOWN.
 */
static struct sstate *window_end(struct smt_ctx *s, struct slist *l)
{
	struct sstate *a;
	uint32_t k, i;

	if (!l->n) {
		snprintf(s->unsup, sizeof(s->unsup), "%s", "no path reaches the window's end");
		return NULL;
	}
	a = l->v[0];
	for (k = 1; k < l->n; k++) {
		struct sstate *b = l->v[k];

		for (i = 0; i < 11; i++) {
			uint16_t ta = a->r[i].tag, tb = b->r[i].tag;

			if (ta != tb && ta != T_UNINIT && tb != T_UNINIT) {
				a->r[i].tag = b->r[i].tag = T_UNINIT;
				a->undef[i] = b->undef[i] = NULL;
				continue;
			}
			if (ta == tb && (ta == T_UNINIT || (!a->undef[i] && !b->undef[i])))
				continue;
			/* a->pc is the condition merge_into() chooses a by */
			a->undef[i] = smt_ite(s, a->pc, undef_of(s, a, i), undef_of(s, b, i));
			if (ta == T_UNINIT) {
				a->r[i].tag = tb;
				a->r[i].v = b->r[i].v;
			} else if (tb == T_UNINIT) {
				b->r[i].tag = ta;
				b->r[i].v = a->r[i].v;
			}
		}
		if (!mergeable(a, b)) {
			snprintf(s->unsup, sizeof(s->unsup), "%s",
				 "the window's paths end with different stack types or calls");
			return NULL;
		}
		merge_into(s, a, b);
	}
	for (k = 1; k < l->n; k++)
		free(l->v[k]);
	l->n = 0;
	return a;
}

/*
 * At a window's ways out (struct smt_window_cond): `rX = id` there leaves
 * the registers way id does not read unreadable on the path through it.
 */
static void way_out(const struct smt_window_cond *c, const struct bpf_insn *in, struct sstate *x)
{
	uint32_t k, i;

	if (in->code != (BPF_ALU64 | BPF_MOV | BPF_K) || in->dst_reg != c->exit_reg)
		return;
	for (k = 0; k < c->nexits && k < SMT_MAX_WEXITS; k++) {
		if (c->exit_id[k] != (uint32_t)in->imm)
			continue;
		for (i = 0; i < 11; i++)
			if (i != c->exit_reg && !((c->exit_live[k] >> i) & 1)) {
				x->r[i].tag = T_UNINIT;
				x->undef[i] = NULL;
			}
		return;
	}
}

/* Where control may go after insn @i: up to two successors in @succ; how many. */
static unsigned int successors(const struct bpf_insn *insns, size_t len, size_t i, int64_t *succ)
{
	const struct bpf_insn *in = &insns[i];
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	size_t next = i + (prog_insn_is_ldimm64(in) ? 2 : 1);
	unsigned int n = 0;

	if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT)
		return 0;
	if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL) {
		succ[n++] = prog_jump_target(insns, i);
		if (op == BPF_JA)
			return n;
	}
	if (next < len)
		succ[n++] = (int64_t)next;
	return n;
}

/*
 * The order a whole program's instructions are visited in: a topological
 * order of its control flow (depth first, in reverse postorder), so that
 * every state reaching an instruction is there before it runs -- also
 * through a jump backwards that is no loop (clang lays out some tails after
 * the code that jumps back to them).  NULL with *@loop set to 1 + the insn
 * that closes a cycle if there is one; NULL alone when out of memory.
 */
static size_t *topo_order(const struct bpf_insn *insns, size_t len, size_t *n, size_t *loop)
{
	uint8_t *mark = calloc(len, 1); /* 1: on the path, 2: done */
	size_t *order = malloc(len * sizeof(*order)), *stk = malloc(len * sizeof(*stk));
	uint8_t *next = calloc(len, 1); /* successors of it tried */
	size_t sp = 0, k = len;

	*loop = 0;
	if (!mark || !order || !stk || !next)
		goto fail;
	stk[sp++] = 0;
	mark[0] = 1;
	while (sp) {
		size_t i = stk[sp - 1];
		int64_t succ[2];
		unsigned int ns = successors(insns, len, i, succ);

		if (next[i] < ns) {
			int64_t t = succ[next[i]++];

			if (t < 0 || t >= (int64_t)len)
				continue; /* reported where it runs */
			if (mark[t] == 1) {
				*loop = i + 1;
				goto fail;
			}
			if (!mark[t]) {
				mark[t] = 1;
				stk[sp++] = (size_t)t;
			}
			continue;
		}
		mark[i] = 2;
		order[--k] = i;
		sp--;
	}
	memmove(order, order + k, (len - k) * sizeof(*order));
	*n = len - k;
	free(mark);
	free(stk);
	free(next);
	return order;
fail:
	free(mark);
	free(order);
	free(stk);
	free(next);
	return NULL;
}

int smt_enc_prog(struct smt_ctx *s, const struct bpf_insn *insns, size_t len, const uint8_t *ops,
		 const struct smt_window_cond *cond, struct senc *out)
{
	struct insn_env ie = {.s = s, .out = out};
	struct slist *at = NULL;
	struct sstate *st;
	size_t i, k, *order = NULL, norder = 0, oi;
	uint64_t t0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	t0 = now_ms();
	st = state_new(s);
	if (!st)
		return -ENOMEM;
	if (cond) {
		/*
		 * A window: entered in @cond's state; forward jumps inside it
		 * may go to any later instruction or to its end (@len), where
		 * every path must arrive; exits and calls stay outside.
		 */
		window_init(s, st, cond);
	} else {
		st->r[1].v = smt_bvk(s, (int64_t)smt_region_base(T_CTX));
		st->r[1].tag = T_CTX;
		st->r[10].v = smt_bvk(s, (int64_t)smt_region_base(T_STACK));
		st->r[10].tag = T_STACK;
		st->pc = T(Z3_mk_bvule(s->z, s->plen, smt_bvk(s, PKT_MAX)));
	}
	at = calloc(len + 2, sizeof(*at));
	if (!at) {
		free(st);
		return -ENOMEM;
	}
	at[0].v = malloc(sizeof(*at[0].v));
	if (!at[0].v) {
		free(st);
		free(at);
		return -ENOMEM;
	}
	at[0].v[0] = st;
	at[0].n = at[0].cap = 1;
	if (!cond) {
		size_t loop;

		order = topo_order(insns, len, &norder, &loop);
		if (!order) {
			smt_unsup(s, loop ? loop - 1 : 0, "%s",
				  loop ? "backward jump (loop)" : "out of memory");
			err = 1;
		}
	}

	for (oi = 0; oi < (order ? norder : len) && !err; oi++) {
		const struct bpf_insn *in = &insns[i = order ? order[oi] : oi];
		size_t next = i + (prog_insn_is_ldimm64(in) ? 2 : 1);
		struct slist cur = at[i];

		memset(&at[i], 0, sizeof(at[i]));
		/* the solver has a timeout; so has building its query */
		if (s->narena > SMT_MAX_TERMS ||
		    (s->timeout_ms && !(i & 15) && now_ms() - t0 > s->timeout_ms)) {
			smt_unsup(s, i, "%s", "encoding too large or too slow");
			err = 1;
		}
		if (cur.n > 32) {
			smt_unsup(s, i, "%s", "too many distinct states at one instruction");
			err = 1;
		}
		for (k = 0; k < cur.n; k++) {
			struct sstate *x = cur.v[k], *tk = NULL;
			int r;

			cur.v[k] = NULL;
			if (err || s->unsup[0] || s->zerr) {
				free(x);
				err = 1;
				continue;
			}
			if (ops && ops[i]) {
				/* a call's frame pushed or popped, at a `ja +0` */
				if (smt_frame_op(s, x, ops[i], (uint32_t)i)) {
					free(x);
					err = 1;
					continue;
				}
				if (slist_add(s, &at[next < len ? next : len], x))
					err = 1;
				continue;
			}
			r = smt_enc_step(&ie, x, insns, i, &tk);
			if (r < 0) {
				free(x);
				free(tk);
				err = 1;
				continue;
			}
			if (r == 0 && cond && cond->nexits && i + cond->ways_len >= len)
				way_out(cond, in, x);
			if (cond && (r == 3 || r == 4)) {
				smt_unsup(s, i, "%s", "exit inside a window");
				free(x);
				free(tk);
				err = 1;
				continue;
			}
			if (r == 4) {
				if (add_exit(s, out, tk)) {
					smt_unsup(s, i, "%s", "too many exit states");
					err = 1;
				}
				r = 0;
			}
			if (r == 3) {
				if (!smt_read_ok(&ie, x->r[0], "r0 at exit") ||
				    x->r[0].tag != T_SCALAR) {
					smt_unsup(s, i, "%s", "r0 at exit is not a scalar");
					free(x);
					err = 1;
					continue;
				}
				if (add_exit(s, out, x)) {
					smt_unsup(s, i, "%s", "too many exit states");
					err = 1;
				}
				continue;
			}
			if (r == 1 || r == 2) {
				int64_t t = prog_jump_target(insns, i);
				struct sstate *j = r == 1 ? tk : x;

				if ((cond && t <= (int64_t)i) || t < 0 || t > (int64_t)len ||
				    (t == (int64_t)len && !cond)) {
					smt_unsup(s, i, "%s",
						  t <= (int64_t)i ? "backward jump (loop)"
								  : "jump out of the program");
					free(j);
					if (r == 1)
						free(x);
					err = 1;
					continue;
				}
				if (slist_add(s, &at[t], j)) {
					err = 1;
					if (r == 1)
						free(x);
					continue;
				}
				if (r == 2)
					continue;
			}
			if (next >= len && !cond) {
				smt_unsup(s, i, "%s", "falls off the end");
				free(x);
				err = 1;
				continue;
			}
			if (slist_add(s, &at[next < len ? next : len], x))
				err = 1;
		}
		free(cur.v);
	}
	if (cond && !err && !s->unsup[0] && !s->zerr)
		out->end = window_end(s, &at[len]);
	for (i = 0; i < len + 2; i++) {
		for (k = 0; k < at[i].n; k++)
			free(at[i].v[k]);
		free(at[i].v);
	}
	free(at);
	free(order);
	if (err && !s->unsup[0])
		snprintf(s->unsup, sizeof(s->unsup), "%s", s->zerr ? "Z3 error" : "out of memory");
	return 0;
}
