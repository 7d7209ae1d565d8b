// SPDX-License-Identifier: MIT
/*
 * core/optimize: the driver (the algorithm is in core/optimize.h).
 *
 * A round: analyse the current program, list its windows, search them on
 * @jobs threads (each thread its own smt_ctx, kept across rounds for its
 * cache), then commit the improvements in program order on the calling
 * thread.  Searches of one round all start from the same program, so an
 * improvement found there is only a proposal for the program as it is when
 * its turn to commit comes (earlier commits may have changed what is live
 * around it): it is proven again there, under conditions from a fresh
 * analysis (search_recheck(), the search's own proof), before it is used.  That makes every commit a proof P_k ~ P_k+1
 * on its own, and the result is equivalent to the input by transitivity.
 *
 * Safety.  core/safety models the verifier conservatively and rejects some
 * programs the kernel accepts (about a third of the corpus's originals).
 * Where it accepts the input, every commit must be accepted too.  Where it
 * rejects the input, a commit must change no block's verdict (same message,
 * block by block: safety_base_check()) and may not touch a block at or
 * after the instruction the model rejects there -- the model has not looked
 * beyond it.  The judge (the kernel, in tools/) has the last word anyway.
 *
 * Time.  The budget covers everything: searches get the time that remains
 * minus a reserve for commits and the whole-program check, shared out
 * among the windows not yet started; a search may end early (its proposal
 * limit), which leaves more for the next windows and for further rounds.
 * A window whose instructions and conditions were already searched without
 * result is not searched again at the same effort.  When a round commits
 * nothing, the next one searches harder (4x the proposals per chain, two
 * more chains), up to MAX_EFFORT; the driver stops when the hardest round
 * finds nothing, or at the budget.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/analysis.h"
#include "core/optimize.h"
#include "core/prog.h"
#include "core/safety.h"

#define DEFAULT_BUDGET 10.0
#define DEFAULT_WINDOW 16 /* cut in pieces overlapping by half */
#define DEFAULT_SMT_TIMEOUT_MS 5000
#define MAX_WINDOWS 4096
#define REGIONS_AT_ONCE 16 /* plain windows up to which regions join the first round */
#define MAX_ROUNDS 32
#define MAX_EFFORT 3	       /* x4 proposals and +2 chains per level (default: 0..3) */
#define BASE_PROPOSALS 20000 /* per chain, at effort 0 */
#define BASE_CHAINS 4
#define MEMO_SIZE 4096 /* windows searched in vain, by hash */

struct job {
	struct search_window w;
	struct search_result res;
	uint64_t seed;
	int err;
	bool skip; /* searched in vain before */
	uint64_t memo;
};

struct optimizer {
	const struct opt_env *env;
	const struct opt_params *pp;
	struct analysis_map *amaps;
	struct interp_map_def *smaps; /* env->maps, a map of no elements given one */
	int unsized; /* such a map's index, but an array's or a redirect map's; or -1 */
	uint32_t *flags;
	struct analysis_env aenv;
	struct safety_env senv;
	struct smt_env smtenv, wholeenv;
	bool whole_sat; /* the whole-program check's solver found a counterexample */
	double t0, end, search_end;
	unsigned int jobs;
	struct smt_ctx **smt; /* one per thread, [jobs] is the committer's */

	/* the current program */
	struct bpf_insn *cur;
	uint32_t len;
	struct prog *p;
	struct analysis *a;
	uint64_t judged; /* judge's cost of cur */

	/* the model's verdict on the input, for "no new rejection" */
	struct safety_base base;

	/* the round's searches */
	struct job *work;
	size_t nwork;
	atomic_size_t next;
	atomic_uint done;
	uint32_t round;
	uint32_t effort; /* how hard the searches try: 0 .. MAX_EFFORT */
	volatile int stop;

	uint64_t memo[MEMO_SIZE];
	struct opt_result *res;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

uint32_t opt_count_insns(const struct bpf_insn *insns, size_t len)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += !search_insn_is_nop(&insns[i]);
	return n;
}

/* ---- the current program --------------------------------------------- */

static void drop_analysis(struct optimizer *o)
{
	analysis__free(o->a);
	prog__free(o->p);
	o->a = NULL;
	o->p = NULL;
}

/* Build and analyse @insns: 0, or -errno with the reason in @msg. */
static int analyse(struct optimizer *o, const struct bpf_insn *insns, struct prog **pp,
		   struct analysis **ap, char *msg, size_t msgsz)
{
	*pp = prog__new(insns, o->len, msg, msgsz);
	if (!*pp)
		return -errno;
	*ap = analysis__new(*pp, &o->aenv, msg, msgsz);
	if (!*ap) {
		int err = -errno;

		prog__free(*pp);
		*pp = NULL;
		return err;
	}
	return 0;
}

/* ---- searching ----------------------------------------------------------- */

static uint64_t window_memo(const struct optimizer *o, const struct search_window *w)
{
	struct smt_window_cond c;
	uint64_t h = 0xcbf29ce484222325ULL;

	if (search_window_cond(o->p, o->a, w->start, w->len, &c))
		return 0;
	h = hash_bytes(h, &o->cur[w->start], w->len * sizeof(*o->cur));
	h = hash_bytes(h, &c, sizeof(c));
	return h | 1;
}

static bool memo_has(const struct optimizer *o, uint64_t h)
{
	return h && o->memo[h % MEMO_SIZE] == h;
}

static void *search_thread(void *arg)
{
	struct optimizer *o = ((void **)arg)[0];
	struct smt_ctx *smt = ((void **)arg)[1];
	size_t k;

	while ((k = atomic_fetch_add(&o->next, 1)) < o->nwork) {
		struct job *j = &o->work[k];
		struct search_params sp = {
			.seed = j->seed,
			.stop = &o->stop,
			.max_proposals = (uint64_t)BASE_PROPOSALS << (2 * o->effort),
			.chains = BASE_CHAINS + 2 * o->effort,
		};
		double t = now(), left = o->search_end - t;
		size_t waiting = o->nwork - k;

		if (j->skip || left <= 0 || o->stop) {
			j->err = -ECANCELED;
			atomic_fetch_add(&o->done, 1);
			continue;
		}
		/* an equal share of what remains, among the windows not started */
		sp.deadline = t + left * o->jobs / (double)(waiting ? waiting : 1);
		if (sp.deadline > o->search_end)
			sp.deadline = o->search_end;
		j->err = search_window(o->p, o->a, &o->smtenv, smt, j->w.start, j->w.len, &sp,
				       &j->res);
		atomic_fetch_add(&o->done, 1);
	}
	return NULL;
}

static void progress(struct optimizer *o, uint32_t total)
{
	struct opt_progress pr;

	if (!o->pp->progress)
		return;
	pr.elapsed = now() - o->t0;
	pr.budget = o->end - o->t0;
	pr.insns_before = o->res->insns_before;
	pr.insns_best = opt_count_insns(o->cur, o->len);
	pr.windows_done = atomic_load(&o->done);
	pr.windows_total = total;
	pr.round = o->round;
	o->pp->progress(o->pp->progress_arg, &pr);
}

static void add_stats(struct search_stats *to, const struct search_stats *s)
{
	to->proposals += s->proposals;
	to->accepted += s->accepted;
	to->zero_error += s->zero_error;
	to->smt_queries += s->smt_queries;
	to->smt_equivalent += s->smt_equivalent;
	to->smt_different += s->smt_different;
	to->smt_unknown += s->smt_unknown;
	to->tests += s->tests;
	to->seconds += s->seconds;
}

static bool is_frozen(const struct optimizer *o, uint32_t i)
{
	return o->pp->frozen && i < o->len && o->pp->frozen[i];
}

/*
 * Cut the windows @ws[0..@n) around frozen instructions (no window may
 * touch one; a CO-RE offset libbpf patches sits in the middle of code worth
 * searching), dropping pieces with nothing but NOPs and repeats of the
 * piece before.  Returns the new count (at most @n's array size @max).
 */
static size_t cut_frozen(const struct optimizer *o, struct search_window *ws, size_t n,
			 size_t max)
{
	struct search_window *out = calloc(max ? max : 1, sizeof(*out));
	size_t i, k = 0;
	uint32_t s, e;

	if (!out)
		return 0;
	for (i = 0; i < n; i++) {
		uint32_t end = ws[i].start + ws[i].len;

		for (s = ws[i].start; s < end; s = e + 1) {
			bool real = false;

			while (s < end && is_frozen(o, s))
				s++;
			for (e = s; e < end && !is_frozen(o, e); e++)
				real |= !search_insn_is_nop(&o->p->insns[e]);
			if (!real || k == max)
				continue;
			if (k && out[k - 1].start == s && out[k - 1].len == e - s)
				continue;
			out[k++] = (struct search_window){.start = s, .len = e - s};
		}
	}
	memcpy(ws, out, k * sizeof(*ws));
	free(out);
	return k;
}

/*
 * @ws[0..@n) with the current program's regions merged in, in program order
 * (by start, then length); the new count, at most MAX_WINDOWS.
 */
static size_t merge_regions(const struct optimizer *o, struct search_window *ws, size_t n)
{
	uint32_t maxlen = o->pp->max_window ? o->pp->max_window : DEFAULT_WINDOW;
	struct search_window *rs = calloc(MAX_WINDOWS, sizeof(*rs));
	struct search_window *out = calloc(MAX_WINDOWS, sizeof(*out));
	size_t nr, i = 0, j = 0, k = 0;

	if (!rs || !out) {
		free(rs);
		free(out);
		return n;
	}
	nr = search_regions(o->p, o->a, maxlen, rs, MAX_WINDOWS);
	if (nr > MAX_WINDOWS)
		nr = MAX_WINDOWS;
	while ((i < n || j < nr) && k < MAX_WINDOWS) {
		bool take_r = i == n || (j < nr && (rs[j].start < ws[i].start ||
						     (rs[j].start == ws[i].start &&
						      rs[j].len < ws[i].len)));

		out[k++] = take_r ? rs[j++] : ws[i++];
	}
	memcpy(ws, out, k * sizeof(*ws));
	free(rs);
	free(out);
	return k;
}

/* Search every window of the current program; results in o->work. */
static int search_round(struct optimizer *o)
{
	struct search_window *ws;
	pthread_t *tids;
	void *(*args)[2];
	uint32_t maxlen;
	size_t n, i;
	unsigned int t, started = 0;
	int err = 0;

	ws = calloc(MAX_WINDOWS, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	/*
	 * Long windows find more, but one construct the solver does not model
	 * (pkt_end - pkt, say) makes a whole window unprovable: odd effort
	 * levels search windows half as long.
	 */
	maxlen = o->pp->max_window ? o->pp->max_window : DEFAULT_WINDOW;
	if (o->effort % 2 && maxlen > 1)
		maxlen /= 2;
	n = search_windows(o->p, o->a, maxlen, ws, MAX_WINDOWS);
	if (n > MAX_WINDOWS)
		n = MAX_WINDOWS;
	/*
	 * Regions (windows with jumps inside): in a program of many windows,
	 * once the plain ones found nothing more at the first effort -- most
	 * of what a short budget finds is there, and regions would take a
	 * share of its time (at 5 s, xdpfilt_dny_all lost 41 instructions to
	 * them); in a small one at once.  Full length: a region needs the room.
	 */
	if ((o->effort >= 1 || n <= REGIONS_AT_ONCE) && n < MAX_WINDOWS)
		n = merge_regions(o, ws, n);
	n = cut_frozen(o, ws, n, MAX_WINDOWS);
	free(o->work);
	o->work = calloc(n ? n : 1, sizeof(*o->work));
	if (!o->work) {
		free(ws);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct job *j = &o->work[i];

		j->w = ws[i];
		j->seed = mix(o->pp->seed ^ mix(((uint64_t)o->round << 32) | ws[i].start));
		j->memo = window_memo(o, &ws[i]);
		if (j->memo)
			j->memo = mix(j->memo ^ o->effort) | 1;
		j->skip = memo_has(o, j->memo);
	}
	free(ws);
	o->nwork = n;
	atomic_store(&o->next, 0);
	atomic_store(&o->done, 0);

	tids = calloc(o->jobs, sizeof(*tids));
	args = calloc(o->jobs, sizeof(*args));
	if (!tids || !args) {
		err = -ENOMEM;
		goto out;
	}
	for (t = 0; t < o->jobs; t++) {
		args[t][0] = o;
		args[t][1] = o->smt[t];
		if (pthread_create(&tids[t], NULL, search_thread, args[t]))
			break;
		started++;
	}
	if (!started) {
		/* no thread: search on this one */
		search_thread(args[0]);
	} else {
		while (atomic_load(&o->done) < n) {
			struct timespec ts = {0, 50 * 1000 * 1000};

			progress(o, n);
			nanosleep(&ts, NULL);
		}
		for (t = 0; t < started; t++)
			pthread_join(tids[t], NULL);
	}
	progress(o, n);
	for (i = 0; i < n; i++) {
		struct job *j = &o->work[i];

		if (j->err)
			continue;
		add_stats(&o->res->stats, &j->res.stats);
		if (!j->res.improved && j->memo)
			o->memo[j->memo % MEMO_SIZE] = j->memo;
	}
out:
	free(tids);
	free(args);
	return err;
}

/* ---- committing -------------------------------------------------------- */

/*
 * Prove @cand's window [@start, @start + @wlen) equivalent to the current
 * program's, under conditions from the current analysis.
 */
static int recheck(struct optimizer *o, const struct bpf_insn *cand, uint32_t start,
		   uint32_t wlen, char *msg, size_t msgsz)
{
	struct smt_result *r;
	int err;

	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = search_recheck(o->p, o->a, &o->smtenv, o->smt[o->jobs], start, wlen, &cand[start],
			     r);
	if (err)
		snprintf(msg, msgsz, "re-check failed (%d): %.180s", err, r->msg);
	else if (r->verdict != SMT_EQUIVALENT) {
		snprintf(msg, msgsz, "%s: %.180s", smt_verdict_str(r->verdict), r->msg);
		err = -EACCES;
	}
	free(r);
	return err;
}

/* Try to make @rewrite of [@start, @start + @wlen) part of the current program. */
static bool commit_one(struct optimizer *o, uint32_t start, uint32_t wlen,
		       const struct bpf_insn *rewrite)
{
	struct opt_result *res = o->res;
	struct bpf_insn *cand;
	struct prog *p = NULL;
	struct analysis *a = NULL;
	uint64_t cost = 0;
	char msg[SAFETY_MSG_SIZE + 64];
	struct opt_window_rec *rec;

	if (search_cost(rewrite, wlen) >= search_cost(&o->cur[start], wlen))
		return false;
	cand = malloc(o->len * sizeof(*cand));
	if (!cand)
		return false;
	memcpy(cand, o->cur, o->len * sizeof(*cand));
	memcpy(&cand[start], rewrite, wlen * sizeof(*cand));

	if (recheck(o, cand, start, wlen, msg, sizeof(msg))) {
		res->rejected_recheck++;
		goto out;
	}
	if (analyse(o, cand, &p, &a, msg, sizeof(msg)) ||
	    safety_base_check(&o->base, p, a, &o->senv, start, wlen, msg, sizeof(msg))) {
		res->rejected_safety++;
		goto out;
	}
	if (o->pp->judge) {
		if (o->pp->judge(o->pp->judge_arg, cand, o->len, &cost) < 0 || cost > o->judged) {
			res->rejected_judge++;
			goto out;
		}
	}
	rec = realloc(res->windows, (res->nwindows + 1) * sizeof(*rec));
	if (!rec)
		goto out;
	res->windows = rec;
	rec += res->nwindows++;
	rec->start = start;
	rec->len = wlen;
	rec->insns_before = opt_count_insns(&o->cur[start], wlen);
	rec->insns_after = opt_count_insns(&cand[start], wlen);
	rec->cost_before = search_cost(&o->cur[start], wlen);
	rec->cost_after = search_cost(&cand[start], wlen);
	rec->round = o->round;

	drop_analysis(o);
	free(o->cur);
	o->cur = cand;
	o->p = p;
	o->a = a;
	if (o->pp->judge)
		o->judged = cost;
	return true;
out:
	analysis__free(a);
	prog__free(p);
	free(cand);
	return false;
}

/*
 * Try @j's rewrite, then, if the checks or the judge refuse it, the other
 * rewrites the search proved, cheapest first.
 */
static bool commit(struct optimizer *o, const struct job *j)
{
	uint32_t k;

	if (j->res.len != j->w.len)
		return false;
	if (commit_one(o, j->w.start, j->w.len, j->res.insns))
		return true;
	for (k = 0; k < j->res.nalts && k < SEARCH_MAX_ALTS; k++)
		if (commit_one(o, j->w.start, j->w.len, j->res.alts[k]))
			return true;
	return false;
}

/* Commit the round's improvements in program order; how many were. */
static uint32_t commit_round(struct optimizer *o)
{
	uint32_t n = 0, end = 0;
	size_t i;

	for (i = 0; i < o->nwork && now() < o->end; i++) {
		const struct job *j = &o->work[i];

		if (j->err || !j->res.improved)
			continue;
		if (j->w.start < end)
			continue; /* overlaps one committed: next round */
		if (commit(o, j)) {
			n++;
			end = j->w.start + j->w.len;
		}
	}
	return n;
}

/* ---- the whole program ----------------------------------------------- */

static void whole_check(struct optimizer *o, const struct bpf_insn *input)
{
	struct opt_result *res = o->res;
	struct smt_result *r;
	double left = o->end - now();
	uint32_t ms = left > 1 ? (uint32_t)(left * 1000) : 1000;

	if (o->unsized >= 0) {
		/*
		 * Its lookups' outcomes depend on the size a loader gives it: the
		 * one element the windows assumed says nothing about that.
		 */
		snprintf(res->whole_msg, sizeof(res->whole_msg),
			 "map %d has max_entries 0: its loader sets the size", o->unsized);
		return;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		snprintf(res->whole_msg, sizeof(res->whole_msg), "out of memory");
		return;
	}
	smt_ctx__set_timeout(o->smt[o->jobs], ms);
	res->whole_checked = true;
	if (smt_check_prog(o->smt[o->jobs], input, o->len, o->cur, o->len, &o->wholeenv, r)) {
		res->whole = SMT_UNKNOWN;
		snprintf(res->whole_msg, sizeof(res->whole_msg), "%s", r->msg);
	} else {
		res->whole = r->verdict;
		o->whole_sat = r->sat;
		snprintf(res->whole_msg, sizeof(res->whole_msg), "%s", r->msg);
	}
	free(r);
}

/* ---- the driver ---------------------------------------------------------- */

static int setup(struct optimizer *o, const struct bpf_insn *insns, size_t len)
{
	uint32_t i;

	o->amaps = calloc(o->env->nmaps + 1, sizeof(*o->amaps));
	o->smaps = calloc(o->env->nmaps + 1, sizeof(*o->smaps));
	o->flags = calloc(o->env->nmaps + 1, sizeof(*o->flags));
	o->cur = malloc(len * sizeof(*insns));
	o->smt = calloc(o->jobs + 1, sizeof(*o->smt));
	if (!o->amaps || !o->smaps || !o->flags || !o->cur || !o->smt)
		return -ENOMEM;
	o->unsized = -1;
	for (i = 0; i < o->env->nmaps; i++) {
		struct interp_map_def *d = &o->smaps[i];

		*d = o->env->maps[i];
		/*
		 * An object's map whose size its loader sets (max_entries 0 in
		 * the ELF): a value pointer into it points at some element, and
		 * windows need no more; one element says so to the solver,
		 * whose pre-condition "an element of the map" would otherwise
		 * be false, and every window "equivalent".
		 */
		if (!d->max_entries) {
			d->max_entries = 1;
			/*
			 * libbpf sizes perf event arrays and ring buffers itself,
			 * and no lookup tells their size; the whole-program check,
			 * which sees the object's own maps, takes an array's or a
			 * device or CPU map's for any size (smt_map_size(),
			 * smt_map_elems()).  Other maps it cannot check.
			 */
			if (o->unsized < 0 && d->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
			    d->type != BPF_MAP_TYPE_RINGBUF && !smt_map_is_redirect(d) &&
			    !smt_map_is_array(d))
				o->unsized = (int)i;
		}
		o->amaps[i] = (struct analysis_map){.type = d->type,
						    .key_size = d->key_size,
						    .value_size = d->value_size,
						    .max_entries = d->max_entries,
						    .ref = d->ref};
		o->flags[i] = d->flags;
	}
	o->aenv = (struct analysis_env){.prog_type = o->env->prog_type,
					.maps = o->amaps,
					.nmaps = o->env->nmaps,
					.static_fn = o->env->static_fn,
					.static_fn_len = o->env->static_fn_len};
	o->senv = (struct safety_env){.prog_type = o->env->prog_type,
				      .expected_attach_type = o->env->expected_attach_type,
				      .maps = o->amaps,
				      .nmaps = o->env->nmaps,
				      .map_flags = o->flags};
	o->smtenv = (struct smt_env){.prog_type = o->env->prog_type,
				     .maps = o->smaps,
				     .nmaps = o->env->nmaps};
	o->wholeenv = o->smtenv;
	o->wholeenv.maps = o->env->maps;
	for (i = 0; i <= o->jobs; i++) {
		o->smt[i] = smt_ctx__new(o->pp->smt_timeout_ms ? o->pp->smt_timeout_ms :
					 DEFAULT_SMT_TIMEOUT_MS);
		if (!o->smt[i])
			return -errno;
	}
	memcpy(o->cur, insns, len * sizeof(*insns));
	o->len = len;
	return 0;
}

static void teardown(struct optimizer *o)
{
	unsigned int i;

	drop_analysis(o);
	if (o->smt)
		for (i = 0; i <= o->jobs; i++)
			smt_ctx__free(o->smt[i]);
	free(o->smt);
	free(o->amaps);
	free(o->smaps);
	free(o->flags);
	free(o->cur);
	free(o->work);
	safety_base_free(&o->base);
}

int opt_optimize(const struct bpf_insn *insns, size_t len, const struct opt_env *env,
		 const struct opt_params *pp, struct opt_result *res)
{
	struct optimizer *o;
	double budget;
	char msg[PROG_MSG_SIZE];
	int err;

	memset(res, 0, sizeof(*res));
	res->whole = SMT_UNKNOWN;
	if (!insns || !len || !env || !pp || (env->nmaps && !env->maps)) {
		snprintf(res->msg, sizeof(res->msg), "invalid arguments");
		return -EINVAL;
	}
	if (prog_validate(insns, len, msg, sizeof(msg))) {
		snprintf(res->msg, sizeof(res->msg), "%s", msg);
		return -EINVAL;
	}
	res->insns = malloc(len * sizeof(*insns));
	if (!res->insns)
		return -ENOMEM;
	memcpy(res->insns, insns, len * sizeof(*insns));
	res->len = len;
	res->insns_before = res->insns_after = opt_count_insns(insns, len);
	res->cost_before = res->cost_after = search_cost(insns, len);

	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->env = env;
	o->pp = pp;
	o->res = res;
	o->jobs = pp->jobs ? pp->jobs : 1;
	budget = pp->budget > 0 ? pp->budget : DEFAULT_BUDGET;
	o->t0 = now();
	o->end = o->t0 + budget;
	/* keep a tenth (at most 30 s) for commits and the whole-program check */
	o->search_end = o->end - (budget / 10 < 30 ? budget / 10 : 30);

	err = setup(o, insns, len);
	if (err)
		goto out;
	if (analyse(o, o->cur, &o->p, &o->a, msg, sizeof(msg))) {
		snprintf(res->msg, sizeof(res->msg), "cannot analyse the input: %.200s", msg);
		goto done;
	}
	err = safety_base_init(&o->base, o->p, o->a, &o->senv);
	if (err)
		goto out;
	if (pp->judge) {
		if (pp->judge(pp->judge_arg, insns, len, &o->judged) < 0) {
			snprintf(res->msg, sizeof(res->msg), "the judge rejects the input");
			goto out;
		}
		res->judged = true;
		res->judge_before = o->judged;
	}

	for (o->round = 1; o->round <= MAX_ROUNDS && now() < o->search_end; o->round++) {
		uint32_t n;

		err = search_round(o);
		if (err)
			goto out;
		n = commit_round(o);
		res->rounds = o->round;
		progress(o, o->nwork);
		/* nothing more at this effort: try harder, while the budget lasts */
		if (!n && ++o->effort >= (pp->efforts ? pp->efforts : MAX_EFFORT + 1))
			break;
	}

	if (!res->nwindows) {
		snprintf(res->msg, sizeof(res->msg), "no proven improvement found");
		snprintf(res->whole_msg, sizeof(res->whole_msg), "nothing changed");
		goto done;
	}
	whole_check(o, insns);
	if (res->whole == SMT_DIFFERENT || o->whole_sat) {
		/*
		 * The window proofs say otherwise: a bug somewhere; keep the
		 * input.  So when the solver's counterexample did not replay in
		 * the interpreter: the window proofs rest on the same models.
		 */
		snprintf(res->msg, sizeof(res->msg), "whole-program check found %s (%.180s): input kept",
			 res->whole == SMT_DIFFERENT ? "a difference" : "a possible difference",
			 res->whole_msg);
		free(res->windows);
		res->windows = NULL;
		res->nwindows = 0;
		goto done;
	}
	memcpy(res->insns, o->cur, len * sizeof(*insns));
	res->insns_after = opt_count_insns(o->cur, len);
	res->cost_after = search_cost(o->cur, len);
	if (pp->judge)
		res->judge_after = o->judged;
done:
	if (res->judged && !res->judge_after)
		res->judge_after = res->judge_before;
	err = 0;
out:
	res->seconds = now() - o->t0;
	teardown(o);
	free(o);
	return err;
}

void opt_result__free(struct opt_result *res)
{
	free(res->insns);
	free(res->windows);
	res->insns = NULL;
	res->windows = NULL;
}
