// SPDX-License-Identifier: MIT
/*
 * core/interp's map objects (interp_kobj.c) against the kernel: a program
 * reads each field the interpreter models through a map pointer, for maps of
 * many types and sizes, in the kernel and in the interpreter (the layout
 * from the running kernel's BTF, test_interp_kobj.h); then the corpus's
 * map_ptr_kern (selftests) runs to its end in both, with the state it
 * needs to pass every check (its hash emptied, page_size set, the maps of
 * maps holding inner_map), and once more with the hash it filled, where it
 * stops at bpf_htab.count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tests/test.h"
#include "tests/unit/insn_macros.h"
#include "core/interp.h"
#include "tests/kernel/harness.h"
#include "tests/kernel/test_interp_kobj.h"

static struct interp_kobj_layout layout;

/* an IPv4 packet: the skb test run refuses anything shorter */
static const uint8_t pkt[54] = { [12] = 0x08, [14] = 0x45, [16] = 0, [17] = 40, [23] = 6 };

struct kmap {
	const char *descr;
	uint32_t type, key_size, value_size, max_entries, flags;
	uint32_t updates; /* the program inserts keys 0.. first (hashes) */
};

static const struct kmap kmaps[] = {
	{"hash, no prealloc", BPF_MAP_TYPE_HASH, 4, 12, 5, BPF_F_NO_PREALLOC, 0},
	{"hash, no prealloc, 3 inserts", BPF_MAP_TYPE_HASH, 4, 12, 5, BPF_F_NO_PREALLOC, 3},
	{"hash, 8 byte keys", BPF_MAP_TYPE_HASH, 8, 1, 64, BPF_F_NO_PREALLOC, 2},
	{"hash, preallocated", BPF_MAP_TYPE_HASH, 4, 4, 8, 0, 0},
	{"per-CPU hash", BPF_MAP_TYPE_PERCPU_HASH, 6, 12, 9, 0, 0},
	{"per-CPU hash, no prealloc, 1 insert", BPF_MAP_TYPE_PERCPU_HASH, 4, 20, 3,
	 BPF_F_NO_PREALLOC, 1},
	{"LRU hash", BPF_MAP_TYPE_LRU_HASH, 4, 4, 100, 0, 0},
	{"LRU per-CPU hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 12, 4, 16, 0, 0},
	{"array", BPF_MAP_TYPE_ARRAY, 4, 12, 5, 0, 0},
	{"array of 1", BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0},
	{"per-CPU array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 3, 1000, 0, 0},
	{"prog array", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 3, 0, 0},
	{"perf event array", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 17, 0, 0},
	{"cgroup array", BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 2, 0, 0},
	{"stack trace", BPF_MAP_TYPE_STACK_TRACE, 4, 16, 8, 0, 0},
	{"ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, 8192, 0, 0},
	{"queue", BPF_MAP_TYPE_QUEUE, 0, 4, 8, 0, 0},
	{"stack", BPF_MAP_TYPE_STACK, 0, 8, 3, 0, 0},
	{"LPM trie", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 8, BPF_F_NO_PREALLOC, 0},
	{"devmap", BPF_MAP_TYPE_DEVMAP, 4, 4, 8, 0, 0},
	{"devmap hash", BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 8, 0, 0},
	{"cpumap", BPF_MAP_TYPE_CPUMAP, 4, 4, 2, 0, 0},
};

static const struct {
	const char *name;
	size_t off; /* in struct interp_kobj_layout */
} kfields[] = {
	{"bpf_map.map_type", offsetof(struct interp_kobj_layout, map_type)},
	{"bpf_map.key_size", offsetof(struct interp_kobj_layout, key_size)},
	{"bpf_map.value_size", offsetof(struct interp_kobj_layout, value_size)},
	{"bpf_map.max_entries", offsetof(struct interp_kobj_layout, max_entries)},
	{"bpf_map.id", offsetof(struct interp_kobj_layout, id)},
	{"bpf_array.elem_size", offsetof(struct interp_kobj_layout, array_elem_size)},
	{"bpf_array.index_mask", offsetof(struct interp_kobj_layout, array_index_mask)},
	{"bpf_htab.count", offsetof(struct interp_kobj_layout, htab_count)},
	{"bpf_htab.n_buckets", offsetof(struct interp_kobj_layout, htab_n_buckets)},
	{"bpf_htab.elem_size", offsetof(struct interp_kobj_layout, htab_elem_size)},
};

static bool is_array(uint32_t t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_PROG_ARRAY || t == BPF_MAP_TYPE_PERF_EVENT_ARRAY ||
	       t == BPF_MAP_TYPE_CGROUP_ARRAY;
}

static bool is_htab(uint32_t t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* "updates, then r0 = *(u32 *)(map + off)": into @insns, its length */
static size_t field_prog(struct bpf_insn *insns, int fd, int32_t off, uint32_t updates)
{
	size_t n = 0;
	uint32_t k;

	for (k = 0; k < updates; k++) {
		struct bpf_insn upd[] = {
			BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, (int32_t)k),
			BPF_ST_MEM(BPF_DW, BPF_REG_10, -40, 0),
			BPF_ST_MEM(BPF_DW, BPF_REG_10, -32, 0),
			BPF_ST_MEM(BPF_DW, BPF_REG_10, -24, 0),
			BPF_LD_MAP_FD(BPF_REG_1, fd),
			BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
			BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
			BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
			BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -40),
			BPF_MOV64_IMM(BPF_REG_4, 0),
			BPF_EMIT_CALL(BPF_FUNC_map_update_elem),
		};

		memcpy(insns + n, upd, sizeof(upd));
		n += sizeof(upd) / sizeof(upd[0]);
	}
	{
		struct bpf_insn rd[] = {
			BPF_LD_MAP_FD(BPF_REG_1, fd),
			BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, off),
			BPF_EXIT_INSN(),
		};

		memcpy(insns + n, rd, sizeof(rd));
		n += sizeof(rd) / sizeof(rd[0]);
	}
	return n;
}

/* Whether the interpreter claims this field of this map (interp_kobj.c's list) */
static bool claimed(const struct kmap *m, uint32_t f)
{
	if (f < 5)
		return true;
	if (f < 7)
		return is_array(m->type);
	if (f == 7)
		return m->type != BPF_MAP_TYPE_LRU_HASH &&
		       m->type != BPF_MAP_TYPE_LRU_PERCPU_HASH && is_htab(m->type) &&
		       (m->flags & BPF_F_NO_PREALLOC) && m->max_entries / 2 <= 32;
	return is_htab(m->type);
}

static void test_fields(void)
{
	uint32_t i, f, compared = 0;
	char why[256];
	static char log[65536];

	if (!kh_bpf_permitted(why, sizeof(why)))
		return test_skip("%s", why);
	if (kobj_layout(&layout))
		return test_skip("no kernel BTF (/sys/kernel/btf/vmlinux)");
	for (i = 0; i < sizeof(kmaps) / sizeof(kmaps[0]); i++) {
		const struct kmap *m = &kmaps[i];
		LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = m->flags);
		struct interp_map_def def = {.type = m->type, .key_size = m->key_size,
					     .value_size = m->value_size,
					     .max_entries = m->max_entries, .flags = m->flags};
		uint32_t id;
		int fd = bpf_map_create(m->type, NULL, m->key_size, m->value_size, m->max_entries,
					&mopts);

		if (!CHECK(fd >= 0, "%s: map create: %s", m->descr, strerror(errno)))
			continue;
		def.ref = fd;
		kobj_map_ids(&fd, 1, &id);
		for (f = 0; f < sizeof(kfields) / sizeof(kfields[0]); f++) {
			int32_t off = *(const int32_t *)((const char *)&layout + kfields[f].off);
			struct bpf_insn insns[128];
			size_t n;
			struct kh_run run = {.data_in = pkt, .data_size_in = sizeof(pkt)};
			struct interp_input in = {.pkt = pkt, .pkt_len = sizeof(pkt)};
			struct interp_result res;
			struct interp_prog *p;
			struct interp_ctx *c;
			uint8_t next[8];
			int pfd;

			if (off < 0)
				continue;
			/* the kernel's map starts empty for each read, as the interpreter's */
			while (is_htab(m->type) && !bpf_map_get_next_key(fd, NULL, next))
				bpf_map_delete_elem(fd, next);
			n = field_prog(insns, fd, off, m->updates);
			pfd = kh_load_insns(BPF_PROG_TYPE_SOCKET_FILTER, insns, n, NULL, log,
					    sizeof(log));
			p = interp_prog__new(insns, n, BPF_PROG_TYPE_SOCKET_FILTER, why,
					     sizeof(why));
			c = interp_ctx__new(&def, 1, why, sizeof(why));
			if (!CHECK(p && c, "%s: interp: %s", m->descr, why))
				goto next;
			interp_ctx__set_kobj(c, &layout, &id);
			interp_run(c, p, &in, &res);
			if (pfd < 0) {
				char line[160];

				/* the verifier has the last word on which reads exist */
				kh_log_reason(log, line, sizeof(line));
				CHECK(!claimed(m, f), "%s: %s: the kernel refuses the read (%s)",
				      m->descr, kfields[f].name, line);
				goto next;
			}
			if (!CHECK(!kh_test_run(pfd, &run, why, sizeof(why)), "%s: test run: %s",
				   m->descr, why))
				goto next;
			if (res.status == INTERP_UNSUPPORTED) {
				CHECK(!claimed(m, f), "%s: %s: interp does not model it: %s",
				      m->descr, kfields[f].name, res.msg);
				goto next;
			}
			compared++;
			CHECK(res.status == INTERP_OK && res.retval == run.retval,
			      "%s: %s: kernel %u, interp %u (%s)", m->descr, kfields[f].name,
			      run.retval, res.retval, res.status == INTERP_OK ? "ok" : res.msg);
		next:
			interp_prog__free(p);
			interp_ctx__free(c);
			if (pfd >= 0)
				close(pfd);
		}
		close(fd);
	}
	fprintf(stderr, "  %u map object reads compared with the kernel\n", compared);
	CHECK(compared >= 80, "only %u reads compared", compared);
}

#define MAXM 64

/* One run of map_ptr_kern in both; the kernel's .bss after it into @kbss. */
static void map_ptr_run(struct kh_prog *kp, struct interp_ctx *c, const struct interp_prog *p,
			const struct interp_map_elem *elems, uint32_t nelems, int bss_fd,
			uint32_t bss, uint32_t expect, const char *what)
{
	struct kh_run run = {.data_in = pkt, .data_size_in = sizeof(pkt)};
	struct interp_input in = {.pkt = pkt, .pkt_len = sizeof(pkt), .elems = elems,
				  .nelems = nelems};
	uint8_t kbss[64] = {0}, ibss[64] = {0};
	struct interp_result res;
	uint32_t zero = 0;
	char why[256];

	if (!CHECK(!kh_test_run(kp->fd, &run, why, sizeof(why)), "%s: test run: %s", what, why))
		return;
	ASSERT_EQ(run.retval, expect, "the kernel's return value");
	interp_run(c, p, &in, &res);
	if (!CHECK(res.status == INTERP_OK, "%s: interp: %s", what, res.msg))
		return;
	ASSERT_EQ(res.retval, run.retval, "interp's return value, as the kernel's");
	bpf_map_lookup_elem(bss_fd, &zero, kbss);
	interp_map_lookup(c, bss, &zero, ibss);
	CHECK(!memcmp(kbss, ibss, 12), "%s: .bss (g_map_type, g_line, page_size): kernel "
	      "%u %u %u, interp %u %u %u", what, *(uint32_t *)kbss, *(uint32_t *)(kbss + 4),
	      *(uint32_t *)(kbss + 8), *(uint32_t *)ibss, *(uint32_t *)(ibss + 4),
	      *(uint32_t *)(ibss + 8));
	fprintf(stderr, "  map_ptr_kern %s: retval %u, g_map_type %u, g_line %u\n", what,
		run.retval, *(uint32_t *)kbss, *(uint32_t *)(kbss + 4));
}

/*
 * selftests' map_ptr_kern: its 27 maps' objects read through pointers.  The
 * .bss (g_map_type, g_line, page_size) is given to the interpreter as the
 * kernel has it, and the maps of maps hold inner_map as libbpf put it there
 * (checked by id); the test run's hash starts empty the first time.
 */
static void test_map_ptr_kern(void)
{
	static char log[KH_LOG_SIZE];
	const char *dir = getenv("CORPUS_DIR");
	struct interp_map_def defs[MAXM];
	struct interp_map_elem elems[8];
	uint32_t ids[MAXM], n = 0, inner = MAXM, outer_a = MAXM, outer_h = MAXM;
	uint32_t bss = MAXM, hash = MAXM, zero = 0, two = 2, hkeys[4], one = 1, innerid, k;
	uint8_t bssval[64] = {0};
	int fds[MAXM], off_page = -1;
	struct interp_prog *p = NULL;
	struct interp_ctx *c = NULL;
	struct bpf_map *map;
	struct kh_prog kp;
	char path[4096], why[256];
	int err;

	if (!kh_bpf_permitted(why, sizeof(why)))
		return test_skip("%s", why);
	if (kobj_layout(&layout))
		return test_skip("no kernel BTF (/sys/kernel/btf/vmlinux)");
	snprintf(path, sizeof(path), "%s/objs/selftests/map_ptr_kern.o",
		 dir && *dir ? dir : "/var/cache/bpfsynth-corpus");
	if (access(path, R_OK))
		return test_skip("no %s (make corpus)", path);
	err = kh_load(path, "cg_skb", BPF_PROG_TYPE_CGROUP_SKB, &kp, log, sizeof(log));
	if (!CHECK(!err, "map_ptr_kern does not load: %s", strerror(-err)))
		return;
	bpf_object__for_each_map (map, kp.obj) {
		const char *name = bpf_map__name(map);

		if (!CHECK(n < MAXM, "too many maps"))
			goto out;
		fds[n] = bpf_map__fd(map);
		defs[n] = (struct interp_map_def){ .type = bpf_map__type(map),
			.key_size = bpf_map__key_size(map), .value_size = bpf_map__value_size(map),
			.max_entries = bpf_map__max_entries(map), .flags = bpf_map__map_flags(map),
			.ref = fds[n] };
		if (!strcmp(name, "inner_map"))
			inner = n;
		else if (!strcmp(name, "m_array_of_maps"))
			outer_a = n;
		else if (!strcmp(name, "m_hash_of_maps"))
			outer_h = n;
		else if (!strcmp(name, "m_hash"))
			hash = n;
		else if (strstr(name, ".bss")) {
			bss = n;
			off_page = kobj_var_offset(bpf_object__btf(kp.obj), ".bss", "page_size");
		}
		n++;
	}
	if (!CHECK(inner < MAXM && outer_a < MAXM && outer_h < MAXM && hash < MAXM &&
		   bss < MAXM && off_page >= 0 && off_page + 4 <= (int)sizeof(bssval),
		   "map_ptr_kern's maps not found"))
		goto out;
	kobj_map_ids(fds, n, ids);
	/* libbpf filled the maps of maps from .values: inner_map at 0 and 2 */
	CHECK(!bpf_map_lookup_elem(fds[outer_a], &zero, &innerid) && innerid == ids[inner],
	      "m_array_of_maps[0] is not inner_map");
	CHECK(!bpf_map_lookup_elem(fds[outer_h], &two, &innerid) && innerid == ids[inner],
	      "m_hash_of_maps[2] is not inner_map");
	/* check_ringbuf() compares max_entries with page_size, which user space sets */
	*(uint32_t *)(bssval + off_page) = bpf_map__max_entries(
		bpf_object__find_map_by_name(kp.obj, "m_ringbuf"));
	if (!CHECK(!bpf_map_update_elem(fds[bss], &zero, bssval, BPF_ANY), "set page_size"))
		goto out;
	p = interp_prog__new(bpf_program__insns(kp.prog), bpf_program__insn_cnt(kp.prog),
			     BPF_PROG_TYPE_CGROUP_SKB, why, sizeof(why));
	c = interp_ctx__new(defs, n, why, sizeof(why));
	if (!CHECK(p && c, "interp: %s", why))
		goto out;
	interp_ctx__set_kobj(c, &layout, ids);
	elems[0] = (struct interp_map_elem){ .map = bss, .key = &zero, .value = bssval };
	elems[1] = (struct interp_map_elem){ .map = outer_a, .key = &zero, .value = &inner };
	elems[2] = (struct interp_map_elem){ .map = outer_h, .key = &two, .value = &inner };
	map_ptr_run(&kp, c, p, elems, 3, fds[bss], bss, 1, "with an empty hash");
	/* check_hash() filled m_hash (keys 0..3, values 1), as the interpreter did */
	for (k = 0; k < 4; k++) {
		uint32_t v = 0, iv = 0;

		hkeys[k] = k;
		CHECK(!bpf_map_lookup_elem(fds[hash], &k, &v) && v == 1 &&
		      !interp_map_lookup(c, hash, &k, &iv) && iv == 1,
		      "m_hash[%u]: kernel %u, interp %u", k, v, iv);
		elems[3 + k] = (struct interp_map_elem){ .map = hash, .key = &hkeys[k],
							 .value = &one };
	}
	/* now bpf_htab.count is 4: the program stops there */
	map_ptr_run(&kp, c, p, elems, 7, fds[bss], bss, 0, "with the hash it filled");
out:
	interp_prog__free(p);
	interp_ctx__free(c);
	kh_unload(&kp);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_fields);
	RUN_TEST(test_map_ptr_kern);
	return test_summary("test_interp_kobj_kernel");
}
