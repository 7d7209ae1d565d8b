// SPDX-License-Identifier: MIT
/*
 * bench_smt: how fast core/smt answers, on the corpus.
 *
 *   window checks per second -- every 3-instruction straight-line window of
 *   the corpus's XDP and tc programs against a random single-instruction
 *   mutant of itself (what the search asks thousands of times), under the
 *   pre-conditions (register types and offsets) and post-conditions (live
 *   registers and stack bytes) core/analysis computes;
 *
 *   whole-program check times (median, max) -- each loop-free program the
 *   checker models against itself and against one mutant;
 *
 * each with K2's region encoding and with the plain one-array encoding; and
 *
 *   search proposals per CPU second -- search_window() (core/search: the
 *   executor, the error on the tests, the moves, and the checker for the
 *   candidates that pass every test) on the windows search_windows() lists,
 *   at a fixed number of proposals and no deadline, so that the work done is
 *   the same from run to run whatever else the machine does: the figure is
 *   CPU time (the process's), and the checksum of the rewrites found shows
 *   that two builds searched alike.
 *
 * Environment: BENCH_SMT_WINDOWS (default 2000), BENCH_SMT_TIMEOUT (seconds
 * per query, default 10), BENCH_SEARCH_WINDOWS (default 200), BENCH_SMT_ONLY
 * (search: only the search figure), CORPUS_DIR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "core/analysis.h"
#include "core/prog.h"
#include "core/search.h"
#include "core/smt.h"
#include "tests/kernel/harness.h"

#define MAX_PROGS 512

struct cprog {
	uint32_t type;
	struct bpf_insn *insns;
	size_t len;
	struct interp_map_def maps[SMT_MAX_MAPS];
	uint32_t nmaps;
};

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* @path's program @name as libbpf links it (kh_link), its maps described by index. */
static int load_cprog(const char *path, const char *name, const char *type, struct cprog *cp)
{
	struct kh_linked l;
	char log[256];
	uint32_t m;
	int err;

	err = kh_link(path, name, kh_prog_type_by_name(type), &l, log, sizeof(log));
	if (err)
		return err;
	if (l.nmaps > SMT_MAX_MAPS) {
		kh_linked_free(&l);
		return -E2BIG;
	}
	cp->type = l.type;
	cp->nmaps = l.nmaps;
	for (m = 0; m < l.nmaps; m++)
		cp->maps[m] = (struct interp_map_def){ .type = l.maps[m].type,
						       .key_size = l.maps[m].key_size,
						       .value_size = l.maps[m].value_size,
						       .max_entries = l.maps[m].max_entries,
						       .flags = l.maps[m].flags,
						       .ref = (int32_t)m };
	/* take the instructions over; the rest goes */
	cp->insns = l.insns;
	cp->len = l.len;
	l.insns = NULL;
	kh_linked_free(&l);
	return 0;
}

/*
 * @cp decoded (*pr) and analysed (the result, NULL if either fails) under
 * @aenv with the maps in @amaps, which the analysis keeps pointing to: the
 * caller's, valid while it is used.
 */
static struct analysis *analyse(const struct cprog *cp, struct analysis_env *aenv,
				struct analysis_map *amaps, struct prog **pr)
{
	uint32_t k;

	*aenv = (struct analysis_env){.prog_type = cp->type, .maps = amaps, .nmaps = cp->nmaps};
	for (k = 0; k < cp->nmaps; k++)
		amaps[k] = (struct analysis_map){.type = cp->maps[k].type,
						 .key_size = cp->maps[k].key_size,
						 .value_size = cp->maps[k].value_size,
						 .max_entries = cp->maps[k].max_entries,
						 .ref = cp->maps[k].ref};
	*pr = prog__new(cp->insns, cp->len, NULL, 0);
	return *pr ? analysis__new(*pr, aenv, NULL, 0) : NULL;
}

static void mutate(struct bpf_insn *in)
{
	switch (rnd() % 4) {
	case 0:
		in->imm += rnd() % 2 ? 1 : -1;
		break;
	case 1:
		in->off += rnd() % 2 ? 1 : -1;
		break;
	case 2:
		in->dst_reg = rnd() % 10;
		break;
	default:
		in->code ^= BPF_CLASS(in->code) == BPF_ALU64 ? (BPF_ALU ^ BPF_ALU64) : 0x08;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static bool plain_insn(const struct bpf_insn *in)
{
	return !prog_insn_is_jump(in) && !prog_insn_is_call(in) && !prog_insn_is_exit(in) &&
	       !prog_insn_is_ldimm64(in) && BPF_CLASS(in->code) != BPF_LD;
}

/* The window [i, i + 3)'s pre- and post-conditions, from core/analysis. */
static bool window_cond(const struct analysis *a, uint32_t i, struct smt_window_cond *c)
{
	struct analysis_state st;
	int r, off;

	if (analysis_state(a, i, &st))
		return false;
	memset(c, 0, sizeof(*c));
	for (r = 0; r < 11; r++) {
		const struct analysis_reg *x = &st.regs[r];
		bool fixed = x->s.mask == 0 && x->s.value == 0;
		struct smt_reg_desc *d = &c->regs[r];

		d->off = x->off;
		switch (x->type) {
		case ANALYSIS_SCALAR:
			d->type = x->s.umax <= 0xffffffffULL ? SMT_REG_SCALAR32 : SMT_REG_SCALAR;
			break;
		case ANALYSIS_CTX:
			d->type = fixed ? SMT_REG_CTX : SMT_REG_NONE;
			break;
		case ANALYSIS_STACK:
			d->type = fixed ? SMT_REG_STACK : SMT_REG_NONE;
			break;
		case ANALYSIS_PKT:
			d->type = fixed ? SMT_REG_PKT : SMT_REG_NONE;
			break;
		case ANALYSIS_PKT_END:
			d->type = SMT_REG_PKT_END;
			break;
		case ANALYSIS_MAP_VALUE:
			d->type = fixed && x->map >= 0 ? SMT_REG_MAP_VALUE : SMT_REG_NONE;
			d->map = (uint8_t)(x->map >= 0 ? x->map : 0);
			break;
		default:
			d->type = SMT_REG_NONE;
		}
	}
	c->live_regs = analysis_live_out(a, i + 2);
	for (off = -512; off < 0; off++)
		if (analysis_stack_live_out(a, i + 2, off))
			c->live_stack[(off + 512) / 8] |= 1 << ((off + 512) % 8);
	return true;
}

static void bench_windows(struct cprog *progs, size_t n, unsigned long want, bool plain,
			  uint32_t timeout_ms)
{
	struct smt_ctx *s = smt_ctx__new(timeout_ms);
	unsigned long done = 0, v[3] = {0, 0, 0};
	struct smt_window_cond c;
	struct smt_stats st;
	double t = 0, t1, tv[3] = {0, 0, 0};
	size_t p, i, j;

	if (!s)
		return;
	for (p = 0; p < n && done < want; p++) {
		struct smt_env env = {.prog_type = progs[p].type,
				      .maps = progs[p].maps,
				      .nmaps = progs[p].nmaps,
				      .plain = plain};
		struct analysis_map amaps[SMT_MAX_MAPS];
		struct analysis_env aenv;
		struct prog *pr;
		struct analysis *a = analyse(&progs[p], &aenv, amaps, &pr);
		for (i = 0; a && i + 3 <= progs[p].len && done < want; i++) {
			struct bpf_insn w[3], m[3];
			struct smt_result res;

			for (j = 0; j < 3 && plain_insn(&progs[p].insns[i + j]); j++)
				;
			if (j < 3)
				continue;
			/* one basic block, reached, with types at its entry */
			if (pr->insn_block[i] != pr->insn_block[i + 2] ||
			    !window_cond(a, (uint32_t)i, &c))
				continue;
			memcpy(w, &progs[p].insns[i], sizeof(w));
			memcpy(m, w, sizeof(m));
			mutate(&m[rnd() % 3]);
			t1 = now();
			if (smt_check_window(s, w, 3, m, 3, &env, &c, &res))
				continue;
			t += now() - t1;
			tv[res.verdict] += now() - t1;
			v[res.verdict]++;
			done++;
			if (getenv("BENCH_SMT_VERBOSE") &&
			    (res.verdict == SMT_UNKNOWN || res.seconds > 0.05)) {
				fprintf(stderr, "window: %s (%.3f s) at %zu:", res.msg, res.seconds,
					i);
				for (j = 0; j < 3; j++)
					fprintf(stderr, " %02x/%d/%d/%d/%d %02x/%d/%d/%d/%d",
						w[j].code, w[j].dst_reg, w[j].src_reg, w[j].off,
						w[j].imm, m[j].code, m[j].dst_reg, m[j].src_reg,
						m[j].off, m[j].imm);
				fprintf(stderr, "\n");
			}
		}
		analysis__free(a);
		prog__free(pr);
	}
	smt_ctx__stats(s, &st);
	printf("  windows (%s): %lu checks in %.2f s of checking = %.0f checks/s (%lu equivalent, "
	       "%lu "
	       "different, %lu unknown; %lu solver queries, %lu cache hits)\n",
	       plain ? "plain" : "regions", done, t, done / (t > 0 ? t : 1), v[0], v[1], v[2],
	       (unsigned long)st.queries, (unsigned long)st.cache_hits);
	printf("    mean ms per check: equivalent %.2f, different (with replay) %.2f, unknown "
	       "%.2f\n",
	       v[0] ? 1e3 * tv[0] / v[0] : 0, v[1] ? 1e3 * tv[1] / v[1] : 0,
	       v[2] ? 1e3 * tv[2] / v[2] : 0);
	smt_ctx__free(s);
}

static void bench_progs(struct cprog *progs, size_t n, bool plain, uint32_t timeout_ms)
{
	struct smt_ctx *s = smt_ctx__new(timeout_ms);
	double *ts = calloc(2 * n + 1, sizeof(*ts));
	unsigned long v[3] = {0, 0, 0}, k = 0;
	size_t p;

	if (!s || !ts)
		goto out;
	for (p = 0; p < n; p++) {
		struct smt_env env = {.prog_type = progs[p].type,
				      .maps = progs[p].maps,
				      .nmaps = progs[p].nmaps,
				      .plain = plain};
		struct bpf_insn *mu = malloc(progs[p].len * sizeof(*mu));
		struct smt_result res;
		int tries;

		if (!mu)
			break;
		if (smt_check_prog(s, progs[p].insns, progs[p].len, progs[p].insns, progs[p].len,
				   &env, &res) ||
		    !strncmp(res.msg, "not modelled", 12)) {
			free(mu);
			continue;
		}
		ts[k++] = res.seconds;
		v[res.verdict]++;
		if (getenv("BENCH_SMT_VERBOSE"))
			fprintf(stderr, "prog %zu (%zu insns): %.3f s %s\n", p, progs[p].len,
				res.seconds, res.msg);
		for (tries = 0; tries < 20; tries++) {
			memcpy(mu, progs[p].insns, progs[p].len * sizeof(*mu));
			mutate(&mu[rnd() % progs[p].len]);
			if (!prog_validate(mu, progs[p].len, NULL, 0))
				break;
		}
		if (tries < 20 &&
		    !smt_check_prog(s, progs[p].insns, progs[p].len, mu, progs[p].len, &env,
				    &res) &&
		    strncmp(res.msg, "not modelled", 12)) {
			ts[k++] = res.seconds;
			v[res.verdict]++;
		}
		free(mu);
	}
	qsort(ts, k, sizeof(*ts), cmp_double);
	printf("  whole programs (%s): %lu checks, median %.1f ms, max %.1f ms (%lu equivalent, "
	       "%lu different, %lu unknown)\n",
	       plain ? "plain" : "regions", k, k ? 1e3 * ts[k / 2] : 0, k ? 1e3 * ts[k - 1] : 0,
	       v[0], v[1], v[2]);
out:
	free(ts);
	smt_ctx__free(s);
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bench_search(struct cprog *progs, size_t n, unsigned long want, uint32_t timeout_ms)
{
	struct smt_ctx *s = smt_ctx__new(timeout_ms);
	struct search_result *res = malloc(sizeof(*res));
	struct search_window ws[256];
	unsigned long done = 0, improved = 0;
	uint64_t proposals = 0, queries = 0, sum = 0;
	double t0 = cpu_now(), t;
	size_t p, i, j, nw, k;

	if (!s || !res)
		goto out;
	for (p = 0; p < n && done < want; p++) {
		struct smt_env env = {
			.prog_type = progs[p].type, .maps = progs[p].maps, .nmaps = progs[p].nmaps};
		struct analysis_map amaps[SMT_MAX_MAPS];
		struct analysis_env aenv;
		struct prog *pr;
		struct analysis *a = analyse(&progs[p], &aenv, amaps, &pr);
		nw = a ? search_windows(pr, a, SEARCH_MAX_WINDOW, ws, 256) : 0;
		if (nw > 256)
			nw = 256;
		/* three windows a program, spread over it: many programs' kinds of code */
		for (k = 0; k < 3 && k < nw && done < want; k++) {
			struct search_params sp = {.seed = 1 + done, .max_proposals = 4000,
						   .chains = 2};

			i = k * nw / 3;
			if (search_window(pr, a, &env, s, ws[i].start, ws[i].len, &sp, res))
				continue;
			done++;
			improved += res->improved;
			proposals += res->stats.proposals;
			queries += res->stats.smt_queries;
			for (j = 0; j < res->len; j++)
				sum = sum * 31 + res->insns[j].code + 7 * (uint32_t)res->insns[j].imm +
				      13 * res->insns[j].off + 17 * res->insns[j].dst_reg +
				      19 * res->insns[j].src_reg;
		}
		analysis__free(a);
		prog__free(pr);
	}
	t = cpu_now() - t0;
	printf("  search: %lu windows, %llu proposals in %.2f s of CPU = %.0f proposals/s "
	       "(%lu improved, %llu solver queries; rewrites' checksum %016llx)\n",
	       done, (unsigned long long)proposals, t, proposals / (t > 0 ? t : 1), improved,
	       (unsigned long long)queries, (unsigned long long)sum);
out:
	free(res);
	smt_ctx__free(s);
}

int main(void)
{
	const char *dir = getenv("CORPUS_DIR") ?: "/var/cache/bpfsynth-corpus";
	unsigned long want =
		getenv("BENCH_SMT_WINDOWS") ? strtoul(getenv("BENCH_SMT_WINDOWS"), NULL, 10) : 2000;
	uint32_t timeout =
		1000 * (getenv("BENCH_SMT_TIMEOUT")
				? (uint32_t)strtoul(getenv("BENCH_SMT_TIMEOUT"), NULL, 10)
				: 10);
	static struct cprog progs[MAX_PROGS];
	char path[1024], line[1024];
	size_t n = 0, unlinked = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest.tsv", dir);
	f = fopen(path, "r");
	if (!f) {
		printf("bench_smt: no corpus at %s\n", dir);
		return 0;
	}
	libbpf_set_print(NULL);
	while (n < MAX_PROGS && fgets(line, sizeof(line), f)) {
		char *sp, *obj = strtok_r(line, "\t", &sp), *name = strtok_r(NULL, "\t", &sp);
		char *sec = strtok_r(NULL, "\t", &sp), *type = strtok_r(NULL, "\t", &sp);

		if (!obj || !name || !sec || !type || obj[0] == '#' ||
		    (strcmp(type, "xdp") && strcmp(type, "sched_cls")))
			continue;
		snprintf(path, sizeof(path), "%s/objs/%s", dir, obj);
		memset(&progs[n], 0, sizeof(progs[n]));
		if (!load_cprog(path, name, type, &progs[n]))
			n++;
		else
			unlinked++;
	}
	fclose(f);
	printf("bench_smt: %zu XDP and tc programs of the corpus (%zu more not linkable)\n", n,
	       unlinked);
	if (!getenv("BENCH_SMT_ONLY") || strcmp(getenv("BENCH_SMT_ONLY"), "search")) {
		bench_windows(progs, n, want, false, timeout);
		bench_windows(progs, n, want, true, timeout);
		bench_progs(progs, n, false, timeout);
		bench_progs(progs, n, true, timeout);
	}
	bench_search(progs, n,
		     getenv("BENCH_SEARCH_WINDOWS")
			     ? strtoul(getenv("BENCH_SEARCH_WINDOWS"), NULL, 10)
			     : 200,
		     timeout);
	for (i = 0; i < n; i++)
		free(progs[i].insns);
	return 0;
}
