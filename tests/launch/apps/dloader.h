/* SPDX-License-Identifier: MIT */
/* dloader.h - the event dloader.bpf.c sends: a write of another process. */
#ifndef LAUNCH_DLOADER_H
#define LAUNCH_DLOADER_H
struct dl_event {
	unsigned int pid;
	unsigned int fd;
	unsigned long long count;
	char comm[16];
};
#endif
