// SPDX-License-Identifier: MIT
/*
 * The kernel as judge (see opt_kernel.h).  Each call opens the object from
 * memory, so nothing of one load (maps, their contents, the program) leaks
 * into the next; measured on this machine, a load costs 0.4-3 ms for
 * programs of up to a few hundred instructions and up to ~80 ms for ones the
 * verifier explores long (xdpfilt_alw_all, 437 instructions): the
 * verifier's time dominates, libbpf's open of the object about 0.3 ms.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tools/main.h"
#include "tools/opt_kernel.h"

#define DEFAULT_MAX_ENTRIES 256 /* for maps declared with max_entries 0 */

static bool map_size_fixed_by_kernel(enum bpf_map_type t)
{
	switch (t) {
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY: /* libbpf sizes it to the CPUs */
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case BPF_MAP_TYPE_STRUCT_OPS:
		return true;
	default:
		return false;
	}
}

/* Make an object's maps creatable here: no pinning, a size for the ones sized at run time. */
static int fix_maps(struct bpf_object *obj)
{
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map (map, obj) {
		enum bpf_map_type t = bpf_map__type(map);
		uint32_t max = bpf_map__max_entries(map);

		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
		if (t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_USER_RINGBUF) {
			uint32_t want = page;

			while (want < max && want < (1u << 30))
				want <<= 1;
			if (want != max && (err = bpf_map__set_max_entries(map, want)))
				return err;
		} else if (max == 0 && !map_size_fixed_by_kernel(t)) {
			err = bpf_map__set_max_entries(map, DEFAULT_MAX_ENTRIES);
			if (err)
				return err;
		}
	}
	return 0;
}

#define VLOG_SIZE (256 * 1024)

/* The verifier's verdict: the last line of its log that is not a statistic. */
static void vlog_reason(char *log, char *out, size_t outsz)
{
	char *line, *save = NULL, *last = NULL;

	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "processed ", 10) || !strncmp(line, "verification time", 17) ||
		    !strncmp(line, "stack depth", 11) || !*line)
			continue;
		last = line;
	}
	snprintf(out, outsz, "%s", last ?: "");
}

/* See opt_kernel.h. */
int kernel_load(const struct kload *k, const char *path, const struct bpf_insn *insns, size_t cnt,
		bool why, uint64_t *xlated, uint64_t *jited, char *msg, size_t msgsz)
{
	char *vlog = why ? calloc(1, VLOG_SIZE) : NULL;
	char vwhy[200] = "";
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = k->obj_name);
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	struct bpf_program *p, *prog = NULL;
	struct bpf_object *obj;
	int err;

	libbpf_clear_warning();
	obj = path ? bpf_object__open_file(path, NULL)
		   : bpf_object__open_mem(k->image, k->size, &oo);
	if (!obj) {
		err = -errno;
		snprintf(msg, msgsz, "libbpf cannot open the object: %s", strerror(errno));
		return err;
	}
	bpf_object__for_each_program (p, obj) {
		bool me = !strcmp(bpf_program__name(p), k->prog);

		bpf_program__set_autoload(p, me);
		if (me)
			prog = p;
	}
	err = -ENOENT;
	if (!prog) {
		snprintf(msg, msgsz, "no program named '%s'", k->prog);
		goto out;
	}
	if (k->type != BPF_PROG_TYPE_UNSPEC)
		bpf_program__set_type(prog, k->type);
	err = fix_maps(obj);
	if (!err && insns)
		err = bpf_program__set_insns(prog, (struct bpf_insn *)insns, cnt);
	if (!err && vlog)
		err = bpf_program__set_log_buf(prog, vlog, VLOG_SIZE);
	if (!err)
		err = bpf_object__load(obj);
	if (err) {
		const char *lw = libbpf_last_warning();

		err = err < 0 ? err : -EINVAL;
		if (vlog)
			vlog_reason(vlog, vwhy, sizeof(vwhy));
		if (!*vwhy)
			snprintf(vwhy, sizeof(vwhy), "%s", lw);
		snprintf(msg, msgsz, "the kernel rejects it: %s%s%s%s", strerror(-err),
			 *vwhy ? " (" : "", vwhy, *vwhy ? ")" : "");
		goto out;
	}
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &info_len);
	if (err) {
		err = -errno;
		snprintf(msg, msgsz, "BPF_OBJ_GET_INFO_BY_FD: %s", strerror(errno));
		goto out;
	}
	*xlated = info.xlated_prog_len / sizeof(struct bpf_insn);
	if (jited)
		*jited = info.jited_prog_len;
out:
	bpf_object__close(obj);
	free(vlog);
	return err;
}
