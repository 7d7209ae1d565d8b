// SPDX-License-Identifier: MIT
/*
 * opt_compare: the kernel's verdict on an optimized object.
 *
 *   opt_compare ORIG.o OPT.o --prog NAME [--type TYPE] [--packets N] [--rounds R]
 *               [--repeat N] [--lat-packets N] [--checkpoint N] [--loads N] [--seed N]
 *               [--cpu N] [--json]
 *
 * Defaults: 1000 packets, maps compared every 100 (--checkpoint 1 names the
 * packet after which a map first differs), 36 latency rounds over 6 packets
 * with repeat 20000, spread over 3 loads, seed 1, the CPU it starts on.  --type is the program
 * type by libbpf's name (xdp, sched_cls, ...) where the section does not say.
 *
 * Loads the program NAME three times, each copy with maps of its own created
 * from its object's definitions: A and B from ORIG.o, X from OPT.o.  B exists
 * so that every measurement has a control: what A against B shows is what
 * the kernel and the machine do to two identical programs, i.e. the noise.
 *
 *  - sizes: real instructions submitted (ja +0 does not count: it is how opt
 *    removes instructions without moving jumps), and what the kernel made of
 *    them, xlated instructions and jited bytes (BPF_OBJ_GET_INFO_BY_FD);
 *  - differential: N generated packets (harness_pkt.h) through all three, in
 *    the same order, after the same pre-filling of the maps; after every
 *    packet retval, the packet out and (for skb programs) the __sk_buff out
 *    must agree, and every CHECKPOINT packets and at the end all maps.
 *    Where A and B disagree the program is not a function of its input
 *    (ktime, prandom, ...): those packets are counted as nondeterministic and
 *    not held against X; a map that drifted apart between A and B is not
 *    compared from then on.  X differing where A and B agree is a
 *    difference; a program seen to be nondeterministic at all is reported
 *    as such, its differences counted beside (they may be chance);
 *  - latency: BPF_PROG_TEST_RUN with a repeat count on a few well-formed
 *    packets (of 24, those the original spends longest on), one per round,
 *    through A, X and B interleaved (the order rotates); per round the
 *    ratio X/A and the control B/A.  The rounds are spread over --loads
 *    loads of all three (each after the last is unloaded, with fresh maps
 *    pre-filled the same way): where the JIT image lands makes a load
 *    faster or slower by several percent for all its runs, and that is
 *    noise too.  Reported: medians of ns per run, the
 *    median X/A and the spread of B/A; X is slower (faster) beyond noise
 *    when its median ratio is above (below) the noise band: the 10th to
 *    90th percentile of the control ratios and of their inverses (a round
 *    or two preempted must not widen it to nothing), and at least 1 ns,
 *    the kernel's resolution, either way.
 *
 * Program types BPF_PROG_TEST_RUN cannot run (tracing, kprobes, ...) get
 * sizes only.  Output: one line per part, or one JSON object (--json).
 * Exit status: 0 no difference (or not comparable), 1 differences, 2 only
 * nondeterministic disagreements, 255 error (e.g. OPT.o does not load).
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "tests/kernel/harness.h"
#include "tests/kernel/harness_pkt.h"

#define NINST 3 /* A, B: the original twice; X: the optimized */
enum { A, B, X };
#define MAX_MAPS 64
#define OUT_MAX 8192
#define MAX_LAT_PKTS 16
#define MAX_ROUNDS 1000

struct opts {
	const char *orig, *opt, *prog, *type;
	unsigned int packets, rounds, repeat, lat_pkts, checkpoint, loads;
	uint64_t seed;
	int cpu;
	bool json;
};

struct inst {
	struct kh_prog kp;
	int map_fd[MAX_MAPS];
	uint32_t insns; /* real ones: ja +0 not counted */
};

struct mapinfo {
	const char *name;
	enum bpf_map_type type;
	uint32_t key_size, value_size, max_entries, vsz; /* vsz: value as syscalls see it */
	bool compare, drifted, internal;
};

static struct inst inst[NINST];
static struct mapinfo maps[MAX_MAPS];
static uint32_t nmaps;
static int ncpus;

static bool percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool hash_like(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool array_like(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool runnable_type(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		return true;
	default:
		return false;
	}
}

/* Programs that get a struct __sk_buff in and out of BPF_PROG_TEST_RUN. */
static bool skb_type(enum bpf_prog_type t)
{
	return t != BPF_PROG_TYPE_XDP && t != BPF_PROG_TYPE_FLOW_DISSECTOR;
}

static uint32_t count_real(const struct bpf_insn *in, size_t n)
{
	uint32_t c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (!(in[i].code == (BPF_JMP | BPF_JA) && !in[i].off && !in[i].imm))
			c++;
	return c;
}

/* ---- maps: pre-fill, dump, compare ---------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_fill(uint64_t *s, uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rng_next(s);
}

/*
 * Values: a third zero, a third small (config flags, counters, ifindexes),
 * a third random bytes, so that both sides of "if (!val)" and "if (val->x)"
 * get taken.
 */
static void gen_value(uint64_t *s, uint8_t *v, size_t n)
{
	memset(v, 0, n);
	switch (rng_next(s) % 3) {
	case 1:
		v[0] = (uint8_t)(rng_next(s) % 4);
		break;
	case 2:
		rng_fill(s, v, n);
		break;
	}
}

/*
 * Hash keys taken from the packets the differential will send, at the offsets
 * where programs look up addresses, ports and protocols, so that lookups hit;
 * else small integers or random bytes.
 */
static void gen_key(uint64_t *s, struct pkt_gen *g, uint8_t *k, size_t n, bool lpm)
{
	static const uint32_t offs[] = {26, 30, 22, 38, 0, 6, 34, 12, 23};
	uint8_t pkt[PKT_GEN_MAX];
	uint32_t len, off, r = (uint32_t)(rng_next(s) % 4), pre = lpm ? 4 : 0;

	memset(k, 0, n);
	if (lpm) {
		uint32_t bits = (uint32_t)(n - 4) * 8, plen = 8 + (uint32_t)(rng_next(s) % bits);

		memcpy(k, plen > bits ? &bits : &plen, 4);
	}
	if (r < 2) {
		len = pkt_gen_next(g, pkt, NULL);
		off = offs[rng_next(s) % (sizeof(offs) / sizeof(offs[0]))];
		if (off + n - pre <= len) {
			memcpy(k + pre, pkt + off, n - pre);
			return;
		}
	}
	if (r == 2 && !lpm)
		k[0] = (uint8_t)(rng_next(s) % 16);
	else
		rng_fill(s, k + pre, n - pre);
}

/* The same elements into every instance's copy of map @m. */
static int prefill_map(uint32_t m, uint64_t seed, char *err, size_t errsz)
{
	const struct mapinfo *mi = &maps[m];
	uint64_t s = seed * 1000003 + m;
	uint8_t key[512], *val = calloc(1, mi->vsz);
	struct pkt_gen g;
	uint32_t i, n;
	int j, rc = 0;

	if (!val)
		return -ENOMEM;
	pkt_gen_init(&g, seed);
	if (array_like(mi->type))
		n = mi->max_entries < 256 ? mi->max_entries : 256;
	else if (hash_like(mi->type) || mi->type == BPF_MAP_TYPE_LPM_TRIE)
		n = mi->max_entries / 2 < 64 ? mi->max_entries / 2 : 64;
	else
		n = 0;
	for (i = 0; i < n && mi->key_size <= sizeof(key); i++) {
		if (array_like(mi->type))
			memcpy(key, &i, 4);
		else
			gen_key(&s, &g, key, mi->key_size, mi->type == BPF_MAP_TYPE_LPM_TRIE);
		gen_value(&s, val, mi->vsz);
		for (j = 0; j < NINST; j++) {
			if (bpf_map_update_elem(inst[j].map_fd[m], key, val, BPF_ANY) &&
			    errno != E2BIG && errno != EEXIST) {
				rc = -errno;
				snprintf(err, errsz, "pre-filling map %s: %s", mi->name,
					 strerror(errno));
				goto out;
			}
		}
	}
out:
	free(val);
	return rc;
}

/* Every map of the three copies that the differential compares, pre-filled alike. */
static int prefill_maps(const struct opts *o, char *err, size_t errsz)
{
	uint32_t m;
	int rc;

	for (m = 0; m < nmaps; m++) {
		if (!array_like(maps[m].type) && !hash_like(maps[m].type) &&
		    maps[m].type != BPF_MAP_TYPE_LPM_TRIE)
			continue;
		if (maps[m].internal) /* .data/.bss/.rodata: the object's values */
			continue;
		if ((rc = prefill_map(m, o->seed, err, errsz)))
			return rc;
	}
	return 0;
}

struct dump {
	uint8_t *buf;
	size_t n, cap, esz;
};

/* @cap is in bytes: one dump is reused for maps of different element sizes */
static int dump_add(struct dump *d, const void *k, size_t ks, const void *v, size_t vs)
{
	if ((d->n + 1) * d->esz > d->cap) {
		size_t cap = d->cap * 2 > 4096 ? d->cap * 2 : 4096;
		uint8_t *b;

		while (cap < (d->n + 1) * d->esz)
			cap *= 2;
		b = realloc(d->buf, cap);
		if (!b)
			return -ENOMEM;
		d->buf = b;
		d->cap = cap;
	}
	memcpy(d->buf + d->n * d->esz, k, ks);
	memcpy(d->buf + d->n * d->esz + ks, v, vs);
	d->n++;
	return 0;
}

static size_t cmp_esz;
static int cmp_elem(const void *a, const void *b)
{
	return memcmp(a, b, cmp_esz);
}

/*
 * Every element (key, value on every CPU) of @fd, sorted.  Batched where the
 * kernel can (the 65536-entry per-CPU arrays of xdpfilt would take a syscall
 * per element), else key by key.
 */
static int dump_map(int fd, const struct mapinfo *mi, struct dump *d)
{
	enum { CHUNK = 256 };
	size_t ks = mi->key_size, vs = mi->vsz;
	uint8_t *keys = malloc(CHUNK * ks), *vals = malloc(CHUNK * vs);
	uint8_t key[512], next[512];
	uint64_t batch = 0;
	bool first = true, done = false;
	int rc = 0;

	d->n = 0;
	d->esz = ks + vs;
	if (!keys || !vals || ks > sizeof(key)) {
		rc = -ENOMEM;
		goto out;
	}
	while (!done && mi->type != BPF_MAP_TYPE_LPM_TRIE) {
		uint32_t count = CHUNK, i;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals,
					       &count, NULL);

		if (err && errno != ENOENT) {
			if (first)
				break; /* not supported: the slow way */
			rc = -errno;
			goto out;
		}
		done = err != 0;
		first = false;
		for (i = 0; i < count && !rc; i++)
			rc = dump_add(d, keys + i * ks, ks, vals + i * vs, vs);
	}
	if (first) {
		while (!rc && !bpf_map_get_next_key(fd, first ? NULL : key, next)) {
			first = false;
			memcpy(key, next, ks);
			if (bpf_map_lookup_elem(fd, key, vals))
				continue;
			rc = dump_add(d, key, ks, vals, vs);
		}
	}
	cmp_esz = d->esz;
	if (d->n)
		qsort(d->buf, d->n, d->esz, cmp_elem);
out:
	free(keys);
	free(vals);
	return rc;
}

/* 1 when the dumps differ, with what in @msg. */
static int dump_diff(const struct dump *a, const struct dump *b, const char *name, char *msg,
		     size_t msgsz)
{
	size_t i;

	if (a->n != b->n)
		return snprintf(msg, msgsz, "map %s: %zu elements vs %zu", name, a->n, b->n), 1;
	for (i = 0; i < a->n; i++)
		if (memcmp(a->buf + i * a->esz, b->buf + i * b->esz, a->esz))
			return snprintf(msg, msgsz, "map %s: element %zu (sorted) differs", name,
					i), 1;
	return 0;
}

/* ---- loading ------------------------------------------------------------------------- */

static enum bpf_prog_type type_by_str(const char *name)
{
	const char *s;
	int t;

	for (t = 1; (s = libbpf_bpf_prog_type_str((enum bpf_prog_type)t)); t++)
		if (!strcmp(s, name))
			return (enum bpf_prog_type)t;
	return BPF_PROG_TYPE_UNSPEC;
}

/*
 * The map called @name in @obj.  Internal maps (.data, .rodata, .bss) are
 * named after the object's file ("xdp_redi.rodata"), which the optimized copy
 * does not share: those match by the part from the dot on.
 */
static struct bpf_map *find_map(struct bpf_object *obj, const char *name)
{
	const char *dot = strchr(name, '.');
	struct bpf_map *map;

	bpf_object__for_each_map (map, obj) {
		const char *n = bpf_map__name(map), *d = strchr(n, '.');

		if (!strcmp(n, name) || (dot && d && bpf_map__is_internal(map) && !strcmp(d, dot)))
			return map;
	}
	return NULL;
}

static int load_all(const struct opts *o, char *err, size_t errsz)
{
	enum bpf_prog_type type = o->type ? type_by_str(o->type) : BPF_PROG_TYPE_UNSPEC;
	static char log[KH_LOG_SIZE];
	struct bpf_map *map;
	char why[256];
	int j, rc;

	if (o->type && type == BPF_PROG_TYPE_UNSPEC)
		return snprintf(err, errsz, "unknown program type '%s'", o->type), -EINVAL;
	for (j = 0; j < NINST; j++) {
		const char *path = j == X ? o->opt : o->orig;

		rc = kh_load(path, o->prog, type, &inst[j].kp, log, sizeof(log));
		if (rc) {
			kh_log_reason(log, why, sizeof(why));
			snprintf(err, errsz, "%s: %s does not load: %s%s%s",
				 j == X ? "opt" : "orig", path, strerror(-rc), why[0] ? ": " : "",
				 why);
			return rc;
		}
		inst[j].insns = count_real(bpf_program__insns(inst[j].kp.prog),
					   bpf_program__insn_cnt(inst[j].kp.prog));
	}
	nmaps = 0;
	bpf_object__for_each_map (map, inst[A].kp.obj) {
		struct mapinfo *mi = &maps[nmaps];

		if (nmaps == MAX_MAPS)
			return snprintf(err, errsz, "more than %d maps", MAX_MAPS), -E2BIG;
		mi->name = bpf_map__name(map);
		mi->type = bpf_map__type(map);
		mi->key_size = bpf_map__key_size(map);
		mi->value_size = bpf_map__value_size(map);
		mi->max_entries = bpf_map__max_entries(map);
		mi->vsz = percpu(mi->type) ? ((mi->value_size + 7) & ~7u) * ncpus
					   : mi->value_size;
		mi->internal = bpf_map__is_internal(map);
		mi->compare = array_like(mi->type) || hash_like(mi->type) ||
			      mi->type == BPF_MAP_TYPE_LPM_TRIE;
		for (j = 0; j < NINST; j++) {
			struct bpf_map *mj;

			mj = find_map(inst[j].kp.obj, mi->name);

			if (!mj || bpf_map__type(mj) != mi->type ||
			    bpf_map__key_size(mj) != mi->key_size ||
			    bpf_map__value_size(mj) != mi->value_size)
				return snprintf(err, errsz, "opt: map %s missing or defined "
						"differently", mi->name), -EINVAL;
			inst[j].map_fd[nmaps] = bpf_map__fd(mj);
		}
		nmaps++;
	}
	return 0;
}

/* ---- differential --------------------------------------------------------------------- */

struct obs {
	int err;
	uint32_t retval, len, ctx_len;
	uint8_t out[OUT_MAX];
	struct __sk_buff ctx;
};

struct diffres {
	const char *status, *reason;
	unsigned int packets, differences, nondet, refused, checkpoints;
	unsigned int map_drifted, map_differs;
	long first_pkt, last_checkpoint;
	char first_what[256], first_kind[32], first_hex[2 * 256 + 1];
};

static void run_one(int j, enum bpf_prog_type t, const uint8_t *pkt, uint32_t len,
		    struct obs *ob)
{
	struct kh_run r = {
		.data_in = pkt,
		.data_size_in = len,
		.data_out = ob->out,
		.data_size_out = sizeof(ob->out),
		.repeat = 1,
	};

	memset(&ob->ctx, 0, sizeof(ob->ctx));
	if (skb_type(t)) {
		r.ctx_out = &ob->ctx;
		r.ctx_size_out = sizeof(ob->ctx);
	}
	ob->err = kh_test_run(inst[j].kp.fd, &r, NULL, 0);
	ob->retval = ob->err ? 0 : r.retval;
	ob->len = ob->err ? 0 : r.data_size_out;
	ob->ctx_len = ob->err ? 0 : r.ctx_size_out;
}

/* 0 when alike, else what differs in @msg. */
static int obs_diff(const struct obs *a, const struct obs *b, char *msg, size_t msgsz)
{
	if (a->err != b->err)
		return snprintf(msg, msgsz, "test run: %s vs %s", strerror(-a->err),
				strerror(-b->err)), 1;
	if (a->retval != b->retval)
		return snprintf(msg, msgsz, "retval %u vs %u", a->retval, b->retval), 1;
	if (a->len != b->len || memcmp(a->out, b->out, a->len))
		return snprintf(msg, msgsz, "packet out differs (%u vs %u bytes)", a->len,
				b->len), 1;
	if (a->ctx_len != b->ctx_len || memcmp(&a->ctx, &b->ctx, a->ctx_len))
		return snprintf(msg, msgsz, "__sk_buff out differs"), 1;
	return 0;
}

static void note_first(struct diffres *d, long k, const char *kind, const char *what,
		       const uint8_t *pkt, uint32_t len)
{
	uint32_t i;

	if (d->first_pkt >= 0)
		return;
	d->first_pkt = k;
	snprintf(d->first_what, sizeof(d->first_what), "%s", what);
	snprintf(d->first_kind, sizeof(d->first_kind), "%s", kind ? kind : "-");
	for (i = 0; pkt && i < len && i < 256; i++)
		sprintf(d->first_hex + 2 * i, "%02x", pkt[i]);
}

/* All maps of A, B and X: drift between A and B retires a map, X unlike A is a difference. */
/* @pkt: the last packet, named as the input when it alone ran since the last checkpoint */
static int checkpoint(struct diffres *d, long k, const uint8_t *pkt, uint32_t len)
{
	struct dump dm[NINST] = {0};
	char msg[256];
	uint32_t m;
	int j, rc = 0;

	d->checkpoints++;
	for (m = 0; m < nmaps && !rc; m++) {
		if (!maps[m].compare || maps[m].drifted)
			continue;
		for (j = 0; j < NINST && !rc; j++)
			rc = dump_map(inst[j].map_fd[m], &maps[m], &dm[j]);
		if (rc)
			break;
		if (dump_diff(&dm[A], &dm[B], maps[m].name, msg, sizeof(msg))) {
			maps[m].drifted = true;
			d->map_drifted++;
			continue;
		}
		if (dump_diff(&dm[A], &dm[X], maps[m].name, msg, sizeof(msg))) {
			char what[sizeof(msg) + 96];

			d->map_differs++;
			d->differences++;
			snprintf(what, sizeof(what), "%s, after packets %ld..%ld (--checkpoint 1 "
				 "names the packet)", msg, d->last_checkpoint + 1, k);
			note_first(d, k, "maps at checkpoint", what,
				   d->last_checkpoint + 1 == k ? pkt : NULL, len);
			maps[m].drifted = true; /* say it once */
		}
	}
	for (j = 0; j < NINST; j++)
		free(dm[j].buf);
	d->last_checkpoint = k;
	return rc;
}

static int differential(const struct opts *o, enum bpf_prog_type t, struct diffres *d)
{
	static struct obs ob[NINST];
	struct pkt_gen g;
	char msg[256];
	unsigned int k;
	int j, rc;

	pkt_gen_init(&g, o->seed);
	for (k = 0; k < o->packets; k++) {
		uint8_t pkt[PKT_GEN_MAX];
		const char *kind;
		uint32_t len = pkt_gen_next(&g, pkt, &kind);

		for (j = 0; j < NINST; j++)
			run_one(j, t, pkt, len, &ob[j]);
		d->packets++;
		if (obs_diff(&ob[A], &ob[B], msg, sizeof(msg))) {
			d->nondet++;
		} else if (obs_diff(&ob[A], &ob[X], msg, sizeof(msg))) {
			d->differences++;
			note_first(d, k, kind, msg, pkt, len);
		} else if (ob[A].err) {
			d->refused++;
		}
		if ((k + 1) % o->checkpoint == 0 || k + 1 == o->packets) {
			rc = checkpoint(d, k, pkt, len);
			if (rc)
				return rc;
		}
	}
	if (d->refused == d->packets) {
		d->status = "n/a";
		d->reason = "the kernel refuses to test-run it on every input";
	} else if (d->nondet || d->map_drifted) {
		/*
		 * Where the original disagrees with itself, X agreeing with A on
		 * a packet where B happened to as well proves little either way:
		 * say so, with the count of differences beside it, not hide it.
		 */
		d->status = "nondeterministic";
		d->reason = d->differences ? "two loads of the original disagree on some inputs; "
					     "the differences may be chance"
					   : "two loads of the original disagree on some inputs";
	} else if (d->differences) {
		d->status = "different";
	} else {
		d->status = "same";
	}
	return 0;
}

/* ---- latency -------------------------------------------------------------------------- */

struct latres {
	const char *status, *reason, *verdict;
	unsigned int npkts, rounds, repeat, loads;
	double ns[NINST], ratio_med, ratio_min, ratio_max, noise_med, noise_min, noise_max;
	double noise_p10, noise_p90, band_lo, band_hi;
	double tmean[NINST], tmean_ratio, tmean_noise; /* trimmed means over rounds */
	const char *kinds[MAX_LAT_PKTS];		/* of the packets timed */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define LAT_CANDIDATES 24

/*
 * The packets to time: of the first LAT_CANDIDATES well-formed packets the
 * program accepts, the ones it spends longest on.  A packet dropped at the
 * first check times the prologue, not the program.
 */
static unsigned int pick_lat_packets(const struct opts *o, uint8_t (*pkts)[PKT_GEN_MAX],
				     uint32_t *lens, const char **kinds)
{
	static uint8_t cand[LAT_CANDIDATES][PKT_GEN_MAX];
	uint32_t clen[LAT_CANDIDATES], cdur[LAT_CANDIDATES];
	const char *ckind[LAT_CANDIDATES];
	bool used[LAT_CANDIDATES] = {0};
	unsigned int nc = 0, tries, i, n;
	struct pkt_gen g;

	pkt_gen_init(&g, o->seed + 1);
	for (tries = 0; tries < 1000 && nc < LAT_CANDIDATES; tries++) {
		struct kh_run run = {.repeat = o->repeat / 10 ? o->repeat / 10 : 1};

		clen[nc] = pkt_gen_next(&g, cand[nc], &ckind[nc]);
		if (!strcmp(ckind[nc], "random") || !strcmp(ckind[nc], "truncated"))
			continue;
		run.data_in = cand[nc];
		run.data_size_in = clen[nc];
		if (kh_test_run(inst[A].kp.fd, &run, NULL, 0))
			continue;
		cdur[nc++] = run.duration;
	}
	for (n = 0; n < o->lat_pkts && n < nc; n++) {
		unsigned int best = nc;

		for (i = 0; i < nc; i++)
			if (!used[i] && (best == nc || cdur[i] > cdur[best]))
				best = i;
		used[best] = true;
		memcpy(pkts[n], cand[best], clen[best]);
		lens[n] = clen[best];
		kinds[n] = ckind[best];
	}
	return n;
}

static int latency(const struct opts *o, struct latres *l)
{
	static uint8_t pkts[MAX_LAT_PKTS][PKT_GEN_MAX];
	static double per[NINST][MAX_ROUNDS], ratio[MAX_ROUNDS], noise[MAX_ROUNDS];
	uint32_t lens[MAX_LAT_PKTS];
	unsigned int n, r, p, i;
	int j;

	n = pick_lat_packets(o, pkts, lens, l->kinds);
	l->npkts = n;
	l->rounds = o->rounds;
	l->repeat = o->repeat;
	l->loads = o->loads < o->rounds ? o->loads : o->rounds;
	if (!n) {
		l->status = "n/a";
		l->reason = "the kernel refuses to test-run it on well-formed packets";
		return 0;
	}
	/*
	 * A round is one packet (in turn) through A, X and B.  One packet, not
	 * all, because each timed XDP run costs tens of ms whatever its repeat
	 * count: the kernel retargets the XDP dispatcher before and after it
	 * (bpf_prog_change_xdp(), which waits for RCU).
	 */
	for (r = 0; r < o->rounds; r++) {
		static const int order[3][NINST] = {{A, X, B}, {X, B, A}, {B, A, X}};
		double ns[NINST] = {0};

		/*
		 * Where the kernel puts a program's JIT image makes it faster or
		 * slower by several percent, the same for every run of that load:
		 * loop4's `combinations` reads 41, 44 or 48 ns per run depending on
		 * the load.  One load of each would take that for the optimizer's
		 * doing, and B/A would miss it as noise whenever A and B happened
		 * to land alike.  So the rounds are spread over several loads of
		 * all three (fresh maps, pre-filled the same way).
		 */
		if (r && r * l->loads / o->rounds != (r - 1) * l->loads / o->rounds) {
			static char err[512];

			for (j = 0; j < NINST; j++)
				kh_unload(&inst[j].kp);
			if (load_all(o, err, sizeof(err)) || prefill_maps(o, err, sizeof(err))) {
				l->status = "error";
				l->reason = err;
				return -EIO;
			}
		}
		p = r % n;
		for (i = 0; i < NINST; i++) {
			struct kh_run run = {.data_in = pkts[p], .data_size_in = lens[p],
					     .repeat = o->repeat};
			int w = order[(r / n) % 3][i];
			char msg[128];

			if (kh_test_run(inst[w].kp.fd, &run, msg, sizeof(msg))) {
				l->status = "error";
				l->reason = "a timed run failed";
				return -EIO;
			}
			/* the kernel's average, in whole ns: tiny programs read 4, 5, 6 */
			ns[w] = run.duration;
		}
		for (j = 0; j < NINST; j++)
			per[j][r] = ns[j];
		ratio[r] = ns[A] > 0 ? ns[X] / ns[A] : 1;
		noise[r] = ns[A] > 0 ? ns[B] / ns[A] : 1;
	}
	/*
	 * The kernel reports whole ns per run, so a median over rounds cannot
	 * see 20 -> 19.5 ns; a mean over rounds (the slowest and fastest tenth
	 * left out) can, the noise between rounds dithering the rounding.
	 */
	for (j = 0; j < NINST; j++) {
		unsigned int cut = o->rounds / 10, k;
		double sum = 0;

		l->ns[j] = median(per[j], o->rounds); /* sorts per[j] */
		for (k = cut; k < o->rounds - cut; k++)
			sum += per[j][k];
		l->tmean[j] = sum / (o->rounds - 2 * cut);
	}
	l->tmean_ratio = l->tmean[A] > 0 ? l->tmean[X] / l->tmean[A] : 1;
	l->tmean_noise = l->tmean[A] > 0 ? l->tmean[B] / l->tmean[A] : 1;
	l->ratio_med = median(ratio, o->rounds);
	l->ratio_min = ratio[0];
	l->ratio_max = ratio[o->rounds - 1];
	l->noise_med = median(noise, o->rounds);
	l->noise_min = noise[0];
	l->noise_max = noise[o->rounds - 1];
	l->noise_p10 = noise[(o->rounds - 1) / 10];
	l->noise_p90 = noise[o->rounds - 1 - (o->rounds - 1) / 10];
	/*
	 * Which copy of the original is A and which B is arbitrary: B/A from
	 * 0.8 to 0.97 says two loads of one program may differ by 1/0.8, in
	 * either direction.  The band is symmetric in that sense.
	 */
	l->band_lo = l->noise_p10 < 1 / l->noise_p90 ? l->noise_p10 : 1 / l->noise_p90;
	l->band_hi = l->noise_p90 > 1 / l->noise_p10 ? l->noise_p90 : 1 / l->noise_p10;
	/*
	 * Nor can it be narrower than the kernel's resolution: it reports whole
	 * ns per run, and on a 12 ns program most control rounds read 12/12, so
	 * the band above would say that 11 ns is beyond noise.  One ns is not.
	 */
	if (l->ns[A] > 1) {
		if (l->band_lo > (l->ns[A] - 1) / l->ns[A])
			l->band_lo = (l->ns[A] - 1) / l->ns[A];
		if (l->band_hi < (l->ns[A] + 1) / l->ns[A])
			l->band_hi = (l->ns[A] + 1) / l->ns[A];
	}
	l->verdict = l->ratio_med > l->band_hi	 ? "slower"
		     : l->ratio_med < l->band_lo ? "faster"
						 : "same within noise";
	l->status = "ok";
	return 0;
}

/* ---- output ---------------------------------------------------------------------------- */

static json_t *sizes_json(const struct inst *in)
{
	return json_pack("{s:i,s:i,s:i,s:i}", "insns", (json_int_t)in->insns, "xlated_insns",
			 (json_int_t)(in->kp.xlated_len / 8), "xlated_bytes",
			 (json_int_t)in->kp.xlated_len, "jited_bytes",
			 (json_int_t)in->kp.jited_len);
}

static json_t *diff_json(const struct diffres *d)
{
	json_t *o = json_pack("{s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "status", d->status,
			      "packets", (json_int_t)d->packets, "differences",
			      (json_int_t)d->differences, "nondeterministic_packets",
			      (json_int_t)d->nondet, "refused_by_all", (json_int_t)d->refused,
			      "checkpoints", (json_int_t)d->checkpoints, "maps_drifted",
			      (json_int_t)d->map_drifted, "maps_differ",
			      (json_int_t)d->map_differs);

	if (d->reason)
		json_object_set_new(o, "reason", json_string(d->reason));
	if (d->first_pkt >= 0)
		json_object_set_new(o, "first_difference",
				    json_pack("{s:i,s:s,s:s,s:s}", "packet",
					      (json_int_t)d->first_pkt, "kind", d->first_kind,
					      "what", d->first_what, "input_hex", d->first_hex));
	return o;
}

static json_t *lat_json(const struct latres *l)
{
	if (strcmp(l->status, "ok"))
		return json_pack("{s:s,s:s}", "status", l->status, "reason", l->reason);
	return json_pack("{s:s,s:i,s:i,s:i,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,"
			 "s:s}",
			 "status",
			 "ok", "packets", (json_int_t)l->npkts, "rounds", (json_int_t)l->rounds,
			 "repeat", (json_int_t)l->repeat, "orig_ns", l->ns[A], "opt_ns", l->ns[X],
			 "orig2_ns", l->ns[B], "ratio_median", l->ratio_med, "ratio_min",
			 l->ratio_min, "ratio_max", l->ratio_max, "noise_median", l->noise_med,
			 "noise_min", l->noise_min, "noise_max", l->noise_max, "noise_p10",
			 l->noise_p10, "noise_p90", l->noise_p90, "band_lo", l->band_lo, "band_hi",
			 l->band_hi, "verdict", l->verdict);
}

/* The trimmed means, beside the medians lat_json() reports. */
static void lat_json_means(json_t *o, const struct latres *l)
{
	if (strcmp(l->status, "ok"))
		return;
	json_object_set_new(o, "orig_ns_mean", json_real(l->tmean[A]));
	json_object_set_new(o, "opt_ns_mean", json_real(l->tmean[X]));
	json_object_set_new(o, "orig2_ns_mean", json_real(l->tmean[B]));
	json_object_set_new(o, "ratio_mean", json_real(l->tmean_ratio));
	json_object_set_new(o, "noise_mean", json_real(l->tmean_noise));
	json_object_set_new(o, "loads", json_integer(l->loads));
	{
		json_t *k = json_array();
		unsigned int i;

		for (i = 0; i < l->npkts; i++)
			json_array_append_new(k, json_string(l->kinds[i]));
		json_object_set_new(o, "packet_kinds", k);
	}
}

static void print_human(const struct opts *o, const char *type, const struct diffres *d,
			const struct latres *l)
{
	printf("%s %s (%s)\n", o->orig, o->prog, type);
	printf("  insns   %u -> %u; xlated %u -> %u; jited %u -> %u bytes\n", inst[A].insns,
	       inst[X].insns, inst[A].kp.xlated_len / 8, inst[X].kp.xlated_len / 8,
	       inst[A].kp.jited_len, inst[X].kp.jited_len);
	if (strcmp(l->status, "ok"))
		printf("  latency %s (%s)\n", l->status, l->reason);
	else
		printf("  latency %.1f -> %.1f ns/run, ratio %.3f (noise %.3f..%.3f): %s; "
		       "trimmed means %.2f -> %.2f ns/run, ratio %.3f (control %.3f); "
		       "%u rounds over %u loads\n",
		       l->ns[A], l->ns[X], l->ratio_med, l->band_lo, l->band_hi, l->verdict,
		       l->tmean[A], l->tmean[X], l->tmean_ratio, l->tmean_noise, l->rounds,
		       l->loads);
	printf("  diff    %s: %u packets, %u differences, %u nondeterministic, %u refused, "
	       "%u map checkpoints, %u maps drifted%s%s\n", d->status, d->packets, d->differences,
	       d->nondet, d->refused, d->checkpoints, d->map_drifted, d->reason ? "; " : "",
	       d->reason ? d->reason : "");
	if (d->first_pkt >= 0)
		printf("  first difference: packet %ld (%s): %s\n", d->first_pkt, d->first_kind,
		       d->first_what);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: opt_compare ORIG.o OPT.o --prog NAME [--type TYPE] [--packets N]\n"
		"                   [--rounds R] [--repeat N] [--lat-packets N] [--checkpoint N]\n"
		"                   [--loads N] [--seed N] [--cpu N] [--json]\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"prog", 1, 0, 'p'},	   {"type", 1, 0, 't'},	       {"packets", 1, 0, 'n'},
		{"rounds", 1, 0, 'r'},	   {"repeat", 1, 0, 'R'},      {"seed", 1, 0, 's'},
		{"lat-packets", 1, 0, 'L'}, {"checkpoint", 1, 0, 'c'}, {"cpu", 1, 0, 'C'},
		{"json", 0, 0, 'j'},	   {"loads", 1, 0, 'l'},       {0, 0, 0, 0},
	};
	int c;

	*o = (struct opts){.packets = 1000, .rounds = 36, .repeat = 20000, .lat_pkts = 6,
			   .checkpoint = 100, .seed = 1, .cpu = -1, .loads = 3};
	while ((c = getopt_long(argc, argv, "j", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o->prog = optarg; break;
		case 't': o->type = optarg; break;
		case 'n': o->packets = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'r': o->rounds = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'R': o->repeat = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'L': o->lat_pkts = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'c': o->checkpoint = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': o->seed = strtoull(optarg, NULL, 0); break;
		case 'C': o->cpu = (int)strtol(optarg, NULL, 0); break;
		case 'j': o->json = true; break;
		case 'l': o->loads = (unsigned int)strtoul(optarg, NULL, 0); break;
		default: return -EINVAL;
		}
	}
	if (argc - optind != 2 || !o->prog || !o->packets || !o->rounds ||
	    o->rounds > MAX_ROUNDS || !o->repeat || !o->lat_pkts ||
	    o->lat_pkts > MAX_LAT_PKTS || !o->checkpoint || !o->loads)
		return -EINVAL;
	o->orig = argv[optind];
	o->opt = argv[optind + 1];
	return 0;
}

static int fail(const struct opts *o, json_t *res, const char *err)
{
	if (o->json) {
		json_object_set_new(res, "error", json_string(err));
		json_dumpf(res, stdout, JSON_COMPACT);
		putchar('\n');
	}
	fprintf(stderr, "opt_compare: %s %s: %s\n", o->orig, o->prog ? o->prog : "?", err);
	json_decref(res);
	return 255;
}

int main(int argc, char **argv)
{
	struct diffres d = {.status = "n/a", .first_pkt = -1, .last_checkpoint = -1};
	struct latres l = {.status = "n/a"};
	const char *type_str;
	enum bpf_prog_type t;
	cpu_set_t set;
	char err[512];
	struct opts o;
	json_t *res;
	int j, rc;

	if (parse_args(argc, argv, &o))
		return usage(), 255;
	res = json_pack("{s:s,s:s,s:s}", "orig_object", o.orig, "opt_object", o.opt, "program",
			o.prog);
	if (!kh_bpf_permitted(err, sizeof(err)))
		return fail(&o, res, err);
	/*
	 * One CPU for all three copies: per-CPU maps and smp_processor_id() then
	 * see the same CPU, and the timed runs share its caches and load.
	 */
	CPU_ZERO(&set);
	CPU_SET(o.cpu >= 0 ? o.cpu : sched_getcpu(), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return fail(&o, res, "cannot pin to one CPU");
	ncpus = libbpf_num_possible_cpus();
	rc = load_all(&o, err, sizeof(err));
	if (inst[A].kp.obj)
		json_object_set_new(res, "orig", sizes_json(&inst[A]));
	if (rc)
		goto error;
	t = inst[A].kp.type;
	type_str = libbpf_bpf_prog_type_str(t) ?: "unknown";
	json_object_set_new(res, "type", json_string(type_str));
	json_object_set_new(res, "opt", sizes_json(&inst[X]));
	if (!runnable_type(t)) {
		d.reason = l.reason = "type cannot be test-run";
	} else if (t == BPF_PROG_TYPE_XDP &&
		   (bpf_program__expected_attach_type(inst[A].kp.prog) == BPF_XDP_DEVMAP ||
		    bpf_program__expected_attach_type(inst[A].kp.prog) == BPF_XDP_CPUMAP)) {
		d.reason = l.reason = "XDP program for a devmap/cpumap entry: the kernel does "
				      "not test-run those";
	} else {
		if ((rc = prefill_maps(&o, err, sizeof(err))))
			goto error;
		if ((rc = differential(&o, t, &d))) {
			snprintf(err, sizeof(err), "reading maps: %s", strerror(-rc));
			goto error;
		}
		if ((rc = latency(&o, &l))) {
			snprintf(err, sizeof(err), "latency: %s", l.reason);
			goto error;
		}
	}
	{
		json_t *lj = lat_json(&l);

		lat_json_means(lj, &l);
		json_object_set_new(res, "latency", lj);
	}
	json_object_set_new(res, "diff", diff_json(&d));
	if (o.json) {
		json_dumpf(res, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		print_human(&o, type_str, &d, &l);
	}
	json_decref(res);
	for (j = 0; j < NINST; j++)
		kh_unload(&inst[j].kp);
	return !strcmp(d.status, "different") ? 1 : !strcmp(d.status, "nondeterministic") ? 2 : 0;
error:
	for (j = 0; j < NINST; j++)
		kh_unload(&inst[j].kp);
	return fail(&o, res, err);
}
