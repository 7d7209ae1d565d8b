/* SPDX-License-Identifier: MIT */
/*
 * config/: settings of the preload and the tools.
 *
 * Defaults, overridden by the JSON config file (BPFSYNTH_CONFIG, default
 * /etc/bpfsynth/config.json), overridden by the environment:
 *
 *   BPFSYNTH_MODE       off | cache | sync | async (default async)
 *   BPFSYNTH_CACHE_DIR  default /var/cache/bpfsynth for root,
 *                       $XDG_CACHE_HOME/bpfsynth or ~/.cache/bpfsynth otherwise
 *   BPFSYNTH_BUDGET     synthesis time per program in sync mode: 30, 500ms, 2s, 1m
 *   BPFSYNTH_LOG        LEVEL[:DEST], LEVEL off|error|warn|info|debug, DEST stderr
 *                       (default) or a file; off by default
 *   BPFSYNTH_MIN_INSNS  programs shorter than this are left alone (libbpf's probes)
 *   BPFSYNTH_JOBS       threads opt_optimize() may use in sync mode (default 1: the
 *                       preload lives in someone else's process)
 *   BPFSYNTH_WORKER     the bpfsynth binary async mode starts as `bpfsynth worker`
 *                       (default: found in PATH); "off" never starts one
 *
 * The file takes the same settings ("mode", "cache_dir", "budget", "log",
 * "min_insns", "jobs", "worker") plus "include" and "exclude": {"names": [glob, ...], "types":
 * [bpftool type name, ...]}.  A program is optimized if it matches include
 * (when given) and does not match exclude.
 *
 * A configuration error never stops a load: config_load() reports it in the
 * message buffer (a file with any error is ignored as a whole; a bad variable
 * is ignored alone) and leaves usable settings.
 */
#ifndef BPFSYNTH_CONFIG_CONFIG_H
#define BPFSYNTH_CONFIG_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/log.h"

#define CONFIG_DEFAULT_FILE "/etc/bpfsynth/config.json"
#define CONFIG_DEFAULT_MIN_INSNS 16
#define CONFIG_DEFAULT_BUDGET_MS 30000
#define CONFIG_MAX_PATTERNS 32
#define CONFIG_MSG_SIZE 512
#define CONFIG_MAX_JOBS 64

enum config_mode {
	CONFIG_MODE_OFF,   /* pure pass-through */
	CONFIG_MODE_CACHE, /* use cache entries, never optimize */
	CONFIG_MODE_SYNC,  /* on a miss, optimize before loading */
	CONFIG_MODE_ASYNC, /* on a miss, load the original and queue the program */
};

struct config_filter {
	char names[CONFIG_MAX_PATTERNS][64]; /* fnmatch(3) globs */
	uint32_t nnames;
	uint64_t types; /* bit per enum bpf_prog_type */
	bool any;	/* names or types given */
};

struct config {
	enum config_mode mode;
	char cache_dir[PATH_MAX];
	uint64_t budget_ms;
	enum log_level log_level;
	char log_path[PATH_MAX]; /* "" = stderr */
	uint32_t min_insns;
	uint32_t jobs;		  /* opt_optimize() threads in sync mode */
	char worker[PATH_MAX];	  /* "" = search PATH, "off" = never start a worker */
	struct config_filter include, exclude;
	char file[PATH_MAX]; /* the config file that was read, "" if none */
};

void config_defaults(struct config *c);

/*
 * Read the JSON file @path over @c.  On any error @c is unchanged, -errno is
 * returned (-ENOENT: no file) and @msg says what and where ("config.json:3:14:
 * unknown mode 'fast'").
 */
int config_read_file(struct config *c, const char *path, char *msg, size_t msgsz);

/* Apply the environment over @c; a bad variable is skipped and reported. */
int config_apply_env(struct config *c, char *msg, size_t msgsz);

/*
 * Defaults < file < environment.  Returns 0, or the first error (the others
 * are appended to @msg); @c is usable either way.
 */
int config_load(struct config *c, char *msg, size_t msgsz);

/* Whether a program of this name, type and length is for us. */
bool config_wants(const struct config *c, const char *name, uint32_t prog_type, uint32_t insn_cnt);

const char *config_mode_str(enum config_mode mode);
int config_mode_parse(const char *s);
/* "1500ms", "2s", "1m", "30" (seconds) -> milliseconds; -EINVAL. */
int config_budget_parse(const char *s, uint64_t *ms);
/* bpftool's program type names ("xdp", "sched_cls", ...); -1 / NULL if unknown. */
int config_prog_type_parse(const char *s);
const char *config_prog_type_str(uint32_t type);

#endif
