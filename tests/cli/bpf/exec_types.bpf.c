// SPDX-License-Identifier: MIT
/*
 * Programs of the types whose context is not a packet's metadata, for
 * tests/cli/test_exec_types.sh: `bpfsynth exec --ctx-in` against
 * `bpftool prog run ... ctx_in`.
 */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

/* the first two arguments, mixed so that both matter */
SEC("raw_tracepoint/sys_enter")
int rtp_args(struct bpf_raw_tracepoint_args *ctx)
{
	return (int)(ctx->args[0] * 3 + (ctx->args[1] >> 8));
}

/* x86-64 pt_regs: di at 112, si at 104 */
SEC("kprobe/do_nothing")
int kp_regs(void *ctx)
{
	return (int)(*(unsigned long *)((char *)ctx + 112) - *(unsigned long *)((char *)ctx + 104));
}

/* writes past the packet (clamped) and a flag-dependent field */
SEC("flow_dissector")
int fd_keys(struct __sk_buff *skb)
{
	struct bpf_flow_keys *k = skb->flow_keys;
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	unsigned char *p = data;

	if (p + 24 > (unsigned char *)end)
		return BPF_DROP;
	k->ip_proto = p[23];
	k->thoff = 2000;
	k->is_frag = !!(k->flags & BPF_FLOW_DISSECTOR_F_PARSE_1ST_FRAG);
	return BPF_OK;
}

char _license[] SEC("license") = "GPL";
