// SPDX-License-Identifier: MIT
/*
 * core/interp: the environment a program runs in -- memory regions, the
 * context structs, maps and helpers -- modelled on what BPF_PROG_TEST_RUN
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
 * Maps.  A map's values are one region with a power-of-two stride per
 * element, so a map value pointer is region base + (index << shift) and an
 * access is checked against its element's value_size.  Arrays remember which
 * elements a run may have written (handed out by lookup, written by update,
 * or written at all: writes to arrays take the slow path, interp_mem_wptr(),
 * because a candidate program the verifier would reject may reach an element
 * by pointer arithmetic or a forged address) and re-zero only those before
 * the next run, so no run sees another's values.  Stack frames the run is not
 * in are not addressable, for the same reason.  Hash maps
 * chain elements in buckets; only the elements handed out since the reset
 * are addressable; an update of an existing key writes in place (the kernel
 * swaps in a new element, which only a stale pointer could tell apart).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/interp_internal.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal, what some helpers return */
#endif

#define ETH_HLEN 14
#define SKF_NET_OFF (-0x100000)
#define SKF_LL_OFF (-0x200000)
#define MAP_MAX_BYTES (256u << 20)

#define SET_MSG(msg, msgsz, ...)                                                                   \
	do {                                                                                       \
		if (msg && msgsz)                                                                  \
			snprintf(msg, msgsz, __VA_ARGS__);                                         \
	} while (0)

static uint32_t pow2_shift(uint32_t n)
{
	uint32_t s = 0;

	while ((1u << s) < n)
		s++;
	return s;
}

static bool is_skb_type(uint32_t type)
{
	return type == BPF_PROG_TYPE_SOCKET_FILTER || type == BPF_PROG_TYPE_SCHED_CLS ||
	       type == BPF_PROG_TYPE_SCHED_ACT || type == BPF_PROG_TYPE_CGROUP_SKB;
}

static bool is_l2_type(uint32_t type)
{
	return type == BPF_PROG_TYPE_SCHED_CLS || type == BPF_PROG_TYPE_SCHED_ACT;
}

/* ---- maps ---- */

static int map_grow(struct interp_map *m, uint32_t want)
{
	uint32_t n = m->nalloc ? m->nalloc : 16;
	void *p;

	while (n < want)
		n *= 2;
	if (n > m->def.max_entries)
		n = m->def.max_entries;
	if (n <= m->nalloc)
		return 0;
	p = realloc(m->vals, (size_t)n << m->shift);
	if (!p)
		return -ENOMEM;
	m->vals = p;
	memset(m->vals + ((size_t)m->nalloc << m->shift), 0, (size_t)(n - m->nalloc) << m->shift);
	if (m->def.type == BPF_MAP_TYPE_HASH) {
		if (!(p = realloc(m->keys, (size_t)n * m->def.key_size)))
			return -ENOMEM;
		m->keys = p;
		if (!(p = realloc(m->next, (size_t)n * sizeof(*m->next))))
			return -ENOMEM;
		m->next = p;
		if (!(p = realloc(m->used, n)))
			return -ENOMEM;
		m->used = p;
		memset(m->used + m->nalloc, 0, n - m->nalloc);
		if (!(p = realloc(m->freelist, (size_t)n * sizeof(*m->freelist))))
			return -ENOMEM;
		m->freelist = p;
	}
	m->nalloc = n;
	return 0;
}

static int map_init(struct interp_map *m, const struct interp_map_def *d, char *msg, size_t msgsz)
{
	m->def = *d;
	if (d->value_size == 0 || d->max_entries == 0) {
		SET_MSG(msg, msgsz, "map with value_size %u, max_entries %u", d->value_size,
			d->max_entries);
		return -EINVAL;
	}
	m->shift = pow2_shift(d->value_size);
	if (((uint64_t)d->max_entries << m->shift) > MAP_MAX_BYTES) {
		SET_MSG(msg, msgsz, "map of %u x %u bytes is too large to model", d->max_entries,
			d->value_size);
		return -E2BIG;
	}
	switch (d->type) {
	case BPF_MAP_TYPE_ARRAY:
		if (d->key_size != 4) {
			SET_MSG(msg, msgsz, "array map with key_size %u", d->key_size);
			return -EINVAL;
		}
		if (map_grow(m, d->max_entries))
			return -ENOMEM;
		m->dirty_bit = calloc(d->max_entries, 1);
		m->dirty_cap = 16;
		m->dirty = malloc(m->dirty_cap * sizeof(*m->dirty));
		if (!m->dirty_bit || !m->dirty)
			return -ENOMEM;
		return 0;
	case BPF_MAP_TYPE_HASH:
		if (d->key_size == 0 || d->key_size > 512) {
			SET_MSG(msg, msgsz, "hash map with key_size %u", d->key_size);
			return -EINVAL;
		}
		m->nbuckets = 1u << pow2_shift(d->max_entries < 4096 ? d->max_entries : 4096);
		m->buckets = malloc(m->nbuckets * sizeof(*m->buckets));
		if (!m->buckets || map_grow(m, 16))
			return -ENOMEM;
		memset(m->buckets, 0xff, m->nbuckets * sizeof(*m->buckets));
		return 0;
	}
	SET_MSG(msg, msgsz, "map type %u not supported", d->type);
	return -EOPNOTSUPP;
}

static void map_free(struct interp_map *m)
{
	free(m->vals);
	free(m->keys);
	free(m->next);
	free(m->used);
	free(m->buckets);
	free(m->freelist);
	free(m->dirty);
	free(m->dirty_bit);
}

static int array_mark_dirty(struct interp_map *m, uint32_t i)
{
	if (m->dirty_bit[i])
		return 0;
	if (m->ndirty == m->dirty_cap) {
		uint32_t *p = realloc(m->dirty, 2 * m->dirty_cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->dirty = p;
		m->dirty_cap *= 2;
	}
	m->dirty_bit[i] = 1;
	m->dirty[m->ndirty++] = i;
	return 0;
}

static void map_reset(struct interp_map *m)
{
	uint32_t i;

	if (m->def.type == BPF_MAP_TYPE_ARRAY) {
		for (i = 0; i < m->ndirty; i++) {
			memset(m->vals + ((size_t)m->dirty[i] << m->shift), 0, m->def.value_size);
			m->dirty_bit[m->dirty[i]] = 0;
		}
		m->ndirty = 0;
		return;
	}
	if (m->nfresh) {
		memset(m->buckets, 0xff, m->nbuckets * sizeof(*m->buckets));
		memset(m->used, 0, m->nfresh);
	}
	m->count = m->nfresh = m->nfree = 0;
}

static uint32_t key_hash(const uint8_t *k, uint32_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *k++) * 16777619u;
	return h;
}

/* Element index of @key in hash map @m, or UINT32_MAX. */
static uint32_t hash_find(const struct interp_map *m, const void *key)
{
	uint32_t ks = m->def.key_size;
	uint32_t e = m->buckets[key_hash(key, ks) & (m->nbuckets - 1)];

	for (; e != UINT32_MAX; e = m->next[e])
		if (!memcmp(m->keys + (size_t)e * ks, key, ks))
			return e;
	return UINT32_MAX;
}

static void hash_unlink(struct interp_map *m, uint32_t e)
{
	uint32_t *pp = &m->buckets[key_hash(m->keys + (size_t)e * m->def.key_size,
					    m->def.key_size) & (m->nbuckets - 1)];

	while (*pp != e)
		pp = &m->next[*pp];
	*pp = m->next[e];
	m->used[e] = 0;
	m->freelist[m->nfree++] = e;
	m->count--;
}

/* bpf_map_update_elem() on map @mi; returns what the helper returns. */
static int64_t map_update(struct interp_ctx *c, uint32_t mi, const void *key, const void *val,
			  uint64_t flags)
{
	struct interp_map *m = &c->maps[mi];
	uint32_t e;

	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST || (flags & BPF_F_LOCK))
		return -EINVAL; /* no bpf_spin_lock in our values */
	if (m->def.type == BPF_MAP_TYPE_ARRAY) {
		uint32_t idx;

		memcpy(&idx, key, 4);
		if (idx >= m->def.max_entries)
			return -E2BIG;
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		if (array_mark_dirty(m, idx))
			return -ENOMEM;
		memcpy(m->vals + ((size_t)idx << m->shift), val, m->def.value_size);
		return 0;
	}
	e = hash_find(m, key);
	if (e != UINT32_MAX && flags == BPF_NOEXIST)
		return -EEXIST;
	if (e == UINT32_MAX && flags == BPF_EXIST)
		return -ENOENT;
	if (e == UINT32_MAX) {
		uint32_t b;

		if (m->count >= m->def.max_entries)
			return -E2BIG;
		if (m->nfree) {
			e = m->freelist[--m->nfree];
		} else {
			if (m->nfresh == m->nalloc && map_grow(m, m->nalloc + 1))
				return -ENOMEM;
			e = m->nfresh++;
			/* only elements handed out since the reset are memory */
			c->regions[R_MAP0 + 2 * mi].host = m->vals;
			c->regions[R_MAP0 + 2 * mi].hi = (int64_t)m->nfresh << m->shift;
		}
		memcpy(m->keys + (size_t)e * m->def.key_size, key, m->def.key_size);
		b = key_hash(key, m->def.key_size) & (m->nbuckets - 1);
		m->next[e] = m->buckets[b];
		m->buckets[b] = e;
		m->used[e] = 1;
		m->count++;
	}
	memcpy(m->vals + ((size_t)e << m->shift), val, m->def.value_size);
	return 0;
}

int interp_map_lookup(const struct interp_ctx *c, uint32_t map, const void *key, void *value)
{
	const struct interp_map *m;
	uint32_t e;

	if (map >= c->nmaps)
		return -EINVAL;
	m = &c->maps[map];
	if (m->def.type == BPF_MAP_TYPE_ARRAY) {
		memcpy(&e, key, 4);
		if (e >= m->def.max_entries)
			return -ENOENT;
	} else if ((e = hash_find(m, key)) == UINT32_MAX) {
		return -ENOENT;
	}
	memcpy(value, m->vals + ((size_t)e << m->shift), m->def.value_size);
	return 0;
}

int interp_map_next(const struct interp_ctx *c, uint32_t map, uint32_t *iter, const void **key,
		    const void **value)
{
	struct interp_map *m;

	if (map >= c->nmaps)
		return -EINVAL;
	m = &c->maps[map];
	if (m->def.type == BPF_MAP_TYPE_ARRAY) {
		if (*iter >= m->def.max_entries)
			return -ENOENT;
		m->iter_key = *iter;
		*key = &m->iter_key;
		*value = m->vals + ((size_t)(*iter)++ << m->shift);
		return 0;
	}
	while (*iter < m->nfresh && !m->used[*iter])
		(*iter)++;
	if (*iter >= m->nfresh)
		return -ENOENT;
	*key = m->keys + (size_t)*iter * m->def.key_size;
	*value = m->vals + ((size_t)(*iter)++ << m->shift);
	return 0;
}

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
	c->nregions = R_MAP0 + 2 * nmaps;
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
	}
	c->regions[R_CTX].kind = RK_CTX;
	c->regions[R_PKT].kind = RK_PKT;
	c->regions[R_PKT].host = c->pkt;
	for (i = 0; i < nmaps; i++) {
		struct interp_region *v = &c->regions[R_MAP0 + 2 * i];
		struct interp_map *m = &c->maps[i];

		err = map_init(m, &maps[i], msg, msgsz);
		if (err)
			goto fail;
		v->kind = RK_MAPVAL;
		v->map = i;
		v->shift = m->shift;
		v->vsize = m->def.value_size;
		/* arrays: writes via interp_mem_wptr(), see there */
		v->writable = !(m->def.flags & BPF_F_RDONLY_PROG) &&
			      m->def.type != BPF_MAP_TYPE_ARRAY;
		v->host = m->vals;
		v->hi = m->def.type == BPF_MAP_TYPE_ARRAY ? (int64_t)m->nalloc << m->shift : 0;
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
		map_free(&c->maps[i]);
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
	skb->len = is_l2_type(type) ? len : len - ETH_HLEN;
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
	c->ktime = in->ktime_ns;
	c->prandom_i = 0;
	/* deterministic zeroes where the kernel has old bytes: only what was used */
	for (i = 0; i <= c->max_depth; i++) {
		memset(c->stack[i], 0, INTERP_STACK_SIZE);
		if (i > 0)
			c->regions[R_STACK0 + i].lo = 0; /* until a call enters it */
	}
	c->max_depth = 0;
	memset(c->pkt + c->pkt_lo, 0, c->pkt_hi - c->pkt_lo);

	for (i = 0; i < c->nmaps; i++) {
		map_reset(&c->maps[i]);
		if (c->maps[i].def.type == BPF_MAP_TYPE_HASH)
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
		if (map_update(c, el->map, el->key, el->value, BPF_ANY)) {
			snprintf(res->msg, sizeof(res->msg), "cannot insert map %u element %u",
				 el->map, i);
			res->status = INTERP_BAD_INPUT;
			return -EINVAL;
		}
	}

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
		c->data = c->data0 = c->data_meta =
			c->mac + (is_l2_type(p->type) ? 0 : ETH_HLEN);
		if (in->skb)
			c->skb = *in->skb;
		else
			interp_skb_defaults(p->type, in->pkt, in->pkt_len, &c->skb);
		pr->writable = is_l2_type(p->type);
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
	if (c->type == BPF_PROG_TYPE_XDP) {
		res->pkt = c->pkt + c->data_meta;
		res->pkt_len = (uint32_t)(c->data_end - c->data_meta);
		res->meta_len = (int32_t)(c->data - c->data_meta);
		res->head_delta = (int32_t)(c->data - c->data0);
		return;
	}
	memcpy(c->pkt_out, c->pkt + c->mac, c->data_end - c->mac);
	if (!is_l2_type(c->type))
		memset(c->pkt_out, 0, ETH_HLEN);
	res->pkt = c->pkt_out;
	res->pkt_len = (uint32_t)(c->data_end - c->mac);
	c->skb.len = (uint32_t)(c->data_end - c->data);
	res->skb = &c->skb;
}

/* ---- memory faults and ctx fields ---- */

static const char *const mode_name[] = { "read", "write", "atomic", "helper read" };

static int fault(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint64_t addr,
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
	if (mode != INTERP_READ || size != 4 || off < 0 || off % 4 ||
	    off >= (int64_t)offsetof(struct xdp_md, egress_ifindex))
		goto bad;
	switch (off) {
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

static int skb_ctx(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t off,
		   uint32_t size, int mode, uint64_t *val)
{
	uint32_t t = c->type, fsize = 4;
	bool l2 = is_l2_type(t), wr = mode == INTERP_WRITE;
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
	if (SKB_IN(off, flow_keys) || SKB_IN(off, sk) || (off >= SKB_OFF(family) &&
							   off < SKB_OFF(data_meta))) {
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
	if (m->def.type != BPF_MAP_TYPE_ARRAY || (m->def.flags & BPF_F_RDONLY_PROG) ||
	    off < r->lo || off + size > r->hi ||
	    (off & ((1LL << r->shift) - 1)) + size > r->vsize)
		return NULL;
	if (array_mark_dirty(m, (uint32_t)(off >> r->shift)))
		return NULL;
	return r->host + off;
}

int interp_mem_slow(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint64_t addr,
		    uint32_t size, int mode, uint64_t *val)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;
	int64_t off;

	if (i != R_CTX || mode > INTERP_ATOMIC)
		return fault(c, res, pc, addr, size, mode);
	off = (int64_t)(addr - c->regions[R_CTX].base);
	if (c->type == BPF_PROG_TYPE_XDP)
		return xdp_ctx(c, res, pc, off, size, mode, val);
	return skb_ctx(c, res, pc, off, size, mode, val);
}

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
	if (array_mark_dirty(&c->maps[m], 0)) {
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

	if (!is_skb_type(c->type)) {
		interp_fault(res, INTERP_FAULT, pc, "LD_ABS/LD_IND outside a __sk_buff program");
		return -EINVAL;
	}
	if (k >= 0) {
		if (c->data_end - c->data - k < size)
			return 1;
		ptr = c->data + k;
	} else {
		if (k >= SKF_NET_OFF)
			ptr = c->mac + ETH_HLEN + k - SKF_NET_OFF;
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

static const uint8_t *helper_mem(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
				 uint64_t addr, uint32_t size)
{
	const uint8_t *h = interp_xlate(c, addr, size, false);

	if (!h)
		fault(c, res, pc, addr, size, 3);
	return h;
}

static int64_t xdp_adjust(struct interp_ctx *c, int32_t id, int32_t off)
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
		key = helper_mem(c, res, pc, r[2], m->def.key_size);
		if (!key)
			return -EFAULT;
		if (id == BPF_FUNC_map_update_elem) {
			uint8_t kbuf[512];

			/* the value read may overlap what the insert changes */
			memcpy(kbuf, key, m->def.key_size);
			val = helper_mem(c, res, pc, r[3], m->def.value_size);
			if (!val)
				return -EFAULT;
			ret = map_update(c, mi, kbuf, val, r[4]);
			if (ret == -ENOMEM) {
				interp_fault(res, INTERP_FAULT, pc, "out of memory");
				return -ENOMEM;
			}
			break;
		}
		if (m->def.type == BPF_MAP_TYPE_ARRAY) {
			uint32_t idx;

			memcpy(&idx, key, 4);
			if (id == BPF_FUNC_map_delete_elem) {
				ret = -EINVAL;
			} else if (idx < m->def.max_entries) {
				if (array_mark_dirty(m, idx)) {
					interp_fault(res, INTERP_FAULT, pc, "out of memory");
					return -ENOMEM;
				}
				ret = (int64_t)(c->regions[R_MAP0 + 2 * mi].base +
						((uint64_t)idx << m->shift));
			}
			break;
		}
		{
			uint32_t e = hash_find(m, key);

			if (id == BPF_FUNC_map_delete_elem) {
				if (e == UINT32_MAX) {
					ret = -ENOENT;
				} else {
					hash_unlink(m, e);
					ret = 0;
				}
			} else if (e != UINT32_MAX) {
				ret = (int64_t)(c->regions[R_MAP0 + 2 * mi].base +
						((uint64_t)e << m->shift));
			}
		}
		break;
	case BPF_FUNC_ktime_get_ns:
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
	case BPF_FUNC_redirect:
		/* the target is the call's arguments, in the trace */
		if (c->type == BPF_PROG_TYPE_XDP)
			ret = r[2] ? XDP_ABORTED : XDP_REDIRECT;
		else if (is_l2_type(c->type))
			ret = r[2] & ~(uint64_t)BPF_F_INGRESS ? 2 /* TC_ACT_SHOT */
							       : 7 /* TC_ACT_REDIRECT */;
		else
			goto unsupported;
		break;
	case BPF_FUNC_skb_load_bytes: {
		uint32_t off = (uint32_t)r[2], len = (uint32_t)r[4];
		uint8_t *to;

		if (!is_skb_type(c->type) || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not an __sk_buff",
				     id);
			return -EINVAL;
		}
		to = len ? interp_xlate(c, r[3], len, true) : NULL;
		if (len && !to)
			to = interp_mem_wptr(c, r[3], len);
		if (len && !to) {
			fault(c, res, pc, r[3], len, INTERP_WRITE);
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
	case BPF_FUNC_xdp_adjust_head:
	case BPF_FUNC_xdp_adjust_meta:
	case BPF_FUNC_xdp_adjust_tail:
		if (c->type != BPF_PROG_TYPE_XDP || r[1] != c->regions[R_CTX].base) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not an xdp_md", id);
			return -EINVAL;
		}
		ret = xdp_adjust(c, id, (int32_t)r[2]);
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
