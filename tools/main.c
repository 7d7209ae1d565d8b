// SPDX-License-Identifier: MIT
/*
 * bpfsynth: the command line.
 *
 * Conventions are bpftool's: global options first (-j/--json, -p/--pretty,
 * -d/--debug, -h/--help, -V/--version), then a command looked up in a table by
 * its name or an unambiguous prefix of it, then the command's own arguments.
 * "bpfsynth help [CMD]" and "bpfsynth CMD help" print help; the help lists the
 * table, so it names exactly the commands that exist.
 *
 * Exit status: 0 on success; 255 on any error (bpftool's commands return -1
 * from main, which the shell sees as 255), after exactly one error line on
 * stderr from p_err().
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "tools/main.h"
#include "tools/version.h"

const char *bin_name = "bpfsynth";
bool json_output;
bool pretty_output;
bool debug_output;

static int do_help(int argc, char **argv);

/*
 * Later commands (opt, warm, check, cache, run, exec, bench) go here; the
 * help and the dispatcher need nothing else.
 */

static const struct cmd cmds[] = {
	{"cache", do_cache, "cache { path | ls | show KEY | rm KEY | stats | verify | gc }",
	 "inspect the cache of optimized programs the preload uses", cache_help},
	{"check", do_check, "check A.o B.o [--prog NAME] [--timeout SEC]",
	 "prove two programs equivalent, or show an input on which they differ", check_help},
	{"dump", do_dump, "dump OBJ.o [--prog NAME] [--linked]",
	 "disassemble the programs of a BPF ELF object", dump_help},
	{"exec", do_exec, "exec OBJ.o [--prog NAME] [--data-in FILE] [--data-out FILE] ...",
	 "run a program in the interpreter, like bpftool prog run", exec_help},
	{"opt", do_opt, "opt IN.o -o OUT.o [--prog NAME]... [--budget SEC] [--jobs N] [--seed N]",
	 "optimize the programs of an object and write a proven-equivalent object", opt_help},
	{"warm", do_warm, "warm OBJ.o...",
	 "fill the cache for every program of the objects, as the preload would", warm_help},
	{"worker", do_worker, "worker [--once]",
	 "optimize the programs the preload queued (started by the preload)", worker_help},
	{"help", do_help, "help [COMMAND]", "show this help, or the help of COMMAND", NULL},
	{0},
};

static void p_msg(FILE *f, const char *kind, const char *fmt, va_list ap)
{
	fprintf(f, "%s: %s: ", bin_name, kind);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	p_msg(stderr, "error", fmt, ap);
	va_end(ap);
	if (json_output) {
		char buf[1024];
		json_t *doc;

		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		doc = json_pack("{s:s}", "error", buf);
		if (doc)
			json_print(doc);
	}
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	p_msg(stderr, "warning", fmt, ap);
	va_end(ap);
}

int json_print(json_t *doc)
{
	size_t flags = pretty_output ? JSON_INDENT(2) : JSON_COMPACT;
	int err;

	err = json_dumpf(doc, stdout, flags | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (err)
		return -EIO;
	fputc('\n', stdout);
	return 0;
}

static int libbpf_print_all(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

/*
 * Without -d, libbpf's warnings are kept, not printed: the last one is the
 * "why" behind an errno such as ENOENT from open ("failed to find BTF for
 * extern 'memcmp'"), and goes into our single error line.
 */
static char libbpf_warning[512];

static int libbpf_print_keep(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[sizeof(libbpf_warning)];
	size_t n;

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (n)
		snprintf(libbpf_warning, sizeof(libbpf_warning), "%s",
			 strncmp(line, "libbpf: ", 8) ? line : line + 8);
	return 0;
}

void set_libbpf_print(void)
{
	libbpf_set_print(debug_output ? libbpf_print_all : libbpf_print_keep);
}

const char *libbpf_last_warning(void)
{
	return libbpf_warning;
}

void libbpf_clear_warning(void)
{
	libbpf_warning[0] = '\0';
}

static void usage(FILE *f)
{
	const struct cmd *c;

	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"       %s help [COMMAND]\n"
		"       %s COMMAND help\n"
		"\n"
		"Commands:\n",
		bin_name, bin_name, bin_name);
	for (c = cmds; c->name; c++)
		fprintf(f, "  %-30s %s\n", c->synopsis, c->summary);
	fprintf(f, "\n"
		   "Options:\n"
		   "  -j, --json      JSON output\n"
		   "  -p, --pretty    indented JSON output (implies --json)\n"
		   "  -d, --debug     show libbpf's own messages on stderr\n"
		   "  -h, --help      show this help\n"
		   "  -V, --version   show the version\n"
		   "\n"
		   "Exit status: 0 on success, 255 on error.\n");
}

static void help_json(void)
{
	const struct cmd *c;
	json_t *arr = json_array();

	for (c = cmds; c->name; c++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "name", c->name, "synopsis",
						     c->synopsis, "summary", c->summary));
	json_print(json_pack("{s:o}", "commands", arr));
}

/* Exact name, or else a prefix that names one command only. */
static const struct cmd *cmd_find(const char *name, int *err)
{
	const struct cmd *c, *found = NULL;
	size_t len = strlen(name);

	*err = -ENOENT;
	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	if (!len)
		return NULL;
	for (c = cmds; c->name; c++) {
		if (strncmp(c->name, name, len))
			continue;
		if (found) {
			*err = -EINVAL;
			return NULL;
		}
		found = c;
	}
	return found;
}

static void p_err_cmd(const char *name, int err)
{
	if (err == -EINVAL)
		p_err("ambiguous command '%s' (see '%s help')", name, bin_name);
	else
		p_err("unknown command '%s' (see '%s help')", name, bin_name);
}

static int do_help(int argc, char **argv)
{
	const struct cmd *c;
	int err;

	if (argc > 2) {
		p_err("help: too many arguments");
		return -EINVAL;
	}
	if (argc < 2) {
		if (json_output)
			help_json();
		else
			usage(stdout);
		return 0;
	}
	c = cmd_find(argv[1], &err);
	if (!c) {
		p_err_cmd(argv[1], err);
		return err;
	}
	if (c->help) {
		c->help();
	} else if (json_output) {
		json_print(json_pack("{s:s,s:s,s:s}", "name", c->name, "synopsis", c->synopsis,
				     "summary", c->summary));
	} else {
		printf("Usage: %s %s\n\n%s\n", bin_name, c->synopsis, c->summary);
	}
	return 0;
}

static int do_version(void)
{
	char libbpf_ver[32];

	snprintf(libbpf_ver, sizeof(libbpf_ver), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	if (json_output)
		return json_print(json_pack("{s:s,s:s}", "version", BPFSYNTH_VERSION,
					    "libbpf_version", libbpf_ver));
	printf("%s v%s\n", bin_name, BPFSYNTH_VERSION);
	printf("using libbpf v%s\n", libbpf_ver);
	return 0;
}

int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	int c;

	for (;;) {
		c = getopt_long(argc, argv, shortopts, longopts, NULL);
		switch (c) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = pretty_output = true;
			break;
		case 'd':
			debug_output = true;
			set_libbpf_print();
			break;
		case ':':
			p_err("%s: option '%s' needs an argument", argv[0], argv[optind - 1]);
			return '?';
		case '?':
			if (optopt)
				p_err("%s: unknown option '-%c'", argv[0], optopt);
			else
				p_err("%s: unknown option '%s'", argv[0], argv[optind - 1]);
			return '?';
		default:
			return c;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},    {"pretty", no_argument, NULL, 'p'},
		{"debug", no_argument, NULL, 'd'},   {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'}, {0},
	};
	bool version = false, help = false;
	const struct cmd *c;
	int opt, err;

	opterr = 0;
	set_libbpf_print();
	/* "+": stop at the command, whose arguments are its own. */
	while ((opt = getopt_long(argc, argv, "+:jpdhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = pretty_output = true;
			break;
		case 'd':
			debug_output = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		case ':':
			p_err("option '%s' needs an argument", argv[optind - 1]);
			return 255;
		default:
			if (optopt)
				p_err("unknown option '-%c' (see '%s --help')", optopt, bin_name);
			else
				p_err("unknown option '%s' (see '%s --help')", argv[optind - 1],
				      bin_name);
			return 255;
		}
	}
	set_libbpf_print();
	argc -= optind;
	argv += optind;

	if (version)
		return do_version() ? 255 : 0;
	if (help) {
		char *hargv[] = {"help", NULL};

		return do_help(1, hargv) ? 255 : 0;
	}
	if (argc < 1) {
		usage(stderr);
		return 255;
	}

	c = cmd_find(argv[0], &err);
	if (!c) {
		p_err_cmd(argv[0], err);
		return 255;
	}
	optind = 0; /* commands parse their own options from argv[1] on */
	err = c->func(argc, argv);
	if (err > 0 && err < 128) /* a verdict: see struct cmd */
		return err;
	return err ? 255 : 0;
}
