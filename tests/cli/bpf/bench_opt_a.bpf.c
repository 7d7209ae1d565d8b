// SPDX-License-Identifier: MIT
/* Variant 0 of tests/cli/bpf/bench_opt_prog.h. */
#define VARIANT 0
#include "bench_opt_prog.h"
