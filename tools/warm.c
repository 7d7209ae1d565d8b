// SPDX-License-Identifier: MIT
/*
 * bpfsynth warm: fill the cache offline, so a deployment never synthesizes.
 *
 * An entry is only useful if its key is the one the preload computes when the
 * real loader loads the object on the node: the program as the loader
 * submits it (after libbpf's relocations, CO-RE, subprogram linking, the
 * .rodata the loader froze) and its maps as BPF_OBJ_GET_INFO_BY_FD describes
 * them.  Rather than imitate all of that, warm lets libbpf do it and the
 * preload key it: for each object it runs itself (`warm --load-child OBJ`)
 * under LD_PRELOAD=libbpfsynth.so in async mode, with a private temporary
 * cache and no worker, and loads the object with bpf_object__load() as
 * libbpf-based loaders (bpftool prog loadall, skeletons, xdp-loader) do.
 * The preload queues every program it sees there -- canonical form, key and
 * all, computed by the very code that will look them up later.  warm then
 * optimizes each queued program (core/optimize, tools/optentry.c) and stores
 * the entry in the real cache.
 *
 * So the key is identical when the node's libbpf builds the same
 * instructions and maps: the same object, a libbpf that relocates the same
 * way, a kernel with the same BTF (CO-RE), the same .rodata and map sizes
 * (a loader that sets them before the load gets other keys: warm with a
 * loader of its own, under the preload, in that case).  Loading needs the
 * right to load BPF programs, as the preload itself does.
 *
 * If the object does not load as a whole, each program is loaded alone, as
 * loaders of one section (tc, ip) do; --type sets the type of programs in
 * sections libbpf does not know (as the loader would: `tc ... da obj`).
 *
 * The preload is found as BPFSYNTH_PRELOAD, next to this binary (the build
 * directory) or in ../lib/bpfsynth/ (an installed tree).
 */
#include <errno.h>
#include <dirent.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>

#include "cache/cache.h"
#include "config/config.h"
#include "tools/main.h"
#include "tools/optentry.h"
#include "tools/version.h"

void warm_help(void)
{
	if (json_output) {
		json_print(json_pack("{s:s,s:s}", "name", "warm", "synopsis",
				     "warm OBJ.o... [--dir DIR] [--budget DUR] [--jobs N] [--type TYPE] "
				     "[--force]"));
		return;
	}
	printf("Usage: %s warm OBJ.o... [--dir DIR] [--budget DUR] [--jobs N] [--type TYPE]\n"
	       "                       [--force]\n"
	       "\n"
	       "Optimize every program of each object and store the results in the cache, keyed\n"
	       "exactly as libbpfsynth.so keys them when a libbpf-based loader loads the object:\n"
	       "the object is loaded once, here, under the preload, which records each program\n"
	       "as the kernel is asked to load it.  Needs the right to load BPF programs.\n"
	       "\n"
	       "  --dir DIR      the cache to fill (default: the configured one)\n"
	       "  --budget DUR   optimization time per program: 30, 500ms, 2s, 1m\n"
	       "                 (default: the configured budget, BPFSYNTH_BUDGET)\n"
	       "  --jobs N       optimizer threads (default: the configured jobs)\n"
	       "  --type TYPE    program type of every program (bpftool's names: xdp,\n"
	       "                 sched_cls, ...), for old section names, as the loader sets it\n"
	       "  --force        optimize again programs that have an entry already\n"
	       "  -j, --json     per object and program: key, name, instructions before and\n"
	       "                 after, time, status\n",
	       bin_name);
}

/* --type: the program type for every program, as bpftool's `type` (legacy sections). */
static int force_type = -1;

/* Open @path for loading, pinning nothing; with @only set, load only that program. */
static struct bpf_object *open_obj(const char *path, const char *only)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	struct bpf_map *m;

	if (!obj)
		return NULL;
	/* LIBBPF_PIN_BY_NAME would reuse or create pins in the real bpffs. */
	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
	bpf_object__for_each_program(p, obj) {
		if (only)
			bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), only));
		if (force_type >= 0)
			bpf_program__set_type(p, force_type);
	}
	return obj;
}

/*
 * The child: load @path with libbpf, as bpftool prog loadall does.  If the
 * object does not load as a whole (one program the kernel refuses stops
 * libbpf), load each program alone, as loaders that take one section (tc,
 * ip) do.  0: everything loaded; 1: some programs did not; 2: no object.
 */
static int load_child(const char *path)
{
	char msg[256], **names = NULL;
	struct bpf_program *p;
	struct bpf_object *obj;
	size_t n = 0, i;
	int err, bad = 0;

	set_libbpf_print();
	if (objfile_check(path, msg, sizeof(msg))) {
		fprintf(stderr, "%s: %s\n", path, msg);
		return 2;
	}
	obj = open_obj(path, NULL);
	if (!obj) {
		fprintf(stderr, "%s: open: %s\n", path, strerror(errno));
		return 2;
	}
	err = bpf_object__load(obj);
	if (!err) {
		bpf_object__close(obj);
		return 0;
	}
	bpf_object__for_each_program(p, obj)
		n++;
	names = calloc(n ? n : 1, sizeof(*names));
	n = 0;
	bpf_object__for_each_program(p, obj)
		if (names)
			names[n++] = strdup(bpf_program__name(p));
	bpf_object__close(obj);
	for (i = 0; i < n; i++) {
		obj = names[i] ? open_obj(path, names[i]) : NULL;
		libbpf_clear_warning();
		err = obj ? bpf_object__load(obj) : -ENOMEM;
		if (err) {
			fprintf(stderr, "%s: program %s: %s%s%s\n", path, names[i] ?: "?",
				strerror(-err), libbpf_last_warning()[0] ? ": " : "",
				libbpf_last_warning());
			bad++;
		}
		bpf_object__close(obj);
		free(names[i]);
	}
	free(names);
	return bad || !n ? 1 : 0;
}

static int find_preload(char *buf, size_t bufsz)
{
	const char *env = secure_getenv("BPFSYNTH_PRELOAD");
	static const char *const rel[] = {"libbpfsynth.so", "../lib/bpfsynth/libbpfsynth.so"};
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	size_t i;

	if (env && *env)
		return realpath(env, buf) && bufsz >= PATH_MAX ? 0 : -ENOENT;
	if (!realpath("/proc/self/exe", exe))
		return -errno;
	*strrchr(exe, '/') = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(cand, sizeof(cand), "%s/%s", exe, rel[i]);
		if (!access(cand, R_OK) && realpath(cand, buf) && bufsz >= PATH_MAX)
			return 0;
	}
	return -ENOENT;
}

/* Run `warm --load-child @obj` under the preload with the queue in @qdir; exit status. */
static int run_child(const char *so, const char *qdir, const char *obj)
{
	char exe[PATH_MAX];
	int status;
	pid_t pid;

	if (!realpath("/proc/self/exe", exe))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char type[32];
		char *argv[] = {exe, "warm", "--type", type, "--load-child", (char *)obj, NULL};

		snprintf(type, sizeof(type), "%s",
			 force_type >= 0 ? config_prog_type_str(force_type) : "-");

		/* stdout carries our report: the child's goes to stderr. */
		dup2(2, 1);
		setenv("LD_PRELOAD", so, 1);
		setenv("BPFSYNTH_MODE", "async", 1);
		setenv("BPFSYNTH_CACHE_DIR", qdir, 1);
		setenv("BPFSYNTH_WORKER", "off", 1);
		execv(exe, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

struct warm {
	const char *dir;
	struct optentry_params p;
	bool force;
	unsigned int stored, cached, failed, bad_objects;
};

/* Optimize and store one program queued by the child; its report, or NULL. */
static json_t *warm_one(struct warm *w, const char *qpath)
{
	char msg[CACHE_MSG_SIZE];
	struct cache_entry q, e, old;
	const char *status, *why = NULL;
	uint32_t before, after;
	double secs = 0;
	json_t *o;
	int err;

	if (cache_entry_read(qpath, &q, msg, sizeof(msg)))
		return NULL;
	before = after = cache_insn_cnt_effective(q.orig.insns, q.orig.insn_cnt);
	if (strcmp(q.optimizer_version, BPFSYNTH_VERSION)) {
		status = "failed";
		why = "the preload is another version than this binary";
		w->failed++;
	} else if (!w->force && !cache_lookup(w->dir, &q.orig, q.key, BPFSYNTH_VERSION, &old, msg,
					      sizeof(msg))) {
		err = cache_proof_check(old.proof, old.orig.insns, old.orig.insn_cnt, old.opt,
					old.opt_cnt, msg, sizeof(msg));
		after = cache_insn_cnt_effective(old.opt, old.opt_cnt);
		cache_entry_free(&old);
		status = "cached";
		if (err) /* not one the preload would use: make it again */
			goto optimize;
		w->cached++;
	} else {
optimize:
		err = optentry_make(&q, &w->p, &e, &secs, msg, sizeof(msg));
		if (!err) {
			after = cache_insn_cnt_effective(e.opt, e.opt_cnt);
			err = cache_entry_write(w->dir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
			cache_entry_free(&e);
		}
		status = err ? "failed" : "stored";
		why = err ? msg : NULL;
		if (err)
			w->failed++;
		else
			w->stored++;
	}
	o = json_pack("{s:s,s:s,s:s,s:i,s:i,s:f,s:s}", "key", q.key, "name", q.name, "type",
		      config_prog_type_str(q.orig.prog_type) ?: "unknown", "insns_before", before,
		      "insns_after", after, "seconds", secs, "status", status);
	if (o && why)
		json_object_set_new(o, "reason", json_string(why));
	cache_entry_free(&q);
	return o;
}

/* Warm one object: its report. */
static json_t *warm_object(struct warm *w, const char *so, const char *tmp, unsigned int i,
			   const char *obj)
{
	char qdir[PATH_MAX], sub[PATH_MAX + 16], path[PATH_MAX + 300];
	json_t *rep, *progs = json_array();
	struct dirent *de;
	int st;
	DIR *d;

	snprintf(qdir, sizeof(qdir), "%s/%u", tmp, i);
	st = run_child(so, qdir, obj);
	w->bad_objects += st != 0;
	rep = json_pack("{s:s,s:b}", "object", obj, "loaded", st == 0);
	if (st)
		json_object_set_new(rep, "error",
				    json_string(st == 2 ? "cannot open the object"
					: st == 1 ? "libbpf could not load some programs (the "
						    "others are warmed)"
						  : "the loader crashed"));
	snprintf(sub, sizeof(sub), "%s/queue", qdir);
	d = opendir(sub);
	while (d && (de = readdir(d))) {
		json_t *o;

		if (!cache_key_valid(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", sub, de->d_name);
		o = warm_one(w, path);
		if (o)
			json_array_append_new(progs, o);
	}
	if (d)
		closedir(d);
	json_object_set_new(rep, "programs", progs);
	return rep;
}

static void print_object(const json_t *rep)
{
	const json_t *p;
	size_t i;

	printf("%s%s%s\n", json_string_value(json_object_get(rep, "object")),
	       json_object_get(rep, "error") ? ": " : "",
	       json_object_get(rep, "error")
		       ? json_string_value(json_object_get(rep, "error"))
		       : "");
	json_array_foreach(json_object_get(rep, "programs"), i, p)
	{
		const char *why = json_string_value(json_object_get(p, "reason"));

		printf("  %.16s  %-16s %-10s %5lld -> %-5lld %7.2f s  %s%s%s\n",
		       json_string_value(json_object_get(p, "key")),
		       json_string_value(json_object_get(p, "name"))[0]
			       ? json_string_value(json_object_get(p, "name"))
			       : "-",
		       json_string_value(json_object_get(p, "type")),
		       json_integer_value(json_object_get(p, "insns_before")),
		       json_integer_value(json_object_get(p, "insns_after")),
		       json_real_value(json_object_get(p, "seconds")),
		       json_string_value(json_object_get(p, "status")), why ? ": " : "",
		       why ? why : "");
	}
	fflush(stdout);
}

int do_warm(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"dir", required_argument, NULL, 'D'},
		{"budget", required_argument, NULL, 'b'},
		{"jobs", required_argument, NULL, 'J'},
		{"force", no_argument, NULL, 'f'},
		{"type", required_argument, NULL, 't'},
		{"load-child", required_argument, NULL, 'L'},
		{0},
	};
	char msg[CONFIG_MSG_SIZE], dir[PATH_MAX], so[PATH_MAX], tmp[] = "/tmp/bpfsynth-warm.XXXXXX";
	json_t *objs = NULL;
	struct config cfg;
	struct warm w;
	uint64_t ms;
	int c, err, i;

	if (argc == 2 && !strcmp(argv[1], "help")) {
		warm_help();
		return 0;
	}
	config_load(&cfg, msg, sizeof(msg)); /* an error leaves usable settings */
	memset(&w, 0, sizeof(w));
	snprintf(dir, sizeof(dir), "%s", cfg.cache_dir);
	w.p.budget = cfg.budget_ms / 1000.0;
	w.p.jobs = cfg.jobs;
	w.p.where = "warm";
	w.p.judge = true;
	w.p.judge_fd = -1; /* offline: no loader to ask */
	while ((c = cmd_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'h':
			warm_help();
			return 0;
		case 'D':
			snprintf(dir, sizeof(dir), "%s", optarg);
			break;
		case 'b':
			if (config_budget_parse(optarg, &ms)) {
				p_err("warm: bad budget '%s' (30, 500ms, 2s, 1m)", optarg);
				return -EINVAL;
			}
			w.p.budget = ms / 1000.0;
			break;
		case 'J':
			w.p.jobs = (unsigned int)atoi(optarg);
			if (w.p.jobs < 1 || w.p.jobs > CONFIG_MAX_JOBS) {
				p_err("warm: --jobs takes 1 to %d", CONFIG_MAX_JOBS);
				return -EINVAL;
			}
			break;
		case 'f':
			w.force = true;
			break;
		case 't':
			force_type = strcmp(optarg, "-") ? config_prog_type_parse(optarg) : -1;
			if (strcmp(optarg, "-") && force_type < 0) {
				p_err("warm: unknown program type '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'L':
			return load_child(optarg);
		default:
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		p_err("warm: no object given (warm OBJ.o...)");
		return -EINVAL;
	}
	w.dir = dir;
	if (find_preload(so, sizeof(so))) {
		p_err("warm: libbpfsynth.so not found (next to %s, in ../lib/bpfsynth/, or "
		      "BPFSYNTH_PRELOAD)",
		      bin_name);
		return -ENOENT;
	}
	err = cache_dir_prepare(dir, msg, sizeof(msg));
	if (err) {
		p_err("warm: %s", msg);
		return err;
	}
	if (!mkdtemp(tmp)) {
		p_err("warm: temporary directory: %s", strerror(errno));
		return -errno;
	}
	objs = json_array();
	for (i = optind; i < argc; i++) {
		json_t *rep = warm_object(&w, so, tmp, (unsigned int)i, argv[i]);

		if (!json_output)
			print_object(rep);
		json_array_append_new(objs, rep);
	}
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (json_output) {
		json_print(json_pack("{s:s,s:o,s:i,s:i,s:i}", "cache", dir, "objects", objs,
				     "stored", w.stored, "cached", w.cached, "failed", w.failed));
	} else {
		json_decref(objs);
		printf("%u stored, %u cached already, %u failed (cache %s)\n", w.stored,
		       w.cached, w.failed, dir);
	}
	if (w.failed || w.bad_objects) {
		p_err("warm: %u programs failed, %u objects did not load", w.failed,
		      w.bad_objects);
		return -EIO;
	}
	return 0;
}
