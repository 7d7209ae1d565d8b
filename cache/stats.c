// SPDX-License-Identifier: MIT
/*
 * cache/stats: hits, misses, fallbacks and bytes saved, across processes.
 *
 * Events: hit, miss, bad, fallback, queued, and unhit, which takes back a
 * hit: the load path records a hit before the kernel's load (while the
 * caches are warm) and an unhit if the kernel then refuses the program.
 *
 * Many loaders in many processes record events at once, inside load paths
 * that must stay fast and must never block on each other.  So an event is one
 * line ("<event> <n> <reason>\n", under PIPE_BUF bytes) appended with a single
 * write() to <dir>/stats.log opened O_APPEND: the kernel keeps such appends
 * whole and ordered, and a crash loses at most the line being written.  Lines
 * that do not parse (a torn tail after a power loss) are skipped by readers.
 *
 * `bpfsynth cache gc` folds the log into <dir>/stats.json: it renames the log
 * away (new events start a new one), adds it to the sums, writes stats.json
 * atomically and removes the old log.  An event written by a loader that
 * opened the log just before the rename and wrote just after the fold would
 * be lost; that is the only loss, and statistics tolerate it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>

#include "cache/cache.h"

/* Event names in the log, and the sums they add to. */
static const char *const ev_names[] = {
	[CACHE_EV_HIT] = "hit",		  [CACHE_EV_MISS] = "miss",	[CACHE_EV_BAD] = "bad",
	[CACHE_EV_FALLBACK] = "fallback", [CACHE_EV_QUEUED] = "queued",
	[CACHE_EV_UNHIT] = "unhit",
};

/* An "unhit" takes a hit back (and its bytes): see fold_log(). */
static const char *const ev_sums[] = {
	[CACHE_EV_HIT] = "hits",	[CACHE_EV_MISS] = "misses",
	[CACHE_EV_BAD] = "bad_entries", [CACHE_EV_FALLBACK] = "fallbacks",
	[CACHE_EV_QUEUED] = "queued",	[CACHE_EV_UNHIT] = "hits",
};

#define NEV (sizeof(ev_names) / sizeof(ev_names[0]))

int cache_stats_add(const char *dir, enum cache_event ev, uint64_t n, const char *reason)
{
	char path[PATH_MAX], line[256], r[180];
	int fd, len, err = 0;
	size_t i;

	if ((size_t)ev >= NEV)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/stats.log", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* A reason is one token: the line format has no quoting. */
	snprintf(r, sizeof(r), "%s", reason && *reason ? reason : "-");
	for (i = 0; r[i]; i++)
		if ((unsigned char)r[i] <= ' ' || (unsigned char)r[i] >= 0x7f)
			r[i] = '_';
	len = snprintf(line, sizeof(line), "%s %llu %s\n", ev_names[ev], (unsigned long long)n, r);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, line, len) != len)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

static void add_reason(json_t *obj, const char *reason, json_int_t n)
{
	json_t *v = json_object_get(obj, reason);

	json_object_set_new(obj, reason, json_integer(json_integer_value(v) + n));
}

static void add_sum(json_t *s, const char *name, json_int_t n)
{
	json_object_set_new(s, name,
			    json_integer(json_integer_value(json_object_get(s, name)) + n));
}

static json_t *stats_zero(void)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:{},s:{}}", "hits", (json_int_t)0, "misses",
			 (json_int_t)0, "bad_entries", (json_int_t)0, "fallbacks", (json_int_t)0,
			 "queued", (json_int_t)0, "bytes_saved", (json_int_t)0, "fallback_reasons",
			 "bad_reasons");
}

/* Add the events of the log at @path to @s. */
static int fold_log(json_t *s, const char *path)
{
	char line[512], ev[32], reason[256];
	unsigned long long n;
	FILE *f;
	size_t i;

	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') || sscanf(line, "%31s %llu %255s", ev, &n, reason) != 3)
			continue;
		for (i = 0; i < NEV && strcmp(ev, ev_names[i]); i++)
			;
		if (i == NEV)
			continue;
		add_sum(s, ev_sums[i], i == CACHE_EV_UNHIT ? -1 : 1);
		if (i == CACHE_EV_HIT)
			add_sum(s, "bytes_saved", (json_int_t)n);
		else if (i == CACHE_EV_UNHIT)
			add_sum(s, "bytes_saved", -(json_int_t)n);
		else if (i == CACHE_EV_FALLBACK)
			add_reason(json_object_get(s, "fallback_reasons"), reason, 1);
		else if (i == CACHE_EV_BAD)
			add_reason(json_object_get(s, "bad_reasons"), reason, 1);
	}
	fclose(f);
	return 0;
}

/* The sums of stats.json, or zeros; malformed sums count as none. */
static json_t *load_sums(const char *dir)
{
	static const char *const objs[] = {"fallback_reasons", "bad_reasons"};
	char path[PATH_MAX];
	json_t *s, *z, *v;
	const char *k;
	size_t i;

	z = stats_zero();
	snprintf(path, sizeof(path), "%s/stats.json", dir);
	s = json_load_file(path, 0, NULL);
	if (!json_is_object(s) || !z) {
		json_decref(s);
		return z;
	}
	json_object_foreach(z, k, v)
	{
		json_t *sv = json_object_get(s, k);

		if (json_is_integer(v) && json_is_integer(sv))
			json_object_set(z, k, sv);
	}
	for (i = 0; i < 2; i++) {
		json_t *src = json_object_get(s, objs[i]), *dst = json_object_get(z, objs[i]);

		json_object_foreach(src, k, v) if (json_is_integer(v))
			add_reason(dst, k, json_integer_value(v));
	}
	json_decref(s);
	return z;
}

json_t *cache_stats_read(const char *dir, char *msg, size_t msgsz)
{
	char path[PATH_MAX];
	json_t *s = load_sums(dir);
	int err;

	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/stats.log", dir);
	err = fold_log(s, path);
	if (err) {
		snprintf(msg, msgsz, "%s: %s", path, strerror(-err));
		json_decref(s);
		errno = -err;
		return NULL;
	}
	return s;
}

/* Add the log @old to stats.json (atomically), then remove it. */
static int fold_into_sums(const char *dir, const char *old, char *msg, size_t msgsz)
{
	char path[PATH_MAX];
	json_t *s = load_sums(dir);
	char *text = NULL;
	int err;

	err = s ? fold_log(s, old) : -ENOMEM;
	if (!err) {
		text = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
		err = text ? 0 : -ENOMEM;
	}
	json_decref(s);
	if (!err) {
		snprintf(path, sizeof(path), "%s/stats.json", dir);
		err = cache_write_atomic(path, text, strlen(text), 0, msg, msgsz);
	}
	free(text);
	if (!err && unlink(old) && errno != ENOENT)
		err = -errno;
	return err;
}

int cache_stats_compact(const char *dir, char *msg, size_t msgsz)
{
	char log[PATH_MAX], old[PATH_MAX], path[PATH_MAX];
	int lock, err = 0;

	snprintf(path, sizeof(path), "%s/stats.lock", dir);
	lock = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX)) {
		err = -errno;
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		if (lock >= 0)
			close(lock);
		return err;
	}
	snprintf(log, sizeof(log), "%s/stats.log", dir);
	snprintf(old, sizeof(old), "%s/stats.log.folding", dir);
	/* A fold that died after its rename left its log behind: finish it first. */
	if (!access(old, F_OK))
		err = fold_into_sums(dir, old, msg, msgsz);
	if (!err && rename(log, old)) {
		if (errno != ENOENT) {
			err = -errno;
			snprintf(msg, msgsz, "rename %s: %s", log, strerror(errno));
		}
		goto out;
	}
	if (!err)
		err = fold_into_sums(dir, old, msg, msgsz);
out:
	close(lock);
	return err;
}
