// SPDX-License-Identifier: MIT
/* Variant 2 of tests/cli/bpf/bench_opt_prog.h. */
#define VARIANT 2
#include "bench_opt_prog.h"
