/* SPDX-License-Identifier: MIT */
/*
 * Devmap entry programs (expected_attach_type BPF_XDP_DEVMAP) in the
 * kernel, for tests/kernel/test_interp_corpus.c.  BPF_PROG_TEST_RUN refuses
 * them (bpf_prog_test_run_xdp(): EINVAL), and those that read
 * xdp_md.egress_ifindex do not load as plain XDP, so they run where the
 * kernel runs them: after a redirect into a devmap.
 *
 * The rig, in the test's empty netns: a veth pair bsyn_a/bsyn_b; a devmap
 * whose entry 0 sends to bsyn_a through the program under test; a
 * redirector (bpf_redirect_map(devmap, 0, 0)) test-run with
 * BPF_F_TEST_XDP_LIVE_FRAMES, so that the frame really goes: the kernel's
 * dev_map_bpf_prog_run() runs the entry program with egress_ifindex =
 * bsyn_a, ingress_ifindex = the netns' loopback (1), rx queue 0; on
 * XDP_PASS the frame is sent out of bsyn_a and arrives on bsyn_b (an
 * XDP_PASS program there gives the veth its NAPI), where a packet socket
 * reads it; any other action drops it.  So what is compared is whether the
 * program passed the frame, the frame's bytes, and the maps -- not the
 * action's number among the dropping ones (ABORTED, DROP, TX, REDIRECT all
 * drop here).  IPv6 is off on the pair: nothing else crosses it.
 *
 * Included by that test alone (static functions, as interp_kmaps.h).
 */
#ifndef BPFSYNTH_TESTS_KERNEL_INTERP_DEVMAP_H
#define BPFSYNTH_TESTS_KERNEL_INTERP_DEVMAP_H

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests/unit/insn_macros.h"

#define DEVMAP_WAIT_MS 1000 /* for a frame the interpreter says passes */
#define DEVMAP_NONE_MS 20   /* to be sure none comes when it says drop */

struct devmap_rig {
	bool tried, ok;
	char why[200];
	int ifa, ifb, devmap, redir, pass, sock;
};

static int devmap_rig_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

/* Build the rig in the current netns (the test's empty one): 0, or -errno and @r->why. */
static int devmap_rig_init(struct devmap_rig *r)
{
	struct bpf_insn pass[] = { BPF_MOV64_IMM(BPF_REG_0, XDP_PASS), BPF_EXIT_INSN() };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int err;

	if (r->tried)
		return r->ok ? 0 : -ENODEV;
	r->tried = true;
	r->devmap = r->redir = r->pass = r->sock = -1;
	if (system("ip link add bsyn_a type veth peer name bsyn_b 2>/dev/null")) {
		snprintf(r->why, sizeof(r->why), "cannot create a veth pair (ip link add)");
		return -ENODEV;
	}
	r->ifa = (int)if_nametoindex("bsyn_a");
	r->ifb = (int)if_nametoindex("bsyn_b");
	/* no router solicitations or neighbour discovery across the pair */
	devmap_rig_write("/proc/sys/net/ipv6/conf/bsyn_a/disable_ipv6", "1");
	devmap_rig_write("/proc/sys/net/ipv6/conf/bsyn_b/disable_ipv6", "1");
	if (!r->ifa || !r->ifb || system("ip link set bsyn_a up && ip link set bsyn_b up")) {
		snprintf(r->why, sizeof(r->why), "cannot bring the veth pair up");
		return -ENODEV;
	}
	r->pass = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", pass, 2, NULL);
	err = r->pass < 0 ? -errno : bpf_xdp_attach(r->ifb, r->pass, XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		snprintf(r->why, sizeof(r->why), "cannot attach XDP to bsyn_b: %s", strerror(-err));
		return err;
	}
	r->devmap = bpf_map_create(BPF_MAP_TYPE_DEVMAP, NULL, 4, sizeof(struct bpf_devmap_val), 1,
				   NULL);
	if (r->devmap >= 0) {
		struct bpf_insn redir[] = {
			BPF_LD_MAP_FD(BPF_REG_1, r->devmap),
			BPF_MOV64_IMM(BPF_REG_2, 0),
			BPF_MOV64_IMM(BPF_REG_3, 0),
			BPF_EMIT_CALL(BPF_FUNC_redirect_map),
			BPF_EXIT_INSN(),
		};

		r->redir = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", redir, 6, NULL);
	}
	if (r->devmap < 0 || r->redir < 0) {
		snprintf(r->why, sizeof(r->why), "cannot make the devmap or the redirector: %s",
			 strerror(errno));
		return -errno;
	}
	r->sock = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	sll.sll_ifindex = r->ifb;
	if (r->sock < 0 || bind(r->sock, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(r->sock, SOL_PACKET, PACKET_AUXDATA, &(int){1}, sizeof(int))) {
		snprintf(r->why, sizeof(r->why), "cannot open a packet socket on bsyn_b: %s",
			 strerror(errno));
		return -errno;
	}
	r->ok = true;
	return 0;
}

/* The devmap's entry sends to bsyn_a through @prog_fd. */
static int devmap_rig_set(struct devmap_rig *r, int prog_fd)
{
	struct bpf_devmap_val val = { .ifindex = (uint32_t)r->ifa, .bpf_prog.fd = prog_fd };
	uint32_t key = 0;

	return bpf_map_update_elem(r->devmap, &key, &val, BPF_ANY) ? -errno : 0;
}

/*
 * A frame as it was sent: the receive path takes a VLAN tag out of the
 * packet into skb->vlan_tci (skb_vlan_untag()), which the packet socket
 * gives beside it (PACKET_AUXDATA); put it back after the MAC addresses.
 */
static ssize_t devmap_rig_recv(struct devmap_rig *r, uint8_t *frame, size_t cap)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = frame, .iov_len = cap - 4 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(r->sock, &mh, 0);

	if (n < 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		struct tpacket_auxdata aux;

		if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || n < 12)
			continue;
		memmove(frame + 16, frame + 12, (size_t)n - 12);
		frame[12] = (uint8_t)((aux.tp_status & TP_STATUS_VLAN_TPID_VALID ?
				       aux.tp_vlan_tpid : ETH_P_8021Q) >> 8);
		frame[13] = (uint8_t)(aux.tp_status & TP_STATUS_VLAN_TPID_VALID ?
				      aux.tp_vlan_tpid : ETH_P_8021Q);
		frame[14] = (uint8_t)(aux.tp_vlan_tci >> 8);
		frame[15] = (uint8_t)aux.tp_vlan_tci;
		n += 4;
	}
	return n;
}

/*
 * One packet through the redirector and the entry program: *@arrived and
 * the frame bsyn_b got.  @expect: whether to wait for one (the interpreter
 * passed it).  A frame of an earlier packet arriving late is an error (a
 * disagreement the wait hid); -errno and @msg.
 */
static int devmap_rig_run(struct devmap_rig *r, const uint8_t *pkt, uint32_t len, bool expect,
			  uint8_t *frame, uint32_t cap, uint32_t *flen, bool *arrived, char *msg,
			  size_t msgsz)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	struct pollfd pfd = { .fd = r->sock, .events = POLLIN };
	ssize_t n;

	if (devmap_rig_recv(r, frame, cap) >= 0) {
		snprintf(msg, msgsz, "a frame arrived after the wait of its packet");
		return -EAGAIN;
	}
	if (bpf_prog_test_run_opts(r->redir, &o)) {
		snprintf(msg, msgsz, "live test run: %s", strerror(errno));
		return -errno;
	}
	*arrived = false;
	if (poll(&pfd, 1, expect ? DEVMAP_WAIT_MS : DEVMAP_NONE_MS) <= 0)
		return 0;
	n = devmap_rig_recv(r, frame, cap);
	if (n < 0)
		return 0;
	*arrived = true;
	*flen = (uint32_t)n;
	return 0;
}

/* Wait out and discard a frame the rig cannot judge; whether one came. */
static bool devmap_rig_drain(struct devmap_rig *r)
{
	struct pollfd pfd = { .fd = r->sock, .events = POLLIN };
	uint8_t buf[4096];

	if (poll(&pfd, 1, DEVMAP_NONE_MS) <= 0)
		return false;
	return devmap_rig_recv(r, buf, sizeof(buf)) >= 0;
}

static void devmap_rig_free(struct devmap_rig *r)
{
	if (!r->tried)
		return;
	if (r->sock >= 0)
		close(r->sock);
	if (r->redir >= 0)
		close(r->redir);
	if (r->devmap >= 0)
		close(r->devmap);
	if (r->pass >= 0)
		close(r->pass);
	/* the pair goes with the netns */
}

#endif
