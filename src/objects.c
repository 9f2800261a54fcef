/* objects.c - kernel objects that live in the regions: vmalloc areas and
 * modules, read from the dump with member offsets from VMCOREINFO or
 * DWARF.
 *
 * vmalloc: vmap_area_list links struct vmap_area by .list (mm/vmalloc.c,
 * v2.6.28 .. v6.8); v6.9 moved busy areas to per-node vmap_nodes lists
 * (collect_nodes below).  Each area's .vm (a union member since v5.2) points to
 * its struct vm_struct, or is NULL for vm_map_ram areas.  The flags are
 * include/linux/vmalloc.h's VM_IOREMAP 0x1, VM_ALLOC 0x2, VM_MAP 0x4,
 * VM_USERMAP 0x8, VM_DMA_COHERENT 0x10 (v5.8+).
 *
 * modules: the list `modules` links struct module by .list; memory is
 * core_layout/init_layout {base, size, text_size, ro_size,
 * ro_after_init_size} before v6.4, mem[MOD_MEM_NUM_TYPES] {base, size}
 * since (ac3b43283923). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kmd-int.h"

#define MAX_OBJECTS (1u << 22) /* list walks stop here: garbage */

/* Brent's cycle detection for list walks: a list that loops back into
 * itself (a corrupt or hostile dump) is caught after at most twice its
 * length, without memory. */
struct loop_check {
	uint64_t saved;
	uint64_t power, steps;
};

static bool loops(struct loop_check *c, uint64_t pos)
{
	if (c->power == 0) {
		c->power = 1;
		c->saved = pos;
		return false;
	}
	if (pos == c->saved)
		return true;
	if (++c->steps == c->power) {
		c->saved = pos;
		c->power *= 2;
		c->steps = 0;
	}
	return false;
}

static kmd_status read_ulong(kmd_t *k, uint64_t va, uint64_t *v,
			     struct kmd_err *err);
static kmd_status layout(kmd_t *k, const char *key, const char *hint,
			 uint64_t *v, struct kmd_err *err);

/* A NUL-terminated string, read page by page: the module string table
 * ends right before an unmapped guard page, so a fixed-size read past the
 * string's end would fail.  Nonzero if no terminated string was read. */
static int read_cstring(kmd_t *k, uint64_t va, char *buf, size_t size)
{
	size_t got = 0;
	struct kmd_err err;

	while (got + 1 < size) {
		size_t n = 4096 - (size_t)((va + got) & 4095);
		if (n > size - 1 - got)
			n = size - 1 - got;
		if (kmd_read_virt(k, va + got, buf + got, n, &err))
			return -1;
		if (memchr(buf + got, '\0', n))
			return 0;
		got += n;
	}
	buf[size - 1] = '\0'; /* a long name, cut */
	return 0;
}

/* A module address, through the module's kallsyms (struct mod_kallsyms:
 * symtab, num_symtab, strtab; v4.? .. 6.x): the symbol with the largest
 * value at or below VA, sized to the next symbol, as kallsyms does. */
static bool module_symbolize(kmd_t *k, uint64_t va, char *buf, size_t size)
{
	const struct kmd_module *m = NULL;
	struct kmd_err err;
	uint64_t o_ks, o_sym, o_num, o_str, ks, symtab, num, strtab;
	uint64_t best_val = 0, best_name = 0, next_val = ~0ull;
	unsigned esz = k->word_size == 8 ? 24 : 16; /* sizeof(Elf_Sym) */
	bool found = false;
	uint8_t *tab;
	char name[128];

	if (!k->mods_tried) {
		k->mods_tried = true;
		if (kmd_modules(k, &k->mods, &k->nmods, &err))
			k->nmods = 0;
	}
	for (size_t i = 0; i < k->nmods && !m; i++)
		for (unsigned r = 0; r < k->mods[i].nranges; r++)
			if (va >= k->mods[i].range[r].start &&
			    va < k->mods[i].range[r].end)
				m = &k->mods[i];
	if (!m ||
	    layout(k, "OFFSET(module.kallsyms)", "load_module", &o_ks, &err) ||
	    layout(k, "OFFSET(mod_kallsyms.symtab)", "load_module", &o_sym, &err) ||
	    layout(k, "OFFSET(mod_kallsyms.num_symtab)", "load_module", &o_num, &err) ||
	    layout(k, "OFFSET(mod_kallsyms.strtab)", "load_module", &o_str, &err) ||
	    read_ulong(k, m->addr + o_ks, &ks, &err) || !ks ||
	    read_ulong(k, ks + o_sym, &symtab, &err) ||
	    read_ulong(k, ks + o_str, &strtab, &err))
		return false;
	{
		uint8_t b[4];
		if (kmd_read_virt(k, ks + o_num, b, 4, &err))
			return false;
		num = get_le32(b);
	}
	if (num == 0 || num > (1u << 20) || !(tab = malloc(num * esz)))
		return false;
	if (kmd_read_virt(k, symtab, tab, num * esz, &err)) {
		free(tab);
		return false;
	}
	for (uint64_t i = 1; i < num; i++) {
		const uint8_t *e = tab + i * esz;
		uint64_t value = esz == 24 ? get_le64(e + 8) : get_le32(e + 4);
		uint16_t shndx = esz == 24 ? get_le16(e + 6) : get_le16(e + 14);
		uint32_t nm = get_le32(e);
		if (shndx == 0 || value == 0)
			continue; /* undefined */
		if (value <= va && (!found || value > best_val)) {
			best_val = value;
			best_name = nm;
			found = true;
		} else if (value > va && value < next_val) {
			next_val = value;
		}
	}
	free(tab);
	if (!found || read_cstring(k, strtab + best_name, name, sizeof(name)))
		return false;
	if (next_val == ~0ull) /* the last symbol: to the end of the range */
		for (unsigned r = 0; r < m->nranges; r++)
			if (va >= m->range[r].start && va < m->range[r].end)
				next_val = m->range[r].end;
	snprintf(buf, size, "%s+0x%llx/0x%llx [%s]", name,
		 (unsigned long long)(va - best_val),
		 (unsigned long long)(next_val - best_val), m->name);
	return true;
}

bool kmd_symbolize(kmd_t *k, uint64_t va, char *buf, size_t size)
{
	const char *name;
	uint64_t off, sz;

	if (k->syms && syms_symbolize(k->syms, va - k->info.kaslr_offset,
				      &name, &off, &sz)) {
		snprintf(buf, size, "%s+0x%llx/0x%llx", name,
			 (unsigned long long)off, (unsigned long long)sz);
		return true;
	}
	return k->arch && module_symbolize(k, va, buf, size);
}

static kmd_status read_ulong(kmd_t *k, uint64_t va, uint64_t *v,
			     struct kmd_err *err)
{
	uint8_t b[8];

	if (kmd_read_virt(k, va, b, k->word_size, err))
		return err->status;
	*v = k->word_size == 8 ? get_le64(b) : get_le32(b);
	return KMD_OK;
}

static kmd_status read_u32(kmd_t *k, uint64_t va, uint64_t *v,
			   struct kmd_err *err)
{
	uint8_t b[4];

	if (kmd_read_virt(k, va, b, 4, err))
		return err->status;
	*v = get_le32(b);
	return KMD_OK;
}

/* OFFSET(type.member) or SIZE(type): VMCOREINFO first, then DWARF. */
static kmd_status layout(kmd_t *k, const char *key, const char *hint,
			 uint64_t *v, struct kmd_err *err)
{
	int64_t x;

	if (vmci_num(&k->vmci, key, &x) ||
	    syms_constant(k->syms, key, hint, &x, err) == KMD_OK) {
		*v = (uint64_t)x;
		return KMD_OK;
	}
	return kmd_err_wrap(err, "%s", key);
}

static void flag_names(struct kmd_vmarea *a, bool vpages)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} f[] = { { 0x1, "ioremap" }, { 0x2, "vmalloc" }, { 0x4, "vmap" },
		  { 0x8, "user" }, { 0x10, "dma-coherent" } };
	size_t n = 0;

	a->flag_names[0] = '\0';
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (a->flags & f[i].bit)
			n += (size_t)snprintf(a->flag_names + n,
					      n < sizeof(a->flag_names) ? sizeof(a->flag_names) - n : 0,
					      "%s%s", n ? " " : "", f[i].name);
	if (vpages)
		snprintf(a->flag_names + n,
			 n < sizeof(a->flag_names) ? sizeof(a->flag_names) - n : 0,
			 "%svpages", n ? " " : "");
}

static bool in_region(const kmd_t *k, const char *name, uint64_t va)
{
	for (size_t i = 0; i < kmd_region_count(k); i++) {
		const struct kmd_region *r = kmd_region(k, i);
		if (strcmp(r->name, name) == 0 && va >= r->start && va < r->end)
			return true;
	}
	return false;
}

/* Member offsets of struct vmap_area and struct vm_struct. */
struct vm_layout {
	uint64_t start, end, list, vm;
	uint64_t addr, size, flags, pages, nr, phys, caller;
};

/* The areas collected so far. */
struct vm_acc {
	struct kmd_vmarea *a;
	size_t n, cap;
};

static kmd_status vm_layout(kmd_t *k, struct vm_layout *o, struct kmd_err *err)
{
	const char *hint = "alloc_vmap_area";
	kmd_status st;

	if ((st = layout(k, "OFFSET(vmap_area.va_start)", hint, &o->start, err)) ||
	    (st = layout(k, "OFFSET(vmap_area.va_end)", hint, &o->end, err)) ||
	    (st = layout(k, "OFFSET(vmap_area.list)", hint, &o->list, err)) ||
	    (st = layout(k, "OFFSET(vmap_area.vm)", hint, &o->vm, err)) ||
	    (st = layout(k, "OFFSET(vm_struct.addr)", hint, &o->addr, err)) ||
	    (st = layout(k, "OFFSET(vm_struct.size)", hint, &o->size, err)) ||
	    (st = layout(k, "OFFSET(vm_struct.flags)", hint, &o->flags, err)) ||
	    (st = layout(k, "OFFSET(vm_struct.pages)", hint, &o->pages, err)) ||
	    (st = layout(k, "OFFSET(vm_struct.nr_pages)", hint, &o->nr, err)) ||
	    (st = layout(k, "OFFSET(vm_struct.phys_addr)", hint, &o->phys, err)) ||
	    (st = layout(k, "OFFSET(vm_struct.caller)", hint, &o->caller, err)))
		return st;
	return KMD_OK;
}

/* One struct vmap_area at VA, and its vm_struct. */
static kmd_status read_area(kmd_t *k, const struct vm_layout *o, uint64_t va,
			    struct kmd_vmarea *e, struct kmd_err *err)
{
	uint64_t vm, addr, size, pages = 0;
	kmd_status st;

	memset(e, 0, sizeof(*e));
	e->vmap_area = va;
	if ((st = read_ulong(k, va + o->start, &e->start, err)) ||
	    (st = read_ulong(k, va + o->end, &e->end, err)) ||
	    (st = read_ulong(k, va + o->vm, &vm, err)))
		return st;
	e->vm_struct = vm;
	if (!vm) {
		e->vm_map_ram = true;
		snprintf(e->flag_names, sizeof(e->flag_names), "vm_map_ram");
	} else {
		if ((st = read_ulong(k, vm + o->addr, &addr, err)) ||
		    (st = read_ulong(k, vm + o->size, &size, err)) ||
		    (st = read_ulong(k, vm + o->flags, &e->flags, err)) ||
		    (st = read_ulong(k, vm + o->pages, &pages, err)) ||
		    (st = read_u32(k, vm + o->nr, &e->nr_pages, err)) ||
		    (st = read_ulong(k, vm + o->caller, &e->caller, err)))
			return st;
		/* phys_addr_t: 8 bytes on x86_64 and i386 PAE. */
		if (k->word_size == 8 || k->pg.entry_size == 8) {
			uint8_t b[8];
			if ((st = kmd_read_virt(k, vm + o->phys, b, 8, err)))
				return st;
			e->phys_addr = get_le64(b);
		} else if ((st = read_ulong(k, vm + o->phys, &e->phys_addr, err))) {
			return st;
		}
		e->start = addr;
		e->end = addr + size;
		if (e->caller)
			kmd_symbolize(k, e->caller, e->caller_sym,
				      sizeof(e->caller_sym));
		flag_names(e, pages && in_region(k, "vmalloc", pages));
	}
	return walk_stats(k, e->start, e->end, &e->mapped_bytes,
			  &e->present_bytes, err);
}

/* The areas on the list at HEAD (linked by vmap_area.list), appended. */
static kmd_status collect_list(kmd_t *k, const struct vm_layout *o,
			       uint64_t head, const char *what,
			       struct vm_acc *acc, struct kmd_err *err)
{
	struct loop_check lc = { 0 };
	size_t first = acc->n;
	uint64_t pos;
	kmd_status st;

	if ((st = read_ulong(k, head, &pos, err)))
		return kmd_err_wrap(err, "%s: reading %s", k->dump->path, what);
	while (pos != head) {
		if (loops(&lc, pos))
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "%s: %s loops back to 0x%llx (found after %zu entries)",
					   k->dump->path, what,
					   (unsigned long long)pos, acc->n - first);
		if (acc->n >= MAX_OBJECTS)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "%s: more than %u vmap areas (a loop?)",
					   what, MAX_OBJECTS);
		if (acc->n == acc->cap) {
			size_t cap = acc->cap ? acc->cap * 2 : 256;
			struct kmd_vmarea *na = realloc(acc->a, cap * sizeof(*na));
			if (!na)
				return kmd_err_nomem(err);
			acc->a = na;
			acc->cap = cap;
		}
		if ((st = read_area(k, o, pos - o->list, &acc->a[acc->n], err)))
			return kmd_err_wrap(err, "%s: %s entry %zu (vmap_area 0x%llx)",
					    k->dump->path, what, acc->n - first,
					    (unsigned long long)(pos - o->list));
		acc->n++;
		if ((st = read_ulong(k, pos, &pos, err)))
			return kmd_err_wrap(err, "%s: %s entry %zu", k->dump->path,
					    what, acc->n - first);
	}
	return KMD_OK;
}

static int by_start(const void *a, const void *b)
{
	const struct kmd_vmarea *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->vmap_area < y->vmap_area ? -1 : x->vmap_area > y->vmap_area;
}

/* v6.9+ (d093602919ad): each of nr_vmap_nodes struct vmap_node in the
 * array at *vmap_nodes keeps its busy areas on busy.head (struct rb_list),
 * address-sorted within the node; areas are spread over the nodes by
 * address, so the listing is the merge of all of them. */
#define MAX_VMAP_NODES 4096 /* the kernel caps it at 128 (v6.9) */

static kmd_status collect_nodes(kmd_t *k, const struct vm_layout *o,
				uint64_t nodes_sym, struct vm_acc *acc,
				struct kmd_err *err)
{
	const char *hint = "alloc_vmap_area";
	uint64_t nodes, nr, sz, o_busy, o_head;
	kmd_status st;
	char what[64];

	if ((st = layout(k, "SIZE(vmap_node)", hint, &sz, err)) ||
	    (st = layout(k, "OFFSET(vmap_node.busy)", hint, &o_busy, err)) ||
	    (st = layout(k, "OFFSET(rb_list.head)", hint, &o_head, err)))
		return kmd_err_wrap(err, "%s: vmalloc areas (vmap_nodes)",
				    k->dump->path);
	if (!kmd_symbol(k, "nr_vmap_nodes", &nr))
		return kmd_err_set(err, KMD_ERR_NOTFOUND,
				   "vmap_nodes without nr_vmap_nodes");
	if ((st = read_ulong(k, nodes_sym, &nodes, err)) ||
	    (st = read_u32(k, nr, &nr, err)))
		return kmd_err_wrap(err, "%s: reading vmap_nodes", k->dump->path);
	if (nr == 0 || nr > MAX_VMAP_NODES || sz == 0 || sz > (1u << 20))
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "%s: nr_vmap_nodes is %llu (node size %llu): not a plausible value",
				   k->dump->path, (unsigned long long)nr,
				   (unsigned long long)sz);
	for (uint64_t i = 0; i < nr; i++) {
		snprintf(what, sizeof(what), "vmap_nodes[%llu].busy",
			 (unsigned long long)i);
		if ((st = collect_list(k, o, nodes + i * sz + o_busy + o_head,
				       what, acc, err)))
			return st;
	}
	if (acc->n > 1)
		qsort(acc->a, acc->n, sizeof(*acc->a), by_start);
	return KMD_OK;
}

kmd_status kmd_vmalloc_areas(kmd_t *k, struct kmd_vmarea **out, size_t *n,
			     struct kmd_err *err)
{
	struct vm_layout o;
	struct vm_acc acc = { 0 };
	uint64_t head;
	kmd_status st;

	*out = NULL;
	*n = 0;
	if (!k->arch)
		return kmd_err_set(err, KMD_ERR_ARG, "needs the vmlinux");
	if (vmci_hex(&k->vmci, "SYMBOL(vmap_area_list)", &head) ||
	    kmd_symbol(k, "vmap_area_list", &head)) {
		if ((st = vm_layout(k, &o, err)))
			return kmd_err_wrap(err, "%s: vmalloc areas", k->dump->path);
		st = collect_list(k, &o, head, "vmap_area_list", &acc, err);
	} else if (kmd_symbol(k, "vmap_nodes", &head)) {
		if ((st = vm_layout(k, &o, err)))
			return kmd_err_wrap(err, "%s: vmalloc areas", k->dump->path);
		st = collect_nodes(k, &o, head, &acc, err);
	} else {
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED,
				   "neither vmap_area_list (before v6.9) nor vmap_nodes (v6.9+) in the symbols");
	}
	if (st) {
		free(acc.a);
		return st;
	}
	*out = acc.a;
	*n = acc.n;
	return KMD_OK;
}

kmd_status kmd_modules(kmd_t *k, struct kmd_module **out, size_t *n,
		       struct kmd_err *err)
{
	const char *hint = "load_module";
	uint64_t head, o_list, o_name, pos;
	struct kmd_module *m = NULL;
	size_t cap = 0, cnt = 0;
	struct kmd_err e2;
	kmd_status st;
	bool mem_array;
	uint64_t o_mem = 0, sz_mem = 0, o_mbase = 0, o_msize = 0;
	uint64_t o_core = 0, o_init = 0, o_base = 0, o_size = 0, o_text = 0,
		 o_ro = 0, o_roai = 0;

	*out = NULL;
	*n = 0;
	if (!k->arch)
		return kmd_err_set(err, KMD_ERR_ARG, "needs the vmlinux");
	if (!kmd_symbol(k, "modules", &head))
		return kmd_err_set(err, KMD_ERR_NOTFOUND, "no symbol modules");
	if ((st = layout(k, "OFFSET(module.list)", hint, &o_list, err)) ||
	    (st = layout(k, "OFFSET(module.name)", hint, &o_name, err)))
		return kmd_err_wrap(err, "modules");
	/* v6.4+: mem[]; before: core_layout and init_layout. */
	mem_array = layout(k, "OFFSET(module.mem)", hint, &o_mem, &e2) == KMD_OK;
	if (mem_array) {
		if ((st = layout(k, "SIZE(module_memory)", hint, &sz_mem, err)) ||
		    (st = layout(k, "OFFSET(module_memory.base)", hint, &o_mbase, err)) ||
		    (st = layout(k, "OFFSET(module_memory.size)", hint, &o_msize, err)))
			return kmd_err_wrap(err, "modules");
	} else if ((st = layout(k, "OFFSET(module.core_layout)", hint, &o_core, err)) ||
		   (st = layout(k, "OFFSET(module.init_layout)", hint, &o_init, err)) ||
		   (st = layout(k, "OFFSET(module_layout.base)", hint, &o_base, err)) ||
		   (st = layout(k, "OFFSET(module_layout.size)", hint, &o_size, err)) ||
		   (st = layout(k, "OFFSET(module_layout.text_size)", hint, &o_text, err)) ||
		   (st = layout(k, "OFFSET(module_layout.ro_size)", hint, &o_ro, err)) ||
		   (st = layout(k, "OFFSET(module_layout.ro_after_init_size)", hint, &o_roai, err))) {
		return kmd_err_wrap(err, "modules");
	}

	if ((st = read_ulong(k, head, &pos, err)))
		return kmd_err_wrap(err, "reading modules");
	struct loop_check lc = { 0 };
	while (pos != head) {
		uint64_t mod = pos - o_list;
		struct kmd_module *e;
		char name[64];

		if (loops(&lc, pos)) {
			free(m);
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "%s: modules list loops back to 0x%llx (found after %zu entries)",
					   k->dump->path, (unsigned long long)pos, cnt);
		}
		if (cnt >= 65536) {
			free(m);
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "modules list: more than 65536 entries (a loop?)");
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			struct kmd_module *nm = realloc(m, cap * sizeof(*m));
			if (!nm) {
				free(m);
				return kmd_err_nomem(err);
			}
			m = nm;
		}
		e = &m[cnt];
		memset(e, 0, sizeof(*e));
		e->addr = mod;
		if ((st = kmd_read_virt(k, mod + o_name, name, sizeof(name), err)))
			goto fail;
		name[sizeof(name) - 1] = '\0';
		snprintf(e->name, sizeof(e->name), "%s", name);
		if (mem_array) {
			/* enum mod_mem_type (v6.4): TEXT, DATA, RODATA,
			 * RO_AFTER_INIT, INIT_TEXT, INIT_DATA, INIT_RODATA. */
			static const char *const kinds[7] = {
				"text", "data", "rodata", "ro_after_init",
				"init_text", "init_data", "init_rodata"
			};
			for (unsigned t = 0; t < 7; t++) {
				uint64_t base = 0, size = 0, at = mod + o_mem + t * sz_mem;
				if ((st = read_ulong(k, at + o_mbase, &base, err)) ||
				    (st = read_u32(k, at + o_msize, &size, err)))
					goto fail;
				if (!base || !size)
					continue;
				e->range[e->nranges++] = (struct kmd_module_range){
					kinds[t], base, base + size };
			}
		} else {
			uint64_t base = 0, size = 0, text = 0, ro = 0, roai = 0, ibase = 0, isize = 0;
			uint64_t c = mod + o_core, i = mod + o_init;
			if ((st = read_ulong(k, c + o_base, &base, err)) ||
			    (st = read_u32(k, c + o_size, &size, err)) ||
			    (st = read_u32(k, c + o_text, &text, err)) ||
			    (st = read_u32(k, c + o_ro, &ro, err)) ||
			    (st = read_u32(k, c + o_roai, &roai, err)) ||
			    (st = read_ulong(k, i + o_base, &ibase, err)) ||
			    (st = read_u32(k, i + o_size, &isize, err)))
				goto fail;
			/* core_layout: text | rodata | ro_after_init | data,
			 * each boundary a cumulative size. */
			if (text <= ro && ro <= roai && roai <= size) {
				if (text)
					e->range[e->nranges++] = (struct kmd_module_range){ "text", base, base + text };
				if (ro > text)
					e->range[e->nranges++] = (struct kmd_module_range){ "rodata", base + text, base + ro };
				if (roai > ro)
					e->range[e->nranges++] = (struct kmd_module_range){ "ro_after_init", base + ro, base + roai };
				if (size > roai)
					e->range[e->nranges++] = (struct kmd_module_range){ "data", base + roai, base + size };
			} else if (size) {
				e->range[e->nranges++] = (struct kmd_module_range){ "core", base, base + size };
			}
			if (ibase && isize)
				e->range[e->nranges++] = (struct kmd_module_range){ "init", ibase, ibase + isize };
		}
		for (unsigned r = 0; r < e->nranges; r++) {
			uint64_t mp, pr;
			e->size += e->range[r].end - e->range[r].start;
			if ((st = walk_stats(k, e->range[r].start, e->range[r].end,
					     &mp, &pr, err)))
				goto fail;
			e->mapped_bytes += mp;
			e->present_bytes += pr;
		}
		cnt++;
		if ((st = read_ulong(k, mod + o_list, &pos, err)))
			goto fail;
	}
	*out = m;
	*n = cnt;
	return KMD_OK;
fail:
	free(m);
	return kmd_err_wrap(err, "%s: module at entry %zu", k->dump->path, cnt);
}
