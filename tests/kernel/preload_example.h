/* SPDX-License-Identifier: MIT */
/*
 * The example program's life under the preload, shared by test_preload.c
 * (the cache and its faults) and test_preload_proc.c (inside the loader's
 * process: ABI, logs, threads, concurrency).  Both start the same way: the
 * example loads under async mode and is queued (tests 1), the stand-in
 * optimizer rewrites the queued original and bpftool loads it from the cache
 * (test 2); the children they spawn find the original in that queue.
 *
 * The optimizer of core/optimize is tested end to end in test_preload_opt.c;
 * here stand_in_optimizer() plays it: one hand-checked rewrite, argued in the
 * comment there and proven by core/smt, turns one instruction into `ja +0`,
 * so the kernel gets one instruction fewer, whatever the optimizer finds.
 */
#ifndef BPFSYNTH_TESTS_KERNEL_PRELOAD_EXAMPLE_H
#define BPFSYNTH_TESTS_KERNEL_PRELOAD_EXAMPLE_H

#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cache/cache.h"
#include "core/smt.h"
#include "tests/kernel/preload_util.h"

__attribute__((unused)) static char key[CACHE_KEY_LEN + 1];
/* the original, as the preload queued it */
__attribute__((unused)) static struct cache_entry orig_q;
__attribute__((unused)) static uint32_t plain_xlated, opt_xlated;
__attribute__((unused)) static uint8_t plain_insns[4096];
__attribute__((unused)) static struct bpf_insn opt_insns[1 << 17];

static inline void dir_of(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "%s/%s", root, name);
}

/*
 * 1. async mode on a miss: the original loads and is queued.  The queue entry
 *    is our copy of the original as the preload saw it.
 */
static inline void test_async_queues_miss(void)
{
	char dir[128], path[PATH_MAX], msg[CACHE_MSG_SIZE];
	struct run r = {so_path, "async", dir, NULL, NULL, NULL};
	struct dirent *de;
	DIR *d;
	int fd;

	dir_of(dir, sizeof(dir), "async");
	fd = bpftool_load(&r, "async");
	if (!ASSERT_GE(fd, 0, "bpftool load under async"))
		return;
	close(fd);
	snprintf(path, sizeof(path), "%s/queue", dir);
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (cache_key_valid(de->d_name))
			memcpy(key, de->d_name, sizeof(key));
	if (d)
		closedir(d);
	if (!ASSERT_TRUE(key[0], "a queue entry"))
		return;
	snprintf(path, sizeof(path), "%s/queue/%s", dir, key);
	if (!ASSERT_OK(cache_entry_read(path, &orig_q, msg, sizeof(msg)), msg))
		return;
	ASSERT_EQ(orig_q.orig.prog_type, BPF_PROG_TYPE_XDP, "queued: xdp");
	ASSERT_EQ(orig_q.orig.nmaps, 1, "queued: one map");
	ASSERT_EQ(orig_q.orig.maps[0].max_entries, 256, "queued: the map's description");
	ASSERT_TRUE(orig_q.opt == NULL, "queued: nothing optimized");
	ASSERT_EQ(stat_of(dir, "misses"), 1, "one miss");
	ASSERT_EQ(stat_of(dir, "queued"), 1, "one queued");
	fd = bpftool_load(&r, "async");
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(stat_of(dir, "queued"), 1, "queued once only");
	ASSERT_EQ(stat_of(dir, "misses"), 2, "second miss counted");
}

/*
 * The stand-in for the optimizer.  In the example, r6 is set to 2 at entry and
 * written nowhere else but in the tail
 *
 *	i:   r6 = 1
 *	i+1: if r1 == 2304 goto +1
 *	i+2: r6 = 2
 *	i+3: r0 = r6
 *
 * With r6 == 2 on entry to i, that is equivalent to
 *
 *	i:   if r1 != 2304 goto +1     (r6 stays 2)
 *	i+1: r6 = 1
 *	i+2: ja +0                     (deleted by the verifier)
 *
 * provided nothing else jumps to i+1 or i+2, which the code checks, together
 * with the claim about r6.  Every other register and all memory are untouched
 * by both versions.  One instruction fewer.
 */
static inline int stand_in_optimizer(const struct bpf_insn *p, uint32_t n, struct bpf_insn *o)
{
	uint32_t i, j, at = 0;

	memcpy(o, p, n * sizeof(*o));
	for (i = 0; i + 2 < n; i++)
		if (p[i].code == (BPF_ALU64 | BPF_MOV | BPF_K) && p[i].dst_reg == 6 &&
		    p[i].imm == 1 && p[i + 1].code == (BPF_JMP | BPF_JEQ | BPF_K) &&
		    p[i + 1].off == 1 && p[i + 2].code == (BPF_ALU64 | BPF_MOV | BPF_K) &&
		    p[i + 2].dst_reg == 6 && p[i + 2].imm == 2)
			at = i;
	if (!at)
		return -ENOENT;
	for (j = 0; j < n; j++) {
		const struct bpf_insn *x = &p[j];
		uint8_t cls = BPF_CLASS(x->code);

		if (x->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			j++;
			continue;
		}
		/* r6 written only by the entry `r6 = 2` and the tail */
		if ((cls == BPF_ALU64 || cls == BPF_ALU || cls == BPF_LDX) && x->dst_reg == 6 &&
		    j != at && j != at + 2 && !(j == 0 && x->imm == 2 && x->code == p[at + 2].code))
			return -EINVAL;
		if ((cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(x->code) != BPF_CALL &&
		    BPF_OP(x->code) != BPF_EXIT) {
			int64_t t = (int64_t)j + 1 + x->off;

			if (t == at + 1 || t == at + 2)
				return -EINVAL;
		}
	}
	o[at] = p[at + 1];
	o[at].code = BPF_JMP | BPF_JNE | BPF_K;
	o[at + 1] = p[at];
	o[at + 2] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
	return 0;
}

/*
 * Prove @opt equivalent to the queued original with core/smt, as `bpfsynth
 * cache verify` does (maps named by slot).  Returns the verdict.
 */
static inline int prove(const struct bpf_insn *opt, uint32_t n, struct smt_result *res)
{
	struct interp_map_def maps[SMT_MAX_MAPS];
	struct smt_env env = {.prog_type = orig_q.orig.prog_type, .maps = maps};
	struct smt_ctx *s = smt_ctx__new(60000);
	uint32_t i;
	int err;

	memset(res, 0, sizeof(*res));
	if (!s || orig_q.orig.nmaps > SMT_MAX_MAPS) {
		smt_ctx__free(s);
		return res->verdict = SMT_UNKNOWN;
	}
	for (i = 0; i < orig_q.orig.nmaps; i++)
		maps[i] = (struct interp_map_def){
			orig_q.orig.maps[i].type,	orig_q.orig.maps[i].key_size,
			orig_q.orig.maps[i].value_size, orig_q.orig.maps[i].max_entries,
			orig_q.orig.maps[i].map_flags,	(int32_t)i};
	env.nmaps = orig_q.orig.nmaps;
	err = smt_check_prog(s, orig_q.orig.insns, orig_q.orig.insn_cnt, opt, n, &env, res);
	smt_ctx__free(s);
	if (err)
		res->verdict = SMT_UNKNOWN;
	return res->verdict;
}

/*
 * The proof record of a hand-made rewrite, in the optimizer's format
 * (cache/proof.c): one window over the instructions @opt changes, claimed
 * proven (the stand-in's rewrites are argued in their comments and proven
 * whole by core/smt when @res is given), and the whole check's verdict.
 */
static inline json_t *proof_record(const char *method, const struct bpf_insn *opt, uint32_t n,
			    const struct smt_result *res)
{
	struct cache_proof_window w = {.verdict = "equivalent"};
	uint32_t i, first = n, last = 0;
	json_t *p;

	for (i = 0; i < n; i++)
		if (memcmp(&orig_q.orig.insns[i], &opt[i], sizeof(*opt))) {
			first = first < i ? first : i;
			last = i;
		}
	w.start = first;
	w.len = first < n ? last - first + 1 : 0;
	p = cache_proof_new(method, &w, first < n, res ? smt_verdict_str(res->verdict) : "unknown",
			    res != NULL, res ? res->msg : "not checked");
	if (p)
		json_object_set_new(p, "note",
				    json_string("hand-made rewrite in tests/kernel/test_preload.c"));
	return p;
}

static inline int write_entry_proof(const char *dir, const struct bpf_insn *opt, const char *method,
			     const struct smt_result *res)
{
	char msg[CACHE_MSG_SIZE];
	struct cache_entry e = orig_q;
	int err;

	e.opt = (struct bpf_insn *)opt;
	e.opt_cnt = orig_q.orig.insn_cnt;
	e.proof = proof_record(method, opt, e.opt_cnt, res);
	e.timings = json_pack("{s:i}", "search_ms", 0);
	e.created = 0;
	err = cache_dir_prepare(dir, msg, sizeof(msg));
	if (!err)
		err = cache_entry_write(dir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
	if (err)
		fprintf(stderr, "  write_entry: %s\n", msg);
	json_decref(e.proof);
	json_decref(e.timings);
	return err;
}

static inline int write_entry(const char *dir, const struct bpf_insn *opt, const char *method)
{
	return write_entry_proof(dir, opt, method, NULL);
}

/* 2. The kernel gets the optimized program from the cache, through bpftool. */
static inline void test_cache_hit_bpftool(void)
{
	char dir[128];
	struct run plain = {NULL, NULL, NULL, NULL, NULL, NULL}, r = {so_path, "cache", dir, NULL, NULL, NULL};
	struct smt_result res;
	uint8_t ins[4096];
	uint32_t len = 0;
	int fa, fb;

	if (!orig_q.orig.insns) {
		test_skip("no queued original");
		return;
	}
	dir_of(dir, sizeof(dir), "hit");
	if (!ASSERT_OK(stand_in_optimizer(orig_q.orig.insns, orig_q.orig.insn_cnt, opt_insns),
		       "stand-in optimizer finds its pattern"))
		return;
	ASSERT_EQ(cache_insn_cnt_effective(opt_insns, orig_q.orig.insn_cnt),
		  orig_q.orig.insn_cnt - 1, "one instruction fewer");
	ASSERT_EQ(prove(opt_insns, orig_q.orig.insn_cnt, &res), SMT_EQUIVALENT,
		  "core/smt proves the stand-in rewrite");
	if (!ASSERT_OK(write_entry_proof(dir, opt_insns, "hand-made", &res), "write the entry"))
		return;
	fa = bpftool_load(&plain, "plain");
	if (!ASSERT_GE(fa, 0, "plain bpftool load"))
		return;
	prog_xlated(fa, &plain_xlated, plain_insns, sizeof(plain_insns));
	fb = bpftool_load(&r, "hit");
	if (!ASSERT_GE(fb, 0, "bpftool load under the preload, cache mode")) {
		close(fa);
		return;
	}
	prog_xlated(fb, &len, ins, sizeof(ins));
	opt_xlated = len;
	ASSERT_EQ(len, plain_xlated - 8, "kernel's xlated_prog_len: one instruction fewer");
	ASSERT_TRUE(memcmp(ins, plain_insns, len), "different instructions");
	ASSERT_EQ(stat_of(dir, "hits"), 1, "stats: one hit");
	ASSERT_EQ(stat_of(dir, "bytes_saved"), 8, "stats: 8 bytes saved");
	same_behaviour(fa, fb);
	close(fa);
	close(fb);
}

/* An entry for the example whose optimized program the verifier refuses. */
static inline int write_rejected_entry(const char *dir)
{
	struct bpf_insn bad[4096];
	uint32_t n = orig_q.orig.insn_cnt, i;

	/* The nop becomes `r0 = r9`: r9 is never initialized, the verifier says no. */
	memcpy(bad, opt_insns, n * sizeof(*bad));
	for (i = 0; i < n && !cache_insn_is_nop(&bad[i]); i++)
		;
	bad[i] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = 9};
	return write_entry(dir, bad, "deliberately wrong");
}

/*
 * Child: @loads loads of the example (own map, fds shifted by @shift), or with
 * @variant of a different program (its map is smaller: another key, a miss);
 * exit 0 if every load succeeded with @want_xlated bytes and no fd leaked.
 */
static inline int child_loads(int loads, int shift, uint32_t want_xlated, bool variant)
{
	struct cache_slot_handle h = {false, 0};
	uint32_t n = orig_q.orig.insn_cnt, len;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_XDP);
	struct bpf_insn *p;
	int i, fd, bad = 0, fds_before, fds_after;
	DIR *d;

	for (i = 0; i < shift; i++)
		if (open("/dev/null", O_RDONLY) < 0)
			return 3;
	h.imm = bpf_map_create(BPF_MAP_TYPE_ARRAY, "proto_count", 4, 8, variant ? 128 : 256, NULL);
	p = malloc(n * sizeof(*p));
	cache_relink(orig_q.orig.insns, n, &h, 1, p);
	d = opendir("/proc/self/fd");
	for (fds_before = 0; readdir(d);)
		fds_before++;
	closedir(d);
	for (i = 0; i < loads; i++) {
		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_example", "GPL", p, n, &opts);
		if (fd < 0) {
			fprintf(stderr, "  load %d: %s\n", i, strerror(errno));
			bad++;
			continue;
		}
		len = 0;
		prog_xlated(fd, &len, NULL, 0);
		bad += len != want_xlated;
		close(fd);
	}
	d = opendir("/proc/self/fd");
	for (fds_after = 0; readdir(d);)
		fds_after++;
	closedir(d);
	if (fds_after != fds_before)
		fprintf(stderr, "  fds: %d before, %d after\n", fds_before, fds_after);
	return bad ? 1 : fds_after != fds_before ? 4 : 0;
}

static inline int setup(const char *argv0)
{
	char buf[PATH_MAX], *build = getenv("BUILD"), why[256];
	char msg[CACHE_MSG_SIZE];

	if (!realpath("/proc/self/exe", self_path))
		return -1;
	if (build && *build) {
		snprintf(buf, sizeof(buf), "%s/libbpfsynth.so", build);
	} else {
		/* BUILD/tests/kernel/test_preload */
		snprintf(buf, sizeof(buf), "%s", self_path);
		*strrchr(buf, '/') = '\0';
		*strrchr(buf, '/') = '\0';
		*strrchr(buf, '/') = '\0';
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/libbpfsynth.so");
	}
	(void)argv0;
	if (!realpath(buf, so_path))
		return -1;
	*strrchr(buf, '/') = '\0';
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/examples/xdp_example.bpf.o");
	if (!realpath(buf, obj_path))
		return -1;
	(void)msg;
	return kh_bpf_permitted(why, sizeof(why)) ? 0 : 1;
}

/* Children: the original, from the queue of test 1 (PL_TEST_ROOT, PL_TEST_KEY). */
static inline int example_child_orig(void)
{
	char path[PATH_MAX], msg[CACHE_MSG_SIZE], dir[128];

	snprintf(dir, sizeof(dir), "%s", getenv("PL_TEST_ROOT") ? getenv("PL_TEST_ROOT") : "");
	snprintf(path, sizeof(path), "%s/async/queue/%s", dir,
		 getenv("PL_TEST_KEY") ? getenv("PL_TEST_KEY") : "");
	if (cache_entry_read(path, &orig_q, msg, sizeof(msg))) {
		fprintf(stderr, "child: %s\n", msg);
		return -1;
	}
	return 0;
}

/*
 * The paths, a private mount namespace (bpffs for pins, tmpfs mounts for
 * faults) and a scratch root; then tests 1 and 2.  0, or 1 after printing
 * why everything is skipped.
 */
static inline int example_begin(const char *argv0)
{
	int err = setup(argv0);

	if (err) {
		printf("  SKIP: %s\n",
		       err > 0 ? "bpf() not permitted" : "preload or example missing");
		test_env.skipped++;
		return 1;
	}
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		printf("  SKIP: no private mount namespace: %s\n", strerror(errno));
		test_env.skipped++;
		return 1;
	}
	snprintf(bpffs, sizeof(bpffs), "/tmp/test_preload_bpffs.XXXXXX");
	snprintf(root, sizeof(root), "/tmp/test_preload.XXXXXX");
	if (!mkdtemp(bpffs) || !mkdtemp(root) || mount("bpf", bpffs, "bpf", 0, NULL)) {
		printf("  SKIP: bpffs: %s\n", strerror(errno));
		test_env.skipped++;
		return 1;
	}
	chmod(root, 0755);
	setenv("PL_TEST_ROOT", root, 1);
	RUN_TEST(test_async_queues_miss);
	setenv("PL_TEST_KEY", key, 1);
	RUN_TEST(test_cache_hit_bpftool);
	return 0;
}

static inline void example_end(void)
{
	char cmd[1024];
	int rc;

	umount2(bpffs, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "umount %s/ro %s/full 2>/dev/null; rm -rf %s %s", root, root,
		 root, bpffs);
	rc = system(cmd);
	(void)rc;
	cache_entry_free(&orig_q);
}

#endif
