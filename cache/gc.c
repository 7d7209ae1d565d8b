// SPDX-License-Identifier: MIT
/*
 * cache/gc: keep a cache directory bounded and clean (see cache.h).
 *
 * Removal is unlink(): a loader that has the entry open keeps reading a whole
 * file, and one that looks it up a moment later sees a miss.  Nothing here
 * needs a lock against loaders or writers.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cache/cache.h"

#define TMP_GRACE_S 3600

struct gc_file {
	char path[PATH_MAX];
	time_t mtime;
	uint64_t size;
};

static int by_mtime(const void *a, const void *b)
{
	const struct gc_file *x = a, *y = b;

	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

static int gc_area(const char *dir, enum cache_area area, struct gc_file **files, size_t *n,
		   size_t *cap, struct cache_gc_result *r)
{
	char sub[PATH_MAX], path[PATH_MAX], msg[CACHE_MSG_SIZE];
	struct cache_entry e;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	DIR *d;
	int err;

	if (cache_path(dir, area, NULL, sub, sizeof(sub)))
		return -ENAMETOOLONG;
	d = opendir(sub);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", sub, de->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st))
			continue;
		if (strstr(de->d_name, ".tmp.")) {
			if (now - st.st_mtime > TMP_GRACE_S && !unlink(path)) {
				r->removed_tmp++;
				r->bytes_removed += st.st_size;
			}
			continue;
		}
		if (!cache_key_valid(de->d_name))
			continue; /* not ours to judge */
		err = cache_entry_read(path, &e, msg, sizeof(msg));
		if (err == -EPERM) {
			r->foreign++;
			continue;
		}
		if (err == -EBADMSG) {
			if (!unlink(path)) {
				r->removed_bad++;
				r->bytes_removed += st.st_size;
			}
			continue;
		}
		if (err)
			continue;
		cache_entry_free(&e);
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct gc_file *nf = realloc(*files, ncap * sizeof(**files));

			if (!nf) {
				closedir(d);
				return -ENOMEM;
			}
			*files = nf, *cap = ncap;
		}
		snprintf((*files)[*n].path, sizeof((*files)[*n].path), "%s", path);
		(*files)[*n].mtime = st.st_mtime;
		(*files)[*n].size = st.st_size;
		(*n)++;
	}
	closedir(d);
	return 0;
}

int cache_gc(const char *dir, int64_t max_age_s, uint64_t max_bytes, struct cache_gc_result *r,
	     char *msg, size_t msgsz)
{
	struct gc_file *files = NULL;
	size_t n = 0, cap = 0, i;
	uint64_t total = 0;
	time_t now = time(NULL);
	int err;

	memset(r, 0, sizeof(*r));
	err = cache_dir_check(dir, msg, msgsz);
	if (err)
		return err;
	err = gc_area(dir, CACHE_ENTRIES, &files, &n, &cap, r);
	if (!err)
		err = gc_area(dir, CACHE_QUEUE, &files, &n, &cap, r);
	if (!err)
		err = gc_area(dir, CACHE_REJECTED, &files, &n, &cap, r);
	if (err) {
		snprintf(msg, msgsz, "%s: %s", dir, strerror(-err));
		free(files);
		return err;
	}
	qsort(files, n, sizeof(*files), by_mtime);
	for (i = 0; i < n; i++)
		total += files[i].size;
	for (i = 0; i < n; i++) {
		bool old = max_age_s > 0 && now - files[i].mtime > max_age_s;
		bool big = max_bytes && total > max_bytes;

		if ((old || big) && !unlink(files[i].path)) {
			if (old)
				r->removed_old++;
			else
				r->removed_size++;
			r->bytes_removed += files[i].size;
			total -= files[i].size;
			continue;
		}
		r->kept++;
		r->bytes_kept += files[i].size;
	}
	free(files);
	return cache_stats_compact(dir, msg, msgsz);
}
