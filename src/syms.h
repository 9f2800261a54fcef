/* syms.h - what translation needs to know about the kernel image:
 * symbol addresses (link-time, before KASLR) and a few constants (enum
 * values, type sizes, member offsets).  Two backends: an ELF vmlinux
 * (symbol table through libelf, DWARF through libdw, read only on demand)
 * and a System.map-style text file, which tests use to describe a kernel
 * without building one.  Nothing above this interface touches DWARF. */
#ifndef KMD_SYMS_H
#define KMD_SYMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "kmapdump.h"
#include "vmcoreinfo.h"

struct syms;

struct syms_enum {
	const char *name;
	int64_t value;
};

struct syms_ops {
	/* KEY is in VMCOREINFO syntax: "ENUM(name)", "SIZE(type)",
	 * "OFFSET(type.member)".  HINT, if not NULL, names a function whose
	 * compile unit probably defines the type (a shortcut past scanning
	 * all of DWARF). */
	kmd_status (*constant)(struct syms *s, const char *key,
			       const char *hint, int64_t *val,
			       struct kmd_err *err);
	/* All enumerators of the enum type that has enumerator MEMBER, in
	 * declaration order (see syms_enum_list). */
	kmd_status (*enum_list)(struct syms *s, const char *member,
				const char *hint, struct syms_enum **out,
				size_t *n, struct kmd_err *err);
	void (*close)(struct syms *s);
};

struct sym {
	uint64_t addr;
	uint64_t size;      /* 0 if unknown */
	const char *name;
	bool located;       /* a function or object: usable for addr -> name */
};

struct syms {
	const struct syms_ops *ops;
	const char *kind;        /* "vmlinux" or "symbol file" */
	char *path;
	char *release;           /* from linux_banner, or NULL */
	char *build_id;          /* lowercase hex, or NULL */
	unsigned machine;        /* ELF e_machine of the vmlinux, 0 if unknown */
	bool wide;               /* a symbol file has addresses above 4 GiB:
				  * a 64-bit kernel's */
	/* p_vaddr - p_paddr of the vmlinux's first PT_LOAD: PAGE_OFFSET on
	 * i386, where the image is linked into lowmem. */
	bool has_voffset;
	uint64_t voffset;
	struct sym *byname;      /* in table order (not sorted) */
	size_t n, cap;
	/* Hash of each name (one sequential pass at open).  The first
	 * lookups scan these; after SYMS_SCAN_LOOKUPS an open-addressing
	 * index is built: slot -> index + 1 (0 empty), a repeated name
	 * keeping its lowest address. */
	uint32_t *nhash;
	unsigned lookups;
	uint32_t *hash;
	size_t hmask;
	/* Located symbols sorted by address, built on the first
	 * syms_symbolize (vtop never needs it). */
	const struct sym **byaddr;
	size_t naddr;
	bool byaddr_done;
	struct vmcoreinfo consts; /* constants found or given */
	void *priv;
};

/* Is this the start of a symbol file (text)? */
bool syms_probe_text(const uint8_t *head, size_t len);
/* Is this an ELF executable (a vmlinux)? */
bool syms_probe_vmlinux(const uint8_t *head, size_t len);

kmd_status syms_open_text(struct syms **out, const char *path,
			  struct kmd_err *err);
kmd_status syms_open_vmlinux(struct syms **out, const char *path,
			     struct kmd_err *err);
void syms_close(struct syms *s);

/* Link-time address of NAME. */
bool syms_lookup(const struct syms *s, const char *name, uint64_t *addr);
/* The symbol containing link-time address ADDR (kallsyms-style: a symbol
 * without a size extends to the next one). */
bool syms_symbolize(const struct syms *s, uint64_t addr, const char **name,
		    uint64_t *offset, uint64_t *size);
kmd_status syms_constant(struct syms *s, const char *key, const char *hint,
			 int64_t *val, struct kmd_err *err);
/* *OUT is one malloc'ed block (array and strings): free() it once. */
kmd_status syms_enum_list(struct syms *s, const char *member, const char *hint,
			  struct syms_enum **out, size_t *n,
			  struct kmd_err *err);
/* Build that block from parallel arrays (for backends). */
kmd_status syms_enum_pack(const char *const *names, const int64_t *vals,
			  const size_t *namelens, size_t n,
			  struct syms_enum **out, struct kmd_err *err);

/* For backends: collect symbols, then sort once. */
kmd_status syms_add(struct syms *s, const char *name, uint64_t addr,
		    uint64_t size, bool located, struct kmd_err *err);
kmd_status syms_finish(struct syms *s, struct kmd_err *err);
struct syms *syms_new(const struct syms_ops *ops, const char *kind,
		      const char *path);

#endif
