/* SPDX-License-Identifier: MIT */
/*
 * dlsm.c - a libbpf application with BPF LSM programs (dlsm.bpf.c),
 * skeleton open_and_load and attach as libbpf-bootstrap's lsm example:
 * "dlsm DIR" makes DIR/dlsm_deny and DIR/dlsm_ok and two loopback
 * listeners, attaches, then prints one line per call:
 *   open deny=E ok=E            (E: 0 or errno)
 *   connect allowed=E denied=E
 *   bpf attached=E detached=E   (lsm/bpf's link destroyed in between)
 * "dlsm DIR bad": loads rename_hook too (a hook no syscall reaches in a
 * process) and prints "load=E".
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dlsm.h"
#include "dlsm.skel.h"

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int err_of(int r)
{
	return r < 0 ? errno : 0;
}

static int listener(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)sa, sizeof(*sa)) || listen(s, 4) ||
	    getsockname(s, (struct sockaddr *)sa, &len))
		return -1;
	return s;
}

static int connect_to(const struct sockaddr_in *sa)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), e;

	e = err_of(connect(s, (const struct sockaddr *)sa, sizeof(*sa)));
	close(s);
	return e;
}

static int info_of(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return err_of(bpf_obj_get_info_by_fd(fd, &info, &len));
}

int main(int argc, char **argv)
{
	char deny[512], ok[512];
	struct sockaddr_in a1, a2;
	struct dlsm_bpf *skel;
	int l1, l2, fd, e1, e2;

	if (argc != 2 && (argc != 3 || strcmp(argv[2], "bad")))
		return 9;
	libbpf_set_print(print_fn);
	skel = dlsm_bpf__open();
	if (!skel)
		return 1;
	if (argc == 3) {
		bpf_program__set_autoload(skel->progs.rename_hook, true);
		e1 = dlsm_bpf__load(skel);
		printf("load=%d\n", e1 < 0 ? -e1 : 0);
		dlsm_bpf__destroy(skel);
		return 0;
	}
	snprintf(deny, sizeof(deny), "%s/dlsm_deny", argv[1]);
	snprintf(ok, sizeof(ok), "%s/dlsm_ok", argv[1]);
	close(open(deny, O_CREAT | O_WRONLY, 0600));
	close(open(ok, O_CREAT | O_WRONLY, 0600));
	l1 = listener(&a1);
	l2 = listener(&a2);
	if (l1 < 0 || l2 < 0)
		return 3;
	if (dlsm_bpf__load(skel))
		return 4;
	snprintf(skel->bss->deny_name, sizeof(skel->bss->deny_name), "dlsm_deny");
	skel->bss->deny_port = ntohs(a2.sin_port);
	if (dlsm_bpf__attach(skel)) {
		fprintf(stderr, "Failed to attach BPF skeleton\n");
		return 2;
	}
	fd = open(deny, O_RDONLY);
	e1 = err_of(fd);
	if (fd >= 0)
		close(fd);
	fd = open(ok, O_RDONLY);
	e2 = err_of(fd);
	if (fd >= 0)
		close(fd);
	printf("open deny=%d ok=%d\n", e1, e2);
	printf("connect allowed=%d denied=%d\n", connect_to(&a1), connect_to(&a2));
	e1 = info_of(bpf_program__fd(skel->progs.lsm_open));
	bpf_link__destroy(skel->links.lsm_bpf);
	skel->links.lsm_bpf = NULL;
	e2 = info_of(bpf_program__fd(skel->progs.lsm_open));
	printf("bpf attached=%d detached=%d\n", e1, e2);
	fflush(stdout);
	close(l1);
	close(l2);
	dlsm_bpf__destroy(skel);
	return 0;
}
