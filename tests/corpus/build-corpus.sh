#!/bin/sh
# Fetch and build the real-program corpus: BPF objects nobody here wrote.
#
#   sh tests/corpus/build-corpus.sh [--dir DIR] [--jobs N] [--prebuilt-only]
#                                   [--retry-failed] [--no-manifest] [--remanifest]
#
# Everything comes from Debian packages fetched by name with `apt-get download`
# and unpacked with `dpkg -x` / `dpkg-deb` (nothing is installed), and lives in
# $CORPUS_DIR (default /var/cache/bpfsynth-corpus), never in the repository:
#
#   objs/<source>/<name>.o   source: samples selftests libxdp xdp-tests xdp-tools
#   manifest.tsv             one line per program (build/tests/corpus/corpus_manifest)
#   build.log                what failed in the last run, and why
#
# Only what is missing is fetched or built: a second run is quick. A compile
# that failed is not retried unless --retry-failed. See tests/corpus/README.md.
set -u

# ---------------------------------------------------------------- internal modes
# `--cc KIND SRC OUT` and `--manifest-one OBJ` are what the parallel workers
# (xargs -P) run; they read their settings from the environment exported below.

log_fail() {	# NAME-OF-LOG: mark the object as failed
	mkdir -p "$CORPUS_DIR/failed/$1" && : > "$CORPUS_DIR/failed/$1/$2"
}

cc_one() {	# KIND SRC OUT
	kind=$1 src=$2 out=$3
	name=$(basename "$out" .o)
	source=$(basename "$(dirname "$out")")
	[ "$kind" = sbpf ] && source=samples-bpf
	log=$CORPUS_DIR/logs/$source/$name.log
	mkdir -p "$(dirname "$log")" "$(dirname "$out")"
	tmp=$out.tmp.$$
	rm -f "$CORPUS_DIR/failed/$source/$name" "$CORPUS_DIR/logs/$source/$name.note"
	case $kind in
	kern)	# samples/bpf/*_kern.c: kbuild's clang -> opt -> llc pipeline
		# shellcheck disable=SC2086
		( cd "$LSRC/samples/bpf" &&
		  clang -nostdinc $KERN_INC $SYSINC \
			-fno-stack-protector -g -I"$WORK/samples" \
			-I"$LSRC/tools/testing/selftests/bpf/" -I"$INC/libbpf" \
			-D__KERNEL__ -D__BPF_TRACING__ -Wno-unused-value -Wno-pointer-sign \
			-D__TARGET_ARCH_x86 -Wno-compare-distinct-pointer-types \
			-Wno-gnu-variable-sized-type-not-at-end \
			-Wno-address-of-packed-member -Wno-tautological-compare \
			-Wno-unknown-warning-option -fno-asynchronous-unwind-tables \
			-I"$LSRC/samples/bpf/" -include asm_goto_workaround.h \
			-O2 -emit-llvm -Xclang -disable-llvm-passes -c "$src" -o "$tmp.1.bc" &&
		  opt -O2 -mtriple=bpf-pc-linux "$tmp.1.bc" -o "$tmp.2.bc" &&
		  llc -march=bpf -filetype=obj "$tmp.2.bc" -o "$tmp" ) >"$log" 2>&1
		rc=$?
		rm -f "$tmp.1.bc" "$tmp.2.bc" ;;
	sbpf)	# samples/bpf/*.bpf.c: plain clang -target bpf with vmlinux.h
		# shellcheck disable=SC2086
		clang -g -O2 -target bpf -D__TARGET_ARCH_x86 \
			-Wno-compare-distinct-pointer-types -I"$HDR_COMMON/include" \
			-I"$INC" -I"$LSRC/samples/bpf" -I"$LSRC/tools/include" \
			-I"$INC/libbpf" $SYSINC -c "$src" -o "$tmp" >"$log" 2>&1
		rc=$? ;;
	st)	# selftests/bpf/progs/*.c: the selftests' own flags
		extra=
		case $src in
		*/test_l4lb_noinline.c|*/test_xdp_noinline.c) extra=-fno-inline ;;
		esac
		set -- -g -D__TARGET_ARCH_x86 -mlittle-endian -I"$INC" -I"$INC/libbpf" \
			-I"$LSRC/tools/testing/selftests/bpf" -I"$LSRC/tools/include/uapi"
		# shellcheck disable=SC2086
		( cd "$LSRC/tools/testing/selftests/bpf/progs" &&
		  clang -Werror "$@" $SYSINC -Wno-compare-distinct-pointer-types \
			-DENABLE_ATOMICS_TESTS $extra -O2 -target bpf -c "$src" -mcpu=v3 \
			-o "$tmp" ) >"$log" 2>&1
		rc=$?
		if [ $rc -ne 0 ] && grep -q 'error: .*\[-Werror' "$log" &&
		   ! grep -v '\[-Werror' "$log" | grep -q 'error:'; then
			# Only warnings-as-errors (a 6.1 selftest against this kernel's
			# vmlinux.h, e.g. a const qualifier): build it without -Werror.
			mv "$log" "$log.werror"
			# shellcheck disable=SC2086
			( cd "$LSRC/tools/testing/selftests/bpf/progs" &&
			  clang "$@" $SYSINC -Wno-compare-distinct-pointer-types \
				-DENABLE_ATOMICS_TESTS $extra -O2 -target bpf -c "$src" \
				-mcpu=v3 -o "$tmp" ) >"$log" 2>&1
			rc=$?
			[ $rc -eq 0 ] && { sed -n 's/.*error: /warning (built with -Wno-error): /p' \
				"$log.werror" | sort -u > "$CORPUS_DIR/logs/$source/$name.note"; }
			rm -f "$log.werror"
		fi ;;
	*)	echo "build-corpus: unknown kind $kind" >&2; return 1 ;;
	esac
	if [ $rc -eq 0 ] && [ -s "$tmp" ]; then
		mv -f "$tmp" "$out"
		echo "  OK      $source/$name"
	else
		rm -f "$tmp"
		log_fail "$source" "$name"
		echo "  FAILED  $source/$name"
	fi
}

manifest_one() {	# OBJ (absolute, under $OBJS)
	obj=$1
	rel=${obj#"$OBJS"/}
	part=$CORPUS_DIR/manifest.d/${rel%.o}.tsv
	mkdir -p "$(dirname "$part")"
	# The tool loads programs: give it a private mount namespace with its own
	# bpffs so that objects pinning maps by name cannot touch /sys/fs/bpf.
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
		unshare -m sh -c 'mount -t bpf bpf /sys/fs/bpf 2>/dev/null; exec "$@"' sh \
			"$MANIFEST_TOOL" --root "$OBJS" --types "$SECTION_TYPES" "$obj" \
			>"$part.tmp" 2>"$part.err"
	else
		"$MANIFEST_TOOL" --root "$OBJS" --types "$SECTION_TYPES" "$obj" \
			>"$part.tmp" 2>"$part.err"
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "manifest: $rel: corpus_manifest exited with status $rc" >>"$part.err"
	fi
	mv -f "$part.tmp" "$part"
	[ -s "$part.err" ] || rm -f "$part.err"
	return 0
}

case ${1:-} in
--cc)		shift; cc_one "$@"; exit 0 ;;
--manifest-one)	shift; for o in "$@"; do manifest_one "$o"; done; exit 0 ;;
esac

# ---------------------------------------------------------------- options
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS_DIR=${CORPUS_DIR:-/var/cache/bpfsynth-corpus}
JOBS=$(nproc 2>/dev/null || echo 2)
PREBUILT_ONLY=0 RETRY_FAILED=0 NO_MANIFEST=0 REMANIFEST=0

usage() {
	sed -n '2,16s/^# \{0,1\}//p' "$SELF"
	exit "${1:-2}"
}
while [ $# -gt 0 ]; do
	case $1 in
	--dir)		CORPUS_DIR=${2:?--dir needs a directory}; shift ;;
	--dir=*)	CORPUS_DIR=${1#--dir=} ;;
	--jobs|-j)	JOBS=${2:?--jobs needs a number}; shift ;;
	--jobs=*)	JOBS=${1#--jobs=} ;;
	-j*)		JOBS=${1#-j} ;;
	--prebuilt-only) PREBUILT_ONLY=1 ;;
	--retry-failed)	RETRY_FAILED=1 ;;
	--no-manifest)	NO_MANIFEST=1 ;;
	--remanifest)	REMANIFEST=1 ;;
	-h|--help)	usage 0 ;;
	*)		echo "build-corpus: unknown option $1" >&2; usage 2 >&2 ;;
	esac
	shift
done
case $JOBS in ''|*[!0-9]*|0) echo "build-corpus: bad --jobs $JOBS" >&2; exit 2 ;; esac
case $CORPUS_DIR in
*[[:space:]]*) echo "build-corpus: CORPUS_DIR must not contain white space" >&2; exit 2 ;;
/*) ;;
*) CORPUS_DIR=$(pwd)/$CORPUS_DIR ;;
esac
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
MANIFEST_TOOL=$BUILD/tests/corpus/corpus_manifest
# program types of pre-libbpf-1.0 section names, as their own loaders set them
SECTION_TYPES=$REPO/tests/corpus/lists/section-types.tsv

PKGS=$CORPUS_DIR/pkgs		# the .deb files
ROOT=$CORPUS_DIR/root		# dpkg -x of each package: root/<package>/
LSRC=$CORPUS_DIR/src/linux-source-6.1
INC=$CORPUS_DIR/src/include	# vmlinux.h, libbpf/bpf -> libbpf headers
WORK=$CORPUS_DIR/work		# intermediates
OBJS=$CORPUS_DIR/objs
BUILD_LOG=$CORPUS_DIR/build.log
export CORPUS_DIR LSRC INC WORK OBJS MANIFEST_TOOL SECTION_TYPES

mkdir -p "$PKGS" "$ROOT" "$WORK" "$OBJS" || exit 1
# One run at a time per corpus directory (make check-corpus from two shells):
# the second waits, then finds everything present.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$CORPUS_DIR/.lock"
	flock -n 9 || { echo "build-corpus: waiting for another run on $CORPUS_DIR"; flock 9; }
fi
START=$(date +%s)
{ echo "# build-corpus $(date -u '+%Y-%m-%dT%H:%M:%SZ') dir=$CORPUS_DIR jobs=$JOBS" \
	"prebuilt-only=$PREBUILT_ONLY"; } > "$BUILD_LOG"
say() { echo "build-corpus: $*"; }
logn() { echo "$*" >> "$BUILD_LOG"; }
die() { echo "build-corpus: $*" >&2; logn "FATAL: $*"; exit 1; }

for t in apt-get dpkg dpkg-deb python3; do
	command -v $t >/dev/null 2>&1 || die "$t not found"
done

# ---------------------------------------------------------------- fetching
# fetch PACKAGE: the .deb in $PKGS (any version already there is kept: delete
# $CORPUS_DIR to refresh), echo its path.
fetch() {
	deb=$(ls "$PKGS/$1"_*.deb 2>/dev/null | sort | tail -n 1)
	if [ -z "$deb" ]; then
		say "apt-get download $1" >&2
		# _apt cannot write into a root-only directory: let apt know it runs as root.
		sandbox=
		[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
		# shellcheck disable=SC2086
		( cd "$PKGS" && apt-get $sandbox download "$1" ) >>"$BUILD_LOG" 2>&1 ||
			{ logn "apt-get download $1 failed"; return 1; }
		deb=$(ls "$PKGS/$1"_*.deb 2>/dev/null | sort | tail -n 1)
		[ -n "$deb" ] || return 1
	fi
	echo "$deb"
}

# unpack PACKAGE: dpkg -x into $ROOT/PACKAGE once; echo that directory.
unpack() {
	d=$ROOT/$1
	if [ ! -e "$d/.unpacked" ]; then
		deb=$(fetch "$1") || return 1
		rm -rf "$d" && mkdir -p "$d" && dpkg -x "$deb" "$d" >>"$BUILD_LOG" 2>&1 ||
			{ logn "dpkg -x $deb failed"; return 1; }
		basename "$deb" > "$d/.unpacked"
	fi
	echo "$d"
}

# ---------------------------------------------------------------- prebuilt objects
copy_missing() {	# DESTDIR FILE...
	dest=$1; shift
	mkdir -p "$dest"
	for f in "$@"; do
		[ -f "$f" ] || continue
		[ -e "$dest/$(basename "$f")" ] || cp "$f" "$dest/"
	done
}

prebuilt() {
	if d=$(unpack libxdp1); then
		copy_missing "$OBJS/libxdp" "$d"/usr/lib/*/bpf/*.o
	else
		say "libxdp1 unavailable (see build.log)"
	fi
	if d=$(unpack xdp-tests); then
		copy_missing "$OBJS/xdp-tests" "$d"/usr/libexec/xdp-tools/*.o
	else
		say "xdp-tests unavailable (see build.log)"
	fi
	# xdp-tools' binaries embed their BPF objects (bpftool skeletons). Many of
	# them are libxdp's own (statically linked: dispatcher, xsk programs), which
	# are skipped; the rest are named after their DWARF compile unit.
	if [ ! -e "$OBJS/xdp-tools/.done" ]; then
		if d=$(unpack xdp-tools); then
			e=$WORK/xdp-tools-embedded
			rm -rf "$e" "$OBJS/xdp-tools" && mkdir -p "$e" "$OBJS/xdp-tools"
			set --
			for f in "$d"/usr/sbin/* "$d"/usr/bin/*; do
				[ -f "$f" ] && set -- "$@" "$f"
			done
			python3 "$(dirname "$SELF")/extract_bpf_elf.py" "$e" "" "$@" \
				>"$e/list" 2>>"$BUILD_LOG"
			sha256sum "$OBJS"/libxdp/*.o 2>/dev/null | cut -d' ' -f1 > "$e/seen"
			cut -f1 "$e/list" | while read -r f; do
				h=$(sha256sum "$f" | cut -d' ' -f1)
				grep -qx "$h" "$e/seen" && continue
				echo "$h" >> "$e/seen"
				n=$(llvm-dwarfdump --debug-info "$f" 2>/dev/null |
				    sed -n 's/.*DW_AT_name[[:space:]]*("\(.*\)")$/\1/p' | head -n 1)
				n=$(basename "${n:-$(basename "$f" .o)}")
				n=${n%.c}; n=${n%.bpf}
				while [ -e "$OBJS/xdp-tools/$n.o" ]; do n=${n}_; done
				cp "$f" "$OBJS/xdp-tools/$n.o"
				grep "^$f	" "$e/list" | cut -f2- |
					sed "s|^$d/||; s|\$| -> xdp-tools/$n.o|; s|	| |g" >> "$e/names"
			done
			: > "$OBJS/xdp-tools/.done"
		else
			say "xdp-tools unavailable (see build.log)"
		fi
	fi
}

# ---------------------------------------------------------------- building from source
setup_sources() {
	# linux-source-6.1: only the parts we need, streamed out of the .deb.
	if [ ! -e "$LSRC/.extracted" ]; then
		deb=$(fetch linux-source-6.1) || return 1
		say "extracting samples/bpf and selftests/bpf from $(basename "$deb")"
		rm -rf "$LSRC" && mkdir -p "$CORPUS_DIR/src"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO ./usr/src/linux-source-6.1.tar.xz |
			tar -xJ -C "$CORPUS_DIR/src" \
				linux-source-6.1/samples/bpf \
				linux-source-6.1/tools/testing/selftests/bpf \
				linux-source-6.1/tools/include \
				linux-source-6.1/tools/lib/bpf 2>>"$BUILD_LOG" ||
			{ logn "extracting linux-source-6.1.tar.xz failed"; return 1; }
		: > "$LSRC/.extracted"
	fi
	# Kernel headers for samples/bpf/*_kern.c: the -common/-amd64 pair that
	# linux-headers-amd64 points at now (or whichever pair is already here).
	abi=$(ls "$ROOT" 2>/dev/null | sed -n 's/^linux-headers-\(.*\)-amd64$/\1/p' | sort -V | tail -n 1)
	if [ -z "$abi" ]; then
		abi=$(ls "$PKGS" 2>/dev/null | sed -n 's/^linux-headers-\(.*\)-amd64_.*/\1/p' | sort -V | tail -n 1)
	fi
	if [ -z "$abi" ]; then
		abi=$(apt-cache depends linux-headers-amd64 2>>"$BUILD_LOG" |
		      sed -n 's/.*Depends: linux-headers-\(.*\)-amd64$/\1/p' | head -n 1)
	fi
	[ -n "$abi" ] || { logn "cannot resolve linux-headers-amd64 (apt-cache depends)"; return 1; }
	hc=$(unpack "linux-headers-$abi-common") || return 1
	ha=$(unpack "linux-headers-$abi-amd64") || return 1
	HDR_COMMON=$hc/usr/src/linux-headers-$abi-common
	HDR_ARCH=$ha/usr/src/linux-headers-$abi-amd64
	KERN_INC="-I$HDR_COMMON/arch/x86/include -I$HDR_ARCH/arch/x86/include/generated
		-I$HDR_COMMON/include -I$HDR_ARCH/include
		-I$HDR_COMMON/arch/x86/include/uapi -I$HDR_ARCH/arch/x86/include/generated/uapi
		-I$HDR_COMMON/include/uapi -I$HDR_ARCH/include/generated/uapi
		-include $HDR_COMMON/include/linux/compiler-version.h
		-include $HDR_COMMON/include/linux/kconfig.h"
	# clang's own system include dirs, after everything else (as kbuild does)
	SYSINC=$(clang -v -E - </dev/null 2>&1 |
		sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }' |
		tr '\n' ' ')
	export HDR_COMMON HDR_ARCH KERN_INC SYSINC
	logn "kernel headers: linux-headers-$abi-common/-amd64 ($(cat "$ROOT/linux-headers-$abi-amd64/.unpacked"))"

	# vmlinux.h of the running kernel; libbpf headers from libbpf-dev (the
	# installed ones, or the package unpacked here if it is not installed).
	mkdir -p "$INC"
	if [ ! -s "$INC/vmlinux.h" ]; then
		bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$INC/vmlinux.h.tmp" &&
			mv "$INC/vmlinux.h.tmp" "$INC/vmlinux.h" ||
			{ logn "bpftool btf dump file /sys/kernel/btf/vmlinux failed"; return 1; }
	fi
	if [ ! -e "$INC/libbpf/bpf/bpf_helpers.h" ]; then
		mkdir -p "$INC/libbpf"
		if [ -e /usr/include/bpf/bpf_helpers.h ]; then
			ln -sfn /usr/include/bpf "$INC/libbpf/bpf"
		else
			d=$(unpack libbpf-dev) || return 1
			ln -sfn "$d/usr/include/bpf" "$INC/libbpf/bpf"
		fi
	fi
	logn "libbpf headers: $(readlink "$INC/libbpf/bpf")"

	# samples/bpf/syscall_nrs.h (for tracex5), as kbuild makes it
	mkdir -p "$WORK/samples"
	if [ ! -s "$WORK/samples/syscall_nrs.h" ]; then
		# shellcheck disable=SC2086
		clang -nostdinc $KERN_INC -D__KERNEL__ -S "$LSRC/samples/bpf/syscall_nrs.c" \
			-o "$WORK/samples/syscall_nrs.s" 2>>"$BUILD_LOG" &&
		sed -ne 's:^[[:space:]]*\.ascii[[:space:]]*"\(.*\)".*:\1:; /^->/{s:->#\(.*\):/* \1 */:; s:^->\([^ ]*\) [$#]*\([^ ]*\) \(.*\):#define \1 \2 /* \3 */:; s:->::; p;}' \
			"$WORK/samples/syscall_nrs.s" > "$WORK/samples/syscall_nrs.h" ||
			logn "generating syscall_nrs.h failed"
	fi
}

# want SOURCE NAME: true if objs/SOURCE/NAME.o is to be built now
want() {
	[ -e "$OBJS/$1/$2.o" ] && return 1
	[ $RETRY_FAILED = 0 ] && [ -e "$CORPUS_DIR/failed/$1/$2" ] && return 1
	return 0
}

run_jobs() {	# reads "KIND SRC OUT" lines from stdin
	xargs -r -n 3 -P "$JOBS" sh "$SELF" --cc
}

# link LIST SOURCE OBJDIR OUTSUFFIX: "NAME.skel.h-deps := a.o b.o" lines ->
# bpftool gen object OBJS/SOURCE/NAME.OUTSUFFIX from OBJDIR/a.o OBJDIR/b.o
link_skels() {
	list=$1 source=$2 dir=$3 suffix=$4
	while read -r name deps; do
		out=$OBJS/$source/$name$suffix
		want "$source" "$(basename "$out" .o)" || continue
		set --
		for dep in $deps; do
			dep=${dep%.o}; dep=${dep%.bpf}
			if [ -e "$dir/$dep.o" ]; then set -- "$@" "$dir/$dep.o"
			elif [ -e "$dir/$dep.bpf.o" ]; then set -- "$@" "$dir/$dep.bpf.o"
			else set -- "$@" "$dir/$dep.o"; fi
		done
		lname=$(basename "$out" .o)
		log=$CORPUS_DIR/logs/$source/$lname.log
		mkdir -p "$(dirname "$log")"
		if bpftool gen object "$out.tmp" "$@" >"$log" 2>&1; then
			mv -f "$out.tmp" "$out"
			rm -f "$CORPUS_DIR/failed/$source/$lname"
			echo "  OK      $source/$lname (bpftool gen object)"
		else
			rm -f "$out.tmp"
			echo "bpftool gen object $out $*" >> "$log"
			log_fail "$source" "$lname"
			echo "  FAILED  $source/$lname (bpftool gen object)"
		fi
	done < "$list"
}

build_samples() {
	sb=$LSRC/samples/bpf
	# every object samples/bpf/Makefile builds with the kbuild pipeline
	sed -n 's/^always-y[[:space:]]*+=[[:space:]]*//p' "$sb/Makefile" | tr ' \t' '\n\n' |
		sed -n 's/\.o$//p' | sort -u > "$WORK/samples/kern.list"
	n=0
	while read -r s; do
		[ -e "$sb/$s.c" ] || continue
		n=$((n + 1))
		want samples "$s" && echo "kern $sb/$s.c $OBJS/samples/$s.o"
	done < "$WORK/samples/kern.list" > "$WORK/samples/jobs"
	# *.bpf.c (CO-RE, vmlinux.h) into work/, then linked as the Makefile does
	sed -n 's/^\([A-Za-z0-9_]*\)\.skel\.h-deps[[:space:]]*:=[[:space:]]*\(.*\)$/\1 \2/p' \
		"$sb/Makefile" > "$WORK/samples/linked.list"
	need_bpf=0
	while read -r name deps; do want samples "$name" && need_bpf=1; done < "$WORK/samples/linked.list"
	if [ $need_bpf = 1 ]; then
		for f in "$sb"/*.bpf.c; do
			b=$(basename "$f" .c)
			[ -e "$WORK/samples-bpf/$b.o" ] ||
				echo "sbpf $f $WORK/samples-bpf/$b.o"
		done >> "$WORK/samples/jobs"
	fi
	say "samples/bpf: $n kbuild objects, $(wc -l < "$WORK/samples/linked.list") linked xdp samples;" \
		"$(wc -l < "$WORK/samples/jobs") to build"
	run_jobs < "$WORK/samples/jobs"
	link_skels "$WORK/samples/linked.list" samples "$WORK/samples-bpf" .o
}

build_selftests() {
	pd=$LSRC/tools/testing/selftests/bpf/progs
	mkdir -p "$WORK/selftests"
	n=0
	for f in "$pd"/*.c; do
		n=$((n + 1))
		b=$(basename "$f" .c)
		want selftests "$b" && echo "st $f $OBJS/selftests/$b.o"
	done > "$WORK/selftests/jobs"
	say "selftests/bpf/progs: $n sources; $(wc -l < "$WORK/selftests/jobs") to build (-j$JOBS)"
	run_jobs < "$WORK/selftests/jobs"
	# the objects the selftests link together (NAME.skel.h-deps): NAME.linked.o
	sed -n 's/^\([A-Za-z0-9_]*\)\.skel\.h-deps[[:space:]]*:=[[:space:]]*\(.*\)$/\1 \2/p' \
		"$LSRC/tools/testing/selftests/bpf/Makefile" > "$WORK/selftests/linked.list"
	link_skels "$WORK/selftests/linked.list" selftests "$OBJS/selftests" .linked.o
}

# ---------------------------------------------------------------- manifest
manifest() {
	if [ $NO_MANIFEST = 1 ]; then return 0; fi
	if [ ! -x "$MANIFEST_TOOL" ]; then
		say "no manifest: $MANIFEST_TOOL not found (build it with 'make tests')"
		logn "manifest skipped: $MANIFEST_TOOL not found"
		return 0
	fi
	md=$CORPUS_DIR/manifest.d
	# A different tool (rebuilt) may say different things: start over.
	toolsum=$(cat "$MANIFEST_TOOL" "$SECTION_TYPES" | sha256sum | cut -d' ' -f1)
	if [ $REMANIFEST = 1 ] || [ "$(cat "$md/.tool" 2>/dev/null)" != "$toolsum" ]; then
		rm -rf "$md"
	fi
	mkdir -p "$md" && echo "$toolsum" > "$md/.tool"
	find "$OBJS" -name '*.o' -type f | sort > "$WORK/objs.list"
	while read -r o; do
		rel=${o#"$OBJS"/}
		p=$md/${rel%.o}.tsv
		[ -e "$p" ] && [ ! "$o" -nt "$p" ] && continue
		echo "$o"
	done < "$WORK/objs.list" > "$WORK/manifest.jobs"
	# drop parts whose object is gone
	find "$md" -name '*.tsv' -type f | while read -r p; do
		rel=${p#"$md"/}
		[ -e "$OBJS/${rel%.tsv}.o" ] || rm -f "$p" "$p.err"
	done
	if [ -s "$WORK/manifest.jobs" ]; then
		say "manifest: $(wc -l < "$WORK/manifest.jobs") objects to inspect (-j$JOBS)"
		xargs -r -n 4 -P "$JOBS" sh "$SELF" --manifest-one < "$WORK/manifest.jobs"
	fi
	# header: the tool's own, or ours if it printed none
	hdr=$(cat "$md"/*/*.tsv 2>/dev/null | grep -m1 '^#')
	[ -n "$hdr" ] || hdr=$(printf '#object\tprogram\tsection\ttype\tinsns\tloads\txlated\tjited\tnote')
	{
		echo "$hdr"
		while read -r o; do
			rel=${o#"$OBJS"/}
			cat "$md/${rel%.o}.tsv" 2>/dev/null | grep -v '^#'
		done < "$WORK/objs.list"
	} > "$CORPUS_DIR/manifest.tsv.tmp" && mv -f "$CORPUS_DIR/manifest.tsv.tmp" "$CORPUS_DIR/manifest.tsv"
	errs=$(find "$md" -name '*.err' | wc -l)
	if [ "$errs" -gt 0 ]; then
		logn ""
		logn "== manifest: stderr of corpus_manifest for $errs objects"
		find "$md" -name '*.err' | sort | while read -r e; do
			logn "-- ${e#"$md"/}"; sed 's/^/   /' "$e" >> "$BUILD_LOG"
		done
	fi
}

# ---------------------------------------------------------------- summary
summary() {
	echo
	echo "corpus in $CORPUS_DIR ($(du -sh "$CORPUS_DIR" 2>/dev/null | cut -f1) on disk)"
	printf '  %-10s %8s\n' source objects
	for s in samples selftests libxdp xdp-tests xdp-tools; do
		[ -d "$OBJS/$s" ] || continue
		printf '  %-10s %8d\n' "$s" "$(find "$OBJS/$s" -name '*.o' | wc -l)"
	done
	nf=$(find "$CORPUS_DIR/failed" -type f 2>/dev/null | wc -l)
	[ "$nf" -gt 0 ] && echo "  $nf sources did not build (see $BUILD_LOG)"
	m=$CORPUS_DIR/manifest.tsv
	[ -s "$m" ] || { echo "  (no manifest.tsv)"; return 0; }
	awk -F '\t' -v req="$(dirname "$SELF")/lists/required.txt" '
	function yes(v) { v = tolower(v); return v == "1" || v == "y" || v == "yes" || v == "true" || v == "ok" }
	function src(o) { sub(/\/.*/, "", o); return o }
	/^#/ { next }
	{ s = src($1); progs[s]++; total++
	  if (yes($6)) { ld[s]++; ldt[$4]++; ldts[$4, s]++; nld++; objld[$1]++ }
	  objp[$1]++ }
	END {
		printf "\n  %-10s %8s %8s\n", "source", "programs", "load"
		n = split("samples selftests libxdp xdp-tests xdp-tools", order, " ")
		for (i = 1; i <= n; i++) if (order[i] in progs)
			printf "  %-10s %8d %8d\n", order[i], progs[order[i]], ld[order[i]]
		printf "  %-10s %8d %8d\n", "total", total, nld
		printf "\n  %-24s %6s", "loading, per prog type", "total"
		for (i = 1; i <= n; i++) printf " %9s", order[i]
		printf "\n"
		fflush()
		cmd = "sort -k2,2nr -k1,1"
		for (t in ldt) {
			line = sprintf("  %-24s %6d", t, ldt[t])
			for (i = 1; i <= n; i++) line = line sprintf(" %9d", ldts[t, order[i]])
			print line | cmd
		}
		close(cmd)
		printf "\n  required (object pattern: objects present, programs, loading)\n"
		while ((getline line < req) > 0) {
			if (line ~ /^#/ || line == "") continue
			re = line; gsub(/\./, "\\.", re); gsub(/\*/, ".*", re); re = "^" re "$"
			no = 0; np = 0; nl = 0
			for (o in objp) if (o ~ re) { no++; np += objp[o]; nl += objld[o] }
			printf "  %-32s %3d %5d %5d%s\n", line, no, np, nl, (nl ? "" : "   <-- MISSING")
		}
	}' "$m"
}

# ---------------------------------------------------------------- main
prebuilt
if [ $PREBUILT_ONLY = 0 ]; then
	if setup_sources; then
		build_samples
		build_selftests
	else
		say "cannot set up the kernel sources/headers (see $BUILD_LOG); prebuilt objects only"
	fi
fi
# build.log: every source that did not build, with the compiler's words
{
	nf=0
	for f in $(find "$CORPUS_DIR/failed" -type f 2>/dev/null | sort); do
		rel=${f#"$CORPUS_DIR/failed/"}
		nf=$((nf + 1))
		echo ""
		echo "== FAILED $rel"
		sed 's/^/   /' "$CORPUS_DIR/logs/$rel.log" 2>/dev/null | head -n 40
	done
	for f in $(find "$CORPUS_DIR/logs" -name '*.note' 2>/dev/null | sort); do
		rel=${f#"$CORPUS_DIR/logs/"}
		echo ""
		echo "== NOTE ${rel%.note}"
		sed 's/^/   /' "$f"
	done
	[ -s "$WORK/xdp-tools-embedded/names" ] && {
		echo ""; echo "== xdp-tools: embedded objects kept"
		sed 's/^/   /' "$WORK/xdp-tools-embedded/names"; }
} >> "$BUILD_LOG"
manifest
summary | tee -a "$BUILD_LOG"
say "done in $(( $(date +%s) - START ))s; log: $BUILD_LOG"
exit 0
