#!/bin/sh
# Tests of tests/corpus/corpus_manifest: the TSV it prints for the shipped
# example, for bad files, and for an object written in the style of older
# loaders (legacy section names, a LIBBPF_PIN_BY_NAME map, a ring buffer of
# an odd size): types are inferred and said so, and nothing is pinned under
# /sys/fs/bpf.  Load checks skip when bpf() is not permitted; the object is
# compiled here with clang (scripts/deps.sh), or those checks skip.
set -u
cd "$(dirname "$0")/../.." || exit 1 # BUILD and the sources are relative to the root

BUILD=${BUILD:-build}
TOOL=$BUILD/tests/corpus/corpus_manifest
OBJ=$BUILD/examples/xdp_example.bpf.o
SUITE=test_manifest

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/cli/lib.sh
# field OBJECT PROGRAM COLUMN: one column of the line for OBJECT/PROGRAM
field() {
	awk -F'\t' -v o="$1" -v p="$2" -v c="$3" '$1 == o && $2 == p { print $c; exit }' "$tmp/out"
}

if [ ! -x "$TOOL" ] || [ ! -f "$OBJ" ]; then
	bad "setup" "$TOOL or $OBJ missing (build first)"
	finish
fi

mkdir -p "$tmp/root/sub"
cp "$OBJ" "$tmp/root/sub/example.o"
: >"$tmp/root/empty.o"
cp /bin/ls "$tmp/root/ls.o"

"$TOOL" --root "$tmp/root" "$tmp/root/sub/example.o" "$tmp/root/empty.o" "$tmp/root/ls.o" \
	"$tmp/root/missing.o" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "exits 0" [ "$rc" -eq 0 ]
header=$(printf '#object\tprogram\tsection\ttype\tinsns\tloads\txlated\tjited\tnote')
check "header first" [ "$(sed -n 1p "$tmp/out")" = "$header" ]
check "one line per object here" [ "$(grep -vc '^#' "$tmp/out")" -eq 4 ]
check "9 columns everywhere" [ "$(awk -F'\t' 'NF != 9' "$tmp/out" | wc -l)" -eq 0 ]
check "paths relative to --root" [ -n "$(field sub/example.o xdp_example 1)" ]
check "section" [ "$(field sub/example.o xdp_example 3)" = xdp ]
check "type" [ "$(field sub/example.o xdp_example 4)" = xdp ]
n=$(readelf -sW "$OBJ" 2>/dev/null | awk '$8 == "xdp_example" && $4 == "FUNC" { print $3 / 8 }')
check "insns as after open (${n:-?})" [ "$(field sub/example.o xdp_example 5)" = "${n:-38}" ]
check "empty file: program -" [ "$(field empty.o - 6)" = no ]
check "empty file: note says open" matches "$(field empty.o - 9)" 'open: '
check "ELF of another machine: note says open" matches "$(field ls.o - 9)" 'open: '
check "missing file: No such file" \
	matches "$(field missing.o - 9)" '.*No such file'

# An object whose damaged .BTF crashed libbpf 1.1.2 while opening: it costs one
# line, and the object after it is still done.
btf=$(readelf -SW "$OBJ" 2>/dev/null |
	sed -n 's/^ *\[ *[0-9]*\] \.BTF  *PROGBITS  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
if [ -n "$btf" ]; then
	cp "$OBJ" "$tmp/root/btf.o"
	printf '\232' | dd of="$tmp/root/btf.o" bs=1 seek=$((0x$btf + 226)) conv=notrunc 2>/dev/null
	"$TOOL" --root "$tmp/root" "$tmp/root/btf.o" "$tmp/root/sub/example.o" >"$tmp/out2" 2>&1
	rc=$?
	check "damaged .BTF: the run goes on (status $rc)" [ "$rc" -eq 0 ] &&
		[ "$(awk -F'\t' '$1 == "sub/example.o"' "$tmp/out2" | wc -l)" -eq 1 ]
	note=$(awk -F'\t' '$1 == "btf.o" { print $9; exit }' "$tmp/out2")
	check "damaged .BTF: one line with a reason ($note)" \
		[ "$(awk -F'\t' '$1 == "btf.o"' "$tmp/out2" | wc -l)" -ge 1 ] && [ -n "$note" ]
else
	skipped "damaged .BTF" "no readelf"
fi

loads=$(field sub/example.o xdp_example 6)
if [ "$loads" = yes ]; then
	ok "example loads"
	check "xlated insns > 0" [ "$(field sub/example.o xdp_example 7)" -gt 0 ]
	check "jited bytes > 0" [ "$(field sub/example.o xdp_example 8)" -gt 0 ]
	check "no note when it loads" [ -z "$(field sub/example.o xdp_example 9)" ]
	permitted=1
else
	skipped "example loads" "$(field sub/example.o xdp_example 9)"
	permitted=0
fi

# --- an object in the style of older loaders -----------------------------------
cat >"$tmp/legacy.bpf.c" <<'CEOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bpfsynth_test_pinned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
} sizeless SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000);
} odd_ringbuf SEC(".maps");

SEC("xdp_legacy")
int xdp_old(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&sizeless, &k);

	bpf_map_lookup_elem(&bpfsynth_test_pinned, &k);
	if (v)
		bpf_ringbuf_output(&odd_ringbuf, v, sizeof(*v), 0);
	return XDP_PASS;
}

SEC("socket1")
int sock_legacy(struct __sk_buff *skb)
{
	return 0;
}

SEC("frobnicate")
int unknown_type(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
CEOF
arch_inc=/usr/include/$(cc -dumpmachine 2>/dev/null)
if ! command -v clang >/dev/null 2>&1 ||
	! clang -target bpf -O2 -g -idirafter "$arch_inc" -c "$tmp/legacy.bpf.c" \
		-o "$tmp/root/legacy.o" 2>"$tmp/clang.err"; then
	skipped "legacy object" "cannot compile it: $(head -n 1 "$tmp/clang.err" 2>/dev/null)"
	finish
fi
pinned=/sys/fs/bpf/bpfsynth_test_pinned
pinned_before=no
[ -e "$pinned" ] && pinned_before=yes

"$TOOL" --root "$tmp/root" "$tmp/root/legacy.o" >"$tmp/out" 2>"$tmp/err"
check "legacy: exits 0" [ "$?" -eq 0 ]
check "legacy: three programs" [ "$(grep -vc '^#' "$tmp/out")" -eq 3 ]
check "xdp_* inferred as xdp" [ "$(field legacy.o xdp_old 4)" = xdp ]
check "xdp_* says type inferred" matches "$(field legacy.o xdp_old 9)" 'type inferred'
check "socket* inferred as socket_filter" [ "$(field legacy.o sock_legacy 4)" = socket_filter ]
check "unknown section: type unknown, not loaded" \
	[ "$(field legacy.o unknown_type 6)" = no ] &&
	matches "$(field legacy.o unknown_type 9)" 'type unknown'
if [ "$permitted" = 1 ]; then
	check "xdp_* with pinned, sizeless and ringbuf maps loads" \
		[ "$(field legacy.o xdp_old 6)" = yes ]
	check "socket* loads" [ "$(field legacy.o sock_legacy 6)" = yes ]
	if [ "$pinned_before" = no ]; then
		check "nothing pinned in /sys/fs/bpf" [ ! -e "$pinned" ]
	else
		skipped "nothing pinned in /sys/fs/bpf" "$pinned existed before the test"
	fi
else
	skipped "legacy loads" "bpf() not permitted"
fi

finish
