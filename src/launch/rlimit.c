/* SPDX-License-Identifier: MIT */
/*
 * rlimit.c - RLIMIT_MEMLOCK as a BPF user of an older kernel needed it.
 * Before Linux 5.11 the kernel charged BPF maps and programs to the
 * locked-memory limit, so loaders of that era (libbpf-bootstrap's first
 * examples, eunomia's tutorials, many tools since) raise it to
 * RLIM_INFINITY first and stop when that fails; it fails for an ordinary
 * user (EPERM above the hard limit), which is whom launch serves.
 * userbpf's objects are charged to nothing, so launch grants it: a raise
 * of this process's RLIMIT_MEMLOCK that the kernel refuses with EPERM
 * succeeds, and later reads of the limit (getrlimit, prlimit) give what
 * was set.  The kernel's limit itself is unchanged: mlock() is still
 * bounded by it.  Other limits, other processes' and other errors go to
 * libc unchanged.
 */
#ifdef USERBPF_LAUNCH
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <unistd.h>

#include "launch_int.h"

#define EXPORT __attribute__((visibility("default")))

static pthread_mutex_t granted_lock = PTHREAD_MUTEX_INITIALIZER;
static bool granted;
static struct rlimit granted_lim;

static int (*real_prlimit(void))(pid_t, int, const struct rlimit *, struct rlimit *)
{
	static int (*fn)(pid_t, int, const struct rlimit *, struct rlimit *);

	if (!fn)
		fn = (int (*)(pid_t, int, const struct rlimit *, struct rlimit *))dlsym(RTLD_NEXT,
											"prlimit");
	return fn;
}

static int memlock(pid_t pid, const struct rlimit *set, struct rlimit *old)
{
	int (*fn)(pid_t, int, const struct rlimit *, struct rlimit *) = real_prlimit();
	struct rlimit cur;
	int r;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (pid && pid != getpid())
		return fn(pid, RLIMIT_MEMLOCK, set, old);
	pthread_mutex_lock(&granted_lock);
	r = fn(0, RLIMIT_MEMLOCK, set, &cur);
	if (r && errno == EPERM && set && set->rlim_cur <= set->rlim_max) {
		/* a raise the kernel refuses: granted (see above) */
		r = fn(0, RLIMIT_MEMLOCK, NULL, &cur);
		if (!r) {
			if (granted)
				cur = granted_lim;
			granted = true;
			granted_lim = *set;
			if (launch_verbose())
				launch_log(
					"RLIMIT_MEMLOCK raise granted: userbpf charges no locked memory");
		}
	} else if (!r && granted) {
		cur = granted_lim;
		if (set)
			granted = false; /* the kernel took this one */
	}
	pthread_mutex_unlock(&granted_lock);
	if (!r && old)
		*old = cur;
	return r;
}

EXPORT int prlimit(pid_t pid, enum __rlimit_resource res, const struct rlimit *set,
		   struct rlimit *old)
{
	if (res == RLIMIT_MEMLOCK)
		return memlock(pid, set, old);
	if (!real_prlimit()) {
		errno = ENOSYS;
		return -1;
	}
	return real_prlimit()(pid, res, set, old);
}

EXPORT int setrlimit(__rlimit_resource_t res, const struct rlimit *lim)
{
	return prlimit(0, res, lim, NULL);
}

EXPORT int getrlimit(__rlimit_resource_t res, struct rlimit *lim)
{
	return prlimit(0, res, NULL, lim);
}

/* The 64-bit names: the same structure on a 64-bit system. */
EXPORT int prlimit64(pid_t pid, enum __rlimit_resource res, const struct rlimit64 *set,
		     struct rlimit64 *old)
{
	return prlimit(pid, res, (const struct rlimit *)set, (struct rlimit *)old);
}

EXPORT int setrlimit64(__rlimit_resource_t res, const struct rlimit64 *lim)
{
	return prlimit(0, res, (const struct rlimit *)lim, NULL);
}

EXPORT int getrlimit64(__rlimit_resource_t res, struct rlimit64 *lim)
{
	return prlimit(0, res, NULL, (struct rlimit *)lim);
}
#endif /* USERBPF_LAUNCH */
