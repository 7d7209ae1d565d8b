// SPDX-License-Identifier: MIT
/*
 * libbpfsynth.so end to end, with the kernel as the judge: the cache.
 *
 * A real loader (bpftool) loads the shipped example XDP program under
 * LD_PRELOAD in a private mount namespace with its own bpffs; we open the pin
 * and ask the kernel what it got (BPF_OBJ_GET_INFO_BY_FD: xlated length and
 * instructions) and how it behaves (BPF_PROG_TEST_RUN).  Tests 1 and 2 (queue,
 * hit) and the stand-in optimizer are in preload_example.h; here: mode off,
 * entries the kernel refuses, damaged, foreign, unproven and shorter entries,
 * unwritable and full caches, a libbpf object loader.  Inside the loader's
 * process (ABI, logs, threads, concurrency): test_preload_proc.c.
 *
 * Some cases need the preload inside this very process's children: the test
 * re-executes itself with LD_PRELOAD set and a --child-* argument.  It is also
 * the stand-in optimizer as a tool for the shell tests (--make-entry).
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
#include "tests/kernel/preload_example.h"
#include "tests/test.h"
#include "tools/version.h"

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
	if (!strcmp(argv[1], "--make-entry") && (argc == 4 || argc == 5))
		return make_entry_main(argv[2], argv[3], argc == 5 && !strcmp(argv[4], "wrong"),
				       argc == 5 && !strcmp(argv[4], "identity"));
	if (!strcmp(argv[1], "--child-object") && argc == 3)
		return child_object(argv[2]);
	if (example_child_orig())
		return 2;
	if (!strcmp(argv[1], "--child-badlicense"))
		return child_badlicense();
	if (!strcmp(argv[1], "--child-loads") && argc >= 6)
		return child_loads(atoi(argv[2]), atoi(argv[3]), (uint32_t)atoi(argv[4]),
				   !strcmp(argv[5], "variant"));
	return 2;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strncmp(argv[1], "--child-", 8) || !strcmp(argv[1], "--make-entry")))
		return child_main(argc, argv);
	test_init(argc, argv);
	if (example_begin(argv[0]))
		return test_summary("test_preload");
	RUN_TEST(test_mode_off_identical);
	RUN_TEST(test_kernel_rejects_optimized);
	RUN_TEST(test_bad_entries_and_dirs);
	RUN_TEST(test_unproven_entries);
	RUN_TEST(test_unwritable_and_full);
	RUN_TEST(test_libbpf_object_loader);
	RUN_TEST(test_shorter_entry);
	example_end();
	return test_summary("test_preload");
}
