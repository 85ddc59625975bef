/* SPDX-License-Identifier: MIT */
/*
 * userbpf/userbpf.h - umbrella header: the whole public API.
 */
#ifndef USERBPF_USERBPF_H
#define USERBPF_USERBPF_H

#include "common.h"
#include "insn.h"
#include "vm.h"

#endif /* USERBPF_USERBPF_H */
