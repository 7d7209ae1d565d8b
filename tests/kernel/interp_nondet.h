/* SPDX-License-Identifier: MIT */
/*
 * Nondeterministic runs, for tests/kernel/test_interp_corpus.c: programs
 * that read the clock, random numbers or kernel memory the interpreter does
 * not hold are run in the interpreter once with values near the kernel's
 * and NVARIANTS more times with any values; the output bytes any variant
 * changes depend on those values and are masked, the rest is compared with
 * the kernel.  A byte that depends on them but came out the same in all 33
 * runs is compared and may disagree: for a bit that flips with probability
 * p per run that happens with probability about p(1-p)^32 per run, under
 * 1% for any p and 2^-32 for a random bit; the corpus's such bytes are
 * random bits.  Included by that test alone, after interp_kmaps.h (static
 * functions, as that file).
 */
#ifndef BPFSYNTH_TESTS_KERNEL_INTERP_NONDET_H
#define BPFSYNTH_TESTS_KERNEL_INTERP_NONDET_H

#include <stdlib.h>
#include <time.h>

#include "tests/kernel/interp_kmaps.h"

#define INTERP_PKT_OUT_MAX 4096 /* data_out bytes compared */

/*
 * The writable __sk_buff fields BPF_PROG_TEST_RUN's ctx_out reports
 * (convert_skb_to___skb()): mark, priority, cb[], tstamp, as bytes.
 */
#define SKB_OUT_LEN 36

static void skb_out_bytes(const struct __sk_buff *s, uint8_t *b)
{
	memcpy(b, &s->mark, 4);
	memcpy(b + 4, &s->priority, 4);
	memcpy(b + 8, s->cb, 20);
	memcpy(b + 28, &s->tstamp, 8);
}

/*
 * Helpers whose results the kernel draws from time, randomness or its own
 * memory: the interpreter takes them from its input, the kernel cannot be
 * told them, so runs that call them are compared on the bytes that do not
 * depend on them (struct kmask: the interpreter runs NVARIANTS more times
 * with other values).  A trace cut short may hide a call: such runs too.
 */
#define NVARIANTS 32

static bool nondeterministic(const struct interp_result *res)
{
	static const int32_t ids[] = {
		BPF_FUNC_ktime_get_ns,	       BPF_FUNC_get_prandom_u32,
		BPF_FUNC_jiffies64,
		BPF_FUNC_ktime_get_boot_ns,    BPF_FUNC_ktime_get_coarse_ns,
		208 /* ktime_get_tai_ns */,    BPF_FUNC_get_current_task,
	};
	uint32_t i, j;

	if (res->kmem_read || res->ncalls_total > res->ncalls)
		return true;
	for (i = 0; i < res->ncalls; i++)
		for (j = 0; j < sizeof(ids) / sizeof(ids[0]); j++)
			if (res->calls[i].helper == ids[j])
				return true;
	return false;
}

/*
 * The values of the kernel's clock, random numbers and memory an
 * interpreter run is given: @real, the first run's, near what the kernel's
 * are (the clock as it is now); the variants', anything.
 */
static void nondet_inputs(struct interp_input *in, struct pkt_gen *g, uint32_t *prandom,
			  bool real)
{
	struct timespec now;
	uint32_t i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	in->ktime_ns = real ? (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec : pkt_gen_rand(g);
	in->ktime_step = real ? 50 : 1 + pkt_gen_rand(g) % (1 << 20);
	for (i = 0; i < 64; i++)
		prandom[i] = (uint32_t)pkt_gen_rand(g);
	in->prandom = prandom;
	in->nprandom = 64;
	/* a task_struct's address: in the direct map, cache-line aligned */
	in->current_task = 0xffff888000000000ULL | (pkt_gen_rand(g) & 0x3fffffffc0ULL);
	in->kmem_seed = pkt_gen_rand(g) | 1;
}

/*
 * Output bytes that depend on what the kernel draws from the clock, at
 * random or from its own memory (ktime, prandom, the current task, kernel
 * memory the interpreter does not hold: inputs of the interpreter that the
 * kernel cannot be given).  The interpreter runs once more per variant of
 * those inputs; a byte of the output (retval, packet, map values) that
 * differs between the first run and any variant depends on them and is not
 * compared; every other byte is.  Map masks are per element of the first
 * run, in interp_map_next() order; @keys: a variant had other elements (an
 * element the first run has not, or lacked one), so the maps' element
 * sets are not compared, only the values of elements both have.
 */
#define KMASK_MAX_ELEMS 4096

struct kmask {
	uint8_t ret[4];
	bool pkt_len; /* the packet's length varies: all of it masked */
	uint8_t skb[SKB_OUT_LEN]; /* skb_out_bytes() */
	uint8_t pkt[INTERP_PKT_OUT_MAX];
	bool keys[MAX_MAPS];
	size_t off[MAX_MAPS];  /* map m's value masks at bytes + off[m] */
	uint32_t nel[MAX_MAPS]; /* its elements in the first run */
	uint8_t *bytes;
	size_t cap;
};

static bool kmask_map(const struct interp_map_def *d)
{
	return readable(d->type) && d->type != BPF_MAP_TYPE_CGROUP_STORAGE &&
	       d->type != BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

/* Start the masks of the first run @c left (@res): nothing masked.  -E2BIG: too many elements */
static int kmask_init(struct kmask *mk, const struct kmaps *km, const struct interp_ctx *c,
		      const struct interp_result *res)
{
	size_t need = 0;
	uint32_t m, total = 0;

	(void)res;
	memset(mk->ret, 0, sizeof(mk->ret));
	memset(mk->pkt, 0, sizeof(mk->pkt));
	mk->pkt_len = false;
	memset(mk->skb, 0, sizeof(mk->skb));
	for (m = 0; m < km->n; m++) {
		uint32_t iter = 0, n = 0;
		const void *k, *v;

		mk->keys[m] = false;
		mk->off[m] = need;
		if (kmask_map(&km->def[m]))
			while (!interp_map_next(c, m, &iter, &k, &v))
				n++;
		mk->nel[m] = n;
		total += n;
		need += (size_t)n * km->def[m].value_size;
	}
	if (total > KMASK_MAX_ELEMS)
		return -E2BIG;
	if (need > mk->cap) {
		uint8_t *b = realloc(mk->bytes, need);

		if (!b)
			return -ENOMEM;
		mk->bytes = b;
		mk->cap = need;
	}
	if (need)
		memset(mk->bytes, 0, need);
	return 0;
}

/* Mask what the variant run @vc (@vres) left differently from the first (@c, @res). */
static void kmask_add(struct kmask *mk, const struct kmaps *km, const struct interp_ctx *c,
		      const struct interp_result *res, const struct interp_ctx *vc,
		      const struct interp_result *vres)
{
	static uint8_t val[1 << 16];
	uint32_t i, m;

	for (i = 0; i < 4; i++)
		mk->ret[i] |= (uint8_t)(res->retval >> 8 * i) != (uint8_t)(vres->retval >> 8 * i);
	if (res->pkt_len != vres->pkt_len)
		mk->pkt_len = true;
	else
		for (i = 0; i < res->pkt_len && i < INTERP_PKT_OUT_MAX; i++)
			mk->pkt[i] |= res->pkt[i] != vres->pkt[i];
	if (res->skb && vres->skb) {
		uint8_t a[SKB_OUT_LEN], b[SKB_OUT_LEN];

		skb_out_bytes(res->skb, a);
		skb_out_bytes(vres->skb, b);
		for (i = 0; i < SKB_OUT_LEN; i++)
			mk->skb[i] |= a[i] != b[i];
	}
	for (m = 0; m < km->n; m++) {
		const struct interp_map_def *d = &km->def[m];
		uint32_t iter = 0, viter = 0, e = 0, n = 0;
		const void *k, *v, *vk, *vv;

		if (!kmask_map(d))
			continue;
		while (!interp_map_next(c, m, &iter, &k, &v) && e < mk->nel[m]) {
			uint8_t *mask = mk->bytes + mk->off[m] + (size_t)e++ * d->value_size;
			const uint8_t *other = val;

			if (queue_like(d->type)) {
				if (interp_map_next(vc, m, &viter, &vk, &vv)) {
					mk->keys[m] = true;
					memset(mask, 1, d->value_size);
					continue;
				}
				other = vv;
			} else if (interp_map_lookup(vc, m, k, val)) {
				mk->keys[m] = true;
				memset(mask, 1, d->value_size);
				continue;
			}
			for (i = 0; i < d->value_size; i++)
				mask[i] |= ((const uint8_t *)v)[i] != other[i];
		}
		iter = 0;
		while (!interp_map_next(vc, m, &iter, &vk, &vv))
			n++;
		if (n != mk->nel[m])
			mk->keys[m] = true;
	}
}

/*
 * kmaps_compare() but for the bytes @mk leaves: every element of the
 * interpreter's first run is the kernel's with the same unmasked bytes (an
 * array's missing element: zero), the kernel has no more unless the element
 * sets vary; @masked counts the bytes not compared.
 */
static int kmaps_compare_masked(struct kmaps *km, const struct interp_ctx *c,
				const struct kmask *mk, char *msg, size_t msgsz, uint64_t *masked)
{
	static const uint8_t zero[1 << 16];
	struct ksnap *sn = km->after;
	uint32_t m, i;

	if (kmaps_read(km, sn))
		return snprintf(msg, msgsz, "cannot read the kernel's maps"), -1;
	for (m = 0; m < km->n; m++) {
		const struct interp_map_def *d = &km->def[m];
		uint32_t iter = 0, e = 0, kn = 0, kq = 0;
		const void *k, *v;

		if (!kmask_map(d))
			continue;
		for (i = 0; i < sn->nelems; i++)
			kn += sn->elems[i].map == m;
		while (!interp_map_next(c, m, &iter, &k, &v) && e < mk->nel[m]) {
			const uint8_t *mask = mk->bytes + mk->off[m] + (size_t)e * d->value_size;
			const struct interp_map_elem *el = NULL;
			const uint8_t *kv;

			if (queue_like(d->type)) {
				for (i = 0; i < sn->nelems && !el; i++)
					if (sn->elems[i].map == m && kq++ == e)
						el = &sn->elems[i];
				kq = 0;
			} else {
				el = ksnap_find(sn, d, m, k);
			}
			kv = el ? el->value : array_like(d->type) ? zero : NULL;
			if (!kv) {
				if (!mk->keys[m]) {
					snprintf(msg, msgsz, "map %s: the kernel lacks element %u",
						 km->name[m], e);
					return -1;
				}
				*masked += d->value_size;
				e++;
				continue;
			}
			for (i = 0; i < d->value_size; i++) {
				if (mask[i])
					(*masked)++;
				else if (((const uint8_t *)v)[i] != kv[i]) {
					snprintf(msg, msgsz, "map %s: element %u, byte %u: kernel "
						 "0x%02x, interp 0x%02x (unmasked)", km->name[m], e,
						 i, kv[i], ((const uint8_t *)v)[i]);
					return -1;
				}
			}
			if (percpu(d->type) && el) {
				const struct interp_map_elem *old = ksnap_find(km->before, d, m, k);
				size_t stride = (d->value_size + 7) & ~7u, rest = kvalue_size(d) - stride;
				const uint8_t *o = (const uint8_t *)el->value + stride;

				if (old ? memcmp(o, (const uint8_t *)old->value + stride, rest)
					: !all_zero(o, rest)) {
					snprintf(msg, msgsz, "map %s: element %u changed on another CPU",
						 km->name[m], e);
					return -1;
				}
			}
			e++;
		}
		if (!array_like(d->type) && !mk->keys[m] && kn != e) {
			snprintf(msg, msgsz, "map %s: interp has %u elements, kernel %u",
				 km->name[m], e, kn);
			return -1;
		}
	}
	return 0;
}

#endif
