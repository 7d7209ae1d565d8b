// SPDX-License-Identifier: MIT
/*
 * libbpfsynth.so: the syscall() interposer.
 *
 * glibc has no bpf() wrapper, so libbpf, bpftool, libxdp and iproute2 all reach
 * the kernel through syscall(__NR_bpf, ...).  Loaded with LD_PRELOAD, this file
 * defines syscall() ahead of glibc's and forwards every call to the next
 * definition (glibc's), found once with dlsym(RTLD_NEXT) under pthread_once,
 * as libfaketime and proxychains-ng do.  Every call that is not
 * bpf(BPF_PROG_LOAD) is forwarded at once: six long arguments, as the kernel
 * ABI passes them, whatever the caller supplied.
 *
 * A BPF_PROG_LOAD goes through pl_prog_load():
 *
 *  1. Settings (config/, read once; with BPFSYNTH_MODE=off nothing is read at
 *     all): mode off means pass-through; programs shorter than min_insns
 *     (libbpf's feature probes) or filtered out by name or type are passed
 *     through too.
 *  2. The attr (never beyond `size`) and the instructions are copied out of
 *     the caller's memory with process_vm_readv() on ourselves, which fails
 *     with EFAULT instead of faulting: a bad pointer is simply passed through
 *     and the kernel gives the caller its own answer.
 *  3. Each map reference is resolved to a map (fd, or fd_array[idx]) and
 *     described by BPF_OBJ_GET_INFO_BY_FD (read-only arrays, i.e. .rodata,
 *     also by a digest of their contents); the program is canonicalized and
 *     keyed (cache/key.c).  Programs that name other fds (attach_prog_fd,
 *     module BTF) are passed through.
 *  4. Hit (cache/hit.c reads the entry: one read, no JSON, the stored
 *     original compared in full, the proof summary checked; BPFSYNTH_LOG=debug
 *     logs how long each stage took): the cached optimized program is
 *     relinked to this caller's fds or
 *     fd_array indexes and loaded with a copy of the caller's attr that differs
 *     only in insns/insn_cnt, so BTF, func_info/line_info (cache entries keep
 *     the original length, with `ja +0` where instructions went, which the
 *     verifier removes and fixes line info for), the log buffer and every field
 *     we do not know about reach the kernel as the caller set them.
 *  5. Anything else -- a miss, a malformed entry, an error of ours, the kernel
 *     rejecting the optimized program with any errno -- and the caller's own
 *     arguments are forwarded unchanged, so the caller sees what it would have
 *     seen without us (its log buffer holds the log of what finally loaded).
 *     An entry the kernel refused while it took the caller's original is
 *     moved to <cache>/rejected/, so later loads do not pay for it again.
 *     An entry is used only with a complete proof record (cache/proof.c:
 *     every change inside a proven window, the whole verdict not "different").
 *  6. A miss in sync mode is optimized before the load (optimize.c: by
 *     `bpfsynth worker --key`, started so that the host sees nothing of it,
 *     or without a worker binary in a forked child; within the budget, the
 *     kernel judging each candidate), stored, and loaded as a hit.  In async mode a miss leaves a queue entry
 *     and starts `bpfsynth worker` if none runs (spawn.c); the original loads.
 *
 * Inside the host process we never print to stdout, never exit, close every
 * fd we open, keep errno as the caller would have it, and keep our own calls
 * out of the hook with a thread-local guard.  Nothing is cached across calls
 * except the settings, so fork() needs no handling.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/bpf.h>

#include "cache/cache.h"
#include "config/config.h"
#include "preload/pl_internal.h"
#include "tools/version.h"

#define PL_ATTR_MAX 4096 /* the kernel refuses a larger attr (E2BIG) unless its tail is 0 */
#define PL_OFFSETOFEND(f) (offsetof(union bpf_attr, f) + sizeof(((union bpf_attr *)0)->f))
/* Added in 6.4, after core_relo_rec_size; the kernel writes it back. */
#define PL_LOG_TRUE_SIZE_OFF PL_OFFSETOFEND(core_relo_rec_size)

typedef long (*pl_syscall_fn)(long number, ...);

static pl_syscall_fn pl_real_syscall;
static pthread_once_t pl_once = PTHREAD_ONCE_INIT;
static pthread_once_t pl_cfg_once = PTHREAD_ONCE_INIT;
static struct config pl_cfg;
static __thread int pl_busy;
static bool pl_profiling; /* log level debug: time the stages of each hit */

static void pl_init(void)
{
	pl_real_syscall = (pl_syscall_fn)dlsym(RTLD_NEXT, "syscall");
}

static void pl_init_config(void)
{
	const char *mode = secure_getenv("BPFSYNTH_MODE");
	char msg[CONFIG_MSG_SIZE];
	int err;

	/* Off means off: not even the config file is read. */
	if (mode && !strcmp(mode, "off")) {
		pl_cfg.mode = CONFIG_MODE_OFF;
		return;
	}
	err = config_load(&pl_cfg, msg, sizeof(msg));
	log_setup(pl_cfg.log_level, pl_cfg.log_path);
	pl_profiling = pl_cfg.log_level >= LOG_DEBUG;
	if (err)
		log_warn("configuration: %s; using the rest", msg);
	log_debug("mode %s, cache %s, min_insns %u", config_mode_str(pl_cfg.mode), pl_cfg.cache_dir,
		  pl_cfg.min_insns);
}

static uint64_t pl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static long pl_bpf(int cmd, void *attr, unsigned int size)
{
	return pl_real_syscall(__NR_bpf, (long)cmd, (long)attr, (long)size);
}

/* Copy @len bytes at the caller's address @src without ever faulting. */
static int pl_read(void *dst, uint64_t src, size_t len)
{
	struct iovec local = {dst, len}, remote = {(void *)(uintptr_t)src, len};
	ssize_t n;

	if (!len)
		return 0;
	if (!src)
		return -EFAULT;
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

static int pl_write(uint64_t dst, const void *src, size_t len)
{
	struct iovec local = {(void *)src, len}, remote = {(void *)(uintptr_t)dst, len};

	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

static int pl_map_info(int fd, struct bpf_map_info *info)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	memset(info, 0, sizeof(*info));
	a.info.bpf_fd = fd;
	a.info.info_len = sizeof(*info);
	a.info.info = (uint64_t)(uintptr_t)info;
	return pl_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) < 0 ? -errno : 0;
}

/*
 * Digest of a read-only array's contents (libbpf's .rodata: one element).
 * Larger or other read-only maps are not supported: -E2BIG.
 */
static int pl_map_content(int fd, const struct bpf_map_info *info, uint8_t dig[SHA256_LEN])
{
	union bpf_attr a;
	struct sha256 s;
	uint32_t k;
	void *v;
	int err = 0;

	if (info->type != BPF_MAP_TYPE_ARRAY || info->max_entries > 64 ||
	    info->value_size > (1u << 20))
		return -E2BIG;
	v = malloc(info->value_size ? info->value_size : 1);
	if (!v)
		return -ENOMEM;
	sha256_init(&s);
	for (k = 0; k < info->max_entries && !err; k++) {
		memset(&a, 0, sizeof(a));
		a.map_fd = fd;
		a.key = (uint64_t)(uintptr_t)&k;
		a.value = (uint64_t)(uintptr_t)v;
		if (pl_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) < 0)
			err = -errno;
		else
			sha256_update(&s, v, info->value_size);
	}
	sha256_final(&s, dig);
	free(v);
	return err;
}

/*
 * Stages of a hit, timed at debug level only (a clock read costs ~25 ns): the
 * log line of a hit then says where the preload's time went.
 */
enum pl_stage {
	PL_ST_START,
	PL_ST_ATTR,   /* attr copied, settings and filters, cache directory checked */
	PL_ST_INSNS,  /* instructions copied */
	PL_ST_MAPS,   /* map references resolved (BPF_OBJ_GET_INFO_BY_FD per map) */
	PL_ST_KEY,    /* canonical form and key */
	PL_ST_LOOKUP, /* entry read, checked, compared, its proof checked, relinked */
	PL_ST_N,
};

static const char *const pl_stage_names[PL_ST_N] = {
	[PL_ST_ATTR] = "attr", [PL_ST_INSNS] = "insns", [PL_ST_MAPS] = "maps",
	[PL_ST_KEY] = "key",   [PL_ST_LOOKUP] = "entry",
};

/* One BPF_PROG_LOAD as we see it. */
struct pl_load {
	unsigned char attr[PL_ATTR_MAX] __attribute__((aligned(8))); /* zero past size */
	unsigned int size;
	long cmd;
	uint64_t uattr;
	char name[BPF_OBJ_NAME_LEN + 1];
	struct bpf_insn *insns; /* the caller's */
	struct cache_map_ref *refs;
	uint32_t *ref_slot;
	int nrefs;
	struct cache_slot_handle handles[CACHE_MAX_MAPS];
	uint32_t map_ids[CACHE_MAX_MAPS];
	struct cache_prog cp; /* canonical */
	char key[CACHE_KEY_LEN + 1];
	char why[CACHE_MSG_SIZE];
	uint64_t kernel_ns; /* time spent in the kernel's load of the optimized program */
	uint64_t stamp[PL_ST_N]; /* BPFSYNTH_LOG=debug: when each stage of a hit ended */
};

/* What the hook must do after forwarding the original. */
struct pl_after {
	bool rejected; /* the kernel refused our program: if it takes the original, retire ours */
	char key[CACHE_KEY_LEN + 1];
	char why[CACHE_MSG_SIZE];
};

static union bpf_attr *pl_attr(struct pl_load *l)
{
	return (union bpf_attr *)l->attr;
}

static void pl_mark(struct pl_load *l, enum pl_stage st)
{
	if (pl_profiling)
		l->stamp[st] = pl_now_ns();
}

/* "attr 1.2 insns 0.3 ..." in microseconds: where the time of a hit went. */
static void pl_profile_str(const struct pl_load *l, char *buf, size_t sz)
{
	uint64_t prev = l->stamp[PL_ST_START];
	size_t n = 0;
	int st;

	buf[0] = '\0';
	for (st = PL_ST_START + 1; st < PL_ST_N && n < sz; st++) {
		if (!l->stamp[st])
			continue;
		n += snprintf(buf + n, sz - n, "%s%s %.1f", n ? " " : "", pl_stage_names[st],
			      (l->stamp[st] - prev) / 1e3);
		prev = l->stamp[st];
	}
}

/*
 * Resolve the map references to slots and descriptions.  0, or -errno with
 * l->why: the program is passed through (a bad fd is the kernel's to report).
 */
static int pl_resolve_maps(struct pl_load *l)
{
	union bpf_attr *a = pl_attr(l);
	struct bpf_map_info info;
	int i, fd, err;
	uint32_t s;

	/* Count first: most programs have a few references, and fresh memory costs faults. */
	l->nrefs =
		cache_map_refs(l->insns, l->cp.insn_cnt, NULL, UINT32_MAX, l->why, sizeof(l->why));
	if (l->nrefs <= 0)
		return l->nrefs;
	l->refs = malloc(sizeof(*l->refs) * l->nrefs);
	l->ref_slot = malloc(sizeof(*l->ref_slot) * l->nrefs);
	if (!l->refs || !l->ref_slot)
		return -ENOMEM;
	l->nrefs =
		cache_map_refs(l->insns, l->cp.insn_cnt, l->refs, l->nrefs, l->why, sizeof(l->why));
	if (l->nrefs < 0)
		return l->nrefs;
	for (i = 0; i < l->nrefs; i++) {
		const struct cache_map_ref *r = &l->refs[i];
		bool idx = r->src_reg == 5 || r->src_reg == 6; /* BPF_PSEUDO_MAP_IDX[_VALUE] */

		/* Programs name the same map many times: ask the kernel once per handle. */
		for (s = 0; s < l->cp.nmaps; s++)
			if (l->handles[s].idx == idx && l->handles[s].imm == r->imm)
				break;
		if (s < l->cp.nmaps) {
			l->ref_slot[i] = s;
			continue;
		}
		fd = r->imm;
		if (idx) {
			err = r->imm < 0 ? -EINVAL
					 : pl_read(&fd, a->fd_array + 4ull * (uint32_t)r->imm, 4);
			if (err) {
				snprintf(l->why, sizeof(l->why), "fd_array[%d] unreadable", r->imm);
				return err;
			}
		}
		err = pl_map_info(fd, &info);
		if (err) {
			snprintf(l->why, sizeof(l->why), "map fd %d: %s", fd, strerror(-err));
			return err;
		}
		for (s = 0; s < l->cp.nmaps && l->map_ids[s] != info.id; s++)
			;
		if (s == l->cp.nmaps) {
			if (s == CACHE_MAX_MAPS) {
				snprintf(l->why, sizeof(l->why), "too many maps");
				return -E2BIG;
			}
			l->map_ids[s] = info.id;
			l->cp.maps[s] = (struct cache_map_desc){
				.type = info.type,
				.key_size = info.key_size,
				.value_size = info.value_size,
				.max_entries = info.max_entries,
				.map_flags = info.map_flags,
			};
			if (cache_map_content_matters(&l->cp.maps[s])) {
				err = pl_map_content(fd, &info, l->cp.maps[s].content);
				if (err) {
					snprintf(l->why, sizeof(l->why),
						 "read-only map %u: contents unreadable", info.id);
					return -EINVAL; /* counted as unsupported */
				}
			}
			l->handles[s] = (struct cache_slot_handle){idx, r->imm};
			l->cp.nmaps++;
		}
		l->ref_slot[i] = s;
	}
	return 0;
}

static const char *pl_errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "unknown";
}

/* Load the cached optimized program (relinked).  The fd, or -1 with l->why set. */
static long pl_load_hit(struct pl_load *l, struct cache_hit *e)
{
	unsigned char attr[PL_ATTR_MAX] __attribute__((aligned(8)));
	union bpf_attr *a = (union bpf_attr *)attr;
	uint32_t true_size;
	long fd;

	memcpy(attr, l->attr, sizeof(attr));
	a->insns = (uint64_t)(uintptr_t)e->opt;
	a->insn_cnt = e->opt_cnt;
	l->kernel_ns = pl_now_ns();
	fd = pl_bpf((int)l->cmd, attr, l->size);
	l->kernel_ns = pl_now_ns() - l->kernel_ns;
	if (fd < 0) {
		snprintf(l->why, sizeof(l->why), "kernel-rejected:%s", pl_errname(errno));
	} else if (l->size >= PL_LOG_TRUE_SIZE_OFF + 4) {
		/*
		 * Newer loaders read the log size the kernel wrote into their attr
		 * (6.4 and later write it; older kernels leave it as it was).
		 */
		memcpy(&true_size, attr + PL_LOG_TRUE_SIZE_OFF, 4);
		if (memcmp(&true_size, l->attr + PL_LOG_TRUE_SIZE_OFF, 4))
			pl_write(l->uattr + PL_LOG_TRUE_SIZE_OFF, &true_size, 4);
	}
	return fd;
}

/* A miss in async mode: leave the program for `bpfsynth worker`. */
static void pl_queue(struct pl_load *l)
{
	struct cache_entry q;
	char msg[CACHE_MSG_SIZE];
	int err;

	memset(&q, 0, sizeof(q));
	memcpy(q.key, l->key, sizeof(q.key));
	memcpy(q.name, l->name, sizeof(q.name));
	q.orig = l->cp;
	snprintf(q.optimizer_version, sizeof(q.optimizer_version), "%s", BPFSYNTH_VERSION);
	/* Losing a queue entry in a crash costs one more miss: no fsync on the load path. */
	err = cache_entry_write(pl_cfg.cache_dir, CACHE_QUEUE, &q,
				CACHE_WRITE_NOSYNC | CACHE_WRITE_EXCL, msg, sizeof(msg));
	if (!err)
		cache_stats_add(pl_cfg.cache_dir, CACHE_EV_QUEUED, 0, NULL);
	else if (err != -EEXIST)
		log_info("%.16s: not queued: %s", l->key, msg);
	/* Queued now or before: a worker that died would leave it there for good. */
	if (!err || err == -EEXIST)
		pl_worker_start(&pl_cfg);
}

/*
 * Load the entry @e (a proven hit, or sync mode's fresh result) and account
 * for it.  true with the fd in *ret; false: forward the caller's arguments
 * (with @after saying whether to retire the entry).  Frees @e.
 */
static bool pl_serve(struct pl_load *l, struct cache_hit *e, uint64_t t0, long *ret,
		     struct pl_after *after)
{
	uint32_t before = e->orig_effective, now = e->opt_effective;
	uint64_t saved = before > now ? (uint64_t)(before - now) * 8 : 0;
	bool done = false;
	long fd = -1;

	/*
	 * func_info and line_info name instruction offsets of the original: a
	 * program of another length would need them remapped (not done yet);
	 * entries that keep the length with `ja +0` need nothing.
	 */
	if (e->opt_cnt != l->cp.insn_cnt &&
	    (pl_attr(l)->func_info_cnt || pl_attr(l)->line_info_cnt)) {
		snprintf(l->why, sizeof(l->why), "length-changed-with-btf-info");
	} else {
		/* Recorded while the caches are warm; taken back if the kernel refuses. */
		cache_stats_add(pl_cfg.cache_dir, CACHE_EV_HIT, saved, NULL);
		fd = pl_load_hit(l, e);
		if (fd < 0)
			cache_stats_add(pl_cfg.cache_dir, CACHE_EV_UNHIT, saved, NULL);
	}
	if (fd >= 0) {
		uint64_t ours;
		char prof[160];

		ours = pl_now_ns() - t0 - l->kernel_ns;
		/* "ours": what the preload added to the load (bench_preload reads it) */
		log_info("'%s' %.16s: optimized program loaded (%u -> %u insns; "
			 "ours %llu ns, kernel %llu ns)",
			 l->name, l->key, before, now, (unsigned long long)ours,
			 (unsigned long long)l->kernel_ns);
		if (pl_profiling && l->stamp[PL_ST_LOOKUP] >= t0) {
			pl_profile_str(l, prof, sizeof(prof));
			log_debug("'%s' %.16s: ours in us: %s, rest %.1f", l->name, l->key, prof,
				  (double)(ours - (l->stamp[PL_ST_LOOKUP] - t0)) / 1e3);
		}
		*ret = fd;
		done = true;
	} else {
		cache_stats_add(pl_cfg.cache_dir, CACHE_EV_FALLBACK, 0, l->why);
		log_info("'%s' %.16s: loading the original: %s", l->name, l->key, l->why);
		after->rejected = !strncmp(l->why, "kernel-rejected:", 16);
		memcpy(after->key, l->key, sizeof(after->key));
	}
	cache_hit_free(e);
	return done;
}

/*
 * Try to serve a BPF_PROG_LOAD from the cache.  Returns true with the result
 * in *ret if it did; false means: forward the caller's arguments unchanged.
 */
static bool pl_prog_load(const long *args, long *ret, struct pl_after *after)
{
	uint64_t t0 = pl_now_ns();
	struct pl_load *l;
	struct cache_entry e;
	struct cache_hit hit;
	union bpf_attr *a;
	bool done = false;
	const char *dir = pl_cfg.cache_dir;
	uint32_t cnt;
	int err;

	if (pl_cfg.mode == CONFIG_MODE_OFF)
		return false;
	if ((unsigned int)args[2] < PL_OFFSETOFEND(insns) || (unsigned int)args[2] > PL_ATTR_MAX)
		return false;
	l = calloc(1, sizeof(*l));
	if (!l)
		return false;
	l->stamp[PL_ST_START] = t0;
	l->cmd = args[0];
	l->uattr = (uint64_t)args[1];
	l->size = (unsigned int)args[2];
	a = pl_attr(l);
	if (pl_read(l->attr, l->uattr, l->size))
		goto out; /* the kernel reports EFAULT */
	cnt = a->insn_cnt;
	memcpy(l->name, a->prog_name, BPF_OBJ_NAME_LEN);
	if (!cnt || cnt > (1u << 20) || !config_wants(&pl_cfg, l->name, a->prog_type, cnt))
		goto out;

	/* A hit reads entries/ only; a miss checks the rest before it writes there. */
	err = cache_dir_check_entries(dir, l->why, sizeof(l->why));
	if (err == -ENOENT && pl_cfg.mode != CONFIG_MODE_CACHE)
		err = cache_dir_prepare(dir, l->why, sizeof(l->why));
	if (err) {
		if (err != -ENOENT || pl_cfg.mode != CONFIG_MODE_CACHE)
			log_warn("cache not used: %s", l->why);
		goto out;
	}
	if (a->attach_prog_fd) {
		cache_stats_add(dir, CACHE_EV_FALLBACK, 0, "unsupported:attach-fd");
		goto out;
	}
	pl_mark(l, PL_ST_ATTR);

	l->insns = malloc((size_t)cnt * sizeof(*l->insns));
	if (!l->insns || pl_read(l->insns, a->insns, (size_t)cnt * 8))
		goto out;
	pl_mark(l, PL_ST_INSNS);
	l->cp.insns = l->insns; /* canonicalized in place once the maps are resolved */
	l->cp.insn_cnt = cnt;
	l->cp.prog_type = a->prog_type;
	l->cp.expected_attach_type = a->expected_attach_type;
	l->cp.prog_flags = a->prog_flags;
	l->cp.attach_btf_id = a->attach_btf_id;
	err = pl_resolve_maps(l);
	if (err) {
		log_debug("'%s' passed through: %s", l->name, l->why);
		if (err == -EINVAL || err == -E2BIG)
			cache_stats_add(dir, CACHE_EV_FALLBACK, 0, "unsupported:references");
		goto out;
	}
	pl_mark(l, PL_ST_MAPS);
	if (cache_canon_insns(l->insns, cnt, l->refs, l->nrefs, l->ref_slot, l->cp.insns))
		goto out;
	cache_key(&l->cp, BPFSYNTH_VERSION, l->key);
	pl_mark(l, PL_ST_KEY);

	/* An entry is code for the kernel: only intact, this program, with a proof of every change. */
	err = cache_hit_lookup(dir, &l->cp, l->key, BPFSYNTH_VERSION, l->handles, &hit, l->why,
			       sizeof(l->why));
	pl_mark(l, PL_ST_LOOKUP);
	if (!err) {
		done = pl_serve(l, &hit, t0, ret, after);
		goto out;
	} else if (err == -ENOEXEC) {
		cache_stats_add(dir, CACHE_EV_BAD, 0, "unproven");
		log_warn("'%s' %.16s: entry not used: %s", l->name, l->key, l->why);
	} else if (err == -EINVAL) {
		cache_stats_add(dir, CACHE_EV_FALLBACK, 0, "relink-failed");
		log_info("'%s' %.16s: loading the original: %s", l->name, l->key, l->why);
	} else if (err == -ENOENT) {
		cache_stats_add(dir, CACHE_EV_MISS, 0, NULL);
		log_debug("'%s' %.16s: miss", l->name, l->key);
	} else {
		cache_stats_add(dir, CACHE_EV_BAD, 0, err == -EPERM ? "not-ours" : "malformed");
		log_warn("'%s' %.16s: entry not used: %s", l->name, l->key, l->why);
	}
	if (pl_cfg.mode != CONFIG_MODE_CACHE && cache_dir_check(dir, l->why, sizeof(l->why))) {
		log_warn("cache not used: %s", l->why);
		goto out;
	}
	if (pl_cfg.mode == CONFIG_MODE_SYNC) {
		struct pl_judge judge = {l->attr, l->size, l->cmd, l->handles, l->cp.nmaps, pl_bpf};
		uint64_t t1 = pl_now_ns();

		err = pl_optimize(&pl_cfg, &l->cp, l->key, l->name, &judge, &e, l->why,
				  sizeof(l->why));
		if (err) {
			cache_stats_add(dir, CACHE_EV_FALLBACK, 0, "optimize-failed");
			log_info("'%s' %.16s: not optimized: %s", l->name, l->key, l->why);
			goto out;
		}
		log_info("'%s' %.16s: optimized in %llu ms (%u -> %u insns), stored", l->name,
			 l->key, (unsigned long long)((pl_now_ns() - t1) / 1000000),
			 cache_insn_cnt_effective(e.orig.insns, e.orig.insn_cnt),
			 cache_insn_cnt_effective(e.opt, e.opt_cnt));
		if (cache_hit_from_entry(&e, l->handles, l->cp.nmaps, &hit)) {
			cache_stats_add(dir, CACHE_EV_FALLBACK, 0, "relink-failed");
			goto out;
		}
		/* Our time on this load is the optimizer's: not a hit's overhead. */
		done = pl_serve(l, &hit, pl_now_ns(), ret, after);
		goto out;
	}
	if (pl_cfg.mode == CONFIG_MODE_ASYNC)
		pl_queue(l);
out:
	free(l->insns);
	free(l->refs);
	free(l->ref_slot);
	free(l);
	return done;
}

__attribute__((visibility("default"))) long syscall(long number, ...)
{
	struct pl_after after;
	int saved_errno = errno;
	long a[6], ret;
	va_list ap;
	int i;

	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	pthread_once(&pl_once, pl_init);
	if (!pl_real_syscall) {
		errno = ENOSYS;
		return -1;
	}
	/* The kernel takes cmd as an int: the upper half of the long is not part of it. */
	if (number != __NR_bpf || (int)a[0] != BPF_PROG_LOAD || pl_busy)
		return pl_real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);

	pl_busy = 1;
	pthread_once(&pl_cfg_once, pl_init_config);
	memset(&after, 0, sizeof(after));
	if (pl_prog_load(a, &ret, &after)) {
		pl_busy = 0;
		errno = saved_errno;
		return ret;
	}
	errno = saved_errno;
	ret = pl_real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (ret >= 0 && after.rejected) {
		/* The kernel takes this caller's original but not our program: retire it. */
		saved_errno = errno;
		if (!cache_dir_check(pl_cfg.cache_dir, after.why, sizeof(after.why)) &&
		    !cache_entry_reject(pl_cfg.cache_dir, after.key))
			log_info("%.16s: entry moved to rejected/", after.key);
		errno = saved_errno;
	}
	pl_busy = 0;
	return ret;
}
