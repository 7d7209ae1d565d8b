// SPDX-License-Identifier: MIT
/*
 * bpfsynth cache: look into the on-disk cache the preload uses.
 *
 * The directory is the one the preload would use (BPFSYNTH_CACHE_DIR, the
 * config file, or the default), or --dir DIR.  Subcommands follow bpftool's
 * shape ("cache ls", "cache show KEY"); a KEY may be abbreviated to any
 * unique prefix of at least 4 hex digits.  Every subcommand has a JSON mode.
 * `verify` proves entries again with core/smt; like `bpfsynth check`, its
 * exit status is the verdict.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "config/config.h"
#include "core/asm.h"
#include "core/smt.h"
#include "tools/main.h"

static char cache_dir[PATH_MAX];

void cache_help(void)
{
	if (json_output) {
		json_print(json_pack("{s:s,s:[s,s,s,s,s,s,s]}", "name", "cache", "synopsis",
				     "cache path", "cache ls", "cache show KEY", "cache rm KEY",
				     "cache verify [KEY] [--timeout SEC] [--prune]", "cache stats",
				     "cache gc [--max-age DAYS] [--max-size MB]"));
		return;
	}
	printf("Usage: %s cache [--dir DIR] { path | ls | show KEY | rm KEY | stats |\n"
	       "                            verify [KEY] [--timeout SEC] [--prune] |\n"
	       "                            gc [--max-age DAYS] [--max-size MB] }\n"
	       "\n"
	       "Inspect the cache of optimized programs that libbpfsynth.so serves loads from.\n"
	       "\n"
	       "  path        the cache directory, the mode and the config file in effect\n"
	       "  ls          one line per entry: key, program type, instructions original ->\n"
	       "              optimized (without `ja +0`), state (optimized; queued: waiting\n"
	       "              for the optimizer; rejected by the kernel: its verifier refused\n"
	       "              the optimized program and accepted the original; or why it is\n"
	       "              unusable)\n"
	       "  show KEY    an entry: header (maps, proof record, timings, kernel release)\n"
	       "              and both programs\n"
	       "  rm KEY      remove an entry (and its queue and rejected copies)\n"
	       "  verify      prove again, with core/smt, that each entry's (or KEY's)\n"
	       "              optimized program is equivalent to its original; --prune\n"
	       "              removes entries proven different.  Exit status: 0 all\n"
	       "              proven, 1 some proven different, 2 some not proven\n"
	       "              (timeout, construct not modelled), 255 errors\n"
	       "  stats       hits, misses, bad entries, fallbacks with reasons, bytes saved\n"
	       "  gc          remove malformed entries and stale temp files, entries older\n"
	       "              than --max-age days, then the oldest until the rest fit in\n"
	       "              --max-size MB; fold the statistics log\n"
	       "\n"
	       "  --dir DIR   use DIR instead of the configured cache directory\n"
	       "  -j, --json  JSON output;  -p, --pretty  indented JSON\n"
	       "\n"
	       "KEY may be any unique prefix (4 or more hex digits) of a key.\n",
	       bin_name);
}

static const char *type_str(uint32_t t)
{
	const char *s = config_prog_type_str(t);

	return s ? s : "unknown";
}

/* A full key from @arg, a unique prefix of an entry or queue entry; 0 or -errno after p_err. */
static int find_key(const char *arg, char key[CACHE_KEY_LEN + 1])
{
	char sub[PATH_MAX];
	size_t len = strlen(arg), found = 0;
	enum cache_area a;
	struct dirent *de;
	DIR *d;

	if (len < 4 || len > CACHE_KEY_LEN || strspn(arg, "0123456789abcdef") != len) {
		p_err("'%s' is not a key (64 hex digits, or a prefix of 4 or more)", arg);
		return -EINVAL;
	}
	for (a = CACHE_ENTRIES; a <= CACHE_REJECTED; a++) {
		cache_path(cache_dir, a, NULL, sub, sizeof(sub));
		d = opendir(sub);
		while (d && (de = readdir(d))) {
			if (!cache_key_valid(de->d_name) || strncmp(de->d_name, arg, len))
				continue;
			if (found && strcmp(key, de->d_name)) {
				closedir(d);
				p_err("key prefix '%s' is ambiguous", arg);
				return -EINVAL;
			}
			memcpy(key, de->d_name, CACHE_KEY_LEN + 1);
			found++;
		}
		if (d)
			closedir(d);
	}
	if (!found) {
		p_err("no entry %s in %s", arg, cache_dir);
		return -ENOENT;
	}
	return 0;
}

static int do_path(void)
{
	char msg[CACHE_MSG_SIZE];
	struct config c;
	int err;

	config_load(&c, msg, sizeof(msg));
	err = cache_dir_check(cache_dir, msg, sizeof(msg));
	if (json_output)
		return json_print(json_pack("{s:s,s:s,s:s,s:b,s:s?}", "path", cache_dir, "mode",
					    config_mode_str(c.mode), "config", c.file, "usable",
					    !err, "problem", err ? msg : NULL));
	printf("%s\n", cache_dir);
	if (err && err != -ENOENT)
		p_warn("the preload will not use it: %s", msg);
	return 0;
}

static json_t *entry_summary(const char *key, const struct cache_entry *e, const char *state)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:O,s:s,s:I,s:I}", "key", key, "name", e->name,
			 "state", state, "type", type_str(e->orig.prog_type), "orig_insns",
			 (json_int_t)e->orig.insn_cnt, "opt_insns",
			 e->opt ? json_integer(cache_insn_cnt_effective(e->opt, e->opt_cnt))
				: json_null(),
			 "optimizer_version", e->optimizer_version, "created",
			 (json_int_t)e->created, "bytes", (json_int_t)e->size);
}

static int do_ls(void)
{
	char sub[PATH_MAX], path[PATH_MAX], msg[CACHE_MSG_SIZE], opt[16];
	json_t *arr = json_output ? json_array() : NULL;
	enum cache_area a;
	struct cache_entry e;
	struct dirent *de;
	DIR *d;
	int err;

	if (!json_output)
		printf("%-16s  %-10s  %5s -> %-5s  %s\n", "KEY", "TYPE", "INSNS", "OPT", "STATE");
	for (a = CACHE_ENTRIES; a <= CACHE_REJECTED; a++) {
		cache_path(cache_dir, a, NULL, sub, sizeof(sub));
		d = opendir(sub);
		while (d && (de = readdir(d))) {
			const char *state = a == CACHE_QUEUE	  ? "queued"
					    : a == CACHE_REJECTED ? "rejected by the kernel"
								  : "optimized";

			if (!cache_key_valid(de->d_name))
				continue;
			if (snprintf(path, sizeof(path), "%s/%.64s", sub, de->d_name) >=
			    (int)sizeof(path))
				continue;
			err = cache_entry_read(path, &e, msg, sizeof(msg));
			if (err) {
				if (json_output)
					json_array_append_new(
						arr, json_pack("{s:s,s:s,s:s}", "key", de->d_name,
							       "state", "unusable", "error", msg));
				else
					printf("%.16s  %-10s  %5s -> %-5s  unusable: %s\n",
					       de->d_name, "?", "?", "?", msg);
				continue;
			}
			if (json_output) {
				json_array_append_new(arr, entry_summary(de->d_name, &e, state));
			} else {
				snprintf(opt, sizeof(opt), "%u",
					 e.opt ? cache_insn_cnt_effective(e.opt, e.opt_cnt) : 0);
				printf("%.16s  %-10s  %5u -> %-5s  %s\n", de->d_name,
				       type_str(e.orig.prog_type), e.orig.insn_cnt,
				       e.opt ? opt : "-", state);
			}
			cache_entry_free(&e);
		}
		if (d)
			closedir(d);
	}
	return json_output ? json_print(json_pack("{s:s,s:o}", "dir", cache_dir, "entries", arr))
			   : 0;
}

static json_t *listing(const struct bpf_insn *insns, uint32_t cnt, bool print, const char *title)
{
	json_t *arr = json_array();
	char line[ASM_LINE_SIZE];
	uint32_t i;
	int slots;

	if (print)
		printf("%s (%u insns):\n", title, cnt);
	for (i = 0; i<cnt; i += slots> 0 ? slots : 1) {
		slots = asm_format_insn(insns, cnt, i, line, sizeof(line));
		if (print)
			printf("%5u:\t%s\n", i, line);
		else
			json_array_append_new(
				arr, json_pack("{s:I,s:s}", "idx", (json_int_t)i, "asm", line));
		if (slots < 1)
			slots = 1;
	}
	return arr;
}

static int do_show(const char *arg)
{
	char key[CACHE_KEY_LEN + 1], path[PATH_MAX], msg[CACHE_MSG_SIZE];
	struct cache_entry e;
	json_t *maps, *doc;
	uint32_t i;
	int err;

	err = find_key(arg, key);
	if (err)
		return err;
	cache_path(cache_dir, CACHE_ENTRIES, key, path, sizeof(path));
	err = cache_entry_read(path, &e, msg, sizeof(msg));
	if (err == -ENOENT) {
		cache_path(cache_dir, CACHE_QUEUE, key, path, sizeof(path));
		err = cache_entry_read(path, &e, msg, sizeof(msg));
	}
	if (err == -ENOENT) {
		cache_path(cache_dir, CACHE_REJECTED, key, path, sizeof(path));
		err = cache_entry_read(path, &e, msg, sizeof(msg));
	}
	if (err) {
		p_err("%s", msg);
		return err;
	}
	maps = json_array();
	for (i = 0; i < e.orig.nmaps; i++)
		json_array_append_new(
			maps, json_pack("{s:i,s:I,s:I,s:I,s:I,s:I}", "slot", i, "type",
					(json_int_t)e.orig.maps[i].type, "key_size",
					(json_int_t)e.orig.maps[i].key_size, "value_size",
					(json_int_t)e.orig.maps[i].value_size, "max_entries",
					(json_int_t)e.orig.maps[i].max_entries, "map_flags",
					(json_int_t)e.orig.maps[i].map_flags));
	if (json_output) {
		doc = entry_summary(key, &e, e.opt ? "optimized" : "queued");
		json_object_set_new(doc, "path", json_string(path));
		json_object_set_new(doc, "kernel_release", json_string(e.kernel_release));
		json_object_set_new(doc, "maps", maps);
		json_object_set(doc, "proof", e.proof ? e.proof : json_null());
		json_object_set(doc, "timings", e.timings ? e.timings : json_null());
		json_object_set_new(doc, "original",
				    listing(e.orig.insns, e.orig.insn_cnt, false, NULL));
		json_object_set_new(doc, "optimized",
				    e.opt ? listing(e.opt, e.opt_cnt, false, NULL) : json_null());
		cache_entry_free(&e);
		return json_print(doc);
	}
	printf("key:        %s\nfile:       %s\nname:       %s\n"
	       "type:       %s (expected attach type %u)\noptimizer:  %s\nkernel:     %s\n",
	       key, path, e.name[0] ? e.name : "-", type_str(e.orig.prog_type),
	       e.orig.expected_attach_type, e.optimizer_version, e.kernel_release);
	for (i = 0; i < e.orig.nmaps; i++) {
		char hex[SHA256_HEX_LEN + 1];

		sha256_hex(e.orig.maps[i].content, hex);
		printf("map %u:      type %u, key %u B, value %u B, %u entries, flags "
		       "0x%x%s%.16s\n",
		       i, e.orig.maps[i].type, e.orig.maps[i].key_size, e.orig.maps[i].value_size,
		       e.orig.maps[i].max_entries, e.orig.maps[i].map_flags,
		       cache_map_content_matters(&e.orig.maps[i]) ? ", contents sha256 " : "",
		       cache_map_content_matters(&e.orig.maps[i]) ? hex : "");
	}
	json_decref(maps);
	if (e.proof) {
		char *s = json_dumps(e.proof, JSON_COMPACT | JSON_SORT_KEYS);

		printf("proof:      %s\n", s ? s : "?");
		free(s);
	}
	if (e.timings) {
		char *s = json_dumps(e.timings, JSON_COMPACT | JSON_SORT_KEYS);

		printf("timings:    %s\n", s ? s : "?");
		free(s);
	}
	printf("\n");
	json_decref(listing(e.orig.insns, e.orig.insn_cnt, true, "original"));
	if (e.opt) {
		printf("\n");
		json_decref(listing(e.opt, e.opt_cnt, true, "optimized"));
	} else {
		printf("\nnot optimized yet (queued)\n");
	}
	cache_entry_free(&e);
	return 0;
}

static int do_rm(const char *arg)
{
	char key[CACHE_KEY_LEN + 1], path[PATH_MAX];
	int err, removed = 0;

	err = find_key(arg, key);
	if (err)
		return err;
	removed += !cache_entry_remove(cache_dir, key);
	cache_path(cache_dir, CACHE_QUEUE, key, path, sizeof(path));
	removed += !unlink(path);
	cache_path(cache_dir, CACHE_REJECTED, key, path, sizeof(path));
	removed += !unlink(path);
	if (!removed) {
		p_err("%s: %s", key, strerror(errno));
		return -errno;
	}
	if (json_output)
		return json_print(json_pack("{s:s}", "removed", key));
	printf("removed %s\n", key);
	return 0;
}

static int do_stats(void)
{
	char msg[CACHE_MSG_SIZE];
	const char *k;
	json_t *s, *v;

	s = cache_stats_read(cache_dir, msg, sizeof(msg));
	if (!s) {
		p_err("%s", msg);
		return -errno;
	}
	if (json_output)
		return json_print(s);
	printf("hits:         %lld\nmisses:       %lld\nbad entries:  %lld\nfallbacks:    "
	       "%lld\nqueued:       %lld\nbytes saved:  %lld\n",
	       (long long)json_integer_value(json_object_get(s, "hits")),
	       (long long)json_integer_value(json_object_get(s, "misses")),
	       (long long)json_integer_value(json_object_get(s, "bad_entries")),
	       (long long)json_integer_value(json_object_get(s, "fallbacks")),
	       (long long)json_integer_value(json_object_get(s, "queued")),
	       (long long)json_integer_value(json_object_get(s, "bytes_saved")));
	json_object_foreach(json_object_get(s, "fallback_reasons"), k, v)
		printf("  fallback %-28s %lld\n", k, (long long)json_integer_value(v));
	json_object_foreach(json_object_get(s, "bad_reasons"), k, v)
		printf("  bad entry %-27s %lld\n", k, (long long)json_integer_value(v));
	json_decref(s);
	return 0;
}

static int do_gc(double max_age_days, double max_mb)
{
	char msg[CACHE_MSG_SIZE];
	struct cache_gc_result r;
	int err;

	err = cache_gc(cache_dir, (int64_t)(max_age_days * 86400), (uint64_t)(max_mb * 1024 * 1024),
		       &r, msg, sizeof(msg));
	if (err) {
		p_err("gc: %s", msg);
		return err;
	}
	if (json_output)
		return json_print(json_pack(
			"{s:i,s:i,s:i,s:i,s:i,s:i,s:I,s:I}", "kept", r.kept, "removed_old",
			r.removed_old, "removed_size", r.removed_size, "removed_bad", r.removed_bad,
			"removed_tmp", r.removed_tmp, "foreign", r.foreign, "bytes_kept",
			(json_int_t)r.bytes_kept, "bytes_removed", (json_int_t)r.bytes_removed));
	printf("kept %u entries (%llu bytes); removed %u old, %u over size, %u malformed, %u temp "
	       "files (%llu bytes)%s\n",
	       r.kept, (unsigned long long)r.bytes_kept, r.removed_old, r.removed_size,
	       r.removed_bad, r.removed_tmp, (unsigned long long)r.bytes_removed,
	       r.foreign ? "; entries owned by others left alone" : "");
	return 0;
}

/* Prove one entry again; returns its verdict, or -errno. */
static int verify_one(struct smt_ctx *s, const char *key, const struct cache_entry *e, bool prune,
		      json_t *arr)
{
	struct interp_map_def maps[SMT_MAX_MAPS];
	struct smt_env env = {.prog_type = e->orig.prog_type, .maps = maps};
	struct smt_result res;
	const char *action = "";
	uint32_t i;
	int err;

	memset(&res, 0, sizeof(res));
	if (e->orig.nmaps > SMT_MAX_MAPS) {
		res.verdict = SMT_UNKNOWN;
		snprintf(res.msg, sizeof(res.msg), "more than %d maps", SMT_MAX_MAPS);
	} else {
		/* Canonical programs name maps by slot: the slot is the reference. */
		for (i = 0; i < e->orig.nmaps; i++)
			maps[i] = (struct interp_map_def){
				.type = e->orig.maps[i].type,
				.key_size = e->orig.maps[i].key_size,
				.value_size = e->orig.maps[i].value_size,
				.max_entries = e->orig.maps[i].max_entries,
				.flags = e->orig.maps[i].map_flags,
				.ref = (int32_t)i,
			};
		env.nmaps = e->orig.nmaps;
		err = smt_check_prog(s, e->orig.insns, e->orig.insn_cnt, e->opt, e->opt_cnt, &env,
				     &res);
		if (err) {
			res.verdict = SMT_UNKNOWN;
			if (!res.msg[0])
				snprintf(res.msg, sizeof(res.msg), "%s", strerror(-err));
		}
	}
	if (res.verdict == SMT_DIFFERENT && prune)
		action = cache_entry_remove(cache_dir, key) ? "; could not remove it" : "; removed";
	if (json_output)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:f,s:b}", "key", key, "verdict",
						     smt_verdict_str(res.verdict), "reason",
						     res.msg, "seconds", res.seconds, "removed",
						     !strcmp(action, "; removed")));
	else
		printf("%.16s  %-10s  %.3f s  %s%s\n", key, smt_verdict_str(res.verdict),
		       res.seconds, res.msg, action);
	return res.verdict;
}

/* The verdicts are the exit status, as for `bpfsynth check`: main knows only 0 and 255. */
static int do_verify(const char *arg, double timeout, bool prune)
{
	char key[CACHE_KEY_LEN + 1], sub[PATH_MAX], path[PATH_MAX], msg[CACHE_MSG_SIZE];
	json_t *arr = json_array();
	int worst = SMT_EQUIVALENT, v, err;
	struct cache_entry e;
	struct smt_ctx *s;
	struct dirent *de;
	DIR *d = NULL;

	if (arg && find_key(arg, key))
		return -ENOENT;
	s = smt_ctx__new((uint32_t)(timeout * 1000));
	if (!s) {
		p_err("verify: cannot create a checker: %s", strerror(errno));
		return -errno;
	}
	cache_path(cache_dir, CACHE_ENTRIES, NULL, sub, sizeof(sub));
	if (!arg)
		d = opendir(sub);
	for (;;) {
		if (!arg) {
			de = d ? readdir(d) : NULL;
			if (!de)
				break;
			if (!cache_key_valid(de->d_name))
				continue;
			memcpy(key, de->d_name, sizeof(key));
		}
		if (snprintf(path, sizeof(path), "%s/%.64s", sub, key) >= (int)sizeof(path))
			break;
		err = cache_entry_read(path, &e, msg, sizeof(msg));
		if (err) {
			if (json_output)
				json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "key", key,
								     "verdict", "unusable",
								     "reason", msg));
			else
				printf("%.16s  %-10s  %s\n", key, "unusable", msg);
			worst = worst == SMT_DIFFERENT ? worst : SMT_UNKNOWN;
		} else {
			v = verify_one(s, key, &e, prune, arr);
			cache_entry_free(&e);
			if (v == SMT_DIFFERENT || (v == SMT_UNKNOWN && worst == SMT_EQUIVALENT))
				worst = v;
		}
		if (arg)
			break;
	}
	if (d)
		closedir(d);
	smt_ctx__free(s);
	if (json_output)
		json_print(json_pack("{s:s,s:o}", "dir", cache_dir, "entries", arr));
	else
		json_decref(arr);
	/* the verdict is the exit status (see struct cmd in main.h) */
	return worst == SMT_EQUIVALENT ? 0 : worst == SMT_DIFFERENT ? 1 : 2;
}

static int parse_num(const char *opt, const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	if (end == s || *end || *v < 0) {
		p_err("cache: %s needs a non-negative number, not '%s'", opt, s);
		return -EINVAL;
	}
	return 0;
}

int do_cache(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"pretty", no_argument, NULL, 'p'},
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"dir", required_argument, NULL, 'D'},
		{"max-age", required_argument, NULL, 'A'},
		{"max-size", required_argument, NULL, 'S'},
		{"timeout", required_argument, NULL, 'T'},
		{"prune", no_argument, NULL, 'P'},
		{0},
	};
	double max_age = 0, max_mb = 0, timeout = 60;
	bool prune = false, verify_opts = false;
	const char *sub, *dir = NULL;
	char msg[CONFIG_MSG_SIZE];
	struct config c;
	int opt;

	if (argc == 2 && !strcmp(argv[1], "help")) {
		cache_help();
		return 0;
	}
	while ((opt = cmd_getopt(argc, argv, ":jpdh", opts)) != -1) {
		switch (opt) {
		case 'D':
			dir = optarg;
			break;
		case 'A':
			if (parse_num("--max-age", optarg, &max_age))
				return -EINVAL;
			break;
		case 'S':
			if (parse_num("--max-size", optarg, &max_mb))
				return -EINVAL;
			break;
		case 'T':
			if (parse_num("--timeout", optarg, &timeout))
				return -EINVAL;
			verify_opts = true;
			break;
		case 'P':
			prune = verify_opts = true;
			break;
		case 'h':
			cache_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		p_err("cache: missing subcommand (see '%s cache help')", bin_name);
		return -EINVAL;
	}
	if (config_load(&c, msg, sizeof(msg)) && !dir)
		p_warn("configuration: %s", msg);
	snprintf(cache_dir, sizeof(cache_dir), "%s", dir ? dir : c.cache_dir);
	sub = argv[optind++];
	if (!strcmp(sub, "help")) {
		cache_help();
		return 0;
	}
	if (!strcmp(sub, "show") || !strcmp(sub, "rm")) {
		if (optind != argc - 1) {
			p_err("cache %s: needs exactly one KEY", sub);
			return -EINVAL;
		}
		return sub[0] == 's' ? do_show(argv[optind]) : do_rm(argv[optind]);
	}
	if (verify_opts && strcmp(sub, "verify")) {
		p_err("cache %s: --timeout and --prune are options of verify", sub);
		return -EINVAL;
	}
	if (!strcmp(sub, "verify")) {
		if (optind < argc - 1) {
			p_err("cache verify: at most one KEY");
			return -EINVAL;
		}
		return do_verify(optind < argc ? argv[optind] : NULL, timeout, prune);
	}
	if (optind != argc) {
		p_err("cache %s: unexpected argument '%s'", sub, argv[optind]);
		return -EINVAL;
	}
	if ((max_age || max_mb) && strcmp(sub, "gc")) {
		p_err("cache %s: --max-age and --max-size are options of gc", sub);
		return -EINVAL;
	}
	if (!strcmp(sub, "path"))
		return do_path();
	if (!strcmp(sub, "ls") || !strcmp(sub, "list"))
		return do_ls();
	if (!strcmp(sub, "stats"))
		return do_stats();
	if (!strcmp(sub, "gc"))
		return do_gc(max_age, max_mb);
	p_err("cache: unknown subcommand '%s' (see '%s cache help')", sub, bin_name);
	return -EINVAL;
}
