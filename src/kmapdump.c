/* kmapdump.c - the command line.  The only code that prints. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <stdio_ext.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmapdump.h"
#include "svg.h"

enum { EXIT_OK = 0, EXIT_UNTRANSLATED = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };

struct opts {
	bool json;
	bool walk;
	bool force;
	bool all;
	bool raw;
	bool zero_excluded;
	const char *region;
	const char *svg;
};

static void usage(FILE *f)
{
	fputs("usage: kmapdump [regions] [--json] [--svg FILE] [--force] VMCORE... VMLINUX\n"
	      "       kmapdump vtop [--json] [--walk] [--force] VMCORE... VMLINUX ADDR... | -\n"
	      "       kmapdump verify [--json] VMCORE... [VMLINUX]\n"
	      "       kmapdump fixmap|pkmap [--json] [--all] VMCORE... VMLINUX\n"
	      "       kmapdump map [--json] [--region NAME] VMCORE... VMLINUX\n"
	      "       kmapdump vmalloc|modules [--json] VMCORE... VMLINUX\n"
	      "       kmapdump ptov [--json] VMCORE... VMLINUX PA...\n"
	      "       kmapdump read [--raw] [--zero-excluded] VMCORE... VMLINUX ADDR LEN\n"
	      "\n"
	      "VMCORE is a crash dump (ELF or kdump-compressed; all parts of a\n"
	      "split dump); VMLINUX the matching kernel image\n"
	      "(ideally with debug info) or a System.map-style symbol file; the\n"
	      "two may come in either order.  ADDR is hex (0x optional) or\n"
	      "symbol[+offset]; '-' reads addresses from standard input.\n"
	      "\n"
	      "  --json     machine-readable output (JSON; JSON Lines for vtop)\n"
	      "  --walk     vtop: show every page-table level\n"
	      "  --all      fixmap/pkmap: list unused slots too\n"
	      "  --force    go on even if VMLINUX does not match the dump\n"
	      "  --version  print the version\n"
	      "\n"
	      "Exit status: 0 success, 1 an address was not translated,\n"
	      "2 usage error, 3 unreadable, corrupt or mismatched input.\n",
	      f);
}

/* Progress on standard error, only when it is a terminal. */
struct progress {
	bool shown;
	unsigned last;
};

static void show_progress(void *arg, const char *phase, uint64_t done,
			  uint64_t total)
{
	struct progress *p = arg;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 0;

	if (p->shown && pct == p->last)
		return;
	p->shown = true;
	p->last = pct;
	fprintf(stderr, "\r\033[K%s: %u%%", phase, pct);
}

static void end_progress(struct progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r\033[K");
	p->shown = false;
}

static void die_err(const struct kmd_err *err)
{
	fprintf(stderr, "kmapdump: %s\n", err->msg);
}

/* ---- JSON helpers -------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_hex(FILE *f, uint64_t v)
{
	fprintf(f, "\"0x%" PRIx64 "\"", v);
}

/* ---- human-readable sizes ------------------------------------------ */

const char *cli_human(uint64_t n, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB",
					    "TiB", "PiB", "EiB" };
	double v = (double)n;
	unsigned u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", n);
	else
		snprintf(buf, size, "%.1f %s", v, unit[u]);
	return buf;
}

/* ---- regions ------------------------------------------------------- */

static void print_header_text(const struct kmd_info *in)
{
	printf("dump:          %s (%s%s)\n", in->dump_path, in->format,
	       in->incomplete ? ", INCOMPLETE" : "");
	printf("kernel:        %s (%s)\n", in->kernel_path, in->kernel_source);
	printf("release:       %s\n", in->release[0] ? in->release : "unknown");
	printf("architecture:  %s, %s paging, page size %" PRIu64 "\n",
	       in->arch, in->paging ? in->paging : "?", in->page_size);
	if (in->lowmem_bytes) {
		char a[32], b[32];
		printf("memory:        lowmem %s, highmem %s\n",
		       cli_human(in->lowmem_bytes, a, sizeof(a)),
		       in->highmem_bytes ? cli_human(in->highmem_bytes, b, sizeof(b)) : "none");
	}
	printf("KASLR offset:  0x%" PRIx64 "\n", in->kaslr_offset);
	printf("phys_base:     0x%" PRIx64 "%s\n", in->phys_base,
	       (int64_t)in->phys_base < 0 ? " (negative)" : "");
	printf("page tables:   0x%" PRIx64 " (physical)\n", in->pgd_pa);
	if (in->warning)
		printf("warning:       %s\n", in->warning);
}

static void print_header_json(const struct kmd_info *in)
{
	printf("{\"dump\":");
	json_str(stdout, in->dump_path);
	printf(",\"kernel\":");
	json_str(stdout, in->kernel_path);
	printf(",\"format\":");
	json_str(stdout, in->format);
	printf(",\"arch\":");
	json_str(stdout, in->arch);
	printf(",\"release\":");
	json_str(stdout, in->release);
	printf(",\"levels\":%u,\"paging\":", in->levels);
	json_str(stdout, in->paging);
	if (in->lowmem_bytes)
		printf(",\"lowmem_bytes\":%" PRIu64 ",\"highmem_bytes\":%" PRIu64,
		       in->lowmem_bytes, in->highmem_bytes);
	printf(",\"kaslr_offset\":");
	json_hex(stdout, in->kaslr_offset);
	printf(",\"phys_base\":");
	json_hex(stdout, in->phys_base);
	printf(",\"pgd\":");
	json_hex(stdout, in->pgd_pa);
	printf(",\"page_size\":%" PRIu64 ",\"incomplete\":%s", in->page_size,
	       in->incomplete ? "true" : "false");
	printf(",\"warning\":");
	json_str(stdout, in->warning);
}

static int cmd_regions(kmd_t *k, const struct opts *o)
{
	const struct kmd_info *in = kmd_info(k);
	size_t n = kmd_region_count(k);
	struct {
		uint64_t mapped, present;
	} *st = calloc(n ? n : 1, sizeof(*st));
	struct kmd_err err;

	if (!st) {
		fprintf(stderr, "kmapdump: out of memory\n");
		return EXIT_INPUT;
	}
	/* Walk everything first: an error must not leave half a table. */
	for (size_t i = 0; i < n; i++) {
		if (kmd_region_stats(k, i, &st[i].mapped, &st[i].present,
				     &err)) {
			die_err(&err);
			free(st);
			return EXIT_INPUT;
		}
	}
	if (o->svg) {
		struct svg_band *b = calloc(n ? n : 1, sizeof(*b));
		FILE *f = b ? fopen(o->svg, "w") : NULL;
		int bad;
		if (!f) {
			fprintf(stderr, "kmapdump: %s: cannot write\n", o->svg);
			free(b);
			free(st);
			return EXIT_USAGE;
		}
		for (size_t i = 0; i < n; i++)
			b[i] = (struct svg_band){ kmd_region(k, i), st[i].mapped,
						  st[i].present };
		bad = svg_write(f, in, b, n);
		bad |= fclose(f);
		free(b);
		if (bad) {
			fprintf(stderr, "kmapdump: %s: write error\n", o->svg);
			free(st);
			return EXIT_INPUT;
		}
	}
	if (o->json) {
		print_header_json(in);
		printf(",\"regions\":[");
		for (size_t i = 0; i < n; i++) {
			const struct kmd_region *r = kmd_region(k, i);
			printf("%s{\"name\":", i ? "," : "");
			json_str(stdout, r->name);
			printf(",\"start\":");
			json_hex(stdout, r->start);
			printf(",\"end\":");
			json_hex(stdout, r->end);
			if (r->parent) {
				printf(",\"parent\":");
				json_str(stdout, r->parent);
			}
			printf(",\"size\":%" PRIu64
			       ",\"mapped_bytes\":%" PRIu64
			       ",\"present_bytes\":%" PRIu64 ",\"description\":",
			       r->end - r->start, st[i].mapped, st[i].present);
			json_str(stdout, r->desc);
			printf("}");
		}
		printf("]}\n");
	} else {
		char a[32], b[32], c[32];
		print_header_text(in);
		int hw = in->levels <= 3 ? 10 : 18;
		printf("\n%-16s %-*s   %-*s %10s %10s %10s\n", "REGION", hw,
		       "START", hw, "END", "SIZE", "MAPPED", "PRESENT");
		for (size_t i = 0; i < n; i++) {
			const struct kmd_region *r = kmd_region(k, i);
			char name[32];
			snprintf(name, sizeof(name), "%s%s", r->parent ? "  " : "",
				 r->name);
			int w = in->levels <= 3 ? 8 : 16; /* 32-bit kernels */
			printf("%-16s 0x%0*" PRIx64 " - 0x%0*" PRIx64
			       " %10s %10s %10s\n",
			       name, w, r->start, w, r->end,
			       cli_human(r->end - r->start, a, sizeof(a)),
			       cli_human(st[i].mapped, b, sizeof(b)),
			       cli_human(st[i].present, c, sizeof(c)));
		}
	}
	free(st);
	return EXIT_OK;
}

static const char *page_size_str(uint64_t n);

/* ---- map: every mapped run ------------------------------------------ */

struct map_out {
	const struct opts *o;
	uint64_t runs, bytes;
};

static int print_run(void *arg, const struct kmd_run *r)
{
	struct map_out *m = arg;
	char flags[64];

	m->runs++;
	m->bytes += r->size;
	snprintf(flags, sizeof(flags), "%s%s%s%s %s", r->rw ? "RW" : "RO",
		 r->nx ? " NX" : " X", r->global ? " G" : "",
		 r->user ? " USER" : "", r->cache);
	if (m->o->json) {
		printf("{\"va\":");
		json_hex(stdout, r->va);
		printf(",\"va_end\":");
		json_hex(stdout, r->va + r->size);
		printf(",\"pa\":");
		json_hex(stdout, r->pa);
		printf(",\"pa_end\":");
		json_hex(stdout, r->pa + r->size);
		printf(",\"size\":%" PRIu64 ",\"page_size\":%" PRIu64
		       ",\"present_bytes\":%" PRIu64
		       ",\"rw\":%s,\"nx\":%s,\"global\":%s,\"user\":%s,\"cache\":\"%s\",\"region\":",
		       r->size, r->page_size, r->present, r->rw ? "true" : "false",
		       r->nx ? "true" : "false", r->global ? "true" : "false",
		       r->user ? "true" : "false", r->cache);
		json_str(stdout, r->region);
		printf("}\n");
	} else {
		char a[32], b[32], c[48] = "";
		if (r->present != r->size)
			snprintf(c, sizeof(c), "%s in dump",
				 cli_human(r->present, b, sizeof(b)));
		printf("0x%016" PRIx64 "-0x%016" PRIx64 "  0x%012" PRIx64 "-0x%012" PRIx64
		       "  %10s  %-4s  %-22s %-14s %s\n",
		       r->va, r->va + r->size, r->pa, r->pa + r->size,
		       cli_human(r->size, a, sizeof(a)), page_size_str(r->page_size),
		       flags, r->region ? r->region : "-", c);
	}
	return 0;
}

static int cmd_map(kmd_t *k, const struct opts *o)
{
	struct map_out m = { .o = o };
	struct kmd_err err;
	uint64_t start = 0, end = 0;

	if (o->region) {
		size_t n = kmd_region_count(k), i;
		for (i = 0; i < n; i++)
			if (strcmp(kmd_region(k, i)->name, o->region) == 0)
				break;
		if (i == n) {
			fprintf(stderr, "kmapdump: no region named %s\n", o->region);
			return EXIT_USAGE;
		}
		start = kmd_region(k, i)->start;
		end = kmd_region(k, i)->end;
	}
	if (!o->json)
		printf("%-37s  %-29s  %10s  %-4s  %-22s %s\n", "VA", "PA", "SIZE",
		       "PAGE", "FLAGS", "REGION");
	if (kmd_map(k, start, end, print_run, &m, &err)) {
		fflush(stdout);
		die_err(&err);
		return EXIT_INPUT;
	}
	if (!o->json) {
		char a[32];
		printf("%" PRIu64 " runs, %s mapped\n", m.runs,
		       cli_human(m.bytes, a, sizeof(a)));
	}
	if (kmd_info(k)->warning)
		fprintf(stderr, "kmapdump: warning: %s\n", kmd_info(k)->warning);
	return EXIT_OK;
}

/* ---- ptov: physical to virtual --------------------------------------- */

static int cmd_ptov(kmd_t *k, const struct opts *o, char **args, int n)
{
	int rc = EXIT_OK;

	for (int i = 0; i < n; i++) {
		char *end;
		uint64_t pa, *va;
		size_t nva;
		struct kmd_err err;

		errno = 0;
		pa = strtoull(args[i], &end, 16);
		if (errno || *end || end == args[i]) {
			fprintf(stderr, "kmapdump: %s: not a hex physical address\n",
				args[i]);
			return EXIT_USAGE;
		}
		if (kmd_ptov(k, pa, &va, &nva, &err)) {
			die_err(&err);
			return EXIT_INPUT;
		}
		if (o->json) {
			printf("{\"pa\":");
			json_hex(stdout, pa);
			printf(",\"va\":[");
			for (size_t j = 0; j < nva; j++) {
				struct kmd_xlat x;
				if (kmd_vtop(k, va[j], &x, &err) != KMD_OK)
					x.region = NULL;
				printf("%s{\"va\":", j ? "," : "");
				json_hex(stdout, va[j]);
				printf(",\"region\":");
				json_str(stdout, x.region);
				printf("}");
			}
			printf("]}\n");
		} else {
			printf("0x%" PRIx64 ":%s\n", pa, nva ? "" : " not mapped");
			for (size_t j = 0; j < nva; j++) {
				struct kmd_xlat x;
				if (kmd_vtop(k, va[j], &x, &err) != KMD_OK)
					x.region = NULL;
				printf("  0x%016" PRIx64 "  %s\n", va[j],
				       x.region ? x.region : "-");
			}
		}
		if (!nva)
			rc = EXIT_UNTRANSLATED;
		free(va);
	}
	return rc;
}

/* ---- read: hexdump of kernel virtual memory ---------------------------- */

static int cmd_read(kmd_t *k, const struct opts *o, char **args, int n)
{
	struct kmd_err err;
	uint64_t va, len;
	char *end;
	int rc = EXIT_OK;

	if (n != 2) {
		fprintf(stderr, "kmapdump: read needs ADDR and LEN\n");
		return EXIT_USAGE;
	}
	if (kmd_parse_addr(k, args[0], &va, &err)) {
		die_err(&err);
		return EXIT_USAGE;
	}
	errno = 0;
	len = strtoull(args[1], &end, 0);
	if (errno || *end || end == args[1] || len > (1ull << 32)) {
		fprintf(stderr, "kmapdump: %s: bad length\n", args[1]);
		return EXIT_USAGE;
	}
	if (o->json) {
		fprintf(stderr, "kmapdump: read has no --json output; use --raw\n");
		return EXIT_USAGE;
	}
	for (uint64_t done = 0; done < len;) {
		uint8_t buf[4096];
		struct kmd_xlat x;
		uint64_t chunk = 4096 - (va + done) % 4096;
		bool ok;

		if (chunk > len - done)
			chunk = len - done;
		if (kmd_vtop(k, va + done, &x, &err)) {
			fflush(stdout);
			die_err(&err);
			return EXIT_INPUT;
		}
		ok = x.fate == KMD_MAPPED &&
		     kmd_read_phys(k, x.pa, buf, chunk, &err) == KMD_OK;
		/* In the dump but unreadable (a corrupt record): corrupt
		 * input, with the reader's reason. */
		bool corrupt = !ok && x.fate == KMD_MAPPED;
		const char *why = corrupt ? err.msg :
				  x.reason[0] ? x.reason : "unreadable";
		if (!ok) {
			if (rc != EXIT_INPUT)
				rc = corrupt ? EXIT_INPUT : EXIT_UNTRANSLATED;
			if (o->zero_excluded && x.fate == KMD_EXCLUDED) {
				memset(buf, 0, chunk);
				ok = true;
			}
		}
		if (o->raw) {
			if (!ok) {
				fflush(stdout);
				fprintf(stderr, "kmapdump: 0x%" PRIx64 ": %s\n",
					va + done, why);
				return rc;
			}
			fwrite(buf, 1, chunk, stdout);
		} else if (!ok) {
			printf("%016" PRIx64 "  <%" PRIu64 " bytes %s: %s>\n",
			       va + done, chunk,
			       corrupt ? "unreadable" : kmd_fate_str(x.fate), why);
		} else {
			for (uint64_t i = 0; i < chunk; i += 16) {
				uint64_t line = chunk - i < 16 ? chunk - i : 16;
				printf("%016" PRIx64 " ", va + done + i);
				for (uint64_t j = 0; j < 16; j++) {
					if (j == 8)
						putchar(' ');
					if (j < line)
						printf(" %02x", buf[i + j]);
					else
						printf("   ");
				}
				printf("  |");
				for (uint64_t j = 0; j < line; j++)
					putchar(buf[i + j] >= 0x20 && buf[i + j] < 0x7f ?
							buf[i + j] : '.');
				printf("|\n");
			}
		}
		done += chunk;
	}
	return rc;
}

/* ---- vmalloc areas and modules ---------------------------------------- */

static int cmd_vmalloc(kmd_t *k, const struct opts *o)
{
	struct kmd_vmarea *a;
	struct kmd_err err;
	size_t n;

	if (kmd_vmalloc_areas(k, &a, &n, &err)) {
		die_err(&err);
		return EXIT_INPUT;
	}
	if (o->json)
		printf("{\"areas\":[");
	for (size_t i = 0; i < n; i++) {
		const struct kmd_vmarea *e = &a[i];
		if (o->json) {
			printf("%s{\"start\":", i ? "," : "");
			json_hex(stdout, e->start);
			printf(",\"end\":");
			json_hex(stdout, e->end);
			printf(",\"size\":%" PRIu64 ",\"caller\":", e->end - e->start);
			if (e->caller)
				json_hex(stdout, e->caller);
			else
				printf("null");
			printf(",\"caller_symbol\":");
			json_str(stdout, e->caller_sym[0] ? e->caller_sym : NULL);
			printf(",\"pages\":%" PRIu64 ",\"phys\":", e->nr_pages);
			if (e->phys_addr)
				json_hex(stdout, e->phys_addr);
			else
				printf("null");
			printf(",\"flags\":");
			json_str(stdout, e->flag_names);
			printf(",\"vmap_area\":");
			json_hex(stdout, e->vmap_area);
			printf(",\"vm_struct\":");
			if (e->vm_struct)
				json_hex(stdout, e->vm_struct);
			else
				printf("null");
			printf(",\"mapped_bytes\":%" PRIu64 ",\"present_bytes\":%" PRIu64 "}",
			       e->mapped_bytes, e->present_bytes);
		} else {
			/* /proc/vmallocinfo's layout, plus dump coverage. */
			int w = kmd_info(k)->levels <= 3 ? 8 : 16;
			printf("0x%0*" PRIx64 "-0x%0*" PRIx64 " %7" PRIu64, w, e->start,
			       w, e->end, e->end - e->start);
			if (e->caller_sym[0])
				printf(" %s", e->caller_sym);
			else if (e->caller)
				printf(" 0x%" PRIx64, e->caller);
			if (e->nr_pages)
				printf(" pages=%" PRIu64, e->nr_pages);
			if (e->phys_addr)
				printf(" phys=0x%016" PRIx64, e->phys_addr);
			if (e->flag_names[0])
				printf(" %s", e->flag_names);
			if (e->present_bytes != e->mapped_bytes)
				printf("  [%" PRIu64 " of %" PRIu64 " mapped bytes in dump]",
				       e->present_bytes, e->mapped_bytes);
			printf("\n");
		}
	}
	if (o->json)
		printf("]}\n");
	free(a);
	return EXIT_OK;
}

static int cmd_modules(kmd_t *k, const struct opts *o)
{
	struct kmd_module *m;
	struct kmd_err err;
	size_t n;

	if (kmd_modules(k, &m, &n, &err)) {
		die_err(&err);
		return EXIT_INPUT;
	}
	if (o->json)
		printf("{\"modules\":[");
	else
		printf("%-20s %-18s %10s %10s %10s  %s\n", "NAME", "MODULE", "SIZE",
		       "MAPPED", "PRESENT", "RANGES");
	for (size_t i = 0; i < n; i++) {
		const struct kmd_module *e = &m[i];
		if (o->json) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(stdout, e->name);
			printf(",\"module\":");
			json_hex(stdout, e->addr);
			printf(",\"size\":%" PRIu64 ",\"mapped_bytes\":%" PRIu64
			       ",\"present_bytes\":%" PRIu64 ",\"ranges\":[",
			       e->size, e->mapped_bytes, e->present_bytes);
			for (unsigned r = 0; r < e->nranges; r++) {
				printf("%s{\"kind\":\"%s\",\"start\":", r ? "," : "",
				       e->range[r].kind);
				json_hex(stdout, e->range[r].start);
				printf(",\"end\":");
				json_hex(stdout, e->range[r].end);
				printf("}");
			}
			printf("]}");
		} else {
			char a[32], b[32], c[32];
			printf("%-20s 0x%0*" PRIx64 " %10s %10s %10s ", e->name,
			       kmd_info(k)->levels <= 3 ? 8 : 16, e->addr,
			       cli_human(e->size, a, sizeof(a)),
			       cli_human(e->mapped_bytes, b, sizeof(b)),
			       cli_human(e->present_bytes, c, sizeof(c)));
			for (unsigned r = 0; r < e->nranges; r++)
				printf(" %s 0x%" PRIx64 "-0x%" PRIx64, e->range[r].kind,
				       e->range[r].start, e->range[r].end);
			printf("\n");
		}
	}
	if (o->json)
		printf("]}\n");
	free(m);
	return EXIT_OK;
}

/* ---- fixmap and pkmap slots -------------------------------------------- */

static int cmd_slots(kmd_t *k, const struct opts *o, bool pkmap)
{
	struct kmd_slot *slots;
	struct kmd_err err;
	size_t n, shown = 0;

	if ((pkmap ? kmd_pkmap_slots : kmd_fixmap_slots)(k, &slots, &n, &err)) {
		die_err(&err);
		return err.status == KMD_ERR_UNSUPPORTED ? EXIT_UNTRANSLATED : EXIT_INPUT;
	}
	/* Shown: slots that map something; pkmap also slots with a count.
	 * --all shows every slot. */
	if (o->json) {
		printf("{\"slots\":[");
		for (size_t i = 0; i < n; i++) {
			const struct kmd_slot *s = &slots[i];
			bool maps = s->fate != KMD_UNMAPPED && s->fate != KMD_INVALID;
			if (!o->all && !maps && s->count <= 0)
				continue;
			printf("%s{\"index\":%u,", shown++ ? "," : "", s->index);
			if (!pkmap) {
				printf("\"name\":");
				json_str(stdout, s->name);
				printf(",");
			}
			printf("\"va\":");
			json_hex(stdout, s->va);
			printf(",\"status\":\"%s\",\"pa\":", kmd_fate_str(s->fate));
			if (maps) {
				json_hex(stdout, s->pa);
				printf(",\"pfn\":");
				json_hex(stdout, s->pfn);
			} else {
				printf("null,\"pfn\":null");
			}
			printf(",\"page\":");
			if (maps && s->has_page)
				json_hex(stdout, s->page);
			else
				printf("null");
			if (pkmap)
				printf(",\"count\":%lld", (long long)s->count);
			printf("}");
		}
		printf("],\"total_slots\":%zu}\n", n);
	} else {
		if (pkmap)
			printf("%-5s %-18s %-6s %-11s %-18s %-10s %s\n", "SLOT", "VA",
			       "COUNT", "STATUS", "PA", "PFN", "PAGE");
		else
			printf("%-5s %-36s %-18s %-11s %-18s %-10s %s\n", "INDEX",
			       "NAME", "VA", "STATUS", "PA", "PFN", "PAGE");
		for (size_t i = 0; i < n; i++) {
			const struct kmd_slot *s = &slots[i];
			bool maps = s->fate != KMD_UNMAPPED && s->fate != KMD_INVALID;
			char pa[24] = "-", pfn[24] = "-", page[24] = "-";
			if (!o->all && !maps && s->count <= 0)
				continue;
			shown++;
			if (maps) {
				snprintf(pa, sizeof(pa), "0x%" PRIx64, s->pa);
				snprintf(pfn, sizeof(pfn), "0x%" PRIx64, s->pfn);
				if (s->has_page)
					snprintf(page, sizeof(page), "0x%" PRIx64, s->page);
			}
			if (pkmap)
				printf("%-5u 0x%-16" PRIx64 " %-6lld %-11s %-18s %-10s %s\n",
				       s->index, s->va, (long long)s->count,
				       kmd_fate_str(s->fate), pa, pfn, page);
			else
				printf("%-5u %-36s 0x%-16" PRIx64 " %-11s %-18s %-10s %s\n",
				       s->index, s->name, s->va, kmd_fate_str(s->fate),
				       pa, pfn, page);
		}
		printf("%zu of %zu slots shown%s\n", shown, n,
		       o->all ? "" : " (--all for every slot)");
	}
	free(slots);
	return EXIT_OK;
}

/* ---- verify -------------------------------------------------------- */

static int cmd_verify(kmd_t *k, const struct opts *o)
{
	const struct kmd_info *in = kmd_info(k);
	struct kmd_scan_result r;
	struct kmd_err err;

	if (kmd_scan(k, &r, &err)) {
		die_err(&err);
		return EXIT_INPUT;
	}
	if (o->json) {
		printf("{\"dump\":");
		json_str(stdout, in->dump_path);
		printf(",\"format\":");
		json_str(stdout, in->format);
		printf(",\"incomplete\":%s,\"pages\":%" PRIu64
		       ",\"present_pages\":%" PRIu64 ",\"excluded_pages\":%" PRIu64
		       ",\"bad_pages\":%" PRIu64 ",\"bytes_read\":%" PRIu64
		       ",\"first_error\":",
		       in->incomplete ? "true" : "false", r.pages,
		       r.present_pages, r.excluded_pages, r.bad_pages,
		       r.bytes_read);
		json_str(stdout, r.first_error[0] ? r.first_error : NULL);
		printf("}\n");
	} else {
		printf("dump:           %s (%s%s)\n", in->dump_path, in->format,
		       in->incomplete ? ", INCOMPLETE" : "");
		printf("page frames:    %" PRIu64 "\n", r.pages);
		printf("present, read:  %" PRIu64 "\n", r.present_pages);
		printf("excluded:       %" PRIu64 "\n", r.excluded_pages);
		printf("unreadable:     %" PRIu64 "%s%s\n", r.bad_pages,
		       r.bad_pages ? "  first: " : "", r.first_error);
	}
	return r.bad_pages ? EXIT_UNTRANSLATED : EXIT_OK;
}

/* ---- vtop ---------------------------------------------------------- */

static void print_xlat_json(kmd_t *k, const char *input, bool parsed,
			    const struct kmd_xlat *x, const struct opts *o)
{
	if (!parsed) {
		printf("{\"input\":");
		json_str(stdout, input);
		printf(",\"va\":null,\"status\":\"invalid\",\"pa\":null,"
		       "\"page_size\":null,\"region\":null,\"file\":null,"
		       "\"reason\":");
		json_str(stdout, x->reason);
		printf("}\n");
		return;
	}
	printf("{\"va\":");
	json_hex(stdout, x->va);
	printf(",\"status\":\"%s\",\"pa\":", kmd_fate_str(x->fate));
	if (x->fate == KMD_UNMAPPED || x->fate == KMD_INVALID || !x->page_size)
		printf("null,\"page_size\":null");
	else {
		json_hex(stdout, x->pa);
		printf(",\"page_size\":%" PRIu64, x->page_size);
	}
	printf(",\"region\":");
	json_str(stdout, x->region);
	printf(",\"file\":");
	if (x->fate != KMD_MAPPED) {
		printf("null");
	} else if (!x->loc.compressed) {
		printf("{\"offset\":%" PRIu64, x->loc.offset);
	} else {
		printf("{\"offset\":null,\"record_offset\":%" PRIu64
		       ",\"record_size\":%" PRIu64 ",\"codec\":\"%s\","
		       "\"page_offset\":%" PRIu64,
		       x->loc.offset, x->loc.record_size, x->loc.codec,
		       x->loc.page_offset);
	}
	if (x->fate == KMD_MAPPED) {
		if (x->loc.path && strcmp(x->loc.path, kmd_info(k)->dump_path)) {
			printf(",\"path\":");
			json_str(stdout, x->loc.path);
		}
		printf("}");
	}
	if (x->reason[0]) {
		printf(",\"reason\":");
		json_str(stdout, x->reason);
	}
	if (o->walk) {
		printf(",\"walk\":[");
		for (unsigned i = 0; i < x->nsteps; i++) {
			const struct kmd_walk_step *s = &x->steps[i];
			char flags[160];
			kmd_entry_flags(k, s, flags, sizeof(flags));
			printf("%s{\"level\":\"%s\",\"table\":", i ? "," : "",
			       s->level);
			json_hex(stdout, s->table_pa);
			printf(",\"index\":%u,\"entry\":", s->index);
			json_hex(stdout, s->entry);
			printf(",\"flags\":");
			json_str(stdout, flags);
			printf("}");
		}
		printf("]");
	}
	printf("}\n");
}

static const char *page_size_str(uint64_t n)
{
	switch (n) {
	case 4096: return "4K";
	case 2097152: return "2M";
	case 1073741824: return "1G";
	case 4194304: return "4M";
	}
	return n ? "?" : "-";
}

/* A line of text built by hand: vtop prints millions of these, and
 * printf's format parsing was most of its time.  Same bytes as the
 * printf formats in the comments. */
struct line {
	char b[8192]; /* a split part's path can be long */
	size_t n;
};

static inline void put_str(struct line *l, const char *s)
{
	/* Short strings: a loop beats strlen + memcpy calls. */
	char *o = l->b + l->n, *end = l->b + sizeof(l->b) - 1;
	while (*s && o < end)
		*o++ = *s++;
	l->n = (size_t)(o - l->b);
}

/* %-Ws */
static inline void put_pad(struct line *l, const char *s, size_t w)
{
	size_t start = l->n, n;
	put_str(l, s);
	n = l->n - start;
	if (n < w && w - n < sizeof(l->b) - 1 - l->n) {
		memset(l->b + l->n, ' ', w - n);
		l->n += w - n;
	}
}

/* %0Wx (W 0: no padding) */
static inline void put_hex(struct line *l, uint64_t v, unsigned w)
{
	unsigned d = v ? (unsigned)(64 - __builtin_clzll(v) + 3) / 4 : 1;
	char *o = l->b + l->n;

	if (d < w)
		d = w;
	if (d > sizeof(l->b) - 1 - l->n)
		return; /* no room: the line is cut (it never is) */
	for (unsigned i = d; i-- > 0; v >>= 4)
		o[i] = "0123456789abcdef"[v & 15];
	l->n += d;
}

static void put_dec(struct line *l, uint64_t v)
{
	char t[20];
	unsigned d = 0;
	do {
		t[d++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (d && l->n < sizeof(l->b) - 1)
		l->b[l->n++] = t[--d];
}

static void print_xlat_text(kmd_t *k, const char *input, bool parsed,
			    const struct kmd_xlat *x, const struct opts *o)
{
	struct line l;

	l.n = 0;
	if (!parsed) { /* "%-18s  invalid      %s\n" */
		put_pad(&l, input, 18);
		put_str(&l, "  invalid      ");
		put_str(&l, x->reason);
	} else {
		/* "%0*" PRIx64 "  %-11s  " */
		put_hex(&l, x->va, kmd_info(k)->levels <= 3 ? 8 : 16);
		put_str(&l, "  ");
		put_pad(&l, kmd_fate_str(x->fate), 11);
		put_str(&l, "  ");
		if (x->fate == KMD_UNMAPPED || x->fate == KMD_INVALID || !x->page_size) {
			put_pad(&l, "-", 18); /* "%-18s  %-4s" */
			put_str(&l, "  ");
			put_pad(&l, "-", 4);
		} else { /* "0x%-16" PRIx64 "  %-4s" */
			size_t at = l.n;
			put_str(&l, "0x");
			put_hex(&l, x->pa, 0);
			while (l.n - at < 18)
				l.b[l.n++] = ' ';
			put_str(&l, "  ");
			put_pad(&l, page_size_str(x->page_size), 4);
		}
		put_str(&l, "  "); /* "  %-14s" */
		put_pad(&l, x->region ? x->region : "-", 14);
		if (x->fate == KMD_MAPPED && x->loc.path &&
		    x->loc.path != kmd_info(k)->dump_path &&
		    strcmp(x->loc.path, kmd_info(k)->dump_path)) {
			put_str(&l, "  in ");
			put_str(&l, x->loc.path);
		}
		if (x->fate == KMD_MAPPED && x->loc.compressed) {
			/* "  %s record at 0x%x (%u bytes) +0x%x" */
			put_str(&l, "  ");
			put_str(&l, x->loc.codec);
			put_str(&l, " record at 0x");
			put_hex(&l, x->loc.offset, 0);
			put_str(&l, " (");
			put_dec(&l, x->loc.record_size);
			put_str(&l, " bytes) +0x");
			put_hex(&l, x->loc.page_offset, 0);
		} else if (x->fate == KMD_MAPPED) {
			put_str(&l, "  file offset 0x");
			put_hex(&l, x->loc.offset, 0);
		} else if (x->reason[0]) {
			put_str(&l, "  ");
			put_str(&l, x->reason);
		}
	}
	l.b[l.n++] = '\n';
	fwrite(l.b, 1, l.n, stdout);
	if (parsed && o->walk) {
		for (unsigned i = 0; i < x->nsteps; i++) {
			const struct kmd_walk_step *s = &x->steps[i];
			char flags[160];
			kmd_entry_flags(k, s, flags, sizeof(flags));
			printf("    %-3s  table 0x%-12" PRIx64 " [%3u]  entry 0x%016" PRIx64 "  %s\n",
			       s->level, s->table_pa, s->index, s->entry, flags);
		}
	}
}

/* The common case of kmd_parse_addr, inline: "[0x]HEX", at most 16
 * digits, nothing else.  False: let kmd_parse_addr decide. */
static bool parse_hex(const char *s, uint64_t *va)
{
	/* digit value + 1, 0 for anything else */
	static const unsigned char val[256] = {
		['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
		['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
		['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
		['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14,
		['E'] = 15, ['F'] = 16,
	};
	const unsigned char *p = (const unsigned char *)s;
	uint64_t v = 0;
	unsigned n = 0, d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; (d = val[p[n]]) != 0 && n < 17; n++)
		v = v << 4 | (d - 1);
	if (p[n] || n == 0 || n > 16)
		return false;
	*va = v;
	return true;
}

/* Translate one input line; returns -1 on a fatal error, 1 if not
 * mapped, 0 if mapped. */
static int vtop_one(kmd_t *k, const char *input, const struct opts *o)
{
	struct kmd_xlat x;
	struct kmd_err err;
	uint64_t va;

	if (!parse_hex(input, &va) && kmd_parse_addr(k, input, &va, &err)) {
		memset(&x, 0, sizeof(x));
		x.fate = KMD_INVALID;
		snprintf(x.reason, sizeof(x.reason), "%.150s", err.msg);
		if (o->json)
			print_xlat_json(k, input, false, &x, o);
		else
			print_xlat_text(k, input, false, &x, o);
		return 1;
	}
	if (kmd_vtop(k, va, &x, &err)) {
		fflush(stdout);
		die_err(&err);
		return -1;
	}
	if (o->json)
		print_xlat_json(k, input, true, &x, o);
	else
		print_xlat_text(k, input, true, &x, o);
	return x.fate == KMD_MAPPED ? 0 : 1;
}

/* Addresses from standard input, a line each.  Input is read in large
 * blocks and the output is flushed only before a read that may wait, so
 * that a program feeding addresses one at a time through a pipe gets
 * each answer as soon as it has asked.  Returns -1 on a fatal error, 1
 * if some address was not translated, else 0. */
static int vtop_stream(kmd_t *k, const struct opts *o)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	bool eof = false;
	int rc = 0;

	if (!buf) {
		fprintf(stderr, "kmapdump: out of memory\n");
		return -1;
	}
	for (;;) {
		char *p = buf, *end = buf + len;
		for (;;) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n;
			if (!nl) {
				if (!eof || p == end)
					break;
				nl = end; /* a last line without its newline */
			}
			n = (size_t)(nl - p);
			p[n] = '\0'; /* buf has a spare byte past len */
			while (n && p[n - 1] == '\r')
				p[--n] = '\0';
			if (n && p[0] != '#') {
				int r = vtop_one(k, p, o);
				if (r < 0) {
					free(buf);
					return -1;
				}
				if (r)
					rc = 1;
			}
			p = nl == end ? end : nl + 1;
		}
		len = (size_t)(end - p);
		memmove(buf, p, len);
		if (eof)
			break;
		if (len + 4096 > cap) { /* a very long line */
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				fprintf(stderr, "kmapdump: out of memory\n");
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		fflush(stdout);
		ssize_t r = read(STDIN_FILENO, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "kmapdump: reading addresses: %s\n",
				strerror(errno));
			free(buf);
			return -1;
		}
		if (r == 0)
			eof = true;
		len += (size_t)r;
	}
	free(buf);
	return rc;
}

static int cmd_vtop(kmd_t *k, const struct opts *o, char **addrs, int n)
{
	int rc = EXIT_OK;

	/* Large writes for long address lists (the first use of stdout;
	 * vtop_stream flushes before waiting for input), and no locking
	 * per write: the command line has one thread. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
#ifdef __GLIBC__
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
#endif
	if (!o->json)
		printf("%-16s  %-11s  %-18s  %-4s  %-14s  %s\n", "VA", "STATUS",
		       "PA", "PAGE", "REGION", "WHERE");
	for (int i = 0; i < n; i++) {
		if (strcmp(addrs[i], "-") == 0) {
			int r = vtop_stream(k, o);
			if (r < 0)
				return EXIT_INPUT;
			if (r)
				rc = EXIT_UNTRANSLATED;
			continue;
		}
		int r = vtop_one(k, addrs[i], o);
		if (r < 0)
			return EXIT_INPUT;
		if (r)
			rc = EXIT_UNTRANSLATED;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "walk", no_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "raw", no_argument, NULL, 'r' },
		{ "zero-excluded", no_argument, NULL, 'z' },
		{ "region", required_argument, NULL, 'R' },
		{ "svg", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	const char *cmd = "regions";
	struct kmd_err err;
	kmd_t *k;
	int c, rc;

	if (argc > 1 && (strcmp(argv[1], "regions") == 0 ||
			 strcmp(argv[1], "vtop") == 0 ||
			 strcmp(argv[1], "verify") == 0 ||
			 strcmp(argv[1], "fixmap") == 0 ||
			 strcmp(argv[1], "map") == 0 ||
			 strcmp(argv[1], "vmalloc") == 0 ||
			 strcmp(argv[1], "modules") == 0 ||
			 strcmp(argv[1], "ptov") == 0 ||
			 strcmp(argv[1], "read") == 0 ||
			 strcmp(argv[1], "pkmap") == 0)) {
		cmd = argv[1];
		argv++;
		argc--;
	}
	while ((c = getopt_long(argc, argv, "+jwfarzR:S:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o.json = true; break;
		case 'w': o.walk = true; break;
		case 'f': o.force = true; break;
		case 'a': o.all = true; break;
		case 'r': o.raw = true; break;
		case 'z': o.zero_excluded = true; break;
		case 'R': o.region = optarg; break;
		case 'S': o.svg = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("kmapdump %s\n", kmd_version()); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	/* Options may also follow the files. */
	int nfiles = 0;
	char **pos = argv + optind;
	int npos = argc - optind;
	char **rest = calloc((size_t)npos + 1, sizeof(char *));
	int nrest = 0;
	if (!rest)
		return EXIT_INPUT;
	for (int i = 0; i < npos; i++) {
		if (strcmp(pos[i], "--json") == 0) o.json = true;
		else if (strcmp(pos[i], "--walk") == 0) o.walk = true;
		else if (strcmp(pos[i], "--force") == 0) o.force = true;
		else if (strcmp(pos[i], "--all") == 0) o.all = true;
		else if (strcmp(pos[i], "--raw") == 0) o.raw = true;
		else if (strcmp(pos[i], "--zero-excluded") == 0) o.zero_excluded = true;
		else if (strcmp(pos[i], "--region") == 0 && i + 1 < npos) o.region = pos[++i];
		else if (strcmp(pos[i], "--svg") == 0 && i + 1 < npos) o.svg = pos[++i];
		else rest[nrest++] = pos[i];
	}
	/* Files first (a split dump has several), then addresses: for vtop
	 * the files are the leading arguments that name existing files. */
	bool takes_args = strcmp(cmd, "vtop") == 0 || strcmp(cmd, "ptov") == 0 ||
			  strcmp(cmd, "read") == 0;
	if (takes_args) {
		while (nfiles < nrest && strcmp(rest[nfiles], "-") != 0 &&
		       access(rest[nfiles], F_OK) == 0)
			nfiles++;
	} else {
		nfiles = nrest;
	}
	bool verify = strcmp(cmd, "verify") == 0;
	if (nfiles < (verify ? 1 : 2) ||
	    (takes_args && nrest <= nfiles)) {
		fprintf(stderr, "kmapdump: %s\n",
			takes_args && nfiles >= 2 ?
				"missing ADDR (or - for vtop), PA or LEN arguments" :
				nfiles < 2 && nfiles < nrest ?
				"expected VMCORE and VMLINUX (a file does not exist?)" :
				"expected VMCORE and VMLINUX");
		usage(stderr);
		free(rest);
		return EXIT_USAGE;
	}
	if (kmd_open(&k, (const char *const *)rest, nfiles,
		     (o.force ? KMD_OPEN_FORCE : 0) |
			     (verify ? KMD_OPEN_DUMP_ONLY : 0), &err)) {
		die_err(&err);
		free(rest);
		return err.status == KMD_ERR_ARG ? EXIT_USAGE : EXIT_INPUT;
	}
	struct progress prog = { 0 };
	if (isatty(STDERR_FILENO))
		kmd_set_progress(k, show_progress, &prog);
	if (verify)
		rc = cmd_verify(k, &o);
	else if (strcmp(cmd, "map") == 0)
		rc = cmd_map(k, &o);
	else if (strcmp(cmd, "vmalloc") == 0)
		rc = cmd_vmalloc(k, &o);
	else if (strcmp(cmd, "modules") == 0)
		rc = cmd_modules(k, &o);
	else if (strcmp(cmd, "ptov") == 0)
		rc = cmd_ptov(k, &o, rest + nfiles, nrest - nfiles);
	else if (strcmp(cmd, "read") == 0)
		rc = cmd_read(k, &o, rest + nfiles, nrest - nfiles);
	else if (strcmp(cmd, "fixmap") == 0 || strcmp(cmd, "pkmap") == 0)
		rc = cmd_slots(k, &o, strcmp(cmd, "pkmap") == 0);
	else if (strcmp(cmd, "vtop") == 0)
		rc = cmd_vtop(k, &o, rest + nfiles, nrest - nfiles);
	else
		rc = cmd_regions(k, &o);
	end_progress(&prog);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = EXIT_INPUT;
	kmd_close(k);
	free(rest);
	return rc;
}
