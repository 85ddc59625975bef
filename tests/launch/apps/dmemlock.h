/* SPDX-License-Identifier: MIT */
/* dmemlock.h - nothing shared; the build rule wants a header per app. */
