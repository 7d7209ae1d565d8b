// SPDX-License-Identifier: MIT
/*
 * bpfsynth dump: the programs of a BPF ELF object, as libbpf sees them after
 * open (before relocation: map references are still unresolved LD_IMM64s and
 * calls to .text subprograms point outside the program).
 *
 * Text mode prints, per program, a header line and one line per instruction
 * numbered like llvm-objdump ("   0:\tr2 = *(u32 *)(r1 + 4)"); an LD_IMM64
 * takes the indices i and i + 1, so the next line is numbered i + 2.  JSON
 * mode gives the same plus the raw fields of each instruction.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "core/asm.h"
#include "core/prog.h"
#include "tools/main.h"

void dump_help(void)
{
	if (json_output) {
		json_print(json_pack("{s:s,s:s,s:[s,s]}", "name", "dump", "synopsis",
				     "dump OBJ.o [--prog NAME] [--linked]", "options",
				     "--prog NAME, --linked",
				     "-j/--json, -p/--pretty, -d/--debug"));
		return;
	}
	printf("Usage: %s dump OBJ.o [--prog NAME] [--linked]\n"
	       "\n"
	       "Disassemble the programs of the BPF ELF object OBJ.o: name, section, program\n"
	       "type (as libbpf decides from the section), instruction count, and one line per\n"
	       "instruction.  A program that core/prog finds structurally invalid is still\n"
	       "printed, with the reason (\"valid\": false and \"error\" in JSON).  A program\n"
	       "that calls BPF-to-BPF subprograms is shown as libbpf holds it before load,\n"
	       "without them, and is not validated (\"valid\": null).  An object libbpf\n"
	       "refuses to open (legacy SEC(\"maps\"), unresolved externs) is shown from its\n"
	       "ELF symbol table instead, every function, with the reason first (JSON:\n"
	       "\"source\": \"elf\", \"libbpf_error\").\n"
	       "\n"
	       "  --prog NAME     only the program NAME\n"
	       "  --linked        each program as libbpf would submit it to the kernel:\n"
	       "                  subprograms appended and calls resolved, maps named by\n"
	       "                  index (computed without the kernel; CO-RE not applied)\n"
	       "  -j, --json      JSON output: {\"file\", \"programs\": [{\"name\", \"section\",\n"
	       "                  \"type\", \"insns\", \"valid\", \"text\": [{\"idx\", \"asm\", "
	       "\"code\",\n"
	       "                  \"dst\", \"src\", \"off\", \"imm\"}]}]}\n"
	       "  -p, --pretty    indented JSON\n"
	       "  -d, --debug     show libbpf's own messages\n",
	       bin_name);
}

static json_t *insn_json(const struct bpf_insn *insns, size_t i, const char *text, int slots)
{
	const struct bpf_insn *in = &insns[i];
	char code[8];
	json_t *o;

	snprintf(code, sizeof(code), "0x%02x", in->code);
	o = json_pack("{s:I,s:s,s:s,s:i,s:i,s:i,s:i}", "idx", (json_int_t)i, "asm", text, "code",
		      code, "dst", in->dst_reg, "src", in->src_reg, "off", in->off, "imm", in->imm);
	if (o && slots == 2) {
		uint64_t v = (uint64_t)(uint32_t)in[1].imm << 32 | (uint32_t)in->imm;

		json_object_set_new(o, "imm64", json_integer((json_int_t)v));
	}
	return o;
}

/*
 * Before bpf_object__load() a program's calls to BPF-to-BPF subprograms (and
 * callback references) point into .text, which libbpf appends only at load:
 * such a program cannot be judged on its own instructions.
 */
static bool calls_subprogs(const struct bpf_insn *insns, size_t cnt)
{
	size_t i;

	for (i = 0; i < cnt; i++) {
		if (prog_insn_is_pseudo_call(&insns[i]))
			return true;
		if (prog_insn_is_ldimm64(&insns[i]) && insns[i].src_reg == BPF_PSEUDO_FUNC)
			return true;
	}
	return false;
}

static const char *section_type_name(const char *section);

/* One program: header, validation verdict and instructions. */
static int dump_insns(const char *name, const char *section, const char *type,
		      const struct bpf_insn *insns, size_t cnt, bool linked, json_t *jprogs)
{
	size_t i;
	char vmsg[PROG_MSG_SIZE] = "";
	json_t *jprog = NULL, *jtext = NULL;
	enum { VALID, INVALID, UNCHECKED } verdict = VALID;
	static const char unchecked[] =
		"not validated: calls subprograms that libbpf appends at load";

	if (!linked && calls_subprogs(insns, cnt))
		verdict = UNCHECKED;
	else if (prog_validate(insns, cnt, vmsg, sizeof(vmsg)))
		verdict = INVALID;
	if (jprogs) {
		jtext = json_array();
		jprog = json_pack("{s:s,s:s,s:s,s:I,s:o}", "name", name, "section", section, "type",
				  type, "insns", (json_int_t)cnt, "valid",
				  verdict == UNCHECKED ? json_null()
						       : json_boolean(verdict == VALID));
		if (!jprog || !jtext)
			goto nomem;
		if (verdict == INVALID)
			json_object_set_new(jprog, "error", json_string(vmsg));
		else if (verdict == UNCHECKED)
			json_object_set_new(jprog, "note", json_string(unchecked));
	} else {
		printf("%s: section %s, type %s, %zu insns\n", name, section, type, cnt);
		if (verdict == INVALID)
			printf("; invalid: %s\n", vmsg);
		else if (verdict == UNCHECKED)
			printf("; %s\n", unchecked);
	}

	for (i = 0; i < cnt;) {
		char buf[ASM_LINE_SIZE];
		int n;

		n = asm_format_insn(insns, cnt, i, buf, sizeof(buf));
		/* -EINVAL still leaves text that says what is there; move on by one slot. */
		if (n != 2)
			n = 1;
		if (jtext) {
			if (json_array_append_new(jtext, insn_json(insns, i, buf, n)))
				goto nomem;
		} else {
			printf("%4zu:\t%s\n", i, buf);
		}
		i += n;
	}

	if (jprogs) {
		json_object_set_new(jprog, "text", jtext);
		json_array_append_new(jprogs, jprog);
	}
	return 0;
nomem:
	json_decref(jtext);
	json_decref(jprog);
	p_err("out of memory");
	return -ENOMEM;
}

static int dump_prog(struct bpf_program *prog, bool linked, json_t *jprogs)
{
	return dump_insns(bpf_program__name(prog), bpf_program__section_name(prog),
			  section_type_name(bpf_program__section_name(prog)),
			  bpf_program__insns(prog), bpf_program__insn_cnt(prog), linked, jprogs);
}

/* The program type as libbpf decides it from the section name. */
static const char *section_type_name(const char *section)
{
	enum bpf_attach_type attach;
	enum bpf_prog_type type;

	if (libbpf_prog_type_by_name(section, &type, &attach))
		return "unknown";
	return libbpf_bpf_prog_type_str(type) ?: "unknown";
}

/*
 * libbpf refused the object (@why says why): show its functions from the ELF
 * symbol table instead, as llvm-objdump would, .text subprograms included.
 * Returns 0, or -errno after p_err() when even that is not possible.
 */
static int dump_elf(const char *path, const char *prog_name, const char *why)
{
	json_t *doc = NULL, *jprogs = NULL;
	struct elf_prog *progs;
	size_t n, i, shown = 0;
	char msg[256];
	int err;

	err = elf_progs_read(path, &progs, &n, msg, sizeof(msg));
	if (err || !n) {
		p_err("%s: libbpf cannot open it: %s; %s", path, why,
		      err ? msg : "and it has no functions");
		return err ?: -ENOENT;
	}
	for (i = 0; i < n; i++)
		shown += !prog_name || !strcmp(progs[i].name, prog_name);
	if (!shown) {
		p_err("%s: no program named '%s'", path, prog_name);
		err = -ENOENT;
		goto out;
	}
	if (json_output) {
		jprogs = json_array();
		doc = json_pack("{s:s,s:s,s:s,s:o}", "file", path, "source", "elf", "libbpf_error",
				why, "programs", jprogs);
		if (!doc) {
			json_decref(jprogs);
			p_err("out of memory");
			err = -ENOMEM;
			goto out;
		}
	} else {
		printf("; libbpf cannot open this object: %s\n"
		       "; its functions, from the ELF symbol table (.text subprograms too):\n\n",
		       why);
	}
	for (i = 0, shown = 0; i < n; i++) {
		if (prog_name && strcmp(progs[i].name, prog_name))
			continue;
		if (!json_output && shown++)
			putchar('\n');
		err = dump_insns(progs[i].name, progs[i].section,
				 section_type_name(progs[i].section), progs[i].insns, progs[i].cnt,
				 false, jprogs);
		if (err)
			goto out;
	}
	if (doc) {
		err = json_print(doc);
		doc = NULL;
	}
out:
	json_decref(doc);
	elf_progs_free(progs, n);
	return err;
}

int do_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{"prog", required_argument, NULL, 'P'},
		{"linked", no_argument, NULL, 'L'},
		{"json", no_argument, NULL, 'j'},
		{"pretty", no_argument, NULL, 'p'},
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *path = NULL, *prog_name = NULL;
	bool linked = false;
	struct bpf_program *prog;
	struct bpf_object *obj;
	json_t *doc = NULL, *jprogs = NULL;
	char msg[256];
	int c, err = 0;

	if (argc == 2 && !strcmp(argv[1], "help")) {
		dump_help();
		return 0;
	}
	while ((c = cmd_getopt(argc, argv, ":jpdh", opts)) != -1) {
		switch (c) {
		case 'P':
			prog_name = optarg;
			break;
		case 'L':
			linked = true;
			break;
		case 'h':
			dump_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		p_err("dump: missing OBJ.o (see '%s dump help')", bin_name);
		return -EINVAL;
	}
	path = argv[optind++];
	if (optind < argc) {
		p_err("dump: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}

	err = objfile_check(path, msg, sizeof(msg)) ?: objfile_probe(path, msg, sizeof(msg));
	if (!err && linked)
		err = objfile_probe_link(path, msg, sizeof(msg));
	if (err) {
		p_err("%s: %s", path, msg);
		return err;
	}
	libbpf_clear_warning();
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		const char *why = libbpf_last_warning();

		char reason[512];

		libbpf_strerror(-errno, msg, sizeof(msg));
		snprintf(reason, sizeof(reason), "%s%s%s%s", msg, *why ? " (" : "", why,
			 *why ? ")" : "");
		return dump_elf(path, prog_name, reason);
	}
	if (linked && objfile_link(obj)) {
		const char *why = libbpf_last_warning();

		if (errno == EOPNOTSUPP && !*why)
			why = "struct_ops objects cannot be linked without the kernel by libbpf "
			      "1.1";
		p_err("%s: libbpf cannot link it: %s%s%s%s", path, strerror(errno),
		      *why ? " (" : "", why, *why ? ")" : "");
		err = -errno;
		goto out;
	}
	if (prog_name && !bpf_object__find_program_by_name(obj, prog_name)) {
		p_err("%s: no program named '%s'", path, prog_name);
		err = -ENOENT;
		goto out;
	}

	if (json_output) {
		jprogs = json_array();
		doc = json_pack("{s:s,s:b,s:o}", "file", path, "linked", linked, "programs",
				jprogs);
		if (!doc) {
			json_decref(jprogs);
			p_err("out of memory");
			err = -ENOMEM;
			goto out;
		}
	}
	c = 0;
	bpf_object__for_each_program (prog, obj) {
		if (prog_name && strcmp(bpf_program__name(prog), prog_name))
			continue;
		if (!json_output && c++)
			putchar('\n');
		err = dump_prog(prog, linked, jprogs);
		if (err)
			goto out;
	}
	if (doc) {
		err = json_print(doc);
		doc = NULL;
	}
out:
	json_decref(doc);
	bpf_object__close(obj);
	return err;
}
