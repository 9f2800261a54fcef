/* kmd-int.h - the library's handle and the architecture interface.
 *
 * An architecture provides (see struct arch_ops):
 *   match  - does this dump/kernel pair belong to me?
 *   init   - find the page tables and the layout: fill k->pg (paging
 *            description for the generic walker), k->regions, and the
 *            KASLR offset and phys_base in k->info
 *   decode - one page-table entry: present? leaf? next table or page base
 *   flags  - entry bits in words, for --walk
 *   canonical - is a virtual address valid at all?
 * Its private state lives in k->arch_priv (priv_size bytes).
 */
#ifndef KMD_INT_H
#define KMD_INT_H

#include "dump.h"
#include "kmapdump.h"
#include "syms.h"
#include "vmcoreinfo.h"

struct pte_info {
	bool present;
	bool leaf;
	uint64_t pa; /* next table, or base of the page (leaf) */
};

/* Levels are numbered from the top: 0 is the root table. */
struct paging {
	unsigned levels;
	unsigned entry_size;        /* 4 or 8 bytes */
	const char *name[KMD_MAX_LEVELS];
	unsigned shift[KMD_MAX_LEVELS]; /* VA bits below this level's index */
	unsigned bits[KMD_MAX_LEVELS];  /* index width */
	uint64_t root;              /* physical address of the root table */
	bool sign_extend;           /* VAs are sign-extended from the top bit */
};

struct kmd;

struct arch_ops {
	const char *name;
	unsigned em;       /* ELF e_machine of its dumps */
	size_t priv_size;  /* bytes of k->arch_priv, zeroed */
	bool (*match)(const struct kmd *k);
	kmd_status (*init)(struct kmd *k, struct kmd_err *err);
	void (*decode)(const struct kmd *k, unsigned level, uint64_t entry,
		       struct pte_info *out);
	void (*flags)(const struct kmd *k, unsigned level, uint64_t entry,
		      char *buf, size_t size);
	bool (*canonical)(const struct kmd *k, uint64_t va);
	/* Attributes of a leaf entry, for merging runs and for kmd_run. */
	void (*attrs)(const struct kmd *k, unsigned level, uint64_t entry,
		      struct kmd_run *out);
	/* Optional: finish region bounds that need costly lookups (DWARF);
	 * called once, the first time regions are used. */
	void (*finish_regions)(struct kmd *k);
};

#define KMD_MAX_REGIONS 32

/* walk.c's translation cache: for each level, page-table entries by the
 * VA bits above that level's index (direct-mapped).  A walk looks up
 * level 0, 1, ... and reads the dump only from the first level that
 * misses; a hit on a leaf entry (1 GiB, 2 MiB, 4 KiB or 4 MiB page) or
 * a non-present entry ends the walk there, so huge pages need no more
 * probes than their level.  Page tables in a dump never change: entries
 * stay valid for the life of the handle. */
#define XC_SLOTS 4096

struct region_span {
	uint64_t start;     /* the span ends where the next one starts */
	const char *name;   /* innermost region, "user" or NULL */
};
struct xc_entry {      /* 32 bytes: two to a cache line */
	uint64_t tag;       /* (va >> shift) + 1; 0 = empty */
	uint64_t table;     /* table the entry was read from */
	uint64_t entry;     /* raw entry */
	uint64_t pa;        /* decoded: next table or page base (page
			     * aligned), | XC_PRESENT | XC_LEAF */
};
#define XC_PRESENT 1u
#define XC_LEAF 2u

struct kmd {
	struct dump *dump;
	struct syms *syms;
	struct vmcoreinfo vmci;
	const struct arch_ops *arch;
	struct kmd_info info;
	struct paging pg;
	struct kmd_region regions[KMD_MAX_REGIONS];
	size_t nregions;
	bool regions_done;
	uint64_t lazy_floor;  /* finish_regions may move bounds above this */
	char warning[256];
	uint64_t user_top;   /* addresses below are user space */
	uint64_t fixaddr_top; /* fix_to_virt(0) */
	uint64_t pkmap_base;  /* 0: no persistent kmaps */
	unsigned last_pkmap;
	uint64_t vmemmap;     /* base of the struct page array, 0 if none */
	uint64_t page_offset; /* lowmem/direct map base */
	unsigned word_size;   /* the kernel's unsigned long: 4 or 8 */
	kmd_progress_fn progress;
	void *progress_arg;
	/* Loaded modules, read once for symbolizing module addresses. */
	struct kmd_module *mods;
	size_t nmods;
	bool mods_tried;
	void *arch_priv;
	/* Translation cache (walk.c): KMD_MAX_LEVELS * XC_SLOTS entries,
	 * allocated on the first walk; xc_root is the root it belongs to. */
	struct xc_entry *xc;
	uint64_t xc_root;
	/* Regions as disjoint intervals with their innermost name, built
	 * once the regions are final (kmd.c: kmd_region_of). */
	struct region_span *spans;
	size_t nspans;
};

extern const struct arch_ops arch_x86_64;
extern const struct arch_ops arch_i386;

/* walk.c - the generic page-table walker. */
kmd_status walk_va(struct kmd *k, uint64_t va, struct kmd_xlat *x,
		   struct kmd_err *err);
/* Sum of mapped bytes and bytes present in the dump over [start, end),
 * END exclusive, 0 meaning the top of the address space. */
kmd_status walk_stats(struct kmd *k, uint64_t start, uint64_t end,
		      uint64_t *mapped, uint64_t *present,
		      struct kmd_err *err);

/* Leaves in [start, end) (END exclusive, 0 = top), in address order. */
typedef int (*walk_leaf_fn)(void *arg, uint64_t va, uint64_t size,
			    uint64_t pa, unsigned level, uint64_t entry);
kmd_status walk_range(struct kmd *k, uint64_t start, uint64_t end,
		      walk_leaf_fn fn, void *arg, struct kmd_err *err);

/* kdump.c, for the parallel scan: read and decompress the page at PA
 * (page-aligned) into OUT without the handle's page cache, using SCRATCH
 * (kdump_scratch_size bytes); safe from several threads at once. */
size_t kdump_scratch_size(const struct dump *d);
kmd_status kdump_read_page(struct dump *d, uint64_t pa, uint8_t *out,
			   uint8_t *scratch, struct kmd_err *err);

/* Helpers for arch code. */
void kmd_warn(struct kmd *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
kmd_status kmd_add_region(struct kmd *k, const char *name, uint64_t start,
			  uint64_t end, const char *desc, struct kmd_err *err);
/* A region nested in the last one added with kmd_add_region. */
kmd_status kmd_add_subregion(struct kmd *k, const char *name, uint64_t start,
			     uint64_t end, const char *desc,
			     struct kmd_err *err);
/* Sort regions by address (nested ones after their parent). */
void kmd_sort_regions(struct kmd *k);
/* Report progress, if anyone listens. */
static inline void kmd_progress(struct kmd *k, const char *phase,
				uint64_t done, uint64_t total)
{
	if (k->progress)
		k->progress(k->progress_arg, phase, done, total);
}
/* Name of the innermost region containing VA ("user", or NULL in gaps). */
const char *kmd_region_of(const struct kmd *k, uint64_t va);
/* Symbol address after KASLR relocation. */
bool kmd_symbol(const struct kmd *k, const char *name, uint64_t *addr);

#endif
