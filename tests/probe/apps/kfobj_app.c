/* SPDX-License-Identifier: MIT */
/*
 * kfobj_app - for test_kfunc_obj.c: "kfobj_app OBJ DIR" loads OBJ
 * (build/probe/kfobj.bpf.o) with libbpf and attaches every program (run
 * under "userbpf launch"), "kfobj_app - DIR" does not (run under
 * "userbpf trace OBJ", which attaches them).  Both then make the same
 * calls in DIR (mkdir, a file created and written twice, opened again
 * and pread, a second file created, both unlinked, a missing one
 * unlinked, rmdir; a TCP socket bound, listening, connected to, sent to,
 * accepted, received from, all three closed) and print
 * what each record must hold, computed from what the calls return and
 * stat says ("want [K] = {...}", in the JSON "userbpf trace" prints maps
 * in), then, with OBJ, the records ("rec [K] = {...}").
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

struct kfobj_rec {
	unsigned long long count, a, b, c, d;
	char name[32];
};

static void show(const char *tag, unsigned k, const struct kfobj_rec *r)
{
	printf("%s [%u] = {\"count\": %llu, \"a\": %llu, \"b\": %llu, \"c\": %llu, \"d\": %llu, "
	       "\"name\": \"%s\"}\n",
	       tag, k, r->count, r->a, r->b, r->c, r->d, r->name);
}

static unsigned long long ino(const char *p)
{
	struct stat st;

	return stat(p, &st) ? 0 : (unsigned long long)st.st_ino;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *p;
	struct kfobj_rec want[16];
	char dir[512], f[600], h[600], miss[600], buf[8];
	struct sockaddr_in a = { .sin_family = AF_INET }, b;
	socklen_t al = sizeof(a);
	unsigned long long somax = 4096;
	struct statfs sfs;
	FILE *sm;
	int fd, s, c, acc;
	unsigned k;

	if (argc < 3)
		return 64;
	if (strcmp(argv[1], "-")) {
		obj = bpf_object__open_file(argv[1], NULL);
		if (!obj || bpf_object__load(obj)) {
			printf("load failed\n");
			return 1;
		}
		bpf_object__for_each_program(p, obj)
		{
			if (!bpf_program__attach(p)) {
				printf("attach %s failed\n", bpf_program__name(p));
				return 2;
			}
		}
	}
	memset(want, 0, sizeof(want));
	umask(022);
	snprintf(dir, sizeof(dir), "%s/kfobj_d", argv[2]);
	snprintf(f, sizeof(f), "%s/kfobj_f", dir);
	snprintf(h, sizeof(h), "%s/kfobj_h", dir);
	snprintf(miss, sizeof(miss), "%s/kfobj_missing", dir);

	/* vfs_mkdir: mode after the umask, a negative dentry, the parent */
	if (mkdir(dir, 0777))
		return 3;
	want[4] = (struct kfobj_rec){ 1, 0755, 1, ino(argv[2]), 0, "kfobj_d" };
	/* vfs_open creating, vfs_write twice: positions 0 and 5 */
	fd = open(f, O_CREAT | O_WRONLY | O_TRUNC, 0640);
	if (fd < 0 || write(fd, "hello", 5) != 5 || write(fd, "world!", 6) != 6)
		return 4;
	close(fd);
	want[0] = (struct kfobj_rec){ 2, ino(f), 6, 5, O_WRONLY, "kfobj_f" };
	want[1] = (struct kfobj_rec){ 2, 6, 0, 0, 0, "" };
	/* opened again (not created), pread at 2: ext4's read_iter */
	fd = open(f, O_RDONLY);
	if (fd < 0 || pread(fd, buf, 3, 2) != 3)
		return 5;
	close(fd);
	if (!statfs(dir, &sfs) && sfs.f_type == 0xEF53)
		want[8] = (struct kfobj_rec){ 1, 2, 3, ino(f), 0, "kfobj_f" };
	fd = open(h, O_CREAT | O_RDWR, 0600);
	if (fd < 0)
		return 6;
	close(fd);
	want[3] = (struct kfobj_rec){ 3, 0, 1, ino(h), ino(h), "kfobj_h" };
	/* vfs_unlink: h then f; a missing file does not reach it */
	want[2] = (struct kfobj_rec){ 2, ino(f), ino(dir), S_IFREG, 7, "kfobj_f" };
	unlink(h);
	unlink(f);
	unlink(miss);
	rmdir(dir);

	/* inet_bind, inet_listen, tcp_v4_connect */
	sm = fopen("/proc/sys/net/core/somaxconn", "r");
	if (sm) {
		if (fscanf(sm, "%llu", &somax) != 1)
			somax = 4096;
		fclose(sm);
	}
	/* bad pointers and lengths: the kernel fails these before the
	 * functions (EFAULT copying the address or path, EINVAL for a length
	 * above 128), so no record counts them */
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(s, (struct sockaddr *)8, sizeof(a)) == 0 ||
	    connect(s, (struct sockaddr *)&a, 200) == 0 || unlink((const char *)8) == 0 ||
	    mkdir((const char *)8, 0700) == 0)
		return 11;
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &al) || listen(s, 100000))
		return 7;
	want[5] = (struct kfobj_rec){ 1, 0, ntohs(a.sin_port), AF_INET, SOCK_STREAM, "" };
	want[7] = (struct kfobj_rec){
		1, 100000 < somax ? 100000 : somax, ntohs(a.sin_port), 7, IPPROTO_TCP, ""
	};
	c = socket(AF_INET, SOCK_STREAM, 0);
	al = sizeof(b);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(c, (struct sockaddr *)&b, &al))
		return 8;
	want[6] = (struct kfobj_rec){ 1, 0, a.sin_addr.s_addr, ntohs(a.sin_port), ntohs(b.sin_port),
				      "" };
	want[14] = (struct kfobj_rec){ 1, 2 /* SYN_SENT */, ntohs(a.sin_port), ntohs(b.sin_port), 0,
				       "" };
	/* tcp_sendmsg, inet_csk_accept, tcp_cleanup_rbuf */
	if (send(c, "ping", 4, 0) != 4)
		return 9;
	want[9] = (struct kfobj_rec){ 1, 4, ntohs(a.sin_port), ntohs(b.sin_port), 0, "" };
	acc = accept(s, NULL, NULL);
	if (acc < 0 || recv(acc, buf, 4, 0) != 4)
		return 10;
	want[12] =
		(struct kfobj_rec){ 1, ntohs(a.sin_port), ntohs(b.sin_port), 1 /* ESTABLISHED */, 0,
				    "" };
	want[10] = (struct kfobj_rec){ 1, 4, ntohs(a.sin_port), 0, 0, "" };
	/* tcp_close and tcp_set_state: the connection (ESTABLISHED ->
	 * FIN_WAIT1), the accepted one (CLOSE_WAIT -> LAST_ACK once the peer's
	 * FIN came), the listener (LISTEN -> CLOSE, last); the connect's two
	 * transitions CLOSE -> SYN_SENT, SYN_SENT -> ESTABLISHED first */
	close(c);
	close(acc);
	close(s);
	/* tcp_close: the unconnected socket of the bad calls too (no
	 * tcp_set_state for it: already CLOSE) */
	want[13] = (struct kfobj_rec){ 4, 10, ntohs(a.sin_port), 0, 0, "" };
	want[11] = (struct kfobj_rec){ 5, 7, 10, (7 << 8 | 2) << 16 | (2 << 8 | 1), 0, "" };

	for (k = 0; k < 15; k++)
		show("want", k, &want[k]);
	if (obj) {
		int m = bpf_object__find_map_fd_by_name(obj, "rec");

		for (k = 0; k < 15; k++) {
			struct kfobj_rec r;

			memset(&r, 0, sizeof(r));
			bpf_map_lookup_elem(m, &k, &r);
			show("rec", k, &r);
		}
	}
	fflush(stdout);
	return 0;
}
