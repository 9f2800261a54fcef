/* scan.c - read every page a dump holds, once: a whole-dump integrity
 * check for CI, and the benchmark of the format readers. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "kmd-int.h"

kmd_status kmd_scan(kmd_t *k, struct kmd_scan_result *r, struct kmd_err *err)
{
	struct dump *d = k->dump;
	const uint64_t ps = k->info.page_size;
	uint8_t page[65536];
	uint64_t pa = 0;

	memset(r, 0, sizeof(*r));
	if (ps > sizeof(page))
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED, "page size too large");
	r->pages = (d->phys_end + ps - 1) / ps;
	while (pa < d->phys_end) {
		struct kmd_loc loc;
		uint64_t n, pages;

		dump_locate(d, pa, &loc);
		n = loc.run;
		if (n > d->phys_end - pa)
			n = d->phys_end - pa;
		pages = (n + ps - 1) / ps;
		if (loc.fate == KMD_EXCLUDED) {
			r->excluded_pages += pages;
		} else if (loc.fate == KMD_MAPPED) {
			/* Page by page, so that one bad page is counted and
			 * the scan goes on. */
			for (uint64_t p = pa; p < pa + n; p += ps - (p % ps)) {
				uint64_t len = ps - (p % ps);
				struct kmd_err perr;
				if (len > pa + n - p)
					len = pa + n - p;
				if ((p & ((64u << 20) - 1)) == 0)
					kmd_progress(k, "verify", p, d->phys_end);
				if (dump_read(d, p, page, len, &perr) == KMD_OK) {
					r->present_pages++;
					r->bytes_read += len;
				} else {
					if (perr.status == KMD_ERR_NOMEM)
						return kmd_err_nomem(err);
					if (!r->bad_pages)
						snprintf(r->first_error,
							 sizeof(r->first_error),
							 "%.250s", perr.msg);
					r->bad_pages++;
				}
			}
		}
		if (pa + n < pa)
			break;
		pa += n;
		kmd_progress(k, "verify", pa, d->phys_end);
	}
	return KMD_OK;
}
