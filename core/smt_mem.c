// SPDX-License-Identifier: MIT
/*
 * core/smt: memory and helper calls in the encoding (see smt_enc.c for the
 * executor that calls them).
 *
 * Memory is a set of regions, as in core/interp, each with its own array
 * (K2's "memory type concretization"): the packet, indexed by the offset
 * from data; the ctx; the values of each map, element i at i << shift.
 * The stack is no array at all: byte terms in the state (512 a frame), addressed by
 * constant offsets from r10 ("offset concretization"); an access at a
 * variable stack offset is UNKNOWN.  With env->plain all regions live in
 * one array indexed by the full pointer value, for comparison.
 *
 * An access adds "path condition and out of bounds" to the state's fault
 * condition: packet accesses outside [0, plen), map value accesses outside
 * their element or through NULL, and ctx accesses the program type does not
 * allow -- which core/interp decides, by running a three-instruction probe
 * once per (offset, size, read/write), because the verifier's rules for
 * each ctx field are long and the interpreter is already held to them by
 * its kernel differential test.  The ctx fields data and data_end read as
 * packet pointers; data_meta is UNKNOWN.
 *
 * Helper calls are in smt_helpers.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/smt_internal.h"

#define PKT_MAX SMT_PKT_MAX

/* ---- memory ---- */

uint32_t smt_map_shift(const struct interp_map_def *d)
{
	uint32_t sh = 0;

	while ((1u << sh) < d->value_size)
		sh++;
	return sh;
}

static uint32_t ctx_size(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_XDP:
		return sizeof(struct xdp_md);
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		return sizeof(struct __sk_buff);
	}
	return 256;
}

static bool is_skb_ctx(uint32_t type)
{
	return ctx_size(type) == sizeof(struct __sk_buff);
}

/*
 * A ctx field that reads as a packet pointer: T_PKT / T_PKT_END, 0 for a
 * plain field, -1 for a field the encoder does not model (data_meta).
 */
static int ctx_ptr_field(uint32_t type, int64_t off, uint32_t size)
{
	int64_t d, de, dm;

	if (type == BPF_PROG_TYPE_XDP) {
		d = offsetof(struct xdp_md, data);
		de = offsetof(struct xdp_md, data_end);
		dm = offsetof(struct xdp_md, data_meta);
	} else if (is_skb_ctx(type)) {
		d = offsetof(struct __sk_buff, data);
		de = offsetof(struct __sk_buff, data_end);
		dm = offsetof(struct __sk_buff, data_meta);
	} else {
		return 0;
	}
	if (off + size <= d && off + size <= de && off + size <= dm)
		return 0;
	if (off == d && size == 4)
		return T_PKT;
	if (off == de && size == 4)
		return T_PKT_END;
	if ((off < d + 4 && off + size > d) || (off < de + 4 && off + size > de) ||
	    (off < dm + 4 && off + size > dm))
		return -1;
	return 0;
}

static bool interp_type(uint32_t t)
{
	return t == BPF_PROG_TYPE_XDP || t == BPF_PROG_TYPE_SOCKET_FILTER ||
	       t == BPF_PROG_TYPE_SCHED_CLS || t == BPF_PROG_TYPE_SCHED_ACT ||
	       t == BPF_PROG_TYPE_CGROUP_SKB;
}

/*
 * Whether a ctx access of @size bytes at @off is one the program type
 * allows: 1 yes, 0 no (a fault), -1 cannot tell.  Which fields a type may
 * read or write, at which sizes, is the verifier's long case analysis
 * (is_valid_access); core/interp reproduces it and is held to the kernel by
 * its differential test, so the encoder asks it, with a three-instruction
 * program, and remembers the answer.  For types the interpreter does not
 * run, only naturally aligned reads are accepted.
 */
static int ctx_ok(struct smt_ctx *s, int64_t off, uint32_t size, bool write)
{
	static const uint8_t szc[9] = {[1] = BPF_B, [2] = BPF_H, [4] = BPF_W, [8] = BPF_DW};
	uint8_t pkt[64] = {[12] = 0x88, [13] = 0x88};
	struct interp_input in = {.pkt = pkt, .pkt_len = sizeof(pkt)};
	struct bpf_insn p[4];
	struct interp_prog *ip;
	struct interp_ctx *ic;
	struct interp_result res;
	uint8_t *c;
	int ok = -1;

	if (!interp_type(s->env->prog_type))
		return !write && off % size == 0 ? 1 : -1;
	if (off < 0 || off >= SMT_CTX_PROBE || (size != 1 && size != 2 && size != 4 && size != 8))
		return -1;
	if (s->ctx_probe_type != s->env->prog_type) {
		memset(s->ctx_probe, 0, sizeof(s->ctx_probe));
		s->ctx_probe_type = s->env->prog_type;
	}
	c = &s->ctx_probe[write][size][off];
	if (*c)
		return *c - 2;
	if (write) {
		p[0] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2};
		p[1] = (struct bpf_insn){.code = BPF_STX | BPF_MEM | szc[size],
					 .dst_reg = 1,
					 .src_reg = 2,
					 .off = (int16_t)off};
	} else {
		p[0] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2};
		p[1] = (struct bpf_insn){.code = BPF_LDX | BPF_MEM | szc[size],
					 .dst_reg = 2,
					 .src_reg = 1,
					 .off = (int16_t)off};
	}
	p[2] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0};
	p[3] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
	ip = interp_prog__new(p, 4, s->env->prog_type, NULL, 0);
	ic = interp_ctx__new(NULL, 0, NULL, 0);
	if (ip && ic && !interp_run(ic, ip, &in, &res))
		ok = res.status == INTERP_OK ? 1 : res.status == INTERP_FAULT ? 0 : -1;
	interp_prog__free(ip);
	interp_ctx__free(ic);
	*c = (uint8_t)(ok + 2);
	return ok;
}

static Z3_ast *region_array(struct sstate *st, struct smt_ctx *s, uint16_t tag)
{
	if (s->env->plain)
		return &st->mem;
	if (tag == T_CTX)
		return &st->ctx;
	if (tag == T_PKT)
		return &st->pkt;
	return &st->mv[tag - T_MAPVAL];
}

static void add_fault(struct smt_ctx *s, struct sstate *st, Z3_ast inb)
{
	st->fault = smt_or2(s, st->fault, smt_and2(s, st->pc, smt_not(s, inb)));
}

/* Whether @c can hold on @st's paths: the solver finds it can, or cannot tell. */
static bool feasible(struct smt_ctx *s, const struct sstate *st, Z3_ast c)
{
	Z3_solver sv = s->solvers[1];
	Z3_lbool r;

	Z3_solver_push(s->z, sv);
	Z3_solver_assert(s->z, sv, smt_and2(s, st->pc, c));
	r = Z3_solver_check(s->z, sv);
	Z3_solver_pop(s->z, sv, 1);
	return r != Z3_L_FALSE;
}

/* A scalar read of @size bytes at stack offset @k, written on every path (windows: any). */
static bool stack_scalar_ok(struct smt_ctx *s, const struct sstate *st, int64_t k, uint32_t size)
{
	uint32_t j;

	if (!smt_stack_ok(st, k, size))
		return false;
	for (j = 0; j < size; j++)
		if (st->stag[(k + SMT_STACK + j) / 8] != T_SCALAR || (!s->window && !st->sinit[k + SMT_STACK + j]))
			return false;
	return true;
}

/*
 * A read at a stack offset that is not one constant but a tree of choices
 * between constants -- paths merged that had computed different constant
 * offsets (xdp1: an 18 or a 22 into its copy of the packet): the read at
 * each leaf, under the same conditions.  A leaf that would read outside
 * the stack or bytes not written must be on no path (@cond, the choices
 * down to it, cannot hold: the solver says so).  Anything else is UNKNOWN.
 */
static int stack_read_choice(struct insn_env *ie, struct sstate *st, Z3_ast o, Z3_ast cond,
			     uint32_t size, Z3_ast *val, unsigned int depth)
{
	struct smt_ctx *s = ie->s;
	Z3_func_decl d;
	Z3_ast c, x, y;
	Z3_app app;
	int64_t k;
	int ta, tb;

	if (smt_const_of(s, o, &k)) {
		struct sval p = {smt_bvk(s, (int64_t)(smt_region_base(T_STACK) + (uint64_t)k)),
				 T_STACK};

		if (stack_scalar_ok(s, st, k, size))
			return smt_mem_access(ie, st, p, 0, size, false, val, T_SCALAR);
		if (feasible(s, st, cond)) {
			smt_unsup(s, ie->i, "%s", "read at a variable stack offset that may be "
						 "outside what was written");
			return -1;
		}
		*val = smt_bv(s, 0, 8 * size); /* on no path */
		return T_SCALAR;
	}
	o = T(Z3_simplify(s->z, o));
	if (depth >= 6 || Z3_get_ast_kind(s->z, o) != Z3_APP_AST)
		goto unsup;
	app = Z3_to_app(s->z, o);
	d = Z3_get_app_decl(s->z, app);
	if (Z3_get_decl_kind(s->z, d) == Z3_OP_BADD && Z3_get_app_num_args(s->z, app) == 2) {
		/* K + ite(c, a, b): ite(c, K + a, K + b) */
		Z3_ast l = T(Z3_get_app_arg(s->z, app, 0)), r = T(Z3_get_app_arg(s->z, app, 1));

		if (!smt_const_of(s, l, &k) || Z3_get_ast_kind(s->z, r) != Z3_APP_AST)
			goto unsup;
		app = Z3_to_app(s->z, r);
		if (Z3_get_decl_kind(s->z, Z3_get_app_decl(s->z, app)) != Z3_OP_ITE)
			goto unsup;
		c = T(Z3_get_app_arg(s->z, app, 0));
		x = smt_add(s, l, T(Z3_get_app_arg(s->z, app, 1)));
		y = smt_add(s, l, T(Z3_get_app_arg(s->z, app, 2)));
	} else if (Z3_get_decl_kind(s->z, d) == Z3_OP_ITE) {
		c = T(Z3_get_app_arg(s->z, app, 0));
		x = T(Z3_get_app_arg(s->z, app, 1));
		y = T(Z3_get_app_arg(s->z, app, 2));
	} else {
		goto unsup;
	}
	ta = stack_read_choice(ie, st, x, smt_and2(s, cond, c), size, &x, depth + 1);
	if (ta < 0)
		return -1;
	tb = stack_read_choice(ie, st, y, smt_and2(s, cond, smt_not(s, c)), size, &y, depth + 1);
	if (tb < 0)
		return -1;
	*val = smt_ite(s, c, x, y);
	return T_SCALAR;
unsup:
	smt_unsup(s, ie->i, "%s", "read at a variable stack offset");
	return -1;
}

/*
 * Access @size bytes at @ptr + @off.  Reads put a bv(8 * size) term in *val;
 * writes store *val (and @vtag: a spilled pointer's tag, or T_SCALAR).
 * Returns the tag of what was read (a filled pointer), or -1 if UNKNOWN.
 */
int smt_mem_access(struct insn_env *ie, struct sstate *st, struct sval ptr, int64_t off,
		   uint32_t size, bool write, Z3_ast *val, uint16_t vtag)
{
	struct smt_ctx *s = ie->s;
	const struct smt_env *env = s->env;
	uint64_t base = smt_region_base(ptr.tag);
	Z3_ast o, inb, *arr, addr;
	int64_t k = 0;
	bool kc;
	uint32_t j;

	if (!smt_is_ptr(ptr.tag) || ptr.tag == T_PKT_END || ptr.tag >= T_MAPOBJ) {
		smt_unsup(s, ie->i, "memory access through a %s",
			  ptr.tag == T_UNINIT ? "register that is not initialized"
					      : "non-pointer or packet end");
		return -1;
	}
	o = smt_add(s, T(Z3_mk_bvsub(s->z, ptr.v, smt_bvk(s, (int64_t)base))), smt_bvk(s, off));
	kc = smt_const_of(s, o, &k);

	if (ptr.tag == T_STACK) {
		int slot;

		if (!kc) {
			if (!write)
				return stack_read_choice(ie, st, o, T(Z3_mk_true(s->z)), size, val, 0);
			smt_unsup(s, ie->i, "%s at a variable stack offset",
				  write ? "write" : "read");
			return -1;
		}
		if (!smt_stack_ok(st, k, size)) {
			smt_unsup(s, ie->i, "%s outside the stack", write ? "write" : "read");
			return -1;
		}
		slot = (int)((k + SMT_STACK) / 8);
		if (!write) {
			uint16_t tag = st->stag[slot];

			if (tag != T_SCALAR && (size != 8 || (k & 7))) {
				smt_unsup(s, ie->i, "%s", "partial fill of a spilled pointer");
				return -1;
			}
			for (j = 0; j < size; j++)
				if (!s->window && !st->sinit[k + SMT_STACK + j]) {
					smt_unsup(s, ie->i, "%s",
						  "read of stack not written on all "
						  "paths");
					return -1;
				}
		} else {
			if (size == 8 && !(k & 7)) {
				st->stag[slot] = vtag;
			} else {
				if (vtag != T_SCALAR) {
					smt_unsup(s, ie->i, "%s", "partial spill of a pointer");
					return -1;
				}
				for (j = 0; j < size; j++) {
					int sl = (int)((k + SMT_STACK + j) / 8);

					if (st->stag[sl] != T_SCALAR)
						st->stag[sl] = T_MIXED;
				}
			}
		}
		if (!env->plain) {
			if (write) {
				for (j = 0; j < size; j++) {
					st->stk[k + SMT_STACK + j] = smt_ext(s, 8 * j + 7, 8 * j, *val);
					st->sinit[k + SMT_STACK + j] = 1;
				}
				return T_SCALAR;
			}
			for (j = 0; j < size; j++) {
				Z3_ast b = st->stk[k + SMT_STACK + j];

				if (!b)
					b = T(Z3_mk_select(s->z, s->stk0, smt_bvk(s, k + j)));
				*val = j ? T(Z3_mk_concat(s->z, b, *val)) : b;
			}
			return st->stag[slot];
		}
		if (write)
			for (j = 0; j < size; j++)
				st->sinit[k + SMT_STACK + j] = 1;
		/* plain: fall through to the flat array, no bounds to add */
		inb = T(Z3_mk_true(s->z));
	} else if (ptr.tag == T_CTX) {
		if (!kc) {
			smt_unsup(s, ie->i, "%s", "ctx access at a variable offset");
			return -1;
		}
		if (k < 0 || k + size > ctx_size(env->prog_type)) {
			smt_unsup(s, ie->i, "%s", "ctx access out of range");
			return -1;
		}
		switch (ctx_ok(s, k, size, write)) {
		case 1:
			break;
		case 0:
			/* the interpreter (and the verifier) refuse it: a fault here */
			add_fault(s, st, T(Z3_mk_false(s->z)));
			break;
		default:
			smt_unsup(s, ie->i, "%s", "ctx access the interpreter cannot judge");
			return -1;
		}
		switch (ctx_ptr_field(env->prog_type, k, size)) {
		case 0:
			break;
		case T_PKT:
			if (write)
				goto bad_ctx;
			*val = smt_bvk(s, (int64_t)smt_region_base(T_PKT));
			return T_PKT;
		case T_PKT_END:
			if (write)
				goto bad_ctx;
			*val = smt_add(s, smt_bvk(s, (int64_t)smt_region_base(T_PKT)), s->plen);
			return T_PKT_END;
		default:
		bad_ctx:
			smt_unsup(s, ie->i, "%s", "access to data_meta or a packet pointer field");
			return -1;
		}
		inb = T(Z3_mk_true(s->z));
	} else if (ptr.tag == T_PKT) {
		/* 0 <= o && o + size <= plen, with o kept far from wrapping */
		inb = smt_and2(s, T(Z3_mk_bvule(s->z, o, smt_bvk(s, PKT_MAX))),
			       T(Z3_mk_bvule(s->z, smt_add(s, o, smt_bvk(s, size)), s->plen)));
	} else {
		const struct interp_map_def *d = &env->maps[ptr.tag - T_MAPVAL];
		uint32_t sh = smt_map_shift(d);
		Z3_ast in_elem, in_map;

		in_map = T(Z3_mk_bvult(s->z, o, smt_map_span(s, ptr.tag - T_MAPVAL)));
		in_elem = T(
			Z3_mk_bvule(s->z,
				    smt_add(s, T(Z3_mk_bvand(s->z, o, smt_bvk(s, (1LL << sh) - 1))),
					    smt_bvk(s, size)),
				    smt_bvk(s, d->value_size)));
		inb = smt_and2(s, in_map, in_elem);
		if (write && ((d->flags & BPF_F_RDONLY_PROG) || smt_map_is_redirect(d))) {
			smt_unsup(s, ie->i, "%s", "write to a read-only map");
			return -1;
		}
	}
	if (vtag != T_SCALAR && ptr.tag != T_STACK) {
		smt_unsup(s, ie->i, "%s", "pointer stored outside the stack");
		return -1;
	}
	add_fault(s, st, inb);
	arr = region_array(st, s, ptr.tag);
	addr = env->plain ? smt_add(s, ptr.v, smt_bvk(s, off)) : o;
	for (j = 0; j < size; j++) {
		Z3_ast a = j ? smt_add(s, addr, smt_bvk(s, j)) : addr;

		if (write) {
			*arr = T(Z3_mk_store(s->z, *arr, a, smt_ext(s, 8 * j + 7, 8 * j, *val)));
		} else {
			Z3_ast b = T(Z3_mk_select(s->z, *arr, a));

			*val = j ? T(Z3_mk_concat(s->z, b, *val)) : b;
		}
	}
	return ptr.tag == T_STACK ? st->stag[(k + SMT_STACK) / 8] : T_SCALAR;
}

Z3_ast smt_enc_mem_byte(struct smt_ctx *s, const struct sstate *st, uint16_t tag, Z3_ast off)
{
	if (s->env->plain)
		return T(Z3_mk_select(s->z, st->mem,
				      smt_add(s, smt_bvk(s, (int64_t)smt_region_base(tag)), off)));
	return T(Z3_mk_select(s->z,
			      tag == T_CTX   ? st->ctx
			      : tag == T_PKT ? st->pkt
					     : st->mv[tag - T_MAPVAL],
			      off));
}

void smt_enc_mem_store(struct smt_ctx *s, struct sstate *st, uint16_t tag, Z3_ast off, Z3_ast b)
{
	Z3_ast *arr = s->env->plain ? &st->mem : region_array(st, s, tag);

	if (s->env->plain)
		off = smt_add(s, smt_bvk(s, (int64_t)smt_region_base(tag)), off);
	*arr = T(Z3_mk_store(s->z, *arr, off, b));
}

Z3_ast smt_enc_stack_byte(struct smt_ctx *s, const struct sstate *st, int off)
{
	if (s->env->plain)
		return T(Z3_mk_select(s->z, st->mem,
				      smt_bvk(s, (int64_t)smt_region_base(T_STACK) + off)));
	if (st->stk[off + SMT_STACK])
		return st->stk[off + SMT_STACK];
	return T(Z3_mk_select(s->z, s->stk0, smt_bvk(s, off)));
}
