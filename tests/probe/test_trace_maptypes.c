/* SPDX-License-Identifier: MIT */
/*
 * test_trace_maptypes.c - "userbpf trace" prints map keys and values by
 * their BTF types, as bpftool's BTF-formatted dumps do (maptypes.bpf.c):
 * a char-array key as a string, a struct value as its fields (a negative
 * int signed, a bool, an enum by name, a pointer in hex), global data as
 * its variables; the same in --json; and typed by the object's BTF also
 * when --event-btf names another file for the events.  Before, keys and
 * values of other than 1, 2, 4 or 8 bytes printed in hex and integers
 * unsigned.  A record of no known type prints in hex with its zero tail
 * counted (--json keeps every byte).
 */
#include <stdio.h>
#include <string.h>

#include "../unit/test.h"
#include "fixture.h"

static const char maptypes_maps[] =
	"@by_comm:\n"
	"  [\"echo\"] = {\"neg\": -7, \"seen\": true, \"kind\": \"MT_WRITE\", \"ptr\": \"0x1000\"}\n"
	"\n"
	"@maptypes.bss:\n"
	"  [0] = {\"writes\": -1}\n"
	"\n"
	"@maptypes.data:\n"
	"  [0] = {\"tag\": \"abc\"}\n";

/* The event line reaches the terminal before or after the command's own
 * "hi": each part is asked for, the maps last. */
static void assert_maptypes(const char *out)
{
	const char *maps = strstr(out, "@by_comm:");

	ASSERT_CONTAINS(out, "hi\n");
	ASSERT_CONTAINS(out, "big: 2a 00 00 00 00 00 00 00 ... 248 zero bytes\n");
	ASSERT_TRUE(maps != NULL);
	ASSERT_STREQ(maps, maptypes_maps);
}

TEST(trace_maps_typed_by_btf)
{
	char out[4096], rec[600];

	if (!probe_trace_ready("uprobe"))
		return;
	ASSERT_EQ(probe_run("$B/userbpf trace $B/probe/maptypes.bpf.o -- /bin/echo hi 2>/dev/null",
			    out, sizeof(out)),
		  0);
	assert_maptypes(out);
	ASSERT_EQ(probe_run("$B/userbpf trace --event-btf $B/probe/evtype.bpf.o "
			    "$B/probe/maptypes.bpf.o -- /bin/echo hi 2>/dev/null",
			    out, sizeof(out)),
		  0);
	assert_maptypes(out);
	ASSERT_EQ(
		probe_run(
			"$B/userbpf trace --json $B/probe/maptypes.bpf.o -- /bin/echo hi 2>/dev/null",
			out, sizeof(out)),
		0);
	/* JSON keeps every byte of the record */
	snprintf(rec, sizeof(rec), "\"map\":\"big\",\"data\":\"2a%0510d\"}\n", 0);
	ASSERT_CONTAINS(out, rec);
	ASSERT_CONTAINS(out, "{\"type\":\"map\",\"map\":\"by_comm\",\"key\":\"echo\",\"value\":{"
			     "\"neg\": -7, \"seen\": true, \"kind\": \"MT_WRITE\", \"ptr\": "
			     "\"0x1000\"}}\n"
			     "{\"type\":\"map\",\"map\":\"maptypes.bss\",\"key\":0,\"value\":{"
			     "\"writes\": -1}}\n"
			     "{\"type\":\"map\",\"map\":\"maptypes.data\",\"key\":0,\"value\":{"
			     "\"tag\": \"abc\"}}\n");
}
