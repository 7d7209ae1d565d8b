// SPDX-License-Identifier: MIT
/*
 * core/interp's conntrack (interp_ct.c) against the kernel: the corpus's
 * test_bpf_nf programs (selftests; XDP and tc), every run from the
 * object's initial globals, so that each run's results are its own (the
 * corpus differential carries the kernel's globals from run to run, where
 * a value the interpreter failed to write would still match).  The
 * programs write each check's outcome into a global: the lookup and alloc
 * errors, the NAT addresses found in the reply tuple, mark, status, the
 * timeout left in seconds.  Every global byte must agree, but for
 * test_delta_timeout, which is 10 or, when a jiffy passes between
 * bpf_ct_change_timeout() and bpf_jiffies64(), 9 (in either).
 */
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tests/test.h"
#include "core/interp.h"
#include "tests/kernel/harness.h"
#include "tests/kernel/test_interp_kobj.h"

#define MAXM 16
#define NRUNS 50

/* an IPv4 TCP frame: the skb test run refuses anything shorter than its headers */
static const uint8_t pkt[54] = { [12] = 0x08, [14] = 0x45, [17] = 40, [22] = 64, [23] = 6 };

/* Offset of global @var in the object's datasec @sec, or -1 */
static int var_offset(const struct btf *btf, const char *sec, const char *var)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	int id = btf ? btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC) : -1;
	uint16_t i;

	if (id < 0 || !(t = btf__type_by_id(btf, id)))
		return -1;
	vs = btf_var_secinfos(t);
	for (i = 0; i < btf_vlen(t); i++, vs++)
		if (!strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off),
			    var))
			return (int)vs->offset;
	return -1;
}

static void run_prog(const char *path, const char *name, enum bpf_prog_type type,
		     const struct interp_ct_env *env)
{
	static char log[KH_LOG_SIZE];
	static uint8_t init[MAXM][4096], kval[4096], ival[4096];
	struct interp_map_def defs[MAXM];
	struct interp_map_elem elems[MAXM];
	uint32_t n = 0, m, k, zero = 0, nglob = 0, prandom[16], compared = 0, ticks = 0;
	bool glob[MAXM] = { false };
	int fds[MAXM], delta = -1;
	const char *names[MAXM];
	struct interp_prog *p = NULL;
	struct interp_ctx *c = NULL;
	struct bpf_map *map;
	struct kh_prog kp;
	char why[256];
	int err;

	err = kh_load(path, name, type, &kp, log, sizeof(log));
	if (!CHECK(!err, "%s does not load: %s", name, strerror(-err)))
		return;
	bpf_object__for_each_map (map, kp.obj) {
		if (!CHECK(n < MAXM, "too many maps"))
			goto out;
		fds[n] = bpf_map__fd(map);
		names[n] = bpf_map__name(map);
		defs[n] = (struct interp_map_def){ .type = bpf_map__type(map),
			.key_size = bpf_map__key_size(map), .value_size = bpf_map__value_size(map),
			.max_entries = bpf_map__max_entries(map), .flags = bpf_map__map_flags(map),
			.ref = fds[n] };
		/* global data (.bss, .data, .rodata, .kconfig): as loaded */
		if (defs[n].type == BPF_MAP_TYPE_ARRAY && defs[n].max_entries == 1 &&
		    defs[n].value_size <= sizeof(init[0]) &&
		    !bpf_map_lookup_elem(fds[n], &zero, init[n])) {
			glob[n] = true;
			elems[nglob++] = (struct interp_map_elem){ .map = n, .key = &zero,
								   .value = init[n] };
			if (strstr(bpf_map__name(map), ".bss"))
				delta = var_offset(bpf_object__btf(kp.obj), ".bss",
						   "test_delta_timeout");
		}
		n++;
	}
	if (!CHECK(delta >= 0, "%s: no test_delta_timeout in .bss", name))
		goto out;
	p = interp_prog__new(bpf_program__insns(kp.prog), bpf_program__insn_cnt(kp.prog), type,
			     why, sizeof(why));
	c = interp_ctx__new(defs, n, why, sizeof(why));
	if (!CHECK(p && c, "%s: interp: %s", name, why))
		goto out;
	interp_ctx__set_ct(c, env);
	for (k = 0; k < 16; k++)
		prandom[k] = 0x9e3779b9u * (k + 1);
	for (k = 0; k < NRUNS; k++) {
		struct kh_run run = {.data_in = pkt, .data_size_in = sizeof(pkt)};
		struct timespec now;
		struct interp_input in = {.pkt = pkt, .pkt_len = sizeof(pkt), .elems = elems,
					  .nelems = nglob, .prandom = prandom, .nprandom = 16,
					  .ktime_step = 50};
		struct interp_result res;

		for (m = 0; m < n; m++)
			if (glob[m] && !strstr(names[m], ".rodata") &&
			    !strstr(names[m], ".kconfig"))
				bpf_map_update_elem(fds[m], &zero, init[m], BPF_ANY);
		if (!CHECK(!kh_test_run(kp.fd, &run, why, sizeof(why)), "%s: test run: %s", name,
			   why))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		in.ktime_ns = (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec;
		prandom[0] += k; /* other tuples each run, as the kernel's */
		interp_run(c, p, &in, &res);
		if (!CHECK(res.status == INTERP_OK && res.retval == run.retval,
			   "%s run %u: kernel retval %u, interp %s %u", name, k, run.retval,
			   res.status == INTERP_OK ? "" : res.msg, res.retval))
			break;
		for (m = 0; m < n; m++) {
			uint32_t i, vs = defs[m].value_size;

			if (!glob[m])
				continue;
			memset(kval, 0, sizeof(kval));
			memset(ival, 0, sizeof(ival));
			bpf_map_lookup_elem(fds[m], &zero, kval);
			interp_map_lookup(c, m, &zero, ival);
			if (strstr(names[m], ".bss")) {
				uint32_t kd, id;

				memcpy(&kd, kval + delta, 4);
				memcpy(&id, ival + delta, 4);
				CHECK((kd == 10 || kd == 9) && (id == 10 || id == 9),
				      "%s run %u: test_delta_timeout kernel %u, interp %u", name,
				      k, kd, id);
				ticks += kd != id;
				memcpy(kval + delta, ival + delta, 4);
			}
			for (i = 0; i < vs && kval[i] == ival[i]; i++)
				;
			if (!CHECK(i == vs, "%s run %u: %s differs at byte %u: kernel %02x, "
				   "interp %02x", name, k, names[m], i, kval[i], ival[i]))
				goto out;
			compared += vs;
		}
	}
	fprintf(stderr, "  %s: %u runs, %u global bytes compared, test_delta_timeout differed "
		"by a jiffy in %u\n", name, k, compared, ticks);
	ASSERT_EQ(k, NRUNS, "runs");
out:
	interp_prog__free(p);
	interp_ctx__free(c);
	kh_unload(&kp);
}

static void test_bpf_nf(void)
{
	const char *dir = getenv("CORPUS_DIR");
	struct interp_ct_env env;
	char path[4096], why[256];
	cpu_set_t cpu0;

	if (!kh_bpf_permitted(why, sizeof(why)))
		return test_skip("%s", why);
	if (kobj_ct_env(&env, why, sizeof(why)))
		return test_skip("conntrack not modelled here: %s", why);
	snprintf(path, sizeof(path), "%s/objs/selftests/test_bpf_nf.o",
		 dir && *dir ? dir : "/var/cache/bpfsynth-corpus");
	if (access(path, R_OK))
		return test_skip("no %s (make corpus)", path);
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	run_prog(path, "nf_xdp_ct_test", BPF_PROG_TYPE_XDP, &env);
	run_prog(path, "nf_skb_ct_test", BPF_PROG_TYPE_SCHED_CLS, &env);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_bpf_nf);
	return test_summary("test_interp_ct_kernel");
}
