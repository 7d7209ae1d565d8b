// SPDX-License-Identifier: MIT
/*
 * corpus_manifest: what each program of a set of BPF objects is, and whether
 * this kernel loads it.
 *
 *   corpus_manifest [--root DIR] [--timeout SECS] [--types FILE] OBJ...
 *
 * prints a '#' header and then one TSV line per program:
 *
 *   object  program  section  type  insns  loads  xlated  jited  note
 *
 * object is the path relative to DIR; type is libbpf's name for the program
 * type, or the one inferred from the section name (note "type inferred");
 * insns counts instructions after open (bpf_program__insn_cnt); loads is
 * yes/no for loading that program alone with kh_load(); xlated (instructions)
 * and jited (bytes) are what the kernel reports, 0 when not loaded; note is a
 * short reason for a failure.  An object that does not open gets one line with
 * program "-".
 *
 * --types FILE (tests/corpus/lists/section-types.tsv) gives the program type of
 * sections whose names predate libbpf 1.0, as their own loaders (tc, ip, test
 * scripts) set it: lines "object<TAB>section-glob<TAB>bpftool-type<TAB>libbpf-type".
 * It is consulted only where libbpf leaves the type unspecified, before the
 * guess from the section name (note "type from list").
 *
 * Each object is handled in a child process with a time limit, so that an
 * object that crashes libbpf or makes the verifier run long costs one line
 * ("crashed: ..." / "timeout ..."), never the whole run.  No map is ever
 * pinned (kh_load clears pin paths).  Exit status: 0 when every object got
 * its lines, 1 on usage or output errors.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>

#include "tests/kernel/harness.h"

static const char *root;
static unsigned int timeout_secs = 300;

#define MAX_TYPE_RULES 256
static struct type_rule {
	char obj[256], sec_glob[128];
	enum bpf_prog_type type;
} type_rules[MAX_TYPE_RULES];
static int ntype_rules;

static enum bpf_prog_type prog_type_by_str(const char *name)
{
	const char *s;
	int t;

	for (t = 1; (s = libbpf_bpf_prog_type_str((enum bpf_prog_type)t)); t++)
		if (!strcmp(s, name))
			return (enum bpf_prog_type)t;
	return BPF_PROG_TYPE_UNSPEC;
}

/* Read --types FILE; returns 0 or -errno, and names the bad line in @msg. */
static int load_type_rules(const char *path, char *msg, size_t msgsz)
{
	char line[1024], *f[4], *save;
	int lineno = 0, i, err = 0;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = 0;
		f[0] = strtok_r(line, "\t", &save);
		for (i = 1; i < 4; i++)
			f[i] = f[i - 1] ? strtok_r(NULL, "\t", &save) : NULL;
		if (!f[3] || ntype_rules == MAX_TYPE_RULES ||
		    prog_type_by_str(f[3]) == BPF_PROG_TYPE_UNSPEC) {
			snprintf(msg, msgsz,
				 "%s:%d: expected object, section glob, bpftool type "
				 "and a libbpf program type name",
				 path, lineno);
			err = -EINVAL;
			break;
		}
		snprintf(type_rules[ntype_rules].obj, sizeof(type_rules[0].obj), "%s", f[0]);
		snprintf(type_rules[ntype_rules].sec_glob, sizeof(type_rules[0].sec_glob), "%s",
			 f[1]);
		type_rules[ntype_rules++].type = prog_type_by_str(f[3]);
	}
	fclose(fp);
	return err;
}

static enum bpf_prog_type type_from_rules(const char *obj_name, const char *sec)
{
	int i;

	for (i = 0; i < ntype_rules; i++)
		if (!strcmp(type_rules[i].obj, obj_name) &&
		    !fnmatch(type_rules[i].sec_glob, sec, 0))
			return type_rules[i].type;
	return BPF_PROG_TYPE_UNSPEC;
}

/* A field must not break the TSV: tabs and newlines become spaces. */
static void put_field(FILE *f, const char *s, bool last)
{
	for (; s && *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
	fputc(last ? '\n' : '\t', f);
}

static void put_line(FILE *f, const char *obj, const char *prog, const char *sec, const char *type,
		     unsigned long insns, bool loads, unsigned long xlated, unsigned long jited,
		     const char *note)
{
	char num[3][24];

	snprintf(num[0], sizeof(num[0]), "%lu", insns);
	snprintf(num[1], sizeof(num[1]), "%lu", xlated);
	snprintf(num[2], sizeof(num[2]), "%lu", jited);
	put_field(f, obj, false);
	put_field(f, prog, false);
	put_field(f, sec, false);
	put_field(f, type, false);
	put_field(f, num[0], false);
	put_field(f, loads ? "yes" : "no", false);
	put_field(f, num[1], false);
	put_field(f, num[2], false);
	put_field(f, note, true);
	fflush(f);
}

/* @path relative to --root when it lies below it, else as given. */
static const char *rel_path(const char *path, char *buf, size_t bufsz)
{
	char rroot[PATH_MAX], rpath[PATH_MAX];
	size_t n;

	if (!root)
		return path;
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (!strncmp(path, root, n) && path[n] == '/')
		return path + n + 1;
	if (!realpath(root, rroot) || !realpath(path, rpath))
		return path;
	n = strlen(rroot);
	if (!strncmp(rpath, rroot, n) && rpath[n] == '/') {
		snprintf(buf, bufsz, "%s", rpath + n + 1);
		return buf;
	}
	return path;
}

static void errstr(int err, char *buf, size_t bufsz)
{
	libbpf_strerror(err, buf, bufsz);
}

/* The child's work: every program of one object, one line each, to @f. */
static void manifest_object(FILE *f, const char *path, const char *obj_name)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	static char log[KH_LOG_SIZE];
	char err_buf[128], note[512], reason[256];
	int n = 0;

	obj = kh_open(path, log, sizeof(log));
	if (!obj) {
		errstr(-errno, err_buf, sizeof(err_buf));
		kh_log_reason(log, reason, sizeof(reason));
		snprintf(note, sizeof(note), "open: %s%s%s", err_buf, reason[0] ? ": " : "",
			 reason);
		put_line(f, obj_name, "-", "-", "-", 0, false, 0, 0, note);
		return;
	}
	bpf_object__for_each_program (prog, obj) {
		enum bpf_prog_type t = bpf_program__type(prog);
		const char *sec = bpf_program__section_name(prog);
		enum bpf_prog_type override = BPF_PROG_TYPE_UNSPEC;
		const char *type, *tnote = "";
		struct kh_prog kp;
		int err;

		n++;
		if (t == BPF_PROG_TYPE_UNSPEC) {
			override = type_from_rules(obj_name, sec);
			if (override != BPF_PROG_TYPE_UNSPEC) {
				t = override;
				tnote = "type from list";
			} else {
				t = kh_prog_type_from_section(sec);
				tnote = t == BPF_PROG_TYPE_UNSPEC ? "type unknown"
								  : "type inferred";
			}
		}
		type = libbpf_bpf_prog_type_str(t) ?: "unknown";

		err = kh_load(path, bpf_program__name(prog), override, &kp, log, sizeof(log));
		if (err) {
			errstr(err, err_buf, sizeof(err_buf));
			kh_log_reason(log, reason, sizeof(reason));
			snprintf(note, sizeof(note), "%s%sload: %s%s%s", tnote, *tnote ? "; " : "",
				 err_buf, reason[0] ? ": " : "", reason);
			put_line(f, obj_name, bpf_program__name(prog), sec, type,
				 bpf_program__insn_cnt(prog), false, 0, 0, note);
			continue;
		}
		put_line(f, obj_name, bpf_program__name(prog), sec, type,
			 bpf_program__insn_cnt(prog), true, kp.xlated_len / 8, kp.jited_len, tnote);
		kh_unload(&kp);
	}
	if (!n)
		put_line(f, obj_name, "-", "-", "-", 0, false, 0, 0, "no programs");
	bpf_object__close(obj);
}

/*
 * Run manifest_object() in a child; copy its lines to stdout as they come and
 * add one line if it did not finish.  Returns 0, or -1 if we could not even
 * start the child.
 */
static int manifest_isolated(const char *path)
{
	char relbuf[PATH_MAX], note[128], buf[4096];
	const char *obj_name = rel_path(path, relbuf, sizeof(relbuf));
	int pfd[2], status, lines = 0;
	bool at_bol = true;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		FILE *f;

		close(pfd[0]);
		f = fdopen(pfd[1], "w");
		if (!f)
			_exit(2);
		alarm(timeout_secs);
		manifest_object(f, path, obj_name);
		fclose(f);
		_exit(0);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		ssize_t i;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				lines++;
			at_bol = buf[i] == '\n';
		}
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;

	if (!at_bol)
		putchar('\n');
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(note, sizeof(note), "timeout after %u s (after %d programs)", timeout_secs,
			 lines);
	else if (WIFSIGNALED(status))
		snprintf(note, sizeof(note), "crashed: %s (after %d programs)",
			 strsignal(WTERMSIG(status)), lines);
	else
		snprintf(note, sizeof(note), "child exited with status %d", WEXITSTATUS(status));
	put_line(stdout, obj_name, "-", "-", "-", 0, false, 0, 0, note);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: corpus_manifest [--root DIR] [--timeout SECS] [--types FILE] OBJ...\n"
		   "One TSV line per program: object, program, section, type, insns, loads,\n"
		   "xlated (insns), jited (bytes), note.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"timeout", required_argument, NULL, 't'},
		{"types", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	char msg[512];
	int c, i, ret = 0;

	while ((c = getopt_long(argc, argv, "r:t:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			if (load_type_rules(optarg, msg, sizeof(msg))) {
				fprintf(stderr, "corpus_manifest: %s\n", msg);
				return 1;
			}
			break;
		case 'r':
			root = optarg;
			break;
		case 't':
			timeout_secs = (unsigned int)strtoul(optarg, NULL, 10);
			if (!timeout_secs)
				timeout_secs = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	libbpf_set_print(NULL);
	printf("#object\tprogram\tsection\ttype\tinsns\tloads\txlated\tjited\tnote\n");
	for (i = optind; i < argc; i++) {
		if (manifest_isolated(argv[i])) {
			fprintf(stderr, "corpus_manifest: %s: cannot fork: %s\n", argv[i],
				strerror(errno));
			ret = 1;
		}
	}
	if (fflush(stdout) || ferror(stdout))
		ret = 1;
	return ret;
}
