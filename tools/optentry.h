/* SPDX-License-Identifier: MIT */
/*
 * tools/optentry: a cache entry from a canonical program, through
 * core/optimize, with the kernel as an offline judge.  Shared by `bpfsynth
 * warm` and `bpfsynth worker`; the entry is made by cache/optentry.c, as in
 * the preload's sync mode (preload/optimize.c).
 */
#ifndef BPFSYNTH_TOOLS_OPTENTRY_H
#define BPFSYNTH_TOOLS_OPTENTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "cache/cache.h"

struct optentry_params {
	double budget;	   /* seconds */
	unsigned int jobs; /* opt_optimize() threads */
	const char *where; /* into the proof record: "warm", "worker" */
	bool judge;	   /* ask the kernel about each candidate (see optentry.c) */
	const char *keep;  /* not NULL: store the program unchanged, for this reason */
	/*
	 * >= 3: the judge is the loader, through the preload (sync mode, see
	 * preload/optimize.c): each candidate goes over this socket and is
	 * loaded with the loader's own attr and maps.  Else (0, -1): offline.
	 */
	int judge_fd;
};

/*
 * Optimize the queue entry @q (its canonical program and key) into the entry
 * @e (own memory: cache_entry_free()), with a proof record that
 * cache_proof_check() accepts.  A program the optimizer cannot improve or
 * handle becomes an entry of the program unchanged (the reason in its proof
 * record), so loads stop missing.  0, or -errno with the reason in @msg.
 * *@seconds: the optimizer's time.
 */
int optentry_make(const struct cache_entry *q, const struct optentry_params *p,
		  struct cache_entry *e, double *seconds, char *msg, size_t msgsz);

#endif
