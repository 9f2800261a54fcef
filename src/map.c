/* map.c - every mapped run of the kernel page tables, and reverse
 * lookups (physical address -> every kernel VA that maps it). */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kmd-int.h"

struct map_ctx {
	struct kmd *k;
	kmd_run_fn fn;
	void *arg;
	struct kmd_run cur;
	bool have;
	bool stopped;
};

static int flush(struct map_ctx *c)
{
	if (!c->have)
		return 0;
	c->have = false;
	c->cur.present = dump_present_bytes(c->k->dump, c->cur.pa, c->cur.size);
	c->cur.region = kmd_region_of(c->k, c->cur.va);
	if (c->fn(c->arg, &c->cur)) {
		c->stopped = true;
		return 1;
	}
	return 0;
}

static bool same_attrs(const struct kmd_run *a, const struct kmd_run *b)
{
	return a->rw == b->rw && a->nx == b->nx && a->global == b->global &&
	       a->user == b->user && a->cache == b->cache &&
	       a->page_size == b->page_size;
}

static int on_leaf(void *arg, uint64_t va, uint64_t size, uint64_t pa,
		   unsigned level, uint64_t entry)
{
	struct map_ctx *c = arg;
	struct kmd_run r = { 0 };

	r.va = va;
	r.pa = pa;
	r.size = size;
	r.page_size = 1ull << c->k->pg.shift[level];
	c->k->arch->attrs(c->k, level, entry, &r);
	if (c->have && same_attrs(&c->cur, &r) && c->cur.va + c->cur.size == va &&
	    c->cur.pa + c->cur.size == pa) {
		c->cur.size += size;
		return 0;
	}
	if (flush(c))
		return 1;
	c->cur = r;
	c->have = true;
	return 0;
}

kmd_status kmd_map(kmd_t *k, uint64_t start, uint64_t end, kmd_run_fn fn,
		   void *arg, struct kmd_err *err)
{
	struct map_ctx c = { .k = k, .fn = fn, .arg = arg };
	kmd_status st;

	if (!k->arch)
		return kmd_err_set(err, KMD_ERR_ARG,
				   "the page tables need the vmlinux or a symbol file");
	st = walk_range(k, start, end, on_leaf, &c, err);
	if (st)
		return kmd_err_wrap(err, "%s: walking the page tables", k->dump->path);
	if (!c.stopped)
		flush(&c);
	return KMD_OK;
}

/* ---- reverse lookup ---------------------------------------------------- */

struct ptov_ctx {
	uint64_t pa;
	uint64_t *va;
	size_t n, cap;
	bool nomem;
};

static int ptov_leaf(void *arg, uint64_t va, uint64_t size, uint64_t pa,
		     unsigned level, uint64_t entry)
{
	struct ptov_ctx *c = arg;

	(void)level;
	(void)entry;
	if (c->pa < pa || c->pa - pa >= size)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		uint64_t *n = realloc(c->va, cap * sizeof(*n));
		if (!n) {
			c->nomem = true;
			return 1;
		}
		c->va = n;
		c->cap = cap;
	}
	c->va[c->n++] = va + (c->pa - pa);
	return 0;
}

kmd_status kmd_ptov(kmd_t *k, uint64_t pa, uint64_t **out, size_t *n,
		    struct kmd_err *err)
{
	struct ptov_ctx c = { .pa = pa };
	kmd_status st;

	*out = NULL;
	*n = 0;
	if (!k->arch)
		return kmd_err_set(err, KMD_ERR_ARG,
				   "the page tables need the vmlinux or a symbol file");
	/* Kernel half only: the user half of init_top_pgt/swapper_pg_dir
	 * maps nothing the kernel uses. */
	st = walk_range(k, k->user_top, 0, ptov_leaf, &c, err);
	if (c.nomem)
		st = kmd_err_nomem(err);
	if (st) {
		free(c.va);
		return st;
	}
	/* The direct-map (lowmem) alias first, the rest in address order
	 * (the walk found them in that order). */
	for (size_t i = 1; i < c.n; i++) {
		if (c.va[i] == k->page_offset + pa) {
			uint64_t t = c.va[i];
			memmove(c.va + 1, c.va, i * sizeof(*c.va));
			c.va[0] = t;
			break;
		}
	}
	*out = c.va;
	*n = c.n;
	return KMD_OK;
}
