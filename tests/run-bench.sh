#!/bin/sh
# make bench: benchmarks that print figures (no pass/fail thresholds here),
# then the interpreter's differential tests at 100x the size make check runs.
# After this script, make bench runs the optimizer bench
# (tests/corpus/bench_opt.sh; alone: make bench-opt).
# Runs on the corpus; builds it first if missing (see tests/corpus/README.md).
#
#   INTERP_DIFF_N         random programs (make check: 10000; here 1000000)
#   INTERP_CORPUS_PKTS    packets per corpus program (make check: 200; here 20000)
#   INTERP_CORPUS_BIG_PKTS  for programs with over 1 MiB of arrays, which the
#                         test reads whole from the kernel per packet (here 2000)
#   OPT_FUZZ_N            generated programs the optimizer fuzzer runs (make
#                         check: 100; here 1000, about 15 min)
#   BENCH_DIFF=0          skip the differential runs
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

[ "${BENCH_DIFF:-1}" = 0 ] && exit 0
echo "== core/interp vs the kernel: random programs at 100x make check"
INTERP_DIFF_N=${INTERP_DIFF_N:-1000000} "$BUILD/tests/kernel/test_interp_diff" 2>&1 |
	grep -E '^interp|FAIL|passed'
echo "== core/smt mutation test on every checkable corpus program (make check: 20, 1 s a check)"
SMT_CORPUS_PROGS=${SMT_CORPUS_PROGS:-1000} SMT_CORPUS_TIMEOUT=${SMT_CORPUS_TIMEOUT:-5} \
	"$BUILD/tests/kernel/test_smt_corpus" 2>&1 | grep -E 'programs|FAIL|passed'
echo "== core/interp vs the kernel: corpus programs at 100x make check"
INTERP_CORPUS_PKTS=${INTERP_CORPUS_PKTS:-20000} \
INTERP_CORPUS_BIG_PKTS=${INTERP_CORPUS_BIG_PKTS:-2000} \
	"$BUILD/tests/kernel/test_interp_corpus" 2>&1 | grep -v '^  not compared: '
echo "== the optimizer vs the kernel on generated programs at 10x make check"
OPT_FUZZ_N=${OPT_FUZZ_N:-1000} OPT_FUZZ_SEED=${OPT_FUZZ_SEED:-2} OPT_FUZZ_PKTS=${OPT_FUZZ_PKTS:-256} \
	"$BUILD/tests/kernel/test_opt_fuzz" 2>&1 | grep -E 'programs|FAIL|passed'
