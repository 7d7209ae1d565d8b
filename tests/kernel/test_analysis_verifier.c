// SPDX-License-Identifier: MIT
/*
 * core/analysis against the kernel verifier, on the corpus.
 *
 * Every XDP, tc (sched_cls/sched_act) and socket filter program of the
 * manifest that loads is loaded once more, with the instructions libbpf
 * prepared (map fds in place), at log level 2, so that the verifier prints its
 * register states along the paths it walks:
 *
 *   "N: R1=ctx() R2=pkt(r=0) ..."             the state before insn N
 *   "from M to N: R0=..."                     the state before N, on a branch
 *   "N: (bf) r3 = r2  ; R2=... R3=..."         after insn N (for non-jumps:
 *                                              before the next instruction)
 *
 * The analysis joins all paths, so for every state the verifier prints, each
 * register the verifier knows must be in our set for that instruction:
 *
 *   - same type (ctx, fp, pkt, pkt_end, pkt_meta, map_ptr, map_value,
 *     map_value_or_null, scalar); where we say UNKNOWN or NOT_INIT (a join
 *     of different things), nothing is compared; our map_value_or_null
 *     covers the verifier's map_value or 0 (a path checked, another not);
 *   - pointers with constant offsets: the same offset; packet pointers of id
 *     0: our range never above the verifier's (soundness of bounds checks);
 *   - a constant in the verifier must be in our set (and equal ours if ours
 *     is constant); a non-constant scalar's bounds are compared for
 *     information only (the verifier's abstract set may be looser than ours);
 *   - an instruction the verifier reaches must be reachable for us;
 *   - spilled registers in stack slots ("fp-8=ctx()") like registers.
 *
 * Programs with BPF-to-BPF calls (libbpf appends .text) are compared too:
 * the verifier prints callee states with a "frameN:" prefix, at instruction
 * indices inside the callee, which is where our per-subprogram analysis has
 * them (ANALYSIS_VERIFIER_NO_SUBPROGS=1 skips such programs).  Programs the
 * kernel refuses without their BTF (tail calls from subprograms, callbacks)
 * are skipped and counted.  By default the test stops after 40 s or 400
 * programs; ANALYSIS_VERIFIER_ALL=1 runs them all, ANALYSIS_VERIFIER_ONLY=name
 * one program; ANALYSIS_VERIFIER_ALL_TYPES=1 takes every program type that
 * loads, not only the network ones; ANALYSIS_VERIFIER_SHOW=N prints the first N disagreements
 * (default 20) with a reproducer; ANALYSIS_VERIFIER_DUMP=1 prints our state
 * before every instruction and then the verifier's log;
 * ANALYSIS_VERIFIER_SHOW_CONSTS / _SHOW_RANGES list where the verifier knows
 * a constant we do not, or a larger packet range (precision, not soundness).
 * Disagreements fail the test.
 *
 * tests/kernel/test_analysis_corpus.c analyses every program of every corpus
 * object (all program types, no kernel needed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/analysis.h"
#include "core/asm.h"
#include "core/prog.h"
#include "tests/kernel/harness.h"
#include "tests/test.h"

#define MAX_MAPS 64
#define VLOG_SIZE (256u << 20) /* the kernel's cap for log_size is UINT_MAX >> 2 */

struct stats {
	unsigned int progs, skipped_sub, skipped_load, skipped_log, states, regs, compared;
	unsigned int disagree, uncompared, bounds_looser, unreachable;
	unsigned int consts, consts_equal, ranges, ranges_lower, live, live_skipped, maps;
	unsigned int shown, show_max;
};

static struct stats st;
static char *vlog;

static const char *corpus_dir(void)
{
	const char *d = getenv("CORPUS_DIR");

	return d && *d ? d : "/var/cache/bpfsynth-corpus";
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the verifier's values ---------------------------------------------- */

struct vval {
	enum analysis_type type; /* ANALYSIS_UNKNOWN: a type we do not model */
	bool is_const, has_off, has_range, has_id, var;
	char map[BPF_OBJ_NAME_LEN]; /* map=NAME, "" if none */
	uint64_t c;
	int64_t off;
	uint64_t range;
	/* scalar bounds as printed (defaults: unbounded) */
	int64_t smin, smax;
	uint64_t umin, umax, tv, tm;
};

static bool parse_num(const char *s, uint64_t *v)
{
	char *end;
	bool neg = *s == '-';

	if (neg)
		s++;
	if (!*s || !((*s >= '0' && *s <= '9')))
		return false;
	*v = strtoull(s, &end, 0);
	if (neg)
		*v = -*v;
	return *end == 0 || *end == ',' || *end == ')' || *end == ';';
}

/* "smin=smin32=0,smax=umax=0xffff,var_off=(0x0; 0xffff)" inside the parentheses */
static void parse_fields(const char *in, struct vval *v)
{
	char buf[512], *save = NULL, *item;

	snprintf(buf, sizeof(buf), "%s", in);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *val = strrchr(item, '='), *k, *ksave = NULL;
		uint64_t n;

		if (!val)
			continue;
		*val++ = 0;
		if (!strcmp(item, "map")) {
			snprintf(v->map, sizeof(v->map), "%s", val);
			continue;
		}
		if (!strncmp(val, "(", 1)) {
			/* var_off=(0x0; 0xffff) */
			unsigned long long a, b;

			if (sscanf(val, "(%llx; %llx)", &a, &b) == 2) {
				v->tv = a;
				v->tm = b;
				v->var = true;
			}
			continue;
		}
		if (!parse_num(val, &n))
			continue;
		for (k = strtok_r(item, "=", &ksave); k; k = strtok_r(NULL, "=", &ksave)) {
			if (!strcmp(k, "smin")) {
				v->smin = (int64_t)n;
				v->var = true;
			} else if (!strcmp(k, "smax")) {
				v->smax = (int64_t)n;
				v->var = true;
			} else if (!strcmp(k, "umin")) {
				v->umin = n;
				v->var = true;
			} else if (!strcmp(k, "umax")) {
				v->umax = n;
				v->var = true;
			} else if (!strcmp(k, "off")) {
				v->off = (int64_t)n;
				v->has_off = true;
			} else if (!strcmp(k, "r")) {
				v->range = n;
				v->has_range = true;
			} else if (!strcmp(k, "id")) {
				v->has_id = n != 0;
			}
		}
	}
}

static bool parse_vval(const char *s, struct vval *v)
{
	static const struct {
		const char *name;
		enum analysis_type t;
	} types[] = {
		{"scalar(", ANALYSIS_SCALAR},
		{"fp(", ANALYSIS_STACK},
		{"ctx(", ANALYSIS_CTX},
		{"pkt(", ANALYSIS_PKT},
		{"pkt_end(", ANALYSIS_PKT_END},
		{"pkt_meta(", ANALYSIS_PKT_META},
		{"map_ptr(", ANALYSIS_MAP_PTR},
		{"map_value(", ANALYSIS_MAP_VALUE},
		{"map_value_or_null(", ANALYSIS_MAP_VALUE_OR_NULL},
	};
	size_t i, n;

	memset(v, 0, sizeof(*v));
	v->smin = INT64_MIN;
	v->smax = INT64_MAX;
	v->umax = UINT64_MAX;
	v->tm = ~0ull;
	if (*s == 'P')
		s++;
	if ((*s >= '0' && *s <= '9') || *s == '-') {
		if (!parse_num(s, &v->c))
			return false;
		v->type = ANALYSIS_SCALAR;
		v->is_const = true;
		return true;
	}
	if (!strncmp(s, "fp", 2) && (s[2] == '-' || (s[2] >= '0' && s[2] <= '9'))) {
		uint64_t o;

		if (!parse_num(s + 2, &o))
			return false;
		v->type = ANALYSIS_STACK;
		v->off = (int64_t)o;
		v->has_off = true;
		return true;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = strlen(types[i].name);
		if (strncmp(s, types[i].name, n))
			continue;
		v->type = types[i].t;
		parse_fields(s + n, v);
		if (!v->has_off)
			v->has_off = true; /* printed only when not 0 */
		return true;
	}
	v->type = ANALYSIS_UNKNOWN;
	return true;
}

/* ---- comparing ------------------------------------------------------------ */

struct progctx {
	const char *obj, *name;
	char (*map_names)[BPF_OBJ_NAME_LEN]; /* by env map index, as the kernel has them */
	const struct prog *p;
	const struct analysis *a;
	struct analysis_state *st; /* the state before insn @at, or @at < 0 */
	int64_t at;
	/*
	 * The verifier's liveness takes LD_ABS/LD_IND to read every register
	 * (they may end the program); they read r6 and their source only.
	 */
	bool has_ldabs;
	/*
	 * Nor does it know which branches cannot be taken: where we found code
	 * unreachable, our liveness ignores it and is rightly smaller.
	 */
	bool has_dead;
};

/*
 * The state before @insn into pc->st: stepping forward from the last one
 * inside a block, as a window walk would, else from the block's entry.
 */
static int state_at(struct progctx *pc, uint32_t insn)
{
	const struct prog *p = pc->p;
	int err;

	if (pc->at >= 0 && (int64_t)insn >= pc->at && p->insn_block[insn] >= 0 &&
	    p->insn_block[insn] == p->insn_block[pc->at]) {
		while (pc->at < (int64_t)insn) {
			err = analysis_state_step(pc->a, (uint32_t)pc->at, pc->st);
			if (err)
				break;
			pc->at += prog_insn_is_ldimm64(&p->insns[pc->at]) ? 2 : 1;
		}
		if (pc->at == (int64_t)insn)
			return 0;
	}
	err = analysis_state(pc->a, insn, pc->st);
	pc->at = err ? -1 : (int64_t)insn;
	return err;
}

static void show(const struct progctx *pc, uint32_t insn, const char *what, const char *theirs,
		 const struct analysis_reg *ours, const char *why)
{
	char buf[ANALYSIS_STATE_STR_SIZE], line[ASM_LINE_SIZE];

	st.disagree++;
	if (st.shown >= st.show_max)
		return;
	st.shown++;
	if (ours)
		analysis_reg_str(pc->a, ours, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "(none)");
	asm_format_insn(pc->p->insns, pc->p->len, insn, line, sizeof(line));
	fprintf(stderr,
		"  DISAGREE %s %s insn %u (%s): %s: verifier %s, ours %s: %s\n"
		"    reproduce: ANALYSIS_VERIFIER_ONLY=%s ANALYSIS_VERIFIER_SHOW=50 "
		"build/tests/kernel/test_analysis_verifier\n",
		pc->obj, pc->name, insn, line, what, theirs, buf, why, pc->name);
	if (analysis_state_str(pc->a, insn, buf, sizeof(buf)) >= 0)
		fprintf(stderr, "    our state: %s\n", buf);
}

static bool contains(const struct analysis_scalar *s, uint64_t c)
{
	return (c & ~s->mask) == s->value && c >= s->umin && c <= s->umax &&
	       (int64_t)c >= s->smin && (int64_t)c <= s->smax;
}

static void compare_reg(const struct progctx *pc, uint32_t insn, const char *what, const char *text,
			const struct analysis_reg *ours)
{
	struct vval v;
	uint64_t oc;

	if (!parse_vval(text, &v))
		return;
	st.regs++;
	if (ours->type == ANALYSIS_UNKNOWN || ours->type == ANALYSIS_NOT_INIT) {
		st.uncompared++;
		return;
	}
	if (v.type == ANALYSIS_UNKNOWN) {
		show(pc, insn, what, text, ours, "a type we do not model, ours is specific");
		return;
	}
	if (ours->type == ANALYSIS_MAP_VALUE_OR_NULL &&
	    (v.type == ANALYSIS_MAP_VALUE || (v.is_const && v.c == 0))) {
		st.compared++; /* joined with a checked or NULL path */
		return;
	}
	if (ours->type != v.type) {
		show(pc, insn, what, text, ours, "types differ");
		return;
	}
	st.compared++;
	if (v.type == ANALYSIS_SCALAR) {
		if (v.is_const) {
			st.consts++;
			if (analysis_reg_is_const(ours, &oc) && oc == v.c)
				st.consts_equal++;
			if (getenv("ANALYSIS_VERIFIER_SHOW_CONSTS") &&
			    !analysis_reg_is_const(ours, NULL)) {
				char b[256], l[ASM_LINE_SIZE];

				analysis_reg_str(pc->a, ours, b, sizeof(b));
				asm_format_insn(pc->p->insns, pc->p->len, insn, l, sizeof(l));
				fprintf(stderr,
					"  const %s %s insn %u (%s) %s: verifier %s, ours %s\n",
					pc->obj, pc->name, insn, l, what, text, b);
			}
			if (!contains(&ours->s, v.c))
				show(pc, insn, what, text, ours, "constant not in our set");
			else if (analysis_reg_is_const(ours, &oc) && oc != v.c)
				show(pc, insn, what, text, ours, "constants differ");
			return;
		}
		if (v.umin < ours->s.umin || v.umax > ours->s.umax || v.smin < ours->s.smin ||
		    v.smax > ours->s.smax || (v.tm & ~ours->s.mask) ||
		    (v.tv & ~ours->s.mask) != ours->s.value)
			st.bounds_looser++;
		return;
	}
	/* the same map, by the kernel's name for it */
	if (v.map[0] && ours->map >= 0 && strcmp(v.map, pc->map_names[ours->map])) {
		show(pc, insn, what, text, ours, "another map");
		return;
	}
	if (v.map[0])
		st.maps++;
	/* pointers: offsets and ranges where both are constant */
	if (v.var || ours->s.mask != 0 || ours->s.value != 0)
		return;
	if (v.has_off && v.off != ours->off && v.type != ANALYSIS_MAP_PTR &&
	    v.type != ANALYSIS_PKT_END) {
		show(pc, insn, what, text, ours, "offsets differ");
		return;
	}
	if (v.type == ANALYSIS_PKT && !v.has_id && ours->id == 0 &&
	    v.range < 0xff00 /* AT_PKT_END / BEYOND_PKT_END markers are negative */) {
		st.ranges++;
		if (ours->range < v.range) {
			st.ranges_lower++;
			if (getenv("ANALYSIS_VERIFIER_SHOW_RANGES"))
				fprintf(stderr, "  range %s %s insn %u %s: verifier %s, ours %u\n",
					pc->obj, pc->name, insn, what, text, ours->range);
		}
		if (ours->range > v.range)
			show(pc, insn, what, text, ours, "our packet range is larger");
	}
}

/* Split a state "R1=ctx() R2=scalar(a; b) fp-8=mmmm" into NAME=VALUE tokens. */
static void compare_state(struct progctx *pc, uint32_t insn, char *s)
{
	char *tok = s;

	if (insn >= pc->p->len)
		return;
	st.states++;
	if (state_at(pc, insn)) {
		st.unreachable++;
		show(pc, insn, "reachability", "reached", NULL, "unreachable for us");
		return;
	}
	while (*tok) {
		char *eq, *end = tok, name[32];
		int depth = 0;
		unsigned int regno;
		int off;

		while (*end && (depth || *end != ' ')) {
			if (*end == '(')
				depth++;
			else if (*end == ')')
				depth--;
			end++;
		}
		if (*end)
			*end++ = 0;
		eq = strchr(tok, '=');
		if (eq && eq - tok < (long)sizeof(name)) {
			memcpy(name, tok, (size_t)(eq - tok));
			name[eq - tok] = 0;
			if (sscanf(name, "R%u", &regno) == 1 && regno < ANALYSIS_NREGS) {
				compare_reg(pc, insn, name, eq + 1, &pc->st->regs[regno]);
			} else if (sscanf(name, "fp%d", &off) == 1 && off < 0 && off >= -512 &&
				   off % 8 == 0) {
				const struct analysis_slot *sl = &pc->st->slots[-off / 8 - 1];
				const char *val = eq + 1;
				bool reg = strchr(val, '(') || (strncmp(val, "fp", 2) == 0);

				if (reg && sl->spilled)
					compare_reg(pc, insn, name, val, &sl->reg);
				else if (reg)
					st.uncompared++;
			}
		}
		tok = end;
		while (*tok == ' ')
			tok++;
	}
}

/*
 * The verifier's own liveness ("Live regs before insn:", 6.15+): "     7:
 * .12....... (bf) r1 = r6" has a digit for each register it considers live.
 * Ours must include them: a register we call dead may be rewritten.
 */
static void compare_live(struct progctx *pc, uint32_t insn, const char *cols)
{
	uint16_t ours, theirs = 0;
	unsigned int r;
	char why[64];

	if (insn >= pc->p->len || strlen(cols) < 10 || pc->has_ldabs || pc->has_dead)
		return;
	for (r = 0; r < 10; r++) {
		if (cols[r] == '0' + (int)r)
			theirs |= 1u << r;
		else if (cols[r] != '.')
			return; /* not a liveness line */
	}
	ours = analysis_live_in(pc->a, insn);
	st.live++;
	if (theirs & ~ours) {
		char t[16], o[16];

		for (r = 0; r < 10; r++) {
			t[r] = theirs >> r & 1 ? (char)('0' + r) : '.';
			o[r] = ours >> r & 1 ? (char)('0' + r) : '.';
		}
		t[10] = o[10] = 0;
		snprintf(why, sizeof(why), "we say only %s are live", o);
		show(pc, insn, "live registers", t, NULL, why);
	}
}

static uint32_t next_insn(const struct prog *p, uint32_t i)
{
	return i + (prog_insn_is_ldimm64(&p->insns[i]) ? 2 : 1);
}

static void compare_log(struct progctx *pc, char *log)
{
	char *line, *save = NULL;

	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int n, m;
		char *p;
		int k = 0;

		if (sscanf(line, "from %u to %u: %n", &m, &n, &k) == 2 && k) {
			compare_state(pc, n, line + k);
			continue;
		}
		if (line[0] == ' ' && sscanf(line, " %u: %n", &n, &k) == 1 && k) {
			compare_live(pc, n, line + k);
			continue;
		}
		if (sscanf(line, "%u: %n", &n, &k) != 1 || !k)
			continue;
		p = line + k;
		if (*p == 'R' || !strncmp(p, "fp", 2)) {
			compare_state(pc, n, p);
			continue;
		}
		if (*p != '(' || n >= pc->p->len)
			continue;
		{
			const struct bpf_insn *in = &pc->p->insns[n];
			char *post = strstr(p, " ; ");

			if (!post || prog_insn_is_exit(in) || prog_insn_is_jump(in) ||
			    prog_insn_is_pseudo_call(in))
				continue;
			compare_state(pc, next_insn(pc->p, n), post + 3);
		}
	}
}

/* ---- one program ---------------------------------------------------------- */

static void check_prog(const char *obj, const char *name, enum bpf_prog_type type)
{
	char path[512], log[KH_LOG_SIZE], msg[PROG_MSG_SIZE];
	struct analysis_map maps[MAX_MAPS];
	char map_names[MAX_MAPS][BPF_OBJ_NAME_LEN];
	struct analysis_env env = {.prog_type = type, .maps = maps};
	const struct bpf_insn *insns;
	struct analysis *a = NULL;
	struct prog *p = NULL;
	struct bpf_map *map;
	struct kh_prog kp;
	size_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/objs/%s", corpus_dir(), obj);
	err = kh_load(path, name, type, &kp, log, sizeof(log));
	if (err) {
		st.skipped_load++;
		if (test_env.verbose) {
			kh_log_reason(log, msg, sizeof(msg));
			fprintf(stderr, "  %s %s: not loadable: %s\n", obj, name, msg);
		}
		return;
	}
	insns = bpf_program__insns(kp.prog);
	n = bpf_program__insn_cnt(kp.prog);
	p = insns ? prog__new(insns, n, msg, sizeof(msg)) : NULL;
	if (!p) {
		CHECK(false, "%s %s: prog__new: %s", obj, name, insns ? msg : "no insns");
		goto out;
	}
	if (p->nsubprogs > 1 && getenv("ANALYSIS_VERIFIER_NO_SUBPROGS")) {
		st.skipped_sub++;
		goto out;
	}
	bpf_object__for_each_map (map, kp.obj) {
		if (env.nmaps == MAX_MAPS || bpf_map__fd(map) < 0)
			continue;
		{
			struct bpf_map_info info = {};
			uint32_t len = sizeof(info);

			map_names[env.nmaps][0] = 0;
			if (!bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len))
				snprintf(map_names[env.nmaps], BPF_OBJ_NAME_LEN, "%s", info.name);
		}
		maps[env.nmaps++] = (struct analysis_map){
			.type = bpf_map__type(map),
			.key_size = bpf_map__key_size(map),
			.value_size = bpf_map__value_size(map),
			.max_entries = bpf_map__max_entries(map),
			.ref = bpf_map__fd(map),
		};
	}
	env.prog_type = kp.type;
	a = analysis__new(p, &env, msg, sizeof(msg));
	if (!CHECK(a != NULL, "%s %s: analysis__new: %s", obj, name, msg))
		goto out;
	{
		LIBBPF_OPTS(bpf_prog_load_opts, o, .log_level = 2, .log_buf = vlog,
			    .log_size = VLOG_SIZE,
			    .expected_attach_type = bpf_program__expected_attach_type(kp.prog),
			    .prog_flags = bpf_program__flags(kp.prog));

		vlog[0] = 0;
		fd = bpf_prog_load(kp.type, NULL, "GPL", insns, n, &o);
	}
	if (fd < 0) {
		st.skipped_log++;
		if (test_env.verbose)
			fprintf(stderr, "  %s %s: reload at log level 2: %s\n", obj, name,
				strerror(errno));
		goto out;
	}
	close(fd);
	st.progs++;
	if (getenv("ANALYSIS_VERIFIER_DUMP")) {
		char sbuf[ANALYSIS_STATE_STR_SIZE], ibuf[ASM_LINE_SIZE];
		uint32_t i;

		for (i = 0; i < p->len; i++) {
			if (asm_format_insn(p->insns, p->len, i, ibuf, sizeof(ibuf)) == 2)
				i++;
			analysis_state_str(a, i, sbuf, sizeof(sbuf));
			fprintf(stderr, "%u: %s\n\t; %s\n", i, ibuf, sbuf);
		}
		fprintf(stderr, "%s", vlog);
	}
	{
		struct progctx pc = {
			.obj = obj,
			.name = name,
			.map_names = map_names,
			.p = p,
			.a = a,
			.st = malloc(sizeof(struct analysis_state)),
			.at = -1,
		};
		unsigned int before = st.disagree;

		uint32_t i;

		for (i = 0; i < p->len; i++)
			if (BPF_CLASS(p->insns[i].code) == BPF_LD &&
			    (BPF_MODE(p->insns[i].code) == BPF_ABS ||
			     BPF_MODE(p->insns[i].code) == BPF_IND))
				pc.has_ldabs = true;
		for (i = 0; i < p->len; i++)
			if (p->insn_block[i] >= 0 && !analysis_reachable(a, i))
				pc.has_dead = true;
		if (pc.has_ldabs || pc.has_dead)
			st.live_skipped++;
		if (ASSERT_OK_PTR(pc.st, "state buffer"))
			compare_log(&pc, vlog);
		free(pc.st);
		if (test_env.verbose)
			fprintf(stderr, "  %-40s %-24s %zu insns, %u disagreements\n", obj, name, n,
				st.disagree - before);
	}
out:
	analysis__free(a);
	prog__free(p);
	kh_unload(&kp);
}

static void test_corpus(void)
{
	const char *all = getenv("ANALYSIS_VERIFIER_ALL"), *only = getenv("ANALYSIS_VERIFIER_ONLY");
	const char *showv = getenv("ANALYSIS_VERIFIER_SHOW");
	bool run_all = (all && *all == '1') || only;
	bool all_types = getenv("ANALYSIS_VERIFIER_ALL_TYPES") != NULL;
	unsigned int maxprogs = run_all ? ~0u : 400, tried = 0;
	double t0 = now(), budget = run_all ? 1e9 : 40;
	char path[512], line[1024];
	char why[256];
	bool capped;
	FILE *f;

	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	snprintf(path, sizeof(path), "%s/manifest.tsv", corpus_dir());
	f = fopen(path, "r");
	if (!f) {
		test_skip("no corpus manifest at %s (make corpus)", path);
		return;
	}
	vlog = malloc(VLOG_SIZE);
	if (!ASSERT_OK_PTR(vlog, "log buffer")) {
		fclose(f);
		return;
	}
	st.show_max = showv ? (unsigned int)atoi(showv) : 20;
	while (fgets(line, sizeof(line), f) && tried < maxprogs && now() - t0 < budget) {
		char *col[6] = {0}, *save = NULL;
		enum bpf_prog_type t;
		int c;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		col[0] = strtok_r(line, "\t", &save);
		for (c = 1; c < 6; c++)
			col[c] = col[c - 1] ? strtok_r(NULL, "\t", &save) : NULL;
		if (!col[5] || strcmp(col[5], "yes"))
			continue;
		t = type_by_str(col[3]);
		if (!all_types && t != BPF_PROG_TYPE_XDP && t != BPF_PROG_TYPE_SCHED_CLS &&
		    t != BPF_PROG_TYPE_SCHED_ACT && t != BPF_PROG_TYPE_SOCKET_FILTER)
			continue;
		if (only && strcmp(only, col[1]))
			continue;
		tried++;
		check_prog(col[0], col[1], t);
	}
	capped = !feof(f);
	fclose(f);
	free(vlog);
	fprintf(stderr,
		"  analysis vs verifier: %u programs compared (%u skipped: %u with subprograms, "
		"%u not loadable, %u refused without BTF at log level 2) in %.1f s%s\n"
		"  %u verifier states, %u register/slot values: %u compared, %u left unknown by "
		"our joins, %u scalars where the verifier's bounds are looser than ours\n"
		"  constants: %u in the verifier, %u also constant for us; packet ranges: %u "
		"compared, %u smaller for us (precision, not soundness)\n"
		"  map pointers and values: %u compared by map\n"
		"  live registers: %u instructions where the verifier printed its liveness "
		"(%u programs not compared: LD_ABS, or code unreachable for us)\n"
		"  %u disagreements (%u unreachable for us)\n",
		st.progs, st.skipped_sub + st.skipped_load + st.skipped_log, st.skipped_sub,
		st.skipped_load, st.skipped_log, now() - t0,
		capped ? " (capped: ANALYSIS_VERIFIER_ALL=1 for all)" : "", st.states, st.regs,
		st.compared, st.uncompared, st.bounds_looser, st.consts, st.consts_equal, st.ranges,
		st.ranges_lower, st.maps, st.live, st.live_skipped, st.disagree, st.unreachable);
	ASSERT_GE(st.progs, 1, "programs compared");
	ASSERT_EQ(st.disagree, 0, "disagreements with the verifier");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_corpus);
	return test_summary("test_analysis_verifier");
}
