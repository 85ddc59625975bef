/* SPDX-License-Identifier: MIT */
/* dexecve.h - the event dexecve.bpf.c sends: an execve enter or exit. */
#ifndef LAUNCH_DEXECVE_H
#define LAUNCH_DEXECVE_H
struct dxe_event {
	unsigned int exit; /* 0 sys_enter_execve, 1 sys_exit_execve */
	unsigned int pid;
	long ret;      /* exit */
	char name[64]; /* enter: filename; exit: comm */
	char arg1[32]; /* enter: argv[1] */
	char comm[16]; /* enter: the comm before the exec */
};
#endif
