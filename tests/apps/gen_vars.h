/* SPDX-License-Identifier: MIT */
/* gen_vars.h - the named types of gen_vars.bpf.c, for its skeleton's users. */
#ifndef GEN_VARS_H
#define GEN_VARS_H

struct pair {
	int x;
	long y;
};

enum mode { MODE_OFF = 0, MODE_ADD = 1, MODE_MUL = 2 };

#endif
