/* scan.c - read every page a dump holds, once: a whole-dump integrity
 * check for CI, and the benchmark of the format readers.
 *
 * The physical range is cut into chunks that worker threads (one per
 * online CPU, at most MAX_THREADS) take in turn; each reads its pages
 * with its own buffers (kdump: kdump_read_page, which bypasses the
 * handle's page cache; ELF: copies out of the mapping) and counts them.
 * Counts are summed per thread; each thread keeps the error of the
 * lowest address it failed on, and the lowest of those is reported, so
 * the result is the same as a serial scan's.  Progress is reported from
 * the calling thread only. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "kmd-int.h"

#define CHUNK_BYTES (2ull << 20) /* small: present pages cluster */
#define MAX_THREADS 16
#define MAX_PAGE 65536

struct chunk_result { /* one per thread */
	uint64_t present, excluded, bad, bytes;
	uint64_t first_bad;      /* address of the first error kept */
	char first_error[256];
	bool nomem;
};

struct scan_ctx {
	struct kmd *k;
	uint64_t end, nchunks;
	uint64_t next;           /* next chunk to take (atomic) */
	uint64_t done;           /* chunks finished (atomic) */
	bool kdump;
};

/* Read the pages of [pa, pa + n) (all with fate KMD_MAPPED). */
static void read_run(struct scan_ctx *c, uint64_t pa, uint64_t n,
		     uint8_t *page, uint8_t *scratch, struct chunk_result *r)
{
	struct dump *d = c->k->dump;
	const uint64_t ps = c->k->info.page_size;

	/* Page by page, so that one bad page is counted and the scan goes
	 * on. */
	for (uint64_t p = pa; p < pa + n; p += ps - (p % ps)) {
		uint64_t len = ps - (p % ps);
		struct kmd_err perr;
		kmd_status st;

		if (len > pa + n - p)
			len = pa + n - p;
		if (c->kdump) /* whole pages: runs start at page boundaries */
			st = kdump_read_page(d, p - p % ps, page, scratch, &perr);
		else
			st = dump_read(d, p, page, len, &perr);
		if (st == KMD_OK) {
			r->present++;
			r->bytes += len;
			continue;
		}
		if (perr.status == KMD_ERR_NOMEM) {
			r->nomem = true;
			return;
		}
		if (!r->bad || p < r->first_bad) {
			r->first_bad = p;
			snprintf(r->first_error, sizeof(r->first_error), "%.250s",
				 perr.msg);
		}
		r->bad++;
	}
}

static void scan_chunk(struct scan_ctx *c, uint64_t i, uint8_t *page,
		       uint8_t *scratch, struct chunk_result *r)
{
	struct dump *d = c->k->dump;
	const uint64_t ps = c->k->info.page_size;
	uint64_t pa = i * CHUNK_BYTES;
	uint64_t end = pa + CHUNK_BYTES < c->end && pa + CHUNK_BYTES > pa ?
			       pa + CHUNK_BYTES : c->end;

	while (pa < end) {
		struct kmd_loc loc;
		uint64_t n;

		dump_locate(d, pa, &loc);
		n = loc.run;
		if (n > end - pa)
			n = end - pa;
		if (loc.fate == KMD_EXCLUDED)
			r->excluded += (n + ps - 1) / ps;
		else if (loc.fate == KMD_MAPPED) {
			read_run(c, pa, n, page, scratch, r);
			/* An ELF dump is read straight from the file mapping:
			 * let go of what was read, or the whole dump would
			 * end up resident. */
			if (!loc.compressed && loc.path == d->path)
				dump_release(d, loc.offset, n);
		}
		if (r->nomem)
			return;
		pa += n;
	}
}

struct worker {
	struct scan_ctx *c;
	struct chunk_result r;
	bool main;               /* the calling thread: reports progress */
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct scan_ctx *c = w->c;
	uint8_t *page = malloc(MAX_PAGE);
	uint8_t *scratch = c->kdump ? malloc(kdump_scratch_size(c->k->dump)) : NULL;

	if (!page || (c->kdump && !scratch))
		w->r.nomem = true;
	while (!w->r.nomem) {
		uint64_t i = __atomic_fetch_add(&c->next, 1, __ATOMIC_RELAXED);
		if (i >= c->nchunks)
			break;
		scan_chunk(c, i, page, scratch, &w->r);
		__atomic_fetch_add(&c->done, 1, __ATOMIC_RELEASE);
		if (w->main)
			kmd_progress(c->k, "verify",
				     __atomic_load_n(&c->done, __ATOMIC_ACQUIRE) *
					     CHUNK_BYTES,
				     c->end);
	}
	if (w->r.nomem) /* stop the others too */
		__atomic_store_n(&c->next, c->nchunks, __ATOMIC_RELAXED);
	free(page);
	free(scratch);
	return NULL;
}

kmd_status kmd_scan(kmd_t *k, struct kmd_scan_result *r, struct kmd_err *err)
{
	struct dump *d = k->dump;
	const uint64_t ps = k->info.page_size;
	struct scan_ctx c = { .k = k, .end = d->phys_end };
	pthread_t tid[MAX_THREADS];
	unsigned nthreads = 0, want;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t first_bad = 0;

	memset(r, 0, sizeof(*r));
	if (ps > MAX_PAGE)
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED, "page size too large");
	r->pages = (d->phys_end + ps - 1) / ps;
	/* Formats with their own reader keep state in the handle; only
	 * kdump has a reader that bypasses it.  Others copy from the
	 * mapping (dump_read's generic path), which is safe in parallel. */
	c.kdump = d->fmt == &dump_format_kdump;
	want = ncpu > 1 ? (unsigned)(ncpu < MAX_THREADS ? ncpu : MAX_THREADS) : 1;
	if (d->fmt->read && !c.kdump)
		want = 1;
	c.nchunks = d->phys_end / CHUNK_BYTES + (d->phys_end % CHUNK_BYTES != 0);
	struct worker w[MAX_THREADS];
	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < MAX_THREADS; i++)
		w[i].c = &c;
	w[0].main = true;
	for (unsigned i = 1; i < want && c.nchunks > 1; i++) {
		if (pthread_create(&tid[nthreads], NULL, worker, &w[i]) != 0)
			break; /* fewer threads: still correct */
		nthreads++;
	}
	worker(&w[0]); /* the calling thread works too */
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	kmd_progress(k, "verify", d->phys_end, d->phys_end);
	for (unsigned i = 0; i <= nthreads; i++) {
		const struct chunk_result *x = &w[i].r;
		if (x->nomem)
			return kmd_err_nomem(err);
		if (x->bad && (!r->bad_pages || x->first_bad < first_bad)) {
			first_bad = x->first_bad;
			memcpy(r->first_error, x->first_error,
			       sizeof(r->first_error));
		}
		r->present_pages += x->present;
		r->excluded_pages += x->excluded;
		r->bad_pages += x->bad;
		r->bytes_read += x->bytes;
	}
	return KMD_OK;
}
