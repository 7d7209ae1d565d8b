#!/bin/sh
# Run test programs (binaries or .sh scripts), each of which ends with a line
# "SUITE: N passed, N failed, N skipped", and print the sum as the last line.
# A test program that exits non-zero without such a line, or crashes, counts
# as one failure.  Exit status: 0 only when nothing failed.
set -u

total_p=0 total_f=0 total_s=0
failed_suites=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$@"; do
	case "$t" in
	*.sh) set -- sh "$t" ;;
	*) set -- "$t" ;;
	esac
	echo "== $t"
	"$@" >"$log" 2>&1 </dev/null
	rc=$?
	cat "$log"
	line=$(grep -E '^[A-Za-z0-9_./-]+: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "   (no summary line; exit status $rc)"
		total_f=$((total_f + 1))
		failed_suites="$failed_suites $t"
		continue
	fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped$/\1/p')
	s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   (exit status $rc with no failure counted: counting one)"
		f=1
	fi
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
	[ "$f" -ne 0 ] && failed_suites="$failed_suites $t"
done

echo
[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "check: $total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
