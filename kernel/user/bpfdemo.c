// SPDX-License-Identifier: MIT
/*
 * kernel/user/bpfdemo.c - a user task doing what an eBPF loader does on
 * Linux, with Linux's system calls: open the embedded clang-compiled
 * probes.bpf.o, create its maps, load its programs (the kernel verifies
 * and JIT-compiles them), attach them to kernel functions with
 * perf_event_open (the "kprobe" PMU, config1 = function name) and
 * ioctl(PERF_EVENT_IOC_SET_BPF / ENABLE), trigger the probed function
 * (ksys_kill) through kill(2), print the maps and the ring buffer's
 * records, detach, and measure the kprobe hit cost.
 */
#include <linux/perf_event.h>

#include "bpfload.h"
#include "probes.h"
#include "ulib.h"

extern const uint8_t probes_bpf_o[], probes_bpf_o_end[];
__asm__(".section .rodata\n.balign 8\nprobes_bpf_o:\n.incbin \"" PROBES_OBJ "\"\n"
	"probes_bpf_o_end:\n.previous");

static struct bo_obj obj;
static char log_buf[8192];

static long read_sysfs_int(const char *path, const char *prefix)
{
	char buf[64];
	long fd = sys_open(path, 0), n, v = 0;
	size_t i = 0;

	if (fd < 0)
		return fd;
	n = sys_read((int)fd, buf, sizeof(buf) - 1);
	sys_close((int)fd);
	if (n <= 0)
		return -22;
	buf[n] = 0;
	if (prefix) {
		while (prefix[i] && buf[i] == prefix[i])
			i++;
		if (prefix[i])
			return -22;
	}
	for (; buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + buf[i] - '0';
	return v;
}

/* perf_event_open(2) for a k(ret)probe, as libbpf does it */
static long kprobe_open(const char *func, bool retprobe)
{
	struct perf_event_attr attr;
	long type = read_sysfs_int("/sys/bus/event_source/devices/kprobe/type", NULL);
	long bit =
		read_sysfs_int("/sys/bus/event_source/devices/kprobe/format/retprobe", "config:");

	if (type < 0 || bit < 0)
		return type < 0 ? type : bit;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config = retprobe ? 1UL << bit : 0;
	attr.config1 = (uint64_t)func; /* kprobe_func */
	attr.config2 = 0;	       /* probe_offset */
	return sys_perf_event_open(&attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static long attach(struct bo_prog *p)
{
	long pfd = kprobe_open(p->func, p->is_ret), err;

	if (pfd < 0) {
		printf("perf_event_open(%s %s): error %ld\n", p->is_ret ? "kretprobe" : "kprobe",
		       p->func, pfd);
		return pfd;
	}
	err = sys_ioctl((int)pfd, PERF_EVENT_IOC_SET_BPF, (unsigned long)p->fd);
	if (!err)
		err = sys_ioctl((int)pfd, PERF_EVENT_IOC_ENABLE, 0);
	if (err) {
		printf("attach %s: ioctl error %ld\n", p->name, err);
		sys_close((int)pfd);
		return err;
	}
	printf("attached %s to %s %s (perf event fd %ld)\n", p->name,
	       p->is_ret ? "kretprobe" : "kprobe", p->func, pfd);
	return pfd;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_u32(uint32_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && cmp_u32(&v[j - 1], &v[j]) > 0; j--) {
			uint32_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* print a u32 -> u64 hash map, keys sorted (iteration with GET_NEXT_KEY) */
static int dump_map(const char *name, int fd, bool is_signed)
{
	uint32_t keys[64], key, next;
	int n = 0;
	void *prev = NULL;

	while (n < 64 && bpf_map_next_key(fd, prev, &next) == 0) {
		keys[n++] = next;
		key = next;
		prev = &key;
	}
	sort_u32(keys, n);
	printf("map %s (%d entries):\n", name, n);
	for (int i = 0; i < n; i++) {
		uint64_t v = 0;

		if (bpf_map_lookup(fd, &keys[i], &v))
			return -1;
		if (is_signed)
			printf("  %s[%d] = %lu\n", name, (int32_t)keys[i], (unsigned long)v);
		else
			printf("  %s[%u] = %lu\n", name, keys[i], (unsigned long)v);
	}
	return n;
}

/* ring buffer consumer over the mmap'ed consumer / producer / data pages */
struct ring {
	volatile uint64_t *consumer, *producer;
	uint8_t *data;
	uint64_t mask;
};

static int ring_map(struct ring *r, int fd, uint32_t size)
{
	void *c = sys_mmap(NULL, 4096, 3, 1 /* MAP_SHARED */, fd, 0);
	void *p = sys_mmap(NULL, 4096 + 2 * (size_t)size, 1, 1, fd, 4096);

	if ((long)c < 0 || (long)p < 0) {
		printf("mmap of the ring buffer failed: %ld %ld\n", (long)c, (long)p);
		return -1;
	}
	r->consumer = c;
	r->producer = p;
	r->data = (uint8_t *)p + 4096;
	r->mask = size - 1;
	return 0;
}

static int ring_consume(struct ring *r, uint64_t *last_ts)
{
	uint64_t cons = *r->consumer, prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
	int n = 0;

	while (cons < prod) {
		uint32_t hdr =
			__atomic_load_n((uint32_t *)(r->data + (cons & r->mask)), __ATOMIC_ACQUIRE);
		uint32_t len = hdr & ~(3U << 30);

		if (hdr & (1U << 31)) /* BUSY: not committed yet */
			break;
		if (!(hdr & (1U << 30))) { /* not discarded */
			const struct kill_event *e = (const void *)(r->data + (cons & r->mask) + 8);

			printf("event: kill(pid=%u, sig=%u) at ip %lx, ts %s\n", e->pid, e->sig,
			       (unsigned long)e->ip,
			       e->ts_ns >= *last_ts ? "increasing" : "DECREASING");
			*last_ts = e->ts_ns;
			n++;
		}
		cons += (8 + len + 7) & ~7UL;
		__atomic_store_n(r->consumer, cons, __ATOMIC_RELEASE);
	}
	return n;
}

int main(void);
int main(void)
{
	static const long pids[] = { 7, 7, 9, 7, 9, 0 };
	struct bo_map *calls, *rets, *events;
	long pfds[BO_MAX_PROGS], me = sys_getpid();
	uint64_t last_ts = 0;
	struct ring ring;
	int err, n;

	printf("bpfdemo: object of %lu bytes\n", (unsigned long)(probes_bpf_o_end - probes_bpf_o));
	if ((err = bo_open(&obj, probes_bpf_o, probes_bpf_o_end - probes_bpf_o)))
		return 1;
	printf("bpfdemo: %d maps, %d programs, license %s\n", obj.nmaps, obj.nprogs, obj.license);
	if ((err = bo_create_maps(&obj)))
		return 1;
	for (int i = 0; i < obj.nmaps; i++)
		printf("map %s: type %u key %u value %u max %u -> fd %d\n", obj.maps[i].name,
		       obj.maps[i].type, obj.maps[i].key_size, obj.maps[i].value_size,
		       obj.maps[i].max_entries, obj.maps[i].fd);
	for (int i = 0; i < obj.nprogs; i++) {
		struct bo_prog *p = &obj.progs[i];

		err = bo_load_prog(&obj, p, log_buf, sizeof(log_buf));
		if (err) {
			printf("BPF_PROG_LOAD %s: error %d\n%s\n", p->name, err, log_buf);
			return 1;
		}
		printf("loaded %s (%s, %lu insns) -> fd %d\n", p->name, p->sec,
		       (unsigned long)p->cnt, p->fd);
	}
	calls = bo_map_by_name(&obj, "calls");
	rets = bo_map_by_name(&obj, "rets");
	events = bo_map_by_name(&obj, "events");
	if (!calls || !rets || !events || ring_map(&ring, events->fd, events->max_entries))
		return 1;

	{
		uint32_t k = 7;
		uint64_t v;

		printf("MAP_LOOKUP_ELEM with a kernel key pointer = %ld, kernel value pointer = %ld\n",
		       bpf_map_lookup(calls->fd, (void *)0xffffffff80100000UL, &v),
		       bpf_map_lookup(calls->fd, &k, (void *)0xffffffff80100000UL));
	}
	printf("perf_event_open(kprobe no_such_function) = %ld\n",
	       kprobe_open("no_such_function", false));
	n = 0;
	for (int i = 0; i < obj.nprogs; i++) {
		if (!strcmp(obj.progs[i].name, "empty") || !obj.progs[i].func)
			continue;
		pfds[n] = attach(&obj.progs[i]);
		if (pfds[n++] < 0)
			return 1;
	}
	for (unsigned i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		long pid = pids[i] ? pids[i] : me;

		printf("kill(%ld, 0) = %ld\n", pid, sys_kill(pid, 0));
	}
	dump_map("calls", calls->fd, false);
	dump_map("rets", rets->fd, true);
	{
		uint64_t hits = 0;

		sys_read((int)pfds[0], &hits, sizeof(hits));
		printf("read(perf event of %s) = %lu hits\n", obj.progs[0].name,
		       (unsigned long)hits);
	}
	printf("ring buffer: %d events\n", ring_consume(&ring, &last_ts));

	/* batch lookup of the whole map, then the delete commands */
	{
		uint32_t keys[64], count = 64, batch_out;
		uint64_t vals[64], v;
		uint32_t k = 9;
		long r = bpf_map_lookup_batch(calls->fd, NULL, &batch_out, keys, vals, &count);

		printf("MAP_LOOKUP_BATCH: ret %ld, count %u\n", r, count);
		r = bpf_map_lookup_and_delete(calls->fd, &k, &v);
		printf("MAP_LOOKUP_AND_DELETE_ELEM calls[9]: ret %ld, value %lu\n", r,
		       (unsigned long)v);
		k = 7;
		r = bpf_map_delete(calls->fd, &k);
		printf("MAP_DELETE_ELEM calls[7]: ret %ld; lookup now %ld\n", r,
		       bpf_map_lookup(calls->fd, &k, &v));
		k = 0;
		r = bpf_map_update(obj.maps[obj.nmaps - 1].fd, &k, log_buf, BPF_ANY);
		printf("MAP_UPDATE_ELEM on the frozen .rodata map: %ld\n", r);
	}

	/* detach: the kernel restores the original instruction */
	for (int i = 0; i < n; i++) {
		sys_ioctl((int)pfds[i], PERF_EVENT_IOC_DISABLE, 0);
		sys_close((int)pfds[i]);
	}
	printf("detached; kill(7, 0) = %ld\n", sys_kill(7, 0));
	dump_map("calls", calls->fd, false);
	printf("ring buffer after detach: %d events\n", ring_consume(&ring, &last_ts));

	/* a software cpu-clock event sampling every tick, running on_tick */
	{
		struct perf_event_attr attr;
		struct bo_map *ticks = bo_map_by_name(&obj, "ticks");
		struct bo_prog *t = bo_prog_by_name(&obj, "on_tick");
		uint64_t ns = 0, runs = 0;
		uint32_t zero = 0;
		long pfd;

		memset(&attr, 0, sizeof(attr));
		attr.size = sizeof(attr);
		attr.type = PERF_TYPE_SOFTWARE;
		attr.config = PERF_COUNT_SW_CPU_CLOCK;
		attr.sample_period = 1;
		attr.disabled = 1;
		pfd = sys_perf_event_open(&attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
		if (pfd < 0 || !ticks || !t ||
		    sys_ioctl((int)pfd, PERF_EVENT_IOC_SET_BPF, (unsigned long)t->fd) ||
		    sys_ioctl((int)pfd, PERF_EVENT_IOC_ENABLE, 0)) {
			printf("software event: setup failed (%ld)\n", pfd);
			return 1;
		}
		while (ns < 50000000) /* spin in user mode for 5 timer ticks */
			sys_read((int)pfd, &ns, sizeof(ns));
		sys_ioctl((int)pfd, PERF_EVENT_IOC_DISABLE, 0);
		sys_read((int)pfd, &ns, sizeof(ns));
		bpf_map_lookup(ticks->fd, &zero, &runs);
		sys_close((int)pfd);
		printf("software event cpu-clock: %lu ms, on_tick ran %lu times: %s\n",
		       (unsigned long)(ns / 1000000), (unsigned long)runs,
		       runs && runs * 10000000 == ns ? "consistent" : "INCONSISTENT");
	}

	/*
	 * kprobe hit cost (TSC cycles per call of kbench_target, in the
	 * kernel): no probe; probe armed, event disabled (int3 + single-step
	 * only); probe running the empty program.
	 */
	{
		struct bo_prog *e = bo_prog_by_name(&obj, "empty");
		long iters = 20000, base, probed, trap, pfd;

		base = sys_kbench(iters);
		pfd = e ? attach(e) : -1;
		if (pfd < 0)
			return 1;
		probed = sys_kbench(iters);
		sys_ioctl((int)pfd, PERF_EVENT_IOC_DISABLE, 0);
		trap = sys_kbench(iters);
		sys_close((int)pfd);
		printf("kbench: %ld calls; cycles/call: %ld unprobed, %ld probed (event disabled), "
		       "%ld probed (empty program)\n",
		       iters, base / iters, trap / iters, probed / iters);
		printf("kprobe hit cost: %ld cycles per hit with an empty eBPF program "
		       "(%ld of them the breakpoint and single-step)\n",
		       (probed - base) / iters, (trap - base) / iters);
	}
	printf("bpfdemo: done\n");
	return 0;
}
