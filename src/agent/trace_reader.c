/* SPDX-License-Identifier: MIT */
/*
 * trace_reader.c - userbpf-trace-reader (mk/probe.mk; compiled only with
 * -DUSERBPF_TRACE_READER_BIN, in the library this file is empty): the
 * program "userbpf trace --follow" starts its reader as, with the agent
 * preloaded.  The agent's constructor becomes the reader (agent.c,
 * reader_main) and never returns, so main() is only reached when the
 * agent did not take over.  Before, the reader was the CLI binary itself
 * (/proc/self/exe, still the fallback when this program is missing), and
 * every trace paid the CLI's libraries a second time: libcapstone's
 * 77 000 relocations and libpcap's eight dependencies, about 12 ms of CPU
 * (docs/probes.md, "trace --follow startup").
 */
#ifdef USERBPF_TRACE_READER_BIN
int main(void)
{
	return 127;
}
#endif
