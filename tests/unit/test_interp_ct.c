// SPDX-License-Identifier: MIT
/*
 * Unit tests of core/interp_ct.c: the conntrack kfuncs, one semantic each
 * -- the lookup and alloc argument errors in the kernel's order, zones and
 * the ct_zone_dir written back, insert and -EEXIST, the NAT info rewriting
 * the reply tuple (and the status bits it sets), timeouts in jiffies,
 * status changes and -EBUSY, mark writes, bpf_jiffies64 -- and what stays
 * not modelled.  Expected values are the kernel's (6.18: its
 * nf_conntrack_bpf.c, nf_nat_core.c; struct nf_conn's offsets from its
 * BTF); test_interp_corpus holds test_bpf_nf to the kernel itself.
 */
#include <errno.h>

#include "tests/test.h"
#include "tests/unit/insn_macros.h"
#include "core/interp.h"

enum { K0 = 1001 }; /* kfunc BTF ids: K0 + enum interp_ct_kfunc */

static const struct interp_ct_env env = {
	.kfunc = { K0, K0 + 1, K0 + 2, K0 + 3, K0 + 4, K0 + 5, K0 + 6, K0 + 7, K0 + 8, K0 + 9,
		   K0 + 10 },
	.timeout = 8, .zone = 12, .tuplehash = 16, .status = 128, .mark = 168,
	.hash_size = 56, .hash_tuple = 16,
	.status_unchangeable = 0xdbf9, .status_max_bit = 16, .hz = 250,
};

#define KF(k) BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, K0 + (k))
/* reply tuple (tuplehash[1].tuple) fields */
#define R_SRC_IP (16 + 56 + 16 + 0)
#define R_SRC_PORT (16 + 56 + 16 + 16)
#define R_DST_IP (16 + 56 + 16 + 20)
#define R_DST_PORT (16 + 56 + 16 + 36)

#define IP(a, b, c, d) ((int32_t)((uint32_t)(d) << 24 | (c) << 16 | (b) << 8 | (a)))
#define BE16(p) ((int32_t)((((p) & 0xff) << 8) | (((p) >> 8) & 0xff)))

struct prog {
	struct bpf_insn insns[256];
	uint32_t n;
};

static void emit(struct prog *p, struct bpf_insn i)
{
	if (p->n < 256)
		p->insns[p->n++] = i;
}

/* if r0 == 0 (a kfunc's NULL): return @code */
static void or_return(struct prog *p, int32_t code)
{
	emit(p, BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 2));
	emit(p, BPF_MOV64_IMM(BPF_REG_0, code));
	emit(p, BPF_EXIT_INSN());
}

/*
 * opts at fp-16 (netns_id, error, l4proto, dir, ct_zone_id, ct_zone_dir,
 * reserved[3]), the IPv4 tuple 1.2.3.4:1000 -> 5.6.7.8:80 at fp-56.
 */
static void setup(struct prog *p, int32_t netns, int32_t proto, int32_t zone, int32_t zdir)
{
	int off;

	emit(p, BPF_MOV64_REG(BPF_REG_6, BPF_REG_1));
	for (off = -56; off < 0; off += 8)
		emit(p, BPF_ST_MEM(BPF_DW, BPF_REG_10, off, 0));
	emit(p, BPF_ST_MEM(BPF_W, BPF_REG_10, -16, netns));
	emit(p, BPF_ST_MEM(BPF_B, BPF_REG_10, -8, proto));
	emit(p, BPF_ST_MEM(BPF_H, BPF_REG_10, -6, zone));
	emit(p, BPF_ST_MEM(BPF_B, BPF_REG_10, -4, zdir));
	emit(p, BPF_ST_MEM(BPF_W, BPF_REG_10, -56, IP(1, 2, 3, 4)));
	emit(p, BPF_ST_MEM(BPF_W, BPF_REG_10, -52, IP(5, 6, 7, 8)));
	emit(p, BPF_ST_MEM(BPF_H, BPF_REG_10, -48, BE16(1000)));
	emit(p, BPF_ST_MEM(BPF_H, BPF_REG_10, -46, BE16(80)));
}

/* r0 = kfunc @k(ctx, tuple or NULL, @tlen, opts, @olen) */
static void lookup_like(struct prog *p, int k, bool tuple, int32_t tlen, int32_t olen)
{
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	if (tuple) {
		emit(p, BPF_MOV64_REG(BPF_REG_2, BPF_REG_10));
		emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -56));
	} else {
		emit(p, BPF_MOV64_IMM(BPF_REG_2, 0));
	}
	emit(p, BPF_MOV64_IMM(BPF_REG_3, tlen));
	emit(p, BPF_MOV64_REG(BPF_REG_4, BPF_REG_10));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, -16));
	emit(p, BPF_MOV64_IMM(BPF_REG_5, olen));
	emit(p, KF(k));
}

/* bpf_ct_set_nat_info(r7, &addr, port, manip) with addr at fp-80 */
static void nat(struct prog *p, int32_t ip, int32_t port, int32_t manip)
{
	emit(p, BPF_ST_MEM(BPF_DW, BPF_REG_10, -80, 0));
	emit(p, BPF_ST_MEM(BPF_DW, BPF_REG_10, -72, 0));
	emit(p, BPF_ST_MEM(BPF_W, BPF_REG_10, -80, ip));
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_7));
	emit(p, BPF_MOV64_REG(BPF_REG_2, BPF_REG_10));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -80));
	emit(p, BPF_MOV64_IMM(BPF_REG_3, port));
	emit(p, BPF_MOV64_IMM(BPF_REG_4, manip));
	emit(p, KF(INTERP_CT_SET_NAT_INFO));
}

/*
 * The selftest's path: alloc (r7), timeout 10 s, mark 77, source NAT to
 * 9.9.9.9:4444, destination NAT to 7.7.7.7:8080, insert (r8), lookup of the
 * original tuple (r9).
 */
static void flow(struct prog *p)
{
	setup(p, -1, 6, 0, 0);
	lookup_like(p, INTERP_CT_XDP_ALLOC, true, 12, 12);
	or_return(p, -1);
	emit(p, BPF_MOV64_REG(BPF_REG_7, BPF_REG_0));
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_7));
	emit(p, BPF_MOV64_IMM(BPF_REG_2, 10000));
	emit(p, KF(INTERP_CT_SET_TIMEOUT));
	emit(p, BPF_ST_MEM(BPF_W, BPF_REG_7, 168, 77));
	nat(p, IP(9, 9, 9, 9), 4444, 0);
	nat(p, IP(7, 7, 7, 7), 8080, 1);
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_7));
	emit(p, KF(INTERP_CT_INSERT));
	or_return(p, -2);
	emit(p, BPF_MOV64_REG(BPF_REG_8, BPF_REG_0));
	lookup_like(p, INTERP_CT_XDP_LOOKUP, true, 12, 12);
	or_return(p, -3);
	emit(p, BPF_MOV64_REG(BPF_REG_9, BPF_REG_0));
}

static struct interp_result res;
static struct interp_ctx *last;

/* Run @p as XDP with the clock at @ktime ns, steps of @step; the result in res */
static void run(struct prog *p, uint64_t ktime, uint64_t step, bool with_ct)
{
	static uint8_t pkt[64];
	struct interp_input in = {.pkt = pkt, .pkt_len = sizeof(pkt), .ktime_ns = ktime,
				  .ktime_step = step};
	char msg[160];
	struct interp_prog *ip = interp_prog__new(p->insns, p->n, BPF_PROG_TYPE_XDP, msg,
						  sizeof(msg));

	memset(&res, 0, sizeof(res));
	res.status = -1;
	interp_ctx__free(last);
	last = interp_ctx__new(NULL, 0, msg, sizeof(msg));
	if (!ASSERT_OK_PTR(ip, "prog") || !ASSERT_OK_PTR(last, "ctx"))
		goto out;
	if (with_ct)
		ASSERT_OK(interp_ctx__set_ct(last, &env), "set_ct");
	ASSERT_OK(interp_run(last, ip, &in, &res), "interp_run");
out:
	interp_prog__free(ip);
}

/* The result of a run that must end well */
static int64_t ok(struct prog *p)
{
	run(p, 0, 0, true);
	if (!CHECK(res.status == INTERP_OK, "status %d: %s", res.status, res.msg))
		return 0x7fffffff;
	return (int64_t)res.r0;
}

/* opts->error after one lookup (or alloc) with these arguments */
static int64_t lookup_error(int k, bool tuple, int32_t tlen, int32_t olen, int32_t netns,
			    int32_t proto, int32_t zone, int32_t reserved0)
{
	struct prog p = {0};

	setup(&p, netns, proto, zone, 0);
	if (reserved0)
		emit(&p, BPF_ST_MEM(BPF_B, BPF_REG_10, -3, reserved0));
	lookup_like(&p, k, tuple, tlen, olen);
	emit(&p, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2)); /* found: 1 */
	emit(&p, BPF_MOV64_IMM(BPF_REG_0, 1));
	emit(&p, BPF_EXIT_INSN());
	emit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_10, -12));
	emit(&p, BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_0, 32));
	emit(&p, BPF_EXIT_INSN());
	return ok(&p);
}

static void test_lookup_errors(void)
{
	const int L = INTERP_CT_XDP_LOOKUP, A = INTERP_CT_XDP_ALLOC;

	ASSERT_EQ(lookup_error(L, false, 0, 12, -1, 6, 0, 0), -EINVAL, "NULL tuple");
	ASSERT_EQ(lookup_error(L, true, 12, 11, -1, 6, 0, 0), -EINVAL, "opts__sz 11");
	ASSERT_EQ(lookup_error(L, true, 12, 16, -1, 6, 0, 1), -EINVAL, "16-byte reserved[0]");
	ASSERT_EQ(lookup_error(L, true, 12, 12, -1, 6, 1, 0), -EINVAL, "12-byte opts, zone id");
	ASSERT_EQ(lookup_error(L, true, 12, 12, -2, 6, 0, 0), -EINVAL, "netns_id -2");
	ASSERT_EQ(lookup_error(L, true, 12, 12, -2, 1, 0, 0), -EPROTO,
		  "ICMP before netns_id: the lookup checks l4proto first");
	ASSERT_EQ(lookup_error(A, true, 12, 12, -2, 1, 0, 0), -EINVAL,
		  "alloc: netns_id before l4proto");
	ASSERT_EQ(lookup_error(L, true, 12, 12, 0xf00f, 6, 0, 0), -ENONET, "netns_id 0xf00f");
	ASSERT_EQ(lookup_error(L, true, 11, 12, -1, 6, 0, 0), -EAFNOSUPPORT, "tuple__sz 11");
	ASSERT_EQ(lookup_error(L, true, 12, 12, -1, 6, 0, 0), -ENOENT, "an empty table");
	ASSERT_EQ(lookup_error(L, true, 36, 16, -1, 17, 0, 0), -ENOENT, "IPv6, UDP");
	ASSERT_EQ(lookup_error(A, true, 12, 12, -1, 6, 0, 0), 1, "alloc succeeds");
}

static void test_flow(void)
{
	struct prog p = {0};

	flow(&p);
	emit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_9, R_DST_IP));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), (uint32_t)IP(9, 9, 9, 9), "reply dst: the source NAT address");
	p.n -= 2;
	emit(&p, BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_9, R_DST_PORT));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), BE16(4444), "reply dst port");
	p.n -= 2;
	emit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_9, R_SRC_IP));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), (uint32_t)IP(7, 7, 7, 7), "reply src: the destination NAT address");
	p.n -= 2;
	emit(&p, BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_9, R_SRC_PORT));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), BE16(8080), "reply src port");
	p.n -= 2;
	emit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_9, 168));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), 77, "mark written before insert");
	p.n -= 2;
	/* CONFIRMED | SRC_NAT | DST_NAT | SRC_NAT_DONE | DST_NAT_DONE, + SEEN_REPLY */
	emit(&p, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_9, 128));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), 440, "status after NAT and insert");
	p.n -= 2;
	emit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	emit(&p, BPF_MOV64_IMM(BPF_REG_2, 8 | 2));
	emit(&p, KF(INTERP_CT_CHANGE_STATUS));
	emit(&p, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_9, 128));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), 442, "status after change_status(CONFIRMED | SEEN_REPLY)");
	p.n -= 2;
	emit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	emit(&p, BPF_MOV64_IMM(BPF_REG_2, 8));
	emit(&p, KF(INTERP_CT_CHANGE_STATUS));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), -EBUSY, "SEEN_REPLY cannot be cleared");
	p.n -= 4;
	emit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	emit(&p, BPF_MOV64_IMM(BPF_REG_2, 2));
	emit(&p, KF(INTERP_CT_CHANGE_STATUS));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), -EBUSY, "nor CONFIRMED");
}

static void test_timeouts(void)
{
	struct prog p = {0};
	/* the clock at 4 s: jiffies 1000 at HZ 250 */
	const uint64_t t0 = 4000000000ULL;

	flow(&p);
	emit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_9, 8));
	emit(&p, BPF_EXIT_INSN());
	run(&p, t0, 0, true);
	ASSERT_EQ(res.r0, 1000 + 2500, "timeout: insert adds now to set_timeout(10000 ms)");
	p.n -= 2;
	emit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	emit(&p, BPF_MOV64_IMM(BPF_REG_2, 4001));
	emit(&p, KF(INTERP_CT_CHANGE_TIMEOUT));
	emit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_9, 8));
	emit(&p, BPF_EXIT_INSN());
	run(&p, t0, 0, true);
	ASSERT_EQ(res.r0, 1000 + 1001, "change_timeout(4001 ms): now + rounded up jiffies");
	/*
	 * a jiffy a read of the clock: insert reads it (1000), the lookup's
	 * expiry check (1001), change_timeout (1002)
	 */
	run(&p, t0, 4000000, true);
	ASSERT_EQ(res.r0, 1002 + 1001, "change_timeout with the clock moving");

	p.n = 0; /* without insert: relative, and alloc's own 10 * HZ */
	setup(&p, -1, 6, 0, 0);
	lookup_like(&p, INTERP_CT_XDP_ALLOC, true, 12, 12);
	or_return(&p, -1);
	emit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_0, 8));
	emit(&p, BPF_EXIT_INSN());
	run(&p, t0, 0, true);
	ASSERT_EQ(res.r0, 2500, "alloc's timeout: 10 * HZ, relative");
	p.n = 0;
	emit(&p, BPF_EMIT_CALL(BPF_FUNC_jiffies64));
	emit(&p, BPF_EXIT_INSN());
	run(&p, t0, 0, true);
	ASSERT_EQ(res.r0, 1000, "bpf_jiffies64: the clock at HZ 250");
	run(&p, t0, 0, false);
	ASSERT_EQ(res.status, INTERP_UNSUPPORTED, "bpf_jiffies64 without HZ");
}

static void test_zones_and_insert(void)
{
	struct prog p = {0};

	/* zone 10, original direction only; looked up in zone 10 for replies: not there */
	setup(&p, -1, 6, 10, 1);
	lookup_like(&p, INTERP_CT_XDP_ALLOC, true, 12, 16);
	or_return(&p, -1);
	emit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	emit(&p, KF(INTERP_CT_INSERT));
	or_return(&p, -2);
	emit(&p, BPF_MOV64_REG(BPF_REG_8, BPF_REG_0));
	emit(&p, BPF_ST_MEM(BPF_B, BPF_REG_10, -4, 2));
	lookup_like(&p, INTERP_CT_XDP_LOOKUP, true, 12, 16);
	emit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_10, -12));
	emit(&p, BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_0, 32));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), -ENOENT, "zone 10 (original) is not zone 10 (reply)");
	p.n -= 3;
	emit(&p, BPF_ST_MEM(BPF_B, BPF_REG_10, -4, 0)); /* 0: both directions, written back */
	lookup_like(&p, INTERP_CT_XDP_LOOKUP, true, 12, 16);
	emit(&p, BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_10, -4));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), 3, "ct_zone_dir 0 written back as NF_CT_DEFAULT_ZONE_DIR");
	p.n -= 2;
	emit(&p, BPF_ALU64_IMM(BPF_XOR, BPF_REG_0, 0)); /* keep the lookup's r0 */
	emit(&p, BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 2));
	emit(&p, BPF_MOV64_IMM(BPF_REG_0, -9));
	emit(&p, BPF_EXIT_INSN());
	emit(&p, BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_10, -7));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), 0, "found in zone 10 both ways: opts->dir original");

	/* the same tuple inserted twice: the second insert fails and frees the entry */
	p.n = 0;
	setup(&p, -1, 17, 0, 0);
	lookup_like(&p, INTERP_CT_XDP_ALLOC, true, 12, 12);
	or_return(&p, -1);
	emit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	emit(&p, KF(INTERP_CT_INSERT));
	or_return(&p, -2);
	emit(&p, BPF_MOV64_REG(BPF_REG_8, BPF_REG_0));
	lookup_like(&p, INTERP_CT_XDP_ALLOC, true, 12, 12);
	or_return(&p, -3);
	emit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	emit(&p, KF(INTERP_CT_INSERT));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), 0, "-EEXIST: insert returns NULL");

	/* lookup by the reply tuple of an entry without NAT: direction reply */
	p.n = 0;
	setup(&p, -1, 6, 0, 0);
	lookup_like(&p, INTERP_CT_XDP_ALLOC, true, 12, 12);
	or_return(&p, -1);
	emit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	emit(&p, KF(INTERP_CT_INSERT));
	or_return(&p, -2);
	emit(&p, BPF_ST_MEM(BPF_W, BPF_REG_10, -56, IP(5, 6, 7, 8)));
	emit(&p, BPF_ST_MEM(BPF_W, BPF_REG_10, -52, IP(1, 2, 3, 4)));
	emit(&p, BPF_ST_MEM(BPF_H, BPF_REG_10, -48, BE16(80)));
	emit(&p, BPF_ST_MEM(BPF_H, BPF_REG_10, -46, BE16(1000)));
	lookup_like(&p, INTERP_CT_XDP_LOOKUP, true, 12, 12);
	or_return(&p, -3);
	emit(&p, BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_10, -7));
	emit(&p, BPF_EXIT_INSN());
	ASSERT_EQ(ok(&p), 1, "found by its reply tuple: opts->dir reply");
}

static void test_not_modelled(void)
{
	struct prog p = {0};

	flow(&p);
	emit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_9, 0));
	emit(&p, BPF_EXIT_INSN());
	run(&p, 0, 0, true);
	ASSERT_EQ(res.status, INTERP_UNSUPPORTED, "nf_conn's ct_general");
	p.n -= 2;
	emit(&p, BPF_ST_MEM(BPF_W, BPF_REG_9, 8, 1));
	emit(&p, BPF_EXIT_INSN());
	run(&p, 0, 0, true);
	ASSERT_EQ(res.status, INTERP_FAULT, "a write of timeout (the verifier allows mark)");
	run(&p, 0, 0, false);
	CHECK(res.status == INTERP_UNSUPPORTED && strstr(res.msg, "unsupported kfunc"),
	      "without the environment: %s", res.msg);

	/* source NAT twice */
	p.n = 0;
	setup(&p, -1, 6, 0, 0);
	lookup_like(&p, INTERP_CT_XDP_ALLOC, true, 12, 12);
	or_return(&p, -1);
	emit(&p, BPF_MOV64_REG(BPF_REG_7, BPF_REG_0));
	nat(&p, IP(9, 9, 9, 9), 4444, 0);
	nat(&p, IP(9, 9, 9, 8), 4444, 0);
	emit(&p, BPF_EXIT_INSN());
	run(&p, 0, 0, true);
	ASSERT_EQ(res.status, INTERP_UNSUPPORTED, "source NAT set up twice");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_lookup_errors);
	RUN_TEST(test_flow);
	RUN_TEST(test_timeouts);
	RUN_TEST(test_zones_and_insert);
	RUN_TEST(test_not_modelled);
	interp_ctx__free(last);
	return test_summary("test_interp_ct");
}
