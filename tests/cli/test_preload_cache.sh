#!/bin/sh
# bpfsynth cache: path, ls, show, rm, stats, gc on a cache the preload filled
# (async mode queues what it loads), in text and JSON.
set -u
BUILD=${BUILD:-build}
B="$BUILD/bpfsynth"
SO="$PWD/$BUILD/libbpfsynth.so"
OBJ="$BUILD/examples/xdp_example.bpf.o"
SUITE=test_preload_cache
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# No worker: these tests look at the queue the preload leaves (test_preload_opt.c tests the worker).
export BPFSYNTH_CACHE_DIR="$tmp/cache" BPFSYNTH_CONFIG="" BPFSYNTH_WORKER=off
unset BPFSYNTH_MODE BPFSYNTH_LOG

check "path is BPFSYNTH_CACHE_DIR" [ "$($B cache path)" = "$tmp/cache" ]
check "path --dir" [ "$($B cache --dir /x/y path)" = "/x/y" ]
check "help lists the subcommands" sh -c "$B cache help | grep -q 'gc \[--max-age'"
check "help lists verify" sh -c "$B cache help | grep -q 'verify \[KEY\]'"
$B cache nope 2>/dev/null
check "unknown subcommand: 255" [ $? -eq 255 ]

if ! bpftool prog list >/dev/null 2>&1; then
	skipped "cache filled by the preload: bpf() not permitted here"
	finish
fi
unshare -m sh -c '
	d=$(mktemp -d) && mount -t bpf bpf "$d" || exit 3
	LD_PRELOAD='"$SO"' bpftool prog load "$0" "$d/p" type xdp' "$OBJ"
check "loaded under async" [ $? -eq 0 ]
ls=$($B cache ls)
check "ls shows the queued program" matches "$ls" '.*xdp  *38 -> -  *queued'
key=$($B -j cache ls | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["key"])')
check "ls --json" matches "$key" '[0-9a-f]\{64\}$'
show=$($B cache show "$(echo "$key" | cut -c1-8)")
check "show by prefix: the original" matches "$show" '.*original (38 insns)'
check "show --json" sh -c "$B cache show $key --json | python3 -c 'import json,sys; json.load(sys.stdin)'"
check "stats: one miss, one queued" sh -c "$B -j cache stats | grep -q '\"misses\":1.*\"queued\":1'"
echo garbage >"$tmp/cache/entries/$(printf '%064d' 0)"
touch -d '2 hours ago' "$tmp/cache/entries/.tmp.x.1.1"
gc=$($B -j cache gc)
check "gc removes the malformed entry and the stale temp file" \
	matches "$gc" '.*"removed_bad":1,"removed_tmp":1'
check "gc keeps the queued program" matches "$gc" '{"kept":1'
check "gc folded the stats" [ -f "$tmp/cache/stats.json" ] && [ ! -f "$tmp/cache/stats.log" ]
check "stats after gc" sh -c "$B -j cache stats | grep -q '\"misses\":1'"
# verify: the stand-in optimizer's entry is proven by core/smt; a wrong one is
# proven different (exit 1) and --prune removes it.
T="$BUILD/tests/kernel/test_preload"
if "$T" --make-entry "$tmp/cache" "$key"; then
	out=$($B cache verify)
	rc=$?
	check "verify: the stand-in's entry is proven equivalent (exit 0)" [ $rc -eq 0 ]
	check "verify says equivalent" matches "$out" '[0-9a-f]* *equivalent'
	check "verify --json" sh -c "$B -j cache verify | grep -q '\"verdict\":\"equivalent\"'"
	"$T" --make-entry "$tmp/cache" "$key" wrong
	out=$($B cache verify "$(echo "$key" | cut -c1-6)")
	rc=$?
	check "verify: a wrong entry is proven different (exit 1)" [ $rc -eq 1 ]
	check "verify says what differs" matches "$out" '.*different .*r0 differs'
	$B cache verify --prune >/dev/null
	check "verify --prune removes it" [ ! -f "$tmp/cache/entries/$key" ]
	$B cache verify
	check "verify on no entries: exit 0" [ $? -eq 0 ]
else
	bad "stand-in entry for verify"
fi
$B cache ls --timeout 3 2>/dev/null
check "--timeout belongs to verify: 255" [ $? -eq 255 ]
check "rm" sh -c "$B cache rm $key >/dev/null"
$B cache show "$key" 2>/dev/null
check "show after rm: 255" [ $? -eq 255 ]
chmod 777 "$tmp/cache"
check "path warns about an unsafe dir" sh -c "$B cache path 2>&1 | grep -q 'will not use it'"
finish
