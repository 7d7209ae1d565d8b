/* SPDX-License-Identifier: MIT */
/*
 * preload/: what the files of libbpfsynth.so share.  preload.c is the
 * interposer and the load path; optimize.c runs the optimizer on a miss in
 * sync mode; spawn.c starts `bpfsynth worker` for async mode.  Everything
 * here is hidden (-fvisibility=hidden): the library exports only syscall().
 */
#ifndef BPFSYNTH_PRELOAD_PL_INTERNAL_H
#define BPFSYNTH_PRELOAD_PL_INTERNAL_H

#include <stddef.h>

#include "cache/cache.h"
#include "config/config.h"

/*
 * The kernel as the optimizer's judge in sync mode: every candidate is loaded
 * with the caller's own attr (@attr, @size bytes, for @cmd), its instructions
 * relinked to the caller's maps (@handles), and the verifier's verdict and
 * xlated length decide.  The attr's pointers (license, BTF info) are the
 * caller's: valid in the forked child that runs the optimizer.
 */
struct pl_judge {
	const void *attr;
	unsigned int size;
	long cmd;
	const struct cache_slot_handle *handles;
	uint32_t nslots;
	long (*bpf)(int cmd, void *attr, unsigned int size); /* the real bpf() */
};

/*
 * Optimize the canonical program @cp (key @key, called @name; @judge: NULL or
 * the kernel, see above) within the budget of @cfg,
 * on the calling thread unless @cfg->jobs says otherwise, and store the
 * result as the entry @key of @cfg->cache_dir.  0 with the entry in @e (its
 * own memory: cache_entry_free()) -- stored if the cache takes it (a failure
 * to store is logged) -- or -errno with the reason in @why; an entry whose
 * proof record is not complete is neither stored nor returned.
 * A program the optimizer cannot improve (or handle) is stored unchanged, so
 * that later loads do not pay the budget again.
 */
int pl_optimize(const struct config *cfg, const struct cache_prog *cp, const char *key,
		const char *name, const struct pl_judge *judge, struct cache_entry *e, char *why,
		size_t whysz);

/*
 * Start `bpfsynth worker` on @cfg->cache_dir, detached, unless one is running
 * (its lock is held) or no binary is configured or found; never waits for it.
 */
void pl_worker_start(const struct config *cfg);

/* The worker binary @cfg names or PATH holds, into @buf; -ENOENT if none (or "off"). */
int pl_worker_path(const struct config *cfg, char *buf, size_t bufsz);

/*
 * Run `@bin worker --key @key` on @cfg's cache with its budget and jobs, and
 * wait for it (killed after twice the budget plus 10 s).  With @serve, the
 * worker gets `--judge-fd N`, a socket on which it asks for the kernel's
 * verdict on each candidate, and @serve(@serve_arg, fd) answers one request
 * (< 0: no more) in a child that has the caller's memory and fds.  0 if the
 * worker exited saying the entry is stored, or -errno with @why.
 */
int pl_worker_run(const struct config *cfg, const char *bin, const char *key,
		  int (*serve)(void *arg, int fd), void *serve_arg, char *why, size_t whysz);

#endif
