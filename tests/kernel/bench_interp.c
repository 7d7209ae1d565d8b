// SPDX-License-Identifier: MIT
/*
 * bench_interp: how fast core/interp runs real programs, in instructions per
 * second on one core (the bar: 20 M/s), next to the kernel's own
 * BPF_PROG_TEST_RUN time for the same packets as a reference.
 *
 * Each program is loaded as the corpus test loads it (kh_load: the very
 * instructions libbpf submitted, maps by fd), its maps' initial contents read
 * once; then RUNS rounds over the same NPKTS generated packets
 * (tests/kernel/harness_pkt.c).  A round's figure is instructions executed
 * divided by its time (interp_run() included: map reset, packet copy, the
 * loop); the median round is printed.  The process is pinned to one CPU.
 *
 *   bench_interp [OBJ PROG ...]   (default: xdp1, the l4lb balancer of
 *                                  test_xdp_noinline, xdpfilt_alw_all, ...)
 *
 * Environment: CORPUS_DIR, BENCH_INTERP_PKTS (default 1000),
 * BENCH_INTERP_RUNS (default 7).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/interp.h"
#include "tests/kernel/harness.h"
#include "tests/kernel/harness_pkt.h"

#define MAX_MAPS 64
#define MAX_ELEMS 4096

static const char *const defaults[] = {
	"samples/xdp1_kern.o",		"xdp_prog1",
	"selftests/test_xdp_noinline.o", "balancer_ingress_v4",
	"selftests/test_xdp_noinline.o", "balancer_ingress_v6",
	"libxdp/xdpfilt_alw_all.o",	"xdpfilt_alw_all",
	"libxdp/xdpfilt_dny_tcp.o",	"xdpfilt_dny_tcp",
	"samples/xdp_redirect_cpu.o",	"xdp_prognum5_lb_hash_ip_pairs",
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Non-zero elements of the maps the interpreter can take, as the kernel has them now. */
static uint32_t read_maps(int *fd, struct interp_map_def *def, uint32_t n,
			  struct interp_map_elem *elems, uint8_t *store, size_t storesz)
{
	uint32_t m, ne = 0;
	size_t used = 0;

	for (m = 0; m < n; m++) {
		uint8_t key[512], next[512];
		size_t ks = def[m].key_size, vs = def[m].value_size, i;
		bool first = true;

		if (def[m].type != BPF_MAP_TYPE_ARRAY && def[m].type != BPF_MAP_TYPE_HASH)
			continue; /* per-CPU values would need the CPU's slice: start empty */
		if (ks > sizeof(key))
			continue;
		while (ne < MAX_ELEMS && !bpf_map_get_next_key(fd[m], first ? NULL : key, next)) {
			uint8_t *st = store + used;

			first = false;
			memcpy(key, next, ks);
			if (used + ks + vs > storesz)
				return ne;
			memcpy(st, key, ks);
			if (bpf_map_lookup_elem(fd[m], key, st + ks))
				continue;
			for (i = 0; i < vs && !st[ks + i]; i++)
				;
			if (i == vs)
				continue;
			used += ks + vs;
			elems[ne++] = (struct interp_map_elem){ .map = m, .key = st, .value = st + ks };
		}
	}
	return ne;
}

static void bench(const char *dir, const char *obj, const char *name, uint32_t npkts,
		  uint32_t runs)
{
	static struct interp_map_elem elems[MAX_ELEMS];
	static uint8_t store[4 << 20], out[4096];
	static char log[KH_LOG_SIZE];
	struct interp_map_def def[MAX_MAPS];
	int fd[MAX_MAPS];
	struct interp_prog *ip = NULL;
	struct interp_ctx *ic = NULL;
	uint8_t (*pkts)[PKT_GEN_MAX] = NULL;
	uint32_t *lens = NULL, nmaps = 0, ne, i, r;
	double *rate = NULL, *krate = NULL, ns_per_run = 0;
	uint64_t insns_per_round = 0, statuses[5] = {0};
	struct bpf_map *map;
	struct pkt_gen g;
	struct kh_prog kp;
	char path[4096], msg[256];
	int err;

	snprintf(path, sizeof(path), "%s/objs/%s", dir, obj);
	err = kh_load(path, name, BPF_PROG_TYPE_UNSPEC, &kp, log, sizeof(log));
	if (err) {
		printf("%-44s cannot load: %s\n", name, strerror(-err));
		return;
	}
	bpf_object__for_each_map (map, kp.obj) {
		if (nmaps == MAX_MAPS)
			break;
		fd[nmaps] = bpf_map__fd(map);
		def[nmaps] = (struct interp_map_def){
			.type = bpf_map__type(map),
			.key_size = bpf_map__key_size(map),
			.value_size = bpf_map__value_size(map),
			.max_entries = bpf_map__max_entries(map),
			.flags = bpf_map__map_flags(map),
			.ref = bpf_map__fd(map),
		};
		nmaps++;
	}
	ip = interp_prog__new(bpf_program__insns(kp.prog), bpf_program__insn_cnt(kp.prog),
			      kp.type, msg, sizeof(msg));
	ic = ip ? interp_ctx__new(def, nmaps, msg, sizeof(msg)) : NULL;
	if (!ip || !ic) {
		printf("%-44s not runnable in interp: %s\n", name, msg);
		goto out;
	}
	ne = read_maps(fd, def, nmaps, elems, store, sizeof(store));
	pkts = malloc((size_t)npkts * sizeof(*pkts));
	lens = malloc(npkts * sizeof(*lens));
	rate = calloc(runs, sizeof(*rate));
	krate = calloc(runs, sizeof(*krate));
	if (!pkts || !lens || !rate || !krate) {
		printf("%-44s out of memory\n", name);
		goto out;
	}
	pkt_gen_init(&g, 1);
	for (i = 0; i < npkts; i++)
		lens[i] = pkt_gen_next(&g, pkts[i], NULL);

	for (r = 0; r < runs; r++) {
		uint64_t t0, t1, n = 0;

		t0 = now_ns();
		for (i = 0; i < npkts; i++) {
			struct interp_input in = { .pkt = pkts[i], .pkt_len = lens[i],
						   .elems = elems, .nelems = ne };
			struct interp_result res;

			interp_run(ic, ip, &in, &res);
			n += res.insns;
			if (r == 0)
				statuses[res.status < 5 ? res.status : 4]++;
		}
		t1 = now_ns();
		insns_per_round = n;
		rate[r] = (double)n / ((t1 - t0) * 1e-9);

		/* the kernel on the same packets (JIT, one syscall each) */
		t0 = now_ns();
		for (i = 0; i < npkts; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkts[i],
				    .data_size_in = lens[i], .data_out = out,
				    .data_size_out = sizeof(out), .repeat = 1);

			bpf_prog_test_run_opts(kp.fd, &topts);
		}
		t1 = now_ns();
		krate[r] = (double)(t1 - t0) / npkts;
	}
	qsort(rate, runs, sizeof(*rate), cmp_double);
	qsort(krate, runs, sizeof(*krate), cmp_double);
	ns_per_run = (double)insns_per_round / npkts / rate[runs / 2] * 1e9;
	printf("%-44s %7.1f M insns/s  %6.1f insns/pkt  %7.0f ns/pkt  (kernel test run %6.0f "
	       "ns/pkt)  ok %llu fault %llu unsupported %llu\n",
	       name, rate[runs / 2] / 1e6, (double)insns_per_round / npkts, ns_per_run,
	       krate[runs / 2], (unsigned long long)statuses[INTERP_OK],
	       (unsigned long long)statuses[INTERP_FAULT],
	       (unsigned long long)statuses[INTERP_UNSUPPORTED]);
out:
	free(pkts);
	free(lens);
	free(rate);
	free(krate);
	interp_ctx__free(ic);
	interp_prog__free(ip);
	kh_unload(&kp);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("CORPUS_DIR");
	uint32_t npkts = (uint32_t)env_u64("BENCH_INTERP_PKTS", 1000);
	uint32_t runs = (uint32_t)env_u64("BENCH_INTERP_RUNS", 7);
	char why[256];
	cpu_set_t cpu0;
	int i;

	if (!dir || !*dir)
		dir = "/var/cache/bpfsynth-corpus";
	if (!kh_bpf_permitted(why, sizeof(why))) {
		printf("bench_interp: skipped: %s\n", why);
		return 0;
	}
	if (runs == 0)
		runs = 1;
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	printf("core/interp on corpus programs: median of %u rounds over %u packets, one core\n",
	       runs, npkts);
	if (argc > 1) {
		for (i = 1; i + 1 < argc; i += 2)
			bench(dir, argv[i], argv[i + 1], npkts, runs);
	} else {
		for (i = 0; i + 1 < (int)(sizeof(defaults) / sizeof(defaults[0])); i += 2)
			bench(dir, defaults[i], defaults[i + 1], npkts, runs);
	}
	return 0;
}
