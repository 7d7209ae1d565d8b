// SPDX-License-Identifier: MIT
/*
 * cache/header: an entry's JSON header (cache.c documents its fields), built
 * by the writer and parsed by the full reader.  The load path never parses
 * it (hit.c); the full reader checks that it agrees with the binary head.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>

#include "cache/entry_internal.h"

static void digest_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	uint8_t dig[SHA256_LEN];

	sha256(data, len, dig);
	sha256_hex(dig, hex);
}

static json_t *maps_json(const struct cache_prog *cp)
{
	json_t *arr = json_array();
	uint32_t i;

	for (i = 0; arr && i < cp->nmaps; i++) {
		const struct cache_map_desc *m = &cp->maps[i];

		json_t *o =
			json_pack("{s:I,s:I,s:I,s:I,s:I}", "type", (json_int_t)m->type, "key_size",
				  (json_int_t)m->key_size, "value_size", (json_int_t)m->value_size,
				  "max_entries", (json_int_t)m->max_entries, "map_flags",
				  (json_int_t)m->map_flags);
		static const uint8_t zero[SHA256_LEN];

		if (o && memcmp(m->content, zero, SHA256_LEN)) {
			char hex[SHA256_HEX_LEN + 1];

			sha256_hex(m->content, hex);
			json_object_set_new(o, "content_sha256", json_string(hex));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *entry_header_json(const struct cache_entry *e)
{
	char osha[SHA256_HEX_LEN + 1], psha[SHA256_HEX_LEN + 1];
	const struct cache_prog *cp = &e->orig;
	struct utsname u;
	json_t *h;

	digest_hex(cp->insns, (size_t)cp->insn_cnt * 8, osha);
	h = json_pack("{s:i,s:s,s:s,s:I,s:I,s:I,s:I,s:o,s:I,s:s,s:s,s:I}", "format", ENTRY_FORMAT,
		      "key", e->key, "byte_order",
		      __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "little" : "big", "prog_type",
		      (json_int_t)cp->prog_type, "expected_attach_type",
		      (json_int_t)cp->expected_attach_type, "prog_flags",
		      (json_int_t)cp->prog_flags, "attach_btf_id", (json_int_t)cp->attach_btf_id,
		      "maps", maps_json(cp), "orig_insns", (json_int_t)cp->insn_cnt, "orig_sha256",
		      osha, "optimizer_version", e->optimizer_version, "created",
		      (json_int_t)(e->created ? e->created : time(NULL)));
	if (!h)
		return NULL;
	if (e->opt) {
		digest_hex(e->opt, (size_t)e->opt_cnt * 8, psha);
		json_object_set_new(h, "opt_insns", json_integer(e->opt_cnt));
		json_object_set_new(h, "opt_effective_insns",
				    json_integer(cache_insn_cnt_effective(e->opt, e->opt_cnt)));
		json_object_set_new(h, "opt_sha256", json_string(psha));
	} else {
		json_object_set_new(h, "opt_insns", json_null());
		json_object_set_new(h, "opt_effective_insns", json_null());
		json_object_set_new(h, "opt_sha256", json_null());
	}
	if (e->kernel_release[0])
		json_object_set_new(h, "kernel_release", json_string(e->kernel_release));
	else
		json_object_set_new(h, "kernel_release",
				    json_string(uname(&u) ? "unknown" : u.release));
	if (e->name[0])
		json_object_set_new(h, "name", json_string(e->name));
	if (e->proof)
		json_object_set(h, "proof", e->proof);
	if (e->timings)
		json_object_set(h, "timings", e->timings);
	return h;
}

/* A JSON integer in [0, max], or -1. */
static int64_t get_uint(json_t *h, const char *name, uint64_t max)
{
	json_t *v = json_object_get(h, name);
	json_int_t i;

	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	return i < 0 || (uint64_t)i > max ? -1 : (int64_t)i;
}

static int bad(char *msg, size_t msgsz, const char *what)
{
	snprintf(msg, msgsz, "malformed entry: %s", what);
	return -EBADMSG;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 lower-case hex digits into 32 bytes; -EINVAL if @hex is not that. */
static int unhex(const char *hex, uint8_t out[SHA256_LEN])
{
	int i, hi, lo;

	if (!hex || strlen(hex) != SHA256_HEX_LEN)
		return -EINVAL;
	for (i = 0; i < SHA256_LEN; i++) {
		hi = hexval(hex[2 * i]);
		lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = hi << 4 | lo;
	}
	return 0;
}

int entry_header_parse(json_t *h, int format, struct cache_entry *e, size_t *olen, size_t *plen,
		       char *msg, size_t msgsz)
{
	static const char *const map_fields[] = {"type", "key_size", "value_size", "max_entries",
						 "map_flags"};
	const char *key, *ver, *rel, *bo;
	json_t *maps, *m;
	int64_t v[5], orig, opt;
	size_t i, j;

	if (!json_is_object(h))
		return bad(msg, msgsz, "header is not an object");
	if (get_uint(h, "format", 1000) != format)
		return bad(msg, msgsz, "unknown format");
	key = json_string_value(json_object_get(h, "key"));
	if (!key || !cache_key_valid(key))
		return bad(msg, msgsz, "key");
	bo = json_string_value(json_object_get(h, "byte_order"));
	if (!bo || strcmp(bo, __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "little" : "big"))
		return bad(msg, msgsz, "byte order");
	strcpy(e->key, key);
	v[0] = get_uint(h, "prog_type", UINT32_MAX);
	v[1] = get_uint(h, "expected_attach_type", UINT32_MAX);
	v[2] = get_uint(h, "prog_flags", UINT32_MAX);
	v[3] = get_uint(h, "attach_btf_id", UINT32_MAX);
	if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
		return bad(msg, msgsz, "program type fields");
	e->orig.prog_type = v[0];
	e->orig.expected_attach_type = v[1];
	e->orig.prog_flags = v[2];
	e->orig.attach_btf_id = v[3];
	maps = json_object_get(h, "maps");
	if (!json_is_array(maps) || json_array_size(maps) > CACHE_MAX_MAPS)
		return bad(msg, msgsz, "maps");
	json_array_foreach(maps, i, m)
	{
		for (j = 0; j < 5; j++) {
			v[j] = get_uint(m, map_fields[j], UINT32_MAX);
			if (v[j] < 0)
				return bad(msg, msgsz, "map description");
		}
		e->orig.maps[i] = (struct cache_map_desc){v[0], v[1], v[2], v[3], v[4], {0}};
		if (json_object_get(m, "content_sha256") &&
		    unhex(json_string_value(json_object_get(m, "content_sha256")),
			  e->orig.maps[i].content))
			return bad(msg, msgsz, "map content digest");
	}
	e->orig.nmaps = json_array_size(maps);
	orig = get_uint(h, "orig_insns", 1u << 20);
	if (orig <= 0)
		return bad(msg, msgsz, "orig_insns");
	e->orig.insn_cnt = orig;
	*olen = (size_t)orig * 8;
	if (json_is_null(json_object_get(h, "opt_insns"))) {
		*plen = 0;
	} else {
		opt = get_uint(h, "opt_insns", 1u << 20);
		if (opt <= 0)
			return bad(msg, msgsz, "opt_insns");
		e->opt_cnt = opt;
		*plen = (size_t)opt * 8;
	}
	ver = json_string_value(json_object_get(h, "optimizer_version"));
	if (!ver || strlen(ver) >= sizeof(e->optimizer_version))
		return bad(msg, msgsz, "optimizer_version");
	strcpy(e->optimizer_version, ver);
	rel = json_string_value(json_object_get(h, "kernel_release"));
	if (!rel)
		return bad(msg, msgsz, "kernel_release");
	snprintf(e->kernel_release, sizeof(e->kernel_release), "%s", rel);
	e->created = json_integer_value(json_object_get(h, "created"));
	/* Optional and informative: a name that is not a string is no name. */
	snprintf(e->name, sizeof(e->name), "%s",
		 json_is_string(json_object_get(h, "name"))
			 ? json_string_value(json_object_get(h, "name"))
			 : "");
	e->proof = json_incref(json_object_get(h, "proof"));
	e->timings = json_incref(json_object_get(h, "timings"));
	return 0;
}

int entry_header_check_digest(json_t *h, const char *name, const void *data, size_t len)
{
	char hex[SHA256_HEX_LEN + 1];
	const char *want = json_string_value(json_object_get(h, name));

	digest_hex(data, len, hex);
	return want && !strcmp(want, hex) ? 0 : -EBADMSG;
}
