// SPDX-License-Identifier: MIT
/*
 * `bpfsynth opt` held to the kernel, on real programs nobody here wrote.
 *
 * For each program: run the tool (a small budget: OPT_TEST_BUDGET seconds,
 * default 5, so the suite stays well under two minutes), then load the
 * original and the optimized object with libbpf and require that the
 * optimized one loads and that the kernel's xlated size did not grow.  Then
 * run both with BPF_PROG_TEST_RUN on the same generated packets
 * (harness_pkt), over maps filled the same way, and require the same return
 * value, the same packet out, the same map contents after every packet and,
 * for programs that write perf events (xdpdump), the same records: the bytes
 * bpf_perf_event_output() reads from the stack must still be written.
 * For K2's XDP programs (xdp1, xdp2, xdpdump, xdpfilt_dny_eth) `bpfsynth
 * check` must also prove the result equivalent whole, with the time the
 * small budget did not leave the tool's own whole-program check.
 * Program types the kernel cannot test-run (tracepoints) are compared by
 * load and size only.  test_pkt_access calls .text subprograms that only it
 * calls.  Subprograms shared by several programs: two objects compiled here
 * (two XDP programs calling one noinline function), one where a rewrite
 * holds for both callers (.text changes, both get smaller), one where the
 * first caller's constant argument allows a rewrite the second cannot
 * prove (refused: the report says so, and both still behave the same on
 * packets of every length); and the corpus's test_xdp_noinline optimized
 * as a whole, set up as its selftest does (a VIP, a real, the rings) and
 * run on TCP packets to the VIP over IPv4 and IPv6 and on generated ones.
 *
 * The suite also requires that the tool changed at least one of the
 * programs, or the differential part would prove nothing.
 *
 * Environment: BUILD (the build directory; default: from this binary's
 * path), CORPUS_DIR, OPT_TEST_BUDGET, OPT_TEST_PKTS (default 300).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "tests/kernel/harness.h"
#include "tests/kernel/harness_pkt.h"
#include "tests/test.h"

static char tool[PATH_MAX], corpus[PATH_MAX], tmpdir[PATH_MAX];
static bool permitted;
static char not_permitted[256];
static int budget = 5, npkts = 300, changed_progs;

struct opt_case {
	const char *obj; /* under CORPUS_DIR/objs */
	const char *prog;
	/* after load, before any run: identical setup of both sides */
	int (*setup)(const struct kh_prog *kp);
	const char *perf_map; /* a PERF_EVENT_ARRAY whose records are compared */
	bool whole;	      /* `bpfsynth check` proves the result equivalent whole */
};

/* xdpdump captures only on the configured ifindex: the test run's device, lo */
static int xdpdump_setup(const struct kh_prog *kp)
{
	uint32_t cfg[3] = {1, 96, 7}; /* ifindex, snaplen, prog index */
	uint32_t key = 0;

	return kh_map_update(kp, ".data", &key, cfg, BPF_ANY);
}

/* Run the tool on one program; 0 and the JSON report's first element's fields. */
static int run_opt(const struct opt_case *c, const char *in, const char *out, bool *kept,
		   int64_t *xb, int64_t *xa)
{
	char cmd[8 * PATH_MAX], json_path[PATH_MAX + 16], err_path[PATH_MAX + 16];
	json_error_t jerr;
	json_t *doc, *r;
	int rc;

	snprintf(json_path, sizeof(json_path), "%s/out.json", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/out.err", tmpdir);
	snprintf(cmd, sizeof(cmd), "%s opt '%s' -o '%s' --prog %s --budget %d --json >%s 2>%s",
		 tool, in, out, c->prog, budget, json_path, err_path);
	rc = system(cmd);
	if (!CHECK(rc == 0, "%s: opt exits %d (see %s)", c->obj, rc, err_path))
		return -1;
	doc = json_load_file(json_path, 0, &jerr);
	if (!CHECK(doc && json_is_array(doc) && json_array_size(doc) == 1,
		   "%s: opt --json prints one program (%s)", c->obj, doc ? "" : jerr.text)) {
		json_decref(doc);
		return -1;
	}
	r = json_array_get(doc, 0);
	*kept = json_is_true(json_object_get(r, "kept_original"));
	*xb = json_is_integer(json_object_get(r, "xlated_before"))
		      ? json_integer_value(json_object_get(r, "xlated_before"))
		      : -1;
	*xa = json_is_integer(json_object_get(r, "xlated_after"))
		      ? json_integer_value(json_object_get(r, "xlated_after"))
		      : -1;
	fprintf(stderr, "  %s %s: insns %lld -> %lld, xlated %lld -> %lld%s%s\n", c->obj, c->prog,
		(long long)json_integer_value(json_object_get(r, "insns_before")),
		(long long)json_integer_value(json_object_get(r, "insns_after")), (long long)*xb,
		(long long)*xa, *kept ? ", kept: " : "",
		*kept ? json_string_value(json_object_get(r, "reason")) : "");
	json_decref(doc);
	return 0;
}

/* Perf event records, concatenated with their sizes. */
struct records {
	uint8_t buf[1 << 16];
	size_t len;
	uint32_t n;
};

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct records *r = ctx;

	(void)cpu;
	r->n++;
	if (r->len + sizeof(size) + size > sizeof(r->buf))
		return;
	memcpy(r->buf + r->len, &size, sizeof(size));
	memcpy(r->buf + r->len + sizeof(size), data, size);
	r->len += sizeof(size) + size;
}

static bool map_comparable(enum bpf_map_type t)
{
	switch (t) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return true;
	default:
		return false;
	}
}

static bool map_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Every map of @a has the same elements in @b; false (and one failure) otherwise. */
static bool same_maps(const struct kh_prog *a, const struct kh_prog *b, const char *what,
		      uint32_t pkt)
{
	int ncpus = libbpf_num_possible_cpus();
	struct bpf_map *m;

	bpf_object__for_each_map (m, a->obj) {
		const char *name = bpf_map__name(m);
		uint32_t ks = bpf_map__key_size(m), vs = bpf_map__value_size(m);
		size_t vsz = map_percpu(bpf_map__type(m)) ? (size_t)ncpus * ((vs + 7) & ~7u) : vs;
		uint8_t key[256], next[256], *va, *vb;
		uint32_t na = 0, nb = 0;
		bool ok = true, first = true;
		int err;

		if (!map_comparable(bpf_map__type(m)) || ks > sizeof(key))
			continue;
		va = calloc(1, vsz);
		vb = calloc(1, vsz);
		if (!va || !vb) {
			free(va);
			free(vb);
			return CHECK(false, "out of memory");
		}
		while (ok && !(err = kh_map_next_key(a, name, first ? NULL : key, next))) {
			first = false;
			memcpy(key, next, ks);
			na++;
			ok = CHECK(!kh_map_lookup(a, name, key, va) &&
					   !kh_map_lookup(b, name, key, vb) && !memcmp(va, vb, vsz),
				   "%s: map %s differs after packet %u", what, name, pkt);
		}
		for (first = true; ok && !kh_map_next_key(b, name, first ? NULL : key, next);
		     first = false) {
			memcpy(key, next, ks);
			nb++;
		}
		if (ok)
			ok = CHECK(na == nb, "%s: map %s has %u elements, optimized %u (packet %u)",
				   what, name, na, nb, pkt);
		free(va);
		free(vb);
		if (!ok)
			return false;
	}
	return true;
}

/*
 * The same elements in both objects' hash maps: keys cut from the addresses
 * of the first packets (Ethernet addresses make filter keys), random values.
 */
static void fill_maps(const struct kh_prog *a, const struct kh_prog *b)
{
	struct bpf_map *m;
	struct pkt_gen g;
	uint8_t pkt[PKT_GEN_MAX], val[512];
	uint32_t i, k;

	bpf_object__for_each_map (m, a->obj) {
		uint32_t ks = bpf_map__key_size(m), vs = bpf_map__value_size(m);
		enum bpf_map_type t = bpf_map__type(m);

		if ((t != BPF_MAP_TYPE_HASH && t != BPF_MAP_TYPE_LRU_HASH) || ks > 6 ||
		    vs > sizeof(val))
			continue;
		pkt_gen_init(&g, 42); /* the packets the runs start with */
		for (i = 0; i < 16; i++) {
			pkt_gen_next(&g, pkt, NULL);
			for (k = 0; k < vs; k++)
				val[k] = (uint8_t)pkt_gen_rand(&g);
			/* a full map refuses both alike */
			ASSERT_EQ(
				kh_map_update(a, bpf_map__name(m), pkt + (i & 1) * 6, val, BPF_ANY),
				kh_map_update(b, bpf_map__name(m), pkt + (i & 1) * 6, val, BPF_ANY),
				"map fill");
		}
	}
}

static void run_case(const struct opt_case *c)
{
	char in[PATH_MAX * 2], out[PATH_MAX * 2], log[4096];
	struct kh_prog a = {0}, b = {0};
	struct perf_buffer *pa = NULL, *pb = NULL;
	struct records *ra = NULL, *rb = NULL;
	uint8_t pkt[PKT_GEN_MAX], oa[PKT_GEN_MAX + 256], ob[PKT_GEN_MAX + 256];
	int64_t xb = -1, xa = -1;
	bool kept = false, runs = true;
	struct pkt_gen g;
	uint32_t i;

	if (!permitted) {
		test_skip("%s", not_permitted);
		return;
	}
	snprintf(in, sizeof(in), "%s/objs/%s", corpus, c->obj);
	if (access(in, R_OK)) {
		test_skip("%s not in the corpus (make corpus)", in);
		return;
	}
	/* the same file name: libbpf names global-data maps after the object */
	snprintf(out, sizeof(out), "%s/%s", tmpdir, strrchr(c->obj, '/') + 1);
	unlink(out);
	if (run_opt(c, in, out, &kept, &xb, &xa))
		return;
	if (c->whole) {
		/* the second proof, with the time the budget did not leave it */
		char cmd[8 * PATH_MAX];

		snprintf(cmd, sizeof(cmd), "%s check '%s' '%s' --prog %s --timeout 120 >%s/check.out 2>&1",
			 tool, in, out, c->prog, tmpdir);
		CHECK(system(cmd) == 0, "%s: the result is proven equivalent whole (see %s/check.out)",
		      c->obj, tmpdir);
	}
	if (!CHECK(!kh_load(in, c->prog, BPF_PROG_TYPE_UNSPEC, &a, log, sizeof(log)),
		   "%s: the original loads: %s", c->obj, log))
		goto out;
	if (!CHECK(!kh_load(out, c->prog, BPF_PROG_TYPE_UNSPEC, &b, log, sizeof(log)),
		   "%s: the optimized program loads: %s", c->obj, log))
		goto out;
	ASSERT_EQ(a.insn_cnt, b.insn_cnt, "same length");
	CHECK(b.xlated_len <= a.xlated_len, "%s: xlated %u -> %u grew", c->obj, a.xlated_len,
	      b.xlated_len);
	/* the tool's own report is the kernel's */
	ASSERT_EQ(xb, a.xlated_len / 8, "xlated_before as reported");
	ASSERT_EQ(xa, b.xlated_len / 8, "xlated_after as reported");
	if (b.xlated_len < a.xlated_len)
		changed_progs++;
	if (c->setup) {
		ASSERT_OK(c->setup(&a), "setup of the original");
		ASSERT_OK(c->setup(&b), "setup of the optimized");
	}
	fill_maps(&a, &b);
	if (c->perf_map) {
		ra = calloc(1, sizeof(*ra));
		rb = calloc(1, sizeof(*rb));
		if (!ASSERT_OK_PTR(ra && rb ? ra : NULL, "records"))
			goto out;
		pa = perf_buffer__new(kh_map_fd(&a, c->perf_map), 8, on_sample, NULL, ra, NULL);
		pb = perf_buffer__new(kh_map_fd(&b, c->perf_map), 8, on_sample, NULL, rb, NULL);
		if (!ASSERT_OK_PTR(pa && pb ? pa : NULL, "perf buffers"))
			goto out;
	}
	pkt_gen_init(&g, 42);
	for (i = 0; runs && i < (uint32_t)npkts; i++) {
		struct kh_run ka = {0}, kb = {0};
		uint32_t len = pkt_gen_next(&g, pkt, NULL);
		int ea, eb;

		ka.data_in = kb.data_in = pkt;
		ka.data_size_in = kb.data_size_in = len;
		ka.data_out = oa;
		kb.data_out = ob;
		ka.data_size_out = kb.data_size_out = sizeof(oa);
		ea = kh_test_run(a.fd, &ka, log, sizeof(log));
		if (i == 0 && ea) {
			/* tracepoints and the like: compared by load and size above */
			fprintf(stderr, "  %s: no test run for this type (%s)\n", c->obj, log);
			runs = false;
			break;
		}
		eb = kh_test_run(b.fd, &kb, log, sizeof(log));
		if (!CHECK(ea == eb, "%s: packet %u: test run %d vs %d", c->obj, i, ea, eb) ||
		    !CHECK(ka.retval == kb.retval, "%s: packet %u: retval %u vs %u", c->obj, i,
			   ka.retval, kb.retval) ||
		    !CHECK(ka.data_size_out == kb.data_size_out &&
				   !memcmp(oa, ob, ka.data_size_out),
			   "%s: packet %u: packet out differs", c->obj, i) ||
		    !same_maps(&a, &b, c->obj, i))
			break;
		if (c->perf_map) {
			perf_buffer__consume(pa);
			perf_buffer__consume(pb);
			if (!CHECK(ra->n == rb->n && ra->len == rb->len &&
					   !memcmp(ra->buf, rb->buf, ra->len),
				   "%s: packet %u: perf records differ (%u vs %u)", c->obj, i,
				   ra->n, rb->n))
				break;
		}
	}
	if (c->perf_map && runs)
		CHECK(ra->n > 0, "%s: the runs wrote perf records (%u)", c->obj, ra->n);
	(void)kept;
out:
	perf_buffer__free(pa);
	perf_buffer__free(pb);
	free(ra);
	free(rb);
	kh_unload(&a);
	kh_unload(&b);
}

static const struct opt_case cases[] = {
	{"samples/xdp1_kern.o", "xdp_prog1", NULL, NULL, true},
	{"samples/xdp2_kern.o", "xdp_prog1", NULL, NULL, true},
	{"libxdp/xdpdump_xdp.o", "xdpdump", xdpdump_setup, "xdpdump_perf_map", true},
	{"libxdp/xdpfilt_dny_eth.o", "xdpfilt_dny_eth", NULL, NULL, true},
	{"samples/syscall_tp_kern.o", "trace_enter_open", NULL, NULL, false},
	{"samples/sockex1_kern.o", "bpf_prog1", NULL, NULL, false},
	/* calls .text subprograms (its own: they may change too) */
	{"selftests/test_pkt_access.o", "test_pkt_access", NULL, NULL, false},
};

static void test_opt_xdp1(void)
{
	run_case(&cases[0]);
}

static void test_opt_xdp2(void)
{
	run_case(&cases[1]);
}

static void test_opt_xdpdump(void)
{
	run_case(&cases[2]);
}

static void test_opt_xdpfilt_dny_eth(void)
{
	run_case(&cases[3]);
}

static void test_opt_syscall_tp(void)
{
	run_case(&cases[4]);
}

static void test_opt_sockex1(void)
{
	run_case(&cases[5]);
}

static void test_opt_subprogs(void)
{
	run_case(&cases[6]);
}

/* ---- subprograms shared by several programs ---------------------------- */

/*
 * Two XDP programs calling one noinline function that clang leaves room to
 * improve (four byte stores that are one 32-bit store); ARG_A and ARG_B are
 * what each passes.  Compiled here with clang.
 */
static const char shared_src[] =
	"#include <linux/bpf.h>\n"
	"#define SEC(n) __attribute__((section(n), used))\n"
	"static __attribute__((noinline)) int tag(struct xdp_md *ctx, unsigned int k)\n"
	"{\n"
	"	unsigned char *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;\n"
	"	unsigned int v = (k & 7) + 1;\n"
	"\n"
	"	if (d + 8 > e)\n"
	"		return 1;\n"
	"	d[0] = v;\n"
	"	d[1] = v >> 8;\n"
	"	d[2] = 0;\n"
	"	d[3] = 0;\n"
	"	return (v << 1) & 3;\n"
	"}\n"
	"SEC(\"xdp\") int prog_a(struct xdp_md *ctx) { return tag(ctx, ARG_A); }\n"
	"SEC(\"xdp\") int prog_b(struct xdp_md *ctx) { return tag(ctx, ARG_B); }\n"
	"char _license[] SEC(\"license\") = \"GPL\";\n";

#define PKT_LEN "(ctx->data_end - ctx->data)"

/* Write and compile the shared object NAME.o with the two arguments; 0 or -1. */
static int build_shared(const char *name, const char *arg_a, const char *arg_b, char *obj,
			size_t objsz)
{
	char src[PATH_MAX + 8], cmd[4 * PATH_MAX];
	FILE *f;

	snprintf(src, sizeof(src), "%s/%s.c", tmpdir, name);
	snprintf(obj, objsz, "%.*s/%s.o", PATH_MAX - 64, tmpdir, name);
	f = fopen(src, "w");
	if (!f)
		return -1;
	fprintf(f, "#define ARG_A (%s)\n#define ARG_B (%s)\n%s", arg_a, arg_b, shared_src);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "clang -target bpf -O2 -g -Werror -idirafter /usr/include/$(cc -dumpmachine) "
		 "-c '%s' -o '%s' 2>/dev/null",
		 src, obj);
	return system(cmd) ? -1 : 0;
}

/* Run the tool on every program of @in (no --prog: shared code may change); its report. */
static json_t *opt_all(const char *in, const char *out)
{
	char cmd[8 * PATH_MAX], json_path[PATH_MAX + 16];
	json_error_t jerr;
	json_t *doc;
	int rc;

	snprintf(json_path, sizeof(json_path), "%s/all.json", tmpdir);
	snprintf(cmd, sizeof(cmd), "%s opt '%s' -o '%s' --budget %d --json >%s 2>%s/all.err", tool,
		 in, out, budget, json_path, tmpdir);
	rc = system(cmd);
	if (!CHECK(rc == 0, "%s: opt exits %d", in, rc))
		return NULL;
	doc = json_load_file(json_path, 0, &jerr);
	CHECK(doc && json_is_array(doc), "%s: opt --json: %s", in, doc ? "" : jerr.text);
	return doc;
}

static json_t *report_of(json_t *doc, const char *prog)
{
	size_t i;

	for (i = 0; doc && i < json_array_size(doc); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(doc, i), "name")),
			    prog))
			return json_array_get(doc, i);
	return NULL;
}

/* A source of test packets: packet @i into @buf, its length (0: no more). */
typedef uint32_t (*pkt_fn)(void *st, uint32_t i, uint8_t *buf);

/*
 * @a and @b on the same packets: the same return value, packet out and maps
 * after every one.  On one CPU: per-CPU maps and LRU lists must not depend
 * on where a run lands.
 */
static void same_behaviour(const char *what, const struct kh_prog *a, const struct kh_prog *b,
			   pkt_fn next, void *st)
{
	uint8_t pkt[PKT_GEN_MAX], oa[PKT_GEN_MAX + 256], ob[PKT_GEN_MAX + 256];
	char log[512];
	cpu_set_t old;
	uint32_t i, len, ret[5] = {0}, rewritten = 0;

	kh_pin_here(&old);
	for (i = 0; (len = next(st, i, pkt)); i++) {
		struct kh_run ka = {0}, kb = {0};
		int ea, eb;

		ka.data_in = kb.data_in = pkt;
		ka.data_size_in = kb.data_size_in = len;
		ka.data_out = oa;
		kb.data_out = ob;
		ka.data_size_out = kb.data_size_out = sizeof(oa);
		ea = kh_test_run(a->fd, &ka, log, sizeof(log));
		eb = kh_test_run(b->fd, &kb, log, sizeof(log));
		if (!CHECK(ea == eb, "%s: packet %u: test run %d vs %d", what, i, ea, eb) ||
		    !CHECK(ka.retval == kb.retval, "%s: packet %u (%u bytes): retval %u vs %u",
			   what, i, len, ka.retval, kb.retval) ||
		    !CHECK(ka.data_size_out == kb.data_size_out &&
				   !memcmp(oa, ob, ka.data_size_out),
			   "%s: packet %u: packet out differs", what, i) ||
		    !same_maps(a, b, what, i))
			break;
		ret[ka.retval < 5 ? ka.retval : 4]++;
		rewritten += ka.data_size_out != len || memcmp(oa, pkt, len);
	}
	kh_unpin(&old);
	CHECK(i > 0, "%s: no packet ran", what);
	/* what the packets exercised: XDP_ABORTED, DROP, PASS, TX, other; rewritten packets */
	fprintf(stderr, "  %s: %u packets, retval 0-3: %u %u %u %u, other %u; %u rewritten\n",
		what, i, ret[0], ret[1], ret[2], ret[3], ret[4], rewritten);
}

/* Packets of 14..300 bytes of random content: every value of tag's k & 7, many times. */
static uint32_t lengths(void *st, uint32_t i, uint8_t *buf)
{
	struct pkt_gen *g = st;
	uint32_t k;

	if (i >= 287)
		return 0;
	for (k = 0; k < 14 + i; k++)
		buf[k] = (uint8_t)pkt_gen_rand(g);
	return 14 + i;
}

/* Load @prog from both objects and compare them on lengths(). */
static void shared_compare(const char *in, const char *out, const char *prog, uint32_t *xb,
			   uint32_t *xa)
{
	struct kh_prog a = {0}, b = {0};
	struct pkt_gen g;
	char log[4096], what[64];

	snprintf(what, sizeof(what), "%s", prog);
	if (CHECK(!kh_load(in, prog, BPF_PROG_TYPE_UNSPEC, &a, log, sizeof(log)),
		  "%s: the original loads: %s", prog, log) &&
	    CHECK(!kh_load(out, prog, BPF_PROG_TYPE_UNSPEC, &b, log, sizeof(log)),
		  "%s: the optimized program loads: %s", prog, log)) {
		*xb = a.xlated_len / 8;
		*xa = b.xlated_len / 8;
		pkt_gen_init(&g, 7);
		same_behaviour(what, &a, &b, lengths, &g);
	}
	kh_unload(&a);
	kh_unload(&b);
}

/* Both callers pass unknown values: what one proves holds for both; .text changes. */
static void test_opt_shared_both(void)
{
	char in[PATH_MAX + 64], out[PATH_MAX + 64];
	uint32_t xb[2] = {0}, xa[2] = {0};
	const char *progs[2] = {"prog_a", "prog_b"};
	json_t *doc;
	int i;

	if (!permitted) {
		test_skip("%s", not_permitted);
		return;
	}
	if (build_shared("shared_both", PKT_LEN, PKT_LEN " >> 1", in, sizeof(in))) {
		test_skip("cannot compile with clang -target bpf");
		return;
	}
	snprintf(out, sizeof(out), "%.*s/opt/shared_both.o", PATH_MAX - 64, tmpdir);
	doc = opt_all(in, out);
	if (!doc)
		return;
	for (i = 0; i < 2; i++) {
		json_t *r = report_of(doc, progs[i]), *subs = json_object_get(r, "subprogs_changed");

		CHECK(r && json_array_size(subs) == 1 &&
			      !strcmp(json_string_value(json_array_get(subs, 0)), "tag"),
		      "%s: reports tag changed", progs[i]);
		shared_compare(in, out, progs[i], &xb[i], &xa[i]);
		CHECK(xa[i] < xb[i], "%s: xlated %u -> %u: the shared rewrite reached it", progs[i],
		      xb[i], xa[i]);
	}
	json_decref(doc);
}

/*
 * prog_a passes the constant 5 (tag returns 0 for it), prog_b the packet
 * length (tag returns 2 for odd k & 7 + 1): a rewrite prog_a proves by its
 * constant must not reach prog_b's copy.
 */
static void test_opt_shared_split(void)
{
	char in[PATH_MAX + 64], out[PATH_MAX + 64];
	uint32_t xb = 0, xa = 0;
	const char *shared;
	json_t *doc, *r;

	if (!permitted) {
		test_skip("%s", not_permitted);
		return;
	}
	if (build_shared("shared_split", "5", PKT_LEN, in, sizeof(in))) {
		test_skip("cannot compile with clang -target bpf");
		return;
	}
	snprintf(out, sizeof(out), "%.*s/opt/shared_split.o", PATH_MAX - 64, tmpdir);
	doc = opt_all(in, out);
	if (!doc)
		return;
	r = report_of(doc, "prog_a");
	shared = json_string_value(json_object_get(r, "shared"));
	CHECK(shared && strstr(shared, "first refused: prog_b: "),
	      "prog_a: its rewrite by the constant refused by prog_b (%s)", shared ?: "null");
	shared_compare(in, out, "prog_a", &xb, &xa);
	CHECK(xa <= xb, "prog_a: xlated %u -> %u", xb, xa);
	shared_compare(in, out, "prog_b", &xb, &xa);
	CHECK(xa <= xb, "prog_b: xlated %u -> %u", xb, xa);
	json_decref(doc);
}

/* ---- the Katran-derived balancer ---------------------------------------- */

#define XN_VIP_NUM 5
#define XN_REAL 3
#define XN_RINGS 7860 /* ch_rings' max_entries */
#define XN_FLOWS 40   /* few: the LRU cache (300) never evicts */

/*
 * As the selftest, but so that any flow reaches the encapsulation: the TCP
 * VIP (address 0, port 0) hashes only destination and port (flag 1 << 3:
 * the program lets through only the selftest packets' hash otherwise);
 * port 80 is a second VIP without that flag (its flows stop at the hash
 * check); every ring slot leads to one real.
 */
static int xn_setup(const struct kh_prog *kp)
{
	uint8_t vip[24] = {0}, real[20] = {0};
	uint32_t meta[2] = {1 << 3, XN_VIP_NUM}, real_num = XN_REAL, k;
	int err;

	vip[20] = 6;	/* proto: TCP (family 0) */
	real[0] = 0x34; /* dst: MAGIC_VAL */
	real[1] = 0x12;
	err = kh_map_update(kp, "vip_map", vip, meta, BPF_ANY);
	vip[17] = 80; /* port 80, network order */
	meta[0] = 0;
	meta[1] = XN_VIP_NUM + 1;
	err = err ?: kh_map_update(kp, "vip_map", vip, meta, BPF_ANY);
	err = err ?: kh_map_update(kp, "reals", &real_num, real, BPF_ANY);
	for (k = 0; !err && k < XN_RINGS; k++)
		err = kh_map_update(kp, "ch_rings", &k, &real_num, BPF_ANY);
	return err;
}

/*
 * To the VIPs over IPv4 and IPv6 (each program drops the other family),
 * from XN_FLOWS flows: TCP, SYN and not, to port 0 (three in four) or 80,
 * and ICMP echo requests, with payloads of 0..63 bytes; every fifth packet
 * one of pkt_gen's (mostly not for a VIP: the pass path).
 */
static uint32_t xn_packet(void *st, uint32_t i, uint8_t *buf)
{
	struct pkt_gen *g = st;
	uint32_t flow = (uint32_t)pkt_gen_rand(g) % XN_FLOWS, pay = pkt_gen_rand(g) % 64;
	uint32_t kind = (uint32_t)pkt_gen_rand(g) % 8;
	bool v6 = flow & 1, icmp = kind == 7;
	uint8_t *ip = buf + 14, *l4;
	uint32_t k, l3 = v6 ? 40 : 20, l4len = icmp ? 8 : 20;

	if (i >= (uint32_t)npkts)
		return 0;
	if (i % 5 == 4)
		return pkt_gen_next(g, buf, NULL);
	memset(buf, 0, 14 + l3 + l4len + pay);
	for (k = 0; k < 12; k++)
		buf[k] = (uint8_t)(k * 17 + flow);
	buf[12] = v6 ? 0x86 : 0x08;
	buf[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((l4len + pay) >> 8);
		ip[5] = (uint8_t)(l4len + pay);
		ip[6] = icmp ? 58 : 6; /* next header: ICMPv6, TCP */
		ip[7] = 64;
		ip[8] = 0x20;
		ip[23] = (uint8_t)flow; /* source; destination :: */
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((l3 + l4len + pay) >> 8);
		ip[3] = (uint8_t)(l3 + l4len + pay);
		ip[8] = 64;
		ip[9] = icmp ? 1 : 6;
		ip[12] = 10;
		ip[15] = (uint8_t)flow; /* source 10.0.0.flow; destination 0 */
	}
	l4 = ip + l3;
	if (icmp) {
		l4[0] = v6 ? 128 : 8; /* echo request */
		l4[4] = (uint8_t)flow;
	} else {
		l4[0] = 0x80 | (uint8_t)(flow >> 3); /* source port */
		l4[1] = (uint8_t)flow;
		l4[3] = kind < 6 ? 0 : 80; /* destination port */
		l4[12] = 5 << 4;
		l4[13] = kind % 3 ? 0x10 : 0x02; /* ACK, or SYN */
	}
	for (k = 0; k < pay; k++)
		l4[l4len + k] = (uint8_t)pkt_gen_rand(g);
	return 14 + l3 + l4len + pay;
}

static void test_opt_xdp_noinline(void)
{
	const char *progs[2] = {"balancer_ingress_v4", "balancer_ingress_v6"};
	char in[PATH_MAX * 2], out[PATH_MAX * 2], log[4096];
	json_t *doc;
	int i;

	if (!permitted) {
		test_skip("%s", not_permitted);
		return;
	}
	snprintf(in, sizeof(in), "%s/objs/selftests/test_xdp_noinline.o", corpus);
	if (access(in, R_OK)) {
		test_skip("%s not in the corpus (make corpus)", in);
		return;
	}
	snprintf(out, sizeof(out), "%s/test_xdp_noinline.o", tmpdir);
	doc = opt_all(in, out);
	if (!doc)
		return;
	for (i = 0; i < 2; i++) {
		struct kh_prog a = {0}, b = {0};
		json_t *r = report_of(doc, progs[i]);
		struct pkt_gen g;

		fprintf(stderr, "  %s: insns %lld -> %lld, xlated %lld -> %lld; %s\n", progs[i],
			(long long)json_integer_value(json_object_get(r, "insns_before")),
			(long long)json_integer_value(json_object_get(r, "insns_after")),
			(long long)json_integer_value(json_object_get(r, "xlated_before")),
			(long long)json_integer_value(json_object_get(r, "xlated_after")),
			json_string_value(json_object_get(r, "shared")) ?: "");
		if (!CHECK(!kh_load(in, progs[i], BPF_PROG_TYPE_UNSPEC, &a, log, sizeof(log)),
			   "%s: the original loads: %s", progs[i], log) ||
		    !CHECK(!kh_load(out, progs[i], BPF_PROG_TYPE_UNSPEC, &b, log, sizeof(log)),
			   "%s: the optimized program loads: %s", progs[i], log))
			goto next;
		CHECK(b.xlated_len <= a.xlated_len, "%s: xlated %u -> %u grew", progs[i],
		      a.xlated_len / 8, b.xlated_len / 8);
		ASSERT_EQ(json_integer_value(json_object_get(r, "xlated_after")),
			  (json_int_t)b.xlated_len / 8, "xlated_after as reported");
		if (b.xlated_len < a.xlated_len)
			changed_progs++;
		else
			CHECK(json_is_string(json_object_get(r, "reason")) ||
				      json_is_string(json_object_get(r, "shared")),
			      "%s: not smaller, and no reason given", progs[i]);
		if (!ASSERT_OK(xn_setup(&a), "setup of the original") ||
		    !ASSERT_OK(xn_setup(&b), "setup of the optimized"))
			goto next;
		pkt_gen_init(&g, 42);
		same_behaviour(progs[i], &a, &b, xn_packet, &g);
next:
		kh_unload(&a);
		kh_unload(&b);
	}
	json_decref(doc);
}

/* The differential runs above mean something only if the tool changed programs. */
static void test_opt_changed_something(void)
{
	if (!permitted) {
		test_skip("%s", not_permitted);
		return;
	}
	CHECK(changed_progs > 0, "no program got smaller: the comparisons proved nothing");
}

static int setup(void)
{
	const char *build = getenv("BUILD"), *cd = getenv("CORPUS_DIR"), *v;
	char self[PATH_MAX], buf[PATH_MAX + 32];

	if ((v = getenv("OPT_TEST_BUDGET")) && atoi(v) > 0)
		budget = atoi(v);
	if ((v = getenv("OPT_TEST_PKTS")) && atoi(v) > 0)
		npkts = atoi(v);
	snprintf(corpus, sizeof(corpus), "%s", cd && *cd ? cd : "/var/cache/bpfsynth-corpus");
	if (build && *build) {
		snprintf(buf, sizeof(buf), "%s/bpfsynth", build);
	} else {
		/* BUILD/tests/kernel/test_opt_kernel */
		if (!realpath("/proc/self/exe", self))
			return -1;
		*strrchr(self, '/') = '\0';
		*strrchr(self, '/') = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(buf, sizeof(buf), "%s/bpfsynth", self);
	}
	if (!realpath(buf, tool))
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_opt_kernel.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(buf, sizeof(buf), "%s/opt", tmpdir);
	if (mkdir(buf, 0700))
		return -1;
	permitted = kh_bpf_permitted(not_permitted, sizeof(not_permitted));
	return 0;
}

int main(int argc, char **argv)
{
	char cmd[PATH_MAX + 16];
	int rc;

	test_init(argc, argv);
	if (setup()) {
		fprintf(stderr, "setup: cannot find the bpfsynth binary or make a temp dir: %s\n",
			strerror(errno));
		printf("test_opt_kernel: 0 passed, 1 failed, 0 skipped\n");
		return 1;
	}
	RUN_TEST(test_opt_xdp1);
	RUN_TEST(test_opt_xdp2);
	RUN_TEST(test_opt_xdpdump);
	RUN_TEST(test_opt_xdpfilt_dny_eth);
	RUN_TEST(test_opt_syscall_tp);
	RUN_TEST(test_opt_sockex1);
	RUN_TEST(test_opt_subprogs);
	RUN_TEST(test_opt_shared_both);
	RUN_TEST(test_opt_shared_split);
	RUN_TEST(test_opt_xdp_noinline);
	RUN_TEST(test_opt_changed_something);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	rc = system(cmd);
	(void)rc;
	return test_summary("test_opt_kernel");
}
