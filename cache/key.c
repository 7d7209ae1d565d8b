// SPDX-License-Identifier: MIT
/*
 * cache/key: canonical form, key and relinking of a loader's program.
 *
 * A loader's program names maps by fd (BPF_PSEUDO_MAP_FD, _MAP_VALUE) or by
 * index into attr.fd_array (_MAP_IDX, _MAP_IDX_VALUE); both differ from one
 * process to the next while the program is the same.  The canonical form
 * replaces the reference by a slot number (maps numbered by first appearance;
 * the caller decides which references are the same map, by map id) and the
 * _IDX forms by their fd forms, since both mean the same map to the kernel.
 * What the program's meaning may depend on about each map travels beside it
 * as a struct cache_map_desc.
 *
 * The key is SHA-256 over a fixed serialization of: a tag and CACHE_KEY_VERSION,
 * the optimizer version, program type, expected attach type, prog_flags
 * (BPF_F_XDP_HAS_FRAGS, strict alignment, ... change what a program may do),
 * attach_btf_id, the canonical instructions (fields written out one by one,
 * little-endian, so the key does not depend on bit-field layout), and the map
 * descriptions (with the contents' digest of read-only maps).  Program name, license and BTF do not
 * change what the program computes and are left out, so renamed copies share an entry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cache/cache.h"

#define PSEUDO_MAP_IDX 5
#define PSEUDO_MAP_IDX_VALUE 6
#define PSEUDO_BTF_ID 3
#define PSEUDO_KFUNC_CALL 2

static bool is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_map_ref(uint8_t src)
{
	return src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX ||
	       src == PSEUDO_MAP_IDX_VALUE;
}

bool cache_insn_is_nop(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_JA) && !insn->dst_reg && !insn->src_reg && !insn->off &&
	       !insn->imm;
}

uint32_t cache_insn_cnt_effective(const struct bpf_insn *insns, uint32_t cnt)
{
	uint32_t i, n = 0;

	for (i = 0; i < cnt; i++)
		n += !cache_insn_is_nop(&insns[i]);
	return n;
}

int cache_map_refs(const struct bpf_insn *insns, uint32_t cnt, struct cache_map_ref *refs,
		   uint32_t max, char *msg, size_t msgsz)
{
	uint32_t i, n = 0;

	for (i = 0; i < cnt; i++) {
		const struct bpf_insn *insn = &insns[i];

		if (insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == PSEUDO_KFUNC_CALL &&
		    insn->off) {
			snprintf(msg, msgsz, "insn %u: kfunc call into a module BTF", i);
			return -EINVAL;
		}
		if (!is_ldimm64(insn))
			continue;
		if (i + 1 >= cnt) {
			snprintf(msg, msgsz, "insn %u: truncated ld_imm64", i);
			return -EINVAL;
		}
		if (insn->src_reg == PSEUDO_BTF_ID && insns[i + 1].imm) {
			snprintf(msg, msgsz, "insn %u: ksym in a module BTF (fd)", i);
			return -EINVAL;
		}
		if (is_map_ref(insn->src_reg)) {
			if (n == max) {
				snprintf(msg, msgsz, "more than %u map references", max);
				return -E2BIG;
			}
			if (refs) {
				refs[n].insn = i;
				refs[n].src_reg = insn->src_reg;
				refs[n].imm = insn->imm;
			}
			n++;
		}
		i++; /* the second half is data */
	}
	return n;
}

static uint8_t canon_src(uint8_t src)
{
	return src == BPF_PSEUDO_MAP_FD || src == PSEUDO_MAP_IDX ? BPF_PSEUDO_MAP_FD
								 : BPF_PSEUDO_MAP_VALUE;
}

int cache_canon_insns(const struct bpf_insn *insns, uint32_t cnt, const struct cache_map_ref *refs,
		      uint32_t nrefs, const uint32_t *ref_slot, struct bpf_insn *out)
{
	uint32_t i;

	if (out != insns)
		memcpy(out, insns, (size_t)cnt * sizeof(*insns));
	for (i = 0; i < nrefs; i++) {
		struct bpf_insn *insn = &out[refs[i].insn];

		if (refs[i].insn + 1 >= cnt || !is_ldimm64(insn))
			return -EINVAL;
		insn->src_reg = canon_src(refs[i].src_reg);
		insn->imm = (int32_t)ref_slot[i];
	}
	return 0;
}

int cache_relink(const struct bpf_insn *insns, uint32_t cnt,
		 const struct cache_slot_handle *handles, uint32_t nslots, struct bpf_insn *out)
{
	uint32_t i;

	if (out != insns)
		memcpy(out, insns, (size_t)cnt * sizeof(*insns));
	for (i = 0; i < cnt; i++) {
		struct bpf_insn *insn = &out[i];
		const struct cache_slot_handle *h;

		if (!is_ldimm64(insn))
			continue;
		if (i + 1 >= cnt)
			return -EINVAL;
		if (is_map_ref(insn->src_reg)) {
			if (insn->src_reg != BPF_PSEUDO_MAP_FD &&
			    insn->src_reg != BPF_PSEUDO_MAP_VALUE)
				return -EINVAL; /* canonical programs hold no _IDX forms */
			if (insn->imm < 0 || (uint32_t)insn->imm >= nslots)
				return -EINVAL;
			h = &handles[insn->imm];
			if (h->idx)
				insn->src_reg = insn->src_reg == BPF_PSEUDO_MAP_FD
							? PSEUDO_MAP_IDX
							: PSEUDO_MAP_IDX_VALUE;
			insn->imm = h->imm;
		}
		i++;
	}
	return 0;
}

#define KEY_CHUNK 512 /* instructions serialized per sha256_update */

static void put32(struct sha256 *s, uint32_t v)
{
	uint8_t b[4] = {v, v >> 8, v >> 16, v >> 24};

	sha256_update(s, b, 4);
}

void cache_key(const struct cache_prog *cp, const char *optimizer_version,
	       char key[CACHE_KEY_LEN + 1])
{
	static const char tag[] = "bpfsynth-cache-key";
	uint8_t dig[SHA256_LEN], chunk[8 * KEY_CHUNK];
	struct sha256 s;
	uint32_t i;

	sha256_init(&s);
	sha256_update(&s, tag, sizeof(tag));
	put32(&s, CACHE_KEY_VERSION);
	put32(&s, strlen(optimizer_version));
	sha256_update(&s, optimizer_version, strlen(optimizer_version));
	put32(&s, cp->prog_type);
	put32(&s, cp->expected_attach_type);
	put32(&s, cp->prog_flags);
	put32(&s, cp->attach_btf_id);
	put32(&s, cp->insn_cnt);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__x86_64__)
	/*
	 * Here struct bpf_insn is already the serialization below (code, dst in
	 * the low nibble, off and imm little-endian): hash it in place, which
	 * spares the load path a copy of the program.  tests/unit/test_cache_hit
	 * holds a key computed the portable way.
	 */
	(void)chunk;
	sha256_update(&s, cp->insns, (size_t)cp->insn_cnt * 8);
	i = 0;
#else
	/* Serialized in chunks: one sha256_update per instruction would cost more than the hash. */
	for (i = 0; i < cp->insn_cnt; i++) {
		const struct bpf_insn *insn = &cp->insns[i];
		uint8_t *b = &chunk[8 * (i % KEY_CHUNK)];
		uint32_t imm = (uint32_t)insn->imm;

		b[0] = insn->code;
		b[1] = insn->dst_reg | insn->src_reg << 4;
		b[2] = (uint8_t)insn->off;
		b[3] = (uint8_t)((uint16_t)insn->off >> 8);
		b[4] = imm, b[5] = imm >> 8, b[6] = imm >> 16, b[7] = imm >> 24;
		if (i % KEY_CHUNK == KEY_CHUNK - 1 || i + 1 == cp->insn_cnt)
			sha256_update(&s, chunk, 8 * (i % KEY_CHUNK + 1));
	}
#endif
	put32(&s, cp->nmaps);
	for (i = 0; i < cp->nmaps; i++) {
		put32(&s, cp->maps[i].type);
		put32(&s, cp->maps[i].key_size);
		put32(&s, cp->maps[i].value_size);
		put32(&s, cp->maps[i].max_entries);
		put32(&s, cp->maps[i].map_flags);
		sha256_update(&s, cp->maps[i].content, SHA256_LEN);
	}
	sha256_final(&s, dig);
	sha256_hex(dig, key);
}

bool cache_map_content_matters(const struct cache_map_desc *m)
{
	/* Only arrays: the verifier reads constants from no other read-only map. */
	return m->type == BPF_MAP_TYPE_ARRAY && (m->map_flags & BPF_F_RDONLY_PROG);
}

bool cache_key_valid(const char *key)
{
	size_t i;

	for (i = 0; i < CACHE_KEY_LEN; i++)
		if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
			return false;
	return key[CACHE_KEY_LEN] == '\0';
}
