// SPDX-License-Identifier: MIT
/*
 * core/safety_mem: the verifier's rules for memory -- the context (which
 * offsets and sizes each program type's is_valid_access() allows), the
 * stack, the packet, map values -- and for the helpers' arguments.  The
 * rules themselves are listed in safety.c's comment.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/safety_internal.h"

/* ---- the context ---------------------------------------------------------- */

static bool in(int off, int lo, int hi)
{
	return off >= lo && off < hi;
}

/* bpf_skb_is_valid_access() of net/core/filter.c, the part the types share. */
static bool skb_access_ok(int off, int size, bool write)
{
	if (off + size > SKB_CTX_SIZE)
		return false;
	if (in(off, 48, 68)) /* cb[0..4] */
		return off + size <= 68 && (!write || size == 4);
	if (in(off, 92, 132) || off == 76 || off == 80 || off == 140) /* ips, data* */
		return size == 4 && !write;
	if (in(off, 144, 152) || in(off, 180, 184)) /* flow_keys, tstamp_type */
		return false;
	if (in(off, 152, 160) || in(off, 184, 192)) /* tstamp, hwtstamp */
		return size == 8 && off % 8 == 0;
	if (in(off, 168, 176)) /* sk: a pointer the model does not follow */
		return false;
	/* u32 fields: narrow reads, whole writes */
	return write ? size == 4 : size <= 4;
}

static bool ctx_access_ok(const struct safety_env *env, int off, int size, bool write)
{
	if (off < 0 || off % size)
		return false;
	switch (env->prog_type) {
	case BPF_PROG_TYPE_XDP:
		/* xdp_is_valid_access(): read-only; egress_ifindex only for devmap */
		return !write && size == 4 &&
		       (off <= 16 || (off == 20 && env->expected_attach_type == BPF_XDP_DEVMAP));
	case BPF_PROG_TYPE_SOCKET_FILTER:
		/* sk_filter_is_valid_access() */
		if (in(off, 72, 84) || off == 140 || in(off, 88, 140) || in(off, 152, 164) ||
		    in(off, 184, 192))
			return false;
		if (write && !in(off, 48, 68))
			return false;
		return skb_access_ok(off, size, write);
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
		/* tc_cls_act_is_valid_access() */
		if (write && !(in(off, 8, 16) || in(off, 44, 48) || in(off, 32, 36) ||
			       in(off, 72, 76) || in(off, 48, 68) || in(off, 152, 160)))
			return false;
		if (in(off, 88, 140))
			return false;
		if (write && in(off, 152, 160))
			return size == 8;
		return skb_access_ok(off, size, write);
	default:
		return false;
	}
}

static bool pkt_writable(enum bpf_prog_type t)
{
	return t == BPF_PROG_TYPE_XDP || t == BPF_PROG_TYPE_SCHED_CLS ||
	       t == BPF_PROG_TYPE_SCHED_ACT;
}

/* ---- memory ---------------------------------------------------------------- */

static bool var_bounded(const struct analysis_reg *r)
{
	return r->s.smin > -MAX_VAR_OFF && r->s.umax < (uint64_t)MAX_VAR_OFF;
}

/* Stack bytes [@off, @off + @size) all written, in one frame (@off < 0). */
static int stack_init(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		      int64_t off, int64_t size)
{
	int64_t b;

	for (b = off; b < off + size; b++) {
		unsigned int k = (unsigned int)((-b - 1) / 8);
		unsigned int bit = (unsigned int)(b + 8 * (k + 1));

		if (!(st->slots[k].init & (1u << bit)))
			return safety_reject(c, i,
					     "invalid read from stack off %lld+%lld size %lld",
					     (long long)off, (long long)(b - off), (long long)size);
	}
	return 0;
}

static int check_stack(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		       unsigned int regno, int16_t insn_off, unsigned int size, bool write,
		       bool read, const struct analysis_reg *val)
{
	const struct analysis_reg *r = &st->regs[regno];
	const struct analysis_slot *slot;
	int64_t off;

	if (r->s.mask) {
		/*
		 * check_stack_read_var_off(), privileged: a load into a register
		 * of bytes all inside the frame and (this model) all written,
		 * aligned as the variable offset's known low bits show; the
		 * verifier then knows nothing of the value (safety.c forgets
		 * it).  Writes at a variable offset are not modelled.
		 */
		int64_t lo = (int64_t)r->off + insn_off + r->s.smin;
		int64_t hi = (int64_t)r->off + insn_off + r->s.smax + size;

		if (write || !read || !var_bounded(r) || r->s.smax >= MAX_VAR_OFF)
			return safety_reject(c, i, "variable stack access R%u size=%u", regno,
					     size);
		if (lo < -ANALYSIS_STACK_SIZE || hi > 0)
			return safety_reject(c, i, "invalid variable-offset read from stack R%u",
					     regno);
		if ((r->s.mask & (size - 1)) ||
		    (((uint64_t)(int64_t)r->off + r->s.value + (uint64_t)(int64_t)insn_off) &
		     (size - 1)))
			return safety_reject(c, i, "misaligned variable stack access R%u size %u",
					     regno, size);
		for (off = lo; off < hi; off += 8) {
			slot = &st->slots[(-off - 1) / 8];
			if (slot->spilled && is_ptr(&slot->reg))
				return safety_reject(c, i,
						     "variable stack read of a spilled pointer");
		}
		return stack_init(c, i, st, lo, hi - lo);
	}
	off = (int64_t)r->off + (int64_t)r->s.value + insn_off;
	if (off < -ANALYSIS_STACK_SIZE || off + size > 0)
		return safety_reject(c, i, "invalid %s stack R%u off=%lld size=%u",
				     write ? "write to" : "read from", regno, (long long)off, size);
	if (off % size)
		return safety_reject(c, i, "misaligned stack access off %lld size %u",
				     (long long)off, size);
	slot = &st->slots[(-off - 1) / 8];
	if (write && val && is_ptr(val) && size != 8)
		return safety_reject(c, i, "invalid size of register spill");
	if (write && size != 8 && slot->spilled && is_ptr(&slot->reg))
		return safety_reject(c, i, "attempt to corrupt spilled pointer on stack");
	if (read) {
		if (slot->spilled && is_ptr(&slot->reg)) {
			if (size != 8)
				return safety_reject(c, i, "invalid size of register fill");
			return 0;
		}
		return stack_init(c, i, st, off, size);
	}
	return 0;
}

/* [@lo, @hi) of a pointer's target with access @insn_off, @size. */
static void ptr_span(const struct analysis_reg *r, int16_t insn_off, unsigned int size, int64_t *lo,
		     int64_t *hi)
{
	*lo = (int64_t)r->off + insn_off + r->s.smin;
	*hi = (int64_t)r->off + insn_off + (int64_t)r->s.umax + size;
}

/*
 * check_packet_access(): @size bytes at packet pointer @r + @insn_off.  A
 * packet pointer's range counts from the pointer's own variable offset
 * (registers share a range only where they share the variable part, by
 * id), so only the fixed offset is held against it; the variable part
 * must not be negative.
 */
static int check_pkt(struct safety_ctx *c, uint32_t i, const struct analysis_reg *r,
		     unsigned int regno, int16_t insn_off, uint64_t size)
{
	int64_t off = (int64_t)r->off + insn_off;

	if (!var_bounded(r))
		return safety_reject(c, i, "R%u unbounded memory access", regno);
	if (r->s.smin < 0)
		return safety_reject(c, i, "R%u min value is negative", regno);
	if (off < 0 || off + (int64_t)size > (int64_t)r->range)
		return safety_reject(c, i,
				     "invalid access to packet, off=%d size=%llu, R%u(off=%d,r=%u)",
				     insn_off, (unsigned long long)size, regno, r->off, r->range);
	return 0;
}

int safety_check_mem(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		     unsigned int regno, int16_t insn_off, unsigned int size, bool write, bool read,
		     bool atomic, const struct analysis_reg *val)
{
	const struct analysis_reg *r = &st->regs[regno];
	enum bpf_prog_type t = c->env->prog_type;
	int64_t lo, hi;

	switch (r->type) {
	case ANALYSIS_NOT_INIT:
		return safety_reject(c, i, "R%u !read_ok", regno);
	case ANALYSIS_STACK:
		return check_stack(c, i, st, regno, insn_off, size, write, read, val);
	case ANALYSIS_CTX:
		if (atomic)
			return safety_reject(c, i, "BPF_ATOMIC stores into R%u ctx is not allowed",
					     regno);
		if (r->s.mask)
			return safety_reject(c, i, "variable ctx access R%u", regno);
		if (r->off || r->s.value)
			return safety_reject(
				c, i, "dereference of modified ctx ptr R%u off=%lld disallowed",
				regno, (long long)(r->off + (int64_t)r->s.value));
		if (!ctx_access_ok(c->env, insn_off, (int)size, write))
			return safety_reject(c, i, "invalid bpf_context access off=%d size=%u%s",
					     insn_off, size, write ? " (write)" : "");
		return 0;
	case ANALYSIS_PKT:
	case ANALYSIS_PKT_META:
		if (atomic)
			return safety_reject(c, i, "BPF_ATOMIC stores into R%u pkt is not allowed",
					     regno);
		if (write && !pkt_writable(t))
			return safety_reject(c, i, "cannot write into packet");
		return check_pkt(c, i, r, regno, insn_off, size);
	case ANALYSIS_MAP_VALUE:
		if (r->map < 0 || (uint32_t)r->map >= c->env->nmaps)
			return safety_reject(c, i, "R%u map value of a map not described", regno);
		if (!var_bounded(r))
			return safety_reject(c, i, "R%u unbounded memory access", regno);
		if (write && c->env->map_flags && (c->env->map_flags[r->map] & BPF_F_RDONLY_PROG))
			return safety_reject(c, i, "write into map forbidden (read-only map)");
		if (read && c->env->map_flags && (c->env->map_flags[r->map] & BPF_F_WRONLY_PROG))
			return safety_reject(c, i, "read from map forbidden (write-only map)");
		ptr_span(r, insn_off, size, &lo, &hi);
		if (lo < 0 || hi > (int64_t)c->env->maps[r->map].value_size)
			return safety_reject(
				c, i, "invalid access to map value, value_size=%u off=%d size=%u",
				c->env->maps[r->map].value_size, insn_off, size);
		/*
		 * Atomics are checked with strict alignment (check_atomic():
		 * strict_alignment_once): fixed and variable offset (its tnum's
		 * low bits known) a multiple of the size.
		 */
		if (atomic &&
		    ((r->s.mask & (size - 1)) ||
		     (((uint64_t)(int64_t)r->off + r->s.value + (uint64_t)(int64_t)insn_off) &
		      (size - 1))))
			return safety_reject(c, i, "misaligned value access off %d size %u",
					     insn_off, size);
		return 0;
	default:
		return safety_reject(c, i, "R%u invalid mem access '%s'", regno,
				     safety_type_str(r->type));
	}
}

/* ---- helpers -------------------------------------------------------------- */

/* A memory argument's properties (the verifier's MEM_* flags and the helper's pkt_access). */
#define MA_UNINIT (1u << 0) /* the helper writes the bytes before reading: MEM_UNINIT */
#define MA_WRITE (1u << 1)  /* the helper writes them: MEM_WRITE (no read-only map value) */
#define MA_PKT (1u << 2)    /* the helper may take a packet pointer (.pkt_access) */
#define MA_ALIGN (1u << 3)  /* the pointer must be aligned to the size: MEM_ALIGNED */

/*
 * A helper's memory argument: @size bytes at register @regno, initialized
 * unless MA_UNINIT, as check_helper_mem_access() and check_func_arg() see
 * it.  The packet only where the helper has .pkt_access (may_access_direct_
 * pkt_data() with a meta: every other helper gets "helper access to the
 * packet is not allowed" in XDP and tc).
 */
static int check_mem_arg(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
			 unsigned int regno, uint64_t size, unsigned int how)
{
	const struct analysis_reg *r = &st->regs[regno];
	const uint32_t *flags = c->env->map_flags;
	int64_t lo, hi, off;

	if (size > ANALYSIS_STACK_SIZE * 16)
		return safety_reject(c, i, "R%u memory argument too large", regno);
	switch (r->type) {
	case ANALYSIS_STACK:
		if (r->s.mask)
			return safety_reject(c, i, "R%u variable stack access", regno);
		off = (int64_t)r->off + (int64_t)r->s.value;
		if (off < -ANALYSIS_STACK_SIZE || off + (int64_t)size > 0)
			return safety_reject(
				c, i, "invalid indirect access to stack R%u off=%lld size=%llu",
				regno, (long long)off, (unsigned long long)size);
		/* stack alignment is always strict (check_ptr_alignment()) */
		if ((how & MA_ALIGN) && size && off % (int64_t)size)
			return safety_reject(c, i, "misaligned stack access off %lld size %llu",
					     (long long)off, (unsigned long long)size);
		return (how & MA_UNINIT) ? 0 : stack_init(c, i, st, off, (int64_t)size);
	case ANALYSIS_PKT:
	case ANALYSIS_PKT_META:
		if (!(how & MA_PKT))
			return safety_reject(c, i, "R%u helper access to the packet is not allowed",
					     regno);
		if (how & MA_ALIGN) /* not given to an aligned argument here */
			return safety_reject(c, i, "misaligned access R%u", regno);
		return check_pkt(c, i, r, regno, 0, size);
	case ANALYSIS_MAP_VALUE:
		if (!var_bounded(r))
			return safety_reject(c, i, "R%u unbounded memory access", regno);
		ptr_span(r, 0, 0, &lo, &hi);
		hi += (int64_t)size;
		if (r->map < 0 || (uint32_t)r->map >= c->env->nmaps)
			return safety_reject(c, i, "R%u map value of a map not described", regno);
		if (lo < 0 || hi > (int64_t)c->env->maps[r->map].value_size)
			return safety_reject(c, i, "invalid access to map value R%u size=%llu",
					     regno, (unsigned long long)size);
		if ((how & MA_WRITE) && flags && (flags[r->map] & BPF_F_RDONLY_PROG))
			return safety_reject(c, i, "write into map forbidden (read-only map)");
		if (!(how & MA_UNINIT) && flags && (flags[r->map] & BPF_F_WRONLY_PROG))
			return safety_reject(c, i, "read from map forbidden (write-only map)");
		/*
		 * check_generic_ptr_alignment(), strict: the fixed and the
		 * variable offset (its tnum's low bits known) a multiple of the
		 * size.
		 */
		if ((how & MA_ALIGN) && size &&
		    ((r->s.mask & (size - 1)) ||
		     (((uint64_t)(int64_t)r->off + r->s.value) & (size - 1))))
			return safety_reject(c, i, "misaligned access R%u size %llu", regno,
					     (unsigned long long)size);
		return 0;
	default:
		return safety_reject(c, i, "R%u type=%s expected=fp, pkt, pkt_meta, map_value",
				     regno, safety_type_str(r->type));
	}
}

/* Kinds of helper arguments (a subset of the verifier's enum bpf_arg_type). */
enum arg {
	A_NONE = 0,
	A_CTX,	      /* the unmodified context */
	A_MAP,	      /* a map pointer */
	A_KEY,	      /* key_size initialized bytes of the map in the previous argument */
	A_VALUE,      /* value_size initialized bytes of the map before */
	A_VALUE_OUT,  /* value_size bytes the helper writes (ARG_PTR_TO_MAP_VALUE|MEM_UNINIT) */
	A_SCALAR,     /* any scalar */
	A_MEM,	      /* initialized memory; its size is the next argument */
	A_MEM_UNINIT, /* memory the helper writes; its size is the next argument */
	A_MEM_NULL,   /* A_MEM, or NULL with a zero size */
	A_SIZE,	      /* a scalar size >= 1 */
	A_SIZE0,      /* a scalar size >= 0 */
	/*
	 * 4 initialized bytes, aligned, that the helper may write back
	 * (check_mtu's mtu_len: ARG_PTR_TO_INT before 6.12, then a fixed-size
	 * MEM_ALIGNED | MEM_WRITE argument, in some kernels with MEM_UNINIT
	 * although the helper reads it: initialized satisfies every form).
	 */
	A_INT,
};

#define T_XDP (1u << 0)
#define T_TC (1u << 1)
#define T_SOCK (1u << 2)
#define T_ALL (T_XDP | T_TC | T_SOCK)
#define PKT_ACCESS (1u << 7) /* with the T_* bits: the helper has .pkt_access */

/* Map types for a helper's A_MAP: 0 = the plain data maps. */
enum maps { M_DATA = 0, M_PROG_ARRAY, M_PERF, M_REDIRECT, M_QUEUE, M_LOOKUP };

struct helper {
	int32_t id;
	uint8_t types; /* T_* where the program types offer it, | PKT_ACCESS */
	uint8_t maps;  /* enum maps */
	uint8_t args[5];
};

/*
 * The helpers the model knows, with their prototypes from net/core/filter.c
 * and kernel/bpf/helpers.c (6.1; the program types from tc_cls_act_func_proto,
 * xdp_func_proto, sk_filter_func_proto and bpf_base_func_proto, the latter
 * for a loader with CAP_BPF and CAP_PERFMON).  A call of any other helper is
 * rejected: the model cannot tell whether its arguments are right.  Helpers
 * that return a pointer the analysis does not follow (sockets: sk_lookup_*,
 * skc_lookup_tcp, whose reference must also be released) are left out.
 */
static const struct helper helpers[] = {
	{BPF_FUNC_map_lookup_elem, T_ALL | PKT_ACCESS, M_LOOKUP, {A_MAP, A_KEY}},
	{BPF_FUNC_map_update_elem, T_ALL | PKT_ACCESS, M_DATA, {A_MAP, A_KEY, A_VALUE, A_SCALAR}},
	{BPF_FUNC_map_delete_elem, T_ALL | PKT_ACCESS, M_DATA, {A_MAP, A_KEY}},
	{BPF_FUNC_map_push_elem, T_ALL | PKT_ACCESS, M_QUEUE, {A_MAP, A_VALUE, A_SCALAR}},
	{BPF_FUNC_map_pop_elem, T_ALL, M_QUEUE, {A_MAP, A_VALUE_OUT}},
	{BPF_FUNC_map_peek_elem, T_ALL, M_QUEUE, {A_MAP, A_VALUE_OUT}},
	{BPF_FUNC_ktime_get_ns, T_ALL, 0, {0}},
	{BPF_FUNC_ktime_get_tai_ns, T_ALL, 0, {0}},
	{BPF_FUNC_get_prandom_u32, T_ALL, 0, {0}},
	{BPF_FUNC_get_smp_processor_id, T_ALL, 0, {0}},
	{BPF_FUNC_get_current_task, T_ALL, 0, {0}},
	{BPF_FUNC_probe_read_kernel, T_ALL, 0, {A_MEM_UNINIT, A_SIZE0, A_SCALAR}},
	{BPF_FUNC_probe_read_kernel_str, T_ALL, 0, {A_MEM_UNINIT, A_SIZE0, A_SCALAR}},
	{BPF_FUNC_tail_call, T_ALL, M_PROG_ARRAY, {A_CTX, A_MAP, A_SCALAR}},
	{BPF_FUNC_perf_event_output, T_ALL, M_PERF, {A_CTX, A_MAP, A_SCALAR, A_MEM, A_SIZE0}},
	{BPF_FUNC_redirect, T_XDP | T_TC, 0, {A_SCALAR, A_SCALAR}},
	{BPF_FUNC_redirect_map, T_XDP, M_REDIRECT, {A_MAP, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_xdp_adjust_head, T_XDP, 0, {A_CTX, A_SCALAR}},
	{BPF_FUNC_xdp_adjust_meta, T_XDP, 0, {A_CTX, A_SCALAR}},
	{BPF_FUNC_xdp_adjust_tail, T_XDP, 0, {A_CTX, A_SCALAR}},
	{BPF_FUNC_skb_load_bytes, T_TC | T_SOCK, 0, {A_CTX, A_SCALAR, A_MEM_UNINIT, A_SIZE}},
	{BPF_FUNC_skb_store_bytes, T_TC, 0, {A_CTX, A_SCALAR, A_MEM, A_SIZE, A_SCALAR}},
	{BPF_FUNC_l3_csum_replace, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_l4_csum_replace, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_trace_printk, T_ALL, 0, {A_MEM, A_SIZE}},
	{BPF_FUNC_trace_vprintk, T_ALL, 0, {A_MEM, A_SIZE, A_MEM_NULL, A_SIZE0}},
	{BPF_FUNC_clone_redirect, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_skb_vlan_push, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_skb_vlan_pop, T_TC, 0, {A_CTX}},
	{BPF_FUNC_skb_get_tunnel_key, T_TC, 0, {A_CTX, A_MEM_UNINIT, A_SIZE, A_SCALAR}},
	{BPF_FUNC_skb_set_tunnel_key, T_TC, 0, {A_CTX, A_MEM, A_SIZE, A_SCALAR}},
	{BPF_FUNC_skb_get_tunnel_opt, T_TC, 0, {A_CTX, A_MEM_UNINIT, A_SIZE}},
	{BPF_FUNC_skb_set_tunnel_opt, T_TC, 0, {A_CTX, A_MEM, A_SIZE}},
	{BPF_FUNC_get_hash_recalc, T_TC, 0, {A_CTX}},
	{BPF_FUNC_set_hash_invalid, T_TC, 0, {A_CTX}},
	{BPF_FUNC_set_hash, T_TC, 0, {A_CTX, A_SCALAR}},
	{BPF_FUNC_get_cgroup_classid, T_TC, 0, {A_CTX}},
	{BPF_FUNC_skb_cgroup_id, T_TC, 0, {A_CTX}},
	{BPF_FUNC_get_socket_cookie, T_TC | T_SOCK, 0, {A_CTX}},
	{BPF_FUNC_get_socket_uid, T_TC | T_SOCK, 0, {A_CTX}},
	{BPF_FUNC_skb_load_bytes_relative,
	 T_TC | T_SOCK,
	 0,
	 {A_CTX, A_SCALAR, A_MEM_UNINIT, A_SIZE, A_SCALAR}},
	{BPF_FUNC_csum_update, T_TC, 0, {A_CTX, A_SCALAR}},
	{BPF_FUNC_csum_level, T_TC, 0, {A_CTX, A_SCALAR}},
	{BPF_FUNC_skb_change_proto, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_skb_change_type, T_TC, 0, {A_CTX, A_SCALAR}},
	{BPF_FUNC_skb_change_tail, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_skb_pull_data, T_TC, 0, {A_CTX, A_SCALAR}},
	{BPF_FUNC_skb_change_head, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_skb_adjust_room, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_skb_get_xfrm_state, T_TC, 0, {A_CTX, A_SCALAR, A_MEM_UNINIT, A_SIZE, A_SCALAR}},
	{BPF_FUNC_skb_ancestor_cgroup_id, T_TC, 0, {A_CTX, A_SCALAR}},
	{BPF_FUNC_redirect_neigh, T_TC, 0, {A_SCALAR, A_MEM_NULL, A_SIZE0, A_SCALAR}},
	{BPF_FUNC_redirect_peer, T_TC, 0, {A_SCALAR, A_SCALAR}},
	{BPF_FUNC_check_mtu, T_XDP | T_TC, 0, {A_CTX, A_SCALAR, A_INT, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_fib_lookup, T_XDP | T_TC, 0, {A_CTX, A_MEM, A_SIZE, A_SCALAR}},
	{BPF_FUNC_xdp_load_bytes, T_XDP, 0, {A_CTX, A_SCALAR, A_MEM_UNINIT, A_SIZE}},
	{BPF_FUNC_xdp_store_bytes, T_XDP, 0, {A_CTX, A_SCALAR, A_MEM, A_SIZE}},
	{BPF_FUNC_xdp_get_buff_len, T_XDP, 0, {A_CTX}},
	{BPF_FUNC_csum_diff,
	 T_XDP | T_TC | PKT_ACCESS,
	 0,
	 {A_MEM_NULL, A_SIZE0, A_MEM_NULL, A_SIZE0, A_SCALAR}},
};

static unsigned int type_bit(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_XDP:
		return T_XDP;
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
		return T_TC;
	case BPF_PROG_TYPE_SOCKET_FILTER:
		return T_SOCK;
	default:
		return 0;
	}
}

static bool map_fits(uint32_t type, uint8_t want)
{
	switch (want) {
	case M_PROG_ARRAY:
		return type == BPF_MAP_TYPE_PROG_ARRAY;
	case M_PERF:
		return type == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	case M_REDIRECT:
		return type == BPF_MAP_TYPE_DEVMAP || type == BPF_MAP_TYPE_DEVMAP_HASH ||
		       type == BPF_MAP_TYPE_CPUMAP || type == BPF_MAP_TYPE_XSKMAP;
	case M_QUEUE:
		return type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK;
	case M_LOOKUP:
		/*
		 * check_map_func_compatibility() also lets a program look up
		 * devices and AF_XDP sockets (cpumaps: only redirect_map); the
		 * analysis gives r0 UNKNOWN for those, which the model lets a
		 * program only compare, move and spill, as it may a pointer
		 * that may be NULL.
		 */
		if (type == BPF_MAP_TYPE_DEVMAP || type == BPF_MAP_TYPE_DEVMAP_HASH ||
		    type == BPF_MAP_TYPE_XSKMAP)
			return true;
		/* fall through */
	default:
		return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_ARRAY ||
		       type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
		       type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	}
}

/* A size argument: its bounds, or a rejection. */
static int size_arg(struct safety_ctx *c, uint32_t i, const struct analysis_reg *r,
		    unsigned int regno, bool zero_ok, uint64_t *max)
{
	if (r->type != ANALYSIS_SCALAR)
		return safety_reject(c, i, "R%u type=%s expected=scalar", regno,
				     safety_type_str(r->type));
	if (r->s.smin < 0 || r->s.umax > 0xffff)
		return safety_reject(c, i, "R%u unbounded memory access", regno);
	if (!zero_ok && r->s.umin == 0)
		return safety_reject(c, i, "R%u invalid zero-sized read", regno);
	*max = r->s.umax;
	return 0;
}

int safety_check_helper(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
			int32_t id)
{
	const struct analysis_map *m = NULL;
	const struct helper *h = NULL;
	unsigned int k, regno, pkt;
	uint64_t size = 0;
	int err;

	for (k = 0; k < sizeof(helpers) / sizeof(helpers[0]); k++)
		if (helpers[k].id == id)
			h = &helpers[k];
	if (!h || !(h->types & type_bit(c->env->prog_type)))
		return safety_reject(c, i, "helper %d not modelled for this program type", id);
	pkt = (h->types & PKT_ACCESS) ? MA_PKT : 0;
	for (k = 0; k < 5 && h->args[k]; k++) {
		const struct analysis_reg *r = &st->regs[k + 1];

		regno = k + 1;
		if (r->type == ANALYSIS_NOT_INIT)
			return safety_reject(c, i, "R%u !read_ok", regno);
		switch (h->args[k]) {
		case A_CTX:
			if (r->type != ANALYSIS_CTX || r->off || r->s.value || r->s.mask)
				return safety_reject(c, i, "R%u type=%s expected=ctx", regno,
						     safety_type_str(r->type));
			break;
		case A_MAP:
			if (r->type != ANALYSIS_MAP_PTR)
				return safety_reject(c, i, "R%u type=%s expected=map_ptr", regno,
						     safety_type_str(r->type));
			if (r->off || r->s.value || r->s.mask)
				return safety_reject(c, i, "R%u modified map pointer", regno);
			if (r->map < 0 || (uint32_t)r->map >= c->env->nmaps)
				return safety_reject(c, i, "R%u map not described", regno);
			m = &c->env->maps[r->map];
			if (!map_fits(m->type, h->maps))
				return safety_reject(c, i,
						     "map type %u incompatible with helper %d",
						     m->type, id);
			break;
		case A_KEY:
			err = check_mem_arg(c, i, st, regno, m->key_size, pkt);
			if (err)
				return err;
			break;
		case A_VALUE:
			err = check_mem_arg(c, i, st, regno, m->value_size, pkt);
			if (err)
				return err;
			break;
		case A_VALUE_OUT:
			err = check_mem_arg(c, i, st, regno, m->value_size,
					    pkt | MA_UNINIT | MA_WRITE);
			if (err)
				return err;
			break;
		case A_INT:
			err = check_mem_arg(c, i, st, regno, 4, pkt | MA_WRITE | MA_ALIGN);
			if (err)
				return err;
			break;
		case A_MEM:
		case A_MEM_UNINIT:
		case A_MEM_NULL:
			err = size_arg(c, i, &st->regs[regno + 1], regno + 1,
				       h->args[k + 1] == A_SIZE0, &size);
			if (err)
				return err;
			if (h->args[k] == A_MEM_NULL && r->type == ANALYSIS_SCALAR) {
				if (r->s.mask || r->s.value || size)
					return safety_reject(c, i, "R%u type=scalar expected=mem",
							     regno);
				break;
			}
			err = check_mem_arg(
				c, i, st, regno, size,
				pkt | (h->args[k] == A_MEM_UNINIT ? MA_UNINIT | MA_WRITE : 0));
			if (err)
				return err;
			break;
		default: /* scalars; sizes were checked with their memory */
			if (r->type != ANALYSIS_SCALAR)
				return safety_reject(c, i, "R%u type=%s expected=scalar", regno,
						     safety_type_str(r->type));
			break;
		}
	}
	return 0;
}
