/* x86.h - what x86_64 and i386 page-table entries share: the attribute
 * bits of a leaf. */
#ifndef KMD_X86_H
#define KMD_X86_H

#include "kmapdump.h"

/* Linux programs the PAT MSR as WB, WC, UC-, UC, WB, WP, UC-, WT
 * (arch/x86/mm/pat/memtype.c, v4.2+); the index is PAT:PCD:PWT. */
static inline void x86_leaf_attrs(uint64_t e, bool large, bool has_nx,
				  struct kmd_run *out)
{
	static const char *const cache[8] = { "WB", "WC", "UC-", "UC",
					      "WB", "WP", "UC-", "WT" };
	unsigned pat = (unsigned)((large ? e >> 12 : e >> 7) & 1);

	out->rw = e >> 1 & 1;
	out->user = e >> 2 & 1;
	out->global = e >> 8 & 1;
	out->nx = has_nx && (e >> 63 & 1);
	out->cache = cache[pat << 2 | (unsigned)(e >> 4 & 1) << 1 |
			   (unsigned)(e >> 3 & 1)];
}

#endif
