// SPDX-License-Identifier: MIT
/*
 * core/analysis: calls -- what a helper, a kfunc or a BPF-to-BPF call does to
 * the abstract state, and what the analysis knows about helpers.
 *
 * Every call leaves r1-r5 not initialised (the verifier's caller-saved
 * registers) and r0 with the callee's result:
 *
 *   - map_lookup_elem (and its per-CPU twin) on a map of a value-carrying
 *     type: map_value_or_null of the map in r1, with the call's id, which the
 *     NULL check turns into a map value or 0; lookups in maps of sockets,
 *     devices, CPUs, programs or maps: UNKNOWN;
 *   - helpers that return pointers (socket lookups, storage getters,
 *     ringbuf_reserve, skc_to_*, ...): UNKNOWN; all other helpers: a scalar;
 *   - kfuncs: UNKNOWN (their BTF would say more);
 *   - BPF-to-BPF calls: what the callee's exits return (analysis.c's rounds),
 *     and the arguments join into the callee's entry state; a callee not
 *     known to be static (analysis_env.static_fn) may be replaced at run
 *     time: r0 is UNKNOWN and packet pointers go.
 *
 * Helpers listed by bpf_helper_changes_pkt_data() invalidate every packet
 * pointer (they become scalars, as in the verifier); a callee that may call
 * one makes them UNKNOWN (it may not have).  Stack slots behind a pointer
 * argument may be written: by a helper, with data (spilled scalars there are
 * forgotten, spilled pointers become UNKNOWN); by a callee or a callback, with
 * anything.  Map helpers only read keys and values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/analysis_internal.h"

/* BPF helper ids (include/uapi/linux/bpf.h) that the transfer functions need. */
enum {
	H_MAP_LOOKUP = 1,
	H_MAP_LOOKUP_PERCPU = 195,
	H_MAP_POP = 88,
	H_MAP_PEEK = 89,
};

/* ---- maps and helpers ---------------------------------------------------- */

int32_t analysis_map_index(const struct analysis *a, int32_t ref)
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

/*
 * bpf_helper_changes_pkt_data() (net/core/filter.c): exactly the helpers
 * after which the verifier turns packet pointers into scalars.  One too few
 * lets the safety model accept a read through a stale pointer; one too many
 * lets it accept arithmetic the verifier forbids on what is still a pointer
 * (skb_change_type and xdp_store_bytes are not in the list: checked against
 * 6.1's source and the kernel).
 */
static bool helper_changes_pkt(int32_t id)
{
	switch (id) {
	case 9:	  /* skb_store_bytes */
	case 10:  /* l3_csum_replace */
	case 11:  /* l4_csum_replace */
	case 13:  /* clone_redirect */
	case 18:  /* skb_vlan_push */
	case 19:  /* skb_vlan_pop */
	case 31:  /* skb_change_proto */
	case 38:  /* skb_change_tail */
	case 39:  /* skb_pull_data */
	case 43:  /* skb_change_head */
	case 44:  /* xdp_adjust_head */
	case 50:  /* skb_adjust_room */
	case 54:  /* xdp_adjust_meta */
	case 63:  /* msg_pull_data */
	case 65:  /* xdp_adjust_tail */
	case 73:  /* lwt_push_encap */
	case 74:  /* lwt_seg6_store_bytes */
	case 75:  /* lwt_seg6_adjust_srh */
	case 76:  /* lwt_seg6_action */
	case 90:  /* msg_push_data */
	case 91:  /* msg_pop_data */
	case 143: /* store_hdr_opt */
		return true;
	}
	return false;
}

/* Helpers whose return value is a pointer the analysis does not follow. */
static bool helper_returns_ptr(int32_t id)
{
	switch (id) {
	case 81:	  /* get_local_storage */
	case 84:	  /* sk_lookup_tcp */
	case 85:	  /* sk_lookup_udp */
	case 95:	  /* sk_fullsock */
	case 96:	  /* tcp_sock */
	case 98:	  /* get_listener_sock */
	case 99:	  /* skc_lookup_tcp */
	case 107:	  /* sk_storage_get */
	case 131:	  /* ringbuf_reserve */
	case 136 ... 140: /* skc_to_* */
	case 145:	  /* inode_storage_get */
	case 153:	  /* per_cpu_ptr */
	case 154:	  /* this_cpu_ptr */
	case 156:	  /* task_storage_get */
	case 158:	  /* get_current_task_btf */
	case 162:	  /* sock_from_file */
	case 175:	  /* task_pt_regs */
	case 178:	  /* skc_to_unix_sock */
	case 194:	  /* kptr_xchg */
	case 196:	  /* skc_to_mptcp_sock */
	case 203:	  /* dynptr_data */
	case 210:	  /* cgrp_storage_get */
		return true;
	}
	return false;
}

uint32_t analysis_subprog_of(const struct prog *p, uint32_t insn)
{
	uint32_t s;

	for (s = 0; s < p->nsubprogs; s++)
		if (insn >= p->subprogs[s].start && insn < p->subprogs[s].end)
			return s;
	return 0;
}

/* Whether the subprogram starting at @start is static: no freplace program replaces it. */
static bool subprog_fixed(const struct analysis *a, int64_t start)
{
	const struct analysis_env *e = a->env;

	return e && e->static_fn && start >= 0 && start < (int64_t)e->static_fn_len &&
	       e->static_fn[start];
}

/*
 * Helpers that fill a buffer of their own (the verifier's
 * ARG_PTR_TO_UNINIT_MEM with the size in the next argument): the verifier
 * marks [buf, buf + size) written after the call (check_helper_call()), and
 * so do we when both are known -- a window that reads those bytes can then
 * be rewritten into one that reads them too.  None of them reads the
 * buffer.  What the kernel writes (linux-source-6.1: net/core/filter.c,
 * kernel/trace/bpf_trace.c, kernel/bpf/helpers.c), for liveness:
 *   FILL_ALWAYS      all of it on every path: the data, or memset() to 0
 *                    on an error (skb_load_bytes*, probe_read*, the tunnel
 *                    and xfrm getters);
 *   FILL_ON_SUCCESS  all of it when the helper returns 0, none of it when
 *                    it fails (xdp_load_bytes: bpf_xdp_pointer()'s errors
 *                    return before the copy);
 *   FILL_SOME        maybe not all of it (the _str readers stop at the NUL;
 *                    get_current_comm is strscpy() in 6.1, which does not
 *                    pad; get_stack is not checked here).
 */
static const struct analysis_fill fills[] = {
	{4, 1, FILL_ALWAYS},	  /* probe_read */
	{16, 1, FILL_SOME},	  /* get_current_comm */
	{20, 2, FILL_ALWAYS},	  /* skb_get_tunnel_key */
	{26, 3, FILL_ALWAYS},	  /* skb_load_bytes */
	{29, 2, FILL_ALWAYS},	  /* skb_get_tunnel_opt */
	{45, 1, FILL_SOME},	  /* probe_read_str */
	{66, 3, FILL_ALWAYS},	  /* skb_get_xfrm_state */
	{67, 2, FILL_SOME},	  /* get_stack */
	{68, 3, FILL_ALWAYS},	  /* skb_load_bytes_relative */
	{112, 1, FILL_ALWAYS},	  /* probe_read_user */
	{113, 1, FILL_ALWAYS},	  /* probe_read_kernel */
	{114, 1, FILL_SOME},	  /* probe_read_user_str */
	{115, 1, FILL_SOME},	  /* probe_read_kernel_str */
	{189, 3, FILL_ON_SUCCESS}, /* xdp_load_bytes */
};

const struct analysis_fill *analysis_helper_fill(int32_t id)
{
	size_t k;

	for (k = 0; k < sizeof(fills) / sizeof(fills[0]); k++)
		if (fills[k].id == id)
			return &fills[k];
	return NULL;
}

static void mark_written(struct analysis_fwd *f, struct analysis_state *st, int32_t id)
{
	const struct analysis_reg *buf, *size;
	const struct analysis_map *m;
	uint64_t n;
	int64_t off;

	if (id == H_MAP_POP || id == H_MAP_PEEK) {
		/* ARG_PTR_TO_MAP_VALUE | MEM_UNINIT: the map's value_size bytes */
		m = st->regs[1].type == ANALYSIS_MAP_PTR ? analysis_map_of(f->a, &st->regs[1])
							 : NULL;
		buf = &st->regs[2];
		n = m ? m->value_size : 0;
	} else {
		const struct analysis_fill *fl = analysis_helper_fill(id);

		if (!fl)
			return;
		buf = &st->regs[fl->arg];
		size = &st->regs[fl->arg + 1];
		if (size->type != ANALYSIS_SCALAR || size->s.mask)
			return;
		n = size->s.value;
	}
	if (!analysis_stack_const(buf, 0, &off) || !n || n > ANALYSIS_STACK_SIZE ||
	    off + (int64_t)n > 0)
		return;
	analysis_clobber_stack(st, off, off + (int64_t)n, true, false);
}

static bool subprog_changes_pkt(struct analysis_fwd *f, uint32_t sp, unsigned int depth)
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
			r = !subprog_fixed(f->a, (int64_t)i + in->imm + 1) ||
			    subprog_changes_pkt(f, analysis_subprog_of(p, i + in->imm + 1),
						depth + 1);
		else
			r = true; /* kfunc: do not guess */
	}
	f->changes_pkt[sp] = r;
	return r;
}

void analysis_find_pkt_changes(struct analysis_fwd *f)
{
	uint32_t s;

	for (s = 0; s < f->a->p->nsubprogs; s++)
		subprog_changes_pkt(f, s, 0);
}

void analysis_call(struct analysis_fwd *f, struct analysis_state *st, const struct bpf_insn *in,
		   uint32_t i)
{
	const struct prog *p = f->a->p;
	struct analysis_reg *r0 = &st->regs[0];
	bool pkt = false;
	unsigned int r;

	/*
	 * Pointers to our stack passed down may be written through: by a helper
	 * with data, by a callee or a callback (bpf_loop, for_each_map_elem,
	 * timers, find_vma, user_ringbuf_drain) with anything.
	 */
	for (r = 1; r <= 5; r++) {
		const struct analysis_reg *arg = &st->regs[r];
		int64_t off;
		bool known_ro = in->src_reg == 0 && (in->imm == 1 || in->imm == 2 || in->imm == 3 ||
						     in->imm == 87 || in->imm == 195);
		bool any = in->src_reg != 0 || (in->imm == 164 || in->imm == 170 ||
						in->imm == 180 || in->imm == 181 || in->imm == 209);

		if (known_ro)
			continue; /* lookup, update, delete, push only read keys and values */
		if (analysis_stack_const(arg, 0, &off))
			analysis_clobber_stack(st, off, 0, false, any);
		else if (arg->type == ANALYSIS_STACK || arg->type == ANALYSIS_UNKNOWN)
			analysis_clobber_stack(st, -ANALYSIS_STACK_SIZE, 0, false, any);
	}
	if (in->src_reg == 0)
		mark_written(f, st, in->imm);
	if (in->src_reg == BPF_PSEUDO_CALL) {
		uint32_t callee = analysis_subprog_of(p, i + in->imm + 1);
		struct analysis_state *ce = f->callee_entry ? &f->callee_entry[callee] : NULL;
		struct analysis_state args;

		analysis_state_init(&args);
		args.reached = true;
		analysis_mark_type(&args.regs[BPF_REG_10], ANALYSIS_STACK);
		for (r = 1; r <= 5; r++) {
			args.regs[r] = st->regs[r];
			if (args.regs[r].type == ANALYSIS_STACK)
				analysis_mark_type(&args.regs[r], ANALYSIS_UNKNOWN);
		}
		if (f->callee_entry)
			analysis_state_join(ce, &args, false, 0);
		if (subprog_fixed(f->a, (int64_t)i + in->imm + 1)) {
			pkt = subprog_changes_pkt(f, callee, 0);
			*r0 = f->ret_assumed[callee];
			if (r0->type == ANALYSIS_STACK)
				analysis_mark_type(r0, ANALYSIS_UNKNOWN); /* its frame is gone */
		} else {
			/*
			 * What replaces it may change the packet and returns a
			 * scalar (the verifier's view of a global function); which
			 * callee this is we may not know, so: any value at all.
			 */
			pkt = true;
			analysis_mark_type(r0, ANALYSIS_UNKNOWN);
		}
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
			analysis_mark_type(r0, ANALYSIS_MAP_VALUE_OR_NULL);
			r0->map = map;
			r0->id = i + 1;
		} else if (in->imm == H_MAP_LOOKUP || in->imm == H_MAP_LOOKUP_PERCPU ||
			   helper_returns_ptr(in->imm)) {
			analysis_mark_type(r0, ANALYSIS_UNKNOWN);
		} else {
			analysis_mark_scalar(r0);
		}
	} else {
		analysis_mark_type(r0, ANALYSIS_UNKNOWN); /* kfunc */
		pkt = true;
	}
	for (r = 1; r <= 5; r++)
		analysis_mark_not_init(&st->regs[r]);
	if (pkt)
		analysis_clobber_pkt(st, in->src_reg != 0);
}
