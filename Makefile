# bpfsynth — top-level Makefile.
#
#   make            build build/bpfsynth and build/libbpfsynth.so
#   make check      unit, CLI and kernel tests, on the corpus (builds it if missing)
#   make check-corpus   tests over the real-program corpus (builds it first if missing)
#   make corpus     fetch and build the real-program corpus (cached outside the repo)
#   make bench      benchmarks that print figures, then the optimizer bench
#   make bench-opt  the optimizer bench alone (named set, 60 s a program)
#   make bench-corpus   the optimizer bench on every loadable network program (5 s)
#   make demo       the README quick start's main job on the shipped example
#   make deps       install the Debian packages the project needs (root)
#   make install    PREFIX=/usr/local DESTDIR=
#   V=1             show the commands
#
# Nothing is downloaded during `make`; only `make deps` and `make corpus` reach
# Debian's archive.

PKGS		:= libbpf libelf z3 jansson
PREFIX		?= /usr/local
DESTDIR		?=
BUILD		?= build
CORPUS_DIR	?= /var/cache/bpfsynth-corpus
export CORPUS_DIR

CC		?= cc
CLANG		?= clang
PKG_CONFIG	?= pkg-config

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2);
endif

PKG_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CFLAGS		?= -O2 -g
override CFLAGS	+= -std=gnu11 -Wall -Wextra -Werror -fPIC -fvisibility=hidden \
		   -D_GNU_SOURCE -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS		:= $(PKG_LIBS) -lpthread -ldl

# The library of everything below tools/ and preload/, linked into both.
LIB_SRCS	:= $(wildcard core/*.c cache/*.c config/*.c)
LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB		:= $(BUILD)/libbpfsynth-core.a

TOOL_SRCS	:= $(wildcard tools/*.c)
TOOL_OBJS	:= $(TOOL_SRCS:%.c=$(BUILD)/%.o)
TOOL		:= $(BUILD)/bpfsynth

PRELOAD_SRCS	:= $(wildcard preload/*.c)
PRELOAD_OBJS	:= $(PRELOAD_SRCS:%.c=$(BUILD)/%.o)
PRELOAD		:= $(BUILD)/libbpfsynth.so

# Tests: tests/unit/test_*.c and tests/kernel/test_*.c are one binary each;
# tests/kernel/harness*.c is a library for tests and benchmarks; other
# tests/kernel/*.c and tests/corpus/*.c are tools with a main() of their own.
HARNESS_SRCS	:= $(wildcard tests/kernel/harness*.c)
HARNESS_OBJS	:= $(HARNESS_SRCS:%.c=$(BUILD)/%.o)
HARNESS		:= $(BUILD)/tests/libharness.a
UNIT_TESTS	:= $(patsubst %.c,$(BUILD)/%,$(wildcard tests/unit/test_*.c))
KERNEL_TESTS	:= $(patsubst %.c,$(BUILD)/%,$(wildcard tests/kernel/test_*.c))
TEST_TOOLS	:= $(patsubst %.c,$(BUILD)/%,$(filter-out $(HARNESS_SRCS) \
		     $(wildcard tests/kernel/test_*.c),$(wildcard tests/kernel/*.c tests/corpus/*.c)))

# BPF programs shipped in the repo (examples/, tests/**/bpf/*.c), compiled
# with clang's BPF target.
BPF_SRCS	:= $(wildcard examples/*.bpf.c tests/*/bpf/*.bpf.c)
BPF_OBJS	:= $(BPF_SRCS:%.bpf.c=$(BUILD)/%.bpf.o)
BPF_CFLAGS	:= -target bpf -O2 -g -Wall -Werror -I. \
		   -idirafter /usr/include/$(shell $(CC) -dumpmachine)

all: $(TOOL) $(PRELOAD) $(BPF_OBJS)

$(BUILD)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/%.bpf.o: %.bpf.c
	$(call msg,CLANG-BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(TOOL): $(TOOL_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The preload exports exactly one symbol, syscall (preload/libbpfsynth.map).
$(PRELOAD): $(PRELOAD_OBJS) $(LIB) preload/libbpfsynth.map
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,--version-script=preload/libbpfsynth.map \
		-Wl,-z,defs -o $@ $(PRELOAD_OBJS) $(LIB) $(LDLIBS)

$(HARNESS): $(HARNESS_OBJS)
	$(call msg,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(HARNESS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests: $(UNIT_TESTS) $(KERNEL_TESTS) $(TEST_TOOLS)

# The kernel tests run on the real-program corpus: build it first if missing
# (about 90 s and 300 MB the first time, seconds after that).
check: all tests
	$(Q)BUILD=$(BUILD) sh tests/corpus/build-corpus.sh >/dev/null || \
		{ echo "corpus build failed: see $(CORPUS_DIR)/build.log"; exit 1; }
	$(Q)BUILD=$(BUILD) sh tests/run-tests.sh $(UNIT_TESTS) $(KERNEL_TESTS) $(wildcard tests/cli/test_*.sh)

corpus: all tests
	$(Q)sh tests/corpus/build-corpus.sh

check-corpus: all tests
	$(Q)sh tests/corpus/build-corpus.sh
	$(Q)BUILD=$(BUILD) sh tests/run-tests.sh $(wildcard tests/corpus/check_*.sh)

# The optimizer bench (tests/corpus/bench_opt.sh): `bpfsynth opt` on the named
# set at 60 s a program (bench-opt; make bench runs it after the other
# benches), or on every loadable xdp/sched_cls/socket_filter/cgroup_skb
# program of the corpus at 5 s (bench-corpus).  BENCH_BUDGET= overrides the
# budget, BENCH_OUT= the output directory, BENCH_ARGS= adds options.
BENCH_OPT	= BUILD=$(BUILD) sh tests/corpus/bench_opt.sh $(if $(BENCH_OUT),--out $(BENCH_OUT)) \
		  $(BENCH_ARGS)

bench: all tests
	$(Q)BUILD=$(BUILD) sh tests/run-bench.sh
	$(Q)$(BENCH_OPT) --budget $(or $(BENCH_BUDGET),60) --list tests/corpus/lists/bench-programs.tsv

bench-opt: all tests
	$(Q)sh tests/corpus/build-corpus.sh >/dev/null
	$(Q)$(BENCH_OPT) --budget $(or $(BENCH_BUDGET),60) --list tests/corpus/lists/bench-programs.tsv

bench-corpus: all tests
	$(Q)sh tests/corpus/build-corpus.sh >/dev/null
	$(Q)$(BENCH_OPT) --budget $(or $(BENCH_BUDGET),5) --all-network

demo: all
	$(Q)sh examples/demo.sh

deps:
	$(Q)sh scripts/deps.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/bpfsynth
	install -m 0755 $(TOOL) $(DESTDIR)$(PREFIX)/bin/bpfsynth
	install -m 0644 $(PRELOAD) $(DESTDIR)$(PREFIX)/lib/bpfsynth/libbpfsynth.so

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

.PHONY: all tests check check-corpus corpus bench bench-opt bench-corpus demo deps install clean
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
