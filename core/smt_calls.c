// SPDX-License-Identifier: MIT
/*
 * core/smt: BPF-to-BPF calls in the whole-program check.
 *
 * A program with subprograms is checked as one flat program: each call
 * site gets its own copy of the callee's body, between two markers (`ja +0`
 * in the copy, told apart by smt_flat.ops):
 *
 *   SMT_OP_PUSH  where the call was: a new frame.  The callee starts with
 *                r1-r5 as the caller left them, r0 and r6-r9 not initialized
 *                (the verifier's view of a callee's entry), and r10 512
 *                bytes below the caller's: its stack is the model's next 512
 *                bytes (smt_stack_lo()), emptied, so that nothing a callee
 *                before it left there can be read as written;
 *   SMT_OP_POP   after the body, where each of the callee's exits now jumps:
 *                r0 is what it returns (not initialized from a function of
 *                type void: the verifier passes r0 back as it is), r6-r10
 *                the caller's again (the JIT keeps them), r1-r5 clobbered,
 *                the callee's stack gone.
 *
 * So the encoder sees what the kernel runs, one frame after another, and a
 * pointer a caller passes into its own stack reaches the same bytes from
 * the callee.  Nesting deeper than SMT_MAX_FRAMES, recursion, callbacks
 * (bpf_loop and the like take a BPF_PSEUDO_FUNC), and a flat program longer
 * than a jump can span are UNKNOWN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prog.h"
#include "core/smt_internal.h"

#define FLAT_MAX 32000 /* a ja's 16-bit offset must reach */

struct inliner {
	const struct prog *p;
	struct smt_flat *f;
	size_t cap;
	char *msg;
	size_t msgsz;
};

static int emit(struct inliner *in, const struct bpf_insn *insn, uint8_t op)
{
	struct smt_flat *f = in->f;

	if (f->len >= FLAT_MAX) {
		snprintf(in->msg, in->msgsz, "BPF-to-BPF calls: more than %d instructions inlined",
			 FLAT_MAX);
		return -E2BIG;
	}
	if (f->len == in->cap) {
		size_t cap = in->cap ? 2 * in->cap : 256;
		struct bpf_insn *ni = realloc(f->insns, cap * sizeof(*ni));
		uint8_t *no;

		if (!ni)
			return -ENOMEM;
		f->insns = ni;
		no = realloc(f->ops, cap);
		if (!no)
			return -ENOMEM;
		f->ops = no;
		in->cap = cap;
	}
	f->insns[f->len] = *insn;
	f->ops[f->len] = op;
	f->len++;
	return 0;
}

static int32_t subprog_at(const struct prog *p, int64_t start)
{
	uint32_t k;

	for (k = 0; k < p->nsubprogs; k++)
		if (p->subprogs[k].start == start)
			return (int32_t)k;
	return -1;
}

/* Copy subprogram @sp, its calls inlined; its exits into *@exits when a callee. */
static int copy_subprog(struct inliner *in, uint32_t sp, unsigned int depth, size_t **exits,
			size_t *nexits)
{
	const struct prog *p = in->p;
	uint32_t start = p->subprogs[sp].start, end = p->subprogs[sp].end, i;
	size_t *map = calloc(end - start, sizeof(*map)), nx = 0, *xs = NULL;
	static const struct bpf_insn nop = {.code = BPF_JMP | BPF_JA};
	int err = 0;

	if (!map)
		return -ENOMEM;
	for (i = start; i < end && !err; i++) {
		const struct bpf_insn *x = &p->insns[i];

		map[i - start] = in->f->len;
		if (prog_insn_is_ldimm64(x) && x->src_reg == BPF_PSEUDO_FUNC) {
			snprintf(in->msg, in->msgsz, "a callback (insn %u)", i);
			err = -EOPNOTSUPP;
		} else if (x->code == (BPF_JMP | BPF_CALL) && x->src_reg == BPF_PSEUDO_CALL) {
			int32_t callee = subprog_at(p, (int64_t)i + x->imm + 1);
			size_t *cx = NULL, ncx = 0, k, pop;

			if (callee <= 0) {
				snprintf(in->msg, in->msgsz, "a call to no subprogram (insn %u)", i);
				err = -EINVAL;
				break;
			}
			if (depth + 1 >= SMT_MAX_FRAMES) {
				snprintf(in->msg, in->msgsz,
					 "BPF-to-BPF calls nested deeper than %d (or recursive)",
					 SMT_MAX_FRAMES - 1);
				err = -EOPNOTSUPP;
				break;
			}
			err = emit(in, &nop, SMT_OP_PUSH);
			if (!err)
				err = copy_subprog(in, (uint32_t)callee, depth + 1, &cx, &ncx);
			pop = in->f->len;
			if (!err)
				err = emit(in, &nop, SMT_OP_POP);
			for (k = 0; !err && k < ncx; k++)
				in->f->insns[cx[k]].off = (int16_t)(pop - cx[k] - 1);
			free(cx);
		} else if (depth && prog_insn_is_exit(x)) {
			size_t *nxs = realloc(xs, (nx + 1) * sizeof(*xs));

			if (!nxs) {
				err = -ENOMEM;
				break;
			}
			xs = nxs;
			xs[nx++] = in->f->len;
			err = emit(in, &nop, 0); /* to the POP: its offset once placed */
		} else {
			err = emit(in, x, 0);
			if (!err && prog_insn_is_ldimm64(x) && i + 1 < end) {
				i++;
				map[i - start] = in->f->len;
				err = emit(in, &p->insns[i], 0);
			}
		}
	}
	/* the subprogram's own jumps, to where their targets went */
	for (i = start; i < end && !err; i++) {
		const struct bpf_insn *x = &p->insns[i];
		uint8_t cls = BPF_CLASS(x->code);
		int64_t t;

		if ((cls != BPF_JMP && cls != BPF_JMP32) || prog_insn_is_call(x) ||
		    prog_insn_is_exit(x) || (x->code == (BPF_JMP | BPF_JA) && !x->off && !x->imm))
			continue;
		if (x->code == (BPF_JMP32 | BPF_JA) || BPF_OP(x->code) == BPF_JCOND) {
			snprintf(in->msg, in->msgsz, "%s (insn %u)",
				 BPF_OP(x->code) == BPF_JCOND ? "may_goto" : "a long jump", i);
			err = -EOPNOTSUPP;
			break;
		}
		t = (int64_t)i + x->off + 1;
		if (t < start || t >= end) {
			snprintf(in->msg, in->msgsz, "a jump out of its subprogram (insn %u)", i);
			err = -EINVAL;
			break;
		}
		in->f->insns[map[i - start]].off =
			(int16_t)((int64_t)map[t - start] - (int64_t)map[i - start] - 1);
	}
	free(map);
	if (err) {
		free(xs);
		return err;
	}
	if (exits) {
		*exits = xs;
		*nexits = nx;
	} else {
		free(xs);
	}
	return 0;
}

int smt_flatten(const struct bpf_insn *insns, size_t len, struct smt_flat *out, char *msg,
		size_t msgsz)
{
	struct inliner in = {.f = out, .msg = msg, .msgsz = msgsz};
	int err;

	memset(out, 0, sizeof(*out));
	in.p = prog__new(insns, len, msg, msgsz);
	if (!in.p)
		return -errno;
	err = copy_subprog(&in, 0, 0, NULL, NULL);
	prog__free((struct prog *)in.p);
	if (err) {
		if (err == -ENOMEM)
			snprintf(msg, msgsz, "out of memory");
		smt_flat_free(out);
	}
	return err;
}

void smt_flat_free(struct smt_flat *f)
{
	free(f->insns);
	free(f->ops);
	memset(f, 0, sizeof(*f));
}

/* A frame's 512 bytes of stack, emptied. */
static void clear_frame(struct sstate *st, unsigned int depth)
{
	int64_t lo = -512 * ((int64_t)depth + 1), k;

	for (k = lo; k < lo + 512; k++) {
		st->stk[k + SMT_STACK] = NULL;
		st->sinit[k + SMT_STACK] = 0;
	}
	for (k = lo; k < lo + 512; k += 8)
		st->stag[(k + SMT_STACK) / 8] = T_SCALAR;
}

int smt_frame_op(struct smt_ctx *s, struct sstate *st, uint8_t op, uint32_t i)
{
	unsigned int r;

	if (op == SMT_OP_PUSH) {
		if (st->depth + 1 >= SMT_MAX_FRAMES || st->r[10].tag != T_STACK) {
			smt_unsup(s, i, "%s", "call frames");
			return -1;
		}
		for (r = 6; r <= 10; r++)
			st->saved[st->depth][r - 6] = st->r[r];
		st->depth++;
		clear_frame(st, st->depth);
		st->r[10].v = smt_add(s, st->r[10].v, smt_bvk(s, -512));
		st->r[0].tag = T_UNINIT;
		for (r = 6; r <= 9; r++)
			st->r[r].tag = T_UNINIT;
		return 0;
	}
	if (!st->depth) {
		smt_unsup(s, i, "%s", "a return with no call");
		return -1;
	}
	clear_frame(st, st->depth);
	st->depth--;
	for (r = 6; r <= 10; r++)
		st->r[r] = st->saved[st->depth][r - 6];
	for (r = 1; r <= 5; r++)
		st->r[r].tag = T_UNINIT;
	return 0;
}
