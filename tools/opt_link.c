// SPDX-License-Identifier: MIT
/*
 * Which function of the object each instruction of a linked program comes
 * from, for `bpfsynth opt`.
 *
 * libbpf (bpf_object__reloc_code) appends to a program every .text function
 * it calls or takes the address of, whole, in the order it meets the calls
 * while walking the program and what it appended so far, and rewrites the
 * calls' offsets.  So the appended part is a tiling by whole functions that
 * starts right after the program's own instructions, and every call target
 * in it is the start of a tile.  We find the tiles from the call targets and
 * name each by the only .text function of its length whose instructions are
 * the tile's, except where libbpf patches (relocations, CO-RE records, call
 * offsets).  A tile we cannot name with certainty stays unmapped, and
 * unmapped instructions never change: the program keeps what it calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prog.h"
#include "tools/opt_internal.h"

static bool is_pseudo_func(const struct bpf_insn *in)
{
	return prog_insn_is_ldimm64(in) && in->src_reg == BPF_PSEUDO_FUNC;
}

/* libbpf rewrites calls' offsets and function addresses: never compare or change them */
static bool is_code_ref(const struct bpf_insn *insns, size_t cnt, size_t i)
{
	if (prog_insn_is_pseudo_call(&insns[i]) || is_pseudo_func(&insns[i]))
		return true;
	return i > 0 && i - 1 < cnt && is_pseudo_func(&insns[i - 1]);
}

struct target {
	uint32_t at;
	bool callback;
};

static int cmp_target(const void *a, const void *b)
{
	const struct target *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* The one .text function that tile [@s, @e) of @linked is, or -1. */
static int32_t name_tile(const struct elfw_obj *o, const struct bpf_insn *linked, uint32_t s,
			 uint32_t e)
{
	int32_t found = -1;
	size_t f, i;

	for (f = 0; f < o->nprogs; f++) {
		const struct elfw_prog *F = &o->progs[f];

		if (strcmp(F->section, ".text") || F->cnt != e - s)
			continue;
		for (i = 0; i < F->cnt; i++) {
			if (F->frozen[i] || is_code_ref(F->insns, F->cnt, i) ||
			    is_code_ref(linked + s, F->cnt, i))
				continue;
			if (memcmp(&F->insns[i], &linked[s + i], sizeof(linked[i])))
				break;
		}
		if (i < F->cnt)
			continue;
		if (found >= 0)
			return -1; /* two functions fit: do not guess */
		found = (int32_t)f;
	}
	return found;
}

int olink_map(struct olink *l, const struct elfw_obj *o, uint32_t main_fn,
	      const struct bpf_insn *linked, size_t lcnt)
{
	const struct elfw_prog *m = &o->progs[main_fn];
	struct target *t = NULL;
	uint32_t nt = 0, k, r, i;

	memset(l, 0, sizeof(*l));
	l->len = (uint32_t)lcnt;
	l->tmpl = malloc(lcnt * sizeof(*l->tmpl));
	l->fn = malloc(lcnt * sizeof(*l->fn));
	l->idx = calloc(lcnt, sizeof(*l->idx));
	l->fixed = malloc(lcnt * sizeof(*l->fixed));
	t = calloc(lcnt + 1, sizeof(*t));
	if (!l->tmpl || !l->fn || !l->idx || !l->fixed || !t) {
		free(t);
		olink_free(l);
		return -ENOMEM;
	}
	memcpy(l->tmpl, linked, lcnt * sizeof(*linked));
	for (k = 0; k < lcnt; k++) {
		l->fn[k] = -1;
		l->fixed[k] = true;
	}
	for (k = 0; k < lcnt && k < m->cnt; k++) {
		l->fn[k] = (int32_t)main_fn;
		l->idx[k] = k;
		l->fixed[k] = m->frozen[k] || is_code_ref(linked, lcnt, k);
	}
	for (k = 0; k < lcnt; k++) {
		int64_t at;

		if (!prog_insn_is_pseudo_call(&linked[k]) && !is_pseudo_func(&linked[k]))
			continue;
		at = (int64_t)k + linked[k].imm + 1;
		if (at < (int64_t)m->cnt || at >= (int64_t)lcnt)
			continue;
		t[nt].at = (uint32_t)at;
		t[nt++].callback = is_pseudo_func(&linked[k]);
	}
	qsort(t, nt, sizeof(*t), cmp_target);
	l->subs = calloc(nt ?: 1, sizeof(*l->subs));
	if (!l->subs) {
		free(t);
		olink_free(l);
		return -ENOMEM;
	}
	if (lcnt > m->cnt && (!nt || t[0].at != m->cnt))
		snprintf(l->msg, sizeof(l->msg), "appended code does not start with a call target");
	for (k = 0; k < nt; k = r) {
		uint32_t s = t[k].at, e;
		bool cb = false;
		int32_t f;

		for (r = k; r < nt && t[r].at == s; r++)
			cb |= t[r].callback;
		e = r < nt ? t[r].at : (uint32_t)lcnt;
		f = name_tile(o, linked, s, e);
		if (f < 0 || olink_has(l, (uint32_t)f, NULL)) {
			if (!l->msg[0])
				snprintf(l->msg, sizeof(l->msg),
					 "cannot tell which function instructions %u-%u are", s,
					 e - 1);
			continue;
		}
		l->subs[l->nsub++] = (struct olink_sub){
			.fn = (uint32_t)f, .start = s, .end = e, .callback = cb};
		for (i = s; i < e; i++) {
			const struct elfw_prog *F = &o->progs[f];

			l->fn[i] = f;
			l->idx[i] = i - s;
			l->fixed[i] = F->frozen[i - s] || is_code_ref(linked, lcnt, i) ||
				      is_code_ref(F->insns, F->cnt, i - s);
		}
	}
	free(t);
	l->complete = !l->msg[0];
	for (k = 0; k < lcnt && l->complete; k++)
		if (l->fn[k] < 0) {
			snprintf(l->msg, sizeof(l->msg), "instruction %u is of no known function", k);
			l->complete = false;
		}
	return 0;
}

void olink_free(struct olink *l)
{
	free(l->tmpl);
	free(l->fn);
	free(l->idx);
	free(l->fixed);
	free(l->subs);
	memset(l, 0, sizeof(*l));
}

static const uint8_t *at_in(const struct olink *l, const struct elfw_obj *o, const uint8_t *buf,
			    uint32_t k)
{
	return buf + o->progs[l->fn[k]].file_off + (uint64_t)l->idx[k] * sizeof(struct bpf_insn);
}

void olink_current(const struct olink *l, const struct elfw_obj *o, const uint8_t *buf,
		   struct bpf_insn *out)
{
	uint32_t k;

	for (k = 0; k < l->len; k++) {
		if (l->fn[k] < 0 || l->fixed[k])
			out[k] = l->tmpl[k];
		else
			memcpy(&out[k], at_in(l, o, buf, k), sizeof(out[k]));
	}
}

/* What a subprogram may become: straight-line code (the layout rests on its calls and exits). */
static bool plain_insn(const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code);

	if (prog_insn_is_ldimm64(in))
		return false;
	if (cls != BPF_JMP && cls != BPF_JMP32)
		return true;
	return in->code == (BPF_JMP | BPF_JA) && !in->off && !in->imm && !in->dst_reg &&
	       !in->src_reg;
}

int olink_apply(const struct olink *l, const struct elfw_obj *o, uint8_t *buf,
		const struct bpf_insn *cand, const uint8_t *frozen, size_t *bad)
{
	struct bpf_insn cur;
	uint32_t k;

	for (k = 0; k < l->len; k++) {
		if (l->fn[k] < 0 || l->fixed[k])
			cur = l->tmpl[k];
		else
			memcpy(&cur, at_in(l, o, buf, k), sizeof(cur));
		if (!memcmp(&cur, &cand[k], sizeof(cur)))
			continue;
		if (l->fn[k] < 0 || l->fixed[k] || (frozen && frozen[k]) ||
		    ((uint32_t)l->fn[k] != (uint32_t)l->fn[0] && !plain_insn(&cand[k]))) {
			*bad = k;
			return -EPERM;
		}
	}
	for (k = 0; k < l->len; k++)
		if (l->fn[k] >= 0 && !l->fixed[k])
			memcpy((uint8_t *)at_in(l, o, buf, k), &cand[k], sizeof(cand[k]));
	return 0;
}

const struct olink_sub *olink_sub_at(const struct olink *l, uint32_t k)
{
	uint32_t i;

	for (i = 0; i < l->nsub; i++)
		if (k >= l->subs[i].start && k < l->subs[i].end)
			return &l->subs[i];
	return NULL;
}

bool olink_has(const struct olink *l, uint32_t fn, uint32_t *start)
{
	uint32_t i;

	for (i = 0; i < l->nsub; i++) {
		if (l->subs[i].fn == fn) {
			if (start)
				*start = l->subs[i].start;
			return true;
		}
	}
	return false;
}

uint8_t *olink_static_fns(const struct olink *l, const struct elfw_obj *o)
{
	uint8_t *m = calloc(l->len ? l->len : 1, 1);
	uint32_t i;

	if (!m)
		return NULL;
	for (i = 0; i < l->nsub; i++)
		if (l->subs[i].start < l->len && o->progs[l->subs[i].fn].is_static)
			m[l->subs[i].start] = 1;
	return m;
}
