// SPDX-License-Identifier: MIT
/*
 * core/analysis on every program of every corpus object, all program types,
 * as the ELF has them (programs that need libbpf to link .text subprograms
 * do not validate and are counted): the analysis must succeed, and the test
 * says how long the slowest took.  No kernel needed; it lives with the kernel
 * tests because it reads the corpus through libbpf like they do.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "core/analysis.h"
#include "core/prog.h"
#include "tests/kernel/harness.h"
#include "tests/test.h"

static const char *corpus_dir(void)
{
	const char *d = getenv("CORPUS_DIR");

	return d && *d ? d : "/var/cache/bpfsynth-corpus";
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_all_objects(void)
{
	char dir[512], path[1024], log[KH_LOG_SIZE], msg[PROG_MSG_SIZE];
	unsigned int objs = 0, progs = 0, invalid = 0;
	double t0 = now(), worst = 0;
	char worst_name[256] = "";
	struct dirent *src, *ent;
	DIR *top, *d;

	snprintf(dir, sizeof(dir), "%s/objs", corpus_dir());
	top = opendir(dir);
	if (!top) {
		test_skip("no corpus objects in %s (make corpus)", dir);
		return;
	}
	while ((src = readdir(top))) {
		if (src->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, src->d_name);
		d = opendir(path);
		if (!d)
			continue;
		while ((ent = readdir(d))) {
			struct bpf_object *obj;
			struct bpf_program *prog;
			size_t l = strlen(ent->d_name);

			if (l < 3 || strcmp(ent->d_name + l - 2, ".o"))
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", dir, src->d_name, ent->d_name);
			obj = kh_open(path, log, sizeof(log));
			if (!obj)
				continue;
			objs++;
			bpf_object__for_each_program (prog, obj) {
				struct analysis_env env = {.prog_type = bpf_program__type(prog)};
				struct prog *p;
				struct analysis *a;
				double t;

				p = prog__new(bpf_program__insns(prog), bpf_program__insn_cnt(prog),
					      msg, sizeof(msg));
				if (!p) {
					invalid++;
					continue;
				}
				t = now();
				a = analysis__new(p, &env, msg, sizeof(msg));
				t = now() - t;
				CHECK(a != NULL, "%s %s: %s", ent->d_name, bpf_program__name(prog),
				      msg);
				progs++;
				if (t > worst) {
					worst = t;
					snprintf(worst_name, sizeof(worst_name), "%s %s (%u insns)",
						 ent->d_name, bpf_program__name(prog), p->len);
				}
				analysis__free(a);
				prog__free(p);
			}
			bpf_object__close(obj);
		}
		closedir(d);
	}
	closedir(top);
	fprintf(stderr,
		"  analysis of every corpus program: %u programs of %u objects in %.1f s "
		"(%u need libbpf's linking, not analysed); slowest %.3f s: %s\n",
		progs, objs, now() - t0, invalid, worst, worst_name);
	ASSERT_GE(progs, 1, "programs analysed");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_all_objects);
	return test_summary("test_analysis_corpus");
}
