// SPDX-License-Identifier: MIT
/*
 * cache/cache: entries on disk.
 *
 * Layout of a cache directory (see cache_path()):
 *
 *   <dir>/entries/<key>   optimized programs, one file per canonical program
 *   <dir>/queue/<key>     programs waiting for the optimizer (same format, no
 *                         optimized part); written by the preload in async mode
 *   <dir>/rejected/<key>  entries whose optimized program the kernel refused
 *                         while it accepted the original (moved there by the preload)
 *   <dir>/stats.log       appended events; <dir>/stats.json the folded sums (stats.c)
 *
 * An entry file, format 2 (written since the load path stopped parsing JSON;
 * entry2.c has the exact layout):
 *
 *   binary head: "bpfsynth-cache-entry 2\n", counts, program type and
 *   flags, key, optimizer version, the map descriptions, the proof record's
 *   summary (flags and the proven windows' spans, see cache.h), a CRC-32C
 *   of everything but the original
 *   <optimized: opt_insns x 8 bytes>  optimized program over the same slots
 *   <header: JSON>                     one JSON object, see below
 *   <original: orig_insns x 8 bytes>  canonical original program
 *
 * Format 1, still read (by the load path too, through the full reader):
 *
 *   bpfsynth-cache-entry 1 <N>\n      first line, ASCII; N = length of the header
 *   <header: N bytes of JSON>\n       one JSON object, see below
 *   <original: orig_insns x 8 bytes>  canonical original program
 *   <optimized: opt_insns x 8 bytes>  optimized program over the same slots
 *
 * Instructions are struct bpf_insn as the kernel takes them, in the byte order
 * the header names (the writer's; a reader refuses any other).  A file longer
 * or shorter than its parts is malformed.  JSON header (all fields required
 * unless marked):
 *
 *   format (1 or 2, as the file); key (64 hex: the file's name); byte_order
 *   "little"; prog_type, expected_attach_type, prog_flags, attach_btf_id
 *   (numbers); maps: [{type, key_size, value_size, max_entries, map_flags,
 *   content_sha256 (read-only arrays only)}] by slot;
 *   orig_insns, orig_sha256 (of the original's bytes);
 *   opt_insns, opt_effective_insns (without `ja +0`), opt_sha256 -- null in
 *   a queue entry;
 *   optimizer_version, kernel_release (uname -r where it was made), created
 *   (unix seconds); proof, timings: objects (optional; proof.c documents
 *   the proof record); name: the program's name where it was seen (optional,
 *   informative: not part of the key).
 *
 * The full reader (cache_entry_read, cache_lookup) trusts nothing: the
 * binary head and its checksum, the JSON, every type and count, that the
 * head and the JSON say the same (the proof summary included), the file's
 * length, both digests, and that the key recomputed from the stored original
 * is the file's name.  Any failure is a miss (-EBADMSG), never a crash and
 * never a wrong program.  The load path (hit.c) reads the binary part only:
 * checksum, and the stored original compared with the caller's in full.
 *
 * Writers write a temp file in the same directory, fsync it, rename it over
 * the entry and fsync the directory (redis' rdbSave), so any number of
 * processes may write and read concurrently: a reader sees an old entry or a
 * new one, whole.  Files must be regular, owned by the effective user and
 * writable by nobody else; so must the directory: a cache is code that gets
 * loaded into the kernel, so it may only come from someone who may load it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cache/cache.h"
#include "cache/entry_internal.h"


static const char *const area_dirs[] = {
	[CACHE_ENTRIES] = "entries",
	[CACHE_QUEUE] = "queue",
	[CACHE_REJECTED] = "rejected",
};

int cache_path(const char *dir, enum cache_area area, const char *key, char *buf, size_t bufsz)
{
	int n;

	if (key && !cache_key_valid(key))
		return -EINVAL;
	n = key ? snprintf(buf, bufsz, "%s/%s/%s", dir, area_dirs[area], key)
		: snprintf(buf, bufsz, "%s/%s", dir, area_dirs[area]);
	return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

int cache_check_owner(const char *what, const char *path, const struct stat *st, char *msg,
		       size_t msgsz)
{
	if (st->st_uid != geteuid()) {
		snprintf(msg, msgsz, "%s %s is owned by uid %u, not by us (uid %u)", what, path,
			 (unsigned int)st->st_uid, (unsigned int)geteuid());
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(msg, msgsz, "%s %s is writable by %s (mode %04o)", what, path,
			 st->st_mode & S_IWOTH ? "everyone" : "its group",
			 (unsigned int)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* The cache directory itself: a directory of ours that nobody else may write. */
static int dir_check_top(const char *dir, char *msg, size_t msgsz)
{
	struct stat st;
	int err;

	if (stat(dir, &st)) {
		err = -errno;
		snprintf(msg, msgsz, "cache directory %s: %s", dir, strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(msg, msgsz, "cache directory %s is not a directory", dir);
		return -ENOTDIR;
	}
	return cache_check_owner("cache directory", dir, &st, msg, msgsz);
}

/* Its sub-directory @area the same, where there is one (it is made when first needed). */
static int dir_check_area(const char *dir, enum cache_area area, char *msg, size_t msgsz)
{
	char sub[PATH_MAX];
	struct stat st;

	if (cache_path(dir, area, NULL, sub, sizeof(sub)))
		return -ENAMETOOLONG;
	if (lstat(sub, &st))
		return 0;
	if (!S_ISDIR(st.st_mode)) {
		snprintf(msg, msgsz, "%s is not a directory", sub);
		return -ENOTDIR;
	}
	return cache_check_owner("cache directory", sub, &st, msg, msgsz);
}

int cache_dir_check(const char *dir, char *msg, size_t msgsz)
{
	int err = dir_check_top(dir, msg, msgsz);
	size_t i;

	for (i = 0; !err && i < sizeof(area_dirs) / sizeof(area_dirs[0]); i++)
		err = dir_check_area(dir, (enum cache_area)i, msg, msgsz);
	return err;
}

/* The load path's check: the entries' area alone (no entries: the lookup misses). */
int cache_dir_check_entries(const char *dir, char *msg, size_t msgsz)
{
	int err = dir_check_top(dir, msg, msgsz);

	return err ? err : dir_check_area(dir, CACHE_ENTRIES, msg, msgsz);
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, i == n ? mode : 0755) && errno != EEXIST)
			return -errno;
		buf[i] = i == n ? '\0' : '/';
	}
	return 0;
}

int cache_dir_prepare(const char *dir, char *msg, size_t msgsz)
{
	char sub[PATH_MAX];
	int err;
	size_t i;

	err = mkdir_p(dir, 0755);
	if (err) {
		snprintf(msg, msgsz, "cannot create cache directory %s: %s", dir, strerror(-err));
		return err;
	}
	for (i = 0; i < sizeof(area_dirs) / sizeof(area_dirs[0]); i++) {
		if (cache_path(dir, i, NULL, sub, sizeof(sub)))
			return -ENAMETOOLONG;
		if (mkdir(sub, 0755) && errno != EEXIST) {
			err = -errno;
			snprintf(msg, msgsz, "cannot create %s: %s", sub, strerror(errno));
			return err;
		}
	}
	return cache_dir_check(dir, msg, msgsz);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n, len -= (size_t)n;
	}
	return 0;
}

static int fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	int fd, err = 0;

	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	if (n) {
		memcpy(dir, path, n);
		dir[n] = '\0';
	} else {
		strcpy(dir, slash ? "/" : ".");
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int cache_write_atomic(const char *path, const void *data, size_t len, unsigned int flags,
		       char *msg, size_t msgsz)
{
	static unsigned int seq;
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, err, n;

	/* ".tmp." names are never keys, and gc removes stale ones. */
	n = snprintf(tmp, sizeof(tmp), "%.*s.tmp.%s.%ld.%u", slash ? (int)(slash - path + 1) : 0,
		     path, slash ? slash + 1 : path, (long)getpid(),
		     __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msgsz, "cannot create %s: %s", tmp, strerror(errno));
		return err;
	}
	err = write_all(fd, data, len);
	if (!err && !(flags & CACHE_WRITE_NOSYNC) && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (err) {
		snprintf(msg, msgsz, "cannot write %s: %s", tmp, strerror(-err));
		goto out_unlink;
	}
	if (flags & CACHE_WRITE_EXCL) {
		/* link() fails with EEXIST rather than replace: first writer wins. */
		if (link(tmp, path)) {
			err = -errno;
			if (err != -EEXIST)
				snprintf(msg, msgsz, "cannot link %s: %s", path, strerror(errno));
			goto out_unlink;
		}
		unlink(tmp);
	} else if (rename(tmp, path)) {
		err = -errno;
		snprintf(msg, msgsz, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out_unlink;
	}
	if (!(flags & CACHE_WRITE_NOSYNC)) {
		err = fsync_parent(path);
		if (err)
			snprintf(msg, msgsz, "cannot fsync the directory of %s: %s", path,
				 strerror(-err));
	}
	return err;

out_unlink:
	unlink(tmp);
	return err;
}

int cache_entry_write(const char *dir, enum cache_area area, const struct cache_entry *e,
		      unsigned int flags, char *msg, size_t msgsz)
{
	char path[PATH_MAX], key[CACHE_KEY_LEN + 1];
	char *hdr = NULL;
	void *buf = NULL;
	size_t total;
	json_t *h;
	int err;

	if (!e->orig.insn_cnt || (area == CACHE_ENTRIES && (!e->opt || !e->opt_cnt))) {
		snprintf(msg, msgsz, "entry without instructions");
		return -EINVAL;
	}
	/* The name must be the key of what is stored, or readers reject it. */
	cache_key(&e->orig, e->optimizer_version, key);
	if (strcmp(key, e->key)) {
		snprintf(msg, msgsz, "key %.16s... is not the key of the program (%.16s...)",
			 e->key, key);
		return -EINVAL;
	}
	err = cache_path(dir, area, e->key, path, sizeof(path));
	if (err) {
		snprintf(msg, msgsz, "bad cache path");
		return err;
	}
	/* The area may be missing in a directory someone else created. */
	*strrchr(path, '/') = '\0';
	if (mkdir(path, 0755) && errno != EEXIST) {
		err = -errno;
		snprintf(msg, msgsz, "cannot create %s: %s", path, strerror(errno));
		return err;
	}
	path[strlen(path)] = '/';
	h = entry_header_json(e);
	hdr = h ? json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(h);
	if (!hdr) {
		snprintf(msg, msgsz, "cannot build the entry header");
		return -ENOMEM;
	}
	err = entry2_encode(e, hdr, strlen(hdr), &buf, &total, msg, msgsz);
	if (!err)
		err = cache_write_atomic(path, buf, total, flags, msg, msgsz);
	free(buf);
	free(hdr);
	return err;
}

void cache_entry_free(struct cache_entry *e)
{
	if (e->mem) {
		free(e->mem);
	} else {
		free(e->orig.insns);
		free(e->opt);
	}
	json_decref(e->proof);
	json_decref(e->timings);
	memset(e, 0, sizeof(*e));
}

static int bad(char *msg, size_t msgsz, const char *what)
{
	snprintf(msg, msgsz, "malformed entry: %s", what);
	return -EBADMSG;
}

int cache_entry_open(const char *path, struct stat *st, char *msg, size_t msgsz)
{
	int fd, err;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		return err == -ELOOP ? -EPERM : err;
	}
	if (fstat(fd, st)) {
		err = -errno;
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(msg, msgsz, "%s is not a regular file", path);
		err = -EPERM;
		goto fail;
	}
	err = cache_check_owner("entry", path, st, msg, msgsz);
	if (err)
		goto fail;
	if (st->st_size < 32 || (uint64_t)st->st_size > ENTRY_MAX_SIZE) {
		err = bad(msg, msgsz, "file size");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

int cache_read_at(int fd, void *buf, size_t len, off_t at)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = pread(fd, (char *)buf + off, len - off, at + (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EBADMSG; /* shrank under us */
		off += (size_t)n;
	}
	return 0;
}

/* Whether the binary part of a format-2 entry says what its JSON header says. */
static int entry2_agrees(const struct entry2_view *v, const struct cache_entry *e, char *msg,
			 size_t msgsz)
{
	const struct entry2_head *b = v->head;
	struct cache_proof_summary ps;
	int err = 0;

	if (memcmp(b->key, e->key, CACHE_KEY_LEN) ||
	    strcmp(b->optimizer_version, e->optimizer_version) ||
	    b->prog_type != e->orig.prog_type ||
	    b->expected_attach_type != e->orig.expected_attach_type ||
	    b->prog_flags != e->orig.prog_flags || b->attach_btf_id != e->orig.attach_btf_id ||
	    b->nmaps != e->orig.nmaps ||
	    memcmp(v->maps, e->orig.maps, b->nmaps * sizeof(e->orig.maps[0])) ||
	    b->orig_cnt != e->orig.insn_cnt || b->opt_cnt != e->opt_cnt ||
	    b->orig_effective != cache_insn_cnt_effective(v->orig, b->orig_cnt) ||
	    (v->opt && b->opt_effective != cache_insn_cnt_effective(v->opt, b->opt_cnt)))
		return bad(msg, msgsz, "binary header and JSON header differ");
	if (cache_proof_summarize(e->proof, &ps))
		return -ENOMEM;
	if (ps.flags != b->proof || ps.nspans != b->nspans ||
	    (ps.nspans && memcmp(ps.spans, v->spans, ps.nspans * sizeof(ps.spans[0]))))
		err = bad(msg, msgsz, "binary proof summary and proof record differ");
	free(ps.spans);
	return err;
}

/*
 * A format-2 entry, in full: the binary part (entry2_view: layout and
 * checksum), the JSON header, and that the two agree; then as for format 1.
 * The whole file is read at once and kept (e->mem) for the programs.
 */
static int entry2_read(int fd, const char *path, const char *base, struct cache_entry *e,
		       bool lookup, char *msg, size_t msgsz)
{
	char key[CACHE_KEY_LEN + 1];
	struct entry2_view v;
	json_error_t jerr;
	size_t olen, plen;
	json_t *h = NULL;
	int err;

	e->mem = malloc(e->size);
	if (!e->mem)
		return -ENOMEM;
	err = cache_read_at(fd, e->mem, e->size, 0);
	if (err) {
		snprintf(msg, msgsz, "%s: read: %s", path, strerror(-err));
		return err;
	}
	err = entry2_view(e->mem, e->size, e->size, &v, msg, msgsz);
	if (err)
		return err;
	h = json_loadb(v.json, v.json_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!h) {
		snprintf(msg, msgsz, "malformed entry: header: %s (column %d)", jerr.text,
			 jerr.column);
		return -EBADMSG;
	}
	err = entry_header_parse(h, 2, e, &olen, &plen, msg, msgsz);
	if (!err)
		err = entry2_agrees(&v, e, msg, msgsz);
	e->orig.insns = (struct bpf_insn *)v.orig;
	e->opt = (struct bpf_insn *)v.opt;
	if (!err && ((!lookup && entry_header_check_digest(h, "orig_sha256", e->orig.insns, olen)) ||
		     (plen && entry_header_check_digest(h, "opt_sha256", e->opt, plen))))
		err = bad(msg, msgsz, "checksum mismatch");
	if (!err && !lookup)
		cache_key(&e->orig, e->optimizer_version, key);
	if (!err && ((!lookup && strcmp(key, e->key)) || strcmp(base, e->key)))
		err = bad(msg, msgsz, "key does not match the program or the file name");
	json_decref(h);
	return err;
}

/*
 * @lookup: the caller compares the stored original with its own program in
 * full, which makes the original's digest and the key recomputation
 * redundant; on the load path they cost two passes over the program.
 *
 * The header is read into a small buffer and the two programs straight into
 * one allocation that the entry keeps (e->mem): on the load path every
 * kilobyte of fresh memory costs page faults.
 */
static int entry_read(const char *path, struct cache_entry *e, bool lookup, char *msg, size_t msgsz)
{
	char key[CACHE_KEY_LEN + 1], head[4096], *hbuf = NULL, *hdr, *nl, *end;
	const char *base = strrchr(path, '/');
	size_t llen, hlen, olen = 0, plen = 0, n;
	json_error_t jerr;
	struct stat st;
	json_t *h = NULL;
	int fd, err;

	memset(e, 0, sizeof(*e));
	base = base ? base + 1 : path;
	fd = cache_entry_open(path, &st, msg, msgsz);
	if (fd < 0)
		return fd;
	e->size = st.st_size;
	n = (size_t)st.st_size < sizeof(head) ? (size_t)st.st_size : sizeof(head);
	err = cache_read_at(fd, head, n, 0);
	if (err) {
		snprintf(msg, msgsz, "%s: read: %s", path, strerror(-err));
		goto out;
	}
	if (entry2_is(head, n)) {
		err = entry2_read(fd, path, base, e, lookup, msg, msgsz);
		goto out;
	}
	/* Format 1.  First line: magic, format, header length. */
	nl = memchr(head, '\n', n < 64 ? n : 64);
	if (!nl || strncmp(head, ENTRY_MAGIC " 1 ", sizeof(ENTRY_MAGIC " 1 ") - 1)) {
		err = bad(msg, msgsz, "first line");
		goto out;
	}
	errno = 0;
	hlen = strtoul(head + sizeof(ENTRY_MAGIC " 1 ") - 1, &end, 10);
	llen = (size_t)(nl - head) + 1;
	if (errno || end != nl || llen + 1 > (size_t)st.st_size ||
	    hlen > (size_t)st.st_size - llen - 1) {
		err = bad(msg, msgsz, "header length");
		goto out;
	}
	if (llen + hlen + 1 <= n) {
		hdr = head + llen;
	} else {
		hbuf = malloc(hlen + 1);
		if (!hbuf) {
			err = -ENOMEM;
			goto out;
		}
		err = cache_read_at(fd, hbuf, hlen + 1, (off_t)llen);
		if (err) {
			snprintf(msg, msgsz, "%s: read: %s", path, strerror(-err));
			goto out;
		}
		hdr = hbuf;
	}
	if (hdr[hlen] != '\n') {
		err = bad(msg, msgsz, "header length");
		goto out;
	}
	h = json_loadb(hdr, hlen, JSON_REJECT_DUPLICATES, &jerr);
	if (!h) {
		snprintf(msg, msgsz, "malformed entry: header: %s (column %d)", jerr.text,
			 jerr.column);
		err = -EBADMSG;
		goto out;
	}
	err = entry_header_parse(h, 1, e, &olen, &plen, msg, msgsz);
	if (err)
		goto out;
	if (llen + hlen + 1 + olen + plen != (size_t)st.st_size) {
		err = bad(msg, msgsz, "file length does not match the header (truncated?)");
		goto out;
	}
	e->mem = malloc(olen + plen);
	if (!e->mem) {
		err = -ENOMEM;
		goto out;
	}
	e->orig.insns = e->mem;
	e->opt = plen ? (struct bpf_insn *)((char *)e->mem + olen) : NULL;
	err = cache_read_at(fd, e->mem, olen + plen, (off_t)(llen + hlen + 1));
	if (err) {
		snprintf(msg, msgsz, "%s: read: %s", path, strerror(-err));
		goto out;
	}
	if ((!lookup && entry_header_check_digest(h, "orig_sha256", e->orig.insns, olen)) ||
	    (plen && entry_header_check_digest(h, "opt_sha256", e->opt, plen))) {
		err = bad(msg, msgsz, "checksum mismatch");
		goto out;
	}
	if (!lookup)
		cache_key(&e->orig, e->optimizer_version, key);
	if ((!lookup && strcmp(key, e->key)) || strcmp(base, e->key)) {
		err = bad(msg, msgsz, "key does not match the program or the file name");
		goto out;
	}
out:
	if (err)
		cache_entry_free(e);
	json_decref(h);
	free(hbuf);
	close(fd);
	return err;
}

int cache_entry_read(const char *path, struct cache_entry *e, char *msg, size_t msgsz)
{
	return entry_read(path, e, false, msg, msgsz);
}

int cache_lookup(const char *dir, const struct cache_prog *cp, const char *key,
		 const char *optimizer_version, struct cache_entry *e, char *msg, size_t msgsz)
{
	char path[PATH_MAX];
	int err;

	err = cache_path(dir, CACHE_ENTRIES, key, path, sizeof(path));
	if (err)
		return err;
	err = entry_read(path, e, true, msg, msgsz);
	if (err)
		return err;
	if (strcmp(e->key, key) || strcmp(e->optimizer_version, optimizer_version)) {
		err = bad(msg, msgsz, "key or optimizer version differ");
	} else if (!e->opt) {
		err = bad(msg, msgsz, "no optimized program");
	} else if (e->orig.prog_type != cp->prog_type ||
		   e->orig.expected_attach_type != cp->expected_attach_type ||
		   e->orig.prog_flags != cp->prog_flags ||
		   e->orig.attach_btf_id != cp->attach_btf_id || e->orig.nmaps != cp->nmaps ||
		   memcmp(e->orig.maps, cp->maps, cp->nmaps * sizeof(cp->maps[0]))) {
		err = bad(msg, msgsz, "stored program type or maps differ");
	} else if (e->orig.insn_cnt != cp->insn_cnt ||
		   memcmp(e->orig.insns, cp->insns, (size_t)cp->insn_cnt * 8)) {
		err = bad(msg, msgsz, "stored original differs");
	}
	if (err)
		cache_entry_free(e);
	return err;
}

int cache_entry_remove(const char *dir, const char *key)
{
	char path[PATH_MAX];
	int err;

	err = cache_path(dir, CACHE_ENTRIES, key, path, sizeof(path));
	if (err)
		return err;
	if (unlink(path))
		return -errno;
	return fsync_parent(path);
}

int cache_entry_reject(const char *dir, const char *key)
{
	char from[PATH_MAX], to[PATH_MAX];
	int err;

	err = cache_path(dir, CACHE_ENTRIES, key, from, sizeof(from));
	if (!err)
		err = cache_path(dir, CACHE_REJECTED, key, to, sizeof(to));
	if (err)
		return err;
	*strrchr(to, '/') = '\0';
	if (mkdir(to, 0755) && errno != EEXIST)
		return -errno;
	to[strlen(to)] = '/';
	if (rename(from, to))
		return -errno;
	return fsync_parent(from);
}
