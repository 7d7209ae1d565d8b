#!/bin/sh
# bpfsynth exec agrees with bpftool prog run on the corpus programs it can run.
exec python3 "$(dirname "$0")/check_exec.py" "${BUILD:-build}/bpfsynth" \
	"${CORPUS_DIR:-/var/cache/bpfsynth-corpus}" "$@"
