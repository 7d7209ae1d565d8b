// SPDX-License-Identifier: MIT
/*
 * core/smt: helper calls and LD_ABS/LD_IND in the encoding.
 *
 * Three kinds of helper:
 *
 *   the map helpers, modelled precisely (smt_maps.c): a lookup is a pure
 *   function of the key bytes and the map's contents, so a dead lookup can
 *   be proven away; updates and deletes change the map's state;
 *
 *   helpers that only read the packet and whose result the kernel defines
 *   exactly (skb_load_bytes, xdp_load_bytes), and xdp_store_bytes, which
 *   writes it without moving it: encoded as what they compute, with no
 *   event at all;
 *
 *   everything in the prototype table below: an ordered, uninterpreted
 *   event (DESIGN.md, "Equivalence").  The k-th call of each program is
 *   compared -- the helper id, the scalar and map arguments, and the bytes
 *   behind the pointer arguments the helper reads -- and returns the fresh
 *   value helper_ret<k>, shared by the two programs.  Memory a helper writes
 *   becomes fresh bytes helper_mem<k>[i], shared too (for helpers that may
 *   leave some bytes alone, such as probe_read_str past the NUL, a shared
 *   fresh mask helper_wmask<k>[i] says which bytes were written).  Sharing
 *   is sound because the values are only compared when the calls match:
 *   the same helper, arguments and bytes read, hence the same result.
 *
 * Tail calls: an event, and an exit where they succeed (smt_tail_call()).
 *
 * A size argument must be a constant the encoder can see.  A helper not in
 * the table (the packet-changing helpers xdp_adjust_head/tail/
 * meta, skb_store_bytes (which may also recompute the checksum), the csum_replace and skb_change_* helpers, whose
 * effect on the packet's contents and boundaries the packet model does not
 * follow) is UNKNOWN with its name or number.
 *
 * LD_ABS/LD_IND: the kernel's bpf_skb_load_helper_{8,16,32} as core/interp
 * runs them: big-endian bytes of the packet at a non-negative offset below
 * skb->len (the model's slen: at least the linear length plen), else the
 * program exits with r0 = 0.  Negative offsets (SKF_NET_OFF, SKF_LL_OFF)
 * read through a function of the offset shared by the two programs, as long
 * as neither has written the packet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/smt_internal.h"

enum {
	A_NONE = 0,
	A_SCALAR, /* compared as a value */
	A_ANY,	  /* a scalar the helper may not read: may be uninitialized */
	A_ADDR,	  /* a scalar address the helper reads kernel memory at */
	A_MAP,	  /* a map (T_MAPOBJ) */
	A_CTX,	  /* the ctx pointer itself */
	A_RD,	  /* memory the helper reads: its bytes are compared */
	A_WR,	  /* memory the helper overwrites entirely */
	A_WRP,	  /* memory the helper may write in part */
	A_RDWRP,  /* memory the helper reads, then may write in part */
};

struct hproto {
	int32_t id;
	const char *name;
	uint8_t ret32;	 /* the result is a u32 */
	uint8_t kind[5]; /* per argument r1..r5 */
	int8_t size[5];	 /* memory arguments: > 0 bytes, < 0: -(argument number) holding it */
};

static const struct hproto protos[] = {
	{BPF_FUNC_ktime_get_ns, "ktime_get_ns", 0, {0}, {0}},
	{BPF_FUNC_get_prandom_u32, "get_prandom_u32", 1, {0}, {0}},
	{BPF_FUNC_get_smp_processor_id, "get_smp_processor_id", 1, {0}, {0}},
	{BPF_FUNC_get_current_pid_tgid, "get_current_pid_tgid", 0, {0}, {0}},
	{BPF_FUNC_get_current_uid_gid, "get_current_uid_gid", 0, {0}, {0}},
	{BPF_FUNC_get_current_task, "get_current_task", 0, {0}, {0}},
	{BPF_FUNC_get_numa_node_id, "get_numa_node_id", 0, {0}, {0}},
	{BPF_FUNC_jiffies64, "jiffies64", 0, {0}, {0}},
	{BPF_FUNC_ktime_get_boot_ns, "ktime_get_boot_ns", 0, {0}, {0}},
	{BPF_FUNC_redirect, "redirect", 0, {A_SCALAR, A_SCALAR}, {0}},
	{BPF_FUNC_redirect_map, "redirect_map", 0, {A_MAP, A_SCALAR, A_SCALAR}, {0}},
	{BPF_FUNC_perf_event_output,
	 "perf_event_output",
	 0,
	 {A_CTX, A_MAP, A_SCALAR, A_RD, A_SCALAR},
	 {0, 0, 0, -5, 0}},
	{BPF_FUNC_ringbuf_output, "ringbuf_output", 0, {A_MAP, A_RD, A_SCALAR, A_SCALAR}, {0, -3}},
	{BPF_FUNC_get_stackid, "get_stackid", 0, {A_CTX, A_MAP, A_SCALAR}, {0}},
	{BPF_FUNC_trace_printk,
	 "trace_printk",
	 0,
	 {A_RD, A_SCALAR, A_ANY, A_ANY, A_ANY},
	 {-2}},
	{BPF_FUNC_probe_read, "probe_read", 0, {A_WR, A_SCALAR, A_ADDR}, {-2}},
	{BPF_FUNC_probe_read_kernel, "probe_read_kernel", 0, {A_WR, A_SCALAR, A_ADDR}, {-2}},
	{BPF_FUNC_probe_read_user, "probe_read_user", 0, {A_WR, A_SCALAR, A_ADDR}, {-2}},
	{BPF_FUNC_probe_read_str, "probe_read_str", 0, {A_WRP, A_SCALAR, A_ADDR}, {-2}},
	{BPF_FUNC_probe_read_kernel_str,
	 "probe_read_kernel_str",
	 0,
	 {A_WRP, A_SCALAR, A_ADDR},
	 {-2}},
	{BPF_FUNC_probe_read_user_str, "probe_read_user_str", 0, {A_WRP, A_SCALAR, A_ADDR}, {-2}},
	/* strscpy() in 6.1: the bytes after the NUL are left as they were */
	{BPF_FUNC_get_current_comm, "get_current_comm", 0, {A_WRP, A_SCALAR}, {-2}},
	{BPF_FUNC_fib_lookup, "fib_lookup", 0, {A_CTX, A_RDWRP, A_SCALAR, A_SCALAR}, {0, -3}},
	{BPF_FUNC_csum_diff,
	 "csum_diff",
	 0,
	 {A_RD, A_SCALAR, A_RD, A_SCALAR, A_SCALAR},
	 {-2, 0, -4}},
	/*
	 * tc's tunnel metadata and xfrm state: net/core/filter.c of 6.1.  The
	 * getters write all `size` bytes on every path (the fields, or zeros on
	 * an error); the setters read `size` bytes.  Neither touches the packet
	 * or a field of __sk_buff a program can read.
	 */
	{BPF_FUNC_skb_get_tunnel_key,
	 "skb_get_tunnel_key",
	 0,
	 {A_CTX, A_WR, A_SCALAR, A_SCALAR},
	 {0, -3}},
	{BPF_FUNC_skb_set_tunnel_key,
	 "skb_set_tunnel_key",
	 0,
	 {A_CTX, A_RD, A_SCALAR, A_SCALAR},
	 {0, -3}},
	{BPF_FUNC_skb_get_tunnel_opt, "skb_get_tunnel_opt", 0, {A_CTX, A_WR, A_SCALAR}, {0, -3}},
	{BPF_FUNC_skb_set_tunnel_opt, "skb_set_tunnel_opt", 0, {A_CTX, A_RD, A_SCALAR}, {0, -3}},
	{BPF_FUNC_skb_get_xfrm_state,
	 "skb_get_xfrm_state",
	 0,
	 {A_CTX, A_SCALAR, A_WR, A_SCALAR, A_SCALAR},
	 {0, 0, -4}},
	/* the socket's cgroup, the device's MTU: kernel state, not the packet's bytes */
	{BPF_FUNC_skb_cgroup_id, "skb_cgroup_id", 0, {A_CTX}, {0}},
	{BPF_FUNC_skb_ancestor_cgroup_id, "skb_ancestor_cgroup_id", 0, {A_CTX, A_SCALAR}, {0}},
	/* reads *mtu_len, writes it except on one -EINVAL path of the skb variant */
	{BPF_FUNC_check_mtu,
	 "check_mtu",
	 0,
	 {A_CTX, A_SCALAR, A_RDWRP, A_SCALAR, A_SCALAR},
	 {0, 0, 4}},
	/* the redirect target, set where bpf_redirect sets it; params may be NULL with 0 */
	{BPF_FUNC_redirect_neigh,
	 "redirect_neigh",
	 0,
	 {A_SCALAR, A_RD, A_SCALAR, A_SCALAR},
	 {0, -3}},
	{BPF_FUNC_redirect_peer, "redirect_peer", 0, {A_SCALAR, A_SCALAR}, {0}},
	/* skb->ip_summed and csum_level: read back only through this helper */
	{BPF_FUNC_csum_level, "csum_level", 0, {A_CTX, A_SCALAR}, {0}},
	{BPF_FUNC_ktime_get_coarse_ns, "ktime_get_coarse_ns", 0, {0}, {0}},
	{BPF_FUNC_ktime_get_tai_ns, "ktime_get_tai_ns", 0, {0}, {0}},
	/*
	 * Not trace_vprintk: its data array is raw u64s, and a %s there reads
	 * a string at whatever address one holds -- the program's own stack,
	 * spilled there as a number, whose bytes the comparison would not see.
	 */
};

/* Names for the helpers left UNKNOWN on purpose, for the message. */
static const struct {
	int32_t id;
	const char *why;
} refused[] = {
	{BPF_FUNC_xdp_adjust_head, "xdp_adjust_head (moves the packet's start)"},
	{BPF_FUNC_xdp_adjust_tail, "xdp_adjust_tail (moves the packet's end)"},
	{BPF_FUNC_xdp_adjust_meta, "xdp_adjust_meta (moves the metadata's start)"},
	{BPF_FUNC_skb_store_bytes, "skb_store_bytes (writes the packet)"},
	{BPF_FUNC_l3_csum_replace, "l3_csum_replace (writes the packet)"},
	{BPF_FUNC_l4_csum_replace, "l4_csum_replace (writes the packet)"},
	{BPF_FUNC_skb_change_head, "skb_change_head (changes the packet)"},
	{BPF_FUNC_skb_change_tail, "skb_change_tail (changes the packet)"},
	{BPF_FUNC_skb_change_proto, "skb_change_proto (changes the packet)"},
	{BPF_FUNC_skb_adjust_room, "skb_adjust_room (changes the packet)"},
	{BPF_FUNC_skb_vlan_push, "skb_vlan_push (changes the packet)"},
	{BPF_FUNC_skb_vlan_pop, "skb_vlan_pop (changes the packet)"},
	{BPF_FUNC_skb_pull_data, "skb_pull_data (changes the packet pointers)"},
};

static const struct hproto *proto_of(int32_t id)
{
	size_t n;

	for (n = 0; n < sizeof(protos) / sizeof(protos[0]); n++)
		if (protos[n].id == id)
			return &protos[n];
	return NULL;
}

bool smt_helper_arg_is_mem(int32_t id, unsigned arg)
{
	const struct hproto *h = proto_of(id);

	if (id == BPF_FUNC_map_lookup_elem || id == BPF_FUNC_map_delete_elem)
		return arg == 1;
	if (id == BPF_FUNC_map_update_elem)
		return arg == 1 || arg == 2;
	if (!h || arg >= 5)
		return false;
	return h->kind[arg] >= A_RD;
}

bool smt_helper_arg_counts(int32_t id, unsigned arg)
{
	const struct hproto *h = proto_of(id);

	if (arg >= 5)
		return false;
	if (!h)
		return id == BPF_FUNC_map_lookup_elem ? arg == 0 : true;
	return h->kind[arg] != A_NONE && h->kind[arg] < A_RD;
}

bool smt_call_is_event(const struct smt_env *env, int32_t id)
{
	uint32_t m;

	if (proto_of(id))
		return true;
	if (id != BPF_FUNC_map_lookup_elem)
		return false;
	/* LRU lookups are events; the trace does not say which map a lookup used */
	for (m = 0; m < env->nmaps; m++)
		if (env->maps[m].type == BPF_MAP_TYPE_LRU_HASH ||
		    env->maps[m].type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
			return true;
	return false;
}

static Z3_ast bool_var(struct smt_ctx *s, const char *name, Z3_sort dom)
{
	Z3_sort arr = Z3_mk_array_sort(s->z, dom, Z3_mk_bool_sort(s->z));

	return smt_var(s, name, arr);
}

static void add_hint(struct insn_env *ie, struct sstate *st, Z3_ast h)
{
	struct smt_ctx *s = ie->s;

	if (ie->out->nhints < SMT_MAX_HINTS)
		ie->out->hints[ie->out->nhints++] = T(Z3_mk_implies(s->z, st->pc, h));
}

/* The whole packet's length: at least the linear part (plen). */
static Z3_ast whole_len(struct insn_env *ie, struct sstate *st)
{
	struct smt_ctx *s = ie->s;
	Z3_ast slen = smt_var(s, "slen", s->bv64);

	s->slen = slen; /* the exit compares the packet's bytes up to it */

	st->pc = smt_and2(s, st->pc, T(Z3_mk_bvule(s->z, s->plen, slen)));
	st->pc = smt_and2(s, st->pc, T(Z3_mk_bvule(s->z, slen, smt_bvk(s, SMT_PKT_MAX))));
	/* the interpreter's packets are linear */
	add_hint(ie, st, smt_eq(s, slen, s->plen));
	return slen;
}

/* Read @n bytes at @p (little-endian concatenation: byte 0 lowest). */
static int read_bytes(struct insn_env *ie, struct sstate *st, struct sval p, uint32_t n,
		      Z3_ast *out)
{
	struct smt_ctx *s = ie->s;
	Z3_ast v = NULL;
	uint32_t j;

	for (j = 0; j < n; j++) {
		Z3_ast b = NULL;

		if (smt_mem_access(ie, st, p, j, 1, false, &b, T_SCALAR) < 0)
			return -1;
		v = v ? T(Z3_mk_concat(s->z, b, v)) : b;
	}
	*out = v;
	return 0;
}

static int write_byte(struct insn_env *ie, struct sstate *st, struct sval p, uint32_t j, Z3_ast b)
{
	return smt_mem_access(ie, st, p, j, 1, true, &b, T_SCALAR) < 0 ? -1 : 0;
}

/*
 * Byte @j at @p as it is before a helper writes it; stack bytes never written
 * are the initial stack's (what the kernel's stack held).
 */
static int old_byte(struct insn_env *ie, struct sstate *st, struct sval p, uint32_t j, Z3_ast *b)
{
	struct smt_ctx *s = ie->s;
	int64_t k;

	if (p.tag != T_STACK)
		return smt_mem_access(ie, st, p, j, 1, false, b, T_SCALAR) < 0 ? -1 : 0;
	if (!smt_const_of(s, T(Z3_mk_bvsub(s->z, p.v, smt_bvk(s, (int64_t)smt_region_base(T_STACK)))),
			  &k) ||
	    !smt_stack_ok(st, k + j, 1)) {
		smt_unsup(s, ie->i, "%s", "helper write at a variable or bad stack offset");
		return -1;
	}
	*b = smt_enc_stack_byte(s, st, (int)(k + j));
	return 0;
}

/* Packet byte @off (from data) in @st, in either memory encoding. */
static Z3_ast pkt_byte(struct smt_ctx *s, const struct sstate *st, Z3_ast off)
{
	return smt_enc_mem_byte(s, st, T_PKT, off);
}

/* Whether @st may have written the packet (plain: any memory at all). */
static bool pkt_written(struct smt_ctx *s, const struct sstate *st)
{
	return s->env->plain ? st->mem != s->mem0 : st->pkt != s->pkt0;
}

static bool const_size(struct smt_ctx *s, struct sval a, int64_t *n)
{
	return a.tag == T_SCALAR && smt_const_of(s, a.v, n) && *n >= 0 && *n <= 4096;
}

/*
 * skb_load_bytes(skb, off, to, len) and xdp_load_bytes(xdp, off, buf, len):
 * the kernel's bpf_skb_load_bytes() (offset above INT_MAX or past skb->len:
 * zeroes and -EFAULT) and __bpf_xdp_load_bytes() (offset or length above
 * 0xffff: -EFAULT, past the frame: -EINVAL, the buffer left alone).
 */
static int load_bytes(struct insn_env *ie, struct sstate *st, int32_t id)
{
	struct smt_ctx *s = ie->s;
	bool xdp = id == BPF_FUNC_xdp_load_bytes;
	struct sval to = st->r[3];
	Z3_ast off, len, ok, slen, ret, bad;
	int64_t n;
	uint32_t j;

	if (st->r[1].tag != T_CTX || st->r[2].tag != T_SCALAR || !const_size(s, st->r[4], &n) ||
	    !smt_is_ptr(to.tag)) {
		smt_unsup(s, ie->i, "%s", "load_bytes with arguments not modelled (a size that is "
					 "not a constant?)");
		return -1;
	}
	if ((xdp && s->env->prog_type != BPF_PROG_TYPE_XDP) ||
	    (!xdp && s->env->prog_type == BPF_PROG_TYPE_XDP)) {
		smt_unsup(s, ie->i, "%s", "load_bytes helper of another program type");
		return -1;
	}
	off = smt_zext(s, 32, smt_ext(s, 31, 0, st->r[2].v));
	len = smt_bvk(s, n);
	slen = whole_len(ie, st);
	ok = T(Z3_mk_bvule(s->z, smt_add(s, off, len), slen));
	if (xdp) {
		bad = T(Z3_mk_bvugt(s->z, off, smt_bvk(s, 0xffff)));
		if (n > 0xffff)
			bad = T(Z3_mk_true(s->z));
		ret = smt_ite(s, bad, smt_bvk(s, -EFAULT), smt_ite(s, ok, smt_bvk(s, 0),
								  smt_bvk(s, -EINVAL)));
	} else {
		bad = T(Z3_mk_bvugt(s->z, off, smt_bvk(s, 0x7fffffff)));
		ret = smt_ite(s, bad, smt_bvk(s, -EFAULT), smt_ite(s, ok, smt_bvk(s, 0),
								  smt_bvk(s, -EFAULT)));
	}
	ok = smt_and2(s, ok, smt_not(s, bad));
	for (j = 0; j < n; j++) {
		Z3_ast pb = pkt_byte(s, st, smt_add(s, off, smt_bvk(s, j)));
		Z3_ast old = NULL, b;

		if (xdp) {
			/* the buffer keeps what it held (it may be uninitialized stack) */
			if (old_byte(ie, st, to, j, &old))
				return -1;
			b = smt_ite(s, ok, pb, old);
		} else {
			b = smt_ite(s, ok, pb, smt_bv(s, 0, 8));
		}
		if (write_byte(ie, st, to, j, b))
			return -1;
	}
	st->r[0].v = ret;
	st->r[0].tag = T_SCALAR;
	return 0;
}

/*
 * xdp_store_bytes(xdp, off, buf, len): __bpf_xdp_store_bytes() of 6.1, the
 * mirror of xdp_load_bytes: offset or length above 0xffff: -EFAULT; past
 * the frame (xdp_get_buff_len(), the fragments included): -EINVAL; else the
 * bytes of buf (read first: it may be the packet itself) at off, and 0.
 */
static int store_bytes(struct insn_env *ie, struct sstate *st)
{
	struct smt_ctx *s = ie->s;
	struct sval from = st->r[3];
	Z3_ast off, ok, bad, ret, v;
	int64_t n;
	uint32_t j;

	if (s->env->prog_type != BPF_PROG_TYPE_XDP || st->r[1].tag != T_CTX ||
	    st->r[2].tag != T_SCALAR || !const_size(s, st->r[4], &n) || !smt_is_ptr(from.tag)) {
		smt_unsup(s, ie->i, "%s", "xdp_store_bytes with arguments not modelled (a size "
					 "that is not a constant?)");
		return -1;
	}
	if (read_bytes(ie, st, from, (uint32_t)n, &v))
		return -1;
	off = smt_zext(s, 32, smt_ext(s, 31, 0, st->r[2].v));
	ok = T(Z3_mk_bvule(s->z, smt_add(s, off, smt_bvk(s, n)), whole_len(ie, st)));
	bad = n > 0xffff ? T(Z3_mk_true(s->z)) : T(Z3_mk_bvugt(s->z, off, smt_bvk(s, 0xffff)));
	ret = smt_ite(s, bad, smt_bvk(s, -EFAULT),
		      smt_ite(s, ok, smt_bvk(s, 0), smt_bvk(s, -EINVAL)));
	ok = smt_and2(s, ok, smt_not(s, bad));
	for (j = 0; j < n; j++) {
		Z3_ast at = smt_add(s, off, smt_bvk(s, j));

		smt_enc_mem_store(s, st, T_PKT, at,
				  smt_ite(s, ok, smt_ext(s, 8 * j + 7, 8 * j, v), pkt_byte(s, st, at)));
	}
	st->r[0].v = ret;
	st->r[0].tag = T_SCALAR;
	return 0;
}

/* What core/interp's perf_event_output returns (no event is open): a replay hint. */
static Z3_ast perf_output_hint(struct smt_ctx *s, struct sstate *st, Z3_ast ret)
{
	const struct interp_map_def *d = &s->env->maps[st->r[2].tag - T_MAPOBJ];
	Z3_ast fl = st->r[3].v, idx, r;

	idx = T(Z3_mk_bvand(s->z, fl, smt_bvk(s, BPF_F_INDEX_MASK)));
	idx = smt_ite(s, smt_eq(s, idx, smt_bvk(s, BPF_F_CURRENT_CPU)), smt_bvk(s, 0), idx);
	r = smt_ite(s, T(Z3_mk_bvuge(s->z, idx, smt_bvk(s, d->max_entries))),
		    smt_bvk(s, -E2BIG), smt_bvk(s, -ENOENT));
	r = smt_ite(s,
		    T(Z3_mk_bvugt(s->z,
				  T(Z3_mk_bvlshr(s->z,
						 T(Z3_mk_bvand(s->z, fl,
							       smt_bvk(s, BPF_F_CTXLEN_MASK))),
						 smt_bvk(s, 32))),
				  s->plen)),
		    smt_bvk(s, -EFAULT), r);
	r = smt_ite(s,
		    smt_not(s, smt_eq(s,
				      T(Z3_mk_bvand(s->z, fl,
						    smt_bvk(s, (int64_t)~(BPF_F_CTXLEN_MASK |
									  BPF_F_INDEX_MASK)))),
				      smt_bvk(s, 0))),
		    smt_bvk(s, -EINVAL), r);
	return smt_eq(s, ret, r);
}

/*
 * perf_event_output's flags may ask for the first ctxlen bytes of the
 * packet (ctxlen: bits 32..51, possibly computed) to go out with the data.
 * The event keeps the packet as it is at the call and ctxlen: the exit
 * comparison asks for a byte below ctxlen that differs, unless ctxlen is
 * past skb->len or the frame's end, where the helper fails with -EFAULT and
 * sends nothing.
 */
static int perf_ctx_bytes(struct insn_env *ie, struct sstate *st, struct sevent *ev)
{
	struct smt_ctx *s = ie->s;
	int64_t fl;
	Z3_ast n;
	bool net = s->env->prog_type == BPF_PROG_TYPE_XDP ||
		   s->env->prog_type == BPF_PROG_TYPE_SCHED_CLS ||
		   s->env->prog_type == BPF_PROG_TYPE_SCHED_ACT ||
		   s->env->prog_type == BPF_PROG_TYPE_SOCKET_FILTER ||
		   s->env->prog_type == BPF_PROG_TYPE_CGROUP_SKB;

	if (smt_const_of(s, st->r[3].v, &fl) && !((uint64_t)fl & BPF_F_CTXLEN_MASK))
		return 0;
	if (!net) {
		smt_unsup(s, ie->i, "%s", "perf_event_output of ctx bytes not modelled");
		return -1;
	}
	n = T(Z3_mk_bvlshr(s->z, T(Z3_mk_bvand(s->z, st->r[3].v, smt_bvk(s, BPF_F_CTXLEN_MASK))),
			   smt_bvk(s, 32)));
	ev->pkt = s->env->plain ? st->mem : st->pkt;
	ev->pktlen = smt_ite(s, T(Z3_mk_bvule(s->z, n, whole_len(ie, st))), n, smt_bvk(s, 0));
	return 0;
}

/* The state's next event, for helper @id (the caller counts it in nev); NULL if too many. */
static struct sevent *new_event(struct insn_env *ie, struct sstate *st, int32_t id)
{
	struct smt_ctx *s = ie->s;
	struct sevent *ev;

	if (st->nev >= SMT_MAX_EVENTS) {
		smt_unsup(s, ie->i, "%s", "too many helper calls");
		return NULL;
	}
	ev = &st->ev[st->nev];
	memset(ev, 0, sizeof(*ev));
	ev->id = smt_bv(s, (uint32_t)id, 32);
	return ev;
}

static void clobber(struct sstate *st)
{
	int j;

	for (j = 1; j <= 5; j++)
		st->r[j].tag = T_UNINIT;
}

int smt_map_call(struct insn_env *ie, struct sstate *st, int32_t id);

int smt_call(struct insn_env *ie, struct sstate *st, int32_t id)
{
	struct smt_ctx *s = ie->s;
	const struct hproto *h;
	struct sevent *ev;
	char name[32];
	uint32_t k;
	size_t n;
	int j;

	if (id == BPF_FUNC_map_lookup_elem || id == BPF_FUNC_map_update_elem ||
	    id == BPF_FUNC_map_delete_elem) {
		if (smt_map_call(ie, st, id))
			return -1;
		clobber(st);
		return 0;
	}
	if (id == BPF_FUNC_skb_load_bytes || id == BPF_FUNC_xdp_load_bytes) {
		if (load_bytes(ie, st, id))
			return -1;
		clobber(st);
		return 0;
	}
	if (id == BPF_FUNC_xdp_store_bytes) {
		if (store_bytes(ie, st))
			return -1;
		clobber(st);
		return 0;
	}
	h = proto_of(id);
	if (!h) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%d", id);
		for (n = 0; n < sizeof(refused) / sizeof(refused[0]); n++)
			if (refused[n].id == id)
				snprintf(buf, sizeof(buf), "%d: %s", id, refused[n].why);
		smt_unsup(s, ie->i, "helper %s is not modelled", buf);
		return -1;
	}
	k = st->nev;
	ev = new_event(ie, st, id);
	if (!ev)
		return -1;
	/* arguments, and the bytes the helper reads, before anything is written */
	for (j = 0; j < 5; j++) {
		struct sval a = st->r[j + 1];
		int64_t sz = 0;

		ev->args[j] = smt_bvk(s, 0);
		if (h->kind[j] == A_NONE)
			continue;
		if (h->kind[j] == A_ANY && a.tag == T_UNINIT) {
			/* never read by the helper, or garbage in both programs */
			ev->args[j] = smt_var(s, "uninit_arg", s->bv64);
			continue;
		}
		if (a.tag == T_UNINIT) {
			smt_unsup(s, ie->i, "%s", "helper argument not initialized");
			return -1;
		}
		if (h->size[j] > 0) {
			sz = h->size[j];
		} else if (h->size[j] < 0 && !const_size(s, st->r[-h->size[j]], &sz)) {
			smt_unsup(s, ie->i, "%s", "helper memory size is not a constant");
			return -1;
		}
		switch (h->kind[j]) {
		case A_SCALAR:
		case A_ANY:
			if (a.tag != T_SCALAR) {
				smt_unsup(s, ie->i, "%s", "pointer passed as a helper's scalar");
				return -1;
			}
			ev->args[j] = a.v;
			break;
		case A_ADDR:
			/*
			 * Kernel memory at a scalar address: the same in both runs.  A
			 * pointer to the program's own stack, ctx or packet would read
			 * what each program wrote there: not modelled.
			 */
			if (a.tag != T_SCALAR) {
				smt_unsup(s, ie->i, "%s", "probe_read of the program's own memory");
				return -1;
			}
			ev->args[j] = a.v;
			break;
		case A_MAP:
			if (a.tag < T_MAPOBJ || a.tag >= T_MAPOBJ + SMT_MAX_MAPS) {
				smt_unsup(s, ie->i, "%s", "helper map argument is not a map");
				return -1;
			}
			ev->args[j] = a.v;
			break;
		case A_CTX: {
			int64_t v;

			if (a.tag != T_CTX || !smt_const_of(s, a.v, &v) ||
			    (uint64_t)v != smt_region_base(T_CTX)) {
				smt_unsup(s, ie->i, "%s", "helper ctx argument is not the ctx");
				return -1;
			}
			ev->args[j] = a.v;
			break;
		}
		case A_RD:
		case A_RDWRP: {
			Z3_ast b = NULL;

			if (!sz)
				break;
			if (!smt_is_ptr(a.tag)) {
				smt_unsup(s, ie->i, "%s", "helper memory argument is not a pointer");
				return -1;
			}
			if (read_bytes(ie, st, a, (uint32_t)sz, &b))
				return -1;
			ev->mem = ev->mem ? T(Z3_mk_concat(s->z, b, ev->mem)) : b;
			ev->mem_len += (uint32_t)sz;
			break;
		}
		default: /* written below */
			if (sz && !smt_is_ptr(a.tag)) {
				smt_unsup(s, ie->i, "%s", "helper memory argument is not a pointer");
				return -1;
			}
			break;
		}
	}
	if (id == BPF_FUNC_perf_event_output && perf_ctx_bytes(ie, st, ev))
		return -1;
	/* memory the helper writes: fresh bytes, shared by the k-th call of both */
	for (j = 0; j < 5; j++) {
		int64_t sz = h->size[j] > 0 ? h->size[j] : 0;
		Z3_ast mem, mask = NULL;
		uint32_t i;

		if (h->kind[j] != A_WR && h->kind[j] != A_WRP && h->kind[j] != A_RDWRP)
			continue;
		if (h->size[j] < 0)
			const_size(s, st->r[-h->size[j]], &sz);
		snprintf(name, sizeof(name), "helper_mem%u", k);
		mem = smt_var(s, name, s->mem_sort);
		if (h->kind[j] != A_WR) {
			snprintf(name, sizeof(name), "helper_wmask%u", k);
			mask = bool_var(s, name, s->bv64);
		}
		for (i = 0; i < sz; i++) {
			Z3_ast b = T(Z3_mk_select(s->z, mem, smt_bvk(s, i)));

			if (mask) {
				Z3_ast old = NULL;

				if (old_byte(ie, st, st->r[j + 1], i, &old))
					return -1;
				b = smt_ite(s, T(Z3_mk_select(s->z, mask, smt_bvk(s, i))), b, old);
			}
			if (write_byte(ie, st, st->r[j + 1], i, b))
				return -1;
		}
	}
	st->r[0].v = h->ret32 ? smt_zext(s, 32, smt_ext(s, 31, 0, s->hret[k])) : s->hret[k];
	st->r[0].tag = T_SCALAR;
	if (id == BPF_FUNC_perf_event_output)
		add_hint(ie, st, perf_output_hint(s, st, s->hret[k]));
	st->nev++;
	clobber(st);
	return 0;
}

/* ---- tail calls ---- */

/*
 * bpf_tail_call(ctx, prog_array, index): on success control goes to the
 * program in the slot and never comes back, which is an exit whose result
 * that program decides from what it can see -- the packet, the ctx, the
 * maps, exactly what an exit compares; not the stack, nor the registers
 * (it starts with r1 = ctx).  So the k-th call is an event (ctx, map, the
 * index's low 32 bits: the JIT compares a u32), and a path splits: one way
 * an exit with r0 the shared fresh tail_ret<k>, under the shared fresh
 * condition tail_ok<k>; the other goes on with r0 not initialized (the
 * verifier's RET_VOID) and r1-r5 clobbered.  Sharing is sound as for other
 * events: whether the call succeeds depends on the index, the slot (a
 * program cannot write a prog array) and the count of tail calls made
 * before on this path (the k before it, the same in both when the events
 * match); the result on what the exit compares.
 */
int smt_tail_call(struct insn_env *ie, struct sstate *st, struct sstate **done)
{
	struct smt_ctx *s = ie->s;
	struct sval c = st->r[1], m = st->r[2], x = st->r[3];
	struct sevent *ev;
	char name[32];
	Z3_ast ok;
	int64_t v;
	uint32_t k;

	if (c.tag != T_CTX || !smt_const_of(s, c.v, &v) ||
	    (uint64_t)v != smt_region_base(T_CTX)) {
		smt_unsup(s, ie->i, "%s", "tail_call: r1 is not the ctx");
		return -1;
	}
	if (m.tag < T_MAPOBJ || m.tag >= T_MAPOBJ + SMT_MAX_MAPS ||
	    s->env->maps[m.tag - T_MAPOBJ].type != BPF_MAP_TYPE_PROG_ARRAY) {
		smt_unsup(s, ie->i, "%s", "tail_call: r2 is not a prog array");
		return -1;
	}
	if (x.tag != T_SCALAR) {
		smt_unsup(s, ie->i, "%s", "tail_call: the index is not a scalar");
		return -1;
	}
	k = st->nev;
	ev = new_event(ie, st, BPF_FUNC_tail_call);
	if (!ev)
		return -1;
	ev->args[0] = c.v;
	ev->args[1] = m.v;
	ev->args[2] = smt_zext(s, 32, smt_ext(s, 31, 0, x.v));
	ev->args[3] = ev->args[4] = smt_bvk(s, 0);
	st->nev++;
	snprintf(name, sizeof(name), "tail_ok%u", k);
	ok = smt_var(s, name, Z3_mk_bool_sort(s->z));
	*done = smt_state_dup(st);
	if (!*done)
		return -1;
	(*done)->pc = smt_and2(s, st->pc, ok);
	snprintf(name, sizeof(name), "tail_ret%u", k);
	(*done)->r[0].v = smt_var(s, name, s->bv64);
	(*done)->r[0].tag = T_SCALAR;
	clobber(*done);
	st->pc = smt_and2(s, st->pc, smt_not(s, ok));
	st->r[0].tag = T_UNINIT;
	clobber(st);
	return 0;
}

/* ---- LD_ABS / LD_IND ---- */

static bool ld_abs_type(uint32_t t)
{
	return t == BPF_PROG_TYPE_SOCKET_FILTER || t == BPF_PROG_TYPE_SCHED_CLS ||
	       t == BPF_PROG_TYPE_SCHED_ACT;
}

int smt_ld_abs(struct insn_env *ie, struct sstate *st, const struct bpf_insn *in,
	       struct sstate **fail)
{
	struct smt_ctx *s = ie->s;
	static const uint32_t sizes[4] = {4, 2, 1, 0};
	uint32_t size = sizes[BPF_SIZE(in->code) >> 3], j;
	Z3_ast k, k64, neg, okp, okn, v = NULL, vn, bad, slen;
	Z3_sort dom;
	char name[32];
	int64_t kc;

	if (!size || (BPF_MODE(in->code) == BPF_ABS && in->src_reg) || in->dst_reg || in->off) {
		smt_unsup(s, ie->i, "%s", "invalid LD_ABS/LD_IND encoding");
		return -1;
	}
	if (!ld_abs_type(s->env->prog_type) || st->r[6].tag != T_CTX) {
		smt_unsup(s, ie->i, "%s", "LD_ABS/LD_IND outside a __sk_buff program or without "
					 "the ctx in r6");
		return -1;
	}
	k = smt_bv(s, (uint32_t)in->imm, 32);
	if (BPF_MODE(in->code) == BPF_IND) {
		struct sval x = st->r[in->src_reg];

		if (x.tag != T_SCALAR) {
			smt_unsup(s, ie->i, "%s", "LD_IND through a register that is not a scalar");
			return -1;
		}
		k = T(Z3_mk_bvadd(s->z, smt_ext(s, 31, 0, x.v), k));
	}
	neg = T(Z3_mk_bvslt(s->z, k, smt_bv(s, 0, 32)));
	if (pkt_written(s, st) && !(smt_const_of(s, neg, &kc) && !kc)) {
		smt_unsup(s, ie->i, "%s", "LD_ABS/LD_IND at a possibly negative offset after a "
					 "packet write");
		return -1;
	}
	k64 = smt_zext(s, 32, k);
	slen = whole_len(ie, st);
	okp = T(Z3_mk_bvule(s->z, smt_add(s, k64, smt_bvk(s, size)), slen));
	for (j = 0; j < size; j++) {
		Z3_ast b = pkt_byte(s, st, smt_add(s, k64, smt_bvk(s, j)));

		v = v ? T(Z3_mk_concat(s->z, v, b)) : b; /* big-endian */
	}
	/*
	 * SKF_NET_OFF / SKF_LL_OFF and other negative offsets: a function of the
	 * offset (and the packet, which neither program has written).
	 */
	dom = s->bv32;
	snprintf(name, sizeof(name), "ld_neg_ok%u", size);
	okn = T(Z3_mk_select(s->z, bool_var(s, name, dom), k));
	snprintf(name, sizeof(name), "ld_neg_val%u", size);
	vn = T(Z3_mk_select(s->z,
			    smt_var(s, name, Z3_mk_array_sort(s->z, dom,
							      Z3_mk_bv_sort(s->z, 8 * size))),
			    k));
	bad = smt_ite(s, neg, smt_not(s, okn), smt_not(s, okp));
	*fail = smt_state_dup(st);
	if (!*fail)
		return -1;
	(*fail)->pc = smt_and2(s, st->pc, bad);
	(*fail)->r[0].v = smt_bvk(s, 0);
	(*fail)->r[0].tag = T_SCALAR;
	clobber(*fail);
	st->pc = smt_and2(s, st->pc, smt_not(s, bad));
	st->r[0].v = smt_zext(s, 64 - 8 * size, smt_ite(s, neg, vn, v));
	st->r[0].tag = T_SCALAR;
	clobber(st);
	return 0;
}
