// SPDX-License-Identifier: MIT
/*
 * An object file as bytes, with its functions located and the instructions
 * libbpf patches at load time marked (see elfwrite.h).
 *
 * The marks come from two places.  Relocation sections (.rel<sec>) name the
 * LD_IMM64 of every map and global-data reference, every call and function
 * pointer into a code section and every extern (kfuncs, ksyms, kconfig).
 * .BTF.ext's CO-RE records name instructions whose offsets or immediates
 * libbpf recomputes against the running kernel's BTF (field offsets of
 * tracing programs' ctx and kernel structs, type ids, enum values).  Both
 * name instructions by byte offset in the section, so an instruction keeps
 * its marks as long as nothing moves, which `opt` guarantees.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tools/elfwrite.h"

#define BTF_MAGIC_LE 0xeb9f

static int read_all(int fd, uint8_t *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, buf + done, size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int add_prog(struct elfw_obj *o, const char *name, const char *sec, size_t shndx,
		    uint64_t file_off, uint64_t sec_off, uint64_t size)
{
	struct elfw_prog *p = realloc(o->progs, (o->nprogs + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	o->progs = p;
	p = &p[o->nprogs];
	memset(p, 0, sizeof(*p));
	p->cnt = size / sizeof(struct bpf_insn);
	p->file_off = file_off;
	p->sec_off = sec_off;
	p->shndx = shndx;
	p->name = strdup(name);
	p->section = strdup(sec);
	p->insns = malloc(size ?: 1);
	p->frozen = calloc(p->cnt ?: 1, sizeof(bool));
	o->nprogs++; /* freed by elfw_close() even when half made */
	if (!p->name || !p->section || !p->insns || !p->frozen)
		return -ENOMEM;
	memcpy(p->insns, o->buf + file_off, size);
	return 0;
}

/* The function of section @shndx covering byte @off of the section, or NULL. */
static struct elfw_prog *prog_at(struct elfw_obj *o, size_t shndx, uint64_t off, size_t *idx)
{
	size_t i;

	for (i = 0; i < o->nprogs; i++) {
		struct elfw_prog *p = &o->progs[i];

		if (p->shndx != shndx || off < p->sec_off ||
		    off >= p->sec_off + p->cnt * sizeof(struct bpf_insn))
			continue;
		*idx = (size_t)((off - p->sec_off) / sizeof(struct bpf_insn));
		return p;
	}
	return NULL;
}

struct secinfo {
	uint64_t *off; /* file offset per section */
	uint64_t *size;
	bool *code; /* SHF_EXECINSTR */
	char **name;
	size_t n;
};

static int mark_rel(struct elfw_obj *o, Elf_Scn *scn, const GElf_Shdr *sh, const struct secinfo *si,
		    Elf_Data *syms)
{
	size_t target = sh->sh_info, i, n;
	Elf_Data *d = elf_getdata(scn, NULL);

	if (!d || target >= si->n || !si->code[target] || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		struct elfw_prog *p;
		GElf_Rel rel;
		GElf_Sym sym;
		size_t idx;

		if (!gelf_getrel(d, (int)i, &rel))
			return -EINVAL;
		p = prog_at(o, target, rel.r_offset, &idx);
		if (!p)
			continue;
		p->frozen[idx] = true;
		if (idx + 1 < p->cnt && p->insns[idx].code == (BPF_LD | BPF_IMM | BPF_DW))
			p->frozen[idx + 1] = true;
		p->nrel++;
		if (syms && gelf_getsym(syms, (int)GELF_R_SYM(rel.r_info), &sym) &&
		    sym.st_shndx < si->n && sym.st_shndx != SHN_UNDEF && si->code[sym.st_shndx])
			p->calls_code = true;
	}
	return 0;
}

/* CO-RE records of .BTF.ext (format: libbpf's btf.h, struct btf_ext_header). */
static void mark_core(struct elfw_obj *o, const struct secinfo *si, size_t btf, size_t ext)
{
	const uint8_t *b = o->buf + si->off[btf], *e = o->buf + si->off[ext];
	uint64_t bsz = si->size[btf], esz = si->size[ext];
	uint32_t bhdr, str_off, str_len, ehdr, core_off, core_len, rec, pos, end;

	if (bsz < 24 || esz < 32 || *(const uint16_t *)b != BTF_MAGIC_LE ||
	    *(const uint16_t *)e != BTF_MAGIC_LE)
		return;
	memcpy(&bhdr, b + 4, 4);
	memcpy(&str_off, b + 16, 4);
	memcpy(&str_len, b + 20, 4);
	memcpy(&ehdr, e + 4, 4);
	if (ehdr < 32 || ehdr > esz || (uint64_t)bhdr + str_off + str_len > bsz)
		return;
	memcpy(&core_off, e + 24, 4);
	memcpy(&core_len, e + 28, 4);
	if (!core_len || (uint64_t)ehdr + core_off + core_len > esz || core_len < 4)
		return;
	pos = ehdr + core_off;
	end = pos + core_len;
	memcpy(&rec, e + pos, 4);
	pos += 4;
	if (rec < 16)
		return;
	while (pos + 8 <= end) {
		uint32_t name_off, num, k;
		const char *name;
		size_t s;

		memcpy(&name_off, e + pos, 4);
		memcpy(&num, e + pos + 4, 4);
		pos += 8;
		if (name_off >= str_len || (uint64_t)num * rec > end - pos)
			return;
		name = (const char *)b + bhdr + str_off + name_off;
		for (s = 1; s < si->n; s++)
			if (si->code[s] && si->name[s] && !strcmp(si->name[s], name))
				break;
		for (k = 0; s < si->n && k < num; k++) {
			uint32_t insn_off;
			struct elfw_prog *p;
			size_t idx;

			memcpy(&insn_off, e + pos + k * rec, 4);
			p = prog_at(o, s, insn_off, &idx);
			if (!p)
				continue;
			p->frozen[idx] = true;
			if (idx + 1 < p->cnt && p->insns[idx].code == (BPF_LD | BPF_IMM | BPF_DW))
				p->frozen[idx + 1] = true;
			p->ncore++;
		}
		pos += num * rec;
	}
}

static void secinfo_free(struct secinfo *si)
{
	free(si->off);
	free(si->size);
	free(si->code);
	free(si->name);
}

static int scan(struct elfw_obj *o, Elf *elf, char *msg, size_t msgsz)
{
	struct secinfo si = {0};
	size_t shstrndx, i, nsyms = 0, btf = 0, ext = 0;
	Elf_Data *syms = NULL;
	GElf_Shdr symsh = {0}, sh;
	Elf_Scn *scn;
	GElf_Ehdr eh;
	int err = 0;

	if (!gelf_getehdr(elf, &eh) || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		snprintf(msg, msgsz, "not a little-endian 64-bit ELF object");
		return -EINVAL;
	}
	if (elf_getshdrnum(elf, &si.n) || elf_getshdrstrndx(elf, &shstrndx)) {
		snprintf(msg, msgsz, "corrupt section table (%s)", elf_errmsg(-1));
		return -EINVAL;
	}
	si.off = calloc(si.n, sizeof(*si.off));
	si.size = calloc(si.n, sizeof(*si.size));
	si.code = calloc(si.n, sizeof(*si.code));
	si.name = calloc(si.n, sizeof(*si.name));
	if (!si.off || !si.size || !si.code || !si.name) {
		err = -ENOMEM;
		goto oom;
	}
	for (i = 1; i < si.n; i++) {
		scn = elf_getscn(elf, i);
		if (!scn || !gelf_getshdr(scn, &sh))
			continue;
		si.name[i] = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_NOBITS || sh.sh_offset > o->size ||
		    sh.sh_size > o->size - sh.sh_offset)
			continue;
		si.off[i] = sh.sh_offset;
		si.size[i] = sh.sh_size;
		si.code[i] = sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR) &&
			     !(sh.sh_flags & SHF_COMPRESSED);
		if (sh.sh_type == SHT_SYMTAB && !syms) {
			symsh = sh;
			syms = elf_getdata(scn, NULL);
			nsyms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		}
		if (si.name[i] && !strcmp(si.name[i], ".BTF"))
			btf = i;
		if (si.name[i] && !strcmp(si.name[i], ".BTF.ext"))
			ext = i;
	}
	if (!syms) {
		snprintf(msg, msgsz, "no symbol table");
		err = -ENOENT;
		goto out;
	}
	for (i = 1; i < nsyms; i++) {
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(syms, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= si.n || !si.code[sym.st_shndx] ||
		    !sym.st_size)
			continue;
		name = elf_strptr(elf, symsh.sh_link, sym.st_name);
		if (!name || sym.st_value > si.size[sym.st_shndx] ||
		    sym.st_size > si.size[sym.st_shndx] - sym.st_value ||
		    sym.st_value % sizeof(struct bpf_insn) ||
		    sym.st_size % sizeof(struct bpf_insn)) {
			snprintf(msg, msgsz, "symbol %zu lies outside its section", i);
			err = -EINVAL;
			goto out;
		}
		err = add_prog(o, name, si.name[sym.st_shndx] ?: "", sym.st_shndx,
			       si.off[sym.st_shndx] + sym.st_value, sym.st_value, sym.st_size);
		if (err)
			goto oom;
		o->progs[o->nprogs - 1].is_static = GELF_ST_BIND(sym.st_info) == STB_LOCAL;
	}
	for (i = 1; i < si.n; i++) {
		scn = elf_getscn(elf, i);
		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL)
			continue;
		err = mark_rel(o, scn, &sh, &si, syms);
		if (err) {
			snprintf(msg, msgsz, "corrupt relocation section %zu", i);
			goto out;
		}
	}
	if (btf && ext)
		mark_core(o, &si, btf, ext);
	/* calls with a relative offset need no relocation, but they are calls all the same */
	for (i = 0; i < o->nprogs; i++) {
		struct elfw_prog *p = &o->progs[i];
		size_t k;

		for (k = 0; k < p->cnt; k++)
			if (p->insns[k].code == (BPF_JMP | BPF_CALL) &&
			    p->insns[k].src_reg == BPF_PSEUDO_CALL)
				p->calls_code = true;
	}
	goto out;
oom:
	snprintf(msg, msgsz, "out of memory");
out:
	secinfo_free(&si);
	return err;
}

int elfw_open(const char *path, struct elfw_obj *o, char *msg, size_t msgsz)
{
	struct stat st;
	Elf *elf = NULL;
	int fd, err;

	memset(o, 0, sizeof(*o));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		snprintf(msg, msgsz, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	o->size = (size_t)st.st_size;
	o->mode = st.st_mode & 07777;
	o->path = strdup(path);
	o->buf = malloc(o->size ?: 1);
	if (!o->path || !o->buf) {
		err = -ENOMEM;
		snprintf(msg, msgsz, "out of memory");
		goto out;
	}
	err = read_all(fd, o->buf, o->size);
	if (err) {
		snprintf(msg, msgsz, "%s", strerror(-err));
		goto out;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(msg, msgsz, "not an ELF object");
		err = -EINVAL;
		goto out;
	}
	err = scan(o, elf, msg, msgsz);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	if (err)
		elfw_close(o);
	return err;
}

void elfw_close(struct elfw_obj *o)
{
	size_t i;

	for (i = 0; i < o->nprogs; i++) {
		free(o->progs[i].name);
		free(o->progs[i].section);
		free(o->progs[i].insns);
		free(o->progs[i].frozen);
	}
	free(o->progs);
	free(o->buf);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

struct elfw_prog *elfw_find(struct elfw_obj *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nprogs; i++)
		if (!strcmp(o->progs[i].name, name))
			return &o->progs[i];
	return NULL;
}

void elfw_set_insns(struct elfw_obj *o, const struct elfw_prog *p, const struct bpf_insn *insns)
{
	memcpy(o->buf + p->file_off, insns, p->cnt * sizeof(*insns));
}

int elfw_save(const struct elfw_obj *o, const char *path, char *msg, size_t msgsz)
{
	char *tmp = NULL, *dcopy = NULL;
	size_t done = 0;
	int fd = -1, dfd, err = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		snprintf(msg, msgsz, "out of memory");
		return -ENOMEM;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msgsz, "cannot create a file next to %s: %s", path, strerror(errno));
		free(tmp);
		return err;
	}
	while (done < o->size) {
		ssize_t n = write(fd, o->buf + done, o->size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	if (!err && (fchmod(fd, o->mode & 0777) || fsync(fd)))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		snprintf(msg, msgsz, "cannot write %s: %s", path, strerror(-err));
		unlink(tmp);
		goto out;
	}
	/* the rename itself must reach the disk too */
	dcopy = strdup(path);
	if (dcopy) {
		dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
out:
	free(dcopy);
	free(tmp);
	return err;
}
