/* elfdump.c - ELF core dumps: kdump's /proc/vmcore, QEMU's
 * dump-guest-memory, makedumpfile -E.
 *
 * Program headers are read from wherever e_phoff points (QEMU writes the
 * section headers first), and e_phnum == PN_XNUM takes the real count from
 * section header 0.  PT_LOAD segments describe physical memory: the file
 * holds the first p_filesz bytes of each, the rest of p_memsz was left out
 * (makedumpfile -E writes filtered pages that way).  p_vaddr is a hint
 * only: QEMU sets it equal to p_paddr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "err.h"

#define PT_LOAD 1
#define PT_NOTE 4
#define ET_CORE 4
#define PN_XNUM 0xffff
#define NT_PRSTATUS 1
#define PHYS_LIMIT (1ull << 52) /* x86's MAXPHYADDR is at most 52 bits */

struct segment {
	uint64_t paddr;
	uint64_t memsz;
	uint64_t filesz;
	uint64_t avail;   /* bytes of filesz actually in the file */
	uint64_t offset;
	uint64_t vaddr;
};

struct elfdump {
	struct segment *seg;  /* sorted by paddr */
	uint64_t *max_end;    /* max(paddr + memsz) over seg[0..i] */
	size_t nseg;
};

static bool elf_probe(const uint8_t *head, size_t len)
{
	return len >= 20 && memcmp(head, "\177ELF", 4) == 0 &&
	       get_le16(head + 16) == ET_CORE;
}

/* Header fields common to both classes. */
struct ehdr {
	bool is64;
	unsigned machine;
	uint64_t phoff, shoff;
	unsigned phentsize, shentsize;
	uint64_t phnum;
};

static kmd_status read_ehdr(struct dump *d, struct ehdr *h,
			    struct kmd_err *err)
{
	const uint8_t *p = d->map;
	unsigned ehsize;
	uint64_t phnum_at; /* where the program header count is */

	if (d->size < 52)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "ELF header truncated (file has %llu bytes)",
				   (unsigned long long)d->size);
	if (p[4] != 1 && p[4] != 2)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x4: bad ELF class %u", p[4]);
	if (p[5] == 2)
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED,
				   "offset 0x5: big-endian ELF cores are not supported");
	if (p[5] != 1)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x5: bad ELF data encoding %u", p[5]);
	if (p[6] != 1)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x6: bad ELF version %u", p[6]);
	if (get_le32(p + 20) != 1)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x14: bad ELF version %u",
				   get_le32(p + 20));
	h->is64 = p[4] == 2;
	h->machine = get_le16(p + 18);
	if (h->is64) {
		if (d->size < 64)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "ELF64 header truncated (file has %llu bytes)",
					   (unsigned long long)d->size);
		h->phoff = get_le64(p + 32);
		h->shoff = get_le64(p + 40);
		ehsize = get_le16(p + 52);
		h->phentsize = get_le16(p + 54);
		h->phnum = get_le16(p + 56);
		h->shentsize = get_le16(p + 58);
	} else {
		h->phoff = get_le32(p + 28);
		h->shoff = get_le32(p + 32);
		ehsize = get_le16(p + 40);
		h->phentsize = get_le16(p + 42);
		h->phnum = get_le16(p + 44);
		h->shentsize = get_le16(p + 46);
	}
	(void)ehsize;
	phnum_at = h->is64 ? 56 : 44;
	if (h->phnum == PN_XNUM) {
		/* The real count is sh_info of section header 0. */
		unsigned need = h->is64 ? 64 : 40;
		if (h->shentsize < need || h->shoff > d->size ||
		    d->size - h->shoff < need)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "offset 0x%llx: e_phnum is PN_XNUM but section header 0 is not in the file",
					   (unsigned long long)h->shoff);
		phnum_at = h->shoff + (h->is64 ? 44 : 28);
		h->phnum = get_le32(d->map + phnum_at);
	}
	if (h->phentsize != (h->is64 ? 56u : 32u))
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%x: bad e_phentsize %u",
				   h->is64 ? 54 : 42, h->phentsize);
	if (h->phnum == 0)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%llx: no program headers",
				   (unsigned long long)phnum_at);
	if (h->phoff > d->size ||
	    (d->size - h->phoff) / h->phentsize < h->phnum)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "offset 0x%llx: %llu program headers do not fit in the file (%llu bytes)",
				   (unsigned long long)h->phoff,
				   (unsigned long long)h->phnum,
				   (unsigned long long)d->size);
	return KMD_OK;
}

/* QEMU's per-CPU state note (target/i386/arch_dump.c, QEMUCPUState):
 * version, size, 18 GPRs incl. rip/rflags, 10 segments of 24 bytes, then
 * cr[5]. */
#define QEMU_CPU_CR0 392
#define QEMU_CPU_MIN_SIZE (QEMU_CPU_CR0 + 5 * 8)

static kmd_status parse_notes(struct dump *d, uint64_t off, uint64_t size,
			      struct kmd_err *err)
{
	const uint8_t *p = d->map + off;
	uint64_t pos = 0;
	kmd_status s;

	while (size - pos >= 12) {
		uint32_t namesz = get_le32(p + pos);
		uint32_t descsz = get_le32(p + pos + 4);
		uint32_t type = get_le32(p + pos + 8);
		uint64_t name_off = pos + 12;
		uint64_t desc_off = name_off + (((uint64_t)namesz + 3) & ~3ull);
		uint64_t next = desc_off + (((uint64_t)descsz + 3) & ~3ull);
		const char *name = (const char *)p + name_off;
		const uint8_t *desc = p + desc_off;

		/* Zero fill after the last note (kexec-tools' fixed-size
		 * crash_notes buffers): the kernel's own parser stops at
		 * n_namesz == 0 (fs/proc/vmcore.c), and so do we. */
		if (namesz == 0)
			break;
		if (desc_off > size || next > size + 3 ||
		    descsz > size - desc_off)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "offset 0x%llx: ELF note runs past its segment",
					   (unsigned long long)(off + pos));
		if (namesz == 11 && memcmp(name, "VMCOREINFO", 11) == 0) {
			s = dump_set_vmcoreinfo(d, (const char *)desc, descsz,
						err);
			if (s)
				return kmd_err_wrap(err, "offset 0x%llx",
						    (unsigned long long)(off + desc_off));
		} else if (namesz == 5 && memcmp(name, "CORE", 5) == 0 &&
			   type == NT_PRSTATUS) {
			struct dump_cpu cpu = { 0 };
			s = dump_add_cpu(d, &cpu, err);
			if (s)
				return s;
		} else if (namesz == 5 && memcmp(name, "QEMU", 5) == 0 &&
			   descsz >= QEMU_CPU_MIN_SIZE) {
			/* QEMU follows each NT_PRSTATUS with its own note;
			 * attach the control registers to that CPU. */
			struct dump_cpu cpu = { 0 };
			cpu.has_cr3 = true;
			cpu.cr3 = get_le64(desc + QEMU_CPU_CR0 + 3 * 8);
			cpu.cr4 = get_le64(desc + QEMU_CPU_CR0 + 4 * 8);
			if (d->ncpus && !d->cpus[d->ncpus - 1].has_cr3)
				d->cpus[d->ncpus - 1] = cpu;
			else if ((s = dump_add_cpu(d, &cpu, err)))
				return s;
		}
		if (next >= size)
			break;
		pos = next;
	}
	return KMD_OK;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;
	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

static kmd_status elf_open(struct dump *d, struct kmd_err *err)
{
	struct elfdump *e;
	struct ehdr h = { 0 };
	kmd_status s;
	uint64_t nload = 0;

	s = read_ehdr(d, &h, err);
	if (s)
		return s;
	d->machine = h.machine;
	d->word_size = h.is64 ? 8 : 4;

	for (uint64_t i = 0; i < h.phnum; i++) {
		const uint8_t *ph = d->map + h.phoff + i * h.phentsize;
		if (get_le32(ph) == PT_LOAD)
			nload++;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return kmd_err_nomem(err);
	d->priv = e;
	e->seg = calloc(nload ? nload : 1, sizeof(*e->seg));
	if (!e->seg)
		return kmd_err_nomem(err);

	for (uint64_t i = 0; i < h.phnum; i++) {
		uint64_t phpos = h.phoff + i * h.phentsize;
		const uint8_t *ph = d->map + phpos;
		uint32_t type = get_le32(ph);
		uint64_t offset, vaddr, paddr, filesz, memsz;

		if (h.is64) {
			offset = get_le64(ph + 8);
			vaddr = get_le64(ph + 16);
			paddr = get_le64(ph + 24);
			filesz = get_le64(ph + 32);
			memsz = get_le64(ph + 40);
		} else {
			offset = get_le32(ph + 4);
			vaddr = get_le32(ph + 8);
			paddr = get_le32(ph + 12);
			filesz = get_le32(ph + 16);
			memsz = get_le32(ph + 20);
		}
		if (type == PT_NOTE) {
			if (offset > d->size || filesz > d->size - offset)
				return kmd_err_set(err, KMD_ERR_CORRUPT,
						   "offset 0x%llx: PT_NOTE at 0x%llx+0x%llx lies past the end of the file",
						   (unsigned long long)phpos,
						   (unsigned long long)offset,
						   (unsigned long long)filesz);
			s = parse_notes(d, offset, filesz, err);
			if (s)
				return s;
		} else if (type == PT_LOAD) {
			struct segment *sg = &e->seg[e->nseg];
			if (memsz == 0)
				continue;
			if (filesz > memsz)
				filesz = memsz;
			if (paddr + memsz - 1 < paddr)
				return kmd_err_set(err, KMD_ERR_CORRUPT,
						   "offset 0x%llx: PT_LOAD 0x%llx+0x%llx wraps around",
						   (unsigned long long)phpos,
						   (unsigned long long)paddr,
						   (unsigned long long)memsz);
			if (offset + filesz < offset)
				return kmd_err_set(err, KMD_ERR_CORRUPT,
						   "offset 0x%llx: PT_LOAD data at 0x%llx+0x%llx wraps around",
						   (unsigned long long)phpos,
						   (unsigned long long)offset,
						   (unsigned long long)filesz);
			if (paddr >= PHYS_LIMIT || memsz > PHYS_LIMIT - paddr)
				return kmd_err_set(err, KMD_ERR_CORRUPT,
						   "offset 0x%llx: PT_LOAD 0x%llx+0x%llx lies beyond the 52-bit physical address space",
						   (unsigned long long)phpos,
						   (unsigned long long)paddr,
						   (unsigned long long)memsz);
			sg->paddr = paddr;
			sg->memsz = memsz;
			sg->filesz = filesz;
			sg->offset = offset;
			sg->vaddr = vaddr;
			if (offset >= d->size)
				sg->avail = 0;
			else
				sg->avail = d->size - offset < filesz ?
						    d->size - offset : filesz;
			if (sg->avail < filesz && !d->incomplete) {
				d->incomplete = true;
				snprintf(d->incomplete_why,
					 sizeof(d->incomplete_why),
					 "file ends at 0x%llx inside PT_LOAD data 0x%llx-0x%llx",
					 (unsigned long long)d->size,
					 (unsigned long long)offset,
					 (unsigned long long)(offset + filesz));
			}
			e->nseg++;
			if (vaddr != paddr && vaddr != 0) {
				struct dump_vmap *n = d->vmaps;
				/* Grow geometrically: dumps may have
				 * tens of thousands of segments. */
				if ((d->nvmaps & (d->nvmaps - 1)) == 0) {
					n = realloc(d->vmaps,
						    (d->nvmaps ? d->nvmaps * 2 : 1) *
							    sizeof(*n));
					if (!n)
						return kmd_err_nomem(err);
				}
				d->vmaps = n;
				n[d->nvmaps].vaddr = vaddr;
				n[d->nvmaps].paddr = paddr;
				n[d->nvmaps].size = memsz;
				d->nvmaps++;
			}
		}
	}
	if (e->nseg == 0)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "no PT_LOAD segments: the dump holds no memory");
	qsort(e->seg, e->nseg, sizeof(*e->seg), seg_cmp);
	e->max_end = malloc(e->nseg * sizeof(*e->max_end));
	if (!e->max_end)
		return kmd_err_nomem(err);
	for (size_t i = 0; i < e->nseg; i++) {
		if (e->seg[i].paddr + e->seg[i].memsz > d->phys_end)
			d->phys_end = e->seg[i].paddr + e->seg[i].memsz;
		e->max_end[i] = d->phys_end;
	}
	return KMD_OK;
}

static void elf_locate(struct dump *d, uint64_t pa, struct kmd_loc *loc)
{
	struct elfdump *e = d->priv;
	const struct segment *best = NULL;
	size_t lo = 0, hi = e->nseg;
	int best_rank = -1;

	/* First segment starting above PA. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->seg[mid].paddr <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Segments may overlap: kexec-tools describes the kernel image once
	 * more inside its System RAM segment.  Of those covering PA, take one
	 * that holds the byte in the file if there is one. */
	for (size_t i = lo; i-- > 0 && e->max_end[i] > pa;) {
		const struct segment *sg = &e->seg[i];
		uint64_t rel = pa - sg->paddr;
		int rank;
		if (rel >= sg->memsz)
			continue;
		rank = rel < sg->avail ? 2 : rel < sg->filesz ? 1 : 0;
		if (rank > best_rank) {
			best = sg;
			best_rank = rank;
		}
		if (rank == 2)
			break;
	}
	if (best) {
		uint64_t rel = pa - best->paddr;
		if (best_rank == 2) {
			loc->fate = KMD_MAPPED;
			loc->offset = best->offset + rel;
			loc->run = best->avail - rel;
		} else if (best_rank == 1) {
			loc->fate = KMD_NOT_IN_DUMP;
			loc->why = "past the end of the truncated file";
			loc->run = best->filesz - rel;
		} else {
			loc->fate = KMD_EXCLUDED;
			loc->why = "page left out of the dump (PT_LOAD p_filesz < p_memsz)";
			loc->run = best->memsz - rel;
		}
		/* A segment starting further on may answer differently. */
		if (lo < e->nseg && e->seg[lo].paddr - pa < loc->run)
			loc->run = e->seg[lo].paddr - pa;
		return;
	}
	loc->fate = KMD_NOT_IN_DUMP;
	loc->why = "no PT_LOAD segment covers it";
	loc->run = lo < e->nseg ? e->seg[lo].paddr - pa : -pa;
}

static void elf_close(struct dump *d)
{
	struct elfdump *e = d->priv;
	if (e) {
		free(e->seg);
		free(e->max_end);
		free(e);
	}
}

const struct dump_format dump_format_elf = {
	.name = "elf",
	.probe = elf_probe,
	.open = elf_open,
	.locate = elf_locate,
	.close = elf_close,
};
