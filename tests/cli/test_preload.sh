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
# No worker: these tests look at the queue the preload leaves (test_preload_opt.c tests the worker).
export BPFSYNTH_CACHE_DIR="$tmp/cache" BPFSYNTH_CONFIG="" BPFSYNTH_WORKER=off
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

# Other real loaders, in a network namespace with a veth pair: the cache entry
# made for bpftool's load (tests/kernel/test_preload --make-entry: the
# stand-in optimizer) must be hit by ip and xdp-loader too (same canonical
# program, same key), and the kernel must report the optimized program.
xlated_of_id() { bpftool prog show id "$1" | grep -o 'xlated [0-9]*B'; }
loaders() {
	unshare -m -n sh -c '
	ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up || exit 3
	ipid() { ip -j link show v0 | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"xdp\"][\"prog\"][\"id\"])"; }
	xlid() { xdp-loader status v0 | awk "/xdp_example/ { for (i = 2; i <= NF; i++) if (length(\$i) == 16 && \$i ~ /^[0-9a-f]+\$/) print \$(i - 1) }"; }
	'"$1"' ip link set dev v0 xdp obj "$0" sec xdp && echo "ip $(bpftool prog show id $(ipid) | grep -o "xlated [0-9]*B")"
	echo "ip-dump $(bpftool prog dump xlated id $(ipid) | sed "s/map\[id:[0-9]*\]/map/" | cksum)"
	ip link set dev v0 xdp off
	'"$1"' xdp-loader load -m skb v0 "$0" >/dev/null && echo "xdp-loader $(bpftool prog show id $(xlid) | grep -o "xlated [0-9]*B")"
	xdp-loader unload -a v0 >/dev/null 2>&1
	d=$(mktemp -d) && mount -t bpf bpf "$d" || exit 3
	'"$1"' bpftool prog loadall "$0" "$d/all" && echo "loadall $(bpftool prog show pinned "$d/all/xdp_example" | grep -o "xlated [0-9]*B")"
	' "$PWD/$OBJ"
}
if ! bpftool prog list >/dev/null 2>&1 || ! command -v xdp-loader >/dev/null; then
	skipped "other loaders: bpf() not permitted or xdp-loader missing"
elif ! unshare -m sh -c '
		d=$(mktemp -d) && mount -t bpf bpf "$d" || exit 3
		BPFSYNTH_MODE=async LD_PRELOAD='"$PWD/$SO"' bpftool prog load "$0" "$d/p" type xdp' \
		"$OBJ" || ! key=$(ls "$tmp/cache/queue") ||
	! "$BUILD/tests/kernel/test_preload" --make-entry "$tmp/cache" "$key"; then
	bad "cache entry for the example (queue + stand-in optimizer)"
else
	ok "cache entry for the example (queue + stand-in optimizer)"
	plain=$(loaders "")
	hit=$(BPFSYNTH_MODE=cache loaders "LD_PRELOAD=$PWD/$SO")
	off=$(BPFSYNTH_MODE=off loaders "LD_PRELOAD=$PWD/$SO")
	for l in ip xdp-loader loadall; do
		p=$(echo "$plain" | awk -v l="$l" '$1 == l { print $3 }' | tr -d B)
		h=$(echo "$hit" | awk -v l="$l" '$1 == l { print $3 }' | tr -d B)
		o=$(echo "$off" | awk -v l="$l" '$1 == l { print $3 }' | tr -d B)
		if [ -n "$p" ] && [ -n "$h" ] && [ "$h" -eq $((p - 8)) ]; then
			ok "$l under the preload (cache): kernel reports ${h}B xlated, plain ${p}B"
		else
			bad "$l under the preload (cache)" "xlated '$h', plain '$p'"
		fi
		[ -n "$o" ] && [ "$o" = "$p" ] && ok "$l with BPFSYNTH_MODE=off: ${o}B as plain" ||
			bad "$l with BPFSYNTH_MODE=off" "xlated '$o', plain '$p'"
	done
	pd=$(echo "$plain" | awk '$1 == "ip-dump"')
	od=$(echo "$off" | awk '$1 == "ip-dump"')
	[ -n "$pd" ] && [ "$pd" = "$od" ] && ok "ip, mode off: xlated dump identical to plain" ||
		bad "ip, mode off: xlated dump differs" "'$pd' vs '$od'"
	hits=$("$BUILD/bpfsynth" -j cache stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"])')
	[ "$hits" = 3 ] && ok "stats: 3 hits (ip, xdp-loader, loadall)" || bad "stats: hits '$hits'"

	# A broken config file never breaks a load: it is logged (line, column), and
	# the environment still applies (cache mode: the entry is used).
	printf '{\n  "mode": "cache",\n  "budget": 3,,\n}\n' >"$tmp/bad.json"
	sizes=$(BPFSYNTH_CONFIG="$tmp/bad.json" BPFSYNTH_MODE=cache \
		BPFSYNTH_LOG="warn:$tmp/log" load_sizes "LD_PRELOAD=$PWD/$SO")
	[ "$sizes" = "xlated 344B" ] && ok "bad config file: load goes on, entry used" ||
		bad "bad config file" "'$sizes'"
	grep -q "bad.json:3:.*file ignored" "$tmp/log" 2>/dev/null &&
		ok "bad config file: logged with its line" || bad "bad config file: not logged"
	# An untrusted cache directory: pass-through, and the log says why.
	chmod 777 "$tmp/cache"
	sizes=$(BPFSYNTH_MODE=cache BPFSYNTH_LOG="warn:$tmp/log" load_sizes "LD_PRELOAD=$PWD/$SO")
	chmod 755 "$tmp/cache"
	[ "$sizes" = "xlated 352B" ] && ok "world-writable cache dir: the original loads" ||
		bad "world-writable cache dir" "'$sizes'"
	grep -q "cache not used: .*writable by everyone" "$tmp/log" &&
		ok "world-writable cache dir: logged why" || bad "world-writable cache dir: not logged"
	# Silent by default: nothing on stdout or stderr from the preload.
	out=$(BPFSYNTH_MODE=cache load_sizes "LD_PRELOAD=$PWD/$SO" 2>&1)
	[ "$out" = "xlated 344B" ] && ok "nothing printed by default" || bad "output: '$out'"
fi

# tc (iproute2) with a tc program from the corpus (samples/tcbpf1_kern.o): the
# preload queues it, the stand-in optimizer removes one redundant mask, and
# tc's next load gets the optimized program.
TCOBJ=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}/objs/samples/tcbpf1_kern.o
tc_load() {
	unshare -m -n sh -c '
	mount -t bpf bpf /sys/fs/bpf && ip link add v0 type veth peer name v1 &&
		ip link set v1 up && tc qdisc add dev v1 clsact || exit 3
	'"$1"' tc filter add dev v1 ingress bpf da obj "$0" sec classifier || exit 4
	id=$(tc filter show dev v1 ingress | grep -o " id [0-9]*" | cut -d" " -f3)
	bpftool prog show id "$id" | grep -o "xlated [0-9]*B" | tr -dc 0-9' "$TCOBJ"
}
if ! bpftool prog list >/dev/null 2>&1 || ! command -v tc >/dev/null || [ ! -f "$TCOBJ" ]; then
	skipped "tc: bpf() not permitted, tc missing or corpus not built"
else
	export BPFSYNTH_CACHE_DIR="$tmp/tc"
	BPFSYNTH_MODE=async tc_load "LD_PRELOAD=$PWD/$SO" >/dev/null
	key=$(ls "$tmp/tc/queue" 2>/dev/null)
	if [ -n "$key" ] && "$BUILD/tests/kernel/test_preload" --make-entry "$tmp/tc" "$key"; then
		plain=$(tc_load "")
		hit=$(BPFSYNTH_MODE=cache tc_load "LD_PRELOAD=$PWD/$SO")
		off=$(BPFSYNTH_MODE=off tc_load "LD_PRELOAD=$PWD/$SO")
		[ -n "$plain" ] && [ -n "$hit" ] && [ "$hit" -eq $((plain - 8)) ] &&
			ok "tc filter add under the preload: ${hit}B xlated, plain ${plain}B" ||
			bad "tc filter add under the preload" "xlated '$hit', plain '$plain'"
		[ -n "$off" ] && [ "$off" = "$plain" ] && ok "tc with BPFSYNTH_MODE=off: as plain" ||
			bad "tc with BPFSYNTH_MODE=off" "'$off' vs '$plain'"
	else
		bad "tc: queue entry and stand-in optimization" "key '$key'"
	fi
fi

finish
