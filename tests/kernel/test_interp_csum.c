// SPDX-License-Identifier: MIT
/*
 * core/interp's checksum and network helpers against the kernel: bpf_csum_diff,
 * bpf_l3_csum_replace, bpf_l4_csum_replace, bpf_skb_store_bytes,
 * bpf_fib_lookup and bpf_clone_redirect.
 *
 * Each program takes the helper's data arguments from the packet (a size or
 * flags combination per program, since the verifier wants some of them
 * constant) and runs on many random packets in the kernel
 * (BPF_PROG_TEST_RUN) and in the interpreter; retval and the output packet
 * must agree.  Packets are drawn so the ones' complement corner cases come
 * up: uniform bytes, all-ones or all-zeroes with a few random bytes, bytes
 * of 0x00/0xff only.  INTERP_CSUM_N packets per program (default 300),
 * INTERP_CSUM_SEED.
 *
 * bpf_fib_lookup's cases need a netns where lo does not forward (the
 * default); they skip, saying so, on a host that forwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "tests/test.h"
#include "tests/unit/insn_macros.h"
#include "core/interp.h"

#define MAX_INSNS 700
#define PKT_MAX 600
#define OUT_MAX 4096

struct prog {
	char descr[96];
	uint32_t type;
	struct bpf_insn insns[MAX_INSNS];
	uint32_t len;
	uint32_t min_pkt; /* shortest packet to draw */
};

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static bool bpf_ok(void)
{
	const struct bpf_insn p[] = { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() };
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", p, 2, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool vlan_pkts; /* Ethernet types worth popping, short packets */

static void random_packet(uint8_t *pkt, uint32_t *len, uint32_t min)
{
	static const uint16_t types[] = { 0x8100, 0x88a8, 0x88b5, 0x0800, 0x05dc };
	uint32_t i, mode = rnd() % 4;

	*len = min + rnd() % (PKT_MAX - min + 1);
	if (vlan_pkts && rnd() % 2)
		*len = min + rnd() % 16;
	for (i = 0; i < *len; i++) {
		uint8_t b = (uint8_t)rnd();

		switch (mode) {
		case 1: pkt[i] = rnd() % 16 ? 0xff : b; break;
		case 2: pkt[i] = rnd() % 16 ? 0x00 : b; break;
		case 3: pkt[i] = b & 1 ? 0xff : 0x00; break;
		default: pkt[i] = b;
		}
	}
	/* an Ethernet type the test run takes as it is */
	pkt[12] = 0x88;
	pkt[13] = 0xb5;
	for (i = 12; vlan_pkts && i + 2 <= *len && i <= 24; i += 4) {
		uint16_t t = types[rnd() % 5];

		pkt[i] = (uint8_t)(t >> 8);
		pkt[i + 1] = (uint8_t)t;
	}
}

static void emit(struct prog *p, struct bpf_insn in)
{
	if (p->len < MAX_INSNS)
		p->insns[p->len++] = in;
}

static void emit_ldimm64(struct prog *p, int dst, uint64_t v)
{
	const struct bpf_insn in[2] = { BPF_LD_IMM64(dst, v) };

	emit(p, in[0]);
	emit(p, in[1]);
}

/* r6 = ctx; r2 = data; exit 0 unless @need bytes of packet */
static void prologue(struct prog *p, uint32_t need)
{
	bool xdp = p->type == BPF_PROG_TYPE_XDP;

	emit(p, BPF_MOV64_REG(BPF_REG_6, BPF_REG_1));
	emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1,
			    xdp ? offsetof(struct xdp_md, data) : offsetof(struct __sk_buff, data)));
	emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1,
			    xdp ? offsetof(struct xdp_md, data_end)
				: offsetof(struct __sk_buff, data_end)));
	emit(p, BPF_MOV64_REG(BPF_REG_4, BPF_REG_2));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, need));
	emit(p, BPF_JMP_REG(BPF_JLE, BPF_REG_4, BPF_REG_3, 2));
	emit(p, BPF_MOV64_IMM(BPF_REG_0, 0));
	emit(p, BPF_EXIT_INSN());
}

/* r0 += r0 >> 32: the upper half reaches the retval */
static void epilogue(struct prog *p)
{
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_0));
	emit(p, BPF_ALU64_IMM(BPF_RSH, BPF_REG_1, 32));
	emit(p, BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1));
	emit(p, BPF_EXIT_INSN());
}

/* skb_load_bytes(r6, @off, fp + @fpoff, @len) */
static void load_bytes(struct prog *p, int32_t off, int32_t fpoff, int32_t len)
{
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit(p, BPF_MOV64_IMM(BPF_REG_2, off));
	emit(p, BPF_MOV64_REG(BPF_REG_3, BPF_REG_10));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, fpoff));
	emit(p, BPF_MOV64_IMM(BPF_REG_4, len));
	emit(p, BPF_EMIT_CALL(BPF_FUNC_skb_load_bytes));
}

/* csum_diff(fp-512, @fs, fp-256 (or fp-512), @ts, seed = packet u32 at 0) */
static void prog_csum_diff(struct prog *p, uint32_t fs, uint32_t ts, bool overlap)
{
	snprintf(p->descr, sizeof(p->descr), "csum_diff(from %u, to %u%s)", fs, ts,
		 overlap ? ", same buffer" : "");
	p->type = BPF_PROG_TYPE_SCHED_CLS;
	p->min_pkt = 520;
	prologue(p, 4);
	emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_2, 0));
	load_bytes(p, 4, -512, 256);
	load_bytes(p, 260, -256, 256);
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_10));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -512));
	emit(p, BPF_MOV64_IMM(BPF_REG_2, fs));
	emit(p, BPF_MOV64_REG(BPF_REG_3, BPF_REG_10));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, overlap ? -512 : -256));
	emit(p, BPF_MOV64_IMM(BPF_REG_4, ts));
	emit(p, BPF_MOV64_REG(BPF_REG_5, BPF_REG_7));
	emit(p, BPF_EMIT_CALL(BPF_FUNC_csum_diff));
	epilogue(p);
}

/*
 * l3/l4_csum_replace(skb, offset, from, to, @flags): offset the packet's
 * byte 0 (plus @off_add), from and to its u64s at 8 and 16 (from 0 if
 * @from0).
 */
static void prog_replace(struct prog *p, int id, uint64_t flags, bool from0, int32_t off_add)
{
	snprintf(p->descr, sizeof(p->descr), "l%d_csum_replace(flags 0x%llx%s%s)",
		 id == BPF_FUNC_l4_csum_replace ? 4 : 3, (unsigned long long)flags,
		 from0 ? ", from 0" : "", off_add ? ", offset + big" : "");
	p->type = BPF_PROG_TYPE_SCHED_CLS;
	p->min_pkt = 24;
	prologue(p, 24);
	emit(p, BPF_LDX_MEM(BPF_B, BPF_REG_7, BPF_REG_2, 0));
	emit(p, BPF_LDX_MEM(BPF_DW, BPF_REG_8, BPF_REG_2, 8));
	emit(p, BPF_LDX_MEM(BPF_DW, BPF_REG_9, BPF_REG_2, 16));
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit(p, BPF_MOV64_REG(BPF_REG_2, BPF_REG_7));
	if (off_add)
		emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, off_add));
	emit(p, BPF_MOV64_REG(BPF_REG_3, BPF_REG_8));
	if (from0)
		emit(p, BPF_MOV64_IMM(BPF_REG_3, 0));
	emit(p, BPF_MOV64_REG(BPF_REG_4, BPF_REG_9));
	emit_ldimm64(p, BPF_REG_5, flags);
	emit(p, BPF_EMIT_CALL(id));
	epilogue(p);
}

/* skb_store_bytes(skb, packet byte 0 (+ @off_add), fp-64 (packet 24..), @len, @flags) */
static void prog_store(struct prog *p, uint32_t len, uint64_t flags, int32_t off_add)
{
	snprintf(p->descr, sizeof(p->descr), "skb_store_bytes(len %u, flags 0x%llx%s)", len,
		 (unsigned long long)flags, off_add ? ", offset + big" : "");
	p->type = BPF_PROG_TYPE_SCHED_CLS;
	p->min_pkt = 16;
	prologue(p, 1);
	emit(p, BPF_LDX_MEM(BPF_B, BPF_REG_7, BPF_REG_2, 0));
	load_bytes(p, 24, -64, 64);
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit(p, BPF_MOV64_REG(BPF_REG_2, BPF_REG_7));
	if (off_add)
		emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, off_add));
	emit(p, BPF_MOV64_REG(BPF_REG_3, BPF_REG_10));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -64));
	emit(p, BPF_MOV64_IMM(BPF_REG_4, len));
	emit_ldimm64(p, BPF_REG_5, flags);
	emit(p, BPF_EMIT_CALL(BPF_FUNC_skb_store_bytes));
	epilogue(p);
}

/*
 * fib_lookup(ctx, fp-64, @plen, flags): params zeroed but for the family
 * (packet byte 0 & 15) and @ifindex; flags the packet's u32 at 4 & 0xff.
 * The params are folded into r0 afterwards: the helper must not write them.
 */
static void prog_fib(struct prog *p, uint32_t type, uint32_t ifindex, int32_t plen)
{
	int i;

	snprintf(p->descr, sizeof(p->descr), "fib_lookup(%s, ifindex %u, plen %d)",
		 type == BPF_PROG_TYPE_XDP ? "xdp" : "tc", ifindex, plen);
	p->type = type;
	p->min_pkt = 60;
	prologue(p, 8);
	emit(p, BPF_LDX_MEM(BPF_B, BPF_REG_7, BPF_REG_2, 0));
	emit(p, BPF_ALU64_IMM(BPF_AND, BPF_REG_7, 15));
	emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_8, BPF_REG_2, 4));
	emit(p, BPF_ALU64_IMM(BPF_AND, BPF_REG_8, 0xff));
	for (i = 1; i <= 8; i++)
		emit(p, BPF_ST_MEM(BPF_DW, BPF_REG_10, -8 * i, 0));
	emit(p, BPF_STX_MEM(BPF_B, BPF_REG_10, BPF_REG_7, -64));
	emit(p, BPF_ST_MEM(BPF_W, BPF_REG_10,
			   -64 + (int)offsetof(struct bpf_fib_lookup, ifindex), ifindex));
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit(p, BPF_MOV64_REG(BPF_REG_2, BPF_REG_10));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -64));
	emit(p, BPF_MOV64_IMM(BPF_REG_3, plen));
	emit(p, BPF_MOV64_REG(BPF_REG_4, BPF_REG_8));
	emit(p, BPF_EMIT_CALL(BPF_FUNC_fib_lookup));
	for (i = 1; i <= 8; i++) {
		emit(p, BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, -8 * i));
		emit(p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 3));
		emit(p, BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_1));
	}
	epilogue(p);
}

/* clone_redirect(skb, @ifindex, @flags) */
static void prog_clone(struct prog *p, uint32_t ifindex, uint64_t flags)
{
	snprintf(p->descr, sizeof(p->descr), "clone_redirect(ifindex %u, flags 0x%llx)", ifindex,
		 (unsigned long long)flags);
	p->type = BPF_PROG_TYPE_SCHED_CLS;
	p->min_pkt = 60;
	emit(p, BPF_MOV64_IMM(BPF_REG_2, ifindex));
	emit_ldimm64(p, BPF_REG_3, flags);
	emit(p, BPF_EMIT_CALL(BPF_FUNC_clone_redirect));
	epilogue(p);
}

/* r7 = r7 << 3 ^ r0 ^ the skb's VLAN tag, protocol and length */
static void fold_skb(struct prog *p)
{
	static const struct { int32_t off; int shift; } f[] = {
		{ offsetof(struct __sk_buff, vlan_present), 2 },
		{ offsetof(struct __sk_buff, vlan_tci), 4 },
		{ offsetof(struct __sk_buff, vlan_proto), 16 },
		{ offsetof(struct __sk_buff, protocol), 8 },
		{ offsetof(struct __sk_buff, len), 24 },
	};
	uint32_t i;

	emit(p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 3));
	emit(p, BPF_ALU64_REG(BPF_XOR, BPF_REG_7, BPF_REG_0));
	/* the network header's first 4 bytes (0 when past the end) */
	emit(p, BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0));
	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit(p, BPF_MOV64_IMM(BPF_REG_2, 0));
	emit(p, BPF_MOV64_REG(BPF_REG_3, BPF_REG_10));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4));
	emit(p, BPF_MOV64_IMM(BPF_REG_4, 4));
	emit(p, BPF_MOV64_IMM(BPF_REG_5, BPF_HDR_START_NET));
	emit(p, BPF_EMIT_CALL(BPF_FUNC_skb_load_bytes_relative));
	emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_10, -4));
	emit(p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 20));
	emit(p, BPF_ALU64_REG(BPF_XOR, BPF_REG_7, BPF_REG_1));
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, f[i].off));
		emit(p, BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, f[i].shift));
		emit(p, BPF_ALU64_REG(BPF_XOR, BPF_REG_7, BPF_REG_1));
	}
}

/*
 * @ops: 'u' vlan_push(@proto, TCI the packet's u32 at 0 in the first
 * push, then constants), 'o' vlan_pop, 'h' change_head(14); the skb folded
 * in after each.
 */
static void prog_vlan(struct prog *p, const char *ops, uint64_t proto)
{
	uint32_t i;

	snprintf(p->descr, sizeof(p->descr), "vlan %s, proto 0x%llx", ops,
		 (unsigned long long)proto);
	p->type = BPF_PROG_TYPE_SCHED_CLS;
	p->min_pkt = 14;
	emit(p, BPF_MOV64_REG(BPF_REG_6, BPF_REG_1));
	emit(p, BPF_MOV64_IMM(BPF_REG_0, 0));
	emit(p, BPF_MOV64_IMM(BPF_REG_7, 0));
	emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_8, BPF_REG_6, offsetof(struct __sk_buff, hash)));
	emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, data)));
	emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_6, offsetof(struct __sk_buff, data_end)));
	emit(p, BPF_MOV64_REG(BPF_REG_4, BPF_REG_2));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 4));
	emit(p, BPF_JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3, 1));
	emit(p, BPF_LDX_MEM(BPF_W, BPF_REG_8, BPF_REG_2, 0));
	for (i = 0; ops[i]; i++) {
		emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
		if (ops[i] == 'h') {
			emit(p, BPF_MOV64_IMM(BPF_REG_2, 14));
			emit(p, BPF_MOV64_IMM(BPF_REG_3, 0));
			emit(p, BPF_EMIT_CALL(BPF_FUNC_skb_change_head));
		} else if (ops[i] == 'u') {
			emit_ldimm64(p, BPF_REG_2, proto);
			emit(p, BPF_MOV64_REG(BPF_REG_3, BPF_REG_8));
			emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_8, 0x1111));
			emit(p, BPF_EMIT_CALL(BPF_FUNC_skb_vlan_push));
		} else {
			emit(p, BPF_EMIT_CALL(BPF_FUNC_skb_vlan_pop));
		}
		fold_skb(p);
	}
	emit(p, BPF_MOV64_REG(BPF_REG_0, BPF_REG_7));
	epilogue(p);
}

/* change_head(skb, @room, @flags) */
static void prog_change_head(struct prog *p, uint32_t room, uint64_t flags)
{
	snprintf(p->descr, sizeof(p->descr), "change_head(%u, flags 0x%llx)", room,
		 (unsigned long long)flags);
	p->type = BPF_PROG_TYPE_SCHED_CLS;
	p->min_pkt = 14;
	emit(p, BPF_MOV64_REG(BPF_REG_6, BPF_REG_1));
	emit(p, BPF_MOV64_IMM(BPF_REG_7, 0));
	emit(p, BPF_MOV64_IMM(BPF_REG_2, room));
	emit_ldimm64(p, BPF_REG_3, flags);
	emit(p, BPF_EMIT_CALL(BPF_FUNC_skb_change_head));
	fold_skb(p);
	emit(p, BPF_MOV64_REG(BPF_REG_0, BPF_REG_7));
	epilogue(p);
}

/* redirect_peer(ifindex 1, @flags) */
static void prog_peer(struct prog *p, uint64_t flags)
{
	snprintf(p->descr, sizeof(p->descr), "redirect_peer(1, flags 0x%llx)",
		 (unsigned long long)flags);
	p->type = BPF_PROG_TYPE_SCHED_CLS;
	p->min_pkt = 60;
	emit(p, BPF_MOV64_IMM(BPF_REG_1, 1));
	emit_ldimm64(p, BPF_REG_2, flags);
	emit(p, BPF_EMIT_CALL(BPF_FUNC_redirect_peer));
	epilogue(p);
}

/* Run @p on random packets in both; 0, or -1 when the kernel refused to load it. */
static int compare(const struct prog *p, uint32_t n)
{
	static uint8_t pkt[PKT_MAX], out[OUT_MAX];
	char msg[INTERP_MSG_SIZE];
	struct interp_prog *ip;
	struct interp_ctx *c;
	uint32_t i, bad = 0;
	int fd;

	fd = bpf_prog_load(p->type, NULL, "GPL", p->insns, p->len, NULL);
	if (!CHECK(fd >= 0, "%s: kernel load: %s", p->descr, strerror(errno)))
		return -1;
	ip = interp_prog__new(p->insns, p->len, p->type, msg, sizeof(msg));
	c = interp_ctx__new(NULL, 0, msg, sizeof(msg));
	if (!CHECK(ip && c, "%s: interp: %s", p->descr, msg))
		goto out;
	for (i = 0; i < n && bad < 3; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);
		struct interp_input in = { .pkt = pkt };
		struct interp_result res;
		int err;

		random_packet(pkt, &in.pkt_len, p->min_pkt);
		o.data_size_in = in.pkt_len;
		err = bpf_prog_test_run_opts(fd, &o) ? -errno : 0;
		if (interp_run(c, ip, &in, &res) || res.status != INTERP_OK) {
			CHECK(err, "%s: interp status %d (%s), kernel ran it", p->descr,
			      res.status, res.msg);
			bad++;
			continue;
		}
		if (!CHECK(!err, "%s: kernel test run failed (%d), interp ran it", p->descr, err)) {
			bad++;
			continue;
		}
		if (!CHECK(res.retval == o.retval &&
				   res.pkt_len == o.data_size_out &&
				   !memcmp(res.pkt, out, res.pkt_len),
			   "%s: packet %u (%u bytes, %02x %02x %02x %02x ...): kernel retval 0x%x, "
			   "interp 0x%x; data_out %s",
			   p->descr, i, in.pkt_len, pkt[0], pkt[1], pkt[2], pkt[3], o.retval,
			   res.retval,
			   res.pkt_len == o.data_size_out && !memcmp(res.pkt, out, res.pkt_len)
				   ? "same" : "differs"))
			bad++;
	}
out:
	interp_ctx__free(c);
	interp_prog__free(ip);
	close(fd);
	return 0;
}

static uint32_t npkts(void)
{
	return (uint32_t)env_u64("INTERP_CSUM_N", 300);
}

static void test_csum_diff(void)
{
	static const uint32_t sizes[] = { 0, 4, 8, 12, 16, 20, 28, 32, 36, 40, 44, 48, 56, 60,
					  64, 68, 72, 80, 100, 128, 132, 196, 252, 256 };
	const uint32_t ns = sizeof(sizes) / sizeof(sizes[0]);
	struct prog p;
	uint32_t i, j;

	if (!bpf_ok()) {
		test_skip("bpf() not permitted");
		return;
	}
	for (i = 0; i < ns; i++)
		for (j = 0; j < ns; j += 1 + (i + j) % 3) {
			memset(&p, 0, sizeof(p));
			prog_csum_diff(&p, sizes[i], sizes[j], false);
			compare(&p, npkts() / 4);
		}
	/* sizes not multiples of 4; more than 512 bytes in all */
	memset(&p, 0, sizeof(p));
	prog_csum_diff(&p, 2, 4, false);
	compare(&p, 8);
	memset(&p, 0, sizeof(p));
	prog_csum_diff(&p, 0, 6, false);
	compare(&p, 8);
	memset(&p, 0, sizeof(p));
	prog_csum_diff(&p, 512, 4, true);
	compare(&p, 8);
	memset(&p, 0, sizeof(p));
	prog_csum_diff(&p, 512, 0, true);
	compare(&p, npkts());
}

static void test_csum_replace(void)
{
	static const uint64_t l3_flags[] = { 0, 2, 4, 1, 3, 8, 0x10, 0x12 };
	static const uint64_t l4_flags[] = {
		0, 2, 4, 1, 8, BPF_F_PSEUDO_HDR | 4, BPF_F_PSEUDO_HDR | 2, BPF_F_PSEUDO_HDR,
		BPF_F_MARK_MANGLED_0 | 2, BPF_F_MARK_MANGLED_0 | 4, BPF_F_MARK_MANGLED_0,
		BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | 4, BPF_F_MARK_ENFORCE | 2,
		BPF_F_IPV6 | BPF_F_PSEUDO_HDR | 4, 1ULL << 8 | 4, 1ULL << 32 | 2,
	};
	struct prog p;
	uint32_t i, k;

	if (!bpf_ok()) {
		test_skip("bpf() not permitted");
		return;
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof(l3_flags) / sizeof(l3_flags[0]); i++) {
			memset(&p, 0, sizeof(p));
			prog_replace(&p, BPF_FUNC_l3_csum_replace, l3_flags[i], k, 0);
			compare(&p, npkts());
		}
		for (i = 0; i < sizeof(l4_flags) / sizeof(l4_flags[0]); i++) {
			memset(&p, 0, sizeof(p));
			prog_replace(&p, BPF_FUNC_l4_csum_replace, l4_flags[i], k, 0);
			compare(&p, npkts());
		}
	}
	memset(&p, 0, sizeof(p));
	prog_replace(&p, BPF_FUNC_l4_csum_replace, 2, false, 0xffff - 255);
	compare(&p, npkts());
	memset(&p, 0, sizeof(p));
	prog_replace(&p, BPF_FUNC_l3_csum_replace, 4, false, 0x10000);
	compare(&p, 16);
}

static void test_store_bytes(void)
{
	static const uint32_t lens[] = { 1, 2, 3, 4, 8, 13, 16, 32, 64 };
	static const uint64_t flags[] = { 0, BPF_F_RECOMPUTE_CSUM, BPF_F_INVALIDATE_HASH, 3, 4,
					  1ULL << 32 };
	struct prog p;
	uint32_t i, j;

	if (!bpf_ok()) {
		test_skip("bpf() not permitted");
		return;
	}
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (j = 0; j < sizeof(flags) / sizeof(flags[0]); j++) {
			memset(&p, 0, sizeof(p));
			prog_store(&p, lens[i], flags[j], 0);
			compare(&p, npkts() / 3);
		}
	memset(&p, 0, sizeof(p));
	prog_store(&p, 4, 0, 0xffff);
	compare(&p, 16);
	memset(&p, 0, sizeof(p));
	prog_store(&p, 4, 0, 0x7fffffff);
	compare(&p, 16);
}

static bool forwards(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

static void test_fib_lookup(void)
{
	static const uint32_t ifindexes[] = { 1, 0, 65535 };
	static const int32_t plens[] = { 64, 63, 40 };
	struct prog p;
	uint32_t t, i, j;

	if (!bpf_ok()) {
		test_skip("bpf() not permitted");
		return;
	}
	if (forwards("/proc/sys/net/ipv4/conf/lo/forwarding") ||
	    forwards("/proc/sys/net/ipv6/conf/lo/forwarding")) {
		test_skip("lo forwards here: the interpreter models a netns that does not");
		return;
	}
	for (t = 0; t < 2; t++)
		for (i = 0; i < 3; i++)
			for (j = 0; j < 3; j++) {
				memset(&p, 0, sizeof(p));
				prog_fib(&p, t ? BPF_PROG_TYPE_XDP : BPF_PROG_TYPE_SCHED_CLS,
					 ifindexes[i], plens[j]);
				compare(&p, npkts());
			}
}

static void test_clone_redirect(void)
{
	static const uint64_t flags[] = { 0, BPF_F_INGRESS, 2, 1ULL << 32 };
	static const uint32_t ifindexes[] = { 1, 65535 };
	struct prog p;
	uint32_t i, j;

	if (!bpf_ok()) {
		test_skip("bpf() not permitted");
		return;
	}
	for (i = 0; i < 2; i++)
		for (j = 0; j < 4; j++) {
			memset(&p, 0, sizeof(p));
			prog_clone(&p, ifindexes[i], flags[j]);
			compare(&p, 20);
		}
}

static void test_vlan(void)
{
	static const char *const ops[] = { "u", "uu", "uuu", "o", "oo", "uo", "uuo", "uuoo",
					   "ouo", "uuuooo", "ooo", "uoo", "uuuuuuuuuooooooooo",
					   "h", "hh", "hhhh", "hu", "huu", "huuo", "ho", "oh", "uho" };
	static const uint64_t protos[] = { 0x0081, 0xa888, 0x0008, 0x10081 };
	struct prog p;
	uint32_t i, j;

	if (!bpf_ok()) {
		test_skip("bpf() not permitted");
		return;
	}
	vlan_pkts = true;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		for (j = 0; j < 4; j++) {
			memset(&p, 0, sizeof(p));
			prog_vlan(&p, ops[i], protos[j]);
			compare(&p, npkts());
		}
	vlan_pkts = false;
	for (i = 0; i < 8; i++) {
		static const uint32_t rooms[] = { 0, 1, 4, 14, 50, 64, 20000, 0xffffffff };

		memset(&p, 0, sizeof(p));
		prog_change_head(&p, rooms[i], 0);
		compare(&p, npkts() / 4);
	}
	memset(&p, 0, sizeof(p));
	prog_change_head(&p, 14, 1);
	compare(&p, 8);
	for (j = 0; j < 3; j++) {
		memset(&p, 0, sizeof(p));
		prog_peer(&p, j == 2 ? 1ULL << 32 : j);
		compare(&p, 4);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	rng = env_u64("INTERP_CSUM_SEED", 1) * 0x9e3779b97f4a7c15ULL | 1;
	RUN_TEST(test_csum_diff);
	RUN_TEST(test_csum_replace);
	RUN_TEST(test_store_bytes);
	RUN_TEST(test_fib_lookup);
	RUN_TEST(test_clone_redirect);
	RUN_TEST(test_vlan);
	return test_summary("test_interp_csum");
}
