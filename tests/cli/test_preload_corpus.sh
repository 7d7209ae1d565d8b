#!/bin/sh
# The preload on real programs nobody here wrote: for corpus objects that
# `bpftool prog loadall` loads, the preload queues every program (async), an
# identity entry is made for each (the original as its own "optimized"
# program: this exercises canonical keys, map slots, .rodata digests and
# relinking, not optimization), and a second loadall under the preload must
# hit every program and give the kernel byte-for-byte the same programs.
# PRELOAD_CORPUS_OBJS limits the number of objects (default 15).
set -u
BUILD=${BUILD:-build}
SO="$PWD/$BUILD/libbpfsynth.so"
T="$BUILD/tests/kernel/test_preload"
C=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}
SUITE=test_preload_corpus
. "$(dirname "$0")/lib.sh"

if ! bpftool prog list >/dev/null 2>&1 || [ ! -f "$C/manifest.tsv" ]; then
	skipped "corpus sweep: bpf() not permitted or corpus not built"
	finish
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset BPFSYNTH_LOG
export BPFSYNTH_CONFIG="" BPFSYNTH_WORKER=off

# loadall OBJ [PRELOAD]: the kernel's xlated dump of every program, map ids masked.
loadall() {
	unshare -m sh -c '
	d=$(mktemp -d) && mount -t bpf bpf "$d" || exit 3
	'"${2:-}"' bpftool prog loadall "$0" "$d/a" >/dev/null 2>&1 || exit 4
	for p in "$d"/a/*; do
		bpftool prog dump xlated pinned "$p" | sed "s/map\[id:[0-9]*\]/map/"
	done | cksum' "$1"
}

n=0
for o in $(awk -F'\t' '$6 == "yes" && $5 >= 40 && ($4 == "xdp" || $4 == "sched_cls") { print $1 }' \
	"$C/manifest.tsv" | sort -u); do
	[ "$n" -ge "${PRELOAD_CORPUS_OBJS:-15}" ] && break
	plain=$(loadall "$C/objs/$o") || continue
	n=$((n + 1))
	export BPFSYNTH_CACHE_DIR="$tmp/$n"
	BPFSYNTH_MODE=async loadall "$C/objs/$o" "LD_PRELOAD=$SO" >/dev/null
	q=0
	for k in $(ls "$tmp/$n/queue" 2>/dev/null); do
		"$T" --make-entry "$tmp/$n" "$k" identity && q=$((q + 1))
	done
	hit=$(BPFSYNTH_MODE=cache loadall "$C/objs/$o" "LD_PRELOAD=$SO")
	hits=$("$BUILD/bpfsynth" -j cache --dir "$tmp/$n" stats |
		python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["hits"], s["fallbacks"], s["bad_entries"])')
	if [ "$hit" = "$plain" ] && [ "$hits" = "$q 0 0" ]; then
		ok "$o: $q programs queued and hit, same xlated programs"
	else
		bad "$o" "queued $q; hits, fallbacks, bad: $hits; xlated $([ "$hit" = "$plain" ] && echo same || echo differs)"
	fi
done
[ "$n" -gt 0 ] || skipped "no corpus object loads with bpftool loadall"
finish
