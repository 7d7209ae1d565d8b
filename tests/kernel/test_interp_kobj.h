/* SPDX-License-Identifier: MIT */
/*
 * The running kernel's layout of the objects core/interp answers reads of
 * (interp_kobj_layout: struct bpf_map, bpf_array, bpf_htab), from its BTF
 * (/sys/kernel/btf/vmlinux), and the kernel's ids of a loaded object's maps.
 * Included by the interpreter's kernel tests (static functions).
 */
#ifndef BPFSYNTH_TESTS_KERNEL_TEST_INTERP_KOBJ_H
#define BPFSYNTH_TESTS_KERNEL_TEST_INTERP_KOBJ_H

#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core/interp.h"

/* Byte offset of member @name of struct @sname in @btf; -1 if there is none. */
static int32_t kobj_member(const struct btf *btf, const char *sname, const char *name)
{
	const struct btf_member *mb;
	const struct btf_type *t;
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	uint16_t i;

	if (id < 0 || !(t = btf__type_by_id(btf, id)))
		return -1;
	mb = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, mb++)
		if (!strcmp(btf__name_by_offset(btf, mb->name_off), name) &&
		    btf_member_bitfield_size(t, i) == 0 && btf_member_bit_offset(t, i) % 8 == 0)
			return (int32_t)(btf_member_bit_offset(t, i) / 8);
	return -1;
}

static const struct btf *kobj_vmlinux(void)
{
	static struct btf *vmlinux;

	if (!vmlinux) {
		vmlinux = btf__load_vmlinux_btf();
		if (libbpf_get_error(vmlinux))
			vmlinux = NULL;
	}
	return vmlinux;
}

/*
 * The layout of struct bpf_map, bpf_array and bpf_htab as the running
 * kernel has it: 0, or -ENOENT without the kernel's BTF.  Members inside
 * a nested struct (bpf_htab's count.counter) are at the outer member's
 * offset: atomic_t is one int.
 */
static int kobj_layout(struct interp_kobj_layout *l)
{
	const struct btf *btf = kobj_vmlinux();
	int id;

	if (!btf)
		return -ENOENT;
	*l = (struct interp_kobj_layout){
		.map_type = kobj_member(btf, "bpf_map", "map_type"),
		.key_size = kobj_member(btf, "bpf_map", "key_size"),
		.value_size = kobj_member(btf, "bpf_map", "value_size"),
		.max_entries = kobj_member(btf, "bpf_map", "max_entries"),
		.id = kobj_member(btf, "bpf_map", "id"),
		.array_elem_size = kobj_member(btf, "bpf_array", "elem_size"),
		.array_index_mask = kobj_member(btf, "bpf_array", "index_mask"),
		.htab_count = kobj_member(btf, "bpf_htab", "count"),
		.htab_n_buckets = kobj_member(btf, "bpf_htab", "n_buckets"),
		.htab_elem_size = kobj_member(btf, "bpf_htab", "elem_size"),
	};
	id = btf__find_by_name_kind(btf, "htab_elem", BTF_KIND_STRUCT);
	if (id >= 0)
		l->htab_elem_hdr = btf__type_by_id(btf, id)->size;
	return 0;
}

/* The kernel's id of each map of @fds[0..@n) into @ids (0 where it cannot say). */
static void kobj_map_ids(const int *fds, uint32_t n, uint32_t *ids)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct bpf_map_info info = {0};
		uint32_t len = sizeof(info);

		ids[i] = bpf_obj_get_info_by_fd(fds[i], &info, &len) ? 0 : info.id;
	}
}

#endif
