/* SPDX-License-Identifier: MIT */
/*
 * core/safety's own: what safety.c (instructions, the control-flow graph,
 * the entry points) and safety_mem.c (the context, memory, the helpers'
 * arguments) share.  Not for other parts of core.
 */
#ifndef BPFSYNTH_CORE_SAFETY_INTERNAL_H
#define BPFSYNTH_CORE_SAFETY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/safety.h"

#define MAX_VAR_OFF (1ll << 29) /* BPF_MAX_VAR_OFF */
#define SKB_CTX_SIZE 192	/* sizeof(struct __sk_buff) */

struct safety_ctx {
	const struct prog *p;
	const struct analysis *a;
	const struct safety_env *env;
	char *msg;
	size_t msgsz;
};

/* Reject at instruction @i with the message in @c: -EACCES. */
int safety_reject(struct safety_ctx *c, uint32_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *safety_type_str(uint8_t t);

static inline bool is_ptr(const struct analysis_reg *r)
{
	return r->type != ANALYSIS_SCALAR && r->type != ANALYSIS_NOT_INIT;
}

/*
 * An access of @size bytes at register @regno + @insn_off at instruction
 * @i (state @st): a write (of @val, for a store from a register), a read, or
 * both (@atomic).  0 or safety_reject()'s -EACCES.
 */
int safety_check_mem(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
		     unsigned int regno, int16_t insn_off, unsigned int size, bool write, bool read,
		     bool atomic, const struct analysis_reg *val);
/* A call of helper @id at instruction @i: known, allowed here, its arguments right. */
int safety_check_helper(struct safety_ctx *c, uint32_t i, const struct analysis_state *st,
			int32_t id);

#endif
