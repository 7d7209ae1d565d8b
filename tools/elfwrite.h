/* SPDX-License-Identifier: MIT */
/*
 * tools/elfwrite: an object file as bytes, its programs' instructions where
 * they are in the file, which of them libbpf patches at load time, and a
 * writer that replaces instructions in place (same size) and saves the copy
 * atomically.  Used by `bpfsynth opt`.
 *
 * Nothing but instruction bytes ever changes, so everything else in the
 * object (symbols, relocations, BTF, .BTF.ext func/line info and CO-RE
 * records, which name instructions by byte offset) stays valid.
 */
#ifndef BPFSYNTH_TOOLS_ELFWRITE_H
#define BPFSYNTH_TOOLS_ELFWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

/* One function (STT_FUNC symbol) of a code section. */
struct elfw_prog {
	char *name;
	char *section;		/* as in the ELF, with a leading '?' if any */
	struct bpf_insn *insns; /* a copy of the instructions in the file */
	size_t cnt;
	uint64_t file_off; /* where they are in the file */
	uint64_t sec_off;  /* and in their section */
	size_t shndx;
	/*
	 * Per instruction: named by a relocation (maps, global data, calls and
	 * function pointers into code, externs) or by a CO-RE record of
	 * .BTF.ext.  libbpf rewrites these at load time.
	 */
	bool *frozen;
	uint32_t nrel, ncore; /* relocations, CO-RE records in this function */
	bool calls_code;      /* a BPF-to-BPF call or a reference into code */
	/*
	 * A static function (STB_LOCAL, BTF_FUNC_STATIC): no freplace program
	 * can replace it, so callers may rely on what it does.
	 */
	bool is_static;
};

struct elfw_obj {
	char *path;
	uint8_t *buf; /* the file; elfw_set_insns() edits it */
	size_t size;
	uint32_t mode; /* the file's permission bits */
	struct elfw_prog *progs;
	size_t nprogs;
};

/* Read @path.  0, or -errno with the reason in @msg. */
int elfw_open(const char *path, struct elfw_obj *o, char *msg, size_t msgsz);
void elfw_close(struct elfw_obj *o);
struct elfw_prog *elfw_find(struct elfw_obj *o, const char *name);
/* Put @insns (p->cnt of them) into the file image at @p's place. */
void elfw_set_insns(struct elfw_obj *o, const struct elfw_prog *p, const struct bpf_insn *insns);
/*
 * Write the image to @path: a temporary file in the same directory, fsync,
 * rename, fsync of the directory.  0, or -errno with the reason in @msg.
 */
int elfw_save(const struct elfw_obj *o, const char *path, char *msg, size_t msgsz);

#endif
