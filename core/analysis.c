// SPDX-License-Identifier: MIT
/*
 * core/analysis: forward abstract interpretation of a program.
 *
 * The kernel verifier walks every path of a program, one instruction at a
 * time, with a precise state per path, and prunes a path when its state is
 * covered by one seen before.  Search and equivalence checking want something
 * else: one fact per instruction that holds whichever way execution got
 * there.  So this is the classic dataflow version of the same machine:
 *
 *   - the state before a block is the join of the states at the ends of all
 *     edges into it; a worklist re-runs a block whenever its entry state
 *     grows, until nothing changes (the fixpoint);
 *   - the transfer functions for registers and stack slots follow the
 *     verifier's rules (pointer + scalar stays a pointer of the same kind with
 *     a fixed and a variable offset; loads from ctx give packet pointers at
 *     the offsets the program type defines; 8-byte aligned stack stores spill
 *     a register and 8-byte aligned loads fill it back; helper calls clobber
 *     r1-r5 and give r0 a type by the helper's return type);
 *   - conditional jumps refine both successors: scalars against constants or
 *     registers (analysis_scalar.c), map_value_or_null against 0 (NULL on
 *     one side, a map value on the other, for every copy of the pointer,
 *     which share an id), and packet pointers against data_end, which raises
 *     the proven range of every pointer with the same id the way the
 *     verifier's find_good_pkt_pointers() does;
 *   - joins are the least upper bound per register: equal types join their
 *     numbers (and a packet pointer keeps the smaller range), different types
 *     become UNKNOWN, and anything joined with NOT_INIT stays NOT_INIT (some
 *     path did not write it);
 *   - after a block's entry has grown a few times, the join widens (bounds
 *     that still move are dropped), which makes loops terminate; the lattice
 *     is otherwise finite in height (tnum bits only get unknown, ranges only
 *     shrink, types only go up).
 *
 * Each subprogram is analysed in its own frame.  Subprograms are visited
 * callers first: a callee's r1-r5 on entry are the join of its call sites'
 * arguments (pointers into the caller's stack become UNKNOWN: they are not
 * this frame's fp); after a call the caller sees r0 as an unknown scalar,
 * r1-r5 not initialised, r6-r9 and its own stack unchanged -- except spills
 * the callee may write through a stack pointer argument, and packet pointers
 * if the callee may call a helper that changes packet data.
 *
 * Ids: packet pointers derived from data by constant offsets share id 0;
 * adding an unknown scalar gives a new id (from the instruction), as the
 * verifier does; when such an instruction runs again (a loop), the pointers
 * still holding its id are given the id ANALYSIS_ID_NONE, which nothing
 * shares, so that a later bounds check on the new pointer cannot raise the
 * range of an old one.  Lookups get the id of their call instruction.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/analysis_internal.h"

#define ID_NONE 0xffffffffu
#define ID_PKT_VAR 0x10000000u	  /* + insn: packet pointer + unknown scalar */
#define ID_PKT_JOIN 0x20000000u	  /* + block: packet pointers of different ids met */
#define ID_NULL_JOIN 0x30000000u  /* + block: lookups of different ids met */
#define WIDEN_AFTER 3		  /* joins into a block before its entry widens */
#define MAX_VISITS_PER_BLOCK 200  /* a bug guard: widening ends well before */

/* BPF helper ids (include/uapi/linux/bpf.h) that the transfer functions need. */
enum {
	H_MAP_LOOKUP = 1,
	H_TAIL_CALL = 12,
	H_MAP_LOOKUP_PERCPU = 195,
};

struct fwd {
	struct analysis *a;
	struct analysis_state *entry; /* per block */
	uint32_t *visits;	      /* per block */
	struct analysis_state *callee_entry; /* per subprogram */
	int8_t *changes_pkt;		     /* per subprogram: -1 unknown, 0, 1 */
	struct analysis_reg *ret_assumed;    /* per subprogram: r0 its callers see */
	struct analysis_reg *ret_seen;	     /* per subprogram: r0 at its exits */
	bool *ret_reached;		     /* per subprogram: some exit reached */
	char *msg;
	size_t msgsz;
};

static int set_msg(char *msg, size_t msgsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_msg(char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;

	if (msg && msgsz) {
		va_start(ap, fmt);
		vsnprintf(msg, msgsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- registers ----------------------------------------------------------- */

static void mark_not_init(struct analysis_reg *r)
{
	memset(r, 0, sizeof(*r));
	r->map = -1;
	analysis_scalar_unknown(&r->s);
}

static void mark_scalar(struct analysis_reg *r)
{
	mark_not_init(r);
	r->type = ANALYSIS_SCALAR;
}

static void mark_const(struct analysis_reg *r, uint64_t v)
{
	mark_not_init(r);
	r->type = ANALYSIS_SCALAR;
	analysis_scalar_const(&r->s, v);
}

static void mark_width(struct analysis_reg *r, unsigned int bits)
{
	mark_scalar(r);
	analysis_scalar_width(&r->s, bits);
}

static void mark_type(struct analysis_reg *r, enum analysis_type t)
{
	mark_not_init(r);
	r->type = t;
	analysis_scalar_const(&r->s, 0); /* no variable offset */
}

static bool is_ptr(const struct analysis_reg *r)
{
	return r->type > ANALYSIS_SCALAR && r->type < ANALYSIS_UNKNOWN;
}

static bool reg_eq(const struct analysis_reg *x, const struct analysis_reg *y)
{
	if (x->type != y->type)
		return false;
	if (x->type == ANALYSIS_NOT_INIT || x->type == ANALYSIS_UNKNOWN)
		return true;
	return x->off == y->off && x->map == y->map && x->id == y->id && x->range == y->range &&
	       analysis_scalar_eq(&x->s, &y->s);
}

bool analysis_reg_is_const(const struct analysis_reg *r, uint64_t *val)
{
	if (!r || r->type != ANALYSIS_SCALAR || !analysis_scalar_is_const(&r->s))
		return false;
	if (val)
		*val = r->s.value;
	return true;
}

static bool is_const_zero(const struct analysis_reg *r)
{
	uint64_t v;

	return analysis_reg_is_const(r, &v) && v == 0;
}

/* The pointer's whole offset as a scalar (fixed + variable part). */
static struct analysis_scalar ptr_total(const struct analysis_reg *r)
{
	struct analysis_scalar s, o;

	s = r->s;
	analysis_scalar_const(&o, (uint64_t)(int64_t)r->off);
	analysis_scalar_alu(&s, &o, BPF_ADD, 0, false);
	return s;
}

static void join_reg(struct analysis_reg *d, const struct analysis_reg *s, bool widen,
		     uint32_t block)
{
	if (d->type == ANALYSIS_NOT_INIT || s->type == ANALYSIS_NOT_INIT) {
		mark_not_init(d);
		return;
	}
	if (d->type != s->type) {
		/* a lookup result met its checked or NULL self: still value-or-NULL */
		if (d->type == ANALYSIS_MAP_VALUE_OR_NULL &&
		    ((s->type == ANALYSIS_MAP_VALUE && s->map == d->map) || is_const_zero(s)))
			return;
		if (s->type == ANALYSIS_MAP_VALUE_OR_NULL &&
		    ((d->type == ANALYSIS_MAP_VALUE && s->map == d->map) || is_const_zero(d))) {
			*d = *s;
			return;
		}
		mark_not_init(d);
		d->type = ANALYSIS_UNKNOWN;
		return;
	}
	if (d->type == ANALYSIS_UNKNOWN)
		return;
	if (d->type == ANALYSIS_SCALAR) {
		analysis_scalar_join(&d->s, &s->s, widen);
		return;
	}
	if (d->map != s->map) {
		mark_not_init(d);
		d->type = ANALYSIS_UNKNOWN;
		return;
	}
	if (d->type == ANALYSIS_PKT || d->type == ANALYSIS_PKT_META) {
		if (d->id != s->id || d->off != s->off || !analysis_scalar_eq(&d->s, &s->s)) {
			d->id = ID_PKT_JOIN + block;
			d->range = 0;
		} else if (s->range < d->range) {
			d->range = s->range;
		}
	}
	if (d->type == ANALYSIS_MAP_VALUE_OR_NULL && d->id != s->id)
		d->id = ID_NULL_JOIN + block;
	if (d->off == s->off) {
		analysis_scalar_join(&d->s, &s->s, widen);
	} else {
		struct analysis_scalar t = ptr_total(s);

		d->s = ptr_total(d);
		d->off = 0;
		analysis_scalar_join(&d->s, &t, widen);
	}
}

/* ---- states -------------------------------------------------------------- */

static void state_init(struct analysis_state *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < ANALYSIS_NREGS; i++)
		mark_not_init(&st->regs[i]);
	for (i = 0; i < ANALYSIS_NSLOTS; i++)
		mark_not_init(&st->slots[i].reg);
}

static bool slot_eq(const struct analysis_slot *x, const struct analysis_slot *y)
{
	return x->init == y->init && x->spilled == y->spilled &&
	       (!x->spilled || reg_eq(&x->reg, &y->reg));
}

static bool slot_may_hold_ptr(const struct analysis_slot *sl)
{
	return sl->spilled && sl->reg.type != ANALYSIS_SCALAR;
}

/* d |= s; returns whether d changed. */
static bool state_join(struct analysis_state *d, const struct analysis_state *s, bool widen,
		       uint32_t block)
{
	struct analysis_reg r;
	struct analysis_slot sl;
	bool changed = false;
	unsigned int i;

	if (!s->reached)
		return false;
	if (!d->reached) {
		*d = *s;
		return true;
	}
	for (i = 0; i < ANALYSIS_NREGS; i++) {
		r = d->regs[i];
		join_reg(&r, &s->regs[i], widen, block);
		if (!reg_eq(&r, &d->regs[i])) {
			d->regs[i] = r;
			changed = true;
		}
	}
	for (i = 0; i < ANALYSIS_NSLOTS; i++) {
		sl = d->slots[i];
		sl.init &= s->slots[i].init;
		if (sl.spilled && s->slots[i].spilled) {
			join_reg(&sl.reg, &s->slots[i].reg, widen, block);
		} else if (slot_may_hold_ptr(&sl) || slot_may_hold_ptr(&s->slots[i])) {
			/* a pointer on one path, data on the other: a fill is not a scalar */
			sl.spilled = true;
			mark_type(&sl.reg, ANALYSIS_UNKNOWN);
		} else {
			sl.spilled = false;
			mark_not_init(&sl.reg);
		}
		if (!slot_eq(&sl, &d->slots[i])) {
			d->slots[i] = sl;
			changed = true;
		}
	}
	return changed;
}

/* Apply @fn to every register and spilled register of @st. */
#define for_each_reg(st, r, k)                                                                     \
	for ((k) = 0; (k) < ANALYSIS_NREGS + ANALYSIS_NSLOTS; (k)++)                               \
		if (((r) = (k) < ANALYSIS_NREGS ? &(st)->regs[(k)]                                 \
						: ((st)->slots[(k) - ANALYSIS_NREGS].spilled       \
							   ? &(st)->slots[(k) - ANALYSIS_NREGS].reg \
							   : NULL)))

/*
 * A helper that may change packet data was called: the verifier turns every
 * packet pointer into an unknown scalar.  @maybe: only some paths (through a
 * callee) call it, so a pointer may also have survived: UNKNOWN.
 */
static void clobber_pkt(struct analysis_state *st, bool maybe)
{
	struct analysis_reg *r;
	unsigned int k;

	for_each_reg (st, r, k) {
		if (r->type != ANALYSIS_PKT && r->type != ANALYSIS_PKT_END &&
		    r->type != ANALYSIS_PKT_META)
			continue;
		if (maybe)
			mark_type(r, ANALYSIS_UNKNOWN);
		else
			mark_scalar(r);
	}
}

/*
 * Something may have written stack bytes [lo, hi) (frame offsets): spilled
 * scalars there are gone.  A spilled pointer may or may not have been
 * overwritten, and if @may_ptr a pointer may have been written: such slots
 * hold "a spill of something", whose 8-byte fill is UNKNOWN, not a scalar.
 * @init: the bytes were certainly written (a store, not a maybe).
 */
static void clobber_stack(struct analysis_state *st, int64_t lo, int64_t hi, bool init,
			  bool may_ptr)
{
	int64_t b;

	if (lo < -ANALYSIS_STACK_SIZE)
		lo = -ANALYSIS_STACK_SIZE;
	if (hi > 0)
		hi = 0;
	for (b = lo; b < hi; b++) {
		unsigned int k = (unsigned int)((-b - 1) / 8);
		struct analysis_slot *sl = &st->slots[k];

		if (may_ptr || slot_may_hold_ptr(sl)) {
			sl->spilled = true;
			mark_type(&sl->reg, ANALYSIS_UNKNOWN);
		} else if (sl->spilled) {
			sl->spilled = false;
			mark_not_init(&sl->reg);
		}
		if (init)
			sl->init |= 1u << ((b + ANALYSIS_STACK_SIZE) % 8);
	}
}

/* ---- maps and helpers ---------------------------------------------------- */

static int32_t map_index(const struct analysis *a, int32_t ref)
{
	uint32_t i;

	for (i = 0; a->env && i < a->env->nmaps; i++)
		if (a->env->maps[i].ref == ref)
			return (int32_t)i;
	return -1;
}

const struct analysis_map *analysis_map_of(const struct analysis *a, const struct analysis_reg *r)
{
	if (!r || r->map < 0 || !a->env || (uint32_t)r->map >= a->env->nmaps)
		return NULL;
	return &a->env->maps[r->map];
}

/* include/linux/filter.h bpf_helper_changes_pkt_data() */
static bool helper_changes_pkt(int32_t id)
{
	switch (id) {
	case 9:	  /* skb_store_bytes */
	case 10:  /* l3_csum_replace */
	case 11:  /* l4_csum_replace */
	case 18:  /* skb_vlan_push */
	case 19:  /* skb_vlan_pop */
	case 31:  /* skb_change_proto */
	case 32:  /* skb_change_type */
	case 38:  /* skb_change_tail */
	case 39:  /* skb_pull_data */
	case 43:  /* skb_change_head */
	case 44:  /* xdp_adjust_head */
	case 50:  /* skb_adjust_room */
	case 54:  /* xdp_adjust_meta */
	case 61:  /* msg_pull_data */
	case 63:  /* msg_push_data? (kept conservative) */
	case 65:  /* xdp_adjust_tail */
	case 73:  /* lwt_push_encap */
	case 74:  /* lwt_seg6_store_bytes */
	case 75:  /* lwt_seg6_adjust_srh */
	case 76:  /* lwt_seg6_action */
	case 90:  /* msg_push_data */
	case 91:  /* msg_pop_data */
	case 190: /* xdp_store_bytes */
		return true;
	}
	return false;
}

/* Helpers whose return value is a pointer the analysis does not follow. */
static bool helper_returns_ptr(int32_t id)
{
	switch (id) {
	case 81:  /* get_local_storage */
	case 84:  /* sk_lookup_tcp */
	case 85:  /* sk_lookup_udp */
	case 95:  /* sk_fullsock */
	case 96:  /* tcp_sock */
	case 98:  /* get_listener_sock */
	case 99:  /* skc_lookup_tcp */
	case 107: /* sk_storage_get */
	case 131: /* ringbuf_reserve */
	case 136 ... 140: /* skc_to_* */
	case 145: /* inode_storage_get */
	case 153: /* per_cpu_ptr */
	case 154: /* this_cpu_ptr */
	case 156: /* task_storage_get */
	case 158: /* get_current_task_btf */
	case 162: /* sock_from_file */
	case 175: /* task_pt_regs */
	case 178: /* skc_to_unix_sock */
	case 194: /* kptr_xchg */
	case 196: /* skc_to_mptcp_sock */
	case 203: /* dynptr_data */
	case 210: /* cgrp_storage_get */
		return true;
	}
	return false;
}

static bool subprog_changes_pkt(struct fwd *f, uint32_t sp, unsigned int depth);

static uint32_t subprog_of(const struct prog *p, uint32_t insn)
{
	uint32_t s;

	for (s = 0; s < p->nsubprogs; s++)
		if (insn >= p->subprogs[s].start && insn < p->subprogs[s].end)
			return s;
	return 0;
}

static bool subprog_changes_pkt(struct fwd *f, uint32_t sp, unsigned int depth)
{
	const struct prog *p = f->a->p;
	uint32_t i;
	bool r = false;

	if (f->changes_pkt[sp] >= 0)
		return f->changes_pkt[sp];
	if (depth > 16)
		return true;
	for (i = p->subprogs[sp].start; i < p->subprogs[sp].end && !r; i++) {
		const struct bpf_insn *in = &p->insns[i];

		if (!prog_insn_is_call(in))
			continue;
		if (in->src_reg == 0)
			r = helper_changes_pkt(in->imm);
		else if (in->src_reg == BPF_PSEUDO_CALL)
			r = subprog_changes_pkt(f, subprog_of(p, i + in->imm + 1), depth + 1);
		else
			r = true; /* kfunc: do not guess */
	}
	f->changes_pkt[sp] = r;
	return r;
}

/* ---- instructions -------------------------------------------------------- */

static bool prog_type_has_skb_ctx(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		return true;
	default:
		return false;
	}
}

/* What a load of @size bytes at ctx + @off gives. */
static void ctx_load(const struct analysis *a, struct analysis_reg *dst, int64_t off,
		     unsigned int size, bool sx)
{
	enum bpf_prog_type t = a->env ? a->env->prog_type : BPF_PROG_TYPE_UNSPEC;

	if (t == BPF_PROG_TYPE_XDP && size == 4) {
		if (off == 0)
			return mark_type(dst, ANALYSIS_PKT);
		if (off == 4)
			return mark_type(dst, ANALYSIS_PKT_END);
		if (off == 8)
			return mark_type(dst, ANALYSIS_PKT_META);
	} else if (prog_type_has_skb_ctx(t) && size == 4) {
		if (off == 76)
			return mark_type(dst, ANALYSIS_PKT);
		if (off == 80)
			return mark_type(dst, ANALYSIS_PKT_END);
		if (off == 140 && (t == BPF_PROG_TYPE_SCHED_CLS || t == BPF_PROG_TYPE_SCHED_ACT))
			return mark_type(dst, ANALYSIS_PKT_META);
	} else if ((t == BPF_PROG_TYPE_SK_MSG || t == BPF_PROG_TYPE_SK_REUSEPORT) && size == 8) {
		if (off == 0)
			return mark_type(dst, ANALYSIS_PKT);
		if (off == 8)
			return mark_type(dst, ANALYSIS_PKT_END);
	}
	if (size == 8) {
		/* pointer fields are 8 bytes wide; scalars where the layout says so */
		bool scalar = t == BPF_PROG_TYPE_XDP || t == BPF_PROG_TYPE_KPROBE ||
			      t == BPF_PROG_TYPE_TRACEPOINT || t == BPF_PROG_TYPE_PERF_EVENT ||
			      t == BPF_PROG_TYPE_RAW_TRACEPOINT ||
			      (prog_type_has_skb_ctx(t) && off != 144 && off != 168) ||
			      t == BPF_PROG_TYPE_SOCKET_FILTER;

		if (scalar)
			mark_scalar(dst);
		else
			mark_type(dst, ANALYSIS_UNKNOWN);
		return;
	}
	mark_width(dst, size * 8);
	if (sx)
		analysis_scalar_sext(&dst->s, size * 8);
}

static unsigned int size_bytes(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return 1;
	case BPF_H: return 2;
	case BPF_W: return 4;
	default: return 8;
	}
}

/* Stack pointer with a known offset: the frame offset in *off. */
static bool stack_const(const struct analysis_reg *r, int64_t insn_off, int64_t *off)
{
	if (r->type != ANALYSIS_STACK || !analysis_scalar_is_const(&r->s))
		return false;
	*off = r->off + (int64_t)r->s.value + insn_off;
	return true;
}

static void stack_load(struct analysis_state *st, struct analysis_reg *dst, int64_t off,
		       unsigned int size, bool sx)
{
	struct analysis_slot *sl;
	int64_t end = off + size;

	if (off < -ANALYSIS_STACK_SIZE || end > 0) {
		mark_scalar(dst);
		return;
	}
	sl = &st->slots[(-off - 1) / 8];
	if (sl->spilled && (off % 8) == 0) {
		if (size == 8) {
			*dst = sl->reg;
			return;
		}
		if (analysis_reg_is_const(&sl->reg, NULL)) {
			uint64_t v = sl->reg.s.value & ((1ull << (size * 8)) - 1);

			mark_const(dst, v);
			if (sx)
				analysis_scalar_sext(&dst->s, size * 8);
			return;
		}
	}
	if (size == 8 && sl->spilled)
		mark_type(dst, ANALYSIS_UNKNOWN); /* misaligned piece of a spill */
	else
		mark_width(dst, size * 8);
	if (sx && dst->type == ANALYSIS_SCALAR)
		analysis_scalar_sext(&dst->s, size * 8);
}

static void stack_store(struct analysis_state *st, const struct analysis_reg *val, int64_t off,
			unsigned int size)
{
	struct analysis_slot *sl;

	if (off < -ANALYSIS_STACK_SIZE || off + size > 0)
		return; /* the verifier rejects it; nothing of ours is touched */
	if (size != 8 || (off % 8) != 0) {
		/* a partial overwrite of a spill leaves bytes of data, as the verifier sees it */
		int64_t b;

		for (b = off; b < off + size; b++) {
			struct analysis_slot *sl = &st->slots[(-b - 1) / 8];

			sl->spilled = false;
			mark_not_init(&sl->reg);
		}
	}
	clobber_stack(st, off, off + size, true, false);
	if (size == 8 && (off % 8) == 0 && val) {
		sl = &st->slots[(-off - 1) / 8];
		sl->spilled = true;
		sl->reg = *val;
	}
}

/* A store or atomic through @base may have hit our stack: where? */
static void store_effect(struct analysis_state *st, const struct analysis_reg *base,
			 int16_t insn_off, unsigned int size, const struct analysis_reg *val)
{
	int64_t off;

	if (stack_const(base, insn_off, &off)) {
		stack_store(st, val, off, size);
	} else if (base->type == ANALYSIS_STACK || base->type == ANALYSIS_UNKNOWN) {
		clobber_stack(st, -ANALYSIS_STACK_SIZE, 0, false,
			      size == 8 && (!val || val->type != ANALYSIS_SCALAR));
	}
}

/* pointer @d += scalar @s (negated first if @sub), at instruction @i */
static void ptr_add(struct analysis_state *st, struct analysis_reg *d,
		    const struct analysis_scalar *s, bool sub, uint32_t i)
{
	struct analysis_scalar v = *s;

	if (d->type == ANALYSIS_PKT_END || d->type == ANALYSIS_MAP_PTR ||
	    d->type == ANALYSIS_MAP_VALUE_OR_NULL) {
		mark_type(d, ANALYSIS_UNKNOWN); /* the verifier forbids it */
		return;
	}
	if (sub) {
		struct analysis_scalar z;

		analysis_scalar_const(&z, 0);
		analysis_scalar_alu(&z, &v, BPF_SUB, 0, false);
		v = z;
	}
	if (analysis_scalar_is_const(&v) && (int64_t)v.value >= -(1 << 29) &&
	    (int64_t)v.value <= (1 << 29) && d->off + (int64_t)v.value >= -(1 << 29) &&
	    d->off + (int64_t)v.value <= (1 << 29)) {
		d->off += (int32_t)(int64_t)v.value;
		return;
	}
	analysis_scalar_alu(&d->s, &v, BPF_ADD, 0, false);
	if (d->type == ANALYSIS_PKT || d->type == ANALYSIS_PKT_META) {
		struct analysis_reg *r;
		uint32_t id = ID_PKT_VAR + i;
		unsigned int k;

		for_each_reg (st, r, k)
			if ((r->type == ANALYSIS_PKT || r->type == ANALYSIS_PKT_META) &&
			    r->id == id && r != d)
				r->id = ID_NONE;
		d->id = id;
		d->range = 0;
	}
}

static void do_alu(struct analysis_state *st, const struct bpf_insn *in, uint32_t i)
{
	bool alu32 = BPF_CLASS(in->code) == BPF_ALU;
	uint8_t op = BPF_OP(in->code);
	struct analysis_reg *d = &st->regs[in->dst_reg];
	struct analysis_reg src;

	if (BPF_SRC(in->code) == BPF_X) {
		src = st->regs[in->src_reg];
	} else {
		mark_const(&src, alu32 ? (uint64_t)(uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
	}
	if (op == BPF_END) {
		if (d->type != ANALYSIS_SCALAR)
			mark_scalar(d);
		analysis_scalar_end(&d->s, (unsigned int)in->imm,
				    !alu32 || BPF_SRC(in->code) == BPF_TO_BE);
		return;
	}
	if (op == BPF_MOV) {
		if (BPF_SRC(in->code) == BPF_X && in->off) {
			/* movsx */
			if (src.type != ANALYSIS_SCALAR)
				mark_scalar(&src);
			analysis_scalar_zext32(&src.s); /* keep the low part only ... */
			if (in->off < 32) {
				src.s.value &= (1ull << in->off) - 1;
				src.s.mask &= (1ull << in->off) - 1;
				src.s.smin = INT64_MIN;
				src.s.smax = INT64_MAX;
				src.s.umin = 0;
				src.s.umax = UINT64_MAX;
				analysis_scalar_sync(&src.s);
			}
			if (!alu32 || in->off < 32)
				analysis_scalar_sext(&src.s, (unsigned int)in->off);
			if (alu32)
				analysis_scalar_zext32(&src.s);
			*d = src;
			return;
		}
		if (alu32) {
			if (src.type != ANALYSIS_SCALAR)
				mark_width(&src, 32);
			analysis_scalar_zext32(&src.s);
		}
		*d = src;
		return;
	}
	if (op == BPF_NEG) {
		if (d->type != ANALYSIS_SCALAR)
			mark_scalar(d);
		analysis_scalar_alu(&d->s, &d->s, BPF_NEG, 0, alu32);
		return;
	}
	if (d->type == ANALYSIS_SCALAR && src.type == ANALYSIS_SCALAR) {
		analysis_scalar_alu(&d->s, &src.s, op, in->off, alu32);
		return;
	}
	if (!alu32 && (op == BPF_ADD || op == BPF_SUB)) {
		if (is_ptr(d) && src.type == ANALYSIS_SCALAR) {
			ptr_add(st, d, &src.s, op == BPF_SUB, i);
			return;
		}
		if (op == BPF_ADD && d->type == ANALYSIS_SCALAR && is_ptr(&src)) {
			struct analysis_scalar s = d->s;

			*d = src;
			ptr_add(st, d, &s, false, i);
			return;
		}
		if (op == BPF_SUB && is_ptr(d) && is_ptr(&src)) {
			mark_scalar(d);
			return;
		}
		mark_type(d, ANALYSIS_UNKNOWN);
		return;
	}
	mark_scalar(d);
	if (alu32)
		analysis_scalar_width(&d->s, 32);
}

static void do_ldx(struct fwd *f, struct analysis_state *st, const struct bpf_insn *in)
{
	const struct analysis_reg *base = &st->regs[in->src_reg];
	struct analysis_reg *d = &st->regs[in->dst_reg];
	unsigned int size = size_bytes(in->code);
	bool sx = BPF_MODE(in->code) == BPF_MEMSX;
	struct analysis_reg v;
	int64_t off;

	if (stack_const(base, in->off, &off)) {
		stack_load(st, &v, off, size, sx);
	} else if (base->type == ANALYSIS_CTX && analysis_scalar_is_const(&base->s)) {
		ctx_load(f->a, &v, base->off + (int64_t)base->s.value + in->off, size, sx);
	} else if ((size == 8 && (base->type == ANALYSIS_STACK || base->type == ANALYSIS_CTX)) ||
		   (size >= 4 && base->type == ANALYSIS_UNKNOWN)) {
		/* a spilled pointer, or (4 bytes) a ctx field that is one */
		mark_type(&v, ANALYSIS_UNKNOWN);
	} else {
		mark_width(&v, size * 8);
		if (sx)
			analysis_scalar_sext(&v.s, size * 8);
	}
	*d = v;
}

static void do_call(struct fwd *f, struct analysis_state *st, const struct bpf_insn *in,
		    uint32_t i)
{
	const struct prog *p = f->a->p;
	struct analysis_reg *r0 = &st->regs[0];
	bool pkt = false;
	unsigned int r;

	/* pointers to our stack passed down may be written through */
	for (r = 1; r <= 5; r++) {
		const struct analysis_reg *arg = &st->regs[r];
		int64_t off;
		bool known_ro = in->src_reg == 0 &&
				(in->imm == 1 || in->imm == 2 || in->imm == 3 || in->imm == 195);

		if (known_ro)
			continue; /* map helpers only read keys and values */
		if (stack_const(arg, 0, &off))
			clobber_stack(st, off, 0, false, in->src_reg != 0);
		else if (arg->type == ANALYSIS_STACK || arg->type == ANALYSIS_UNKNOWN)
			clobber_stack(st, -ANALYSIS_STACK_SIZE, 0, false, in->src_reg != 0);
	}
	if (in->src_reg == BPF_PSEUDO_CALL) {
		uint32_t callee = subprog_of(p, i + in->imm + 1);
		struct analysis_state *ce = &f->callee_entry[callee];
		struct analysis_state args;

		state_init(&args);
		args.reached = true;
		mark_type(&args.regs[BPF_REG_10], ANALYSIS_STACK);
		for (r = 1; r <= 5; r++) {
			args.regs[r] = st->regs[r];
			if (args.regs[r].type == ANALYSIS_STACK)
				mark_type(&args.regs[r], ANALYSIS_UNKNOWN);
		}
		state_join(ce, &args, false, 0);
		pkt = subprog_changes_pkt(f, callee, 0);
		*r0 = f->ret_assumed[callee];
		if (r0->type == ANALYSIS_STACK)
			mark_type(r0, ANALYSIS_UNKNOWN); /* the callee's frame is gone */
	} else if (in->src_reg == 0) {
		const struct analysis_map *m = analysis_map_of(f->a, &st->regs[1]);
		int32_t map = st->regs[1].type == ANALYSIS_MAP_PTR ? st->regs[1].map : -1;

		pkt = helper_changes_pkt(in->imm);
		if ((in->imm == H_MAP_LOOKUP || in->imm == H_MAP_LOOKUP_PERCPU) &&
		    st->regs[1].type == ANALYSIS_MAP_PTR && m && m->type != BPF_MAP_TYPE_SOCKMAP &&
		    m->type != BPF_MAP_TYPE_SOCKHASH && m->type != BPF_MAP_TYPE_XSKMAP &&
		    m->type != BPF_MAP_TYPE_DEVMAP && m->type != BPF_MAP_TYPE_CPUMAP &&
		    m->type != BPF_MAP_TYPE_PROG_ARRAY && m->type != BPF_MAP_TYPE_ARRAY_OF_MAPS &&
		    m->type != BPF_MAP_TYPE_HASH_OF_MAPS && m->type != BPF_MAP_TYPE_DEVMAP_HASH) {
			mark_type(r0, ANALYSIS_MAP_VALUE_OR_NULL);
			r0->map = map;
			r0->id = i + 1;
		} else if (in->imm == H_MAP_LOOKUP || in->imm == H_MAP_LOOKUP_PERCPU ||
			   helper_returns_ptr(in->imm)) {
			mark_type(r0, ANALYSIS_UNKNOWN);
		} else {
			mark_scalar(r0);
		}
	} else {
		mark_type(r0, ANALYSIS_UNKNOWN); /* kfunc */
		pkt = true;
	}
	for (r = 1; r <= 5; r++)
		mark_not_init(&st->regs[r]);
	if (pkt)
		clobber_pkt(st, in->src_reg != 0);
}

/* The state after instruction @i, which is not a jump or exit. */
static void step(struct fwd *f, struct analysis_state *st, uint32_t i)
{
	const struct prog *p = f->a->p;
	const struct bpf_insn *in = &p->insns[i];
	unsigned int r;

	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		do_alu(st, in, i);
		break;
	case BPF_LD:
		if (prog_insn_is_ldimm64(in)) {
			struct analysis_reg *d = &st->regs[in->dst_reg];

			switch (in->src_reg) {
			case 0:
				mark_const(d, (uint64_t)(uint32_t)in->imm |
						      ((uint64_t)(uint32_t)in[1].imm << 32));
				break;
			case BPF_PSEUDO_MAP_FD:
			case BPF_PSEUDO_MAP_IDX:
				mark_type(d, ANALYSIS_MAP_PTR);
				d->map = map_index(f->a, in->imm);
				break;
			case BPF_PSEUDO_MAP_VALUE:
			case BPF_PSEUDO_MAP_IDX_VALUE:
				mark_type(d, ANALYSIS_MAP_VALUE);
				d->map = map_index(f->a, in->imm);
				d->off = in[1].imm;
				break;
			default:
				mark_type(d, ANALYSIS_UNKNOWN);
			}
			break;
		}
		/* LD_ABS / LD_IND: r0 = packet bytes, caller-saved registers clobbered */
		for (r = 1; r <= 5; r++)
			mark_not_init(&st->regs[r]);
		mark_width(&st->regs[0], size_bytes(in->code) * 8);
		break;
	case BPF_LDX:
		do_ldx(f, st, in);
		break;
	case BPF_ST:
	case BPF_STX: {
		const struct analysis_reg *base = &st->regs[in->dst_reg];
		unsigned int size = size_bytes(in->code);
		struct analysis_reg v;

		if (BPF_MODE(in->code) == BPF_ATOMIC) {
			struct analysis_reg b = *base;

			store_effect(st, &b, in->off, size, NULL);
			if (in->imm == BPF_CMPXCHG)
				mark_width(&st->regs[0], size * 8);
			else if ((in->imm & BPF_FETCH) || in->imm == BPF_LOAD_ACQ)
				mark_width(&st->regs[in->imm == BPF_LOAD_ACQ ? in->dst_reg
									       : in->src_reg],
					   size * 8);
			break;
		}
		if (BPF_CLASS(in->code) == BPF_ST)
			mark_const(&v, (uint64_t)(int64_t)in->imm);
		else
			v = st->regs[in->src_reg];
		{
			struct analysis_reg b = *base;

			store_effect(st, &b, in->off, size, &v);
		}
		break;
	}
	case BPF_JMP:
	case BPF_JMP32:
		if (prog_insn_is_call(in))
			do_call(f, st, in, i);
		break;
	}
}

/* ---- branches ------------------------------------------------------------ */

/* Every copy of the lookup @id becomes NULL (scalar 0) or a map value. */
static void mark_null(struct analysis_state *st, uint32_t id, bool is_null)
{
	struct analysis_reg *r;
	unsigned int k;

	for_each_reg (st, r, k) {
		if (r->type != ANALYSIS_MAP_VALUE_OR_NULL || r->id != id)
			continue;
		if (is_null) {
			mark_const(r, 0);
		} else {
			r->type = ANALYSIS_MAP_VALUE;
			r->id = 0;
		}
	}
}

/* find_good_pkt_pointers(): @pkt (register @regno) <= data_end on this side. */
static void pkt_good(struct analysis_state *st, unsigned int regno, bool right_open)
{
	struct analysis_reg *dst = &st->regs[regno], *r;
	int64_t range = dst->off;
	unsigned int k;
	uint32_t id = dst->id;

	if (dst->off < 0 || (dst->off == 0 && right_open))
		return;
	if (dst->s.umax > 0xffff || dst->s.umax + dst->off > 0xffff)
		return;
	if (right_open)
		range--; /* the conservative reading: never above the verifier's */
	for_each_reg (st, r, k)
		if (r->type == dst->type && (r == dst || (id != ID_NONE && r->id == id)) &&
		    r->range < range)
			r->range = (uint32_t)range;
}

/*
 * Refine @st for the conditional jump @in being @taken.  False if that side
 * cannot happen.
 */
static bool branch(struct analysis_state *st, const struct bpf_insn *in, bool taken)
{
	bool jmp32 = BPF_CLASS(in->code) == BPF_JMP32;
	uint8_t op = BPF_OP(in->code);
	struct analysis_reg *d = &st->regs[in->dst_reg], *s = NULL, imm;

	if (op == BPF_JCOND)
		return true;
	if (BPF_SRC(in->code) == BPF_X) {
		s = &st->regs[in->src_reg];
	} else {
		mark_const(&imm, jmp32 ? (uint64_t)(uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
		s = &imm;
	}
	if (!jmp32 && (op == BPF_JEQ || op == BPF_JNE)) {
		bool eq = (op == BPF_JEQ) == taken;

		if (d->type == ANALYSIS_MAP_VALUE_OR_NULL && is_const_zero(s)) {
			mark_null(st, d->id, eq);
			return true;
		}
		if (s->type == ANALYSIS_MAP_VALUE_OR_NULL && is_const_zero(d)) {
			mark_null(st, s->id, eq);
			return true;
		}
	}
	if (!jmp32 && BPF_SRC(in->code) == BPF_X) {
		bool dp = d->type == ANALYSIS_PKT, sp = s->type == ANALYSIS_PKT;
		bool de = d->type == ANALYSIS_PKT_END, se = s->type == ANALYSIS_PKT_END;

		if ((dp && se) || (de && sp)) {
			unsigned int pr = dp ? in->dst_reg : in->src_reg;
			/* normalise to "pkt OP end" */
			uint8_t o = op;

			if (de) {
				switch (op) {
				case BPF_JGT: o = BPF_JLT; break;
				case BPF_JLT: o = BPF_JGT; break;
				case BPF_JGE: o = BPF_JLE; break;
				case BPF_JLE: o = BPF_JGE; break;
				}
			}
			switch (o) {
			case BPF_JGT: /* pkt > end; not taken: pkt <= end */
				if (!taken)
					pkt_good(st, pr, false);
				break;
			case BPF_JLT: /* pkt < end */
				if (taken)
					pkt_good(st, pr, true);
				break;
			case BPF_JGE: /* not taken: pkt < end */
				if (!taken)
					pkt_good(st, pr, true);
				break;
			case BPF_JLE:
				if (taken)
					pkt_good(st, pr, false);
				break;
			}
			return true;
		}
	}
	if (d->type == ANALYSIS_SCALAR && s->type == ANALYSIS_SCALAR)
		return analysis_scalar_cond(&d->s, &s->s, op, jmp32, taken);
	return true;
}

/* ---- the fixpoint --------------------------------------------------------- */

static void flow_into(struct fwd *f, uint32_t target_insn, const struct analysis_state *st,
		      uint32_t *queue, uint32_t *qlen, bool *queued)
{
	const struct prog *p = f->a->p;
	int32_t b = p->insn_block[target_insn];
	bool widen;

	if (b < 0)
		return;
	widen = f->visits[b] >= WIDEN_AFTER;
	if (state_join(&f->entry[b], st, widen, (uint32_t)b) && !queued[b]) {
		queued[b] = true;
		queue[(*qlen)++] = (uint32_t)b;
	}
}

static int run_subprog(struct fwd *f, uint32_t sp, uint32_t *queue, bool *queued)
{
	const struct prog *p = f->a->p;
	const struct prog_subprog *s = &p->subprogs[sp];
	struct analysis_state *st;
	uint32_t qlen = 0, first = s->first_block;

	if (!s->nblocks)
		return 0;
	f->entry[first] = f->callee_entry[sp];
	if (!f->entry[first].reached)
		return 0;
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	queue[qlen++] = first;
	queued[first] = true;
	while (qlen) {
		/* take the lowest block: program order converges fastest */
		uint32_t k, best = 0, b, i, last;
		const struct bpf_insn *in;

		for (k = 1; k < qlen; k++)
			if (queue[k] < queue[best])
				best = k;
		b = queue[best];
		queue[best] = queue[--qlen];
		queued[b] = false;
		if (++f->visits[b] > MAX_VISITS_PER_BLOCK) {
			free(st);
			return set_msg(f->msg, f->msgsz, "insn %u: no fixpoint after %u visits",
				       p->blocks[b].first, MAX_VISITS_PER_BLOCK);
		}
		*st = f->entry[b];
		last = p->blocks[b].last;
		for (i = p->blocks[b].first;; i += prog_insn_is_ldimm64(&p->insns[i]) ? 2 : 1) {
			f->a->states[i] = *st;
			if (i == last)
				break;
			step(f, st, i);
		}
		in = &p->insns[last];
		if (prog_insn_is_exit(in)) {
			if (!f->ret_reached[sp])
				f->ret_seen[sp] = st->regs[BPF_REG_0];
			else
				join_reg(&f->ret_seen[sp], &st->regs[BPF_REG_0], false, b);
			f->ret_reached[sp] = true;
			continue;
		}
		if (prog_insn_is_jump(in) && !(BPF_CLASS(in->code) == BPF_JMP &&
					       (BPF_OP(in->code) == BPF_JA))) {
			struct analysis_state *t = malloc(sizeof(*t));

			if (!t) {
				free(st);
				return -ENOMEM;
			}
			*t = *st;
			if (branch(t, in, true))
				flow_into(f, (uint32_t)prog_jump_target(p->insns, last), t, queue,
					  &qlen, queued);
			if (branch(st, in, false))
				flow_into(f, last + 1, st, queue, &qlen, queued);
			free(t);
		} else if (prog_insn_is_jump(in)) {
			flow_into(f, (uint32_t)prog_jump_target(p->insns, last), st, queue, &qlen,
				  queued);
		} else {
			step(f, st, last);
			flow_into(f, last + (prog_insn_is_ldimm64(in) ? 2 : 1), st, queue, &qlen,
				  queued);
		}
	}
	free(st);
	return 0;
}

/* Subprograms callers first (the call graph of a valid program is a DAG). */
static int order_subprogs(const struct prog *p, uint32_t *order)
{
	uint32_t n = p->nsubprogs, done = 0, s, i;
	uint32_t *indeg = calloc(n, sizeof(*indeg));
	bool *out = calloc(n, sizeof(*out));

	if (!indeg || !out) {
		free(indeg);
		free(out);
		return -ENOMEM;
	}
	for (i = 0; i < p->len; i++)
		if (prog_insn_is_pseudo_call(&p->insns[i]))
			indeg[subprog_of(p, i + p->insns[i].imm + 1)]++;
	while (done < n) {
		bool progress = false;

		for (s = 0; s < n; s++) {
			if (out[s] || indeg[s])
				continue;
			out[s] = true;
			order[done++] = s;
			progress = true;
			for (i = p->subprogs[s].start; i < p->subprogs[s].end; i++)
				if (prog_insn_is_pseudo_call(&p->insns[i]))
					indeg[subprog_of(p, i + p->insns[i].imm + 1)]--;
		}
		if (!progress) /* recursion: the kernel rejects it; take the rest in order */
			for (s = 0; s < n; s++)
				if (!out[s]) {
					out[s] = true;
					order[done++] = s;
				}
	}
	free(indeg);
	free(out);
	return 0;
}

/* One pass over all subprograms, callers first, under f->ret_assumed. */
static int one_round(struct fwd *f, const uint32_t *order, uint32_t *queue, bool *queued)
{
	const struct prog *p = f->a->p;
	uint32_t s, i;
	int err;

	for (i = 0; i < p->len; i++)
		f->a->states[i].reached = false;
	for (i = 0; i < p->nblocks; i++) {
		state_init(&f->entry[i]);
		f->visits[i] = 0;
	}
	for (s = 0; s < p->nsubprogs; s++) {
		state_init(&f->callee_entry[s]);
		f->ret_reached[s] = false;
	}
	/* main: r1 = ctx, r10 = fp */
	f->callee_entry[0].reached = true;
	mark_type(&f->callee_entry[0].regs[BPF_REG_1], ANALYSIS_CTX);
	mark_type(&f->callee_entry[0].regs[BPF_REG_10], ANALYSIS_STACK);
	/* callbacks (LD_IMM64 of a function): arguments unknown */
	for (i = 0; i < p->len; i++) {
		const struct bpf_insn *in = &p->insns[i];
		struct analysis_state cb;
		unsigned int r;

		if (!prog_insn_is_ldimm64(in) || in->src_reg != BPF_PSEUDO_FUNC)
			continue;
		state_init(&cb);
		cb.reached = true;
		mark_type(&cb.regs[BPF_REG_10], ANALYSIS_STACK);
		for (r = 1; r <= 5; r++)
			mark_type(&cb.regs[r], ANALYSIS_UNKNOWN);
		state_join(&f->callee_entry[subprog_of(p, i + in->imm + 1)], &cb, false, 0);
		i++;
	}
	for (s = 0; s < p->nsubprogs; s++) {
		err = run_subprog(f, order[s], queue, queued);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Callers are analysed before callees (for the arguments), so what a callee
 * returns is an assumption: first "a scalar", then what the exits produced
 * in that round, then, round after round, the join of the assumption with
 * what they produced, until every assumption covers its result.  Most programs need one round (no calls) or
 * two; a program that does not settle gets UNKNOWN for every return.
 */
#define MAX_ROUNDS 6

static int forward(struct analysis *a, char *msg, size_t msgsz)
{
	const struct prog *p = a->p;
	struct fwd f = {.a = a, .msg = msg, .msgsz = msgsz};
	uint32_t *queue = NULL, *order = NULL, s, round;
	bool *queued = NULL;
	int err = -ENOMEM;

	f.entry = calloc(p->nblocks ? p->nblocks : 1, sizeof(*f.entry));
	f.visits = calloc(p->nblocks ? p->nblocks : 1, sizeof(*f.visits));
	f.callee_entry = calloc(p->nsubprogs, sizeof(*f.callee_entry));
	f.changes_pkt = malloc(p->nsubprogs);
	f.ret_assumed = calloc(p->nsubprogs, sizeof(*f.ret_assumed));
	f.ret_seen = calloc(p->nsubprogs, sizeof(*f.ret_seen));
	f.ret_reached = calloc(p->nsubprogs, sizeof(*f.ret_reached));
	queue = calloc(p->nblocks ? p->nblocks : 1, sizeof(*queue));
	queued = calloc(p->nblocks ? p->nblocks : 1, sizeof(*queued));
	order = calloc(p->nsubprogs, sizeof(*order));
	if (!f.entry || !f.visits || !f.callee_entry || !f.changes_pkt || !f.ret_assumed ||
	    !f.ret_seen || !f.ret_reached || !queue || !queued || !order)
		goto out;
	memset(f.changes_pkt, -1, p->nsubprogs);
	for (s = 0; s < p->nsubprogs; s++)
		mark_scalar(&f.ret_assumed[s]);
	err = order_subprogs(p, order);
	if (err)
		goto out;
	for (round = 0;; round++) {
		bool settled = true;

		err = one_round(&f, order, queue, queued);
		if (err || p->nsubprogs == 1)
			goto out;
		for (s = 1; s < p->nsubprogs; s++) {
			struct analysis_reg j = f.ret_assumed[s];

			if (!f.ret_reached[s])
				continue;
			if (round == 0)
				j = f.ret_seen[s]; /* a better guess than "a scalar" */
			else
				join_reg(&j, &f.ret_seen[s], round >= 2, 0);
			if (j.type == ANALYSIS_NOT_INIT)
				mark_type(&j, ANALYSIS_UNKNOWN);
			if (!reg_eq(&j, &f.ret_assumed[s])) {
				f.ret_assumed[s] = j;
				settled = false;
			}
		}
		if (settled)
			break;
		if (round + 1 == MAX_ROUNDS) {
			for (s = 0; s < p->nsubprogs; s++)
				mark_type(&f.ret_assumed[s], ANALYSIS_UNKNOWN);
			err = one_round(&f, order, queue, queued);
			break;
		}
	}
out:
	if (err == -ENOMEM)
		set_msg(msg, msgsz, "out of memory");
	free(f.entry);
	free(f.visits);
	free(f.callee_entry);
	free(f.changes_pkt);
	free(f.ret_assumed);
	free(f.ret_seen);
	free(f.ret_reached);
	free(queue);
	free(queued);
	free(order);
	return err;
}

/* ---- the object ----------------------------------------------------------- */

struct analysis *analysis__new(const struct prog *p, const struct analysis_env *env, char *msg,
			       size_t msgsz)
{
	struct analysis *a;
	int err = -ENOMEM;
	uint32_t n;

	if (!p || !p->len) {
		set_msg(msg, msgsz, "empty program");
		errno = EINVAL;
		return NULL;
	}
	n = p->len;
	a = calloc(1, sizeof(*a));
	if (!a)
		goto fail;
	a->p = p;
	a->env = env;
	a->states = calloc(n, sizeof(*a->states)); /* reached = false everywhere */
	a->live_in = calloc(n, sizeof(*a->live_in));
	a->live_out = calloc(n, sizeof(*a->live_out));
	a->slive_in = calloc(n, sizeof(*a->slive_in));
	a->slive_out = calloc(n, sizeof(*a->slive_out));
	if (!a->states || !a->live_in || !a->live_out || !a->slive_in || !a->slive_out) {
		set_msg(msg, msgsz, "out of memory");
		goto fail;
	}
	err = forward(a, msg, msgsz);
	if (err)
		goto fail;
	err = analysis_liveness(a, msg, msgsz);
	if (err)
		goto fail;
	return a;
fail:
	analysis__free(a);
	errno = -err;
	return NULL;
}

void analysis__free(struct analysis *a)
{
	if (!a)
		return;
	free(a->states);
	free(a->live_in);
	free(a->live_out);
	free(a->slive_in);
	free(a->slive_out);
	free(a);
}

bool analysis_reachable(const struct analysis *a, uint32_t i)
{
	return a && i < a->p->len && a->states[i].reached;
}

const struct analysis_reg *analysis_reg(const struct analysis *a, uint32_t i, unsigned int regno)
{
	if (!analysis_reachable(a, i) || regno >= ANALYSIS_NREGS)
		return NULL;
	return &a->states[i].regs[regno];
}

const struct analysis_slot *analysis_slot(const struct analysis *a, uint32_t i, unsigned int slot)
{
	if (!analysis_reachable(a, i) || slot >= ANALYSIS_NSLOTS)
		return NULL;
	return &a->states[i].slots[slot];
}
