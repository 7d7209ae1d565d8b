// SPDX-License-Identifier: MIT
/*
 * core/smt: BPF semantics as bit-vector formulas.
 *
 * The encoder is a symbolic executor over a loop-free program.  It visits
 * instructions in index order -- with no back edges that is a topological
 * order of the CFG -- and keeps, per instruction, the list of states that
 * reach it.  A state (struct sstate) is a path condition, the eleven
 * registers as bv64 terms, memory, a fault condition and the helper calls
 * made so far.  States arriving at one instruction are merged into one
 * (every field becomes smt_ite(pc1, x1, x2)) when they agree on everything the
 * encoder knows statically: the number of helper calls so far and the tag
 * of every register and spilled stack slot.  Otherwise they stay apart, so
 * that the k-th helper call of a state is always the same syntactic event
 * and tags are never "one thing or another".
 *
 * Tags.  The verifier types every register (scalar, ctx, stack, packet,
 * map value, ...), and so does the encoder.  Pointers are bv64 values
 * base(region) + offset with bases 4 GiB apart, but the encoder only lets
 * a program do with a pointer what the verifier lets it do (add or subtract
 * a scalar, subtract a pointer to the same region, compare with NULL or a
 * pointer to the same packet, spill and fill it whole); anything else would
 * make the result depend on where we put the regions, and is UNKNOWN.
 *
 * Memory (K2's "memory type concretization"): each region its own array,
 * the stack as byte terms at constant offsets, or one flat array with
 * env->plain -- in smt_mem.c, with the helper calls.
 *
 * Faults.  Every access adds "path condition and not in bounds" to the
 * state's fault condition: a packet access outside [0, plen), a map value
 * access outside its element or through NULL.  The checker treats a fault
 * as an observable outcome of its own: a program the verifier accepted
 * never faults on a real input, and two programs that both fault are not
 * told apart, but one that faults where the other does not is.
 *
 * Helpers.  map_lookup_elem is modelled exactly for arrays (the key
 * selects element key, or NULL past max_entries) and by uninterpreted
 * functions present(key) and slot(key) for hash maps, so a lookup is a
 * pure function of the key bytes and an unused one can be proven dead.
 * Helpers in smt_mem.c's table are ordered events: the k-th call of each
 * program is compared (helper id and arguments) and returns the shared
 * fresh value hret[k].  Other helpers, map updates and deletes, tail calls,
 * LD_ABS/LD_IND, kfuncs and BPF-to-BPF calls are UNKNOWN in this version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/prog.h"
#include "core/smt_internal.h"

#define BASE0 0x0000100000000000ULL
#define MID 0x80000000ULL
#define PKT_MAX SMT_PKT_MAX

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

/* ---- shared inputs ---- */

void smt_enc_begin(struct smt_ctx *s, const struct smt_env *env, bool window)
{
	Z3_sort dom[1];
	char name[32];
	uint32_t m;

	s->env = env;
	s->window = window;
	s->unsup[0] = '\0';
	s->zerr = false;
	s->used_uf = false;
	s->pkt0 = smt_var(s, "pkt", s->mem_sort);
	s->plen = smt_var(s, "plen", s->bv64);
	s->ctx0 = smt_var(s, "ctx", s->mem_sort);
	s->stk0 = smt_var(s, "stack", s->mem_sort);
	s->mem0 = smt_var(s, "mem", s->mem_sort);
	for (m = 0; m < env->nmaps && m < SMT_MAX_MAPS; m++) {
		const struct interp_map_def *d = &env->maps[m];

		snprintf(name, sizeof(name), "map%u", m);
		s->mv0[m] = smt_var(s, name, s->mem_sort);
		snprintf(name, sizeof(name), "elem%u", m);
		s->welem[m] = smt_var(s, name, s->bv32);
		s->pres0[m] = s->slot0[m] = NULL;
		s->full[m] = NULL;
		if (d->key_size == 0 || d->key_size > 64)
			continue; /* lookups in it are not modelled */
		dom[0] = Z3_mk_bv_sort(s->z, 8 * d->key_size);
		smt_t(s, Z3_sort_to_ast(s->z, dom[0]));
		snprintf(name, sizeof(name), "present%u", m);
		s->pres0[m] = smt_var(s, name, Z3_mk_array_sort(s->z, dom[0], Z3_mk_bool_sort(s->z)));
		snprintf(name, sizeof(name), "slot%u", m);
		s->slot0[m] = smt_var(s, name, Z3_mk_array_sort(s->z, dom[0], s->bv32));
		/*
		 * Declarations are reference-counted too, and a fresh one lives only
		 * until the next API call: the arena takes it at once.
		 */
		dom[0] = Z3_get_sort(s->z, s->pres0[m]);
		snprintf(name, sizeof(name), "full%u", m);
		s->full[m] = Z3_mk_func_decl(s->z, Z3_mk_string_symbol(s->z, name), 1, dom,
					     Z3_mk_bool_sort(s->z));
		smt_t(s, Z3_func_decl_to_ast(s->z, s->full[m]));
	}
	s->nhkeys = s->nhnew = s->nfresh = 0;
	for (m = 0; m < SMT_MAX_EVENTS; m++) {
		snprintf(name, sizeof(name), "helper_ret%u", m);
		s->hret[m] = smt_var(s, name, s->bv64);
	}
	for (m = 0; m < 11; m++) {
		snprintf(name, sizeof(name), "r%u", m);
		s->wreg[m] = smt_var(s, name, s->bv64);
	}
}

/* ---- states ---- */

static struct sstate *state_new(struct smt_ctx *s)
{
	struct sstate *st = calloc(1, sizeof(*st));
	uint32_t m;

	if (!st)
		return NULL;
	st->pc = T(Z3_mk_true(s->z));
	st->fault = T(Z3_mk_false(s->z));
	st->ctx = s->ctx0;
	st->pkt = s->pkt0;
	st->mem = s->mem0;
	for (m = 0; m < s->env->nmaps && m < SMT_MAX_MAPS; m++) {
		st->mv[m] = s->mv0[m];
		st->hpres[m] = s->pres0[m];
		st->hslot[m] = s->slot0[m];
	}
	for (m = 0; m < 64; m++)
		st->stag[m] = T_SCALAR;
	return st;
}

struct sstate *smt_state_dup(const struct sstate *st)
{
	struct sstate *n = malloc(sizeof(*n));

	if (n)
		memcpy(n, st, sizeof(*n));
	return n;
}

static bool mergeable(const struct sstate *a, const struct sstate *b)
{
	int i;

	if (a->nev != b->nev)
		return false;
	for (i = 0; i < (int)a->nev; i++)
		if (a->ev[i].mem_len != b->ev[i].mem_len || !a->ev[i].pkt != !b->ev[i].pkt)
			return false;
	for (i = 0; i < 11; i++)
		if (a->r[i].tag != b->r[i].tag)
			return false;
	for (i = 0; i < 64; i++)
		if (a->stag[i] != b->stag[i])
			return false;
	return true;
}

/* a := a on a->pc, b on b->pc (the paths are disjoint). */
static void merge_into(struct smt_ctx *s, struct sstate *a, const struct sstate *b)
{
	Z3_ast c = a->pc;
	uint32_t i, j;

	for (i = 0; i < 11; i++)
		if (a->r[i].tag != T_UNINIT)
			a->r[i].v = smt_ite(s, c, a->r[i].v, b->r[i].v);
	for (i = 0; i < 512; i++) {
		if (a->stk[i] != b->stk[i]) {
			Z3_ast x = a->stk[i], y = b->stk[i];
			Z3_ast init = T(Z3_mk_select(s->z, s->stk0, smt_bvk(s, (int64_t)i - 512)));

			a->stk[i] = smt_ite(s, c, x ? x : init, y ? y : init);
		}
		a->sinit[i] &= b->sinit[i];
	}
	a->ctx = smt_ite(s, c, a->ctx, b->ctx);
	a->pkt = smt_ite(s, c, a->pkt, b->pkt);
	a->mem = smt_ite(s, c, a->mem, b->mem);
	for (i = 0; i < SMT_MAX_MAPS; i++) {
		if (a->mv[i])
			a->mv[i] = smt_ite(s, c, a->mv[i], b->mv[i]);
		if (a->hpres[i]) {
			a->hpres[i] = smt_ite(s, c, a->hpres[i], b->hpres[i]);
			a->hslot[i] = smt_ite(s, c, a->hslot[i], b->hslot[i]);
		}
	}
	for (i = 0; i < a->nev; i++) {
		a->ev[i].id = smt_ite(s, c, a->ev[i].id, b->ev[i].id);
		for (j = 0; j < 5; j++)
			a->ev[i].args[j] = smt_ite(s, c, a->ev[i].args[j], b->ev[i].args[j]);
		if (a->ev[i].mem)
			a->ev[i].mem = smt_ite(s, c, a->ev[i].mem, b->ev[i].mem);
		if (a->ev[i].pkt) {
			a->ev[i].pkt = smt_ite(s, c, a->ev[i].pkt, b->ev[i].pkt);
			a->ev[i].pktlen = smt_ite(s, c, a->ev[i].pktlen, b->ev[i].pktlen);
		}
	}
	a->fault = smt_ite(s, c, a->fault, b->fault);
	a->pc = smt_or2(s, a->pc, b->pc);
}

/* ---- ALU ---- */

static Z3_ast bswap(struct smt_ctx *s, Z3_ast v, unsigned bits)
{
	Z3_ast r = NULL;
	unsigned j;

	for (j = 0; j < bits / 8; j++) {
		Z3_ast b = smt_ext(s, 8 * j + 7, 8 * j, v);

		r = r ? T(Z3_mk_concat(s->z, r, b)) : b;
	}
	return r;
}

/* dst op= src on @w bits (32 or 64); @off is the signed flag of div/mod. */
static Z3_ast alu_op(struct smt_ctx *s, uint8_t op, int16_t off, Z3_ast a, Z3_ast b, unsigned w)
{
	Z3_context z = s->z;
	Z3_ast zero = smt_bv(s, 0, w), bz = smt_eq(s, b, zero);

	switch (op) {
	case BPF_ADD:
		return T(Z3_mk_bvadd(z, a, b));
	case BPF_SUB:
		return T(Z3_mk_bvsub(z, a, b));
	case BPF_MUL:
		return T(Z3_mk_bvmul(z, a, b));
	case BPF_OR:
		return T(Z3_mk_bvor(z, a, b));
	case BPF_AND:
		return T(Z3_mk_bvand(z, a, b));
	case BPF_XOR:
		return T(Z3_mk_bvxor(z, a, b));
	case BPF_LSH:
		return T(Z3_mk_bvshl(z, a, T(Z3_mk_bvand(z, b, smt_bv(s, w - 1, w)))));
	case BPF_RSH:
		return T(Z3_mk_bvlshr(z, a, T(Z3_mk_bvand(z, b, smt_bv(s, w - 1, w)))));
	case BPF_ARSH:
		return T(Z3_mk_bvashr(z, a, T(Z3_mk_bvand(z, b, smt_bv(s, w - 1, w)))));
	case BPF_MOV:
		return b;
	case BPF_NEG:
		return T(Z3_mk_bvneg(z, a));
	case BPF_DIV:
		/* x / 0 = 0; signed INT_MIN / -1 = INT_MIN, as bvsdiv gives it */
		return smt_ite(s, bz, zero,
			       off ? T(Z3_mk_bvsdiv(z, a, b)) : T(Z3_mk_bvudiv(z, a, b)));
	case BPF_MOD:
		/* x % 0 = x; signed: the sign of the dividend (C's %), INT_MIN % -1 = 0 */
		return smt_ite(s, bz, a, off ? T(Z3_mk_bvsrem(z, a, b)) : T(Z3_mk_bvurem(z, a, b)));
	}
	return NULL;
}

/* ---- one instruction ---- */

static Z3_ast cmp(struct smt_ctx *s, uint8_t op, Z3_ast a, Z3_ast b)
{
	Z3_context z = s->z;

	switch (op) {
	case BPF_JEQ:
		return smt_eq(s, a, b);
	case BPF_JNE:
		return smt_not(s, smt_eq(s, a, b));
	case BPF_JGT:
		return T(Z3_mk_bvugt(z, a, b));
	case BPF_JGE:
		return T(Z3_mk_bvuge(z, a, b));
	case BPF_JLT:
		return T(Z3_mk_bvult(z, a, b));
	case BPF_JLE:
		return T(Z3_mk_bvule(z, a, b));
	case BPF_JSGT:
		return T(Z3_mk_bvsgt(z, a, b));
	case BPF_JSGE:
		return T(Z3_mk_bvsge(z, a, b));
	case BPF_JSLT:
		return T(Z3_mk_bvslt(z, a, b));
	case BPF_JSLE:
		return T(Z3_mk_bvsle(z, a, b));
	case BPF_JSET: {
		unsigned w = Z3_get_bv_sort_size(z, Z3_get_sort(z, a));

		return smt_not(s, smt_eq(s, T(Z3_mk_bvand(z, a, b)), smt_bv(s, 0, w)));
	}
	}
	return NULL;
}

static bool read_ok(struct insn_env *ie, struct sval v, const char *what)
{
	if (v.tag != T_UNINIT)
		return true;
	smt_unsup(ie->s, ie->i, "%s is not initialized", what);
	return false;
}

/* The encodings the kernel accepts (windows do not go through prog_validate). */
static bool alu_valid(const struct bpf_insn *in)
{
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;

	switch (BPF_OP(in->code)) {
	case BPF_ADD:
	case BPF_SUB:
	case BPF_MUL:
	case BPF_OR:
	case BPF_AND:
	case BPF_LSH:
	case BPF_RSH:
	case BPF_XOR:
	case BPF_ARSH:
		return in->off == 0;
	case BPF_NEG:
		return in->off == 0 && BPF_SRC(in->code) == BPF_K;
	case BPF_DIV:
	case BPF_MOD:
		return in->off == 0 || in->off == 1;
	case BPF_MOV:
		if (BPF_SRC(in->code) == BPF_K)
			return in->off == 0;
		return in->off == 0 || in->off == 8 || in->off == 16 || (is64 && in->off == 32);
	case BPF_END:
		if (is64 && BPF_SRC(in->code) != BPF_TO_LE)
			return false;
		return in->off == 0 && (in->imm == 16 || in->imm == 32 || in->imm == 64);
	}
	return false;
}

static int do_alu(struct insn_env *ie, struct sstate *st, const struct bpf_insn *in)
{
	struct smt_ctx *s = ie->s;
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;
	uint8_t op = BPF_OP(in->code);
	struct sval *d = &st->r[in->dst_reg], src;
	Z3_ast a, b, r;

	if (!alu_valid(in)) {
		smt_unsup(s, ie->i, "%s", "invalid ALU encoding");
		return -1;
	}
	if (BPF_SRC(in->code) == BPF_X && op != BPF_END) {
		src = st->r[in->src_reg];
		if (!read_ok(ie, src, "source register"))
			return -1;
	} else {
		src.v = smt_bvk(s, in->imm);
		src.tag = T_SCALAR;
	}
	if (op != BPF_MOV && !read_ok(ie, *d, "destination register"))
		return -1;

	if (op == BPF_MOV && in->off == 0 && is64) {
		*d = src;
		return 0;
	}
	/* pointer arithmetic: what the verifier allows, on 64 bits */
	if ((op != BPF_MOV && smt_is_ptr(d->tag)) || (op != BPF_END && smt_is_ptr(src.tag))) {
		if (!is64 || in->off) {
			smt_unsup(s, ie->i, "%s",
				  "32-bit or sign-extending operation on a pointer");
			return -1;
		}
		if (op == BPF_ADD && smt_is_ptr(d->tag) != smt_is_ptr(src.tag) &&
		    d->tag != T_PKT_END && src.tag != T_PKT_END && d->tag < T_MAPOBJ &&
		    src.tag < T_MAPOBJ) {
			uint16_t tag = smt_is_ptr(d->tag) ? d->tag : src.tag;

			d->v = smt_add(s, d->v, src.v);
			d->tag = tag;
			return 0;
		}
		if (op == BPF_SUB && smt_is_ptr(d->tag) && src.tag == T_SCALAR &&
		    d->tag != T_PKT_END && d->tag < T_MAPOBJ) {
			d->v = T(Z3_mk_bvsub(s->z, d->v, src.v));
			return 0;
		}
		if (op == BPF_SUB && smt_is_ptr(d->tag) && smt_is_ptr(src.tag) &&
		    smt_region_base(d->tag) == smt_region_base(src.tag) && d->tag < T_MAPOBJ) {
			d->v = T(Z3_mk_bvsub(s->z, d->v, src.v));
			d->tag = T_SCALAR;
			return 0;
		}
		smt_unsup(s, ie->i, "%s", "pointer arithmetic the verifier does not allow");
		return -1;
	}

	if (op == BPF_END) {
		unsigned bits = (unsigned)in->imm;
		Z3_ast lo = smt_ext(s, bits - 1, 0, d->v);

		if (bits != 16 && bits != 32 && bits != 64)
			return -1;
		/* to_le on a little-endian host truncates; to_be and bswap swap */
		if (is64 || BPF_SRC(in->code) == BPF_TO_BE)
			lo = bswap(s, lo, bits);
		d->v = smt_zext(s, 64 - bits, lo);
		d->tag = T_SCALAR;
		return 0;
	}
	if (op == BPF_MOV) {
		/* movsx (off 8/16/32) and 32-bit moves */
		b = src.v;
		if (in->off)
			b = smt_sext(s, 64 - in->off, smt_ext(s, in->off - 1, 0, b));
		r = is64 ? b : smt_zext(s, 32, smt_ext(s, 31, 0, b));
		d->v = r;
		d->tag = T_SCALAR;
		return 0;
	}
	if (is64) {
		a = d->v;
		b = src.v;
		r = alu_op(s, op, in->off, a, b, 64);
	} else {
		a = smt_ext(s, 31, 0, d->v);
		b = smt_ext(s, 31, 0, src.v);
		r = smt_zext(s, 32, alu_op(s, op, in->off, a, b, 32));
	}
	if (!r) {
		smt_unsup(s, ie->i, "%s", "ALU opcode");
		return -1;
	}
	d->v = r;
	d->tag = T_SCALAR;
	return 0;
}

static int do_mem(struct insn_env *ie, struct sstate *st, const struct bpf_insn *in)
{
	struct smt_ctx *s = ie->s;
	static const uint8_t size_bytes[4] = {4, 2, 1, 8};
	uint32_t size = size_bytes[BPF_SIZE(in->code) >> 3];
	uint8_t cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
	struct sval *d = &st->r[in->dst_reg];
	Z3_ast v = NULL;
	int tag;

	if ((cls == BPF_LDX && mode != BPF_MEM && !(mode == BPF_MEMSX && size < 8)) ||
	    (cls == BPF_ST && mode != BPF_MEM) ||
	    (cls == BPF_STX && mode != BPF_MEM && mode != BPF_ATOMIC) ||
	    (mode == BPF_ATOMIC && size < 4) || in->dst_reg > 10 || in->src_reg > 10 ||
	    (cls != BPF_STX && in->src_reg && cls != BPF_LDX) ||
	    (cls != BPF_ST && in->imm && mode != BPF_ATOMIC)) {
		smt_unsup(s, ie->i, "%s", "invalid memory instruction encoding");
		return -1;
	}
	if (cls == BPF_LDX) {
		struct sval p = st->r[in->src_reg];

		if (!read_ok(ie, p, "base register"))
			return -1;
		tag = smt_mem_access(ie, st, p, in->off, size, false, &v, T_SCALAR);
		if (tag < 0)
			return -1;
		if (tag != T_SCALAR) {
			d->v = v;
			d->tag = (uint16_t)tag;
			return 0;
		}
		if (size < 8)
			v = mode == BPF_MEMSX ? smt_sext(s, 64 - 8 * size, v)
					      : smt_zext(s, 64 - 8 * size, v);
		d->v = v;
		d->tag = T_SCALAR;
		return 0;
	}
	if (!read_ok(ie, *d, "base register"))
		return -1;
	if (cls == BPF_ST) {
		v = size < 8 ? smt_ext(s, 8 * size - 1, 0, smt_bvk(s, in->imm))
			     : smt_bvk(s, in->imm);
		return smt_mem_access(ie, st, *d, in->off, size, true, &v, T_SCALAR) < 0 ? -1 : 0;
	}
	/* STX */
	{
		struct sval sv = st->r[in->src_reg];
		uint16_t vtag = T_SCALAR;

		if (!read_ok(ie, sv, "source register"))
			return -1;
		if (smt_is_ptr(sv.tag) || sv.tag >= T_MAPOBJ) {
			if (size != 8 || mode != BPF_MEM) {
				smt_unsup(s, ie->i, "%s", "partial or atomic store of a pointer");
				return -1;
			}
			vtag = sv.tag;
		}
		if (mode == BPF_MEM) {
			v = size < 8 ? smt_ext(s, 8 * size - 1, 0, sv.v) : sv.v;
			return smt_mem_access(ie, st, *d, in->off, size, true, &v, vtag) < 0 ? -1
											     : 0;
		}
		if (mode != BPF_ATOMIC) {
			smt_unsup(s, ie->i, "%s", "store mode");
			return -1;
		}
		if (in->imm == BPF_LOAD_ACQ || in->imm == BPF_STORE_REL) {
			smt_unsup(s, ie->i, "%s", "load-acquire / store-release");
			return -1;
		}
		if (d->tag != T_STACK && (d->tag < T_MAPVAL || d->tag >= T_MAPOBJ)) {
			smt_unsup(s, ie->i, "%s", "atomic operation outside stack and map values");
			return -1;
		}
		{
			Z3_ast old = NULL, nv, src = size < 8 ? smt_ext(s, 31, 0, sv.v) : sv.v;
			int op = in->imm & ~BPF_FETCH;
			unsigned w = 8 * size;

			if (smt_mem_access(ie, st, *d, in->off, size, false, &old, T_SCALAR) < 0)
				return -1;
			if (in->imm == BPF_CMPXCHG) {
				Z3_ast r0;

				if (!read_ok(ie, st->r[0], "r0"))
					return -1;
				r0 = size < 8 ? smt_ext(s, 31, 0, st->r[0].v) : st->r[0].v;
				nv = smt_ite(s, smt_eq(s, old, r0), src, old);
				if (smt_mem_access(ie, st, *d, in->off, size, true, &nv, T_SCALAR) <
				    0)
					return -1;
				st->r[0].v = smt_zext(s, 64 - w, old);
				st->r[0].tag = T_SCALAR;
				return 0;
			}
			if (in->imm == BPF_XCHG)
				nv = src;
			else if (op == BPF_ADD || op == BPF_OR || op == BPF_AND || op == BPF_XOR)
				nv = alu_op(s, (uint8_t)op, 0, old, src, w);
			else
				return -1;
			if (smt_mem_access(ie, st, *d, in->off, size, true, &nv, T_SCALAR) < 0)
				return -1;
			if (in->imm & BPF_FETCH) {
				st->r[in->src_reg].v = smt_zext(s, 64 - w, old);
				st->r[in->src_reg].tag = T_SCALAR;
			}
			return 0;
		}
	}
}

static int do_ldimm64(struct insn_env *ie, struct sstate *st, const struct bpf_insn *in)
{
	struct smt_ctx *s = ie->s;
	const struct smt_env *env = s->env;
	struct sval *d = &st->r[in->dst_reg];
	uint64_t v = (uint32_t)in[0].imm | ((uint64_t)(uint32_t)in[1].imm << 32);
	uint32_t m;

	switch (in->src_reg) {
	case 0:
		d->v = smt_bvk(s, (int64_t)v);
		d->tag = T_SCALAR;
		return 0;
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_IDX:
	case BPF_PSEUDO_MAP_VALUE:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		for (m = 0; m < env->nmaps && m < SMT_MAX_MAPS; m++)
			if (env->maps[m].ref == in->imm)
				break;
		if (m == env->nmaps || m == SMT_MAX_MAPS) {
			smt_unsup(s, ie->i, "%s", "reference to a map the environment lacks");
			return -1;
		}
		/*
		 * An object's map its loader sizes (max_entries 0 in the ELF):
		 * with no elements every lookup would "fail" and the code past it
		 * be vacuously equal.  Perf event arrays and ring buffers, which
		 * libbpf sizes and no lookup reads, are fine.
		 */
		if (!env->maps[m].max_entries &&
		    env->maps[m].type != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
		    env->maps[m].type != BPF_MAP_TYPE_RINGBUF) {
			smt_unsup(s, ie->i, "%s", "a map of max_entries 0: its loader sets the size");
			return -1;
		}
		if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_IDX) {
			d->v = smt_bvk(s, (int64_t)smt_region_base(T_MAPOBJ + m));
			d->tag = T_MAPOBJ + m;
			return 0;
		}
		if (env->maps[m].type != BPF_MAP_TYPE_ARRAY) {
			smt_unsup(s, ie->i, "%s", "direct value of a non-array map");
			return -1;
		}
		d->v = smt_bvk(s, (int64_t)(smt_region_base(T_MAPVAL + m) + (uint32_t)in[1].imm));
		d->tag = T_MAPVAL + m;
		return 0;
	}
	smt_unsup(s, ie->i, "%s", "LD_IMM64 of a BTF object or function");
	return -1;
}

/*
 * Execute insn @i on @st.  Returns 0 (fall through), 1 (conditional jump:
 * *@taken is the taken copy), 2 (unconditional jump), 3 (exit), 4 (fall
 * through, and *@taken exits: LD_ABS out of the packet), -1 UNKNOWN.
 */
static int step(struct insn_env *ie, struct sstate *st, const struct bpf_insn *insns, size_t i,
		struct sstate **taken)
{
	struct smt_ctx *s = ie->s;
	const struct bpf_insn *in = &insns[i];
	uint8_t cls = BPF_CLASS(in->code);

	ie->i = i;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		return do_alu(ie, st, in);
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		return do_mem(ie, st, in);
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
			return do_ldimm64(ie, st, in);
		if (BPF_MODE(in->code) == BPF_ABS || BPF_MODE(in->code) == BPF_IND) {
			if (s->window) {
				smt_unsup(s, i, "%s", "LD_ABS/LD_IND inside a window");
				return -1;
			}
			return smt_ld_abs(ie, st, in, taken) < 0 ? -1 : 4;
		}
		smt_unsup(s, i, "%s", "LD opcode");
		return -1;
	}
	/* JMP, JMP32 */
	switch (BPF_OP(in->code)) {
	case BPF_EXIT:
		return 3;
	case BPF_CALL:
		if (in->src_reg != 0) {
			smt_unsup(s, i, "%s", "BPF-to-BPF or kfunc call");
			return -1;
		}
		return smt_call(ie, st, in->imm) < 0 ? -1 : 0;
	case BPF_JA:
		return 2;
	case BPF_JCOND:
		smt_unsup(s, i, "%s", "may_goto");
		return -1;
	}
	{
		bool is32 = cls == BPF_JMP32;
		struct sval a = st->r[in->dst_reg], b;
		Z3_ast c, x, y;

		if (BPF_SRC(in->code) == BPF_X) {
			b = st->r[in->src_reg];
		} else {
			b.v = smt_bvk(s, in->imm);
			b.tag = T_SCALAR;
		}
		if (!read_ok(ie, a, "compared register") || !read_ok(ie, b, "compared register"))
			return -1;
		if (smt_is_ptr(a.tag) || smt_is_ptr(b.tag)) {
			/* NULL checks, and packet pointers against each other */
			bool null_chk =
				BPF_SRC(in->code) == BPF_K && in->imm == 0 &&
				(BPF_OP(in->code) == BPF_JEQ || BPF_OP(in->code) == BPF_JNE);
			bool pkt = smt_region_base(a.tag) == smt_region_base(T_PKT) &&
				   smt_region_base(b.tag) == smt_region_base(T_PKT) &&
				   smt_is_ptr(a.tag) && smt_is_ptr(b.tag);

			if (is32 || !(null_chk || pkt)) {
				smt_unsup(s, i, "%s",
					  "pointer comparison the verifier does not allow");
				return -1;
			}
		}
		x = is32 ? smt_ext(s, 31, 0, a.v) : a.v;
		y = is32 ? smt_ext(s, 31, 0, b.v) : b.v;
		c = cmp(s, BPF_OP(in->code), x, y);
		if (!c) {
			smt_unsup(s, i, "%s", "jump opcode");
			return -1;
		}
		*taken = smt_state_dup(st);
		if (!*taken)
			return -1;
		(*taken)->pc = smt_and2(s, st->pc, c);
		st->pc = smt_and2(s, st->pc, smt_not(s, c));
		return 1;
	}
}

/* ---- whole programs and windows ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct slist {
	struct sstate **v;
	uint32_t n, cap;
};

static int slist_add(struct smt_ctx *s, struct slist *l, struct sstate *st)
{
	uint32_t k;

	for (k = 0; k < l->n; k++)
		if (mergeable(l->v[k], st)) {
			merge_into(s, l->v[k], st);
			free(st);
			return 0;
		}
	if (l->n == l->cap) {
		uint32_t n = l->cap ? 2 * l->cap : 2;
		void *p = realloc(l->v, n * sizeof(*l->v));

		if (!p) {
			free(st);
			return -ENOMEM;
		}
		l->v = p;
		l->cap = n;
	}
	l->v[l->n++] = st;
	return 0;
}

static void window_init(struct smt_ctx *s, struct sstate *st, const struct smt_window_cond *c)
{
	uint32_t i;

	memset(st->sinit, 1, sizeof(st->sinit));
	for (i = 0; i < 11; i++) {
		const struct smt_reg_desc *r = &c->regs[i];
		uint16_t tag = T_UNINIT;
		Z3_ast v = s->wreg[i];

		switch (r->type) {
		case SMT_REG_SCALAR:
			tag = T_SCALAR;
			if (r->known)
				v = smt_bv(s, r->value, 64);
			break;
		case SMT_REG_SCALAR32:
			tag = T_SCALAR;
			v = r->known ? smt_bv(s, r->value & 0xffffffffu, 64)
				     : smt_zext(s, 32, smt_ext(s, 31, 0, v));
			break;
		case SMT_REG_CTX:
			tag = T_CTX;
			break;
		case SMT_REG_STACK:
			tag = T_STACK;
			break;
		case SMT_REG_PKT:
			tag = T_PKT;
			break;
		case SMT_REG_PKT_END:
			tag = T_PKT_END;
			break;
		case SMT_REG_MAP_VALUE:
			if (r->map >= s->env->nmaps || r->map >= SMT_MAX_MAPS) {
				tag = T_UNINIT;
				break;
			}
			tag = T_MAPVAL + r->map;
			break;
		}
		if (tag == T_CTX || tag == T_STACK || tag == T_PKT)
			v = smt_bvk(s, (int64_t)smt_region_base(tag) + r->off);
		else if (tag == T_PKT_END)
			v = smt_add(s, smt_bvk(s, (int64_t)smt_region_base(tag)), s->plen);
		else if (tag >= T_MAPVAL && tag < T_MAPOBJ)
			v = smt_add(
				s, smt_bvk(s, (int64_t)smt_region_base(tag) + r->off),
				T(Z3_mk_bvshl(s->z, smt_zext(s, 32, s->welem[r->map]),
					      smt_bvk(s, smt_map_shift(&s->env->maps[r->map])))));
		st->r[i].v = v;
		st->r[i].tag = tag;
	}
	/* the window's inputs are an element of the map, and a possible packet */
	for (i = 0; i < 11; i++) {
		const struct smt_reg_desc *r = &c->regs[i];

		if (st->r[i].tag >= T_MAPVAL && st->r[i].tag < T_MAPOBJ)
			st->pc = smt_and2(
				s, st->pc,
				T(Z3_mk_bvult(s->z, s->welem[r->map],
					      smt_bv(s, s->env->maps[r->map].max_entries, 32))));
	}
	st->pc = smt_and2(s, st->pc, T(Z3_mk_bvule(s->z, s->plen, smt_bvk(s, PKT_MAX))));
}

/*
 * Exits with the same number of helper calls merge: after exit only r0,
 * memory, the calls and the fault condition are observable.
 */
static int add_exit(struct smt_ctx *s, struct senc *out, struct sstate *x)
{
	uint32_t k;

	for (k = 1; k < 11; k++)
		x->r[k].tag = T_UNINIT;
	for (k = 0; k < 64; k++)
		x->stag[k] = T_SCALAR;
	for (k = 0; k < out->nexits; k++)
		if (mergeable(out->exits[k], x)) {
			merge_into(s, out->exits[k], x);
			free(x);
			return 0;
		}
	if (out->nexits == SMT_MAX_EXITS) {
		free(x);
		return -1;
	}
	out->exits[out->nexits++] = x;
	return 0;
}

void smt_enc_free(struct senc *e)
{
	uint32_t i;

	for (i = 0; i < e->nexits; i++)
		free(e->exits[i]);
	free(e->end);
	memset(e, 0, sizeof(*e));
}

int smt_enc_prog(struct smt_ctx *s, const struct bpf_insn *insns, size_t len,
		 const struct smt_window_cond *cond, struct senc *out)
{
	struct insn_env ie = {.s = s, .out = out};
	struct slist *at = NULL;
	struct sstate *st;
	size_t i, k;
	uint64_t t0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	t0 = now_ms();
	st = state_new(s);
	if (!st)
		return -ENOMEM;
	if (cond) {
		window_init(s, st, cond);
		for (i = 0; i < len && !s->unsup[0] && !s->zerr; i++) {
			struct sstate *tk = NULL;
			int r = step(&ie, st, insns, i, &tk);

			if (r != 0) {
				free(tk);
				if (r > 0)
					smt_unsup(s, i, "%s", "jump or exit inside a window");
				break;
			}
			if (prog_insn_is_ldimm64(&insns[i]))
				i++;
		}
		out->end = st;
		return 0;
	}

	st->r[1].v = smt_bvk(s, (int64_t)smt_region_base(T_CTX));
	st->r[1].tag = T_CTX;
	st->r[10].v = smt_bvk(s, (int64_t)smt_region_base(T_STACK));
	st->r[10].tag = T_STACK;
	st->pc = T(Z3_mk_bvule(s->z, s->plen, smt_bvk(s, PKT_MAX)));
	at = calloc(len + 2, sizeof(*at));
	if (!at) {
		free(st);
		return -ENOMEM;
	}
	at[0].v = malloc(sizeof(*at[0].v));
	if (!at[0].v) {
		free(st);
		free(at);
		return -ENOMEM;
	}
	at[0].v[0] = st;
	at[0].n = at[0].cap = 1;

	for (i = 0; i < len && !err; i++) {
		const struct bpf_insn *in = &insns[i];
		size_t next = i + (prog_insn_is_ldimm64(in) ? 2 : 1);
		struct slist cur = at[i];

		memset(&at[i], 0, sizeof(at[i]));
		/* the solver has a timeout; so has building its query */
		if (s->narena > SMT_MAX_TERMS ||
		    (s->timeout_ms && !(i & 15) && now_ms() - t0 > s->timeout_ms)) {
			smt_unsup(s, i, "%s", "encoding too large or too slow");
			err = 1;
		}
		if (cur.n > 32) {
			smt_unsup(s, i, "%s", "too many distinct states at one instruction");
			err = 1;
		}
		for (k = 0; k < cur.n; k++) {
			struct sstate *x = cur.v[k], *tk = NULL;
			int r;

			cur.v[k] = NULL;
			if (err || s->unsup[0] || s->zerr) {
				free(x);
				err = 1;
				continue;
			}
			r = step(&ie, x, insns, i, &tk);
			if (r < 0) {
				free(x);
				free(tk);
				err = 1;
				continue;
			}
			if (r == 4) {
				if (add_exit(s, out, tk)) {
					smt_unsup(s, i, "%s", "too many exit states");
					err = 1;
				}
				r = 0;
			}
			if (r == 3) {
				if (!read_ok(&ie, x->r[0], "r0 at exit") ||
				    x->r[0].tag != T_SCALAR) {
					smt_unsup(s, i, "%s", "r0 at exit is not a scalar");
					free(x);
					err = 1;
					continue;
				}
				if (add_exit(s, out, x)) {
					smt_unsup(s, i, "%s", "too many exit states");
					err = 1;
				}
				continue;
			}
			if (r == 1 || r == 2) {
				int64_t t = prog_jump_target(insns, i);
				struct sstate *j = r == 1 ? tk : x;

				if (t <= (int64_t)i || t >= (int64_t)len) {
					smt_unsup(s, i, "%s", "backward jump (loop)");
					free(j);
					if (r == 1)
						free(x);
					err = 1;
					continue;
				}
				if (slist_add(s, &at[t], j)) {
					err = 1;
					if (r == 1)
						free(x);
					continue;
				}
				if (r == 2)
					continue;
			}
			if (next >= len) {
				smt_unsup(s, i, "%s", "falls off the end");
				free(x);
				err = 1;
				continue;
			}
			if (slist_add(s, &at[next], x))
				err = 1;
		}
		free(cur.v);
	}
	for (i = 0; i < len + 2; i++) {
		for (k = 0; k < at[i].n; k++)
			free(at[i].v[k]);
		free(at[i].v);
	}
	free(at);
	if (err && !s->unsup[0])
		snprintf(s->unsup, sizeof(s->unsup), "%s", s->zerr ? "Z3 error" : "out of memory");
	return 0;
}
