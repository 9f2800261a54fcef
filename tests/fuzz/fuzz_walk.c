/* fuzz_walk.c - libFuzzer target: the page-table walker fed with arbitrary
 * table contents.  The harness wraps the input in a well-formed ELF
 * vmcore (so every run reaches the walker): the input is physical memory
 * from PA 0, init_top_pgt is its first page, the KASLR base variables
 * (page_offset_base, vmalloc_base, vmemmap_base) are in its second page,
 * and the first byte picks 4- or 5-level paging.  Then the walks a user
 * can ask for: region statistics, vtop of fixed and input-chosen
 * addresses, map, ptov, reads across pages and the fixmap slots. */
#define _GNU_SOURCE
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmapdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char symfile[64];

static void remove_symbols(void)
{
	unlink(symfile);
}

static void write_symbols(void)
{
	FILE *f;

	snprintf(symfile, sizeof(symfile), "/tmp/kmd-fuzzwalk-syms.%d", (int)getpid());
	f = fopen(symfile, "w");
	if (!f)
		abort();
	fputs("ARCH=x86_64\nENUM(__end_of_permanent_fixed_addresses)=1024\n"
	      "ffffffff81000000 T _stext\nffffffff81000000 T _text\n"
	      "ffffffff81000000 D init_top_pgt\n"
	      "ffffffff81001000 D page_offset_base\n"
	      "ffffffff81001008 D vmalloc_base\n"
	      "ffffffff81001010 D vmemmap_base\n"
	      "ffffffff81001018 D jiffies\n", f);
	fclose(f);
	atexit(remove_symbols);
}

static int count_runs(void *arg, const struct kmd_run *r)
{
	uint64_t *count = arg;
	(void)r;
	return ++*count > 4096;
}

/* ELF header, PT_NOTE with VMCOREINFO, PT_LOAD of MEM at PA 0. */
static size_t build_elf(uint8_t *out, const uint8_t *mem, size_t len, int l5)
{
	char info[512];
	int ilen = snprintf(info, sizeof(info),
			    "OSRELEASE=fuzz\nPAGESIZE=4096\n"
			    "SYMBOL(_stext)=ffffffff81000000\n"
			    "SYMBOL(init_top_pgt)=ffffffff81000000\n"
			    "NUMBER(phys_base)=-16777216\nKERNELOFFSET=0\n"
			    "NUMBER(pgtable_l5_enabled)=%d\n", l5);
	size_t noff = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	size_t nsz = sizeof(Elf64_Nhdr) + 12 + (((size_t)ilen + 3) & ~(size_t)3);
	size_t moff = (noff + nsz + 4095) & ~(size_t)4095;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)out;
	Elf64_Phdr *ph = (Elf64_Phdr *)(out + sizeof(*eh));
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(out + noff);

	memset(out, 0, moff);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 2;
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = noff;
	ph[0].p_filesz = nsz;
	ph[1].p_type = PT_LOAD;
	ph[1].p_offset = moff;
	ph[1].p_vaddr = 0xffff888000000000ull;
	ph[1].p_paddr = 0;
	ph[1].p_filesz = ph[1].p_memsz = len;
	nh->n_namesz = 11;
	nh->n_descsz = (Elf64_Word)ilen;
	nh->n_type = 0;
	memcpy((char *)(nh + 1), "VMCOREINFO", 11);
	memcpy((char *)(nh + 1) + 12, info, (size_t)ilen);
	memcpy(out + moff, mem, len);
	return moff + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[8192 + (1u << 20)];
	const char *paths[2];
	char path[64];
	struct kmd_err err;
	kmd_t *k;
	size_t n;
	int fd;

	if (size < 1 || size - 1 > (1u << 20))
		return 0;
	if (!symfile[0])
		write_symbols();
	n = build_elf(buf, data + 1, size - 1, data[0] & 1);
	fd = memfd_create("walk", 0);
	if (fd < 0)
		abort();
	if (write(fd, buf, n) != (ssize_t)n)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	paths[0] = path;
	paths[1] = symfile;
	if (kmd_open(&k, paths, 2, 0, &err) == KMD_OK) {
		static const uint64_t fixed[] = {
			0xffffffff81000000ull, 0xffffffff81001000ull,
			0xffff888000000000ull, 0xffffc90000000000ull,
			0xffffea0000000000ull, 0xffffffffc0000000ull,
			0xffffffffff5fd000ull, 0xff11000000000000ull,
		};
		uint64_t mapped, present, count = 0, *vas;
		struct kmd_xlat x;
		struct kmd_slot *slots;
		uint8_t tmp[64];
		size_t nv;

		for (size_t i = 0; i < kmd_region_count(k); i++)
			kmd_region_stats(k, i, &mapped, &present, &err);
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			kmd_vtop(k, fixed[i], &x, &err);
		/* addresses the input chooses: its last 64 bytes */
		for (size_t i = 0; i + 8 <= 64 && i + 8 < size; i += 8) {
			uint64_t va;
			memcpy(&va, data + size - 8 - i, 8);
			kmd_vtop(k, va, &x, &err);
			kmd_read_virt(k, va - 16, tmp, sizeof(tmp), &err);
		}
		kmd_map(k, 0, 0, count_runs, &count, &err);
		if (kmd_ptov(k, 0x1000, &vas, &nv, &err) == KMD_OK)
			free(vas);
		if (kmd_fixmap_slots(k, &slots, &nv, &err) == KMD_OK)
			free(slots);
		kmd_close(k);
	} else if (strchr(err.msg, '\n')) {
		abort(); /* errors are one line */
	}
	close(fd);
	return 0;
}
