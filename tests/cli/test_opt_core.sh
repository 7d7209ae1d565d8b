#!/bin/sh
# CLI tests of `bpfsynth opt` on programs with CO-RE records (tools/corerelo):
# field offsets into ABI-fixed structures (xdp_md, ethhdr, iphdr and its ihl
# bitfield, udphdr), where the object holds what libbpf will patch in on any
# kernel, are optimized, and the result behaves as the original in the
# kernel (BPF_PROG_TEST_RUN, tests/corpus/opt_compare); a program whose own
# struct ethhdr is laid out differently from the kernel's, and one with a
# CO-RE access to a structure only the kernel defines, are left alone with
# the reason; so is everything CO-RE in the corpus that is not fixed-layout,
# while samples/xdp_redirect.o (xdp_md fields) is optimized.
set -u
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
BIN=${BPFSYNTH:-$BUILD/bpfsynth}
CMP=$BUILD/tests/corpus/opt_compare
SUITE=test_opt_core
CORPUS=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}/objs
OBJS=$BUILD/tests/cli/bpf

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/cli/lib.sh

if [ ! -x "$BIN" ] || [ ! -f "$OBJS/opt_core_ok.bpf.o" ]; then
	bad "setup" "$BIN or $OBJS/opt_core_ok.bpf.o missing (build first)"
	finish
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	skipped "all" "no kernel BTF (/sys/kernel/btf/vmlinux): CO-RE records cannot be checked"
	finish
fi

# field JSON FIELD: print the first program's FIELD
field() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0][sys.argv[2]])' "$1" "$2"
}
# kernel_ok: bpf() permitted (opt_compare loads programs)
kernel_ok() {
	[ -x "$CMP" ] && "$CMP" "$OBJS/opt_core_ok.bpf.o" "$OBJS/opt_core_ok.bpf.o" \
		--prog xdp_example --packets 1 --rounds 1 --repeat 1 --json >/dev/null 2>&1
}
# same_in_kernel ORIG OPT PROG: 200 packets, 0 differences, every program loads
same_in_kernel() {
	"$CMP" "$1" "$2" --prog "$3" --packets 200 --rounds 3 --repeat 10 --json \
		>"$tmp/cmp.json" 2>"$tmp/cmp.err" || { cat "$tmp/cmp.err" >&2; return 1; }
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["opt"]["xlated_insns"] <= d["orig"]["xlated_insns"], d
assert d["diff"]["status"] == "same" and d["diff"]["differences"] == 0, d["diff"]' "$tmp/cmp.json"
}

# --- fixed-layout CO-RE records: optimized, smaller, behaves the same
"$BIN" opt "$OBJS/opt_core_ok.bpf.o" -o "$tmp/ok.o" --budget 10 --json >"$tmp/ok.json" 2>"$tmp/err"
rc=$?
check "fixed-layout: opt exits 0" [ "$rc" -eq 0 ]
check "fixed-layout: not skipped" [ "$(field "$tmp/ok.json" reason)" = None ]
check "fixed-layout: smaller" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["insns_after"] < r["insns_before"] and not r["kept_original"], r' "$tmp/ok.json"
# the instructions CO-RE names are frozen: every relocated load is still there
"$BIN" dump "$OBJS/opt_core_ok.bpf.o" >"$tmp/d0" && "$BIN" dump "$tmp/ok.o" >"$tmp/d1"
check "fixed-layout: ctx loads kept" sh -c \
	"[ \$(grep -c '= \*(u32 \*)(r1 + [04])' '$tmp/d1') -eq \$(grep -c '= \*(u32 \*)(r1 + [04])' '$tmp/d0') ]"
if kernel_ok; then
	check "fixed-layout: loads and behaves the same in the kernel" \
		same_in_kernel "$OBJS/opt_core_ok.bpf.o" "$tmp/ok.o" xdp_example
else
	skipped "fixed-layout: kernel comparison" "bpf() not permitted or opt_compare missing"
fi

# --- a struct ethhdr of the program's own, laid out differently: left alone
"$BIN" opt "$OBJS/opt_core_moved.bpf.o" -o "$tmp/moved.o" --budget 3 --json \
	>"$tmp/moved.json" 2>"$tmp/err"
rc=$?
check "moved field: opt exits 0" [ "$rc" -eq 0 ]
check "moved field: skipped, naming the field" sh -c \
	"grep -q 'struct ethhdr: field h_proto is at bit 112 (2 bytes) here, at bit 96 (2 bytes) in the kernel' '$tmp/moved.json'"
check "moved field: output is the input" cmp -s "$OBJS/opt_core_moved.bpf.o" "$tmp/moved.o"

# --- a structure whose layout is the kernel's to change: left alone
"$BIN" opt "$OBJS/opt_core_other.bpf.o" -o "$tmp/other.o" --budget 3 --json \
	>"$tmp/other.json" 2>"$tmp/err"
rc=$?
check "kernel-private struct: opt exits 0" [ "$rc" -eq 0 ]
check "kernel-private struct: skipped with the reason" sh -c \
	"grep -q 'struct bpfsynth_test_hdr: its layout may differ between kernels' '$tmp/other.json'"
check "kernel-private struct: output is the input" \
	cmp -s "$OBJS/opt_core_other.bpf.o" "$tmp/other.o"

# --- the corpus: xdp_redirect (K2 failed on it) is optimized now; nf_conn is not
if [ -f "$CORPUS/samples/xdp_redirect.o" ]; then
	"$BIN" opt "$CORPUS/samples/xdp_redirect.o" -o "$tmp/redir.o" --prog xdp_redirect_prog \
		--budget 10 --json >"$tmp/redir.json" 2>"$tmp/err"
	rc=$?
	check "xdp_redirect: opt exits 0" [ "$rc" -eq 0 ]
	check "xdp_redirect: not skipped" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert not (r["reason"] or "").startswith("skipped"), r' "$tmp/redir.json"
	if kernel_ok; then
		check "xdp_redirect: behaves the same in the kernel" \
			same_in_kernel "$CORPUS/samples/xdp_redirect.o" "$tmp/redir.o" xdp_redirect_prog
	fi
	"$BIN" opt "$CORPUS/selftests/test_bpf_nf.o" -o "$tmp/nf.o" --prog nf_xdp_ct_test \
		--budget 3 --json >"$tmp/nf.json" 2>"$tmp/err"
	check "test_bpf_nf: skipped (struct nf_conn)" sh -c \
		"grep -q 'struct nf_conn: its layout may differ between kernels' '$tmp/nf.json'"
else
	skipped "corpus objects" "$CORPUS/samples/xdp_redirect.o missing (make corpus)"
fi
finish
