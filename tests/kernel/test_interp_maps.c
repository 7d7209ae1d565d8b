// SPDX-License-Identifier: MIT
/*
 * core/interp's map types against the kernel: per-CPU arrays and hashes,
 * LRU hashes, and the redirect maps (devmap, devmap hash, cpumap, xskmap)
 * with bpf_redirect_map().
 *
 * Also LPM tries, queues and stacks, the socket and cgroup maps (empty); maps
 * of maps and socket storage are in test_interp_maps2.c.
 *
 * Each case is one map, a few elements put in it from userspace, and a small
 * program; it runs in the kernel (BPF_PROG_TEST_RUN, on case_pkt; cgroup
 * storage cases twice, since the storage must not outlive a run) and in the
 * interpreter given the same elements.  The retval must agree, and so must
 * the map afterwards: every element the kernel has is in the interpreter
 * with the same value (per-CPU maps: CPU 0's, since the test pins itself to
 * CPU 0 and the kernel's test run executes on the caller's CPU; the other
 * CPUs' values must be what userspace put there, or zero for an element the
 * program inserted).  Cases where the interpreter must refuse (an LRU map
 * that would evict) check that it says UNSUPPORTED, and run nothing in the
 * kernel.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests/test.h"
#include "tests/unit/interp_cases.h"
#include "core/interp.h"
#include "tests/kernel/harness.h"

#define MAP 77 /* the LD_IMM64 placeholder for the case's map */
#define MAX_FILL 4

struct map_case {
	const char *descr;
	uint32_t prog_type; /* 0: XDP */
	uint32_t map_type, key_size, value_size, max_entries, map_flags;
	uint32_t nfill;
	uint64_t fill_key[MAX_FILL]; /* little-endian, key_size bytes of it (LPM: prefixlen, addr) */
	uint64_t fill_val[MAX_FILL]; /* little-endian, value_size bytes of it */
	struct bpf_insn insns[40];
	bool unsupported; /* the interpreter must refuse; the kernel is not asked */
};

/* *(u32 *)(fp - 4) = K; r2 = fp - 4 */
#define KEY_ON_STACK(K)                                                                            \
	BPF_ST_MEM(BPF_W, BPF_REG_10, -4, K), BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),                \
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4)

/* bpf_map_update_elem(map, &K, &V (u64 at fp - 16), flags) -> r0 */
#define UPDATE(K, V, FLAGS)                                                                        \
	BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, V), BPF_LD_MAP_FD(BPF_REG_1, MAP), KEY_ON_STACK(K),    \
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10), BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),      \
		BPF_MOV64_IMM(BPF_REG_4, FLAGS), BPF_EMIT_CALL(BPF_FUNC_map_update_elem)

/* r0 = bpf_map_lookup_elem(map, &K) */
#define LOOKUP(K)                                                                                  \
	BPF_LD_MAP_FD(BPF_REG_1, MAP), KEY_ON_STACK(K), BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)

/* return bpf_redirect_map(map, IDX, FLAGS) */
#define REDIRECT(IDX, FLAGS)                                                                       \
	{ BPF_LD_MAP_FD(BPF_REG_1, MAP), BPF_LD_IMM64(BPF_REG_2, IDX),                             \
	  BPF_LD_IMM64(BPF_REG_3, FLAGS), BPF_EMIT_CALL(BPF_FUNC_redirect_map), BPF_EXIT_INSN() }

/* An LPM key { u32 prefixlen; u8 addr[4] } at fp - 8, r2 = fp - 8; addr as a u32 in memory order */
#define LPM_KEY(PLEN, ADDR)                                                                        \
	BPF_ST_MEM(BPF_W, BPF_REG_10, -8, PLEN), BPF_ST_MEM(BPF_W, BPF_REG_10, -4, ADDR),          \
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10), BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -8)
#define LPM_FILL(PLEN, ADDR) ((uint64_t)(ADDR) << 32 | (PLEN))
/* return the u64 value of the longest match of PLEN/ADDR, or 99 */
#define LPM_LOOKUP_RET(PLEN, ADDR)                                                                 \
	{ BPF_LD_MAP_FD(BPF_REG_1, MAP), LPM_KEY(PLEN, ADDR),                                      \
	  BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem), BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),          \
	  BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0), BPF_EXIT_INSN(),                           \
	  BPF_MOV64_IMM(BPF_REG_0, 99), BPF_EXIT_INSN() }
/* return bpf_map_update_elem(map, PLEN/ADDR, V, FLAGS) */
#define LPM_UPDATE_RET(PLEN, ADDR, V, FLAGS)                                                       \
	{ BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, V), BPF_LD_MAP_FD(BPF_REG_1, MAP),                   \
	  LPM_KEY(PLEN, ADDR), BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),                               \
	  BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -16), BPF_MOV64_IMM(BPF_REG_4, FLAGS),                 \
	  BPF_EMIT_CALL(BPF_FUNC_map_update_elem), BPF_EXIT_INSN() }
#define LPM_DELETE_RET(PLEN, ADDR)                                                                 \
	{ BPF_LD_MAP_FD(BPF_REG_1, MAP), LPM_KEY(PLEN, ADDR),                                      \
	  BPF_EMIT_CALL(BPF_FUNC_map_delete_elem), BPF_EXIT_INSN() }
/* 10.0.0.0/8 -> 1, 10.1.2.0/24 -> 2, 10.1.0.0/16 -> 3 */
#define LPM_FILL3 3, { LPM_FILL(8, 0x0a), LPM_FILL(24, 0x02010a), LPM_FILL(16, 0x010a) }, \
	{ 1, 2, 3 }

/*
 * pop/peek into fp - 8 (0x77 there before): return (ret & 0xff) << 8 | the
 * value's low byte
 */
#define QPOP_RET(FUNC)                                                                             \
	{ BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 0x77), BPF_LD_MAP_FD(BPF_REG_1, MAP),                 \
	  BPF_MOV64_REG(BPF_REG_2, BPF_REG_10), BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),             \
	  BPF_EMIT_CALL(FUNC), BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),                            \
	  BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 8), BPF_LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_10, -8),     \
	  BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN() }
/* return bpf_map_push_elem(map, &V, FLAGS) */
#define QPUSH_RET(V, FLAGS)                                                                        \
	{ BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, V), BPF_LD_MAP_FD(BPF_REG_1, MAP),                    \
	  BPF_MOV64_REG(BPF_REG_2, BPF_REG_10), BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),             \
	  BPF_MOV64_IMM(BPF_REG_3, FLAGS), BPF_EMIT_CALL(BPF_FUNC_map_push_elem),                  \
	  BPF_EXIT_INSN() }

#define LPM4 BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, BPF_F_NO_PREALLOC
#define QUEUE2 BPF_MAP_TYPE_QUEUE, 0, 8, 2, 0
#define STACK2 BPF_MAP_TYPE_STACK, 0, 8, 2, 0
#define SOCKMAP BPF_MAP_TYPE_SOCKMAP, 4, 8, 2, 0
#define CGARRAY BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 2, 0
#define DEVMAP BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0
#define DEVHASH BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, 0
#define CPUMAP BPF_MAP_TYPE_CPUMAP, 4, 4, 2, 0
#define XSKMAP BPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0
#define PCPU_ARRAY BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0
#define PCPU_HASH BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, 0
#define LRU2 BPF_MAP_TYPE_LRU_HASH, 4, 8, 2, 0
#define CG_STORAGE BPF_MAP_TYPE_CGROUP_STORAGE, 8, 16, 0, 0
#define PCPU_CG_STORAGE BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, 8, 8, 0, 0
#define LRU_PCPU2 BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 2, 0

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct map_case cases[] = {
	/* ---- bpf_redirect_map: flags, misses, hits ---- */
	{ "devmap miss, flags 0: XDP_ABORTED", 0, DEVMAP, 0, {}, {}, REDIRECT(1, 0) },
	{ "devmap miss, flags XDP_DROP", 0, DEVMAP, 0, {}, {}, REDIRECT(1, XDP_DROP) },
	{ "devmap miss, flags XDP_PASS", 0, DEVMAP, 0, {}, {}, REDIRECT(1, XDP_PASS) },
	{ "devmap miss, flags XDP_TX", 0, DEVMAP, 0, {}, {}, REDIRECT(1, XDP_TX) },
	{ "devmap, flags with XDP_REDIRECT's bit: aborted", 0, DEVMAP, 1, {1}, {1},
	  REDIRECT(1, XDP_REDIRECT) },
	{ "devmap miss, broadcast: redirect", 0, DEVMAP, 0, {}, {},
	  REDIRECT(1, BPF_F_BROADCAST) },
	{ "devmap miss, broadcast + exclude ingress + pass", 0, DEVMAP, 0, {}, {},
	  REDIRECT(1, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS | XDP_PASS) },
	{ "devmap miss, exclude ingress alone", 0, DEVMAP, 0, {}, {},
	  REDIRECT(1, BPF_F_EXCLUDE_INGRESS | XDP_DROP) },
	{ "devmap hit (lo)", 0, DEVMAP, 1, {1}, {1}, REDIRECT(1, XDP_DROP) },
	{ "devmap hit, index with high bits (a u32 key)", 0, DEVMAP, 1, {1}, {1},
	  REDIRECT((1ULL << 32) | 1, XDP_DROP) },
	{ "devmap, index past max_entries", 0, DEVMAP, 1, {1}, {1}, REDIRECT(9, XDP_PASS) },
	{ "devmap, bit 60 in flags", 0, DEVMAP, 1, {1}, {1}, REDIRECT(1, 1ULL << 60) },
	{ "devmap lookup returns the value", 0, DEVMAP, 1, {2}, {1}, {
		LOOKUP(2),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_0, 0),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 99),
		BPF_EXIT_INSN() } },
	{ "devmap hash hit", 0, DEVHASH, 1, {7}, {1}, REDIRECT(7, XDP_DROP) },
	{ "devmap hash miss", 0, DEVHASH, 1, {7}, {1}, REDIRECT(3, XDP_DROP) },
	{ "devmap hash miss, broadcast", 0, DEVHASH, 1, {7}, {1},
	  REDIRECT(3, BPF_F_BROADCAST) },
	{ "cpumap miss", 0, CPUMAP, 0, {}, {}, REDIRECT(0, XDP_PASS) },
	{ "cpumap, broadcast is not its flag", 0, CPUMAP, 0, {}, {},
	  REDIRECT(0, BPF_F_BROADCAST | XDP_PASS) },
	{ "cpumap hit (qsize 192)", 0, CPUMAP, 1, {0}, {192}, REDIRECT(0, XDP_PASS) },
	{ "xskmap miss", 0, XSKMAP, 0, {}, {}, REDIRECT(2, XDP_PASS) },
	{ "xskmap, exclude ingress is not its flag", 0, XSKMAP, 0, {}, {},
	  REDIRECT(2, BPF_F_EXCLUDE_INGRESS | XDP_PASS) },

	/* ---- per-CPU maps: one CPU's values ---- */
	{ "percpu array: add to CPU 0's value", 0, PCPU_ARRAY, 1, {1}, {10}, {
		LOOKUP(1),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 4),
		BPF_MOV64_IMM(BPF_REG_1, 5),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 99),
		BPF_EXIT_INSN() } },
	{ "percpu array: update from the program", 0, PCPU_ARRAY, 1, {2}, {3}, {
		UPDATE(2, 77, BPF_ANY),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		UPDATE(3, 78, BPF_NOEXIST),
		BPF_ALU64_IMM(BPF_LSH, BPF_REG_6, 8),
		BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() } },
	{ "percpu hash: insert zeroes the other CPUs", 0, PCPU_HASH, 1, {1}, {7}, {
		UPDATE(3, 42, BPF_NOEXIST),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		LOOKUP(1),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 3),
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN() } },
	{ "percpu hash: delete", 0, PCPU_HASH, 2, {1, 2}, {7, 8}, {
		BPF_LD_MAP_FD(BPF_REG_1, MAP), KEY_ON_STACK(2),
		BPF_EMIT_CALL(BPF_FUNC_map_delete_elem),
		BPF_EXIT_INSN() } },

	/* ---- LRU hashes: exact until the kernel would evict ---- */
	{ "lru hash: insert into a map with room", 0, LRU2, 1, {1}, {5}, {
		UPDATE(4, 44, BPF_ANY),
		BPF_EXIT_INSN() } },
	{ "lru hash: NOEXIST on a present key", 0, LRU2, 1, {1}, {5}, {
		UPDATE(1, 44, BPF_NOEXIST),
		BPF_EXIT_INSN() } },
	{ "lru hash: lookup and write", 0, LRU2, 2, {1, 2}, {5, 6}, {
		LOOKUP(2),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
		BPF_ST_MEM(BPF_DW, BPF_REG_0, 0, 66),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_EXIT_INSN() } },
	{ "lru hash: insert into a full map evicts", 0, LRU2, 2, {1, 2}, {5, 6}, {
		UPDATE(4, 44, BPF_ANY),
		BPF_EXIT_INSN() }, .unsupported = true },
	{ "lru hash: update of a present key in a full map takes a node", 0, LRU2, 2, {1, 2},
	  {5, 6}, {
		UPDATE(1, 44, BPF_EXIST),
		BPF_EXIT_INSN() }, .unsupported = true },
	/* ---- cgroup storage: the test run's own, zero at every run ---- */
	{ "cgroup storage: add to the run's storage", BPF_PROG_TYPE_CGROUP_SKB, CG_STORAGE, 0,
	  {}, {}, {
		BPF_LD_MAP_FD(BPF_REG_1, MAP),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_EMIT_CALL(BPF_FUNC_get_local_storage),
		BPF_MOV64_IMM(BPF_REG_1, 3),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 8),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 8),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 3, 2), /* cgroup_skb returns 0 or 1 */
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_EXIT_INSN() } },
	{ "percpu cgroup storage: write and read", BPF_PROG_TYPE_CGROUP_SKB, PCPU_CG_STORAGE, 0,
	  {}, {}, {
		BPF_LD_MAP_FD(BPF_REG_1, MAP),
		BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_EMIT_CALL(BPF_FUNC_get_local_storage),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_0, 0),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 1),
		BPF_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 0),
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 1, 2),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_EXIT_INSN() } },
	{ "lru percpu hash: insert with room", 0, LRU_PCPU2, 0, {}, {}, {
		UPDATE(4, 44, BPF_ANY),
		BPF_EXIT_INSN() } },

	/* ---- LPM trie: longest prefix match ---- */
	{ "lpm: 10.1.2.3/32 matches the /24", 0, LPM4, LPM_FILL3,
	  LPM_LOOKUP_RET(32, 0x0302010a) },
	{ "lpm: 10.1.9.9/32 matches the /16", 0, LPM4, LPM_FILL3,
	  LPM_LOOKUP_RET(32, 0x0909010a) },
	{ "lpm: 10.9.9.9/32 matches the /8", 0, LPM4, LPM_FILL3,
	  LPM_LOOKUP_RET(32, 0x0909090a) },
	{ "lpm: 11.0.0.0/32 misses", 0, LPM4, LPM_FILL3, LPM_LOOKUP_RET(32, 0x0b) },
	{ "lpm: the key's prefixlen 20 bounds the match (/16)", 0, LPM4, LPM_FILL3,
	  LPM_LOOKUP_RET(20, 0x0302010a) },
	{ "lpm: key prefixlen 0 matches only a /0", 0, LPM4, LPM_FILL3,
	  LPM_LOOKUP_RET(0, 0x0302010a) },
	{ "lpm: a /0 matches everything", 0, LPM4, 2, { LPM_FILL(0, 0x05), LPM_FILL(8, 0x0a) },
	  { 7, 8 }, LPM_LOOKUP_RET(32, 0x0b) },
	{ "lpm: key prefixlen 33 is past the trie's: NULL", 0, LPM4, LPM_FILL3,
	  LPM_LOOKUP_RET(33, 0x0302010a) },
	{ "lpm: a filled key's bits past its prefix do not matter", 0, LPM4, 1,
	  { LPM_FILL(12, 0xffff010a) }, { 5 }, LPM_LOOKUP_RET(32, 0x0000000a) },
	{ "lpm: insert a /32", 0, LPM4, LPM_FILL3, LPM_UPDATE_RET(32, 0x0302010a, 44, BPF_ANY) },
	{ "lpm: replace the /16 (bits past the prefix differ)", 0, LPM4, LPM_FILL3,
	  LPM_UPDATE_RET(16, 0x0808010a, 45, BPF_ANY) },
	{ "lpm: NOEXIST on a present prefix: -EEXIST", 0, LPM4, LPM_FILL3,
	  LPM_UPDATE_RET(16, 0x010a, 46, BPF_NOEXIST) },
	{ "lpm: EXIST on a missing prefix: -ENOENT", 0, LPM4, LPM_FILL3,
	  LPM_UPDATE_RET(12, 0x010a, 46, BPF_EXIST) },
	{ "lpm: flags 3: -EINVAL", 0, LPM4, LPM_FILL3, LPM_UPDATE_RET(12, 0x010a, 46, 3) },
	{ "lpm: prefixlen 33: -EINVAL", 0, LPM4, LPM_FILL3,
	  LPM_UPDATE_RET(33, 0x010a, 46, BPF_ANY) },
	{ "lpm: a new prefix in a full trie: -ENOSPC", 0, LPM4, 4,
	  { LPM_FILL(8, 0x0a), LPM_FILL(16, 0x010a), LPM_FILL(24, 0x02010a),
	    LPM_FILL(32, 0x0302010a) }, { 1, 2, 3, 4 },
	  LPM_UPDATE_RET(12, 0x010a, 46, BPF_ANY) },
	{ "lpm: replacing in a full trie", 0, LPM4, 4,
	  { LPM_FILL(8, 0x0a), LPM_FILL(16, 0x010a), LPM_FILL(24, 0x02010a),
	    LPM_FILL(32, 0x0302010a) }, { 1, 2, 3, 4 },
	  LPM_UPDATE_RET(24, 0x02010a, 46, BPF_ANY) },
	{ "lpm: delete the /16", 0, LPM4, LPM_FILL3, LPM_DELETE_RET(16, 0x010a) },
	{ "lpm: delete with bits past the prefix", 0, LPM4, LPM_FILL3,
	  LPM_DELETE_RET(16, 0xffff010a) },
	{ "lpm: delete a missing /12: -ENOENT", 0, LPM4, LPM_FILL3, LPM_DELETE_RET(12, 0x010a) },
	{ "lpm: delete prefixlen 40: -EINVAL", 0, LPM4, LPM_FILL3, LPM_DELETE_RET(40, 0x010a) },

	/* ---- queue and stack ---- */
	{ "queue: pop takes the oldest", 0, QUEUE2, 2, { 0, 0 }, { 5, 6 },
	  QPOP_RET(BPF_FUNC_map_pop_elem) },
	{ "stack: pop takes the newest", 0, STACK2, 2, { 0, 0 }, { 5, 6 },
	  QPOP_RET(BPF_FUNC_map_pop_elem) },
	{ "queue: peek leaves it", 0, QUEUE2, 2, { 0, 0 }, { 5, 6 },
	  QPOP_RET(BPF_FUNC_map_peek_elem) },
	{ "stack: peek leaves it", 0, STACK2, 1, { 0 }, { 5 },
	  QPOP_RET(BPF_FUNC_map_peek_elem) },
	{ "queue: pop of an empty queue: -ENOENT, buffer zeroed", 0, QUEUE2, 0, {}, {},
	  QPOP_RET(BPF_FUNC_map_pop_elem) },
	{ "stack: peek of an empty stack: -ENOENT, buffer zeroed", 0, STACK2, 0, {}, {},
	  QPOP_RET(BPF_FUNC_map_peek_elem) },
	{ "queue: push with room", 0, QUEUE2, 1, { 0 }, { 5 }, QPUSH_RET(9, 0) },
	{ "queue: push into a full queue: -E2BIG", 0, QUEUE2, 2, { 0, 0 }, { 5, 6 },
	  QPUSH_RET(9, 0) },
	{ "queue: push with BPF_EXIST into a full queue drops the oldest", 0, QUEUE2, 2,
	  { 0, 0 }, { 5, 6 }, QPUSH_RET(9, BPF_EXIST) },
	{ "stack: push with BPF_EXIST into a full stack drops the oldest", 0, STACK2, 2,
	  { 0, 0 }, { 5, 6 }, QPUSH_RET(9, BPF_EXIST) },
	{ "stack: push with BPF_NOEXIST: -EINVAL", 0, STACK2, 0, {}, {},
	  QPUSH_RET(9, BPF_NOEXIST) },
	{ "queue: push with flags 4: -EINVAL", 0, QUEUE2, 0, {}, {}, QPUSH_RET(9, 4) },

	/* ---- socket and cgroup maps: empty in a test run ---- */
	{ "sockmap: lookup in the empty map is NULL", BPF_PROG_TYPE_SCHED_CLS, SOCKMAP, 0, {}, {},
	  { BPF_LD_MAP_FD(BPF_REG_1, MAP), KEY_ON_STACK(1),
	    BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
	    BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 4),
	    BPF_MOV64_REG(BPF_REG_1, BPF_REG_0),
	    BPF_EMIT_CALL(BPF_FUNC_sk_release),
	    BPF_MOV64_IMM(BPF_REG_0, 2),
	    BPF_EXIT_INSN(),
	    BPF_MOV64_IMM(BPF_REG_0, 1),
	    BPF_EXIT_INSN() } },
	{ "cgroup array: skb_under_cgroup, empty slot: -EAGAIN", BPF_PROG_TYPE_SCHED_CLS,
	  CGARRAY, 0, {}, {}, {
		BPF_LD_MAP_FD(BPF_REG_2, MAP),
		BPF_MOV64_IMM(BPF_REG_3, 1),
		BPF_EMIT_CALL(BPF_FUNC_skb_under_cgroup),
		BPF_EXIT_INSN() } },
	{ "cgroup array: skb_under_cgroup, index past the end: -E2BIG", BPF_PROG_TYPE_SCHED_CLS,
	  CGARRAY, 0, {}, {}, {
		BPF_LD_MAP_FD(BPF_REG_2, MAP),
		BPF_MOV64_IMM(BPF_REG_3, 2),
		BPF_EMIT_CALL(BPF_FUNC_skb_under_cgroup),
		BPF_EXIT_INSN() } },
};
#pragma GCC diagnostic pop

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static size_t case_len(const struct map_case *mc)
{
	size_t n = sizeof(mc->insns) / sizeof(mc->insns[0]);

	while (n > 0 && mc->insns[n - 1].code == 0 && mc->insns[n - 1].imm == 0 &&
	       (n < 2 || mc->insns[n - 2].code != (BPF_LD | BPF_IMM | BPF_DW)))
		n--;
	return n;
}

static bool percpu(uint32_t t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int ncpus;

/*
 * A queue or stack after the run: the kernel's values popped (and so gone:
 * the map is not used again), oldest first, against interp_map_next()'s.
 */
static void compare_queue(const struct map_case *mc, int fd, const struct interp_ctx *c)
{
	uint64_t kv[MAX_FILL + 2], x;
	uint32_t nk = 0, ni = 0, iter = 0, j;
	const void *k, *v;

	while (nk < MAX_FILL + 2 && !bpf_map_lookup_and_delete_elem(fd, NULL, &x))
		kv[nk++] = x;
	for (j = 0; mc->map_type == BPF_MAP_TYPE_STACK && j < nk / 2; j++) {
		x = kv[j];
		kv[j] = kv[nk - 1 - j];
		kv[nk - 1 - j] = x;
	}
	while (!interp_map_next(c, 0, &iter, &k, &v)) {
		x = 0;
		memcpy(&x, v, mc->value_size);
		CHECK(ni < nk && kv[ni] == x, "%s: element %u: interp %llu, kernel %llu", mc->descr,
		      ni, (unsigned long long)x, ni < nk ? (unsigned long long)kv[ni] : 0ULL);
		ni++;
	}
	CHECK(ni == nk, "%s: interp has %u elements, kernel %u", mc->descr, ni, nk);
}

/* The map after the run: kernel elements against the interpreter's. */
static void compare_map(const struct map_case *mc, int fd, const struct interp_ctx *c)
{
	size_t stride = percpu(mc->map_type) ? (mc->value_size + 7) & ~7u : mc->value_size;
	size_t vsz = percpu(mc->map_type) ? stride * ncpus : stride;
	uint8_t key[8], next[8], *kv = calloc(1, vsz), iv[64];
	uint32_t nk = 0, ni = 0, iter = 0, j;
	const void *k, *v;
	bool first = true;

	if (!ASSERT_OK_PTR(kv, "value buffer"))
		return;
	if (mc->map_type == BPF_MAP_TYPE_QUEUE || mc->map_type == BPF_MAP_TYPE_STACK) {
		compare_queue(mc, fd, c);
		free(kv);
		return;
	}
	if (mc->map_type == BPF_MAP_TYPE_SOCKMAP || mc->map_type == BPF_MAP_TYPE_CGROUP_ARRAY) {
		/* nothing in them, nothing the interpreter lists */
		CHECK(interp_map_next(c, 0, &iter, &k, &v) == -ENOENT, "%s: interp lists elements",
		      mc->descr);
		free(kv);
		return;
	}
	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		uint64_t kk = 0;

		first = false;
		memcpy(key, next, mc->key_size);
		if (bpf_map_lookup_elem(fd, key, kv))
			continue;
		memcpy(&kk, key, mc->key_size);
		if (mc->map_type == BPF_MAP_TYPE_PERCPU_ARRAY) {
			/* arrays list every index; count the ones not zero */
			bool zero = true;

			for (j = 0; j < vsz; j++)
				zero = zero && !kv[j];
			if (zero)
				continue;
		}
		nk++;
		CHECK(interp_map_lookup(c, 0, key, iv) == 0 && !memcmp(iv, kv, mc->value_size),
		      "%s: element %llx differs (kernel %llx)", mc->descr, (unsigned long long)kk,
		      (unsigned long long)*(uint64_t *)kv);
		for (j = 1; percpu(mc->map_type) && j < (uint32_t)ncpus; j++) {
			uint64_t want = 0, got = 0;
			uint32_t f;

			for (f = 0; f < mc->nfill; f++)
				if (mc->fill_key[f] == kk)
					want = mc->fill_val[f];
			memcpy(&got, kv + j * stride, 8);
			CHECK(got == want, "%s: element %llu on CPU %u is %llu, want %llu",
			      mc->descr, (unsigned long long)kk, j, (unsigned long long)got,
			      (unsigned long long)want);
		}
	}
	while (!interp_map_next(c, 0, &iter, &k, &v)) {
		if (mc->map_type == BPF_MAP_TYPE_PERCPU_ARRAY) {
			uint64_t x = 0;

			memcpy(&x, v, 8);
			if (!x)
				continue;
		}
		ni++;
	}
	CHECK(ni == nk, "%s: interp has %u elements, kernel %u", mc->descr, ni, nk);
	free(kv);
}

static void run_case(const struct map_case *mc)
{
	uint32_t type = mc->prog_type ? mc->prog_type : BPF_PROG_TYPE_XDP;
	struct interp_map_def def = {
		.type = mc->map_type, .key_size = mc->key_size, .value_size = mc->value_size,
		.max_entries = mc->max_entries, .flags = mc->map_flags, .ref = MAP,
	};
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = mc->map_flags);
	struct interp_map_elem elems[MAX_FILL];
	struct bpf_insn insns[40];
	size_t len = case_len(mc), i;
	struct interp_input in = { .pkt = case_pkt, .pkt_len = sizeof(case_pkt), .cpu = 0 };
	struct interp_result res;
	struct interp_ctx *c = NULL;
	struct interp_prog *p = NULL;
	uint8_t *kval = NULL, out[256];
	int mfd = -1, pfd = -1;
	char msg[256];

	c = interp_ctx__new(&def, 1, msg, sizeof(msg));
	p = interp_prog__new(mc->insns, len, type, msg, sizeof(msg));
	if (!CHECK(c && p, "%s: interp setup: %s", mc->descr, msg))
		goto out;
	for (i = 0; i < mc->nfill; i++)
		elems[i] = (struct interp_map_elem){ .map = 0, .key = &mc->fill_key[i],
						     .value = &mc->fill_val[i] };
	in.elems = elems;
	in.nelems = mc->nfill;
	if (!CHECK(interp_run(c, p, &in, &res) == 0, "%s: interp_run: %s", mc->descr, res.msg))
		goto out;
	if (mc->unsupported) {
		CHECK(res.status == INTERP_UNSUPPORTED, "%s: interp status %d (%s), want unsupported",
		      mc->descr, res.status, res.msg);
		goto out;
	}

	mfd = bpf_map_create(mc->map_type, NULL, mc->key_size, mc->value_size, mc->max_entries,
			     &mopts);
	if (!CHECK(mfd >= 0, "%s: map create: %s", mc->descr, strerror(errno)))
		goto out;
	kval = calloc(ncpus, 8 + ((mc->value_size + 7) & ~7u));
	if (!ASSERT_OK_PTR(kval, "value"))
		goto out;
	for (i = 0; i < mc->nfill; i++) {
		size_t stride = (mc->value_size + 7) & ~7u;
		int cpu;

		for (cpu = 0; cpu < (percpu(mc->map_type) ? ncpus : 1); cpu++)
			memcpy(kval + cpu * stride, &mc->fill_val[i], mc->value_size);
		if (!CHECK(bpf_map_update_elem(mfd, mc->key_size ? &mc->fill_key[i] : NULL, kval,
					       BPF_ANY) == 0,
			   "%s: fill: %s", mc->descr, strerror(errno)))
			goto out;
	}
	memcpy(insns, mc->insns, len * sizeof(insns[0]));
	for (i = 0; i < len; i++)
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    insns[i].src_reg == BPF_PSEUDO_MAP_FD && insns[i].imm == MAP)
			insns[i].imm = mfd;
	{
		static char log[1 << 16];

		pfd = kh_load_insns(type, insns, len, NULL, log, sizeof(log));
		if (!CHECK(pfd >= 0, "%s: kernel rejects it: %s\n%s", mc->descr, strerror(-pfd),
			   log))
			goto out;
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = case_pkt,
			    .data_size_in = sizeof(case_pkt), .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		int n, runs = mc->map_type == BPF_MAP_TYPE_CGROUP_STORAGE ||
			      mc->map_type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE ? 2 : 1;

		for (n = 0; n < runs; n++) {
			if (!CHECK(bpf_prog_test_run_opts(pfd, &topts) == 0, "%s: test run: %s",
				   mc->descr, strerror(errno)))
				goto out;
			CHECK(res.status == INTERP_OK && res.retval == topts.retval,
			      "%s: kernel retval %u, interp %u (%s), run %d", mc->descr,
			      topts.retval, res.retval, res.msg, n);
		}
	}
	if (mc->map_type != BPF_MAP_TYPE_XSKMAP) /* its syscall lookup says EOPNOTSUPP */
		compare_map(mc, mfd, c);
out:
	free(kval);
	if (pfd >= 0)
		close(pfd);
	if (mfd >= 0)
		close(mfd);
	interp_prog__free(p);
	interp_ctx__free(c);
}

static void test_map_cases(void)
{
	char why[128];
	size_t i;

	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	for (i = 0; i < NCASES; i++)
		run_case(&cases[i]);
	printf("map type cases confirmed by the kernel: %zu\n", NCASES);
}

int main(int argc, char **argv)
{
	cpu_set_t cpu0;

	test_init(argc, argv);
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		fprintf(stderr, "cannot pin to CPU 0: %s\n", strerror(errno));
	ncpus = libbpf_num_possible_cpus();
	RUN_TEST(test_map_cases);
	return test_summary("test_interp_maps");
}
