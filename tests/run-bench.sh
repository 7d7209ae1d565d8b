#!/bin/sh
# make bench: benchmarks that print figures (no pass/fail thresholds here).
# Runs on the corpus; builds it first if missing (see tests/corpus/README.md).
set -eu
BUILD=${BUILD:-build}
CORPUS_DIR=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}
export BUILD CORPUS_DIR

sh tests/corpus/build-corpus.sh >/dev/null
echo "== core/prog + core/asm on every corpus object ($CORPUS_DIR/objs)"
# shellcheck disable=SC2046
"$BUILD/tests/corpus/bench_prog" $(find "$CORPUS_DIR/objs" -name '*.o' | sort)
for b in "$BUILD"/tests/kernel/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b"
done
