/* SPDX-License-Identifier: MIT */
/* durb.h - the sample a durb user ring buffer carries. */
#ifndef DURB_H
#define DURB_H
#define DURB_PAD 992
struct durb_sample {
	unsigned long long val;
	unsigned char pad[DURB_PAD]; /* 1000 bytes a sample: 16 fit in 16 KiB */
};
#endif
