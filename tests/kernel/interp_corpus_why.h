/* SPDX-License-Identifier: MIT */
/*
 * What tests/kernel/test_interp_corpus.c does not compare, and why: programs
 * left out by hand (not_comparable), the explanations said after a reason
 * the test finds by itself (explained), and kfunc ids named from the
 * kernel's BTF.  Included by that test alone (static functions).
 */
#ifndef BPFSYNTH_TESTS_KERNEL_INTERP_CORPUS_WHY_H
#define BPFSYNTH_TESTS_KERNEL_INTERP_CORPUS_WHY_H

#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/*
 * Programs whose result the kernel does not determine from the input, found
 * by this test and checked by reading their source, that the interpreter does
 * not flag by itself (uninit_stack flags reads of stack bytes not written).
 */
static const struct {
	const char *obj, *prog, *why;
} not_comparable[] = {
	{NULL, NULL, NULL},
};

/*
 * What stays not compared and why, found by reading the program: said after
 * the reason the test finds by itself (which is what is counted, so a change
 * in the interpreter still shows).
 */
static const struct {
	const char *obj, *prog, *why;
} explained[] = {
	{NULL, NULL, NULL},
};

static const char *explanation(const char *obj, const char *prog)
{
	size_t i;

	for (i = 0; explained[i].obj; i++)
		if (!strcmp(obj, explained[i].obj) && !strcmp(prog, explained[i].prog))
			return explained[i].why;
	return NULL;
}

/*
 * "unsupported kfunc call N" names N by the kernel's BTF, as libbpf
 * resolved it: vmlinux's when the call's off is 0, else a module's.
 */
static void kfunc_name(const struct bpf_insn *insns, size_t cnt, uint32_t at, char *buf,
		       size_t bufsz)
{
	static struct btf *vmlinux;
	const struct btf_type *t;

	buf[0] = 0;
	if (at >= cnt || insns[at].code != (BPF_JMP | BPF_CALL) ||
	    insns[at].src_reg != BPF_PSEUDO_KFUNC_CALL)
		return;
	if (insns[at].off) {
		snprintf(buf, bufsz, " (in the module BTF at fd_array[%d])", insns[at].off);
		return;
	}
	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux || libbpf_get_error(vmlinux)) {
		vmlinux = NULL;
		return;
	}
	t = btf__type_by_id(vmlinux, insns[at].imm);
	if (t)
		snprintf(buf, bufsz, " (%s in vmlinux's BTF)",
			 btf__name_by_offset(vmlinux, t->name_off));
}

static const char *skip_reason(const char *obj, const char *prog)
{
	size_t i;

	for (i = 0; not_comparable[i].obj; i++)
		if (!strcmp(obj, not_comparable[i].obj) && !strcmp(prog, not_comparable[i].prog))
			return not_comparable[i].why;
	return NULL;
}

#endif
