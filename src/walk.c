/* walk.c - the generic page-table walker.
 *
 * The architecture describes its paging (levels, index widths, entry
 * size) in struct paging and decodes single entries; this file does the
 * walking: one address for vtop, or a range for region statistics.  A
 * range walk reads a whole table at a time and remembers the totals of
 * every subtree it has fully walked, so tables that the kernel shares
 * (KASAN's early shadow, say) or a hostile dump repeats are summed once.
 * A table that appears among its own ancestors is a loop: corrupt input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kmd-int.h"

static uint64_t read_entry(const struct paging *pg, const uint8_t *p)
{
	return pg->entry_size == 8 ? get_le64(p) : get_le32(p);
}

static kmd_status loop_error(struct kmd *k, unsigned level, uint64_t table,
			     unsigned ancestor, struct kmd_err *err)
{
	return kmd_err_set(err, KMD_ERR_CORRUPT,
			   "page-table loop: %s table at 0x%llx is also the %s table above it",
			   k->pg.name[level], (unsigned long long)table,
			   k->pg.name[ancestor]);
}

/* For the range walks: check TABLE (level LVL) against its ancestors in
 * PATH, record it there, and read it whole into a new *BUF.  A table the
 * dump lacks gives *BUF == NULL and a warning (WHAT says what is lost). */
static kmd_status load_table(struct kmd *k, uint64_t *path, unsigned lvl,
			     uint64_t table, const char *what, uint8_t **buf,
			     struct kmd_err *err)
{
	const struct paging *pg = &k->pg;
	size_t tsize = (size_t)pg->entry_size << pg->bits[lvl];
	struct kmd_err rerr;

	*buf = NULL;
	for (unsigned a = 0; a < lvl; a++)
		if (path[a] == table)
			return loop_error(k, lvl, table, a, err);
	path[lvl] = table;
	*buf = malloc(tsize);
	if (!*buf)
		return kmd_err_nomem(err);
	if (dump_read(k->dump, table, *buf, tsize, &rerr)) {
		kmd_warn(k, "%s table at 0x%llx is not in the dump; %s",
			 pg->name[lvl], (unsigned long long)table, what);
		free(*buf);
		*buf = NULL;
	}
	return KMD_OK;
}

/* "PMD entry 12 not present", without the cost of snprintf (this is the
 * answer for most of a sparse address space). */
static void reason_not_present(char *buf, size_t size, const char *level,
			       unsigned idx)
{
	char num[12];
	size_t n = 0, d = 0;
	const char *tail = " not present";

	do
		num[d++] = (char)('0' + idx % 10);
	while ((idx /= 10) && d < sizeof(num));
	for (const char *p = level; *p && n + 1 < size; p++)
		buf[n++] = *p;
	for (const char *p = " entry "; *p && n + 1 < size; p++)
		buf[n++] = *p;
	while (d && n + 1 < size)
		buf[n++] = num[--d];
	for (const char *p = tail; *p && n + 1 < size; p++)
		buf[n++] = *p;
	buf[n] = '\0';
}

/* Bounded copy of a constant reason. */
static void reason_copy(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* The translation cache slot for VA at level LVL. */
static inline struct xc_entry *xc_slot(struct kmd *k, unsigned lvl,
				       uint64_t va)
{
	return &k->xc[lvl * XC_SLOTS + ((va >> k->pg.shift[lvl]) & (XC_SLOTS - 1))];
}

kmd_status walk_va(struct kmd *k, uint64_t va, struct kmd_xlat *x,
		   struct kmd_err *err)
{
	const struct paging *pg = &k->pg;
	uint64_t table = pg->root;
	uint64_t path[KMD_MAX_LEVELS];
	unsigned lvl = 0;

	x->fate = KMD_UNMAPPED;
	x->page_size = 0;
	x->pa = 0;
	x->reason[0] = '\0';
	/* The cache belongs to one root; without memory for it, walk
	 * uncached. */
	if (!k->xc || k->xc_root != pg->root) {
		free(k->xc);
		k->xc = calloc((size_t)KMD_MAX_LEVELS * XC_SLOTS, sizeof(*k->xc));
		k->xc_root = pg->root;
	}
	for (; lvl < pg->levels; lvl++) {
		unsigned idx = (unsigned)((va >> pg->shift[lvl]) &
					  ((1ull << pg->bits[lvl]) - 1));
		struct kmd_walk_step *st = &x->steps[lvl];
		struct xc_entry *c = k->xc ? xc_slot(k, lvl, va) : NULL;
		uint64_t tag = (va >> pg->shift[lvl]) + 1;
		struct pte_info pi;

		st->level = pg->name[lvl];
		st->index = idx;
		if (c && c->tag == tag) {
			/* Cached: the same VA bits above this level lead to
			 * the same table and entry. */
			st->table_pa = c->table;
			st->entry = c->entry;
			path[lvl] = c->table;
			pi.present = (c->pa & XC_PRESENT) != 0;
			pi.leaf = (c->pa & XC_LEAF) != 0;
			pi.pa = c->pa & ~(uint64_t)(XC_PRESENT | XC_LEAF);
		} else {
			uint64_t epa = table + (uint64_t)idx * pg->entry_size;
			uint8_t buf[8];
			struct kmd_err rerr;

			for (unsigned a = 0; a < lvl; a++)
				if (path[a] == table)
					return loop_error(k, lvl, table, a, err);
			path[lvl] = table;
			st->table_pa = table;
			st->entry = 0;
			st->leaf = false;
			if (dump_read(k->dump, epa, buf, pg->entry_size, &rerr)) {
				struct kmd_loc loc;
				dump_locate(k->dump, epa, &loc);
				x->fate = loc.fate == KMD_EXCLUDED ? KMD_EXCLUDED :
								      KMD_NOT_IN_DUMP;
				snprintf(x->reason, sizeof(x->reason),
					 "%s table at 0x%llx is %s", pg->name[lvl],
					 (unsigned long long)table,
					 loc.fate == KMD_EXCLUDED ?
						 "excluded from the dump" :
						 "not in the dump");
				x->nsteps = lvl;
				return KMD_OK;
			}
			st->entry = read_entry(pg, buf);
			k->arch->decode(k, lvl, st->entry, &pi);
			/* A table pointer at the last level: decode broke
			 * the rule; not cached, reported below. */
			if (c && (pi.leaf || !pi.present || lvl + 1 < pg->levels) &&
			    !(pi.pa & (XC_PRESENT | XC_LEAF))) {
				c->tag = tag;
				c->table = table;
				c->entry = st->entry;
				c->pa = pi.pa | (pi.present ? XC_PRESENT : 0) |
					(pi.leaf ? XC_LEAF : 0);
			}
		}
		x->nsteps = lvl + 1;
		st->leaf = false;
		if (!pi.present) {
			x->fate = KMD_UNMAPPED;
			reason_not_present(x->reason, sizeof(x->reason),
					   pg->name[lvl], idx);
			return KMD_OK;
		}
		if (pi.leaf) {
			st->leaf = true;
			x->page_size = 1ull << pg->shift[lvl];
			x->pa = pi.pa + (va & (x->page_size - 1));
			dump_locate(k->dump, x->pa, &x->loc);
			x->fate = x->loc.fate;
			if (x->fate != KMD_MAPPED)
				reason_copy(x->reason, sizeof(x->reason),
					    x->loc.why ? x->loc.why :
					    x->fate == KMD_EXCLUDED ?
					    "page excluded from the dump" :
					    "physical address not in the dump");
			return KMD_OK;
		}
		table = pi.pa;
	}
	/* The last level is always a leaf level; decode broke that rule. */
	return kmd_err_set(err, KMD_ERR_CORRUPT, "walk of 0x%llx ran out of levels",
			   (unsigned long long)va);
}

/* ---- range statistics ------------------------------------------------- */

struct memo_slot {
	uint64_t key; /* table address * 8 + level + 1; 0 = empty */
	uint64_t mapped, present;
};

struct stats_ctx {
	struct kmd *k;
	struct memo_slot *memo;
	size_t memo_cap, memo_used;
	uint64_t path[KMD_MAX_LEVELS];
};

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static struct memo_slot *memo_find(struct stats_ctx *c, uint64_t key)
{
	size_t mask = c->memo_cap - 1;
	size_t i = hash64(key) & mask;

	while (c->memo[i].key && c->memo[i].key != key)
		i = (i + 1) & mask;
	return &c->memo[i];
}

static kmd_status memo_put(struct stats_ctx *c, uint64_t key, uint64_t m,
			   uint64_t p, struct kmd_err *err)
{
	struct memo_slot *s;

	if ((c->memo_used + 1) * 2 > c->memo_cap) {
		size_t ncap = c->memo_cap ? c->memo_cap * 2 : 1024;
		struct memo_slot *old = c->memo;
		size_t ocap = c->memo_cap;
		c->memo = calloc(ncap, sizeof(*c->memo));
		if (!c->memo) {
			c->memo = old;
			return kmd_err_nomem(err);
		}
		c->memo_cap = ncap;
		for (size_t i = 0; i < ocap; i++)
			if (old[i].key)
				*memo_find(c, old[i].key) = old[i];
		free(old);
	}
	s = memo_find(c, key);
	if (!s->key)
		c->memo_used++;
	s->key = key;
	s->mapped = m;
	s->present = p;
	return KMD_OK;
}

/* Walk the table at TABLE (level LVL) over index-space addresses
 * [lo, hi] (inclusive) relative to BASE, the first address the table
 * covers. */
static kmd_status stats_rec(struct stats_ctx *c, unsigned lvl, uint64_t table,
			    uint64_t base, uint64_t lo, uint64_t hi,
			    uint64_t *mapped, uint64_t *present,
			    struct kmd_err *err)
{
	struct kmd *k = c->k;
	const struct paging *pg = &k->pg;
	unsigned shift = pg->shift[lvl];
	uint64_t span = 1ull << shift;
	uint8_t *buf;
	kmd_status st;

	st = load_table(k, c->path, lvl, table,
			"its mappings are not counted", &buf, err);
	if (st || !buf)
		return st;
	for (uint64_t i = (lo - base) >> shift; i <= (hi - base) >> shift; i++) {
		uint64_t ebase = base + (i << shift);
		uint64_t elast = ebase + span - 1;
		uint64_t clo = lo > ebase ? lo : ebase;
		uint64_t chi = hi < elast ? hi : elast;
		bool full = clo == ebase && chi == elast;
		uint64_t entry = read_entry(pg, buf + i * pg->entry_size);
		struct pte_info pi;

		k->arch->decode(k, lvl, entry, &pi);
		if (!pi.present)
			continue;
		if (pi.leaf) {
			uint64_t n = chi - clo + 1;
			*mapped += n;
			*present += dump_present_bytes(k->dump,
						       pi.pa + (clo - ebase), n);
			continue;
		}
		if (lvl + 1 >= pg->levels)
			continue; /* decode said "table" at the last level */
		uint64_t key = pi.pa * 8 + lvl + 2;
		if (full && c->memo_cap) {
			struct memo_slot *s = memo_find(c, key);
			if (s->key) {
				*mapped += s->mapped;
				*present += s->present;
				continue;
			}
		}
		uint64_t m = 0, p = 0;
		st = stats_rec(c, lvl + 1, pi.pa, ebase, clo, chi, &m, &p, err);
		if (st)
			break;
		*mapped += m;
		*present += p;
		if (full && (st = memo_put(c, key, m, p, err)))
			break;
	}
	free(buf);
	return st;
}

kmd_status walk_stats(struct kmd *k, uint64_t start, uint64_t end,
		      uint64_t *mapped, uint64_t *present, struct kmd_err *err)
{
	const struct paging *pg = &k->pg;
	unsigned total = pg->shift[0] + pg->bits[0];
	uint64_t mask = total >= 64 ? ~0ull : (1ull << total) - 1;
	struct stats_ctx c = { .k = k };
	uint64_t last = end - 1; /* end 0 = top: last = ~0 */
	kmd_status st;

	*mapped = *present = 0;
	if (end != 0 && end <= start)
		return KMD_OK;
	/* Work in the walk's index space: drop sign-extension bits.  A
	 * region never crosses the canonical hole, so this is monotonic. */
	st = stats_rec(&c, 0, pg->root, 0, start & mask, last & mask, mapped,
		       present, err);
	free(c.memo);
	return st;
}

/* ---- range enumeration ------------------------------------------------ */

/* A budget against hostile dumps whose shared tables multiply into
 * billions of leaves: 2^28 leaves is 1 TiB of 4 KiB pages. */
#define MAX_LEAVES (1ull << 28)

struct range_ctx {
	struct kmd *k;
	walk_leaf_fn fn;
	void *arg;
	uint64_t path[KMD_MAX_LEVELS];
	uint64_t leaves;
	unsigned total_bits;
	bool stopped;
};

static uint64_t to_va(const struct range_ctx *c, uint64_t a)
{
	if (c->k->pg.sign_extend && c->total_bits < 64 &&
	    (a >> (c->total_bits - 1) & 1))
		a |= ~0ull << c->total_bits;
	return a;
}

static kmd_status range_rec(struct range_ctx *c, unsigned lvl, uint64_t table,
			    uint64_t base, uint64_t lo, uint64_t hi,
			    struct kmd_err *err)
{
	struct kmd *k = c->k;
	const struct paging *pg = &k->pg;
	unsigned shift = pg->shift[lvl];
	uint8_t *buf;
	kmd_status st;

	st = load_table(k, c->path, lvl, table,
			"the mappings under it are not listed", &buf, err);
	if (st || !buf)
		return st;
	for (uint64_t i = (lo - base) >> shift; i <= (hi - base) >> shift; i++) {
		uint64_t ebase = base + (i << shift);
		uint64_t elast = ebase + (1ull << shift) - 1;
		uint64_t clo = lo > ebase ? lo : ebase;
		uint64_t chi = hi < elast ? hi : elast;
		uint64_t entry = read_entry(pg, buf + i * pg->entry_size);
		struct pte_info pi;

		k->arch->decode(k, lvl, entry, &pi);
		if (!pi.present)
			continue;
		if (pi.leaf) {
			if (++c->leaves > MAX_LEAVES) {
				st = kmd_err_set(err, KMD_ERR_CORRUPT,
						 "more than %llu page-table leaves: shared or looping tables?",
						 (unsigned long long)MAX_LEAVES);
				break;
			}
			if (c->fn(c->arg, to_va(c, clo), chi - clo + 1,
				  pi.pa + (clo - ebase), lvl, entry)) {
				c->stopped = true;
				break;
			}
			continue;
		}
		if (lvl + 1 >= pg->levels)
			continue;
		st = range_rec(c, lvl + 1, pi.pa, ebase, clo, chi, err);
		if (st || c->stopped)
			break;
	}
	free(buf);
	return st;
}

kmd_status walk_range(struct kmd *k, uint64_t start, uint64_t end,
		      walk_leaf_fn fn, void *arg, struct kmd_err *err)
{
	const struct paging *pg = &k->pg;
	struct range_ctx c = { .k = k, .fn = fn, .arg = arg };
	uint64_t mask, last = end - 1;

	c.total_bits = pg->shift[0] + pg->bits[0];
	mask = c.total_bits >= 64 ? ~0ull : (1ull << c.total_bits) - 1;
	if (end != 0 && end <= start)
		return KMD_OK;
	return range_rec(&c, 0, pg->root, 0, start & mask, last & mask, err);
}
