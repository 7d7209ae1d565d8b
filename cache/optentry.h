/* SPDX-License-Identifier: MIT */
/*
 * cache/optentry: a cache entry from core/optimize's result.
 *
 * The one file of cache/ that knows core/optimize: sync mode (preload/
 * optimize.c), `bpfsynth warm` and `bpfsynth worker` (tools/optentry.c) all
 * make entries here, so an entry means the same wherever it was made (the
 * same environment for the optimizer, the same seed, the same proof record
 * and the same refusal of a record that does not cover the program).  How the
 * optimizer runs -- in which process, with which judge -- stays with them.
 */
#ifndef BPFSYNTH_CACHE_OPTENTRY_H
#define BPFSYNTH_CACHE_OPTENTRY_H

#include "cache/cache.h"
#include "core/optimize.h"

/*
 * What opt_optimize() needs to know of the canonical program @cp (key @key):
 * its maps by slot (a map reference's imm is its slot, so the slot is the
 * map's ref, as in `cache verify`) into @maps (SMT_MAX_MAPS of them) and
 * @env, and the search seed (the key's: the same program gets the same
 * search wherever it runs) into *@seed.  0, or -E2BIG with @msg.
 */
int cache_optentry_env(const struct cache_prog *cp, const char *key,
		       struct interp_map_def *maps, struct opt_env *env, uint64_t *seed, char *msg,
		       size_t msgsz);

struct cache_optentry_how {
	const char *version;  /* the optimizer's (BPFSYNTH_VERSION) */
	const char *name;     /* the program's name where it was seen */
	const char *where;    /* into the proof record: "preload (sync)", "warm", ... */
	const char *judge_by; /* how the kernel judged candidates, if it did */
	double seconds;	      /* the optimizer's time */
};

/*
 * The entry @e (own memory: cache_entry_free()) for @cp from opt_optimize()'s
 * return @err and result @res (freed here).  A program the optimizer could
 * not improve or handle becomes an entry of the program unchanged, the
 * reason in its proof record, so that loads stop missing.  0, or -errno with
 * @msg (-EBADMSG: the record would not cover the program; never stored).
 */
int cache_optentry_make(const struct cache_prog *cp, const char *key,
			const struct cache_optentry_how *how, int err, struct opt_result *res,
			struct cache_entry *e, char *msg, size_t msgsz);

/*
 * All @len bytes of @buf read from (@wr false) or written to @fd, through
 * EINTR and short transfers: the judge's protocol between the worker
 * (tools/optentry.c) and the loader that answers it (preload/optimize.c).
 * 0, or -EIO when the other end is gone or silent past the socket's timeout.
 */
int cache_optentry_io(int fd, void *buf, size_t len, bool wr);

#endif
