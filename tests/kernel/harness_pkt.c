// SPDX-License-Identifier: MIT
/*
 * Packet generator for differential tests (see harness_pkt.h).
 *
 * Random fields are chosen from small sets of "interesting" values more often
 * than uniformly (well-known ports, TTL 0/1, the DF/MF bits, IHL 5 and more,
 * the broadcast MAC, addresses that match and don't), because the programs
 * under test branch on exactly those; checksums are left as drawn, since
 * programs that verify them must see both right and wrong ones.
 */
#include <stdbool.h>
#include <string.h>

#include "tests/kernel/harness_pkt.h"

enum { P_TCP = 6, P_UDP = 17, P_ICMP = 1, P_ICMP6 = 58, P_GRE = 47, P_IPIP = 4 };

void pkt_gen_init(struct pkt_gen *g, uint64_t seed)
{
	g->state = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
}

/* splitmix64 */
uint64_t pkt_gen_rand(struct pkt_gen *g)
{
	uint64_t z = (g->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rn(struct pkt_gen *g, uint32_t n)
{
	return (uint32_t)(pkt_gen_rand(g) % n);
}

static uint32_t pick(struct pkt_gen *g, const uint32_t *v, uint32_t n, uint32_t any_mask)
{
	/* three times in four a listed value, else anything */
	if (rn(g, 4))
		return v[rn(g, n)];
	return (uint32_t)pkt_gen_rand(g) & any_mask;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void fill(struct pkt_gen *g, uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)pkt_gen_rand(g);
}

static uint32_t l4(struct pkt_gen *g, uint8_t *p, uint32_t proto, uint32_t room)
{
	static const uint32_t ports[] = {9, 22, 53, 80, 443, 1234, 4789, 6081, 8080, 0, 65535};
	uint32_t n;

	switch (proto) {
	case P_TCP:
		if (room < 20)
			return 0;
		fill(g, p, 20);
		put16(p, pick(g, ports, 11, 0xffff));
		put16(p + 2, pick(g, ports, 11, 0xffff));
		p[12] = (uint8_t)((5 + (rn(g, 4) ? 0 : rn(g, 11))) << 4); /* doff, options */
		p[13] = (uint8_t)(rn(g, 3) ? (1u << rn(g, 6))
					   : pkt_gen_rand(g)); /* SYN, ACK, ... */
		n = 20;
		break;
	case P_UDP:
		if (room < 8)
			return 0;
		put16(p, pick(g, ports, 11, 0xffff));
		put16(p + 2, pick(g, ports, 11, 0xffff));
		put16(p + 4, 8 + rn(g, 64));
		put16(p + 6, rn(g, 2) ? 0 : (uint32_t)pkt_gen_rand(g));
		n = 8;
		break;
	case P_ICMP:
	case P_ICMP6: {
		static const uint32_t types[] = {0, 3, 8, 11, 128, 129, 135, 136};

		if (room < 8)
			return 0;
		fill(g, p, 8);
		p[0] = (uint8_t)pick(g, types, 8, 0xff);
		p[1] = (uint8_t)(rn(g, 2) ? 0 : rn(g, 16));
		n = 8;
		break;
	}
	default:
		n = 0;
	}
	/* some payload */
	if (room > n) {
		uint32_t pay = rn(g, 3) ? rn(g, 64) : rn(g, room - n + 1);

		if (pay > room - n)
			pay = room - n;
		fill(g, p + n, pay);
		n += pay;
	}
	return n;
}

static uint32_t l3_proto(struct pkt_gen *g, bool v6)
{
	static const uint32_t p4[] = {P_TCP, P_UDP, P_ICMP, P_TCP, P_UDP, P_GRE, P_IPIP};
	static const uint32_t p6[] = {P_TCP, P_UDP, P_ICMP6, P_TCP, P_UDP, 0 /* hop-by-hop */};

	return v6 ? pick(g, p6, 6, 0xff) : pick(g, p4, 7, 0xff);
}

static uint32_t ipv4(struct pkt_gen *g, uint8_t *p, uint32_t room, const char **what)
{
	static const uint32_t addrs[] = {0x0a000001, 0x0a000002, 0xc0a80101, 0x7f000001,
					 0xffffffff, 0xe0000001, 0};
	uint32_t ihl = rn(g, 5) ? 5 : 5 + rn(g, 11), hl = ihl * 4, proto, n;

	if (room < hl)
		return 0;
	fill(g, p, hl);
	p[0] = (uint8_t)(rn(g, 16) ? 0x40 | ihl : pkt_gen_rand(g)); /* sometimes not version 4 */
	p[1] = (uint8_t)(rn(g, 2) ? 0 : pkt_gen_rand(g));
	p[6] = (uint8_t)(rn(g, 3) ? 0x40 : (rn(g, 2) ? 0x20 : pkt_gen_rand(g))); /* DF, MF */
	p[7] = (uint8_t)(p[6] == 0x40 || rn(g, 2) ? 0 : pkt_gen_rand(g));
	p[8] = (uint8_t)(rn(g, 4) ? 64 : rn(g, 3)); /* TTL, sometimes 0/1/2 */
	proto = l3_proto(g, false);
	p[9] = (uint8_t)proto;
	put32(p + 12, pick(g, addrs, 7, 0xffffffff));
	put32(p + 16, pick(g, addrs, 7, 0xffffffff));
	*what = proto == P_TCP ? "ipv4/tcp" : proto == P_UDP ? "ipv4/udp" : "ipv4/other";
	n = hl + l4(g, p + hl, proto, room - hl);
	put16(p + 2, rn(g, 8) ? n : (uint32_t)pkt_gen_rand(g) & 0xffff); /* tot_len */
	return n;
}

static uint32_t ipv6(struct pkt_gen *g, uint8_t *p, uint32_t room, const char **what)
{
	uint32_t proto, n;

	if (room < 40)
		return 0;
	fill(g, p, 40);
	p[0] = (uint8_t)(rn(g, 16) ? 0x60 | (p[0] & 0x0f) : p[0]);
	proto = l3_proto(g, true);
	p[6] = (uint8_t)proto;
	p[7] = (uint8_t)(rn(g, 4) ? 64 : rn(g, 3));
	if (rn(g, 2)) { /* ::1 / fe80:: style prefixes */
		memset(p + 8, 0, 8);
		p[8] = rn(g, 2) ? 0xfe : 0x20;
		p[9] = rn(g, 2) ? 0x80 : 0x01;
	}
	*what = proto == P_TCP ? "ipv6/tcp" : proto == P_UDP ? "ipv6/udp" : "ipv6/other";
	n = 40 + l4(g, p + 40, proto, room - 40);
	put16(p + 4, rn(g, 8) ? n - 40 : (uint32_t)pkt_gen_rand(g) & 0xffff);
	return n;
}

uint32_t pkt_gen_next(struct pkt_gen *g, uint8_t *buf, const char **kind)
{
	static const uint32_t macs[] = {0x00, 0xff, 0x02, 0x01};
	const char *what = "eth/other";
	uint32_t len = 14, n, sel = rn(g, 100), eth_type;

	if (sel < 4) { /* random bytes */
		len = PKT_GEN_MIN + rn(g, 128);
		fill(g, buf, len);
		if (kind)
			*kind = "random";
		return len;
	}
	fill(g, buf, 12);
	if (rn(g, 4) == 0)
		memset(buf, (int)macs[rn(g, 4)], 6);
	/* VLAN tags: 802.1Q, sometimes QinQ */
	n = rn(g, 8) == 0 ? 1 + rn(g, 2) : 0;
	while (n--) {
		put16(buf + len - 2, rn(g, 2) ? 0x8100 : 0x88a8);
		put16(buf + len, (uint32_t)pkt_gen_rand(g) & 0xffff);
		len += 4;
	}
	eth_type = sel < 55 ? 0x0800 : sel < 90 ? 0x86dd : sel < 95 ? 0x0806 : rn(g, 0x10000);
	put16(buf + len - 2, eth_type);
	if (eth_type == 0x0800)
		len += ipv4(g, buf + len, PKT_GEN_MAX - len, &what);
	else if (eth_type == 0x86dd)
		len += ipv6(g, buf + len, PKT_GEN_MAX - len, &what);
	else {
		n = rn(g, 64);
		fill(g, buf + len, n);
		len += n;
		what = eth_type == 0x0806 ? "arp" : "eth/other";
	}
	/* one in eight: cut at a random byte */
	if (rn(g, 8) == 0 && len > PKT_GEN_MIN) {
		len = PKT_GEN_MIN + rn(g, len - PKT_GEN_MIN);
		if (kind)
			*kind = "truncated";
		return len;
	}
	if (kind)
		*kind = what;
	return len;
}
