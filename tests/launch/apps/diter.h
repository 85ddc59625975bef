/* SPDX-License-Identifier: MIT */
/* diter.h - nothing shared; the build rule wants a header per app. */
