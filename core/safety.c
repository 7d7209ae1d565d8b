// SPDX-License-Identifier: MIT
/*
 * core/safety: a static model of the kernel verifier's verdict.
 *
 * The verifier walks every path of a program with a precise state per path
 * and rejects the program at the first instruction that breaks a rule on
 * some path.  core/analysis already computed, for every instruction, a state
 * that holds on every path reaching it (a join: where paths disagree about a
 * register's type it is UNKNOWN, where one path left it unwritten it is
 * NOT_INIT).  So a rule checked against the analysis state is checked on
 * every path at once, and the model errs only one way: where the join lost
 * precision it may reject what the verifier, path by path, accepts, but it
 * accepts only what holds on all paths.  That is the direction the search
 * wants: a false rejection costs a candidate, a false acceptance costs a
 * failed load in someone's process.
 *
 * The checks, per reachable instruction, follow kernel/bpf/verifier.c:
 *
 *   - registers read must be initialized (check_reg_arg: "R%d !read_ok"),
 *     r10 is never written ("frame pointer is read only");
 *   - ALU: shifts by a constant >= the width and division by a zero
 *     immediate (check_alu_op); on pointers only 64-bit add and subtract of
 *     a bounded scalar, on types that allow it (adjust_ptr_min_max_vals,
 *     check_reg_sane_offset), pointer - pointer (a privileged loader gets a
 *     scalar), never pointer + pointer or scalar - pointer;
 *   - memory: the stack at a constant offset inside the frame, aligned
 *     (stack alignment is always strict), pointers spilled and filled only
 *     by whole aligned 8-byte accesses, bytes read only after written; the
 *     packet inside the range proven by comparisons with data_end; map
 *     values inside value_size, after the NULL check; the context at the
 *     offsets and sizes the program type's is_valid_access() allows, with
 *     an unmodified ctx pointer, writes only to the writable fields;
 *   - the map helpers' arguments: a map in r1, a key (and a value for
 *     update) of the map's sizes on the stack, in the packet or in a map
 *     value, initialized;
 *   - check_cfg(): every instruction reachable by the control-flow graph;
 *     and no back-edges: the verifier accepts a bounded loop only after
 *     walking it to the end, which a join-based analysis cannot predict.
 *
 * Where the model does not follow something (a pointer type the analysis
 * calls UNKNOWN, a program type whose context is not described here), it
 * rejects: a missing rule must show up as lost candidates, not failed loads.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/safety.h"

#define MAX_VAR_OFF (1ll << 29) /* BPF_MAX_VAR_OFF */
#define SKB_CTX_SIZE 192	/* sizeof(struct __sk_buff) */

struct safety_ctx {
	const struct prog *p;
	const struct analysis *a;
	const struct safety_env *env;
	char *msg;
	size_t msgsz;
};

static int reject(struct safety_ctx *c, uint32_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int reject(struct safety_ctx *c, uint32_t i, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->msg && c->msgsz) {
		n = snprintf(c->msg, c->msgsz, "insn %u: ", i);
		if (n >= 0 && (size_t)n < c->msgsz) {
			va_start(ap, fmt);
			vsnprintf(c->msg + n, c->msgsz - n, fmt, ap);
			va_end(ap);
		}
	}
	return -EACCES;
}

static const char *type_str(uint8_t t)
{
	static const char *const names[] = {
		[ANALYSIS_NOT_INIT] = "not_init",
		[ANALYSIS_SCALAR] = "scalar",
		[ANALYSIS_CTX] = "ctx",
		[ANALYSIS_STACK] = "fp",
		[ANALYSIS_PKT] = "pkt",
		[ANALYSIS_PKT_END] = "pkt_end",
		[ANALYSIS_PKT_META] = "pkt_meta",
		[ANALYSIS_MAP_PTR] = "map_ptr",
		[ANALYSIS_MAP_VALUE] = "map_value",
		[ANALYSIS_MAP_VALUE_OR_NULL] = "map_value_or_null",
		[ANALYSIS_UNKNOWN] = "unknown",
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static bool is_ptr(const struct analysis_reg *r)
{
	return r->type != ANALYSIS_SCALAR && r->type != ANALYSIS_NOT_INIT;
}

static unsigned int size_bytes(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

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

static bool ctx_access_ok(enum bpf_prog_type t, int off, int size, bool write)
{
	if (off < 0 || off % size)
		return false;
	switch (t) {
	case BPF_PROG_TYPE_XDP:
		/* xdp_is_valid_access(): read-only; egress_ifindex only for devmap */
		return !write && size == 4 && off <= 16;
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

/* Stack bytes [@off, @off + @size) all written, in one frame (@off < 0). */
static int stack_init(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		      int64_t off, int64_t size)
{
	int64_t b;

	for (b = off; b < off + size; b++) {
		unsigned int k = (unsigned int)((-b - 1) / 8);
		unsigned int bit = (unsigned int)(b + 8 * (k + 1));

		if (!(st->slots[k].init & (1u << bit)))
			return reject(c, i, "invalid read from stack off %lld+%lld size %lld",
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

	if (r->s.mask)
		return reject(c, i, "variable stack access R%u size=%u", regno, size);
	off = (int64_t)r->off + (int64_t)r->s.value + insn_off;
	if (off < -ANALYSIS_STACK_SIZE || off + size > 0)
		return reject(c, i, "invalid %s stack R%u off=%lld size=%u",
			      write ? "write to" : "read from", regno, (long long)off, size);
	if (off % size)
		return reject(c, i, "misaligned stack access off %lld size %u", (long long)off,
			      size);
	slot = &st->slots[(-off - 1) / 8];
	if (write && val && is_ptr(val) && size != 8)
		return reject(c, i, "invalid size of register spill");
	if (write && size != 8 && slot->spilled && is_ptr(&slot->reg))
		return reject(c, i, "attempt to corrupt spilled pointer on stack");
	if (read) {
		if (slot->spilled && is_ptr(&slot->reg)) {
			if (size != 8)
				return reject(c, i, "invalid size of register fill");
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

static bool var_bounded(const struct analysis_reg *r)
{
	return r->s.smin > -MAX_VAR_OFF && r->s.umax < (uint64_t)MAX_VAR_OFF;
}

static int check_mem(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		     unsigned int regno, int16_t insn_off, unsigned int size, bool write, bool read,
		     bool atomic, const struct analysis_reg *val)
{
	const struct analysis_reg *r = &st->regs[regno];
	enum bpf_prog_type t = c->env->prog_type;
	int64_t lo, hi;

	switch (r->type) {
	case ANALYSIS_NOT_INIT:
		return reject(c, i, "R%u !read_ok", regno);
	case ANALYSIS_STACK:
		return check_stack(c, i, st, regno, insn_off, size, write, read, val);
	case ANALYSIS_CTX:
		if (atomic)
			return reject(c, i, "BPF_ATOMIC stores into R%u ctx is not allowed", regno);
		if (r->s.mask)
			return reject(c, i, "variable ctx access R%u", regno);
		if (r->off || r->s.value)
			return reject(c, i,
				      "dereference of modified ctx ptr R%u off=%lld disallowed",
				      regno, (long long)(r->off + (int64_t)r->s.value));
		if (!ctx_access_ok(t, insn_off, (int)size, write))
			return reject(c, i, "invalid bpf_context access off=%d size=%u%s", insn_off,
				      size, write ? " (write)" : "");
		return 0;
	case ANALYSIS_PKT:
	case ANALYSIS_PKT_META:
		if (atomic)
			return reject(c, i, "BPF_ATOMIC stores into R%u pkt is not allowed", regno);
		if (write && !pkt_writable(t))
			return reject(c, i, "cannot write into packet");
		if (!var_bounded(r))
			return reject(c, i, "R%u unbounded memory access", regno);
		ptr_span(r, insn_off, size, &lo, &hi);
		if (lo < 0 || hi > (int64_t)r->range)
			return reject(c, i,
				      "invalid access to packet, off=%d size=%u, R%u(off=%d,r=%u)",
				      insn_off, size, regno, r->off, r->range);
		return 0;
	case ANALYSIS_MAP_VALUE:
		if (r->map < 0 || (uint32_t)r->map >= c->env->nmaps)
			return reject(c, i, "R%u map value of a map not described", regno);
		if (!var_bounded(r))
			return reject(c, i, "R%u unbounded memory access", regno);
		if (write && c->env->map_flags && (c->env->map_flags[r->map] & BPF_F_RDONLY_PROG))
			return reject(c, i, "write into map forbidden (read-only map)");
		ptr_span(r, insn_off, size, &lo, &hi);
		if (lo < 0 || hi > (int64_t)c->env->maps[r->map].value_size)
			return reject(c, i,
				      "invalid access to map value, value_size=%u off=%d size=%u",
				      c->env->maps[r->map].value_size, insn_off, size);
		return 0;
	default:
		return reject(c, i, "R%u invalid mem access '%s'", regno, type_str(r->type));
	}
}

/* ---- helpers -------------------------------------------------------------- */

/*
 * A helper's memory argument: @size bytes at register @regno, initialized
 * unless @uninit (the helper writes them).
 */
static int check_mem_arg(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
			 unsigned int regno, uint64_t size, bool uninit)
{
	const struct analysis_reg *r = &st->regs[regno];
	int64_t lo, hi, off;

	if (size > ANALYSIS_STACK_SIZE * 16)
		return reject(c, i, "R%u memory argument too large", regno);
	switch (r->type) {
	case ANALYSIS_STACK:
		if (r->s.mask)
			return reject(c, i, "R%u variable stack access", regno);
		off = (int64_t)r->off + (int64_t)r->s.value;
		if (off < -ANALYSIS_STACK_SIZE || off + (int64_t)size > 0)
			return reject(c, i,
				      "invalid indirect access to stack R%u off=%lld size=%llu",
				      regno, (long long)off, (unsigned long long)size);
		return uninit ? 0 : stack_init(c, i, st, off, (int64_t)size);
	case ANALYSIS_PKT:
	case ANALYSIS_PKT_META:
	case ANALYSIS_MAP_VALUE:
		if (!var_bounded(r))
			return reject(c, i, "R%u unbounded memory access", regno);
		ptr_span(r, 0, 0, &lo, &hi);
		hi += (int64_t)size;
		if (r->type == ANALYSIS_MAP_VALUE) {
			if (r->map < 0 || (uint32_t)r->map >= c->env->nmaps)
				return reject(c, i, "R%u map value of a map not described", regno);
			if (lo < 0 || hi > (int64_t)c->env->maps[r->map].value_size)
				return reject(c, i, "invalid access to map value R%u size=%llu",
					      regno, (unsigned long long)size);
		} else if (lo < 0 || hi > (int64_t)r->range) {
			return reject(c, i, "invalid access to packet R%u size=%llu", regno,
				      (unsigned long long)size);
		}
		return 0;
	default:
		return reject(c, i, "R%u type=%s expected=fp, pkt, pkt_meta, map_value", regno,
			      type_str(r->type));
	}
}

/* Kinds of helper arguments (a subset of the verifier's enum bpf_arg_type). */
enum arg {
	A_NONE = 0,
	A_CTX,	      /* the unmodified context */
	A_MAP,	      /* a map pointer */
	A_KEY,	      /* key_size initialized bytes of the map in the previous argument */
	A_VALUE,      /* value_size initialized bytes, likewise (the map is two back) */
	A_SCALAR,     /* any scalar */
	A_MEM,	      /* initialized memory; its size is the next argument */
	A_MEM_UNINIT, /* memory the helper writes; its size is the next argument */
	A_MEM_NULL,   /* A_MEM, or NULL with a zero size */
	A_SIZE,	      /* a scalar size >= 1 */
	A_SIZE0,      /* a scalar size >= 0 */
};

#define T_XDP (1u << 0)
#define T_TC (1u << 1)
#define T_SOCK (1u << 2)
#define T_ALL (T_XDP | T_TC | T_SOCK)

/* Map types for a helper's A_MAP: 0 = the plain data maps. */
enum maps { M_DATA = 0, M_PROG_ARRAY, M_PERF, M_REDIRECT };

struct helper {
	int32_t id;
	uint8_t types; /* T_* where the program types offer it */
	uint8_t maps;  /* enum maps */
	uint8_t args[5];
};

/*
 * The helpers the model knows, with their prototypes from net/core/filter.c
 * and kernel/bpf/helpers.c.  A call of any other helper is rejected: the
 * model cannot tell whether its arguments are right.
 */
static const struct helper helpers[] = {
	{BPF_FUNC_map_lookup_elem, T_ALL, M_DATA, {A_MAP, A_KEY}},
	{BPF_FUNC_map_update_elem, T_ALL, M_DATA, {A_MAP, A_KEY, A_VALUE, A_SCALAR}},
	{BPF_FUNC_map_delete_elem, T_ALL, M_DATA, {A_MAP, A_KEY}},
	{BPF_FUNC_ktime_get_ns, T_ALL, 0, {0}},
	{BPF_FUNC_get_prandom_u32, T_ALL, 0, {0}},
	{BPF_FUNC_get_smp_processor_id, T_ALL, 0, {0}},
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
	{BPF_FUNC_clone_redirect, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_skb_get_tunnel_key, T_TC, 0, {A_CTX, A_MEM_UNINIT, A_SIZE, A_SCALAR}},
	{BPF_FUNC_skb_set_tunnel_key, T_TC, 0, {A_CTX, A_MEM, A_SIZE, A_SCALAR}},
	{BPF_FUNC_skb_change_head, T_TC, 0, {A_CTX, A_SCALAR, A_SCALAR}},
	{BPF_FUNC_redirect_peer, T_TC, 0, {A_SCALAR, A_SCALAR}},
	{BPF_FUNC_fib_lookup, T_XDP | T_TC, 0, {A_CTX, A_MEM, A_SIZE, A_SCALAR}},
	{BPF_FUNC_xdp_load_bytes, T_XDP, 0, {A_CTX, A_SCALAR, A_MEM_UNINIT, A_SIZE}},
	{BPF_FUNC_csum_diff, T_XDP | T_TC, 0, {A_MEM_NULL, A_SIZE0, A_MEM_NULL, A_SIZE0, A_SCALAR}},
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
		return reject(c, i, "R%u type=%s expected=scalar", regno, type_str(r->type));
	if (r->s.smin < 0 || r->s.umax > 0xffff)
		return reject(c, i, "R%u unbounded memory access", regno);
	if (!zero_ok && r->s.umin == 0)
		return reject(c, i, "R%u invalid zero-sized read", regno);
	*max = r->s.umax;
	return 0;
}

static int check_helper(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
			int32_t id)
{
	const struct analysis_map *m = NULL;
	const struct helper *h = NULL;
	unsigned int k, regno;
	uint64_t size = 0;
	int err;

	for (k = 0; k < sizeof(helpers) / sizeof(helpers[0]); k++)
		if (helpers[k].id == id)
			h = &helpers[k];
	if (!h || !(h->types & type_bit(c->env->prog_type)))
		return reject(c, i, "helper %d not modelled for this program type", id);
	for (k = 0; k < 5 && h->args[k]; k++) {
		const struct analysis_reg *r = &st->regs[k + 1];

		regno = k + 1;
		if (r->type == ANALYSIS_NOT_INIT)
			return reject(c, i, "R%u !read_ok", regno);
		switch (h->args[k]) {
		case A_CTX:
			if (r->type != ANALYSIS_CTX || r->off || r->s.value || r->s.mask)
				return reject(c, i, "R%u type=%s expected=ctx", regno,
					      type_str(r->type));
			break;
		case A_MAP:
			if (r->type != ANALYSIS_MAP_PTR)
				return reject(c, i, "R%u type=%s expected=map_ptr", regno,
					      type_str(r->type));
			if (r->off || r->s.value || r->s.mask)
				return reject(c, i, "R%u modified map pointer", regno);
			if (r->map < 0 || (uint32_t)r->map >= c->env->nmaps)
				return reject(c, i, "R%u map not described", regno);
			m = &c->env->maps[r->map];
			if (!map_fits(m->type, h->maps))
				return reject(c, i, "map type %u incompatible with helper %d",
					      m->type, id);
			break;
		case A_KEY:
		case A_VALUE:
			err = check_mem_arg(c, i, st, regno,
					    h->args[k] == A_KEY ? m->key_size : m->value_size,
					    false);
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
					return reject(c, i, "R%u type=scalar expected=mem", regno);
				break;
			}
			err = check_mem_arg(c, i, st, regno, size, h->args[k] == A_MEM_UNINIT);
			if (err)
				return err;
			break;
		default: /* scalars; sizes were checked with their memory */
			if (r->type != ANALYSIS_SCALAR)
				return reject(c, i, "R%u type=%s expected=scalar", regno,
					      type_str(r->type));
			break;
		}
	}
	return 0;
}

/* ---- instructions ---------------------------------------------------------- */

static int need_init(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		     unsigned int regno)
{
	if (regno >= ANALYSIS_NREGS)
		return reject(c, i, "R%u is invalid", regno);
	if (st->regs[regno].type == ANALYSIS_NOT_INIT)
		return reject(c, i, "R%u !read_ok", regno);
	return 0;
}

/* Pointer kinds that take + / - of a scalar (adjust_ptr_min_max_vals()). */
static bool ptr_arith_ok(const struct analysis_reg *r)
{
	switch (r->type) {
	case ANALYSIS_CTX:
	case ANALYSIS_STACK:
	case ANALYSIS_PKT:
	case ANALYSIS_PKT_META:
	case ANALYSIS_MAP_VALUE:
		return true;
	default:
		return false;
	}
}

static int check_ptr_alu(struct safety_ctx *c, uint32_t i, const struct bpf_insn *in,
			 const struct analysis_reg *d, const struct analysis_reg *s)
{
	uint8_t op = BPF_OP(in->code);
	const struct analysis_reg *ptr = is_ptr(d) ? d : s, *off = is_ptr(d) ? s : d;
	unsigned int pregno = is_ptr(d) ? in->dst_reg : in->src_reg;

	if (is_ptr(d) && is_ptr(s)) {
		/* any width: adjust_reg_min_max_vals() makes it a scalar before looking */
		if (op == BPF_SUB && d->type != ANALYSIS_UNKNOWN && s->type != ANALYSIS_UNKNOWN)
			return 0; /* a scalar, for a privileged loader */
		return reject(c, i, "R%u pointer %s pointer prohibited", in->dst_reg,
			      op == BPF_ADD ? "+=" : "op");
	}
	if (BPF_CLASS(in->code) == BPF_ALU)
		return reject(c, i, "R%u 32-bit pointer arithmetic prohibited", pregno);
	if (op != BPF_ADD && op != BPF_SUB)
		return reject(c, i, "R%u pointer arithmetic with op 0x%x prohibited", pregno, op);
	if (!is_ptr(d) && op == BPF_SUB)
		return reject(c, i, "R%u tried to subtract pointer from scalar", in->dst_reg);
	if (!ptr_arith_ok(ptr))
		return reject(c, i, "R%u pointer arithmetic on %s prohibited", pregno,
			      type_str(ptr->type));
	if (off->s.smin <= -MAX_VAR_OFF || off->s.smax >= MAX_VAR_OFF ||
	    off->s.umax >= (uint64_t)MAX_VAR_OFF * 2)
		return reject(c, i, "math between %s pointer and unbounded register is not allowed",
			      type_str(ptr->type));
	return 0;
}

static int check_alu(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		     const struct bpf_insn *in)
{
	bool alu32 = BPF_CLASS(in->code) == BPF_ALU, x = BPF_SRC(in->code) == BPF_X;
	uint8_t op = BPF_OP(in->code);
	const struct analysis_reg *d = &st->regs[in->dst_reg], *s;
	struct analysis_reg k;
	int err;

	if (in->dst_reg == BPF_REG_10)
		return reject(c, i, "frame pointer is read only");
	if (x && op != BPF_END && op != BPF_NEG) {
		err = need_init(c, i, st, in->src_reg);
		if (err)
			return err;
		s = &st->regs[in->src_reg];
	} else {
		memset(&k, 0, sizeof(k));
		k.type = ANALYSIS_SCALAR;
		s = &k;
	}
	if (op != BPF_MOV) {
		err = need_init(c, i, st, in->dst_reg);
		if (err)
			return err;
	}
	if (!x && (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) &&
	    (uint32_t)in->imm >= (alu32 ? 32u : 64u))
		return reject(c, i, "invalid shift %d", in->imm);
	if (!x && (op == BPF_DIV || op == BPF_MOD) && in->imm == 0)
		return reject(c, i, "div by zero");
	if (op == BPF_MOV) {
		if (is_ptr(s) && (alu32 || in->off))
			return reject(c, i, "R%u partial copy of pointer", in->src_reg);
		return 0;
	}
	if (op == BPF_NEG || op == BPF_END) {
		if (is_ptr(d))
			return reject(c, i, "R%u pointer arithmetic prohibited", in->dst_reg);
		return 0;
	}
	if (is_ptr(d) || is_ptr(s))
		return check_ptr_alu(c, i, in, d, s);
	return 0;
}

static int check_ldx_st(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
			const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
	unsigned int size = size_bytes(in->code);
	int err;

	if (cls == BPF_LDX) {
		if (in->dst_reg == BPF_REG_10)
			return reject(c, i, "frame pointer is read only");
		err = need_init(c, i, st, in->src_reg);
		return err ? err
			   : check_mem(c, i, st, in->src_reg, in->off, size, false, true, false,
				       NULL);
	}
	if (cls == BPF_ST)
		return check_mem(c, i, st, in->dst_reg, in->off, size, true, false, false, NULL);
	/* STX */
	err = need_init(c, i, st, in->src_reg);
	if (err)
		return err;
	if (mode == BPF_ATOMIC) {
		if (size != 4 && size != 8)
			return reject(c, i, "invalid atomic operand size");
		if (in->imm == BPF_CMPXCHG) {
			err = need_init(c, i, st, BPF_REG_0);
			if (err)
				return err;
		}
		if (is_ptr(&st->regs[in->src_reg]))
			return reject(c, i, "R%u leaks addr into mem", in->src_reg);
		if (st->regs[in->dst_reg].type != ANALYSIS_STACK &&
		    st->regs[in->dst_reg].type != ANALYSIS_MAP_VALUE)
			return reject(c, i, "BPF_ATOMIC stores into R%u %s is not allowed",
				      in->dst_reg, type_str(st->regs[in->dst_reg].type));
		return check_mem(c, i, st, in->dst_reg, in->off, size, true, true, true,
				 &st->regs[in->src_reg]);
	}
	return check_mem(c, i, st, in->dst_reg, in->off, size, true, false, false,
			 &st->regs[in->src_reg]);
}

static int check_ld(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		    const struct bpf_insn *in)
{
	enum bpf_prog_type t = c->env->prog_type;
	const struct analysis_reg *r6 = &st->regs[6];
	int err;

	if (BPF_MODE(in->code) == BPF_IMM)
		return in->dst_reg == BPF_REG_10 ? reject(c, i, "frame pointer is read only") : 0;
	/* LD_ABS / LD_IND (check_ld_abs()) */
	if (t != BPF_PROG_TYPE_SOCKET_FILTER && t != BPF_PROG_TYPE_SCHED_CLS &&
	    t != BPF_PROG_TYPE_SCHED_ACT)
		return reject(c, i,
			      "BPF_LD_[ABS|IND] instructions not allowed for this program type");
	if (r6->type != ANALYSIS_CTX || r6->off || r6->s.value || r6->s.mask)
		return reject(c, i, "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
	if (BPF_MODE(in->code) == BPF_IND) {
		err = need_init(c, i, st, in->src_reg);
		if (err)
			return err;
		if (st->regs[in->src_reg].type != ANALYSIS_SCALAR)
			return reject(c, i, "R%u pointer as LD_IND offset", in->src_reg);
	}
	return 0;
}

static int check_jmp(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		     const struct bpf_insn *in, bool main_prog)
{
	uint8_t op = BPF_OP(in->code);
	int err;

	if (op == BPF_JA || op == BPF_JCOND)
		return 0;
	if (op == BPF_EXIT) {
		err = need_init(c, i, st, BPF_REG_0);
		if (err)
			return err;
		if (main_prog && st->regs[0].type != ANALYSIS_SCALAR)
			return reject(c, i, "At program exit the register R0 is not a scalar (%s)",
				      type_str(st->regs[0].type));
		return 0;
	}
	if (op == BPF_CALL) {
		if (in->src_reg == BPF_PSEUDO_CALL)
			return 0; /* the callee's instructions are checked in their frame */
		if (in->src_reg)
			return reject(c, i, "kfunc calls are not modelled");
		err = check_helper(c, i, st, in->imm);
		/* tail_call returns nothing (RET_VOID): r0 is not written after it */
		if (!err && in->imm == BPF_FUNC_tail_call && (analysis_live_out(c->a, i) & 1))
			return reject(c, i, "R0 !read_ok after bpf_tail_call");
		return err;
	}
	err = need_init(c, i, st, in->dst_reg);
	if (!err && BPF_SRC(in->code) == BPF_X)
		err = need_init(c, i, st, in->src_reg);
	if (err)
		return err;
	if (BPF_CLASS(in->code) == BPF_JMP32 &&
	    (is_ptr(&st->regs[in->dst_reg]) ||
	     (BPF_SRC(in->code) == BPF_X && is_ptr(&st->regs[in->src_reg]))))
		return reject(c, i, "pointer comparison in 32 bits");
	return 0;
}

static int check_insn(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		      bool main_prog)
{
	const struct bpf_insn *in = &c->p->insns[i];

	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return check_alu(c, i, st, in);
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		return check_ldx_st(c, i, st, in);
	case BPF_LD:
		return check_ld(c, i, st, in);
	default:
		return check_jmp(c, i, st, in, main_prog);
	}
}

/*
 * The verifier tracks the result of an ALU operation only for add, sub and
 * and with any operand, and others with a constant operand; it does not
 * track division and modulo at all, not even of constants
 * (adjust_scalar_min_max_vals(), as the kernel this was measured on does).  The
 * analysis is more precise; where the verifier knows nothing, so does the
 * model, after the instruction in its block.  (Facts carried into later
 * blocks by the analysis's join are not forgotten: a known imprecision.)
 */
static void forget_untracked(const struct bpf_insn *in, struct analysis_state *st)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	struct analysis_reg *d = &st->regs[in->dst_reg];
	uint64_t v;
	bool known;

	if ((cls != BPF_ALU && cls != BPF_ALU64) || d->type != ANALYSIS_SCALAR)
		return;
	if (op == BPF_MOV || op == BPF_NEG || op == BPF_END || op == BPF_ADD || op == BPF_SUB ||
	    op == BPF_AND)
		return;
	known = BPF_SRC(in->code) == BPF_K || analysis_reg_is_const(&st->regs[in->src_reg], &v);
	if (known && op != BPF_DIV && op != BPF_MOD)
		return;
	d->s.value = 0;
	d->s.mask = UINT64_MAX;
	d->s.smin = INT64_MIN;
	d->s.smax = INT64_MAX;
	d->s.umin = 0;
	d->s.umax = UINT64_MAX;
	d->id = 0;
}

/* ---- the control-flow graph ------------------------------------------------ */

/* check_cfg(): every instruction reachable from the entry along the CFG. */
static int check_cfg(struct safety_ctx *c)
{
	const struct prog *p = c->p;
	uint32_t *stack, n = 0, b, i;
	bool *seen;
	int err = 0;

	seen = calloc(p->nblocks, sizeof(*seen));
	stack = calloc(p->nblocks + 1, sizeof(*stack));
	if (!seen || !stack) {
		err = -ENOMEM;
		goto out;
	}
	seen[0] = true;
	stack[n++] = 0;
	while (n) {
		const struct prog_block *blk = &p->blocks[stack[--n]];
		int k;

		for (k = 0; k < 2; k++) {
			if (blk->succ[k] >= 0 && !seen[blk->succ[k]]) {
				seen[blk->succ[k]] = true;
				stack[n++] = (uint32_t)blk->succ[k];
			}
		}
		for (i = blk->first; i <= blk->last; i++) {
			const struct bpf_insn *in = &p->insns[i];
			int64_t t;
			int32_t tb;

			/*
			 * The verifier proves a loop terminates by walking it; the
			 * analysis widens instead, so it cannot tell: no loops.
			 */
			if (prog_insn_is_jump(in) && prog_jump_target(p->insns, i) <= (int64_t)i) {
				err = reject(c, i, "back-edge to insn %lld: loops are not modelled",
					     (long long)prog_jump_target(p->insns, i));
				goto out;
			}

			if (prog_insn_is_pseudo_call(in) ||
			    (prog_insn_is_ldimm64(in) && in->src_reg == BPF_PSEUDO_FUNC)) {
				t = (int64_t)i + in->imm + 1;
				if (t < 0 || t >= p->len)
					continue;
				tb = p->insn_block[t];
				if (tb >= 0 && !seen[tb]) {
					seen[tb] = true;
					stack[n++] = (uint32_t)tb;
				}
			}
		}
	}
	for (b = 0; b < p->nblocks; b++)
		if (!seen[b]) {
			err = reject(c, p->blocks[b].first, "unreachable insn");
			break;
		}
out:
	free(seen);
	free(stack);
	return err;
}

/*
 * Check every reachable block from its entry state.  With @blocks, go on
 * after a rejection and record each block's first one there (the message
 * buffer is @blocks[b]); without, stop at the first.
 */
static int check_blocks(struct safety_ctx *c, char (*blocks)[SAFETY_MSG_SIZE], int *nrej)
{
	const struct prog *p = c->p;
	struct analysis_state *st;
	uint32_t b, i;
	int err = 0;

	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	for (b = 0; b < p->nblocks && (!err || blocks); b++) {
		const struct prog_block *blk = &p->blocks[b];
		bool main_prog = blk->subprog == 0;

		if (blocks) {
			blocks[b][0] = '\0';
			c->msg = blocks[b];
			c->msgsz = SAFETY_MSG_SIZE;
		}
		if (analysis_state(c->a, blk->first, st) || !st->reached)
			continue;
		err = 0;
		for (i = blk->first; i <= blk->last && !err; i++) {
			if (p->insn_block[i] < 0)
				continue; /* LD_IMM64's second slot */
			err = check_insn(c, i, st, main_prog);
			if (err || i == blk->last)
				break;
			if (analysis_state_step(c->a, i, st) || !st->reached)
				break;
			forget_untracked(&p->insns[i], st);
		}
		if (err == -EACCES && nrej)
			(*nrej)++;
		if (err && err != -EACCES)
			break;
	}
	free(st);
	return blocks && err == -EACCES ? 0 : err;
}

int safety_check(const struct prog *p, const struct analysis *a, const struct safety_env *env,
		 char *msg, size_t msgsz)
{
	struct safety_ctx c = {.p = p, .a = a, .env = env, .msg = msg, .msgsz = msgsz};
	int err;

	if (msg && msgsz)
		msg[0] = '\0';
	if (!p || !a || !env)
		return -EINVAL;
	err = check_cfg(&c);
	if (err)
		return err;
	return check_blocks(&c, NULL, NULL);
}

int safety_check_blocks(const struct prog *p, const struct analysis *a,
			const struct safety_env *env, char *cfg, char (*blocks)[SAFETY_MSG_SIZE])
{
	struct safety_ctx c = {.p = p, .a = a, .env = env, .msg = cfg, .msgsz = SAFETY_MSG_SIZE};
	int err, n = 0;

	if (!p || !a || !env || !cfg || !blocks)
		return -EINVAL;
	cfg[0] = '\0';
	err = check_cfg(&c);
	if (err == -EACCES)
		n++;
	else if (err)
		return err;
	err = check_blocks(&c, blocks, &n);
	return err ? err : n;
}
