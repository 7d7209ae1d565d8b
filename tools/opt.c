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
 * the .text subprograms it calls appended), whose first instructions are the
 * ELF section's one for one, except at the instructions relocations name.
 * Those, and the ones CO-RE records name, libbpf patches at load time, and
 * the appended subprograms are shared with other programs: all of them must
 * come back unchanged (elfwrite.c marks the first; the judge refuses any
 * commit that touches them), or the program is kept.
 *
 * Skipped, soundly rather than cleverly: programs with CO-RE records, and
 * programs that call subprograms when a .text function has CO-RE records
 * (the optimizer would reason with offsets the kernel's BTF will change: an
 * unchanged relocated instruction is not enough if a rewrite of another one
 * assumed its value).
 *
 * The kernel, when bpf() is permitted, is the judge of size (kernel_load()):
 * every candidate the driver wants to commit is loaded through libbpf from
 * the original object with its instructions replaced, and commits that make
 * xlated grow, or keep its length and make the JITed code grow, are refused.
 * At the end each optimized program is loaded from the written object; if
 * the kernel rejects it or it is larger by that measure, the original
 * instructions are written back.
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
#include "tools/elfwrite.h"
#include "tools/opt_kernel.h"
#include "tools/main.h"

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
	       "calls, externs) and the .text subprograms a program calls (shared by other\n"
	       "programs) stay unchanged; only each program's own instructions change.\n"
	       "Programs with CO-RE relocations, and programs that call subprograms when a\n"
	       ".text function has CO-RE relocations, are skipped (kept), with the reason.\n"
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
	       "                   seconds, kept_original, reason}\n"
	       "  -p, --pretty     indented JSON\n"
	       "  -d, --debug      show libbpf's own messages\n"
	       "\n"
	       "Per program: NAME: insns BEFORE -> AFTER (%%), xlated BEFORE -> AFTER,\n"
	       "windows N, proof, seconds; instruction counts leave out `ja +0`.  On a\n"
	       "terminal, stderr shows the search's progress.  Exit status 0 (also when\n"
	       "nothing improved), 255 after one error line.\n",
	       bin_name, DEFAULT_BUDGET, DEFAULT_SEED);
}

/* What happened to one program. */
struct prog_report {
	const char *name;
	const char *section;
	enum bpf_prog_type type;
	uint32_t insns_before, insns_after;
	bool kernel; /* xlated sizes are known */
	uint64_t xlated_before, xlated_after;
	uint64_t jited_before; /* bytes, from the kernel */
	uint32_t windows;
	bool whole_equiv;
	char whole_msg[SMT_MSG_SIZE];
	double seconds;
	bool kept_original;
	char reason[400];
	bool changed;		     /* OUT.o has new instructions for it */
	enum bpf_prog_type set_type; /* for libbpf, which does not know a legacy section */
	struct elfw_prog *ep;
	struct bpf_insn *orig; /* ELF form */
};

/*
 * The judge of core/optimize: candidates come in linked form (the program's
 * own instructions, then the subprograms libbpf appends).  It refuses any
 * candidate that changes an instruction libbpf patches or a subprogram (those
 * are shared with other programs and written once in .text), and, with the
 * kernel, one the kernel rejects; its cost is the kernel's xlated count, or 0
 * without the kernel.
 */
struct judge {
	struct kload k;
	bool kernel;
	const struct bpf_insn *linked; /* what the optimizer was given */
	size_t lcnt;
	const struct elfw_prog *ep; /* ELF form and what libbpf patches */
	struct bpf_insn *scratch;
	uint32_t refused; /* candidates that touched frozen instructions */
	/* the input's verdict, asked once before the driver starts */
	int input_err;
	uint64_t input_xlated, input_jited;
	uint32_t calls;
	double seconds;
	char msg[320];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The ELF form of a candidate of @lcnt instructions: the original section
 * instructions with the candidate's changes.  -1 and the index in *@bad if a
 * changed instruction is one libbpf patches or lies in a subprogram.
 */
static int to_elf(const struct elfw_prog *ep, const struct bpf_insn *linked, size_t lcnt,
		  const struct bpf_insn *cand, struct bpf_insn *out, size_t *bad)
{
	size_t i;

	for (i = ep->cnt; i < lcnt; i++) {
		if (memcmp(&cand[i], &linked[i], sizeof(cand[i]))) {
			*bad = i;
			return -1;
		}
	}
	for (i = 0; i < ep->cnt; i++) {
		if (!memcmp(&cand[i], &linked[i], sizeof(cand[i]))) {
			out[i] = ep->insns[i];
			continue;
		}
		if (ep->frozen[i]) {
			*bad = i;
			return -1;
		}
		out[i] = cand[i];
	}
	return 0;
}

static int judge_fn(void *arg, const struct bpf_insn *insns, size_t len, uint64_t *cost)
{
	struct judge *j = arg;
	char msg[320];
	uint64_t jited = 0;
	double t0;
	size_t bad;
	int err;

	if (len != j->lcnt)
		return -EINVAL;
	if (!memcmp(insns, j->linked, len * sizeof(*insns))) {
		*cost = j->input_xlated << 32 | j->input_jited;
		return j->input_err;
	}
	if (to_elf(j->ep, j->linked, len, insns, j->scratch, &bad)) {
		j->refused++;
		return -EPERM;
	}
	if (!j->kernel) {
		*cost = 0;
		return 0;
	}
	t0 = now();
	err = kernel_load(&j->k, NULL, j->scratch, j->ep->cnt, false, cost, &jited, msg,
			  sizeof(msg));
	j->seconds += now() - t0;
	j->calls++;
	/*
	 * The kernel's instructions first, then its machine code: fewer
	 * instructions may JIT to more bytes (stores of immediates encode
	 * longer on x86), which only counts between programs of one length.
	 */
	if (!err)
		*cost = *cost << 32 | jited;
	return err;
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

/* A subprogram (libbpf takes them from .text only) with CO-RE records, or NULL. */
static const char *core_in_code(const struct elfw_obj *o, const struct elfw_prog *ep)
{
	size_t i;

	if (!ep || !ep->calls_code)
		return NULL;
	for (i = 0; i < o->nprogs; i++)
		if (!strcmp(o->progs[i].section, ".text") && o->progs[i].ncore)
			return o->progs[i].name;
	return NULL;
}

/*
 * Why program @r cannot be optimized from its section's instructions, or
 * NULL.  @linked: libbpf's linked form (NULL if linking failed: @link_msg).
 */
static const char *why_skip(struct prog_report *r, const struct bpf_insn *linked, size_t lcnt,
			    const char *link_msg, const char *core_in_code, char *buf, size_t bufsz)
{
	const struct elfw_prog *ep = r->ep;
	size_t i;

	if (!ep)
		return "not found in the ELF symbol table";
	if (ep->calls_code && core_in_code) {
		/* what the subprograms compute would be reasoned about unrelocated */
		snprintf(buf, bufsz, "calls subprograms, and %s has CO-RE relocations",
			 core_in_code);
		return buf;
	}
	if (ep->ncore) {
		snprintf(buf, bufsz,
			 "has %u CO-RE relocations (libbpf rewrites them against the kernel's BTF)",
			 ep->ncore);
		return buf;
	}
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

static void keep(struct prog_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void keep(struct prog_report *r, const char *fmt, ...)
{
	va_list ap;

	r->kept_original = true;
	r->insns_after = r->insns_before;
	r->xlated_after = r->xlated_before;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static void optimize_one(const struct opt_args *a, struct elfw_obj *o, const uint8_t *image,
			 struct bpf_program *prog, const char *link_msg,
			 const struct interp_map_def *maps, uint32_t nmaps, struct prog_report *r)
{
	const struct bpf_insn *linked = link_msg ? NULL : bpf_program__insns(prog);
	size_t lcnt = link_msg ? 0 : bpf_program__insn_cnt(prog);
	struct opt_params pp = {0};
	struct opt_result res = {0};
	struct progress pr = {0};
	struct opt_env env = {0};
	struct judge j = {0};
	const char *why;
	char buf[320];
	bool legacy = false;
	uint8_t *frozen = NULL;
	size_t bad, i;
	int err;

	r->name = bpf_program__name(prog);
	r->section = bpf_program__section_name(prog);
	r->ep = elfw_find(o, r->name);
	r->type = objfile_section_type(prog);
	if (r->type == BPF_PROG_TYPE_UNSPEC) {
		r->type = legacy_type(r->section);
		/* as tc and ip do: the loader says the type of a section that does not */
		if (r->type == BPF_PROG_TYPE_UNSPEC && a->type >= 0)
			r->type = (enum bpf_prog_type)a->type;
		legacy = r->type != BPF_PROG_TYPE_UNSPEC;
	}
	if (r->ep) {
		r->insns_before = r->insns_after = opt_count_insns(r->ep->insns, r->ep->cnt);
		r->orig = r->ep->insns;
	}
	r->whole_equiv = false;
	snprintf(r->whole_msg, sizeof(r->whole_msg), "not optimized");
	why = why_skip(r, linked, lcnt, link_msg, core_in_code(o, r->ep), buf, sizeof(buf));
	if (why) {
		keep(r, "skipped: %s", why);
		return;
	}

	j.k.image = image;
	j.k.size = o->size;
	j.k.obj_name = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
	j.k.prog = r->name;
	r->set_type = legacy ? r->type : BPF_PROG_TYPE_UNSPEC;
	j.k.type = r->set_type;
	j.linked = linked;
	j.lcnt = lcnt;
	j.ep = r->ep;
	j.scratch = calloc(r->ep->cnt, sizeof(struct bpf_insn));
	if (!j.scratch) {
		keep(r, "out of memory");
		return;
	}
	if (a->kernel) {
		j.input_err = kernel_load(&j.k, NULL, NULL, 0, true, &j.input_xlated,
					  &j.input_jited, j.msg, sizeof(j.msg));
		if (!j.input_err) {
			r->kernel = j.kernel = true;
			r->xlated_before = r->xlated_after = j.input_xlated;
			r->jited_before = j.input_jited;
		}
	}
	j.input_err = 0; /* without the kernel the judge only guards frozen instructions */
	pp.judge = judge_fn;
	pp.judge_arg = &j;
	env.prog_type = r->type;
	env.maps = maps;
	env.nmaps = nmaps;
	pp.budget = a->budget;
	pp.jobs = a->jobs;
	pp.seed = a->seed;
	pr.name = r->name;
	pr.on = isatty(STDERR_FILENO);
	pp.progress = progress_fn;
	pp.progress_arg = &pr;
	frozen = calloc(lcnt, 1);
	if (!frozen) {
		keep(r, "out of memory");
		goto out;
	}
	/* what libbpf patches, and the subprograms appended after the program's own code */
	for (i = 0; i < lcnt; i++)
		frozen[i] = i >= r->ep->cnt || r->ep->frozen[i];
	pp.frozen = frozen;
	err = opt_optimize(linked, lcnt, &env, &pp, &res);
	if (pr.on)
		fprintf(stderr, "\r\033[K");
	r->seconds = res.seconds;
	if (err) {
		keep(r, "the optimizer failed: %s", res.msg[0] ? res.msg : strerror(-err));
		goto out;
	}
	r->windows = res.nwindows;
	r->whole_equiv = res.whole_checked && res.whole == SMT_EQUIVALENT;
	snprintf(r->whole_msg, sizeof(r->whole_msg), "%s",
		 res.whole_msg[0] ? res.whole_msg : res.msg);
	if (res.len != lcnt) {
		keep(r, "the optimizer returned %u instructions, not %zu", res.len, lcnt);
		goto out;
	}
	if (to_elf(r->ep, linked, lcnt, res.insns, j.scratch, &bad)) {
		keep(r, "the optimizer changed instruction %zu, which %s", bad,
		     bad >= r->ep->cnt ? "is in a subprogram" : "libbpf patches at load");
		goto out;
	}
	r->insns_after = opt_count_insns(j.scratch, r->ep->cnt);
	if (!memcmp(j.scratch, r->ep->insns, r->ep->cnt * sizeof(struct bpf_insn))) {
		if (res.msg[0])
			snprintf(r->reason, sizeof(r->reason), "%s", res.msg);
		goto out;
	}
	if (r->kernel) {
		uint64_t x;

		/* the driver judged the commits; this is the final program as the kernel sees it */
		err = kernel_load(&j.k, NULL, j.scratch, r->ep->cnt, true, &x, NULL, buf,
				  sizeof(buf));
		if (err) {
			keep(r, "kept the original: %s", buf);
			goto out;
		}
		r->xlated_after = x;
	} else if (a->kernel) {
		snprintf(r->reason, sizeof(r->reason), "not judged by the kernel: original: %s",
			 j.msg);
	}
	elfw_set_insns(o, r->ep, j.scratch);
	r->changed = true;
out:
	if (j.kernel && debug_output)
		fprintf(stderr, "%s: %u judge loads, %.3f s (%.1f ms each)\n", r->name, j.calls,
			j.seconds, j.calls ? 1000 * j.seconds / j.calls : 0.0);
	free(j.scratch);
	free(frozen);
	opt_result__free(&res);
}

/* Load each changed program from the written object; keep the original if the kernel objects. */
static bool final_check(const struct opt_args *a, struct elfw_obj *o, struct prog_report *rs,
			size_t n)
{
	bool rewrite = false;
	size_t i;

	for (i = 0; i < n; i++) {
		struct prog_report *r = &rs[i];
		struct kload k = {0};
		char msg[320];
		uint64_t x, jit = 0;
		int err;

		if (!r->changed || !r->kernel)
			continue;
		k.prog = r->name;
		k.type = r->set_type;
		err = kernel_load(&k, a->out, NULL, 0, true, &x, &jit, msg, sizeof(msg));
		if (!err && (x < r->xlated_before || (x == r->xlated_before && jit <= r->jited_before))) {
			r->xlated_after = x;
			continue;
		}
		elfw_set_insns(o, r->ep, r->orig);
		r->changed = false;
		if (err)
			keep(r, "kept the original: loading %s: %s", a->out, msg);
		else if (x > r->xlated_before)
			keep(r, "kept the original: xlated %llu > %llu from %s",
			     (unsigned long long)x, (unsigned long long)r->xlated_before, a->out);
		else
			keep(r, "kept the original: as long, jited %llu > %llu bytes from %s",
			     (unsigned long long)jit, (unsigned long long)r->jited_before, a->out);
		rewrite = true;
	}
	return rewrite;
}

static void report(const struct prog_report *rs, size_t n)
{
	json_t *arr = json_output ? json_array() : NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct prog_report *r = &rs[i];
		const char *tname = libbpf_bpf_prog_type_str(r->type) ?: "unknown";

		if (arr) {
			json_t *o = json_pack(
				"{s:s,s:s,s:s,s:I,s:I,s:o,s:o,s:I,s:s,s:s,s:f,s:b,s:o}", "name",
				r->name, "section", r->section, "type", tname, "insns_before",
				(json_int_t)r->insns_before, "insns_after",
				(json_int_t)r->insns_after, "xlated_before",
				r->kernel ? json_integer((json_int_t)r->xlated_before)
					  : json_null(),
				"xlated_after",
				r->kernel ? json_integer((json_int_t)r->xlated_after) : json_null(),
				"windows", (json_int_t)r->windows, "whole",
				r->whole_equiv ? "equivalent" : "unknown", "whole_msg",
				r->whole_msg, "seconds", r->seconds, "kept_original",
				r->kept_original, "reason",
				r->reason[0] ? json_string(r->reason) : json_null());

			json_array_append_new(arr, o);
			continue;
		}
		if (r->kept_original && !strncmp(r->reason, "skipped: ", 9)) {
			printf("%s: %s\n", r->name, r->reason);
			continue;
		}
		printf("%s: insns %u -> %u (%+.1f%%)", r->name, r->insns_before, r->insns_after,
		       r->insns_before ? 100.0 * ((double)r->insns_after - r->insns_before) /
						 r->insns_before
				       : 0.0);
		if (r->kernel)
			printf(", xlated %llu -> %llu", (unsigned long long)r->xlated_before,
			       (unsigned long long)r->xlated_after);
		printf(", windows %u, proof: windows proven, whole program %s (%s), %.1f s",
		       r->windows, r->whole_equiv ? "EQUIVALENT" : "not checked", r->whole_msg,
		       r->seconds);
		if (r->reason[0])
			printf("; %s", r->reason);
		printf("\n");
	}
	if (arr)
		json_print(arr);
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
	struct bpf_program *p;
	uint8_t *image = NULL;
	char msg[256], link_msg[256];
	bool linked = false;
	uint32_t nmaps = 0;
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
	/* the judge loads from the original bytes; o.buf changes as programs improve */
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
	if (!rs) {
		err = -ENOMEM;
		p_err("opt: out of memory");
		goto out;
	}
	n = 0;
	bpf_object__for_each_program (p, obj) {
		bool want = !a.nprogs;

		for (i = 0; i < a.nprogs; i++)
			want |= !strcmp(a.progs[i], bpf_program__name(p));
		if (!want)
			continue;
		optimize_one(&a, &o, image, p, linked ? NULL : link_msg, maps, nmaps, &rs[n++]);
	}
	err = elfw_save(&o, a.out, msg, sizeof(msg));
	if (!err && a.kernel && final_check(&a, &o, rs, n))
		err = elfw_save(&o, a.out, msg, sizeof(msg));
	if (err) {
		p_err("opt: %s", msg);
		goto out;
	}
	report(rs, n);
out:
	free(rs);
	free(maps);
	free(image);
	bpf_object__close(obj);
	elfw_close(&o);
	return err;
}
