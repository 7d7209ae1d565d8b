// SPDX-License-Identifier: MIT
/*
 * preload/spawn: async mode starts `bpfsynth worker` when it queues a program.
 *
 * At most one worker runs per cache: it holds an flock on <cache>/worker.lock
 * while it works (tools/worker.c).  We test that lock (a worker that is
 * running will see the new queue entry) and start one only if it is free;
 * two loaders racing here start two workers, and the second one finds the
 * lock taken and exits at once.
 *
 * The binary is BPFSYNTH_WORKER or the config's "worker" (an absolute path;
 * "off" disables this), else `bpfsynth` in PATH.  If there is none, the
 * program stays queued (for `bpfsynth worker` run by hand or by a timer) and
 * the log says so.
 *
 * The worker must not belong to the loader: posix_spawn() (a vfork, so no
 * fork handlers of the host run and no copy of its memory is made) with its
 * own session (POSIX_SPAWN_SETSID), default signal dispositions and mask,
 * stdin/stdout/stderr on /dev/null, every other fd of the host closed, and
 * LD_PRELOAD removed from its environment.  `worker --spawned` forks once more
 * and its first process exits at once, so we reap it right away: the host is
 * left with no child of ours (it may see one SIGCHLD).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "preload/pl_internal.h"

extern char **environ;

/* The worker binary into @buf; -ENOENT if none. */
static int pl_worker_path(const struct config *cfg, char *buf, size_t bufsz)
{
	const char *path, *p, *colon;
	size_t n;

	if (!strcmp(cfg->worker, "off"))
		return -ENOENT;
	if (cfg->worker[0]) {
		snprintf(buf, bufsz, "%s", cfg->worker);
		return access(buf, X_OK) ? -errno : 0;
	}
	path = secure_getenv("PATH");
	for (p = path; p && *p; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		/* Only absolute directories: a relative PATH entry depends on the host's cwd. */
		if (!n || *p != '/' || n + sizeof("/bpfsynth") > bufsz)
			continue;
		memcpy(buf, p, n);
		memcpy(buf + n, "/bpfsynth", sizeof("/bpfsynth"));
		if (!access(buf, X_OK))
			return 0;
		if (!colon)
			break;
	}
	return -ENOENT;
}

/* Whether a worker holds the lock of @dir now. */
static bool pl_worker_running(const char *dir)
{
	char path[PATH_MAX];
	bool busy;
	int fd;

	if (snprintf(path, sizeof(path), "%s/worker.lock", dir) >= (int)sizeof(path))
		return true; /* then no worker could lock it either: do not start one */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return true;
	busy = flock(fd, LOCK_EX | LOCK_NB) != 0;
	close(fd); /* releases our lock, if we got it */
	return busy;
}

void pl_worker_start(const struct config *cfg)
{
	char bin[PATH_MAX], dir[PATH_MAX];
	char *argv[] = {bin, "worker", "--dir", dir, "--spawned", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	char **envp;
	size_t i, n;
	pid_t pid;
	int err;

	if (pl_worker_path(cfg, bin, sizeof(bin))) {
		if (strcmp(cfg->worker, "off"))
			log_info("no worker started: %s not found (the program stays queued)",
				 cfg->worker[0] ? cfg->worker : "bpfsynth in PATH");
		return;
	}
	if (pl_worker_running(cfg->cache_dir))
		return;
	snprintf(dir, sizeof(dir), "%s", cfg->cache_dir);
	for (n = 0; environ && environ[n]; n++)
		;
	envp = calloc(n + 1, sizeof(*envp));
	if (!envp)
		return;
	for (i = 0, n = 0; environ && environ[i]; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11))
			envp[n++] = environ[i];
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	err = posix_spawn(&pid, bin, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(envp);
	if (err) {
		log_warn("cannot start %s worker: %s", bin, strerror(err));
		return;
	}
	/* `worker --spawned` returns at once, leaving its detached child to work. */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	log_info("started %s worker (cache %s)", bin, dir);
}
