// SPDX-License-Identifier: MIT
/*
 * kernel/ksym.c - the kernel's symbol table.  The image is linked twice:
 * the first link has an empty .ksyms section; `nm` lists its text
 * symbols, kernel/ksyms.sh turns them into ksyms.S (sorted addresses and
 * names), and the second link adds that table in .ksyms, the last
 * section of the image, so no other symbol moves (mk/kernel.mk checks
 * that the two links agree).  Probes are placed by name through
 * ksym_address(); stack traces are symbolised with ksym_lookup().
 */
#include "kernel.h"

struct ksym {
	uint64_t addr;
	uint64_t name; /* offset into ksym_names */
};
extern const uint64_t ksym_num;
extern const struct ksym ksym_table[];
extern const char ksym_names[];
extern char _etext[];

size_t ksym_count(void)
{
	return ksym_num;
}

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ksym_num;

	if (!ksym_num || addr < ksym_table[0].addr || addr >= (uint64_t)_etext)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksym_table[lo].addr;
	return ksym_names + ksym_table[lo].name;
}

uint64_t ksym_address(const char *name)
{
	for (size_t i = 0; i < ksym_num; i++)
		if (!strcmp(ksym_names + ksym_table[i].name, name))
			return ksym_table[i].addr;
	return 0;
}
