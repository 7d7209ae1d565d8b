/* SPDX-License-Identifier: MIT */
/*
 * tools/corerelo: which CO-RE relocations of an object leave its
 * instructions as they are, on every kernel.
 *
 * libbpf rewrites the instructions a CO-RE record names against the
 * running kernel's BTF, so `bpfsynth opt` cannot reason about a program
 * from the bytes in the object unless it knows what libbpf will make of
 * them.  For one class it does: a field byte offset (BPF_CORE_FIELD_BYTE_OFFSET)
 * into a structure whose layout is an ABI -- the UAPI context structures
 * (struct xdp_md, struct __sk_buff, ...) and the wire-format headers (struct
 * ethhdr, iphdr, ipv6hdr, udphdr, tcphdr, ...), which no kernel may lay out
 * differently -- when the object's own BTF puts the field where the running
 * kernel's BTF puts it, with the same size.  libbpf then patches in the value
 * the instruction already holds, here and on every other kernel where the
 * program loads at all.  Anything else (another kind of record, another
 * structure, a bitfield, an offset that differs) is "unstable".
 */
#ifndef BPFSYNTH_TOOLS_CORERELO_H
#define BPFSYNTH_TOOLS_CORERELO_H

#include <stddef.h>
#include <stdint.h>

struct corerelo;

/*
 * The CO-RE records of the object at @path, and the running kernel's BTF
 * (/sys/kernel/btf/vmlinux) to check them against.  NULL with errno and the
 * reason in @msg.  An object without CO-RE records opens fine.
 */
struct corerelo *corerelo__open(const char *path, char *msg, size_t msgsz);
void corerelo__free(struct corerelo *c);

/*
 * The records that name instructions of ELF section @sec at byte offsets
 * [@off, @off + @len): their number in *@n (may be NULL), and 0 if each is
 * stable, or 1 with the first unstable one and why in @why (e.g. "struct
 * sk_buff: not a structure with a fixed layout").
 */
int corerelo__check(const struct corerelo *c, const char *sec, uint64_t off, uint64_t len,
		    uint32_t *n, char *why, size_t whysz);

#endif
