/* bench.h - what the benchmark drivers (kmd_bench.c, kdf_bench.c) share:
 * clocks, peak RSS, and reading an address file (one hex address a line). */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double since_t0_ms(void)
{
	const char *t0 = getenv("BENCH_T0");
	struct timespec ts;

	if (!t0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((double)ts.tv_sec * 1e9 + ts.tv_nsec - strtod(t0, NULL)) / 1e6;
}

static long rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static uint64_t *read_addrs(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[128];
	uint64_t *a = NULL;
	size_t cap = 0;

	*n = 0;
	if (!f) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4096;
			a = realloc(a, cap * sizeof(*a));
			if (!a)
				abort();
		}
		a[(*n)++] = strtoull(line, NULL, 16);
	}
	fclose(f);
	return a;
}

#endif
