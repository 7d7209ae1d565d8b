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
 * family .. local_port (the other skb types may not).  The socket is a full
 * one, in the cgroup of the task that runs the test: the input names that
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
