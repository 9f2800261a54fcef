/* i386.c - 32-bit x86: 2-level (4 KiB and 4 MiB PSE pages) and 3-level
 * PAE (4 KiB and 2 MiB pages, NX) paging, and the classic layout:
 *
 *   PAGE_OFFSET .. high_memory     lowmem, mapped 1:1 (__pa(x) = x - PAGE_OFFSET)
 *   VMALLOC_START .. VMALLOC_END   vmalloc/ioremap
 *   PKMAP_BASE .. +LAST_PKMAP pages  persistent kmaps (CONFIG_HIGHMEM)
 *   ... LDT remap, cpu_entry_area ...
 *   FIXADDR_START .. FIXADDR_TOP   fixmap, including per-CPU atomic kmaps
 *
 * Constants from arch/x86/include/asm/pgtable_32_areas.h and
 * pgtable_32_types.h (v6.1).  The kernel's own values are used wherever it
 * keeps them: PAGE_OFFSET from the vmlinux program headers (VMSPLIT
 * kernels differ), high_memory and __FIXADDR_TOP from memory, the fixmap
 * size from DWARF, PKMAP_BASE from where pkmap_page_table is hooked into
 * swapper_pg_dir. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "kmd-int.h"
#include "x86.h"

#define EM_386 3

#define _PAGE_PRESENT (1ull << 0)
#define _PAGE_PSE (1ull << 7)
/* VMALLOC_OFFSET: the guard gap between lowmem and vmalloc. */
#define VMALLOC_OFFSET (8u << 20)

struct i386 {
	bool pae;
	uint64_t page_offset;
	uint64_t high_memory;
	uint64_t fixaddr_top;
	uint64_t pkmap_base;  /* 0 if the kernel has no highmem */
	unsigned last_pkmap;
};

static bool i386_match(const struct kmd *k)
{
	const char *arch = vmci_get(&k->syms->consts, "ARCH");

	if (k->syms->machine)
		return k->syms->machine == EM_386;
	if (arch)
		return strcmp(arch, "i386") == 0;
	if (k->syms->wide) /* 64-bit addresses */
		return false;
	/* Symbol file without ARCH=: trust the dump's machine.  (QEMU
	 * writes i386 guests as ELF64 with e_machine EM_386.) */
	return k->dump->machine == EM_386;
}

static void i386_decode(const struct kmd *k, unsigned level, uint64_t e,
			struct pte_info *out)
{
	const struct i386 *a = k->arch_priv;
	unsigned shift = k->pg.shift[level];

	out->present = (e & _PAGE_PRESENT) != 0;
	if (a->pae) {
		/* PDPT entries (shift 30) cannot map pages; PSE in a PMD
		 * entry maps 2 MiB, where bit 12 is PAT. */
		uint64_t mask = 0x000ffffffffff000ull;
		out->leaf = shift == 12 || (shift == 21 && (e & _PAGE_PSE));
		if (out->leaf && shift == 21)
			mask &= ~((1ull << 21) - 1);
		out->pa = e & mask;
		return;
	}
	e &= 0xffffffffull;
	out->leaf = shift == 12 || (e & _PAGE_PSE);
	if (shift == 22 && out->leaf)
		/* 4 MiB page: bits 31..22, and PSE-36 bits 20..13 give
		 * physical bits 39..32. */
		out->pa = (e & 0xffc00000ull) | ((e >> 13) & 0xff) << 32;
	else
		out->pa = e & 0xfffff000ull;
}

static void i386_flags(const struct kmd *k, unsigned level, uint64_t e,
		       char *buf, size_t size)
{
	const struct i386 *a = k->arch_priv;
	static const struct {
		unsigned bit;
		const char *name;
	} bits[] = {
		{ 0, "PRESENT" }, { 1, "RW" },	   { 2, "USER" }, { 3, "PWT" },
		{ 4, "PCD" },	  { 5, "ACCESSED" }, { 6, "DIRTY" }, { 7, "PSE" },
		{ 8, "GLOBAL" },  { 63, "NX" },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(e >> bits[i].bit & 1))
			continue;
		if (bits[i].bit == 7 && k->pg.shift[level] == 12)
			continue; /* PAT in a PTE */
		if (bits[i].bit == 63 && !a->pae)
			continue;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
				      n ? " " : "", bits[i].name);
	}
	if (!(e & _PAGE_PRESENT) && n == 0)
		snprintf(buf, size, "(not present)");
}

static void i386_attrs(const struct kmd *k, unsigned level, uint64_t e,
		       struct kmd_run *out)
{
	const struct i386 *a = k->arch_priv;
	x86_leaf_attrs(a->pae ? e : e & 0xffffffffull, k->pg.shift[level] > 12,
		       a->pae, out);
}

static bool i386_canonical(const struct kmd *k, uint64_t va)
{
	(void)k;
	return va <= 0xffffffffull;
}

static kmd_status lowmem_read32(struct kmd *k, const char *name,
				uint64_t *out, struct kmd_err *err)
{
	struct i386 *a = k->arch_priv;
	uint64_t va;
	uint8_t b[4];

	if (!kmd_symbol(k, name, &va))
		return kmd_err_set(err, KMD_ERR_NOTFOUND, "no symbol %s", name);
	if (va < a->page_offset ||
	    dump_read(k->dump, va - a->page_offset, b, 4, err))
		return kmd_err_wrap(err, "reading %s at 0x%llx", name,
				    (unsigned long long)va);
	*out = get_le32(b);
	return KMD_OK;
}

/* PKMAP_BASE: the address whose page-directory entry points at
 * pkmap_page_table (set up by permanent_kmaps_init). */
static void find_pkmap(struct kmd *k, struct i386 *a)
{
	uint64_t ptr, table_pa;
	struct kmd_err err;

	if (lowmem_read32(k, "pkmap_page_table", &ptr, &err) || !ptr ||
	    ptr < a->page_offset)
		return;
	table_pa = ptr - a->page_offset;
	a->last_pkmap = a->pae ? 512 : 1024;
	/* Scan the PMD-level entries that cover the top of the space. */
	for (uint64_t va = a->high_memory & ~((1ull << k->pg.shift[k->pg.levels - 2]) - 1);
	     va < 0x100000000ull; va += 1ull << k->pg.shift[k->pg.levels - 2]) {
		struct kmd_xlat x;
		if (walk_va(k, va, &x, &err) != KMD_OK)
			return;
		if (x.nsteps >= k->pg.levels - 1) {
			const struct kmd_walk_step *s = &x.steps[k->pg.levels - 2];
			struct pte_info pi;
			i386_decode(k, k->pg.levels - 2, s->entry, &pi);
			if (pi.present && !pi.leaf && pi.pa == table_pa) {
				a->pkmap_base = va;
				return;
			}
		}
	}
}

static void i386_finish_regions(struct kmd *k)
{
	struct i386 *a = k->arch_priv;
	struct kmd_err err = { KMD_OK, "value out of range" };
	int64_t v;

	for (size_t i = 0; i < k->nregions; i++) {
		struct kmd_region *r = &k->regions[i];
		if (strcmp(r->name, "fixmap") != 0)
			continue;
		if (syms_constant(k->syms, "ENUM(__end_of_permanent_fixed_addresses)",
				  "native_set_fixmap", &v, &err) == KMD_OK &&
		    v > 0 && (uint64_t)v < (256u << 20) >> 12)
			r->start = a->fixaddr_top - ((uint64_t)v << 12);
		else
			kmd_warn(k, "fixmap size unknown (%s)", err.msg);
		/* The region below the fixmap (vmalloc without highmem,
		 * else cpu-entry-area) was left open up to __FIXADDR_TOP. */
		for (size_t j = 0; j < k->nregions; j++) {
			struct kmd_region *q = &k->regions[j];
			if ((strcmp(q->name, "cpu-entry-area") == 0 ||
			     (!a->pkmap_base && strcmp(q->name, "vmalloc") == 0)) &&
			    q->end > r->start)
				q->end = r->start > q->start ? r->start : q->start;
		}
	}
}

static kmd_status i386_init(struct kmd *k, struct kmd_err *err)
{
	struct i386 *a = k->arch_priv;
	const char *pae = vmci_get(&k->vmci, "CONFIG_X86_PAE");
	uint64_t pgd_va, v, text, etext, edata, ib, ie, hs, he;
	int64_t n;
	kmd_status st;

	/* CONFIG_X86_PAE is in VMCOREINFO (crash_core_32.c) when set. */
	a->pae = pae && strcmp(pae, "y") == 0;
	if (!pae && syms_constant(k->syms, "SIZE(pte_t)", "native_set_pte",
				  &n, &(struct kmd_err){ 0 }) == KMD_OK)
		a->pae = n == 8;

	if (k->syms->has_voffset && k->syms->machine == EM_386)
		a->page_offset = k->syms->voffset;
	else if (vmci_num(&k->syms->consts, "NUMBER(PAGE_OFFSET)", &n))
		a->page_offset = (uint64_t)n & 0xffffffffull;
	else {
		a->page_offset = 0xc0000000ull;
		kmd_warn(k, "PAGE_OFFSET unknown; assuming 0xc0000000");
	}
	if (a->page_offset == 0 || a->page_offset & 0xfffff)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "implausible PAGE_OFFSET 0x%llx",
				   (unsigned long long)a->page_offset);
	k->user_top = a->page_offset;
	k->info.phys_base = 0;

	if (!vmci_hex(&k->vmci, "SYMBOL(swapper_pg_dir)", &pgd_va) &&
	    !kmd_symbol(k, "swapper_pg_dir", &pgd_va))
		return kmd_err_set(err, KMD_ERR_NOTFOUND, "no swapper_pg_dir symbol");
	if (pgd_va < a->page_offset)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "swapper_pg_dir at 0x%llx is below PAGE_OFFSET",
				   (unsigned long long)pgd_va);
	k->pg.root = pgd_va - a->page_offset;
	k->info.pgd_pa = k->pg.root;
	if (a->pae) {
		static const char *const names[] = { "PGD", "PMD", "PTE" };
		k->pg.levels = 3;
		k->pg.entry_size = 8;
		for (unsigned i = 0; i < 3; i++) {
			k->pg.name[i] = names[i];
			k->pg.shift[i] = 30 - 9 * i;
			k->pg.bits[i] = i == 0 ? 2 : 9;
		}
		k->info.paging = "3-level (PAE)";
	} else {
		k->pg.levels = 2;
		k->pg.entry_size = 4;
		k->pg.name[0] = "PGD";
		k->pg.name[1] = "PTE";
		k->pg.shift[0] = 22;
		k->pg.shift[1] = 12;
		k->pg.bits[0] = k->pg.bits[1] = 10;
		k->info.paging = "2-level";
	}
	k->info.levels = k->pg.levels;
	{
		uint8_t probe[8];
		st = dump_read(k->dump, k->pg.root, probe, 8, err);
		if (st)
			return kmd_err_wrap(err, "reading swapper_pg_dir");
	}

	st = lowmem_read32(k, "high_memory", &a->high_memory, err);
	if (st)
		return st;
	if (a->high_memory <= a->page_offset)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "high_memory 0x%llx is not above PAGE_OFFSET 0x%llx (wrong vmlinux?)",
				   (unsigned long long)a->high_memory,
				   (unsigned long long)a->page_offset);
	k->info.lowmem_bytes = a->high_memory - a->page_offset;
	if (lowmem_read32(k, "__FIXADDR_TOP", &a->fixaddr_top, err)) {
		a->fixaddr_top = 0xfffff000ull; /* the default value */
	} else if (a->fixaddr_top < a->high_memory || a->fixaddr_top & 0xfff) {
		kmd_warn(k, "__FIXADDR_TOP reads 0x%llx; using 0xfffff000",
			 (unsigned long long)a->fixaddr_top);
		a->fixaddr_top = 0xfffff000ull;
	}
	kmd_err_clear(err);
	/* Highmem in use by the page allocator: _totalhigh_pages (v5.0+),
	 * totalhigh_pages before; else the zone span, holes included. */
	if (!lowmem_read32(k, "_totalhigh_pages", &hs, err) ||
	    !lowmem_read32(k, "totalhigh_pages", &hs, err))
		k->info.highmem_bytes = hs << 12;
	else if (!lowmem_read32(k, "highstart_pfn", &hs, err) &&
		 !lowmem_read32(k, "highend_pfn", &he, err) && he > hs)
		k->info.highmem_bytes = (he - hs) << 12;
	kmd_err_clear(err);
	find_pkmap(k, a);
	k->fixaddr_top = a->fixaddr_top;
	k->word_size = 4;
	k->pkmap_base = a->pkmap_base;
	k->last_pkmap = a->pkmap_base ? a->last_pkmap : 0;
	k->page_offset = a->page_offset;

#define ADD(f, n, s, e, d)                                                  \
	do {                                                                \
		if ((st = f(k, n, s, e, d, err)))                           \
			return st;                                          \
	} while (0)
	ADD(kmd_add_region, "lowmem", a->page_offset, a->high_memory,
	    "lowmem: physical memory mapped 1:1 at PAGE_OFFSET");
	v = a->high_memory + VMALLOC_OFFSET;
	if (a->pkmap_base) {
		/* VMALLOC_END = PKMAP_BASE - 2 * PAGE_SIZE with HIGHMEM. */
		ADD(kmd_add_region, "vmalloc", v, a->pkmap_base - 0x2000,
		    "vmalloc/ioremap space");
		ADD(kmd_add_region, "pkmap", a->pkmap_base,
		    a->pkmap_base + ((uint64_t)a->last_pkmap << 12),
		    "persistent kmaps (kmap)");
		ADD(kmd_add_region, "cpu-entry-area",
		    a->pkmap_base + ((uint64_t)a->last_pkmap << 12),
		    a->fixaddr_top, "LDT remap and cpu_entry_area");
	} else {
		/* No highmem: VMALLOC_END = LDT_BASE_ADDR - 2 * PAGE_SIZE,
		 * which depends on NR_CPUS; stop at the fixmap (its start is
		 * settled in finish_regions, and vmalloc's end with it). */
		ADD(kmd_add_region, "vmalloc", v, a->fixaddr_top,
		    "vmalloc/ioremap space (end approximate: no highmem)");
	}
	/* The fixmap's start needs DWARF: settled in finish_regions. */
	k->lazy_floor = a->pkmap_base ? a->pkmap_base : v;
	ADD(kmd_add_region, "fixmap", a->fixaddr_top, a->fixaddr_top + 0x1000,
	    "fixmap, including per-CPU atomic kmaps");
	/* The kernel image inside lowmem, as the kernel printed it at boot
	 * until v5.x: .text = _text.._etext, .data = _etext.._edata,
	 * .init = __init_begin..__init_end. */
	if (kmd_symbol(k, "_text", &text) && kmd_symbol(k, "_etext", &etext) &&
	    kmd_symbol(k, "_edata", &edata) && text < etext && etext < edata) {
		ADD(kmd_add_subregion, ".text", text, etext, "kernel code");
		ADD(kmd_add_subregion, ".data", etext, edata, "kernel data");
		if (kmd_symbol(k, "__init_begin", &ib) &&
		    kmd_symbol(k, "__init_end", &ie) && ib < ie)
			ADD(kmd_add_subregion, ".init", ib, ie, "kernel init sections");
	}
#undef ADD
	kmd_sort_regions(k);
	return KMD_OK;
}

const struct arch_ops arch_i386 = {
	.name = "i386",
	.em = 3, /* EM_386 */
	.priv_size = sizeof(struct i386),
	.match = i386_match,
	.init = i386_init,
	.decode = i386_decode,
	.flags = i386_flags,
	.canonical = i386_canonical,
	.attrs = i386_attrs,
	.finish_regions = i386_finish_regions,
};
