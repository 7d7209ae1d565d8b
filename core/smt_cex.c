// SPDX-License-Identifier: MIT
/*
 * core/smt_cex: a satisfying model made a concrete input (struct smt_cex)
 * that core/interp can run (smt_replay.c): the packet, ctx and helper
 * results the model picked, a window's entry registers and stack, and the
 * elements of the map lookups the encodings saw.  Which difference the model
 * chose is reported by name, with both programs' values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/smt_internal.h"

static uint64_t eval_u64(struct smt_ctx *s, Z3_model m, Z3_ast t)
{
	Z3_ast out = NULL;
	uint64_t v = 0;

	if (!Z3_model_eval(s->z, m, t, true, &out) || !out)
		return 0;
	Z3_inc_ref(s->z, out);
	if (!Z3_get_numeral_uint64(s->z, out, &v)) {
		/* booleans */
		v = Z3_get_bool_value(s->z, out) == Z3_L_TRUE;
	}
	Z3_dec_ref(s->z, out);
	Z3_get_error_code(s->z); /* clear */
	return v;
}

Z3_ast smt_init_byte(struct smt_ctx *s, uint16_t tag, int64_t off)
{
	Z3_ast o;

	if (s->env->plain)
		return smt_t(s, Z3_mk_select(s->z, s->mem0,
					     smt_bv(s, smt_region_base(tag) + (uint64_t)off, 64)));
	o = smt_bv(s, (uint64_t)off, 64);
	switch (tag) {
	case T_CTX:
		return smt_t(s, Z3_mk_select(s->z, s->ctx0, o));
	case T_PKT:
		return smt_t(s, Z3_mk_select(s->z, s->pkt0, o));
	case T_STACK:
		return smt_t(s, Z3_mk_select(s->z, s->stk0, o));
	}
	return smt_t(s, Z3_mk_select(s->z, s->mv0[tag - T_MAPVAL], o));
}

static void cex_lookups(struct smt_ctx *s, Z3_model m, const struct senc *e, struct smt_cex *cx)
{
	uint32_t i, j, k;

	for (i = 0; i < e->nlookups && cx->nelems < SMT_CEX_MAX_ELEMS; i++) {
		const struct slookup *l = &e->lookups[i];
		const struct interp_map_def *d = &s->env->maps[l->map];
		uint8_t key[64];
		uint64_t idx;
		bool dup = false;

		for (j = 0; j < d->key_size; j++)
			key[j] = (uint8_t)eval_u64(
				s, m, smt_t(s, Z3_mk_extract(s->z, 8 * j + 7, 8 * j, l->key)));
		for (k = 0; k < cx->nelems; k++)
			dup |= cx->elems[k].map == l->map &&
			       !memcmp(cx->elems[k].key, key, d->key_size);
		if (dup)
			continue;
		if (smt_map_is_array(d)) {
			idx = key[0] | key[1] << 8 | key[2] << 16 | (uint64_t)key[3] << 24;
			if (idx >= eval_u64(s, m, smt_map_size(s, l->map)))
				continue;
		} else {
			if (!eval_u64(s, m, smt_t(s, Z3_mk_select(s->z, s->pres0[l->map], l->key))))
				continue;
			idx = eval_u64(s, m,
				       smt_t(s, Z3_mk_select(s->z, s->slot0[l->map], l->key)));
			if (idx >= smt_map_elems(d))
				continue;
		}
		cx->elems[cx->nelems].map = l->map;
		memcpy(cx->elems[cx->nelems].key, key, d->key_size);
		for (j = 0; j < d->value_size && j < sizeof(cx->elems[0].value); j++)
			cx->elems[cx->nelems].value[j] = (uint8_t)eval_u64(
				s, m,
				smt_init_byte(s, T_MAPVAL + l->map,
					      (int64_t)((idx << smt_map_shift(d)) + j)));
		cx->nelems++;
	}
}

void smt_fill_cex(struct smt_ctx *s, Z3_model m, const struct smt_diff *d, const struct senc *ea,
		  const struct senc *eb, const struct smt_window_cond *wc, struct smt_cex *cx)
{
	const struct smt_comp *c = NULL;
	uint32_t i, k;
	uint64_t len;

	memset(cx, 0, sizeof(*cx));
	for (i = 0; i < d->n; i++)
		if (eval_u64(s, m, d->c[i].cond)) {
			c = &d->c[i];
			break;
		}
	if (c) {
		snprintf(cx->what, sizeof(cx->what), "%s", c->name);
		if (c->a)
			cx->a_val = eval_u64(s, m, c->a);
		if (c->b)
			cx->b_val = eval_u64(s, m, c->b);
	}
	len = eval_u64(s, m, s->plen);
	cx->pkt_len = (uint32_t)(len > SMT_CEX_PKT_MAX ? SMT_CEX_PKT_MAX : len);
	cx->pkt_truncated = len > SMT_CEX_PKT_MAX;
	for (i = 0; i < cx->pkt_len; i++)
		cx->pkt[i] = (uint8_t)eval_u64(s, m, smt_init_byte(s, T_PKT, i));
	cx->ctx_size = sizeof(cx->ctx);
	for (i = 0; i < cx->ctx_size; i++)
		cx->ctx[i] = (uint8_t)eval_u64(s, m, smt_init_byte(s, T_CTX, i));
	for (k = 0; k < SMT_MAX_EVENTS; k++) {
		cx->helper_id[k] = -1;
		cx->helper_ret[k] = eval_u64(s, m, s->hret[k]);
		if (c && c->ea && k < c->ea->nev)
			cx->helper_id[k] = (int32_t)eval_u64(s, m, c->ea->ev[k].id);
	}
	if (wc) {
		for (i = 0; i < 11; i++) {
			cx->regs[i] = eval_u64(s, m, s->wreg[i]);
			if (wc->regs[i].type == SMT_REG_SCALAR32)
				cx->regs[i] &= 0xffffffffu;
			if ((wc->regs[i].type == SMT_REG_SCALAR ||
			     wc->regs[i].type == SMT_REG_SCALAR32) &&
			    wc->regs[i].known)
				cx->regs[i] = wc->regs[i].value;
		}
		for (i = 0; i < 512; i++)
			cx->stack[i] = (uint8_t)eval_u64(
				s, m, smt_init_byte(s, T_STACK, (int64_t)i - 512));
		/*
		 * The element an entry register points into, so that a search can
		 * run the model (the interpreter's replay cannot place it there).
		 */
		for (i = 0; i < 11 && cx->nelems < SMT_CEX_MAX_ELEMS; i++) {
			const struct interp_map_def *md;
			uint32_t mi = wc->regs[i].map, j;
			uint64_t idx;

			if (wc->regs[i].type != SMT_REG_MAP_VALUE || mi >= s->env->nmaps ||
			    mi >= SMT_MAX_MAPS)
				continue;
			for (k = 0; k < cx->nelems && cx->elems[k].map != mi; k++)
				;
			if (k < cx->nelems)
				continue;
			md = &s->env->maps[mi];
			idx = eval_u64(s, m, s->welem[mi]);
			cx->elems[cx->nelems].map = mi;
			for (j = 0; j < md->value_size && j < sizeof(cx->elems[0].value); j++)
				cx->elems[cx->nelems].value[j] = (uint8_t)eval_u64(
					s, m,
					smt_init_byte(s, T_MAPVAL + mi,
						      (int64_t)((idx << smt_map_shift(md)) + j)));
			cx->nelems++;
		}
	}
	cex_lookups(s, m, ea, cx);
	cex_lookups(s, m, eb, cx);
}
