/* SPDX-License-Identifier: MIT */
/*
 * core/interp internals shared by interp.c (decode, the run loop),
 * interp_env.c (memory regions, packet, ctx fields), interp_maps.c and
 * interp_helpers.c.
 *
 * Address space.  Region i occupies the 4 GiB window starting at
 * INTERP_ADDR_BASE + (i << 32); its offset 0 sits in the middle of the window,
 * so a pointer a little below or above a region still names that region and
 * the fault message can say how far outside it the access was.  Finding the
 * region of an address is a subtraction and a shift.
 */
#ifndef BPFSYNTH_CORE_INTERP_INTERNAL_H
#define BPFSYNTH_CORE_INTERP_INTERNAL_H

#include <string.h>

#include "core/interp.h"

#define INTERP_ADDR_BASE 0x0000100000000000ULL
#define INTERP_ADDR_MID 0x80000000ULL

/* Fixed region indices; map i has values at R_MAP0 + 2i and its object at + 1. */
enum {
	R_STACK0 = 0, /* one per frame */
	R_CTX = INTERP_MAX_FRAMES,
	R_PKT,
	R_FKEYS, /* flow dissector: struct bpf_flow_keys */
	R_CBKEY, /* for_each_map_elem: the key a callback gets, a slot per frame */
	R_SK,	 /* the test run's socket (struct bpf_sock fields, interp_sk.c) */
	R_MAP0,
};

enum interp_region_kind {
	RK_NONE,
	RK_STACK,
	RK_CTX,
	RK_PKT,
	RK_MAPVAL,
	RK_MAPOBJ,
	RK_FKEYS,
	RK_CBKEY,
	RK_SK,
	RK_CT,	 /* a conntrack entry's struct nf_conn (interp_ct.c) */
};

/* LD_IMM64 of a callback (BPF_PSEUDO_FUNC): this + its instruction index */
#define INTERP_FUNC_BASE (INTERP_ADDR_BASE - (1ULL << 40))
/* the return address of a callback's frame (interp_cb.c) */
#define INTERP_CB_RET UINT32_MAX
#define INTERP_CBKEY_SIZE 512

/* A helper that calls back (bpf_loop, for_each_map_elem) in progress. */
struct interp_cb {
	bool active;
	int32_t helper;
	uint32_t pc;	  /* the helper call */
	uint32_t target;  /* the callback's first instruction */
	uint32_t map;	  /* for_each_map_elem */
	uint32_t callidx; /* its entry in the trace, or UINT32_MAX */
	uint64_t i, n;	  /* the iteration (loop index, array index, hash element) */
	uint64_t ctx;	  /* callback_ctx */
	uint64_t count;	  /* calls made: the helper's result */
};

struct interp_region {
	uint8_t kind;
	bool writable;
	uint16_t map;	  /* RK_MAPVAL / RK_MAPOBJ */
	uint32_t shift;	  /* RK_MAPVAL: element stride is 1 << shift */
	uint32_t vsize;	  /* RK_MAPVAL: value size */
	int64_t lo, hi;	  /* accessible offsets [lo, hi) */
	int64_t show;	  /* subtracted from offsets in messages (packet: data) */
	uint8_t *host;	  /* host address of offset 0 */
	uint8_t *init;	  /* RK_STACK: per byte, written this run (else NULL) */
	uint64_t base;	  /* fake address of offset 0 */
};

static inline uint64_t interp_region_base(uint32_t i)
{
	return INTERP_ADDR_BASE + ((uint64_t)i << 32) + INTERP_ADDR_MID;
}

/* A predecoded instruction; slot indices are the original ones. */
struct interp_insn {
	uint8_t code;
	uint8_t dst;
	uint8_t src;
	uint8_t size; /* memory access width in bytes */
	int32_t off;  /* memory offset; jumps and calls: absolute target index */
	int64_t imm;  /* sign-extended imm; LD_IMM64 src 0: the constant */
};

struct interp_prog {
	struct interp_insn *insns;
	uint32_t len;
	uint32_t type;
};

/*
 * How a map is stored.  Per-CPU maps are stored like their plain forms (a run
 * sees one CPU); devmap, cpumap and xskmap like a hash keyed by an index
 * below max_entries, since their slots are empty until filled.
 */
enum interp_map_kind {
	MK_ARRAY,      /* ARRAY, PERCPU_ARRAY, the cgroup storages */
	MK_HASH,       /* HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, the redirect maps */
	MK_PROG_ARRAY,
	MK_PERF,
	MK_QUEUE,      /* QUEUE, STACK: values in push order, no keys (interp_maps2.c) */
	MK_NONE,       /* socket and cgroup maps: always empty here (interp_maps2.c) */
};

/* A map's storage.  Element i's value is at vals + (i << shift). */
struct interp_map {
	struct interp_map_def def;
	uint8_t kind;	   /* enum interp_map_kind */
	bool lru;	   /* LRU_HASH, LRU_PERCPU_HASH: inserts into a full map evict */
	bool redirect;	   /* DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP */
	bool indexed;	   /* DEVMAP, CPUMAP, XSKMAP: keys are u32 indices < max_entries */
	bool cgstorage;	   /* (PERCPU_)CGROUP_STORAGE: MK_ARRAY of one, no keys */
	bool lookup_only;  /* programs may only look up (redirect maps, maps of maps) */
	bool lpm;	   /* LPM_TRIE: MK_HASH of prefixes, keys masked past prefixlen */
	bool of_maps;	   /* ARRAY_OF_MAPS, HASH_OF_MAPS: values are u32 map indices */
	bool lifo;	   /* STACK: pop the newest */
	bool sk_local;	   /* SK_STORAGE: cgstorage-like, the run's socket's value (interp_sk.c) */
	bool sk_present;   /* SK_STORAGE: created in this run */
	uint32_t shift;
	uint8_t *vals;
	uint32_t nalloc;   /* elements with storage */
	/* hash: */
	uint8_t *keys;	   /* element i's key at keys + i * key_size */
	uint32_t *next;	   /* chain link per element; UINT32_MAX ends */
	uint8_t *used;	   /* per element: in the map */
	uint32_t *buckets; /* nbuckets heads */
	uint32_t nbuckets;
	uint32_t count;	   /* elements in the map */
	uint32_t nfresh;   /* elements ever handed out since reset (hash) */
	uint32_t *freelist;
	uint32_t nfree;
	/* array: elements a run may have written, to re-zero before the next run */
	uint32_t *dirty;
	uint32_t ndirty, dirty_cap;
	uint8_t *dirty_bit;
	uint32_t iter_key;
	/* prog array: the programs in the slots */
	const struct interp_prog **progs;
	/* LPM_TRIE: elements per prefix length 0..max (lookups try only those in use) */
	uint32_t *plen_count;
	/* queue, stack: the oldest element's slot; count holds how many */
	uint32_t qhead;
	/* the kernel's map object (interp_kobj.c) */
	struct interp_map_def udef; /* as given: what the kernel's struct bpf_map holds */
	uint32_t kid;		    /* the kernel's map id; 0: not known */
};

/*
 * A conntrack entry a run allocated (interp_ct.c).  Tuples are struct
 * nf_conntrack_tuple's 40 bytes: src.u3 (16), src.u (2), src.l3num (2),
 * dst.u3 (16), dst.u (2), dst.protonum, dst.dir.
 */
#define INTERP_CT_MAX 8
#define INTERP_CT_TUPLE 40

struct interp_ct_entry {
	uint8_t tuple[2][INTERP_CT_TUPLE]; /* IP_CT_DIR_ORIGINAL, IP_CT_DIR_REPLY */
	uint16_t zone_id;
	uint8_t zone_dir;
	bool live;	/* allocated and not freed */
	bool inserted;	/* in the table (confirmed) */
	bool bysource;	/* in NAT's bysource table (source NAT set up) */
	uint64_t status;
	uint32_t timeout;
	uint32_t mark;
};

struct interp_frame {
	const struct interp_prog *prog; /* the caller's, to return into */
	uint32_t ret_pc;
	uint64_t saved[4]; /* r6-r9 */
	uint64_t fp;
	uint64_t may_goto;
	struct interp_cb cb; /* a callback helper this frame is in */
};

#define INTERP_TRACE_CAP 256
#define INTERP_TRACE_MEM 16384 /* bytes helpers read, all calls of a run */
#define INTERP_PKT_BUF 4096
#define INTERP_CTX_MAX 8192 /* tracing ctx bytes: PERF_MAX_TRACE_SIZE */

struct interp_ctx {
	struct interp_region *regions;
	uint32_t nregions;
	struct interp_map *maps;
	uint32_t nmaps;

	uint8_t stack[INTERP_MAX_FRAMES][INTERP_STACK_SIZE];
	uint8_t stack_init[INTERP_MAX_FRAMES][INTERP_STACK_SIZE];
	bool uninit_read;	/* this run read stack bytes it had not written */
	bool kmem_read;		/* ... or kernel memory it does not hold (kmem_seed) */
	uint32_t kmem_calls;	/* reads of such memory this run: varies each one's bytes */
	uint8_t pkt[INTERP_PKT_BUF];
	uint8_t pkt_out[INTERP_PKT_BUF];

	/* what the last run may have written, to re-zero before the next */
	int64_t pkt_lo, pkt_hi;	/* pkt[pkt_lo, pkt_hi) */
	uint32_t max_depth;	/* stack frames 0..max_depth */

	/* per run */
	uint32_t type;
	const struct interp_input *in;
	int64_t data, data_end, data_meta; /* packet offsets in pkt[] */
	int64_t data0;			   /* data at the start of the run */
	int64_t mac;			   /* skb: mac header offset */
	int64_t net;			   /* skb: network header offset */
	uint32_t pkt_len0;
	struct xdp_md xdp;
	struct __sk_buff skb;
	uint64_t ktime;
	uint32_t prandom_i;
	struct bpf_flow_keys fkeys;	/* flow dissector */
	uint8_t cbkey[INTERP_MAX_FRAMES][INTERP_CBKEY_SIZE];
	uint8_t ctxbuf[INTERP_CTX_MAX]; /* tracing: the input's ctx bytes, zero after */
	uint32_t ctx_len;		/* of the last run's, to re-zero */
	/* skb: the tunnel metadata dst bpf_skb_set_tunnel_key() attached */
	uint8_t tunnel; /* 0 none, 1 a key, 2 a key and options */
	struct interp_call calls[INTERP_TRACE_CAP];
	uint32_t ncalls;
	uint8_t trace_mem[INTERP_TRACE_MEM];
	uint32_t trace_mem_len;

	/* kernel objects, for the few programs that reach them: last, off the hot lines */
	struct interp_kobj_layout kobj; /* map objects' layout (interp_kobj.c) */
	bool kobj_set;
	struct interp_ct_env ct;	/* conntrack (interp_ct.c) */
	bool ct_set;
	uint32_t ct_region0;		/* the regions of the entries' nf_conn */
	uint32_t ct_n;			/* entries allocated this run */
	struct interp_ct_entry ct_e[INTERP_CT_MAX];
};

/* Out-of-line memory access: ctx fields, and the faults. */
enum { INTERP_READ, INTERP_WRITE, INTERP_ATOMIC, INTERP_HELPER_READ };
int interp_mem_slow(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint64_t addr,
		    uint32_t size, int mode, uint64_t *val);
void interp_fault(struct interp_result *res, enum interp_status st, uint32_t pc, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));

/*
 * Stack bytes a run reads before writing them hold, in the kernel, whatever
 * the CPU's stack held (the verifier lets privileged programs read them): a
 * write marks bytes written, a read of an unmarked byte flags the run.
 */
static inline void interp_stack_init(struct interp_ctx *c, uint8_t *init, uint32_t size,
				     bool write)
{
	uint32_t i;

	if (write) {
		memset(init, 1, size);
		return;
	}
	for (i = 0; i < size; i++)
		if (!init[i])
			c->uninit_read = true;
}

/*
 * Translate [addr, addr + size) to host memory, or NULL if it is not plainly
 * inside one region with the permission (the caller then takes the slow path).
 */
static inline uint8_t *interp_xlate(struct interp_ctx *c, uint64_t addr, uint32_t size, bool write)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;
	struct interp_region *r;
	int64_t off;

	if (i >= c->nregions)
		return NULL;
	r = &c->regions[i];
	off = (int64_t)(addr - r->base);
	if (off < r->lo || off + size > r->hi || (write && !r->writable))
		return NULL;
	if (r->kind == RK_MAPVAL && (off & ((1ULL << r->shift) - 1)) + size > r->vsize)
		return NULL;
	if (r->init)
		interp_stack_init(c, r->init + off, size, write);
	return r->host + off;
}

/*
 * Writes the fast path refuses but that are fine: array map values, which
 * take this way so that the element is marked for re-zeroing whatever
 * pointer arithmetic reached it.  A host pointer, or NULL (no fault set).
 */
uint8_t *interp_mem_wptr(struct interp_ctx *c, uint64_t addr, uint32_t size);

#define ETH_HLEN 14

static inline bool interp_is_skb_type(uint32_t type)
{
	return type == BPF_PROG_TYPE_SOCKET_FILTER || type == BPF_PROG_TYPE_SCHED_CLS ||
	       type == BPF_PROG_TYPE_SCHED_ACT || type == BPF_PROG_TYPE_CGROUP_SKB;
}

static inline bool interp_is_trace_type(uint32_t type)
{
	return type == BPF_PROG_TYPE_KPROBE || type == BPF_PROG_TYPE_TRACEPOINT ||
	       type == BPF_PROG_TYPE_RAW_TRACEPOINT;
}

/* tc: the test run pushes the Ethernet header back (is_l2) */
static inline bool interp_is_l2_type(uint32_t type)
{
	return type == BPF_PROG_TYPE_SCHED_CLS || type == BPF_PROG_TYPE_SCHED_ACT;
}

/* interp_maps.c */
int interp_map_init(struct interp_map *m, const struct interp_map_def *d, char *msg,
		    size_t msgsz);
void interp_map_free(struct interp_map *m);
void interp_map_reset(struct interp_map *m);
int interp_array_mark_dirty(struct interp_map *m, uint32_t i);
uint32_t interp_hash_find(const struct interp_map *m, const void *key);
void interp_hash_unlink(struct interp_map *m, uint32_t e);
/* bpf_map_update_elem() on map @mi: what the helper returns */
int64_t interp_map_update(struct interp_ctx *c, uint32_t mi, const void *key, const void *val,
			  uint64_t flags);
int interp_map_grow(struct interp_map *m, uint32_t want);

/* interp_maps2.c: LPM tries, queues and stacks, maps of maps, the empty socket maps */
int interp_map2_init(struct interp_map *m, char *msg, size_t msgsz);
/* LPM_TRIE: @key masked past its prefixlen into @out (key_size bytes); -EINVAL if too long */
int interp_lpm_norm(const struct interp_map *m, const void *key, uint8_t *out);
/* LPM_TRIE: the element of the longest prefix matching @key, or UINT32_MAX */
uint32_t interp_lpm_match(const struct interp_map *m, const void *key);
/* queue/stack: push (what bpf_map_push_elem returns), and the slot pop/peek reads */
int64_t interp_queue_push(struct interp_map *m, const void *val, uint64_t flags);
uint32_t interp_queue_slot(const struct interp_map *m, uint32_t i);
int interp_map2_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		       struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret);


/* interp_env.c */
/* Write the fault message for a bad access; returns -EFAULT. */
int interp_mem_fault(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint64_t addr,
		     uint32_t size, int mode);
int interp_env_reset(struct interp_ctx *c, const struct interp_prog *p,
		     const struct interp_input *in, struct interp_result *res);
void interp_env_finish(struct interp_ctx *c, struct interp_result *res);
int interp_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int32_t id,
		  uint64_t *r);
/*
 * For helpers: memory a helper reads (checked like a program's read), a
 * buffer it writes (checked, but its stack bytes count as written only once
 * interp_helper_wrote() says so: a failing helper may leave them garbage),
 * and the bytes read appended to the call's trace.
 */
const uint8_t *interp_helper_mem(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
				 uint64_t addr, uint32_t size);
uint8_t *interp_helper_wbuf(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
			    uint64_t addr, uint32_t size);
void interp_helper_wrote(struct interp_ctx *c, uint64_t addr, uint32_t size);
void interp_trace_mem(struct interp_ctx *c, struct interp_call *call, const uint8_t *p,
		      uint32_t n);

/* interp_net.c: 0 and *@ret the helper's result, or -errno after a fault */
int interp_check_mtu(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		     struct interp_call *call, const uint64_t *r, int64_t *ret);
int interp_tunnel_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
			 struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret);
/* bpf_fib_lookup (no route table: see interp_net.c); bpf_clone_redirect */
int interp_fib_lookup(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		      struct interp_call *call, const uint64_t *r, int64_t *ret);
int interp_clone_redirect(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
			  const uint64_t *r, int64_t *ret);
/* bpf_skb_adjust_room(skb, len_diff, mode, flags) */
int interp_adjust_room(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		       const uint64_t *r, int64_t *ret);
/* bpf_skb_change_head(skb, head_room, flags) */
int interp_change_head(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		       const uint64_t *r, int64_t *ret);
int interp_vlan_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int32_t id,
		       const uint64_t *r, int64_t *ret);
/* xdp_adjust_head/_meta/_tail by @off: what the helper returns */
int64_t interp_xdp_adjust(struct interp_ctx *c, int32_t id, int32_t off);
/*
 * interp_kobj.c: a program's read of @size bytes at @off in map @mi's
 * kernel object (struct bpf_map and its type's struct): 0 and *@val, or
 * -errno with the run stopped (not modelled: INTERP_UNSUPPORTED).
 */
int interp_kobj_read(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint32_t mi,
		     int64_t off, uint32_t size, uint64_t *val);

/*
 * interp_ct.c: a conntrack kfunc call (BTF id @id): 0 and r0 set, 1 when
 * @id is none of them, -errno after a fault; the reads and writes of an
 * entry's nf_conn (region @ri); the clock in jiffies (bpf_jiffies64)
 */
int interp_ct_kfunc(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int32_t id,
		    uint64_t *r);
int interp_ct_mem(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint32_t ri,
		  int64_t off, uint32_t size, int mode, uint64_t *val);
uint64_t interp_ct_jiffies(struct interp_ctx *c);

/*
 * interp_cb.c: bpf_loop, bpf_for_each_map_elem.  start: 0 and the
 * callback's r1..r5 in @args (call it), 1 when the helper is done at once
 * (cb->count is its result), -errno after a fault.  next, on the callback's
 * r0: 0 and @args (call it again), 1 when done (cb->count).
 */
int interp_cb_start(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int32_t id,
		    const uint64_t *r, uint32_t depth, uint32_t nprog, struct interp_cb *cb,
		    uint64_t *args);
int interp_cb_next(struct interp_ctx *c, struct interp_cb *cb, uint32_t depth, uint64_t cbret,
		   uint64_t *args);

/*
 * interp_task.c: the current task's helpers, probe_read_kernel(_str): 0 and
 * *@ret, or -errno after a fault; bpf_trace_printk's format: 1 and *@ret,
 * 0 when not modelled (%s, %p).
 */
int interp_task_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		       struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret);
int interp_trace_printk(const char *fmt, uint32_t fmt_size, const uint64_t *args, int64_t *ret);

/* interp_types.c: flow dissector and tracing contexts */
int interp_types_reset(struct interp_ctx *c, const struct interp_prog *p,
		       const struct interp_input *in, struct interp_result *res);
void interp_types_finish(struct interp_ctx *c, struct interp_result *res);
int interp_types_ctx(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t off,
		     uint32_t size, int mode, uint64_t *val);
/* interp_sk.c: the test run's dummy socket (__sk_buff family .. local_port); its helpers */
void interp_sk_fields(struct interp_ctx *c, const uint8_t *pkt, uint32_t len);
int interp_sk_ctx(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t off,
		  uint32_t size, int mode, uint64_t *val);
int interp_sk_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		     struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret);
/* bpf_sk_storage_get/_delete on the test run's socket */
int interp_sk_storage(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		      struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret);
/* interp_csum.c: x86's csum_partial(); the helpers' results */
uint32_t interp_csum_partial(const uint8_t *buf, int len, uint32_t sum);
int64_t interp_csum_diff(const uint8_t *from, uint32_t from_size, const uint8_t *to,
			 uint32_t to_size, uint32_t seed);
int64_t interp_csum_replace(struct interp_ctx *c, bool l4, uint32_t offset, uint64_t from,
			    uint64_t to, uint64_t flags);

/*
 * bpf_tail_call(r1 ctx, r2 prog array, r3 index); *@ntail counts them:
 * 0 and *@target (NULL: no tail call, execution goes on), or -errno (fault).
 */
int interp_tail_call(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		     const uint64_t *r, uint32_t *ntail, const struct interp_prog **target);
int interp_ld_abs(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t off,
		  uint32_t size, uint64_t *val);
int interp_ldimm64_map(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint32_t kind,
		       int32_t ref, int32_t voff, uint64_t *val);

#endif
