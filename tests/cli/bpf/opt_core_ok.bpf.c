// SPDX-License-Identifier: MIT
/*
 * The shipped example compiled the way vmlinux.h-based programs are: every
 * structure preserve_access_index, so each field access (xdp_md, ethhdr,
 * iphdr with its ihl bitfield, udphdr) carries a CO-RE record libbpf
 * relocates at load.  All of them are ABI-fixed layouts: `bpfsynth opt`
 * optimizes it (tests/cli/test_opt_core.sh).  The headers are included
 * first under the pragma; the example's own includes then change nothing.
 */
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#pragma clang attribute pop

#include "examples/xdp_example.bpf.c"
