#!/bin/sh
# CLI tests of `bpfsynth opt`: usage errors (exit 255, one line), and on the
# shipped example and a few corpus objects: the output is the input but for
# instruction bytes inside the programs' code (same sections, symbols and
# relocations, same length per program), `bpfsynth dump` reads it, `bpfsynth
# check` proves each changed program equivalent wherever opt said it did the
# whole program, programs opt skips come back byte-identical, --json parses
# and has its fields, the same --seed gives the same object, and a program
# that calls .text subprograms changes .text only where it reports so
# (test_opt_shared.sh tests subprograms shared by several programs).  Budgets are
# small (OPT_CLI_BUDGET seconds, default 3): the suite takes well under a
# minute.  The kernel judge runs where bpf() is permitted; --no-kernel runs
# are checked too.
set -u
cd "$(dirname "$0")/../.." || exit 1 # BUILD and the sources are relative to the root

BUILD=${BUILD:-build}
BIN=${BPFSYNTH:-$BUILD/bpfsynth}
SUITE=test_opt
CORPUS=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}/objs
BUDGET=${OPT_CLI_BUDGET:-3}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/cli/lib.sh

run() {
	"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

if [ ! -x "$BIN" ]; then
	bad "setup" "$BIN missing (build first)"
	finish
fi
OBJ=$BUILD/examples/xdp_example.bpf.o

# --- usage errors: exit 255 and exactly one error line
usage_err() { # NAME REGEX ARGS...
	name=$1 re=$2
	shift 2
	run opt "$@"
	if [ "$rc" -eq 255 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
		grep -q "$re" "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "$name"
	else
		bad "$name" "rc $rc, stderr: $(cat "$tmp/err")"
	fi
}
usage_err "no arguments" "needs an object"
usage_err "missing -o" "needs -o" "$OBJ"
usage_err "unreadable object" "No such file" "$tmp/nope.o" -o "$tmp/x.o"
usage_err "not an object" "not" /etc/passwd -o "$tmp/x.o"
usage_err "--prog not found" "no program named 'nosuch'" "$OBJ" -o "$tmp/x.o" --prog nosuch
usage_err "bad --budget" "budget" "$OBJ" -o "$tmp/x.o" --budget -1
usage_err "bad --jobs" "jobs" "$OBJ" -o "$tmp/x.o" --jobs 0
usage_err "bad --type" "unknown program type 'bogus'" "$OBJ" -o "$tmp/x.o" --type bogus
usage_err "too many arguments" "too many" "$OBJ" "$OBJ" -o "$tmp/x.o"
cp "$OBJ" "$tmp/same.o"
usage_err "OUT.o is IN.o" "is the input" "$tmp/same.o" -o "$tmp/same.o"
ln -s same.o "$tmp/link.o"
usage_err "OUT.o is IN.o by a link" "is the input" "$tmp/same.o" -o "$tmp/link.o"
check "IN.o untouched after a refusal" cmp -s "$OBJ" "$tmp/same.o"
check "no output after an error" test ! -e "$tmp/x.o"
run opt help
check "opt help" sh -c "[ $rc -eq 0 ] && grep -q -- '--no-kernel' '$tmp/out'"
run help opt
check "help opt" sh -c "[ $rc -eq 0 ] && grep -q 'OUT.o' '$tmp/out'"

# --- the object opt writes is the input but for the programs' instruction bytes
# only_code_differs IN OUT: same size, differing bytes all inside executable sections
only_code_differs() {
	readelf -SW "$1" >"$tmp/sections" || return 1
	python3 - "$1" "$2" "$tmp/sections" <<'EOF'
import re, sys
a, b = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
r = []
for l in open(sys.argv[3]):
    m = re.match(r'\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+(\S*)', l)
    if m and m.group(2) == 'PROGBITS' and 'X' in m.group(5):
        r.append((int(m.group(3), 16), int(m.group(3), 16) + int(m.group(4), 16)))
if not r:
    sys.exit("no code sections found")
if len(a) != len(b):
    sys.exit("sizes differ")
bad = [i for i in range(len(a)) if a[i] != b[i] and not any(s <= i < e for s, e in r)]
if bad:
    sys.exit("bytes outside code differ at %s" % bad[:5])
EOF
}
# same_section IN OUT NAME: the section's bytes are identical
same_section() {
	readelf -SW "$1" >"$tmp/sections" || return 1
	python3 - "$1" "$2" "$tmp/sections" "$3" <<'EOF'
import re, sys
a, b = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
for l in open(sys.argv[3]):
    m = re.match(r'\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)', l)
    if m and m.group(1) == sys.argv[4]:
        s, n = int(m.group(2), 16), int(m.group(3), 16)
        sys.exit(0 if n and a[s:s + n] == b[s:s + n] else "differs or empty")
sys.exit("no section " + sys.argv[4])
EOF
}
# same_elf IN OUT: readelf's sections, symbols and relocations are identical
same_elf() {
	readelf -SsrW "$1" | sed 1,2d >"$tmp/ra" && readelf -SsrW "$2" | sed 1,2d >"$tmp/rb" &&
		cmp -s "$tmp/ra" "$tmp/rb"
}
# same_lengths IN OUT: dump sees the same programs with the same lengths
same_lengths() {
	for f in "$1" "$2"; do
		"$BIN" -j dump "$f" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["programs"]:
    print(p["name"], p["section"], p["insns"])'
	done >"$tmp/lens"
	n=$(wc -l <"$tmp/lens")
	[ "$n" -gt 0 ] && [ "$(sort "$tmp/lens" | uniq -c | awk '$1 != 2' | wc -l)" -eq 0 ]
}
# proven IN OUT JSON: every changed program that opt says is equivalent as a
# whole, check proves so; no changed program is proven different
proven() {
	python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["insns_after"] != r["insns_before"] or not r["kept_original"]:
        print(r["name"], r["whole"])' "$3" >"$tmp/changed"
	while read -r pname whole; do
		"$BIN" check "$1" "$2" --prog "$pname" --timeout 60 >"$tmp/chk" 2>&1
		crc=$?
		if [ "$crc" -eq 1 ] || { [ "$whole" = equivalent ] && [ "$crc" -ne 0 ]; }; then
			echo "$pname: opt says $whole, check: $(cat "$tmp/chk")" >&2
			return 1
		fi
	done <"$tmp/changed"
	return 0
}
# json_ok JSON: an array, one element per program, with every field
json_ok() {
	python3 -m json.tool "$1" >/dev/null && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list) and d
keys = {"name", "section", "type", "insns_before", "insns_after", "xlated_before",
        "xlated_after", "windows", "whole", "whole_msg", "seconds", "kept_original", "reason",
        "subprog_windows", "subprogs_changed", "shared"}
for r in d:
    assert keys <= set(r), keys - set(r)
    assert r["whole"] in ("equivalent", "unknown")
    assert r["insns_after"] <= r["insns_before"]
    if r["xlated_before"] is not None:
        assert r["xlated_after"] <= r["xlated_before"], r
    if r["kept_original"]:
        assert r["reason"], r' "$1"
}

# opt_object NAME IN [ARGS...]: opt it and check everything above
opt_object() {
	oname=$1 in=$2
	shift 2
	out=$tmp/$(basename "$in")
	rm -f "$out"
	run opt "$in" -o "$out" --budget "$BUDGET" --json "$@"
	cp "$tmp/out" "$tmp/$oname.json"
	if [ "$rc" -ne 0 ]; then
		bad "$oname: opt" "rc $rc: $(cat "$tmp/err")"
		return
	fi
	check "$oname: --json" json_ok "$tmp/$oname.json"
	check "$oname: only code bytes differ" only_code_differs "$in" "$out"
	check "$oname: same sections, symbols, relocations" same_elf "$in" "$out"
	check "$oname: dump reads it, same programs and lengths" same_lengths "$in" "$out"
	check "$oname: changes are proven" proven "$in" "$out" "$tmp/$oname.json"
}

# (a larger budget: the search ends when it is done, and a busy machine is slow)
opt_object example "$OBJ" --budget 10
# the example has room for improvement: opt must find some (a real search ran)
check "example: smaller" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["insns_after"] < r["insns_before"] and r["whole"] == "equivalent", r' "$tmp/example.json"
opt_object example-nokernel "$OBJ" --no-kernel --budget 10
check "--no-kernel: no xlated sizes" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["xlated_before"] is None and r["xlated_after"] is None, r' "$tmp/example-nokernel.json"

# text output: one line per program in the documented shape
run opt "$OBJ" -o "$tmp/t.o" --budget "$BUDGET"
check "text line" sh -c "[ $rc -eq 0 ] && grep -Eq '^xdp_example: insns [0-9]+ -> [0-9]+ \([-+][0-9.]+%\).*windows [0-9]+, proof: .*[0-9.]+ s' '$tmp/out'"

# determinism: the same seed, the same object (no kernel: the judge's sizes
# do not depend on the seed, but keep the runs independent of the machine)
run opt "$OBJ" -o "$tmp/s1.o" --budget 30 --seed 7 --no-kernel
rc1=$rc
run opt "$OBJ" -o "$tmp/s2.o" --budget 30 --seed 7 --no-kernel
check "same --seed, same object" sh -c "[ $rc1 -eq 0 ] && [ $rc -eq 0 ] && cmp -s '$tmp/s1.o' '$tmp/s2.o'"

# --prog: only that program changes
if [ -r "$CORPUS/samples/syscall_tp_kern.o" ] && command -v readelf >/dev/null; then
	opt_object syscall_tp "$CORPUS/samples/syscall_tp_kern.o" --prog trace_enter_open
	check "--prog: one program reported" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["name"] for r in d] == ["trace_enter_open"], d' "$tmp/syscall_tp.json"
	for f in libxdp/xdpfilt_dny_eth.o samples/sockex1_kern.o libxdp/xdpdump_xdp.o; do
		opt_object "$(basename "$f" .o)" "$CORPUS/$f"
	done
	# CO-RE relocations: skipped, and the object comes back byte for byte
	opt_object xdpdump_bpf "$CORPUS/libxdp/xdpdump_bpf.o"
	check "CO-RE: skipped with the reason" grep -q "CO-RE" "$tmp/xdpdump_bpf.json"
	check "CO-RE: object unchanged" cmp -s "$CORPUS/libxdp/xdpdump_bpf.o" \
		"$tmp/xdpdump_bpf.o"
	# calls into .text: its only caller may change .text, and says so where it does
	sub=$CORPUS/selftests/test_pkt_access.o
	if [ -r "$sub" ]; then
		opt_object test_pkt_access "$sub" --prog test_pkt_access
		check "subprograms: .text changed only where reported" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
same = sys.argv[2] == "same"
assert same == (r["subprogs_changed"] == []), r
assert same or r["subprog_windows"] > 0, r' "$tmp/test_pkt_access.json" \
			"$(same_section "$sub" "$tmp/test_pkt_access.o" .text && echo same)"
	else
		skipped "subprograms" "selftests/test_pkt_access.o not in the corpus"
	fi
	# a section that does not say the type: skipped, unless --type says it (as tc is told)
	sub=$CORPUS/selftests/test_tc_edt.o
	if [ -r "$sub" ]; then
		run opt "$sub" -o "$tmp/edt.o" --budget 1 --no-kernel
		check "untyped section: skipped with the reason" sh -c \
			"[ $rc -eq 0 ] && grep -q \"section 'cls_test' does not say the program type\" '$tmp/out'"
		run opt "$sub" -o "$tmp/edt.o" --budget 1 --no-kernel --type sched_cls --json
		check "--type sched_cls: optimized as tc" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d[0]["type"] == "sched_cls" and not d[0]["kept_original"], d' "$tmp/out"
	else
		skipped "--type" "selftests/test_tc_edt.o not in the corpus"
	fi
	# CO-RE relocations into kernel-private structs, in the program and its
	# subprograms (struct bpf_htab, ...): skipped, with the reason
	sub=$CORPUS/selftests/map_ptr_kern.o
	if [ -r "$sub" ]; then
		run opt "$sub" -o "$tmp/sub.o" --budget 1 --no-kernel
		check "CO-RE subprograms: skipped with the reason" sh -c \
			"[ $rc -eq 0 ] && grep -q 'skipped: .*CO-RE relocation.*: struct [a-z_]*: its layout may differ between kernels' '$tmp/out'"
	else
		skipped "CO-RE subprograms" "selftests/map_ptr_kern.o not in the corpus"
	fi
else
	skipped "corpus objects" "corpus not built (make corpus) or no readelf"
fi

finish
