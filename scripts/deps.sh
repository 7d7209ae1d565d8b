#!/bin/sh
# Install the Debian packages bpfsynth needs to build, test and build its
# corpus.  Runs `apt-get update` once, and only when something is missing.
set -eu

# build: compiler, BPF toolchain, the four libraries (libbpf, libelf, Z3, jansson);
#        binutils for readelf and nm in the tests
# tests: bpftool (vmlinux.h, loaders), iproute2, xdp-tools (real loaders),
#        xz-utils for unpacking the corpus packages, python3 for test scripts
# bench: python3-matplotlib for the optimizer bench's plot (make bench)
PKGS="make gcc binutils libc6-dev pkg-config clang llvm lld
libbpf-dev libelf-dev zlib1g-dev libz3-dev libjansson-dev
bpftool iproute2 xdp-tools xz-utils ca-certificates util-linux python3
python3-matplotlib"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing (run as root to install them)" >&2
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
