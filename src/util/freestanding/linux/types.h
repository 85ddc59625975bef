/* SPDX-License-Identifier: MIT */
/*
 * linux/types.h for the freestanding core build: the fixed-width types the
 * kernel's UAPI header <linux/bpf.h> (the union bpf_attr layout, struct
 * bpf_insn, the program contexts) is written in, from the compiler's own
 * <stdint.h> instead of the architecture's <asm/types.h>.  Only `make core`
 * puts this directory on the include path.
 */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <stdint.h>

typedef int8_t __s8;
typedef uint8_t __u8;
typedef int16_t __s16;
typedef uint16_t __u16;
typedef int32_t __s32;
typedef uint32_t __u32;
__extension__ typedef long long __s64;
__extension__ typedef unsigned long long __u64;

#define __bitwise
typedef __u16 __bitwise __le16;
typedef __u16 __bitwise __be16;
typedef __u32 __bitwise __le32;
typedef __u32 __bitwise __be32;
typedef __u64 __bitwise __le64;
typedef __u64 __bitwise __be64;
typedef __u16 __bitwise __sum16;
typedef __u32 __bitwise __wsum;

#define __aligned_u64 __u64 __attribute__((aligned(8)))
#define __aligned_be64 __be64 __attribute__((aligned(8)))
#define __aligned_le64 __le64 __attribute__((aligned(8)))

#endif
