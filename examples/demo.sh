#!/bin/sh
# The README quick start's main job, for now: show the shipped example XDP
# program as bpfsynth sees it (programs, types, instruction counts, text).
set -eu
BUILD=${BUILD:-build}
obj="$BUILD/examples/xdp_example.bpf.o"
echo "\$ $BUILD/bpfsynth dump $obj"
"$BUILD/bpfsynth" dump "$obj"
