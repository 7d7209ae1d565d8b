/* SPDX-License-Identifier: MIT */
/*
 * What the preload's kernel tests share (test_preload.c: the hit path and
 * its faults; test_preload_opt.c: sync mode, warm, worker): spawning loaders
 * with the preload's settings, the kernel's view of what loaded, statistics,
 * and a behavioural comparison of two loads of the example under
 * BPF_PROG_TEST_RUN.  Each test is its own binary: static state is per test.
 */
#ifndef BPFSYNTH_TESTS_KERNEL_PRELOAD_UTIL_H
#define BPFSYNTH_TESTS_KERNEL_PRELOAD_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "cache/cache.h"
#include "tests/kernel/harness.h"
#include "tests/test.h"

/* The preload, the example object, this test binary; a private bpffs and a scratch root. */
__attribute__((unused)) static char so_path[PATH_MAX], obj_path[PATH_MAX], self_path[PATH_MAX];
__attribute__((unused)) static char bpffs[64], root[64];

/* Settings for a spawned process: NULL preload = without the preload. */
struct run {
	const char *preload;
	const char *mode;
	const char *dir;
	const char *log; /* BPFSYNTH_LOG */
	const char *worker; /* BPFSYNTH_WORKER; NULL: "off" (never a worker in a test unless asked) */
	const char *budget; /* BPFSYNTH_BUDGET */
};

/* Run @argv with @r's environment; stdout into @out (if not NULL).  Exit status or -1. */
static inline int spawn(char *const argv[], const struct run *r, char *out, size_t outsz)
{
	int pfd[2], status;
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(out ? pfd[1] : null, 1);
		close(pfd[0]);
		close(pfd[1]);
		unsetenv("LD_PRELOAD");
		unsetenv("BPFSYNTH_MODE");
		unsetenv("BPFSYNTH_LOG");
		unsetenv("BPFSYNTH_BUDGET");
		setenv("BPFSYNTH_CONFIG", "", 1);
		setenv("BPFSYNTH_WORKER", r->worker ? r->worker : "off", 1);
		if (r->budget)
			setenv("BPFSYNTH_BUDGET", r->budget, 1);
		if (r->preload)
			setenv("LD_PRELOAD", r->preload, 1);
		if (r->mode)
			setenv("BPFSYNTH_MODE", r->mode, 1);
		if (r->dir)
			setenv("BPFSYNTH_CACHE_DIR", r->dir, 1);
		if (r->log)
			setenv("BPFSYNTH_LOG", r->log, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (out && n + 1 < outsz && (k = read(pfd[0], out + n, outsz - n - 1)) > 0)
		n += (size_t)k;
	if (out)
		out[n] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Kernel's view of a loaded program: xlated length and instructions. */
static inline int prog_xlated(int fd, uint32_t *len, uint8_t *insns, size_t cap)
{
	struct bpf_prog_info info;
	uint32_t ilen = sizeof(info);
	uint32_t i;

	memset(&info, 0, sizeof(info));
	info.xlated_prog_insns = (uint64_t)(uintptr_t)insns;
	info.xlated_prog_len = insns ? cap : 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return -errno;
	*len = info.xlated_prog_len;
	/* Map references are dumped as map ids, which differ per load: mask them. */
	for (i = 0; insns && i + 1 < *len / 8 && i + 1 < cap / 8; i++) {
		struct bpf_insn *in = (struct bpf_insn *)insns + i;

		if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE)
				in->imm = 0;
			i++;
		}
	}
	return 0;
}

/*
 * bpftool prog load of the example, pinned at bpffs/NAME; the pinned program's
 * fd, or a negative errno.
 */
static inline int bpftool_load(const struct run *r, const char *name)
{
	char pin[128];
	char *argv[] = {"bpftool", "prog", "load", obj_path, pin, "type", "xdp", NULL};
	int st, fd;

	snprintf(pin, sizeof(pin), "%s/%s", bpffs, name);
	unlink(pin);
	st = spawn(argv, r, NULL, 0);
	if (st) {
		fprintf(stderr, "  bpftool prog load exited with %d\n", st);
		return -ECHILD;
	}
	fd = bpf_obj_get(pin);
	unlink(pin);
	return fd < 0 ? -errno : fd;
}

static inline json_int_t stat_of(const char *dir, const char *name)
{
	char msg[CACHE_MSG_SIZE];
	json_t *s = cache_stats_read(dir, msg, sizeof(msg));
	json_int_t v = json_integer_value(json_object_get(s, name));

	json_decref(s);
	return v;
}

static inline json_int_t reason_of(const char *dir, const char *obj, const char *reason)
{
	char msg[CACHE_MSG_SIZE];
	json_t *s = cache_stats_read(dir, msg, sizeof(msg));
	json_int_t v = json_integer_value(json_object_get(json_object_get(s, obj), reason));

	json_decref(s);
	return v;
}

/* Packets for the example: Ethernet, IPv4, UDP/TCP, with variations. */
static inline uint32_t make_packet(uint8_t *p, uint32_t seed)
{
	uint32_t len = 64, r = seed * 2654435761u + 12345;

	memset(p, 0, 128);
	memset(p, 0xaa, 12);
	p[12] = (seed % 5) ? 0x08 : 0x86; /* IPv4 mostly */
	p[13] = (seed % 5) ? 0x00 : 0xdd;
	p[14] = (seed % 7) ? 0x45 : 0x46; /* ihl 5 mostly */
	p[23] = (seed % 3) ? 17 : (seed % 2 ? 6 : (uint8_t)r);
	p[36] = 0;
	p[37] = (seed % 4) ? 9 : (uint8_t)(r >> 8); /* port 9 often */
	if (seed % 11 == 0)
		len = 14 + (r % 30); /* truncated headers */
	if (seed % 13 == 0)
		len = 14;
	return len;
}

static inline int map_of(int prog_fd)
{
	struct bpf_prog_info info;
	uint32_t ilen = sizeof(info), id = 0;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 1;
	info.map_ids = (uint64_t)(uintptr_t)&id;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &ilen) || !id)
		return -1;
	return bpf_map_get_fd_by_id(id);
}

/* Same return values, packets and map contents for a set of packets. */
static inline void same_behaviour(int fa, int fb)
{
	uint8_t pkt[128], oa[256], ob[256];
	char msg[256];
	int i, diffs = 0, drops = 0, ma, mb;
	uint32_t k;

	for (i = 0; i < 300; i++) {
		struct kh_run ra = {0}, rb = {0};
		uint32_t len = make_packet(pkt, i);

		ra.data_in = rb.data_in = pkt;
		ra.data_size_in = rb.data_size_in = len;
		ra.data_out = oa, rb.data_out = ob;
		ra.data_size_out = rb.data_size_out = sizeof(oa);
		if (kh_test_run(fa, &ra, msg, sizeof(msg)) ||
		    kh_test_run(fb, &rb, msg, sizeof(msg))) {
			diffs++;
			continue;
		}
		drops += ra.retval == XDP_DROP;
		diffs += ra.retval != rb.retval || ra.data_size_out != rb.data_size_out ||
			 memcmp(oa, ob, ra.data_size_out);
	}
	ASSERT_EQ(diffs, 0, "packets with different results, original vs optimized");
	ASSERT_GE(drops, 10, "some packets are dropped (the rewritten path runs)");
	ma = map_of(fa);
	mb = map_of(fb);
	if (!ASSERT_TRUE(ma >= 0 && mb >= 0, "the programs' maps"))
		return;
	for (k = 0, diffs = 0; k < 256; k++) {
		uint64_t va = 0, vb = 1;

		bpf_map_lookup_elem(ma, &k, &va);
		bpf_map_lookup_elem(mb, &k, &vb);
		diffs += va != vb;
	}
	ASSERT_EQ(diffs, 0, "map counters differ, original vs optimized");
	close(ma);
	close(mb);
}

#endif
