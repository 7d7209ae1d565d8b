// SPDX-License-Identifier: MIT
/*
 * core/interp: the run loop.
 *
 * A program is predecoded once (interp_prog__new): each slot becomes a
 * struct interp_insn with the memory width in bytes, the immediate
 * sign-extended, and jump and call targets turned into absolute instruction
 * indices (gotol's imm included), so the loop never recomputes them.  LD_IMM64
 * keeps its two slots (fault messages and jump targets use the original
 * indices); the first carries the 64-bit constant and the loop steps over the
 * second.  Decoding rejects what the kernel would reject structurally and
 * what the loop cannot execute: unknown opcodes, jumps out of range or into
 * the middle of LD_IMM64, a truncated LD_IMM64.
 *
 * interp_run() is then one switch on the opcode byte, read top to bottom like
 * uBPF's vm/ubpf_vm.c and the kernel's ___bpf_prog_run().  The semantics are
 * the kernel's as a JIT-ed program on x86-64 observes them after the
 * verifier's fixups (do_misc_fixups), which is what BPF_PROG_TEST_RUN runs:
 *
 *  - ALU32 results are zero-extended; shift counts are masked (& 63 / & 31),
 *    as x86's shl/shr/sar do;
 *  - division by zero gives 0; modulo by zero leaves the dividend (32-bit:
 *    truncated and zero-extended); signed division by -1 is negation and
 *    signed modulo by -1 is 0 (the fixups avoid the CPU's INT_MIN / -1 trap);
 *  - END to_le truncates (little-endian host), to_be and ALU64 bswap swap;
 *  - JMP32 compares the low halves;
 *  - BPF-to-BPF calls get a fresh 512-byte stack, r1-r5 as arguments and
 *    r6-r9 preserved across the call (the callee's copies are its own);
 *  - LD_ABS/LD_IND are what bpf_gen_ld_abs() makes of them: a load through
 *    bpf_skb_load_helper_{8,16,32} and, when it fails, "w0 = 0; exit" -- an
 *    exit of the current function, as the inlined code does.
 *
 * Where the kernel does not do what the instruction says, we keep the ISA
 * and the differential test stays away: on x86-64 a successful cmpxchg32
 * leaves r0's upper half alone unless the verifier inserted a zero-extension
 * after it, which depends on its liveness marks; and in rare programs with
 * fetching atomics on stack slots the 6.18 verifier hard-wires a branch the
 * program later takes the other way (see tests/kernel/test_interp_diff.c).
 *
 * Memory goes through interp_xlate() (interp_internal.h): a region lookup by
 * address, a bounds and permission check, and a host pointer.  What it
 * refuses goes to interp_mem_slow() (interp_env.c), which serves ctx field
 * accesses and otherwise writes the fault message.  Helpers, maps and
 * contexts live in interp_env.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prog.h"
#include "core/interp_internal.h"

#define SET_MSG(msg, msgsz, ...)                                                                   \
	do {                                                                                       \
		if (msg && msgsz)                                                                  \
			snprintf(msg, msgsz, __VA_ARGS__);                                         \
	} while (0)

static const uint8_t size_bytes[4] = {
	[BPF_W >> 3] = 4,
	[BPF_H >> 3] = 2,
	[BPF_B >> 3] = 1,
	[BPF_DW >> 3] = 8,
};

static bool alu_op_valid(uint8_t code, int16_t off, int32_t imm)
{
	uint8_t op = BPF_OP(code);
	bool is64 = BPF_CLASS(code) == BPF_ALU64;

	switch (op) {
	case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_OR: case BPF_AND:
	case BPF_LSH: case BPF_RSH: case BPF_XOR: case BPF_ARSH:
		return off == 0;
	case BPF_NEG:
		return off == 0 && BPF_SRC(code) == BPF_K;
	case BPF_DIV: case BPF_MOD:
		return off == 0 || off == 1;
	case BPF_MOV:
		if (BPF_SRC(code) == BPF_K)
			return off == 0;
		return off == 0 || off == 8 || off == 16 || (is64 && off == 32);
	case BPF_END:
		if (is64 && BPF_SRC(code) != BPF_TO_LE)
			return false;
		return off == 0 && (imm == 16 || imm == 32 || imm == 64);
	}
	return false;
}

static bool atomic_op_valid(int32_t imm, uint8_t size)
{
	switch (imm) {
	case BPF_ADD: case BPF_ADD | BPF_FETCH:
	case BPF_OR: case BPF_OR | BPF_FETCH:
	case BPF_AND: case BPF_AND | BPF_FETCH:
	case BPF_XOR: case BPF_XOR | BPF_FETCH:
	case BPF_XCHG: case BPF_CMPXCHG:
		return size == 4 || size == 8;
	case BPF_LOAD_ACQ: case BPF_STORE_REL:
		return true;
	}
	return false;
}

/* Decode slot @i of @insns into @d; 0 or -EINVAL with @msg. */
static int decode_one(const struct bpf_insn *insns, size_t len, size_t i, struct interp_insn *d,
		      char *msg, size_t msgsz)
{
	const struct bpf_insn *in = &insns[i];
	uint8_t cls = BPF_CLASS(in->code);
	int64_t tgt;

	d->code = in->code;
	d->dst = in->dst_reg;
	d->src = in->src_reg;
	d->off = in->off;
	d->imm = in->imm;
	d->size = size_bytes[BPF_SIZE(in->code) >> 3];
	if (in->dst_reg > 10 || in->src_reg > 10) {
		SET_MSG(msg, msgsz, "insn %zu: invalid register", i);
		return -EINVAL;
	}

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (!alu_op_valid(in->code, in->off, in->imm))
			goto bad;
		return 0;
	case BPF_LDX:
		if (BPF_MODE(in->code) != BPF_MEM &&
		    !(BPF_MODE(in->code) == BPF_MEMSX && d->size != 8))
			goto bad;
		return 0;
	case BPF_ST:
		if (BPF_MODE(in->code) != BPF_MEM)
			goto bad;
		return 0;
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_MEM)
			return 0;
		if (BPF_MODE(in->code) == BPF_ATOMIC && atomic_op_valid(in->imm, d->size))
			return 0;
		goto bad;
	case BPF_LD:
		if (BPF_MODE(in->code) == BPF_ABS || BPF_MODE(in->code) == BPF_IND) {
			if (d->size == 8)
				goto bad;
			return 0;
		}
		if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
			goto bad;
		if (i + 1 >= len || insns[i + 1].code != 0) {
			SET_MSG(msg, msgsz, "insn %zu: truncated LD_IMM64", i);
			return -EINVAL;
		}
		if (in->src_reg == 0) {
			d->imm = (int64_t)(((uint64_t)(uint32_t)insns[i + 1].imm << 32) |
					   (uint32_t)in->imm);
		} else if (in->src_reg == BPF_PSEUDO_FUNC) { /* a callback: its index */
			tgt = (int64_t)i + in->imm + 1;
			if (tgt < 0 || tgt >= (int64_t)len)
				goto range;
			d->imm = tgt;
		} else {
			d->off = insns[i + 1].imm; /* map value offset */
		}
		return 0;
	case BPF_JMP:
	case BPF_JMP32:
		switch (BPF_OP(in->code)) {
		case BPF_EXIT:
			if (cls != BPF_JMP)
				goto bad;
			return 0;
		case BPF_CALL:
			if (cls != BPF_JMP)
				goto bad;
			if (in->src_reg == BPF_PSEUDO_CALL) {
				tgt = (int64_t)i + in->imm + 1;
				if (tgt < 0 || tgt >= (int64_t)len)
					goto range;
				d->off = (int32_t)tgt;
			}
			return 0;
		case BPF_JA:
			if (cls == BPF_JMP32)
				tgt = (int64_t)i + in->imm + 1;
			else
				tgt = (int64_t)i + in->off + 1;
			d->code = BPF_JMP | BPF_JA;
			break;
		case BPF_JCOND:
			if (cls != BPF_JMP || in->src_reg != BPF_MAY_GOTO)
				goto bad;
			tgt = (int64_t)i + in->off + 1;
			break;
		case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET: case BPF_JNE:
		case BPF_JSGT: case BPF_JSGE: case BPF_JLT: case BPF_JLE: case BPF_JSLT:
		case BPF_JSLE:
			tgt = (int64_t)i + in->off + 1;
			break;
		default:
			goto bad;
		}
		if (tgt < 0 || tgt >= (int64_t)len)
			goto range;
		d->off = (int32_t)tgt;
		return 0;
	}
bad:
	SET_MSG(msg, msgsz, "insn %zu: invalid or unsupported opcode 0x%02x", i, in->code);
	return -EINVAL;
range:
	SET_MSG(msg, msgsz, "insn %zu: jump out of range", i);
	return -EINVAL;
}

struct interp_prog *interp_prog__new(const struct bpf_insn *insns, size_t len, uint32_t type,
				     char *msg, size_t msgsz)
{
	struct interp_prog *p;
	uint8_t *second = NULL;
	size_t i;
	int err = -EINVAL;

	if (!insns || len == 0 || len > PROG_MAX_INSNS) {
		SET_MSG(msg, msgsz, "empty or oversized program");
		errno = EINVAL;
		return NULL;
	}
	switch (type) {
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		break;
	default:
		SET_MSG(msg, msgsz, "program type %u not supported", type);
		errno = EOPNOTSUPP;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	second = calloc(len, 1);
	if (!p || !second)
		goto nomem;
	p->insns = calloc(len, sizeof(*p->insns));
	if (!p->insns)
		goto nomem;
	p->len = (uint32_t)len;
	p->type = type;
	for (i = 0; i < len; i++) {
		err = decode_one(insns, len, i, &p->insns[i], msg, msgsz);
		if (err)
			goto fail;
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW)) {
			second[++i] = 1;
			p->insns[i].code = 0; /* never executed */
		}
	}
	/* Jumps into the second half of LD_IMM64 and a last insn that falls off. */
	for (i = 0; i < len; i++) {
		struct interp_insn *d = &p->insns[i];
		uint8_t cls = BPF_CLASS(d->code);

		if (second[i] || (cls != BPF_JMP && cls != BPF_JMP32))
			continue;
		if (BPF_OP(d->code) == BPF_EXIT ||
		    (BPF_OP(d->code) == BPF_CALL && d->src != BPF_PSEUDO_CALL))
			continue;
		if (second[d->off]) {
			SET_MSG(msg, msgsz, "insn %zu: jump into the middle of LD_IMM64", i);
			err = -EINVAL;
			goto fail;
		}
	}
	free(second);
	return p;
nomem:
	err = -ENOMEM;
	SET_MSG(msg, msgsz, "out of memory");
fail:
	free(second);
	interp_prog__free(p);
	errno = -err;
	return NULL;
}

void interp_prog__free(struct interp_prog *p)
{
	if (!p)
		return;
	free(p->insns);
	free(p);
}

uint32_t interp_prog__type(const struct interp_prog *p)
{
	return p->type;
}

void interp_fault(struct interp_result *res, enum interp_status st, uint32_t pc, const char *fmt,
		  ...)
{
	va_list ap;
	int n;

	res->status = st;
	res->fault_insn = pc;
	n = snprintf(res->msg, sizeof(res->msg), "insn %u: ", pc);
	va_start(ap, fmt);
	vsnprintf(res->msg + n, sizeof(res->msg) - n, fmt, ap);
	va_end(ap);
}

static inline uint64_t load_host(const uint8_t *h, uint32_t size)
{
	switch (size) {
	case 1: return *h;
	case 2: { uint16_t v; memcpy(&v, h, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, h, 4); return v; }
	default: { uint64_t v; memcpy(&v, h, 8); return v; }
	}
}

static inline void store_host(uint8_t *h, uint32_t size, uint64_t v)
{
	switch (size) {
	case 1: *h = (uint8_t)v; break;
	case 2: { uint16_t w = (uint16_t)v; memcpy(h, &w, 2); break; }
	case 4: { uint32_t w = (uint32_t)v; memcpy(h, &w, 4); break; }
	default: memcpy(h, &v, 8); break;
	}
}

static inline uint64_t sext(uint64_t v, uint32_t bytes)
{
	switch (bytes) {
	case 1: return (uint64_t)(int64_t)(int8_t)v;
	case 2: return (uint64_t)(int64_t)(int16_t)v;
	case 4: return (uint64_t)(int64_t)(int32_t)v;
	}
	return v;
}

static uint64_t alu_div(bool is64, bool sign, bool mod, uint64_t a, uint64_t b)
{
	if (is64) {
		if (b == 0)
			return mod ? a : 0;
		if (!sign)
			return mod ? a % b : a / b;
		if ((int64_t)b == -1)
			return mod ? 0 : -a;
		return mod ? (uint64_t)((int64_t)a % (int64_t)b)
			   : (uint64_t)((int64_t)a / (int64_t)b);
	}
	uint32_t x = (uint32_t)a, y = (uint32_t)b;

	if (y == 0)
		return mod ? x : 0;
	if (!sign)
		return mod ? x % y : x / y;
	if ((int32_t)y == -1)
		return mod ? 0 : (uint32_t)-x;
	return mod ? (uint32_t)((int32_t)x % (int32_t)y) : (uint32_t)((int32_t)x / (int32_t)y);
}

static inline uint64_t bswap(uint64_t v, int32_t bits)
{
	switch (bits) {
	case 16: return __builtin_bswap16((uint16_t)v);
	case 32: return __builtin_bswap32((uint32_t)v);
	default: return __builtin_bswap64(v);
	}
}

static inline bool jmp_cond(uint8_t op, uint64_t a, uint64_t b, bool is32)
{
	if (is32) {
		a = (uint32_t)a;
		b = (uint32_t)b;
	}
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSET: return (a & b) != 0;
	}
	if (is32) {
		int32_t x = (int32_t)a, y = (int32_t)b;

		switch (op) {
		case BPF_JSGT: return x > y;
		case BPF_JSGE: return x >= y;
		case BPF_JSLT: return x < y;
		default: return x <= y; /* BPF_JSLE */
		}
	}
	int64_t x = (int64_t)a, y = (int64_t)b;

	switch (op) {
	case BPF_JSGT: return x > y;
	case BPF_JSGE: return x >= y;
	case BPF_JSLT: return x < y;
	default: return x <= y;
	}
}

#define BPF_MAX_LOOPS (8 * 1024 * 1024) /* may_goto's budget per frame */

int interp_run(struct interp_ctx *c, const struct interp_prog *p, const struct interp_input *in,
	       struct interp_result *res)
{
	const struct interp_insn *insns = p->insns, *ins;
	struct interp_frame frames[INTERP_MAX_FRAMES];
	uint32_t depth = 0, pc = 0, ntail = 0, target, ret_pc;
	uint64_t r[11], budget, n = 0;
	uint8_t *h;
	uint64_t addr, v;
	int err;

	memset(res, 0, sizeof(*res));
	err = interp_env_reset(c, p, in, res);
	if (err)
		return err;
	budget = in->budget ? in->budget : INTERP_DEFAULT_BUDGET;

	memset(r, 0, sizeof(r));
	r[1] = c->regions[R_CTX].base;
	r[10] = c->regions[R_STACK0].base;
	frames[0].may_goto = BPF_MAX_LOOPS;

/* Memory access with the fault path; a ctx field goes through interp_mem_slow(). */
#define LOAD(addr_, size_, out_)                                                                   \
	do {                                                                                       \
		h = interp_xlate(c, (addr_), (size_), false);                                      \
		if (h)                                                                             \
			(out_) = load_host(h, (size_));                                            \
		else if (interp_mem_slow(c, res, pc, (addr_), (size_), INTERP_READ, &(out_)))      \
			goto stop;                                                                 \
	} while (0)
#define STORE(addr_, size_, val_)                                                                  \
	do {                                                                                       \
		uint64_t ___v = (val_);                                                            \
		h = interp_xlate(c, (addr_), (size_), true);                                       \
		if (!h)                                                                            \
			h = interp_mem_wptr(c, (addr_), (size_));                                  \
		if (h)                                                                             \
			store_host(h, (size_), ___v);                                              \
		else if (interp_mem_slow(c, res, pc, (addr_), (size_), INTERP_WRITE, &___v))       \
			goto stop;                                                                 \
	} while (0)
#define DST r[ins->dst]
#define SRC r[ins->src]
#define IMM ((uint64_t)ins->imm)
#define ALU64(op_, expr_)                                                                          \
	case BPF_ALU64 | op_ | BPF_X: { uint64_t b = SRC; DST = (expr_); break; }                  \
	case BPF_ALU64 | op_ | BPF_K: { uint64_t b = IMM; DST = (expr_); break; }
#define ALU32(op_, expr_)                                                                          \
	case BPF_ALU | op_ | BPF_X: { uint32_t a = (uint32_t)DST, b = (uint32_t)SRC;               \
		DST = (uint32_t)(expr_); break; }                                                  \
	case BPF_ALU | op_ | BPF_K: { uint32_t a = (uint32_t)DST, b = (uint32_t)IMM;               \
		DST = (uint32_t)(expr_); break; }
#define JMP(op_)                                                                                   \
	case BPF_JMP | op_ | BPF_X:                                                                \
		if (jmp_cond(op_, DST, SRC, false))                                                \
			goto jump;                                                                 \
		break;                                                                             \
	case BPF_JMP | op_ | BPF_K:                                                                \
		if (jmp_cond(op_, DST, IMM, false))                                                \
			goto jump;                                                                 \
		break;                                                                             \
	case BPF_JMP32 | op_ | BPF_X:                                                              \
		if (jmp_cond(op_, DST, SRC, true))                                                 \
			goto jump;                                                                 \
		break;                                                                             \
	case BPF_JMP32 | op_ | BPF_K:                                                              \
		if (jmp_cond(op_, DST, IMM, true))                                                 \
			goto jump;                                                                 \
		break;

	for (;;) {
		if (pc >= p->len) { /* p: the program running now (tail calls change it) */
			interp_fault(res, INTERP_FAULT, pc ? pc - 1 : 0, "fell off the end");
			goto stop;
		}
		ins = &insns[pc];
		if (++n > budget) {
			n--;
			interp_fault(res, INTERP_BUDGET, pc, "instruction budget exhausted");
			goto stop;
		}
		switch (ins->code) {
		/* ALU64 */
		ALU64(BPF_ADD, DST + b)
		ALU64(BPF_SUB, DST - b)
		ALU64(BPF_MUL, DST * b)
		ALU64(BPF_OR, DST | b)
		ALU64(BPF_AND, DST & b)
		ALU64(BPF_XOR, DST ^ b)
		ALU64(BPF_LSH, DST << (b & 63))
		ALU64(BPF_RSH, DST >> (b & 63))
		ALU64(BPF_ARSH, (uint64_t)((int64_t)DST >> (b & 63)))
		ALU64(BPF_DIV, alu_div(true, ins->off == 1, false, DST, b))
		ALU64(BPF_MOD, alu_div(true, ins->off == 1, true, DST, b))
		case BPF_ALU64 | BPF_MOV | BPF_X:
			DST = ins->off ? sext(SRC, ins->off / 8) : SRC;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			DST = IMM;
			break;
		case BPF_ALU64 | BPF_NEG:
			DST = -DST;
			break;
		case BPF_ALU64 | BPF_END | BPF_TO_LE: /* cpu v4 bswap16/32/64 */
			DST = bswap(DST, ins->imm);
			break;

		/* ALU32: results zero-extended */
		ALU32(BPF_ADD, a + b)
		ALU32(BPF_SUB, a - b)
		ALU32(BPF_MUL, a * b)
		ALU32(BPF_OR, a | b)
		ALU32(BPF_AND, a & b)
		ALU32(BPF_XOR, a ^ b)
		ALU32(BPF_LSH, a << (b & 31))
		ALU32(BPF_RSH, a >> (b & 31))
		ALU32(BPF_ARSH, (uint32_t)((int32_t)a >> (b & 31)))
		ALU32(BPF_DIV, alu_div(false, ins->off == 1, false, a, b))
		ALU32(BPF_MOD, alu_div(false, ins->off == 1, true, a, b))
		case BPF_ALU | BPF_MOV | BPF_X:
			DST = (uint32_t)(ins->off ? sext(SRC, ins->off / 8) : SRC);
			break;
		case BPF_ALU | BPF_MOV | BPF_K:
			DST = (uint32_t)IMM;
			break;
		case BPF_ALU | BPF_NEG:
			DST = (uint32_t)-(uint32_t)DST;
			break;
		case BPF_ALU | BPF_END | BPF_TO_LE: /* little-endian host: truncate */
			DST = ins->imm == 16 ? (uint16_t)DST : ins->imm == 32 ? (uint32_t)DST : DST;
			break;
		case BPF_ALU | BPF_END | BPF_TO_BE:
			DST = bswap(DST, ins->imm);
			break;

		/* Loads and stores */
		case BPF_LDX | BPF_MEM | BPF_B:
		case BPF_LDX | BPF_MEM | BPF_H:
		case BPF_LDX | BPF_MEM | BPF_W:
		case BPF_LDX | BPF_MEM | BPF_DW:
			addr = SRC + (int64_t)ins->off;
			LOAD(addr, ins->size, v);
			DST = v;
			break;
		case BPF_LDX | BPF_MEMSX | BPF_B:
		case BPF_LDX | BPF_MEMSX | BPF_H:
		case BPF_LDX | BPF_MEMSX | BPF_W:
			addr = SRC + (int64_t)ins->off;
			LOAD(addr, ins->size, v);
			DST = sext(v, ins->size);
			break;
		case BPF_ST | BPF_MEM | BPF_B:
		case BPF_ST | BPF_MEM | BPF_H:
		case BPF_ST | BPF_MEM | BPF_W:
		case BPF_ST | BPF_MEM | BPF_DW:
			STORE(DST + (int64_t)ins->off, ins->size, IMM);
			break;
		case BPF_STX | BPF_MEM | BPF_B:
		case BPF_STX | BPF_MEM | BPF_H:
		case BPF_STX | BPF_MEM | BPF_W:
		case BPF_STX | BPF_MEM | BPF_DW:
			STORE(DST + (int64_t)ins->off, ins->size, SRC);
			break;
		case BPF_STX | BPF_ATOMIC | BPF_B:
		case BPF_STX | BPF_ATOMIC | BPF_H:
		case BPF_STX | BPF_ATOMIC | BPF_W:
		case BPF_STX | BPF_ATOMIC | BPF_DW: {
			uint32_t sz = ins->size;
			uint64_t old, nv;

			if (ins->imm == BPF_LOAD_ACQ) { /* dst = *(src + off) */
				LOAD(SRC + (int64_t)ins->off, sz, v);
				DST = v;
				break;
			}
			addr = DST + (int64_t)ins->off;
			if (ins->imm == BPF_STORE_REL) {
				STORE(addr, sz, SRC);
				break;
			}
			h = interp_xlate(c, addr, sz, true);
			if (!h)
				h = interp_mem_wptr(c, addr, sz);
			if (!h) {
				interp_mem_slow(c, res, pc, addr, sz, INTERP_ATOMIC, &v);
				goto stop;
			}
			old = load_host(h, sz);
			switch (ins->imm & ~BPF_FETCH) {
			case BPF_ADD: nv = old + SRC; break;
			case BPF_OR: nv = old | SRC; break;
			case BPF_AND: nv = old & SRC; break;
			case BPF_XOR: nv = old ^ SRC; break;
			case BPF_XCHG & ~BPF_FETCH: nv = SRC; break;
			default: /* BPF_CMPXCHG */
				nv = (sz == 4 ? (uint32_t)r[0] : r[0]) == old ? SRC : old;
				break;
			}
			store_host(h, sz, nv);
			if (ins->imm == BPF_CMPXCHG)
				r[0] = old; /* zero-extended for W */
			else if (ins->imm & BPF_FETCH)
				SRC = old;
			break;
		}

		/* LD_IMM64 and the legacy packet loads */
		case BPF_LD | BPF_IMM | BPF_DW:
			if (ins->src == 0) {
				DST = IMM;
			} else if (ins->src == BPF_PSEUDO_FUNC) {
				DST = INTERP_FUNC_BASE + IMM;
			} else if (interp_ldimm64_map(c, res, pc, ins->src, (int32_t)ins->imm,
						      ins->off, &v)) {
				goto stop;
			} else {
				DST = v;
			}
			pc += 2;
			continue;
		case BPF_LD | BPF_ABS | BPF_B:
		case BPF_LD | BPF_ABS | BPF_H:
		case BPF_LD | BPF_ABS | BPF_W:
		case BPF_LD | BPF_IND | BPF_B:
		case BPF_LD | BPF_IND | BPF_H:
		case BPF_LD | BPF_IND | BPF_W:
			r[2] = BPF_MODE(ins->code) == BPF_IND ? SRC + IMM : IMM;
			r[1] = r[6];
			err = interp_ld_abs(c, res, pc, (int32_t)r[2], ins->size, &v);
			if (err < 0)
				goto stop;
			if (err == 0) {
				r[0] = v;
				break;
			}
			r[0] = 0; /* not in the packet: "w0 = 0; exit" */
			goto do_exit;

		/* Jumps */
		case BPF_JMP | BPF_JA:
			goto jump;
		JMP(BPF_JEQ)
		JMP(BPF_JNE)
		JMP(BPF_JGT)
		JMP(BPF_JGE)
		JMP(BPF_JLT)
		JMP(BPF_JLE)
		JMP(BPF_JSET)
		JMP(BPF_JSGT)
		JMP(BPF_JSGE)
		JMP(BPF_JSLT)
		JMP(BPF_JSLE)
		case BPF_JMP | BPF_JCOND: /* may_goto */
			if (frames[depth].may_goto == 0)
				goto jump;
			frames[depth].may_goto--;
			break;

		case BPF_JMP | BPF_CALL:
			if (ins->src == BPF_PSEUDO_CALL) {
				struct interp_frame *f;

				target = ins->off;
				ret_pc = pc + 1;
enter_call:
				if (depth + 1 >= INTERP_MAX_FRAMES) {
					interp_fault(res, INTERP_FAULT, pc,
						     "call depth exceeds %d frames",
						     INTERP_MAX_FRAMES);
					goto stop;
				}
				f = &frames[depth];
				f->prog = p;
				f->ret_pc = ret_pc;
				memcpy(f->saved, &r[6], sizeof(f->saved));
				f->fp = r[10];
				depth++;
				if (depth > c->max_depth)
					c->max_depth = depth;
				c->regions[R_STACK0 + depth].lo = -INTERP_STACK_SIZE;
				/* a new call's frame holds garbage again */
				memset(c->stack_init[depth], 0, INTERP_STACK_SIZE);
				frames[depth].may_goto = BPF_MAX_LOOPS;
				r[10] = c->regions[R_STACK0 + depth].base;
				pc = target;
				continue;
			}
			if (ins->src != 0) {
				err = ins->src == BPF_PSEUDO_KFUNC_CALL && ins->off == 0
					      ? interp_ct_kfunc(c, res, pc, (int32_t)ins->imm, r)
					      : 1;
				if (!err)
					break;
				if (err == 1)
					interp_fault(res, INTERP_UNSUPPORTED, pc,
						     "unsupported kfunc call %d", (int)ins->imm);
				goto stop;
			}
			if (ins->imm == BPF_FUNC_tail_call) {
				const struct interp_prog *t;

				if (interp_tail_call(c, res, pc, r, &ntail, &t))
					goto stop;
				if (t) { /* same frame, same ctx in r1 */
					p = t;
					insns = p->insns;
					pc = 0;
					continue;
				}
				break;
			}
			if (ins->imm == BPF_FUNC_loop || ins->imm == BPF_FUNC_for_each_map_elem) {
				struct interp_cb *cb = &frames[depth].cb;

				err = interp_cb_start(c, res, pc, (int32_t)ins->imm, r, depth,
						      p->len, cb, &r[1]);
				if (err < 0)
					goto stop;
				if (err == 1) {
					r[0] = cb->count;
					break;
				}
				target = cb->target;
				ret_pc = INTERP_CB_RET;
				goto enter_call;
			}
			if (interp_helper(c, res, pc, (int32_t)ins->imm, r))
				goto stop;
			break;
		case BPF_JMP | BPF_EXIT:
do_exit:
			if (depth == 0)
				goto done;
			c->regions[R_STACK0 + depth].lo = 0; /* the callee's stack is gone */
			depth--;
			p = frames[depth].prog;
			insns = p->insns;
			pc = frames[depth].ret_pc;
			memcpy(&r[6], frames[depth].saved, sizeof(frames[depth].saved));
			r[10] = frames[depth].fp;
			if (pc == INTERP_CB_RET) { /* a callback returned into its helper */
				struct interp_cb *cb = &frames[depth].cb;

				if (!interp_cb_next(c, cb, depth, r[0], &r[1])) {
					target = cb->target;
					ret_pc = INTERP_CB_RET;
					pc = cb->pc;
					goto enter_call;
				}
				r[0] = cb->count;
				pc = cb->pc + 1;
			}
			continue;

		default:
			interp_fault(res, INTERP_UNSUPPORTED, pc, "unsupported opcode 0x%02x",
				     ins->code);
			goto stop;
		}
		pc++;
		continue;
jump:
		pc = ins->off;
	}
#undef LOAD
#undef STORE
#undef DST
#undef SRC
#undef IMM
#undef ALU64
#undef ALU32
#undef JMP
done:
	res->status = INTERP_OK;
	res->r0 = r[0];
	res->retval = (uint32_t)r[0];
stop:
	res->insns = n;
	interp_env_finish(c, res);
	return 0;
}
