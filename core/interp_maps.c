// SPDX-License-Identifier: MIT
/*
 * core/interp: the maps a program sees -- array and hash -- with the
 * semantics of the kernel's map helpers (kernel/bpf/arraymap.c, hashtab.c),
 * and the fd arrays: a prog array's slots hold programs for bpf_tail_call()
 * (set by the caller, interp_ctx__set_prog()); a perf event array has no
 * events open, as in a test run.
 *
 * A map's values are one memory region with a power-of-two stride per
 * element, so a map value pointer is region base + (index << shift) and an
 * access is checked against its element's value_size.
 *
 * Runs must not see each other.  Arrays remember which elements a run may
 * have written (handed out by lookup, written by update, or written at all:
 * every write to an array goes through interp_mem_wptr(), because a candidate
 * program the verifier would reject may reach an element by pointer
 * arithmetic or a forged address) and re-zero only those before the next run.
 * Hash maps chain elements in buckets; only the elements handed out since the
 * reset are addressable, and an element's value is written whole when it is
 * inserted.  An update of an existing key writes in place (the kernel swaps
 * in a new element, which only a stale pointer could tell apart).
 *
 * The other types map onto these two.  A run executes on one CPU, so a
 * per-CPU map is its plain form holding that CPU's values (what the input
 * gives and the result shows).  LRU hashes are hashes until the kernel would
 * evict, which the helper reports as unsupported (interp_helpers.c).  The
 * redirect maps (devmap, devmap hash, cpumap, xskmap) are read-only hashes
 * whose elements are the filled slots; the program only looks them up and
 * redirects through them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/interp_internal.h"

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


int interp_map_grow(struct interp_map *m, uint32_t want)
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
	if (m->kind == MK_HASH) {
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

int interp_map_init(struct interp_map *m, const struct interp_map_def *d, char *msg, size_t msgsz)
{
	m->def = *d;
	m->udef = *d;
	switch (d->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		m->kind = MK_ARRAY;
		break;
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		/* one value, the storage the test run allocates for the program */
		m->kind = MK_ARRAY;
		m->cgstorage = true;
		m->def.max_entries = 1;
		break;
	case BPF_MAP_TYPE_PROG_ARRAY:
		m->kind = MK_PROG_ARRAY;
		break;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		m->kind = MK_PERF;
		break;
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		m->lru = true;
		/* fallthrough */
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
		m->kind = MK_HASH;
		break;
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
		m->indexed = true;
		/* fallthrough */
	case BPF_MAP_TYPE_DEVMAP_HASH:
		m->kind = MK_HASH;
		m->redirect = true;
		m->lookup_only = true;
		m->def.flags |= BPF_F_RDONLY_PROG; /* dev_map_alloc() sets it too */
		break;
	default: {
		int err = interp_map2_init(m, msg, msgsz);

		if (err)
			return err < 0 ? err : 0;
		break;
	}
	}
	d = &m->def;
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
	switch (m->kind) {
	case MK_ARRAY:
		if (d->key_size != 4 && !m->cgstorage) {
			SET_MSG(msg, msgsz, "array map with key_size %u", d->key_size);
			return -EINVAL;
		}
		if (interp_map_grow(m, d->max_entries))
			return -ENOMEM;
		m->dirty_bit = calloc(d->max_entries, 1);
		m->dirty_cap = 16;
		m->dirty = malloc(m->dirty_cap * sizeof(*m->dirty));
		if (!m->dirty_bit || !m->dirty)
			return -ENOMEM;
		return 0;
	case MK_PROG_ARRAY:
	case MK_PERF:
		/* no memory a program sees; prog array slots are set by the caller */
		if (d->key_size != 4 || d->value_size != 4) {
			SET_MSG(msg, msgsz, "fd array map with key_size %u, value_size %u",
				d->key_size, d->value_size);
			return -EINVAL;
		}
		if (m->kind == MK_PROG_ARRAY &&
		    !(m->progs = calloc(d->max_entries, sizeof(*m->progs))))
			return -ENOMEM;
		return 0;
	case MK_QUEUE:
		return interp_map_grow(m, d->max_entries) ? -ENOMEM : 0;
	default:
		if (d->key_size == 0 || d->key_size > 512 || (m->indexed && d->key_size != 4)) {
			SET_MSG(msg, msgsz, "hash map with key_size %u", d->key_size);
			return -EINVAL;
		}
		m->nbuckets = 1u << pow2_shift(d->max_entries < 4096 ? d->max_entries : 4096);
		m->buckets = malloc(m->nbuckets * sizeof(*m->buckets));
		if (!m->buckets || interp_map_grow(m, 16))
			return -ENOMEM;
		memset(m->buckets, 0xff, m->nbuckets * sizeof(*m->buckets));
		if (m->lpm && !(m->plen_count = calloc(8 * (d->key_size - 4) + 1,
						       sizeof(*m->plen_count))))
			return -ENOMEM;
		return 0;
	}
}

void interp_map_free(struct interp_map *m)
{
	free(m->vals);
	free(m->keys);
	free(m->next);
	free(m->used);
	free(m->buckets);
	free(m->freelist);
	free(m->dirty);
	free(m->dirty_bit);
	free(m->progs);
	free(m->plen_count);
}

int interp_array_mark_dirty(struct interp_map *m, uint32_t i)
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

void interp_map_reset(struct interp_map *m)
{
	uint32_t i;

	if (m->kind == MK_QUEUE)
		m->count = m->qhead = 0;
	m->sk_present = false;
	if (m->kind != MK_ARRAY && m->kind != MK_HASH)
		return;
	if (m->kind == MK_ARRAY) {
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
		if (m->lpm)
			memset(m->plen_count, 0,
			       (8 * (m->def.key_size - 4) + 1) * sizeof(*m->plen_count));
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
uint32_t interp_hash_find(const struct interp_map *m, const void *key)
{
	uint32_t ks = m->def.key_size;
	uint32_t e = m->buckets[key_hash(key, ks) & (m->nbuckets - 1)];

	for (; e != UINT32_MAX; e = m->next[e])
		if (!memcmp(m->keys + (size_t)e * ks, key, ks))
			return e;
	return UINT32_MAX;
}

void interp_hash_unlink(struct interp_map *m, uint32_t e)
{
	uint32_t *pp = &m->buckets[key_hash(m->keys + (size_t)e * m->def.key_size,
					    m->def.key_size) & (m->nbuckets - 1)];

	while (*pp != e)
		pp = &m->next[*pp];
	*pp = m->next[e];
	m->used[e] = 0;
	if (m->lpm) {
		uint32_t plen;

		memcpy(&plen, m->keys + (size_t)e * m->def.key_size, 4);
		m->plen_count[plen]--;
	}
	m->freelist[m->nfree++] = e;
	m->count--;
}

/* bpf_map_update_elem() on map @mi; returns what the helper returns. */
int64_t interp_map_update(struct interp_ctx *c, uint32_t mi, const void *key, const void *val,
			  uint64_t flags)
{
	struct interp_map *m = &c->maps[mi];
	uint8_t lkey[4 + 256];
	uint32_t e;

	if (m->kind == MK_QUEUE)
		return interp_queue_push(m, val, flags);
	if ((m->kind != MK_ARRAY && m->kind != MK_HASH) || m->cgstorage)
		return -EINVAL; /* fd arrays: interp_ctx__set_prog() */
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST || (flags & BPF_F_LOCK))
		return -EINVAL; /* no bpf_spin_lock in our values */
	if (m->lpm) {
		if (interp_lpm_norm(m, key, lkey))
			return -EINVAL;
		key = lkey;
	}
	if (m->of_maps) {
		uint32_t inner;

		memcpy(&inner, val, 4);
		if (inner >= c->nmaps)
			return -EINVAL; /* not a map of this machine */
	}
	if (m->kind == MK_ARRAY) {
		uint32_t idx;

		memcpy(&idx, key, 4);
		if (idx >= m->def.max_entries)
			return -E2BIG;
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		if (interp_array_mark_dirty(m, idx))
			return -ENOMEM;
		memcpy(m->vals + ((size_t)idx << m->shift), val, m->def.value_size);
		return 0;
	}
	if (m->indexed && *(const uint32_t *)key >= m->def.max_entries)
		return -E2BIG;
	e = interp_hash_find(m, key);
	if (e != UINT32_MAX && flags == BPF_NOEXIST)
		return -EEXIST;
	if (e == UINT32_MAX && flags == BPF_EXIST)
		return -ENOENT;
	if (e == UINT32_MAX) {
		uint32_t b;

		if (m->count >= m->def.max_entries)
			return m->lpm ? -ENOSPC : -E2BIG;
		if (m->nfree) {
			e = m->freelist[--m->nfree];
		} else {
			if (m->nfresh == m->nalloc && interp_map_grow(m, m->nalloc + 1))
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
		if (m->lpm) {
			uint32_t plen;

			memcpy(&plen, key, 4);
			m->plen_count[plen]++;
		}
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
	if (m->kind == MK_PROG_ARRAY) { /* the value: the slot's index */
		memcpy(&e, key, 4);
		if (e >= m->def.max_entries || !m->progs[e])
			return -ENOENT;
		memcpy(value, &e, 4);
		return 0;
	}
	if (m->kind == MK_PERF || m->kind == MK_QUEUE || m->kind == MK_NONE || m->cgstorage)
		return -ENOENT; /* the run's cgroup storage belongs to no cgroup */
	if (m->kind == MK_ARRAY) {
		memcpy(&e, key, 4);
		if (e >= m->def.max_entries)
			return -ENOENT;
	} else if (m->lpm) {
		uint8_t lkey[4 + 256];

		if (interp_lpm_norm(m, key, lkey) ||
		    (e = interp_hash_find(m, lkey)) == UINT32_MAX)
			return -ENOENT;
	} else if ((e = interp_hash_find(m, key)) == UINT32_MAX) {
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
	if (m->kind == MK_PROG_ARRAY) { /* the slots holding a program */
		while (*iter < m->def.max_entries && !m->progs[*iter])
			(*iter)++;
		if (*iter >= m->def.max_entries)
			return -ENOENT;
		m->iter_key = (*iter)++;
		*key = *value = &m->iter_key;
		return 0;
	}
	if (m->kind == MK_QUEUE) { /* oldest first; no keys */
		if (*iter >= m->count)
			return -ENOENT;
		*value = m->vals + ((size_t)interp_queue_slot(m, (*iter)++) << m->shift);
		*key = *value;
		return 0;
	}
	if (m->kind == MK_PERF || m->kind == MK_NONE || m->cgstorage)
		return -ENOENT;
	if (m->kind == MK_ARRAY) {
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


int interp_ctx__set_prog(struct interp_ctx *c, uint32_t map, uint32_t index,
			 const struct interp_prog *p)
{
	struct interp_map *m;

	if (map >= c->nmaps)
		return -EINVAL;
	m = &c->maps[map];
	if (m->kind != MK_PROG_ARRAY || index >= m->def.max_entries)
		return -EINVAL;
	m->progs[index] = p;
	return 0;
}
