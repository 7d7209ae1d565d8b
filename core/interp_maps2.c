// SPDX-License-Identifier: MIT
/*
 * core/interp: the map types beyond arrays and hashes, each stored as one of
 * interp_maps.c's kinds where it can be, with its helpers' semantics
 * (kernel/bpf/lpm_trie.c, queue_stack_maps.c, arraymap.c/hashtab.c's
 * *_of_maps, net/core/sock_map.c, filter.c).
 *
 * LPM trie.  A set of (prefix length, prefix) elements: a hash keyed by the
 * key with the data bits past prefixlen cleared, so that equal prefixes are
 * equal keys.  The kernel keeps those bits in the node, but only userspace
 * (get_next_key) can see them.  A lookup is the element of the longest
 * prefix that is no longer than the key's prefixlen and matches its first
 * bits, which is what the kernel's walk down the trie finds; we try the
 * prefix lengths in use from the longest down.  Updates follow
 * trie_update_elem(): flags above BPF_EXIST and a prefixlen above the
 * trie's are -EINVAL, a new prefix in a full trie -ENOSPC.
 *
 * Queue and stack.  The values in push order; pop and peek take the oldest
 * (queue) or the newest (stack) and clear the buffer when empty; a push into
 * a full map fails with -E2BIG unless BPF_EXIST, which drops the oldest.
 * The input's elements are pushed in order; interp_map_next() lists them
 * oldest first.
 *
 * Maps of maps.  ARRAY_OF_MAPS is stored like a devmap (slots empty until
 * filled), HASH_OF_MAPS like a hash; a value is the u32 index of the inner
 * map in the machine's map table (the kernel's syscall takes an fd and gives
 * an id).  A lookup gives the inner map itself, on which the map helpers
 * work as on any map; programs cannot update them.
 *
 * SK_STORAGE holds one value, the test run's socket's, which the run may
 * create (bpf_sk_storage_get, interp_sk.c) and which goes with the socket.
 *
 * Socket and cgroup maps (SOCKMAP, SOCKHASH, REUSEPORT_SOCKARRAY,
 * CGROUP_ARRAY).  The input cannot hold sockets or cgroups, so
 * these are empty, as a test run's maps are when nobody filled them: a
 * sockmap lookup is NULL, skb_under_cgroup finds no cgroup.  Anything that
 * would need a socket in them (a redirect, an update with a socket) is not
 * modelled.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/interp_internal.h"

#define SET_MSG(msg, msgsz, ...)                                                                   \
	do {                                                                                       \
		if (msg && msgsz)                                                                  \
			snprintf(msg, msgsz, __VA_ARGS__);                                         \
	} while (0)

#define LPM_DATA_SIZE_MAX 256

int interp_map2_init(struct interp_map *m, char *msg, size_t msgsz)
{
	const struct interp_map_def *d = &m->def;

	switch (d->type) {
	case BPF_MAP_TYPE_LPM_TRIE:
		if (d->key_size < 5 || d->key_size > 4 + LPM_DATA_SIZE_MAX) {
			SET_MSG(msg, msgsz, "LPM trie with key_size %u", d->key_size);
			return -EINVAL;
		}
		m->kind = MK_HASH;
		m->lpm = true;
		return 0;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		m->indexed = true;
		/* fallthrough */
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		if (d->value_size != 4) {
			SET_MSG(msg, msgsz, "map of maps with value_size %u", d->value_size);
			return -EINVAL;
		}
		m->kind = MK_HASH;
		m->of_maps = true;
		m->lookup_only = true;
		m->def.flags |= BPF_F_RDONLY_PROG; /* the value is a map, not memory */
		return 0;
	case BPF_MAP_TYPE_STACK:
		m->lifo = true;
		/* fallthrough */
	case BPF_MAP_TYPE_QUEUE:
		if (d->key_size != 0) {
			SET_MSG(msg, msgsz, "queue/stack map with key_size %u", d->key_size);
			return -EINVAL;
		}
		m->kind = MK_QUEUE;
		return 0;
	case BPF_MAP_TYPE_SK_STORAGE:
		/* one value: the run's socket's, if the run creates it (interp_sk.c) */
		m->kind = MK_ARRAY;
		m->cgstorage = m->sk_local = true;
		m->def.max_entries = 1;
		return 0;
	case BPF_MAP_TYPE_SOCKMAP:
	case BPF_MAP_TYPE_SOCKHASH:
	case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	/*
	 * Only bpf_get_stackid() and the ringbuf helpers, not modelled, reach
	 * these: held empty, a program may still read their map objects
	 */
	case BPF_MAP_TYPE_STACK_TRACE:
	case BPF_MAP_TYPE_RINGBUF:
		m->kind = MK_NONE;
		return 1;
	default:
		SET_MSG(msg, msgsz, "map type %u not supported", d->type);
		return -EOPNOTSUPP;
	}
}

int interp_lpm_norm(const struct interp_map *m, const void *key, uint8_t *out)
{
	uint32_t plen, n = m->def.key_size - 4, i;

	memcpy(&plen, key, 4);
	if (plen > 8 * n)
		return -EINVAL;
	memmove(out, key, m->def.key_size);
	for (i = plen / 8; i < n; i++)
		out[4 + i] &= i == plen / 8 ? (uint8_t)(0xff00 >> (plen % 8)) : 0;
	return 0;
}

uint32_t interp_lpm_match(const struct interp_map *m, const void *key)
{
	uint8_t k[4 + LPM_DATA_SIZE_MAX];
	uint32_t plen, e;
	int64_t l;

	memcpy(&plen, key, 4);
	if (plen > 8 * (m->def.key_size - 4) || !m->count)
		return UINT32_MAX;
	for (l = plen; l >= 0; l--) {
		if (!m->plen_count[l])
			continue;
		memcpy(k, &(uint32_t){ (uint32_t)l }, 4);
		memcpy(k + 4, (const uint8_t *)key + 4, m->def.key_size - 4);
		interp_lpm_norm(m, k, k);
		e = interp_hash_find(m, k);
		if (e != UINT32_MAX)
			return e;
	}
	return UINT32_MAX;
}

uint32_t interp_queue_slot(const struct interp_map *m, uint32_t i)
{
	uint32_t s = m->qhead + i;

	return s >= m->def.max_entries ? s - m->def.max_entries : s;
}

int64_t interp_queue_push(struct interp_map *m, const void *val, uint64_t flags)
{
	if ((flags & BPF_NOEXIST) || flags > BPF_EXIST)
		return -EINVAL;
	if (m->count == m->def.max_entries) {
		if (!(flags & BPF_EXIST))
			return -E2BIG;
		m->qhead = interp_queue_slot(m, 1); /* the oldest goes */
		m->count--;
	}
	memcpy(m->vals + ((size_t)interp_queue_slot(m, m->count) << m->shift), val,
	       m->def.value_size);
	m->count++;
	return 0;
}

/* The map whose object @addr is, or -1 (as interp_helpers.c's map_of()). */
static int map_at(struct interp_ctx *c, uint64_t addr)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;

	if (i >= c->nregions || c->regions[i].kind != RK_MAPOBJ || addr != c->regions[i].base)
		return -1;
	return c->regions[i].map;
}

/*
 * The map helpers on queues, stacks and the always-empty socket and cgroup
 * maps; interp_helper() sends them here.  0 and *@ret, or -errno after a
 * fault.
 */
int interp_map2_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		       struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret)
{
	int mi = map_at(c, r[id == BPF_FUNC_skb_under_cgroup ? 2 : 1]);
	struct interp_map *m;
	const uint8_t *p;
	uint8_t *buf;

	if (mi < 0) {
		interp_fault(res, INTERP_FAULT, pc, "helper %d: no map argument", id);
		return -EINVAL;
	}
	m = &c->maps[mi];
	switch (id) {
	case BPF_FUNC_map_push_elem:
		if (m->kind != MK_QUEUE)
			break;
		p = interp_helper_mem(c, res, pc, r[2], m->def.value_size);
		if (!p)
			return -EFAULT;
		interp_trace_mem(c, call, p, m->def.value_size);
		*ret = interp_queue_push(m, p, r[3]);
		return 0;
	case BPF_FUNC_map_pop_elem:
	case BPF_FUNC_map_peek_elem:
		if (m->kind != MK_QUEUE)
			break;
		buf = interp_helper_wbuf(c, res, pc, r[2], m->def.value_size);
		if (!buf)
			return -EFAULT;
		if (!m->count) {
			memset(buf, 0, m->def.value_size);
			*ret = -ENOENT;
		} else {
			uint32_t i = m->lifo ? m->count - 1 : 0;

			memcpy(buf, m->vals + ((size_t)interp_queue_slot(m, i) << m->shift),
			       m->def.value_size);
			if (id == BPF_FUNC_map_pop_elem) {
				if (!m->lifo)
					m->qhead = interp_queue_slot(m, 1);
				m->count--;
			}
			*ret = 0;
		}
		interp_helper_wrote(c, r[2], m->def.value_size);
		return 0;
	case BPF_FUNC_map_lookup_elem:
		if (m->def.type != BPF_MAP_TYPE_SOCKMAP && m->def.type != BPF_MAP_TYPE_SOCKHASH)
			break;
		/* no sockets in the map: NULL */
		p = interp_helper_mem(c, res, pc, r[2], m->def.key_size);
		if (!p)
			return -EFAULT;
		interp_trace_mem(c, call, p, m->def.key_size);
		*ret = 0;
		return 0;
	case BPF_FUNC_skb_under_cgroup:
		/* the test run's skb has a full socket; the array holds no cgroup */
		if (m->def.type != BPF_MAP_TYPE_CGROUP_ARRAY || !interp_is_skb_type(c->type) ||
		    r[1] != c->regions[R_CTX].base)
			break;
		*ret = (uint32_t)r[3] >= m->def.max_entries ? -E2BIG : -EAGAIN;
		return 0;
	}
	interp_fault(res, INTERP_UNSUPPORTED, pc, "helper %d on a map of type %u: not modelled", id,
		     m->def.type);
	return -EOPNOTSUPP;
}
