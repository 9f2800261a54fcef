/* x86_64.c - x86_64 paging and the kernel's address-space layout.
 *
 * Layout constants follow Documentation/x86/x86_64/mm.rst (v6.1) and
 * arch/x86/include/asm/pgtable_64_types.h; the randomized bases
 * (page_offset_base, vmalloc_base, vmemmap_base; CONFIG_RANDOMIZE_MEMORY,
 * v4.8) are read from the dump. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "kmd-int.h"
#include "x86.h"

#define EM_X86_64 62

/* __START_KERNEL_map: the kernel image mapping (all versions). */
#define START_KERNEL_MAP 0xffffffff80000000ull
/* MODULES_END: 0xffffffffff000000 since v4.13 (f5a40711fa58). */
#define MODULES_END 0xffffffffff000000ull
/* FIXADDR_TOP = round_up(VSYSCALL_ADDR + PAGE_SIZE, PMD_SIZE) - PAGE_SIZE
 * (v6.1 arch/x86/include/asm/fixmap.h); VSYSCALL_ADDR = -10 MiB. */
#define VSYSCALL_ADDR 0xffffffffff600000ull
#define FIXADDR_TOP 0xffffffffff7ff000ull
/* CPU_ENTRY_AREA_BASE = -4 << P4D_SHIFT (v4.15 PTI), 0.5 TiB. */
#define CPU_ENTRY_AREA_BASE 0xfffffe0000000000ull
/* ESPFIX_BASE_ADDR = -2 << P4D_SHIFT. */
#define ESPFIX_BASE 0xffffff0000000000ull
/* EFI runtime services: EFI_VA_END .. EFI_VA_START (-68 GiB .. -4 GiB). */
#define EFI_START 0xffffffef00000000ull
#define EFI_END 0xffffffff00000000ull
/* LDT_PGD_ENTRY = -240 since v4.20 (d52888aa2753). */
#define LDT_PGD_ENTRY (-240ll)

#define TiB (1ull << 40)
#define PiB (1ull << 50)

/* Page-table entry bits (arch/x86/include/asm/pgtable_types.h). */
#define _PAGE_PRESENT (1ull << 0)
#define _PAGE_PSE (1ull << 7)
#define PHYS_MASK_52 0x000ffffffffff000ull

struct x86_64 {
	uint64_t sme_mask;
	uint64_t phys_base;
	uint64_t page_offset;
	uint64_t vmalloc_start;
	uint64_t vmemmap_start;
};

static bool x86_64_match(const struct kmd *k)
{
	const char *arch;

	if (k->syms->machine == EM_X86_64)
		return true;
	if (k->syms->machine)
		return false;
	/* Symbol file: its ARCH= line, its 64-bit addresses, else trust
	 * the dump. */
	arch = vmci_get(&k->syms->consts, "ARCH");
	if (arch)
		return strcmp(arch, "x86_64") == 0;
	if (k->syms->wide)
		return true;
	return k->dump->machine == EM_X86_64 ||
	       (k->dump->machine == 0 && k->dump->word_size == 8);
}

static void x86_64_decode(const struct kmd *k, unsigned level, uint64_t e,
			  struct pte_info *out)
{
	const struct x86_64 *a = k->arch_priv;
	unsigned shift = k->pg.shift[level];
	uint64_t mask = PHYS_MASK_52 & ~a->sme_mask;

	out->present = (e & _PAGE_PRESENT) != 0;
	/* PSE means a 1 GiB page in a PUD entry and 2 MiB in a PMD entry; it
	 * is reserved above the PUD level.  In a large page, bit 12 is the
	 * PAT bit, not part of the address. */
	out->leaf = shift == 12 || ((shift == 21 || shift == 30) && (e & _PAGE_PSE));
	if (out->leaf && shift > 12)
		mask &= ~((1ull << shift) - 1);
	out->pa = e & mask;
}

static void x86_64_flags(const struct kmd *k, unsigned level, uint64_t e,
			 char *buf, size_t size)
{
	unsigned shift = k->pg.shift[level];
	bool large = shift > 12 && shift <= 30 && (e & _PAGE_PSE);
	static const struct {
		unsigned bit;
		const char *name;
	} bits[] = {
		{ 0, "PRESENT" }, { 1, "RW" },	     { 2, "USER" },
		{ 3, "PWT" },	  { 4, "PCD" },	     { 5, "ACCESSED" },
		{ 6, "DIRTY" },	  { 8, "GLOBAL" },   { 63, "NX" },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(e >> bits[i].bit & 1))
			continue;
		if ((bits[i].bit == 6 || bits[i].bit == 8) && shift > 30)
			continue; /* ignored bits in upper levels */
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
				      n ? " " : "", bits[i].name);
	}
	if (large)
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
				      "%sPSE%s", n ? " " : "",
				      (e >> 12 & 1) ? " PAT" : "");
	else if (shift == 12 && (e >> 7 & 1))
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
				      "%sPAT", n ? " " : "");
	if (!(e & _PAGE_PRESENT) && n == 0)
		snprintf(buf, size, "(not present)");
}

static void x86_64_attrs(const struct kmd *k, unsigned level, uint64_t e,
			 struct kmd_run *out)
{
	x86_leaf_attrs(e, k->pg.shift[level] > 12, true, out);
}

static bool x86_64_canonical(const struct kmd *k, uint64_t va)
{
	unsigned bits = k->pg.levels == 5 ? 57 : 48;
	int64_t s = (int64_t)(va << (64 - bits)) >> (64 - bits);
	return (uint64_t)s == va;
}

/* Physical address of a kernel-image virtual address, without page
 * tables: __phys_addr_symbol(x) = x - __START_KERNEL_map + phys_base. */
static kmd_status kimage_read(struct kmd *k, uint64_t va, void *buf,
			      size_t size, const char *what,
			      struct kmd_err *err)
{
	struct x86_64 *a = k->arch_priv;
	uint64_t pa = va - START_KERNEL_MAP + a->phys_base;

	if (dump_read(k->dump, pa, buf, size, err))
		return kmd_err_wrap(err, "reading %s at 0x%llx (physical 0x%llx)",
				    what, (unsigned long long)va,
				    (unsigned long long)pa);
	return KMD_OK;
}

/* Read a randomized base variable, or fall back to the fixed layout. */
static kmd_status read_base(struct kmd *k, const char *name, uint64_t def,
			    uint64_t align, uint64_t *out, struct kmd_err *err)
{
	uint64_t va;
	uint8_t buf[8];
	kmd_status st;

	if (!kmd_symbol(k, name, &va)) {
		*out = def;
		return KMD_OK;
	}
	st = kimage_read(k, va, buf, 8, name, err);
	if (st)
		return st;
	*out = get_le64(buf);
	if (!x86_64_canonical(k, *out) || !(*out >> 63) || (*out & (align - 1)))
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "%s reads 0x%llx, not a valid base address (wrong phys_base, or wrong vmlinux?)",
				   name, (unsigned long long)*out);
	return KMD_OK;
}

static kmd_status find_phys_base(struct kmd *k, struct x86_64 *a,
				 struct kmd_err *err)
{
	int64_t v;

	if (vmci_num(&k->vmci, "NUMBER(phys_base)", &v)) {
		a->phys_base = (uint64_t)v;
		return KMD_OK;
	}
	/* makedumpfile's sub-header records it too. */
	if (k->dump->has_phys_base) {
		a->phys_base = k->dump->phys_base;
		return KMD_OK;
	}
	/* kdump's /proc/vmcore maps the kernel image with its real virtual
	 * address in one PT_LOAD. */
	for (size_t i = 0; i < k->dump->nvmaps; i++) {
		const struct dump_vmap *m = &k->dump->vmaps[i];
		if (m->vaddr >= START_KERNEL_MAP &&
		    m->vaddr < START_KERNEL_MAP + (1ull << 30)) {
			a->phys_base = m->paddr - (m->vaddr - START_KERNEL_MAP);
			return KMD_OK;
		}
	}
	return kmd_err_set(err, KMD_ERR_NOTFOUND,
			   "cannot find phys_base: VMCOREINFO has no NUMBER(phys_base) and no PT_LOAD maps the kernel image");
}

static kmd_status find_levels(struct kmd *k, struct kmd_err *err)
{
	int64_t v;
	uint64_t va;
	uint8_t buf[4];

	if (vmci_num(&k->vmci, "NUMBER(pgtable_l5_enabled)", &v)) {
		k->info.levels = v ? 5 : 4;
		return KMD_OK;
	}
	/* Older VMCOREINFO: the kernel's own flag (v4.17+). */
	if (kmd_symbol(k, "__pgtable_l5_enabled", &va)) {
		kmd_status st = kimage_read(k, va, buf, 4,
					    "__pgtable_l5_enabled", err);
		if (st)
			return st;
		k->info.levels = get_le32(buf) ? 5 : 4;
		return KMD_OK;
	}
	k->info.levels = 4;
	return KMD_OK;
}

static kmd_status add_regions(struct kmd *k, struct x86_64 *a,
			      struct kmd_err *err)
{
	bool l5 = k->info.levels == 5;
	unsigned pgdir_shift = l5 ? 48 : 39;
	uint64_t ldt = (uint64_t)LDT_PGD_ENTRY << pgdir_shift;
	uint64_t dm_size = l5 ? 32 * PiB : 64 * TiB;
	uint64_t vm_size = l5 ? 12800 * TiB : 32 * TiB;
	uint64_t vmemmap_size = l5 ? PiB / 2 : TiB;
	uint64_t end, image_size;
	int64_t v;
	kmd_status st;

#define ADD(n, s, e, d)                                                    \
	do {                                                               \
		if ((st = kmd_add_region(k, n, s, e, d, err)))             \
			return st;                                         \
	} while (0)

	ADD("guard-hole", l5 ? 0xff00000000000000ull : 0xffff800000000000ull,
	    l5 ? 0xff10000000000000ull : 0xffff880000000000ull,
	    "guard hole, reserved for hypervisors");
	ADD("ldt-remap", ldt, ldt + (1ull << pgdir_shift), "LDT remap for PTI");
	end = a->page_offset + dm_size;
	if (a->vmalloc_start > a->page_offset && end > a->vmalloc_start)
		end = a->vmalloc_start;
	ADD("direct-map", a->page_offset, end,
	    "direct mapping of all physical memory (page_offset_base)");
	end = a->vmalloc_start + vm_size;
	if (a->vmemmap_start > a->vmalloc_start && end > a->vmemmap_start)
		end = a->vmemmap_start;
	ADD("vmalloc", a->vmalloc_start, end, "vmalloc/ioremap space (vmalloc_base)");
	end = a->vmemmap_start + vmemmap_size;
	if (end > CPU_ENTRY_AREA_BASE)
		end = CPU_ENTRY_AREA_BASE;
	ADD("vmemmap", a->vmemmap_start, end, "virtual memory map, struct page array (vmemmap_base)");
	ADD("cpu-entry-area", CPU_ENTRY_AREA_BASE, CPU_ENTRY_AREA_BASE + TiB / 2,
	    "cpu_entry_area mapping");
	ADD("espfix", ESPFIX_BASE, ESPFIX_BASE + TiB / 2, "%esp fixup stacks");
	ADD("efi", EFI_START, EFI_END, "EFI region mapping space");

	/* KERNEL_IMAGE_SIZE: 512 MiB, or 1 GiB with CONFIG_RANDOMIZE_BASE
	 * (v4.7); VMCOREINFO has it since v4.19. */
	if (vmci_num(&k->vmci, "NUMBER(KERNEL_IMAGE_SIZE)", &v) && v > 0 &&
	    (uint64_t)v <= (1ull << 30))
		image_size = (uint64_t)v;
	else if (kmd_symbol(k, "kernel_randomize_memory", &(uint64_t){ 0 }) ||
		 k->info.kaslr_offset)
		image_size = 1ull << 30;
	else
		image_size = 512ull << 20;
	ADD("kernel-text", START_KERNEL_MAP, START_KERNEL_MAP + image_size,
	    "kernel text mapping, mapped to physical address phys_base");
	ADD("modules", START_KERNEL_MAP + image_size, MODULES_END,
	    "module mapping space");

	/* The fixmap's start needs DWARF: see x86_64_finish_regions. */
	k->lazy_floor = MODULES_END;
	ADD("fixmap", MODULES_END, FIXADDR_TOP + 4096,
	    "fixmap, including the vsyscall page");
#undef ADD
	return KMD_OK;
}

/* FIXADDR_START = FIXADDR_TOP - (__end_of_permanent_fixed_addresses <<
 * PAGE_SHIFT), an enum value only DWARF (or a symbol file) knows. */
static void x86_64_finish_regions(struct kmd *k)
{
	struct kmd_region *fix = &k->regions[k->nregions - 1];
	struct kmd_err err = { KMD_OK, "value out of range" };
	int64_t v;

	if (syms_constant(k->syms, "ENUM(__end_of_permanent_fixed_addresses)",
			  "native_set_fixmap", &v, &err) == KMD_OK && v > 0 &&
	    (uint64_t)v < (FIXADDR_TOP - MODULES_END) >> 12)
		fix->start = FIXADDR_TOP - ((uint64_t)v << 12);
	else
		kmd_warn(k, "fixmap size unknown (%s); fixmap region starts at MODULES_END",
			 err.msg);
}

static kmd_status x86_64_init(struct kmd *k, struct kmd_err *err)
{
	struct x86_64 *a = k->arch_priv;
	uint64_t pgd_va;
	int64_t v;
	kmd_status st;
	bool l5;

	st = find_phys_base(k, a, err);
	if (st)
		return st;
	k->info.phys_base = a->phys_base;
	if (vmci_num(&k->vmci, "NUMBER(sme_mask)", &v))
		a->sme_mask = (uint64_t)v;

	st = find_levels(k, err);
	if (st)
		return st;
	l5 = k->info.levels == 5;
	k->info.paging = l5 ? "5-level (LA57)" : "4-level";
	k->user_top = l5 ? 1ull << 56 : 1ull << 47;

	/* init_top_pgt since v4.13 (65ade2f872b4); init_level4_pgt before. */
	if (!vmci_hex(&k->vmci, "SYMBOL(init_top_pgt)", &pgd_va) &&
	    !kmd_symbol(k, "init_top_pgt", &pgd_va) &&
	    !kmd_symbol(k, "init_level4_pgt", &pgd_va))
		return kmd_err_set(err, KMD_ERR_NOTFOUND,
				   "no init_top_pgt or init_level4_pgt symbol");
	if (pgd_va < START_KERNEL_MAP)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "init_top_pgt at 0x%llx is outside the kernel image",
				   (unsigned long long)pgd_va);
	k->pg.root = (pgd_va - START_KERNEL_MAP + a->phys_base) & PHYS_MASK_52;
	k->info.pgd_pa = k->pg.root;
	{
		uint8_t probe[8];
		st = kimage_read(k, pgd_va, probe, 8, "init_top_pgt", err);
		if (st)
			return st;
	}

	k->pg.levels = k->info.levels;
	k->pg.entry_size = 8;
	k->pg.sign_extend = true;
	for (unsigned i = 0; i < k->pg.levels; i++) {
		static const char *const n4[] = { "PGD", "PUD", "PMD", "PTE" };
		static const char *const n5[] = { "PGD", "P4D", "PUD", "PMD", "PTE" };
		k->pg.name[i] = l5 ? n5[i] : n4[i];
		k->pg.shift[i] = 12 + 9 * (k->pg.levels - 1 - i);
		k->pg.bits[i] = 9;
	}

	/* Randomized bases (CONFIG_RANDOMIZE_MEMORY); fixed values from
	 * mm.rst when the symbols do not exist. */
	st = read_base(k, "page_offset_base",
		       l5 ? 0xff11000000000000ull : 0xffff888000000000ull,
		       1ull << 30, &a->page_offset, err);
	if (!st)
		st = read_base(k, "vmalloc_base",
			       l5 ? 0xffa0000000000000ull : 0xffffc90000000000ull,
			       1ull << 30, &a->vmalloc_start, err);
	if (!st)
		st = read_base(k, "vmemmap_base",
			       l5 ? 0xffd4000000000000ull : 0xffffea0000000000ull,
			       1ull << 30, &a->vmemmap_start, err);
	if (st)
		return st;
	k->fixaddr_top = FIXADDR_TOP;
	k->word_size = 8;
	k->vmemmap = a->vmemmap_start;
	k->page_offset = a->page_offset;
	return add_regions(k, a, err);
}

const struct arch_ops arch_x86_64 = {
	.name = "x86_64",
	.em = 62, /* EM_X86_64 */
	.priv_size = sizeof(struct x86_64),
	.match = x86_64_match,
	.init = x86_64_init,
	.decode = x86_64_decode,
	.flags = x86_64_flags,
	.canonical = x86_64_canonical,
	.attrs = x86_64_attrs,
	.finish_regions = x86_64_finish_regions,
};
