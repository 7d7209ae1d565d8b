// SPDX-License-Identifier: MIT
/*
 * core/interp: the helpers that act on a packet's surroundings rather than on
 * memory the program names -- the XDP frame's boundaries (adjust_head, _tail,
 * _meta), the device an MTU is checked against, the tunnel metadata of an
 * skb, the route a fib_lookup finds, the device a clone goes to, VLAN tags
 * -- each as BPF_PROG_TEST_RUN shows it (net/core/filter.c), the cases
 * the kernel decided in tests/unit/interp_cases.h and
 * tests/kernel/test_interp_csum.c.  interp_helper()
 * (interp_helpers.c) dispatches here after checking the ctx argument.
 *
 * XDP frame.  The test run's page: 256 bytes of headroom, the frame ending
 * 320 bytes before the page does (skb_shared_info), struct xdp_frame's 40
 * bytes kept below data_meta; metadata in steps of 4 up to 255 bytes.
 *
 * Devices.  The input lists the netns's devices (ifindex, mtu,
 * hard_header_len); without a list, the loopback device alone, which is the
 * test run's ctx device.  check_mtu's arithmetic is in int, as the kernel's.
 *
 * Tunnels.  A test run's skb has no dst, hence no tunnel info, until
 * bpf_skb_set_tunnel_key() attaches the per-CPU metadata dst.  We keep
 * whether it did and whether options were set: that decides every error the
 * getters and setters return; reading back what was set is not modelled.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/interp_internal.h"

static const struct interp_netdev *netdev(struct interp_ctx *c, uint32_t ifindex)
{
	static const struct interp_netdev lo = { INTERP_LO_IFINDEX, INTERP_LO_MTU,
						 INTERP_LO_HARD_HEADER_LEN };
	uint32_t i;

	if (!c->in->ndevs)
		return ifindex == lo.ifindex ? &lo : NULL;
	for (i = 0; i < c->in->ndevs; i++)
		if (c->in->devs[i].ifindex == ifindex)
			return &c->in->devs[i];
	return NULL;
}

/*
 * bpf_xdp_check_mtu() / bpf_skb_check_mtu(): ifindex 0 is the ctx's device;
 * *mtu_len, when not 0, is the L3 length to check instead of the packet's,
 * and gets the device's MTU -- unless the call fails (-EINVAL, -ENODEV),
 * which leaves it alone (6.18, by kernel-checked cases).  int arithmetic.
 */
int interp_check_mtu(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		     struct interp_call *call, const uint64_t *r, int64_t *ret)
{
	bool xdp = c->type == BPF_PROG_TYPE_XDP;
	uint32_t ifindex = (uint32_t)r[2], in_len, mtu;
	int32_t len_diff = (int32_t)r[4], len, dev_len;
	uint64_t flags = r[5];
	const struct interp_netdev *dev;
	const uint8_t *p = interp_helper_mem(c, res, pc, r[3], 4);

	if (!p || !interp_helper_wbuf(c, res, pc, r[3], 4))
		return -EFAULT;
	interp_trace_mem(c, call, p, 4);
	memcpy(&in_len, p, 4);
	if (xdp ? flags != 0 : (flags & ~(uint64_t)BPF_MTU_CHK_SEGS) ||
			       ((flags & BPF_MTU_CHK_SEGS) && (len_diff || in_len))) {
		*ret = -EINVAL;
		return 0;
	}
	if (!ifindex)
		ifindex = xdp ? c->xdp.ingress_ifindex : c->skb.ifindex;
	dev = netdev(c, ifindex);
	if (!dev) {
		*ret = -ENODEV;
		return 0;
	}
	mtu = dev->mtu;
	dev_len = (int32_t)(mtu + dev->hard_header_len);
	if (in_len)
		len = (int32_t)(in_len + dev->hard_header_len);
	else
		len = (int32_t)(c->data_end - c->data);
	len = (int32_t)((uint32_t)len + (uint32_t)len_diff);
	if (xdp) {
		*ret = len > dev_len ? BPF_MTU_CHK_RET_FRAG_NEEDED : BPF_MTU_CHK_RET_SUCCESS;
	} else if (len <= dev_len) {
		*ret = BPF_MTU_CHK_RET_SUCCESS;
	} else if (c->skb.gso_size) {
		interp_fault(res, INTERP_UNSUPPORTED, pc, "check_mtu on a GSO skb");
		return -EOPNOTSUPP;
	} else {
		*ret = BPF_MTU_CHK_RET_FRAG_NEEDED;
	}
	memcpy((uint8_t *)p, &mtu, 4);
	interp_helper_wrote(c, r[3], 4);
	return 0;
}

/*
 * Tunnel metadata (net/core/filter.c).  The test run's skb has no dst, so
 * there is no tunnel info until bpf_skb_set_tunnel_key() attaches the
 * per-CPU metadata dst; we keep only whether it did (and whether options
 * were set), which decides the errors.  Reading back a key or options that
 * were set is not modelled.  Getters clear their buffer on error.
 */
#define TUNNEL_KEY_SIZE 44	/* sizeof(struct bpf_tunnel_key): tunnel_id is a __u32 */
#define F_NO_TUNNEL_KEY (1ULL << 4)
#define IP_TUNNEL_OPTS_MAX 255	/* GENMASK(..., 8 * sizeof(info->options_len)) */

int interp_tunnel_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
			 struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret)
{
	uint32_t size = (uint32_t)r[3];
	uint64_t flags = r[4];
	uint8_t *to;
	const uint8_t *from;

	switch (id) {
	case BPF_FUNC_skb_get_tunnel_key:
	case BPF_FUNC_skb_get_tunnel_opt:
		to = interp_helper_wbuf(c, res, pc, r[2], size);
		if (!to)
			return -EFAULT;
		if (c->tunnel == 2 || (c->tunnel && id == BPF_FUNC_skb_get_tunnel_key)) {
			interp_fault(res, INTERP_UNSUPPORTED, pc,
				     "reading back tunnel metadata: not modelled");
			return -EOPNOTSUPP;
		}
		/* no info (or, for options, none present) */
		*ret = id == BPF_FUNC_skb_get_tunnel_key ? -EINVAL : -ENOENT;
		memset(to, 0, size);
		interp_helper_wrote(c, r[2], size);
		return 0;
	case BPF_FUNC_skb_set_tunnel_key: {
		uint8_t key[TUNNEL_KEY_SIZE] = {0};
		uint32_t label;
		uint16_t ext;

		from = interp_helper_mem(c, res, pc, r[2], size);
		if (!from)
			return -EFAULT;
		interp_trace_mem(c, call, from, size);
		if (flags & ~(BPF_F_TUNINFO_IPV6 | BPF_F_ZERO_CSUM_TX | BPF_F_DONT_FRAGMENT |
			      BPF_F_SEQ_NUMBER | F_NO_TUNNEL_KEY)) {
			*ret = -EINVAL;
			return 0;
		}
		/* the compat layouts: up to local_ipv6, tunnel_label, tunnel_ext, remote_ipv6[1] */
		if (size != TUNNEL_KEY_SIZE && size != 28 && size != 24 && size != 22 &&
		    size != 8) {
			*ret = -EINVAL;
			return 0;
		}
		memcpy(key, from, size);
		memcpy(&ext, key + 22, 2);
		memcpy(&label, key + 24, 4);
		if ((!(flags & BPF_F_TUNINFO_IPV6) && label) || ext) {
			*ret = -EINVAL;
			return 0;
		}
		c->tunnel = 1;
		*ret = 0;
		return 0;
	}
	default: /* BPF_FUNC_skb_set_tunnel_opt */
		from = interp_helper_mem(c, res, pc, r[2], size);
		if (!from)
			return -EFAULT;
		interp_trace_mem(c, call, from, size);
		if (!c->tunnel || (size & 3))
			*ret = -EINVAL;
		else if (size > IP_TUNNEL_OPTS_MAX)
			*ret = -ENOMEM;
		else
			c->tunnel = 2, *ret = 0;
		return 0;
	}
}

int64_t interp_xdp_adjust(struct interp_ctx *c, int32_t id, int32_t off)
{
	int64_t floor = INTERP_XDP_FRAME_HDR;

	switch (id) {
	case BPF_FUNC_xdp_adjust_head: {
		int64_t metalen = c->data - c->data_meta, data = c->data + off;

		if (data < floor + metalen || data > c->data_end - ETH_HLEN)
			return -EINVAL;
		if (metalen)
			memmove(c->pkt + c->data_meta + off, c->pkt + c->data_meta, metalen);
		c->data_meta += off;
		c->data = data;
		break;
	}
	case BPF_FUNC_xdp_adjust_meta: {
		int64_t meta = c->data_meta + off, metalen = c->data - meta;

		if (meta < floor || meta > c->data)
			return -EINVAL;
		if ((metalen & 3) || metalen > INTERP_XDP_META_MAX)
			return -EACCES;
		c->data_meta = meta;
		break;
	}
	default: { /* BPF_FUNC_xdp_adjust_tail */
		int64_t end = c->data_end + off;

		if (end > INTERP_XDP_FRAME_SIZE - INTERP_XDP_SHINFO_SIZE)
			return -EINVAL;
		if (end < c->data + ETH_HLEN)
			return -EINVAL;
		if (off > 0)
			memset(c->pkt + c->data_end, 0, off);
		c->data_end = end;
		break;
	}
	}
	c->regions[R_PKT].lo = c->data_meta;
	c->regions[R_PKT].hi = c->data_end;
	c->regions[R_PKT].show = c->data;
	if (c->data_meta < c->pkt_lo)
		c->pkt_lo = c->data_meta;
	if (c->data_end > c->pkt_hi)
		c->pkt_hi = c->data_end;
	return 0;
}

/*
 * bpf_fib_lookup(ctx, params, plen, flags), XDP and tc alike.  The
 * interpreter has no route table: it models a netns whose devices do not
 * forward (net.ipv{4,6}.conf.*.forwarding = 0, the default, and the test
 * hosts' setting), where bpf_ipv{4,6}_fib_lookup() stop at the device check
 * -- -ENODEV for an unknown params->ifindex, else FWD_DISABLED -- before
 * writing anything back.  The argument checks come first, in the kernel's
 * order; kernel-checked in tests/kernel/test_interp_csum.c.
 */
#define FIB_FLAGS_ALL 0x3fu /* DIRECT OUTPUT SKIP_NEIGH TBID SRC MARK (6.10+) */
#define AF_INET_ 2
#define AF_INET6_ 10

int interp_fib_lookup(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		      struct interp_call *call, const uint64_t *r, int64_t *ret)
{
	int32_t plen = (int32_t)r[3];
	uint32_t flags = (uint32_t)r[4], ifindex;
	const uint8_t *p;

	p = interp_helper_mem(c, res, pc, r[2], (uint32_t)plen);
	if (!p)
		return -EFAULT;
	interp_trace_mem(c, call, p, (uint32_t)plen);
	if ((uint32_t)plen < sizeof(struct bpf_fib_lookup) || (flags & ~FIB_FLAGS_ALL)) {
		*ret = -EINVAL;
		return 0;
	}
	if (p[0] != AF_INET_ && p[0] != AF_INET6_) {
		*ret = -EAFNOSUPPORT;
		return 0;
	}
	memcpy(&ifindex, p + offsetof(struct bpf_fib_lookup, ifindex), 4);
	*ret = netdev(c, ifindex) ? BPF_FIB_LKUP_RET_FWD_DISABLED : -ENODEV;
	return 0;
}

/*
 * bpf_clone_redirect(skb, ifindex, flags): a clone goes out of (or, with
 * BPF_F_INGRESS, into) the device.  Modelled for the loopback device, whose
 * xmit and receive take the test run's packet (0); other devices would
 * depend on their state: not modelled.
 */
int interp_clone_redirect(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
			  const uint64_t *r, int64_t *ret)
{
	const struct interp_netdev *dev;

	if (r[3] & ~(uint64_t)BPF_F_INGRESS) {
		*ret = -EINVAL;
		return 0;
	}
	dev = netdev(c, (uint32_t)r[2]);
	if (!dev) {
		*ret = -EINVAL;
		return 0;
	}
	if (dev->ifindex != INTERP_LO_IFINDEX) {
		interp_fault(res, INTERP_UNSUPPORTED, pc,
			     "clone_redirect to device %u: not modelled", dev->ifindex);
		return -EOPNOTSUPP;
	}
	*ret = 0;
	return 0;
}

/*
 * VLAN tags (bpf_skb_vlan_push/_pop, net/core/skbuff.c skb_vlan_push/_pop).
 * A test run's skb has no accelerated tag.  Push puts the tag in
 * skb->vlan_{proto,tci} (__sk_buff vlan_present/_proto/_tci), first
 * writing an existing one into the packet after the MAC addresses (the
 * packet grows at the front, skb->protocol becomes that tag's protocol).
 * Pop clears an accelerated tag, or else takes the first tag out of the
 * packet when skb->protocol says there is one; then a further tag in the
 * packet moves to the accelerated one.  tc's data is its MAC header, as
 * these want.
 */
#define VLAN_HLEN 4
#define ETH_P_8021Q_BE 0x0081  /* htons(0x8100) */
#define ETH_P_8021AD_BE 0xa888 /* htons(0x88a8) */

static bool eth_type_vlan(uint32_t be)
{
	return be == ETH_P_8021Q_BE || be == ETH_P_8021AD_BE;
}

/* The packet now starts at @mac (tc: data is the MAC header). */
static void skb_set_front(struct interp_ctx *c, int64_t mac)
{
	c->mac = c->data = c->data_meta = mac;
	c->regions[R_PKT].lo = c->data_meta;
	c->regions[R_PKT].hi = c->data_end;
	c->regions[R_PKT].show = c->data;
	if (mac < c->pkt_lo)
		c->pkt_lo = mac;
	c->skb.len = (uint32_t)(c->data_end - c->data);
}

/* __skb_vlan_pop(): 0 and the tag's TCI, or -ENOMEM */
static int vlan_pop_packet(struct interp_ctx *c, uint16_t *tci)
{
	uint8_t *d = c->pkt + c->data;
	uint16_t encap;

	if (c->data_end - c->data < ETH_HLEN + VLAN_HLEN)
		return -ENOMEM;
	*tci = (uint16_t)(d[14] << 8 | d[15]);
	memcpy(&encap, d + 16, 2);
	memmove(d + VLAN_HLEN, d, 12);
	if (__builtin_bswap16(encap) >= 0x600) {
		c->skb.protocol = encap;
	} else {
		/*
		 * vlan_set_encap_proto() looks at the 2 bytes after the tag,
		 * past the end of a short packet: the test run's buffer is
		 * zeroed there, as is ours.
		 */
		c->skb.protocol = d[18] == 0xff && d[19] == 0xff ? __builtin_bswap16(0x0001)
								  : __builtin_bswap16(0x0004);
	}
	skb_set_front(c, c->data + VLAN_HLEN);
	if (c->net - c->data < ETH_HLEN)
		c->net = c->data + ETH_HLEN;
	return 0;
}

static void vlan_put_tag(struct interp_ctx *c, uint32_t proto, uint16_t tci)
{
	c->skb.vlan_present = 1;
	c->skb.vlan_proto = proto;
	c->skb.vlan_tci = tci;
}

int interp_vlan_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int32_t id,
		       const uint64_t *r, int64_t *ret)
{
	uint16_t tci;
	int err;

	*ret = 0;
	if (id == BPF_FUNC_skb_vlan_push) {
		uint32_t proto = (uint16_t)r[2];

		if (!eth_type_vlan(proto))
			proto = ETH_P_8021Q_BE;
		if (c->skb.vlan_present) {
			uint8_t *d;

			if (c->mac < VLAN_HLEN) {
				interp_fault(res, INTERP_UNSUPPORTED, pc,
					     "vlan_push past the packet buffer's headroom");
				return -EOPNOTSUPP;
			}
			skb_set_front(c, c->mac - VLAN_HLEN);
			c->net -= VLAN_HLEN;
			d = c->pkt + c->data;
			memmove(d, d + VLAN_HLEN, 12);
			memcpy(d + 12, &c->skb.vlan_proto, 2);
			d[14] = (uint8_t)(c->skb.vlan_tci >> 8);
			d[15] = (uint8_t)c->skb.vlan_tci;
			c->skb.protocol = c->skb.vlan_proto;
		}
		vlan_put_tag(c, proto, (uint16_t)r[3]);
		return 0;
	}
	/* pop */
	if (c->skb.vlan_present) {
		c->skb.vlan_present = c->skb.vlan_proto = c->skb.vlan_tci = 0;
	} else {
		if (!eth_type_vlan(c->skb.protocol))
			return 0;
		err = vlan_pop_packet(c, &tci);
		if (err) {
			*ret = err;
			return 0;
		}
	}
	if (!eth_type_vlan(c->skb.protocol))
		return 0;
	{
		uint32_t proto = c->skb.protocol;

		err = vlan_pop_packet(c, &tci);
		if (err) {
			*ret = err;
			return 0;
		}
		vlan_put_tag(c, proto, tci);
	}
	return 0;
}

/*
 * bpf_skb_change_head(): room for a MAC header in front of the packet,
 * zeroed; the network header stays where it was.  The kernel reallocates
 * the head when its headroom is short; we have the test run's 64 bytes.
 */
#define BPF_SKB_MAX_LEN (16384 - INTERP_XDP_SHINFO_SIZE) /* SKB_MAX_ALLOC */

int interp_change_head(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		       const uint64_t *r, int64_t *ret)
{
	uint32_t room = (uint32_t)r[2], len = c->skb.len, new_len = len + room;

	if (r[3] || new_len > BPF_SKB_MAX_LEN || new_len < len) {
		*ret = -EINVAL;
		return 0;
	}
	if (room > c->mac) {
		interp_fault(res, INTERP_UNSUPPORTED, pc,
			     "change_head by %u bytes: past the packet buffer's headroom", room);
		return -EOPNOTSUPP;
	}
	skb_set_front(c, c->mac - room);
	memset(c->pkt + c->data, 0, room);
	*ret = 0;
	return 0;
}

/*
 * bpf_skb_adjust_room(skb, len_diff, mode, flags) on the test run's linear
 * skb (tc: data is the MAC header): room taken out of (len_diff < 0) or put
 * into the packet after the MAC header (BPF_ADJ_ROOM_MAC) or after the
 * network header's base length (BPF_ADJ_ROOM_NET), the headers in front of
 * it moved.  The argument checks in the kernel's order, the DECAP_L3 flags
 * of 6.3+ (which set skb->protocol); growing with the encapsulation flags,
 * or past our 64 bytes of headroom, is not modelled.
 */
#define ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7)
#define ADJ_ROOM_DECAP_L3_IPV6 (1ULL << 8)
#define ADJ_ROOM_DECAP_L3_MASK (ADJ_ROOM_DECAP_L3_IPV4 | ADJ_ROOM_DECAP_L3_IPV6)
#define ADJ_ROOM_ENCAP_MASK                                                                       \
	(BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 |                             \
	 BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP | BPF_F_ADJ_ROOM_ENCAP_L2_ETH | \
	 ((uint64_t)BPF_ADJ_ROOM_ENCAP_L2_MASK << BPF_ADJ_ROOM_ENCAP_L2_SHIFT))
#define ADJ_ROOM_MASK                                                                              \
	(BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ROOM_ENCAP_MASK | ADJ_ROOM_DECAP_L3_MASK)
#define ENOTSUPP_ 524
#define ETH_P_IP_BE 0x0008
#define ETH_P_IPV6_BE 0xdd86

int interp_adjust_room(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		       const uint64_t *r, int64_t *ret)
{
	int32_t diff = (int32_t)r[2];
	uint32_t mode = (uint32_t)r[3], abs_diff = diff < 0 ? -(uint32_t)diff : (uint32_t)diff;
	uint64_t flags = r[4];
	uint32_t proto = c->skb.protocol, base = proto == ETH_P_IP_BE ? 20 : 40;
	uint32_t len = (uint32_t)(c->data_end - c->data), off, len_cur, len_min = base;
	bool shrink = diff < 0;
	uint8_t *d;

	if (flags & ~(ADJ_ROOM_MASK | BPF_F_ADJ_ROOM_NO_CSUM_RESET)) {
		*ret = -EINVAL;
		return 0;
	}
	if (abs_diff > 0xfff) {
		*ret = -EFAULT;
		return 0;
	}
	if (proto != ETH_P_IP_BE && proto != ETH_P_IPV6_BE) {
		*ret = -ENOTSUPP_;
		return 0;
	}
	if ((shrink && (flags & ADJ_ROOM_DECAP_L3_MASK) == ADJ_ROOM_DECAP_L3_MASK) ||
	    (!shrink && (flags & ADJ_ROOM_DECAP_L3_MASK))) {
		*ret = -EINVAL;
		return 0;
	}
	off = (uint32_t)(c->net - c->mac); /* skb_mac_header_len() */
	if (mode == BPF_ADJ_ROOM_NET) {
		off += base;
	} else if (mode != BPF_ADJ_ROOM_MAC) {
		*ret = -ENOTSUPP_;
		return 0;
	}
	if (shrink && (flags & ADJ_ROOM_DECAP_L3_IPV6))
		len_min = 40;
	else if (shrink && (flags & ADJ_ROOM_DECAP_L3_IPV4))
		len_min = 20;
	len_cur = len - (uint32_t)(c->net - c->data);
	if ((shrink && (abs_diff >= len_cur || len_cur - abs_diff < len_min)) ||
	    (!shrink && len + abs_diff > BPF_SKB_MAX_LEN)) {
		*ret = -ENOTSUPP_;
		return 0;
	}
	if (shrink) {
		if (flags & ~(BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ROOM_DECAP_L3_MASK |
			      BPF_F_ADJ_ROOM_NO_CSUM_RESET)) {
			*ret = -EINVAL;
			return 0;
		}
		if (off + abs_diff > len) { /* pskb_may_pull() */
			*ret = -ENOMEM;
			return 0;
		}
		d = c->pkt + c->data;
		memmove(d + abs_diff, d, off);
		c->net += abs_diff;
		skb_set_front(c, c->mac + abs_diff);
		if (proto == ETH_P_IP_BE && (flags & ADJ_ROOM_DECAP_L3_IPV6))
			c->skb.protocol = ETH_P_IPV6_BE;
		else if (proto == ETH_P_IPV6_BE && (flags & ADJ_ROOM_DECAP_L3_IPV4))
			c->skb.protocol = ETH_P_IP_BE;
		*ret = 0;
		return 0;
	}
	if (flags & ADJ_ROOM_ENCAP_MASK) {
		interp_fault(res, INTERP_UNSUPPORTED, pc,
			     "adjust_room growing with encapsulation flags: not modelled");
		return -EOPNOTSUPP;
	}
	if (abs_diff > c->mac) {
		interp_fault(res, INTERP_UNSUPPORTED, pc,
			     "adjust_room by %u bytes: past the packet buffer's headroom", abs_diff);
		return -EOPNOTSUPP;
	}
	skb_set_front(c, c->mac - abs_diff);
	c->net -= abs_diff;
	d = c->pkt + c->data;
	memmove(d, d + abs_diff, off);
	memset(d + off, 0, abs_diff);
	*ret = 0;
	return 0;
}
