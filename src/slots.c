/* slots.c - fixmap and persistent-kmap slots, and struct page addresses.
 *
 * fix_to_virt(idx) = FIXADDR_TOP - (idx << PAGE_SHIFT) for the enumerators
 * of enum fixed_addresses (arch/x86/include/asm/fixmap.h); slots inside a
 * range (FIX_KMAP_BEGIN..FIX_KMAP_END, FIX_BTMAP_*) are named after the
 * range's first enumerator plus an offset.  Persistent kmaps
 * (mm/highmem.c): slot i is PKMAP_BASE + (i << PAGE_SHIFT), its use count
 * in pkmap_count[i] (0 free, 1 mapped without users, n > 1: n - 1 users). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kmd-int.h"

/* struct page address: vmemmap (x86_64), mem_map (FLATMEM), or the
 * static mem_section array (SPARSEMEM on i386, no SPARSEMEM_EXTREME). */
kmd_status kmd_pfn_to_page(kmd_t *k, uint64_t pfn, uint64_t *page,
			   struct kmd_err *err)
{
	int64_t page_size, bits, off, ms_size;
	uint64_t sym, ptr = 0;
	unsigned wsize = k->word_size;
	uint8_t b[8] = { 0 };

	if (!vmci_num(&k->vmci, "SIZE(page)", &page_size) &&
	    syms_constant(k->syms, "SIZE(page)", NULL, &page_size, err))
		return kmd_err_wrap(err, "size of struct page");
	if (k->vmemmap) {
		*page = k->vmemmap + pfn * (uint64_t)page_size;
		return KMD_OK;
	}
	if (vmci_hex(&k->vmci, "SYMBOL(mem_map)", &sym) ||
	    kmd_symbol(k, "mem_map", &sym)) {
		if (kmd_read_virt(k, sym, b, wsize, err))
			return kmd_err_wrap(err, "reading mem_map");
		ptr = wsize == 4 ? get_le32(b) : get_le64(b);
		*page = ptr + pfn * (uint64_t)page_size;
		return KMD_OK;
	}
	if ((vmci_hex(&k->vmci, "SYMBOL(mem_section)", &sym) ||
	     kmd_symbol(k, "mem_section", &sym)) &&
	    vmci_num(&k->vmci, "NUMBER(SECTION_SIZE_BITS)", &bits) &&
	    vmci_num(&k->vmci, "OFFSET(mem_section.section_mem_map)", &off) &&
	    vmci_num(&k->vmci, "SIZE(mem_section)", &ms_size)) {
		uint64_t nr = pfn >> (bits - 12);
		if (kmd_read_virt(k, sym + nr * (uint64_t)ms_size + (uint64_t)off,
				  b, wsize, err))
			return kmd_err_wrap(err, "reading mem_section[%llu]",
					    (unsigned long long)nr);
		ptr = wsize == 4 ? get_le32(b) : get_le64(b);
		/* Low bits are flags (SECTION_MARKED_PRESENT, ...; five in
		 * v6.1); the rest is mem_map - section_start_pfn. */
		ptr &= ~0x1full;
		if (!ptr)
			return kmd_err_set(err, KMD_ERR_NOTFOUND,
					   "PFN 0x%llx: section has no mem_map",
					   (unsigned long long)pfn);
		*page = (ptr + pfn * (uint64_t)page_size) &
			(wsize == 4 ? 0xffffffffull : ~0ull);
		return KMD_OK;
	}
	return kmd_err_set(err, KMD_ERR_NOTFOUND,
			   "cannot find struct page: no vmemmap, mem_map or mem_section");
}

static void fill_slot(kmd_t *k, struct kmd_slot *s, struct kmd_err *err)
{
	struct kmd_xlat x;

	s->fate = KMD_UNMAPPED;
	if (kmd_vtop(k, s->va, &x, err) != KMD_OK)
		return;
	s->fate = x.fate;
	if (x.page_size && (x.fate == KMD_MAPPED || x.fate == KMD_EXCLUDED ||
			    x.fate == KMD_NOT_IN_DUMP)) {
		s->pa = x.pa;
		s->pfn = x.pa >> 12;
		s->has_page = kmd_pfn_to_page(k, s->pfn, &s->page, err) == KMD_OK;
	}
	kmd_err_clear(err);
}

static bool is_marker(const char *name)
{
	return strncmp(name, "__end_of_", 9) == 0;
}

kmd_status kmd_fixmap_slots(kmd_t *k, struct kmd_slot **out, size_t *n,
			    struct kmd_err *err)
{
	struct syms_enum *e;
	size_t ne;
	int64_t end = -1;
	struct kmd_slot *slots;
	kmd_status st;

	*out = NULL;
	*n = 0;
	if (!k->arch || !k->fixaddr_top)
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED, "no fixmap for this kernel");
	st = syms_enum_list(k->syms, "__end_of_permanent_fixed_addresses",
			    "native_set_fixmap", &e, &ne, err);
	if (st)
		return kmd_err_wrap(err, "enum fixed_addresses");
	for (size_t i = 0; i < ne; i++)
		if (strcmp(e[i].name, "__end_of_fixed_addresses") == 0)
			end = e[i].value;
	if (end < 0)
		for (size_t i = 0; i < ne; i++)
			if (e[i].value > end)
				end = e[i].value; /* last marker */
	if (end <= 0 || end > 1 << 20) {
		free(e);
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "implausible fixmap size %lld", (long long)end);
	}
	slots = calloc((size_t)end, sizeof(*slots));
	if (!slots) {
		free(e);
		return kmd_err_nomem(err);
	}
	for (int64_t idx = 0; idx < end; idx++) {
		struct kmd_slot *s = &slots[idx];
		const struct syms_enum *best = NULL;
		/* The enumerator with the largest value <= idx; among equal
		 * values the first declared (a range's BEGIN before the
		 * END of a one-slot range). */
		for (size_t i = 0; i < ne; i++) {
			if (is_marker(e[i].name) || e[i].value > idx)
				continue;
			if (!best || e[i].value > best->value)
				best = &e[i];
		}
		s->index = (unsigned)idx;
		s->count = -1;
		if (best && best->value == idx)
			snprintf(s->name, sizeof(s->name), "%s", best->name);
		else if (best)
			snprintf(s->name, sizeof(s->name), "%.40s+%lld", best->name,
				 (long long)(idx - best->value));
		else
			snprintf(s->name, sizeof(s->name), "#%lld", (long long)idx);
		s->va = k->fixaddr_top - ((uint64_t)idx << 12);
		fill_slot(k, s, err);
	}
	free(e);
	*out = slots;
	*n = (size_t)end;
	return KMD_OK;
}

kmd_status kmd_pkmap_slots(kmd_t *k, struct kmd_slot **out, size_t *n,
			   struct kmd_err *err)
{
	struct kmd_slot *slots;
	uint64_t counts;
	uint8_t *buf;

	*out = NULL;
	*n = 0;
	if (!k->arch || !k->pkmap_base)
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED,
				   "no persistent kmaps: the kernel has no CONFIG_HIGHMEM");
	if (!kmd_symbol(k, "pkmap_count", &counts))
		return kmd_err_set(err, KMD_ERR_NOTFOUND, "no symbol pkmap_count");
	buf = malloc((size_t)k->last_pkmap * 4);
	slots = calloc(k->last_pkmap, sizeof(*slots));
	if (!buf || !slots) {
		free(buf);
		free(slots);
		return kmd_err_nomem(err);
	}
	if (kmd_read_virt(k, counts, buf, (size_t)k->last_pkmap * 4, err)) {
		free(buf);
		free(slots);
		return kmd_err_wrap(err, "reading pkmap_count");
	}
	for (unsigned i = 0; i < k->last_pkmap; i++) {
		struct kmd_slot *s = &slots[i];
		s->index = i;
		s->va = k->pkmap_base + ((uint64_t)i << 12);
		s->count = (int32_t)get_le32(buf + 4 * i);
		fill_slot(k, s, err);
	}
	free(buf);
	*out = slots;
	*n = k->last_pkmap;
	return KMD_OK;
}
