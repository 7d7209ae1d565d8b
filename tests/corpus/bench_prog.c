// SPDX-License-Identifier: MIT
/*
 * bench_prog: how fast core/prog and core/asm work on real programs.
 *
 *   bench_prog [--rounds N] OBJ...
 *
 * Opens every object with libbpf (as `bpfsynth dump` does), takes each
 * program's instructions, and times N rounds of prog__new() (validate +
 * subprograms + blocks + CFG) and of asm_format_insn() over all of them.
 * Programs that call .text subprograms are not complete before libbpf links
 * them at load time, so prog__new() rejects them; they are counted apart.
 * Prints instructions per second for both (the median of 5 timed repeats),
 * the number of programs, instructions and blocks.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "core/asm.h"
#include "core/prog.h"
#include "tests/kernel/harness.h"

struct bench_prog {
	struct bpf_insn *insns;
	size_t len;
};

static struct bench_prog *progs;
static size_t nprogs, cap;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void add_object(const char *path)
{
	static char log[KH_LOG_SIZE];
	struct bpf_program *p;
	struct bpf_object *obj = kh_open(path, log, sizeof(log));

	if (!obj)
		return;
	bpf_object__for_each_program (p, obj) {
		size_t len = bpf_program__insn_cnt(p);

		if (!len)
			continue;
		if (nprogs == cap) {
			cap = cap ? cap * 2 : 256;
			progs = realloc(progs, cap * sizeof(*progs));
			if (!progs)
				exit(1);
		}
		progs[nprogs].insns = malloc(len * sizeof(struct bpf_insn));
		if (!progs[nprogs].insns)
			exit(1);
		memcpy(progs[nprogs].insns, bpf_program__insns(p), len * sizeof(struct bpf_insn));
		progs[nprogs++].len = len;
	}
	bpf_object__close(obj);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"rounds", required_argument, NULL, 'n'}, {0}};
	size_t i, j, ninsns = 0, nvalid = 0, nblocks = 0, valid_insns = 0;
	double t_new[5], t_asm[5];
	char buf[ASM_LINE_SIZE];
	int c, r, k, rounds = 20;

	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c != 'n')
			return 1;
		rounds = atoi(optarg) > 0 ? atoi(optarg) : 1;
	}
	libbpf_set_print(NULL);
	for (k = optind; k < argc; k++)
		add_object(argv[k]);
	if (!nprogs) {
		fprintf(stderr, "bench_prog: no programs in the objects given\n");
		return 1;
	}
	for (i = 0; i < nprogs; i++) {
		struct prog *p = prog__new(progs[i].insns, progs[i].len, NULL, 0);

		ninsns += progs[i].len;
		if (p) {
			nvalid++;
			valid_insns += p->len;
			nblocks += p->nblocks;
			prog__free(p);
		}
	}
	for (k = 0; k < 5; k++) {
		double t0 = now();

		for (r = 0; r < rounds; r++)
			for (i = 0; i < nprogs; i++)
				prog__free(prog__new(progs[i].insns, progs[i].len, NULL, 0));
		t_new[k] = now() - t0;
		t0 = now();
		for (r = 0; r < rounds; r++)
			for (i = 0; i < nprogs; i++)
				for (j = 0; j < progs[i].len; j++)
					asm_format_insn(progs[i].insns, progs[i].len, j, buf,
							sizeof(buf));
		t_asm[k] = now() - t0;
	}
	qsort(t_new, 5, sizeof(double), cmp_double);
	qsort(t_asm, 5, sizeof(double), cmp_double);
	printf("programs: %zu (%zu complete before linking, %zu blocks), instruction slots: %zu\n",
	       nprogs, nvalid, nblocks, ninsns);
	printf("prog__new (validate + CFG): %.1f M insns/s (median of 5 x %d rounds)\n",
	       (double)ninsns * rounds / t_new[2] / 1e6, rounds);
	printf("asm_format_insn:            %.1f M insns/s (median of 5 x %d rounds)\n",
	       (double)ninsns * rounds / t_asm[2] / 1e6, rounds);
	for (i = 0; i < nprogs; i++)
		free(progs[i].insns);
	free(progs);
	return 0;
}
