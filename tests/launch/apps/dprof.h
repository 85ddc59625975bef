/* SPDX-License-Identifier: MIT */
/* dprof.h - what dprof.bpf.c counts per sample (the cpus array size). */
#ifndef LAUNCH_DPROF_H
#define LAUNCH_DPROF_H
#define DPROF_MAX_CPUS 256
#endif
