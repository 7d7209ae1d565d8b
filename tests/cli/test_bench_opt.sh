#!/bin/sh
# The optimizer bench's own machinery works: opt_compare sees no difference
# between an object and itself and sees the differences of deliberately
# different programs (tests/cli/bpf/bench_opt_*.bpf.c: another return value,
# only a map written differently, a program that reads the clock), and
# bench_opt.sh on two small corpus programs produces a bench.json with every
# field, identical sizes and no difference when the "optimizer" is a copy,
# and the same fields with the real `bpfsynth opt` (budget 1 s) once it exists.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
CORPUS_DIR=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}
CMP=$BUILD/tests/corpus/opt_compare
V=$BUILD/tests/cli/bpf
SUITE=test_bench_opt
. tests/cli/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# jget FILE EXPR: a Python expression over the JSON document j
jget() { python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

cmp_run() { # NAME ORIG OPT: opt_compare --json into $tmp/NAME.json, status in rc
	"$CMP" "$2" "$3" --prog bench_prog --packets 300 --rounds 3 --json >"$tmp/$1.json" \
		2>"$tmp/$1.err"
	rc=$?
}

cmp_run same "$V/bench_opt_a.bpf.o" "$V/bench_opt_a.bpf.o"
if [ "$rc" -eq 255 ] && grep -q 'not permitted' "$tmp/same.err"; then
	skipped "opt_compare and bench_opt.sh" "$(cat "$tmp/same.err")"
	finish
fi
check "object against itself: exit 0" [ "$rc" -eq 0 ]
check "object against itself: diff same, 0 differences of 300" \
	[ "$(jget "$tmp/same.json" 'j["diff"]["status"], j["diff"]["differences"], j["diff"]["packets"]')" = "('same', 0, 300)" ]
check "object against itself: identical sizes" \
	[ "$(jget "$tmp/same.json" 'j["orig"] == j["opt"] and j["orig"]["xlated_insns"] > 0')" = True ]
check "object against itself: maps compared at checkpoints" \
	[ "$(jget "$tmp/same.json" 'j["diff"]["checkpoints"] >= 3')" = True ]
check "object against itself: latency ratio and noise" \
	[ "$(jget "$tmp/same.json" 'j["latency"]["status"] == "ok" and j["latency"]["ratio_median"] > 0 and j["latency"]["noise_min"] <= j["latency"]["noise_max"]')" = True ]
check "object against itself: the 3 rounds over 3 loads of each copy" \
	[ "$(jget "$tmp/same.json" 'j["latency"]["loads"], j["latency"]["rounds"]')" = "(3, 3)" ]

cmp_run retval "$V/bench_opt_a.bpf.o" "$V/bench_opt_b.bpf.o"
check "another return value: exit 1, status different" \
	[ "$rc" -eq 1 ] && [ "$(jget "$tmp/retval.json" 'j["diff"]["status"]')" = different ]
check "another return value: the first difference names the retval" \
	grep -q '"what":"retval [0-9]* vs [0-9]*"' "$tmp/retval.json"
check "another return value: different sizes reported" \
	[ "$(jget "$tmp/retval.json" 'j["orig"]["insns"] != j["opt"]["insns"]')" = True ]

cmp_run map "$V/bench_opt_a.bpf.o" "$V/bench_opt_c.bpf.o"
check "a map written differently: exit 1, a map differs" \
	[ "$rc" -eq 1 ] && [ "$(jget "$tmp/map.json" 'j["diff"]["maps_differ"] > 0')" = True ]

"$CMP" "$V/bench_opt_a.bpf.o" "$V/bench_opt_c.bpf.o" --prog bench_prog --packets 300 --rounds 3 \
	--checkpoint 1 --json >"$tmp/map1.json" 2>/dev/null
check "a map written differently, --checkpoint 1: the input named is IPv4/TCP (what variant c miscounts)" \
	[ "$(jget "$tmp/map1.json" '(lambda h: h[24:28] + " " + h[46:48])(j["diff"]["first_difference"]["input_hex"])')" = "0800 06" ]

cmp_run clock "$V/bench_opt_d.bpf.o" "$V/bench_opt_d.bpf.o"
check "a program that reads the clock: nondeterministic, not a difference (exit 2)" \
	[ "$rc" -eq 2 ] && [ "$(jget "$tmp/clock.json" 'j["diff"]["status"], j["diff"]["differences"]')" = "('nondeterministic', 0)" ]

"$CMP" "$V/bench_opt_a.bpf.o" /nonexistent.o --prog bench_prog --json >"$tmp/err.json" 2>/dev/null
check "an object that does not load: exit 255 and a JSON error" \
	[ $? -eq 255 ] && grep -q '"error":"opt: /nonexistent.o does not load' "$tmp/err.json"

# bench_opt.sh end to end, on two small programs of the corpus
if [ ! -r "$CORPUS_DIR/manifest.tsv" ]; then
	skipped "bench_opt.sh" "no corpus at $CORPUS_DIR (make corpus)"
	finish
fi
printf 'selftests/xdp_dummy.o\txdp_dummy_prog\nsamples/sockex1_kern.o\tbpf_prog1\n' >"$tmp/list.tsv"
fields='all(k in p for k in ("object", "program", "type", "opt", "compare", "failure")) and all(k in p["compare"] for k in ("orig", "opt", "latency", "diff"))'

BUILD=$BUILD sh tests/corpus/bench_opt.sh --copy --list "$tmp/list.tsv" --out "$tmp/copy" \
	--packets 300 --rounds 3 >"$tmp/copy.out" 2>&1
check "bench_opt.sh --copy: exit 0, bench.json" [ $? -eq 0 ] && [ -s "$tmp/copy/bench.json" ]
check "bench_opt.sh --copy: two programs, no failure" \
	[ "$(jget "$tmp/copy/bench.json" 'len(j["programs"]), j["summary"]["failed"]')" = "(2, 0)" ]
check "bench_opt.sh --copy: every field" \
	[ "$(jget "$tmp/copy/bench.json" "all($fields for p in j['programs'])")" = True ]
check "bench_opt.sh --copy: 0 differences, identical sizes" \
	[ "$(jget "$tmp/copy/bench.json" 'all(p["compare"]["diff"]["differences"] == 0 and p["compare"]["diff"]["status"] == "same" and p["compare"]["orig"] == p["compare"]["opt"] for p in j["programs"])')" = True ]
check "bench_opt.sh --copy: the table names both programs" \
	grep -q 'xdp_dummy:xdp_dummy_prog' "$tmp/copy.out" && grep -q 'sockex1_kern:bpf_prog1' "$tmp/copy.out"

BUILD=$BUILD sh tests/corpus/bench_opt.sh --budget 1 --list "$tmp/list.tsv" --out "$tmp/opt" \
	--packets 300 --rounds 3 >"$tmp/opt.out" 2>&1
if grep -q 'not built yet' "$tmp"/opt/progs/*/opt.err 2>/dev/null; then
	check "bench_opt.sh: an opt that fails is listed as failed, not hidden" \
		[ "$(jget "$tmp/opt/bench.json" 'j["summary"]["failed"]')" = 2 ] &&
		grep -q 'FAILED: opt failed' "$tmp/opt.out"
	skipped "bench_opt.sh with bpfsynth opt" "bpfsynth opt is not built yet"
else
	check "bench_opt.sh --budget 1: two programs, no failure" \
		[ "$(jget "$tmp/opt/bench.json" 'len(j["programs"]), j["summary"]["failed"]')" = "(2, 0)" ]
	check "bench_opt.sh --budget 1: every field, opt's JSON kept" \
		[ "$(jget "$tmp/opt/bench.json" "all($fields and p['opt']['json'] is not None for p in j['programs'])")" = True ]
	check "bench_opt.sh --budget 1: 0 differences" \
		[ "$(jget "$tmp/opt/bench.json" 'all(p["compare"]["diff"]["differences"] == 0 for p in j["programs"])')" = True ]
	# neither program changes (2 instructions; LD_ABS): none to check whole
	check "bench_opt.sh --budget 1: the whole-program line counts the changed programs" \
		[ "$(jget "$tmp/opt/bench.json" 'j["summary"]["whole_program"]["changed"] == sum(1 for p in j["programs"] if p["metrics"]["insns"][1] < p["metrics"]["insns"][0])')" = True ] &&
		grep -q '^whole-program check: [0-9]* of the [0-9]* changed programs' "$tmp/opt.out"
fi
finish
