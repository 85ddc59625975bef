/* SPDX-License-Identifier: MIT */
/* badptr.h - nothing shared; the build rule wants a header per app. */
