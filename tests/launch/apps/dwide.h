/* SPDX-License-Identifier: MIT */
/* dwide.h - the counters dwide.bpf.c keeps for dwide.c. */
#ifndef LAUNCH_DWIDE_H
#define LAUNCH_DWIDE_H
enum dwide_slot {
	DW_ENTRIES, /* entries of dwide_fn */
	DW_ARGS,    /* sum of its first arguments */
	DW_RETURNS, /* returns from it */
	DW_RETS,    /* sum of its return values */
	DW_PID,	    /* tgid of the last process that ran it */
	DW_SLOTS,
};
#endif
