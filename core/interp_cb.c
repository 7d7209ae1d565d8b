// SPDX-License-Identifier: MIT
/*
 * core/interp: helpers that call back into the program -- bpf_loop() and
 * bpf_for_each_map_elem() (kernel/bpf/bpf_iter.c, arraymap.c, hashtab.c).
 *
 * The callback is a subprogram named by LD_IMM64 with src BPF_PSEUDO_FUNC,
 * whose value here is INTERP_FUNC_BASE + its instruction index: not an
 * address of any region, so the program cannot read through it.  The run
 * loop (interp.c) enters the callback like a BPF-to-BPF call whose return
 * address is INTERP_CB_RET; when it exits there, interp_cb_next() decides on
 * the callback's r0 (0: go on, 1: stop) whether to call it again, and
 * otherwise the helper returns and execution goes on after the call.  The
 * state of the helper in progress is kept in the caller's frame, so
 * callbacks may nest.
 *
 * bpf_loop(nr, fn, ctx, flags) calls fn(i, ctx) for i < nr and returns the
 * calls made; flags other than 0 are -EINVAL, nr above 1 << 23 -E2BIG.
 * bpf_for_each_map_elem(map, fn, ctx, flags) calls fn(map, &key, &value,
 * ctx) on each element and returns the calls made: arrays in index order
 * (every index), hash maps in the order of their elements, which is the
 * order the input gave them in (the kernel's is its bucket order, which is
 * also the order its syscalls list them); elements the callback deletes
 * are skipped, elements it inserts are visited if they land after the one
 * it is on.  The key lives in a read-only slot per frame.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/interp_internal.h"

#define BPF_MAX_LOOPS_ (1u << 23)

static int map_at(struct interp_ctx *c, uint64_t addr)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;

	if (i >= c->nregions || c->regions[i].kind != RK_MAPOBJ || addr != c->regions[i].base)
		return -1;
	return c->regions[i].map;
}

/*
 * The next element of @cb's map at or after cb->i: the callback's r1..r4
 * in @args.  false at the end.
 */
static bool next_elem(struct interp_ctx *c, struct interp_cb *cb, uint32_t depth, uint64_t *args)
{
	struct interp_map *m = &c->maps[cb->map];
	uint8_t *slot = c->cbkey[depth];
	uint64_t vbase = c->regions[R_MAP0 + 2 * cb->map].base;

	if (m->kind == MK_ARRAY) {
		uint32_t i = (uint32_t)cb->i;

		if (cb->i >= m->def.max_entries || interp_array_mark_dirty(m, i))
			return false;
		memcpy(slot, &i, 4);
		args[2] = vbase + ((uint64_t)i << m->shift);
	} else {
		while (cb->i < m->nfresh && !m->used[cb->i])
			cb->i++;
		if (cb->i >= m->nfresh)
			return false;
		memcpy(slot, m->keys + (size_t)cb->i * m->def.key_size, m->def.key_size);
		args[2] = vbase + (cb->i << m->shift);
	}
	args[0] = c->regions[R_MAP0 + 2 * cb->map + 1].base;
	args[1] = c->regions[R_CBKEY].base + (uint64_t)depth * INTERP_CBKEY_SIZE;
	args[3] = cb->ctx;
	args[4] = 0;
	return true;
}

int interp_cb_start(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int32_t id,
		    const uint64_t *r, uint32_t depth, uint32_t nprog, struct interp_cb *cb,
		    uint64_t *args)
{
	struct interp_call *call = c->ncalls < INTERP_TRACE_CAP ? &c->calls[c->ncalls] : NULL;
	uint64_t fn = r[2];
	int64_t ret = 0;
	bool go = false;

	memset(cb, 0, sizeof(*cb));
	if (fn - INTERP_FUNC_BASE >= nprog) {
		interp_fault(res, INTERP_FAULT, pc, "helper %d: r2 is not a callback", id);
		return -EINVAL;
	}
	cb->helper = id;
	cb->pc = pc;
	cb->target = (uint32_t)(fn - INTERP_FUNC_BASE);
	cb->callidx = call ? c->ncalls : UINT32_MAX;
	if (call) {
		call->insn = pc;
		call->helper = id;
		memcpy(call->args, &r[1], sizeof(call->args));
		call->mem = c->trace_mem + c->trace_mem_len;
		call->mem_len = 0;
		call->mem_truncated = false;
		call->ret = 0;
	}
	c->ncalls++;
	if (id == BPF_FUNC_loop) {
		cb->n = (uint32_t)r[1];
		cb->ctx = r[3];
		if (r[4])
			ret = -EINVAL;
		else if (cb->n > BPF_MAX_LOOPS_)
			ret = -E2BIG;
		else if (cb->n) {
			args[0] = 0;
			args[1] = cb->ctx;
			args[2] = args[3] = args[4] = 0;
			go = true;
		}
	} else { /* BPF_FUNC_for_each_map_elem */
		int mi = map_at(c, r[1]);
		struct interp_map *m;

		if (mi < 0) {
			interp_fault(res, INTERP_FAULT, pc, "helper %d: r1 is not a map", id);
			return -EINVAL;
		}
		m = &c->maps[mi];
		if ((m->kind != MK_ARRAY && m->kind != MK_HASH) || m->cgstorage || m->lpm ||
		    m->redirect || m->of_maps) {
			interp_fault(res, INTERP_UNSUPPORTED, pc,
				     "for_each_map_elem on a map of type %u: not modelled",
				     m->def.type);
			return -EOPNOTSUPP;
		}
		cb->map = (uint32_t)mi;
		cb->ctx = r[3];
		if (r[4])
			ret = -EINVAL;
		else
			go = next_elem(c, cb, depth, args);
	}
	if (go) {
		cb->active = true;
		return 0;
	}
	if (call)
		call->ret = (uint64_t)ret;
	cb->count = (uint64_t)ret;
	return 1;
}

int interp_cb_next(struct interp_ctx *c, struct interp_cb *cb, uint32_t depth, uint64_t cbret,
		   uint64_t *args)
{
	bool go = false;

	cb->count++;
	if (!cbret) {
		cb->i++;
		if (cb->helper == BPF_FUNC_loop) {
			if (cb->i < cb->n) {
				args[0] = cb->i;
				args[1] = cb->ctx;
				args[2] = args[3] = args[4] = 0;
				go = true;
			}
		} else {
			go = next_elem(c, cb, depth, args);
		}
	}
	if (go)
		return 0;
	cb->active = false;
	if (cb->callidx != UINT32_MAX)
		c->calls[cb->callidx].ret = cb->count;
	return 1;
}
