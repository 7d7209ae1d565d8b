// SPDX-License-Identifier: MIT
/*
 * tests/kernel/harness: see harness.h.
 *
 * kh_load() is the one subtle part.  Real objects (samples/bpf, selftests,
 * xdp-tools) were written for loaders that differ from libbpf 1.x, so before
 * bpf_object__load() we adjust what libbpf would otherwise refuse or do:
 *
 *  - autoload only the wanted program, so one bad sibling cannot fail it;
 *  - give maps declared with max_entries 0 a size (libbpf sizes perf event
 *    arrays itself; the local-storage types must stay 0), and round ring
 *    buffers up to a power-of-two number of pages as the kernel demands;
 *  - clear every map's pin path: LIBBPF_PIN_BY_NAME would otherwise make
 *    libbpf reuse or create pins under /sys/fs/bpf, i.e. touch state that
 *    outlives the test;
 *  - set a program type where the section name does not tell libbpf 1.x one
 *    ("xdp_foo", "socket1"), inferring it from the older prefix conventions.
 *
 * kh_link() prepares an object the same way and then lets libbpf "load" it
 * in gen_loader mode, which links the program and records the bpf() calls
 * instead of making them: the instructions libbpf would submit, without the
 * kernel (maps by index).  Objects with struct_ops maps are refused there:
 * libbpf 1.1 crashes linking them in that mode.
 *
 * libbpf's own warnings are captured while we load (and the caller's print
 * callback restored after), so that a failure that happens before the
 * verifier (map creation, BTF) still comes back with a reason in @log.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests/kernel/harness.h"

bool kh_bpf_permitted(char *why, size_t whysz)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	char pkt[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);
	int fd, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "kh_probe", "GPL", insns, 2, NULL);
	if (fd < 0) {
		err = errno;
		snprintf(why, whysz, "bpf() not permitted: %s%s", strerror(err),
			 err == EPERM ? " (needs CAP_BPF/CAP_SYS_ADMIN)" : "");
		return false;
	}
	err = bpf_prog_test_run_opts(fd, &topts);
	if (err) {
		err = errno;
		close(fd);
		snprintf(why, whysz, "BPF_PROG_TEST_RUN not permitted: %s", strerror(err));
		return false;
	}
	close(fd);
	if (why && whysz)
		why[0] = '\0';
	return true;
}

static const struct {
	const char *prefix;
	enum bpf_prog_type type;
} sec_prefixes[] = {
	{"xdp", BPF_PROG_TYPE_XDP},
	{"socket", BPF_PROG_TYPE_SOCKET_FILTER},
	{"classifier", BPF_PROG_TYPE_SCHED_CLS},
	{"tc", BPF_PROG_TYPE_SCHED_CLS},
	{"action", BPF_PROG_TYPE_SCHED_ACT},
	{"kprobe", BPF_PROG_TYPE_KPROBE},
	{"kretprobe", BPF_PROG_TYPE_KPROBE},
	{"uprobe", BPF_PROG_TYPE_KPROBE},
	{"uretprobe", BPF_PROG_TYPE_KPROBE},
	{"tracepoint", BPF_PROG_TYPE_TRACEPOINT},
	{"tp/", BPF_PROG_TYPE_TRACEPOINT},
	{"raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT},
	{"raw_tp", BPF_PROG_TYPE_RAW_TRACEPOINT},
	{"perf_event", BPF_PROG_TYPE_PERF_EVENT},
	{"cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB},
	{"cgroup_skb", BPF_PROG_TYPE_CGROUP_SKB},
	{"cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK},
	{"sockops", BPF_PROG_TYPE_SOCK_OPS},
	{"sock_ops", BPF_PROG_TYPE_SOCK_OPS},
	{"sk_skb", BPF_PROG_TYPE_SK_SKB},
	{"sk_msg", BPF_PROG_TYPE_SK_MSG},
	{"lwt_in", BPF_PROG_TYPE_LWT_IN},
	{"lwt_out", BPF_PROG_TYPE_LWT_OUT},
	{"lwt_xmit", BPF_PROG_TYPE_LWT_XMIT},
	{"lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL},
	{"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR},
};

enum bpf_prog_type kh_prog_type_from_section(const char *sec)
{
	size_t i;

	if (!sec)
		return BPF_PROG_TYPE_UNSPEC;
	for (i = 0; i < sizeof(sec_prefixes) / sizeof(sec_prefixes[0]); i++)
		if (!strncmp(sec, sec_prefixes[i].prefix, strlen(sec_prefixes[i].prefix)))
			return sec_prefixes[i].type;
	return BPF_PROG_TYPE_UNSPEC;
}

enum bpf_prog_type kh_prog_type_by_name(const char *name)
{
	const char *s;
	int t;

	/* libbpf's names are its enum's order; stop at the first it does not know */
	for (t = BPF_PROG_TYPE_UNSPEC + 1; name && (s = libbpf_bpf_prog_type_str(t)); t++)
		if (!strcmp(s, name))
			return (enum bpf_prog_type)t;
	return BPF_PROG_TYPE_UNSPEC;
}

/* libbpf's warnings while kh_load runs; one loader at a time, as in tests. */
static char *cap_buf;
static size_t cap_size, cap_len;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (level == LIBBPF_DEBUG || !cap_buf || cap_len + 1 >= cap_size)
		return 0;
	n = vsnprintf(cap_buf + cap_len, cap_size - cap_len, fmt, ap);
	if (n > 0)
		cap_len += (size_t)n < cap_size - cap_len ? (size_t)n : cap_size - cap_len - 1;
	return n;
}

static bool map_size_fixed_by_kernel(enum bpf_map_type t)
{
	switch (t) {
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY: /* libbpf sizes it to the CPUs */
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case BPF_MAP_TYPE_STRUCT_OPS:
		return true;
	default:
		return false;
	}
}

static int fix_maps(struct bpf_object *obj)
{
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map (map, obj) {
		enum bpf_map_type t = bpf_map__type(map);
		uint32_t max = bpf_map__max_entries(map);

		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
		if (t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_USER_RINGBUF) {
			uint32_t want = page;

			while (want < max && want < (1u << 30))
				want <<= 1;
			if (want != max && (err = bpf_map__set_max_entries(map, want)))
				return err;
		} else if (max == 0 && !map_size_fixed_by_kernel(t)) {
			err = bpf_map__set_max_entries(map, KH_DEFAULT_MAX_ENTRIES);
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * What kh_load() and kh_link() do to an opened object before
 * bpf_object__load(): find @prog_name (NULL: the first program), autoload
 * only it, give it a type, fix the maps.  0, or -errno with the reason in @why.
 */
static int prepare(struct bpf_object *obj, const char *prog_name,
		   enum bpf_prog_type type_override, struct bpf_program **progp, bool *inferred,
		   char *why, size_t whysz)
{
	struct bpf_program *prog, *p;
	int err;

	prog = prog_name ? bpf_object__find_program_by_name(obj, prog_name)
			 : bpf_object__next_program(obj, NULL);
	if (!prog) {
		snprintf(why, whysz, "no program named '%s'", prog_name ?: "(any)");
		return -ENOENT;
	}
	bpf_object__for_each_program (p, obj)
		bpf_program__set_autoload(p, p == prog);

	*inferred = false;
	if (type_override != BPF_PROG_TYPE_UNSPEC) {
		bpf_program__set_type(prog, type_override);
	} else if (bpf_program__type(prog) == BPF_PROG_TYPE_UNSPEC) {
		enum bpf_prog_type t = kh_prog_type_from_section(bpf_program__section_name(prog));

		if (t == BPF_PROG_TYPE_UNSPEC) {
			snprintf(why, whysz, "program type unknown (section '%s')",
				 bpf_program__section_name(prog));
			return -EINVAL;
		}
		bpf_program__set_type(prog, t);
		*inferred = true;
	}
	err = fix_maps(obj);
	if (err) {
		snprintf(why, whysz, "cannot adjust maps: %s", strerror(-err));
		return err;
	}
	*progp = prog;
	return 0;
}

static void copy_log(char *log, size_t logsz, const char *vlog, const char *libbpf_log)
{
	const char *src = vlog && vlog[0] ? vlog : libbpf_log;
	size_t len;

	if (!log || !logsz)
		return;
	len = src ? strlen(src) : 0;
	/* The verdict is at the end of a log: keep the tail if it does not fit. */
	if (len >= logsz) {
		src += len - (logsz - 1);
		len = logsz - 1;
	}
	memcpy(log, src ?: "", len);
	log[len] = '\0';
}

int kh_prog_info(int prog_fd, uint32_t *xlated_len, uint32_t *jited_len)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	if (err)
		return -errno;
	if (xlated_len)
		*xlated_len = info.xlated_prog_len;
	if (jited_len)
		*jited_len = info.jited_prog_len;
	return 0;
}

struct bpf_object *kh_open(const char *path, char *log, size_t logsz)
{
	libbpf_print_fn_t old_print;
	struct bpf_object *obj;
	int err = 0;

	if (log && logsz)
		log[0] = '\0';
	cap_buf = log;
	cap_size = log ? logsz : 0;
	cap_len = 0;
	old_print = libbpf_set_print(capture_print);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		err = errno;
	libbpf_set_print(old_print);
	cap_buf = NULL;
	errno = err;
	return obj;
}

int kh_load(const char *path, const char *prog_name, enum bpf_prog_type type_override,
	    struct kh_prog *out, char *log, size_t logsz)
{
	size_t vlog_size = logsz > (1u << 20) ? logsz : (1u << 20);
	char *vlog = NULL, *wlog = NULL;
	libbpf_print_fn_t old_print;
	struct bpf_program *prog;
	struct bpf_object *obj = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (log && logsz)
		log[0] = '\0';

	vlog = calloc(1, vlog_size);
	wlog = calloc(1, KH_LOG_SIZE);
	if (!vlog || !wlog) {
		err = -ENOMEM;
		goto out;
	}
	cap_buf = wlog;
	cap_size = KH_LOG_SIZE;
	cap_len = 0;
	old_print = libbpf_set_print(capture_print);

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		goto restore;
	}
	err = prepare(obj, prog_name, type_override, &prog, &out->type_inferred, wlog,
		      KH_LOG_SIZE);
	if (err)
		goto restore;
	out->type = bpf_program__type(prog);
	/* With log level 0 libbpf retries a failed load with level 1 into this buffer. */
	bpf_program__set_log_buf(prog, vlog, vlog_size);

	err = bpf_object__load(obj);
	if (err) {
		err = err < 0 ? err : -EINVAL;
		goto restore;
	}
	out->obj = obj;
	out->prog = prog;
	out->fd = bpf_program__fd(prog);
	out->insn_cnt = (uint32_t)bpf_program__insn_cnt(prog);
	err = kh_prog_info(out->fd, &out->xlated_len, &out->jited_len);
	if (err)
		snprintf(wlog, KH_LOG_SIZE, "BPF_OBJ_GET_INFO_BY_FD: %s", strerror(-err));
restore:
	libbpf_set_print(old_print);
	cap_buf = NULL;
	if (err) {
		copy_log(log, logsz, vlog, wlog);
		if (out->obj)
			memset(out, 0, sizeof(*out));
		out->fd = -1;
		bpf_object__close(obj);
	}
out:
	free(vlog);
	free(wlog);
	return err;
}

/* libbpf 1.1 dereferences kernel-only state linking struct_ops in gen_loader mode */
static bool has_struct_ops(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map (map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			return true;
	return false;
}

int kh_link(const char *path, const char *prog_name, enum bpf_prog_type type_override,
	    struct kh_linked *out, char *log, size_t logsz)
{
	LIBBPF_OPTS(gen_loader_opts, gopts);
	libbpf_print_fn_t old_print;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	char *wlog;
	int err;

	memset(out, 0, sizeof(*out));
	if (log && logsz)
		log[0] = '\0';
	wlog = calloc(1, KH_LOG_SIZE);
	if (!wlog)
		return -ENOMEM;
	cap_buf = wlog;
	cap_size = KH_LOG_SIZE;
	cap_len = 0;
	old_print = libbpf_set_print(capture_print);

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		goto out;
	}
	if (has_struct_ops(obj)) {
		err = -EOPNOTSUPP;
		snprintf(wlog, KH_LOG_SIZE, "struct_ops maps: libbpf 1.1 cannot link them "
					    "without the kernel");
		goto out;
	}
	err = prepare(obj, prog_name, type_override, &prog, &out->type_inferred, wlog,
		      KH_LOG_SIZE);
	if (err)
		goto out;
	err = bpf_object__gen_loader(obj, &gopts) ?: bpf_object__load(obj);
	if (err) {
		err = err < 0 ? err : -EINVAL;
		goto out;
	}
	snprintf(out->name, sizeof(out->name), "%s", bpf_program__name(prog));
	snprintf(out->section, sizeof(out->section), "%s", bpf_program__section_name(prog));
	out->type = bpf_program__type(prog);
	out->expected_attach_type = bpf_program__expected_attach_type(prog);
	out->len = bpf_program__insn_cnt(prog);
	out->insns = malloc(out->len * sizeof(*out->insns) ?: 1);
	bpf_object__for_each_map (map, obj)
		out->nmaps++;
	out->maps = out->nmaps ? calloc(out->nmaps, sizeof(*out->maps)) : NULL;
	if (!out->insns || (out->nmaps && !out->maps)) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(out->insns, bpf_program__insns(prog), out->len * sizeof(*out->insns));
	/* gen_loader numbers maps in the object's order, which for_each_map follows */
	out->nmaps = 0;
	bpf_object__for_each_map (map, obj) {
		struct kh_map_desc *d = &out->maps[out->nmaps++];

		snprintf(d->name, sizeof(d->name), "%s", bpf_map__name(map));
		d->type = bpf_map__type(map);
		d->key_size = bpf_map__key_size(map);
		d->value_size = bpf_map__value_size(map);
		d->max_entries = bpf_map__max_entries(map);
		d->flags = bpf_map__map_flags(map);
	}
out:
	libbpf_set_print(old_print);
	cap_buf = NULL;
	if (err) {
		copy_log(log, logsz, NULL, wlog);
		if (log && logsz && !log[0])
			snprintf(log, logsz, "%s", strerror(-err));
		kh_linked_free(out);
	}
	bpf_object__close(obj);
	free(wlog);
	return err;
}

void kh_linked_free(struct kh_linked *l)
{
	if (!l)
		return;
	free(l->insns);
	free(l->maps);
	memset(l, 0, sizeof(*l));
}

void kh_close_fds(int *fds, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int kh_linked_create_maps(const struct kh_linked *l, int *fds)
{
	uint32_t i;

	for (i = 0; i < l->nmaps; i++) {
		const struct kh_map_desc *d = &l->maps[i];
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = d->flags);
		uint32_t max = d->max_entries;

		if (!max && d->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			max = (uint32_t)libbpf_num_possible_cpus();
		else if (!max && !map_size_fixed_by_kernel(d->type))
			max = KH_DEFAULT_MAX_ENTRIES;
		fds[i] = bpf_map_create(d->type, NULL, d->key_size, d->value_size, max, &o);
		if (fds[i] < 0) {
			int err = -errno;

			kh_close_fds(fds, i);
			return err;
		}
	}
	return 0;
}

int kh_insns_set_map_fds(struct bpf_insn *insns, size_t len, const int *fds, uint32_t nfds)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		struct bpf_insn *x = &insns[i];

		if (x->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		i++; /* the second slot is never an instruction of its own */
		if (x->src_reg != BPF_PSEUDO_MAP_IDX && x->src_reg != BPF_PSEUDO_MAP_IDX_VALUE)
			continue;
		if ((uint32_t)x->imm >= nfds)
			return -EINVAL;
		x->src_reg = x->src_reg == BPF_PSEUDO_MAP_IDX ? BPF_PSEUDO_MAP_FD
							       : BPF_PSEUDO_MAP_VALUE;
		x->imm = fds[x->imm];
	}
	return 0;
}

void kh_unload(struct kh_prog *kp)
{
	if (!kp)
		return;
	bpf_object__close(kp->obj);
	memset(kp, 0, sizeof(*kp));
	kp->fd = -1;
}

/*
 * Lines that say only that something failed, not what: the verifier's
 * statistics and libbpf's summaries that follow the real reason.
 */
static bool is_summary_line(const char *s, size_t n)
{
	static const char *const prefixes[] = {"processed ",  "verification time",
					       "stack depth", "max_states_per_insn",
					       "-- END",      "-- BEGIN"};
	static const char *const libbpf_summaries[] = {
		"failed to load object", "': failed to load: ", "failed to prepare load attributes",
		"permission error while running as root"};
	char line[512];
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (n >= strlen(prefixes[i]) && !strncmp(s, prefixes[i], strlen(prefixes[i])))
			return true;
	if (n < 8 || strncmp(s, "libbpf: ", 8))
		return false;
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, s, n);
	line[n] = '\0';
	for (i = 0; i < sizeof(libbpf_summaries) / sizeof(libbpf_summaries[0]); i++)
		if (strstr(line, libbpf_summaries[i]))
			return true;
	return false;
}

void kh_log_reason(const char *log, char *buf, size_t bufsz)
{
	const char *end, *start, *best = NULL;
	size_t best_len = 0;

	if (!bufsz)
		return;
	buf[0] = '\0';
	if (!log)
		return;
	end = log + strlen(log);
	while (end > log) {
		size_t n;

		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		n = (size_t)(end - start);
		if (n && !is_summary_line(start, n)) {
			best = start;
			best_len = n;
			break;
		}
		end = start;
	}
	if (!best)
		return;
	if (best_len > 8 && !strncmp(best, "libbpf: ", 8)) {
		best += 8;
		best_len -= 8;
	}
	if (best_len >= bufsz)
		best_len = bufsz - 1;
	memcpy(buf, best, best_len);
	buf[best_len] = '\0';
}

int kh_test_run(int prog_fd, struct kh_run *run, char *msg, size_t msgsz)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = run->data_in,
		    .data_size_in = run->data_size_in, .data_out = run->data_out,
		    .data_size_out = run->data_size_out, .ctx_in = run->ctx_in,
		    .ctx_size_in = run->ctx_size_in, .ctx_out = run->ctx_out,
		    .ctx_size_out = run->ctx_size_out, .repeat = (int)(run->repeat ?: 1),
		    .flags = run->flags);
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err) {
		err = -errno;
		if (msg && msgsz)
			snprintf(msg, msgsz, "BPF_PROG_TEST_RUN: %s", strerror(-err));
		return err;
	}
	run->data_size_out = run->data_out ? opts.data_size_out : 0;
	run->ctx_size_out = run->ctx_out ? opts.ctx_size_out : 0;
	run->retval = opts.retval;
	run->duration = opts.duration;
	return 0;
}

static struct bpf_map *find_map(const struct kh_prog *kp, const char *name)
{
	if (!kp || !kp->obj || !name)
		return NULL;
	return bpf_object__find_map_by_name(kp->obj, name);
}

int kh_map_fd(const struct kh_prog *kp, const char *name)
{
	struct bpf_map *map = find_map(kp, name);
	int fd;

	if (!map)
		return -ENOENT;
	fd = bpf_map__fd(map);
	return fd < 0 ? -EBADF : fd;
}

int kh_map_update(const struct kh_prog *kp, const char *name, const void *key, const void *value,
		  uint64_t flags)
{
	int fd = kh_map_fd(kp, name);

	if (fd < 0)
		return fd;
	return bpf_map_update_elem(fd, key, value, flags) ? -errno : 0;
}

int kh_map_lookup(const struct kh_prog *kp, const char *name, const void *key, void *value)
{
	int fd = kh_map_fd(kp, name);

	if (fd < 0)
		return fd;
	return bpf_map_lookup_elem(fd, key, value) ? -errno : 0;
}

int kh_map_next_key(const struct kh_prog *kp, const char *name, const void *key, void *next)
{
	int fd = kh_map_fd(kp, name);

	if (fd < 0)
		return fd;
	return bpf_map_get_next_key(fd, key, next) ? -errno : 0;
}

int kh_map_sizes(const struct kh_prog *kp, const char *name, uint32_t *key_size,
		 uint32_t *value_size)
{
	struct bpf_map *map = find_map(kp, name);

	if (!map)
		return -ENOENT;
	if (key_size)
		*key_size = bpf_map__key_size(map);
	if (value_size)
		*value_size = bpf_map__value_size(map);
	return 0;
}

int kh_map_create(enum bpf_map_type type, uint32_t key_size, uint32_t value_size,
		  uint32_t max_entries)
{
	int fd = bpf_map_create(type, NULL, key_size, value_size, max_entries, NULL);

	return fd < 0 ? -errno : fd;
}

void kh_print_bytes(const char *what, const uint8_t *b, size_t n)
{
	size_t i;

	fprintf(stderr, "  %s (%zu bytes):", what, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? " " : "\n    ", b[i]);
	fputc('\n', stderr);
}

int kh_load_insns(enum bpf_prog_type type, const struct bpf_insn *insns, size_t len,
		  struct bpf_prog_load_opts *opts, char *log, size_t logsz)
{
	LIBBPF_OPTS(bpf_prog_load_opts, none);
	int fd;

	if (!opts)
		opts = &none;
	if (log && logsz) {
		opts->log_buf = log;
		opts->log_size = (uint32_t)logsz;
		opts->log_level = 1;
		log[0] = 0;
	}
	fd = bpf_prog_load(type, NULL, "GPL", insns, len, opts);
	return fd < 0 ? -errno : fd;
}

void kh_pin_here(cpu_set_t *old)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	CPU_ZERO(&one);
	CPU_SET(cpu >= 0 ? cpu : 0, &one);
	sched_getaffinity(0, sizeof(*old), old);
	sched_setaffinity(0, sizeof(one), &one);
}

void kh_unpin(const cpu_set_t *old)
{
	sched_setaffinity(0, sizeof(*old), old);
}
