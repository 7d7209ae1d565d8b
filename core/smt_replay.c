// SPDX-License-Identifier: MIT
/*
 * core/smt: counterexamples replayed in core/interp.
 *
 * A model of "some observable differs" is only a claim: the encoding may
 * disagree with the kernel, or the model's input may be one the kernel
 * cannot give.  So the concrete input (struct smt_cex) is run on both
 * programs in the interpreter, which the kernel differential tests hold to
 * the kernel's semantics, and DIFFERENT is answered only if the runs
 * differ: a fault in one and not the other, r0 (as wide as the program
 * type makes it), the packet, the __sk_buff fields, the helper calls, or a
 * map's contents.  Helper results go in as the interpreter takes them:
 * bpf_get_prandom_u32() values in order, bpf_ktime_get_ns() as a first value
 * and a step, the CPU number; a tracing program's ctx as the model's bytes.
 *
 * Windows are not programs: a prologue stores the counterexample's stack
 * and sets its registers (pointers derived from r1, the ctx at entry, and
 * from r10), the window runs, and an epilogue moves the observable that
 * differs into r0 (a register, a stack byte) or exits (memory, faults).
 * Windows entered with map value pointers are not replayed (UNKNOWN).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/smt_internal.h"

/*
 * The types core/interp runs as the kernel does (interp_prog__new()), whose
 * counterexamples replay as their own type; the others replay as XDP, which
 * confirms only differences that do not depend on the context.  The model's
 * inputs fit them: the packet from data (the flow dissector's starts at the
 * Ethernet header, as XDP's and tc's), the tracing types' context as the
 * model's ctx bytes (read-only: the verifier refuses writes), and no flow
 * keys (the encoder does not model them: such programs are UNKNOWN before
 * any replay).
 */
static bool interp_type(uint32_t t)
{
	switch (t) {
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		return true;
	}
	return false;
}

static bool trace_type(uint32_t t)
{
	return t == BPF_PROG_TYPE_KPROBE || t == BPF_PROG_TYPE_TRACEPOINT ||
	       t == BPF_PROG_TYPE_RAW_TRACEPOINT;
}

struct run {
	struct interp_prog *p;
	struct interp_ctx *c;
	struct interp_result r;
};

static void run_free(struct run *r)
{
	interp_prog__free(r->p);
	interp_ctx__free(r->c);
}

static int run_one(struct run *r, const struct bpf_insn *insns, size_t len, uint32_t type,
		   const struct smt_env *env, const struct interp_input *in, char *msg,
		   size_t msgsz)
{
	r->p = interp_prog__new(insns, len, type, msg, msgsz);
	if (!r->p)
		return -1;
	r->c = interp_ctx__new(env->maps, env->nmaps, msg, msgsz);
	if (!r->c)
		return -1;
	if (interp_run(r->c, r->p, in, &r->r)) {
		snprintf(msg, msgsz, "%s", r->r.msg);
		return -1;
	}
	return 0;
}

/* The next call of @r at or after *@k that is an event, or NULL. */
static const struct interp_call *next_event(const struct smt_env *env,
					    const struct interp_result *r, uint32_t *k)
{
	for (; *k < r->ncalls; (*k)++)
		if (smt_call_is_event(env, r->calls[*k].helper))
			return &r->calls[(*k)++];
	return NULL;
}

bool smt_calls_differ(const struct smt_env *env, const struct interp_result *x,
		      const struct interp_result *y, char *why, size_t whysz)
{
	bool full = x->ncalls == x->ncalls_total && y->ncalls == y->ncalls_total;
	uint32_t i = 0, j = 0, n;

	for (n = 0;; n++) {
		const struct interp_call *p = next_event(env, x, &i), *q = next_event(env, y, &j);
		unsigned a;

		if (!p || !q) {
			if ((p || q) && full) {
				if (why)
					snprintf(why, whysz, "one program makes more helper calls");
				return true;
			}
			return false;
		}
		if (p->helper != q->helper) {
			if (why)
				snprintf(why, whysz, "helper call %u: helper %d vs %d", n,
					 p->helper, q->helper);
			return true;
		}
		/*
		 * the arguments the helper takes; a pointer to memory it reads counts by
		 * its bytes, not its address
		 */
		for (a = 0; a < 5; a++)
			if (smt_helper_arg_counts(p->helper, a) && p->args[a] != q->args[a]) {
				if (why)
					snprintf(why, whysz, "helper call %u: argument %u differs",
						 n, a + 1);
				return true;
			}
		if (!p->mem_truncated && !q->mem_truncated &&
		    (p->mem_len != q->mem_len || memcmp(p->mem, q->mem, p->mem_len))) {
			if (why)
				snprintf(why, whysz, "helper call %u: the bytes it reads differ", n);
			return true;
		}
	}
}

/* Do the two runs differ observably?  (*why names how.) */
static bool runs_differ(const struct smt_env *env, struct run *a, struct run *b, char *why,
			size_t whysz)
{
	const struct interp_result *x = &a->r, *y = &b->r;
	uint32_t m;

	if ((x->status != INTERP_OK && x->status != INTERP_FAULT) ||
	    (y->status != INTERP_OK && y->status != INTERP_FAULT)) {
		snprintf(why, whysz, "interpreter could not run it: %.120s",
			 x->status != INTERP_OK && x->status != INTERP_FAULT ? x->msg : y->msg);
		return false;
	}
	if (x->status != y->status) {
		snprintf(why, whysz, "one program faults: %.120s",
			 x->status == INTERP_FAULT ? x->msg : y->msg);
		return true;
	}
	if (x->status == INTERP_FAULT) {
		snprintf(why, whysz, "both programs fault in the interpreter");
		return false;
	}
	if (smt_ret_is_32bit(env->prog_type) ? x->retval != y->retval : x->r0 != y->r0) {
		snprintf(why, whysz, "r0 0x%llx vs 0x%llx", (unsigned long long)x->r0,
			 (unsigned long long)y->r0);
		return true;
	}
	/* the flow dissector's "packet" out is its flow keys; tracing has none */
	if (x->pkt_len != y->pkt_len || x->meta_len != y->meta_len ||
	    (x->pkt_len && memcmp(x->pkt, y->pkt, x->pkt_len))) {
		snprintf(why, whysz, "packets differ");
		return true;
	}
	if (x->skb && y->skb && memcmp(x->skb, y->skb, sizeof(*x->skb))) {
		snprintf(why, whysz, "__sk_buff fields differ");
		return true;
	}
	if (smt_calls_differ(env, x, y, why, whysz))
		return true;
	for (m = 0; m < env->nmaps; m++) {
		uint8_t val[4096];
		const void *key, *v;
		uint32_t it = 0;
		int pass;

		if (env->maps[m].value_size > sizeof(val))
			continue;
		for (pass = 0; pass < 2; pass++) {
			struct run *p = pass ? b : a, *q = pass ? a : b;

			it = 0;
			while (!interp_map_next(p->c, m, &it, &key, &v)) {
				if (interp_map_lookup(q->c, m, key, val) ||
				    memcmp(val, v, env->maps[m].value_size)) {
					snprintf(why, whysz, "map %u differs", m);
					return true;
				}
			}
		}
	}
	snprintf(why, whysz, "the interpreter sees no difference");
	return false;
}

#define ETH_HDR 14

static void input_from_cex(const struct smt_env *env, uint32_t type, const struct smt_cex *cx,
			   struct interp_input *in, struct interp_map_elem *elems,
			   uint32_t *prandom, struct xdp_md *xdp, uint8_t *l2buf)
{
	uint32_t k, np = 0, nk = 0;
	uint64_t kt[2] = {0, 0};

	memset(in, 0, sizeof(*in));
	in->pkt = cx->pkt;
	in->pkt_len = cx->pkt_len;
	if (type == BPF_PROG_TYPE_SOCKET_FILTER || type == BPF_PROG_TYPE_CGROUP_SKB) {
		/*
		 * The model's packet starts at data, which these types see after
		 * the Ethernet header the test run pulls: put one in front (not
		 * IP, whose headers the test run would insist on).
		 */
		memset(l2buf, 0, ETH_HDR);
		l2buf[12] = l2buf[13] = 0x88;
		memcpy(l2buf + ETH_HDR, cx->pkt, cx->pkt_len);
		in->pkt = l2buf;
		in->pkt_len = cx->pkt_len + ETH_HDR;
	}
	for (k = 0; k < cx->nelems; k++) {
		elems[k].map = cx->elems[k].map;
		elems[k].key = cx->elems[k].key;
		elems[k].value = cx->elems[k].value;
	}
	in->elems = elems;
	in->nelems = cx->nelems;
	for (k = 0; k < SMT_MAX_EVENTS && cx->helper_id[k] >= 0; k++) {
		switch (cx->helper_id[k]) {
		case BPF_FUNC_get_prandom_u32:
			prandom[np++] = (uint32_t)cx->helper_ret[k];
			break;
		case BPF_FUNC_ktime_get_ns:
			if (nk < 2)
				kt[nk++] = cx->helper_ret[k];
			break;
		case BPF_FUNC_get_smp_processor_id:
			in->cpu = (uint32_t)cx->helper_ret[k];
			break;
		}
	}
	in->prandom = prandom;
	in->nprandom = np;
	in->ktime_ns = kt[0];
	in->ktime_step = kt[1] - kt[0];
	if (trace_type(type)) {
		/* the ctx bytes the model chose; the rest of the ctx reads as zero */
		in->ctx = cx->ctx;
		in->ctx_len = cx->ctx_size;
	}
	if (type == BPF_PROG_TYPE_XDP && env->prog_type == BPF_PROG_TYPE_XDP) {
		memset(xdp, 0, sizeof(*xdp));
		memcpy(&xdp->ingress_ifindex, cx->ctx + offsetof(struct xdp_md, ingress_ifindex),
		       4);
		memcpy(&xdp->rx_queue_index, cx->ctx + offsetof(struct xdp_md, rx_queue_index), 4);
		in->xdp = xdp;
	}
}

bool smt_replay_prog(const struct bpf_insn *a, size_t alen, const struct bpf_insn *b, size_t blen,
		     const struct smt_env *env, struct smt_result *res)
{
	uint32_t type = interp_type(env->prog_type) ? env->prog_type : BPF_PROG_TYPE_XDP;
	struct interp_map_elem elems[SMT_CEX_MAX_ELEMS];
	uint32_t prandom[SMT_MAX_EVENTS];
	struct run ra = {0}, rb = {0};
	struct interp_input in;
	struct xdp_md xdp;
	char why[160] = "";
	bool diff = false;
	static __thread uint8_t l2buf[SMT_CEX_PKT_MAX + ETH_HDR];

	if (res->cex.pkt_truncated) {
		snprintf(res->msg, sizeof(res->msg), "counterexample packet too long to replay");
		return false;
	}
	input_from_cex(env, type, &res->cex, &in, elems, prandom, &xdp, l2buf);
	if (!run_one(&ra, a, alen, type, env, &in, why, sizeof(why)) &&
	    !run_one(&rb, b, blen, type, env, &in, why, sizeof(why)))
		diff = runs_differ(env, &ra, &rb, why, sizeof(why));
	run_free(&ra);
	run_free(&rb);
	if (!diff)
		snprintf(res->msg, sizeof(res->msg),
			 "the solver's counterexample (%.60s) does not replay: %.140s",
			 res->cex.what, why);
	else
		snprintf(res->msg, sizeof(res->msg), "%.60s differs (interpreter: %.150s)",
			 res->cex.what, why);
	return diff;
}

/*
 * Windows replay as programs of their type (XDP where the interpreter does
 * not run it): a prologue puts the counterexample's stack and registers in
 * place, the window runs, and an epilogue moves the observable that differs
 * into r0.
 */
bool smt_replay_window(const struct bpf_insn *a, size_t alen, const struct bpf_insn *b, size_t blen,
		       const struct smt_env *env, const struct smt_window_cond *c,
		       struct smt_result *res)
{
	struct bpf_insn *pa = NULL, *pb = NULL, pre[64 * 3 + 11 * 3], post[2];
	size_t npre = 0, npost = 0;
	const struct smt_cex *cx = &res->cex;
	uint32_t type = interp_type(env->prog_type) ? env->prog_type : BPF_PROG_TYPE_XDP;
	bool xdp = type == BPF_PROG_TYPE_XDP;
	int16_t pkt_off = xdp ? 0 : offsetof(struct __sk_buff, data);
	int16_t end_off = xdp ? 4 : offsetof(struct __sk_buff, data_end);
	int i, k, reg = -1, soff = 1;
	bool ok = false, ran;

	if (sscanf(cx->what, "r%d", &reg) != 1)
		reg = -1;
	if (sscanf(cx->what, "stack byte fp%d", &soff) != 1)
		soff = 1;
	for (i = 0; i < 64; i++) {
		uint64_t v;

		memcpy(&v, cx->stack + 8 * i, 8);
		pre[npre++] = (struct bpf_insn){
			.code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 0, .imm = (int32_t)v};
		pre[npre++] = (struct bpf_insn){.imm = (int32_t)(v >> 32)};
		pre[npre++] = (struct bpf_insn){.code = BPF_STX | BPF_DW | BPF_MEM,
						.dst_reg = 10,
						.src_reg = 0,
						.off = (int16_t)(8 * i - 512)};
	}
	/*
	 * Pointers first, from r1 (the ctx at entry) and r10, r1 itself last of
	 * them; then the scalars.
	 */
	for (k = 0; k < 10; k++) {
		const struct smt_reg_desc *r;

		i = k < 9 ? (k ? k + 1 : 0) : 1;
		r = &c->regs[i];
		if (r->type == SMT_REG_NONE || r->type == SMT_REG_SCALAR ||
		    r->type == SMT_REG_SCALAR32)
			continue;
		if (r->type == SMT_REG_MAP_VALUE) {
			snprintf(res->msg, sizeof(res->msg),
				 "counterexample not replayed: window input r%d is a map value", i);
			return false;
		}
		if (r->type == SMT_REG_PKT || r->type == SMT_REG_PKT_END)
			pre[npre++] = (struct bpf_insn){.code = BPF_LDX | BPF_W | BPF_MEM,
							.dst_reg = i,
							.src_reg = 1,
							.off = r->type == SMT_REG_PKT ? pkt_off
										      : end_off};
		else
			pre[npre++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_X,
							.dst_reg = i,
							.src_reg = r->type == SMT_REG_CTX ? 1 : 10};
		if (r->type != SMT_REG_PKT_END)
			pre[npre++] = (struct bpf_insn){
				.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = i, .imm = r->off};
	}
	for (i = 0; i < 10; i++) {
		const struct smt_reg_desc *r = &c->regs[i];

		if (r->type != SMT_REG_SCALAR && r->type != SMT_REG_SCALAR32)
			continue;
		pre[npre++] = (struct bpf_insn){.code = BPF_LD | BPF_DW | BPF_IMM,
						.dst_reg = i,
						.imm = (int32_t)cx->regs[i]};
		pre[npre++] = (struct bpf_insn){.imm = (int32_t)(cx->regs[i] >> 32)};
	}
	if (reg >= 0)
		post[npost++] = (struct bpf_insn){
			.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = reg};
	else if (soff <= 0)
		post[npost++] = (struct bpf_insn){.code = BPF_LDX | BPF_B | BPF_MEM,
						  .dst_reg = 0,
						  .src_reg = 10,
						  .off = (int16_t)soff};
	else
		post[npost++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K};
	post[npost++] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};

	pa = calloc(npre + alen + npost, sizeof(*pa));
	pb = calloc(npre + blen + npost, sizeof(*pb));
	if (pa && pb) {
		struct smt_env e = *env;
		struct smt_result r = *res;

		memcpy(pa, pre, npre * sizeof(*pa));
		memcpy(pa + npre, a, alen * sizeof(*pa));
		memcpy(pa + npre + alen, post, npost * sizeof(*pa));
		memcpy(pb, pre, npre * sizeof(*pb));
		memcpy(pb + npre, b, blen * sizeof(*pb));
		memcpy(pb + npre + blen, post, npost * sizeof(*pb));
		/*
		 * compare all of r0: the epilogue put the observable there; the
		 * ctx bytes stay (a tracing ctx is read-only: at the window's
		 * entry it is what the program was given)
		 */
		e.prog_type = type;
		ok = smt_replay_prog(pa, npre + alen + npost, pb, npre + blen + npost, &e, &r);
		if (ok && reg < 0 && soff > 0) {
			snprintf(res->msg, sizeof(res->msg), "%s", r.msg);
		} else if (reg >= 0 || soff <= 0) {
			/* the epilogue's r0 is 64 bits wide: compare it whole */
			struct run ra = {0}, rb = {0};
			struct interp_input in;
			struct interp_map_elem elems[SMT_CEX_MAX_ELEMS];
			uint32_t prandom[SMT_MAX_EVENTS];
			struct xdp_md xdpmd;
			char why[160] = "";
			static __thread uint8_t l2buf[SMT_CEX_PKT_MAX + ETH_HDR];

			input_from_cex(&e, type, &r.cex, &in, elems, prandom, &xdpmd, l2buf);
			ok = false;
			if (!run_one(&ra, pa, npre + alen + npost, type, &e, &in, why,
				     sizeof(why)) &&
			    !run_one(&rb, pb, npre + blen + npost, type, &e, &in, why,
				     sizeof(why))) {
				ok = ra.r.status == INTERP_OK && rb.r.status == INTERP_OK &&
				     ra.r.r0 != rb.r.r0;
				if (!ok)
					snprintf(why, sizeof(why), "%.150s", r.msg);
			}
			run_free(&ra);
			run_free(&rb);
			if (ok)
				snprintf(res->msg, sizeof(res->msg), "%s differs", cx->what);
			else
				snprintf(res->msg, sizeof(res->msg),
					 "the solver's counterexample (%.60s) does not replay: "
					 "%.140s",
					 cx->what, why);
		} else {
			snprintf(res->msg, sizeof(res->msg), "%s", r.msg);
		}
	}
	ran = pa && pb;
	free(pa);
	free(pb);
	if (!ok && ran && c->nexits && reg >= 0 && reg != c->exit_reg) {
		/*
		 * Ways out: a register is compared where the way the first
		 * window takes reads it, and the second may have taken another
		 * way, where that register was left unreadable -- any value.
		 * The difference the interpreter sees is then the way taken.
		 */
		struct smt_result w = *res;

		snprintf(w.cex.what, sizeof(w.cex.what), "r%u", c->exit_reg);
		if (smt_replay_window(a, alen, b, blen, env, c, &w)) {
			snprintf(w.msg, sizeof(w.msg), "the way out taken differs");
			*res = w;
			return true;
		}
	}
	return ok;
}
