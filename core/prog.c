// SPDX-License-Identifier: MIT
/*
 * core/prog: structural validation and the control-flow graph of a program.
 *
 * Validation runs in three passes, in the order the kernel finds problems:
 *
 *  1. Each instruction on its own (prog_check_encoding()): the opcode must be
 *     in the kernel's instruction table (bpf_opcode_in_insntable()), every
 *     field the instruction does not use must be zero and every register it
 *     uses must be r0..r10, as check_alu_op(), check_cond_jmp_op(),
 *     check_atomic(), check_ld_imm() and friends demand.  LD_IMM64 swallows
 *     its second slot here.  On top of the encoding, prog_validate() rejects
 *     what the verifier rejects on sight whatever the register state: writes
 *     to r10, division by a constant zero, constant shifts out of range.
 *  2. Every jump, BPF-to-BPF call and LD_IMM64 function reference must land
 *     inside the program and not on the second slot of an LD_IMM64.
 *  3. Subprograms as check_subprogs() sees them: insn 0 plus every pseudo call
 *     target plus every BPF_PSEUDO_FUNC target.  A jump may not leave its
 *     subprogram, and each subprogram's last slot must be exit or an
 *     unconditional jump, so that control never falls into the next one (or
 *     off the end of the program).
 *
 * What is left to the kernel: anything that depends on register types or
 * values, and reachability (check_cfg() rejects unreachable code, but a
 * program under rewrite legitimately has dead code until it is compacted).
 *
 * The CFG: block leaders are subprogram starts, jump targets and the
 * instruction after a jump or exit.  Calls do not end a block: as far as the
 * caller's control flow goes, a call returns to the next instruction.  A
 * conditional jump whose target is the next instruction ("if r1 > r2 goto +0")
 * has a single distinct successor; it is recorded once, in succ[0], so that
 * walkers never see the same edge twice.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prog.h"
#include "core/prog_internal.h"

#ifndef BPF_ADDR_SPACE_CAST
#define BPF_ADDR_SPACE_CAST 1 /* off of ALU64 MOV X: arena address-space cast */
#endif

static int set_msg(char *msg, size_t msgsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_msg(char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;

	if (msg && msgsz) {
		va_start(ap, fmt);
		vsnprintf(msg, msgsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The first reserved (must-be-zero) field that is set, or NULL. */
static const char *reserved_set(const struct bpf_insn *insn, bool dst, bool src, bool off, bool imm)
{
	if (dst && insn->dst_reg)
		return "dst_reg";
	if (src && insn->src_reg)
		return "src_reg";
	if (off && insn->off)
		return "off";
	if (imm && insn->imm)
		return "imm";
	return NULL;
}

#define RESERVED(what, kind) set_msg(msg, msgsz, "reserved field %s set in %s insn", (what), (kind))

static int check_reg(unsigned int reg, char *msg, size_t msgsz)
{
	if (reg > PROG_MAX_REG)
		return set_msg(msg, msgsz, "invalid register r%u", reg);
	return 0;
}

static int check_regs(const struct bpf_insn *insn, bool src, char *msg, size_t msgsz)
{
	int err = check_reg(insn->dst_reg, msg, msgsz);

	if (!err && src)
		err = check_reg(insn->src_reg, msg, msgsz);
	return err;
}

static int bad_opcode(const struct bpf_insn *insn, char *msg, size_t msgsz)
{
	return set_msg(msg, msgsz, "invalid opcode 0x%02x", insn->code);
}

static int check_alu(const struct bpf_insn *insn, char *msg, size_t msgsz)
{
	bool alu64 = BPF_CLASS(insn->code) == BPF_ALU64;
	bool x = BPF_SRC(insn->code) == BPF_X;
	unsigned int op = BPF_OP(insn->code);
	const char *r;

	switch (op) {
	case BPF_NEG:
		if (x) /* only NEG|K is in the kernel's insn table */
			return bad_opcode(insn, msg, msgsz);
		r = reserved_set(insn, false, true, true, true);
		if (r)
			return RESERVED(r, "neg");
		return check_regs(insn, false, msg, msgsz);
	case BPF_END:
		if (alu64 && x) /* ALU64|END is bswap, TO_LE only */
			return bad_opcode(insn, msg, msgsz);
		r = reserved_set(insn, false, true, true, false);
		if (r)
			return RESERVED(r, "end");
		if (insn->imm != 16 && insn->imm != 32 && insn->imm != 64)
			return set_msg(msg, msgsz,
				       "invalid byte swap width %d (must be 16, 32 or 64)",
				       insn->imm);
		return check_regs(insn, false, msg, msgsz);
	case BPF_MOV:
		if (!x) {
			r = reserved_set(insn, false, true, true, false);
			if (r)
				return RESERVED(r, "mov");
			return check_regs(insn, false, msg, msgsz);
		}
		if (alu64 && insn->off == BPF_ADDR_SPACE_CAST) {
			if (insn->imm != 1 && insn->imm != 1 << 16)
				return set_msg(msg, msgsz, "invalid addr_space_cast imm %d",
					       insn->imm);
			return check_regs(insn, true, msg, msgsz);
		}
		if (insn->off != 0 && insn->off != 8 && insn->off != 16 &&
		    !(alu64 && insn->off == 32))
			return set_msg(msg, msgsz, "invalid movsx width (off %d) in %s mov insn",
				       insn->off, alu64 ? "alu64" : "alu32");
		if (insn->imm)
			return RESERVED("imm", "mov");
		return check_regs(insn, true, msg, msgsz);
	case BPF_ADD:
	case BPF_SUB:
	case BPF_MUL:
	case BPF_DIV:
	case BPF_OR:
	case BPF_AND:
	case BPF_LSH:
	case BPF_RSH:
	case BPF_MOD:
	case BPF_XOR:
	case BPF_ARSH:
		/* off == 1 turns DIV/MOD into sdiv/smod (cpu v4); nothing else uses off */
		if (insn->off && !(insn->off == 1 && (op == BPF_DIV || op == BPF_MOD)))
			return RESERVED("off", "alu");
		r = x ? reserved_set(insn, false, false, false, true)
		      : reserved_set(insn, false, true, false, false);
		if (r)
			return RESERVED(r, "alu");
		return check_regs(insn, x, msg, msgsz);
	default:
		return bad_opcode(insn, msg, msgsz);
	}
}

static int check_jmp(const struct bpf_insn *insn, char *msg, size_t msgsz)
{
	bool jmp32 = BPF_CLASS(insn->code) == BPF_JMP32;
	bool x = BPF_SRC(insn->code) == BPF_X;
	unsigned int op = BPF_OP(insn->code);
	const char *r;

	switch (op) {
	case BPF_CALL:
		if (jmp32 || x)
			return bad_opcode(insn, msg, msgsz);
		if (insn->dst_reg)
			return RESERVED("dst_reg", "call");
		if (insn->src_reg != 0 && insn->src_reg != BPF_PSEUDO_CALL &&
		    insn->src_reg != BPF_PSEUDO_KFUNC_CALL)
			return set_msg(msg, msgsz, "invalid src_reg %u for call", insn->src_reg);
		/* a kfunc call keeps the BTF fd index in off */
		if (insn->off && insn->src_reg != BPF_PSEUDO_KFUNC_CALL)
			return RESERVED("off", "call");
		return 0;
	case BPF_EXIT:
		if (jmp32 || x)
			return bad_opcode(insn, msg, msgsz);
		/* the kernel does not look at off of exit */
		r = reserved_set(insn, true, true, false, true);
		if (r)
			return RESERVED(r, "exit");
		return 0;
	case BPF_JA:
		if (x)
			return bad_opcode(insn, msg, msgsz);
		/* JMP|JA jumps by off; JMP32|JA (gotol) by imm */
		r = reserved_set(insn, true, true, jmp32, !jmp32);
		if (r)
			return RESERVED(r, jmp32 ? "gotol" : "ja");
		return 0;
	case BPF_JCOND:
		if (jmp32 || x)
			return bad_opcode(insn, msg, msgsz);
		if (insn->src_reg != BPF_MAY_GOTO)
			return set_msg(msg, msgsz, "invalid src_reg %u for may_goto",
				       insn->src_reg);
		r = reserved_set(insn, true, false, false, true);
		if (r)
			return RESERVED(r, "may_goto");
		return 0;
	case BPF_JEQ:
	case BPF_JGT:
	case BPF_JGE:
	case BPF_JSET:
	case BPF_JNE:
	case BPF_JSGT:
	case BPF_JSGE:
	case BPF_JLT:
	case BPF_JLE:
	case BPF_JSLT:
	case BPF_JSLE:
		r = x ? reserved_set(insn, false, false, false, true)
		      : reserved_set(insn, false, true, false, false);
		if (r)
			return RESERVED(r, "jmp");
		return check_regs(insn, x, msg, msgsz);
	default:
		return bad_opcode(insn, msg, msgsz);
	}
}

static int check_ldx(const struct bpf_insn *insn, char *msg, size_t msgsz)
{
	unsigned int mode = BPF_MODE(insn->code);

	/* sign-extending loads exist for B/H/W only */
	if (mode != BPF_MEM && !(mode == BPF_MEMSX && BPF_SIZE(insn->code) != BPF_DW))
		return bad_opcode(insn, msg, msgsz);
	if (insn->imm)
		return RESERVED("imm", "ldx");
	return check_regs(insn, true, msg, msgsz);
}

static int check_st(const struct bpf_insn *insn, char *msg, size_t msgsz)
{
	if (BPF_MODE(insn->code) != BPF_MEM)
		return bad_opcode(insn, msg, msgsz);
	if (insn->src_reg)
		return RESERVED("src_reg", "st");
	return check_regs(insn, false, msg, msgsz);
}

static bool atomic_is_rmw(int imm)
{
	switch (imm) {
	case BPF_ADD:
	case BPF_ADD | BPF_FETCH:
	case BPF_AND:
	case BPF_AND | BPF_FETCH:
	case BPF_OR:
	case BPF_OR | BPF_FETCH:
	case BPF_XOR:
	case BPF_XOR | BPF_FETCH:
	case BPF_XCHG:
	case BPF_CMPXCHG:
		return true;
	default:
		return false;
	}
}

static int check_stx(const struct bpf_insn *insn, char *msg, size_t msgsz)
{
	unsigned int mode = BPF_MODE(insn->code), size = BPF_SIZE(insn->code);

	if (mode == BPF_MEM) {
		if (insn->imm)
			return RESERVED("imm", "stx");
		return check_regs(insn, true, msg, msgsz);
	}
	if (mode != BPF_ATOMIC)
		return bad_opcode(insn, msg, msgsz);
	if (atomic_is_rmw(insn->imm)) {
		if (size != BPF_W && size != BPF_DW)
			return set_msg(msg, msgsz, "invalid atomic operand size");
	} else if (insn->imm != BPF_LOAD_ACQ && insn->imm != BPF_STORE_REL) {
		return set_msg(msg, msgsz, "invalid atomic op 0x%x", (unsigned int)insn->imm);
	}
	return check_regs(insn, true, msg, msgsz);
}

static int check_ld(const struct bpf_insn *insns, size_t len, size_t i, char *msg, size_t msgsz)
{
	const struct bpf_insn *insn = &insns[i], *hi;
	unsigned int mode = BPF_MODE(insn->code), size = BPF_SIZE(insn->code);
	const char *r;

	if (mode == BPF_ABS || mode == BPF_IND) {
		if (size == BPF_DW)
			return bad_opcode(insn, msg, msgsz);
		/* legacy packet loads always write r0; IND adds src_reg to imm */
		r = reserved_set(insn, true, mode == BPF_ABS, true, false);
		if (r)
			return RESERVED(r, mode == BPF_ABS ? "ld_abs" : "ld_ind");
		return check_regs(insn, mode == BPF_IND, msg, msgsz);
	}
	if (mode != BPF_IMM || size != BPF_DW)
		return bad_opcode(insn, msg, msgsz);
	if (insn->off)
		return RESERVED("off", "ld_imm64");
	if (insn->src_reg > BPF_PSEUDO_MAP_IDX_VALUE)
		return set_msg(msg, msgsz, "invalid src_reg %u for ld_imm64", insn->src_reg);
	if (i + 1 >= len)
		return set_msg(msg, msgsz, "ld_imm64 missing second half");
	hi = &insns[i + 1];
	if (hi->code || hi->dst_reg || hi->src_reg || hi->off)
		return set_msg(msg, msgsz,
			       "invalid ld_imm64 second half (code 0x%02x, regs, off must be 0)",
			       hi->code);
	/* an fd or map index has nowhere to put an offset (resolve_pseudo_ldimm64) */
	if ((insn->src_reg == BPF_PSEUDO_MAP_FD || insn->src_reg == BPF_PSEUDO_MAP_IDX) && hi->imm)
		return set_msg(msg, msgsz, "ld_imm64 map reference with nonzero second imm %d",
			       hi->imm);
	return check_reg(insn->dst_reg, msg, msgsz);
}

int prog_check_encoding(const struct bpf_insn *insns, size_t len, size_t i, char *msg, size_t msgsz)
{
	const struct bpf_insn *insn = &insns[i];

	switch (BPF_CLASS(insn->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return check_alu(insn, msg, msgsz);
	case BPF_JMP:
	case BPF_JMP32:
		return check_jmp(insn, msg, msgsz);
	case BPF_LDX:
		return check_ldx(insn, msg, msgsz);
	case BPF_ST:
		return check_st(insn, msg, msgsz);
	case BPF_STX:
		return check_stx(insn, msg, msgsz);
	default: /* BPF_LD */
		return check_ld(insns, len, i, msg, msgsz);
	}
}

/*
 * What the verifier rejects on sight beyond the encoding (check_reg_arg()'s
 * "frame pointer is read only", "div by zero", "invalid shift").
 */
static int check_semantics(const struct bpf_insn *insn, char *msg, size_t msgsz)
{
	unsigned int cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	bool k = BPF_SRC(insn->code) == BPF_K;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (insn->dst_reg == BPF_REG_10)
			return set_msg(msg, msgsz, "r10 is read-only (dst of alu insn)");
		if (k && (op == BPF_DIV || op == BPF_MOD) && insn->imm == 0)
			return set_msg(msg, msgsz, "division by constant zero");
		if (k && (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) &&
		    (insn->imm < 0 || insn->imm >= (cls == BPF_ALU64 ? 64 : 32)))
			return set_msg(msg, msgsz, "invalid shift %d", insn->imm);
		return 0;
	case BPF_LDX:
		if (insn->dst_reg == BPF_REG_10)
			return set_msg(msg, msgsz, "r10 is read-only (dst of ldx insn)");
		return 0;
	case BPF_LD:
		if (BPF_MODE(insn->code) == BPF_IMM && insn->dst_reg == BPF_REG_10)
			return set_msg(msg, msgsz, "r10 is read-only (dst of ld_imm64 insn)");
		return 0;
	case BPF_STX:
		if (BPF_MODE(insn->code) != BPF_ATOMIC)
			return 0;
		if (insn->imm == BPF_LOAD_ACQ && insn->dst_reg == BPF_REG_10)
			return set_msg(msg, msgsz, "r10 is read-only (dst of load_acquire)");
		/* r10 is a pointer, and an atomic op would leak it into memory */
		if (atomic_is_rmw(insn->imm) && insn->src_reg == BPF_REG_10)
			return set_msg(msg, msgsz, "r10 cannot be the src of an atomic op");
		return 0;
	default:
		return 0;
	}
}

bool prog_insn_is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

bool prog_insn_is_exit(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_EXIT);
}

bool prog_insn_is_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL);
}

bool prog_insn_is_pseudo_call(const struct bpf_insn *insn)
{
	return prog_insn_is_call(insn) && insn->src_reg == BPF_PSEUDO_CALL;
}

bool prog_insn_is_jump(const struct bpf_insn *insn)
{
	unsigned int cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT;
}

static bool insn_is_uncond_jump(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_JA) || insn->code == (BPF_JMP32 | BPF_JA);
}

static bool insn_is_pseudo_func(const struct bpf_insn *insn)
{
	return prog_insn_is_ldimm64(insn) && insn->src_reg == BPF_PSEUDO_FUNC;
}

int64_t prog_jump_target(const struct bpf_insn *insns, size_t i)
{
	const struct bpf_insn *insn = &insns[i];

	if (insn->code == (BPF_JMP32 | BPF_JA))
		return (int64_t)i + insn->imm + 1;
	return (int64_t)i + insn->off + 1;
}

/* Where a BPF-to-BPF call or an LD_IMM64 function reference points. */
static int64_t func_target(const struct bpf_insn *insns, size_t i)
{
	return (int64_t)i + insns[i].imm + 1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Subprogram starts, sorted and unique, as add_subprog() collects them.
 * @second marks LD_IMM64 second slots.  Targets must already be in range.
 */
static int collect_subprogs(const struct bpf_insn *insns, size_t len, const bool *second,
			    uint32_t **startsp, uint32_t *nstartsp)
{
	uint32_t *starts, n = 1, cap = 8, j, k;
	size_t i;

	starts = malloc(cap * sizeof(*starts));
	if (!starts)
		return -ENOMEM;
	starts[0] = 0;
	for (i = 0; i < len; i++) {
		if (second[i] ||
		    (!prog_insn_is_pseudo_call(&insns[i]) && !insn_is_pseudo_func(&insns[i])))
			continue;
		if (n == cap) {
			uint32_t *tmp = realloc(starts, 2 * cap * sizeof(*starts));

			if (!tmp) {
				free(starts);
				return -ENOMEM;
			}
			starts = tmp;
			cap *= 2;
		}
		starts[n++] = (uint32_t)func_target(insns, i);
	}
	qsort(starts, n, sizeof(*starts), cmp_u32);
	for (j = 1, k = 1; j < n; j++)
		if (starts[j] != starts[k - 1])
			starts[k++] = starts[j];
	*startsp = starts;
	*nstartsp = k;
	return 0;
}

/* Pass 2: every control transfer lands on the first slot of an insn in the program. */
static int check_targets(const struct bpf_insn *insns, size_t len, const bool *second, char *msg,
			 size_t msgsz)
{
	const struct bpf_insn *insn;
	const char *what;
	int64_t t;
	size_t i;

	for (i = 0; i < len; i++) {
		insn = &insns[i];
		if (second[i])
			continue;
		if (prog_insn_is_jump(insn)) {
			t = prog_jump_target(insns, i);
			what = "jump";
		} else if (prog_insn_is_pseudo_call(insn)) {
			t = func_target(insns, i);
			what = "call";
		} else if (insn_is_pseudo_func(insn)) {
			t = func_target(insns, i);
			what = "ld_imm64 func reference";
		} else {
			continue;
		}
		if (t < 0 || t >= (int64_t)len)
			return set_msg(msg, msgsz,
				       "insn %zu: %s out of range (target %lld, len %zu)", i, what,
				       (long long)t, len);
		if (second[t])
			return set_msg(msg, msgsz,
				       "insn %zu: %s into the middle of ld_imm64 at insn %lld", i,
				       what, (long long)t - 1);
	}
	return 0;
}

/* Pass 3: jumps stay inside their subprogram, and no subprogram falls through. */
static int check_subprogs(const struct bpf_insn *insns, size_t len, const uint32_t *starts,
			  uint32_t nstarts, char *msg, size_t msgsz)
{
	uint32_t s, start, end;
	int64_t t;
	size_t i;

	for (s = 0; s < nstarts; s++) {
		start = starts[s];
		end = s + 1 < nstarts ? starts[s + 1] : (uint32_t)len;
		for (i = start; i < end; i++) {
			/* an LD_IMM64 second slot has code 0: never a jump */
			if (!prog_insn_is_jump(&insns[i]))
				continue;
			t = prog_jump_target(insns, i);
			if (t < start || t >= end)
				return set_msg(msg, msgsz,
					       "insn %zu: jump to %lld leaves subprogram [%u, %u)",
					       i, (long long)t, start, end);
		}
		if (!prog_insn_is_exit(&insns[end - 1]) && !insn_is_uncond_jump(&insns[end - 1]))
			return set_msg(msg, msgsz, "insn %u: last insn is not exit or jump%s",
				       end - 1, end == len ? "" : " (falls into next subprogram)");
	}
	return 0;
}

/*
 * Passes 1 and 2; on success *@secondp marks the LD_IMM64 second slots
 * (caller frees).
 */
static int validate_insns(const struct bpf_insn *insns, size_t len, bool **secondp, char *msg,
			  size_t msgsz)
{
	char why[PROG_MSG_SIZE];
	bool *second;
	size_t i;
	int err;

	if (!insns || len == 0)
		return set_msg(msg, msgsz, "empty program");
	if (len > PROG_MAX_INSNS)
		return set_msg(msg, msgsz, "program too long (%zu insns, max %u)", len,
			       PROG_MAX_INSNS);
	second = calloc(len, sizeof(*second));
	if (!second)
		return set_msg(msg, msgsz, "out of memory"), -ENOMEM;
	for (i = 0; i < len; i++) {
		err = prog_check_encoding(insns, len, i, why, sizeof(why));
		if (!err)
			err = check_semantics(&insns[i], why, sizeof(why));
		if (err) {
			set_msg(msg, msgsz, "insn %zu: %s", i, why);
			goto err_out;
		}
		if (prog_insn_is_ldimm64(&insns[i]))
			second[++i] = true;
	}
	err = check_targets(insns, len, second, msg, msgsz);
	if (err)
		goto err_out;
	*secondp = second;
	return 0;
err_out:
	free(second);
	return err;
}

int prog_validate(const struct bpf_insn *insns, size_t len, char *msg, size_t msgsz)
{
	uint32_t *starts = NULL, nstarts;
	bool *second = NULL;
	int err;

	err = validate_insns(insns, len, &second, msg, msgsz);
	if (err)
		return err;
	err = collect_subprogs(insns, len, second, &starts, &nstarts);
	if (err) {
		set_msg(msg, msgsz, "out of memory");
		goto out;
	}
	err = check_subprogs(insns, len, starts, nstarts, msg, msgsz);
out:
	free(starts);
	free(second);
	return err;
}

void prog__free(struct prog *p)
{
	if (!p)
		return;
	free(p->insns);
	free(p->subprogs);
	free(p->blocks);
	free(p->insn_block);
	free(p);
}

/* The slot after insn @i (LD_IMM64 is two slots wide). */
static uint32_t next_insn(const struct bpf_insn *insns, uint32_t i)
{
	return i + (prog_insn_is_ldimm64(&insns[i]) ? 2 : 1);
}

static int build_cfg(struct prog *p, const uint32_t *starts, uint32_t nstarts)
{
	const struct bpf_insn *insns = p->insns;
	uint32_t i, s, b, last, len = p->len;
	struct prog_block *blk;
	bool *leader;

	leader = calloc(len, sizeof(*leader));
	if (!leader)
		return -ENOMEM;
	for (s = 0; s < nstarts; s++)
		leader[starts[s]] = true;
	for (i = 0; i < len; i = next_insn(insns, i)) {
		if (prog_insn_is_jump(&insns[i]))
			leader[prog_jump_target(insns, i)] = true;
		if ((prog_insn_is_jump(&insns[i]) || prog_insn_is_exit(&insns[i])) && i + 1 < len)
			leader[i + 1] = true;
	}
	p->nblocks = 0;
	for (i = 0; i < len; i++)
		p->nblocks += leader[i];
	p->blocks = calloc(p->nblocks, sizeof(*p->blocks));
	p->subprogs = calloc(nstarts, sizeof(*p->subprogs));
	p->insn_block = malloc(len * sizeof(*p->insn_block));
	if (!p->blocks || !p->subprogs || !p->insn_block) {
		free(leader);
		return -ENOMEM;
	}
	p->nsubprogs = nstarts;
	for (s = 0; s < nstarts; s++) {
		p->subprogs[s].start = starts[s];
		p->subprogs[s].end = s + 1 < nstarts ? starts[s + 1] : len;
	}

	/* Blocks in program order; subprograms are contiguous, so are their blocks. */
	b = 0;
	s = 0;
	for (i = 0; i < len; i = next_insn(insns, i)) {
		if (leader[i]) {
			while (s + 1 < nstarts && i >= starts[s + 1])
				s++;
			blk = &p->blocks[b++];
			blk->first = i;
			blk->subprog = s;
			blk->succ[0] = blk->succ[1] = -1;
			if (p->subprogs[s].nblocks++ == 0)
				p->subprogs[s].first_block = b - 1;
		}
		p->blocks[b - 1].last = i;
		p->insn_block[i] = (int32_t)(b - 1);
		if (prog_insn_is_ldimm64(&insns[i]))
			p->insn_block[i + 1] = -1;
	}
	free(leader);

	for (b = 0; b < p->nblocks; b++) {
		blk = &p->blocks[b];
		last = blk->last;
		if (prog_insn_is_exit(&insns[last]))
			continue;
		if (insn_is_uncond_jump(&insns[last])) {
			blk->succ[0] = p->insn_block[prog_jump_target(insns, last)];
			continue;
		}
		/* never past len: a subprogram ends in exit or ja (validated) */
		blk->succ[0] = p->insn_block[next_insn(insns, last)];
		if (prog_insn_is_jump(&insns[last])) {
			int32_t taken = p->insn_block[prog_jump_target(insns, last)];

			if (taken != blk->succ[0])
				blk->succ[1] = taken;
		}
	}
	return 0;
}

struct prog *prog__new(const struct bpf_insn *insns, size_t len, char *msg, size_t msgsz)
{
	uint32_t *starts = NULL, nstarts = 0;
	struct prog *p = NULL;
	bool *second = NULL;
	int err;

	err = validate_insns(insns, len, &second, msg, msgsz);
	if (err)
		goto out;
	err = collect_subprogs(insns, len, second, &starts, &nstarts);
	if (err)
		goto out_nomem;
	err = check_subprogs(insns, len, starts, nstarts, msg, msgsz);
	if (err)
		goto out;

	p = calloc(1, sizeof(*p));
	if (!p)
		goto out_nomem;
	p->len = (uint32_t)len;
	p->insns = malloc(len * sizeof(*insns));
	if (!p->insns)
		goto out_nomem;
	memcpy(p->insns, insns, len * sizeof(*insns));
	err = build_cfg(p, starts, nstarts);
	if (err)
		goto out_nomem;
	goto out;

out_nomem:
	err = -ENOMEM;
	set_msg(msg, msgsz, "out of memory");
out:
	free(starts);
	free(second);
	if (err) {
		prog__free(p);
		errno = -err;
		return NULL;
	}
	return p;
}
