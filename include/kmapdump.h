/* kmapdump.h - the public interface of libkmapdump.
 *
 * libkmapdump opens a Linux kernel crash dump together with the kernel's
 * vmlinux (or a System.map-style symbol file) and answers where kernel
 * virtual addresses live: which physical address the kernel's own page
 * tables map them to, and where that byte is in the dump file.
 *
 * Reading order for a newcomer:
 *   1. errors (struct kmd_err),
 *   2. opening (kmd_open) and the header facts (struct kmd_info),
 *   3. translation (kmd_vtop, struct kmd_xlat),
 *   4. the address-space layout (kmd_region_count, kmd_region_stats).
 *
 * Ownership: a kmd_t owns everything it returns pointers to; those pointers
 * stay valid until kmd_close().  Nothing in the library prints, exits or
 * keeps global state; every handle is independent.  A handle keeps
 * caches (page tables, decompressed pages), so it must be used by one
 * thread at a time; different handles may be used in parallel.
 */
#ifndef KMAPDUMP_H
#define KMAPDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- 1. Errors ------------------------------------------------------- */

typedef enum kmd_status {
	KMD_OK = 0,
	KMD_ERR_NOMEM,       /* allocation failed */
	KMD_ERR_IO,          /* cannot open, stat, map or read a file */
	KMD_ERR_CORRUPT,     /* input is malformed (bad header, loop, ...) */
	KMD_ERR_UNSUPPORTED, /* valid input this build cannot handle */
	KMD_ERR_MISMATCH,    /* vmlinux does not belong to the dump */
	KMD_ERR_NOTFOUND,    /* symbol, type or note not found */
	KMD_ERR_ARG,         /* bad argument from the caller */
} kmd_status;

/* An error is a status plus a message.  Each layer prepends its context,
 * so the message reads outside-in: "vmcore: reading PGD at 0x1000:
 * file offset 0x2000: past end of file".  The buffer is fixed so that an
 * allocation failure can still be reported. */
struct kmd_err {
	kmd_status status;
	char msg[1024];
};

/* A short name for a status ("corrupt input", ...). */
const char *kmd_status_str(kmd_status status);

/* ---- 2. Opening a dump ----------------------------------------------- */

typedef struct kmd kmd_t;

enum kmd_open_flags {
	KMD_OPEN_FORCE = 1 << 0, /* go on although vmlinux and dump disagree */
	KMD_OPEN_DUMP_ONLY = 1 << 1, /* no kernel given: only the dump's own
				      * facts and kmd_scan() are available */
};

/* Open a dump and its kernel.  PATHS holds the files in any order: exactly
 * one crash dump and one kernel description (an ELF vmlinux, ideally with
 * debug info, or a System.map-style text file).  They are told apart by
 * content.  Files are opened read-only. */
kmd_status kmd_open(kmd_t **out, const char *const *paths, int npaths,
		    unsigned flags, struct kmd_err *err);
void kmd_close(kmd_t *k);

/* Facts about the dump and the kernel, for headers. */
struct kmd_info {
	const char *dump_path;
	const char *kernel_path;
	const char *format;      /* "elf", ... */
	const char *arch;        /* "x86_64" */
	const char *release;     /* OSRELEASE, or "" */
	const char *kernel_source; /* "vmlinux" or "symbol file" */
	unsigned levels;         /* page-table levels */
	const char *paging;      /* "4-level", "5-level (LA57)", "3-level (PAE)", ... */
	uint64_t page_size;
	uint64_t kaslr_offset;   /* kernel image displacement */
	uint64_t phys_base;      /* signed in the kernel; printed as unsigned */
	uint64_t pgd_pa;         /* physical address of the kernel's top table */
	bool incomplete;         /* dump is truncated or flagged incomplete */
	bool mismatch_forced;    /* a vmlinux mismatch was overridden */
	const char *warning;     /* first warning noticed while opening, or NULL */
	/* Physical memory split (i386 highmem kernels), 0 if unknown. */
	uint64_t lowmem_bytes;
	uint64_t highmem_bytes;
};
const struct kmd_info *kmd_info(const kmd_t *k);

/* Parse ADDR: hex with or without 0x, or symbol[+offset] (symbols are
 * relocated by the KASLR offset). */
kmd_status kmd_parse_addr(kmd_t *k, const char *text, uint64_t *va,
			  struct kmd_err *err);

/* ---- 3. Translation -------------------------------------------------- */

/* What happened to one virtual address. */
enum kmd_fate {
	KMD_MAPPED,      /* mapped, and the byte is in the dump file */
	KMD_UNMAPPED,    /* the page tables have no mapping */
	KMD_EXCLUDED,    /* mapped, but the page was left out of the dump */
	KMD_NOT_IN_DUMP, /* mapped to memory the dump does not cover */
	KMD_INVALID,     /* not a valid address (non-canonical) */
};
const char *kmd_fate_str(enum kmd_fate fate);

/* Where a physical byte is in the dump file. */
struct kmd_loc {
	enum kmd_fate fate;  /* KMD_MAPPED, KMD_EXCLUDED or KMD_NOT_IN_DUMP */
	uint64_t run;        /* bytes from here on with the same fate (a
			      * lower bound: formats cap how far they look) */
	const char *path;    /* the file holding it (split dumps have several) */
	/* For KMD_MAPPED: if !compressed, OFFSET is the byte's file offset.
	 * If compressed, OFFSET and RECORD_SIZE are the page record's, CODEC
	 * names its compression and PAGE_OFFSET is the byte's offset within
	 * the decompressed page. */
	uint64_t offset;
	bool compressed;
	const char *codec;
	uint64_t record_size;
	uint64_t page_offset;
	/* For KMD_NOT_IN_DUMP and KMD_EXCLUDED: why, or NULL. */
	const char *why;
};

#define KMD_MAX_LEVELS 5

/* One step of a page-table walk, for --walk. */
struct kmd_walk_step {
	const char *level;   /* "PGD", "P4D", "PUD", "PMD", "PTE" */
	uint64_t table_pa;   /* physical address of the table */
	unsigned index;      /* entry index in the table */
	uint64_t entry;      /* raw entry value */
	bool leaf;           /* this entry maps a page */
};

struct kmd_xlat {
	uint64_t va;
	enum kmd_fate fate;
	uint64_t pa;          /* valid unless UNMAPPED or INVALID */
	uint64_t page_size;   /* size of the mapping leaf, 0 if none */
	const char *region;   /* containing region name, or NULL */
	struct kmd_loc loc;   /* file location when fate == KMD_MAPPED */
	unsigned nsteps;
	struct kmd_walk_step steps[KMD_MAX_LEVELS];
	char reason[160];     /* why not mapped / not in dump, or "" */
};

/* Translate VA.  Per-address outcomes (unmapped, not in dump, ...) are
 * reported in OUT with KMD_OK; a non-OK status means the dump itself is
 * unusable (corrupt page tables, I/O error). */
kmd_status kmd_vtop(kmd_t *k, uint64_t va, struct kmd_xlat *out,
		    struct kmd_err *err);

/* Decode the flag bits of a page-table entry into BUF ("P RW NX ..."). */
void kmd_entry_flags(const kmd_t *k, const struct kmd_walk_step *step,
		     char *buf, size_t size);

/* Read SIZE bytes of physical memory. */
kmd_status kmd_read_phys(kmd_t *k, uint64_t pa, void *buf, size_t size,
			 struct kmd_err *err);
/* Read SIZE bytes of kernel virtual memory through the page tables. */
kmd_status kmd_read_virt(kmd_t *k, uint64_t va, void *buf, size_t size,
			 struct kmd_err *err);

/* ---- 4. Layout --------------------------------------------------------- */

/* A region of the kernel address space ("vmalloc", "direct-map", ...). */
struct kmd_region {
	const char *name;
	uint64_t start;
	uint64_t end;        /* exclusive; 0 means the top of the space */
	const char *desc;    /* one line for humans */
	const char *parent;  /* enclosing region for nested ones (the kernel
			      * image's .text/.data/.init in lowmem), or NULL */
};

size_t kmd_region_count(const kmd_t *k);
const struct kmd_region *kmd_region(const kmd_t *k, size_t i);
/* Walk region I's page tables: bytes mapped, and mapped bytes whose
 * physical memory is present in the dump file. */
kmd_status kmd_region_stats(kmd_t *k, size_t i, uint64_t *mapped,
			    uint64_t *present, struct kmd_err *err);

/* ---- 4b. Every mapping ------------------------------------------------ */

/* A run of mapped pages: VA and PA contiguous, same page size and same
 * attributes (writable, NX, global, user, cache mode). */
struct kmd_run {
	uint64_t va, pa, size;
	uint64_t page_size;
	uint64_t present;      /* bytes of the run present in the dump */
	bool rw, nx, global, user;
	const char *cache;     /* "WB", "UC", "WC", "WT", "UC-", "WP", ... */
	const char *region;
};
/* Called for each run in address order; return nonzero to stop. */
typedef int (*kmd_run_fn)(void *arg, const struct kmd_run *run);
/* Every mapped run in [start, end) (end 0: the top), merged. */
kmd_status kmd_map(kmd_t *k, uint64_t start, uint64_t end, kmd_run_fn fn,
		   void *arg, struct kmd_err *err);

/* Every kernel VA that maps physical address PA: the direct map (or
 * lowmem) alias first, then others found in the page tables.  *OUT is
 * malloc'ed. */
kmd_status kmd_ptov(kmd_t *k, uint64_t pa, uint64_t **out, size_t *n,
		    struct kmd_err *err);

/* ---- 4c. Objects inside the regions ------------------------------------ */

/* One vmalloc/vmap/ioremap area, as /proc/vmallocinfo shows it. */
struct kmd_vmarea {
	uint64_t start, end;     /* vm->addr .. addr + size (incl. guard) */
	uint64_t caller;         /* 0 if none */
	char caller_sym[128];    /* "symbol+0xoff/0xsize", or "" */
	uint64_t nr_pages;
	uint64_t phys_addr;      /* ioremap: the physical base, else 0 */
	uint64_t flags;          /* raw vm_struct.flags */
	char flag_names[96];     /* "ioremap vmalloc vmap user dma-coherent vpages" */
	bool vm_map_ram;         /* a vm_map_ram area: no vm_struct */
	uint64_t vmap_area, vm_struct; /* addresses of the kernel objects */
	uint64_t mapped_bytes, present_bytes;
};
/* Every busy vmap area, in address order (vmap_area_list before v6.9,
 * the per-node vmap_nodes busy lists since). */
kmd_status kmd_vmalloc_areas(kmd_t *k, struct kmd_vmarea **out, size_t *n,
			     struct kmd_err *err);

/* A loaded module and its memory. */
struct kmd_module_range {
	const char *kind;        /* "text", "rodata", "ro_after_init", "data", "init" */
	uint64_t start, end;
};
struct kmd_module {
	char name[64];
	uint64_t addr;           /* struct module */
	struct kmd_module_range range[8];
	unsigned nranges;
	uint64_t size;
	uint64_t mapped_bytes, present_bytes;
};
kmd_status kmd_modules(kmd_t *k, struct kmd_module **out, size_t *n,
		       struct kmd_err *err);

/* "symbol+0xoff/0xsize" for a kernel address, with " [module]" for
 * module text (read from the module's own kallsyms in the dump), or
 * false. */
bool kmd_symbolize(kmd_t *k, uint64_t va, char *buf, size_t size);

/* ---- 5. Slots: fixmap and persistent kmaps ---------------------------- */

/* One fixed-address or pkmap slot and what it maps now. */
struct kmd_slot {
	char name[64];       /* fixmap: enumerator ("FIX_KMAP_BEGIN+3"); pkmap: "" */
	unsigned index;      /* enum value / pkmap slot number */
	uint64_t va;
	enum kmd_fate fate;  /* of the slot's address */
	uint64_t pa;         /* when the slot maps a page */
	uint64_t pfn;
	bool has_page;       /* struct page address known */
	uint64_t page;       /* address of the struct page */
	int64_t count;       /* pkmap_count[] (0 free, 1 unused, n: n-1 users); -1 for fixmap */
};

/* Fill *OUT (malloc'ed; free() it) with every fixmap slot, index order. */
kmd_status kmd_fixmap_slots(kmd_t *k, struct kmd_slot **out, size_t *n,
			    struct kmd_err *err);
/* Every persistent-kmap slot (i386 CONFIG_HIGHMEM kernels). */
kmd_status kmd_pkmap_slots(kmd_t *k, struct kmd_slot **out, size_t *n,
			   struct kmd_err *err);
/* Address of the struct page of PFN. */
kmd_status kmd_pfn_to_page(kmd_t *k, uint64_t pfn, uint64_t *page,
			   struct kmd_err *err);

/* ---- 6. Whole-dump checks -------------------------------------------- */

/* Read (and decompress) every page the dump holds, once.  Uses one
 * worker thread per online CPU (the handle's caches are not touched by
 * them); the result is the same as a serial scan's. */
struct kmd_scan_result {
	uint64_t pages;          /* page frames the dump describes */
	uint64_t present_pages;  /* stored and readable */
	uint64_t excluded_pages; /* left out by filtering */
	uint64_t bad_pages;      /* stored but unreadable (corrupt, cut off) */
	uint64_t bytes_read;     /* decompressed bytes */
	char first_error[256];   /* the first bad page's error, or "" */
};
kmd_status kmd_scan(kmd_t *k, struct kmd_scan_result *out,
		    struct kmd_err *err);

/* Progress of long operations (kmd_scan, region statistics): FN is called
 * now and then with a phase name and DONE out of TOTAL units. */
typedef void (*kmd_progress_fn)(void *arg, const char *phase, uint64_t done,
				uint64_t total);
void kmd_set_progress(kmd_t *k, kmd_progress_fn fn, void *arg);

const char *kmd_version(void);

#ifdef __cplusplus
}
#endif
#endif /* KMAPDUMP_H */
