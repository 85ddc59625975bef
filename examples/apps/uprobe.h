/* SPDX-License-Identifier: MIT */
/* uprobe.h - the call records uprobe.bpf.c keeps in .bss. */
#ifndef UPROBE_H
#define UPROBE_H

#define MAX_CALLS 32

enum call_kind { CALL_ADD_ENTRY = 1, CALL_ADD_RETURN, CALL_SUB_ENTRY, CALL_SUB_RETURN };

struct call {
	int kind; /* enum call_kind */
	int pid;
	long a, b; /* entry: the arguments */
	long ret;  /* return: the return value */
};

#endif
