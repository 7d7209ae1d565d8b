#!/bin/sh
# bpfsynth warm, then real loaders under the preload in cache mode: ip, xdp-loader,
# bpftool prog loadall (XDP, in a network namespace with a veth pair) and tc (a
# corpus tc program) must hit the warmed entries, and the kernel must report
# the optimized length: plain xlated - 8 x the instructions warm removed.
set -u
BUILD=${BUILD:-build}
B="$BUILD/bpfsynth"
SO="$PWD/$BUILD/libbpfsynth.so"
OBJ="$PWD/$BUILD/examples/xdp_example.bpf.o"
TCOBJ=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}/objs/samples/tcbpf1_kern.o
SUITE=test_preload_warm
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BPFSYNTH_CACHE_DIR="$tmp/cache" BPFSYNTH_CONFIG="" BPFSYNTH_WORKER=off
unset BPFSYNTH_MODE BPFSYNTH_LOG

$B warm "$tmp/nothing.o" >/dev/null 2>&1
check "warm of a missing object: exit 255" [ $? -eq 255 ]
$B warm >/dev/null 2>&1
check "warm without objects: exit 255" [ $? -eq 255 ]
if ! bpftool prog list >/dev/null 2>&1; then
	skipped "warm and loaders: bpf() not permitted here"
	finish
fi

# field N of the JSON report's first program of object I
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)["objects"]['"$1"']["programs"][0]["'"$2"'"])'; }
out=$($B -j warm --budget 10s "$OBJ")
check "warm the example" [ $? -eq 0 ]
key=$(echo "$out" | field 0 key)
before=$(echo "$out" | field 0 insns_before)
after=$(echo "$out" | field 0 insns_after)
check "warm: stored, with key and sizes" matches "$(echo "$out" | field 0 status) $key" \
	'stored [0-9a-f]\{64\}$'
check "warm: the entry is in the cache" [ -f "$tmp/cache/entries/$key" ]
check "warm: never more instructions ($before -> $after)" [ "$after" -le "$before" ]
check "warm again: cached" matches "$($B -j warm "$OBJ" | field 0 status)" 'cached$'
check "warm leaves no queue behind" [ -z "$(ls "$tmp/cache/queue" 2>/dev/null)" ]

loaders() {
	unshare -m -n sh -c '
	ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up || exit 3
	ipid() { ip -j link show v0 | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"xdp\"][\"prog\"][\"id\"])"; }
	xlid() { xdp-loader status v0 | awk "/xdp_example/ { for (i = 2; i <= NF; i++) if (length(\$i) == 16 && \$i ~ /^[0-9a-f]+\$/) print \$(i - 1) }"; }
	'"$1"' ip link set dev v0 xdp obj "$0" sec xdp && echo "ip $(bpftool prog show id $(ipid) | grep -o "xlated [0-9]*B")"
	ip link set dev v0 xdp off
	'"$1"' xdp-loader load -m skb v0 "$0" >/dev/null && echo "xdp-loader $(bpftool prog show id $(xlid) | grep -o "xlated [0-9]*B")"
	xdp-loader unload -a v0 >/dev/null 2>&1
	d=$(mktemp -d) && mount -t bpf bpf "$d" || exit 3
	'"$1"' bpftool prog loadall "$0" "$d/all" && echo "loadall $(bpftool prog show pinned "$d/all/xdp_example" | grep -o "xlated [0-9]*B")"
	' "$OBJ"
}
if ! command -v xdp-loader >/dev/null || ! command -v ip >/dev/null; then
	skipped "XDP loaders: xdp-loader or ip missing"
else
	plain=$(loaders "")
	hit=$(BPFSYNTH_MODE=cache loaders "LD_PRELOAD=$SO")
	for l in ip xdp-loader loadall; do
		p=$(echo "$plain" | awk -v l="$l" '$1 == l { print $3 }' | tr -d B)
		h=$(echo "$hit" | awk -v l="$l" '$1 == l { print $3 }' | tr -d B)
		if [ -n "$p" ] && [ -n "$h" ] && [ "$h" -eq $((p - 8 * (before - after))) ]; then
			ok "$l after warm: kernel reports ${h}B xlated, plain ${p}B"
		else
			bad "$l after warm" "xlated '$h', plain '$p', warm $before -> $after"
		fi
	done
	# (libxdp's own dispatcher programs, not warmed, are misses)
	hits=$($B -j cache stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"])')
	check "stats: 3 hits ($hits)" [ "$hits" = 3 ]
fi

# tc loads one section of an object whose other sections need their type set.
tc_load() {
	unshare -m -n sh -c '
	mount -t bpf bpf /sys/fs/bpf && ip link add v0 type veth peer name v1 &&
		ip link set v1 up && tc qdisc add dev v1 clsact || exit 3
	'"$1"' tc filter add dev v1 ingress bpf da obj "$0" sec classifier || exit 4
	id=$(tc filter show dev v1 ingress | grep -o " id [0-9]*" | cut -d" " -f3)
	bpftool prog show id "$id" | grep -o "xlated [0-9]*B" | tr -dc 0-9' "$TCOBJ"
}
if ! command -v tc >/dev/null || [ ! -f "$TCOBJ" ]; then
	skipped "tc: tc missing or corpus not built"
else
	export BPFSYNTH_CACHE_DIR="$tmp/tc"
	out=$($B -j warm --budget 10s --type sched_cls "$TCOBJ")
	check "warm the tc object (--type sched_cls)" [ $? -eq 0 ]
	tb=$(echo "$out" | field 0 insns_before)
	ta=$(echo "$out" | field 0 insns_after)
	plain=$(tc_load "")
	hit=$(BPFSYNTH_MODE=cache tc_load "LD_PRELOAD=$SO")
	[ -n "$plain" ] && [ -n "$hit" ] && [ "$hit" -eq $((plain - 8 * (tb - ta))) ] &&
		ok "tc after warm: ${hit}B xlated, plain ${plain}B ($tb -> $ta)" ||
		bad "tc after warm" "xlated '$hit', plain '$plain', warm $tb -> $ta"
	check "tc: a hit" sh -c "$B -j cache stats | grep -q '\"hits\":1'"
fi
finish
