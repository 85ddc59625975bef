/* SPDX-License-Identifier: MIT */
/* dstats.h - nothing shared; the build rule wants a header per app. */
