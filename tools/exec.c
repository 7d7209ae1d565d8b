// SPDX-License-Identifier: MIT
/*
 * bpfsynth exec: run a program of an object in core/interp, in userspace.
 *
 * It mirrors `bpftool prog run` (BPF_PROG_TEST_RUN): a packet in, the return
 * value and the packet out, so a program can be debugged without loading it.
 * The program is the one libbpf would submit (objfile_link(): subprograms
 * appended, maps named by index), and the machine gets the object's maps with
 * their definitions; global data (.rodata, .data, .bss) starts with the
 * object's initial values, the other maps empty (arrays zero) unless --maps
 * gives elements.
 *
 * --maps FILE is JSON: {"MAP": [{"key": "HEX", "value": "HEX"}, ...], ...}
 * with keys and values as hex strings of exactly key_size / value_size bytes.
 *
 * Unlike the kernel's repeat, every repetition starts from the same map
 * contents: the runs are independent, and the figures are the last run's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <bpf/libbpf.h>

#include "core/interp.h"
#include "tools/main.h"

#define EXEC_MAX_PKT (64 * 1024)

void exec_help(void)
{
	printf("Usage: %s exec OBJ.o [--prog NAME] [--data-in FILE] [--data-out FILE]\n"
	       "                     [--ctx-in FILE] [--maps FILE] [--repeat N] [--type TYPE]\n"
	       "\n"
	       "Run a program of OBJ.o in bpfsynth's interpreter, as BPF_PROG_TEST_RUN would\n"
	       "run it in the kernel (see `bpftool prog run`): the packet of --data-in in,\n"
	       "the return value (the low 32 bits of r0, as the kernel reports it) and the\n"
	       "packet out.  Program types: XDP, socket filter, tc (sched_cls/sched_act),\n"
	       "cgroup_skb, flow dissector (data out: the flow keys), kprobe, tracepoint and\n"
	       "raw tracepoint (no packet; the ctx bytes from --ctx-in).  Maps start empty\n"
	       "(arrays zero), global data with the object's values; --maps fills elements.\n"
	       "Nothing is loaded into the kernel.\n"
	       "\n"
	       "  --prog NAME       the program to run (needed when the object has several)\n"
	       "  --data-in FILE    packet bytes (default: none)\n"
	       "  --data-out FILE   write the packet after the run ('-': hex on stdout)\n"
	       "  --ctx-in FILE     the context, as bpftool prog run's ctx_in: tracing types'\n"
	       "                    bytes (pt_regs, the record, the u64 arguments); the\n"
	       "                    flow dissector's struct bpf_flow_keys (flags only);\n"
	       "                    __sk_buff (mark, priority, cb, tstamp) or xdp_md\n"
	       "                    (ingress_ifindex, rx_queue_index)\n"
	       "  --maps FILE       JSON {\"MAP\": [{\"key\": \"HEX\", \"value\": \"HEX\"}]}\n"
	       "  --repeat N        run N times (each from the same state); time per run\n"
	       "  --type TYPE       program type, as a section name (xdp, socket, tc, ...),\n"
	       "                    for programs in legacy sections\n"
	       "  -j, --json        {\"retval\", \"r0\", \"status\", \"insns\", \"duration_ns\",\n"
	       "                    \"data_out\", \"helper_calls\", \"maps\", \"uninit_stack\"}\n"
	       "\n"
	       "The run is on CPU 0 (per-CPU maps, bpf_get_smp_processor_id()), in this\n"
	       "process's task (bpf_get_current_pid_tgid/_uid_gid/_comm); helpers that read\n"
	       "the clock or random numbers return 0.\n",
	       bin_name);
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	*buf = malloc(EXEC_MAX_PKT + 1);
	if (!*buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(*buf, 1, EXEC_MAX_PKT + 1, f);
	if (ferror(f) || n > EXEC_MAX_PKT) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return n > EXEC_MAX_PKT ? -E2BIG : -EIO;
	}
	fclose(f);
	*len = n;
	return 0;
}

static int hex_decode(const char *s, uint8_t *out, size_t want)
{
	size_t i;

	if (strlen(s) != 2 * want)
		return -EINVAL;
	for (i = 0; i < want; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		out[i] = (uint8_t)b;
	}
	return 0;
}

static json_t *hex_json(const void *p, size_t n)
{
	const uint8_t *b = p;
	char *s = malloc(2 * n + 1);
	json_t *j;
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", b[i]);
	s[2 * n] = 0;
	j = json_string(s);
	free(s);
	return j;
}

struct exec_env {
	struct bpf_object *obj;
	struct interp_map_def *defs;
	const char **names;
	uint32_t nmaps;
	struct interp_map_elem *elems;
	uint32_t nelems;
	void **bufs; /* key/value buffers the elems point to */
	uint32_t nbufs;
};

static int env_add_elem(struct exec_env *e, uint32_t map, void *key, void *value)
{
	struct interp_map_elem *el = realloc(e->elems, (e->nelems + 1) * sizeof(*el));
	void **bufs = realloc(e->bufs, (e->nbufs + 2) * sizeof(*bufs));

	if (el)
		e->elems = el;
	if (bufs)
		e->bufs = bufs;
	if (!el || !bufs) {
		free(key);
		free(value);
		return -ENOMEM;
	}
	e->bufs[e->nbufs++] = key;
	e->bufs[e->nbufs++] = value;
	e->elems[e->nelems++] = (struct interp_map_elem){.map = map, .key = key, .value = value};
	return 0;
}

/* The object's maps as interp_map_defs (ref = index, as the linked program names them). */
static int env_maps(struct exec_env *e)
{
	struct bpf_map *map;
	uint32_t i = 0;

	bpf_object__for_each_map (map, e->obj)
		e->nmaps++;
	e->defs = calloc(e->nmaps ?: 1, sizeof(*e->defs));
	e->names = calloc(e->nmaps ?: 1, sizeof(*e->names));
	if (!e->defs || !e->names)
		return -ENOMEM;
	bpf_object__for_each_map (map, e->obj) {
		size_t init_sz = 0;
		const void *init = bpf_map__initial_value(map, &init_sz);

		e->names[i] = bpf_map__name(map);
		e->defs[i] = (struct interp_map_def){
			.type = bpf_map__type(map),
			.key_size = bpf_map__key_size(map),
			.value_size = bpf_map__value_size(map),
			.max_entries = bpf_map__max_entries(map),
			.flags = bpf_map__map_flags(map),
			.ref = (int32_t)i,
		};
		/* global data: one element, the section's bytes */
		if (init && init_sz && e->defs[i].type == BPF_MAP_TYPE_ARRAY) {
			uint32_t *key = calloc(1, sizeof(*key));
			void *val = calloc(1, e->defs[i].value_size);
			int err;

			if (!key || !val) {
				free(key);
				free(val);
				return -ENOMEM;
			}
			memcpy(val, init,
			       init_sz < e->defs[i].value_size ? init_sz : e->defs[i].value_size);
			err = env_add_elem(e, i, key, val);
			if (err)
				return err;
		}
		i++;
	}
	return 0;
}

static int env_maps_json(struct exec_env *e, const char *path)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr), *elems;
	const char *name;
	int err = 0;

	if (!doc) {
		p_err("%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(doc)) {
		p_err("%s: expected an object {\"MAP\": [{\"key\": HEX, \"value\": HEX}]}", path);
		err = -EINVAL;
		goto out;
	}
	json_object_foreach(doc, name, elems)
	{
		uint32_t m;
		size_t k;
		json_t *el;

		for (m = 0; m < e->nmaps && strcmp(e->names[m], name); m++)
			;
		if (m == e->nmaps) {
			p_err("%s: the object has no map '%s'", path, name);
			err = -ENOENT;
			goto out;
		}
		if (!json_is_array(elems)) {
			p_err("%s: map '%s': expected an array of elements", path, name);
			err = -EINVAL;
			goto out;
		}
		json_array_foreach(elems, k, el)
		{
			const char *ks = json_string_value(json_object_get(el, "key"));
			const char *vs = json_string_value(json_object_get(el, "value"));
			uint8_t *key = malloc(e->defs[m].key_size ?: 1);
			uint8_t *val = malloc(e->defs[m].value_size ?: 1);

			if (!key || !val || !ks || !vs ||
			    hex_decode(ks, key, e->defs[m].key_size) ||
			    hex_decode(vs, val, e->defs[m].value_size)) {
				free(key);
				free(val);
				p_err("%s: map '%s' element %zu: need \"key\" of %u and \"value\" "
				      "of "
				      "%u bytes in hex",
				      path, name, k, e->defs[m].key_size, e->defs[m].value_size);
				err = -EINVAL;
				goto out;
			}
			err = env_add_elem(e, m, key, val);
			if (err)
				goto out;
		}
	}
out:
	json_decref(doc);
	return err;
}

static void env_free(struct exec_env *e)
{
	uint32_t i;

	for (i = 0; i < e->nbufs; i++)
		free(e->bufs[i]);
	free(e->bufs);
	free(e->elems);
	free(e->defs);
	free(e->names);
}

static const char *status_str(enum interp_status s)
{
	switch (s) {
	case INTERP_OK:
		return "ok";
	case INTERP_FAULT:
		return "fault";
	case INTERP_BUDGET:
		return "budget";
	case INTERP_UNSUPPORTED:
		return "unsupported";
	case INTERP_BAD_INPUT:
		return "bad input";
	}
	return "?";
}

static json_t *maps_json(const struct interp_ctx *c, const struct exec_env *e)
{
	json_t *maps = json_object();
	uint32_t m;

	for (m = 0; maps && m < e->nmaps; m++) {
		json_t *arr = json_array();
		const void *k, *v;
		uint32_t iter = 0;

		if (!arr)
			break;
		while (!interp_map_next(c, m, &iter, &k, &v)) {
			const uint8_t *vb = v;
			uint32_t i;

			/* arrays list every element: keep the ones that are not all zero */
			for (i = 0; i < e->defs[m].value_size && !vb[i]; i++)
				;
			if (e->defs[m].type == BPF_MAP_TYPE_ARRAY && i == e->defs[m].value_size)
				continue;
			json_array_append_new(
				arr, json_pack("{s:o,s:o}", "key", hex_json(k, e->defs[m].key_size),
					       "value", hex_json(v, e->defs[m].value_size)));
		}
		json_object_set_new(maps, e->names[m], arr);
	}
	return maps;
}

static int write_data_out(const char *path, const struct interp_result *res)
{
	FILE *f;
	uint32_t i;

	if (!strcmp(path, "-")) {
		for (i = 0; i < res->pkt_len; i++)
			printf("%02x%s", res->pkt[i],
			       (i % 16 == 15 || i + 1 == res->pkt_len) ? "\n" : " ");
		return 0;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(res->pkt, 1, res->pkt_len, f) != res->pkt_len || fclose(f)) {
		int err = -errno;

		p_err("%s: %s", path, strerror(errno));
		return err ?: -EIO;
	}
	return 0;
}

static bool zero_except(const uint8_t *b, size_t n, const size_t *keep, size_t nkeep)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k + 1 < nkeep; k += 2)
			if (i >= keep[k] && i < keep[k + 1])
				break;
		if (k + 1 >= nkeep && b[i])
			return false;
	}
	return true;
}

#define SPAN(s, f) offsetof(struct s, f), offsetof(struct s, f) + sizeof(((struct s *)0)->f)

/*
 * Put --ctx-in's bytes into @in as BPF_PROG_TEST_RUN would take them, or say
 * why not (-EINVAL).  @skb and @xdp hold the structs @in points to.
 */
static int ctx_input(uint32_t type, const uint8_t *ctx, size_t len, struct interp_input *in,
		     struct __sk_buff *skb, struct xdp_md *xdp)
{
	switch (type) {
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		if (len > 8192) {
			p_err("exec: --ctx-in: %zu bytes, at most 8192", len);
			return -EINVAL;
		}
		in->ctx = ctx;
		in->ctx_len = (uint32_t)len;
		return 0;
	case BPF_PROG_TYPE_FLOW_DISSECTOR: {
		/* verify_user_bpf_flow_keys(): flags alone */
		static const size_t keep[] = { SPAN(bpf_flow_keys, flags) };
		struct bpf_flow_keys k = {0};

		if (len > sizeof(k) || !zero_except(ctx, len, keep, 2)) {
			p_err("exec: --ctx-in: a struct bpf_flow_keys with flags alone");
			return -EINVAL;
		}
		memcpy(&k, ctx, len);
		in->flow_flags = k.flags;
		return 0;
	}
	case BPF_PROG_TYPE_XDP: {
		static const size_t keep[] = { SPAN(xdp_md, ingress_ifindex),
					       SPAN(xdp_md, rx_queue_index) };

		if (len > sizeof(*xdp) || !zero_except(ctx, len, keep, 4)) {
			p_err("exec: --ctx-in: an xdp_md with ingress_ifindex and "
			      "rx_queue_index alone");
			return -EINVAL;
		}
		memset(xdp, 0, sizeof(*xdp));
		memcpy(xdp, ctx, len);
		if (!xdp->ingress_ifindex)
			xdp->ingress_ifindex = 1; /* the test run's loopback */
		in->xdp = xdp;
		return 0;
	}
	default: {
		static const size_t keep[] = { SPAN(__sk_buff, mark), SPAN(__sk_buff, priority),
					       SPAN(__sk_buff, cb), SPAN(__sk_buff, tstamp) };
		struct __sk_buff u = {0};

		if (len > sizeof(u) || !zero_except(ctx, len, keep, 8)) {
			p_err("exec: --ctx-in: an __sk_buff with mark, priority, cb and tstamp "
			      "alone");
			return -EINVAL;
		}
		memcpy(&u, ctx, len);
		interp_skb_defaults(type, in->pkt, in->pkt_len, skb);
		skb->mark = u.mark;
		skb->priority = u.priority;
		memcpy(skb->cb, u.cb, sizeof(u.cb));
		skb->tstamp = u.tstamp;
		in->skb = skb;
		return 0;
	}
	}
}

int do_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"prog", required_argument, NULL, 'P'},
		{"data-in", required_argument, NULL, 'I'},
		{"data-out", required_argument, NULL, 'O'},
		{"ctx-in", required_argument, NULL, 'C'},
		{"maps", required_argument, NULL, 'M'},
		{"repeat", required_argument, NULL, 'R'},
		{"type", required_argument, NULL, 'T'},
		{"json", no_argument, NULL, 'j'},
		{"pretty", no_argument, NULL, 'p'},
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *path, *prog_name = NULL, *data_in = NULL, *data_out = NULL, *maps = NULL;
	const char *ctx_in = NULL;
	uint8_t *ctx = NULL;
	size_t ctx_len = 0;
	struct __sk_buff skb;
	struct xdp_md xdp;
	struct exec_env env = {0};
	struct interp_prog *ip = NULL;
	struct interp_ctx *ic = NULL;
	struct interp_input in = {0};
	struct interp_result res;
	struct bpf_program *prog = NULL;
	uint8_t *pkt = NULL;
	size_t pkt_len = 0;
	enum bpf_prog_type type = BPF_PROG_TYPE_UNSPEC;
	enum bpf_attach_type attach;
	unsigned long repeat = 1, r;
	char msg[256];
	double t0, dt;
	struct timespec ts;
	int c, err;

	if (argc == 2 && !strcmp(argv[1], "help")) {
		exec_help();
		return 0;
	}
	while ((c = cmd_getopt(argc, argv, ":jpdh", opts)) != -1) {
		switch (c) {
		case 'P':
			prog_name = optarg;
			break;
		case 'I':
			data_in = optarg;
			break;
		case 'O':
			data_out = optarg;
			break;
		case 'C':
			ctx_in = optarg;
			break;
		case 'M':
			maps = optarg;
			break;
		case 'R': {
			char *end;

			repeat = strtoul(optarg, &end, 10);
			if (*end || !repeat || repeat > 100000000) {
				p_err("exec: --repeat takes a number from 1 to 100000000");
				return -EINVAL;
			}
			break;
		}
		case 'T':
			if (libbpf_prog_type_by_name(optarg, &type, &attach)) {
				p_err("exec: --type %s: not a section name libbpf knows "
				      "(xdp, socket, tc, cgroup_skb/ingress, ...)",
				      optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			exec_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		p_err(optind >= argc ? "exec: missing OBJ.o (see '%s exec help')"
				     : "exec: one object only (see '%s exec help')",
		      bin_name);
		return -EINVAL;
	}
	path = argv[optind];
	if (data_in) {
		err = read_file(data_in, &pkt, &pkt_len);
		if (err) {
			p_err("%s: %s", data_in,
			      err == -E2BIG ? "packet larger than 64 KiB" : strerror(-err));
			return err;
		}
	}

	if (ctx_in) {
		err = read_file(ctx_in, &ctx, &ctx_len);
		if (err) {
			p_err("%s: %s", ctx_in,
			      err == -E2BIG ? "larger than 64 KiB" : strerror(-err));
			goto out;
		}
	}

	env.obj = objfile_open(path, true, prog_name, &prog);
	if (!env.obj) {
		err = -errno;
		goto out;
	}
	/* the type its section says, unless --type (legacy sections say nothing) */
	if (type == BPF_PROG_TYPE_UNSPEC)
		type = objfile_section_type(prog);
	if (type == BPF_PROG_TYPE_UNSPEC) {
		p_err("%s: section '%s' does not say the program type; give --type", path,
		      bpf_program__section_name(prog));
		err = -EINVAL;
		goto out;
	}
	err = env_maps(&env) ?: (maps ? env_maps_json(&env, maps) : 0);
	if (err) {
		if (err == -ENOMEM)
			p_err("out of memory");
		goto out;
	}
	ip = interp_prog__new(bpf_program__insns(prog), bpf_program__insn_cnt(prog), type, msg,
			      sizeof(msg));
	if (!ip) {
		err = -errno;
		p_err("%s: %s: %s", path, bpf_program__name(prog), msg);
		goto out;
	}
	ic = interp_ctx__new(env.defs, env.nmaps, msg, sizeof(msg));
	if (!ic) {
		err = -errno;
		p_err("%s: maps: %s", path, msg);
		goto out;
	}

	in.pkt = pkt;
	in.pkt_len = pkt_len;
	in.elems = env.elems;
	in.nelems = env.nelems;
	/* the current task is ours, as a test run's is the caller's */
	in.task_known = true;
	in.pid_tgid = (uint64_t)getpid() << 32 | (uint32_t)gettid();
	in.uid_gid = (uint64_t)getgid() << 32 | getuid();
	prctl(PR_GET_NAME, in.comm);
	if (ctx_in && (err = ctx_input(type, ctx, ctx_len, &in, &skb, &xdp)))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec + ts.tv_nsec / 1e9;
	for (r = 0; r < repeat; r++) {
		err = interp_run(ic, ip, &in, &res);
		if (err) {
			p_err("%s: %s", path, res.msg);
			goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	dt = (ts.tv_sec + ts.tv_nsec / 1e9 - t0) / repeat;

	if (res.status != INTERP_OK) {
		p_err("%s: %s: %s stopped (%s): %s", path, bpf_program__name(prog), "the run",
		      status_str(res.status), res.msg);
		err = -EFAULT;
		goto out;
	}
	if (json_output) {
		json_t *calls = json_array(), *doc;
		char r0[24];
		uint32_t i;

		/* a call's "mem": the bytes it read through its pointer arguments */
		for (i = 0; calls && i < res.ncalls; i++)
			json_array_append_new(calls,
					      json_pack("{s:i,s:i,s:I,s:o}", "insn", res.calls[i].insn,
							"helper", res.calls[i].helper, "ret",
							(json_int_t)res.calls[i].ret, "mem",
							hex_json(res.calls[i].mem,
								 res.calls[i].mem_len)));
		snprintf(r0, sizeof(r0), "0x%016" PRIx64, res.r0);
		doc = json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:o,s:b}", "retval",
				(json_int_t)res.retval, "r0", r0, "status", status_str(res.status),
				"insns", (json_int_t)res.insns, "duration_ns",
				(json_int_t)(dt * 1e9), "repeat", (json_int_t)repeat, "data_out",
				hex_json(res.pkt, res.pkt_len), "helper_calls", calls, "maps",
				maps_json(ic, &env), "uninit_stack", res.uninit_stack);
		err = json_print(doc);
	} else {
		printf("Return value: %u, duration%s: %.0fns, instructions: %" PRIu64 "\n",
		       res.retval, repeat > 1 ? " (average)" : "", dt * 1e9, res.insns);
		if (res.uninit_stack)
			fprintf(stderr, "note: the run read stack bytes it had not written (read "
					"as zero here; the kernel's hold whatever its stack held)\n");
	}
	if (!err && data_out)
		err = write_data_out(data_out, &res);
out:
	interp_ctx__free(ic);
	interp_prog__free(ip);
	env_free(&env);
	bpf_object__close(env.obj);
	free(pkt);
	free(ctx);
	return err;
}
