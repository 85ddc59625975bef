/* SPDX-License-Identifier: MIT */
/*
 * bashrl.bpf.c - a return probe on /bin/bash's readline (the line it
 * read), on a binary the traced command (sh) does not load itself
 * (test_trace_cli.c: trace_cli_probe_on_other_binary).
 */
#include "../../examples/probe_regs.h"

SEC("uretprobe//bin/bash:readline")
int BPF_KRETPROBE(on_readline, const void *ret)
{
	char line[32];

	if (!ret)
		return 0;
	bpf_probe_read_user_str(line, sizeof(line), ret);
	bpf_printk("readline: %s", line);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
