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
 * Program types the kernel cannot test-run (tracepoints) are compared by
 * load and size only.  test_pkt_access calls .text subprograms, which must
 * stay as they are.
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
	{"samples/xdp1_kern.o", "xdp_prog1", NULL, NULL},
	{"samples/xdp2_kern.o", "xdp_prog1", NULL, NULL},
	{"libxdp/xdpdump_xdp.o", "xdpdump", xdpdump_setup, "xdpdump_perf_map"},
	{"libxdp/xdpfilt_dny_eth.o", "xdpfilt_dny_eth", NULL, NULL},
	{"samples/syscall_tp_kern.o", "trace_enter_open", NULL, NULL},
	{"samples/sockex1_kern.o", "bpf_prog1", NULL, NULL},
	/* calls .text subprograms: only its own instructions may change */
	{"selftests/test_pkt_access.o", "test_pkt_access", NULL, NULL},
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
	RUN_TEST(test_opt_changed_something);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	rc = system(cmd);
	(void)rc;
	return test_summary("test_opt_kernel");
}
