// SPDX-License-Identifier: MIT
/*
 * core/safety: a static model of the kernel verifier's verdict.
 *
 * The verifier walks every path of a program with a precise state per path
 * and rejects the program at the first instruction that breaks a rule on
 * some path.  core/analysis already computed, for every instruction, a state
 * that holds on every path reaching it (a join: where paths disagree about a
 * register's type it is UNKNOWN, where one path left it unwritten it is
 * NOT_INIT).  So a rule checked against the analysis state is checked on
 * every path at once, and the model errs only one way: where the join lost
 * precision it may reject what the verifier, path by path, accepts, but it
 * accepts only what holds on all paths.  That is the direction the search
 * wants: a false rejection costs a candidate, a false acceptance costs a
 * failed load in someone's process.
 *
 * The checks, per reachable instruction, follow kernel/bpf/verifier.c:
 *
 *   - registers read must be initialized (check_reg_arg: "R%d !read_ok"),
 *     r10 is never written ("frame pointer is read only");
 *   - ALU: shifts by a constant >= the width and division by a zero
 *     immediate (check_alu_op); on pointers only 64-bit add and subtract of
 *     a bounded scalar, on types that allow it (adjust_ptr_min_max_vals,
 *     check_reg_sane_offset), pointer - pointer (a privileged loader gets a
 *     scalar), never pointer + pointer or scalar - pointer;
 *   - memory: the stack at a constant offset inside the frame, aligned
 *     (stack alignment is always strict), pointers spilled and filled only
 *     by whole aligned 8-byte accesses, bytes read only after written; the
 *     packet inside the range proven by comparisons with data_end (the
 *     metadata: with data), counted as check_packet_access() does from the
 *     pointer's variable offset, which must not be negative; map values
 *     inside value_size, after the NULL check, atomics aligned; the
 *     context at the offsets and sizes the program type's
 *     is_valid_access() allows, with an unmodified ctx pointer, writes only
 *     to the writable fields;
 *   - helper calls (check_helper_call()): the helpers XDP, tc and socket
 *     filters are offered, each with its prototype (safety_mem.c's table):
 *     the context, a map of a type the helper takes, keys and values of
 *     the map's sizes, memory of the size in the next argument on the stack,
 *     in a map value or -- only for helpers with .pkt_access -- in the
 *     packet, initialized unless the helper fills it, not in a read-only map
 *     value if it writes there, aligned where the prototype says so;
 *   - check_cfg(): every instruction reachable by the control-flow graph;
 *     and no back-edges: the verifier accepts a bounded loop only after
 *     walking it to the end, which a join-based analysis cannot predict.
 *
 * Where the model does not follow something (a pointer type the analysis
 * calls UNKNOWN, a program type whose context is not described here), it
 * rejects: a missing rule must show up as lost candidates, not failed loads.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/safety_internal.h"

int safety_reject(struct safety_ctx *c, uint32_t i, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->msg && c->msgsz) {
		n = snprintf(c->msg, c->msgsz, "insn %u: ", i);
		if (n >= 0 && (size_t)n < c->msgsz) {
			va_start(ap, fmt);
			vsnprintf(c->msg + n, c->msgsz - n, fmt, ap);
			va_end(ap);
		}
	}
	return -EACCES;
}

const char *safety_type_str(uint8_t t)
{
	static const char *const names[] = {
		[ANALYSIS_NOT_INIT] = "not_init",
		[ANALYSIS_SCALAR] = "scalar",
		[ANALYSIS_CTX] = "ctx",
		[ANALYSIS_STACK] = "fp",
		[ANALYSIS_PKT] = "pkt",
		[ANALYSIS_PKT_END] = "pkt_end",
		[ANALYSIS_PKT_META] = "pkt_meta",
		[ANALYSIS_MAP_PTR] = "map_ptr",
		[ANALYSIS_MAP_VALUE] = "map_value",
		[ANALYSIS_MAP_VALUE_OR_NULL] = "map_value_or_null",
		[ANALYSIS_UNKNOWN] = "unknown",
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* ---- instructions ---------------------------------------------------------- */

static int need_init(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		     unsigned int regno)
{
	if (regno >= ANALYSIS_NREGS)
		return safety_reject(c, i, "R%u is invalid", regno);
	if (st->regs[regno].type == ANALYSIS_NOT_INIT)
		return safety_reject(c, i, "R%u !read_ok", regno);
	return 0;
}

/* Pointer kinds that take + / - of a scalar (adjust_ptr_min_max_vals()). */
static bool ptr_arith_ok(const struct analysis_reg *r)
{
	switch (r->type) {
	case ANALYSIS_CTX:
	case ANALYSIS_STACK:
	case ANALYSIS_PKT:
	case ANALYSIS_PKT_META:
	case ANALYSIS_MAP_VALUE:
		return true;
	default:
		return false;
	}
}

static int check_ptr_alu(struct safety_ctx *c, uint32_t i, const struct bpf_insn *in,
			 const struct analysis_reg *d, const struct analysis_reg *s)
{
	uint8_t op = BPF_OP(in->code);
	const struct analysis_reg *ptr = is_ptr(d) ? d : s, *off = is_ptr(d) ? s : d;
	unsigned int pregno = is_ptr(d) ? in->dst_reg : in->src_reg;

	if (is_ptr(d) && is_ptr(s)) {
		/* any width: adjust_reg_min_max_vals() makes it a scalar before looking */
		if (op == BPF_SUB && d->type != ANALYSIS_UNKNOWN && s->type != ANALYSIS_UNKNOWN)
			return 0; /* a scalar, for a privileged loader */
		return safety_reject(c, i, "R%u pointer %s pointer prohibited", in->dst_reg,
				     op == BPF_ADD ? "+=" : "op");
	}
	if (BPF_CLASS(in->code) == BPF_ALU)
		return safety_reject(c, i, "R%u 32-bit pointer arithmetic prohibited", pregno);
	if (op != BPF_ADD && op != BPF_SUB)
		return safety_reject(c, i, "R%u pointer arithmetic with op 0x%x prohibited", pregno,
				     op);
	if (!is_ptr(d) && op == BPF_SUB)
		return safety_reject(c, i, "R%u tried to subtract pointer from scalar",
				     in->dst_reg);
	if (!ptr_arith_ok(ptr))
		return safety_reject(c, i, "R%u pointer arithmetic on %s prohibited", pregno,
				     safety_type_str(ptr->type));
	/* "invalid fp arithmetic": no subtraction from the frame pointer, not even of a constant */
	if (op == BPF_SUB && ptr->type == ANALYSIS_STACK)
		return safety_reject(c, i, "R%u subtraction from stack pointer prohibited", pregno);
	if (off->s.smin <= -MAX_VAR_OFF || off->s.smax >= MAX_VAR_OFF ||
	    off->s.umax >= (uint64_t)MAX_VAR_OFF * 2)
		return safety_reject(
			c, i, "math between %s pointer and unbounded register is not allowed",
			safety_type_str(ptr->type));
	return 0;
}

static int check_alu(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		     const struct bpf_insn *in)
{
	bool alu32 = BPF_CLASS(in->code) == BPF_ALU, x = BPF_SRC(in->code) == BPF_X;
	uint8_t op = BPF_OP(in->code);
	const struct analysis_reg *d = &st->regs[in->dst_reg], *s;
	struct analysis_reg k;
	int err;

	if (in->dst_reg == BPF_REG_10)
		return safety_reject(c, i, "frame pointer is read only");
	if (x && op != BPF_END && op != BPF_NEG) {
		err = need_init(c, i, st, in->src_reg);
		if (err)
			return err;
		s = &st->regs[in->src_reg];
	} else {
		memset(&k, 0, sizeof(k));
		k.type = ANALYSIS_SCALAR;
		s = &k;
	}
	if (op != BPF_MOV) {
		err = need_init(c, i, st, in->dst_reg);
		if (err)
			return err;
	}
	if (!x && (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) &&
	    (uint32_t)in->imm >= (alu32 ? 32u : 64u))
		return safety_reject(c, i, "invalid shift %d", in->imm);
	if (!x && (op == BPF_DIV || op == BPF_MOD) && in->imm == 0)
		return safety_reject(c, i, "div by zero");
	if (op == BPF_MOV) {
		if (is_ptr(s) && (alu32 || in->off))
			return safety_reject(c, i, "R%u partial copy of pointer", in->src_reg);
		return 0;
	}
	if (op == BPF_NEG || op == BPF_END) {
		if (is_ptr(d))
			return safety_reject(c, i, "R%u pointer arithmetic prohibited",
					     in->dst_reg);
		return 0;
	}
	if (is_ptr(d) || is_ptr(s))
		return check_ptr_alu(c, i, in, d, s);
	return 0;
}

static int check_ldx_st(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
			const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
	unsigned int size = prog_insn_size(in->code);
	int err;

	if (cls == BPF_LDX) {
		if (in->dst_reg == BPF_REG_10)
			return safety_reject(c, i, "frame pointer is read only");
		err = need_init(c, i, st, in->src_reg);
		return err ? err
			   : safety_check_mem(c, i, st, in->src_reg, in->off, size, false, true,
					      false, NULL);
	}
	if (cls == BPF_ST)
		return safety_check_mem(c, i, st, in->dst_reg, in->off, size, true, false, false,
					NULL);
	/* STX */
	err = need_init(c, i, st, in->src_reg);
	if (err)
		return err;
	if (mode == BPF_ATOMIC) {
		if (size != 4 && size != 8)
			return safety_reject(c, i, "invalid atomic operand size");
		if (in->imm == BPF_CMPXCHG) {
			err = need_init(c, i, st, BPF_REG_0);
			if (err)
				return err;
		}
		if (is_ptr(&st->regs[in->src_reg]))
			return safety_reject(c, i, "R%u leaks addr into mem", in->src_reg);
		if (st->regs[in->dst_reg].type != ANALYSIS_STACK &&
		    st->regs[in->dst_reg].type != ANALYSIS_MAP_VALUE)
			return safety_reject(c, i, "BPF_ATOMIC stores into R%u %s is not allowed",
					     in->dst_reg,
					     safety_type_str(st->regs[in->dst_reg].type));
		return safety_check_mem(c, i, st, in->dst_reg, in->off, size, true, true, true,
					&st->regs[in->src_reg]);
	}
	return safety_check_mem(c, i, st, in->dst_reg, in->off, size, true, false, false,
				&st->regs[in->src_reg]);
}

static int check_ld(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		    const struct bpf_insn *in)
{
	enum bpf_prog_type t = c->env->prog_type;
	const struct analysis_reg *r6 = &st->regs[6];
	int err;

	if (BPF_MODE(in->code) == BPF_IMM)
		return in->dst_reg == BPF_REG_10 ? safety_reject(c, i, "frame pointer is read only")
						 : 0;
	/* LD_ABS / LD_IND (check_ld_abs()) */
	if (t != BPF_PROG_TYPE_SOCKET_FILTER && t != BPF_PROG_TYPE_SCHED_CLS &&
	    t != BPF_PROG_TYPE_SCHED_ACT)
		return safety_reject(
			c, i, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
	if (r6->type != ANALYSIS_CTX || r6->off || r6->s.value || r6->s.mask)
		return safety_reject(c, i, "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
	if (BPF_MODE(in->code) == BPF_IND) {
		err = need_init(c, i, st, in->src_reg);
		if (err)
			return err;
		if (st->regs[in->src_reg].type != ANALYSIS_SCALAR)
			return safety_reject(c, i, "R%u pointer as LD_IND offset", in->src_reg);
	}
	return 0;
}

static int check_jmp(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		     const struct bpf_insn *in, bool main_prog)
{
	uint8_t op = BPF_OP(in->code);
	int err;

	if (op == BPF_JA || op == BPF_JCOND)
		return 0;
	if (op == BPF_EXIT) {
		err = need_init(c, i, st, BPF_REG_0);
		if (err)
			return err;
		if (main_prog && st->regs[0].type != ANALYSIS_SCALAR)
			return safety_reject(c, i,
					     "At program exit the register R0 is not a scalar (%s)",
					     safety_type_str(st->regs[0].type));
		return 0;
	}
	if (op == BPF_CALL) {
		if (in->src_reg == BPF_PSEUDO_CALL)
			return 0; /* the callee's instructions are checked in their frame */
		if (in->src_reg)
			return safety_reject(c, i, "kfunc calls are not modelled");
		err = safety_check_helper(c, i, st, in->imm);
		/* tail_call returns nothing (RET_VOID): r0 is not written after it */
		if (!err && in->imm == BPF_FUNC_tail_call && (analysis_live_out(c->a, i) & 1))
			return safety_reject(c, i, "R0 !read_ok after bpf_tail_call");
		return err;
	}
	err = need_init(c, i, st, in->dst_reg);
	if (!err && BPF_SRC(in->code) == BPF_X)
		err = need_init(c, i, st, in->src_reg);
	if (err)
		return err;
	if (BPF_CLASS(in->code) == BPF_JMP32 &&
	    (is_ptr(&st->regs[in->dst_reg]) ||
	     (BPF_SRC(in->code) == BPF_X && is_ptr(&st->regs[in->src_reg]))))
		return safety_reject(c, i, "pointer comparison in 32 bits");
	return 0;
}

static int check_insn(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		      bool main_prog)
{
	const struct bpf_insn *in = &c->p->insns[i];

	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return check_alu(c, i, st, in);
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		return check_ldx_st(c, i, st, in);
	case BPF_LD:
		return check_ld(c, i, st, in);
	default:
		return check_jmp(c, i, st, in, main_prog);
	}
}

/* What the verifier knows of a register it cannot follow: any value (a pointer's offset: any). */
static void forget_reg(struct analysis_reg *d)
{
	if (d->type == ANALYSIS_NOT_INIT || d->type == ANALYSIS_UNKNOWN)
		return;
	d->s.value = 0;
	d->s.mask = UINT64_MAX;
	d->s.smin = INT64_MIN;
	d->s.smax = INT64_MAX;
	d->s.umin = 0;
	d->s.umax = UINT64_MAX;
	if (d->type == ANALYSIS_SCALAR)
		d->id = 0;
}

/*
 * The verifier tracks the result of an ALU operation only for add, sub and
 * and with any operand, and others with a constant operand; it does not
 * track division and modulo at all, not even of constants
 * (adjust_scalar_min_max_vals(), as the kernel this was measured on does).  The
 * analysis is more precise; where the verifier knows nothing, so does the
 * model, after the instruction in its block, and (struct taint below) in
 * the blocks its value reaches.  (A load at a variable stack offset needs
 * nothing: the verifier knows its width, as the analysis, or, 8 bytes wide,
 * nothing, where the analysis says UNKNOWN.)  True if @in's result was
 * forgotten.
 */
static bool forget_untracked(const struct bpf_insn *in, struct analysis_state *st)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	struct analysis_reg *d = &st->regs[in->dst_reg];
	uint64_t v;
	bool known;

	if ((cls != BPF_ALU && cls != BPF_ALU64) || d->type != ANALYSIS_SCALAR)
		return false;
	if (op == BPF_MOV || op == BPF_NEG || op == BPF_END || op == BPF_ADD || op == BPF_SUB ||
	    op == BPF_AND)
		return false;
	known = BPF_SRC(in->code) == BPF_K || analysis_reg_is_const(&st->regs[in->src_reg], &v);
	if (known && op != BPF_DIV && op != BPF_MOD)
		return false;
	forget_reg(d);
	return true;
}

/*
 * The analysis joins precise states at a block's entry, so what the model
 * forgot in one block (a quotient, a product of two unknowns) would come
 * back in the next.  A taint is the registers and stack slots (bit k:
 * fp-8(k+1) .. fp-8k) whose value may depend on something forgotten on
 * some path; at a block's entry the model forgets them again.  Computed
 * forward over the blocks (no loops reach the checks; calls make it
 * iterate): a block's entry is the union of its predecessors' exits, a
 * callee's entry has its callers' argument registers, a caller's r0 after a
 * call what the callee's exits return.
 */
struct taint {
	uint16_t regs;
	uint64_t slots;
};

/* Stack slots [@off, @off + @size) of frame offsets, as a slot mask. */
static uint64_t slot_bits(int64_t off, unsigned int size)
{
	uint64_t m = 0;
	int64_t b;

	for (b = off; b < off + (int64_t)size; b++)
		if (b >= -ANALYSIS_STACK_SIZE && b < 0)
			m |= 1ull << ((-b - 1) / 8);
	return m;
}

/* The constant frame offset @r + @insn_off points to, if @r is a stack pointer with one. */
static bool stack_off(const struct analysis_reg *r, int16_t insn_off, int64_t *off)
{
	if (r->type != ANALYSIS_STACK || r->s.mask)
		return false;
	*off = (int64_t)r->off + (int64_t)r->s.value + insn_off;
	return true;
}

/* Forget in @st what @t says may depend on something the verifier does not know. */
static void taint_apply(const struct taint *t, struct analysis_state *st)
{
	unsigned int r, k;

	for (r = 0; r < 10; r++)
		if (t->regs & (1u << r))
			forget_reg(&st->regs[r]);
	for (k = 0; k < ANALYSIS_STACK_SIZE / 8; k++) {
		if (!(t->slots & (1ull << k)))
			continue;
		st->slots[k].known = 0;
		if (st->slots[k].spilled)
			forget_reg(&st->slots[k].reg);
	}
}

#define TBIT(r) ((uint16_t)(1u << (r)))

/*
 * @t before instruction @i (state @st, before it) -> @t after it.  The
 * caller forgets @i's result afterwards if forget_untracked() says so.
 */
static void taint_step(const struct prog *p, const struct analysis_state *st, uint32_t i,
		       struct taint *t, struct taint *callee_entry, const uint16_t *ret)
{
	const struct bpf_insn *in = &p->insns[i];
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	unsigned int size = prog_insn_size(in->code);
	bool src_t = t->regs & TBIT(in->src_reg & 15);
	uint64_t m;
	int64_t off;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (in->dst_reg > 9)
			return;
		if (op == BPF_MOV)
			t->regs =
				(uint16_t)((t->regs & ~TBIT(in->dst_reg)) |
					   (BPF_SRC(in->code) == BPF_X && src_t ? TBIT(in->dst_reg)
										: 0));
		else if (BPF_SRC(in->code) == BPF_X && op != BPF_NEG && op != BPF_END && src_t)
			t->regs |= TBIT(in->dst_reg);
		return;
	case BPF_LDX:
		if (in->dst_reg > 9)
			return;
		t->regs &= (uint16_t)~TBIT(in->dst_reg);
		if (stack_off(&st->regs[in->src_reg], in->off, &off) &&
		    (t->slots & slot_bits(off, size)))
			t->regs |= TBIT(in->dst_reg);
		return;
	case BPF_ST:
	case BPF_STX:
		if (!stack_off(&st->regs[in->dst_reg], in->off, &off))
			return; /* not the stack, or rejected: a variable offset */
		m = slot_bits(off, size);
		if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC) {
			/* the slot gets the operand, a fetch (and cmpxchg's r0) the slot */
			bool slot_t = t->slots & m;

			if (src_t)
				t->slots |= m;
			if (slot_t && (in->imm & BPF_FETCH))
				t->regs |= TBIT(in->imm == BPF_CMPXCHG ? 0 : in->src_reg);
			return;
		}
		if (cls == BPF_STX && src_t)
			t->slots |= m;
		else if (size == 8)
			t->slots &= ~m; /* a whole slot of something known */
		return;
	case BPF_LD:
		if (prog_insn_is_ldimm64(in))
			t->regs &= (uint16_t)~TBIT(in->dst_reg & 15);
		else
			t->regs &= (uint16_t)~0x3f; /* LD_ABS/IND: r0 a packet byte, r1-r5 gone */
		return;
	default:
		break;
	}
	if (op == BPF_CALL) {
		uint16_t r0 = 0;

		if (in->src_reg == BPF_PSEUDO_CALL) {
			int64_t target = (int64_t)i + in->imm + 1;
			int32_t b = target >= 0 && target < p->len ? p->insn_block[target] : -1;

			if (b >= 0) {
				callee_entry[b].regs |= t->regs & 0x3e;
				r0 = ret[p->blocks[b].subprog] & 1;
			} else {
				r0 = 1;
			}
		}
		t->regs = (uint16_t)((t->regs & ~0x3f) | r0);
	}
}

/*
 * The taint at each block's entry (@entry[nblocks], zeroed by the caller):
 * forward over the blocks until nothing changes.  0 or -ENOMEM.
 */
static int taint_compute(struct safety_ctx *c, struct taint *entry)
{
	const struct prog *p = c->p;
	struct analysis_state *st;
	uint16_t *ret;
	bool changed = true;
	unsigned int rounds = 0;
	uint32_t b, i;

	st = malloc(sizeof(*st));
	ret = calloc(p->nsubprogs ?: 1, sizeof(*ret));
	if (!st || !ret) {
		free(st);
		free(ret);
		return -ENOMEM;
	}
	while (changed && rounds++ < 64) {
		changed = false;
		for (b = 0; b < p->nblocks; b++) {
			const struct prog_block *blk = &p->blocks[b];
			struct taint t = entry[b];
			int k;

			if (analysis_state(c->a, blk->first, st) || !st->reached)
				continue;
			taint_apply(&t, st);
			for (i = blk->first; i <= blk->last; i++) {
				const struct bpf_insn *in = &p->insns[i];

				if (p->insn_block[i] < 0)
					continue;
				taint_step(p, st, i, &t, entry, ret);
				if (BPF_CLASS(in->code) == BPF_JMP &&
				    BPF_OP(in->code) == BPF_EXIT && (t.regs & 1) &&
				    !(ret[blk->subprog] & 1)) {
					ret[blk->subprog] |= 1;
					changed = true;
				}
				/* a block's last ALU instruction too: its successors get the value
				 */
				if (i == blk->last && BPF_CLASS(in->code) != BPF_ALU &&
				    BPF_CLASS(in->code) != BPF_ALU64)
					break;
				if (analysis_state_step(c->a, i, st) || !st->reached)
					break;
				if (forget_untracked(in, st))
					t.regs |= TBIT(in->dst_reg);
				if (i == blk->last)
					break;
			}
			for (k = 0; k < 2; k++) {
				struct taint *e;

				if (blk->succ[k] < 0)
					continue;
				e = &entry[blk->succ[k]];
				if ((e->regs | t.regs) != e->regs ||
				    (e->slots | t.slots) != e->slots) {
					e->regs |= t.regs;
					e->slots |= t.slots;
					changed = true;
				}
			}
		}
	}
	free(st);
	free(ret);
	return 0;
}

/* ---- the control-flow graph ------------------------------------------------ */

/* check_cfg(): every instruction reachable from the entry along the CFG. */
static int check_cfg(struct safety_ctx *c)
{
	const struct prog *p = c->p;
	uint32_t *stack, n = 0, b, i;
	bool *seen;
	int err = 0;

	seen = calloc(p->nblocks, sizeof(*seen));
	stack = calloc(p->nblocks + 1, sizeof(*stack));
	if (!seen || !stack) {
		err = -ENOMEM;
		goto out;
	}
	seen[0] = true;
	stack[n++] = 0;
	while (n) {
		const struct prog_block *blk = &p->blocks[stack[--n]];
		int k;

		for (k = 0; k < 2; k++) {
			if (blk->succ[k] >= 0 && !seen[blk->succ[k]]) {
				seen[blk->succ[k]] = true;
				stack[n++] = (uint32_t)blk->succ[k];
			}
		}
		for (i = blk->first; i <= blk->last; i++) {
			const struct bpf_insn *in = &p->insns[i];
			int64_t t;
			int32_t tb;

			/*
			 * The verifier proves a loop terminates by walking it; the
			 * analysis widens instead, so it cannot tell: no loops.
			 */
			if (prog_insn_is_jump(in) && prog_jump_target(p->insns, i) <= (int64_t)i) {
				err = safety_reject(
					c, i, "back-edge to insn %lld: loops are not modelled",
					(long long)prog_jump_target(p->insns, i));
				goto out;
			}

			if (prog_insn_is_pseudo_call(in) ||
			    (prog_insn_is_ldimm64(in) && in->src_reg == BPF_PSEUDO_FUNC)) {
				t = (int64_t)i + in->imm + 1;
				if (t < 0 || t >= p->len)
					continue;
				tb = p->insn_block[t];
				if (tb >= 0 && !seen[tb]) {
					seen[tb] = true;
					stack[n++] = (uint32_t)tb;
				}
			}
		}
	}
	for (b = 0; b < p->nblocks; b++)
		if (!seen[b]) {
			err = safety_reject(c, p->blocks[b].first, "unreachable insn");
			break;
		}
out:
	free(seen);
	free(stack);
	return err;
}

/*
 * Check every reachable block from its entry state.  With @blocks, go on
 * after a rejection and record each block's first one there (the message
 * buffer is @blocks[b]); without, stop at the first.
 */
static int check_blocks(struct safety_ctx *c, char (*blocks)[SAFETY_MSG_SIZE], int *nrej)
{
	const struct prog *p = c->p;
	struct analysis_state *st;
	struct taint *taint;
	uint32_t b, i;
	int err = 0;

	st = malloc(sizeof(*st));
	taint = calloc(p->nblocks ?: 1, sizeof(*taint));
	if (!st || !taint || taint_compute(c, taint)) {
		free(st);
		free(taint);
		return -ENOMEM;
	}
	for (b = 0; b < p->nblocks && (!err || blocks); b++) {
		const struct prog_block *blk = &p->blocks[b];
		bool main_prog = blk->subprog == 0;

		if (blocks) {
			blocks[b][0] = '\0';
			c->msg = blocks[b];
			c->msgsz = SAFETY_MSG_SIZE;
		}
		if (analysis_state(c->a, blk->first, st) || !st->reached)
			continue;
		taint_apply(&taint[b], st);
		err = 0;
		for (i = blk->first; i <= blk->last && !err; i++) {
			if (p->insn_block[i] < 0)
				continue; /* LD_IMM64's second slot */
			err = check_insn(c, i, st, main_prog);
			if (err || i == blk->last)
				break;
			if (analysis_state_step(c->a, i, st) || !st->reached)
				break;
			forget_untracked(&p->insns[i], st);
		}
		if (err == -EACCES && nrej)
			(*nrej)++;
		if (err && err != -EACCES)
			break;
	}
	free(st);
	free(taint);
	return blocks && err == -EACCES ? 0 : err;
}

int safety_check(const struct prog *p, const struct analysis *a, const struct safety_env *env,
		 char *msg, size_t msgsz)
{
	struct safety_ctx c = {.p = p, .a = a, .env = env, .msg = msg, .msgsz = msgsz};
	int err;

	if (msg && msgsz)
		msg[0] = '\0';
	if (!p || !a || !env)
		return -EINVAL;
	err = check_cfg(&c);
	if (err)
		return err;
	return check_blocks(&c, NULL, NULL);
}

int safety_check_blocks(const struct prog *p, const struct analysis *a,
			const struct safety_env *env, char *cfg, char (*blocks)[SAFETY_MSG_SIZE])
{
	struct safety_ctx c = {.p = p, .a = a, .env = env, .msg = cfg, .msgsz = SAFETY_MSG_SIZE};
	int err, n = 0;

	if (!p || !a || !env || !cfg || !blocks)
		return -EINVAL;
	cfg[0] = '\0';
	err = check_cfg(&c);
	if (err == -EACCES)
		n++;
	else if (err)
		return err;
	err = check_blocks(&c, blocks, &n);
	return err ? err : n;
}
