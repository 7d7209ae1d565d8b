#!/bin/sh
# The optimizer bench: `bpfsynth opt` on corpus programs, then the kernel's
# verdict on each result (tests/corpus/opt_compare: sizes, latency against
# the noise of two loads of the original, a differential on generated
# packets), collected into OUT/bench.json and reported by
# tests/corpus/bench_opt_report.py (table on stdout, OUT/bench.png).
#
#   bench_opt.sh [--budget SEC] [--list FILE | --all-network] [--jobs N]
#                [--parallel N] [--out DIR] [--copy] [--limit N]
#                [--packets N] [--rounds R] [--lat-packets N]
#
#   --budget SEC     opt's budget per program (default 60)
#   --list FILE      programs to run: "object<TAB>program" lines, objects
#                    relative to $CORPUS_DIR/objs (default
#                    tests/corpus/lists/bench-programs.tsv)
#   --all-network    every program of the manifest that loads and is xdp,
#                    sched_cls, socket_filter or cgroup_skb
#   --jobs N         opt's threads (default 2)
#   --parallel N     programs optimized at once (default 1: opt is threaded;
#                    2 only makes sense with --jobs 1)
#   --out DIR        default /var/cache/bpfsynth-bench/<UTC date and time>
#   --copy           no optimizer: OUT.o is a copy of IN.o.  The bench's
#                    self-test: every ratio must be ~1 and no difference seen
#   --limit N        the first N programs of the list only
#   --packets, --rounds, --lat-packets   passed to opt_compare
#
# Environment: BUILD (default build), CORPUS_DIR, PYTHON (for the report).
#
# Nothing is hidden: a program that is not in the manifest or no longer
# loads, an opt that fails, an OUT.o the kernel refuses, are all rows of the
# report, listed as failures.  Exit status: 0 when the bench ran (whatever it
# found), 1 on a usage or setup error.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
CORPUS_DIR=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}
BIN=$BUILD/bpfsynth
CMP=$BUILD/tests/corpus/opt_compare

budget=60 list=tests/corpus/lists/bench-programs.tsv all=0 jobs=2 parallel=1 out="" copy=0
limit=0 cmp_args=""
usage() {
	sed -n '/^#   bench_opt.sh/,/^#   --packets/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 1
}
while [ $# -gt 0 ]; do
	case "$1" in
	--budget) budget=$2; shift ;;
	--list) list=$2; shift ;;
	--all-network) all=1 ;;
	--jobs) jobs=$2; shift ;;
	--parallel) parallel=$2; shift ;;
	--out) out=$2; shift ;;
	--copy) copy=1 ;;
	--limit) limit=$2; shift ;;
	--packets | --rounds | --lat-packets) cmp_args="$cmp_args $1 $2"; shift ;;
	*) usage ;;
	esac
	shift
done
[ -n "$out" ] || out=/var/cache/bpfsynth-bench/$(date -u +%Y%m%d-%H%M%S)
opt_limit=$(awk -v b="$budget" 'BEGIN { printf "%d", b * 3 + 120 }')
manifest=$CORPUS_DIR/manifest.tsv
for f in "$manifest" "$CMP" "$BIN"; do
	[ -e "$f" ] || { echo "bench_opt: $f is missing (make; make corpus)" >&2; exit 1; }
done
mkdir -p "$out/progs"

# The programs, with what the manifest says of them: object program type loads.
if [ "$all" = 1 ]; then
	awk -F'\t' '$1 !~ /^#/ && $6 == "yes" && ($4 == "xdp" || $4 == "sched_cls" ||
		$4 == "socket_filter" || $4 == "cgroup_skb") { print $1 "\t" $2 }' "$manifest"
else
	[ -r "$list" ] || { echo "bench_opt: no list $list" >&2; exit 1; }
	grep -v '^#' "$list" | awk -F'\t' 'NF >= 2 { print $1 "\t" $2 }'
fi | awk -F'\t' -v lim="$limit" 'lim == 0 || NR <= lim' |
	awk -F'\t' 'NR == FNR { if ($1 !~ /^#/) { t[$1 "\t" $2] = $4; l[$1 "\t" $2] = $6 }; next }
		{ k = $1 "\t" $2; print k "\t" (k in t ? t[k] : "-") "\t" (k in l ? l[k] : "absent") }' \
		"$manifest" - >"$out/list.tsv"
n=$(wc -l <"$out/list.tsv")
[ "$n" -gt 0 ] || { echo "bench_opt: no programs to run" >&2; exit 1; }

{
	printf 'date\t%s\nbudget\t%s\njobs\t%s\nparallel\t%s\ncopy\t%s\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$budget" "$jobs" "$parallel" "$copy"
	printf 'kernel\t%s\ncommit\t%s\nlist\t%s\n' "$(uname -r)" \
		"$(git rev-parse --short HEAD 2>/dev/null || echo -)" \
		"$([ "$all" = 1 ] && echo all-network || echo "$list")"
} >"$out/run.tsv"
echo "bench_opt: $n programs, budget ${budget}s, --jobs $jobs, $parallel at a time -> $out" >&2

now() { date +%s.%N; }

# One program: opt (or a copy), then opt_compare.  Everything goes into its
# directory; meta.tsv says what happened.
bench_one() { # INDEX OBJECT PROGRAM TYPE LOADS
	i=$1 obj=$2 prog=$3 type=$4 loads=$5
	d=$out/progs/$(printf '%04d' "$i")
	mkdir -p "$d"
	src=$CORPUS_DIR/objs/$obj
	opt_rc=- opt_s=- cmp_rc=-
	if [ "$loads" != yes ]; then
		note="manifest: $([ "$loads" = absent ] && echo 'not in the manifest' ||
			echo 'does not load')"
	elif [ ! -r "$src" ]; then
		note="object missing: $src"
	else
		note=""
		t0=$(now)
		if [ "$copy" = 1 ]; then
			cp "$src" "$d/opt.o" && opt_rc=0 || opt_rc=$?
			echo '{"copy": true}' >"$d/opt.json"
		else
			# global -j first (bpftool's convention): opt prints JSON.  A hung
			# opt must not stall the bench: 124 is timeout(1)'s status.
			# the manifest's type for sections that do not say it, as tc is told
			topt=""
			[ "$type" != - ] && topt="--type $type"
			# shellcheck disable=SC2086
			timeout "$opt_limit" "$BIN" -j opt "$src" -o "$d/opt.o" --prog "$prog" \
				--budget "$budget" --jobs "$jobs" $topt >"$d/opt.json" \
				2>"$d/opt.err" </dev/null && opt_rc=0 || opt_rc=$?
			[ "$opt_rc" = 124 ] && echo "timed out after ${opt_limit}s" >>"$d/opt.err"
		fi
		opt_s=$(echo "$(now) $t0" | awk '{ printf "%.2f", $1 - $2 }')
		if [ "$opt_rc" = 0 ] && [ -s "$d/opt.o" ]; then
			tflag=""
			[ "$type" != - ] && tflag="--type $type"
			# shellcheck disable=SC2086
			timeout 900 "$CMP" "$src" "$d/opt.o" --prog "$prog" $tflag $cmp_args --json \
				>"$d/compare.json" 2>"$d/compare.err" </dev/null &&
				cmp_rc=0 || cmp_rc=$?
			[ "$cmp_rc" = 124 ] && echo "timed out after 900s" >>"$d/compare.err"
		fi
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$obj" "$prog" "$type" "$opt_rc" "$opt_s" \
		"$cmp_rc" "$note" >"$d/meta.tsv"
	echo "bench_opt: [$i/$n] $obj $prog: opt ${opt_rc} (${opt_s}s), compare ${cmp_rc}${note:+, $note}" >&2
}

i=0 running=0
while IFS="$(printf '\t')" read -r obj prog type loads; do
	i=$((i + 1))
	if [ "$parallel" -gt 1 ]; then
		bench_one "$i" "$obj" "$prog" "$type" "$loads" &
		running=$((running + 1))
		if [ "$running" -ge "$parallel" ]; then
			wait
			running=0
		fi
	else
		bench_one "$i" "$obj" "$prog" "$type" "$loads"
	fi
done <"$out/list.tsv"
wait

# The plot needs Debian's python3-matplotlib, which only Debian's python3
# sees: prefer it to another python3 earlier on PATH (pyenv, a venv).
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import matplotlib' 2>/dev/null && [ -x /usr/bin/python3 ] &&
	/usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	PYTHON=/usr/bin/python3
fi
"$PYTHON" tests/corpus/bench_opt_report.py "$out"
