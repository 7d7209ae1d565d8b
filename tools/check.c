// SPDX-License-Identifier: MIT
/*
 * bpfsynth check: prove two BPF programs equivalent, or show an input on
 * which they differ.
 *
 * Each object is opened with libbpf and linked without the kernel (libbpf's
 * gen_loader mode records the load instead of performing it), so each
 * program is what libbpf would submit: subprograms appended, maps named by
 * index (BPF_PSEUDO_MAP_IDX).  The two objects must declare the same maps in
 * the same order -- the programs are compared over the same map contents.
 * The program type is the one libbpf derives from the ELF section.
 *
 * The verdict comes from core/smt: "equivalent" only with a proof,
 * "different" only with a counterexample core/interp has replayed on both
 * programs, "unknown" otherwise, with the reason.  Exit status: 0
 * equivalent, 1 different, 2 unknown, 255 usage or input errors (after one
 * error line, as every command).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "config/config.h"
#include "core/smt.h"
#include "tools/main.h"

#define DEFAULT_TIMEOUT 60

void check_help(void)
{
	if (json_output) {
		json_print(json_pack("{s:s,s:s,s:[s,s,s,s]}", "name", "check", "synopsis",
				     "check A.o B.o [--prog NAME] [--timeout SEC] [--type TYPE]",
				     "options", "--prog NAME", "--timeout SEC", "--type TYPE",
				     "-j/--json, -p/--pretty, -d/--debug"));
		return;
	}
	printf("Usage: %s check A.o B.o [--prog NAME] [--timeout SEC] [--type TYPE]\n"
	       "\n"
	       "Prove that program NAME of A.o and program NAME of B.o (or the only program\n"
	       "of each) behave the same on every input: the return value (its low 32 bits\n"
	       "for program types run through bpf_prog_run, such as XDP and tc; all 64 for\n"
	       "tracing, LSM, struct_ops and ext), the packet, the ctx fields written, the\n"
	       "map values, and the helper calls with their arguments.  The program type\n"
	       "comes from the ELF section, as libbpf decides it (--type for sections that\n"
	       "do not say it); both objects must declare the same maps.  BPF-to-BPF calls\n"
	       "are followed into the callee, a frame each; a tail call that succeeds ends\n"
	       "the program with what it can see then.  Programs with loops, recursion or\n"
	       "callbacks, or helpers the checker does not model (those that move the packet\n"
	       "or resize it, socket lookups, ...) get \"unknown\".\n"
	       "\n"
	       "A counterexample is printed as the packet bytes in hex, the ctx, the map\n"
	       "entries and helper results of the input, and what differs; it has been\n"
	       "replayed in the interpreter on both programs.\n"
	       "\n"
	       "  --prog NAME     the program NAME in both objects\n"
	       "  --type TYPE     program type of sections whose name does not say it (xdp,\n"
	       "                  tc, socket, ...)\n"
	       "  --timeout SEC   give up (\"unknown\") after SEC seconds of solving (default\n"
	       "                  %d)\n"
	       "  -j, --json      JSON output: {\"verdict\", \"reason\", \"type\", \"seconds\",\n"
	       "                  \"counterexample\": {\"what\", \"a\", \"b\", \"packet\",\n"
	       "                  \"helper_results\", \"map_entries\"}}\n"
	       "  -p, --pretty    indented JSON\n"
	       "  -d, --debug     show libbpf's own messages\n"
	       "\n"
	       "Exit status: 0 equivalent, 1 different, 2 unknown, 255 error.\n",
	       bin_name, DEFAULT_TIMEOUT);
}

struct side {
	const char *path;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct interp_map_def maps[SMT_MAX_MAPS];
	uint32_t nmaps;
};

static int open_side(struct side *s, const char *prog_name)
{
	struct bpf_map *m;

	/* linked without the kernel: maps by index, subprograms appended */
	s->obj = objfile_open(s->path, true, prog_name, &s->prog);
	if (!s->obj)
		return -errno;
	bpf_object__for_each_map (m, s->obj) {
		struct interp_map_def *d;

		if (s->nmaps == SMT_MAX_MAPS) {
			p_err("%s: more than %d maps", s->path, SMT_MAX_MAPS);
			return -E2BIG;
		}
		d = &s->maps[s->nmaps];
		d->type = bpf_map__type(m);
		d->key_size = bpf_map__key_size(m);
		d->value_size = bpf_map__value_size(m);
		d->max_entries = bpf_map__max_entries(m);
		d->flags = bpf_map__map_flags(m);
		d->ref = (int32_t)s->nmaps;
		s->nmaps++;
	}
	return 0;
}

static void hex(char *out, size_t outsz, const uint8_t *p, size_t n, bool spaces)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o + 4 < outsz; i++)
		o += snprintf(out + o, outsz - o, spaces && i ? " %02x" : "%02x", p[i]);
}

static json_t *cex_json(const struct smt_env *env, const struct smt_cex *cx)
{
	char buf[3 * SMT_CEX_PKT_MAX + 1];
	json_t *j, *hr, *me;
	uint32_t k;

	hex(buf, sizeof(buf), cx->pkt, cx->pkt_len, false);
	j = json_pack("{s:s,s:I,s:I,s:s,s:I}", "what", cx->what, "a", (json_int_t)cx->a_val, "b",
		      (json_int_t)cx->b_val, "packet", buf, "packet_len", (json_int_t)cx->pkt_len);
	hr = json_array();
	me = json_array();
	for (k = 0; k < SMT_MAX_EVENTS && cx->helper_id[k] >= 0; k++)
		json_array_append_new(hr, json_pack("{s:i,s:I}", "helper", cx->helper_id[k], "ret",
						    (json_int_t)cx->helper_ret[k]));
	for (k = 0; k < cx->nelems; k++) {
		const struct interp_map_def *d = &env->maps[cx->elems[k].map];
		char key[160], val[600];

		hex(key, sizeof(key), cx->elems[k].key, d->key_size, false);
		hex(val, sizeof(val), cx->elems[k].value,
		    d->value_size < sizeof(cx->elems[k].value) ? d->value_size
							       : sizeof(cx->elems[k].value),
		    false);
		json_array_append_new(me, json_pack("{s:i,s:s,s:s}", "map", cx->elems[k].map, "key",
						    key, "value", val));
	}
	json_object_set_new(j, "helper_results", hr);
	json_object_set_new(j, "map_entries", me);
	return j;
}

static void cex_print(const struct smt_env *env, const struct smt_cex *cx)
{
	char buf[3 * SMT_CEX_PKT_MAX + 1];
	uint32_t k, i;

	printf("counterexample:\n");
	printf("  differs:  %s (A: 0x%llx, B: 0x%llx)\n", cx->what, (unsigned long long)cx->a_val,
	       (unsigned long long)cx->b_val);
	printf("  packet:   %u bytes\n", cx->pkt_len);
	for (i = 0; i < cx->pkt_len; i += 16) {
		hex(buf, sizeof(buf), cx->pkt + i, cx->pkt_len - i < 16 ? cx->pkt_len - i : 16,
		    true);
		printf("    %04x: %s\n", i, buf);
	}
	if (env->prog_type == BPF_PROG_TYPE_XDP) {
		uint32_t ifindex, rxq;

		memcpy(&ifindex, cx->ctx + offsetof(struct xdp_md, ingress_ifindex), 4);
		memcpy(&rxq, cx->ctx + offsetof(struct xdp_md, rx_queue_index), 4);
		printf("  ctx:      ingress_ifindex %u, rx_queue_index %u\n", ifindex, rxq);
	}
	for (k = 0; k < SMT_MAX_EVENTS && cx->helper_id[k] >= 0; k++)
		printf("  helper call %u: helper %d returns 0x%llx\n", k, cx->helper_id[k],
		       (unsigned long long)cx->helper_ret[k]);
	for (k = 0; k < cx->nelems; k++) {
		const struct interp_map_def *d = &env->maps[cx->elems[k].map];
		char key[200], val[800];

		hex(key, sizeof(key), cx->elems[k].key, d->key_size, true);
		hex(val, sizeof(val), cx->elems[k].value,
		    d->value_size < sizeof(cx->elems[k].value) ? d->value_size
							       : sizeof(cx->elems[k].value),
		    true);
		printf("  map %u entry: key %s value %s\n", cx->elems[k].map, key, val);
	}
}

static bool same_maps(const struct side *a, const struct side *b)
{
	uint32_t i;

	if (a->nmaps != b->nmaps)
		return false;
	for (i = 0; i < a->nmaps; i++)
		if (a->maps[i].type != b->maps[i].type ||
		    a->maps[i].key_size != b->maps[i].key_size ||
		    a->maps[i].value_size != b->maps[i].value_size ||
		    a->maps[i].max_entries != b->maps[i].max_entries ||
		    a->maps[i].flags != b->maps[i].flags)
			return false;
	return true;
}

int do_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"prog", required_argument, NULL, 'P'},
		{"timeout", required_argument, NULL, 'T'},
		{"type", required_argument, NULL, 'Y'},
		{"json", no_argument, NULL, 'j'},
		{"pretty", no_argument, NULL, 'p'},
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct side a = {0}, b = {0};
	const char *prog_name = NULL;
	struct smt_result res;
	struct smt_env env;
	struct smt_ctx *s = NULL;
	unsigned long timeout = DEFAULT_TIMEOUT;
	const char *tname;
	char *end;
	int c, err, type = -1, ta, tb;

	if (argc == 2 && !strcmp(argv[1], "help")) {
		check_help();
		return 0;
	}
	while ((c = cmd_getopt(argc, argv, ":jpdh", opts)) != -1) {
		switch (c) {
		case 'P':
			prog_name = optarg;
			break;
		case 'T':
			errno = 0;
			timeout = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || timeout == 0 || timeout > 86400) {
				p_err("check: --timeout wants seconds from 1 to 86400, not '%s'",
				      optarg);
				return -EINVAL;
			}
			break;
		case 'Y':
			type = config_prog_type_parse(optarg);
			if (type < 0) {
				p_err("check: unknown program type '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			check_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind != 2) {
		p_err("check: %s (see '%s check help')",
		      argc - optind < 2 ? "needs two objects, A.o and B.o" : "too many arguments",
		      bin_name);
		return -EINVAL;
	}
	a.path = argv[optind];
	b.path = argv[optind + 1];
	if ((err = open_side(&a, prog_name)) || (err = open_side(&b, prog_name)))
		goto out;
	/*
	 * the sections decide the type (the semantics of ctx and of r0 depend on
	 * it), or --type where they do not say it
	 */
	ta = objfile_section_type(a.prog);
	tb = objfile_section_type(b.prog);
	if (ta == BPF_PROG_TYPE_UNSPEC)
		ta = type;
	if (tb == BPF_PROG_TYPE_UNSPEC)
		tb = type;
	if (ta < 0 || ta == BPF_PROG_TYPE_UNSPEC) {
		p_err("check: %s: section '%s' does not say the program type (--type)", a.path,
		      bpf_program__section_name(a.prog));
		err = -EINVAL;
		goto out;
	}
	if (ta != tb) {
		p_err("check: the programs have different types (%s, %s)",
		      libbpf_bpf_prog_type_str(ta) ?: "?",
		      tb < 0 ? "?" : libbpf_bpf_prog_type_str(tb) ?: "?");
		err = -EINVAL;
		goto out;
	}
	if (!same_maps(&a, &b)) {
		p_err("check: the objects declare different maps");
		err = -EINVAL;
		goto out;
	}
	s = smt_ctx__new((uint32_t)(timeout * 1000));
	if (!s) {
		err = -errno;
		p_err("check: cannot create a Z3 context: %s", strerror(errno));
		goto out;
	}
	memset(&env, 0, sizeof(env));
	env.prog_type = (uint32_t)ta;
	env.maps = a.maps;
	env.nmaps = a.nmaps;
	err = smt_check_prog(s, bpf_program__insns(a.prog), bpf_program__insn_cnt(a.prog),
			     bpf_program__insns(b.prog), bpf_program__insn_cnt(b.prog), &env, &res);
	if (err) {
		p_err("check: %s", res.msg);
		goto out;
	}
	tname = libbpf_bpf_prog_type_str(env.prog_type) ?: "unknown";
	if (json_output) {
		json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "verdict",
					smt_verdict_str(res.verdict), "reason", res.msg, "type",
					tname, "a", a.path, "b", b.path, "seconds", res.seconds);

		if (doc && res.verdict == SMT_DIFFERENT)
			json_object_set_new(doc, "counterexample", cex_json(&env, &res.cex));
		json_print(doc);
	} else {
		printf("%s: %s (%s vs %s, %s, %.3f s)\n", smt_verdict_str(res.verdict), res.msg,
		       a.path, b.path, tname, res.seconds);
		if (res.verdict == SMT_DIFFERENT)
			cex_print(&env, &res.cex);
	}
out:
	smt_ctx__free(s);
	bpf_object__close(a.obj);
	bpf_object__close(b.obj);
	if (err)
		return err;
	/* the verdict is the exit status (see struct cmd in main.h) */
	return res.verdict == SMT_EQUIVALENT ? 0 : res.verdict == SMT_DIFFERENT ? 1 : 2;
}
