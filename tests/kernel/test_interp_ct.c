// SPDX-License-Identifier: MIT
/*
 * core/interp's conntrack (interp_ct.c) against the kernel: handwritten
 * programs, one semantic each (test_semantics: the argument errors and
 * their order, NAT's reply tuple, status, mark, EBUSY, timeouts, zones,
 * opts->dir, a second insert), then the corpus's
 * test_bpf_nf programs (selftests; XDP and tc), every run from the
 * object's initial globals, so that each run's results are its own (the
 * corpus differential carries the kernel's globals from run to run, where
 * a value the interpreter failed to write would still match).  The
 * programs write each check's outcome into a global: the lookup and alloc
 * errors, the NAT addresses found in the reply tuple, mark, status, the
 * timeout left in seconds.  Every global byte must agree, but for
 * test_delta_timeout, which is 10 or, when a jiffy passes between
 * bpf_ct_change_timeout() and bpf_jiffies64(), 9 (in either).
 */
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tests/test.h"
#include "tests/unit/insn_macros.h"
#include "core/interp.h"
#include "tests/kernel/harness.h"
#include "tests/kernel/test_interp_kobj.h"

#define MAXM 16
#define NRUNS 50

/* an IPv4 TCP frame: the skb test run refuses anything shorter than its headers */
static const uint8_t pkt[54] = { [12] = 0x08, [14] = 0x45, [17] = 40, [22] = 64, [23] = 6 };

static void run_prog(const char *path, const char *name, enum bpf_prog_type type,
		     const struct interp_ct_env *env)
{
	static char log[KH_LOG_SIZE];
	static uint8_t init[MAXM][4096], kval[4096], ival[4096];
	struct interp_map_def defs[MAXM];
	struct interp_map_elem elems[MAXM];
	uint32_t n = 0, m, k, zero = 0, nglob = 0, prandom[16], compared = 0, ticks = 0;
	bool glob[MAXM] = { false };
	int fds[MAXM], delta = -1;
	const char *names[MAXM];
	struct interp_prog *p = NULL;
	struct interp_ctx *c = NULL;
	struct bpf_map *map;
	struct kh_prog kp;
	char why[256];
	int err;

	err = kh_load(path, name, type, &kp, log, sizeof(log));
	if (!CHECK(!err, "%s does not load: %s", name, strerror(-err)))
		return;
	bpf_object__for_each_map (map, kp.obj) {
		if (!CHECK(n < MAXM, "too many maps"))
			goto out;
		fds[n] = bpf_map__fd(map);
		names[n] = bpf_map__name(map);
		defs[n] = (struct interp_map_def){ .type = bpf_map__type(map),
			.key_size = bpf_map__key_size(map), .value_size = bpf_map__value_size(map),
			.max_entries = bpf_map__max_entries(map), .flags = bpf_map__map_flags(map),
			.ref = fds[n] };
		/* global data (.bss, .data, .rodata, .kconfig): as loaded */
		if (defs[n].type == BPF_MAP_TYPE_ARRAY && defs[n].max_entries == 1 &&
		    defs[n].value_size <= sizeof(init[0]) &&
		    !bpf_map_lookup_elem(fds[n], &zero, init[n])) {
			glob[n] = true;
			elems[nglob++] = (struct interp_map_elem){ .map = n, .key = &zero,
								   .value = init[n] };
			if (strstr(bpf_map__name(map), ".bss"))
				delta = kobj_var_offset(bpf_object__btf(kp.obj), ".bss",
						   "test_delta_timeout");
		}
		n++;
	}
	if (!CHECK(delta >= 0, "%s: no test_delta_timeout in .bss", name))
		goto out;
	p = interp_prog__new(bpf_program__insns(kp.prog), bpf_program__insn_cnt(kp.prog), type,
			     why, sizeof(why));
	c = interp_ctx__new(defs, n, why, sizeof(why));
	if (!CHECK(p && c, "%s: interp: %s", name, why))
		goto out;
	interp_ctx__set_ct(c, env);
	for (k = 0; k < 16; k++)
		prandom[k] = 0x9e3779b9u * (k + 1);
	for (k = 0; k < NRUNS; k++) {
		struct kh_run run = {.data_in = pkt, .data_size_in = sizeof(pkt)};
		struct timespec now;
		struct interp_input in = {.pkt = pkt, .pkt_len = sizeof(pkt), .elems = elems,
					  .nelems = nglob, .prandom = prandom, .nprandom = 16,
					  .ktime_step = 50};
		struct interp_result res;

		for (m = 0; m < n; m++)
			if (glob[m] && !strstr(names[m], ".rodata") &&
			    !strstr(names[m], ".kconfig"))
				bpf_map_update_elem(fds[m], &zero, init[m], BPF_ANY);
		if (!CHECK(!kh_test_run(kp.fd, &run, why, sizeof(why)), "%s: test run: %s", name,
			   why))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		in.ktime_ns = (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec;
		prandom[0] += k; /* other tuples each run, as the kernel's */
		interp_run(c, p, &in, &res);
		if (!CHECK(res.status == INTERP_OK && res.retval == run.retval,
			   "%s run %u: kernel retval %u, interp %s %u", name, k, run.retval,
			   res.status == INTERP_OK ? "" : res.msg, res.retval))
			break;
		for (m = 0; m < n; m++) {
			uint32_t i, vs = defs[m].value_size;

			if (!glob[m])
				continue;
			memset(kval, 0, sizeof(kval));
			memset(ival, 0, sizeof(ival));
			bpf_map_lookup_elem(fds[m], &zero, kval);
			interp_map_lookup(c, m, &zero, ival);
			if (strstr(names[m], ".bss")) {
				uint32_t kd, id;

				memcpy(&kd, kval + delta, 4);
				memcpy(&id, ival + delta, 4);
				CHECK((kd == 10 || kd == 9) && (id == 10 || id == 9),
				      "%s run %u: test_delta_timeout kernel %u, interp %u", name,
				      k, kd, id);
				ticks += kd != id;
				memcpy(kval + delta, ival + delta, 4);
			}
			for (i = 0; i < vs && kval[i] == ival[i]; i++)
				;
			if (!CHECK(i == vs, "%s run %u: %s differs at byte %u: kernel %02x, "
				   "interp %02x", name, k, names[m], i, kval[i], ival[i]))
				goto out;
			compared += vs;
		}
	}
	fprintf(stderr, "  %s: %u runs, %u global bytes compared, test_delta_timeout differed "
		"by a jiffy in %u\n", name, k, compared, ticks);
	ASSERT_EQ(k, NRUNS, "runs");
out:
	interp_prog__free(p);
	interp_ctx__free(c);
	kh_unload(&kp);
}

static void test_bpf_nf(void)
{
	const char *dir = getenv("CORPUS_DIR");
	struct interp_ct_env env;
	char path[4096], why[256];
	cpu_set_t cpu0;

	if (!kh_bpf_permitted(why, sizeof(why)))
		return test_skip("%s", why);
	if (kobj_ct_env(&env, why, sizeof(why)))
		return test_skip("conntrack not modelled here: %s", why);
	snprintf(path, sizeof(path), "%s/objs/selftests/test_bpf_nf.o",
		 dir && *dir ? dir : "/var/cache/bpfsynth-corpus");
	if (access(path, R_OK))
		return test_skip("no %s (make corpus)", path);
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	run_prog(path, "nf_xdp_ct_test", BPF_PROG_TYPE_XDP, &env);
	run_prog(path, "nf_skb_ct_test", BPF_PROG_TYPE_SCHED_CLS, &env);
}

/*
 * Handwritten XDP programs, each semantic of tests/unit/test_interp_ct.c
 * once more in the kernel: the same instructions, the kfuncs by this
 * kernel's BTF ids.  Tuples and NAT addresses are random in each run (the
 * kernel keeps what earlier runs inserted for 10 s, the interpreter's
 * table starts empty): what is compared does not depend on them.
 */
#define KFN(k) BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, kenv.kfunc[k])

static struct interp_ct_env kenv;
static bool ctc; /* the programs are tc's (bpf_skb_ct_*), else XDP's */

/* The kfunc @k of this program type: bpf_xdp_ct_* or bpf_skb_ct_* */
static int ckf(int k)
{
	if (ctc && k == INTERP_CT_XDP_ALLOC)
		return INTERP_CT_SKB_ALLOC;
	if (ctc && k == INTERP_CT_XDP_LOOKUP)
		return INTERP_CT_SKB_LOOKUP;
	return k;
}

struct cprog {
	struct bpf_insn insns[512];
	uint32_t n;
};

static void cemit(struct cprog *p, struct bpf_insn i)
{
	if (p->n < 512)
		p->insns[p->n++] = i;
}

/* r0 = bpf_get_prandom_u32(); *(u32 *)(fp + @off) = r0 */
static void rand_at(struct cprog *p, int16_t off)
{
	cemit(p, BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32));
	cemit(p, BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, off));
}

/*
 * r6 = ctx; opts at fp-16 (@netns, @proto, zone @zone/@zdir); the tuple at
 * fp-56: random addresses, ports 1000 -> 80; a random NAT address at fp-96.
 */
static void cset(struct cprog *p, int32_t netns, int32_t proto, int32_t zone, int32_t zdir)
{
	int off;

	cemit(p, BPF_MOV64_REG(BPF_REG_6, BPF_REG_1));
	for (off = -112; off < 0; off += 8)
		cemit(p, BPF_ST_MEM(BPF_DW, BPF_REG_10, off, 0));
	cemit(p, BPF_ST_MEM(BPF_W, BPF_REG_10, -16, netns));
	cemit(p, BPF_ST_MEM(BPF_B, BPF_REG_10, -8, proto));
	cemit(p, BPF_ST_MEM(BPF_H, BPF_REG_10, -6, zone));
	cemit(p, BPF_ST_MEM(BPF_B, BPF_REG_10, -4, zdir));
	rand_at(p, -56);
	rand_at(p, -52);
	cemit(p, BPF_ST_MEM(BPF_H, BPF_REG_10, -48, 0xe803)); /* 1000 */
	cemit(p, BPF_ST_MEM(BPF_H, BPF_REG_10, -46, 0x5000)); /* 80 */
	rand_at(p, -96);
	rand_at(p, -80);
}

static void ccall(struct cprog *p, int k, bool tuple, int32_t tlen, int32_t olen)
{
	cemit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	if (tuple) {
		cemit(p, BPF_MOV64_REG(BPF_REG_2, BPF_REG_10));
		cemit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -56));
	} else {
		cemit(p, BPF_MOV64_IMM(BPF_REG_2, 0));
	}
	cemit(p, BPF_MOV64_IMM(BPF_REG_3, tlen));
	cemit(p, BPF_MOV64_REG(BPF_REG_4, BPF_REG_10));
	cemit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, -16));
	cemit(p, BPF_MOV64_IMM(BPF_REG_5, olen));
	cemit(p, KFN(ckf(k)));
}

/* if r0 == NULL: r0 = @code, release @held (0: none), exit */
static void cnull(struct cprog *p, int32_t code, int held)
{
	cemit(p, BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, held ? 4 : 2));
	if (held) {
		cemit(p, BPF_MOV64_REG(BPF_REG_1, held));
		cemit(p, KFN(INTERP_CT_RELEASE));
	}
	cemit(p, BPF_MOV64_IMM(BPF_REG_0, code));
	cemit(p, BPF_EXIT_INSN());
}

/* bpf_ct_set_nat_info(r7, fp + @addr, @port, @manip) */
static void cnat(struct cprog *p, int16_t addr, int32_t port, int32_t manip)
{
	cemit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_7));
	cemit(p, BPF_MOV64_REG(BPF_REG_2, BPF_REG_10));
	cemit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, addr));
	cemit(p, BPF_MOV64_IMM(BPF_REG_3, port));
	cemit(p, BPF_MOV64_IMM(BPF_REG_4, manip));
	cemit(p, KFN(INTERP_CT_SET_NAT_INFO));
}

/*
 * alloc (r7), timeout 10 s, mark 77, NAT if @nat (source to the address
 * at fp-96 port 4444, destination to fp-80 port 8080), insert (r8),
 * lookup (r9); the caller reads, then cend() releases
 */
static void cflow(struct cprog *p, bool nat, int32_t olen, int32_t zone, int32_t zdir)
{
	cset(p, -1, 6, zone, zdir);
	ccall(p, INTERP_CT_XDP_ALLOC, true, 12, olen);
	cnull(p, -1, 0);
	cemit(p, BPF_MOV64_REG(BPF_REG_7, BPF_REG_0));
	cemit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_7));
	cemit(p, BPF_MOV64_IMM(BPF_REG_2, 10000));
	cemit(p, KFN(INTERP_CT_SET_TIMEOUT));
	cemit(p, BPF_MOV64_IMM(BPF_REG_1, 77));
	cemit(p, BPF_STX_MEM(BPF_W, BPF_REG_7, BPF_REG_1, kenv.mark));
	if (nat) {
		cnat(p, -96, 4444, 0);
		cnat(p, -80, 8080, 1);
	}
	cemit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_7));
	cemit(p, KFN(INTERP_CT_INSERT));
	cnull(p, -2, 0);
	cemit(p, BPF_MOV64_REG(BPF_REG_8, BPF_REG_0));
	ccall(p, INTERP_CT_XDP_LOOKUP, true, 12, olen);
	cnull(p, -3, BPF_REG_8);
	cemit(p, BPF_MOV64_REG(BPF_REG_9, BPF_REG_0));
}

/* r0 is the result: release r9 and r8, keeping it in r7 */
static void cend(struct cprog *p)
{
	cemit(p, BPF_MOV64_REG(BPF_REG_7, BPF_REG_0));
	cemit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	cemit(p, KFN(INTERP_CT_RELEASE));
	cemit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_8));
	cemit(p, KFN(INTERP_CT_RELEASE));
	cemit(p, BPF_MOV64_REG(BPF_REG_0, BPF_REG_7));
	cemit(p, BPF_EXIT_INSN());
}

/* r0 = opts->error (s32), or 1 when the kfunc found or made one (released) */
static void cerror_tail(struct cprog *p, bool alloc)
{
	cemit(p, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, alloc ? 7 : 4));
	if (alloc) { /* an nf_conn___init goes by insert, then release */
		cemit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
		cemit(p, KFN(INTERP_CT_INSERT));
		cemit(p, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2));
		cemit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
		cemit(p, KFN(INTERP_CT_RELEASE));
		cemit(p, BPF_MOV64_IMM(BPF_REG_0, 1));
		cemit(p, BPF_EXIT_INSN());
	} else {
		cemit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
		cemit(p, KFN(INTERP_CT_RELEASE));
		cemit(p, BPF_MOV64_IMM(BPF_REG_0, 1));
		cemit(p, BPF_EXIT_INSN());
	}
	cemit(p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_10, -12));
	cemit(p, BPF_EXIT_INSN());
}

/*
 * Load @p, run it 20 times in the kernel and in the interpreter: the same
 * retval (or, with @tick, the kernel's one less: a jiffy passed).
 */
static void ccompare(struct cprog *p, const char *what, bool tick)
{
	static char log[1 << 16];
	static const uint8_t frame[64] = { [12] = 0x08, [14] = 0x45 };
	uint32_t prandom[16], i, k, last = 0;
	struct interp_prog *ip = NULL;
	struct interp_ctx *c = NULL;
	char why[256];
	enum bpf_prog_type type = ctc ? BPF_PROG_TYPE_SCHED_CLS : BPF_PROG_TYPE_XDP;
	int fd = kh_load_insns(type, p->insns, p->n, NULL, log, sizeof(log));

	if (fd < 0) {
		kh_log_reason(log, why, sizeof(why));
		CHECK(false, "%s: the verifier refuses it: %s", what, why);
		return;
	}
	ip = interp_prog__new(p->insns, p->n, type, why, sizeof(why));
	c = interp_ctx__new(NULL, 0, why, sizeof(why));
	if (!CHECK(ip && c && !interp_ctx__set_ct(c, &kenv), "%s: interp: %s", what, why))
		goto out;
	for (k = 0; k < 20; k++) {
		struct kh_run run = {.data_in = frame, .data_size_in = sizeof(frame)};
		struct interp_input in = {.pkt = frame, .pkt_len = sizeof(frame),
					  .prandom = prandom, .nprandom = 16, .ktime_step = 50};
		struct interp_result res;
		struct timespec now;

		for (i = 0; i < 16; i++)
			prandom[i] = (uint32_t)rand() ^ (uint32_t)rand() << 16;
		if (!CHECK(!kh_test_run(fd, &run, why, sizeof(why)), "%s: %s", what, why))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		in.ktime_ns = (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec;
		interp_run(c, ip, &in, &res);
		if (!CHECK(res.status == INTERP_OK &&
			   (res.retval == run.retval || (tick && run.retval + 1 == res.retval)),
			   "%s, run %u: kernel %d, interp %d%s%s", what, k, (int)run.retval,
			   (int)res.retval, res.status == INTERP_OK ? "" : ": ",
			   res.status == INTERP_OK ? "" : res.msg))
			break;
		last = run.retval;
	}
	fprintf(stderr, "  %s%s: %u runs, the kernel's last: %d (0x%x)\n", ctc ? "tc: " : "",
		what, k, (int)last, last);
out:
	interp_prog__free(ip);
	interp_ctx__free(c);
	close(fd);
}

static void cerror(const char *what, int k, bool tuple, int32_t tlen, int32_t olen,
		   int32_t netns, int32_t proto, int32_t zone, int32_t reserved0)
{
	struct cprog p = {0};

	cset(&p, netns, proto, zone, 0);
	if (reserved0)
		cemit(&p, BPF_ST_MEM(BPF_B, BPF_REG_10, -3, reserved0));
	ccall(&p, k, tuple, tlen, olen);
	cerror_tail(&p, k == INTERP_CT_XDP_ALLOC);
	ccompare(&p, what, false);
}

static void test_semantics(void)
{
	const int L = INTERP_CT_XDP_LOOKUP, A = INTERP_CT_XDP_ALLOC;
	struct cprog p = {0};
	char why[256];

	if (!kh_bpf_permitted(why, sizeof(why)))
		return test_skip("%s", why);
	if (kobj_ct_env(&kenv, why, sizeof(why)))
		return test_skip("conntrack not modelled here: %s", why);
	cerror("NULL tuple", L, false, 0, 12, -1, 6, 0, 0);
	cerror("opts__sz 11", L, true, 12, 11, -1, 6, 0, 0);
	cerror("16-byte opts, reserved[0]", L, true, 12, 16, -1, 6, 0, 1);
	cerror("12-byte opts, a zone id", L, true, 12, 12, -1, 6, 1, 0);
	cerror("netns_id -2", L, true, 12, 12, -2, 6, 0, 0);
	cerror("lookup: ICMP before netns_id -2", L, true, 12, 12, -2, 1, 0, 0);
	cerror("alloc: netns_id -2 before ICMP", A, true, 12, 12, -2, 1, 0, 0);
	cerror("alloc: ICMP", A, true, 12, 12, -1, 1, 0, 0);
	cerror("netns_id 0xf00f", L, true, 12, 12, 0xf00f, 6, 0, 0);
	cerror("tuple__sz 11", L, true, 11, 12, -1, 6, 0, 0);
	cerror("a random tuple", L, true, 12, 12, -1, 6, 0, 0);
	cerror("IPv6, UDP, 16-byte opts", L, true, 36, 16, -1, 17, 0, 0);
	cerror("alloc and insert", A, true, 12, 12, -1, 6, 0, 0);

	/* NAT: the reply tuple's addresses and ports, as the selftest checks them */
	cflow(&p, true, 12, 0, 0);
	cemit(&p, BPF_MOV64_IMM(BPF_REG_0, 0));
	{
		static const struct { int16_t off, fp; uint8_t size; int32_t port; } chk[] = {
			{ 20, -96, BPF_W, 0 },    /* reply dst: the source NAT address */
			{ 36, 0, BPF_H, 0x5c11 }, /* its port 4444 */
			{ 0, -80, BPF_W, 0 },     /* reply src: the destination NAT address */
			{ 16, 0, BPF_H, 0x901f }, /* 8080 */
		};
		uint32_t i;

		for (i = 0; i < 4; i++) {
			cemit(&p, BPF_LDX_MEM(chk[i].size, BPF_REG_1, BPF_REG_9,
					      kenv.tuplehash + kenv.hash_size + kenv.hash_tuple +
						      chk[i].off));
			if (chk[i].fp)
				cemit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_10, chk[i].fp));
			else
				cemit(&p, BPF_MOV64_IMM(BPF_REG_2, chk[i].port));
			cemit(&p, BPF_JMP_REG(BPF_JNE, BPF_REG_1, BPF_REG_2, 1));
			cemit(&p, BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 1 << i));
		}
	}
	cend(&p);
	ccompare(&p, "NAT: the reply tuple (bits: 15 all as set)", false);

	p.n = 0; /* status and mark after NAT and insert, then SEEN_REPLY */
	cflow(&p, true, 12, 0, 0);
	cemit(&p, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_9, kenv.status));
	cemit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_9, kenv.mark));
	cemit(&p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 16));
	cemit(&p, BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_1));
	cend(&p);
	ccompare(&p, "status | mark << 16", false);
	p.n -= 7;
	cemit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	cemit(&p, BPF_MOV64_IMM(BPF_REG_2, 8 | 2));
	cemit(&p, KFN(INTERP_CT_CHANGE_STATUS));
	cemit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	cemit(&p, BPF_MOV64_IMM(BPF_REG_2, 8));
	cemit(&p, KFN(INTERP_CT_CHANGE_STATUS)); /* SEEN_REPLY cannot go: -EBUSY */
	cemit(&p, BPF_ALU64_IMM(BPF_AND, BPF_REG_0, 0xff));
	cemit(&p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 16));
	cemit(&p, BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_9, kenv.status));
	cemit(&p, BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_1)); /* 0xf0 << 16 | 442 */
	cend(&p);
	ccompare(&p, "change_status: SEEN_REPLY set, then -EBUSY", false);

	p.n = 0; /* timeout: change_timeout(4001 ms) from now */
	cflow(&p, false, 12, 0, 0);
	cemit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_9));
	cemit(&p, BPF_MOV64_IMM(BPF_REG_2, 4001));
	cemit(&p, KFN(INTERP_CT_CHANGE_TIMEOUT));
	cemit(&p, BPF_EMIT_CALL(BPF_FUNC_jiffies64));
	cemit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_9, kenv.timeout));
	cemit(&p, BPF_ALU32_REG(BPF_SUB, BPF_REG_1, BPF_REG_0));
	cemit(&p, BPF_MOV64_REG(BPF_REG_0, BPF_REG_1));
	cend(&p);
	ccompare(&p, "timeout - jiffies after change_timeout(4001)", true);

	p.n = 0; /* a zone for the original direction: looked up both ways, dir written back */
	cflow(&p, false, 16, 10, 1);
	cemit(&p, BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_10, -7)); /* opts->dir */
	cemit(&p, BPF_ST_MEM(BPF_B, BPF_REG_10, -4, 2));
	cemit(&p, BPF_MOV64_REG(BPF_REG_7, BPF_REG_0));
	ccall(&p, INTERP_CT_XDP_LOOKUP, true, 12, 16);
	cemit(&p, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 3));
	cemit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	cemit(&p, KFN(INTERP_CT_RELEASE));
	cemit(&p, BPF_ALU64_IMM(BPF_OR, BPF_REG_7, 0x100)); /* found in the reply zone */
	cemit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_10, -12));
	cemit(&p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 16));
	cemit(&p, BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_7));
	cend(&p);
	ccompare(&p, "zone 10 (original): lookup in zone 10 (reply)", false);

	p.n = 0; /* ct_zone_dir 0 means both directions: written back */
	cflow(&p, false, 16, 10, 0);
	cemit(&p, BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_10, -4));
	cend(&p);
	ccompare(&p, "ct_zone_dir 0, written back", false);

	p.n = 0; /* a lookup by the reply tuple: opts->dir 1 */
	cflow(&p, false, 12, 0, 0);
	cemit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_10, -56));
	cemit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_10, -52));
	cemit(&p, BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, -56));
	cemit(&p, BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, -52));
	cemit(&p, BPF_ST_MEM(BPF_H, BPF_REG_10, -48, 0x5000));
	cemit(&p, BPF_ST_MEM(BPF_H, BPF_REG_10, -46, 0xe803));
	ccall(&p, INTERP_CT_XDP_LOOKUP, true, 12, 12);
	cemit(&p, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2));
	cemit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	cemit(&p, KFN(INTERP_CT_RELEASE));
	cemit(&p, BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_10, -7));
	cend(&p);
	ccompare(&p, "lookup by the reply tuple: opts->dir", false);

	p.n = 0; /* IPv6 and UDP: source NAT to a random address, port left as it is */
	cset(&p, -1, 17, 0, 0);
	rand_at(&p, -44); /* the addresses' last words: saddr at fp-56, daddr at fp-40 */
	rand_at(&p, -28);
	cemit(&p, BPF_ST_MEM(BPF_H, BPF_REG_10, -24, 0x3500)); /* sport 53 */
	cemit(&p, BPF_ST_MEM(BPF_H, BPF_REG_10, -22, 0x3600)); /* dport 54 */
	rand_at(&p, -84); /* the NAT address fp-96..-81: random first and last words */
	ccall(&p, INTERP_CT_XDP_ALLOC, true, 36, 12);
	cnull(&p, -1, 0);
	cemit(&p, BPF_MOV64_REG(BPF_REG_7, BPF_REG_0));
	cnat(&p, -96, 0, 0);
	cemit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_7));
	cemit(&p, KFN(INTERP_CT_INSERT));
	cnull(&p, -2, 0);
	cemit(&p, BPF_MOV64_REG(BPF_REG_8, BPF_REG_0));
	ccall(&p, INTERP_CT_XDP_LOOKUP, true, 36, 12);
	cnull(&p, -3, BPF_REG_8);
	cemit(&p, BPF_MOV64_REG(BPF_REG_9, BPF_REG_0));
	cemit(&p, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_9, kenv.status));
	{	/* reply dst: the NAT address (words 0 and 3), the port the source had */
		static const struct { int16_t off, fp; uint8_t size; } chk[] = {
			{ 20, -96, BPF_W }, { 32, -84, BPF_W }, { 36, -24, BPF_H },
		};
		uint32_t i;

		for (i = 0; i < 3; i++) {
			cemit(&p, BPF_LDX_MEM(chk[i].size, BPF_REG_1, BPF_REG_9,
					      kenv.tuplehash + kenv.hash_size + kenv.hash_tuple +
						      chk[i].off));
			cemit(&p, BPF_LDX_MEM(chk[i].size, BPF_REG_2, BPF_REG_10, chk[i].fp));
			cemit(&p, BPF_JMP_REG(BPF_JNE, BPF_REG_1, BPF_REG_2, 1));
			cemit(&p, BPF_ALU64_IMM(BPF_OR, BPF_REG_0, 0x10000 << i));
		}
	}
	cemit(&p, BPF_LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_10, -7));
	cemit(&p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 24));
	cemit(&p, BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_1));
	cend(&p);
	ccompare(&p, "IPv6 UDP source NAT: status | reply dst checks << 16 | dir << 24", false);

	p.n = 0; /* the same tuple inserted again: NULL */
	cflow(&p, false, 12, 0, 0);
	ccall(&p, INTERP_CT_XDP_ALLOC, true, 12, 12);
	cemit(&p, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 8)); /* no alloc: 0 */
	cemit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	cemit(&p, KFN(INTERP_CT_INSERT));
	cemit(&p, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 4));
	cemit(&p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	cemit(&p, KFN(INTERP_CT_RELEASE));
	cemit(&p, BPF_MOV64_IMM(BPF_REG_0, 2)); /* inserted twice */
	cemit(&p, BPF_JMP_A(1));
	cemit(&p, BPF_MOV64_IMM(BPF_REG_0, 7)); /* refused */
	cend(&p);
	ccompare(&p, "a second insert of one tuple", false);

	/* bpf_skb_ct_*: the same from a tc program */
	ctc = true;
	cerror("NULL tuple", L, false, 0, 12, -1, 6, 0, 0);
	cerror("netns_id 0xf00f", L, true, 12, 12, 0xf00f, 6, 0, 0);
	cerror("alloc: ICMP", A, true, 12, 12, -1, 1, 0, 0);
	cerror("a random tuple", L, true, 12, 12, -1, 6, 0, 0);
	p.n = 0;
	cflow(&p, true, 16, 10, 0);
	cemit(&p, BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_9, kenv.status));
	cemit(&p, BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_9, kenv.mark));
	cemit(&p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 16));
	cemit(&p, BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_1));
	cemit(&p, BPF_LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_10, -4)); /* ct_zone_dir written back */
	cemit(&p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 24));
	cemit(&p, BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_1));
	cend(&p);
	ccompare(&p, "NAT in zone 10: status | mark << 16 | ct_zone_dir << 24", false);
	ctc = false;
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_semantics);
	RUN_TEST(test_bpf_nf);
	return test_summary("test_interp_ct_kernel");
}
