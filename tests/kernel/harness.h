/* SPDX-License-Identifier: MIT */
/*
 * tests/kernel/harness: the real kernel as a test oracle, through libbpf.
 *
 * Load one program of an object (kh_load), or link it as libbpf would
 * without loading it (kh_link), read what the kernel made of it
 * (xlated/jited sizes), run it with BPF_PROG_TEST_RUN (kh_test_run), and set
 * up or inspect its maps by name.  Used by kernel tests, benchmarks and the
 * corpus tools.
 *
 * Every function returns 0 or a negative errno (kh_bpf_permitted: a bool) and
 * writes human detail into a caller-owned buffer; nothing here prints.  Maps
 * never get pinned: every pin path is cleared before load, so a program whose
 * maps say LIBBPF_PIN_BY_NAME neither reuses nor leaves anything in /sys/fs/bpf.
 */
#ifndef BPFSYNTH_TESTS_KERNEL_HARNESS_H
#define BPFSYNTH_TESTS_KERNEL_HARNESS_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

struct bpf_object;
struct bpf_program;

#define KH_LOG_SIZE (64 * 1024)	   /* a sensible size for load logs */
#define KH_DEFAULT_MAX_ENTRIES 256 /* for maps declared with max_entries 0 */

struct kh_prog {
	struct bpf_object *obj;
	struct bpf_program *prog;
	int fd;			 /* -1 until loaded */
	enum bpf_prog_type type; /* the type it was loaded as */
	bool type_inferred;	 /* set by us from the section name, not by libbpf */
	uint32_t insn_cnt;	 /* instructions submitted (after libbpf's relocation) */
	uint32_t xlated_len;	 /* bytes, as the kernel reports them */
	uint32_t jited_len;	 /* bytes; 0 when not JITed */
};

/*
 * Whether this process may load and test-run BPF programs (it tries a
 * two-instruction socket filter).  If not, @why says why, e.g. "bpf() not
 * permitted: Operation not permitted (need CAP_BPF)".
 */
bool kh_bpf_permitted(char *why, size_t whysz);

/*
 * The program type a section name implies by the prefix conventions of older
 * loaders (samples/bpf, iproute2): "xdp_foo" -> XDP, "socket1" ->
 * SOCKET_FILTER, "classifier"/"tc" -> SCHED_CLS, "kprobe/..." -> KPROBE, ...
 * BPF_PROG_TYPE_UNSPEC if nothing matches.
 */
enum bpf_prog_type kh_prog_type_from_section(const char *sec);

/* The type libbpf names @name ("xdp", "sched_cls", ...); BPF_PROG_TYPE_UNSPEC if none. */
enum bpf_prog_type kh_prog_type_by_name(const char *name);

/*
 * bpf_object__open_file() with libbpf's warnings captured into @log instead of
 * printed (the caller's print callback is restored).  NULL and errno on error;
 * kh_log_reason(@log) then says why ("failed to find BTF for extern ...").
 */
struct bpf_object *kh_open(const char *path, char *log, size_t logsz);

/*
 * Open the object at @path and load the program @prog_name (NULL: the first
 * one) alone.  The type is @type_override if not BPF_PROG_TYPE_UNSPEC, else
 * libbpf's, else the one kh_prog_type_from_section() infers (out->type_inferred).
 * On failure the verifier log (or, failing that, libbpf's warnings) is left in
 * @log, and @out holds nothing to release.  On success release with kh_unload().
 */
int kh_load(const char *path, const char *prog_name, enum bpf_prog_type type_override,
	    struct kh_prog *out, char *log, size_t logsz);
void kh_unload(struct kh_prog *kp);

/*
 * The line of a load log that says why the load failed: the last line that
 * is neither the verifier's statistics nor one of libbpf's "failed to load"
 * summaries, without libbpf's "libbpf: " prefix.  "" if none.
 */
void kh_log_reason(const char *log, char *buf, size_t bufsz);

/* Kernel-reported sizes of a loaded program (what kh_load fills in). */
int kh_prog_info(int prog_fd, uint32_t *xlated_len, uint32_t *jited_len);

/* One BPF_PROG_TEST_RUN.  Sizes named _out are capacities in, lengths out. */
struct kh_run {
	const void *data_in;
	uint32_t data_size_in;
	void *data_out;
	uint32_t data_size_out;
	const void *ctx_in;
	uint32_t ctx_size_in;
	void *ctx_out;
	uint32_t ctx_size_out;
	uint32_t repeat;   /* 0 means 1 */
	uint32_t flags;	   /* BPF_F_TEST_* */
	uint32_t retval;   /* out */
	uint32_t duration; /* out: average ns per run */
};

int kh_test_run(int prog_fd, struct kh_run *run, char *msg, size_t msgsz);

/*
 * Linking without the kernel: a program's instructions exactly as libbpf
 * would submit them (subprograms appended, calls and map references
 * resolved), from libbpf's gen_loader mode, which records the load instead
 * of making it.  Maps are then referred to by index into @maps
 * (BPF_PSEUDO_MAP_IDX / BPF_PSEUDO_MAP_IDX_VALUE in LD_IMM64); CO-RE
 * relocations stay unapplied.  The program is prepared as kh_load() prepares
 * it (only it autoloaded, pin paths cleared, map sizes fixed, type inferred
 * from legacy section names).
 */
struct kh_map_desc {
	char name[64];
	enum bpf_map_type type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries; /* as libbpf would create it */
	uint32_t flags;
};

struct kh_linked {
	char name[128];
	char section[128];
	enum bpf_prog_type type; /* libbpf's, or inferred from the section name */
	bool type_inferred;
	enum bpf_attach_type expected_attach_type;
	struct bpf_insn *insns; /* malloc'ed */
	size_t len;		/* slots */
	struct kh_map_desc *maps; /* malloc'ed, by index; NULL if none */
	uint32_t nmaps;
};

/*
 * Link @prog_name (NULL: the first program) of the object at @path, as
 * @type_override if not BPF_PROG_TYPE_UNSPEC (e.g. the corpus manifest's type
 * for a section name that says none, through kh_prog_type_by_name()).  0, or
 * -errno with the reason in @log (-EOPNOTSUPP: the object has struct_ops
 * maps, which libbpf 1.1 cannot link in this mode without crashing; -ENOENT:
 * no such program; -EINVAL: program type unknown).  Release with
 * kh_linked_free().
 */
int kh_link(const char *path, const char *prog_name, enum bpf_prog_type type_override,
	    struct kh_linked *out, char *log, size_t logsz);
void kh_linked_free(struct kh_linked *l);

/*
 * Create a fresh, unpinned map for each of @l's maps into @fds[0..l->nmaps)
 * (max_entries 0 becomes KH_DEFAULT_MAX_ENTRIES where the kernel allows it).
 * 0, or -errno with nothing left open; kh_close_fds() releases them.
 */
int kh_linked_create_maps(const struct kh_linked *l, int *fds);
void kh_close_fds(int *fds, uint32_t n);

/*
 * Turn the map indexes of @insns (as kh_link() leaves them) into the fds
 * @fds[0..@nfds), for BPF_PROG_LOAD.  0, or -EINVAL if an index is out of
 * range (the instructions are then partly rewritten).
 */
int kh_insns_set_map_fds(struct bpf_insn *insns, size_t len, const int *fds, uint32_t nfds);

/* Maps of a loaded object, by name. */
int kh_map_fd(const struct kh_prog *kp, const char *name);
int kh_map_update(const struct kh_prog *kp, const char *name, const void *key, const void *value,
		  uint64_t flags);
/* For per-CPU maps @value holds one value per possible CPU, each rounded up to 8 bytes. */
int kh_map_lookup(const struct kh_prog *kp, const char *name, const void *key, void *value);
/* Next key after @key (NULL: the first); -ENOENT after the last. */
int kh_map_next_key(const struct kh_prog *kp, const char *name, const void *key, void *next);
/* Key and value sizes of the map @name (either pointer may be NULL). */
int kh_map_sizes(const struct kh_prog *kp, const char *name, uint32_t *key_size,
		 uint32_t *value_size);

/* A map of our own, not pinned anywhere; returns its fd or a negative errno. */
int kh_map_create(enum bpf_map_type type, uint32_t key_size, uint32_t value_size,
		  uint32_t max_entries);

/* @n bytes of @b in hex on stderr, 32 a line, after "  @what (@n bytes):" (reproducers). */
void kh_print_bytes(const char *what, const uint8_t *b, size_t n);

/*
 * Load @insns as a GPL program of @type with @opts (NULL: none); with @log,
 * the verifier's log (level 1) goes there, whatever @opts said of logs.
 * Returns the fd or -errno.
 */
int kh_load_insns(enum bpf_prog_type type, const struct bpf_insn *insns, size_t len,
		  struct bpf_prog_load_opts *opts, char *log, size_t logsz);

/*
 * Run on the CPU we are on until kh_unpin(@old): two programs compared run by
 * run then use the same per-CPU map slots and LRU lists.
 */
void kh_pin_here(cpu_set_t *old);
void kh_unpin(const cpu_set_t *old);

#endif
