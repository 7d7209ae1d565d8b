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

/*
 * Elements the model gives map @d.  A hash map holds at most max_entries
 * keys, but an update of a present key moves it to a new element (the
 * kernel's spare, one per CPU), so there is one more element than keys:
 * enough for a new element apart from every present key's.  A device or
 * CPU map its loader sizes (max_entries 0), which programs only read, gets
 * more elements than a check can look up keys (SMT_MAX_HKEYS), present or
 * not, at distinct elements: every state a map of any size can be in, as
 * far as those keys go.
 */
uint32_t smt_map_elems(const struct interp_map_def *d)
{
	if (smt_map_is_redirect(d) && !d->max_entries)
		return SMT_MAX_HKEYS + 1;
	return d->max_entries + (smt_map_is_hash(d) || smt_map_is_redirect(d) ? 1 : 0);
}

/*
 * The number of elements of map @m as a 32-bit term: max_entries, or for an
 * array its loader sizes (max_entries 0 in the object; the driver passes
 * those on to the whole-program check) a size shared by the two programs
 * and otherwise free: what is proven holds for every size.
 */
Z3_ast smt_map_size(struct smt_ctx *s, uint32_t m)
{
	const struct interp_map_def *d = &s->env->maps[m];
	char name[32];

	if (d->max_entries || !smt_map_is_array(d))
		return smt_bv(s, d->max_entries, 32);
	snprintf(name, sizeof(name), "map%u_size", m);
	return smt_var(s, name, Z3_mk_bv_sort(s->z, 32));
}

/* The bytes map @m's elements span (for an unsized array, a term of its size). */
Z3_ast smt_map_span(struct smt_ctx *s, uint32_t m)
{
	const struct interp_map_def *d = &s->env->maps[m];
	uint32_t sh = smt_map_shift(d);

	if (d->max_entries || !smt_map_is_array(d))
		return smt_bvk(s, (int64_t)((uint64_t)smt_map_elems(d) << sh));
	return T(Z3_mk_bvshl(s->z, smt_zext(s, 32, smt_map_size(s, m)), smt_bvk(s, sh)));
}

/*
 * Device and CPU maps: a lookup gives a read-only value (struct
 * bpf_devmap_val, bpf_cpumap_val) of a present entry, or NULL; the model
 * is a hash map's.  Programs cannot change them.
 */
bool smt_map_is_redirect(const struct interp_map_def *d)
{
	return d->type == BPF_MAP_TYPE_DEVMAP || d->type == BPF_MAP_TYPE_DEVMAP_HASH ||
	       d->type == BPF_MAP_TYPE_CPUMAP;
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

	if (d->key_size > 64 ||
	    (!smt_map_is_array(d) && !smt_map_is_hash(d) && !smt_map_is_redirect(d)) ||
	    (smt_map_is_array(d) && d->key_size != 4) || !s->pres0[m]) {
		smt_unsup(s, ie->i, "%s", "lookup in a map type not modelled");
		return -1;
	}
	if (read_key(ie, st, d, &key))
		return -1;
	if (smt_map_is_array(d)) {
		found = T(Z3_mk_bvult(s->z, key, smt_map_size(s, m)));
		idx = key;
	} else {
		found = T(Z3_mk_select(s->z, st->hpres[m], key));
		idx = T(Z3_mk_select(s->z, st->hslot[m], key));
		smt_map_note_key(s, m, key);
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
	inr = T(Z3_mk_bvult(s->z, key, smt_map_size(s, m)));
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

void smt_map_note_key(struct smt_ctx *s, uint32_t m, Z3_ast key)
{
	uint32_t i;

	for (i = 0; i < s->nhkeys; i++)
		if (s->hkeys[i].map == m && s->hkeys[i].key == key)
			return;
	if (s->nhkeys == SMT_MAX_HKEYS) {
		if (!s->unsup[0])
			snprintf(s->unsup, sizeof(s->unsup), "too many hash map keys");
		return;
	}
	s->hkeys[s->nhkeys].map = m;
	s->hkeys[s->nhkeys++].key = key;
}

/*
 * Facts about real hash maps the model relies on, over the keys the two
 * programs use (and the keys the comparison picks): present keys have
 * distinct elements below max_entries; an element an insert takes is none
 * of those of the keys present at that moment.
 */
Z3_ast smt_map_axioms(struct smt_ctx *s)
{
	Z3_ast ax = T(Z3_mk_true(s->z));
	uint32_t i, j;

	for (i = 0; i < s->nhkeys; i++) {
		uint32_t m = s->hkeys[i].map;
		Z3_ast ki = s->hkeys[i].key;
		Z3_ast pi = T(Z3_mk_select(s->z, s->pres0[m], ki));
		Z3_ast si = T(Z3_mk_select(s->z, s->slot0[m], ki));

		ax = smt_and2(s, ax,
			      T(Z3_mk_implies(s->z, pi,
					      T(Z3_mk_bvult(s->z, si,
							    smt_bv(s, smt_map_elems(
									      &s->env->maps[m]),
								   32))))));
		for (j = i + 1; j < s->nhkeys; j++) {
			Z3_ast kj = s->hkeys[j].key, c;

			if (s->hkeys[j].map != m)
				continue;
			c = smt_and2(s, smt_and2(s, pi, T(Z3_mk_select(s->z, s->pres0[m], kj))),
				     smt_not(s, smt_eq(s, ki, kj)));
			ax = smt_and2(s, ax,
				      T(Z3_mk_implies(s->z, c,
						      smt_not(s, smt_eq(s, si,
									T(Z3_mk_select(s->z,
										       s->slot0[m],
										       kj)))))));
		}
	}
	for (i = 0; i < s->nhnew; i++) {
		uint32_t m = s->hnew[i].map;
		Z3_ast e = s->hnew[i].elem;
		Z3_ast f = T(Z3_mk_bvult(s->z, e, smt_bv(s, smt_map_elems(&s->env->maps[m]), 32)));

		for (j = 0; j < s->nhkeys; j++) {
			Z3_ast k = s->hkeys[j].key;

			if (s->hkeys[j].map != m)
				continue;
			f = smt_and2(s, f,
				     T(Z3_mk_implies(s->z, T(Z3_mk_select(s->z, s->hnew[i].pres, k)),
						     smt_not(s, smt_eq(s, e,
								       T(Z3_mk_select(
									       s->z,
									       s->hnew[i].slot,
									       k)))))));
		}
		ax = smt_and2(s, ax, T(Z3_mk_implies(s->z, s->hnew[i].pc, f)));
	}
	return ax;
}

/*
 * map_update_elem and map_delete_elem on HASH and PERCPU_HASH, as
 * htab_map_update_elem() and htab_map_delete_elem() do them: flags above
 * BPF_EXIST -EINVAL; BPF_NOEXIST on a present key -EEXIST, BPF_EXIST on an
 * absent one -ENOENT; an insert into a full map -E2BIG (whether the map is
 * full is a function of the set of present keys, shared by the programs);
 * otherwise the value is copied into an element -- a new one for HASH (the
 * old element is left to whoever still points at it), the same one for a
 * key a PERCPU_HASH already holds -- and 0 returned.  Delete: 0 if the key
 * was present, else -ENOENT.  Allocation failures of maps without
 * preallocation (-ENOMEM) are not modelled.  LRU maps evict on insert, in
 * an order the model does not follow: UNKNOWN.
 */
static int hash_update(struct insn_env *ie, struct sstate *st, uint32_t m, int32_t id)
{
	struct smt_ctx *s = ie->s;
	const struct interp_map_def *d = &s->env->maps[m];
	uint32_t sh = smt_map_shift(d), j;
	Z3_ast key = NULL, old, full, ok, elem, base, arr, *val, *mem;
	struct sval vp = st->r[3];
	char name[32];
	int64_t fl = 0;

	if (map_is_lru(d) || d->key_size > 64 || !s->pres0[m]) {
		smt_unsup(s, ie->i, "%s", "update or delete of an LRU map or a large key");
		return -1;
	}
	if (s->env->plain) {
		smt_unsup(s, ie->i, "%s", "hash map update or delete in the plain encoding");
		return -1;
	}
	if (id == BPF_FUNC_map_update_elem &&
	    (st->r[4].tag != T_SCALAR || !smt_const_of(s, st->r[4].v, &fl))) {
		smt_unsup(s, ie->i, "%s", "map_update_elem with flags that are not a constant");
		return -1;
	}
	if ((uint64_t)fl & BPF_F_LOCK) {
		smt_unsup(s, ie->i, "%s", "map_update_elem with BPF_F_LOCK");
		return -1;
	}
	if (d->flags & BPF_F_RDONLY_PROG) {
		smt_unsup(s, ie->i, "%s", "update or delete of a read-only map");
		return -1;
	}
	if (read_key(ie, st, d, &key))
		return -1;
	note_key(ie, m, key);
	smt_map_note_key(s, m, key);
	old = T(Z3_mk_select(s->z, st->hpres[m], key));
	st->r[0].tag = T_SCALAR;
	if (id == BPF_FUNC_map_delete_elem) {
		st->r[0].v = smt_ite(s, old, smt_bvk(s, 0), smt_bvk(s, -ENOENT));
		st->hpres[m] = T(Z3_mk_store(s->z, st->hpres[m], key, T(Z3_mk_false(s->z))));
		return 0;
	}
	if ((uint64_t)fl > BPF_EXIST) {
		st->r[0].v = smt_bvk(s, -EINVAL);
		return 0;
	}
	if (vp.tag == T_UNINIT || !smt_is_ptr(vp.tag)) {
		smt_unsup(s, ie->i, "%s", "map_update_elem value is not a pointer");
		return -1;
	}
	val = calloc(d->value_size, sizeof(*val));
	if (!val)
		return -1;
	for (j = 0; j < d->value_size; j++)
		if (smt_mem_access(ie, st, vp, j, 1, false, &val[j], T_SCALAR) < 0) {
			free(val);
			return -1;
		}
	s->used_uf = true;
	full = T(Z3_mk_app(s->z, s->full[m], 1, &st->hpres[m]));
	/* the interpreter's maps are never full in a counterexample */
	if (ie->out->nhints < SMT_MAX_HINTS)
		ie->out->hints[ie->out->nhints++] = smt_not(s, full);
	if (fl == BPF_EXIST) {
		ok = old;
		st->r[0].v = smt_ite(s, old, smt_bvk(s, 0), smt_bvk(s, -ENOENT));
	} else if (fl == BPF_NOEXIST) {
		ok = smt_and2(s, smt_not(s, old), smt_not(s, full));
		st->r[0].v = smt_ite(s, old, smt_bvk(s, -EEXIST),
				     smt_ite(s, full, smt_bvk(s, -E2BIG), smt_bvk(s, 0)));
	} else {
		ok = smt_or2(s, old, smt_not(s, full));
		st->r[0].v = smt_ite(s, ok, smt_bvk(s, 0), smt_bvk(s, -E2BIG));
	}
	/* the element the value goes to */
	if (s->nhnew == SMT_MAX_HNEW) {
		free(val);
		smt_unsup(s, ie->i, "%s", "too many hash map inserts");
		return -1;
	}
	snprintf(name, sizeof(name), "new_elem%u", s->nfresh++);
	elem = smt_var(s, name, s->bv32);
	s->hnew[s->nhnew].map = m;
	s->hnew[s->nhnew].pc = smt_and2(s, st->pc, ok);
	s->hnew[s->nhnew].pres = st->hpres[m];
	s->hnew[s->nhnew].slot = st->hslot[m];
	s->hnew[s->nhnew].elem = elem;
	if (d->type == BPF_MAP_TYPE_PERCPU_HASH) { /* a present key is updated in place */
		s->hnew[s->nhnew].pc = smt_and2(s, s->hnew[s->nhnew].pc, smt_not(s, old));
		elem = smt_ite(s, old, T(Z3_mk_select(s->z, st->hslot[m], key)), elem);
	}
	s->nhnew++;
	mem = &st->mv[m];
	base = T(Z3_mk_bvshl(s->z, smt_zext(s, 32, elem), smt_bvk(s, sh)));
	arr = *mem;
	for (j = 0; j < d->value_size; j++)
		arr = T(Z3_mk_store(s->z, arr, smt_add(s, base, smt_bvk(s, j)), val[j]));
	free(val);
	*mem = smt_ite(s, ok, arr, *mem);
	st->hpres[m] = smt_ite(s, ok, T(Z3_mk_store(s->z, st->hpres[m], key, T(Z3_mk_true(s->z)))),
			       st->hpres[m]);
	st->hslot[m] = smt_ite(s, ok, T(Z3_mk_store(s->z, st->hslot[m], key, elem)),
			       st->hslot[m]);
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
	if (smt_map_is_hash(d))
		return hash_update(ie, st, m, id);
	if (!smt_map_is_array(d) || d->key_size != 4) {
		smt_unsup(s, ie->i, "%s",
			  id == BPF_FUNC_map_update_elem ? "map_update_elem of a map type not modelled"
							 : "map_delete_elem of a map type not modelled");
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
