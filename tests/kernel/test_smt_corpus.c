// SPDX-License-Identifier: MIT
/*
 * Mutation test of core/smt over the real-program corpus: the checker must
 * never call a program equivalent to a mutant that behaves differently.
 *
 * For each loop-free program of the corpus that the interpreter can run
 * (XDP, tc, socket filter, cgroup_skb; the map types core/interp holds:
 * arrays and hashes with their per-CPU and LRU forms, perf event arrays,
 * program arrays, device, CPU and XSK maps) and that the
 * checker can model (the program against itself is EQUIVALENT), make random
 * single-instruction mutants that still pass prog_validate() -- a changed
 * immediate, offset, register, ALU or jump operation, width (ALU/ALU64,
 * JMP/JMP32, access size), or the instruction replaced by "ja +0" -- and
 * check each against the original.  Every mutant proven EQUIVALENT is run
 * against the original on SMT_CORPUS_INPUTS random inputs in core/interp
 * (r0, packet, __sk_buff, map contents, and the helper calls: helper,
 * arguments, bytes read),
 * and, when both load, in the kernel with BPF_PROG_TEST_RUN; any difference
 * fails the test.  DIFFERENT verdicts carry their own replayed
 * counterexample.
 *
 * Environment: SMT_CORPUS_PROGS programs (default 20: make check's share;
 * make bench runs all), SMT_CORPUS_MUTANTS per program (default 50),
 * SMT_CORPUS_INPUTS per equivalent mutant (default 1000), SMT_CORPUS_TIMEOUT
 * seconds per check (default 1; make bench: 5).  Longer runs raise them
 * (SMT_CORPUS_SEED varies the mutants); SMT_CORPUS_MATCH takes only the
 * objects whose path holds that string (test_tunnel_kern, say).  The corpus is in
 * $CORPUS_DIR (default /var/cache/bpfsynth-corpus); without it the test
 * skips.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/interp.h"
#include "core/prog.h"
#include "core/smt.h"
#include "core/smt_internal.h" /* smt_calls_differ() */
#include "tests/kernel/harness.h"
#include "tests/test.h"

#define MAX_MAPS SMT_MAX_MAPS

struct cprog {
	char obj[512], name[128];
	struct kh_linked l; /* owns insns */
	uint32_t type;
	struct bpf_insn *insns;
	size_t len;
	struct interp_map_def maps[MAX_MAPS];
	uint32_t nmaps;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned long env_num(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 10) : def;
}

static bool interp_type(uint32_t t)
{
	return t == BPF_PROG_TYPE_XDP || t == BPF_PROG_TYPE_SOCKET_FILTER ||
	       t == BPF_PROG_TYPE_SCHED_CLS || t == BPF_PROG_TYPE_SCHED_ACT ||
	       t == BPF_PROG_TYPE_CGROUP_SKB;
}

static bool map_type_ok(uint32_t t)
{
	switch (t) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
		return true;
	}
	return false;
}

/* Maps a random input may put elements in (the others start empty). */
static bool map_has_values(uint32_t t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_HASH ||
	       t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_array(uint32_t t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/*
 * Link @path's program @name without the kernel (kh_link: maps by index),
 * if the interpreter can hold its maps (array and hash, of bounded size).
 */
static int load_cprog(const char *path, const char *name, const char *type, struct cprog *cp)
{
	struct kh_linked *l = &cp->l;
	char log[256];
	uint32_t m;
	int err;

	err = kh_link(path, name, kh_prog_type_by_name(type), l, log, sizeof(log));
	if (err)
		return err;
	err = -ENOTSUP;
	if (l->nmaps > MAX_MAPS)
		goto out;
	for (m = 0; m < l->nmaps; m++) {
		const struct kh_map_desc *d = &l->maps[m];

		if (!map_type_ok(d->type) || !d->max_entries || d->max_entries > 65536 ||
		    d->value_size > 4096)
			goto out;
		cp->maps[m] = (struct interp_map_def){ .type = d->type,
						       .key_size = d->key_size,
						       .value_size = d->value_size,
						       .max_entries = d->max_entries,
						       .flags = d->flags,
						       .ref = (int32_t)m };
	}
	cp->nmaps = l->nmaps;
	cp->type = l->type;
	cp->insns = l->insns;
	cp->len = l->len;
	snprintf(cp->obj, sizeof(cp->obj), "%s", path);
	snprintf(cp->name, sizeof(cp->name), "%s", name);
	return 0;
out:
	kh_linked_free(l);
	return err;
}

/* ---- mutants ---- */

static const uint8_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR,   BPF_AND,
				  BPF_LSH, BPF_RSH, BPF_XOR, BPF_ARSH, BPF_MOV};
static const uint8_t jmp_ops[] = {BPF_JEQ,  BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
				  BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
static const int32_t imms[] = {0, 1, -1, 2, 4, 8, 14, 16, 31, 32, 63, 255, 0x7fffffff};

static void mutate(struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code);

	switch (rnd() % 8) {
	case 0: /* imm */
		if (rnd() % 2)
			in->imm += rnd() % 2 ? 1 : -1;
		else
			in->imm = imms[rnd() % (sizeof(imms) / sizeof(imms[0]))];
		break;
	case 1: /* offset */
		in->off += rnd() % 2 ? 1 : -1;
		break;
	case 2: /* a register */
		if (rnd() % 2)
			in->dst_reg = rnd() % 11;
		else
			in->src_reg = rnd() % 11;
		break;
	case 3: /* the operation */
		if (cls == BPF_ALU || cls == BPF_ALU64)
			in->code = (in->code & ~0xf0) | alu_ops[rnd() % sizeof(alu_ops)];
		else if (cls == BPF_JMP || cls == BPF_JMP32)
			in->code = (in->code & ~0xf0) | jmp_ops[rnd() % sizeof(jmp_ops)];
		else
			in->code ^= 0x18; /* the size */
		break;
	case 4: /* the width */
		if (cls == BPF_ALU || cls == BPF_ALU64)
			in->code ^= BPF_ALU ^ BPF_ALU64;
		else if (cls == BPF_JMP || cls == BPF_JMP32)
			in->code ^= BPF_JMP ^ BPF_JMP32;
		else
			in->code ^= 0x08;
		break;
	case 5: /* K <-> X */
		in->code ^= BPF_X;
		break;
	default: /* removed */
		*in = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
		break;
	}
}

/* ---- running ---- */

static void random_input(uint8_t *pkt, uint32_t *len, uint32_t *prandom)
{
	uint32_t i, n = 14 + rnd() % 200;

	for (i = 0; i < n; i++)
		pkt[i] = (uint8_t)rnd();
	if (rnd() % 4) { /* mostly IPv4 with a plausible header, or ARP */
		pkt[12] = rnd() % 8 ? 0x08 : 0x86;
		pkt[13] = pkt[12] == 0x08 ? (rnd() % 8 ? 0x00 : 0x06) : 0xdd;
		if (pkt[12] == 0x08 && pkt[13] == 0) {
			pkt[14] = 0x45;
			pkt[23] = rnd() % 2 ? 6 : 17;
			if (n < 54)
				n = 54;
		}
		if (pkt[12] == 0x86 && n < 74)
			n = 74;
	}
	*len = n;
	for (i = 0; i < 4; i++)
		prandom[i] = (uint32_t)rnd();
}

struct machine {
	struct interp_prog *p;
	struct interp_ctx *c;
};

/* Compare two programs on @n random inputs in core/interp; differences found. */
static int interp_compare(const struct cprog *cp, const struct bpf_insn *b, size_t blen,
			  unsigned long n, char *why, size_t whysz)
{
	struct machine ma = {0}, mb = {0};
	uint8_t pkt[256];
	uint32_t prandom[4], len;
	unsigned long i;
	int diffs = 0;
	char msg[256];

	struct smt_env env = {.prog_type = cp->type, .maps = cp->maps, .nmaps = cp->nmaps};

	ma.p = interp_prog__new(cp->insns, cp->len, cp->type, msg, sizeof(msg));
	mb.p = interp_prog__new(b, blen, cp->type, msg, sizeof(msg));
	ma.c = interp_ctx__new(cp->maps, cp->nmaps, msg, sizeof(msg));
	mb.c = interp_ctx__new(cp->maps, cp->nmaps, msg, sizeof(msg));
	if (!ma.p || !mb.p || !ma.c || !mb.c) {
		snprintf(why, whysz, "interpreter setup: %.200s", msg);
		diffs = -1;
		goto out;
	}
	for (i = 0; i < n && !diffs; i++) {
		struct interp_input in = {0};
		struct interp_result ra, rb;
		uint8_t key[4] = {0}, val[64];
		struct interp_map_elem el[2];
		uint32_t k, m, ne = 0;

		random_input(pkt, &len, prandom);
		in.pkt = pkt;
		in.pkt_len = len;
		in.prandom = prandom;
		in.nprandom = 4;
		in.ktime_ns = rnd();
		in.ktime_step = rnd() % 1000;
		for (m = 0; m < cp->nmaps && ne < 2; m++) {
			if (!map_has_values(cp->maps[m].type) || cp->maps[m].key_size != 4 ||
			    cp->maps[m].value_size > sizeof(val) ||
			    (is_array(cp->maps[m].type) && (rnd() % 2)))
				continue;
			for (k = 0; k < sizeof(val); k++)
				val[k] = (uint8_t)rnd();
			key[0] = (uint8_t)(rnd() % 4);
			el[ne].map = m;
			el[ne].key = key;
			el[ne].value = val;
			ne++;
		}
		in.elems = el;
		in.nelems = ne;
		if (interp_run(ma.c, ma.p, &in, &ra) || interp_run(mb.c, mb.p, &in, &rb))
			continue;
		if (ra.status != INTERP_OK && ra.status != INTERP_FAULT)
			continue;
		if (ra.status != rb.status ||
		    (ra.status == INTERP_OK &&
		     (ra.retval != rb.retval || ra.pkt_len != rb.pkt_len ||
		      memcmp(ra.pkt, rb.pkt, ra.pkt_len) || smt_calls_differ(&env, &ra, &rb, NULL, 0) ||
		      (ra.skb && rb.skb && memcmp(ra.skb, rb.skb, sizeof(*ra.skb)))))) {
			snprintf(why, whysz, "input %lu: status %d/%d r0 %u/%u", i, ra.status,
				 rb.status, ra.retval, rb.retval);
			diffs++;
		}
		for (m = 0; m < cp->nmaps && !diffs; m++) {
			const void *kk, *vv;
			uint8_t v2[4096];
			uint32_t it = 0;

			while (!interp_map_next(ma.c, m, &it, &kk, &vv))
				if (interp_map_lookup(mb.c, m, kk, v2) ||
				    memcmp(v2, vv, cp->maps[m].value_size)) {
					snprintf(why, whysz, "input %lu: map %u differs", i, m);
					diffs++;
					break;
				}
		}
	}
out:
	interp_prog__free(ma.p);
	interp_prog__free(mb.p);
	interp_ctx__free(ma.c);
	interp_ctx__free(mb.c);
	return diffs;
}

/* Load @insns with fresh maps; the fd, or -errno.  @map_fds get the maps. */
static int kload(const struct cprog *cp, const struct bpf_insn *insns, size_t len, int *map_fds)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o);
	struct bpf_insn *x;
	int fd;

	fd = kh_linked_create_maps(&cp->l, map_fds);
	if (fd)
		return fd;
	x = malloc(len * sizeof(*x));
	if (!x)
		return -ENOMEM;
	memcpy(x, insns, len * sizeof(*x));
	/* a mutant may name a map that is not there: the kernel would say no */
	if (kh_insns_set_map_fds(x, len, map_fds, cp->nmaps)) {
		free(x);
		return -EINVAL;
	}
	fd = bpf_prog_load(cp->type, NULL, "GPL", x, len, &o);
	free(x);
	return fd < 0 ? -errno : fd;
}

/* Both in the kernel on @n inputs: differences, or -1 if either does not load. */
static int kernel_compare(const struct cprog *cp, const struct bpf_insn *b, size_t blen,
			  unsigned long n, char *why, size_t whysz)
{
	int fa, fb, mfa[MAX_MAPS], mfb[MAX_MAPS], diffs = 0;
	cpu_set_t old;
	unsigned long i;
	uint32_t m;

	memset(mfa, -1, sizeof(mfa));
	memset(mfb, -1, sizeof(mfb));
	fa = kload(cp, cp->insns, cp->len, mfa);
	fb = fa >= 0 ? kload(cp, b, blen, mfb) : -1;
	if (fa < 0 || fb < 0) {
		diffs = -1;
		goto out;
	}
	/*
	 * Both on one CPU: per-CPU maps (xdp-filter's counters) hold each
	 * CPU's values, and a run moved to another CPU between the two would
	 * count in another slot -- "map 0 differs" on a loaded machine.
	 */
	kh_pin_here(&old);
	for (i = 0; i < n && !diffs; i++) {
		uint8_t pkt[256], oa[512], ob[512];
		uint32_t len, pr[4];
		LIBBPF_OPTS(bpf_test_run_opts, ta);
		LIBBPF_OPTS(bpf_test_run_opts, tb);
		int ea, eb;

		random_input(pkt, &len, pr);
		ta.data_in = tb.data_in = pkt;
		ta.data_size_in = tb.data_size_in = len;
		ta.data_out = oa;
		tb.data_out = ob;
		ta.data_size_out = tb.data_size_out = sizeof(oa);
		ea = bpf_prog_test_run_opts(fa, &ta);
		eb = bpf_prog_test_run_opts(fb, &tb);
		if ((ea != 0) != (eb != 0) ||
		    (!ea && (ta.retval != tb.retval || ta.data_size_out != tb.data_size_out ||
			     memcmp(oa, ob, ta.data_size_out)))) {
			snprintf(why, whysz, "kernel input %lu: retval %u/%u", i, ta.retval,
				 tb.retval);
			diffs++;
		}
	}
	kh_unpin(&old);
	for (m = 0; m < cp->nmaps && !diffs; m++) {
		static uint8_t va[65536], vb[65536];
		const struct interp_map_def *d = &cp->maps[m];
		size_t vsz = d->value_size;
		uint8_t k[512];
		void *prev = NULL;

		if (!map_has_values(d->type))
			continue; /* fd and redirect maps: nothing the programs write */
		if (d->type == BPF_MAP_TYPE_PERCPU_ARRAY || d->type == BPF_MAP_TYPE_PERCPU_HASH ||
		    d->type == BPF_MAP_TYPE_LRU_PERCPU_HASH) /* every CPU's value */
			vsz = ((vsz + 7) & ~(size_t)7) * (size_t)libbpf_num_possible_cpus();
		if (vsz > sizeof(va))
			continue;
		while (!bpf_map_get_next_key(mfa[m], prev, k)) {
			int la = bpf_map_lookup_elem(mfa[m], k, va);
			int lb = bpf_map_lookup_elem(mfb[m], k, vb);

			if (la != lb || (!la && memcmp(va, vb, vsz))) {
				snprintf(why, whysz, "kernel: map %u differs after the runs", m);
				diffs++;
				break;
			}
			prev = k;
		}
	}
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	for (m = 0; m < MAX_MAPS; m++) {
		if (mfa[m] >= 0)
			close(mfa[m]);
		if (mfb[m] >= 0)
			close(mfb[m]);
	}
	return diffs;
}

static bool has_back_edge(const struct bpf_insn *insns, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (prog_insn_is_jump(&insns[i]) && prog_jump_target(insns, i) <= (int64_t)i)
			return true;
		if (prog_insn_is_ldimm64(&insns[i]))
			i++;
	}
	return false;
}

static void test_mutants(void)
{
	const char *dir = getenv("CORPUS_DIR") ?: "/var/cache/bpfsynth-corpus";
	/* make check's share: the first 20 programs, 1 s a check; make bench: all, 5 s */
	unsigned long nprogs = env_num("SMT_CORPUS_PROGS", 20);
	unsigned long nmut = env_num("SMT_CORPUS_MUTANTS", 50);
	unsigned long ninputs = env_num("SMT_CORPUS_INPUTS", 1000);
	unsigned long timeout = env_num("SMT_CORPUS_TIMEOUT", 1);
	const char *match = getenv("SMT_CORPUS_MATCH");
	unsigned long done = 0, counts[3] = {0, 0, 0}, kernel_runs = 0, linked = 0, unlinked = 0;
	char path[512], line[1024], why[256];
	bool kernel = kh_bpf_permitted(why, sizeof(why));
	struct smt_ctx *s;
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest.tsv", dir);
	f = fopen(path, "r");
	if (!f) {
		test_skip("no corpus at %s (make corpus)", dir);
		return;
	}
	s = smt_ctx__new((uint32_t)(timeout * 1000));
	if (!ASSERT_OK_PTR(s, "smt_ctx__new")) {
		fclose(f);
		return;
	}
	libbpf_set_print(NULL);
	while (done < nprogs && fgets(line, sizeof(line), f)) {
		char *sp, *obj = strtok_r(line, "\t", &sp), *name = strtok_r(NULL, "\t", &sp);
		struct cprog cp = {0};
		struct smt_env env;
		struct smt_result res;
		unsigned long k, tries;

		char *sec = strtok_r(NULL, "\t", &sp), *type = strtok_r(NULL, "\t", &sp);

		if (!obj || !name || !sec || !type || obj[0] == '#' ||
		    (strcmp(type, "xdp") && strcmp(type, "sched_cls") &&
		     strcmp(type, "sched_act") && strcmp(type, "socket_filter") &&
		     strcmp(type, "cgroup_skb")) || (match && !strstr(obj, match)))
			continue;
		snprintf(path, sizeof(path), "%s/objs/%s", dir, obj);
		if (load_cprog(path, name, type, &cp)) {
			unlinked++;
			continue;
		}
		linked++;
		if (!interp_type(cp.type) || cp.len > 400 || has_back_edge(cp.insns, cp.len)) {
			kh_linked_free(&cp.l);
			continue;
		}
		env = (struct smt_env){.prog_type = cp.type, .maps = cp.maps, .nmaps = cp.nmaps};
		if (smt_check_prog(s, cp.insns, cp.len, cp.insns, cp.len, &env, &res) ||
		    res.verdict != SMT_EQUIVALENT) {
			if (test_env.verbose)
				fprintf(stderr, "  skip %s %s: %s\n", obj, name, res.msg);
			kh_linked_free(&cp.l);
			continue;
		}
		done++;
		for (k = 0, tries = 0; k < nmut && tries < 20 * nmut; tries++) {
			struct bpf_insn *mu = malloc(cp.len * sizeof(*mu));
			size_t at = rnd() % cp.len;
			int d;

			memcpy(mu, cp.insns, cp.len * sizeof(*mu));
			if (at && prog_insn_is_ldimm64(&mu[at - 1]))
				at--;
			mutate(&mu[at]);
			if (!memcmp(mu, cp.insns, cp.len * sizeof(*mu)) ||
			    prog_validate(mu, cp.len, NULL, 0)) {
				free(mu);
				continue;
			}
			k++;
			if (smt_check_prog(s, cp.insns, cp.len, mu, cp.len, &env, &res)) {
				free(mu);
				continue;
			}
			counts[res.verdict]++;
			if (res.verdict == SMT_DIFFERENT)
				CHECK(res.replayed, "%s %s mutant at %zu: DIFFERENT without replay",
				      obj, name, at);
			if (res.verdict == SMT_EQUIVALENT) {
				d = interp_compare(&cp, mu, cp.len, ninputs, why, sizeof(why));
				CHECK(d == 0,
				      "%s %s: mutant at insn %zu proven equivalent but differs "
				      "in the interpreter: %s",
				      obj, name, at, why);
				if (kernel) {
					d = kernel_compare(&cp, mu, cp.len, ninputs, why,
							   sizeof(why));
					if (d >= 0)
						kernel_runs++;
					CHECK(d <= 0,
					      "%s %s: mutant at insn %zu proven equivalent "
					      "but differs in the kernel: %s",
					      obj, name, at, why);
				}
			}
			free(mu);
		}
		if (test_env.verbose)
			fprintf(stderr, "  %s %s (%zu insns): %lu mutants\n", obj, name, cp.len, k);
		kh_linked_free(&cp.l);
	}
	fclose(f);
	smt_ctx__free(s);
	fprintf(stderr,
		"  %lu programs (of %lu linked with maps the interpreter holds, %lu not); "
		"mutants: %lu equivalent, %lu different, %lu unknown; %lu equivalent mutants "
		"also compared in the kernel%s\n",
		done, linked, unlinked, counts[0], counts[1], counts[2], kernel_runs,
		kernel ? "" : " (bpf() not permitted)");
	ASSERT_GE(done, 1, "programs checked");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	if (getenv("SMT_CORPUS_SEED"))
		rng ^= strtoull(getenv("SMT_CORPUS_SEED"), NULL, 0) * 0x2545f4914f6cdd1dULL;
	RUN_TEST(test_mutants);
	return test_summary("test_smt_corpus");
}
