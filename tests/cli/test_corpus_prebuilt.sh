#!/bin/sh
# The quick part of the corpus, in every `make check`: the prebuilt objects of
# Debian's libxdp1, xdp-tests and xdp-tools (a few seconds to fetch), checked
# the way `make check-corpus` checks the whole corpus: bpfsynth dump agrees
# with llvm-objdump, its text reassembles to the same bytes, and every
# program linked as libbpf would submit it passes prog_validate.
set -u
BUILD=${BUILD:-build}
CORPUS_DIR=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}
export BUILD CORPUS_DIR
here=$(dirname "$0")
pass=0 fail=0 skip=0

if ! sh "$here/../corpus/build-corpus.sh" --prebuilt-only >/tmp/bpfsynth-corpus-prebuilt.log 2>&1; then
	tail -n 20 /tmp/bpfsynth-corpus-prebuilt.log
	echo "FAIL build-corpus.sh --prebuilt-only"
	echo "test_corpus_prebuilt: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
for check in check_objdump check_roundtrip check_linked; do
	out=$(python3 "$here/../corpus/$check.py" "$BUILD/bpfsynth" "$CORPUS_DIR/objs" \
		--sources libxdp,xdp-tests,xdp-tools 2>&1)
	echo "$out" | grep -v '^ok'
	line=$(echo "$out" | grep -E "^$check: [0-9]+ passed" | tail -n 1)
	if [ -z "$line" ]; then
		fail=$((fail + 1))
		continue
	fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped.*/\1/')
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
# The three packages hold 26 objects (x 3 checks); fewer means the fetch lost some.
[ "$pass" -ge 60 ] || { echo "FAIL only $pass object checks passed (expected >= 60)"; fail=$((fail + 1)); }
echo "test_corpus_prebuilt: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
