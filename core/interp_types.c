// SPDX-License-Identifier: MIT
/*
 * core/interp: the program types whose context is not a packet's metadata --
 * the flow dissector and the tracing types -- as BPF_PROG_TEST_RUN and the
 * verifier show them (net/bpf/test_run.c, net/core/filter.c,
 * kernel/trace/bpf_trace.c).
 *
 * Flow dissector.  bpf_prog_test_run_flow_dissector() hands the program the
 * packet as it came (no headroom; read-only) and a struct bpf_flow_keys
 * that bpf_flow_dissect() zeroes and fills with n_proto (the Ethernet
 * type), nhoff = thoff = 14 and the flags of ctx_in; afterwards it clamps
 * nhoff to [14, len] and thoff to [nhoff, len] (as u16), and data_out is the
 * flow keys.  The program reads __sk_buff's data, data_end (4 bytes) and
 * flow_keys (8), nothing else, and writes anything inside the flow keys.
 * The test run's context has no skb, so bpf_skb_load_bytes() clears its
 * buffer and fails (interp_helpers.c).
 *
 * Tracing (kprobe, tracepoint, raw tracepoint).  The context is opaque bytes
 * from the input (struct pt_regs, the tracepoint's record, the u64
 * arguments), read-only, read with the alignment and bounds the verifier
 * enforces (kprobe: inside pt_regs; tracepoint: not its first 8 bytes;
 * raw tracepoint: 12 u64 arguments); bytes past what the input gives read as
 * zero.  Only raw tracepoints can be test-run.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/interp_internal.h"

#define PT_REGS_SIZE 168		/* sizeof(struct pt_regs), x86-64 */
#define RAW_TP_CTX_SIZE (12 * 8)	/* MAX_BPF_FUNC_ARGS u64s */

/* The bytes of the context a tracing program may read: [lo, hi). */
static void trace_ctx_bounds(uint32_t type, int64_t *lo, int64_t *hi)
{
	*lo = 0;
	switch (type) {
	case BPF_PROG_TYPE_KPROBE:
		*hi = PT_REGS_SIZE;
		break;
	case BPF_PROG_TYPE_TRACEPOINT:
		*lo = 8; /* the common fields are not the program's */
		*hi = INTERP_CTX_MAX;
		break;
	default:
		*hi = RAW_TP_CTX_SIZE;
		break;
	}
}

int interp_types_reset(struct interp_ctx *c, const struct interp_prog *p,
		       const struct interp_input *in, struct interp_result *res)
{
	struct interp_region *pr = &c->regions[R_PKT];

	if (p->type == BPF_PROG_TYPE_FLOW_DISSECTOR) {
		uint16_t proto;

		if (in->pkt_len < ETH_HLEN || in->pkt_len > INTERP_PKT_BUF) {
			snprintf(res->msg, sizeof(res->msg),
				 "packet of %u bytes does not fit the test run", in->pkt_len);
			res->status = INTERP_BAD_INPUT;
			return -EINVAL;
		}
		memcpy(c->pkt, in->pkt, in->pkt_len);
		c->data = c->data0 = c->data_meta = c->mac = c->net = 0;
		c->data_end = c->pkt_hi = in->pkt_len;
		c->pkt_lo = 0;
		c->pkt_len0 = in->pkt_len;
		pr->writable = false;
		pr->lo = 0;
		pr->hi = c->data_end;
		pr->show = 0;
		memset(&c->fkeys, 0, sizeof(c->fkeys));
		memcpy(&proto, in->pkt + 12, 2);
		c->fkeys.n_proto = proto;
		c->fkeys.nhoff = c->fkeys.thoff = ETH_HLEN;
		c->fkeys.flags = in->flow_flags;
		c->regions[R_FKEYS].hi = sizeof(c->fkeys);
		return 0;
	}
	/* tracing: no packet */
	if (in->ctx_len > INTERP_CTX_MAX) {
		snprintf(res->msg, sizeof(res->msg), "ctx of %u bytes: at most %u",
			 in->ctx_len, INTERP_CTX_MAX);
		res->status = INTERP_BAD_INPUT;
		return -EINVAL;
	}
	memset(c->ctxbuf, 0, c->ctx_len);
	if (in->ctx_len)
		memcpy(c->ctxbuf, in->ctx, in->ctx_len);
	c->ctx_len = in->ctx_len;
	c->data = c->data0 = c->data_meta = c->data_end = 0;
	c->pkt_lo = c->pkt_hi = 0;
	pr->lo = pr->hi = pr->show = 0;
	pr->writable = false;
	return 0;
}

void interp_types_finish(struct interp_ctx *c, struct interp_result *res)
{
	if (c->type == BPF_PROG_TYPE_FLOW_DISSECTOR) {
		struct bpf_flow_keys *k = &c->fkeys;
		uint16_t hlen = (uint16_t)(c->data_end - c->data);

		/* bpf_flow_dissect(): clamp_t(u16, ...) */
		if (k->nhoff < ETH_HLEN)
			k->nhoff = ETH_HLEN;
		if (k->nhoff > hlen)
			k->nhoff = hlen;
		if (k->thoff < k->nhoff)
			k->thoff = k->nhoff;
		if (k->thoff > hlen)
			k->thoff = hlen;
		res->pkt = (const uint8_t *)k;
		res->pkt_len = sizeof(*k);
		res->flow_keys = k;
		return;
	}
	res->pkt = NULL;
	res->pkt_len = 0;
}

int interp_types_ctx(struct interp_ctx *c, struct interp_result *res, uint32_t pc, int64_t off,
		     uint32_t size, int mode, uint64_t *val)
{
	int64_t lo, hi;

	if (c->type == BPF_PROG_TYPE_FLOW_DISSECTOR) {
		if (mode != INTERP_READ)
			goto bad;
		if ((off == offsetof(struct __sk_buff, data) ||
		     off == offsetof(struct __sk_buff, data_end)) && size == 4) {
			*val = c->regions[R_PKT].base +
			       (off == offsetof(struct __sk_buff, data) ? c->data : c->data_end);
			return 0;
		}
		if (off == offsetof(struct __sk_buff, flow_keys) && size == 8) {
			*val = c->regions[R_FKEYS].base;
			return 0;
		}
		goto bad;
	}
	trace_ctx_bounds(c->type, &lo, &hi);
	if (mode != INTERP_READ || off < lo || off + size > hi || off % size)
		goto bad;
	*val = 0;
	memcpy(val, c->ctxbuf + off, size); /* little-endian: the low bytes */
	return 0;
bad:
	interp_fault(res, INTERP_FAULT, pc, "%s of %u bytes at ctx%+lld: invalid ctx access",
		     mode == INTERP_READ ? "read" : "write", size, (long long)off);
	return -EFAULT;
}
