// SPDX-License-Identifier: MIT
/*
 * Checking a file before libbpf sees it.
 *
 * libbpf's answer to a file that is not a BPF object is an errno
 * ("Invalid argument", "Unknown error 4003"), which tells the user little.  We
 * read the ELF header and the section table with libelf first and say what is
 * wrong: not ELF, the wrong machine, truncated, a section outside the file.
 * The checks are the ones libbpf's bpf_object__elf_init() relies on, so a file
 * that passes here reaches libbpf in a shape it parses without surprises.
 *
 * Not every corruption shows in the ELF structure: a damaged .BTF section can
 * crash libbpf 1.1's parser.  objfile_probe() therefore lets libbpf open the
 * file once in a child process first, so that a crash or a hang there becomes
 * one error line here instead of a core dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>

#include "tools/main.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

static int check_sections(Elf *elf, uint64_t fsize, char *msg, size_t msgsz)
{
	size_t shnum, shstrndx, i;
	GElf_Shdr strsh;
	Elf_Scn *scn;

	if (elf_getshdrnum(elf, &shnum) || elf_getshdrstrndx(elf, &shstrndx)) {
		snprintf(msg, msgsz, "corrupt section table (%s)", elf_errmsg(-1));
		return -EINVAL;
	}
	if (!shnum || shstrndx >= shnum) {
		snprintf(msg, msgsz, "corrupt section table (%zu sections, names in %zu)", shnum,
			 shstrndx);
		return -EINVAL;
	}
	scn = elf_getscn(elf, shstrndx);
	if (!scn || !gelf_getshdr(scn, &strsh) || strsh.sh_type != SHT_STRTAB) {
		snprintf(msg, msgsz, "corrupt section table (no section name table)");
		return -EINVAL;
	}
	for (i = 1; i < shnum; i++) {
		const char *name;
		GElf_Shdr sh;

		scn = elf_getscn(elf, i);
		if (!scn || !gelf_getshdr(scn, &sh)) {
			snprintf(msg, msgsz, "corrupt section header %zu (%s)", i, elf_errmsg(-1));
			return -EINVAL;
		}
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > fsize || sh.sh_size > fsize - sh.sh_offset)) {
			snprintf(msg, msgsz,
				 "truncated or corrupt: section %zu extends past the end of the "
				 "file (offset %llu, size %llu, file %llu)",
				 i, (unsigned long long)sh.sh_offset,
				 (unsigned long long)sh.sh_size, (unsigned long long)fsize);
			return -EINVAL;
		}
		if (sh.sh_name >= strsh.sh_size ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name))) {
			snprintf(msg, msgsz, "corrupt section header %zu (bad name)", i);
			return -EINVAL;
		}
		if ((sh.sh_type == SHT_SYMTAB && sh.sh_entsize != sizeof(Elf64_Sym)) ||
		    (sh.sh_type == SHT_REL && sh.sh_entsize != sizeof(Elf64_Rel))) {
			snprintf(msg, msgsz, "corrupt section %zu '%s' (entry size %llu)", i, name,
				 (unsigned long long)sh.sh_entsize);
			return -EINVAL;
		}
		if ((sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_REL) &&
		    (sh.sh_link >= shnum || (sh.sh_type == SHT_REL && sh.sh_info >= shnum))) {
			snprintf(msg, msgsz,
				 "corrupt section %zu '%s' (links to a missing section)", i, name);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Returns 0 if @path looks like a BPF ELF object libbpf can open, or a negative
 * errno with the reason in @msg: "No such file or directory", "not a BPF ELF
 * object (e_machine 62)", "truncated or corrupt: section 5 ...".
 */
int objfile_check(const char *path, char *msg, size_t msgsz)
{
	unsigned char *ident;
	GElf_Ehdr ehdr;
	struct stat st;
	Elf *elf = NULL;
	int fd, err = -EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msgsz, "%s", strerror(errno));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		snprintf(msg, msgsz, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "not a regular file");
		goto out;
	}
	if (st.st_size == 0) {
		snprintf(msg, msgsz, "not a BPF ELF object (empty file)");
		goto out;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(msg, msgsz, "libelf: %s", elf_errmsg(-1));
		goto out;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(msg, msgsz, "not a BPF ELF object (not an ELF file)");
		goto out;
	}
	ident = (unsigned char *)elf_getident(elf, NULL);
	if (!ident || !gelf_getehdr(elf, &ehdr)) {
		snprintf(msg, msgsz, "not a BPF ELF object (truncated ELF header)");
		goto out;
	}
	if (ident[EI_CLASS] != ELFCLASS64) {
		snprintf(msg, msgsz, "not a BPF ELF object (ELF class %u, not 64-bit)",
			 ident[EI_CLASS]);
		goto out;
	}
	/* libbpf accepts e_machine 0 from old toolchains, so do we. */
	if (ehdr.e_machine != EM_BPF && ehdr.e_machine != EM_NONE) {
		snprintf(msg, msgsz, "not a BPF ELF object (e_machine %u)", ehdr.e_machine);
		goto out;
	}
	if (ehdr.e_type != ET_REL) {
		snprintf(msg, msgsz, "not a relocatable BPF object (e_type %u)", ehdr.e_type);
		goto out;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (ident[EI_DATA] != ELFDATA2LSB) {
#else
	if (ident[EI_DATA] != ELFDATA2MSB) {
#endif
		snprintf(msg, msgsz, "BPF object of the other byte order than this host");
		goto out;
	}
	if (ehdr.e_shoff > (uint64_t)st.st_size ||
	    (uint64_t)ehdr.e_shnum * ehdr.e_shentsize > (uint64_t)st.st_size - ehdr.e_shoff ||
	    (ehdr.e_shnum && ehdr.e_shentsize != sizeof(Elf64_Shdr))) {
		snprintf(msg, msgsz, "truncated or corrupt section table (offset %llu, %u entries)",
			 (unsigned long long)ehdr.e_shoff, ehdr.e_shnum);
		goto out;
	}
	err = check_sections(elf, st.st_size, msg, msgsz);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

/*
 * Have libbpf do everything it does before BPF_PROG_LOAD — append the .text
 * subprograms each program calls, resolve BPF-to-BPF call offsets, point map
 * and global-data references at their maps — without the kernel: in
 * gen_loader mode (light skeletons) libbpf records the load instead of
 * performing it, and makes no bpf() call.  Maps are then named by index
 * (BPF_PSEUDO_MAP_IDX / _IDX_VALUE) rather than by fd.  Programs marked not
 * to load by default (SEC("?...")) are linked too.  CO-RE relocations
 * are left for the kernel in this mode, so CO-RE offsets show unrelocated.
 * Returns 0, or -1 with errno set.
 */
int objfile_link(struct bpf_object *obj)
{
	LIBBPF_OPTS(gen_loader_opts, gopts);
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	/* libbpf 1.1 dereferences kernel-only state linking struct_ops in this mode */
	bpf_object__for_each_map (map, obj) {
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS) {
			errno = EOPNOTSUPP;
			return -1;
		}
	}
	bpf_object__for_each_program (prog, obj) {
		/* SEC("?...") programs are not loaded by default; libbpf links only loaded ones */
		bpf_program__set_autoload(prog, true);
		/* legacy section names: any type will do for linking (shown: the section's) */
		if (bpf_program__type(prog) == BPF_PROG_TYPE_UNSPEC)
			bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
	}
	/* pinning would look at (and write to) the real bpffs */
	bpf_object__for_each_map (map, obj)
		bpf_map__set_pin_path(map, NULL);
	libbpf_clear_warning();
	err = bpf_object__gen_loader(obj, &gopts) ?: bpf_object__load(obj);
	if (err) {
		errno = err < 0 ? -err : EINVAL;
		return -1;
	}
	return 0;
}

#define PROBE_TIMEOUT_SECS 20

/* Wait for a probe child; -EINVAL and @msg if libbpf crashed or hung @doing. */
static int probe_wait(pid_t pid, const char *doing, char *msg, size_t msgsz)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		snprintf(msg, msgsz, "libbpf did not finish %s it in %d s", doing,
			 PROBE_TIMEOUT_SECS);
		return -EINVAL;
	}
	if (WIFSIGNALED(status)) {
		snprintf(msg, msgsz, "libbpf crashed %s it: %s", doing,
			 strsignal(WTERMSIG(status)));
		return -EINVAL;
	}
	return 0;
}

/*
 * Open @path with libbpf in a child.  Returns 0 if the child came back
 * (whether libbpf accepted the file or failed cleanly: the caller's own open
 * reports that), or -EINVAL with @msg if libbpf crashed or hung on it.
 */
int objfile_probe(const char *path, char *msg, size_t msgsz)
{
	pid_t pid;
	int err;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 0; /* cannot isolate: let the caller try unprotected */
	if (pid == 0) {
		struct bpf_object *obj;

		alarm(PROBE_TIMEOUT_SECS);
		libbpf_set_print(NULL);
		obj = bpf_object__open_file(path, NULL);
		bpf_object__close(obj);
		_exit(0);
	}
	err = probe_wait(pid, "parsing", msg, msgsz);
	if (err) { /* a file libbpf cannot even parse is damaged */
		char why[200];

		snprintf(why, sizeof(why), "%s", msg);
		snprintf(msg, msgsz, "corrupt BPF object (%s)", why);
	}
	return err;
}

/*
 * The same for objfile_link(): libbpf 1.1 crashes linking some objects in
 * gen_loader mode (struct_ops), so link once in a child first.
 */
int objfile_probe_link(const char *path, char *msg, size_t msgsz)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		struct bpf_object *obj;

		alarm(PROBE_TIMEOUT_SECS);
		libbpf_set_print(NULL);
		obj = bpf_object__open_file(path, NULL);
		if (obj)
			objfile_link(obj);
		bpf_object__close(obj);
		_exit(0);
	}
	return probe_wait(pid, "linking", msg, msgsz);
}

/*
 * Open @path the way commands that run or prove a program need it: checked,
 * probed in a child (libbpf may crash on damaged files, or linking some
 * objects), opened, the program @prog_name chosen (NULL: the only one), and
 * with @link linked as libbpf would submit it (objfile_link()).  Returns the
 * object and *@prog, or NULL after one p_err() with errno set.
 */
struct bpf_object *objfile_open(const char *path, bool link, const char *prog_name,
				struct bpf_program **prog)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	char msg[256];
	int err, n = 0;

	*prog = NULL;
	err = objfile_check(path, msg, sizeof(msg)) ?: objfile_probe(path, msg, sizeof(msg));
	if (!err && link)
		err = objfile_probe_link(path, msg, sizeof(msg));
	if (err) {
		p_err("%s: %s", path, msg);
		errno = -err;
		return NULL;
	}
	libbpf_clear_warning();
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		const char *why = libbpf_last_warning();

		err = errno;
		p_err("%s: libbpf cannot open it: %s%s%s%s", path, strerror(err), *why ? " (" : "",
		      why, *why ? ")" : "");
		errno = err;
		return NULL;
	}
	bpf_object__for_each_program (p, obj) {
		if (prog_name ? !strcmp(bpf_program__name(p), prog_name) : !n)
			*prog = p;
		n++;
	}
	if (!*prog || (!prog_name && n > 1)) {
		if (prog_name)
			p_err("%s: no program named '%s'", path, prog_name);
		else if (n)
			p_err("%s: %d programs; choose one with --prog NAME", path, n);
		else
			p_err("%s: no programs", path);
		err = ENOENT;
		goto fail;
	}
	if (link && objfile_link(obj)) {
		const char *why = libbpf_last_warning();

		err = errno;
		if (err == EOPNOTSUPP && !*why)
			why = "struct_ops objects cannot be linked without the kernel by libbpf 1.1";
		p_err("%s: libbpf cannot link it: %s%s%s%s", path, strerror(err), *why ? " (" : "",
		      why, *why ? ")" : "");
		goto fail;
	}
	return obj;
fail:
	bpf_object__close(obj);
	*prog = NULL;
	errno = err;
	return NULL;
}

/*
 * The program type as libbpf decides it from @prog's section name, or
 * BPF_PROG_TYPE_UNSPEC.  Unlike bpf_program__type() this is not changed by
 * objfile_link(), which gives legacy sections a placeholder type to link.
 */
enum bpf_prog_type objfile_section_type(const struct bpf_program *prog)
{
	enum bpf_attach_type attach;
	enum bpf_prog_type type;

	if (libbpf_prog_type_by_name(bpf_program__section_name(prog), &type, &attach))
		return BPF_PROG_TYPE_UNSPEC;
	return type;
}
