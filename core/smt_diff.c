// SPDX-License-Identifier: MIT
/*
 * core/smt_diff: what the checker compares -- the observables of two final
 * states, each as a condition "this differs" the solver may make true (the
 * list is a disjunction: any one difference is a counterexample).  Exits of
 * whole programs: fault, r0 (its low half where the kernel reads only that),
 * the helper calls (id, arguments, bytes read, packet bytes sent), packet,
 * ctx and map memory.  Windows: fault, the live-out registers and stack
 * bytes, and memory.  A memory comparison picks one existential index per
 * region, so the query needs no quantifiers.
 */
#include <stdio.h>
#include <string.h>

#include "core/smt_internal.h"

static void comp_add(struct smt_ctx *s, struct smt_diff *d, Z3_ast cond, Z3_ast a, Z3_ast b,
		     const struct sstate *ea, const char *fmt, int arg)
{
	struct smt_comp *c;

	if (d->n == SMT_MAX_COMPS) {
		if (!s->unsup[0])
			snprintf(s->unsup, sizeof(s->unsup), "too many observables to compare");
		return;
	}
	c = &d->c[d->n++];
	c->cond = cond;
	c->a = a;
	c->b = b;
	c->ea = ea;
	snprintf(c->name, sizeof(c->name), fmt, arg);
}

static Z3_ast neq(struct smt_ctx *s, Z3_ast a, Z3_ast b)
{
	return smt_not(s, smt_eq(s, a, b));
}

/* The key a comparison of hash map @m picks (one per check and map). */
static Z3_ast diff_key(struct smt_ctx *s, uint32_t m)
{
	char name[24];
	Z3_ast k;

	snprintf(name, sizeof(name), "diff_key%u", m);
	k = smt_var(s, name, Z3_mk_bv_sort(s->z, 8 * s->env->maps[m].key_size));
	smt_map_note_key(s, m, k);
	return k;
}

/* Memory differences between two final states: packet, ctx, maps. */
static void mem_diffs(struct smt_ctx *s, struct smt_diff *d, Z3_ast g, const struct sstate *a,
		      const struct sstate *b)
{
	Z3_ast j, x, y;
	uint32_t m;

	/* terms are hash-consed: memory no store made different is the same term */
	if (s->env->plain) {
		Z3_ast lo = smt_bv(s, smt_region_base(T_STACK) - SMT_STACK, 64);
		Z3_ast hi = smt_bv(s, smt_region_base(T_STACK), 64);
		Z3_ast in_stack;

		if (a->mem == b->mem)
			return;
		j = smt_var(s, "diff_addr", s->bv64);
		in_stack = smt_and2(s, smt_t(s, Z3_mk_bvuge(s->z, j, lo)),
				    smt_t(s, Z3_mk_bvult(s->z, j, hi)));
		x = smt_t(s, Z3_mk_select(s->z, a->mem, j));
		y = smt_t(s, Z3_mk_select(s->z, b->mem, j));
		comp_add(s, d, smt_and2(s, g, smt_and2(s, smt_not(s, in_stack), neq(s, x, y))), x,
			 y, a, "memory byte", 0);
		return;
	}
	if (a->pkt != b->pkt) {
		j = smt_var(s, "diff_pkt", s->bv64);
		x = smt_enc_mem_byte(s, a, T_PKT, j);
		y = smt_enc_mem_byte(s, b, T_PKT, j);
		comp_add(s, d,
			 smt_and2(s, g,
				  smt_and2(s, smt_t(s, Z3_mk_bvult(s->z, j, s->slen ? s->slen : s->plen)),
					   neq(s, x, y))),
			 x, y, a, "packet byte", 0);
	}
	if (a->ctx != b->ctx) {
		j = smt_var(s, "diff_ctx", s->bv64);
		x = smt_enc_mem_byte(s, a, T_CTX, j);
		y = smt_enc_mem_byte(s, b, T_CTX, j);
		comp_add(s, d, smt_and2(s, g, neq(s, x, y)), x, y, a, "ctx byte", 0);
	}
	for (m = 0; m < s->env->nmaps && m < SMT_MAX_MAPS; m++) {
		const struct interp_map_def *md = &s->env->maps[m];
		char name[24];

		if (a->mv[m] == b->mv[m] && a->hpres[m] == b->hpres[m] &&
		    a->hslot[m] == b->hslot[m])
			continue;
		if (a->hpres[m] != b->hpres[m] || a->hslot[m] != b->hslot[m]) {
			/*
			 * The programs changed which keys are present, or where their
			 * values live: compare by key -- presence, and the value's bytes.
			 */
			Z3_ast key, pa, pb, sa, sb, c;

			snprintf(name, sizeof(name), "diff_off%u", m);
			j = smt_var(s, name, s->bv64);
			key = diff_key(s, m);
			pa = smt_t(s, Z3_mk_select(s->z, a->hpres[m], key));
			pb = smt_t(s, Z3_mk_select(s->z, b->hpres[m], key));
			sa = smt_t(s, Z3_mk_bvshl(s->z,
						  smt_zext(s, 32,
							   smt_t(s, Z3_mk_select(s->z, a->hslot[m],
										 key))),
						  smt_bv(s, smt_map_shift(md), 64)));
			sb = smt_t(s, Z3_mk_bvshl(s->z,
						  smt_zext(s, 32,
							   smt_t(s, Z3_mk_select(s->z, b->hslot[m],
										 key))),
						  smt_bv(s, smt_map_shift(md), 64)));
			x = smt_enc_mem_byte(s, a, T_MAPVAL + m, smt_add(s, sa, j));
			y = smt_enc_mem_byte(s, b, T_MAPVAL + m, smt_add(s, sb, j));
			c = smt_and2(s,
				     smt_and2(s, pa,
					      smt_t(s, Z3_mk_bvult(s->z, j,
								   smt_bv(s, md->value_size, 64)))),
				     neq(s, x, y));
			comp_add(s, d, smt_and2(s, g, smt_or2(s, neq(s, pa, pb), c)), x, y, a,
				 "element of hash map %d", (int)m);
			continue;
		}
		snprintf(name, sizeof(name), "diff_map%u", m);
		j = smt_var(s, name, s->bv64);
		x = smt_enc_mem_byte(s, a, T_MAPVAL + m, j);
		y = smt_enc_mem_byte(s, b, T_MAPVAL + m, j);
		comp_add(s, d, smt_and2(s, g, neq(s, x, y)), x, y, a, "value byte of map %d",
			 (int)m);
	}
}

/* Byte @j of the packet array @arr an event kept (plain: the flat memory). */
static Z3_ast ev_pkt_byte(struct smt_ctx *s, Z3_ast arr, Z3_ast j)
{
	if (s->env->plain)
		j = smt_add(s, smt_bv(s, smt_region_base(T_PKT), 64), j);
	return smt_t(s, Z3_mk_select(s->z, arr, j));
}

void smt_exit_diffs(struct smt_ctx *s, struct smt_diff *d, const struct sstate *a,
		    const struct sstate *b)
{
	Z3_ast both = smt_and2(s, a->pc, b->pc);
	Z3_ast ok = smt_and2(s, both, smt_and2(s, smt_not(s, a->fault), smt_not(s, b->fault)));
	Z3_ast ra = a->r[0].v, rb = b->r[0].v;
	uint32_t k, j;

	comp_add(s, d, smt_and2(s, both, neq(s, a->fault, b->fault)), a->fault, b->fault, a,
		 "fault", 0);
	if (smt_ret_is_32bit(s->env->prog_type)) {
		ra = smt_t(s, Z3_mk_extract(s->z, 31, 0, ra));
		rb = smt_t(s, Z3_mk_extract(s->z, 31, 0, rb));
	}
	comp_add(s, d, smt_and2(s, ok, neq(s, ra, rb)), ra, rb, a, "r0", 0);
	if (a->nev != b->nev) {
		comp_add(s, d, ok, NULL, NULL, a, "number of helper calls", 0);
	} else {
		for (k = 0; k < a->nev; k++) {
			comp_add(s, d, smt_and2(s, ok, neq(s, a->ev[k].id, b->ev[k].id)),
				 a->ev[k].id, b->ev[k].id, a, "helper of call %d", (int)k);
			for (j = 0; j < 5; j++)
				comp_add(
					s, d,
					smt_and2(s, ok, neq(s, a->ev[k].args[j], b->ev[k].args[j])),
					a->ev[k].args[j], b->ev[k].args[j], a,
					"an argument of call %d", (int)k);
			/* the bytes behind the pointers the helper reads */
			if (a->ev[k].mem_len != b->ev[k].mem_len)
				comp_add(s, d, ok, NULL, NULL, a, "bytes read by call %d", (int)k);
			else if (a->ev[k].mem && a->ev[k].mem != b->ev[k].mem)
				comp_add(s, d, smt_and2(s, ok, neq(s, a->ev[k].mem, b->ev[k].mem)),
					 NULL, NULL, a, "bytes read by call %d", (int)k);
			if (!a->ev[k].pkt != !b->ev[k].pkt) {
				comp_add(s, d, ok, NULL, NULL, a, "packet bytes sent by call %d",
					 (int)k);
			} else if (a->ev[k].pkt) {
				/* a byte below the length either sends that differs */
				char name[24];
				Z3_ast j, x, y, in;

				snprintf(name, sizeof(name), "diff_evpkt%u", k);
				j = smt_var(s, name, s->bv64);
				x = ev_pkt_byte(s, a->ev[k].pkt, j);
				y = ev_pkt_byte(s, b->ev[k].pkt, j);
				in = smt_or2(s, smt_t(s, Z3_mk_bvult(s->z, j, a->ev[k].pktlen)),
					     smt_t(s, Z3_mk_bvult(s->z, j, b->ev[k].pktlen)));
				comp_add(s, d,
					 smt_and2(s, ok,
						  smt_or2(s,
							  neq(s, a->ev[k].pktlen, b->ev[k].pktlen),
							  smt_and2(s, in, neq(s, x, y)))),
					 x, y, a, "packet bytes sent by call %d", (int)k);
			}
		}
	}
	mem_diffs(s, d, ok, a, b);
}

int smt_window_diffs(struct smt_ctx *s, struct smt_diff *d, const struct sstate *a,
		     const struct sstate *b, const struct smt_window_cond *c)
{
	Z3_ast ok = smt_and2(s, a->pc, smt_and2(s, smt_not(s, a->fault), smt_not(s, b->fault)));
	int i;

	comp_add(s, d, smt_and2(s, a->pc, neq(s, a->fault, b->fault)), a->fault, b->fault, a,
		 "fault", 0);
	for (i = 0; i < 11; i++) {
		Z3_ast oki = ok;

		if (!((c->live_regs >> i) & 1))
			continue;
		if (c->nexits && i != c->exit_reg) {
			/* compared where the way out taken reads it */
			Z3_ast where = T(Z3_mk_false(s->z));
			uint32_t k, n = 0;

			for (k = 0; k < c->nexits && k < SMT_MAX_WEXITS; k++)
				if ((c->exit_live[k] >> i) & 1) {
					where = smt_or2(s, where,
							T(Z3_mk_eq(s->z, a->r[c->exit_reg].v,
								   smt_bvk(s, c->exit_id[k]))));
					n++;
				}
			if (!n)
				continue;
			if (n < c->nexits)
				oki = smt_and2(s, ok, where);
		}
		if (a->r[i].tag != b->r[i].tag || a->r[i].tag == T_UNINIT) {
			if (!s->refused[0])
				snprintf(s->refused, sizeof(s->refused),
					 "live-out r%d has a different type in the two windows", i);
			continue;
		}
		if (a->undef[i] || b->undef[i]) {
			/* written on some paths only: where, and the value where both wrote it */
			Z3_ast ua = a->undef[i] ? a->undef[i] : T(Z3_mk_false(s->z));
			Z3_ast ub = b->undef[i] ? b->undef[i] : T(Z3_mk_false(s->z));
			Z3_ast both = smt_and2(s, smt_not(s, ua), smt_not(s, ub));

			comp_add(s, d,
				 smt_and2(s, oki,
					  smt_or2(s, neq(s, ua, ub),
						  smt_and2(s, both, neq(s, a->r[i].v, b->r[i].v)))),
				 a->r[i].v, b->r[i].v, a, "r%d", i);
			continue;
		}
		comp_add(s, d, smt_and2(s, oki, neq(s, a->r[i].v, b->r[i].v)), a->r[i].v, b->r[i].v,
			 a, "r%d", i);
	}
	for (i = 0; i < 512; i++) {
		Z3_ast x, y;

		if (!((c->live_stack[i / 8] >> (i % 8)) & 1))
			continue;
		/* a window: the main frame, fp-512..fp */
		if (a->stag[(SMT_STACK - 512 + i) / 8] != b->stag[(SMT_STACK - 512 + i) / 8]) {
			if (!s->refused[0])
				snprintf(s->refused, sizeof(s->refused),
					 "live stack slot fp%d holds different types", i - 512);
			continue;
		}
		x = smt_enc_stack_byte(s, a, i - 512);
		y = smt_enc_stack_byte(s, b, i - 512);
		if (x != y)
			comp_add(s, d, smt_and2(s, ok, neq(s, x, y)), x, y, a, "stack byte fp%d",
				 i - 512);
	}
	mem_diffs(s, d, ok, a, b);
	return 0;
}
