// SPDX-License-Identifier: MIT
/* cache/optentry: see optentry.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/optentry.h"

int cache_optentry_env(const struct cache_prog *cp, const char *key,
		       struct interp_map_def *maps, struct opt_env *env, uint64_t *seed, char *msg,
		       size_t msgsz)
{
	uint32_t i;

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
	*env = (struct opt_env){.prog_type = cp->prog_type,
				.expected_attach_type = cp->expected_attach_type,
				.maps = maps,
				.nmaps = cp->nmaps};
	*seed = 0;
	for (i = 0; i < 16; i++)
		*seed = *seed << 4 | (uint64_t)(key[i] <= '9' ? key[i] - '0' : key[i] - 'a' + 10);
	return 0;
}

/* The proof record of @res; NULL on allocation failure. */
static json_t *optentry_proof(const struct opt_result *res, const char *reason,
			      const struct cache_optentry_how *how)
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
		json_object_set_new(p, "where", json_string(how->where));
		if (res->judged)
			json_object_set_new(p, "judge",
					    json_pack("{s:s,s:I,s:I,s:i}", "by", how->judge_by,
						      "before", (json_int_t)res->judge_before, "after",
						      (json_int_t)res->judge_after, "rejected",
						      res->rejected_judge));
	}
	return p;
}

int cache_optentry_make(const struct cache_prog *cp, const char *key,
			const struct cache_optentry_how *how, int err, struct opt_result *res,
			struct cache_entry *e, char *msg, size_t msgsz)
{
	size_t bytes = (size_t)cp->insn_cnt * sizeof(*cp->insns);
	char why[CACHE_MSG_SIZE];

	memset(e, 0, sizeof(*e));
	e->orig = *cp;
	e->orig.insns = malloc(bytes);
	if (!e->orig.insns) {
		opt_result__free(res);
		return -ENOMEM;
	}
	memcpy(e->orig.insns, cp->insns, bytes);
	if (err || !res->insns || res->len != cp->insn_cnt) {
		/* Nothing we can do for this program: store it unchanged. */
		snprintf(why, sizeof(why), "not optimized: %.200s",
			 res->msg[0] ? res->msg : strerror(-err));
		opt_result__free(res);
		memset(res, 0, sizeof(*res));
		res->whole = SMT_UNKNOWN;
		e->opt = malloc(bytes);
		if (e->opt)
			memcpy(e->opt, cp->insns, bytes);
	} else {
		snprintf(why, sizeof(why), "%.200s", res->msg[0] ? res->msg : "optimized");
		e->opt = res->insns;
		res->insns = NULL;
	}
	e->opt_cnt = cp->insn_cnt;
	memcpy(e->key, key, sizeof(e->key) - 1);
	snprintf(e->name, sizeof(e->name), "%s", how->name ? how->name : "");
	snprintf(e->optimizer_version, sizeof(e->optimizer_version), "%s", how->version);
	e->proof = optentry_proof(res, why, how);
	e->timings = json_pack("{s:I}", "optimize_ms", (json_int_t)(how->seconds * 1000));
	opt_result__free(res);
	if (!e->opt || !e->proof) {
		cache_entry_free(e);
		return -ENOMEM;
	}
	/* What the loaders would refuse is not made. */
	err = cache_proof_check(e->proof, e->orig.insns, e->orig.insn_cnt, e->opt, e->opt_cnt, msg,
				msgsz);
	if (err)
		cache_entry_free(e);
	return err;
}

int cache_optentry_io(int fd, void *buf, size_t len, bool wr)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = wr ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
