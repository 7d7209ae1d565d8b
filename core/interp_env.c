// SPDX-License-Identifier: MIT
/*
 * core/interp: the environment a program runs in -- memory regions, the
 * packet and the context structs -- modelled on what BPF_PROG_TEST_RUN
 * gives a program (net/bpf/test_run.c) so that the differential test can hold
 * the interpreter to the kernel's answers.
 *
 * Packet.  One 4 KiB buffer like the test run's page.  XDP: data starts at
 * XDP_PACKET_HEADROOM (256); the frame ends 320 bytes (the aligned
 * skb_shared_info the kernel reserves) before the page does, which bounds
 * bpf_xdp_adjust_tail(); sizeof(struct xdp_frame) (40) bounds adjust_head and
 * adjust_meta from below; metadata may grow to 255 bytes (the u8
 * skb_shared_info::meta_len) in steps of 4.  __sk_buff types: the frame
 * starts at NET_SKB_PAD; eth_type_trans() has pulled the Ethernet header for
 * socket filters and cgroup_skb (skb->data is the network header, skb->len
 * excludes 14 bytes), and tc programs see it pushed back (is_l2).  The skb
 * test run refuses (EINVAL) an IPv4 packet without 20 bytes of IP header and
 * an IPv6 packet without 40; so do we (INTERP_BAD_INPUT).
 *
 * The output packet is what bpf_test_finish() copies: XDP from data_meta (the
 * metadata comes first) to data_end; skb types from the MAC header, whose 14
 * bytes the kernel zeroes for non-l2 types.  Each run starts from zeroes
 * where the kernel has fresh kzalloc'ed memory; only the bytes the last run
 * could have touched are re-zeroed.
 *
 * Context.  The ctx region has no directly addressable bytes; every access
 * comes here and is served field by field, the way the verifier's
 * convert_ctx_access() rewrites it: xdp_md->data, data_end, data_meta and
 * __sk_buff->data, data_end, data_meta are 4-byte loads that yield packet
 * pointers; other fields are u32 values, narrow loads allowed; what a
 * program type may not read or write is a fault.
 *
 * Stack.  512 zeroed bytes per frame; a frame is addressable only while the
 * call that entered it is active, so that no pointer (kept, or forged by a
 * candidate the verifier would reject) reaches bytes another run left.  The
 * kernel's stack holds garbage where the program has not written (privileged
 * programs may read it), so a shadow byte per stack byte records what this
 * call wrote, and reading anything else flags the result (uninit_stack).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/interp_internal.h"

#define SET_MSG(msg, msgsz, ...)                                                                   \
	do {                                                                                       \
		if (msg && msgsz)                                                                  \
			snprintf(msg, msgsz, __VA_ARGS__);                                         \
	} while (0)

/* ---- the machine ---- */

struct interp_ctx *interp_ctx__new(const struct interp_map_def *maps, uint32_t nmaps, char *msg,
				   size_t msgsz)
{
	struct interp_ctx *c;
	uint32_t i;
	int err = -ENOMEM;

	if (nmaps > 1024) {
		SET_MSG(msg, msgsz, "too many maps (%u)", nmaps);
		errno = E2BIG;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->nmaps = nmaps;
	c->ct_region0 = R_MAP0 + 2 * nmaps;
	c->nregions = c->ct_region0 + INTERP_CT_MAX;
	c->maps = calloc(nmaps ? nmaps : 1, sizeof(*c->maps));
	c->regions = calloc(c->nregions, sizeof(*c->regions));
	if (!c->maps || !c->regions)
		goto fail;
	for (i = 0; i < c->nregions; i++)
		c->regions[i].base = interp_region_base(i);
	for (i = 0; i < INTERP_MAX_FRAMES; i++) {
		struct interp_region *r = &c->regions[R_STACK0 + i];

		r->kind = RK_STACK;
		r->writable = true;
		r->lo = i ? 0 : -INTERP_STACK_SIZE; /* frames 1.. from the call that enters */
		r->hi = 0;
		r->host = c->stack[i] + INTERP_STACK_SIZE;
		r->init = c->stack_init[i] + INTERP_STACK_SIZE;
	}
	c->regions[R_CTX].kind = RK_CTX;
	c->regions[R_PKT].kind = RK_PKT;
	c->regions[R_PKT].host = c->pkt;
	c->regions[R_FKEYS].kind = RK_FKEYS;
	c->regions[R_FKEYS].writable = true;
	c->regions[R_FKEYS].host = (uint8_t *)&c->fkeys;
	c->regions[R_SK].kind = RK_SK;
	c->regions[R_CBKEY].kind = RK_CBKEY;
	c->regions[R_CBKEY].host = c->cbkey[0];
	c->regions[R_CBKEY].hi = sizeof(c->cbkey);
	for (i = 0; i < INTERP_CT_MAX; i++)
		c->regions[c->ct_region0 + i].kind = RK_CT;
	for (i = 0; i < nmaps; i++) {
		struct interp_region *v = &c->regions[R_MAP0 + 2 * i];
		struct interp_map *m = &c->maps[i];

		err = interp_map_init(m, &maps[i], msg, msgsz);
		if (err)
			goto fail;
		v->kind = RK_MAPVAL;
		v->map = i;
		v->shift = m->shift;
		v->vsize = m->def.value_size;
		/* arrays: writes via interp_mem_wptr(), see there */
		v->writable = !(m->def.flags & BPF_F_RDONLY_PROG) &&
			      m->kind != MK_ARRAY;
		v->host = m->vals;
		v->hi = m->kind == MK_ARRAY ? (int64_t)m->nalloc << m->shift : 0;
		c->regions[R_MAP0 + 2 * i + 1].kind = RK_MAPOBJ;
		c->regions[R_MAP0 + 2 * i + 1].map = i;
	}
	return c;
fail:
	if (err == -ENOMEM)
		SET_MSG(msg, msgsz, "out of memory");
	interp_ctx__free(c);
	errno = -err;
	return NULL;
}

void interp_ctx__free(struct interp_ctx *c)
{
	uint32_t i;

	if (!c)
		return;
	for (i = 0; c->maps && i < c->nmaps; i++)
		interp_map_free(&c->maps[i]);
	free(c->maps);
	free(c->regions);
	free(c);
}

void interp_skb_defaults(uint32_t type, const uint8_t *pkt, uint32_t len, struct __sk_buff *skb)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	uint16_t proto;

	memset(skb, 0, sizeof(*skb));
	skb->len = interp_is_l2_type(type) ? len : len - ETH_HLEN;
	skb->ifindex = 1; /* the test run's skb->dev is the loopback device */
	if (len < ETH_HLEN)
		return;
	/* eth_type_trans() against the loopback device's all-zero address */
	if (memcmp(pkt, zero, 6))
		skb->pkt_type = (pkt[0] & 1) ? (memcmp(pkt, bcast, 6) ? 2 : 1) : 3;
	/* PACKET_MULTICAST : PACKET_BROADCAST : PACKET_OTHERHOST */
	memcpy(&proto, pkt + 12, 2);
	if (__builtin_bswap16(proto) >= 0x600)
		skb->protocol = proto;
	else if (len >= ETH_HLEN + 2 && pkt[14] == 0xff && pkt[15] == 0xff)
		skb->protocol = __builtin_bswap16(0x0001); /* ETH_P_802_3 */
	else
		skb->protocol = __builtin_bswap16(0x0004); /* ETH_P_802_2 */
}

int interp_env_reset(struct interp_ctx *c, const struct interp_prog *p,
		     const struct interp_input *in, struct interp_result *res)
{
	struct interp_region *pr = &c->regions[R_PKT];
	uint32_t i;

	c->type = p->type;
	c->in = in;
	c->ncalls = 0;
	c->trace_mem_len = 0;
	c->tunnel = 0;
	c->ktime = in->ktime_ns;
	c->prandom_i = 0;
	c->ct_n = 0;
	/* deterministic zeroes where the kernel has old bytes: only what was used */
	c->uninit_read = false;
	c->kmem_read = false;
	c->kmem_calls = 0;
	for (i = 0; i <= c->max_depth; i++) {
		memset(c->stack[i], 0, INTERP_STACK_SIZE);
		memset(c->stack_init[i], 0, INTERP_STACK_SIZE);
		if (i > 0)
			c->regions[R_STACK0 + i].lo = 0; /* until a call enters it */
	}
	c->max_depth = 0;
	memset(c->pkt + c->pkt_lo, 0, c->pkt_hi - c->pkt_lo);

	for (i = 0; i < c->nmaps; i++) {
		interp_map_reset(&c->maps[i]);
		if (c->maps[i].kind == MK_HASH)
			c->regions[R_MAP0 + 2 * i].hi = 0;
	}
	for (i = 0; i < in->nelems; i++) {
		const struct interp_map_elem *el = &in->elems[i];

		if (el->map >= c->nmaps) {
			snprintf(res->msg, sizeof(res->msg), "map element for map %u of %u",
				 el->map, c->nmaps);
			res->status = INTERP_BAD_INPUT;
			return -EINVAL;
		}
		if (interp_map_update(c, el->map, el->key, el->value, BPF_ANY)) {
			snprintf(res->msg, sizeof(res->msg), "cannot insert map %u element %u",
				 el->map, i);
			res->status = INTERP_BAD_INPUT;
			return -EINVAL;
		}
	}

	c->regions[R_FKEYS].hi = 0; /* addressable for flow dissectors only */
	if (p->type == BPF_PROG_TYPE_FLOW_DISSECTOR || interp_is_trace_type(p->type))
		return interp_types_reset(c, p, in, res);
	if (p->type == BPF_PROG_TYPE_XDP) {
		if (in->pkt_len < ETH_HLEN || in->pkt_len > INTERP_XDP_FRAME_SIZE -
				INTERP_XDP_HEADROOM - INTERP_XDP_SHINFO_SIZE)
			goto bad_len;
		c->data = c->data0 = c->data_meta = INTERP_XDP_HEADROOM;
		memset(&c->xdp, 0, sizeof(c->xdp));
		c->xdp.ingress_ifindex = 1; /* loopback, rx queue 0 */
		if (in->xdp) {
			c->xdp.ingress_ifindex = in->xdp->ingress_ifindex;
			c->xdp.rx_queue_index = in->xdp->rx_queue_index;
			c->xdp.egress_ifindex = in->xdp->egress_ifindex;
		}
		pr->writable = true;
	} else {
		if (in->pkt_len < ETH_HLEN || in->pkt_len > INTERP_XDP_FRAME_SIZE -
				INTERP_SKB_HEADROOM - INTERP_XDP_SHINFO_SIZE)
			goto bad_len;
		uint16_t proto = in->pkt_len >= ETH_HLEN ? in->pkt[12] << 8 | in->pkt[13] : 0;

		/* bpf_prog_test_run_skb() wants the whole IP header of IP packets */
		if ((proto == 0x0800 && in->pkt_len < ETH_HLEN + 20) ||
		    (proto == 0x86dd && in->pkt_len < ETH_HLEN + 40))
			goto bad_len;
		c->mac = INTERP_SKB_HEADROOM;
		c->net = c->mac + ETH_HLEN;
		c->data = c->data0 = c->data_meta =
			c->mac + (interp_is_l2_type(p->type) ? 0 : ETH_HLEN);
		if (in->skb)
			c->skb = *in->skb;
		else
			interp_skb_defaults(p->type, in->pkt, in->pkt_len, &c->skb);
		interp_sk_fields(c, in->pkt, in->pkt_len); /* the kernel's, whatever the input */
		pr->writable = interp_is_l2_type(p->type);
	}
	memcpy(c->pkt + (p->type == BPF_PROG_TYPE_XDP ? c->data : c->mac), in->pkt, in->pkt_len);
	c->data_end = (p->type == BPF_PROG_TYPE_XDP ? c->data : c->mac) + in->pkt_len;
	c->pkt_len0 = in->pkt_len;
	c->skb.len = (uint32_t)(c->data_end - c->data);
	c->pkt_lo = p->type == BPF_PROG_TYPE_XDP ? c->data : c->mac;
	c->pkt_hi = c->data_end;
	pr->lo = c->data_meta;
	pr->hi = c->data_end;
	pr->show = c->data;
	return 0;
bad_len:
	snprintf(res->msg, sizeof(res->msg), "packet of %u bytes does not fit the test run",
		 in->pkt_len);
	res->status = INTERP_BAD_INPUT;
	return -EINVAL;
}

void interp_env_finish(struct interp_ctx *c, struct interp_result *res)
{
	res->calls = c->calls;
	res->ncalls = c->ncalls < INTERP_TRACE_CAP ? c->ncalls : INTERP_TRACE_CAP;
	res->ncalls_total = c->ncalls;
	res->uninit_stack = c->uninit_read;
	res->kmem_read = c->kmem_read;
	if (c->type == BPF_PROG_TYPE_FLOW_DISSECTOR || interp_is_trace_type(c->type)) {
		interp_types_finish(c, res);
		return;
	}
	if (c->type == BPF_PROG_TYPE_XDP) {
		res->pkt = c->pkt + c->data_meta;
		res->pkt_len = (uint32_t)(c->data_end - c->data_meta);
		res->meta_len = (int32_t)(c->data - c->data_meta);
		res->head_delta = (int32_t)(c->data - c->data0);
		return;
	}
	memcpy(c->pkt_out, c->pkt + c->mac, c->data_end - c->mac);
	if (!interp_is_l2_type(c->type))
		memset(c->pkt_out, 0, ETH_HLEN);
	res->pkt = c->pkt_out;
	res->pkt_len = (uint32_t)(c->data_end - c->mac);
	c->skb.len = (uint32_t)(c->data_end - c->data);
	res->skb = &c->skb;
}

/* ---- memory faults and ctx fields ---- */

static const char *const mode_name[] = { "read", "write", "atomic", "helper read" };

int interp_mem_fault(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint64_t addr,
		 uint32_t size, int mode)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;
	const char *what = mode_name[mode];
	struct interp_region *r;
	int64_t off;

	if (i >= c->nregions) {
		interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at 0x%llx: not a pointer", what,
			     size, (unsigned long long)addr);
		return -EFAULT;
	}
	r = &c->regions[i];
	off = (int64_t)(addr - r->base);
	switch (r->kind) {
	case RK_STACK:
		if (r->lo == 0)
			interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at the stack of call "
				     "depth %llu, not active", what, size,
				     (unsigned long long)(i - R_STACK0));
		else
			interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at fp%+lld outside "
				     "stack [-%d, 0)", what, size, (long long)off,
				     INTERP_STACK_SIZE);
		break;
	case RK_PKT:
		if (off >= r->lo && off + size <= r->hi)
			interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at packet%+lld: "
				     "packet is read-only here", what, size,
				     (long long)(off - r->show));
		else
			interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at packet%+lld outside "
				     "packet [%lld, %lld)", what, size, (long long)(off - r->show),
				     (long long)(r->lo - r->show), (long long)(r->hi - r->show));
		break;
	case RK_MAPVAL: {
		int64_t e = off >> r->shift, in = off - (e << r->shift);

		if (off >= r->lo && off + size <= r->hi && in + size <= r->vsize)
			interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at map %u value%+lld: "
				     "map is read-only to programs", what, size, r->map,
				     (long long)in);
		else
			interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at map %u value%+lld "
				     "outside value [0, %u)", what, size, r->map, (long long)in,
				     r->vsize);
		break;
	}
	case RK_SK:
		interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at bpf_sock%+lld: not allowed",
			     what, size, (long long)off);
		break;
	case RK_CBKEY:
		interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at a callback's map key%+lld",
			     what, size, (long long)(off % INTERP_CBKEY_SIZE));
		break;
	case RK_FKEYS:
		interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at flow_keys%+lld outside "
			     "[0, %lld)", what, size, (long long)off, (long long)r->hi);
		break;
	case RK_CT:
		interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at a conntrack entry%+lld",
			     what, size, (long long)off);
		break;
	case RK_MAPOBJ:
		interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at map %u%+lld: a map object, "
			     "not memory", what, size, r->map, (long long)off);
		break;
	default:
		interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at ctx%+lld: not allowed", what,
			     size, (long long)off);
		break;
	}
	return -EFAULT;
}

static uint64_t pkt_ptr(struct interp_ctx *c, int64_t off)
{
	return c->regions[R_PKT].base + off;
}

static int xdp_ctx(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t off,
		   uint32_t size, int mode, uint64_t *val)
{
	/* egress_ifindex: devmap entry programs alone, whose runs name the device */
	if (mode != INTERP_READ || size != 4 || off < 0 || off % 4 ||
	    off >= (int64_t)(offsetof(struct xdp_md, egress_ifindex) + 4) ||
	    (off == offsetof(struct xdp_md, egress_ifindex) && !c->xdp.egress_ifindex))
		goto bad;
	switch (off) {
	case offsetof(struct xdp_md, egress_ifindex): *val = c->xdp.egress_ifindex; break;
	case offsetof(struct xdp_md, data): *val = pkt_ptr(c, c->data); break;
	case offsetof(struct xdp_md, data_end): *val = pkt_ptr(c, c->data_end); break;
	case offsetof(struct xdp_md, data_meta): *val = pkt_ptr(c, c->data_meta); break;
	case offsetof(struct xdp_md, ingress_ifindex): *val = c->xdp.ingress_ifindex; break;
	default: *val = c->xdp.rx_queue_index; break;
	}
	return 0;
bad:
	interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at xdp_md+%lld: invalid ctx access",
		     mode_name[mode], size, (long long)off);
	return -EFAULT;
}

#define SKB_OFF(f) ((int64_t)offsetof(struct __sk_buff, f))
#define SKB_SIZE(f) ((int64_t)sizeof(((struct __sk_buff *)0)->f))
#define SKB_IN(o, f) ((o) >= SKB_OFF(f) && (o) < SKB_OFF(f) + SKB_SIZE(f))

/* The size of the kernel field behind an __sk_buff u32 (convert_ctx_access's target_size) */
static uint32_t skb_field_width(int64_t off)
{
	switch (off) {
	case SKB_OFF(pkt_type):
		return 1;
	case SKB_OFF(protocol): case SKB_OFF(vlan_proto): case SKB_OFF(queue_mapping):
	case SKB_OFF(vlan_tci): case SKB_OFF(tc_classid): case SKB_OFF(tc_index):
	case SKB_OFF(family): case SKB_OFF(remote_port): case SKB_OFF(local_port):
	case SKB_OFF(gso_segs): case SKB_OFF(gso_size):
		return 2;
	}
	return 4;
}

static int skb_ctx(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t off,
		   uint32_t size, int mode, uint64_t *val)
{
	uint32_t t = c->type, fsize = 4;
	bool l2 = interp_is_l2_type(t), wr = mode == INTERP_WRITE;
	const char *why = "invalid ctx access";
	uint8_t *f;

	if (mode == INTERP_ATOMIC || off < 0 || off + size > (int64_t)sizeof(struct __sk_buff) ||
	    off % size)
		goto bad;
	if (SKB_IN(off, data) || SKB_IN(off, data_end) || SKB_IN(off, data_meta)) {
		if (wr || size != 4 || off % 4 || t == BPF_PROG_TYPE_SOCKET_FILTER ||
		    (SKB_IN(off, data_meta) && !l2))
			goto bad;
		*val = pkt_ptr(c, off == SKB_OFF(data) ? c->data : off == SKB_OFF(data_end) ?
						   c->data_end : c->data_meta);
		return 0;
	}
	if (off >= SKB_OFF(family) && off < SKB_OFF(data_meta)) {
		/* the socket's fields: cgroup_skb reads them (interp_sk.c) */
		if (wr || t != BPF_PROG_TYPE_CGROUP_SKB ||
		    (off >= SKB_OFF(remote_ip4) && off < SKB_OFF(remote_port) && size != 4))
			goto bad;
	}
	if (SKB_IN(off, sk)) { /* the test run's socket: never NULL */
		if (wr || size != 8)
			goto bad;
		*val = c->regions[R_SK].base;
		return 0;
	}
	if (SKB_IN(off, flow_keys)) {
		why = "ctx field not modelled";
		goto unsupported;
	}
	if (SKB_IN(off, tstamp) || SKB_IN(off, hwtstamp)) {
		fsize = 8;
		if (SKB_IN(off, hwtstamp) && wr)
			goto bad;
		if (t == BPF_PROG_TYPE_SOCKET_FILTER)
			goto bad;
	}
	if ((SKB_IN(off, tc_classid) || SKB_IN(off, wire_len)) &&
	    t == BPF_PROG_TYPE_SOCKET_FILTER)
		goto bad;
	if (off >= SKB_OFF(gso_size) + 4 && off < SKB_OFF(hwtstamp)) /* tstamp_type, padding */
		goto unsupported;
	if (wr) {
		bool ok = SKB_IN(off, cb);

		if (l2)
			ok = ok || SKB_IN(off, mark) || SKB_IN(off, tc_index) ||
			     SKB_IN(off, priority) || SKB_IN(off, tc_classid) ||
			     SKB_IN(off, tstamp) || SKB_IN(off, queue_mapping);
		else if (t == BPF_PROG_TYPE_CGROUP_SKB)
			ok = ok || SKB_IN(off, mark) || SKB_IN(off, priority) ||
			     SKB_IN(off, tstamp);
		if (!ok || (size != fsize && !SKB_IN(off, cb)))
			goto bad;
		f = (uint8_t *)&c->skb + off;
		memcpy(f, val, size); /* little-endian: the low bytes */
		return 0;
	}
	if (size < 4 && size >= skb_field_width(off & ~3)) {
		/*
		 * convert_ctx_accesses() loads the kernel's field (a u16
		 * protocol, a 3-bit pkt_type in a byte) for any narrow load and
		 * shifts and masks only loads narrower than that field: these
		 * read the whole field, wherever they are in the u32.
		 */
		uint32_t v;

		memcpy(&v, (uint8_t *)&c->skb + (off & ~3), 4);
		*val = v;
		return 0;
	}
	f = (uint8_t *)&c->skb + off;
	*val = 0;
	memcpy(val, f, size);
	return 0;
bad:
	interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at __sk_buff+%lld: %s", mode_name[mode],
		     size, (long long)off, why);
	return -EFAULT;
unsupported:
	interp_fault(res, INTERP_UNSUPPORTED, pc, "%s of %u bytes at __sk_buff+%lld: %s",
		     mode_name[mode], size, (long long)off, why);
	return -EOPNOTSUPP;
}

uint8_t *interp_mem_wptr(struct interp_ctx *c, uint64_t addr, uint32_t size)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;
	struct interp_region *r;
	struct interp_map *m;
	int64_t off;

	if (i >= c->nregions || c->regions[i].kind != RK_MAPVAL)
		return NULL;
	r = &c->regions[i];
	m = &c->maps[r->map];
	off = (int64_t)(addr - r->base);
	if (m->kind != MK_ARRAY || (m->def.flags & BPF_F_RDONLY_PROG) ||
	    off < r->lo || off + size > r->hi ||
	    (off & ((1LL << r->shift) - 1)) + size > r->vsize)
		return NULL;
	if (interp_array_mark_dirty(m, (uint32_t)(off >> r->shift)))
		return NULL;
	return r->host + off;
}

int interp_mem_slow(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint64_t addr,
		    uint32_t size, int mode, uint64_t *val)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;
	int64_t off;

	if (i == R_SK && mode <= INTERP_ATOMIC && interp_is_skb_type(c->type))
		return interp_sk_ctx(c, res, pc, (int64_t)(addr - c->regions[R_SK].base), size,
				     mode, val);
	if (i != R_CTX || mode > INTERP_ATOMIC) {
		/* kernel objects: map objects and conntrack entries, when described */
		if (i < c->nregions && c->regions[i].kind == RK_CT && c->ct_set)
			return interp_ct_mem(c, res, pc, (uint32_t)i,
					     (int64_t)(addr - c->regions[i].base), size, mode, val);
		if (i < c->nregions && c->regions[i].kind == RK_MAPOBJ && mode == INTERP_READ &&
		    addr >= c->regions[i].base)
			return interp_kobj_read(c, res, pc, c->regions[i].map,
						(int64_t)(addr - c->regions[i].base), size, val);
		return interp_mem_fault(c, res, pc, addr, size, mode);
	}
	off = (int64_t)(addr - c->regions[R_CTX].base);
	if (c->type == BPF_PROG_TYPE_FLOW_DISSECTOR || interp_is_trace_type(c->type))
		return interp_types_ctx(c, res, pc, off, size, mode, val);
	if (c->type == BPF_PROG_TYPE_XDP)
		return xdp_ctx(c, res, pc, off, size, mode, val);
	return skb_ctx(c, res, pc, off, size, mode, val);
}

