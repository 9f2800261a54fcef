/* fuzz_dump.c - libFuzzer target: arbitrary bytes as a crash dump, opened
 * with a fixed symbol file, then every query a user can make: regions,
 * vtop, map, verify.  Covers the ELF and kdump-compressed (plain and
 * flattened) parsers, VMCOREINFO, the codecs and the page-table walker. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmapdump.h"

static char symfile[64];

static void remove_symbols(void)
{
	unlink(symfile);
}

/* Symbols for an x86_64 kernel; the ARCH line lets a fuzzed i386 dump
 * exercise the other architecture when FUZZ_ARCH=i386. */
static void write_symbols(void)
{
	const char *arch = getenv("FUZZ_ARCH");
	FILE *f;

	snprintf(symfile, sizeof(symfile), "/tmp/kmd-fuzz-syms.%d", (int)getpid());
	f = fopen(symfile, "w");
	if (!f)
		abort();
	/* The generator's default layouts (tests/mkvmcore.c), so corpora
	 * seeded from tests/synth/ open and reach the walker. */
	if (arch && strcmp(arch, "i386") == 0)
		fputs("ARCH=i386\nNUMBER(PAGE_OFFSET)=3221225472\n"
		      "ENUM(__end_of_permanent_fixed_addresses)=300\n"
		      "c1000000 T _text\nc1001000 T _stext\nc1800000 T _etext\n"
		      "c1a10000 D high_memory\nc1a10004 D __FIXADDR_TOP\n"
		      "c1a10008 D pkmap_page_table\nc1a1000c D highstart_pfn\n"
		      "c1a10010 D highend_pfn\nc1a20000 D jiffies\nc1b00000 D _edata\n"
		      "c1c00000 T __init_begin\nc1d00000 T __init_end\n"
		      "c1e00000 B swapper_pg_dir\nc1e10000 B pkmap_count\n", f);
	else
		fputs("ARCH=x86_64\nENUM(__end_of_permanent_fixed_addresses)=1024\n"
		      "ffffffff81000000 T _stext\nffffffff81000000 T _text\n"
		      "ffffffff81800000 D init_top_pgt\nffffffff81910010 D phys_base\n"
		      "ffffffff81a1c0c8 D vmemmap_base\nffffffff81a1c0d0 D vmalloc_base\n"
		      "ffffffff81a1c0d8 D page_offset_base\nffffffff81a20000 D jiffies\n", f);
	fclose(f);
	atexit(remove_symbols);
}

static int run(void *arg, const struct kmd_run *r)
{
	uint64_t *count = arg;
	(void)r;
	return ++*count > 4096; /* enough */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	const char *paths[2];
	struct kmd_err err;
	kmd_t *k;
	int fd;

	if (!symfile[0])
		write_symbols();
	fd = memfd_create("dump", 0);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	paths[0] = path;
	paths[1] = symfile;
	if (kmd_open(&k, paths, 2, KMD_OPEN_FORCE, &err) == KMD_OK) {
		uint64_t mapped, present, count = 0;
		struct kmd_xlat x;
		struct kmd_scan_result sr;
		static const uint64_t probes[] = {
			0xffffffff81000000ull, 0xffff888000001000ull,
			0xffffc90000000000ull, 0xffffffffff5fd000ull,
			0xc0001000ull, 0xfff00000ull, 0x1000ull,
		};
		for (size_t i = 0; i < kmd_region_count(k); i++)
			if (kmd_region_stats(k, i, &mapped, &present, &err))
				break;
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			if (kmd_vtop(k, probes[i], &x, &err))
				break;
		kmd_map(k, 0, 0, run, &count, &err);
		if (size < (1u << 20))
			kmd_scan(k, &sr, &err);
		kmd_close(k);
	} else {
		/* Errors must be one line. */
		if (strchr(err.msg, '\n'))
			abort();
	}
	/* verify opens without a kernel */
	paths[0] = path;
	if (kmd_open(&k, paths, 1, KMD_OPEN_DUMP_ONLY, &err) == KMD_OK) {
		struct kmd_scan_result sr;
		if (size < (1u << 20))
			kmd_scan(k, &sr, &err);
		kmd_close(k);
	}
	close(fd);
	return 0;
}
