// SPDX-License-Identifier: MIT
/*
 * core/interp against the kernel on real programs: every XDP, tc, socket
 * filter and cgroup_skb program of the corpus that loads (manifest.tsv), on
 * generated packets (tests/kernel/harness_pkt.c).
 *
 * Each program is loaded alone (kh_load); the interpreter gets the very
 * instructions libbpf submitted (bpf_program__insns() after load: maps named
 * by fd) and the object's maps, with the same definitions.  Before every
 * packet the kernel's map contents are read and given to the interpreter as
 * its initial state, so state the program accumulates cannot make the two
 * drift apart; after it, retval, the packet out and every map must agree.
 * LPM tries start with prefixes of the packets' addresses, queues full
 * (prefill_maps()).  Programs that look sockets up run in an empty netns, as
 * the interpreter's is; the cgroup the interpreter is told is this task's.
 *
 * The interpreter is told this kernel's layout of map objects and conntrack
 * (its BTF, test_interp_kobj.h): programs that read struct bpf_map through
 * map pointers or call the conntrack kfuncs run with the kernel's values.
 * Conntrack's environment is checked (no netns ids); its table starts
 * empty in each interpreter run while the kernel's keeps what earlier runs
 * inserted, which matters only to a program that looks up what it or
 * others inserted before: test_bpf_nf's tuples are random each run.
 *
 * Runs that read the clock, random numbers or kernel memory the interpreter
 * does not hold are compared on the bytes that do not depend on them
 * (interp_nondet.h).  Devmap entry programs, which BPF_PROG_TEST_RUN
 * refuses, run after a live redirect through a veth (interp_devmap.h).
 *
 * Programs the interpreter does not model yet (a helper, a map type, a ctx
 * field: status UNSUPPORTED, or a map type interp_ctx__new() refuses) are
 * counted by reason and not compared, with what they need said
 * (interp_corpus_why.h); a fault in the interpreter on a program the
 * verifier accepted is a disagreement.
 *
 * Environment: CORPUS_DIR (default /var/cache/bpfsynth-corpus),
 * INTERP_CORPUS_PKTS packets per program (default 200), INTERP_CORPUS_BIG_PKTS
 * for programs with over 1 MiB of arrays, read whole per packet (default:
 * the same), INTERP_CORPUS_PROGS programs at most (default all),
 * INTERP_CORPUS_SEED, INTERP_CORPUS_VERBOSE=1 names each program and why it
 * was not compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core/asm.h"
#include "core/interp.h"
#include "tests/kernel/harness.h"
#include "tests/kernel/harness_pkt.h"
#include "tests/kernel/interp_kmaps.h"
#include "tests/kernel/interp_devmap.h"
#include "tests/kernel/interp_nondet.h"
#include "tests/kernel/interp_corpus_why.h"
#include "tests/kernel/test_interp_kobj.h"
#include "tests/test.h"

#define OUT_MAX 4096
#define BIG_MAPS (1u << 20) /* bytes of arrays: INTERP_CORPUS_BIG_PKTS applies */

/*
 * The interpreter's netns holds no sockets; programs that look sockets up
 * run in an empty netns of ours (netns_empty), the others where the test
 * started (netns_orig).  -1: none.
 */
static int netns_orig = -1, netns_empty = -1;

/* Devmap entry programs run after a redirect in the empty netns (interp_devmap.h) */
static struct devmap_rig rig;

/* The cgroup of this task, as ids from the root down (interp_input.cgroup_ids) */
static uint64_t cgroup_ids[64];
static uint32_t ncgroup_ids;

static void netns_init(void)
{
	netns_orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns_orig < 0 || unshare(CLONE_NEWNET))
		return;
	netns_empty = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(netns_orig, CLONE_NEWNET)) {
		fprintf(stderr, "cannot return to the original netns: %s\n", strerror(errno));
		exit(1);
	}
}

/* A cgroup's id is its inode number in the cgroup2 hierarchy. */
static void cgroup_init(void)
{
	char line[4096], mnt[4096] = "", path[8192], *p;
	struct stat st;
	FILE *f = fopen("/proc/mounts", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %4095s cgroup2", mnt) == 1 && strstr(line, " cgroup2 "))
			break;
		else
			mnt[0] = 0;
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "r");
	while (mnt[0] && f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		for (p = line + 3;; p++) {
			if (*p && *p != '/')
				continue;
			snprintf(path, sizeof(path), "%s%.*s", mnt, (int)(p - line - 3), line + 3);
			if (ncgroup_ids == 64 || stat(path, &st)) {
				ncgroup_ids = 0;
				break;
			}
			if (p == line + 3 || p[-1] != '/')
				cgroup_ids[ncgroup_ids++] = st.st_ino;
			if (!*p)
				break;
		}
	}
	if (f)
		fclose(f);
}

/* Whether @insns call a helper that looks sockets up in the netns. */
static bool looks_up_sockets(const struct bpf_insn *insns, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == 0 &&
		    (insns[i].imm == BPF_FUNC_sk_lookup_tcp ||
		     insns[i].imm == BPF_FUNC_sk_lookup_udp ||
		     insns[i].imm == BPF_FUNC_skc_lookup_tcp))
			return true;
	return false;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static const char *corpus_dir(void)
{
	const char *d = getenv("CORPUS_DIR");

	return d && *d ? d : "/var/cache/bpfsynth-corpus";
}

static bool tested_type(const char *t)
{
	return !strcmp(t, "xdp") || !strcmp(t, "sched_cls") || !strcmp(t, "sched_act") ||
	       !strcmp(t, "socket_filter") || !strcmp(t, "cgroup_skb") ||
	       !strcmp(t, "flow_dissector");
}

static bool skb_type(enum bpf_prog_type t)
{
	return t == BPF_PROG_TYPE_SCHED_CLS || t == BPF_PROG_TYPE_SCHED_ACT ||
	       t == BPF_PROG_TYPE_SOCKET_FILTER || t == BPF_PROG_TYPE_CGROUP_SKB;
}

static enum bpf_prog_type type_by_str(const char *name)
{
	const char *s;
	int t;

	for (t = 1; (s = libbpf_bpf_prog_type_str((enum bpf_prog_type)t)); t++)
		if (!strcmp(s, name))
			return (enum bpf_prog_type)t;
	return BPF_PROG_TYPE_UNSPEC;
}

struct tally {
	uint64_t progs, compared_progs, runs, refused, disagree, uninit, big;
	/* runs compared under a mask, of how many programs; bytes masked of all */
	uint64_t nd_runs, nd_progs, nd_masked, nd_bytes;
	char unsupported[128][256];
	uint32_t unsupported_n[128], nunsup;
};

static void count_unsupported(struct tally *t, const char *obj, const char *prog,
			      const char *why)
{
	char key[256];
	uint32_t i;

	if (env_u64("INTERP_CORPUS_VERBOSE", 0) || explanation(obj, prog))
		fprintf(stderr, "  not compared: %s %s: %s%s%s\n", obj, prog, why,
			explanation(obj, prog) ? ": " : "",
			explanation(obj, prog) ? explanation(obj, prog) : "");

	/* "insn 12: unsupported helper 51" -> "unsupported helper 51" */
	snprintf(key, sizeof(key), "%s", strstr(why, ": ") ? strstr(why, ": ") + 2 : why);
	for (i = 0; i < t->nunsup; i++)
		if (!strcmp(t->unsupported[i], key))
			break;
	if (i == t->nunsup) {
		if (t->nunsup == 128)
			i = 127;
		else
			snprintf(t->unsupported[t->nunsup++], sizeof(key), "%s", key);
	}
	t->unsupported_n[i]++;
}

/*
 * A devmap or cpumap entry program.  bpf_prog_test_run_xdp() refuses them
 * (EINVAL: "if (prog->expected_attach_type == BPF_XDP_DEVMAP || ...)"):
 * asked here, so that a kernel that runs them is noticed.  The same
 * instructions loaded as a plain XDP program compute the same, if the
 * verifier takes them (no egress_ifindex, no helpers of the entry
 * programs): that copy's fd.  Else -1 and why, with *@dm set for a devmap
 * entry program, which the rig runs (interp_devmap.h).
 */
static int entry_program(const struct kh_prog *kp, const struct bpf_insn *insns, size_t cnt,
			 bool *dm, char *why, size_t whysz)
{
	static char vlog[4096];
	uint8_t probe[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, popts, .data_in = probe, .data_size_in = sizeof(probe),
		    .repeat = 1);
	LIBBPF_OPTS(bpf_prog_load_opts, lopts, .log_buf = vlog, .log_size = sizeof(vlog),
		    .log_level = 1);
	bool devmap = bpf_program__expected_attach_type(kp->prog) == BPF_XDP_DEVMAP;
	int terr = bpf_prog_test_run_opts(kp->fd, &popts) ? errno : 0, fd;
	char line[160];

	*dm = false;
	if (!terr) {
		snprintf(why, whysz, "x: the kernel now test-runs devmap/cpumap entry programs: "
			 "compare them (test_interp_corpus.c)");
		return -1;
	}
	vlog[0] = 0;
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", insns, cnt, &lopts);
	if (fd >= 0)
		return fd;
	kh_log_reason(vlog, line, sizeof(line));
	snprintf(why, whysz, "x: XDP with expected_attach_type %s: BPF_PROG_TEST_RUN refuses "
		 "it (%s), and as plain XDP the verifier refuses it (%s)",
		 devmap ? "BPF_XDP_DEVMAP" : "BPF_XDP_CPUMAP", strerrorname_np(terr),
		 line[0] ? line : strerror(errno));
	if (strstr(line, "off=20 "))
		snprintf(why + strlen(why), whysz - strlen(why),
			 ": off 20 is xdp_md.egress_ifindex");
	*dm = devmap; /* run where the kernel runs it: after a redirect */
	return -1;
}

static void run_program(const char *obj, const char *prog, const char *type, struct tally *t,
			struct pkt_gen *g, uint64_t npkts)
{
	static struct kmaps km;
	static char log[KH_LOG_SIZE];
	static uint8_t out[OUT_MAX];
	static struct kmask mk;
	static struct pkt_gen ndg = { .state = 0x5eed };
	static uint32_t kids[MAX_MAPS];
	const struct bpf_insn *insns;
	struct interp_prog *ip = NULL;
	struct interp_ctx *ic = NULL, *vic = NULL; /* vic: the variants' */
	uint64_t nd_runs = 0, nd_masked = 0, nd_bytes = 0;
	struct bpf_map *map;
	struct kh_prog kp;
	char path[4096], msg[256];
	uint64_t k, runs = 0, refused = 0, uninit = 0;
	struct timespec t0, t1;
	bool in_empty = false;
	bool dm = false; /* a devmap entry program, run by the rig */
	char dm_why[512] = "";
	uint64_t dm_runs = 0, dm_passed = 0, dm_adjust = 0, dm_changed = 0;
	int run_fd = -1; /* the program the kernel test-runs */
	size_t cnt;
	int err;

	if (!km.before) {
		km.before = &km.snap[0];
		km.after = &km.snap[1];
		km.before->arena = malloc(MAX_BYTES);
		km.after->arena = malloc(MAX_BYTES);
		if (!km.before->arena || !km.after->arena) {
			CHECK(false, "out of memory");
			return;
		}
	}
	snprintf(path, sizeof(path), "%s/objs/%s", corpus_dir(), obj);
	err = kh_load(path, prog, type_by_str(type), &kp, log, sizeof(log));
	if (err) {
		/* loaded when the manifest was made: say so, but it is not interp's fault */
		fprintf(stderr, "  note: %s %s no longer loads: %s\n", obj, prog, strerror(-err));
		return;
	}
	t->progs++;
	insns = bpf_program__insns(kp.prog);
	cnt = bpf_program__insn_cnt(kp.prog);
	km.n = 0;
	bpf_object__for_each_map (map, kp.obj) {
		if (km.n == MAX_MAPS)
			break;
		km.fd[km.n] = bpf_map__fd(map);
		km.name[km.n] = bpf_map__name(map);
		km.def[km.n] = (struct interp_map_def){
			.type = bpf_map__type(map),
			.key_size = bpf_map__key_size(map),
			.value_size = bpf_map__value_size(map),
			.max_entries = bpf_map__max_entries(map),
			.flags = bpf_map__map_flags(map),
			.ref = bpf_map__fd(map),
		};
		km.n++;
	}
	ip = interp_prog__new(insns, cnt, kp.type, msg, sizeof(msg));
	if (!ip) {
		count_unsupported(t, obj, prog, msg);
		goto out;
	}
	ic = interp_ctx__new(km.def, km.n, msg, sizeof(msg));
	if (!ic) {
		count_unsupported(t, obj, prog, msg);
		goto out;
	}
	kobj_map_ids(km.fd, km.n, kids);
	kobj_give(ic, kids);
	run_fd = kp.fd;
	if (bpf_program__expected_attach_type(kp.prog) == BPF_XDP_DEVMAP ||
	    bpf_program__expected_attach_type(kp.prog) == BPF_XDP_CPUMAP) {
		run_fd = entry_program(&kp, insns, cnt, &dm, dm_why, sizeof(dm_why));
		if (run_fd < 0 && !dm) {
			count_unsupported(t, obj, prog, dm_why);
			goto out;
		}
	}
	{ /* arrays are read whole from the kernel per packet: the big ones may get fewer */
		uint64_t bytes = 0;
		uint32_t m;

		for (m = 0; m < km.n; m++)
			if (array_like(km.def[m].type))
				bytes += (uint64_t)km.def[m].max_entries * kvalue_size(&km.def[m]);
		if (bytes > BIG_MAPS && env_u64("INTERP_CORPUS_BIG_PKTS", 0) &&
		    env_u64("INTERP_CORPUS_BIG_PKTS", 0) < npkts) {
			npkts = env_u64("INTERP_CORPUS_BIG_PKTS", 0);
			t->big++;
		}
	}
	if (looks_up_sockets(insns, cnt)) {
		if (netns_empty < 0 || setns(netns_empty, CLONE_NEWNET)) {
			count_unsupported(t, obj, prog, "x: looks sockets up, and no empty netns");
			goto out;
		}
		in_empty = true;
	}
	if (dm) {
		if (netns_empty < 0 || setns(netns_empty, CLONE_NEWNET)) {
			count_unsupported(t, obj, prog, dm_why);
			goto out;
		}
		in_empty = true;
		if (devmap_rig_init(&rig) || devmap_rig_set(&rig, kp.fd)) {
			snprintf(dm_why + strlen(dm_why), sizeof(dm_why) - strlen(dm_why),
				 "; and the devmap rig: %s", rig.why[0] ? rig.why : "cannot set "
				 "the entry");
			count_unsupported(t, obj, prog, dm_why);
			goto out;
		}
	}
	t->compared_progs++;
	prefill_maps(&km);
	if (dm) { /* lookups by egress_ifindex (a MAC per port) find one */
		uint32_t m, key = (uint32_t)rig.ifa, i;
		uint8_t val[256];

		for (m = 0; m < km.n; m++)
			if (hash_like(km.def[m].type) && km.def[m].key_size == 4 &&
			    kvalue_size(&km.def[m]) <= sizeof(val)) {
				for (i = 0; i < kvalue_size(&km.def[m]); i++)
					val[i] = (uint8_t)pkt_gen_rand(&ndg);
				bpf_map_update_elem(km.fd[m], &key, val, BPF_ANY);
			}
	}
	km.before_valid = false;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < npkts; k++) {
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_out = out, .data_size_out = sizeof(out),
			    .repeat = 1);
		struct __sk_buff kskb = {0}; /* ctx_out (__sk_buff types) */
		uint8_t pkt[PKT_GEN_MAX];
		struct interp_input in = {0};
		struct xdp_md xmd = { .ingress_ifindex = 1 }; /* the netns' loopback, queue 0 */
		bool arrived = false;
		uint32_t flen = 0;
		struct interp_result res, vres;
		uint32_t prandom[64], vprandom[64], v, i;
		uint64_t masked = 0;
		const char *kind;
		bool same, nd;

		in.pkt_len = pkt_gen_next(g, pkt, &kind);
		in.pkt = pkt;
		if (!km.before_valid && kmaps_read(&km, km.before)) {
			count_unsupported(t, obj, prog, "maps too large to copy per packet");
			t->compared_progs--;
			goto out;
		}
		km.before_valid = false;
		in.elems = km.before->elems;
		in.nelems = km.before->nelems;
		in.cpu = 0; /* main() pins the test to CPU 0 */
		in.cgroup_ids = cgroup_ids;
		in.ncgroup_ids = ncgroup_ids;
		in.task_known = true; /* the test run's task is ours */
		in.pid_tgid = (uint64_t)getpid() << 32 | (uint32_t)gettid();
		in.uid_gid = (uint64_t)getgid() << 32 | getuid();
		prctl(PR_GET_NAME, in.comm);
		nondet_inputs(&in, &ndg, prandom, true);
		if (dm) {
			xmd.egress_ifindex = (uint32_t)rig.ifa;
			in.xdp = &xmd;
		}
		interp_run(ic, ip, &in, &res);
		topts.data_in = pkt;
		topts.data_size_in = in.pkt_len;
		if (skb_type(kp.type)) {
			topts.ctx_out = &kskb;
			topts.ctx_size_out = sizeof(kskb);
		}
		if (dm) {
			err = devmap_rig_run(&rig, pkt, in.pkt_len,
					     res.status == INTERP_OK && res.retval == XDP_PASS, out,
					     sizeof(out), &flen, &arrived, msg, sizeof(msg));
			if (err == -EAGAIN) {
				runs++;
				goto disagree;
			}
		} else {
			err = bpf_prog_test_run_opts(run_fd, &topts) ? -errno : 0;
		}
		if (res.status == INTERP_UNSUPPORTED) {
			char name[128];

			kfunc_name(insns, cnt, res.fault_insn, name, sizeof(name));
			snprintf(msg, sizeof(msg), "%s%s", res.msg, name);
			count_unsupported(t, obj, prog, msg);
			t->compared_progs--;
			goto out;
		}
		nd = res.status == INTERP_OK && nondeterministic(&res);
		if (dm && nd) {
			count_unsupported(t, obj, prog, "x: a devmap entry program that uses the "
					  "clock, random numbers or kernel memory: not masked here");
			t->compared_progs--;
			goto out;
		}
		if (dm && res.status == INTERP_OK) {
			uint32_t c2;
			bool adj = false;

			/* a live frame's headroom is not the test run's the interpreter models */
			for (c2 = 0; c2 < res.ncalls; c2++)
				adj |= res.calls[c2].helper == BPF_FUNC_xdp_adjust_head ||
				       res.calls[c2].helper == BPF_FUNC_xdp_adjust_meta ||
				       res.calls[c2].helper == BPF_FUNC_xdp_adjust_tail;
			if (adj || res.ncalls_total > res.ncalls) {
				dm_adjust++;
				continue;
			}
			/*
			 * bsyn_b's receive path drops a VLAN-tagged frame shorter
			 * than 20 bytes (skb_vlan_untag() pulls the tag and the
			 * next type): the rig cannot see whether it was passed
			 */
			if (res.retval == XDP_PASS && res.pkt_len - res.meta_len >= 14 &&
			    res.pkt_len - res.meta_len < 20 &&
			    ((res.pkt[res.meta_len + 12] == 0x81 &&
			      res.pkt[res.meta_len + 13] == 0x00) ||
			     (res.pkt[res.meta_len + 12] == 0x88 &&
			      res.pkt[res.meta_len + 13] == 0xa8))) {
				/* the kernel ran it all the same: its frame is due or not */
				if (devmap_rig_drain(&rig))
					fprintf(stderr, "  note: a short VLAN frame got through\n");
				dm_adjust++;
				continue;
			}
		}
		if (nd) {
			if (!vic && (vic = interp_ctx__new(km.def, km.n, msg, sizeof(msg))))
				kobj_give(vic, kids);
			if (!vic || kmask_init(&mk, &km, ic, &res)) {
				count_unsupported(t, obj, prog, "x: nondeterministic, and its maps "
						  "are too large to mask");
				t->compared_progs--;
				goto out;
			}
		}
		for (v = 0; nd && v < NVARIANTS; v++) {
			struct interp_input vin = in;

			nondet_inputs(&vin, &ndg, vprandom, false);
			interp_run(vic, ip, &vin, &vres);
			if (vres.status == INTERP_UNSUPPORTED) {
				count_unsupported(t, obj, prog, vres.msg);
				t->compared_progs--;
				goto out;
			}
			if (vres.uninit_stack)
				res.uninit_stack = true;
			if (vres.status != INTERP_OK) {
				/* the verifier took every value of these: nothing may fault */
				runs++;
				snprintf(msg, sizeof(msg), "interp with other clock/random/kernel "
					 "memory values: %s", vres.msg);
				goto disagree;
			}
			kmask_add(&mk, &km, ic, &res, vic, &vres);
		}
		if (res.uninit_stack) {
			/* the kernel read whatever its stack held: not comparable */
			uninit++;
			continue;
		}
		runs++;
		if (err) { /* the kernel refused the input: so must we */
			if (res.status == INTERP_BAD_INPUT) {
				refused++;
				continue;
			}
			snprintf(msg, sizeof(msg),
				 "kernel refused the input (%s), interp status %d", strerror(-err),
				 res.status);
			goto disagree;
		}
		if (nd) {
			uint32_t m;

			same = res.status == INTERP_OK;
			for (i = 0; i < 4; i++)
				if (mk.ret[i])
					masked++;
				else if ((uint8_t)(res.retval >> 8 * i) !=
					 (uint8_t)(topts.retval >> 8 * i))
					same = false;
			if (mk.pkt_len) {
				masked += res.pkt_len > topts.data_size_out ? res.pkt_len
									   : topts.data_size_out;
			} else if (res.pkt_len != topts.data_size_out) {
				same = false;
			} else {
				for (i = 0; i < res.pkt_len && i < OUT_MAX; i++)
					if (mk.pkt[i])
						masked++;
					else if (res.pkt[i] != out[i])
						same = false;
			}
			nd_bytes += 4 + res.pkt_len;
			for (m = 0; m < km.n; m++)
				nd_bytes += (uint64_t)mk.nel[m] * km.def[m].value_size;
		} else if (dm) {
			/* passed, with these bytes (from data: metadata does not go out) */
			uint32_t mlen = res.meta_len > 0 ? (uint32_t)res.meta_len : 0;

			same = res.status == INTERP_OK && arrived == (res.retval == XDP_PASS) &&
			       (!arrived || (flen == res.pkt_len - mlen &&
					     !memcmp(res.pkt + mlen, out, flen)));
			dm_runs++;
			dm_passed += arrived;
			dm_changed += arrived && (flen != in.pkt_len || memcmp(out, pkt, flen));
			if (!same) {
				snprintf(msg, sizeof(msg), "devmap entry: the kernel %s the frame "
					 "(%u bytes); interp %s%sretval %u, %u bytes",
					 arrived ? "passed" : "dropped", flen,
					 res.status == INTERP_OK ? "" : res.msg,
					 res.status == INTERP_OK ? "" : ", ", res.retval,
					 res.pkt_len - mlen);
				goto disagree;
			}
		} else {
			same = res.status == INTERP_OK && res.retval == topts.retval &&
			       res.pkt_len == topts.data_size_out &&
			       !memcmp(res.pkt, out, topts.data_size_out);
		}
		if (!same) {
			snprintf(msg, sizeof(msg),
				 "kernel retval %u, %u bytes out; interp %s%s%u, "
				 "%u bytes out",
				 topts.retval, topts.data_size_out,
				 res.status == INTERP_OK ? "" : res.msg,
				 res.status == INTERP_OK ? "retval " : ", retval ", res.retval,
				 res.pkt_len);
			goto disagree;
		}
		if (skb_type(kp.type)) { /* the writable fields ctx_out reports */
			uint8_t a[SKB_OUT_LEN], b[SKB_OUT_LEN];

			skb_out_bytes(&kskb, b);
			if (res.skb)
				skb_out_bytes(res.skb, a);
			for (i = 0; i < SKB_OUT_LEN && res.skb; i++)
				if (nd && mk.skb[i])
					masked++;
				else if (a[i] != b[i])
					break;
			if (nd)
				nd_bytes += SKB_OUT_LEN;
			if (!res.skb || i < SKB_OUT_LEN) {
				snprintf(msg, sizeof(msg), "ctx_out (mark, priority, cb, tstamp) "
					 "differs at byte %u", i);
				goto disagree;
			}
		}
		if (nd ? kmaps_compare_masked(&km, ic, &mk, msg, sizeof(msg), &masked)
		       : kmaps_compare(&km, ic, msg, sizeof(msg)))
			goto disagree;
		if (nd) {
			nd_runs++;
			nd_masked += masked;
		}
		{ /* what the run left is where the next starts */
			struct ksnap *tmp = km.before;

			km.before = km.after;
			km.after = tmp;
			km.before_valid = true;
		}
		continue;
	disagree:
		t->disagree++;
		CHECK(false, "%s %s, packet %llu (%s): %s", obj, prog, (unsigned long long)k, kind,
		      msg);
		if (t->disagree <= 3) {
			kh_print_bytes("input packet", pkt, in.pkt_len);
			if (res.status == INTERP_OK)
				kh_print_bytes("interp packet out", res.pkt, res.pkt_len);
			kh_print_bytes("kernel packet out", out, topts.data_size_out);
		}
		break; /* one reproducer per program is enough */
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (env_u64("INTERP_CORPUS_VERBOSE", 0))
		fprintf(stderr, "  compared: %s %s: %llu runs, %.2f s\n", obj, prog,
			(unsigned long long)runs,
			(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
	if (dm)
		fprintf(stderr, "  devmap entry: %s %s: %llu runs after a redirect, %llu frames "
			"passed, %llu of them changed; %llu runs not compared (xdp_adjust_*: a live frame's headroom; "
			"a VLAN frame under 20 bytes, which the veth drops)\n",
			obj, prog, (unsigned long long)dm_runs, (unsigned long long)dm_passed,
			(unsigned long long)dm_changed,
			(unsigned long long)dm_adjust);
	if (nd_runs) {
		fprintf(stderr, "  nondeterministic: %s %s: %llu runs compared with %u variants "
			"each, %llu of %llu output bytes masked\n", obj, prog,
			(unsigned long long)nd_runs, NVARIANTS, (unsigned long long)nd_masked,
			(unsigned long long)nd_bytes);
		t->nd_progs++;
		t->nd_runs += nd_runs;
		t->nd_masked += nd_masked;
		t->nd_bytes += nd_bytes;
	}
	t->runs += runs;
	t->refused += refused;
	t->uninit += uninit;
	if (uninit && !runs) {
		count_unsupported(t, obj, prog, "x: every run reads uninitialized stack");
		t->compared_progs--;
	}
out:
	if (in_empty && setns(netns_orig, CLONE_NEWNET)) {
		fprintf(stderr, "cannot return to the original netns: %s\n", strerror(errno));
		exit(1);
	}
	if (run_fd >= 0 && run_fd != kp.fd)
		close(run_fd);
	interp_ctx__free(ic);
	interp_ctx__free(vic);
	interp_prog__free(ip);
	kh_unload(&kp);
}

static void test_corpus_programs(void)
{
	uint64_t npkts = env_u64("INTERP_CORPUS_PKTS", 200);
	uint64_t maxprogs = env_u64("INTERP_CORPUS_PROGS", 0);
	struct tally *t = calloc(1, sizeof(*t));
	char path[4096], line[8192], why[256];
	struct pkt_gen g;
	uint32_t i;
	FILE *f;

	if (!t)
		return (void)CHECK(false, "out of memory");
	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/manifest.tsv", corpus_dir());
	f = fopen(path, "r");
	if (!f) {
		test_skip("no corpus manifest at %s (make corpus)", path);
		goto out;
	}
	pkt_gen_init(&g, env_u64("INTERP_CORPUS_SEED", 1));
	while (fgets(line, sizeof(line), f) && (!maxprogs || t->progs < maxprogs)) {
		char *col[9], *save = NULL;
		int c;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		col[0] = strtok_r(line, "\t", &save);
		for (c = 1; c < 9; c++)
			col[c] = col[c - 1] ? strtok_r(NULL, "\t", &save) : NULL;
		if (!col[7] || strcmp(col[5], "yes") || !tested_type(col[3]))
			continue;
		if (skip_reason(col[0], col[1])) {
			fprintf(stderr, "  not compared: %s %s: %s\n", col[0], col[1],
				skip_reason(col[0], col[1]));
			continue;
		}
		run_program(col[0], col[1], col[3], t, &g, npkts);
	}
	fclose(f);

	fprintf(stderr,
		"interp vs kernel on the corpus: %llu programs loaded, %llu compared on "
		"%llu packets each: %llu runs (%llu inputs refused by both), %llu disagreements; "
		"%llu runs not compared (read uninitialized stack)\n",
		(unsigned long long)t->progs, (unsigned long long)t->compared_progs,
		(unsigned long long)npkts, (unsigned long long)t->runs,
		(unsigned long long)t->refused, (unsigned long long)t->disagree,
		(unsigned long long)t->uninit);
	fprintf(stderr, "  nondeterministic (clock, random numbers, kernel memory): %llu programs, "
		"%llu runs compared on the bytes %u variant interp runs agree on: %llu of %llu "
		"output bytes masked\n", (unsigned long long)t->nd_progs,
		(unsigned long long)t->nd_runs, NVARIANTS, (unsigned long long)t->nd_masked,
		(unsigned long long)t->nd_bytes);
	for (i = 0; i < t->nunsup; i++)
		fprintf(stderr, "  not compared (%u programs): %s\n", t->unsupported_n[i],
			t->unsupported[i]);
	if (t->big)
		fprintf(stderr, "  %llu programs with over 1 MiB of arrays got %llu packets each "
			"(INTERP_CORPUS_BIG_PKTS)\n", (unsigned long long)t->big,
			(unsigned long long)env_u64("INTERP_CORPUS_BIG_PKTS", 0));
	ASSERT_EQ(t->disagree, 0, "disagreements between core/interp and the kernel");
	if (!t->progs)
		test_skip("no loadable network programs in the manifest");
out:
	free(t);
}

int main(int argc, char **argv)
{
	cpu_set_t cpu0;

	test_init(argc, argv);
	/*
	 * The kernel's test run executes on the caller's CPU: pinned to CPU 0,
	 * per-CPU map values and bpf_get_smp_processor_id() are CPU 0's, which
	 * is what the interpreter is told.
	 */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0)) {
		CHECK(false, "cannot pin to CPU 0: %s", strerror(errno));
		return test_summary("test_interp_corpus");
	}
	ncpus = libbpf_num_possible_cpus();
	netns_init();
	cgroup_init();
	RUN_TEST(test_corpus_programs);
	devmap_rig_free(&rig);
	return test_summary("test_interp_corpus");
}
