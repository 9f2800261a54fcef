/* svg.h - the address-space picture written by `kmapdump regions --svg`. */
#ifndef KMD_SVG_H
#define KMD_SVG_H

#include <stdio.h>

#include "kmapdump.h"

struct svg_band {
	const struct kmd_region *r;
	uint64_t mapped, present;
};

/* "1.5 GiB": a byte count for people (kmapdump.c). */
const char *cli_human(uint64_t n, char *buf, size_t size);

int svg_write(FILE *f, const struct kmd_info *in, const struct svg_band *b,
	      size_t n);

#endif
