// SPDX-License-Identifier: MIT
/*
 * tools/optentry: see optentry.h.  A canonical program names each map by its
 * slot (LD_IMM64 imm = slot), so the slot is the map's `ref` for
 * core/optimize, as in `cache verify`.  The result keeps the input's length
 * (`ja +0` for what went): the loader's func_info/line_info stay valid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>
#include <bpf/bpf.h>

#include "core/optimize.h"
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

static json_t *proof_of(const struct opt_result *res, const char *reason, const char *where)
{
	struct cache_proof_window *w = NULL;
	json_t *p;
	uint32_t i;

	if (res->nwindows) {
		w = calloc(res->nwindows, sizeof(*w));
		if (!w)
			return NULL;
	}
	/* opt_optimize() commits a window only once core/smt proved it. */
	for (i = 0; i < res->nwindows; i++)
		w[i] = (struct cache_proof_window){
			.start = res->windows[i].start,
			.len = res->windows[i].len,
			.insns_before = res->windows[i].insns_before,
			.insns_after = res->windows[i].insns_after,
			.round = res->windows[i].round,
			.verdict = "equivalent",
		};
	p = cache_proof_new("core/optimize", w, res->nwindows, smt_verdict_str(res->whole),
			    res->whole_checked, res->whole_checked ? res->whole_msg : reason);
	free(w);
	if (p) {
		json_object_set_new(p, "rounds", json_integer(res->rounds));
		json_object_set_new(p, "insns_before", json_integer(res->insns_before));
		json_object_set_new(p, "insns_after", json_integer(res->insns_after));
		json_object_set_new(p, "where", json_string(where));
		if (res->judged)
			json_object_set_new(p, "judge",
					    json_pack("{s:s,s:I,s:I,s:i}", "by",
						      "kernel (xlated insns; GPL, no BTF, fresh maps)",
						      "before", (json_int_t)res->judge_before, "after",
						      (json_int_t)res->judge_after, "rejected",
						      res->rejected_judge));
	}
	return p;
}

int optentry_make(const struct cache_entry *q, const struct optentry_params *p,
		  struct cache_entry *e, double *seconds, char *msg, size_t msgsz)
{
	const struct cache_prog *cp = &q->orig;
	struct interp_map_def maps[SMT_MAX_MAPS];
	struct opt_env env = {.prog_type = cp->prog_type, .maps = maps, .nmaps = cp->nmaps};
	struct opt_params pp = {.budget = p->budget > 0 ? p->budget : 0.001,
				.jobs = p->jobs ? p->jobs : 1};
	size_t bytes = (size_t)cp->insn_cnt * sizeof(*cp->insns);
	struct opt_result res;
	char why[CACHE_MSG_SIZE];
	double t0 = now();
	struct judge j;
	bool judged;
	uint32_t i;
	int err;

	memset(e, 0, sizeof(*e));
	memset(&res, 0, sizeof(res));
	if (cp->nmaps > SMT_MAX_MAPS) {
		snprintf(msg, msgsz, "more than %d maps", SMT_MAX_MAPS);
		return -E2BIG;
	}
	for (i = 0; i < cp->nmaps; i++)
		maps[i] = (struct interp_map_def){
			.type = cp->maps[i].type,
			.key_size = cp->maps[i].key_size,
			.value_size = cp->maps[i].value_size,
			.max_entries = cp->maps[i].max_entries,
			.flags = cp->maps[i].map_flags,
			.ref = (int32_t)i,
		};
	/* The same program gets the same search wherever it runs: the key seeds it. */
	for (i = 0; i < 16; i++)
		pp.seed = pp.seed << 4 |
			  (uint64_t)(q->key[i] <= '9' ? q->key[i] - '0' : q->key[i] - 'a' + 10);
	judged = !p->keep && p->judge && !judge_open(&j, cp);
	if (judged) {
		pp.judge = judge_load;
		pp.judge_arg = &j;
	}
	if (p->keep) {
		err = -ECANCELED;
		snprintf(res.msg, sizeof(res.msg), "%.200s", p->keep);
	} else {
		err = opt_optimize(cp->insns, cp->insn_cnt, &env, &pp, &res);
	}
	if (judged)
		judge_close(&j);
	*seconds = now() - t0;
	e->orig = *cp;
	e->orig.insns = malloc(bytes);
	e->opt = malloc(bytes);
	if (!e->orig.insns || !e->opt) {
		opt_result__free(&res);
		cache_entry_free(e);
		return -ENOMEM;
	}
	memcpy(e->orig.insns, cp->insns, bytes);
	if (err || !res.insns || res.len != cp->insn_cnt) {
		snprintf(why, sizeof(why), "not optimized: %.200s",
			 res.msg[0] ? res.msg : strerror(-err));
		opt_result__free(&res);
		memset(&res, 0, sizeof(res));
		res.whole = SMT_UNKNOWN;
		memcpy(e->opt, cp->insns, bytes);
	} else {
		snprintf(why, sizeof(why), "%.200s", res.msg[0] ? res.msg : "optimized");
		memcpy(e->opt, res.insns, bytes);
	}
	e->opt_cnt = cp->insn_cnt;
	memcpy(e->key, q->key, sizeof(e->key));
	memcpy(e->name, q->name, sizeof(e->name));
	snprintf(e->optimizer_version, sizeof(e->optimizer_version), "%s", BPFSYNTH_VERSION);
	e->proof = proof_of(&res, why, p->where);
	e->timings = json_pack("{s:I}", "optimize_ms", (json_int_t)(*seconds * 1000));
	opt_result__free(&res);
	if (!e->proof) {
		cache_entry_free(e);
		return -ENOMEM;
	}
	err = cache_proof_check(e->proof, e->orig.insns, e->orig.insn_cnt, e->opt, e->opt_cnt, msg,
				msgsz);
	if (err)
		cache_entry_free(e);
	return err;
}
