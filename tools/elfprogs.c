// SPDX-License-Identifier: MIT
/*
 * The functions of a BPF object, read from its ELF symbol table.
 *
 * libbpf refuses some objects that hold perfectly good code: legacy
 * SEC("maps") definitions, externs that only a later link step resolves,
 * relocations it cannot match.  `bpfsynth dump` still shows those, the way
 * llvm-objdump does: every STT_FUNC symbol of an executable section is one
 * function, its bytes [st_value, st_value + st_size) of that section.  Nothing
 * is relocated, exactly as libbpf's view before load.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "tools/main.h"

static int cmp_prog(const void *a, const void *b)
{
	const struct elf_prog *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

void elf_progs_free(struct elf_prog *progs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(progs[i].name);
		free(progs[i].section);
		free(progs[i].insns);
	}
	free(progs);
}

static int add_prog(struct elf_prog **progs, size_t *n, const char *name, const char *sec,
		    size_t shndx, const Elf_Data *d, uint64_t off, uint64_t size)
{
	struct elf_prog *p = realloc(*progs, (*n + 1) * sizeof(**progs));

	if (!p)
		return -ENOMEM;
	*progs = p;
	p = &p[*n];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	/* libbpf drops the '?' that marks a program not loaded by default */
	p->section = strdup(sec[0] == '?' ? sec + 1 : sec);
	p->insns = malloc(size);
	if (!p->name || !p->section || !p->insns) {
		free(p->name);
		free(p->section);
		free(p->insns);
		return -ENOMEM;
	}
	memcpy(p->insns, (const char *)d->d_buf + off, size);
	p->cnt = size / sizeof(struct bpf_insn);
	p->shndx = shndx;
	p->off = off;
	(*n)++;
	return 0;
}

/*
 * Read the functions of the object at @path (already checked by
 * objfile_check()).  Returns 0 with a sorted, malloc'ed array, or -errno and a
 * reason in @msg.
 */
int elf_progs_read(const char *path, struct elf_prog **progs, size_t *n, char *msg, size_t msgsz)
{
	Elf_Scn *scn = NULL, *symscn = NULL;
	size_t shstrndx, i, nsyms;
	GElf_Shdr symsh;
	Elf_Data *syms;
	Elf *elf = NULL;
	int fd, err = 0;

	*progs = NULL;
	*n = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, msgsz, "%s", strerror(errno));
		return -errno;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		snprintf(msg, msgsz, "%s", elf_errmsg(-1));
		err = -EINVAL;
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &symsh) && symsh.sh_type == SHT_SYMTAB) {
			symscn = scn;
			break;
		}
	}
	syms = symscn ? elf_getdata(symscn, NULL) : NULL;
	if (!syms || !symsh.sh_entsize) {
		snprintf(msg, msgsz, "no symbol table");
		err = -ENOENT;
		goto out;
	}
	nsyms = symsh.sh_size / symsh.sh_entsize;
	for (i = 1; i < nsyms; i++) {
		const char *name, *sec;
		GElf_Shdr sh;
		GElf_Sym sym;
		Elf_Data *d;

		if (!gelf_getsym(syms, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE || !sym.st_size)
			continue;
		scn = elf_getscn(elf, sym.st_shndx);
		if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		name = elf_strptr(elf, symsh.sh_link, sym.st_name);
		sec = elf_strptr(elf, shstrndx, sh.sh_name);
		d = elf_getdata(scn, NULL);
		if (!name || !sec || !d || sym.st_value > d->d_size ||
		    sym.st_size > d->d_size - sym.st_value ||
		    sym.st_value % sizeof(struct bpf_insn) ||
		    sym.st_size % sizeof(struct bpf_insn)) {
			snprintf(msg, msgsz, "symbol %zu lies outside its section", i);
			err = -EINVAL;
			goto out;
		}
		err = add_prog(progs, n, name, sec, sym.st_shndx, d, sym.st_value, sym.st_size);
		if (err) {
			snprintf(msg, msgsz, "out of memory");
			goto out;
		}
	}
	if (*n)
		qsort(*progs, *n, sizeof(**progs), cmp_prog);
out:
	if (err) {
		elf_progs_free(*progs, *n);
		*progs = NULL;
		*n = 0;
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}
