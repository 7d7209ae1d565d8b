// SPDX-License-Identifier: MIT
/*
 * bench_preload: what libbpfsynth.so adds to a load.
 *
 * For a few programs (the shipped example and corpus programs of growing
 * size) the preload first queues the program as a real loader submits it
 * (libbpf through kh_load, async mode); we then store a cache entry whose
 * "optimized" program is the original itself, so that a load through the
 * preload and a plain load hand the kernel exactly the same instructions and
 * the difference in time is the preload's own work on a hit: reading the
 * attr and instructions, map info, canonical form and key, reading and
 * checking the entry, relinking, statistics.  Loads are raw
 * syscall(__NR_bpf, BPF_PROG_LOAD) calls in child processes, with and without
 * LD_PRELOAD; medians of N loads.  Then the pass-through cost of a call that
 * is not BPF_PROG_LOAD (BPF_MAP_LOOKUP_ELEM, and getpid through syscall()).
 *
 *   bench_preload [OBJ PROG ...]     (default: the example and corpus programs)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "cache/cache.h"
#include "tests/kernel/harness.h"
#include "tests/test.h"

static char so_path[PATH_MAX], self_path[PATH_MAX], dir[64];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* Run self with @args, with or without the preload; stdout into @out. */
static char log_path[96];

static int run_child(char *const args[], bool preload, const char *mode, char *out, size_t sz)
{
	int pfd[2], status;
	ssize_t k;
	size_t n = 0;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		unsetenv("LD_PRELOAD");
		setenv("BPFSYNTH_CONFIG", "", 1);
		setenv("BPFSYNTH_CACHE_DIR", dir, 1);
		setenv("BPFSYNTH_MODE", mode, 1);
		unsetenv("BPFSYNTH_LOG");
		if (preload && log_path[0]) {
			char v[128];

			snprintf(v, sizeof(v), "%s:%s", getenv("BENCH_PROFILE") ? "debug" : "info",
				 log_path);
			setenv("BPFSYNTH_LOG", v, 1);
		}
		if (preload)
			setenv("LD_PRELOAD", so_path, 1);
		execv(self_path, args);
		_exit(127);
	}
	close(pfd[1]);
	while ((k = read(pfd[0], out + n, sz - n - 1)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Child: load @obj's @prog with libbpf (the preload, in async mode, queues it). */
static int child_queue(const char *obj, const char *prog)
{
	static char log[KH_LOG_SIZE];
	struct kh_prog kp;
	int err;

	err = kh_load(obj, prog, BPF_PROG_TYPE_UNSPEC, &kp, log, sizeof(log));
	if (err)
		return 1;
	printf("%u\n", kp.insn_cnt);
	kh_unload(&kp);
	return 0;
}

/* Child: N raw loads of queue entry @key relinked to fresh maps; prints the median ns. */
static int child_time(const char *key, int n)
{
	struct cache_slot_handle h[CACHE_MAX_MAPS];
	char path[PATH_MAX], msg[CACHE_MSG_SIZE];
	struct cache_entry e;
	struct bpf_insn *p;
	union bpf_attr a;
	uint64_t *t;
	uint32_t i;
	int k, fd;

	snprintf(path, sizeof(path), "%s/queue/%s", dir, key);
	if (cache_entry_read(path, &e, msg, sizeof(msg)))
		return 2;
	for (i = 0; i < e.orig.nmaps; i++) {
		LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = e.orig.maps[i].map_flags);
		const struct cache_map_desc *m = &e.orig.maps[i];

		h[i].idx = false;
		h[i].imm = bpf_map_create(m->type, NULL, m->key_size, m->value_size, m->max_entries,
					  &mo);
		if (h[i].imm < 0)
			return 3;
	}
	/*
	 * Read-only maps (.rodata) are keyed by their contents, which are zero in
	 * our fresh maps: store the identity entry under the key the preload will
	 * compute here.
	 */
	for (i = 0; i < e.orig.nmaps; i++) {
		struct cache_map_desc *m = &e.orig.maps[i];
		struct sha256 s;
		uint8_t *v = calloc(1, m->value_size + 1);
		uint32_t k;

		if (!cache_map_content_matters(m))
			continue;
		sha256_init(&s);
		for (k = 0; k < m->max_entries; k++) {
			bpf_map_lookup_elem(h[i].imm, &k, v);
			sha256_update(&s, v, m->value_size);
		}
		sha256_final(&s, m->content);
		free(v);
	}
	cache_key(&e.orig, e.optimizer_version, e.key);
	e.opt = e.orig.insns;
	e.opt_cnt = e.orig.insn_cnt;
	cache_entry_write(dir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
	e.opt = NULL;
	p = malloc(e.orig.insn_cnt * sizeof(*p));
	t = malloc(n * sizeof(*t));
	cache_relink(e.orig.insns, e.orig.insn_cnt, h, e.orig.nmaps, p);
	memset(&a, 0, sizeof(a));
	a.prog_type = e.orig.prog_type;
	a.expected_attach_type = e.orig.expected_attach_type;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = e.orig.insn_cnt;
	a.license = (uint64_t)(uintptr_t) "GPL";
	for (k = -1; k < n; k++) { /* one warm-up load */
		uint64_t t0 = now_ns();

		fd = syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
		if (k >= 0)
			t[k] = now_ns() - t0;
		if (fd < 0)
			return 4;
		close(fd);
	}
	printf("%llu\n", (unsigned long long)median(t, n));
	return 0;
}

/* Child: N non-PROG_LOAD bpf() calls and N getpid()s through syscall(). */
static int child_passthrough(int n)
{
	uint64_t *t = malloc(n * sizeof(*t)), *g = malloc(n * sizeof(*g));
	uint32_t k = 0;
	uint64_t v;
	union bpf_attr a;
	int fd, i;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 8, 1, NULL);
	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (uint64_t)(uintptr_t)&k;
	a.value = (uint64_t)(uintptr_t)&v;
	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		syscall(__NR_bpf, BPF_MAP_LOOKUP_ELEM, &a, sizeof(a));
		t[i] = now_ns() - t0;
		t0 = now_ns();
		syscall(SYS_getpid);
		g[i] = now_ns() - t0;
	}
	printf("%llu %llu\n", (unsigned long long)median(t, n), (unsigned long long)median(g, n));
	return 0;
}

/*
 * BENCH_PROFILE=1: the preload logs at debug level where the time of each hit
 * went ("ours in us: attr 1.0 insns 0.2 ... , stats 1.1"); print the median
 * of each stage.
 */
static void profile_medians(void)
{
	static uint64_t v[16][1024];
	char line[512], names[16][16], *p, *tok;
	int n[16] = {0}, nst = 0, i;
	FILE *f = fopen(log_path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!(p = strstr(line, "ours in us: ")))
			continue;
		p += 12;
		for (i = 0; (tok = strtok(i ? NULL : p, " ,\n")) && i < 32; i++) {
			char *val = strtok(NULL, " ,\n");
			int st;

			if (!val)
				break;
			for (st = 0; st < nst && strcmp(names[st], tok); st++)
				;
			if (st == nst && nst < 16)
				snprintf(names[nst++], sizeof(names[0]), "%s", tok);
			if (st < 16 && n[st] < 1024)
				v[st][n[st]++] = (uint64_t)(strtod(val, NULL) * 1000);
		}
	}
	if (f)
		fclose(f);
	if (!nst)
		return;
	printf("    stages (median us):");
	for (i = 0; i < nst; i++)
		printf(" %s %.1f", names[i], median(v[i], n[i]) / 1e3);
	printf("\n");
}

/* Median of the "ours N ns" the preload logged for its hits (0 if none). */
static uint64_t ours_median(void)
{
	static uint64_t v[1024];
	char line[512], *p;
	int n = 0;
	FILE *f = fopen(log_path, "r");

	while (f && fgets(line, sizeof(line), f) && n < 1024)
		if ((p = strstr(line, "; ours ")))
			v[n++] = strtoull(p + 7, NULL, 10);
	if (f)
		fclose(f);
	if (getenv("BENCH_PROFILE"))
		profile_medians();
	unlink(log_path);
	return n ? median(v, n) : 0;
}

/* The key of the queue entry that is in the queue now but not in @before. */
static int new_key(char *key, const char *before)
{
	char sub[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int found = 0;

	snprintf(sub, sizeof(sub), "%s/queue", dir);
	d = opendir(sub);
	while (d && (de = readdir(d)))
		if (cache_key_valid(de->d_name) && !strstr(before, de->d_name)) {
			memcpy(key, de->d_name, CACHE_KEY_LEN + 1);
			found = 1;
		}
	if (d)
		closedir(d);
	return found ? 0 : -ENOENT;
}

static void queue_list(char *buf, size_t sz)
{
	char sub[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	buf[0] = '\0';
	snprintf(sub, sizeof(sub), "%s/queue", dir);
	d = opendir(sub);
	while (d && (de = readdir(d)) && n + 70 < sz)
		n += snprintf(buf + n, sz - n, "%s ", de->d_name);
	if (d)
		closedir(d);
}

static void bench_prog(const char *obj, const char *prog)
{
	static char before[1 << 16];
	char key[CACHE_KEY_LEN + 1], out[256], msg[CACHE_MSG_SIZE], path[PATH_MAX], nbuf[16];
	char *qargs[] = {self_path, "--queue", (char *)obj, (char *)prog, NULL};
	char *targs[] = {self_path, "--time", key, nbuf, NULL};
	struct cache_entry e;
	unsigned long long plain, hit, ours, quiet;
	uint32_t insns;
	int n;

	queue_list(before, sizeof(before));
	if (run_child(qargs, true, "async", out, sizeof(out)) || new_key(key, before)) {
		printf("%-44s  (does not load here, skipped)\n", prog);
		return;
	}
	snprintf(path, sizeof(path), "%s/queue/%s", dir, key);
	if (cache_entry_read(path, &e, msg, sizeof(msg)))
		return;
	insns = e.orig.insn_cnt;
	/* The identity "optimization": same instructions, so the difference is ours. */
	e.opt = e.orig.insns;
	e.opt_cnt = insns;
	n = cache_entry_write(dir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
	e.opt = NULL; /* e.mem holds the original only */
	cache_entry_free(&e);
	if (n)
		return;
	n = insns > 4000 ? 15 : insns > 500 ? 41 : 201;
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	snprintf(log_path, sizeof(log_path), "%s/preload.log", dir);
	if (run_child(targs, false, "off", out, sizeof(out)) || sscanf(out, "%llu", &plain) != 1 ||
	    run_child(targs, true, "cache", out, sizeof(out)) || sscanf(out, "%llu", &hit) != 1) {
		printf("%-44s  (raw load without BTF fails, skipped)\n", prog);
		log_path[0] = '\0';
		return;
	}
	ours = ours_median();
	log_path[0] = '\0';
	if (!ours) {
		printf("%-44s  (no cache hits: not measured)\n", prog);
		return;
	}
	/* Again with logging off, as the preload runs by default: the log line costs a write. */
	if (run_child(targs, true, "cache", out, sizeof(out)) || sscanf(out, "%llu", &quiet) != 1)
		quiet = 0;
	printf("%-18.18s %6u insns  plain %9.1f us  hit %9.1f us (%9.1f us logging)  preload's "
	       "own work %6.1f us = %5.2f%% of the plain load\n",
	       prog, insns, plain / 1e3, quiet / 1e3, hit / 1e3, ours / 1e3, 100.0 * ours / plain);
}

int main(int argc, char **argv)
{
	static const char *const corpus[][2] = {
		{"selftests/test_l4lb.o", "balancer_ingress"},
		{"selftests/test_cls_redirect.o", "cls_redirect"},
		{"selftests/test_verif_scale2.o", "balancer_ingress"},
	};
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	const char *cdir =
		getenv("CORPUS_DIR") ? getenv("CORPUS_DIR") : "/var/cache/bpfsynth-corpus";
	char buf[PATH_MAX], out[256], nbuf[16] = "20001";
	char *pargs[] = {self_path, "--passthrough", nbuf, NULL};
	unsigned long long m0, g0, m1, g1;
	char why[256];
	size_t i;
	int a;

	snprintf(dir, sizeof(dir), "%s",
		 getenv("BPFSYNTH_CACHE_DIR") ? getenv("BPFSYNTH_CACHE_DIR") : "");
	if (argc > 1 && !strcmp(argv[1], "--queue") && argc == 4)
		return child_queue(argv[2], argv[3]);
	if (argc > 1 && !strcmp(argv[1], "--time") && argc == 4)
		return child_time(argv[2], atoi(argv[3]));
	if (argc > 1 && !strcmp(argv[1], "--passthrough") && argc == 3)
		return child_passthrough(atoi(argv[2]));

	if (!kh_bpf_permitted(why, sizeof(why))) {
		printf("bench_preload: skipped: %s\n", why);
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s/libbpfsynth.so", build);
	if (!realpath(buf, so_path) || !realpath("/proc/self/exe", self_path)) {
		printf("bench_preload: %s missing\n", buf);
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/bench_preload.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	chmod(dir, 0755);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("BPF_PROG_LOAD on a cache hit (identity entry: same instructions as the plain "
	       "load), medians;\n\"own work\" is what the preload measures of itself on each hit "
	       "(all but the kernel's load):\n");
	if (argc > 2) {
		for (a = 1; a + 1 < argc; a += 2)
			bench_prog(argv[a], argv[a + 1]);
	} else {
		snprintf(buf, sizeof(buf), "%s/examples/xdp_example.bpf.o", build);
		bench_prog(buf, "xdp_example");
		for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
			snprintf(buf, sizeof(buf), "%s/objs/%s", cdir, corpus[i][0]);
			if (access(buf, R_OK))
				printf("%-44s  (corpus not built, skipped)\n", corpus[i][0]);
			else
				bench_prog(buf, corpus[i][1]);
		}
	}
	if (!run_child(pargs, false, "off", out, sizeof(out)) &&
	    sscanf(out, "%llu %llu", &m0, &g0) == 2 &&
	    !run_child(pargs, true, "async", out, sizeof(out)) &&
	    sscanf(out, "%llu %llu", &m1, &g1) == 2)
		printf("pass-through, medians of 20001: BPF_MAP_LOOKUP_ELEM %llu ns plain, %llu ns "
		       "preloaded; syscall(SYS_getpid) %llu ns plain, %llu ns preloaded\n",
		       m0, m1, g0, g1);
	snprintf(buf, sizeof(buf), "rm -rf %s", dir);
	a = system(buf);
	return a ? 1 : 0;
}
