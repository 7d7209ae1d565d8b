// SPDX-License-Identifier: MIT
/*
 * libbpfsynth.so: the syscall() interposer.
 *
 * glibc has no bpf() wrapper, so libbpf, bpftool, libxdp and iproute2 all reach
 * the kernel through syscall(__NR_bpf, ...).  Loaded with LD_PRELOAD, this file
 * defines syscall() ahead of glibc's and forwards every call to the next
 * definition (glibc's), found once with dlsym(RTLD_NEXT) under pthread_once,
 * as libfaketime and proxychains-ng do.
 *
 * For now every call, BPF_PROG_LOAD included, is forwarded untouched: the
 * cache lookup and the optimized load come with the proxy's own issue.  The
 * forwarding path is the one `BPFSYNTH_MODE=off` will keep: six long
 * arguments, as the kernel ABI passes them, whatever the caller supplied
 * (glibc's syscall() reads the same six registers).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>

typedef long (*pl_syscall_fn)(long number, ...);

static pl_syscall_fn pl_real_syscall;
static pthread_once_t pl_once = PTHREAD_ONCE_INIT;

static void pl_init(void)
{
	pl_real_syscall = (pl_syscall_fn)dlsym(RTLD_NEXT, "syscall");
}

__attribute__((visibility("default"))) long syscall(long number, ...)
{
	long a[6];
	va_list ap;
	int i;

	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	pthread_once(&pl_once, pl_init);
	if (!pl_real_syscall) {
		errno = ENOSYS;
		return -1;
	}
	return pl_real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
