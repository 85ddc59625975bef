/* SPDX-License-Identifier: MIT */
/*
 * btf_ext.c - the .BTF.ext section: func_info, line_info and CO-RE
 * relocation records, grouped per ELF section.
 *
 * Owns: header and info-section checks (alignment, bounds, record sizes
 * at least the known size, record counts inside the section) and the
 * per-section index.  Records are read with memcpy (ub_btf_ext_rec()) of
 * their known prefix, so a newer, larger record size still parses.
 *
 * Does not own: interpreting the records: string offsets inside them are
 * offsets into .BTF and are checked where used (relo.c, core.c).
 */
#include "util/ubc.h"

#include "loader_int.h"
#include "util/alloc.h"

struct btf_ext_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t func_info_off;
	uint32_t func_info_len;
	uint32_t line_info_off;
	uint32_t line_info_len;
	uint32_t core_relo_off; /* present when hdr_len >= 32 */
	uint32_t core_relo_len;
};

#define EXT_HDR_MIN 24u
#define EXT_HDR_CORE 32u

static int setup_info(struct ub_btf_ext *ext, const char *what, uint32_t off, uint32_t len,
		      uint32_t hdr_len, size_t min_rec, struct ub_btf_ext_info *info,
		      struct ub_err *err)
{
	const uint8_t *p, *end;
	uint32_t rec_size;
	size_t n, cnt = 0;

	if (len == 0)
		return 0;
	if (off % 4)
		return ub_errf(err, -EINVAL,
			       "sec '.BTF.ext': %s not aligned to 4 "
			       "bytes (offset %u)",
			       what, off);
	if ((uint64_t)hdr_len + off + len > ext->size)
		return ub_errf(err, -EINVAL,
			       "sec '.BTF.ext': %s [+%u, %u bytes) "
			       "beyond the end of the section (%zu bytes)",
			       what, off, len, ext->size);
	if (len < sizeof(uint32_t))
		return ub_errf(err, -EINVAL, "sec '.BTF.ext': %s: no record size", what);
	p = ext->data + hdr_len + off;
	end = p + len;
	memcpy(&rec_size, p, sizeof(rec_size));
	if (rec_size < min_rec || rec_size % 4)
		return ub_errf(err, -EINVAL,
			       "sec '.BTF.ext': %s: invalid record "
			       "size %u",
			       what, rec_size);
	p += sizeof(uint32_t);
	if (p == end)
		return ub_errf(err, -EINVAL, "sec '.BTF.ext': %s has no records", what);
	/* Pass 1: count and check; pass 2: index. */
	for (n = 0; n < 2; n++) {
		const uint8_t *q = p;

		cnt = 0;
		while (q < end) {
			uint32_t hdr[2];
			uint64_t total;

			if ((size_t)(end - q) < sizeof(hdr))
				return ub_errf(err, -EINVAL,
					       "sec '.BTF.ext': %s: "
					       "truncated section header",
					       what);
			memcpy(hdr, q, sizeof(hdr));
			total = sizeof(hdr) + (uint64_t)hdr[1] * rec_size;
			if (hdr[1] == 0 || total > (uint64_t)(end - q))
				return ub_errf(err, -EINVAL,
					       "sec '.BTF.ext': %s: "
					       "bad record count %u",
					       what, hdr[1]);
			if (n == 1) {
				info->secs[cnt].sec_name_off = hdr[0];
				info->secs[cnt].cnt = hdr[1];
				info->secs[cnt].recs = q + sizeof(hdr);
			}
			q += total;
			cnt++;
		}
		if (n == 0) {
			info->secs = ub_calloc(cnt, sizeof(*info->secs));
			if (!info->secs)
				return -ENOMEM;
		}
	}
	info->rec_size = rec_size;
	info->sec_cnt = cnt;
	return 0;
}

int ub_btf_ext_parse(const uint8_t *data, size_t size, struct ub_err *err, struct ub_btf_ext **out)
{
	struct btf_ext_header hdr;
	struct ub_btf_ext *ext;
	int ret;

	*out = NULL;
	memset(&hdr, 0, sizeof(hdr));
	if (size < 8)
		return ub_errf(err, -EINVAL, "sec '.BTF.ext': %zu bytes: too small", size);
	memcpy(&hdr, data, 8);
	if (hdr.magic != UB_BTF_MAGIC)
		return ub_errf(err, hdr.magic == 0x9FeB ? -ENOTSUP : -EINVAL,
			       "sec '.BTF.ext': bad magic 0x%04x", hdr.magic);
	if (hdr.version != 1)
		return ub_errf(err, -ENOTSUP, "sec '.BTF.ext': version %u (want 1)", hdr.version);
	if (hdr.hdr_len < EXT_HDR_MIN || hdr.hdr_len > size)
		return ub_errf(err, -EINVAL,
			       "sec '.BTF.ext': header length %u "
			       "(section %zu bytes)",
			       hdr.hdr_len, size);
	memcpy(&hdr, data, hdr.hdr_len < sizeof(hdr) ? hdr.hdr_len : sizeof(hdr));
	if (hdr.hdr_len < EXT_HDR_CORE)
		hdr.core_relo_off = hdr.core_relo_len = 0;

	ext = ub_alloc(sizeof(*ext));
	if (!ext)
		return -ENOMEM;
	ext->data = ub_alloc(size);
	if (!ext->data) {
		ub_free(ext);
		return -ENOMEM;
	}
	memcpy(ext->data, data, size);
	ext->size = size;
	ret = setup_info(ext, "func_info", hdr.func_info_off, hdr.func_info_len, hdr.hdr_len,
			 sizeof(struct ub_bpf_func_info), &ext->func_info, err);
	if (!ret)
		ret = setup_info(ext, "line_info", hdr.line_info_off, hdr.line_info_len,
				 hdr.hdr_len, sizeof(struct ub_bpf_line_info), &ext->line_info,
				 err);
	if (!ret)
		ret = setup_info(ext, "core_relo", hdr.core_relo_off, hdr.core_relo_len,
				 hdr.hdr_len, sizeof(struct ub_core_relo), &ext->core_relo, err);
	if (ret) {
		ub_btf_ext_free(ext);
		return ret;
	}
	*out = ext;
	return 0;
}

void ub_btf_ext_free(struct ub_btf_ext *ext)
{
	if (!ext)
		return;
	ub_free(ext->func_info.secs);
	ub_free(ext->line_info.secs);
	ub_free(ext->core_relo.secs);
	ub_free(ext->data);
	ub_free(ext);
}
