/* SPDX-License-Identifier: MIT */
/*
 * tools/opt_*: what `bpfsynth opt`'s parts share (opt.c drives, opt_link.c
 * maps linked programs to the object's functions, opt_shared.c makes a
 * rewrite of a .text subprogram hold for every program that calls it).
 */
#ifndef BPFSYNTH_TOOLS_OPT_INTERNAL_H
#define BPFSYNTH_TOOLS_OPT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "core/analysis.h"
#include "core/optimize.h"
#include "core/safety.h"
#include "tools/elfwrite.h"
#include "tools/opt_kernel.h"

/*
 * Where each instruction of a program as libbpf links it comes from: its own
 * function's instructions first, then each .text subprogram it calls (or
 * takes the address of), appended whole in the order libbpf finds them.
 */
struct olink_sub {
	uint32_t fn;	/* index into elfw_obj.progs */
	uint32_t start, end; /* its instructions in the linked program */
	bool callback;	/* reached by address (bpf_loop & co), not by a call */
};

struct olink {
	uint32_t len;
	struct bpf_insn *tmpl; /* libbpf's linked form of the original object */
	int32_t *fn;	       /* per instruction: index into elfw_obj.progs, -1: unknown */
	uint32_t *idx;	       /* and its index in that function */
	bool *fixed;	       /* libbpf patches it (relocation, CO-RE, call): never changes */
	struct olink_sub *subs;
	uint32_t nsub;
	bool complete; /* every instruction mapped */
	char msg[160]; /* why not */
};

int olink_map(struct olink *l, const struct elfw_obj *o, uint32_t main_fn,
	      const struct bpf_insn *linked, size_t lcnt);
void olink_free(struct olink *l);
/* The program as the object's bytes @buf (elfw_obj.buf or a copy) make it now. */
void olink_current(const struct olink *l, const struct elfw_obj *o, const uint8_t *buf,
		   struct bpf_insn *out);
/*
 * Write @cand (linked form) into the object bytes @buf.  -EPERM and the
 * first offending index in *@bad if it changes a fixed or unmapped
 * instruction or, @frozen non-NULL, one @frozen marks.
 */
int olink_apply(const struct olink *l, const struct elfw_obj *o, uint8_t *buf,
		const struct bpf_insn *cand, const uint8_t *frozen, size_t *bad);
/* The subprogram of @l holding linked instruction @k, or NULL. */
const struct olink_sub *olink_sub_at(const struct olink *l, uint32_t k);
/* Whether @l calls function @fn; its start in *@start. */
bool olink_has(const struct olink *l, uint32_t fn, uint32_t *start);
/*
 * A byte per linked instruction, non-zero where a static subprogram starts
 * (analysis_env.static_fn; global ones an freplace program may replace).
 * malloc'd (@l->len bytes), or NULL on ENOMEM.
 */
uint8_t *olink_static_fns(const struct olink *l, const struct elfw_obj *o);

/* One program of the object, all of them, selected or not. */
struct oprog {
	const char *name;
	const char *section;
	enum bpf_prog_type type;
	enum bpf_prog_type set_type; /* for libbpf, which does not know a legacy section */
	enum bpf_attach_type attach; /* the expected attach type its section gives */
	struct elfw_prog *ep;
	uint32_t fn; /* ep's index in elfw_obj.progs */
	const struct bpf_insn *linked; /* libbpf's, of the original object */
	size_t lcnt;
	struct olink lk;
	bool selected;
	const char *skip; /* why it cannot be optimized or proven (NULL: it can) */
	char skipbuf[320];
	bool kernel;			 /* the kernel loads it */
	uint64_t xlated_orig, jited_orig; /* of the original object */
	/* the program as the chain of proven steps has made it so far */
	struct bpf_insn *cur;
	uint64_t cost; /* the judge's cost of @cur: xlated << 32 | jited (0 without kernel) */
	uint32_t sub_windows;	 /* its windows committed inside subprograms */
	uint32_t shared_in;	 /* windows other programs' runs put into its subprograms */
	char note[320];		 /* what happened to its shared subprogram windows */
};

/* Everything the cross-check needs of the object. */
struct corerelo;

struct oobj {
	struct elfw_obj *o;
	const struct corerelo *cr; /* its CO-RE records (tools/corerelo.h); NULL: unreadable */
	struct oprog *ps;
	size_t n;
	const struct interp_map_def *maps;
	uint32_t nmaps;
	bool kernel;
	const char *obj_name;
	uint32_t smt_timeout_ms;
};

/* Load @p from the object bytes @buf: 0 and its cost, or -errno and why. */
int oprog_load(const struct oobj *ob, const struct oprog *p, const uint8_t *buf, uint64_t *cost,
	       char *msg, size_t msgsz);

/*
 * Programs that call .text function @fn (all programs of the object); the
 * count, and whether every one of them is selected and can be proven.
 */
uint32_t oobj_callers(const struct oobj *ob, uint32_t fn, bool *all_ok);

/*
 * P's optimization committed the windows @ws (commit order) with the
 * programs @cands[0..nws) (cands[j]: P after window j, linked form), from
 * @input.  Make the part inside subprograms shared with other programs hold
 * for all of them (see opt_shared.c) and write the result into the object:
 * @final gets P's program as kept.  0, or -errno (then nothing changed).
 */
int oshared_commit(struct oobj *ob, struct oprog *p, const struct bpf_insn *input,
		   const struct opt_window_rec *ws, uint32_t nws, struct bpf_insn *const *cands,
		   const uint8_t *frozen, uint64_t input_cost, struct bpf_insn *final,
		   uint32_t *kept);

/* What happened to one program. */
struct prog_report {
	const char *name;
	const char *section;
	enum bpf_prog_type type;
	uint32_t insns_before, insns_after;
	bool kernel; /* xlated sizes are known */
	uint64_t xlated_before, xlated_after;
	uint32_t windows;
	bool whole_equiv;
	char whole_msg[SMT_MSG_SIZE];
	double seconds;
	bool kept_original;
	char reason[400];
	bool optimized; /* optimize_one() ran on it */
};

void opt_keep(struct prog_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* See opt_final.c. */
bool opt_final_check(const char *out, struct oobj *ob, const uint8_t *image,
		     struct prog_report *rs);
void opt_settle(struct oobj *ob, const uint8_t *image, struct prog_report *rs);
void opt_report(const struct oobj *ob, const uint8_t *image, const struct prog_report *rs);

#endif
