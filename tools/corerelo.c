// SPDX-License-Identifier: MIT
/*
 * tools/corerelo: the CO-RE records of an object, and which of them libbpf
 * resolves to what the instruction already holds on every kernel (see
 * corerelo.h for the rule and why it is sound).
 *
 * The records come from .BTF.ext as btf_ext__get_raw_data() gives it
 * (struct btf_ext_header, then per section: name, count, records of
 * struct bpf_core_relo).  An access string "0:3:1" is libbpf's: an index on
 * the root pointer, then member indexes (structs, unions) and element
 * indexes (arrays).  The field is found in the kernel's BTF the way libbpf
 * matches it: by the names of the named members along the path, looking
 * through anonymous structs and unions.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf_legacy.h>
#include <linux/bpf.h>

#include "tools/corerelo.h"

/*
 * Structures whose layout is an ABI: UAPI program contexts and helper
 * arguments (fields are only ever appended), and network headers (the
 * layout is the wire format).
 */
static const char *const fixed_layout[] = {
	"xdp_md",	 "__sk_buff",	   "bpf_sock",	   "bpf_tcp_sock", "bpf_sock_ops",
	"sk_msg_md",	 "sk_reuseport_md", "bpf_sock_addr", "bpf_sk_lookup", "bpf_sock_tuple",
	"bpf_fib_lookup", "bpf_xdp_sock",   "ethhdr",	   "vlan_hdr",	   "iphdr",
	"ipv6hdr",	 "in6_addr",	   "udphdr",	   "tcphdr",	   "icmphdr",
	"icmp6hdr",	 "arphdr",
};

struct relo_sec {
	const char *name;
	const struct bpf_core_relo *recs; /* rec_size apart */
	uint32_t n;
};

struct corerelo {
	struct btf *btf, *vmlinux;
	struct btf_ext *ext;
	uint32_t rec_size;
	struct relo_sec *secs;
	uint32_t nsecs;
};

void corerelo__free(struct corerelo *c)
{
	if (!c)
		return;
	btf__free(c->vmlinux);
	btf_ext__free(c->ext);
	btf__free(c->btf);
	free(c->secs);
	free(c);
}

/* The sections of .BTF.ext's CO-RE part; 0 or -EINVAL if it is malformed. */
static int parse_ext(struct corerelo *c)
{
	const struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, func_info_off, func_info_len, line_info_off, line_info_len,
			core_relo_off, core_relo_len;
	} *h;
	const uint8_t *raw, *p, *end;
	uint32_t size;

	/* btf_ext__raw_data() is declared by libbpf 1.1's btf.h but not exported */
	raw = btf_ext__get_raw_data(c->ext, &size);
	h = (const void *)raw;
	if (!raw || size < 8 || h->hdr_len > size)
		return -EINVAL;
	if (h->hdr_len < sizeof(*h) || !h->core_relo_len)
		return 0; /* no CO-RE part */
	if ((uint64_t)h->hdr_len + h->core_relo_off + h->core_relo_len > size ||
	    h->core_relo_len < 4)
		return -EINVAL;
	p = raw + h->hdr_len + h->core_relo_off;
	end = p + h->core_relo_len;
	memcpy(&c->rec_size, p, 4);
	p += 4;
	if (c->rec_size < sizeof(struct bpf_core_relo))
		return -EINVAL;
	while (end - p >= 8) {
		uint32_t name_off, num;
		struct relo_sec *s;

		memcpy(&name_off, p, 4);
		memcpy(&num, p + 4, 4);
		p += 8;
		if ((uint64_t)num * c->rec_size > (uint64_t)(end - p))
			return -EINVAL;
		s = realloc(c->secs, (c->nsecs + 1) * sizeof(*s));
		if (!s)
			return -ENOMEM;
		c->secs = s;
		s = &c->secs[c->nsecs++];
		s->name = btf__name_by_offset(c->btf, name_off);
		s->recs = (const void *)p;
		s->n = num;
		if (!s->name)
			return -EINVAL;
		p += (size_t)num * c->rec_size;
	}
	return 0;
}

struct corerelo *corerelo__open(const char *path, char *msg, size_t msgsz)
{
	struct corerelo *c = calloc(1, sizeof(*c));
	int err;

	if (!c) {
		snprintf(msg, msgsz, "out of memory");
		return NULL;
	}
	c->btf = btf__parse_elf(path, &c->ext);
	if (!c->btf) {
		err = -errno;
		if (err == -ENOENT) /* no .BTF: no CO-RE records either */
			return c;
		snprintf(msg, msgsz, "%s: cannot read its BTF: %s", path, strerror(-err));
		goto fail;
	}
	if (!c->ext)
		return c;
	err = parse_ext(c);
	if (err) {
		snprintf(msg, msgsz, "%s: malformed .BTF.ext CO-RE records", path);
		goto fail;
	}
	if (!c->nsecs)
		return c;
	c->vmlinux = btf__load_vmlinux_btf();
	if (!c->vmlinux) {
		/* no kernel BTF: every record stays unstable, as libbpf cannot load it either */
		c->vmlinux = NULL;
	}
	return c;
fail:
	corerelo__free(c);
	errno = -err;
	return NULL;
}

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);
	int guard = 32;

	while (t && guard-- && (btf_is_mod(t) || btf_is_typedef(t))) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return guard > 0 ? t : NULL;
}

/*
 * The member named @name of the struct or union @id of @btf, looking
 * through anonymous members: its type in *@mid, its bit offset from @id's
 * start in *@bits, its bitfield size (0: not a bitfield) in *@bf.  false if
 * there is none.
 */
static bool find_member(const struct btf *btf, uint32_t id, const char *name, uint32_t *mid,
			uint64_t *bits, uint32_t *bf, int depth)
{
	const struct btf_type *t = skip_mods(btf, &id);
	const struct btf_member *m;
	uint16_t i;

	if (!t || !btf_is_composite(t) || depth > 8)
		return false;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint64_t inner = 0;

		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			*mid = m->type;
			*bits = btf_member_bit_offset(t, i);
			*bf = btf_member_bitfield_size(t, i);
			return true;
		}
		if (!btf_member_bitfield_size(t, i) &&
		    find_member(btf, m->type, name, mid, &inner, bf, depth + 1)) {
			*bits = btf_member_bit_offset(t, i) + inner;
			return true;
		}
	}
	return false;
}

/* Whether record @r is stable (see corerelo.h); if not, why in @why. */
static bool relo_stable(const struct corerelo *c, const struct bpf_core_relo *r, char *why,
			size_t whysz)
{
	const struct btf *lb = c->btf, *kb = c->vmlinux;
	uint32_t lid = r->type_id, kid, idx;
	const struct btf_type *lt = skip_mods(lb, &lid), *kt;
	const char *root, *spec = btf__name_by_offset(lb, r->access_str_off), *flavor;
	uint64_t loff = 0, koff = 0;
	uint32_t lbf = 0, kbf = 0; /* bitfield sizes of the field, 0 if it is none */
	const char *field = "[]"; /* the last named member on the path */
	char name[128], *end;
	size_t i, nlen;
	int64_t lsz = 0, ksz = 0;
	bool first = true;

	if (r->kind != BPF_CORE_FIELD_BYTE_OFFSET) {
		snprintf(why, whysz, "a CO-RE record of kind %u (only field offsets are checked)",
			 r->kind);
		return false;
	}
	if (!lt || !btf_is_composite(lt) || !spec) {
		snprintf(why, whysz, "a CO-RE record whose root is not a struct or union");
		return false;
	}
	root = btf__name_by_offset(lb, lt->name_off);
	flavor = root ? strstr(root, "___") : NULL;
	nlen = flavor ? (size_t)(flavor - root) : (root ? strlen(root) : 0);
	if (!nlen || nlen >= sizeof(name)) {
		snprintf(why, whysz, "a CO-RE record on an anonymous type");
		return false;
	}
	memcpy(name, root, nlen);
	name[nlen] = '\0';
	for (i = 0; i < sizeof(fixed_layout) / sizeof(fixed_layout[0]); i++)
		if (!strcmp(name, fixed_layout[i]))
			break;
	if (i == sizeof(fixed_layout) / sizeof(fixed_layout[0])) {
		snprintf(why, whysz, "struct %s: its layout may differ between kernels", name);
		return false;
	}
	if (!kb) {
		snprintf(why, whysz, "no kernel BTF (/sys/kernel/btf/vmlinux) to check struct %s",
			 name);
		return false;
	}
	{
		int32_t k = btf__find_by_name_kind(kb, name,
						   btf_is_union(lt) ? BTF_KIND_UNION : BTF_KIND_STRUCT);

		if (k <= 0) {
			snprintf(why, whysz, "struct %s: not in the kernel's BTF", name);
			return false;
		}
		kid = (uint32_t)k;
	}
	kt = skip_mods(kb, &kid);
	while (*spec) {
		unsigned long v = strtoul(spec, &end, 10);

		if (end == spec || (*end && *end != ':') || v > UINT32_MAX)
			goto bad_spec;
		idx = (uint32_t)v;
		spec = *end ? end + 1 : end;
		if (first) {
			/* &root[idx]: only idx 0 is the same on kernels where the size grew */
			first = false;
			if (idx) {
				snprintf(why, whysz, "struct %s: indexes an array of it", name);
				return false;
			}
			continue;
		}
		lt = skip_mods(lb, &lid);
		kt = skip_mods(kb, &kid);
		if (!lt || !kt)
			goto bad_spec;
		if (btf_is_composite(lt)) {
			const struct btf_member *m = btf_members(lt) + idx;
			const char *mn;
			uint64_t bits = 0;
			uint32_t mid = 0;

			if (idx >= btf_vlen(lt))
				goto bad_spec;
			loff += btf_member_bit_offset(lt, idx);
			lbf = btf_member_bitfield_size(lt, idx);
			lid = m->type;
			mn = btf__name_by_offset(lb, m->name_off);
			if (!mn || !*mn)
				continue; /* anonymous: the kernel's side looks through it */
			field = mn;
			if (!find_member(kb, kid, mn, &mid, &bits, &kbf, 0)) {
				snprintf(why, whysz, "struct %s: field %s differs in the kernel", name,
					 mn);
				return false;
			}
			koff += bits;
			kid = mid;
		} else if (btf_is_array(lt)) {
			int64_t le, ke;

			if (!btf_is_array(kt))
				goto differs;
			le = btf__resolve_size(lb, btf_array(lt)->type);
			ke = btf__resolve_size(kb, btf_array(kt)->type);
			if (le <= 0 || le != ke || idx >= btf_array(kt)->nelems)
				goto differs;
			lbf = kbf = 0;
			loff += 8ULL * (uint64_t)le * idx;
			koff += 8ULL * (uint64_t)ke * idx;
			lid = btf_array(lt)->type;
			kid = btf_array(kt)->type;
		} else {
			goto bad_spec;
		}
	}
	lsz = btf__resolve_size(lb, lid);
	ksz = btf__resolve_size(kb, kid);
	/*
	 * libbpf computes a bitfield's byte offset from its bit offset, its
	 * width and its type's size: the same three give the same offset.
	 */
	if (loff != koff || lbf != kbf || (!lbf && loff % 8) || lsz <= 0 || lsz != ksz)
		goto differs;
	return true;
differs:
	snprintf(why, whysz,
		 "struct %s: field %s is at bit %llu (%lld bytes) here, at bit %llu (%lld bytes) "
		 "in the kernel",
		 name, field, (unsigned long long)loff, (long long)lsz, (unsigned long long)koff,
		 (long long)ksz);
	return false;
bad_spec:
	snprintf(why, whysz, "struct %s: a CO-RE access this tool does not follow", name);
	return false;
}

int corerelo__check(const struct corerelo *c, const char *sec, uint64_t off, uint64_t len,
		    uint32_t *n, char *why, size_t whysz)
{
	uint32_t i, k, count = 0;
	int ret = 0;

	for (i = 0; i < c->nsecs; i++) {
		const struct relo_sec *s = &c->secs[i];

		if (strcmp(s->name, sec))
			continue;
		for (k = 0; k < s->n; k++) {
			const struct bpf_core_relo *r =
				(const void *)((const uint8_t *)s->recs + (size_t)k * c->rec_size);

			if (r->insn_off < off || r->insn_off - off >= len)
				continue;
			count++;
			if (!ret && !relo_stable(c, r, why, whysz))
				ret = 1;
		}
	}
	if (n)
		*n = count;
	return ret;
}
