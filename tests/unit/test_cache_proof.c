// SPDX-License-Identifier: MIT
/*
 * Unit tests of cache/proof.c (when a proof record lets an entry be loaded),
 * of the entry's optional name, and of the settings sync mode and the worker
 * read (jobs, worker: config/).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "cache/cache.h"
#include "config/config.h"
#include "tests/test.h"

#define MOV(d, k) ((struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = (d), .imm = (k)})
#define NOP ((struct bpf_insn){.code = BPF_JMP | BPF_JA})
#define EXIT ((struct bpf_insn){.code = BPF_JMP | BPF_EXIT})

static const struct bpf_insn orig[] = {MOV(0, 1), MOV(1, 2), MOV(0, 2), MOV(2, 3), EXIT};
/* insn 0 removed (r0 is written again at 2): what the optimizer could make */
static const struct bpf_insn opt[] = {NOP, MOV(1, 2), MOV(0, 2), MOV(2, 3), EXIT};

static int summary_mismatches;

/*
 * The record's own check; its summary (what the load path checks, with no
 * JSON) must decide the same, or summary_mismatches counts it.
 */
static int check_n(json_t *p, const struct bpf_insn *a, uint32_t na, const struct bpf_insn *o,
		   uint32_t n)
{
	struct cache_proof_summary s;
	char msg[CACHE_MSG_SIZE];
	int err = cache_proof_check(p, a, na, o, n, msg, sizeof(msg)), err2;

	if (cache_proof_summarize(p, &s))
		abort();
	err2 = cache_proof_check_summary(s.flags, s.spans, s.nspans, a, na, o, n, msg,
					 sizeof(msg));
	if (err2 != err) {
		fprintf(stderr, "  summary says %d, record %d\n", err2, err);
		summary_mismatches++;
	}
	free(s.spans);
	json_decref(p);
	return err;
}

static int check(json_t *p, const struct bpf_insn *o, uint32_t n)
{
	return check_n(p, orig, 5, o, n);
}

static void test_proof_complete(void)
{
	struct cache_proof_window w0 = {0, 1, 1, 0, 0, "equivalent"};
	struct cache_proof_window w02 = {0, 3, 3, 2, 1, "equivalent"};

	ASSERT_OK(check(cache_proof_new("t", NULL, 0, "unknown", false, "nothing changed"), orig,
			5),
		  "unchanged program, no window");
	ASSERT_OK(check(NULL, orig, 5), "unchanged program, no record at all");
	ASSERT_OK(check(cache_proof_new("t", &w0, 1, "unknown", false, "loops"), opt, 5),
		  "change inside a proven window");
	ASSERT_OK(check(cache_proof_new("t", &w02, 1, "equivalent", true, ""), opt, 5),
		  "window and whole proof");
	ASSERT_OK(check(cache_proof_new("t", NULL, 0, "equivalent", true, ""), opt + 1, 4),
		  "shorter program proven whole");
}

static void test_proof_incomplete(void)
{
	struct cache_proof_window w1 = {1, 2, 2, 2, 0, "equivalent"};
	struct cache_proof_window wu = {0, 1, 1, 0, 0, "unknown"};
	struct cache_proof_window w0 = {0, 1, 1, 0, 0, "equivalent"};
	json_t *p;

	ASSERT_EQ(check(NULL, opt, 5), -EBADMSG, "no record");
	ASSERT_EQ(check(cache_proof_new("t", NULL, 0, "unknown", false, ""), opt, 5), -EBADMSG,
		  "a change and no window");
	ASSERT_EQ(check(cache_proof_new("t", &w1, 1, "unknown", false, ""), opt, 5), -EBADMSG,
		  "the change outside the window");
	ASSERT_EQ(check(cache_proof_new("t", &wu, 1, "unknown", false, ""), opt, 5), -EBADMSG,
		  "a window not proven");
	ASSERT_EQ(check(cache_proof_new("t", &w0, 1, "different", true, ""), opt, 5), -EBADMSG,
		  "whole verdict different");
	ASSERT_EQ(check(cache_proof_new("t", &w0, 1, "maybe", false, ""), opt, 5), -EBADMSG,
		  "unknown whole verdict string");
	ASSERT_EQ(check(cache_proof_new("t", NULL, 0, "equivalent", false, ""), opt + 1, 4),
		  -EBADMSG, "shorter, whole verdict claimed but not checked");
	ASSERT_EQ(check(cache_proof_new("t", &w0, 1, "unknown", false, ""), opt + 1, 4), -EBADMSG,
		  "shorter, windows only");
	p = json_pack("{s:s,s:{},s:{s:s}}", "method", "t", "windows", "whole", "verdict",
		      "equivalent");
	ASSERT_EQ(check(p, opt, 5), -EBADMSG, "windows not an array");
	ASSERT_EQ(check(json_string("proven"), opt, 5), -EBADMSG, "record not an object");
	ASSERT_EQ(summary_mismatches, 0, "the summaries decide as the records");
}

static uint32_t rnd(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) & 0xffff;
}

/*
 * Random records over random programs: overlapping, unsorted, empty, negative
 * and huge windows, all verdicts, changes anywhere.  The summary the load
 * path checks decides exactly as the record, every time, and both say yes
 * often enough for the comparison to mean something.
 */
static void test_summary_random(void)
{
	static const char *const verdicts[] = {"equivalent", "unknown", "different", "maybe"};
	struct bpf_insn a[64], o[64];
	struct cache_proof_window w[6];
	uint32_t seed = 12345, n, i, k, nw;
	int ok = 0, round;

#define RND() rnd(&seed)
	for (round = 0; round < 20000; round++) {
		const char *wv;
		bool checked;
		json_t *p;

		n = 1 + RND() % 64;
		for (i = 0; i < n; i++)
			a[i] = o[i] = MOV(i % 10, (int)i);
		for (k = RND() % 4; k > 0; k--)
			o[RND() % n].imm = 1000;
		nw = RND() % 6;
		for (k = 0; k < nw; k++) {
			w[k].start = RND() % 7 == 0 ? (uint32_t)-5 : RND() % (n + 2);
			w[k].len = RND() % 9 == 0 ? 0 : RND() % 8 == 0 ? 0x7fffffff : 1 + RND() % 6;
			w[k].insns_before = w[k].insns_after = w[k].round = 0;
			w[k].verdict = RND() % 5 ? "equivalent" : verdicts[RND() % 4];
		}
		wv = verdicts[RND() % 4];
		checked = RND() % 2;
		p = RND() % 20 ? cache_proof_new("t", w, nw, wv, checked, "") : NULL;
		if (!check_n(p, a, n, o, RND() % 10 ? n : n - (n > 1)))
			ok++;
	}
#undef RND
	ASSERT_EQ(summary_mismatches, 0, "20000 random records: the summary decides as the record");
	ASSERT_TRUE(ok > 2000 && ok < 18000, "both verdicts are common");
}

/* The record and the name survive an entry's write and read. */
static void test_entry_roundtrip(void)
{
	char dir[] = "/tmp/test_cache_proof.XXXXXX", path[128], msg[CACHE_MSG_SIZE];
	struct cache_proof_window w0 = {0, 1, 1, 0, 0, "equivalent"};
	struct cache_entry e, r;
	int err;

	if (!mkdtemp(dir))
		abort();
	memset(&e, 0, sizeof(e));
	e.orig.prog_type = BPF_PROG_TYPE_XDP;
	e.orig.insns = (struct bpf_insn *)orig;
	e.orig.insn_cnt = 5;
	e.opt = (struct bpf_insn *)opt;
	e.opt_cnt = 5;
	strcpy(e.optimizer_version, "test");
	strcpy(e.name, "xdp_prog");
	cache_key(&e.orig, e.optimizer_version, e.key);
	e.proof = cache_proof_new("t", &w0, 1, "unknown", false, "x");
	ASSERT_OK(cache_dir_prepare(dir, msg, sizeof(msg)), msg);
	err = cache_entry_write(dir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
	json_decref(e.proof);
	if (!ASSERT_OK(err, msg))
		return;
	cache_path(dir, CACHE_ENTRIES, e.key, path, sizeof(path));
	if (!ASSERT_OK(cache_entry_read(path, &r, msg, sizeof(msg)), msg))
		return;
	ASSERT_STREQ(r.name, "xdp_prog", "name back");
	ASSERT_OK(cache_proof_check(r.proof, r.orig.insns, r.orig.insn_cnt, r.opt, r.opt_cnt, msg,
				    sizeof(msg)),
		  "proof record back, complete");
	ASSERT_EQ(json_integer_value(json_object_get(
			  json_array_get(json_object_get(r.proof, "windows"), 0), "len")),
		  1, "window back");
	cache_entry_free(&r);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ASSERT_OK(system(path), "cleanup");
}

static void test_config_jobs_worker(void)
{
	char msg[CONFIG_MSG_SIZE], path[] = "/tmp/test_cache_proof_cfg.XXXXXX";
	const char *text = "{\"jobs\": 4, \"worker\": \"/opt/bpfsynth\"}";
	struct config c;
	int fd;

	unsetenv("BPFSYNTH_JOBS");
	unsetenv("BPFSYNTH_WORKER");
	config_defaults(&c);
	ASSERT_EQ(c.jobs, 1, "one job by default (the preload runs in the loader)");
	ASSERT_STREQ(c.worker, "", "worker found in PATH by default");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	ASSERT_OK(config_read_file(&c, path, msg, sizeof(msg)), msg);
	ASSERT_EQ(c.jobs, 4, "jobs from the file");
	ASSERT_STREQ(c.worker, "/opt/bpfsynth", "worker from the file");
	setenv("BPFSYNTH_JOBS", "2", 1);
	setenv("BPFSYNTH_WORKER", "off", 1);
	ASSERT_OK(config_apply_env(&c, msg, sizeof(msg)), msg);
	ASSERT_EQ(c.jobs, 2, "BPFSYNTH_JOBS beats the file");
	ASSERT_STREQ(c.worker, "off", "BPFSYNTH_WORKER=off");
	setenv("BPFSYNTH_JOBS", "0", 1);
	setenv("BPFSYNTH_WORKER", "bpfsynth", 1);
	ASSERT_EQ(config_apply_env(&c, msg, sizeof(msg)), -EINVAL, "bad values reported");
	ASSERT_EQ(c.jobs, 2, "a bad BPFSYNTH_JOBS is ignored");
	ASSERT_STREQ(c.worker, "off", "a relative worker path is ignored");
	ASSERT_TRUE(strstr(msg, "BPFSYNTH_JOBS") && strstr(msg, "BPFSYNTH_WORKER"),
		    "both named in the message");
	text = "{\"jobs\": 0}";
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	ASSERT_EQ(config_read_file(&c, path, msg, sizeof(msg)), -EINVAL, "jobs 0 in the file");
	unlink(path);
	unsetenv("BPFSYNTH_JOBS");
	unsetenv("BPFSYNTH_WORKER");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_proof_complete);
	RUN_TEST(test_proof_incomplete);
	RUN_TEST(test_summary_random);
	RUN_TEST(test_entry_roundtrip);
	RUN_TEST(test_config_jobs_worker);
	return test_summary("test_cache_proof");
}
