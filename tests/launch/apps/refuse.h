/* SPDX-License-Identifier: MIT */
/* refuse.h - nothing shared; the build rule wants a header per app. */
