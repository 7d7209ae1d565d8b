/* SPDX-License-Identifier: MIT */
/*
 * tools/: the bpfsynth command line, shaped like bpftool.
 *
 * main.c owns the global options, the command table and the single error
 * printer; each command lives in a file of its own (dump.c, ...) and has the
 * signature of struct cmd's func.  Commands return 0 or a negative errno after
 * reporting the failure once with p_err(); main turns any failure into exit
 * status 255, as bpftool does (its commands return -1).  A command whose
 * answer is a verdict (check, cache verify: 1 different, 2 unknown) returns
 * it as a positive number, which becomes the exit status.
 */
#ifndef BPFSYNTH_TOOLS_MAIN_H
#define BPFSYNTH_TOOLS_MAIN_H

#include <stdbool.h>
#include <jansson.h>

extern const char *bin_name;
extern bool json_output;
extern bool pretty_output;
extern bool debug_output;

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *synopsis; /* arguments, as in "dump OBJ.o [--prog NAME]" */
	const char *summary;  /* one line */
	void (*help)(void);   /* detailed help of the command, or NULL */
};

/*
 * Report an error: one line "bpfsynth: error: ..." on stderr; in JSON mode
 * also {"error": "..."} on stdout so a consumer of -j always gets JSON.
 */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning on stderr; never on stdout, which carries the data. */
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a JSON document to stdout (pretty with -p) and release it. */
int json_print(json_t *doc);

/*
 * Parse a command's own options with getopt_long.  The global flags
 * (-j/--json, -p/--pretty, -d/--debug) are accepted among them too, so that
 * "bpfsynth dump x.o --json" works like "bpfsynth --json dump x.o".  Returns
 * the option character, -1 at the end, or '?' after p_err() for an unknown
 * option or a missing argument.
 */
struct option;
int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Commands. */
int do_check(int argc, char **argv);
void check_help(void);
int do_cache(int argc, char **argv);
void cache_help(void);
int do_dump(int argc, char **argv);
void dump_help(void);
int do_exec(int argc, char **argv);
void exec_help(void);
int do_opt(int argc, char **argv);
void opt_help(void);
int do_warm(int argc, char **argv);
void warm_help(void);
int do_worker(int argc, char **argv);
void worker_help(void);

/* Shared by commands that read objects (tools/objfile.c). */
#include <stddef.h>
int objfile_check(const char *path, char *msg, size_t msgsz);
int objfile_probe(const char *path, char *msg, size_t msgsz);
int objfile_probe_link(const char *path, char *msg, size_t msgsz);
struct bpf_object;
int objfile_link(struct bpf_object *obj);
struct bpf_program;
struct bpf_object *objfile_open(const char *path, bool link, const char *prog_name,
				struct bpf_program **prog);
#include <linux/bpf.h>
enum bpf_prog_type objfile_section_type(const struct bpf_program *prog);
void set_libbpf_print(void);
/* libbpf's last warning since libbpf_clear_warning() ("" if none, or with -d). */
const char *libbpf_last_warning(void);
void libbpf_clear_warning(void);

/* The functions of an object from its ELF symbol table (tools/elfprogs.c). */
#include <stdint.h>
struct bpf_insn;
struct elf_prog {
	char *name;
	char *section;
	struct bpf_insn *insns;
	size_t cnt;
	size_t shndx; /* for ordering: section, then offset */
	uint64_t off;
};
int elf_progs_read(const char *path, struct elf_prog **progs, size_t *n, char *msg,
		   size_t msgsz);
void elf_progs_free(struct elf_prog *progs, size_t n);

#endif
