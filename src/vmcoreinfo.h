/* vmcoreinfo.h - the kernel's VMCOREINFO text: KEY=VALUE lines such as
 * OSRELEASE=, PAGESIZE=, SYMBOL(name)=hex, NUMBER(name)=dec, OFFSET(a.b)=,
 * SIZE(t)=, LENGTH(a)=, KERNELOFFSET=hex.  Symbol files for tests use the
 * same syntax for constants, so both share this parser. */
#ifndef KMD_VMCOREINFO_H
#define KMD_VMCOREINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "kmapdump.h"

struct kv {
	char *key;
	char *value;
};

struct vmcoreinfo {
	struct kv *items;
	size_t n;
};

kmd_status vmci_parse(struct vmcoreinfo *vi, const char *text,
		      struct kmd_err *err);
/* Add one "KEY=VALUE" line (no newline); ignored if it has no '='. */
kmd_status vmci_add_line(struct vmcoreinfo *vi, const char *line, size_t len,
			 struct kmd_err *err);
void vmci_free(struct vmcoreinfo *vi);

/* The value of KEY, or NULL.  The last occurrence wins. */
const char *vmci_get(const struct vmcoreinfo *vi, const char *key);
/* SYMBOL(), KERNELOFFSET and other hex values. */
bool vmci_hex(const struct vmcoreinfo *vi, const char *key, uint64_t *out);
/* NUMBER(), OFFSET(), SIZE(), LENGTH() and PAGESIZE: signed decimal
 * (a 0x prefix is accepted). */
bool vmci_num(const struct vmcoreinfo *vi, const char *key, int64_t *out);

#endif
