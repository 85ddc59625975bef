/* SPDX-License-Identifier: MIT */
/* dpin.h - nothing shared but the name of the pins (dpin.c). */
#ifndef LAUNCH_DPIN_H
#define LAUNCH_DPIN_H
#define DPIN_MAP "/sys/fs/bpf/dpin_execs"
#define DPIN_LINK "/sys/fs/bpf/dpin_link"
#define DPIN_UMAP "/sys/fs/bpf/dpin_unpin_map"
#define DPIN_ULINK "/sys/fs/bpf/dpin_unpin_link"
#define DPIN_PMAP "/sys/fs/bpf/dpin_pm"
#endif
