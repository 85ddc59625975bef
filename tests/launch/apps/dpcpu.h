/* SPDX-License-Identifier: MIT */
/* dpcpu.h - nothing shared; the build rule wants a header per app. */
