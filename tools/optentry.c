// SPDX-License-Identifier: MIT
/*
 * tools/optentry: see optentry.h.  The entry itself is made as everywhere
 * (cache/optentry.c); what is the tools' own is the offline judge.  The
 * result keeps the input's length (`ja +0` for what went): the loader's
 * func_info/line_info stay valid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>
#include <bpf/bpf.h>

#include "cache/optentry.h"
#include "tools/optentry.h"
#include "tools/version.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The kernel as judge, offline: we do not have the loader's attr (license,
 * BTF, attach target), so the candidate is loaded as a program of the
 * entry's type, flags and attach type, GPL, no BTF, over fresh maps of the
 * entry's descriptions (read-only arrays empty and not frozen: the verifier
 * sees no constants there).  If the kernel does not take the original that
 * way, there is no judge (the load-time fail-safe remains).
 */
struct judge {
	const struct cache_prog *cp;
	struct cache_slot_handle h[CACHE_MAX_MAPS];
	uint32_t nmaps;
};

static int judge_load(void *arg, const struct bpf_insn *insns, size_t len, uint64_t *cost)
{
	struct judge *j = arg;
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = j->cp->expected_attach_type,
		    .prog_flags = j->cp->prog_flags, .attach_btf_id = j->cp->attach_btf_id);
	struct bpf_prog_info info;
	uint32_t ilen = sizeof(info);
	struct bpf_insn *p;
	int fd, err;

	p = malloc(len * sizeof(*p));
	if (!p)
		return -ENOMEM;
	err = cache_relink(insns, (uint32_t)len, j->h, j->nmaps, p);
	fd = err ? err : bpf_prog_load(j->cp->prog_type, "bpfsynth_judge", "GPL", p, len, &o);
	free(p);
	if (fd < 0)
		return fd == err ? err : -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &ilen) ? -errno : 0;
	close(fd);
	*cost = info.xlated_prog_len / 8;
	return err;
}

static void judge_close(struct judge *j)
{
	uint32_t i;

	for (i = 0; i < j->nmaps; i++)
		close(j->h[i].imm);
	j->nmaps = 0;
}

/* 0 with a judge that accepts the original, or -errno (then none). */
static int judge_open(struct judge *j, const struct cache_prog *cp)
{
	uint64_t cost;
	uint32_t i;
	int err;

	memset(j, 0, sizeof(*j));
	j->cp = cp;
	for (i = 0; i < cp->nmaps; i++) {
		LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = cp->maps[i].map_flags);
		int fd = bpf_map_create(cp->maps[i].type, NULL, cp->maps[i].key_size,
					cp->maps[i].value_size, cp->maps[i].max_entries, &mo);

		if (fd < 0) {
			err = -errno;
			judge_close(j);
			return err;
		}
		j->h[j->nmaps++] = (struct cache_slot_handle){false, fd};
	}
	err = judge_load(j, cp->insns, cp->insn_cnt, &cost);
	if (err)
		judge_close(j);
	return err;
}

/* The loader as judge (preload/optimize.c answers): a u32 count and the instructions. */
static int judge_remote(void *arg, const struct bpf_insn *insns, size_t len, uint64_t *cost)
{
	int fd = *(int *)arg;
	uint32_t n = (uint32_t)len;
	struct {
		int32_t err;
		uint32_t pad;
		uint64_t cost;
	} r;
	int err;

	err = cache_optentry_io(fd, &n, 4, true);
	if (!err)
		err = cache_optentry_io(fd, (void *)insns, len * sizeof(*insns), true);
	if (!err)
		err = cache_optentry_io(fd, &r, sizeof(r), false);
	if (err)
		return err;
	*cost = r.cost;
	return r.err;
}

int optentry_make(const struct cache_entry *q, const struct optentry_params *p,
		  struct cache_entry *e, double *seconds, char *msg, size_t msgsz)
{
	const struct cache_prog *cp = &q->orig;
	struct interp_map_def maps[SMT_MAX_MAPS];
	struct opt_env env;
	struct opt_params pp = {.budget = p->budget > 0 ? p->budget : 0.001,
				.jobs = p->jobs ? p->jobs : 1};
	struct cache_optentry_how how = {BPFSYNTH_VERSION, q->name, p->where,
					 "kernel (xlated insns; GPL, no BTF, fresh maps)", 0};
	struct opt_result res;
	double t0 = now();
	struct judge j;
	bool judged;
	int err;

	memset(e, 0, sizeof(*e));
	memset(&res, 0, sizeof(res));
	err = cache_optentry_env(cp, q->key, maps, &env, &pp.seed, msg, msgsz);
	if (err)
		return err;
	judged = !p->keep && p->judge && p->judge_fd < 3 && !judge_open(&j, cp);
	if (judged) {
		pp.judge = judge_load;
		pp.judge_arg = &j;
	} else if (!p->keep && p->judge_fd >= 3) {
		pp.judge = judge_remote;
		pp.judge_arg = (void *)&p->judge_fd;
		how.judge_by = "kernel (xlated insns; the loader's attr and maps)";
	}
	if (p->keep) {
		err = -ECANCELED;
		snprintf(res.msg, sizeof(res.msg), "%.200s", p->keep);
	} else {
		err = opt_optimize(cp->insns, cp->insn_cnt, &env, &pp, &res);
	}
	if (judged)
		judge_close(&j);
	*seconds = how.seconds = now() - t0;
	return cache_optentry_make(cp, q->key, &how, err, &res, e, msg, msgsz);
}
