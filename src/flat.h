/* flat.h - makedumpfile's flattened format (makedumpfile -F, and QEMU's
 * kdump-* output): a 4 KiB header "makedumpfile" followed by records
 * (big-endian offset, size, then data) that, written at their offsets,
 * reassemble the real file.  We index the records once and read the
 * reassembled file through the index, without writing a copy. */
#ifndef KMD_FLAT_H
#define KMD_FLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmapdump.h"

struct flat_rec {
	uint64_t off;   /* offset in the reassembled file */
	uint64_t size;
	uint64_t pos;   /* offset of the data in the flattened file */
	uint64_t seq;   /* record order: later records win */
};

struct flat_index {
	struct flat_rec *rec; /* sorted by off, then seq */
	uint64_t *max_end;    /* max(off + size) over rec[0..i] */
	size_t n;
	uint64_t size;        /* size of the reassembled file */
	bool truncated;       /* the stream ended without its end marker */
};

bool flat_probe(const uint8_t *head, size_t len);
kmd_status flat_index_build(struct flat_index *fi, const uint8_t *map,
			    uint64_t size, struct kmd_err *err);
void flat_index_free(struct flat_index *fi);
/* Copy reassembled bytes; bytes no record wrote are an error. */
kmd_status flat_read(const struct flat_index *fi, const uint8_t *map,
		     uint64_t off, void *buf, size_t len, struct kmd_err *err);
/* Position in the flattened file of reassembled offset OFF, if LEN bytes
 * from there lie in one record. */
bool flat_file_pos(const struct flat_index *fi, uint64_t off, uint64_t len,
		   uint64_t *pos);

#endif
