// SPDX-License-Identifier: MIT
/*
 * preload/optimize: sync mode's miss.  The caller's program, in canonical
 * form (maps named by slot), goes to core/optimize within the configured
 * budget; the result and its proof record become a cache entry, which the
 * load path then loads like any hit (with the same fail-safe).
 *
 * We are inside someone else's process, on its thread, in the middle of its
 * bpf() call.  The optimizer starts threads (its search jobs, and Z3's timer
 * threads, which Z3 keeps for reuse and never ends), allocates a lot, and
 * could crash; none of that may happen to the host.
 *
 * Where a worker binary is found (as for async mode: BPFSYNTH_WORKER, the
 * config's "worker", bpfsynth in PATH), the program goes through the queue
 * to `bpfsynth worker --key KEY`, started without fork() (spawn.c: no atfork
 * handler of the host runs, no SIGCHLD reaches it), and we wait for it and
 * read the entry it stored.  The kernel still judges each candidate with
 * the caller's own attr and maps: the worker sends it over a socket to the
 * middle child spawn.c starts it from, which has the caller's memory and a
 * copy of its fds and loads it as pl_judge_load() does (pl_judge_serve()).
 *
 * Without a worker binary, as before: the optimizer runs in a forked child,
 * which stores the entry and hands the optimized program back through
 * shared memory, and ends with _exit() (no atexit handler or stdio buffer of
 * the host runs; its atfork handlers do, and it may see a SIGCHLD).  We wait for that child only (a deadline of twice the budget
 * plus 10 s, then SIGKILL); a child that dies costs the caller nothing but
 * the time: its original loads.  The child shares the caller's fds and a copy
 * of its memory, so it can ask the kernel about each candidate exactly as the
 * caller's load will (struct pl_judge): what the verifier refuses is never
 * committed, and the cost is the kernel's own count.  The host may see one SIGCHLD.  Nothing is
 * printed; errno is restored by the hook.  The canonical program is what opt_optimize() sees: a map
 * reference's imm is its slot, and the slot is the map's `ref`, as in `cache
 * verify`.  The result keeps the input's length (`ja +0` for what went), so
 * the caller's func_info/line_info stay valid as they are.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "cache/optentry.h"
#include "preload/pl_internal.h"
#include "tools/version.h"

static double pl_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * opt_judge_fn: load the candidate as the caller would, with no log; its cost
 * is what the kernel kept of it (xlated instructions, `ja +0` gone).
 */
static int pl_judge_load_into(const struct pl_judge *j, const struct bpf_insn *insns,
			      size_t len, struct bpf_insn *p, uint64_t *cost)
{
	unsigned char attr[4096] __attribute__((aligned(8)));
	union bpf_attr *a = (union bpf_attr *)attr, q;
	struct bpf_prog_info info;
	long fd;
	int err;

	if (j->size > sizeof(attr))
		return -E2BIG;
	err = cache_relink(insns, (uint32_t)len, j->handles, j->nslots, p);
	if (err)
		return err;
	memset(attr, 0, sizeof(attr));
	memcpy(attr, j->attr, j->size);
	a->insns = (uint64_t)(uintptr_t)p;
	a->insn_cnt = (uint32_t)len;
	a->log_level = 0;
	a->log_buf = 0;
	a->log_size = 0;
	fd = j->bpf((int)j->cmd, attr, j->size);
	if (fd < 0)
		return -errno;
	memset(&q, 0, sizeof(q));
	memset(&info, 0, sizeof(info));
	q.info.bpf_fd = (uint32_t)fd;
	q.info.info_len = sizeof(info);
	q.info.info = (uint64_t)(uintptr_t)&info;
	err = j->bpf(BPF_OBJ_GET_INFO_BY_FD, &q, sizeof(q)) < 0 ? -errno : 0;
	close((int)fd);
	*cost = info.xlated_prog_len / 8;
	return err;
}

static int pl_judge_load(void *arg, const struct bpf_insn *insns, size_t len, uint64_t *cost)
{
	struct bpf_insn *p = malloc(len * sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	err = pl_judge_load_into(arg, insns, len, p, cost);
	free(p);
	return err;
}

/*
 * The worker's judge, answered by spawn.c's middle child: the caller's memory
 * and fds, no allocation (the buffers are the host's, made before).  A
 * request is a u32 count and that many instructions (canonical); the answer
 * an i32 error, 4 bytes of padding and the u64 cost.  tools/optentry.c asks.
 */
struct pl_serve {
	const struct pl_judge *j;
	struct bpf_insn *in, *out;
	uint32_t cap;
};

static int pl_judge_serve(void *arg, int fd)
{
	struct pl_serve *sv = arg;
	struct {
		int32_t err;
		uint32_t pad;
		uint64_t cost;
	} r = {0, 0, 0};
	uint32_t n;

	if (cache_optentry_io(fd, &n, 4, false))
		return -1;
	if (!n || n > sv->cap) {
		r.err = -E2BIG;
		cache_optentry_io(fd, &r, sizeof(r), true);
		return -1; /* the request's rest cannot be skipped: no more */
	}
	if (cache_optentry_io(fd, sv->in, (size_t)n * 8, false))
		return -1;
	r.err = pl_judge_load_into(sv->j, sv->in, n, sv->out, &r.cost);
	return cache_optentry_io(fd, &r, sizeof(r), true);
}

/* The optimization itself, in the child: pl_optimize() without the process around it. */
static int pl_optimize_here(const struct config *cfg, const struct cache_prog *cp,
			    const char *key, const char *name, const struct pl_judge *judge,
			    struct cache_entry *e, char *why, size_t whysz)
{
	struct interp_map_def maps[SMT_MAX_MAPS];
	struct opt_env env;
	struct opt_params pp = {
		.budget = cfg->budget_ms / 1000.0,
		.jobs = cfg->jobs ? cfg->jobs : 1,
		.judge = judge ? pl_judge_load : NULL,
		.judge_arg = (void *)judge,
	};
	struct cache_optentry_how how = {BPFSYNTH_VERSION, name, "preload (sync)",
					 "kernel (xlated insns)", 0};
	struct opt_result res;
	char msg[CACHE_MSG_SIZE];
	double t0 = pl_seconds();
	int err;

	memset(e, 0, sizeof(*e));
	memset(&res, 0, sizeof(res));
	err = cache_optentry_env(cp, key, maps, &env, &pp.seed, why, whysz);
	if (err)
		return err;
	if (pp.budget <= 0)
		pp.budget = 0.001; /* 0 means "a default" to opt_optimize(); the budget says none */
	/*
	 * The kernel refused what we made of this program before (the entry went
	 * to rejected/): the same search would make it again.  Store the program
	 * unchanged instead, so later loads hit and do not pay the budget.
	 */
	if (!cache_path(cfg->cache_dir, CACHE_REJECTED, key, msg, sizeof(msg)) &&
	    !access(msg, F_OK)) {
		err = -ECANCELED;
		snprintf(res.msg, sizeof(res.msg), "the kernel refused the optimized program before");
	} else {
		err = opt_optimize(cp->insns, cp->insn_cnt, &env, &pp, &res);
	}
	how.seconds = pl_seconds() - t0;
	err = cache_optentry_make(cp, key, &how, err, &res, e, why, whysz);
	if (err)
		return err;
	/* A cache we cannot write to (read-only, full) still gets this load optimized. */
	if (cache_entry_write(cfg->cache_dir, CACHE_ENTRIES, e, 0, msg, sizeof(msg)))
		log_warn("%.16s: optimized program not stored: %s", key, msg);
	return 0;
}

/* What the child hands back, in memory shared with it. */
struct pl_shared {
	int err;	/* 0: @insns holds the proven program */
	char why[CACHE_MSG_SIZE];
	struct bpf_insn insns[];
};

/* Sync mode through `bpfsynth worker --key`: queue, run, read what it stored. */
static int pl_optimize_worker(const struct config *cfg, const char *bin,
			      const struct cache_prog *cp, const char *key, const char *name,
			      const struct pl_judge *judge, struct cache_entry *e, char *why,
			      size_t whysz)
{
	struct pl_serve sv = {judge, NULL, NULL, cp->insn_cnt};
	struct cache_entry q;
	int err;

	memset(&q, 0, sizeof(q));
	memcpy(q.key, key, sizeof(q.key));
	snprintf(q.name, sizeof(q.name), "%s", name);
	q.orig = *cp;
	snprintf(q.optimizer_version, sizeof(q.optimizer_version), "%s", BPFSYNTH_VERSION);
	err = cache_entry_write(cfg->cache_dir, CACHE_QUEUE, &q, CACHE_WRITE_NOSYNC, why, whysz);
	if (err)
		return err;
	if (judge) {
		sv.in = malloc((size_t)sv.cap * 8);
		sv.out = malloc((size_t)sv.cap * 8);
	}
	err = pl_worker_run(cfg, bin, key, sv.in && sv.out ? pl_judge_serve : NULL, &sv, why,
			    whysz);
	free(sv.in);
	free(sv.out);
	if (err)
		return err;
	err = cache_lookup(cfg->cache_dir, cp, key, BPFSYNTH_VERSION, e, why, whysz);
	if (err)
		return err;
	/* The entry is code for the kernel: the same check as any hit's. */
	err = cache_proof_check(e->proof, e->orig.insns, e->orig.insn_cnt, e->opt, e->opt_cnt, why,
				whysz);
	if (err)
		cache_entry_free(e);
	return err;
}

int pl_optimize(const struct config *cfg, const struct cache_prog *cp, const char *key,
		const char *name, const struct pl_judge *judge, struct cache_entry *e, char *why,
		size_t whysz)
{
	char bin[PATH_MAX];
	size_t bytes = (size_t)cp->insn_cnt * sizeof(*cp->insns);
	size_t size = sizeof(struct pl_shared) + bytes;
	/* The budget plus time to start, check and write; then the child is killed. */
	double deadline = pl_seconds() + cfg->budget_ms / 1000.0 * 2 + 10;
	struct pl_shared *sh;
	struct cache_entry r;
	int status, err;
	pid_t pid, w;

	memset(e, 0, sizeof(*e));
	if (!pl_worker_path(cfg, bin, sizeof(bin)))
		return pl_optimize_worker(cfg, bin, cp, key, name, judge, e, why, whysz);
	sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		snprintf(why, whysz, "mmap: %s", strerror(errno));
		return -ENOMEM;
	}
	sh->err = -ECHILD;
	snprintf(sh->why, sizeof(sh->why), "the optimizer died");
	pid = fork();
	if (pid < 0) {
		err = -errno;
		snprintf(why, whysz, "fork: %s", strerror(errno));
		munmap(sh, size);
		return err;
	}
	if (pid == 0) {
		/* Only this process ever sees the optimizer's threads and memory. */
		err = pl_optimize_here(cfg, cp, key, name, judge, &r, sh->why, sizeof(sh->why));
		if (!err) {
			memcpy(sh->insns, r.opt, bytes);
			cache_entry_free(&r);
		}
		sh->err = err;
		_exit(0);
	}
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break; /* ECHILD: the host reaps its children itself; sh says what happened */
		if (pl_seconds() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			sh->err = -ETIMEDOUT;
			snprintf(sh->why, sizeof(sh->why), "the optimizer overran its budget");
			break;
		}
		usleep(1000);
	}
	err = sh->err;
	snprintf(why, whysz, "%s", sh->why);
	if (!err) {
		e->orig = *cp;
		e->orig.insns = malloc(bytes);
		e->opt = malloc(bytes);
		if (e->orig.insns && e->opt) {
			memcpy(e->orig.insns, cp->insns, bytes);
			memcpy(e->opt, sh->insns, bytes);
			e->opt_cnt = cp->insn_cnt;
			memcpy(e->key, key, sizeof(e->key));
		} else {
			cache_entry_free(e);
			err = -ENOMEM;
		}
	}
	munmap(sh, size);
	return err;
}
