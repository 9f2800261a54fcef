/* syms.c - the symbol table shared by both backends, and the text
 * backend: System.map lines ("ffffffff81000000 T _stext") plus constants
 * in VMCOREINFO syntax ("ENUM(__end_of_permanent_fixed_addresses)=12"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "syms.h"

struct syms *syms_new(const struct syms_ops *ops, const char *kind,
		      const char *path)
{
	struct syms *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ops = ops;
	s->kind = kind;
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		return NULL;
	}
	return s;
}

kmd_status syms_add(struct syms *s, const char *name, uint64_t addr,
		    uint64_t size, bool located, struct kmd_err *err)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct sym *n = realloc(s->byname, cap * sizeof(*n));
		if (!n)
			return kmd_err_nomem(err);
		s->byname = n;
		s->cap = cap;
	}
	s->byname[s->n].addr = addr;
	s->byname[s->n].size = size;
	s->byname[s->n].name = name;
	s->byname[s->n].located = located;
	s->n++;
	return KMD_OK;
}

/* FNV-1a: names are short; one pass, no sort, at open. */
static uint64_t name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static int addr_cmp(const void *a, const void *b)
{
	const struct sym *x = *(const struct sym *const *)a;
	const struct sym *y = *(const struct sym *const *)b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Prefer a sized symbol, then a global-looking name. */
	if ((x->size == 0) != (y->size == 0))
		return x->size ? -1 : 1;
	if ((x->name[0] == '_') != (y->name[0] == '_'))
		return (x->name[0] == '_') - (y->name[0] == '_');
	return strcmp(x->name, y->name); /* then by name, deterministically */
}

/* Lookups answered by scanning nhash before the index pays off: opening
 * needs about ten, and building the index costs as much as ~100 scans
 * (its inserts are random accesses to a megabyte-sized table). */
#define SYMS_SCAN_LOOKUPS 64

kmd_status syms_finish(struct syms *s, struct kmd_err *err)
{
	if (s->n >= UINT32_MAX / 4)
		return kmd_err_set(err, KMD_ERR_UNSUPPORTED, "%s: too many symbols",
				   s->path);
	free(s->nhash);
	s->nhash = malloc((s->n ? s->n : 1) * sizeof(*s->nhash));
	if (!s->nhash)
		return kmd_err_nomem(err);
	for (size_t i = 0; i < s->n; i++)
		s->nhash[i] = (uint32_t)name_hash(s->byname[i].name);
	free(s->hash);
	s->hash = NULL;
	s->lookups = 0;
	free(s->byaddr);
	s->byaddr = NULL;
	s->naddr = 0;
	s->byaddr_done = false;
	return KMD_OK;
}

/* The index over names.  False if out of memory (lookups then scan). */
static bool build_index(struct syms *s)
{
	size_t cap = 16;

	while (cap < s->n * 2)
		cap *= 2;
	s->hash = calloc(cap, sizeof(*s->hash));
	if (!s->hash)
		return false;
	s->hmask = cap - 1;
	for (size_t i = 0; i < s->n; i++) {
		const struct sym *y = &s->byname[i];
		size_t h = s->nhash[i] & s->hmask;
		for (;; h = (h + 1) & s->hmask) {
			uint32_t j = s->hash[h];
			if (j == 0) {
				s->hash[h] = (uint32_t)i + 1;
				break;
			}
			if (s->nhash[j - 1] == s->nhash[i] &&
			    strcmp(s->byname[j - 1].name, y->name) == 0) {
				if (y->addr < s->byname[j - 1].addr)
					s->hash[h] = (uint32_t)i + 1;
				break;
			}
		}
	}
	return true;
}

/* The address-sorted view, on first use.  False if out of memory. */
static bool build_byaddr(struct syms *s)
{
	if (s->byaddr_done)
		return true;
	s->byaddr = malloc((s->n ? s->n : 1) * sizeof(*s->byaddr));
	if (!s->byaddr)
		return false;
	s->naddr = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->byname[i].located)
			s->byaddr[s->naddr++] = &s->byname[i];
	if (s->naddr)
		qsort(s->byaddr, s->naddr, sizeof(*s->byaddr), addr_cmp);
	s->byaddr_done = true;
	return true;
}

bool syms_symbolize(const struct syms *s, uint64_t addr, const char **name,
		    uint64_t *offset, uint64_t *size)
{
	size_t lo = 0, hi;
	const struct sym *best;
	uint64_t sz;

	/* The handle owns the table; building its sorted view on demand
	 * changes no answer (the handle is used by one thread at a time). */
	if (!build_byaddr((struct syms *)s))
		return false;
	hi = s->naddr;

	while (lo < hi) { /* first symbol above addr */
		size_t mid = lo + (hi - lo) / 2;
		if (s->byaddr[mid]->addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	/* Among symbols at the same address, the first in sort order. */
	size_t i = lo - 1;
	while (i > 0 && s->byaddr[i - 1]->addr == s->byaddr[i]->addr)
		i--;
	best = s->byaddr[i];
	/* Like kallsyms (and so /proc/vmallocinfo's %pS): a symbol extends
	 * to the next one; ELF's st_size only where no symbol follows. */
	sz = lo < s->naddr ? s->byaddr[lo]->addr - best->addr : best->size;
	if (!sz || addr - best->addr >= sz)
		return false;
	*name = best->name;
	*offset = addr - best->addr;
	*size = sz;
	return true;
}

bool syms_lookup(const struct syms *cs, const char *name, uint64_t *addr)
{
	struct syms *s = (struct syms *)cs; /* the index is a cache */
	uint32_t hv;

	if (!s->nhash)
		return false;
	hv = (uint32_t)name_hash(name);
	if (!s->hash && (s->lookups++ < SYMS_SCAN_LOOKUPS || !build_index(s))) {
		const struct sym *best = NULL;
		for (size_t i = 0; i < s->n; i++)
			if (s->nhash[i] == hv &&
			    strcmp(s->byname[i].name, name) == 0 &&
			    (!best || s->byname[i].addr < best->addr))
				best = &s->byname[i];
		if (best)
			*addr = best->addr;
		return best != NULL;
	}
	for (size_t h = hv & s->hmask;; h = (h + 1) & s->hmask) {
		uint32_t j = s->hash[h];
		if (j == 0)
			return false;
		if (s->nhash[j - 1] == hv &&
		    strcmp(s->byname[j - 1].name, name) == 0) {
			*addr = s->byname[j - 1].addr;
			return true;
		}
	}
}

kmd_status syms_constant(struct syms *s, const char *key, const char *hint,
			 int64_t *val, struct kmd_err *err)
{
	kmd_status st;

	if (vmci_num(&s->consts, key, val))
		return KMD_OK;
	if (!s->ops->constant)
		return kmd_err_set(err, KMD_ERR_NOTFOUND, "%s: no %s",
				   s->path, key);
	st = s->ops->constant(s, key, hint, val, err);
	if (st == KMD_OK) {
		char line[256];
		int n = snprintf(line, sizeof(line), "%s=%lld", key,
				 (long long)*val);
		/* Remember it; a failure to remember is not an error. */
		if (n > 0 && (size_t)n < sizeof(line)) {
			struct kmd_err ignore;
			vmci_add_line(&s->consts, line, (size_t)n, &ignore);
		}
	}
	return st;
}

kmd_status syms_enum_pack(const char *const *names, const int64_t *vals,
			  const size_t *namelens, size_t n,
			  struct syms_enum **out, struct kmd_err *err)
{
	size_t bytes = n * sizeof(struct syms_enum);
	char *p;

	for (size_t i = 0; i < n; i++)
		bytes += namelens[i] + 1;
	*out = malloc(bytes ? bytes : 1);
	if (!*out)
		return kmd_err_nomem(err);
	p = (char *)(*out + n);
	for (size_t i = 0; i < n; i++) {
		memcpy(p, names[i], namelens[i]);
		p[namelens[i]] = '\0';
		(*out)[i].name = p;
		(*out)[i].value = vals[i];
		p += namelens[i] + 1;
	}
	return KMD_OK;
}

kmd_status syms_enum_list(struct syms *s, const char *member, const char *hint,
			  struct syms_enum **out, size_t *n,
			  struct kmd_err *err)
{
	const char **names;
	int64_t *vals;
	size_t *lens, k = 0;
	kmd_status st;

	*out = NULL;
	*n = 0;
	if (s->ops->enum_list)
		return s->ops->enum_list(s, member, hint, out, n, err);
	/* Symbol files: every ENUM(name)=value line, in file order (test
	 * files describe one enum). */
	names = calloc(s->consts.n + 1, sizeof(*names));
	vals = calloc(s->consts.n + 1, sizeof(*vals));
	lens = calloc(s->consts.n + 1, sizeof(*lens));
	if (!names || !vals || !lens) {
		st = kmd_err_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < s->consts.n; i++) {
		const char *key = s->consts.items[i].key;
		size_t len = strlen(key);
		if (len < 7 || strncmp(key, "ENUM(", 5) != 0 ||
		    key[len - 1] != ')' || !vmci_num(&s->consts, key, &vals[k]))
			continue;
		names[k] = key + 5;
		lens[k] = len - 6;
		k++;
	}
	if (k == 0) {
		st = kmd_err_set(err, KMD_ERR_NOTFOUND,
				 "%s: no ENUM() lines for %s", s->path, member);
		goto out;
	}
	st = syms_enum_pack(names, vals, lens, k, out, err);
	if (!st)
		*n = k;
out:
	free(names);
	free(vals);
	free(lens);
	return st;
}

void syms_close(struct syms *s)
{
	if (!s)
		return;
	if (s->ops->close)
		s->ops->close(s);
	vmci_free(&s->consts);
	free(s->byname);
	free(s->nhash);
	free(s->hash);
	free(s->byaddr);
	free(s->release);
	free(s->build_id);
	free(s->path);
	free(s);
}

bool syms_probe_vmlinux(const uint8_t *head, size_t len)
{
	/* ET_EXEC (2) or ET_DYN (3, relocatable kernels built as PIE). */
	return len >= 20 && memcmp(head, "\177ELF", 4) == 0 &&
	       (head[16] == 2 || head[16] == 3) && head[17] == 0;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

bool syms_probe_text(const uint8_t *head, size_t len)
{
	size_t i = 0;

	/* Skip blank and comment lines, then expect "HEX " or "KEY=". */
	while (i < len) {
		if (head[i] == '\n' || head[i] == ' ') {
			i++;
			continue;
		}
		if (head[i] == '#') {
			while (i < len && head[i] != '\n')
				i++;
			continue;
		}
		break;
	}
	if (i >= len)
		return false;
	if (is_hex((char)head[i])) {
		size_t j = i;
		while (j < len && is_hex((char)head[j]))
			j++;
		if (j < len && j - i >= 8 && head[j] == ' ')
			return true;
	}
	for (size_t j = i; j < len && j < i + 128; j++) {
		if (head[j] == '=')
			return j > i;
		if (head[j] == '\n' || head[j] == '\0')
			break;
	}
	return false;
}

struct textsyms {
	char *buf;
};

static void text_close(struct syms *s)
{
	struct textsyms *t = s->priv;
	if (t) {
		free(t->buf);
		free(t);
	}
}

static const struct syms_ops text_ops = {
	.constant = NULL,
	.close = text_close,
};

kmd_status syms_open_text(struct syms **out, const char *path,
			  struct kmd_err *err)
{
	struct textsyms *t;
	struct syms *s;
	FILE *f;
	long size;
	kmd_status st = KMD_OK;
	unsigned lineno = 0;

	s = syms_new(&text_ops, "symbol file", path);
	t = calloc(1, sizeof(*t));
	if (!s || !t) {
		free(t);
		syms_close(s);
		return kmd_err_nomem(err);
	}
	s->priv = t;
	f = fopen(path, "re");
	if (!f) {
		st = kmd_err_set(err, KMD_ERR_IO, "%s: %s", path,
				 strerror(errno));
		goto out;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		st = kmd_err_set(err, KMD_ERR_IO, "%s: cannot size", path);
		goto out;
	}
	t->buf = malloc((size_t)size + 1);
	if (!t->buf) {
		fclose(f);
		st = kmd_err_nomem(err);
		goto out;
	}
	if (fread(t->buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		st = kmd_err_set(err, KMD_ERR_IO, "%s: short read", path);
		goto out;
	}
	fclose(f);
	t->buf[size] = '\0';

	for (char *line = t->buf, *next; line && *line; line = next) {
		char *nl = strchr(line, '\n');
		char *p, *end, *name;
		uint64_t addr;

		lineno++;
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		if (strchr(line, '=') && !strchr(line, ' ')) {
			st = vmci_add_line(&s->consts, line, strlen(line), err);
			if (st)
				goto out;
			continue;
		}
		errno = 0;
		addr = strtoull(line, &end, 16);
		if (errno || end == line || *end != ' ') {
			st = kmd_err_set(err, KMD_ERR_CORRUPT,
					 "%s:%u: not a symbol line", path,
					 lineno);
			goto out;
		}
		p = end + 1;
		/* Optional one-letter type, as in System.map: text, data,
		 * rodata and bss symbols can name an address. */
		bool located = true;
		if (p[0] && p[1] == ' ') {
			located = strchr("TtDdBbRr", p[0]) != NULL;
			p += 2;
		}
		name = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		*p = '\0';
		if (!*name)
			continue;
		if (addr > 0xffffffffull)
			s->wide = true;
		st = syms_add(s, name, addr, 0, located, err);
		if (st)
			goto out;
	}
	st = syms_finish(s, err);
out:
	if (st) {
		syms_close(s);
		return st;
	}
	*out = s;
	return KMD_OK;
}
