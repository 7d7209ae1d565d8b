#!/bin/sh
# CLI tests of `bpfsynth dump`, `help` and `--version`, and of the error path
# for files that are not BPF objects.  Each check prints "ok" or "FAIL"; the
# last line is "test_dump: N passed, N failed, N skipped" and the exit status
# is non-zero if anything failed.
#
# JSON output is checked with a small jansson program compiled here (cc,
# pkg-config and libjansson-dev come with scripts/deps.sh); without a
# compiler those checks are skipped.  Instruction counts and numbering are
# compared with llvm-objdump (package llvm) when it is there.
set -u
cd "$(dirname "$0")/../.." || exit 1 # BUILD and the sources are relative to the root

BUILD=${BUILD:-build}
BIN=${BPFSYNTH:-$BUILD/bpfsynth}
OBJ=$BUILD/examples/xdp_example.bpf.o
SUITE=test_dump

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/cli/lib.sh

# run ARGS...: stdout to $tmp/out, stderr to $tmp/err, status in $rc
run() {
	"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
lines() { wc -l <"$1" | tr -d ' '; }

if [ ! -x "$BIN" ] || [ ! -f "$OBJ" ]; then
	bad "setup" "$BIN or $OBJ missing (build first)"
	finish
fi

# --- a JSON checker: jq-like "get PATH" on top of jansson -------------------
JGET=""
if command -v cc >/dev/null 2>&1 && pkg-config --exists jansson 2>/dev/null; then
	cat >"$tmp/jget.c" <<'CEOF'
/* jget FILE [PATH]: exit 1 unless FILE is one JSON document; print the value
 * at PATH ("programs.0.name"; "#" as last part: array length). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	json_error_t e;
	json_t *v = json_load_file(argv[1], 0, &e);
	char *path, *tok;

	if (!v) {
		fprintf(stderr, "jget: %s:%d:%d: %s\n", argv[1], e.line, e.column, e.text);
		return 1;
	}
	if (argc < 3)
		return 0;
	path = strdup(argv[2]);
	for (tok = strtok(path, "."); tok && v; tok = strtok(NULL, ".")) {
		if (!strcmp(tok, "#")) {
			printf("%zu\n", json_array_size(v));
			return 0;
		}
		v = json_is_array(v) ? json_array_get(v, strtoul(tok, NULL, 10))
				     : json_object_get(v, tok);
	}
	if (!v)
		return 2;
	if (json_is_string(v))
		printf("%s\n", json_string_value(v));
	else if (json_is_integer(v))
		printf("%lld\n", (long long)json_integer_value(v));
	else if (json_is_true(v) || json_is_false(v))
		printf("%s\n", json_is_true(v) ? "true" : "false");
	else
		printf("%s\n", json_is_null(v) ? "null" : "(compound)");
	return 0;
}
CEOF
	# shellcheck disable=SC2046
	if cc -o "$tmp/jget" "$tmp/jget.c" $(pkg-config --cflags --libs jansson) 2>"$tmp/cc.err"; then
		JGET=$tmp/jget
	fi
fi
jget() { "$JGET" "$@" 2>/dev/null; }
has() { "$JGET" "$@" >/dev/null 2>&1; }

# --- version -----------------------------------------------------------------
want_ver=$(sed -n 's/^#define BPFSYNTH_VERSION "\(.*\)"$/\1/p' tools/version.h 2>/dev/null)
for opt in --version -V; do
	run $opt
	check "$opt exits 0" [ "$rc" -eq 0 ]
	check "$opt first line" [ "$(sed -n 1p "$tmp/out")" = "bpfsynth v${want_ver:-0.1.0}" ]
	check "$opt names libbpf" grep -Eq '^using libbpf v[0-9]+\.[0-9]+$' "$tmp/out"
done
run -j --version
if [ -n "$JGET" ]; then
	check "--version -j is JSON" [ "$(jget "$tmp/out" version)" = "${want_ver:-0.1.0}" ]
else
	skipped "--version -j is JSON" "no jansson checker"
fi

# --- help: lists exactly the commands that exist -------------------------------
# the dispatch table of tools/main.c is what exists: every entry, and nothing else
IMPLEMENTED=$(sed -n 's/^[[:space:]]*{"\([a-z]*\)", do_[a-z_]*,.*/\1/p' tools/main.c |
	sort | tr '\n' ' ' | sed 's/ $//')
for h in --help -h help; do
	run $h
	check "$h exits 0" [ "$rc" -eq 0 ]
	check "$h prints usage" grep -q '^Usage: bpfsynth' "$tmp/out"
done
run --help
listed=$(sed -n '/^Commands:/,/^$/p' "$tmp/out" | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' |
	sort | tr '\n' ' ' | sed 's/ $//')
check "help lists exactly: $IMPLEMENTED" [ "$listed" = "$IMPLEMENTED" ]
for c in $listed; do
	run help "$c"
	check "help $c" [ "$rc" -eq 0 ] && [ -s "$tmp/out" ]
	run "$c" help
	check "$c help" [ "$rc" -eq 0 ] && [ -s "$tmp/out" ]
done
run help dump
check "help dump shows the synopsis" grep -q '^Usage: bpfsynth dump OBJ.o' "$tmp/out"
run -j help
if [ -n "$JGET" ]; then
	check "help -j lists the commands" \
		[ "$(jget "$tmp/out" commands.#)" = "$(echo "$IMPLEMENTED" | wc -w)" ]
else
	skipped "help -j lists the commands" "no jansson checker"
fi

# --- dump of the example --------------------------------------------------------
run dump "$OBJ"
check "dump exits 0" [ "$rc" -eq 0 ]
check "dump writes nothing on stderr" [ ! -s "$tmp/err" ]
cp "$tmp/out" "$tmp/dump.txt"
hdr=$(sed -n 1p "$tmp/dump.txt")
check "dump header names the program, section and type" \
	matches "$hdr" 'xdp_example: section xdp, type xdp, [0-9][0-9]* insns$'
n=$(echo "$hdr" | sed -n 's/.*, \([0-9]*\) insns$/\1/p')
body=$(($(lines "$tmp/dump.txt") - 1))
numbered=$(grep -Ec '^ *[0-9]+:	' "$tmp/dump.txt")
check "every instruction line is numbered" [ "$numbered" -eq "$body" ] && [ "$body" -gt 0 ]

# Index sequence: consecutive, +2 after an LD_IMM64 (" ll"); ends at the count.
awk -F'\t' 'NR > 1 {
	idx = $1; sub(/^ */, "", idx); sub(/:$/, "", idx)
	if (idx + 0 != next_idx) { bad = 1 }
	next_idx = idx + ($2 ~ / ll$/ ? 2 : 1)
} END { print (bad ? "bad" : next_idx) }' "$tmp/dump.txt" >"$tmp/seq"
check "indices are consecutive and add up to the insn count ($n)" [ "$(cat "$tmp/seq")" = "$n" ]

sym_size=$(readelf -sW "$OBJ" 2>/dev/null | awk '$8 == "xdp_example" && $4 == "FUNC" { print $3 }')
if [ -n "$sym_size" ]; then
	check "insn count equals the symbol size / 8 ($((sym_size / 8)))" [ "$n" -eq $((sym_size / 8)) ]
else
	skipped "insn count vs symbol size" "no readelf"
fi
if command -v llvm-objdump >/dev/null 2>&1; then
	llvm-objdump -d "$OBJ" | awk -F'\t' '/^ *[0-9]+:\t/ { i = $1; sub(/^ */, "", i); print i }' \
		>"$tmp/llvm.idx"
	awk -F'\t' 'NR > 1 { i = $1; sub(/^ */, "", i); print i }' "$tmp/dump.txt" >"$tmp/our.idx"
	check "instruction indices equal llvm-objdump's" cmp -s "$tmp/llvm.idx" "$tmp/our.idx"
else
	skipped "instruction indices vs llvm-objdump" "no llvm-objdump"
fi
check "LD_IMM64 map reference printed" grep -Eq '^ *[0-9]+:	.* ll$' "$tmp/dump.txt"
check "program ends with exit" [ "$(tail -n 1 "$tmp/dump.txt" | cut -f2)" = "exit" ]

run dump "$OBJ" --prog xdp_example
check "--prog xdp_example gives the same dump" cmp -s "$tmp/out" "$tmp/dump.txt"
run dump --prog=xdp_example "$OBJ"
check "--prog=NAME before the file" cmp -s "$tmp/out" "$tmp/dump.txt"
run d "$OBJ"
check "command prefix 'd' is dump" cmp -s "$tmp/out" "$tmp/dump.txt"

# --- JSON mode -------------------------------------------------------------------
for form in "-j dump $OBJ" "dump $OBJ --json" "-p dump $OBJ" "dump -j $OBJ --prog xdp_example"; do
	# shellcheck disable=SC2086
	run $form
	if [ -z "$JGET" ]; then
		skipped "JSON: $form" "no jansson checker"
		continue
	fi
	check "JSON parses: $form" [ "$rc" -eq 0 ] && jget "$tmp/out" >/dev/null
done
run dump -j "$OBJ"
if [ -n "$JGET" ]; then
	j=$tmp/out
	check "JSON file" [ "$(jget "$j" file)" = "$OBJ" ]
	check "JSON one program" [ "$(jget "$j" programs.#)" = 1 ]
	check "JSON name" [ "$(jget "$j" programs.0.name)" = xdp_example ]
	check "JSON section" [ "$(jget "$j" programs.0.section)" = xdp ]
	check "JSON type" [ "$(jget "$j" programs.0.type)" = xdp ]
	check "JSON insns equals text insns" [ "$(jget "$j" programs.0.insns)" = "$n" ]
	check "JSON valid is true" [ "$(jget "$j" programs.0.valid)" = true ]
	check "JSON one text entry per line" [ "$(jget "$j" programs.0.text.#)" = "$body" ]
	first=$(sed -n 2p "$tmp/dump.txt" | cut -f2)
	check "JSON text.0 asm equals the text dump" [ "$(jget "$j" programs.0.text.0.asm)" = "$first" ]
	check "JSON text.0 idx" [ "$(jget "$j" programs.0.text.0.idx)" = 0 ]
	code=$(jget "$j" programs.0.text.0.code)
	check "JSON text.0 code is hex ($code)" matches "$code" '0x[0-9a-f][0-9a-f]$'
	for f in dst src off imm; do
		check "JSON text.0 has $f" has "$j" programs.0.text.0.$f
	done
else
	skipped "JSON fields" "no jansson checker"
fi

# --- a structurally invalid program is still printed -----------------------------
# The example with its final exit (opcode 0x95) turned into opcode 0xff.
xdp_off=$(readelf -SW "$OBJ" 2>/dev/null |
	sed -n 's/^ *\[ *[0-9]*\] xdp  *PROGBITS  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
if [ -n "$xdp_off" ] && [ -n "${n:-}" ]; then
	cp "$OBJ" "$tmp/invalid.o"
	printf '\377' | dd of="$tmp/invalid.o" bs=1 seek=$((0x$xdp_off + (n - 1) * 8)) \
		conv=notrunc 2>/dev/null
	run dump "$tmp/invalid.o"
	check "invalid program: exit 0" [ "$rc" -eq 0 ]
	check "invalid program: reason printed" grep -q '^; invalid: ' "$tmp/out"
	check "invalid program: all lines still printed" \
		[ "$(grep -Ec '^ *[0-9]+:	' "$tmp/out")" -eq "$body" ]
	run -j dump "$tmp/invalid.o"
	if [ -n "$JGET" ]; then
		check "invalid program: JSON valid false" [ "$(jget "$tmp/out" programs.0.valid)" = false ]
		check "invalid program: JSON error" has "$tmp/out" programs.0.error
	fi
else
	skipped "invalid program" "no readelf"
fi

# --- several programs, BPF-to-BPF calls --------------------------------------------
cat >"$tmp/multi.bpf.c" <<'CEOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int twice(int x)
{
	return x * 2;
}

SEC("xdp")
int first(struct xdp_md *ctx)
{
	return twice(ctx->ingress_ifindex) & 3;
}

SEC("tc")
int second(struct __sk_buff *skb)
{
	return skb->len ? 0 : 2;
}

char _license[] SEC("license") = "GPL";
CEOF
if command -v clang >/dev/null 2>&1 &&
	clang -target bpf -O2 -g -idirafter "/usr/include/$(cc -dumpmachine 2>/dev/null)" \
		-c "$tmp/multi.bpf.c" -o "$tmp/multi.o" 2>/dev/null; then
	MULTI_OK=1
	run dump "$tmp/multi.o"
	check "two programs: both headers" [ "$(grep -c '^[a-z]*: section ' "$tmp/out")" -eq 2 ]
	check "tc program type" grep -q '^second: section tc, type sched_cls, ' "$tmp/out"
	check "subprogram call: not validated" \
		grep -q '^; not validated: calls subprograms' "$tmp/out"
	run dump "$tmp/multi.o" --prog second
	check "--prog picks the second program only" \
		[ "$(grep -c ': section ' "$tmp/out")" -eq 1 ] && grep -q '^second: ' "$tmp/out"
	if [ -n "$JGET" ]; then
		run -j dump "$tmp/multi.o"
		check "JSON: two programs" [ "$(jget "$tmp/out" programs.#)" = 2 ]
		check "JSON: unvalidated is null" [ "$(jget "$tmp/out" programs.0.valid)" = null ]
		check "JSON: second valid" [ "$(jget "$tmp/out" programs.1.valid)" = true ]
	fi
else
	skipped "several programs" "cannot compile with clang"
fi

# --- an object libbpf refuses: shown from the ELF symbol table ---------------------
# Legacy SEC("maps") definitions are refused by libbpf 1.x; the code is still
# there, and dump shows every function, .text helpers included, with the reason.
cat >"$tmp/legacy.bpf.c" <<'CEOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct legacy_map_def { unsigned int type, key_size, value_size, max_entries, flags; };
struct legacy_map_def counts SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1,
};

static __attribute__((noinline)) int twice(int x)
{
	return x * 2;
}

SEC("socket")
int legacy_prog(struct __sk_buff *skb)
{
	int key = 0;
	long *v = bpf_map_lookup_elem(&counts, &key);

	if (v)
		*v += 1;
	return twice(skb->len);
}

char _license[] SEC("license") = "GPL";
CEOF
if command -v clang >/dev/null 2>&1 &&
	clang -target bpf -O2 -g -idirafter "/usr/include/$(cc -dumpmachine 2>/dev/null)" \
		-c "$tmp/legacy.bpf.c" -o "$tmp/legacy.o" 2>/dev/null; then
	run dump "$tmp/legacy.o"
	check "libbpf refuses legacy maps: still status 0" [ "$rc" -eq 0 ]
	check "libbpf refuses legacy maps: the reason comes first" \
		grep -q "^; libbpf cannot open this object: .*legacy map definitions" "$tmp/out"
	check "libbpf refuses legacy maps: program from its section" \
		grep -q '^legacy_prog: section socket, type socket_filter, ' "$tmp/out"
	check "libbpf refuses legacy maps: .text subprogram shown too" \
		grep -q '^twice: section .text, ' "$tmp/out"
	n=$(llvm-objdump -d --no-show-raw-insn "$tmp/legacy.o" 2>/dev/null | grep -c '^ *[0-9]*:')
	m=$(grep -c '^ *[0-9]*:' "$tmp/out")
	check "libbpf refuses legacy maps: as many lines as llvm-objdump ($n)" [ "$n" -eq "$m" ]
	run dump "$tmp/legacy.o" --prog nosuch
	check "libbpf refuses legacy maps: unknown --prog is an error" [ "$rc" -eq 255 ]
	if [ -n "$JGET" ]; then
		run -j dump "$tmp/legacy.o"
		check "JSON: source elf" [ "$(jget "$tmp/out" source)" = elf ]
		check "JSON: two functions" [ "$(jget "$tmp/out" programs.#)" = 2 ]
	fi
else
	skipped "object libbpf refuses" "cannot compile with clang"
fi

# --- libbpf crashing on a file: one error line, not a core dump ---------------------
# A damaged .BTF section makes libbpf 1.1.2 segfault while opening the file
# (the byte below, found by mutation); dump lets libbpf try in a child first.
btf=$(readelf -SW "$OBJ" 2>/dev/null |
	sed -n 's/^ *\[ *[0-9]*\] \.BTF  *PROGBITS  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
if [ -n "$btf" ]; then
	cp "$OBJ" "$tmp/btf.o"
	printf '\232' | dd of="$tmp/btf.o" bs=1 seek=$((0x$btf + 226)) conv=notrunc 2>/dev/null
	run dump "$tmp/btf.o"
	check "damaged .BTF: status 255, one error line naming the crash" \
		[ "$rc" -eq 255 ] && [ "$(lines "$tmp/err")" -eq 1 ] &&
		grep -q 'libbpf crashed parsing it' "$tmp/err"
else
	skipped "damaged .BTF" "no readelf"
fi

# --- dump --linked: what libbpf would submit, computed without the kernel -----------
run dump --linked "$OBJ"
check "--linked: status 0" [ "$rc" -eq 0 ]
check "--linked: map reference by index (ld_pseudo r1, 5, 0)" \
	grep -q 'ld_pseudo.r1, 5, 0' "$tmp/out"
if [ -n "${MULTI_OK:-}" ]; then
	run dump --linked "$tmp/multi.o"
	check "--linked: the subprogram call is resolved and validated" \
		[ "$rc" -eq 0 ] && ! grep -q 'not validated' "$tmp/out" &&
		! grep -q '^; invalid' "$tmp/out"
	n1=$(awk '/^first: /{print $(NF-1)}' "$tmp/out")
	"$BIN" dump "$tmp/multi.o" >"$tmp/out.unlinked" 2>&1
	n0=$(awk '/^first: /{print $(NF-1)}' "$tmp/out.unlinked")
	check "--linked: the subprogram is appended ($n0 -> $n1 insns)" [ "${n1:-0}" -gt "${n0:-0}" ]
fi
if [ -n "$btf" ]; then
	run dump --linked "$tmp/btf.o"
	check "--linked on a damaged file: status 255, one line" \
		[ "$rc" -eq 255 ] && [ "$(lines "$tmp/err")" -eq 1 ]
fi

# --- errors: one line on stderr, status 255, nothing on stdout, no crash ---------
# expect_error NAME PATTERN ARGS...
expect_error() {
	name=$1 pat=$2
	shift 2
	run "$@"
	if [ "$rc" -ne 255 ]; then
		bad "$name" "exit status $rc, expected 255"
	elif [ "$(lines "$tmp/err")" -ne 1 ]; then
		bad "$name" "$(lines "$tmp/err") lines on stderr: $(head -c 300 "$tmp/err")"
	elif ! grep -q "^bpfsynth: error: .*$pat" "$tmp/err"; then
		bad "$name" "message: $(cat "$tmp/err")"
	elif [ -s "$tmp/out" ]; then
		bad "$name" "stdout not empty"
	else
		ok "$name"
	fi
}

: >"$tmp/empty.o"
head -c 4096 /dev/urandom >"$tmp/random.o"
size=$(wc -c <"$OBJ")
head -c $((size / 2)) "$OBJ" >"$tmp/trunc.o"
head -c 40 "$OBJ" >"$tmp/trunc-header.o"
# e_shoff (8 bytes at offset 40 of an ELF64 header) pointing far beyond the end
cp "$OBJ" "$tmp/bad-shoff.o"
printf '\377\377\377\0\0\0\0\0' | dd of="$tmp/bad-shoff.o" bs=1 seek=40 conv=notrunc 2>/dev/null
# one section header's sh_offset pointing beyond the end of the file
shoff=$(od -An -t u8 -j 40 -N 8 "$OBJ" | tr -d ' ')
cp "$OBJ" "$tmp/bad-section.o"
printf '\0\0\0\177\0\0\0\0' |
	dd of="$tmp/bad-section.o" bs=1 seek=$((shoff + 64 * 3 + 24)) conv=notrunc 2>/dev/null

expect_error "missing file" "No such file or directory" dump "$tmp/missing.o"
expect_error "empty file" "not a BPF ELF object (empty file)" dump "$tmp/empty.o"
expect_error "/bin/ls" "/bin/ls: not a BPF ELF object (e_machine 62)" dump /bin/ls
expect_error "random bytes" "not a BPF ELF object" dump "$tmp/random.o"
expect_error "truncated copy" "truncated" dump "$tmp/trunc.o"
expect_error "truncated ELF header" "not a BPF ELF object" dump "$tmp/trunc-header.o"
expect_error "corrupt section table" "corrupt section table" dump "$tmp/bad-shoff.o"
expect_error "section beyond the end" "extends past the end" dump "$tmp/bad-section.o"
expect_error "a directory" "not a regular file" dump "$tmp"
expect_error "unknown --prog" "no program named 'nope'" dump "$OBJ" --prog nope
expect_error "missing OBJ" "missing OBJ.o" dump
expect_error "two files" "unexpected argument" dump "$OBJ" "$OBJ"
expect_error "--prog without a name" "needs an argument" dump "$OBJ" --prog
expect_error "unknown dump option" "unknown option '--frobnicate'" dump "$OBJ" --frobnicate
expect_error "unknown command" "unknown command 'frobnicate'" frobnicate
expect_error "unknown global option" "unknown option '-x'" -x dump "$OBJ"
expect_error "help for an unknown command" "unknown command 'frobnicate'" help frobnicate
# Damaged .BTF: libbpf 1.1's parser can crash on it (offset 226 of the
# example's .BTF set to 0x9a did); dump must still answer with one line.
btf=$(readelf -SW "$OBJ" 2>/dev/null |
	sed -n 's/^ *\[ *[0-9]*\] \.BTF  *PROGBITS  *[0-9a-f]*  *\([0-9a-f]*\) \([0-9a-f]*\) .*/\1 \2/p')
if [ -n "$btf" ]; then
	set -- $btf
	btf_off=$((0x$1)) btf_size=$((0x$2)) k=0 bad_mutants=""
	while [ $k -lt 48 ]; do
		at=$(((226 + k * 37) % btf_size))
		cp "$OBJ" "$tmp/btf.o"
		if [ $((k % 2)) -eq 0 ]; then byte='\232'; else byte='\377'; fi
		printf "$byte" | dd of="$tmp/btf.o" bs=1 seek=$((btf_off + at)) conv=notrunc 2>/dev/null
		run dump "$tmp/btf.o"
		if [ "$rc" -ne 0 ] && { [ "$rc" -ne 255 ] || [ "$(lines "$tmp/err")" -ne 1 ]; }; then
			bad_mutants="$bad_mutants $at:$rc"
		fi
		k=$((k + 1))
	done
	check "48 damaged-.BTF objects: 0, or 255 + one line${bad_mutants:+ (bad:$bad_mutants)}" \
		[ -z "$bad_mutants" ]
	cp "$OBJ" "$tmp/btf.o"
	printf '\232' | dd of="$tmp/btf.o" bs=1 seek=$((btf_off + 226)) conv=notrunc 2>/dev/null
	run dump "$tmp/btf.o"
	if [ "$rc" -eq 255 ]; then
		check "damaged .BTF: one error line" [ "$(lines "$tmp/err")" -eq 1 ]
	else
		skipped "damaged .BTF: one error line" "this libbpf opens the mutant (status $rc)"
	fi
else
	skipped "damaged .BTF" "no readelf"
fi
run
check "no command: usage on stderr, status 255" [ "$rc" -eq 255 ] && grep -q '^Usage:' "$tmp/err"

run -j dump /bin/ls
if [ -n "$JGET" ]; then
	check "JSON mode error is JSON on stdout" \
		matches "$(jget "$tmp/out" error)" '.*e_machine 62'
else
	skipped "JSON mode error is JSON on stdout" "no jansson checker"
fi
check "JSON mode error also on stderr" [ "$(lines "$tmp/err")" -eq 1 ] && [ "$rc" -eq 255 ]

finish
