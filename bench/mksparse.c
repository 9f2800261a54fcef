/* mksparse.c - a synthetic kdump-compressed dump of a big machine with
 * few pages present, for bench/scale.sh.
 *
 * usage: mksparse OUT MEM_GIB PRESENT_PERMILLE [flat]
 *
 * Writes makedumpfile's format (header version 6, 64-bit layout, zlib,
 * 4 KiB blocks) for a machine of MEM_GIB GiB: every page is RAM (1st
 * bitmap), and every page whose PFN is a multiple of 1000 /
 * PRESENT_PERMILLE is dumped (2nd bitmap); the others are excluded.
 * Dumped pages are all zero.  Without "flat" they share one compressed
 * record (the file is headers, bitmaps and descriptors); with "flat" the
 * file is written in makedumpfile -F's flattened format, each page with
 * its own descriptor record and data record, as makedumpfile writes
 * them: two records a page, millions of them.
 *
 * Build: cc -O2 -o mksparse bench/mksparse.c -lz
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BS 4096ull

static FILE *out;
static int flat;
static uint64_t pos; /* offset in the (reassembled) file */

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void put(const void *buf, uint64_t len)
{
	if (flat) {
		uint8_t h[16];
		be64(h, pos);
		be64(h + 8, len);
		fwrite(h, 1, 16, out);
	}
	if (fwrite(buf, 1, len, out) != len) {
		perror("write");
		exit(1);
	}
	pos += len;
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: mksparse OUT MEM_GIB PRESENT_PERMILLE [flat]\n");
		return 2;
	}
	uint64_t gib = strtoull(argv[2], NULL, 0);
	uint64_t permille = strtoull(argv[3], NULL, 0);
	uint64_t every = 1000 / (permille ? permille : 1);
	uint64_t mapnr = gib << 18;               /* 4 KiB pages */
	uint64_t bmlen = (mapnr / 8 + BS - 1) / BS * BS; /* each bitmap */
	uint64_t npresent = (mapnr + every - 1) / every;
	uint64_t desc_off = 2 * BS + 2 * bmlen;
	uint64_t data_off = desc_off + npresent * 24;
	static uint8_t zero[BS], blk[BS], rec[BS];
	uLongf clen = sizeof(rec);

	flat = argc > 4 && strcmp(argv[4], "flat") == 0;
	out = fopen(argv[1], "wb");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	if (compress2(rec, &clen, zero, BS, 1) != Z_OK)
		return 1;
	if (flat) {
		memset(blk, 0, BS);
		memcpy(blk, "makedumpfile", 12);
		be64(blk + 16, 1); /* TYPE_FLAT_HEADER */
		be64(blk + 24, 1); /* VERSION_FLAT_HEADER */
		fwrite(blk, 1, BS, out);
	}
	/* block 0: disk_dump_header, 64-bit layout */
	memset(blk, 0, BS);
	memcpy(blk, "KDUMP   ", 8);
	le32(blk + 8, 6);
	memcpy(blk + 12, "Linux", 5);
	memcpy(blk + 12 + 65, "sparse", 6);
	memcpy(blk + 12 + 130, "6.1.0-synthetic", 15);
	memcpy(blk + 12 + 260, "x86_64", 6);
	le32(blk + 424, 1);                       /* status: zlib */
	le32(blk + 428, (uint32_t)BS);            /* block_size */
	le32(blk + 432, 1);                       /* sub_hdr_size */
	le32(blk + 436, (uint32_t)(2 * bmlen / BS)); /* bitmap_blocks */
	le32(blk + 440, mapnr > 0xffffffffull ? 0xffffffffu : (uint32_t)mapnr);
	le32(blk + 460, 1);                       /* nr_cpus */
	put(blk, BS);
	/* block 1: kdump_sub_header */
	memset(blk, 0, BS);
	le64(blk + 8, 31);                        /* dump_level */
	le64(blk + 80, 0);                        /* start_pfn_64 */
	le64(blk + 88, mapnr);                    /* end_pfn_64 */
	le64(blk + 96, mapnr);                    /* max_mapnr_64 */
	put(blk, BS);
	/* bitmaps, a block at a time (makedumpfile writes them in pieces) */
	for (int which = 0; which < 2; which++) {
		for (uint64_t b = 0; b < bmlen; b += BS) {
			memset(blk, 0, BS);
			for (uint64_t i = 0; i < BS * 8; i++) {
				uint64_t pfn = b * 8 + i;
				if (pfn >= mapnr)
					break;
				if (which == 0 || pfn % every == 0)
					blk[i >> 3] |= (uint8_t)(1u << (i & 7));
			}
			put(blk, BS);
		}
	}
	if (!flat) {
		/* descriptors, all pointing at one record */
		uint8_t d[24 * 170];
		uint64_t left = npresent;
		for (unsigned i = 0; i < 170; i++) {
			le64(d + 24 * i, data_off);
			le32(d + 24 * i + 8, (uint32_t)clen);
			le32(d + 24 * i + 12, 1);
			le64(d + 24 * i + 16, 0);
		}
		while (left) {
			uint64_t n = left < 170 ? left : 170;
			put(d, n * 24);
			left -= n;
		}
		put(rec, clen);
	} else {
		/* makedumpfile -F: for each page, its descriptor, then its
		 * data at the next data offset */
		uint64_t data = data_off;
		for (uint64_t i = 0; i < npresent; i++) {
			uint8_t d[24];
			le64(d, data);
			le32(d + 8, (uint32_t)clen);
			le32(d + 12, 1);
			le64(d + 16, 0);
			pos = desc_off + i * 24;
			put(d, 24);
			pos = data;
			put(rec, clen);
			data += clen;
		}
		memset(blk, 0xff, 16);
		fwrite(blk, 1, 16, out);
	}
	if (fclose(out) != 0) {
		perror(argv[1]);
		return 1;
	}
	fprintf(stderr, "mksparse: %s: %llu GiB, %llu pages, %llu present%s\n",
		argv[1], (unsigned long long)gib, (unsigned long long)mapnr,
		(unsigned long long)npresent, flat ? ", flattened" : "");
	return 0;
}
