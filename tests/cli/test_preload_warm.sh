#!/bin/sh
# bpfsynth warm, then real loaders under the preload in cache mode: ip, xdp-loader,
# bpftool prog loadall (XDP, in a network namespace with a veth pair) and tc (a
# corpus tc program) must hit the warmed entries, the kernel must report the
# optimized length (plain xlated - 8 x the instructions warm removed), and
# BPF_PROG_TEST_RUN (bpftool prog run) of what each loader loaded must give
# the same return values, output packets and map counts as a plain load.
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
# The example has instructions to save that the search finds in well under a
# second (make demo): without them the loaders below would prove nothing.
check "warm: fewer instructions ($before -> $after)" [ "$after" -lt "$before" ]
check "warm again: cached" matches "$($B -j warm "$OBJ" | field 0 status)" 'cached$'
check "warm leaves no queue behind" [ -z "$(ls "$tmp/cache/queue" 2>/dev/null)" ]

# Packets for BPF_PROG_TEST_RUN (bpftool prog run): UDP to port 9 (dropped),
# UDP to 53, TCP, ARP, and a bare Ethernet header; all the example tells apart.
PKTDIR=$tmp/pkts
mkdir -p "$PKTDIR"
eth='\377\377\377\377\377\377\002\000\000\000\000\001'
ip4='\105\000\000\034\000\001\000\000\100'
ips='\000\000\012\000\000\001\012\000\000\002'
printf "$eth\010\000$ip4\021$ips\060\071\000\011\000\010\000\000" >"$PKTDIR/udp9"
printf "$eth\010\000$ip4\021$ips\060\071\000\065\000\010\000\000" >"$PKTDIR/udp53"
printf "$eth\010\000$ip4\006$ips\060\071\000\120\000\000\000\001" >"$PKTDIR/tcp"
printf "$eth\010\006\000\001\010\000\006\004\000\001" >"$PKTDIR/arp"
printf "$eth\010\000" >"$PKTDIR/eth"
export PKTDIR
# runs ID (in the loaders' shells): each packet's return value and output
# bytes' checksum, then the example's counter of UDP packets (key 17) after them
RUNS='runs() {
	for p in udp9 udp53 tcp arp eth; do
		rm -f "$PKTDIR/out.$$"
		r=$(bpftool prog run id "$1" data_in "$PKTDIR/$p" data_out "$PKTDIR/out.$$" |
			grep -o "Return value: [0-9]*" | grep -o "[0-9]*\$")
		printf "%s:%s:%s " "$p" "$r" "$(cksum <"$PKTDIR/out.$$" | cut -d" " -f1)"
	done
	m=$(bpftool prog show id "$1" -j | python3 -c "import json,sys; print(json.load(sys.stdin)[\"map_ids\"][0])")
	bpftool map lookup id "$m" key 17 0 0 0 -j | python3 -c "import json,sys; print(\"udp=\" + \"\".join(json.load(sys.stdin)[\"value\"]))"
}'

loaders() {
	unshare -m -n sh -c "$RUNS"'
	ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up || exit 3
	ipid() { ip -j link show v0 | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"xdp\"][\"prog\"][\"id\"])"; }
	xlid() { xdp-loader status v0 | awk "/xdp_example/ { for (i = 2; i <= NF; i++) if (length(\$i) == 16 && \$i ~ /^[0-9a-f]+\$/) print \$(i - 1) }"; }
	'"$1"' ip link set dev v0 xdp obj "$0" sec xdp && echo "ip $(bpftool prog show id $(ipid) | grep -o "xlated [0-9]*B")"
	echo "ip-run $(runs $(ipid))"
	ip link set dev v0 xdp off
	'"$1"' xdp-loader load -m skb v0 "$0" >/dev/null && echo "xdp-loader $(bpftool prog show id $(xlid) | grep -o "xlated [0-9]*B")"
	echo "xdp-loader-run $(runs $(xlid))"
	xdp-loader unload -a v0 >/dev/null 2>&1
	d=$(mktemp -d) && mount -t bpf bpf "$d" || exit 3
	'"$1"' bpftool prog loadall "$0" "$d/all" && echo "loadall $(bpftool prog show pinned "$d/all/xdp_example" | grep -o "xlated [0-9]*B")"
	echo "loadall-run $(runs $(bpftool prog show pinned "$d/all/xdp_example" -j | python3 -c "import json,sys; print(json.load(sys.stdin)[\"id\"])"))"
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
		# the same behaviour under BPF_PROG_TEST_RUN: return values (1 = drop
		# for UDP to port 9, 2 = pass), output bytes, and the counter it keeps
		pr=$(echo "$plain" | awk -v l="$l-run" '$1 == l { $1 = ""; print }')
		hr=$(echo "$hit" | awk -v l="$l-run" '$1 == l { $1 = ""; print }')
		if matches "$pr" ' udp9:1:[0-9]* udp53:2:.* udp=0x020x000x000x000x000x000x000x00$' &&
			[ "$pr" = "$hr" ]; then
			ok "$l after warm: same test runs as plain"
		else
			bad "$l after warm: test runs" "plain '$pr', preload '$hr'"
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
	echo "$(bpftool prog show id "$id" | grep -o "xlated [0-9]*B" | tr -dc 0-9)"
	# BPF_PROG_TEST_RUN: TCP gets a new TOS, source address and port, with
	# both checksums mended; the rest passes untouched
	for p in tcp54 udp53; do
		rm -f "$PKTDIR/tc.$$"
		r=$(bpftool prog run id "$id" data_in "$PKTDIR/$p" data_out "$PKTDIR/tc.$$" |
			grep -o "Return value: [0-9]*" | grep -o "[0-9]*\$")
		printf "%s:%s:%s " "$p" "$r" "$(od -An -tx1 -v "$PKTDIR/tc.$$" | tr -d " \n")"
	done' "$TCOBJ"
}
# a whole TCP/IPv4 packet (the checksums the program mends are in it)
printf "$eth\010\000\105\000\000\050\000\001\000\000\100\006$ips" >"$PKTDIR/tcp54"
printf '\060\071\000\120\000\000\000\001\000\000\000\000\120\002\040\000\000\000\000\000' \
	>>"$PKTDIR/tcp54"
if ! command -v tc >/dev/null || [ ! -f "$TCOBJ" ]; then
	skipped "tc: tc missing or corpus not built"
else
	export BPFSYNTH_CACHE_DIR="$tmp/tc"
	out=$($B -j warm --budget 10s --type sched_cls "$TCOBJ")
	check "warm the tc object (--type sched_cls)" [ $? -eq 0 ]
	tb=$(echo "$out" | field 0 insns_before)
	ta=$(echo "$out" | field 0 insns_after)
	plain_all=$(tc_load "")
	hit_all=$(BPFSYNTH_MODE=cache tc_load "LD_PRELOAD=$SO")
	plain=$(echo "$plain_all" | sed -n 1p) hit=$(echo "$hit_all" | sed -n 1p)
	[ -n "$plain" ] && [ -n "$hit" ] && [ "$hit" -eq $((plain - 8 * (tb - ta))) ] &&
		ok "tc after warm: ${hit}B xlated, plain ${plain}B ($tb -> $ta)" ||
		bad "tc after warm" "xlated '$hit', plain '$plain', warm $tb -> $ta"
	pr=$(echo "$plain_all" | sed -n 2p) hr=$(echo "$hit_all" | sed -n 2p)
	# TOS 8 and the source address (0x0a010101 as the host stores it) written
	# into the TCP packet, the UDP one untouched
	if matches "$pr" 'tcp54:0:[0-9a-f]\{30\}08[0-9a-f]\{20\}0101010a.* udp53:0:[0-9a-f]\{84\} $' &&
		[ "$pr" = "$hr" ]; then
		ok "tc after warm: same test runs as plain"
	else
		bad "tc after warm: test runs" "plain '$pr', preload '$hr'"
	fi
	check "tc: a hit" sh -c "$B -j cache stats | grep -q '\"hits\":1'"
fi
finish
