/* kmd.c - the library handle: open a dump and its kernel, check they
 * belong together, hand over to the architecture, answer queries. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "kmd-int.h"

static const struct arch_ops *const arches[] = {
	&arch_x86_64,
	&arch_i386,
};

const char *kmd_version(void)
{
	return PACKAGE_VERSION;
}

const char *kmd_fate_str(enum kmd_fate fate)
{
	switch (fate) {
	case KMD_MAPPED: return "mapped";
	case KMD_UNMAPPED: return "unmapped";
	case KMD_EXCLUDED: return "excluded";
	case KMD_NOT_IN_DUMP: return "not-in-dump";
	case KMD_INVALID: return "invalid";
	}
	return "?";
}

void kmd_warn(struct kmd *k, const char *fmt, ...)
{
	va_list ap;

	if (k->warning[0])
		return; /* keep the first */
	va_start(ap, fmt);
	vsnprintf(k->warning, sizeof(k->warning), fmt, ap);
	va_end(ap);
	k->info.warning = k->warning;
}

/* The region lookup table (kmd_region_of) is rebuilt on the next lookup
 * once regions change. */
static void drop_spans(struct kmd *k)
{
	free(k->spans);
	k->spans = NULL;
	k->nspans = 0;
}

kmd_status kmd_add_region(struct kmd *k, const char *name, uint64_t start,
			  uint64_t end, const char *desc, struct kmd_err *err)
{
	struct kmd_region *r;

	if (k->nregions >= KMD_MAX_REGIONS)
		return kmd_err_set(err, KMD_ERR_ARG, "too many regions");
	drop_spans(k);
	r = &k->regions[k->nregions++];
	r->name = name;
	r->start = start;
	r->end = end;
	r->desc = desc;
	r->parent = NULL;
	return KMD_OK;
}

kmd_status kmd_add_subregion(struct kmd *k, const char *name, uint64_t start,
			     uint64_t end, const char *desc,
			     struct kmd_err *err)
{
	const char *parent = NULL;
	kmd_status st;

	for (size_t i = k->nregions; i-- > 0;) {
		const struct kmd_region *r = &k->regions[i];
		if (!r->parent && start >= r->start && (r->end == 0 || end <= r->end)) {
			parent = r->name;
			break;
		}
	}
	st = kmd_add_region(k, name, start, end, desc, err);
	if (!st)
		k->regions[k->nregions - 1].parent = parent;
	return st;
}

static int region_cmp(const void *a, const void *b)
{
	const struct kmd_region *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* The enclosing region first. */
	return (x->parent != NULL) - (y->parent != NULL);
}

void kmd_sort_regions(struct kmd *k)
{
	qsort(k->regions, k->nregions, sizeof(k->regions[0]), region_cmp);
	drop_spans(k);
}

bool kmd_symbol(const struct kmd *k, const char *name, uint64_t *addr)
{
	if (!k->syms || !syms_lookup(k->syms, name, addr))
		return false;
	*addr += k->info.kaslr_offset;
	return true;
}

/* Which file is which: read the first bytes and ask each side. */
enum file_kind { FILE_UNKNOWN, FILE_DUMP, FILE_VMLINUX, FILE_SYMTEXT };

static kmd_status classify(const char *path, enum file_kind *kind,
			   struct kmd_err *err)
{
	uint8_t head[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return kmd_err_set(err, KMD_ERR_IO, "%s: %s", path,
				   strerror(errno));
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		return kmd_err_set(err, KMD_ERR_IO, "%s: %s", path,
				   strerror(errno));
	if (n == 0)
		return kmd_err_set(err, KMD_ERR_CORRUPT, "%s: empty file",
				   path);
	if (dump_probe(head, (size_t)n))
		*kind = FILE_DUMP;
	else if (syms_probe_vmlinux(head, (size_t)n))
		*kind = FILE_VMLINUX;
	else if (syms_probe_text(head, (size_t)n))
		*kind = FILE_SYMTEXT;
	else
		*kind = FILE_UNKNOWN;
	return KMD_OK;
}

/* Refuse a vmlinux that does not belong to the dump: BUILD-ID when both
 * have one, else OSRELEASE, and always _stext against KERNELOFFSET. */
static kmd_status check_match(struct kmd *k, struct kmd_err *err)
{
	const char *dump_id = vmci_get(&k->vmci, "BUILD-ID");
	const char *dump_rel = vmci_get(&k->vmci, "OSRELEASE");
	uint64_t rt, link, off;

	if (dump_id && k->syms->build_id &&
	    strncmp(dump_id, k->syms->build_id, strlen(k->syms->build_id)) != 0)
		return kmd_err_set(err, KMD_ERR_MISMATCH,
				   "%s: build ID %s does not match the dump's %s (use --force to go on)",
				   k->syms->path, k->syms->build_id, dump_id);
	if (dump_rel && k->syms->release &&
	    strcmp(dump_rel, k->syms->release) != 0)
		return kmd_err_set(err, KMD_ERR_MISMATCH,
				   "%s: kernel release %s does not match the dump's %s (use --force to go on)",
				   k->syms->path, k->syms->release, dump_rel);
	if (vmci_hex(&k->vmci, "SYMBOL(_stext)", &rt) &&
	    syms_lookup(k->syms, "_stext", &link) &&
	    vmci_hex(&k->vmci, "KERNELOFFSET", &off) && rt != link + off)
		return kmd_err_set(err, KMD_ERR_MISMATCH,
				   "%s: _stext is 0x%llx + KASLR offset 0x%llx, but the dump says 0x%llx (use --force to go on)",
				   k->syms->path, (unsigned long long)link,
				   (unsigned long long)off,
				   (unsigned long long)rt);
	return KMD_OK;
}

static void find_kaslr(struct kmd *k)
{
	uint64_t off, rt, link;

	if (vmci_hex(&k->vmci, "KERNELOFFSET", &off))
		k->info.kaslr_offset = off;
	else if (vmci_hex(&k->vmci, "SYMBOL(_stext)", &rt) &&
		 syms_lookup(k->syms, "_stext", &link))
		k->info.kaslr_offset = rt - link;
}

kmd_status kmd_open(kmd_t **out, const char *const *paths, int npaths,
		    unsigned flags, struct kmd_err *err)
{
	const char *dump_path = NULL, *kern_path = NULL;
	const char **dump_paths;
	unsigned ndumps = 0;
	enum file_kind kern_kind = FILE_UNKNOWN;
	struct kmd *k;
	kmd_status st;
	int64_t pagesize;

	kmd_err_clear(err);
	dump_paths = calloc(npaths > 0 ? (size_t)npaths : 1, sizeof(*dump_paths));
	if (!dump_paths)
		return kmd_err_nomem(err);
	for (int i = 0; i < npaths; i++) {
		enum file_kind kind;
		st = classify(paths[i], &kind, err);
		if (st) {
			free(dump_paths);
			return st;
		}
		if (kind == FILE_DUMP) {
			/* Several dumps: the parts of a split set. */
			if (!dump_path)
				dump_path = paths[i];
			dump_paths[ndumps++] = paths[i];
		} else if ((kind == FILE_VMLINUX || kind == FILE_SYMTEXT) &&
			   !kern_path) {
			kern_path = paths[i];
			kern_kind = kind;
		} else if (kind == FILE_UNKNOWN) {
			free(dump_paths);
			return kmd_err_set(err, KMD_ERR_CORRUPT,
					   "%s: neither a crash dump nor a vmlinux or symbol file",
					   paths[i]);
		} else {
			free(dump_paths);
			return kmd_err_set(err, KMD_ERR_ARG,
					   "%s: more than one kernel given",
					   paths[i]);
		}
	}
	if (!dump_path || (!kern_path && !(flags & KMD_OPEN_DUMP_ONLY))) {
		free(dump_paths);
		return kmd_err_set(err, KMD_ERR_ARG, !dump_path ?
				   "no crash dump given" :
				   "no vmlinux or symbol file given");
	}

	k = calloc(1, sizeof(*k));
	if (!k) {
		free(dump_paths);
		return kmd_err_nomem(err);
	}
	st = dump_open(&k->dump, dump_paths, ndumps, err);
	free(dump_paths);
	if (st)
		goto fail;
	k->info.dump_path = k->dump->path;
	k->info.format = k->dump->format_name;
	k->info.incomplete = k->dump->incomplete;
	k->info.page_size = 4096;
	k->info.release = "";
	k->info.arch = "unknown";
	k->info.kernel_path = "";
	k->info.kernel_source = "none";
	if (!kern_path) {
		/* Dump only: the facts the dump itself carries. */
		if (k->dump->vmcoreinfo &&
		    vmci_parse(&k->vmci, k->dump->vmcoreinfo, err) == KMD_OK) {
			const char *rel = vmci_get(&k->vmci, "OSRELEASE");
			if (rel)
				k->info.release = rel;
		}
		kmd_err_clear(err);
		*out = k;
		return KMD_OK;
	}
	st = kern_kind == FILE_VMLINUX ?
		     syms_open_vmlinux(&k->syms, kern_path, err) :
		     syms_open_text(&k->syms, kern_path, err);
	if (st)
		goto fail;
	if (!k->dump->vmcoreinfo) {
		st = kmd_err_set(err, KMD_ERR_NOTFOUND,
				 "%s: no VMCOREINFO note (for QEMU dumps, start the guest with -device vmcoreinfo and load qemu_fw_cfg)",
				 dump_path);
		goto fail;
	}
	st = vmci_parse(&k->vmci, k->dump->vmcoreinfo, err);
	if (st)
		goto fail;

	k->info.dump_path = k->dump->path;
	k->info.kernel_path = k->syms->path;
	k->info.kernel_source = k->syms->kind;
	k->info.format = k->dump->format_name;
	k->info.incomplete = k->dump->incomplete;
	k->info.release = vmci_get(&k->vmci, "OSRELEASE");
	if (!k->info.release)
		k->info.release = k->syms->release ? k->syms->release : "";
	k->info.page_size = 4096;
	if (vmci_num(&k->vmci, "PAGESIZE", &pagesize)) {
		if (pagesize != 4096) {
			st = kmd_err_set(err, KMD_ERR_UNSUPPORTED,
					 "%s: page size %lld is not supported",
					 dump_path, (long long)pagesize);
			goto fail;
		}
	}
	find_kaslr(k);

	st = check_match(k, err);
	if (st) {
		if (!(flags & KMD_OPEN_FORCE))
			goto fail;
		kmd_warn(k, "%s", err->msg);
		k->info.mismatch_forced = true;
		kmd_err_clear(err);
	}

	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		if (arches[i]->match(k)) {
			k->arch = arches[i];
			break;
		}
	}
	if (!k->arch) {
		unsigned em = k->syms->machine ? k->syms->machine : k->dump->machine;
		st = kmd_err_set(err, KMD_ERR_UNSUPPORTED,
				 "%s: architecture %s%s is not supported",
				 dump_path, dump_machine_name(em),
				 k->syms->machine ? " (of the kernel)" : "");
		goto fail;
	}
	/* A kernel of another architecture than the dump's.  A kdump
	 * header names the machine QEMU emulated: x86_64 for an i386
	 * guest too. */
	if (k->dump->machine && k->dump->machine != k->arch->em &&
	    !(k->dump->machine_is_hint && k->dump->machine == 62 &&
	      k->arch->em == 3)) {
		st = kmd_err_set(err, KMD_ERR_MISMATCH,
				 "%s: the dump is of an %s machine, but %s is an %s kernel",
				 dump_path, dump_machine_name(k->dump->machine),
				 k->syms->path, k->arch->name);
		goto fail;
	}
	k->info.arch = k->arch->name;
	k->arch_priv = calloc(1, k->arch->priv_size ? k->arch->priv_size : 1);
	if (!k->arch_priv) {
		st = kmd_err_nomem(err);
		goto fail;
	}
	st = k->arch->init(k, err);
	if (st) {
		kmd_err_wrap(err, "%s", dump_path);
		goto fail;
	}
	*out = k;
	return KMD_OK;
fail:
	kmd_close(k);
	return st;
}

void kmd_close(kmd_t *k)
{
	if (!k)
		return;
	vmci_free(&k->vmci);
	syms_close(k->syms);
	dump_close(k->dump);
	free(k->arch_priv);
	free(k->mods);
	free(k->xc);
	free(k->spans);
	free(k);
}

void kmd_set_progress(kmd_t *k, kmd_progress_fn fn, void *arg)
{
	k->progress = fn;
	k->progress_arg = arg;
}

const struct kmd_info *kmd_info(const kmd_t *k)
{
	return &k->info;
}

/* Region bounds that need DWARF are settled on first use, so that a
 * vtop of a direct-map address never pays for them. */
static void regions_finish(const kmd_t *kc)
{
	kmd_t *k = (kmd_t *)kc;

	if (k->regions_done || !k->arch)
		return;
	k->regions_done = true;
	if (k->arch->finish_regions)
		k->arch->finish_regions(k);
	drop_spans(k); /* bounds may have moved */
}

size_t kmd_region_count(const kmd_t *k)
{
	regions_finish(k);
	return k->nregions;
}

const struct kmd_region *kmd_region(const kmd_t *k, size_t i)
{
	regions_finish(k);
	return i < k->nregions ? &k->regions[i] : NULL;
}

/* The innermost region containing VA, by scanning them all. */
static const char *region_scan(const struct kmd *k, uint64_t va)
{
	const struct kmd_region *best = NULL;

	for (size_t i = 0; i < k->nregions; i++) {
		const struct kmd_region *r = &k->regions[i];
		if (va >= r->start && (r->end == 0 || va < r->end) &&
		    (!best || r->end - r->start < best->end - best->start))
			best = r;
	}
	if (best)
		return best->name;
	if (va < k->user_top)
		return "user";
	return NULL;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Once the regions are final: the address space cut at every region
 * boundary, each piece with its innermost region, for a binary search.
 * Without memory for it, kmd_region_of scans. */
static void build_spans(struct kmd *k)
{
	uint64_t pts[2 * KMD_MAX_REGIONS + 2];
	size_t n = 0, u = 0;

	pts[n++] = 0;
	pts[n++] = k->user_top;
	for (size_t i = 0; i < k->nregions; i++) {
		pts[n++] = k->regions[i].start;
		if (k->regions[i].end)
			pts[n++] = k->regions[i].end;
	}
	qsort(pts, n, sizeof(pts[0]), u64_cmp);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || pts[i] != pts[u - 1])
			pts[u++] = pts[i];
	k->spans = malloc(u * sizeof(*k->spans));
	if (!k->spans)
		return;
	for (size_t i = 0; i < u; i++) {
		k->spans[i].start = pts[i];
		k->spans[i].name = region_scan(k, pts[i]);
	}
	k->nspans = u;
}

const char *kmd_region_of(const struct kmd *kc, uint64_t va)
{
	struct kmd *k = (struct kmd *)kc; /* spans are a cache */

	/* Regions settled lazily lie at the top; an address below every
	 * lazily found start needs no lookup. */
	if (!k->regions_done) {
		if (va < k->lazy_floor)
			return region_scan(k, va);
		regions_finish(k);
	}
	if (!k->spans && k->nregions)
		build_spans(k);
	if (!k->spans)
		return region_scan(k, va);
	/* The last span starting at or below VA (spans[0] starts at 0);
	 * branch-free: region lookups of random addresses are random. */
	const struct region_span *base = k->spans;
	for (size_t n = k->nspans; n > 1;) {
		size_t half = n / 2;
		base = base[half].start <= va ? base + half : base;
		n -= half;
	}
	return base->name;
}

kmd_status kmd_region_stats(kmd_t *k, size_t i, uint64_t *mapped,
			    uint64_t *present, struct kmd_err *err)
{
	const struct kmd_region *r = kmd_region(k, i);
	kmd_status st;

	if (!r)
		return kmd_err_set(err, KMD_ERR_ARG, "no region %zu", i);
	kmd_progress(k, r->name, i, k->nregions);
	st = walk_stats(k, r->start, r->end, mapped, present, err);
	if (st)
		kmd_err_wrap(err, "%s: region %s", k->dump->path, r->name);
	return st;
}

kmd_status kmd_vtop(kmd_t *k, uint64_t va, struct kmd_xlat *x,
		    struct kmd_err *err)
{
	kmd_status st;

	/* Not a memset of the whole result: vtop is the hot path, and
	 * steps past nsteps are not part of the answer. */
	x->va = va;
	x->fate = KMD_UNMAPPED;
	x->pa = 0;
	x->page_size = 0;
	x->region = NULL;
	memset(&x->loc, 0, sizeof(x->loc));
	x->nsteps = 0;
	x->reason[0] = '\0';
	if (!k->arch)
		return kmd_err_set(err, KMD_ERR_ARG,
				   "translation needs the vmlinux or a symbol file");
	if (!k->arch->canonical(k, va)) {
		x->fate = KMD_INVALID;
		x->region = "non-canonical";
		snprintf(x->reason, sizeof(x->reason),
			 "non-canonical address");
		return KMD_OK;
	}
	x->region = kmd_region_of(k, va);
	st = walk_va(k, va, x, err);
	if (st)
		kmd_err_wrap(err, "%s: translating 0x%llx", k->dump->path,
			     (unsigned long long)va);
	return st;
}

void kmd_entry_flags(const kmd_t *k, const struct kmd_walk_step *step,
		     char *buf, size_t size)
{
	unsigned level = 0;

	if (!k->arch) {
		snprintf(buf, size, "?");
		return;
	}
	for (unsigned i = 0; i < k->pg.levels; i++)
		if (k->pg.name[i] == step->level)
			level = i;
	k->arch->flags(k, level, step->entry, buf, size);
}

kmd_status kmd_read_phys(kmd_t *k, uint64_t pa, void *buf, size_t size,
			 struct kmd_err *err)
{
	return dump_read(k->dump, pa, buf, size, err);
}

kmd_status kmd_read_virt(kmd_t *k, uint64_t va, void *buf, size_t size,
			 struct kmd_err *err)
{
	uint8_t *out = buf;

	while (size) {
		struct kmd_xlat x;
		uint64_t n;
		kmd_status st = kmd_vtop(k, va, &x, err);
		if (st)
			return st;
		if (x.fate != KMD_MAPPED)
			return kmd_err_set(err, KMD_ERR_NOTFOUND,
					   "0x%llx: %s", (unsigned long long)va,
					   x.reason);
		n = x.page_size - (va & (x.page_size - 1));
		if (n > size)
			n = size;
		st = dump_read(k->dump, x.pa, out, n, err);
		if (st)
			return st;
		out += n;
		va += n;
		size -= n;
	}
	return KMD_OK;
}

kmd_status kmd_parse_addr(kmd_t *k, const char *text, uint64_t *va,
			  struct kmd_err *err)
{
	char name[256];
	const char *plus;
	char *end;
	uint64_t base, off = 0;
	size_t len;

	while (*text == ' ' || *text == '\t')
		text++;
	len = strlen(text);
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' ||
		       text[len - 1] == '\r'))
		len--;
	if (len == 0)
		return kmd_err_set(err, KMD_ERR_ARG, "empty address");
	if (len >= sizeof(name))
		return kmd_err_set(err, KMD_ERR_ARG, "address too long");
	memcpy(name, text, len);
	name[len] = '\0';

	/* Plain hex, with or without 0x. */
	errno = 0;
	base = strtoull(name, &end, 16);
	if (*end == '\0' && errno == 0 && name[0] != '-' && name[0] != '+') {
		*va = base;
		return KMD_OK;
	}
	if (*end == '\0' && errno == ERANGE)
		return kmd_err_set(err, KMD_ERR_ARG, "%s: address too large",
				   name);
	plus = strchr(name, '+');
	if (plus) {
		errno = 0;
		off = strtoull(plus + 1, &end, 0);
		if (errno || *end || end == plus + 1)
			return kmd_err_set(err, KMD_ERR_ARG,
					   "%s: bad offset after '+'", name);
		name[plus - name] = '\0';
	}
	if (!kmd_symbol(k, name, &base))
		return kmd_err_set(err, KMD_ERR_NOTFOUND,
				   "%s: no such symbol and not a hex address",
				   name);
	*va = base + off;
	return KMD_OK;
}
