/* SPDX-License-Identifier: MIT */
/*
 * cache/: the binary part of an entry file, format 2 (cache.c documents the
 * file as a whole).  Shared by the writer and the full reader (cache.c), the
 * layout code (entry2.c) and the load path's lookup (hit.c).
 *
 * The load path must decide "this entry is the caller's program, intact and
 * proven" from a few fixed fields, without parsing JSON: so everything it
 * needs is here, and the JSON header after the instructions is for tools.
 * The full reader checks that the two say the same thing.
 */
#ifndef BPFSYNTH_CACHE_ENTRY_INTERNAL_H
#define BPFSYNTH_CACHE_ENTRY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cache/cache.h"

#define ENTRY_MAGIC "bpfsynth-cache-entry"
#define ENTRY_MAX_SIZE (64u << 20)
#define ENTRY2_MAGIC "bpfsynth-cache-entry 2\n"
#define ENTRY2_BYTE_ORDER 0x01020304u
#define ENTRY2_MAX_INSNS (1u << 20)

/* The start of a format-2 file; all numbers in the writer's byte order. */
struct entry2_head {
	char magic[24];	     /* ENTRY2_MAGIC, NUL-padded: `head -1` names the file */
	uint32_t byte_order; /* ENTRY2_BYTE_ORDER as the writer stores it */
	uint32_t checksum;   /* CRC-32C, see entry2_checksum() */
	uint32_t bin_len;    /* this head, the maps and the spans, rounded up to 8 */
	uint32_t json_len;   /* the JSON header at the end of the file */
	uint32_t orig_cnt, opt_cnt; /* opt_cnt 0: a queue entry */
	uint32_t orig_effective, opt_effective; /* without `ja +0` */
	uint32_t prog_type, expected_attach_type, prog_flags, attach_btf_id;
	uint32_t nmaps;	 /* struct cache_map_desc[nmaps] follow the head */
	uint32_t nspans; /* then struct cache_proof_span[nspans] */
	uint32_t proof;	 /* CACHE_PROOF_* */
	uint32_t reserved;
	char key[CACHE_KEY_LEN];
	char optimizer_version[32]; /* NUL-padded */
};

_Static_assert(sizeof(struct entry2_head) % 8 == 0, "instructions stay 8-aligned");
_Static_assert(sizeof(struct cache_map_desc) == 52, "map descriptions are stored raw");

/* A checked format-2 file in memory: pointers into the buffer. */
struct entry2_view {
	const struct entry2_head *head;
	const struct cache_map_desc *maps;
	const struct cache_proof_span *spans;
	const struct bpf_insn *orig; /* NULL if the buffer stops before it */
	const struct bpf_insn *opt;  /* NULL in a queue entry */
	const char *json;
	size_t json_len;
	size_t orig_off; /* where the original starts in the file */
};

/* Whether @buf (@size bytes) starts like a format-2 file. */
int entry2_is(const void *buf, size_t size);

/*
 * Check the layout of the format-2 file of @size bytes whose first @len
 * bytes are in @buf (8-aligned; at least everything before the original):
 * magic, byte order, counts, that the parts add up to @size exactly, and the
 * checksum over everything but the original (which every user compares in
 * full or checks against its digest).  0 with @v filled, or -EBADMSG.
 */
int entry2_view(const void *buf, size_t len, size_t size, struct entry2_view *v, char *msg,
		size_t msgsz);

/*
 * Encode @e with the JSON header @json into one malloc'd buffer (*@out,
 * *@outlen): what cache_entry_write() writes.  0 or -errno.
 */
int entry2_encode(const struct cache_entry *e, const char *json, size_t json_len, void **out,
		  size_t *outlen, char *msg, size_t msgsz);

/* What cache_entry_write() writes; format 1 is still read. */
#define ENTRY_FORMAT 2

/* The JSON header (header.c): built from @e, or parsed into @e for a file of @format. */
json_t *entry_header_json(const struct cache_entry *e);
int entry_header_parse(json_t *h, int format, struct cache_entry *e, size_t *olen, size_t *plen,
		       char *msg, size_t msgsz);
/* 0 if the header's hex digest @name is SHA-256 of @data, else -EBADMSG. */
int entry_header_check_digest(json_t *h, const char *name, const void *data, size_t len);

/* The file checks of a reader: regular, ours, writable by nobody else (cache.c). */
int cache_check_owner(const char *what, const char *path, const struct stat *st, char *msg,
		      size_t msgsz);
int cache_read_at(int fd, void *buf, size_t len, off_t at);
/*
 * Open the entry file @path as every reader must (cache.c): not through a
 * link, a regular file that cache_check_owner() accepts, of a size an entry
 * may have.  The fd, with *@st; or -errno and why in @msg: -EPERM for a
 * link, another kind of file or a wrong owner or mode, -EBADMSG for the size.
 */
int cache_entry_open(const char *path, struct stat *st, char *msg, size_t msgsz);

#endif
