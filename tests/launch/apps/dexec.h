/* SPDX-License-Identifier: MIT */
/* dexec.h - the event dexec.bpf.c sends: an exec or an exit. */
#ifndef LAUNCH_DEXEC_H
#define LAUNCH_DEXEC_H
struct dx_event {
	unsigned int exit; /* 0 exec, 1 exit */
	unsigned int pid;
	char name[64]; /* exec: filename; exit: comm */
};
#endif
