/* flat.c - index and read makedumpfile's flattened format. */
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "err.h"
#include "flat.h"

#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_HEADER_SIZE 4096 /* MAX_SIZE_MDF_HEADER */
#define FLAT_TYPE 1           /* TYPE_FLAT_HEADER */

bool flat_probe(const uint8_t *head, size_t len)
{
	return len >= 32 && memcmp(head, FLAT_SIGNATURE, 12) == 0 &&
	       head[12] == 0 && get_be64(head + 16) == FLAT_TYPE;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct flat_rec *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
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
		if ((int64_t)off < 0 || (int64_t)len < 0)
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
	qsort(fi->rec, fi->n, sizeof(*fi->rec), rec_cmp);
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
