// SPDX-License-Identifier: MIT
/*
 * The preload's optimizing paths, end to end, with the kernel as the judge:
 * sync mode (optimize on a miss, then load), `bpfsynth warm` (fill the cache
 * offline, keyed as a loader's load will be), and `bpfsynth worker` (started
 * by the preload in async mode).  Real loaders: bpftool prog load / loadall.
 *
 * Each test checks that what the kernel got is what the cache entry says:
 * the entry's optimized program, relinked here to a fresh map and loaded
 * without the preload, must give the kernel byte for byte the xlated program
 * the loader got under the preload (map ids masked); and when the entry
 * differs from the original, the xlated program must be shorter than a plain
 * load by the instructions the entry removed.  Whatever core/optimize finds
 * (or does not find), this holds; when it improves the example it proves the
 * optimized program reached the kernel.  Behaviour is compared with a plain
 * load under BPF_PROG_TEST_RUN on generated packets.
 */
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cache/cache.h"
#include "tests/kernel/harness.h"
#include "tests/kernel/preload_util.h"
#include "tests/test.h"

static char bin_path[PATH_MAX];
static uint32_t plain_len, plain_lines, plain_funcs;
static uint8_t plain_insns[8192];
static int plain_fd = -1;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* BTF info the kernel kept for a program: line_info and func_info records. */
static void btf_info(int fd, uint32_t *lines, uint32_t *funcs)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	*lines = *funcs = 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		*lines = info.nr_line_info;
		*funcs = info.nr_func_info;
	}
}

/* The only key in DIR/AREA, or "" (none or several). */
static void only_key(const char *dir, const char *area, char key[CACHE_KEY_LEN + 1])
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	key[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, area);
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (cache_key_valid(de->d_name) && n++ == 0)
			memcpy(key, de->d_name, CACHE_KEY_LEN + 1);
	if (d)
		closedir(d);
	if (n != 1)
		key[0] = '\0';
}

/*
 * Load the entry DIR/entries/KEY's optimized program ourselves (no preload),
 * relinked to fresh maps of the entry's descriptions, and give the kernel's
 * xlated program (map ids masked).  Also checks the entry as the preload
 * would: readable, and a complete proof record.
 */
static int entry_xlated(const char *dir, const char *key, struct cache_entry *e, uint32_t *len,
			uint8_t *insns, size_t cap)
{
	struct cache_slot_handle h[CACHE_MAX_MAPS];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_XDP);
	char path[PATH_MAX], msg[CACHE_MSG_SIZE];
	struct bpf_insn *p;
	uint32_t i;
	int fd, err;

	snprintf(path, sizeof(path), "%s/entries/%s", dir, key);
	err = cache_entry_read(path, e, msg, sizeof(msg));
	if (!CHECK(!err, "entry %s: %s", key, msg))
		return err;
	err = cache_proof_check(e->proof, e->orig.insns, e->orig.insn_cnt, e->opt, e->opt_cnt, msg,
				sizeof(msg));
	if (!CHECK(!err, "entry's proof record complete: %s", msg))
		return err;
	for (i = 0; i < e->orig.nmaps; i++) {
		LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = e->orig.maps[i].map_flags);

		h[i].idx = false;
		h[i].imm = bpf_map_create(e->orig.maps[i].type, NULL, e->orig.maps[i].key_size,
					  e->orig.maps[i].value_size,
					  e->orig.maps[i].max_entries, &mo);
		if (h[i].imm < 0)
			return -errno;
	}
	p = malloc(e->opt_cnt * sizeof(*p));
	if (!p)
		return -ENOMEM;
	cache_relink(e->opt, e->opt_cnt, h, e->orig.nmaps, p);
	fd = bpf_prog_load(e->orig.prog_type, "entry", "GPL", p, e->opt_cnt, &opts);
	err = fd < 0 ? -errno : prog_xlated(fd, len, insns, cap);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < e->orig.nmaps; i++)
		close(h[i].imm);
	free(p);
	return err;
}

/*
 * The kernel got what the cache entry says: @fd's xlated program equals the
 * entry's (loaded by us), and is shorter than the plain load by what the
 * entry removed.
 */
static void loaded_is_entry(const char *what, int fd, const char *dir, const char *key)
{
	static uint8_t got[8192], want[8192];
	uint32_t got_len = 0, want_len = 0, before, after;
	struct cache_entry e;

	memset(&e, 0, sizeof(e));
	if (!CHECK(!prog_xlated(fd, &got_len, got, sizeof(got)), "%s: xlated", what))
		return;
	if (!CHECK(!entry_xlated(dir, key, &e, &want_len, want, sizeof(want)),
		   "%s: the entry loads", what))
		goto out;
	CHECK(got_len == want_len && !memcmp(got, want, got_len),
	      "%s: the kernel got the entry's program (xlated %u, entry's %u)", what, got_len,
	      want_len);
	before = cache_insn_cnt_effective(e.orig.insns, e.orig.insn_cnt);
	after = cache_insn_cnt_effective(e.opt, e.opt_cnt);
	CHECK(got_len == plain_len - 8 * (before - after),
	      "%s: xlated %u = plain %u - 8 x (%u - %u) removed", what, got_len, plain_len, before,
	      after);
	if (before != after)
		CHECK(memcmp(got, plain_insns, got_len < plain_len ? got_len : plain_len),
		      "%s: instructions differ from the plain load", what);
	printf("  %s: %u -> %u instructions, xlated %u -> %u bytes\n", what, before, after,
	       plain_len, got_len);
out:
	cache_entry_free(&e);
}

/* bpftool prog loadall OBJ (libbpf's whole-object path); the example's fd. */
static int bpftool_loadall(const struct run *r)
{
	char pin[128], prog[160];
	char *argv[] = {"bpftool", "prog", "loadall", obj_path, pin, "type", "xdp", NULL};
	int st, fd;

	snprintf(pin, sizeof(pin), "%s/all", bpffs);
	snprintf(prog, sizeof(prog), "%s/xdp_example", pin);
	st = spawn(argv, r, NULL, 0);
	if (st) {
		fprintf(stderr, "  bpftool prog loadall exited with %d\n", st);
		return -ECHILD;
	}
	fd = bpf_obj_get(prog);
	unlink(prog);
	rmdir(pin);
	return fd < 0 ? -errno : fd;
}

/* 1. Sync mode: a miss is optimized, stored with its proof, and loaded. */
static void test_sync_mode(void)
{
	char dir[128], key[CACHE_KEY_LEN + 1], msg[CACHE_MSG_SIZE], path[PATH_MAX];
	struct run r = {so_path, "sync", dir, NULL, NULL, "10s"};
	struct cache_entry e;
	uint32_t lines, funcs, len = 0;
	json_t *judge;
	double t;
	int fd;

	snprintf(dir, sizeof(dir), "%s/sync", root);
	t = now_s();
	fd = bpftool_load(&r, "sync");
	t = now_s() - t;
	if (!ASSERT_GE(fd, 0, "bpftool prog load under sync mode"))
		return;
	printf("  sync-mode load of the example (bpftool, optimizer included): %.3f s\n", t);
	only_key(dir, "entries", key);
	if (ASSERT_TRUE(key[0], "one entry stored")) {
		snprintf(path, sizeof(path), "%s/entries/%s", dir, key);
		if (ASSERT_OK(cache_entry_read(path, &e, msg, sizeof(msg)), msg)) {
			ASSERT_STREQ(json_string_value(json_object_get(e.proof, "where")),
				     "preload (sync)", "the proof record says where it was made");
			ASSERT_TRUE(json_is_array(json_object_get(e.proof, "windows")),
				    "the proof record lists the windows");
			ASSERT_STREQ(e.name, "xdp_example", "the entry names the program");
			/* The kernel judged the candidates: its counts are in the record. */
			judge = json_object_get(e.proof, "judge");
			prog_xlated(fd, &len, NULL, 0);
			ASSERT_EQ(json_integer_value(json_object_get(judge, "before")),
				  plain_len / 8, "judge: the kernel's count of the original");
			ASSERT_EQ(json_integer_value(json_object_get(judge, "after")), len / 8,
				  "judge: the kernel's count of what loaded");
			cache_entry_free(&e);
		}
		loaded_is_entry("sync, first load", fd, dir, key);
	}
	ASSERT_EQ(stat_of(dir, "misses"), 1, "stats: the miss");
	ASSERT_EQ(stat_of(dir, "hits"), 1, "stats: the optimized load");
	/* BTF: func_info and line_info reach the kernel as the loader made them. */
	btf_info(fd, &lines, &funcs);
	ASSERT_GE(plain_lines, 1, "the plain load has line info");
	ASSERT_EQ(lines, plain_lines, "line_info records kept");
	ASSERT_EQ(funcs, plain_funcs, "func_info records kept");
	same_behaviour(plain_fd, fd);
	close(fd);
	/* The next load hits the stored entry: no second optimization. */
	fd = bpftool_load(&r, "sync");
	if (ASSERT_GE(fd, 0, "second load under sync mode")) {
		if (key[0])
			loaded_is_entry("sync, second load", fd, dir, key);
		close(fd);
	}
	ASSERT_EQ(stat_of(dir, "misses"), 1, "second load: no miss");
	ASSERT_EQ(stat_of(dir, "hits"), 2, "second load: a hit");
}

/*
 * 1b. A program whose optimized version the kernel refused before (its entry
 *     is in rejected/) is not optimized again: sync mode stores it unchanged
 *     and loads the original through the hit path, without the budget.
 */
static void test_sync_after_rejection(void)
{
	char dir[128], src[PATH_MAX], dst[PATH_MAX], cmd[2 * PATH_MAX + 16];
	char key[CACHE_KEY_LEN + 1], msg[CACHE_MSG_SIZE];
	struct run r = {so_path, "sync", dir, NULL, NULL, "10s"};
	struct cache_entry e;
	uint32_t len = 0;
	int fd;

	snprintf(dir, sizeof(dir), "%s/sync", root);
	only_key(dir, "entries", key);
	if (!key[0]) {
		test_skip("no sync-mode entry");
		return;
	}
	/* As the preload does when the kernel refuses an entry: into rejected/. */
	snprintf(dir, sizeof(dir), "%s/sync-rejected", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/rejected && cp %s/sync/entries/%s %s/rejected/",
		 dir, root, key, dir);
	if (!ASSERT_OK(system(cmd), "a rejected entry"))
		return;
	chmod(dir, 0700);
	fd = bpftool_load(&r, "sync");
	if (!ASSERT_GE(fd, 0, "load under sync mode"))
		return;
	prog_xlated(fd, &len, NULL, 0);
	ASSERT_EQ(len, plain_len, "the original loads");
	close(fd);
	snprintf(src, sizeof(src), "%s/entries/%s", dir, key);
	if (ASSERT_OK(cache_entry_read(src, &e, msg, sizeof(msg)), msg)) {
		ASSERT_TRUE(e.opt_cnt == e.orig.insn_cnt &&
				    !memcmp(e.opt, e.orig.insns, e.opt_cnt * sizeof(*e.opt)),
			    "stored unchanged");
		snprintf(dst, sizeof(dst), "%s",
			 json_string_value(json_object_get(json_object_get(e.proof, "whole"),
							   "reason")) ?: "");
		ASSERT_TRUE(strstr(dst, "refused") != NULL, "the record says why");
		cache_entry_free(&e);
	}
	ASSERT_EQ(stat_of(dir, "hits"), 1, "loaded through the hit path");
}

/* Run the bpfsynth binary with @argv (argv[0] is replaced); stdout into @out. */
static int run_bin(char **argv, const char *dir, char *out, size_t outsz)
{
	struct run r = {NULL, NULL, dir, NULL, NULL, NULL};

	argv[0] = bin_path;
	return spawn(argv, &r, out, outsz);
}

/* 2. warm, then a real loader in cache mode hits every program. */
static void test_warm_then_load(void)
{
	static char out[1 << 16];
	char dir[128], key[CACHE_KEY_LEN + 1];
	char *argv[] = {NULL, "-j", "warm", "--budget", "10s", obj_path, NULL};
	struct run r = {so_path, "cache", dir, NULL, NULL, NULL};
	json_t *doc, *prog;
	json_error_t jerr;
	int fd;

	snprintf(dir, sizeof(dir), "%s/warm", root);
	if (!ASSERT_EQ(run_bin(argv, dir, out, sizeof(out)), 0, "bpfsynth warm"))
		return;
	doc = json_loads(out, 0, &jerr);
	prog = json_array_get(
		json_object_get(json_array_get(json_object_get(doc, "objects"), 0), "programs"), 0);
	ASSERT_EQ(json_array_size(json_object_get(
			  json_array_get(json_object_get(doc, "objects"), 0), "programs")),
		  1, "warm: one program in the example");
	ASSERT_STREQ(json_string_value(json_object_get(prog, "status")), "stored",
		     "warm: stored");
	ASSERT_EQ(json_integer_value(json_object_get(prog, "insns_before")), 38,
		  "warm: 38 instructions before");
	ASSERT_TRUE(json_integer_value(json_object_get(prog, "insns_after")) <= 38,
		    "warm: never more after");
	snprintf(key, sizeof(key), "%s",
		 json_string_value(json_object_get(prog, "key")) ?: "");
	json_decref(doc);
	ASSERT_TRUE(cache_key_valid(key), "warm: the key");
	ASSERT_EQ(stat_of(dir, "misses") + stat_of(dir, "hits"), 0,
		  "warm records nothing in the cache's statistics");

	fd = bpftool_loadall(&r);
	if (!ASSERT_GE(fd, 0, "bpftool prog loadall under the preload (cache mode)"))
		return;
	if (cache_key_valid(key)) {
		char path[PATH_MAX], msg[CACHE_MSG_SIZE];
		struct cache_entry e;
		uint32_t len = 0;
		json_t *judge;

		loaded_is_entry("warm + loadall", fd, dir, key);
		/* warm asked the kernel too (without the loader's BTF: same counts here). */
		snprintf(path, sizeof(path), "%s/entries/%s", dir, key);
		if (ASSERT_OK(cache_entry_read(path, &e, msg, sizeof(msg)), msg)) {
			judge = json_object_get(e.proof, "judge");
			prog_xlated(fd, &len, NULL, 0);
			ASSERT_EQ(json_integer_value(json_object_get(judge, "before")),
				  plain_len / 8, "warm's judge: the kernel's count of the original");
			ASSERT_EQ(json_integer_value(json_object_get(judge, "after")), len / 8,
				  "warm's judge: the kernel's count of what loaded");
			cache_entry_free(&e);
		}
	}
	ASSERT_EQ(stat_of(dir, "hits"), 1, "stats: loadall hit the warmed entry");
	ASSERT_EQ(stat_of(dir, "misses"), 0, "stats: no miss");
	close(fd);
	fd = bpftool_load(&r, "warm");
	if (ASSERT_GE(fd, 0, "bpftool prog load too")) {
		if (cache_key_valid(key))
			loaded_is_entry("warm + prog load", fd, dir, key);
		close(fd);
	}
	ASSERT_EQ(stat_of(dir, "hits"), 2, "stats: prog load hit it too");
	/* Again: nothing to do. */
	if (ASSERT_EQ(run_bin(argv, dir, out, sizeof(out)), 0, "bpfsynth warm again"))
		ASSERT_TRUE(strstr(out, "\"status\":\"cached\"") != NULL, "warm again: cached");
}

/* Whether a worker holds DIR's lock. */
static bool worker_busy(const char *dir)
{
	char path[PATH_MAX];
	bool busy;
	int fd;

	snprintf(path, sizeof(path), "%s/worker.lock", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	busy = flock(fd, LOCK_EX | LOCK_NB) != 0;
	close(fd);
	return busy;
}

/* 3. async: the original loads, the preload starts a worker, the next load hits. */
static void test_async_worker(void)
{
	char dir[128], key[CACHE_KEY_LEN + 1], qkey[CACHE_KEY_LEN + 1], path[PATH_MAX];
	char out[4096], log[160];
	struct run r = {so_path, "async", dir, log, bin_path, "10s"};
	char *argv[] = {NULL, "-j", "worker", "--dir", dir, NULL};
	uint32_t len = 0;
	double t0;
	int fd, lock;

	snprintf(dir, sizeof(dir), "%s/async", root);
	snprintf(log, sizeof(log), "info:%s/async.log", root);
	fd = bpftool_load(&r, "async");
	if (!ASSERT_GE(fd, 0, "bpftool load under async mode"))
		return;
	prog_xlated(fd, &len, NULL, 0);
	ASSERT_EQ(len, plain_len, "async miss: the original loads");
	close(fd);
	/* The worker: queue emptied, entry stored, lock released, within the budget. */
	t0 = now_s();
	for (;;) {
		only_key(dir, "entries", key);
		only_key(dir, "queue", qkey);
		if ((key[0] && !qkey[0] && !worker_busy(dir)) || now_s() - t0 > 60)
			break;
		usleep(20000);
	}
	printf("  worker finished %.2f s after the load\n", now_s() - t0);
	if (!ASSERT_TRUE(key[0], "the worker stored an entry"))
		return;
	ASSERT_TRUE(!qkey[0], "the queue is empty");
	ASSERT_TRUE(!worker_busy(dir), "the worker exited");
	fd = bpftool_load(&r, "async");
	if (ASSERT_GE(fd, 0, "the next load")) {
		loaded_is_entry("async + worker, next load", fd, dir, key);
		close(fd);
	}
	ASSERT_EQ(stat_of(dir, "hits"), 1, "stats: the next load hit");
	ASSERT_EQ(stat_of(dir, "queued"), 1, "stats: queued once");

	/* One worker per cache: while the lock is held, a worker exits and leaves the queue. */
	snprintf(path, sizeof(path), "%s/worker.lock", dir);
	lock = open(path, O_RDWR | O_CLOEXEC);
	if (!ASSERT_TRUE(lock >= 0 && !flock(lock, LOCK_EX | LOCK_NB), "hold the worker lock"))
		return;
	cache_entry_remove(dir, key);
	fd = bpftool_load(&r, "async");
	if (fd >= 0)
		close(fd);
	only_key(dir, "queue", qkey);
	ASSERT_STREQ(qkey, key, "queued again (no worker started while the lock is held)");
	ASSERT_EQ(run_bin(argv, dir, out, sizeof(out)), 0, "a second worker exits at once");
	only_key(dir, "queue", qkey);
	ASSERT_STREQ(qkey, key, "and leaves the queue alone");
	close(lock);
	ASSERT_EQ(run_bin(argv, dir, out, sizeof(out)), 0, "bpfsynth worker by hand");
	ASSERT_TRUE(strstr(out, "\"status\":\"stored\"") && strstr(out, key),
		    "it stores the queued program (JSON report)");
	only_key(dir, "queue", qkey);
	ASSERT_TRUE(!qkey[0], "queue empty after it");

	/* No worker binary: the load goes on, the program stays queued, the log says why. */
	cache_entry_remove(dir, key);
	r.worker = "/nonexistent/bpfsynth";
	fd = bpftool_load(&r, "async");
	ASSERT_GE(fd, 0, "load with a missing worker binary");
	if (fd >= 0)
		close(fd);
	only_key(dir, "queue", qkey);
	ASSERT_STREQ(qkey, key, "the program stays queued");
	snprintf(path, sizeof(path), "%s/async.log", root);
	{
		char cmd[PATH_MAX + 64];

		snprintf(cmd, sizeof(cmd), "grep -q 'no worker started' %s", path);
		ASSERT_OK(system(cmd), "logged: no worker started");
		snprintf(cmd, sizeof(cmd), "grep -q 'worker: .xdp_example. %.16s: .*stored' %s", key,
			 path);
		ASSERT_OK(system(cmd), "the spawned worker logged what it stored");
	}

	/* Refused by the kernel before (rejected/): the worker stores it unchanged. */
	{
		char cmd[2 * PATH_MAX], msg[CACHE_MSG_SIZE];
		struct cache_entry e;

		snprintf(cmd, sizeof(cmd), "mkdir -p %s/rejected && cp %s/queue/%s %s/rejected/",
			 dir, dir, key, dir);
		ASSERT_OK(system(cmd), "a rejected entry for the queued program");
		ASSERT_EQ(run_bin(argv, dir, out, sizeof(out)), 0, "bpfsynth worker");
		snprintf(path, sizeof(path), "%s/entries/%s", dir, key);
		if (ASSERT_OK(cache_entry_read(path, &e, msg, sizeof(msg)), msg)) {
			ASSERT_TRUE(e.opt_cnt == e.orig.insn_cnt &&
					    !memcmp(e.opt, e.orig.insns,
						    e.opt_cnt * sizeof(*e.opt)),
				    "a program the kernel refused before is stored unchanged");
			cache_entry_free(&e);
		}
	}
}

/*
 * Child, under the preload: load the example with libbpf (a miss in sync
 * mode: the optimizer runs inside this process), then report the threads
 * this process has (the optimizer must leave none behind) and errno after a
 * successful raw call (kept as the caller set it).
 */
static int count_dir(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int n = 0;

	while (d && (de = readdir(d)))
		n++;
	if (d)
		closedir(d);
	return n;
}

static int child_sync(void)
{
	static char log[KH_LOG_SIZE];
	struct kh_prog kp;
	struct dirent *de;
	uint32_t len = 0;
	int tasks = 0;
	DIR *d;

	int fds_before = count_dir("/proc/self/fd"), fds_after;

	if (kh_load(obj_path, "xdp_example", BPF_PROG_TYPE_UNSPEC, &kp, log, sizeof(log)))
		return 1;
	d = opendir("/proc/self/task");
	while (d && (de = readdir(d)))
		tasks += de->d_name[0] != '.';
	if (d)
		closedir(d);
	prog_xlated(kp.fd, &len, NULL, 0);
	kh_unload(&kp);
	fds_after = count_dir("/proc/self/fd");
	printf("tasks %d fds %s xlated %u\n", tasks, fds_after == fds_before ? "same" : "leaked",
	       len);
	return 0;
}

/* 4. Inside the loader's process: no thread left, nothing printed but the loader's own. */
static void test_sync_in_process(void)
{
	char dir[128], out[256], want[64];
	char *argv[] = {self_path, "--child-sync", NULL};
	struct run r = {so_path, "sync", dir, NULL, NULL, "10s"};

	snprintf(dir, sizeof(dir), "%s/sync-child", root);
	if (!ASSERT_EQ(spawn(argv, &r, out, sizeof(out)), 0, "libbpf load in sync mode"))
		return;
	ASSERT_EQ(stat_of(dir, "misses"), 1, "it was a miss (the optimizer ran in the child)");
	ASSERT_EQ(stat_of(dir, "hits"), 1, "and the result loaded");
	snprintf(want, sizeof(want), "tasks 1 fds same xlated ");
	ASSERT_TRUE(!strncmp(out, want, strlen(want)),
		    "one thread and no fd left after the optimizer ran, nothing else on stdout");
	CHECK(strchr(out, '\n') == out + strlen(out) - 1, "only the child's line: '%s'", out);
}

static int setup(void)
{
	char buf[PATH_MAX - 64], *build = getenv("BUILD"), why[256], p[3][PATH_MAX];
	struct run plain = {NULL, NULL, NULL, NULL, NULL, NULL};

	if (!realpath("/proc/self/exe", self_path))
		return -1;
	if (build && *build) {
		snprintf(buf, sizeof(buf), "%s", build);
	} else {
		/* BUILD/tests/kernel/test_preload_opt */
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
	setenv("PL_OPT_OBJ", obj_path, 1);
	if (!kh_bpf_permitted(why, sizeof(why)))
		return 1;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 2;
	snprintf(bpffs, sizeof(bpffs), "/tmp/test_preload_opt_bpffs.XXXXXX");
	snprintf(root, sizeof(root), "/tmp/test_preload_opt.XXXXXX");
	if (!mkdtemp(bpffs) || !mkdtemp(root) || mount("bpf", bpffs, "bpf", 0, NULL))
		return 2;
	chmod(root, 0755);
	plain_fd = bpftool_load(&plain, "plain");
	if (plain_fd < 0)
		return -1;
	prog_xlated(plain_fd, &plain_len, plain_insns, sizeof(plain_insns));
	btf_info(plain_fd, &plain_lines, &plain_funcs);
	return 0;
}

int main(int argc, char **argv)
{
	char cmd[256];
	int err, rc;

	if (argc > 1 && !strcmp(argv[1], "--child-sync")) {
		snprintf(obj_path, sizeof(obj_path), "%s", getenv("PL_OPT_OBJ") ?: "");
		return child_sync();
	}
	test_init(argc, argv);
	err = setup();
	if (err) {
		printf("  SKIP: %s\n", err == 1   ? "bpf() not permitted"
				       : err == 2 ? "no private mount namespace or bpffs"
						  : "preload, bpfsynth or example missing");
		test_env.skipped++;
		return test_summary("test_preload_opt");
	}
	RUN_TEST(test_sync_mode);
	RUN_TEST(test_sync_after_rejection);
	RUN_TEST(test_warm_then_load);
	RUN_TEST(test_async_worker);
	RUN_TEST(test_sync_in_process);

	close(plain_fd);
	umount2(bpffs, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, bpffs);
	rc = system(cmd);
	(void)rc;
	return test_summary("test_preload_opt");
}
