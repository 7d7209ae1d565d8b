// SPDX-License-Identifier: MIT
/*
 * core/interp: the kernel's map objects, as a program reads them through a
 * map pointer.
 *
 * The verifier lets a program read the struct behind a map pointer
 * (CONST_PTR_TO_MAP: check_ptr_to_map_access(), the type's map_btf_id):
 * struct bpf_map and, past it, the map type's own struct (struct bpf_array,
 * struct bpf_htab, ...), at the offsets of the running kernel, which
 * libbpf's CO-RE relocations put into the instructions.  The interpreter
 * has no such objects: a read is answered field by field from the map's
 * definition, by the formulas the kernel's map_alloc uses (kernel/bpf/
 * syscall.c bpf_map_init_from_attr(), arraymap.c array_map_alloc(),
 * hashtab.c htab_map_alloc()), at the offsets the caller read from the
 * kernel's BTF (interp_kobj_layout).  A read of a field not listed here,
 * or across two fields, or with no layout given, is not modelled (the
 * verifier accepts it, so it is no fault): the kernel's bytes there are
 * pointers, locks and counters the interpreter cannot know.
 *
 * What the values are:
 *   bpf_map.map_type, key_size, value_size, max_entries: the definition as
 *     given (the kernel keeps the attr's; cgroup and socket storage keep
 *     max_entries 0); an LRU hash with BPF_F_NO_COMMON_LRU rounds
 *     max_entries to a multiple of the CPUs: not modelled;
 *   bpf_map.id: the caller's (interp_ctx__set_kobj(); 0 not known);
 *   bpf_array.elem_size: round_up(value_size, 8), every array kind;
 *   bpf_array.index_mask: 2^fls(max_entries - 1) - 1;
 *   bpf_htab.n_buckets: roundup_pow_of_two(max_entries);
 *   bpf_htab.elem_size: sizeof(struct htab_elem) + round_up(key_size, 8) +
 *     (per-CPU: a pointer, else round_up(value_size, 8));
 *   bpf_htab.count: the elements in the map, for a map without
 *     preallocation whose max_entries / 2 is at most 32: such a map counts
 *     in the atomic_t whatever the CPUs (use_percpu_counter needs
 *     max_entries / 2 > num_online_cpus() * 32), increments it as an
 *     element is added and decrements it as one is freed; preallocated and
 *     LRU maps leave it, the per-CPU counter is pcount: not modelled.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/interp_internal.h"

#define KOBJ_MAX_FIELDS 12

struct kfield {
	int32_t off;
	uint32_t size;
	uint64_t val;
};

static uint32_t round_up8(uint32_t v)
{
	return (v + 7) & ~7u;
}

/* roundup_pow_of_two() on a u32 (max_entries is at least 1 for hashes) */
static uint64_t pow2_up(uint32_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static bool array_struct(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY: case BPF_MAP_TYPE_PERCPU_ARRAY: case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY: case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		return true;
	}
	return false;
}

static bool htab_struct(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_HASH: case BPF_MAP_TYPE_PERCPU_HASH: case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH: case BPF_MAP_TYPE_HASH_OF_MAPS:
		return true;
	}
	return false;
}

static void add(struct kfield *f, uint32_t *n, int32_t off, uint32_t size, uint64_t val)
{
	if (off < 0 || *n == KOBJ_MAX_FIELDS)
		return;
	f[*n] = (struct kfield){ .off = off, .size = size, .val = val };
	(*n)++;
}

/* The fields of map @m's object the kernel's values are known for. */
static uint32_t fields(const struct interp_ctx *c, const struct interp_map *m, struct kfield *f)
{
	const struct interp_kobj_layout *l = &c->kobj;
	const struct interp_map_def *d = &m->udef;
	bool lru = d->type == BPF_MAP_TYPE_LRU_HASH || d->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	bool percpu = d->type == BPF_MAP_TYPE_PERCPU_HASH ||
		      d->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	uint32_t n = 0;

	add(f, &n, l->map_type, 4, d->type);
	add(f, &n, l->key_size, 4, d->key_size);
	add(f, &n, l->value_size, 4, d->value_size);
	if (!(lru && (d->flags & BPF_F_NO_COMMON_LRU)))
		add(f, &n, l->max_entries, 4, d->max_entries);
	if (m->kid)
		add(f, &n, l->id, 4, m->kid);
	if (array_struct(d->type) && d->max_entries) {
		uint32_t bits = 0;

		while (bits < 32 && (1ULL << bits) < d->max_entries)
			bits++; /* fls(max_entries - 1) */
		add(f, &n, l->array_elem_size, 4, round_up8(d->value_size));
		add(f, &n, l->array_index_mask, 4, (uint32_t)((1ULL << bits) - 1));
	}
	if (htab_struct(d->type) && d->max_entries && l->htab_elem_hdr &&
	    !(lru && (d->flags & BPF_F_NO_COMMON_LRU))) {
		add(f, &n, l->htab_n_buckets, 4, (uint32_t)pow2_up(d->max_entries));
		add(f, &n, l->htab_elem_size, 4,
		    l->htab_elem_hdr + round_up8(d->key_size) +
			    (percpu ? 8 : round_up8(d->value_size)));
		if (!lru && (d->flags & BPF_F_NO_PREALLOC) && d->max_entries / 2 <= 32)
			add(f, &n, l->htab_count, 4, m->count);
	}
	return n;
}

int interp_kobj_read(struct interp_ctx *c, struct interp_result *res, uint32_t pc, uint32_t mi,
		     int64_t off, uint32_t size, uint64_t *val)
{
	struct kfield f[KOBJ_MAX_FIELDS];
	uint32_t n = c->kobj_set ? fields(c, &c->maps[mi], f) : 0, i;

	for (i = 0; i < n; i++) {
		int64_t in = off - f[i].off;

		if (in < 0 || in + size > f[i].size)
			continue;
		*val = f[i].val >> (8 * in);
		if (size < 8)
			*val &= (1ULL << (8 * size)) - 1;
		return 0;
	}
	/* the verifier lets programs read the struct (btf_struct_access()): not a fault */
	interp_fault(res, INTERP_UNSUPPORTED, pc, "read of %u bytes at map %u's kernel object"
		     "%+lld (type %u): %s", size, mi, (long long)off, c->maps[mi].udef.type,
		     c->kobj_set ? "a field not modelled" : "the kernel's layout not given");
	return -EOPNOTSUPP;
}

int interp_ctx__set_kobj(struct interp_ctx *c, const struct interp_kobj_layout *l,
			 const uint32_t *ids)
{
	uint32_t i;

	if (!c || !l)
		return -EINVAL;
	for (i = 0; i < c->nmaps; i++)
		c->maps[i].kid = ids ? ids[i] : 0;
	c->kobj = *l;
	c->kobj_set = true;
	return 0;
}
