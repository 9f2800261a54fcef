/* flat.c - index and read makedumpfile's flattened format. */
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "err.h"
#include "flat.h"

#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_HEADER_SIZE 4096 /* MAX_SIZE_MDF_HEADER */
#define FLAT_TYPE 1           /* TYPE_FLAT_HEADER */
#define FLAT_MAX_RECORD (1ull << 40)

bool flat_probe(const uint8_t *head, size_t len)
{
	return len >= 32 && memcmp(head, FLAT_SIGNATURE, 12) == 0 &&
	       head[12] == 0 && get_be64(head + 16) == FLAT_TYPE;
}

/* Sort records by target offset, keeping stream order among equal
 * offsets (later records must win).  makedumpfile -F interleaves
 * descriptor and page-data writes, so real streams have millions of
 * records in two interleaved runs: a stable LSD radix sort on 16-bit
 * digits is linear, and passes whose digit never varies are skipped. */
static kmd_status sort_records(struct flat_index *fi, struct kmd_err *err)
{
	struct flat_rec *tmp, *src = fi->rec, *dst;
	size_t *count;
	uint64_t all_or = 0, all_and = ~0ull;
	bool sorted = true;

	for (size_t i = 0; i < fi->n; i++) {
		all_or |= fi->rec[i].off;
		all_and &= fi->rec[i].off;
		if (i && fi->rec[i].off < fi->rec[i - 1].off)
			sorted = false;
	}
	if (sorted)
		return KMD_OK;
	tmp = malloc(fi->n * sizeof(*tmp));
	count = malloc(65536 * sizeof(*count));
	if (!tmp || !count) {
		free(tmp);
		free(count);
		return kmd_err_nomem(err);
	}
	dst = tmp;
	for (unsigned shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		if ((((all_or ^ all_and) >> shift) & 0xffff) == 0)
			continue; /* this digit is the same everywhere */
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < fi->n; i++)
			count[(src[i].off >> shift) & 0xffff]++;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < fi->n; i++)
			dst[count[(src[i].off >> shift) & 0xffff]++] = src[i];
		struct flat_rec *t = src;
		src = dst;
		dst = t;
	}
	if (src != fi->rec) {
		memcpy(fi->rec, src, fi->n * sizeof(*src));
	}
	free(tmp);
	free(count);
	return KMD_OK;
}

kmd_status flat_index_build(struct flat_index *fi, const uint8_t *map,
			    uint64_t size, struct kmd_err *err)
{
	uint64_t pos = FLAT_HEADER_SIZE, cap = 0;

	memset(fi, 0, sizeof(*fi));
	if (size < FLAT_HEADER_SIZE)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "flattened header truncated (file has %llu bytes)",
				   (unsigned long long)size);
	for (;;) {
		uint64_t off, len;

		if (size - pos < 16) {
			fi->truncated = true; /* no end marker */
			break;
		}
		off = get_be64(map + pos);
		len = get_be64(map + pos + 8);
		if (off == ~0ull) /* END_FLAG_FLAT_HEADER */
			break;
		/* Sizes are those of write() calls: a record of a TiB or
		 * more is garbage, not the tail of a file cut short. */
		if ((int64_t)off < 0 || (int64_t)len < 0 || len >= FLAT_MAX_RECORD)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "offset 0x%llx: bad flattened record (offset 0x%llx, size 0x%llx)",
					   (unsigned long long)pos,
					   (unsigned long long)off,
					   (unsigned long long)len);
		if (len > size - pos - 16) {
			fi->truncated = true;
			len = size - pos - 16; /* keep what is there */
		}
		if (fi->n == cap) {
			cap = cap ? cap * 2 : 4096;
			struct flat_rec *n = realloc(fi->rec, cap * sizeof(*n));
			if (!n)
				return kmd_err_nomem(err);
			fi->rec = n;
		}
		if (len) {
			fi->rec[fi->n] = (struct flat_rec){
				.off = off, .size = len, .pos = pos + 16,
				.seq = fi->n,
			};
			fi->n++;
			if (off + len > fi->size)
				fi->size = off + len;
		}
		pos += 16 + len;
		if (fi->truncated)
			break;
	}
	if (fi->n == 0)
		return kmd_err_set(err, KMD_ERR_CORRUPT,
				   "flattened file holds no data records");
	{
		kmd_status st = sort_records(fi, err);
		if (st)
			return st;
	}
	fi->max_end = malloc(fi->n * sizeof(*fi->max_end));
	if (!fi->max_end)
		return kmd_err_nomem(err);
	for (size_t i = 0; i < fi->n; i++) {
		uint64_t e = fi->rec[i].off + fi->rec[i].size;
		fi->max_end[i] = i && fi->max_end[i - 1] > e ? fi->max_end[i - 1] : e;
	}
	return KMD_OK;
}

void flat_index_free(struct flat_index *fi)
{
	free(fi->rec);
	free(fi->max_end);
	memset(fi, 0, sizeof(*fi));
}

/* The newest record covering OFF, or NULL; *avail is how many bytes from
 * OFF it holds before another record could take over. */
static const struct flat_rec *find(const struct flat_index *fi, uint64_t off,
				   uint64_t *avail)
{
	size_t lo = 0, hi = fi->n;
	const struct flat_rec *best = NULL;
	uint64_t next_start = ~0ull;

	while (lo < hi) { /* first record with rec.off > off */
		size_t mid = lo + (hi - lo) / 2;
		if (fi->rec[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < fi->n)
		next_start = fi->rec[lo].off;
	for (size_t i = lo; i-- > 0 && fi->max_end[i] > off;) {
		const struct flat_rec *r = &fi->rec[i];
		if (r->off + r->size > off && (!best || r->seq > best->seq))
			best = r;
	}
	if (best) {
		uint64_t end = best->off + best->size;
		/* A later record starting inside may override: stop there. */
		if (next_start < end)
			end = next_start;
		*avail = end - off;
	}
	return best;
}

kmd_status flat_read(const struct flat_index *fi, const uint8_t *map,
		     uint64_t off, void *buf, size_t len, struct kmd_err *err)
{
	uint8_t *out = buf;

	while (len) {
		uint64_t avail;
		const struct flat_rec *r = find(fi, off, &avail);
		if (!r)
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "offset 0x%llx of the reassembled file was never written",
					   (unsigned long long)off);
		uint64_t n = avail < len ? avail : len;
		memcpy(out, map + r->pos + (off - r->off), n);
		out += n;
		off += n;
		len -= n;
	}
	return KMD_OK;
}

bool flat_file_pos(const struct flat_index *fi, uint64_t off, uint64_t len,
		   uint64_t *pos)
{
	uint64_t avail;
	const struct flat_rec *r = find(fi, off, &avail);

	if (!r || avail < len)
		return false;
	*pos = r->pos + (off - r->off);
	return true;
}
