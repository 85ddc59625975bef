/* SPDX-License-Identifier: MIT */
/* hello.h - the event hello.bpf.c sends to hello.c. */
#ifndef LAUNCH_HELLO_H
#define LAUNCH_HELLO_H
struct hello_event {
	unsigned int kind; /* 0 entry, 1 return */
	int a, b;
};
#endif
