// SPDX-License-Identifier: MIT
/*
 * Unit tests of cache/: SHA-256, canonical form and key, relinking, the entry
 * file format (round trip, every kind of damage, ownership), concurrent
 * writers and readers in many processes, and the statistics log.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cache/cache.h"
#include "tests/test.h"
#include "tests/unit/insn_macros.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_cache.XXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
	chmod(tmpdir, 0700);
}

static void rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", path);
}

static void test_sha256_vectors(void)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	char hex[SHA256_HEX_LEN + 1];
	uint8_t dig[SHA256_LEN];
	struct sha256 s;
	char *mil;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha256(v[i].in, strlen(v[i].in), dig);
		sha256_hex(dig, hex);
		ASSERT_STREQ(hex, v[i].hex, "FIPS 180-4 vector");
	}
	/* One million 'a', fed in uneven pieces. */
	mil = malloc(1000000);
	memset(mil, 'a', 1000000);
	sha256_init(&s);
	for (i = 0; i < 1000000;) {
		size_t n = (i * 7 + 13) % 131;

		n = n > 1000000 - i ? 1000000 - i : n;
		sha256_update(&s, mil + i, n);
		i += n;
	}
	sha256_final(&s, dig);
	sha256_hex(dig, hex);
	ASSERT_STREQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
		     "a million 'a' in pieces");
	free(mil);
}

/* The portable block function and the one the CPU may offer agree. */
static void test_sha256_implementations(void)
{
	static uint8_t data[5000];
	uint8_t a[SHA256_LEN], b[SHA256_LEN];
	size_t len, i, diffs = 0;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	for (len = 0; len < sizeof(data); len += len < 200 ? 1 : 97) {
		sha256_use_generic(true);
		sha256(data, len, a);
		sha256_use_generic(false);
		sha256(data, len, b);
		diffs += memcmp(a, b, sizeof(a)) != 0;
	}
	ASSERT_EQ(diffs, 0, "lengths where the two implementations differ");
	sha256_use_generic(true);
	sha256("abc", 3, a);
	sha256_use_generic(false);
	sha256_hex(a, (char[SHA256_HEX_LEN + 1]){0});
	ASSERT_EQ(a[0], 0xba, "generic: abc");
}

/* A program with three map references to two maps, named by fds @fa and @fb. */
static void prog_with_maps(struct bpf_insn *p, int fa, int fb)
{
	struct bpf_insn insns[] = {
		BPF_LD_MAP_FD(BPF_REG_1, fa),
		BPF_LD_MAP_VALUE(BPF_REG_2, fa, 4),
		BPF_LD_MAP_FD(BPF_REG_3, fb),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};

	memcpy(p, insns, sizeof(insns));
}

#define NP 8 /* slots of prog_with_maps */

static const struct cache_map_desc desc_a = {BPF_MAP_TYPE_ARRAY, 4, 8, 256, 0, {0}};
static const struct cache_map_desc desc_b = {BPF_MAP_TYPE_HASH, 8,  16, 1024,
					     BPF_F_NO_PREALLOC, {0}};

/* Canonicalize @insns as the preload does, slots by fd. */
static int canon(const struct bpf_insn *insns, struct bpf_insn *out, struct cache_prog *cp)
{
	struct cache_map_ref refs[8];
	uint32_t slot[8];
	int32_t seen[8];
	int n, i, j, ns = 0;

	n = cache_map_refs(insns, NP, refs, 8, NULL, 0);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		for (j = 0; j < ns && seen[j] != refs[i].imm; j++)
			;
		if (j == ns)
			seen[ns++] = refs[i].imm;
		slot[i] = j;
	}
	memset(cp, 0, sizeof(*cp));
	cp->prog_type = BPF_PROG_TYPE_XDP;
	cp->insns = out;
	cp->insn_cnt = NP;
	cp->maps[0] = desc_a;
	cp->maps[1] = desc_b;
	cp->nmaps = ns;
	return cache_canon_insns(insns, NP, refs, n, slot, out);
}

static void test_key_same_program_other_fds(void)
{
	struct bpf_insn p1[NP], p2[NP], c1[NP], c2[NP];
	struct cache_prog cp1, cp2;
	char k1[CACHE_KEY_LEN + 1], k2[CACHE_KEY_LEN + 1];

	prog_with_maps(p1, 5, 9);
	prog_with_maps(p2, 31, 17);
	ASSERT_OK(canon(p1, c1, &cp1), "canon p1");
	ASSERT_OK(canon(p2, c2, &cp2), "canon p2");
	ASSERT_EQ(cp1.nmaps, 2, "two maps");
	ASSERT_TRUE(!memcmp(c1, c2, sizeof(c1)), "same canonical instructions");
	ASSERT_EQ(c1[0].imm, 0, "first map is slot 0");
	ASSERT_EQ(c1[2].imm, 0, "map value of the first map is slot 0");
	ASSERT_EQ(c1[2].src_reg, BPF_PSEUDO_MAP_VALUE, "value reference kept");
	ASSERT_EQ(c1[3].imm, 4, "value offset kept");
	ASSERT_EQ(c1[4].imm, 1, "second map is slot 1");
	cache_key(&cp1, "1.0", k1);
	cache_key(&cp2, "1.0", k2);
	ASSERT_STREQ(k1, k2, "same key for different fds");
	ASSERT_TRUE(cache_key_valid(k1), "key is 64 hex digits");

	/* fd_array form: _IDX / _IDX_VALUE with indexes canonicalize the same. */
	p2[0].src_reg = 5, p2[0].imm = 0;
	p2[2].src_reg = 6, p2[2].imm = 0;
	p2[4].src_reg = 5, p2[4].imm = 1;
	ASSERT_OK(canon(p2, c2, &cp2), "canon fd_array form");
	cache_key(&cp2, "1.0", k2);
	ASSERT_STREQ(k1, k2, "fd_array form: same key");

	cache_key(&cp1, "1.1", k2);
	ASSERT_TRUE(strcmp(k1, k2), "optimizer version changes the key");
	cp2 = cp1;
	cp2.maps[1].max_entries = 1025;
	cache_key(&cp2, "1.0", k2);
	ASSERT_TRUE(strcmp(k1, k2), "map description changes the key");
	cp2 = cp1;
	cp2.maps[1].map_flags = BPF_F_RDONLY_PROG;
	ASSERT_FALSE(cache_map_content_matters(&cp2.maps[1]), "a read-only hash: contents do not");
	cp2.maps[0].map_flags = BPF_F_RDONLY_PROG;
	ASSERT_TRUE(cache_map_content_matters(&cp2.maps[0]), "a read-only array's contents matter");
	cache_key(&cp2, "1.0", k2);
	cp2.maps[0].content[31] = 1;
	cache_key(&cp2, "1.0", k1);
	ASSERT_TRUE(strcmp(k1, k2), "read-only map contents change the key");
	cache_key(&cp1, "1.0", k1);
	cp2 = cp1;
	cp2.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	cache_key(&cp2, "1.0", k2);
	ASSERT_TRUE(strcmp(k1, k2), "program type changes the key");
	cp2 = cp1;
	cp2.expected_attach_type = BPF_XDP;
	cache_key(&cp2, "1.0", k2);
	ASSERT_TRUE(strcmp(k1, k2), "expected attach type changes the key");
	cp2 = cp1;
	cp2.prog_flags = 1u << 5; /* BPF_F_XDP_HAS_FRAGS */
	cache_key(&cp2, "1.0", k2);
	ASSERT_TRUE(strcmp(k1, k2), "prog_flags change the key");
	memcpy(c2, c1, sizeof(c1));
	c2[6].imm = 1;
	cp2 = cp1;
	cp2.insns = c2;
	cache_key(&cp2, "1.0", k2);
	ASSERT_TRUE(strcmp(k1, k2), "an instruction changes the key");
}

static void test_refs_unsupported(void)
{
	struct bpf_insn p[] = {
		BPF_LD_IMM64_RAW(BPF_REG_1, 3 /* BPF_PSEUDO_BTF_ID */, 1234),
		BPF_EXIT_INSN(),
	};
	struct bpf_insn k[] = {
		BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 2 /* kfunc */, 1, 77),
		BPF_EXIT_INSN(),
	};
	struct bpf_insn t[] = {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_RAW_INSN(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 3),
	};
	struct cache_map_ref refs[4];
	char msg[CACHE_MSG_SIZE];

	ASSERT_EQ(cache_map_refs(p, 3, refs, 4, msg, sizeof(msg)), 0, "vmlinux ksym is fine");
	p[1].imm = 5; /* a module BTF fd */
	ASSERT_EQ(cache_map_refs(p, 3, refs, 4, msg, sizeof(msg)), -EINVAL, "module ksym");
	ASSERT_TRUE(strstr(msg, "insn 0") != NULL, "message names the insn");
	ASSERT_EQ(cache_map_refs(k, 2, refs, 4, msg, sizeof(msg)), -EINVAL, "module kfunc");
	ASSERT_EQ(cache_map_refs(t, 2, refs, 4, msg, sizeof(msg)), -EINVAL, "truncated ld_imm64");
}

static void test_relink(void)
{
	struct bpf_insn p[NP], c[NP], r[NP];
	struct cache_slot_handle h[2] = {{false, 42}, {true, 3}};
	struct cache_prog cp;

	prog_with_maps(p, 5, 9);
	ASSERT_OK(canon(p, c, &cp), "canon");
	ASSERT_OK(cache_relink(c, NP, h, 2, r), "relink");
	ASSERT_EQ(r[0].src_reg, BPF_PSEUDO_MAP_FD, "fd form");
	ASSERT_EQ(r[0].imm, 42, "fd of slot 0");
	ASSERT_EQ(r[2].src_reg, BPF_PSEUDO_MAP_VALUE, "value, fd form");
	ASSERT_EQ(r[2].imm, 42, "value of slot 0");
	ASSERT_EQ(r[3].imm, 4, "value offset");
	ASSERT_EQ(r[4].src_reg, 5, "slot 1 by fd_array index: BPF_PSEUDO_MAP_IDX");
	ASSERT_EQ(r[4].imm, 3, "index of slot 1");
	ASSERT_EQ(cache_relink(c, NP, h, 1, r), -EINVAL, "slot out of range");
	/* Relinked to the fds it came from, the canonical form is the program again. */
	h[0] = (struct cache_slot_handle){false, 5};
	h[1] = (struct cache_slot_handle){false, 9};
	ASSERT_OK(cache_relink(c, NP, h, 2, r), "relink to the original fds");
	ASSERT_TRUE(!memcmp(r, p, sizeof(r)), "relink inverts canonicalization");
}

/* An entry for prog_with_maps: the optimized copy has the `r0 = 0` as a nop. */
static void make_entry(struct cache_entry *e, struct bpf_insn *c, struct bpf_insn *o)
{
	struct bpf_insn p[NP];

	memset(e, 0, sizeof(*e));
	prog_with_maps(p, 5, 9);
	canon(p, c, &e->orig);
	memcpy(o, c, NP * sizeof(*o));
	o[6] = BPF_RAW_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0);
	e->opt = o;
	e->opt_cnt = NP;
	snprintf(e->optimizer_version, sizeof(e->optimizer_version), "test");
	cache_key(&e->orig, e->optimizer_version, e->key);
	e->proof = json_pack("{s:s}", "method", "unit test");
	e->orig.maps[0].map_flags |= BPF_F_RDONLY_PROG;
	memset(e->orig.maps[0].content, 0x5a, SHA256_LEN);
	cache_key(&e->orig, e->optimizer_version, e->key);
}

static void test_entry_round_trip(void)
{
	struct bpf_insn c[NP], o[NP];
	struct cache_entry e, r;
	char msg[CACHE_MSG_SIZE], path[PATH_MAX];
	int err;

	make_tmpdir();
	make_entry(&e, c, o);
	ASSERT_OK(cache_dir_prepare(tmpdir, msg, sizeof(msg)), "prepare");
	err = cache_lookup(tmpdir, &e.orig, e.key, "test", &r, msg, sizeof(msg));
	ASSERT_EQ(err, -ENOENT, "miss before the write");
	err = cache_entry_write(tmpdir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
	ASSERT_OK(err, msg);
	err = cache_lookup(tmpdir, &e.orig, e.key, "test", &r, msg, sizeof(msg));
	if (ASSERT_OK(err, msg)) {
		ASSERT_EQ(r.opt_cnt, NP, "opt count");
		ASSERT_TRUE(!memcmp(r.opt, o, sizeof(o)), "optimized program back");
		ASSERT_EQ(cache_insn_cnt_effective(r.opt, r.opt_cnt), NP - 1, "one nop");
		ASSERT_STREQ(json_string_value(json_object_get(r.proof, "method")), "unit test",
			     "proof record back");
		ASSERT_TRUE(r.kernel_release[0] != '\0', "kernel release recorded");
		ASSERT_EQ(r.orig.nmaps, 2, "maps back");
		ASSERT_EQ(r.orig.maps[1].map_flags, BPF_F_NO_PREALLOC, "map flags back");
		ASSERT_EQ(r.orig.maps[0].map_flags, BPF_F_RDONLY_PROG, "read-only flag back");
		ASSERT_EQ(r.orig.maps[0].content[5], 0x5a, "map content digest back");
		ASSERT_EQ(r.orig.maps[1].content[5], 0, "no content digest: zero");
		cache_entry_free(&r);
	}
	ASSERT_EQ(cache_entry_write(tmpdir, CACHE_ENTRIES, &e, CACHE_WRITE_EXCL, msg, sizeof(msg)),
		  -EEXIST, "exclusive write of an existing entry");
	/* A key that is not the program's is refused at write time. */
	memcpy(r.key, e.key, sizeof(r.key));
	e.key[0] = e.key[0] == '0' ? '1' : '0';
	ASSERT_EQ(cache_entry_write(tmpdir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg)), -EINVAL,
		  "write under a wrong key");
	memcpy(e.key, r.key, sizeof(e.key));
	/* Same key, different program (a collision): the full comparison refuses it. */
	{
		struct bpf_insn c2[NP];
		struct cache_prog cp2 = e.orig;

		memcpy(c2, c, sizeof(c2));
		c2[6].imm = 7;
		cp2.insns = c2;
		err = cache_lookup(tmpdir, &cp2, e.key, "test", &r, msg, sizeof(msg));
		ASSERT_EQ(err, -EBADMSG, "stored original compared in full");
		cp2 = e.orig;
		cp2.maps[0].value_size = 16;
		err = cache_lookup(tmpdir, &cp2, e.key, "test", &r, msg, sizeof(msg));
		ASSERT_EQ(err, -EBADMSG, "map descriptions compared");
	}
	ASSERT_OK(cache_entry_remove(tmpdir, e.key), "remove");
	ASSERT_EQ(cache_entry_remove(tmpdir, e.key), -ENOENT, "remove again");
	cache_path(tmpdir, CACHE_ENTRIES, e.key, path, sizeof(path));
	ASSERT_EQ(access(path, F_OK), -1, "gone");
	json_decref(e.proof);
	rm_rf(tmpdir);
}

/* Write the entry, damage the file with @damage, and expect @want from a lookup. */
static void damaged(const char *what, void (*damage)(const char *path, size_t size), int want)
{
	struct bpf_insn c[NP], o[NP];
	struct cache_entry e, r;
	char msg[CACHE_MSG_SIZE] = "", path[PATH_MAX];
	struct stat st;
	int err;

	make_entry(&e, c, o);
	cache_entry_write(tmpdir, CACHE_ENTRIES, &e, CACHE_WRITE_NOSYNC, msg, sizeof(msg));
	cache_path(tmpdir, CACHE_ENTRIES, e.key, path, sizeof(path));
	stat(path, &st);
	damage(path, st.st_size);
	err = cache_lookup(tmpdir, &e.orig, e.key, "test", &r, msg, sizeof(msg));
	if (!CHECK(err == want, "%s: got %d (%s), expected %d", what, err, msg, want))
		return;
	if (!err)
		cache_entry_free(&r);
	json_decref(e.proof);
}

static void flip_at(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	unsigned char b;

	if (pread(fd, &b, 1, off) == 1) {
		b ^= 0x01;
		if (pwrite(fd, &b, 1, off) != 1)
			abort();
	}
	close(fd);
}

static void d_none(const char *p, size_t n)
{
	(void)p, (void)n;
}
static void d_flip_last(const char *p, size_t n)
{
	flip_at(p, n - 3); /* inside the optimized program */
}
static void d_flip_orig(const char *p, size_t n)
{
	flip_at(p, n - NP * 8 - 5);
}
static void d_flip_header(const char *p, size_t n)
{
	(void)n;
	flip_at(p, 40); /* inside the JSON */
}
static void d_flip_magic(const char *p, size_t n)
{
	(void)n;
	flip_at(p, 2);
}
static void d_trunc1(const char *p, size_t n)
{
	if (truncate(p, n - 1))
		abort();
}
static void d_trunc_header(const char *p, size_t n)
{
	(void)n;
	if (truncate(p, 100))
		abort();
}
static void d_empty(const char *p, size_t n)
{
	(void)n;
	if (truncate(p, 0))
		abort();
}
static void d_append(const char *p, size_t n)
{
	int fd = open(p, O_WRONLY | O_APPEND);

	(void)n;
	if (write(fd, "\0\0\0\0\0\0\0\0", 8) != 8)
		abort();
	close(fd);
}
static void d_world_writable(const char *p, size_t n)
{
	(void)n;
	chmod(p, 0666);
}
static void d_foreign(const char *p, size_t n)
{
	(void)n;
	if (chown(p, 65534, 65534))
		abort();
}
static void d_symlink(const char *p, size_t n)
{
	char t[PATH_MAX];

	(void)n;
	snprintf(t, sizeof(t), "%s.target", p);
	rename(p, t);
	if (symlink(t, p))
		abort();
}

static void test_entry_damage(void)
{
	make_tmpdir();
	if (cache_dir_prepare(tmpdir, NULL, 0))
		abort();
	damaged("intact", d_none, 0);
	damaged("byte flipped in the optimized program", d_flip_last, -EBADMSG);
	damaged("byte flipped in the original", d_flip_orig, -EBADMSG);
	damaged("byte flipped in the header", d_flip_header, -EBADMSG);
	damaged("byte flipped in the magic", d_flip_magic, -EBADMSG);
	damaged("truncated by one byte", d_trunc1, -EBADMSG);
	damaged("truncated in the header", d_trunc_header, -EBADMSG);
	damaged("empty", d_empty, -EBADMSG);
	damaged("trailing bytes", d_append, -EBADMSG);
	damaged("world-writable entry", d_world_writable, -EPERM);
	damaged("symlink", d_symlink, -EPERM);
	if (geteuid() == 0)
		damaged("entry owned by another user", d_foreign, -EPERM);
	rm_rf(tmpdir);
}

static void test_entry_renamed(void)
{
	struct bpf_insn c[NP], o[NP];
	struct cache_entry e, r;
	char msg[CACHE_MSG_SIZE], a[PATH_MAX], b[PATH_MAX];
	char other[CACHE_KEY_LEN + 1];

	make_tmpdir();
	cache_dir_prepare(tmpdir, msg, sizeof(msg));
	make_entry(&e, c, o);
	cache_entry_write(tmpdir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
	memset(other, 'a', CACHE_KEY_LEN);
	other[CACHE_KEY_LEN] = '\0';
	cache_path(tmpdir, CACHE_ENTRIES, e.key, a, sizeof(a));
	cache_path(tmpdir, CACHE_ENTRIES, other, b, sizeof(b));
	rename(a, b);
	ASSERT_EQ(cache_entry_read(b, &r, msg, sizeof(msg)), -EBADMSG,
		  "an entry under another key's name");
	json_decref(e.proof);
	rm_rf(tmpdir);
}

static void test_dir_check(void)
{
	char msg[CACHE_MSG_SIZE], sub[PATH_MAX];

	make_tmpdir();
	snprintf(sub, sizeof(sub), "%s/a/b/cache", tmpdir);
	ASSERT_EQ(cache_dir_check(sub, msg, sizeof(msg)), -ENOENT, "missing");
	ASSERT_OK(cache_dir_prepare(sub, msg, sizeof(msg)), "prepare creates parents");
	ASSERT_OK(cache_dir_check(sub, msg, sizeof(msg)), "ours");
	chmod(sub, 0777);
	ASSERT_EQ(cache_dir_check(sub, msg, sizeof(msg)), -EPERM, "world-writable");
	ASSERT_TRUE(strstr(msg, "writable by everyone") != NULL, "message says why");
	chmod(sub, 0775);
	ASSERT_EQ(cache_dir_check(sub, msg, sizeof(msg)), -EPERM, "group-writable");
	chmod(sub, 0755);
	snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub), "/entries");
	chmod(sub, 0777);
	sub[strlen(sub) - 8] = '\0';
	ASSERT_EQ(cache_dir_check(sub, msg, sizeof(msg)), -EPERM, "world-writable entries/");
	if (geteuid() == 0) {
		snprintf(sub, sizeof(sub), "%s/foreign", tmpdir);
		mkdir(sub, 0755);
		if (chown(sub, 65534, 65534))
			abort();
		ASSERT_EQ(cache_dir_check(sub, msg, sizeof(msg)), -EPERM, "owned by another user");
		ASSERT_TRUE(strstr(msg, "owned by uid 65534") != NULL, "message names the owner");
	}
	rm_rf(tmpdir);
}

/*
 * 8 processes write different (valid) entries under one key and read it back,
 * 40 times each: every read sees a whole entry, never a part; no temp file is
 * left behind.
 */
static void test_concurrent_writers_readers(void)
{
	struct bpf_insn c[NP], o[NP];
	struct cache_entry e;
	char msg[CACHE_MSG_SIZE];
	int i, status, bad = 0;
	pid_t pids[8];
	DIR *d;
	struct dirent *de;

	make_tmpdir();
	cache_dir_prepare(tmpdir, msg, sizeof(msg));
	make_entry(&e, c, o);
	for (i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int j, fails = 0;

			for (j = 0; j < 40; j++) {
				struct cache_entry r;
				char m[CACHE_MSG_SIZE];
				int err;

				json_decref(e.proof);
				e.proof = json_pack("{s:i,s:i}", "writer", i, "round", j);
				if (cache_entry_write(tmpdir, CACHE_ENTRIES, &e, 0, m, sizeof(m)))
					fails++;
				err = cache_lookup(tmpdir, &e.orig, e.key, "test", &r, m,
						   sizeof(m));
				if (err) {
					fprintf(stderr, "reader: %d %s\n", err, m);
					fails++;
				} else {
					fails +=
						!json_is_integer(json_object_get(r.proof, "round"));
					cache_entry_free(&r);
				}
			}
			_exit(fails ? 1 : 0);
		}
	}
	for (i = 0; i < 8; i++) {
		waitpid(pids[i], &status, 0);
		bad += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	ASSERT_EQ(bad, 0, "processes that saw a failed write or a partial entry");
	cache_path(tmpdir, CACHE_ENTRIES, NULL, msg, sizeof(msg));
	d = opendir(msg);
	i = 0;
	while (d && (de = readdir(d)))
		i += de->d_name[0] != '.' || strstr(de->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	ASSERT_EQ(i, 1, "one entry, no temp files left");
	json_decref(e.proof);
	rm_rf(tmpdir);
}

static json_int_t sum(json_t *s, const char *k)
{
	return json_integer_value(json_object_get(s, k));
}

static void test_stats(void)
{
	char msg[CACHE_MSG_SIZE], path[PATH_MAX];
	json_t *s;
	int i, status, fd;
	pid_t pids[8];

	make_tmpdir();
	s = cache_stats_read(tmpdir, msg, sizeof(msg));
	ASSERT_EQ(sum(s, "hits"), 0, "no stats yet");
	json_decref(s);
	for (i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int j;

			for (j = 0; j < 100; j++) {
				cache_stats_add(tmpdir, CACHE_EV_HIT, 8, NULL);
				cache_stats_add(tmpdir, CACHE_EV_FALLBACK, 0,
						j % 2 ? "kernel-rejected:EACCES"
						      : "bad reason\n x");
			}
			_exit(0);
		}
	}
	for (i = 0; i < 8; i++)
		waitpid(pids[i], &status, 0);
	cache_stats_add(tmpdir, CACHE_EV_MISS, 0, NULL);
	cache_stats_add(tmpdir, CACHE_EV_BAD, 0, "malformed");
	/* A torn last line (power loss) is skipped. */
	snprintf(path, sizeof(path), "%s/stats.log", tmpdir);
	fd = open(path, O_WRONLY | O_APPEND);
	if (write(fd, "hit 99", 6) != 6)
		abort();
	close(fd);
	s = cache_stats_read(tmpdir, msg, sizeof(msg));
	ASSERT_EQ(sum(s, "hits"), 800, "hits from 8 processes");
	ASSERT_EQ(sum(s, "bytes_saved"), 6400, "bytes saved");
	ASSERT_EQ(sum(s, "fallbacks"), 800, "fallbacks");
	ASSERT_EQ(sum(s, "misses"), 1, "misses");
	ASSERT_EQ(sum(s, "bad_entries"), 1, "bad entries");
	ASSERT_EQ(sum(json_object_get(s, "fallback_reasons"), "kernel-rejected:EACCES"), 400,
		  "fallback reason counted");
	ASSERT_EQ(sum(json_object_get(s, "fallback_reasons"), "bad_reason__x"), 400,
		  "reason made one token");
	json_decref(s);
	ASSERT_OK(cache_stats_compact(tmpdir, msg, sizeof(msg)), "compact");
	ASSERT_EQ(access(path, F_OK), -1, "log folded away");
	cache_stats_add(tmpdir, CACHE_EV_HIT, 16, NULL);
	s = cache_stats_read(tmpdir, msg, sizeof(msg));
	ASSERT_EQ(sum(s, "hits"), 801, "sums + new log");
	ASSERT_EQ(sum(s, "bytes_saved"), 6416, "bytes saved after compaction");
	ASSERT_EQ(sum(json_object_get(s, "fallback_reasons"), "kernel-rejected:EACCES"), 400,
		  "reasons kept by compaction");
	json_decref(s);
	/* A hit the kernel then refused is taken back, before and after compaction. */
	cache_stats_add(tmpdir, CACHE_EV_HIT, 24, NULL);
	cache_stats_add(tmpdir, CACHE_EV_UNHIT, 24, NULL);
	s = cache_stats_read(tmpdir, msg, sizeof(msg));
	ASSERT_EQ(sum(s, "hits"), 801, "a hit and its unhit");
	ASSERT_EQ(sum(s, "bytes_saved"), 6416, "bytes taken back");
	json_decref(s);
	cache_stats_add(tmpdir, CACHE_EV_HIT, 24, NULL);
	ASSERT_OK(cache_stats_compact(tmpdir, msg, sizeof(msg)), "compact again");
	cache_stats_add(tmpdir, CACHE_EV_UNHIT, 24, NULL);
	s = cache_stats_read(tmpdir, msg, sizeof(msg));
	ASSERT_EQ(sum(s, "hits"), 801, "an unhit after the fold takes back a folded hit");
	ASSERT_EQ(sum(s, "bytes_saved"), 6416, "and its bytes");
	json_decref(s);
	rm_rf(tmpdir);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_sha256_vectors);
	RUN_TEST(test_sha256_implementations);
	RUN_TEST(test_key_same_program_other_fds);
	RUN_TEST(test_refs_unsupported);
	RUN_TEST(test_relink);
	RUN_TEST(test_entry_round_trip);
	RUN_TEST(test_entry_damage);
	RUN_TEST(test_entry_renamed);
	RUN_TEST(test_dir_check);
	RUN_TEST(test_concurrent_writers_readers);
	RUN_TEST(test_stats);
	return test_summary("test_cache");
}
