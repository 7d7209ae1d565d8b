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
 * The worker must not belong to the loader, nor disturb it: no fork handler
 * of the host may run, no SIGCHLD may reach it, and its own waitpid(-1) must
 * not find a child of ours.  fork() fails the first, posix_spawn() (a
 * clone(CLONE_VM | CLONE_VFORK)) the second and third; and a child that
 * calls execve() has its exit signal turned back into SIGCHLD by the kernel
 * (exit_notify(): its exec id changed), whatever clone() was told.  So
 * pl_spawn_wait() uses two children:
 *
 *  - a middle one, clone(CLONE_VM | CLONE_VFORK) with exit signal 0, which
 *    never calls execve(): the host is told nothing when it ends, and only
 *    waitpid(__WALL) sees it;
 *  - the worker, its child, clone(CLONE_VM | CLONE_VFORK | SIGCHLD), which
 *    sets up and calls execve(); its SIGCHLD goes to the middle one.
 *
 * Neither copies the host's memory (they borrow it until the middle one
 * exits; the host thread waits inside clone(), with every signal blocked so
 * that no handler of the host ever runs in a child).  The middle child resets
 * every disposition to the default and closes the host's fds (in sync mode it
 * keeps them: it answers the worker's judge requests with the caller's attr
 * and maps, optimize.c), waits for the worker up to a deadline (then kills
 * it) and exits; the host thread reaps it.  The worker gets an empty signal mask, stdin, stdout and stderr on
 * /dev/null, no other fd of the host, and an environment without LD_PRELOAD.
 *
 * Async mode starts `worker --spawned` in its own session; it forks once more
 * and its first process exits at once, so the wait is short.  Sync mode
 * (optimize.c) runs `worker --key KEY` and waits for it: up to twice the
 * budget plus 10 s, during which signals to that thread of the host wait
 * too (a ^C on the terminal reaches the children, which end, and then it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "preload/pl_internal.h"

extern char **environ;

/* The worker binary into @buf; -ENOENT if none. */
int pl_worker_path(const struct config *cfg, char *buf, size_t bufsz)
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

/*
 * Shared by the host, the middle child and the worker process (all one
 * memory until the worker's execve()).  The children write only @err,
 * @status and @timed_out.
 */
struct pl_child {
	const char *bin;
	char *const *argv;
	char *const *envp;
	bool setsid;
	double deadline; /* then the worker is killed */
	void *stack2;	 /* the worker's stack (top) until its execve() */
	int err;	 /* errno of a failed clone() or execve() */
	int status;	 /* the worker's wait status */
	bool timed_out;
	/*
	 * Sync mode: the middle child answers the worker's requests on
	 * @serve_fd with @serve (optimize.c: the kernel's verdict on a
	 * candidate loaded with the caller's attr and fds, which the middle
	 * child has: the host's memory and a copy of its fd table); the worker
	 * keeps @pass_fd, the other end, across its execve().  -1: none.
	 */
	int serve_fd, pass_fd;
	int (*serve)(void *arg, int fd);
	void *serve_arg;
};

static double pl_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The worker process, until its execve(): signals, session, stdio, fds. */
static int pl_exec_main(void *arg)
{
	struct pl_child *c = arg;
	sigset_t none;
	int fd;

	if (c->setsid)
		setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
		c->err = errno ? errno : EBADF;
		_exit(127);
	}
	if (c->pass_fd >= 3) {
		close_range(3, (unsigned int)c->pass_fd - 1, 0);
		close_range((unsigned int)c->pass_fd + 1, ~0u, 0);
		fcntl(c->pass_fd, F_SETFD, 0); /* the worker's, across execve() */
	} else {
		close_range(3, ~0u, 0);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(c->bin, c->argv, c->envp);
	c->err = errno;
	_exit(127);
}

/*
 * The middle child: it never calls execve(), so its exit signal stays 0 (the
 * kernel turns an exec'd child's back into SIGCHLD); it starts the worker as
 * its own child, waits for it up to the deadline and reports through @c.
 * Only this process's signal handlers, mask and fd table change here.
 */
static int pl_middle_main(void *arg)
{
	struct pl_child *c = arg;
	struct timespec ms = {0, 1000000};
	struct pollfd pfd;
	struct sigaction sa;
	sigset_t none;
	pid_t pid, w;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* the host's handlers must not run here */
	/* Holding none of the host's files open, unless the judge needs its fds. */
	if (c->serve_fd < 0)
		close_range(3, ~0u, 0);
	/* Blocked: the worker unblocks its own after its setup. */
	pid = clone(pl_exec_main, c->stack2, CLONE_VM | CLONE_VFORK | SIGCHLD, c);
	if (pid < 0) {
		c->err = errno;
		_exit(1);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* a ^C on the terminal ends us too */
	if (c->pass_fd >= 0)
		close(c->pass_fd);
	for (;;) {
		/* The socket has send and receive timeouts: a stuck worker cannot hold us. */
		pfd = (struct pollfd){c->serve_fd, POLLIN, 0};
		if (c->serve_fd >= 0 && poll(&pfd, 1, 1) > 0) {
			if (c->serve(c->serve_arg, c->serve_fd) < 0) {
				close(c->serve_fd);
				c->serve_fd = -1;
			}
			continue;
		}
		w = waitpid(pid, &c->status, WNOHANG);
		if (w == pid)
			_exit(0);
		if (w < 0 && errno != EINTR) {
			c->err = errno;
			_exit(1);
		}
		if (pl_seconds() > c->deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &c->status, 0) < 0 && errno == EINTR)
				;
			c->timed_out = true;
			_exit(0);
		}
		if (c->serve_fd < 0)
			nanosleep(&ms, NULL);
	}
}

#define PL_CHILD_STACK (64u << 10)

/*
 * Run @bin (see the top of this file) until it exits or @deadline (then it is
 * killed).  0 with its wait status in *@status, -ETIMEDOUT, or -errno.  The
 * calling thread waits, with every signal blocked, inside clone(): the middle
 * child holds it (CLONE_VFORK) until the worker is done.
 */
static int pl_spawn_wait(struct pl_child *cp, int *status)
{
	struct pl_child c = *cp;
	sigset_t all, old;
	char **envp;
	size_t i, n;
	char *stack;
	pid_t pid;
	int err;

	for (n = 0; environ && environ[n]; n++)
		;
	envp = calloc(n + 1, sizeof(*envp));
	if (!envp)
		return -ENOMEM;
	for (i = 0, n = 0; environ && environ[i]; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11))
			envp[n++] = environ[i];
	c.envp = envp;
	stack = mmap(NULL, 2 * PL_CHILD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		free(envp);
		return -ENOMEM;
	}
	c.stack2 = stack + 2 * PL_CHILD_STACK;
	/* No signal may reach a child before it has reset the host's handlers. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* Exit signal 0: no SIGCHLD for the host, and only __WALL finds this child. */
	pid = clone(pl_middle_main, stack + PL_CHILD_STACK, CLONE_VM | CLONE_VFORK, &c);
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid > 0)
		while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
			;
	munmap(stack, 2 * PL_CHILD_STACK);
	free(envp);
	if (pid < 0)
		return -err;
	if (c.err)
		return -c.err;
	*status = c.status;
	return c.timed_out ? -ETIMEDOUT : 0;
}

void pl_worker_start(const struct config *cfg)
{
	char bin[PATH_MAX], dir[PATH_MAX];
	char *argv[] = {bin, "worker", "--dir", dir, "--spawned", NULL};
	struct pl_child c = {.bin = bin, .argv = argv, .setsid = true, .serve_fd = -1,
			     .pass_fd = -1};
	int err, status;

	if (pl_worker_path(cfg, bin, sizeof(bin))) {
		if (strcmp(cfg->worker, "off"))
			log_info("no worker started: %s not found (the program stays queued)",
				 cfg->worker[0] ? cfg->worker : "bpfsynth in PATH");
		return;
	}
	if (pl_worker_running(cfg->cache_dir))
		return;
	snprintf(dir, sizeof(dir), "%s", cfg->cache_dir);
	/* `worker --spawned` returns at once, leaving its detached child to work. */
	c.deadline = pl_seconds() + 10;
	err = pl_spawn_wait(&c, &status);
	if (err) {
		log_warn("cannot start %s worker: %s", bin, strerror(-err));
		return;
	}
	log_info("started %s worker (cache %s)", bin, dir);
}

/* A socket end at fd 3 or above (0-2 become /dev/null in the worker), close-on-exec. */
static int pl_high_fd(int fd)
{
	int h;

	if (fd >= 3)
		return fd;
	h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return h;
}

int pl_worker_run(const struct config *cfg, const char *bin, const char *key,
		  int (*serve)(void *arg, int fd), void *serve_arg, char *why, size_t whysz)
{
	char dir[PATH_MAX], budget[32], jobs[16], k[CACHE_KEY_LEN + 1], jfd[16];
	char *argv[] = {(char *)bin, "worker", "--dir", dir, "--key", k, "--budget", budget,
			"--jobs", jobs, NULL, NULL, NULL};
	/* The budget plus time to start, check and write; then the worker is killed. */
	struct pl_child c = {.bin = bin, .argv = argv,
			     .deadline = pl_seconds() + cfg->budget_ms / 1000.0 * 2 + 10,
			     .serve_fd = -1, .pass_fd = -1, .serve = serve, .serve_arg = serve_arg};
	struct timeval tmo = {2, 0};
	int status = 0, err, sv[2];

	snprintf(dir, sizeof(dir), "%s", cfg->cache_dir);
	snprintf(k, sizeof(k), "%s", key);
	snprintf(budget, sizeof(budget), "%llums", (unsigned long long)cfg->budget_ms);
	snprintf(jobs, sizeof(jobs), "%u", cfg->jobs ? cfg->jobs : 1);
	/* No judge socket: the worker judges offline, as warm does. */
	if (serve && !socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		c.serve_fd = pl_high_fd(sv[0]);
		c.pass_fd = pl_high_fd(sv[1]);
		if (c.serve_fd < 0 || c.pass_fd < 0 ||
		    setsockopt(c.serve_fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) ||
		    setsockopt(c.serve_fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo))) {
			if (c.serve_fd >= 0)
				close(c.serve_fd);
			if (c.pass_fd >= 0)
				close(c.pass_fd);
			c.serve_fd = c.pass_fd = -1;
		} else {
			snprintf(jfd, sizeof(jfd), "%d", c.pass_fd);
			argv[10] = "--judge-fd";
			argv[11] = jfd;
		}
	}
	err = pl_spawn_wait(&c, &status);
	if (c.serve_fd >= 0)
		close(c.serve_fd);
	if (c.pass_fd >= 0)
		close(c.pass_fd);
	if (err == -ETIMEDOUT) {
		snprintf(why, whysz, "the optimizer overran its budget");
		return err;
	}
	if (err) {
		snprintf(why, whysz, "cannot run %s worker: %s", bin, strerror(-err));
		return err;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, whysz, "the worker %s %d",
			 WIFEXITED(status) ? "exited with" : "died of signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -ECHILD;
	}
	return 0;
}
