// SPDX-License-Identifier: MIT
/*
 * core/smt: the map helpers in the encoding.
 *
 * A map's values live in the region array mv[m], element i at i << shift
 * (smt_mem.c).  Per-CPU maps are the same: one program run sees one CPU's
 * values, which is all the interpreter holds too.
 *
 * map_lookup_elem is exact for arrays (the key selects element key, or NULL
 * past max_entries) and uninterpreted for hash maps: present(key) and
 * slot(key), functions of the key bytes shared by the two programs.  A
 * lookup is pure, so a lookup nobody uses is provably dead -- except in the
 * LRU maps, where a lookup marks the element as recently used and so
 * decides what a later insert evicts (in this program or any other): that
 * is an effect that outlives the program, so LRU lookups are also ordered
 * events (the map, and the key bytes).
 *
 * map_update_elem and map_delete_elem on arrays are exact, as the kernel's
 * array_map_update_elem() and array_map_delete_elem() are: flags above
 * BPF_EXIST -EINVAL, an index past the end -E2BIG, BPF_NOEXIST -EEXIST
 * (every element exists), else the value's bytes are copied into the
 * element and 0 returned; delete is always -EINVAL.  Flags must be a
 * constant (BPF_F_LOCK needs a bpf_spin_lock, which the values here never
 * have).  Updates and deletes of hash maps are UNKNOWN in this version: an
 * insert takes an element the model would have to keep apart from every
 * other, and can fail on a full map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/smt_internal.h"

bool smt_map_is_array(const struct interp_map_def *d)
{
	return d->type == BPF_MAP_TYPE_ARRAY || d->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

bool smt_map_is_hash(const struct interp_map_def *d)
{
	return d->type == BPF_MAP_TYPE_HASH || d->type == BPF_MAP_TYPE_PERCPU_HASH ||
	       d->type == BPF_MAP_TYPE_LRU_HASH || d->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool map_is_lru(const struct interp_map_def *d)
{
	return d->type == BPF_MAP_TYPE_LRU_HASH || d->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static void note_key(struct insn_env *ie, uint32_t m, Z3_ast key)
{
	if (ie->out->nlookups < SMT_MAX_LOOKUPS) {
		ie->out->lookups[ie->out->nlookups].map = m;
		ie->out->lookups[ie->out->nlookups++].key = key;
	}
}

/* The key bytes at r2 (little-endian: byte 0 lowest, as the array index reads). */
static int read_key(struct insn_env *ie, struct sstate *st, const struct interp_map_def *d,
		    Z3_ast *key)
{
	return smt_mem_access(ie, st, st->r[2], 0, d->key_size, false, key, T_SCALAR) < 0 ? -1 : 0;
}

static int lookup(struct insn_env *ie, struct sstate *st, uint32_t m)
{
	struct smt_ctx *s = ie->s;
	const struct interp_map_def *d = &s->env->maps[m];
	uint32_t sh = smt_map_shift(d);
	Z3_ast key = NULL, found, idx, ptr;

	if (d->key_size > 64 || (!smt_map_is_array(d) && !smt_map_is_hash(d)) ||
	    (smt_map_is_array(d) && d->key_size != 4)) {
		smt_unsup(s, ie->i, "%s", "lookup in a map type not modelled");
		return -1;
	}
	if (read_key(ie, st, d, &key))
		return -1;
	if (smt_map_is_array(d)) {
		found = T(Z3_mk_bvult(s->z, key, smt_bv(s, d->max_entries, 32)));
		idx = key;
	} else {
		s->used_uf = true;
		found = T(Z3_mk_app(s->z, s->present[m], 1, &key));
		idx = T(Z3_mk_app(s->z, s->slot[m], 1, &key));
		/* a slot is an element of the map */
		found = smt_and2(s, found,
				 T(Z3_mk_bvult(s->z, idx, smt_bv(s, d->max_entries, 32))));
	}
	if (map_is_lru(d)) {
		struct sevent *ev;

		if (st->nev >= SMT_MAX_EVENTS) {
			smt_unsup(s, ie->i, "%s", "too many helper calls");
			return -1;
		}
		ev = &st->ev[st->nev++];
		memset(ev, 0, sizeof(*ev));
		ev->id = smt_bv(s, BPF_FUNC_map_lookup_elem, 32);
		ev->args[0] = st->r[1].v;
		ev->args[1] = ev->args[2] = ev->args[3] = ev->args[4] = smt_bvk(s, 0);
		ev->mem = key;
		ev->mem_len = d->key_size;
	}
	ptr = smt_add(s, smt_bvk(s, (int64_t)smt_region_base(T_MAPVAL + m)),
		      T(Z3_mk_bvshl(s->z, smt_zext(s, 32, idx), smt_bvk(s, sh))));
	st->r[0].v = smt_ite(s, found, ptr, smt_bvk(s, 0));
	st->r[0].tag = T_MAPVAL + m;
	note_key(ie, m, key);
	return 0;
}

static int array_update(struct insn_env *ie, struct sstate *st, uint32_t m)
{
	struct smt_ctx *s = ie->s;
	const struct interp_map_def *d = &s->env->maps[m];
	uint32_t sh = smt_map_shift(d), j;
	Z3_ast key = NULL, inr, base, arr, *val;
	struct sval vp = st->r[3];
	int64_t fl;

	if (st->r[4].tag != T_SCALAR || !smt_const_of(s, st->r[4].v, &fl)) {
		smt_unsup(s, ie->i, "%s", "map_update_elem with flags that are not a constant");
		return -1;
	}
	if (d->flags & BPF_F_RDONLY_PROG) {
		smt_unsup(s, ie->i, "%s", "map_update_elem of a read-only map");
		return -1;
	}
	if (read_key(ie, st, d, &key))
		return -1;
	note_key(ie, m, key);
	if ((uint64_t)fl & BPF_F_LOCK) {
		smt_unsup(s, ie->i, "%s", "map_update_elem with BPF_F_LOCK");
		return -1;
	}
	if ((uint64_t)fl > BPF_EXIST) {
		/* flags the kernel refuses before it looks at the key */
		st->r[0].v = smt_bvk(s, -EINVAL);
		st->r[0].tag = T_SCALAR;
		return 0;
	}
	if (vp.tag == T_UNINIT || !smt_is_ptr(vp.tag)) {
		smt_unsup(s, ie->i, "%s", "map_update_elem value is not a pointer");
		return -1;
	}
	val = calloc(d->value_size, sizeof(*val));
	if (!val)
		return -1;
	/* the value is read whole before the element changes (it may overlap) */
	for (j = 0; j < d->value_size; j++)
		if (smt_mem_access(ie, st, vp, j, 1, false, &val[j], T_SCALAR) < 0) {
			free(val);
			return -1;
		}
	inr = T(Z3_mk_bvult(s->z, key, smt_bv(s, d->max_entries, 32)));
	if (fl == BPF_NOEXIST) {
		st->r[0].v = smt_ite(s, inr, smt_bvk(s, -EEXIST), smt_bvk(s, -E2BIG));
	} else {
		Z3_ast *mem = s->env->plain ? &st->mem : &st->mv[m];

		base = T(Z3_mk_bvshl(s->z, smt_zext(s, 32, key), smt_bvk(s, sh)));
		if (s->env->plain) /* one flat array: the element's full address */
			base = smt_add(s, base, smt_bvk(s, (int64_t)smt_region_base(T_MAPVAL + m)));
		arr = *mem;
		for (j = 0; j < d->value_size; j++)
			arr = T(Z3_mk_store(s->z, arr, smt_add(s, base, smt_bvk(s, j)), val[j]));
		*mem = smt_ite(s, inr, arr, *mem);
		st->r[0].v = smt_ite(s, inr, smt_bvk(s, 0), smt_bvk(s, -E2BIG));
	}
	st->r[0].tag = T_SCALAR;
	free(val);
	return 0;
}

int smt_map_call(struct insn_env *ie, struct sstate *st, int32_t id);

int smt_map_call(struct insn_env *ie, struct sstate *st, int32_t id)
{
	struct smt_ctx *s = ie->s;
	struct sval mp = st->r[1];
	const struct interp_map_def *d;
	uint32_t m;
	Z3_ast key = NULL;

	if (mp.tag < T_MAPOBJ || mp.tag >= T_MAPOBJ + SMT_MAX_MAPS) {
		smt_unsup(s, ie->i, "%s", "map helper without a map in r1");
		return -1;
	}
	if (st->r[2].tag == T_UNINIT || !smt_is_ptr(st->r[2].tag)) {
		smt_unsup(s, ie->i, "%s", "map helper key is not a pointer");
		return -1;
	}
	m = mp.tag - T_MAPOBJ;
	d = &s->env->maps[m];
	if (id == BPF_FUNC_map_lookup_elem)
		return lookup(ie, st, m);
	if (!smt_map_is_array(d) || d->key_size != 4) {
		smt_unsup(s, ie->i, "%s",
			  id == BPF_FUNC_map_update_elem ? "map_update_elem of a map that is not an array"
							 : "map_delete_elem of a map that is not an array");
		return -1;
	}
	if (id == BPF_FUNC_map_update_elem)
		return array_update(ie, st, m);
	/* array_map_delete_elem(): -EINVAL; the interpreter reads the key first */
	if (read_key(ie, st, d, &key))
		return -1;
	st->r[0].v = smt_bvk(s, -EINVAL);
	st->r[0].tag = T_SCALAR;
	return 0;
}
