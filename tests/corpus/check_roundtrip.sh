#!/bin/sh
# bpfsynth's text, reassembled by clang -target bpf, gives back the same bytes.
exec python3 "$(dirname "$0")/check_roundtrip.py" "${BUILD:-build}/bpfsynth" \
	"${CORPUS_DIR:-/var/cache/bpfsynth-corpus}/objs" "$@"
