/* SPDX-License-Identifier: MIT */
/*
 * core/safety: would the kernel verifier reject this program?
 *
 * safety_check() reads the states core/analysis computed for every reachable
 * instruction and applies the verifier's rules that a rewrite most easily
 * breaks: memory accesses (stack, packet, ctx, map value) out of bounds,
 * misaligned, through a NULL-unchecked or unknown pointer, or to read-only ctx
 * fields; arithmetic the verifier forbids on pointers; partial spills and
 * fills of pointers; reads of uninitialized registers and stack; writes to
 * r10; constant shifts >= the width; division by a zero immediate; the
 * helpers each program type may call and their arguments; structurally
 * unreachable code.
 *
 * The model leans to rejection: it may reject a program the verifier accepts
 * (the search loses a candidate), it must not accept one it rejects.  It
 * assumes a privileged loader (CAP_BPF + CAP_PERFMON), as the preload runs
 * in, yet still rejects reads of uninitialized stack, which such a loader may
 * do, because a rewrite that introduces one is almost always wrong.  The
 * kernel's verdict stays final.
 */
#ifndef BPFSYNTH_CORE_SAFETY_H
#define BPFSYNTH_CORE_SAFETY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "core/analysis.h"
#include "core/prog.h"

/* The program's context: its type and its maps, as core/analysis takes them. */
struct safety_env {
	enum bpf_prog_type prog_type;
	/*
	 * The load's expected_attach_type: 0 unless the loader gave one.  XDP
	 * programs for a devmap (BPF_XDP_DEVMAP) may read egress_ifindex.
	 */
	enum bpf_attach_type expected_attach_type;
	const struct analysis_map *maps;
	uint32_t nmaps;
	/*
	 * The maps' map_flags, parallel to @maps, or NULL: then no map is
	 * known to be read-only (BPF_F_RDONLY_PROG, as libbpf makes .rodata)
	 * and stores into map values are not checked against it.
	 */
	const uint32_t *map_flags;
};

/*
 * Check @p, analysed as @a (under the same program type and maps as @env).
 * 0: the model expects the verifier to accept; -EACCES and "insn N: why" in
 * @msg: it expects a rejection; -EINVAL for bad arguments.
 */
int safety_check(const struct prog *p, const struct analysis *a, const struct safety_env *env,
		 char *msg, size_t msgsz);

/*
 * The same checks, not stopping at the first rejection: @cfg gets the
 * whole-program rejection (a loop, unreachable code; "" if none) and
 * @blocks[b], for each of @p's blocks, the first rejection inside block b
 * ("" if none); SAFETY_MSG_SIZE bytes each.  Returns how many rejections
 * there are, or -errno.  The optimizer holds rewrites of a program the model
 * rejects (the verifier accepts it: the model is stricter) to "no new
 * rejection": the same message for every block, and no rewrite at or after
 * a block's rejected instruction.
 */
#define SAFETY_MSG_SIZE 160
int safety_check_blocks(const struct prog *p, const struct analysis *a,
			const struct safety_env *env, char *cfg, char (*blocks)[SAFETY_MSG_SIZE]);

/*
 * The model's verdict on a program, kept to hold its rewrites to "no new
 * rejection" (core/safety_base.c says the rule).  safety_base_init() takes
 * it from @p analysed as @a: 0 or -errno (then nothing to free).
 * safety_base_check(): may @p (analysed as @a), a rewrite at [@start,
 * @start + @wlen) of the base's program or of one already held to the rule,
 * replace it?  0, or -EACCES with why
 * in @msg ("new rejection: ...", "the model rejects insn N, which the
 * rewrite reaches", "a rejection of the input's model went away"), or
 * -errno.  Where the model accepts the base, that is safety_check().
 */
struct safety_base {
	bool rejected;
	char cfg[SAFETY_MSG_SIZE];
	char (*blocks)[SAFETY_MSG_SIZE]; /* [nblocks], as safety_check_blocks() */
	uint32_t *last;			 /* each block's last instruction */
	uint32_t nblocks;
};

int safety_base_init(struct safety_base *s, const struct prog *p, const struct analysis *a,
		     const struct safety_env *env);
int safety_base_check(const struct safety_base *s, const struct prog *p, const struct analysis *a,
		      const struct safety_env *env, uint32_t start, uint32_t wlen, char *msg,
		      size_t msgsz);
void safety_base_free(struct safety_base *s);

#endif
