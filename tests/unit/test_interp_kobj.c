// SPDX-License-Identifier: MIT
/*
 * Unit tests of core/interp_kobj.c: reads of the kernel's map objects
 * through map pointers (struct bpf_map, bpf_array, bpf_htab), each value by
 * the kernel's formula, and what stays not modelled.  The layout is
 * 6.18's (x86-64, from its BTF); tests/kernel/test_interp_kobj.c holds the
 * same reads to the running kernel's answers.
 */
#include <errno.h>

#include "tests/test.h"
#include "tests/unit/insn_macros.h"
#include "core/interp.h"

static const struct interp_kobj_layout layout = {
	.map_type = 64, .key_size = 68, .value_size = 72, .max_entries = 76, .id = 92,
	.array_elem_size = 296, .array_index_mask = 300,
	.htab_count = 752, .htab_n_buckets = 760, .htab_elem_size = 764,
	.htab_elem_hdr = 48,
};

enum { M_HASH, M_PCPU_HASH, M_ARRAY, M_PREALLOC, M_BIG, M_LRU_NOCOMMON, M_STACKTRACE,
       M_RINGBUF, M_SK_STORAGE, M_PROG_ARRAY, NMAPS };

static const struct interp_map_def maps[NMAPS] = {
	[M_HASH] = {.type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 12,
		    .max_entries = 5, .flags = BPF_F_NO_PREALLOC, .ref = 10},
	[M_PCPU_HASH] = {.type = BPF_MAP_TYPE_PERCPU_HASH, .key_size = 6, .value_size = 12,
			 .max_entries = 8, .ref = 11},
	[M_ARRAY] = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 12,
		     .max_entries = 5, .ref = 12},
	[M_PREALLOC] = {.type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 4,
			.max_entries = 8, .ref = 13},
	[M_BIG] = {.type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 4,
		   .max_entries = 66, .flags = BPF_F_NO_PREALLOC, .ref = 14},
	[M_LRU_NOCOMMON] = {.type = BPF_MAP_TYPE_LRU_HASH, .key_size = 4, .value_size = 4,
			    .max_entries = 8, .flags = BPF_F_NO_COMMON_LRU, .ref = 15},
	[M_STACKTRACE] = {.type = BPF_MAP_TYPE_STACK_TRACE, .key_size = 4, .value_size = 8,
			  .max_entries = 8, .ref = 16},
	[M_RINGBUF] = {.type = BPF_MAP_TYPE_RINGBUF, .max_entries = 4096, .ref = 17},
	[M_SK_STORAGE] = {.type = BPF_MAP_TYPE_SK_STORAGE, .key_size = 4, .value_size = 4,
			  .flags = BPF_F_NO_PREALLOC, .ref = 18},
	[M_PROG_ARRAY] = {.type = BPF_MAP_TYPE_PROG_ARRAY, .key_size = 4, .value_size = 4,
			  .max_entries = 3, .ref = 19},
};

static const uint32_t ids[NMAPS] = {101, 102, 103, 104, 105, 106, 107, 108, 0, 110};

/*
 * Run "r0 = *(u@size *)(map @m + @off)" (after @nupdates updates of keys
 * 0.. of @m when non-zero), with the layout when @with_layout.
 */
static int read_field(uint32_t m, int32_t off, int size, uint32_t nupdates, bool with_layout,
		      struct interp_result *res)
{
	struct bpf_insn insns[64];
	struct interp_input in = {0};
	uint8_t pkt[64] = {0};
	struct interp_prog *p;
	struct interp_ctx *c;
	uint32_t n = 0, k;
	char msg[160];

	for (k = 0; k < nupdates; k++) {
		struct bpf_insn upd[] = {
			BPF_ST_MEM(BPF_W, BPF_REG_10, -4, (int32_t)k),
			BPF_ST_MEM(BPF_DW, BPF_REG_10, -24, 0),
			BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, 0),
			BPF_LD_MAP_FD(BPF_REG_1, maps[m].ref),
			BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
			BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
			BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
			BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -24),
			BPF_MOV64_IMM(BPF_REG_4, 0),
			BPF_EMIT_CALL(BPF_FUNC_map_update_elem),
		};

		memcpy(insns + n, upd, sizeof(upd));
		n += sizeof(upd) / sizeof(upd[0]);
	}
	{
		struct bpf_insn rd[] = {
			BPF_LD_MAP_FD(BPF_REG_1, maps[m].ref),
			BPF_LDX_MEM(size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B, BPF_REG_0,
				    BPF_REG_1, off),
			BPF_EXIT_INSN(),
		};

		memcpy(insns + n, rd, sizeof(rd));
		n += sizeof(rd) / sizeof(rd[0]);
	}
	p = interp_prog__new(insns, n, BPF_PROG_TYPE_SOCKET_FILTER, msg, sizeof(msg));
	c = interp_ctx__new(maps, NMAPS, msg, sizeof(msg));
	if (!ASSERT_OK_PTR(p, "prog") || !ASSERT_OK_PTR(c, "ctx")) {
		fprintf(stderr, "  %s\n", msg);
		interp_prog__free(p);
		interp_ctx__free(c);
		return -1;
	}
	if (with_layout)
		ASSERT_OK(interp_ctx__set_kobj(c, &layout, ids), "set_kobj");
	pkt[12] = 0x08; /* an IPv4 packet, as the skb test run wants */
	pkt[14] = 0x45;
	in.pkt = pkt;
	in.pkt_len = sizeof(pkt);
	ASSERT_OK(interp_run(c, p, &in, res), "interp_run");
	interp_prog__free(p);
	interp_ctx__free(c);
	return 0;
}

/* The value of a read that must be modelled, or ~0 (and a failure) */
static uint64_t value(uint32_t m, int32_t off, int size, uint32_t nupdates)
{
	struct interp_result res;

	if (read_field(m, off, size, nupdates, true, &res))
		return ~0ULL;
	if (!CHECK(res.status == INTERP_OK, "map %u +%d: status %d (%s)", m, off, res.status,
		   res.msg))
		return ~0ULL;
	return res.r0;
}

static void not_modelled(uint32_t m, int32_t off, const char *what)
{
	struct interp_result res;

	if (read_field(m, off, 4, 0, true, &res))
		return;
	CHECK(res.status == INTERP_UNSUPPORTED && strstr(res.msg, "not modelled"),
	      "%s: status %d (%s), expected not modelled", what, res.status, res.msg);
}

static void test_bpf_map_fields(void)
{
	ASSERT_EQ(value(M_HASH, layout.map_type, 4, 0), BPF_MAP_TYPE_HASH, "map_type");
	ASSERT_EQ(value(M_PCPU_HASH, layout.key_size, 4, 0), 6, "key_size");
	ASSERT_EQ(value(M_ARRAY, layout.value_size, 4, 0), 12, "value_size");
	ASSERT_EQ(value(M_ARRAY, layout.max_entries, 4, 0), 5, "max_entries");
	ASSERT_EQ(value(M_ARRAY, layout.id, 4, 0), 103, "id");
	/* narrow reads take the field's low bytes first (little-endian) */
	ASSERT_EQ(value(M_ARRAY, layout.max_entries, 1, 0), 5, "max_entries, 1 byte");
	ASSERT_EQ(value(M_RINGBUF, layout.max_entries + 1, 1, 0), 4096 >> 8,
		  "ringbuf max_entries, its second byte");
	/* the kernel keeps socket storage's max_entries 0 (the interpreter holds one) */
	ASSERT_EQ(value(M_SK_STORAGE, layout.max_entries, 4, 0), 0, "sk_storage max_entries");
	ASSERT_EQ(value(M_STACKTRACE, layout.value_size, 4, 0), 8, "stack trace value_size");
	ASSERT_EQ(value(M_RINGBUF, layout.key_size, 4, 0), 0, "ringbuf key_size");
	not_modelled(M_SK_STORAGE, layout.id, "an id the caller did not give");
}

static void test_array_fields(void)
{
	ASSERT_EQ(value(M_ARRAY, layout.array_elem_size, 4, 0), 16, "elem_size: round_up(12, 8)");
	ASSERT_EQ(value(M_ARRAY, layout.array_index_mask, 4, 0), 7, "index_mask of 5 entries");
	ASSERT_EQ(value(M_PROG_ARRAY, layout.array_elem_size, 4, 0), 8, "prog array elem_size");
	ASSERT_EQ(value(M_PROG_ARRAY, layout.array_index_mask, 4, 0), 3, "index_mask of 3");
	not_modelled(M_HASH, layout.array_elem_size, "bpf_array's offset in a hash");
}

static void test_htab_fields(void)
{
	ASSERT_EQ(value(M_HASH, layout.htab_n_buckets, 4, 0), 8, "n_buckets of 5 entries");
	ASSERT_EQ(value(M_HASH, layout.htab_elem_size, 4, 0), 48 + 8 + 16, "elem_size");
	ASSERT_EQ(value(M_PCPU_HASH, layout.htab_elem_size, 4, 0), 48 + 8 + 8,
		  "per-CPU elem_size: a pointer");
	ASSERT_EQ(value(M_HASH, layout.htab_count, 4, 0), 0, "count, empty");
	ASSERT_EQ(value(M_HASH, layout.htab_count, 4, 3), 3, "count after 3 inserts");
	not_modelled(M_PREALLOC, layout.htab_count, "a preallocated hash's count");
	not_modelled(M_BIG, layout.htab_count, "count of a hash that may use pcount");
	not_modelled(M_LRU_NOCOMMON, layout.max_entries, "a per-CPU LRU's max_entries");
	not_modelled(M_LRU_NOCOMMON, layout.htab_n_buckets, "a per-CPU LRU's n_buckets");
	not_modelled(M_HASH, 0, "struct bpf_map's first bytes (a pointer)");
	not_modelled(M_HASH, layout.key_size + 2, "a read across key_size and value_size");
}

/*
 * Without a layout a read is not modelled (the verifier accepts it: no
 * fault); below the object, as a write, it is a fault.
 */
static void test_no_layout(void)
{
	struct interp_result res;

	if (read_field(M_HASH, layout.max_entries, 4, 0, false, &res))
		return;
	CHECK(res.status == INTERP_UNSUPPORTED && strstr(res.msg, "layout not given"),
	      "without a layout: %d %s", res.status, res.msg);
	if (read_field(M_HASH, -8, 4, 0, true, &res))
		return;
	ASSERT_EQ(res.status, INTERP_FAULT, "a read before the object");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_bpf_map_fields);
	RUN_TEST(test_array_fields);
	RUN_TEST(test_htab_fields);
	RUN_TEST(test_no_layout);
	return test_summary("test_interp_kobj");
}
