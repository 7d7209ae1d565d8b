// SPDX-License-Identifier: MIT
/*
 * A CO-RE access to a structure whose layout is the kernel's to change
 * (here a made-up one; in real programs struct sk_buff, net_device, ...):
 * `bpfsynth opt` must leave the program alone (tests/cli/test_opt_core.sh).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpfsynth_test_hdr {
	unsigned int a, b;
} __attribute__((preserve_access_index));

SEC("xdp")
int xdp_other(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct bpfsynth_test_hdr *h = (void *)(long)ctx->data;

	if ((void *)(h + 1) > data_end)
		return XDP_PASS;
	return h->b == 7 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
