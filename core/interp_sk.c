// SPDX-License-Identifier: MIT
/*
 * core/interp: the socket a test run's skb carries, and the helpers that ask
 * about sockets, cgroups and IPsec state (net/core/filter.c), as
 * BPF_PROG_TEST_RUN shows them (net/bpf/test_run.c).
 *
 * bpf_prog_test_run_skb() gives every skb a dummy socket, zeroed, of family
 * AF_INET with the packet's addresses (rcv_saddr = source, daddr =
 * destination) for an IPv4 packet, AF_INET6 likewise for IPv6, AF_UNSPEC
 * otherwise; no ports.  cgroup_skb programs read it through __sk_buff's
 * family .. local_port (the other skb types may not), and all through
 * __sk_buff->sk as a struct bpf_sock (interp_sk_ctx()).  The socket is a full
 * one (bpf_sk_fullsock() gives it back; it is no TCP socket, and not
 * listening), in the cgroup of the task that runs the test: the input names that
 * cgroup by the ids of its ancestors (interp_input.cgroup_ids), without which
 * the cgroup helpers are not modelled.
 *
 * The netns of the run holds no sockets: bpf_sk_lookup_tcp/_udp and
 * bpf_skc_lookup_tcp find nothing, whatever the tuple (the corpus test runs
 * them in an empty netns to match).  The skb has no IPsec path:
 * bpf_skb_get_xfrm_state() clears its buffer and fails.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/interp_internal.h"

#define AF_INET_ 2
#define AF_INET6_ 10

void interp_sk_fields(struct interp_ctx *c, const uint8_t *pkt, uint32_t len)
{
	struct __sk_buff *s = &c->skb;
	uint16_t proto = len >= ETH_HLEN ? (uint16_t)(pkt[12] << 8 | pkt[13]) : 0;

	s->family = 0;
	s->remote_ip4 = s->local_ip4 = 0;
	memset(s->remote_ip6, 0, sizeof(s->remote_ip6));
	memset(s->local_ip6, 0, sizeof(s->local_ip6));
	s->remote_port = s->local_port = 0;
	if (proto == 0x0800 && len >= ETH_HLEN + 20) {
		s->family = AF_INET_;
		memcpy(&s->local_ip4, pkt + 26, 4);
		memcpy(&s->remote_ip4, pkt + 30, 4);
	} else if (proto == 0x86dd && len >= ETH_HLEN + 40) {
		s->family = AF_INET6_;
		memcpy(s->local_ip6, pkt + 22, 16);
		memcpy(s->remote_ip6, pkt + 38, 16);
	}
}

#define TCP_CLOSE_ 7

/*
 * A struct bpf_sock field of the dummy socket (bpf_sock_is_valid_access(),
 * bpf_sock_convert_ctx_access()): zeroed but for the family, the addresses
 * and state TCP_CLOSE (sock_init_data()); type and protocol 0; read-only.
 * The fields narrower than a u32 in the kernel are read at their start only,
 * and their values fit, so a narrow read is the value's low bytes.
 */
int interp_sk_ctx(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t off,
		  uint32_t size, int mode, uint64_t *val)
{
	struct bpf_sock s = {0};
#define SK_OFF(f) ((int64_t)offsetof(struct bpf_sock, f))
	bool narrow_ok = off == SK_OFF(state) || off == SK_OFF(family) || off == SK_OFF(type) ||
			 off == SK_OFF(protocol) || off == SK_OFF(src_port) ||
			 (off >= SK_OFF(src_ip4) && off < SK_OFF(src_port)) ||
			 (off >= SK_OFF(dst_ip4) && off < SK_OFF(state));

	if (mode != INTERP_READ || off < 0 || off + size > (int64_t)sizeof(s) || off % size ||
	    (off >= SK_OFF(dst_port) + 2 && off < SK_OFF(dst_ip4)) ||
	    (!narrow_ok && !(off >= SK_OFF(dst_port) && off < SK_OFF(dst_port) + 2) &&
	     size != 4)) {
		interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at bpf_sock%+lld: invalid "
			     "access", mode == INTERP_READ ? "read" : "write", size, (long long)off);
		return -EFAULT;
	}
	if (off == SK_OFF(rx_queue_mapping)) {
		interp_fault(res, INTERP_UNSUPPORTED, pc, "bpf_sock rx_queue_mapping: not modelled");
		return -EOPNOTSUPP;
	}
#undef SK_OFF
	s.family = c->skb.family;
	s.src_ip4 = c->skb.local_ip4;
	s.dst_ip4 = c->skb.remote_ip4;
	memcpy(s.src_ip6, c->skb.local_ip6, sizeof(s.src_ip6));
	memcpy(s.dst_ip6, c->skb.remote_ip6, sizeof(s.dst_ip6));
	s.state = TCP_CLOSE_;
	*val = 0;
	memcpy(val, (uint8_t *)&s + off, size);
	return 0;
}

/* The dummy socket's cgroup's ancestor at @level (its own: ncgroup_ids - 1), or 0 */
static int cgroup_id(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t level,
		     int64_t *ret)
{
	if (!c->in->ncgroup_ids) {
		interp_fault(res, INTERP_UNSUPPORTED, pc,
			     "cgroup id helper: the input names no cgroup");
		return -EOPNOTSUPP;
	}
	*ret = level < 0 || level >= c->in->ncgroup_ids ? 0 : (int64_t)c->in->cgroup_ids[level];
	return 0;
}

int interp_sk_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		     struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret)
{
	bool skb = interp_is_skb_type(c->type);

	if (id == BPF_FUNC_sk_fullsock || id == BPF_FUNC_tcp_sock ||
	    id == BPF_FUNC_get_listener_sock) {
		/* on the test run's socket: full, not TCP, not listening */
		if (!skb || r[1] != c->regions[R_SK].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a socket", id);
			return -EINVAL;
		}
		*ret = id == BPF_FUNC_sk_fullsock ? (int64_t)r[1] : 0;
		return 0;
	}
	if (r[1] != c->regions[R_CTX].base || (!skb && c->type != BPF_PROG_TYPE_XDP)) {
		interp_fault(res, INTERP_FAULT, pc, "helper %d: bad ctx", id);
		return -EINVAL;
	}
	switch (id) {
	case BPF_FUNC_sk_lookup_tcp:
	case BPF_FUNC_sk_lookup_udp:
	case BPF_FUNC_skc_lookup_tcp: {
		/* (ctx, tuple, tuple_size, netns, flags): no socket to find */
		const uint8_t *t = interp_helper_mem(c, res, pc, r[2], (uint32_t)r[3]);

		if (!t)
			return -EFAULT;
		interp_trace_mem(c, call, t, (uint32_t)r[3]);
		*ret = 0;
		return 0;
	}
	case BPF_FUNC_skb_get_xfrm_state: {
		/* (skb, index, to, size, flags): no sec_path */
		uint8_t *to;

		if (!skb)
			break;
		to = interp_helper_wbuf(c, res, pc, r[3], (uint32_t)r[4]);
		if (!to)
			return -EFAULT;
		memset(to, 0, (uint32_t)r[4]);
		interp_helper_wrote(c, r[3], (uint32_t)r[4]);
		*ret = -EINVAL;
		return 0;
	}
	case BPF_FUNC_skb_cgroup_id:
		if (!skb)
			break;
		return cgroup_id(c, res, pc, (int64_t)c->in->ncgroup_ids - 1, ret);
	case BPF_FUNC_skb_ancestor_cgroup_id:
		if (!skb)
			break;
		return cgroup_id(c, res, pc, (int32_t)r[2], ret);
	case BPF_FUNC_skb_change_type:
		/* skb_pkt_type_ok(): PACKET_HOST .. PACKET_OTHERHOST */
		if (!skb)
			break;
		if (c->skb.pkt_type > 3 || (uint32_t)r[2] > 3) {
			*ret = -EINVAL;
		} else {
			c->skb.pkt_type = (uint32_t)r[2];
			*ret = 0;
		}
		return 0;
	}
	interp_fault(res, INTERP_FAULT, pc, "helper %d: not for this program type", id);
	return -EINVAL;
}

/*
 * bpf_sk_storage_get(map, sk, value, flags) and _delete(map, sk) on the test
 * run's socket (net/core/bpf_sk_storage.c): the socket starts without
 * storage; BPF_SK_STORAGE_GET_F_CREATE makes it (from @value, or zero) and
 * later gets find it; it goes with the socket at the end of the run, so the
 * map never lists it.  A NULL socket gets NULL (delete: -EINVAL).
 */
int interp_sk_storage(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		      struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret)
{
	uint64_t i = (r[1] - INTERP_ADDR_BASE) >> 32;
	struct interp_region *v;
	struct interp_map *m;

	if (i >= c->nregions || c->regions[i].kind != RK_MAPOBJ || r[1] != c->regions[i].base ||
	    !c->maps[c->regions[i].map].sk_local) {
		interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not an sk storage map", id);
		return -EINVAL;
	}
	m = &c->maps[c->regions[i].map];
	v = &c->regions[R_MAP0 + 2 * c->regions[i].map];
	if (r[2] && (r[2] != c->regions[R_SK].base || !interp_is_skb_type(c->type))) {
		interp_fault(res, INTERP_FAULT, pc, "helper %d: r2 is not a socket", id);
		return -EINVAL;
	}
	if (id == BPF_FUNC_sk_storage_delete) {
		*ret = !r[2] ? -EINVAL : m->sk_present ? 0 : -ENOENT;
		m->sk_present = false;
		return 0;
	}
	if (r[3]) {
		const uint8_t *val = interp_helper_mem(c, res, pc, r[3], m->def.value_size);

		if (!val)
			return -EFAULT;
		interp_trace_mem(c, call, val, m->def.value_size);
	}
	*ret = 0;
	if (!r[2] || r[4] > BPF_SK_STORAGE_GET_F_CREATE)
		return 0;
	if (!m->sk_present && r[4] == BPF_SK_STORAGE_GET_F_CREATE) {
		if (interp_array_mark_dirty(m, 0)) {
			interp_fault(res, INTERP_FAULT, pc, "out of memory");
			return -ENOMEM;
		}
		if (r[3])
			memcpy(v->host, interp_xlate(c, r[3], m->def.value_size, false),
			       m->def.value_size);
		else
			memset(v->host, 0, m->def.value_size);
		m->sk_present = true;
	}
	if (m->sk_present)
		*ret = (int64_t)v->base;
	return 0;
}
