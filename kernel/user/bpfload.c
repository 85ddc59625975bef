// SPDX-License-Identifier: MIT
/*
 * kernel/user/bpfload.c - the user-space eBPF object loader of the
 * kernel's demo (see bpfload.h).  Every byte of the image is bounds
 * checked before use.
 */
#include "bpfload.h"
#include "ulib.h"

struct elf_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};
struct elf_sym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};
struct elf_rel {
	uint64_t offset, info;
};
#define SHT_PROGBITS 1
#define SHT_SYMTAB 2
#define SHT_NOBITS 8
#define SHT_REL 9
#define SHF_EXECINSTR 4
#define STT_FUNC 2
#define R_BPF_64_64 1

struct btf_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
};
struct btf_type {
	uint32_t name_off, info, size_type;
};
#define BTF_MAX_TYPES 4096

static struct {
	const struct btf_type *t[BTF_MAX_TYPES];
	unsigned n;
	const char *str;
	uint32_t str_len;
} btf;

#define EINVAL 22

static int bad(const char *what)
{
	printf("bpfload: malformed object: %s\n", what);
	return -EINVAL;
}

static const struct elf_shdr *shdr(struct bo_obj *o, unsigned i)
{
	return (const struct elf_shdr *)o->shdrs + i;
}

static const char *sec_name(struct bo_obj *o, unsigned i)
{
	return o->shstr + shdr(o, i)->name;
}

static bool sec_ok(struct bo_obj *o, const struct elf_shdr *s)
{
	return s->type == SHT_NOBITS || (s->offset <= o->size && s->size <= o->size - s->offset);
}

static const void *sec_data(struct bo_obj *o, unsigned i)
{
	return o->img + shdr(o, i)->offset;
}

static bool starts_with(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

static void copy_name(char *d, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && s[i]; i++)
		d[i] = s[i];
	d[i] = 0;
}

/* ---- BTF: just enough to read BTF-defined map definitions ---- */

static int btf_parse(const uint8_t *data, size_t size)
{
	const struct btf_header *h = (const void *)data;
	const uint8_t *p, *end;

	if (size < sizeof(*h) || h->magic != 0xeb9f || h->hdr_len > size ||
	    h->type_off > size - h->hdr_len || h->type_len > size - h->hdr_len - h->type_off ||
	    h->str_off > size - h->hdr_len || h->str_len > size - h->hdr_len - h->str_off)
		return bad("BTF header");
	btf.str = (const char *)data + h->hdr_len + h->str_off;
	btf.str_len = h->str_len;
	p = data + h->hdr_len + h->type_off;
	end = p + h->type_len;
	btf.n = 1;
	while (p + sizeof(struct btf_type) <= end && btf.n < BTF_MAX_TYPES) {
		const struct btf_type *t = (const void *)p;
		uint32_t kind = (t->info >> 24) & 0x1f, vlen = t->info & 0xffff;
		size_t extra = 0;

		switch (kind) {
		case 1:
		case 14:
		case 17:
			extra = 4;
			break; /* INT, VAR, DECL_TAG */
		case 3:
			extra = 12;
			break; /* ARRAY */
		case 4:
		case 5:
		case 15:
		case 19:
			extra = 12 * (size_t)vlen;
			break;
		case 6:
		case 13:
			extra = 8 * (size_t)vlen;
			break;
		}
		btf.t[btf.n++] = t;
		p += sizeof(*t) + extra;
	}
	return p == end ? 0 : bad("BTF types");
}

static const struct btf_type *btf_type(uint32_t id)
{
	return id && id < btf.n ? btf.t[id] : NULL;
}

static const char *btf_name(uint32_t off)
{
	return off < btf.str_len ? btf.str + off : "";
}

static unsigned btf_kind(const struct btf_type *t)
{
	return (t->info >> 24) & 0x1f;
}

/* skip typedefs and qualifiers */
static const struct btf_type *btf_skip(uint32_t id)
{
	const struct btf_type *t = btf_type(id);

	for (int depth = 0; t && depth < 32; depth++) {
		unsigned k = btf_kind(t);

		if (k != 8 && k != 9 && k != 10 && k != 11 && k != 18)
			return t;
		t = btf_type(t->size_type);
	}
	return NULL;
}

static long btf_size(uint32_t id)
{
	const struct btf_type *t = btf_skip(id);

	if (!t)
		return -1;
	switch (btf_kind(t)) {
	case 1:
	case 4:
	case 5:
	case 6:
	case 16:
	case 19:
		return t->size_type;
	case 2:
		return 8;
	case 3: {
		const uint32_t *a = (const uint32_t *)(t + 1);
		long e = btf_size(a[0]);

		return e < 0 ? -1 : e * a[2];
	}
	}
	return -1;
}

/* __uint(name, N) is "int (*name)[N]": N is the array's element count */
static long btf_uint(uint32_t id)
{
	const struct btf_type *t = btf_skip(id), *a;

	if (!t || btf_kind(t) != 2 || !(a = btf_skip(t->size_type)) || btf_kind(a) != 3)
		return -1;
	return ((const uint32_t *)(a + 1))[2];
}

static int parse_maps(struct bo_obj *o)
{
	for (uint32_t id = 1; id < btf.n; id++) {
		const struct btf_type *ds = btf.t[id];
		const uint32_t *vs;

		if (btf_kind(ds) != 15 || strcmp(btf_name(ds->name_off), ".maps"))
			continue;
		vs = (const uint32_t *)(ds + 1);
		for (unsigned i = 0; i < (ds->info & 0xffff); i++, vs += 3) {
			const struct btf_type *var = btf_type(vs[0]), *st;
			const uint32_t *m;
			struct bo_map *map;

			if (!var || btf_kind(var) != 14 || !(st = btf_skip(var->size_type)) ||
			    btf_kind(st) != 4)
				return bad(".maps variable");
			if (o->nmaps == BO_MAX_MAPS)
				return bad("too many maps");
			map = &o->maps[o->nmaps++];
			copy_name(map->name, btf_name(var->name_off), sizeof(map->name));
			map->shndx = -1;
			map->fd = -1;
			m = (const uint32_t *)(st + 1);
			for (unsigned j = 0; j < (st->info & 0xffff); j++, m += 3) {
				const char *n = btf_name(m[0]);
				const struct btf_type *pt = btf_skip(m[1]);
				long v = btf_uint(m[1]);

				if (!strcmp(n, "key") || !strcmp(n, "value")) {
					long sz = pt && btf_kind(pt) == 2 ?
							  btf_size(pt->size_type) :
							  -1;

					if (sz <= 0)
						return bad("map key/value type");
					*(n[0] == 'k' ? &map->key_size : &map->value_size) =
						(uint32_t)sz;
					continue;
				}
				if (v < 0)
					return bad("map attribute");
				if (!strcmp(n, "type"))
					map->type = (uint32_t)v;
				else if (!strcmp(n, "max_entries"))
					map->max_entries = (uint32_t)v;
				else if (!strcmp(n, "key_size"))
					map->key_size = (uint32_t)v;
				else if (!strcmp(n, "value_size"))
					map->value_size = (uint32_t)v;
				else if (!strcmp(n, "map_flags"))
					map->flags = (uint32_t)v;
			}
		}
	}
	return 0;
}

int bo_open(struct bo_obj *o, const void *img, size_t size)
{
	const struct elf_ehdr *eh = img;
	int err;

	memset(o, 0, sizeof(*o));
	o->img = img;
	o->size = size;
	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != 2 ||
	    eh->machine != 247 || eh->shentsize != sizeof(struct elf_shdr) || eh->shoff > size ||
	    eh->shnum > (size - eh->shoff) / sizeof(struct elf_shdr) || eh->shstrndx >= eh->shnum)
		return bad("ELF header (not an eBPF ELF64 object)");
	o->shdrs = (const uint8_t *)img + eh->shoff;
	o->shnum = eh->shnum;
	for (unsigned i = 0; i < o->shnum; i++)
		if (!sec_ok(o, shdr(o, i)))
			return bad("section bounds");
	o->shstr = sec_data(o, eh->shstrndx);
	if (shdr(o, eh->shstrndx)->size == 0 || o->shstr[shdr(o, eh->shstrndx)->size - 1])
		return bad("section names");
	for (unsigned i = 1; i < o->shnum; i++) {
		const struct elf_shdr *s = shdr(o, i);

		if (s->name >= shdr(o, eh->shstrndx)->size)
			return bad("section name");
		if (s->type == SHT_SYMTAB) {
			if (s->entsize != sizeof(struct elf_sym) || s->link >= o->shnum)
				return bad("symbol table");
			o->syms = sec_data(o, i);
			o->nsyms = s->size / sizeof(struct elf_sym);
			o->strtab = sec_data(o, s->link);
		} else if (!strcmp(sec_name(o, i), "license")) {
			copy_name(o->license, sec_data(o, i),
				  s->size < sizeof(o->license) ? s->size + 1 : sizeof(o->license));
		} else if (!strcmp(sec_name(o, i), ".BTF")) {
			if ((err = btf_parse(sec_data(o, i), s->size)))
				return err;
		}
	}
	if (!o->syms)
		return bad("no symbol table");
	if ((err = parse_maps(o)))
		return err;
	/* data sections referenced by programs become array maps */
	for (unsigned i = 1; i < o->shnum; i++) {
		const struct elf_shdr *s = shdr(o, i);
		struct bo_map *m;

		if (!starts_with(sec_name(o, i), ".rodata") || s->type != SHT_PROGBITS || !s->size)
			continue;
		if (o->nmaps == BO_MAX_MAPS)
			return bad("too many maps");
		m = &o->maps[o->nmaps++];
		copy_name(m->name, "obj.rodata", sizeof(m->name));
		m->type = BPF_MAP_TYPE_ARRAY;
		m->key_size = 4;
		m->value_size = (uint32_t)s->size;
		m->max_entries = 1;
		m->flags = BPF_F_RDONLY_PROG;
		m->shndx = (int)i;
		m->init = sec_data(o, i);
		m->fd = -1;
	}
	/* programs: each global function of an executable section */
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct elf_sym *sym = (const struct elf_sym *)o->syms + i;
		const struct elf_shdr *s;
		struct bo_prog *p;
		const char *sn;

		if ((sym->info & 0xf) != STT_FUNC || (sym->info >> 4) != 1 || !sym->shndx ||
		    sym->shndx >= o->shnum)
			continue;
		s = shdr(o, sym->shndx);
		if (!(s->flags & SHF_EXECINSTR) || sym->value > s->size ||
		    sym->size > s->size - sym->value || sym->size % 8 || !sym->size)
			return bad("program symbol");
		if (o->nprogs == BO_MAX_PROGS)
			return bad("too many programs");
		sn = sec_name(o, sym->shndx);
		p = &o->progs[o->nprogs++];
		copy_name(p->name, o->strtab + sym->name, sizeof(p->name));
		p->sec = sn;
		p->shndx = sym->shndx;
		p->off = sym->value;
		p->cnt = sym->size / 8;
		p->fd = -1;
		if (starts_with(sn, "kprobe/")) {
			p->type = BPF_PROG_TYPE_KPROBE;
			p->func = sn + 7;
		} else if (starts_with(sn, "kretprobe/")) {
			p->type = BPF_PROG_TYPE_KPROBE;
			p->func = sn + 10;
			p->is_ret = true;
		} else if (!strcmp(sn, "perf_event")) {
			p->type = BPF_PROG_TYPE_PERF_EVENT;
		} else {
			return bad("unknown program section");
		}
	}
	return 0;
}

struct bo_map *bo_map_by_name(struct bo_obj *o, const char *name)
{
	for (int i = 0; i < o->nmaps; i++)
		if (!strcmp(o->maps[i].name, name))
			return &o->maps[i];
	return NULL;
}

struct bo_prog *bo_prog_by_name(struct bo_obj *o, const char *name)
{
	for (int i = 0; i < o->nprogs; i++)
		if (!strcmp(o->progs[i].name, name))
			return &o->progs[i];
	return NULL;
}

long bpf_map_create(uint32_t type, const char *name, uint32_t key_size, uint32_t value_size,
		    uint32_t max_entries, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max_entries;
	a.map_flags = flags;
	copy_name(a.map_name, name, sizeof(a.map_name));
	return sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
}

static long map_elem(int cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)key;
	a.value = (uint64_t)value;
	a.flags = flags;
	return sys_bpf(cmd, &a, sizeof(a));
}

long bpf_map_update(int fd, const void *key, const void *value, uint64_t flags)
{
	return map_elem(BPF_MAP_UPDATE_ELEM, fd, key, (void *)value, flags);
}

long bpf_map_lookup(int fd, const void *key, void *value)
{
	return map_elem(BPF_MAP_LOOKUP_ELEM, fd, key, value, 0);
}

long bpf_map_delete(int fd, const void *key)
{
	return map_elem(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0);
}

long bpf_map_lookup_and_delete(int fd, const void *key, void *value)
{
	return map_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, 0);
}

long bpf_map_next_key(int fd, const void *key, void *next)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)key;
	a.next_key = (uint64_t)next;
	return sys_bpf(BPF_MAP_GET_NEXT_KEY, &a, sizeof(a));
}

long bpf_map_freeze(int fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	return sys_bpf(BPF_MAP_FREEZE, &a, sizeof(a));
}

long bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
			  uint32_t *count)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.batch.map_fd = (uint32_t)fd;
	a.batch.in_batch = (uint64_t)in_batch;
	a.batch.out_batch = (uint64_t)out_batch;
	a.batch.keys = (uint64_t)keys;
	a.batch.values = (uint64_t)values;
	a.batch.count = *count;
	r = sys_bpf(BPF_MAP_LOOKUP_BATCH, &a, sizeof(a));
	*count = a.batch.count;
	return r;
}

int bo_create_maps(struct bo_obj *o)
{
	for (int i = 0; i < o->nmaps; i++) {
		struct bo_map *m = &o->maps[i];
		long fd = bpf_map_create(m->type, m->name, m->key_size, m->value_size,
					 m->max_entries, m->flags);
		uint32_t zero = 0;

		if (fd < 0) {
			printf("bpfload: BPF_MAP_CREATE %s: error %ld\n", m->name, fd);
			return (int)fd;
		}
		m->fd = (int)fd;
		if (m->init) {
			long err = bpf_map_update(m->fd, &zero, m->init, BPF_ANY);

			if (!err)
				err = bpf_map_freeze(m->fd);
			if (err) {
				printf("bpfload: initialising %s: error %ld\n", m->name, err);
				return (int)err;
			}
		}
	}
	return 0;
}

static struct bo_map *map_for_symbol(struct bo_obj *o, const struct elf_sym *sym)
{
	const char *sn;

	if (sym->shndx >= o->shnum)
		return NULL;
	sn = sec_name(o, sym->shndx);
	if (!strcmp(sn, ".maps"))
		return bo_map_by_name(o, o->strtab + sym->name);
	for (int i = 0; i < o->nmaps; i++)
		if (o->maps[i].shndx == sym->shndx)
			return &o->maps[i];
	return NULL;
}

int bo_load_prog(struct bo_obj *o, struct bo_prog *p, char *log, size_t log_size)
{
	union bpf_attr a;
	long fd;

	p->insns = malloc(p->cnt * sizeof(struct bpf_insn));
	if (!p->insns)
		return -12;
	memcpy(p->insns, (const uint8_t *)sec_data(o, p->shndx) + p->off,
	       p->cnt * sizeof(struct bpf_insn));
	/* the relocations of the program's section that fall into it */
	for (unsigned i = 1; i < o->shnum; i++) {
		const struct elf_shdr *rs = shdr(o, i);
		const struct elf_rel *rel = sec_data(o, i);

		if (rs->type != SHT_REL || rs->info != (unsigned)p->shndx)
			continue;
		for (size_t r = 0; r < rs->size / sizeof(*rel); r++) {
			uint64_t off = rel[r].offset, symi = rel[r].info >> 32;
			const struct elf_sym *sym;
			struct bpf_insn *insn;
			struct bo_map *m;

			if (off < p->off || off >= p->off + p->cnt * 8)
				continue;
			if ((uint32_t)rel[r].info != R_BPF_64_64 || symi >= o->nsyms ||
			    (off - p->off) / 8 + 1 >= p->cnt)
				return bad("relocation");
			sym = (const struct elf_sym *)o->syms + symi;
			insn = &p->insns[(off - p->off) / 8];
			if (insn->code != (BPF_LD | BPF_IMM | BPF_DW) ||
			    !(m = map_for_symbol(o, sym)))
				return bad("relocation target");
			if (m->shndx >= 0) { /* global data: map value + offset */
				insn[1].imm = insn->imm + (int32_t)sym->value;
				insn->src_reg = BPF_PSEUDO_MAP_VALUE;
			} else {
				insn->src_reg = BPF_PSEUDO_MAP_FD;
			}
			insn->imm = m->fd;
		}
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = p->type;
	a.insns = (uint64_t)p->insns;
	a.insn_cnt = (uint32_t)p->cnt;
	a.license = (uint64_t)o->license;
	a.log_buf = (uint64_t)log;
	a.log_size = (uint32_t)log_size;
	a.log_level = log ? 1 : 0;
	copy_name(a.prog_name, p->name, sizeof(a.prog_name));
	if (log && log_size)
		log[0] = 0;
	fd = sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (fd >= 0)
		p->fd = (int)fd;
	return fd < 0 ? (int)fd : 0;
}
