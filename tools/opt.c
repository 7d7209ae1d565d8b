// SPDX-License-Identifier: MIT
/*
 * bpfsynth opt: optimize the programs of an object and write an object that
 * is the same file except for those programs' instructions.
 *
 * The optimizer (core/optimize) keeps a program's length and leaves LD_IMM64
 * instructions in place, so every offset in the object -- relocations,
 * .BTF.ext func/line info and CO-RE records, symbols -- stays valid when the
 * new instructions are written over the old ones.  What it is given is the
 * program as libbpf would submit it (objfile_link(): maps named by index,
 * the .text subprograms it calls appended), which opt_link.c maps back to
 * the object's functions instruction by instruction.  Instructions libbpf
 * patches at load time (relocations, CO-RE records, call offsets) never
 * change.  A .text subprogram is shared: every program that calls it gets a
 * copy of the same bytes, so a rewrite there must be proven for each of them
 * (opt_shared.c); subprograms some caller of which cannot be proven (not
 * selected with --prog, skipped, not loadable) stay as they are.
 *
 * Skipped, soundly rather than cleverly: programs with CO-RE records, and
 * programs that call subprograms when a .text function has CO-RE records
 * (the optimizer would reason with offsets the kernel's BTF will change: an
 * unchanged relocated instruction is not enough if a rewrite of another one
 * assumed its value).
 *
 * The kernel, when bpf() is permitted, is the judge of size: every candidate
 * the driver wants to commit is loaded through libbpf from the object as it
 * is so far with the candidate written in, and commits that make xlated
 * grow, or keep its length and make the JITed code grow, are refused.  At
 * the end every program whose code changed (its own or a subprogram's) is
 * loaded from the written object; if the kernel rejects it or it is larger
 * by that measure than the original, the original is written back -- for a
 * program that calls a changed subprogram, the original .text and every
 * program calling a changed subprogram, since their proofs were made
 * together.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config/config.h"
#include "core/optimize.h"
#include "tools/corerelo.h"
#include "tools/elfwrite.h"
#include "tools/main.h"
#include "tools/opt_internal.h"
#include "tools/opt_kernel.h"

#define DEFAULT_BUDGET 10.0
#define DEFAULT_SEED 1
#define MAX_PROGS_ARG 64

void opt_help(void)
{
	if (json_output) {
		json_print(json_pack("{s:s,s:s,s:[s,s,s,s,s,s,s,s,s]}", "name", "opt", "synopsis",
				     "opt IN.o -o OUT.o [--prog NAME]... [--budget SEC] [--jobs N] "
				     "[--seed N] [--no-kernel] [--type TYPE]",
				     "options", "-o/--output OUT.o", "--prog NAME", "--budget SEC",
				     "--jobs N", "--seed N", "--no-kernel", "--type TYPE",
				     "-j/--json, -p/--pretty, -d/--debug", "help"));
		return;
	}
	printf("Usage: %s opt IN.o -o OUT.o [--prog NAME]... [--budget SEC] [--jobs N]\n"
	       "                    [--seed N] [--no-kernel] [--type TYPE] [--json]\n"
	       "\n"
	       "Optimize the programs of IN.o (or the programs NAME) and write OUT.o: a copy\n"
	       "of IN.o in which only those programs' instructions differ.  Every rewrite is\n"
	       "proven equivalent by Z3 (core/smt); a program keeps its length (removed\n"
	       "instructions become `ja +0`, which the verifier deletes), so relocations,\n"
	       "BTF and .BTF.ext stay valid and OUT.o loads with any loader, like IN.o.\n"
	       "\n"
	       "Instructions libbpf patches at load time (map and global-data references,\n"
	       "calls, externs) stay unchanged.  A .text subprogram changes only where the\n"
	       "rewrite is proven (and, with the kernel, loads and does not grow) for every\n"
	       "program that calls it, each with its own arguments; a subprogram called by\n"
	       "a program not selected with --prog, or by one that is skipped, stays.\n"
	       "Instruction counts of a program that calls subprograms include them.\n"
	       "CO-RE relocations are frozen too; a program (or a .text function it calls)\n"
	       "with one libbpf may resolve differently on another kernel -- anything but a\n"
	       "field offset into a UAPI context or a network header where the kernel's BTF\n"
	       "has it -- is skipped (kept), with the struct and field.  A map declared with\n"
	       "max_entries 0 (sized by its loader) counts as one element, and the\n"
	       "whole-program check is not made.  Callers rely on nothing a global function\n"
	       "does (an freplace program may replace it).\n"
	       "\n"
	       "When this process may use bpf(), the kernel judges size: each rewrite the\n"
	       "optimizer commits is loaded first and refused if the kernel's translated\n"
	       "program (xlated) grows, or keeps its length and the JITed code grows; at\n"
	       "the end each optimized program is loaded from OUT.o, and if the kernel\n"
	       "rejects it or it is larger by that measure, the original instructions are\n"
	       "written back.\n"
	       "\n"
	       "  -o, --output OUT.o  the object to write (not IN.o); written to a temporary\n"
	       "                   file in the same directory, then renamed\n"
	       "  --prog NAME      only program NAME (repeatable; default: all)\n"
	       "  --budget SEC     search time per program (default %.0f)\n"
	       "  --jobs N         search threads (default 1)\n"
	       "  --seed N         random seed (default %d)\n"
	       "  --no-kernel      no kernel judge (sizes are then our own count)\n"
	       "  --type TYPE      program type of sections whose name does not say it, as\n"
	       "                   tc and ip are told (bpftool's names: xdp, sched_cls, ...)\n"
	       "  -j, --json       an array of {name, section, type, insns_before, insns_after,\n"
	       "                   xlated_before, xlated_after (null without the kernel),\n"
	       "                   windows, whole (\"equivalent\"|\"unknown\"), whole_msg,\n"
	       "                   seconds, kept_original, reason, subprog_windows,\n"
	       "                   subprog_windows_from_others, subprogs_changed, shared}\n"
	       "  -p, --pretty     indented JSON\n"
	       "  -d, --debug      show libbpf's own messages\n"
	       "\n"
	       "Per program: NAME: insns BEFORE -> AFTER (%%), xlated BEFORE -> AFTER,\n"
	       "windows N, proof, seconds; instruction counts leave out `ja +0`.  On a\n"
	       "terminal, stderr shows the search's progress.  Exit status 0 (also when\n"
	       "nothing improved), 255 after one error line.\n",
	       bin_name, DEFAULT_BUDGET, DEFAULT_SEED);
}

/*
 * The judge of core/optimize: candidates come in linked form.  It refuses
 * any candidate that changes an instruction the driver froze or libbpf
 * patches, and, with the kernel, one the kernel rejects; its cost is the
 * kernel's xlated count, then JITed bytes (0 without the kernel).  The
 * driver commits a candidate exactly when the judge is its last check and
 * accepts it at no more than the current cost, so the judge also keeps the
 * chain of committed programs, which a rewrite of a shared subprogram needs
 * to be taken to the subprogram's other callers step by step.
 */
struct judge {
	const struct oobj *ob;
	const struct oprog *p;
	const struct bpf_insn *input; /* what the optimizer was given */
	const uint8_t *frozen;
	uint8_t *image; /* scratch: the object with a candidate written in */
	uint64_t input_cost, last_cost;
	struct bpf_insn **chain; /* the programs committed, in order */
	uint32_t nchain;
	bool oom;
	uint32_t refused; /* candidates that touched frozen instructions */
	uint32_t calls;
	double seconds;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int judge_fn(void *arg, const struct bpf_insn *insns, size_t len, uint64_t *cost)
{
	struct judge *j = arg;
	struct bpf_insn **c;
	char msg[320];
	double t0;
	size_t bad;
	int err;

	if (len != j->p->lk.len)
		return -EINVAL;
	if (!memcmp(insns, j->input, len * sizeof(*insns))) {
		*cost = j->input_cost;
		return 0;
	}
	memcpy(j->image, j->ob->o->buf, j->ob->o->size);
	if (olink_apply(&j->p->lk, j->ob->o, j->image, insns, j->frozen, &bad)) {
		j->refused++;
		return -EPERM;
	}
	*cost = 0;
	if (j->ob->kernel && j->p->kernel) {
		t0 = now();
		err = oprog_load(j->ob, j->p, j->image, cost, msg, sizeof(msg));
		j->seconds += now() - t0;
		j->calls++;
		if (err)
			return err;
	}
	if (*cost > j->last_cost)
		return 0; /* the driver refuses it */
	c = realloc(j->chain, (j->nchain + 1) * sizeof(*c));
	if (c)
		j->chain = c;
	if (!c || !(c[j->nchain] = malloc(len * sizeof(*insns)))) {
		j->oom = true;
		return -ENOMEM;
	}
	memcpy(j->chain[j->nchain++], insns, len * sizeof(*insns));
	j->last_cost = *cost;
	return 0;
}

/* The judge's chain is the driver's: each step the window it says, the last the result. */
static bool chain_ok(const struct judge *j, const struct opt_result *res)
{
	uint32_t n = j->p->lk.len, w, k;

	if (!res->nwindows) /* nothing, or the whole check put the input back */
		return !memcmp(res->insns, j->input, n * sizeof(*res->insns));
	if (j->oom || j->nchain != res->nwindows)
		return false;
	for (w = 0; w < res->nwindows; w++) {
		const struct bpf_insn *a = w ? j->chain[w - 1] : j->input, *b = j->chain[w];
		const struct opt_window_rec *r = &res->windows[w];

		for (k = 0; k < n; k++)
			if ((k < r->start || k >= r->start + r->len) &&
			    memcmp(&a[k], &b[k], sizeof(a[k])))
				return false;
	}
	return !memcmp(res->insns, w ? j->chain[w - 1] : j->input, n * sizeof(*res->insns));
}

struct progress {
	const char *name;
	bool on;
};

static void progress_fn(void *arg, const struct opt_progress *p)
{
	struct progress *pr = arg;

	if (!pr->on)
		return;
	fprintf(stderr, "\r\033[K%s: insns %u -> %u, round %u, window %u/%u, %.1f/%.0f s", pr->name,
		p->insns_before, p->insns_best, p->round, p->windows_done, p->windows_total,
		p->elapsed, p->budget);
	fflush(stderr);
}

/* Program types loaders of samples/bpf and iproute2 give sections libbpf does not know. */
static enum bpf_prog_type legacy_type(const char *sec)
{
	static const struct {
		const char *prefix;
		enum bpf_prog_type type;
	} tab[] = {
		{"socket", BPF_PROG_TYPE_SOCKET_FILTER},
		{"xdp", BPF_PROG_TYPE_XDP},
		{"classifier", BPF_PROG_TYPE_SCHED_CLS},
		{"tc", BPF_PROG_TYPE_SCHED_CLS},
		{"action", BPF_PROG_TYPE_SCHED_ACT},
		{"kprobe/", BPF_PROG_TYPE_KPROBE},
		{"kretprobe/", BPF_PROG_TYPE_KPROBE},
		{"tracepoint/", BPF_PROG_TYPE_TRACEPOINT},
		{"cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB},
		{"cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK},
		{"sk_skb", BPF_PROG_TYPE_SK_SKB},
		{"sk_msg", BPF_PROG_TYPE_SK_MSG},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strncmp(sec, tab[i].prefix, strlen(tab[i].prefix)))
			return tab[i].type;
	return BPF_PROG_TYPE_UNSPEC;
}

struct opt_args {
	const char *in, *out;
	const char *progs[MAX_PROGS_ARG];
	unsigned int nprogs;
	double budget;
	unsigned int jobs;
	uint64_t seed;
	bool kernel;
	int type; /* --type: for sections that do not say the type; -1: none */
};

/* The maps as the linked programs name them: by index, in libbpf's order. */
static int describe_maps(struct bpf_object *obj, struct interp_map_def **maps, uint32_t *n)
{
	struct bpf_map *m;
	uint32_t k = 0;

	*n = 0;
	bpf_object__for_each_map (m, obj)
		k++;
	*maps = calloc(k ?: 1, sizeof(**maps));
	if (!*maps)
		return -ENOMEM;
	bpf_object__for_each_map (m, obj) {
		struct interp_map_def *d = &(*maps)[*n];

		d->type = bpf_map__type(m);
		d->key_size = bpf_map__key_size(m);
		d->value_size = bpf_map__value_size(m);
		d->max_entries = bpf_map__max_entries(m);
		d->flags = bpf_map__map_flags(m);
		d->ref = (int32_t)*n;
		(*n)++;
	}
	return 0;
}

/*
 * Why the CO-RE records of @ep, or of the .text subprograms (libbpf takes
 * them from .text only) when @ep calls code, keep it from being optimized:
 * NULL when there are none, or when each leaves its instruction as it is on
 * every kernel (tools/corerelo.h); else the reason, in @buf.
 */
static const char *why_core(const struct elfw_obj *o, const struct corerelo *cr,
			    const struct elfw_prog *ep, char *buf, size_t bufsz)
{
	char why[192];
	size_t i;

	if (ep->ncore) {
		if (!cr) {
			snprintf(buf, bufsz, "has %u CO-RE relocations (libbpf rewrites them "
				 "against the kernel's BTF)", ep->ncore);
			return buf;
		}
		if (corerelo__check(cr, ep->section, ep->sec_off, ep->cnt * 8, NULL, why,
				    sizeof(why))) {
			snprintf(buf, bufsz, "has %u CO-RE relocations, and libbpf may resolve one "
				 "to another value on another kernel: %s", ep->ncore, why);
			return buf;
		}
	}
	if (!ep->calls_code)
		return NULL;
	for (i = 0; i < o->nprogs; i++) {
		const struct elfw_prog *f = &o->progs[i];

		if (strcmp(f->section, ".text") || !f->ncore)
			continue;
		if (!cr) {
			/* what the subprograms compute would be reasoned about unrelocated */
			snprintf(buf, bufsz, "calls subprograms, and %s has CO-RE relocations",
				 f->name);
			return buf;
		}
		if (corerelo__check(cr, ".text", f->sec_off, f->cnt * 8, NULL, why, sizeof(why))) {
			snprintf(buf, bufsz, "calls subprograms, and %s has a CO-RE relocation "
				 "libbpf may resolve to another value on another kernel: %s",
				 f->name, why);
			return buf;
		}
	}
	return NULL;
}

/*
 * Why program @r cannot be optimized from its section's instructions, or
 * NULL.  @linked: libbpf's linked form (NULL if linking failed: @link_msg).
 */
static const char *why_skip(const struct oprog *r, const struct bpf_insn *linked, size_t lcnt,
			    const char *link_msg, const struct oobj *ob, char *buf, size_t bufsz)
{
	const struct elfw_prog *ep = r->ep;
	size_t i;

	if (!ep)
		return "not found in the ELF symbol table";
	if (why_core(ob->o, ob->cr, ep, buf, bufsz))
		return buf;
	if (r->type == BPF_PROG_TYPE_UNSPEC) {
		snprintf(buf, bufsz, "section '%s' does not say the program type", r->section);
		return buf;
	}
	if (!linked) {
		snprintf(buf, bufsz, "libbpf cannot link the object: %s", link_msg);
		return buf;
	}
	if (ep->calls_code ? lcnt <= ep->cnt : lcnt != ep->cnt) {
		snprintf(buf, bufsz, "libbpf links it to %zu instructions, not %s%zu", lcnt,
			 ep->calls_code ? "more than " : "", ep->cnt);
		return buf;
	}
	for (i = 0; i < ep->cnt; i++) {
		if (!ep->frozen[i] && memcmp(&linked[i], &ep->insns[i], sizeof(linked[i]))) {
			snprintf(buf, bufsz, "libbpf rewrites instruction %zu at load", i);
			return buf;
		}
	}
	return NULL;
}

/*
 * Everything about program @prog (index @i) that optimizing it, or proving a
 * rewrite of a subprogram it shares, needs.  0, or -ENOMEM.
 */
static int prepare(const struct opt_args *a, struct oobj *ob, const uint8_t *image,
		   struct bpf_program *prog, const char *link_msg, size_t i)
{
	struct oprog *p = &ob->ps[i];
	struct elfw_obj *o = ob->o;
	bool legacy = false;
	size_t k;

	p->name = bpf_program__name(prog);
	p->section = bpf_program__section_name(prog);
	p->ep = elfw_find(o, p->name);
	p->fn = p->ep ? (uint32_t)(p->ep - o->progs) : 0;
	p->type = objfile_section_type(prog);
	if (p->type == BPF_PROG_TYPE_UNSPEC) {
		p->type = legacy_type(p->section);
		/* as tc and ip do: the loader says the type of a section that does not */
		if (p->type == BPF_PROG_TYPE_UNSPEC && a->type >= 0)
			p->type = (enum bpf_prog_type)a->type;
		legacy = p->type != BPF_PROG_TYPE_UNSPEC;
	}
	p->set_type = legacy ? p->type : BPF_PROG_TYPE_UNSPEC;
	p->attach = bpf_program__expected_attach_type(prog);
	p->linked = link_msg ? NULL : bpf_program__insns(prog);
	p->lcnt = link_msg ? 0 : bpf_program__insn_cnt(prog);
	p->selected = !a->nprogs;
	for (k = 0; k < a->nprogs; k++)
		p->selected |= !strcmp(a->progs[k], p->name);
	p->skip = why_skip(p, p->linked, p->lcnt, link_msg, ob, p->skipbuf, sizeof(p->skipbuf));
	if (!p->ep || !p->linked || !p->lcnt)
		return 0;
	if (olink_map(&p->lk, o, p->fn, p->linked, p->lcnt))
		return -ENOMEM;
	p->cur = malloc(p->lcnt * sizeof(*p->cur));
	if (!p->cur)
		return -ENOMEM;
	olink_current(&p->lk, o, image, p->cur);
	if (p->selected && !p->skip && a->kernel) {
		char msg[320];

		if (!oprog_load(ob, p, image, &p->cost, msg, sizeof(msg))) {
			p->kernel = true;
			p->xlated_orig = p->cost >> 32;
			p->jited_orig = p->cost & 0xffffffff;
		} else {
			snprintf(p->note, sizeof(p->note), "not judged by the kernel: original: %.250s",
				 msg);
		}
	}
	return 0;
}

/* Whether window-search may touch linked instruction @k of @p. */
static bool may_change(const struct oobj *ob, const struct oprog *p, uint32_t k)
{
	const struct olink_sub *s;
	bool ok;

	if (p->lk.fn[k] < 0 || p->lk.fixed[k])
		return false;
	s = olink_sub_at(&p->lk, k);
	if (!s)
		return (uint32_t)p->lk.fn[k] == p->fn;
	/* callbacks: what calls them, with what, is the kernel's business */
	if (s->callback)
		return false;
	oobj_callers(ob, s->fn, &ok);
	return ok;
}

/* Why a subprogram of @p must stay as it is, in @p->note (nothing if none must). */
static void frozen_note(const struct oobj *ob, struct oprog *p)
{
	uint32_t s, n;
	size_t i;
	bool ok;

	for (s = 0; s < p->lk.nsub; s++) {
		const struct olink_sub *sub = &p->lk.subs[s];
		const char *fname = ob->o->progs[sub->fn].name;

		if (sub->callback) {
			snprintf(p->note, sizeof(p->note),
				 "subprogram %s stays as it is: a callback", fname);
			return;
		}
		n = oobj_callers(ob, sub->fn, &ok);
		if (ok)
			continue;
		for (i = 0; i < ob->n; i++) {
			const struct oprog *q = &ob->ps[i];

			if (!q->lk.len || !q->lk.complete) {
				snprintf(p->note, sizeof(p->note),
					 "subprograms stay as they are: cannot tell what %s calls (%s)",
					 q->name, q->lk.len ? q->lk.msg : "not linked");
				return;
			}
			if (!olink_has(&q->lk, sub->fn, NULL) || (q->selected && !q->skip &&
								  (!ob->kernel || q->kernel)))
				continue;
			snprintf(p->note, sizeof(p->note),
				 "subprogram %s stays as it is: %u programs call it, and %s is %s",
				 fname, n, q->name,
				 !q->selected ? "not selected (--prog)"
				 : q->skip    ? "skipped"
					      : "not loadable for the judge");
			return;
		}
	}
}

static void optimize_one(const struct opt_args *a, struct oobj *ob, size_t i,
			 struct prog_report *r)
{
	struct oprog *p = &ob->ps[i];
	uint32_t n = p->lk.len, kept = 0, k;
	struct bpf_insn *input = NULL, *final = NULL;
	struct opt_params pp = {0};
	struct opt_result res = {0};
	struct progress pr = {0};
	struct opt_env env = {0};
	struct judge j = {0};
	uint8_t *frozen = NULL, *static_fn = NULL;
	int err;

	r->optimized = true;
	input = malloc(n * sizeof(*input));
	final = malloc(n * sizeof(*final));
	frozen = calloc(n, 1);
	static_fn = olink_static_fns(&p->lk, ob->o);
	j.image = malloc(ob->o->size);
	if (!input || !final || !frozen || !static_fn || !j.image) {
		opt_keep(r, "out of memory");
		goto out;
	}
	memcpy(input, p->cur, n * sizeof(*input));
	for (k = 0; k < n; k++)
		frozen[k] = !may_change(ob, p, k);
	if (!p->note[0])
		frozen_note(ob, p);
	j.ob = ob;
	j.p = p;
	j.input = input;
	j.frozen = frozen;
	j.input_cost = j.last_cost = p->cost;
	pp.judge = judge_fn;
	pp.judge_arg = &j;
	env.prog_type = p->type;
	env.expected_attach_type = p->attach;
	env.maps = ob->maps;
	env.nmaps = ob->nmaps;
	env.static_fn = static_fn;
	env.static_fn_len = n;
	pp.budget = a->budget;
	pp.jobs = a->jobs;
	pp.seed = a->seed;
	pr.name = p->name;
	pr.on = isatty(STDERR_FILENO);
	pp.progress = progress_fn;
	pp.progress_arg = &pr;
	pp.frozen = frozen;
	err = opt_optimize(input, n, &env, &pp, &res);
	if (pr.on)
		fprintf(stderr, "\r\033[K");
	r->seconds = res.seconds;
	if (err) {
		opt_keep(r, "the optimizer failed: %s", res.msg[0] ? res.msg : strerror(-err));
		goto out;
	}
	r->whole_equiv = res.whole_checked && res.whole == SMT_EQUIVALENT;
	snprintf(r->whole_msg, sizeof(r->whole_msg), "%s",
		 res.whole_msg[0] ? res.whole_msg : res.msg);
	if (res.len != n) {
		opt_keep(r, "the optimizer returned %u instructions, not %u", res.len, n);
		goto out;
	}
	if (!chain_ok(&j, &res)) {
		opt_keep(r, "the optimizer's commits and the judge's record disagree");
		goto out;
	}
	err = oshared_commit(ob, p, input, res.windows, res.nwindows, j.chain, frozen,
			     j.input_cost, final, &kept);
	if (err) {
		opt_keep(r, "kept the original: the subprogram rewrites could not be settled (%s)",
		     strerror(-err));
		goto out;
	}
	r->windows = kept;
	if (kept == res.nwindows && kept)
		p->cost = j.last_cost; /* its chain as the judge measured it */
	if (kept < res.nwindows)
		r->whole_equiv = false; /* the whole check was of the result before the cut */
	if (!memcmp(final, input, n * sizeof(*final)) && res.msg[0])
		snprintf(r->reason, sizeof(r->reason), "%s", res.msg);
out:
	if (ob->kernel && debug_output)
		fprintf(stderr, "%s: %u judge loads, %.3f s (%.1f ms each)\n", p->name, j.calls,
			j.seconds, j.calls ? 1000 * j.seconds / j.calls : 0.0);
	for (k = 0; k < j.nchain; k++)
		free(j.chain[k]);
	free(j.chain);
	free(j.image);
	free(frozen);
	free(static_fn);
	free(input);
	free(final);
	opt_result__free(&res);
}

static int parse_args(int argc, char **argv, struct opt_args *a)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"prog", required_argument, NULL, 'P'},
		{"budget", required_argument, NULL, 'B'},
		{"jobs", required_argument, NULL, 'J'},
		{"seed", required_argument, NULL, 'S'},
		{"no-kernel", no_argument, NULL, 'K'},
		{"type", required_argument, NULL, 'T'},
		{"json", no_argument, NULL, 'j'},
		{"pretty", no_argument, NULL, 'p'},
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	unsigned long long v;
	char *end;
	int c;

	a->budget = DEFAULT_BUDGET;
	a->jobs = 1;
	a->seed = DEFAULT_SEED;
	a->kernel = true;
	a->type = -1;
	while ((c = cmd_getopt(argc, argv, ":o:jpdh", opts)) != -1) {
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'P':
			if (a->nprogs == MAX_PROGS_ARG) {
				p_err("opt: at most %d --prog", MAX_PROGS_ARG);
				return -EINVAL;
			}
			a->progs[a->nprogs++] = optarg;
			break;
		case 'B':
			errno = 0;
			a->budget = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(a->budget > 0) ||
			    a->budget > 86400) {
				p_err("opt: --budget wants seconds (0 < SEC <= 86400), not '%s'",
				      optarg);
				return -EINVAL;
			}
			break;
		case 'J':
		case 'S':
			errno = 0;
			v = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    (c == 'J' && (v == 0 || v > 256))) {
				p_err("opt: --%s wants %s, not '%s'", c == 'J' ? "jobs" : "seed",
				      c == 'J' ? "1 to 256" : "a number", optarg);
				return -EINVAL;
			}
			if (c == 'J')
				a->jobs = (unsigned int)v;
			else
				a->seed = v;
			break;
		case 'K':
			a->kernel = false;
			break;
		case 'T':
			a->type = config_prog_type_parse(optarg);
			if (a->type < 0) {
				p_err("opt: unknown program type '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			opt_help();
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind != 1) {
		p_err("opt: %s (see '%s opt help')",
		      argc - optind < 1 ? "needs an object, IN.o" : "too many arguments", bin_name);
		return -EINVAL;
	}
	a->in = argv[optind];
	if (!a->out) {
		p_err("opt: needs -o OUT.o");
		return -EINVAL;
	}
	return 0;
}

/* OUT.o must not be IN.o: the original is the fallback and the judge's reference. */
static bool same_file(const char *in, const char *out)
{
	struct stat a, b;

	if (stat(out, &b))
		return false;
	return !stat(in, &a) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int do_opt(int argc, char **argv)
{
	struct interp_map_def *maps = NULL;
	struct prog_report *rs = NULL;
	struct bpf_object *obj = NULL;
	struct elfw_obj o = {0};
	struct opt_args a = {0};
	struct oobj ob = {0};
	struct corerelo *cr = NULL;
	struct bpf_program *p;
	uint8_t *image = NULL;
	char msg[256], link_msg[256];
	bool linked = false;
	uint32_t nmaps = 0, round;
	size_t n = 0, i;
	int err;

	if (argc == 2 && !strcmp(argv[1], "help")) {
		opt_help();
		return 0;
	}
	err = parse_args(argc, argv, &a);
	if (err)
		return err > 0 ? 0 : err;
	if (same_file(a.in, a.out)) {
		p_err("opt: %s is the input; write the result to another file", a.out);
		return -EINVAL;
	}
	err = objfile_check(a.in, msg, sizeof(msg)) ?: objfile_probe(a.in, msg, sizeof(msg));
	if (err) {
		p_err("%s: %s", a.in, msg);
		return err;
	}
	err = elfw_open(a.in, &o, msg, sizeof(msg));
	if (err) {
		p_err("%s: %s", a.in, msg);
		return err;
	}
	/* NULL (unreadable BTF) skips every program with CO-RE records, and says so */
	cr = corerelo__open(a.in, msg, sizeof(msg));
	ob.cr = cr;
	libbpf_clear_warning();
	obj = bpf_object__open_file(a.in, NULL);
	if (!obj) {
		const char *why = libbpf_last_warning();

		err = -errno;
		p_err("%s: libbpf cannot open it: %s%s%s%s", a.in, strerror(errno),
		      *why ? " (" : "", why, *why ? ")" : "");
		goto out;
	}
	for (i = 0; i < a.nprogs; i++) {
		if (!bpf_object__find_program_by_name(obj, a.progs[i])) {
			p_err("%s: no program named '%s'", a.in, a.progs[i]);
			err = -ENOENT;
			goto out;
		}
	}
	/* the original bytes: the fallback, and what "before" means; o.buf changes */
	image = malloc(o.size ?: 1);
	if (!image) {
		err = -ENOMEM;
		p_err("opt: out of memory");
		goto out;
	}
	memcpy(image, o.buf, o.size);
	err = objfile_probe_link(a.in, link_msg, sizeof(link_msg));
	if (!err) {
		if (objfile_link(obj)) {
			const char *why = libbpf_last_warning();

			snprintf(link_msg, sizeof(link_msg), "%s%s%s%s", strerror(errno),
				 *why ? " (" : "", why, *why ? ")" : "");
		} else {
			linked = true;
		}
	}
	err = describe_maps(obj, &maps, &nmaps);
	if (err) {
		p_err("opt: out of memory");
		goto out;
	}
	bpf_object__for_each_program (p, obj)
		n++;
	rs = calloc(n ?: 1, sizeof(*rs));
	ob.ps = calloc(n ?: 1, sizeof(*ob.ps));
	if (!rs || !ob.ps) {
		err = -ENOMEM;
		p_err("opt: out of memory");
		goto out;
	}
	ob.o = &o;
	ob.n = n;
	ob.maps = maps;
	ob.nmaps = nmaps;
	ob.kernel = a.kernel;
	ob.obj_name = strrchr(o.path, '/') ? strrchr(o.path, '/') + 1 : o.path;
	i = 0;
	bpf_object__for_each_program (p, obj) {
		err = prepare(&a, &ob, image, p, linked ? NULL : link_msg, i++);
		if (err) {
			p_err("opt: out of memory");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		struct prog_report *r = &rs[i];

		snprintf(r->whole_msg, sizeof(r->whole_msg), "not optimized");
		if (!ob.ps[i].selected)
			continue;
		if (ob.ps[i].skip)
			opt_keep(r, "skipped: %s", ob.ps[i].skip);
		else
			optimize_one(&a, &ob, i, r);
	}
	err = elfw_save(&o, a.out, msg, sizeof(msg));
	/* each put-back changes the object: load what changed again, until all load */
	for (round = 0; !err && a.kernel && round < 2 * n + 2; round++) {
		if (!opt_final_check(a.out, &ob, image, rs))
			break;
		err = elfw_save(&o, a.out, msg, sizeof(msg));
	}
	if (err) {
		p_err("opt: %s", msg);
		goto out;
	}
	opt_settle(&ob, image, rs);
	opt_report(&ob, image, rs);
out:
	for (i = 0; ob.ps && i < n; i++) {
		olink_free(&ob.ps[i].lk);
		free(ob.ps[i].cur);
	}
	free(ob.ps);
	free(rs);
	free(maps);
	free(image);
	bpf_object__close(obj);
	corerelo__free(cr);
	elfw_close(&o);
	return err;
}
