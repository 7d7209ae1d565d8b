#!/bin/sh
# CLI tests of `bpfsynth check`: verdicts as exit statuses (0 equivalent,
# 1 different, 2 unknown, 255 errors), the counterexample in text and JSON,
# and the usage errors.  The programs are variants of one small XDP program
# in C, built here with clang -target bpf; without clang the suite skips.
set -u
cd "$(dirname "$0")/../.." || exit 1 # BUILD and the sources are relative to the root

BUILD=${BUILD:-build}
BIN=${BPFSYNTH:-$BUILD/bpfsynth}
SUITE=test_check

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/cli/lib.sh

# run ARGS...: stdout to $tmp/out, stderr to $tmp/err, status in $rc
run() {
	"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

if [ ! -x "$BIN" ]; then
	bad "setup" "$BIN missing (build first)"
	finish
fi
if ! command -v clang >/dev/null 2>&1; then
	skipped "all" "clang not installed"
	finish
fi

cat >"$tmp/p.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} counts SEC(".maps");

SEC("xdp") int prog(struct xdp_md *ctx)
{
	unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 k = 0;
	__u64 *v;

	if (p + 20 > end)
		return XDP_PASS;
	v = bpf_map_lookup_elem(&counts, &k);
	if (!v)
		return XDP_ABORTED;
#ifdef WRITE
	*v = WRITE;
#endif
	if (p[OFF] == 0x45)
		return XDP_DROP;
	return XDP_PASS;
}
#ifdef LOOP
SEC("xdp") int loop(struct xdp_md *ctx)
{
	int i, s = 0;

#pragma nounroll
	for (i = 0; i < ctx->rx_queue_index && i < 8; i++)
		s = (s << 3) ^ (s >> 5) ^ i;
	return s;
}
#endif
char LICENSE[] SEC("license") = "GPL";
EOF
CFLAGS="-target bpf -g -idirafter /usr/include/$(cc -dumpmachine 2>/dev/null)"
build() { # NAME CFLAGS...
	n=$1
	shift
	# shellcheck disable=SC2086
	clang $CFLAGS "$@" -c "$tmp/p.c" -o "$tmp/$n.o" 2>"$tmp/clang.err"
}
if ! build a -O2 -DOFF=14 || ! build b -O1 -DOFF=14 || ! build c -O2 -DOFF=15 ||
	! build w1 -O2 -DOFF=14 -DWRITE=1 || ! build w2 -O2 -DOFF=14 -DWRITE=2 ||
	! build loop -O2 -DOFF=14 -DLOOP; then
	skipped "all" "clang cannot build the test programs: $(head -n 1 "$tmp/clang.err")"
	finish
fi

# --- verdicts -----------------------------------------------------------------
run check "$tmp/a.o" "$tmp/a.o"
check "same object: exit 0" [ "$rc" -eq 0 ]
check "same object: says equivalent" grep -q '^equivalent: ' "$tmp/out"

run check "$tmp/a.o" "$tmp/b.o"
check "-O2 vs -O1: exit 0" [ "$rc" -eq 0 ]

run check "$tmp/a.o" "$tmp/c.o"
check "offset 14 vs 15: exit 1" [ "$rc" -eq 1 ]
check "offset 14 vs 15: says different" grep -q '^different: r0 differs' "$tmp/out"
check "offset 14 vs 15: prints the packet" grep -q '^    0000: ' "$tmp/out"
check "offset 14 vs 15: prints the map entry" grep -q 'map 0 entry: key 00 00 00 00' "$tmp/out"
check "offset 14 vs 15: nothing on stderr" [ ! -s "$tmp/err" ]

run check "$tmp/w1.o" "$tmp/w2.o"
check "map value 1 vs 2: exit 1" [ "$rc" -eq 1 ]
check "map value 1 vs 2: the map differs" grep -q 'value byte of map 0' "$tmp/out"

run check --prog loop "$tmp/loop.o" "$tmp/loop.o"
check "a loop: exit 2" [ "$rc" -eq 2 ]
check "a loop: says why" grep -q '^unknown: .*loop' "$tmp/out"

run check --timeout 5 --prog prog "$tmp/loop.o" "$tmp/a.o"
check "--prog and --timeout: exit 0" [ "$rc" -eq 0 ]

# --- JSON -----------------------------------------------------------------------
run -j check "$tmp/a.o" "$tmp/c.o"
check "json: exit 1" [ "$rc" -eq 1 ]
check "json: one line" [ "$(wc -l <"$tmp/out" | tr -d ' ')" = 1 ]
check "json: verdict" grep -q '"verdict":"different"' "$tmp/out"
check "json: packet in hex" grep -q '"packet":"[0-9a-f]*"' "$tmp/out"
run check "$tmp/a.o" "$tmp/b.o" --json
check "json after the objects: equivalent" grep -q '"verdict":"equivalent"' "$tmp/out"

# --- errors -----------------------------------------------------------------------
run check "$tmp/a.o"
check "one object: exit 255" [ "$rc" -eq 255 ]
check "one object: one error line" [ "$(wc -l <"$tmp/err" | tr -d ' ')" = 1 ]
run check "$tmp/a.o" "$tmp/missing.o"
check "missing file: exit 255" [ "$rc" -eq 255 ]
run check "$tmp/loop.o" "$tmp/loop.o"
check "two programs, no --prog: exit 255" [ "$rc" -eq 255 ]
check "two programs, no --prog: says so" grep -q 'choose one with --prog' "$tmp/err"
run check --prog nosuch "$tmp/a.o" "$tmp/a.o"
check "no such program: exit 255" [ "$rc" -eq 255 ]
run check --timeout 0 "$tmp/a.o" "$tmp/a.o"
check "bad timeout: exit 255" [ "$rc" -eq 255 ]
run check "$tmp/a.o" "$tmp/loop.o" --prog loop
check "different maps: exit 255" [ "$rc" -eq 255 ]

# --- help -------------------------------------------------------------------------
run check help
check "help: exit 0" [ "$rc" -eq 0 ]
check "help: names the exit statuses" grep -q 'Exit status: 0 equivalent, 1 different, 2 unknown' \
	"$tmp/out"
run help
check "listed in the command table" grep -q '^  check A.o B.o' "$tmp/out"

finish
