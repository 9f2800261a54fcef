/* kdf_bench.c - libkdumpfile side of bench/peers.sh (the peer: it reads
 * only the dump and its VMCOREINFO, no vmlinux).
 *
 * usage: kdf_bench first   VMCORE... ADDR
 *        kdf_bench vtop    ADDRFILE SECONDS VMCORE...
 *        kdf_bench readall VMCORE...
 *        kdf_bench open    VMCORE...
 *
 * first:   open, set up address translation (ostype linux), translate
 *          ADDR; print "first_ms=T rss_kb=R pa=PA" (T from BENCH_T0, ns
 *          since the epoch, to the answer).
 * vtop:    translate every address of ADDRFILE (KVADDR -> KPHYSADDR with
 *          addrxlat_fulladdr_conv, the library's own translation path) for at
 *          least SECONDS; print "rate=N mapped=M n=K".
 * open:    open, read the page at physical 0; print "open_ms=T rss_kb=R".
 * readall: read every page the file holds (file.pagemap) with
 *          kdump_read; print "bytes=B seconds=S pages=P".
 *
 * Build: cc -O2 -o kdf_bench bench/kdf_bench.c -lkdumpfile -laddrxlat
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#include "bench.h"

static void die(const char *what, kdump_ctx_t *k)
{
	fprintf(stderr, "kdf_bench: %s: %s\n", what, k ? kdump_get_err(k) : "");
	exit(3);
}

static kdump_ctx_t *open_dump(char **paths, int n, addrxlat_ctx_t **axctx,
			      addrxlat_sys_t **axsys)
{
	kdump_ctx_t *k = kdump_new();
	int fds[64];

	if (!k)
		die("kdump_new", NULL);
	if (n > 64)
		die("too many files", NULL);
	for (int i = 0; i < n; i++) {
		fds[i] = open(paths[i], O_RDONLY);
		if (fds[i] < 0) {
			perror(paths[i]);
			exit(3);
		}
	}
	if (kdump_open_fdset(k, (unsigned)n, fds) != KDUMP_OK)
		die(paths[0], k);
	if (axctx) {
		if (kdump_set_string_attr(k, "addrxlat.ostype", "linux") != KDUMP_OK)
			die("addrxlat.ostype", k);
		if (kdump_get_addrxlat(k, axctx, axsys) != KDUMP_OK)
			die("kdump_get_addrxlat", k);
	}
	return k;
}

static int xlat(addrxlat_ctx_t *ax, addrxlat_sys_t *sys, uint64_t va,
		uint64_t *pa)
{
	addrxlat_fulladdr_t a = { .addr = va, .as = ADDRXLAT_KVADDR };

	if (addrxlat_fulladdr_conv(&a, ADDRXLAT_KPHYSADDR, ax, sys) != ADDRXLAT_OK)
		return 0;
	*pa = a.addr;
	return 1;
}

int main(int argc, char **argv)
{
	addrxlat_ctx_t *ax;
	addrxlat_sys_t *sys;
	kdump_ctx_t *k;

	if (argc > 3 && strcmp(argv[1], "first") == 0) {
		uint64_t pa = 0;
		int ok;
		k = open_dump(argv + 2, argc - 3, &ax, &sys);
		ok = xlat(ax, sys, strtoull(argv[argc - 1], NULL, 16), &pa);
		printf("first_ms=%.2f rss_kb=%ld pa=0x%" PRIx64 " fate=%s\n",
		       since_t0_ms(), rss_kb(), pa, ok ? "mapped" : "error");
		fflush(stdout);
		addrxlat_ctx_decref(ax);
		addrxlat_sys_decref(sys);
		kdump_free(k);
		return 0;
	}
	if (argc > 4 && strcmp(argv[1], "vtop") == 0) {
		size_t n;
		uint64_t *a = read_addrs(argv[2], &n), done = 0, mapped = 0, pa;
		double secs = strtod(argv[3], NULL), t0, t;
		k = open_dump(argv + 4, argc - 4, &ax, &sys);
		t0 = now();
		do {
			mapped = 0;
			for (size_t i = 0; i < n; i++)
				mapped += xlat(ax, sys, a[i], &pa);
			done += n;
			t = now() - t0;
		} while (t < secs);
		printf("rate=%.0f mapped=%" PRIu64 " n=%zu rss_kb=%ld\n",
		       done / t, mapped, n, rss_kb());
		addrxlat_ctx_decref(ax);
		addrxlat_sys_decref(sys);
		kdump_free(k);
		free(a);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "open") == 0) {
		static unsigned char page[4096];
		size_t len = sizeof(page);
		double t0 = now(), t;
		k = open_dump(argv + 2, argc - 2, NULL, NULL);
		t = now() - t0;
		if (kdump_read(k, KDUMP_MACHPHYSADDR, 0, page, &len) != KDUMP_OK)
			die("reading physical 0", k);
		printf("open_ms=%.2f rss_kb=%ld\n", t * 1e3, rss_kb());
		kdump_free(k);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "readall") == 0) {
		kdump_attr_t attr;
		kdump_bmp_t *bmp;
		kdump_addr_t pfn = 0;
		kdump_num_t psize = 4096;
		uint64_t bytes = 0, pages = 0, bad = 0;
		static unsigned char page[65536];
		double t0;

		t0 = now();
		k = open_dump(argv + 2, argc - 2, NULL, NULL);
		if (kdump_get_attr(k, "arch.page_size", &attr) == KDUMP_OK)
			psize = attr.val.number;
		if (kdump_get_attr(k, KDUMP_ATTR_FILE_PAGEMAP, &attr) != KDUMP_OK ||
		    attr.type != KDUMP_BITMAP)
			die("file.pagemap", k);
		bmp = attr.val.bitmap;
		while (kdump_bmp_find_set(bmp, &pfn) == KDUMP_OK) {
			size_t len = psize;
			if (kdump_read(k, KDUMP_MACHPHYSADDR, pfn * psize, page,
				       &len) == KDUMP_OK)
				bytes += len, pages++;
			else
				bad++;
			pfn++;
		}
		printf("bytes=%" PRIu64 " seconds=%.4f pages=%" PRIu64
		       " bad=%" PRIu64 " rss_kb=%ld\n",
		       bytes, now() - t0, pages, bad, rss_kb());
		kdump_free(k);
		return 0;
	}
	fprintf(stderr, "usage: kdf_bench first|vtop|readall ...\n");
	return 2;
}
