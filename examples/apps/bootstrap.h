/* SPDX-License-Identifier: MIT */
/* bootstrap.h - the ring buffer record shared by bootstrap.bpf.c and bootstrap.c. */
#ifndef BOOTSTRAP_H
#define BOOTSTRAP_H

#define TASK_COMM_LEN 16
#define MAX_FILENAME_LEN 127

struct event {
	int pid;
	int ppid;
	unsigned int exit_code;
	unsigned int exit_event;	/* 0 exec, 1 exit */
	unsigned long long duration_ns; /* exit: time since its exec, else 0 */
	char comm[TASK_COMM_LEN];
	char filename[MAX_FILENAME_LEN + 1]; /* exec: the file executed */
};

#endif
