/* SPDX-License-Identifier: MIT */
/*
 * One small XDP program in variants, for tests/cli/test_bench_opt.sh: the
 * bench's differential must see every variant but the first as different
 * from the first (or, for the clock-reading one, as nondeterministic).
 *
 *   VARIANT 0: count packets per IP protocol, drop UDP to port 9, pass the rest
 *   VARIANT 1: also drops UDP to port 53 (return values differ)
 *   VARIANT 2: counts TCP under the wrong protocol (only a map differs)
 *   VARIANT 3: stamps the time into the map (not a function of its input)
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("xdp")
int bench_prog(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct udphdr *udp;
	__u64 *count;
	__u32 key;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	key = iph->protocol;
	if (VARIANT == 2 && key == IPPROTO_TCP)
		key = IPPROTO_UDP;
	count = bpf_map_lookup_elem(&counts, &key);
	if (count)
		*count += VARIANT == 3 ? bpf_ktime_get_ns() : 1;
	if (iph->protocol != IPPROTO_UDP || iph->ihl != 5)
		return XDP_PASS;
	udp = (void *)(iph + 1);
	if ((void *)(udp + 1) > data_end)
		return XDP_PASS;
	if (udp->dest == bpf_htons(9) || (VARIANT == 1 && udp->dest == bpf_htons(53)))
		return XDP_DROP;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
