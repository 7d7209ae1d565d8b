/* SPDX-License-Identifier: MIT */
/*
 * core/smt internals shared by its parts: smt_term.c (terms), smt_enc.c
 * (programs as formulas: states, the walk) with smt_insn.c (one
 * instruction), smt_mem.c, smt_maps.c and smt_helpers.c (memory, maps,
 * helpers), smt_diff.c (what is compared), smt_cex.c (models made inputs),
 * smt_replay.c (inputs run in core/interp) and smt.c (the checks, the
 * solver, the query cache).
 */
#ifndef BPFSYNTH_CORE_SMT_INTERNAL_H
#define BPFSYNTH_CORE_SMT_INTERNAL_H

#include <z3.h>

#include "core/smt.h"

/*
 * Value tags: what the encoder knows statically about a register or a
 * spilled stack slot.  Pointers are bv64 values base(region) + offset, the
 * bases far apart; the tag names the region so that accesses go to the
 * region's own memory and pointer operations the verifier forbids (and whose
 * result would depend on our choice of bases) are refused.
 */
enum {
	T_UNINIT = 0,
	T_SCALAR,
	T_STACK,
	T_CTX,
	T_PKT,
	T_PKT_END,
	T_MIXED,			    /* stack slot: partly overwritten spill */
	T_MAPVAL = 16,			    /* + map */
	T_MAPOBJ = T_MAPVAL + SMT_MAX_MAPS, /* + map */
};

/* Call frames the encoder follows (the verifier's MAX_CALL_FRAMES), and their stack. */
#define SMT_MAX_FRAMES 8
#define SMT_STACK (512 * SMT_MAX_FRAMES)

struct sval {
	Z3_ast v; /* bv64 */
	uint16_t tag;
};

struct sevent {
	Z3_ast id;	/* bv32 */
	Z3_ast args[5]; /* bv64; unused ones 0, pointers to memory the helper reads 0 */
	Z3_ast mem;	/* the bytes the helper reads, concatenated (NULL: none) */
	uint32_t mem_len;
	/* packet bytes [0, pktlen) it sends (perf_event_output): the packet array then */
	Z3_ast pkt, pktlen;
};

/* The state of one program on one set of paths (all with the same events). */
struct sstate {
	Z3_ast pc;    /* path condition */
	Z3_ast fault; /* faulted on the way here */
	struct sval r[11];
	/*
	 * The stack of every frame (smt_calls.c): the main program's at
	 * fp-512..fp, a callee's 512 bytes below its caller's.
	 */
	Z3_ast stk[SMT_STACK];	    /* region mode: bytes fp-SMT_STACK.., NULL = not written */
	uint8_t sinit[SMT_STACK];   /* byte written on every path to here */
	uint16_t stag[SMT_STACK / 8]; /* per 8-byte slot: T_SCALAR or a spilled pointer's tag */
	/* BPF-to-BPF calls: the frames below this one, their r6-r10 kept for the return */
	uint8_t depth;
	struct sval saved[SMT_MAX_FRAMES][5];
	Z3_ast ctx, pkt;    /* region mode: bv64 -> bv8 arrays */
	Z3_ast mv[SMT_MAX_MAPS];
	Z3_ast mem; /* plain mode: all memory */
	/* hash maps: which keys are present, and their elements (arrays over the key) */
	Z3_ast hpres[SMT_MAX_MAPS], hslot[SMT_MAX_MAPS];
	uint32_t nev;
	struct sevent ev[SMT_MAX_EVENTS];
	/*
	 * A window's end: where r[i] was not written on every path, the
	 * condition of the paths that left it unreadable (NULL: none did).
	 */
	Z3_ast undef[11];
};

/* The lowest stack offset @st's frame may reach: its own 512 bytes below its callers'. */
static inline int64_t smt_stack_lo(const struct sstate *st)
{
	return -512 * ((int64_t)st->depth + 1);
}

/*
 * Whether @size bytes at stack offset @k are inside one frame, of @st's or
 * of a caller's: the verifier checks an access against its pointer's frame.
 */
static inline bool smt_stack_ok(const struct sstate *st, int64_t k, int64_t size)
{
	return k >= smt_stack_lo(st) && k < 0 && k + size <= -512 * ((-k - 1) / 512);
}

/* A map lookup the encoder saw, to put its element into a counterexample. */
struct slookup {
	uint32_t map;
	Z3_ast key; /* bv(8 * key_size) */
};

#define SMT_MAX_EXITS 64
#define SMT_MAX_LOOKUPS 32
#define SMT_MAX_HINTS 32
#define SMT_MAX_HKEYS 48
#define SMT_MAX_HNEW 16
#define SMT_MAX_TERMS (2u << 20) /* terms per check before it is UNKNOWN */
#define SMT_CTX_PROBE 256	 /* ctx offsets whose access is checked */

/* What one program's encoding produced. */
struct senc {
	struct sstate *exits[SMT_MAX_EXITS];
	uint32_t nexits;
	struct sstate *end; /* window: the state after the last instruction */
	struct slookup lookups[SMT_MAX_LOOKUPS];
	uint32_t nlookups;
	/*
	 * Replay hints: what core/interp would return for a helper whose result
	 * the encoding leaves free (guarded by the call's path condition).  Only
	 * a preference for the counterexample, never part of a proof.
	 */
	Z3_ast hints[SMT_MAX_HINTS];
	uint32_t nhints;
};

struct smt_cache_ent;

struct smt_ctx {
	Z3_context z;
	Z3_solver solvers[2]; /* QF_ABV, QF_AUFBV */
	bool used_uf;
	uint32_t timeout_ms;
	Z3_sort bv8, bv32, bv64, mem_sort;
	Z3_ast dummy;

	/* every term made during a check, released at its end */
	Z3_ast *arena;
	size_t narena, carena;
	bool zerr;

	/* the current check */
	const struct smt_env *env;
	bool window;
	char unsup[160]; /* non-empty: the check is UNKNOWN for this reason */
	/*
	 * non-empty: a window observable the diffs could not compare (and
	 * left out): a difference elsewhere still refutes, none is UNKNOWN
	 */
	char refused[160];
	Z3_ast pkt0, plen, ctx0, stk0, mem0;
	Z3_ast slen; /* whole packet (skb->len, xdp_get_buff_len()): at least plen */
	Z3_ast mv0[SMT_MAX_MAPS];
	/* hash maps at entry: key -> present, key -> element; full(present set) */
	Z3_ast pres0[SMT_MAX_MAPS], slot0[SMT_MAX_MAPS];
	Z3_func_decl full[SMT_MAX_MAPS];
	/* the hash keys both programs use, and the elements inserts took (smt_maps.c) */
	struct {
		uint32_t map;
		Z3_ast key;
	} hkeys[SMT_MAX_HKEYS];
	uint32_t nhkeys;
	struct {
		uint32_t map;
		Z3_ast pc, pres, slot, elem;
	} hnew[SMT_MAX_HNEW];
	uint32_t nhnew, nfresh;
	Z3_ast hret[SMT_MAX_EVENTS];
	Z3_ast wreg[11]; /* window: entry register values */
	Z3_ast welem[SMT_MAX_MAPS];

	/* ctx accesses the interpreter allows, per [write][size][offset]: 0 unknown,
	 * 1 no, 2 cannot tell, 3 yes; for ctx_probe_type */
	uint8_t ctx_probe[2][9][SMT_CTX_PROBE];
	uint32_t ctx_probe_type;

	struct smt_cache_ent **cache;
	uint32_t ncache;
	struct smt_stats stats;
};

/*
 * The longest linear packet the model allows.  Far more than any the kernel
 * gives (an XDP frame is a page; an skb's linear part is smaller than 64 KiB
 * in practice), so no input is assumed away; it only keeps offsets from
 * wrapping around.
 */
#define SMT_PKT_MAX (1 << 24)

/* The instruction being encoded, for the parts of the encoder. */
struct insn_env {
	struct smt_ctx *s;
	struct senc *out;
	size_t i; /* instruction index, for messages */
};

/* Track a fresh term; never NULL (a Z3 error yields a placeholder and sets zerr). */
Z3_ast smt_t(struct smt_ctx *s, Z3_ast t);
void smt_release(struct smt_ctx *s);
#define T(expr) smt_t(s, (expr))

/* Term shorthands (smt_term.c). */
Z3_ast smt_ite(struct smt_ctx *s, Z3_ast c, Z3_ast a, Z3_ast b);
Z3_ast smt_ext(struct smt_ctx *s, unsigned hi, unsigned lo, Z3_ast a);
Z3_ast smt_zext(struct smt_ctx *s, unsigned by, Z3_ast a);
Z3_ast smt_sext(struct smt_ctx *s, unsigned by, Z3_ast a);
Z3_ast smt_add(struct smt_ctx *s, Z3_ast a, Z3_ast b);
Z3_ast smt_bvk(struct smt_ctx *s, int64_t v);
bool smt_const_of(struct smt_ctx *s, Z3_ast t, int64_t *v);
void smt_unsup(struct smt_ctx *s, size_t i, const char *fmt, const char *what);
/* false, and the check UNKNOWN, if @v (@what, at ie's insn) is not initialized */
bool smt_read_ok(struct insn_env *ie, struct sval v, const char *what);
bool smt_is_ptr(uint16_t tag);

/* Memory and helpers (smt_mem.c). */
uint32_t smt_map_shift(const struct interp_map_def *d);
uint32_t smt_map_elems(const struct interp_map_def *d);
int smt_mem_access(struct insn_env *ie, struct sstate *st, struct sval ptr, int64_t off,
		   uint32_t size, bool write, Z3_ast *val, uint16_t vtag);
int smt_call(struct insn_env *ie, struct sstate *st, int32_t id);
int smt_tail_call(struct insn_env *ie, struct sstate *st, struct sstate **done);
/* LD_ABS/LD_IND (smt_helpers.c): *@fail gets the state that exits with r0 = 0. */
int smt_ld_abs(struct insn_env *ie, struct sstate *st, const struct bpf_insn *in,
	       struct sstate **fail);
/* Whether argument @arg (0-based) of helper @id is a pointer whose bytes the trace holds. */
bool smt_helper_arg_is_mem(int32_t id, unsigned arg);
/* Whether argument @arg (0-based) of helper @id is compared by its value. */
bool smt_helper_arg_counts(int32_t id, unsigned arg);
/*
 * Whether a call of helper @id is an observable event (the others -- map
 * lookups, updates, deletes, packet loads -- count by what they return and
 * what they leave in the maps).
 */
bool smt_call_is_event(const struct smt_env *env, int32_t id);
/*
 * Two interpreter runs made different observable helper calls (@why, if not
 * NULL, says which); only calls both traces hold are compared.
 */
bool smt_calls_differ(const struct smt_env *env, const struct interp_result *a,
		      const struct interp_result *b, char *why, size_t whysz);
bool smt_map_is_hash(const struct interp_map_def *d);
Z3_ast smt_map_size(struct smt_ctx *s, uint32_t m);
Z3_ast smt_map_span(struct smt_ctx *s, uint32_t m);
struct sstate *smt_state_dup(const struct sstate *st);
/* What the hash map model takes for granted about real maps (smt_maps.c). */
Z3_ast smt_map_axioms(struct smt_ctx *s);
/* Note @key as a key of hash map @m (for smt_map_axioms). */
void smt_map_note_key(struct smt_ctx *s, uint32_t m, Z3_ast key);

/*
 * Replay @res->cex in core/interp (smt_replay.c): true if the runs differ;
 * @res->msg says how, or why not.
 */
bool smt_replay_prog(const struct bpf_insn *a, size_t alen, const struct bpf_insn *b, size_t blen,
		     const struct smt_env *env, struct smt_result *res);
bool smt_replay_window(const struct bpf_insn *a, size_t alen, const struct bpf_insn *b, size_t blen,
		       const struct smt_env *env, const struct smt_window_cond *c,
		       struct smt_result *res);

Z3_ast smt_bv(struct smt_ctx *s, uint64_t v, unsigned bits);
Z3_ast smt_var(struct smt_ctx *s, const char *name, Z3_sort sort);
uint64_t smt_region_base(uint16_t tag);
Z3_ast smt_eq(struct smt_ctx *s, Z3_ast a, Z3_ast b);
Z3_ast smt_and2(struct smt_ctx *s, Z3_ast a, Z3_ast b);
Z3_ast smt_or2(struct smt_ctx *s, Z3_ast a, Z3_ast b);
Z3_ast smt_not(struct smt_ctx *s, Z3_ast a);

/*
 * Execute insn @i of @insns on @st (smt_insn.c).  Returns 0 (fall through),
 * 1 (conditional jump: *@taken is the taken copy), 2 (unconditional jump),
 * 3 (exit), 4 (fall through, and *@taken exits: LD_ABS out of the packet),
 * -1 UNKNOWN.
 */
int smt_enc_step(struct insn_env *ie, struct sstate *st, const struct bpf_insn *insns, size_t i,
		 struct sstate **taken);

/* A difference the solver may pick, with a name for the report. */
struct smt_comp {
	Z3_ast cond;
	Z3_ast a, b;		 /* values, or NULL */
	const struct sstate *ea; /* the exit state of A it belongs to */
	char name[48];
};

#define SMT_MAX_COMPS 512

struct smt_diff {
	struct smt_comp c[SMT_MAX_COMPS];
	uint32_t n;
};

/* Add to @d what differs between exits @a and @b of the two programs (smt_diff.c). */
void smt_exit_diffs(struct smt_ctx *s, struct smt_diff *d, const struct sstate *a,
		    const struct sstate *b);
/* The same for windows' end states under @c: -1 (s->unsup says why) if not comparable. */
int smt_window_diffs(struct smt_ctx *s, struct smt_diff *d, const struct sstate *a,
		     const struct sstate *b, const struct smt_window_cond *c);
/* The initial byte @off of region @tag (smt_cex.c). */
Z3_ast smt_init_byte(struct smt_ctx *s, uint16_t tag, int64_t off);
/* The counterexample in model @m of the difference @d between encodings @ea and @eb. */
void smt_fill_cex(struct smt_ctx *s, Z3_model m, const struct smt_diff *d, const struct senc *ea,
		  const struct senc *eb, const struct smt_window_cond *wc, struct smt_cex *cx);

/* Set up the inputs both programs share (call once per check). */
void smt_enc_begin(struct smt_ctx *s, const struct smt_env *env, bool window);
/* Encode a whole program (@cond NULL) or a window from @cond. */
int smt_enc_prog(struct smt_ctx *s, const struct bpf_insn *insns, size_t len, const uint8_t *ops,
		 const struct smt_window_cond *cond, struct senc *out);

/*
 * BPF-to-BPF calls (smt_calls.c): a program flattened, each call site with
 * its own copy of the callee between a PUSH and a POP marker (ops[i]).
 */
enum { SMT_OP_PUSH = 1, SMT_OP_POP = 2 };
struct smt_flat {
	struct bpf_insn *insns;
	uint8_t *ops;
	size_t len;
};
int smt_flatten(const struct bpf_insn *insns, size_t len, struct smt_flat *out, char *msg,
		size_t msgsz);
void smt_flat_free(struct smt_flat *f);
/* The marker @op at insn @i on @st: 0, or -1 with s->unsup set. */
int smt_frame_op(struct smt_ctx *s, struct sstate *st, uint8_t op, uint32_t i);
void smt_enc_free(struct senc *e);
/* bytes [off, off+n) of a final state's memory in region @tag (for diffs) */
Z3_ast smt_enc_mem_byte(struct smt_ctx *s, const struct sstate *st, uint16_t tag, Z3_ast off);
/* Store byte @b at offset @off of the region @tag (not the stack). */
void smt_enc_mem_store(struct smt_ctx *s, struct sstate *st, uint16_t tag, Z3_ast off, Z3_ast b);
Z3_ast smt_enc_stack_byte(struct smt_ctx *s, const struct sstate *st, int off);

#endif
