/* SPDX-License-Identifier: MIT */
/*
 * tools/opt_kernel: the kernel as `bpfsynth opt`'s judge -- load one program
 * of an object through libbpf, with its instructions replaced, and read the
 * size the kernel made of it.
 */
#ifndef BPFSYNTH_TOOLS_OPT_KERNEL_H
#define BPFSYNTH_TOOLS_OPT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

/* Everything a kernel load needs: the original object's bytes and the program. */
struct kload {
	const uint8_t *image;
	size_t size;
	const char *obj_name;
	const char *prog;
	enum bpf_prog_type type; /* set when libbpf does not know the section */
};

/*
 * Load program @k->prog of the object (from @path, or from @k's image if
 * @path is NULL) alone, with its instructions replaced by @insns (ELF form,
 * NULL: as they are), and report the kernel's xlated instruction count.  0,
 * or -errno with the reason in @msg (with @why, the verifier's: it costs a
 * second load on failure, as libbpf then retries with a log).  Maps are
 * created unpinned, and those sized at run time (max_entries 0) get a size.
 */
int kernel_load(const struct kload *k, const char *path, const struct bpf_insn *insns, size_t cnt,
		bool why, uint64_t *xlated, uint64_t *jited, char *msg, size_t msgsz);

#endif
