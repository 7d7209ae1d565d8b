// SPDX-License-Identifier: MIT
/*
 * A program whose own `struct ethhdr` is not the kernel's: libbpf relocates
 * its h_proto access from offset 14 here to the kernel's 12, so the object's
 * instructions are not what loads.  `bpfsynth opt` must leave it alone
 * (tests/cli/test_opt_core.sh).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ethhdr {
	unsigned char pad[2];
	unsigned char h_dest[6];
	unsigned char h_source[6];
	unsigned short h_proto;
} __attribute__((preserve_access_index));

SEC("xdp")
int xdp_moved(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = (void *)(long)ctx->data;
	__u32 a = 1, b = 2;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == 0x0008)
		return (a << 1) + b - 2 == 2 ? XDP_DROP : XDP_PASS;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
