/* kmd_bench.c - libkmapdump side of bench/peers.sh.
 *
 * usage: kmd_bench first  VMCORE... VMLINUX ADDR
 *        kmd_bench vtop   ADDRFILE SECONDS VMCORE... VMLINUX
 *        kmd_bench sample N SEED VMCORE... VMLINUX
 *        kmd_bench open   VMCORE...
 *
 * first:  open, translate ADDR once; print "first_ms=T rss_kb=R pa=PA",
 *         T measured from BENCH_T0 (ns since the epoch, set by the
 *         caller just before starting this process) to the answer.
 * vtop:   translate every address of ADDRFILE (hex, one a line) with
 *         kmd_vtop, over and over for at least SECONDS; print
 *         "rate=N mapped=M translated=T n=K" (translations a second;
 *         in one pass: addresses mapped and in the dump, addresses with
 *         a physical address; addresses).
 * open:   open the dump alone (KMD_OPEN_DUMP_ONLY) and read the first
 *         present page; print "open_ms=T rss_kb=R" (bench/scale.sh).
 * sample: N random kernel addresses over all regions: a region is drawn
 *         uniformly among those with mappings, then 80% of the time a
 *         mapped byte of it (runs weighted by size), 20% any address in
 *         its range.  Deterministic for a SEED.
 *
 * Build: cc -O2 -I include -o kmd_bench bench/kmd_bench.c -L LIBDIR -lkmapdump
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "kmapdump.h"

static kmd_t *open_or_die(char **paths, int n)
{
	struct kmd_err err;
	kmd_t *k;

	if (kmd_open(&k, (const char *const *)paths, n, 0, &err)) {
		fprintf(stderr, "kmd_bench: %s\n", err.msg);
		exit(3);
	}
	return k;
}

/* splitmix64 */
static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct runs {
	struct { uint64_t va, size, cum; } *r;
	size_t n, cap;
	uint64_t total;
};

static int collect(void *arg, const struct kmd_run *run)
{
	struct runs *rs = arg;
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 256;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		if (!rs->r)
			abort();
	}
	rs->r[rs->n].va = run->va;
	rs->r[rs->n].size = run->size;
	rs->r[rs->n].cum = rs->total;
	rs->n++;
	rs->total += run->size;
	return 0;
}

static int cmd_sample(int argc, char **argv)
{
	uint64_t n = strtoull(argv[0], NULL, 0), seed = strtoull(argv[1], NULL, 0);
	kmd_t *k = open_or_die(argv + 2, argc - 2);
	size_t nr = kmd_region_count(k), nuse = 0;
	struct runs *rs = calloc(nr, sizeof(*rs));
	const struct kmd_region **use = calloc(nr, sizeof(*use));
	struct runs **urs = calloc(nr, sizeof(*urs));
	struct kmd_err err;

	for (size_t i = 0; i < nr; i++) {
		const struct kmd_region *r = kmd_region(k, i);
		if (r->parent)
			continue; /* nested: its parent covers it */
		if (kmd_map(k, r->start, r->end, collect, &rs[i], &err)) {
			fprintf(stderr, "kmd_bench: %s\n", err.msg);
			return 3;
		}
		if (rs[i].total) {
			use[nuse] = r;
			urs[nuse++] = &rs[i];
		}
	}
	for (uint64_t i = 0; i < n; i++) {
		size_t ri = rng(&seed) % nuse;
		const struct kmd_region *r = use[ri];
		struct runs *x = urs[ri];
		uint64_t va;
		if (rng(&seed) % 10 < 8) {
			uint64_t off = rng(&seed) % x->total;
			size_t lo = 0, hi = x->n - 1;
			while (lo < hi) { /* last run starting at or before off */
				size_t mid = (lo + hi + 1) / 2;
				if (x->r[mid].cum <= off)
					lo = mid;
				else
					hi = mid - 1;
			}
			size_t j = lo;
			off -= x->r[j].cum;
			va = x->r[j].va + (off & ~7ull);
		} else {
			uint64_t span = r->end - r->start; /* end 0: wraps, fine */
			va = r->start + (span ? rng(&seed) % span : rng(&seed)) ;
			va &= ~7ull;
		}
		printf("%" PRIx64 "\n", va);
	}
	kmd_close(k);
	return 0;
}

static int cmd_vtop(int argc, char **argv)
{
	size_t n;
	uint64_t *a = read_addrs(argv[0], &n);
	double secs = strtod(argv[1], NULL), t0, t;
	kmd_t *k = open_or_die(argv + 2, argc - 2);
	struct kmd_xlat x;
	struct kmd_err err;
	uint64_t done = 0, mapped = 0, xl = 0;

	t0 = now();
	do {
		mapped = xl = 0;
		for (size_t i = 0; i < n; i++) {
			if (kmd_vtop(k, a[i], &x, &err)) {
				fprintf(stderr, "kmd_bench: %s\n", err.msg);
				return 3;
			}
			mapped += x.fate == KMD_MAPPED;
			xl += x.page_size != 0;
		}
		done += n;
		t = now() - t0;
	} while (t < secs);
	printf("rate=%.0f mapped=%" PRIu64 " translated=%" PRIu64
	       " n=%zu rss_kb=%ld\n", done / t, mapped, xl, n, rss_kb());
	kmd_close(k);
	free(a);
	return 0;
}

static int cmd_first(int argc, char **argv)
{
	kmd_t *k = open_or_die(argv, argc - 1);
	struct kmd_xlat x;
	struct kmd_err err;
	uint64_t va;

	if (kmd_parse_addr(k, argv[argc - 1], &va, &err) ||
	    kmd_vtop(k, va, &x, &err)) {
		fprintf(stderr, "kmd_bench: %s\n", err.msg);
		return 3;
	}
	printf("first_ms=%.2f rss_kb=%ld pa=0x%" PRIx64 " fate=%s\n",
	       since_t0_ms(), rss_kb(), x.pa, kmd_fate_str(x.fate));
	fflush(stdout);
	kmd_close(k);
	return 0;
}

static int cmd_open(int argc, char **argv)
{
	struct kmd_err err;
	kmd_t *k;
	double t0 = now(), t;
	uint8_t page[4096];

	if (kmd_open(&k, (const char *const *)argv, argc, KMD_OPEN_DUMP_ONLY,
		     &err)) {
		fprintf(stderr, "kmd_bench: %s\n", err.msg);
		return 3;
	}
	t = now() - t0;
	if (kmd_read_phys(k, 0, page, sizeof(page), &err)) {
		fprintf(stderr, "kmd_bench: %s\n", err.msg);
		return 3;
	}
	printf("open_ms=%.2f rss_kb=%ld\n", t * 1e3, rss_kb());
	kmd_close(k);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "open") == 0)
		return cmd_open(argc - 2, argv + 2);
	if (argc > 3 && strcmp(argv[1], "first") == 0)
		return cmd_first(argc - 2, argv + 2);
	if (argc > 5 && strcmp(argv[1], "vtop") == 0)
		return cmd_vtop(argc - 2, argv + 2);
	if (argc > 5 && strcmp(argv[1], "sample") == 0)
		return cmd_sample(argc - 2, argv + 2);
	fprintf(stderr, "usage: kmd_bench first|vtop|sample ...\n");
	return 2;
}
