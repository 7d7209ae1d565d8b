// SPDX-License-Identifier: MIT
/*
 * core/interp: helper calls, the map forms of LD_IMM64, and LD_ABS/LD_IND.
 *
 * A helper is a case of interp_helper()'s switch: it checks its pointer
 * arguments against the memory regions like any access (a bad one is a fault
 * naming the call), computes what the kernel's helper returns
 * (net/core/filter.c, kernel/bpf/helpers.c), and is recorded in the trace with
 * its arguments, the bytes it read through pointer arguments (a helper that
 * reads memory makes that memory observable) and its result.  Values the
 * kernel takes from the world (time, random numbers, the cpu, the devices)
 * come from the input.  A helper not modelled, or a case of one we do not
 * model (an LRU eviction, %s in trace_printk), stops the run as UNSUPPORTED.
 * The helpers on the packet's surroundings (frame boundaries, MTU, tunnel
 * metadata, routes, VLAN tags) are in interp_net.c, the checksum helpers in
 * interp_csum.c.
 *
 * LD_ABS/LD_IND are what the verifier makes of them (bpf_gen_ld_abs): a call
 * of bpf_skb_load_helper_{8,16,32} on skb->data with SKF_NET_OFF/SKF_LL_OFF
 * for negative offsets, the bytes read in network order.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/interp_internal.h"

#define SKF_NET_OFF (-0x100000)
#define SKF_LL_OFF (-0x200000)

/* ---- LD_IMM64 map forms, LD_ABS ---- */

int interp_ldimm64_map(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint32_t kind,
		       int32_t ref, int32_t voff, uint64_t *val)
{
	uint32_t m;

	if (kind != BPF_PSEUDO_MAP_FD && kind != BPF_PSEUDO_MAP_VALUE &&
	    kind != BPF_PSEUDO_MAP_IDX && kind != BPF_PSEUDO_MAP_IDX_VALUE) {
		interp_fault(res, INTERP_UNSUPPORTED, pc, "LD_IMM64 of kind %u not supported",
			     kind);
		return -EOPNOTSUPP;
	}
	for (m = 0; m < c->nmaps; m++)
		if (c->maps[m].def.ref == ref)
			break;
	if (m == c->nmaps) {
		interp_fault(res, INTERP_FAULT, pc,
			     "LD_IMM64 refers to map %d, not in the map table", ref);
		return -EINVAL;
	}
	if (kind == BPF_PSEUDO_MAP_FD || kind == BPF_PSEUDO_MAP_IDX) {
		*val = c->regions[R_MAP0 + 2 * m + 1].base;
		return 0;
	}
	if (c->maps[m].def.type != BPF_MAP_TYPE_ARRAY || voff < 0 ||
	    (uint32_t)voff >= c->maps[m].def.value_size) {
		interp_fault(res, INTERP_FAULT, pc, "direct value offset %d of map %u not allowed",
			     voff, m);
		return -EINVAL;
	}
	if (interp_array_mark_dirty(&c->maps[m], 0)) {
		interp_fault(res, INTERP_FAULT, pc, "out of memory");
		return -ENOMEM;
	}
	*val = c->regions[R_MAP0 + 2 * m].base + voff;
	return 0;
}

/*
 * bpf_skb_load_helper_{8,16,32}: 0 and the value (network byte order read),
 * 1 when the bytes are not in the packet, or -errno after a fault.
 */
int interp_ld_abs(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t k,
		  uint32_t size, uint64_t *val)
{
	int64_t ptr;
	const uint8_t *b;

	if (!interp_is_skb_type(c->type)) {
		interp_fault(res, INTERP_FAULT, pc, "LD_ABS/LD_IND outside a __sk_buff program");
		return -EINVAL;
	}
	if (k >= 0) {
		if (c->data_end - c->data - k < size)
			return 1;
		ptr = c->data + k;
	} else {
		if (k >= SKF_NET_OFF)
			ptr = c->net + k - SKF_NET_OFF;
		else if (k >= SKF_LL_OFF)
			ptr = c->mac + k - SKF_LL_OFF;
		else
			return 1;
		if (ptr < 0 || ptr + size > c->data_end)
			return 1;
	}
	b = c->pkt + ptr;
	switch (size) {
	case 1: *val = b[0]; break;
	case 2: *val = (uint32_t)b[0] << 8 | b[1]; break;
	default: *val = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	}
	return 0;
}

/* ---- helpers ---- */

/* The map whose object @addr is, or -1. */
static int map_of(struct interp_ctx *c, uint64_t addr)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;

	if (i >= c->nregions || c->regions[i].kind != RK_MAPOBJ || addr != c->regions[i].base)
		return -1;
	return c->regions[i].map;
}

const uint8_t *interp_helper_mem(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
				 uint64_t addr, uint32_t size)
{
	const uint8_t *h = interp_xlate(c, addr, size, false);

	if (!h)
		interp_mem_fault(c, res, pc, addr, size, INTERP_HELPER_READ);
	return h;
}

/* Append @n bytes a helper reads to the trace of @call (what fits). */
void interp_trace_mem(struct interp_ctx *c, struct interp_call *call, const uint8_t *p,
		      uint32_t n)
{
	uint32_t room = INTERP_TRACE_MEM - c->trace_mem_len;

	if (!call)
		return;
	if (n > room) {
		n = room;
		call->mem_truncated = true;
	}
	memcpy(c->trace_mem + c->trace_mem_len, p, n);
	c->trace_mem_len += n;
	call->mem_len += n;
}

/*
 * A buffer a helper writes: checked like a program's write, but its stack
 * bytes count as written only if the helper writes them (interp_helper_wrote()).
 */
uint8_t *interp_helper_wbuf(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
			    uint64_t addr, uint32_t size)
{
	bool flagged = c->uninit_read;
	uint8_t *h = interp_xlate(c, addr, size, false);

	c->uninit_read = flagged; /* a check, not a read */
	if (h) {
		uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;

		if (!c->regions[i].writable)
			h = interp_mem_wptr(c, addr, size);
	}
	if (!h)
		interp_mem_fault(c, res, pc, addr, size, INTERP_WRITE);
	return h;
}

void interp_helper_wrote(struct interp_ctx *c, uint64_t addr, uint32_t size)
{
	interp_xlate(c, addr, size, true);
}

int interp_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int32_t id,
		  uint64_t *r)
{
	struct interp_call *call = c->ncalls < INTERP_TRACE_CAP ? &c->calls[c->ncalls] : NULL;
	const uint8_t *key, *val;
	struct interp_map *m;
	int64_t ret = 0;
	int mi;

	if (call) {
		call->insn = pc;
		call->helper = id;
		memcpy(call->args, &r[1], sizeof(call->args));
		call->mem = c->trace_mem + c->trace_mem_len;
		call->mem_len = 0;
		call->mem_truncated = false;
	}
	switch (id) {
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_update_elem:
	case BPF_FUNC_map_delete_elem:
		mi = map_of(c, r[1]);
		if (mi < 0) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a map", id);
			return -EINVAL;
		}
		m = &c->maps[mi];
		if (m->kind == MK_QUEUE || m->kind == MK_NONE) {
			if (interp_map2_helper(c, res, pc, call, id, r, &ret))
				return -EINVAL;
			break;
		}
		if ((m->kind != MK_ARRAY && m->kind != MK_HASH) || m->cgstorage ||
		    (m->lookup_only && id != BPF_FUNC_map_lookup_elem)) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d on a map of type %u", id,
				     m->def.type);
			return -EINVAL;
		}
		key = interp_helper_mem(c, res, pc, r[2], m->def.key_size);
		if (!key)
			return -EFAULT;
		interp_trace_mem(c, call, key, m->def.key_size);
		if (id == BPF_FUNC_map_update_elem) {
			uint8_t kbuf[512];

			/* the value read may overlap what the insert changes */
			memcpy(kbuf, key, m->def.key_size);
			val = interp_helper_mem(c, res, pc, r[3], m->def.value_size);
			if (!val)
				return -EFAULT;
			interp_trace_mem(c, call, val, m->def.value_size);
			/*
			 * An LRU update takes a free node first, even for a key
			 * already in the map; with none left (one CPU: all
			 * max_entries in use) the kernel evicts in an order we
			 * do not model.  Per-CPU LRU lists (BPF_F_NO_COMMON_LRU)
			 * run out at a share per CPU, which we do not know.
			 */
			if (m->lru && r[4] <= BPF_EXIST &&
			    (m->count >= m->def.max_entries ||
			     (m->def.flags & BPF_F_NO_COMMON_LRU))) {
				interp_fault(res, INTERP_UNSUPPORTED, pc,
					     "LRU map %d would evict: not modelled", mi);
				return -EOPNOTSUPP;
			}
			ret = interp_map_update(c, mi, kbuf, val, r[4]);
			if (ret == -ENOMEM) {
				interp_fault(res, INTERP_FAULT, pc, "out of memory");
				return -ENOMEM;
			}
			break;
		}
		if (m->kind == MK_ARRAY) {
			uint32_t idx;

			memcpy(&idx, key, 4);
			if (id == BPF_FUNC_map_delete_elem) {
				ret = -EINVAL;
			} else if (idx < m->def.max_entries) {
				if (interp_array_mark_dirty(m, idx)) {
					interp_fault(res, INTERP_FAULT, pc, "out of memory");
					return -ENOMEM;
				}
				ret = (int64_t)(c->regions[R_MAP0 + 2 * mi].base +
						((uint64_t)idx << m->shift));
			}
			break;
		}
		{
			uint8_t lkey[4 + 256];
			uint32_t e;

			if (!m->lpm)
				e = interp_hash_find(m, key);
			else if (id == BPF_FUNC_map_lookup_elem)
				e = interp_lpm_match(m, key);
			else if (interp_lpm_norm(m, key, lkey))
				e = UINT32_MAX - 1; /* trie_delete_elem(): -EINVAL */
			else
				e = interp_hash_find(m, lkey);
			if (e == UINT32_MAX - 1) {
				ret = -EINVAL;
			} else if (id == BPF_FUNC_map_delete_elem) {
				if (e == UINT32_MAX) {
					ret = -ENOENT;
				} else {
					interp_hash_unlink(m, e);
					ret = 0;
				}
			} else if (e != UINT32_MAX) {
				if (m->def.type == BPF_MAP_TYPE_XSKMAP) {
					/* the value is the socket (struct xdp_sock) */
					interp_fault(res, INTERP_UNSUPPORTED, pc,
						     "lookup of a filled xskmap slot");
					return -EOPNOTSUPP;
				}
				if (m->of_maps) { /* the inner map itself */
					uint32_t in;

					memcpy(&in, m->vals + ((size_t)e << m->shift), 4);
					ret = (int64_t)c->regions[R_MAP0 + 2 * in + 1].base;
					break;
				}
				ret = (int64_t)(c->regions[R_MAP0 + 2 * mi].base +
						((uint64_t)e << m->shift));
			}
		}
		break;
	case BPF_FUNC_map_push_elem:
	case BPF_FUNC_map_pop_elem:
	case BPF_FUNC_map_peek_elem:
	case BPF_FUNC_skb_under_cgroup:
		if (interp_map2_helper(c, res, pc, call, id, r, &ret))
			return -EINVAL;
		break;
	case BPF_FUNC_sk_storage_get:
	case BPF_FUNC_sk_storage_delete:
		if (interp_sk_storage(c, res, pc, call, id, r, &ret))
			return -EINVAL;
		break;
	case BPF_FUNC_sk_lookup_tcp:
	case BPF_FUNC_sk_lookup_udp:
	case BPF_FUNC_skc_lookup_tcp:
	case BPF_FUNC_skb_get_xfrm_state:
	case BPF_FUNC_skb_cgroup_id:
	case BPF_FUNC_skb_ancestor_cgroup_id:
	case BPF_FUNC_skb_change_type:
	case BPF_FUNC_sk_fullsock:
	case BPF_FUNC_tcp_sock:
	case BPF_FUNC_get_listener_sock:
		if (interp_sk_helper(c, res, pc, call, id, r, &ret))
			return -EINVAL;
		break;
	case BPF_FUNC_get_local_storage:
		mi = map_of(c, r[1]);
		if (mi < 0 || !c->maps[mi].cgstorage || c->maps[mi].sk_local) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a cgroup storage",
				     id);
			return -EINVAL;
		}
		if (interp_array_mark_dirty(&c->maps[mi], 0)) {
			interp_fault(res, INTERP_FAULT, pc, "out of memory");
			return -ENOMEM;
		}
		ret = (int64_t)c->regions[R_MAP0 + 2 * mi].base;
		break;
	case BPF_FUNC_redirect_map: {
		/*
		 * __bpf_xdp_redirect_map(): flags other than the fallback
		 * action and the map's own abort; the u64 index is looked up
		 * as a u32 key; a miss returns the fallback, unless
		 * broadcasting (devmaps), which redirects to all.
		 */
		const uint64_t action_mask = XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX;
		uint64_t flag_mask = 0, flags = r[3];
		uint32_t idx = (uint32_t)r[2];

		mi = map_of(c, r[1]);
		if (c->type != BPF_PROG_TYPE_XDP || mi < 0 || !c->maps[mi].redirect) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a redirect map",
				     id);
			return -EINVAL;
		}
		m = &c->maps[mi];
		if (m->def.type == BPF_MAP_TYPE_DEVMAP || m->def.type == BPF_MAP_TYPE_DEVMAP_HASH)
			flag_mask = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
		if (flags & ~(action_mask | flag_mask))
			ret = XDP_ABORTED;
		else if (interp_hash_find(m, &idx) == UINT32_MAX && !(flags & BPF_F_BROADCAST))
			ret = (int64_t)(flags & action_mask);
		else
			ret = XDP_REDIRECT;
		break;
	}
	case BPF_FUNC_jiffies64: /* the clock at the HZ conntrack's environment gives */
		if (!c->ct_set)
			goto unsupported;
		ret = (int64_t)interp_ct_jiffies(c);
		break;
	case BPF_FUNC_ktime_get_ns:
	case BPF_FUNC_ktime_get_boot_ns:
	case BPF_FUNC_ktime_get_coarse_ns:
	case BPF_FUNC_ktime_get_tai_ns:
		/* one clock, the input's: the kernel's differ by offsets we do not know */
		ret = (int64_t)c->ktime;
		c->ktime += c->in->ktime_step;
		break;
	case BPF_FUNC_get_prandom_u32:
		if (c->in->nprandom)
			ret = c->in->prandom[c->prandom_i++ % c->in->nprandom];
		break;
	case BPF_FUNC_get_smp_processor_id:
		ret = c->in->cpu;
		break;
	case BPF_FUNC_get_current_pid_tgid:
	case BPF_FUNC_get_current_uid_gid:
	case BPF_FUNC_get_current_comm:
	case BPF_FUNC_probe_read_kernel:
	case BPF_FUNC_probe_read_kernel_str:
	case BPF_FUNC_get_current_task:
		if (interp_task_helper(c, res, pc, call, id, r, &ret))
			return -EOPNOTSUPP;
		break;
	case BPF_FUNC_perf_event_output: {
		/* bpf_{skb,xdp}_event_output(ctx, map, flags, data, size): no event is open */
		uint64_t flags = r[3], idx = flags & BPF_F_INDEX_MASK;

		mi = map_of(c, r[2]);
		if (mi < 0 || c->maps[mi].def.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY ||
		    r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: bad ctx or map", id);
			return -EINVAL;
		}
		if (r[5]) {
			const uint8_t *data = interp_helper_mem(c, res, pc, r[4], (uint32_t)r[5]);

			if (!data)
				return -EFAULT;
			interp_trace_mem(c, call, data, (uint32_t)r[5]);
		}
		if (idx == BPF_F_CURRENT_CPU)
			idx = c->in->cpu;
		if (flags & ~(BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK))
			ret = -EINVAL;
		else if ((flags & BPF_F_CTXLEN_MASK) && interp_is_trace_type(c->type))
			ret = -EINVAL; /* bpf_perf_event_output(): no ctx to append */
		else if ((flags & BPF_F_CTXLEN_MASK) >> 32 > (uint64_t)(c->data_end - c->data))
			ret = -EFAULT;
		else if (idx >= c->maps[mi].def.max_entries)
			ret = -E2BIG;
		else
			ret = -ENOENT;
		break;
	}
	case BPF_FUNC_redirect:
		/* the target is the call's arguments, in the trace */
		if (c->type == BPF_PROG_TYPE_XDP)
			ret = r[2] ? XDP_ABORTED : XDP_REDIRECT;
		else if (interp_is_l2_type(c->type))
			ret = r[2] & ~(uint64_t)BPF_F_INGRESS ? 2 /* TC_ACT_SHOT */
							       : 7 /* TC_ACT_REDIRECT */;
		else
			goto unsupported;
		break;
	case BPF_FUNC_skb_load_bytes: {
		uint32_t off = (uint32_t)r[2], len = (uint32_t)r[4];
		uint8_t *to;

		if (c->type == BPF_PROG_TYPE_FLOW_DISSECTOR && r[1] == c->regions[R_CTX].base) {
			/* bpf_flow_dissector_load_bytes(): a test run's ctx has no skb */
			to = interp_helper_wbuf(c, res, pc, r[3], len);
			if (!to)
				return -EFAULT;
			memset(to, 0, len);
			interp_helper_wrote(c, r[3], len);
			ret = -EFAULT;
			break;
		}

		if (!interp_is_skb_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not an __sk_buff",
				     id);
			return -EINVAL;
		}
		to = len ? interp_xlate(c, r[3], len, true) : NULL;
		if (len && !to)
			to = interp_mem_wptr(c, r[3], len);
		if (len && !to) {
			interp_mem_fault(c, res, pc, r[3], len, INTERP_WRITE);
			return -EFAULT;
		}
		/* skb_header_pointer() on a linear skb: inside skb->data .. len */
		if (off > INT32_MAX || (int64_t)off + len > c->data_end - c->data) {
			memset(to, 0, len);
			ret = -EFAULT;
		} else {
			memcpy(to, c->pkt + c->data + off, len);
		}
		break;
	}
	case BPF_FUNC_skb_load_bytes_relative: {
		/*
		 * From the MAC or the network header (the test run's: 14
		 * bytes after the MAC header, all types) to the tail.
		 */
		uint32_t off = (uint32_t)r[2], len = (uint32_t)r[4];
		int64_t start = r[5] == BPF_HDR_START_MAC ? c->mac : c->net;
		uint8_t *to;

		if (!interp_is_skb_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not an __sk_buff",
				     id);
			return -EINVAL;
		}
		to = interp_helper_wbuf(c, res, pc, r[3], len);
		if (!to)
			return -EFAULT;
		if (off > 0xffff || r[5] > BPF_HDR_START_NET ||
		    start + off + len > c->data_end) {
			memset(to, 0, len);
			ret = -EFAULT;
		} else {
			memcpy(to, c->pkt + start + off, len);
		}
		interp_helper_wrote(c, r[3], len);
		break;
	}
	case BPF_FUNC_skb_pull_data: {
		/* skb_ensure_writable() of a linear, unshared skb: pskb_may_pull() */
		uint32_t len = (uint32_t)r[2];

		if (!interp_is_l2_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a tc __sk_buff",
				     id);
			return -EINVAL;
		}
		ret = (int64_t)(len ? len : (uint64_t)(c->data_end - c->data)) >
				      c->data_end - c->data ? -ENOMEM : 0;
		break;
	}
	case BPF_FUNC_csum_diff: {
		uint32_t fsize = (uint32_t)r[2], tsize = (uint32_t)r[4];
		const uint8_t *from = NULL, *to = NULL;

		if (fsize && !(from = interp_helper_mem(c, res, pc, r[1], fsize)))
			return -EFAULT;
		if (tsize && !(to = interp_helper_mem(c, res, pc, r[3], tsize)))
			return -EFAULT;
		if (fsize)
			interp_trace_mem(c, call, from, fsize);
		if (tsize)
			interp_trace_mem(c, call, to, tsize);
		ret = interp_csum_diff(from, fsize, to, tsize, (uint32_t)r[5]);
		break;
	}
	case BPF_FUNC_l3_csum_replace:
	case BPF_FUNC_l4_csum_replace:
		if (!interp_is_l2_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a tc __sk_buff",
				     id);
			return -EINVAL;
		}
		ret = interp_csum_replace(c, id == BPF_FUNC_l4_csum_replace, (uint32_t)r[2], r[3],
					  r[4], r[5]);
		break;
	case BPF_FUNC_skb_store_bytes: {
		/* a linear, unshared skb: only the end of the packet bounds the write */
		uint32_t off = (uint32_t)r[2], len = (uint32_t)r[4];
		const uint8_t *from;

		if (!interp_is_l2_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a tc __sk_buff",
				     id);
			return -EINVAL;
		}
		from = len ? interp_helper_mem(c, res, pc, r[3], len) : NULL;
		if (len && !from)
			return -EFAULT;
		if (len)
			interp_trace_mem(c, call, from, len);
		if (r[5] & ~(uint64_t)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) {
			ret = -EINVAL;
		} else if (off > INT32_MAX || (int64_t)off + len > c->data_end - c->data) {
			ret = -EFAULT;
		} else {
			memmove(c->pkt + c->data + off, from, len);
			if (r[5] & BPF_F_INVALIDATE_HASH)
				c->skb.hash = 0;
		}
		break;
	}
	case BPF_FUNC_fib_lookup:
		if ((c->type != BPF_PROG_TYPE_XDP && !interp_is_l2_type(c->type)) ||
		    r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: bad ctx", id);
			return -EINVAL;
		}
		if (interp_fib_lookup(c, res, pc, call, r, &ret))
			return -EFAULT;
		break;
	case BPF_FUNC_redirect_peer:
		/* like redirect, to the peer of a veth or netkit: any flag is refused */
		if (!interp_is_l2_type(c->type))
			goto unsupported;
		ret = r[2] ? 2 /* TC_ACT_SHOT */ : 7 /* TC_ACT_REDIRECT */;
		break;
	case BPF_FUNC_skb_adjust_room:
		if (!interp_is_l2_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a tc __sk_buff",
				     id);
			return -EINVAL;
		}
		if (interp_adjust_room(c, res, pc, r, &ret))
			return -EOPNOTSUPP;
		break;
	case BPF_FUNC_skb_change_head:
		if (!interp_is_l2_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a tc __sk_buff",
				     id);
			return -EINVAL;
		}
		if (interp_change_head(c, res, pc, r, &ret))
			return -EOPNOTSUPP;
		break;
	case BPF_FUNC_skb_vlan_push:
	case BPF_FUNC_skb_vlan_pop:
		if (!interp_is_l2_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a tc __sk_buff",
				     id);
			return -EINVAL;
		}
		if (interp_vlan_helper(c, res, pc, id, r, &ret))
			return -EOPNOTSUPP;
		break;
	case BPF_FUNC_clone_redirect:
		if (!interp_is_l2_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a tc __sk_buff",
				     id);
			return -EINVAL;
		}
		if (interp_clone_redirect(c, res, pc, r, &ret))
			return -EOPNOTSUPP;
		break;
	case BPF_FUNC_xdp_get_buff_len:
	case BPF_FUNC_xdp_load_bytes:
	case BPF_FUNC_xdp_store_bytes: {
		/* bpf_xdp_pointer() on a frame without frags */
		uint32_t off = (uint32_t)r[2], len = (uint32_t)r[4];
		uint8_t *buf = NULL;

		if (c->type != BPF_PROG_TYPE_XDP || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not an xdp_md", id);
			return -EINVAL;
		}
		if (id == BPF_FUNC_xdp_get_buff_len) {
			ret = c->data_end - c->data;
			break;
		}
		if (id == BPF_FUNC_xdp_load_bytes)
			buf = interp_helper_wbuf(c, res, pc, r[3], len);
		else
			buf = (uint8_t *)interp_helper_mem(c, res, pc, r[3], len);
		if (!buf)
			return -EFAULT;
		if (id == BPF_FUNC_xdp_store_bytes)
			interp_trace_mem(c, call, buf, len);
		if (off > 0xffff || len > 0xffff) {
			ret = -EFAULT;
		} else if ((int64_t)off + len > c->data_end - c->data) {
			ret = -EINVAL;
		} else if (id == BPF_FUNC_xdp_load_bytes) {
			memcpy(buf, c->pkt + c->data + off, len);
			interp_helper_wrote(c, r[3], len);
		} else {
			memmove(c->pkt + c->data + off, buf, len);
		}
		break;
	}
	case BPF_FUNC_trace_printk: {
		const uint8_t *fmt = interp_helper_mem(c, res, pc, r[1], (uint32_t)r[2]);

		if (!fmt)
			return -EFAULT;
		interp_trace_mem(c, call, fmt, (uint32_t)r[2]);
		if (!interp_trace_printk((const char *)fmt, (uint32_t)r[2], &r[3], &ret)) {
			interp_fault(res, INTERP_UNSUPPORTED, pc,
				     "trace_printk with %%s or %%p: not modelled");
			return -EOPNOTSUPP;
		}
		break;
	}
	case BPF_FUNC_skb_get_tunnel_key:
	case BPF_FUNC_skb_set_tunnel_key:
	case BPF_FUNC_skb_get_tunnel_opt:
	case BPF_FUNC_skb_set_tunnel_opt:
		if (!interp_is_l2_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a tc __sk_buff",
				     id);
			return -EINVAL;
		}
		if (interp_tunnel_helper(c, res, pc, call, id, r, &ret))
			return -EFAULT;
		break;
	case BPF_FUNC_check_mtu:
		if ((c->type != BPF_PROG_TYPE_XDP && !interp_is_l2_type(c->type)) ||
		    r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: bad ctx", id);
			return -EINVAL;
		}
		if (interp_check_mtu(c, res, pc, call, r, &ret))
			return -EFAULT;
		break;
	case BPF_FUNC_xdp_adjust_head:
	case BPF_FUNC_xdp_adjust_meta:
	case BPF_FUNC_xdp_adjust_tail:
		if (c->type != BPF_PROG_TYPE_XDP || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not an xdp_md", id);
			return -EINVAL;
		}
		ret = interp_xdp_adjust(c, id, (int32_t)r[2]);
		break;
	default:
		goto unsupported;
	}
	r[0] = (uint64_t)ret;
	if (call)
		call->ret = (uint64_t)ret;
	c->ncalls++;
	return 0;
unsupported:
	interp_fault(res, INTERP_UNSUPPORTED, pc, "unsupported helper %d", id);
	return -EOPNOTSUPP;
}


#define MAX_TAIL_CALL_CNT 33

int interp_tail_call(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		     const uint64_t *r, uint32_t *ntail, const struct interp_prog **target)
{
	struct interp_call *call = c->ncalls < INTERP_TRACE_CAP ? &c->calls[c->ncalls] : NULL;
	uint32_t idx = (uint32_t)r[3];
	struct interp_map *m;
	int mi = map_of(c, r[2]);

	*target = NULL;
	if (mi < 0 || c->maps[mi].def.type != BPF_MAP_TYPE_PROG_ARRAY ||
	    r[1] != c->regions[R_CTX].base) {
		interp_fault(res, INTERP_FAULT, pc, "tail call: bad ctx or prog array");
		return -EINVAL;
	}
	if (call) {
		call->insn = pc;
		call->helper = BPF_FUNC_tail_call;
		memcpy(call->args, &r[1], sizeof(call->args));
		call->ret = 0;
		call->mem = c->trace_mem + c->trace_mem_len;
		call->mem_len = 0;
		call->mem_truncated = false;
	}
	c->ncalls++;
	m = &c->maps[mi];
	/* the JIT's order: index, then the count, then the slot */
	if (idx >= m->def.max_entries || (*ntail)++ >= MAX_TAIL_CALL_CNT || !m->progs[idx])
		return 0;
	if (interp_prog__type(m->progs[idx]) != c->type) {
		interp_fault(res, INTERP_FAULT, pc, "tail call into a program of another type");
		return -EINVAL;
	}
	*target = m->progs[idx];
	return 0;
}
