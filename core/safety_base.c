// SPDX-License-Identifier: MIT
/*
 * core/safety_base: "no new rejection", the rule a rewrite of a program is
 * held to by the safety model (core/optimize and `bpfsynth opt` use it).
 *
 * The model rejects some programs the verifier accepts (it is stricter on
 * purpose).  Where it accepts the input, it must accept every rewrite too.
 * Where it rejects the input, a rewrite must leave every block's verdict as
 * it was (the same message, block by block: safety_check_blocks()) and may
 * not reach an instruction at or after one the model rejects in that block:
 * the model has not looked beyond it.  Blocks are compared by their
 * rejections' messages ("insn N: why"), not by index, since a removed
 * instruction becomes `ja +0`, which ends a block.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/safety.h"

int safety_base_init(struct safety_base *s, const struct prog *p, const struct analysis *a,
		     const struct safety_env *env)
{
	char msg[SAFETY_MSG_SIZE];
	uint32_t b;
	int n;

	memset(s, 0, sizeof(*s));
	if (!safety_check(p, a, env, msg, sizeof(msg)))
		return 0;
	s->rejected = true;
	s->nblocks = p->nblocks;
	s->blocks = calloc(s->nblocks ?: 1, sizeof(*s->blocks));
	s->last = calloc(s->nblocks ?: 1, sizeof(*s->last));
	if (!s->blocks || !s->last) {
		safety_base_free(s);
		return -ENOMEM;
	}
	for (b = 0; b < s->nblocks; b++)
		s->last[b] = p->blocks[b].last;
	n = safety_check_blocks(p, a, env, s->cfg, s->blocks);
	if (n < 0) {
		safety_base_free(s);
		return n;
	}
	return 0;
}

void safety_base_free(struct safety_base *s)
{
	free(s->blocks);
	free(s->last);
	memset(s, 0, sizeof(*s));
}

/* Whether @msg is one of the base's block rejections not yet matched (then it is). */
static bool base_has(const struct safety_base *s, const char *msg, bool *used)
{
	uint32_t b;

	for (b = 0; b < s->nblocks; b++)
		if (!used[b] && s->blocks[b][0] && !strcmp(s->blocks[b], msg)) {
			used[b] = true;
			return true;
		}
	return false;
}

int safety_base_check(const struct safety_base *s, const struct prog *p, const struct analysis *a,
		      const struct safety_env *env, uint32_t start, uint32_t wlen, char *msg,
		      size_t msgsz)
{
	char cfg[SAFETY_MSG_SIZE], (*blocks)[SAFETY_MSG_SIZE] = NULL;
	uint32_t b, nbase = 0, ncand = 0;
	bool *used = NULL;
	int n, err = 0;

	if (!s->rejected)
		return safety_check(p, a, env, msg, msgsz);
	for (b = 0; b < s->nblocks; b++) {
		unsigned int at;

		if (!s->blocks[b][0])
			continue;
		nbase++;
		/* the model stops at a block's rejection: no rewrite from there */
		if (sscanf(s->blocks[b], "insn %u:", &at) == 1 && start + wlen > at &&
		    start <= s->last[b]) {
			snprintf(msg, msgsz, "the model rejects insn %u, which the rewrite reaches",
				 at);
			return -EACCES;
		}
	}
	blocks = calloc(p->nblocks ?: 1, sizeof(*blocks));
	used = calloc(s->nblocks + 1, sizeof(*used));
	if (!blocks || !used) {
		err = -ENOMEM;
		goto out;
	}
	n = safety_check_blocks(p, a, env, cfg, blocks);
	if (n < 0) {
		err = n;
		goto out;
	}
	if (strcmp(cfg, s->cfg)) {
		snprintf(msg, msgsz, "new rejection: %s", cfg[0] ? cfg : "(cfg accepted)");
		err = -EACCES;
		goto out;
	}
	for (b = 0; b < p->nblocks; b++) {
		if (!blocks[b][0])
			continue;
		ncand++;
		if (!base_has(s, blocks[b], used)) {
			snprintf(msg, msgsz, "new rejection: %s", blocks[b]);
			err = -EACCES;
			goto out;
		}
	}
	if (ncand != nbase) {
		snprintf(msg, msgsz, "a rejection of the input's model went away");
		err = -EACCES;
	}
out:
	free(used);
	free(blocks);
	return err;
}
