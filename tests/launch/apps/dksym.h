/* SPDX-License-Identifier: MIT */
/* dksym.h - what dksym.bpf.c records of each kill() target for dksym.c. */
#ifndef LAUNCH_DKSYM_H
#define LAUNCH_DKSYM_H
struct dksym_target {
	int found;	    /* bpf_task_from_pid: 1 a task, 0 NULL */
	int tgid;	    /* its tgid */
	int missing_exists; /* bpf_ksym_exists of a kfunc no kernel has */
	char comm[16];	    /* its comm */
};
#endif
