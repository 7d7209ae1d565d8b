#!/bin/sh
# The README quick start's main job, for now: the shipped example XDP program
# as bpfsynth reads it, then run in bpfsynth's interpreter on two packets.
# (The optimizer, which will make this demo load an optimized program through
# the preload, is not built yet.)
set -eu
BUILD=${BUILD:-build}
obj="$BUILD/examples/xdp_example.bpf.o"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "\$ $BUILD/bpfsynth dump $obj"
"$BUILD/bpfsynth" dump "$obj"

# Ethernet + IPv4 + UDP from 10.0.0.1:1234 to 10.0.0.2, port 9 (discard) and 53
hex2bin() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }
hdr='001122334455 66778899aabb 0800 4500001c 00010000 40110000 0a000001 0a000002 04d2'
hex2bin "$hdr 0009 0008 0000" >"$tmp/udp-port-9.bin"
hex2bin "$hdr 0035 0008 0000" >"$tmp/udp-port-53.bin"
for p in udp-port-9 udp-port-53; do
	echo
	echo "\$ $BUILD/bpfsynth exec $obj --data-in $p.bin    # 1 = XDP_DROP, 2 = XDP_PASS"
	"$BUILD/bpfsynth" exec "$obj" --data-in "$tmp/$p.bin"
done
