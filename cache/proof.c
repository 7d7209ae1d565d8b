// SPDX-License-Identifier: MIT
/*
 * cache/proof: the proof record of an entry, and whether it is complete.
 *
 * An entry's optimized program is loaded into the kernel in place of the
 * caller's, so the loaders (the preload's hit path) want more than "an
 * optimizer wrote it": they want the record of why it is equivalent.  The
 * record is the header's "proof" object:
 *
 *   {"method": "core/optimize", "windows": [{"start", "len", "insns_before",
 *    "insns_after", "round", "verdict": "equivalent"}, ...],
 *    "whole": {"checked": bool, "verdict": "equivalent"|"unknown"|"different",
 *              "reason": "..."}, ...anything else (rounds, seconds, stats)}
 *
 * The windows are the rewrites core/optimize committed, each proven by
 * core/smt in the program as it was at that point (proofs compose by
 * transitivity); "whole" is the check of the output against the input.
 *
 * A record is complete when
 *  - the whole-program verdict is not "different" (a window proof that the
 *    whole check contradicts means a bug somewhere: never load that), and
 *  - either the whole program was proven equivalent, or the two programs have
 *    the same length and every instruction where they differ lies inside a
 *    window whose verdict is "equivalent".
 * A program identical to its original needs no record at all: loading it is
 * loading what the caller asked for.  This does not prove
 * anything again (that is `bpfsynth cache verify`); it refuses entries whose
 * record does not even claim a proof of every change.
 *
 * Pure functions on JSON and instructions: nothing here knows core/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"

json_t *cache_proof_new(const char *method, const struct cache_proof_window *w, uint32_t nw,
			const char *whole_verdict, bool whole_checked, const char *whole_reason)
{
	json_t *p, *arr;
	uint32_t i;

	arr = json_array();
	for (i = 0; arr && i < nw; i++)
		if (json_array_append_new(arr,
					  json_pack("{s:I,s:I,s:I,s:I,s:I,s:s}", "start",
						    (json_int_t)w[i].start, "len",
						    (json_int_t)w[i].len, "insns_before",
						    (json_int_t)w[i].insns_before, "insns_after",
						    (json_int_t)w[i].insns_after, "round",
						    (json_int_t)w[i].round, "verdict",
						    w[i].verdict ? w[i].verdict : "unknown"))) {
			json_decref(arr);
			return NULL;
		}
	if (!arr)
		return NULL;
	p = json_pack("{s:s,s:o,s:{s:b,s:s,s:s}}", "method", method, "windows", arr, "whole",
		      "checked", whole_checked, "verdict", whole_verdict, "reason",
		      whole_reason ? whole_reason : "");
	return p;
}

static const char *verdict_of(json_t *o)
{
	const char *v = json_string_value(json_object_get(o, "verdict"));

	return v ? v : "";
}

int cache_proof_check(const json_t *proof, const struct bpf_insn *orig, uint32_t orig_cnt,
		      const struct bpf_insn *opt, uint32_t opt_cnt, char *msg, size_t msgsz)
{
	json_t *p = (json_t *)proof, *windows, *whole, *w;
	const char *wv;
	uint32_t i;
	size_t k;

	if (orig_cnt == opt_cnt && !memcmp(orig, opt, (size_t)orig_cnt * sizeof(*orig)))
		return 0;
	if (!json_is_object(p)) {
		snprintf(msg, msgsz, "no proof record");
		return -EBADMSG;
	}
	whole = json_object_get(p, "whole");
	windows = json_object_get(p, "windows");
	if (!json_is_object(whole) || !json_is_array(windows)) {
		snprintf(msg, msgsz, "proof record without windows or whole verdict");
		return -EBADMSG;
	}
	wv = verdict_of(whole);
	if (strcmp(wv, "equivalent") && strcmp(wv, "unknown")) {
		snprintf(msg, msgsz, "whole-program verdict '%s'", wv);
		return -EBADMSG;
	}
	json_array_foreach(windows, k, w)
	{
		if (strcmp(verdict_of(w), "equivalent")) {
			snprintf(msg, msgsz, "window %zu not proven ('%s')", k, verdict_of(w));
			return -EBADMSG;
		}
	}
	if (!strcmp(wv, "equivalent") && json_is_true(json_object_get(whole, "checked")))
		return 0;
	if (orig_cnt != opt_cnt) {
		snprintf(msg, msgsz, "length changed without a whole-program proof");
		return -EBADMSG;
	}
	for (i = 0; i < orig_cnt; i++) {
		bool covered = false;

		if (!memcmp(&orig[i], &opt[i], sizeof(orig[i])))
			continue;
		json_array_foreach(windows, k, w)
		{
			json_int_t s = json_integer_value(json_object_get(w, "start"));
			json_int_t n = json_integer_value(json_object_get(w, "len"));

			if (s >= 0 && n > 0 && (json_int_t)i >= s && (json_int_t)i < s + n) {
				covered = true;
				break;
			}
		}
		if (!covered) {
			snprintf(msg, msgsz, "insn %u changed outside every proven window", i);
			return -EBADMSG;
		}
	}
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct cache_proof_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int cache_proof_summarize(const json_t *proof, struct cache_proof_summary *s)
{
	json_t *p = (json_t *)proof, *windows, *whole, *w;
	const char *wv;
	size_t k;

	memset(s, 0, sizeof(*s));
	whole = json_object_get(p, "whole");
	windows = json_object_get(p, "windows");
	if (!json_is_object(p) || !json_is_object(whole) || !json_is_array(windows))
		return 0;
	s->flags = CACHE_PROOF_RECORD | CACHE_PROOF_WINDOWS_OK;
	wv = verdict_of(whole);
	if (!strcmp(wv, "equivalent") || !strcmp(wv, "unknown"))
		s->flags |= CACHE_PROOF_WHOLE_OK;
	if (!strcmp(wv, "equivalent") && json_is_true(json_object_get(whole, "checked")))
		s->flags |= CACHE_PROOF_WHOLE_PROVEN;
	s->spans = malloc(sizeof(*s->spans) * (json_array_size(windows) + 1));
	if (!s->spans)
		return -ENOMEM;
	json_array_foreach(windows, k, w)
	{
		json_int_t st = json_integer_value(json_object_get(w, "start"));
		json_int_t n = json_integer_value(json_object_get(w, "len"));

		if (strcmp(verdict_of(w), "equivalent"))
			s->flags &= ~CACHE_PROOF_WINDOWS_OK;
		/* What cache_proof_check() counts as covering; no instruction index reaches 2^32. */
		if (st < 0 || n <= 0 || st > (json_int_t)UINT32_MAX)
			continue;
		s->spans[s->nspans].start = (uint32_t)st;
		s->spans[s->nspans].end =
			n > (json_int_t)UINT32_MAX - st ? UINT32_MAX : (uint32_t)(st + n);
		s->nspans++;
	}
	qsort(s->spans, s->nspans, sizeof(*s->spans), span_cmp);
	return 0;
}

int cache_proof_check_summary(uint32_t flags, const struct cache_proof_span *spans,
			      uint32_t nspans, const struct bpf_insn *orig, uint32_t orig_cnt,
			      const struct bpf_insn *opt, uint32_t opt_cnt, char *msg,
			      size_t msgsz)
{
	uint32_t i, k = 0, reach = 0;

	if (orig_cnt == opt_cnt && !memcmp(orig, opt, (size_t)orig_cnt * sizeof(*orig)))
		return 0;
	if (!(flags & CACHE_PROOF_RECORD)) {
		snprintf(msg, msgsz, "no proof record");
		return -EBADMSG;
	}
	if (!(flags & CACHE_PROOF_WHOLE_OK)) {
		snprintf(msg, msgsz, "whole-program verdict neither equivalent nor unknown");
		return -EBADMSG;
	}
	if (!(flags & CACHE_PROOF_WINDOWS_OK)) {
		snprintf(msg, msgsz, "a window not proven");
		return -EBADMSG;
	}
	if (flags & CACHE_PROOF_WHOLE_PROVEN)
		return 0;
	if (orig_cnt != opt_cnt) {
		snprintf(msg, msgsz, "length changed without a whole-program proof");
		return -EBADMSG;
	}
	/* Spans sorted by start: the furthest end among those starting at or before i. */
	for (i = 0; i < orig_cnt; i++) {
		if (!memcmp(&orig[i], &opt[i], sizeof(orig[i])))
			continue;
		for (; k < nspans && spans[k].start <= i; k++)
			if (spans[k].end > reach)
				reach = spans[k].end;
		if (i >= reach) {
			snprintf(msg, msgsz, "insn %u changed outside every proven window", i);
			return -EBADMSG;
		}
	}
	return 0;
}
