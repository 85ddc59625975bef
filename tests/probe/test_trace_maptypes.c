/* SPDX-License-Identifier: MIT */
/*
 * test_trace_maptypes.c - "userbpf trace" prints map keys and values by
 * their BTF types, as bpftool's BTF-formatted dumps do (maptypes.bpf.c):
 * a char-array key as a string, a struct value as its fields (a negative
 * int signed, a bool, an enum by name, a pointer in hex), global data as
 * its variables; the same in --json; and typed by the object's BTF also
 * when --event-btf names another file for the events.  Before, keys and
 * values of other than 1, 2, 4 or 8 bytes printed in hex and integers
 * unsigned.
 */
#include "../unit/test.h"
#include "fixture.h"

static const char maptypes_out[] =
	"hi\n"
	"@by_comm:\n"
	"  [\"echo\"] = {\"neg\": -7, \"seen\": true, \"kind\": \"MT_WRITE\", \"ptr\": \"0x1000\"}\n"
	"\n"
	"@maptypes.bss:\n"
	"  [0] = {\"writes\": -1}\n"
	"\n"
	"@maptypes.data:\n"
	"  [0] = {\"tag\": \"abc\"}\n";

TEST(trace_maps_typed_by_btf)
{
	char out[4096];

	if (!probe_trace_ready("uprobe"))
		return;
	ASSERT_EQ(probe_run("$B/userbpf trace $B/probe/maptypes.bpf.o -- /bin/echo hi", out,
			    sizeof(out)),
		  0);
	ASSERT_STREQ(out, maptypes_out);
	ASSERT_EQ(probe_run("$B/userbpf trace --event-btf $B/probe/evtype.bpf.o "
			    "$B/probe/maptypes.bpf.o -- /bin/echo hi",
			    out, sizeof(out)),
		  0);
	ASSERT_STREQ(out, maptypes_out);
	ASSERT_EQ(probe_run("$B/userbpf trace --json $B/probe/maptypes.bpf.o -- /bin/echo hi", out,
			    sizeof(out)),
		  0);
	ASSERT_STREQ(out,
		     "hi\n"
		     "{\"type\":\"map\",\"map\":\"by_comm\",\"key\":\"echo\",\"value\":{\"neg\": "
		     "-7, \"seen\": true, \"kind\": \"MT_WRITE\", \"ptr\": \"0x1000\"}}\n"
		     "{\"type\":\"map\",\"map\":\"maptypes.bss\",\"key\":0,\"value\":{"
		     "\"writes\": -1}}\n"
		     "{\"type\":\"map\",\"map\":\"maptypes.data\",\"key\":0,\"value\":{\"tag\": "
		     "\"abc\"}}\n");
}
