// SPDX-License-Identifier: MIT
/*
 * core/smt_term: the encoder's terms -- every Z3 term a check makes goes
 * through smt_t(), which counts a reference to it in the check's arena
 * (released by smt_release() at the check's end) and turns a Z3 error into
 * a placeholder and s->zerr, so that callers need not test each term; plus
 * shorthands, the regions' base addresses, and the "not modelled" message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/smt_internal.h"

/* Pointers are base(region) + offset: bases 4 GiB apart, offsets in the middle. */
#define BASE0 0x0000100000000000ULL
#define MID 0x80000000ULL

/* ---- terms ---- */

Z3_ast smt_t(struct smt_ctx *s, Z3_ast t)
{
	if (!t || Z3_get_error_code(s->z) != Z3_OK) {
		s->zerr = true;
		return s->dummy;
	}
	if (s->narena == s->carena) {
		size_t n = s->carena ? 2 * s->carena : 4096;
		Z3_ast *p = realloc(s->arena, n * sizeof(*p));

		if (!p) {
			s->zerr = true;
			return s->dummy;
		}
		s->arena = p;
		s->carena = n;
	}
	Z3_inc_ref(s->z, t);
	s->arena[s->narena++] = t;
	return t;
}

void smt_release(struct smt_ctx *s)
{
	while (s->narena)
		Z3_dec_ref(s->z, s->arena[--s->narena]);
}

Z3_ast smt_bv(struct smt_ctx *s, uint64_t v, unsigned bits)
{
	return T(Z3_mk_unsigned_int64(s->z, v, Z3_mk_bv_sort(s->z, bits)));
}

Z3_ast smt_var(struct smt_ctx *s, const char *name, Z3_sort sort)
{
	return T(Z3_mk_const(s->z, Z3_mk_string_symbol(s->z, name), sort));
}

Z3_ast smt_eq(struct smt_ctx *s, Z3_ast a, Z3_ast b)
{
	return T(Z3_mk_eq(s->z, a, b));
}

Z3_ast smt_and2(struct smt_ctx *s, Z3_ast a, Z3_ast b)
{
	Z3_ast v[2] = {a, b};

	return T(Z3_mk_and(s->z, 2, v));
}

Z3_ast smt_or2(struct smt_ctx *s, Z3_ast a, Z3_ast b)
{
	Z3_ast v[2] = {a, b};

	return T(Z3_mk_or(s->z, 2, v));
}

Z3_ast smt_not(struct smt_ctx *s, Z3_ast a)
{
	return T(Z3_mk_not(s->z, a));
}

Z3_ast smt_ite(struct smt_ctx *s, Z3_ast c, Z3_ast a, Z3_ast b)
{
	if (a == b)
		return a;
	return T(Z3_mk_ite(s->z, c, a, b));
}

Z3_ast smt_ext(struct smt_ctx *s, unsigned hi, unsigned lo, Z3_ast a)
{
	return T(Z3_mk_extract(s->z, hi, lo, a));
}

Z3_ast smt_zext(struct smt_ctx *s, unsigned by, Z3_ast a)
{
	return by ? T(Z3_mk_zero_ext(s->z, by, a)) : a;
}

Z3_ast smt_sext(struct smt_ctx *s, unsigned by, Z3_ast a)
{
	return by ? T(Z3_mk_sign_ext(s->z, by, a)) : a;
}

Z3_ast smt_add(struct smt_ctx *s, Z3_ast a, Z3_ast b)
{
	return T(Z3_mk_bvadd(s->z, a, b));
}

Z3_ast smt_bvk(struct smt_ctx *s, int64_t v)
{
	return smt_bv(s, (uint64_t)v, 64);
}

uint64_t smt_region_base(uint16_t tag)
{
	uint64_t i;

	switch (tag) {
	case T_STACK:
		i = 0;
		break;
	case T_CTX:
		i = 1;
		break;
	case T_PKT:
	case T_PKT_END:
		i = 2;
		break;
	default:
		i = tag >= T_MAPOBJ ? 4 + 2 * (uint64_t)(tag - T_MAPOBJ)
				    : 3 + 2 * (uint64_t)(tag - T_MAPVAL);
	}
	return BASE0 + (i << 32) + MID;
}

bool smt_is_ptr(uint16_t tag)
{
	return tag >= T_STACK && tag != T_MIXED;
}

/* A constant value of a term, if it simplifies to one. */
bool smt_const_of(struct smt_ctx *s, Z3_ast t, int64_t *v)
{
	Z3_ast x = T(Z3_simplify(s->z, t));
	uint64_t u;

	if (s->zerr || !Z3_is_numeral_ast(s->z, x) || !Z3_get_numeral_uint64(s->z, x, &u))
		return false;
	*v = (int64_t)u;
	return true;
}

void smt_unsup(struct smt_ctx *s, size_t i, const char *fmt, const char *what)
{
	if (s->unsup[0])
		return;
	snprintf(s->unsup, sizeof(s->unsup), "insn %zu: ", i);
	snprintf(s->unsup + strlen(s->unsup), sizeof(s->unsup) - strlen(s->unsup), fmt, what);
}

bool smt_read_ok(struct insn_env *ie, struct sval v, const char *what)
{
	if (v.tag != T_UNINIT)
		return true;
	smt_unsup(ie->s, ie->i, "%s is not initialized", what);
	return false;
}
