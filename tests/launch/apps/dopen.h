/* SPDX-License-Identifier: MIT */
/* dopen.h - nothing shared; the build rule wants a header per app. */
