// SPDX-License-Identifier: MIT
/*
 * core/interp: conntrack for XDP and tc programs -- the kfuncs of the
 * kernel's net/netfilter/nf_conntrack_bpf.c and nf_nat_bpf.c, with the
 * parts of nf_conntrack_core.c and nf_nat_core.c they reach, and the struct
 * nf_conn they hand out.
 *
 * A run starts with an empty table of its own (interp_ct_env says what
 * that assumes of the kernel's) and may allocate INTERP_CT_MAX entries.
 * An entry is what the program can see of an nf_conn: its two tuples
 * (original and reply direction), zone, status, timeout and mark; the
 * program reads them through the pointer the kfuncs return, a region per
 * entry, at the offsets of the running kernel (interp_ct_env), and may
 * write mark alone (the verifier's _nf_conntrack_btf_struct_access()).
 *
 *   lookup (bpf_xdp/skb_ct_lookup): the argument checks and their errors in
 *     the kernel's order, written to opts->error; a 16-byte opts names a
 *     zone (ct_zone_dir 0 means both directions, and is written back); a
 *     tuple matches an inserted entry's tuple of either direction when
 *     nf_ct_key_equal() would say so (the zone's id for that direction);
 *     opts->dir is the direction that matched;
 *   alloc (bpf_xdp/skb_ct_alloc): the same checks and both tuples parsed; a
 *     new entry, status 0, timeout 10 * HZ (relative: not confirmed);
 *   insert: timeout made absolute, IPS_CONFIRMED, -EEXIST (NULL, the entry
 *     freed) if a tuple clashes with an inserted one;
 *   set_timeout/change_timeout: msecs_to_jiffies(), capped at INT_MAX,
 *     relative or from now as __nf_ct_set_timeout(); -EPERM with
 *     IPS_FIXED_TIMEOUT;
 *   set_status/change_status: nf_ct_change_status_common();
 *   set_nat_info: nf_nat_setup_info() with a range of one address (and one
 *     port when port > 0): the manipulated side of the tuple takes them,
 *     the reply tuple becomes its inverse, IPS_SRC/DST_NAT when that
 *     changed anything, IPS_SRC/DST_NAT_DONE.
 * Where the kernel's choice would depend on what the table holds beyond
 * this run's entries, or on its hash function, or on randomness (a NAT
 * tuple already in use, an earlier source mapping, a zone that differs by
 * direction matching across buckets, setting up the same NAT twice), the
 * run stops as not modelled.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/interp_internal.h"

/* enum ip_conntrack_status bits the kfuncs test */
#define IPS_EXPECTED (1u << 0)
#define IPS_SEEN_REPLY (1u << 1)
#define IPS_ASSURED (1u << 2)
#define IPS_CONFIRMED (1u << 3)
#define IPS_SRC_NAT (1u << 4)
#define IPS_DST_NAT (1u << 5)
#define IPS_SRC_NAT_DONE (1u << 7)
#define IPS_DST_NAT_DONE (1u << 8)
#define IPS_DYING (1u << 9)
#define IPS_FIXED_TIMEOUT (1u << 10)

#define NF_CT_DEFAULT_ZONE_DIR 3
#define CT_OPTS_SZ 16
#define CT_OPTS_OLD_SZ 12
#define CT_INT_MAX 0x7fffffffu

/* tuple bytes (struct nf_conntrack_tuple) */
enum { T_SRC_U3 = 0, T_SRC_U = 16, T_L3NUM = 18, T_DST_U3 = 20, T_DST_U = 36, T_PROTO = 38,
       T_DIR = 39 };

/* The kfunc behind BTF id @id, or -1 */
static int kfunc_of(const struct interp_ctx *c, int32_t id)
{
	int k;

	for (k = 0; k < INTERP_CT_NKFUNCS; k++)
		if (c->ct.kfunc[k] && c->ct.kfunc[k] == id)
			return k;
	return -1;
}

uint64_t interp_ct_jiffies(struct interp_ctx *c)
{
	uint64_t t = c->ktime, j;

	j = t / 1000000000ULL * c->ct.hz + t % 1000000000ULL * c->ct.hz / 1000000000ULL;
	c->ktime += c->in->ktime_step;
	return j;
}

/* msecs_to_jiffies() for an HZ that divides 1000 */
static uint64_t ms_to_jiffies(const struct interp_ctx *c, uint32_t ms)
{
	uint32_t d = 1000 / c->ct.hz;

	if ((int32_t)ms < 0)
		return ~0ULL >> 2; /* MAX_JIFFY_OFFSET: capped to INT_MAX by the caller */
	return ((uint64_t)ms + d - 1) / d;
}

/* __nf_ct_set_timeout() */
static void set_timeout(struct interp_ctx *c, struct interp_ct_entry *e, uint64_t t)
{
	if (t > CT_INT_MAX)
		t = CT_INT_MAX;
	if (e->status & IPS_CONFIRMED)
		e->timeout = (uint32_t)interp_ct_jiffies(c) + (uint32_t)t;
	else
		e->timeout = (uint32_t)t;
}

/* nf_ct_zone_id(): the zone's id if it applies to direction @dir, else the default 0 */
static uint16_t zone_id(uint16_t id, uint8_t zdir, int dir)
{
	return (zdir & (1u << dir)) ? id : 0;
}

/* nf_ct_tuple_equal(): all but dst.dir */
static bool tuple_eq(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, T_DIR);
}

/* nf_ct_invert_tuple() for TCP and UDP */
static void invert(uint8_t *inv, const uint8_t *t)
{
	memset(inv, 0, INTERP_CT_TUPLE);
	memcpy(inv + T_L3NUM, t + T_L3NUM, 2);
	memcpy(inv + T_SRC_U3, t + T_DST_U3, 16);
	memcpy(inv + T_DST_U3, t + T_SRC_U3, 16);
	inv[T_PROTO] = t[T_PROTO];
	inv[T_DIR] = !t[T_DIR];
	memcpy(inv + T_SRC_U, t + T_DST_U, 2);
	memcpy(inv + T_DST_U, t + T_SRC_U, 2);
}

/* bpf_nf_ct_tuple_parse(): the bpf_sock_tuple @bt of @len bytes, direction @dir */
static int tuple_parse(const uint8_t *bt, uint32_t len, uint8_t proto, int dir, uint8_t *t)
{
	uint32_t alen = len == 12 ? 4 : 16;
	uint8_t *src = t + (dir ? T_DST_U3 : T_SRC_U3), *dst = t + (dir ? T_SRC_U3 : T_DST_U3);
	uint8_t *sport = t + (dir ? T_DST_U : T_SRC_U), *dport = t + (dir ? T_SRC_U : T_DST_U);
	uint16_t l3;

	if (proto != 6 && proto != 17) /* IPPROTO_TCP, IPPROTO_UDP */
		return -EPROTO;
	memset(t, 0, INTERP_CT_TUPLE);
	if (len != 12 && len != 36)
		return -EAFNOSUPPORT;
	l3 = len == 12 ? 2 : 10; /* AF_INET, AF_INET6 */
	memcpy(t + T_L3NUM, &l3, 2);
	memcpy(src, bt, alen);
	memcpy(dst, bt + alen, alen);
	memcpy(sport, bt + 2 * alen, 2);
	memcpy(dport, bt + 2 * alen + 2, 2);
	t[T_PROTO] = proto;
	t[T_DIR] = (uint8_t)dir;
	return 0;
}

static void opts_write(struct interp_ctx *c, uint64_t opts, uint32_t off, const void *v,
		       uint32_t n, uint8_t *host)
{
	memcpy(host + off, v, n);
	interp_helper_wrote(c, opts + off, n);
}

/*
 * The checks and parse alloc and lookup share, in the kernel's order;
 * 0 with the tuples and zone, or -errno (the kfunc's error).  *@host is
 * the opts bytes (NULL when opts is NULL).
 */
static int ct_args(struct interp_ctx *c, struct interp_result *res, uint32_t pc, const uint64_t *r,
		   bool alloc, uint8_t t[2][INTERP_CT_TUPLE], uint16_t *zid, uint8_t *zdir,
		   uint8_t **host, int *fault)
{
	uint32_t tlen = (uint32_t)r[3], olen = (uint32_t)r[5];
	const uint8_t *bt = NULL;
	uint8_t *o;
	int32_t netns;
	uint16_t czid;
	int err;

	*host = NULL;
	*fault = 0;
	/* what the kfunc reads of opts, first (a read of unwritten stack is flagged) */
	if (r[4] && !interp_helper_mem(c, res, pc, r[4], olen))
		return *fault = -EFAULT;
	if (r[4]) {
		/* the verifier has checked opts__sz bytes: the kfunc writes error and dir */
		o = interp_helper_wbuf(c, res, pc, r[4], olen);
		if (!o)
			return *fault = -EFAULT;
		*host = o;
	}
	if (r[2] && tlen) {
		bt = interp_helper_mem(c, res, pc, r[2], tlen);
		if (!bt)
			return *fault = -EFAULT;
	}
	/* the bytes the call reads are part of it, as a helper's (interp_call.mem) */
	if (c->ncalls < INTERP_TRACE_CAP) {
		if (bt)
			interp_trace_mem(c, &c->calls[c->ncalls], bt, tlen);
		if (*host)
			interp_trace_mem(c, &c->calls[c->ncalls], *host, olen);
	}
	if (!r[4] || !r[2])
		return -EINVAL;
	o = *host;
	if (olen != CT_OPTS_SZ && olen != CT_OPTS_OLD_SZ)
		return -EINVAL;
	memcpy(&czid, o + 10, 2);
	if (olen == CT_OPTS_SZ ? (o[13] || o[14] || o[15]) : czid != 0)
		return -EINVAL;
	memcpy(&netns, o, 4);
	if (!alloc && o[8] != 6 && o[8] != 17)
		return -EPROTO;
	if (netns < -1)
		return -EINVAL;
	err = tuple_parse(bt, tlen, o[8], 0, t[0]);
	if (!err && alloc)
		err = tuple_parse(bt, tlen, o[8], 1, t[1]);
	if (err)
		return err;
	if (netns >= 0)
		return -ENONET; /* no netns has an id here (interp_ct_env) */
	if (olen == CT_OPTS_SZ) {
		if (!o[12]) {
			uint8_t d = NF_CT_DEFAULT_ZONE_DIR;

			opts_write(c, r[4], 12, &d, 1, o);
		}
		*zid = czid;
		*zdir = o[12];
	} else {
		*zid = 0;
		*zdir = NF_CT_DEFAULT_ZONE_DIR;
	}
	return 0;
}

static uint64_t entry_addr(const struct interp_ctx *c, uint32_t i)
{
	return c->regions[c->ct_region0 + i].base;
}

static int unsupported(struct interp_result *res, uint32_t pc, const char *what)
{
	interp_fault(res, INTERP_UNSUPPORTED, pc, "conntrack: %s: not modelled", what);
	return -EOPNOTSUPP;
}

/*
 * The inserted entry with a tuple equal to @t whose zone agrees with
 * (@zid, @zdir) as nf_ct_key_equal() says, in the bucket the kernel hashes
 * @t into with zone id @seed: index and direction, -1 if none, -2 when it
 * depends on the hash function (equal keys in different buckets).
 * @skip: an entry not to consider.
 */
static int find(const struct interp_ctx *c, const uint8_t *t, uint16_t zid, uint8_t zdir,
		uint16_t seed, int skip, int *dir)
{
	uint32_t i;
	int d;

	for (i = 0; i < c->ct_n; i++) {
		const struct interp_ct_entry *e = &c->ct_e[i];

		if (!e->live || !e->inserted || (int)i == skip)
			continue;
		for (d = 0; d < 2; d++) {
			uint16_t eid = zone_id(e->zone_id, e->zone_dir, d);

			if (!tuple_eq(e->tuple[d], t) || eid != zone_id(zid, zdir, d))
				continue;
			if (eid != seed)
				return -2;
			*dir = d;
			return (int)i;
		}
	}
	return -1;
}

static bool expired(struct interp_ctx *c, const struct interp_ct_entry *e)
{
	return (int32_t)(e->timeout - (uint32_t)interp_ct_jiffies(c)) <= 0;
}

static int ct_lookup(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		     const uint64_t *r, int64_t *ret)
{
	uint8_t t[2][INTERP_CT_TUPLE], *o, zdir = 0;
	uint16_t zid = 0;
	int err, fault, i, dir = 0;
	int32_t e32;

	err = ct_args(c, res, pc, r, false, t, &zid, &zdir, &o, &fault);
	if (fault)
		return fault;
	if (!err) {
		i = find(c, t[0], zid, zdir, zone_id(zid, zdir, 0), -1, &dir);
		if (i == -2)
			return unsupported(res, pc, "a lookup whose zone differs by direction");
		if (i >= 0 && expired(c, &c->ct_e[i]))
			return unsupported(res, pc, "a lookup of an expired entry");
		if (i < 0) {
			err = -ENOENT;
		} else {
			uint8_t d = (uint8_t)dir;

			opts_write(c, r[4], 9, &d, 1, o);
			*ret = (int64_t)entry_addr(c, (uint32_t)i);
			return 0;
		}
	}
	if (o) {
		e32 = err;
		opts_write(c, r[4], 4, &e32, 4, o);
	}
	*ret = 0;
	return 0;
}

static int ct_alloc(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		    const uint64_t *r, int64_t *ret)
{
	uint8_t t[2][INTERP_CT_TUPLE], *o, zdir = 0;
	struct interp_ct_entry *e;
	uint16_t zid = 0;
	int err, fault;
	int32_t e32;

	err = ct_args(c, res, pc, r, true, t, &zid, &zdir, &o, &fault);
	if (fault)
		return fault;
	if (err) {
		if (o) {
			e32 = err;
			opts_write(c, r[4], 4, &e32, 4, o);
		}
		*ret = 0;
		return 0;
	}
	if (c->ct_n == INTERP_CT_MAX)
		return unsupported(res, pc, "more conntrack entries in one run");
	e = &c->ct_e[c->ct_n];
	memset(e, 0, sizeof(*e));
	memcpy(e->tuple, t, sizeof(t));
	e->zone_id = zid;
	e->zone_dir = zdir;
	e->live = true;
	set_timeout(c, e, 10ULL * c->ct.hz); /* __bpf_nf_ct_alloc_entry(..., 10) */
	*ret = (int64_t)entry_addr(c, c->ct_n);
	c->ct_n++;
	return 0;
}

/* The live entry @addr points to (the verifier has checked the type), or NULL */
static struct interp_ct_entry *entry_at(struct interp_ctx *c, uint64_t addr)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;

	if (i < c->ct_region0 || i >= c->ct_region0 + c->ct_n || addr != c->regions[i].base ||
	    !c->ct_e[i - c->ct_region0].live)
		return NULL;
	return &c->ct_e[i - c->ct_region0];
}

/* bpf_ct_insert_entry(): NULL (the entry freed) or the entry */
static int ct_insert(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		     struct interp_ct_entry *e, int64_t *ret)
{
	int idx = (int)(e - c->ct_e), d, dir;

	if (!(e->status & IPS_CONFIRMED))
		e->timeout += (uint32_t)interp_ct_jiffies(c);
	e->status |= IPS_CONFIRMED;
	for (d = 0; d < 2; d++) {
		int i = find(c, e->tuple[d], e->zone_id, e->zone_dir,
			     zone_id(e->zone_id, e->zone_dir, d), idx, &dir);

		if (i == -2)
			return unsupported(res, pc, "an insert whose zone differs by direction");
		if (i >= 0) { /* -EEXIST: nf_conntrack_free() */
			e->live = false;
			*ret = 0;
			return 0;
		}
	}
	e->inserted = true;
	*ret = (int64_t)entry_addr(c, (uint32_t)idx);
	return 0;
}

/* nf_ct_change_status_common() */
static int64_t change_status(const struct interp_ctx *c, struct interp_ct_entry *e,
			     uint32_t status)
{
	uint64_t d = e->status ^ status, on;
	uint32_t bit;

	if (d & (IPS_EXPECTED | IPS_CONFIRMED | IPS_DYING))
		return -EBUSY;
	if ((d & IPS_SEEN_REPLY) && !(status & IPS_SEEN_REPLY))
		return -EBUSY;
	if ((d & IPS_ASSURED) && !(status & IPS_ASSURED))
		return -EBUSY;
	on = status & ~(uint64_t)c->ct.status_unchangeable;
	for (bit = 0; bit < c->ct.status_max_bit && bit < 32; bit++)
		if (on & (1ULL << bit))
			e->status |= 1ULL << bit;
	return 0;
}

/*
 * bpf_ct_set_nat_info(): nf_nat_setup_info() with the range [@addr, @addr]
 * (and [port, port] when port > 0), for manip @manip (0 SRC, 1 DST).
 */
static int set_nat(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		   struct interp_ct_entry *e, const uint8_t *addr, int32_t port, uint32_t manip,
		   int64_t *ret)
{
	uint8_t curr[INTERP_CT_TUPLE], nt[INTERP_CT_TUPLE], rep[INTERP_CT_TUPLE];
	uint32_t ua = manip ? T_DST_U3 : T_SRC_U3, uu = manip ? T_DST_U : T_SRC_U, i;
	uint16_t be = (uint16_t)((port & 0xff) << 8 | ((port >> 8) & 0xff));
	uint64_t done = manip ? IPS_DST_NAT_DONE : IPS_SRC_NAT_DONE;

	if (e->status & IPS_CONFIRMED) { /* "Can't setup nat info for confirmed ct" */
		*ret = 0;
		return 0;
	}
	if (manip > 1 || (e->status & done))
		return unsupported(res, pc, "NAT set up twice, or a manip type beyond SRC/DST");
	invert(curr, e->tuple[1]);
	if (!manip) {
		/* an earlier mapping of this source (find_appropriate_src()) */
		for (i = 0; i < c->ct_n; i++)
			if (c->ct_e[i].live && c->ct_e[i].bysource && &c->ct_e[i] != e &&
			    c->ct_e[i].tuple[0][T_PROTO] == curr[T_PROTO] &&
			    !memcmp(c->ct_e[i].tuple[0] + T_SRC_U3, curr + T_SRC_U3, 18))
				return unsupported(res, pc, "a second NAT of one source");
		/* the original tuple in range: only if its address is the range's */
		if (!memcmp(curr + T_SRC_U3, addr, curr[T_L3NUM] == 2 ? 4 : 16))
			return unsupported(res, pc, "source NAT to the address it has");
	}
	memcpy(nt, curr, sizeof(nt));
	memcpy(nt + ua, addr, 16);		/* find_best_ips_proto(): one choice */
	if (port > 0)
		memcpy(nt + uu, &be, 2);	/* one port: in range, or made so */
	/* nf_nat_used_tuple(): this run's entries; with one, the kernel searches on */
	invert(rep, nt);
	for (i = 0; i < c->ct_n; i++)
		if (c->ct_e[i].live && c->ct_e[i].inserted &&
		    (tuple_eq(c->ct_e[i].tuple[0], rep) || tuple_eq(c->ct_e[i].tuple[1], rep)))
			return unsupported(res, pc, "a NAT tuple already in use");
	if (!tuple_eq(nt, curr)) {
		memcpy(e->tuple[1], rep, sizeof(rep));
		e->status |= manip ? IPS_DST_NAT : IPS_SRC_NAT;
	}
	if (!manip)
		e->bysource = true;
	e->status |= done;
	*ret = 0;
	return 0;
}

int interp_ct_kfunc(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int32_t id,
		    uint64_t *r)
{
	struct interp_call *call = c->ncalls < INTERP_TRACE_CAP ? &c->calls[c->ncalls] : NULL;
	int k = c->ct_set ? kfunc_of(c, id) : -1;
	struct interp_ct_entry *e = NULL;
	int64_t ret = 0;
	int err = 0;

	if (k < 0)
		return 1;
	if (call) {
		call->insn = pc;
		call->helper = -id;
		memcpy(call->args, &r[1], sizeof(call->args));
		call->mem = c->trace_mem + c->trace_mem_len;
		call->mem_len = 0;
		call->mem_truncated = false;
	}
	if (k < INTERP_CT_INSERT && (k == INTERP_CT_XDP_ALLOC || k == INTERP_CT_XDP_LOOKUP) !=
					    (c->type == BPF_PROG_TYPE_XDP)) {
		interp_fault(res, INTERP_FAULT, pc, "kfunc %d: for another program type", id);
		return -EINVAL;
	}
	if (k >= INTERP_CT_INSERT) {
		e = entry_at(c, r[1]);
		if (!e) {
			interp_fault(res, INTERP_FAULT, pc, "kfunc %d: r1 is no conntrack entry",
				     id);
			return -EINVAL;
		}
	}
	switch (k) {
	case INTERP_CT_XDP_LOOKUP:
	case INTERP_CT_SKB_LOOKUP:
		err = ct_lookup(c, res, pc, r, &ret);
		break;
	case INTERP_CT_XDP_ALLOC:
	case INTERP_CT_SKB_ALLOC:
		err = ct_alloc(c, res, pc, r, &ret);
		break;
	case INTERP_CT_INSERT:
		err = ct_insert(c, res, pc, e, &ret);
		break;
	case INTERP_CT_RELEASE:
		break; /* nf_ct_put(): the table keeps an inserted entry */
	case INTERP_CT_SET_TIMEOUT:
		set_timeout(c, e, ms_to_jiffies(c, (uint32_t)r[2]));
		break;
	case INTERP_CT_CHANGE_TIMEOUT:
		if (e->status & IPS_FIXED_TIMEOUT) {
			ret = -EPERM;
			break;
		}
		set_timeout(c, e, ms_to_jiffies(c, (uint32_t)r[2]));
		ret = e->status & IPS_DYING ? -ETIME : 0;
		break;
	case INTERP_CT_SET_STATUS:
	case INTERP_CT_CHANGE_STATUS:
		ret = change_status(c, e, (uint32_t)r[2]);
		break;
	case INTERP_CT_SET_NAT_INFO: {
		const uint8_t *addr = interp_helper_mem(c, res, pc, r[2], 16);

		if (!addr)
			return -EFAULT;
		interp_trace_mem(c, call, addr, 16);
		err = set_nat(c, res, pc, e, addr, (int32_t)r[3], (uint32_t)r[4], &ret);
		break;
	}
	}
	if (err)
		return err;
	r[0] = (uint64_t)ret;
	if (call)
		call->ret = (uint64_t)ret;
	c->ncalls++;
	return 0;
}

/* An nf_conn field the program touches: its bytes in the entry, or NULL */
static uint8_t *field(struct interp_ctx *c, struct interp_ct_entry *e, int64_t off,
		      uint32_t size, bool write)
{
	const struct interp_ct_env *v = &c->ct;
	static uint8_t zone[4];
	int d;

	if (v->mark >= 0 && off >= v->mark && off + size <= v->mark + 4)
		return (uint8_t *)&e->mark + (off - v->mark);
	if (write)
		return NULL; /* the verifier lets programs write mark alone */
	if (v->timeout >= 0 && off >= v->timeout && off + size <= v->timeout + 4)
		return (uint8_t *)&e->timeout + (off - v->timeout);
	if (v->status >= 0 && off >= v->status && off + size <= v->status + 8)
		return (uint8_t *)&e->status + (off - v->status);
	if (v->zone >= 0 && off >= v->zone && off + size <= v->zone + 4) {
		/* struct nf_conntrack_zone: id, flags (0: the kfuncs set none), dir */
		memcpy(zone, &e->zone_id, 2);
		zone[2] = 0;
		zone[3] = e->zone_dir;
		return zone + (off - v->zone);
	}
	for (d = 0; d < 2 && v->tuplehash >= 0; d++) {
		int64_t t = v->tuplehash + (int64_t)d * v->hash_size + v->hash_tuple;

		if (off >= t && off + size <= t + INTERP_CT_TUPLE)
			return e->tuple[d] + (off - t);
	}
	return NULL;
}

int interp_ct_mem(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint32_t ri,
		  int64_t off, uint32_t size, int mode, uint64_t *val)
{
	uint32_t i = ri - c->ct_region0;
	struct interp_ct_entry *e = i < c->ct_n ? &c->ct_e[i] : NULL;
	uint8_t *p;

	if (!e || !e->live) {
		interp_fault(res, INTERP_FAULT, pc,
			     "access of %u bytes at a freed conntrack entry", size);
		return -EFAULT;
	}
	p = field(c, e, off, size, mode != INTERP_READ);
	if (!p || (mode != INTERP_READ && mode != INTERP_WRITE)) {
		interp_fault(res, mode == INTERP_READ ? INTERP_UNSUPPORTED : INTERP_FAULT, pc,
			     "%s of %u bytes at nf_conn%+lld: %s", mode == INTERP_READ ? "read" :
			     "write", size, (long long)off, mode == INTERP_READ ?
			     "a field not modelled" : "only mark is writable");
		return mode == INTERP_READ ? -EOPNOTSUPP : -EFAULT;
	}
	if (mode == INTERP_READ) {
		*val = 0;
		memcpy(val, p, size);
	} else {
		memcpy(p, val, size);
	}
	return 0;
}

int interp_ctx__set_ct(struct interp_ctx *c, const struct interp_ct_env *e)
{
	if (!c || !e || !e->hz || e->hz > 1000 || 1000 % e->hz)
		return -EINVAL;
	c->ct = *e;
	c->ct_set = true;
	return 0;
}
