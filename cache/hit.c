// SPDX-License-Identifier: MIT
/*
 * cache/hit: the lookup on the load path.
 *
 * Every BPF_PROG_LOAD of a cached program pays for this inside the loader, so
 * it does the least that keeps a hit safe, with one read of the file and no
 * JSON:
 *
 *   open, fstat (regular, ours, writable by nobody else), one pread of the
 *   whole file into one buffer, close;
 *   the binary head (entry2_view): layout, and CRC-32C over all but the
 *   original -- the optimized program, the head with the map descriptions and
 *   the proof summary, and the JSON header;
 *   key, optimizer version, program type and flags, every map description
 *   and every instruction of the stored original compared with the caller's
 *   (the comparison stands in for the original's digest: a damaged or
 *   colliding original does not match);
 *   the proof summary checked against the two programs, as
 *   cache_proof_check() checks the record (every change inside a proven
 *   window, or the whole program proven; the whole verdict not "different");
 *   the optimized program relinked in place, in the buffer we own.
 *
 * Instruction counts without `ja +0` come from the head: the statistics need
 * no pass of their own.  What the JSON header holds beyond the binary part
 * (timings, kernel release, names) does not decide anything here; the full
 * reader (cache_entry_read: `bpfsynth cache`, gc, the worker) checks that
 * the two agree and the SHA-256 digests.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/entry_internal.h"


static int bad(char *msg, size_t msgsz, const char *what)
{
	snprintf(msg, msgsz, "malformed entry: %s", what);
	return -EBADMSG;
}

void cache_hit_free(struct cache_hit *h)
{
	free(h->mem);
	memset(h, 0, sizeof(*h));
}

int cache_hit_from_entry(struct cache_entry *e, const struct cache_slot_handle *handles,
			 uint32_t nslots, struct cache_hit *h)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->opt = e->opt;
	h->opt_cnt = e->opt_cnt;
	h->orig_effective = cache_insn_cnt_effective(e->orig.insns, e->orig.insn_cnt);
	h->opt_effective = cache_insn_cnt_effective(e->opt, e->opt_cnt);
	if (e->mem) {
		h->mem = e->mem; /* holds both programs */
		e->mem = NULL;
		e->orig.insns = NULL;
	} else {
		h->mem = e->opt;
	}
	e->opt = NULL;
	cache_entry_free(e);
	err = h->opt ? cache_relink(h->opt, h->opt_cnt, handles, nslots, h->opt) : -EINVAL;
	if (err)
		cache_hit_free(h);
	return err;
}

/* Format 1: the full reader, the record's own check, then as from memory. */
static int hit_format1(const char *dir, const struct cache_prog *cp, const char *key,
		       const char *optimizer_version, const struct cache_slot_handle *handles,
		       struct cache_hit *h, char *msg, size_t msgsz)
{
	struct cache_entry e;
	int err;

	err = cache_lookup(dir, cp, key, optimizer_version, &e, msg, msgsz);
	if (err)
		return err;
	if (cache_proof_check(e.proof, e.orig.insns, e.orig.insn_cnt, e.opt, e.opt_cnt, msg,
			      msgsz)) {
		cache_entry_free(&e);
		return -ENOEXEC;
	}
	err = cache_hit_from_entry(&e, handles, cp->nmaps, h);
	if (err)
		snprintf(msg, msgsz, "cannot relink");
	return err;
}

/* The caller's program and the entry's head: the same program, as far as the head says? */
static int hit_match(const struct entry2_view *v, const struct cache_prog *cp, const char *key,
		     const char *optimizer_version, char *msg, size_t msgsz)
{
	const struct entry2_head *b = v->head;

	if (memcmp(b->key, key, CACHE_KEY_LEN) ||
	    strncmp(b->optimizer_version, optimizer_version, sizeof(b->optimizer_version)))
		return bad(msg, msgsz, "key or optimizer version differ");
	if (!v->opt)
		return bad(msg, msgsz, "no optimized program");
	if (b->prog_type != cp->prog_type || b->expected_attach_type != cp->expected_attach_type ||
	    b->prog_flags != cp->prog_flags || b->attach_btf_id != cp->attach_btf_id ||
	    b->nmaps != cp->nmaps || memcmp(v->maps, cp->maps, cp->nmaps * sizeof(cp->maps[0])))
		return bad(msg, msgsz, "stored program type or maps differ");
	if (b->orig_cnt != cp->insn_cnt)
		return bad(msg, msgsz, "stored original differs");
	return 0;
}

/*
 * Compare the stored original (@len bytes at @off of @fd) with @insns through
 * the small buffer @scratch: a large entry's original is read in pieces into
 * memory that stays in the cache instead of into fresh pages.
 */
static int hit_compare_orig(int fd, off_t off, const struct bpf_insn *insns, size_t len,
			    void *scratch, size_t scratch_len, char *msg, size_t msgsz)
{
	const char *want = (const char *)insns;
	size_t done, n;
	int err;

	for (done = 0; done < len; done += n) {
		n = len - done < scratch_len ? len - done : scratch_len;
		err = cache_read_at(fd, scratch, n, off + (off_t)done);
		if (err) {
			snprintf(msg, msgsz, "read: %s", strerror(-err));
			return err;
		}
		if (memcmp(scratch, want + done, n))
			return bad(msg, msgsz, "stored original differs");
	}
	return 0;
}

/*
 * Memory for what comes before the original, and the pieces of the original:
 * reused heap memory for small entries, fresh pages only for the optimized
 * program of a large one.
 */
#define HIT_SCRATCH (16u << 10)

int cache_hit_lookup(const char *dir, const struct cache_prog *cp, const char *key,
		     const char *optimizer_version, const struct cache_slot_handle *handles,
		     struct cache_hit *h, char *msg, size_t msgsz)
{
	size_t olen = (size_t)cp->insn_cnt * 8, front, len;
	char path[PATH_MAX];
	struct entry2_view v;
	struct stat st;
	void *buf = NULL, *scratch = NULL;
	int fd, err;

	memset(h, 0, sizeof(*h));
	err = cache_path(dir, CACHE_ENTRIES, key, path, sizeof(path));
	if (err)
		return err;
	fd = cache_entry_open(path, &st, msg, msgsz);
	if (fd < 0)
		return fd;
	/*
	 * One read of all but the original, whose length is the caller's if the
	 * entry is this program (anything else fails the checks below); a
	 * small file is read whole.
	 */
	len = st.st_size;
	if (len > olen + sizeof(struct entry2_head) && olen > HIT_SCRATCH)
		len -= olen;
	buf = malloc(len);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	err = cache_read_at(fd, buf, len, 0);
	if (err) {
		snprintf(msg, msgsz, "%s: read: %s", path, strerror(-err));
		goto out;
	}
	if (!entry2_is(buf, len)) {
		close(fd);
		free(buf);
		return hit_format1(dir, cp, key, optimizer_version, handles, h, msg, msgsz);
	}
	err = entry2_view(buf, len, st.st_size, &v, msg, msgsz);
	if (!err)
		err = hit_match(&v, cp, key, optimizer_version, msg, msgsz);
	if (err)
		goto out;
	front = v.orig_off;
	if (v.orig) {
		if (memcmp(v.orig, cp->insns, olen))
			err = bad(msg, msgsz, "stored original differs");
	} else {
		scratch = malloc(HIT_SCRATCH);
		err = scratch ? hit_compare_orig(fd, (off_t)front, cp->insns, olen, scratch,
						 HIT_SCRATCH, msg, msgsz)
			      : -ENOMEM;
	}
	if (err)
		goto out;
	/*
	 * An entry is code for the kernel: only with a proof of every change.
	 * The stored original is the caller's program now: check against that.
	 */
	if (cache_proof_check_summary(v.head->proof, v.spans, v.head->nspans, cp->insns,
				      cp->insn_cnt, v.opt, v.head->opt_cnt, msg, msgsz)) {
		err = -ENOEXEC;
		goto out;
	}
	h->opt = (struct bpf_insn *)v.opt;
	h->opt_cnt = v.head->opt_cnt;
	h->orig_effective = v.head->orig_effective;
	h->opt_effective = v.head->opt_effective;
	h->mem = buf;
	buf = NULL;
	err = cache_relink(h->opt, h->opt_cnt, handles, cp->nmaps, h->opt);
	if (err) {
		snprintf(msg, msgsz, "cannot relink");
		cache_hit_free(h);
	}
out:
	free(scratch);
	free(buf);
	close(fd);
	return err;
}
