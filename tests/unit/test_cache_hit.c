// SPDX-License-Identifier: MIT
/*
 * Unit tests of cache/hit.c, the load path's lookup, and of the format-2
 * entry file it reads (cache/entry2.c) and its CRC-32C (cache/crc32c.c):
 * a hit comes back relinked and counted; every byte of the file that
 * matters is checked (damage in each part of it is a miss, for the load path
 * and for the full reader alike); a program that is not the stored one, an
 * entry without a proof of every change, a queue entry and foreign files are
 * refused; entries of format 1 still hit; a large entry (its original read
 * in pieces) is compared to its last byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cache/cache.h"
#include "cache/crc32c.h"
#include "cache/entry_internal.h"
#include "tests/test.h"
#include "tests/unit/insn_macros.h"

#define MAXN 6000

static char tmpdir[64];

static void rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", path);
}

static void make_tmpdir(void)
{
	char msg[CACHE_MSG_SIZE];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_cache_hit.XXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
	chmod(tmpdir, 0700);
	if (cache_dir_prepare(tmpdir, msg, sizeof(msg)))
		abort();
}

/* Fds (or fd_array indexes) this "process" names its two maps by. */
static const struct cache_slot_handle handles[2] = {{false, 40}, {true, 3}};

/*
 * One test program of @n instructions (n >= 8): two maps named by fds 5 and
 * 9, canonical in @cp (insns in @c); the optimized copy @o turns `r0 = 0` at
 * n - 2 into a `ja +0`.  Its entry proves that window.
 */
struct fixture {
	struct bpf_insn p[MAXN], c[MAXN], o[MAXN];
	struct cache_entry e;
	uint32_t n;
};

static void fixture_init(struct fixture *f, uint32_t n)
{
	struct cache_proof_window w = {n - 2, 1, 1, 0, 0, "equivalent"};
	struct cache_map_ref refs[4];
	uint32_t slot[4] = {0, 0, 1}, i;
	struct cache_prog *cp = &f->e.orig;
	int nrefs;

	memset(&f->e, 0, sizeof(f->e));
	f->n = n;
	/* r1 = map 5, r2 = &map 5 value + 4, r3 = map 9: LD_IMM64, two slots each */
	f->p[0] = BPF_RAW_INSN(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 5);
	f->p[1] = BPF_RAW_INSN(0, 0, 0, 0, 0);
	f->p[2] = BPF_RAW_INSN(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_VALUE, 0, 5);
	f->p[3] = BPF_RAW_INSN(0, 0, 0, 0, 4);
	f->p[4] = BPF_RAW_INSN(BPF_LD | BPF_IMM | BPF_DW, 3, BPF_PSEUDO_MAP_FD, 0, 9);
	f->p[5] = BPF_RAW_INSN(0, 0, 0, 0, 0);
	for (i = 6; i < n - 2; i++)
		f->p[i] = BPF_MOV64_IMM(BPF_REG_4, (int)i);
	f->p[n - 2] = BPF_MOV64_IMM(BPF_REG_0, 0);
	f->p[n - 1] = BPF_EXIT_INSN();
	nrefs = cache_map_refs(f->p, n, refs, 4, NULL, 0);
	if (nrefs != 3 || cache_canon_insns(f->p, n, refs, nrefs, slot, f->c))
		abort();
	cp->prog_type = BPF_PROG_TYPE_XDP;
	cp->insns = f->c;
	cp->insn_cnt = n;
	cp->maps[0] = (struct cache_map_desc){BPF_MAP_TYPE_ARRAY, 4, 8, 256, 0, {0}};
	cp->maps[1] = (struct cache_map_desc){BPF_MAP_TYPE_HASH, 8, 16, 1024, 1, {0}};
	cp->nmaps = 2;
	memcpy(f->o, f->c, n * sizeof(f->o[0]));
	f->o[n - 2] = BPF_RAW_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0);
	f->e.opt = f->o;
	f->e.opt_cnt = n;
	strcpy(f->e.optimizer_version, "test");
	cache_key(cp, "test", f->e.key);
	f->e.proof = cache_proof_new("t", &w, 1, "unknown", false, "");
}

static int write_entry(struct fixture *f)
{
	char msg[CACHE_MSG_SIZE];
	int err = cache_entry_write(tmpdir, CACHE_ENTRIES, &f->e, CACHE_WRITE_NOSYNC, msg,
				    sizeof(msg));

	if (err)
		fprintf(stderr, "  write: %s\n", msg);
	return err;
}

static int lookup(struct fixture *f, const struct cache_prog *cp, struct cache_hit *h, char *msg)
{
	return cache_hit_lookup(tmpdir, cp ? cp : &f->e.orig, f->e.key, "test", handles, h, msg,
				CACHE_MSG_SIZE);
}

/* The load path's lookup and the full reader both refuse @path: @err, and why. */
static void both_refuse(struct fixture *f, const char *path, int err, const char *why,
			const char *descr)
{
	char msg[CACHE_MSG_SIZE] = "";
	struct cache_entry r;
	struct cache_hit hit;

	CHECK(lookup(f, NULL, &hit, msg) == err && strstr(msg, why), "lookup, %s: %s", descr,
	      msg);
	CHECK(cache_entry_read(path, &r, msg, sizeof(msg)) == err && strstr(msg, why),
	      "full reader, %s: %s", descr, msg);
}

static void test_crc32c(void)
{
	static uint8_t buf[4099];
	uint32_t a, b, seed = 7;
	size_t i, cut;

	ASSERT_EQ(crc32c(0, "123456789", 9), 0xe3069283, "CRC-32C check value");
	ASSERT_EQ(crc32c_generic(0, "123456789", 9), 0xe3069283, "portable: check value");
	for (i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = seed >> 16;
	}
	for (cut = 0; cut < sizeof(buf); cut += 331) {
		a = crc32c(crc32c(0, buf, cut), buf + cut, sizeof(buf) - cut);
		b = crc32c_generic(0, buf, sizeof(buf));
		if (!CHECK(a == b, "split at %zu: %08x vs portable %08x", cut, a, b))
			break;
	}
}

static void check_hit(struct fixture *f, const char *what)
{
	struct bpf_insn want[MAXN];
	char msg[CACHE_MSG_SIZE] = "";
	struct cache_hit h;
	int err;

	err = lookup(f, NULL, &h, msg);
	if (!CHECK(err == 0, "%s: hit (%d: %s)", what, err, msg))
		return;
	cache_relink(f->o, f->n, handles, 2, want);
	ASSERT_EQ(h.opt_cnt, f->n, "length kept");
	ASSERT_TRUE(!memcmp(h.opt, want, f->n * 8), "optimized program, relinked to our maps");
	ASSERT_EQ(h.opt[0].imm, 40, "slot 0 by fd 40");
	ASSERT_EQ(h.opt[4].src_reg, 5, "slot 1 by fd_array index: BPF_PSEUDO_MAP_IDX");
	ASSERT_EQ(h.orig_effective, f->n, "original counted");
	ASSERT_EQ(h.opt_effective, f->n - 1, "one `ja +0` not counted");
	cache_hit_free(&h);
}

static void test_hit(void)
{
	static struct fixture f;

	make_tmpdir();
	fixture_init(&f, 8);
	if (!ASSERT_OK(write_entry(&f), "write"))
		return;
	check_hit(&f, "small entry");
	fixture_init(&f, MAXN); /* 48 KB of original: compared in pieces */
	if (ASSERT_OK(write_entry(&f), "write a large entry"))
		check_hit(&f, "large entry");
	json_decref(f.e.proof);
	rm_rf(tmpdir);
}

static void flip(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	unsigned char b;

	if (pread(fd, &b, 1, off) != 1 || (b ^= 0x10, pwrite(fd, &b, 1, off) != 1))
		abort();
	close(fd);
}

/*
 * Damage one byte in each part of the file; the load path and the full
 * reader must both refuse it.
 */
static void test_damage(void)
{
	static struct fixture f;
	struct {
		const char *what;
		off_t off;
	} at[16];
	char path[PATH_MAX], msg[CACHE_MSG_SIZE];
	const struct entry2_head *h;
	struct cache_entry r;
	struct cache_hit hit;
	uint32_t n, sizes[] = {8, MAXN}, s;
	struct stat st;
	void *buf;
	int fd, k, nat, err, err2;

	for (s = 0; s < 2; s++) {
		make_tmpdir();
		fixture_init(&f, sizes[s]);
		n = f.n;
		write_entry(&f);
		cache_path(tmpdir, CACHE_ENTRIES, f.e.key, path, sizeof(path));
		stat(path, &st);
		buf = malloc(st.st_size);
		fd = open(path, O_RDONLY);
		if (read(fd, buf, st.st_size) != st.st_size)
			abort();
		close(fd);
		h = buf;
		nat = 0;
		at[nat++] = (typeof(at[0])){"magic", 3};
		at[nat++] = (typeof(at[0])){"checksum", offsetof(struct entry2_head, checksum)};
		at[nat++] = (typeof(at[0])){"counts", offsetof(struct entry2_head, opt_effective)};
		at[nat++] = (typeof(at[0])){"proof flags", offsetof(struct entry2_head, proof)};
		at[nat++] = (typeof(at[0])){"key", offsetof(struct entry2_head, key) + 7};
		at[nat++] = (typeof(at[0])){"map description", sizeof(*h) + 60};
		at[nat++] = (typeof(at[0])){"proof span",
					     sizeof(*h) + 2 * sizeof(struct cache_map_desc)};
		at[nat++] = (typeof(at[0])){"optimized, first", h->bin_len + 1};
		at[nat++] = (typeof(at[0])){"optimized, the nop", h->bin_len + 8 * (n - 2)};
		at[nat++] = (typeof(at[0])){"JSON", h->bin_len + 8 * n + 10};
		at[nat++] = (typeof(at[0])){"original, first", st.st_size - 8 * n + 4};
		at[nat++] = (typeof(at[0])){"original, middle", st.st_size - 4 * n};
		at[nat++] = (typeof(at[0])){"original, last", st.st_size - 1};
		free(buf);
		for (k = 0; k < nat; k++) {
			flip(path, at[k].off);
			err = lookup(&f, NULL, &hit, msg);
			CHECK(err == -EBADMSG, "%u insns, byte flipped in the %s: %d (%s)", n,
			      at[k].what, err, msg);
			if (!err)
				cache_hit_free(&hit);
			err2 = cache_entry_read(path, &r, msg, sizeof(msg));
			CHECK(err2 == -EBADMSG, "%u insns, full reader, %s: %d", n, at[k].what,
			      err2);
			if (!err2)
				cache_entry_free(&r);
			flip(path, at[k].off);
		}
		check_hit(&f, "undamaged again (control)");
		if (truncate(path, st.st_size - 1))
			abort();
		ASSERT_EQ(lookup(&f, NULL, &hit, msg), -EBADMSG, "truncated by a byte");
		if (truncate(path, st.st_size + 8))
			abort();
		ASSERT_EQ(lookup(&f, NULL, &hit, msg), -EBADMSG, "8 bytes too long");
		write_entry(&f);
		chmod(path, 0664);
		ASSERT_EQ(lookup(&f, NULL, &hit, msg), -EPERM, "group-writable entry");
		chmod(path, 0644);
		if (geteuid() == 0 && !chown(path, 65534, 65534)) {
			ASSERT_EQ(lookup(&f, NULL, &hit, msg), -EPERM, "foreign entry");
			write_entry(&f);
		}
		rename(path, "/tmp/test_cache_hit.target");
		if (symlink("/tmp/test_cache_hit.target", path))
			abort();
		ASSERT_EQ(lookup(&f, NULL, &hit, msg), -EPERM, "symlink");
		unlink("/tmp/test_cache_hit.target");
		unlink(path);
		ASSERT_EQ(lookup(&f, NULL, &hit, msg), -ENOENT, "no entry: a miss");
		/* the open checks both readers share (cache_entry_open) */
		if (mkdir(path, 0700))
			abort();
		both_refuse(&f, path, -EPERM, "not a regular file", "a directory for an entry");
		rmdir(path);
		write_entry(&f);
		if (truncate(path, 31))
			abort();
		both_refuse(&f, path, -EBADMSG, "file size", "an entry of 31 bytes");
		json_decref(f.e.proof);
		rm_rf(tmpdir);
	}
}

/* Not the stored program: another instruction, map, type or optimizer version. */
static void test_not_this_program(void)
{
	static struct fixture f;
	static struct bpf_insn other[MAXN];
	struct cache_prog cp;
	char msg[CACHE_MSG_SIZE];
	struct cache_hit h;
	uint32_t sizes[] = {8, MAXN}, s;

	for (s = 0; s < 2; s++) {
		make_tmpdir();
		fixture_init(&f, sizes[s]);
		write_entry(&f);
		cp = f.e.orig;
		memcpy(other, f.c, f.n * 8);
		other[f.n - 1].imm = 1; /* the last instruction */
		cp.insns = other;
		ASSERT_EQ(lookup(&f, &cp, &h, msg), -EBADMSG, "last instruction differs");
		other[f.n - 1] = f.c[f.n - 1];
		other[6].off = 1;
		ASSERT_EQ(lookup(&f, &cp, &h, msg), -EBADMSG, "an early instruction differs");
		cp.insns = f.c;
		cp.maps[1].max_entries++;
		ASSERT_EQ(lookup(&f, &cp, &h, msg), -EBADMSG, "a map differs");
		cp = f.e.orig;
		cp.prog_type = BPF_PROG_TYPE_SCHED_CLS;
		ASSERT_EQ(lookup(&f, &cp, &h, msg), -EBADMSG, "program type differs");
		cp = f.e.orig;
		cp.insn_cnt--;
		ASSERT_EQ(lookup(&f, &cp, &h, msg), -EBADMSG, "shorter program");
		ASSERT_EQ(cache_hit_lookup(tmpdir, &f.e.orig, f.e.key, "test2", handles, &h, msg,
					   sizeof(msg)),
			  -EBADMSG, "another optimizer version");
		check_hit(&f, "the program itself (control)");
		json_decref(f.e.proof);
		rm_rf(tmpdir);
	}
}

/* An entry is loaded only with a proof of every change. */
static void test_unproven(void)
{
	static struct fixture f;
	struct cache_proof_window w = {1, 2, 2, 2, 0, "equivalent"};
	char msg[CACHE_MSG_SIZE];
	struct cache_hit h;
	json_t *proven;

	make_tmpdir();
	fixture_init(&f, 8);
	proven = f.e.proof;
	f.e.proof = NULL;
	write_entry(&f);
	ASSERT_EQ(lookup(&f, NULL, &h, msg), -ENOEXEC, "no proof record");
	f.e.proof = cache_proof_new("t", &w, 1, "unknown", false, "");
	write_entry(&f);
	ASSERT_EQ(lookup(&f, NULL, &h, msg), -ENOEXEC, "the change outside the window");
	ASSERT_TRUE(strstr(msg, "insn 6") != NULL, "message names the instruction");
	json_decref(f.e.proof);
	f.e.proof = NULL;
	f.e.opt = f.c; /* unchanged: loading it is loading the original */
	write_entry(&f);
	if (ASSERT_OK(lookup(&f, NULL, &h, msg), "an unchanged program needs no record"))
		cache_hit_free(&h);
	f.e.opt = NULL; /* a queue entry where an entry belongs */
	{
		char q[PATH_MAX], e[PATH_MAX];

		cache_entry_write(tmpdir, CACHE_QUEUE, &f.e, 0, msg, sizeof(msg));
		cache_path(tmpdir, CACHE_QUEUE, f.e.key, q, sizeof(q));
		cache_path(tmpdir, CACHE_ENTRIES, f.e.key, e, sizeof(e));
		rename(q, e);
	}
	ASSERT_EQ(lookup(&f, NULL, &h, msg), -EBADMSG, "queue entry: no optimized program");
	json_decref(proven);
	rm_rf(tmpdir);
}

/* A format-1 entry, as earlier versions wrote it. */
static int write_format1(struct fixture *f, json_t *proof)
{
	char path[PATH_MAX], osha[SHA256_HEX_LEN + 1], psha[SHA256_HEX_LEN + 1], line[64];
	uint8_t dig[SHA256_LEN];
	json_t *maps, *hd;
	char *text;
	FILE *out;
	uint32_t i;

	sha256(f->c, f->n * 8, dig);
	sha256_hex(dig, osha);
	sha256(f->o, f->n * 8, dig);
	sha256_hex(dig, psha);
	maps = json_array();
	for (i = 0; i < 2; i++) {
		const struct cache_map_desc *m = &f->e.orig.maps[i];

		json_array_append_new(maps, json_pack("{s:i,s:i,s:i,s:i,s:i}", "type", m->type,
						      "key_size", m->key_size, "value_size",
						      m->value_size, "max_entries", m->max_entries,
						      "map_flags", m->map_flags));
	}
	hd = json_pack("{s:i,s:s,s:s,s:i,s:i,s:i,s:i,s:o,s:i,s:s,s:i,s:i,s:s,s:s,s:s,s:i}",
		       "format", 1, "key", f->e.key, "byte_order", "little", "prog_type",
		       BPF_PROG_TYPE_XDP, "expected_attach_type", 0, "prog_flags", 0,
		       "attach_btf_id", 0, "maps", maps, "orig_insns", f->n, "orig_sha256", osha,
		       "opt_insns", f->n, "opt_effective_insns", f->n - 1, "opt_sha256", psha,
		       "optimizer_version", "test", "kernel_release", "6.1", "created", 1);
	if (proof)
		json_object_set(hd, "proof", proof);
	text = json_dumps(hd, JSON_COMPACT);
	json_decref(hd);
	cache_path(tmpdir, CACHE_ENTRIES, f->e.key, path, sizeof(path));
	out = fopen(path, "w");
	if (!out || !text)
		abort();
	snprintf(line, sizeof(line), "bpfsynth-cache-entry 1 %zu\n", strlen(text));
	fputs(line, out);
	fputs(text, out);
	fputc('\n', out);
	fwrite(f->c, 8, f->n, out);
	fwrite(f->o, 8, f->n, out);
	free(text);
	return fclose(out);
}

static void test_format1(void)
{
	static struct fixture f;
	struct cache_proof_window w = {1, 2, 2, 2, 0, "equivalent"};
	char msg[CACHE_MSG_SIZE];
	struct cache_hit h;
	json_t *bad;

	make_tmpdir();
	fixture_init(&f, 8);
	if (!ASSERT_OK(write_format1(&f, f.e.proof), "write a format-1 entry"))
		return;
	check_hit(&f, "format 1");
	bad = cache_proof_new("t", &w, 1, "unknown", false, "");
	write_format1(&f, bad);
	ASSERT_EQ(lookup(&f, NULL, &h, msg), -ENOEXEC, "format 1, change outside the window");
	json_decref(bad);
	json_decref(f.e.proof);
	rm_rf(tmpdir);
}

/*
 * The key of a fixed program, computed by the portable serialization (before
 * x86 hashed instructions in place): keys of shipped caches stay valid.
 */
static void test_key_stable(void)
{
	static struct bpf_insn p[1000];
	char key[CACHE_KEY_LEN + 1];
	struct cache_prog cp;
	unsigned int i;

	memset(&cp, 0, sizeof(cp));
	for (i = 0; i < 1000; i++) {
		p[i].code = i * 7;
		p[i].dst_reg = i % 11;
		p[i].src_reg = i % 13;
		p[i].off = (short)(i * 977);
		p[i].imm = (int)(i * 2654435761u);
	}
	cp.prog_type = 6;
	cp.expected_attach_type = 37;
	cp.prog_flags = 32;
	cp.attach_btf_id = 5;
	cp.insns = p;
	cp.insn_cnt = 1000;
	cp.nmaps = 1;
	cp.maps[0] = (struct cache_map_desc){2, 4, 8, 1, 128, {1, 2, 3}};
	cache_key(&cp, "0.1", key);
	ASSERT_STREQ(key, "8fc7f6b154f5341fa3d53b2945cef5b3bdf73705b664a6ed4e81133d6d630cf8",
		     "the key of a fixed program");
}

/* The load path checks the directory and entries/; a miss checks the rest too. */
static void test_dir_check_entries(void)
{
	char msg[CACHE_MSG_SIZE], sub[PATH_MAX];

	make_tmpdir();
	ASSERT_OK(cache_dir_check_entries(tmpdir, msg, sizeof(msg)), "ours");
	snprintf(sub, sizeof(sub), "%s/entries", tmpdir);
	chmod(sub, 0777);
	ASSERT_EQ(cache_dir_check_entries(tmpdir, msg, sizeof(msg)), -EPERM,
		  "world-writable entries/");
	chmod(sub, 0755);
	chmod(tmpdir, 0770);
	ASSERT_EQ(cache_dir_check_entries(tmpdir, msg, sizeof(msg)), -EPERM,
		  "group-writable cache directory");
	chmod(tmpdir, 0700);
	snprintf(sub, sizeof(sub), "%s/queue", tmpdir);
	chmod(sub, 0777);
	ASSERT_OK(cache_dir_check_entries(tmpdir, msg, sizeof(msg)), "queue/ is not read by a hit");
	ASSERT_EQ(cache_dir_check(tmpdir, msg, sizeof(msg)), -EPERM, "but a miss refuses it");
	rm_rf(tmpdir);
	ASSERT_EQ(cache_dir_check_entries(tmpdir, msg, sizeof(msg)), -ENOENT, "gone");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_crc32c);
	RUN_TEST(test_key_stable);
	RUN_TEST(test_hit);
	RUN_TEST(test_damage);
	RUN_TEST(test_not_this_program);
	RUN_TEST(test_unproven);
	RUN_TEST(test_format1);
	RUN_TEST(test_dir_check_entries);
	return test_summary("test_cache_hit");
}
