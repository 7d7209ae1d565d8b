/* SPDX-License-Identifier: MIT */
/*
 * tests/kernel/test_interp_diff.c's runner: programs into the kernel
 * (load() with BTF func info for BPF-to-BPF calls, the verifier's log kept),
 * one BPF_PROG_TEST_RUN (krun, krun_ctx), and the printing of a reproducer
 * (print_prog; its bytes by the harness's kh_print_bytes).  Included by that
 * test alone (static functions, as interp_kmaps.h).
 */
#ifndef BPFSYNTH_TESTS_KERNEL_INTERP_DIFF_RUN_H
#define BPFSYNTH_TESTS_KERNEL_INTERP_DIFF_RUN_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "tests/kernel/harness.h"
#include "core/asm.h"
#include "core/interp.h"
#include "tests/unit/insn_macros.h"

#define MAX_SLOTS 1024
#define PKT_MAX 256
#define OUT_MAX 4096

static char vlog[1 << 16];

static bool bpf_ok(char *why, size_t whysz)
{
	const struct bpf_insn prog[] = { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() };
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", prog, 2, NULL);

	if (fd < 0) {
		snprintf(why, whysz, "bpf() not permitted: %s", strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

static void print_prog(const struct bpf_insn *insns, size_t len)
{
	char buf[ASM_LINE_SIZE];
	size_t i;

	for (i = 0; i < len; i++) {
		const struct bpf_insn *in = &insns[i];

		buf[0] = 0;
		if (asm_format_insn(insns, len, i, buf, sizeof(buf)) < 0 && !buf[0])
			snprintf(buf, sizeof(buf), "?");
		fprintf(stderr, "  %4zu: %02x %x %x %6d %11d    %s\n", i, in->code, in->dst_reg,
			in->src_reg, in->off, in->imm, buf);
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < len) {
			i++;
			fprintf(stderr, "  %4zu: %02x %x %x %6d %11d\n", i, insns[i].code,
				insns[i].dst_reg, insns[i].src_reg, insns[i].off, insns[i].imm);
		}
	}
}

/*
 * BTF for a program with subprograms: "int f(void *)" at each function start.
 * The verifier wants it for some programs (LD_ABS in a subprogram, whose
 * implicit exit must return an int).  Returns the BTF fd, or -errno.
 */
static int func_btf(const struct bpf_insn *insns, size_t len, struct bpf_func_info *fi,
		    uint32_t *nfi)
{
	struct btf *btf = btf__new_empty();
	int int_id, ptr_id, proto, fn, fd;
	size_t i;

	if (!btf)
		return -errno;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ptr_id = btf__add_ptr(btf, 0);
	proto = btf__add_func_proto(btf, int_id);
	btf__add_func_param(btf, "ctx", ptr_id);
	fn = btf__add_func(btf, "f", BTF_FUNC_STATIC, proto);
	*nfi = 0;
	fi[(*nfi)++] = (struct bpf_func_info){ .insn_off = 0, .type_id = fn };
	for (i = 0; i < len; i++) {
		uint32_t t, j;

		if ((insns[i].code != (BPF_JMP | BPF_CALL) || insns[i].src_reg != BPF_PSEUDO_CALL) &&
		    (insns[i].code != (BPF_LD | BPF_IMM | BPF_DW) ||
		     insns[i].src_reg != BPF_PSEUDO_FUNC)) /* calls, callbacks */
			continue;
		t = (uint32_t)(i + 1 + insns[i].imm);
		for (j = 0; j < *nfi && fi[j].insn_off != t; j++)
			;
		if (j == *nfi && *nfi < 16)
			fi[(*nfi)++] = (struct bpf_func_info){ .insn_off = t, .type_id = fn };
	}
	/* sorted by insn_off */
	for (i = 1; i < *nfi; i++)
		for (uint32_t j = i; j > 0 && fi[j - 1].insn_off > fi[j].insn_off; j--) {
			struct bpf_func_info tmp = fi[j];

			fi[j] = fi[j - 1];
			fi[j - 1] = tmp;
		}
	fd = btf__load_into_kernel(btf) ? -errno : dup(btf__fd(btf));
	btf__free(btf);
	return fd;
}

/* Load @insns; fd, or -errno with the verifier's log in vlog. */
static int load(uint32_t type, const struct bpf_insn *insns, size_t len, bool want_log)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_func_info fi[16];
	uint32_t nfi = 0;
	int fd, btf_fd = -1;
	size_t i;

	for (i = 0; i < len; i++)
		if (insns[i].code == (BPF_LD | BPF_ABS | BPF_B) ||
		    insns[i].code == (BPF_LD | BPF_ABS | BPF_H) ||
		    insns[i].code == (BPF_LD | BPF_ABS | BPF_W) ||
		    (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		     insns[i].src_reg == BPF_PSEUDO_FUNC))
			break;
	if (i < len) { /* LD_ABS with subprograms, and callbacks, need BTF */
		for (i = 0; i < len; i++)
			if ((insns[i].code == (BPF_JMP | BPF_CALL) &&
			     insns[i].src_reg == BPF_PSEUDO_CALL) ||
			    (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			     insns[i].src_reg == BPF_PSEUDO_FUNC))
				break;
		if (i < len && (btf_fd = func_btf(insns, len, fi, &nfi)) >= 0) {
			opts.prog_btf_fd = btf_fd;
			opts.func_info = fi;
			opts.func_info_cnt = nfi;
			opts.func_info_rec_size = sizeof(fi[0]);
		}
	}
	fd = kh_load_insns(type, insns, len, &opts, want_log ? vlog : NULL, sizeof(vlog));
	if (btf_fd >= 0)
		close(btf_fd);
	if (fd < 0 && !want_log) /* load again for the log */
		return load(type, insns, len, true);
	return fd;
}

struct kout {
	uint32_t retval;
	uint8_t data[OUT_MAX];
	uint32_t len;
	struct __sk_buff skb; /* ctx_out, when asked for */
};

static int krun_ctx(int fd, const uint8_t *pkt, uint32_t len, struct kout *o, bool ctx)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = len,
		    .data_out = o->data, .data_size_out = sizeof(o->data), .repeat = 1);
	int err;

	if (ctx) {
		memset(&o->skb, 0, sizeof(o->skb));
		topts.ctx_out = &o->skb;
		topts.ctx_size_out = sizeof(o->skb);
	}
	err = bpf_prog_test_run_opts(fd, &topts);

	o->retval = topts.retval;
	o->len = topts.data_size_out;
	return err ? -errno : 0;
}

static int krun(int fd, const uint8_t *pkt, uint32_t len, struct kout *o)
{
	return krun_ctx(fd, pkt, len, o, false);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

#endif
