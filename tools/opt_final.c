// SPDX-License-Identifier: MIT
/*
 * The end of `bpfsynth opt`: every program whose code changed (its own or a
 * subprogram's) is loaded from the written object and the original put back
 * where the kernel rejects it or makes it larger; then the report.
 *
 * Putting back has to respect how the proofs were made.  A program whose
 * subprograms did not change went through a chain of its own: its original
 * instructions are a state of that chain.  Programs that call changed
 * subprograms went through chains that interleave (a window of one was
 * taken on the others), and a subprogram's earlier bytes are not a state of
 * every caller's chain once the callers' own instructions moved on: those
 * go back together, every one of them and all of .text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "tools/main.h"
#include "tools/opt_internal.h"

void opt_keep(struct prog_report *r, const char *fmt, ...)
{
	va_list ap;

	r->kept_original = true;
	r->insns_after = r->insns_before;
	r->xlated_after = r->xlated_before;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* Whether .text function @fn's bytes in @o differ from @image's. */
static bool fn_changed(const struct elfw_obj *o, const uint8_t *image, uint32_t fn)
{
	const struct elfw_prog *f = &o->progs[fn];

	return memcmp(o->buf + f->file_off, image + f->file_off,
		      f->cnt * sizeof(struct bpf_insn)) != 0;
}

/* Whether @p calls a subprogram whose bytes changed. */
static bool calls_changed(const struct oobj *ob, const uint8_t *image, const struct oprog *p)
{
	uint32_t s;

	for (s = 0; s < p->lk.nsub; s++)
		if (fn_changed(ob->o, image, p->lk.subs[s].fn))
			return true;
	return false;
}

static void put_back(struct elfw_obj *o, const uint8_t *image, uint32_t fn)
{
	const struct elfw_prog *f = &o->progs[fn];

	memcpy(o->buf + f->file_off, image + f->file_off, f->cnt * sizeof(struct bpf_insn));
}

/*
 * Put program @i back as it was.  If it calls a changed subprogram, its
 * proofs were made together with every other caller of changed subprograms
 * (their chains interleave): all of those and all of .text go back.
 */
static void revert(struct oobj *ob, const uint8_t *image, struct prog_report *rs, size_t i,
		   const char *why)
{
	struct elfw_obj *o = ob->o;
	size_t q, f;

	if (!calls_changed(ob, image, &ob->ps[i])) {
		put_back(o, image, ob->ps[i].fn);
		opt_keep(&rs[i], "%s", why);
		return;
	}
	for (q = 0; q < ob->n; q++) {
		if (!ob->ps[q].lk.len || !calls_changed(ob, image, &ob->ps[q]))
			continue;
		put_back(o, image, ob->ps[q].fn);
		if (q == i)
			opt_keep(&rs[q], "%s", why);
		else
			opt_keep(&rs[q], "kept the original: %s shares changed subprograms with it and "
				     "was put back (%.200s)",
			     ob->ps[i].name, why);
	}
	for (f = 0; f < o->nprogs; f++)
		if (!strcmp(o->progs[f].section, ".text"))
			put_back(o, image, (uint32_t)f);
}

/*
 * Load each program whose code changed from the written object; put the
 * original back where the kernel objects.  True if the object must be
 * written again.
 */
bool opt_final_check(const char *out, struct oobj *ob, const uint8_t *image,
			struct prog_report *rs)
{
	struct bpf_insn *now = NULL;
	size_t i, maxn = 1;

	for (i = 0; i < ob->n; i++)
		if (ob->ps[i].lk.len > maxn)
			maxn = ob->ps[i].lk.len;
	now = malloc(maxn * sizeof(*now));
	for (i = 0; now && i < ob->n; i++) {
		struct oprog *p = &ob->ps[i];
		struct prog_report *r = &rs[i];
		struct kload k = {0};
		char msg[320], why[400];
		uint64_t x, jit = 0;
		int err;

		if (!p->lk.len || !p->kernel)
			continue;
		olink_current(&p->lk, ob->o, ob->o->buf, now);
		if (!memcmp(now, p->lk.tmpl, p->lk.len * sizeof(*now)))
			continue;
		k.prog = p->name;
		k.type = p->set_type;
		err = kernel_load(&k, out, NULL, 0, true, &x, &jit, msg, sizeof(msg));
		if (!err && (x < p->xlated_orig || (x == p->xlated_orig && jit <= p->jited_orig))) {
			r->xlated_after = x;
			continue;
		}
		if (err)
			snprintf(why, sizeof(why), "kept the original: loading %s: %s", out, msg);
		else if (x > p->xlated_orig)
			snprintf(why, sizeof(why), "kept the original: xlated %llu > %llu from %s",
				 (unsigned long long)x, (unsigned long long)p->xlated_orig, out);
		else
			snprintf(why, sizeof(why),
				 "kept the original: as long, jited %llu > %llu bytes from %s",
				 (unsigned long long)jit, (unsigned long long)p->jited_orig, out);
		revert(ob, image, rs, i, why);
		free(now);
		return true;
	}
	free(now);
	return false;
}

/* The report's numbers, from the object as written. */
void opt_settle(struct oobj *ob, const uint8_t *image, struct prog_report *rs)
{
	struct bpf_insn *now;
	size_t i;

	for (i = 0; i < ob->n; i++) {
		struct oprog *p = &ob->ps[i];
		struct prog_report *r = &rs[i];

		r->name = p->name;
		r->section = p->section;
		r->type = p->type;
		r->kernel = p->kernel;
		r->xlated_before = p->xlated_orig;
		if (!p->lk.len) {
			r->insns_before = r->insns_after =
				p->ep ? opt_count_insns(p->ep->insns, p->ep->cnt) : 0;
			continue;
		}
		r->insns_before = opt_count_insns(p->lk.tmpl, p->lk.len);
		now = malloc(p->lk.len * sizeof(*now));
		if (!now)
			continue;
		olink_current(&p->lk, ob->o, ob->o->buf, now);
		r->insns_after = opt_count_insns(now, p->lk.len);
		if (!memcmp(now, p->lk.tmpl, p->lk.len * sizeof(*now)))
			r->xlated_after = r->xlated_before;
		else if (!r->kept_original && p->shared_in && !r->windows)
			r->reason[0] = '\0'; /* its subprograms improved by other programs' runs */
		free(now);
		if (r->kept_original)
			r->insns_after = r->insns_before;
		if (!p->skip && p->note[0] && !r->kept_original && !r->reason[0] &&
		    !strncmp(p->note, "not judged", 10))
			snprintf(r->reason, sizeof(r->reason), "%s", p->note);
	}
	(void)image;
}

/* The .text functions @p calls whose bytes OUT.o changes. */
static json_t *changed_subs(const struct oobj *ob, const uint8_t *image, const struct oprog *p)
{
	json_t *arr = json_array();
	uint32_t s;

	for (s = 0; arr && s < p->lk.nsub; s++)
		if (fn_changed(ob->o, image, p->lk.subs[s].fn))
			json_array_append_new(arr,
					      json_string(ob->o->progs[p->lk.subs[s].fn].name));
	return arr;
}

void opt_report(const struct oobj *ob, const uint8_t *image, const struct prog_report *rs)
{
	json_t *arr = json_output ? json_array() : NULL;
	size_t i;

	for (i = 0; i < ob->n; i++) {
		const struct prog_report *r = &rs[i];
		const struct oprog *p = &ob->ps[i];
		const char *tname = libbpf_bpf_prog_type_str(r->type) ?: "unknown";
		json_t *subs;

		if (!p->selected)
			continue;
		subs = changed_subs(ob, image, p);
		if (arr) {
			json_t *o = json_pack(
				"{s:s,s:s,s:s,s:I,s:I,s:o,s:o,s:I,s:s,s:s,s:f,s:b,s:o,s:I,s:I,s:o,s:o}",
				"name", r->name, "section", r->section, "type", tname,
				"insns_before", (json_int_t)r->insns_before, "insns_after",
				(json_int_t)r->insns_after, "xlated_before",
				r->kernel ? json_integer((json_int_t)r->xlated_before)
					  : json_null(),
				"xlated_after",
				r->kernel ? json_integer((json_int_t)r->xlated_after) : json_null(),
				"windows", (json_int_t)r->windows, "whole",
				r->whole_equiv ? "equivalent" : "unknown", "whole_msg",
				r->whole_msg, "seconds", r->seconds, "kept_original",
				r->kept_original, "reason",
				r->reason[0] ? json_string(r->reason) : json_null(),
				"subprog_windows", (json_int_t)p->sub_windows,
				"subprog_windows_from_others", (json_int_t)p->shared_in,
				"subprogs_changed",
				subs ?: json_array(), "shared",
				p->note[0] && strncmp(p->note, "not judged", 10)
					? json_string(p->note)
					: json_null());

			json_array_append_new(arr, o);
			continue;
		}
		if (r->kept_original && !strncmp(r->reason, "skipped: ", 9)) {
			printf("%s: %s\n", r->name, r->reason);
			json_decref(subs);
			continue;
		}
		printf("%s: insns %u -> %u (%+.1f%%)", r->name, r->insns_before, r->insns_after,
		       r->insns_before ? 100.0 * ((double)r->insns_after - r->insns_before) /
						 r->insns_before
				       : 0.0);
		if (r->kernel)
			printf(", xlated %llu -> %llu", (unsigned long long)r->xlated_before,
			       (unsigned long long)r->xlated_after);
		printf(", windows %u, proof: windows proven, whole program %s (%s), %.1f s",
		       r->windows, r->whole_equiv ? "EQUIVALENT" : "not checked", r->whole_msg,
		       r->seconds);
		if (subs && json_array_size(subs)) {
			size_t k;

			printf("; subprograms changed:");
			for (k = 0; k < json_array_size(subs); k++)
				printf(" %s", json_string_value(json_array_get(subs, k)));
			printf(" (windows there: %u of its own, %u from other programs' runs)",
			       p->sub_windows, p->shared_in);
		}
		if (p->note[0] && strncmp(p->note, "not judged", 10))
			printf("; %s", p->note);
		if (r->reason[0])
			printf("; %s", r->reason);
		printf("\n");
		json_decref(subs);
	}
	if (arr)
		json_print(arr);
}

