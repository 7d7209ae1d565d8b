// SPDX-License-Identifier: MIT
/*
 * core/search_window: what a window is, and what the solver is told about
 * it.
 *
 * Windows are maximal stretches of reachable straight-line code: a stretch
 * ends at jumps, calls, exits, LD_IMM64, LD_ABS/LD_IND and atomics (which
 * the executor does not run), and before a jump target or a subprogram
 * start; `ja +0` (a NOP, as the search leaves them) belongs to a stretch.
 * Regions are windows with forward jumps inside, entered only at their
 * start (no jump from elsewhere lands inside), every jump landing inside or
 * at the end: the solver merges the paths there (smt_enc.c).
 *
 * A proof of a rewrite is smt_check_window() of the two windows without
 * their NOPs, under search_window_cond(): register types at entry (a pointer
 * the solver does not model -- a map pointer, a lookup's result before its
 * NULL check -- is an opaque 64-bit scalar), live registers and stack bytes
 * after the window.  Three things the solver's pre-conditions cannot say are
 * added here, soundly: what the analysis knows of the scalars' values (a
 * prefix to both windows that changes no value they can hold), the variable
 * part of packet and map value pointers (the prefix adds it from a scratch
 * register, search_var_ptrs()), and that a register the solver cannot read
 * and neither window writes is the same after both (not compared, where the
 * solver would give up).  search_check_rewrite() is the one place that does
 * this, for the search and for a driver that re-checks its results.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/search_internal.h"

/* ---- windows ---- */

static bool is_barrier(const struct bpf_insn *in)
{
	if (search_insn_is_nop(in))
		return false;
	if (prog_insn_is_jump(in) || prog_insn_is_call(in) || prog_insn_is_exit(in) ||
	    prog_insn_is_ldimm64(in) || BPF_CLASS(in->code) == BPF_LD)
		return true;
	return !sx_insn_searchable(in);
}

/*
 * Per instruction (and the end, p->len), the first and last instruction that
 * jumps to it (lo > hi: none); a subprogram start counts as entered from
 * everywhere.  0, or -ENOMEM with both NULL.
 */
static int jump_sources(const struct prog *p, uint32_t **lop, uint32_t **hip)
{
	uint32_t *lo = malloc((p->len + 1) * sizeof(*lo)), *hi = malloc((p->len + 1) * sizeof(*hi));
	uint32_t i;

	*lop = lo;
	*hip = hi;
	if (!lo || !hi) {
		free(lo);
		free(hi);
		*lop = *hip = NULL;
		return -ENOMEM;
	}
	for (i = 0; i <= p->len; i++) {
		lo[i] = UINT32_MAX;
		hi[i] = 0;
	}
	for (i = 0; i < p->nsubprogs; i++)
		if (p->subprogs[i].start < p->len) {
			lo[p->subprogs[i].start] = 0;
			hi[p->subprogs[i].start] = UINT32_MAX;
		}
	for (i = 0; i < p->len; i++) {
		const struct bpf_insn *in = &p->insns[i];
		int64_t t;

		if (prog_insn_is_ldimm64(in)) {
			i++;
			continue;
		}
		if (!prog_insn_is_jump(in) || search_insn_is_nop(in))
			continue;
		t = prog_jump_target(p->insns, i);
		if (t < 0 || t > p->len)
			continue;
		if (i < lo[t])
			lo[t] = i;
		if (i > hi[t])
			hi[t] = i;
	}
	return 0;
}

/*
 * Instructions something other than the previous instruction may reach:
 * targets of jumps (ja +0 aside: its target is its successor) and subprogram
 * starts.  A bitmap of p->len bits; NULL on ENOMEM.
 */
static uint64_t *entry_points(const struct prog *p)
{
	uint64_t *m = calloc(p->len / 64 + 1, sizeof(*m));
	uint32_t *lo, *hi, t;

	if (!m || jump_sources(p, &lo, &hi)) {
		free(m);
		return NULL;
	}
	for (t = 0; t < p->len; t++)
		if (lo[t] <= hi[t])
			m[t / 64] |= 1ULL << (t % 64);
	free(lo);
	free(hi);
	return m;
}

static bool bit(const uint64_t *m, uint32_t i)
{
	return (m[i / 64] >> (i % 64)) & 1;
}

/* Whether instruction @x is entered only by falling through or by jumps from [@s, @x). */
static bool entered_inside(const uint32_t *lo, const uint32_t *hi, uint32_t s, uint32_t x)
{
	return lo[x] > hi[x] || (lo[x] >= s && hi[x] < x);
}

bool search_is_tail(const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code);

	if (cls != BPF_JMP && cls != BPF_JMP32)
		return false;
	switch (BPF_OP(in->code)) {
	case BPF_JEQ:
	case BPF_JNE:
	case BPF_JSET:
	case BPF_JGT:
	case BPF_JGE:
	case BPF_JLT:
	case BPF_JLE:
	case BPF_JSGT:
	case BPF_JSGE:
	case BPF_JSLT:
	case BPF_JSLE:
		return true;
	}
	return false;
}

/*
 * Whether @p's instruction @i can end a window as its tail: a conditional
 * jump that compares scalars (the analysis says so).  Pointer comparisons --
 * NULL checks, packet bounds checks -- are what the verifier learns from;
 * they stay as they are.
 */
static bool tail_ok(const struct prog *p, const struct analysis *a, uint32_t i)
{
	const struct bpf_insn *in = &p->insns[i];
	struct analysis_reg d, s;

	if (!search_is_tail(in) || !analysis_reachable(a, i) ||
	    analysis_reg(a, i, in->dst_reg, &d) || analysis_reg(a, i, in->src_reg, &s))
		return false;
	return d.type == ANALYSIS_SCALAR &&
	       (BPF_SRC(in->code) == BPF_K || s.type == ANALYSIS_SCALAR);
}

/*
 * Whether @p's instruction @i is a memory access no window can prove: one
 * through a register the solver does not model as a pointer (a socket, a
 * lookup's result before its NULL check, a stack or ctx pointer at a
 * variable offset, a map the solver does not know) -- the original faults
 * on every test state there -- or a fill of a spilled pointer, which
 * reaches the window as a plain number.  Windows stop before such an
 * instruction and start after it: the code around it can still be proven,
 * the filled pointer typed at the next window's entry.
 */
static bool unmodelled_access(const struct prog *p, const struct analysis *a, uint32_t i)
{
	const struct bpf_insn *in = &p->insns[i];
	uint8_t cls = BPF_CLASS(in->code);
	struct analysis_slot sl;
	struct analysis_reg b;
	bool var;

	if ((cls != BPF_LDX && cls != BPF_ST && cls != BPF_STX) || BPF_MODE(in->code) != BPF_MEM ||
	    analysis_reg(a, i, cls == BPF_LDX ? in->src_reg : in->dst_reg, &b))
		return false;
	var = b.s.mask || b.s.value;
	switch (b.type) {
	case ANALYSIS_CTX:
		return var;
	case ANALYSIS_STACK: {
		int64_t off = (int64_t)b.off + in->off;

		if (var || off >= 0 || off < -ANALYSIS_STACK_SIZE)
			return true;
		if (cls != BPF_LDX || BPF_SIZE(in->code) != BPF_DW || off % 8 ||
		    analysis_slot(a, i, (unsigned int)((-off - 1) / 8), &sl))
			return false;
		return sl.spilled && sl.reg.type != ANALYSIS_SCALAR &&
		       sl.reg.type != ANALYSIS_NOT_INIT;
	}
	case ANALYSIS_PKT:
		return false; /* a variable part may be modelled (search_var_ptrs()) */
	case ANALYSIS_MAP_VALUE:
		return b.map < 0 || b.map >= SMT_MAX_MAPS;
	default:
		return true;
	}
}

/* Whether @p's [s, e) has an instruction that is not a NOP. */
static bool has_real(const struct prog *p, uint32_t s, uint32_t e)
{
	for (; s < e; s++)
		if (!search_insn_is_nop(&p->insns[s]))
			return true;
	return false;
}

/* Straight-line code a window may hold. */
static bool plain(const struct prog *p, const struct analysis *a, uint32_t i)
{
	return analysis_reachable(a, i) && !is_barrier(&p->insns[i]) && !unmodelled_access(p, a, i);
}

/* A jump a window may hold before its end: forward, `ja` or one comparing scalars. */
static bool inner_ok(const struct prog *p, const struct analysis *a, uint32_t i)
{
	const struct bpf_insn *in = &p->insns[i];

	if (!search_is_inner_jump(in) || in->off <= 0 || !analysis_reachable(a, i))
		return false;
	return in->code == (BPF_JMP | BPF_JA) || tail_ok(p, a, i);
}

/*
 * The region around @p's forward jump @j: a window of at most @maxlen that
 * holds the jump and as much as fits after it, with up to three
 * instructions before it, entered only at its start.  Its jumps land inside,
 * at its end, or past it at up to SMT_MAX_WEXITS - 1 places (its ways out).
 * 0 if there is none.
 */
static uint32_t region_at(const struct prog *p, const struct analysis *a, const uint32_t *lo,
			  const uint32_t *hi, uint32_t j, uint32_t maxlen, uint32_t *start)
{
	uint32_t s = j, e, need, k;

	if (!inner_ok(p, a, j))
		return 0;
	need = (uint32_t)prog_jump_target(p->insns, j);
	if (need - j >= maxlen)
		need = j + 1; /* it leads out */
	while (s > 0 && j - (s - 1) <= 3 && need - (s - 1) <= maxlen && plain(p, a, s - 1) &&
	       entered_inside(lo, hi, s - 1, s))
		s--;
	for (e = j + 1; e < p->len && e - s < maxlen && entered_inside(lo, hi, s, e); e++)
		if (!plain(p, a, e) && !inner_ok(p, a, e))
			break;
	for (;;) {
		/* it ends in straight-line code (a final jump would be a tail) */
		while (e > j + 1 && search_is_inner_jump(&p->insns[e - 1]))
			e--;
		if (e <= j + 1)
			return 0;
		if (search_exits(p->insns + s, e - s, NULL) >= 0)
			break;
		e--; /* too many ways out */
	}
	/* every way out leads somewhere in the program */
	for (k = s; k < e; k++)
		if (search_is_inner_jump(&p->insns[k]) &&
		    prog_jump_target(p->insns, k) >= (int64_t)p->len)
			return 0;
	*start = s;
	return e - s;
}

size_t search_windows(const struct prog *p, const struct analysis *a, uint32_t maxlen,
		      struct search_window *out, size_t max)
{
	uint64_t *entry = entry_points(p);
	uint32_t i = 0, s, e, w, step;
	size_t n = 0;
	bool tail;

	if (!entry)
		return 0;
	if (!maxlen || maxlen > SEARCH_MAX_WINDOW)
		maxlen = SEARCH_MAX_WINDOW;
	step = maxlen > 1 ? maxlen / 2 : 1;
	while (i < p->len) {
		if (!analysis_reachable(a, i) || is_barrier(&p->insns[i]) ||
		    unmodelled_access(p, a, i)) {
			i += prog_insn_is_ldimm64(&p->insns[i]) ? 2 : 1;
			continue;
		}
		s = i;
		for (e = i + 1; e < p->len && !bit(entry, e) && analysis_reachable(a, e) &&
				!is_barrier(&p->insns[e]) && !unmodelled_access(p, a, e);
		     e++)
			;
		i = e;
		/* the conditional jump that ends the block, as the last piece's tail */
		tail = maxlen > 1 && e < p->len && !bit(entry, e) && tail_ok(p, a, e);
		for (w = s; w < e; w += step) {
			uint32_t len = e - w < maxlen ? e - w : maxlen;
			bool last = w + len == e;

			if (last && tail && len < maxlen)
				len++;
			if (has_real(p, w, w + len < e ? w + len : e)) {
				if (n < max)
					out[n] = (struct search_window){.start = w, .len = len};
				n++;
			}
			if (!last)
				continue;
			if (tail && len == maxlen && w + len == e && has_real(p, e + 1 - maxlen, e)) {
				/* no room in the last piece: one more, ending in the jump */
				if (n < max)
					out[n] = (struct search_window){.start = e + 1 - maxlen,
									.len = maxlen};
				n++;
			}
			break;
		}
	}
	free(entry);
	return n;
}

size_t search_regions(const struct prog *p, const struct analysis *a, uint32_t maxlen,
		      struct search_window *out, size_t max)
{
	uint32_t i, *lo, *hi;
	size_t n = 0;

	if (!maxlen || maxlen > SEARCH_MAX_WINDOW)
		maxlen = SEARCH_MAX_WINDOW;
	if (maxlen < 3 || jump_sources(p, &lo, &hi))
		return 0;
	for (i = 0; i < p->len; i++) {
		uint32_t rs, rl = region_at(p, a, lo, hi, i, maxlen, &rs);

		/*
		 * In program order: a region starts after the jump before its
		 * own (extending backwards stops at jumps)
		 */
		if (!rl || (n && n <= max && out[n - 1].start == rs && out[n - 1].len == rl))
			continue;
		if (n < max)
			out[n] = (struct search_window){.start = rs, .len = rl};
		n++;
	}
	free(lo);
	free(hi);
	return n;
}

int search_exits(const struct bpf_insn *w, uint32_t len, uint16_t ids[SMT_MAX_WEXITS])
{
	uint16_t got[SMT_MAX_WEXITS] = {0};
	uint32_t i, n = 1, k;

	for (i = 0; i < len; i++) {
		int64_t t = (int64_t)i + 1 + w[i].off;

		if (search_insn_is_nop(&w[i]) || !search_is_inner_jump(&w[i]) ||
		    t <= (int64_t)len || (i + 1 == len && search_is_tail(&w[i])))
			continue;
		if (t - (int64_t)len > UINT16_MAX)
			return -1;
		for (k = 1; k < n && got[k] != (uint16_t)(t - (int64_t)len); k++)
			;
		if (k < n)
			continue;
		if (n == SMT_MAX_WEXITS)
			return -1;
		got[n++] = (uint16_t)(t - (int64_t)len);
	}
	if (ids)
		memcpy(ids, got, sizeof(got));
	return n > 1 ? (int)n : 0;
}

/*
 * 0 if [start, start + len) is a window of @p, else -ENOENT / -EINVAL:
 * straight-line code entered only at @start, with forward jumps inside to
 * an instruction of it or its end, and maybe a final conditional jump on
 * scalars (a tail) that leads out.
 */
static int window_ok(const struct prog *p, const struct analysis *a, uint32_t start,
		     uint32_t len)
{
	uint32_t i, *lo, *hi, end;
	bool tail;
	int err = 0;

	if (!len || len > SEARCH_MAX_WINDOW || start >= p->len || len > p->len - start)
		return -EINVAL;
	if (!analysis_reachable(a, start))
		return -ENOENT;
	if (jump_sources(p, &lo, &hi))
		return -ENOMEM;
	/*
	 * Where jumps inside may go: the end, or a tail (which leads out); past
	 * the end, a few places (ways out, search_exits()), in a window with
	 * no tail.
	 */
	tail = len > 1 && tail_ok(p, a, start + len - 1);
	end = start + len - (tail ? 1 : 0);
	for (i = start; i < start + len && !err; i++) {
		bool last = i + 1 == start + len;

		if (!analysis_reachable(a, i) || (i > start && !entered_inside(lo, hi, start, i)))
			err = -EINVAL;
		else if (last && tail)
			continue;
		else if (!last && search_is_inner_jump(&p->insns[i]))
			err = inner_ok(p, a, i) && (!tail || prog_jump_target(p->insns, i) <= end)
				      ? 0
				      : -EINVAL;
		else if (is_barrier(&p->insns[i]))
			err = -EINVAL;
	}
	if (!err && !tail && search_exits(p->insns + start, len, NULL) < 0)
		err = -EINVAL;
	free(lo);
	free(hi);
	return err;
}

bool search_is_inner_jump(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_JA) ? in->off != 0 : search_is_tail(in);
}

/*
 * Registers some path through @w[0..n) reads before writing.  Jumps inside
 * go forward (to n at most: the end); a register is written for sure at an
 * instruction when every path there writes it.
 */
uint16_t search_reads_first(const struct bpf_insn *w, uint32_t n)
{
	uint16_t rd = 0, dw[SEARCH_MAX_WINDOW + SEARCH_PREFIX_MAX + SEARCH_DECISION_MAX + 2];
	bool seen[SEARCH_MAX_WINDOW + SEARCH_PREFIX_MAX + SEARCH_DECISION_MAX + 2];
	uint32_t i;

	if (n + 1 > sizeof(dw) / sizeof(dw[0]))
		n = sizeof(dw) / sizeof(dw[0]) - 1;
	for (i = 0; i <= n; i++) {
		dw[i] = 0xffff;
		seen[i] = false;
	}
	dw[0] = 0;
	seen[0] = true;
	for (i = 0; i < n; i++) {
		const struct bpf_insn *in = &w[i];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		uint16_t r = 0, d = 0, out;
		bool fall = true;

		if (!seen[i])
			continue; /* no path gets here */
		if (search_insn_is_nop(in)) {
			/* a NOP */
		} else if (cls == BPF_ALU || cls == BPF_ALU64) {
			if (BPF_SRC(in->code) == BPF_X && op != BPF_END && op != BPF_NEG)
				r |= 1u << in->src_reg;
			if (op != BPF_MOV)
				r |= 1u << in->dst_reg;
			d = 1u << in->dst_reg;
		} else if (cls == BPF_LDX) {
			r = 1u << in->src_reg;
			d = 1u << in->dst_reg;
		} else if (cls == BPF_ST) {
			r = 1u << in->dst_reg;
		} else if (cls == BPF_STX) {
			r = (1u << in->dst_reg) | (1u << in->src_reg);
		} else if (search_is_tail(in)) {
			r = 1u << in->dst_reg;
			if (BPF_SRC(in->code) == BPF_X)
				r |= 1u << in->src_reg;
		}
		rd |= r & ~dw[i];
		out = dw[i] | d;
		if (!search_insn_is_nop(in) && search_is_inner_jump(in)) {
			int64_t t = (int64_t)i + 1 + in->off;

			if (t > (int64_t)i && t <= (int64_t)n) {
				dw[t] &= out;
				seen[t] = true;
			}
			fall = in->code != (BPF_JMP | BPF_JA);
		}
		if (fall) {
			dw[i + 1] &= out;
			seen[i + 1] = true;
		}
	}
	return rd;
}

static bool fits_imm32(uint64_t v)
{
	return (int64_t)v == (int64_t)(int32_t)v;
}

uint16_t search_var_ptrs(const struct analysis_state *as, uint16_t want, uint16_t live,
			 uint8_t scratch[11])
{
	uint16_t vars = 0, used = 0;
	uint32_t n = 0, p, k;

	memset(scratch, 0xff, 11);
	for (p = 0; p < 10 && n < SEARCH_VAR_MAX; p++) {
		const struct analysis_reg *x = &as->regs[p];

		if (!((want >> p) & 1) ||
		    (x->type != ANALYSIS_PKT &&
		     !(x->type == ANALYSIS_MAP_VALUE && x->map >= 0 && x->map < SMT_MAX_MAPS)))
			continue;
		/* known bits as `&= mask; |= value` of positive immediates, or none known */
		if ((!x->s.mask && !x->s.value) ||
		    (x->s.mask != ~0ULL && (!fits_imm32(x->s.mask) || (int32_t)x->s.mask < 0)) ||
		    !fits_imm32(x->s.value) || (int32_t)x->s.value < 0)
			continue;
		for (k = 0; k < 10; k++)
			if (as->regs[k].type == ANALYSIS_NOT_INIT && !(((used | live) >> k) & 1))
				break;
		if (k == 10)
			break;
		used |= 1u << k;
		vars |= 1u << p;
		scratch[p] = (uint8_t)k;
		n++;
	}
	return vars;
}

int search_window_cond(const struct prog *p, const struct analysis *a, uint32_t start,
		       uint32_t len, struct smt_window_cond *c)
{
	struct analysis_state st;
	uint32_t last = start + len - 1;
	uint16_t vars, ids[SMT_MAX_WEXITS];
	uint8_t scratch[11];
	int r, off, err, nx, k;

	memset(c, 0, sizeof(*c));
	err = window_ok(p, a, start, len);
	if (err)
		return err;
	err = analysis_state(a, start, &st);
	if (err)
		return err;
	for (r = 0; r < 11; r++) {
		const struct analysis_reg *x = &st.regs[r];
		/* the solver models pointers at a constant offset only */
		bool fixed = x->s.mask == 0 && x->s.value == 0;
		struct smt_reg_desc *d = &c->regs[r];

		d->off = x->off;
		switch (x->type) {
		case ANALYSIS_SCALAR:
			d->type = x->s.umax <= 0xffffffffULL ? SMT_REG_SCALAR32 : SMT_REG_SCALAR;
			d->off = 0;
			break;
		case ANALYSIS_CTX:
			d->type = fixed ? SMT_REG_CTX : SMT_REG_NONE;
			break;
		case ANALYSIS_STACK:
			/* inside this frame only: the solver knows no other */
			d->type = fixed && x->off <= 0 && x->off >= -ANALYSIS_STACK_SIZE
					  ? SMT_REG_STACK
					  : SMT_REG_NONE;
			break;
		case ANALYSIS_PKT:
			d->type = fixed ? SMT_REG_PKT : SMT_REG_NONE;
			break;
		case ANALYSIS_PKT_END:
			d->type = SMT_REG_PKT_END;
			d->off = 0;
			break;
		case ANALYSIS_MAP_VALUE:
			d->type = fixed && x->map >= 0 && x->map < SMT_MAX_MAPS ? SMT_REG_MAP_VALUE
										: SMT_REG_NONE;
			d->map = (uint8_t)(x->map >= 0 ? x->map : 0);
			break;
		default:
			d->type = SMT_REG_NONE;
		}
		/*
		 * An initialized register the solver cannot model as a pointer
		 * (a variable offset, a map pointer, a lookup's result before its
		 * NULL check, ...) is still a 64-bit value: as a scalar, moves,
		 * spills and arithmetic of it are modelled exactly, and an access
		 * through it the solver refuses (UNKNOWN: no proof).  What the
		 * verifier allows to be done with it is core/safety's business.
		 */
		if (d->type == SMT_REG_NONE && x->type != ANALYSIS_NOT_INIT)
			d->type = SMT_REG_SCALAR;
		if (d->type == SMT_REG_NONE || d->type == SMT_REG_SCALAR)
			d->off = 0;
	}
	c->live_regs = analysis_live_out(a, last);
	nx = search_exits(p->insns + start, len, ids);
	if (nx < 0)
		return -EINVAL;
	for (k = 0; k < nx; k++) {
		uint32_t t = start + len + ids[k];

		if (t >= p->len)
			return -EINVAL;
		c->exit_id[k] = ids[k];
		c->exit_live[k] = k ? analysis_live_in(a, t) : c->live_regs;
	}
	c->nexits = (uint8_t)nx;
	for (k = 1; k < nx; k++)
		c->live_regs |= c->exit_live[k];
	vars = search_var_ptrs(&st, search_reads_first(p->insns + start, len),
			       c->live_regs & ~search_writes(p->insns + start, len), scratch);
	for (r = 0; r < 11; r++) {
		if (!((vars >> r) & 1))
			continue;
		c->regs[r].type = st.regs[r].type == ANALYSIS_PKT ? SMT_REG_PKT : SMT_REG_MAP_VALUE;
		c->regs[r].map = (uint8_t)(st.regs[r].type == ANALYSIS_PKT ? 0 : st.regs[r].map);
		c->regs[r].off = st.regs[r].off;
		c->regs[scratch[r]] = (struct smt_reg_desc){.type = SMT_REG_SCALAR};
	}
	/*
	 * The solver puts every pointer into map m at one element of it: two
	 * registers into the same map (two lookups) would alias there when
	 * they need not in the kernel, and a store through one would be seen
	 * by a load through the other.  One stays a map value -- the first
	 * the window reads, else the first -- and the others are opaque
	 * (accesses through them unprovable): a copy of a lookup's result
	 * made before its NULL check is often the one the window uses.
	 */
	{
		uint16_t reads = search_reads_first(p->insns + start, len), keep = 0;
		int pass, q;

		for (pass = 0; pass < 2; pass++)
			for (r = 0; r < 11; r++) {
				if (c->regs[r].type != SMT_REG_MAP_VALUE ||
				    (!pass && !((reads >> r) & 1)))
					continue;
				for (q = 0; q < 11; q++)
					if (((keep >> q) & 1) && c->regs[q].map == c->regs[r].map)
						break;
				if (q == 11)
					keep |= 1u << r;
			}
		for (r = 0; r < 11; r++)
			if (c->regs[r].type == SMT_REG_MAP_VALUE && !((keep >> r) & 1))
				c->regs[r] = (struct smt_reg_desc){.type = SMT_REG_SCALAR};
	}
	for (off = -512; off < 0; off++) {
		bool live = analysis_stack_live_out(a, last, off);

		for (k = 1; k < nx && !live; k++)
			live = analysis_stack_live_in(a, start + len + ids[k], off);
		if (live)
			c->live_stack[(off + 512) / 8] |= 1 << ((off + 512) % 8);
	}
	return 0;
}

/* ---- what the solver does not know ---- */

uint32_t search_window_prefix(const struct analysis_state *as, const struct smt_window_cond *c,
			      uint16_t regs, uint16_t var_want, uint16_t scratch_live,
			      struct bpf_insn *out)
{
	uint8_t scratch[11];
	uint32_t n = 0, i;
	uint16_t vars;

	for (i = 0; i < 10; i++) {
		const struct analysis_scalar *x = &as->regs[i].s;
		bool is32 = c->regs[i].type == SMT_REG_SCALAR32;
		uint8_t cls = is32 ? BPF_ALU : BPF_ALU64;
		uint64_t m = x->mask, v = x->value;

		if (!((regs >> i) & 1) || as->regs[i].type != ANALYSIS_SCALAR ||
		    (c->regs[i].type != SMT_REG_SCALAR && !is32))
			continue;
		if (is32) {
			/* the upper half is zero already: only the low one can tell more */
			m &= 0xffffffff;
			v &= 0xffffffff;
			if (m == 0xffffffff)
				continue;
		} else if (m == ~0ULL) {
			continue;
		}
		if (!m) {
			if (fits_imm32(v) || is32) {
				out[n++] = (struct bpf_insn){.code = cls | BPF_MOV | BPF_K,
							     .dst_reg = i,
							     .imm = (int32_t)v};
			} else {
				out[n++] = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW,
							     .dst_reg = i,
							     .imm = (int32_t)v};
				out[n++] = (struct bpf_insn){.imm = (int32_t)(v >> 32)};
			}
			continue;
		}
		/* x & ~m == v: x = (x & m) | v changes no value the register can hold */
		if (!is32 && (!fits_imm32(m) || !fits_imm32(v)))
			continue;
		out[n++] = (struct bpf_insn){
			.code = cls | BPF_AND | BPF_K, .dst_reg = i, .imm = (int32_t)m};
		if (v)
			out[n++] = (struct bpf_insn){
				.code = cls | BPF_OR | BPF_K, .dst_reg = i, .imm = (int32_t)v};
	}
	vars = search_var_ptrs(as, var_want, scratch_live, scratch);
	for (i = 0; i < 10; i++) {
		const struct analysis_scalar *x = &as->regs[i].s;
		uint8_t sr = scratch[i];

		if (!((vars >> i) & 1))
			continue;
		if (x->mask != ~0ULL)
			out[n++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_AND | BPF_K,
						     .dst_reg = sr,
						     .imm = (int32_t)x->mask};
		if (x->value)
			out[n++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_OR | BPF_K,
						     .dst_reg = sr,
						     .imm = (int32_t)x->value};
		out[n++] = (struct bpf_insn){
			.code = BPF_ALU64 | BPF_ADD | BPF_X, .dst_reg = i, .src_reg = sr};
	}
	return n;
}

/* ---- proofs ---- */

uint16_t search_writes(const struct bpf_insn *w, uint32_t n)
{
	uint16_t wr = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t cls = BPF_CLASS(w[i].code);

		if (search_insn_is_nop(&w[i]))
			continue;
		if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX ||
		    prog_insn_is_ldimm64(&w[i]))
			wr |= 1u << w[i].dst_reg;
	}
	return wr;
}

#define ALU_X(cls, o, d, s_)                                                                        \
	((struct bpf_insn){.code = (cls) | (o) | BPF_X, .dst_reg = (d), .src_reg = (s_)})
#define ALU_K(cls, o, d, k) ((struct bpf_insn){.code = (cls) | (o) | BPF_K, .dst_reg = (d), .imm = (k)})

/* rX = (rX <s rY) as 1 or 0, with rU as well: the sign of the difference, overflow undone. */
static uint32_t signed_less(uint8_t x, uint8_t y, uint8_t u, struct bpf_insn *out)
{
	uint32_t n = 0;

	out[n++] = ALU_X(BPF_ALU64, BPF_MOV, u, x);
	out[n++] = ALU_X(BPF_ALU64, BPF_SUB, u, y); /* d = x - y */
	out[n++] = ALU_X(BPF_ALU64, BPF_XOR, y, x); /* x ^ y */
	out[n++] = ALU_X(BPF_ALU64, BPF_XOR, x, u); /* x ^ d */
	out[n++] = ALU_X(BPF_ALU64, BPF_AND, x, y); /* overflow, in the sign bit */
	out[n++] = ALU_X(BPF_ALU64, BPF_XOR, x, u);
	out[n++] = ALU_K(BPF_ALU64, BPF_RSH, x, 63);
	return n;
}

uint32_t search_tail_decision(const struct bpf_insn *j, const uint8_t scratch[3],
			      struct bpf_insn *out)
{
	uint8_t cls = BPF_CLASS(j->code) == BPF_JMP32 ? BPF_ALU : BPF_ALU64, op = BPF_OP(j->code);
	uint8_t S = scratch[0], T = scratch[1], U = scratch[2], x = S, y = T;
	bool sgn = op == BPF_JSGT || op == BPF_JSGE || op == BPF_JSLT || op == BPF_JSLE;
	bool invert = op == BPF_JEQ || op == BPF_JGE || op == BPF_JLE || op == BPF_JSGE ||
		      op == BPF_JSLE;
	uint32_t n = 0;

	/* rS = a, rT = b, as the jump sees them (JMP32: the low halves) */
	out[n++] = ALU_X(cls, BPF_MOV, S, j->dst_reg);
	if (BPF_SRC(j->code) == BPF_X)
		out[n++] = ALU_X(cls, BPF_MOV, T, j->src_reg);
	else
		out[n++] = ALU_K(cls, BPF_MOV, T, j->imm);
	if (cls == BPF_ALU && sgn) {
		out[n++] = ALU_K(BPF_ALU64, BPF_LSH, S, 32);
		out[n++] = ALU_K(BPF_ALU64, BPF_ARSH, S, 32);
		out[n++] = ALU_K(BPF_ALU64, BPF_LSH, T, 32);
		out[n++] = ALU_K(BPF_ALU64, BPF_ARSH, T, 32);
	}
	switch (op) {
	case BPF_JEQ:
	case BPF_JNE:
	case BPF_JSET:
		/* rS = (a ^ b) or (a & b), then rS != 0 as 1 or 0: the sign of rS | -rS */
		out[n++] = ALU_X(BPF_ALU64, op == BPF_JSET ? BPF_AND : BPF_XOR, S, T);
		out[n++] = ALU_X(BPF_ALU64, BPF_MOV, T, S);
		out[n++] = ALU_K(BPF_ALU64, BPF_NEG, T, 0);
		out[n++] = ALU_X(BPF_ALU64, BPF_OR, S, T);
		out[n++] = ALU_K(BPF_ALU64, BPF_RSH, S, 63);
		break;
	default:
		if (!sgn) {
			/* unsigned order is signed order with the sign bits flipped */
			out[n++] = ALU_K(BPF_ALU64, BPF_MOV, U, 1);
			out[n++] = ALU_K(BPF_ALU64, BPF_LSH, U, 63);
			out[n++] = ALU_X(BPF_ALU64, BPF_XOR, S, U);
			out[n++] = ALU_X(BPF_ALU64, BPF_XOR, T, U);
		}
		/* a > b is b < a, a >= b is !(a < b), a <= b is !(b < a) */
		if (op == BPF_JGT || op == BPF_JSGT || op == BPF_JLE || op == BPF_JSLE) {
			x = T;
			y = S;
		}
		n += signed_less(x, y, U, out + n);
		if (x != S)
			out[n++] = ALU_X(BPF_ALU64, BPF_MOV, S, x);
	}
	if (invert)
		out[n++] = ALU_K(BPF_ALU64, BPF_XOR, S, 1);
	return n;
}

/* Registers @w[0..@n) names. */
static uint16_t mentions(const struct bpf_insn *w, uint32_t n)
{
	uint16_t m = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t cls = BPF_CLASS(w[i].code);

		if (search_insn_is_nop(&w[i]))
			continue;
		m |= 1u << w[i].dst_reg;
		if (cls == BPF_LDX || cls == BPF_STX ||
		    (cls != BPF_LD && cls != BPF_ST && BPF_SRC(w[i].code) == BPF_X))
			m |= 1u << w[i].src_reg;
	}
	return m;
}

uint32_t search_strip(const struct bpf_insn *w, uint32_t len, struct bpf_insn *out)
{
	uint32_t i, n = 0, at[SEARCH_MAX_WINDOW + 1];

	/* at[i]: where w[i] (or what follows it) lands; len at most a window's */
	for (i = 0; i < len; i++) {
		if (i <= SEARCH_MAX_WINDOW)
			at[i] = n;
		if (!search_insn_is_nop(&w[i]))
			out[n++] = w[i];
	}
	if (len <= SEARCH_MAX_WINDOW)
		at[len] = n;
	/*
	 * Jumps inside keep their targets; a tail's leads out and stays; one
	 * past the end keeps its way out (search_exits()): n + (t - len).
	 */
	for (i = 0; i < len && len <= SEARCH_MAX_WINDOW; i++) {
		int64_t t = (int64_t)i + 1 + w[i].off;

		if (search_insn_is_nop(&w[i]) || !search_is_inner_jump(&w[i]) || t <= (int64_t)i ||
		    (i + 1 == len && search_is_tail(&w[i])))
			continue;
		if (t > (int64_t)len)
			out[at[i]].off = (int16_t)((int64_t)n + (t - (int64_t)len) - at[i] - 1);
		else
			out[at[i]].off = (int16_t)(at[t] - at[i] - 1);
	}
	return n;
}

/* Whether jump @in at window index @i may go where it does: inside, the end, or a way out of @c. */
static bool jump_ok(const struct smt_window_cond *c, const struct bpf_insn *in, uint32_t i,
		    uint32_t body, uint32_t len, bool tail)
{
	int64_t t = (int64_t)i + 1 + in->off;
	uint32_t k;

	if (!search_is_inner_jump(in))
		return true;
	if (in->off < 0)
		return false;
	if (t <= (int64_t)body)
		return true;
	if (tail || t <= (int64_t)len)
		return false;
	for (k = 1; k < c->nexits && k < SMT_MAX_WEXITS; k++)
		if (c->exit_id[k] == t - (int64_t)len)
			return true;
	return false;
}

/*
 * The ways out of stripped window @w[0..@n) (its jumps past the end go to
 * way t - n, search_strip()) as one end, where r@x holds the way taken:
 * `rX = 0; ja end`, then per way k `rX = id; ja end` (the last without
 * the ja), and the jumps re-aimed at them.  Returns the new length.
 */
static uint32_t join_ways_out(struct bpf_insn *w, uint32_t n, const struct smt_window_cond *c,
			      uint8_t x)
{
	uint32_t at[SMT_MAX_WEXITS], ja[SMT_MAX_WEXITS], nja = 0, m = n, i, k;

	for (k = 0; k < c->nexits; k++) {
		at[k] = m;
		w[m++] = ALU_K(BPF_ALU64, BPF_MOV, x, c->exit_id[k]);
		if (k + 1 < c->nexits) {
			ja[nja++] = m;
			w[m++] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
		}
	}
	for (k = 0; k < nja; k++)
		w[ja[k]].off = (int16_t)(m - ja[k] - 1);
	for (i = 0; i < n; i++) {
		int64_t t = (int64_t)i + 1 + w[i].off;

		if (!search_is_inner_jump(&w[i]) || t <= (int64_t)n)
			continue;
		for (k = 1; k < c->nexits && c->exit_id[k] != t - (int64_t)n; k++)
			;
		/* jump_ok() saw to it that there is one */
		w[i].off = (int16_t)(at[k < c->nexits ? k : 0] - i - 1);
	}
	return m;
}

int search_check_rewrite(struct smt_ctx *smt, const struct smt_env *env,
			 const struct analysis_state *as, const struct smt_window_cond *cond,
			 const struct bpf_insn *orig, const struct bpf_insn *rw, uint32_t len,
			 struct smt_result *res)
{
	struct bpf_insn a[SEARCH_MAX_WINDOW + 2 * SMT_MAX_WEXITS + 1];
	struct bpf_insn b[SEARCH_MAX_WINDOW + 2 * SMT_MAX_WEXITS + 1];
	struct bpf_insn pa[SEARCH_PREFIX_MAX + SEARCH_MAX_WINDOW + SEARCH_DECISION_MAX + 2 * SMT_MAX_WEXITS];
	struct bpf_insn pb[SEARCH_PREFIX_MAX + SEARCH_MAX_WINDOW + SEARCH_DECISION_MAX + 2 * SMT_MAX_WEXITS];
	struct smt_window_cond c = *cond;
	uint16_t untouched, vars, var_want, scratch_regs = 0, busy, scratch_live;
	uint32_t na, nb, np, i, body = len, tail;
	uint8_t scratch[11], dec[3];

	memset(res, 0, sizeof(*res));
	res->verdict = SMT_UNKNOWN;
	if (!len || len > SEARCH_MAX_WINDOW)
		return -EINVAL;
	for (i = 0; i < 11; i++) {
		/* no element to point at: the solver's pre-condition would be false */
		if (cond->regs[i].type == SMT_REG_MAP_VALUE &&
		    (cond->regs[i].map >= env->nmaps || !env->maps[cond->regs[i].map].max_entries)) {
			snprintf(res->msg, sizeof(res->msg), "r%u points into a map of no elements",
				 i);
			return -EINVAL;
		}
	}
	/* a tail: the rewrite ends in a conditional jump to the same place */
	tail = search_is_tail(&orig[len - 1]);
	if (tail) {
		if (len < 2 || !search_is_tail(&rw[len - 1]) || rw[len - 1].off != orig[len - 1].off) {
			snprintf(res->msg, sizeof(res->msg), "the final jump must stay a jump there");
			return -EINVAL;
		}
		body = len - 1;
	}
	/*
	 * Jumps inside land inside, or at the end of what comes before a tail,
	 * or at one of the original's ways out
	 */
	if (tail && cond->nexits)
		return -EINVAL;
	for (i = 0; i < body; i++)
		if (!jump_ok(cond, &orig[i], i, body, len, tail) ||
		    !jump_ok(cond, &rw[i], i, body, len, tail)) {
			snprintf(res->msg, sizeof(res->msg), "insn %u: a jump out of the window", i);
			return -EINVAL;
		}
	na = search_strip(orig, body, a);
	nb = search_strip(rw, body, b);
	if (!na && !tail)
		return -EINVAL;
	if (tail) {
		a[na] = orig[len - 1];
		b[nb] = rw[len - 1];
	}
	busy = mentions(a, na + tail) | mentions(b, nb + tail);
	/* the scratch registers of variable pointers: nothing may read them first */
	var_want = search_reads_first(a, na + tail);
	scratch_live = cond->live_regs & ~search_writes(a, na);
	vars = search_var_ptrs(as, var_want, scratch_live, scratch);
	for (i = 0; i < 11; i++)
		if ((vars >> i) & 1)
			scratch_regs |= 1u << scratch[i];
	if ((var_want | search_reads_first(b, nb + tail)) & scratch_regs) {
		snprintf(res->msg, sizeof(res->msg), "reads a register not initialized at entry");
		return -EINVAL;
	}
	/* a scratch live after the window: the original writes it, so must the rewrite */
	if (scratch_regs & cond->live_regs & ~search_writes(b, nb)) {
		snprintf(res->msg, sizeof(res->msg), "leaves a live register as it was at entry");
		return -EINVAL;
	}
	if (cond->nexits) {
		/*
		 * Ways out: one end where a register dead after it whichever
		 * way says which way (the diffs compare the others where that
		 * way reads them); one neither window names if there is one.
		 */
		uint16_t free_ = ~(cond->live_regs | (1u << 10)) & 0x3ff;

		if (free_ & ~(busy | scratch_regs))
			free_ &= ~(busy | scratch_regs);

		if (!free_) {
			snprintf(res->msg, sizeof(res->msg), "no free register for the way out");
			return -ENOTSUP;
		}
		c.exit_reg = (uint8_t)__builtin_ctz(free_);
		c.live_regs |= 1u << c.exit_reg;
		i = na;
		na = join_ways_out(a, na, cond, c.exit_reg);
		c.ways_len = (uint8_t)(na - i);
		nb = join_ways_out(b, nb, cond, c.exit_reg);
	}
	/* the structural checks the verifier makes first (reserved fields, ...) */
	{
		struct bpf_insn v[sizeof(b) / sizeof(b[0]) + 1];

		memcpy(v, b, (nb + tail) * sizeof(*b));
		if (tail)
			v[nb].off = 0;
		v[nb + tail] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
		if (prog_validate(v, nb + tail + 1, res->msg, sizeof(res->msg)))
			return -EINVAL;
	}
	/*
	 * A register the solver cannot read at entry (not initialized, or a
	 * pointer it does not model) that neither window writes leaves both
	 * the same: it need not be compared, which the solver could not do.
	 */
	untouched = ~(search_writes(a, na) | search_writes(b, nb));
	for (i = 0; i < 11; i++)
		if (c.regs[i].type == SMT_REG_NONE && ((untouched >> i) & 1))
			c.live_regs &= ~(1u << i);
	if (!nb && !tail) {
		/* the solver takes no empty window: write a dead register instead */
		for (i = 0; i < 10 && ((c.live_regs >> i) & 1); i++)
			;
		if (i == 10) {
			snprintf(res->msg, sizeof(res->msg), "every register is live");
			return -ENOTSUP;
		}
		b[nb++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = i};
	}
	/*
	 * What the analysis knows of the scalars either window reads, or that
	 * are live after it (a rewrite may leave a register as it was where
	 * the original writes the value it holds already: `w7 = 0` again), and
	 * the variable parts of pointers, as a prefix to both (it changes no
	 * value they can hold at the window's entry), since the solver's
	 * pre-conditions are types only.  @cond, not @c: the scratch registers
	 * of the variable parts are chosen by its liveness.
	 */
	np = search_window_prefix(as, cond,
				  var_want | search_reads_first(b, nb + tail) | cond->live_regs,
				  var_want, scratch_live, pa);
	memcpy(pb, pa, np * sizeof(*pa));
	memcpy(pa + np, a, na * sizeof(*pa));
	memcpy(pb + np, b, nb * sizeof(*pb));
	na += np;
	nb += np;
	if (tail) {
		/*
		 * The solver takes straight-line windows: each jump's decision
		 * becomes a value (1 taken, 0 not) in a register no window
		 * names, compared after both, with the registers and stack
		 * bytes live on either way (@cond's, the jump's live-out).  A
		 * register neither window names ends both as it was after the
		 * prefix: the same, live or not, so it need not be compared and
		 * the decision may use it.
		 */
		busy |= scratch_regs | (1u << 10);
		for (i = 0, np = 0; i < 10 && np < 3; i++)
			if (!((busy >> i) & 1))
				dec[np++] = (uint8_t)i;
		if (np < 3) {
			snprintf(res->msg, sizeof(res->msg),
				 "no free registers for the final jump's decision");
			return -ENOTSUP;
		}
		na += search_tail_decision(&orig[len - 1], dec, pa + na);
		nb += search_tail_decision(&rw[len - 1], dec, pb + nb);
		c.live_regs &= ~((1u << dec[1]) | (1u << dec[2]));
		c.live_regs |= 1u << dec[0];
	}
	return smt_check_window(smt, pa, na, pb, nb, env, &c, res);
}

int search_recheck(const struct prog *p, const struct analysis *an, const struct smt_env *env,
		   struct smt_ctx *smt, uint32_t start, uint32_t len, const struct bpf_insn *rw,
		   struct smt_result *res)
{
	struct analysis_state *as = malloc(sizeof(*as));
	struct smt_window_cond c;
	int err;

	memset(res, 0, sizeof(*res));
	res->verdict = SMT_UNKNOWN;
	if (!as)
		return -ENOMEM;
	err = search_window_cond(p, an, start, len, &c);
	if (!err)
		err = analysis_state(an, start, as);
	if (!err)
		err = search_check_rewrite(smt, env, as, &c, p->insns + start, rw, len, res);
	free(as);
	return err;
}
