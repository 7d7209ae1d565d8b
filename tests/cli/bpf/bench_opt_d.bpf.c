// SPDX-License-Identifier: MIT
/* Variant 3 of tests/cli/bpf/bench_opt_prog.h. */
#define VARIANT 3
#include "bench_opt_prog.h"
