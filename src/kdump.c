/* kdump.c - makedumpfile's kdump-compressed format ("diskdump"), plain,
 * flattened or split into several files.
 *
 * Layout (makedumpfile diskdump_mod.h; crash diskdump.h):
 *   block 0               struct disk_dump_header ("KDUMP   " or the older
 *                         "DISKDUMP"), header_version 1..6
 *   block 1..             struct kdump_sub_header (sub_hdr_size blocks):
 *                         phys_base, dump_level, split (v2), start/end_pfn
 *                         (v2), VMCOREINFO (v3), ELF notes (v4),
 *                         eraseinfo (v5), 64-bit pfns and max_mapnr (v6)
 *   then                  bitmap_blocks blocks: 1st bitmap (pages that
 *                         exist) and 2nd bitmap (pages dumped), one bit a
 *                         page, LSB first
 *   then                  page_desc_t per dumped page in PFN order:
 *                         offset (8), size (4), flags (4), page_flags (8)
 * The header's field offsets depend on the word size of the makedumpfile
 * that wrote it (struct timeval and unsigned long); both layouts are
 * tried and the one that makes sense wins. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <lzo/lzo1x.h>
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef HAVE_SNAPPY
#include <snappy-c.h>
#endif

#include "dump.h"
#include "err.h"
#include "flat.h"
#include "kmd-int.h"

#define KDUMP_SIG "KDUMP   "
#define DISKDUMP_SIG "DISKDUMP"

/* page_desc_t.flags and disk_dump_header.status */
#define DUMP_DH_COMPRESSED_ZLIB 0x1
#define DUMP_DH_COMPRESSED_LZO 0x2
#define DUMP_DH_COMPRESSED_SNAPPY 0x4
#define DUMP_DH_COMPRESSED_INCOMPLETE 0x8
#define DUMP_DH_EXCLUDED_VMEMMAP 0x10
#define DUMP_DH_COMPRESSED_ZSTD 0x20
#define DUMP_DH_CODECS (DUMP_DH_COMPRESSED_ZLIB | DUMP_DH_COMPRESSED_LZO | \
			DUMP_DH_COMPRESSED_SNAPPY | DUMP_DH_COMPRESSED_ZSTD)

#define PAGE_DESC_SIZE 24
#define CACHE_SLOTS 1024 /* decompressed pages kept (bounded) */

/* One file of the set. */
struct part {
	const char *path;
	const uint8_t *map;
	uint64_t fsize;            /* size of the file on disk */
	struct flat_index flat;    /* if flattened */
	bool flattened;
	uint64_t size;             /* size of the (reassembled) file */
	bool split;
	uint64_t start_pfn, end_pfn; /* pages this part holds */
	uint64_t max_mapnr;
	/* Each max_mapnr bits (rounded up): in the file's mapping, or
	 * copies (bitmaps_owned) when the file is flattened. */
	const uint8_t *bitmap1, *bitmap2;
	bool bitmaps_owned;
	uint64_t bitmap_len;        /* bytes of each bitmap */
	uint32_t *rank;             /* set bits of bitmap2 before each 512-bit chunk */
	uint64_t desc_off;
	uint64_t rank_base;         /* rank(start_pfn) */
	bool incomplete;
};

struct cache_slot {
	uint64_t key; /* pfn + 1 (0 = empty) */
	unsigned part;
	uint8_t *data;
};

struct kdump {
	struct part *parts; /* sorted by start_pfn */
	unsigned nparts;
	uint32_t block_size;
	uint64_t max_mapnr;
	struct cache_slot *cache;
	uint8_t *scratch;   /* compressed record buffer */
	char why_missing[160];
};

static uint64_t rank2(const struct part *p, uint64_t pfn);

/* Bytes for one compressed page record (and the bound on its size). */
static size_t scratch_size(const struct kdump *kd)
{
	return (size_t)kd->block_size * 2 + 4096;
}
static kmd_status check_layout(struct part *p, uint32_t bs,
				struct kmd_err *err);

static bool kdump_probe(const uint8_t *head, size_t len)
{
	if (len >= 8 && (memcmp(head, KDUMP_SIG, 8) == 0 ||
			 memcmp(head, DISKDUMP_SIG, 8) == 0))
		return true;
	/* A flattened stream: look at the first record's payload. */
	if (flat_probe(head, len) && len >= 4096 + 16 + 8)
		return get_be64(head + 4096) == 0 &&
		       (memcmp(head + 4096 + 16, KDUMP_SIG, 8) == 0 ||
			memcmp(head + 4096 + 16, DISKDUMP_SIG, 8) == 0);
	return flat_probe(head, len) && len < 4096 + 24;
}

static kmd_status part_read(const struct part *p, uint64_t off, void *buf,
			    size_t len, struct kmd_err *err)
{
	if (p->flattened)
		return flat_read(&p->flat, p->map, off, buf, len, err);
	if (off > p->size || len > p->size - off)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%llx+0x%zx lies past the end of the file (0x%llx bytes)",
				   (unsigned long long)off, len,
				   (unsigned long long)p->size);
	memcpy(buf, p->map + off, len);
	return KMD_OK;
}

/* 64 bits of a bitmap (LSB first in each byte: a little-endian load
 * puts page N at bit N). */
static inline uint64_t load64(const uint8_t *p)
{
	return get_le64(p);
}

/* Every translation ranks a bit; x86_64's baseline has no popcount
 * instruction, so let the loader pick a version that uses it. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
	defined(__ELF__)
#define POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define POPCNT_CLONES
#endif

static inline bool bit(const uint8_t *bm, uint64_t len, uint64_t pfn)
{
	return (pfn >> 3) < len && (bm[pfn >> 3] >> (pfn & 7) & 1);
}

/* Header fields, whatever the layout. */
struct hdr {
	int version;
	unsigned base; /* file offset of status, block_size, ...: 64/32-bit layout */
	char machine[66];
	char release[66];
	uint32_t status;
	int32_t block_size;
	int32_t sub_hdr_size;
	uint32_t bitmap_blocks;
	uint32_t max_mapnr;
	/* sub header */
	int64_t phys_base;
	int32_t split;
	uint64_t start_pfn, end_pfn;
	uint64_t off_vmcoreinfo, size_vmcoreinfo;
	uint64_t off_note, size_note;
	uint64_t max_mapnr_64, start_pfn_64, end_pfn_64;
};

static bool sane_block(int32_t b)
{
	return b >= 512 && b <= (1 << 20) && (b & (b - 1)) == 0;
}

/* struct kdump_sub_header as a 64-bit and a 32-bit makedumpfile lay it
 * out: unsigned long is 8 or 4 bytes; off_t is 8, aligned to 4 on i386.
 * Fields: phys_base @0, dump_level, split, start_pfn, end_pfn (v2),
 * offset/size_vmcoreinfo (v3), offset/size_note (v4), offset/size_eraseinfo
 * (v5), start_pfn_64, end_pfn_64, max_mapnr_64 (v6). */
struct sub_layout {
	unsigned size, ulong, split, start_pfn, end_pfn;
	unsigned off_vmcoreinfo, size_vmcoreinfo, off_note, size_note, pfn64;
};
static const struct sub_layout sub_layout64 = { 104, 8, 12, 16, 24, 32, 40, 48, 56, 80 };
static const struct sub_layout sub_layout32 = { 80, 4, 8, 12, 16, 20, 28, 32, 40, 56 };

static uint64_t get_ulong(const struct sub_layout *l, const uint8_t *p)
{
	return l->ulong == 8 ? get_le64(p) : get_le32(p);
}

/* Plausible sub-header and bitmap sizes (in blocks of BLOCK bytes)? */
static bool sizes_sane(int32_t sub, uint32_t bitmap_blocks, int32_t block)
{
	return sub >= 0 && sub <= (1 << 20) && bitmap_blocks > 0 &&
	       (uint64_t)bitmap_blocks * (uint64_t)block <= (1ull << 40);
}

/* Do block_size/sub_hdr_size/bitmap_blocks at BASE make a plausible
 * header? */
static bool layout_sane(const uint8_t *b, unsigned base)
{
	int32_t block = (int32_t)get_le32(b + base + 4);

	return sane_block(block) &&
	       sizes_sane((int32_t)get_le32(b + base + 8),
			  get_le32(b + base + 12), block);
}

static kmd_status parse_header(struct part *p, struct hdr *h, bool *is_kdump,
			       struct kmd_err *err)
{
	uint8_t b[512];
	uint8_t s[104];
	unsigned base;
	bool w64;
	kmd_status st;

	memset(h, 0, sizeof(*h));
	if (p->size < 464)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "kdump header truncated (file has %llu bytes)",
				   (unsigned long long)p->size);
	st = part_read(p, 0, b, 464, err);
	if (st)
		return st;
	*is_kdump = memcmp(b, KDUMP_SIG, 8) == 0;
	h->version = (int32_t)get_le32(b + 8);
	/* utsname: 6 x 65 bytes at 12; release is the 3rd, machine the 5th. */
	memcpy(h->release, b + 12 + 2 * 65, 65);
	memcpy(h->machine, b + 12 + 4 * 65, 65);
	/* After utsname (ends at 402) comes struct timeval: 16 bytes aligned
	 * to 8 when written by a 64-bit makedumpfile, else 8 bytes at 404.
	 * In the 64-bit layout bytes 420..423 are the high half of tv_usec,
	 * always 0; in the 32-bit layout they are sub_hdr_size, at least 1
	 * in a KDUMP header.  When that does not decide, the layout whose
	 * block size, sub-header and bitmap sizes make sense wins. */
	if (get_le32(b + 420) != 0)
		w64 = false;
	else
		w64 = layout_sane(b, 424) || !layout_sane(b, 412);
	base = w64 ? 424 : 412;
	h->base = base;
	if (!sane_block((int32_t)get_le32(b + base + 4)))
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%x: kdump header has no sane block size (0x%x)",
				   base + 4, get_le32(b + base + 4));
	h->status = get_le32(b + base);
	h->block_size = (int32_t)get_le32(b + base + 4);
	h->sub_hdr_size = (int32_t)get_le32(b + base + 8);
	h->bitmap_blocks = get_le32(b + base + 12);
	h->max_mapnr = get_le32(b + base + 16);
	/* makedumpfile's KDUMP headers start at version 1 */
	if (h->version < (*is_kdump ? 1 : 0) || h->version > 64)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x8: bad header version %d", h->version);
	if (!sizes_sane(h->sub_hdr_size, h->bitmap_blocks, h->block_size))
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%x: bad sub-header (%d blocks) or bitmap size (%u blocks)",
				   base + 8, h->sub_hdr_size, h->bitmap_blocks);
	if (!*is_kdump || h->sub_hdr_size == 0)
		return KMD_OK;

	const struct sub_layout *l = w64 ? &sub_layout64 : &sub_layout32;
	st = part_read(p, (uint64_t)h->block_size, s, l->size, err);
	if (st)
		return kmd_err_wrap(err, "reading the kdump sub-header");
	h->phys_base = l->ulong == 8 ? (int64_t)get_le64(s) :
				       (int32_t)get_le32(s);
	h->split = (int32_t)get_le32(s + l->split);
	h->start_pfn = get_ulong(l, s + l->start_pfn);
	h->end_pfn = get_ulong(l, s + l->end_pfn);
	h->off_vmcoreinfo = get_le64(s + l->off_vmcoreinfo);
	h->size_vmcoreinfo = get_ulong(l, s + l->size_vmcoreinfo);
	h->off_note = get_le64(s + l->off_note);
	h->size_note = get_ulong(l, s + l->size_note);
	h->start_pfn_64 = get_le64(s + l->pfn64);
	h->end_pfn_64 = get_le64(s + l->pfn64 + 8);
	h->max_mapnr_64 = get_le64(s + l->pfn64 + 16);
	return KMD_OK;
}

static kmd_status load_vmcoreinfo(struct dump *d, struct part *p,
				  const struct hdr *h, struct kmd_err *err)
{
	char *buf;
	kmd_status st;

	if (h->version < 3 || h->size_vmcoreinfo == 0)
		return KMD_OK;
	if (h->size_vmcoreinfo > (1 << 20))
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "VMCOREINFO size %llu is implausible",
				   (unsigned long long)h->size_vmcoreinfo);
	buf = malloc(h->size_vmcoreinfo);
	if (!buf)
		return kmd_err_nomem(err);
	st = part_read(p, h->off_vmcoreinfo, buf, h->size_vmcoreinfo, err);
	if (st) {
		free(buf);
		return kmd_err_wrap(err, "reading VMCOREINFO at 0x%llx",
				    (unsigned long long)h->off_vmcoreinfo);
	}
	st = dump_set_vmcoreinfo(d, buf, h->size_vmcoreinfo, err);
	free(buf);
	return st;
}

/* Fill p->rank[0..chunks) (set bits of the 2nd bitmap before each
 * 64-byte chunk); returns the total. */
POPCNT_CLONES
static uint64_t build_rank(struct part *p, uint64_t chunks)
{
	uint64_t total = 0;
	for (uint64_t c = 0; c < chunks; c++) {
		uint64_t i = c * 64;
		/* Each 4 MiB read of a mapped bitmap is let go of: a 4 TiB
		 * machine's is 128 MiB, read once here and afterwards only
		 * where lookups land. */
		if (!p->flattened && i && i % (4u << 20) == 0)
			dump_release_mapped(p->bitmap2 + i - (4u << 20), 4u << 20);
		p->rank[c] = (uint32_t)total;
		if (i + 64 <= p->bitmap_len) {
			for (unsigned w = 0; w < 64; w += 8)
				total += (unsigned)__builtin_popcountll(load64(p->bitmap2 + i + w));
			continue;
		}
		for (; i < p->bitmap_len; i++)
			total += (unsigned)__builtin_popcount(p->bitmap2[i]);
	}
	return total;
}

static kmd_status open_part(struct dump *d, struct kdump *kd, struct part *p,
			    bool first, struct kmd_err *err)
{
	struct hdr h;
	bool is_kdump = false;
	uint64_t bm_off, bm_len;
	kmd_status st;

	p->size = p->fsize;
	if (flat_probe(p->map, p->fsize)) {
		st = flat_index_build(&p->flat, p->map, p->fsize, err);
		if (st)
			return st;
		p->flattened = true;
		p->size = p->flat.size;
		p->incomplete = p->flat.truncated;
	}
	st = parse_header(p, &h, &is_kdump, err);
	if (st)
		return st;
	if (first) {
		kd->block_size = (uint32_t)h.block_size;
		/* Only a hint: QEMU names the emulator, not the guest
		 * (an i386 guest of qemu-system-x86_64 says x86_64). */
		d->machine = dump_machine_of(h.machine);
		d->machine_is_hint = true;
		if (is_kdump && h.sub_hdr_size > 0) {
			d->has_phys_base = true;
			d->phys_base = (uint64_t)h.phys_base;
		}
		d->word_size = 0; /* the header's layout says nothing reliable */
		st = load_vmcoreinfo(d, p, &h, err);
		if (st)
			return st;
	} else if ((uint32_t)h.block_size != kd->block_size) {
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "block size %d differs from the first part's %u",
				   h.block_size, kd->block_size);
	}
	if (h.status & DUMP_DH_COMPRESSED_INCOMPLETE)
		p->incomplete = true;
	p->max_mapnr = h.version >= 6 && h.max_mapnr_64 ? h.max_mapnr_64 :
							  h.max_mapnr;
	p->split = h.split != 0;
	p->start_pfn = 0;
	p->end_pfn = p->max_mapnr;
	if (p->split) {
		p->start_pfn = h.version >= 6 ? h.start_pfn_64 : h.start_pfn;
		p->end_pfn = h.version >= 6 ? h.end_pfn_64 : h.end_pfn;
		if (p->end_pfn > p->max_mapnr || p->start_pfn > p->end_pfn)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "split part PFN range 0x%llx-0x%llx is outside 0..0x%llx",
					   (unsigned long long)p->start_pfn,
					   (unsigned long long)p->end_pfn,
					   (unsigned long long)p->max_mapnr);
	}
	/* Two bitmaps of equal size, each a whole number of blocks
	 * (makedumpfile, QEMU; crash relies on it too).  Old DISKDUMP
	 * files have one. */
	if (is_kdump && h.bitmap_blocks % 2)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%x: bitmap_blocks is %u, not even: not two bitmaps of whole blocks",
				   h.base + 12, h.bitmap_blocks);
	bm_off = (uint64_t)(1 + h.sub_hdr_size) * kd->block_size;
	bm_len = (uint64_t)h.bitmap_blocks * kd->block_size;
	p->bitmap_len = bm_len / 2;
	if ((p->max_mapnr + 7) / 8 > p->bitmap_len)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%llx: bitmaps (%llu bytes each) are too small for %llu pages",
				   (unsigned long long)bm_off,
				   (unsigned long long)p->bitmap_len,
				   (unsigned long long)p->max_mapnr);
	if (bm_off > p->size || bm_len > p->size - bm_off)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%llx: bitmaps (0x%llx bytes) lie past the end of the file (0x%llx bytes)",
				   (unsigned long long)bm_off,
				   (unsigned long long)bm_len,
				   (unsigned long long)p->size);
	if (!p->flattened) {
		/* In place: a big machine's bitmaps are large, and only
		 * the pages of them that lookups touch are read. */
		p->bitmap1 = p->map + bm_off;
		p->bitmap2 = p->map + bm_off + p->bitmap_len;
	} else {
		uint8_t *b1 = malloc(p->bitmap_len), *b2 = malloc(p->bitmap_len);
		p->bitmap1 = b1;
		p->bitmap2 = b2;
		p->bitmaps_owned = true;
		if (!b1 || !b2)
			return kmd_err_nomem(err);
		if ((st = part_read(p, bm_off, b1, p->bitmap_len, err)) ||
		    (st = part_read(p, bm_off + p->bitmap_len, b2,
				    p->bitmap_len, err)))
			return kmd_err_wrap(err, "reading bitmaps");
	}
	p->desc_off = bm_off + bm_len;

	/* Rank index over the 2nd bitmap: set bits before each 64-byte chunk. */
	uint64_t chunks = (p->bitmap_len + 63) / 64;
	p->rank = malloc((chunks + 1) * sizeof(*p->rank));
	if (!p->rank)
		return kmd_err_nomem(err);
	uint64_t total = build_rank(p, chunks);
	p->rank[chunks] = (uint32_t)total;
	if (total > UINT32_MAX)
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED, "too many pages");
	if ((st = check_layout(p, kd->block_size, err)))
		return st;
	if (!p->flattened)
		dump_release_mapped(p->bitmap2, p->bitmap_len);
	return KMD_OK;
}

/* The descriptor table against the file.
 *
 * The first page record must start after the table: if it starts inside,
 * the 2nd bitmap marks more pages dumped than there are descriptors, and
 * every lookup would take a neighbour's descriptor.
 *
 * A file cut short without the INCOMPLETE flag (copy interrupted, disk
 * full): the descriptor table, or the records of the last pages, run past
 * the end.  Records are written one after the other in PFN order (all-zero
 * pages may share one early record), so in a cut file the first missing
 * record starts at or before the end, and the records of the last few
 * thousand descriptors include the one that ends last; checking those is
 * enough and cheap.  A record wholly beyond the end, or larger than a
 * page, is a corrupt descriptor instead: reported when its page is read. */
#define CUT_CHECK_DESCS 65536

static kmd_status check_layout(struct part *p, uint32_t bs, struct kmd_err *err)
{
	uint64_t first = rank2(p, p->start_pfn), last = rank2(p, p->end_pfn);
	uint64_t n = last - first, from, end = p->desc_off + n * PAGE_DESC_SIZE;
	uint8_t b[PAGE_DESC_SIZE];
	struct kmd_err ignore;

	if (n == 0)
		return KMD_OK;
	if (end > p->size) {
		p->incomplete = true;
		return KMD_OK;
	}
	if (part_read(p, p->desc_off, b, PAGE_DESC_SIZE, &ignore) == KMD_OK &&
	    get_le64(b) != 0 && get_le64(b) < end)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%llx: the first page record starts at 0x%llx, inside the descriptor table (0x%llx-0x%llx, for the %llu pages the 2nd bitmap marks dumped): bitmap and descriptors disagree",
				   (unsigned long long)p->desc_off,
				   (unsigned long long)get_le64(b),
				   (unsigned long long)p->desc_off,
				   (unsigned long long)end, (unsigned long long)n);
	from = n > CUT_CHECK_DESCS ? n - CUT_CHECK_DESCS : 0;
	for (uint64_t i = from; i < n; i++) {
		uint64_t off, size;
		if (part_read(p, p->desc_off + i * PAGE_DESC_SIZE, b,
			      PAGE_DESC_SIZE, &ignore) != KMD_OK) {
			p->incomplete = true;
			return KMD_OK;
		}
		off = get_le64(b);
		size = get_le32(b + 8);
		if ((off == 0 && size == 0) ||
		    (size <= bs && off <= p->size && size > p->size - off)) {
			p->incomplete = true;
			return KMD_OK;
		}
	}
	return KMD_OK;
}

POPCNT_CLONES
static uint64_t rank2(const struct part *p, uint64_t pfn)
{
	uint64_t byte = pfn >> 3, chunk = byte / 64;
	uint64_t r, i;

	if (byte >= p->bitmap_len) /* at or past the end: all of them */
		return p->rank[(p->bitmap_len + 63) / 64];
	r = p->rank[chunk];
	for (i = chunk * 64; i + 8 <= byte; i += 8)
		r += (unsigned)__builtin_popcountll(load64(p->bitmap2 + i));
	for (; i < byte; i++)
		r += (unsigned)__builtin_popcount(p->bitmap2[i]);
	r += (unsigned)__builtin_popcount(p->bitmap2[byte] & ((1u << (pfn & 7)) - 1));
	return r;
}

static int part_cmp(const void *a, const void *b)
{
	const struct part *x = a, *y = b;
	return x->start_pfn < y->start_pfn ? -1 : x->start_pfn > y->start_pfn;
}

static kmd_status kdump_open(struct dump *d, struct kmd_err *err)
{
	struct kdump *kd = calloc(1, sizeof(*kd));
	kmd_status st;

	if (!kd)
		return kmd_err_nomem(err);
	d->priv = kd;
	kd->nparts = 1 + d->nextra;
	kd->parts = calloc(kd->nparts, sizeof(*kd->parts));
	if (!kd->parts)
		return kmd_err_nomem(err);
	for (unsigned i = 0; i < kd->nparts; i++) {
		struct part *p = &kd->parts[i];
		p->path = i ? d->extra[i - 1].path : d->path;
		p->map = i ? d->extra[i - 1].map : d->map;
		p->fsize = i ? d->extra[i - 1].size : d->size;
		st = open_part(d, kd, p, i == 0, err);
		if (st)
			return kmd_err_wrap(err, "%s", p->path);
		if (p->incomplete)
			d->incomplete = true;
	}
	kd->max_mapnr = kd->parts[0].max_mapnr;
	d->phys_end = kd->max_mapnr * kd->block_size;
	if (kd->nparts > 1) {
		for (unsigned i = 0; i < kd->nparts; i++)
			if (!kd->parts[i].split)
				return kmd_err_set(err, KMD_ERR_ARG,
						   "%s: several dump files given, but this one is not part of a split set",
						   kd->parts[i].path);
	}
	qsort(kd->parts, kd->nparts, sizeof(*kd->parts), part_cmp);
	for (unsigned i = 0; i < kd->nparts; i++) {
		struct part *p = &kd->parts[i];
		if (p->max_mapnr != kd->max_mapnr)
			return kmd_err_set(err, KMD_ERR_ARG,
					   "%s: covers 0x%llx pages, %s covers 0x%llx: not parts of the same dump",
					   p->path, (unsigned long long)p->max_mapnr,
					   kd->parts[0].path,
					   (unsigned long long)kd->max_mapnr);
		if (i && p->start_pfn < kd->parts[i - 1].end_pfn)
			return kmd_err_set(err, KMD_ERR_ARG,
					   "%s and %s overlap (PFN 0x%llx)",
					   kd->parts[i - 1].path, p->path,
					   (unsigned long long)p->start_pfn);
		p->rank_base = rank2(p, p->start_pfn);
	}
	/* Missing parts of a split set: gaps in the PFN coverage. */
	{
		uint64_t prev = 0;
		for (unsigned i = 0; i <= kd->nparts; i++) {
			uint64_t s = i < kd->nparts ? kd->parts[i].start_pfn :
						      kd->max_mapnr;
			if (s > prev && !kd->why_missing[0]) {
				snprintf(kd->why_missing, sizeof(kd->why_missing),
					 "part of the split dump missing: PFN 0x%llx-0x%llx",
					 (unsigned long long)prev,
					 (unsigned long long)s - 1);
				d->incomplete = true;
				snprintf(d->incomplete_why, sizeof(d->incomplete_why),
					 "%s", kd->why_missing);
			}
			if (i < kd->nparts)
				prev = kd->parts[i].end_pfn;
		}
	}
	if (d->incomplete && !d->incomplete_why[0])
		snprintf(d->incomplete_why, sizeof(d->incomplete_why),
			 "the dump is marked incomplete or cut short");

	kd->cache = calloc(CACHE_SLOTS, sizeof(*kd->cache));
	kd->scratch = malloc(scratch_size(kd));
	if (!kd->cache || !kd->scratch)
		return kmd_err_nomem(err);
	d->format_name = kd->parts[0].flattened ?
				 (kd->nparts > 1 ? "kdump-compressed (flattened, split)" :
						   "kdump-compressed (flattened)") :
				 (kd->nparts > 1 ? "kdump-compressed (split)" :
						   "kdump-compressed");
	return KMD_OK;
}

static struct part *part_of(struct kdump *kd, uint64_t pfn, unsigned *idx)
{
	for (unsigned i = 0; i < kd->nparts; i++) {
		if (pfn >= kd->parts[i].start_pfn && pfn < kd->parts[i].end_pfn) {
			*idx = i;
			return &kd->parts[i];
		}
	}
	return NULL;
}

struct desc {
	uint64_t pos;    /* where the descriptor itself is in the file */
	uint64_t offset;
	uint32_t size;
	uint32_t flags;
};

static kmd_status read_desc(struct part *p, uint64_t pfn, struct desc *out,
			    struct kmd_err *err)
{
	uint8_t b[PAGE_DESC_SIZE];
	uint64_t idx = rank2(p, pfn) - p->rank_base;
	kmd_status st;

	out->pos = p->desc_off + idx * PAGE_DESC_SIZE;
	st = part_read(p, out->pos, b, PAGE_DESC_SIZE, err);
	if (st)
		return st;
	out->offset = get_le64(b);
	out->size = get_le32(b + 8);
	out->flags = get_le32(b + 12);
	return KMD_OK;
}

static const char *codec_name(uint32_t flags)
{
	if (flags & DUMP_DH_COMPRESSED_ZLIB) return "zlib";
	if (flags & DUMP_DH_COMPRESSED_LZO) return "lzo";
	if (flags & DUMP_DH_COMPRESSED_SNAPPY) return "snappy";
	if (flags & DUMP_DH_COMPRESSED_ZSTD) return "zstd";
	return NULL;
}

/* Same fate as PFN for how many following pages?  Capped (the run is a
 * lower bound), so that a caller asking about one page does not pay for
 * scanning megabytes of bitmap: every translation asks.  512 pages are
 * eight 64-bit words of each bitmap. */
#define RUN_CAP 512

static uint64_t run_pages(const struct part *p, uint64_t pfn, bool b1, bool b2)
{
	uint64_t q = pfn + 1, end = p->end_pfn;
	uint64_t want1 = b1 ? ~0ull : 0, want2 = b2 ? ~0ull : 0;

	if (end - pfn > RUN_CAP)
		end = pfn + RUN_CAP;
	/* 64 pages a step: the first bit that differs from the wanted
	 * fate in either bitmap ends the run. */
	while (q < end && ((q >> 6) + 1) * 8 <= p->bitmap_len) {
		const uint8_t *w = p->bitmap1 + (q >> 6) * 8;
		uint64_t diff = (load64(w) ^ want1) |
				(load64(p->bitmap2 + (q >> 6) * 8) ^ want2);
		diff >>= q & 63;
		if (diff) {
			q += (uint64_t)__builtin_ctzll(diff);
			return (q < end ? q : end) - pfn;
		}
		q = ((q >> 6) + 1) << 6;
	}
	/* The bitmaps' last bytes (and past them: neither bit set). */
	while (q < end && bit(p->bitmap1, p->bitmap_len, q) == b1 &&
	       bit(p->bitmap2, p->bitmap_len, q) == b2)
		q++;
	return (q < end ? q : end) - pfn;
}

static void kdump_locate(struct dump *d, uint64_t pa, struct kmd_loc *loc)
{
	struct kdump *kd = d->priv;
	uint64_t bs = kd->block_size, pfn = pa / bs, in = pa % bs;
	struct part *p;
	unsigned idx = 0;
	struct desc ds;
	struct kmd_err err;

	if (pfn >= kd->max_mapnr) {
		loc->fate = KMD_NOT_IN_DUMP;
		loc->why = "beyond the last page frame the dump describes";
		loc->run = pa ? -pa : ~0ull;
		return;
	}
	p = part_of(kd, pfn, &idx);
	if (!p) {
		loc->fate = KMD_NOT_IN_DUMP;
		loc->why = kd->why_missing;
		loc->run = bs - in;
		return;
	}
	loc->path = p->path;
	bool b1 = bit(p->bitmap1, p->bitmap_len, pfn);
	bool b2 = bit(p->bitmap2, p->bitmap_len, pfn);
	if (!b2) {
		loc->fate = b1 ? KMD_EXCLUDED : KMD_NOT_IN_DUMP;
		loc->why = b1 ? "page excluded from the dump (filtered by makedumpfile)" :
				"no such page in the dumped memory (a hole)";
		loc->run = run_pages(p, pfn, b1, b2) * bs - in;
		return;
	}
	/* A record past the end is missing from a cut-short file; in a
	 * whole file its descriptor is corrupt, and reading says so. */
	if (read_desc(p, pfn, &ds, &err) != KMD_OK ||
	    (ds.offset == 0 && ds.size == 0) ||
	    (p->incomplete &&
	     (ds.offset > p->size || ds.size > p->size - ds.offset))) {
		loc->fate = KMD_NOT_IN_DUMP;
		loc->why = "page not written: the dump is incomplete";
		loc->run = bs - in;
		return;
	}
	loc->fate = KMD_MAPPED;
	/* In an incomplete dump a dumped page may lack its record: vouch
	 * for this page only. */
	loc->run = (p->incomplete ? 1 : run_pages(p, pfn, b1, b2)) * bs - in;
	loc->codec = codec_name(ds.flags);
	loc->compressed = loc->codec != NULL;
	if (loc->compressed) {
		loc->offset = ds.offset;
		loc->record_size = ds.size;
		loc->page_offset = in;
	} else {
		loc->offset = ds.offset + in;
		loc->record_size = ds.size;
		loc->page_offset = in;
	}
	if (p->flattened) {
		uint64_t pos;
		if (flat_file_pos(&p->flat, ds.offset, ds.size, &pos))
			loc->offset = loc->compressed ? pos : pos + in;
	}
}

static kmd_status decompress(uint32_t flags, const uint8_t *src, size_t slen,
			     uint8_t *dst, size_t dlen, struct kmd_err *err)
{
	if (flags & DUMP_DH_COMPRESSED_ZLIB) {
		uLongf out = dlen;
		int r = uncompress(dst, &out, src, slen);
		if (r == Z_BUF_ERROR && out == dlen)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "zlib: the page decompresses to more than %zu bytes",
					   dlen);
		if (r != Z_OK)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "zlib: cannot decompress the page (%s)",
					   zError(r));
		if (out != dlen)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "zlib: the page decompresses to %lu bytes, not %zu",
					   (unsigned long)out, dlen);
		return KMD_OK;
	}
	if (flags & DUMP_DH_COMPRESSED_LZO) {
		lzo_uint out = dlen;
		int r = lzo1x_decompress_safe(src, slen, dst, &out, NULL);
		if (r == LZO_E_OUTPUT_OVERRUN)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "lzo: the page decompresses to more than %zu bytes",
					   dlen);
		if (r != LZO_E_OK)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "lzo: cannot decompress the page (error %d)", r);
		if (out != dlen)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "lzo: the page decompresses to %lu bytes, not %zu",
					   (unsigned long)out, dlen);
		return KMD_OK;
	}
	if (flags & DUMP_DH_COMPRESSED_SNAPPY) {
#ifdef HAVE_SNAPPY
		size_t out = dlen;
		size_t ulen;
		if (snappy_uncompressed_length((const char *)src, slen, &ulen) != SNAPPY_OK)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "snappy: cannot decompress the page (no valid length)");
		if (ulen != dlen)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "snappy: the page decompresses to %zu bytes, not %zu",
					   ulen, dlen);
		if (snappy_uncompress((const char *)src, slen, (char *)dst, &out) != SNAPPY_OK ||
		    out != dlen)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "snappy: cannot decompress the page");
		return KMD_OK;
#else
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED,
				   "page is snappy-compressed, but this kmapdump was built without snappy");
#endif
	}
	if (flags & DUMP_DH_COMPRESSED_ZSTD) {
#ifdef HAVE_ZSTD
		size_t r = ZSTD_decompress(dst, dlen, src, slen);
		if (ZSTD_isError(r))
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "zstd: cannot decompress the page (%s)",
					   ZSTD_getErrorName(r));
		if (r != dlen)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "zstd: the page decompresses to %zu bytes, not %zu",
					   r, dlen);
		return KMD_OK;
#else
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED,
				   "page is zstd-compressed, but this kmapdump was built without zstd");
#endif
	}
	return kmd_err_set(err, KMD_ERR_CORRUPT, "unknown page flags 0x%x", flags);
}

/* Read and decompress the record of PFN into OUT (block_size bytes),
 * using SCRATCH (scratch_size() bytes).  Touches no shared state: the
 * parallel scan calls it from several threads at once. */

static kmd_status load_page(struct dump *d, uint64_t pfn, uint8_t *out,
			    uint8_t *scratch, unsigned *part,
			    struct kmd_err *err)
{
	struct kdump *kd = d->priv;
	struct kmd_loc loc;
	struct part *p;
	unsigned idx = 0;
	struct desc ds;
	kmd_status st;

	memset(&loc, 0, sizeof(loc));
	kdump_locate(d, pfn * kd->block_size, &loc);
	if (loc.fate != KMD_MAPPED)
		return kmd_err_set(err, KMD_ERR_NOTFOUND,
				   "physical address 0x%llx is %s",
				   (unsigned long long)pfn * kd->block_size,
				   loc.why ? loc.why : "not in the dump");
	p = part_of(kd, pfn, &idx);
	st = read_desc(p, pfn, &ds, err);
	if (st)
		return st;
	uint32_t codec = ds.flags & DUMP_DH_CODECS;
	if ((ds.flags & ~DUMP_DH_CODECS) || (codec & (codec - 1)))
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "%s: offset 0x%llx: page descriptor of PFN 0x%llx has unknown flags 0x%x",
				   p->path, (unsigned long long)ds.pos,
				   (unsigned long long)pfn, ds.flags);
	if (ds.offset > p->size || ds.size > p->size - ds.offset)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "%s: offset 0x%llx: page descriptor of PFN 0x%llx points past the end of the file (record at 0x%llx, %u bytes; the file has 0x%llx)",
				   p->path, (unsigned long long)ds.pos,
				   (unsigned long long)pfn,
				   (unsigned long long)ds.offset, ds.size,
				   (unsigned long long)p->size);
	if (!codec) {
		if (ds.size != kd->block_size)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "%s: offset 0x%llx: uncompressed page record of PFN 0x%llx has size %u, not %u",
					   p->path, (unsigned long long)ds.offset,
					   (unsigned long long)pfn, ds.size,
					   kd->block_size);
		st = part_read(p, ds.offset, out, ds.size, err);
	} else {
		if (ds.size > scratch_size(kd))
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "%s: offset 0x%llx: page record of PFN 0x%llx is %u bytes, too large",
					   p->path, (unsigned long long)ds.offset,
					   (unsigned long long)pfn, ds.size);
		st = part_read(p, ds.offset, scratch, ds.size, err);
		if (!st)
			st = decompress(ds.flags, scratch, ds.size, out,
					kd->block_size, err);
	}
	if (st)
		return kmd_err_wrap(err, "%s: page record at 0x%llx (PFN 0x%llx)",
				    p->path, (unsigned long long)ds.offset,
				    (unsigned long long)pfn);
	*part = idx;
	return KMD_OK;
}

/* The decompressed page PFN, through the cache. */
static kmd_status get_page(struct dump *d, uint64_t pfn, const uint8_t **out,
			   struct kmd_err *err)
{
	struct kdump *kd = d->priv;
	struct cache_slot *slot = &kd->cache[pfn % CACHE_SLOTS];
	unsigned idx = 0;
	kmd_status st;

	if (slot->key == pfn + 1) {
		*out = slot->data;
		return KMD_OK;
	}
	if (!slot->data && !(slot->data = malloc(kd->block_size)))
		return kmd_err_nomem(err);
	slot->key = 0;
	st = load_page(d, pfn, slot->data, kd->scratch, &idx, err);
	if (st)
		return st;
	slot->key = pfn + 1;
	slot->part = idx;
	*out = slot->data;
	return KMD_OK;
}

size_t kdump_scratch_size(const struct dump *d)
{
	return scratch_size(d->priv);
}

kmd_status kdump_read_page(struct dump *d, uint64_t pa, uint8_t *out,
			   uint8_t *scratch, struct kmd_err *err)
{
	struct kdump *kd = d->priv;
	unsigned idx;

	return load_page(d, pa / kd->block_size, out, scratch, &idx, err);
}

static kmd_status kdump_read(struct dump *d, uint64_t pa, void *buf,
			     size_t size, struct kmd_err *err)
{
	struct kdump *kd = d->priv;
	uint8_t *o = buf;

	while (size) {
		uint64_t pfn = pa / kd->block_size, in = pa % kd->block_size;
		uint64_t n = kd->block_size - in;
		const uint8_t *page = NULL;
		kmd_status st = get_page(d, pfn, &page, err);
		if (st)
			return st;
		if (n > size)
			n = size;
		memcpy(o, page + in, n);
		o += n;
		pa += n;
		size -= n;
	}
	return KMD_OK;
}

static void kdump_close(struct dump *d)
{
	struct kdump *kd = d->priv;

	if (!kd)
		return;
	for (unsigned i = 0; kd->parts && i < kd->nparts; i++) {
		struct part *p = &kd->parts[i];
		flat_index_free(&p->flat);
		if (p->bitmaps_owned) {
			free((void *)p->bitmap1);
			free((void *)p->bitmap2);
		}
		free(p->rank);
	}
	free(kd->parts);
	if (kd->cache)
		for (unsigned i = 0; i < CACHE_SLOTS; i++)
			free(kd->cache[i].data);
	free(kd->cache);
	free(kd->scratch);
	free(kd);
}

const struct dump_format dump_format_kdump = {
	.name = "kdump-compressed",
	.probe = kdump_probe,
	.open = kdump_open,
	.locate = kdump_locate,
	.read = kdump_read,
	.close = kdump_close,
	.multi_file = true,
};
