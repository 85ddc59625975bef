// SPDX-License-Identifier: MIT
/*
 * maps/cgroup_array.c - BPF_MAP_TYPE_CGROUP_ARRAY: cgroups (v2) by index,
 * the filter of bcc's tools (`-c CGROUP_MAP`), and
 * bpf_current_task_under_cgroup (37).  The syscall side installs an open
 * file descriptor of a cgroup v2 directory, as the kernel's
 * cgroup_get_from_fd() takes it; a slot keeps that cgroup's path below the
 * cgroup2 mount, and its id (the directory's inode) for lookups, which,
 * as in the kernel, programs cannot do (they only test membership).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fd_array.h"
#include "helpers/helpers.h"
#include "helpers/task_struct.h"
#include "util/alloc.h"

#define CGROUP2_SUPER_MAGIC 0x63677270

struct cgroup_slot {
	uint64_t id;
	char path[]; /* below the cgroup2 mount: "/", "/a/b" */
};

static void slot_put(void *p)
{
	ub_free(p);
}

static int cgroup_array_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	int err = ub_fd_array_alloc(attr, out);

	if (!err)
		ub_to_fd_array(*out)->put = slot_put;
	return err;
}

/* The cgroup2 mount point holding path's directory, as its length. */
static size_t cgroup2_prefix(const char *abs)
{
	char line[4096], dev[256], dir[4096], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");
	size_t best = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		size_t n;

		if (sscanf(line, "%255s %4095s %63s", dev, dir, type) != 3 ||
		    strcmp(type, "cgroup2"))
			continue;
		n = strlen(dir);
		if (!strncmp(abs, dir, n) && (abs[n] == '/' || !abs[n]) && n > best)
			best = n;
	}
	fclose(f);
	return best;
}

/* cgroup_get_from_fd(): a cgroup v2 directory, else -EBADF. */
static int cgroup_array_sys_update(struct ub_map *map, const void *key, const void *value,
				   uint64_t flags)
{
	char link[64], abs[4096];
	struct cgroup_slot *slot;
	struct statfs sfs;
	struct stat st;
	uint32_t index, fd;
	size_t pre;
	ssize_t n;
	int err;

	if (flags != USERBPF_ANY)
		return -EINVAL;
	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -E2BIG;
	memcpy(&fd, value, sizeof(fd));
	if (fstatfs((int)fd, &sfs) || fstat((int)fd, &st))
		return -EBADF;
	if ((unsigned long)sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode))
		return -EBADF;
	snprintf(link, sizeof(link), "/proc/self/fd/%u", fd);
	n = readlink(link, abs, sizeof(abs) - 1);
	if (n <= 0)
		return -EBADF;
	abs[n] = '\0';
	pre = cgroup2_prefix(abs);
	if (!pre)
		return -EBADF;
	slot = ub_alloc(sizeof(*slot) + strlen(abs + pre) + 2);
	if (!slot)
		return -ENOMEM;
	slot->id = (uint64_t)st.st_ino;
	strcpy(slot->path, abs[pre] ? abs + pre : "/");
	err = ub_fd_array_set(map, index, slot, (uint32_t)slot->id);
	if (err)
		ub_free(slot);
	return err;
}

static void *cgroup_array_lookup(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return NULL; /* programs test membership, never read slots */
}

const struct ub_map_ops ub_cgroup_array_map_ops = {
	.alloc_check = ub_fd_array_alloc_check,
	.alloc = cgroup_array_alloc,
	.free = ub_fd_array_free,
	.lookup = cgroup_array_lookup,
	.update = ub_fd_array_update_prog_side,
	.delete = ub_fd_array_delete,
	.get_next_key = ub_fd_array_get_next_key,
	.sys_lookup = ub_fd_array_sys_lookup_id,
	.sys_update = cgroup_array_sys_update,
};

/* The calling thread's cgroup v2 path ("/a/b"), or false without one. */
static bool current_cgroup(char *path, size_t size)
{
	char line[4096];
	FILE *f = fopen("/proc/thread-self/cgroup", "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, size, "%s", line + 3);
			found = true;
		}
	fclose(f);
	return found;
}

/*
 * bpf_current_task_under_cgroup(map, index): 1 when the calling thread's
 * cgroup is the slot's or below it, 0 when not; -E2BIG for an index past
 * the end, -EAGAIN for an empty slot (the kernel's answers).
 */
uint64_t ub_helper_current_task_under_cgroup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
					     uint64_t r5, struct userbpf_run *run)
{
	struct ub_map *map = userbpf_run__map_ok(run, (const void *)(uintptr_t)r1) ?
				     (struct ub_map *)(uintptr_t)r1 :
				     NULL;
	uint32_t index = (uint32_t)r2;
	const struct cgroup_slot *slot;
	char cur[4096];
	size_t n;

	(void)r3;
	(void)r4;
	(void)r5;
	if (!map || map->map_type != USERBPF_MAP_TYPE_CGROUP_ARRAY)
		return UB_ERR(-EINVAL);
	if (index >= map->max_entries)
		return UB_ERR(-E2BIG);
	slot = ub_fd_array_get(map, &index);
	if (!slot)
		return UB_ERR(-EAGAIN);
	if (!current_cgroup(cur, sizeof(cur)))
		return 0;
	if (!strcmp(slot->path, "/"))
		return 1;
	n = strlen(slot->path);
	return !strncmp(cur, slot->path, n) && (cur[n] == '/' || !cur[n]);
}
