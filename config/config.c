// SPDX-License-Identifier: MIT
/* config/config: see config.h. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "config/config.h"

static const char *const mode_names[] = {
	[CONFIG_MODE_OFF] = "off",
	[CONFIG_MODE_CACHE] = "cache",
	[CONFIG_MODE_SYNC] = "sync",
	[CONFIG_MODE_ASYNC] = "async",
};

/* enum bpf_prog_type, by value, named as bpftool and libbpf name them. */
static const char *const type_names[] = {
	"unspec",
	"socket_filter",
	"kprobe",
	"sched_cls",
	"sched_act",
	"tracepoint",
	"xdp",
	"perf_event",
	"cgroup_skb",
	"cgroup_sock",
	"lwt_in",
	"lwt_out",
	"lwt_xmit",
	"sock_ops",
	"sk_skb",
	"cgroup_device",
	"sk_msg",
	"raw_tracepoint",
	"cgroup_sock_addr",
	"lwt_seg6local",
	"lirc_mode2",
	"sk_reuseport",
	"flow_dissector",
	"cgroup_sysctl",
	"raw_tracepoint_writable",
	"cgroup_sockopt",
	"tracing",
	"struct_ops",
	"ext",
	"lsm",
	"sk_lookup",
	"syscall",
	"netfilter",
};

#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

const char *config_mode_str(enum config_mode mode)
{
	return (unsigned int)mode < 4 ? mode_names[mode] : "?";
}

int config_mode_parse(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, mode_names[i]))
			return i;
	return -1;
}

int config_prog_type_parse(const char *s)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (!strcmp(s, type_names[i]))
			return (int)i;
	return -1;
}

const char *config_prog_type_str(uint32_t type)
{
	return type < NTYPES ? type_names[type] : NULL;
}

int config_budget_parse(const char *s, uint64_t *ms)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || v > (1ull << 40))
		return -EINVAL;
	if (!strcmp(end, "ms"))
		*ms = v;
	else if (!*end || !strcmp(end, "s"))
		*ms = v * 1000;
	else if (!strcmp(end, "m"))
		*ms = v * 60000;
	else
		return -EINVAL;
	return 0;
}

static void default_cache_dir(char *buf, size_t bufsz)
{
	const char *xdg = secure_getenv("XDG_CACHE_HOME"), *home = secure_getenv("HOME");

	if (geteuid() == 0)
		snprintf(buf, bufsz, "/var/cache/bpfsynth");
	else if (xdg && *xdg == '/')
		snprintf(buf, bufsz, "%s/bpfsynth", xdg);
	else if (home && *home == '/')
		snprintf(buf, bufsz, "%s/.cache/bpfsynth", home);
	else
		snprintf(buf, bufsz, "/tmp/bpfsynth-%u", (unsigned int)geteuid());
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = CONFIG_MODE_ASYNC;
	default_cache_dir(c->cache_dir, sizeof(c->cache_dir));
	c->budget_ms = CONFIG_DEFAULT_BUDGET_MS;
	c->log_level = LOG_OFF;
	c->min_insns = CONFIG_DEFAULT_MIN_INSNS;
	c->jobs = 1;
}

/* "LEVEL[:DEST]" */
static int parse_log(const char *s, enum log_level *level, char *path, size_t pathsz)
{
	const char *colon = strchr(s, ':');
	char lv[16];
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	int l;

	if (n >= sizeof(lv))
		return -EINVAL;
	memcpy(lv, s, n);
	lv[n] = '\0';
	l = log_level_parse(lv);
	if (l < 0 || (colon && !colon[1]))
		return -EINVAL;
	if (colon && strlen(colon + 1) >= pathsz)
		return -ENAMETOOLONG;
	*level = l;
	snprintf(path, pathsz, "%s", colon && strcmp(colon + 1, "stderr") ? colon + 1 : "");
	return 0;
}

static int set_path(char *dst, size_t dstsz, const char *s)
{
	if (*s != '/' || strlen(s) >= dstsz)
		return -EINVAL;
	snprintf(dst, dstsz, "%s", s);
	return 0;
}

static int parse_filter(json_t *o, struct config_filter *f, const char *what, char *msg,
			size_t msgsz)
{
	json_t *names, *types, *v;
	const char *k;
	size_t i;
	int t;

	if (!json_is_object(o)) {
		snprintf(msg, msgsz, "\"%s\" must be an object", what);
		return -EINVAL;
	}
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "names") && strcmp(k, "types")) {
			snprintf(msg, msgsz, "unknown key \"%s.%s\"", what, k);
			return -EINVAL;
		}
	}
	names = json_object_get(o, "names");
	types = json_object_get(o, "types");
	if ((names && !json_is_array(names)) || (types && !json_is_array(types))) {
		snprintf(msg, msgsz, "\"%s.names\" and \"%s.types\" must be arrays", what, what);
		return -EINVAL;
	}
	json_array_foreach(names, i, v)
	{
		const char *s = json_string_value(v);

		if (!s || strlen(s) >= sizeof(f->names[0]) || f->nnames == CONFIG_MAX_PATTERNS) {
			snprintf(msg, msgsz,
				 "\"%s.names\"[%zu]: a string of at most 63 characters"
				 " (at most %d names)",
				 what, i, CONFIG_MAX_PATTERNS);
			return -EINVAL;
		}
		snprintf(f->names[f->nnames++], sizeof(f->names[0]), "%s", s);
		f->any = true;
	}
	json_array_foreach(types, i, v)
	{
		const char *s = json_string_value(v);

		t = s ? config_prog_type_parse(s) : -1;
		if (t < 0) {
			snprintf(msg, msgsz, "\"%s.types\"[%zu]: unknown program type%s%s%s", what,
				 i, s ? " '" : "", s ? s : "", s ? "'" : "");
			return -EINVAL;
		}
		f->types |= 1ull << t;
		f->any = true;
	}
	return 0;
}

static int parse_doc(json_t *doc, struct config *c, char *msg, size_t msgsz)
{
	json_t *v;
	const char *k, *s;
	int m;

	if (!json_is_object(doc)) {
		snprintf(msg, msgsz, "the configuration must be a JSON object");
		return -EINVAL;
	}
	json_object_foreach(doc, k, v)
	{
		s = json_string_value(v);
		if (!strcmp(k, "mode")) {
			m = s ? config_mode_parse(s) : -1;
			if (m < 0)
				goto bad_value;
			c->mode = m;
		} else if (!strcmp(k, "cache_dir")) {
			if (!s || set_path(c->cache_dir, sizeof(c->cache_dir), s))
				goto bad_value;
		} else if (!strcmp(k, "budget")) {
			if (json_is_integer(v) && json_integer_value(v) >= 0)
				c->budget_ms = (uint64_t)json_integer_value(v) * 1000;
			else if (!s || config_budget_parse(s, &c->budget_ms))
				goto bad_value;
		} else if (!strcmp(k, "log")) {
			if (!s || parse_log(s, &c->log_level, c->log_path, sizeof(c->log_path)))
				goto bad_value;
		} else if (!strcmp(k, "min_insns")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > (1 << 20))
				goto bad_value;
			c->min_insns = json_integer_value(v);
		} else if (!strcmp(k, "jobs")) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > CONFIG_MAX_JOBS)
				goto bad_value;
			c->jobs = json_integer_value(v);
		} else if (!strcmp(k, "worker")) {
			if (!s || (strcmp(s, "off") && set_path(c->worker, sizeof(c->worker), s)))
				goto bad_value;
			snprintf(c->worker, sizeof(c->worker), "%s", s);
		} else if (!strcmp(k, "include") || !strcmp(k, "exclude")) {
			struct config_filter *f = k[0] == 'i' ? &c->include : &c->exclude;

			memset(f, 0, sizeof(*f));
			if (parse_filter(v, f, k, msg, msgsz))
				return -EINVAL;
		} else {
			snprintf(msg, msgsz, "unknown key \"%s\"", k);
			return -EINVAL;
		}
	}
	return 0;

bad_value:
	snprintf(msg, msgsz, "bad value for \"%s\"", k);
	return -EINVAL;
}

int config_read_file(struct config *c, const char *path, char *msg, size_t msgsz)
{
	char detail[CONFIG_MSG_SIZE];
	struct config tmp = *c;
	json_error_t jerr;
	json_t *doc;
	FILE *f;
	int err;

	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		return err;
	}
	doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!doc) {
		snprintf(msg, msgsz, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	err = parse_doc(doc, &tmp, detail, sizeof(detail));
	json_decref(doc);
	if (err) {
		snprintf(msg, msgsz, "%s: %s", path, detail);
		return err;
	}
	snprintf(tmp.file, sizeof(tmp.file), "%s", path);
	*c = tmp;
	return 0;
}

static void add_msg(char *msg, size_t msgsz, const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(msg);

	if (n && n + 2 < msgsz)
		n += snprintf(msg + n, msgsz - n, "; ");
	if (n < msgsz)
		snprintf(msg + n, msgsz - n, fmt, a, b);
}

int config_apply_env(struct config *c, char *msg, size_t msgsz)
{
	const char *s;
	uint64_t ms;
	int m, err = 0;
	char *end;

	s = secure_getenv("BPFSYNTH_MODE");
	if (s) {
		m = config_mode_parse(s);
		if (m >= 0)
			c->mode = m;
		else
			err = -EINVAL, add_msg(msg, msgsz,
					       "%s: unknown mode '%s' "
					       "(off, cache, sync, async)",
					       "BPFSYNTH_MODE", s);
	}
	s = secure_getenv("BPFSYNTH_CACHE_DIR");
	if (s && set_path(c->cache_dir, sizeof(c->cache_dir), s))
		err = -EINVAL,
		add_msg(msg, msgsz, "%s: '%s' is not an absolute path", "BPFSYNTH_CACHE_DIR", s);
	s = secure_getenv("BPFSYNTH_BUDGET");
	if (s) {
		if (!config_budget_parse(s, &ms))
			c->budget_ms = ms;
		else
			err = -EINVAL,
			add_msg(msg, msgsz, "%s: bad duration '%s'", "BPFSYNTH_BUDGET", s);
	}
	s = secure_getenv("BPFSYNTH_LOG");
	if (s && parse_log(s, &c->log_level, c->log_path, sizeof(c->log_path)))
		err = -EINVAL,
		add_msg(msg, msgsz, "%s: bad value '%s' (LEVEL[:stderr|FILE])", "BPFSYNTH_LOG", s);
	s = secure_getenv("BPFSYNTH_MIN_INSNS");
	if (s) {
		unsigned long v;

		errno = 0;
		v = strtoul(s, &end, 10);
		if (!errno && *s && !*end && v <= (1u << 20))
			c->min_insns = v;
		else
			err = -EINVAL,
			add_msg(msg, msgsz, "%s: bad number '%s'", "BPFSYNTH_MIN_INSNS", s);
	}
	s = secure_getenv("BPFSYNTH_JOBS");
	if (s) {
		unsigned long v;

		errno = 0;
		v = strtoul(s, &end, 10);
		if (!errno && *s && !*end && v >= 1 && v <= CONFIG_MAX_JOBS)
			c->jobs = v;
		else
			err = -EINVAL, add_msg(msg, msgsz, "%s: bad number '%s' (1 to 64)",
					       "BPFSYNTH_JOBS", s);
	}
	/* A worker is a program we execute: an absolute path, or "off". */
	s = secure_getenv("BPFSYNTH_WORKER");
	if (s && *s && strcmp(s, "off") && set_path(c->worker, sizeof(c->worker), s))
		err = -EINVAL,
		add_msg(msg, msgsz, "%s: '%s' is not an absolute path or \"off\"",
			"BPFSYNTH_WORKER", s);
	else if (s)
		snprintf(c->worker, sizeof(c->worker), "%s", s);
	return err;
}

int config_load(struct config *c, char *msg, size_t msgsz)
{
	const char *path = secure_getenv("BPFSYNTH_CONFIG");
	char detail[CONFIG_MSG_SIZE] = "";
	int err, err2;

	if (msgsz)
		msg[0] = '\0';
	config_defaults(c);
	err = config_read_file(c, path && *path ? path : CONFIG_DEFAULT_FILE, detail,
			       sizeof(detail));
	/* No file at the default place is the normal case; a named file must exist. */
	if (err == -ENOENT && !(path && *path))
		err = 0;
	else if (err)
		add_msg(msg, msgsz, "%s (file ignored)%s", detail, "");
	err2 = config_apply_env(c, msg, msgsz);
	return err ? err : err2;
}

static bool filter_match(const struct config_filter *f, const char *name, uint32_t type)
{
	uint32_t i;

	if (type < 64 && (f->types & (1ull << type)))
		return true;
	for (i = 0; i < f->nnames; i++)
		if (!fnmatch(f->names[i], name, 0))
			return true;
	return false;
}

bool config_wants(const struct config *c, const char *name, uint32_t prog_type, uint32_t insn_cnt)
{
	if (c->mode == CONFIG_MODE_OFF || insn_cnt < c->min_insns)
		return false;
	if (c->include.any && !filter_match(&c->include, name, prog_type))
		return false;
	return !(c->exclude.any && filter_match(&c->exclude, name, prog_type));
}
