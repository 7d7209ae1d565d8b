// SPDX-License-Identifier: MIT
/*
 * core/analysis: states as text, in the style of the verifier's log
 * (print_verifier_state()), so that a state can be read next to the
 * kernel's: "R1=ctx() R2=pkt(off=14,r=34) R3=255 R10=fp0 fp-8=mmmmmmmm".
 *
 * Constants print in decimal when small and in hex otherwise; a scalar
 * that is not constant prints the bounds and known bits that say more than
 * "anything" (scalar(umax=255,var_off=(0x0; 0xff))).  Stack slots print the
 * spilled register, or one character per byte from fp-1 downwards as the
 * kernel does: 'm' written, '?' not written on every path.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/analysis_internal.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->len += (size_t)n;
	if (o->len >= o->size)
		o->len = o->size - 1;
}

static void put_num(struct out *o, int64_t v)
{
	if (v >= -512 && v <= 1024)
		put(o, "%" PRId64, v);
	else if (v < 0 && v > INT32_MIN)
		put(o, "-%#" PRIx64, (uint64_t)-v);
	else
		put(o, "%#" PRIx64, (uint64_t)v);
}

static void put_scalar(struct out *o, const struct analysis_scalar *s, bool *first)
{
	if (s->smin != INT64_MIN) {
		put(o, "%ssmin=", *first ? "" : ",");
		put_num(o, s->smin);
		*first = false;
	}
	if (s->smax != INT64_MAX) {
		put(o, "%ssmax=", *first ? "" : ",");
		put_num(o, s->smax);
		*first = false;
	}
	if (s->umin != 0) {
		put(o, "%sumin=", *first ? "" : ",");
		put_num(o, (int64_t)s->umin);
		*first = false;
	}
	if (s->umax != UINT64_MAX) {
		put(o, "%sumax=", *first ? "" : ",");
		put_num(o, (int64_t)s->umax);
		*first = false;
	}
	if (s->mask != ~0ull) {
		put(o, "%svar_off=(0x%" PRIx64 "; 0x%" PRIx64 ")", *first ? "" : ",", s->value,
		    s->mask);
		*first = false;
	}
}

static void put_reg(struct out *o, const struct analysis *a, const struct analysis_reg *r)
{
	static const char *const names[] = {
		[ANALYSIS_NOT_INIT] = "?",
		[ANALYSIS_SCALAR] = "scalar",
		[ANALYSIS_CTX] = "ctx",
		[ANALYSIS_STACK] = "fp",
		[ANALYSIS_PKT] = "pkt",
		[ANALYSIS_PKT_END] = "pkt_end",
		[ANALYSIS_PKT_META] = "pkt_meta",
		[ANALYSIS_MAP_PTR] = "map_ptr",
		[ANALYSIS_MAP_VALUE] = "map_value",
		[ANALYSIS_MAP_VALUE_OR_NULL] = "map_value_or_null",
		[ANALYSIS_UNKNOWN] = "unknown",
	};
	const struct analysis_map *m;
	bool first = true, var;

	if (r->type == ANALYSIS_SCALAR && analysis_scalar_is_const(&r->s)) {
		put_num(o, (int64_t)r->s.value);
		return;
	}
	var = !analysis_scalar_is_const(&r->s) || r->s.value != 0;
	if (r->type == ANALYSIS_STACK && !var) {
		put(o, "fp%d", r->off);
		return;
	}
	put(o, "%s(", r->type < sizeof(names) / sizeof(names[0]) ? names[r->type] : "?");
	if (r->type == ANALYSIS_SCALAR) {
		put_scalar(o, &r->s, &first);
		put(o, ")");
		return;
	}
	if (r->type == ANALYSIS_NOT_INIT || r->type == ANALYSIS_UNKNOWN) {
		put(o, ")");
		return;
	}
	if ((r->type == ANALYSIS_PKT || r->type == ANALYSIS_PKT_META ||
	     r->type == ANALYSIS_MAP_VALUE_OR_NULL) &&
	    r->id) {
		put(o, "id=%#x", r->id);
		first = false;
	}
	if (r->off) {
		put(o, "%soff=%d", first ? "" : ",", r->off);
		first = false;
	}
	if (r->type == ANALYSIS_PKT) {
		put(o, "%sr=%u", first ? "" : ",", r->range);
		first = false;
	}
	if (r->type == ANALYSIS_MAP_PTR || r->type == ANALYSIS_MAP_VALUE ||
	    r->type == ANALYSIS_MAP_VALUE_OR_NULL) {
		m = analysis_map_of(a, r);
		if (m)
			put(o, "%smap=%d,ks=%u,vs=%u", first ? "" : ",", m->ref, m->key_size,
			    m->value_size);
		else
			put(o, "%smap=?", first ? "" : ",");
		first = false;
	}
	if (var)
		put_scalar(o, &r->s, &first);
	put(o, ")");
}

int analysis_reg_str(const struct analysis *a, const struct analysis_reg *r, char *buf,
		     size_t bufsz)
{
	struct out o = {buf, bufsz, 0};

	if (!buf || !bufsz)
		return -EINVAL;
	buf[0] = 0;
	put_reg(&o, a, r);
	return (int)o.len;
}

int analysis_state_fmt(const struct analysis *a, const struct analysis_state *st, char *buf,
		       size_t bufsz)
{
	struct out o = {buf, bufsz, 0};
	unsigned int r, k, j;

	if (!buf || !bufsz)
		return -EINVAL;
	buf[0] = 0;
	if (!st->reached)
		return -ENOENT;
	for (r = 0; r < ANALYSIS_NREGS; r++) {
		if (st->regs[r].type == ANALYSIS_NOT_INIT)
			continue;
		put(&o, "%sR%u=", o.len ? " " : "", r);
		put_reg(&o, a, &st->regs[r]);
	}
	for (k = 0; k < ANALYSIS_NSLOTS; k++) {
		const struct analysis_slot *sl = &st->slots[k];

		if (!sl->init && !sl->spilled)
			continue;
		put(&o, "%sfp%d=", o.len ? " " : "", -8 * (int)(k + 1));
		if (sl->spilled) {
			put_reg(&o, a, &sl->reg);
			continue;
		}
		for (j = 0; j < 8; j++)
			put(&o, "%c", sl->init >> (7 - j) & 1 ? 'm' : '?');
	}
	return (int)o.len;
}

int analysis_state_str(const struct analysis *a, uint32_t i, char *buf, size_t bufsz)
{
	struct analysis_state *st;
	int err;

	if (!buf || !bufsz)
		return -EINVAL;
	buf[0] = 0;
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	err = analysis_state(a, i, st);
	if (!err)
		err = analysis_state_fmt(a, st, buf, bufsz);
	free(st);
	return err;
}
