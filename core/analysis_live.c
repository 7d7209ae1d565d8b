// SPDX-License-Identifier: MIT
/*
 * core/analysis: backward liveness of registers and stack bytes.
 *
 * A register or stack byte is live before an instruction if some path from
 * there reads it before writing it.  The classic backward dataflow: per
 * instruction a use set and a kill set, live_in = use | (live_out & ~kill),
 * live_out = union of the successors' live_in, iterated over each
 * subprogram's blocks until nothing changes.
 *
 * What reads and writes is decided with the forward analysis' states, which
 * say where a pointer points: a load through a stack pointer with a known
 * offset reads exactly those bytes, and a store kills exactly those bytes; a
 * load through a stack pointer of unknown offset, or through something that
 * may be one (UNKNOWN), reads the whole frame, and such a store kills
 * nothing.  Helpers read their argument registers (by the helper's arity
 * where known, else all of r1-r5) and the stack bytes their pointer
 * arguments cover: map keys and values by the sizes of the map the caller
 * described, (pointer, constant size) pairs of the helpers that take them,
 * and otherwise everything from the pointer to the top of the frame.  A
 * BPF-to-BPF call reads r1-r5 and, if one of them points into our frame, the
 * whole frame.  All calls write r0 and clobber r1-r5.  exit reads r0 only:
 * the stack is not observable after the program (DESIGN.md, "Equivalence").
 *
 * Registers are tracked by halves, so that a rewrite knows when only the low
 * 32 bits of a value matter: ALU32 and JMP32 read the low halves of their
 * operands (and write whole registers: the result is zero-extended), so do
 * narrow stores of their source, movsx, and 16/32-bit byte swaps; the main
 * program's exit reads only the low half of r0 for program types run through
 * bpf_prog_run(), which returns u32 (DESIGN.md), all of it for those entered
 * through a trampoline and for subprogram returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/analysis_internal.h"

/* Register masks: bit n is the low half of rn, bit n + 16 its high half. */
#define LOW(r) (1u << (r))
#define HIGH(r) (1u << ((r) + 16))
#define FULL(r) (LOW(r) | HIGH(r))
#define ALL_ARGS (0x3eu | 0x3eu << 16) /* r1-r5 */

struct effects {
	uint32_t use, def;
	bool copy; /* a 64-bit register move: liveness flows through by halves */
	uint8_t copy_from, copy_to;
	struct analysis_stack_bits suse, skill;
	/*
	 * A helper that fills skill only when it succeeds: 1 + the index of
	 * the block successor its failure goes to (0: none).  The bytes are
	 * live before the call where they are live on that way.
	 */
	uint8_t fail_succ;
};

static void bits_set(struct analysis_stack_bits *b, int64_t lo, int64_t hi)
{
	int64_t x;

	if (lo < -ANALYSIS_STACK_SIZE)
		lo = -ANALYSIS_STACK_SIZE;
	if (hi > 0)
		hi = 0;
	for (x = lo; x < hi; x++) {
		unsigned int k = (unsigned int)(x + ANALYSIS_STACK_SIZE);

		b->w[k / 64] |= 1ull << (k % 64);
	}
}

static bool bits_test(const struct analysis_stack_bits *b, int off)
{
	unsigned int k;

	if (off < -ANALYSIS_STACK_SIZE || off >= 0)
		return false;
	k = (unsigned int)(off + ANALYSIS_STACK_SIZE);
	return b->w[k / 64] >> (k % 64) & 1;
}

/* How many argument registers a helper reads; 5 when we do not know. */
static unsigned int helper_nargs(int32_t id)
{
	switch (id) {
	case 5:
	case 7:
	case 8:
	case 14:
	case 15:
	case 35:
	case 125: /* no arguments */
		return 0;
	case 1:
	case 3:
	case 16:
	case 23:
	case 44:
	case 54:
	case 65:
	case 88:
	case 89:
	case 132:
	case 133:
		return 2;
	case 4:
	case 12:
	case 13:
	case 51:
	case 87:
	case 112:
	case 113:
	case 131:
	case 195:
		return 3;
	case 2:
	case 26:
	case 69:
	case 130:
	case 189:
	case 190:
		return 4;
	}
	return 5;
}

/* Helpers with (pointer, size) argument pairs: the argument index of the pointer. */
static bool helper_ptr_size(int32_t id, unsigned int arg)
{
	switch (id) {
	case 4:
	case 16:
	case 112:
	case 113: /* probe_read*(dst, size, ...), get_current_comm */
		return arg == 1;
	case 6: /* trace_printk(fmt, size, ...) */
		return arg == 1;
	case 9:
	case 26:
	case 189:
	case 190: /* skb/xdp load/store bytes(ctx, off, buf, len) */
		return arg == 3;
	case 25: /* perf_event_output(ctx, map, flags, data, size) */
		return arg == 4;
	case 28: /* csum_diff(from, from_size, to, to_size, seed) */
		return arg == 1 || arg == 3;
	case 69:
	case 130: /* fib_lookup(ctx, params, plen, ..), ringbuf_output(rb, data, size, ..) */
		return arg == 2;
	}
	return false;
}

/* Whether argument @arg of helper @id is a buffer the helper fills and never reads. */
static bool helper_fills_arg(int32_t id, unsigned int arg)
{
	const struct analysis_fill *fl = analysis_helper_fill(id);

	if (id == 88 || id == 89) /* map_pop/peek_elem(map, value): MEM_UNINIT */
		return arg == 2;
	return fl && fl->arg == arg;
}

/*
 * The failure way of a helper that returns 0 or a negative error, tested by
 * the jump that ends the call's block: 1 + the successor index the failure
 * takes, or 0 when the block does not end in such a test.  The tests, of r0
 * or of a 64-bit copy of it: != 0, == 0, s< 0, s> -1, s>= 0, s<= -1 (or
 * their 32-bit forms).  Between the call and the jump only instructions that
 * touch no memory (ALU, LD_IMM64), so that the bytes live before the call
 * are exactly those live on the way the failure takes.
 */
static uint8_t failure_way(const struct prog *p, uint32_t i)
{
	const struct bpf_insn *j;
	int32_t b = p->insn_block[i];
	uint16_t res = 1u << BPF_REG_0; /* registers holding the helper's result */
	uint32_t k;
	uint8_t cls, op;

	if (b < 0 || p->blocks[b].last <= i)
		return 0;
	for (k = i + 1; k < p->blocks[b].last; k += prog_insn_is_ldimm64(&p->insns[k]) ? 2 : 1) {
		const struct bpf_insn *in = &p->insns[k];

		cls = BPF_CLASS(in->code);
		if (prog_insn_is_ldimm64(in)) {
			res &= (uint16_t) ~(1u << in->dst_reg);
			continue;
		}
		if (cls != BPF_ALU && cls != BPF_ALU64)
			return 0;
		if (in->code == (BPF_ALU64 | BPF_MOV | BPF_X) && !in->off &&
		    res >> in->src_reg & 1)
			res |= (uint16_t)(1u << in->dst_reg);
		else
			res &= (uint16_t) ~(1u << in->dst_reg);
	}
	j = &p->insns[k];
	cls = BPF_CLASS(j->code);
	op = BPF_OP(j->code);
	if ((cls != BPF_JMP && cls != BPF_JMP32) || BPF_SRC(j->code) != BPF_K ||
	    !(res >> j->dst_reg & 1))
		return 0;
	if ((op == BPF_JNE && j->imm == 0) || (op == BPF_JSLT && j->imm == 0) ||
	    (op == BPF_JSLE && j->imm == -1))
		return 2; /* taken on failure */
	if ((op == BPF_JEQ && j->imm == 0) || (op == BPF_JSGT && j->imm == -1) ||
	    (op == BPF_JSGE && j->imm == 0))
		return 1; /* falls through on failure */
	return 0;
}

/*
 * The buffer a helper fills, when its offset and length are known: killed
 * before the call for FILL_ALWAYS, and for FILL_ON_SUCCESS when the next
 * instruction tells success from failure (see failure_way()).
 */
static void helper_stack_fills(const struct analysis *a, const struct analysis_state *st,
			       uint32_t i, struct effects *e)
{
	const struct bpf_insn *in = &a->p->insns[i];
	const struct analysis_fill *fl = analysis_helper_fill(in->imm);
	uint64_t n;
	int64_t off;

	if (!fl || fl->kind == FILL_SOME || !analysis_stack_const(&st->regs[fl->arg], 0, &off) ||
	    !analysis_reg_is_const(&st->regs[fl->arg + 1], &n) || !n ||
	    n > ANALYSIS_STACK_SIZE || off + (int64_t)n > 0)
		return;
	if (fl->kind == FILL_ON_SUCCESS) {
		e->fail_succ = failure_way(a->p, i);
		if (!e->fail_succ)
			return;
	}
	bits_set(&e->skill, off, off + (int64_t)n);
}

static void helper_stack_reads(const struct analysis *a, const struct analysis_state *st,
			       const struct bpf_insn *in, struct effects *e)
{
	const struct analysis_map *m = analysis_map_of(a, &st->regs[1]);
	unsigned int n = helper_nargs(in->imm), r;

	for (r = 1; r <= n; r++) {
		const struct analysis_reg *arg = &st->regs[r];
		int64_t off, size = -1;

		if (helper_fills_arg(in->imm, r))
			continue; /* ARG_PTR_TO_UNINIT_MEM: never read */
		if (arg->type == ANALYSIS_UNKNOWN) {
			bits_set(&e->suse, -ANALYSIS_STACK_SIZE, 0);
			continue;
		}
		if (arg->type != ANALYSIS_STACK)
			continue;
		if (!analysis_scalar_is_const(&arg->s)) {
			bits_set(&e->suse, -ANALYSIS_STACK_SIZE, 0);
			continue;
		}
		off = arg->off + (int64_t)arg->s.value;
		switch (in->imm) {
		case 1:
		case 3:
		case 195: /* lookup, delete: key */
		case 2:	  /* update(map, key, value, flags) */
		case 87:  /* push(map, value, flags) */
			if (m && st->regs[1].type == ANALYSIS_MAP_PTR)
				size = (in->imm == 87 || (in->imm == 2 && r == 3)) ? m->value_size
										   : m->key_size;
			break;
		default:
			if (helper_ptr_size(in->imm, r) && r < 5) {
				uint64_t v;

				if (analysis_reg_is_const(&st->regs[r + 1], &v) && v <= 512)
					size = (int64_t)v;
			}
		}
		if (size >= 0)
			bits_set(&e->suse, off, off + size);
		else
			bits_set(&e->suse, off, 0);
	}
}

/* Stack bytes accessed through @base + @insn_off, @size bytes: into @set. */
static void mem_access(const struct analysis_reg *base, int16_t insn_off, unsigned int size,
		       struct analysis_stack_bits *exact, struct analysis_stack_bits *maybe)
{
	if (base->type == ANALYSIS_STACK && analysis_scalar_is_const(&base->s)) {
		int64_t off = base->off + (int64_t)base->s.value + insn_off;

		if (exact)
			bits_set(exact, off, off + size);
		else if (maybe)
			bits_set(maybe, off, off + size);
	} else if ((base->type == ANALYSIS_STACK || base->type == ANALYSIS_UNKNOWN) && maybe) {
		bits_set(maybe, -ANALYSIS_STACK_SIZE, 0);
	}
}


/* Whether the kernel reads only the low 32 bits of the main program's r0. */
static bool exit_reads_low32(const struct analysis *a)
{
	switch (a->env ? a->env->prog_type : BPF_PROG_TYPE_UNSPEC) {
	case BPF_PROG_TYPE_UNSPEC:
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
	case BPF_PROG_TYPE_STRUCT_OPS:
	case BPF_PROG_TYPE_EXT:
		return false; /* entered through a trampoline: all 64 bits count */
	default:
		return true; /* bpf_prog_run() returns u32 */
	}
}

static void effects_of(const struct analysis *a, const struct analysis_state *st, uint32_t i,
		       struct effects *e)
{
	const struct bpf_insn *in = &a->p->insns[i];
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	unsigned int size = prog_insn_size(in->code), r;
	bool w32;

	memset(e, 0, sizeof(*e));
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		/* ALU32 reads low halves; so do movsx and 16/32-bit swaps */
		w32 = (cls == BPF_ALU && op != BPF_END) || (op == BPF_END && in->imm < 64);
		e->def |= FULL(in->dst_reg); /* ALU32 zero-extends */
		if (op != BPF_MOV)
			e->use |= w32 ? LOW(in->dst_reg) : FULL(in->dst_reg);
		if (BPF_SRC(in->code) != BPF_X || op == BPF_END || op == BPF_NEG)
			break;
		if (op == BPF_MOV && !w32 && !in->off) {
			/* r = r': each half of r' is live where that half of r is */
			e->copy = true;
			e->copy_from = in->src_reg;
			e->copy_to = in->dst_reg;
			break;
		}
		e->use |= w32 || (op == BPF_MOV && in->off) ? LOW(in->src_reg) : FULL(in->src_reg);
		break;
	case BPF_LD:
		if (prog_insn_is_ldimm64(in)) {
			e->def |= FULL(in->dst_reg);
			break;
		}
		e->use |= FULL(BPF_REG_6);
		if (BPF_MODE(in->code) == BPF_IND)
			e->use |= FULL(in->src_reg);
		e->def |= FULL(0) | ALL_ARGS;
		break;
	case BPF_LDX:
		e->use |= FULL(in->src_reg);
		e->def |= FULL(in->dst_reg);
		mem_access(&st->regs[in->src_reg], in->off, size, NULL, &e->suse);
		break;
	case BPF_ST:
		e->use |= FULL(in->dst_reg);
		mem_access(&st->regs[in->dst_reg], in->off, size, &e->skill, NULL);
		break;
	case BPF_STX:
		/* a narrow store writes the low bytes of its source */
		e->use |= FULL(in->dst_reg) | (size <= 4 ? LOW(in->src_reg) : FULL(in->src_reg));
		if (BPF_MODE(in->code) == BPF_ATOMIC) {
			e->use |= FULL(in->src_reg);
			mem_access(&st->regs[in->dst_reg], in->off, size, NULL, &e->suse);
			if (in->imm == BPF_CMPXCHG) {
				e->use |= FULL(0);
				e->def |= FULL(0);
			} else if (in->imm & BPF_FETCH) {
				e->def |= FULL(in->src_reg);
			}
			break;
		}
		mem_access(&st->regs[in->dst_reg], in->off, size, &e->skill, NULL);
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (prog_insn_is_exit(in)) {
			bool main = a->p->blocks[a->p->insn_block[i]].subprog == 0;

			e->use |= main && exit_reads_low32(a) ? LOW(0) : FULL(0);
		} else if (prog_insn_is_call(in)) {
			if (in->src_reg == 0) {
				unsigned int n = helper_nargs(in->imm);

				for (r = 1; r <= n; r++)
					e->use |= FULL(r);
				helper_stack_reads(a, st, in, e);
				helper_stack_fills(a, st, i, e);
			} else {
				e->use |= ALL_ARGS;
				for (r = 1; r <= 5; r++)
					if (st->regs[r].type == ANALYSIS_STACK ||
					    st->regs[r].type == ANALYSIS_UNKNOWN)
						bits_set(&e->suse, -ANALYSIS_STACK_SIZE, 0);
			}
			e->def |= FULL(0) | ALL_ARGS;
		} else if (op != BPF_JA && op != BPF_JCOND) {
			w32 = cls == BPF_JMP32;
			e->use |= w32 ? LOW(in->dst_reg) : FULL(in->dst_reg);
			if (BPF_SRC(in->code) == BPF_X)
				e->use |= w32 ? LOW(in->src_reg) : FULL(in->src_reg);
		}
		break;
	}
}

/* live_in = use | (out & ~kill), for one instruction. */
static void transfer(const struct effects *e, uint32_t out, const struct analysis_stack_bits *sout,
		     uint32_t *in, struct analysis_stack_bits *sin)
{
	unsigned int w;

	*in = e->use | (out & ~e->def);
	if (e->copy)
		*in |= (out >> e->copy_to & LOW(0)) << e->copy_from | (out >> e->copy_to & HIGH(0))
									      << e->copy_from;
	for (w = 0; w < ANALYSIS_STACK_SIZE / 64; w++)
		sin->w[w] = e->suse.w[w] | (sout->w[w] & ~e->skill.w[w]);
}

static uint32_t next_insn(const struct prog *p, uint32_t i)
{
	return i + (prog_insn_is_ldimm64(&p->insns[i]) ? 2 : 1);
}

/* What every reachable instruction reads and writes, replaying each block once. */
static int all_effects(struct analysis *a, struct effects *eff)
{
	struct analysis_fwd f = {
		.a = a, .ret_assumed = a->ret_assumed, .changes_pkt = a->changes_pkt};
	const struct prog *p = a->p;
	struct analysis_state *st = malloc(sizeof(*st));
	uint32_t b, i;

	if (!st)
		return -ENOMEM;
	for (b = 0; b < p->nblocks; b++) {
		const struct prog_block *blk = &p->blocks[b];

		if (!a->entry[b].reached)
			continue;
		*st = a->entry[b];
		for (i = blk->first;; i = next_insn(p, i)) {
			effects_of(a, st, i, &eff[i]);
			if (i == blk->last)
				break;
			analysis_step(&f, st, i);
		}
	}
	free(st);
	return 0;
}

int analysis_liveness(struct analysis *a, char *msg, size_t msgsz)
{
	const struct prog *p = a->p;
	uint32_t *bin = calloc(p->nblocks ? p->nblocks : 1, sizeof(*bin));
	struct analysis_stack_bits *sbin = calloc(p->nblocks ? p->nblocks : 1, sizeof(*sbin));
	struct effects *eff = calloc(p->len, sizeof(*eff)); /* unreachable: no effect */
	bool changed = true;
	uint32_t b, i;
	int err = -ENOMEM;

	if (!bin || !sbin || !eff)
		goto out;
	err = all_effects(a, eff);
	if (err)
		goto out;
	/*
	 * Round-robin in reverse program order until stable; each round records
	 * the per-instruction sets, so the last round leaves the fixpoint.
	 * Unreachable instructions never run: they read nothing, and edges into
	 * them (a branch side the forward analysis proved impossible) add nothing.
	 */
	while (changed) {
		changed = false;
		for (b = p->nblocks; b-- > 0;) {
			const struct prog_block *blk = &p->blocks[b];
			const struct bpf_insn *last = &p->insns[blk->last];
			struct analysis_stack_bits sout;
			uint32_t out = 0, in;
			unsigned int k, w;

			memset(&sout, 0, sizeof(sout));
			if (!prog_insn_is_exit(last)) {
				for (k = 0; k < 2; k++) {
					int32_t s = blk->succ[k];

					if (s < 0 || !a->entry[s].reached)
						continue;
					out |= bin[s];
					for (w = 0; w < ANALYSIS_STACK_SIZE / 64; w++)
						sout.w[w] |= sbin[s].w[w];
				}
			}
			for (i = blk->last;;) {
				struct analysis_stack_bits sin;

				transfer(&eff[i], out, &sout, &in, &sin);
				if (eff[i].fail_succ) {
					int32_t s = blk->succ[eff[i].fail_succ - 1];

					/* on failure the buffer keeps what it held */
					if (s >= 0 && a->entry[s].reached)
						for (w = 0; w < ANALYSIS_STACK_SIZE / 64; w++)
							sin.w[w] |= sbin[s].w[w] & eff[i].skill.w[w];
				}
				a->live_out[i] = out;
				a->slive_out[i] = sout;
				a->live_in[i] = in;
				a->slive_in[i] = sin;
				out = in;
				sout = sin;
				if (i == blk->first)
					break;
				/* the previous instruction: LD_IMM64's second slot has no block */
				i -= p->insn_block[i - 1] < 0 ? 2 : 1;
			}
			if (out != bin[b] || memcmp(&sout, &sbin[b], sizeof(sout))) {
				bin[b] = out;
				sbin[b] = sout;
				changed = true;
			}
		}
	}
out:
	if (err == -ENOMEM && msg && msgsz)
		snprintf(msg, msgsz, "out of memory");
	free(bin);
	free(sbin);
	free(eff);
	return err;
}

/* Either half live: the register is. */
static uint16_t whole(uint32_t m)
{
	return (uint16_t)(m | m >> 16);
}

uint16_t analysis_live_in(const struct analysis *a, uint32_t i)
{
	return a && i < a->p->len ? whole(a->live_in[i]) : 0;
}

uint16_t analysis_live_out(const struct analysis *a, uint32_t i)
{
	return a && i < a->p->len ? whole(a->live_out[i]) : 0;
}

uint16_t analysis_live_in_high(const struct analysis *a, uint32_t i)
{
	return a && i < a->p->len ? (uint16_t)(a->live_in[i] >> 16) : 0;
}

uint16_t analysis_live_out_high(const struct analysis *a, uint32_t i)
{
	return a && i < a->p->len ? (uint16_t)(a->live_out[i] >> 16) : 0;
}

bool analysis_stack_live_in(const struct analysis *a, uint32_t i, int off)
{
	return a && i < a->p->len && bits_test(&a->slive_in[i], off);
}

bool analysis_stack_live_out(const struct analysis *a, uint32_t i, int off)
{
	return a && i < a->p->len && bits_test(&a->slive_out[i], off);
}
