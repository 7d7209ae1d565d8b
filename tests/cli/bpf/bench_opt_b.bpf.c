// SPDX-License-Identifier: MIT
/* Variant 1 of tests/cli/bpf/bench_opt_prog.h. */
#define VARIANT 1
#include "bench_opt_prog.h"
