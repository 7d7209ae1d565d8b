/* SPDX-License-Identifier: MIT */
/*
 * Tests that write programs in assembly assemble them with clang -target bpf
 * and read the instructions back from the object's .text section.
 */
#ifndef BPFSYNTH_TEST_ELF_TEXT_H
#define BPFSYNTH_TEST_ELF_TEXT_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
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

/*
 * Assembling test programs: @prelude (macros such as `insn` for encodings
 * clang 14 cannot assemble) and @text go to a .s file in a private temporary
 * directory, `clang -target bpf -mcpu=v3 -c` makes the object, and the .text
 * section comes back as the program.  0 and a malloc'ed program, or -errno.
 */
static char test_asm_dir[] = "/tmp/bpfsynth-test-asm.XXXXXX";
static bool test_asm_have_dir;

static inline int test_assemble(const char *prelude, const char *text, struct bpf_insn **insns,
				size_t *len)
{
	char src[128], obj[128], cmd[512];
	FILE *f;

	if (!test_asm_have_dir) {
		if (!mkdtemp(test_asm_dir))
			return -errno;
		test_asm_have_dir = true;
	}
	snprintf(src, sizeof(src), "%s/p.s", test_asm_dir);
	snprintf(obj, sizeof(obj), "%s/p.o", test_asm_dir);
	f = fopen(src, "w");
	if (!f)
		return -errno;
	fprintf(f, "%s%s\n", prelude, text);
	fclose(f);
	unlink(obj);
	snprintf(cmd, sizeof(cmd), "clang -target bpf -mcpu=v3 -c %s -o %s", src, obj);
	if (system(cmd) != 0)
		return -EINVAL;
	return elf_read_text(obj, insns, len);
}

/* Tests written in assembly need clang; say so (a skip) instead of failing without it. */
static inline bool test_need_clang(void)
{
	static int have = -1;

	if (have < 0)
		have = system("command -v clang >/dev/null 2>&1") == 0;
	if (!have)
		test_skip("clang not installed");
	return have;
}

static inline void test_assemble_cleanup(void)
{
	char path[160];

	if (!test_asm_have_dir)
		return;
	snprintf(path, sizeof(path), "%s/p.s", test_asm_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p.o", test_asm_dir);
	unlink(path);
	rmdir(test_asm_dir);
}

#endif
