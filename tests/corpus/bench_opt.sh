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

# Programs are optimized an object at a time, as a user runs `bpfsynth opt
# IN.o -o OUT.o`: one opt with every listed program of the object (and the
# manifest's type), so a .text subprogram they share is optimized for all of
# them (with one --prog at a time it would stay as it is).  The budget is
# still per program.  Then each program is judged on its own.
# groups.tsv: GROUP OBJECT TYPE INDEX... (INDEX: the programs' lines in
# list.tsv, of those that load).
awk -F'\t' '{ i = NR; if ($4 != "yes") { print "skip\t" i; next }
	k = $1 "\t" $3; if (!(k in g)) { g[k] = ++n; o[n] = k }; m[g[k]] = m[g[k]] "\t" i }
	END { for (j = 1; j <= n; j++) print j "\t" o[j] m[j] }' "$out/list.tsv" >"$out/groups.tsv"

# One program's verdict: opt_compare of the group's OUT.o, in the program's
# directory (where the group's opt.json, opt.err and opt.o are linked);
# meta.tsv says what happened.
judge_one() { # INDEX OBJECT PROGRAM TYPE LOADS GROUPDIR OPT_RC OPT_S
	i=$1 obj=$2 prog=$3 type=$4 loads=$5 g=$6 opt_rc=$7 opt_s=$8
	d=$out/progs/$(printf '%04d' "$i")
	mkdir -p "$d"
	src=$CORPUS_DIR/objs/$obj
	cmp_rc=- note=""
	if [ "$loads" != yes ]; then
		note="manifest: $([ "$loads" = absent ] && echo 'not in the manifest' ||
			echo 'does not load')"
	elif [ ! -r "$src" ]; then
		note="object missing: $src"
	else
		for f in opt.json opt.err opt.o; do
			[ -e "$g/$f" ] && ln -sf "../../groups/$(basename "$g")/$f" "$d/$f"
		done
		if [ "$opt_rc" = 0 ] && [ -s "$g/opt.o" ]; then
			tflag=""
			[ "$type" != - ] && tflag="--type $type"
			# shellcheck disable=SC2086
			timeout 900 "$CMP" "$src" "$g/opt.o" --prog "$prog" $tflag $cmp_args --json \
				>"$d/compare.json" 2>"$d/compare.err" </dev/null &&
				cmp_rc=0 || cmp_rc=$?
			[ "$cmp_rc" = 124 ] && echo "timed out after 900s" >>"$d/compare.err"
		fi
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$obj" "$prog" "$type" "$opt_rc" "$opt_s" \
		"$cmp_rc" "$note" >"$d/meta.tsv"
	echo "bench_opt: [$i/$n] $obj $prog: opt ${opt_rc} (${opt_s}s), compare ${cmp_rc}${note:+, $note}" >&2
}

# One group: opt (or a copy) of the object for its programs, then each
# program's verdict.
bench_group() { # GROUPLINE
	gid=$(printf '%s\n' "$1" | cut -f1)
	if [ "$gid" = skip ]; then
		i=$(printf '%s\n' "$1" | cut -f2)
		line=$(sed -n "${i}p" "$out/list.tsv")
		# shellcheck disable=SC2046
		judge_one "$i" $(printf '%s\n' "$line" | cut -f1-4 | tr '\t' ' ') - - -
		return
	fi
	obj=$(printf '%s\n' "$1" | cut -f2) type=$(printf '%s\n' "$1" | cut -f3)
	idx=$(printf '%s\n' "$1" | cut -f4- | tr '\t' ' ')
	g=$out/groups/$(printf '%04d' "$gid")
	mkdir -p "$g"
	src=$CORPUS_DIR/objs/$obj
	opt_rc=- opt_s=-
	if [ -r "$src" ]; then
		pargs="" np=0
		for i in $idx; do
			pargs="$pargs --prog $(sed -n "${i}p" "$out/list.tsv" | cut -f2)"
			np=$((np + 1))
		done
		t0=$(now)
		if [ "$copy" = 1 ]; then
			cp "$src" "$g/opt.o" && opt_rc=0 || opt_rc=$?
			echo '{"copy": true}' >"$g/opt.json"
		else
			# global -j first (bpftool's convention): opt prints JSON.  A hung
			# opt must not stall the bench: 124 is timeout(1)'s status.
			# The manifest's type for sections that do not say it, as tc is told.
			lim=$((opt_limit * np))
			topt=""
			[ "$type" != - ] && topt="--type $type"
			# shellcheck disable=SC2086
			timeout "$lim" "$BIN" -j opt "$src" -o "$g/opt.o" $pargs \
				--budget "$budget" --jobs "$jobs" $topt >"$g/opt.json" \
				2>"$g/opt.err" </dev/null && opt_rc=0 || opt_rc=$?
			[ "$opt_rc" = 124 ] && echo "timed out after ${lim}s" >>"$g/opt.err"
		fi
		opt_s=$(echo "$(now) $t0" | awk '{ printf "%.2f", $1 - $2 }')
	fi
	for i in $idx; do
		line=$(sed -n "${i}p" "$out/list.tsv")
		# shellcheck disable=SC2046
		judge_one "$i" $(printf '%s\n' "$line" | cut -f1-4 | tr '\t' ' ') "$g" "$opt_rc" "$opt_s"
	done
}

# $parallel lanes; each takes the next group nobody has claimed (mkdir is
# atomic), so a lane that drew small objects does not wait for a big one.
lane() {
	while IFS= read -r gline; do
		mkdir "$out/claims/$(printf '%s\n' "$gline" | cut -f1-2 | tr '\t/' '--')" 2>/dev/null ||
			continue
		bench_group "$gline"
	done <"$out/groups.tsv"
}
rm -rf "$out/claims"
mkdir -p "$out/claims"
l=0
while [ "$l" -lt "$parallel" ]; do
	lane &
	l=$((l + 1))
done
wait
rm -rf "$out/claims"

# The plot needs Debian's python3-matplotlib, which only Debian's python3
# sees: prefer it to another python3 earlier on PATH (pyenv, a venv).
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import matplotlib' 2>/dev/null && [ -x /usr/bin/python3 ] &&
	/usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	PYTHON=/usr/bin/python3
fi
"$PYTHON" tests/corpus/bench_opt_report.py "$out"
