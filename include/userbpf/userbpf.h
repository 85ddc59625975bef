/* SPDX-License-Identifier: MIT */
/*
 * userbpf/userbpf.h - umbrella header: the whole public API.
 */
#ifndef USERBPF_USERBPF_H
#define USERBPF_USERBPF_H

#include "common.h"
#include "insn.h"
#include "vm.h"
#include "jit.h"
#include "map.h"
#include "progs.h"
#include "object.h"
#include "verifier.h"
#include "probe.h"
#include "iter.h"
#include "sysctl.h"
#include "packet.h"
/* userbpf/syscall.h (userbpf_bpf) needs <linux/bpf.h>: include it yourself. */

#endif /* USERBPF_USERBPF_H */
