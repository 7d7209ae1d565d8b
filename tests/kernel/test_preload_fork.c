// SPDX-License-Identifier: MIT
/*
 * The preload's optimizer must not disturb the loader it runs in.  A loader
 * here is this binary in --child-host mode: it registers a pthread_atfork()
 * handler and a SIGCHLD handler, loads the example with libbpf (as a
 * skeleton does) under the preload, and reports how often each ran, whether
 * its own waitpid(-1) saw a child of ours, and what the kernel loaded.
 *
 *  1. sync mode with a worker binary: `bpfsynth worker --key` is started
 *     through a middle child with no exit signal: neither handler runs, the
 *     host sees no child, the optimized program is what loaded, and the
 *     worker's judge was the loader's own load (its counts are the kernel's).
 *  2. sync mode without one (BPFSYNTH_WORKER=off): the fork() fallback, whose
 *     atfork handlers do run -- the control that shows the test can see it;
 *     and with a worker that fails (/bin/false): the original loads.
 *  3. async mode: the detached worker is started the same way: no handler
 *     runs; the worker stores the entry, and the next load hits.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cache/cache.h"
#include "tests/kernel/harness.h"
#include "tests/kernel/preload_util.h"
#include "tests/test.h"

static char bin_path[PATH_MAX];
static uint32_t plain_len;

static volatile sig_atomic_t n_atfork, n_sigchld;

static void on_fork(void)
{
	n_atfork++;
}

static void on_sigchld(int sig)
{
	(void)sig;
	n_sigchld++;
}

/* The loader: handlers, one libbpf load, a report on stdout. */
static int child_host(void)
{
	static char log[KH_LOG_SIZE];
	struct sigaction sa;
	struct kh_prog kp;
	uint32_t len = 0;
	int reaped, status;
	struct timespec ts = {0, 50 * 1000 * 1000};

	pthread_atfork(on_fork, on_fork, on_fork);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, NULL);
	if (kh_load(obj_path, "xdp_example", BPF_PROG_TYPE_UNSPEC, &kp, log, sizeof(log)))
		return 1;
	prog_xlated(kp.fd, &len, NULL, 0);
	kh_unload(&kp);
	nanosleep(&ts, NULL); /* a late SIGCHLD would arrive by now */
	/* What a loader that reaps its children would find. */
	reaped = waitpid(-1, &status, WNOHANG);
	printf("atfork %d sigchld %d reaped %d xlated %u\n", (int)n_atfork, (int)n_sigchld,
	       reaped > 0, len);
	return 0;
}

static int host(const char *mode, const char *dir, const char *worker, int *atfork,
		int *sigchld, int *reaped, uint32_t *xlated)
{
	char out[256];
	char *argv[] = {self_path, "--child-host", NULL};
	struct run r = {mode ? so_path : NULL, mode, dir, NULL, worker, "3s"};
	int st = spawn(argv, &r, out, sizeof(out));

	if (st) {
		fprintf(stderr, "  loader exited with %d: %s\n", st, out);
		return -1;
	}
	if (sscanf(out, "atfork %d sigchld %d reaped %d xlated %u", atfork, sigchld, reaped,
		   xlated) != 4) {
		fprintf(stderr, "  loader said '%s'\n", out);
		return -1;
	}
	return 0;
}

static json_int_t judge_before, judge_after;
static char judge_by[96];

/* The proof record's "where" of the entry in @dir, and its judge's counts. */
static void entry_where(const char *dir, char *where, size_t sz)
{
	char path[PATH_MAX], msg[CACHE_MSG_SIZE];
	struct cache_entry e;
	struct dirent *de;
	DIR *d;

	where[0] = '\0';
	snprintf(path, sizeof(path), "%s/entries", dir);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (!cache_key_valid(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/entries/%s", dir, de->d_name);
		if (!cache_entry_read(path, &e, msg, sizeof(msg))) {
			json_t *j = json_object_get(e.proof, "judge");

			snprintf(where, sz, "%s",
				 json_string_value(json_object_get(e.proof, "where")) ?: "");
			snprintf(judge_by, sizeof(judge_by), "%s",
				 json_string_value(json_object_get(j, "by")) ?: "");
			judge_before = json_integer_value(json_object_get(j, "before"));
			judge_after = json_integer_value(json_object_get(j, "after"));
			cache_entry_free(&e);
		}
	}
	if (d)
		closedir(d);
}

/* 1. Sync mode through the worker: the host sees nothing of it. */
static void test_sync_worker(void)
{
	char dir[128], where[64];
	int atfork = -1, sigchld = -1, reaped = -1;
	uint32_t len = 0;

	snprintf(dir, sizeof(dir), "%s/sync-worker", root);
	if (!ASSERT_OK(host("sync", dir, bin_path, &atfork, &sigchld, &reaped, &len),
		       "sync-mode load with a worker"))
		return;
	ASSERT_EQ(atfork, 0, "no atfork handler of the loader ran");
	ASSERT_EQ(sigchld, 0, "the loader got no SIGCHLD");
	ASSERT_EQ(reaped, 0, "the loader's waitpid(-1) found no child of ours");
	ASSERT_EQ(stat_of(dir, "misses"), 1, "a miss");
	ASSERT_EQ(stat_of(dir, "hits"), 1, "served as a hit after the worker stored it");
	entry_where(dir, where, sizeof(where));
	ASSERT_STREQ(where, "preload (sync, worker)", "the entry was made by the worker");
	CHECK(len && len <= plain_len, "xlated %u, plain %u", len, plain_len);
	/* The worker asked the loader's own load (through the preload) about each candidate. */
	ASSERT_STREQ(judge_by, "kernel (xlated insns; the loader's attr and maps)",
		     "judged with the loader's attr");
	ASSERT_EQ(judge_before, plain_len / 8, "judge: the kernel's count of the original");
	ASSERT_EQ(judge_after, len / 8, "judge: the kernel's count of what loaded");
	/* The next load is a plain hit. */
	if (ASSERT_OK(host("sync", dir, bin_path, &atfork, &sigchld, &reaped, &len), "again"))
		ASSERT_EQ(stat_of(dir, "hits"), 2, "second load: a hit");
}

/* 2. The fallback without a worker binary forks: its atfork handlers run. */
static void test_sync_fork_fallback(void)
{
	char dir[128], where[64];
	int atfork = -1, sigchld = -1, reaped = -1;
	uint32_t len = 0;

	snprintf(dir, sizeof(dir), "%s/sync-fork", root);
	if (!ASSERT_OK(host("sync", dir, "off", &atfork, &sigchld, &reaped, &len),
		       "sync-mode load without a worker"))
		return;
	ASSERT_GE(atfork, 1, "control: fork() ran the loader's atfork handlers");
	ASSERT_EQ(stat_of(dir, "hits"), 1, "the forked optimizer's result loaded");
	entry_where(dir, where, sizeof(where));
	ASSERT_STREQ(where, "preload (sync)", "the entry was made in the forked child");
}

/* 2b. A worker that fails: the original loads, and the loader still sees nothing. */
static void test_sync_worker_fails(void)
{
	char dir[128];
	int atfork = -1, sigchld = -1, reaped = -1;
	uint32_t len = 0;

	snprintf(dir, sizeof(dir), "%s/sync-false", root);
	if (!ASSERT_OK(host("sync", dir, "/bin/false", &atfork, &sigchld, &reaped, &len),
		       "sync-mode load with a worker that fails"))
		return;
	ASSERT_EQ(len, plain_len, "the original loaded");
	ASSERT_EQ(atfork, 0, "no atfork handler ran");
	ASSERT_EQ(sigchld, 0, "no SIGCHLD");
	ASSERT_EQ(reaped, 0, "no child for the loader's waitpid(-1)");
	ASSERT_EQ(reason_of(dir, "fallback_reasons", "optimize-failed"), 1,
		  "counted: optimize-failed");
}

/* 3. Async mode starts the detached worker the same way. */
static void test_async_worker(void)
{
	char dir[128], where[64];
	int atfork = -1, sigchld = -1, reaped = -1, i;
	uint32_t len = 0;

	snprintf(dir, sizeof(dir), "%s/async", root);
	if (!ASSERT_OK(host("async", dir, bin_path, &atfork, &sigchld, &reaped, &len),
		       "async-mode load with a worker"))
		return;
	ASSERT_EQ(atfork, 0, "no atfork handler ran");
	ASSERT_EQ(sigchld, 0, "no SIGCHLD");
	ASSERT_EQ(reaped, 0, "no child for the loader's waitpid(-1)");
	ASSERT_EQ(len, plain_len, "the original loaded at once");
	/* The detached worker stores the entry (the example takes about the budget). */
	for (i = 0; i < 300; i++) {
		entry_where(dir, where, sizeof(where));
		if (where[0])
			break;
		usleep(100 * 1000);
	}
	ASSERT_STREQ(where, "worker", "the detached worker stored the entry");
	if (ASSERT_OK(host("cache", dir, NULL, &atfork, &sigchld, &reaped, &len), "next load"))
		ASSERT_EQ(stat_of(dir, "hits"), 1, "the worker's entry is a hit");
}

static int setup(void)
{
	char buf[PATH_MAX - 64], *build = getenv("BUILD"), why[256], p[3][PATH_MAX];
	int atfork, sigchld, reaped;

	if (!realpath("/proc/self/exe", self_path))
		return -1;
	if (build && *build) {
		snprintf(buf, sizeof(buf), "%s", build);
	} else {
		snprintf(buf, sizeof(buf), "%.4000s", self_path);
		*strrchr(buf, '/') = '\0';
		*strrchr(buf, '/') = '\0';
		*strrchr(buf, '/') = '\0';
	}
	snprintf(p[0], sizeof(p[0]), "%s/libbpfsynth.so", buf);
	snprintf(p[1], sizeof(p[1]), "%s/bpfsynth", buf);
	snprintf(p[2], sizeof(p[2]), "%s/examples/xdp_example.bpf.o", buf);
	if (!realpath(p[0], so_path) || !realpath(p[1], bin_path) || !realpath(p[2], obj_path))
		return -1;
	setenv("PL_FORK_OBJ", obj_path, 1);
	if (!kh_bpf_permitted(why, sizeof(why)))
		return 1;
	snprintf(root, sizeof(root), "/tmp/test_preload_fork.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	chmod(root, 0755);
	if (host(NULL, NULL, NULL, &atfork, &sigchld, &reaped, &plain_len) || !plain_len)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	char cmd[128];
	int err;

	if (argc > 1 && !strcmp(argv[1], "--child-host")) {
		snprintf(obj_path, sizeof(obj_path), "%s", getenv("PL_FORK_OBJ") ?: "");
		return child_host();
	}
	test_init(argc, argv);
	err = setup();
	if (err) {
		printf("  SKIP: %s\n", err == 1 ? "bpf() not permitted"
						: "preload, bpfsynth or example missing");
		test_env.skipped++;
		return test_summary("test_preload_fork");
	}
	RUN_TEST(test_sync_worker);
	RUN_TEST(test_sync_fork_fallback);
	RUN_TEST(test_sync_worker_fails);
	RUN_TEST(test_async_worker);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", root);
	return test_summary("test_preload_fork");
}
