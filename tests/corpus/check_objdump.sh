#!/bin/sh
# bpfsynth dump agrees with llvm-objdump -d on every object of the corpus.
exec python3 "$(dirname "$0")/check_objdump.py" "${BUILD:-build}/bpfsynth" \
	"${CORPUS_DIR:-/var/cache/bpfsynth-corpus}/objs" "$@"
