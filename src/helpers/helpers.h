/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - private declarations shared by the helper implementations.
 */
#ifndef USERBPF_HELPERS_H
#define USERBPF_HELPERS_H

#include "userbpf/vm.h"

#endif
