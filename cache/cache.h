/* SPDX-License-Identifier: MIT */
/*
 * cache/: the on-disk store of optimized programs.
 *
 * Three concerns, one header:
 *
 *  - the canonical form and key (key.c): a program as a loader submits it
 *    holds map fds (or fd_array indexes), which differ from process to
 *    process.  cache_canon() replaces each map reference by a slot number and
 *    pairs the program with a description of each slot's map, so that the same
 *    program loaded by two processes has the same canonical form and key.
 *    cache_relink() does the inverse for a program taken from the cache.
 *    Everything there is a pure function: the preload (and later
 *    `bpfsynth warm`) gathers the map descriptions from the kernel.
 *
 *  - entries (cache.c, whose opening comment documents the file format):
 *    atomic, crash-safe writes; reads that treat anything malformed,
 *    truncated or mismatched as a miss; directory and file ownership checks.
 *
 *  - statistics (stats.c): hits, misses, fallbacks with reasons, bytes saved,
 *    appended by every loader and summed by `bpfsynth cache stats`.
 *
 * Functions return 0 or a negative errno and put human detail into a
 * caller-owned buffer; nothing here prints or logs.
 */
#ifndef BPFSYNTH_CACHE_CACHE_H
#define BPFSYNTH_CACHE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <jansson.h>

#include "cache/sha256.h"

#define CACHE_KEY_LEN SHA256_HEX_LEN
#define CACHE_MSG_SIZE 256
/* Maps one program may reference (the kernel's MAX_USED_MAPS is 64). */
#define CACHE_MAX_MAPS 64
/* Bumped whenever the canonical form or the key's input changes. */
#define CACHE_KEY_VERSION 1

/*
 * What the key knows of a map: what the program's semantics may depend on.
 * An array the program may only read (BPF_F_RDONLY_PROG: libbpf's .rodata,
 * frozen before the load) is part of the program: the verifier, and so an
 * optimizer, may treat its contents as constants.  Its contents' digest is part of the
 * description; for any other map @content is all zero.
 */
struct cache_map_desc {
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint8_t content[SHA256_LEN];
};

/* Whether a map's contents belong to the program (see struct cache_map_desc). */
bool cache_map_content_matters(const struct cache_map_desc *m);

/*
 * A program in canonical form.  In @insns every LD_IMM64 map reference has
 * src_reg BPF_PSEUDO_MAP_FD (for _FD and _IDX) or BPF_PSEUDO_MAP_VALUE (for
 * _VALUE and _IDX_VALUE) and imm = the slot, an index into @maps; slots are
 * numbered by first appearance.
 */
struct cache_prog {
	uint32_t prog_type;
	uint32_t expected_attach_type;
	uint32_t prog_flags;
	uint32_t attach_btf_id;
	struct bpf_insn *insns;
	uint32_t insn_cnt;
	struct cache_map_desc maps[CACHE_MAX_MAPS];
	uint32_t nmaps;
};

/* One map reference in a loader's program. */
struct cache_map_ref {
	uint32_t insn;	 /* index of the LD_IMM64's first slot */
	uint8_t src_reg; /* BPF_PSEUDO_MAP_FD/_VALUE/_IDX/_IDX_VALUE */
	int32_t imm;	 /* fd (_FD, _VALUE) or fd_array index (_IDX, _IDX_VALUE) */
};

/*
 * How this process names the map of each slot: what cache_relink() writes
 * into a program taken from the cache.
 */
struct cache_slot_handle {
	bool idx;    /* an fd_array index (else an fd) */
	int32_t imm; /* the fd or the index */
};

/*
 * The map references of @insns, in order, into @refs (at most @max; NULL:
 * only count them).  Returns their number, -E2BIG past @max, or -EINVAL (message in @msg) if the
 * program holds a reference we cannot canonicalize: an fd we do not know how to relink
 * (BPF_PSEUDO_BTF_ID with a module BTF fd, a kfunc call into a module) or a truncated LD_IMM64.
 */
int cache_map_refs(const struct bpf_insn *insns, uint32_t cnt, struct cache_map_ref *refs,
		   uint32_t max, char *msg, size_t msgsz);

/*
 * Canonicalize: copy @insns into @out (cnt entries) with reference i replaced
 * by slot @ref_slot[i].  Slots must be numbered by first appearance (0, 1, ...).
 */
int cache_canon_insns(const struct bpf_insn *insns, uint32_t cnt, const struct cache_map_ref *refs,
		      uint32_t nrefs, const uint32_t *ref_slot, struct bpf_insn *out);

/*
 * Inverse of cache_canon_insns for any program over the same slots: copy
 * @insns into @out, each slot reference turned into @handles[slot].  -EINVAL
 * if a slot is out of range.
 */
int cache_relink(const struct bpf_insn *insns, uint32_t cnt,
		 const struct cache_slot_handle *handles, uint32_t nslots, struct bpf_insn *out);

/* The cache key: hex SHA-256 of the canonical program and the optimizer version. */
void cache_key(const struct cache_prog *cp, const char *optimizer_version,
	       char key[CACHE_KEY_LEN + 1]);

/* Whether @key looks like a key (64 lower-case hex digits); keeps paths safe. */
bool cache_key_valid(const char *key);

/* An `ja +0`: what a removed instruction becomes when the length is kept. */
bool cache_insn_is_nop(const struct bpf_insn *insn);

/*
 * A cache entry: the original (canonical) program, the optimized one over the
 * same slots, and the header's free-form parts.
 */
struct cache_entry {
	char key[CACHE_KEY_LEN + 1];
	struct cache_prog orig;
	struct bpf_insn *opt; /* NULL in a queue entry (not optimized yet) */
	uint32_t opt_cnt;
	char optimizer_version[32];
	char kernel_release[65];
	char name[BPF_OBJ_NAME_LEN + 1]; /* the program's name where it was seen; informative */
	int64_t created; /* unix time */
	json_t *proof;	 /* object, may be NULL: the proof record */
	json_t *timings; /* object, may be NULL: e.g. {"search_ms": 12, "check_ms": 3} */
	uint64_t size;	 /* bytes of the file (reads only) */
	void *mem;	 /* reads: holds orig.insns and opt; else NULL (they are freed apart) */
};

void cache_entry_free(struct cache_entry *e);

/* Number of instructions of @insns that are not `ja +0`. */
uint32_t cache_insn_cnt_effective(const struct bpf_insn *insns, uint32_t cnt);

/*
 * Proof records (proof.c, whose opening comment documents the format).  One
 * committed rewrite of the optimizer: instructions [start, start + len) of
 * the program, with its verdict ("equivalent" when proven).
 */
struct cache_proof_window {
	uint32_t start, len;
	uint32_t insns_before, insns_after;
	uint32_t round;
	const char *verdict;
};

/* A proof record; NULL on allocation failure. */
json_t *cache_proof_new(const char *method, const struct cache_proof_window *w, uint32_t nw,
			const char *whole_verdict, bool whole_checked, const char *whole_reason);

/*
 * 0 if @proof is a complete record for @orig -> @opt (every change inside a
 * proven window, or the whole program proven; the whole verdict not
 * "different"); -EBADMSG with the reason in @msg otherwise.
 */
int cache_proof_check(const json_t *proof, const struct bpf_insn *orig, uint32_t orig_cnt,
		      const struct bpf_insn *opt, uint32_t opt_cnt, char *msg, size_t msgsz);

/*
 * The proof record in the form the load path checks (no JSON): flags, and the
 * instruction spans [start, end) of the windows, sorted by start.  The writer
 * derives it from the record (cache_proof_summarize) and stores it in the
 * entry's binary part; the full reader checks that it still matches the
 * record.  cache_proof_check_summary() decides exactly as cache_proof_check()
 * does on the record it came from (tests/unit/test_cache_proof.c checks that).
 */
#define CACHE_PROOF_RECORD (1u << 0)	   /* an object with "windows" and "whole" */
#define CACHE_PROOF_WHOLE_OK (1u << 1)	   /* whole verdict "equivalent" or "unknown" */
#define CACHE_PROOF_WHOLE_PROVEN (1u << 2) /* ... "equivalent" and "checked": true */
#define CACHE_PROOF_WINDOWS_OK (1u << 3)   /* every window's verdict "equivalent" */

struct cache_proof_span {
	uint32_t start, end;
};

struct cache_proof_summary {
	uint32_t flags;
	uint32_t nspans;
	struct cache_proof_span *spans; /* malloc'd by cache_proof_summarize() */
};

int cache_proof_summarize(const json_t *proof, struct cache_proof_summary *s);
int cache_proof_check_summary(uint32_t flags, const struct cache_proof_span *spans,
			      uint32_t nspans, const struct bpf_insn *orig, uint32_t orig_cnt,
			      const struct bpf_insn *opt, uint32_t opt_cnt, char *msg,
			      size_t msgsz);

/*
 * The cache directory.  cache_dir_check(): 0 if @dir exists, is a directory
 * owned by the effective user and writable by nobody else; -ENOENT if it does
 * not exist; -EPERM (with the reason in @msg) if it must not be trusted.
 * cache_dir_prepare(): create it (mode 0700, parents 0755) and its
 * subdirectories if missing, then check it.
 */
int cache_dir_check(const char *dir, char *msg, size_t msgsz);
int cache_dir_prepare(const char *dir, char *msg, size_t msgsz);

enum cache_area {
	CACHE_ENTRIES,	/* <dir>/entries/<key>: optimized programs */
	CACHE_QUEUE,	/* <dir>/queue/<key>: programs waiting for the optimizer */
	CACHE_REJECTED, /* <dir>/rejected/<key>: entries this kernel's verifier refused */
};

int cache_path(const char *dir, enum cache_area area, const char *key, char *buf, size_t bufsz);

#define CACHE_WRITE_NOSYNC (1u << 0) /* skip the fsyncs: losing it in a crash is harmless */
#define CACHE_WRITE_EXCL (1u << 1)   /* -EEXIST if the entry exists already */

/*
 * Write @e atomically (temp file in the same directory, fsync, rename, fsync
 * of the directory).  Readers see the old entry or the new one, never a part.
 */
int cache_entry_write(const char *dir, enum cache_area area, const struct cache_entry *e,
		      unsigned int flags, char *msg, size_t msgsz);

/*
 * Read and check the entry file at @path.  -ENOENT if absent; -EBADMSG if it
 * is malformed, truncated or fails its checksums; -EPERM if it is not a
 * regular file owned by us and writable by nobody else.  @msg says what.
 */
int cache_entry_read(const char *path, struct cache_entry *e, char *msg, size_t msgsz);

/*
 * Look @cp up (@key = cache_key(@cp, @optimizer_version)).  0: @e holds an
 * entry of that key and optimizer version whose stored original equals @cp in
 * full (type, flags, every instruction, every map description) and which has
 * an intact optimized program; otherwise -ENOENT (no entry) or the error of
 * cache_entry_read(), or -EBADMSG for an entry that does not match.  The full
 * comparison stands in for the original's digest and the key's recomputation,
 * which the load path is spared.
 */
int cache_lookup(const char *dir, const struct cache_prog *cp, const char *key,
		 const char *optimizer_version, struct cache_entry *e, char *msg, size_t msgsz);

/*
 * The load path's lookup (hit.c): what the preload needs of an entry, with
 * one read of the file and no JSON.  0: the entry @key of
 * @optimizer_version exists, is ours, intact (checksum), its stored original
 * equals @cp in full, its proof record covers every change (as
 * cache_proof_check()), and @h holds its optimized program relinked to
 * @handles (@cp->nmaps of them), ready for the kernel.  Otherwise -ENOENT (no
 * entry), -EPERM (not ours or writable by others), -EBADMSG (malformed,
 * damaged or not this program), -ENOEXEC (not proven) or -EINVAL (cannot be
 * relinked), with @msg saying what.  Entries of format 1 go through
 * cache_lookup() and cache_proof_check() (slower, same answers).
 */
struct cache_hit {
	struct bpf_insn *opt;
	uint32_t opt_cnt;
	uint32_t orig_effective, opt_effective; /* instructions without `ja +0` */
	void *mem;
};

int cache_hit_lookup(const char *dir, const struct cache_prog *cp, const char *key,
		     const char *optimizer_version, const struct cache_slot_handle *handles,
		     struct cache_hit *h, char *msg, size_t msgsz);

/*
 * A hit from an entry in memory (sync mode's fresh result): takes over @e's
 * optimized program (@e is freed), relinks it to @handles; 0 or -EINVAL.
 */
int cache_hit_from_entry(struct cache_entry *e, const struct cache_slot_handle *handles,
			 uint32_t nslots, struct cache_hit *h);
void cache_hit_free(struct cache_hit *h);

/*
 * Only the parts of cache_dir_check() the load path's hit needs: @dir and
 * <dir>/entries (a miss that queues or retires an entry checks the rest).
 */
int cache_dir_check_entries(const char *dir, char *msg, size_t msgsz);

/* Remove the entry @key (-ENOENT if none). */
int cache_entry_remove(const char *dir, const char *key);

/*
 * Move the entry @key out of the way into <dir>/rejected/: the kernel refused
 * its optimized program where it accepted the original, so trying it again on
 * every load would only double the load time.  Kept for inspection and gc.
 */
int cache_entry_reject(const char *dir, const char *key);

/*
 * Statistics.  Every event is one line appended (O_APPEND, one write) to
 * <dir>/stats.log, so loaders never lock each other out and a crash loses at
 * most the event being written; cache_stats_compact() (from `cache gc`)
 * folds the log into <dir>/stats.json with an atomic write.
 */
enum cache_event {
	CACHE_EV_HIT,	   /* optimized program loaded; @n = bytes saved */
	CACHE_EV_MISS,	   /* no entry */
	CACHE_EV_BAD,	   /* an entry was malformed/mismatched: a miss; @reason says why */
	CACHE_EV_FALLBACK, /* we tried and the original was loaded; @reason says why */
	CACHE_EV_QUEUED,   /* a miss queued for the background optimizer */
	/*
	 * Takes back a hit recorded before the kernel's load, which then refused
	 * the program (@n: its bytes).  The load path records a hit before the
	 * load, while the caches are warm: after a large program's verification
	 * an append cost 20-40 us (11,337 instructions).
	 */
	CACHE_EV_UNHIT,
};

/* Append one event (best effort: returns -errno, changes nothing else). */
int cache_stats_add(const char *dir, enum cache_event ev, uint64_t n, const char *reason);

/*
 * The sums: {"hits", "misses", "bad_entries", "fallbacks", "queued",
 * "bytes_saved", "fallback_reasons": {reason: count}, "bad_reasons": {...}}.
 * NULL and errno on failure.
 */
json_t *cache_stats_read(const char *dir, char *msg, size_t msgsz);
int cache_stats_compact(const char *dir, char *msg, size_t msgsz);

/*
 * Garbage collection (gc.c): remove temp files left by dead writers (older
 * than an hour), malformed entries, entries older than @max_age_s (0: no
 * limit; by mtime), then the oldest entries until the rest fit in @max_bytes
 * (0: no limit); then fold the statistics log.  Entries owned by someone else
 * are left alone and counted.
 */
struct cache_gc_result {
	uint32_t kept, removed_old, removed_size, removed_bad, removed_tmp, foreign;
	uint64_t bytes_kept, bytes_removed;
};

int cache_gc(const char *dir, int64_t max_age_s, uint64_t max_bytes, struct cache_gc_result *r,
	     char *msg, size_t msgsz);

/* Write @data to @path atomically (used for entries and stats.json). */
int cache_write_atomic(const char *path, const void *data, size_t len, unsigned int flags,
		       char *msg, size_t msgsz);

#endif
