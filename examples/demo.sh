#!/bin/sh
# The README quick start's main job on the shipped example XDP program:
#   1. optimize it offline (bpfsynth opt), and prove the result equivalent
#      once more with an independent check (bpfsynth check);
#   2. run both in bpfsynth's interpreter on two packets;
#   3. load it through the preload in sync mode -- as any loader would, here
#      bpftool -- and show what the kernel reports for a plain load and for
#      the load through libbpfsynth.so: instructions, jited bytes, test-run
#      latency, and where the cache entry went (skipped without root).
set -eu
BUILD=${BUILD:-build}
obj="$BUILD/examples/xdp_example.bpf.o"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {
	echo
	echo "\$ $*"
	"$@"
}

run "$BUILD/bpfsynth" opt "$obj" -o "$tmp/xdp_example.opt.o" --budget 10 --seed 1
run "$BUILD/bpfsynth" check "$obj" "$tmp/xdp_example.opt.o"
run "$BUILD/bpfsynth" dump "$tmp/xdp_example.opt.o"

# Ethernet + IPv4 + UDP from 10.0.0.1:1234 to 10.0.0.2, port 9 (discard) and 53
hex2bin() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }
hdr='001122334455 66778899aabb 0800 4500001c 00010000 40110000 0a000001 0a000002 04d2'
hex2bin "$hdr 0009 0008 0000" >"$tmp/udp-port-9.bin"
hex2bin "$hdr 0035 0008 0000" >"$tmp/udp-port-53.bin"
for p in udp-port-9 udp-port-53; do
	for o in "$obj" "$tmp/xdp_example.opt.o"; do
		echo
		echo "\$ $BUILD/bpfsynth exec $(basename "$o") --data-in $p.bin    # 1 = XDP_DROP, 2 = XDP_PASS"
		"$BUILD/bpfsynth" exec "$o" --data-in "$tmp/$p.bin"
	done
done

# The load path: bpftool, plain and through the preload (sync mode), in a
# private mount namespace with its own bpffs for the pins.  The cache is the
# preload's default (/var/cache/bpfsynth for root) unless BPFSYNTH_CACHE_DIR
# says otherwise: a second run of the demo is a cache hit.
if ! command -v bpftool >/dev/null 2>&1 || [ "$(id -u)" != 0 ] ||
	! command -v unshare >/dev/null 2>&1; then
	echo
	echo "(the load through the preload is skipped: it needs root, bpftool and unshare)"
	exit 0
fi
cache=$("$BUILD/bpfsynth" cache path)
hex2bin "$hdr 0035 0008 0000" >"$tmp/pkt.bin"
cat >"$tmp/load.sh" <<'LOAD'
set -eu
obj=$1 so=$2 pkt=$3
mount -t bpf bpf /sys/fs/bpf
show() {
	bpftool -j prog show pinned "$1" | python3 -c '
import json, sys
p = json.load(sys.stdin)
print("%-22s xlated %3d insns (%4d B), jited %4d B" %
      (sys.argv[1], p["bytes_xlated"] // 8, p["bytes_xlated"], p["bytes_jited"]))' "$2"
}
latency() {
	bpftool prog run pinned "$1" data_in "$pkt" repeat 1000000 2>&1 |
		sed -n 's/.*duration (average): \([0-9]*\)ns.*/\1/p'
}
echo
echo "\$ bpftool prog load $obj /sys/fs/bpf/plain type xdp"
bpftool prog load "$obj" /sys/fs/bpf/plain type xdp
echo
echo "\$ BPFSYNTH_MODE=sync LD_PRELOAD=$so bpftool prog load $obj /sys/fs/bpf/opt type xdp"
BPFSYNTH_MODE=sync BPFSYNTH_BUDGET=10 LD_PRELOAD="$so" \
	bpftool prog load "$obj" /sys/fs/bpf/opt type xdp
echo
echo "What the kernel reports (BPF_OBJ_GET_INFO_BY_FD; BPF_PROG_TEST_RUN on a UDP packet,"
echo "1,000,000 runs each, three rounds interleaved):"
show /sys/fs/bpf/plain "plain load"
show /sys/fs/bpf/opt "through libbpfsynth.so"
for round in 1 2 3; do
	echo "  round $round: test-run latency plain $(latency /sys/fs/bpf/plain) ns," \
		"through libbpfsynth.so $(latency /sys/fs/bpf/opt) ns"
done
LOAD
unshare -m --propagation private sh "$tmp/load.sh" "$obj" "$PWD/$BUILD/libbpfsynth.so" "$tmp/pkt.bin"
echo
echo "The cache entry went to $cache:"
run "$BUILD/bpfsynth" cache ls
