// SPDX-License-Identifier: MIT
/*
 * cache/entry2: the layout of an entry file, format 2 (see cache.c for the
 * file as a whole and entry_internal.h for the binary head).
 *
 *   struct entry2_head                      fixed, 184 bytes
 *   struct cache_map_desc[nmaps]            by slot, 52 bytes each
 *   struct cache_proof_span[nspans]         the proof record's windows, sorted
 *   zero padding to bin_len (a multiple of 8)
 *   optimized: opt_cnt x 8 bytes            over the same slots (none in a queue entry)
 *   JSON header: json_len bytes             for tools; cache.c parses it
 *   zero padding to a multiple of 8
 *   original: orig_cnt x 8 bytes            canonical, as the kernel takes it
 *
 * The checksum is CRC-32C over everything before the original, with the
 * checksum field zero.  The original is left out: the load path compares it
 * with the caller's program in full, the full reader checks it against the
 * JSON's digest and the key, so a damaged original is caught either way.  It
 * comes last so that the load path can read everything else with one pread
 * into one buffer and compare the original piece by piece through a small
 * one: fresh memory costs more than the copy (hit.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/crc32c.h"
#include "cache/entry_internal.h"

static int bad(char *msg, size_t msgsz, const char *what)
{
	snprintf(msg, msgsz, "malformed entry: %s", what);
	return -EBADMSG;
}

static size_t bin_len_of(uint32_t nmaps, uint32_t nspans)
{
	size_t n = sizeof(struct entry2_head) + (size_t)nmaps * sizeof(struct cache_map_desc) +
		   (size_t)nspans * sizeof(struct cache_proof_span);

	return (n + 7) & ~(size_t)7;
}

static size_t json_end_of(const struct entry2_head *h)
{
	return ((size_t)h->bin_len + (size_t)h->opt_cnt * 8 + h->json_len + 7) & ~(size_t)7;
}

/* CRC-32C of the @len bytes before the original, as entry2_head.checksum must be. */
static uint32_t entry2_checksum(const uint8_t *buf, size_t len)
{
	size_t off = offsetof(struct entry2_head, checksum);
	uint32_t zero = 0, c;

	c = crc32c(0, buf, off);
	c = crc32c(c, &zero, 4);
	return crc32c(c, buf + off + 4, len - off - 4);
}

int entry2_is(const void *buf, size_t size)
{
	return size >= sizeof(ENTRY2_MAGIC) - 1 &&
	       !memcmp(buf, ENTRY2_MAGIC, sizeof(ENTRY2_MAGIC) - 1);
}

int entry2_view(const void *buf, size_t len, size_t size, struct entry2_view *v, char *msg,
		size_t msgsz)
{
	const struct entry2_head *h = buf;
	const uint8_t *b = buf;
	size_t need, front;

	if (len < sizeof(*h) || memcmp(h->magic, ENTRY2_MAGIC, sizeof(h->magic)))
		return bad(msg, msgsz, "first line");
	if (h->byte_order != ENTRY2_BYTE_ORDER)
		return bad(msg, msgsz, "byte order");
	if (!h->orig_cnt || h->orig_cnt > ENTRY2_MAX_INSNS || h->opt_cnt > ENTRY2_MAX_INSNS ||
	    h->nmaps > CACHE_MAX_MAPS || h->nspans > ENTRY2_MAX_INSNS ||
	    h->orig_effective > h->orig_cnt || h->opt_effective > h->opt_cnt)
		return bad(msg, msgsz, "counts");
	if (h->bin_len != bin_len_of(h->nmaps, h->nspans))
		return bad(msg, msgsz, "binary header length");
	front = json_end_of(h);
	need = front + (size_t)h->orig_cnt * 8;
	if (need != size)
		return bad(msg, msgsz, "file length does not match the header (truncated?)");
	if (len < front)
		return bad(msg, msgsz, "short read");
	if (entry2_checksum(b, front) != h->checksum)
		return bad(msg, msgsz, "checksum mismatch");
	if (memchr(h->optimizer_version, '\0', sizeof(h->optimizer_version)) == NULL)
		return bad(msg, msgsz, "optimizer_version");
	v->head = h;
	v->maps = (const struct cache_map_desc *)(b + sizeof(*h));
	v->spans = (const struct cache_proof_span *)(b + sizeof(*h) +
						      h->nmaps * sizeof(struct cache_map_desc));
	v->opt = h->opt_cnt ? (const struct bpf_insn *)(b + h->bin_len) : NULL;
	v->json = (const char *)(b + h->bin_len + (size_t)h->opt_cnt * 8);
	v->json_len = h->json_len;
	v->orig_off = front;
	v->orig = len >= size ? (const struct bpf_insn *)(b + front) : NULL;
	return 0;
}

int entry2_encode(const struct cache_entry *e, const char *json, size_t json_len, void **out,
		  size_t *outlen, char *msg, size_t msgsz)
{
	const struct cache_prog *cp = &e->orig;
	struct cache_proof_summary ps;
	struct entry2_head *h;
	size_t bin, olen, plen, front, total;
	uint8_t *buf;
	int err;

	if (cp->nmaps > CACHE_MAX_MAPS || cp->insn_cnt > ENTRY2_MAX_INSNS ||
	    (e->opt && e->opt_cnt > ENTRY2_MAX_INSNS) ||
	    strlen(e->optimizer_version) >= sizeof(h->optimizer_version)) {
		snprintf(msg, msgsz, "entry too large for the format");
		return -E2BIG;
	}
	err = cache_proof_summarize(e->proof, &ps);
	if (err) {
		snprintf(msg, msgsz, "cannot summarize the proof record");
		return err;
	}
	bin = bin_len_of(cp->nmaps, ps.nspans);
	olen = (size_t)cp->insn_cnt * 8;
	plen = e->opt ? (size_t)e->opt_cnt * 8 : 0;
	front = (bin + plen + json_len + 7) & ~(size_t)7;
	total = front + olen;
	buf = calloc(1, total); /* the padding is zero */
	if (!buf) {
		free(ps.spans);
		return -ENOMEM;
	}
	h = (struct entry2_head *)buf;
	memcpy(h->magic, ENTRY2_MAGIC, sizeof(ENTRY2_MAGIC) - 1);
	h->byte_order = ENTRY2_BYTE_ORDER;
	h->bin_len = bin;
	h->json_len = json_len;
	h->orig_cnt = cp->insn_cnt;
	h->opt_cnt = e->opt ? e->opt_cnt : 0;
	h->orig_effective = cache_insn_cnt_effective(cp->insns, cp->insn_cnt);
	h->opt_effective = e->opt ? cache_insn_cnt_effective(e->opt, e->opt_cnt) : 0;
	h->prog_type = cp->prog_type;
	h->expected_attach_type = cp->expected_attach_type;
	h->prog_flags = cp->prog_flags;
	h->attach_btf_id = cp->attach_btf_id;
	h->nmaps = cp->nmaps;
	h->nspans = ps.nspans;
	h->proof = ps.flags;
	memcpy(h->key, e->key, CACHE_KEY_LEN);
	memcpy(h->optimizer_version, e->optimizer_version, strlen(e->optimizer_version));
	memcpy(buf + sizeof(*h), cp->maps, cp->nmaps * sizeof(cp->maps[0]));
	if (ps.nspans)
		memcpy(buf + sizeof(*h) + cp->nmaps * sizeof(cp->maps[0]), ps.spans,
		       ps.nspans * sizeof(ps.spans[0]));
	free(ps.spans);
	if (plen)
		memcpy(buf + bin, e->opt, plen);
	memcpy(buf + bin + plen, json, json_len);
	memcpy(buf + front, cp->insns, olen);
	h->checksum = entry2_checksum(buf, front);
	*out = buf;
	*outlen = total;
	return 0;
}
