/* SPDX-License-Identifier: MIT */
/*
 * Packets for differential tests: inputs that reach deep into real network
 * programs.  Most are well-formed Ethernet frames (optionally one or two
 * 802.1Q/802.1ad tags) carrying IPv4 (with and without options, sometimes
 * fragmented) or IPv6, then TCP, UDP or ICMP/ICMPv6 with random ports, flags
 * and payload; some are truncated at a random byte; some are ARP; a few are
 * random bytes.  Deterministic for a given seed.
 */
#ifndef BPFSYNTH_TESTS_HARNESS_PKT_H
#define BPFSYNTH_TESTS_HARNESS_PKT_H

#include <stdint.h>

#define PKT_GEN_MAX 1514
#define PKT_GEN_MIN 14 /* ETH_HLEN: BPF_PROG_TEST_RUN refuses less */

struct pkt_gen {
	uint64_t state;
};

void pkt_gen_init(struct pkt_gen *g, uint64_t seed);
uint64_t pkt_gen_rand(struct pkt_gen *g);

/*
 * Write one packet into @buf (PKT_GEN_MAX bytes) and return its length
 * (PKT_GEN_MIN..PKT_GEN_MAX).  @kind, if not NULL, gets a short description
 * ("eth/vlan/ipv4/udp", "truncated ipv6/tcp", "random", ...) for reproducers.
 */
uint32_t pkt_gen_next(struct pkt_gen *g, uint8_t *buf, const char **kind);

#endif
