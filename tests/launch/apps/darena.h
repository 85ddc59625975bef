/* SPDX-License-Identifier: MIT */
/* darena.h - nothing shared; the build rule wants a header per app. */
