#!/bin/sh
# CLI tests of `bpfsynth opt` on .text subprograms shared by several programs.
#
# Two objects written here in C (clang -target bpf), each with two XDP
# programs calling one noinline function `tag` that clang leaves room to
# improve (four byte stores that are one 32-bit store):
#   shared_ok     both callers pass an unknown value: what is proven for one
#                 holds for both, so .text changes, and both report it;
#   shared_split  prog_a passes the constant 5, prog_b a packet length: a
#                 rewrite prog_a proves by the constant (tag returns 0) is
#                 refused by prog_b, and the output says so.
# Every output is compared with its input by running both programs, in our
# interpreter (bpfsynth exec) and, where bpf() is permitted, in the kernel
# (tests/corpus/opt_compare), on packets of many lengths: the same return
# value and packet out.  --prog with one of two callers leaves .text alone.
# Then the corpus's test_xdp_noinline (Katran-derived; everything but two
# 12-instruction stubs is in shared .text functions): both programs are
# optimized, load, and behave as the originals on generated packets, and
# each gets smaller in xlated size or says why not.
set -u
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
BIN=${BPFSYNTH:-$BUILD/bpfsynth}
CMP=$BUILD/tests/corpus/opt_compare
SUITE=test_opt_shared
CORPUS=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}/objs
BUDGET=${OPT_CLI_BUDGET:-3}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/cli/lib.sh

if [ ! -x "$BIN" ]; then
	bad "setup" "$BIN missing (build first)"
	finish
fi

# kernel comparisons where bpf() is permitted: opt_compare loads both
kernel=no
if [ -x "$CMP" ] && "$BIN" opt "$BUILD/examples/xdp_example.bpf.o" -o "$tmp/probe.o" \
	--budget 1 --json 2>/dev/null | grep -q "\"xlated_before\": *[0-9]"; then
	kernel=yes
fi

cat >"$tmp/tag.h" <<'EOF'
#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))

/* shared: writes a tag into the packet's first four bytes, returns a verdict */
static __attribute__((noinline)) int tag(struct xdp_md *ctx, unsigned int k)
{
	unsigned char *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;
	unsigned int v = (k & 7) + 1;

	if (d + 8 > e)
		return 1;
	d[0] = v;
	d[1] = v >> 8;
	d[2] = 0;
	d[3] = 0;
	return (v << 1) & 3;
}

char _license[] SEC("license") = "GPL";
EOF
cat >"$tmp/shared_ok.c" <<'EOF'
#include "tag.h"
SEC("xdp") int prog_a(struct xdp_md *ctx) { return tag(ctx, ctx->data_end - ctx->data); }
SEC("xdp") int prog_b(struct xdp_md *ctx) { return tag(ctx, (ctx->data_end - ctx->data) >> 1); }
EOF
cat >"$tmp/shared_split.c" <<'EOF'
#include "tag.h"
SEC("xdp") int prog_a(struct xdp_md *ctx) { return tag(ctx, 5); }
SEC("xdp") int prog_b(struct xdp_md *ctx) { return tag(ctx, ctx->data_end - ctx->data); }
EOF
built=yes
for o in shared_ok shared_split; do
	clang -target bpf -O2 -g -idirafter "/usr/include/$(cc -dumpmachine 2>/dev/null)" \
		-c "$tmp/$o.c" -o "$tmp/$o.o" 2>"$tmp/cc.err" || built=no
done
if [ "$built" = no ]; then
	skipped "shared subprograms" "cannot compile with clang: $(head -1 "$tmp/cc.err")"
fi

# same_section IN OUT NAME: the section's bytes are identical
same_section() {
	python3 - "$1" "$2" "$3" <<'EOF'
import subprocess, sys
def sec(path, name):
    out = subprocess.run(["readelf", "-x", name, path], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if l.startswith("  0x")]
a, b = sec(sys.argv[1], sys.argv[3]), sec(sys.argv[2], sys.argv[3])
sys.exit(0 if a and a == b else 1)
EOF
}

# same_runs IN OUT PROG: our interpreter gives the same retval, r0 and packet
# out for packets of 14..29 bytes (every value of tag's k & 7, k the length
# or half of it)
same_runs() {
	i=14
	while [ $i -lt 30 ]; do
		head -c $i /dev/urandom >"$tmp/pkt"
		for f in "$1" "$2"; do
			"$BIN" exec "$f" --prog "$3" --data-in "$tmp/pkt" -j | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["status"], r["retval"], r["r0"], r["data_out"])' || return 1
		done >"$tmp/runs"
		if [ "$(sed -n 1p "$tmp/runs")" != "$(sed -n 2p "$tmp/runs")" ]; then
			echo "$3, $i bytes: $(cat "$tmp/runs")" >&2
			return 1
		fi
		i=$((i + 1))
	done
}

# kernel_same IN OUT PROG: opt_compare finds no difference (and OUT loads)
kernel_same() {
	"$CMP" "$1" "$2" --prog "$3" --packets 500 --rounds 2 --repeat 10 >"$tmp/cmp" 2>&1 ||
		{ cat "$tmp/cmp" >&2; return 1; }
	grep -q "0 differences" "$tmp/cmp"
}

# field JSON PROG EXPR: python EXPR over that program's report r holds
field() {
	python3 -c '
import json, sys
r = [r for r in json.load(open(sys.argv[1])) if r["name"] == sys.argv[2]][0]
sys.exit(0 if eval(sys.argv[3]) else 1)' "$@"
}

if [ "$built" = yes ]; then
	for o in shared_ok shared_split; do
		"$BIN" opt "$tmp/$o.o" -o "$tmp/$o.opt.o" --budget 10 --json \
			>"$tmp/$o.json" 2>"$tmp/$o.err"
		check "$o: opt" test $? -eq 0
		for p in prog_a prog_b; do
			check "$o: $p behaves the same (interpreter)" \
				same_runs "$tmp/$o.o" "$tmp/$o.opt.o" $p
			if [ $kernel = yes ]; then
				check "$o: $p loads, behaves the same (kernel)" \
					kernel_same "$tmp/$o.o" "$tmp/$o.opt.o" $p
			fi
		done
	done
	[ $kernel = yes ] || skipped "kernel comparisons" "bpf() not permitted here"

	# valid for both callers: .text changes, both say so
	if same_section "$tmp/shared_ok.o" "$tmp/shared_ok.opt.o" .text; then
		bad "shared_ok: tag rewritten" ".text unchanged: $(cat "$tmp/shared_ok.json")"
	else
		ok "shared_ok: tag rewritten"
	fi
	for p in prog_a prog_b; do
		check "shared_ok: $p reports tag changed and is smaller" field \
			"$tmp/shared_ok.json" $p \
			'r["subprogs_changed"] == ["tag"] and r["insns_after"] < r["insns_before"]'
	done
	check "shared_ok: windows there counted once, for the program that made them" sh -c '
		python3 -c "
import json, sys
d = {r[\"name\"]: r for r in json.load(open(sys.argv[1]))}
own = d[\"prog_a\"][\"subprog_windows\"] + d[\"prog_b\"][\"subprog_windows\"]
other = d[\"prog_a\"][\"subprog_windows_from_others\"] + \
	d[\"prog_b\"][\"subprog_windows_from_others\"]
assert own > 0 and own == other, d
for r in d.values():
    assert r[\"shared\"] is None or \"windows there proven for all\" in r[\"shared\"], r
" "$1"' sh "$tmp/shared_ok.json"

	# valid for one caller only: prog_b refuses what prog_a proves by its constant
	check "shared_split: prog_a's constant rewrite refused by prog_b" field \
		"$tmp/shared_split.json" prog_a \
		'r["shared"] and "first refused: prog_b: " in r["shared"]'
	# (and same_runs above: prog_b returns 2 for odd k & 7 + 1, where prog_a's tag returns 0)
	check "shared_split: prog_a's rewrite of tag holds for prog_a" field \
		"$tmp/shared_split.json" prog_a 'r["subprogs_changed"] == ["tag"]'

	# --prog with one of two callers: tag is not this program's alone
	"$BIN" opt "$tmp/shared_ok.o" -o "$tmp/one.o" --prog prog_a --budget 5 --json \
		>"$tmp/one.json" 2>"$tmp/one.err"
	check "--prog prog_a: one program reported" python3 -c '
import json, sys
assert [r["name"] for r in json.load(open(sys.argv[1]))] == ["prog_a"]' "$tmp/one.json"
	check "--prog prog_a: .text unchanged (prog_b also calls tag)" \
		same_section "$tmp/shared_ok.o" "$tmp/one.o" .text
fi

# the corpus's Katran-derived balancer
xn=$CORPUS/selftests/test_xdp_noinline.o
if [ -r "$xn" ]; then
	"$BIN" opt "$xn" -o "$tmp/xn.o" --budget "$BUDGET" --json >"$tmp/xn.json" 2>"$tmp/xn.err"
	check "test_xdp_noinline: opt" test $? -eq 0
	for p in balancer_ingress_v4 balancer_ingress_v6; do
		check "test_xdp_noinline: $p smaller, or says why not" field "$tmp/xn.json" $p \
			'r["insns_after"] < r["insns_before"] or r["reason"] or r["shared"]'
		check "test_xdp_noinline: $p not larger" field "$tmp/xn.json" $p \
			'r["insns_after"] <= r["insns_before"] and (r["xlated_before"] is None or
			 r["xlated_after"] <= r["xlated_before"])'
		if [ $kernel = yes ]; then
			check "test_xdp_noinline: $p loads, behaves the same (kernel)" \
				kernel_same "$xn" "$tmp/xn.o" $p
		fi
	done
else
	skipped "test_xdp_noinline" "not in the corpus (make corpus)"
fi

finish
