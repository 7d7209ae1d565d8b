/* SPDX-License-Identifier: MIT */
/*
 * The running kernel's layout of the objects core/interp answers reads of
 * (interp_kobj_layout: struct bpf_map, bpf_array, bpf_htab; interp_ct_env:
 * struct nf_conn and the conntrack kfuncs), from its BTF
 * (/sys/kernel/btf/vmlinux), the kernel's ids of a loaded object's maps,
 * and the environment conntrack assumes (HZ, no netns ids).  Included by
 * the interpreter's kernel tests (static functions).
 */
#ifndef BPFSYNTH_TESTS_KERNEL_TEST_INTERP_KOBJ_H
#define BPFSYNTH_TESTS_KERNEL_TEST_INTERP_KOBJ_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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
static __attribute__((unused)) int kobj_layout(struct interp_kobj_layout *l)
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
static __attribute__((unused)) void kobj_map_ids(const int *fds, uint32_t n, uint32_t *ids)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct bpf_map_info info = {0};
		uint32_t len = sizeof(info);

		ids[i] = bpf_obj_get_info_by_fd(fds[i], &info, &len) ? 0 : info.id;
	}
}

/* Size of struct @sname in @btf, 0 if there is none */
static uint32_t kobj_sizeof(const struct btf *btf, const char *sname)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);

	return id < 0 ? 0 : btf__type_by_id(btf, id)->size;
}

/* Value of enumerator @name in @btf, or @def */
static uint32_t kobj_enum(const struct btf *btf, const char *ename, const char *name,
			  uint32_t def)
{
	int id = btf__find_by_name_kind(btf, ename, BTF_KIND_ENUM);
	const struct btf_enum *en;
	const struct btf_type *t;
	uint16_t i;

	if (id < 0 || !(t = btf__type_by_id(btf, id)))
		return def;
	en = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++, en++)
		if (!strcmp(btf__name_by_offset(btf, en->name_off), name))
			return (uint32_t)en->val;
	return def;
}

/* How many other netns this one has ids for (RTM_GETNSID dump), or -errno */
static int kobj_nsids(void)
{
	struct {
		struct nlmsghdr nh;
		struct rtgenmsg g;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETNSID,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.g = { .rtgen_family = AF_UNSPEC },
	};
	static char buf[16384];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), n = 0;

	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		n = -errno;
		goto out;
	}
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len <= 0) {
			n = len < 0 ? -errno : -EIO;
			goto out;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				n = -EIO;
				goto out;
			}
			if (nh->nlmsg_type == RTM_NEWNSID)
				n++;
		}
	}
out:
	close(fd);
	return n;
}

/* CONFIG_HZ of the running kernel (its config, as libbpf's __kconfig reads it), or 0 */
static uint32_t kobj_hz(void)
{
	char cmd[256], line[256];
	uint32_t hz = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "{ zcat /proc/config.gz || cat /boot/config-$(uname -r); } "
		 "2>/dev/null | grep '^CONFIG_HZ='");
	f = popen(cmd, "r");
	if (f && fgets(line, sizeof(line), f))
		hz = (uint32_t)strtoul(line + strlen("CONFIG_HZ="), NULL, 10);
	if (f)
		pclose(f);
	return hz;
}

/*
 * The conntrack kfuncs' BTF ids and struct nf_conn's layout in the running
 * kernel, its HZ; and whether the environment is the one interp_ct_env
 * describes (no ids for other netns).  0, or -errno and why.
 */
static __attribute__((unused)) int kobj_ct_env(struct interp_ct_env *e, char *why,
					       size_t whysz)
{
	static const char *const names[INTERP_CT_NKFUNCS] = {
		"bpf_xdp_ct_alloc", "bpf_xdp_ct_lookup", "bpf_skb_ct_alloc", "bpf_skb_ct_lookup",
		"bpf_ct_insert_entry", "bpf_ct_release", "bpf_ct_set_timeout",
		"bpf_ct_change_timeout", "bpf_ct_set_status", "bpf_ct_change_status",
		"bpf_ct_set_nat_info",
	};
	const struct btf *btf = kobj_vmlinux();
	int k, id, n;

	if (!btf)
		return snprintf(why, whysz, "no kernel BTF"), -ENOENT;
	memset(e, 0, sizeof(*e));
	for (k = 0; k < INTERP_CT_NKFUNCS; k++) {
		id = btf__find_by_name_kind(btf, names[k], BTF_KIND_FUNC);
		e->kfunc[k] = id > 0 ? id : 0;
	}
	e->timeout = kobj_member(btf, "nf_conn", "timeout");
	e->zone = kobj_member(btf, "nf_conn", "zone");
	e->tuplehash = kobj_member(btf, "nf_conn", "tuplehash");
	e->status = kobj_member(btf, "nf_conn", "status");
	e->mark = kobj_member(btf, "nf_conn", "mark");
	e->hash_size = kobj_sizeof(btf, "nf_conntrack_tuple_hash");
	e->hash_tuple = (uint32_t)kobj_member(btf, "nf_conntrack_tuple_hash", "tuple");
	e->status_unchangeable = kobj_enum(btf, "ip_conntrack_status", "IPS_UNCHANGEABLE_MASK", 0);
	e->status_max_bit = kobj_enum(btf, "ip_conntrack_status", "__IPS_MAX_BIT", 0);
	e->hz = kobj_hz();
	/* the interpreter holds tuples as this kernel's 40 bytes */
	if (kobj_sizeof(btf, "nf_conntrack_tuple") != 40 ||
	    kobj_member(btf, "nf_conntrack_man", "l3num") != 18 ||
	    kobj_member(btf, "nf_conntrack_tuple", "dst") != 20 || !e->status_max_bit ||
	    (int32_t)e->hash_tuple < 0)
		return snprintf(why, whysz, "struct nf_conntrack_tuple is not the 40 bytes "
				"core/interp_ct.c holds"), -ENOTSUP;
	if (!e->hz || 1000 % e->hz)
		return snprintf(why, whysz, "CONFIG_HZ %u unknown or not dividing 1000", e->hz),
		       -ENOTSUP;
	n = kobj_nsids();
	if (n)
		return snprintf(why, whysz, "this netns has ids for %d other netns (or cannot "
				"say: %s)", n, n < 0 ? strerror(-n) : "-"), -ENOTSUP;
	return 0;
}

/* The running kernel's objects, once: what kobj_give() tells a machine */
static struct {
	bool init, have_kobj, have_ct;
	struct interp_kobj_layout kobj;
	struct interp_ct_env ct;
	char ct_why[160];
} kobj_env;

/*
 * Tell @c the map object layout (with @ids) and conntrack, where this
 * kernel and environment allow; says once on stderr why conntrack is not.
 */
static __attribute__((unused)) void kobj_give(struct interp_ctx *c, const uint32_t *ids)
{
	if (!kobj_env.init) {
		kobj_env.init = true;
		kobj_env.have_kobj = !kobj_layout(&kobj_env.kobj);
		kobj_env.have_ct = !kobj_ct_env(&kobj_env.ct, kobj_env.ct_why,
						sizeof(kobj_env.ct_why));
		if (!kobj_env.have_ct)
			fprintf(stderr, "  conntrack kfuncs not modelled here: %s\n",
				kobj_env.ct_why);
	}
	if (kobj_env.have_kobj)
		interp_ctx__set_kobj(c, &kobj_env.kobj, ids);
	if (kobj_env.have_ct)
		interp_ctx__set_ct(c, &kobj_env.ct);
}

/* Offset of global @var in the object's datasec @sec (e.g. ".bss"), or -1 */
static __attribute__((unused)) int kobj_var_offset(const struct btf *btf, const char *sec,
						   const char *var)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	int id = btf ? btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC) : -1;
	uint16_t i;

	if (id < 0 || !(t = btf__type_by_id(btf, id)))
		return -1;
	vs = btf_var_secinfos(t);
	for (i = 0; i < btf_vlen(t); i++, vs++)
		if (!strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off),
			    var))
			return (int)vs->offset;
	return -1;
}

#endif
