/* SPDX-License-Identifier: MIT */
/* dgrow.h - nothing shared; the build rule wants a header per app. */
