/* SPDX-License-Identifier: MIT */
/*
 * Tests that write programs in assembly assemble them with clang -target bpf
 * and read the instructions back from the object's .text section.
 */
#ifndef BPFSYNTH_TEST_ELF_TEXT_H
#define BPFSYNTH_TEST_ELF_TEXT_H

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

/* Read the .text section of the ELF object at @path. */
static inline int elf_read_text(const char *path, struct bpf_insn **insns, size_t *len)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd, err = -ENOENT;
	Elf *e;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_getshdrstrndx(e, &shstrndx)) {
		err = -EINVAL;
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".text"))
			continue;
		d = elf_getdata(scn, NULL);
		*len = d ? d->d_size / sizeof(struct bpf_insn) : 0;
		*insns = calloc(*len ? *len : 1, sizeof(struct bpf_insn));
		if (*len)
			memcpy(*insns, d->d_buf, *len * sizeof(struct bpf_insn));
		err = 0;
		break;
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return err;
}

#endif
