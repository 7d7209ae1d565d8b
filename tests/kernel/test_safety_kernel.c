// SPDX-License-Identifier: MIT
/*
 * core/safety with the kernel as the judge.
 *
 * (1) Every program of the unit table (tests/unit/test_safety.c, included
 *     here) is loaded with bpf_prog_load(): the kernel must give the verdict
 *     the row says it gives (the model's, except on rows where the model is
 *     stricter on purpose).
 * (2) Single-instruction random mutants of the loop-free XDP, tc and socket
 *     filter programs of the corpus (the manifest's, as libbpf links them,
 *     maps created here): the model's verdict against the kernel's.  A
 *     mutant the model accepts and the kernel rejects is a bug of the model
 *     (the preload would pay a failed load): there must be none.  Mutants the
 *     model rejects and the kernel accepts are lost candidates: the test
 *     reports their rate, and how many corpus originals the model rejects.
 *
 * SAFETY_MUTANTS (per program, default 200), SAFETY_SECONDS (default 25) and
 * SAFETY_PROG_MS (the most one program may take, default 1000) make the run
 * larger; SAFETY_SEED changes the mutants; SAFETY_VERBOSE=1
 * prints every false rejection.  Skips when bpf() is not permitted or the
 * corpus is missing.
 */
#define SAFETY_CASES_ONLY
#include "tests/unit/test_safety.c"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests/kernel/harness.h"
#include "tests/unit/insn_macros.h"

#define MAX_MAPS 64
#define LOG_SIZE (1 << 20)

static char klog[LOG_SIZE];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long env_num(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 10) : def;
}

/*
 * The verifier's verdict: 0 or -errno; if rejected and @why is given, the
 * log's last line in @why.  The verdict comes from a load without a log:
 * printing the verifier's state for every instruction was most of this
 * test's time, and a log can only add a failure of its own (ENOSPC).
 */
static int kernel_verdict(enum bpf_prog_type type, enum bpf_attach_type eat,
			  const struct bpf_insn *insns, size_t len, char *why, size_t whysz)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = eat);
	int fd, err;

	fd = bpf_prog_load(type, NULL, "GPL", insns, len, &o);
	err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (!why || !whysz)
		return err;
	why[0] = '\0';
	if (err) {
		klog[0] = '\0';
		o.log_buf = klog;
		o.log_size = sizeof(klog);
		o.log_level = 1;
		fd = bpf_prog_load(type, NULL, "GPL", insns, len, &o);
		if (fd >= 0) /* accepted with a log: say so rather than guess */
			close(fd);
		kh_log_reason(klog, why, whysz);
		if (fd >= 0 || !why[0])
			snprintf(why, whysz, "errno %d%s", -err,
				 fd >= 0 ? " (accepted when asked for a log)" : "");
	}
	return err;
}

/* ---- (1) the table --------------------------------------------------------- */

/* Create the table's maps (safety_maps, with their flags) into @fds: 0 or -errno. */
static int create_table_maps(int *fds)
{
	unsigned int m;

	for (m = 0; m < NSMAPS; m++)
		fds[m] = -1;
	for (m = 0; m < NSMAPS; m++) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = safety_map_flags[m]);
		const struct analysis_map *d = &safety_maps[m];

		fds[m] = bpf_map_create(d->type, NULL, d->key_size, d->value_size, d->max_entries,
					&o);
		if (fds[m] < 0)
			return -errno;
	}
	return 0;
}

static void test_table_kernel(void)
{
	char why[256], msg[PROG_MSG_SIZE];
	unsigned int i, m, agree = 0, stricter = 0;
	bool verbose = env_num("SAFETY_VERBOSE", 0) != 0;
	int fds[NSMAPS], err;

	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	err = create_table_maps(fds);
	if (!ASSERT_EQ(err, 0, "create the table's maps"))
		goto out;
	for (i = 0; i < NSCASES; i++) {
		const struct scase *c = &scases[i];
		struct bpf_insn *insns = NULL;
		size_t len = 0, k;
		int model, kern;

		if (!CHECK(assemble(c->text, &insns, &len) == 0, "%s: assembly", c->descr))
			continue;
		model = model_verdict_eat(insns, len, c->type, c->eat, safety_maps,
					  safety_map_flags, NSMAPS, msg, sizeof(msg));
		/* each reference once: a real fd may equal another map's table fd */
		for (k = 0; k + 1 < len; k++)
			for (m = 0; m < NSMAPS; m++)
				if (prog_insn_is_ldimm64(&insns[k]) && insns[k].src_reg == 1 &&
				    insns[k].imm == safety_maps[m].ref) {
					insns[k].imm = fds[m];
					break;
				}
		kern = kernel_verdict(c->type, c->eat, insns, len, why, sizeof(why));
		if (verbose && kern)
			fprintf(stderr, "  row \"%s\": kernel: %s; model: %s\n", c->descr, why,
				msg);
		if (CHECK((kern == 0) == (c->kernel == 0), "%s: kernel %s (%s), row says %s",
			  c->descr, kern ? "rejects" : "accepts", why,
			  c->kernel ? "reject" : "accept"))
			agree++;
		CHECK((model == 0) == (c->verdict == 0), "%s: model %d (%s)", c->descr, model, msg);
		if (c->kernel_differs)
			stricter++;
		free(insns);
	}
	fprintf(stderr,
		"  table: kernel agrees with %u of %u rows (%u rows where the model is stricter "
		"on purpose)\n",
		agree, (unsigned int)NSCASES, stricter);
out:
	for (m = 0; m < NSMAPS; m++)
		if (fds[m] >= 0)
			close(fds[m]);
}

/* ---- (2) corpus mutants ---------------------------------------------------- */

struct cprog {
	char path[1536], name[128];
	enum bpf_prog_type type;
	enum bpf_attach_type eat;
	struct bpf_insn *insns;
	size_t len;
	struct analysis_map maps[MAX_MAPS];
	int fds[MAX_MAPS];
	uint32_t flags[MAX_MAPS];
	uint32_t nmaps;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void cprog_free(struct cprog *cp)
{
	uint32_t m;

	for (m = 0; m < cp->nmaps; m++)
		if (cp->fds[m] >= 0)
			close(cp->fds[m]);
	free(cp->insns);
	cp->insns = NULL;
	cp->nmaps = 0;
}

/* No back-edges, no calls of subprograms or kfuncs, no BTF ids: what the mutants need. */
static bool loop_free_plain(const struct bpf_insn *x, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (prog_insn_is_ldimm64(&x[i])) {
			if (x[i].src_reg == BPF_PSEUDO_BTF_ID || x[i].src_reg == BPF_PSEUDO_FUNC)
				return false;
			i++;
			continue;
		}
		if (prog_insn_is_call(&x[i]) && x[i].src_reg != 0)
			return false;
		if (prog_insn_is_jump(&x[i]) && prog_jump_target(x, i) <= (int64_t)i)
			return false;
	}
	return true;
}

/* Link @path's @name without the kernel (kh_link), create its maps, patch their fds in. */
static int cprog_load(const char *path, const char *name, const char *type, struct cprog *cp)
{
	struct kh_linked l;
	char log[256];
	uint32_t m;
	int err;

	memset(cp, 0, sizeof(*cp));
	err = kh_link(path, name, kh_prog_type_by_name(type), &l, log, sizeof(log));
	if (err)
		return err;
	err = -E2BIG;
	if (l.nmaps > MAX_MAPS)
		goto out;
	/* map-in-map, ringbuf sizes...: not this test's business */
	err = kh_linked_create_maps(&l, cp->fds);
	if (err)
		goto out;
	cp->nmaps = l.nmaps;
	for (m = 0; m < l.nmaps; m++) {
		struct analysis_map *d = &cp->maps[m];

		d->type = l.maps[m].type;
		d->key_size = l.maps[m].key_size;
		d->value_size = l.maps[m].value_size;
		d->max_entries = l.maps[m].max_entries ?: KH_DEFAULT_MAX_ENTRIES;
		d->ref = cp->fds[m];
		cp->flags[m] = l.maps[m].flags;
	}
	err = kh_insns_set_map_fds(l.insns, l.len, cp->fds, cp->nmaps);
	if (err)
		goto out;
	cp->type = l.type;
	cp->eat = l.expected_attach_type;
	cp->insns = l.insns;
	cp->len = l.len;
	l.insns = NULL;
	snprintf(cp->path, sizeof(cp->path), "%s", path);
	snprintf(cp->name, sizeof(cp->name), "%s", name);
out:
	kh_linked_free(&l);
	if (err)
		cprog_free(cp);
	return err;
}

static const uint8_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR,  BPF_AND,	BPF_LSH,
				  BPF_RSH, BPF_XOR, BPF_MOV, BPF_DIV, BPF_ARSH, BPF_MOD};
static const int32_t imms[] = {0, 1, -1, 2, 4, 8, 12, 14, 16, 31, 32, 63, 64, 255, -8, -4};
static const int16_t offs[] = {0, 1, -1, 2, 4, 8, -8, -4, 12, 14, 16, 24, -16, -512, 76, 80};

/* Change one thing of instruction @in; a description into @what. */
static void mutate(struct bpf_insn *in, char *what, size_t whatsz)
{
	uint8_t cls = BPF_CLASS(in->code);
	unsigned int r = rnd() % 7;

	switch (r) {
	case 0:
		in->dst_reg = rnd() % 11;
		snprintf(what, whatsz, "dst r%u", in->dst_reg);
		break;
	case 1:
		in->src_reg = rnd() % 11;
		snprintf(what, whatsz, "src r%u", in->src_reg);
		break;
	case 2:
		in->off = offs[rnd() % (sizeof(offs) / sizeof(offs[0]))];
		snprintf(what, whatsz, "off %d", in->off);
		break;
	case 3:
		in->imm = imms[rnd() % (sizeof(imms) / sizeof(imms[0]))];
		snprintf(what, whatsz, "imm %d", in->imm);
		break;
	case 4:
		if (cls == BPF_ALU || cls == BPF_ALU64) {
			in->code =
				(uint8_t)((in->code & 0x0f) |
					  alu_ops[rnd() % (sizeof(alu_ops) / sizeof(alu_ops[0]))]);
			snprintf(what, whatsz, "op 0x%02x", in->code);
		} else if (cls == BPF_LDX || cls == BPF_STX || cls == BPF_ST) {
			in->code = (uint8_t)((in->code & ~0x18) | ((rnd() % 4) << 3));
			snprintf(what, whatsz, "size 0x%02x", in->code);
		} else {
			in->off = (int16_t)(in->off + 1);
			snprintf(what, whatsz, "off+1 %d", in->off);
		}
		break;
	case 5:
		if (cls == BPF_ALU || cls == BPF_ALU64) {
			in->code ^= BPF_ALU ^ BPF_ALU64;
			snprintf(what, whatsz, "alu32<->alu64 0x%02x", in->code);
		} else {
			in->dst_reg = BPF_REG_10;
			snprintf(what, whatsz, "dst r10");
		}
		break;
	default:
		in->code = BPF_JMP | BPF_JA;
		in->dst_reg = in->src_reg = 0;
		in->off = 0;
		in->imm = 0;
		snprintf(what, whatsz, "ja +0 (deleted)");
		break;
	}
}

struct tally {
	unsigned long programs, unlinked, skipped, orig_rejected;
	unsigned long mutants, both_accept, both_reject;
	unsigned long model_only_reject, kernel_only_reject;
	/* accepted by the model, the kernel out of its budget (E2BIG: too many states) */
	unsigned long kernel_gave_up;
	/* mutants of programs whose original the model accepts */
	unsigned long ok_kernel_accept, ok_model_only_reject;
};

/* Whether the kernel rejects @x (of @cp) for its budget, not a rule: the log says why. */
static bool out_of_budget(const struct cprog *cp, const struct bpf_insn *x, char *why, size_t whysz)
{
	return kernel_verdict(cp->type, cp->eat, x, cp->len, why, whysz) == -E2BIG &&
	       strstr(why, "too large");
}

static void mutate_prog(struct cprog *cp, unsigned long n, struct tally *t, double deadline,
			bool verbose)
{
	char msg[PROG_MSG_SIZE], why[256], what[64];
	struct bpf_insn *x;
	unsigned long k;
	int model, kern;
	bool orig_ok;

	model = model_verdict_eat(cp->insns, cp->len, cp->type, cp->eat, cp->maps, cp->flags,
				  cp->nmaps, msg, sizeof(msg));
	if (model) {
		t->orig_rejected++;
		if (verbose)
			fprintf(stderr, "  original rejected: %s %s: %s\n", cp->path, cp->name,
				msg);
	}
	orig_ok = model == 0;
	x = malloc(cp->len * sizeof(*x));
	if (!x)
		return;
	for (k = 0; k < n && now() < deadline; k++) {
		size_t i;

		memcpy(x, cp->insns, cp->len * sizeof(*x));
		do
			i = rnd() % cp->len;
		while (prog_insn_is_ldimm64(&x[i]) || (i && prog_insn_is_ldimm64(&x[i - 1])));
		mutate(&x[i], what, sizeof(what));
		model = model_verdict_eat(x, cp->len, cp->type, cp->eat, cp->maps, cp->flags,
					  cp->nmaps, msg, sizeof(msg));
		kern = kernel_verdict(cp->type, cp->eat, x, cp->len, NULL, 0);
		t->mutants++;
		if (orig_ok && !kern)
			t->ok_kernel_accept++;
		if (orig_ok && !kern && model)
			t->ok_model_only_reject++;
		if (!model && !kern) {
			t->both_accept++;
		} else if (model && kern) {
			t->both_reject++;
		} else if (model) {
			t->model_only_reject++;
			if (verbose)
				fprintf(stderr, "  model-only reject: %s %s insn %zu %s: %s\n",
					cp->path, cp->name, i, what, msg);
		} else if (kern == -E2BIG && out_of_budget(cp, x, why, sizeof(why))) {
			/*
			 * "BPF program is too large. Processed 1000001 insn": the
			 * verifier ran out of its budget walking paths, which a
			 * static model of its rules cannot foresee (test_verif_scale2
			 * is built to sit next to that limit).  Counted apart.
			 */
			t->kernel_gave_up++;
			if (verbose)
				fprintf(stderr, "  kernel out of budget: %s %s insn %zu %s\n",
					cp->path, cp->name, i, what);
		} else {
			t->kernel_only_reject++;
			kernel_verdict(cp->type, cp->eat, x, cp->len, why, sizeof(why));
			CHECK(false, "model accepts, kernel rejects: %s %s insn %zu %s: %s",
			      cp->path, cp->name, i, what, why);
		}
	}
	free(x);
}

static bool wanted_type(const char *t)
{
	return !strcmp(t, "xdp") || !strcmp(t, "sched_cls") || !strcmp(t, "socket_filter");
}

static void test_corpus_mutants(void)
{
	const char *dir = getenv("CORPUS_DIR") && *getenv("CORPUS_DIR")
				  ? getenv("CORPUS_DIR")
				  : "/var/cache/bpfsynth-corpus";
	unsigned long n = env_num("SAFETY_MUTANTS", 200);
	double t0 = now(), deadline = t0 + (double)env_num("SAFETY_SECONDS", 25);
	double per_prog = (double)env_num("SAFETY_PROG_MS", 1000) / 1000;
	bool verbose = env_num("SAFETY_VERBOSE", 0) != 0;
	char path[1024], line[2048], why[256];
	struct tally t = {0};
	FILE *f;

	rng ^= env_num("SAFETY_SEED", 0) * 0x2545f4914f6cdd1dULL;
	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	snprintf(path, sizeof(path), "%s/manifest.tsv", dir);
	f = fopen(path, "r");
	if (!f) {
		test_skip("no corpus manifest %s (make corpus)", path);
		return;
	}
	libbpf_set_print(NULL);
	while (fgets(line, sizeof(line), f) && now() < deadline) {
		char *obj, *name, *sec, *type, *insns, *loads, *save;
		char opath[1536];
		double prog_deadline;
		struct cprog cp;

		if (line[0] == '#')
			continue;
		obj = strtok_r(line, "\t\n", &save);
		name = strtok_r(NULL, "\t\n", &save);
		sec = strtok_r(NULL, "\t\n", &save);
		type = strtok_r(NULL, "\t\n", &save);
		insns = strtok_r(NULL, "\t\n", &save);
		loads = strtok_r(NULL, "\t\n", &save);
		if (!obj || !name || !sec || !type || !insns || !loads || !wanted_type(type) ||
		    strcmp(loads, "yes"))
			continue;
		snprintf(opath, sizeof(opath), "%s/objs/%s", dir, obj);
		if (cprog_load(opath, name, type, &cp)) {
			t.unlinked++;
			continue;
		}
		if (!loop_free_plain(cp.insns, cp.len) ||
		    kernel_verdict(cp.type, cp.eat, cp.insns, cp.len, NULL, 0)) {
			t.skipped++;
			cprog_free(&cp);
			continue;
		}
		t.programs++;
		/* a few programs take the verifier long (xdpfilt_*_ip): a share each */
		prog_deadline = now() + per_prog;
		mutate_prog(&cp, n, &t, prog_deadline < deadline ? prog_deadline : deadline,
			    verbose);
		cprog_free(&cp);
	}
	fclose(f);
	fprintf(stderr,
		"  corpus mutants: %lu programs (%lu not linkable or their maps not created, "
		"%lu not loop-free or not loadable raw), %lu originals rejected by the model; "
		"%lu mutants: both accept %lu, both reject %lu, model-only reject %lu (%.1f%% of "
		"kernel-accepted), model accepts/kernel rejects %lu (and %lu the verifier gave up "
		"on: too many states); %.1f s\n",
		t.programs, t.unlinked, t.skipped, t.orig_rejected, t.mutants, t.both_accept,
		t.both_reject, t.model_only_reject,
		t.both_accept + t.model_only_reject
			? 100.0 * t.model_only_reject / (t.both_accept + t.model_only_reject)
			: 0.0,
		t.kernel_only_reject, t.kernel_gave_up, now() - t0);
	fprintf(stderr,
		"  of the mutants of programs whose original the model accepts, the model "
		"rejects %lu of the %lu the kernel accepts (%.1f%%)\n",
		t.ok_model_only_reject, t.ok_kernel_accept,
		t.ok_kernel_accept ? 100.0 * t.ok_model_only_reject / t.ok_kernel_accept : 0.0);
	ASSERT_GE(t.mutants, 1, "mutants tried");
	ASSERT_EQ(t.kernel_only_reject, 0, "mutants the model accepts and the kernel rejects");
}

/* ---- (3) random pointer programs --------------------------------------- */

/*
 * XDP programs made of what the packet and map rules are about, on several
 * paths: packet and metadata pointers moved by constants and by bounded
 * unknowns, copied, checked against data_end (or data) with every jump and
 * on either side, read at offsets around the checked range, lookups NULL-
 * checked through copies, and if/else arms that join them.  r6 = ctx,
 * r7 = data, r8 = data_end, r9 = data_meta; r1-r4 the pointers, r5 a
 * scalar kept across blocks (sometimes a quotient) or a lookup, r0 scratch.
 * SAFETY_RANDOM programs (default 60,000, about 5 s).
 */
#define RP_MAX 400

struct rp {
	struct bpf_insn x[RP_MAX];
	unsigned int n;
	int map_fd;
};

static void rp_emit(struct rp *g, struct bpf_insn in)
{
	if (g->n < RP_MAX)
		g->x[g->n++] = in;
}

static unsigned int rp_reg(void)
{
	return 1 + (unsigned int)(rnd() % 4);
}

static void rp_body(struct rp *g, int depth);

static void rp_op(struct rp *g, int depth)
{
	static const uint8_t jops[] = {BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE};
	static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
	static const int32_t masks[] = {3, 6, 7, 15, 60, 255};
	unsigned int d = rp_reg(), s = rp_reg(), at;
	uint8_t op = jops[rnd() % 4];

	switch (rnd() % 14) {
	case 12:
	case 13: /* the same unknown added to two pointers: equal, but not to the verifier */
		rp_emit(g, BPF_LDX_MEM(BPF_W, 0, 6, 12));
		rp_emit(g, BPF_ALU64_IMM(BPF_AND, 0, masks[rnd() % 6]));
		rp_emit(g, BPF_ALU64_REG(BPF_ADD, d, 0));
		rp_emit(g, BPF_ALU64_REG(BPF_ADD, s, 0));
		break;
	case 0: /* a pointer from data, meta or another */
		rp_emit(g, BPF_MOV64_REG(d, rnd() % 4 ? 7 : (rnd() % 2 ? 9 : s)));
		break;
	case 1:
		rp_emit(g, BPF_MOV64_REG(d, s));
		break;
	case 2:
		rp_emit(g, BPF_ALU64_IMM(BPF_ADD, d, (int32_t)(rnd() % 48) - 16));
		break;
	case 3: /* + a bounded unknown (or, rarely, a quotient the verifier cannot bound) */
		rp_emit(g, BPF_LDX_MEM(BPF_W, 0, 6, 12));
		rp_emit(g, BPF_ALU64_IMM(BPF_AND, 0, masks[rnd() % 6]));
		if (rnd() % 3 == 0) /* not from 0 */
			rp_emit(g, BPF_ALU64_IMM(BPF_ADD, 0, (int32_t)(rnd() % 16)));
		if (rnd() % 8 == 0)
			rp_emit(g, BPF_ALU64_IMM(BPF_DIV, 0, 3));
		if (rnd() % 3 == 0) { /* kept in r5 for a later block */
			rp_emit(g, BPF_MOV64_REG(5, 0));
			if (rnd() % 2)
				rp_emit(g, BPF_ALU64_IMM(BPF_DIV, 5, 3));
			break;
		}
		rp_emit(g, BPF_ALU64_REG(BPF_ADD, d, rnd() % 4 ? 0 : 5));
		break;
	case 4:
	case 5: { /* a bounds check: against data_end, or a meta pointer against data */
		unsigned int bound = rnd() % 5 ? 8 : 7, c = 0; /* a copy moved, or the pointer */
		int32_t k = (int32_t)(rnd() % 40);

		if (rnd() % 2) {
			rp_emit(g, BPF_MOV64_REG(0, d));
			rp_emit(g, BPF_ALU64_IMM(BPF_ADD, 0, k));
		} else {
			c = d;
			k = 0;
		}
		at = g->n;
		if (rnd() % 2)
			rp_emit(g, BPF_JMP_REG(op, c, bound, 0));
		else
			rp_emit(g, BPF_JMP_REG(op, bound, c, 0));
		if (rnd() % 2) /* a read just inside (or outside) what the check covers */
			rp_emit(g, BPF_LDX_MEM(BPF_B, 0, rnd() % 2 ? d : s,
					       (int16_t)((int32_t)(rnd() % (k + 9)) - 8)));
		rp_body(g, depth + 1);
		if (at < RP_MAX)
			g->x[at].off = (int16_t)(g->n - at - 1);
		break;
	}
	case 6:
	case 7: /* a read near what was checked */
		rp_emit(g, BPF_LDX_MEM(sizes[rnd() % 4], 0, d, (int16_t)(rnd() % 48) - 4));
		break;
	case 8: { /* if/else on a packet-independent bit: a join */
		unsigned int j;

		rp_emit(g, BPF_LDX_MEM(BPF_W, 0, 6, 12));
		at = g->n;
		rp_emit(g, BPF_JMP_IMM(BPF_JSET, 0, 1 << (rnd() % 4), 0));
		rp_body(g, depth + 1);
		j = g->n;
		rp_emit(g, BPF_JMP_A(0));
		if (at < RP_MAX)
			g->x[at].off = (int16_t)(g->n - at - 1);
		rp_body(g, depth + 1);
		if (j < RP_MAX)
			g->x[j].off = (int16_t)(g->n - j - 1);
		break;
	}
	case 9: /* a lookup into r5, copied, checked through one copy or the other */
		rp_emit(g, BPF_ST_MEM(BPF_W, 10, -4, 0));
		rp_emit(g, BPF_MOV64_REG(0, 1)); /* keep r1..r4 across the call: spill two */
		rp_emit(g, BPF_STX_MEM(BPF_DW, 10, 1, -16));
		rp_emit(g, BPF_STX_MEM(BPF_DW, 10, 2, -24));
		rp_emit(g, BPF_RAW_INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
					g->map_fd));
		rp_emit(g, BPF_RAW_INSN(0, 0, 0, 0, 0));
		rp_emit(g, BPF_MOV64_REG(2, 10));
		rp_emit(g, BPF_ALU64_IMM(BPF_ADD, 2, -4));
		rp_emit(g, BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem));
		rp_emit(g, BPF_MOV64_REG(5, 0));
		rp_emit(g, BPF_MOV64_REG(3, 0));
		rp_emit(g, BPF_LDX_MEM(BPF_DW, 1, 10, -16));
		rp_emit(g, BPF_LDX_MEM(BPF_DW, 2, 10, -24));
		rp_emit(g, BPF_MOV64_REG(4, 7));
		at = g->n;
		rp_emit(g, BPF_JMP_IMM(BPF_JEQ, rnd() % 2 ? 5 : 3, 0, 0));
		rp_emit(g, BPF_LDX_MEM(BPF_DW, 0, rnd() % 2 ? 5 : 3, (int16_t)(rnd() % 3) * 4));
		if (at < RP_MAX)
			g->x[at].off = (int16_t)(g->n - at - 1);
		rp_emit(g, BPF_MOV64_REG(3, 7));
		rp_emit(g, BPF_MOV64_IMM(5, 0));
		break;
	case 10: /* spill and fill */
		rp_emit(g, BPF_STX_MEM(BPF_DW, 10, s, -32));
		rp_emit(g, BPF_LDX_MEM(BPF_DW, d, 10, -32));
		break;
	default: /* swap two pointers */
		rp_emit(g, BPF_MOV64_REG(0, d));
		rp_emit(g, BPF_MOV64_REG(d, s));
		rp_emit(g, BPF_MOV64_REG(s, 0));
		break;
	}
}

static void rp_body(struct rp *g, int depth)
{
	unsigned int k, n = depth > 3 ? 1 : 1 + (unsigned int)(rnd() % 5);

	for (k = 0; k < n; k++)
		rp_op(g, depth);
}

static void rp_generate(struct rp *g)
{
	unsigned int r;

	g->n = 0;
	rp_emit(g, BPF_MOV64_REG(6, 1));
	rp_emit(g, BPF_LDX_MEM(BPF_W, 7, 6, 0));
	rp_emit(g, BPF_LDX_MEM(BPF_W, 8, 6, 4));
	rp_emit(g, BPF_LDX_MEM(BPF_W, 9, 6, 8));
	for (r = 1; r <= 4; r++)
		rp_emit(g, BPF_MOV64_REG(r, 7));
	rp_emit(g, BPF_MOV64_IMM(5, 0));
	rp_body(g, 0);
	rp_emit(g, BPF_MOV64_IMM(0, 2));
	rp_emit(g, BPF_EXIT_INSN());
}

static void test_random_pointers(void)
{
	unsigned long n = env_num("SAFETY_RANDOM", 60000), k, both_ok = 0, both_no = 0;
	unsigned long model_only = 0, kernel_only = 0, gave_up = 0;
	bool verbose = env_num("SAFETY_VERBOSE", 0) != 0;
	char msg[PROG_MSG_SIZE], why[256];
	struct analysis_map m = safety_maps[0];
	struct rp *g;
	double t0 = now();

	if (!kh_bpf_permitted(why, sizeof(why))) {
		test_skip("%s", why);
		return;
	}
	g = calloc(1, sizeof(*g));
	if (!ASSERT_TRUE(g != NULL, "alloc"))
		return;
	g->map_fd = bpf_map_create(m.type, NULL, m.key_size, m.value_size, m.max_entries, NULL);
	if (!ASSERT_GE(g->map_fd, 0, "map create"))
		goto out;
	m.ref = g->map_fd;
	for (k = 0; k < n; k++) {
		int model, kern;

		rp_generate(g);
		if (g->n >= RP_MAX)
			continue;
		model = model_verdict_eat(g->x, g->n, BPF_PROG_TYPE_XDP, 0, &m, NULL, 1, msg,
					  sizeof(msg));
		kern = kernel_verdict(BPF_PROG_TYPE_XDP, 0, g->x, g->n, why, sizeof(why));
		if (!model && !kern) {
			both_ok++;
		} else if (model && kern) {
			both_no++;
		} else if (model) {
			model_only++;
			if (verbose)
				fprintf(stderr, "  random model-only reject #%lu: %s\n", k, msg);
		} else if (kern == -E2BIG && strstr(why, "too large")) {
			gave_up++;
		} else {
			char dump[64];

			kernel_only++;
			snprintf(dump, sizeof(dump), "/tmp/safety_random_%lu.bin", k);
			CHECK(false,
			      "random program #%lu: model accepts, kernel rejects: %s (%u insns)",
			      k, why, g->n);
			if (verbose) {
				FILE *f = fopen(dump, "w");

				if (f) {
					fwrite(g->x, sizeof(g->x[0]), g->n, f);
					fclose(f);
				}
			}
		}
	}
	fprintf(stderr,
		"  random pointer programs: %lu: both accept %lu, both reject %lu, model-only "
		"reject %lu, model accepts/kernel rejects %lu (and %lu the verifier gave up on); "
		"%.1f s\n",
		n, both_ok, both_no, model_only, kernel_only, gave_up, now() - t0);
	ASSERT_GE(both_ok, n / 20, "programs both accept (the generator makes good ones)");
	ASSERT_EQ(kernel_only, 0, "random programs the model accepts and the kernel rejects");
	close(g->map_fd);
out:
	free(g);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_table_kernel);
	RUN_TEST(test_corpus_mutants);
	RUN_TEST(test_random_pointers);
	return test_summary("test_safety_kernel");
}
