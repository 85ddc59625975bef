/* SPDX-License-Identifier: MIT */
/* dlsm.h - what dlsm.c sets in dlsm.bpf.c's globals before attaching. */
#ifndef DLSM_H
#define DLSM_H

#define DLSM_NAME_LEN 32

#endif
