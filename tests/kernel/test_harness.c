// SPDX-License-Identifier: MIT
/*
 * Kernel tests of tests/kernel/harness on the shipped XDP example: load it
 * alone, read the kernel's sizes, run it under BPF_PROG_TEST_RUN on crafted
 * packets, and read back its proto_count map.  Skips (saying why) when this
 * process may not use bpf().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/libbpf.h>

#include "tests/test.h"
#include "tests/kernel/harness.h"

static char example_path[4096];
static bool permitted;
static char skip_why[256];

static void example_init(void)
{
	const char *build = getenv("BUILD");

	snprintf(example_path, sizeof(example_path), "%s/examples/xdp_example.bpf.o",
		 build && *build ? build : "build");
	permitted = kh_bpf_permitted(skip_why, sizeof(skip_why));
}

/* Ethernet + IPv4 + UDP to @dport, with @payload bytes after the UDP header. */
static size_t make_udp(unsigned char *pkt, uint8_t proto, uint16_t dport, size_t payload)
{
	struct ethhdr *eth = (void *)pkt;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	size_t len = sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + payload;
	size_t i;

	memset(pkt, 0, len);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x02", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	ip->tot_len = htons((uint16_t)(len - sizeof(*eth)));
	ip->saddr = htonl(0x0a000001);
	ip->daddr = htonl(0x0a000002);
	udp->source = htons(40000);
	udp->dest = htons(dport);
	udp->len = htons((uint16_t)(sizeof(*udp) + payload));
	for (i = 0; i < payload; i++)
		pkt[len - payload + i] = (unsigned char)(i * 7 + 1);
	return len;
}

static bool load_example(struct kh_prog *kp)
{
	char log[KH_LOG_SIZE];
	int err;

	if (!permitted) {
		test_skip("%s", skip_why);
		return false;
	}
	err = kh_load(example_path, "xdp_example", BPF_PROG_TYPE_UNSPEC, kp, log, sizeof(log));
	if (!ASSERT_OK(err, "kh_load xdp_example")) {
		fprintf(stderr, "  (%s: %s)\n", example_path, log);
		return false;
	}
	return true;
}

/* Run one packet; returns the XDP action, or -1 after a failed assertion. */
static int run_pkt(struct kh_prog *kp, const void *pkt, size_t len, const char *what)
{
	unsigned char out[256];
	struct kh_run run = {
		.data_in = pkt,
		.data_size_in = (uint32_t)len,
		.data_out = out,
		.data_size_out = sizeof(out),
	};
	char msg[128];
	int err;

	err = kh_test_run(kp->fd, &run, msg, sizeof(msg));
	if (!CHECK(err == 0, "%s: %s", what, msg))
		return -1;
	ASSERT_EQ(run.data_size_out, len, "data out size equals data in size");
	CHECK(run.data_size_out == len && !memcmp(out, pkt, len), "%s: data out equals data in",
	      what);
	return (int)run.retval;
}

static void test_load_info(void)
{
	struct kh_prog kp;

	if (!load_example(&kp))
		return;
	ASSERT_GE(kp.fd, 0, "prog fd");
	ASSERT_EQ(kp.type, BPF_PROG_TYPE_XDP, "type from the section");
	ASSERT_FALSE(kp.type_inferred, "type decided by libbpf, not inferred");
	ASSERT_GE(kp.insn_cnt, 10, "insns submitted");
	ASSERT_GE(kp.xlated_len, 8, "xlated_prog_len > 0");
	ASSERT_GE(kp.jited_len, 1, "jited_prog_len > 0");
	ASSERT_EQ(kp.xlated_len % 8, 0, "xlated_prog_len is whole insns");
	kh_unload(&kp);
	ASSERT_EQ(kp.fd, -1, "fd reset by kh_unload");
}

static void test_run_packets(void)
{
	unsigned char pkt[128];
	struct kh_prog kp;
	uint64_t count, start = 100;
	uint32_t key;
	size_t len;

	if (!load_example(&kp))
		return;

	key = IPPROTO_UDP;
	ASSERT_OK(kh_map_update(&kp, "proto_count", &key, &start, BPF_ANY), "seed udp count");

	len = make_udp(pkt, IPPROTO_UDP, 9, 16);
	ASSERT_EQ(run_pkt(&kp, pkt, len, "udp/9"), XDP_DROP, "UDP to port 9 is dropped");
	len = make_udp(pkt, IPPROTO_UDP, 53, 16);
	ASSERT_EQ(run_pkt(&kp, pkt, len, "udp/53"), XDP_PASS, "UDP to port 53 passes");
	len = make_udp(pkt, IPPROTO_TCP, 9, 32);
	ASSERT_EQ(run_pkt(&kp, pkt, len, "tcp"), XDP_PASS, "TCP passes");

	/* Ethernet and a partial IPv4 header: too short to parse. */
	make_udp(pkt, IPPROTO_UDP, 9, 0);
	ASSERT_EQ(run_pkt(&kp, pkt, sizeof(struct ethhdr) + 10, "short"), XDP_PASS,
		  "short IPv4 packet passes");

	/* IPv6 + UDP to port 9: not IPv4, so neither counted nor dropped. */
	{
		struct ethhdr *eth = (void *)pkt;
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		memset(pkt, 0, sizeof(pkt));
		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6;
		ip6->nexthdr = IPPROTO_UDP;
		ip6->payload_len = htons(8);
		ip6->hop_limit = 64;
		len = sizeof(*eth) + sizeof(*ip6) + 8;
		((struct udphdr *)(ip6 + 1))->dest = htons(9);
		ASSERT_EQ(run_pkt(&kp, pkt, len, "ipv6"), XDP_PASS, "IPv6 passes");
	}

	ASSERT_OK(kh_map_lookup(&kp, "proto_count", &key, &count), "lookup udp count");
	ASSERT_EQ(count, start + 2, "two UDP packets counted");
	key = IPPROTO_TCP;
	ASSERT_OK(kh_map_lookup(&kp, "proto_count", &key, &count), "lookup tcp count");
	ASSERT_EQ(count, 1, "one TCP packet counted");
	key = IPPROTO_ICMP;
	ASSERT_OK(kh_map_lookup(&kp, "proto_count", &key, &count), "lookup icmp count");
	ASSERT_EQ(count, 0, "short and IPv6 packets not counted");
	kh_unload(&kp);
}

static void test_map_iterate(void)
{
	uint32_t key, next, ksz = 0, vsz = 0, n = 0, nonzero = 0;
	struct kh_prog kp;
	uint64_t val;
	int err;

	if (!load_example(&kp))
		return;
	ASSERT_OK(kh_map_sizes(&kp, "proto_count", &ksz, &vsz), "map sizes");
	ASSERT_EQ(ksz, 4, "key size");
	ASSERT_EQ(vsz, 8, "value size");
	ASSERT_EQ(kh_map_fd(&kp, "no_such_map"), -ENOENT, "unknown map name");

	key = 6;
	val = 42;
	ASSERT_OK(kh_map_update(&kp, "proto_count", &key, &val, BPF_ANY), "update key 6");
	for (err = kh_map_next_key(&kp, "proto_count", NULL, &next); !err;
	     err = kh_map_next_key(&kp, "proto_count", &key, &next)) {
		key = next;
		n++;
		if (!kh_map_lookup(&kp, "proto_count", &key, &val) && val)
			nonzero++;
	}
	ASSERT_EQ(err, -ENOENT, "iteration ends with -ENOENT");
	ASSERT_EQ(n, 256, "array has max_entries keys");
	ASSERT_EQ(nonzero, 1, "only the updated slot is non-zero");
	kh_unload(&kp);
}

static void test_repeat(void)
{
	unsigned char pkt[128];
	struct kh_prog kp;
	struct kh_run run = {};
	size_t len;

	if (!load_example(&kp))
		return;
	len = make_udp(pkt, IPPROTO_UDP, 9, 16);
	run.data_in = pkt;
	run.data_size_in = (uint32_t)len;
	run.repeat = 1000;
	ASSERT_OK(kh_test_run(kp.fd, &run, NULL, 0), "test run repeat 1000");
	ASSERT_EQ(run.retval, XDP_DROP, "retval with repeat");
	ASSERT_EQ(run.data_size_out, 0, "no data out requested");
	kh_unload(&kp);
}

/* XDP takes a struct xdp_md as ctx_in (data offsets into the packet) and gives it back. */
static void test_ctx(void)
{
	struct xdp_md ctx_in = {}, ctx_out = {};
	unsigned char pkt[128];
	struct kh_prog kp;
	struct kh_run run = {};
	char msg[128] = "";
	size_t len;

	if (!load_example(&kp))
		return;
	len = make_udp(pkt, IPPROTO_UDP, 9, 16);
	ctx_in.data = 0;
	ctx_in.data_end = (uint32_t)len;
	run.data_in = pkt;
	run.data_size_in = (uint32_t)len;
	run.ctx_in = &ctx_in;
	run.ctx_size_in = sizeof(ctx_in);
	run.ctx_out = &ctx_out;
	run.ctx_size_out = sizeof(ctx_out);
	if (CHECK(kh_test_run(kp.fd, &run, msg, sizeof(msg)) == 0, "run with ctx: %s", msg)) {
		ASSERT_EQ(run.retval, XDP_DROP, "retval with ctx");
		ASSERT_EQ(run.ctx_size_out, sizeof(ctx_out), "ctx out size");
		ASSERT_EQ(ctx_out.data_end - ctx_out.data, len, "ctx out spans the packet");
	}

	/* A ctx that contradicts the data is refused, and the message says so. */
	ctx_in.data_end = (uint32_t)len + 100;
	ASSERT_EQ(kh_test_run(kp.fd, &run, msg, sizeof(msg)), -EINVAL, "inconsistent ctx");
	CHECK(strstr(msg, "BPF_PROG_TEST_RUN") != NULL, "message: '%s'", msg);
	kh_unload(&kp);
}

static void test_load_errors(void)
{
	char log[KH_LOG_SIZE], reason[256];
	struct kh_prog kp;
	int err;

	if (!permitted) {
		test_skip("%s", skip_why);
		return;
	}
	err = kh_load(example_path, "nope", BPF_PROG_TYPE_UNSPEC, &kp, log, sizeof(log));
	ASSERT_EQ(err, -ENOENT, "unknown program name");
	ASSERT_EQ(kp.fd, -1, "no fd after failure");
	CHECK(strstr(log, "nope") != NULL, "log names the program: '%s'", log);

	err = kh_load("/nonexistent/x.bpf.o", NULL, BPF_PROG_TYPE_UNSPEC, &kp, log, sizeof(log));
	ASSERT_EQ(err, -ENOENT, "missing file");

	/* XDP code as a socket filter: the verifier rejects its ctx accesses. */
	err = kh_load(example_path, "xdp_example", BPF_PROG_TYPE_SOCKET_FILTER, &kp, log,
		      sizeof(log));
	CHECK(err < 0, "socket filter override must fail, got %d", err);
	ASSERT_TRUE(log[0] != '\0', "verifier log kept");
	kh_log_reason(log, reason, sizeof(reason));
	CHECK(reason[0] && !strstr(reason, "processed "), "reason line: '%s'", reason);
}

static void test_section_types(void)
{
	ASSERT_EQ(kh_prog_type_from_section("xdp_redirect"), BPF_PROG_TYPE_XDP, "xdp_*");
	ASSERT_EQ(kh_prog_type_from_section("socket1"), BPF_PROG_TYPE_SOCKET_FILTER, "socket*");
	ASSERT_EQ(kh_prog_type_from_section("classifier"), BPF_PROG_TYPE_SCHED_CLS, "classifier");
	ASSERT_EQ(kh_prog_type_from_section("tc_ingress"), BPF_PROG_TYPE_SCHED_CLS, "tc*");
	ASSERT_EQ(kh_prog_type_from_section("kprobe/sys_write"), BPF_PROG_TYPE_KPROBE, "kprobe/");
	ASSERT_EQ(kh_prog_type_from_section("tracepoint/syscalls/x"), BPF_PROG_TYPE_TRACEPOINT,
		  "tracepoint/");
	ASSERT_EQ(kh_prog_type_from_section("raw_tracepoint/x"), BPF_PROG_TYPE_RAW_TRACEPOINT,
		  "raw_tracepoint/");
	ASSERT_EQ(kh_prog_type_from_section("license"), BPF_PROG_TYPE_UNSPEC, "not a program");
	ASSERT_EQ(kh_prog_type_from_section(NULL), BPF_PROG_TYPE_UNSPEC, "NULL");
}

static void test_log_reason(void)
{
	char buf[64], big[256];

	kh_log_reason("0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\nprocessed 2 insns (limit "
		      "1000000) max_states_per_insn 0\n\n",
		      buf, sizeof(buf));
	ASSERT_STREQ(buf, "R0 !read_ok", "last non-statistics line");
	kh_log_reason("libbpf: prog 'p': failed to find kernel BTF type ID of 'f': -3\n"
		      "libbpf: prog 'p': failed to prepare load attributes: -3\n"
		      "libbpf: prog 'p': failed to load: -3\n"
		      "libbpf: failed to load object 'x.o'\n",
		      big, sizeof(big));
	ASSERT_STREQ(big, "prog 'p': failed to find kernel BTF type ID of 'f': -3",
		     "libbpf's reason, not its summary");
	kh_log_reason("", buf, sizeof(buf));
	ASSERT_STREQ(buf, "", "empty log");
	kh_log_reason("a very long line that does not fit into the buffer at all, no", buf, 8);
	ASSERT_STREQ(buf, "a very ", "truncated to the buffer");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	libbpf_set_print(NULL);
	example_init();
	if (!permitted)
		fprintf(stderr, "kernel tests skipped: %s\n", skip_why);
	RUN_TEST(test_section_types);
	RUN_TEST(test_log_reason);
	RUN_TEST(test_load_info);
	RUN_TEST(test_run_packets);
	RUN_TEST(test_map_iterate);
	RUN_TEST(test_repeat);
	RUN_TEST(test_ctx);
	RUN_TEST(test_load_errors);
	return test_summary("test_harness");
}
