// SPDX-License-Identifier: MIT
/*
 * libbpfsynth.so end to end, with the kernel as the judge.
 *
 * A real loader (bpftool) loads the shipped example XDP program under
 * LD_PRELOAD in a private mount namespace with its own bpffs; we open the pin
 * and ask the kernel what it got (BPF_OBJ_GET_INFO_BY_FD: xlated length and
 * instructions) and how it behaves (BPF_PROG_TEST_RUN).
 *
 * The optimizer does not exist yet (issue 6), so stand_in_optimizer() plays
 * it: it takes the program the preload queued in async mode and applies one
 * hand-checked rewrite, argued in the comment there and proven by core/smt,
 * that turns one instruction into `ja +0`.  The kernel then has one
 * instruction fewer.
 *
 * Some cases need the preload inside this very process's children: the test
 * re-executes itself with LD_PRELOAD set and a --child-* argument (raw
 * syscalls with bad pointers and sizes, verifier logs, concurrent loaders).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "cache/cache.h"
#include "core/smt.h"
#include "tests/kernel/harness.h"
#include "tests/kernel/preload_util.h"
#include "tests/test.h"
#include "tools/version.h"

static char key[CACHE_KEY_LEN + 1];
static struct cache_entry orig_q; /* the original, as the preload queued it */
static uint32_t plain_xlated, opt_xlated;
static uint8_t plain_insns[4096];


static void dir_of(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "%s/%s", root, name);
}

/*
 * 1. async mode on a miss: the original loads and is queued.  The queue entry
 *    is our copy of the original as the preload saw it.
 */
static void test_async_queues_miss(void)
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
static int stand_in_optimizer(const struct bpf_insn *p, uint32_t n, struct bpf_insn *o)
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
static int prove(const struct bpf_insn *opt, uint32_t n, struct smt_result *res)
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
static json_t *proof_record(const char *method, const struct bpf_insn *opt, uint32_t n,
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

static int write_entry_proof(const char *dir, const struct bpf_insn *opt, const char *method,
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

static int write_entry(const char *dir, const struct bpf_insn *opt, const char *method)
{
	return write_entry_proof(dir, opt, method, NULL);
}

static struct bpf_insn opt_insns[1 << 17];


/* 2. The kernel gets the optimized program from the cache, through bpftool. */
static void test_cache_hit_bpftool(void)
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

/* 3. Mode off: byte-identical to a load without the preload, cache ignored. */
static void test_mode_off_identical(void)
{
	char dir[128];
	struct run r = {so_path, "off", dir, NULL, NULL, NULL};
	uint8_t ins[4096];
	uint32_t len = 0;
	int fd;

	dir_of(dir, sizeof(dir), "hit");
	if (!plain_xlated) {
		test_skip("no plain load to compare with");
		return;
	}
	fd = bpftool_load(&r, "off");
	if (!ASSERT_GE(fd, 0, "load with mode off"))
		return;
	prog_xlated(fd, &len, ins, sizeof(ins));
	ASSERT_EQ(len, plain_xlated, "same xlated length as without the preload");
	ASSERT_TRUE(!memcmp(ins, plain_insns, len), "byte-identical xlated instructions");
	ASSERT_EQ(stat_of(dir, "hits"), 1, "mode off records nothing");
	close(fd);
}

/* Load under mode @mode with cache @dir and expect the plain program. */
static void expect_plain(const char *what, const char *dir, const char *mode)
{
	struct run r = {so_path, mode, dir, NULL, NULL, NULL};
	uint8_t ins[4096];
	uint32_t len = 0;
	int fd;

	fd = bpftool_load(&r, "fb");
	if (!CHECK(fd >= 0, "%s: load failed (%d)", what, fd))
		return;
	prog_xlated(fd, &len, ins, sizeof(ins));
	CHECK(len == plain_xlated && !memcmp(ins, plain_insns, len),
	      "%s: the original should load (xlated %u, plain %u)", what, len, plain_xlated);
	close(fd);
}

static void copy_entry_dir(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -a %s %s && rm -f %s/stats.log", to, from, to,
		 to);
	if (system(cmd))
		fprintf(stderr, "  %s failed\n", cmd);
}

/* An entry for the example whose optimized program the verifier refuses. */
static int write_rejected_entry(const char *dir)
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
 * 4. The kernel rejects the cached program: the original loads, and the
 *    entry is retired to rejected/ so that later loads do not pay twice.
 */
static void test_kernel_rejects_optimized(void)
{
	char dir[128], path[PATH_MAX];

	if (!plain_xlated) {
		test_skip("no plain load to compare with");
		return;
	}
	dir_of(dir, sizeof(dir), "rejected");
	if (!ASSERT_OK(write_rejected_entry(dir), "write the bad entry"))
		return;
	expect_plain("kernel rejects the optimized program", dir, "cache");
	ASSERT_EQ(reason_of(dir, "fallback_reasons", "kernel-rejected:EACCES"), 1,
		  "stats: fallback, kernel-rejected:EACCES");
	ASSERT_EQ(stat_of(dir, "hits"), 0, "no hit");
	snprintf(path, sizeof(path), "%s/entries/%s", dir, key);
	ASSERT_EQ(access(path, F_OK), -1, "entry retired from entries/");
	snprintf(path, sizeof(path), "%s/rejected/%s", dir, key);
	ASSERT_OK(access(path, F_OK), "entry kept in rejected/");
	expect_plain("second load after the rejection", dir, "cache");
	ASSERT_EQ(stat_of(dir, "fallbacks"), 1, "the bad program is not tried again");
	ASSERT_EQ(stat_of(dir, "misses"), 1, "a miss instead");
	/* A caller whose own request fails too (bad license pointer) retires nothing. */
	ASSERT_OK(write_rejected_entry(dir), "write the bad entry again");
	{
		char *argv[] = {self_path, "--child-badlicense", NULL};
		struct run r = {so_path, "cache", dir, NULL, NULL, NULL};
		char out[64];

		ASSERT_EQ(spawn(argv, &r, out, sizeof(out)), 0, "child");
		ASSERT_STREQ(out, "fail errno 14\n", "EFAULT, as without the preload");
		snprintf(path, sizeof(path), "%s/entries/%s", dir, key);
		ASSERT_OK(access(path, F_OK), "entry not retired when the original fails too");
	}
}

/* Child: the example with a bad license pointer: the kernel says EFAULT. */
static int child_badlicense(void)
{
	struct cache_slot_handle h = {false, 0};
	uint32_t n = orig_q.orig.insn_cnt;
	struct bpf_insn *p = malloc(n * sizeof(*p));
	union bpf_attr a;
	long fd;

	h.imm = bpf_map_create(BPF_MAP_TYPE_ARRAY, "proto_count", 4, 8, 256, NULL);
	cache_relink(orig_q.orig.insns, n, &h, 1, p);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.expected_attach_type = BPF_XDP;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = n;
	a.license = 24;
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	printf("%s errno %d\n", fd >= 0 ? "ok" : "fail", fd >= 0 ? 0 : errno);
	return 0;
}

static void damage(const char *dir, const char *how)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/entries/%s", dir, key);
	snprintf(cmd, sizeof(cmd), how, path);
	if (system(cmd))
		fprintf(stderr, "  '%s' failed\n", cmd);
}

/* 5. Damaged and foreign entries are misses; unsafe directories are not used. */
static void test_bad_entries_and_dirs(void)
{
	static const struct {
		const char *what, *cmd, *reason;
	} cases[] = {
		{"truncated entry", "truncate -s -5 %s", "malformed"},
		{"corrupted entry",
		 "printf '\\377' | dd of=%s bs=1 seek=700 conv=notrunc 2>/dev/null", "malformed"},
		{"garbage entry", "echo garbage > %s", "malformed"},
		{"foreign-owned entry", "chown 65534 %s", "not-ours"},
		{"world-writable entry", "chmod 666 %s", "not-ours"},
	};
	char src[128], dir[128], sub[160];
	size_t i;

	if (!plain_xlated) {
		test_skip("no plain load to compare with");
		return;
	}
	dir_of(src, sizeof(src), "hit");
	dir_of(dir, sizeof(dir), "damaged");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		copy_entry_dir(src, dir);
		damage(dir, cases[i].cmd);
		expect_plain(cases[i].what, dir, "cache");
		CHECK(reason_of(dir, "bad_reasons", cases[i].reason) == 1,
		      "%s: counted as a bad entry (%s)", cases[i].what, cases[i].reason);
	}
	/* Directories we must not trust: the entry is fine, but never used. */
	copy_entry_dir(src, dir);
	chmod(dir, 0777);
	expect_plain("world-writable cache dir", dir, "cache");
	snprintf(sub, sizeof(sub), "%s/stats.log", dir);
	ASSERT_EQ(access(sub, F_OK), -1, "nothing written into an untrusted dir");
	chmod(dir, 0755);
	snprintf(sub, sizeof(sub), "%s/entries", dir);
	chmod(sub, 0777);
	expect_plain("world-writable entries dir", dir, "cache");
	chmod(sub, 0755);
	if (chown(dir, 65534, 65534) == 0)
		expect_plain("cache dir owned by another user", dir, "cache");
	copy_entry_dir(src, dir);
	expect_plain("cache dir intact again (control)", dir, "off");
}

/*
 * 5c. Entries whose proof record does not cover their program are never
 *     loaded: no record, a change outside every proven window, a window not
 *     proven, a whole-program verdict "different".  Each is a bad entry
 *     ("unproven") and the original loads.
 */
static void test_unproven_entries(void)
{
	static const char *const what[] = {"no proof record", "change outside the window",
					   "window not proven", "whole verdict different"};
	struct cache_proof_window w;
	char dir[128], msg[CACHE_MSG_SIZE];
	struct cache_entry e;
	uint32_t i, at;
	int err;

	if (!opt_xlated) {
		test_skip("no cache entry");
		return;
	}
	for (at = 0; at < orig_q.orig.insn_cnt && !cache_insn_is_nop(&opt_insns[at]); at++)
		;
	for (i = 0; i < 4; i++) {
		snprintf(dir, sizeof(dir), "%s/unproven%u", root, i);
		e = orig_q;
		e.opt = opt_insns;
		e.opt_cnt = orig_q.orig.insn_cnt;
		w = (struct cache_proof_window){at, 1, 1, 0, 0, "equivalent"};
		if (i == 1)
			w.start = at + 3 < e.opt_cnt ? at + 3 : 0; /* next to the change, not on it */
		if (i == 2)
			w = (struct cache_proof_window){at - 2, 3, 3, 2, 0, "unknown"};
		e.proof = i == 0 ? NULL
				 : cache_proof_new("test", &w, 1, i == 3 ? "different" : "unknown",
						   i == 3, "test");
		cache_dir_prepare(dir, msg, sizeof(msg));
		err = cache_entry_write(dir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
		json_decref(e.proof);
		if (!CHECK(!err, "%s: write: %s", what[i], msg))
			continue;
		expect_plain(what[i], dir, "cache");
		CHECK(reason_of(dir, "bad_reasons", "unproven") == 1 && stat_of(dir, "hits") == 0,
		      "%s: counted as an unproven entry, no hit", what[i]);
	}
}

/* 6. Read-only and full cache directories: loads go on. */
static void test_unwritable_and_full(void)
{
	char dir[128], cmd[2048];
	struct run r;
	uint32_t len = 0;
	int fd;

	if (!plain_xlated || !opt_xlated) {
		test_skip("no loads to compare with");
		return;
	}
	dir_of(dir, sizeof(dir), "ro");
	mkdir(dir, 0755);
	snprintf(cmd, sizeof(cmd),
		 "mount -t tmpfs -o size=1m,mode=0755 none %s && cp -a %s/hit/. %s/ && "
		 "mount -o remount,ro %s",
		 dir, root, dir, dir);
	if (!ASSERT_OK(system(cmd), "read-only tmpfs with the entry"))
		return;
	r = (struct run){so_path, "cache", dir, NULL, NULL, NULL};
	fd = bpftool_load(&r, "ro");
	if (ASSERT_GE(fd, 0, "load with a read-only cache dir")) {
		prog_xlated(fd, &len, NULL, 0);
		ASSERT_EQ(len, opt_xlated, "read-only cache still serves its entries");
		close(fd);
	}
	r.mode = "async";
	fd = bpftool_load(&r, "ro");
	ASSERT_GE(fd, 0, "async load with a read-only cache dir");
	if (fd >= 0)
		close(fd);
	/* A full disk: the queue entry cannot be written, the load goes on. */
	dir_of(dir, sizeof(dir), "full");
	mkdir(dir, 0755);
	snprintf(cmd, sizeof(cmd),
		 "mount -t tmpfs -o size=8k,mode=0755 none %s && mkdir %s/entries %s/queue && "
		 "(dd if=/dev/zero of=%s/fill bs=4k count=16 2>/dev/null; true)",
		 dir, dir, dir, dir);
	if (!ASSERT_OK(system(cmd), "full tmpfs"))
		return;
	expect_plain("async load with a full cache disk", dir, "async");
}

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

/*
 * Child: @loads loads of the example (own map, fds shifted by @shift), or with
 * @variant of a different program (its map is smaller: another key, a miss);
 * exit 0 if every load succeeded with @want_xlated bytes and no fd leaked.
 */
static int child_loads(int loads, int shift, uint32_t want_xlated, bool variant)
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

/*
 * The optimized program with its `ja +0` removed and jumps remapped: a
 * shorter entry, as an optimizer that compacts would store it.  Returns the
 * new length.
 */
static uint32_t compact(const struct bpf_insn *p, uint32_t n, struct bpf_insn *o)
{
	uint32_t map[4097], i, m = 0;

	for (i = 0; i < n; i++) {
		map[i] = m;
		m += !cache_insn_is_nop(&p[i]);
	}
	map[n] = m;
	for (i = 0; i < n; i++) {
		struct bpf_insn x = p[i];
		uint8_t cls = BPF_CLASS(x.code);

		if (cache_insn_is_nop(&x))
			continue;
		if ((cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(x.code) != BPF_CALL &&
		    BPF_OP(x.code) != BPF_EXIT)
			x.off = (int16_t)(map[i + 1 + x.off] - map[i] - 1);
		o[map[i]] = x;
	}
	return m;
}

/*
 * 5b. A shorter entry: used for a load without BTF line info, refused (the
 *     original loads) for bpftool's load, whose func_info/line_info name
 *     offsets of the original.
 */
static void test_shorter_entry(void)
{
	char dir[128], loads[] = "3", shift[] = "0", want[16], kind[] = "example";
	char *argv[] = {self_path, "--child-loads", loads, shift, want, kind, NULL};
	struct run r = {so_path, "cache", dir, NULL, NULL, NULL};
	struct cache_entry e = orig_q;
	struct bpf_insn shorter[4096];
	char msg[CACHE_MSG_SIZE];
	struct smt_result res;
	int err;

	if (!opt_xlated) {
		test_skip("no cache entry");
		return;
	}
	dir_of(dir, sizeof(dir), "shorter");
	e.opt = shorter;
	e.opt_cnt = compact(opt_insns, orig_q.orig.insn_cnt, shorter);
	ASSERT_EQ(e.opt_cnt, orig_q.orig.insn_cnt - 1, "compacted by one instruction");
	/* Another length: only a whole-program proof makes the entry usable. */
	ASSERT_EQ(prove(shorter, e.opt_cnt, &res), SMT_EQUIVALENT,
		  "core/smt proves the compacted program whole");
	e.proof = cache_proof_new("compacted", NULL, 0, smt_verdict_str(res.verdict), true,
				  res.msg);
	cache_dir_prepare(dir, msg, sizeof(msg));
	err = cache_entry_write(dir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
	json_decref(e.proof);
	if (!ASSERT_OK(err, msg))
		return;
	snprintf(want, sizeof(want), "%u", opt_xlated);
	ASSERT_EQ(spawn(argv, &r, NULL, 0), 0, "raw loads without BTF: the shorter program");
	ASSERT_EQ(stat_of(dir, "hits"), 3, "3 hits");
	expect_plain("bpftool (func_info/line_info) with a shorter entry", dir, "cache");
	ASSERT_EQ(reason_of(dir, "fallback_reasons", "length-changed-with-btf-info"), 1,
		  "fallback reason: length-changed-with-btf-info");
}

/* Child: open and load the example object with libbpf, as a skeleton does; print xlated. */
static int child_object(const char *obj)
{
	static char log[KH_LOG_SIZE];
	struct kh_prog kp;

	if (kh_load(obj, "xdp_example", BPF_PROG_TYPE_UNSPEC, &kp, log, sizeof(log)))
		return 1;
	printf("xlated %u\n", kp.xlated_len);
	kh_unload(&kp);
	return 0;
}

/* 6a. A libbpf object loader (bpf_object__load, the skeleton path) hits too. */
static void test_libbpf_object_loader(void)
{
	char dir[128], out[64], want[64];
	char *argv[] = {self_path, "--child-object", obj_path, NULL};
	struct run r = {so_path, "cache", dir, NULL, NULL, NULL};

	if (!opt_xlated) {
		test_skip("no cache entry");
		return;
	}
	dir_of(dir, sizeof(dir), "hit");
	ASSERT_EQ(spawn(argv, &r, out, sizeof(out)), 0, "bpf_object__load under the preload");
	snprintf(want, sizeof(want), "xlated %u\n", opt_xlated);
	ASSERT_STREQ(out, want, "the kernel got the optimized program");
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

static int setup(const char *argv0)
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

/*
 * --make-entry DIR KEY: the stand-in optimizer as a tool, for the shell tests
 * with other loaders (tests/cli/test_preload.sh): DIR/queue/KEY in, the
 * optimized entry DIR/entries/KEY out.
 */
/* Whether some jump of @p (length @n) lands on @t. */
static bool jump_target(const struct bpf_insn *p, uint32_t n, uint32_t t)
{
	uint32_t j;

	for (j = 0; j < n; j++) {
		uint8_t cls = BPF_CLASS(p[j].code);

		if (p[j].code == (BPF_LD | BPF_IMM | BPF_DW)) {
			j++;
			continue;
		}
		if ((cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(p[j].code) != BPF_CALL &&
		    BPF_OP(p[j].code) != BPF_EXIT && (int64_t)j + 1 + p[j].off == t)
			return true;
	}
	return false;
}

/*
 * A second stand-in rewrite, for the tc test with samples/tcbpf1_kern.o:
 *
 *	i:   r0 = *(u8 *)skb[K]      (LD_ABS: r0 = the byte, zero-extended)
 *	i+1: r0 <<= 8                (r0 in [0, 0xff00], low byte 0)
 *	i+2: r0 &= 0xff00            (keeps every bit r0 can have: a no-op)
 *
 * i+2 becomes `ja +0`, provided nothing jumps to i+1 or i+2.
 */
static int stand_in_mask(const struct bpf_insn *p, uint32_t n, struct bpf_insn *o)
{
	uint32_t i;

	memcpy(o, p, n * sizeof(*o));
	for (i = 0; i + 2 < n; i++)
		if (p[i].code == (BPF_LD | BPF_ABS | BPF_B) &&
		    p[i + 1].code == (BPF_ALU64 | BPF_LSH | BPF_K) && p[i + 1].dst_reg == 0 &&
		    p[i + 1].imm == 8 && p[i + 2].code == (BPF_ALU64 | BPF_AND | BPF_K) &&
		    p[i + 2].dst_reg == 0 && p[i + 2].imm == 0xff00 && !jump_target(p, n, i + 1) &&
		    !jump_target(p, n, i + 2)) {
			o[i + 2] = (struct bpf_insn){.code = BPF_JMP | BPF_JA};
			return 0;
		}
	return -ENOENT;
}

static int make_entry_main(const char *dir, const char *k, bool wrong, bool identity)
{
	char path[PATH_MAX], msg[CACHE_MSG_SIZE];
	struct smt_result res;
	uint32_t i;

	snprintf(path, sizeof(path), "%s/queue/%s", dir, k);
	if (cache_entry_read(path, &orig_q, msg, sizeof(msg))) {
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	/* "identity": the original itself, to exercise relinking on any program. */
	if (identity) {
		if (orig_q.orig.insn_cnt > sizeof(opt_insns) / sizeof(opt_insns[0]))
			return 1;
		memcpy(opt_insns, orig_q.orig.insns, orig_q.orig.insn_cnt * sizeof(*opt_insns));
		return write_entry(dir, opt_insns, "identity") ? 1 : 0;
	}
	if (stand_in_optimizer(orig_q.orig.insns, orig_q.orig.insn_cnt, opt_insns) &&
	    stand_in_mask(orig_q.orig.insns, orig_q.orig.insn_cnt, opt_insns)) {
		fprintf(stderr, "the stand-in optimizer does not apply to %s\n", k);
		return 1;
	}
	/* "wrong": the example's `r6 = 1` (XDP_DROP) becomes `r6 = 3` (XDP_TX). */
	for (i = 0; wrong && i < orig_q.orig.insn_cnt; i++)
		if (opt_insns[i].code == (BPF_ALU64 | BPF_MOV | BPF_K) &&
		    opt_insns[i].dst_reg == 6 && opt_insns[i].imm == 1) {
			opt_insns[i].imm = 3;
			break;
		}
	prove(opt_insns, orig_q.orig.insn_cnt, &res);
	return write_entry_proof(dir, opt_insns, wrong ? "deliberately wrong" : "hand-made", &res)
		       ? 1
		       : 0;
}

static int child_main(int argc, char **argv)
{
	char path[PATH_MAX], msg[CACHE_MSG_SIZE], dir[128];

	if (!strcmp(argv[1], "--make-entry") && (argc == 4 || argc == 5))
		return make_entry_main(argv[2], argv[3], argc == 5 && !strcmp(argv[4], "wrong"),
				       argc == 5 && !strcmp(argv[4], "identity"));
	if (!strcmp(argv[1], "--child-object") && argc == 3)
		return child_object(argv[2]);

	/* The children find the original in the queue of the async test. */
	snprintf(dir, sizeof(dir), "%s", getenv("PL_TEST_ROOT") ? getenv("PL_TEST_ROOT") : "");
	snprintf(path, sizeof(path), "%s/async/queue/%s", dir, getenv("PL_TEST_KEY"));
	if (cache_entry_read(path, &orig_q, msg, sizeof(msg))) {
		fprintf(stderr, "child: %s\n", msg);
		return 2;
	}
	if (!strcmp(argv[1], "--child-abi"))
		return child_abi();
	if (!strcmp(argv[1], "--child-log"))
		return child_log();
	if (!strcmp(argv[1], "--child-badlicense"))
		return child_badlicense();
	if (!strcmp(argv[1], "--child-threads") && argc >= 3)
		return child_threads((uint32_t)atoi(argv[2]));
	if (!strcmp(argv[1], "--child-loads") && argc >= 6)
		return child_loads(atoi(argv[2]), atoi(argv[3]), (uint32_t)atoi(argv[4]),
				   !strcmp(argv[5], "variant"));
	return 2;
}

int main(int argc, char **argv)
{
	int err;

	if (argc > 1 && (!strncmp(argv[1], "--child-", 8) || !strcmp(argv[1], "--make-entry")))
		return child_main(argc, argv);
	test_init(argc, argv);
	err = setup(argv[0]);
	if (err) {
		printf("  SKIP: %s\n",
		       err > 0 ? "bpf() not permitted" : "preload or example missing");
		test_env.skipped++;
		return test_summary("test_preload");
	}
	/* Our own mount namespace: a private bpffs for pins, tmpfs mounts for faults. */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		printf("  SKIP: no private mount namespace: %s\n", strerror(errno));
		test_env.skipped++;
		return test_summary("test_preload");
	}
	snprintf(bpffs, sizeof(bpffs), "/tmp/test_preload_bpffs.XXXXXX");
	snprintf(root, sizeof(root), "/tmp/test_preload.XXXXXX");
	if (!mkdtemp(bpffs) || !mkdtemp(root) || mount("bpf", bpffs, "bpf", 0, NULL)) {
		printf("  SKIP: bpffs: %s\n", strerror(errno));
		test_env.skipped++;
		return test_summary("test_preload");
	}
	chmod(root, 0755);
	setenv("PL_TEST_ROOT", root, 1);

	RUN_TEST(test_async_queues_miss);
	setenv("PL_TEST_KEY", key, 1);
	RUN_TEST(test_cache_hit_bpftool);
	RUN_TEST(test_mode_off_identical);
	RUN_TEST(test_kernel_rejects_optimized);
	RUN_TEST(test_bad_entries_and_dirs);
	RUN_TEST(test_unproven_entries);
	RUN_TEST(test_unwritable_and_full);
	RUN_TEST(test_libbpf_object_loader);
	RUN_TEST(test_shorter_entry);
	RUN_TEST(test_threads_and_fork);
	RUN_TEST(test_abi_bad_attrs);
	RUN_TEST(test_log_of_what_loaded);
	RUN_TEST(test_concurrent_loaders);

	umount2(bpffs, MNT_DETACH);
	{
		char cmd[1024];
		int rc;

		snprintf(cmd, sizeof(cmd), "umount %s/ro %s/full 2>/dev/null; rm -rf %s %s", root,
			 root, root, bpffs);
		rc = system(cmd);
		(void)rc;
	}
	cache_entry_free(&orig_q);
	return test_summary("test_preload");
}
