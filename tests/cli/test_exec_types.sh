#!/bin/sh
# CLI tests of `bpfsynth exec` on the program types whose context is not a
# packet's metadata (tests/cli/bpf/exec_types.bpf.c): a raw tracepoint and a
# kprobe on --ctx-in bytes, a flow dissector whose data out is the flow keys
# and whose --ctx-in gives the flags; the kernel (`bpftool prog run`) agrees
# on the flow dissector (raw tracepoints: tests/kernel/test_interp_diff.c).
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/bpfsynth
OBJ=$BUILD/tests/cli/bpf/exec_types.bpf.o
SUITE=test_exec_types
. tests/cli/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
	"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
retval() { sed -n 's/^Return value: \([0-9]*\).*/\1/p' "$1"; }
hex2bin() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }
# little-endian u64s
u64s() { python3 -c 'import sys, struct; sys.stdout.buffer.write(b"".join(struct.pack("<Q", int(a, 0)) for a in sys.argv[1:]))' "$@"; }

if [ ! -f "$OBJ" ]; then
	skipped "all" "$OBJ not built (make tests)"
	finish
fi

# raw tracepoint: args[0] * 3 + (args[1] >> 8)
u64s 7 0x1200 >"$tmp/rtp.ctx"
run exec "$OBJ" --prog rtp_args --ctx-in "$tmp/rtp.ctx"
check "raw tracepoint: 7 * 3 + 0x12 = 39" [ "$(retval "$tmp/out")" = 39 ]
run exec "$OBJ" --prog rtp_args
check "raw tracepoint without --ctx-in: zero arguments" [ "$(retval "$tmp/out")" = 0 ]

# kprobe: di - si in pt_regs (21 u64s; si is the 14th, di the 15th)
set -- $(seq 0 20)
u64s $(for i in "$@"; do case $i in 13) echo 5;; 14) echo 47;; *) echo 0;; esac; done) \
	>"$tmp/regs"
run exec "$OBJ" --prog kp_regs --ctx-in "$tmp/regs"
check "kprobe: di - si = 42" [ "$(retval "$tmp/out")" = 42 ]
head -c 8193 /dev/zero >"$tmp/big"
run exec "$OBJ" --prog kp_regs --ctx-in "$tmp/big"
check "kprobe: a ctx over 8192 bytes is refused" [ "$rc" -ne 0 ] && grep -q 8192 "$tmp/err"

# flow dissector: data out is the flow keys; flags come from --ctx-in
hex2bin "001122334455 66778899aabb 0800 4500001c 00010000 40110000 0a000001 0a000002 04d2 0009 0008 0000" \
	>"$tmp/udp"
hex2bin "$(printf '00%.0s' $(seq 48))01000000 00000000" >"$tmp/keys.ctx" # flags = PARSE_1ST_FRAG
run exec "$OBJ" --prog fd_keys --data-in "$tmp/udp" --data-out "$tmp/keys.exec"
check "flow dissector: BPF_OK" [ "$(retval "$tmp/out")" = 0 ]
check "flow dissector: 56 bytes of flow keys out" [ "$(wc -c <"$tmp/keys.exec")" -eq 56 ]
check "flow dissector: thoff 2000 clamped to the packet (42), n_proto, ip_proto 17" \
	[ "$(od -An -tx1 -N12 "$tmp/keys.exec" | tr -d ' \n')" = "0e002a000000000000110800" ]
run exec "$OBJ" --prog fd_keys --data-in "$tmp/udp" --ctx-in "$tmp/keys.ctx" \
	--data-out "$tmp/keys1.exec"
check "flow dissector: --ctx-in flags reach the program (is_frag)" \
	[ "$(od -An -tx1 -j6 -N1 "$tmp/keys1.exec" | tr -d ' ')" = 01 ]
hex2bin "0100$(printf '00%.0s' $(seq 54))" >"$tmp/badkeys"
run exec "$OBJ" --prog fd_keys --data-in "$tmp/udp" --ctx-in "$tmp/badkeys"
check "flow dissector: a ctx with more than flags is refused" [ "$rc" -ne 0 ]

# the kernel as the oracle where it test-runs the type
kern() { # PROG TYPE ARGS...: bpftool prog run's output
	prog=$1
	shift 2 # the type: the sections say it
	unshare -m sh -c 'd=$(mktemp -d) && mount -t bpf bpf "$d" &&
		bpftool prog loadall "$1" "$d/o" >/dev/null 2>&1 && p=$2 && shift 2 &&
		bpftool prog run pinned "$d/o/$p" "$@"' sh "$OBJ" "$prog" "$@" 2>&1
}
if bpftool prog list >/dev/null 2>&1 && command -v unshare >/dev/null; then
	# (bpftool 7.1 cannot test-run raw tracepoints: it always asks for a
	# repeat, which the kernel refuses for them; test_interp_diff does that)
	for c in none keys.ctx; do
		set -- data_in "$tmp/udp" data_out "$tmp/k.$c"
		[ $c = none ] || set -- "$@" ctx_in "$tmp/$c"
		k=$(kern fd_keys flow_dissector "$@" | sed -n 's/^Return value: \([0-9]*\).*/\1/p')
		set -- --data-in "$tmp/udp" --data-out "$tmp/e.$c"
		[ $c = none ] || set -- "$@" --ctx-in "$tmp/$c"
		run exec "$OBJ" --prog fd_keys "$@"
		check "flow dissector (ctx $c): exec and bpftool prog run agree (retval, flow keys)" \
			[ -n "$k" ] && [ "$(retval "$tmp/out")" = "$k" ] && cmp -s "$tmp/e.$c" "$tmp/k.$c"
	done
else
	skipped "agreement with bpftool prog run" "bpf() not permitted"
fi
finish
