/* SPDX-License-Identifier: MIT */
/* dfork.h - the record dfork.bpf.c puts in its ring buffer. */
#ifndef DFORK_H
#define DFORK_H
struct dfork_rec {
	int v;
};
#endif
