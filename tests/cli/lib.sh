# Shared by the shell test suites (tests/cli/test_*.sh), sourced after they
# set SUITE.  Each check prints "ok" or "FAIL"; finish prints the suite's
# closing line "SUITE: N passed, N failed, N skipped" (which
# tests/run-tests.sh adds up) and exits non-zero if anything failed.
pass=0 fail=0 skip=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
skipped() { skip=$((skip + 1)); echo "skip $1${2:+: $2}"; }
# check NAME COMMAND...: ok when COMMAND succeeds
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
# matches STRING REGEX: expr(1) anchored match, quietly
matches() { expr "$1" : "$2" >/dev/null; }
finish() {
	echo "$SUITE: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit $?
}
