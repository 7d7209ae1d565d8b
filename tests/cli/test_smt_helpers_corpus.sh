#!/bin/sh
# The helper models of core/smt on the real programs that call them: the
# mutation test (build/tests/kernel/test_smt_corpus: every mutant proven
# EQUIVALENT runs against the original in the interpreter and in the kernel)
# on test_tunnel_kern (skb_get/set_tunnel_key and _opt, skb_get_xfrm_state)
# and test_check_mtu (check_mtu).  Those programs are only checkable because
# the helpers are modelled: the counts below fail if a model goes missing.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
CORPUS_DIR=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}
SUITE=test_smt_helpers_corpus
. tests/cli/lib.sh
T=$BUILD/tests/kernel/test_smt_corpus

if [ ! -r "$CORPUS_DIR/manifest.tsv" ]; then
	skipped "the helper programs of the corpus" "no corpus at $CORPUS_DIR (make corpus)"
	finish
fi
# run MATCH MIN: the mutation test on the objects matching MATCH; at least MIN programs
run() {
	out=$(SMT_CORPUS_MATCH=$1 SMT_CORPUS_PROGS=100 SMT_CORPUS_MUTANTS=10 SMT_CORPUS_TIMEOUT=5 \
		"$T" 2>&1)
	rc=$?
	echo "$out" | sed -n 's/^  \([0-9]* programs.*\)/  \1/p'
	if echo "$out" | grep -q ' 0 passed, 0 failed, 1 skipped'; then
		skipped "$1" "$(echo "$out" | head -n 1)"
		return
	fi
	n=$(echo "$out" | sed -n 's/^  \([0-9]*\) programs.*/\1/p')
	check "$1: the mutants proven equivalent behave alike (interpreter, kernel)" [ "$rc" -eq 0 ]
	check "$1: at least $2 programs checkable (helpers modelled)" [ "${n:-0}" -ge "$2" ]
}
run test_tunnel_kern 15
run test_check_mtu 6
finish
