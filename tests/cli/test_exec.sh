#!/bin/sh
# CLI tests of `bpfsynth exec`: the shipped example run in the interpreter
# agrees with `bpftool prog run` in the kernel (retval and packet out), maps
# can be pre-filled and are reported, and bad input gets one error line.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/bpfsynth
OBJ=$BUILD/examples/xdp_example.bpf.o
SUITE=test_exec
. tests/cli/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
	"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

hex2bin() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }

# packets: UDP to port 9 (dropped), UDP to 53 (passed), ARP, a short frame
hdr='001122334455 66778899aabb'
ip4='4500001c 00010000 40110000 0a000001 0a000002'
hex2bin "$hdr 0800 $ip4 04d2 0009 0008 0000" >"$tmp/udp9"
hex2bin "$hdr 0800 $ip4 04d2 0035 0008 0000" >"$tmp/udp53"
hex2bin "$hdr 0806 $(printf '00%.0s' $(seq 28))" >"$tmp/arp"
hex2bin "$hdr 0800 4500" >"$tmp/short"

run exec "$OBJ" --data-in "$tmp/udp9"
check "UDP to port 9: XDP_DROP" grep -q '^Return value: 1,' "$tmp/out"
run exec "$OBJ" --data-in "$tmp/udp53" --data-out "$tmp/udp53.out"
check "UDP to port 53: XDP_PASS" grep -q '^Return value: 2,' "$tmp/out"
check "packet out unchanged" cmp -s "$tmp/udp53" "$tmp/udp53.out"

# the kernel as the oracle: bpftool prog run on the same packets
if bpftool prog list >/dev/null 2>&1 && command -v unshare >/dev/null; then
	for p in udp9 udp53 arp short; do
		k=$(unshare -m sh -c 'd=$(mktemp -d) && mount -t bpf bpf "$d" &&
			bpftool prog load "$1" "$d/p" type xdp && \
			bpftool prog run pinned "$d/p" data_in "$2" data_out "$2.kern"' \
			sh "$OBJ" "$tmp/$p" 2>&1 | sed -n 's/^Return value: \([0-9]*\).*/\1/p')
		run exec "$OBJ" --data-in "$tmp/$p" --data-out "$tmp/$p.exec"
		e=$(sed -n 's/^Return value: \([0-9]*\).*/\1/p' "$tmp/out")
		check "$p: exec and bpftool prog run agree (retval ${e:-?} / ${k:-?})" \
			[ -n "$k" ] && [ "$e" = "$k" ] && cmp -s "$tmp/$p.exec" "$tmp/$p.kern"
	done
else
	skipped "agreement with bpftool prog run" "bpf() not permitted"
fi

# maps: pre-filled from JSON, reported after the run
printf '{"proto_count": [{"key": "11000000", "value": "2900000000000000"}]}' >"$tmp/maps.json"
run -j exec "$OBJ" --data-in "$tmp/udp53" --maps "$tmp/maps.json"
check "JSON: retval" grep -q '"retval":2' "$tmp/out"
check "JSON: the UDP counter went from 41 to 42" \
	grep -q '"proto_count":\[{"key":"11000000","value":"2a00000000000000"}\]' "$tmp/out"
check "JSON: instructions counted" grep -q '"insns":[1-9]' "$tmp/out"
run exec "$OBJ" --data-in "$tmp/udp53" --repeat 100
check "--repeat: average duration" grep -q 'duration (average)' "$tmp/out"

# errors: one line on stderr, status 255
expect_error() { # NAME PATTERN ARGS...
	name=$1 pat=$2
	shift 2
	run "$@"
	check "$name: status 255, one line" [ "$rc" -eq 255 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
		grep -q "$pat" "$tmp/err"
}
printf '{"proto_count": [{"key": "11", "value": "00"}]}' >"$tmp/bad1.json"
printf '{"proto_count": [\n  {"key": }\n]}' >"$tmp/bad2.json"
printf '{"nosuch": []}' >"$tmp/bad3.json"
expect_error "wrong key size" 'need "key" of 4' exec "$OBJ" --data-in "$tmp/udp9" --maps "$tmp/bad1.json"
expect_error "JSON syntax error names line and column" 'bad2.json:2:' \
	exec "$OBJ" --data-in "$tmp/udp9" --maps "$tmp/bad2.json"
expect_error "unknown map" "no map 'nosuch'" exec "$OBJ" --maps "$tmp/bad3.json"
expect_error "missing data file" 'No such file' exec "$OBJ" --data-in "$tmp/nosuch"
expect_error "bad --repeat" 'repeat' exec "$OBJ" --repeat 0
expect_error "unknown program" "no program named 'nope'" exec "$OBJ" --prog nope
expect_error "not an object" 'not a BPF ELF object\|not an ELF' exec /bin/ls
run exec help
check "help names --data-in" grep -q -- '--data-in' "$tmp/out"
finish
