/* SPDX-License-Identifier: MIT */
/* The one place that says which bpfsynth this is. */
#ifndef BPFSYNTH_VERSION_H
#define BPFSYNTH_VERSION_H

#define BPFSYNTH_VERSION_MAJOR 0
#define BPFSYNTH_VERSION_MINOR 1
#define BPFSYNTH_VERSION_PATCH 0
#define BPFSYNTH_VERSION "0.1.0"

#endif
