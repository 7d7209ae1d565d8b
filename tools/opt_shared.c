// SPDX-License-Identifier: MIT
/*
 * Rewrites of .text subprograms that several programs share.
 *
 * Every program that calls a .text function gets its own copy of it at load
 * time, from the same bytes: a rewrite there must hold in every caller.
 * What core/analysis knows inside a subprogram comes from its caller's
 * arguments (a known constant, a packet pointer with a proven range), so a
 * proof made in one caller says nothing about another: each caller proves
 * the rewrite itself.
 *
 * P's optimization ran with the shared subprograms unfrozen and committed
 * windows W1..Wn in order.  They are settled in the same order: a window
 * inside a shared subprogram is taken by every other caller Q on Q's
 * program as it is at that point (re-analysed after each step) -- its
 * instructions must be the ones P rewrote, search_recheck() (the search's
 * own proof) must say EQUIVALENT under Q's conditions (or Q's analysis finds
 * the window unreachable: Q never runs it), the safety model must find no
 * new rejection, and the kernel, where it is the judge, must load Q and not
 * make it larger -- or it is dropped, for all.  Until the first drop, P
 * follows its own proven chain; from there on each of P's later windows is
 * proven again on P as it then is (one that no longer proves is dropped
 * too), and the kernel loads the result, or P and its callers stay as they
 * were.
 *
 * So every caller goes through a chain of proven steps, and every caller's
 * copy of a subprogram ends as the same instructions: the ones written to
 * .text once.  That is checked, not assumed, before anything is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prog.h"
#include "core/search.h"
#include "core/smt.h"
#include "tools/opt_internal.h"

#define DEFAULT_SMT_TIMEOUT_MS 5000

int oprog_load(const struct oobj *ob, const struct oprog *p, const uint8_t *buf, uint64_t *cost,
	       char *msg, size_t msgsz)
{
	struct kload k = {.image = buf,
			  .size = ob->o->size,
			  .obj_name = ob->obj_name,
			  .prog = p->name,
			  .type = p->set_type};
	uint64_t x = 0, jit = 0;
	int err;

	err = kernel_load(&k, NULL, NULL, 0, true, &x, &jit, msg, msgsz);
	if (!err)
		*cost = x << 32 | jit;
	return err;
}

uint32_t oobj_callers(const struct oobj *ob, uint32_t fn, bool *all_ok)
{
	uint32_t n = 0;
	size_t i;

	*all_ok = true;
	for (i = 0; i < ob->n; i++) {
		const struct oprog *q = &ob->ps[i];

		/* a program we could not map may call it too */
		if (!q->lk.len || !q->lk.complete) {
			*all_ok = false;
			continue;
		}
		if (!olink_has(&q->lk, fn, NULL))
			continue;
		n++;
		if (!q->selected || q->skip || !q->cur || (ob->kernel && !q->kernel))
			*all_ok = false;
	}
	return n;
}

/* What proving on one program needs: its type's environments, its program, its analysis. */
struct oview {
	struct analysis_map *amaps;
	uint32_t *flags;
	uint8_t *static_fn; /* of the program's linked form */
	struct analysis_env aenv;
	struct safety_env senv;
	struct smt_env smtenv;
	struct prog *p;
	struct analysis *a;
	struct safety_base base;
};

static int view_init(struct oview *v, const struct oobj *ob, const struct oprog *q)
{
	enum bpf_prog_type type = q->type;
	uint32_t i;

	memset(v, 0, sizeof(*v));
	v->amaps = calloc(ob->nmaps + 1, sizeof(*v->amaps));
	v->flags = calloc(ob->nmaps + 1, sizeof(*v->flags));
	v->static_fn = olink_static_fns(&q->lk, ob->o);
	if (!v->amaps || !v->flags || !v->static_fn)
		return -ENOMEM;
	for (i = 0; i < ob->nmaps; i++) {
		const struct interp_map_def *d = &ob->maps[i];

		v->amaps[i] = (struct analysis_map){.type = d->type,
						    .key_size = d->key_size,
						    .value_size = d->value_size,
						    .max_entries = d->max_entries,
						    .ref = d->ref};
		v->flags[i] = d->flags;
	}
	v->aenv = (struct analysis_env){.prog_type = type,
					.maps = v->amaps,
					.nmaps = ob->nmaps,
					.static_fn = v->static_fn,
					.static_fn_len = q->lk.len};
	v->senv = (struct safety_env){.prog_type = type,
				      .expected_attach_type = q->attach,
				      .maps = v->amaps,
				      .nmaps = ob->nmaps,
				      .map_flags = v->flags};
	v->smtenv = (struct smt_env){.prog_type = type, .maps = ob->maps, .nmaps = ob->nmaps};
	return 0;
}

static void view_drop(struct oview *v)
{
	analysis__free(v->a);
	prog__free(v->p);
	v->a = NULL;
	v->p = NULL;
}

static void view_free(struct oview *v)
{
	view_drop(v);
	safety_base_free(&v->base);
	free(v->amaps);
	free(v->flags);
	free(v->static_fn);
}

static int view_analyse(const struct oview *v, const struct bpf_insn *insns, size_t len,
			struct prog **pp, struct analysis **ap, char *msg, size_t msgsz)
{
	*pp = prog__new(insns, len, msg, msgsz);
	if (!*pp)
		return -errno ?: -EINVAL;
	*ap = analysis__new(*pp, &v->aenv, msg, msgsz);
	if (!*ap) {
		int err = -errno ?: -EINVAL;

		prog__free(*pp);
		*pp = NULL;
		return err;
	}
	return 0;
}

/* Set @v on @insns, the baseline of the model's verdict included. */
static int view_start(struct oview *v, const struct bpf_insn *insns, size_t len, char *msg,
		      size_t msgsz)
{
	int err = view_analyse(v, insns, len, &v->p, &v->a, msg, msgsz);

	if (err)
		return err;
	err = safety_base_init(&v->base, v->p, v->a, &v->senv);
	if (err)
		snprintf(msg, msgsz, "the safety model fails: %s", strerror(-err));
	return err;
}

/* A step tried on one program, not yet taken: the candidate and its analysis. */
struct ostep {
	struct bpf_insn *cand;
	struct prog *p;
	struct analysis *a;
	uint64_t cost;
};

static void step_free(struct ostep *st)
{
	analysis__free(st->a);
	prog__free(st->p);
	free(st->cand);
	memset(st, 0, sizeof(*st));
}

/*
 * Try making window [@start, @start + @len) of the program @cur (of @v) the
 * rewrite @rw: proven equivalent there (a window the analysis finds
 * unreachable in this program is never run by it: nothing to prove) and no
 * new rejection by the safety model.  0 with @st, or -errno and why in @msg.
 */
static int view_try(const struct oview *v, struct smt_ctx *smt, const struct bpf_insn *cur,
		    size_t n, uint32_t start, uint32_t len, const struct bpf_insn *rw,
		    struct ostep *st, char *msg, size_t msgsz)
{
	struct smt_result *r = NULL;
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (analysis_reachable(v->a, start)) {
		r = malloc(sizeof(*r));
		if (!r)
			return -ENOMEM;
		err = search_recheck(v->p, v->a, &v->smtenv, smt, start, len, rw, r);
		if (err)
			snprintf(msg, msgsz, "insn %u: not proven (%s): %.200s", start,
				 strerror(-err), r->msg);
		else if (r->verdict != SMT_EQUIVALENT) {
			snprintf(msg, msgsz, "insn %u: %s: %.200s", start,
				 smt_verdict_str(r->verdict), r->msg);
			err = -EACCES;
		}
		free(r);
		if (err)
			return err;
	}
	st->cand = malloc(n * sizeof(*st->cand));
	if (!st->cand)
		return -ENOMEM;
	memcpy(st->cand, cur, n * sizeof(*cur));
	memcpy(&st->cand[start], rw, len * sizeof(*rw));
	err = view_analyse(v, st->cand, n, &st->p, &st->a, msg, msgsz);
	if (!err)
		err = safety_base_check(&v->base, st->p, st->a, &v->senv, start, len, msg, msgsz);
	if (err)
		step_free(st);
	return err;
}

static void view_take(struct oview *v, struct bpf_insn *cur, size_t n, struct ostep *st)
{
	memcpy(cur, st->cand, n * sizeof(*cur));
	view_drop(v);
	v->p = st->p;
	v->a = st->a;
	st->p = NULL;
	st->a = NULL;
	step_free(st);
}

/* The kernel's cost of @q as @cand (linked form), judged against @limit. */
static int judge_q(const struct oobj *ob, const struct oprog *q, const struct bpf_insn *cand,
		   uint64_t limit, uint64_t *cost, char *msg, size_t msgsz)
{
	uint8_t *buf;
	size_t bad;
	int err;

	if (!ob->kernel || !q->kernel) {
		*cost = 0;
		return 0;
	}
	buf = malloc(ob->o->size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, ob->o->buf, ob->o->size);
	err = olink_apply(&q->lk, ob->o, buf, cand, NULL, &bad);
	if (err)
		snprintf(msg, msgsz, "instruction %zu may not change", bad);
	else
		err = oprog_load(ob, q, buf, cost, msg, msgsz);
	if (!err && *cost > limit) {
		snprintf(msg, msgsz, "the kernel makes it larger (xlated %llu > %llu)",
			 (unsigned long long)(*cost >> 32), (unsigned long long)(limit >> 32));
		err = -E2BIG;
	}
	free(buf);
	return err;
}

/* One program in the settlement: P (side 0) or a caller of its shared subprograms. */
struct oside {
	struct oprog *q;
	struct oview v;
	struct bpf_insn *cur;
	uint64_t cost;
	bool ok;    /* its view started: it can prove */
	bool stale; /* @v is not of @cur (P following its own chain) */
	struct ostep st;
};

static void side_free(struct oside *s)
{
	step_free(&s->st);
	view_free(&s->v);
	free(s->cur);
}

static int side_init(const struct oobj *ob, struct oside *s, struct oprog *q,
		     const struct bpf_insn *cur, uint64_t cost)
{
	char msg[320];
	uint32_t n = q->lk.len;

	s->q = q;
	s->cost = cost;
	s->cur = malloc(n * sizeof(*s->cur));
	if (!s->cur || view_init(&s->v, ob, q))
		return -ENOMEM;
	memcpy(s->cur, cur, n * sizeof(*cur));
	s->ok = !view_start(&s->v, cur, n, msg, sizeof(msg));
	return 0;
}

/*
 * Write P's @final and the callers' programs into the object, then check
 * that every program the object holds is now what its chain made it (all
 * copies of a subprogram agree).  0, or -EIO with the object as it was.
 */
static int write_all(struct oobj *ob, struct oprog *p, const struct bpf_insn *final,
		     const uint8_t *frozen, struct oside *sides, size_t nsides)
{
	struct elfw_obj *o = ob->o;
	uint8_t *backup = malloc(o->size);
	struct bpf_insn *now = NULL;
	size_t i, s, bad, maxn = 1;
	int err;

	for (i = 0; i < ob->n; i++)
		if (ob->ps[i].lk.len > maxn)
			maxn = ob->ps[i].lk.len;
	now = malloc(maxn * sizeof(*now));
	if (!backup || !now) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(backup, o->buf, o->size);
	err = olink_apply(&p->lk, o, o->buf, final, frozen, &bad);
	if (err)
		goto restore;
	for (i = 0; i < ob->n; i++) {
		struct oprog *q = &ob->ps[i];
		const struct bpf_insn *want = q == p ? final : q->cur;

		if (!q->cur)
			continue;
		for (s = 1; s < nsides; s++)
			if (sides[s].q == q)
				want = sides[s].cur;
		olink_current(&q->lk, o, o->buf, now);
		if (memcmp(now, want, q->lk.len * sizeof(*now))) {
			err = -EIO;
			goto restore;
		}
	}
	for (s = 1; s < nsides; s++) {
		memcpy(sides[s].q->cur, sides[s].cur, sides[s].q->lk.len * sizeof(*now));
		sides[s].q->cost = sides[s].cost;
	}
	memcpy(p->cur, final, p->lk.len * sizeof(*final));
	goto out;
restore:
	memcpy(o->buf, backup, o->size);
out:
	free(backup);
	free(now);
	return err;
}

/* Take window @w (P's window @j) on every caller side that has @fn; false and why if one refuses. */
static bool take_on_callers(const struct oobj *ob, struct smt_ctx *smt, struct oside *sides,
			    size_t nsides, const struct opt_window_rec *w,
			    const struct bpf_insn *rw, uint32_t fn, uint32_t off, char *why,
			    size_t whysz)
{
	struct oside *ps = &sides[0];
	char msg[320] = "";
	size_t s, t;

	for (s = 1; s < nsides; s++) {
		struct oside *q = &sides[s];
		uint32_t qs;

		if (!olink_has(&q->q->lk, fn, &qs))
			continue;
		qs += off;
		if (!q->ok) {
			snprintf(msg, sizeof(msg), "cannot analyse it");
			goto refused;
		}
		if (qs + w->len > q->q->lk.len ||
		    memcmp(&q->cur[qs], &ps->cur[w->start], w->len * sizeof(*rw))) {
			snprintf(msg, sizeof(msg), "insn %u: its copy of %s differs", qs,
				 ob->o->progs[fn].name);
			goto refused;
		}
		if (view_try(&q->v, smt, q->cur, q->q->lk.len, qs, w->len, rw, &q->st, msg,
			     sizeof(msg)) ||
		    judge_q(ob, q->q, q->st.cand, q->cost, &q->st.cost, msg, sizeof(msg)))
			goto refused;
	}
	for (s = 1; s < nsides; s++) {
		struct oside *q = &sides[s];

		if (!q->st.cand)
			continue;
		q->cost = q->st.cost;
		view_take(&q->v, q->cur, q->q->lk.len, &q->st);
	}
	return true;
refused:
	if (!why[0])
		snprintf(why, whysz, "%s: %s", sides[s].q->name, msg);
	for (t = 1; t < nsides; t++)
		step_free(&sides[t].st);
	return false;
}

int oshared_commit(struct oobj *ob, struct oprog *p, const struct bpf_insn *input,
		   const struct opt_window_rec *ws, uint32_t nws, struct bpf_insn *const *cands,
		   const uint8_t *frozen, uint64_t input_cost, struct bpf_insn *final,
		   uint32_t *kept)
{
	struct oside *sides = NULL;
	struct smt_ctx *smt = NULL;
	struct shared_win {
		uint32_t fn, off;
		bool shared;
	} *sw = NULL;
	bool *wkept = NULL, onchain = true;
	uint32_t nsw = 0, ksw = 0, j, n = p->lk.len;
	size_t nsides = 1, i;
	char why[400] = "";
	int err = 0;

	*kept = nws;
	memcpy(final, nws ? cands[nws - 1] : input, n * sizeof(*final));
	sw = calloc(nws + 1, sizeof(*sw));
	wkept = calloc(nws + 1, sizeof(*wkept));
	sides = calloc(ob->n + 1, sizeof(*sides));
	if (!sw || !wkept || !sides) {
		err = -ENOMEM;
		goto out;
	}
	for (j = 0; j < nws; j++) {
		const struct olink_sub *s = olink_sub_at(&p->lk, ws[j].start);
		bool ok;

		wkept[j] = true;
		if (!s)
			continue;
		if (ws[j].start + ws[j].len > s->end) {
			err = -EINVAL; /* a window across two functions: not one block */
			goto out;
		}
		sw[j].fn = s->fn;
		sw[j].off = ws[j].start - s->start;
		if (oobj_callers(ob, s->fn, &ok) < 2)
			continue;
		if (!ok) {
			err = -EPERM; /* the optimizer was told to leave it */
			goto out;
		}
		sw[j].shared = true;
		nsw++;
	}
	if (!nsw)
		goto write;

	/* the other callers of the shared subprograms, each at its program so far */
	err = side_init(ob, &sides[0], p, input, input_cost);
	for (i = 0; !err && i < ob->n; i++) {
		struct oprog *q = &ob->ps[i];
		bool calls = false;

		for (j = 0; j < nws && !calls; j++)
			calls = sw[j].shared && olink_has(&q->lk, sw[j].fn, NULL);
		if (q == p || !q->cur || !calls)
			continue;
		err = side_init(ob, &sides[nsides++], q, q->cur, q->cost);
	}
	smt = err ? NULL : smt_ctx__new(ob->smt_timeout_ms ?: DEFAULT_SMT_TIMEOUT_MS);
	if (err || !smt) {
		err = err ?: -ENOMEM;
		goto out;
	}

	/*
	 * P's windows in commit order.  While none has been dropped P follows
	 * its own proven chain; after a drop each later window is proven again
	 * on P as it then is.  A shared window must also hold for every other
	 * caller, or it is dropped (from all).
	 */
	for (j = 0; j < nws; j++) {
		const struct opt_window_rec *w = &ws[j];
		const struct bpf_insn *rw = &cands[j][w->start];
		struct oside *ps = &sides[0];
		char msg[320];

		wkept[j] = false;
		if (!onchain) {
			if (!ps->ok)
				continue;
			if (ps->stale) {
				view_drop(&ps->v);
				if (view_analyse(&ps->v, ps->cur, n, &ps->v.p, &ps->v.a, msg,
						 sizeof(msg))) {
					ps->ok = false;
					continue;
				}
				ps->stale = false;
			}
			if (view_try(&ps->v, smt, ps->cur, n, w->start, w->len, rw, &ps->st, msg,
				     sizeof(msg))) {
				if (sw[j].shared && !why[0])
					snprintf(why, sizeof(why), "%s: %s", p->name, msg);
				continue;
			}
		}
		if (sw[j].shared && !take_on_callers(ob, smt, sides, nsides, w, rw, sw[j].fn,
						     sw[j].off, why, sizeof(why))) {
			step_free(&ps->st);
			onchain = false;
			continue;
		}
		if (onchain) {
			memcpy(ps->cur, cands[j], n * sizeof(*ps->cur));
			ps->stale = true;
		} else {
			view_take(&ps->v, ps->cur, n, &ps->st);
		}
		wkept[j] = true;
		ksw += sw[j].shared;
	}
	memcpy(final, sides[0].cur, n * sizeof(*final));
	if (!onchain && ob->kernel && p->kernel) {
		uint8_t *buf = malloc(ob->o->size);
		uint64_t cost = 0;
		char msg[320] = "";
		size_t bad;

		err = buf ? 0 : -ENOMEM;
		if (!err) {
			memcpy(buf, ob->o->buf, ob->o->size);
			err = olink_apply(&p->lk, ob->o, buf, final, frozen, &bad) ?:
			      oprog_load(ob, p, buf, &cost, msg, sizeof(msg));
		}
		free(buf);
		if (err || cost > input_cost) {
			/* back to where P and its callers were */
			snprintf(why, sizeof(why), "%s without the refused windows: %s", p->name,
				 err ? msg : "larger");
			memcpy(final, input, n * sizeof(*final));
			memset(wkept, 0, nws * sizeof(*wkept));
			nsides = 1;
			ksw = 0;
			err = 0;
		} else {
			p->cost = cost;
		}
	}
	snprintf(p->note, sizeof(p->note),
		 "subprograms shared with %zu other program%s: %u of %u windows there proven "
		 "for all%s%s%s",
		 nsides - 1, nsides == 2 ? "" : "s", ksw, nsw, why[0] ? " (first refused: " : "",
		 why, why[0] ? ")" : "");
write:
	err = write_all(ob, p, final, frozen, sides, nsides);
	if (err)
		goto out;
	*kept = 0;
	p->sub_windows = 0;
	for (j = 0; j < nws; j++) {
		*kept += wkept[j];
		p->sub_windows += wkept[j] && olink_sub_at(&p->lk, ws[j].start);
	}
	for (i = 1; i < nsides; i++)
		for (j = 0; j < nws; j++)
			sides[i].q->shared_in += wkept[j] && sw[j].shared &&
						 olink_has(&sides[i].q->lk, sw[j].fn, NULL);
out:
	for (i = 0; sides && i <= ob->n; i++)
		if (sides[i].q)
			side_free(&sides[i]);
	free(sides);
	smt_ctx__free(smt);
	free(sw);
	free(wkept);
	return err;
}
