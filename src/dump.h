/* dump.h - crash dump files: formats behind one table of operations,
 * and the physical-memory reader on top of them.
 *
 * A format provides:
 *   probe  - does this file look like mine? (cheap, header only)
 *   open   - parse headers and index the physical memory it holds
 *   locate - the fate of a physical address and where it is in the file
 *   read   - copy physical memory (decompressing pages as needed)
 *   close  - free its private state
 * A format that spans several files (split dump sets) gets them all.
 * Everything above this layer speaks physical addresses only.
 */
#ifndef KMD_DUMP_H
#define KMD_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "kmapdump.h"

struct dump;

struct dump_format {
	const char *name;
	bool (*probe)(const uint8_t *head, size_t len);
	kmd_status (*open)(struct dump *d, struct kmd_err *err);
	/* Fill LOC for physical address PA; loc->run is how many bytes from
	 * PA on share the fate and (for KMD_MAPPED) are contiguous in the
	 * file. */
	void (*locate)(struct dump *d, uint64_t pa, struct kmd_loc *loc);
	kmd_status (*read)(struct dump *d, uint64_t pa, void *buf, size_t size,
			   struct kmd_err *err);
	void (*close)(struct dump *d);
	bool multi_file; /* accepts several files (split dumps) */
};

/* Per-CPU register state found in notes (NT_PRSTATUS, QEMU). */
struct dump_cpu {
	bool has_cr3;
	uint64_t cr3;
	uint64_t cr4;
};

struct dump_file {
	char *path;
	int fd;
	const uint8_t *map;
	uint64_t size;
};

/* A physical range that the dump also labels with a virtual address
 * (kdump's /proc/vmcore does; QEMU's p_vaddr == p_paddr does not). */
struct dump_vmap {
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t size;
};

struct dump {
	const struct dump_format *fmt;
	char *path;           /* the first file; the one errors name */
	int fd;
	const uint8_t *map;   /* whole file, read-only mapping */
	uint64_t size;
	/* Further files of a split set (path, map, size each). */
	struct dump_file *extra;
	unsigned nextra;
	const char *format_name; /* e.g. "kdump-compressed (flattened)" */

	/* Filled by the format's open. */
	char *vmcoreinfo;     /* NUL-terminated copy, or NULL */
	size_t vmcoreinfo_len;
	unsigned machine;     /* ELF e_machine value, 0 if unknown */
	bool machine_is_hint; /* kdump header: the emulator's, not the guest's */
	unsigned word_size;   /* 4 or 8, from the container, 0 if unknown */
	bool incomplete;
	char incomplete_why[160];
	uint64_t phys_end;    /* first physical address past all memory */
	bool has_phys_base;   /* the container records phys_base */
	uint64_t phys_base;
	struct dump_cpu *cpus;
	unsigned ncpus;
	struct dump_vmap *vmaps;
	size_t nvmaps;
	void *priv;
};

/* Does the file start like a dump of any known format? */
bool dump_probe(const uint8_t *head, size_t len);
/* Open one dump, or the parts of a split set. */
kmd_status dump_open(struct dump **out, const char *const *paths,
		     unsigned npaths, struct kmd_err *err);
void dump_close(struct dump *d);

void dump_locate(struct dump *d, uint64_t pa, struct kmd_loc *loc);
/* Copy physical memory; fails with the address and fate if any byte is
 * not in the file. */
kmd_status dump_read(struct dump *d, uint64_t pa, void *buf, size_t size,
		     struct kmd_err *err);
/* Bytes of [pa, pa+size) that are present in the file. */
uint64_t dump_present_bytes(struct dump *d, uint64_t pa, uint64_t size);

/* Helpers for formats. */
kmd_status dump_add_cpu(struct dump *d, const struct dump_cpu *cpu,
			struct kmd_err *err);
kmd_status dump_set_vmcoreinfo(struct dump *d, const char *text, size_t len,
			       struct kmd_err *err);

extern const struct dump_format dump_format_elf;
extern const struct dump_format dump_format_kdump;

/* Map a file read-only. */
kmd_status dump_map_file(struct dump_file *f, const char *path,
			 struct kmd_err *err);
/* Let the kernel take back the whole pages of a file mapping within
 * [ADDR, ADDR + LEN) (they stay in the page cache; a later access faults
 * them back in): a pass over a whole dump, or over a big bitmap, must not
 * keep all of it resident.  Advice only. */
void dump_release_mapped(const uint8_t *addr, uint64_t len);
/* The same for the main file's bytes [OFF, OFF + LEN). */
void dump_release(const struct dump *d, uint64_t off, uint64_t len);
/* ELF e_machine of a utsname machine string (0 if unknown), and a name
 * for an e_machine value, for messages. */
unsigned dump_machine_of(const char *uts);
const char *dump_machine_name(unsigned em);
void dump_unmap_file(struct dump_file *f);

/* Little-endian loads from a byte buffer. */
static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}
static inline uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
