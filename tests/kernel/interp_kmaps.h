/* SPDX-License-Identifier: MIT */
/*
 * The kernel's maps of a loaded program, for tests/kernel/test_interp_corpus.c:
 * read whole into interp_map_elem arrays (the interpreter's input), compared
 * with the interpreter's maps after a run, and pre-filled so that lookups
 * hit.  Included by that test alone (static functions, as elf_text.h).
 */
#ifndef BPFSYNTH_TESTS_KERNEL_INTERP_KMAPS_H
#define BPFSYNTH_TESTS_KERNEL_INTERP_KMAPS_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "core/interp.h"
#include "tests/kernel/harness_pkt.h"

#define MAX_MAPS 64
#define MAX_ELEMS 65536	      /* elements read from the kernel per packet, all maps */
#define MAX_BYTES (64u << 20) /* their keys and values */

/* A copy of the kernel's maps: elements with keys and (per-CPU: all CPUs') values. */
struct ksnap {
	struct interp_map_elem elems[MAX_ELEMS];
	uint32_t nelems;
	uint8_t *arena;
	size_t used;
};

struct kmaps {
	int fd[MAX_MAPS];
	struct interp_map_def def[MAX_MAPS];
	const char *name[MAX_MAPS];
	uint32_t n;
	struct ksnap snap[2];
	/* before: the kernel's maps as the next run starts; after: as it ended */
	struct ksnap *before, *after;
	bool before_valid; /* before is still the kernel's state */
};

static int ncpus;

static bool percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool array_like(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool hash_like(uint32_t type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool queue_like(uint32_t type)
{
	return type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK;
}

/*
 * Maps whose contents the interpreter is given: not the fd maps (their
 * values are fds in and ids out), nor the socket and cgroup maps, which the
 * interpreter holds empty as they are here.
 */
static bool readable(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_PROG_ARRAY: case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_XSKMAP: case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS: case BPF_MAP_TYPE_SOCKMAP: case BPF_MAP_TYPE_SOCKHASH:
	case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
		return false;
	}
	return true;
}

/* Bytes of one element's value as the syscall reads it: per-CPU, every CPU's. */
static size_t kvalue_size(const struct interp_map_def *d)
{
	return percpu(d->type) ? (size_t)((d->value_size + 7) & ~7u) * ncpus : d->value_size;
}

static bool all_zero(const uint8_t *b, size_t n)
{
	while (n--)
		if (*b++)
			return false;
	return true;
}

/*
 * Map @m's elements by BPF_MAP_LOOKUP_BATCH, a chunk per syscall: the large
 * arrays of some programs (xdpfilt's: 65536 per-CPU entries) would take a
 * syscall per element and packet otherwise.  -EOPNOTSUPP: use the slow way.
 */
static int kmaps_read_batch(struct kmaps *km, struct ksnap *sn, uint32_t m)
{
	enum { CHUNK = 1024 };
	static uint8_t keys[CHUNK * 512], vals[CHUNK * 8192];
	const struct interp_map_def *d = &km->def[m];
	size_t ks = d->key_size, vs = kvalue_size(d);
	uint64_t batch = 0;
	bool first = true, done = false;

	if (ks > 512 || vs > 8192)
		return -EOPNOTSUPP;
	while (!done) {
		uint32_t count = CHUNK, i;
		int err;

		err = bpf_map_lookup_batch(km->fd[m], first ? NULL : &batch, &batch, keys, vals,
					   &count, NULL);
		if (err && errno != ENOENT)
			return first && (errno == EINVAL || errno == 524 /* ENOTSUPP */ ||
					 errno == EOPNOTSUPP) ? -EOPNOTSUPP : -errno;
		done = err != 0;
		first = false;
		for (i = 0; i < count; i++) {
			const uint8_t *v = vals + i * vs;
			uint8_t *st;

			if (array_like(d->type) && all_zero(v, vs))
				continue;
			if (sn->nelems == MAX_ELEMS || sn->used + ks + vs > MAX_BYTES)
				return -E2BIG;
			st = sn->arena + sn->used;
			memcpy(st, keys + i * ks, ks);
			memcpy(st + ks, v, vs);
			sn->used += (ks + vs + 7) & ~(size_t)7;
			sn->elems[sn->nelems++] =
				(struct interp_map_elem){.map = m, .key = st, .value = st + ks};
		}
	}
	return 0;
}

/*
 * A queue or stack, oldest value first: popped whole, then pushed back as it
 * was (the syscall has no other way to see it).
 */
static int kmaps_read_queue(struct kmaps *km, struct ksnap *sn, uint32_t m)
{
	const struct interp_map_def *d = &km->def[m];
	uint32_t first = sn->nelems, n, i;

	while (sn->nelems < MAX_ELEMS && sn->used + d->value_size <= MAX_BYTES) {
		uint8_t *st = sn->arena + sn->used;

		if (bpf_map_lookup_and_delete_elem(km->fd[m], NULL, st))
			break;
		sn->used += (d->value_size + 7) & ~(size_t)7;
		sn->elems[sn->nelems++] = (struct interp_map_elem){.map = m, .key = st, .value = st};
	}
	n = sn->nelems - first;
	for (i = 0; d->type == BPF_MAP_TYPE_STACK && i < n / 2; i++) { /* popped newest first */
		struct interp_map_elem t = sn->elems[first + i];

		sn->elems[first + i] = sn->elems[first + n - 1 - i];
		sn->elems[first + n - 1 - i] = t;
	}
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(km->fd[m], NULL, sn->elems[first + i].value, BPF_ANY))
			return -errno;
	return 0;
}

/*
 * Read every element of every map from the kernel into @sn.  Array elements
 * that are zero on every CPU are left out: the interpreter's arrays start
 * zero.  The value the interpreter gets is the first CPU's, which is the one
 * the test runs on (main() pins it to CPU 0).
 */
static int kmaps_read(struct kmaps *km, struct ksnap *sn)
{
	uint32_t m;

	sn->nelems = 0;
	sn->used = 0;
	for (m = 0; m < km->n; m++) {
		const struct interp_map_def *d = &km->def[m];
		size_t ks = d->key_size, vs = kvalue_size(d);
		uint8_t key[512], next[512];
		bool first = true;

		if (ks > sizeof(key))
			return -E2BIG;
		if (!readable(d->type))
			continue; /* fds in, ids out: nothing the interpreter is given */
		if (queue_like(d->type)) {
			int err = kmaps_read_queue(km, sn, m);

			if (err)
				return err;
			continue;
		}
		if (array_like(d->type) || d->type == BPF_MAP_TYPE_HASH ||
		    d->type == BPF_MAP_TYPE_PERCPU_HASH) {
			int err = kmaps_read_batch(km, sn, m);

			if (err != -EOPNOTSUPP) {
				if (err)
					return err;
				continue;
			}
		}
		while (!bpf_map_get_next_key(km->fd[m], first ? NULL : key, next)) {
			uint8_t *st;

			first = false;
			memcpy(key, next, ks);
			if (sn->nelems == MAX_ELEMS || sn->used + ks + vs > MAX_BYTES)
				return -E2BIG;
			st = sn->arena + sn->used;
			memcpy(st, key, ks);
			if (bpf_map_lookup_elem(km->fd[m], key, st + ks))
				continue; /* deleted meanwhile: not for us */
			if (array_like(d->type) && all_zero(st + ks, vs))
				continue;
			sn->used += (ks + vs + 7) & ~(size_t)7;
			sn->elems[sn->nelems++] =
				(struct interp_map_elem){.map = m, .key = st, .value = st + ks};
		}
	}
	return 0;
}

static const struct interp_map_elem *ksnap_find(const struct ksnap *sn,
						const struct interp_map_def *d, uint32_t m,
						const void *key)
{
	uint32_t i;

	for (i = 0; i < sn->nelems; i++)
		if (sn->elems[i].map == m && !memcmp(sn->elems[i].key, key, d->key_size))
			return &sn->elems[i];
	return NULL;
}

/*
 * Every kernel element is in the interpreter with the same value (per-CPU:
 * CPU 0's, and the other CPUs' as before the run, or zero for an element the
 * run inserted), and the interpreter has no more (arrays: no more non-zero).
 */
static int kmaps_compare(struct kmaps *km, const struct interp_ctx *c, char *msg, size_t msgsz)
{
	uint32_t i, m, counts[MAX_MAPS] = {0};
	static uint8_t val[1 << 16];
	struct ksnap *sn = km->after;

	if (kmaps_read(km, sn))
		return snprintf(msg, msgsz, "cannot read the kernel's maps"), -1;
	for (i = 0; i < sn->nelems; i++) {
		const struct interp_map_elem *el = &sn->elems[i];
		const struct interp_map_def *d = &km->def[el->map];

		if (queue_like(d->type)) { /* in order: interp_map_next() indexes its values */
			uint32_t iter = counts[el->map];
			const void *k, *v;

			if (interp_map_next(c, el->map, &iter, &k, &v) ||
			    memcmp(v, el->value, d->value_size)) {
				snprintf(msg, msgsz, "map %s: value %u differs or is missing",
					 km->name[el->map], counts[el->map]);
				return -1;
			}
			counts[el->map]++;
			continue;
		}

		if (interp_map_lookup(c, el->map, el->key, val) ||
		    memcmp(val, el->value, d->value_size)) {
			snprintf(msg, msgsz, "map %s: element %u differs or is missing",
				 km->name[el->map], i);
			return -1;
		}
		if (!array_like(d->type) || !all_zero(val, d->value_size))
			counts[el->map]++;
		if (percpu(d->type)) {
			const struct interp_map_elem *old = ksnap_find(km->before, d, el->map,
								       el->key);
			size_t stride = (d->value_size + 7) & ~7u, rest = kvalue_size(d) - stride;
			const uint8_t *o = (const uint8_t *)el->value + stride;

			if (old ? memcmp(o, (const uint8_t *)old->value + stride, rest)
				: !all_zero(o, rest)) {
				snprintf(msg, msgsz, "map %s: element %u changed on another CPU",
					 km->name[el->map], i);
				return -1;
			}
		}
	}
	for (m = 0; m < km->n; m++) {
		const void *k, *v;
		uint32_t iter = 0, n = 0;

		while (!interp_map_next(c, m, &iter, &k, &v))
			if (!array_like(km->def[m].type) || !all_zero(v, km->def[m].value_size))
				n++;
		if (n != counts[m]) {
			snprintf(msg, msgsz, "map %s: interp has %u elements, kernel %u",
				 km->name[m], n, counts[m]);
			return -1;
		}
	}
	return 0;
}

/*
 * Before a program's first packet, in the kernel (the interpreter gets them
 * from there): hash maps get up to 16 elements (half their size) with keys
 * cut from the packets at address offsets, or random; LPM tries prefixes of
 * the addresses the packets carry (IPv4 tries, key_size 8, and IPv6, 20), of
 * lengths from the whole address down to 0, so that lookups hit at every
 * depth; queues and stacks are filled.  The packets are a generator's like
 * the test's, which draws addresses from a small set; values are random.
 */
static void prefill_maps(struct kmaps *km)
{
	static const uint32_t plen4[] = { 32, 24, 16, 8, 0 }, plen6[] = { 128, 64, 48, 0 };
	uint8_t pkt[PKT_GEN_MAX], key[64], val[4096];
	struct pkt_gen g;
	uint32_t m, i, k;

	for (m = 0; m < km->n; m++) {
		const struct interp_map_def *d = &km->def[m];

		pkt_gen_init(&g, 42);
		if (queue_like(d->type) && d->value_size <= sizeof(val)) {
			/* full: pops find values for a while, pushes fail until they are gone */
			for (i = 0; i < d->max_entries && i < 1024; i++) {
				for (k = 0; k < d->value_size; k++)
					val[k] = (uint8_t)pkt_gen_rand(&g);
				bpf_map_update_elem(km->fd[m], NULL, val, BPF_ANY);
			}
			continue;
		}
		if (hash_like(d->type) && d->key_size <= sizeof(key) &&
		    kvalue_size(d) <= sizeof(val)) {
			/* keys cut from the packets at address offsets, or random */
			uint32_t n = d->max_entries / 2 < 16 ? d->max_entries / 2 : 16;

			for (i = 0; i < n; i++) {
				uint32_t len = pkt_gen_next(&g, pkt, NULL);
				static const uint32_t offs[] = { 26, 30, 22, 38, 0, 6 };
				uint32_t o = offs[i % 6];

				if (i % 4 == 3 || o + d->key_size > len)
					for (k = 0; k < d->key_size; k++)
						key[k] = (uint8_t)pkt_gen_rand(&g);
				else
					memcpy(key, pkt + o, d->key_size);
				for (k = 0; k < kvalue_size(d); k++)
					val[k] = (uint8_t)pkt_gen_rand(&g);
				bpf_map_update_elem(km->fd[m], key, val, BPF_ANY);
			}
			continue;
		}
		if (d->type != BPF_MAP_TYPE_LPM_TRIE || (d->key_size != 8 && d->key_size != 20) ||
		    d->value_size > sizeof(val))
			continue;
		for (i = 0; i < 64; i++) {
			uint32_t len = pkt_gen_next(&g, pkt, NULL), alen = d->key_size - 4, plen;
			uint32_t src = alen == 4 ? 26 : 22, dst = alen == 4 ? 30 : 38;
			uint16_t proto = (uint16_t)(pkt[12] << 8 | pkt[13]);

			if (proto != (alen == 4 ? 0x0800 : 0x86dd) || len < dst + alen)
				continue;
			plen = alen == 4 ? plen4[pkt_gen_rand(&g) % 5] : plen6[pkt_gen_rand(&g) % 4];
			memcpy(key, &plen, 4);
			memcpy(key + 4, pkt + (i & 1 ? src : dst), alen);
			for (k = 0; k < d->value_size; k++)
				val[k] = (uint8_t)pkt_gen_rand(&g);
			bpf_map_update_elem(km->fd[m], key, val, BPF_ANY); /* full: as it is */
		}
	}
}

#endif
