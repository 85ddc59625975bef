/* SPDX-License-Identifier: MIT */
/* dkfunc.h - the event dkfunc.bpf.c sends dkfunc.c. */
#ifndef DKFUNC_H
#define DKFUNC_H

struct dkfunc_event {
	int kind; /* 0 kprobe, 1 kretprobe, 2 fentry, 3 fexit */
	int dfd;
	long long ret;
	char name[64];
};

#endif
