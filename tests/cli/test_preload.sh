#!/bin/sh
# libbpfsynth.so: exports exactly one symbol, and is invisible to a real loader.
set -u
BUILD=${BUILD:-build}
SO="$BUILD/libbpfsynth.so"
OBJ="$BUILD/examples/xdp_example.bpf.o"
SUITE=test_preload
. "$(dirname "$0")/lib.sh"

# Never touch the real cache (/var/cache/bpfsynth for root): the default mode
# is async, which queues every program it sees.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BPFSYNTH_CACHE_DIR="$tmp/cache" BPFSYNTH_CONFIG=""
unset BPFSYNTH_MODE BPFSYNTH_LOG

syms=$(nm -D --defined-only "$SO" | awk '{print $3}' | sort | tr '\n' ' ')
[ "$syms" = "syscall " ] && ok "exports only syscall" || bad "exported symbols: '$syms'"

a=$(bpftool version 2>&1)
b=$(LD_PRELOAD="$PWD/$SO" bpftool version 2>&1)
[ "$a" = "$b" ] && ok "bpftool version unchanged" || bad "bpftool version differs under preload"

# Load the example with bpftool, without and with the preload, in a private
# mount namespace with its own bpffs, and compare what the kernel reports.
load_sizes() {
	unshare -m sh -c '
		d=$(mktemp -d) && mount -t bpf bpf "$d" || exit 3
		'"$1"' bpftool prog load "$0" "$d/p" type xdp || exit 4
		bpftool prog show pinned "$d/p" | grep -o "xlated [0-9]*B" ' "$OBJ"
}
if ! bpftool prog list >/dev/null 2>&1; then
	skipped "kernel load tests: bpf() not permitted here"
else
	plain=$(load_sizes "")
	pre=$(load_sizes "LD_PRELOAD=$PWD/$SO")
	if [ -n "$plain" ] && [ "$plain" = "$pre" ]; then
		ok "bpftool prog load through the preload: same program ($pre)"
	else
		bad "bpftool prog load: without preload '$plain', with preload '$pre'"
	fi
fi

finish
