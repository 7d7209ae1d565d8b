#!/bin/sh
# Every corpus program, linked as libbpf would submit it, passes prog_validate.
exec python3 "$(dirname "$0")/check_linked.py" "${BUILD:-build}/bpfsynth" \
	"${CORPUS_DIR:-/var/cache/bpfsynth-corpus}/objs" "$@"
