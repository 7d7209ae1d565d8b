// SPDX-License-Identifier: MIT
/*
 * core/interp: the helpers about the task a program runs in and the kernel
 * memory around it -- bpf_get_current_pid_tgid/_uid_gid/_comm,
 * bpf_probe_read_kernel(_str), bpf_trace_printk's formatting -- with what a
 * test run shows (kernel/bpf/helpers.c, kernel/trace/bpf_trace.c).
 *
 * The task is the input's (interp_input.task_known; a test run's is the
 * caller's); without it these helpers are not modelled.  bpf_probe_read_kernel
 * copies memory the interpreter has -- the stack, the packet, map values,
 * flow keys, a tracing program's ctx bytes -- when the whole range is there;
 * any other address is the kernel's memory, which we do not have: not
 * modelled (not a fault: the helper takes any address), unless the input
 * asks for an arbitrary one of the kernel's possible outcomes
 * (interp_input.kmem_seed; unknown_kmem()).  bpf_get_current_task() gives
 * the input's address of the task.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/interp_internal.h"

/*
 * bpf_trace_printk(fmt, fmt_size, a1, a2, a3): the format checks of
 * bpf_bprintf_prepare() (kernel/bpf/helpers.c: printable ASCII up to a NUL
 * inside fmt_size, at most three conversions of "%[0+- ][width][l[l]]
 * d|i|u|x|X" or %c, %%), then the length bstr_printf() gives, which is what
 * the helper returns.  %s and %p read kernel memory: not modelled.
 * 1 and *@ret, 0 when unsupported.
 */
int interp_trace_printk(const char *fmt, uint32_t fmt_size, const uint64_t *args, int64_t *ret)
{
	char out[1024], spec[32];
	const char *end = memchr(fmt, 0, fmt_size);
	uint32_t i, n = 0, nspec = 0;

	if (!end) {
		*ret = -EINVAL;
		return 1;
	}
	fmt_size = (uint32_t)(end - fmt);
	for (i = 0; i < fmt_size; i++) {
		uint32_t j, size = 4;
		char conv;
		int w;

		if (((fmt[i] < 0x20 || fmt[i] > 0x7e) && !(fmt[i] >= 9 && fmt[i] <= 13))) {
			*ret = -EINVAL;
			return 1;
		}
		if (fmt[i] != '%') {
			n++;
			continue;
		}
		if (fmt[i + 1] == '%') {
			n++;
			i++;
			continue;
		}
		if (nspec >= 3) {
			*ret = -EINVAL;
			return 1;
		}
		j = i++;
		while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ')
			i++;
		if (fmt[i] >= '1' && fmt[i] <= '9')
			while (fmt[i] >= '0' && fmt[i] <= '9')
				i++;
		if (fmt[i] == 'p' || fmt[i] == 's')
			return 0;
		if (fmt[i] == 'l') {
			size = 8;
			i++;
			if (fmt[i] == 'l')
				i++;
		}
		conv = fmt[i];
		if (size == 4 && conv == 'c') {
			/* fine */
		} else if (conv != 'i' && conv != 'd' && conv != 'u' && conv != 'x' &&
			   conv != 'X') {
			*ret = -EINVAL;
			return 1;
		}
		if (i - j + 1 + 3 > sizeof(spec))
			return 0;
		memcpy(spec, fmt + j, i - j); /* "%" flags width, without l's */
		spec[i - j] = 0;
		while (strchr(spec, 'l'))
			memmove(strchr(spec, 'l'), strchr(spec, 'l') + 1, strlen(strchr(spec, 'l')));
		if (size == 8) {
			strcat(spec, "ll");
			spec[strlen(spec) + 1] = 0;
			spec[strlen(spec)] = conv;
			w = snprintf(out, sizeof(out), spec, (unsigned long long)args[nspec]);
		} else {
			spec[strlen(spec) + 1] = 0;
			spec[strlen(spec)] = conv;
			if (conv == 'c')
				w = snprintf(out, sizeof(out), spec, (unsigned char)args[nspec]);
			else
				w = snprintf(out, sizeof(out), spec, (unsigned int)args[nspec]);
		}
		n += (uint32_t)w;
		nspec++;
	}
	*ret = n;
	return 1;
}

/*
 * Host bytes of [addr, addr + size) if the interpreter has all of them (no
 * permission needed: reading), else NULL.  A tracing program's ctx counts up
 * to the bytes the input gave (a test run's ctx is a copy of exactly those).
 */
static const uint8_t *kernel_bytes(struct interp_ctx *c, uint64_t addr, uint32_t size)
{
	uint64_t i = (addr - INTERP_ADDR_BASE) >> 32;
	int64_t off;

	if (i == R_CTX && interp_is_trace_type(c->type)) {
		off = (int64_t)(addr - c->regions[R_CTX].base);
		return off >= 0 && off + size <= c->ctx_len ? c->ctxbuf + off : NULL;
	}
	return interp_xlate(c, addr, size, false);
}

/* splitmix64's finalizer: the bytes of memory we do not have, from the seed */
static uint64_t kmem_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * bpf_probe_read_kernel(_str) of a range the interpreter does not hold,
 * with interp_input.kmem_seed: copy_from_kernel_nofault() and
 * strncpy_from_kernel_nofault() either copy (what, we do not know: bytes
 * from the seed, the call and the address) or fail with -EFAULT (a fault
 * on the way) or -ERANGE (an address x86 does not allow), and the helper
 * then zeroes the buffer (bpf_probe_read_kernel_common()).  Which one, the
 * seed says too: a caller runs with several seeds to see what depends on it.
 */
static int64_t unknown_kmem(struct interp_ctx *c, struct interp_call *call, bool str,
			    uint8_t *buf, uint64_t addr, uint32_t size)
{
	uint64_t h = kmem_mix(c->in->kmem_seed ^ kmem_mix(addr) ^ c->kmem_calls++);
	uint32_t n;

	c->kmem_read = true;
	if (h % 4 >= 2) {
		memset(buf, 0, size);
		interp_trace_mem(c, call, buf, size);
		return h % 4 == 2 ? -EFAULT : -ERANGE;
	}
	for (n = 0; n < size; n++) {
		/* a string's NUL comes within 16 bytes or so, as a name's would */
		uint8_t b = (uint8_t)(kmem_mix(h + n) >> 8);

		if (str && (b % 16 == 0 || n + 1 == size))
			b = 0;
		buf[n] = b;
		if (str && !b)
			break;
	}
	n = str ? n + 1 : size;
	interp_trace_mem(c, call, buf, n);
	return str ? (int64_t)n : 0;
}

int interp_task_helper(struct interp_ctx *c, struct interp_result *res, uint32_t pc,
		       struct interp_call *call, int32_t id, const uint64_t *r, int64_t *ret)
{
	uint32_t size = (uint32_t)r[2];
	const uint8_t *src;
	uint8_t *buf;

	switch (id) {
	case BPF_FUNC_probe_read_kernel:
	case BPF_FUNC_probe_read_kernel_str: {
		/* (dst, size, unsafe_ptr) */
		buf = interp_helper_wbuf(c, res, pc, r[1], size);
		if (!buf)
			return -EFAULT;
		*ret = 0;
		if (!size)
			return 0;
		if (id == BPF_FUNC_probe_read_kernel_str) {
			/*
			 * strncpy_from_kernel_nofault(): byte by byte up to a NUL or
			 * size bytes, the last one then made NUL; the length copied
			 */
			uint32_t n;

			if (c->in->kmem_seed && !kernel_bytes(c, r[3], 1)) {
				*ret = unknown_kmem(c, call, true, buf, r[3], size);
				interp_helper_wrote(c, r[1], *ret > 0 ? (uint32_t)*ret : size);
				return 0;
			}
			for (n = 0; n < size; n++) {
				src = kernel_bytes(c, r[3] + n, 1);
				if (!src && c->in->kmem_seed) {
					/* the rest is the kernel's: from the first byte we lack */
					int64_t k = unknown_kmem(c, call, true, buf + n, r[3] + n,
								 size - n);

					if (k < 0) {
						memset(buf, 0, size);
						*ret = k;
						interp_helper_wrote(c, r[1], size);
					} else {
						*ret = n + k;
						interp_helper_wrote(c, r[1], n + (uint32_t)k);
					}
					return 0;
				}
				if (!src)
					goto unmodelled;
				buf[n] = *src;
				if (!*src)
					break;
			}
			if (n == size)
				buf[--n] = 0;
			interp_trace_mem(c, call, buf, n + 1);
			interp_helper_wrote(c, r[1], n + 1);
			*ret = n + 1;
			return 0;
		}
		src = kernel_bytes(c, r[3], size);
		if (!src && c->in->kmem_seed) {
			*ret = unknown_kmem(c, call, false, buf, r[3], size);
			interp_helper_wrote(c, r[1], size);
			return 0;
		}
		if (!src)
			goto unmodelled;
		memmove(buf, src, size);
		interp_trace_mem(c, call, buf, size);
		interp_helper_wrote(c, r[1], size);
		return 0;
	}
	case BPF_FUNC_get_current_task:
		if (!c->in->current_task)
			break;
		*ret = (int64_t)c->in->current_task;
		return 0;
	}
	if (!c->in->task_known || id == BPF_FUNC_get_current_task) {
		interp_fault(res, INTERP_UNSUPPORTED, pc, "unsupported helper %d", id);
		return -EOPNOTSUPP;
	}
	if (id == BPF_FUNC_get_current_pid_tgid) {
		*ret = (int64_t)c->in->pid_tgid;
	} else if (id == BPF_FUNC_get_current_uid_gid) {
		*ret = (int64_t)c->in->uid_gid;
	} else { /* get_current_comm(buf, size) */
		/* strscpy_pad(): the name, NUL, zeroes; at most size - 1 bytes of it */
		uint32_t bsize = (uint32_t)r[2], n = (uint32_t)strnlen(c->in->comm, 15);

		buf = interp_helper_wbuf(c, res, pc, r[1], bsize);
		if (!buf)
			return -EFAULT;
		if (bsize) {
			if (n > bsize - 1)
				n = bsize - 1;
			memset(buf, 0, bsize);
			memcpy(buf, c->in->comm, n);
			interp_helper_wrote(c, r[1], bsize);
		}
		*ret = 0;
	}
	return 0;
unmodelled:
	interp_fault(res, INTERP_UNSUPPORTED, pc, "helper %d reads kernel memory we do not have "
		     "(0x%llx)", id, (unsigned long long)r[3]);
	return -EOPNOTSUPP;
}
