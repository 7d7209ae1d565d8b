// SPDX-License-Identifier: MIT
/*
 * libbpfsynth.so inside the loader's process, with the kernel as the judge:
 * raw bpf() calls with bad pointers and sizes get the kernel's own answers,
 * the verifier log the caller asked for is the log of what loaded, threads
 * and fork() in one preloaded process, and 8 concurrent loaders with writers
 * rewriting the entry meanwhile.  The example's queue entry and cache entry
 * come from tests 1 and 2 (preload_example.h); the cases run in children that
 * re-execute this binary with LD_PRELOAD set and a --child-* argument.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "cache/cache.h"
#include "tests/kernel/harness.h"
#include "tests/kernel/preload_example.h"
#include "tests/test.h"

/* Child: raw syscalls with bad attrs; lines "abi ..." must not depend on the preload. */
static int child_abi(void)
{
	union bpf_attr a;
	struct bpf_insn *p;
	char log[4096];
	long ret;
	int map, e, i;
	uint32_t n = orig_q.orig.insn_cnt;
	struct cache_slot_handle h = {false, 0};
	unsigned char *guard, big[8192];

	map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "proto_count", 4, 8, 256, NULL);
	if (map < 0)
		return 2;
	h.imm = map;
	p = malloc(n * sizeof(*p));
	cache_relink(orig_q.orig.insns, n, &h, 1, p);
	/* A page whose second half is unmapped, for instructions that run off it. */
	guard = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(guard + 4096, 4096);

#define BASE()                                           \
	do {                                             \
		memset(&a, 0, sizeof(a));                \
		a.prog_type = BPF_PROG_TYPE_XDP;         \
		a.expected_attach_type = BPF_XDP;        \
		a.insns = (uint64_t)(uintptr_t)p;        \
		a.insn_cnt = n;                          \
		a.license = (uint64_t)(uintptr_t) "GPL"; \
		memcpy(a.prog_name, "xdp_example", 12);  \
	} while (0)
#define CASE(name, cmd, attr, size)                                                   \
	do {                                                                          \
		errno = 777;                                                          \
		ret = syscall(__NR_bpf, (long)(cmd), (attr), (long)(size));           \
		e = errno;                                                            \
		printf("abi %-28s %s errno %d\n", name, ret >= 0 ? "ok" : "fail", e); \
		if (ret >= 0)                                                         \
			close((int)ret);                                              \
	} while (0)

	BASE();
	CASE("valid", BPF_PROG_LOAD, &a, sizeof(a));
	CASE("cmd with upper bits", (long)BPF_PROG_LOAD | (1l << 40), &a, sizeof(a));
	CASE("attr NULL", BPF_PROG_LOAD, NULL, sizeof(a));
	CASE("attr bad pointer", BPF_PROG_LOAD, (void *)8, sizeof(a));
	CASE("attr runs off the mapping", BPF_PROG_LOAD, guard + 4096 - 64, sizeof(a));
	CASE("size 0", BPF_PROG_LOAD, &a, 0);
	CASE("size 8", BPF_PROG_LOAD, &a, 8);
	CASE("size up to insns", BPF_PROG_LOAD, &a, 16);
	memset(big, 0, sizeof(big));
	memcpy(big, &a, sizeof(a));
	CASE("size 8192, zero tail", BPF_PROG_LOAD, big, sizeof(big));
	CASE("size 4096, zero tail", BPF_PROG_LOAD, big, 4096);
	big[4000] = 1;
	CASE("size 4096, nonzero tail", BPF_PROG_LOAD, big, 4096);
	big[200] = 1;
	CASE("size 256, nonzero tail", BPF_PROG_LOAD, big, 256);
	BASE();
	a.insns = 16;
	CASE("insns bad pointer", BPF_PROG_LOAD, &a, sizeof(a));
	BASE();
	memcpy(guard + 4096 - 8 * (n - 3), p, 8 * (n - 3));
	a.insns = (uint64_t)(uintptr_t)(guard + 4096 - 8 * (n - 3));
	CASE("insns run off the mapping", BPF_PROG_LOAD, &a, sizeof(a));
	BASE();
	a.insn_cnt = 2u << 20;
	CASE("insn_cnt huge", BPF_PROG_LOAD, &a, sizeof(a));
	BASE();
	a.insn_cnt = 0;
	CASE("insn_cnt 0", BPF_PROG_LOAD, &a, sizeof(a));
	BASE();
	a.license = 24;
	CASE("license bad pointer", BPF_PROG_LOAD, &a, sizeof(a));
	BASE();
	a.log_level = 1;
	a.log_buf = 32;
	a.log_size = 4096;
	CASE("log_buf bad pointer", BPF_PROG_LOAD, &a, sizeof(a));
	BASE();
	a.log_level = 1;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = 8;
	CASE("log too small", BPF_PROG_LOAD, &a, sizeof(a));
	BASE();
	for (i = 0; i < (int)n; i++)
		if (p[i].code == (BPF_LD | BPF_IMM | BPF_DW))
			p[i].imm = 999; /* not an fd */
	CASE("map fd not open", BPF_PROG_LOAD, &a, sizeof(a));
	for (i = 0; i < (int)n; i++)
		if (p[i].code == (BPF_LD | BPF_IMM | BPF_DW))
			p[i].imm = 0; /* stdin: not a map */
	CASE("map fd not a map", BPF_PROG_LOAD, &a, sizeof(a));
	for (i = 0; i < (int)n; i++)
		if (p[i].code == (BPF_LD | BPF_IMM | BPF_DW))
			p[i].src_reg = 5, p[i].imm = 0; /* BPF_PSEUDO_MAP_IDX */
	CASE("fd_array NULL", BPF_PROG_LOAD, &a, sizeof(a));
	a.fd_array = 40;
	CASE("fd_array bad pointer", BPF_PROG_LOAD, &a, sizeof(a));
	a.fd_array = (uint64_t)(uintptr_t)&map;
	CASE("fd_array valid", BPF_PROG_LOAD, &a, sizeof(a));
	fflush(stdout);
	return 0;
}

/* Child: a verifier log for the load; prints it. */
static int child_log(void)
{
	struct cache_slot_handle h = {false, 0};
	uint32_t n = orig_q.orig.insn_cnt;
	static char log[1 << 16];
	/* With room for log_true_size (6.4+), which the kernel writes back into the attr. */
	struct {
		union bpf_attr a;
		uint32_t tail[8];
	} big;
	const size_t true_size_off = offsetof(union bpf_attr, core_relo_rec_size) + 4;
	union bpf_attr a;
	struct bpf_insn *p;
	uint32_t true_size;
	long fd;

	h.imm = bpf_map_create(BPF_MAP_TYPE_ARRAY, "proto_count", 4, 8, 256, NULL);
	p = malloc(n * sizeof(*p));
	cache_relink(orig_q.orig.insns, n, &h, 1, p);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.expected_attach_type = BPF_XDP;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = 2;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	memset(&big, 0, sizeof(big));
	memcpy(&big.a, &a, sizeof(a));
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &big, true_size_off + 4);
	memcpy(&true_size, (char *)&big + true_size_off, 4);
	printf("fd %s log_true_size %s\n%s", fd >= 0 ? "ok" : "fail",
	       true_size == strlen(log) + 1 ? "matches" : "differs", log);
	return 0;
}

struct thread_arg {
	struct bpf_insn *p;
	uint32_t n, want;
	int bad;
};

static void *load_thread(void *arg)
{
	struct thread_arg *t = arg;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_XDP);
	uint32_t len = 0;
	int i, fd;

	for (i = 0; i < 10; i++) {
		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_example", "GPL", t->p, t->n, &opts);
		len = 0;
		if (fd >= 0)
			prog_xlated(fd, &len, NULL, 0);
		t->bad += fd < 0 || len != t->want;
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

/*
 * Child: 4 threads x 10 loads at once in one process, then a fork() and 10
 * more loads in both parent and child; every load must hit.
 */
static int child_threads(uint32_t want)
{
	struct cache_slot_handle h = {false, 0};
	struct thread_arg args[4];
	pthread_t th[4];
	int i, bad = 0, status;
	pid_t pid;

	h.imm = bpf_map_create(BPF_MAP_TYPE_ARRAY, "proto_count", 4, 8, 256, NULL);
	args[0].p = malloc(orig_q.orig.insn_cnt * sizeof(struct bpf_insn));
	cache_relink(orig_q.orig.insns, orig_q.orig.insn_cnt, &h, 1, args[0].p);
	for (i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){args[0].p, orig_q.orig.insn_cnt, want, 0};
		pthread_create(&th[i], NULL, load_thread, &args[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		bad += args[i].bad;
	}
	pid = fork();
	args[0].bad = 0;
	load_thread(&args[0]);
	if (pid == 0)
		_exit(args[0].bad ? 1 : 0);
	bad += args[0].bad;
	waitpid(pid, &status, 0);
	bad += !WIFEXITED(status) || WEXITSTATUS(status);
	return bad ? 1 : 0;
}

/* 6b. Threads and fork() inside one preloaded process. */
static void test_threads_and_fork(void)
{
	char dir[128], want[16];
	char *argv[] = {self_path, "--child-threads", want, NULL};
	struct run r = {so_path, "cache", dir, NULL, NULL, NULL};
	json_int_t before;

	if (!opt_xlated) {
		test_skip("no cache entry");
		return;
	}
	dir_of(dir, sizeof(dir), "hit");
	snprintf(want, sizeof(want), "%u", opt_xlated);
	before = stat_of(dir, "hits");
	ASSERT_EQ(spawn(argv, &r, NULL, 0), 0, "every load from 4 threads and after fork() hit");
	ASSERT_EQ(stat_of(dir, "hits") - before, 60, "60 hits recorded");
}

/* 7. Bad pointers and sizes: the same answers with and without the preload. */
static void test_abi_bad_attrs(void)
{
	static char out_plain[16384], out_pre[16384], out_async[16384];
	char dir[128], adir[128];
	char *argv[] = {self_path, "--child-abi", dir, NULL};
	struct run plain = {NULL, NULL, NULL, NULL, NULL, NULL}, pre = {so_path, "cache", dir, NULL, NULL, NULL};
	struct run as = {so_path, "async", adir, NULL, NULL, NULL};

	if (!opt_xlated) {
		test_skip("no cache entry");
		return;
	}
	dir_of(dir, sizeof(dir), "hit");
	dir_of(adir, sizeof(adir), "abi-async");
	ASSERT_EQ(spawn(argv, &plain, out_plain, sizeof(out_plain)), 0, "child without preload");
	ASSERT_EQ(spawn(argv, &pre, out_pre, sizeof(out_pre)), 0, "child with preload (cache)");
	ASSERT_EQ(spawn(argv, &as, out_async, sizeof(out_async)), 0, "child with preload (async)");
	ASSERT_TRUE(strstr(out_plain, "abi valid ") && strstr(out_plain, "fail errno 14"),
		    "the cases ran and some gave EFAULT");
	if (!CHECK(!strcmp(out_plain, out_pre), "cache mode differs:\n--- without\n%s--- with\n%s",
		   out_plain, out_pre))
		return;
	CHECK(!strcmp(out_plain, out_async), "async mode differs:\n--- without\n%s--- with\n%s",
	      out_plain, out_async);
	ASSERT_GE(stat_of(dir, "hits"), 3, "the valid loads were hits (errno kept on success)");
	/* With an entry the kernel refuses: every answer still the plain one. */
	dir_of(adir, sizeof(adir), "abi-rejected");
	as.mode = "cache";
	if (ASSERT_OK(write_rejected_entry(adir), "entry the kernel refuses")) {
		ASSERT_EQ(spawn(argv, &as, out_async, sizeof(out_async)), 0, "child (rejected)");
		CHECK(!strcmp(out_plain, out_async),
		      "with a refused entry:\n--- without\n%s--- with\n%s", out_plain, out_async);
	}
}

/* 8. The caller's log buffer holds the log of what finally loaded. */
static void test_log_of_what_loaded(void)
{
	static char out[1 << 17];
	char dir[128], hit[128];
	char *argv[] = {self_path, "--child-log", dir, NULL};
	struct run r = {so_path, "cache", dir, NULL, NULL, NULL};

	if (!opt_xlated) {
		test_skip("no cache entry");
		return;
	}
	dir_of(dir, sizeof(dir), "rejected-log");
	if (!ASSERT_OK(write_rejected_entry(dir), "write the bad entry"))
		return;
	ASSERT_EQ(spawn(argv, &r, out, sizeof(out)), 0, "child");
	ASSERT_TRUE(!strncmp(out, "fd ok", 5), "loaded");
	ASSERT_TRUE(!strncmp(out, "fd ok log_true_size matches", 27),
		    "log_true_size in the caller's attr is the final log's");
	ASSERT_TRUE(strstr(out, "processed ") != NULL, "a complete log");
	ASSERT_TRUE(strstr(out, "R9 !read_ok") == NULL, "not the log of the rejected program");
	ASSERT_TRUE(strstr(out, "r0 = r6") != NULL, "the original's instructions in the log");
	dir_of(hit, sizeof(hit), "hit");
	argv[2] = hit;
	r.dir = hit;
	ASSERT_EQ(spawn(argv, &r, out, sizeof(out)), 0, "child, hit");
	ASSERT_TRUE(!strncmp(out, "fd ok log_true_size matches", 27),
		    "on a hit, log_true_size copied back into the caller's attr");
	ASSERT_TRUE(strstr(out, "if r1 != 0x900 goto") != NULL,
		    "on a hit, the log of the optimized program");
}

/*
 * 9. 8 concurrent loaders x 50 loads, half of the example (hits), half of
 *    another program (misses, queued by all of them at once), with 2 processes
 *    rewriting the entry meanwhile.
 */
static void test_concurrent_loaders(void)
{
	char dir[128], loads[16], shift[16], want[16], kind[16], cmd[256];
	char *argv[] = {self_path, "--child-loads", loads, shift, want, kind, NULL};
	struct run r = {so_path, "async", dir, NULL, NULL, NULL};
	pid_t pids[8], writers[2];
	int i, status, bad = 0;

	if (!opt_xlated) {
		test_skip("no cache entry");
		return;
	}
	dir_of(dir, sizeof(dir), "concurrent");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return;
	if (!ASSERT_OK(write_entry(dir, opt_insns, "hand-made"), "entry"))
		return;
	for (i = 0; i < 2; i++) {
		writers[i] = fork();
		if (writers[i] == 0) {
			int j;

			for (j = 0; j < 100; j++)
				write_entry(dir, opt_insns, j % 2 ? "rewritten" : "hand-made");
			_exit(0);
		}
	}
	snprintf(loads, sizeof(loads), "50");
	for (i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			snprintf(shift, sizeof(shift), "%d", i * 3);
			snprintf(want, sizeof(want), "%u", i % 2 ? plain_xlated : opt_xlated);
			snprintf(kind, sizeof(kind), "%s", i % 2 ? "variant" : "example");
			_exit(spawn(argv, &r, NULL, 0));
		}
	}
	for (i = 0; i < 8; i++) {
		waitpid(pids[i], &status, 0);
		bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	for (i = 0; i < 2; i++)
		waitpid(writers[i], &status, 0);
	ASSERT_EQ(bad, 0, "loaders with a failed load, a wrong program or an fd leak");
	ASSERT_EQ(stat_of(dir, "hits"), 200, "200 hits");
	ASSERT_EQ(stat_of(dir, "misses"), 200, "200 misses");
	ASSERT_EQ(stat_of(dir, "queued"), 1, "the other program queued once");
	ASSERT_EQ(stat_of(dir, "bad_entries"), 0, "never a partial entry");
}

static int child_main(int argc, char **argv)
{
	if (example_child_orig())
		return 2;
	if (!strcmp(argv[1], "--child-abi"))
		return child_abi();
	if (!strcmp(argv[1], "--child-log"))
		return child_log();
	if (!strcmp(argv[1], "--child-threads") && argc >= 3)
		return child_threads((uint32_t)atoi(argv[2]));
	if (!strcmp(argv[1], "--child-loads") && argc >= 6)
		return child_loads(atoi(argv[2]), atoi(argv[3]), (uint32_t)atoi(argv[4]),
				   !strcmp(argv[5], "variant"));
	return 2;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strncmp(argv[1], "--child-", 8))
		return child_main(argc, argv);
	test_init(argc, argv);
	if (example_begin(argv[0]))
		return test_summary("test_preload_proc");
	RUN_TEST(test_threads_and_fork);
	RUN_TEST(test_abi_bad_attrs);
	RUN_TEST(test_log_of_what_loaded);
	RUN_TEST(test_concurrent_loaders);
	example_end();
	return test_summary("test_preload_proc");
}
