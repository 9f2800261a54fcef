/*
 * mkvmcore - synthetic x86_64 / i386 vmcore generator for kmapdump tests.
 *
 * Usage: mkvmcore [-d OUTDIR] SPEC
 *
 * Build: gcc ... mkvmcore.c -lz -llzo2 [-DHAVE_ZSTD -lzstd] [-DHAVE_SNAPPY
 * -lsnappy].  Exit status 4: the spec needs a codec not compiled in.
 *
 * Writes into OUTDIR (default "."):
 *   vmcore       ELF64 core file (ET_CORE, EM_X86_64, little-endian)
 *   symbols      System.map style symbols file (link-time addresses)
 *   probes.txt   the probe inputs, one per line (what kmapdump is given)
 *   expect.jsonl expectations: one "meta" line, one "probe" line per probe,
 *                one "regions" line.
 *
 * Every expected answer is computed from the spec's own list of mappings and
 * PT_LOAD segments, never by reading back the page tables written.
 *
 * Spec format: one directive per line, '#' starts a comment.  Numbers are
 * decimal or 0x-hex, may be negative, and may carry a K/M/G/T/P suffix
 * (binary).  Address expressions are terms joined with '+' or '-':
 *   NUMBER | @pob | @vmalloc | @vmemmap | SYMBOL (runtime VA = link + KASLR)
 *   | pa:SYMBOL (physical address of a kernel-image symbol)
 *   | @loopva (the VA routed through the 'loop' entry at every lower level)
 *
 * Directives (settings may appear anywhere; all maps are built first, then
 * hole/loop/share lines in file order):
 *   levels 4|5                     paging levels (5 also switches the default
 *                                  bases to the 5-level ones)
 *   kaslr EXPR                     KASLR offset (KERNELOFFSET)
 *   phys_base EXPR                 signed; PA = kernel VA - 0xffffffff80000000
 *                                  + phys_base for kernel-image addresses
 *   page_offset_base EXPR / vmalloc_base EXPR / vmemmap_base EXPR
 *                                  values stored in the kernel variables
 *   sme_mask EXPR                  ORed into every page-table entry and
 *                                  written as NUMBER(sme_mask)
 *   tablebits                      set ignored bits 9-11 and 52 in non-leaf
 *                                  entries
 *   release STRING                 OSRELEASE (default 6.1.0-test)
 *   sym NAME LINKADDR [TYPE]       add/override a symbol (link address)
 *   symline TEXT                   extra raw line in the symbols file
 *   fixmap_enum N                  ENUM(__end_of_permanent_fixed_addresses)=N
 *                                  in the symbols file (else no such line)
 *   stext_delta EXPR               symbols file _stext = real + delta (mismatch)
 *   ptarea PA [PAGES]              where page-table pages are allocated
 *                                  (default: the 255 pages after init_top_pgt)
 *   kimage 2M|4K|off               kernel-image mapping _text.._end (default 2M)
 *   map VA PA SIZE PGSZ [FLAGS]    leaf mappings of PGSZ 4K|2M|1G; FLAGS: nx,
 *                                  pat (bit 12 on 2M/1G, bit 7 on 4K), ro,
 *                                  sw (bits 9,10), hibits (bits 52,57,58),
 *                                  user, noglobal, notpresent (bit 0 clear,
 *                                  rest of the entry kept)
 *   hole VA pgd|p4d|pud|pmd        non-present but non-zero entry at that level
 *                                  (points at a decoy page of present-looking
 *                                  entries)
 *   share pgd|p4d|pud|pmd SRC DST  DST's entry becomes a copy of SRC's (shared
 *                                  lower-level table); aliases are expected
 *   loop pgd|pud|pmd VA            pgd: PGD entry -> PGD; pud: PUD entry -> its
 *                                  own PUD page; pmd: PMD entry -> PGD (corrupt)
 *   load PADDR SIZE [filesz=N] [vaddr=X]   one PT_LOAD (p_vaddr default
 *                                  page_offset_base + PADDR)
 *   loadrange PADDR COUNT SIZE [filesz=N] [stride=S]   COUNT PT_LOADs
 *   align N                        file alignment of PT_LOAD data (default 4096)
 *   notes KIND...                  one PT_NOTE segment; KIND = vmcoreinfo |
 *                                  prstatus | qemu | xstate ("LINUX", odd
 *                                  descsz) | pad (64 zero bytes) | pad60
 *                                  (default: prstatus prstatus vmcoreinfo)
 *   phdrs start|after-shdrs|end    program header table placement
 *   phpad N                        with 'phdrs end': N extra bytes before them
 *   pn_xnum                        e_phnum = PN_XNUM, real count in shdr[0].sh_info
 *   truncate-load IDX BYTES        cut the file BYTES into load IDX's data
 *   vmcoreinfo-extra TEXT          extra VMCOREINFO line
 *   corrupt empty|notelf|ehdr-truncated|phoff-past-eof|class32
 *   corrupt phnum N                claim N program headers
 *   corrupt machine N              e_machine = N
 *   corrupt msb|note-namesz-huge|note-descsz-huge|load-filesz-huge
 *   corrupt phentsize N
 *   expect-error [WORD] [rc=N,..]  every command must fail with exit 3 (or one
 *                                  of the listed statuses) and one stderr line
 *                                  naming the file (and WORD)
 *   format kdump [OPTS]            write makedumpfile's kdump-compressed format
 *                                  instead of ELF (vmcore, vmcore.1.. when
 *                                  split; dumpfiles.txt lists the files to
 *                                  give kmapdump; expect.jsonl gets a
 *                                  "verify" line).  Loads must be aligned to
 *                                  the block size; PT_LOAD tails become
 *                                  excluded pages.  OPTS: codec=zlib|lzo|
 *                                  snappy|zstd|none|mixed, version=1..6,
 *                                  flattened, split=N, order=I,J.. (order
 *                                  given), missing=I,.. (parts not given),
 *                                  block=N, diskdump-sig, nozeroshare (no
 *                                  shared zero-page record), incomplete=N
 *                                  (INCOMPLETE flag, last N descriptors
 *                                  zero), truncate=N (cut inside the Nth-last
 *                                  page record), flatcut=N (flattened stream
 *                                  cut inside its Nth-last record), shuffle /
 *                                  shuffle-all (flattened records out of
 *                                  order, after the first / all), mapnr32=N
 *                                  (v6: obsolete 32-bit max_mapnr), dump_level=N
 *   kcorrupt KIND [PA]             kdump corruption: blocksize, bitmap-eof,
 *                                  mapnr-big, flat-negsize, split-overlap,
 *                                  split-mapnr, desc-eof PA, garbage PA
 *                                  (compressed record of that page is junk),
 *                                  rawsize PA (raw record, size != block)
 *   noise PA SIZE                  fill unused pages with pseudo-random bytes
 *                                  (incompressible: stored raw in kdump)
 *   expect-sane                    only require sane behaviour: exit 0, 1 or 3,
 *                                  no crash/hang, one stderr line if 3, JSON
 *                                  on stdout otherwise
 *   force-ok                       with --force the run must succeed and match
 *                                  the probe/regions expectations
 *   allow-missing                  do not insist that page tables and kernel
 *                                  variables lie in dumped file data
 *   probe TOKEN...                 TOKEN passed to kmapdump literally, except
 *                                  '@EXPR' which is evaluated to 0x-hex here
 *   probestep GROUP START COUNT STEP   COUNT probes, checked as one group
 *   autoprobe                      first/middle/last byte of each mapping,
 *                                  one byte after each, one byte in each hole
 *   (map FLAGS also: pcd, pwt -- cache mode PAT:PCD:PWT -> WB WC UC- UC WB WP
 *   UC- WT)
 *
 * Kernel objects (written through the spec's own mappings; the list heads
 * are SYMBOL(vmap_area_list) in VMCOREINFO and a 'modules' symbol 0x100
 * after it, both added to the symbols file; member offsets go to the
 * symbols file as OFFSET(type.member)=N lines, defaults for a 6.1-like
 * x86_64 / i386 build):
 *   objarena VA SIZE               where objects are allocated (mapped, in
 *                                  the dump)
 *   layout KEY N|none              override a member offset (KEY as written,
 *                                  e.g. OFFSET(vm_struct.caller); SIZE(...)
 *                                  of vmap_area/vm_struct/module/mod_kallsyms
 *                                  only size the allocations); none: omit it
 *   layout-in symbols|vmcoreinfo|both   where the OFFSET/SIZE lines go
 *   modlayout core|mem             struct module with core_layout/init_layout
 *                                  (default) or the 6.4+ mem[] array (then
 *                                  OFFSET(module.mem), SIZE(module_memory),
 *                                  OFFSET(module_memory.base/.size) are given
 *                                  as well, and must win)
 *   vmarea ADDR SIZE [flags=N] [caller=X] [pages=X] [nr=N] [phys=X] [at=X]
 *          [vmat=X] | vmarea ADDR SIZE ram
 *                                  one vmap_area (+ vm_struct; 'ram': vm_map_ram,
 *                                  vm NULL) on vmap_area_list, in spec order;
 *                                  at/vmat place the objects
 *   vmlist loop [N] | bad PTR      the last entry's next -> entry N's list
 *                                  (default 0) / -> PTR (unreadable); with
 *                                  vmnodes: the list of the last entry's node
 *   vmnodes N [nr=X]               v6.9+ layout: no vmap_area_list; the areas
 *                                  are on the busy lists of N struct vmap_node
 *                                  at *vmap_nodes (symbols vmap_nodes,
 *                                  nr_vmap_nodes; nr= writes X as the count);
 *                                  vmarea node=K puts an area on node K
 *                                  (default: spec index mod N)
 *   module NAME [at=X] [core=BASE,TEXT,RO,ROAI,SIZE] [init=BASE,SIZE]
 *          [text|data|rodata|ro_after_init|init_text|init_data|init_rodata=BASE,SIZE]
 *          [nokallsyms] [strtab_end=X]
 *                                  a struct module on 'modules' (core sizes are
 *                                  cumulative, as in module_layout); kallsyms
 *                                  with Elf64_Sym/Elf32_Sym entries (index 0
 *                                  null); strtab_end: the string table ends
 *                                  exactly there (else in the arena)
 *   modsym MOD NAME VALUE [shndx=N]   a symbol of MOD's kallsyms
 *   modlist loop [N] | bad PTR     as vmlist, for the modules list
 *   fill VA SIZE                   pseudo-random bytes through the mappings
 *                                  (pages need not be in the dump)
 *   cmd vmalloc | modules | map [REGION] | ptov PA... | read ADDR LEN [raw] [zero]
 *                                  run 'kmapdump CMD --json' (read: --raw,
 *                                  --zero-excluded) on the dump; expect.jsonl
 *                                  gets a "cmd" line with argv, args and the
 *                                  expected result (exit status, JSON objects,
 *                                  bytes), computed from the directives above:
 *                                  caller names kallsyms-style (kernel: next
 *                                  T/t/D/d/B/b/R/r symbol; module: next symbol,
 *                                  else the end of the module range), map runs
 *                                  merged by contiguity and attributes, ptov
 *                                  with the direct-map alias first, read bytes
 *                                  per 4K chunk with the chunk's status
 *
 * i386 ('arch i386'; kernel linked at PAGE_OFFSET + 16 MiB, everything it
 * reads in lowmem, PA = VA - PAGE_OFFSET also for the KASLR-moved image;
 * VMCOREINFO without KERNELOFFSET/phys_base, CONFIG_X86_PAE=y with PAE;
 * the symbols file gets ARCH=i386 and NUMBER(PAGE_OFFSET)):
 *   arch i386|x86_64               (default x86_64)
 *   paging 2level|pae              2-level (4K/4M PSE, PSE-36 above 4 GiB) or
 *                                  PAE (PDPT/PMD/PTE, 4K/2M, NX)
 *   page_offset N                  PAGE_OFFSET (default 0xc0000000; VMSPLIT)
 *   lowmem SIZE [PGSZ|off]         map [PAGE_OFFSET, +SIZE) -> PA 0 in large
 *                                  pages (default) or PGSZ, the tail in 4K;
 *                                  high_memory = PAGE_OFFSET + SIZE
 *   high_memory EXPR               store another value in high_memory
 *   highmem START END              highstart_pfn/highend_pfn (PAs)
 *   pkmap VA                       PKMAP_BASE: a PTE page hooked at VA's PGD
 *                                  (2-level) / PMD (PAE) entry, its lowmem
 *                                  VA stored in pkmap_page_table
 *   pkmap_ptr EXPR                 store another value in pkmap_page_table
 *   fixaddr_top EXPR               __FIXADDR_TOP (default 0xfffff000)
 *   container elf32|elf64          ELF32 core (default) or QEMU's ELF64 with
 *                                  EM_386 (needed for loads above 4 GiB)
 *   badtable VA pgd|pmd PA|noise   present table entry pointing at PA (not in
 *                                  the dump, excluded, or an unused zero
 *                                  page) or at a page of random bytes
 *   format kdump ... hdr32|hdr64 uname=M   header layout (i386 default:
 *                                  32-bit makedumpfile, machine i686; hdr64
 *                                  as QEMU writes it, machine x86_64)
 *   map PGSZ 4K|4M (2-level) or 4K|2M (PAE); hole levels pgd|pmd|pte;
 *   @-terms: @po @hm @vmstart (high_memory + 8M) @pkmap @fixtop;
 *   loop/share are x86_64 only.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <lzo/lzo1x.h>
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef HAVE_SNAPPY
#include <snappy-c.h>
#endif

typedef uint64_t u64;
typedef int64_t s64;

#define START_KERNEL_MAP 0xffffffff80000000ULL
#define KERNEL_IMAGE_SIZE (1ULL << 30)
#define PT_P (1ULL << 0)
#define PT_RW (1ULL << 1)
#define PT_US (1ULL << 2)
#define PT_PWT (1ULL << 3)
#define PT_PCD (1ULL << 4)
#define PT_A (1ULL << 5)
#define PT_D (1ULL << 6)
#define PT_PSE (1ULL << 7)
#define PT_G (1ULL << 8)
#define PT_SW1 (1ULL << 9)
#define PT_SW2 (1ULL << 10)
#define PT_PAT_LARGE (1ULL << 12)
#define PT_PAT_4K (1ULL << 7)
#define PT_NX (1ULL << 63)
#define PT_HIBITS ((1ULL << 52) | (1ULL << 57) | (1ULL << 58)) /* ignored/software */
#define PT_ADDR 0x000ffffffffff000ULL

static const char *spec_path;
static int cur_line;

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "mkvmcore: %s", spec_path ? spec_path : "");
	if (cur_line)
		fprintf(stderr, ":%d", cur_line);
	fprintf(stderr, ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t sz)
{
	p = realloc(p, sz);
	if (!p)
		die("out of memory");
	return p;
}

#define PUSH(arr, n, cap, val) do { \
	if ((n) == (cap)) { (cap) = (cap) ? (cap) * 2 : 16; \
		(arr) = xrealloc((arr), (cap) * sizeof(*(arr))); } \
	(arr)[(n)++] = (val); } while (0)

/* ------------------------------------------------------------ settings */
static int levels = 4;
static u64 kaslr;
static s64 phys_base;
static u64 pob = 0xffff888000000000ULL;
static u64 vmb = 0xffffc90000000000ULL;
static u64 vmemb = 0xffffea0000000000ULL;
static u64 sme_mask;
static u64 table_extra; /* ignored bits set in non-leaf entries */
static u64 phpad;
static char *symlines;
static size_t symlines_len;
static char release[128] = "6.1.0-test";
static long fixmap_enum = -1;
static s64 stext_delta;
static u64 ptarea_pa;
static int ptarea_set;
static u64 ptarea_pages = 255;
static u64 kimage_pgsz = 2ULL << 20;
static u64 load_align = 4096;
static int phdr_pos; /* 0 start, 1 after-shdrs, 2 end */
static int pn_xnum;
static int trunc_load = -1;
static u64 trunc_bytes;
static int expect_error;
static char expect_error_word[64];
static int force_ok;
static int expect_sane;
static int allow_missing;
static int autoprobe;
static char *vmci_extra;
static size_t vmci_extra_len;

/* i386 ('arch i386'): 2-level or PAE paging, kernel image in lowmem */
static int arch32;
static int pae;
static int elf64_386;       /* 'container elf64': QEMU's ELF64 with EM_386 */
static u64 page_offset = 0xc0000000ULL;
static u64 lowmem_size = 128ULL << 20;
static u64 lowmem_pgsz = 1; /* 1: the paging mode's large page; 0: off */
static u64 high_memory_val; /* value of the high_memory variable */
static int high_memory_set;
static u64 fixaddr_top = 0xfffff000ULL;
static u64 pkmap_base;
static int pkmap_set;
static u64 pkmap_ptr_val;   /* 'pkmap_ptr': value of pkmap_page_table */
static int pkmap_ptr_set;
static u64 pkmap_pt;        /* PA of the pkmap PTE page */
static u64 highstart_pfn, highend_pfn;
static int i3_nlev, i3_shift[3], i3_bits[3], i3_esz;

enum { C_NONE, C_EMPTY, C_NOTELF, C_EHDR_TRUNC, C_PHOFF_EOF, C_PHNUM, C_MACHINE, C_CLASS32,
       C_MSB, C_PHENTSIZE, C_NOTE_NAMESZ, C_NOTE_DESCSZ, C_LOAD_HUGE };
static int corrupt_kind;
static u64 corrupt_arg;

/* ------------------------------------------------------------ symbols */
struct sym { char name[64]; u64 link; char type; };
static struct sym *syms;
static size_t nsyms, capsyms;

static struct sym *find_sym(const char *name)
{
	for (size_t i = 0; i < nsyms; i++)
		if (!strcmp(syms[i].name, name))
			return &syms[i];
	return NULL;
}

static const char *vmal_line(void);

static void set_sym(const char *name, u64 link, char type)
{
	struct sym *s = find_sym(name);
	if (!s) {
		struct sym z;
		memset(&z, 0, sizeof(z));
		PUSH(syms, nsyms, capsyms, z);
		s = &syms[nsyms - 1];
		snprintf(s->name, sizeof(s->name), "%s", name);
	}
	s->link = link;
	s->type = type;
}

static void default_syms(void)
{
	/* A compact, fictional but plausible link-time layout. */
	set_sym("_text", 0xffffffff81000000ULL, 'T');
	set_sym("_stext", 0xffffffff81000000ULL, 'T');
	set_sym("startup_64", 0xffffffff81000000ULL, 'T');
	set_sym("do_one_initcall", 0xffffffff81001a40ULL, 'T');
	set_sym("start_kernel", 0xffffffff81b41c20ULL, 'T');
	set_sym("_etext", 0xffffffff81600000ULL, 'T');
	set_sym("__pfx_schedule", 0xffffffff81609ff0ULL, 't');
	set_sym("schedule.cold", 0xffffffff81700130ULL, 't');
	set_sym("init_top_pgt", 0xffffffff81800000ULL, 'D');
	set_sym("phys_base", 0xffffffff81910010ULL, 'D');
	set_sym("vmemmap_base", 0xffffffff81a1c0c8ULL, 'D');
	set_sym("vmalloc_base", 0xffffffff81a1c0d0ULL, 'D');
	set_sym("page_offset_base", 0xffffffff81a1c0d8ULL, 'D');
	set_sym("jiffies", 0xffffffff81a20000ULL, 'D');
	set_sym("__bss_start", 0xffffffff81b00000ULL, 'B');
	set_sym("_end", 0xffffffff81c00000ULL, 'B');
	set_sym("fixed_percpu_data", 0x0ULL, 'A');
	set_sym("__per_cpu_end", 0x2b000ULL, 'A');
}

/* i386: linked at PAGE_OFFSET + 16 MiB (CONFIG_PHYSICAL_START), data
 * and the page-table area inside the image, all in lowmem. */
static void default_syms_i386(void)
{
	u64 P = page_offset;
	set_sym("_text", P + 0x1000000, 'T');
	set_sym("startup_32", P + 0x1000000, 'T');
	set_sym("_stext", P + 0x1001000, 'T');
	set_sym("do_one_initcall", P + 0x1002a40, 'T');
	set_sym("__pfx_schedule", P + 0x1409ff0, 't');
	set_sym("_etext", P + 0x1800000, 'T');
	set_sym("high_memory", P + 0x1a10000, 'D');
	set_sym("__FIXADDR_TOP", P + 0x1a10004, 'D');
	set_sym("pkmap_page_table", P + 0x1a10008, 'D');
	set_sym("highstart_pfn", P + 0x1a1000c, 'D');
	set_sym("highend_pfn", P + 0x1a10010, 'D');
	set_sym("jiffies", P + 0x1a20000, 'D');
	set_sym("_edata", P + 0x1b00000, 'D');
	set_sym("__init_begin", P + 0x1c00000, 'T');
	set_sym("start_kernel", P + 0x1c01c20, 'T');
	set_sym("__init_end", P + 0x1d00000, 'T');
	set_sym("__bss_start", P + 0x1d00000, 'B');
	set_sym("swapper_pg_dir", P + 0x1e00000, 'B');
	set_sym("_end", P + 0x2000000, 'B');
}

static u64 sym_runtime(const char *name)
{
	struct sym *s = find_sym(name);
	if (!s)
		die("unknown symbol '%s'", name);
	if (s->type == 'A')
		return s->link;
	return s->link + kaslr;
}

static u64 kva_to_pa(u64 va)
{
	if (arch32) /* lowmem: __pa(x) = x - PAGE_OFFSET, KASLR included */
		return va - page_offset;
	return va - START_KERNEL_MAP + (u64)phys_base;
}

/* ------------------------------------------------------------ numbers */
static int parse_num(const char *s, u64 *out)
{
	int neg = 0;
	char *end;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	u64 v = strtoull(s, &end, 0);
	if (errno)
		return -1;
	int sh = 0;
	switch (*end) {
	case 'K': case 'k': sh = 10; end++; break;
	case 'M': case 'm': sh = 20; end++; break;
	case 'G': case 'g': sh = 30; end++; break;
	case 'T': case 't': sh = 40; end++; break;
	case 'P': case 'p': sh = 50; end++; break;
	}
	if (*end)
		return -1;
	v <<= sh;
	*out = neg ? (u64)(-(s64)v) : v;
	return 0;
}

static u64 num(const char *s)
{
	u64 v;
	if (parse_num(s, &v))
		die("bad number '%s'", s);
	return v;
}

static u64 loop_va;
static int loop_set;

static u64 eval_term(const char *t)
{
	u64 v;
	if (!parse_num(t, &v))
		return v;
	if (!strcmp(t, "@pob"))
		return pob;
	if (!strcmp(t, "@vmalloc"))
		return vmb;
	if (!strcmp(t, "@vmemmap"))
		return vmemb;
	if (!strcmp(t, "@po"))
		return page_offset;
	if (!strcmp(t, "@hm"))
		return high_memory_val;
	if (!strcmp(t, "@vmstart"))
		return high_memory_val + (8ULL << 20);
	if (!strcmp(t, "@pkmap"))
		return pkmap_base;
	if (!strcmp(t, "@fixtop"))
		return fixaddr_top;
	if (!strcmp(t, "@loopva")) {
		if (!loop_set)
			die("@loopva used without a loop directive");
		return loop_va;
	}
	if (!strncmp(t, "pa:", 3))
		return kva_to_pa(sym_runtime(t + 3));
	if (t[0] == '@' && t[1])
		return eval_term(t + 1);
	return sym_runtime(t);
}

static u64 eval(const char *expr)
{
	char buf[256], *p;
	u64 acc = 0;
	int sign = 1;
	snprintf(buf, sizeof(buf), "%s", expr);
	p = buf;
	while (*p) {
		char *q = p;
		if (*q == '-' && q == buf) /* leading minus belongs to number */
			q++;
		while (*q && *q != '+' && !(*q == '-' && q != p))
			q++;
		char op = *q;
		*q = 0;
		if (!*p)
			die("bad expression '%s'", expr);
		u64 v = eval_term(p);
		acc = sign > 0 ? acc + v : acc - v;
		if (!op)
			break;
		sign = op == '+' ? 1 : -1;
		p = q + 1;
	}
	return acc;
}

/* ------------------------------------------------------------ physical memory */
struct ppage { u64 pfn; unsigned char *buf; };
static struct ppage *pht;
static size_t pht_cap = 1 << 16, pht_n;
static u64 *pfn_list;
static size_t npfn, cappfn, npfn_ess = (size_t)-1;

static unsigned char *phys_page(u64 pa, int create)
{
	u64 pfn = pa >> 12;
	size_t h = (size_t)((pfn * 0x9e3779b97f4a7c15ULL) >> 40) & (pht_cap - 1);
	if (!pht)
		pht = xcalloc(pht_cap, sizeof(*pht));
	for (;;) {
		if (!pht[h].buf)
			break;
		if (pht[h].pfn == pfn)
			return pht[h].buf;
		h = (h + 1) & (pht_cap - 1);
	}
	if (!create)
		return NULL;
	if (pht_n * 2 >= pht_cap)
		die("too many physical pages");
	pht[h].pfn = pfn;
	pht[h].buf = xcalloc(1, 4096);
	pht_n++;
	PUSH(pfn_list, npfn, cappfn, pfn);
	return pht[h].buf;
}

static u64 *phys_u64(u64 pa)
{
	if (pa & 7)
		die("unaligned 8-byte physical write at 0x%lx", (unsigned long)pa);
	return (u64 *)(phys_page(pa, 1) + (pa & 4095));
}

static u64 umin(u64 a, u64 b) { return a < b ? a : b; }
static u64 umax(u64 a, u64 b) { return a > b ? a : b; }

/* ------------------------------------------------------------ page tables */
struct map {
	u64 va, pa, size, pgsz;
	int nx, pat, ro, sw, user, noglobal, notpresent, hibits, pcd, pwt;
};
static struct map *maps;
static size_t nmaps, capmaps;

struct hole { u64 va; int shift; u64 start, size; };
static struct hole *holes;
static size_t nholes, capholes;

static u64 pgd_pa;
static u64 pt_next, pt_end;
static u64 decoy_pa;

static int shifts[5];
static int nshifts;

static u64 alloc_pt(void)
{
	if (pt_next >= pt_end)
		die("page-table area exhausted (use 'ptarea PA PAGES')");
	u64 pa = pt_next;
	pt_next += 4096;
	phys_page(pa, 1);
	return pa;
}

static u64 canon(u64 va)
{
	int bits = levels == 5 ? 57 : 48;
	if (va & (1ULL << (bits - 1)))
		return va | ~((1ULL << bits) - 1);
	return va & ((1ULL << bits) - 1);
}

static int is_canonical(u64 va)
{
	if (arch32)
		return va <= 0xffffffffULL;
	return canon(va) == va;
}

static const char *level_name(int shift)
{
	if (shift == 12) return "pte";
	if (shift == 21) return "pmd";
	if (shift == 30) return "pud";
	if (shift == 39) return levels == 5 ? "p4d" : "pgd";
	return "pgd";
}

/* Pointer to the entry for va at the table level with index shift
 * target_shift, creating intermediate tables. *table_pa receives the PA of
 * the table holding the entry. */
static u64 *entry_ptr(u64 va, int target_shift, u64 *table_pa)
{
	u64 table = pgd_pa;
	for (int i = 0; i < nshifts; i++) {
		int s = shifts[i];
		u64 *e = phys_u64(table + ((va >> s) & 511) * 8);
		if (s == target_shift) {
			if (table_pa)
				*table_pa = table;
			return e;
		}
		if (*e == 0) {
			u64 t = alloc_pt();
			*e = t | PT_P | PT_RW | PT_A | PT_D | sme_mask | table_extra;
		} else if (!(*e & PT_P) || (*e & PT_PSE) || (*e & PT_ADDR & ~sme_mask) == pgd_pa) {
			die("va 0x%lx: %s entry already used by a leaf/hole/loop",
			    (unsigned long)va, level_name(s));
		}
		table = *e & PT_ADDR & ~sme_mask;
	}
	die("bad level shift %d", target_shift);
	return NULL;
}

static int pgsz_shift(u64 pgsz)
{
	if (pgsz == 4096) return 12;
	if (pgsz == (2ULL << 20)) return 21;
	if (pgsz == (1ULL << 30)) return 30;
	die("page size must be 4K, 2M or 1G");
	return 0;
}

static void build_map(const struct map *m)
{
	int sh = pgsz_shift(m->pgsz);
	if ((m->va | m->pa | m->size) & (m->pgsz - 1))
		die("map 0x%lx: va/pa/size not aligned to page size",
		    (unsigned long)m->va);
	if (!is_canonical(m->va) || !is_canonical(m->va + m->size - 1))
		die("map 0x%lx: not canonical", (unsigned long)m->va);
	for (u64 off = 0; off < m->size; off += m->pgsz) {
		u64 va = m->va + off;
		u64 *e = entry_ptr(va, sh, NULL);
		if (*e)
			die("map 0x%lx: overlaps an existing mapping", (unsigned long)va);
		u64 v = (m->pa + off) | PT_A | PT_D | sme_mask;
		if (!m->notpresent)
			v |= PT_P;
		if (!m->ro)
			v |= PT_RW;
		if (!m->noglobal)
			v |= PT_G;
		if (m->user)
			v |= PT_US;
		if (m->sw)
			v |= PT_SW1 | PT_SW2;
		if (m->nx)
			v |= PT_NX;
		if (m->hibits)
			v |= PT_HIBITS;
		if (sh > 12)
			v |= PT_PSE;
		if (m->pat)
			v |= sh > 12 ? PT_PAT_LARGE : PT_PAT_4K;
		if (m->pcd)
			v |= PT_PCD;
		if (m->pwt)
			v |= PT_PWT;
		*e = v;
	}
}

static int level_shift_by_name(const char *n)
{
	int top = levels == 5 ? 48 : 39;
	if (!strcmp(n, "pgd")) return top;
	if (!strcmp(n, "p4d")) {
		if (levels != 5)
			die("p4d level only exists with 5-level paging");
		return 39;
	}
	if (!strcmp(n, "pud")) return 30;
	if (!strcmp(n, "pmd")) return 21;
	if (!strcmp(n, "pte")) return 12;
	die("unknown level '%s'", n);
	return 0;
}

static void build_hole(struct hole *h)
{
	u64 *e = entry_ptr(h->va, h->shift, NULL);
	if (*e)
		die("hole 0x%lx: %s entry already in use", (unsigned long)h->va,
		    level_name(h->shift));
	/* Not present, but looks like a table pointer (at a decoy page full
	 * of present-looking entries): a walker ignoring bit 0 goes astray. */
	*e = decoy_pa | PT_RW | PT_A | PT_D | sme_mask;
	h->size = 1ULL << h->shift;
	h->start = h->va & ~(h->size - 1);
}

/* ------------------------------------------------------------ i386 page tables */
/* 2-level: PGD (shift 22, 1024 x 4 bytes) -> PTE (shift 12, 1024 x 4).
 * PAE: PDPT (shift 30, 4 x 8) -> PMD (shift 21, 512 x 8) -> PTE (512 x 8). */
struct badt { u64 va, start, size, target; int lvl, noise; };
static struct badt *badts;
static size_t nbadts, capbadts;

static uint32_t *phys_u32(u64 pa)
{
	if (pa & 3)
		die("unaligned 4-byte physical write at 0x%lx", (unsigned long)pa);
	return (uint32_t *)(phys_page(pa, 1) + (pa & 4095));
}

static u64 i3_rd(u64 pa)
{
	return i3_esz == 8 ? *phys_u64(pa) : *phys_u32(pa);
}

static void i3_wr(u64 pa, u64 v)
{
	if (i3_esz == 8)
		*phys_u64(pa) = v;
	else {
		if (v >> 32)
			die("2-level entry 0x%lx does not fit 32 bits", (unsigned long)v);
		*phys_u32(pa) = (uint32_t)v;
	}
}

static const char *i3_level_name(int lvl)
{
	if (lvl == i3_nlev - 1) return "pte";
	return lvl == 0 ? "pgd" : "pmd";
}

/* table-pointer entry for a table at PA (a PDPT entry has only P) */
static u64 i3_table_entry(int lvl, u64 pa)
{
	return pa | PT_P | (pae && lvl == 0 ? 0 : PT_RW | PT_A | PT_D);
}

/* PA of the entry for va at level lvl, creating the tables above it */
static u64 i3_entry_pa(u64 va, int lvl)
{
	u64 table = pgd_pa;
	if (va >> 32)
		die("va 0x%lx is above 4 GiB", (unsigned long)va);
	for (int l = 0;; l++) {
		u64 epa = table + ((va >> i3_shift[l]) & ((1ULL << i3_bits[l]) - 1)) * (u64)i3_esz;
		if (l == lvl)
			return epa;
		u64 e = i3_rd(epa);
		if (!e) {
			e = i3_table_entry(l, alloc_pt());
			i3_wr(epa, e);
		} else if (!(e & PT_P) || (!(pae && l == 0) && (e & PT_PSE))) {
			die("va 0x%lx: %s entry already used by a leaf/hole", (unsigned long)va,
			    i3_level_name(l));
		} else {
			for (size_t i = 0; i < nbadts; i++)
				if (badts[i].lvl == l && va - badts[i].start < badts[i].size)
					die("va 0x%lx: %s entry is a badtable", (unsigned long)va,
					    i3_level_name(l));
		}
		table = e & (pae ? PT_ADDR : 0xfffff000ULL);
	}
}

static int i3_level_by_name(const char *n)
{
	if (!strcmp(n, "pgd")) return 0;
	if (!strcmp(n, "pmd") && pae) return 1;
	if (!strcmp(n, "pte")) return i3_nlev - 1;
	die("unknown i386 level '%s' (pgd|pmd|pte; pmd only with PAE)", n);
	return 0;
}

static int i3_level_of_pgsz(u64 pgsz)
{
	if (pgsz == 4096) return i3_nlev - 1;
	if (!pae && pgsz == (4ULL << 20)) return 0;
	if (pae && pgsz == (2ULL << 20)) return 1;
	die(pae ? "PAE page size must be 4K or 2M" : "2-level page size must be 4K or 4M");
	return 0;
}

static void i3_build_map(const struct map *m)
{
	int lvl = i3_level_of_pgsz(m->pgsz);
	int large = lvl != i3_nlev - 1;
	if ((m->va | m->pa | m->size) & (m->pgsz - 1))
		die("map 0x%lx: va/pa/size not aligned to page size", (unsigned long)m->va);
	if (m->va + m->size > 0x100000000ULL)
		die("map 0x%lx: beyond 4 GiB", (unsigned long)m->va);
	if (m->hibits)
		die("map 0x%lx: hibits not available on i386", (unsigned long)m->va);
	if (m->nx && !pae)
		die("map 0x%lx: nx needs PAE", (unsigned long)m->va);
	for (u64 off = 0; off < m->size; off += m->pgsz) {
		u64 va = m->va + off, pa = m->pa + off;
		u64 epa = i3_entry_pa(va, lvl);
		if (i3_rd(epa))
			die("map 0x%lx: overlaps an existing mapping", (unsigned long)va);
		u64 v = PT_A | PT_D;
		if (!m->notpresent) v |= PT_P;
		if (!m->ro) v |= PT_RW;
		if (!m->noglobal) v |= PT_G;
		if (m->user) v |= PT_US;
		if (m->sw) v |= PT_SW1 | PT_SW2;
		if (m->nx) v |= PT_NX;
		if (large) v |= PT_PSE;
		if (m->pat) v |= large ? PT_PAT_LARGE : PT_PAT_4K;
		if (m->pcd) v |= PT_PCD;
		if (m->pwt) v |= PT_PWT;
		if (!pae) {
			if (large) {
				/* PSE-36: PA bits 39..32 in entry bits 20..13 */
				if (pa >> 40)
					die("map 0x%lx: PA above 1 TiB for a 4M page", (unsigned long)va);
				v |= (pa & 0xffc00000ULL) | ((pa >> 32) & 0xff) << 13;
			} else {
				if (pa >> 32)
					die("map 0x%lx: 2-level 4K page above 4 GiB", (unsigned long)va);
				v |= pa;
			}
		} else {
			if (pa >> 52)
				die("map 0x%lx: PA beyond 52 bits", (unsigned long)va);
			v |= pa;
		}
		i3_wr(epa, v);
	}
}

static void i3_build_hole(struct hole *h, int lvl)
{
	u64 epa = i3_entry_pa(h->va, lvl);
	if (i3_rd(epa))
		die("hole 0x%lx: %s entry already in use", (unsigned long)h->va, i3_level_name(lvl));
	/* not present, but pointing at a page of present-looking entries */
	i3_wr(epa, decoy_pa | (pae && lvl == 0 ? 0 : PT_RW | PT_A | PT_D));
	h->size = 1ULL << i3_shift[lvl];
	h->start = h->va & ~(h->size - 1);
}

/* ------------------------------------------------------------ loads & notes */
struct load { u64 paddr, memsz, filesz, vaddr, off; int vaddr_set; };
static struct load *loads;
static size_t nloads, caploads;

struct noteseg { int kinds[16]; int n; u64 off, len; unsigned char *buf; };
static struct noteseg *notesegs;
static size_t nnotesegs, capnotesegs;
enum { N_VMCOREINFO, N_PRSTATUS, N_QEMU, N_XSTATE, N_PAD, N_PAD60 };

struct probe { char *input; const char *group; };
static struct probe *probes;
static size_t nprobes, capprobes;


static u64 file_size_final;

/* ------------------------------------------------------------ spec parsing */
struct line { int no; int argc; char *argv[32]; char *raw; };
static struct line *lines;
static size_t nlines, caplines;

static void read_spec(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	int no = 0;
	if (!f)
		die("cannot open: %s", strerror(errno));
	while (fgets(buf, sizeof(buf), f)) {
		no++;
		char *h = strchr(buf, '#');
		if (h)
			*h = 0;
		struct line l;
		memset(&l, 0, sizeof(l));
		l.no = no;
		l.raw = strdup(buf);
		char *save, *tok = strtok_r(buf, " \t\r\n", &save);
		while (tok) {
			if (l.argc == 32)
				die("line %d: too many words", no);
			l.argv[l.argc++] = strdup(tok);
			tok = strtok_r(NULL, " \t\r\n", &save);
		}
		if (l.argc)
			PUSH(lines, nlines, caplines, l);
	}
	fclose(f);
}

static void need(const struct line *l, int min, int max)
{
	if (l->argc < min || l->argc > max)
		die("'%s': wrong number of arguments", l->argv[0]);
}

static int kind_by_name(const char *n)
{
	if (!strcmp(n, "vmcoreinfo")) return N_VMCOREINFO;
	if (!strcmp(n, "prstatus")) return N_PRSTATUS;
	if (!strcmp(n, "qemu")) return N_QEMU;
	if (!strcmp(n, "xstate")) return N_XSTATE;
	if (!strcmp(n, "pad")) return N_PAD;
	if (!strcmp(n, "pad60")) return N_PAD60;
	die("unknown note kind '%s'", n);
	return 0;
}

/* ------------------------------------------------------------ kdump-compressed settings */
/* format kdump [codec=zlib|lzo|snappy|zstd|none|mixed] [version=1..6]
 *              [flattened] [split=N] [order=I,J,..] [missing=I,..]
 *              [block=N] [diskdump-sig] [nozeroshare] [incomplete=N]
 *              [truncate=N] [flatcut=N] [shuffle] [shuffle-all]
 *              [mapnr32=N] [dump_level=N]
 * kcorrupt blocksize|bitmap-eof|mapnr-big|flat-negsize|split-overlap|
 *          split-mapnr|desc-eof PA|garbage PA|rawsize PA                */
enum { K_NONE = 0, K_ZLIB = 1, K_LZO = 2, K_SNAPPY = 4, K_INCOMPLETE = 8, K_ZSTD = 0x20,
       K_MIXED = -1 };
enum { KC_NONE, KC_BLOCKSIZE, KC_BITMAP_EOF, KC_MAPNR_BIG, KC_FLAT_NEGSIZE, KC_SPLIT_OVERLAP,
       KC_SPLIT_MAPNR, KC_DESC_EOF, KC_GARBAGE, KC_RAWSIZE };
#define KD_MAXPARTS 16
static struct {
	int on, codec, version, flattened, nsplit, diskdump, zeroshare, shuffle, shuffle_all;
	u64 block;
	int incomplete_n, trunc_n, flatcut_n;
	int order[KD_MAXPARTS], norder;
	int missing[KD_MAXPARTS];
	u64 mapnr32;
	int mapnr32_set, dump_level;
	int corrupt;
	int hdr;          /* 0 default (32-bit layout for i386), 32, 64 */
	char uts_machine[65];
	char *corrupt_expr;
	u64 corrupt_pa;
} kd = { .codec = K_ZLIB, .version = 6, .nsplit = 1, .block = 4096, .zeroshare = 1,
	 .dump_level = 31 };
static int expect_rc[4] = { 3 }, nexpect_rc = 1;

static int codec_by_name(const char *n)
{
	if (!strcmp(n, "zlib")) return K_ZLIB;
	if (!strcmp(n, "lzo")) return K_LZO;
	if (!strcmp(n, "snappy")) return K_SNAPPY;
	if (!strcmp(n, "zstd")) return K_ZSTD;
	if (!strcmp(n, "none")) return K_NONE;
	if (!strcmp(n, "mixed")) return K_MIXED;
	die("unknown codec '%s'", n);
	return 0;
}

static const char *codec_str(int c)
{
	switch (c) {
	case K_ZLIB: return "zlib";
	case K_LZO: return "lzo";
	case K_SNAPPY: return "snappy";
	case K_ZSTD: return "zstd";
	}
	return NULL;
}

static int codec_compiled(int c)
{
	switch (c) {
	case K_NONE: case K_ZLIB: case K_LZO: return 1;
#ifdef HAVE_SNAPPY
	case K_SNAPPY: return 1;
#endif
#ifdef HAVE_ZSTD
	case K_ZSTD: return 1;
#endif
	}
	return 0;
}

static int parse_intlist(const char *s, int *out, int max)
{
	int n = 0;
	char buf[256], *save, *t;
	snprintf(buf, sizeof(buf), "%s", s);
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == max)
			die("too many list items");
		out[n++] = (int)num(t);
	}
	return n;
}

static void parse_format(struct line *l)
{
	if (l->argc < 2 || strcmp(l->argv[1], "kdump"))
		die("format kdump [options]");
	kd.on = 1;
	for (int j = 2; j < l->argc; j++) {
		const char *a = l->argv[j];
		if (!strncmp(a, "codec=", 6)) kd.codec = codec_by_name(a + 6);
		else if (!strncmp(a, "version=", 8)) kd.version = (int)num(a + 8);
		else if (!strcmp(a, "flattened")) kd.flattened = 1;
		else if (!strncmp(a, "split=", 6)) kd.nsplit = (int)num(a + 6);
		else if (!strncmp(a, "order=", 6)) kd.norder = parse_intlist(a + 6, kd.order, KD_MAXPARTS);
		else if (!strncmp(a, "missing=", 8)) {
			int m[KD_MAXPARTS], n = parse_intlist(a + 8, m, KD_MAXPARTS);
			for (int k = 0; k < n; k++) {
				if (m[k] < 0 || m[k] >= KD_MAXPARTS)
					die("missing=: bad part");
				kd.missing[m[k]] = 1;
			}
		}
		else if (!strncmp(a, "block=", 6)) kd.block = num(a + 6);
		else if (!strcmp(a, "diskdump-sig")) kd.diskdump = 1;
		else if (!strcmp(a, "nozeroshare")) kd.zeroshare = 0;
		else if (!strncmp(a, "incomplete=", 11)) kd.incomplete_n = (int)num(a + 11);
		else if (!strncmp(a, "truncate=", 9)) kd.trunc_n = (int)num(a + 9);
		else if (!strncmp(a, "flatcut=", 8)) kd.flatcut_n = (int)num(a + 8);
		else if (!strcmp(a, "shuffle")) kd.shuffle = 1;
		else if (!strcmp(a, "shuffle-all")) kd.shuffle = kd.shuffle_all = 1;
		else if (!strncmp(a, "mapnr32=", 8)) { kd.mapnr32 = num(a + 8); kd.mapnr32_set = 1; }
		else if (!strncmp(a, "dump_level=", 11)) kd.dump_level = (int)num(a + 11);
		else if (!strcmp(a, "hdr32")) kd.hdr = 32;
		else if (!strcmp(a, "hdr64")) kd.hdr = 64;
		else if (!strncmp(a, "uname=", 6)) snprintf(kd.uts_machine, sizeof(kd.uts_machine), "%s", a + 6);
		else die("unknown format option '%s'", a);
	}
	if (kd.version < 1 || kd.version > 6)
		die("version must be 1..6");
	if (kd.nsplit < 1 || kd.nsplit > KD_MAXPARTS)
		die("split=1..%d", KD_MAXPARTS);
	if (kd.block < 4096 || (kd.block & (kd.block - 1)) || kd.block > 65536)
		die("block must be a power of two, 4096..65536");
	if (kd.codec == K_MIXED) {
		if (!codec_compiled(K_SNAPPY) || !codec_compiled(K_ZSTD)) {
			fprintf(stderr, "mkvmcore: %s: codec=mixed needs snappy and zstd, not compiled in\n", spec_path);
			exit(4);
		}
	} else if (!codec_compiled(kd.codec)) {
		fprintf(stderr, "mkvmcore: %s: codec %s not compiled in\n", spec_path, codec_str(kd.codec));
		exit(4);
	}
	if (!kd.norder) {
		kd.norder = kd.nsplit;
		for (int i = 0; i < kd.nsplit; i++)
			kd.order[i] = i;
	}
}

static void parse_kcorrupt(struct line *l)
{
	need(l, 2, 3);
	const char *k = l->argv[1];
	if (!strcmp(k, "blocksize")) kd.corrupt = KC_BLOCKSIZE;
	else if (!strcmp(k, "bitmap-eof")) kd.corrupt = KC_BITMAP_EOF;
	else if (!strcmp(k, "mapnr-big")) kd.corrupt = KC_MAPNR_BIG;
	else if (!strcmp(k, "flat-negsize")) kd.corrupt = KC_FLAT_NEGSIZE;
	else if (!strcmp(k, "split-overlap")) kd.corrupt = KC_SPLIT_OVERLAP;
	else if (!strcmp(k, "split-mapnr")) kd.corrupt = KC_SPLIT_MAPNR;
	else if (!strcmp(k, "desc-eof")) kd.corrupt = KC_DESC_EOF;
	else if (!strcmp(k, "garbage")) kd.corrupt = KC_GARBAGE;
	else if (!strcmp(k, "rawsize")) kd.corrupt = KC_RAWSIZE;
	else die("unknown kdump corruption '%s'", k);
	if (kd.corrupt == KC_DESC_EOF || kd.corrupt == KC_GARBAGE || kd.corrupt == KC_RAWSIZE) {
		need(l, 3, 3);
		kd.corrupt_expr = strdup(l->argv[2]);
	} else {
		need(l, 2, 2);
	}
}

static int is_obj_directive(const char *d);
static void objs_pass1(struct line *l);

/* pass 1: scalar settings and symbols */
static void pass1(void)
{
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		const char *d = l->argv[0];
		cur_line = l->no;
		if (!strcmp(d, "levels")) {
			need(l, 2, 2);
			levels = (int)num(l->argv[1]);
			if (levels != 4 && levels != 5)
				die("levels must be 4 or 5");
			if (levels == 5) {
				pob = 0xff11000000000000ULL;
				vmb = 0xffa0000000000000ULL;
				vmemb = 0xffd4000000000000ULL;
			}
		} else if (!strcmp(d, "sym")) {
			need(l, 3, 4);
			set_sym(l->argv[1], num(l->argv[2]), l->argc > 3 ? l->argv[3][0] : 'D');
		}
	}
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		const char *d = l->argv[0];
		cur_line = l->no;
		if (!strcmp(d, "kaslr")) {
			need(l, 2, 2); kaslr = eval(l->argv[1]);
		} else if (!strcmp(d, "phys_base")) {
			need(l, 2, 2); phys_base = (s64)eval(l->argv[1]);
		}
	}
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		const char *d = l->argv[0];
		cur_line = l->no;
		if (!strcmp(d, "page_offset_base")) {
			need(l, 2, 2); pob = eval(l->argv[1]);
		} else if (!strcmp(d, "vmalloc_base")) {
			need(l, 2, 2); vmb = eval(l->argv[1]);
		} else if (!strcmp(d, "vmemmap_base")) {
			need(l, 2, 2); vmemb = eval(l->argv[1]);
		} else if (!strcmp(d, "sme_mask")) {
			need(l, 2, 2); sme_mask = eval(l->argv[1]);
		} else if (!strcmp(d, "lowmem")) {
			need(l, 2, 3);
			lowmem_size = eval(l->argv[1]);
			if (l->argc > 2)
				lowmem_pgsz = !strcmp(l->argv[2], "off") ? 0 : num(l->argv[2]);
		} else if (!strcmp(d, "high_memory")) {
			need(l, 2, 2); high_memory_val = eval(l->argv[1]); high_memory_set = 1;
		} else if (!strcmp(d, "highmem")) {
			/* highmem START_PA END_PA: highstart_pfn / highend_pfn */
			need(l, 3, 3);
			highstart_pfn = eval(l->argv[1]) >> 12;
			highend_pfn = eval(l->argv[2]) >> 12;
		} else if (!strcmp(d, "container")) {
			need(l, 2, 2);
			if (!strcmp(l->argv[1], "elf64")) elf64_386 = 1;
			else if (!strcmp(l->argv[1], "elf32")) elf64_386 = 0;
			else die("container elf32|elf64");
		} else if (!strcmp(d, "fixaddr_top") || !strcmp(d, "pkmap") || !strcmp(d, "pkmap_ptr")) {
			/* after high_memory is known */
		} else if (!strcmp(d, "release")) {
			need(l, 2, 2); snprintf(release, sizeof(release), "%s", l->argv[1]);
		} else if (!strcmp(d, "fixmap_enum")) {
			need(l, 2, 2); fixmap_enum = (long)num(l->argv[1]);
		} else if (!strcmp(d, "stext_delta")) {
			need(l, 2, 2); stext_delta = (s64)eval(l->argv[1]);
		} else if (!strcmp(d, "ptarea")) {
			need(l, 2, 3);
			ptarea_pa = eval(l->argv[1]);
			ptarea_set = 1;
			if (l->argc > 2)
				ptarea_pages = num(l->argv[2]);
		} else if (!strcmp(d, "kimage")) {
			need(l, 2, 2);
			if (!strcmp(l->argv[1], "off"))
				kimage_pgsz = 0;
			else
				kimage_pgsz = num(l->argv[1]);
		} else if (!strcmp(d, "align")) {
			need(l, 2, 2); load_align = num(l->argv[1]);
			if (!load_align)
				load_align = 1;
		} else if (!strcmp(d, "phdrs")) {
			need(l, 2, 2);
			if (!strcmp(l->argv[1], "start")) phdr_pos = 0;
			else if (!strcmp(l->argv[1], "after-shdrs")) phdr_pos = 1;
			else if (!strcmp(l->argv[1], "end")) phdr_pos = 2;
			else die("phdrs: start|after-shdrs|end");
		} else if (!strcmp(d, "tablebits")) {
			need(l, 1, 1);
			table_extra = PT_SW1 | PT_SW2 | (1ULL << 11) | (1ULL << 52);
		} else if (!strcmp(d, "phpad")) {
			need(l, 2, 2); phpad = num(l->argv[1]);
		} else if (!strcmp(d, "pn_xnum")) {
			pn_xnum = 1;
		} else if (!strcmp(d, "truncate-load")) {
			need(l, 3, 3);
			trunc_load = (int)num(l->argv[1]);
			trunc_bytes = num(l->argv[2]);
		} else if (!strcmp(d, "expect-error")) {
			need(l, 1, 3);
			expect_error = 1;
			for (int j = 1; j < l->argc; j++) {
				if (!strncmp(l->argv[j], "rc=", 3))
					nexpect_rc = parse_intlist(l->argv[j] + 3, expect_rc, 4);
				else
					snprintf(expect_error_word, sizeof(expect_error_word), "%s", l->argv[j]);
			}
		} else if (!strcmp(d, "expect-sane")) {
			expect_sane = 1;
		} else if (!strcmp(d, "force-ok")) {
			force_ok = 1;
		} else if (!strcmp(d, "allow-missing")) {
			allow_missing = 1;
		} else if (!strcmp(d, "autoprobe")) {
			autoprobe = 1;
		} else if (!strcmp(d, "symline")) {
			char *r = strstr(l->raw, "symline") + strlen("symline");
			while (*r == ' ' || *r == '\t')
				r++;
			size_t n = strcspn(r, "\r\n");
			symlines = xrealloc(symlines, symlines_len + n + 2);
			memcpy(symlines + symlines_len, r, n);
			symlines_len += n;
			symlines[symlines_len++] = '\n';
			symlines[symlines_len] = 0;
		} else if (!strcmp(d, "vmcoreinfo-extra")) {
			char *r = strstr(l->raw, "vmcoreinfo-extra") + strlen("vmcoreinfo-extra");
			while (*r == ' ' || *r == '\t')
				r++;
			size_t n = strcspn(r, "\r\n");
			vmci_extra = xrealloc(vmci_extra, vmci_extra_len + n + 2);
			memcpy(vmci_extra + vmci_extra_len, r, n);
			vmci_extra_len += n;
			vmci_extra[vmci_extra_len++] = '\n';
			vmci_extra[vmci_extra_len] = 0;
		} else if (!strcmp(d, "corrupt")) {
			need(l, 2, 3);
			const char *k = l->argv[1];
			if (!strcmp(k, "empty")) corrupt_kind = C_EMPTY;
			else if (!strcmp(k, "notelf")) corrupt_kind = C_NOTELF;
			else if (!strcmp(k, "ehdr-truncated")) corrupt_kind = C_EHDR_TRUNC;
			else if (!strcmp(k, "phoff-past-eof")) corrupt_kind = C_PHOFF_EOF;
			else if (!strcmp(k, "class32")) corrupt_kind = C_CLASS32;
			else if (!strcmp(k, "msb")) corrupt_kind = C_MSB;
			else if (!strcmp(k, "note-namesz-huge")) corrupt_kind = C_NOTE_NAMESZ;
			else if (!strcmp(k, "note-descsz-huge")) corrupt_kind = C_NOTE_DESCSZ;
			else if (!strcmp(k, "load-filesz-huge")) corrupt_kind = C_LOAD_HUGE;
			else if (!strcmp(k, "phentsize")) { need(l, 3, 3); corrupt_kind = C_PHENTSIZE; corrupt_arg = num(l->argv[2]); }
			else if (!strcmp(k, "phnum")) { need(l, 3, 3); corrupt_kind = C_PHNUM; corrupt_arg = num(l->argv[2]); }
			else if (!strcmp(k, "machine")) { need(l, 3, 3); corrupt_kind = C_MACHINE; corrupt_arg = num(l->argv[2]); }
			else die("unknown corruption '%s'", k);
		} else if (!strcmp(d, "notes")) {
			struct noteseg ns;
			memset(&ns, 0, sizeof(ns));
			if (l->argc > 17)
				die("too many notes in one segment");
			for (int j = 1; j < l->argc; j++)
				ns.kinds[ns.n++] = kind_by_name(l->argv[j]);
			PUSH(notesegs, nnotesegs, capnotesegs, ns);
		} else if (!strcmp(d, "levels") || !strcmp(d, "sym") || !strcmp(d, "kaslr") ||
			   !strcmp(d, "phys_base") || !strcmp(d, "map") || !strcmp(d, "hole") ||
			   !strcmp(d, "loop") || !strcmp(d, "load") || !strcmp(d, "probe") ||
			   !strcmp(d, "loadrange") || !strcmp(d, "probestep") ||
			   !strcmp(d, "share") || !strcmp(d, "noise") || !strcmp(d, "arch") ||
			   !strcmp(d, "paging") || !strcmp(d, "page_offset") || !strcmp(d, "badtable")) {
			/* later passes */
		} else if (is_obj_directive(d)) {
			objs_pass1(l);
		} else if (!strcmp(d, "format")) {
			parse_format(l);
		} else if (!strcmp(d, "kcorrupt")) {
			parse_kcorrupt(l);
		} else {
			die("unknown directive '%s'", d);
		}
	}
	cur_line = 0;
	if (!high_memory_set)
		high_memory_val = page_offset + lowmem_size;
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		const char *d = l->argv[0];
		cur_line = l->no;
		if (!strcmp(d, "fixaddr_top")) {
			need(l, 2, 2); fixaddr_top = eval(l->argv[1]);
		} else if (!strcmp(d, "pkmap")) {
			need(l, 2, 2); pkmap_base = eval(l->argv[1]); pkmap_set = 1;
		} else if (!strcmp(d, "pkmap_ptr")) {
			need(l, 2, 2); pkmap_ptr_val = eval(l->argv[1]); pkmap_ptr_set = 1;
		}
	}
	cur_line = 0;
	if ((kd.on && kd.hdr != 0 && !arch32) || (!arch32 && (elf64_386 || pkmap_set)))
		die("i386-only settings without 'arch i386'");
}

/* pass 0: architecture, paging mode and PAGE_OFFSET (before the default
 * symbols, which depend on them) */
static void pass0(void)
{
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		const char *d = l->argv[0];
		cur_line = l->no;
		if (!strcmp(d, "arch")) {
			need(l, 2, 2);
			if (!strcmp(l->argv[1], "i386")) arch32 = 1;
			else if (strcmp(l->argv[1], "x86_64")) die("arch i386|x86_64");
		} else if (!strcmp(d, "paging")) {
			need(l, 2, 2);
			if (!strcmp(l->argv[1], "pae")) pae = 1;
			else if (!strcmp(l->argv[1], "2level")) pae = 0;
			else die("paging 2level|pae");
		} else if (!strcmp(d, "page_offset")) {
			need(l, 2, 2); page_offset = num(l->argv[1]);
		}
	}
	cur_line = 0;
}

static void parse_map(struct line *l)
{
	struct map m;
	memset(&m, 0, sizeof(m));
	if (l->argc < 5)
		die("map VA PA SIZE PGSZ [flags]");
	m.va = eval(l->argv[1]);
	m.pa = eval(l->argv[2]);
	m.size = eval(l->argv[3]);
	m.pgsz = num(l->argv[4]);
	for (int j = 5; j < l->argc; j++) {
		const char *f = l->argv[j];
		if (!strcmp(f, "nx")) m.nx = 1;
		else if (!strcmp(f, "pat")) m.pat = 1;
		else if (!strcmp(f, "ro")) m.ro = 1;
		else if (!strcmp(f, "sw")) m.sw = 1;
		else if (!strcmp(f, "user")) { m.user = 1; m.noglobal = 1; }
		else if (!strcmp(f, "noglobal")) m.noglobal = 1;
		else if (!strcmp(f, "notpresent")) m.notpresent = 1;
		else if (!strcmp(f, "hibits")) m.hibits = 1;
		else if (!strcmp(f, "pcd")) m.pcd = 1;
		else if (!strcmp(f, "pwt")) m.pwt = 1;
		else die("unknown map flag '%s'", f);
	}
	if (!m.size)
		die("empty mapping");
	PUSH(maps, nmaps, capmaps, m);
}

static void parse_load(struct line *l)
{
	struct load ld;
	memset(&ld, 0, sizeof(ld));
	if (l->argc < 3)
		die("load PADDR SIZE [filesz=N] [vaddr=X]");
	ld.paddr = eval(l->argv[1]);
	ld.memsz = eval(l->argv[2]);
	ld.filesz = ld.memsz;
	for (int j = 3; j < l->argc; j++) {
		if (!strncmp(l->argv[j], "filesz=", 7))
			ld.filesz = eval(l->argv[j] + 7);
		else if (!strncmp(l->argv[j], "vaddr=", 6)) {
			ld.vaddr = eval(l->argv[j] + 6);
			ld.vaddr_set = 1;
		} else
			die("unknown load option '%s'", l->argv[j]);
	}
	if (ld.filesz > ld.memsz)
		die("filesz > memsz");
	if (!ld.vaddr_set)
		ld.vaddr = (arch32 ? page_offset : pob) + ld.paddr;
	PUSH(loads, nloads, caploads, ld);
}

/* loadrange PADDR COUNT SIZE [filesz=N] [stride=S] */
static void parse_loadrange(struct line *l)
{
	if (l->argc < 4)
		die("loadrange PADDR COUNT SIZE [filesz=N] [stride=S]");
	u64 pa = eval(l->argv[1]), cnt = num(l->argv[2]), size = eval(l->argv[3]);
	u64 filesz = size, stride = size;
	for (int j = 4; j < l->argc; j++) {
		if (!strncmp(l->argv[j], "filesz=", 7))
			filesz = eval(l->argv[j] + 7);
		else if (!strncmp(l->argv[j], "stride=", 7))
			stride = eval(l->argv[j] + 7);
		else
			die("unknown loadrange option '%s'", l->argv[j]);
	}
	if (filesz > size || stride < size)
		die("loadrange: bad filesz/stride");
	for (u64 i = 0; i < cnt; i++) {
		struct load ld;
		memset(&ld, 0, sizeof(ld));
		ld.paddr = pa + i * stride;
		ld.memsz = size;
		ld.filesz = filesz;
		ld.vaddr = (arch32 ? page_offset : pob) + ld.paddr;
		PUSH(loads, nloads, caploads, ld);
	}
}

static int cmp_load(const void *a, const void *b)
{
	const struct load *x = *(const struct load *const *)a, *y = *(const struct load *const *)b;
	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

static void check_load_overlap(void)
{
	const struct load **v = xcalloc(nloads, sizeof(*v));
	for (size_t i = 0; i < nloads; i++)
		v[i] = &loads[i];
	qsort(v, nloads, sizeof(*v), cmp_load);
	for (size_t i = 1; i < nloads; i++)
		if (v[i]->paddr < v[i - 1]->paddr + v[i - 1]->memsz)
			die("load at 0x%lx overlaps another load", (unsigned long)v[i]->paddr);
	free(v);
}

/* ------------------------------------------------------------ expectations */
static const char *region_of(u64 va, u64 *rs, u64 *re);

struct region { const char *name; u64 start, end; const char *parent; };
static struct region regions[16];
static int nregions;

static void add_region(const char *n, u64 s, u64 e)
{
	regions[nregions].name = n;
	regions[nregions].start = s;
	regions[nregions].end = e;
	regions[nregions].parent = NULL;
	nregions++;
}

/* what kmapdump will find as PKMAP_BASE (0: none) */
static u64 i3_pkmap_found(void)
{
	u64 span = 1ULL << i3_shift[i3_nlev - 2];
	if (!pkmap_set)
		return 0;
	u64 ptr = pkmap_ptr_set ? pkmap_ptr_val : page_offset + pkmap_pt;
	if (ptr != page_offset + pkmap_pt)
		return 0;
	/* the scan starts at high_memory rounded down to the table span */
	if (pkmap_base < (high_memory_val & ~(span - 1)))
		return 0;
	return pkmap_base;
}

static u64 i3_fixaddr_top(void)
{
	/* kmapdump ignores a value below high_memory */
	return fixaddr_top < high_memory_val ? 0xfffff000ULL : fixaddr_top;
}

static void build_regions_i386(void)
{
	u64 hm = high_memory_val, ft = i3_fixaddr_top(), pk = i3_pkmap_found();
	u64 vs = hm + (8ULL << 20);
	add_region("lowmem", page_offset, hm);
	u64 fs = ft;
	if (fixmap_enum > 0 && fixmap_enum < (256 << 20) >> 12)
		fs = ft - ((u64)fixmap_enum << 12);
	if (pk) {
		/* cpu-entry-area runs up to the fixmap */
		u64 pe = pk + ((u64)(pae ? 512 : 1024) << 12);
		add_region("vmalloc", vs, pk - 0x2000);
		add_region("pkmap", pk, pe);
		add_region("cpu-entry-area", pe, fs > pe ? fs : pe);
	}
	/* no highmem: vmalloc runs up to the fixmap */
	if (!pk)
		add_region("vmalloc", vs, fs > vs ? fs : vs);
	add_region("fixmap", fs, ft + 0x1000);
	int ntop = nregions;
	u64 t = sym_runtime("_text"), et = sym_runtime("_etext"), ed = sym_runtime("_edata");
	if (t < et && et < ed) {
		const char *nm[3] = { ".text", ".data", ".init" };
		u64 b[3][2] = { { t, et }, { et, ed }, { 0, 0 } };
		if (find_sym("__init_begin") && find_sym("__init_end")) {
			b[2][0] = sym_runtime("__init_begin");
			b[2][1] = sym_runtime("__init_end");
		}
		for (int k = 0; k < 3; k++) {
			if (!(b[k][0] < b[k][1]))
				continue;
			const char *parent = NULL;
			for (int r = ntop; r-- > 0;)
				if (b[k][0] >= regions[r].start && b[k][1] <= regions[r].end) {
					parent = regions[r].name;
					break;
				}
			add_region(nm[k], b[k][0], b[k][1]);
			regions[nregions - 1].parent = parent;
		}
	}
	/* sort by start, the enclosing region first */
	for (int i = 1; i < nregions; i++)
		for (int j = i; j > 0 && (regions[j].start < regions[j - 1].start ||
					  (regions[j].start == regions[j - 1].start &&
					   !regions[j].parent && regions[j - 1].parent)); j--) {
			struct region x = regions[j];
			regions[j] = regions[j - 1];
			regions[j - 1] = x;
		}
}


static void build_regions(void)
{
	if (arch32) {
		build_regions_i386();
		return;
	}
	int l5 = levels == 5;
	int pgdir_shift = l5 ? 48 : 39;
	u64 TiB = 1ULL << 40;
	if (l5)
		add_region("guard-hole", 0xff00000000000000ULL, 0xff10000000000000ULL);
	else
		add_region("guard-hole", 0xffff800000000000ULL, 0xffff880000000000ULL);
	u64 ldt = 0 - ((u64)240 << pgdir_shift);
	add_region("ldt-remap", ldt, ldt + (1ULL << pgdir_shift));
	add_region("direct-map", pob, umin(pob + (l5 ? 32 * 1024 * TiB : 64 * TiB), vmb));
	add_region("vmalloc", vmb, umin(vmb + (l5 ? 12800 * TiB : 32 * TiB), vmemb));
	add_region("vmemmap", vmemb, umin(vmemb + (l5 ? 512 * TiB : TiB), 0xfffffe0000000000ULL));
	add_region("cpu-entry-area", 0xfffffe0000000000ULL, 0xfffffe8000000000ULL);
	add_region("espfix", 0xffffff0000000000ULL, 0xffffff8000000000ULL);
	add_region("efi", 0xffffffef00000000ULL, 0xffffffff00000000ULL);
	add_region("kernel-text", START_KERNEL_MAP, START_KERNEL_MAP + KERNEL_IMAGE_SIZE);
	add_region("modules", START_KERNEL_MAP + KERNEL_IMAGE_SIZE, 0xffffffffff000000ULL);
	u64 fix_start = 0xffffffffff000000ULL;
	if (fixmap_enum >= 0)
		fix_start = 0xffffffffff7ff000ULL - ((u64)fixmap_enum << 12);
	add_region("fixmap", fix_start, 0xffffffffff800000ULL);
	/* sort by start */
	for (int i = 1; i < nregions; i++)
		for (int j = i; j > 0 && regions[j].start < regions[j - 1].start; j--) {
			struct region t = regions[j];
			regions[j] = regions[j - 1];
			regions[j - 1] = t;
		}
}

static const char *region_of(u64 va, u64 *rs, u64 *re)
{
	if (arch32) {
		/* the innermost (smallest) region; first in order on a tie */
		const struct region *best = NULL;
		for (int i = 0; i < nregions; i++)
			if (va >= regions[i].start && va < regions[i].end &&
			    (!best || regions[i].end - regions[i].start < best->end - best->start))
				best = &regions[i];
		if (best)
			return best->name;
		if (va >> 32)
			return "non-canonical";
		return va < page_offset ? "user" : NULL;
	}
	for (int i = 0; i < nregions; i++)
		if (va >= regions[i].start && va < regions[i].end) {
			if (rs) *rs = regions[i].start;
			if (re) *re = regions[i].end;
			return regions[i].name;
		}
	if (!is_canonical(va))
		return "non-canonical";
	if (va < (levels == 5 ? 0x0100000000000000ULL : 0x0000800000000000ULL))
		return "user";
	return NULL;
}

/* bytes of load data actually in the file (after truncation) */
static u64 load_file_bytes(const struct load *ld)
{
	if (ld->off >= file_size_final)
		return 0;
	return umin(ld->filesz, file_size_final - ld->off);
}

/* number of bytes of PA range [pa, pa+len) backed by file data */
static u64 present_in(u64 pa, u64 len)
{
	u64 tot = 0;
	for (size_t i = 0; i < nloads; i++) {
		u64 s = loads[i].paddr, e = s + load_file_bytes(&loads[i]);
		u64 a = umax(s, pa), b = umin(e, pa + len);
		if (a < b)
			tot += b - a;
	}
	return tot;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int is_hexstr(const char *s, u64 *v)
{
	const char *p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!*p || strlen(p) > 16)
		return 0;
	for (const char *q = p; *q; q++)
		if (!isxdigit((unsigned char)*q))
			return 0;
	*v = strtoull(p, NULL, 16);
	return 1;
}

/* kmapdump's documented address syntax, evaluated independently */
static int parse_probe(const char *s, u64 *va)
{
	if (is_hexstr(s, va))
		return 1;
	char name[128];
	const char *plus = strchr(s, '+');
	size_t n = plus ? (size_t)(plus - s) : strlen(s);
	if (!n || n >= sizeof(name))
		return 0;
	memcpy(name, s, n);
	name[n] = 0;
	if (!(isalpha((unsigned char)name[0]) || name[0] == '_' || name[0] == '.'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)name[i]) || name[i] == '_' || name[i] == '.'))
			return 0;
	struct sym *sy = find_sym(name);
	if (!sy)
		return 0;
	u64 off = 0;
	if (plus && !is_hexstr(plus + 1, &off))
		return 0;
	*va = (sy->type == 'A' ? sy->link : sy->link + kaslr) + off;
	return 1;
}

static const char *kd_expect(u64 pa, char *file, size_t fsz);
static const char *kd_format_name(void);
static int kd_incomplete(void);
static u64 kd_present_in(u64 pa, u64 len);
static int all_mapped = 1;

static void expect_probe(FILE *f, const char *input, const char *group)
{
	u64 va;
	fprintf(f, "{\"kind\":\"probe\",\"input\":");
	json_str(f, input);
	if (group) {
		fprintf(f, ",\"group\":");
		json_str(f, group);
	}
	fprintf(f, ",\"expect\":{");
	if (!parse_probe(input, &va)) {
		all_mapped = 0;
		fprintf(f, "\"status\":\"invalid\",\"pa\":null}}\n");
		return;
	}
	fprintf(f, "\"va\":\"0x%lx\",", (unsigned long)va);
	const char *reg = region_of(va, NULL, NULL);
	if (!is_canonical(va)) {
		all_mapped = 0;
		fprintf(f, "\"status\":\"invalid\",\"pa\":null,\"region\":\"non-canonical\"}}\n");
		return;
	}
	char regbuf[64];
	if (reg)
		snprintf(regbuf, sizeof(regbuf), "\"%s\"", reg);
	else
		snprintf(regbuf, sizeof(regbuf), "null");
	for (size_t i = 0; i < nbadts; i++) {
		const struct badt *b = &badts[i];
		if (va - b->start >= b->size || b->noise)
			continue;
		/* the walk reads a table at b->target */
		const char *ts;
		if (kd.on) {
			char file[512];
			ts = kd_expect(b->target, file, sizeof(file));
		} else {
			ts = "not-in-dump";
			for (size_t j = 0; j < nloads; j++)
				if (b->target - loads[j].paddr < loads[j].memsz) {
					ts = b->target - loads[j].paddr >= loads[j].filesz ? "excluded" :
					     loads[j].off + (b->target - loads[j].paddr) + 4096 <= file_size_final ?
					     "mapped" : "not-in-dump";
				}
		}
		all_mapped = 0;
		if (!strcmp(ts, "mapped")) /* a readable page of zeros */
			ts = "unmapped";
		fprintf(f, "\"status\":\"%s\",\"pa\":null,\"page_size\":null,\"file\":null,\"region\":%s}}\n",
			ts, regbuf);
		return;
	}
	const struct map *m = NULL;
	for (size_t i = 0; i < nmaps; i++)
		if (va >= maps[i].va && va - maps[i].va < maps[i].size)
			m = &maps[i];
	if (!m || m->notpresent) {
		all_mapped = 0;
		fprintf(f, "\"status\":\"unmapped\",\"pa\":null,\"page_size\":null,\"file\":null,\"region\":%s}}\n", regbuf);
		return;
	}
	u64 pa = m->pa + (va - m->va);
	if (kd.on) {
		char file[512];
		const char *kst = kd_expect(pa, file, sizeof(file));
		if (strcmp(kst, "mapped"))
			all_mapped = 0;
		fprintf(f, "\"status\":\"%s\",\"pa\":\"0x%lx\",\"page_size\":%lu,\"region\":%s,\"file\":%s}}\n",
			kst, (unsigned long)pa, (unsigned long)m->pgsz, regbuf, file);
		return;
	}
	const struct load *ld = NULL;
	for (size_t i = 0; i < nloads; i++)
		if (pa >= loads[i].paddr && pa - loads[i].paddr < loads[i].memsz)
			ld = &loads[i];
	const char *st;
	u64 off = 0;
	if (!ld) {
		st = "not-in-dump";
	} else if (pa - ld->paddr >= ld->filesz) {
		st = "excluded";
	} else {
		off = ld->off + (pa - ld->paddr);
		st = off < file_size_final ? "mapped" : "not-in-dump";
	}
	fprintf(f, "\"status\":\"%s\",\"pa\":\"0x%lx\",\"page_size\":%lu,\"region\":%s,",
		st, (unsigned long)pa, (unsigned long)m->pgsz, regbuf);
	if (!strcmp(st, "mapped"))
		fprintf(f, "\"file\":{\"offset\":%lu}}}\n", (unsigned long)off);
	else {
		all_mapped = 0;
		fprintf(f, "\"file\":null}}\n");
	}
}

static void expect_regions(FILE *f)
{
	fprintf(f, "{\"kind\":\"regions\",\"expect\":{\"format\":\"%s\",\"arch\":\"%s\",\"release\":",
		kd.on ? kd_format_name() : "elf", arch32 ? "i386" : "x86_64");
	json_str(f, release);
	if (arch32)
		fprintf(f, ",\"paging\":\"%s\",\"lowmem_bytes\":%lu,\"highmem_bytes\":%lu",
			pae ? "3-level (PAE)" : "2-level",
			(unsigned long)(high_memory_val - page_offset),
			(unsigned long)(highend_pfn > highstart_pfn ? (highend_pfn - highstart_pfn) << 12 : 0));
	fprintf(f, ",\"levels\":%d,\"kaslr_offset\":\"0x%lx\",\"phys_base\":\"0x%lx\",\"page_size\":4096,\"incomplete\":%s,\"regions\":[",
		arch32 ? i3_nlev : levels, (unsigned long)kaslr, (unsigned long)phys_base,
		(kd.on ? kd_incomplete() : trunc_load >= 0) ? "true" : "false");
	for (int r = 0; r < nregions; r++) {
		u64 rs = regions[r].start, re = regions[r].end;
		u64 mapped = 0, present = 0;
		for (size_t i = 0; i < nmaps; i++) {
			const struct map *m = &maps[i];
			if (m->notpresent)
				continue;
			u64 a = umax(rs, m->va), b = umin(re - 1, m->va + m->size - 1);
			if (a > b)
				continue;
			mapped += b - a + 1;
			present += kd.on ? kd_present_in(m->pa + (a - m->va), b - a + 1) :
					   present_in(m->pa + (a - m->va), b - a + 1);
		}
		fprintf(f, "%s{\"name\":\"%s\",\"start\":\"0x%lx\",\"end\":\"0x%lx\",\"size\":%lu,\"mapped_bytes\":%lu,\"present_bytes\":%lu",
			r ? "," : "", regions[r].name, (unsigned long)rs, (unsigned long)re,
			(unsigned long)(re - rs), (unsigned long)mapped, (unsigned long)present);
		if (arch32) {
			fprintf(f, ",\"parent\":");
			if (regions[r].parent)
				json_str(f, regions[r].parent);
			else
				fprintf(f, "null");
		}
		fprintf(f, "}");
	}
	fprintf(f, "]}}\n");
}

/* ------------------------------------------------------------ ELF writing */
static unsigned char *notebuf_add(unsigned char *buf, u64 *len, const char *name,
				  uint32_t type, const void *desc, uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	u64 add = 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
	buf = xrealloc(buf, *len + add);
	unsigned char *p = buf + *len;
	memset(p, 0, add);
	memcpy(p, &namesz, 4);
	memcpy(p + 4, &descsz, 4);
	memcpy(p + 8, &type, 4);
	memcpy(p + 12, name, namesz);
	memcpy(p + 12 + ((namesz + 3) & ~3u), desc, descsz);
	*len += add;
	return buf;
}

static char *vmcoreinfo_text(void)
{
	static char t[8192];
	int n;
	if (arch32) {
		/* crash_core_32.c: no KERNELOFFSET, no phys_base */
		n = snprintf(t, sizeof(t),
			"OSRELEASE=%s\n"
			"PAGESIZE=4096\n"
			"SYMBOL(init_uts_ns)=%lx\n"
			"OFFSET(uts_namespace.name)=4\n"
			"SYMBOL(node_online_map)=%lx\n"
			"SYMBOL(swapper_pg_dir)=%lx\n"
			"SYMBOL(_stext)=%lx\n"
			"%s"
			"SIZE(page)=32\n"
			"SIZE(list_head)=8\n"
			"OFFSET(page.flags)=0\n"
			"NUMBER(PG_lru)=4\n"
			"%s"
			"%s"
			"CRASHTIME=1700000000\n",
			release,
			(unsigned long)(page_offset + 0x1a15000 + kaslr),
			(unsigned long)(page_offset + 0x1a16000 + kaslr),
			(unsigned long)sym_runtime("swapper_pg_dir"),
			(unsigned long)sym_runtime("_stext"),
			vmal_line(),
			pae ? "CONFIG_X86_PAE=y\n" : "",
			vmci_extra ? vmci_extra : "");
		if (n < 0 || (size_t)n >= sizeof(t))
			die("vmcoreinfo too long");
		return t;
	}
	n = snprintf(t, sizeof(t),
		"OSRELEASE=%s\n"
		"BUILD-ID=5c1d0b7e2b9e4f3a8d6e0f1a2b3c4d5e6f708192\n"
		"PAGESIZE=4096\n"
		"SYMBOL(init_uts_ns)=%lx\n"
		"OFFSET(uts_namespace.name)=4\n"
		"SYMBOL(node_online_map)=%lx\n"
		"SYMBOL(_stext)=%lx\n"
		"%s"
		"SIZE(page)=64\n"
		"SIZE(list_head)=16\n"
		"OFFSET(page.flags)=0\n"
		"LENGTH(zone.free_area)=11\n"
		"NUMBER(PG_lru)=4\n"
		"NUMBER(phys_base)=%ld\n"
		"SYMBOL(init_top_pgt)=%lx\n"
		"NUMBER(pgtable_l5_enabled)=%d\n"
		"KERNELOFFSET=%lx\n"
		"NUMBER(KERNEL_IMAGE_SIZE)=%lu\n"
		"NUMBER(sme_mask)=%lu\n"
		"%s"
		"CRASHTIME=1700000000\n",
		release,
		(unsigned long)(0xffffffff81a15000ULL + kaslr),
		(unsigned long)(0xffffffff81a16000ULL + kaslr),
		(unsigned long)sym_runtime("_stext"),
		vmal_line(),
		(long)phys_base,
		(unsigned long)sym_runtime("init_top_pgt"),
		levels == 5,
		(unsigned long)kaslr,
		(unsigned long)KERNEL_IMAGE_SIZE,
		(unsigned long)sme_mask,
		vmci_extra ? vmci_extra : "");
	if (n < 0 || (size_t)n >= sizeof(t))
		die("vmcoreinfo too long");
	return t;
}

static void build_notes(void)
{
	static int cpu;
	if (!nnotesegs) {
		struct noteseg ns;
		memset(&ns, 0, sizeof(ns));
		ns.kinds[ns.n++] = N_PRSTATUS;
		ns.kinds[ns.n++] = N_PRSTATUS;
		ns.kinds[ns.n++] = N_VMCOREINFO;
		PUSH(notesegs, nnotesegs, capnotesegs, ns);
	}
	for (size_t s = 0; s < nnotesegs; s++) {
		struct noteseg *ns = &notesegs[s];
		for (int k = 0; k < ns->n; k++) {
			if (ns->kinds[k] == N_VMCOREINFO) {
				const char *t = vmcoreinfo_text();
				ns->buf = notebuf_add(ns->buf, &ns->len, "VMCOREINFO", 0, t, (uint32_t)strlen(t));
			} else if (ns->kinds[k] == N_PRSTATUS && arch32) {
				/* i386 struct elf_prstatus: 144 bytes, pr_pid at 24,
				 * 17 registers at 72 */
				unsigned char d[144];
				memset(d, 0, sizeof(d));
				uint32_t pid = 100 + cpu++;
				memcpy(d + 24, &pid, 4);
				for (int r = 0; r < 17; r++) {
					uint32_t v = (uint32_t)(sym_runtime("_stext") + 0x100 * r);
					memcpy(d + 72 + 4 * r, &v, 4);
				}
				ns->buf = notebuf_add(ns->buf, &ns->len, "CORE", 1, d, sizeof(d));
			} else if (ns->kinds[k] == N_PRSTATUS) {
				unsigned char d[336];
				memset(d, 0, sizeof(d));
				uint32_t pid = 100 + cpu++;
				memcpy(d + 32, &pid, 4); /* pr_pid */
				for (int r = 0; r < 27; r++) { /* pr_reg: fake register values */
					u64 v = 0xffffffff81000000ULL + kaslr + 0x1000 * r;
					memcpy(d + 112 + 8 * r, &v, 8);
				}
				ns->buf = notebuf_add(ns->buf, &ns->len, "CORE", 1, d, sizeof(d));
			} else if (ns->kinds[k] == N_PAD || ns->kinds[k] == N_PAD60) {
				/* zero fill inside p_filesz, as in kexec-tools' fixed-size
				 * per-cpu note buffers (reads as namesz=0 descsz=0 type=0) */
				u64 n = ns->kinds[k] == N_PAD ? 64 : 60;
				ns->buf = xrealloc(ns->buf, ns->len + n);
				memset(ns->buf + ns->len, 0, n);
				ns->len += n;
			} else if (ns->kinds[k] == N_XSTATE) {
				/* name "LINUX" (namesz 6, padded) and an odd descsz */
				unsigned char d[1027];
				memset(d, 0xa5, sizeof(d));
				ns->buf = notebuf_add(ns->buf, &ns->len, "LINUX", 0x202, d, sizeof(d));
			} else {
				unsigned char d[0x1b8];
				memset(d, 0, sizeof(d));
				uint32_t ver = 1, sz = sizeof(d);
				memcpy(d, &ver, 4);
				memcpy(d + 4, &sz, 4);
				ns->buf = notebuf_add(ns->buf, &ns->len, "QEMU", 0, d, sizeof(d));
			}
		}
	}
}

static void put16(unsigned char *p, unsigned v) { p[0] = v; p[1] = v >> 8; }
static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, u64 v) { memcpy(p, &v, 8); }

static void xpwrite(int fd, const void *buf, size_t len, u64 off)
{
	const unsigned char *p = buf;
	while (len) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);
		if (w <= 0)
			die("write: %s", strerror(errno));
		p += w;
		len -= (size_t)w;
		off += (u64)w;
	}
}

static void write_vmcore(const char *path)
{
	int e32 = arch32 && !elf64_386; /* ELFCLASS32 */
	u64 ehs = e32 ? 52 : 64, phs = e32 ? 32 : 56, shs = e32 ? 40 : 64;
	size_t nph = nnotesegs + nloads;
	int need_shdr = pn_xnum || phdr_pos == 1;
	u64 off = ehs, shoff = 0, phoff = 0;
	if (need_shdr) {
		shoff = off;
		off += shs;
	}
	if (phdr_pos != 2) {
		phoff = off;
		off += nph * phs;
	}
	for (size_t i = 0; i < nnotesegs; i++) {
		off = (off + 3) & ~3ULL;
		notesegs[i].off = off;
		off += notesegs[i].len;
	}
	for (size_t i = 0; i < nloads; i++) {
		off = (off + load_align - 1) / load_align * load_align;
		loads[i].off = off;
		off += loads[i].filesz;
		if (e32 && (loads[i].paddr + loads[i].memsz > 0x100000000ULL || off > 0xffffffffULL))
			die("load 0x%lx does not fit an ELF32 core (use 'container elf64')",
			    (unsigned long)loads[i].paddr);
	}
	if (phdr_pos == 2) {
		off = ((off + 7) & ~7ULL) + phpad;
		phoff = off;
		off += nph * phs;
	}
	u64 total = off;
	file_size_final = total;
	if (trunc_load >= 0) {
		if ((size_t)trunc_load >= nloads)
			die("truncate-load: no such load");
		file_size_final = loads[trunc_load].off + trunc_bytes;
		if (file_size_final < phoff + nph * phs || file_size_final > total)
			die("truncate-load: would cut the headers or is past the end");
	}
	if (e32 && corrupt_kind != C_NONE && corrupt_kind != C_MACHINE)
		die("this corruption is not available for ELF32");

	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)total))
		die("ftruncate: %s", strerror(errno));

	unsigned char eh[64];
	memset(eh, 0, sizeof(eh));
	memcpy(eh, "\177ELF", 4);
	eh[4] = e32 ? 1 : 2; /* ELFCLASS32 / ELFCLASS64 */
	eh[5] = 1; /* ELFDATA2LSB */
	eh[6] = 1; /* EV_CURRENT */
	put16(eh + 16, 4);  /* ET_CORE */
	put16(eh + 18, arch32 ? 3 : 62); /* EM_386 / EM_X86_64 */
	put32(eh + 20, 1);
	if (!pn_xnum && nph >= 0xffff)
		die("too many program headers without pn_xnum");
	if (e32) {
		put32(eh + 28, (uint32_t)phoff);
		put32(eh + 32, (uint32_t)shoff);
		put16(eh + 40, 52);
		put16(eh + 42, 32);
		put16(eh + 44, pn_xnum ? 0xffff : (unsigned)nph);
		put16(eh + 46, need_shdr ? 40 : 0);
		put16(eh + 48, need_shdr ? 1 : 0);
	} else {
		put64(eh + 32, phoff);
		put64(eh + 40, shoff);
		put16(eh + 52, 64);
		put16(eh + 54, 56);
		put16(eh + 56, pn_xnum ? 0xffff : (unsigned)nph);
		put16(eh + 58, need_shdr ? 64 : 0);
		put16(eh + 60, need_shdr ? 1 : 0);
		put16(eh + 62, 0);
	}
	xpwrite(fd, eh, ehs, 0);
	if (need_shdr) {
		unsigned char sh[64];
		memset(sh, 0, sizeof(sh));
		put32(sh + (e32 ? 28 : 44), (uint32_t)nph); /* sh_info */
		xpwrite(fd, sh, shs, shoff);
	}
	unsigned char *ph = xcalloc(nph, phs);
	size_t k = 0;
	for (size_t i = 0; i < nnotesegs; i++, k++) {
		unsigned char *p = ph + k * phs;
		put32(p, 4); /* PT_NOTE */
		if (e32) {
			put32(p + 4, (uint32_t)notesegs[i].off);
			put32(p + 16, (uint32_t)notesegs[i].len);
			put32(p + 20, (uint32_t)notesegs[i].len);
		} else {
			put64(p + 8, notesegs[i].off);
			put64(p + 32, notesegs[i].len);
			put64(p + 40, notesegs[i].len);
		}
		xpwrite(fd, notesegs[i].buf, notesegs[i].len, notesegs[i].off);
	}
	for (size_t i = 0; i < nloads; i++, k++) {
		unsigned char *p = ph + k * phs;
		put32(p, 1); /* PT_LOAD */
		if (e32) {
			put32(p + 4, (uint32_t)loads[i].off);
			put32(p + 8, (uint32_t)loads[i].vaddr);
			put32(p + 12, (uint32_t)loads[i].paddr);
			put32(p + 16, (uint32_t)loads[i].filesz);
			put32(p + 20, (uint32_t)loads[i].memsz);
			put32(p + 24, 7);
		} else {
			put32(p + 4, 7);
			put64(p + 8, loads[i].off);
			put64(p + 16, loads[i].vaddr);
			put64(p + 24, loads[i].paddr);
			put64(p + 32, loads[i].filesz);
			put64(p + 40, loads[i].memsz);
		}
	}
	xpwrite(fd, ph, nph * phs, phoff);
	free(ph);

	/* physical pages we built; verify the essential ones are dumped */
	for (size_t i = 0; i < npfn; i++) {
		u64 pa = pfn_list[i] << 12;
		unsigned char *buf = phys_page(pa, 0);
		int done = 0;
		for (size_t j = 0; j < nloads; j++) {
			const struct load *ld = &loads[j];
			if (pa < ld->paddr || pa - ld->paddr >= ld->memsz)
				continue;
			u64 in = pa - ld->paddr;
			u64 n = in < ld->filesz ? umin(4096, ld->filesz - in) : 0;
			if (n)
				xpwrite(fd, buf, n, ld->off + in);
			if (n == 4096 && ld->off + in + 4096 <= file_size_final)
				done = 1;
		}
		if (!done && !allow_missing && i < npfn_ess && corrupt_kind != C_EMPTY &&
		    corrupt_kind != C_NOTELF && corrupt_kind != C_EHDR_TRUNC)
			die("physical page 0x%lx (page table or kernel variable) is not in the dumped file data",
			    (unsigned long)pa);
	}
	if (file_size_final != total && ftruncate(fd, (off_t)file_size_final))
		die("ftruncate: %s", strerror(errno));

	/* deliberate corruption */
	switch (corrupt_kind) {
	case C_EMPTY:
		if (ftruncate(fd, 0)) die("ftruncate");
		break;
	case C_NOTELF: {
		const char *t = "This is not an ELF file, just some text.\n";
		if (ftruncate(fd, 0)) die("ftruncate");
		xpwrite(fd, t, strlen(t), 0);
		break;
	}
	case C_EHDR_TRUNC:
		if (ftruncate(fd, 40)) die("ftruncate");
		break;
	case C_PHOFF_EOF:
		put64(eh + 32, file_size_final + 0x10000);
		xpwrite(fd, eh, 64, 0);
		break;
	case C_PHNUM:
		put16(eh + 56, (unsigned)corrupt_arg);
		xpwrite(fd, eh, 64, 0);
		break;
	case C_MACHINE:
		put16(eh + 18, (unsigned)corrupt_arg);
		xpwrite(fd, eh, ehs, 0);
		break;
	case C_CLASS32:
		eh[4] = 1;
		xpwrite(fd, eh, 64, 0);
		break;
	case C_MSB:
		eh[5] = 2;
		xpwrite(fd, eh, 64, 0);
		break;
	case C_PHENTSIZE:
		put16(eh + 54, (unsigned)corrupt_arg);
		xpwrite(fd, eh, 64, 0);
		break;
	case C_NOTE_NAMESZ:
	case C_NOTE_DESCSZ: {
		unsigned char v[4];
		put32(v, 0xfffffff0u);
		if (!nnotesegs)
			die("no notes to corrupt");
		xpwrite(fd, v, 4, notesegs[0].off + (corrupt_kind == C_NOTE_NAMESZ ? 0 : 4));
		break;
	}
	case C_LOAD_HUGE: {
		unsigned char v[16];
		if (!nloads)
			die("no load to corrupt");
		put64(v, 0xfffffffffffff000ULL);
		put64(v + 8, 0xfffffffffffff000ULL);
		xpwrite(fd, v, 16, phoff + (nph - 1) * 56 + 32);
		break;
	}
	}
	if (close(fd))
		die("close: %s", strerror(errno));
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->link != y->link)
		return x->link < y->link ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void write_symbols(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	struct sym *s = xcalloc(nsyms, sizeof(*s));
	memcpy(s, syms, nsyms * sizeof(*s));
	for (size_t i = 0; i < nsyms; i++)
		if (!strcmp(s[i].name, "_stext"))
			s[i].link += (u64)stext_delta;
	qsort(s, nsyms, sizeof(*s), cmp_sym);
	for (size_t i = 0; i < nsyms; i++)
		fprintf(f, arch32 ? "%08lx %c %s\n" : "%016lx %c %s\n", (unsigned long)s[i].link,
			s[i].type, s[i].name);
	if (arch32)
		fprintf(f, "ARCH=i386\nNUMBER(PAGE_OFFSET)=%lu\n", (unsigned long)page_offset);
	if (fixmap_enum >= 0)
		fprintf(f, "ENUM(__end_of_permanent_fixed_addresses)=%ld\n", fixmap_enum);
	if (symlines)
		fputs(symlines, f);
	free(s);
	if (fclose(f))
		die("%s: write error", path);
}

static char *path_join(const char *dir, const char *name);
/* ------------------------------------------------------------ kdump-compressed writing */
/* One write of a part file, in the order makedumpfile would issue it. */
struct kwr {
	u64 off, len;
	unsigned char *data;
	u64 kept;  /* bytes of it that reach the output (flattened cut) */
	u64 fpos;  /* flattened: position of its data in the flattened file */
};
struct kpart {
	struct kwr *w;
	size_t nw, capw;
	u64 start, end;      /* PFN range [start, end) */
	u64 fsize;           /* plain: size of the written file */
	char name[32];
	int avail;           /* given to kmapdump */
	int *datawr;         /* indices of page-data writes, in order */
	size_t ndatawr, capdatawr;
};
static struct kpart kparts[KD_MAXPARTS];
/* state: 0 not dumped (2nd bitmap clear), 1 dumped, 2 dumped but the
 * descriptor is zero (incomplete), 3 descriptor points past EOF */
/* bad: 1 a corrupt record, 2 a descriptor pointing past the end (KD_EOF_OFF) */
struct kpg { int part, state, desc_w, rec_w, bad, codec; u64 desc_pos, rec_off; uint32_t rec_len, flags; };
#define KD_EOF_OFF 0x7fff0000000ULL
static struct kpg *kpg;
static unsigned char *kbm1, *kbm2;
static u64 kmax_mapnr, kbm_half;
static int kd_codecs_used; /* bit mask of codec flags (K_NONE -> 0x100) */

static int kbit(const unsigned char *bm, u64 pfn)
{
	return pfn < kbm_half * 8 && (bm[pfn >> 3] >> (pfn & 7) & 1);
}

static void kset(unsigned char *bm, u64 pfn)
{
	bm[pfn >> 3] |= (unsigned char)(1u << (pfn & 7));
}

static void kd_block_data(u64 pfn, unsigned char *buf)
{
	memset(buf, 0, kd.block);
	for (u64 i = 0; i < kd.block; i += 4096) {
		unsigned char *p = phys_page(pfn * kd.block + i, 0);
		if (p)
			memcpy(buf + i, p, 4096);
	}
}

/* Compressed size, or 0 if it does not shrink the page / fails. */
static u64 kd_compress(int codec, const unsigned char *in, u64 n, unsigned char *out, u64 cap)
{
	switch (codec) {
	case K_ZLIB: {
		uLongf len = cap;
		if (compress2(out, &len, in, n, Z_BEST_SPEED) != Z_OK)
			return 0;
		return len < n ? len : 0;
	}
	case K_LZO: {
		static unsigned char *wrk;
		lzo_uint len = cap;
		if (!wrk) {
			if (lzo_init() != LZO_E_OK)
				die("lzo_init failed");
			wrk = xcalloc(1, LZO1X_1_MEM_COMPRESS);
		}
		if (lzo1x_1_compress(in, n, out, &len, wrk) != LZO_E_OK)
			return 0;
		return len < n ? len : 0;
	}
#ifdef HAVE_SNAPPY
	case K_SNAPPY: {
		size_t len = cap;
		if (snappy_compress((const char *)in, n, (char *)out, &len) != SNAPPY_OK)
			return 0;
		return len < n ? len : 0;
	}
#endif
#ifdef HAVE_ZSTD
	case K_ZSTD: {
		size_t r = ZSTD_compress(out, cap, in, n, 1);
		if (ZSTD_isError(r))
			return 0;
		return r < n ? r : 0;
	}
#endif
	}
	return 0;
}

static int kd_page_codec(u64 pfn)
{
	static const int cyc[5] = { K_ZLIB, K_LZO, K_SNAPPY, K_ZSTD, K_NONE };
	if (kd.codec == K_MIXED)
		return cyc[pfn % 5];
	return kd.codec;
}

static int kd_add(struct kpart *p, u64 off, const void *data, u64 len)
{
	struct kwr w;
	memset(&w, 0, sizeof(w));
	w.off = off;
	w.len = len;
	w.data = xcalloc(1, len);
	memcpy(w.data, data, len);
	w.kept = len;
	PUSH(p->w, p->nw, p->capw, w);
	return (int)p->nw - 1;
}

/* bytes [off, off+len) of part p's real file can be read */
static int kd_covered(const struct kpart *p, int wi, u64 off, u64 len)
{
	if (!kd.flattened)
		return off + len <= p->fsize;
	const struct kwr *w = &p->w[wi];
	return off >= w->off && off + len <= w->off + w->kept;
}

static int kd_present(u64 pfn)
{
	if (pfn >= kmax_mapnr)
		return 0;
	const struct kpg *g = &kpg[pfn];
	if (g->part < 0 || !kparts[g->part].avail || g->state != 1)
		return 0;
	const struct kpart *p = &kparts[g->part];
	return kd_covered(p, g->desc_w, g->desc_pos, 24) &&
	       kd_covered(p, g->rec_w, g->rec_off, g->rec_len);
}

static u64 kd_rng = 0x2545f4914f6cdd1dULL;
static u64 kd_rand(void)
{
	kd_rng ^= kd_rng << 13;
	kd_rng ^= kd_rng >> 7;
	kd_rng ^= kd_rng << 17;
	return kd_rng;
}

static void be64(unsigned char *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static void kd_write_file(const char *outdir, struct kpart *p)
{
	char *path = xcalloc(1, strlen(outdir) + 40);
	sprintf(path, "%s/%s", outdir, p->name);
	FILE *f = fopen(path, "wb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (!kd.flattened) {
		u64 size = 0;
		for (size_t i = 0; i < p->nw; i++)
			size = umax(size, p->w[i].off + p->w[i].len);
		unsigned char *img = xcalloc(1, size);
		for (size_t i = 0; i < p->nw; i++)
			memcpy(img + p->w[i].off, p->w[i].data, p->w[i].len);
		if (!p->fsize || p->fsize > size)
			p->fsize = size;
		if (fwrite(img, 1, p->fsize, f) != p->fsize)
			die("%s: write error", path);
		free(img);
	} else {
		/* stream order: the first write stays first unless shuffle-all;
		 * the final header rewrite must follow the first header write */
		size_t n = p->nw, *ord = xcalloc(n, sizeof(*ord));
		for (size_t i = 0; i < n; i++)
			ord[i] = i;
		if (kd.shuffle) {
			for (size_t i = n - 1; i > (kd.shuffle_all ? 0 : 1); i--) {
				size_t lo = kd.shuffle_all ? 0 : 1;
				size_t j = lo + kd_rand() % (i - lo + 1);
				size_t t = ord[i]; ord[i] = ord[j]; ord[j] = t;
			}
			size_t a = 0, b = 0;
			for (size_t i = 0; i < n; i++) {
				if (ord[i] == 0) a = i;
				if (ord[i] == n - 1) b = i;
			}
			if (b < a) { ord[a] = n - 1; ord[b] = 0; }
		}
		unsigned char hdr[4096];
		memset(hdr, 0, sizeof(hdr));
		memcpy(hdr, "makedumpfile", 12);
		be64(hdr + 16, 1);
		be64(hdr + 24, 1);
		fwrite(hdr, 1, sizeof(hdr), f);
		u64 pos = 4096;
		size_t cut = kd.flatcut_n ? n - (size_t)kd.flatcut_n : n;
		if (kd.flatcut_n && (kd.flatcut_n < 1 || (size_t)kd.flatcut_n > n))
			die("flatcut out of range");
		for (size_t i = 0; i < n; i++) {
			struct kwr *w = &p->w[ord[i]];
			unsigned char rh[16];
			be64(rh, w->off);
			be64(rh + 8, w->len);
			if (kd.corrupt == KC_FLAT_NEGSIZE && i == n / 2)
				be64(rh + 8, (u64)-16);
			if (i > cut) {
				w->kept = 0;
				continue;
			}
			w->fpos = pos + 16;
			if (i == cut) {
				w->kept = w->len / 2;
				fwrite(rh, 1, 16, f);
				fwrite(w->data, 1, w->kept, f);
				pos += 16 + w->kept;
				continue;
			}
			fwrite(rh, 1, 16, f);
			fwrite(w->data, 1, w->len, f);
			pos += 16 + w->len;
		}
		if (!kd.flatcut_n) {
			unsigned char end[16];
			memset(end, 0xff, 16);
			fwrite(end, 1, 16, f);
		}
		free(ord);
	}
	if (fclose(f))
		die("%s: write error", path);
	free(path);
}

static void kd_build(const char *outdir)
{
	u64 bs = kd.block;
	/* pages: from the loads (page granularity) */
	kmax_mapnr = 0;
	for (size_t i = 0; i < nloads; i++) {
		const struct load *ld = &loads[i];
		if ((ld->paddr | ld->memsz | ld->filesz) & (bs - 1))
			die("format kdump: load 0x%lx not aligned to the block size", (unsigned long)ld->paddr);
		kmax_mapnr = umax(kmax_mapnr, (ld->paddr + ld->memsz) / bs);
	}
	if (!kmax_mapnr)
		die("format kdump: no loads");
	kbm_half = ((kmax_mapnr + 7) / 8 + bs - 1) / bs * bs;
	kbm1 = xcalloc(1, kbm_half);
	kbm2 = xcalloc(1, kbm_half);
	for (size_t i = 0; i < nloads; i++) {
		const struct load *ld = &loads[i];
		for (u64 a = ld->paddr; a < ld->paddr + ld->memsz; a += bs) {
			kset(kbm1, a / bs);
			if (a < ld->paddr + ld->filesz)
				kset(kbm2, a / bs);
		}
	}
	kpg = xcalloc(kmax_mapnr, sizeof(*kpg));
	for (u64 i = 0; i < kmax_mapnr; i++)
		kpg[i].part = -1;
	for (int i = 0; i < kd.nsplit; i++) {
		struct kpart *p = &kparts[i];
		p->start = kmax_mapnr * (u64)i / (u64)kd.nsplit;
		p->end = kmax_mapnr * (u64)(i + 1) / (u64)kd.nsplit;
		if (i)
			snprintf(p->name, sizeof(p->name), "vmcore.%d", i);
		else
			snprintf(p->name, sizeof(p->name), "vmcore");
		p->avail = !kd.missing[i];
		for (u64 q = p->start; q < p->end; q++)
			kpg[q].part = i;
	}
	/* incomplete=N: the last N dumped pages get zero descriptors */
	for (u64 q = kmax_mapnr, left = (u64)kd.incomplete_n; q-- > 0 && left;)
		if (kbit(kbm2, q)) {
			kpg[q].state = 2;
			left--;
		}
	u64 cpa = 0, cpfn = ~0ULL;
	if (kd.corrupt_expr) {
		cpa = eval(kd.corrupt_expr);
		cpfn = cpa / bs;
		if (cpfn >= kmax_mapnr || !kbit(kbm2, cpfn))
			die("kcorrupt: PA 0x%lx is not a dumped page", (unsigned long)cpa);
	}

	/* sub-header payload: VMCOREINFO, then the ELF notes (v4+) */
	const char *vmci = vmcoreinfo_text();
	u64 vlen = kd.version >= 3 ? strlen(vmci) : 0;
	u64 nlen = 0;
	unsigned char *notes = NULL;
	if (kd.version >= 4)
		for (size_t i = 0; i < nnotesegs; i++) {
			notes = xrealloc(notes, nlen + notesegs[i].len);
			memcpy(notes + nlen, notesegs[i].buf, notesegs[i].len);
			nlen += notesegs[i].len;
		}
	/* header layout: 64-bit makedumpfile (timeval 16 bytes) or 32-bit
	 * (timeval 8 bytes: fields after utsname 12 bytes earlier; sub-header
	 * with 4-byte longs and 8-byte off_t aligned to 4, 80 bytes) */
	int h32 = arch32 && kd.hdr != 64;
	unsigned hb = h32 ? 412 : 424;
	u64 shl = h32 ? 80 : 104;
	u64 subsz = shl + vlen + nlen;
	u64 sub_blocks = (subsz + bs - 1) / bs;
	u64 bitmap_blocks = 2 * kbm_half / bs;
	u64 bm_off = (1 + sub_blocks) * bs;
	u64 desc_off = bm_off + bitmap_blocks * bs;
	unsigned char *blk = xcalloc(1, bs), *cbuf = xcalloc(1, 2 * bs + 4096);
	unsigned char *zero = xcalloc(1, bs);

	for (int pi = 0; pi < kd.nsplit; pi++) {
		struct kpart *p = &kparts[pi];
		u64 ndesc = 0;
		for (u64 q = p->start; q < p->end; q++)
			ndesc += kbit(kbm2, q);
		u64 start = p->start, end = p->end, mapnr = kmax_mapnr;
		if (kd.corrupt == KC_SPLIT_OVERLAP && pi == 1)
			start -= 1;
		if (kd.corrupt == KC_SPLIT_MAPNR && pi == 1)
			mapnr += 8;
		if (kd.corrupt == KC_MAPNR_BIG)
			mapnr = kbm_half * 8 + 4096;
		/* header (written twice: first with INCOMPLETE set, as a
		 * dump in progress; the final rewrite comes last) */
		unsigned char h[4096];
		memset(h, 0, sizeof(h));
		memcpy(h, kd.diskdump ? "DISKDUMP" : "KDUMP   ", 8);
		put32(h + 8, (uint32_t)kd.version);
		const char *uts[6] = { "Linux", "synth", release, "#1 SMP PREEMPT_DYNAMIC",
				       kd.uts_machine[0] ? kd.uts_machine : h32 ? "i686" : "x86_64", "(none)" };
		for (int k = 0; k < 6; k++)
			snprintf((char *)h + 12 + 65 * k, 65, "%s", uts[k]);
		if (h32)
			put32(h + 404, 1700000000);
		else
			put64(h + 408, 1700000000);
		uint32_t status = kd.codec == K_MIXED ? K_ZLIB : (uint32_t)kd.codec;
		if (kd.incomplete_n)
			status |= K_INCOMPLETE;
		put32(h + hb, status);
		put32(h + hb + 4, kd.corrupt == KC_BLOCKSIZE ? 3000 : (uint32_t)bs);
		put32(h + hb + 8, (uint32_t)sub_blocks);
		put32(h + hb + 12, kd.corrupt == KC_BITMAP_EOF ? 0x100000 : (uint32_t)bitmap_blocks);
		put32(h + hb + 16, kd.mapnr32_set ? (uint32_t)kd.mapnr32 :
			       (uint32_t)umin(mapnr, 0xffffffffULL));
		put32(h + hb + 36, 1); /* nr_cpus */
		unsigned char h0[4096];
		memcpy(h0, h, sizeof(h));
		put32(h0 + hb, status | K_INCOMPLETE);
		kd_add(p, 0, h0, bs < 4096 ? bs : 4096);
		/* sub-header */
		unsigned char *sub = xcalloc(1, sub_blocks * bs);
		if (h32) {
			/* phys_base 0, dump_level 4, split 8, start/end_pfn 12/16,
			 * vmcoreinfo 20(8)/28(4), note 32(8)/40(4), eraseinfo
			 * 44(8)/52(4), start/end_pfn_64 56/64, max_mapnr_64 72 */
			put32(sub + 4, (uint32_t)kd.dump_level);
			if (kd.version >= 2 && kd.nsplit > 1) {
				put32(sub + 8, 1);
				put32(sub + 12, (uint32_t)start);
				put32(sub + 16, (uint32_t)end);
			}
			if (kd.version >= 3) {
				put64(sub + 20, bs + shl);
				put32(sub + 28, (uint32_t)vlen);
				memcpy(sub + shl, vmci, vlen);
			}
			if (kd.version >= 4) {
				put64(sub + 32, bs + shl + vlen);
				put32(sub + 40, (uint32_t)nlen);
				memcpy(sub + shl + vlen, notes, nlen);
			}
			if (kd.version >= 6) {
				if (kd.nsplit > 1) {
					put64(sub + 56, start);
					put64(sub + 64, end);
				}
				put64(sub + 72, mapnr);
			}
			goto sub_done;
		}
		put64(sub + 0, (u64)phys_base);
		put32(sub + 8, (uint32_t)kd.dump_level);
		if (kd.version >= 2 && kd.nsplit > 1) {
			put32(sub + 12, 1);
			put64(sub + 16, start);
			put64(sub + 24, end);
		}
		if (kd.version >= 3) {
			put64(sub + 32, bs + 104);
			put64(sub + 40, vlen);
			memcpy(sub + 104, vmci, vlen);
		}
		if (kd.version >= 4) {
			put64(sub + 48, bs + 104 + vlen);
			put64(sub + 56, nlen);
			memcpy(sub + 104 + vlen, notes, nlen);
		}
		if (kd.version >= 6) {
			if (kd.nsplit > 1) {
				put64(sub + 80, start);
				put64(sub + 88, end);
			}
			put64(sub + 96, mapnr);
		}
sub_done:
		kd_add(p, bs, sub, sub_blocks * bs);
		free(sub);
		/* bitmaps */
		kd_add(p, bm_off, kbm1, kbm_half);
		kd_add(p, bm_off + kbm_half, kbm2, kbm_half);
		/* page records */
		u64 data = desc_off + ndesc * 24;
		int zero_w = -1;
		u64 zero_off = 0;
		uint32_t zero_len = 0, zero_flags = 0;
		unsigned char batch[16 * 24];
		u64 batch_pfn[16];
		int nb = 0;
		u64 batch_off = desc_off, di = 0;
		for (u64 q = p->start; q < p->end; q++) {
			if (!kbit(kbm2, q))
				continue;
			struct kpg *g = &kpg[q];
			if (g->state == 0)
				g->state = 1;
			g->desc_pos = desc_off + di * 24;
			di++;
			unsigned char *d = batch + nb * 24;
			memset(d, 0, 24);
			if (g->state == 1) {
				kd_block_data(q, blk);
				int isz = !memcmp(blk, zero, bs) && kd.zeroshare && q != cpfn;
				if (isz && zero_w >= 0) {
					g->rec_w = zero_w; g->rec_off = zero_off;
					g->rec_len = zero_len; g->flags = zero_flags;
				} else {
					int c = kd_page_codec(q);
					u64 clen = c != K_NONE && !(kd.corrupt == KC_RAWSIZE && q == cpfn) ?
						   kd_compress(c, blk, bs, cbuf, 2 * bs + 4096) : 0;
					const unsigned char *src = clen ? cbuf : blk;
					g->rec_len = clen ? (uint32_t)clen : (uint32_t)bs;
					g->flags = clen ? (uint32_t)c : 0;
					if (kd.corrupt == KC_GARBAGE && q == cpfn) {
						if (!clen)
							die("kcorrupt garbage: page is stored raw");
						for (u64 k = 0; k < clen; k++)
							cbuf[k] = (unsigned char)(0xa5 ^ (k * 37));
						g->bad = 1;
					}
					if (kd.corrupt == KC_RAWSIZE && q == cpfn) {
						g->rec_len = (uint32_t)bs - 16;
						g->bad = 1;
					}
					g->rec_off = data;
					g->rec_w = kd_add(p, data, src, g->rec_len);
					PUSH(p->datawr, p->ndatawr, p->capdatawr, g->rec_w);
					data += g->rec_len;
					if (isz) {
						zero_w = g->rec_w; zero_off = g->rec_off;
						zero_len = g->rec_len; zero_flags = g->flags;
					}
				}
				g->codec = g->flags ? (int)g->flags : 0x100;
				kd_codecs_used |= g->codec;
				u64 doff = g->rec_off;
				if (kd.corrupt == KC_DESC_EOF && q == cpfn) {
					doff = KD_EOF_OFF;
					g->bad = 2; /* a corrupt descriptor */
				}
				put64(d, doff);
				put32(d + 8, g->rec_len);
				put32(d + 12, g->flags);
				put64(d + 16, 0);
			}
			batch_pfn[nb] = q;
			if (++nb == 16 || q + 1 == p->end) {
				int wi = kd_add(p, batch_off, batch, (u64)nb * 24);
				for (int k = 0; k < nb; k++)
					kpg[batch_pfn[k]].desc_w = wi;
				batch_off += (u64)nb * 24;
				nb = 0;
			}
		}
		if (nb) {
			int wi = kd_add(p, batch_off, batch, (u64)nb * 24);
			for (int k = 0; k < nb; k++)
				kpg[batch_pfn[k]].desc_w = wi;
		}
		kd_add(p, 0, h, bs < 4096 ? bs : 4096);
		/* truncate=N: cut in the middle of the Nth-from-last record */
		if (kd.trunc_n && pi == kd.nsplit - 1) {
			if ((size_t)kd.trunc_n > p->ndatawr)
				die("truncate=N: only %zu page records", p->ndatawr);
			const struct kwr *w = &p->w[p->datawr[p->ndatawr - (size_t)kd.trunc_n]];
			p->fsize = w->off + w->len / 2;
		}
		kd_write_file(outdir, p);
	}
	/* the pages the walk needs must be readable */
	for (size_t i = 0; i < umin(npfn, npfn_ess) && !allow_missing; i++) {
		u64 q = (pfn_list[i] << 12) / bs;
		if (!kd_present(q))
			die("physical page 0x%lx (page table or kernel variable) is not in the dump",
			    (unsigned long)(pfn_list[i] << 12));
	}
	FILE *df = fopen(path_join(outdir, "dumpfiles.txt"), "w");
	if (!df)
		die("dumpfiles.txt: %s", strerror(errno));
	for (int i = 0; i < kd.norder; i++) {
		int k = kd.order[i];
		if (k < 0 || k >= kd.nsplit)
			die("order: no part %d", k);
		if (kparts[k].avail)
			fprintf(df, "%s/%s\n", outdir, kparts[k].name);
	}
	fclose(df);
	free(blk); free(cbuf); free(zero); free(notes);
}

static int kd_first_part(void)
{
	for (int i = 0; i < kd.norder; i++)
		if (kparts[kd.order[i]].avail)
			return kd.order[i];
	return -1;
}

static int kd_nparts_given(void)
{
	int n = 0;
	for (int i = 0; i < kd.norder; i++)
		n += kparts[kd.order[i]].avail;
	return n;
}

static int kd_incomplete(void)
{
	/* (A descriptor pointing far past the end of a whole file is
	 * corrupt, not a sign of a file cut short: KC_DESC_EOF.) */
	if (kd.incomplete_n || kd.trunc_n || kd.flatcut_n)
		return 1;
	for (int i = 0; i < kd.nsplit; i++)
		if (!kparts[i].avail)
			return 1;
	return 0;
}

static const char *kd_format_name(void)
{
	int split = kd_nparts_given() > 1;
	if (kd.flattened)
		return split ? "kdump-compressed (flattened, split)" : "kdump-compressed (flattened)";
	return split ? "kdump-compressed (split)" : "kdump-compressed";
}

/* status and file object of PA in the kdump model */
static const char *kd_expect(u64 pa, char *file, size_t fsz)
{
	u64 pfn = pa / kd.block, in = pa % kd.block;
	snprintf(file, fsz, "null");
	if (pfn >= kmax_mapnr)
		return "not-in-dump";
	const struct kpg *g = &kpg[pfn];
	if (g->part < 0 || !kparts[g->part].avail)
		return "not-in-dump";
	if (!kbit(kbm2, pfn))
		return kbit(kbm1, pfn) ? "excluded" : "not-in-dump";
	if (!kd_present(pfn))
		return "not-in-dump";
	const struct kpart *p = &kparts[g->part];
	u64 off = g->rec_off;
	if (kd.flattened)
		off = p->w[g->rec_w].fpos + (g->rec_off - p->w[g->rec_w].off);
	if (g->bad == 2) /* what the corrupt descriptor says */
		off = KD_EOF_OFF;
	char path[64] = "";
	if (g->part != kd_first_part())
		snprintf(path, sizeof(path), ",\"path\":\"%s\"", p->name);
	if (g->flags)
		snprintf(file, fsz, "{\"offset\":null,\"record_offset\":%lu,\"record_size\":%u,"
			 "\"codec\":\"%s\",\"page_offset\":%lu%s}",
			 (unsigned long)off, g->rec_len, codec_str((int)g->flags),
			 (unsigned long)in, path);
	else
		snprintf(file, fsz, "{\"offset\":%lu%s}", (unsigned long)(off + in), path);
	return "mapped";
}

static u64 kd_present_in(u64 pa, u64 len)
{
	u64 tot = 0, bs = kd.block;
	if (!len)
		return 0;
	u64 last = (pa + len - 1) / bs;
	for (u64 q = pa / bs; q <= last && q < kmax_mapnr; q++) {
		if (!kd_present(q))
			continue;
		u64 a = umax(pa, q * bs), b = umin(pa + len, (q + 1) * bs);
		tot += b - a;
	}
	return tot;
}

static int kd_open_error(void)
{
	return kd.corrupt == KC_BLOCKSIZE || kd.corrupt == KC_BITMAP_EOF ||
	       kd.corrupt == KC_MAPNR_BIG || kd.corrupt == KC_FLAT_NEGSIZE ||
	       kd.corrupt == KC_SPLIT_OVERLAP || kd.corrupt == KC_SPLIT_MAPNR;
}

static void kd_expect_meta(FILE *f)
{
	fprintf(f, ",\"format\":\"kdump\",\"codecs\":[");
	int first = 1;
	for (int c = 1; c <= 0x20; c <<= 1)
		if ((kd_codecs_used & c) && codec_str(c)) {
			fprintf(f, "%s\"%s\"", first ? "" : ",", codec_str(c));
			first = 0;
		}
	fprintf(f, "],\"codec_pages\":{");
	first = 1;
	for (int c = 1; c <= 0x20; c <<= 1) {
		if (!codec_str(c) || !(kd_codecs_used & c))
			continue;
		u64 n = 0;
		for (u64 q = 0; q < kmax_mapnr; q++)
			n += kd_present(q) && kpg[q].flags == (uint32_t)c ? 1 : 0;
		fprintf(f, "%s\"%s\":%lu", first ? "" : ",", codec_str(c), (unsigned long)n);
		first = 0;
	}
	u64 pgd = pgd_pa / kd.block;
	fprintf(f, "},\"pgd_codec\":");
	if (pgd < kmax_mapnr && kpg[pgd].flags && codec_str((int)kpg[pgd].flags))
		fprintf(f, "\"%s\"", codec_str((int)kpg[pgd].flags));
	else
		fprintf(f, "null");
}

static void kd_expect_verify(FILE *f)
{
	if (kd_open_error()) {
		fprintf(f, "{\"kind\":\"verify\",\"error\":true}\n");
		return;
	}
	/* counted in pages of PAGESIZE (4096): a larger block is several */
	u64 present = 0, excluded = 0, bad = 0, sub = kd.block / 4096;
	for (u64 q = 0; q < kmax_mapnr; q++) {
		const struct kpg *g = &kpg[q];
		if (g->part < 0 || !kparts[g->part].avail)
			continue;
		if (!kbit(kbm2, q))
			excluded += kbit(kbm1, q);
		else if (kd_present(q)) {
			if (g->bad)
				bad++;
			else
				present++;
		}
	}
	fprintf(f, "{\"kind\":\"verify\",\"expect\":{\"dump\":\"%s\",\"format\":\"%s\","
		"\"incomplete\":%s,\"pages\":%lu,\"present_pages\":%lu,\"excluded_pages\":%lu,"
		"\"bad_pages\":%lu,\"bytes_read\":%lu}}\n",
		kparts[kd_first_part()].name, kd_format_name(), kd_incomplete() ? "true" : "false",
		(unsigned long)(kmax_mapnr * sub), (unsigned long)(present * sub),
		(unsigned long)(excluded * sub), (unsigned long)(bad * sub),
		(unsigned long)(present * kd.block));
}

/* ------------------------------------------------------------ main */
/* ------------------------------------------------------------ kernel objects */
/* vmap_area_list / modules lists, struct layouts, and the expectations of
 * the object commands (vmalloc, modules, map, ptov, read).  Objects are
 * written through the spec's own mappings (VA -> PA), never through the
 * page tables; the expectations come from the same directive values. */
static int objs_used;
static u64 arena_next, arena_end;
static int arena_set;
static int layout_where; /* 0 symbols file, 1 VMCOREINFO, 2 both */
static int modmem;       /* 'modlayout mem': 6.4+ struct module_memory mem[] */
static unsigned vmnodes; /* 'vmnodes N': v6.9+ per-node busy lists */
static u64 vmnodes_nr;   /* the count written to nr_vmap_nodes */

struct lay { const char *key; u64 v64, v32; int emit; int set, none; u64 val; };
/* emit: 1 always, 2 core_layout/vmalloc only when used, 3 mem[] mode only,
 * 4 vmnodes mode only, 0 internal (object sizes, not written anywhere) */
static struct lay lays[] = {
	{ "OFFSET(vmap_area.va_start)", 0, 0, 1, 0, 0, 0 },
	{ "OFFSET(vmap_area.va_end)", 8, 4, 1, 0, 0, 0 },
	{ "OFFSET(vmap_area.list)", 40, 20, 1, 0, 0, 0 },
	{ "OFFSET(vmap_area.vm)", 56, 28, 1, 0, 0, 0 },
	{ "SIZE(vmap_area)", 64, 32, 0, 0, 0, 0 },
	{ "OFFSET(vm_struct.addr)", 8, 4, 1, 0, 0, 0 },
	{ "OFFSET(vm_struct.size)", 16, 8, 1, 0, 0, 0 },
	{ "OFFSET(vm_struct.flags)", 24, 12, 1, 0, 0, 0 },
	{ "OFFSET(vm_struct.pages)", 32, 16, 1, 0, 0, 0 },
	{ "OFFSET(vm_struct.nr_pages)", 44, 20, 1, 0, 0, 0 },
	{ "OFFSET(vm_struct.phys_addr)", 48, 24, 1, 0, 0, 0 },
	{ "OFFSET(vm_struct.caller)", 56, 32, 1, 0, 0, 0 },
	{ "SIZE(vm_struct)", 64, 40, 0, 0, 0, 0 },
	/* v6.9+ struct vmap_node: pool[256] of {list_head, len} first */
	{ "SIZE(vmap_node)", 6272, 3136, 4, 0, 0, 0 },
	{ "OFFSET(vmap_node.busy)", 6152, 3080, 4, 0, 0, 0 },
	{ "OFFSET(rb_list.head)", 8, 4, 4, 0, 0, 0 },
	{ "OFFSET(module.list)", 8, 4, 1, 0, 0, 0 },
	{ "OFFSET(module.name)", 24, 12, 1, 0, 0, 0 },
	{ "OFFSET(module.core_layout)", 320, 160, 1, 0, 0, 0 },
	{ "OFFSET(module.init_layout)", 400, 200, 1, 0, 0, 0 },
	{ "OFFSET(module.kallsyms)", 496, 248, 1, 0, 0, 0 },
	{ "OFFSET(module.mem)", 576, 288, 3, 0, 0, 0 },
	{ "SIZE(module)", 1152, 576, 0, 0, 0, 0 },
	{ "OFFSET(module_layout.base)", 0, 0, 1, 0, 0, 0 },
	{ "OFFSET(module_layout.size)", 8, 4, 1, 0, 0, 0 },
	{ "OFFSET(module_layout.text_size)", 12, 8, 1, 0, 0, 0 },
	{ "OFFSET(module_layout.ro_size)", 16, 12, 1, 0, 0, 0 },
	{ "OFFSET(module_layout.ro_after_init_size)", 20, 16, 1, 0, 0, 0 },
	{ "SIZE(module_memory)", 72, 36, 3, 0, 0, 0 },
	{ "OFFSET(module_memory.base)", 0, 0, 3, 0, 0, 0 },
	{ "OFFSET(module_memory.size)", 8, 4, 3, 0, 0, 0 },
	{ "OFFSET(mod_kallsyms.symtab)", 0, 0, 1, 0, 0, 0 },
	{ "OFFSET(mod_kallsyms.num_symtab)", 8, 4, 1, 0, 0, 0 },
	{ "OFFSET(mod_kallsyms.strtab)", 16, 8, 1, 0, 0, 0 },
	{ "SIZE(mod_kallsyms)", 32, 16, 0, 0, 0, 0 },
};
#define NLAYS (sizeof(lays) / sizeof(lays[0]))

static struct lay *lay_find(const char *key)
{
	for (size_t i = 0; i < NLAYS; i++)
		if (!strcmp(lays[i].key, key))
			return &lays[i];
	return NULL;
}

static u64 L(const char *key)
{
	struct lay *l = lay_find(key);
	if (!l)
		die("internal: no layout %s", key);
	if (l->set)
		return l->val;
	return arch32 ? l->v32 : l->v64;
}

/* present in the dump's text (not 'layout KEY none') */
static int lay_given(const char *key)
{
	struct lay *l = lay_find(key);
	if (!l->emit || l->none)
		return 0;
	if (l->emit == 3 && !modmem)
		return 0;
	if (l->emit == 4 && !vmnodes)
		return 0;
	return 1;
}

static void layout_text(int where, char **buf, size_t *len)
{
	if (!objs_used || (layout_where != 2 && layout_where != where))
		return;
	for (size_t i = 0; i < NLAYS; i++) {
		if (!lay_given(lays[i].key))
			continue;
		char line[128];
		int n = snprintf(line, sizeof(line), "%s=%lu\n", lays[i].key, (unsigned long)L(lays[i].key));
		*buf = xrealloc(*buf, *len + (size_t)n + 1);
		memcpy(*buf + *len, line, (size_t)n + 1);
		*len += (size_t)n;
	}
}

static unsigned wsz(void) { return arch32 ? 4 : 8; }

/* the spec mapping that covers va (the last one, as expect_probe) */
static const struct map *spec_map(u64 va)
{
	const struct map *m = NULL;
	for (size_t i = 0; i < nmaps; i++)
		if (!maps[i].notpresent && va >= maps[i].va && va - maps[i].va < maps[i].size)
			m = &maps[i];
	return m;
}

static u64 spec_v2p(u64 va)
{
	const struct map *m = spec_map(va);
	if (!m)
		die("object write at unmapped VA 0x%lx", (unsigned long)va);
	return m->pa + (va - m->va);
}

static void vput(u64 va, u64 v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		u64 pa = spec_v2p(va + i);
		phys_page(pa, 1)[pa & 4095] = (unsigned char)(v >> (8 * i));
	}
}

static void vputs(u64 va, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		u64 pa = spec_v2p(va + i);
		phys_page(pa, 1)[pa & 4095] = (unsigned char)s[i];
	}
}

static u64 obj_alloc(u64 size)
{
	if (!arena_set)
		die("objects need 'objarena VA SIZE'");
	u64 a = (arena_next + 63) & ~63ULL;
	if (a + size > arena_end)
		die("object arena exhausted");
	arena_next = a + size;
	return a;
}

/* the list heads: VMCOREINFO's SYMBOL(vmap_area_list) and a 'modules' symbol */
static u64 vmal_head(void) { return (arch32 ? page_offset : 0xffffffff80000000ULL) + 0x1a17000 + kaslr; }
static u64 mods_head(void) { return vmal_head() + 0x100; }

/* VMCOREINFO names vmap_area_list (v4.?+), which v6.9 removed */
static const char *vmal_line(void)
{
	static char b[64];
	if (vmnodes)
		return "";
	snprintf(b, sizeof(b), "SYMBOL(vmap_area_list)=%lx\n", (unsigned long)vmal_head());
	return b;
}

struct vmarea { u64 addr, size, flags, caller, pages, nr, phys, obj, vm; int ram, node; };
static struct vmarea *vmareas;
static size_t nvmareas, capvmareas;
static int vmlist_loop = -1;  /* last entry's next -> entry N */
static int vmlist_bad;
static u64 vmlist_bad_ptr;

struct modsym { char name[64]; u64 value; unsigned shndx; };
struct module {
	char name[64];
	u64 obj, at;
	u64 base, text, ro, roai, size, ibase, isize;
	u64 mem[7][2];
	u64 strtab_end; /* 0: in the arena; else the string table ends here */
	int nokallsyms;
	struct modsym *syms;
	size_t nsyms, capsyms;
};
static struct module *mods;
static size_t nmods, capmods;
static int modlist_loop = -1;
static int modlist_bad;
static u64 modlist_bad_ptr;
static const char *const memkinds[7] = { "text", "data", "rodata", "ro_after_init",
					 "init_text", "init_data", "init_rodata" };

static struct line **cmdlines;
static size_t ncmdlines, capcmdlines;

static int is_obj_directive(const char *d)
{
	static const char *const n[] = { "objarena", "layout", "layout-in", "modlayout", "vmarea",
					  "vmlist", "vmnodes", "module", "modsym", "modlist", "cmd", "fill", NULL };
	for (int i = 0; n[i]; i++)
		if (!strcmp(d, n[i]))
			return 1;
	return 0;
}

/* settings that do not depend on the mappings (run from pass1) */
static void objs_pass1(struct line *l)
{
	const char *d = l->argv[0];
	if (!strcmp(d, "layout")) {
		need(l, 3, 3);
		struct lay *y = lay_find(l->argv[1]);
		if (!y)
			die("unknown layout key '%s'", l->argv[1]);
		if (!strcmp(l->argv[2], "none"))
			y->none = 1;
		else {
			y->set = 1;
			y->val = num(l->argv[2]);
		}
	} else if (!strcmp(d, "layout-in")) {
		need(l, 2, 2);
		if (!strcmp(l->argv[1], "symbols")) layout_where = 0;
		else if (!strcmp(l->argv[1], "vmcoreinfo")) layout_where = 1;
		else if (!strcmp(l->argv[1], "both")) layout_where = 2;
		else die("layout-in symbols|vmcoreinfo|both");
	} else if (!strcmp(d, "modlayout")) {
		need(l, 2, 2);
		if (!strcmp(l->argv[1], "mem")) modmem = 1;
		else if (!strcmp(l->argv[1], "core")) modmem = 0;
		else die("modlayout core|mem");
	} else if (!strcmp(d, "vmnodes")) {
		need(l, 2, 3);
		vmnodes = (unsigned)num(l->argv[1]);
		if (vmnodes == 0 || vmnodes > 8)
			die("vmnodes: 1..8 nodes");
		vmnodes_nr = vmnodes;
		if (l->argc == 3) {
			if (strncmp(l->argv[2], "nr=", 3))
				die("vmnodes N [nr=X]");
			vmnodes_nr = eval(l->argv[2] + 3);
		}
	}
	if (strcmp(d, "cmd") && strcmp(d, "fill"))
		objs_used = 1;
}

static void parse_pair(const char *s, u64 *a, u64 *b)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s);
	char *c = strchr(buf, ',');
	if (!c)
		die("expected A,B in '%s'", s);
	*c = 0;
	*a = eval(buf);
	*b = eval(c + 1);
}

static struct module *mod_by_name(const char *n)
{
	for (size_t i = 0; i < nmods; i++)
		if (!strcmp(mods[i].name, n))
			return &mods[i];
	return NULL;
}

/* A circular struct list_head list from HEAD through the list_heads
 * ENT[0..N-1]; the last entry's next is LAST (HEAD for a sound list). */
static void link_list(u64 head, const u64 *ent, size_t n, u64 last)
{
	unsigned w = wsz();
	for (size_t i = 0; i <= n; i++) {
		u64 cur = i ? ent[i - 1] : head;
		u64 next = i < n ? ent[i] : last;
		u64 prev = i == 0 ? (n ? ent[n - 1] : head) : i == 1 ? head : ent[i - 2];
		vput(cur, next, w);
		vput(cur + w, prev, w);
	}
}

/* After the mappings exist: parse the object directives and write the
 * objects into physical memory. */
static void build_objects(void)
{
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		const char *d = l->argv[0];
		cur_line = l->no;
		if (!strcmp(d, "objarena")) {
			need(l, 3, 3);
			arena_next = eval(l->argv[1]);
			arena_end = arena_next + eval(l->argv[2]);
			arena_set = 1;
		} else if (!strcmp(d, "vmarea")) {
			/* vmarea ADDR SIZE [flags=N] [caller=X] [pages=X] [nr=N] [phys=X] [at=X] [vmat=X] | vmarea ADDR SIZE ram */
			if (l->argc < 3)
				die("vmarea ADDR SIZE [options]");
			struct vmarea a;
			memset(&a, 0, sizeof(a));
			a.addr = eval(l->argv[1]);
			a.size = eval(l->argv[2]);
			a.obj = a.vm = ~0ULL;
			a.node = vmnodes ? (int)(nvmareas % vmnodes) : 0;
			for (int j = 3; j < l->argc; j++) {
				const char *o = l->argv[j];
				if (!strncmp(o, "flags=", 6)) a.flags = eval(o + 6);
				else if (!strncmp(o, "caller=", 7)) a.caller = eval(o + 7);
				else if (!strncmp(o, "pages=", 6)) a.pages = eval(o + 6);
				else if (!strncmp(o, "nr=", 3)) a.nr = num(o + 3);
				else if (!strncmp(o, "phys=", 5)) a.phys = eval(o + 5);
				else if (!strncmp(o, "at=", 3)) a.obj = eval(o + 3);
				else if (!strncmp(o, "vmat=", 5)) a.vm = eval(o + 5);
				else if (!strcmp(o, "ram")) a.ram = 1;
				else if (!strncmp(o, "node=", 5) && vmnodes && num(o + 5) < vmnodes)
					a.node = (int)num(o + 5);
				else die("unknown vmarea option '%s'", o);
			}
			if (a.nr >> 32)
				die("nr_pages is a u32");
			PUSH(vmareas, nvmareas, capvmareas, a);
		} else if (!strcmp(d, "vmlist") || !strcmp(d, "modlist")) {
			need(l, 2, 3);
			int vm = d[0] == 'v';
			if (!strcmp(l->argv[1], "loop")) {
				int n = l->argc > 2 ? (int)num(l->argv[2]) : 0;
				if (vm) vmlist_loop = n; else modlist_loop = n;
			} else if (!strcmp(l->argv[1], "bad")) {
				need(l, 3, 3);
				if (vm) { vmlist_bad = 1; vmlist_bad_ptr = eval(l->argv[2]); }
				else { modlist_bad = 1; modlist_bad_ptr = eval(l->argv[2]); }
			} else {
				die("%s loop [N] | bad PTR", d);
			}
		} else if (!strcmp(d, "module")) {
			/* module NAME [at=X] [core=BASE,TEXT,RO,ROAI,SIZE] [init=BASE,SIZE]
			 *             [KIND=BASE,SIZE (mem[] kinds)] [nokallsyms] */
			if (l->argc < 2)
				die("module NAME [options]");
			struct module m;
			memset(&m, 0, sizeof(m));
			snprintf(m.name, sizeof(m.name), "%s", l->argv[1]);
			if (strlen(l->argv[1]) >= 56)
				die("module name longer than 55");
			m.at = ~0ULL;
			for (int j = 2; j < l->argc; j++) {
				const char *o = l->argv[j];
				if (!strncmp(o, "at=", 3)) m.at = eval(o + 3);
				else if (!strncmp(o, "core=", 5)) {
					char buf[256], *save, *t;
					u64 v[5];
					int n = 0;
					snprintf(buf, sizeof(buf), "%s", o + 5);
					for (t = strtok_r(buf, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
						v[n++] = eval(t);
					if (n != 5)
						die("core=BASE,TEXT,RO,ROAI,SIZE");
					m.base = v[0]; m.text = v[1]; m.ro = v[2]; m.roai = v[3]; m.size = v[4];
				} else if (!strncmp(o, "init=", 5)) parse_pair(o + 5, &m.ibase, &m.isize);
				else if (!strcmp(o, "nokallsyms")) m.nokallsyms = 1;
				else if (!strncmp(o, "strtab_end=", 11)) m.strtab_end = eval(o + 11);
				else {
					int k = -1;
					for (int t = 0; t < 7; t++) {
						size_t kl = strlen(memkinds[t]);
						if (!strncmp(o, memkinds[t], kl) && o[kl] == '=')
							k = t;
					}
					if (k < 0)
						die("unknown module option '%s'", o);
					parse_pair(strchr(o, '=') + 1, &m.mem[k][0], &m.mem[k][1]);
				}
			}
			if (mod_by_name(m.name))
				die("module %s twice", m.name);
			PUSH(mods, nmods, capmods, m);
		} else if (!strcmp(d, "modsym")) {
			/* modsym MOD NAME VALUE [shndx=N] */
			need(l, 4, 5);
			struct module *m = mod_by_name(l->argv[1]);
			if (!m)
				die("modsym: no module %s (define it first)", l->argv[1]);
			struct modsym s;
			memset(&s, 0, sizeof(s));
			snprintf(s.name, sizeof(s.name), "%s", l->argv[2]);
			s.value = eval(l->argv[3]);
			s.shndx = 1;
			if (l->argc > 4) {
				if (strncmp(l->argv[4], "shndx=", 6))
					die("modsym: shndx=N");
				s.shndx = (unsigned)num(l->argv[4] + 6);
			}
			PUSH(m->syms, m->nsyms, m->capsyms, s);
		} else if (!strcmp(d, "cmd")) {
			if (l->argc < 2)
				die("cmd vmalloc|modules|map|ptov|read ...");
			PUSH(cmdlines, ncmdlines, capcmdlines, l);
		}
	}
	cur_line = 0;
	if (!objs_used)
		return;
	layout_text(1, &vmci_extra, &vmci_extra_len);
	layout_text(0, &symlines, &symlines_len);
	unsigned w = wsz();
	if (vmnodes) {
		set_sym("vmap_nodes", vmal_head() - kaslr, 'd');
		set_sym("nr_vmap_nodes", vmal_head() + 0x80 - kaslr, 'd');
	} else {
		set_sym("vmap_area_list", vmal_head() - kaslr, 'd');
	}
	set_sym("modules", mods_head() - kaslr, 'd');

	/* vmalloc areas */
	u64 head = vmal_head(), o_list = L("OFFSET(vmap_area.list)");
	for (size_t i = 0; i < nvmareas; i++) {
		struct vmarea *a = &vmareas[i];
		if (a->obj == ~0ULL)
			a->obj = obj_alloc(L("SIZE(vmap_area)"));
		if (a->ram)
			a->vm = 0;
		else if (a->vm == ~0ULL)
			a->vm = obj_alloc(L("SIZE(vm_struct)"));
		/* the vmap_area range includes the guard page; vm_struct's
		 * addr/size are what /proc/vmallocinfo shows */
		vput(a->obj + L("OFFSET(vmap_area.va_start)"), a->addr, w);
		vput(a->obj + L("OFFSET(vmap_area.va_end)"), a->addr + a->size + (a->ram ? 0 : 4096), w);
		vput(a->obj + L("OFFSET(vmap_area.vm)"), a->vm, w);
		if (!a->ram) {
			vput(a->vm + L("OFFSET(vm_struct.addr)"), a->addr, w);
			vput(a->vm + L("OFFSET(vm_struct.size)"), a->size, w);
			vput(a->vm + L("OFFSET(vm_struct.flags)"), a->flags, w);
			vput(a->vm + L("OFFSET(vm_struct.pages)"), a->pages, w);
			vput(a->vm + L("OFFSET(vm_struct.nr_pages)"), a->nr, 4);
			vput(a->vm + L("OFFSET(vm_struct.phys_addr)"), a->phys, arch32 && !pae ? 4 : 8);
			vput(a->vm + L("OFFSET(vm_struct.caller)"), a->caller, w);
		}
	}
	/* the last entry's next: back to the head, or a loop, or garbage */
	u64 vm_last = 0;
	if (vmlist_loop >= 0) {
		if ((size_t)vmlist_loop >= nvmareas)
			die("vmlist loop: no such entry");
		vm_last = vmareas[vmlist_loop].obj + o_list;
	}
	if (vmlist_bad)
		vm_last = vmlist_bad_ptr;
	u64 *ent = xrealloc(NULL, (nvmareas + 1) * sizeof(*ent));
	if (!vmnodes) {
		for (size_t i = 0; i < nvmareas; i++)
			ent[i] = vmareas[i].obj + o_list;
		link_list(head, ent, nvmareas, vm_last ? vm_last : head);
	} else {
		/* vmap_nodes -> node array; each node's busy list holds its
		 * areas in spec order; loop/bad go on the last area's node */
		u64 sz = L("SIZE(vmap_node)"), arr = obj_alloc(vmnodes * sz);
		int last_node = nvmareas ? vmareas[nvmareas - 1].node : 0;
		vput(head, arr, w);
		vput(head + 0x80, vmnodes_nr, 4);
		for (unsigned nd = 0; nd < vmnodes; nd++) {
			u64 nh = arr + nd * sz + L("OFFSET(vmap_node.busy)") + L("OFFSET(rb_list.head)");
			size_t k = 0;
			for (size_t i = 0; i < nvmareas; i++)
				if (vmareas[i].node == (int)nd)
					ent[k++] = vmareas[i].obj + o_list;
			link_list(nh, ent, k, vm_last && (int)nd == last_node ? vm_last : nh);
		}
	}
	free(ent);

	/* modules */
	u64 mhead = mods_head(), m_list = L("OFFSET(module.list)");
	for (size_t i = 0; i < nmods; i++) {
		struct module *m = &mods[i];
		m->obj = m->at != ~0ULL ? m->at : obj_alloc(L("SIZE(module)"));
		vputs(m->obj + L("OFFSET(module.name)"), m->name, strlen(m->name) + 1);
		if (modmem) {
			u64 mb = m->obj + L("OFFSET(module.mem)"), sz = L("SIZE(module_memory)");
			for (int t = 0; t < 7; t++) {
				vput(mb + t * sz + L("OFFSET(module_memory.base)"), m->mem[t][0], w);
				vput(mb + t * sz + L("OFFSET(module_memory.size)"), m->mem[t][1], 4);
			}
		} else {
			u64 c = m->obj + L("OFFSET(module.core_layout)"), in = m->obj + L("OFFSET(module.init_layout)");
			vput(c + L("OFFSET(module_layout.base)"), m->base, w);
			vput(c + L("OFFSET(module_layout.size)"), m->size, 4);
			vput(c + L("OFFSET(module_layout.text_size)"), m->text, 4);
			vput(c + L("OFFSET(module_layout.ro_size)"), m->ro, 4);
			vput(c + L("OFFSET(module_layout.ro_after_init_size)"), m->roai, 4);
			vput(in + L("OFFSET(module_layout.base)"), m->ibase, w);
			vput(in + L("OFFSET(module_layout.size)"), m->isize, 4);
		}
		if (!m->nokallsyms) {
			u64 ks = obj_alloc(L("SIZE(mod_kallsyms)"));
			unsigned esz = arch32 ? 16 : 24;
			u64 n = m->nsyms + 1, tab = obj_alloc(n * esz), strsz = 1;
			for (size_t s = 0; s < m->nsyms; s++)
				strsz += strlen(m->syms[s].name) + 1;
			u64 str = m->strtab_end ? m->strtab_end - strsz : obj_alloc(strsz), so = 1;
			vput(str, 0, 1);
			for (size_t s = 0; s < m->nsyms; s++) {
				const struct modsym *y = &m->syms[s];
				u64 e = tab + (s + 1) * esz;
				vputs(str + so, y->name, strlen(y->name) + 1);
				vput(e, so, 4); /* st_name */
				if (arch32) {
					vput(e + 4, y->value, 4);
					vput(e + 8, 0x10, 4);
					vput(e + 12, 0x12, 1);
					vput(e + 14, y->shndx, 2);
				} else {
					vput(e + 4, 0x12, 1); /* STB_GLOBAL, STT_FUNC */
					vput(e + 6, y->shndx, 2);
					vput(e + 8, y->value, 8);
					vput(e + 16, 0x10, 8);
				}
				so += strlen(y->name) + 1;
			}
			vput(m->obj + L("OFFSET(module.kallsyms)"), ks, w);
			vput(ks + L("OFFSET(mod_kallsyms.symtab)"), tab, w);
			vput(ks + L("OFFSET(mod_kallsyms.num_symtab)"), n, 4);
			vput(ks + L("OFFSET(mod_kallsyms.strtab)"), str, w);
		}
	}
	u64 m_last = mhead;
	if (modlist_loop >= 0) {
		if ((size_t)modlist_loop >= nmods)
			die("modlist loop: no such entry");
		m_last = mods[modlist_loop].obj + m_list;
	}
	if (modlist_bad)
		m_last = modlist_bad_ptr;
	u64 *ment = xrealloc(NULL, (nmods + 1) * sizeof(*ment));
	for (size_t i = 0; i < nmods; i++)
		ment[i] = mods[i].obj + m_list;
	link_list(mhead, ment, nmods, m_last);
	free(ment);
}

/* fill VA SIZE: pseudo-random bytes through the mappings (after the
 * essential pages: they need not be in the dump) */
static void build_fills(void)
{
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		cur_line = l->no;
		if (strcmp(l->argv[0], "fill"))
			continue;
		need(l, 3, 3);
		u64 va = eval(l->argv[1]), n = eval(l->argv[2]);
		for (u64 k = 0; k < n; k++) {
			u64 pa = spec_v2p(va + k);
			u64 x = (pa + 1) * 0x9e3779b97f4a7c15ULL;
			x ^= x >> 29;
			x *= 0xbf58476d1ce4e5b9ULL;
			x ^= x >> 32;
			phys_page(pa, 1)[pa & 4095] = (unsigned char)x;
		}
	}
	cur_line = 0;
}

/* ---- expectations ---- */
static u64 pres_bytes(u64 pa, u64 len)
{
	return kd.on ? kd_present_in(pa, len) : present_in(pa, len);
}

/* bytes of [s, e) mapped (spec) and present in the dump; e 0: the top */
static void va_stats(u64 s, u64 e, u64 *mapped, u64 *present)
{
	*mapped = *present = 0;
	u64 last = e - 1;
	if (e && e <= s)
		return;
	for (size_t i = 0; i < nmaps; i++) {
		const struct map *m = &maps[i];
		if (m->notpresent)
			continue;
		u64 a = umax(s, m->va), b = umin(last, m->va + m->size - 1);
		if (a > b)
			continue;
		*mapped += b - a + 1;
		*present += pres_bytes(m->pa + (a - m->va), b - a + 1);
	}
}

static int sym_located(const struct sym *s)
{
	return s->type && strchr("TtDdBbRr", s->type) != NULL;
}

/* kallsyms-style: the symbol at or below, sized to the next symbol */
static int ksym_name(u64 va, char *buf, size_t n)
{
	u64 link = va - kaslr, best = 0, next = 0;
	int have = 0, havenext = 0;
	for (size_t i = 0; i < nsyms; i++) {
		if (!sym_located(&syms[i]))
			continue;
		u64 a = syms[i].link;
		if (a <= link && (!have || a > best)) { best = a; have = 1; }
		if (a > link && (!havenext || a < next)) { next = a; havenext = 1; }
	}
	if (!have || !havenext)
		return 0;
	/* among symbols at one address: one not starting with '_' */
	const char *nm = NULL;
	int ncand = 0, nund = 0;
	for (size_t i = 0; i < nsyms; i++) {
		if (!sym_located(&syms[i]) || syms[i].link != best)
			continue;
		if (syms[i].name[0] != '_') {
			if (!ncand++ )
				nm = syms[i].name;
		} else {
			nund++;
			if (!ncand && !nm)
				nm = syms[i].name;
		}
	}
	if (ncand > 1 || (!ncand && nund > 1))
		die("caller 0x%lx: several symbols at 0x%lx, the choice is ambiguous",
		    (unsigned long)va, (unsigned long)best);
	snprintf(buf, n, "%s+0x%lx/0x%lx", nm, (unsigned long)(link - best), (unsigned long)(next - best));
	return 1;
}

struct mrange { const char *kind; u64 s, e; };
static int mod_ranges(const struct module *m, struct mrange *r)
{
	int n = 0;
	if (modmem) {
		for (int t = 0; t < 7; t++)
			if (m->mem[t][0] && m->mem[t][1])
				r[n++] = (struct mrange){ memkinds[t], m->mem[t][0], m->mem[t][0] + m->mem[t][1] };
		return n;
	}
	if (!(m->text <= m->ro && m->ro <= m->roai && m->roai <= m->size))
		die("module %s: core sizes must be cumulative (text <= ro <= roai <= size)", m->name);
	if (m->text)
		r[n++] = (struct mrange){ "text", m->base, m->base + m->text };
	if (m->ro > m->text)
		r[n++] = (struct mrange){ "rodata", m->base + m->text, m->base + m->ro };
	if (m->roai > m->ro)
		r[n++] = (struct mrange){ "ro_after_init", m->base + m->ro, m->base + m->roai };
	if (m->size > m->roai)
		r[n++] = (struct mrange){ "data", m->base + m->roai, m->base + m->size };
	if (m->ibase && m->isize)
		r[n++] = (struct mrange){ "init", m->ibase, m->ibase + m->isize };
	return n;
}

static int modlist_ok(void)
{
	static const char *const k[] = { "OFFSET(module.list)", "OFFSET(module.name)",
		"OFFSET(module.core_layout)", "OFFSET(module.init_layout)", "OFFSET(module_layout.base)",
		"OFFSET(module_layout.size)", "OFFSET(module_layout.text_size)",
		"OFFSET(module_layout.ro_size)", "OFFSET(module_layout.ro_after_init_size)", NULL };
	static const char *const km[] = { "OFFSET(module.list)", "OFFSET(module.name)",
		"SIZE(module_memory)", "OFFSET(module_memory.base)", "OFFSET(module_memory.size)", NULL };
	for (const char *const *p = modmem ? km : k; *p; p++)
		if (!lay_given(*p))
			return 0;
	return modlist_loop < 0 && !modlist_bad;
}

static int mod_name(u64 va, char *buf, size_t n)
{
	const struct module *m = NULL;
	struct mrange r[8], *hit = NULL;
	if (!objs_used || !modlist_ok())
		return 0;
	for (size_t i = 0; i < nmods && !m; i++) {
		int nr = mod_ranges(&mods[i], r);
		for (int j = 0; j < nr; j++)
			if (va >= r[j].s && va < r[j].e) {
				m = &mods[i];
				break;
			}
	}
	if (!m || m->nokallsyms || !m->nsyms)
		return 0;
	if (!lay_given("OFFSET(module.kallsyms)") || !lay_given("OFFSET(mod_kallsyms.symtab)") ||
	    !lay_given("OFFSET(mod_kallsyms.num_symtab)") || !lay_given("OFFSET(mod_kallsyms.strtab)"))
		return 0;
	const struct modsym *best = NULL;
	u64 next = ~0ULL;
	for (size_t s = 0; s < m->nsyms; s++) {
		const struct modsym *y = &m->syms[s];
		if (!y->shndx || !y->value)
			continue;
		if (y->value <= va && (!best || y->value > best->value))
			best = y;
		else if (y->value > va && y->value < next)
			next = y->value;
	}
	if (!best)
		return 0;
	if (next == ~0ULL) {
		int nr = mod_ranges(m, r);
		for (int j = 0; j < nr; j++)
			if (va >= r[j].s && va < r[j].e)
				hit = &r[j];
		next = hit->e;
	}
	snprintf(buf, n, "%s+0x%lx/0x%lx [%s]", best->name, (unsigned long)(va - best->value),
		 (unsigned long)(next - best->value), m->name);
	return 1;
}

static int symbolize(u64 va, char *buf, size_t n)
{
	return ksym_name(va, buf, n) || mod_name(va, buf, n);
}

static int in_named_region(const char *name, u64 va)
{
	for (int i = 0; i < nregions; i++)
		if (!strcmp(regions[i].name, name) && va >= regions[i].start && va < regions[i].end)
			return 1;
	return 0;
}

static void jhex(FILE *f, u64 v) { fprintf(f, "\"0x%lx\"", (unsigned long)v); }
static void jhexnull(FILE *f, u64 v) { if (v) jhex(f, v); else fprintf(f, "null"); }

static void cmd_head(FILE *f, const char *check, const char *const *argv, int argc,
		     char **args, int nargs)
{
	fprintf(f, "{\"kind\":\"cmd\",\"check\":");
	json_str(f, check);
	fprintf(f, ",\"argv\":[");
	for (int i = 0; i < argc; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_str(f, argv[i]);
	}
	fprintf(f, "],\"args\":[");
	for (int i = 0; i < nargs; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_str(f, args[i]);
	}
	fprintf(f, "],\"expect\":");
}

static const char *first_missing(const char *const *keys)
{
	for (const char *const *p = keys; *p; p++)
		if (!lay_given(*p))
			return *p;
	return NULL;
}

static void expect_vmalloc(FILE *f)
{
	static const char *const keys[] = { "OFFSET(vmap_area.va_start)", "OFFSET(vmap_area.va_end)",
		"OFFSET(vmap_area.list)", "OFFSET(vmap_area.vm)", "OFFSET(vm_struct.addr)",
		"OFFSET(vm_struct.size)", "OFFSET(vm_struct.flags)", "OFFSET(vm_struct.pages)",
		"OFFSET(vm_struct.nr_pages)", "OFFSET(vm_struct.phys_addr)", "OFFSET(vm_struct.caller)", NULL };
	const char *miss = first_missing(keys);
	if (miss) {
		char w[64];
		const char *p = strchr(miss, '(');
		snprintf(w, sizeof(w), "%.*s", (int)(strlen(p + 1) - 1), p + 1);
		fprintf(f, "{\"rc\":3,\"error\":");
		json_str(f, w);
		fprintf(f, "}}\n");
		return;
	}
	if (vmlist_loop >= 0) {
		fprintf(f, "{\"rc\":3,\"error\":\"loops\"}}\n");
		return;
	}
	if (vmlist_bad) {
		fprintf(f, "{\"rc\":3,\"error\":\"\"}}\n");
		return;
	}
	if (vmnodes) {
		static const char *const nkeys[] = { "SIZE(vmap_node)", "OFFSET(vmap_node.busy)",
						     "OFFSET(rb_list.head)", NULL };
		if ((miss = first_missing(nkeys))) {
			fprintf(f, "{\"rc\":3,\"error\":");
			json_str(f, miss);
			fprintf(f, "}}\n");
			return;
		}
		if (vmnodes_nr == 0 || vmnodes_nr > 4096) {
			fprintf(f, "{\"rc\":3,\"error\":\"nr_vmap_nodes is %lu\"}}\n",
				(unsigned long)vmnodes_nr);
			return;
		}
		if (vmnodes_nr > vmnodes)
			die("vmnodes nr=X: X must be <= N or > 4096");
	}
	/* v6.9+: the merge of the nodes' lists, by address; before: the
	 * list in spec order */
	size_t *ord = xrealloc(NULL, (nvmareas + 1) * sizeof(*ord)), nord = 0;
	for (size_t i = 0; i < nvmareas; i++)
		if (!vmnodes || (u64)vmareas[i].node < vmnodes_nr)
			ord[nord++] = i;
	if (vmnodes)
		for (size_t i = 1; i < nord; i++)
			for (size_t j = i; j > 0; j--) {
				const struct vmarea *x = &vmareas[ord[j - 1]], *y = &vmareas[ord[j]];
				if (x->addr < y->addr || (x->addr == y->addr && x->obj < y->obj))
					break;
				size_t t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t;
			}
	fprintf(f, "{\"rc\":0,\"areas\":[");
	for (size_t oi = 0; oi < nord; oi++) {
		size_t i = ord[oi];
		const struct vmarea *a = &vmareas[i];
		u64 s = a->addr, e = a->addr + a->size, mp, pr;
		char sym[256], fl[128] = "";
		fprintf(f, "%s{\"start\":", oi ? "," : "");
		jhex(f, s);
		fprintf(f, ",\"end\":");
		jhex(f, e);
		fprintf(f, ",\"size\":%lu,\"caller\":", (unsigned long)(e - s));
		u64 caller = a->ram ? 0 : a->caller;
		jhexnull(f, caller);
		fprintf(f, ",\"caller_symbol\":");
		if (caller && symbolize(caller, sym, sizeof(sym)))
			json_str(f, sym);
		else
			fprintf(f, "null");
		fprintf(f, ",\"pages\":%lu,\"phys\":", (unsigned long)(a->ram ? 0 : a->nr));
		jhexnull(f, a->ram ? 0 : a->phys);
		if (a->ram) {
			snprintf(fl, sizeof(fl), "vm_map_ram");
		} else {
			static const char *const fn[5] = { "ioremap", "vmalloc", "vmap", "user", "dma-coherent" };
			for (int b = 0; b < 5; b++)
				if (a->flags & (1ULL << b))
					snprintf(fl + strlen(fl), sizeof(fl) - strlen(fl), "%s%s", fl[0] ? " " : "", fn[b]);
			if (a->pages && in_named_region("vmalloc", a->pages))
				snprintf(fl + strlen(fl), sizeof(fl) - strlen(fl), "%svpages", fl[0] ? " " : "");
		}
		fprintf(f, ",\"flags\":");
		json_str(f, fl);
		fprintf(f, ",\"vmap_area\":");
		jhex(f, a->obj);
		fprintf(f, ",\"vm_struct\":");
		jhexnull(f, a->vm);
		va_stats(s, e, &mp, &pr);
		fprintf(f, ",\"mapped_bytes\":%lu,\"present_bytes\":%lu}", (unsigned long)mp, (unsigned long)pr);
	}
	fprintf(f, "]}}\n");
	free(ord);
}

static void expect_modules(FILE *f)
{
	if (modlist_loop >= 0) {
		fprintf(f, "{\"rc\":3,\"error\":\"loops\"}}\n");
		return;
	}
	if (modlist_bad) {
		fprintf(f, "{\"rc\":3,\"error\":\"\"}}\n");
		return;
	}
	fprintf(f, "{\"rc\":0,\"modules\":[");
	for (size_t i = 0; i < nmods; i++) {
		const struct module *m = &mods[i];
		struct mrange r[8];
		int nr = mod_ranges(m, r);
		u64 size = 0, mp = 0, pr = 0;
		for (int j = 0; j < nr; j++) {
			u64 a, b;
			size += r[j].e - r[j].s;
			va_stats(r[j].s, r[j].e, &a, &b);
			mp += a;
			pr += b;
		}
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_str(f, m->name);
		fprintf(f, ",\"module\":");
		jhex(f, m->obj);
		fprintf(f, ",\"size\":%lu,\"mapped_bytes\":%lu,\"present_bytes\":%lu,\"ranges\":[",
			(unsigned long)size, (unsigned long)mp, (unsigned long)pr);
		for (int j = 0; j < nr; j++) {
			fprintf(f, "%s{\"kind\":\"%s\",\"start\":", j ? "," : "", r[j].kind);
			jhex(f, r[j].s);
			fprintf(f, ",\"end\":");
			jhex(f, r[j].e);
			fprintf(f, "}");
		}
		fprintf(f, "]}");
	}
	fprintf(f, "]}}\n");
}

static const char *cache_of(const struct map *m)
{
	static const char *const c[8] = { "WB", "WC", "UC-", "UC", "WB", "WP", "UC-", "WT" };
	return c[m->pat << 2 | m->pcd << 1 | m->pwt];
}

static int cmp_mapp(const void *a, const void *b)
{
	const struct map *x = *(const struct map *const *)a, *y = *(const struct map *const *)b;
	return x->va < y->va ? -1 : x->va > y->va;
}

static void region_json(FILE *f, u64 va)
{
	const char *r = region_of(va, NULL, NULL);
	if (r)
		json_str(f, r);
	else
		fprintf(f, "null");
}

static void expect_map(FILE *f, u64 start, u64 end)
{
	const struct map **v = xcalloc(nmaps, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < nmaps; i++)
		if (!maps[i].notpresent)
			v[n++] = &maps[i];
	qsort(v, n, sizeof(*v), cmp_mapp);
	struct run { u64 va, pa, size, pgsz; const struct map *m; } cur = { 0 }, *runs = NULL;
	size_t nr = 0, capr = 0;
	int have = 0;
	u64 last = end - 1;
	for (size_t i = 0; i < n; i++) {
		const struct map *m = v[i];
		u64 a = umax(start, m->va), b = umin(last, m->va + m->size - 1);
		if ((end && end <= start) || a > b)
			continue;
		struct run r = { a, m->pa + (a - m->va), b - a + 1, m->pgsz, m };
		const struct map *c = have ? cur.m : NULL;
		if (have && cur.va + cur.size == r.va && cur.pa + cur.size == r.pa && cur.pgsz == r.pgsz &&
		    c->ro == m->ro && c->nx == m->nx && c->noglobal == m->noglobal && c->user == m->user &&
		    !strcmp(cache_of(c), cache_of(m))) {
			cur.size += r.size;
			continue;
		}
		if (have)
			PUSH(runs, nr, capr, cur);
		cur = r;
		have = 1;
	}
	if (have)
		PUSH(runs, nr, capr, cur);
	fprintf(f, "{\"rc\":0,\"runs\":[");
	for (size_t i = 0; i < nr; i++) {
		const struct run *r = &runs[i];
		fprintf(f, "%s{\"va\":", i ? "," : "");
		jhex(f, r->va);
		fprintf(f, ",\"va_end\":");
		jhex(f, r->va + r->size);
		fprintf(f, ",\"pa\":");
		jhex(f, r->pa);
		fprintf(f, ",\"pa_end\":");
		jhex(f, r->pa + r->size);
		fprintf(f, ",\"size\":%lu,\"page_size\":%lu,\"present_bytes\":%lu,\"rw\":%s,\"nx\":%s,"
			"\"global\":%s,\"user\":%s,\"cache\":\"%s\",\"region\":",
			(unsigned long)r->size, (unsigned long)r->pgsz,
			(unsigned long)pres_bytes(r->pa, r->size), r->m->ro ? "false" : "true",
			r->m->nx ? "true" : "false", r->m->noglobal ? "false" : "true",
			r->m->user ? "true" : "false", cache_of(r->m));
		region_json(f, r->va);
		fprintf(f, "}");
	}
	fprintf(f, "]}}\n");
	free(runs);
	free(v);
}

static void expect_ptov(FILE *f, u64 *pas, int npa)
{
	u64 utop = arch32 ? page_offset : levels == 5 ? 1ULL << 56 : 1ULL << 47;
	u64 base = arch32 ? page_offset : pob;
	int rc = 0;
	char *body = NULL;
	size_t blen = 0;
	FILE *g = open_memstream(&body, &blen);
	for (int i = 0; i < npa; i++) {
		u64 pa = pas[i];
		int n = 0, first = -1;
		u64 vas[64];
		for (size_t j = 0; j < nmaps; j++) {
			const struct map *m = &maps[j];
			if (m->notpresent || pa < m->pa || pa - m->pa >= m->size || m->va + (pa - m->pa) < utop)
				continue;
			if (n == 64)
				die("ptov: too many aliases");
			vas[n++] = m->va + (pa - m->pa);
		}
		/* ascending, the direct-map alias first */
		for (int a = 1; a < n; a++)
			for (int b = a; b > 0 && vas[b] < vas[b - 1]; b--) {
				u64 t = vas[b]; vas[b] = vas[b - 1]; vas[b - 1] = t;
			}
		for (int a = 0; a < n; a++)
			if (vas[a] == base + pa)
				first = a;
		if (first > 0) {
			u64 t = vas[first];
			memmove(vas + 1, vas, (size_t)first * sizeof(u64));
			vas[0] = t;
		}
		if (!n)
			rc = 1;
		fprintf(g, "%s{\"pa\":", i ? "," : "");
		jhex(g, pa);
		fprintf(g, ",\"direct_first\":%s,\"va\":[", first >= 0 ? "true" : "false");
		for (int a = 0; a < n; a++) {
			fprintf(g, "%s{\"va\":", a ? "," : "");
			jhex(g, vas[a]);
			fprintf(g, ",\"region\":");
			region_json(g, vas[a]);
			fprintf(g, "}");
		}
		fprintf(g, "]}");
	}
	fclose(g);
	fprintf(f, "{\"rc\":%d,\"results\":[%s]}}\n", rc, body);
	free(body);
}

/* status of the 4K-chunk at va for read: mapped/excluded/not-in-dump/unmapped */
static const char *read_status(u64 va, u64 *pa_out)
{
	const struct map *m = spec_map(va);
	if (!m)
		return "unmapped";
	u64 pa = m->pa + (va - m->va);
	*pa_out = pa;
	if (kd.on) {
		char file[512];
		return kd_expect(pa, file, sizeof(file));
	}
	for (size_t i = 0; i < nloads; i++)
		if (pa >= loads[i].paddr && pa - loads[i].paddr < loads[i].memsz) {
			if (pa - loads[i].paddr >= loads[i].filesz)
				return "excluded";
			return loads[i].off + (pa - loads[i].paddr) + 1 <= file_size_final ? "mapped" : "not-in-dump";
		}
	return "not-in-dump";
}

static void expect_read(FILE *f, u64 va, u64 len)
{
	int rc = 0;
	fprintf(f, "{\"va\":");
	jhex(f, va);
	fprintf(f, ",\"chunks\":[");
	for (u64 done = 0, k = 0; done < len; k++) {
		u64 chunk = 4096 - (va + done) % 4096, pa = 0;
		if (chunk > len - done)
			chunk = len - done;
		const char *st = read_status(va + done, &pa);
		fprintf(f, "%s{\"va\":", k ? "," : "");
		jhex(f, va + done);
		fprintf(f, ",\"len\":%lu,\"status\":\"%s\"", (unsigned long)chunk, st);
		if (!strcmp(st, "mapped")) {
			fprintf(f, ",\"hex\":\"");
			for (u64 i = 0; i < chunk; i++) {
				unsigned char *pg = phys_page(pa + i, 0);
				fprintf(f, "%02x", pg ? pg[(pa + i) & 4095] : 0);
			}
			fprintf(f, "\"");
		} else {
			rc = 1;
		}
		fprintf(f, "}");
		done += chunk;
	}
	fprintf(f, "],\"rc\":%d}}\n", rc);
}

static void expect_cmds(FILE *f)
{
	for (size_t i = 0; i < ncmdlines; i++) {
		struct line *l = cmdlines[i];
		const char *c = l->argv[1];
		cur_line = l->no;
		if (!strcmp(c, "vmalloc")) {
			static const char *const av[] = { "vmalloc", "--json" };
			need(l, 2, 2);
			cmd_head(f, "vmalloc", av, 2, NULL, 0);
			expect_vmalloc(f);
		} else if (!strcmp(c, "modules")) {
			static const char *const av[] = { "modules", "--json" };
			need(l, 2, 2);
			cmd_head(f, "modules", av, 2, NULL, 0);
			expect_modules(f);
		} else if (!strcmp(c, "map")) {
			need(l, 2, 3);
			if (l->argc == 3) {
				const char *av[] = { "map", "--json", "--region", l->argv[2] };
				int r;
				for (r = 0; r < nregions; r++)
					if (!strcmp(regions[r].name, l->argv[2]))
						break;
				if (r == nregions)
					die("cmd map: no region %s", l->argv[2]);
				char chk[80];
				snprintf(chk, sizeof(chk), "map %s", l->argv[2]);
				cmd_head(f, chk, av, 4, NULL, 0);
				expect_map(f, regions[r].start, regions[r].end);
			} else {
				static const char *const av[] = { "map", "--json" };
				cmd_head(f, "map", av, 2, NULL, 0);
				expect_map(f, 0, 0);
			}
		} else if (!strcmp(c, "ptov")) {
			static const char *const av[] = { "ptov", "--json" };
			u64 pas[30];
			char *args[30], b[30][32];
			if (l->argc < 3)
				die("cmd ptov PA...");
			for (int j = 2; j < l->argc; j++) {
				pas[j - 2] = eval(l->argv[j]);
				snprintf(b[j - 2], sizeof(b[0]), "%lx", (unsigned long)pas[j - 2]);
				args[j - 2] = b[j - 2];
			}
			char chk[64];
			snprintf(chk, sizeof(chk), "ptov %s", args[0]);
			cmd_head(f, chk, av, 2, args, l->argc - 2);
			expect_ptov(f, pas, l->argc - 2);
		} else if (!strcmp(c, "read")) {
			/* cmd read ADDR LEN [raw] [zero] */
			const char *av[4] = { "read" };
			int ac = 1;
			if (l->argc < 4)
				die("cmd read ADDR LEN [raw] [zero]");
			for (int j = 4; j < l->argc; j++) {
				if (!strcmp(l->argv[j], "raw")) av[ac++] = "--raw";
				else if (!strcmp(l->argv[j], "zero")) av[ac++] = "--zero-excluded";
				else die("cmd read: raw|zero");
			}
			u64 va, len = eval(l->argv[3]);
			char a0[64], a1[32], *args[2] = { a0, a1 };
			if (l->argv[2][0] == '@') {
				va = eval(l->argv[2]);
				snprintf(a0, sizeof(a0), "0x%lx", (unsigned long)va);
			} else {
				if (!parse_probe(l->argv[2], &va))
					die("cmd read: bad address '%s'", l->argv[2]);
				snprintf(a0, sizeof(a0), "%s", l->argv[2]);
			}
			snprintf(a1, sizeof(a1), "%lu", (unsigned long)len);
			char chk[128];
			snprintf(chk, sizeof(chk), "read%s%s %s %s", ac > 1 ? " " : "", ac > 1 ? av[1] + 2 : "", a0, a1);
			if (ac > 2)
				snprintf(chk + strlen(chk), sizeof(chk) - strlen(chk), " +%s", av[2] + 2);
			cmd_head(f, chk, av, ac, args, 2);
			expect_read(f, va, len);
		} else {
			die("cmd vmalloc|modules|map [REGION]|ptov PA...|read ADDR LEN [raw] [zero]");
		}
	}
	cur_line = 0;
}

static char *path_join(const char *dir, const char *name)
{
	char *p = xcalloc(1, strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void add_probe_g(const char *s, const char *group)
{
	struct probe p;
	if (!group)
		for (size_t i = 0; i < nprobes; i++)
			if (!probes[i].group && !strcmp(probes[i].input, s))
				return; /* one check per distinct input */
	p.input = strdup(s);
	p.group = group;
	PUSH(probes, nprobes, capprobes, p);
}

static void add_probe(const char *s)
{
	add_probe_g(s, NULL);
}

static void build_probes(void);
static void write_outputs(const char *outdir);

static void build_probes(void)
{
	/* noise PA SIZE: pseudo-random bytes in pages not otherwise used
	 * (incompressible: kdump stores them raw) */
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		cur_line = l->no;
		if (strcmp(l->argv[0], "noise"))
			continue;
		need(l, 3, 3);
		u64 a = eval(l->argv[1]), n = eval(l->argv[2]), x = 0x9e3779b97f4a7c15ULL ^ a;
		for (u64 o = a & ~4095ULL; o < a + n; o += 4096) {
			if (phys_page(o, 0))
				continue;
			unsigned char *pg = phys_page(o, 1);
			for (int k = 0; k < 4096; k++) {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				pg[k] = (unsigned char)(x >> 24);
			}
		}
	}
	cur_line = 0;

	/* probes (after everything that defines @-terms) */
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		cur_line = l->no;
		if (!strcmp(l->argv[0], "probestep")) {
			/* probestep GROUP START COUNT STEP */
			need(l, 5, 5);
			u64 st = eval(l->argv[2]), cnt = num(l->argv[3]), step = eval(l->argv[4]);
			char b[32];
			for (u64 k = 0; k < cnt; k++) {
				snprintf(b, sizeof(b), "0x%lx", (unsigned long)(st + k * step));
				add_probe_g(b, strdup(l->argv[1]));
			}
			continue;
		}
		if (strcmp(l->argv[0], "probe"))
			continue;
		for (int j = 1; j < l->argc; j++) {
			if (l->argv[j][0] == '@' && l->argv[j][1]) {
				char b[32];
				snprintf(b, sizeof(b), "0x%lx", (unsigned long)eval(l->argv[j]));
				add_probe(b);
			} else {
				add_probe(l->argv[j]);
			}
		}
	}
	cur_line = 0;
	if (autoprobe) {
		char b[32];
		for (size_t i = 0; i < nmaps; i++) {
			u64 pts[4] = { maps[i].va, maps[i].va + maps[i].size / 2 + 0x123,
				       maps[i].va + maps[i].size - 1, maps[i].va + maps[i].size };
			for (int k = 0; k < 4; k++) {
				if (k == 3 && maps[i].va + maps[i].size == 0)
					continue;
				snprintf(b, sizeof(b), "0x%lx", (unsigned long)pts[k]);
				add_probe(b);
			}
		}
		for (size_t i = 0; i < nholes; i++) {
			snprintf(b, sizeof(b), "0x%lx", (unsigned long)(holes[i].start + 0x1008));
			add_probe(b);
		}
	}
	if (!nprobes)
		add_probe("_stext");

}

static void write_outputs(const char *outdir)
{
	if (mkdir(outdir, 0755) && errno != EEXIST)
		die("%s: %s", outdir, strerror(errno));
	if (kd.on)
		kd_build(outdir);
	else
		write_vmcore(path_join(outdir, "vmcore"));
	write_symbols(path_join(outdir, "symbols"));

	FILE *pf = fopen(path_join(outdir, "probes.txt"), "w");
	FILE *ef = fopen(path_join(outdir, "expect.jsonl"), "w");
	if (!pf || !ef)
		die("cannot write outputs: %s", strerror(errno));
	for (size_t i = 0; i < nprobes; i++)
		fprintf(pf, "%s\n", probes[i].input);
	/* probe lines first so that all_mapped is known for the meta line */
	char *pbuf = NULL;
	size_t plen = 0;
	FILE *mf = open_memstream(&pbuf, &plen);
	for (size_t i = 0; i < nprobes; i++)
		expect_probe(mf, probes[i].input, probes[i].group);
	fclose(mf);
	fprintf(ef, "{\"kind\":\"meta\",\"levels\":%d,\"vtop_exit\":%d,\"error\":", arch32 ? i3_nlev : levels, all_mapped ? 0 : 1);
	if (expect_error) {
		fprintf(ef, "{\"word\":");
		json_str(ef, expect_error_word);
		fprintf(ef, "}");
	} else {
		fprintf(ef, "null");
	}
	fprintf(ef, ",\"force_ok\":%s,\"sane\":%s,\"probes\":%zu,\"error_rc\":[", force_ok ? "true" : "false",
		expect_sane ? "true" : "false", nprobes);
	for (int i = 0; i < nexpect_rc; i++)
		fprintf(ef, "%s%d", i ? "," : "", expect_rc[i]);
	fprintf(ef, "]");
	if (kd.on)
		kd_expect_meta(ef);
	fprintf(ef, "}\n");
	fwrite(pbuf, 1, plen, ef);
	expect_regions(ef);
	expect_cmds(ef);
	if (kd.on)
		kd_expect_verify(ef);
	if (fclose(pf) || fclose(ef))
		die("write error");
}

static void main_i386(const char *outdir)
{
	i3_nlev = pae ? 3 : 2;
	i3_esz = pae ? 8 : 4;
	if (pae) {
		i3_shift[0] = 30; i3_bits[0] = 2;
		i3_shift[1] = 21; i3_bits[1] = 9;
		i3_shift[2] = 12; i3_bits[2] = 9;
	} else {
		i3_shift[0] = 22; i3_bits[0] = 10;
		i3_shift[1] = 12; i3_bits[1] = 10;
	}
	pgd_pa = kva_to_pa(sym_runtime("swapper_pg_dir"));
	if (pgd_pa & 4095)
		die("swapper_pg_dir PA 0x%lx not page aligned", (unsigned long)pgd_pa);
	phys_page(pgd_pa, 1);
	pt_next = ptarea_set ? ptarea_pa : pgd_pa + 4096;
	pt_end = pt_next + ptarea_pages * 4096;

	/* decoy page for non-present entries */
	decoy_pa = alloc_pt();
	for (int i = 0; i < 4096 / i3_esz; i++) {
		u64 a = decoy_pa + (u64)i * i3_esz;
		i3_wr(a, (pae ? 0x7770000000ULL : 0x77700000ULL) | PT_P | PT_RW | PT_A | PT_D | PT_PSE);
	}

	/* pkmap: the PTE page hooked into the page directory */
	if (pkmap_set) {
		u64 span = 1ULL << i3_shift[i3_nlev - 2];
		if (pkmap_base & (span - 1))
			die("pkmap base 0x%lx not aligned to 0x%lx", (unsigned long)pkmap_base,
			    (unsigned long)span);
		u64 epa = i3_entry_pa(pkmap_base, i3_nlev - 2);
		if (i3_rd(epa))
			die("pkmap: entry in use");
		pkmap_pt = alloc_pt();
		i3_wr(epa, i3_table_entry(i3_nlev - 2, pkmap_pt));
	}

	/* kernel variables (4 bytes each, in lowmem) */
	*phys_u32(kva_to_pa(sym_runtime("high_memory"))) = (uint32_t)high_memory_val;
	*phys_u32(kva_to_pa(sym_runtime("__FIXADDR_TOP"))) = (uint32_t)fixaddr_top;
	*phys_u32(kva_to_pa(sym_runtime("pkmap_page_table"))) =
		(uint32_t)(pkmap_ptr_set ? pkmap_ptr_val : pkmap_set ? page_offset + pkmap_pt : 0);
	*phys_u32(kva_to_pa(sym_runtime("highstart_pfn"))) = (uint32_t)highstart_pfn;
	*phys_u32(kva_to_pa(sym_runtime("highend_pfn"))) = (uint32_t)highend_pfn;

	/* lowmem, mapped the way the kernel does: large pages, the tail in 4K */
	if (lowmem_pgsz) {
		u64 big = pae ? 2ULL << 20 : 4ULL << 20;
		if (lowmem_pgsz != 1)
			big = lowmem_pgsz;
		struct map m;
		memset(&m, 0, sizeof(m));
		m.va = page_offset;
		m.pa = 0;
		m.size = lowmem_size & ~(big - 1);
		m.pgsz = big;
		if (m.size)
			PUSH(maps, nmaps, capmaps, m);
		if (lowmem_size & (big - 1)) {
			m.va = page_offset + m.size;
			m.pa = m.size;
			m.size = (lowmem_size & (big - 1)) & ~4095ULL;
			m.pgsz = 4096;
			if (m.size)
				PUSH(maps, nmaps, capmaps, m);
		}
	}
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		cur_line = l->no;
		if (!strcmp(l->argv[0], "map"))
			parse_map(l);
		else if (!strcmp(l->argv[0], "load"))
			parse_load(l);
		else if (!strcmp(l->argv[0], "loadrange"))
			parse_loadrange(l);
		else if (!strcmp(l->argv[0], "loop") || !strcmp(l->argv[0], "share"))
			die("'%s' is not available with arch i386", l->argv[0]);
	}
	cur_line = 0;
	check_load_overlap();
	for (size_t i = 0; i < nmaps; i++)
		for (size_t j = i + 1; j < nmaps; j++)
			if (maps[i].va < maps[j].va + maps[j].size && maps[j].va < maps[i].va + maps[i].size)
				die("mappings %zu and %zu overlap", i, j);
	for (size_t i = 0; i < nmaps; i++)
		i3_build_map(&maps[i]);
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		cur_line = l->no;
		if (!strcmp(l->argv[0], "hole")) {
			need(l, 3, 3);
			struct hole h;
			memset(&h, 0, sizeof(h));
			h.va = eval(l->argv[1]);
			int lvl = i3_level_by_name(l->argv[2]);
			h.shift = i3_shift[lvl];
			i3_build_hole(&h, lvl);
			PUSH(holes, nholes, capholes, h);
		} else if (!strcmp(l->argv[0], "badtable")) {
			/* badtable VA pgd|pmd TARGET|noise: a present table
			 * entry pointing at TARGET (outside the dump, excluded,
			 * or an unused page of zeros) or at a page of noise */
			need(l, 4, 4);
			struct badt b;
			memset(&b, 0, sizeof(b));
			b.va = eval(l->argv[1]);
			b.lvl = i3_level_by_name(l->argv[2]);
			if (b.lvl == i3_nlev - 1)
				die("badtable: the PTE level maps pages, not tables");
			if (!strcmp(l->argv[3], "noise")) {
				b.noise = 1;
				b.target = alloc_pt();
				unsigned char *pg = phys_page(b.target, 1);
				u64 x = 0x9e3779b97f4a7c15ULL ^ b.va;
				for (int k = 0; k < 4096; k++) {
					x ^= x << 13; x ^= x >> 7; x ^= x << 17;
					pg[k] = (unsigned char)(x >> 24);
				}
			} else {
				b.target = eval(l->argv[3]);
				if (b.target & 4095)
					die("badtable: target not page aligned");
				if (phys_page(b.target, 0))
					die("badtable: target page 0x%lx is in use (use noise)",
					    (unsigned long)b.target);
			}
			u64 epa = i3_entry_pa(b.va, b.lvl);
			if (i3_rd(epa))
				die("badtable: entry in use");
			i3_wr(epa, i3_table_entry(b.lvl, b.target));
			b.size = 1ULL << i3_shift[b.lvl];
			b.start = b.va & ~(b.size - 1);
			PUSH(badts, nbadts, capbadts, b);
		}
	}
	cur_line = 0;
	for (size_t i = 0; i < nmaps; i++) {
		for (size_t j = 0; j < nholes; j++)
			if (holes[j].start < maps[i].va + maps[i].size && maps[i].va < holes[j].start + holes[j].size)
				die("hole at 0x%lx overlaps a mapping", (unsigned long)holes[j].va);
		for (size_t j = 0; j < nbadts; j++)
			if (badts[j].start < maps[i].va + maps[i].size && maps[i].va < badts[j].start + badts[j].size)
				die("badtable at 0x%lx overlaps a mapping", (unsigned long)badts[j].va);
	}
	build_objects();
	npfn_ess = npfn;
	build_fills();
	build_probes();
	build_regions();
	build_notes();
	write_outputs(outdir);
}

int main(int argc, char **argv)
{
	const char *outdir = ".";
	int opt;
	while ((opt = getopt(argc, argv, "d:h")) != -1) {
		switch (opt) {
		case 'd': outdir = optarg; break;
		default:
			fprintf(stderr, "usage: mkvmcore [-d OUTDIR] SPEC\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: mkvmcore [-d OUTDIR] SPEC\n");
		return 2;
	}
	spec_path = argv[optind];

	read_spec(spec_path);
	pass0();
	if (arch32)
		default_syms_i386();
	else
		default_syms();
	pass1();
	if (arch32) {
		main_i386(outdir);
		return 0;
	}

	nshifts = 0;
	if (levels == 5)
		shifts[nshifts++] = 48;
	shifts[nshifts++] = 39;
	shifts[nshifts++] = 30;
	shifts[nshifts++] = 21;
	shifts[nshifts++] = 12;

	pgd_pa = kva_to_pa(sym_runtime("init_top_pgt"));
	if (pgd_pa & 4095)
		die("init_top_pgt PA 0x%lx not page aligned", (unsigned long)pgd_pa);
	phys_page(pgd_pa, 1);
	pt_next = ptarea_set ? ptarea_pa : pgd_pa + 4096;
	pt_end = pt_next + ptarea_pages * 4096;

	/* kernel variables */
	*phys_u64(kva_to_pa(sym_runtime("phys_base"))) = (u64)phys_base;
	*phys_u64(kva_to_pa(sym_runtime("page_offset_base"))) = pob;
	*phys_u64(kva_to_pa(sym_runtime("vmalloc_base"))) = vmb;
	*phys_u64(kva_to_pa(sym_runtime("vmemmap_base"))) = vmemb;

	/* decoy page for non-present entries */
	decoy_pa = alloc_pt();
	{
		u64 *d = (u64 *)phys_page(decoy_pa, 1);
		for (int i = 0; i < 512; i++)
			d[i] = 0x7770000000ULL | PT_P | PT_RW | PT_A | PT_D | PT_PSE | sme_mask;
	}

	/* kernel image mapping, as head_64.S / level2_kernel_pgt do */
	if (kimage_pgsz) {
		struct map m;
		memset(&m, 0, sizeof(m));
		u64 s = sym_runtime("_text") & ~(kimage_pgsz - 1);
		u64 e = (sym_runtime("_end") + kimage_pgsz - 1) & ~(kimage_pgsz - 1);
		m.va = s;
		m.pa = kva_to_pa(s);
		m.size = e - s;
		m.pgsz = kimage_pgsz;
		PUSH(maps, nmaps, capmaps, m);
	}

	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		cur_line = l->no;
		if (!strcmp(l->argv[0], "map"))
			parse_map(l);
		else if (!strcmp(l->argv[0], "load"))
			parse_load(l);
		else if (!strcmp(l->argv[0], "loadrange"))
			parse_loadrange(l);
	}
	cur_line = 0;
	check_load_overlap();
	/* overlap check between mappings (VA) */
	for (size_t i = 0; i < nmaps; i++)
		for (size_t j = i + 1; j < nmaps; j++)
			if (maps[i].va < maps[j].va + maps[j].size && maps[j].va < maps[i].va + maps[i].size)
				die("mappings %zu and %zu overlap", i, j);
	cur_line = 0;
	for (size_t i = 0; i < nmaps; i++)
		build_map(&maps[i]);
	for (size_t i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		cur_line = l->no;
		if (!strcmp(l->argv[0], "hole")) {
			need(l, 3, 3);
			struct hole h;
			memset(&h, 0, sizeof(h));
			h.va = eval(l->argv[1]);
			h.shift = level_shift_by_name(l->argv[2]);
			build_hole(&h);
			PUSH(holes, nholes, capholes, h);
		} else if (!strcmp(l->argv[0], "loop")) {
			need(l, 3, 3);
			u64 va = eval(l->argv[2]), tpa, *e;
			int top = shifts[0];
			if (!strcmp(l->argv[1], "pgd")) {
				e = entry_ptr(va, top, &tpa);
				if (*e)
					die("loop: pgd entry in use");
				*e = pgd_pa | PT_P | PT_RW | PT_A | PT_D | sme_mask;
				u64 idx = (va >> top) & 511, v = 0;
				for (int k = 0; k < nshifts; k++)
					v |= idx << shifts[k];
				loop_va = canon(v);
			} else if (!strcmp(l->argv[1], "pud")) {
				e = entry_ptr(va, 30, &tpa);
				if (*e)
					die("loop: pud entry in use");
				*e = tpa | PT_P | PT_RW | PT_A | PT_D | sme_mask;
				u64 idx = (va >> 30) & 511;
				loop_va = (va & ~((1ULL << 39) - 1)) | idx << 30 | idx << 21 | idx << 12;
			} else if (!strcmp(l->argv[1], "pmd")) {
				/* a PMD entry pointing back at the PGD (two levels up) */
				e = entry_ptr(va, 21, &tpa);
				if (*e)
					die("loop: pmd entry in use");
				*e = pgd_pa | PT_P | PT_RW | PT_A | PT_D | sme_mask;
				loop_va = va & ~((1ULL << 21) - 1);
			} else {
				die("loop pgd|pud|pmd VA");
			}
			loop_set = 1;
		} else if (!strcmp(l->argv[0], "share")) {
			/* share LEVEL SRC DST: DST's entry at LEVEL becomes a copy of
			 * SRC's, so both ranges use the same lower-level table (legal,
			 * e.g. KASAN's early shadow).  The alias is recorded as extra
			 * mappings for the expectations. */
			need(l, 4, 4);
			int sh = level_shift_by_name(l->argv[1]);
			u64 size = 1ULL << sh;
			u64 src = eval(l->argv[2]) & ~(size - 1), dst = eval(l->argv[3]) & ~(size - 1);
			u64 *es = entry_ptr(src, sh, NULL), v = *es;
			u64 *ed = entry_ptr(dst, sh, NULL);
			if (!(v & PT_P) || (sh < shifts[0] && (v & PT_PSE)))
				die("share: source entry is not a present table entry");
			if (*ed)
				die("share: destination entry in use");
			*ed = v;
			size_t n0 = nmaps;
			for (size_t k = 0; k < n0; k++) {
				struct map m = maps[k];
				u64 a = umax(m.va, src), b = umin(m.va + m.size - 1, src + size - 1);
				if (a > b)
					continue;
				m.pa += a - m.va;
				m.size = b - a + 1;
				m.va = a - src + dst;
				PUSH(maps, nmaps, capmaps, m);
			}
		}
	}
	cur_line = 0;
	for (size_t i = 0; i < nholes; i++)
		for (size_t j = 0; j < nmaps; j++)
			if (holes[i].start < maps[j].va + maps[j].size && maps[j].va < holes[i].start + holes[i].size)
				die("hole at 0x%lx overlaps a mapping", (unsigned long)holes[i].va);

	build_objects();
	npfn_ess = npfn; /* pages after this (noise, fill) are not essential */
	build_fills();
	build_probes();
	build_regions();
	build_notes();
	write_outputs(outdir);
	return 0;
}
