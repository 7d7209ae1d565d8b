// SPDX-License-Identifier: MIT
/*
 * bpfsynth worker: optimize what the preload queued in async mode.
 *
 * In async mode the preload loads the caller's original at once and leaves
 * the canonical program in <cache>/queue/<key>; then it starts this command
 * (preload/spawn.c) unless a worker is running.  The worker takes each queued
 * program, optimizes it within the budget (core/optimize, through
 * tools/optentry.c), stores the entry with its proof record in
 * <cache>/entries/<key> and removes the queue entry, so the next load of that
 * program hits.  It exits when the queue is empty.
 *
 * One worker per cache: it holds an exclusive flock on <cache>/worker.lock
 * for as long as it works; a second one exits at once.  Before exiting it
 * drops the lock and looks at the queue once more, so a program queued while
 * it was finishing (when the loader saw the lock held and started nobody) is
 * not left behind.
 *
 * --spawned (the preload's way of starting it): fork once, the first process
 * exits at once so the loader can reap it, the second works in its own
 * session (the preload's spawn set it up), in /, with nothing on its
 * terminal.
 *
 * --key KEY (sync mode's way, preload/optimize.c): only the queued program
 * KEY, now, without the worker lock (the loader waits for this one program),
 * and exit 0 if its entry is in the cache afterwards.  Its proof record says
 * where: "preload (sync, worker)".  --judge-fd N: a socket to the preload,
 * which loads each candidate with the loader's own attr and maps (see
 * preload/optimize.c) -- the judge sync mode had when it forked.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>

#include "cache/cache.h"
#include "config/config.h"
#include "tools/main.h"
#include "tools/optentry.h"
#include "tools/version.h"

void worker_help(void)
{
	if (json_output) {
		json_print(json_pack("{s:s,s:s}", "name", "worker", "synopsis",
				     "worker [--dir DIR] [--budget DUR] [--jobs N] [--key KEY]"));
		return;
	}
	printf("Usage: %s worker [--dir DIR] [--budget DUR] [--jobs N] [--key KEY]\n"
	       "\n"
	       "Optimize the programs the preload queued in async mode (DIR/queue/), store\n"
	       "each result with its proof record (DIR/entries/), and exit when the queue is\n"
	       "empty.  The preload starts it on demand; one worker runs per cache at a time\n"
	       "(DIR/worker.lock).\n"
	       "\n"
	       "  --dir DIR      the cache (default: the configured one, as the preload's)\n"
	       "  --budget DUR   optimization time per program: 30, 500ms, 2s, 1m\n"
	       "                 (default: the configured budget, BPFSYNTH_BUDGET)\n"
	       "  --jobs N       optimizer threads (default: the configured jobs)\n"
	       "  --key KEY      only the queued program KEY, without the lock (sync mode);\n"
	       "                 exit status 0 if its entry is stored\n"
	       "  -j, --json     one JSON object per program on stdout\n",
	       bin_name);
}

struct worker {
	char dir[PATH_MAX];
	struct optentry_params p;
	unsigned int done, failed;
};

/* 0: a worker lock on @dir, fd in *@fd; -EAGAIN: another worker has it. */
static int worker_lock(const char *dir, int *fd)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/worker.lock", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return -errno;
	if (flock(*fd, LOCK_EX | LOCK_NB)) {
		close(*fd);
		*fd = -1;
		return -EAGAIN;
	}
	return 0;
}

static void report(const struct cache_entry *q, const struct cache_entry *e, double secs,
		   const char *status, const char *why)
{
	uint32_t before = cache_insn_cnt_effective(q->orig.insns, q->orig.insn_cnt);
	uint32_t after = e ? cache_insn_cnt_effective(e->opt, e->opt_cnt) : before;

	/* A spawned worker's stdout is /dev/null: BPFSYNTH_LOG is where it reports. */
	log_info("worker: '%s' %.16s: %u -> %u insns in %.2f s: %s%s%s", q->name, q->key, before,
		 after, secs, status, why ? ": " : "", why ? why : "");

	if (json_output) {
		json_t *o = json_pack("{s:s,s:s,s:i,s:i,s:f,s:s}", "key", q->key, "name", q->name,
				      "insns_before", before, "insns_after", after, "seconds",
				      secs, "status", status);

		if (o && why && *why)
			json_object_set_new(o, "reason", json_string(why));
		if (o) {
			char *s = json_dumps(o, JSON_COMPACT);

			if (s)
				printf("%s\n", s);
			free(s);
			json_decref(o);
		}
	} else {
		printf("%.16s  %-16s %5u -> %-5u %7.2f s  %s%s%s\n", q->key,
		       q->name[0] ? q->name : "-", before, after, secs, status, why ? ": " : "",
		       why ? why : "");
	}
	fflush(stdout);
}

/* Take one queued program; it leaves the queue whatever happens to it. */
static void work_one(struct worker *w, const char *key)
{
	char path[PATH_MAX], epath[PATH_MAX], msg[CACHE_MSG_SIZE];
	struct cache_entry q, e, old;
	struct optentry_params p;
	double secs = 0;
	int err;

	cache_path(w->dir, CACHE_QUEUE, key, path, sizeof(path));
	err = cache_entry_read(path, &q, msg, sizeof(msg));
	if (err) {
		if (err != -ENOENT) /* taken by a worker of the past, or gone */
			unlink(path);
		return;
	}
	if (strcmp(q.optimizer_version, BPFSYNTH_VERSION)) {
		/* Keyed for another optimizer: its loads will never look for ours. */
		report(&q, NULL, 0, "skipped", "queued by another version");
		goto done;
	}
	cache_path(w->dir, CACHE_ENTRIES, key, epath, sizeof(epath));
	if (!cache_entry_read(epath, &old, msg, sizeof(msg))) {
		/* An entry the preload would refuse is made again; a usable one stays. */
		err = cache_proof_check(old.proof, old.orig.insns, old.orig.insn_cnt, old.opt,
					old.opt_cnt, msg, sizeof(msg));
		cache_entry_free(&old);
		if (!err) {
			report(&q, NULL, 0, "cached", NULL);
			goto done;
		}
	}
	/*
	 * The kernel refused what we made of it before (rejected/): the same
	 * search would make it again.  Store it unchanged: later loads hit.
	 */
	cache_path(w->dir, CACHE_REJECTED, key, epath, sizeof(epath));
	p = w->p;
	if (!access(epath, F_OK))
		p.keep = "the kernel refused the optimized program before";
	err = optentry_make(&q, &p, &e, &secs, msg, sizeof(msg));
	if (!err) {
		err = cache_entry_write(w->dir, CACHE_ENTRIES, &e, 0, msg, sizeof(msg));
		report(&q, &e, secs, err ? "failed" : "stored", err ? msg : NULL);
		cache_entry_free(&e);
	} else {
		report(&q, NULL, secs, "failed", msg);
	}
	if (err)
		w->failed++;
	else
		w->done++;
done:
	unlink(path);
	cache_entry_free(&q);
}

/* One pass over the queue; the number of programs found. */
static unsigned int work_queue(struct worker *w)
{
	char sub[PATH_MAX];
	struct dirent *de;
	unsigned int n = 0;
	char (*keys)[CACHE_KEY_LEN + 1] = NULL;
	size_t nkeys = 0, cap = 0, i;
	DIR *d;

	cache_path(w->dir, CACHE_QUEUE, NULL, sub, sizeof(sub));
	d = opendir(sub);
	if (!d)
		return 0;
	/* Names first: the directory changes while we work. */
	while ((de = readdir(d))) {
		if (!cache_key_valid(de->d_name))
			continue;
		if (nkeys == cap) {
			void *k = realloc(keys, (cap = cap ? 2 * cap : 16) * sizeof(*keys));

			if (!k)
				break;
			keys = k;
		}
		memcpy(keys[nkeys++], de->d_name, CACHE_KEY_LEN + 1);
	}
	closedir(d);
	for (i = 0; i < nkeys; i++, n++)
		work_one(w, keys[i]);
	free(keys);
	return n;
}

static bool queue_empty(const char *dir)
{
	char sub[PATH_MAX];
	struct dirent *de;
	bool empty = true;
	DIR *d;

	cache_path(dir, CACHE_QUEUE, NULL, sub, sizeof(sub));
	d = opendir(sub);
	while (d && empty && (de = readdir(d)))
		empty = !cache_key_valid(de->d_name);
	if (d)
		closedir(d);
	return empty;
}

int do_worker(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"dir", required_argument, NULL, 'D'},
		{"budget", required_argument, NULL, 'b'},
		{"jobs", required_argument, NULL, 'J'},
		{"spawned", no_argument, NULL, 'S'},
		{"key", required_argument, NULL, 'K'},
		{"judge-fd", required_argument, NULL, 'F'},
		{0},
	};
	const char *key = NULL;
	char epath[PATH_MAX];
	char msg[CONFIG_MSG_SIZE];
	struct config cfg;
	struct worker w;
	bool spawned = false;
	uint64_t ms;
	int c, fd, err;
	pid_t pid;

	if (argc == 2 && !strcmp(argv[1], "help")) {
		worker_help();
		return 0;
	}
	config_load(&cfg, msg, sizeof(msg)); /* an error leaves usable settings */
	log_setup(cfg.log_level, cfg.log_path);
	memset(&w, 0, sizeof(w));
	snprintf(w.dir, sizeof(w.dir), "%s", cfg.cache_dir);
	w.p.budget = cfg.budget_ms / 1000.0;
	w.p.jobs = cfg.jobs;
	w.p.where = "worker";
	w.p.judge = true;
	w.p.judge_fd = -1;
	while ((c = cmd_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'h':
			worker_help();
			return 0;
		case 'D':
			snprintf(w.dir, sizeof(w.dir), "%s", optarg);
			break;
		case 'b':
			if (config_budget_parse(optarg, &ms)) {
				p_err("worker: bad budget '%s' (30, 500ms, 2s, 1m)", optarg);
				return -EINVAL;
			}
			w.p.budget = ms / 1000.0;
			break;
		case 'J':
			w.p.jobs = (unsigned int)atoi(optarg);
			if (w.p.jobs < 1 || w.p.jobs > CONFIG_MAX_JOBS) {
				p_err("worker: --jobs takes 1 to %d", CONFIG_MAX_JOBS);
				return -EINVAL;
			}
			break;
		case 'S':
			spawned = true;
			break;
		case 'F':
			w.p.judge_fd = atoi(optarg);
			if (w.p.judge_fd < 3) {
				p_err("worker: --judge-fd takes an fd above 2");
				return -EINVAL;
			}
			break;
		case 'K':
			key = optarg;
			if (!cache_key_valid(key)) {
				p_err("worker: '%s' is not a key", key);
				return -EINVAL;
			}
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		p_err("worker: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (spawned) {
		pid = fork();
		if (pid < 0)
			return -errno;
		if (pid > 0)
			_exit(0); /* the loader reaps this one at once */
		setsid(); /* already the case when posix_spawn set it up; harmless */
		if (chdir("/"))
			return -errno;
	}
	err = cache_dir_check(w.dir, msg, sizeof(msg));
	if (err == -ENOENT)
		return 0; /* nothing was ever queued */
	if (err) {
		p_err("worker: %s", msg);
		return err;
	}
	if (key) {
		w.p.where = "preload (sync, worker)";
		work_one(&w, key);
		cache_path(w.dir, CACHE_ENTRIES, key, epath, sizeof(epath));
		return access(epath, F_OK) ? -ENOENT : 0;
	}
	for (;;) {
		err = worker_lock(w.dir, &fd);
		if (err == -EAGAIN)
			break; /* another worker has it, and will see what we saw */
		if (err) {
			p_err("worker: %s/worker.lock: %s", w.dir, strerror(-err));
			return err;
		}
		while (work_queue(&w))
			;
		close(fd);
		/* Queued after our last look, by a loader that saw our lock: ours again. */
		if (queue_empty(w.dir))
			break;
	}
	if (!json_output && !spawned && (w.done || w.failed))
		fprintf(stderr, "%u programs optimized and stored, %u failed\n", w.done,
			w.failed);
	return 0;
}
