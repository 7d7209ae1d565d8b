/* SPDX-License-Identifier: MIT */
/*
 * core/interp: a concrete interpreter with the kernel's exact semantics.
 *
 * The search judges candidate programs by running them on test inputs, so this
 * must compute exactly what the kernel computes (the differential test in
 * tests/kernel/test_interp_diff.c holds it to that).  Three objects:
 *
 *   struct interp_prog  a program predecoded once (jump and call targets
 *                       resolved, LD_IMM64's constant in its first slot),
 *                       immutable, shareable between threads;
 *   struct interp_ctx   a machine: the maps' definitions and storage, the
 *                       stacks, the packet buffer, the helper trace.  Reused
 *                       across runs without allocation (except when a hash
 *                       map first grows); one per thread;
 *   interp_run()        one execution of a program on one input.  Every run
 *                       starts from the same state: maps holding exactly the
 *                       input's elements, zeroed stack and packet surround,
 *                       whatever earlier runs did.
 *
 * Memory is a set of regions at fake 64-bit addresses far apart (stack frames,
 * ctx, packet, map values, map objects), so pointer arithmetic and
 * comparisons work on plain u64 values, and an access that is not inside one
 * region with the right permission stops the run with a fault naming the
 * instruction.  Nothing here touches files, fds or the kernel.
 */
#ifndef BPFSYNTH_CORE_INTERP_H
#define BPFSYNTH_CORE_INTERP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#define INTERP_MAX_FRAMES 8	       /* MAX_CALL_FRAMES */
#define INTERP_STACK_SIZE 512	       /* MAX_BPF_STACK, per frame */
#define INTERP_MSG_SIZE 160	       /* fault messages */
#define INTERP_XDP_HEADROOM 256	       /* XDP_PACKET_HEADROOM */
#define INTERP_XDP_FRAME_SIZE 4096     /* PAGE_SIZE: the test run's frame_sz */
#define INTERP_XDP_SHINFO_SIZE 320     /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define INTERP_XDP_FRAME_HDR 40	       /* sizeof(struct xdp_frame): adjust_head/meta floor */
#define INTERP_XDP_META_MAX 255	       /* type_max(skb_shared_info::meta_len) */
#define INTERP_SKB_HEADROOM 64	       /* NET_SKB_PAD + NET_IP_ALIGN on x86-64 */
#define INTERP_DEFAULT_BUDGET 10000000 /* instructions per run */

/*
 * One map of the environment.  @ref is the imm LD_IMM64 uses to name it.
 * Per-CPU maps hold one value per element: the CPU's the run is on
 * (interp_input.cpu); value_size is the program's (not rounded up to 8).
 */
struct interp_map_def {
	uint32_t type; /* ARRAY, HASH, their PERCPU_ and LRU_ forms, PROG_ARRAY,
			* PERF_EVENT_ARRAY, DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP,
			* LPM_TRIE, QUEUE, STACK, ARRAY_OF_MAPS, HASH_OF_MAPS (values:
			* u32 indices into the map table), and SOCKMAP, SOCKHASH,
			* REUSEPORT_SOCKARRAY, SK_STORAGE, CGROUP_ARRAY, always empty
			* (core/interp_maps2.c) */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t flags; /* BPF_F_RDONLY_PROG makes values read-only to the program */
	int32_t ref;	/* fd (BPF_PSEUDO_MAP_FD/VALUE) or index (BPF_PSEUDO_MAP_IDX*) */
};

/*
 * An initial map element.  Queues and stacks: the key is ignored and the
 * elements are pushed in the order given.
 */
struct interp_map_elem {
	uint32_t map; /* index into the ctx's map table */
	const void *key;
	const void *value;
};

/* A network device helpers look up by ifindex (bpf_check_mtu). */
struct interp_netdev {
	uint32_t ifindex;
	uint32_t mtu;
	uint32_t hard_header_len;
};

/* The test run's device when the input names none: loopback. */
#define INTERP_LO_IFINDEX 1
#define INTERP_LO_MTU 65536
#define INTERP_LO_HARD_HEADER_LEN 14

/* The input of one run. */
struct interp_input {
	const uint8_t *pkt; /* packet as given to BPF_PROG_TEST_RUN's data_in */
	uint32_t pkt_len;
	/*
	 * For __sk_buff types: the ctx fields (as BPF_PROG_TEST_RUN's ctx_in plus
	 * what the kernel derives from the packet); see interp_skb_defaults().
	 * len, data, data_end and data_meta are always computed from the packet.
	 * NULL: interp_skb_defaults() of the packet.
	 */
	const struct __sk_buff *skb;
	/*
	 * For XDP: ingress_ifindex, rx_queue_index, egress_ifindex (data*
	 * ignored).  A non-zero egress_ifindex makes the run a devmap entry
	 * program's (expected_attach_type BPF_XDP_DEVMAP), which alone may
	 * read the field; 0: reading it faults, as the verifier rejects it.
	 */
	const struct xdp_md *xdp;
	/* Flow dissector: the flags of ctx_in's struct bpf_flow_keys (BPF_FLOW_DISSECTOR_F_*). */
	uint32_t flow_flags;
	/*
	 * Kprobe, tracepoint, raw tracepoint: the ctx bytes (pt_regs, the
	 * record, the u64 arguments), as BPF_PROG_TEST_RUN's ctx_in; the rest
	 * reads as zero.  At most 8192.
	 */
	const void *ctx;
	uint32_t ctx_len;
	const struct interp_map_elem *elems; /* initial map contents; the rest empty/zero */
	uint32_t nelems;
	/* What non-deterministic helpers return. */
	/*
	 * The clock: the first bpf_ktime_get_ns() (or read of jiffies, from it
	 * at interp_ct_env's HZ); each later read adds ktime_step.
	 */
	uint64_t ktime_ns;
	uint64_t ktime_step;
	const uint32_t *prandom;    /* bpf_get_prandom_u32() values, used in turn, cyclically */
	uint32_t nprandom;	    /* 0: returns 0 */
	uint32_t cpu;		    /* bpf_get_smp_processor_id() */
	/*
	 * The task the program runs in (a test run's: the caller's) for
	 * bpf_get_current_pid_tgid/_uid_gid/_comm; task_known false: those
	 * helpers are not modelled.
	 */
	bool task_known;
	uint64_t pid_tgid;	    /* tgid << 32 | pid (the thread's id) */
	uint64_t uid_gid;	    /* gid << 32 | uid */
	char comm[16];		    /* NUL-terminated */
	/*
	 * The devices of the netns; 0: the loopback device alone (the test
	 * run's ctx device, ifindex 1 unless xdp/skb say otherwise).  None
	 * forwards (bpf_fib_lookup: FWD_DISABLED, or -ENODEV for an ifindex
	 * not listed); a clone_redirect is modelled only to loopback.
	 */
	const struct interp_netdev *devs;
	uint32_t ndevs;
	/*
	 * The cgroup of the test run's socket (the running task's), as the
	 * ids of its ancestors from the root (level 0) down to itself; 0: not
	 * known, and bpf_skb_cgroup_id/_ancestor_cgroup_id are not modelled.
	 * The netns holds no sockets: socket lookups find nothing.
	 */
	const uint64_t *cgroup_ids;
	uint32_t ncgroup_ids;
	/*
	 * Kernel memory the interpreter does not hold.  bpf_get_current_task()
	 * returns @current_task, an address in none of the interpreter's
	 * regions (a test run's: the caller's task_struct); 0: not modelled.
	 * With @kmem_seed non-zero, bpf_probe_read_kernel(_str) of a range the
	 * interpreter does not hold has one of the outcomes the kernel's can
	 * have, chosen and filled from the seed, the address and the call:
	 * success with arbitrary bytes (_str: up to the first NUL of them),
	 * or -EFAULT or -ERANGE with the buffer zeroed; the result says it
	 * happened (interp_result.kmem_read).  0: not modelled.  Both are
	 * inputs like ktime_ns: runs with other values show what depends on them.
	 */
	uint64_t current_task;
	uint64_t kmem_seed;
	uint64_t budget;	    /* instructions; 0: INTERP_DEFAULT_BUDGET */
};

enum interp_status {
	INTERP_OK = 0,	    /* the program exited */
	INTERP_FAULT,	    /* invalid memory access, bad ctx access, call depth, ... */
	INTERP_BUDGET,	    /* instruction budget exhausted */
	INTERP_UNSUPPORTED, /* a helper, kfunc, opcode or ctx field not modelled */
	INTERP_BAD_INPUT,   /* the input cannot be given to this program (e.g. packet size) */
};

/*
 * A helper call, in execution order.  A helper that reads memory through its
 * pointer arguments makes those bytes observable: @mem holds them as read at
 * the call, argument after argument (a map key, then an update's value; the
 * data of perf_event_output; csum_diff's from then to buffers; ...).
 */
struct interp_call {
	uint32_t insn; /* index of the call instruction */
	int32_t helper; /* a kfunc: minus its BTF id */
	uint64_t args[5];
	uint64_t ret;
	const uint8_t *mem;
	uint32_t mem_len;
	bool mem_truncated; /* the run's trace memory was full */
};

/*
 * The output of one run.  Pointers point into the interp_ctx and stay valid
 * until its next run.
 */
struct interp_result {
	enum interp_status status;
	uint64_t r0;	 /* all 64 bits (what trampolines and subprog returns see) */
	uint32_t retval; /* what BPF_PROG_TEST_RUN reports: the low 32 bits */
	uint64_t insns;	 /* instructions executed (LD_IMM64 counts once) */
	uint32_t fault_insn;
	char msg[INTERP_MSG_SIZE]; /* "insn 12: read of 4 bytes at packet+62 outside ..." */

	/*
	 * Packet as BPF_PROG_TEST_RUN's data_out gives it: XDP from data_meta
	 * (the first meta_len bytes are metadata) to data_end; __sk_buff types
	 * from the MAC header.
	 */
	const uint8_t *pkt;
	uint32_t pkt_len;
	int32_t meta_len;     /* XDP: data - data_meta */
	int32_t head_delta;   /* XDP: how far data moved (adjust_head), bytes */

	/* __sk_buff types: the ctx after the run (writable fields written). */
	const struct __sk_buff *skb;
	/*
	 * Flow dissector: the flow keys after the run (clamped as the kernel
	 * does), which are also pkt/pkt_len, as BPF_PROG_TEST_RUN's data_out.
	 * Tracing types: pkt is NULL.
	 */
	const struct bpf_flow_keys *flow_keys;

	const struct interp_call *calls;
	uint32_t ncalls;      /* recorded (at most the trace capacity) */
	uint32_t ncalls_total;

	/*
	 * The run read stack bytes it had not written: the kernel's would be
	 * whatever its stack held, so the result is one of many the kernel
	 * could give (the interpreter reads zeroes).
	 */
	bool uninit_stack;
	/*
	 * The run read kernel memory the interpreter does not hold
	 * (interp_input.kmem_seed): what it read is one of many possibilities.
	 */
	bool kmem_read;
};

struct interp_prog;
struct interp_ctx;

/*
 * Predecode @insns[0..@len) for program type @type (BPF_PROG_TYPE_XDP,
 * _SOCKET_FILTER, _SCHED_CLS, _SCHED_ACT, _CGROUP_SKB, _FLOW_DISSECTOR,
 * _KPROBE, _TRACEPOINT, _RAW_TRACEPOINT in this version).
 * Structural errors (a jump out of range, a truncated LD_IMM64, an unknown
 * opcode) are reported here with the instruction index in @msg; NULL and errno.
 */
struct interp_prog *interp_prog__new(const struct bpf_insn *insns, size_t len, uint32_t type,
				     char *msg, size_t msgsz);
void interp_prog__free(struct interp_prog *p);
uint32_t interp_prog__type(const struct interp_prog *p);

/* A machine with the maps @maps[0..@nmaps) (copied).  NULL and errno on error. */
struct interp_ctx *interp_ctx__new(const struct interp_map_def *maps, uint32_t nmaps, char *msg,
				   size_t msgsz);
void interp_ctx__free(struct interp_ctx *c);

/*
 * The kernel's map objects, as a program reads them through a map pointer
 * (a CONST_PTR_TO_MAP: `((struct bpf_htab *)&map)->n_buckets`, CO-RE
 * offsets of the running kernel).  Where this kernel keeps the fields, in
 * bytes from the object's start (from its BTF: /sys/kernel/btf/vmlinux),
 * -1 for a field it does not have.  The values are the kernel's, computed
 * from the map's definition as its map_alloc does (core/interp_kobj.c);
 * a read of anything else, or with no layout given, is not modelled.
 */
struct interp_kobj_layout {
	/* struct bpf_map */
	int32_t map_type, key_size, value_size, max_entries, id;
	/* struct bpf_array (arrays, their per-CPU form, prog, perf event, cgroup arrays, ...) */
	int32_t array_elem_size, array_index_mask;
	/* struct bpf_htab (hashes, their per-CPU and LRU forms, hash of maps) */
	int32_t htab_count, htab_n_buckets, htab_elem_size;
	uint32_t htab_elem_hdr; /* sizeof(struct htab_elem): elem_size's first term */
};

/*
 * Conntrack for XDP and tc programs: the kfuncs of net/netfilter/
 * nf_conntrack_bpf.c and nf_nat_bpf.c (core/interp_ct.c), called by their
 * BTF ids in the running kernel (the call's imm, off 0), and the struct
 * nf_conn they return, read at this kernel's offsets.  The environment
 * is the test run's as seen from one run: the conntrack table holds none
 * of the entries the run meets but those the run inserts (the caller's to
 * ensure: the corpus's programs look up fresh random tuples), the netns
 * has no ids for other netns (a netns_id >= 0 is -ENONET), the table is
 * never full; jiffies (nfct_time_stamp, bpf_jiffies64()) is the clock of
 * interp_input.ktime_ns at @hz ticks a second, each read a ktime_step on.
 */
enum interp_ct_kfunc {
	INTERP_CT_XDP_ALLOC, INTERP_CT_XDP_LOOKUP, INTERP_CT_SKB_ALLOC, INTERP_CT_SKB_LOOKUP,
	INTERP_CT_INSERT, INTERP_CT_RELEASE, INTERP_CT_SET_TIMEOUT, INTERP_CT_CHANGE_TIMEOUT,
	INTERP_CT_SET_STATUS, INTERP_CT_CHANGE_STATUS, INTERP_CT_SET_NAT_INFO,
	INTERP_CT_NKFUNCS
};

struct interp_ct_env {
	int32_t kfunc[INTERP_CT_NKFUNCS]; /* BTF ids in vmlinux; 0: the kernel has none */
	/* struct nf_conn: byte offsets, -1 not there */
	int32_t timeout, zone, tuplehash, status, mark;
	uint32_t hash_size;  /* sizeof(struct nf_conntrack_tuple_hash) */
	uint32_t hash_tuple; /* offsetof(struct nf_conntrack_tuple_hash, tuple) */
	/* enum ip_conntrack_status: IPS_UNCHANGEABLE_MASK, __IPS_MAX_BIT */
	uint32_t status_unchangeable, status_max_bit;
	uint32_t hz;	     /* CONFIG_HZ; one dividing 1000 */
};

/* Give @c the conntrack kfuncs and environment (copied); 0 or -EINVAL. */
int interp_ctx__set_ct(struct interp_ctx *c, const struct interp_ct_env *e);

/*
 * Give @c the kernel's map object layout and the maps' ids (struct bpf_map's
 * id: @ids[i] for map i, 0 not known; NULL: none), both copied.  0 or -EINVAL.
 */
int interp_ctx__set_kobj(struct interp_ctx *c, const struct interp_kobj_layout *l,
			 const uint32_t *ids);

/*
 * Run @p on @in.  Returns 0 when the run happened (whatever its outcome,
 * which is in @res->status), or -errno when it could not be started
 * (-EINVAL: the input does not fit the program, e.g. a map element for a map
 * that does not exist; @res->msg says why).
 */
int interp_run(struct interp_ctx *c, const struct interp_prog *p, const struct interp_input *in,
	       struct interp_result *res);

/*
 * Put @p (NULL: nothing) in slot @index of the BPF_MAP_TYPE_PROG_ARRAY map
 * @map, for bpf_tail_call().  The slot stays across runs (it is part of the
 * machine, not of an input); @p must outlive its use.  0 or -EINVAL.
 */
int interp_ctx__set_prog(struct interp_ctx *c, uint32_t map, uint32_t index,
			 const struct interp_prog *p);

/* The __sk_buff BPF_PROG_TEST_RUN builds for @type from a packet (no ctx_in). */
void interp_skb_defaults(uint32_t type, const uint8_t *pkt, uint32_t len, struct __sk_buff *skb);

/*
 * Map contents after a run.  interp_map_lookup() copies the value of @key into
 * @value (0, or -ENOENT).  interp_map_next() walks the elements: start with
 * *@iter = 0; returns 0 and the element's key and value pointers, or -ENOENT
 * at the end.  Arrays list every element; queues and stacks list their
 * values oldest first (and have no keys to look up).  An LPM trie's lookup
 * is of the element with exactly that prefix (bits past prefixlen ignored),
 * not the longest match.
 */
int interp_map_lookup(const struct interp_ctx *c, uint32_t map, const void *key, void *value);
int interp_map_next(const struct interp_ctx *c, uint32_t map, uint32_t *iter, const void **key,
		    const void **value);

#endif
