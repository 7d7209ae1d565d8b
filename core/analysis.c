// SPDX-License-Identifier: MIT
/*
 * core/analysis: forward abstract interpretation of a program.
 *
 * The kernel verifier walks every path of a program, one instruction at a
 * time, with a precise state per path, and prunes a path when its state is
 * covered by one seen before.  Search and equivalence checking want something
 * else: one fact per instruction that holds whichever way execution got
 * there.  So this is the classic dataflow version of the same machine:
 *
 *   - the state before a block is the join of the states at the ends of all
 *     edges into it; a worklist re-runs a block whenever its entry state
 *     grows, until nothing changes (the fixpoint);
 *   - the transfer functions for registers and stack slots follow the
 *     verifier's rules (pointer + scalar stays a pointer of the same kind with
 *     a fixed and a variable offset; loads from ctx give packet pointers at
 *     the offsets the program type defines; 8-byte aligned stack stores spill
 *     a register and 8-byte aligned loads fill it back; helper calls clobber
 *     r1-r5 and give r0 a type by the helper's return type);
 *   - conditional jumps refine both successors: scalars against constants or
 *     registers (analysis_scalar.c), map_value_or_null against 0 (NULL on
 *     one side, a map value on the other, for every copy of the pointer,
 *     which share an id), and packet pointers against data_end, which raises
 *     the proven range of every pointer with the same id the way the
 *     verifier's find_good_pkt_pointers() does;
 *   - joins are the least upper bound per register: equal types join their
 *     numbers (and a packet pointer keeps the smaller range), different types
 *     become UNKNOWN, and anything joined with NOT_INIT stays NOT_INIT (some
 *     path did not write it);
 *   - after a block's entry has grown a few times, the join widens (bounds
 *     that still move are dropped), which makes loops terminate; the lattice
 *     is otherwise finite in height (tnum bits only get unknown, ranges only
 *     shrink, types only go up).
 *
 * Each subprogram is analysed in its own frame.  Subprograms are visited
 * callers first: a callee's r1-r5 on entry are the join of its call sites'
 * arguments (pointers into the caller's stack become UNKNOWN: they are not
 * this frame's fp); after a call the caller sees r1-r5 not initialised, r6-r9
 * and its own stack unchanged -- except slots the callee may write through a
 * stack pointer argument, and packet pointers if the callee may call a
 * helper that changes packet data (UNKNOWN then: it may not have) -- and r0
 * as the callee returns it.  That is known only after the callee, so it is
 * assumed (a scalar first) and the whole program re-run until every
 * assumption covers what the callee's exits produce (one_round(), forward()).
 *
 * Ids: packet pointers derived from data by constant offsets share id 0;
 * adding an unknown scalar gives a new id (from the instruction), as the
 * verifier does; when such an instruction runs again (a loop), the pointers
 * still holding its id are given the id ANALYSIS_ID_NONE, which nothing
 * shares, so that a later bounds check on the new pointer cannot raise the
 * range of an old one.  Lookups get the id of their call instruction, and
 * scalar copies the id of the move that linked them.
 *
 * What is kept: the fixpoint state at each block's entry, and what a replay
 * of a block needs (the callees' return values, which subprograms change
 * packet data).  The state before any instruction is its block's entry
 * replayed up to it (analysis_state()); liveness (analysis_live.c) replays
 * every block once.  Memory is thus per block (~6 KiB each), not per
 * instruction: 80,000 instructions in 9,000 blocks take 2 s and 80 MB.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/analysis_internal.h"

#define ID_PKT_JOIN 0x20000000u	 /* + block: packet pointers of different ids met */
#define ID_NULL_JOIN 0x30000000u /* + block: lookups of different ids met */
#define WIDEN_AFTER 3		 /* joins into a block before its entry widens */
#define MAX_VISITS_PER_BLOCK 200 /* a bug guard: widening ends well before */

static int set_msg(char *msg, size_t msgsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_msg(char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;

	if (msg && msgsz) {
		va_start(ap, fmt);
		vsnprintf(msg, msgsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- registers ----------------------------------------------------------- */

static bool reg_eq(const struct analysis_reg *x, const struct analysis_reg *y)
{
	if (x->type != y->type)
		return false;
	if (x->type == ANALYSIS_NOT_INIT || x->type == ANALYSIS_UNKNOWN)
		return true;
	return x->off == y->off && x->map == y->map && x->id == y->id && x->range == y->range &&
	       analysis_scalar_eq(&x->s, &y->s);
}

bool analysis_reg_is_const(const struct analysis_reg *r, uint64_t *val)
{
	if (!r || r->type != ANALYSIS_SCALAR || !analysis_scalar_is_const(&r->s))
		return false;
	if (val)
		*val = r->s.value;
	return true;
}

/* The pointer's whole offset as a scalar (fixed + variable part). */
static struct analysis_scalar ptr_total(const struct analysis_reg *r)
{
	struct analysis_scalar s, o;

	s = r->s;
	analysis_scalar_const(&o, (uint64_t)(int64_t)r->off);
	analysis_scalar_alu(&s, &o, BPF_ADD, 0, false);
	return s;
}

static void join_reg(struct analysis_reg *d, const struct analysis_reg *s, bool widen,
		     uint32_t block)
{
	if (d->type == ANALYSIS_NOT_INIT || s->type == ANALYSIS_NOT_INIT) {
		analysis_mark_not_init(d);
		return;
	}
	if (d->type != s->type) {
		/* a lookup result met its checked or NULL self: still value-or-NULL */
		if (d->type == ANALYSIS_MAP_VALUE_OR_NULL &&
		    ((s->type == ANALYSIS_MAP_VALUE && s->map == d->map) ||
		     analysis_is_const_zero(s)))
			return;
		if (s->type == ANALYSIS_MAP_VALUE_OR_NULL &&
		    ((d->type == ANALYSIS_MAP_VALUE && s->map == d->map) ||
		     analysis_is_const_zero(d))) {
			*d = *s;
			return;
		}
		analysis_mark_not_init(d);
		d->type = ANALYSIS_UNKNOWN;
		return;
	}
	if (d->type == ANALYSIS_UNKNOWN)
		return;
	if (d->type == ANALYSIS_SCALAR) {
		analysis_scalar_join(&d->s, &s->s, widen);
		if (d->id != s->id)
			d->id = 0; /* linked on one path only */
		return;
	}
	if (d->map != s->map) {
		analysis_mark_not_init(d);
		d->type = ANALYSIS_UNKNOWN;
		return;
	}
	if (d->type == ANALYSIS_PKT || d->type == ANALYSIS_PKT_META) {
		if (d->id != s->id || d->off != s->off || !analysis_scalar_eq(&d->s, &s->s)) {
			d->id = ID_PKT_JOIN + block;
			d->range = 0;
		} else if (s->range < d->range) {
			d->range = s->range;
		}
	}
	if (d->type == ANALYSIS_MAP_VALUE_OR_NULL && d->id != s->id)
		d->id = ID_NULL_JOIN + block;
	if (d->off == s->off) {
		analysis_scalar_join(&d->s, &s->s, widen);
	} else {
		struct analysis_scalar t = ptr_total(s);

		d->s = ptr_total(d);
		d->off = 0;
		analysis_scalar_join(&d->s, &t, widen);
	}
}

/* ---- states -------------------------------------------------------------- */

void analysis_state_init(struct analysis_state *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < ANALYSIS_NREGS; i++)
		analysis_mark_not_init(&st->regs[i]);
	for (i = 0; i < ANALYSIS_NSLOTS; i++)
		analysis_mark_not_init(&st->slots[i].reg);
}

static bool slot_eq(const struct analysis_slot *x, const struct analysis_slot *y)
{
	unsigned int j;

	if (x->init != y->init || x->spilled != y->spilled || x->known != y->known ||
	    (x->spilled && !reg_eq(&x->reg, &y->reg)))
		return false;
	for (j = 0; j < 8; j++)
		if ((x->known >> j & 1) && x->val[j] != y->val[j])
			return false;
	return true;
}

/* d |= s; returns whether d changed. */
bool analysis_state_join(struct analysis_state *d, const struct analysis_state *s, bool widen,
			 uint32_t block)
{
	struct analysis_reg r;
	struct analysis_slot sl;
	bool changed = false;
	unsigned int i, j;

	if (!s->reached)
		return false;
	if (!d->reached) {
		*d = *s;
		return true;
	}
	for (i = 0; i < ANALYSIS_NREGS; i++) {
		r = d->regs[i];
		join_reg(&r, &s->regs[i], widen, block);
		if (!reg_eq(&r, &d->regs[i])) {
			d->regs[i] = r;
			changed = true;
		}
	}
	for (i = 0; i < ANALYSIS_NSLOTS; i++) {
		sl = d->slots[i];
		sl.init &= s->slots[i].init;
		sl.known &= s->slots[i].known;
		for (j = 0; j < 8; j++)
			if (sl.val[j] != s->slots[i].val[j])
				sl.known &= (uint8_t) ~(1u << j);
		if (sl.spilled && s->slots[i].spilled) {
			join_reg(&sl.reg, &s->slots[i].reg, widen, block);
		} else if (analysis_slot_may_hold_ptr(&sl) ||
			   analysis_slot_may_hold_ptr(&s->slots[i])) {
			/* a pointer on one path, data on the other: a fill is not a scalar */
			sl.spilled = true;
			analysis_mark_type(&sl.reg, ANALYSIS_UNKNOWN);
		} else {
			sl.spilled = false;
			analysis_mark_not_init(&sl.reg);
		}
		if (!slot_eq(&sl, &d->slots[i])) {
			d->slots[i] = sl;
			changed = true;
		}
	}
	return changed;
}

/* ---- the fixpoint --------------------------------------------------------- */

static void flow_into(struct analysis_fwd *f, uint32_t target_insn, const struct analysis_state *st,
		      uint32_t *queue, uint32_t *qlen, bool *queued)
{
	const struct prog *p = f->a->p;
	int32_t b = p->insn_block[target_insn];
	bool widen;

	if (b < 0)
		return;
	if (f->next) {
		/* a descending pass: collect, no worklist */
		analysis_state_join(&f->next[(uint32_t)b - f->next_first], st, false, (uint32_t)b);
		return;
	}
	widen = f->visits[b] >= WIDEN_AFTER;
	if (analysis_state_join(&f->entry[b], st, widen, (uint32_t)b) && !queued[b]) {
		queued[b] = true;
		queue[(*qlen)++] = (uint32_t)b;
	}
}

/* Run block @b of subprogram @sp from its entry and pass the result on. */
static int run_block(struct analysis_fwd *f, uint32_t sp, uint32_t b, struct analysis_state *st,
		     uint32_t *queue, uint32_t *qlen, bool *queued)
{
	const struct prog *p = f->a->p;
	uint32_t i, last = p->blocks[b].last;
	const struct bpf_insn *in = &p->insns[last];

	*st = f->entry[b];
	for (i = p->blocks[b].first; i != last; i += prog_insn_is_ldimm64(&p->insns[i]) ? 2 : 1)
		analysis_step(f, st, i);
	if (prog_insn_is_exit(in)) {
		if (!f->ret_reached[sp])
			f->ret_seen[sp] = st->regs[BPF_REG_0];
		else
			join_reg(&f->ret_seen[sp], &st->regs[BPF_REG_0], false, b);
		f->ret_reached[sp] = true;
	} else if (prog_insn_is_jump(in) &&
		   !(BPF_CLASS(in->code) == BPF_JMP && BPF_OP(in->code) == BPF_JA)) {
		struct analysis_state *t = malloc(sizeof(*t));

		if (!t)
			return -ENOMEM;
		*t = *st;
		if (analysis_branch(t, in, true))
			flow_into(f, (uint32_t)prog_jump_target(p->insns, last), t, queue, qlen,
				  queued);
		if (analysis_branch(st, in, false))
			flow_into(f, last + 1, st, queue, qlen, queued);
		free(t);
	} else if (prog_insn_is_jump(in)) {
		flow_into(f, (uint32_t)prog_jump_target(p->insns, last), st, queue, qlen, queued);
	} else {
		analysis_step(f, st, last);
		flow_into(f, last + (prog_insn_is_ldimm64(in) ? 2 : 1), st, queue, qlen, queued);
	}
	return 0;
}

/*
 * Widening overshoots: a loop counter that stops at 100 is "anything" at the
 * loop head.  Applying the transfer functions once more to the whole
 * fixpoint (entry = initial state joined with what the predecessors' entries
 * produce, without widening) keeps every reachable state -- anything
 * reachable comes from a reachable predecessor, which the old entries cover
 * -- and takes back what the loop's exit test bounds.  Two such passes.
 */
#define NARROW_PASSES 2

static int narrow(struct analysis_fwd *f, uint32_t sp, struct analysis_state *st)
{
	const struct prog_subprog *s = &f->a->p->subprogs[sp];
	uint32_t pass, b;
	int err = 0;

	f->next = calloc(s->nblocks, sizeof(*f->next));
	if (!f->next)
		return -ENOMEM;
	f->next_first = s->first_block;
	for (pass = 0; pass < NARROW_PASSES && !err; pass++) {
		for (b = 0; b < s->nblocks; b++)
			analysis_state_init(&f->next[b]);
		f->next[0] = f->callee_entry[sp];
		for (b = s->first_block; b < s->first_block + s->nblocks && !err; b++)
			if (f->entry[b].reached)
				err = run_block(f, sp, b, st, NULL, NULL, NULL);
		for (b = 0; b < s->nblocks && !err; b++)
			f->entry[s->first_block + b] = f->next[b];
	}
	free(f->next);
	f->next = NULL;
	return err;
}

static int run_subprog(struct analysis_fwd *f, uint32_t sp, uint32_t *queue, bool *queued)
{
	const struct prog *p = f->a->p;
	const struct prog_subprog *s = &p->subprogs[sp];
	struct analysis_state *st;
	uint32_t qlen = 0, first = s->first_block;
	int err = 0;

	if (!s->nblocks)
		return 0;
	f->entry[first] = f->callee_entry[sp];
	if (!f->entry[first].reached)
		return 0;
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	queue[qlen++] = first;
	queued[first] = true;
	while (qlen && !err) {
		/* take the lowest block: program order converges fastest */
		uint32_t k, best = 0, b;

		for (k = 1; k < qlen; k++)
			if (queue[k] < queue[best])
				best = k;
		b = queue[best];
		queue[best] = queue[--qlen];
		queued[b] = false;
		if (++f->visits[b] > MAX_VISITS_PER_BLOCK) {
			err = set_msg(f->msg, f->msgsz, "insn %u: no fixpoint after %u visits",
				      p->blocks[b].first, MAX_VISITS_PER_BLOCK);
			break;
		}
		err = run_block(f, sp, b, st, queue, &qlen, queued);
	}
	if (!err)
		err = narrow(f, sp, st);
	free(st);
	return err;
}

/* Subprograms callers first (the call graph of a valid program is a DAG). */
static int order_subprogs(const struct prog *p, uint32_t *order)
{
	uint32_t n = p->nsubprogs, done = 0, s, i;
	uint32_t *indeg = calloc(n, sizeof(*indeg));
	bool *out = calloc(n, sizeof(*out));

	if (!indeg || !out) {
		free(indeg);
		free(out);
		return -ENOMEM;
	}
	for (i = 0; i < p->len; i++)
		if (prog_insn_is_pseudo_call(&p->insns[i]))
			indeg[analysis_subprog_of(p, i + p->insns[i].imm + 1)]++;
	while (done < n) {
		bool progress = false;

		for (s = 0; s < n; s++) {
			if (out[s] || indeg[s])
				continue;
			out[s] = true;
			order[done++] = s;
			progress = true;
			for (i = p->subprogs[s].start; i < p->subprogs[s].end; i++)
				if (prog_insn_is_pseudo_call(&p->insns[i]))
					indeg[analysis_subprog_of(p, i + p->insns[i].imm + 1)]--;
		}
		if (!progress) /* recursion: the kernel rejects it; take the rest in order */
			for (s = 0; s < n; s++)
				if (!out[s]) {
					out[s] = true;
					order[done++] = s;
				}
	}
	free(indeg);
	free(out);
	return 0;
}

/* One pass over all subprograms, callers first, under f->ret_assumed. */
static int one_round(struct analysis_fwd *f, const uint32_t *order, uint32_t *queue, bool *queued)
{
	const struct prog *p = f->a->p;
	uint32_t s, i;
	int err;

	for (i = 0; i < p->nblocks; i++) {
		analysis_state_init(&f->entry[i]);
		f->visits[i] = 0;
	}
	for (s = 0; s < p->nsubprogs; s++) {
		analysis_state_init(&f->callee_entry[s]);
		f->ret_reached[s] = false;
	}
	/* main: r1 = ctx, r10 = fp */
	f->callee_entry[0].reached = true;
	analysis_mark_type(&f->callee_entry[0].regs[BPF_REG_1], ANALYSIS_CTX);
	analysis_mark_type(&f->callee_entry[0].regs[BPF_REG_10], ANALYSIS_STACK);
	/* callbacks (LD_IMM64 of a function): arguments unknown */
	for (i = 0; i < p->len; i++) {
		const struct bpf_insn *in = &p->insns[i];
		struct analysis_state cb;
		unsigned int r;

		if (!prog_insn_is_ldimm64(in) || in->src_reg != BPF_PSEUDO_FUNC)
			continue;
		analysis_state_init(&cb);
		cb.reached = true;
		analysis_mark_type(&cb.regs[BPF_REG_10], ANALYSIS_STACK);
		for (r = 1; r <= 5; r++)
			analysis_mark_type(&cb.regs[r], ANALYSIS_UNKNOWN);
		analysis_state_join(&f->callee_entry[analysis_subprog_of(p, i + in->imm + 1)], &cb,
				    false, 0);
		i++;
	}
	for (s = 0; s < p->nsubprogs; s++) {
		err = run_subprog(f, order[s], queue, queued);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Callers are analysed before callees (for the arguments), so what a callee
 * returns is an assumption: first "a scalar", then what the exits produced
 * in that round, then, round after round, the join of the assumption with
 * what they produced, until every assumption covers its result.  Most programs need one round (no
 * calls) or two; a program that does not settle gets UNKNOWN for every return.
 */
#define MAX_ROUNDS 6

static int forward(struct analysis *a, char *msg, size_t msgsz)
{
	const struct prog *p = a->p;
	struct analysis_fwd f = {.a = a, .msg = msg, .msgsz = msgsz};
	uint32_t *queue = NULL, *order = NULL, s, round;
	bool *queued = NULL;
	int err = -ENOMEM;

	f.entry = calloc(p->nblocks ? p->nblocks : 1, sizeof(*f.entry));
	f.visits = calloc(p->nblocks ? p->nblocks : 1, sizeof(*f.visits));
	f.callee_entry = calloc(p->nsubprogs, sizeof(*f.callee_entry));
	f.changes_pkt = malloc(p->nsubprogs);
	f.ret_assumed = calloc(p->nsubprogs, sizeof(*f.ret_assumed));
	f.ret_seen = calloc(p->nsubprogs, sizeof(*f.ret_seen));
	f.ret_reached = calloc(p->nsubprogs, sizeof(*f.ret_reached));
	queue = calloc(p->nblocks ? p->nblocks : 1, sizeof(*queue));
	queued = calloc(p->nblocks ? p->nblocks : 1, sizeof(*queued));
	order = calloc(p->nsubprogs, sizeof(*order));
	if (!f.entry || !f.visits || !f.callee_entry || !f.changes_pkt || !f.ret_assumed ||
	    !f.ret_seen || !f.ret_reached || !queue || !queued || !order)
		goto out;
	memset(f.changes_pkt, -1, p->nsubprogs);
	analysis_find_pkt_changes(&f);
	for (s = 0; s < p->nsubprogs; s++)
		analysis_mark_scalar(&f.ret_assumed[s]);
	err = order_subprogs(p, order);
	if (err)
		goto out;
	for (round = 0;; round++) {
		bool settled = true;

		err = one_round(&f, order, queue, queued);
		if (err || p->nsubprogs == 1)
			goto out;
		for (s = 1; s < p->nsubprogs; s++) {
			struct analysis_reg j = f.ret_assumed[s];

			if (!f.ret_reached[s])
				continue;
			if (round == 0)
				j = f.ret_seen[s]; /* a better guess than "a scalar" */
			else
				join_reg(&j, &f.ret_seen[s], round >= 2, 0);
			if (j.type == ANALYSIS_NOT_INIT)
				analysis_mark_type(&j, ANALYSIS_UNKNOWN);
			if (!reg_eq(&j, &f.ret_assumed[s])) {
				f.ret_assumed[s] = j;
				settled = false;
			}
		}
		if (settled)
			break;
		if (round + 1 == MAX_ROUNDS) {
			for (s = 0; s < p->nsubprogs; s++)
				analysis_mark_type(&f.ret_assumed[s], ANALYSIS_UNKNOWN);
			err = one_round(&f, order, queue, queued);
			break;
		}
	}
out:
	if (err == -ENOMEM)
		set_msg(msg, msgsz, "out of memory");
	if (!err) {
		/* what replaying a block needs */
		a->entry = f.entry;
		a->ret_assumed = f.ret_assumed;
		a->changes_pkt = f.changes_pkt;
		f.entry = NULL;
		f.ret_assumed = NULL;
		f.changes_pkt = NULL;
	}
	free(f.entry);
	free(f.visits);
	free(f.callee_entry);
	free(f.changes_pkt);
	free(f.ret_assumed);
	free(f.ret_seen);
	free(f.ret_reached);
	free(queue);
	free(queued);
	free(order);
	return err;
}

/* ---- the object ----------------------------------------------------------- */

struct analysis *analysis__new(const struct prog *p, const struct analysis_env *env, char *msg,
			       size_t msgsz)
{
	struct analysis *a;
	int err = -ENOMEM;
	uint32_t n;

	if (!p || !p->len) {
		set_msg(msg, msgsz, "empty program");
		errno = EINVAL;
		return NULL;
	}
	n = p->len;
	a = calloc(1, sizeof(*a));
	if (!a)
		goto fail;
	a->p = p;
	a->env = env;
	a->live_in = calloc(n, sizeof(*a->live_in));
	a->live_out = calloc(n, sizeof(*a->live_out));
	a->slive_in = calloc(n, sizeof(*a->slive_in));
	a->slive_out = calloc(n, sizeof(*a->slive_out));
	if (!a->live_in || !a->live_out || !a->slive_in || !a->slive_out) {
		set_msg(msg, msgsz, "out of memory");
		goto fail;
	}
	err = forward(a, msg, msgsz);
	if (err)
		goto fail;
	err = analysis_liveness(a, msg, msgsz);
	if (err)
		goto fail;
	return a;
fail:
	analysis__free(a);
	errno = -err;
	return NULL;
}

void analysis__free(struct analysis *a)
{
	if (!a)
		return;
	free(a->entry);
	free(a->ret_assumed);
	free(a->changes_pkt);
	free(a->live_in);
	free(a->live_out);
	free(a->slive_in);
	free(a->slive_out);
	free(a);
}

bool analysis_reachable(const struct analysis *a, uint32_t i)
{
	int32_t b;

	if (!a || i >= a->p->len)
		return false;
	b = a->p->insn_block[i];
	return b >= 0 && a->entry[b].reached;
}

/* A forward context that only replays transfer functions: nothing is written. */
static struct analysis_fwd replay(const struct analysis *a)
{
	return (struct analysis_fwd){
		.a = (struct analysis *)a, /* analysis_step() only reads it */
		.ret_assumed = a->ret_assumed,
		.changes_pkt = a->changes_pkt,
	};
}

int analysis_state(const struct analysis *a, uint32_t i, struct analysis_state *out)
{
	const struct prog *p;
	struct analysis_fwd f;
	uint32_t j;

	if (!analysis_reachable(a, i))
		return -ENOENT;
	p = a->p;
	f = replay(a);
	*out = a->entry[p->insn_block[i]];
	for (j = p->blocks[p->insn_block[i]].first; j < i;
	     j += prog_insn_is_ldimm64(&p->insns[j]) ? 2 : 1)
		analysis_step(&f, out, j);
	return 0;
}

int analysis_state_step(const struct analysis *a, uint32_t i, struct analysis_state *st)
{
	const struct bpf_insn *in;
	struct analysis_fwd f;

	if (!a || i >= a->p->len || a->p->insn_block[i] < 0)
		return -EINVAL;
	in = &a->p->insns[i];
	if (prog_insn_is_jump(in) || prog_insn_is_exit(in))
		return -EINVAL;
	f = replay(a);
	analysis_step(&f, st, i);
	return 0;
}

int analysis_reg(const struct analysis *a, uint32_t i, unsigned int regno, struct analysis_reg *out)
{
	struct analysis_state *st;
	int err;

	if (regno >= ANALYSIS_NREGS)
		return -EINVAL;
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	err = analysis_state(a, i, st);
	if (!err)
		*out = st->regs[regno];
	free(st);
	return err;
}

int analysis_slot(const struct analysis *a, uint32_t i, unsigned int slot,
		  struct analysis_slot *out)
{
	struct analysis_state *st;
	int err;

	if (slot >= ANALYSIS_NSLOTS)
		return -EINVAL;
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	err = analysis_state(a, i, st);
	if (!err)
		*out = st->slots[slot];
	free(st);
	return err;
}
