/* SPDX-License-Identifier: MIT */
/*
 * debugdata.c - MiniDebugInfo: the .gnu_debugdata section some
 * distributions (Fedora, RHEL, CentOS) keep in stripped binaries, an
 * xz-compressed ELF file whose .symtab names the functions .dynsym does
 * not (static and hidden ones), at the outer file's addresses.  GDB,
 * elfutils and systemd read it for stacks; a probe on such a function
 * needs it too.
 *
 * The decompressor is liblzma, opened with dlopen the first time a file
 * with the section is read: never loaded into a traced process that has
 * no such file (every library mapped there costs the agent a scan for
 * syscall sites), and not a link dependency of the library.  Where
 * liblzma.so.5 is missing, the section is skipped with -ENOTSUP.
 *
 * The section's bytes are untrusted: the output is capped and each
 * failure of the decoder is an error, never a crash (fuzz_symbols).
 * Runs at attach time and in the CLI's symbolisation, never on a
 * probe's run path.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "probe_int.h"

#if __has_include(<lzma.h>)
#include <lzma.h>

/* liblzma's functions, resolved once (lzma_init). */
static struct {
	pthread_once_t once;
	lzma_ret (*stream_decoder)(lzma_stream *strm, uint64_t memlimit, uint32_t flags);
	lzma_ret (*code)(lzma_stream *strm, lzma_action action);
	void (*end)(lzma_stream *strm);
} lz = { PTHREAD_ONCE_INIT, NULL, NULL, NULL };

static void lzma_init(void)
{
	void *h = dlopen("liblzma.so.5", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
	lz.code = (lzma_ret(*)(lzma_stream *, lzma_action))dlsym(h, "lzma_code");
	lz.end = (void (*)(lzma_stream *))dlsym(h, "lzma_end");
	lz.stream_decoder =
		(lzma_ret(*)(lzma_stream *, uint64_t, uint32_t))dlsym(h, "lzma_stream_decoder");
	if (!lz.code || !lz.end)
		lz.stream_decoder = NULL;
}

int probe_debugdata_unpack(const uint8_t *xz, size_t size, uint8_t **out, size_t *out_size)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = size * 4 > 65536 ? size * 4 : 65536;
	uint8_t *buf = NULL;
	lzma_ret r;
	int err = 0;

	*out = NULL;
	*out_size = 0;
	pthread_once(&lz.once, lzma_init);
	if (!lz.stream_decoder)
		return -ENOTSUP;
	if (lz.stream_decoder(&s, PROBE_DEBUGDATA_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return -ENOMEM;
	s.next_in = xz;
	s.avail_in = size;
	for (;;) {
		if (s.avail_out == 0) {
			size_t used = s.total_out;
			uint8_t *n;

			if (cap > PROBE_DEBUGDATA_MAX)
				cap = PROBE_DEBUGDATA_MAX;
			if (used >= cap) {
				err = -EFBIG; /* more than any symbol table we read */
				break;
			}
			n = realloc(buf, cap);
			if (!n) {
				err = -ENOMEM;
				break;
			}
			buf = n;
			s.next_out = buf + used;
			s.avail_out = cap - used;
			cap *= 2;
		}
		r = lz.code(&s, LZMA_FINISH);
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK) {
			err = r == LZMA_MEM_ERROR || r == LZMA_MEMLIMIT_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
	}
	if (!err && s.total_out == 0)
		err = -EINVAL;
	if (!err) {
		*out = buf;
		*out_size = (size_t)s.total_out;
	} else {
		free(buf);
	}
	lz.end(&s);
	return err;
}

#else /* no <lzma.h> at build time */

int probe_debugdata_unpack(const uint8_t *xz, size_t size, uint8_t **out, size_t *out_size)
{
	(void)xz;
	(void)size;
	*out = NULL;
	*out_size = 0;
	return -ENOTSUP;
}

#endif
